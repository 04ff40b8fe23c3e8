//! Actions 2 and 3 through manifest, ingest, scoring and store: M5 from
//! CAIDA Spoofer sessions and M8 from IRR aut-num objects and PeeringDB.
//!
//! Contacts use real data from ../shared/data: the RIPE-NONAUTH aut-num
//! dump (2023-11) and the production PeeringDB `net` and `poc` pages
//! (2026-04). The routes are one made-up /24 per AS number found in those
//! files (found here by a plain text and JSON scan, not by the readers under
//! test), so that every contact record belongs to a stored network. The
//! expected counts were computed independently with a Python script over
//! the same files: 2,568 networks have a record, 2,132 of them a contact of
//! a counted role (2,109 aut-nums with admin-c/tech-c, one of them keyed
//! `AS137937 # _whois` with a trailing comment; 24 PeeringDB networks with
//! a NOC/Technical/Policy contact, one in both), 436 only a PeeringDB
//! network record whose contacts are not among the anonymous pages; 6 of
//! the 40 contacts belong to networks not in the net pages.
//!
//! Spoofer: the constructed fixture of manrs-sources (no real Spoofer page
//! is available to the tests). RDAP: the constructed autnum responses of
//! manrs-sources (no real RDAP answer is in the shared data either).

use std::collections::BTreeSet;
use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};

use manrs_engine::Band;
use manrs_input::Input;
use manrs_manifest::Manifest;
use manrs_pipeline::{Ingested, PeriodOutcome, Quiet, ingest_period, store_period};
use manrs_store::{MetricRow, Store};
use manrs_types::{Asn, Mode};

fn spoofer_fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../sources/tests/fixtures/spoofer-sessions.json")
}

/// AS numbers of `aut-num:` lines.
fn aut_num_asns(path: &Path) -> BTreeSet<u32> {
    let r = std::io::BufReader::new(Input::open(path).unwrap());
    r.split(b'\n')
        .filter_map(|l| {
            let l = String::from_utf8_lossy(&l.unwrap()).to_string();
            let v = l.strip_prefix("aut-num:")?.split('#').next()?.trim().to_ascii_uppercase();
            v.strip_prefix("AS")?.parse().ok()
        })
        .collect()
}

/// AS numbers of PeeringDB `net` pages.
fn peeringdb_asns(pages: &[PathBuf]) -> BTreeSet<u32> {
    let mut out = BTreeSet::new();
    for p in pages {
        let mut text = String::new();
        Input::open(p).unwrap().read_to_string(&mut text).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        for n in v["data"].as_array().unwrap() {
            out.insert(u32::try_from(n["asn"].as_u64().unwrap()).unwrap());
        }
    }
    out
}

/// Writes one /24 per AS (11.x.y.0/24) as a `prefix,asn` list.
fn routes_for(asns: &BTreeSet<u32>, path: &Path) {
    let mut text = String::from("prefix,asn\n");
    for (i, a) in asns.iter().enumerate() {
        text.push_str(&format!("11.{}.{}.0/24,{a}\n", i / 256, i % 256));
    }
    std::fs::write(path, text).unwrap();
}

/// Stores the ingested first period of `manifest`.
fn store_first(store: &mut Store, manifest: &Manifest, ingested: Ingested) -> PeriodOutcome {
    let (_, outcome) = store_period(
        store,
        ingested,
        &manifest.analysis,
        &manifest.profile,
        None,
        0,
        false,
        &Quiet,
    )
    .unwrap();
    outcome
}

fn by_asn(rows: &[MetricRow], asn: u32) -> &MetricRow {
    rows.iter().find(|m| m.asn == Asn(asn)).unwrap()
}

#[test]
fn spoofer_sessions_and_contacts_become_key_figures() {
    let Some(shared) = manrs_test_support::shared_data_dir() else { return };
    let aut = shared.join("irr-ripe-db-dump-2023-11/ripe-nonauth.db.aut-num.gz");
    let pdb = shared.join("peeringdb-api-sample-2026-04/prod/anon/api");
    let net_pages = [pdb.join("net/page-1.json.gz"), pdb.join("net/page-2.json.gz")];
    let dir = tempfile::tempdir().unwrap();
    let mut asns = aut_num_asns(&aut);
    asns.extend(peeringdb_asns(&net_pages));
    asns.extend(64496..=64502);
    routes_for(&asns, &dir.path().join("routes.csv"));
    let text = format!(
        r#"[[period]]
month = "2026-07"
inputs = [
  {{ kind = "routes", path = "routes.csv", collector = "test" }},
  {{ kind = "irr", path = "{}" }},
  {{ kind = "peeringdb", path = "{}/net/page-*.json.gz" }},
  {{ kind = "peeringdb", path = "{}/poc/page-*.json.gz" }},
  {{ kind = "spoofer", path = "{}" }},
]
"#,
        aut.display(),
        pdb.display(),
        pdb.display(),
        spoofer_fixture().display()
    );
    let manifest = Manifest::parse(&text, &dir.path().join("m.toml")).unwrap();
    let ingested = ingest_period(&manifest, &manifest.periods[0], Mode::Lenient, &Quiet).unwrap();
    let spoofer_report = ingested.sources.iter().find(|s| s.path.ends_with(".json")).unwrap();
    // 100006 has no timestamp; 100007 has an unknown spoof value.
    assert_eq!(spoofer_report.diagnostics.total(), 2, "{:?}", spoofer_report.diagnostics);
    let mut store = Store::open(&dir.path().join("a.db")).unwrap();
    let outcome = store_first(&mut store, &manifest, ingested);
    let s = &outcome.actions23;
    assert_eq!((s.peeringdb_networks, s.peeringdb_contacts), (500, 40));
    assert_eq!(s.peeringdb_contacts_unmatched, 6);
    assert_eq!(s.contact_networks, 2_568);
    assert_eq!(s.spoofer_sessions, 6, "the session with a bad value is dropped by the reader");
    assert_eq!((s.spoofer_other_months, s.spoofer_without_result), (0, 1));
    assert_eq!((s.spoofer_networks, s.spoofer_spoofing_networks), (4, 2));

    let month = manifest.periods[0].month;
    let rows = store.all_metrics(month).unwrap();
    assert_eq!(rows.len(), asns.len());
    let band_count =
        |b: Option<Band>| rows.iter().filter(|m| m.figures.coordination.band == b).count();
    assert_eq!(band_count(Some(Band::Ready)), 2_132);
    assert_eq!(band_count(Some(Band::Lagging)), 436);
    assert_eq!(band_count(None), asns.len() - 2_568);

    // An aut-num of the dump: its handles were replaced by DUMY-RIPE in the
    // public dump, and still name a contact.
    let akamai = &by_asn(&rows, 12222).figures;
    assert_eq!(akamai.coordination.value, Some(1.0));
    let c = akamai.contacts.as_ref().unwrap();
    assert_eq!(c["records"], serde_json::json!(["RIPE-NONAUTH"]));
    assert_eq!(c["contacts"][0]["reference"], "DUMY-RIPE");
    assert_eq!(c["contacts"][0]["counts"], true);

    // Spoofer: 64496 leaked from one prefix; 64497 blocked on both families
    // of one session; 64498 was rewritten by a NAT (not a leak); 64499
    // leaked over IPv6; 64500 gave only `unknown`; 64501 has no timestamp.
    let f = |asn| by_asn(&rows, asn).figures.clone();
    let leak = f(64496);
    assert_eq!((leak.spoof_sessions, leak.spoof_prefixes), (Some(1), Some(1)));
    assert!((leak.anti_spoofing.value.unwrap() - 0.6f64.powf(2f64.sqrt())).abs() < 1e-12);
    assert_eq!(leak.anti_spoofing.band, Some(Band::Lagging));
    assert_eq!(leak.spoof_evidence.unwrap()["spoofedPrefixes"][0], "192.0.2.0/24");
    assert_eq!(f(64497).anti_spoofing.band, Some(Band::Ready));
    assert_eq!(f(64497).spoof_sessions, Some(1));
    assert_eq!(f(64498).anti_spoofing.band, Some(Band::Ready));
    assert_eq!(f(64499).spoof_prefixes, Some(1));
    for untested in [64500, 64501, 64502, 12222] {
        assert_eq!(f(untested).anti_spoofing.band, None, "AS{untested}");
        assert_eq!(f(untested).spoof_sessions, None, "AS{untested}");
    }
    // Routes of a prefix-origin list have no time: no Action 1 incident can
    // be found, and filtering is "no data", not 100 %.
    assert!(rows.iter().all(|m| m.figures.filtering.band.is_none()));
    assert!(rows.iter().all(|m| m.figures.filtering_raw.is_none()));

    // The same sessions against another month: none counts.
    let other =
        Manifest::parse(&text.replace("2026-07", "2026-06"), &dir.path().join("m.toml")).unwrap();
    let ingested = ingest_period(&other, &other.periods[0], Mode::Lenient, &Quiet).unwrap();
    assert!(ingested.actions23.spoof.is_empty());
    assert_eq!(ingested.actions23.stats.spoofer_other_months, 5);
}

/// RDAP autnum responses (the ARIN and LACNIC equivalent of aut-num
/// contacts): technical, administrative and NOC entities count, nested ones
/// included; an AS with only an abuse contact is lagging; a range gives
/// every AS of it the same contacts; an error response is a diagnostic.
#[test]
fn rdap_contacts_become_coordination() {
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../sources/tests/fixtures/rdap-autnum.jsonl");
    let dir = tempfile::tempdir().unwrap();
    let asns: BTreeSet<u32> = [64500, 64501, 64510, 64511, 64520].into();
    routes_for(&asns, &dir.path().join("routes.csv"));
    let text = format!(
        r#"[[period]]
month = "2026-07"
inputs = [
  {{ kind = "routes", path = "routes.csv", collector = "test" }},
  {{ kind = "rdap", path = "{}" }},
]
"#,
        fixture.display()
    );
    let manifest = Manifest::parse(&text, &dir.path().join("m.toml")).unwrap();
    let ingested = ingest_period(&manifest, &manifest.periods[0], Mode::Lenient, &Quiet).unwrap();
    let report = ingested.sources.iter().find(|s| s.path.ends_with(".jsonl")).unwrap();
    assert_eq!((report.records, report.used), (4, 3));
    assert_eq!(report.diagnostics.total(), 1, "the 404 answer");
    let mut store = Store::open(&dir.path().join("r.db")).unwrap();
    let outcome = store_first(&mut store, &manifest, ingested);
    assert_eq!((outcome.actions23.rdap_autnums, outcome.actions23.contact_networks), (3, 4));
    let rows = store.all_metrics(manifest.periods[0].month).unwrap();
    let coordination = |asn| by_asn(&rows, asn).figures.coordination.band;
    assert_eq!(coordination(64500), Some(Band::Ready));
    assert_eq!(coordination(64501), None, "no RDAP answer: no data");
    assert_eq!((coordination(64510), coordination(64511)), (Some(Band::Ready), Some(Band::Ready)));
    assert_eq!(coordination(64520), Some(Band::Lagging), "abuse only");
    let c = by_asn(&rows, 64500).figures.contacts.clone().unwrap();
    assert_eq!(c["records"], serde_json::json!(["ARIN RDAP"]));
    let found: Vec<(String, String, bool)> = c["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["role"].as_str().unwrap().to_string(),
                x["reference"].as_str().unwrap().to_string(),
                x["counts"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            ("Abuse".to_string(), "ABUSE1-ARIN".to_string(), false),
            ("NOC".to_string(), "NOC1-ARIN".to_string(), true),
            ("tech-c".to_string(), "NOC1-ARIN".to_string(), true),
        ]
    );
    let lacnic = by_asn(&rows, 64511).figures.contacts.clone().unwrap();
    assert_eq!(lacnic["records"], serde_json::json!(["LACNIC RDAP"]));
    assert_eq!(lacnic["contacts"][1]["role"], "admin-c");
}
