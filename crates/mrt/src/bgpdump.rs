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
//! as bgpdump writes them (see [`write_ip`]); only standard communities
//! (RFC 1997) are printed, as bgpdump 1.6 does.

use std::fmt::Write;
use std::net::IpAddr;

use bgpkit_parser::models::{ElemType, MetaCommunity, Origin};

use crate::{Element, MrtItem, RecordType, StateChange};

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
    let el = &e.elem;
    let mut out = String::with_capacity(160);
    out.push_str(type_name(e.record_type));
    out.push('|');
    write_time(&mut out, e.time, e.micros);
    let rib = matches!(
        e.record_type,
        RecordType::TableDump | RecordType::TableDumpV2 | RecordType::TableDumpV2AddPath
    );
    let kind = match (el.elem_type, rib) {
        (ElemType::WITHDRAW, _) => "W",
        (ElemType::ANNOUNCE, true) => "B",
        (ElemType::ANNOUNCE, false) => "A",
    };
    out.push('|');
    out.push_str(kind);
    out.push('|');
    write_ip(&mut out, el.peer_ip);
    let _ = write!(out, "|{}|", el.peer_asn.to_u32());
    write_ip(&mut out, el.prefix.prefix.addr());
    let _ = write!(out, "/{}", el.prefix.prefix.prefix_len());
    if el.elem_type == ElemType::WITHDRAW {
        return out;
    }
    if e.record_type == RecordType::TableDumpV2AddPath {
        let _ = write!(out, "|{}", el.prefix.path_id.unwrap_or(0));
    }
    out.push('|');
    if let Some(p) = &el.as_path {
        let _ = write!(out, "{p}");
    }
    out.push('|');
    out.push_str(match el.origin {
        Some(Origin::IGP) => "IGP",
        Some(Origin::EGP) => "EGP",
        Some(Origin::INCOMPLETE) => "INCOMPLETE",
        None => "",
    });
    out.push('|');
    if let Some(nh) = el.next_hop {
        write_ip(&mut out, nh);
    }
    let _ = write!(out, "|{}|{}|", el.local_pref.unwrap_or(0), el.med.unwrap_or(0));
    if let Some(cs) = &el.communities {
        let mut first = true;
        for c in cs {
            if let MetaCommunity::Plain(c) = c {
                if !first {
                    out.push(' ');
                }
                first = false;
                let _ = write!(out, "{c}");
            }
        }
    }
    out.push('|');
    out.push_str(if el.atomic { "AG" } else { "NAG" });
    out.push('|');
    if let (Some(asn), Some(ip)) = (el.aggr_asn, el.aggr_ip) {
        let _ = write!(out, "{} {ip}", asn.to_u32());
    }
    out.push('|');
    out
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
