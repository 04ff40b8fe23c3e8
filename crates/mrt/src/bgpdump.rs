//! Rendering in `bgpdump -m` one-line format, the lingua franca of MRT tools
//! (bgpdump 1.6, RIPE NCC), so our reader can be diffed against bgpdump's
//! golden outputs line for line:
//!
//! ```text
//! TYPE|time|A|peer_ip|peer_as|prefix|as_path|origin|next_hop|local_pref|med|communities|AG|aggregator|
//! TYPE|time|W|peer_ip|peer_as|prefix
//! TYPE|time|STATE|peer_ip|peer_as|old_state|new_state
//! ```
//!
//! TYPE is `TABLE_DUMP`, `TABLE_DUMP2`, `TABLE_DUMP2_AP` (RFC 8050 ADD-PATH
//! RIBs, with the path identifier after the prefix), `BGP4MP`, `BGP4MP_ET`
//! (time with microseconds) or `BGP` (the deprecated MRT type 5); RIB
//! entries use `B` instead of `A`. Addresses, prefixes included, are written
//! as bgpdump writes them (see `write_ip`); only standard communities
//! (RFC 1997) are printed, as bgpdump 1.6 does.

use std::fmt::Write;
use std::net::IpAddr;

use bgpkit_parser::models::{ElemType, Origin};

use crate::route::PathBuf;
use crate::{Element, MrtItem, RecordType, Route, StateChange};

fn type_name(t: RecordType) -> &'static str {
    match t {
        RecordType::TableDump => "TABLE_DUMP",
        RecordType::TableDumpV2 => "TABLE_DUMP2",
        RecordType::TableDumpV2AddPath => "TABLE_DUMP2_AP",
        RecordType::Bgp4Mp => "BGP4MP",
        RecordType::LegacyBgp => "BGP",
        RecordType::Bgp4MpEt => "BGP4MP_ET",
    }
}

fn write_time(out: &mut String, time: u32, micros: Option<u32>) {
    let _ = match micros {
        Some(us) => write!(out, "{time}.{us:06}"),
        None => write!(out, "{time}"),
    };
}

/// Renders any item (also available as `item.to_string()`).
pub fn line(item: &MrtItem) -> String {
    match item {
        MrtItem::Element(e) => element_line(e),
        MrtItem::State(s) => state_line(s),
    }
}

impl std::fmt::Display for MrtItem {
    /// The `bgpdump -m` line of the item, without the newline.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&line(self))
    }
}

/// Renders a state change.
pub fn state_line(s: &StateChange) -> String {
    let mut out = String::with_capacity(64);
    out.push_str(type_name(s.record_type));
    out.push('|');
    write_time(&mut out, s.time, s.micros);
    out.push_str("|STATE|");
    write_ip(&mut out, s.peer_ip);
    let _ = write!(out, "|{}|{}|{}", s.peer_asn, s.old_state, s.new_state);
    out
}

/// Renders a route element.
pub fn element_line(e: &Element) -> String {
    let mut path = PathBuf::default();
    if let Some(p) = &e.elem.as_path {
        path.set_from(p);
    }
    route_line(&Route::from_elem(e.record_type, e.time, e.micros, &e.elem, &path))
}

/// Renders a route of [`MrtReader::next_route`](crate::MrtReader::next_route).
pub fn route_line(r: &Route<'_>) -> String {
    let mut out = String::with_capacity(160);
    write_route_line(&mut out, r);
    out
}

/// Appends the `bgpdump -m` line of a route (without the newline) to `out`.
pub fn write_route_line(out: &mut String, r: &Route<'_>) {
    out.push_str(type_name(r.record_type));
    out.push('|');
    write_time(out, r.time, r.micros);
    let rib = matches!(
        r.record_type,
        RecordType::TableDump | RecordType::TableDumpV2 | RecordType::TableDumpV2AddPath
    );
    let kind = match (r.elem_type, rib) {
        (ElemType::WITHDRAW, _) => "W",
        (ElemType::ANNOUNCE, true) => "B",
        (ElemType::ANNOUNCE, false) => "A",
    };
    out.push('|');
    out.push_str(kind);
    out.push('|');
    write_ip(out, r.peer_ip);
    let _ = write!(out, "|{}|", r.peer_asn.0);
    write_ip(out, r.prefix.addr());
    let _ = write!(out, "/{}", r.prefix.prefix_len());
    if r.elem_type == ElemType::WITHDRAW {
        return;
    }
    if r.record_type == RecordType::TableDumpV2AddPath {
        let _ = write!(out, "|{}", r.path_id.unwrap_or(0));
    }
    out.push('|');
    if let Some(p) = &r.as_path {
        let _ = write!(out, "{p}");
    }
    out.push('|');
    out.push_str(match r.origin {
        Some(Origin::IGP) => "IGP",
        Some(Origin::EGP) => "EGP",
        Some(Origin::INCOMPLETE) => "INCOMPLETE",
        None => "",
    });
    out.push('|');
    if let Some(nh) = r.next_hop {
        write_ip(out, nh);
    }
    let _ = write!(out, "|{}|{}|", r.local_pref().unwrap_or(0), r.med().unwrap_or(0));
    for (i, c) in r.communities().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        // RFC 1997 well-known communities by name, as bgpkit-parser
        // prints them.
        let _ = match c {
            0xFFFF_FF01 => write!(out, "no-export"),
            0xFFFF_FF02 => write!(out, "no-advertise"),
            0xFFFF_FF03 => write!(out, "no-export-sub-confed"),
            c => write!(out, "{}:{}", c >> 16, c & 0xffff),
        };
    }
    out.push('|');
    out.push_str(if r.atomic_aggregate() { "AG" } else { "NAG" });
    out.push('|');
    if let Some((asn, ip)) = r.aggregator() {
        let _ = write!(out, "{} {ip}", asn.0);
    }
    out.push('|');
}

/// Writes an address as bgpdump does. IPv4 and most IPv6 addresses print as
/// in Rust, but bgpdump compresses the first longest run of zero groups even
/// when it is a single group (`2001:7f8:30::2:1:0:8447`), where RFC 5952
/// §4.2.2 (and Rust) leave a lone zero group uncompressed.
fn write_ip(out: &mut String, ip: IpAddr) {
    let v6 = match ip {
        IpAddr::V4(v4) => {
            let _ = write!(out, "{v4}");
            return;
        }
        IpAddr::V6(v6) => v6,
    };
    if v6.to_ipv4_mapped().is_some() || v6.segments()[..6] == [0; 6] {
        // Mapped and compatible forms print the same in both conventions.
        let _ = write!(out, "{v6}");
        return;
    }
    let seg = v6.segments();
    let (mut best, mut best_len, mut run, mut run_len) = (0usize, 0usize, 0usize, 0usize);
    for (i, s) in seg.iter().enumerate() {
        if *s == 0 {
            if run_len == 0 {
                run = i;
            }
            run_len += 1;
            if run_len > best_len {
                best = run;
                best_len = run_len;
            }
        } else {
            run_len = 0;
        }
    }
    if best_len == 0 {
        let _ = write!(out, "{v6}");
        return;
    }
    let hex = |out: &mut String, part: &[u16]| {
        for (i, s) in part.iter().enumerate() {
            if i > 0 {
                out.push(':');
            }
            let _ = write!(out, "{s:x}");
        }
    };
    hex(out, &seg[..best]);
    out.push_str("::");
    hex(out, &seg[best + best_len..]);
}

#[cfg(test)]
mod tests {
    use super::write_ip;

    fn fmt(s: &str) -> String {
        let mut out = String::new();
        write_ip(&mut out, s.parse().unwrap());
        out
    }

    #[test]
    fn ipv6_like_bgpdump() {
        assert_eq!(fmt("2001:7f8:30:0:2:1:0:8447"), "2001:7f8:30::2:1:0:8447");
        assert_eq!(fmt("2001:db8::1"), "2001:db8::1");
        assert_eq!(fmt("2001:db8:0:0:1:0:0:1"), "2001:db8::1:0:0:1");
        assert_eq!(fmt("::"), "::");
        assert_eq!(fmt("::ffff:193.0.0.56"), "::ffff:193.0.0.56");
        assert_eq!(fmt("1:2:3:4:5:6:7:8"), "1:2:3:4:5:6:7:8");
        assert_eq!(fmt("fe80::"), "fe80::");
        assert_eq!(fmt("192.0.2.1"), "192.0.2.1");
    }
}
