//! Readers against the real public data in `../shared/data` (run with
//! `MANRS_SHARED_DATA=../shared/data`; skipped otherwise). Every figure was
//! checked independently with awk / python3 / zcat / bzcat on the same files.

use std::collections::HashSet;

use manrs_input::Input;
use manrs_sources::asnames::AsNamesJsonReader;
use manrs_sources::caida::{As2OrgEntry, As2OrgReader, AsRelReader, Relationship};
use manrs_sources::delegated::{DelegatedReader, Registry, ResourceType, Status};
use manrs_sources::iana::{IanaReader, IanaStatus};
use manrs_sources::ipasn::IpAsnReader;
use manrs_sources::{Format, detect, inspect};
use manrs_test_support::require_shared;
use manrs_types::{Asn, DiagKind, Location, Mode};

/// Detects the file's format from its first 64 KiB and inspects it strictly.
fn detect_and_inspect(path: &std::path::Path, want: Format) -> manrs_types::Summary {
    let mut input = Input::open(path).unwrap();
    let head = input.peek(64 * 1024).unwrap();
    assert_eq!(detect(&head), Some(want), "{}", path.display());
    inspect(want, input, Mode::Lenient).unwrap()
}

#[test]
fn afrinic_delegated_extended() {
    let p = require_shared!("rir-delegated-extended/delegated-afrinic-extended-20260821.txt");
    let mut r = DelegatedReader::open(&p, Mode::Strict).unwrap();
    let mut asns = HashSet::new();
    let mut held = HashSet::new();
    for rec in r.by_ref() {
        let rec = rec.unwrap();
        assert_eq!(rec.registry, Registry::Afrinic);
        if rec.status.is_delegated_to_holder() {
            held.extend(rec.asns());
        }
        asns.extend(rec.asns());
    }
    let c = r.counts();
    // awk -F'|' '!/^#/ && $2!="*" {print $3}' | sort | uniq -c
    assert_eq!((c.asn, c.ipv4, c.ipv6), (4350, 6045, 9205));
    // The summary lines announce exactly these counts, the version line 19600.
    assert_eq!(r.summary(ResourceType::Asn), Some(4350));
    assert_eq!(r.summary(ResourceType::Ipv4), Some(6045));
    assert_eq!(r.summary(ResourceType::Ipv6), Some(9205));
    assert_eq!(r.header().unwrap().records, 19600);
    // Sum of the ASN `value` column = distinct ASNs (no overlapping ranges);
    // 2771 of them allocated or assigned.
    assert_eq!((c.asn_numbers, asns.len(), held.len()), (4350, 4350, 2771));
    assert_eq!(c.ipv4_addresses, 121_250_304);
    assert!(r.diagnostics().is_empty());

    let s = detect_and_inspect(&p, Format::RirDelegated);
    assert_eq!((s.records, s.elements, s.counts["asn-numbers"]), (19600, 19600, 4350));
}

#[test]
fn lacnic_delegated_extended_2_3() {
    let p = require_shared!("rir-delegated-extended/delegated-lacnic-extended-20240209.txt");
    let mut r = DelegatedReader::open(&p, Mode::Strict).unwrap();
    let mut asns = HashSet::new();
    let mut held = HashSet::new();
    let (mut no_cc, mut multi) = (0, 0);
    for rec in r.by_ref() {
        let rec = rec.unwrap();
        no_cc += u64::from(rec.country.is_none());
        if let manrs_sources::delegated::Resource::Asn { count, .. } = rec.resource {
            multi += u64::from(count > 1);
        }
        if rec.status.is_delegated_to_holder() {
            held.extend(rec.asns());
        }
        asns.extend(rec.asns());
    }
    let c = r.counts();
    assert_eq!((c.asn, c.ipv4, c.ipv6), (14695, 19802, 54402));
    assert_eq!(r.header().unwrap().version, "2.3");
    assert_eq!(r.header().unwrap().records, 88899);
    assert_eq!(r.summary(ResourceType::Ipv6), Some(54402));
    // LACNIC leaves `cc` empty on its 43,699 available/reserved records.
    assert_eq!(no_cc, 43699);
    // ASN ranges expand to 15,103 distinct ASNs, 13,270 allocated.
    assert!(multi > 0);
    assert_eq!((c.asn_numbers, asns.len(), held.len()), (15103, 15103, 13270));
    assert_eq!(c.ipv4_addresses, 190_081_536);
    assert!(r.diagnostics().is_empty());
}

#[test]
fn iana_delegated_summary_mismatch_is_diagnosed() {
    let p = require_shared!("iana-registries/delegated-iana-latest-20190911.txt");
    let mut r = DelegatedReader::open(&p, Mode::Lenient).unwrap();
    let mut ietf = 0;
    let mut asns = HashSet::new();
    for rec in r.by_ref() {
        let rec = rec.unwrap();
        assert_eq!((rec.registry, rec.country), (Registry::Iana, None));
        ietf += u64::from(rec.status == Status::Delegated(Registry::Ietf));
        if rec.asns().size_hint().0 < 1_000_000 {
            asns.extend(rec.asns());
        }
    }
    let c = r.counts();
    // awk: asn 1194, ipv4 1220, ipv6 116 records; 149 with status ietf.
    assert_eq!((c.asn, c.ipv4, c.ipv6, ietf), (1194, 1220, 116, 149));
    assert_eq!(c.asn_numbers, 190_258_437);
    assert_eq!(c.ipv4_addresses, 8_589_933_824);
    // Line 1007 of IANA's file is cut: `|3|19990401|arin`. Then, at the end:
    // the file announces 973 records (133 / 781 / 59) but holds 2530, four
    // mismatches, each at the line that announced the count.
    let d: Vec<(Location, DiagKind)> =
        r.diagnostics().kept().iter().map(|d| (d.location, d.kind)).collect();
    assert_eq!(
        d,
        vec![
            (Location::Line(1007), DiagKind::Malformed),
            (Location::Line(30), DiagKind::Malformed),
            (Location::Line(31), DiagKind::Malformed),
            (Location::Line(32), DiagKind::Malformed),
            (Location::Line(33), DiagKind::Malformed),
        ]
    );
    let msgs: Vec<String> = r.diagnostics().kept().iter().map(|d| d.to_string()).collect();
    assert!(
        msgs[0].ends_with("line 1007: malformed: record has 4 fields, expected at least 7"),
        "{}",
        msgs[0]
    );
    assert!(msgs[1].contains("announces 973 records, the file has 2530"), "{}", msgs[1]);
    assert!(msgs[2].contains("announces 133 asn records, the file has 1194"), "{}", msgs[2]);
    // In strict mode the read stops at the cut line, after 973 records
    // (exactly the number announced: the rest of the file looks appended).
    let mut strict = DelegatedReader::open(&p, Mode::Strict).unwrap();
    assert_eq!(strict.by_ref().filter(Result::is_ok).count(), 973);
    assert!(strict.next().is_none());
    let last = DelegatedReader::open(&p, Mode::Strict).unwrap().last().unwrap();
    assert_eq!(last.unwrap_err().location, Location::Line(1007));
}

#[test]
fn iana_ipv4_address_space() {
    let p = require_shared!("iana-registries/ipv4-address-space.csv");
    let mut r = IanaReader::open(&p, Mode::Strict).unwrap();
    let all: Vec<_> = r.by_ref().map(Result::unwrap).collect();
    assert_eq!(all.len(), 256);
    assert!(
        all.iter()
            .enumerate()
            .all(|(i, e)| e.prefix.len() == 8 && e.prefix.to_string() == format!("{i}.0.0.0/8"))
    );
    let c = r.counts();
    // python3 csv: ALLOCATED 129, LEGACY 92, RESERVED 35.
    assert_eq!((c.allocated, c.legacy, c.reserved), (129, 92, 35));
    assert_eq!(all[3].designation, "Administered by ARIN");
    assert_eq!(all[3].rdap.len(), 2);
    assert_eq!(all[3].status, IanaStatus::Legacy);
    let s = detect_and_inspect(&p, Format::IanaIpv4Space);
    assert_eq!((s.records, s.elements), (256, 256));
}

#[test]
fn iana_ipv6_unicast() {
    let p = require_shared!("iana-registries/ipv6-unicast-address-assignments.csv");
    let mut r = IanaReader::open(&p, Mode::Strict).unwrap();
    let all: Vec<_> = r.by_ref().map(Result::unwrap).collect();
    // python3 csv: 50 rows, ALLOCATED 35, RESERVED 15.
    assert_eq!(all.len(), 50);
    assert_eq!((r.counts().allocated, r.counts().reserved, r.counts().ipv6), (35, 15, 50));
    assert_eq!(all[0].prefix.to_string(), "2001::/23");
    assert!(all.iter().any(|e| e.note.as_deref().is_some_and(|n| n.contains("6bone"))));
    detect_and_inspect(&p, Format::IanaIpv6Unicast);
}

#[test]
fn ipasn_ipv4_and_ipv6() {
    let p = require_shared!("routeviews-rv2-rib-2026-07-30/ipasn_20260730.dat.gz");
    let mut r = IpAsnReader::open(&p, Mode::Strict).unwrap();
    let first = r.next().unwrap().unwrap();
    assert_eq!((first.prefix.to_string(), first.origin), ("1.0.0.0/24".to_string(), Asn(13335)));
    assert_eq!(r.by_ref().map(Result::unwrap).count(), 1_107_937);
    assert_eq!((r.counts().ipv4, r.counts().ipv6, r.counts().comments), (1_107_938, 0, 5));
    assert_eq!(r.announced(), (Some(1_107_938), Some(0)));

    let p6 = require_shared!("routeviews-rv2-rib-2026-07-30/ipasn6_20260730.dat.gz");
    let s = detect_and_inspect(&p6, Format::IpAsn);
    assert_eq!((s.records, s.counts["ipv4"], s.counts["ipv6"]), (258_956, 0, 258_956));
    assert!(s.diagnostics.is_empty());
}

#[test]
fn asnames_json() {
    let p = require_shared!("routeviews-rv2-rib-2026-07-30/asnames.json.gz");
    let mut r = AsNamesJsonReader::open(&p, Mode::Strict).unwrap();
    let first = r.next().unwrap().unwrap();
    assert_eq!(first.asn, Asn(1));
    assert_eq!(first.handle.as_deref(), Some("LVLT-1"));
    assert_eq!(first.name, "Level 3 Parent, LLC");
    assert_eq!(first.country.unwrap().as_str(), "US");
    let (mut handles, mut countries, mut max) = (1, 1, 0);
    for n in r.by_ref() {
        let n = n.unwrap();
        handles += u64::from(n.handle.is_some());
        countries += u64::from(n.country.is_some());
        max = max.max(n.asn.0);
    }
    // python3 json.load: 121,907 keys, all ending ", CC", 121,902 with a
    // non-empty text before " - "; the largest key is 402821.
    assert_eq!(
        (r.entries(), r.names(), countries, handles, max),
        (121_907, 121_907, 121_907, 121_902, 402_821)
    );
    assert!(r.diagnostics().is_empty());
    let s = detect_and_inspect(&p, Format::AsNamesJson);
    assert_eq!(s.elements, 121_907);
}

#[test]
fn caida_as_rel2_2024() {
    let p = require_shared!("caida-as-relationships/20240801.as-rel2.txt.bz2");
    let mut r = AsRelReader::open(&p, Mode::Strict).unwrap();
    let (mut mlp, mut n) = (0, 0);
    for l in r.by_ref() {
        let l = l.unwrap();
        n += 1;
        mlp += u64::from(l.sources().any(|s| s == "mlp"));
    }
    let c = r.counts();
    // bzcat | awk -F'|': 571,873 links; -1: 159,544 bgp + 1,027 bgp,mlp;
    // 0: 330,417 bgp + 75,196 mlp + 5,689 bgp,mlp; 180 comment lines.
    assert_eq!(n, 571_873);
    assert_eq!(
        (c.p2c, c.p2p, c.serial2, c.serial1, c.comments),
        (160_571, 411_302, 571_873, 0, 180)
    );
    assert_eq!(mlp, 1_027 + 75_196 + 5_689);
    assert_eq!(r.clique().len(), 19);
    assert_eq!(r.clique()[0], Asn(174));
    let s = detect_and_inspect(&p, Format::CaidaAsRel2);
    assert_eq!((s.records, s.counts["p2c"], s.counts["p2p"]), (571_873, 160_571, 411_302));
}

#[test]
fn caida_as_rel_serial1_2008() {
    let p = require_shared!("caida-as-relationships/20080201.as-rel.txt.bz2");
    let mut r = AsRelReader::open(&p, Mode::Strict).unwrap();
    let links: Vec<_> = r.by_ref().map(Result::unwrap).collect();
    // bzcat | awk -F'|': 77,404 links, 53,210 with -1, 24,194 with 0.
    assert_eq!(links.len(), 77_404);
    assert_eq!(links.iter().filter(|l| l.rel == Relationship::ProviderToCustomer).count(), 53_210);
    assert_eq!((r.counts().p2c, r.counts().p2p, r.counts().serial1), (53_210, 24_194, 77_404));
    assert!(r.clique().is_empty());
    detect_and_inspect(&p, Format::CaidaAsRel);
}

fn as2org(path: &std::path::Path) -> (u64, u64, u64) {
    let mut r = As2OrgReader::open(path, Mode::Strict).unwrap();
    let mut orgs = HashSet::new();
    let mut dangling = 0;
    let mut asn_orgs = Vec::new();
    for e in r.by_ref() {
        match e.unwrap() {
            As2OrgEntry::Organization(o) => {
                orgs.insert(o.id);
            }
            As2OrgEntry::Asn(a) => asn_orgs.push(a.org_id),
        }
    }
    for id in &asn_orgs {
        dangling += u64::from(!orgs.contains(id));
    }
    assert!(r.diagnostics().is_empty());
    (r.counts().organizations, r.counts().asns, dangling)
}

#[test]
fn caida_as2org_2021_and_2008() {
    let p = require_shared!("caida-as2org/20211001.as-org2info.jsonl.gz");
    // python3 json per line: 194,228 lines = 87,682 Organization + 106,546 ASN.
    let (orgs, asns, dangling) = as2org(&p);
    assert_eq!((orgs, asns, orgs + asns), (87_682, 106_546, 194_228));
    assert_eq!(dangling, 0, "every ASN's organizationId names an organisation");
    let s = detect_and_inspect(&p, Format::CaidaAs2OrgJsonl);
    assert_eq!(
        (s.records, s.counts["organizations"], s.counts["asns"]),
        (194_228, 87_682, 106_546)
    );

    let p = require_shared!("caida-as2org/20080402.as-org2info.jsonl.gz");
    // 79,780 lines = 37,602 Organization + 42,178 ASN.
    let (orgs, asns, _) = as2org(&p);
    assert_eq!((orgs, asns, orgs + asns), (37_602, 42_178, 79_780));
}

#[test]
fn detect_claims_no_foreign_formats() {
    for f in [
        "irr-ripe-db-dump-2023-11/ripe.db.as-set.gz",
        "irr-ripe-db-dump-2023-11/ripe-nonauth.db.route.gz",
        "irr-rpsl-samples/aut-num-AS3257.txt",
        "rpki-client-vrps-2025-07-20/rpkiclient_summary_20250720T093135Z.json.bz2",
        "peeringdb-api-sample-2026-04/prod/anon/api/net/page-1.json.gz",
        "routeviews-rv2-updates-2026-02-22/updates.20260222.1530.bz2",
        "team-cymru-fullbogons-2024-03-10/fullbogons-ipv4.txt",
    ] {
        let p = require_shared!(f);
        let head = Input::open(&p).unwrap().peek(64 * 1024).unwrap();
        assert_eq!(detect(&head), None, "{f}");
    }
}
