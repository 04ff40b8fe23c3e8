//! CAIDA AS relationships and AS-to-organisation datasets.
//!
//! Format documentation:
//!
//! * AS Relationships, <https://www.caida.org/catalog/datasets/as-relationships/>
//!   and the README shipped with the files
//!   (<https://publicdata.caida.org/datasets/as-relationships/serial-1/README.txt>,
//!   `…/serial-2/README.txt`). Serial-1 lines are `<as1>|<as2>|<rel>`,
//!   serial-2 lines `<as1>|<as2>|<rel>|<source>`, where `rel` −1 means `as1`
//!   is a provider of `as2` and 0 means the two are peers; `source` names the
//!   inference sources (`bgp`, `mlp` = multilateral peering, comma
//!   separated). `#` lines are comments; `# input clique: …` lists the
//!   inferred Tier-1 clique, which [`AsRelReader::clique`] keeps.
//! * AS Organizations, <https://www.caida.org/catalog/datasets/as-organizations/>
//!   (README <https://publicdata.caida.org/datasets/as-organizations/README.txt>).
//!   The JSON Lines files (`*.as-org2info.jsonl`) hold one object per line,
//!   `{"type":"Organization","organizationId",…,"name","country","changed","source"}`
//!   or `{"type":"ASN","asn":"1","organizationId",…,"name","opaqueId","changed","source"}`
//!   (`asn` is a string; all fields except `type`, `organizationId` and
//!   `asn` may be missing). The older text files (`*.as-org2info.txt`) have
//!   two `|`-separated sections, each introduced by a header line such as
//!   `# format:aut|changed|aut_name|org_id|opaque_id|source` and
//!   `# format:org_id|changed|org_name|country|source`; the columns are taken
//!   from those header lines, so older files without `opaque_id` read too.
//!   [`As2OrgReader`] reads both forms.
//!
//! CAIDA data is covered by the CAIDA Acceptable Use Agreement; the project
//! never ships it, tests read it from `../shared/data`.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use manrs_input::{Input, InputError};
use manrs_types::{Asn, Country, Diagnostic, Diagnostics, Mode, Summary};
use serde::Deserialize;

use crate::common::{Date, LineParser, LineReader, Problem, head_lines};

/// The relationship of a link.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Relationship {
    /// `-1`: the first AS is a provider of the second.
    ProviderToCustomer,
    /// `0`: the two ASes are peers.
    PeerToPeer,
}

/// One AS relationship line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AsRelationship {
    /// The first AS (the provider for [`Relationship::ProviderToCustomer`]).
    pub a: Asn,
    /// The second AS (the customer for [`Relationship::ProviderToCustomer`]).
    pub b: Asn,
    /// The relationship.
    pub rel: Relationship,
    /// Serial-2 only: the inference sources as written (`bgp`, `mlp`, `bgp,mlp`).
    pub source: Option<String>,
}

impl AsRelationship {
    /// The individual inference sources (empty for serial-1).
    pub fn sources(&self) -> impl Iterator<Item = &str> {
        self.source.as_deref().unwrap_or("").split(',').filter(|s| !s.is_empty())
    }
}

/// What an [`AsRelReader`] has counted so far.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AsRelCounts {
    /// Provider-to-customer links.
    pub p2c: u64,
    /// Peer-to-peer links.
    pub p2p: u64,
    /// Serial-1 lines (three fields).
    pub serial1: u64,
    /// Serial-2 lines (four fields).
    pub serial2: u64,
    /// Comment lines.
    pub comments: u64,
}

#[derive(Default)]
struct RelParser {
    counts: AsRelCounts,
    clique: Vec<Asn>,
}

fn asn(s: &str) -> Result<Asn, Problem> {
    s.parse().map_err(|e| Problem::malformed(format!("{e}")))
}

impl LineParser for RelParser {
    type Item = AsRelationship;

    fn line(&mut self, _no: u64, line: &str) -> Result<Option<AsRelationship>, Problem> {
        if let Some(c) = line.strip_prefix('#') {
            self.counts.comments += 1;
            if let Some(list) = c.trim_start().strip_prefix("input clique:") {
                self.clique = list.split_whitespace().map(asn).collect::<Result<_, _>>()?;
            }
            return Ok(None);
        }
        if line.trim().is_empty() {
            return Ok(None);
        }
        let f: Vec<&str> = line.split('|').collect();
        if !(3..=4).contains(&f.len()) {
            return Err(Problem::malformed(format!(
                "expected 3 or 4 '|'-separated fields, found {}",
                f.len()
            )));
        }
        let (a, b) = (asn(f[0])?, asn(f[1])?);
        let rel = match f[2] {
            "-1" => Relationship::ProviderToCustomer,
            "0" => Relationship::PeerToPeer,
            other => {
                return Err(if other.parse::<i32>().is_ok() {
                    Problem::unsupported(format!(
                        "relationship code {other} is not -1 (p2c) or 0 (p2p)"
                    ))
                } else {
                    Problem::malformed(format!("relationship {other:?} is not a number"))
                });
            }
        };
        let source = match f.get(3) {
            Some(&"") => return Err(Problem::malformed("empty source field")),
            Some(s) => {
                self.counts.serial2 += 1;
                Some(s.to_string())
            }
            None => {
                self.counts.serial1 += 1;
                None
            }
        };
        match rel {
            Relationship::ProviderToCustomer => self.counts.p2c += 1,
            Relationship::PeerToPeer => self.counts.p2p += 1,
        }
        Ok(Some(AsRelationship { a, b, rel, source }))
    }

    fn finish(&mut self, _file: &Arc<str>) -> Vec<Diagnostic> {
        Vec::new()
    }
}

/// Streaming reader of a CAIDA AS relationships file (serial-1 or serial-2).
pub struct AsRelReader {
    inner: LineReader<RelParser>,
}

impl AsRelReader {
    /// Reads from an opened input.
    pub fn new(input: Input, mode: Mode) -> Self {
        AsRelReader { inner: LineReader::new(input, mode, RelParser::default()) }
    }

    /// Opens a file (plain, gzip or bzip2).
    pub fn open(path: impl AsRef<Path>, mode: Mode) -> Result<Self, InputError> {
        Ok(Self::new(Input::open(path)?, mode))
    }

    /// The diagnostics so far.
    pub fn diagnostics(&self) -> &Diagnostics {
        self.inner.diagnostics()
    }

    /// Counts so far.
    pub fn counts(&self) -> &AsRelCounts {
        &self.inner.parser.counts
    }

    /// The `# input clique:` ASes, once read.
    pub fn clique(&self) -> &[Asn] {
        &self.inner.parser.clique
    }
}

impl Iterator for AsRelReader {
    type Item = Result<AsRelationship, Diagnostic>;
    fn next(&mut self) -> Option<Self::Item> {
        self.inner.next()
    }
}

impl std::iter::FusedIterator for AsRelReader {}

/// Detects AS relationships: the first line that is not a `#` comment is
/// `asn|asn|rel` (serial-1, `Some(1)`) or `asn|asn|rel|source` (serial-2,
/// `Some(2)`).
pub fn detect_as_rel(head: &[u8]) -> Option<u8> {
    let lines = head_lines(head)?;
    let first = lines.iter().find(|l| !l.starts_with('#') && !l.trim().is_empty())?;
    let f: Vec<&str> = first.split('|').collect();
    let num = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let ok = f.len() >= 3 && num(f[0]) && num(f[1]) && matches!(f[2], "-1" | "0");
    match f.len() {
        3 if ok => Some(1),
        4 if ok
            && !f[3].is_empty()
            && f[3].bytes().all(|b| b.is_ascii_lowercase() || b == b',') =>
        {
            Some(2)
        }
        _ => None,
    }
}

/// A CAIDA organisation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Organization {
    /// The organisation id (`LPL-141-ARIN`, `@aut-1299-RIPE`).
    pub id: String,
    /// The name.
    pub name: Option<String>,
    /// The country as written (usually ISO 3166 alpha-2; see [`Organization::country_code`]).
    pub country: Option<String>,
    /// When the registry record last changed.
    pub changed: Option<Date>,
    /// The registry the record comes from (`ARIN`, `RIPE`, …).
    pub source: Option<String>,
}

impl Organization {
    /// The country as a two-letter code, when it is one (a few records hold
    /// a country name instead).
    pub fn country_code(&self) -> Option<Country> {
        self.country.as_deref()?.parse().ok()
    }
}

/// The organisation an ASN belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AsnOrg {
    /// The AS number.
    pub asn: Asn,
    /// The organisation id (joins [`Organization::id`]).
    pub org_id: String,
    /// The AS name (`aut_name`).
    pub name: Option<String>,
    /// The opaque id of the registry record.
    pub opaque_id: Option<String>,
    /// When the registry record last changed.
    pub changed: Option<Date>,
    /// The registry the record comes from.
    pub source: Option<String>,
}

/// One AS-to-organisation entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum As2OrgEntry {
    /// An organisation.
    Organization(Organization),
    /// An ASN and its organisation.
    Asn(AsnOrg),
}

/// What an [`As2OrgReader`] has counted so far.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct As2OrgCounts {
    /// Organisation entries.
    pub organizations: u64,
    /// ASN entries.
    pub asns: u64,
    /// JSON lines read.
    pub json_lines: u64,
    /// Text data lines read.
    pub text_lines: u64,
}

/// The JSON Lines record, every field optional so that problems get precise
/// messages.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct JsonRow {
    #[serde(rename = "type")]
    kind: Option<String>,
    organization_id: Option<String>,
    asn: Option<serde_json::Value>,
    name: Option<String>,
    country: Option<String>,
    changed: Option<String>,
    source: Option<String>,
    opaque_id: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    Asn,
    Org,
}

#[derive(Default)]
struct OrgParser {
    counts: As2OrgCounts,
    /// The current text section and its column positions.
    section: Option<(Section, HashMap<String, usize>)>,
}

fn opt(s: Option<&str>) -> Option<String> {
    s.filter(|s| !s.is_empty()).map(str::to_string)
}

fn changed(s: Option<&str>) -> Result<Option<Date>, Problem> {
    match s {
        None | Some("") => Ok(None),
        Some(s) => s.parse().map(Some).map_err(|e| Problem::malformed(format!("changed: {e}"))),
    }
}

impl OrgParser {
    fn json(&mut self, line: &str) -> Result<Option<As2OrgEntry>, Problem> {
        self.counts.json_lines += 1;
        let row: JsonRow =
            serde_json::from_str(line).map_err(|e| Problem::malformed(format!("bad JSON: {e}")))?;
        let id = opt(row.organization_id.as_deref())
            .ok_or_else(|| Problem::malformed("no organizationId"))?;
        match row.kind.as_deref() {
            Some("Organization") => {
                self.counts.organizations += 1;
                Ok(Some(As2OrgEntry::Organization(Organization {
                    id,
                    name: row.name,
                    country: opt(row.country.as_deref()),
                    changed: changed(row.changed.as_deref())?,
                    source: row.source,
                })))
            }
            Some("ASN") => {
                let asn = match row.asn {
                    Some(serde_json::Value::String(s)) => {
                        s.parse().map_err(|e| Problem::malformed(format!("{e}")))?
                    }
                    Some(serde_json::Value::Number(n)) => n
                        .as_u64()
                        .and_then(|n| u32::try_from(n).ok())
                        .map(Asn)
                        .ok_or_else(|| Problem::malformed(format!("asn {n} out of range")))?,
                    _ => return Err(Problem::malformed("ASN entry without an asn")),
                };
                self.counts.asns += 1;
                Ok(Some(As2OrgEntry::Asn(AsnOrg {
                    asn,
                    org_id: id,
                    name: row.name,
                    opaque_id: opt(row.opaque_id.as_deref()),
                    changed: changed(row.changed.as_deref())?,
                    source: row.source,
                })))
            }
            Some(other) => Err(Problem::unsupported(format!("entry type {other:?}"))),
            None => Err(Problem::malformed("no \"type\"")),
        }
    }

    fn format_line(&mut self, spec: &str) -> Result<Option<As2OrgEntry>, Problem> {
        let cols: HashMap<String, usize> =
            spec.split('|').enumerate().map(|(i, c)| (c.trim().to_string(), i)).collect();
        let section = if cols.contains_key("aut") {
            Section::Asn
        } else if cols.contains_key("org_id") {
            Section::Org
        } else {
            return Err(Problem::unsupported(format!(
                "format line without aut or org_id column: {spec:?}"
            )));
        };
        self.section = Some((section, cols));
        Ok(None)
    }

    fn text(&mut self, line: &str) -> Result<Option<As2OrgEntry>, Problem> {
        let Some((section, cols)) = &self.section else {
            return Err(Problem::malformed("data line before any '# format:' line"));
        };
        self.counts.text_lines += 1;
        let f: Vec<&str> = line.split('|').collect();
        if f.len() != cols.len() {
            return Err(Problem::malformed(format!(
                "{} fields, the format line has {}",
                f.len(),
                cols.len()
            )));
        }
        let get = |k: &str| cols.get(k).map(|&i| f[i]);
        match section {
            Section::Asn => {
                let asn = asn(get("aut").unwrap_or(""))?;
                let org_id =
                    opt(get("org_id")).ok_or_else(|| Problem::malformed("empty org_id"))?;
                self.counts.asns += 1;
                Ok(Some(As2OrgEntry::Asn(AsnOrg {
                    asn,
                    org_id,
                    name: opt(get("aut_name")),
                    opaque_id: opt(get("opaque_id")),
                    changed: changed(get("changed"))?,
                    source: opt(get("source")),
                })))
            }
            Section::Org => {
                let id = opt(get("org_id")).ok_or_else(|| Problem::malformed("empty org_id"))?;
                self.counts.organizations += 1;
                Ok(Some(As2OrgEntry::Organization(Organization {
                    id,
                    name: opt(get("org_name")),
                    country: opt(get("country")),
                    changed: changed(get("changed"))?,
                    source: opt(get("source")),
                })))
            }
        }
    }
}

impl LineParser for OrgParser {
    type Item = As2OrgEntry;

    fn line(&mut self, _no: u64, line: &str) -> Result<Option<As2OrgEntry>, Problem> {
        if let Some(c) = line.strip_prefix('#') {
            return match c.trim_start().strip_prefix("format:") {
                Some(spec) => self.format_line(spec.trim()),
                None => Ok(None),
            };
        }
        if line.trim().is_empty() {
            return Ok(None);
        }
        if line.trim_start().starts_with('{') { self.json(line) } else { self.text(line) }
    }

    fn finish(&mut self, _file: &Arc<str>) -> Vec<Diagnostic> {
        Vec::new()
    }
}

/// Streaming reader of a CAIDA AS-to-organisation file (JSON Lines or the
/// older text form).
pub struct As2OrgReader {
    inner: LineReader<OrgParser>,
}

impl As2OrgReader {
    /// Reads from an opened input.
    pub fn new(input: Input, mode: Mode) -> Self {
        As2OrgReader { inner: LineReader::new(input, mode, OrgParser::default()) }
    }

    /// Opens a file (plain, gzip or bzip2).
    pub fn open(path: impl AsRef<Path>, mode: Mode) -> Result<Self, InputError> {
        Ok(Self::new(Input::open(path)?, mode))
    }

    /// The diagnostics so far.
    pub fn diagnostics(&self) -> &Diagnostics {
        self.inner.diagnostics()
    }

    /// Counts so far.
    pub fn counts(&self) -> &As2OrgCounts {
        &self.inner.parser.counts
    }
}

impl Iterator for As2OrgReader {
    type Item = Result<As2OrgEntry, Diagnostic>;
    fn next(&mut self) -> Option<Self::Item> {
        self.inner.next()
    }
}

impl std::iter::FusedIterator for As2OrgReader {}

/// Detects the JSON Lines form: the first line is a JSON object with a
/// `type` of `Organization` or `ASN` and an `organizationId`.
pub fn detect_as2org_jsonl(head: &[u8]) -> bool {
    let Some(lines) = head_lines(head) else { return false };
    let Some(first) = lines.first() else { return false };
    match serde_json::from_str::<serde_json::Value>(first) {
        Ok(v) => {
            matches!(v.get("type").and_then(|t| t.as_str()), Some("Organization" | "ASN"))
                && v.get("organizationId").is_some()
        }
        Err(_) => false,
    }
}

/// Detects the text form: a `# format:aut|…` or `# format:org_id|…` line
/// among the leading comment lines.
pub fn detect_as2org_text(head: &[u8]) -> bool {
    let Some(lines) = head_lines(head) else { return false };
    lines.iter().take_while(|l| l.starts_with('#')).any(|l| {
        let l = l.trim_start_matches('#').trim_start();
        l.starts_with("format:aut|") || l.starts_with("format:org_id|")
    })
}

/// Streams an AS relationships file into a [`Summary`].
pub(crate) fn inspect_as_rel(
    input: Input,
    mode: Mode,
    format: &str,
) -> Result<Summary, Diagnostic> {
    let mut r = AsRelReader::new(input, mode);
    let mut elements = 0;
    for item in r.by_ref() {
        item?;
        elements += 1;
    }
    let c = r.counts().clone();
    let mut s = Summary::new(format);
    s.records = c.serial1 + c.serial2;
    s.elements = elements;
    s.counts.insert("p2c".into(), c.p2c);
    s.counts.insert("p2p".into(), c.p2p);
    s.counts.insert("clique".into(), r.clique().len() as u64);
    s.diagnostics = r.diagnostics().clone();
    Ok(s)
}

/// Streams an AS-to-organisation file into a [`Summary`].
pub(crate) fn inspect_as2org(
    input: Input,
    mode: Mode,
    format: &str,
) -> Result<Summary, Diagnostic> {
    let mut r = As2OrgReader::new(input, mode);
    let mut elements = 0;
    for item in r.by_ref() {
        item?;
        elements += 1;
    }
    let c = r.counts().clone();
    let mut s = Summary::new(format);
    s.records = c.json_lines + c.text_lines;
    s.elements = elements;
    s.counts.insert("organizations".into(), c.organizations);
    s.counts.insert("asns".into(), c.asns);
    s.diagnostics = r.diagnostics().clone();
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use manrs_types::{DiagKind, Location};

    fn input(text: &str) -> Input {
        Input::from_reader("t", std::io::Cursor::new(text.as_bytes().to_vec())).unwrap()
    }

    #[test]
    fn as_rel_serial1_and_2() {
        let text = "# input clique: 174 209 3356\n# source:topology|BGP|20240801|ripe|rrc00\n\
1|2|-1\n3|4|0|bgp,mlp\n5|x|0\n6|7|2\n8|9\n10|11|0|\n";
        let mut r = AsRelReader::new(input(text), Mode::Lenient);
        let links: Vec<AsRelationship> = r.by_ref().map(Result::unwrap).collect();
        assert_eq!(links.len(), 2);
        assert_eq!(
            links[0],
            AsRelationship {
                a: Asn(1),
                b: Asn(2),
                rel: Relationship::ProviderToCustomer,
                source: None
            }
        );
        assert_eq!(links[1].sources().collect::<Vec<_>>(), vec!["bgp", "mlp"]);
        assert_eq!(r.clique(), &[Asn(174), Asn(209), Asn(3356)]);
        let d: Vec<(Location, DiagKind)> =
            r.diagnostics().kept().iter().map(|d| (d.location, d.kind)).collect();
        assert_eq!(
            d,
            vec![
                (Location::Line(5), DiagKind::Malformed),
                (Location::Line(6), DiagKind::Unsupported),
                (Location::Line(7), DiagKind::Malformed),
                (Location::Line(8), DiagKind::Malformed),
            ]
        );
        let c = r.counts();
        assert_eq!((c.p2c, c.p2p, c.serial1, c.serial2, c.comments), (1, 1, 1, 1, 2));
    }

    #[test]
    fn as_rel_strict() {
        let mut r = AsRelReader::new(input("1|2|-1\n1|2|z\n3|4|0\n"), Mode::Strict);
        assert!(r.next().unwrap().is_ok());
        assert_eq!(r.next().unwrap().unwrap_err().location, Location::Line(2));
        assert!(r.next().is_none());
    }

    #[test]
    fn as2org_jsonl() {
        let text = r#"{"changed":"20170128","country":"US","name":"O1.com","organizationId":"01CO-ARIN","source":"ARIN","type":"Organization"}
{"asn":"1","changed":"20180220","name":"LVLT-1","opaqueId":"e5e3_ARIN","organizationId":"LPL-141-ARIN","source":"ARIN","type":"ASN"}
{"asn":"1","organizationId":"X","type":"Whatever"}
{"asn":"nope","organizationId":"X","type":"ASN"}
not json
{"country":"Sweden","organizationId":"@aut-1299-RIPE","type":"Organization"}
"#;
        let mut r = As2OrgReader::new(input(text), Mode::Lenient);
        let all: Vec<As2OrgEntry> = r.by_ref().map(Result::unwrap).collect();
        assert_eq!(all.len(), 3);
        let As2OrgEntry::Organization(o) = &all[0] else { panic!() };
        assert_eq!((o.id.as_str(), o.country_code().unwrap().as_str()), ("01CO-ARIN", "US"));
        let As2OrgEntry::Asn(a) = &all[1] else { panic!() };
        assert_eq!(
            (a.asn, a.org_id.as_str(), a.opaque_id.as_deref()),
            (Asn(1), "LPL-141-ARIN", Some("e5e3_ARIN"))
        );
        assert_eq!(a.changed, Some(Date { year: 2018, month: 2, day: Some(20) }));
        let As2OrgEntry::Organization(o) = &all[2] else { panic!() };
        assert_eq!((o.country.as_deref(), o.country_code()), (Some("Sweden"), None));
        let d: Vec<(Location, DiagKind)> =
            r.diagnostics().kept().iter().map(|d| (d.location, d.kind)).collect();
        assert_eq!(
            d,
            vec![
                (Location::Line(3), DiagKind::Unsupported),
                (Location::Line(4), DiagKind::Malformed),
                (Location::Line(5), DiagKind::Malformed),
            ]
        );
        assert_eq!((r.counts().organizations, r.counts().asns), (2, 1));
    }

    #[test]
    fn as2org_text_by_format_lines() {
        let text = "# name: AS Org\n\
# format:aut|changed|aut_name|org_id|opaque_id|source\n\
1|20180220|LVLT-1|LPL-141-ARIN|e5e3_ARIN|ARIN\n\
2|20120621|UDEL-DCN|UNIVER-19-ARIN|ARIN\n\
# format:org_id|changed|org_name|country|source\n\
LPL-141-ARIN|20171130|Level 3 Parent, LLC|US|ARIN\n";
        let mut r = As2OrgReader::new(input(text), Mode::Lenient);
        let all: Vec<As2OrgEntry> = r.by_ref().map(Result::unwrap).collect();
        assert_eq!(all.len(), 2);
        let As2OrgEntry::Asn(a) = &all[0] else { panic!() };
        assert_eq!((a.asn, a.name.as_deref()), (Asn(1), Some("LVLT-1")));
        let As2OrgEntry::Organization(o) = &all[1] else { panic!() };
        assert_eq!(
            (o.name.as_deref(), o.country.as_deref()),
            (Some("Level 3 Parent, LLC"), Some("US"))
        );
        assert_eq!(r.diagnostics().kept()[0].location, Location::Line(4));
        assert!(detect_as2org_text(text.as_bytes()));
        let mut r = As2OrgReader::new(input("1|x|y|z|w\n"), Mode::Strict);
        assert!(r.next().unwrap().unwrap_err().message.contains("before any '# format:'"));
    }

    #[test]
    fn detection() {
        assert_eq!(detect_as_rel(b"# input clique: 1 2\n1|2|-1\n"), Some(1));
        assert_eq!(detect_as_rel(b"# source:topology|BGP\n1|2|0|bgp,mlp\n"), Some(2));
        assert_eq!(detect_as_rel(b"# comment\nas-set: AS-X\n"), None);
        assert_eq!(detect_as_rel(b"afrinic|ZA|asn|1228|1|19910301|allocated\n"), None);
        assert!(detect_as2org_jsonl(br#"{"organizationId":"X","type":"ASN","asn":"1"}"#));
        assert!(!detect_as2org_jsonl(br#"{"data":[{"id":1}]}"#));
        assert!(!detect_as2org_text(b"# RIPE dump\nas-set: X\n"));
    }
}
