//! Differential tests of the route API (`MrtReader::next_route`, with its
//! fast TABLE_DUMP_V2 decoder) against the element iterator (bgpkit-parser):
//! on every MRT file of the demo data and, with `MANRS_SHARED_DATA`, of
//! `../shared/data`, both readers are run side by side and must agree item
//! for item (every field of every route), in counts and in diagnostics, in
//! both modes. The fast decoder must also actually be used: on RouteViews
//! RIBs it has to take (nearly) every RIB record.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use bgpkit_parser::models::{
    AsPathSegment, AsnLength, AttributeValue, Community, ElemType, MetaCommunity,
};
use manrs_input::Input;
use manrs_mrt::{Element, MrtItem, MrtReader, RecordType, Route, RouteItem, SegmentKind, bgpdump};
use manrs_types::{Asn, Mode};

/// The MRT files under `dir`, found by content (`manrs_mrt::detect`).
fn mrt_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            mrt_files(&p, out);
            continue;
        }
        let Ok(mut input) = Input::open(&p) else { continue };
        let Ok(head) = input.peek(HEADER) else { continue };
        // One plausible MRT header is enough: the RIS file of 2000 with
        // TABLE_DUMP lengths 4 bytes short has no second one where its
        // length says.
        if manrs_mrt::detect(&head) {
            out.push(p);
        }
    }
}

const HEADER: usize = 12;

fn demo_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/demo")
}

/// An independent rendering of the fields of a bgpkit-parser element, in
/// the shape the route view gives them.
#[derive(Debug, PartialEq)]
struct Fields {
    record_type: RecordType,
    time: u32,
    micros: Option<u32>,
    elem_type: ElemType,
    peer: (IpAddr, Asn, Option<std::net::Ipv4Addr>),
    prefix: String,
    path_id: Option<u32>,
    originated: Option<u32>,
    path: Option<Vec<(SegmentKind, Vec<Asn>)>>,
    origin_asn: Option<Asn>,
    origin: Option<bgpkit_parser::models::Origin>,
    next_hop: Option<IpAddr>,
    communities: Vec<u32>,
    large: Vec<[u32; 3]>,
    extended: Vec<String>,
    med: Option<u32>,
    local_pref: Option<u32>,
    aggregator: Option<(Asn, std::net::Ipv4Addr)>,
    atomic: bool,
    otc: Option<Asn>,
}

fn expected(e: &Element) -> Fields {
    let el = &e.elem;
    let rib = matches!(
        e.record_type,
        RecordType::TableDump | RecordType::TableDumpV2 | RecordType::TableDumpV2AddPath
    );
    let path = el.as_path.as_ref().map(|p| {
        p.segments
            .iter()
            .map(|s| match s {
                AsPathSegment::AsSet(v) => (SegmentKind::Set, v),
                AsPathSegment::AsSequence(v) => (SegmentKind::Sequence, v),
                AsPathSegment::ConfedSequence(v) => (SegmentKind::ConfedSequence, v),
                AsPathSegment::ConfedSet(v) => (SegmentKind::ConfedSet, v),
            })
            .map(|(k, v)| (k, v.iter().map(|a| Asn(a.to_u32())).collect()))
            .collect()
    });
    let metas = el.communities.as_deref().unwrap_or(&[]);
    Fields {
        record_type: e.record_type,
        time: e.time,
        micros: e.micros,
        elem_type: el.elem_type,
        peer: (el.peer_ip, Asn(el.peer_asn.to_u32()), el.peer_bgp_id),
        prefix: el.prefix.prefix.to_string(),
        path_id: el.prefix.path_id,
        originated: rib.then_some(el.timestamp as u32),
        path,
        origin_asn: el.as_path.as_ref().and_then(|p| match p.segments.last()? {
            AsPathSegment::AsSequence(v) => v.last().map(|a| Asn(a.to_u32())),
            _ => None,
        }),
        origin: el.origin,
        next_hop: el.next_hop,
        communities: metas
            .iter()
            .filter_map(|m| match m {
                MetaCommunity::Plain(Community::NoExport) => Some(0xFFFF_FF01),
                MetaCommunity::Plain(Community::NoAdvertise) => Some(0xFFFF_FF02),
                MetaCommunity::Plain(Community::NoExportSubConfed) => Some(0xFFFF_FF03),
                MetaCommunity::Plain(Community::Custom(a, v)) => {
                    Some(a.to_u32() * 65_536 + u32::from(*v))
                }
                _ => None,
            })
            .collect(),
        large: metas
            .iter()
            .filter_map(|m| match m {
                MetaCommunity::Large(l) => Some([l.global_admin, l.local_data[0], l.local_data[1]]),
                _ => None,
            })
            .collect(),
        extended: metas
            .iter()
            .filter_map(|m| match m {
                MetaCommunity::Extended(x) => Some(format!("{x:?}")),
                _ => None,
            })
            .collect(),
        med: el.med,
        local_pref: el.local_pref,
        aggregator: el.aggr_asn.zip(el.aggr_ip).map(|(a, ip)| (Asn(a.to_u32()), ip)),
        atomic: el.atomic,
        otc: el.only_to_customer.map(|a| Asn(a.to_u32())),
    }
}

/// The extended communities of a route, decoded from their wire bytes by
/// bgpkit-parser's attribute parser (so that they compare with the
/// element's decoded values).
fn extended(r: &Route<'_>) -> Vec<String> {
    let raw: Vec<u8> = r.extended_communities().flatten().collect();
    if raw.is_empty() {
        return Vec::new();
    }
    let mut attr = vec![0xd0, 16];
    attr.extend(u16::try_from(raw.len()).unwrap().to_be_bytes());
    attr.extend(&raw);
    let attrs = bgpkit_parser::parser::bgp::attributes::parse_attributes(
        bytes::Bytes::from(attr),
        &AsnLength::Bits32,
        false,
        None,
        None,
        None,
    )
    .unwrap();
    let Some(AttributeValue::ExtendedCommunities(v)) = attrs.iter().next().cloned() else {
        panic!("extended communities of {r:?}")
    };
    v.iter().map(|x| format!("{x:?}")).collect()
}

fn actual(r: &Route<'_>) -> Fields {
    Fields {
        record_type: r.record_type,
        time: r.time,
        micros: r.micros,
        elem_type: r.elem_type,
        peer: (r.peer_ip, r.peer_asn, r.peer_bgp_id),
        prefix: r.prefix.to_string(),
        path_id: r.path_id,
        originated: r.originated,
        path: r.as_path.map(|p| p.segments().map(|s| (s.kind, s.asns.to_vec())).collect()),
        origin_asn: r.origin_asn(),
        origin: r.origin,
        next_hop: r.next_hop,
        communities: r.communities().collect(),
        large: r.large_communities().collect(),
        extended: extended(r),
        med: r.med(),
        local_pref: r.local_pref(),
        aggregator: r.aggregator(),
        atomic: r.atomic_aggregate(),
        otc: r.only_to_customer(),
    }
}

/// What one side of the comparison saw of a file.
#[derive(Debug, Default)]
struct Outcome {
    fast: u64,
    fallback: u64,
    routes: u64,
    fast_routes: u64,
    diagnostics: u64,
}

/// Runs both APIs over `path` in `mode`, side by side, asserting that they
/// agree; returns the fast decoder's counts.
fn compare(path: &Path, mode: Mode) -> Outcome {
    let name = path.display();
    let mut it = MrtReader::open(path, mode).unwrap();
    let mut rt = MrtReader::open(path, mode).unwrap();
    let mut out = Outcome::default();
    let mut n = 0u64;
    loop {
        let a = it.next();
        let b = rt.next_route();
        match (a, b) {
            (None, None) => break,
            (Some(Ok(MrtItem::Element(e))), Some(Ok(RouteItem::Route(r)))) => {
                assert_eq!(actual(&r), expected(&e), "{name}: item {n}");
                assert_eq!(bgpdump::route_line(&r), bgpdump::element_line(&e), "{name}: item {n}");
                out.routes += 1;
                out.fast_routes += u64::from(r.is_fast());
            }
            (Some(Ok(MrtItem::State(s))), Some(Ok(RouteItem::State(t)))) => {
                assert_eq!(s, t, "{name}: item {n}")
            }
            (Some(Err(x)), Some(Err(y))) => assert_eq!(x.to_string(), y.to_string(), "{name}"),
            (a, b) => panic!(
                "{name}: item {n}: iterator {a:?}, route API {:?}",
                b.map(|b| b.map(|i| format!("{i:?}")))
            ),
        }
        n += 1;
    }
    assert_eq!(it.records(), rt.records(), "{name}: records");
    assert_eq!(it.elements(), rt.elements(), "{name}: elements");
    assert_eq!(it.state_changes(), rt.state_changes(), "{name}: state changes");
    assert_eq!(it.records_per_type(), rt.records_per_type(), "{name}: records per type");
    let diags = |r: &MrtReader| -> Vec<String> {
        r.diagnostics().kept().iter().map(|d| d.to_string()).collect()
    };
    assert_eq!(diags(&it), diags(&rt), "{name}: diagnostics");
    assert_eq!(it.diagnostics().total(), rt.diagnostics().total(), "{name}: diagnostics");
    assert_eq!(it.diagnostics().truncated(), rt.diagnostics().truncated(), "{name}");
    // The iterator never uses the fast decoder.
    assert_eq!((it.fast_records(), it.fallback_records()), (0, 0), "{name}");
    out.diagnostics = rt.diagnostics().total();
    out.fast = rt.fast_records();
    out.fallback = rt.fallback_records();
    out
}

fn check_dir(dir: &Path, skip: &dyn Fn(&Path) -> bool) -> Vec<(PathBuf, Outcome)> {
    let mut files = Vec::new();
    mrt_files(dir, &mut files);
    files.retain(|f| !skip(f));
    assert!(!files.is_empty(), "no MRT file under {}", dir.display());
    let mut results = Vec::new();
    for f in files {
        let lenient = compare(&f, Mode::Lenient);
        // Strict mode differs only where there is a problem to stop at.
        if lenient.diagnostics > 0 {
            let _ = compare(&f, Mode::Strict);
        }
        eprintln!(
            "{}: {} routes ({} fast); TABLE_DUMP_V2 RIB records {} fast, {} fallback",
            f.display(),
            lenient.routes,
            lenient.fast_routes,
            lenient.fast,
            lenient.fallback
        );
        results.push((f, lenient));
    }
    results
}

/// RouteViews RIBs: the fast decoder takes (nearly) every record, and the
/// routes it yields are most of the file's.
fn assert_mostly_fast(path: &Path, o: &Outcome) {
    let rib = o.fast + o.fallback;
    assert!(rib > 1000, "{}: {rib} RIB records", path.display());
    assert!(
        o.fallback * 1000 <= rib,
        "{}: {} of {rib} RIB records fell back",
        path.display(),
        o.fallback
    );
    assert!(o.fast_routes * 100 >= o.routes * 99, "{}: {o:?}", path.display());
}

#[test]
fn demo_data() {
    let results = check_dir(&demo_dir(), &|_| false);
    let ribs: Vec<_> = results
        .iter()
        .filter(|(p, _)| {
            p.file_name().is_some_and(|n| {
                n.to_string_lossy().starts_with("rib") && n.to_string_lossy().contains("2026")
            })
        })
        .collect();
    assert_eq!(ribs.len(), 2, "the IPv4 and IPv6 RouteViews RIB parts");
    for (p, o) in ribs {
        assert_mostly_fast(p, o);
    }
}

#[test]
fn shared_data() {
    let Some(dir) = manrs_test_support::shared_data_dir() else { return };
    // The demo data's MRT files are copies of shared ones, compared by
    // `demo_data` already.
    let in_demo = |f: &Path| {
        let demo = demo_dir().join(f.file_name().unwrap_or_default());
        demo.is_file() && std::fs::read(&demo).ok() == std::fs::read(f).ok()
    };
    let results = check_dir(&dir, &in_demo);
    // Every MRT file of the manifest: RouteViews and RIS RIBs and updates,
    // bgpdump's and bgpkit's test data, the lab samples, the NaMeX RIBs,
    // the 2008 RIB and the YouTube window.
    assert!(results.len() >= 45, "{} MRT files", results.len());
    // The ADD-PATH RIBs of bgpdump's test data are read by the fast
    // decoder where their entries carry every mandatory attribute.
    let ap: u64 = results
        .iter()
        .filter(|(p, _)| p.to_string_lossy().contains("add_path"))
        .map(|(_, o)| o.fast)
        .sum();
    assert!(ap > 0, "no ADD-PATH RIB record took the fast path");
}

/// Moving between the two APIs inside a RIB record neither skips nor
/// repeats an element.
#[test]
fn mixing_the_apis() {
    let p = demo_dir().join("rib.20260730.1400_first2MB.bz2");
    let want: Vec<String> = MrtReader::open(&p, Mode::Lenient)
        .unwrap()
        .take(5000)
        .map(|i| i.unwrap().to_string())
        .collect();
    let mut r = MrtReader::open(&p, Mode::Lenient).unwrap();
    let mut got = Vec::new();
    let mut k = 0usize;
    while got.len() < want.len() {
        // 1, 2, 3... items from one API, then from the other.
        k += 1;
        for _ in 0..k {
            if k % 2 == 1 {
                let Some(Ok(RouteItem::Route(route))) = r.next_route() else { panic!() };
                got.push(bgpdump::route_line(&route));
            } else {
                got.push(r.next().unwrap().unwrap().to_string());
            }
        }
    }
    got.truncate(want.len());
    assert_eq!(got, want);
    assert!(r.fast_records() > 0);
}
