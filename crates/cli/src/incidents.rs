//! `manrs incidents [--asn N] [--period YYYY-MM] --db F [--json]`: the
//! MANRS Action 1 incidents of a stored period (manrs-spec §2.3, §2.4):
//! hijacks (M2, and M2C for the AS that propagated them), bogon prefixes
//! (M3, M3C) and routes from bogon AS numbers (M4), each with its time
//! span, weighted-duration score, confidence and evidence.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, bail};
use manrs_store::{IncidentRow, Store};
use manrs_types::{Asn, Month, format_utc};
use serde_json::Value;

/// The stored period a report reads.
#[derive(Debug, clap::Args)]
pub struct PeriodArgs {
    /// The database written by `manrs run` or `manrs demo`.
    #[arg(long)]
    pub db: PathBuf,
    /// The period (YYYY-MM); default the newest stored.
    #[arg(long)]
    pub period: Option<Month>,
}

impl PeriodArgs {
    /// Opens the store and picks the period.
    pub fn open(&self) -> Result<(Store, Month)> {
        let store = Store::open_existing(&self.db)?;
        let month = pick_period(&store, &self.db, self.period)?;
        Ok((store, month))
    }
}

/// Arguments of `manrs incidents`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only the incidents of this AS.
    #[arg(long)]
    asn: Option<Asn>,
    #[command(flatten)]
    at: PeriodArgs,
    /// Print one JSON object per incident per line.
    #[arg(long)]
    json: bool,
}

/// The stored period to report: the one asked for, else the newest.
pub fn pick_period(store: &Store, db: &std::path::Path, period: Option<Month>) -> Result<Month> {
    match period {
        Some(m) => {
            if store.period(m)?.is_none() {
                let have: Vec<String> =
                    store.periods()?.iter().map(|p| p.month().to_string()).collect();
                bail!(
                    "{}: period {m} is not stored (stored: {})",
                    db.display(),
                    if have.is_empty() { "none".into() } else { have.join(", ") }
                );
            }
            Ok(m)
        }
        None => match store.latest_period()? {
            Some(m) => Ok(m),
            None => bail!("{}: no period stored yet; run `manrs run` first", db.display()),
        },
    }
}

pub use manrs_report::incident_json;

/// An incident as one human line (and its first finding's path).
pub fn incident_lines(i: &IncidentRow) -> Vec<String> {
    let minutes = (i.end - i.start) / 60;
    let confidence = i.confidence.map(|c| format!(", confidence {c:.2}")).unwrap_or_default();
    let mut out = vec![format!(
        "{} AS{} {} .. {} UTC ({} h {:02} min, score {}{confidence}): {}",
        i.metric,
        i.asn.0,
        format_utc(i.start),
        format_utc(i.end),
        minutes / 60,
        minutes % 60,
        i.score,
        i.summary
    )];
    let f = &i.evidence[0];
    if let Some(path) = f["first"]["path"].as_array() {
        let path: Vec<String> = path.iter().map(|a| a.to_string()).collect();
        out.push(format!(
            "    first seen {} by {} peer {} AS{}: path {}",
            f["first"]["time"].as_i64().map(format_utc).unwrap_or_default(),
            f["first"]["collector"].as_str().unwrap_or("?"),
            f["first"]["peerIp"].as_str().unwrap_or("?"),
            f["first"]["peerAsn"],
            path.join(" ")
        ));
    }
    if let Some(tags) = f["tags"].as_array() {
        let tags: Vec<&str> = tags.iter().filter_map(Value::as_str).collect();
        out.push(format!("    tags: {}", tags.join(", ")));
    }
    out
}

/// Runs the command.
pub fn run(args: Args) -> Result<ExitCode> {
    let (store, month) = args.at.open()?;
    let incidents = store.incidents(month, args.asn)?;
    if args.json {
        for i in &incidents {
            outln!("{}", incident_json(i));
        }
        return Ok(ExitCode::SUCCESS);
    }
    let scope = args.asn.map(|a| format!(" of AS{}", a.0)).unwrap_or_default();
    outln!("{} Action 1 incidents{scope} in {month}", incidents.len());
    for i in &incidents {
        for line in incident_lines(i) {
            outln!("  {line}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
