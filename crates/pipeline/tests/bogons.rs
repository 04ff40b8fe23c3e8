//! The bogon reference built from the demo's IANA registries and RIR
//! delegated statistics, applied to the full 2026-07-30 table and checked
//! against Team Cymru's full-bogon list of 2024-03-10 (an independent
//! list, in ../shared/data for tests only).

use std::collections::BTreeMap;
use std::path::Path;

use manrs_engine::BogonClass;
use manrs_input::Input;
use manrs_pipeline::bogons::bogon_reference;
use manrs_sources::delegated::DelegatedReader;
use manrs_sources::iana::IanaReader;
use manrs_sources::ipasn::IpAsnReader;
use manrs_types::{Asn, Mode, Prefix};

fn demo(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/demo").join(name)
}

fn reference() -> manrs_engine::BogonRef {
    let mut iana = Vec::new();
    for f in ["ipv4-address-space.csv", "ipv6-unicast-address-assignments.csv"] {
        iana.extend(
            IanaReader::new(Input::open(demo(f)).unwrap(), Mode::Strict).map(Result::unwrap),
        );
    }
    let mut delegated = Vec::new();
    for f in
        ["delegated-afrinic-extended-20260821.txt.gz", "delegated-lacnic-extended-20240209.txt.gz"]
    {
        delegated
            .extend(DelegatedReader::new(Input::open(demo(f)).unwrap(), Mode::Lenient).flatten());
    }
    bogon_reference(&iana, &delegated)
}

fn p(s: &str) -> Prefix {
    s.parse().unwrap()
}

#[test]
fn registries_make_full_and_administrative_bogons() {
    let r = reference();
    // IANA "Future use" and multicast rows, special-purpose blocks.
    assert_eq!(r.prefix(&p("241.0.0.0/8")).unwrap().class, BogonClass::Full);
    assert_eq!(r.prefix(&p("192.168.1.0/24")).unwrap().class, BogonClass::Full);
    // Delegated space is not a bogon.
    assert!(r.prefix(&p("8.8.8.0/24")).is_none());
    assert!(r.prefix(&p("2a00:1450::/32")).is_none());
    // IPv6 global unicast space IANA keeps reserved.
    assert!(r.prefix(&p("3000::/16")).unwrap().reason.contains("IANA IPv6 registry"));
    // Reserved ASNs are full bogons; RIR-available ones administrative.
    assert_eq!(r.asn(Asn(65000)).unwrap().class, BogonClass::Full);
    assert!(r.asn(Asn(3356)).is_none());
    assert!(
        (36864..=37887)
            .any(|a| r.asn(Asn(a)).is_some_and(|m| m.class == BogonClass::Administrative)),
        "AFRINIC's delegated stats list available ASNs in its 36864-37887 block"
    );
}

/// Every route of the full 2026-07-30 IPv4 table that our reference calls a
/// full bogon lies in Team Cymru's full-bogon list (none outside it), and the
/// counts per class are asserted.
#[test]
fn full_table_bogons_agree_with_an_independent_list() {
    let Some(table) =
        manrs_test_support::shared_file("routeviews-rv2-rib-2026-07-30/ipasn_20260730.dat.gz")
    else {
        return;
    };
    let Some(cymru) =
        manrs_test_support::shared_file("team-cymru-fullbogons-2024-03-10/fullbogons-ipv4.txt")
    else {
        return;
    };
    let r = reference();
    let text = std::fs::read_to_string(cymru).unwrap();
    let cymru: Vec<Prefix> = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.trim().parse().ok())
        .collect();
    assert!(cymru.len() > 500);
    let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
    let mut outside = Vec::new();
    let mut full = Vec::new();
    for e in IpAsnReader::new(Input::open(table).unwrap(), Mode::Strict).map(Result::unwrap) {
        let Some(m) = r.prefix(&e.prefix) else { continue };
        match m.class {
            BogonClass::Full => {
                *counts.entry("full").or_default() += 1;
                full.push((e.prefix, e.origin, m.reason));
                if !cymru.iter().any(|c| c.covers(&e.prefix)) {
                    outside.push(e.prefix);
                }
            }
            BogonClass::Administrative => *counts.entry("administrative").or_default() += 1,
        }
    }
    assert!(outside.is_empty(), "full bogons not in the Cymru list: {outside:?}");
    // One route from shared address space (RFC 6598), and the RIR-available
    // space of AFRINIC and LACNIC plus the deprecated 6to4 relay block.
    assert_eq!(full.len(), 1, "{full:?}");
    assert_eq!((full[0].0, full[0].1), (p("100.123.80.0/24"), Asn(45730)));
    assert!(full[0].2.contains("RFC 6598"));
    assert_eq!(counts.get("administrative"), Some(&253), "{counts:?}");
}
