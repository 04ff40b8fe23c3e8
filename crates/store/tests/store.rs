//! The store: round trips, atomic periods, schema versions, bad files.

use std::path::Path;

use manrs_engine::{Band, RovState, SnapshotRoute};
use manrs_store::{
    IrrEvidence, MetricRow, NetworkRow, PeriodMeta, RouteQuery, RouteRow, SourceRow, Store,
    StoreError, VrpRow,
};
use manrs_types::{Asn, Month};
use serde_json::json;

fn month(s: &str) -> Month {
    s.parse().unwrap()
}

fn meta(m: &str) -> PeriodMeta {
    PeriodMeta {
        month: month(m),
        created_at: 1_785_420_000,
        tool_version: "test".into(),
        manifest: Some("sources.toml".into()),
        settings: json!({"irr-policy": "covering"}),
        profile: json!({"version": "p1"}),
        profile_version: "p1".into(),
    }
}

fn route(prefix: &str, origin: u32, rov: RovState) -> RouteRow {
    RouteRow {
        route: SnapshotRoute {
            prefix: prefix.parse().unwrap(),
            origin: Asn(origin),
            as_set: false,
            first_seen: Some(1_785_420_000),
            last_seen: Some(1_785_420_900),
            peers: 3,
            collectors: 1,
            upstreams: vec![Asn(3356), Asn(174)],
        },
        rov,
        irr: None,
    }
}

fn metric(asn: u32, routes: u64) -> MetricRow {
    MetricRow {
        asn: Asn(asn),
        routes,
        valid: routes,
        invalid: 0,
        not_found: 0,
        irr_covered: None,
        rpki_value: 1.0,
        rpki_band: Band::Ready,
        irr_value: None,
        irr_band: None,
    }
}

/// Writes a period with the given routes (all of origin 64500 unless set).
fn write(store: &mut Store, m: &str, routes: &[RouteRow], replace: bool) -> Result<(), StoreError> {
    let mut w = store.begin_period(&meta(m), replace)?;
    for r in routes {
        w.add_route(r)?;
    }
    w.add_metrics(&metric(64500, routes.len() as u64))?;
    w.commit(&json!({"routes": routes.len()}))
}

#[test]
fn every_row_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("m.db")).unwrap();
    assert_eq!(store.schema_version().unwrap(), manrs_store::MIGRATIONS.len() as u32);
    let source = SourceRow {
        kind: "mrt".into(),
        path: "rib.bz2".into(),
        format: "mrt".into(),
        records: 10,
        elements: 20,
        errors: 1,
        truncated: true,
        diagnostics: json!({"errorsByKind": {"truncated": 1}}),
    };
    let mut invalid = route("198.51.100.0/24", 64500, RovState::Invalid);
    invalid.irr = Some(IrrEvidence {
        source: "RIPE".into(),
        prefix: "198.51.100.0/22".parse().unwrap(),
        exact: false,
    });
    let mut undated = route("2001:db8::/32", 64501, RovState::NotFound);
    (
        undated.route.first_seen,
        undated.route.last_seen,
        undated.route.upstreams,
        undated.route.as_set,
    ) = (None, None, vec![], true);
    let vrps = [
        VrpRow {
            prefix: "198.51.100.0/22".parse().unwrap(),
            max_len: 22,
            asn: Asn(64500),
            ta: Some("ripe".into()),
            matched: false,
        },
        VrpRow {
            prefix: "198.51.100.0/24".parse().unwrap(),
            max_len: 24,
            asn: Asn(0),
            ta: None,
            matched: false,
        },
    ];
    let network = NetworkRow {
        asn: Asn(64500),
        holder: Some("EXAMPLE - Example".into()),
        country: Some("NL".into()),
        rir: Some("ripencc".into()),
        status: Some("assigned".into()),
    };
    let m = MetricRow {
        asn: Asn(64500),
        routes: 4,
        valid: 2,
        invalid: 1,
        not_found: 1,
        irr_covered: Some(3),
        rpki_value: 0.0,
        rpki_band: Band::Lagging,
        irr_value: Some(0.75),
        irr_band: Some(Band::Aspiring),
    };
    let mut w = store.begin_period(&meta("2026-07"), false).unwrap();
    w.add_source(&source).unwrap();
    let id = w.add_route(&invalid).unwrap();
    for v in &vrps {
        w.add_route_vrp(id, v).unwrap();
    }
    w.add_route(&undated).unwrap();
    w.add_network(&network).unwrap();
    w.add_metrics(&m).unwrap();
    w.commit(&json!({"ok": true})).unwrap();

    let july = month("2026-07");
    let info = store.period(july).unwrap().unwrap();
    assert_eq!(info.meta, meta("2026-07"));
    assert_eq!((info.routes, info.networks), (2, 1));
    assert_eq!(info.stats, json!({"ok": true}));
    assert!(info.finished_at > 0);
    assert_eq!(store.sources(july).unwrap(), vec![source]);
    assert_eq!(store.network(july, Asn(64500)).unwrap(), Some(network));
    assert_eq!(store.metrics(july, Asn(64500)).unwrap(), Some(m));
    let all = store.routes(july, &RouteQuery::default()).unwrap();
    assert_eq!(all.iter().map(|r| r.row.clone()).collect::<Vec<_>>(), vec![invalid, undated]);
    assert_eq!(store.route_vrps(all[0].id).unwrap(), vrps.to_vec());
    assert!(store.route_vrps(all[1].id).unwrap().is_empty());
    assert_eq!(store.network(month("2026-06"), Asn(64500)).unwrap(), None);
}

#[test]
fn queries_filter_and_order_by_address() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("m.db")).unwrap();
    let mut registered = route("9.0.0.0/8", 64500, RovState::Valid);
    registered.irr = Some(IrrEvidence {
        source: "RADB".into(),
        prefix: "9.0.0.0/8".parse().unwrap(),
        exact: true,
    });
    let routes = [
        route("2001:db8::/32", 64500, RovState::Valid),
        route("10.0.0.0/8", 64500, RovState::Invalid),
        route("10.0.0.0/16", 64501, RovState::NotFound),
        registered,
        route("10.0.0.0/8", 64499, RovState::Invalid),
        route("192.0.2.0/24", 64500, RovState::Invalid),
    ];
    write(&mut store, "2026-02", &routes, false).unwrap();
    let feb = month("2026-02");
    let prefixes = |q: RouteQuery| -> Vec<String> {
        store
            .routes(feb, &q)
            .unwrap()
            .iter()
            .map(|r| format!("{} {}", r.row.route.prefix, r.row.route.origin.0))
            .collect()
    };
    assert_eq!(
        prefixes(RouteQuery::default()),
        [
            "9.0.0.0/8 64500",
            "10.0.0.0/8 64499",
            "10.0.0.0/8 64500",
            "10.0.0.0/16 64501",
            "192.0.2.0/24 64500",
            "2001:db8::/32 64500"
        ]
    );
    let q =
        RouteQuery { origin: Some(Asn(64500)), rov: Some(RovState::Invalid), ..Default::default() };
    assert_eq!(prefixes(q.clone()), ["10.0.0.0/8 64500", "192.0.2.0/24 64500"]);
    assert_eq!(store.count_routes(feb, &q).unwrap(), 2);
    let q =
        RouteQuery { origin: Some(Asn(64500)), limit: Some(2), offset: 1, ..Default::default() };
    assert_eq!(prefixes(q), ["10.0.0.0/8 64500", "192.0.2.0/24 64500"]);
    let q = RouteQuery { origin: Some(Asn(64500)), irr_unregistered: true, ..Default::default() };
    assert_eq!(store.count_routes(feb, &q).unwrap(), 3);
    assert_eq!(store.count_routes(month("2026-03"), &RouteQuery::default()).unwrap(), 0);
}

#[test]
fn periods_are_atomic_and_replaced_in_one_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.db");
    let mut store = Store::open(&path).unwrap();
    write(&mut store, "2026-02", &[route("10.0.0.0/8", 64500, RovState::Valid)], false).unwrap();
    write(&mut store, "2026-07", &[route("10.0.0.0/8", 64500, RovState::Valid)], false).unwrap();
    let months: Vec<String> =
        store.periods().unwrap().iter().map(|p| p.month().to_string()).collect();
    assert_eq!(months, ["2026-07", "2026-02"], "newest first");
    assert_eq!(store.latest_period().unwrap(), Some(month("2026-07")));

    // Without replace an existing period is refused.
    let e = write(&mut store, "2026-02", &[], false).unwrap_err();
    assert!(matches!(e, StoreError::PeriodExists { .. }), "{e}");

    // A crash mid-write (the writer dropped before commit) leaves nothing.
    {
        let mut w = store.begin_period(&meta("2026-03"), false).unwrap();
        w.add_route(&route("10.0.0.0/8", 64500, RovState::Valid)).unwrap();
    }
    drop(store);
    let mut store = Store::open_existing(&path).unwrap();
    assert!(store.period(month("2026-03")).unwrap().is_none());

    // A replacement is invisible to another connection until its commit.
    let reader = Store::open_existing(&path).unwrap();
    let mut w = store.begin_period(&meta("2026-02"), true).unwrap();
    w.add_route(&route("192.0.2.0/24", 64501, RovState::Invalid)).unwrap();
    w.add_route(&route("198.51.100.0/24", 64501, RovState::Invalid)).unwrap();
    let feb = month("2026-02");
    assert_eq!(
        reader.count_routes(feb, &RouteQuery::default()).unwrap(),
        1,
        "old period still visible"
    );
    w.commit(&json!({})).unwrap();
    assert_eq!(
        reader.count_routes(feb, &RouteQuery::default()).unwrap(),
        2,
        "new period after commit"
    );
    assert_eq!(reader.routes(feb, &RouteQuery::default()).unwrap()[0].row.route.origin, Asn(64501));
    assert_eq!(reader.periods().unwrap().len(), 2);
}

#[test]
fn bad_databases_are_refused_with_their_path() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("none.db");
    let e = Store::open_existing(&missing).unwrap_err().to_string();
    assert!(e.contains("none.db") && e.contains("manrs run"), "{e}");

    let text = dir.path().join("notes.db");
    std::fs::write(
        &text,
        "this is not a database, just some text that is long enough to have a header",
    )
    .unwrap();
    let e = Store::open(&text).unwrap_err().to_string();
    assert!(e.contains("notes.db") && e.contains("not a database"), "{e}");

    let newer = dir.path().join("newer.db");
    drop(Store::open(&newer).unwrap());
    {
        let conn = rusqlite::Connection::open(&newer).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
    }
    let e = Store::open_existing(&newer).unwrap_err().to_string();
    assert!(e.contains("newer.db") && e.contains("schema version 99 is newer"), "{e}");
    assert!(Path::new(&newer).exists());
}

#[test]
fn a_version_1_database_is_migrated_and_keeps_its_periods() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(manrs_store::MIGRATIONS[0]).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        conn.execute(
            "INSERT INTO periods (month, created_at, finished_at, tool_version, settings, profile, profile_version, stats)
             VALUES ('2026-02', 1, 2, 'old', '{}', '{}', 'p0', '{}')",
            [],
        )
        .unwrap();
    }
    let store = Store::open_existing(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), manrs_store::MIGRATIONS.len() as u32);
    let p = store.period(month("2026-02")).unwrap().unwrap();
    assert_eq!(p.meta.tool_version, "old");
    assert!(store.incidents(month("2026-02"), None).unwrap().is_empty());
}

#[test]
fn incidents_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("m.db")).unwrap();
    let row = manrs_store::IncidentRow {
        asn: Asn(17557),
        metric: "M2".into(),
        weight: 1.0,
        start: 1_203_878_877,
        end: 1_203_886_894,
        score: 1.0,
        confidence: Some(0.7),
        summary: "originated 208.65.153.0/24".into(),
        evidence: json!([{"prefix": "208.65.153.0/24"}]),
    };
    let mut w = store.begin_period(&meta("2008-02"), false).unwrap();
    w.add_incident(&row).unwrap();
    w.add_incident(&manrs_store::IncidentRow {
        asn: Asn(3491),
        metric: "M2C".into(),
        confidence: None,
        ..row.clone()
    })
    .unwrap();
    w.commit(&json!({})).unwrap();
    let m = month("2008-02");
    assert_eq!(store.incidents(m, Some(Asn(17557))).unwrap(), vec![row]);
    let all = store.incidents(m, None).unwrap();
    assert_eq!(all.iter().map(|i| i.asn.0).collect::<Vec<_>>(), [3491, 17557]);
    assert_eq!(all[0].confidence, None);
}
