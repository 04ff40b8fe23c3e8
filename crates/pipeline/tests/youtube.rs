//! The 2008-02-24 YouTube hijack in RouteViews data (../shared/data), with
//! the CAIDA AS relationships of 2008-02 and AS-to-organisation of
//! 2008-04: AS17557 (Pakistan Telecom) announced 208.65.153.0/24, a more
//! specific of YouTube's (AS36561) space, from 18:47:57 UTC; AS3491 (PCCW)
//! propagated it. YouTube answered with the same /24 and two /25s, which
//! are not hijacks.

use std::path::Path;

use manrs_engine::hijacks::{Context, Timeline, detect};
use manrs_engine::{Event, Settings, SnapshotBuilder, Weighting, consolidate};
use manrs_pipeline::hijacks::{add_as_rel, add_as2org, add_iana, feed_mrt};
use manrs_types::{Asn, Mode, Month, Prefix};

fn p(s: &str) -> Prefix {
    s.parse().unwrap()
}

#[test]
fn youtube_pakistan_2008() {
    let Some(shared) = manrs_test_support::shared_data_dir() else { return };
    let dir = shared.join("incident-2008-02-24-youtube-pakistan-routeviews");
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    assert_eq!(files.len(), 14);
    let month: Month = "2008-02".parse().unwrap();
    let mut peers = SnapshotBuilder::new(month, &Settings::default());
    let mut timeline = Timeline::new();
    for f in &files {
        feed_mrt(f, "route-views2", &mut timeline, &mut peers, Mode::Lenient).unwrap();
    }
    let spans = timeline.finish();
    let mut ctx = Context { min_peers: 3, ..Context::default() };
    add_as2org(&mut ctx, &shared.join("caida-as2org/20080402.as-org2info.jsonl.gz"), Mode::Lenient)
        .unwrap();
    add_as_rel(
        &mut ctx,
        &shared.join("caida-as-relationships/20080201.as-rel.txt.bz2"),
        Mode::Lenient,
    )
    .unwrap();
    let iana = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/demo/ipv4-address-space.csv");
    add_iana(&mut ctx, &iana, Mode::Strict).unwrap();
    let d = detect(&spans, &ctx);

    let found: Vec<_> = d
        .hijacks
        .iter()
        .filter(|h| h.prefix == p("208.65.153.0/24") && h.pruned.is_none())
        .collect();
    assert_eq!(found.len(), 1, "{found:#?}");
    let h = found[0];
    assert_eq!(h.origin, Asn(17557));
    assert_eq!(h.legitimate, vec![(p("208.65.153.0/24"), Asn(36561))]);
    assert_eq!(h.upstreams, vec![Asn(3491)]);
    assert_eq!(h.first.time, 1_203_878_877, "18:47:57 UTC");
    assert_eq!(h.first.path.last(), Some(&Asn(17557)));
    assert!(h.tags.iter().any(|t| t == "legitimate-same-rir-as-space"), "{:?}", h.tags);
    // One interval: from the first announcement until the last peer let go.
    assert_eq!(h.intervals.len(), 1);
    let (start, end) = h.intervals[0];
    assert_eq!(start, 1_203_878_877);
    let end = end.expect("withdrawn within the window");
    assert!(
        end > 1_203_883_645 && end <= 1_203_886_881 + 60,
        "ends at its withdrawal, 20:41 UTC: {end}"
    );
    // YouTube's own announcements are not hijacks.
    assert!(
        d.hijacks.iter().all(|x| x.origin != Asn(36561)),
        "{:#?}",
        d.hijacks.iter().filter(|x| x.origin == Asn(36561)).collect::<Vec<_>>()
    );

    // As incidents: M2 for AS17557 and M2C for AS3491, each one incident of
    // about two hours (weight 1: score 1).
    let mut events = Vec::new();
    for (i, x) in d.hijacks.iter().enumerate().filter(|(_, x)| x.pruned.is_none()) {
        for (s, e) in &x.intervals {
            events.push(Event {
                asn: x.origin,
                metric: "M2",
                start: *s,
                end: *e,
                weight: 1.0,
                evidence: i,
            });
            for u in &x.upstreams {
                events.push(Event {
                    asn: *u,
                    metric: "M2C",
                    start: *s,
                    end: *e,
                    weight: 1.0,
                    evidence: i,
                });
            }
        }
    }
    let incidents = consolidate(&events, month, &Weighting::default());
    let m2: Vec<_> = incidents.iter().filter(|i| i.asn == Asn(17557) && i.metric == "M2").collect();
    assert_eq!(m2.len(), 1);
    assert_eq!((m2[0].start, m2[0].end, m2[0].score), (start, end, 1.0));
    assert!(incidents.iter().any(|i| i.asn == Asn(3491) && i.metric == "M2C" && i.start == start));
    eprintln!(
        "YouTube window: {} conflicts, {} unresolved, {} suspects ({} pruned: {:?}), {} incidents",
        d.conflicts,
        d.unresolved,
        d.hijacks.len(),
        d.pruned().values().sum::<u64>(),
        d.pruned(),
        incidents.len()
    );
    // The whole window, recorded in docs/action1.md.
    assert_eq!((d.conflicts, d.unresolved, d.hijacks.len()), (1443, 1348, 71));
    let pruned: Vec<(String, u64)> =
        d.pruned().into_iter().map(|(k, v)| (format!("{k:?}"), v)).collect();
    let expected = [("CustomerOrProvider", 27), ("LegitimateOnPath", 7), ("LowVisibility", 29)];
    assert_eq!(pruned, expected.map(|(k, v)| (k.to_string(), v)));
}
