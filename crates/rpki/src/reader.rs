//! The streaming VRP / ASPA reader: one pass over a JSON or CSV file,
//! yielding one [`Payload`] at a time.
//!
//! JSON files are walked by a small incremental scanner
//! ([`manrs_input::json`]): the top-level object's `roas`, `aspas`,
//! `bgpsec_keys` / `routerKeys` and legacy `provider_authorizations` members
//! are read entry by entry, each entry's bytes (in one buffer reused from
//! entry to entry) parsed on their own, so memory stays at one entry however
//! large the file. A `roas` entry of the usual shape is read straight from
//! its bytes ([`entry::fast_roa`]); any other entry is parsed as a JSON value
//! and checked by [`entry::json_vrp`], which also words every error. CSV files are read line by line (the VRP CSV dialects
//! never put commas inside fields; quotes around fields are removed).
//!
//! Diagnostics follow the manrs contract (`manrs_types::diag`): a bad entry
//! is skipped with a `Malformed` diagnostic at the line where it starts
//! (lenient) or ends the iteration as the error (strict); a syntax error that
//! leaves the rest unreadable ends the iteration; a truncated compressed
//! stream ends it with a `Truncated` diagnostic.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::io::{BufRead, Read};
use std::path::Path;
use std::sync::Arc;

use manrs_input::{Input, InputError, InputStatus};
use manrs_types::{Asn, Aspa, DiagKind, Diagnostic, Diagnostics, Location, Mode, Vrp};
use serde_json::Value;

use crate::{Format, Payload, detect, entry};
use manrs_input::json::{ScanError, Scanner};

/// Largest single JSON entry kept for parsing; longer ones are reported.
const MAX_ENTRY: usize = 1 << 20;

/// Longest CSV line read; longer ones are reported and skipped.
const MAX_LINE: usize = 64 * 1024;

/// Which array of the JSON file an entry comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Roas,
    Aspas,
    RouterKeys,
    /// `provider_authorizations.ipv4` / `.ipv6` (rpki-client 7.9 – 8.4).
    LegacyAspas,
}

impl Kind {
    fn what(self) -> &'static str {
        match self {
            Kind::Roas => "roas",
            Kind::Aspas | Kind::LegacyAspas => "aspas",
            Kind::RouterKeys => "BGPsec router keys",
        }
    }
}

/// Where the JSON walk is.
#[derive(Clone, Copy, Debug)]
enum JState {
    Start,
    Top { first: bool },
    Array { kind: Kind, first: bool, legacy: bool },
    Legacy { first: bool },
    End,
}

/// Column positions of a CSV file.
#[derive(Clone, Copy, Debug)]
struct Columns {
    asn: usize,
    prefix: usize,
    max_len: usize,
    ta: Option<usize>,
}

enum Inner {
    Json { scan: Scanner, state: JState, legacy: BTreeMap<Asn, BTreeSet<Asn>> },
    Csv { r: Box<dyn BufRead + Send>, line: u64, columns: Option<Columns> },
    Finished,
}

/// Counts kept while reading.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Entries read (good or bad): JSON array entries, CSV data lines.
    pub records: u64,
    /// VRPs yielded.
    pub vrps: u64,
    /// IPv4 VRPs yielded.
    pub vrps_ipv4: u64,
    /// IPv6 VRPs yielded.
    pub vrps_ipv6: u64,
    /// ASPAs yielded.
    pub aspas: u64,
    /// BGPsec router keys counted (not yielded).
    pub bgpsec_keys: u64,
    /// Entries skipped because they were bad.
    pub skipped: u64,
    /// VRPs per trust anchor (`ta`), `""` when the file names none.
    pub per_ta: BTreeMap<String, u64>,
}

/// Streaming reader of VRP and ASPA files; see the crate documentation.
pub struct VrpReader {
    name: Arc<str>,
    status: InputStatus,
    mode: Mode,
    format: Option<Format>,
    inner: Inner,
    pending: VecDeque<Payload>,
    diagnostics: Diagnostics,
    counts: Counts,
    stream_reported: bool,
    done: bool,
    /// The bytes of the current JSON entry, kept from entry to entry.
    entry_buf: Vec<u8>,
    /// Whether `roas` entries of the common shape skip the JSON value
    /// ([`entry::fast_roa`]); off only in tests, to compare both paths.
    fast: bool,
    /// `roas` entries read by [`entry::fast_roa`].
    fast_roas: u64,
}

impl std::fmt::Debug for VrpReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VrpReader")
            .field("name", &self.name)
            .field("format", &self.format)
            .field("counts", &self.counts)
            .finish_non_exhaustive()
    }
}

impl VrpReader {
    /// A reader over an opened input; the format is detected from the first
    /// 64 KiB ([`detect`]). An input of no known format yields one
    /// `Unsupported` diagnostic.
    pub fn new(mut input: Input, mode: Mode) -> Self {
        let format = match input.peek(crate::DETECT_LEN) {
            Ok(head) => detect(&head),
            // The read error is recorded in the status and reported below.
            Err(_) => None,
        };
        Self::build(input, mode, format)
    }

    /// A reader for a format the caller knows (detection is skipped).
    pub fn with_format(input: Input, mode: Mode, format: Format) -> Self {
        Self::build(input, mode, Some(format))
    }

    /// Opens a file (plain, gzip or bzip2) and detects its format.
    pub fn open(path: impl AsRef<Path>, mode: Mode) -> Result<Self, InputError> {
        Ok(Self::new(Input::open(path)?, mode))
    }

    fn build(input: Input, mode: Mode, format: Option<Format>) -> Self {
        let (r, name, status) = input.into_parts();
        let inner = match format {
            Some(Format::Csv) => Inner::Csv { r, line: 0, columns: None },
            Some(_) => {
                Inner::Json { scan: Scanner::new(r), state: JState::Start, legacy: BTreeMap::new() }
            }
            None => Inner::Finished,
        };
        VrpReader {
            name,
            status,
            mode,
            format,
            inner,
            pending: VecDeque::new(),
            diagnostics: Diagnostics::default(),
            counts: Counts::default(),
            stream_reported: false,
            done: false,
            entry_buf: Vec::new(),
            fast: true,
            fast_roas: 0,
        }
    }

    /// The format being read (`None` when it was not recognised).
    pub fn format(&self) -> Option<Format> {
        self.format
    }

    /// Problems found so far.
    pub fn diagnostics(&self) -> &Diagnostics {
        &self.diagnostics
    }

    /// Counts so far.
    pub fn counts(&self) -> &Counts {
        &self.counts
    }

    /// Entries read so far (good or bad).
    pub fn records(&self) -> u64 {
        self.counts.records
    }

    /// The input's name.
    pub fn name(&self) -> &Arc<str> {
        &self.name
    }

    fn diag(&self, location: Location, kind: DiagKind, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(&self.name, location, kind, message)
    }

    /// A bad entry: counted, skipped (lenient) or the error (strict).
    fn bad_entry(&mut self, line: u64, message: String) -> Result<(), Diagnostic> {
        self.counts.skipped += 1;
        let d = self.diag(Location::Line(line), DiagKind::Malformed, message);
        match self.diagnostics.report(self.mode, d) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// The end of the data, normal or not: reports a stream error once and
    /// stops.
    fn finish(&mut self, cause: Option<Diagnostic>) -> Result<(), Diagnostic> {
        self.inner = Inner::Finished;
        self.done = true;
        let stream = if self.stream_reported {
            None
        } else {
            self.stream_reported = true;
            self.status.diagnostic(&self.name)
        };
        // A truncated compressed stream explains any syntax error it caused.
        let first = match (stream, cause) {
            (Some(s), _) => Some(s),
            (None, c) => c,
        };
        match first {
            Some(d) => match self.diagnostics.report(self.mode, d) {
                Some(e) => Err(e),
                None => Ok(()),
            },
            None => Ok(()),
        }
    }

    fn scan_failure(&self, e: ScanError, context: &str) -> Diagnostic {
        let pos = match &self.inner {
            Inner::Json { scan, .. } => scan.pos(),
            _ => manrs_input::json::Pos { line: 0, col: 0, byte: 0 },
        };
        match e {
            ScanError::Io(io) => self.diag(
                Location::Byte(pos.byte),
                DiagKind::Io,
                format!("read failed {context}: {io}"),
            ),
            ScanError::Eof => self.diag(
                Location::Line(pos.line),
                DiagKind::Truncated,
                format!("JSON ends early {context}"),
            ),
            ScanError::Syntax(m) => self.diag(
                Location::Line(pos.line),
                DiagKind::Malformed,
                format!("{m} at column {} {context}; the rest of the file is unreadable", pos.col),
            ),
        }
    }

    /// One step of work: a structural token or one entry.
    fn step(&mut self) -> Result<(), Diagnostic> {
        match &self.inner {
            Inner::Finished => {
                if self.format.is_none() && !self.done {
                    let d = self.diag(
                        Location::File,
                        DiagKind::Unsupported,
                        "not a VRP/ASPA file (rpki-client, Routinator or Cloudflare JSON, or VRP CSV)",
                    );
                    return self.finish(Some(d));
                }
                self.done = true;
                Ok(())
            }
            Inner::Json { .. } => self.json_step(),
            Inner::Csv { .. } => self.csv_step(),
        }
    }

    fn json_step(&mut self) -> Result<(), Diagnostic> {
        let Inner::Json { scan, state, .. } = &mut self.inner else {
            return Ok(());
        };
        let st = *state;
        let result: Result<(), (ScanError, &'static str)> = match st {
            JState::Start => match scan.expect(b'{', "at the start of the file") {
                Ok(()) => {
                    *state = JState::Top { first: true };
                    Ok(())
                }
                Err(e) => Err((e, "at the start of the file")),
            },
            JState::End => match scan.skip_ws() {
                Ok(None) => return self.finish(None),
                Ok(Some(_)) => {
                    let line = scan.pos().line;
                    let d = self.diag(
                        Location::Line(line),
                        DiagKind::Malformed,
                        "data after the end of the JSON object",
                    );
                    return self.finish(Some(d));
                }
                Err(e) => Err((e, "after the JSON object")),
            },
            JState::Top { first } | JState::Legacy { first } => {
                let legacy = matches!(st, JState::Legacy { .. });
                let context =
                    if legacy { "in provider_authorizations" } else { "in the top-level object" };
                match scan.next_member(first) {
                    Err(e) => Err((e, context)),
                    Ok(None) => {
                        *state = if legacy { JState::Top { first: false } } else { JState::End };
                        if legacy {
                            self.flush_legacy();
                        }
                        Ok(())
                    }
                    Ok(Some(key)) => {
                        *state = if legacy {
                            JState::Legacy { first: false }
                        } else {
                            JState::Top { first: false }
                        };
                        let kind = match (legacy, key.as_str()) {
                            (false, "roas") => Some(Kind::Roas),
                            (false, "aspas") => Some(Kind::Aspas),
                            (false, "bgpsec_keys" | "routerKeys") => Some(Kind::RouterKeys),
                            (true, "ipv4" | "ipv6") => Some(Kind::LegacyAspas),
                            (false, "provider_authorizations") => None,
                            _ => {
                                // metadata, nonfunc_cas, signedprefixlists...
                                return match scan.skip_ws().and_then(|_| scan.value(None, 0)) {
                                    Ok(_) => Ok(()),
                                    Err(e) => {
                                        let d = self.scan_failure(e, "in a skipped member");
                                        self.finish(Some(d))
                                    }
                                };
                            }
                        };
                        let open = if kind.is_some() { b'[' } else { b'{' };
                        match scan.skip_ws() {
                            Ok(Some(b)) if b == open => {
                                scan.bump();
                                *state = match kind {
                                    Some(kind) => JState::Array { kind, first: true, legacy },
                                    None => JState::Legacy { first: true },
                                };
                                Ok(())
                            }
                            Ok(Some(_)) => {
                                // Recoverable: report, skip the value, go on.
                                let line = scan.pos().line;
                                let skipped = scan.value(None, 0);
                                let want = if kind.is_some() { "an array" } else { "an object" };
                                let d = self.diag(
                                    Location::Line(line),
                                    DiagKind::Malformed,
                                    format!("member \"{key}\" is not {want}; skipped"),
                                );
                                if let Err(e) = skipped {
                                    let d = self.scan_failure(e, "in a skipped member");
                                    return self.finish(Some(d));
                                }
                                return match self.diagnostics.report(self.mode, d) {
                                    Some(e) => {
                                        self.done = true;
                                        Err(e)
                                    }
                                    None => Ok(()),
                                };
                            }
                            Ok(None) => Err((ScanError::Eof, context)),
                            Err(e) => Err((e, context)),
                        }
                    }
                }
            }
            JState::Array { kind, first, legacy } => {
                let context = match kind {
                    Kind::Roas => "in the roas array",
                    Kind::Aspas | Kind::LegacyAspas => "in an aspas array",
                    Kind::RouterKeys => "in the BGPsec keys array",
                };
                match scan.next_element_into(first, MAX_ENTRY, &mut self.entry_buf) {
                    Err(e) => Err((e, context)),
                    Ok(None) => {
                        *state = if legacy {
                            JState::Legacy { first: false }
                        } else {
                            JState::Top { first: false }
                        };
                        Ok(())
                    }
                    Ok(Some((line, fits))) => {
                        *state = JState::Array { kind, first: false, legacy };
                        let bytes = std::mem::take(&mut self.entry_buf);
                        let done = self.entry(kind, line, &bytes, fits);
                        self.entry_buf = bytes;
                        return done;
                    }
                }
            }
        };
        match result {
            Ok(()) => Ok(()),
            Err((e, context)) => {
                let d = self.scan_failure(e, context);
                self.finish(Some(d))
            }
        }
    }

    /// Parses and checks one JSON array entry.
    fn entry(&mut self, kind: Kind, line: u64, bytes: &[u8], fits: bool) -> Result<(), Diagnostic> {
        self.counts.records += 1;
        if !fits {
            return self
                .bad_entry(line, format!("{} entry longer than {MAX_ENTRY} bytes", kind.what()));
        }
        if kind == Kind::Roas
            && self.fast
            && let Some(v) = entry::fast_roa(bytes)
        {
            self.fast_roas += 1;
            self.push_vrp(v);
            return Ok(());
        }
        let value: Value = match serde_json::from_slice(bytes) {
            Ok(v) => v,
            Err(e) => {
                let at = line + e.line().saturating_sub(1) as u64;
                return self.bad_entry(at, format!("{} entry is not valid JSON: {e}", kind.what()));
            }
        };
        match kind {
            Kind::Roas => match entry::json_vrp(&value) {
                Ok(v) => {
                    self.push_vrp(v);
                    Ok(())
                }
                Err(m) => self.bad_entry(line, format!("bad roa: {m}")),
            },
            Kind::Aspas => match entry::json_aspa(&value) {
                Ok(a) => {
                    self.counts.aspas += 1;
                    self.pending.push_back(Payload::Aspa(a));
                    Ok(())
                }
                Err(m) => self.bad_entry(line, format!("bad aspa: {m}")),
            },
            Kind::LegacyAspas => match entry::json_aspa(&value) {
                Ok(a) => {
                    if let Inner::Json { legacy, .. } = &mut self.inner {
                        legacy.entry(a.customer).or_default().extend(a.providers);
                    }
                    Ok(())
                }
                Err(m) => self.bad_entry(line, format!("bad aspa: {m}")),
            },
            Kind::RouterKeys => {
                if value.is_object() {
                    self.counts.bgpsec_keys += 1;
                    Ok(())
                } else {
                    self.bad_entry(
                        line,
                        format!(
                            "BGPsec key entry is {}, not an object",
                            manrs_input::json::kind(&value)
                        ),
                    )
                }
            }
        }
    }

    /// Emits the ASPAs of a legacy `provider_authorizations` object, one per
    /// customer: the union of its IPv4 and IPv6 provider sets, without the
    /// AS0 that stood for "no provider in this address family" when the
    /// other family has providers.
    fn flush_legacy(&mut self) {
        let Inner::Json { legacy, .. } = &mut self.inner else { return };
        for (customer, mut providers) in std::mem::take(legacy) {
            if providers.len() > 1 {
                providers.remove(&Asn::ZERO);
            }
            self.counts.aspas += 1;
            self.pending.push_back(Payload::Aspa(Aspa {
                customer,
                providers: providers.into_iter().collect(),
            }));
        }
    }

    fn push_vrp(&mut self, v: Vrp) {
        self.counts.vrps += 1;
        if v.prefix.is_ipv4() {
            self.counts.vrps_ipv4 += 1;
        } else {
            self.counts.vrps_ipv6 += 1;
        }
        let ta = v.ta.as_deref().unwrap_or("");
        match self.counts.per_ta.get_mut(ta) {
            Some(n) => *n += 1,
            None => {
                self.counts.per_ta.insert(ta.to_string(), 1);
            }
        }
        self.pending.push_back(Payload::Vrp(v));
    }

    fn csv_step(&mut self) -> Result<(), Diagnostic> {
        let Inner::Csv { r, line, columns } = &mut self.inner else {
            return Ok(());
        };
        let mut raw = Vec::new();
        let got = (&mut *r).take(MAX_LINE as u64).read_until(b'\n', &mut raw);
        *line += 1;
        let at = *line;
        match got {
            Ok(0) => return self.finish(None),
            Ok(_) => {}
            Err(e) => {
                let d = self.diag(Location::Line(at), DiagKind::Io, format!("read failed: {e}"));
                return self.finish(Some(d));
            }
        }
        if raw.len() >= MAX_LINE && raw.last() != Some(&b'\n') {
            // Skip the rest of an overlong line, then report it.
            let mut rest = Vec::new();
            loop {
                rest.clear();
                match (&mut *r).take(MAX_LINE as u64).read_until(b'\n', &mut rest) {
                    Ok(n) if n > 0 && rest.last() != Some(&b'\n') => continue,
                    Ok(_) => break,
                    Err(e) => {
                        let d = self.diag(
                            Location::Line(at),
                            DiagKind::Io,
                            format!("read failed: {e}"),
                        );
                        return self.finish(Some(d));
                    }
                }
            }
            self.counts.records += 1;
            return self.bad_entry(at, format!("line longer than {MAX_LINE} bytes"));
        }
        let Ok(text) = std::str::from_utf8(&raw) else {
            self.counts.records += 1;
            return self.bad_entry(at, "line is not UTF-8".into());
        };
        let text = text.trim();
        if text.is_empty() || text.starts_with('#') {
            return Ok(());
        }
        let fields: Vec<&str> =
            text.split(',').map(|f| f.trim().trim_matches('"').trim()).collect();
        let cols = match *columns {
            Some(c) => c,
            None => {
                let found = header(&fields);
                let c = found.unwrap_or(Columns { asn: 0, prefix: 1, max_len: 2, ta: Some(3) });
                *columns = Some(c);
                if found.is_some() {
                    return Ok(());
                }
                c
            }
        };
        self.counts.records += 1;
        match csv_vrp(&fields, cols) {
            Ok(v) => {
                self.push_vrp(v);
                Ok(())
            }
            Err(m) => self.bad_entry(at, format!("bad VRP line: {m}")),
        }
    }
}

/// The columns named by a CSV header line, if `fields` is one.
fn header(fields: &[&str]) -> Option<Columns> {
    let find = |name: &str| fields.iter().position(|f| f.eq_ignore_ascii_case(name));
    let asn = find("ASN")?;
    let prefix = find("IP Prefix")?;
    let max_len = find("Max Length")?;
    Some(Columns { asn, prefix, max_len, ta: find("Trust Anchor") })
}

fn csv_vrp(fields: &[&str], c: Columns) -> Result<Vrp, String> {
    let get = |i: usize, name: &str| {
        fields.get(i).copied().ok_or_else(|| format!("{} fields, no {name}", fields.len()))
    };
    let asn: Asn = get(c.asn, "ASN")?.parse().map_err(|e| format!("{e}"))?;
    let prefix = get(c.prefix, "IP prefix")?;
    let ml = get(c.max_len, "max length")?;
    let max_len: u64 = ml.parse().map_err(|_| format!("max length {ml:?} is not a number"))?;
    let ta = c.ta.and_then(|i| fields.get(i)).filter(|t| !t.is_empty()).map(|t| t.to_string());
    entry::vrp(asn, prefix, Some(max_len), ta)
}

impl Iterator for VrpReader {
    type Item = Result<Payload, Diagnostic>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(p) = self.pending.pop_front() {
                return Some(Ok(p));
            }
            if self.done {
                return None;
            }
            if let Err(e) = self.step() {
                self.done = true;
                self.inner = Inner::Finished;
                self.pending.clear();
                return Some(Err(e));
            }
        }
    }
}

impl std::iter::FusedIterator for VrpReader {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    /// Everything a reader yields and reports, as comparable values.
    #[derive(Debug, PartialEq)]
    struct Run {
        items: Vec<Result<Payload, String>>,
        counts: Counts,
        diagnostics: Vec<String>,
    }

    fn run(bytes: Vec<u8>, mode: Mode, fast: bool) -> (Run, u64) {
        let input = Input::from_reader("t.json", Cursor::new(bytes)).unwrap();
        let mut r = VrpReader::new(input, mode);
        r.fast = fast;
        let items = r.by_ref().map(|i| i.map_err(|d| d.to_string())).collect();
        let diagnostics = r.diagnostics().kept().iter().map(|d| d.to_string()).collect();
        let fast_roas = r.fast_roas;
        (Run { items, counts: r.counts().clone(), diagnostics }, fast_roas)
    }

    /// The reader with and without the fast path: the same payloads,
    /// counts, diagnostics and errors, leniently and strictly.
    fn same(bytes: &[u8]) -> u64 {
        let mut hits = 0;
        for mode in [Mode::Strict, Mode::Lenient] {
            let (fast, n) = run(bytes.to_vec(), mode, true);
            let (slow, _) = run(bytes.to_vec(), mode, false);
            assert_eq!(fast, slow, "{mode:?}");
            hits = n;
        }
        // Of the lenient run, which reads every entry.
        hits
    }

    /// Entries of every shape, good and bad, one per line.
    const ENTRIES: &[&str] = &[
        r#"{ "asn": 13335, "prefix": "1.0.0.0/24", "maxLength": 24, "ta": "apnic", "expires": 1753453058 }"#,
        r#"{"asn":"AS13335","prefix":"1.0.0.0/24","maxLength":24,"ta":"apnic"}"#,
        r#"{"asn":"13335","prefix":"1.0.0.0/24","maxLength":24}"#,
        r#"{"asn":0,"prefix":"2001:db8::/32"}"#,
        r#"{ "asn" : 4200000000 , "prefix" : "2001:db8::/32" , "maxLength" : 48 }"#,
        r#"{"prefix":"10.0.0.0/8","maxLength":8,"asn":"as64500","expires":0}"#,
        r#"{}"#,
        r#"{"asn":13335}"#,
        r#"{"asn":4294967296,"prefix":"1.0.0.0/24","maxLength":24}"#,
        r#"{"asn":18446744073709551616,"prefix":"1.0.0.0/24","maxLength":24}"#,
        r#"{"asn":-1,"prefix":"1.0.0.0/24","maxLength":24}"#,
        r#"{"asn":1.5,"prefix":"1.0.0.0/24","maxLength":24}"#,
        r#"{"asn":1e3,"prefix":"1.0.0.0/24","maxLength":24}"#,
        r#"{"asn":013335,"prefix":"1.0.0.0/24","maxLength":24}"#,
        r#"{"asn":13335,"prefix":"1.0.0.0/24","maxLength":024}"#,
        r#"{"asn":13335,"prefix":"1.0.0.0/24","maxLength":24,"asn":7}"#,
        r#"{"asn":13335,"prefix":"1.0.0.0/24","maxLength":null}"#,
        r#"{"asn":13335,"prefix":"1.0.0.0/24","maxLength":"24"}"#,
        r#"{"asn":13335,"prefix":"1.0.0.0/24","maxLength":18446744073709551616}"#,
        r#"{"asn":13335,"prefix":"1.0.0.1/24","maxLength":24}"#,
        r#"{"asn":13335,"prefix":"1.0.0.0/24","maxLength":33}"#,
        r#"{"asn":13335,"prefix":"1.0.0.0/24","maxLength":20}"#,
        r#"{"asn":13335,"prefix":"1.0.0.0\/24","maxLength":24}"#,
        r#"{"asn":13335,"prefix":"1.0.0.0/24","maxLength":24,"ta":"ap\u006eic"}"#,
        "{\"asn\":13335,\"prefix\":\"1.0.0.0/24\",\"maxLength\":24,\"ta\":\"\u{e5}pnic\"}",
        r#"{"asn":13335,"prefix":"1.0.0.0/24","maxLength":24,"ta":null}"#,
        r#"{"asn":13335,"prefix":"1.0.0.0/24","maxLength":24,"ta":""}"#,
        r#"{"asn":"AS1","prefix":"10.0.0.0/8","maxLength":8,"source":[{"type":"roa","tal":"ripe"}]}"#,
        r#"{"asn":13335,"prefix":"1.0.0.0/24","maxLength":24,"ta":"apnic","extra":true}"#,
        r#"{"asn":13335,"prefix":"1.0.0.0/24","maxLength":24,}"#,
        r#"{"asn":13335 "prefix":"1.0.0.0/24"}"#,
        r#"{"asn":"AS13335x","prefix":"1.0.0.0/24","maxLength":24}"#,
        r#"{"asn":"","prefix":"1.0.0.0/24","maxLength":24}"#,
        r#"{"asn":true,"prefix":"1.0.0.0/24"}"#,
        r#"{"prefix":["1.0.0.0/24"],"asn":1}"#,
        r#"{"asn":13335,"prefix":"2001:db8::/32","maxLength":48,"expires":-5}"#,
        r#"{"asn":13335,"prefix":"2001:db8::/32","maxLength":48,"expires":1.5}"#,
        r#"[1,2]"#,
        r#""a string""#,
        r#"12"#,
        r#"null"#,
        "{\"asn\": 64500,\n  \"prefix\": \"192.0.2.0/24\",\n  \"maxLength\": 40}",
        "{\"asn\": 64500,\n  \"prefix\": \"192.0.2.0/24\",\n  \"maxLength\": 24 }",
        // A raw tab inside a string: the scanner stops reading the file here.
        "{\"asn\":13335,\"prefix\":\"1.0.0.0/24\",\"maxLength\":24,\"ta\":\"ap\tnic\"}",
    ];

    fn document(entries: &[&str]) -> Vec<u8> {
        format!("{{\n\"metadata\": {{}},\n\"roas\": [\n{}\n]\n}}\n", entries.join(",\n"))
            .into_bytes()
    }

    #[test]
    fn fast_path_agrees_on_constructed_entries() {
        let hits = same(&document(ENTRIES));
        // The well-formed entries of the usual shape take the fast path.
        assert_eq!(hits, 8);
        let (lenient, _) = run(document(ENTRIES), Mode::Lenient, true);
        // Every bad entry is a diagnostic naming its line, never a panic.
        assert!(lenient.diagnostics.len() >= 25, "{:#?}", lenient.diagnostics);
        assert!(lenient.diagnostics.iter().all(|d| d.contains("t.json:")), "{lenient:#?}");
        // Each entry alone too, and the document cut anywhere.
        for e in ENTRIES {
            same(&document(&[e]));
        }
        let doc = document(&ENTRIES[..8]);
        for cut in 0..doc.len() {
            same(&doc[..cut]);
        }
    }

    #[test]
    fn fast_path_agrees_on_mutated_entries() {
        // Every one-byte change of a few real entries: whatever the fast
        // path accepts, the JSON path accepts as the same VRP.
        let alphabet = b" \t\n\"\\,:{}[]0123456789-+.eEaAnstr/u";
        let mut checked = 0;
        for e in &ENTRIES[..6] {
            let e = e.as_bytes();
            for i in 0..=e.len() {
                let mut variants = vec![[&e[..i], &e[(i + 1).min(e.len())..]].concat()];
                for &c in alphabet {
                    variants.push([&e[..i], &[c], &e[i..]].concat());
                    if i < e.len() {
                        variants.push([&e[..i], &[c], &e[i + 1..]].concat());
                    }
                }
                for v in variants {
                    let slow = serde_json::from_slice::<Value>(&v)
                        .ok()
                        .and_then(|x| entry::json_vrp(&x).ok());
                    if let Some(fast) = entry::fast_roa(&v) {
                        assert_eq!(Some(fast), slow, "{}", v.escape_ascii());
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 1000, "{checked}");
    }

    #[test]
    fn fast_path_agrees_on_the_real_export() {
        let Some(dir) = manrs_test_support::shared_data_dir() else { return };
        let path =
            dir.join("rpki-client-vrps-2025-07-20/rpkiclient_summary_20250720T093135Z.json.bz2");
        let mut bytes = Vec::new();
        Input::open(&path).unwrap().read_to_end(&mut bytes).unwrap();
        let (fast, hits) = run(bytes.clone(), Mode::Strict, true);
        let (slow, _) = run(bytes, Mode::Strict, false);
        assert_eq!(fast.counts.vrps, 723_521);
        assert_eq!(hits, 723_521, "every roa of the export takes the fast path");
        assert!(fast == slow, "the fast path changed the output");
    }
}
