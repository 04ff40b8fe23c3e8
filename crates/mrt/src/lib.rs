//! Streaming MRT reader for RIB dumps and BGP update files (RFC 6396).
//!
//! Handles every format RouteViews and RIPE RIS have published: TABLE_DUMP
//! (RFC 6396 §4.2), TABLE_DUMP_V2 (§4.3) including the RFC 8050 ADD-PATH RIB
//! subtypes, BGP4MP and BGP4MP_ET (§4.4, §3 extended timestamp) with the
//! RFC 6793 AS4 and RFC 8050 ADD-PATH subtypes, multiprotocol NLRI (RFC 4760),
//! extended messages (RFC 8654) and the deprecated MRT type 5 (BGP) of early
//! RIS files — plain, gzip or bzip2 through [`manrs_input`].
//!
//! [`MrtReader`] frames records itself (so every problem has a record index
//! and a byte offset, and a cut file is told apart from a corrupt one), hands
//! each record to bgpkit-parser for decoding, and yields [`MrtItem`]s: one
//! [`Element`] per prefix per record (as `bgpdump -m` prints lines) and the
//! BGP4MP state changes. [`bgpdump`] renders both in `bgpdump -m` format.
//!
//! # The route API and its TABLE_DUMP_V2 decoder
//!
//! [`MrtReader::next_route`] yields the same items as borrowed
//! [`RouteItem`]s: a [`Route`] view (peer, prefix, path identifier, AS path
//! segments, origin, next hop, and the other attributes on demand) valid
//! until the next call, or a [`StateChange`]. TABLE_DUMP_V2 RIB records
//! (RFC 6396 §4.3.2: RIB_IPV4_UNICAST, RIB_IPV4_MULTICAST,
//! RIB_IPV6_UNICAST, RIB_IPV6_MULTICAST, and the RFC 8050 §4 ADD-PATH
//! subtypes) are decoded there by a specialised decoder ([`route`]) from
//! one reused record buffer, without an allocation per entry. It takes
//! only records it decodes exactly as bgpkit-parser does and on which
//! bgpkit-parser has nothing to report (the RFC 7606 checks of attribute
//! flags, lengths, duplicates and mandatory attributes; AS4_PATH, unknown
//! attributes or a peer missing from the PEER_INDEX_TABLE send a record
//! back); every other record goes to bgpkit-parser as in the iterator and
//! is presented through the same view. Counts and diagnostics are the
//! iterator's, which the differential tests (`tests/routes.rs`, every MRT
//! file of `../shared/data`) hold it to, field by field.
//!
//! Why a hand-written decoder next to bgpkit-parser: on the full-table
//! benchmark RIB (22,249,213 entries, `docs/performance.md`), building a
//! `BgpElem` per entry (AS path segments, communities and attribute lists
//! on the heap) cost 15 s of CPU in our reader and 12.5 s in bgpkit-parser's
//! own element iterator on top of 1.8 s of gzip decompression; the route
//! API reads the same file in 3.3 s of CPU, 1.5 s of it parsing. The
//! iterator stays for every other caller (owned elements, golden tests).

pub mod bgpdump;
mod reader;
pub mod route;

pub use bgpkit_parser::BgpElem;
pub use bgpkit_parser::models::{ElemType, Origin};
pub use reader::{Element, MrtItem, MrtReader, RecordType, StateChange, detect, inspect};
pub use route::{AsPathView, Route, RouteItem, Segment, SegmentKind};
