//! AS names lists.
//!
//! Two forms of the same data, the names the RIR whois databases give each
//! AS, as compiled by bgp.potaroo.net (`autnums.html`,
//! <https://bgp.potaroo.net/cidr/autnums.html>) and RIPE NCC
//! (<https://ftp.ripe.net/ripe/asnames/asn.txt>):
//!
//! * the JSON map `{"1": "LVLT-1 - Level 3 Parent, LLC, US", …}` written by
//!   pyasn's `pyasn_util_asnames.py` (<https://github.com/hadiasghari/pyasn>),
//!   read by [`AsNamesJsonReader`];
//! * the text lists `AS1     LVLT-1 - Level 3 Parent, LLC, US` (potaroo) and
//!   `1 LVLT-1 - Level 3 Parent, LLC, US` (RIPE), one AS per line, read by
//!   [`AsNamesTextReader`].
//!
//! Each entry keeps the raw string and is split, where the pattern allows,
//! into handle, name and country: a trailing `, XX` (two upper-case letters)
//! is the country; what precedes the first ` - ` is the handle (whois
//! `as-name`) and the rest the organisation name. Entries without ` - `
//! have no handle and their whole text (minus the country) as name.
//!
//! The JSON map is read with a small streaming tokenizer over the byte
//! stream, not loaded as a whole: each key and string value is decoded with
//! `serde_json` on its own, so memory stays bounded by the longest string.
//! Positions in its diagnostics are byte offsets in the decompressed stream.

use std::io::{self, BufRead};
use std::path::Path;
use std::sync::Arc;

use manrs_input::{Input, InputError, InputStatus};
use manrs_types::{Asn, Country, DiagKind, Diagnostic, Diagnostics, Location, Mode, Summary};

use crate::common::{LineParser, LineReader, MAX_LINE, Problem, head_lines};

/// One AS and its name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AsName {
    /// The AS number.
    pub asn: Asn,
    /// The text as the source gives it.
    pub raw: String,
    /// The handle (`LVLT-1`), when the text has the `HANDLE - Name` form.
    pub handle: Option<String>,
    /// The organisation name (`Level 3 Parent, LLC`), or the whole text
    /// without the country when there is no handle.
    pub name: String,
    /// The trailing country code, when present.
    pub country: Option<Country>,
}

impl AsName {
    /// Splits `raw` into handle, name and country.
    pub fn new(asn: Asn, raw: impl Into<String>) -> Self {
        let raw = raw.into();
        let (rest, country) = match raw.rsplit_once(", ") {
            Some((rest, cc)) if cc.len() == 2 && cc.bytes().all(|b| b.is_ascii_uppercase()) => {
                (rest, cc.parse().ok())
            }
            _ => (raw.as_str(), None),
        };
        let (handle, name) = match rest.split_once(" - ") {
            Some((h, n)) if !h.trim().is_empty() => {
                (Some(h.trim().to_string()), n.trim().to_string())
            }
            _ => (None, rest.trim().to_string()),
        };
        AsName { asn, handle, name, country, raw }
    }
}

/// Structural errors end the JSON read: the tokenizer cannot resynchronise.
enum Fatal {
    Io(io::Error),
    Syntax(u64, String),
}

enum State {
    Start,
    Entries { first: bool },
    Done,
}

/// Streaming reader of the JSON map form.
pub struct AsNamesJsonReader {
    reader: Box<dyn BufRead + Send>,
    name: Arc<str>,
    status: InputStatus,
    mode: Mode,
    diags: Diagnostics,
    pos: u64,
    state: State,
    entries: u64,
    names: u64,
}

impl AsNamesJsonReader {
    /// Reads from an opened input.
    pub fn new(input: Input, mode: Mode) -> Self {
        let (reader, name, status) = input.into_parts();
        AsNamesJsonReader {
            reader,
            name,
            status,
            mode,
            diags: Diagnostics::default(),
            pos: 0,
            state: State::Start,
            entries: 0,
            names: 0,
        }
    }

    /// Opens a file (plain, gzip or bzip2).
    pub fn open(path: impl AsRef<Path>, mode: Mode) -> Result<Self, InputError> {
        Ok(Self::new(Input::open(path)?, mode))
    }

    /// The diagnostics so far.
    pub fn diagnostics(&self) -> &Diagnostics {
        &self.diags
    }

    /// Entries (key/value pairs) read so far, including bad ones.
    pub fn entries(&self) -> u64 {
        self.entries
    }

    /// Names yielded so far.
    pub fn names(&self) -> u64 {
        self.names
    }

    fn peek(&mut self) -> Result<Option<u8>, Fatal> {
        loop {
            match self.reader.fill_buf() {
                Ok(b) => return Ok(b.first().copied()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(Fatal::Io(e)),
            }
        }
    }

    fn bump(&mut self) {
        self.reader.consume(1);
        self.pos += 1;
    }

    /// Skips whitespace and returns the next byte without consuming it.
    fn skip_ws(&mut self) -> Result<Option<u8>, Fatal> {
        while let Some(b) = self.peek()? {
            if !b.is_ascii_whitespace() {
                return Ok(Some(b));
            }
            self.bump();
        }
        Ok(None)
    }

    fn syntax<T>(&self, what: impl Into<String>) -> Result<T, Fatal> {
        Err(Fatal::Syntax(self.pos, what.into()))
    }

    fn expect(&mut self, want: u8, ctx: &str) -> Result<(), Fatal> {
        match self.skip_ws()? {
            Some(b) if b == want => {
                self.bump();
                Ok(())
            }
            Some(b) => self.syntax(format!(
                "expected '{}' {ctx}, found '{}'",
                want as char,
                b.escape_ascii()
            )),
            None => {
                self.syntax(format!("expected '{}' {ctx}, found the end of the data", want as char))
            }
        }
    }

    /// Reads a JSON string (the opening quote is next) and decodes it.
    fn string(&mut self) -> Result<String, Fatal> {
        let start = self.pos;
        let mut raw = Vec::new();
        self.expect(b'"', "to start a string")?;
        raw.push(b'"');
        let mut escaped = false;
        loop {
            let Some(b) = self.peek()? else {
                return self.syntax("string not terminated at the end of the data");
            };
            self.bump();
            raw.push(b);
            if raw.len() > MAX_LINE {
                return Err(Fatal::Syntax(start, format!("string longer than {MAX_LINE} bytes")));
            }
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => break,
                _ => {}
            }
        }
        serde_json::from_slice(&raw).map_err(|e| Fatal::Syntax(start, format!("bad string: {e}")))
    }

    /// Skips a non-string JSON value (number, literal, array, object).
    fn skip_value(&mut self) -> Result<(), Fatal> {
        let mut depth = 0usize;
        loop {
            match self.peek()? {
                None => return self.syntax("value not terminated at the end of the data"),
                Some(b'"') => {
                    self.string()?;
                }
                Some(b'{' | b'[') => {
                    depth += 1;
                    self.bump();
                }
                Some(b'}' | b']') if depth > 0 => {
                    depth -= 1;
                    self.bump();
                }
                Some(b',' | b'}') if depth == 0 => return Ok(()),
                Some(_) => self.bump(),
            }
        }
    }

    /// The next entry: `Ok(None)` at the end of the object.
    fn entry(&mut self) -> Result<Option<Result<AsName, Diagnostic>>, Fatal> {
        loop {
            match self.state {
                State::Done => return Ok(None),
                State::Start => {
                    self.expect(b'{', "at the start of the AS names map")?;
                    self.state = State::Entries { first: true };
                }
                State::Entries { first } => {
                    match self.skip_ws()? {
                        Some(b'}') => {
                            self.bump();
                            self.state = State::Done;
                            return match self.skip_ws()? {
                                None => Ok(None),
                                Some(_) => self.syntax("data after the end of the map"),
                            };
                        }
                        Some(b',') if !first => self.bump(),
                        _ if first => {}
                        Some(b) => {
                            return self.syntax(format!(
                                "expected ',' or '}}' after an entry, found '{}'",
                                b.escape_ascii()
                            ));
                        }
                        None => {
                            return self.syntax(
                                "expected ',' or '}' after an entry, found the end of the data",
                            );
                        }
                    }
                    self.state = State::Entries { first: false };
                    self.skip_ws()?;
                    let at = self.pos;
                    let key = self.string()?;
                    self.expect(b':', "after a key")?;
                    self.entries += 1;
                    let msg = if self.skip_ws()? == Some(b'"') {
                        let value = self.string()?;
                        match key.parse::<Asn>() {
                            Ok(asn) if !key.contains('.') => {
                                self.names += 1;
                                return Ok(Some(Ok(AsName::new(asn, value))));
                            }
                            _ => format!("key {key:?} is not an AS number"),
                        }
                    } else {
                        self.skip_value()?;
                        format!("the value for key {key:?} is not a string")
                    };
                    let d =
                        Diagnostic::new(&self.name, Location::Byte(at), DiagKind::Malformed, msg);
                    if let Some(e) = self.diags.report(self.mode, d) {
                        self.state = State::Done;
                        return Ok(Some(Err(e)));
                    }
                }
            }
        }
    }

    /// Reports the end-of-data diagnostics (truncation, syntax), strict first.
    fn end(&mut self, fatal: Option<Fatal>) -> Option<Result<AsName, Diagnostic>> {
        self.state = State::Done;
        let mut out = Vec::new();
        if let Some(d) = self.status.diagnostic(&self.name) {
            out.push(d);
        }
        match fatal {
            Some(Fatal::Io(e)) if out.is_empty() => out.push(Diagnostic::new(
                &self.name,
                Location::Byte(self.pos),
                DiagKind::Io,
                format!("read failed: {e}"),
            )),
            Some(Fatal::Syntax(at, msg)) if out.is_empty() => {
                out.push(Diagnostic::new(&self.name, Location::Byte(at), DiagKind::Malformed, msg));
            }
            _ => {}
        }
        for d in out {
            if let Some(e) = self.diags.report(self.mode, d) {
                return Some(Err(e));
            }
        }
        None
    }
}

impl Iterator for AsNamesJsonReader {
    type Item = Result<AsName, Diagnostic>;

    fn next(&mut self) -> Option<Self::Item> {
        if matches!(self.state, State::Done) {
            return None;
        }
        match self.entry() {
            Ok(Some(item)) => Some(item),
            Ok(None) => self.end(None),
            Err(f) => self.end(Some(f)),
        }
    }
}

impl std::iter::FusedIterator for AsNamesJsonReader {}

#[derive(Default)]
struct TextParser;

impl LineParser for TextParser {
    type Item = AsName;

    fn line(&mut self, _no: u64, line: &str) -> Result<Option<AsName>, Problem> {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            return Ok(None);
        }
        let (asn, rest) = t.split_once(char::is_whitespace).unwrap_or((t, ""));
        let asn: Asn = asn.parse().map_err(|e| Problem::malformed(format!("{e}")))?;
        let rest = rest.trim();
        if rest.is_empty() {
            return Err(Problem::malformed(format!("no name for {asn}")));
        }
        Ok(Some(AsName::new(asn, rest)))
    }

    fn finish(&mut self, _file: &Arc<str>) -> Vec<Diagnostic> {
        Vec::new()
    }
}

/// Streaming reader of the text forms (`AS1  NAME…` or `1 NAME…`).
pub struct AsNamesTextReader {
    inner: LineReader<TextParser>,
}

impl AsNamesTextReader {
    /// Reads from an opened input.
    pub fn new(input: Input, mode: Mode) -> Self {
        AsNamesTextReader { inner: LineReader::new(input, mode, TextParser) }
    }

    /// Opens a file (plain, gzip or bzip2).
    pub fn open(path: impl AsRef<Path>, mode: Mode) -> Result<Self, InputError> {
        Ok(Self::new(Input::open(path)?, mode))
    }

    /// The diagnostics so far.
    pub fn diagnostics(&self) -> &Diagnostics {
        self.inner.diagnostics()
    }

    /// Lines read so far.
    pub fn lines(&self) -> u64 {
        self.inner.lines()
    }

    /// Names yielded so far.
    pub fn names(&self) -> u64 {
        self.inner.items()
    }
}

impl Iterator for AsNamesTextReader {
    type Item = Result<AsName, Diagnostic>;
    fn next(&mut self) -> Option<Self::Item> {
        self.inner.next()
    }
}

impl std::iter::FusedIterator for AsNamesTextReader {}

/// Detects the JSON map: `{` then a first key that is a decimal number with
/// a string value.
pub fn detect_json(head: &[u8]) -> bool {
    let s = head.trim_ascii_start();
    let Some(s) = s.strip_prefix(b"{") else { return false };
    let Some(s) = s.trim_ascii_start().strip_prefix(b"\"") else { return false };
    let digits = s.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 {
        return false;
    }
    let Some(s) = s[digits..].strip_prefix(b"\"") else { return false };
    let Some(s) = s.trim_ascii_start().strip_prefix(b":") else { return false };
    s.trim_ascii_start().starts_with(b"\"")
}

/// Detects the text form: the first (up to five) non-empty lines are all
/// `AS<n>` or `<n>`, whitespace, and a name.
pub fn detect_text(head: &[u8]) -> bool {
    let Some(lines) = head_lines(head) else { return false };
    let sample: Vec<&&str> = lines.iter().filter(|l| !l.trim().is_empty()).take(5).collect();
    !sample.is_empty()
        && sample.iter().all(|l| {
            let t = l.trim();
            matches!(t.split_once(char::is_whitespace),
                Some((a, rest)) if a.parse::<Asn>().is_ok() && !a.contains('.') && !rest.trim().is_empty())
        })
}

/// Streams the JSON map into a [`Summary`].
pub(crate) fn inspect_json(input: Input, mode: Mode, format: &str) -> Result<Summary, Diagnostic> {
    let mut r = AsNamesJsonReader::new(input, mode);
    let mut s = Summary::new(format);
    let mut with_country = 0;
    for item in r.by_ref() {
        with_country += u64::from(item?.country.is_some());
        s.elements += 1;
    }
    s.records = r.entries();
    s.counts.insert("names".into(), r.names());
    s.counts.insert("with-country".into(), with_country);
    s.diagnostics = r.diagnostics().clone();
    Ok(s)
}

/// Streams a text list into a [`Summary`].
pub(crate) fn inspect_text(input: Input, mode: Mode, format: &str) -> Result<Summary, Diagnostic> {
    let mut r = AsNamesTextReader::new(input, mode);
    let mut s = Summary::new(format);
    let mut with_country = 0;
    for item in r.by_ref() {
        with_country += u64::from(item?.country.is_some());
        s.elements += 1;
    }
    s.records = s.elements + r.diagnostics().total();
    s.counts.insert("names".into(), r.names());
    s.counts.insert("with-country".into(), with_country);
    s.diagnostics = r.diagnostics().clone();
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(bytes: &[u8]) -> Input {
        Input::from_reader("t", std::io::Cursor::new(bytes.to_vec())).unwrap()
    }

    #[test]
    fn split_patterns() {
        let a = AsName::new(Asn(1), "LVLT-1 - Level 3 Parent, LLC, US");
        assert_eq!(
            (a.handle.as_deref(), a.name.as_str(), a.country.map(|c| c.to_string())),
            (Some("LVLT-1"), "Level 3 Parent, LLC", Some("US".into()))
        );
        let b = AsName::new(Asn(7), "DSTL, EU");
        assert_eq!((b.handle, b.name.as_str(), b.country.unwrap().as_str()), (None, "DSTL", "EU"));
        let c = AsName::new(Asn(9), "UNKNOWN");
        assert_eq!((c.handle, c.name.as_str(), c.country), (None, "UNKNOWN", None));
        assert_eq!(c.raw, "UNKNOWN");
    }

    #[test]
    fn json_streaming_with_bad_entries() {
        let text = br#"{"1": "LVLT-1 - Level 3 Parent, LLC, US", "x": "bad key",
 "3": null, "4": {"a": [1, "}"]}, "5": "caf\u00e9 - Caf\u00e9 \"Net\", FR"}
"#;
        let mut r = AsNamesJsonReader::new(input(text), Mode::Lenient);
        let names: Vec<AsName> = r.by_ref().map(Result::unwrap).collect();
        assert_eq!(names.len(), 2);
        assert_eq!(names[1].name, "Café \"Net\"");
        assert_eq!(names[1].handle.as_deref(), Some("café"));
        let d: Vec<String> = r.diagnostics().kept().iter().map(|d| d.to_string()).collect();
        assert_eq!(d.len(), 3, "{d:?}");
        assert_eq!(d[0], "t: byte offset 42: malformed: key \"x\" is not an AS number");
        assert!(d[1].contains("key \"3\""), "{}", d[1]);
        assert!(d[2].contains("key \"4\""), "{}", d[2]);
        assert_eq!(r.entries(), 5);
    }

    #[test]
    fn json_structural_errors_end_the_read() {
        for (text, what) in [
            (&b"[1,2]"[..], "expected '{'"),
            (b"{\"1\": \"a\" \"2\": \"b\"}", "expected ',' or '}'"),
            (b"{\"1\": \"a\"", "found the end"),
            (b"{\"1\": \"a\"} x", "data after the end"),
            (b"{\"1\": \"unterminated", "not terminated"),
        ] {
            let mut r = AsNamesJsonReader::new(input(text), Mode::Strict);
            let last = r.by_ref().last().unwrap();
            let e = last.unwrap_err();
            assert!(e.message.contains(what), "{text:?}: {e}");
            assert!(r.next().is_none());
        }
    }

    #[test]
    fn text_forms() {
        let text = "AS1     LVLT-1 - Level 3 Parent, LLC, US\n2 UDEL-DCN - University of Delaware, US\nASX foo\n4\n\n";
        let mut r = AsNamesTextReader::new(input(text.as_bytes()), Mode::Lenient);
        let names: Vec<AsName> = r.by_ref().map(Result::unwrap).collect();
        assert_eq!(names.iter().map(|n| n.asn.0).collect::<Vec<_>>(), vec![1, 2]);
        let locs: Vec<Location> = r.diagnostics().kept().iter().map(|d| d.location).collect();
        assert_eq!(locs, vec![Location::Line(3), Location::Line(4)]);
    }

    #[test]
    fn detection() {
        assert!(detect_json(br#"{"1": "LVLT-1 - Level 3 Parent, LLC, US", "2"#));
        assert!(!detect_json(br#"{"data":[{"id":1}]}"#));
        assert!(!detect_json(br#"{"metadata":{"buildtime":"x"},"roas":[]}"#));
        assert!(detect_text(b"AS1     LVLT-1 - Level 3\nAS2  UDEL\n"));
        assert!(!detect_text(b"1.0.0.0/24\t13335\n"));
        assert!(!detect_text(b"# comment\nas-set: AS-X\n"));
        assert!(!detect_text(b"1|2|-1\n"));
    }
}
