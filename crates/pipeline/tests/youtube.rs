//! The 2008-02-24 YouTube hijack in RouteViews data (../shared/data), with
//! the CAIDA AS relationships of 2008-02 and AS-to-organisation of 2008-04,
//! through manifest, ingest, detection and store: AS17557 (Pakistan
//! Telecom) announced 208.65.153.0/24, YouTube's (AS36561) space, from
//! 18:47:57 UTC until it was withdrawn; AS3491 (PCCW) propagated it.
//! YouTube's own /24 and /25s, announced in answer, are not hijacks.

use std::path::Path;

use manrs_manifest::Manifest;
use manrs_pipeline::{Quiet, ingest_period, run_period, store_period};
use manrs_store::Store;
use manrs_types::{Asn, Mode};

#[test]
fn youtube_pakistan_2008() {
    let Some(shared) = manrs_test_support::shared_data_dir() else { return };
    let s = shared.display();
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/demo");
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        r#"[[period]]
month = "2008-02"
inputs = [
  {{ kind = "mrt", path = "{s}/incident-2008-02-24-youtube-pakistan-routeviews/updates.20080224.*.bz2", collector = "route-views2" }},
  {{ kind = "as-org", path = "{s}/caida-as2org/20080402.as-org2info.jsonl.gz" }},
  {{ kind = "as-relationships", path = "{s}/caida-as-relationships/20080201.as-rel.txt.bz2" }},
  {{ kind = "iana", path = "{}/ipv4-address-space.csv" }},
]
"#,
        demo.display()
    );
    let manifest = Manifest::parse(&text, &dir.path().join("youtube.toml")).unwrap();
    assert_eq!(manifest.periods[0].inputs[0].paths.len(), 14);
    let ingested = ingest_period(&manifest, &manifest.periods[0], Mode::Lenient, &Quiet).unwrap();
    let mut store = Store::open(&dir.path().join("y.db")).unwrap();
    let (_, outcome) = store_period(
        &mut store,
        ingested,
        &manifest.analysis,
        &manifest.profile,
        None,
        0,
        false,
        &Quiet,
    )
    .unwrap();
    let month = manifest.periods[0].month;

    let m2 = store.incidents(month, Some(Asn(17557))).unwrap();
    assert_eq!(m2.len(), 1, "{m2:#?}");
    let i = &m2[0];
    assert_eq!(i.metric, "M2");
    assert_eq!(i.start, 1_203_878_877, "18:47:57 UTC");
    assert!(
        i.end > 1_203_883_645 && i.end <= 1_203_886_881 + 60,
        "ends at its withdrawal, about 20:41 UTC: {}",
        i.end
    );
    assert_eq!(i.score, 1.0, "about two hours: weight 1");
    let f = &i.evidence[0];
    assert_eq!(
        (f["prefix"].as_str(), f["origin"].as_u64(), f["kind"].as_str()),
        (Some("208.65.153.0/24"), Some(17557), Some("moas"))
    );
    assert_eq!(f["legitimate"][0]["origin"], 36561);
    assert_eq!(f["first"]["path"].as_array().unwrap().last().unwrap(), 17557);
    assert!(f["first"]["peerIp"].is_string() && f["first"]["collector"] == "route-views2");
    assert!(
        i.summary.contains("208.65.153.0/24") && i.summary.contains("AS36561"),
        "{}",
        i.summary
    );

    let m2c = store.incidents(month, Some(Asn(3491))).unwrap();
    assert!(
        m2c.iter()
            .any(|x| x.metric == "M2C" && x.start == i.start && x.evidence[0]["origin"] == 17557),
        "{m2c:#?}"
    );
    // YouTube's own announcements are not hijacks.
    assert!(store.incidents(month, Some(Asn(36561))).unwrap().is_empty());

    // The whole window, recorded in docs/action1.md.
    let a = &outcome.action1;
    eprintln!("{a:?}");
    assert_eq!((a.conflicts, a.unresolved, a.suspects, a.hijacks), (1443, 1348, 71, 8));
    let pruned: Vec<(&str, u64)> = a.pruned.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert_eq!(
        pruned,
        [("CustomerOrProvider", 27), ("LegitimateOnPath", 7), ("LowVisibility", 29)]
    );

    // Read in three parts (`manrs run --shards 3`), with CAIDA's
    // relationships: the same incidents with the same evidence, and the
    // same counts.
    let mut parts = Store::open(&dir.path().join("parts.db")).unwrap();
    let period = &manifest.periods[0];
    let (_, in_parts) =
        run_period(&mut parts, &manifest, period, Mode::Lenient, 3, None, 0, false, &Quiet)
            .unwrap();
    assert_eq!(serde_json::to_value(&in_parts).unwrap(), serde_json::to_value(&outcome).unwrap());
    let all = |s: &Store| {
        let v: Vec<_> = s.incidents(month, None).unwrap();
        serde_json::to_value(
            v.iter()
                .map(|i| (i.asn, &i.metric, i.start, i.end, i.score, &i.summary, &i.evidence))
                .collect::<Vec<_>>(),
        )
        .unwrap()
    };
    let whole = all(&store);
    assert!(whole.as_array().unwrap().len() > 8);
    assert_eq!(all(&parts), whole);
}
