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

pub mod bgpdump;
mod reader;
pub mod route;

pub use bgpkit_parser::BgpElem;
pub use bgpkit_parser::models::{ElemType, Origin};
pub use reader::{Element, MrtItem, MrtReader, RecordType, StateChange, detect, inspect};
pub use route::{AsPathView, Route, RouteItem, Segment, SegmentKind};
