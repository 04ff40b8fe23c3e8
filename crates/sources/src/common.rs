//! Shared machinery of the line-oriented readers: a bounded line splitter
//! that numbers lines, reports invalid UTF-8 and over-long lines, and ends
//! every read with the input's truncation status; plus the calendar [`Date`]
//! the registry formats use.
//!
//! Every line reader in this crate is a thin wrapper around [`LineReader`]
//! with a format-specific [`LineParser`], so the reader contract (lenient
//! skips and records, strict yields the first problem and ends, nothing is
//! dropped silently) is implemented once.

use std::fmt;
use std::io::{self, BufRead};
use std::str::FromStr;
use std::sync::Arc;

use manrs_input::{Input, InputStatus};
use manrs_types::{DiagKind, Diagnostic, Diagnostics, Location, Mode};
use serde::Serialize;

/// Lines longer than this are reported and skipped instead of being buffered.
pub(crate) const MAX_LINE: usize = 1 << 20;

/// A calendar date as the registry formats write it: `YYYYMMDD` (delegated
/// statistics, CAIDA), `YYYY-MM-DD` or `YYYY-MM` (IANA registries, which give
/// only the month for old entries).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Date {
    /// The year.
    pub year: u16,
    /// The month, 1..=12.
    pub month: u8,
    /// The day, 1..=31, when the source gives one.
    pub day: Option<u8>,
}

/// Error returned when a string is not a date in one of the registry forms.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid date {0:?}: expected YYYYMMDD, YYYY-MM-DD or YYYY-MM")]
pub struct DateParseError(String);

impl FromStr for Date {
    type Err = DateParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || DateParseError(s.to_string());
        if !s.is_ascii() {
            return Err(err());
        }
        let digits = |t: &str| -> Option<u32> {
            (!t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
                .then(|| t.parse().ok())
                .flatten()
        };
        let (y, m, d) = match s.len() {
            8 if !s.contains('-') => (&s[0..4], &s[4..6], Some(&s[6..8])),
            10 if s.as_bytes()[4] == b'-' && s.as_bytes()[7] == b'-' => {
                (&s[0..4], &s[5..7], Some(&s[8..10]))
            }
            7 if s.as_bytes()[4] == b'-' => (&s[0..4], &s[5..7], None),
            _ => return Err(err()),
        };
        let year = digits(y).and_then(|v| u16::try_from(v).ok()).ok_or_else(err)?;
        let month = digits(m).and_then(|v| u8::try_from(v).ok()).ok_or_else(err)?;
        let day = match d {
            Some(d) => Some(digits(d).and_then(|v| u8::try_from(v).ok()).ok_or_else(err)?),
            None => None,
        };
        if !(1..=12).contains(&month) || day.is_some_and(|d| !(1..=31).contains(&d)) {
            return Err(err());
        }
        Ok(Date { year, month, day })
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.day {
            Some(d) => write!(f, "{:04}-{:02}-{:02}", self.year, self.month, d),
            None => write!(f, "{:04}-{:02}", self.year, self.month),
        }
    }
}

/// A problem with one line, turned into a [`Diagnostic`] by the reader.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Problem {
    pub kind: DiagKind,
    pub message: String,
}

impl Problem {
    /// A malformed line.
    pub fn malformed(message: impl Into<String>) -> Self {
        Problem { kind: DiagKind::Malformed, message: message.into() }
    }

    /// A well-formed line of a kind the reader does not handle.
    pub fn unsupported(message: impl Into<String>) -> Self {
        Problem { kind: DiagKind::Unsupported, message: message.into() }
    }
}

/// The format-specific half of a line reader.
pub(crate) trait LineParser {
    /// What a data line becomes.
    type Item;

    /// Parses one line (without its line ending). `Ok(None)` means a comment,
    /// header or other line that carries no item and is not an error.
    fn line(&mut self, no: u64, line: &str) -> Result<Option<Self::Item>, Problem>;

    /// Checks made at the end of the data (e.g. summary counts), as
    /// diagnostics. Called once, after the last line.
    fn finish(&mut self, file: &Arc<str>) -> Vec<Diagnostic>;
}

/// What the line splitter produced.
enum Raw {
    /// A complete line (line ending removed).
    Line,
    /// A line longer than [`MAX_LINE`] (skipped up to its end).
    TooLong(usize),
    /// End of data.
    Eof,
    /// The byte stream failed.
    Failed(io::Error),
}

/// The generic line reader: splitting, numbering, the lenient/strict choice
/// and the end-of-input checks.
pub(crate) struct LineReader<P> {
    reader: Box<dyn BufRead + Send>,
    name: Arc<str>,
    status: InputStatus,
    mode: Mode,
    pub parser: P,
    diags: Diagnostics,
    buf: Vec<u8>,
    line_no: u64,
    items: u64,
    done: bool,
}

impl<P: LineParser> LineReader<P> {
    /// Wraps an input.
    pub fn new(input: Input, mode: Mode, parser: P) -> Self {
        let (reader, name, status) = input.into_parts();
        LineReader {
            reader,
            name,
            status,
            mode,
            parser,
            diags: Diagnostics::default(),
            buf: Vec::new(),
            line_no: 0,
            items: 0,
            done: false,
        }
    }

    /// The diagnostics so far.
    pub fn diagnostics(&self) -> &Diagnostics {
        &self.diags
    }

    /// Lines read so far (all lines, including comments and bad ones).
    pub fn lines(&self) -> u64 {
        self.line_no
    }

    /// Items yielded so far.
    pub fn items(&self) -> u64 {
        self.items
    }

    /// Reads the next line into `self.buf`, at most [`MAX_LINE`] bytes.
    fn read_line(&mut self) -> Raw {
        self.buf.clear();
        let mut dropped = 0usize;
        loop {
            let avail = match self.reader.fill_buf() {
                Ok(a) => a,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Raw::Failed(e),
            };
            if avail.is_empty() {
                return match (self.buf.is_empty(), dropped) {
                    (true, 0) => Raw::Eof,
                    (_, 0) => Raw::Line,
                    (_, n) => Raw::TooLong(n),
                };
            }
            let (chunk, used, end) = match avail.iter().position(|&b| b == b'\n') {
                Some(i) => (&avail[..i], i + 1, true),
                None => (avail, avail.len(), false),
            };
            if dropped > 0 || self.buf.len() + chunk.len() > MAX_LINE {
                dropped = dropped.saturating_add(self.buf.len()).saturating_add(chunk.len());
                self.buf.clear();
            } else {
                self.buf.extend_from_slice(chunk);
            }
            self.reader.consume(used);
            if end {
                return if dropped > 0 { Raw::TooLong(dropped) } else { Raw::Line };
            }
        }
    }

    /// Handles one diagnostic: `Some` is the item to return from `next`.
    fn report(&mut self, d: Diagnostic) -> Option<Result<P::Item, Diagnostic>> {
        let e = self.diags.report(self.mode, d)?;
        self.done = true;
        Some(Err(e))
    }

    /// The end of the data: parser checks and the input's own status.
    fn finish(&mut self, failure: Option<io::Error>) -> Option<Result<P::Item, Diagnostic>> {
        self.done = true;
        let mut end = Vec::new();
        match (self.status.diagnostic(&self.name), failure) {
            (Some(d), _) => end.push(d),
            (None, Some(e)) => end.push(Diagnostic::new(
                &self.name,
                Location::Line(self.line_no + 1),
                DiagKind::Io,
                format!("read failed: {e}"),
            )),
            (None, None) => {}
        }
        end.extend(self.parser.finish(&self.name));
        for d in end {
            if let Some(e) = self.diags.report(self.mode, d) {
                return Some(Err(e));
            }
        }
        None
    }
}

impl<P: LineParser> Iterator for LineReader<P> {
    type Item = Result<P::Item, Diagnostic>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            match self.read_line() {
                Raw::Eof => return self.finish(None),
                Raw::Failed(e) => return self.finish(Some(e)),
                Raw::TooLong(n) => {
                    self.line_no += 1;
                    let d = Diagnostic::new(
                        &self.name,
                        Location::Line(self.line_no),
                        DiagKind::Malformed,
                        format!("line of {n} bytes is longer than the limit of {MAX_LINE} bytes"),
                    );
                    if let Some(r) = self.report(d) {
                        return Some(r);
                    }
                }
                Raw::Line => {
                    self.line_no += 1;
                    let no = self.line_no;
                    if self.buf.last() == Some(&b'\r') {
                        self.buf.pop();
                    }
                    let parsed = match std::str::from_utf8(&self.buf) {
                        Ok(line) => self.parser.line(no, line),
                        Err(e) => Err(Problem::malformed(format!("not valid UTF-8: {e}"))),
                    };
                    match parsed {
                        Ok(Some(item)) => {
                            self.items += 1;
                            return Some(Ok(item));
                        }
                        Ok(None) => {}
                        Err(p) => {
                            let d =
                                Diagnostic::new(&self.name, Location::Line(no), p.kind, p.message);
                            if let Some(r) = self.report(d) {
                                return Some(r);
                            }
                        }
                    }
                }
            }
        }
        None
    }
}

impl<P: LineParser> std::iter::FusedIterator for LineReader<P> {}

/// The first complete lines of a sniffing buffer, as text (a cut last line
/// is dropped unless it is the only content).
pub(crate) fn head_lines(head: &[u8]) -> Option<Vec<&str>> {
    if head.contains(&0) {
        return None;
    }
    let text = match std::str::from_utf8(head) {
        Ok(t) => t,
        // A multi-byte character cut at the end of the buffer is fine.
        Err(e) if e.error_len().is_none() => std::str::from_utf8(&head[..e.valid_up_to()]).ok()?,
        Err(_) => return None,
    };
    let mut lines: Vec<&str> =
        text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)).collect();
    if lines.len() > 1 && !text.ends_with('\n') {
        lines.pop();
    }
    if lines.last() == Some(&"") {
        lines.pop();
    }
    Some(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!("20260821".parse::<Date>().unwrap().to_string(), "2026-08-21");
        assert_eq!("1981-09".parse::<Date>().unwrap().to_string(), "1981-09");
        assert_eq!(
            "1999-07-01".parse::<Date>().unwrap(),
            Date { year: 1999, month: 7, day: Some(1) }
        );
        for bad in
            ["", "2026082", "20261301", "20260800", "2026-13", "abcd-01", "2026-1-01", "+0260821"]
        {
            assert!(bad.parse::<Date>().is_err(), "{bad}");
        }
    }

    #[test]
    fn head_lines_drops_cut_line() {
        assert_eq!(head_lines(b"a\nb\nc").unwrap(), vec!["a", "b"]);
        assert_eq!(head_lines(b"a\r\nb\n").unwrap(), vec!["a", "b"]);
        assert_eq!(head_lines(b"abc").unwrap(), vec!["abc"]);
        assert!(head_lines(b"a\0b").is_none());
    }
}
