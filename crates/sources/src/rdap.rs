//! RDAP autnum responses (RFC 9083 §5.5; the query `/autnum/<n>` of
//! RFC 9082 §3.1.2), one response per line (JSON Lines): the way to read
//! the AS contacts of registries that publish no RPSL `aut-num` contacts,
//! ARIN and LACNIC in particular (MANRS Action 3, metric M8).
//!
//! A file is what a loop over `https://rdap.arin.net/registry/autnum/<n>`
//! (or any registry's RDAP base) writes with one compact response per line
//! (`jq -c .` makes one of a pretty-printed response). Each line becomes an
//! [`AutnumRecord`]: the AS number range (`startAutnum`..`endAutnum`), the
//! registry (from `port43`, e.g. `whois.arin.net` gives `ARIN`) and the
//! contacts: every entity, nested ones included (ARIN lists the POCs of the
//! holding organisation inside its `registrant` entity), with its `handle`
//! and each of its RFC 9083 §10.2.4 roles. Names, addresses and e-mail
//! addresses in `vcardArray` are never read: contacts are personal data,
//! and a handle is enough to show that one exists.
//!
//! Problems are per line: a line that is not JSON, not an `autnum`
//! object, has no valid AS range, or a range longer than
//! [`MAX_RANGE`] AS numbers is a diagnostic naming the line. An RDAP error
//! response (`errorCode`, e.g. 404 for an AS number the registry does not
//! hold) is counted as unsupported, not as malformed data.
//!
//! No real RDAP responses are in the project's shared data; the tests use
//! responses built from the RFC 9083 examples and the documented structure
//! of ARIN's and LACNIC's autnum answers.

use std::sync::Arc;

use manrs_input::Input;
use manrs_types::{Asn, Diagnostic, Diagnostics, Mode, Summary};
use serde_json::Value;

use crate::common::{LineParser, LineReader, Problem, head_lines};

/// The longest AS number range one response may cover.
pub const MAX_RANGE: u32 = 4096;

/// How deep entities are searched (autnum → registrant → its contacts).
const MAX_DEPTH: usize = 4;

/// One contact of an autnum response: an entity's handle and one of its
/// roles.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RdapContact {
    /// The RFC 9083 role (`technical`, `administrative`, `noc`, `abuse`,
    /// `registrant`...), lower case.
    pub role: String,
    /// The entity's handle (`NOC3356-ARIN`); `None` when the server gave
    /// none.
    pub handle: Option<String>,
}

/// One autnum response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AutnumRecord {
    /// The object's handle (`AS3356`).
    pub handle: Option<String>,
    /// First AS number of the range.
    pub start: Asn,
    /// Last AS number of the range (equal to `start` for one AS).
    pub end: Asn,
    /// The registry that answered: the upper-cased registry label of
    /// `port43` (`whois.arin.net` → `ARIN`), or `RDAP` without one.
    pub registry: String,
    /// Every entity role found, nested entities included.
    pub contacts: Vec<RdapContact>,
}

impl AutnumRecord {
    /// The AS numbers of the range.
    pub fn asns(&self) -> impl Iterator<Item = Asn> {
        (self.start.0..=self.end.0).map(Asn)
    }
}

/// The registry label of a `port43` host: the label before the top-level
/// domain, upper case (`whois.lacnic.net` → `LACNIC`).
fn registry_of(port43: Option<&str>) -> String {
    let Some(host) = port43.map(str::trim).filter(|h| !h.is_empty()) else {
        return "RDAP".into();
    };
    let labels: Vec<&str> = host.trim_end_matches('.').split('.').collect();
    let label = if labels.len() >= 2 { labels[labels.len() - 2] } else { labels[0] };
    label.to_ascii_uppercase()
}

/// Collects the roles of `entities` and of their nested entities.
fn collect(entities: Option<&Value>, depth: usize, out: &mut Vec<RdapContact>) {
    let Some(list) = entities.and_then(Value::as_array) else { return };
    if depth > MAX_DEPTH {
        return;
    }
    for e in list {
        let handle = e.get("handle").and_then(Value::as_str).map(str::to_string);
        for role in e.get("roles").and_then(Value::as_array).into_iter().flatten() {
            if let Some(role) = role.as_str() {
                let contact =
                    RdapContact { role: role.to_ascii_lowercase(), handle: handle.clone() };
                if !out.contains(&contact) {
                    out.push(contact);
                }
            }
        }
        collect(e.get("entities"), depth + 1, out);
    }
}

/// An AS number member: a JSON number (RFC 9083) or, leniently, a string
/// of digits.
fn asn_of(v: Option<&Value>, name: &str) -> Result<Asn, Problem> {
    let n = match v {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.trim().parse::<u64>().ok(),
        Some(_) => None,
        None => return Err(Problem::malformed(format!("autnum without {name}"))),
    };
    n.and_then(|n| u32::try_from(n).ok()).map(Asn).ok_or_else(|| {
        Problem::malformed(format!("{name} {} is not an AS number", v.unwrap_or(&Value::Null)))
    })
}

/// Parses one response line.
fn parse(line: &str) -> Result<Option<AutnumRecord>, Problem> {
    if line.trim().is_empty() {
        return Ok(None);
    }
    let v: Value = serde_json::from_str(line)
        .map_err(|e| Problem::malformed(format!("not a JSON response: {e}")))?;
    let Some(obj) = v.as_object() else {
        return Err(Problem::malformed("the line is not a JSON object"));
    };
    if let Some(code) = obj.get("errorCode") {
        let title = obj.get("title").and_then(Value::as_str).unwrap_or("");
        return Err(Problem::unsupported(format!("RDAP error response {code} {title}")));
    }
    match obj.get("objectClassName").and_then(Value::as_str) {
        Some("autnum") => {}
        Some(other) => {
            return Err(Problem::unsupported(format!("RDAP {other} object, not autnum")));
        }
        None => return Err(Problem::malformed("no objectClassName: not an RDAP object")),
    }
    let start = asn_of(obj.get("startAutnum"), "startAutnum")?;
    let end = match obj.get("endAutnum") {
        None | Some(Value::Null) => start,
        v => asn_of(v, "endAutnum")?,
    };
    if end.0 < start.0 {
        return Err(Problem::malformed(format!(
            "endAutnum {} is below startAutnum {}",
            end.0, start.0
        )));
    }
    if end.0 - start.0 >= MAX_RANGE {
        return Err(Problem::unsupported(format!(
            "range AS{}-AS{} covers more than {MAX_RANGE} AS numbers; query single AS numbers",
            start.0, end.0
        )));
    }
    let mut contacts = Vec::new();
    collect(obj.get("entities"), 0, &mut contacts);
    Ok(Some(AutnumRecord {
        handle: obj.get("handle").and_then(Value::as_str).map(str::to_string),
        start,
        end,
        registry: registry_of(obj.get("port43").and_then(Value::as_str)),
        contacts,
    }))
}

struct Parser;

impl LineParser for Parser {
    type Item = AutnumRecord;

    fn line(&mut self, _no: u64, line: &str) -> Result<Option<AutnumRecord>, Problem> {
        parse(line)
    }

    fn finish(&mut self, _file: &Arc<str>) -> Vec<Diagnostic> {
        Vec::new()
    }
}

/// Streams the autnum responses of a JSON Lines file.
pub struct RdapReader {
    inner: LineReader<Parser>,
}

impl RdapReader {
    /// Wraps an input.
    pub fn new(input: Input, mode: Mode) -> Self {
        RdapReader { inner: LineReader::new(input, mode, Parser) }
    }

    /// Lines read so far.
    pub fn lines(&self) -> u64 {
        self.inner.lines()
    }

    /// The diagnostics so far.
    pub fn diagnostics(&self) -> &Diagnostics {
        self.inner.diagnostics()
    }
}

impl Iterator for RdapReader {
    type Item = Result<AutnumRecord, Diagnostic>;

    fn next(&mut self) -> Option<Self::Item> {
        self.inner.next()
    }
}

/// Detects RDAP autnum JSON Lines: the first line is a JSON object of
/// class `autnum`.
pub fn detect(head: &[u8]) -> bool {
    let Some(lines) = head_lines(head) else { return false };
    let Some(first) = lines.iter().find(|l| !l.trim().is_empty()) else { return false };
    if !first.trim_start().starts_with('{') || !first.contains("objectClassName") {
        return false;
    }
    serde_json::from_str::<Value>(first)
        .is_ok_and(|v| v.get("objectClassName").and_then(Value::as_str) == Some("autnum"))
}

/// Streams a whole file into a [`Summary`].
pub(crate) fn inspect(input: Input, mode: Mode, format: &str) -> Result<Summary, Diagnostic> {
    let mut r = RdapReader::new(input, mode);
    let mut s = Summary::new(format);
    let (mut asns, mut contacts) = (0, 0);
    for item in r.by_ref() {
        let rec = item?;
        s.elements += 1;
        asns += u64::from(rec.end.0 - rec.start.0) + 1;
        contacts += rec.contacts.len() as u64;
    }
    s.records = r.lines();
    s.counts.insert("asns".into(), asns);
    s.counts.insert("entity-roles".into(), contacts);
    s.diagnostics = r.diagnostics().clone();
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use manrs_types::{DiagKind, Location};

    fn input(text: &str) -> Input {
        Input::from_reader("t.jsonl", std::io::Cursor::new(text.as_bytes().to_vec())).unwrap()
    }

    /// An ARIN-style answer: the AS's own POCs at the top, the holding
    /// organisation's POCs inside the registrant; a LACNIC-style answer
    /// with a range and string AS numbers; then bad lines.
    const TEXT: &str = r#"{"rdapConformance":["rdap_level_0"],"objectClassName":"autnum","handle":"AS64500","startAutnum":64500,"endAutnum":64500,"name":"EXAMPLE","port43":"whois.arin.net","entities":[{"objectClassName":"entity","handle":"EXO-1-ARIN","roles":["registrant"],"vcardArray":["vcard",[["fn",{},"text","Example Org"]]],"entities":[{"objectClassName":"entity","handle":"NOC1-ARIN","roles":["noc","technical"]},{"objectClassName":"entity","handle":"ABUSE1-ARIN","roles":["abuse"]}]},{"objectClassName":"entity","handle":"ABUSE1-ARIN","roles":["abuse"]}]}
{"objectClassName":"autnum","handle":"64510","startAutnum":"64510","endAutnum":"64511","port43":"whois.lacnic.net","entities":[{"handle":"ABC","roles":["Administrative"]}]}

{"objectClassName":"autnum","startAutnum":64520,"port43":"whois.example.net","entities":[{"handle":"X","roles":["abuse"]}]}
{"errorCode":404,"title":"Not Found"}
{"objectClassName":"ip network","handle":"NET-1"}
{"objectClassName":"autnum","startAutnum":64530,"endAutnum":64529}
{"objectClassName":"autnum","startAutnum":1,"endAutnum":100000}
not json
{"objectClassName":"autnum","startAutnum":-1}
"#;

    #[test]
    fn reads_contacts_ranges_and_reports_bad_lines() {
        let mut r = RdapReader::new(input(TEXT), Mode::Lenient);
        let all: Vec<AutnumRecord> = r.by_ref().map(Result::unwrap).collect();
        assert_eq!(all.len(), 3);
        let arin = &all[0];
        assert_eq!(
            (arin.start, arin.end, arin.registry.as_str()),
            (Asn(64500), Asn(64500), "ARIN")
        );
        let roles: Vec<(&str, Option<&str>)> =
            arin.contacts.iter().map(|c| (c.role.as_str(), c.handle.as_deref())).collect();
        assert_eq!(
            roles,
            [
                ("registrant", Some("EXO-1-ARIN")),
                ("noc", Some("NOC1-ARIN")),
                ("technical", Some("NOC1-ARIN")),
                ("abuse", Some("ABUSE1-ARIN")),
            ],
            "nested entities are found, duplicates kept once"
        );
        let lacnic = &all[1];
        assert_eq!(lacnic.registry, "LACNIC");
        assert_eq!(lacnic.asns().collect::<Vec<_>>(), [Asn(64510), Asn(64511)]);
        assert_eq!(lacnic.contacts[0].role, "administrative", "roles are lower-cased");
        assert_eq!((all[2].end, all[2].registry.as_str()), (Asn(64520), "EXAMPLE"));
        let d: Vec<(Location, DiagKind)> =
            r.diagnostics().kept().iter().map(|d| (d.location, d.kind)).collect();
        assert_eq!(
            d,
            [
                (Location::Line(5), DiagKind::Unsupported),
                (Location::Line(6), DiagKind::Unsupported),
                (Location::Line(7), DiagKind::Malformed),
                (Location::Line(8), DiagKind::Unsupported),
                (Location::Line(9), DiagKind::Malformed),
                (Location::Line(10), DiagKind::Malformed),
            ]
        );
        assert_eq!(r.lines(), 10);
    }

    #[test]
    fn strict_mode_stops_at_the_first_problem() {
        let mut r = RdapReader::new(input(TEXT), Mode::Strict);
        assert_eq!(r.by_ref().filter(Result::is_ok).count(), 3);
        let e = RdapReader::new(input(TEXT), Mode::Strict).find_map(Result::err).unwrap();
        assert_eq!(e.location, Location::Line(5));
        assert!(e.to_string().contains("RDAP error response 404"), "{e}");
    }

    #[test]
    fn detection() {
        assert!(detect(TEXT.as_bytes()));
        assert!(detect(b"\n{\"objectClassName\":\"autnum\",\"startAutnum\":1}\n"));
        assert!(!detect(br#"{"objectClassName":"domain","handle":"x"}"#));
        assert!(!detect(br#"{"data":[{"id":1,"asn":1}]}"#));
        assert!(!detect(b"aut-num: AS1\n"));
    }

    #[test]
    fn registries_from_port43() {
        assert_eq!(registry_of(Some("whois.arin.net")), "ARIN");
        assert_eq!(registry_of(Some("whois.lacnic.net.")), "LACNIC");
        assert_eq!(registry_of(Some("localhost")), "LOCALHOST");
        assert_eq!(registry_of(Some(" ")), "RDAP");
        assert_eq!(registry_of(None), "RDAP");
    }
}
