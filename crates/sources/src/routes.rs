//! Plain route lists: one `prefix,asn` pair per line (`192.0.2.0/24,64500`
//! or `192.0.2.0/24,AS64500`), an optional `prefix,asn` header and `#`
//! comments. The input of `manrs rov` besides MRT and ipasn files, like the
//! CSV that `routinator validate` reads.

use std::path::Path;
use std::sync::Arc;

use manrs_input::{Input, InputError};
use manrs_types::{Asn, Diagnostic, Diagnostics, Mode, Prefix, Summary};

use crate::common::{LineParser, LineReader, Problem, head_lines};

/// One route: a prefix and its origin AS.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Route {
    /// The prefix.
    pub prefix: Prefix,
    /// The origin AS.
    pub origin: Asn,
}

#[derive(Default)]
struct Parser;

impl LineParser for Parser {
    type Item = Route;

    fn line(&mut self, _no: u64, line: &str) -> Result<Option<Route>, Problem> {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') || t.eq_ignore_ascii_case("prefix,asn") {
            return Ok(None);
        }
        let Some((p, a)) = t.split_once(',') else {
            return Err(Problem::malformed("expected prefix,asn"));
        };
        let prefix: Prefix = p.trim().parse().map_err(|e| Problem::malformed(format!("{e}")))?;
        let origin: Asn = a.trim().parse().map_err(|e| Problem::malformed(format!("{e}")))?;
        Ok(Some(Route { prefix, origin }))
    }

    fn finish(&mut self, _file: &Arc<str>) -> Vec<Diagnostic> {
        Vec::new()
    }
}

/// Streaming reader of a `prefix,asn` route list.
pub struct RouteCsvReader {
    inner: LineReader<Parser>,
}

impl RouteCsvReader {
    /// Reads from an opened input.
    pub fn new(input: Input, mode: Mode) -> Self {
        RouteCsvReader { inner: LineReader::new(input, mode, Parser) }
    }

    /// Opens a file (plain, gzip or bzip2).
    pub fn open(path: impl AsRef<Path>, mode: Mode) -> Result<Self, InputError> {
        Ok(Self::new(Input::open(path)?, mode))
    }

    /// The diagnostics so far.
    pub fn diagnostics(&self) -> &Diagnostics {
        self.inner.diagnostics()
    }
}

impl Iterator for RouteCsvReader {
    type Item = Result<Route, Diagnostic>;
    fn next(&mut self) -> Option<Self::Item> {
        self.inner.next()
    }
}

/// Whether the first bytes are a route list: after comments, lines of
/// `prefix,asn`. With the `prefix,asn` header a file is a route list even
/// when some lines are bad (the reader reports them); without it, at least
/// nine in ten complete lines must parse.
pub fn detect(head: &[u8]) -> bool {
    let (mut seen, mut bad, mut header) = (0u32, 0u32, false);
    let Some(lines) = head_lines(head) else { return false };
    for line in lines {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        if t.eq_ignore_ascii_case("prefix,asn") {
            header = seen == 0 && bad == 0;
            continue;
        }
        match t.split_once(',') {
            Some((p, a))
                if p.trim().parse::<Prefix>().is_ok() && a.trim().parse::<Asn>().is_ok() =>
            {
                seen += 1
            }
            _ => bad += 1,
        }
    }
    seen > 0 && (header || bad * 10 <= seen)
}

/// Streams a route list and summarises it.
pub fn inspect(input: Input, mode: Mode, name: &str) -> Result<Summary, Diagnostic> {
    let mut r = RouteCsvReader::new(input, mode);
    let mut n = 0;
    for item in r.by_ref() {
        item?;
        n += 1;
    }
    let mut s = Summary::new(name);
    s.records = n;
    s.elements = n;
    s.diagnostics = r.diagnostics().clone();
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_reports() {
        let text = b"prefix,asn\n192.0.2.0/24,64500\n# note\n2001:db8::/32,AS64501\n10.0.0.1/8,1\n";
        let input = Input::from_reader("r.csv", std::io::Cursor::new(text.to_vec())).unwrap();
        let mut r = RouteCsvReader::new(input, Mode::Lenient);
        let routes: Vec<_> = r.by_ref().map(Result::unwrap).collect();
        assert_eq!(routes.len(), 2);
        assert_eq!(routes[1].origin, Asn(64501));
        let d = &r.diagnostics().kept()[0];
        assert!(d.to_string().starts_with("r.csv: line 5: malformed"), "{d}");
        assert!(detect(&text[..47]));
        assert!(detect(text), "with the header, a bad line is the reader's to report");
        assert!(
            !detect(&text[11..]),
            "without it, one bad line in three complete ones is too many"
        );
        assert!(!detect(b"prefix,asn\nnot,this\n"));
        assert!(!detect(b"ASN,IP Prefix,Max Length,Trust Anchor\nAS1,1.0.0.0/24,24,apnic\n"));
        assert!(!detect(b"1|2|-1\n"));
    }
}
