//! The sources manifest: a TOML file naming one or more periods (calendar
//! months, manrs-spec §2.2) and, for each, its input files by kind, plus the
//! analysis choices and the scoring profile to use.
//!
//! ```toml
//! [analysis]                 # optional: manrs_engine::Settings
//! irr-policy = "covering"
//! [profile]                  # optional: manrs_engine::Profile
//! version = "my-profile-1"
//!
//! [[period]]
//! month = "2026-02"
//! inputs = [
//!   { kind = "mrt", path = "updates.20260222.*.bz2", collector = "route-views2" },
//!   { kind = "vrps", path = "vrps.json.gz" },
//!   { kind = "irr", path = "ripe.db.route.gz", source = "RIPE", trust = 1 },
//! ]
//! ```
//!
//! Paths are relative to the manifest's directory (absolute paths are kept)
//! and may be glob patterns, expanded and sorted at load. Every problem is
//! reported with the manifest's name and the line and column of the value
//! at fault; unknown keys are errors, so a typo never silently falls back to
//! a default.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use manrs_engine::{Profile, Settings};
use manrs_types::Month;
use serde::Deserialize;
use toml::Spanned;

/// The kind of an input, which decides the reader and its use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum InputKind {
    /// MRT RIB dumps and update files.
    Mrt,
    /// Prefix-origin lists (pyasn ipasn, `prefix,asn` CSV).
    Routes,
    /// VRPs (and ASPAs).
    Vrps,
    /// IRR RPSL dumps.
    Irr,
    /// RIR / NRO delegated statistics.
    Delegated,
    /// IANA registries.
    Iana,
    /// PeeringDB pages or dumps.
    PeeringDb,
    /// CAIDA AS relationships.
    AsRelationships,
    /// CAIDA AS-to-organisation.
    AsOrg,
    /// CAIDA Spoofer sessions.
    Spoofer,
    /// AS names.
    AsNames,
    /// RDAP autnum responses (AS contacts of ARIN, LACNIC and any RDAP
    /// registry), JSON Lines.
    Rdap,
}

impl InputKind {
    /// Every kind, in documentation order.
    pub const ALL: [InputKind; 12] = [
        InputKind::Mrt,
        InputKind::Routes,
        InputKind::Vrps,
        InputKind::Irr,
        InputKind::Delegated,
        InputKind::Iana,
        InputKind::PeeringDb,
        InputKind::AsRelationships,
        InputKind::AsOrg,
        InputKind::Spoofer,
        InputKind::AsNames,
        InputKind::Rdap,
    ];

    /// The manifest spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            InputKind::Mrt => "mrt",
            InputKind::Routes => "routes",
            InputKind::Vrps => "vrps",
            InputKind::Irr => "irr",
            InputKind::Delegated => "delegated",
            InputKind::Iana => "iana",
            InputKind::PeeringDb => "peeringdb",
            InputKind::AsRelationships => "as-relationships",
            InputKind::AsOrg => "as-org",
            InputKind::Spoofer => "spoofer",
            InputKind::AsNames => "as-names",
            InputKind::Rdap => "rdap",
        }
    }
}

impl fmt::Display for InputKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for InputKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        InputKind::ALL.into_iter().find(|k| k.as_str() == s).ok_or_else(|| {
            let all: Vec<&str> = InputKind::ALL.iter().map(|k| k.as_str()).collect();
            format!("unknown input kind \"{s}\" (expected one of: {})", all.join(", "))
        })
    }
}

/// One input of a period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputSpec {
    /// Its kind.
    pub kind: InputKind,
    /// The path or pattern as written.
    pub pattern: String,
    /// The files, joined to the manifest's directory, globs expanded and
    /// sorted.
    pub paths: Vec<PathBuf>,
    /// The collector name given (MRT and route lists).
    pub collector: Option<String>,
    /// The IRR source name given (IRR only); `None`: each object's own.
    pub source: Option<String>,
    /// IRR trust rank, lower is more trusted (default: position among the
    /// period's IRR inputs, from 1).
    pub trust: u32,
    /// The 1-based manifest line of the input.
    pub line: usize,
}

impl InputSpec {
    /// The collector name of one of its files: the one given, else for MRT
    /// the name of the file's directory, else the file name.
    pub fn collector_for(&self, path: &Path) -> String {
        if let Some(c) = &self.collector {
            return c.clone();
        }
        let name = |p: Option<&Path>| {
            p.and_then(|p| p.file_name()).map(|n| n.to_string_lossy().into_owned())
        };
        let found = match self.kind {
            InputKind::Mrt => name(path.parent()).or_else(|| name(Some(path))),
            _ => name(Some(path)),
        };
        found.unwrap_or_else(|| path.display().to_string())
    }
}

/// One period of the manifest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeriodSpec {
    /// The month.
    pub month: Month,
    /// Its inputs, in manifest order.
    pub inputs: Vec<InputSpec>,
    /// The 1-based line of its `month` key.
    pub line: usize,
}

impl PeriodSpec {
    /// The inputs of one kind.
    pub fn inputs_of(&self, kind: InputKind) -> impl Iterator<Item = &InputSpec> {
        self.inputs.iter().filter(move |i| i.kind == kind)
    }
}

/// A loaded, validated manifest.
#[derive(Clone, Debug, PartialEq)]
pub struct Manifest {
    /// The manifest file.
    pub path: PathBuf,
    /// Its directory, the base of relative paths.
    pub base: PathBuf,
    /// Analysis choices.
    pub analysis: Settings,
    /// Scoring profile.
    pub profile: Profile,
    /// The periods, in manifest order.
    pub periods: Vec<PeriodSpec>,
}

/// Why a manifest was refused.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// The file could not be read.
    #[error("{}: {source}", path.display())]
    Read {
        /// The manifest.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A syntax or content error at a place in the file.
    #[error("{}:{line}:{column}: {message}", path.display())]
    Invalid {
        /// The manifest.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column (in characters).
        column: usize,
        /// What is wrong.
        message: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    #[serde(default)]
    analysis: Settings,
    #[serde(default)]
    profile: Profile,
    #[serde(default)]
    period: Vec<RawPeriod>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPeriod {
    month: Spanned<String>,
    inputs: Option<Spanned<Vec<Spanned<RawInput>>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInput {
    kind: Spanned<String>,
    path: Spanned<String>,
    collector: Option<Spanned<String>>,
    source: Option<Spanned<String>>,
    trust: Option<Spanned<u32>>,
}

struct Ctx<'a> {
    text: &'a str,
    path: &'a Path,
}

impl Ctx<'_> {
    fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = self.text.get(..offset).unwrap_or(self.text);
        let line = before.matches('\n').count() + 1;
        let start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before.get(start..).map_or(0, |s| s.chars().count()) + 1;
        (line, column)
    }

    fn err(&self, offset: usize, message: impl Into<String>) -> ManifestError {
        let (line, column) = self.line_col(offset);
        ManifestError::Invalid {
            path: self.path.to_path_buf(),
            line,
            column,
            message: message.into(),
        }
    }
}

fn has_glob(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

impl Manifest {
    /// Reads, parses and validates a manifest file.
    pub fn load(path: &Path) -> Result<Manifest, ManifestError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| ManifestError::Read { path: path.to_path_buf(), source })?;
        Manifest::parse(&text, path)
    }

    /// Parses and validates manifest text; `path` gives the base directory
    /// and the name used in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Manifest, ManifestError> {
        let ctx = Ctx { text, path };
        let raw: RawManifest = toml::from_str(text).map_err(|e| {
            let offset = e.span().map_or(0, |s| s.start);
            ctx.err(offset, e.message().trim_end().to_string())
        })?;
        let base = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let mut periods: Vec<PeriodSpec> = Vec::new();
        for rp in raw.period {
            let month: Month = rp.month.get_ref().parse().map_err(|e| {
                ctx.err(rp.month.span().start, format!("month \"{}\": {e}", rp.month.get_ref()))
            })?;
            let month_line = ctx.line_col(rp.month.span().start).0;
            if let Some(first) = periods.iter().find(|p| p.month == month) {
                return Err(ctx.err(
                    rp.month.span().start,
                    format!("period {month} is given twice (first at line {})", first.line),
                ));
            }
            let raw_inputs = match rp.inputs {
                Some(i) if !i.get_ref().is_empty() => i.into_inner(),
                Some(i) => {
                    return Err(ctx.err(i.span().start, format!("period {month} has no inputs")));
                }
                None => {
                    return Err(ctx.err(
                        rp.month.span().start,
                        format!("period {month} has no inputs (add inputs = [...])"),
                    ));
                }
            };
            let mut inputs = Vec::new();
            let mut irr_position = 0;
            for ri in raw_inputs {
                let line = ctx.line_col(ri.span().start).0;
                let ri = ri.into_inner();
                let kind: InputKind = ri
                    .kind
                    .get_ref()
                    .parse()
                    .map_err(|m: String| ctx.err(ri.kind.span().start, m))?;
                let only = |key: &str, span: usize, allowed: &[InputKind]| {
                    if allowed.contains(&kind) {
                        Ok(())
                    } else {
                        let names: Vec<&str> = allowed.iter().map(|k| k.as_str()).collect();
                        Err(ctx.err(
                            span,
                            format!(
                                "key \"{key}\" is not allowed on kind \"{kind}\" (only on {})",
                                names.join(", ")
                            ),
                        ))
                    }
                };
                if let Some(c) = &ri.collector {
                    only("collector", c.span().start, &[InputKind::Mrt, InputKind::Routes])?;
                }
                if let Some(s) = &ri.source {
                    only("source", s.span().start, &[InputKind::Irr])?;
                }
                if let Some(t) = &ri.trust {
                    only("trust", t.span().start, &[InputKind::Irr])?;
                    if *t.get_ref() == 0 {
                        return Err(
                            ctx.err(t.span().start, "trust must be 1 or more (1 = most trusted)")
                        );
                    }
                }
                if kind == InputKind::Irr {
                    irr_position += 1;
                }
                let pattern = ri.path.get_ref().clone();
                let paths =
                    expand(&base, &pattern).map_err(|m| ctx.err(ri.path.span().start, m))?;
                inputs.push(InputSpec {
                    kind,
                    pattern,
                    paths,
                    collector: ri.collector.map(Spanned::into_inner),
                    source: ri.source.map(Spanned::into_inner),
                    trust: ri.trust.map_or(irr_position, Spanned::into_inner),
                    line,
                });
            }
            periods.push(PeriodSpec { month, inputs, line: month_line });
        }
        if periods.is_empty() {
            return Err(ctx.err(0, "no [[period]] in the manifest"));
        }
        Ok(Manifest {
            path: path.to_path_buf(),
            base,
            analysis: raw.analysis,
            profile: raw.profile,
            periods,
        })
    }

    /// The period of a month.
    pub fn period(&self, month: Month) -> Option<&PeriodSpec> {
        self.periods.iter().find(|p| p.month == month)
    }
}

/// The files of a path or glob pattern, relative to `base`.
fn expand(base: &Path, pattern: &str) -> Result<Vec<PathBuf>, String> {
    let joined = base.join(pattern);
    if !has_glob(pattern) {
        return if joined.exists() {
            Ok(vec![joined])
        } else {
            Err(format!("file \"{pattern}\" does not exist (looked for {})", joined.display()))
        };
    }
    let full = if Path::new(pattern).is_absolute() {
        pattern.to_string()
    } else {
        format!("{}/{pattern}", glob::Pattern::escape(&base.to_string_lossy()))
    };
    let entries = glob::glob(&full).map_err(|e| format!("bad pattern \"{pattern}\": {e}"))?;
    let mut paths = Vec::new();
    for entry in entries {
        let p = entry.map_err(|e| format!("pattern \"{pattern}\": {e}"))?;
        if p.is_file() {
            paths.push(p);
        }
    }
    paths.sort();
    if paths.is_empty() {
        return Err(format!("no file matches \"{pattern}\" (in {})", base.display()));
    }
    Ok(paths)
}
