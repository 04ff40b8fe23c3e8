//! Diagnostics: how every reader reports bad input.
//!
//! Truncated and corrupt files are normal in routing data. Every reader in
//! manrs therefore runs in one of two [`Mode`]s:
//!
//! * [`Mode::Lenient`] (the default): a bad record is skipped, and a
//!   [`Diagnostic`] naming the file, the position ([`Location`]: line, byte
//!   offset or record number) and the reason is recorded in the reader's
//!   [`Diagnostics`]. Nothing is dropped silently: the counts are part of the
//!   reader's output.
//! * [`Mode::Strict`]: the first problem ends the iteration with that
//!   diagnostic as the error.
//!
//! Readers call [`Diagnostics::report`], which implements that choice in one
//! place: it always counts, and hands the diagnostic back only in strict mode.

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

/// How a reader treats bad input.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Skip bad records, counting and recording each one.
    #[default]
    Lenient,
    /// Stop at the first bad record with an error.
    Strict,
}

/// Where in a file a problem was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Location {
    /// The whole file, or no better position is known.
    File,
    /// A 1-based line number (text formats).
    Line(u64),
    /// A byte offset in the decompressed stream (binary formats).
    Byte(u64),
    /// A 0-based record index and the byte offset where the record starts.
    Record {
        /// Index of the record in the file.
        index: u64,
        /// Byte offset of its first byte in the decompressed stream.
        byte: u64,
    },
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::File => Ok(()),
            Location::Line(n) => write!(f, "line {n}"),
            Location::Byte(b) => write!(f, "byte offset {b}"),
            Location::Record { index, byte } => write!(f, "record {index} at byte offset {byte}"),
        }
    }
}

/// What kind of problem a diagnostic reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum DiagKind {
    /// The data does not follow its format.
    Malformed,
    /// Well-formed data of a kind this reader does not handle (e.g. an MRT
    /// subtype); counted so that nothing disappears silently.
    Unsupported,
    /// The file ends in the middle of a record or compressed stream.
    Truncated,
    /// Reading the file failed.
    Io,
}

impl DiagKind {
    const ALL: [DiagKind; 4] =
        [DiagKind::Malformed, DiagKind::Unsupported, DiagKind::Truncated, DiagKind::Io];

    fn index(self) -> usize {
        match self {
            DiagKind::Malformed => 0,
            DiagKind::Unsupported => 1,
            DiagKind::Truncated => 2,
            DiagKind::Io => 3,
        }
    }

    /// A short lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            DiagKind::Malformed => "malformed",
            DiagKind::Unsupported => "unsupported",
            DiagKind::Truncated => "truncated",
            DiagKind::Io => "io error",
        }
    }
}

impl fmt::Display for DiagKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem found in one input file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// The file (as the user named it).
    pub file: Arc<str>,
    /// Where in the file.
    pub location: Location,
    /// What kind of problem.
    pub kind: DiagKind,
    /// A human-readable reason.
    pub message: String,
}

impl Diagnostic {
    /// Builds a diagnostic.
    pub fn new(
        file: &Arc<str>,
        location: Location,
        kind: DiagKind,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic { file: file.clone(), location, kind, message: message.into() }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.location {
            Location::File => write!(f, "{}: {}: {}", self.file, self.kind, self.message),
            loc => write!(f, "{}: {}: {}: {}", self.file, loc, self.kind, self.message),
        }
    }
}

impl std::error::Error for Diagnostic {}

/// The diagnostics of one read: counts per kind, the first ones kept in full.
///
/// Only the first [`Diagnostics::DEFAULT_KEEP`] diagnostics are kept (a corrupt
/// multi-gigabyte file must not exhaust memory); every one is counted.
#[derive(Clone, Debug)]
pub struct Diagnostics {
    kept: Vec<Diagnostic>,
    keep: usize,
    counts: [u64; 4],
}

impl Default for Diagnostics {
    fn default() -> Self {
        Diagnostics::with_keep(Self::DEFAULT_KEEP)
    }
}

impl Diagnostics {
    /// How many diagnostics are kept in full by default.
    pub const DEFAULT_KEEP: usize = 1000;

    /// An empty collection that keeps at most `keep` diagnostics in full.
    pub fn with_keep(keep: usize) -> Self {
        Diagnostics { kept: Vec::new(), keep, counts: [0; 4] }
    }

    /// Records a diagnostic (counted always, kept while under the cap).
    pub fn push(&mut self, d: Diagnostic) {
        self.counts[d.kind.index()] += 1;
        if self.kept.len() < self.keep {
            self.kept.push(d);
        }
    }

    /// The lenient/strict decision, in one place for every reader.
    ///
    /// Counts `d` in both modes. In lenient mode it is recorded and `None` is
    /// returned (the caller skips the bad record and goes on); in strict mode
    /// it is returned for the caller to yield as its error and stop.
    #[must_use = "in strict mode the returned diagnostic must be yielded as the error"]
    pub fn report(&mut self, mode: Mode, d: Diagnostic) -> Option<Diagnostic> {
        match mode {
            Mode::Lenient => {
                self.push(d);
                None
            }
            Mode::Strict => {
                self.counts[d.kind.index()] += 1;
                Some(d)
            }
        }
    }

    /// Total number of problems seen.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Number of problems of one kind.
    pub fn count(&self, kind: DiagKind) -> u64 {
        self.counts[kind.index()]
    }

    /// Whether the input ended early.
    pub fn truncated(&self) -> bool {
        self.count(DiagKind::Truncated) > 0
    }

    /// Whether nothing was reported.
    pub fn is_empty(&self) -> bool {
        self.total() == 0
    }

    /// The diagnostics kept in full, in the order they were found.
    pub fn kept(&self) -> &[Diagnostic] {
        &self.kept
    }

    /// Counts per kind, for reports (kinds with zero count are left out).
    pub fn counts(&self) -> impl Iterator<Item = (DiagKind, u64)> + '_ {
        DiagKind::ALL.into_iter().map(|k| (k, self.count(k))).filter(|(_, n)| *n > 0)
    }

    /// Adds another collection (e.g. of another shard of the same input).
    pub fn merge(&mut self, other: Diagnostics) {
        for (a, b) in self.counts.iter_mut().zip(other.counts) {
            *a += b;
        }
        let room = self.keep.saturating_sub(self.kept.len());
        self.kept.extend(other.kept.into_iter().take(room));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(kind: DiagKind) -> Diagnostic {
        Diagnostic::new(&Arc::from("f.txt"), Location::Line(3), kind, "bad")
    }

    #[test]
    fn lenient_records_strict_returns() {
        let mut ds = Diagnostics::default();
        assert!(ds.report(Mode::Lenient, d(DiagKind::Malformed)).is_none());
        assert_eq!(ds.kept().len(), 1);
        let e = ds.report(Mode::Strict, d(DiagKind::Truncated)).unwrap();
        assert_eq!(e.to_string(), "f.txt: line 3: truncated: bad");
        assert_eq!(ds.total(), 2);
        assert!(ds.truncated());
    }

    #[test]
    fn cap_counts_everything() {
        let mut ds = Diagnostics::with_keep(2);
        for _ in 0..5 {
            ds.push(d(DiagKind::Malformed));
        }
        assert_eq!(ds.kept().len(), 2);
        assert_eq!(ds.count(DiagKind::Malformed), 5);
        let mut other = Diagnostics::with_keep(2);
        other.push(d(DiagKind::Io));
        ds.merge(other);
        assert_eq!(ds.total(), 6);
        assert_eq!(ds.kept().len(), 2);
        assert_eq!(
            ds.counts().collect::<Vec<_>>(),
            vec![(DiagKind::Malformed, 5), (DiagKind::Io, 1)]
        );
    }

    #[test]
    fn location_display() {
        let f: Arc<str> = Arc::from("x.mrt");
        let r =
            Diagnostic::new(&f, Location::Record { index: 4, byte: 99 }, DiagKind::Malformed, "m");
        assert_eq!(r.to_string(), "x.mrt: record 4 at byte offset 99: malformed: m");
        let w = Diagnostic::new(&f, Location::File, DiagKind::Io, "gone");
        assert_eq!(w.to_string(), "x.mrt: io error: gone");
    }
}
