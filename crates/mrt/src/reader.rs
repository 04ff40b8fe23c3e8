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
    AsPath, Asn as BgpAsn, Bgp4MpEnum, CommonHeader, EntryType, LegacyBgp, MrtMessage,
    TableDumpMessage, TableDumpV2Message,
};
use bgpkit_parser::parser::mrt::mrt_record::{RawMrtRecord, chunk_mrt_record};
use bgpkit_parser::{BgpElem, Elementor, MrtRecord, ParserError};
use bytes::Bytes;
use manrs_input::{Input, InputError, InputStatus};
use manrs_types::{DiagKind, Diagnostic, Diagnostics, Location, Mode, Summary};

use crate::route::{self, FastRecord, PathBuf, Peer, Route, RouteItem};

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
///
/// Elements are the common case by far; boxing them to shrink the rare
/// state-change variant would cost one allocation per element.
#[derive(Clone, Debug, PartialEq)]
#[allow(clippy::large_enum_variant)]
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
    done: bool,
    // The route API (`next_route`): the record buffer, reused; the RIB
    // record the fast decoder took; the peers of the current
    // PEER_INDEX_TABLE; the bgpkit-parser element being presented and its
    // AS path.
    buf: Vec<u8>,
    fast: FastRecord,
    peers: Option<Vec<Peer>>,
    current: Option<Element>,
    current_path: PathBuf,
    fast_records: u64,
    fallback_records: u64,
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
            done: false,
            buf: Vec::new(),
            fast: FastRecord::default(),
            peers: None,
            current: None,
            current_path: PathBuf::default(),
            fast_records: 0,
            fallback_records: 0,
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

    /// TABLE_DUMP_V2 RIB records (subtypes 2-5 and 8-11) that
    /// [`next_route`](Self::next_route) decoded with the fast decoder.
    pub fn fast_records(&self) -> u64 {
        self.fast_records
    }

    /// TABLE_DUMP_V2 RIB records (subtypes 2-5 and 8-11) that
    /// [`next_route`](Self::next_route) read in full but left to
    /// bgpkit-parser, because the fast decoder does not take them (see
    /// [`route`](crate::route)).
    pub fn fallback_records(&self) -> u64 {
        self.fallback_records
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

    /// The reader cannot go on after a framing error of this kind; report
    /// it and end, or skip the record and continue.
    fn framing_error(&mut self, loc: Location, err: ParserError) -> Option<Diagnostic> {
        match err {
            ParserError::EofExpected => self.finish(None),
            ParserError::IoError(e) | ParserError::EofError(e) => {
                self.finish(Some((loc, format!("file ends inside a record: {e}"))))
            }
            ParserError::OversizedRecord { length } => {
                self.done = true;
                let d = Diagnostic::new(
                    &self.name,
                    loc,
                    DiagKind::Malformed,
                    format!(
                        "record length {length} exceeds 16 MiB: corrupt header, no record \
                         boundary to resume from; reading stops here"
                    ),
                );
                self.diagnostics.report(self.mode, d)
            }
            // A header that was rejected after its body was read (unknown
            // type, bad subtype): the next record starts right after it.
            other => {
                self.records += 1;
                let kind = match other {
                    ParserError::Unsupported(_) => DiagKind::Unsupported,
                    _ => DiagKind::Malformed,
                };
                self.problem(loc, kind, format!("record header rejected: {other}"))
            }
        }
    }

    /// Reads and decodes one record into `pending`. Returns an error to
    /// yield (strict mode) or `None`.
    fn read_record(&mut self) -> Option<Diagnostic> {
        let loc = Location::Record { index: self.records, byte: self.input.pos };
        // Framing by the decoder's own chunker: it also repairs the
        // historical TABLE_DUMP records whose length field is four bytes
        // short (RIS bviews of 2000).
        match chunk_mrt_record(&mut self.input) {
            Ok(raw) => self.decode_raw(raw, loc),
            Err(e) => self.framing_error(loc, e.error),
        }
    }

    /// Decodes one framed record with bgpkit-parser into `pending`.
    fn decode_raw(&mut self, raw: RawMrtRecord, loc: Location) -> Option<Diagnostic> {
        self.records += 1;
        let h = &raw.common_header;
        let (mrt_type, subtype) = (h.entry_type as u16, h.entry_subtype);
        let (time, micros) = (h.timestamp, h.microsecond_timestamp);
        let Some(record_type) = RecordType::from_header(mrt_type, subtype) else {
            return self.problem(
                loc,
                DiagKind::Unsupported,
                format!("MRT type {mrt_type} subtype {subtype} is not a routing record type"),
            );
        };
        *self.per_type.entry(record_type.name()).or_insert(0) += 1;
        if matches!(record_type, RecordType::Bgp4Mp | RecordType::Bgp4MpEt)
            && matches!(subtype, 2 | 3)
        {
            // BGP4MP_ENTRY (2) and BGP4MP_SNAPSHOT (3) of the MRT drafts
            // (still written by OpenBGPD for table dumps) were left out of
            // RFC 6396 §4.4 and are not decoded.
            let name = if subtype == 2 { "BGP4MP_ENTRY" } else { "BGP4MP_SNAPSHOT" };
            return self.problem(
                loc,
                DiagKind::Unsupported,
                format!(
                    "{} subtype {subtype} ({name}, not in RFC 6396) is not decoded",
                    record_type.name()
                ),
            );
        }
        let record = match raw.parse() {
            Ok(r) => r,
            Err(e) => {
                let kind = match e {
                    ParserError::Unsupported(_) => DiagKind::Unsupported,
                    _ => DiagKind::Malformed,
                };
                return self.problem(
                    loc,
                    kind,
                    format!("{} subtype {subtype}: {e}", record_type.name()),
                );
            }
        };
        self.push_items(record_type, time, micros, record, loc)
    }

    fn push_items(
        &mut self,
        record_type: RecordType,
        time: u32,
        micros: Option<u32>,
        record: MrtRecord,
        loc: Location,
    ) -> Option<Diagnostic> {
        let MrtRecord { common_header, message } = record;
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
            MrtMessage::LegacyBgp(LegacyBgp::StateChange(sc)) => {
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
                // The fast decoder's copy: peer indices are 0..n in table
                // order (RFC 6396 §4.3.1).
                let mut peers = Vec::with_capacity(p.id_peer_map.len());
                while let Some(peer) = p.id_peer_map.get(&(peers.len() as u16)) {
                    peers.push(Peer {
                        ip: peer.peer_ip,
                        asn: manrs_types::Asn(peer.peer_asn.to_u32()),
                        bgp_id: peer.peer_bgp_id,
                    });
                    if peers.len() > usize::from(u16::MAX) {
                        break;
                    }
                }
                self.peers = Some(peers);
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
        // RFC 6793 §4.2.3: a 2-byte-AS TABLE_DUMP entry may carry AS4_PATH
        // next to AS_PATH (OpenBGPD writes such RIBs). The decoder merges the
        // two for every other record type but not for TABLE_DUMP, so the
        // merged path is computed here, one per entry in entry order.
        let mut merged_paths: Vec<Option<AsPath>> = match &message {
            MrtMessage::TableDumpMessage(t) => vec![merged_as4_path(t)],
            MrtMessage::TableDumpMessageBatch(ts) => ts.iter().map(merged_as4_path).collect(),
            _ => Vec::new(),
        };
        let record = MrtRecord { common_header, message };
        match self.elementor.record_to_elems_iter(record) {
            Ok(iter) => {
                let first = self.pending.len();
                for (i, mut elem) in iter.enumerate() {
                    if let Some(Some(id)) = path_ids.get(i) {
                        elem.prefix.path_id = Some(*id);
                    }
                    if let Some(path) = merged_paths.get_mut(i).and_then(Option::take) {
                        elem.origin_asns = Some(path.iter_origins().collect());
                        elem.as_path = Some(path);
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
                    MrtItem::Element(e) => {
                        e.elem.elem_type != bgpkit_parser::models::ElemType::WITHDRAW
                    }
                    MrtItem::State(_) => true,
                });
                None
            }
            Err(e) => {
                self.problem(loc, DiagKind::Malformed, format!("{}: {e}", record_type.name()))
            }
        }
    }
}

/// What [`MrtReader::next_route`] found to present, before the view is
/// made (the view borrows the reader, so it is made once the reading is
/// done).
enum Ready {
    /// Entry `i` of the fast record.
    Fast(usize),
    /// The element in `current`.
    Elem,
    /// A state change.
    State(StateChange),
}

/// Hands the bytes already consumed from the input, then the read error met
/// (if any), then the rest of the input to bgpkit-parser's chunker, so that
/// it frames the record exactly as if it had read it itself.
struct Replay<'a, R> {
    head: &'a [u8],
    err: Option<io::Error>,
    inner: &'a mut R,
}

impl<R: Read> Read for Replay<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if !self.head.is_empty() {
            let n = self.head.len().min(buf.len());
            let (now, later) = self.head.split_at(n);
            if let Some(dst) = buf.get_mut(..n) {
                dst.copy_from_slice(now);
            }
            self.head = later;
            return Ok(n);
        }
        if let Some(e) = self.err.take() {
            return Err(e);
        }
        self.inner.read(buf)
    }
}

impl MrtReader {
    /// The next route or state change, or the error that ends a strict
    /// reading, as a view borrowed from the reader until the next call: the
    /// allocation-free counterpart of the [`Iterator`] API.
    ///
    /// TABLE_DUMP_V2 RIB records (RFC 6396 §4.3.2 subtypes 2-5, RFC 8050
    /// subtypes 8-11) go through a specialised decoder that reads them from
    /// one reused record buffer (see [`route`](crate::route)); every other
    /// record, and every RIB record that decoder does not fully trust, is
    /// decoded by bgpkit-parser as by the iterator and presented through the
    /// same [`Route`] view. Records, elements, records per type, state
    /// changes and diagnostics (record index and byte offset included) are
    /// the same as the iterator's, item for item.
    ///
    /// ```no_run
    /// # use manrs_mrt::{MrtReader, RouteItem};
    /// # use manrs_types::Mode;
    /// let mut reader = MrtReader::open("rib.bz2", Mode::Lenient)?;
    /// while let Some(item) = reader.next_route() {
    ///     let RouteItem::Route(route) = item? else { continue };
    ///     println!("{} {:?}", route.prefix, route.origin_asn());
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// The iterator and this method may be mixed on one reader; neither
    /// skips nor repeats an item.
    pub fn next_route(&mut self) -> Option<Result<RouteItem<'_>, Diagnostic>> {
        let ready = loop {
            if self.fast.in_progress() {
                let i = self.fast.next;
                self.fast.next += 1;
                break Ready::Fast(i);
            }
            match self.pending.pop_front() {
                Some(MrtItem::Element(e)) => {
                    match &e.elem.as_path {
                        Some(p) => self.current_path.set_from(p),
                        None => self.current_path.clear(),
                    }
                    self.current = Some(e);
                    break Ready::Elem;
                }
                Some(MrtItem::State(s)) => break Ready::State(s),
                None => {}
            }
            if self.done {
                return None;
            }
            if let Some(err) = self.read_record_fast() {
                self.done = true;
                self.pending.clear();
                self.fast.clear();
                return Some(Err(err));
            }
        };
        let item = match ready {
            Ready::Fast(i) => {
                let body = self.buf.get(HEADER_LEN..).unwrap_or_default();
                let peers = self.peers.as_deref().unwrap_or_default();
                RouteItem::Route(self.fast.route(i, body, peers)?)
            }
            Ready::Elem => {
                let e = self.current.as_ref()?;
                RouteItem::Route(Route::from_elem(
                    e.record_type,
                    e.time,
                    e.micros,
                    &e.elem,
                    &self.current_path,
                ))
            }
            Ready::State(s) => RouteItem::State(s),
        };
        Some(Ok(item))
    }

    /// Reads one record for [`next_route`](Self::next_route): a
    /// TABLE_DUMP_V2 RIB record into the reused buffer and, when the fast
    /// decoder takes it, into `fast`; anything else through
    /// [`decode_raw`](Self::decode_raw) into `pending`.
    fn read_record_fast(&mut self) -> Option<Diagnostic> {
        let loc = Location::Record { index: self.records, byte: self.input.pos };
        self.buf.clear();
        let mut err = (&mut self.input).take(HEADER_LEN as u64).read_to_end(&mut self.buf).err();
        if err.is_none()
            && let Some(&[t0, t1, s0, s1, l0, l1, l2, l3]) = self.buf.get(4..HEADER_LEN)
        {
            let (t, subtype) = (u16::from_be_bytes([t0, t1]), u16::from_be_bytes([s0, s1]));
            let len = u32::from_be_bytes([l0, l1, l2, l3]);
            if t == T_TABLE_DUMP_V2
                && route::fast_subtype(subtype).is_some()
                && len <= MAX_BODY_LEN
                && self.peers.is_some()
            {
                self.buf.reserve(len as usize);
                err = (&mut self.input).take(u64::from(len)).read_to_end(&mut self.buf).err();
                if err.is_none() && self.buf.len() == HEADER_LEN + len as usize {
                    return self.rib_record(subtype, len, loc);
                }
            }
        }
        // Not a record for the fast decoder, or cut short: bgpkit-parser's
        // chunker frames it (and words the error) as in `read_record`.
        let chunked =
            chunk_mrt_record(&mut Replay { head: &self.buf, err, inner: &mut self.input });
        match chunked {
            Ok(raw) => self.decode_raw(raw, loc),
            Err(e) => self.framing_error(loc, e.error),
        }
    }

    /// A whole TABLE_DUMP_V2 RIB record is in `buf`: the fast decoder, or
    /// bgpkit-parser when the fast decoder does not take it.
    fn rib_record(&mut self, subtype: u16, len: u32, loc: Location) -> Option<Diagnostic> {
        let body = self.buf.get(HEADER_LEN..).unwrap_or_default();
        let peers = self.peers.as_deref().unwrap_or_default();
        let time = match self.buf.get(..4) {
            Some(&[a, b, c, d]) => u32::from_be_bytes([a, b, c, d]),
            _ => 0,
        };
        if route::decode_rib(body, subtype, peers, &mut self.fast) {
            // The counts `decode_raw` would have made.
            let record_type = RecordType::from_header(T_TABLE_DUMP_V2, subtype)
                .unwrap_or(RecordType::TableDumpV2);
            self.fast.record_type = record_type;
            self.fast.time = time;
            self.records += 1;
            *self.per_type.entry(record_type.name()).or_insert(0) += 1;
            self.elements += self.fast.len() as u64;
            self.fast_records += 1;
            return None;
        }
        self.fast.clear();
        self.fallback_records += 1;
        let raw = table_dump_v2_raw(&self.buf, time, subtype, len);
        self.decode_raw(raw, loc)
    }

    /// Hands the entries of the fast record not yet yielded to `pending`,
    /// decoded by bgpkit-parser, for the iterator (when a caller moves
    /// from [`next_route`](Self::next_route) to `next` inside a record).
    /// The fast decoder took the record, so bgpkit-parser decodes it
    /// without a warning into the same entries, already counted.
    fn demote_fast_record(&mut self) {
        let skip = self.fast.next;
        self.fast.clear();
        let (subtype, len, time) = match self.buf.get(..HEADER_LEN) {
            Some(&[a, b, c, d, _, _, s0, s1, l0, l1, l2, l3]) => (
                u16::from_be_bytes([s0, s1]),
                u32::from_be_bytes([l0, l1, l2, l3]),
                u32::from_be_bytes([a, b, c, d]),
            ),
            _ => return,
        };
        let raw = table_dump_v2_raw(&self.buf, time, subtype, len);
        let (records, elements, per_type) = (self.records, self.elements, self.per_type.clone());
        let first = self.pending.len();
        let _ = self.decode_raw(raw, Location::Record { index: records, byte: 0 });
        (self.records, self.elements, self.per_type) = (records, elements, per_type);
        let skip = skip.min(self.pending.len().saturating_sub(first));
        self.pending.drain(first..first + skip);
    }
}

/// The TABLE_DUMP_V2 record in `buf` (12-byte header, then the body) as
/// bgpkit-parser's raw record, for its decoder.
fn table_dump_v2_raw(buf: &[u8], time: u32, subtype: u16, len: u32) -> RawMrtRecord {
    RawMrtRecord {
        common_header: CommonHeader {
            timestamp: time,
            microsecond_timestamp: None,
            entry_type: EntryType::TABLE_DUMP_V2,
            entry_subtype: subtype,
            length: len,
        },
        header_bytes: Bytes::copy_from_slice(buf.get(..HEADER_LEN).unwrap_or_default()),
        message_bytes: Bytes::copy_from_slice(buf.get(HEADER_LEN..).unwrap_or_default()),
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

/// The RFC 6793 §4.2.3 merge of AS_PATH and AS4_PATH of a TABLE_DUMP entry,
/// when it carries an AS4_PATH at all.
fn merged_as4_path(t: &TableDumpMessage) -> Option<AsPath> {
    t.attributes.as4_path()?;
    t.attributes.effective_as_path()
}

fn asn_u32(a: BgpAsn) -> u32 {
    a.to_u32()
}

impl Iterator for MrtReader {
    type Item = Result<MrtItem, Diagnostic>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.fast.in_progress() {
            self.demote_fast_record();
        }
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
            (T_BGP, 0..=7)
                | (T_TABLE_DUMP, 1..=2)
                | (T_TABLE_DUMP_V2, 1..=12)
                | (T_BGP4MP, 0..=11)
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

/// Streams a whole MRT input and summarises it (format `mrt`): records,
/// elements, and the counts `stateChanges`, `peers` (distinct peer address
/// and AS pairs seen in elements and state changes) and records per MRT type
/// (`TABLE_DUMP_V2`, `BGP4MP_ET`...). In strict mode the first problem is
/// the error.
pub fn inspect(input: Input, mode: Mode) -> Result<Summary, Diagnostic> {
    let mut reader = MrtReader::new(input, mode);
    let mut peers = PeerSet::default();
    while let Some(item) = reader.next_route() {
        match item? {
            RouteItem::Route(r) => peers.insert(r.peer_ip, r.peer_asn.0),
            RouteItem::State(s) => peers.insert(s.peer_ip, s.peer_asn),
        }
    }
    let mut s = Summary::new("mrt");
    s.records = reader.records;
    s.elements = reader.elements;
    s.counts.insert("stateChanges".into(), reader.state_changes);
    s.counts.insert("peers".into(), peers.set.len() as u64);
    for (t, n) in &reader.per_type {
        s.counts.insert((*t).to_string(), *n);
    }
    s.diagnostics = reader.diagnostics;
    Ok(s)
}

/// The distinct (address, AS) pairs of the peers seen. A RIB has a few
/// dozen peers and 20 million entries: a small direct-mapped cache in front
/// of the hash set answers almost every lookup (hashing every entry's peer
/// cost a sixth of a full-table `inspect`).
struct PeerSet {
    cache: [Option<(IpAddr, u32)>; 1024],
    set: std::collections::HashSet<(IpAddr, u32)>,
}

impl Default for PeerSet {
    fn default() -> Self {
        PeerSet { cache: [None; 1024], set: Default::default() }
    }
}

impl PeerSet {
    fn insert(&mut self, ip: IpAddr, asn: u32) {
        let low = match ip {
            IpAddr::V4(a) => u32::from(a),
            IpAddr::V6(a) => (u128::from(a) as u32) ^ ((u128::from(a) >> 64) as u32),
        };
        let slot = ((low ^ asn.rotate_left(7)).wrapping_mul(0x9e37_79b9) >> 22) as usize;
        let Some(c) = self.cache.get_mut(slot) else { return };
        if *c != Some((ip, asn)) {
            self.set.insert((ip, asn));
            *c = Some((ip, asn));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(bytes: Vec<u8>, mode: Mode) -> MrtReader {
        MrtReader::new(Input::from_reader("t.mrt", io::Cursor::new(bytes)).unwrap(), mode)
    }

    fn header(t: u16, subtype: u16, len: u32) -> Vec<u8> {
        let mut h = 1_000_000u32.to_be_bytes().to_vec();
        h.extend(t.to_be_bytes());
        h.extend(subtype.to_be_bytes());
        h.extend(len.to_be_bytes());
        h
    }

    /// A BGP4MP_MESSAGE_AS4 STATE_CHANGE record (RFC 6396 §4.4.1/§4.4.4
    /// layout for subtype 5: peer AS, local AS, ifindex, AFI, peer IP,
    /// local IP, old state, new state).
    fn state_change() -> Vec<u8> {
        let mut body = Vec::new();
        body.extend(64_512u32.to_be_bytes());
        body.extend(64_513u32.to_be_bytes());
        body.extend(0u16.to_be_bytes());
        body.extend(1u16.to_be_bytes());
        body.extend([192, 0, 2, 1]);
        body.extend([192, 0, 2, 2]);
        body.extend(3u16.to_be_bytes());
        body.extend(6u16.to_be_bytes());
        let mut r = header(T_BGP4MP, 5, body.len() as u32);
        r.extend(body);
        r
    }

    #[test]
    fn reads_a_state_change() {
        let items: Vec<_> = reader(state_change(), Mode::Strict).collect();
        assert_eq!(items.len(), 1);
        let Ok(MrtItem::State(s)) = &items[0] else { panic!("{items:?}") };
        assert_eq!((s.peer_asn, s.old_state, s.new_state), (64_512, 3, 6));
        assert_eq!(crate::bgpdump::state_line(s), "BGP4MP|1000000|STATE|192.0.2.1|64512|3|6");
    }

    #[test]
    fn cut_header_is_truncated() {
        let mut bytes = state_change();
        bytes.extend(&header(T_BGP4MP, 5, 20)[..7]);
        let mut r = reader(bytes, Mode::Lenient);
        assert_eq!(r.by_ref().count(), 1);
        let d = &r.diagnostics().kept()[0];
        assert_eq!(d.kind, DiagKind::Truncated);
        assert_eq!(d.location, Location::Record { index: 1, byte: 36 });
    }

    #[test]
    fn cut_body_is_truncated_and_strict_stops() {
        let mut bytes = state_change();
        bytes.truncate(bytes.len() - 3);
        let items: Vec<_> = reader(bytes, Mode::Strict).collect();
        assert_eq!(items.len(), 1);
        let Err(e) = &items[0] else { panic!() };
        assert_eq!(e.kind, DiagKind::Truncated);
        assert!(e.to_string().starts_with("t.mrt: record 0 at byte offset 0: truncated"), "{e}");
    }

    #[test]
    fn unknown_type_is_skipped_and_counted() {
        let mut bytes = header(99, 0, 4);
        bytes.extend([0, 0, 0, 0]);
        bytes.extend(state_change());
        let mut r = reader(bytes, Mode::Lenient);
        let items: Vec<_> = r.by_ref().collect();
        assert_eq!(items.len(), 1, "the record after the unknown one is read");
        assert_eq!(r.diagnostics().total(), 1);
        assert_eq!(r.records(), 2);
    }

    #[test]
    fn rib_entry_before_peer_table_is_malformed() {
        // RIB_IPV4_UNICAST: sequence, prefix 10.0.0.0/8, one entry of peer 0
        // with no attributes.
        let mut body = Vec::new();
        body.extend(0u32.to_be_bytes());
        body.extend([8, 10]);
        body.extend(1u16.to_be_bytes());
        body.extend(0u16.to_be_bytes());
        body.extend(0u32.to_be_bytes());
        body.extend(0u16.to_be_bytes());
        let mut bytes = header(T_TABLE_DUMP_V2, 2, body.len() as u32);
        bytes.extend(body);
        let mut r = reader(bytes, Mode::Lenient);
        assert_eq!(r.by_ref().count(), 0);
        let d = &r.diagnostics().kept();
        assert!(!d.is_empty());
        assert!(d.iter().any(|d| d.kind == DiagKind::Malformed), "{d:?}");
    }

    #[test]
    fn bad_prefix_length_is_malformed() {
        // RIB_IPV4_UNICAST claiming a /40 prefix.
        let mut body = Vec::new();
        body.extend(0u32.to_be_bytes());
        body.extend([40, 10, 0, 0, 0, 0]);
        body.extend(0u16.to_be_bytes());
        let mut bytes = header(T_TABLE_DUMP_V2, 2, body.len() as u32);
        bytes.extend(body);
        let mut r = reader(bytes, Mode::Lenient);
        assert_eq!(r.by_ref().count(), 0);
        assert_eq!(r.diagnostics().count(DiagKind::Malformed), 1, "{:?}", r.diagnostics().kept());
    }

    #[test]
    fn detection() {
        assert!(detect(&state_change()));
        let mut two = state_change();
        two.extend(state_change());
        assert!(detect(&two));
        assert!(!detect(b"route:  192.0.2.0/24\norigin: AS1\n"));
        assert!(!detect(b"{\"roas\": []}"));
        assert!(!detect(b"2|afrinic|20260821|19600|00000000|20260821|00000\n"));
        assert!(!detect(&header(99, 0, 4)));
        assert!(!detect(&[]));
    }
}
