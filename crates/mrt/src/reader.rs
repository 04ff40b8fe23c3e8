//! The record framing and element stream of [`MrtReader`] (RFC 6396 §2-§4).
//!
//! Framing is done here, not by the decoding library, because the reader
//! must know where each record starts (diagnostics name record index and byte
//! offset) and must tell a file cut inside a record (truncated) from a record
//! whose body does not decode (malformed, skipped in lenient mode). A record
//! header whose length field cannot be trusted leaves no way to find the next
//! record boundary, so the reader stops there with a diagnostic.

use std::collections::{BTreeMap, VecDeque};
use std::io::{self, BufRead, Read};
use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;

use bgpkit_parser::models::{
    Asn as BgpAsn, Bgp4MpEnum, MrtMessage, TableDumpV2Message,
};
use bgpkit_parser::parser::mrt::mrt_record::parse_mrt_body;
use bgpkit_parser::{BgpElem, Elementor};
use bytes::Bytes;
use manrs_input::{Input, InputError, InputStatus};
use manrs_types::{DiagKind, Diagnostic, Diagnostics, Location, Mode, Summary};

/// The 12-byte MRT common header (RFC 6396 §2).
const HEADER_LEN: usize = 12;
/// Largest record body accepted. Real records stay far below (RFC 8654
/// extended messages are at most 65,535 bytes; a TABLE_DUMP_V2 RIB entry for
/// a prefix with thousands of peers stays under a few MiB); a larger length
/// field is corruption, and reading it would exhaust memory.
const MAX_BODY_LEN: u32 = 16 * 1024 * 1024;

/// MRT types (RFC 6396 §4; type 5 is the deprecated BGP type of RFC 6396
/// Appendix B, used by RIPE RIS until 2001).
const T_BGP: u16 = 5;
const T_TABLE_DUMP: u16 = 12;
const T_TABLE_DUMP_V2: u16 = 13;
const T_BGP4MP: u16 = 16;
const T_BGP4MP_ET: u16 = 17;

/// The kind of MRT record an item came from; decides the `bgpdump -m` type
/// column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RecordType {
    /// Deprecated MRT type 5 (BGP).
    LegacyBgp,
    /// TABLE_DUMP (RFC 6396 §4.2).
    TableDump,
    /// TABLE_DUMP_V2 (RFC 6396 §4.3).
    TableDumpV2,
    /// TABLE_DUMP_V2 ADD-PATH RIB subtypes (RFC 8050 §4).
    TableDumpV2AddPath,
    /// BGP4MP (RFC 6396 §4.4).
    Bgp4Mp,
    /// BGP4MP_ET: BGP4MP with microsecond timestamps (RFC 6396 §3).
    Bgp4MpEt,
}

impl RecordType {
    fn from_header(t: u16, subtype: u16) -> Option<Self> {
        Some(match t {
            T_BGP => RecordType::LegacyBgp,
            T_TABLE_DUMP => RecordType::TableDump,
            // RFC 8050 §4: RIB_IPV4_UNICAST_ADDPATH (8) .. RIB_GENERIC_ADDPATH (12).
            T_TABLE_DUMP_V2 if (8..=12).contains(&subtype) => RecordType::TableDumpV2AddPath,
            T_TABLE_DUMP_V2 => RecordType::TableDumpV2,
            T_BGP4MP => RecordType::Bgp4Mp,
            T_BGP4MP_ET => RecordType::Bgp4MpEt,
            _ => return None,
        })
    }

    /// The name used in counts (`TABLE_DUMP_V2`...).
    pub fn name(self) -> &'static str {
        match self {
            RecordType::LegacyBgp => "BGP",
            RecordType::TableDump => "TABLE_DUMP",
            RecordType::TableDumpV2 | RecordType::TableDumpV2AddPath => "TABLE_DUMP_V2",
            RecordType::Bgp4Mp => "BGP4MP",
            RecordType::Bgp4MpEt => "BGP4MP_ET",
        }
    }
}

/// One route element: a prefix announced, withdrawn or present in a RIB,
/// with the record it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Element {
    /// The record type.
    pub record_type: RecordType,
    /// The record's header timestamp (seconds). For TABLE_DUMP entries this
    /// is the dump time; the route's own `originated` time is in `elem`.
    pub time: u32,
    /// Microseconds of a BGP4MP_ET record.
    pub micros: Option<u32>,
    /// The decoded element.
    pub elem: BgpElem,
}

/// A BGP4MP STATE_CHANGE record (RFC 6396 §4.4.1): the session to a peer
/// moved between BGP FSM states (RFC 4271 §8.2.2 numbering).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StateChange {
    /// BGP4MP or BGP4MP_ET.
    pub record_type: RecordType,
    /// Header timestamp (seconds).
    pub time: u32,
    /// Microseconds of a BGP4MP_ET record.
    pub micros: Option<u32>,
    /// The peer.
    pub peer_ip: IpAddr,
    /// The peer's AS.
    pub peer_asn: u32,
    /// FSM state before.
    pub old_state: u16,
    /// FSM state after.
    pub new_state: u16,
}

/// What the reader yields.
#[derive(Clone, Debug, PartialEq)]
pub enum MrtItem {
    /// A route element (one per prefix per record).
    Element(Element),
    /// A session state change.
    State(StateChange),
}

/// Counts the bytes consumed from the decompressed stream.
struct Counting<R> {
    inner: R,
    pos: u64,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.pos += n as u64;
        Ok(n)
    }
}

/// Streaming MRT reader; see the crate docs.
pub struct MrtReader {
    input: Counting<Box<dyn BufRead + Send>>,
    name: Arc<str>,
    status: InputStatus,
    mode: Mode,
    elementor: Elementor,
    pending: VecDeque<MrtItem>,
    diagnostics: Diagnostics,
    records: u64,
    elements: u64,
    state_changes: u64,
    per_type: BTreeMap<&'static str, u64>,
    header: [u8; HEADER_LEN],
    body: Vec<u8>,
    done: bool,
}

impl std::fmt::Debug for MrtReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MrtReader")
            .field("name", &self.name)
            .field("records", &self.records)
            .finish_non_exhaustive()
    }
}

impl MrtReader {
    /// A reader over an opened input.
    pub fn new(input: Input, mode: Mode) -> Self {
        let (reader, name, status) = input.into_parts();
        MrtReader {
            input: Counting { inner: reader, pos: 0 },
            name,
            status,
            mode,
            elementor: Elementor::new(),
            pending: VecDeque::new(),
            diagnostics: Diagnostics::default(),
            records: 0,
            elements: 0,
            state_changes: 0,
            per_type: BTreeMap::new(),
            header: [0; HEADER_LEN],
            body: Vec::new(),
            done: false,
        }
    }

    /// Opens a file (plain, gzip or bzip2).
    pub fn open(path: impl AsRef<Path>, mode: Mode) -> Result<Self, InputError> {
        Ok(Self::new(Input::open(path)?, mode))
    }

    /// Problems found so far.
    pub fn diagnostics(&self) -> &Diagnostics {
        &self.diagnostics
    }

    /// MRT records read (decodable or not).
    pub fn records(&self) -> u64 {
        self.records
    }

    /// Route elements yielded.
    pub fn elements(&self) -> u64 {
        self.elements
    }

    /// State changes yielded.
    pub fn state_changes(&self) -> u64 {
        self.state_changes
    }

    /// Records per MRT type name.
    pub fn records_per_type(&self) -> &BTreeMap<&'static str, u64> {
        &self.per_type
    }

    /// Records a problem; returns the error to yield in strict mode.
    fn problem(&mut self, location: Location, kind: DiagKind, msg: String) -> Option<Diagnostic> {
        let d = Diagnostic::new(&self.name, location, kind, msg);
        let out = self.diagnostics.report(self.mode, d);
        if out.is_some() {
            self.done = true;
        }
        out
    }

    /// The end of the stream: a clean end, or a cut/corrupt stream.
    fn finish(&mut self, fallback: Option<(Location, String)>) -> Option<Diagnostic> {
        self.done = true;
        if let Some(d) = self.status.diagnostic(&self.name) {
            // The decompressor saw the stream end early (or fail): that is the
            // cause, whatever the framing saw.
            let out = self.diagnostics.report(self.mode, d);
            return out;
        }
        if let Some((loc, msg)) = fallback {
            return self.problem(loc, DiagKind::Truncated, msg);
        }
        None
    }

    /// Reads as many bytes as possible into `buf`; returns the count (short
    /// only at the end of the stream).
    fn fill(&mut self, which: Which) -> io::Result<usize> {
        let buf: &mut [u8] = match which {
            Which::Header => &mut self.header,
            Which::Body => &mut self.body,
        };
        let mut got = 0;
        while got < buf.len() {
            match self.input.read(&mut buf[got..]) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(got)
    }

    /// Reads and decodes one record into `pending`. Returns an error to
    /// yield (strict mode) or `None`.
    fn read_record(&mut self) -> Option<Diagnostic> {
        let start = self.input.pos;
        let index = self.records;
        let loc = Location::Record { index, byte: start };
        match self.fill(Which::Header) {
            Ok(0) => return self.finish(None),
            Ok(n) if n < HEADER_LEN => {
                return self.finish(Some((
                    loc,
                    format!("file ends inside a record header ({n} of {HEADER_LEN} bytes)"),
                )));
            }
            Ok(_) => {}
            Err(e) => return self.finish(Some((loc, format!("read failed: {e}")))),
        }
        let h = self.header;
        let time = u32::from_be_bytes([h[0], h[1], h[2], h[3]]);
        let mrt_type = u16::from_be_bytes([h[4], h[5]]);
        let subtype = u16::from_be_bytes([h[6], h[7]]);
        let length = u32::from_be_bytes([h[8], h[9], h[10], h[11]]);
        self.records += 1;
        if length > MAX_BODY_LEN {
            self.done = true;
            let d = Diagnostic::new(
                &self.name,
                loc,
                DiagKind::Malformed,
                format!(
                    "record length {length} exceeds {MAX_BODY_LEN} bytes: corrupt header, \
                     no record boundary to resume from; reading stops here"
                ),
            );
            return self.diagnostics.report(self.mode, d);
        }
        self.body.resize(length as usize, 0);
        match self.fill(Which::Body) {
            Ok(n) if n < length as usize => {
                return self.finish(Some((
                    loc,
                    format!("file ends inside a record body ({n} of {length} bytes)"),
                )));
            }
            Ok(_) => {}
            Err(e) => return self.finish(Some((loc, format!("read failed: {e}")))),
        }
        let Some(record_type) = RecordType::from_header(mrt_type, subtype) else {
            return self.problem(
                loc,
                DiagKind::Unsupported,
                format!("MRT type {mrt_type} subtype {subtype} is not a routing record type"),
            );
        };
        *self.per_type.entry(record_type.name()).or_insert(0) += 1;
        // RFC 6396 §3: the extended-timestamp types carry microseconds as the
        // first 4 bytes of the body (counted in the length).
        let (micros, payload) = if record_type == RecordType::Bgp4MpEt {
            match self.body.get(..4) {
                Some(m) => {
                    (Some(u32::from_be_bytes([m[0], m[1], m[2], m[3]])), &self.body[4..])
                }
                None => {
                    return self.problem(
                        loc,
                        DiagKind::Malformed,
                        format!("BGP4MP_ET record of {length} bytes has no microsecond field"),
                    );
                }
            }
        } else {
            (None, &self.body[..])
        };
        let message = match parse_mrt_body(mrt_type, subtype, Bytes::copy_from_slice(payload)) {
            Ok(m) => m,
            Err(e) => {
                let kind = match e {
                    bgpkit_parser::error::ParserError::Unsupported(_) => DiagKind::Unsupported,
                    _ => DiagKind::Malformed,
                };
                return self.problem(
                    loc,
                    kind,
                    format!("{} subtype {subtype}: {e}", record_type.name()),
                );
            }
        };
        self.push_items(record_type, time, micros, subtype, message, loc)
    }

    fn push_items(
        &mut self,
        record_type: RecordType,
        time: u32,
        micros: Option<u32>,
        subtype: u16,
        message: MrtMessage,
        loc: Location,
    ) -> Option<Diagnostic> {
        let message = match message {
            MrtMessage::Bgp4Mp(Bgp4MpEnum::StateChange(sc)) => {
                self.state_changes += 1;
                self.pending.push_back(MrtItem::State(StateChange {
                    record_type,
                    time,
                    micros,
                    peer_ip: sc.peer_ip,
                    peer_asn: asn_u32(sc.peer_asn),
                    old_state: sc.old_state as u16,
                    new_state: sc.new_state as u16,
                }));
                return None;
            }
            MrtMessage::TableDumpV2Message(TableDumpV2Message::PeerIndexTable(p)) => {
                self.elementor = Elementor::with_peer_table(p);
                return None;
            }
            m => m,
        };
        // Problems the decoder recovered from (RFC 7606 error handling:
        // malformed attributes or NLRI) are kept as attribute warnings; they
        // are problems of the data and are reported, never dropped.
        let warnings = validation_warnings(&message);
        for w in warnings {
            let d = self.problem(loc, DiagKind::Malformed, format!("{}: {w}", record_type.name()));
            if d.is_some() {
                return d;
            }
        }
        // RFC 8050 §4: ADD-PATH RIB entries carry a path identifier per
        // entry; the decoder's elements are in entry order, so pair them.
        let path_ids: Vec<Option<u32>> = match &message {
            MrtMessage::TableDumpV2Message(TableDumpV2Message::RibAfi(r)) => {
                r.rib_entries.iter().map(|e| e.path_id).collect()
            }
            _ => Vec::new(),
        };
        let header = bgpkit_parser::models::CommonHeader {
            timestamp: time,
            microsecond_timestamp: micros,
            entry_type: bgpkit_parser::models::EntryType::try_from(record_type_code(record_type))
                .unwrap_or(bgpkit_parser::models::EntryType::BGP4MP),
            entry_subtype: subtype,
            length: 0,
        };
        let record = bgpkit_parser::MrtRecord { common_header: header, message };
        match self.elementor.record_to_elems_iter(record) {
            Ok(iter) => {
                let first = self.pending.len();
                for (i, mut elem) in iter.enumerate() {
                    if let Some(Some(id)) = path_ids.get(i) {
                        elem.prefix.path_id = Some(*id);
                    }
                    self.elements += 1;
                    self.pending.push_back(MrtItem::Element(Element {
                        record_type,
                        time,
                        micros,
                        elem,
                    }));
                }
                // Within one UPDATE, withdrawals come first (RFC 4271 §4.3
                // field order: Withdrawn Routes precede the NLRI), as
                // bgpdump prints them.
                self.pending.make_contiguous()[first..].sort_by_key(|item| match item {
                    MrtItem::Element(e) => e.elem.elem_type != bgpkit_parser::models::ElemType::WITHDRAW,
                    MrtItem::State(_) => true,
                });
                None
            }
            Err(e) => self.problem(loc, DiagKind::Malformed, format!("{}: {e}", record_type.name())),
        }
    }
}

/// The RFC 7606 warnings bgpkit-parser attached to a decoded message.
fn validation_warnings(message: &MrtMessage) -> Vec<String> {
    use bgpkit_parser::models::BgpMessage;
    let mut out = Vec::new();
    match message {
        MrtMessage::Bgp4Mp(Bgp4MpEnum::Message(m)) => {
            if let BgpMessage::Update(u) = &m.bgp_message {
                out.extend(u.attributes.validation_warnings().iter().map(|w| w.to_string()));
            }
        }
        MrtMessage::TableDumpV2Message(TableDumpV2Message::RibAfi(r)) => {
            for e in &r.rib_entries {
                out.extend(e.attributes.validation_warnings().iter().map(|w| w.to_string()));
            }
        }
        MrtMessage::TableDumpMessage(t) => {
            out.extend(t.attributes.validation_warnings().iter().map(|w| w.to_string()));
        }
        _ => {}
    }
    out
}

fn record_type_code(t: RecordType) -> u16 {
    match t {
        RecordType::LegacyBgp => T_BGP,
        RecordType::TableDump => T_TABLE_DUMP,
        RecordType::TableDumpV2 | RecordType::TableDumpV2AddPath => T_TABLE_DUMP_V2,
        RecordType::Bgp4Mp => T_BGP4MP,
        RecordType::Bgp4MpEt => T_BGP4MP_ET,
    }
}

fn asn_u32(a: BgpAsn) -> u32 {
    a.to_u32()
}

#[derive(Clone, Copy)]
enum Which {
    Header,
    Body,
}

impl Iterator for MrtReader {
    type Item = Result<MrtItem, Diagnostic>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.pending.pop_front() {
                return Some(Ok(item));
            }
            if self.done {
                return None;
            }
            if let Some(err) = self.read_record() {
                self.done = true;
                self.pending.clear();
                return Some(Err(err));
            }
        }
    }
}

impl std::iter::FusedIterator for MrtReader {}

/// Whether the first bytes look like MRT: one or two plausible common
/// headers (a known type, a sane length) at the start.
pub fn detect(head: &[u8]) -> bool {
    let mut pos = 0usize;
    let mut seen = 0;
    while seen < 2 {
        let Some(h) = head.get(pos..pos + HEADER_LEN) else {
            // Fewer than two headers available: one valid header is enough.
            return seen >= 1;
        };
        let t = u16::from_be_bytes([h[4], h[5]]);
        let subtype = u16::from_be_bytes([h[6], h[7]]);
        let len = u32::from_be_bytes([h[8], h[9], h[10], h[11]]);
        let known = matches!(
            (t, subtype),
            (T_BGP, 0..=7) | (T_TABLE_DUMP, 1..=2) | (T_TABLE_DUMP_V2, 1..=12) | (T_BGP4MP, 0..=11)
                | (T_BGP4MP_ET, 0..=11)
        );
        if !known || len > MAX_BODY_LEN || len == 0 {
            return false;
        }
        seen += 1;
        pos = match pos.checked_add(HEADER_LEN + len as usize) {
            Some(p) => p,
            None => return false,
        };
        if pos >= head.len() {
            return true;
        }
    }
    true
}

/// Streams a whole MRT input and summarises it (format `mrt`).
pub fn inspect(input: Input, mode: Mode) -> Result<Summary, Diagnostic> {
    let mut reader = MrtReader::new(input, mode);
    for item in reader.by_ref() {
        item?;
    }
    let mut s = Summary::new("mrt");
    s.records = reader.records;
    s.elements = reader.elements;
    s.counts.insert("stateChanges".into(), reader.state_changes);
    for (t, n) in &reader.per_type {
        s.counts.insert((*t).to_string(), *n);
    }
    s.diagnostics = reader.diagnostics;
    Ok(s)
}
