//! IANA address registries in their CSV form.
//!
//! Format documentation: the IANA registries "IANA IPv4 Address Space
//! Registry" (<https://www.iana.org/assignments/ipv4-address-space/>, CSV at
//! `ipv4-address-space.csv`) and "IPv6 Global Unicast Address Assignments"
//! (<https://www.iana.org/assignments/ipv6-unicast-address-assignments/>, CSV
//! at `ipv6-unicast-address-assignments.csv`). Both are RFC 4180 CSV with CRLF
//! line ends and the header
//! `Prefix,Designation,Date,WHOIS,RDAP,Status,Note` (the IPv4 file writes
//! `Status [1]`, a footnote reference; any header cell starting with
//! `Status` is taken). Fields may be quoted and span lines (the RDAP cell
//! lists several URLs one per line, notes run over lines).
//!
//! The IPv4 file writes its /8 prefixes as `000/8`, `001/8`, … (the first
//! octet, zero padded); the IPv6 file uses ordinary prefixes. Dates are
//! `YYYY-MM` or `YYYY-MM-DD`. Diagnostics name the line on which the
//! record starts.

use std::io::BufRead;
use std::net::Ipv4Addr;
use std::path::Path;
use std::sync::Arc;

use ipnet::{IpNet, Ipv4Net};
use manrs_input::{Input, InputError, InputStatus};
use manrs_types::{DiagKind, Diagnostic, Diagnostics, Location, Mode, Prefix, Summary};

use crate::common::{Date, head_lines};

/// The status of a registry entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IanaStatus {
    /// Allocated to a RIR.
    Allocated,
    /// Assigned before the RIRs existed (IPv4 only), administered by a RIR.
    Legacy,
    /// Reserved by the IETF or IANA.
    Reserved,
    /// Not yet allocated.
    Unallocated,
}

impl IanaStatus {
    fn parse(s: &str) -> Option<Self> {
        Some(match s.trim().to_ascii_uppercase().as_str() {
            "ALLOCATED" => IanaStatus::Allocated,
            "LEGACY" => IanaStatus::Legacy,
            "RESERVED" => IanaStatus::Reserved,
            "UNALLOCATED" => IanaStatus::Unallocated,
            _ => return None,
        })
    }
}

/// One registry row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IanaEntry {
    /// The prefix (`000/8` becomes `0.0.0.0/8`).
    pub prefix: Prefix,
    /// The designation (`APNIC`, `Administered by ARIN`, `Future use`).
    pub designation: String,
    /// The date of the allocation, when given.
    pub date: Option<Date>,
    /// The whois server, when given.
    pub whois: Option<String>,
    /// The RDAP base URLs (the cell may list several).
    pub rdap: Vec<String>,
    /// The status.
    pub status: IanaStatus,
    /// The note cell (footnote references or text), when given.
    pub note: Option<String>,
}

/// What an [`IanaReader`] has counted so far.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IanaCounts {
    /// Data records (rows after the header).
    pub records: u64,
    /// IPv4 entries.
    pub ipv4: u64,
    /// IPv6 entries.
    pub ipv6: u64,
    /// `ALLOCATED` entries.
    pub allocated: u64,
    /// `LEGACY` entries.
    pub legacy: u64,
    /// `RESERVED` entries.
    pub reserved: u64,
    /// `UNALLOCATED` entries.
    pub unallocated: u64,
}

/// Column positions from the header.
#[derive(Clone, Copy)]
struct Columns {
    prefix: usize,
    designation: usize,
    date: Option<usize>,
    whois: Option<usize>,
    rdap: Option<usize>,
    status: usize,
    note: Option<usize>,
}

/// Streaming reader of an IANA registry CSV.
pub struct IanaReader {
    csv: csv::Reader<Box<dyn BufRead + Send>>,
    name: Arc<str>,
    status: InputStatus,
    mode: Mode,
    diags: Diagnostics,
    cols: Option<Columns>,
    record: csv::ByteRecord,
    counts: IanaCounts,
    done: bool,
}

/// Parses `000/8` (IANA's IPv4 form) or an ordinary prefix.
fn parse_prefix(s: &str) -> Result<Prefix, String> {
    let s = s.trim();
    if let Some((octet, len)) = s.split_once('/')
        && !octet.contains(['.', ':'])
    {
        let o: u8 =
            octet.parse().map_err(|_| format!("prefix {s:?}: {octet:?} is not an octet"))?;
        let l: u8 = len.parse().map_err(|_| format!("prefix {s:?}: bad length"))?;
        let net = Ipv4Net::new(Ipv4Addr::new(o, 0, 0, 0), l)
            .map_err(|_| format!("prefix {s:?}: bad length"))?;
        return Prefix::new(IpNet::V4(net)).map_err(|e| e.to_string());
    }
    s.parse().map_err(|e: manrs_types::PrefixParseError| e.to_string())
}

impl IanaReader {
    /// Reads from an opened input.
    pub fn new(input: Input, mode: Mode) -> Self {
        let (reader, name, status) = input.into_parts();
        // Records end at `\n` (a `\r` before it is trimmed with the cell):
        // with the default CRLF handling the csv crate numbers the lines
        // after a CRLF record one too low.
        let csv = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .terminator(csv::Terminator::Any(b'\n'))
            .from_reader(reader);
        IanaReader {
            csv,
            name,
            status,
            mode,
            diags: Diagnostics::default(),
            cols: None,
            record: csv::ByteRecord::new(),
            counts: IanaCounts::default(),
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

    /// Counts so far.
    pub fn counts(&self) -> &IanaCounts {
        &self.counts
    }

    fn header(&self, line: u64) -> Result<Columns, String> {
        let cells: Vec<String> = self
            .record
            .iter()
            .map(|c| String::from_utf8_lossy(c).trim().to_ascii_lowercase())
            .collect();
        let find = |p: &dyn Fn(&str) -> bool| cells.iter().position(|c| p(c));
        let need = |name: &str, p: &dyn Fn(&str) -> bool| {
            find(p).ok_or_else(|| format!("line {line}: header has no {name} column: {cells:?}"))
        };
        Ok(Columns {
            prefix: need("Prefix", &|c| c == "prefix")?,
            designation: need("Designation", &|c| c == "designation")?,
            status: need("Status", &|c| c.starts_with("status"))?,
            date: find(&|c| c == "date"),
            whois: find(&|c| c == "whois"),
            rdap: find(&|c| c == "rdap"),
            note: find(&|c| c == "note"),
        })
    }

    fn entry(&mut self, cols: Columns) -> Result<IanaEntry, (DiagKind, String)> {
        let cell = |i: usize| -> Result<&str, (DiagKind, String)> {
            let b = self.record.get(i).unwrap_or_default();
            std::str::from_utf8(b)
                .map(str::trim)
                .map_err(|e| (DiagKind::Malformed, format!("not valid UTF-8: {e}")))
        };
        let opt = |i: Option<usize>| -> Result<Option<&str>, (DiagKind, String)> {
            Ok(match i {
                Some(i) => Some(cell(i)?).filter(|s| !s.is_empty()),
                None => None,
            })
        };
        let width = [cols.prefix, cols.designation, cols.status].into_iter().max().unwrap_or(0);
        if self.record.len() <= width {
            return Err((
                DiagKind::Malformed,
                format!("{} fields, the header needs at least {}", self.record.len(), width + 1),
            ));
        }
        let prefix = parse_prefix(cell(cols.prefix)?).map_err(|m| (DiagKind::Malformed, m))?;
        let status_s = cell(cols.status)?;
        let status = IanaStatus::parse(status_s)
            .ok_or_else(|| (DiagKind::Unsupported, format!("unknown status {status_s:?}")))?;
        let date = match opt(cols.date)? {
            Some(d) => Some(d.parse::<Date>().map_err(|e| (DiagKind::Malformed, e.to_string()))?),
            None => None,
        };
        Ok(IanaEntry {
            prefix,
            designation: cell(cols.designation)?.to_string(),
            date,
            whois: opt(cols.whois)?.map(str::to_string),
            rdap: opt(cols.rdap)?
                .map(|s| s.split_whitespace().map(str::to_string).collect())
                .unwrap_or_default(),
            status,
            note: opt(cols.note)?.map(str::to_string),
        })
    }

    fn fail(&mut self, d: Diagnostic) -> Option<Result<IanaEntry, Diagnostic>> {
        let e = self.diags.report(self.mode, d)?;
        self.done = true;
        Some(Err(e))
    }

    fn end(&mut self, err: Option<csv::Error>) -> Option<Result<IanaEntry, Diagnostic>> {
        self.done = true;
        let d = self.status.diagnostic(&self.name).or_else(|| {
            err.map(|e| {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                let loc = if line > 0 { Location::Line(line) } else { Location::File };
                Diagnostic::new(&self.name, loc, DiagKind::Io, format!("read failed: {e}"))
            })
        });
        let d = d.or_else(|| {
            self.cols.is_none().then(|| {
                Diagnostic::new(&self.name, Location::File, DiagKind::Malformed, "no header line")
            })
        })?;
        self.diags.report(self.mode, d).map(Err)
    }
}

impl Iterator for IanaReader {
    type Item = Result<IanaEntry, Diagnostic>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            match self.csv.read_byte_record(&mut self.record) {
                Ok(false) => return self.end(None),
                Err(e) if matches!(e.kind(), csv::ErrorKind::Io(_)) => return self.end(Some(e)),
                Err(e) => {
                    let line = e.position().map(|p| p.line()).unwrap_or(0);
                    let d = Diagnostic::new(
                        &self.name,
                        Location::Line(line),
                        DiagKind::Malformed,
                        e.to_string(),
                    );
                    if let Some(r) = self.fail(d) {
                        return Some(r);
                    }
                }
                Ok(true) => {
                    let line = self.record.position().map(|p| p.line()).unwrap_or(0);
                    if self.record.iter().all(|c| c.trim_ascii().is_empty()) {
                        continue;
                    }
                    let Some(cols) = self.cols else {
                        match self.header(line) {
                            Ok(c) => self.cols = Some(c),
                            Err(m) => {
                                // Without a header nothing can be read.
                                let d = Diagnostic::new(
                                    &self.name,
                                    Location::Line(line),
                                    DiagKind::Malformed,
                                    m,
                                );
                                self.done = true;
                                return self.diags.report(self.mode, d).map(Err);
                            }
                        }
                        continue;
                    };
                    self.counts.records += 1;
                    match self.entry(cols) {
                        Ok(e) => {
                            let c = &mut self.counts;
                            if e.prefix.is_ipv4() {
                                c.ipv4 += 1;
                            } else {
                                c.ipv6 += 1;
                            }
                            match e.status {
                                IanaStatus::Allocated => c.allocated += 1,
                                IanaStatus::Legacy => c.legacy += 1,
                                IanaStatus::Reserved => c.reserved += 1,
                                IanaStatus::Unallocated => c.unallocated += 1,
                            }
                            return Some(Ok(e));
                        }
                        Err((kind, m)) => {
                            let d = Diagnostic::new(&self.name, Location::Line(line), kind, m);
                            if let Some(r) = self.fail(d) {
                                return Some(r);
                            }
                        }
                    }
                }
            }
        }
        None
    }
}

impl std::iter::FusedIterator for IanaReader {}

/// Detects an IANA registry CSV: the header `Prefix,Designation,Date,WHOIS,…`;
/// `Some(4)` when the first data row is an IPv4 `NNN/8` prefix, `Some(6)` for
/// an IPv6 prefix.
pub fn detect(head: &[u8]) -> Option<u8> {
    let lines = head_lines(head)?;
    let first = lines.first()?;
    if !first.to_ascii_lowercase().starts_with("prefix,designation,date,whois") {
        return None;
    }
    let row = lines.get(1)?;
    let p = row.split(',').next()?;
    if p.contains(':') {
        Some(6)
    } else if p.contains('/') {
        Some(4)
    } else {
        None
    }
}

/// Streams a whole file into a [`Summary`].
pub(crate) fn inspect(input: Input, mode: Mode, format: &str) -> Result<Summary, Diagnostic> {
    let mut r = IanaReader::new(input, mode);
    let mut s = Summary::new(format);
    for item in r.by_ref() {
        item?;
        s.elements += 1;
    }
    let c = r.counts().clone();
    s.records = c.records;
    for (k, v) in [
        ("ipv4", c.ipv4),
        ("ipv6", c.ipv6),
        ("allocated", c.allocated),
        ("legacy", c.legacy),
        ("reserved", c.reserved),
        ("unallocated", c.unallocated),
    ] {
        s.counts.insert(k.into(), v);
    }
    s.diagnostics = r.diagnostics().clone();
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(text: &str, mode: Mode) -> IanaReader {
        IanaReader::new(
            Input::from_reader("t.csv", std::io::Cursor::new(text.as_bytes().to_vec())).unwrap(),
            mode,
        )
    }

    #[test]
    fn ipv4_registry_with_quoted_multiline_cells() {
        let text = "Prefix,Designation,Date,WHOIS,RDAP,Status [1],Note\r\n\
000/8,IANA - Local Identification,1981-09,,,RESERVED,[2][2bis]\r\n\
003/8,Administered by ARIN,1994-05,whois.arin.net,\"https://rdap.arin.net/registry\r\nhttp://rdap.arin.net/registry\",LEGACY,\r\n\
300/8,Bad,1981-09,,,RESERVED,\r\n\
004/8,Level 3,1992-12,,,STOLEN,\r\n\
005/8,RIPE NCC,2010-13,,,ALLOCATED,\r\n\
006/8,Army,1994-02,,,LEGACY,\r\n";
        let mut r = reader(text, Mode::Lenient);
        let e: Vec<IanaEntry> = r.by_ref().map(Result::unwrap).collect();
        assert_eq!(e.len(), 3);
        assert_eq!(e[0].prefix.to_string(), "0.0.0.0/8");
        assert_eq!(
            (e[0].status, e[0].note.as_deref(), e[0].whois.as_deref()),
            (IanaStatus::Reserved, Some("[2][2bis]"), None)
        );
        assert_eq!(
            e[1].rdap,
            vec!["https://rdap.arin.net/registry", "http://rdap.arin.net/registry"]
        );
        assert_eq!(e[1].date, Some(Date { year: 1994, month: 5, day: None }));
        assert_eq!(e[2].prefix.to_string(), "6.0.0.0/8");
        let d: Vec<(Location, DiagKind)> =
            r.diagnostics().kept().iter().map(|d| (d.location, d.kind)).collect();
        // The ARIN record spans lines 3-4, so the bad ones start on 5, 6 and 7.
        assert_eq!(
            d,
            vec![
                (Location::Line(5), DiagKind::Malformed),
                (Location::Line(6), DiagKind::Unsupported),
                (Location::Line(7), DiagKind::Malformed),
            ]
        );
        assert_eq!((r.counts().records, r.counts().legacy), (6, 2));
    }

    #[test]
    fn ipv6_registry_and_strict() {
        let text = "Prefix,Designation,Date,WHOIS,RDAP,Status,Note\n2001:200::/23,APNIC,1999-07-01,whois.apnic.net,https://rdap.apnic.net/,ALLOCATED,\n2001:db8::1/32,X,1999-07-01,,,RESERVED,\n";
        let mut r = reader(text, Mode::Strict);
        assert_eq!(r.next().unwrap().unwrap().prefix.to_string(), "2001:200::/23");
        assert_eq!(r.next().unwrap().unwrap_err().location, Location::Line(3));
        assert!(r.next().is_none());
        let mut r = reader("a,b\n1,2\n", Mode::Lenient);
        assert!(r.next().is_none());
        assert_eq!(r.diagnostics().kept()[0].location, Location::Line(1));
    }

    #[test]
    fn detection() {
        assert_eq!(detect(b"Prefix,Designation,Date,WHOIS,RDAP,Status [1],Note\r\n000/8,IANA,1981-09,,,RESERVED,\r\n"), Some(4));
        assert_eq!(detect(b"Prefix,Designation,Date,WHOIS,RDAP,Status,Note\n2001::/23,IANA,1999-07-01,,,ALLOCATED,\n"), Some(6));
        assert_eq!(detect(b"ASN,IP Prefix,Max Length,Trust Anchor\n"), None);
    }
}
