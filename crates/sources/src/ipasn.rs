//! pyasn IP-to-ASN tables ("IP-ASN32-DAT").
//!
//! Format documentation: pyasn (<https://github.com/hadiasghari/pyasn>,
//! `pyasn_util_convert.py` and the README section "IPASN data files"). The
//! file starts with `;` comment lines, among them
//! `; IP-ASN32-DAT file`, `; Original source: rib.….bz2` and the counts
//! `; Prefixes-v4   : 1107938` / `; Prefixes-v6   : 0`; then one line per
//! prefix, `prefix<TAB>origin-asn` (IPv4 or IPv6), built from a full RIB.
//!
//! The announced prefix counts are compared with the rows read; a mismatch
//! is a `Malformed` diagnostic at the comment line that announced it.

use std::path::Path;
use std::sync::Arc;

use manrs_input::{Input, InputError};
use manrs_types::{Asn, DiagKind, Diagnostic, Diagnostics, Location, Mode, Prefix, Summary};

use crate::common::{LineParser, LineReader, Problem, head_lines};

/// One prefix → origin row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct IpAsnEntry {
    /// The prefix.
    pub prefix: Prefix,
    /// Its origin AS.
    pub origin: Asn,
}

/// What an [`IpAsnReader`] has counted so far.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IpAsnCounts {
    /// IPv4 rows.
    pub ipv4: u64,
    /// IPv6 rows.
    pub ipv6: u64,
    /// `;` comment lines.
    pub comments: u64,
}

#[derive(Default)]
struct Parser {
    counts: IpAsnCounts,
    /// Announced counts (value, line) for IPv4 and IPv6.
    announced: [Option<(u64, u64)>; 2],
}

impl LineParser for Parser {
    type Item = IpAsnEntry;

    fn line(&mut self, no: u64, line: &str) -> Result<Option<IpAsnEntry>, Problem> {
        if let Some(c) = line.strip_prefix(';') {
            self.counts.comments += 1;
            if let Some((k, v)) = c.split_once(':') {
                let slot = match k.trim() {
                    "Prefixes-v4" => Some(0),
                    "Prefixes-v6" => Some(1),
                    _ => None,
                };
                if let Some(i) = slot {
                    let n = v.trim().parse().map_err(|_| {
                        Problem::malformed(format!("bad prefix count {:?}", v.trim()))
                    })?;
                    self.announced[i] = Some((n, no));
                }
            }
            return Ok(None);
        }
        if line.trim().is_empty() {
            return Ok(None);
        }
        let mut f = line.split('\t');
        let (Some(p), Some(a), None) = (f.next(), f.next(), f.next()) else {
            return Err(Problem::malformed("expected prefix<TAB>asn"));
        };
        let prefix: Prefix = p.trim().parse().map_err(|e| Problem::malformed(format!("{e}")))?;
        let origin: Asn = a.trim().parse().map_err(|e| Problem::malformed(format!("{e}")))?;
        if prefix.is_ipv4() {
            self.counts.ipv4 += 1;
        } else {
            self.counts.ipv6 += 1;
        }
        Ok(Some(IpAsnEntry { prefix, origin }))
    }

    fn finish(&mut self, file: &Arc<str>) -> Vec<Diagnostic> {
        let have = [self.counts.ipv4, self.counts.ipv6];
        let names = ["IPv4", "IPv6"];
        (0..2)
            .filter_map(|i| {
                let (n, at) = self.announced[i]?;
                (n != have[i]).then(|| {
                    Diagnostic::new(
                        file,
                        Location::Line(at),
                        DiagKind::Malformed,
                        format!(
                            "header announces {n} {} prefixes, the file has {}",
                            names[i], have[i]
                        ),
                    )
                })
            })
            .collect()
    }
}

/// Streaming reader of a pyasn IP-ASN32-DAT file.
pub struct IpAsnReader {
    inner: LineReader<Parser>,
}

impl IpAsnReader {
    /// Reads from an opened input.
    pub fn new(input: Input, mode: Mode) -> Self {
        IpAsnReader { inner: LineReader::new(input, mode, Parser::default()) }
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
    pub fn counts(&self) -> &IpAsnCounts {
        &self.inner.parser.counts
    }

    /// The prefix counts the header announced (IPv4, IPv6), once read.
    pub fn announced(&self) -> (Option<u64>, Option<u64>) {
        let a = &self.inner.parser.announced;
        (a[0].map(|x| x.0), a[1].map(|x| x.0))
    }
}

impl Iterator for IpAsnReader {
    type Item = Result<IpAsnEntry, Diagnostic>;
    fn next(&mut self) -> Option<Self::Item> {
        self.inner.next()
    }
}

impl std::iter::FusedIterator for IpAsnReader {}

/// Detects an IP-ASN32-DAT file: an `; IP-ASN32-DAT` header, or a first data
/// line `prefix<TAB>asn`.
pub fn detect(head: &[u8]) -> bool {
    let Some(lines) = head_lines(head) else { return false };
    if lines.first().is_some_and(|l| l.starts_with("; IP-ASN32-DAT")) {
        return true;
    }
    let Some(first) = lines.iter().find(|l| !l.starts_with(';') && !l.trim().is_empty()) else {
        return false;
    };
    match first.split_once('\t') {
        Some((p, a)) => {
            p.parse::<Prefix>().is_ok() && !a.is_empty() && a.bytes().all(|b| b.is_ascii_digit())
        }
        None => false,
    }
}

/// Streams a whole file into a [`Summary`].
pub(crate) fn inspect(input: Input, mode: Mode, format: &str) -> Result<Summary, Diagnostic> {
    let mut r = IpAsnReader::new(input, mode);
    let mut elements = 0;
    for item in r.by_ref() {
        item?;
        elements += 1;
    }
    let c = r.counts().clone();
    let mut s = Summary::new(format);
    s.records = c.ipv4 + c.ipv6;
    s.elements = elements;
    s.counts.insert("ipv4".into(), c.ipv4);
    s.counts.insert("ipv6".into(), c.ipv6);
    s.diagnostics = r.diagnostics().clone();
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(text: &str, mode: Mode) -> IpAsnReader {
        IpAsnReader::new(
            Input::from_reader("t.dat", std::io::Cursor::new(text.as_bytes().to_vec())).unwrap(),
            mode,
        )
    }

    #[test]
    fn reads_both_families_and_checks_header() {
        let text = "; IP-ASN32-DAT file\n; Prefixes-v4   : 2\n; Prefixes-v6   : 2\n;\n\
1.0.0.0/24\t13335\n2001:db8::/32\t64496\n1.0.0.1/24\t1\n1.0.4.0/24 38803\n1.0.5.0/24\tAS-X\n";
        let mut r = reader(text, Mode::Lenient);
        let rows: Vec<IpAsnEntry> = r.by_ref().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].origin, Asn(13335));
        assert_eq!(rows[1].prefix.to_string(), "2001:db8::/32");
        let locs: Vec<Location> = r.diagnostics().kept().iter().map(|d| d.location).collect();
        // Host bits, no tab, bad origin; then the header counts (2 v4 announced, 1 read).
        assert_eq!(
            locs,
            vec![
                Location::Line(7),
                Location::Line(8),
                Location::Line(9),
                Location::Line(2),
                Location::Line(3)
            ]
        );
        assert_eq!(r.announced(), (Some(2), Some(2)));
    }

    #[test]
    fn detection() {
        assert!(detect(b"; IP-ASN32-DAT file\n"));
        assert!(detect(b"1.0.0.0/24\t13335\n"));
        assert!(!detect(b"1|2|-1\n"));
        assert!(!detect(b"ASN,IP Prefix,Max Length,Trust Anchor\nAS1,1.0.0.0/24,24,apnic\n"));
    }
}
