//! The borrowed route view of [`MrtReader::next_route`](crate::MrtReader::next_route)
//! and the specialised TABLE_DUMP_V2 RIB decoder behind it.
//!
//! A RIB record of RFC 6396 §4.3.2 (RIB_IPV4_UNICAST 2, RIB_IPV4_MULTICAST 3,
//! RIB_IPV6_UNICAST 4, RIB_IPV6_MULTICAST 5, and the RFC 8050 §4 ADD-PATH
//! subtypes 8-11) is decoded here straight from the record buffer: the
//! entries' attributes are walked once, the AS paths go into two vectors
//! reused from record to record, and nothing is allocated per entry. The
//! decoder only accepts a record it can decode exactly as bgpkit-parser
//! does *and* on which bgpkit-parser reports nothing: every attribute known,
//! with the flags and length RFC 4271 / RFC 7606 expect, no duplicate, the
//! mandatory ORIGIN, AS_PATH and next hop present, every entry naming a peer
//! of the PEER_INDEX_TABLE, no byte left over. Anything else (AS4_PATH,
//! AS4_AGGREGATOR, a 2-byte AGGREGATOR, an MP_REACH_NLRI with a VPN next hop
//! or none, an unknown attribute, a truncated entry...) makes the decoder
//! refuse the record, and the reader hands it to bgpkit-parser as before,
//! so counts and diagnostics never depend on which path a record took.
//! MP_REACH_NLRI is taken in both forms found in RIBs: the abbreviated one
//! of RFC 6396 §4.3.4 (next hop only) and the full RFC 4760 one RouteViews
//! writes.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use bgpkit_parser::models::{
    AsPathSegment, AsnLength, AttrFlags, Attribute, AttributeValue, BgpElem, ElemType,
    ExtendedCommunity, MetaCommunity, Origin,
};
use ipnet::IpNet;
use manrs_types::Asn;

use crate::{RecordType, StateChange};

/// The kind of an AS path segment (RFC 4271 §4.3, RFC 5065 §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SegmentKind {
    /// AS_SET (1): unordered, the result of aggregation.
    Set,
    /// AS_SEQUENCE (2): the ordered path.
    Sequence,
    /// AS_CONFED_SEQUENCE (3), local to a confederation.
    ConfedSequence,
    /// AS_CONFED_SET (4), local to a confederation.
    ConfedSet,
}

impl SegmentKind {
    fn from_code(code: u8) -> Option<Self> {
        Some(match code {
            1 => SegmentKind::Set,
            2 => SegmentKind::Sequence,
            3 => SegmentKind::ConfedSequence,
            4 => SegmentKind::ConfedSet,
            _ => return None,
        })
    }
}

/// One AS path segment: its kind and its 4-byte AS numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment<'a> {
    /// Sequence, set, or a confederation segment.
    pub kind: SegmentKind,
    /// The AS numbers, in wire order.
    pub asns: &'a [Asn],
}

/// Where a segment's AS numbers are in the flat AS vector.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SegRaw {
    kind: SegmentKind,
    start: u32,
    end: u32,
}

/// A decoded AS path (the AS_PATH attribute, or for records of 2-byte AS
/// speakers the RFC 6793 merge of AS_PATH and AS4_PATH), borrowed from the
/// reader's buffers.
#[derive(Clone, Copy, Debug)]
pub struct AsPathView<'a> {
    asns: &'a [Asn],
    segs: &'a [SegRaw],
}

impl<'a> AsPathView<'a> {
    /// The segments in wire order (borrowing the reader, not the view).
    ///
    /// ```
    /// # use manrs_mrt::{Route, SegmentKind};
    /// # use manrs_types::Asn;
    /// /// The sequences and sets of a route, confederation segments left out.
    /// fn path<'a>(r: &Route<'a>) -> Vec<(bool, &'a [Asn])> {
    ///     r.as_path
    ///         .map(|p| {
    ///             p.segments()
    ///                 .filter_map(|s| match s.kind {
    ///                     SegmentKind::Sequence => Some((false, s.asns)),
    ///                     SegmentKind::Set => Some((true, s.asns)),
    ///                     _ => None,
    ///                 })
    ///                 .collect()
    ///         })
    ///         .unwrap_or_default()
    /// }
    /// ```
    pub fn segments(&self) -> impl ExactSizeIterator<Item = Segment<'a>> + use<'a> {
        let asns = self.asns;
        self.segs.iter().map(move |s| Segment {
            kind: s.kind,
            asns: asns.get(s.start as usize..s.end as usize).unwrap_or(&[]),
        })
    }

    /// Number of segments.
    pub fn len(&self) -> usize {
        self.segs.len()
    }

    /// Whether the path has no segment at all (a route of the collector's
    /// own AS, or an iBGP route).
    pub fn is_empty(&self) -> bool {
        self.segs.is_empty()
    }

    /// RFC 6811 §2: the origin is the last AS of a path whose last segment
    /// is an AS_SEQUENCE; a path ending in an AS_SET (or a confederation
    /// segment, or empty) has no single origin.
    pub fn origin(&self) -> Option<Asn> {
        let last = self.segments().last()?;
        match last.kind {
            SegmentKind::Sequence => last.asns.last().copied(),
            _ => None,
        }
    }
}

impl fmt::Display for AsPathView<'_> {
    /// As bgpkit-parser and bgpdump print paths: segments separated by a
    /// space, sequences as space-separated AS numbers, sets as `{a,b}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.segments().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            match seg.kind {
                SegmentKind::Sequence | SegmentKind::ConfedSequence => {
                    for (j, a) in seg.asns.iter().enumerate() {
                        if j > 0 {
                            f.write_str(" ")?;
                        }
                        write!(f, "{}", a.0)?;
                    }
                }
                SegmentKind::Set | SegmentKind::ConfedSet => {
                    f.write_str("{")?;
                    for (j, a) in seg.asns.iter().enumerate() {
                        if j > 0 {
                            f.write_str(",")?;
                        }
                        write!(f, "{}", a.0)?;
                    }
                    f.write_str("}")?;
                }
            }
        }
        Ok(())
    }
}

/// Reused flat storage for AS paths: all AS numbers of a record in one
/// vector, the segments in another.
#[derive(Debug, Default)]
pub(crate) struct PathBuf {
    pub(crate) asns: Vec<Asn>,
    pub(crate) segs: Vec<SegRaw>,
}

impl PathBuf {
    pub(crate) fn clear(&mut self) {
        self.asns.clear();
        self.segs.clear();
    }

    /// Fills the buffer with a bgpkit-parser path (the fallback path).
    pub(crate) fn set_from(&mut self, path: &bgpkit_parser::models::AsPath) {
        self.clear();
        for seg in &path.segments {
            let (kind, asns) = match seg {
                AsPathSegment::AsSet(v) => (SegmentKind::Set, v),
                AsPathSegment::AsSequence(v) => (SegmentKind::Sequence, v),
                AsPathSegment::ConfedSequence(v) => (SegmentKind::ConfedSequence, v),
                AsPathSegment::ConfedSet(v) => (SegmentKind::ConfedSet, v),
            };
            let start = self.asns.len() as u32;
            self.asns.extend(asns.iter().map(|a| Asn(a.to_u32())));
            self.segs.push(SegRaw { kind, start, end: self.asns.len() as u32 });
        }
    }

    pub(crate) fn view(&self) -> AsPathView<'_> {
        AsPathView { asns: &self.asns, segs: &self.segs }
    }
}

/// What [`MrtReader::next_route`](crate::MrtReader::next_route) yields.
#[derive(Clone, Debug)]
pub enum RouteItem<'a> {
    /// A route element (one per prefix per record, as `bgpdump -m` prints
    /// its A/W/B lines).
    Route(Route<'a>),
    /// A BGP4MP (or type 5) state change.
    State(StateChange),
}

/// A peer of the current PEER_INDEX_TABLE (RFC 6396 §4.3.1).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Peer {
    pub(crate) ip: IpAddr,
    pub(crate) asn: Asn,
    pub(crate) bgp_id: Ipv4Addr,
}

/// A byte range of the record body.
#[derive(Clone, Copy, Debug, Default)]
struct Span {
    start: u32,
    end: u32,
}

impl Span {
    fn of<'b>(&self, body: &'b [u8]) -> &'b [u8] {
        body.get(self.start as usize..self.end as usize).unwrap_or(&[])
    }
}

/// One RIB entry the fast decoder accepted: what is cheap is decoded, the
/// communities are byte ranges decoded on demand.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FastEntry {
    peer: u16,
    originated: u32,
    path_id: Option<u32>,
    attrs: Span,
    segs: (u32, u32),
    origin: Origin,
    next_hop: IpAddr,
    med: Option<u32>,
    local_pref: Option<u32>,
    atomic: bool,
    aggregator: Option<(Asn, Ipv4Addr)>,
    otc: Option<Asn>,
    communities: Option<Span>,
    extended: Option<Span>,
    large: Option<Span>,
}

/// The decoded RIB record being yielded, with every buffer reused.
#[derive(Debug)]
pub(crate) struct FastRecord {
    pub(crate) record_type: RecordType,
    pub(crate) time: u32,
    prefix: IpNet,
    entries: Vec<FastEntry>,
    path: PathBuf,
    /// The next entry to yield.
    pub(crate) next: usize,
}

impl Default for FastRecord {
    fn default() -> Self {
        FastRecord {
            record_type: RecordType::TableDumpV2,
            time: 0,
            prefix: IpNet::V4(Default::default()),
            entries: Vec::new(),
            path: PathBuf::default(),
            next: 0,
        }
    }
}

impl FastRecord {
    /// Entries in the record.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether entries remain to be yielded.
    pub(crate) fn in_progress(&self) -> bool {
        self.next < self.entries.len()
    }

    /// Forgets the record.
    pub(crate) fn clear(&mut self) {
        self.entries.clear();
        self.path.clear();
        self.next = 0;
    }

    /// The view of entry `i`, with `body` the record body the entry was
    /// decoded from.
    pub(crate) fn route<'a>(
        &'a self,
        i: usize,
        body: &'a [u8],
        peers: &[Peer],
    ) -> Option<Route<'a>> {
        let e = self.entries.get(i)?;
        let peer = peers.get(usize::from(e.peer))?;
        Some(Route {
            record_type: self.record_type,
            time: self.time,
            micros: None,
            elem_type: ElemType::ANNOUNCE,
            peer_ip: peer.ip,
            peer_asn: peer.asn,
            peer_bgp_id: Some(peer.bgp_id),
            prefix: self.prefix,
            path_id: e.path_id,
            originated: Some(e.originated),
            as_path: Some(AsPathView {
                asns: &self.path.asns,
                segs: self.path.segs.get(e.segs.0 as usize..e.segs.1 as usize).unwrap_or(&[]),
            }),
            origin: Some(e.origin),
            next_hop: Some(e.next_hop),
            src: Source::Fast { body, entry: e },
        })
    }
}

/// Where a route's lazily decoded attributes come from.
#[derive(Clone, Copy, Debug)]
enum Source<'a> {
    /// The fast decoder: byte ranges of the record body.
    Fast { body: &'a [u8], entry: &'a FastEntry },
    /// bgpkit-parser's element.
    Elem(&'a BgpElem),
}

/// One route element, borrowed from the reader until the next call of
/// [`MrtReader::next_route`](crate::MrtReader::next_route).
///
/// The fields are the same for a route of the fast TABLE_DUMP_V2 decoder
/// and for one that came through bgpkit-parser (every other record type,
/// and the RIB records the fast decoder does not take); the differential
/// tests hold the two to that.
#[derive(Clone, Copy, Debug)]
pub struct Route<'a> {
    /// The record type.
    pub record_type: RecordType,
    /// The record's header timestamp (seconds): for RIB entries the dump
    /// time, for updates the time the collector received the message.
    pub time: u32,
    /// Microseconds of a BGP4MP_ET record.
    pub micros: Option<u32>,
    /// Announcement (RIB entries included) or withdrawal.
    pub elem_type: ElemType,
    /// The peer's address.
    pub peer_ip: IpAddr,
    /// The peer's AS.
    pub peer_asn: Asn,
    /// The peer's BGP identifier, when the record gives it (TABLE_DUMP_V2
    /// peer table).
    pub peer_bgp_id: Option<Ipv4Addr>,
    /// The prefix, as on the wire (host bits are kept).
    pub prefix: IpNet,
    /// The RFC 8050 / RFC 7911 path identifier of ADD-PATH records.
    pub path_id: Option<u32>,
    /// The RIB entry's originated time (TABLE_DUMP and TABLE_DUMP_V2).
    pub originated: Option<u32>,
    /// The AS path; `None` for withdrawals and for announcements without
    /// an AS_PATH attribute.
    pub as_path: Option<AsPathView<'a>>,
    /// The ORIGIN attribute.
    pub origin: Option<Origin>,
    /// The next hop: NEXT_HOP, else the (global) next hop of MP_REACH_NLRI.
    pub next_hop: Option<IpAddr>,
    src: Source<'a>,
}

impl<'a> Route<'a> {
    /// A view of a bgpkit-parser element, its path already in `path`.
    pub(crate) fn from_elem(
        record_type: RecordType,
        time: u32,
        micros: Option<u32>,
        elem: &'a BgpElem,
        path: &'a PathBuf,
    ) -> Self {
        let rib = matches!(
            record_type,
            RecordType::TableDump | RecordType::TableDumpV2 | RecordType::TableDumpV2AddPath
        );
        Route {
            record_type,
            time,
            micros,
            elem_type: elem.elem_type,
            peer_ip: elem.peer_ip,
            peer_asn: Asn(elem.peer_asn.to_u32()),
            peer_bgp_id: elem.peer_bgp_id,
            prefix: elem.prefix.prefix,
            path_id: elem.prefix.path_id,
            // RIB elements carry the entry's originated time as timestamp.
            originated: rib.then_some(elem.timestamp as u32),
            as_path: elem.as_path.as_ref().map(|_| path.view()),
            origin: elem.origin,
            next_hop: elem.next_hop,
            src: Source::Elem(elem),
        }
    }

    /// Whether the fast TABLE_DUMP_V2 decoder produced this route (rather
    /// than bgpkit-parser).
    pub fn is_fast(&self) -> bool {
        matches!(self.src, Source::Fast { .. })
    }

    /// The route's origin AS (RFC 6811 §2, see [`AsPathView::origin`]).
    pub fn origin_asn(&self) -> Option<Asn> {
        self.as_path?.origin()
    }

    /// MULTI_EXIT_DISC (RFC 4271 §5.1.4). As bgpkit-parser reports it: 0
    /// for an announcement without the attribute, `None` for withdrawals.
    pub fn med(&self) -> Option<u32> {
        match self.src {
            Source::Fast { entry, .. } => Some(entry.med.unwrap_or(0)),
            Source::Elem(e) => e.med,
        }
    }

    /// LOCAL_PREF (RFC 4271 §5.1.5). As bgpkit-parser reports it: 0 for an
    /// announcement without the attribute, `None` for withdrawals.
    pub fn local_pref(&self) -> Option<u32> {
        match self.src {
            Source::Fast { entry, .. } => Some(entry.local_pref.unwrap_or(0)),
            Source::Elem(e) => e.local_pref,
        }
    }

    /// Whether ATOMIC_AGGREGATE (RFC 4271 §5.1.6) is present.
    pub fn atomic_aggregate(&self) -> bool {
        match self.src {
            Source::Fast { entry, .. } => entry.atomic,
            Source::Elem(e) => e.atomic,
        }
    }

    /// AGGREGATOR (RFC 4271 §5.1.7, RFC 6793): AS and BGP identifier.
    pub fn aggregator(&self) -> Option<(Asn, Ipv4Addr)> {
        match self.src {
            Source::Fast { entry, .. } => entry.aggregator,
            Source::Elem(e) => Some((Asn(e.aggr_asn?.to_u32()), e.aggr_ip?)),
        }
    }

    /// The Only-to-Customer attribute (RFC 9234 §5): the AS that set it.
    pub fn only_to_customer(&self) -> Option<Asn> {
        match self.src {
            Source::Fast { entry, .. } => entry.otc,
            Source::Elem(e) => e.only_to_customer.map(|a| Asn(a.to_u32())),
        }
    }

    /// The standard communities (RFC 1997) as 32-bit values, in order.
    pub fn communities(&self) -> Communities<'a> {
        match self.src {
            Source::Fast { body, entry } => Communities(Inner::Raw(
                entry.communities.map_or(&[][..], |s| s.of(body)).chunks_exact(4),
            )),
            Source::Elem(e) => Communities(Inner::Elem(metas(e))),
        }
    }

    /// The large communities (RFC 8092): global administrator and the two
    /// local data parts, in order.
    pub fn large_communities(&self) -> LargeCommunities<'a> {
        match self.src {
            Source::Fast { body, entry } => LargeCommunities(Inner::Raw(
                entry.large.map_or(&[][..], |s| s.of(body)).chunks_exact(12),
            )),
            Source::Elem(e) => LargeCommunities(Inner::Elem(metas(e))),
        }
    }

    /// The extended communities (RFC 4360) as their 8 wire bytes, in order.
    pub fn extended_communities(&self) -> ExtendedCommunities<'a> {
        match self.src {
            Source::Fast { body, entry } => ExtendedCommunities(Inner::Raw(
                entry.extended.map_or(&[][..], |s| s.of(body)).chunks_exact(8),
            )),
            Source::Elem(e) => ExtendedCommunities(Inner::Elem(metas(e))),
        }
    }

    /// The raw path attributes of a route of the fast decoder (RFC 4271
    /// §4.3 encoding, 4-byte AS numbers as RFC 6396 §4.3.4 requires), for
    /// any attribute the view does not decode; `None` for a route that came
    /// through bgpkit-parser.
    pub fn raw_attributes(&self) -> Option<&'a [u8]> {
        match self.src {
            Source::Fast { body, entry } => Some(entry.attrs.of(body)),
            Source::Elem(_) => None,
        }
    }
}

fn metas(e: &BgpElem) -> std::slice::Iter<'_, MetaCommunity> {
    e.communities.as_deref().unwrap_or(&[]).iter()
}

#[derive(Clone, Debug)]
enum Inner<'a> {
    Raw(std::slice::ChunksExact<'a, u8>),
    Elem(std::slice::Iter<'a, MetaCommunity>),
}

/// Iterator over standard communities; see [`Route::communities`].
#[derive(Clone, Debug)]
pub struct Communities<'a>(Inner<'a>);

impl Iterator for Communities<'_> {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        use bgpkit_parser::models::Community;
        match &mut self.0 {
            Inner::Raw(c) => match c.next()? {
                &[a, b, c, d] => Some(u32::from_be_bytes([a, b, c, d])),
                _ => None,
            },
            Inner::Elem(it) => it.find_map(|m| match m {
                MetaCommunity::Plain(c) => Some(match c {
                    Community::NoExport => 0xFFFF_FF01,
                    Community::NoAdvertise => 0xFFFF_FF02,
                    Community::NoExportSubConfed => 0xFFFF_FF03,
                    Community::Custom(asn, v) => (asn.to_u32() << 16) | u32::from(*v),
                }),
                _ => None,
            }),
        }
    }
}

/// Iterator over large communities; see [`Route::large_communities`].
#[derive(Clone, Debug)]
pub struct LargeCommunities<'a>(Inner<'a>);

impl Iterator for LargeCommunities<'_> {
    type Item = [u32; 3];

    fn next(&mut self) -> Option<[u32; 3]> {
        match &mut self.0 {
            Inner::Raw(c) => match c.next()? {
                &[a0, a1, a2, a3, b0, b1, b2, b3, c0, c1, c2, c3] => Some([
                    u32::from_be_bytes([a0, a1, a2, a3]),
                    u32::from_be_bytes([b0, b1, b2, b3]),
                    u32::from_be_bytes([c0, c1, c2, c3]),
                ]),
                _ => None,
            },
            Inner::Elem(it) => it.find_map(|m| match m {
                MetaCommunity::Large(l) => Some([l.global_admin, l.local_data[0], l.local_data[1]]),
                _ => None,
            }),
        }
    }
}

/// Iterator over extended communities; see [`Route::extended_communities`].
#[derive(Clone, Debug)]
pub struct ExtendedCommunities<'a>(Inner<'a>);

impl Iterator for ExtendedCommunities<'_> {
    type Item = [u8; 8];

    fn next(&mut self) -> Option<[u8; 8]> {
        match &mut self.0 {
            Inner::Raw(c) => c.next()?.try_into().ok(),
            Inner::Elem(it) => it.find_map(|m| match m {
                MetaCommunity::Extended(x) => Some(extended_bytes(x)),
                _ => None,
            }),
        }
    }
}

/// The wire bytes of a decoded extended community, through bgpkit-parser's
/// own attribute encoder (used for routes of the fallback path only).
fn extended_bytes(x: &ExtendedCommunity) -> [u8; 8] {
    let attr = Attribute {
        value: AttributeValue::ExtendedCommunities(vec![*x]),
        flag: AttrFlags::OPTIONAL | AttrFlags::TRANSITIVE,
    };
    // Flags, type, length, then the 8 bytes.
    attr.encode(AsnLength::Bits32)
        .ok()
        .and_then(|b| b.get(3..11).and_then(|s| s.try_into().ok()))
        .unwrap_or([0; 8])
}

/// Address family, SAFI and ADD-PATH of a RIB subtype the fast decoder
/// takes (RFC 6396 §4.3, RFC 8050 §4).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Family {
    v6: bool,
    multicast: bool,
    add_path: bool,
}

/// The family of a RIB subtype the fast decoder takes.
pub(crate) fn fast_subtype(subtype: u16) -> Option<Family> {
    let (v6, multicast, add_path) = match subtype {
        2 => (false, false, false),
        3 => (false, true, false),
        4 => (true, false, false),
        5 => (true, true, false),
        8 => (false, false, true),
        9 => (false, true, true),
        10 => (true, false, true),
        11 => (true, true, true),
        _ => return None,
    };
    Some(Family { v6, multicast, add_path })
}

/// A bounds-checked reader over a byte slice; positions are offsets into
/// the record body.
struct Cur<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cur<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let s = self.bytes.get(self.pos..end)?;
        self.pos = end;
        Some(s)
    }

    fn u8(&mut self) -> Option<u8> {
        let b = *self.bytes.get(self.pos)?;
        self.pos += 1;
        Some(b)
    }

    fn u16(&mut self) -> Option<u16> {
        match *self.take(2)? {
            [a, b] => Some(u16::from_be_bytes([a, b])),
            _ => None,
        }
    }

    fn u32(&mut self) -> Option<u32> {
        match *self.take(4)? {
            [a, b, c, d] => Some(u32::from_be_bytes([a, b, c, d])),
            _ => None,
        }
    }

    fn remaining(&self) -> usize {
        self.bytes.len().saturating_sub(self.pos)
    }
}

fn be32(b: &[u8]) -> Option<u32> {
    match *b {
        [a, b, c, d] => Some(u32::from_be_bytes([a, b, c, d])),
        _ => None,
    }
}

/// Decodes a TABLE_DUMP_V2 RIB record body (RFC 6396 §4.3.2) into `out`.
/// Returns `false` (and leaves `out` to be cleared) when the record is not
/// one the fast decoder decodes exactly as bgpkit-parser does without a
/// warning; the caller then hands the record to bgpkit-parser.
pub(crate) fn decode_rib(body: &[u8], subtype: u16, peers: &[Peer], out: &mut FastRecord) -> bool {
    out.clear();
    decode(body, subtype, peers, out).is_some()
}

fn decode(body: &[u8], subtype: u16, peers: &[Peer], out: &mut FastRecord) -> Option<()> {
    let family = fast_subtype(subtype)?;
    let (v6, add_path) = (family.v6, family.add_path);
    let mut c = Cur { bytes: body, pos: 0 };
    let _sequence = c.u32()?;
    let plen = c.u8()?;
    if plen > if v6 { 128 } else { 32 } {
        return None;
    }
    let bytes = c.take(usize::from(plen).div_ceil(8))?;
    let addr = if v6 {
        let mut a = [0u8; 16];
        a.get_mut(..bytes.len())?.copy_from_slice(bytes);
        IpAddr::V6(Ipv6Addr::from(a))
    } else {
        let mut a = [0u8; 4];
        a.get_mut(..bytes.len())?.copy_from_slice(bytes);
        IpAddr::V4(Ipv4Addr::from(a))
    };
    out.prefix = IpNet::new(addr, plen).ok()?;
    let count = c.u16()?;
    out.entries.reserve(usize::from(count).min(c.remaining() / 8));
    for _ in 0..count {
        let peer = c.u16()?;
        peers.get(usize::from(peer))?;
        let originated = c.u32()?;
        let path_id = if add_path { Some(c.u32()?) } else { None };
        let len = usize::from(c.u16()?);
        let start = c.pos;
        let attrs = c.take(len)?;
        let entry = attributes(attrs, start, family, &mut out.path)?;
        out.entries.push(FastEntry { peer, originated, path_id, ..entry });
    }
    // bgpkit-parser ignores bytes after the last entry; a record with any
    // is left to it, so that whatever it makes of them stays the answer.
    (c.remaining() == 0).then_some(())
}

// Attribute flags (RFC 4271 §4.3).
const OPTIONAL: u8 = 0x80;
const TRANSITIVE: u8 = 0x40;
const PARTIAL: u8 = 0x20;
const EXTENDED: u8 = 0x10;

/// Decodes the path attributes of one RIB entry (`base`: their offset in
/// the body), AS path segments appended to `path`.
fn attributes(attrs: &[u8], base: usize, family: Family, path: &mut PathBuf) -> Option<FastEntry> {
    let v6 = family.v6;
    let mut c = Cur { bytes: attrs, pos: 0 };
    let mut seen = 0u64;
    let mut origin = None;
    let mut nh = None;
    let mut mp_nh = None;
    let seg_start = path.segs.len();
    let mut e = FastEntry {
        peer: 0,
        originated: 0,
        path_id: None,
        attrs: Span {
            start: u32::try_from(base).ok()?,
            end: u32::try_from(base + attrs.len()).ok()?,
        },
        segs: (0, 0),
        origin: Origin::IGP,
        next_hop: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        med: None,
        local_pref: None,
        atomic: false,
        aggregator: None,
        otc: None,
        communities: None,
        extended: None,
        large: None,
    };
    while c.remaining() > 0 {
        // bgpkit-parser stops silently at 1-2 bytes that cannot hold an
        // attribute header: not trusted.
        if c.remaining() < 3 {
            return None;
        }
        let flags = c.u8()?;
        let code = c.u8()?;
        let len = if flags & EXTENDED != 0 { usize::from(c.u16()?) } else { usize::from(c.u8()?) };
        let value_start = base.checked_add(c.pos)?;
        let value = c.take(len)?;
        let span = Some(Span {
            start: u32::try_from(value_start).ok()?,
            end: u32::try_from(value_start + len).ok()?,
        });
        // Unused low flag bits, codes beyond the ones taken, duplicates.
        if flags & 0x0f != 0 || code >= 64 || seen & (1 << code) != 0 {
            return None;
        }
        seen |= 1 << code;
        // RFC 7606 §3 / bgpkit-parser's checks: well-known attributes are
        // transitive and never partial, optional non-transitive ones never
        // partial, optional transitive ones may be partial.
        let well_known = flags & (OPTIONAL | TRANSITIVE | PARTIAL) == TRANSITIVE;
        let opt_non_transitive = flags & (OPTIONAL | TRANSITIVE | PARTIAL) == OPTIONAL;
        let opt_transitive = flags & (OPTIONAL | TRANSITIVE) == OPTIONAL | TRANSITIVE;
        match code {
            // ORIGIN
            1 if well_known => match *value {
                [0] => origin = Some(Origin::IGP),
                [1] => origin = Some(Origin::EGP),
                [2] => origin = Some(Origin::INCOMPLETE),
                _ => return None,
            },
            // AS_PATH: 4-byte AS numbers in TABLE_DUMP_V2 (RFC 6396 §4.3.4).
            2 if well_known => {
                let mut p = Cur { bytes: value, pos: 0 };
                while p.remaining() > 0 {
                    let kind = SegmentKind::from_code(p.u8()?)?;
                    let n = usize::from(p.u8()?);
                    let asns = p.take(n * 4)?;
                    let start = path.asns.len() as u32;
                    // Exact-size, so that `extend` reserves once.
                    path.asns.extend(
                        asns.chunks_exact(4)
                            .map(|a| Asn(u32::from_be_bytes(a.try_into().unwrap_or_default()))),
                    );
                    path.segs.push(SegRaw { kind, start, end: path.asns.len() as u32 });
                }
            }
            // NEXT_HOP: an IPv4 address; bgpkit-parser reads it as an IPv6
            // address in IPv6 RIBs, which fails.
            3 if well_known && !v6 => nh = Some(IpAddr::V4(Ipv4Addr::from(be32(value)?))),
            // MULTI_EXIT_DISC
            4 if opt_non_transitive => e.med = Some(be32(value)?),
            // LOCAL_PREF
            5 if well_known => e.local_pref = Some(be32(value)?),
            // ATOMIC_AGGREGATE
            6 if well_known && value.is_empty() => e.atomic = true,
            // AGGREGATOR with a 4-byte AS (a 2-byte one is left to bgpkit).
            7 if opt_transitive => match *value {
                [a, b, c, d, w, x, y, z] => {
                    e.aggregator =
                        Some((Asn(u32::from_be_bytes([a, b, c, d])), Ipv4Addr::new(w, x, y, z)))
                }
                _ => return None,
            },
            // COMMUNITIES
            8 if opt_transitive && len % 4 == 0 => e.communities = span,
            // ORIGINATOR_ID, CLUSTER_LIST (RFC 4456): checked, not kept.
            9 if opt_non_transitive && len == 4 => {}
            10 if opt_non_transitive && len % 4 == 0 => {}
            // MP_REACH_NLRI (RFC 4760 §3, RFC 6396 §4.3.4).
            14 if opt_non_transitive => mp_nh = Some(mp_reach(value, family)?),
            // EXTENDED_COMMUNITIES
            16 if opt_transitive && len % 8 == 0 => e.extended = span,
            // LARGE_COMMUNITY
            32 if opt_transitive && len % 12 == 0 => e.large = span,
            // ONLY_TO_CUSTOMER (RFC 9234)
            35 if opt_transitive => e.otc = Some(Asn(be32(value)?)),
            _ => return None,
        }
    }
    // The mandatory attributes (RFC 4271 §5.1, RFC 7606 §3.d): ORIGIN,
    // AS_PATH, and a next hop (NEXT_HOP for IPv4 RIBs, MP_REACH_NLRI for
    // IPv6 ones).
    e.origin = origin?;
    if seen & (1 << 2) == 0 {
        return None;
    }
    e.next_hop = if v6 { mp_nh? } else { nh? };
    e.segs = (seg_start as u32, path.segs.len() as u32);
    Some(e)
}

/// The next hop of a RIB entry's MP_REACH_NLRI, when bgpkit-parser reads
/// the attribute without a warning and to the same next hop.
///
/// RFC 6396 §4.3.4 abbreviates the attribute to next hop length and next
/// hop; RouteViews writes the full RFC 4760 form (AFI, SAFI, next hop,
/// reserved byte, NLRI) instead. bgpkit-parser tells them apart by the
/// first byte (the high byte of the AFI is zero), and so does this.
fn mp_reach(value: &[u8], family: Family) -> Option<IpAddr> {
    let mut c = Cur { bytes: value, pos: 0 };
    if *value.first()? != 0 {
        let n = usize::from(c.u8()?);
        let hop = next_hop(c.take(n)?)?;
        // bgpkit-parser ignores anything after the abbreviated form.
        return (c.remaining() == 0).then_some(hop);
    }
    let (afi, safi) = (c.u16()?, c.u8()?);
    if afi != if family.v6 { 2 } else { 1 } || safi != if family.multicast { 2 } else { 1 } {
        return None;
    }
    let n = usize::from(c.u8()?);
    let hop = next_hop(c.take(n)?)?;
    let _reserved = c.u8()?;
    // The NLRI (the RIB prefix again) is not used, but bgpkit-parser parses
    // it: it must parse cleanly. Without ADD-PATH, bgpkit-parser guesses
    // ADD-PATH encoding at a zero byte (a /0 prefix) and sticks to it if
    // that parses; a zero byte that is not the last one is not taken. The
    // last one (the default route's NLRI) is too short for the guess, which
    // bgpkit-parser then drops.
    let max = if family.v6 { 128 } else { 32 };
    while c.remaining() > 0 {
        if family.add_path {
            c.take(4)?;
        }
        let len = c.u8()?;
        if len > max || (len == 0 && !family.add_path && c.remaining() > 0) {
            return None;
        }
        c.take(usize::from(len).div_ceil(8))?;
    }
    Some(hop)
}

/// An MP_REACH_NLRI next hop (RFC 4760 §3, RFC 2545 §3): an IPv4 address,
/// an IPv6 address, or a global and a link-local IPv6 address, of which the
/// global one is taken (bgpkit-parser's `global_addr`). Other lengths (VPN
/// route distinguishers, none) are left to bgpkit-parser.
fn next_hop(hop: &[u8]) -> Option<IpAddr> {
    Some(match hop.len() {
        4 => IpAddr::V4(Ipv4Addr::from(be32(hop)?)),
        16 => IpAddr::V6(Ipv6Addr::from(<[u8; 16]>::try_from(hop).ok()?)),
        32 => {
            let a = Ipv6Addr::from(<[u8; 16]>::try_from(hop.get(..16)?).ok()?);
            let b = Ipv6Addr::from(<[u8; 16]>::try_from(hop.get(16..)?).ok()?);
            IpAddr::V6(if a.is_unicast_link_local() && !b.is_unicast_link_local() { b } else { a })
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests;
