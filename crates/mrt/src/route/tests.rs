//! Constructed TABLE_DUMP_V2 records: what the fast decoder takes, every
//! reason it leaves a record to bgpkit-parser, and damaged bodies. Each case
//! runs the route API and the element iterator over the same bytes and
//! requires the same routes, counts and diagnostics.

use std::io;

use manrs_input::Input;
use manrs_types::Mode;

use crate::{MrtItem, MrtReader, RouteItem, bgpdump};

const TDV2: u16 = 13;

fn record(t: u16, subtype: u16, body: &[u8]) -> Vec<u8> {
    let mut r = 1_700_000_000u32.to_be_bytes().to_vec();
    r.extend(t.to_be_bytes());
    r.extend(subtype.to_be_bytes());
    r.extend((body.len() as u32).to_be_bytes());
    r.extend(body);
    r
}

/// A PEER_INDEX_TABLE (RFC 6396 §4.3.1): an IPv4 peer with a 2-byte AS
/// (AS size bit clear), an IPv6 peer with a 4-byte AS.
fn peer_table() -> Vec<u8> {
    let mut b = vec![192, 0, 2, 254];
    b.extend(4u16.to_be_bytes());
    b.extend(b"test");
    b.extend(2u16.to_be_bytes());
    // Peer 0: type 0 (IPv4, 2-byte AS), BGP id, address, AS 64500.
    b.push(0);
    b.extend([10, 0, 0, 1]);
    b.extend([192, 0, 2, 1]);
    b.extend(64_500u16.to_be_bytes());
    // Peer 1: type 3 (IPv6, 4-byte AS), BGP id, address, AS 4200000000.
    b.push(3);
    b.extend([10, 0, 0, 2]);
    b.extend([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
    b.extend(4_200_000_000u32.to_be_bytes());
    record(TDV2, 1, &b)
}

fn attr(flags: u8, code: u8, value: &[u8]) -> Vec<u8> {
    let mut a = vec![flags, code];
    if flags & 0x10 != 0 {
        a.extend((value.len() as u16).to_be_bytes());
    } else {
        a.push(value.len() as u8);
    }
    a.extend(value);
    a
}

fn origin() -> Vec<u8> {
    attr(0x40, 1, &[0])
}

fn as_path() -> Vec<u8> {
    // AS_SEQUENCE 64500 3356 15169, AS_SET {64496, 64497}.
    let mut v = vec![2, 3];
    for a in [64_500u32, 3356, 15_169] {
        v.extend(a.to_be_bytes());
    }
    v.extend([1, 2]);
    for a in [64_496u32, 64_497] {
        v.extend(a.to_be_bytes());
    }
    attr(0x50, 2, &v)
}

fn next_hop() -> Vec<u8> {
    attr(0x40, 3, &[192, 0, 2, 1])
}

/// The abbreviated MP_REACH_NLRI of RFC 6396 §4.3.4: a global IPv6 next hop.
fn mp_reach_abbreviated() -> Vec<u8> {
    let mut v = vec![16];
    v.extend([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9]);
    attr(0x80, 14, &v)
}

/// The full RFC 4760 form RouteViews writes: AFI 2, SAFI 1, global and
/// link-local next hop, reserved byte, NLRI 2001:db8::/32.
fn mp_reach_full(nlri: &[u8]) -> Vec<u8> {
    let mut v = vec![0, 2, 1, 32];
    v.extend([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9]);
    v.extend([0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9]);
    v.push(0);
    v.extend(nlri);
    attr(0x80, 14, &v)
}

/// Every attribute the fast decoder takes besides the mandatory ones.
fn optional_attributes() -> Vec<u8> {
    let mut a = Vec::new();
    a.extend(attr(0x80, 4, &[0, 0, 0, 7])); // MED
    a.extend(attr(0x40, 5, &[0, 0, 0, 100])); // LOCAL_PREF
    a.extend(attr(0x40, 6, &[])); // ATOMIC_AGGREGATE
    a.extend(attr(0xc0, 7, &[0, 0, 0xfb, 0xf4, 192, 0, 2, 9])); // AGGREGATOR AS64500
    a.extend(attr(0xc0, 8, &[0xfb, 0xf4, 0, 1, 0xff, 0xff, 0xff, 0x01])); // 64500:1 no-export
    a.extend(attr(0x80, 9, &[10, 0, 0, 9])); // ORIGINATOR_ID
    a.extend(attr(0x80, 10, &[10, 0, 0, 10, 10, 0, 0, 11])); // CLUSTER_LIST
    a.extend(attr(0xc0, 16, &[0, 2, 0xfb, 0xf4, 0, 0, 0, 5])); // route target 64500:5
    let mut large = Vec::new();
    for x in [4_200_000_000u32, 1, 2] {
        large.extend(x.to_be_bytes());
    }
    a.extend(attr(0xe0, 32, &large)); // LARGE_COMMUNITY, partial bit
    a.extend(attr(0xc0, 35, &64_500u32.to_be_bytes())); // OTC
    a
}

fn v4_attrs() -> Vec<u8> {
    [origin(), as_path(), next_hop(), optional_attributes()].concat()
}

fn v6_attrs() -> Vec<u8> {
    [origin(), as_path(), mp_reach_abbreviated(), optional_attributes()].concat()
}

/// A RIB entry (RFC 6396 §4.3.4, RFC 8050 §4 with a path identifier).
fn entry(peer: u16, path_id: Option<u32>, attrs: &[u8]) -> Vec<u8> {
    let mut e = peer.to_be_bytes().to_vec();
    e.extend(1_690_000_000u32.to_be_bytes());
    if let Some(id) = path_id {
        e.extend(id.to_be_bytes());
    }
    e.extend((attrs.len() as u16).to_be_bytes());
    e.extend(attrs);
    e
}

/// A RIB record body: sequence, prefix, entries.
fn rib_body(prefix: &[u8], entries: &[Vec<u8>]) -> Vec<u8> {
    let mut b = 7u32.to_be_bytes().to_vec();
    b.extend(prefix);
    b.extend((entries.len() as u16).to_be_bytes());
    for e in entries {
        b.extend(e);
    }
    b
}

/// 192.0.2.0/24 with two entries of peer 0 and 1.
fn v4_rib(attrs: &[u8]) -> Vec<u8> {
    record(TDV2, 2, &rib_body(&[24, 192, 0, 2], &[entry(0, None, attrs), entry(1, None, attrs)]))
}

fn v6_rib(attrs: &[u8]) -> Vec<u8> {
    record(TDV2, 4, &rib_body(&[32, 0x20, 0x01, 0x0d, 0xb8], &[entry(1, None, attrs)]))
}

fn reader(bytes: &[u8], mode: Mode) -> MrtReader {
    MrtReader::new(Input::from_reader("t.mrt", io::Cursor::new(bytes.to_vec())).unwrap(), mode)
}

/// What a reading gave: one line per item (the `bgpdump -m` line and the
/// fields it does not show), then the counts and the diagnostics.
#[derive(Debug, PartialEq)]
struct Reading {
    items: Vec<String>,
    counts: (u64, u64, u64),
    per_type: Vec<(String, u64)>,
    diagnostics: Vec<String>,
}

fn reading_of(r: &MrtReader, items: Vec<String>) -> Reading {
    Reading {
        items,
        counts: (r.records(), r.elements(), r.state_changes()),
        per_type: r.records_per_type().iter().map(|(k, v)| (k.to_string(), *v)).collect(),
        diagnostics: r.diagnostics().kept().iter().map(|d| d.to_string()).collect(),
    }
}

fn route_text(r: &crate::Route<'_>) -> String {
    format!(
        "{} id={:?} bgp_id={:?} originated={:?} large={:?} ext={:?} otc={:?} origin_asn={:?}",
        bgpdump::route_line(r),
        r.path_id,
        r.peer_bgp_id,
        r.originated,
        r.large_communities().collect::<Vec<_>>(),
        r.extended_communities().collect::<Vec<_>>(),
        r.only_to_customer(),
        r.origin_asn(),
    )
}

/// The iterator's reading of `bytes`, with the same extra fields (through
/// the view of its elements).
fn by_iterator(bytes: &[u8], mode: Mode) -> Reading {
    let mut r = reader(bytes, mode);
    let mut items = Vec::new();
    for item in r.by_ref() {
        items.push(match item {
            Ok(MrtItem::Element(e)) => {
                let mut path = crate::route::PathBuf::default();
                if let Some(p) = &e.elem.as_path {
                    path.set_from(p);
                }
                route_text(&crate::Route::from_elem(
                    e.record_type,
                    e.time,
                    e.micros,
                    &e.elem,
                    &path,
                ))
            }
            Ok(MrtItem::State(s)) => bgpdump::state_line(&s),
            Err(d) => format!("error: {d}"),
        });
    }
    reading_of(&r, items)
}

/// The route API's reading, and its fast and fallback record counts.
fn by_routes(bytes: &[u8], mode: Mode) -> (Reading, u64, u64) {
    let mut r = reader(bytes, mode);
    let mut items = Vec::new();
    while let Some(item) = r.next_route() {
        items.push(match item {
            Ok(RouteItem::Route(route)) => route_text(&route),
            Ok(RouteItem::State(s)) => bgpdump::state_line(&s),
            Err(d) => format!("error: {d}"),
        });
    }
    let (fast, fallback) = (r.fast_records(), r.fallback_records());
    (reading_of(&r, items), fast, fallback)
}

/// Both APIs over `bytes` in both modes agree; returns the route API's
/// lenient reading and its fast and fallback record counts.
fn agree(bytes: &[u8]) -> (Reading, u64, u64) {
    for mode in [Mode::Strict, Mode::Lenient] {
        let (got, _, _) = by_routes(bytes, mode);
        assert_eq!(got, by_iterator(bytes, mode), "{mode:?}");
    }
    by_routes(bytes, Mode::Lenient)
}

fn file(records: &[Vec<u8>]) -> Vec<u8> {
    let mut f = peer_table();
    for r in records {
        f.extend(r);
    }
    f
}

#[test]
fn fast_ipv4_rib_with_every_attribute() {
    let (r, fast, fallback) = agree(&file(&[v4_rib(&v4_attrs())]));
    assert_eq!((fast, fallback), (1, 0));
    assert!(r.diagnostics.is_empty(), "{r:?}");
    assert_eq!(r.counts, (2, 2, 0));
    assert_eq!(
        r.items[0],
        "TABLE_DUMP2|1700000000|B|192.0.2.1|64500|192.0.2.0/24|64500 3356 15169 {64496,64497}|IGP|\
         192.0.2.1|100|7|64500:1 no-export|AG|64500 192.0.2.9| id=None bgp_id=Some(10.0.0.1) \
         originated=Some(1690000000) large=[[4200000000, 1, 2]] \
         ext=[[0, 2, 251, 244, 0, 0, 0, 5]] otc=Some(Asn(64500)) origin_asn=None"
    );
    assert!(r.items[1].contains("|B|2001:db8::2|4200000000|192.0.2.0/24|"), "{}", r.items[1]);
}

#[test]
fn fast_ipv6_rib_both_mp_reach_forms() {
    let (r, fast, fallback) = agree(&file(&[v6_rib(&v6_attrs())]));
    assert_eq!((fast, fallback), (1, 0));
    assert!(r.items[0].contains("|2001:db8::/32|64500 3356 15169 {64496,64497}|IGP|2001:db8::9|"));
    // The full form, the global of a global and link-local pair, and the
    // default route's lone /0 byte of NLRI.
    for nlri in [&[32, 0x20, 0x01, 0x0d, 0xb8][..], &[][..], &[0][..]] {
        let attrs = [origin(), as_path(), mp_reach_full(nlri)].concat();
        let (r, fast, fallback) = agree(&file(&[v6_rib(&attrs)]));
        assert_eq!((fast, fallback), (1, 0), "{nlri:?}");
        assert!(r.items[0].contains("|IGP|2001:db8::9|0|0||NAG||"), "{}", r.items[0]);
    }
    // A global and a link-local address in either order give the global
    // one (bgpkit-parser's `global_addr`); two global ones, the first.
    let ll = [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9];
    let g9 = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9];
    let ga = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xa];
    for (first, second, want) in
        [(ll, g9, "2001:db8::9"), (g9, ll, "2001:db8::9"), (ga, g9, "2001:db8::a")]
    {
        let v = [[32].as_slice(), &first, &second].concat();
        let attrs = [origin(), as_path(), attr(0x80, 14, &v)].concat();
        let (r, fast, _) = agree(&file(&[v6_rib(&attrs)]));
        assert_eq!(fast, 1);
        assert!(r.items[0].contains(&format!("|IGP|{want}|")), "{}", r.items[0]);
    }
}

#[test]
fn fast_add_path_multicast_and_extended_lengths() {
    // RIB_IPV4_UNICAST_ADDPATH (8) with path identifiers.
    let body =
        rib_body(&[16, 10, 1], &[entry(0, Some(7), &v4_attrs()), entry(1, Some(9), &v4_attrs())]);
    let (r, fast, _) = agree(&file(&[record(TDV2, 8, &body)]));
    assert_eq!(fast, 1);
    assert!(r.items[0].starts_with("TABLE_DUMP2_AP|1700000000|B|192.0.2.1|64500|10.1.0.0/16|7|"));
    assert!(r.items[1].contains("|10.1.0.0/16|9|"), "{}", r.items[1]);
    // RIB_IPV6_MULTICAST_ADDPATH (11), full MP_REACH with SAFI 2 and an
    // ADD-PATH NLRI.
    let mut mp = vec![0, 2, 2, 16];
    mp.extend([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9, 0]);
    mp.extend([0, 0, 0, 3, 32, 0x20, 0x01, 0x0d, 0xb8]);
    let attrs = [origin(), as_path(), attr(0x80, 14, &mp)].concat();
    let body = rib_body(&[32, 0x20, 0x01, 0x0d, 0xb8], &[entry(1, Some(3), &attrs)]);
    let (_, fast, fallback) = agree(&file(&[record(TDV2, 11, &body)]));
    assert_eq!((fast, fallback), (1, 0));
    // Multicast without ADD-PATH (3, 5), the extended-length flag on every
    // attribute, an empty AS path and a prefix with host bits set.
    let ext: Vec<u8> =
        [attr(0x50, 1, &[2]), attr(0x50, 2, &[]), attr(0x50, 3, &[192, 0, 2, 1])].concat();
    let body = rib_body(&[23, 192, 0, 3], &[entry(0, None, &ext)]);
    let (r, fast, _) = agree(&file(&[record(TDV2, 3, &body)]));
    assert_eq!(fast, 1);
    assert!(r.items[0].contains("|192.0.3.0/23||INCOMPLETE|192.0.2.1|"), "{}", r.items[0]);
    let (_, fast, _) = agree(&file(&[v6_rib_subtype(5, &v6_attrs())]));
    assert_eq!(fast, 1);
}

fn v6_rib_subtype(subtype: u16, attrs: &[u8]) -> Vec<u8> {
    record(TDV2, subtype, &rib_body(&[32, 0x20, 0x01, 0x0d, 0xb8], &[entry(1, None, attrs)]))
}

/// Every condition under which the fast decoder leaves a record to
/// bgpkit-parser: the two APIs still agree, and the record is counted as
/// fallen back.
#[test]
fn fallback_triggers() {
    let without = |code: u8, attrs: Vec<u8>| -> Vec<u8> {
        // Drops the attribute `code` from a well-formed attribute list.
        let mut out = Vec::new();
        let mut i = 0;
        while i < attrs.len() {
            let ext = attrs[i] & 0x10 != 0;
            let len = if ext {
                usize::from(u16::from_be_bytes([attrs[i + 2], attrs[i + 3]])) + 4
            } else {
                usize::from(attrs[i + 2]) + 3
            };
            if attrs[i + 1] != code {
                out.extend(&attrs[i..i + len]);
            }
            i += len;
        }
        out
    };
    let mut as4_path = vec![2, 1];
    as4_path.extend(64_500u32.to_be_bytes());
    let v4 = |extra: Vec<u8>| [v4_attrs(), extra].concat();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("AS4_PATH", v4_rib(&v4(attr(0xc0, 17, &as4_path)))),
        ("AS4_AGGREGATOR", v4_rib(&v4(attr(0xc0, 18, &[0, 0, 0xfb, 0xf4, 192, 0, 2, 9])))),
        ("unknown attribute", v4_rib(&v4(attr(0xc0, 99, &[1, 2, 3])))),
        ("attribute code above 63", v4_rib(&v4(attr(0xc0, 200, &[1])))),
        ("IPv6 extended communities", v4_rib(&v4(attr(0xc0, 25, &[0; 20])))),
        ("MP_UNREACH_NLRI", v4_rib(&v4(attr(0x80, 15, &[0, 1, 1])))),
        ("duplicate COMMUNITIES", v4_rib(&v4(attr(0xc0, 8, &[0, 1, 0, 1])))),
        ("ORIGIN flagged optional", v4_rib(&[attr(0xc0, 1, &[0]), as_path(), next_hop()].concat())),
        ("AS_PATH flagged partial", v4_rib(&[origin(), attr(0x60, 2, &[]), next_hop()].concat())),
        (
            "MED flagged transitive",
            v4_rib(&[without(4, v4_attrs()), attr(0xc0, 4, &[0, 0, 0, 1])].concat()),
        ),
        (
            "COMMUNITIES not transitive",
            v4_rib(&[without(8, v4_attrs()), attr(0x80, 8, &[0, 1, 0, 1])].concat()),
        ),
        ("low flag bits", v4_rib(&[without(8, v4_attrs()), attr(0xc1, 8, &[0, 1, 0, 1])].concat())),
        ("ORIGIN of two bytes", v4_rib(&[attr(0x40, 1, &[0, 0]), as_path(), next_hop()].concat())),
        ("ORIGIN value 3", v4_rib(&[attr(0x40, 1, &[3]), as_path(), next_hop()].concat())),
        ("NEXT_HOP of 16 bytes", v4_rib(&[origin(), as_path(), attr(0x40, 3, &[1; 16])].concat())),
        ("MED of 3 bytes", v4_rib(&[without(4, v4_attrs()), attr(0x80, 4, &[0, 0, 1])].concat())),
        (
            "LOCAL_PREF of 5 bytes",
            v4_rib(&[without(5, v4_attrs()), attr(0x40, 5, &[0; 5])].concat()),
        ),
        (
            "ATOMIC_AGGREGATE with a byte",
            v4_rib(&[without(6, v4_attrs()), attr(0x40, 6, &[0])].concat()),
        ),
        (
            "2-byte AGGREGATOR",
            v4_rib(&[without(7, v4_attrs()), attr(0xc0, 7, &[0xfb, 0xf4, 192, 0, 2, 9])].concat()),
        ),
        (
            "COMMUNITIES of 6 bytes",
            v4_rib(&[without(8, v4_attrs()), attr(0xc0, 8, &[0; 6])].concat()),
        ),
        (
            "ORIGINATOR_ID of 5 bytes",
            v4_rib(&[without(9, v4_attrs()), attr(0x80, 9, &[0; 5])].concat()),
        ),
        (
            "CLUSTER_LIST of 6 bytes",
            v4_rib(&[without(10, v4_attrs()), attr(0x80, 10, &[0; 6])].concat()),
        ),
        (
            "extended communities of 7 bytes",
            v4_rib(&[without(16, v4_attrs()), attr(0xc0, 16, &[0; 7])].concat()),
        ),
        (
            "large communities of 13 bytes",
            v4_rib(&[without(32, v4_attrs()), attr(0xc0, 32, &[0; 13])].concat()),
        ),
        ("OTC of 3 bytes", v4_rib(&[without(35, v4_attrs()), attr(0xc0, 35, &[0; 3])].concat())),
        (
            "AS_PATH segment type 5",
            v4_rib(&[origin(), attr(0x40, 2, &[5, 1, 0, 0, 0, 1]), next_hop()].concat()),
        ),
        (
            "AS_PATH segment overrun",
            v4_rib(&[origin(), attr(0x40, 2, &[2, 2, 0, 0, 0, 1]), next_hop()].concat()),
        ),
        (
            "AS_PATH segment header cut",
            v4_rib(&[origin(), attr(0x40, 2, &[2]), next_hop()].concat()),
        ),
        ("no ORIGIN", v4_rib(&without(1, v4_attrs()))),
        ("no AS_PATH", v4_rib(&without(2, v4_attrs()))),
        ("no NEXT_HOP", v4_rib(&without(3, v4_attrs()))),
        (
            "IPv4 next hop in MP_REACH only",
            v4_rib(&[without(3, v4_attrs()), mp_reach_abbreviated()].concat()),
        ),
        ("no MP_REACH_NLRI in IPv6", v6_rib(&without(14, v6_attrs()))),
        ("NEXT_HOP in IPv6", v6_rib(&[v6_attrs(), next_hop()].concat())),
        (
            "MP_REACH next hop of 0 bytes",
            v6_rib(&[without(14, v6_attrs()), attr(0x80, 14, &[0])].concat()),
        ),
        (
            "MP_REACH next hop of 24 bytes",
            v6_rib(
                &[without(14, v6_attrs()), attr(0x80, 14, &[[24].as_slice(), &[1; 24]].concat())]
                    .concat(),
            ),
        ),
        (
            "MP_REACH abbreviated with a byte more",
            v6_rib(
                &[without(14, v6_attrs()), attr(0x80, 14, &[[16].as_slice(), &[1; 17]].concat())]
                    .concat(),
            ),
        ),
        (
            "MP_REACH flagged transitive",
            v6_rib(
                &[without(14, v6_attrs()), attr(0xc0, 14, &[[16].as_slice(), &[1; 16]].concat())]
                    .concat(),
            ),
        ),
        (
            "MP_REACH of another AFI",
            v6_rib(&[origin(), as_path(), attr(0x80, 14, &[0, 1, 1, 4, 1, 2, 3, 4, 0])].concat()),
        ),
        (
            "MP_REACH of SAFI 4",
            v6_rib(
                &[
                    origin(),
                    as_path(),
                    attr(0x80, 14, &[[0, 2, 4, 16].as_slice(), &[1; 16], &[0]].concat()),
                ]
                .concat(),
            ),
        ),
        (
            "MP_REACH without reserved byte",
            v6_rib(
                &[
                    origin(),
                    as_path(),
                    attr(0x80, 14, &[[0, 2, 1, 16].as_slice(), &[1; 16]].concat()),
                ]
                .concat(),
            ),
        ),
        (
            "MP_REACH NLRI /0 then more",
            v6_rib(
                &[origin(), as_path(), mp_reach_full(&[0, 32, 0x20, 0x01, 0x0d, 0xb8])].concat(),
            ),
        ),
        ("MP_REACH NLRI /129", v6_rib(&[origin(), as_path(), mp_reach_full(&[129])].concat())),
        (
            "MP_REACH NLRI cut",
            v6_rib(&[origin(), as_path(), mp_reach_full(&[64, 0x20, 0x01])].concat()),
        ),
        (
            "attribute longer than the attributes",
            v4_rib(&[v4_attrs(), vec![0xc0, 8, 9, 0, 0]].concat()),
        ),
        ("two bytes after the attributes", v4_rib(&[v4_attrs(), vec![0xc0, 8]].concat())),
        ("extended length cut", v4_rib(&[v4_attrs(), vec![0xd0, 8, 0]].concat())),
        (
            "peer index out of range",
            record(
                TDV2,
                2,
                &rib_body(
                    &[24, 192, 0, 2],
                    &[entry(0, None, &v4_attrs()), entry(2, None, &v4_attrs())],
                ),
            ),
        ),
        (
            "bytes after the last entry",
            record(
                TDV2,
                2,
                &[rib_body(&[24, 192, 0, 2], &[entry(0, None, &v4_attrs())]), vec![0]].concat(),
            ),
        ),
        (
            "entry count above the entries",
            record(TDV2, 2, &{
                let mut b = rib_body(&[24, 192, 0, 2], &[entry(0, None, &v4_attrs())]);
                b[9] = 2; // entry count 2
                b
            }),
        ),
        (
            "entry cut in its header",
            record(TDV2, 2, &{
                let mut b = rib_body(
                    &[24, 192, 0, 2],
                    &[entry(0, None, &v4_attrs()), entry(1, None, &v4_attrs())],
                );
                b.truncate(b.len() - v4_attrs().len() - 3);
                b
            }),
        ),
        (
            "entry cut in its attributes",
            record(TDV2, 2, &{
                let mut b = rib_body(&[24, 192, 0, 2], &[entry(0, None, &v4_attrs())]);
                b.pop();
                b
            }),
        ),
        (
            "prefix length 33",
            record(TDV2, 2, &rib_body(&[33, 192, 0, 2, 0, 0], &[entry(0, None, &v4_attrs())])),
        ),
        ("prefix cut", record(TDV2, 2, &[7u32.to_be_bytes().as_slice(), &[24, 192]].concat())),
        (
            "ADD-PATH entry cut before its attribute length",
            record(TDV2, 8, &{
                let mut b = rib_body(&[8, 10], &[]);
                b[7] = 1; // one entry: peer, time and path identifier only
                b.extend([0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
                b
            }),
        ),
    ];
    for (name, rec) in cases {
        let (r, fast, fallback) = agree(&file(std::slice::from_ref(&rec)));
        assert_eq!((fast, fallback), (0, 1), "{name}: {r:?}");
        // A good record after it still takes the fast path.
        let (_, fast, fallback) = agree(&file(&[rec, v4_rib(&v4_attrs())]));
        assert_eq!((fast, fallback), (1, 1), "{name}");
    }
}

/// Records the fast decoder never sees: a RIB record before any peer table
/// (bgpkit-parser's error), RIB_GENERIC, a record cut by the end of the
/// file, a corrupt length, an unknown type, and the other record types
/// around RIB records.
#[test]
fn records_around_the_fast_path() {
    let rib = v4_rib(&v4_attrs());
    // Before the peer table.
    let (r, fast, fallback) = agree(&[rib.clone(), peer_table(), rib.clone()].concat());
    assert_eq!((fast, fallback), (1, 0));
    assert_eq!(r.diagnostics.len(), 1, "{r:?}");
    // RIB_GENERIC (6) is unsupported; a GEO_PEER_TABLE-like subtype 7 body.
    let (r, fast, _) = agree(&file(&[record(TDV2, 6, &[0; 10]), rib.clone()]));
    assert_eq!(fast, 1);
    assert!(r.diagnostics[0].contains("unsupported"), "{r:?}");
    // Cut in the header and in the body of a RIB record, at every length.
    let whole = file(&[rib.clone(), rib.clone()]);
    for cut in peer_table().len()..whole.len() {
        agree(&whole[..cut]);
    }
    // A length of more than 16 MiB, an unknown type, a length of zero.
    let mut huge = rib.clone();
    huge[8..12].copy_from_slice(&(17u32 << 20).to_be_bytes());
    let (r, _, _) = agree(&file(&[rib.clone(), huge]));
    assert!(r.diagnostics[0].contains("exceeds 16 MiB"), "{r:?}");
    agree(&file(&[record(99, 0, &[1, 2]), rib.clone(), record(TDV2, 2, &[])]));
    // Another peer table replaces the first: peer 1 is gone.
    let mut one_peer = peer_table();
    one_peer[12 + 4 + 2 + 4 + 1] = 1; // peer count 1
    let (_, fast, fallback) = agree(&[peer_table(), rib.clone(), one_peer, rib].concat());
    assert_eq!((fast, fallback), (1, 1));
}

/// Damaged bodies never panic and read the same through both APIs: every
/// byte of a RIB record set to 0, to 0xff and flipped, and every truncated
/// length of the record.
#[test]
fn damaged_records() {
    let recs = [
        v4_rib(&v4_attrs()),
        v6_rib(&v6_attrs()),
        v6_rib(&[origin(), as_path(), mp_reach_full(&[32, 0x20, 0x01, 0x0d, 0xb8])].concat()),
    ];
    for rec in recs {
        for i in 12..rec.len() {
            for f in [|_: u8| 0u8, |_: u8| 0xffu8, |b: u8| !b, |b: u8| b.wrapping_add(1)] {
                let mut bad = rec.clone();
                bad[i] = f(bad[i]);
                agree(&file(&[bad]));
            }
        }
        for len in 12..rec.len() {
            let mut bad = rec.clone();
            bad.truncate(len);
            let body_len = (len - 12) as u32;
            bad[8..12].copy_from_slice(&body_len.to_be_bytes());
            agree(&file(&[bad]));
        }
    }
}
