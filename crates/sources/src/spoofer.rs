//! CAIDA Spoofer sessions, as served by the Spoofer Data API.
//!
//! Format documentation: the Spoofer Data API
//! (<https://api.spoofer.caida.org/>, described at
//! <https://www.caida.org/projects/spoofer/data-api/>) and CAIDA's example
//! "How to check if an ASN supports SAV". `GET /sessions[?asn=…&timestamp…]`
//! returns a Hydra collection page (API Platform,
//! <https://api-platform.com/docs/core/pagination/>):
//! `{"hydra:member":[…], "hydra:totalItems":N, "hydra:view":{"hydra:next":"/sessions?page=2",…}}`,
//! 30 sessions per page by default. Each session is
//! `{"@id":"/sessions/891176", "@type":"Session", "session":891176,
//! "timestamp":"2020-05-07T14:34:59+00:00", "asn4":"3356", "asn6":null,
//! "client4":"4.30.179.0/24", "client6":null, "country":"usa", "nat4":true,
//! "nat6":null, "privatespoof":"blocked", "privatespoof6":null,
//! "routedspoof":"blocked", "routedspoof6":null}` (manrs-spec §4); the four
//! spoof fields take `received` (a spoofed packet got through: no source
//! address validation), `blocked`, `rewritten` (a NAT rewrote the source)
//! or `unknown`, and every field but `@id` and `session` may be `null`.
//! An unknown spoof value makes the session a diagnostic.
//!
//! A page is parsed as one JSON document (pages are small: the API pages its
//! results), then its sessions are yielded one by one; bad sessions are
//! diagnosed with their index in `hydra:member`.
//!
//! No real Spoofer page is available to the project's tests: the fixture
//! `tests/fixtures/spoofer-sessions.json` is constructed from the documented
//! fields above, not captured from the API.

use std::collections::VecDeque;
use std::fmt;
use std::io::BufRead;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use manrs_input::{Input, InputError, InputStatus};
use manrs_types::{Asn, DiagKind, Diagnostic, Diagnostics, Location, Mode, Prefix, Summary};
use serde::Deserialize;

/// The outcome of one spoofing test of a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SpoofResult {
    /// The spoofed packet arrived: the network does not filter.
    Received,
    /// The spoofed packet was filtered.
    Blocked,
    /// A NAT rewrote the spoofed source address.
    Rewritten,
    /// The test gave no answer.
    Unknown,
}

/// Error returned for a spoof value other than the four documented ones.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown spoof result {0:?} (expected received, blocked, rewritten or unknown)")]
pub struct SpoofResultParseError(String);

impl FromStr for SpoofResult {
    type Err = SpoofResultParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "received" => SpoofResult::Received,
            "blocked" => SpoofResult::Blocked,
            "rewritten" => SpoofResult::Rewritten,
            "unknown" => SpoofResult::Unknown,
            _ => return Err(SpoofResultParseError(s.to_string())),
        })
    }
}

impl fmt::Display for SpoofResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SpoofResult::Received => "received",
            SpoofResult::Blocked => "blocked",
            SpoofResult::Rewritten => "rewritten",
            SpoofResult::Unknown => "unknown",
        })
    }
}

/// One Spoofer measurement session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// The resource id (`/sessions/891176`).
    pub id: String,
    /// The session number.
    pub session: u64,
    /// When the session ran (ISO 8601 as given).
    pub timestamp: Option<String>,
    /// The client's IPv4 origin AS.
    pub asn4: Option<Asn>,
    /// The client's IPv6 origin AS.
    pub asn6: Option<Asn>,
    /// The client's IPv4 prefix (anonymised to a /24).
    pub client4: Option<Prefix>,
    /// The client's IPv6 prefix (anonymised).
    pub client6: Option<Prefix>,
    /// The country as given (the API uses lower-case ISO 3166 alpha-3, `usa`).
    pub country: Option<String>,
    /// Whether the client was behind an IPv4 NAT.
    pub nat4: Option<bool>,
    /// Whether the client was behind an IPv6 NAT.
    pub nat6: Option<bool>,
    /// Spoofing a private (RFC 1918) IPv4 source.
    pub privatespoof: Option<SpoofResult>,
    /// Spoofing a private / unrouted IPv6 source.
    pub privatespoof6: Option<SpoofResult>,
    /// Spoofing a routed IPv4 source.
    pub routedspoof: Option<SpoofResult>,
    /// Spoofing a routed IPv6 source.
    pub routedspoof6: Option<SpoofResult>,
}

impl Session {
    /// Whether any test of the session got a spoofed packet through
    /// (the anti-spoofing metric M5 of manrs-spec counts these).
    pub fn spoofable(&self) -> bool {
        [self.privatespoof, self.privatespoof6, self.routedspoof, self.routedspoof6]
            .contains(&Some(SpoofResult::Received))
    }
}

#[derive(Deserialize)]
struct RawSession {
    #[serde(rename = "@id")]
    id: String,
    session: u64,
    timestamp: Option<String>,
    asn4: Option<Asn>,
    asn6: Option<Asn>,
    client4: Option<Prefix>,
    client6: Option<Prefix>,
    country: Option<String>,
    nat4: Option<bool>,
    nat6: Option<bool>,
    privatespoof: Option<String>,
    privatespoof6: Option<String>,
    routedspoof: Option<String>,
    routedspoof6: Option<String>,
}

#[derive(Deserialize)]
struct View {
    #[serde(rename = "hydra:next")]
    next: Option<String>,
}

#[derive(Deserialize)]
struct Page {
    #[serde(rename = "hydra:member")]
    members: Vec<serde_json::Value>,
    #[serde(rename = "hydra:totalItems")]
    total_items: Option<u64>,
    #[serde(rename = "hydra:view")]
    view: Option<View>,
}

fn session(v: serde_json::Value) -> Result<Session, String> {
    let r: RawSession = serde_json::from_value(v).map_err(|e| e.to_string())?;
    let spoof = |name: &str, s: Option<String>| -> Result<Option<SpoofResult>, String> {
        s.map(|s| s.parse().map_err(|e: SpoofResultParseError| format!("{name}: {e}"))).transpose()
    };
    Ok(Session {
        privatespoof: spoof("privatespoof", r.privatespoof)?,
        privatespoof6: spoof("privatespoof6", r.privatespoof6)?,
        routedspoof: spoof("routedspoof", r.routedspoof)?,
        routedspoof6: spoof("routedspoof6", r.routedspoof6)?,
        id: r.id,
        session: r.session,
        timestamp: r.timestamp,
        asn4: r.asn4,
        asn6: r.asn6,
        client4: r.client4,
        client6: r.client6,
        country: r.country,
        nat4: r.nat4,
        nat6: r.nat6,
    })
}

/// Reader of one Spoofer sessions page.
pub struct SpooferReader {
    input: Option<Box<dyn BufRead + Send>>,
    name: Arc<str>,
    status: InputStatus,
    mode: Mode,
    diags: Diagnostics,
    members: VecDeque<serde_json::Value>,
    index: u64,
    total_items: Option<u64>,
    next_page: Option<String>,
    sessions: u64,
    done: bool,
}

impl SpooferReader {
    /// Reads from an opened input.
    pub fn new(input: Input, mode: Mode) -> Self {
        let (reader, name, status) = input.into_parts();
        SpooferReader {
            input: Some(reader),
            name,
            status,
            mode,
            diags: Diagnostics::default(),
            members: VecDeque::new(),
            index: 0,
            total_items: None,
            next_page: None,
            sessions: 0,
            done: false,
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

    /// Members of `hydra:member` seen so far (good and bad).
    pub fn members(&self) -> u64 {
        self.index
    }

    /// Sessions yielded so far.
    pub fn sessions(&self) -> u64 {
        self.sessions
    }

    /// `hydra:totalItems` (the size of the whole collection, not the page),
    /// once the page is read.
    pub fn total_items(&self) -> Option<u64> {
        self.total_items
    }

    /// The `hydra:next` link of the page, once read.
    pub fn next_page(&self) -> Option<&str> {
        self.next_page.as_deref()
    }

    fn report(&mut self, d: Diagnostic) -> Option<Result<Session, Diagnostic>> {
        let e = self.diags.report(self.mode, d)?;
        self.done = true;
        Some(Err(e))
    }

    /// Parses the page; `Some` is an error to yield.
    fn load(&mut self, reader: Box<dyn BufRead + Send>) -> Option<Result<Session, Diagnostic>> {
        match serde_json::from_reader::<_, Page>(reader) {
            Ok(p) => {
                self.members = p.members.into();
                self.total_items = p.total_items;
                self.next_page = p.view.and_then(|v| v.next);
                None
            }
            Err(e) => {
                self.done = true;
                let d = self.status.diagnostic(&self.name).unwrap_or_else(|| {
                    let kind = if e.is_io() { DiagKind::Io } else { DiagKind::Malformed };
                    let loc =
                        if e.line() > 0 { Location::Line(e.line() as u64) } else { Location::File };
                    Diagnostic::new(
                        &self.name,
                        loc,
                        kind,
                        format!("not a Spoofer sessions page: {e}"),
                    )
                });
                self.diags.report(self.mode, d).map(Err)
            }
        }
    }
}

impl Iterator for SpooferReader {
    type Item = Result<Session, Diagnostic>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(reader) = self.input.take()
            && let Some(r) = self.load(reader)
        {
            return Some(r);
        }
        while !self.done {
            let Some(v) = self.members.pop_front() else {
                self.done = true;
                let d = self.status.diagnostic(&self.name)?;
                return self.diags.report(self.mode, d).map(Err);
            };
            let i = self.index;
            self.index += 1;
            let label = v
                .get("@id")
                .and_then(|x| x.as_str())
                .map(|s| format!(" ({s})"))
                .unwrap_or_default();
            match session(v) {
                Ok(s) => {
                    self.sessions += 1;
                    return Some(Ok(s));
                }
                Err(m) => {
                    let d = Diagnostic::new(
                        &self.name,
                        Location::File,
                        DiagKind::Malformed,
                        format!("hydra:member[{i}]{label}: {m}"),
                    );
                    if let Some(r) = self.report(d) {
                        return Some(r);
                    }
                }
            }
        }
        None
    }
}

impl std::iter::FusedIterator for SpooferReader {}

/// Detects a Spoofer sessions page: a JSON object whose first bytes mention
/// `hydra:member` or `hydra:totalItems` and a `/sessions` id or a
/// `Session` type.
pub fn detect(head: &[u8]) -> bool {
    if !head.trim_ascii_start().starts_with(b"{") {
        return false;
    }
    let has = |needle: &[u8]| head.windows(needle.len()).any(|w| w == needle);
    (has(b"\"hydra:member\"") || has(b"\"hydra:totalItems\""))
        && (has(b"/sessions") || has(b"\"Session\""))
}

/// Streams a page into a [`Summary`].
pub(crate) fn inspect(input: Input, mode: Mode, format: &str) -> Result<Summary, Diagnostic> {
    let mut r = SpooferReader::new(input, mode);
    let mut s = Summary::new(format);
    let mut spoofable = 0;
    for item in r.by_ref() {
        spoofable += u64::from(item?.spoofable());
        s.elements += 1;
    }
    s.records = r.members();
    s.counts.insert("sessions".into(), r.sessions());
    s.counts.insert("spoofable".into(), spoofable);
    if let Some(t) = r.total_items() {
        s.counts.insert("total-items".into(), t);
    }
    s.diagnostics = r.diagnostics().clone();
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(text: &str, mode: Mode) -> SpooferReader {
        SpooferReader::new(
            Input::from_reader("p.json", std::io::Cursor::new(text.as_bytes().to_vec())).unwrap(),
            mode,
        )
    }

    const PAGE: &str = r#"{"@context":"/contexts/Session","@id":"/sessions","hydra:member":[
{"@id":"/sessions/1","@type":"Session","asn4":"3356","asn6":null,"client4":"4.30.179.0/24","client6":null,"country":"usa","nat4":true,"nat6":null,"privatespoof":"blocked","privatespoof6":null,"routedspoof":"received","routedspoof6":null,"session":1,"timestamp":"2020-05-07T14:34:59+00:00"},
{"@id":"/sessions/2","session":2,"routedspoof":"maybe"},
{"@id":"/sessions/3","session":3,"client4":"10.0.0.1/24"},
{"session":4}
],"hydra:totalItems":4,"hydra:view":{"@id":"/sessions?page=1","hydra:next":"/sessions?page=2"}}"#;

    #[test]
    fn page_with_bad_members() {
        let mut r = reader(PAGE, Mode::Lenient);
        let s: Vec<Session> = r.by_ref().map(Result::unwrap).collect();
        assert_eq!(s.len(), 1);
        assert_eq!(
            (s[0].asn4, s[0].nat4, s[0].routedspoof),
            (Some(Asn(3356)), Some(true), Some(SpoofResult::Received))
        );
        assert!(s[0].spoofable());
        assert_eq!(s[0].client4.unwrap().to_string(), "4.30.179.0/24");
        let m: Vec<String> = r.diagnostics().kept().iter().map(|d| d.message.clone()).collect();
        assert_eq!(m.len(), 3);
        assert!(
            m[0].starts_with(
                "hydra:member[1] (/sessions/2): routedspoof: unknown spoof result \"maybe\""
            ),
            "{}",
            m[0]
        );
        assert!(m[1].starts_with("hydra:member[2] (/sessions/3): "), "{}", m[1]);
        assert!(m[2].starts_with("hydra:member[3]: missing field `@id`"), "{}", m[2]);
        assert_eq!(
            (r.total_items(), r.next_page(), r.members()),
            (Some(4), Some("/sessions?page=2"), 4)
        );
    }

    #[test]
    fn strict_and_not_a_page() {
        let mut r = reader(PAGE, Mode::Strict);
        assert!(r.next().unwrap().is_ok());
        assert!(r.next().unwrap().is_err());
        assert!(r.next().is_none());
        let mut r = reader(r#"{"data":[]}"#, Mode::Lenient);
        assert!(r.next().is_none());
        assert_eq!(r.diagnostics().total(), 1);
        let mut r = reader(r#"{"hydra:member":[{"@id":"x","session":1}"#, Mode::Strict);
        assert!(r.next().unwrap().unwrap_err().message.contains("EOF"));
    }

    #[test]
    fn detection() {
        assert!(detect(PAGE.as_bytes()));
        assert!(!detect(br#"{"data":[{"id":1}],"meta":{}}"#));
        assert!(!detect(br#"{"1": "LVLT-1"}"#));
    }
}
