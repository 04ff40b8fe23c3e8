//! The object splitter of [`RpslReader`] (RFC 2622 §2 syntax).
//!
//! Objects are separated by blank lines; an attribute is `name: value`;
//! a line starting with a space, a tab or `+` continues the previous
//! attribute; lines starting with `#` or `%` are comments (whois banners
//! use `%`). CRLF line ends are accepted. A line that fits none of these
//! inside an object makes the whole object malformed: it is skipped in
//! lenient mode with a diagnostic naming that line.

use std::collections::BTreeMap;
use std::io::{self, BufRead};
use std::path::Path;
use std::sync::Arc;

use manrs_input::{Input, InputError, InputStatus};
use manrs_types::{DiagKind, Diagnostic, Diagnostics, Location, Mode, Summary};

use crate::RpslObject;

/// Lines longer than this are reported and skipped, so a file without line
/// ends cannot exhaust memory. Real lines get long: the RIPE filter-set
/// `fltr-whitehat-bogons-v6` is one `mp-filter:` line of 2,166,586 bytes.
const MAX_LINE: usize = 16 << 20;

/// Streaming RPSL reader; see the crate docs.
pub struct RpslReader {
    input: Box<dyn BufRead + Send>,
    name: Arc<str>,
    status: InputStatus,
    mode: Mode,
    default_source: Option<String>,
    diagnostics: Diagnostics,
    line_no: u64,
    line: Vec<u8>,
    // The object being assembled.
    attrs: Vec<(String, String)>,
    start: u64,
    broken: Option<(u64, String)>,
    objects: u64,
    non_utf8_lines: u64,
    classes: BTreeMap<String, u64>,
    done: bool,
}

impl std::fmt::Debug for RpslReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RpslReader").field("name", &self.name).finish_non_exhaustive()
    }
}

enum Line {
    Eof,
    TooLong,
    Text,
}

impl RpslReader {
    /// A reader over an opened input.
    pub fn new(input: Input, mode: Mode) -> Self {
        let (input, name, status) = input.into_parts();
        RpslReader {
            input,
            name,
            status,
            mode,
            default_source: None,
            diagnostics: Diagnostics::default(),
            line_no: 0,
            line: Vec::with_capacity(256),
            attrs: Vec::new(),
            start: 0,
            broken: None,
            objects: 0,
            non_utf8_lines: 0,
            classes: BTreeMap::new(),
            done: false,
        }
    }

    /// Opens a file (plain, gzip or bzip2).
    pub fn open(path: impl AsRef<Path>, mode: Mode) -> Result<Self, InputError> {
        Ok(Self::new(Input::open(path)?, mode))
    }

    /// The source given to objects without a `source:` attribute (for dumps
    /// of a single IRR that omit it). Without one, such objects are
    /// reported as malformed.
    pub fn default_source(mut self, source: Option<String>) -> Self {
        self.default_source = source.map(|s| s.to_ascii_uppercase());
        self
    }

    /// Problems found so far.
    pub fn diagnostics(&self) -> &Diagnostics {
        &self.diagnostics
    }

    /// Objects yielded so far.
    pub fn objects(&self) -> u64 {
        self.objects
    }

    /// Lines that were not valid UTF-8 (decoded with replacement
    /// characters; common in Latin-1 person and descr data).
    pub fn non_utf8_lines(&self) -> u64 {
        self.non_utf8_lines
    }

    /// Objects yielded per class.
    pub fn classes(&self) -> &BTreeMap<String, u64> {
        &self.classes
    }

    fn report(&mut self, line: u64, kind: DiagKind, msg: String) -> Option<Diagnostic> {
        let d = Diagnostic::new(&self.name, Location::Line(line), kind, msg);
        let out = self.diagnostics.report(self.mode, d);
        if out.is_some() {
            self.done = true;
        }
        out
    }

    /// Reads one line into `self.line` (without its line end).
    fn read_line(&mut self) -> io::Result<Line> {
        self.line.clear();
        let mut too_long = false;
        loop {
            let buf = match self.input.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if buf.is_empty() {
                if self.line.is_empty() && !too_long {
                    return Ok(Line::Eof);
                }
                break;
            }
            let (chunk, found) = match buf.iter().position(|&b| b == b'\n') {
                Some(i) => (&buf[..i], Some(i + 1)),
                None => (buf, None),
            };
            if !too_long {
                if self.line.len() + chunk.len() > MAX_LINE {
                    too_long = true;
                    self.line.clear();
                } else {
                    self.line.extend_from_slice(chunk);
                }
            }
            let used = found.unwrap_or(buf.len());
            self.input.consume(used);
            if found.is_some() {
                break;
            }
        }
        self.line_no += 1;
        if too_long {
            return Ok(Line::TooLong);
        }
        if self.line.last() == Some(&b'\r') {
            self.line.pop();
        }
        Ok(Line::Text)
    }

    /// Finishes the current object: yields it, or reports why it is dropped.
    fn close_object(&mut self) -> Option<Result<RpslObject, Diagnostic>> {
        if self.attrs.is_empty() {
            self.broken = None;
            return None;
        }
        let attrs = std::mem::take(&mut self.attrs);
        if let Some((line, msg)) = self.broken.take() {
            let class = &attrs[0].0;
            return self
                .report(line, DiagKind::Malformed, format!("{msg}; {class} object skipped"))
                .map(Err);
        }
        let source = match attrs.iter().find(|(n, _)| n == "source") {
            Some((_, v)) => v.split('#').next().unwrap_or("").trim().to_ascii_uppercase(),
            None => match &self.default_source {
                Some(s) => s.clone(),
                None => {
                    let (start, class) = (self.start, attrs[0].0.clone());
                    return self
                        .report(
                            start,
                            DiagKind::Malformed,
                            format!("{class} object has no source: attribute"),
                        )
                        .map(Err);
                }
            },
        };
        let (class, key) = (attrs[0].0.clone(), attrs[0].1.clone());
        self.objects += 1;
        *self.classes.entry(class.clone()).or_insert(0) += 1;
        Some(Ok(RpslObject { class, key, attributes: attrs, source, line: self.start }))
    }

    fn finish(&mut self) -> Option<Result<RpslObject, Diagnostic>> {
        self.done = true;
        let d = self.status.diagnostic(&self.name)?;
        self.diagnostics.report(self.mode, d).map(Err)
    }

    /// Handles one line of text; may complete an object.
    fn take_line(&mut self) -> Option<Result<RpslObject, Diagnostic>> {
        let text = match std::str::from_utf8(&self.line) {
            Ok(t) => t.to_string(),
            Err(_) => {
                self.non_utf8_lines += 1;
                String::from_utf8_lossy(&self.line).into_owned()
            }
        };
        let line_no = self.line_no;
        if text.trim().is_empty() {
            return self.close_object();
        }
        let first = text.as_bytes()[0];
        if first == b'#' || first == b'%' {
            return None;
        }
        if self.broken.is_some() {
            return None;
        }
        if first == b' ' || first == b'\t' || first == b'+' {
            let Some((_, value)) = self.attrs.last_mut() else {
                return self
                    .report(
                        line_no,
                        DiagKind::Malformed,
                        "continuation line outside an object".into(),
                    )
                    .map(Err);
            };
            let rest = if first == b'+' { &text[1..] } else { &text[..] };
            value.push('\n');
            value.push_str(rest.trim());
            return None;
        }
        match text.split_once(':') {
            Some((name, value))
                if !name.is_empty()
                    && name
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
            {
                if self.attrs.is_empty() {
                    self.start = line_no;
                }
                self.attrs.push((name.to_ascii_lowercase(), value.trim().to_string()));
                None
            }
            _ => {
                let shown: String = text.chars().take(60).collect();
                if self.attrs.is_empty() {
                    // Garbage between objects: it belongs to no object.
                    return self
                        .report(
                            line_no,
                            DiagKind::Malformed,
                            format!("not an attribute line: {shown:?}"),
                        )
                        .map(Err);
                }
                self.broken = Some((line_no, format!("not an attribute line: {shown:?}")));
                None
            }
        }
    }
}

impl Iterator for RpslReader {
    type Item = Result<RpslObject, Diagnostic>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            match self.read_line() {
                Ok(Line::Eof) => {
                    let last = self.close_object();
                    if last.is_some() {
                        return last;
                    }
                    return self.finish();
                }
                Err(_) => {
                    // The stream failed (cut or corrupt compressed data): the
                    // object in progress is incomplete and not yielded.
                    if !self.attrs.is_empty() {
                        self.attrs.clear();
                    }
                    if self.status.error().is_none() {
                        let line = self.line_no + 1;
                        if let Some(e) = self.report(line, DiagKind::Io, "read failed".to_string())
                        {
                            return Some(Err(e));
                        }
                    }
                    return self.finish();
                }
                Ok(Line::TooLong) => {
                    let line = self.line_no;
                    if self.attrs.is_empty() {
                        if let Some(e) = self.report(
                            line,
                            DiagKind::Malformed,
                            format!("line longer than {MAX_LINE} bytes"),
                        ) {
                            return Some(Err(e));
                        }
                    } else if self.broken.is_none() {
                        self.broken = Some((line, format!("line longer than {MAX_LINE} bytes")));
                    }
                }
                Ok(Line::Text) => {
                    if let Some(item) = self.take_line() {
                        return Some(item);
                    }
                }
            }
        }
        None
    }
}

impl std::iter::FusedIterator for RpslReader {}

/// RPSL class names (RFC 2622, RFC 4012, RIPE DB and IRRd classes).
const CLASSES: &[&str] = &[
    "route",
    "route6",
    "aut-num",
    "as-set",
    "route-set",
    "mntner",
    "person",
    "role",
    "inetnum",
    "inet6num",
    "organisation",
    "as-block",
    "filter-set",
    "peering-set",
    "rtr-set",
    "inet-rtr",
    "key-cert",
    "domain",
    "irt",
    "poem",
    "poetic-form",
    "dictionary",
    "limerick",
    "repository",
];

/// Whether the first bytes look like RPSL: after any `#`/`%` comment
/// lines and blank lines, the first line is `class: value` with a known
/// RPSL class.
pub fn detect(head: &[u8]) -> bool {
    for raw in head.split(|&b| b == b'\n') {
        let line = raw.strip_suffix(b"\r").unwrap_or(raw);
        if line.iter().all(u8::is_ascii_whitespace) || line[0] == b'#' || line[0] == b'%' {
            continue;
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else { return false };
        let name = String::from_utf8_lossy(&line[..colon]).to_ascii_lowercase();
        return CLASSES.contains(&name.as_str());
    }
    false
}

/// Streams a whole RPSL input and summarises it (format `rpsl`; counts
/// `objects` and `nonUtf8Lines`, and objects per class).
pub fn inspect(input: Input, mode: Mode) -> Result<Summary, Diagnostic> {
    let mut reader = RpslReader::new(input, mode);
    for item in reader.by_ref() {
        item?;
    }
    let mut s = Summary::new("rpsl");
    s.records = reader.objects;
    s.elements = reader.objects;
    s.counts.insert("objects".into(), reader.objects);
    s.counts.insert("nonUtf8Lines".into(), reader.non_utf8_lines);
    s.classes = reader.classes.clone();
    s.diagnostics = reader.diagnostics;
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &[u8], mode: Mode) -> (Vec<Result<RpslObject, Diagnostic>>, RpslReader) {
        let input = Input::from_reader("t.db", io::Cursor::new(text.to_vec())).unwrap();
        let mut r = RpslReader::new(input, mode);
        let items = r.by_ref().collect();
        (items, r)
    }

    #[test]
    fn objects_continuations_comments_crlf() {
        let text = b"% whois banner\r\n\r\nroute:  192.0.2.0/24 # doc prefix\r\ndescr:  first\r\n  second line\r\n+\r\n\tthird\r\norigin: AS64500\r\nmnt-by: MNT-A, MNT-B\r\n# a comment inside\r\nsource: ripe # lower case\r\n\r\n\r\n\r\nas-set: AS-EXAMPLE\r\nmembers: AS1, AS2\r\n AS-OTHER\r\nSource: RADB";
        let (items, r) = read(text, Mode::Strict);
        assert_eq!(items.len(), 2);
        let route = items[0].as_ref().unwrap();
        assert_eq!((route.class.as_str(), route.line, route.source.as_str()), ("route", 3, "RIPE"));
        assert_eq!(route.get("descr"), Some("first\nsecond line\n\nthird"));
        let ro = route.route().unwrap().unwrap();
        assert_eq!(ro.prefix.to_string(), "192.0.2.0/24");
        assert_eq!(ro.origin.0, 64500);
        assert_eq!(ro.mnt_by, vec!["MNT-A", "MNT-B"]);
        let set = items[1].as_ref().unwrap().as_set().unwrap();
        assert_eq!(set.members, vec!["AS1", "AS2", "AS-OTHER"]);
        assert_eq!(set.source, "RADB");
        assert_eq!(items[1].as_ref().unwrap().line, 15);
        assert!(r.diagnostics().is_empty());
        assert_eq!(r.classes().get("as-set"), Some(&1));
    }

    #[test]
    fn garbage_line_skips_the_object() {
        let text = b"route: 192.0.2.0/24\norigin: AS1\nthis is not rpsl\nsource: RIPE\n\nroute: 198.51.100.0/24\norigin: AS2\nsource: RIPE\n";
        let (items, r) = read(text, Mode::Lenient);
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].as_ref().unwrap().key, "198.51.100.0/24");
        let d = &r.diagnostics().kept()[0];
        assert_eq!(d.location, Location::Line(3));
        assert!(d.to_string().contains("not an attribute line"), "{d}");
        let (items, _) = read(text, Mode::Strict);
        assert_eq!(items.len(), 1);
        assert!(items[0].is_err());
    }

    #[test]
    fn missing_source_and_default() {
        let text = b"mntner: MNT-X\nadmin-c: AB1-TEST\n";
        let (items, r) = read(text, Mode::Lenient);
        assert!(items.is_empty());
        assert!(
            r.diagnostics().kept()[0]
                .to_string()
                .contains("t.db: line 1: malformed: mntner object has no source")
        );
        let input = Input::from_reader("t.db", io::Cursor::new(text.to_vec())).unwrap();
        let objs: Vec<_> = RpslReader::new(input, Mode::Strict)
            .default_source(Some("radb".into()))
            .collect::<Result<_, _>>()
            .unwrap();
        let m = objs[0].mntner().unwrap();
        assert_eq!((m.name.as_str(), m.source.as_str()), ("MNT-X", "RADB"));
        assert_eq!(m.admin_c, vec!["AB1-TEST"]);
    }

    #[test]
    fn non_utf8_is_counted_not_rejected() {
        let text = b"person: Jos\xe9 Garc\xeda\nnic-hdl: JG1-TEST\nsource: TEST\n";
        let (items, r) = read(text, Mode::Strict);
        assert_eq!(items.len(), 1);
        assert_eq!(r.non_utf8_lines(), 1);
        assert!(items[0].as_ref().unwrap().key.starts_with("Jos"));
    }

    #[test]
    fn continuation_outside_object() {
        let (items, r) =
            read(b"\n  stray\nroute: 10.0.0.0/8\norigin: AS1\nsource: X\n", Mode::Lenient);
        assert_eq!(items.len(), 1);
        assert_eq!(r.diagnostics().kept()[0].location, Location::Line(2));
    }

    #[test]
    fn bad_route_objects_do_not_convert() {
        let (items, _) = read(
            b"route: 10.0.0.1/8\norigin: AS1\nsource: X\n\nroute6: 10.0.0.0/8\norigin: AS1\nsource: X\n\nroute: 10.0.0.0/8\nsource: X\n",
            Mode::Strict,
        );
        let errs: Vec<String> = items
            .iter()
            .map(|o| o.as_ref().unwrap().route().unwrap().unwrap_err().to_string())
            .collect();
        assert!(errs[0].contains("host bits set"), "{errs:?}");
        assert!(errs[1].contains("wrong address family"), "{errs:?}");
        assert!(errs[2].contains("no origin"), "{errs:?}");
        assert!(errs[0].starts_with("route object at line 1"), "{errs:?}");
    }

    #[test]
    fn truncated_gzip_is_reported() {
        use std::io::Write;
        let mut text = Vec::new();
        for i in 0..20_000u32 {
            writeln!(
                text,
                "route: 10.{}.{}.0/24\norigin: AS{i}\nsource: TEST\n",
                i / 256 % 256,
                i % 256
            )
            .unwrap();
        }
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(&text).unwrap();
        let gz = e.finish().unwrap();
        let cut = gz[..gz.len() / 2].to_vec();
        let (items, r) = read(&cut, Mode::Lenient);
        assert!(!items.is_empty() && items.len() < 20_000);
        assert!(r.diagnostics().truncated());
        let (items, _) = read(&cut, Mode::Strict);
        assert_eq!(items.last().unwrap().as_ref().unwrap_err().kind, DiagKind::Truncated);
    }

    #[test]
    fn detection() {
        assert!(detect(b"#\n# RIPE terms\n#\n\nroute:  1.0.0.0/24\n"));
        assert!(detect(b"% banner\naut-num: AS1\n"));
        assert!(!detect(b"2|afrinic|20260821|19600\n"));
        assert!(!detect(b"; IP-ASN32-DAT file\n1.0.0.0/24\t13335\n"));
        assert!(!detect(b"{\"roas\":[]}"));
        assert!(!detect(b"ASN,IP Prefix,Max Length,Trust Anchor\n"));
        assert!(!detect(b"# source:topology|BGP\n1|2|-1|bgp\n"));
        assert!(!detect(b""));
    }
}
