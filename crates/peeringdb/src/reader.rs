//! The streaming PeeringDB reader: one object at a time from an API page or
//! a full dump.
//!
//! Diagnostics follow the manrs contract (`manrs_types::diag`): a bad object
//! is skipped with a `Malformed` diagnostic at the line where it starts
//! (lenient) or ends the iteration as the error (strict); a syntax error that
//! leaves the rest unreadable ends the iteration; a truncated compressed
//! stream ends it with a `Truncated` diagnostic.

use std::collections::{BTreeMap, VecDeque};
use std::path::Path;
use std::sync::Arc;

use manrs_input::{Input, InputError, InputStatus};
use manrs_types::{DiagKind, Diagnostic, Diagnostics, Location, Mode};
use serde_json::Value;

use crate::Format;
use crate::objects::{Object, ObjectType};
use manrs_input::json::{ScanError, Scanner};

/// Largest single object kept for parsing; longer ones are reported.
const MAX_OBJECT: usize = 16 << 20;

#[derive(Clone, Debug)]
enum State {
    Start,
    Top {
        first: bool,
    },
    /// Inside a dump's `"net": { … }`.
    Section {
        kind: ObjectType,
        first: bool,
    },
    /// Inside a `data` array; `kind` is `None` until inferred.
    Array {
        kind: Option<ObjectType>,
        first: bool,
        section: Option<ObjectType>,
    },
    End,
    Finished,
}

/// Streaming reader of PeeringDB API pages and dumps; see the crate
/// documentation.
pub struct PeeringDbReader {
    name: Arc<str>,
    status: InputStatus,
    mode: Mode,
    scan: Scanner,
    state: State,
    given: Option<ObjectType>,
    format: Option<Format>,
    pending: VecDeque<Object>,
    diagnostics: Diagnostics,
    records: u64,
    per_type: BTreeMap<String, u64>,
    stream_reported: bool,
    done: bool,
}

impl std::fmt::Debug for PeeringDbReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PeeringDbReader")
            .field("name", &self.name)
            .field("format", &self.format)
            .field("records", &self.records)
            .finish_non_exhaustive()
    }
}

impl PeeringDbReader {
    /// A reader over an opened input. The type of an API page's objects is
    /// inferred from its first object ([`ObjectType::infer`]).
    pub fn new(input: Input, mode: Mode) -> Self {
        let (r, name, status) = input.into_parts();
        PeeringDbReader {
            name,
            status,
            mode,
            scan: Scanner::new(r),
            state: State::Start,
            given: None,
            format: None,
            pending: VecDeque::new(),
            diagnostics: Diagnostics::default(),
            records: 0,
            per_type: BTreeMap::new(),
            stream_reported: false,
            done: false,
        }
    }

    /// A reader for an API page whose object type the caller knows (from
    /// the URL it was fetched from). Dumps name their types and ignore it.
    pub fn with_type(input: Input, mode: Mode, kind: ObjectType) -> Self {
        let mut r = Self::new(input, mode);
        r.given = Some(kind);
        r
    }

    /// Opens a file (plain, gzip or bzip2).
    pub fn open(path: impl AsRef<Path>, mode: Mode) -> Result<Self, InputError> {
        Ok(Self::new(Input::open(path)?, mode))
    }

    /// Problems found so far.
    pub fn diagnostics(&self) -> &Diagnostics {
        &self.diagnostics
    }

    /// Objects read so far (good or bad).
    pub fn records(&self) -> u64 {
        self.records
    }

    /// Objects yielded so far, per type name.
    pub fn per_type(&self) -> &BTreeMap<String, u64> {
        &self.per_type
    }

    /// The layout seen so far (`None` before the first member).
    pub fn format(&self) -> Option<Format> {
        self.format
    }

    fn diag(&self, location: Location, kind: DiagKind, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(&self.name, location, kind, message)
    }

    fn report(&mut self, d: Diagnostic) -> Result<(), Diagnostic> {
        match self.diagnostics.report(self.mode, d) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    fn finish(&mut self, cause: Option<Diagnostic>) -> Result<(), Diagnostic> {
        self.state = State::Finished;
        self.done = true;
        let stream = if self.stream_reported {
            None
        } else {
            self.stream_reported = true;
            self.status.diagnostic(&self.name)
        };
        // A truncated compressed stream explains any syntax error it caused.
        match stream.or(cause) {
            Some(d) => self.report(d),
            None => Ok(()),
        }
    }

    fn scan_failure(&mut self, e: ScanError, context: &str) -> Result<(), Diagnostic> {
        let pos = self.scan.pos();
        let d = match e {
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
        };
        self.finish(Some(d))
    }

    /// Skips the value at the cursor (a member that is not read).
    fn skip(&mut self, context: &str) -> Result<(), Diagnostic> {
        match self.scan.skip_ws().and_then(|_| self.scan.value(None, 0)) {
            Ok(_) => Ok(()),
            Err(e) => self.scan_failure(e, context),
        }
    }

    /// Expects `open` (`[` or `{`) for member `key`; a value of another kind
    /// is reported and skipped (`Ok(false)`).
    fn enter(&mut self, key: &str, open: u8, context: &str) -> Result<bool, Diagnostic> {
        match self.scan.skip_ws() {
            Ok(Some(b)) if b == open => {
                self.scan.bump();
                Ok(true)
            }
            Ok(Some(_)) => {
                let line = self.scan.pos().line;
                let want = if open == b'[' { "an array" } else { "an object" };
                let d = self.diag(
                    Location::Line(line),
                    DiagKind::Malformed,
                    format!("member \"{key}\" is not {want}; skipped"),
                );
                self.skip(context)?;
                if !self.done {
                    self.report(d)?;
                }
                Ok(false)
            }
            Ok(None) => self.scan_failure(ScanError::Eof, context).map(|_| false),
            Err(e) => self.scan_failure(e, context).map(|_| false),
        }
    }

    fn step(&mut self) -> Result<(), Diagnostic> {
        match self.state.clone() {
            State::Finished => {
                self.done = true;
                Ok(())
            }
            State::Start => match self.scan.expect(b'{', "at the start of the file") {
                Ok(()) => {
                    self.state = State::Top { first: true };
                    Ok(())
                }
                Err(e) => self.scan_failure(e, "at the start of the file"),
            },
            State::End => match self.scan.skip_ws() {
                Ok(None) => self.finish(None),
                Ok(Some(_)) => {
                    let line = self.scan.pos().line;
                    let d = self.diag(
                        Location::Line(line),
                        DiagKind::Malformed,
                        "data after the end of the JSON object",
                    );
                    self.finish(Some(d))
                }
                Err(e) => self.scan_failure(e, "after the JSON object"),
            },
            State::Top { first } => {
                let context = "in the top-level object";
                let key = match self.scan.next_member(first) {
                    Ok(Some(k)) => k,
                    Ok(None) => {
                        self.state = State::End;
                        return Ok(());
                    }
                    Err(e) => return self.scan_failure(e, context),
                };
                self.state = State::Top { first: false };
                match key.as_str() {
                    "data" => {
                        self.format.get_or_insert(Format::ApiPage);
                        if self.enter("data", b'[', context)? {
                            self.state = State::Array {
                                kind: self.given.clone(),
                                first: true,
                                section: None,
                            };
                        }
                        Ok(())
                    }
                    "meta" => self.skip(context),
                    _ => {
                        // A dump: `"net": {"data": [...]}`.
                        self.format.get_or_insert(Format::Dump);
                        let kind: ObjectType =
                            key.parse().unwrap_or(ObjectType::Other(key.clone()));
                        if self.enter(&key, b'{', context)? {
                            self.state = State::Section { kind, first: true };
                        }
                        Ok(())
                    }
                }
            }
            State::Section { kind, first } => {
                let context = "in a dump section";
                let key = match self.scan.next_member(first) {
                    Ok(Some(k)) => k,
                    Ok(None) => {
                        self.state = State::Top { first: false };
                        return Ok(());
                    }
                    Err(e) => return self.scan_failure(e, context),
                };
                self.state = State::Section { kind: kind.clone(), first: false };
                if key == "data" {
                    if self.enter("data", b'[', context)? {
                        self.state = State::Array {
                            kind: Some(kind.clone()),
                            first: true,
                            section: Some(kind),
                        };
                    }
                    Ok(())
                } else {
                    self.skip(context)
                }
            }
            State::Array { kind, first, section } => {
                let context = "in a data array";
                match self.scan.next_element(first, MAX_OBJECT) {
                    Err(e) => self.scan_failure(e, context),
                    Ok(None) => {
                        self.state = match section {
                            Some(kind) => State::Section { kind, first: false },
                            None => State::Top { first: false },
                        };
                        Ok(())
                    }
                    Ok(Some((line, bytes, fits))) => {
                        self.state = State::Array { kind: kind.clone(), first: false, section };
                        self.object(kind, line, bytes, fits)
                    }
                }
            }
        }
    }

    /// Parses and checks one object of a `data` array.
    fn object(
        &mut self,
        kind: Option<ObjectType>,
        line: u64,
        bytes: Vec<u8>,
        fits: bool,
    ) -> Result<(), Diagnostic> {
        self.records += 1;
        let bad = |this: &mut Self, at: u64, m: String| {
            let d = this.diag(Location::Line(at), DiagKind::Malformed, m);
            this.report(d)
        };
        if !fits {
            return bad(self, line, format!("object longer than {MAX_OBJECT} bytes"));
        }
        let fields = match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(m)) => m,
            Ok(other) => {
                return bad(
                    self,
                    line,
                    format!("entry is {}, not an object", manrs_input::json::kind(&other)),
                );
            }
            Err(e) => {
                let at = line + e.line().saturating_sub(1) as u64;
                return bad(self, at, format!("object is not valid JSON: {e}"));
            }
        };
        let kind = match kind {
            Some(k) => k,
            None => {
                // The first object of a page fixes the type of the page.
                let k = ObjectType::infer(&fields).unwrap_or(ObjectType::Other("unknown".into()));
                if let State::Array { kind, .. } = &mut self.state {
                    *kind = Some(k.clone());
                }
                k
            }
        };
        match Object::from_json(&kind, fields) {
            Ok(o) => {
                match self.per_type.get_mut(kind.as_str()) {
                    Some(n) => *n += 1,
                    None => {
                        self.per_type.insert(kind.as_str().to_string(), 1);
                    }
                }
                self.pending.push_back(o);
                Ok(())
            }
            Err(m) => bad(self, line, format!("bad {kind} object: {m}")),
        }
    }
}

impl Iterator for PeeringDbReader {
    type Item = Result<Object, Diagnostic>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(o) = self.pending.pop_front() {
                return Some(Ok(o));
            }
            if self.done {
                return None;
            }
            if let Err(e) = self.step() {
                self.done = true;
                self.state = State::Finished;
                self.pending.clear();
                return Some(Err(e));
            }
        }
    }
}

impl std::iter::FusedIterator for PeeringDbReader {}
