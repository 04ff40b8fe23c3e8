//! The PeeringDB reader on the real API pages in `../shared/data`
//! (`peeringdb-api-sample-2026-04`: beta and production, anonymous view,
//! pages 1–2 of up to 250 objects per type).
//!
//! The object counts per file were checked independently by loading each
//! file with Python's `gzip` and `json` modules and counting `data`. Contact
//! (`poc`) data is personal: these tests check structure and counts only and
//! never print a contact.

use std::collections::BTreeMap;

use manrs_input::Input;
use manrs_peeringdb::{Format, Object, PeeringDbReader, detect, inspect};
use manrs_types::{Asn, Mode};

const DIR: &str = "peeringdb-api-sample-2026-04";

/// `(site, type, page, objects)`.
const PAGES: [(&str, &str, u32, u64); 32] = [
    ("beta", "campus", 1, 74),
    ("beta", "campus", 2, 0),
    ("beta", "carrier", 1, 250),
    ("beta", "carrier", 2, 26),
    ("beta", "carrierfac", 1, 250),
    ("beta", "carrierfac", 2, 250),
    ("beta", "fac", 1, 250),
    ("beta", "fac", 2, 250),
    ("beta", "ix", 1, 250),
    ("beta", "ix", 2, 250),
    ("beta", "ixfac", 1, 250),
    ("beta", "ixfac", 2, 250),
    ("beta", "ixlan", 1, 250),
    ("beta", "ixlan", 2, 250),
    ("beta", "ixpfx", 1, 250),
    ("beta", "ixpfx", 2, 250),
    ("beta", "net", 1, 250),
    ("beta", "net", 2, 250),
    ("beta", "netfac", 1, 250),
    ("beta", "netfac", 2, 250),
    ("beta", "netixlan", 1, 250),
    ("beta", "netixlan", 2, 250),
    ("beta", "org", 1, 250),
    ("beta", "org", 2, 250),
    ("beta", "poc", 1, 21),
    ("beta", "poc", 2, 19),
    ("prod", "net", 1, 250),
    ("prod", "net", 2, 250),
    ("prod", "org", 1, 250),
    ("prod", "org", 2, 250),
    ("prod", "poc", 1, 21),
    ("prod", "poc", 2, 19),
];

fn page(site: &str, kind: &str, n: u32) -> String {
    format!("{DIR}/{site}/anon/api/{kind}/page-{n}.json.gz")
}

#[test]
fn every_page_reads_with_the_inferred_type() {
    manrs_test_support::require_shared!(DIR);
    for (site, kind, n, count) in PAGES {
        let path = manrs_test_support::require_shared!(&page(site, kind, n));
        let mut input = Input::open(&path).unwrap();
        assert_eq!(
            detect(&input.peek(manrs_peeringdb::DETECT_LEN).unwrap()),
            Some(Format::ApiPage)
        );
        let s = inspect(input, Mode::Strict).unwrap();
        assert_eq!(s.format, "peeringdb-api", "{path:?}");
        assert_eq!((s.records, s.elements), (count, count), "{path:?}");
        let want: BTreeMap<String, u64> =
            if count == 0 { BTreeMap::new() } else { [(kind.to_string(), count)].into() };
        assert_eq!(s.counts, want, "{path:?}");
        assert!(s.diagnostics.is_empty(), "{path:?}");

        // The same with the type given by the caller.
        let input = Input::open(&path).unwrap();
        let r = PeeringDbReader::with_type(input, Mode::Strict, kind.parse().unwrap());
        let mut got = 0;
        for o in r {
            assert_eq!(o.unwrap().object_type().as_str(), kind);
            got += 1;
        }
        assert_eq!(got, count);
    }
}

#[test]
fn net_pages_hold_known_networks() {
    for site in ["beta", "prod"] {
        let path = manrs_test_support::require_shared!(&page(site, "net", 1));
        let mut asns = Vec::new();
        for o in PeeringDbReader::open(&path, Mode::Strict).unwrap() {
            let Object::Net(n) = o.unwrap() else { panic!("not a net object") };
            if n.asn == Asn(20940) {
                assert_eq!((n.id, n.org_id), (2, Some(14)));
                assert_eq!(n.irr_as_set.as_deref(), Some("AS-AKAMAI"));
                assert_eq!(n.info_type.as_deref(), Some("Content"));
            }
            if n.asn == Asn(4436) {
                assert_eq!((n.id, n.org_id, n.info_prefixes4), (1, Some(8897), Some(200_000)));
                assert_eq!(n.policy_general.as_deref(), Some("Restrictive"));
            }
            asns.push(n.asn);
        }
        for known in [4436, 20940, 3303] {
            assert!(asns.contains(&Asn(known)), "{site}: AS{known} missing");
        }
    }
}

#[test]
fn poc_pages_parse() {
    for site in ["beta", "prod"] {
        for (n, count) in [(1, 21), (2, 19)] {
            let path = manrs_test_support::require_shared!(&page(site, "poc", n));
            let mut pocs = 0;
            for o in PeeringDbReader::open(&path, Mode::Strict).unwrap() {
                let Ok(Object::Poc(p)) = o else { panic!("a poc page yields poc objects") };
                // Anonymous pages show public contacts only.
                assert_eq!(p.visible.as_deref(), Some("Public"));
                assert!(p.net_id.is_some() && p.role.is_some());
                pocs += 1;
            }
            assert_eq!(pocs, count);
        }
    }
}

#[test]
fn org_and_netixlan_fields() {
    let path = manrs_test_support::require_shared!(&page("beta", "org", 1));
    let mut countries = 0;
    for o in PeeringDbReader::open(&path, Mode::Strict).unwrap() {
        let Object::Org(org) = o.unwrap() else { panic!("not an org") };
        if org.id == 2 {
            assert_eq!(org.country.map(|c| c.to_string()).as_deref(), Some("US"));
        }
        countries += usize::from(org.country.is_some());
    }
    // 119 of the 250 organisations give a country (checked with Python).
    assert_eq!(countries, 119);
    let path = manrs_test_support::require_shared!(&page("beta", "netixlan", 1));
    let (mut v4, mut v6) = (0, 0);
    for o in PeeringDbReader::open(&path, Mode::Strict).unwrap() {
        let Object::NetIxLan(x) = o.unwrap() else { panic!("not a netixlan") };
        v4 += usize::from(x.ipaddr4.is_some());
        v6 += usize::from(x.ipaddr6.is_some());
    }
    // 17 of the 250 ports have no IPv6 address (checked with Python).
    assert_eq!((v4, v6), (250, 233));
}
