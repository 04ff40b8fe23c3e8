//! Readers for PeeringDB data: API pages and full dumps.
//!
//! PeeringDB (<https://www.peeringdb.com>, API documentation at
//! <https://www.peeringdb.com/apidocs/>) is where networks publish their
//! peering and contact information; MANRS action 3 (Coordination,
//! manrs-spec §4) counts a network's contacts there.
//!
//! Two layouts are read ([`Format`]):
//!
//! * **API pages**: the response of `GET /api/<type>`:
//!   `{"data": [ {…}, … ], "meta": {}}`, one object type per page. The page
//!   does not name its type: pass it with [`PeeringDbReader::with_type`], or
//!   it is inferred from the first object's members ([`ObjectType::infer`]
//!   documents the rule).
//! * **Dumps**: one object holding every type, `{"net": {"data": […]},
//!   "org": {"data": […]}, …}`, the layout of PeeringDB's full JSON dumps
//!   and of CAIDA's PeeringDB archive.
//!
//! `net`, `org`, `ix`, `netixlan` and `poc` objects become typed records
//! ([`Net`], [`Org`], [`Ix`], [`NetIxLan`], [`Poc`]); all other types are
//! yielded as [`Object::Other`] with their JSON members. Unknown members are
//! ignored and optional ones may be missing (anonymous API responses hide
//! some). `poc` objects are personal data: their `Debug` output leaves the
//! contact details out.
//!
//! The reader streams: objects are cut out of the JSON one at a time by a
//! small incremental scanner and parsed on their own, so a bad object costs
//! only itself and its diagnostic names its line.

mod objects;
mod reader;

use manrs_input::Input;
use manrs_types::{Diagnostic, Mode, Summary};

pub use objects::{Ix, Net, NetIxLan, Object, ObjectType, Org, Poc, SetEntry};
pub use reader::PeeringDbReader;

/// How many leading decompressed bytes [`detect`] looks at.
pub const DETECT_LEN: usize = 64 * 1024;

/// The layouts of PeeringDB JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// An API response page: `{"data": […], "meta": {…}}`.
    ApiPage,
    /// A full dump: `{"<type>": {"data": […]}, …}`.
    Dump,
}

impl Format {
    /// The name used in summaries: `peeringdb-api` or `peeringdb-dump`.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::ApiPage => "peeringdb-api",
            Format::Dump => "peeringdb-dump",
        }
    }
}

/// Recognises PeeringDB JSON from its first (up to [`DETECT_LEN`])
/// decompressed bytes: an object whose first member is `"data": [` (or
/// `"meta"` followed later by `"data": [`) is an API page; one whose first
/// member is a PeeringDB type name (`net`, `org`, `fac`…) holding an object
/// is a dump.
pub fn detect(head: &[u8]) -> Option<Format> {
    let h = head.strip_prefix(&[0xef, 0xbb, 0xbf][..]).unwrap_or(head);
    let h = trim(h).strip_prefix(b"{")?;
    let rest = trim(h).strip_prefix(b"\"")?;
    let end = rest.iter().position(|&b| b == b'"')?;
    let key = std::str::from_utf8(&rest[..end]).ok()?;
    let value = trim(trim(&rest[end + 1..]).strip_prefix(b":")?);
    match key {
        "data" if value.first() == Some(&b'[') => Some(Format::ApiPage),
        "meta" if opens(h, b"\"data\"", b'[') => Some(Format::ApiPage),
        _ if ObjectType::KNOWN.iter().any(|t| t.as_str() == key)
            && value.first() == Some(&b'{') =>
        {
            Some(Format::Dump)
        }
        _ => None,
    }
}

fn trim(h: &[u8]) -> &[u8] {
    let n = h.iter().take_while(|b| b.is_ascii_whitespace()).count();
    &h[n..]
}

/// Whether `pat`, `:` and `open` follow each other somewhere in `h`.
fn opens(h: &[u8], pat: &[u8], open: u8) -> bool {
    h.windows(pat.len()).enumerate().any(|(i, w)| {
        w == pat
            && trim(&h[i + pat.len()..])
                .strip_prefix(b":")
                .is_some_and(|r| trim(r).first() == Some(&open))
    })
}

/// Streams a whole PeeringDB file and summarises it: `records` objects read,
/// `elements` objects yielded, and one count per object type (`"net": 250`).
/// In strict mode the first problem is returned as the error.
pub fn inspect(input: Input, mode: Mode) -> Result<Summary, Diagnostic> {
    let mut reader = PeeringDbReader::new(input, mode);
    let mut elements = 0;
    for item in reader.by_ref() {
        item?;
        elements += 1;
    }
    let mut s = Summary::new(reader.format().map_or("peeringdb", Format::as_str));
    s.records = reader.records();
    s.elements = elements;
    s.counts = reader.per_type().clone();
    s.diagnostics = reader.diagnostics().clone();
    Ok(s)
}
