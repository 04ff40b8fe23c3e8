//! A small incremental JSON scanner (RFC 8259 grammar, structure only).
//!
//! VRP files and PeeringDB dumps are one large JSON document whose arrays
//! hold hundreds of thousands of small entries. [`Scanner`] walks the
//! structure byte by byte from a [`BufRead`], keeps the current line and
//! column, and cuts out one value at a time ([`Scanner::value`]): the bytes of
//! a single entry are then parsed with `serde_json` by the reader, so a bad
//! entry costs only that entry and its diagnostic names the exact line, and
//! memory holds one entry, never the document. Values that are skipped are
//! checked for balanced brackets and strings only. Used by `manrs-rpki` and
//! `manrs-peeringdb`.

use std::io::{self, BufRead};

/// Why scanning stopped.
#[derive(Debug)]
pub enum ScanError {
    /// The byte stream failed (including a truncated compressed stream).
    Io(io::Error),
    /// The data ended inside a value.
    Eof,
    /// A byte that JSON does not allow here.
    Syntax(String),
}

impl From<io::Error> for ScanError {
    fn from(e: io::Error) -> Self {
        ScanError::Io(e)
    }
}

/// Where a value started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pos {
    /// 1-based line.
    pub line: u64,
    /// 1-based column (in bytes).
    pub col: u64,
    /// Byte offset in the decompressed stream.
    pub byte: u64,
}

/// The scanner over a decompressed byte stream.
pub struct Scanner {
    r: Box<dyn BufRead + Send>,
    line: u64,
    col: u64,
    byte: u64,
}

/// What a value being cut out is, once its first byte is known.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    Unknown,
    Container,
    String,
    Scalar,
}

impl Scanner {
    /// A scanner at the start of `r` (line 1, column 1).
    pub fn new(r: Box<dyn BufRead + Send>) -> Self {
        Scanner { r, line: 1, col: 1, byte: 0 }
    }

    /// After an object's `{` (or a member): the next member's name, or
    /// `None` at the closing `}`.
    pub fn next_member(&mut self, first: bool) -> Result<Option<String>, ScanError> {
        match self.skip_ws()? {
            Some(b'}') => {
                self.bump();
                return Ok(None);
            }
            Some(b',') if !first => self.bump(),
            Some(b'"') if first => {}
            Some(b) => {
                return Err(ScanError::Syntax(format!(
                    "expected {}, found '{}'",
                    if first { "a member name or '}'" } else { "',' or '}'" },
                    b.escape_ascii()
                )));
            }
            None => return Err(ScanError::Eof),
        }
        self.key().map(Some)
    }

    /// After an array's `[` (or an element): the next element's line and
    /// bytes, and whether it fitted in `limit` bytes; `None` at the closing
    /// `]`.
    pub fn next_element(
        &mut self,
        first: bool,
        limit: usize,
    ) -> Result<Option<(u64, Vec<u8>, bool)>, ScanError> {
        let mut bytes = Vec::new();
        Ok(self
            .next_element_into(first, limit, &mut bytes)?
            .map(|(line, fits)| (line, bytes, fits)))
    }

    /// [`Scanner::next_element`] into a buffer the caller keeps from one
    /// element to the next (it is cleared first), so that reading an array
    /// allocates nothing per element: the element's line and whether it
    /// fitted in `limit` bytes; `None` at the closing `]`.
    pub fn next_element_into(
        &mut self,
        first: bool,
        limit: usize,
        bytes: &mut Vec<u8>,
    ) -> Result<Option<(u64, bool)>, ScanError> {
        bytes.clear();
        match self.skip_ws()? {
            Some(b']') => {
                self.bump();
                return Ok(None);
            }
            Some(b',') if !first => {
                self.bump();
                self.skip_ws()?;
            }
            Some(_) if first => {}
            Some(b) => {
                return Err(ScanError::Syntax(format!(
                    "expected ',' or ']', found '{}'",
                    b.escape_ascii()
                )));
            }
            None => return Err(ScanError::Eof),
        }
        let line = self.pos().line;
        let fits = self.value(Some(bytes), limit)?;
        Ok(Some((line, fits)))
    }

    /// The current position.
    pub fn pos(&self) -> Pos {
        Pos { line: self.line, col: self.col, byte: self.byte }
    }

    fn advance(&mut self, bytes: &[u8]) {
        let d = delta(bytes);
        self.apply(d, bytes.len());
    }

    fn apply(&mut self, (lines, tail): (u64, Option<u64>), len: usize) {
        self.line += lines;
        match tail {
            Some(t) => self.col = t + 1,
            None => self.col += len as u64,
        }
        self.byte += len as u64;
    }

    /// Consumes one byte (after [`Scanner::skip_ws`] saw it).
    pub fn bump(&mut self) {
        if let Ok(&[b, ..]) = self.r.fill_buf().as_deref() {
            self.advance(&[b]);
            self.r.consume(1);
        }
    }

    /// Skips whitespace (and a leading UTF-8 byte order mark) and peeks at
    /// the next byte.
    pub fn skip_ws(&mut self) -> Result<Option<u8>, ScanError> {
        loop {
            let buf = match self.r.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(ScanError::Io(e)),
            };
            if buf.is_empty() {
                return Ok(None);
            }
            let n = buf.iter().take_while(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r')).count();
            if n == 0 {
                if self.byte == 0 && buf.starts_with(&[0xef, 0xbb, 0xbf]) {
                    self.r.consume(3);
                    self.byte += 3;
                    continue;
                }
                return Ok(Some(buf[0]));
            }
            let d = delta(&buf[..n]);
            self.r.consume(n);
            self.apply(d, n);
        }
    }

    /// Expects `want` after optional whitespace and consumes it.
    pub fn expect(&mut self, want: u8, context: &str) -> Result<(), ScanError> {
        match self.skip_ws()? {
            Some(b) if b == want => {
                self.bump();
                Ok(())
            }
            Some(b) => Err(ScanError::Syntax(format!(
                "expected '{}' {context}, found {}",
                want as char,
                show(b)
            ))),
            None => Err(ScanError::Eof),
        }
    }

    /// Reads an object key (a JSON string) and the `:` after it.
    pub fn key(&mut self) -> Result<String, ScanError> {
        match self.skip_ws()? {
            Some(b'"') => {}
            Some(b) => {
                return Err(ScanError::Syntax(format!(
                    "expected a member name, found {}",
                    show(b)
                )));
            }
            None => return Err(ScanError::Eof),
        }
        let mut raw = Vec::new();
        self.value(Some(&mut raw), 1 << 16)?;
        let key: String = serde_json::from_slice(&raw)
            .map_err(|e| ScanError::Syntax(format!("bad member name: {e}")))?;
        self.expect(b':', "after a member name")?;
        Ok(key)
    }

    /// Cuts out one JSON value starting at the next byte (whitespace already
    /// skipped), appending its bytes to `sink` while it holds at most `limit`
    /// bytes. Returns `false` when the value was longer than `limit` (it is
    /// still consumed whole).
    pub fn value(
        &mut self,
        mut sink: Option<&mut Vec<u8>>,
        limit: usize,
    ) -> Result<bool, ScanError> {
        let mut stack: Vec<u8> = Vec::new();
        let mut shape = Shape::Unknown;
        let mut escaped = false;
        let mut in_string = false;
        let mut fits = true;
        loop {
            let buf = match self.r.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(ScanError::Io(e)),
            };
            if buf.is_empty() {
                return Err(ScanError::Eof);
            }
            let mut used = 0;
            let mut done = false;
            let mut error = None;
            while let Some(&b) = buf.get(used) {
                if !escaped && matches!(shape, Shape::String | Shape::Container) {
                    // Skip the bytes that change nothing here at once.
                    let mask = if in_string { IN_STRING } else { IN_CONTAINER };
                    let rest = buf.get(used..).unwrap_or_default();
                    let skip = rest.iter().position(|&c| CLASS[usize::from(c)] & mask != 0);
                    match skip {
                        Some(0) => {}
                        Some(n) => {
                            used += n;
                            continue;
                        }
                        None => {
                            used = buf.len();
                            break;
                        }
                    }
                }
                match shape {
                    Shape::Unknown => match b {
                        b'{' | b'[' => {
                            stack.push(if b == b'{' { b'}' } else { b']' });
                            shape = Shape::Container;
                        }
                        b'"' => {
                            shape = Shape::String;
                            in_string = true;
                        }
                        b'-' | b'0'..=b'9' | b't' | b'f' | b'n' => shape = Shape::Scalar,
                        _ => {
                            error = Some(format!("expected a value, found {}", show(b)));
                            break;
                        }
                    },
                    Shape::Scalar => {
                        if matches!(b, b',' | b']' | b'}' | b' ' | b'\t' | b'\n' | b'\r') {
                            done = true;
                            break;
                        }
                        if !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'+' | b'.')) {
                            error = Some(format!("unexpected {} in a literal", show(b)));
                            break;
                        }
                    }
                    Shape::String | Shape::Container => {
                        if in_string {
                            if escaped {
                                escaped = false;
                            } else if b == b'\\' {
                                escaped = true;
                            } else if b == b'"' {
                                in_string = false;
                                if shape == Shape::String {
                                    used += 1;
                                    done = true;
                                    break;
                                }
                            } else if b < 0x20 {
                                error = Some("control character inside a string".to_string());
                                break;
                            }
                        } else {
                            match b {
                                b'"' => in_string = true,
                                b'{' => stack.push(b'}'),
                                b'[' => stack.push(b']'),
                                b'}' | b']' => {
                                    if stack.pop() != Some(b) {
                                        error = Some(format!("unexpected {}", show(b)));
                                        break;
                                    }
                                    if stack.is_empty() {
                                        used += 1;
                                        done = true;
                                        break;
                                    }
                                }
                                _ => {}
                            }
                        }
                    }
                }
                used += 1;
            }
            if let Some(s) = sink.as_deref_mut()
                && fits
            {
                if s.len() + used <= limit {
                    s.extend_from_slice(&buf[..used]);
                } else {
                    fits = false;
                }
            }
            let d = delta(&buf[..used]);
            self.r.consume(used);
            self.apply(d, used);
            if let Some(e) = error {
                return Err(ScanError::Syntax(e));
            }
            if done {
                return Ok(fits);
            }
        }
    }
}

/// [`CLASS`] bit: the byte matters inside a string (quote, backslash,
/// control character).
const IN_STRING: u8 = 1;
/// [`CLASS`] bit: the byte matters between strings in a container (quote,
/// brackets).
const IN_CONTAINER: u8 = 2;

/// For each byte value, where it matters when a value is cut out.
static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = IN_STRING;
        b += 1;
    }
    t[b'"' as usize] = IN_STRING | IN_CONTAINER;
    t[b'\\' as usize] = IN_STRING;
    t[b'{' as usize] = IN_CONTAINER;
    t[b'}' as usize] = IN_CONTAINER;
    t[b'[' as usize] = IN_CONTAINER;
    t[b']' as usize] = IN_CONTAINER;
    t
};

/// Newlines in `bytes`, and the number of bytes after the last one.
fn delta(bytes: &[u8]) -> (u64, Option<u64>) {
    let lines = bytes.iter().filter(|&&b| b == b'\n').count() as u64;
    let last = if lines == 0 { None } else { bytes.iter().rposition(|&b| b == b'\n') };
    (lines, last.map(|i| (bytes.len() - i - 1) as u64))
}

/// A byte for a message: printable ASCII as itself, others in hex.
fn show(b: u8) -> String {
    if b.is_ascii_graphic() { format!("'{}'", b as char) } else { format!("byte 0x{b:02x}") }
}

/// A name for the JSON type of a value, for messages ("a string"...).
pub fn kind(v: &serde_json::Value) -> &'static str {
    use serde_json::Value;
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scanner(s: &str) -> Scanner {
        Scanner::new(Box::new(io::Cursor::new(s.as_bytes().to_vec())))
    }

    #[test]
    fn cuts_values_and_tracks_lines() {
        let mut s = scanner("{\"a\" :\n [ {\"x\": \"}\\\"]\"}, 12 ,true]}");
        s.expect(b'{', "at start").unwrap();
        assert_eq!(s.key().unwrap(), "a");
        s.expect(b'[', "").unwrap();
        assert_eq!(s.skip_ws().unwrap(), Some(b'{'));
        assert_eq!(s.pos().line, 2);
        let mut v = Vec::new();
        assert!(s.value(Some(&mut v), 100).unwrap());
        assert_eq!(v, b"{\"x\": \"}\\\"]\"}");
        s.expect(b',', "").unwrap();
        s.skip_ws().unwrap();
        let mut v = Vec::new();
        s.value(Some(&mut v), 100).unwrap();
        assert_eq!(v, b"12");
        s.expect(b',', "").unwrap();
        s.skip_ws().unwrap();
        let mut v = Vec::new();
        assert!(!s.value(Some(&mut v), 2).unwrap(), "longer than the limit");
        s.expect(b']', "").unwrap();
        s.expect(b'}', "").unwrap();
        assert_eq!(s.skip_ws().unwrap(), None);
    }

    /// A value cut out: its line, bytes, whether it fitted, the position
    /// after it; or the error.
    type Cut = Result<(u64, Vec<u8>, bool, Pos), String>;

    /// Every value of `text`'s top-level array, cut through a buffer of
    /// `cap` bytes.
    fn cut_all(text: &str, cap: usize) -> Vec<Cut> {
        let r = io::BufReader::with_capacity(cap, io::Cursor::new(text.as_bytes().to_vec()));
        let mut s = Scanner::new(Box::new(r));
        let mut out = Vec::new();
        if let Err(e) = s.expect(b'[', "") {
            return vec![Err(format!("{e:?}"))];
        }
        let mut buf = Vec::new();
        let mut first = true;
        loop {
            match s.next_element_into(first, 40, &mut buf) {
                // What a value longer than the limit left behind is not
                // used (it depends on the reads).
                Ok(Some((line, fits))) => {
                    out.push(Ok((line, if fits { buf.clone() } else { Vec::new() }, fits, s.pos())))
                }
                Ok(None) => return out,
                Err(e) => {
                    out.push(Err(format!("{e:?} at {:?}", s.pos())));
                    return out;
                }
            }
            first = false;
        }
    }

    #[test]
    fn values_cut_the_same_whatever_the_buffer() {
        let docs = [
            "[ {\"a\": \"x\\\"]}\\\\\", \"b\": [1, {\"c\": \"\\u00e9}\"}]},\n \"s\\\\\"\n, 12, -3.5e2, true,\n null, [], {}, [[[\"]\"]]], \"\u{e9}t\u{e9}\" ]",
            "[ {\"a\": \"tab\there\"} ]",
            "[ {\"a\": 1]} ]",
            "[ {\"long\": \"0123456789012345678901234567890123456789\"}, 1 ]",
            "[ {\"a\": [1, 2}, 3 ]",
            "[ \"unterminated ]",
        ];
        for doc in docs {
            let want = cut_all(doc, 1 << 16);
            assert!(!want.is_empty());
            for cap in 1..9 {
                assert_eq!(cut_all(doc, cap), want, "{doc:?} through {cap}-byte reads");
            }
        }
        let all = cut_all(docs[0], 1 << 16);
        let values: Vec<_> = all.iter().map(|v| v.as_ref().map(|v| v.1.clone()).unwrap()).collect();
        assert_eq!(values[1], b"\"s\\\\\"");
        assert_eq!(values[5], b"null");
        assert_eq!(values[8], b"[[[\"]\"]]]");
        assert_eq!(all[5].as_ref().unwrap().0, 4, "line of null");
        assert!(matches!(&cut_all(docs[1], 99)[0], Err(e) if e.contains("control character")));
        assert!(matches!(&cut_all(docs[2], 99)[0], Err(e) if e.contains("unexpected ']'")));
        assert!(!cut_all(docs[3], 99)[0].as_ref().unwrap().2, "longer than the limit");
        assert!(matches!(&cut_all(docs[5], 99)[0], Err(e) if e.starts_with("Eof")));
    }

    #[test]
    fn mismatched_and_truncated() {
        let mut s = scanner("[1, {]");
        assert!(matches!(s.value(None, 0), Err(ScanError::Syntax(_))));
        let mut s = scanner("[1, {\"a\": 2");
        assert!(matches!(s.value(None, 0), Err(ScanError::Eof)));
        let mut s = scanner("@");
        assert!(matches!(s.value(None, 0), Err(ScanError::Syntax(_))));
    }
}
