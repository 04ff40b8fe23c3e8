//! RIR / NRO delegated and delegated-extended statistics.
//!
//! Format documentation: the NRO "RIR Statistics Exchange Format"
//! (<https://www.nro.net/wp-content/uploads/nro-extended-stats-readme5.txt>)
//! and the per-RIR READMEs (e.g. APNIC's
//! <https://ftp.apnic.net/stats/apnic/README.TXT>). A file is a sequence of
//! `|`-separated lines:
//!
//! * `#` comments and blank lines;
//! * one version line `version|registry|serial|records|startdate|enddate|UTCoffset`
//!   (`2|afrinic|20260821|19600|00000000|20260821|00000`, `2.3|lacnic|…`);
//! * summary lines `registry|*|type|*|count|summary`, one per resource type;
//! * records `registry|cc|type|start|value|date|status[|opaque-id[|extensions…]]`.
//!
//! The same reader handles IANA's own file in this format
//! (`delegated-iana-latest`), whose status column names the registry a block
//! was delegated to (`arin`, `ripencc`, …, or `ietf` / `iana` for blocks
//! those two hold): see [`Status::Delegated`].
//!
//! Typing rules:
//!
//! * `cc`: an empty field (LACNIC writes it for `available` and `reserved`
//!   records), `*`, and `ZZ` (the code the registries use for "no country",
//!   e.g. AFRINIC's `available` records and every IANA record) all become
//!   `None`; any other value must be two letters.
//! * `date`: empty or `00000000` becomes `None`.
//! * ASN records with `value` > 1 are ranges of consecutive numbers:
//!   [`Record::asns`] expands them (the range is checked against the 32-bit
//!   ASN space when the line is read).
//! * IPv4 `value` is a count of addresses that need not be a power of two:
//!   [`Record::prefixes`] yields the minimal CIDR cover ([`ipv4_cover`]).
//! * IPv6 `value` is a prefix length.
//!
//! At the end the counts announced by the summary lines and the version
//! line are compared with the records actually read; a mismatch is a
//! [`DiagKind::Malformed`] diagnostic at the line that announced the count.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use manrs_input::{Input, InputError};
use manrs_types::{
    Asn, Country, DiagKind, Diagnostic, Diagnostics, Location, Mode, Prefix, Summary,
};

use crate::common::{Date, LineParser, LineReader, Problem, head_lines};

/// A registry named in a delegated statistics file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Registry {
    /// AFRINIC.
    Afrinic,
    /// APNIC.
    Apnic,
    /// ARIN.
    Arin,
    /// LACNIC.
    Lacnic,
    /// RIPE NCC (`ripencc`).
    RipeNcc,
    /// IANA.
    Iana,
    /// The IETF (reserved blocks in IANA's file).
    Ietf,
    /// The NRO (the combined file's version line).
    Nro,
}

/// Error returned for an unknown registry, resource type or status.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {value:?}")]
pub struct UnknownValue {
    what: &'static str,
    value: String,
}

impl Registry {
    /// The name as the files write it (`ripencc`, `afrinic`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Registry::Afrinic => "afrinic",
            Registry::Apnic => "apnic",
            Registry::Arin => "arin",
            Registry::Lacnic => "lacnic",
            Registry::RipeNcc => "ripencc",
            Registry::Iana => "iana",
            Registry::Ietf => "ietf",
            Registry::Nro => "nro",
        }
    }
}

impl FromStr for Registry {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "afrinic" => Registry::Afrinic,
            "apnic" => Registry::Apnic,
            "arin" => Registry::Arin,
            "lacnic" => Registry::Lacnic,
            "ripencc" => Registry::RipeNcc,
            "iana" => Registry::Iana,
            "ietf" => Registry::Ietf,
            "nro" => Registry::Nro,
            _ => return Err(UnknownValue { what: "registry", value: s.to_string() }),
        })
    }
}

impl fmt::Display for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The resource type of a record or summary line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ResourceType {
    /// Autonomous System numbers.
    Asn,
    /// IPv4 addresses.
    Ipv4,
    /// IPv6 addresses.
    Ipv6,
}

impl ResourceType {
    /// The name as the files write it (`asn`, `ipv4`, `ipv6`).
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceType::Asn => "asn",
            ResourceType::Ipv4 => "ipv4",
            ResourceType::Ipv6 => "ipv6",
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    const ALL: [ResourceType; 3] = [ResourceType::Asn, ResourceType::Ipv4, ResourceType::Ipv6];
}

impl FromStr for ResourceType {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "asn" => ResourceType::Asn,
            "ipv4" => ResourceType::Ipv4,
            "ipv6" => ResourceType::Ipv6,
            _ => return Err(UnknownValue { what: "resource type", value: s.to_string() }),
        })
    }
}

impl fmt::Display for ResourceType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The status column of a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    /// Allocated to a LIR / NIR.
    Allocated,
    /// Assigned to an end user.
    Assigned,
    /// Held by the registry, free for delegation.
    Available,
    /// Held by the registry, not available (e.g. returned, quarantined).
    Reserved,
    /// IANA's file only: the registry the block was delegated to (`ietf` and
    /// `iana` for blocks those hold themselves).
    Delegated(Registry),
}

impl Status {
    /// Whether the resource is in use by a holder (`allocated` or
    /// `assigned`), the population the observatory measures (manrs-spec §2.1).
    pub fn is_delegated_to_holder(self) -> bool {
        matches!(self, Status::Allocated | Status::Assigned)
    }
}

impl FromStr for Status {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "allocated" => Status::Allocated,
            "assigned" => Status::Assigned,
            "available" => Status::Available,
            "reserved" => Status::Reserved,
            other => match other.parse::<Registry>() {
                Ok(r) if r != Registry::Nro => Status::Delegated(r),
                _ => return Err(UnknownValue { what: "status", value: s.to_string() }),
            },
        })
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Status::Allocated => f.write_str("allocated"),
            Status::Assigned => f.write_str("assigned"),
            Status::Available => f.write_str("available"),
            Status::Reserved => f.write_str("reserved"),
            Status::Delegated(r) => f.write_str(r.as_str()),
        }
    }
}

/// The resource a record describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Resource {
    /// `count` consecutive AS numbers from `first` (the range fits in 32 bits).
    Asn {
        /// The first ASN.
        first: Asn,
        /// How many (at least 1).
        count: u32,
    },
    /// `count` consecutive IPv4 addresses from `start` (at least 1; the range
    /// ends at or before 255.255.255.255).
    Ipv4 {
        /// The first address.
        start: Ipv4Addr,
        /// How many addresses.
        count: u64,
    },
    /// An IPv6 prefix (the `value` column is its length).
    Ipv6(Prefix),
}

/// One record line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// The registry that wrote the record.
    pub registry: Registry,
    /// The economy, `None` for an empty field, `*` or `ZZ`.
    pub country: Option<Country>,
    /// The resource.
    pub resource: Resource,
    /// The date of delegation, `None` when empty or `00000000`.
    pub date: Option<Date>,
    /// The status.
    pub status: Status,
    /// The opaque holder id (extended format), `None` when absent or empty.
    pub opaque_id: Option<String>,
    /// Any further extension fields, as written.
    pub extensions: Vec<String>,
}

impl Record {
    /// The resource type.
    pub fn kind(&self) -> ResourceType {
        match self.resource {
            Resource::Asn { .. } => ResourceType::Asn,
            Resource::Ipv4 { .. } => ResourceType::Ipv4,
            Resource::Ipv6(_) => ResourceType::Ipv6,
        }
    }

    /// The AS numbers of an ASN record, range expanded; empty for IP records.
    pub fn asns(&self) -> impl Iterator<Item = Asn> + use<> {
        let range = match self.resource {
            // Parsed records have `count >= 1` and `first + count - 1` in
            // range; a hand-built record with count 0 yields nothing.
            Resource::Asn { first, count } => match count.checked_sub(1) {
                Some(k) => first.0..=first.0.saturating_add(k),
                #[allow(clippy::reversed_empty_ranges)]
                None => 1..=0,
            },
            #[allow(clippy::reversed_empty_ranges)]
            _ => 1..=0,
        };
        range.map(Asn)
    }

    /// The prefixes of an IP record: the minimal CIDR cover of an IPv4 range,
    /// the prefix of an IPv6 record; empty for ASN records.
    pub fn prefixes(&self) -> Vec<Prefix> {
        match self.resource {
            // The range was checked when the line was read.
            Resource::Ipv4 { start, count } => ipv4_cover(start, count).unwrap_or_default(),
            Resource::Ipv6(p) => vec![p],
            Resource::Asn { .. } => Vec::new(),
        }
    }
}

/// Error of [`ipv4_cover`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RangeError {
    /// A range of zero addresses.
    #[error("empty range")]
    Empty,
    /// The range runs past the end of the address space.
    #[error("range of {count} addresses from {start} runs past 255.255.255.255")]
    Overflow {
        /// The first address.
        start: Ipv4Addr,
        /// The count.
        count: u64,
    },
}

/// The minimal list of CIDR prefixes covering exactly `count` addresses
/// from `start`, in address order (`10.0.0.0` + 768 → `10.0.0.0/23`,
/// `10.0.2.0/24`).
pub fn ipv4_cover(start: Ipv4Addr, count: u64) -> Result<Vec<Prefix>, RangeError> {
    if count == 0 {
        return Err(RangeError::Empty);
    }
    let first = u64::from(u32::from(start));
    let end = first
        .checked_add(count)
        .filter(|e| *e <= 1 << 32)
        .ok_or(RangeError::Overflow { start, count })?;
    let mut out = Vec::new();
    let mut cur = first;
    while cur < end {
        // Largest block aligned at `cur` that fits in what is left.
        let align = if cur == 0 { 1u64 << 32 } else { 1u64 << cur.trailing_zeros() };
        let left = end - cur;
        let fit = 1u64 << (63 - left.leading_zeros());
        let size = align.min(fit);
        let len = 32 - size.trailing_zeros() as u8;
        let addr =
            Ipv4Addr::from(u32::try_from(cur).map_err(|_| RangeError::Overflow { start, count })?);
        let net = Ipv4Net::new(addr, len).map_err(|_| RangeError::Overflow { start, count })?;
        out.push(Prefix::new_truncating(IpNet::V4(net)));
        cur += size;
    }
    Ok(out)
}

/// The version line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// The format version (`2`, `2.3`).
    pub version: String,
    /// The registry (`nro` for the combined file).
    pub registry: Registry,
    /// The serial number (usually the date).
    pub serial: String,
    /// The number of records the file announces.
    pub records: u64,
    /// Start date of the data, `None` for `00000000`.
    pub start_date: Option<Date>,
    /// End date of the data.
    pub end_date: Option<Date>,
    /// The UTC offset as written (`+0000`, `-0300`, `00000`).
    pub utc_offset: String,
}

/// What a [`DelegatedReader`] has counted so far.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DelegatedCounts {
    /// ASN records.
    pub asn: u64,
    /// IPv4 records.
    pub ipv4: u64,
    /// IPv6 records.
    pub ipv6: u64,
    /// Individual AS numbers after range expansion.
    pub asn_numbers: u64,
    /// IPv4 addresses in all IPv4 records.
    pub ipv4_addresses: u64,
    /// Summary lines read.
    pub summary_lines: u64,
}

impl DelegatedCounts {
    /// Records of one type.
    pub fn records_of(&self, t: ResourceType) -> u64 {
        match t {
            ResourceType::Asn => self.asn,
            ResourceType::Ipv4 => self.ipv4,
            ResourceType::Ipv6 => self.ipv6,
        }
    }

    /// Records of all types.
    pub fn records(&self) -> u64 {
        self.asn + self.ipv4 + self.ipv6
    }
}

/// The format-specific state.
#[derive(Default)]
struct Parser {
    header: Option<(Header, u64)>,
    summaries: [Option<(u64, u64)>; 3],
    counts: DelegatedCounts,
}

fn looks_like_version(s: &str) -> bool {
    let mut parts = s.split('.');
    let ok =
        |p: Option<&str>| p.is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    ok(parts.next()) && parts.all(|p| ok(Some(p)))
}

fn opt_date(s: &str, what: &str) -> Result<Option<Date>, Problem> {
    match s {
        "" | "00000000" => Ok(None),
        _ => s.parse().map(Some).map_err(|e| Problem::malformed(format!("{what}: {e}"))),
    }
}

fn count(s: &str, what: &str) -> Result<u64, Problem> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Problem::malformed(format!("{what} {s:?} is not a number")));
    }
    s.parse().map_err(|_| Problem::malformed(format!("{what} {s:?} is too large")))
}

impl Parser {
    fn version_line(&mut self, no: u64, f: &[&str]) -> Result<Option<Record>, Problem> {
        if f.len() != 7 {
            return Err(Problem::malformed(format!(
                "version line has {} fields, expected 7",
                f.len()
            )));
        }
        if let Some((_, at)) = &self.header {
            return Err(Problem::malformed(format!(
                "second version line (the first is line {at})"
            )));
        }
        if self.counts.records() > 0 {
            return Err(Problem::malformed("version line after records"));
        }
        let header = Header {
            version: f[0].to_string(),
            registry: f[1].parse().map_err(|e: UnknownValue| Problem::malformed(e.to_string()))?,
            serial: f[2].to_string(),
            records: count(f[3], "record count")?,
            start_date: opt_date(f[4], "start date")?,
            end_date: opt_date(f[5], "end date")?,
            utc_offset: f[6].to_string(),
        };
        self.header = Some((header, no));
        Ok(None)
    }

    fn summary_line(&mut self, no: u64, f: &[&str]) -> Result<Option<Record>, Problem> {
        f[0].parse::<Registry>().map_err(|e| Problem::malformed(e.to_string()))?;
        let t: ResourceType =
            f[2].parse().map_err(|e: UnknownValue| Problem::malformed(e.to_string()))?;
        let n = count(f[4], "summary count")?;
        let slot = &mut self.summaries[t.index()];
        if let Some((_, at)) = slot {
            return Err(Problem::malformed(format!(
                "second {t} summary line (the first is line {at})"
            )));
        }
        *slot = Some((n, no));
        self.counts.summary_lines += 1;
        Ok(None)
    }

    fn record(&mut self, f: &[&str]) -> Result<Option<Record>, Problem> {
        if f.len() < 7 {
            return Err(Problem::malformed(format!(
                "record has {} fields, expected at least 7",
                f.len()
            )));
        }
        let registry: Registry =
            f[0].parse().map_err(|e: UnknownValue| Problem::malformed(e.to_string()))?;
        let country = match f[1] {
            "" | "*" => None,
            cc => match cc.parse::<Country>() {
                Ok(c) if c.as_str() == "ZZ" => None,
                Ok(c) => Some(c),
                Err(e) => return Err(Problem::malformed(e.to_string())),
            },
        };
        let kind: ResourceType =
            f[2].parse().map_err(|e: UnknownValue| Problem::malformed(e.to_string()))?;
        let (start, value) = (f[3], f[4]);
        let resource = match kind {
            ResourceType::Asn => {
                let first: Asn = start.parse().map_err(|e| Problem::malformed(format!("{e}")))?;
                let n = count(value, "ASN count")?;
                let count = u32::try_from(n)
                    .ok()
                    .filter(|c| *c > 0 && first.0.checked_add(c - 1).is_some())
                    .ok_or_else(|| {
                        Problem::malformed(format!(
                            "ASN range {first} + {n} is empty or runs past AS4294967295"
                        ))
                    })?;
                Resource::Asn { first, count }
            }
            ResourceType::Ipv4 => {
                let addr: Ipv4Addr = start
                    .parse()
                    .map_err(|_| Problem::malformed(format!("{start:?} is not an IPv4 address")))?;
                let n = count(value, "address count")?;
                if n == 0 || u64::from(u32::from(addr)).checked_add(n).is_none_or(|e| e > 1 << 32) {
                    return Err(Problem::malformed(format!(
                        "IPv4 range of {n} addresses from {addr} is empty or runs past 255.255.255.255"
                    )));
                }
                Resource::Ipv4 { start: addr, count: n }
            }
            ResourceType::Ipv6 => {
                let addr: Ipv6Addr = start
                    .parse()
                    .map_err(|_| Problem::malformed(format!("{start:?} is not an IPv6 address")))?;
                let len = count(value, "prefix length")?;
                let net = u8::try_from(len)
                    .ok()
                    .and_then(|l| Ipv6Net::new(addr, l).ok())
                    .ok_or_else(|| {
                        Problem::malformed(format!("IPv6 prefix length {len} is not in 0..=128"))
                    })?;
                Resource::Ipv6(
                    Prefix::new(IpNet::V6(net)).map_err(|e| Problem::malformed(e.to_string()))?,
                )
            }
        };
        let date = opt_date(f[5], "date")?;
        let status: Status =
            f[6].parse().map_err(|e: UnknownValue| Problem::malformed(e.to_string()))?;
        let opaque_id = f.get(7).filter(|s| !s.is_empty()).map(|s| s.to_string());
        let extensions = f.get(8..).unwrap_or_default().iter().map(|s| s.to_string()).collect();
        let c = &mut self.counts;
        match resource {
            Resource::Asn { count, .. } => {
                c.asn += 1;
                c.asn_numbers += u64::from(count);
            }
            Resource::Ipv4 { count, .. } => {
                c.ipv4 += 1;
                c.ipv4_addresses += count;
            }
            Resource::Ipv6(_) => c.ipv6 += 1,
        }
        Ok(Some(Record { registry, country, resource, date, status, opaque_id, extensions }))
    }
}

impl LineParser for Parser {
    type Item = Record;

    fn line(&mut self, no: u64, line: &str) -> Result<Option<Record>, Problem> {
        if line.trim().is_empty() || line.starts_with('#') {
            return Ok(None);
        }
        let f: Vec<&str> = line.split('|').collect();
        if looks_like_version(f[0]) {
            return self.version_line(no, &f);
        }
        if f.len() >= 6 && f[1] == "*" && f[5] == "summary" {
            return self.summary_line(no, &f);
        }
        self.record(&f)
    }

    fn finish(&mut self, file: &Arc<str>) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let bad = |at: u64, msg: String| {
            Diagnostic::new(file, Location::Line(at), DiagKind::Malformed, msg)
        };
        match &self.header {
            None => out.push(Diagnostic::new(
                file,
                Location::File,
                DiagKind::Malformed,
                "no version line",
            )),
            Some((h, at)) if h.records != self.counts.records() => out.push(bad(
                *at,
                format!(
                    "version line announces {} records, the file has {}",
                    h.records,
                    self.counts.records()
                ),
            )),
            Some(_) => {}
        }
        for t in ResourceType::ALL {
            if let Some((n, at)) = self.summaries[t.index()] {
                let have = self.counts.records_of(t);
                if n != have {
                    out.push(bad(
                        at,
                        format!("summary line announces {n} {t} records, the file has {have}"),
                    ));
                }
            }
        }
        out
    }
}

/// Streaming reader of a delegated statistics file.
pub struct DelegatedReader {
    inner: LineReader<Parser>,
}

impl DelegatedReader {
    /// Reads from an opened input.
    pub fn new(input: Input, mode: Mode) -> Self {
        DelegatedReader { inner: LineReader::new(input, mode, Parser::default()) }
    }

    /// Opens a file (plain, gzip or bzip2).
    pub fn open(path: impl AsRef<Path>, mode: Mode) -> Result<Self, InputError> {
        Ok(Self::new(Input::open(path)?, mode))
    }

    /// The diagnostics so far.
    pub fn diagnostics(&self) -> &Diagnostics {
        self.inner.diagnostics()
    }

    /// Lines read so far (including comments and headers).
    pub fn lines(&self) -> u64 {
        self.inner.lines()
    }

    /// Record counts so far.
    pub fn counts(&self) -> &DelegatedCounts {
        &self.inner.parser.counts
    }

    /// The version line, once read.
    pub fn header(&self) -> Option<&Header> {
        self.inner.parser.header.as_ref().map(|(h, _)| h)
    }

    /// The count a summary line announced for a type, once read.
    pub fn summary(&self, t: ResourceType) -> Option<u64> {
        self.inner.parser.summaries[t.index()].map(|(n, _)| n)
    }
}

impl Iterator for DelegatedReader {
    type Item = Result<Record, Diagnostic>;
    fn next(&mut self) -> Option<Self::Item> {
        self.inner.next()
    }
}

impl std::iter::FusedIterator for DelegatedReader {}

/// Whether the first bytes look like a delegated statistics file: the first
/// line that is not a comment is a version line or a record of a known
/// registry and type.
pub fn detect(head: &[u8]) -> bool {
    let Some(lines) = head_lines(head) else { return false };
    let Some(first) = lines.iter().find(|l| !l.trim().is_empty() && !l.starts_with('#')) else {
        return false;
    };
    let f: Vec<&str> = first.split('|').collect();
    if f.len() == 7 && looks_like_version(f[0]) {
        return f[1].parse::<Registry>().is_ok();
    }
    f.len() >= 6 && f[0].parse::<Registry>().is_ok() && f[2].parse::<ResourceType>().is_ok()
}

/// Streams a whole file into a [`Summary`].
pub(crate) fn inspect(input: Input, mode: Mode, format: &str) -> Result<Summary, Diagnostic> {
    let mut r = DelegatedReader::new(input, mode);
    let mut elements = 0;
    for item in r.by_ref() {
        item?;
        elements += 1;
    }
    let c = r.counts().clone();
    let mut s = Summary::new(format);
    s.records = c.records();
    s.elements = elements;
    for (k, v) in [
        ("asn", c.asn),
        ("ipv4", c.ipv4),
        ("ipv6", c.ipv6),
        ("asn-numbers", c.asn_numbers),
        ("ipv4-addresses", c.ipv4_addresses),
        ("summary-lines", c.summary_lines),
    ] {
        s.counts.insert(k.to_string(), v);
    }
    s.diagnostics = r.diagnostics().clone();
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(text: &str, mode: Mode) -> DelegatedReader {
        DelegatedReader::new(
            Input::from_reader("t.txt", std::io::Cursor::new(text.as_bytes().to_vec())).unwrap(),
            mode,
        )
    }

    const GOOD: &str = "# comment\n\
2|afrinic|20260821|4|00000000|20260821|00000\n\
afrinic|*|asn|*|2|summary\n\
afrinic|*|ipv4|*|1|summary\n\
afrinic|*|ipv6|*|1|summary\n\
afrinic|ZA|asn|1228|1|19910301|allocated|F36B9F4B\n\
afrinic|ZZ|asn|64000|3||available|\n\
afrinic|MU|ipv4|10.0.0.0|768|20100101|assigned|ABC|ext1|ext2\n\
afrinic|ZA|ipv6|2001:db8::|32|20100101|allocated|X\n";

    #[test]
    fn reads_records_and_expands() {
        let mut r = reader(GOOD, Mode::Strict);
        let recs: Vec<Record> = r.by_ref().collect::<Result<_, _>>().unwrap();
        assert_eq!(recs.len(), 4);
        assert_eq!(recs[0].country.unwrap().as_str(), "ZA");
        assert_eq!(recs[0].opaque_id.as_deref(), Some("F36B9F4B"));
        assert_eq!(recs[0].date, Some(Date { year: 1991, month: 3, day: Some(1) }));
        assert_eq!(recs[1].country, None);
        assert_eq!(recs[1].date, None);
        assert_eq!(recs[1].status, Status::Available);
        assert_eq!(recs[1].opaque_id, None);
        assert_eq!(recs[1].asns().collect::<Vec<_>>(), vec![Asn(64000), Asn(64001), Asn(64002)]);
        assert_eq!(recs[2].asns().count(), 0);
        let empty =
            Record { resource: Resource::Asn { first: Asn(5), count: 0 }, ..recs[0].clone() };
        assert_eq!(empty.asns().count(), 0);
        let p: Vec<String> = recs[2].prefixes().iter().map(|p| p.to_string()).collect();
        assert_eq!(p, vec!["10.0.0.0/23", "10.0.2.0/24"]);
        assert_eq!(recs[2].extensions, vec!["ext1", "ext2"]);
        assert_eq!(recs[3].prefixes()[0].to_string(), "2001:db8::/32");
        let c = r.counts();
        assert_eq!((c.asn, c.ipv4, c.ipv6, c.asn_numbers, c.ipv4_addresses), (2, 1, 1, 4, 768));
        assert_eq!(r.summary(ResourceType::Asn), Some(2));
        let h = r.header().unwrap();
        assert_eq!(
            (h.version.as_str(), h.registry, h.records, h.start_date),
            ("2", Registry::Afrinic, 4, None)
        );
        assert!(r.diagnostics().is_empty());
    }

    #[test]
    fn cover_non_power_of_two() {
        let cover = |s: &str, n| -> Vec<String> {
            ipv4_cover(s.parse().unwrap(), n).unwrap().iter().map(|p| p.to_string()).collect()
        };
        assert_eq!(cover("192.0.2.0", 256), vec!["192.0.2.0/24"]);
        assert_eq!(cover("10.0.1.0", 768), vec!["10.0.1.0/24", "10.0.2.0/23"]);
        assert_eq!(cover("10.0.0.0", 1536), vec!["10.0.0.0/22", "10.0.4.0/23"]);
        assert_eq!(cover("0.0.0.0", 1 << 32), vec!["0.0.0.0/0"]);
        assert_eq!(cover("255.255.255.255", 1), vec!["255.255.255.255/32"]);
        assert_eq!(cover("10.0.0.3", 5), vec!["10.0.0.3/32", "10.0.0.4/30"]);
        assert_eq!(
            ipv4_cover("255.255.255.255".parse().unwrap(), 2),
            Err(RangeError::Overflow { start: "255.255.255.255".parse().unwrap(), count: 2 })
        );
        assert_eq!(ipv4_cover("1.0.0.0".parse().unwrap(), 0), Err(RangeError::Empty));
    }

    #[test]
    fn bad_lines_lenient_with_line_numbers() {
        let text = "2|lacnic|20240208|3|19870101|20240208|-0300\n\
lacnic|*|asn|*|2|summary\n\
lacnic|BR|asn|4294967295|2|20200101|allocated|1\n\
lacnic|BR|ipv4|255.255.255.0|512|20200101|allocated|1\n\
lacnic|BR|asn|100|1|20200101|stolen|1\n\
lacnic|BRA|asn|100|1|20200101|allocated|1\n\
lacnic|BR|ipv6|2001:db8::1|32|20200101|allocated|1\n\
lacnic|BR|asn|100|1\n\
lacnic||asn|200|1||available\n";
        let mut r = reader(text, Mode::Lenient);
        let recs: Vec<Record> = r.by_ref().map(Result::unwrap).collect();
        assert_eq!(recs.len(), 1);
        assert_eq!(recs[0].country, None);
        let d: Vec<(Location, DiagKind)> =
            r.diagnostics().kept().iter().map(|d| (d.location, d.kind)).collect();
        let lines: Vec<Location> = (3..=8).map(Location::Line).collect();
        assert_eq!(d[..6].iter().map(|x| x.0).collect::<Vec<_>>(), lines);
        // End checks: the version line says 3 records, the summary says 2 ASNs; one was read.
        assert_eq!(d[6], (Location::Line(1), DiagKind::Malformed));
        assert_eq!(d[7], (Location::Line(2), DiagKind::Malformed));
        assert_eq!(r.diagnostics().total(), 8);
        let msgs: Vec<String> = r.diagnostics().kept().iter().map(|d| d.to_string()).collect();
        assert!(msgs[0].starts_with("t.txt: line 3: malformed: ASN range"), "{}", msgs[0]);
        assert!(msgs[2].contains("unknown status \"stolen\""), "{}", msgs[2]);
        assert!(
            msgs[7].contains("summary line announces 2 asn records, the file has 1"),
            "{}",
            msgs[7]
        );
    }

    #[test]
    fn strict_stops_at_first_problem() {
        let text = "2|afrinic|1|2|00000000|20260101|0\nafrinic|ZA|asn|x|1|19910301|allocated\nafrinic|ZA|asn|1|1|19910301|allocated\n";
        let mut r = reader(text, Mode::Strict);
        let e = r.next().unwrap().unwrap_err();
        assert_eq!(e.location, Location::Line(2));
        assert!(r.next().is_none());
        assert!(r.next().is_none());
    }

    #[test]
    fn missing_version_line_and_garbage_never_panic() {
        let mut r =
            reader("afrinic|ZA|asn|1|1|19910301|allocated\n\u{0}\u{ff}|||\n|\n", Mode::Lenient);
        assert_eq!(r.by_ref().filter(|x| x.is_ok()).count(), 1);
        let msgs: Vec<String> = r.diagnostics().kept().iter().map(|d| d.to_string()).collect();
        assert_eq!(msgs.last().unwrap(), "t.txt: malformed: no version line");
        let bin: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
        let mut r = DelegatedReader::new(
            Input::from_reader("b", std::io::Cursor::new(bin)).unwrap(),
            Mode::Lenient,
        );
        assert_eq!(r.by_ref().filter(|x| x.is_ok()).count(), 0);
        assert!(r.diagnostics().total() > 0);
    }

    #[test]
    fn detection() {
        assert!(detect(GOOD.as_bytes()));
        assert!(detect(b"iana|ZZ|asn|0|1|19920101|ietf\n"));
        assert!(!detect(b"# RPSL\nas-set: AS-FOO\n"));
        assert!(!detect(b"1|2|-1|bgp\n"));
        assert!(!detect(b"ASN,IP Prefix,Max Length,Trust Anchor\n"));
    }
}
