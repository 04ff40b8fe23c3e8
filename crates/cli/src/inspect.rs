//! `manrs inspect FILE...`: detect each file's format by content, stream it
//! through its reader and print counts and diagnostics.
//!
//! Human output is one block per file; `--json` prints one JSON object per
//! file per line (JSON Lines) with at least `file`, `format`, `records`,
//! `elements`, `errors` and `truncated`, plus `vrps`/`aspas` for VRP files and
//! `objects`/`classes` for RPSL. A progress bar is drawn on stderr when it is
//! a terminal, never when output is piped.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Result;
use manrs_input::Input;
use manrs_types::{Diagnostic, Mode, Summary};
use serde_json::{Map, Value, json};

use manrs_pipeline::detect::{self, SNIFF_BYTES};

use crate::progress;

/// Arguments of `manrs inspect`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files to inspect (plain, .gz or .bz2; the format is detected by content).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Print one JSON object per file (JSON Lines).
    #[arg(long)]
    json: bool,
    /// Stop at the first problem in a file instead of skipping and counting.
    #[arg(long)]
    strict: bool,
    /// How many diagnostics to print per file.
    #[arg(long, default_value_t = 10)]
    show: usize,
}

/// The outcome for one file.
struct Outcome {
    file: String,
    compression: Option<&'static str>,
    format: Option<String>,
    summary: Option<Summary>,
    /// A failure that stopped the file: open error, unknown format, strict error.
    failure: Option<String>,
    strict_error: Option<Diagnostic>,
    seconds: f64,
}

/// Runs the command.
pub fn run(args: Args) -> Result<ExitCode> {
    let mode = if args.strict { Mode::Strict } else { Mode::Lenient };
    let progress = std::io::stderr().is_terminal();
    let mut failed = false;
    for path in &args.files {
        let outcome = inspect_file(path, mode, progress);
        failed |= outcome.failure.is_some();
        if args.json {
            outln!("{}", to_json(&outcome, args.show));
        } else {
            print_human(&outcome, args.show);
        }
    }
    Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

fn inspect_file(path: &PathBuf, mode: Mode, progress: bool) -> Outcome {
    let started = Instant::now();
    let mut outcome = Outcome {
        file: path.display().to_string(),
        compression: None,
        format: None,
        summary: None,
        failure: None,
        strict_error: None,
        seconds: 0.0,
    };
    let mut input = match Input::open(path) {
        Ok(i) => i,
        Err(e) => {
            outcome.failure = Some(e.to_string());
            return outcome;
        }
    };
    outcome.compression = Some(input.compression().as_str());
    let head = match input.peek(SNIFF_BYTES) {
        Ok(h) => h,
        // A stream that fails within the first bytes still gets sniffed on
        // what arrived; its reader then reports the failure in place.
        Err(_) => input.peek(0).unwrap_or_default(),
    };
    let Some(format) = detect::detect(&head) else {
        outcome.failure = Some(if head.is_empty() {
            "empty file: no format to detect".to_string()
        } else {
            "unknown format: not MRT, VRP, PeeringDB, registry, CAIDA, ipasn, Spoofer or RPSL data"
                .to_string()
        });
        return outcome;
    };
    let total = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let status = input.status();
    let bar = progress.then(|| progress::spawn_bar(&outcome.file, total, status));
    let result = detect::inspect(format, input, mode);
    if let Some(bar) = bar {
        progress::finish(bar);
    }
    outcome.seconds = started.elapsed().as_secs_f64();
    match result {
        Ok(summary) => {
            outcome.format = Some(summary.format.clone());
            outcome.summary = Some(summary);
        }
        Err(d) => {
            outcome.format = Some(detect::format_name(format));
            outcome.failure = Some(d.to_string());
            outcome.strict_error = Some(d);
        }
    }
    outcome
}

fn to_json(o: &Outcome, show: usize) -> Value {
    let mut m = Map::new();
    m.insert("file".into(), json!(o.file));
    m.insert("format".into(), json!(o.format));
    m.insert("compression".into(), json!(o.compression));
    match &o.summary {
        Some(s) => {
            m.insert("records".into(), json!(s.records));
            m.insert("elements".into(), json!(s.elements));
            m.insert("errors".into(), json!(s.diagnostics.total()));
            m.insert("truncated".into(), json!(s.diagnostics.truncated()));
            for (k, v) in &s.counts {
                m.insert(k.clone(), json!(v));
            }
            if !s.classes.is_empty() {
                m.insert("classes".into(), json!(s.classes));
            }
            let by_kind: Map<String, Value> =
                s.diagnostics.counts().map(|(k, n)| (k.as_str().to_string(), json!(n))).collect();
            m.insert("errorsByKind".into(), Value::Object(by_kind));
            let kept: Vec<Value> =
                s.diagnostics.kept().iter().take(show).map(diagnostic_json).collect();
            m.insert("diagnostics".into(), Value::Array(kept));
        }
        None => {
            m.insert("records".into(), Value::Null);
            m.insert("elements".into(), Value::Null);
            m.insert("errors".into(), json!(1));
            let truncated =
                o.strict_error.as_ref().is_some_and(|d| d.kind == manrs_types::DiagKind::Truncated);
            m.insert("truncated".into(), json!(truncated));
            m.insert("error".into(), json!(o.failure));
            if let Some(d) = &o.strict_error {
                m.insert("diagnostics".into(), Value::Array(vec![diagnostic_json(d)]));
            }
        }
    }
    m.insert("seconds".into(), json!((o.seconds * 1000.0).round() / 1000.0));
    Value::Object(m)
}

fn diagnostic_json(d: &Diagnostic) -> Value {
    json!({
        "location": d.location,
        "kind": d.kind,
        "message": d.message,
        "text": d.to_string(),
    })
}

fn print_human(o: &Outcome, show: usize) {
    let compression = match o.compression {
        Some("none") | None => String::new(),
        Some(c) => format!(", {c}"),
    };
    let format = o.format.as_deref().unwrap_or("?");
    outln!("{}: {format}{compression}", o.file);
    if let Some(s) = &o.summary {
        outln!("  records        {}", group(s.records));
        outln!("  elements       {}", group(s.elements));
        for (k, v) in &s.counts {
            outln!("  {k:<14} {}", group(*v));
        }
        if !s.classes.is_empty() {
            let classes: Vec<String> =
                s.classes.iter().map(|(c, n)| format!("{c} {}", group(*n))).collect();
            outln!("  classes        {}", classes.join(", "));
        }
        let d = &s.diagnostics;
        if d.is_empty() {
            outln!("  problems       none");
        } else {
            let kinds: Vec<String> = d.counts().map(|(k, n)| format!("{} {k}", group(n))).collect();
            outln!("  problems       {}", kinds.join(", "));
            for diag in d.kept().iter().take(show) {
                outln!("    {diag}");
            }
            let more = d.total().saturating_sub(show.min(d.kept().len()) as u64);
            if more > 0 {
                outln!("    ... and {} more", group(more));
            }
        }
        if d.truncated() {
            outln!("  the file is truncated: everything before the cut was read");
        }
    }
    if let Some(f) = &o.failure {
        outln!("  error: {f}");
    }
    outln!("  time           {:.2} s", o.seconds);
}

/// 1234567 -> "1,234,567".
fn group(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::group;

    #[test]
    fn grouping() {
        assert_eq!(group(0), "0");
        assert_eq!(group(999), "999");
        assert_eq!(group(1000), "1,000");
        assert_eq!(group(679_347), "679,347");
        assert_eq!(group(1_107_938), "1,107,938");
    }
}
