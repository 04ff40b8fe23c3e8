//! The store: round trips, atomic periods, crashes, queries in address
//! order, schema versions, bad files.

use std::path::{Path, PathBuf};
use std::process::Command;

use manrs_engine::{Band, RovState, Score, SnapshotRoute, Visibility};
use manrs_store::{
    FigureRow, IncidentRow, IrrEvidence, MetricRow, NetworkQuery, NetworkRow, PeriodInfo,
    PeriodMeta, RouteQuery, RouteRow, SCHEMA_VERSION, SourceRow, Store, StoreError, VrpRow,
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

fn vrp(prefix: &str, max_len: u8, asn: u32, matched: bool) -> VrpRow {
    VrpRow { prefix: prefix.parse().unwrap(), max_len, asn: Asn(asn), ta: None, matched }
}

fn metric(asn: u32, routes: u64) -> MetricRow {
    MetricRow {
        asn: Asn(asn),
        routes,
        valid: routes,
        invalid: 0,
        not_found: 0,
        irr_covered: None,
        rpki_value: Some(1.0),
        rpki_band: Some(Band::Ready),
        irr_value: None,
        irr_band: None,
        figures: FigureRow::default(),
    }
}

/// Writes a period with the given routes and one metrics row.
fn write(
    store: &mut Store,
    m: &str,
    routes: &[RouteRow],
    replace: bool,
) -> Result<PeriodInfo, StoreError> {
    let mut w = store.begin_period(&meta(m), replace)?;
    for r in routes {
        w.add_route(r)?;
    }
    w.add_metrics(&metric(64500, routes.len() as u64))?;
    w.commit(&json!({"routes": routes.len()}))
}

/// `prefix origin` of every route the query returns.
fn listed(store: &Store, m: &str, q: &RouteQuery) -> Vec<String> {
    store
        .routes(month(m), q)
        .unwrap()
        .iter()
        .map(|r| format!("{} {}", r.row.route.prefix, r.row.route.origin.0))
        .collect()
}

fn all() -> RouteQuery {
    RouteQuery::default()
}

fn temp_db() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.db");
    (dir, path)
}

#[test]
fn every_row_round_trips() {
    let (_dir, path) = temp_db();
    let mut store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version(), SCHEMA_VERSION);
    assert_eq!(SCHEMA_VERSION as usize, manrs_store::MIGRATIONS.len());
    let source = SourceRow {
        kind: "mrt".into(),
        path: "rib.bz2".into(),
        format: "mrt".into(),
        records: 10,
        elements: 20,
        errors: 1,
        truncated: true,
        diagnostics: json!({"errorsByKind": {"truncated": 1}, "first": ["rib.bz2: truncated"]}),
    };
    let clean = SourceRow {
        kind: "vrps".into(),
        path: "vrps.json".into(),
        format: "rpki-client".into(),
        records: 3,
        elements: 3,
        errors: 0,
        truncated: false,
        diagnostics: json!({}),
    };
    let mut invalid = route("198.51.100.0/24", 64500, RovState::Invalid);
    invalid.irr = Some(IrrEvidence {
        source: "RIPE-NONAUTH".into(),
        prefix: "198.51.100.0/22".parse().unwrap(),
        exact: false,
    });
    let mut undated = route("2001:db8::/32", 64501, RovState::NotFound);
    (
        undated.route.first_seen,
        undated.route.last_seen,
        undated.route.upstreams,
        undated.route.as_set,
        undated.route.peers,
        undated.route.collectors,
    ) = (None, None, vec![], true, u32::MAX, 0);
    let mut exact = route("203.0.113.0/24", u32::MAX, RovState::Valid);
    exact.irr = Some(IrrEvidence {
        source: "RADB".into(),
        prefix: "203.0.113.0/24".parse().unwrap(),
        exact: true,
    });
    let vrps = [
        VrpRow { ta: Some("ripe".into()), ..vrp("198.51.100.0/22", 22, 64500, false) },
        vrp("198.51.100.0/24", 24, 0, false),
    ];
    let network = NetworkRow {
        asn: Asn(64500),
        holder: Some("EXAMPLE - Example, «ünïcode»".into()),
        country: Some("NL".into()),
        rir: Some("ripencc".into()),
        status: Some("assigned".into()),
        visibility: Visibility::Origin,
        excluded: None,
    };
    let bare = NetworkRow {
        asn: Asn(64501),
        holder: None,
        country: None,
        rir: None,
        status: None,
        visibility: Visibility::Origin,
        excluded: None,
    };
    let m = MetricRow {
        asn: Asn(64500),
        routes: 4,
        valid: 2,
        invalid: 1,
        not_found: 1,
        irr_covered: Some(3),
        rpki_value: Some(0.0),
        rpki_band: Some(Band::Lagging),
        irr_value: Some(0.75),
        irr_band: Some(Band::Aspiring),
        figures: FigureRow {
            filtering_raw: Some(0.5),
            filtering: Score { value: Some(0.6), band: Some(Band::Aspiring) },
            spoof_sessions: Some(3),
            spoof_prefixes: Some(1),
            spoof_evidence: Some(
                json!({"sessions": [1, 2, 3], "spoofedPrefixes": ["192.0.2.0/24"]}),
            ),
            anti_spoofing: Score { value: Some(0.4856), band: Some(Band::Lagging) },
            contacts: Some(
                json!({"records": ["RIPE"], "contacts": [{"source": "RIPE", "role": "admin-c", "reference": "EX1-RIPE"}]}),
            ),
            coordination: Score { value: Some(1.0), band: Some(Band::Ready) },
        },
    };
    let no_irr = MetricRow { asn: Asn(64501), ..metric(64501, 1) };
    let incident = IncidentRow {
        asn: Asn(64500),
        metric: "M2".into(),
        weight: 1.0,
        start: 1_785_420_000,
        end: 1_785_430_000,
        score: 0.5,
        confidence: Some(0.7),
        summary: "originated 192.0.2.0/24".into(),
        evidence: json!([{"prefix": "192.0.2.0/24", "peers": [1, 2]}]),
    };

    let mut w = store.begin_period(&meta("2026-07"), false).unwrap();
    assert_eq!(w.month(), month("2026-07"));
    w.add_source(&source).unwrap();
    w.add_source(&clean).unwrap();
    let id = w.add_route(&invalid).unwrap();
    for v in &vrps {
        w.add_route_vrp(id, v).unwrap();
    }
    w.add_route(&undated).unwrap();
    w.add_route(&exact).unwrap();
    w.add_network(&network).unwrap();
    w.add_network(&bare).unwrap();
    w.add_metrics(&m).unwrap();
    w.add_metrics(&no_irr).unwrap();
    w.add_incident(&incident).unwrap();
    let committed = w.commit(&json!({"ok": true, "routes": 3})).unwrap();

    let july = month("2026-07");
    let info = store.period(july).unwrap().unwrap();
    assert_eq!(info, committed, "commit returns what is stored");
    assert_eq!(info.meta(), meta("2026-07"));
    assert_eq!(info.month(), july);
    assert_eq!((info.routes, info.networks), (3, 2));
    assert_eq!(info.stats, json!({"ok": true, "routes": 3}));
    assert!(info.finished_at >= info.created_at);
    assert_eq!(store.sources(july).unwrap(), vec![source, clean]);
    assert_eq!(store.network(july, Asn(64500)).unwrap(), Some(network));
    assert_eq!(store.network(july, Asn(64501)).unwrap(), Some(bare));
    assert_eq!(store.network(july, Asn(64502)).unwrap(), None);
    assert_eq!(store.metrics(july, Asn(64500)).unwrap(), Some(m.clone()));
    assert_eq!(store.all_metrics(july).unwrap(), vec![m, no_irr]);
    assert_eq!(store.incidents(july, None).unwrap(), vec![incident]);
    let routes = store.routes(july, &all()).unwrap();
    assert_eq!(
        routes.iter().map(|r| r.row.clone()).collect::<Vec<_>>(),
        vec![invalid, exact, undated]
    );
    assert_eq!(store.route_vrps(routes[0].id).unwrap(), vrps.to_vec());
    assert!(store.route_vrps(routes[1].id).unwrap().is_empty());
    assert!(store.route_vrps(-1).unwrap().is_empty());

    // Another month has nothing.
    let june = month("2026-06");
    assert_eq!(store.period(june).unwrap(), None);
    assert_eq!(store.network(june, Asn(64500)).unwrap(), None);
    assert_eq!(store.metrics(june, Asn(64500)).unwrap(), None);
    assert!(store.all_metrics(june).unwrap().is_empty());
    assert!(store.sources(june).unwrap().is_empty());
    assert!(store.routes(june, &all()).unwrap().is_empty());
    assert!(store.incidents(june, None).unwrap().is_empty());

    // And all of it is still there after reopening.
    drop(store);
    let store = Store::open_existing(&path).unwrap();
    assert_eq!(store.period(july).unwrap(), Some(committed));
    assert_eq!(store.count_routes(july, &all()).unwrap(), 3);
}

#[test]
fn periods_are_listed_newest_first() {
    let (_dir, path) = temp_db();
    let mut store = Store::open(&path).unwrap();
    assert!(store.periods().unwrap().is_empty());
    assert_eq!(store.latest_period().unwrap(), None);
    let r = [route("10.0.0.0/8", 64500, RovState::Valid)];
    for m in ["2026-02", "2025-12", "2026-07", "2026-10"] {
        write(&mut store, m, &r, false).unwrap();
    }
    let months: Vec<String> =
        store.periods().unwrap().iter().map(|p| p.month.to_string()).collect();
    assert_eq!(months, ["2026-10", "2026-07", "2026-02", "2025-12"]);
    assert_eq!(store.latest_period().unwrap(), Some(month("2026-10")));
    assert!(store.periods().unwrap().iter().all(|p| (p.routes, p.networks) == (1, 0)));
}

#[test]
fn a_stored_period_is_not_overwritten_without_replace() {
    let (_dir, path) = temp_db();
    let mut store = Store::open(&path).unwrap();
    write(&mut store, "2026-02", &[route("10.0.0.0/8", 64500, RovState::Valid)], false).unwrap();
    let e = write(&mut store, "2026-02", &[], false).unwrap_err();
    assert!(matches!(e, StoreError::PeriodExists { month: m, .. } if m == month("2026-02")), "{e}");
    let text = e.to_string();
    assert!(text.contains("2026-02") && text.contains("m.db"), "{text}");
    assert_eq!(store.count_routes(month("2026-02"), &all()).unwrap(), 1);
    // The failed attempt left no transaction open: writing goes on.
    write(&mut store, "2026-03", &[], false).unwrap();
    assert_eq!(store.periods().unwrap().len(), 2);
}

#[test]
fn a_replacement_is_swapped_in_atomically() {
    let (_dir, path) = temp_db();
    let mut store = Store::open(&path).unwrap();
    let mut w = store.begin_period(&meta("2026-02"), false).unwrap();
    let old = w.add_route(&route("10.0.0.0/8", 64500, RovState::Invalid)).unwrap();
    w.add_route_vrp(old, &vrp("10.0.0.0/8", 8, 64499, false)).unwrap();
    w.add_network(&NetworkRow {
        asn: Asn(64500),
        holder: None,
        country: None,
        rir: None,
        status: None,
        visibility: Visibility::Origin,
        excluded: None,
    })
    .unwrap();
    w.commit(&json!({"run": 1})).unwrap();
    write(&mut store, "2026-01", &[route("9.0.0.0/8", 64500, RovState::Valid)], false).unwrap();

    // Another connection, e.g. the web server.
    let reader = Store::open_existing(&path).unwrap();
    let feb = month("2026-02");
    let mut w = store.begin_period(&meta("2026-02"), true).unwrap();
    w.add_route(&route("192.0.2.0/24", 64501, RovState::Invalid)).unwrap();
    w.add_route(&route("198.51.100.0/24", 64501, RovState::Invalid)).unwrap();
    // Before the commit the reader sees the old period, whole.
    assert_eq!(listed(&reader, "2026-02", &all()), ["10.0.0.0/8 64500"]);
    assert_eq!(reader.period(feb).unwrap().unwrap().stats, json!({"run": 1}));
    assert_eq!(reader.route_vrps(old).unwrap().len(), 1);
    assert!(reader.network(feb, Asn(64500)).unwrap().is_some());
    let info = w.commit(&json!({"run": 2})).unwrap();
    assert_eq!((info.routes, info.networks), (2, 0));
    // After it, the new one, whole; the old rows are gone with it.
    assert_eq!(listed(&reader, "2026-02", &all()), ["192.0.2.0/24 64501", "198.51.100.0/24 64501"]);
    assert_eq!(reader.period(feb).unwrap().unwrap().stats, json!({"run": 2}));
    assert!(reader.route_vrps(old).unwrap().is_empty());
    assert_eq!(reader.network(feb, Asn(64500)).unwrap(), None);
    // The other period is untouched.
    assert_eq!(listed(&reader, "2026-01", &all()), ["9.0.0.0/8 64500"]);
    assert_eq!(reader.periods().unwrap().len(), 2);
}

#[test]
fn a_dropped_writer_leaves_nothing() {
    let (_dir, path) = temp_db();
    let mut store = Store::open(&path).unwrap();
    write(&mut store, "2026-02", &[route("10.0.0.0/8", 64500, RovState::Valid)], false).unwrap();
    {
        let mut w = store.begin_period(&meta("2026-03"), false).unwrap();
        for i in 0..100 {
            w.add_route(&route(&format!("10.{i}.0.0/16"), 64500, RovState::Valid)).unwrap();
        }
        w.add_metrics(&metric(64500, 100)).unwrap();
    }
    // A replacement that is abandoned keeps the old period.
    {
        let mut w = store.begin_period(&meta("2026-02"), true).unwrap();
        w.add_route(&route("192.0.2.0/24", 64501, RovState::Invalid)).unwrap();
    }
    drop(store);
    let mut store = Store::open_existing(&path).unwrap();
    assert_eq!(store.period(month("2026-03")).unwrap(), None);
    assert!(store.all_metrics(month("2026-03")).unwrap().is_empty());
    assert_eq!(store.periods().unwrap().len(), 1);
    assert_eq!(listed(&store, "2026-02", &all()), ["10.0.0.0/8 64500"]);
    // The month can be written afterwards.
    write(&mut store, "2026-03", &[], false).unwrap();
}

/// The child half of [`a_crash_mid_write_loses_nothing`]: does nothing
/// unless the parent sets `MANRS_STORE_CRASH_DB`.
#[test]
fn crash_child_process() {
    let Some(path) = std::env::var_os("MANRS_STORE_CRASH_DB") else { return };
    let mut store = Store::open_existing(Path::new(&path)).unwrap();
    let mut w = store.begin_period(&meta("2026-02"), true).unwrap();
    for i in 0..50_000u32 {
        let p = format!("{}.{}.{}.0/24", 1 + i / 65_536, i / 256 % 256, i % 256);
        w.add_route(&route(&p, 64501, RovState::NotFound)).unwrap();
    }
    // Killed mid-write: no destructor, no rollback, no unlock.
    std::process::abort();
}

#[test]
fn a_crash_mid_write_loses_nothing() {
    let (_dir, path) = temp_db();
    let mut store = Store::open(&path).unwrap();
    write(&mut store, "2026-02", &[route("10.0.0.0/8", 64500, RovState::Valid)], false).unwrap();
    drop(store);
    let child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "crash_child_process", "--test-threads=1", "--nocapture"])
        .env("MANRS_STORE_CRASH_DB", &path)
        .output()
        .unwrap();
    let output = String::from_utf8_lossy(&child.stderr) + String::from_utf8_lossy(&child.stdout);
    assert!(!child.status.success(), "the child should have aborted: {output}");
    assert!(!output.contains("panicked"), "the child failed before its crash: {output}");
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(child.status.signal(), Some(6), "SIGABRT: {output}");
    }
    let mut store = Store::open_existing(&path).unwrap();
    assert_eq!(listed(&store, "2026-02", &all()), ["10.0.0.0/8 64500"]);
    assert_eq!(store.period(month("2026-02")).unwrap().unwrap().routes, 1);
    write(&mut store, "2026-02", &[], true).unwrap();
    assert_eq!(store.count_routes(month("2026-02"), &all()).unwrap(), 0);
}

#[test]
fn a_newer_schema_is_refused_untouched() {
    let (_dir, path) = temp_db();
    drop(Store::open(&path).unwrap());
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        conn.pragma_update(None, "journal_mode", "DELETE").unwrap();
    }
    for e in [Store::open(&path).unwrap_err(), Store::open_existing(&path).unwrap_err()] {
        assert!(matches!(e, StoreError::TooNew { found: 99, known: SCHEMA_VERSION, .. }), "{e}");
        let text = e.to_string();
        let expected =
            format!("database schema version 99 is newer than this manrs ({SCHEMA_VERSION})");
        assert!(text.contains("m.db") && text.contains(&expected), "{text}");
        assert!(text.contains("upgrade manrs"), "{text}");
    }
    // Refused before anything changed: still version 99, not switched to WAL.
    let conn = rusqlite::Connection::open(&path).unwrap();
    let version: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
    let mode: String = conn.pragma_query_value(None, "journal_mode", |r| r.get(0)).unwrap();
    assert_eq!((version, mode.as_str()), (99, "delete"));
}

#[test]
fn files_that_are_not_databases_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("none.db");
    let e = Store::open_existing(&missing).unwrap_err();
    assert!(matches!(e, StoreError::Missing { .. }));
    let text = e.to_string();
    assert!(text.contains("none.db") && text.contains("manrs run") && text.contains("manrs demo"));
    assert!(!missing.exists(), "open_existing must not create the file");

    let notes = dir.path().join("notes.db");
    std::fs::write(&notes, "this is not a database, just text that is long enough for a header")
        .unwrap();
    for e in [Store::open(&notes).unwrap_err(), Store::open_existing(&notes).unwrap_err()] {
        assert!(matches!(e, StoreError::Sqlite { .. }), "{e}");
        let text = e.to_string();
        assert!(text.contains("notes.db") && text.contains("not a database"), "{text}");
    }

    let nowhere = dir.path().join("no-such-dir").join("m.db");
    let text = Store::open(&nowhere).unwrap_err().to_string();
    assert!(text.contains("no-such-dir"), "{text}");

    // An empty file is a new database (SQLite's own rule).
    let empty = dir.path().join("empty.db");
    std::fs::write(&empty, "").unwrap();
    assert_eq!(Store::open_existing(&empty).unwrap().schema_version(), SCHEMA_VERSION);
}

#[test]
fn route_queries_filter() {
    let (_dir, path) = temp_db();
    let mut store = Store::open(&path).unwrap();
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
    let check = |q: RouteQuery, expected: &[&str]| {
        assert_eq!(listed(&store, "2026-02", &q), expected, "{q:?}");
        let unpaged = RouteQuery { limit: None, offset: 0, ..q.clone() };
        let count = store.count_routes(feb, &q).unwrap();
        assert_eq!(count, store.routes(feb, &unpaged).unwrap().len() as u64, "{q:?}");
    };
    let origin = |a| RouteQuery { origin: Some(Asn(a)), ..all() };
    check(
        origin(64500),
        &["9.0.0.0/8 64500", "10.0.0.0/8 64500", "192.0.2.0/24 64500", "2001:db8::/32 64500"],
    );
    check(origin(64501), &["10.0.0.0/16 64501"]);
    check(origin(1), &[]);
    let rov = |s| RouteQuery { rov: Some(s), ..all() };
    check(rov(RovState::Invalid), &["10.0.0.0/8 64499", "10.0.0.0/8 64500", "192.0.2.0/24 64500"]);
    check(rov(RovState::Valid), &["9.0.0.0/8 64500", "2001:db8::/32 64500"]);
    check(rov(RovState::NotFound), &["10.0.0.0/16 64501"]);
    check(
        RouteQuery { origin: Some(Asn(64500)), rov: Some(RovState::Invalid), ..all() },
        &["10.0.0.0/8 64500", "192.0.2.0/24 64500"],
    );
    check(
        RouteQuery { origin: Some(Asn(64500)), irr_unregistered: true, ..all() },
        &["10.0.0.0/8 64500", "192.0.2.0/24 64500", "2001:db8::/32 64500"],
    );
    check(
        RouteQuery { rov: Some(RovState::Valid), irr_unregistered: true, ..all() },
        &["2001:db8::/32 64500"],
    );
    // Pages: limit and offset, alone and with filters; counts ignore them.
    check(RouteQuery { limit: Some(2), ..all() }, &["9.0.0.0/8 64500", "10.0.0.0/8 64499"]);
    check(RouteQuery { offset: 4, ..all() }, &["192.0.2.0/24 64500", "2001:db8::/32 64500"]);
    check(
        RouteQuery { origin: Some(Asn(64500)), limit: Some(2), offset: 1, ..all() },
        &["10.0.0.0/8 64500", "192.0.2.0/24 64500"],
    );
    check(RouteQuery { limit: Some(0), ..all() }, &[]);
    check(RouteQuery { offset: 6, ..all() }, &[]);
    check(RouteQuery { offset: u64::MAX, limit: Some(u64::MAX), ..all() }, &[]);
    assert_eq!(store.routes(feb, &RouteQuery { limit: Some(u64::MAX), ..all() }).unwrap().len(), 6);
    assert_eq!(store.count_routes(feb, &RouteQuery { limit: Some(1), ..all() }).unwrap(), 6);
    assert_eq!(store.count_routes(month("2026-03"), &all()).unwrap(), 0);
}

#[test]
fn routes_are_in_address_order() {
    let (_dir, path) = temp_db();
    let mut store = Store::open(&path).unwrap();
    // Text order would put 10/8 before 9/8, 100/8 before 20/8 and IPv6
    // (starting with "2") among the IPv4 prefixes; written shuffled.
    let order = [
        "0.0.0.0/0 1",
        "9.0.0.0/8 1",
        "10.0.0.0/8 1",
        "10.0.0.0/8 2",
        "10.0.0.0/8 10",
        "10.0.0.0/9 1",
        "10.0.0.0/16 1",
        "10.128.0.0/9 1",
        "20.0.0.0/8 1",
        "100.0.0.0/8 1",
        "255.255.255.255/32 1",
        "::/0 1",
        "::ffff:0.0.0.0/96 1",
        "2001:db8::/32 1",
        "2001:db8::/48 1",
        "2001:db8:0:1::/64 1",
        "2001:db8:1::/48 1",
        "fe80::/10 1",
    ];
    let mut shuffled = order.to_vec();
    shuffled.reverse();
    shuffled.swap(3, 11);
    shuffled.swap(0, 7);
    let rows: Vec<RouteRow> = shuffled
        .iter()
        .map(|s| {
            let (p, o) = s.split_once(' ').unwrap();
            route(p, o.parse().unwrap(), RovState::NotFound)
        })
        .collect();
    write(&mut store, "2026-02", &rows, false).unwrap();
    assert_eq!(listed(&store, "2026-02", &all()), order);
    // Each index gives the same order.
    let by_state = RouteQuery { rov: Some(RovState::NotFound), ..all() };
    assert_eq!(listed(&store, "2026-02", &by_state), order);
    let by_origin = RouteQuery { origin: Some(Asn(1)), ..all() };
    let ones: Vec<&str> = order.iter().copied().filter(|s| s.ends_with(" 1")).collect();
    assert_eq!(listed(&store, "2026-02", &by_origin), ones);
    // Pages put together are the whole list.
    let mut paged = Vec::new();
    for offset in (0..order.len() as u64).step_by(5) {
        paged.extend(listed(&store, "2026-02", &RouteQuery { limit: Some(5), offset, ..all() }));
    }
    assert_eq!(paged, order);
}

#[test]
fn route_vrps_keep_their_order_per_route() {
    let (_dir, path) = temp_db();
    let mut store = Store::open(&path).unwrap();
    let mut w = store.begin_period(&meta("2026-02"), false).unwrap();
    let a = w.add_route(&route("10.0.0.0/24", 64500, RovState::Valid)).unwrap();
    w.add_route_vrp(a, &vrp("10.0.0.0/8", 24, 64499, false)).unwrap();
    w.add_route_vrp(a, &vrp("10.0.0.0/16", 24, 64500, true)).unwrap();
    let b = w.add_route(&route("10.0.1.0/24", 64500, RovState::Invalid)).unwrap();
    w.add_route_vrp(b, &vrp("10.0.0.0/8", 24, 64499, false)).unwrap();
    // Back to the first route: its list goes on after its earlier VRPs.
    w.add_route_vrp(a, &vrp("10.0.0.0/24", 24, 0, false)).unwrap();
    w.add_route_vrp(b, &vrp("10.0.1.0/24", 24, 0, false)).unwrap();
    w.add_route_vrp(a, &vrp("10.0.0.0/24", 24, 64501, false)).unwrap();
    w.commit(&json!({})).unwrap();
    let prefixes = |id| -> Vec<String> {
        store
            .route_vrps(id)
            .unwrap()
            .iter()
            .map(|v| format!("{}-{} AS{} {}", v.prefix, v.max_len, v.asn.0, v.matched))
            .collect()
    };
    assert_eq!(
        prefixes(a),
        [
            "10.0.0.0/8-24 AS64499 false",
            "10.0.0.0/16-24 AS64500 true",
            "10.0.0.0/24-24 AS0 false",
            "10.0.0.0/24-24 AS64501 false"
        ]
    );
    assert_eq!(prefixes(b), ["10.0.0.0/8-24 AS64499 false", "10.0.1.0/24-24 AS0 false"]);
}

#[test]
fn evidence_only_for_routes_of_the_period_being_written() {
    let (_dir, path) = temp_db();
    let mut store = Store::open(&path).unwrap();
    let mut w = store.begin_period(&meta("2026-02"), false).unwrap();
    let stored = w.add_route(&route("10.0.0.0/8", 64500, RovState::Valid)).unwrap();
    w.commit(&json!({})).unwrap();

    let mut w = store.begin_period(&meta("2026-03"), false).unwrap();
    let mine = w.add_route(&route("10.0.0.0/8", 64500, RovState::Valid)).unwrap();
    for id in [stored, mine + 1, -5] {
        let e = w.add_route_vrp(id, &vrp("10.0.0.0/8", 8, 64500, true)).unwrap_err();
        assert!(matches!(e, StoreError::UnknownRoute { route_id, .. } if route_id == id), "{e}");
        assert!(e.to_string().contains("2026-03"), "{e}");
    }
    w.add_route_vrp(mine, &vrp("10.0.0.0/8", 8, 64500, true)).unwrap();
    w.commit(&json!({})).unwrap();
    assert!(store.route_vrps(stored).unwrap().is_empty(), "the stored period is unchanged");
    assert_eq!(store.route_vrps(mine).unwrap().len(), 1);
}

#[test]
fn a_failed_row_does_not_spoil_the_period() {
    let (_dir, path) = temp_db();
    let mut store = Store::open(&path).unwrap();
    let mut w = store.begin_period(&meta("2026-02"), false).unwrap();
    let n = NetworkRow {
        asn: Asn(64500),
        holder: None,
        country: None,
        rir: None,
        status: None,
        visibility: Visibility::Origin,
        excluded: None,
    };
    w.add_network(&n).unwrap();
    let e = w.add_network(&n).unwrap_err();
    let text = e.to_string();
    assert!(text.contains("m.db") && text.contains("writing a network"), "{text}");
    let huge = MetricRow { routes: u64::MAX, ..metric(64500, 1) };
    let e = w.add_metrics(&huge).unwrap_err();
    assert!(matches!(e, StoreError::TooLarge { column: "metrics.routes", .. }), "{e}");
    let info = w.commit(&json!({})).unwrap();
    assert_eq!(info.networks, 1, "the duplicate is not counted");
    assert_eq!(store.period(month("2026-02")).unwrap().unwrap().networks, 1);
    assert!(store.all_metrics(month("2026-02")).unwrap().is_empty());
}

#[test]
fn damaged_values_are_errors_not_defaults() {
    let (_dir, path) = temp_db();
    let mut store = Store::open(&path).unwrap();
    write(&mut store, "2026-02", &[route("10.0.0.0/8", 64500, RovState::Valid)], false).unwrap();
    drop(store);
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "UPDATE routes SET rov = 'maybe';
         UPDATE periods SET stats = '{not json';
         UPDATE metrics SET valid = -1;",
    )
    .unwrap();
    let store = Store::open_existing(&path).unwrap();
    let feb = month("2026-02");
    for e in [
        store.routes(feb, &all()).unwrap_err(),
        store.periods().unwrap_err(),
        store.period(feb).unwrap_err(),
        store.all_metrics(feb).unwrap_err(),
    ] {
        assert!(e.to_string().contains("m.db"), "{e}");
    }
    assert!(store.routes(feb, &all()).unwrap_err().to_string().contains("maybe"));
    // The filters themselves still work on the damaged rows.
    assert_eq!(store.count_routes(feb, &all()).unwrap(), 1);
}

/// Builds a database at an old schema version with one period in it.
fn old_database(path: &Path, version: usize) {
    let conn = rusqlite::Connection::open(path).unwrap();
    for script in &manrs_store::MIGRATIONS[..version] {
        conn.execute_batch(script).unwrap();
    }
    conn.pragma_update(None, "user_version", version as u32).unwrap();
    conn.execute_batch(
        "INSERT INTO periods (id, month, created_at, finished_at, tool_version, settings, profile,
                              profile_version, stats)
         VALUES (7, '2026-02', 1, 2, 'old', '{}', '{}', 'p0', '{}');
         INSERT INTO routes (period_id, prefix, family, addr, len, origin, as_set, first_seen,
                             last_seen, peers, collectors, upstreams, rov)
         VALUES (7, '10.0.0.0/8', 4, x'0a000000000000000000000000000000', 8, 64500, 0, 1, 2,
                 1, 1, '3356', 'valid'),
                (7, '9.0.0.0/8', 4, x'09000000000000000000000000000000', 8, 64500, 0, NULL,
                 NULL, 1, 1, '', 'invalid');
         INSERT INTO networks (period_id, asn) VALUES (7, 64500);
         INSERT INTO metrics (period_id, asn, routes, valid, invalid, not_found, rpki_value,
                              rpki_band)
         VALUES (7, 64500, 2, 1, 1, 0, 0.25, 'lagging');",
    )
    .unwrap();
    if version >= 3 {
        // Since v3 a period keeps its counts.
        conn.execute_batch("UPDATE periods SET route_count = 2, network_count = 1 WHERE id = 7")
            .unwrap();
    }
}

#[test]
fn old_databases_are_migrated_and_keep_their_periods() {
    for version in 1..manrs_store::MIGRATIONS.len() {
        let (_dir, path) = temp_db();
        old_database(&path, version);
        let mut store = Store::open_existing(&path).unwrap();
        assert_eq!(store.schema_version(), SCHEMA_VERSION, "from v{version}");
        let p = store.period(month("2026-02")).unwrap().unwrap();
        assert_eq!((p.tool_version.as_str(), p.routes, p.networks), ("old", 2, 1), "v{version}");
        assert_eq!(listed(&store, "2026-02", &all()), ["9.0.0.0/8 64500", "10.0.0.0/8 64500"]);
        assert!(store.incidents(month("2026-02"), None).unwrap().is_empty());
        // v5 rebuilt `metrics`: the values are kept; networks were origins.
        let m = store.metrics(month("2026-02"), Asn(64500)).unwrap().unwrap();
        assert_eq!((m.routes, m.rpki_value, m.rpki_band), (2, Some(0.25), Some(Band::Lagging)));
        let n = store.network(month("2026-02"), Asn(64500)).unwrap().unwrap();
        assert_eq!((n.visibility, n.excluded), (Visibility::Origin, None));
        // A migrated database takes new periods.
        write(&mut store, "2026-03", &[route("10.0.0.0/8", 1, RovState::Valid)], false).unwrap();
        drop(store);
        // Opening again changes nothing.
        let store = Store::open(&path).unwrap();
        assert_eq!(store.periods().unwrap().len(), 2);
    }
}

/// Schema v4 computes `filtering` of the periods stored before it from
/// their incidents, under the profile each period was scored with: M1
/// leaks do not count by default, and a stored profile that lists them
/// makes them count. A period without MRT input keeps "no data".
#[test]
fn migrating_to_v4_scores_filtering_from_stored_incidents() {
    let (_dir, path) = temp_db();
    old_database(&path, 3);
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "INSERT INTO periods (id, month, created_at, finished_at, tool_version, settings, profile,
                              profile_version, stats)
         VALUES (8, '2026-03', 1, 2, 'old', '{}', '{\"filtering-metrics\": [\"M1\"]}', 'p1', '{}'),
                (9, '2026-04', 1, 2, 'old', '{}', '{}', 'p1', '{}');
         INSERT INTO sources (period_id, kind, path, format, records, elements, errors, truncated,
                              diagnostics)
         VALUES (7, 'mrt', 'u.bz2', 'mrt', 1, 1, 0, 0, '{}'), (8, 'mrt', 'u.bz2', 'mrt', 1, 1, 0, 0, '{}'),
                (9, 'routes', 'ipasn.gz', 'ipasn', 1, 1, 0, 0, '{}');
         INSERT OR REPLACE INTO metrics (period_id, asn, routes, valid, invalid, not_found, rpki_value, rpki_band)
         VALUES (7, 64500, 2, 1, 1, 0, 0.0, 'lagging'), (7, 64501, 1, 1, 0, 0, 1.0, 'ready'),
                (8, 64500, 1, 1, 0, 0, 1.0, 'ready'), (9, 64500, 1, 1, 0, 0, 1.0, 'ready');
         INSERT INTO incidents (period_id, asn, metric, weight, start, end, score, summary, evidence)
         VALUES (7, 64500, 'M2', 1, 0, 60, 0.5, 's', '[]'), (7, 64500, 'M3C', 1, 0, 7200, 1.0, 's', '[]'),
                (7, 64500, 'M1', 1, 0, 60, 0.5, 's', '[]'), (8, 64500, 'M1', 1, 0, 60, 0.5, 's', '[]');",
    )
    .unwrap();
    drop(conn);
    let store = Store::open_existing(&path).unwrap();
    let feb = store.all_metrics(month("2026-02")).unwrap();
    let f = &feb[0].figures;
    assert_eq!(f.filtering_raw, Some(1.5));
    assert!((f.filtering.value.unwrap() - 0.6f64.powf(3f64.sqrt())).abs() < 1e-12);
    assert_eq!(f.filtering.band, Some(Band::Lagging));
    assert_eq!(f.anti_spoofing, Score::NO_DATA);
    assert_eq!((f.spoof_sessions, &f.contacts), (None, &None));
    assert_eq!(feb[1].figures.filtering, Score { value: Some(1.0), band: Some(Band::Ready) });
    let mar = store.all_metrics(month("2026-03")).unwrap();
    assert_eq!(mar[0].figures.filtering_raw, Some(0.5));
    assert_eq!(mar[0].figures.filtering.band, Some(Band::Aspiring));
    // A period of prefix-origin lists only has no Action 1 measurement.
    let apr = store.all_metrics(month("2026-04")).unwrap();
    assert_eq!((apr[0].figures.filtering_raw, apr[0].figures.filtering), (None, Score::NO_DATA));
}

fn network(asn: u32, holder: &str, country: Option<&str>) -> NetworkRow {
    NetworkRow {
        asn: Asn(asn),
        holder: Some(holder.into()),
        country: country.map(Into::into),
        rir: Some("ripencc".into()),
        status: Some("allocated".into()),
        visibility: Visibility::Origin,
        excluded: None,
    }
}

fn incident(asn: u32, metric: &str, score: f64) -> IncidentRow {
    IncidentRow {
        asn: Asn(asn),
        metric: metric.into(),
        weight: 1.0,
        start: 1_785_420_000,
        end: 1_785_420_900,
        score,
        confidence: None,
        summary: "s".into(),
        evidence: json!([{}]),
    }
}

/// Lists, filters and economy aggregates count what was written: three
/// networks in two economies and one without, two scored, incidents on two.
#[test]
fn networks_are_listed_filtered_and_aggregated() {
    let (_dir, path) = temp_db();
    let mut store = Store::open(&path).unwrap();
    let mut w = store.begin_period(&meta("2026-07"), false).unwrap();
    w.add_network(&network(64500, "Example Transit", Some("NL"))).unwrap();
    w.add_network(&network(64501, "Other Net", Some("NL"))).unwrap();
    w.add_network(&network(64502, "EXAMPLE Access", Some("BR"))).unwrap();
    w.add_network(&network(64503, "Nowhere", None)).unwrap();
    let mut lagging = metric(64501, 4);
    (lagging.valid, lagging.invalid, lagging.not_found) = (1, 1, 2);
    (lagging.rpki_value, lagging.rpki_band) = (Some(0.0), Some(Band::Lagging));
    w.add_metrics(&metric(64500, 10)).unwrap();
    w.add_metrics(&lagging).unwrap();
    // Seen only in paths: no route, so no RPKI figure, but filtering.
    let transit =
        NetworkRow { visibility: Visibility::Transit, ..network(64504, "Carrier", Some("NL")) };
    w.add_network(&transit).unwrap();
    let mut t = metric(64504, 0);
    (t.valid, t.not_found, t.rpki_value, t.rpki_band) = (0, 0, None, None);
    t.figures.filtering = Score { value: Some(1.0), band: Some(Band::Ready) };
    w.add_metrics(&t).unwrap();
    // Not delegated: kept and listed, not aggregated.
    let bogon = NetworkRow {
        excluded: Some("not delegated: ripencc available".into()),
        ..network(64505, "Squatter", Some("NL"))
    };
    w.add_network(&bogon).unwrap();
    w.add_metrics(&metric(64505, 3)).unwrap();
    w.add_incident(&incident(64505, "M2", 1.0)).unwrap();
    w.add_incident(&incident(64500, "M2", 1.0)).unwrap();
    w.add_incident(&incident(64500, "M2", 0.5)).unwrap();
    w.add_incident(&incident(64502, "M3", 2.0)).unwrap();
    w.commit(&json!({})).unwrap();
    let m = month("2026-07");

    let all = store.networks(m, &NetworkQuery::default()).unwrap();
    let asns: Vec<u32> = all.iter().map(|n| n.network.asn.0).collect();
    assert_eq!(asns, [64500, 64501, 64502, 64503, 64504, 64505]);
    assert_eq!(all[4].network.visibility, Visibility::Transit);
    assert_eq!(all[4].metrics.as_ref().unwrap().rpki_band, None);
    assert_eq!(all[5].network.excluded.as_deref(), Some("not delegated: ripencc available"));
    assert_eq!(store.network(month("2026-07"), Asn(64505)).unwrap(), Some(bogon));
    assert_eq!((all[0].incidents, all[0].penalty), (2, 1.5));
    assert_eq!(all[0].metrics.as_ref().unwrap().routes, 10);
    assert_eq!(all[1].metrics.as_ref().unwrap().rpki_band, Some(Band::Lagging));
    assert!(all[2].metrics.is_none());
    assert_eq!((all[3].incidents, all[3].penalty), (0, 0.0));

    let q = NetworkQuery { holder: Some("example".into()), ..Default::default() };
    let found: Vec<u32> = store.networks(m, &q).unwrap().iter().map(|n| n.network.asn.0).collect();
    assert_eq!(found, [64500, 64502]);
    let q = NetworkQuery {
        country: Some("NL".into()),
        limit: Some(1),
        offset: 1,
        ..Default::default()
    };
    let page = store.networks(m, &q).unwrap();
    assert_eq!(page.len(), 1);
    assert_eq!(page[0].network.asn.0, 64501);
    assert_eq!(store.count_networks(m, &q).unwrap(), 4);
    let q = NetworkQuery { asn: Some(Asn(64502)), ..Default::default() };
    assert_eq!(store.count_networks(m, &q).unwrap(), 1);

    let eco = store.economies(m).unwrap();
    let codes: Vec<Option<&str>> = eco.iter().map(|e| e.country.as_deref()).collect();
    assert_eq!(codes, [Some("BR"), Some("NL"), None]);
    let nl = &eco[1];
    // 64505 is excluded; 64504 counts but has no RPKI figure.
    assert_eq!((nl.networks, nl.scored, nl.routes, nl.valid, nl.invalid), (3, 2, 14, 11, 1));
    assert_eq!((nl.filtering.measured, nl.filtering.mean), (1, Some(1.0)));
    assert_eq!(nl.rpki_mean, Some(0.5));
    assert_eq!(nl.rpki_bands, [1, 0, 1]);
    assert_eq!((nl.irr_mean, nl.irr_covered, nl.irr_bands), (None, None, [0, 0, 0]));
    assert_eq!((nl.incidents, nl.networks_with_incidents), (2, 1));
    let br = &eco[0];
    assert_eq!((br.networks, br.scored, br.rpki_mean, br.incidents), (1, 0, None, 1));

    let rirs = store.registries(m).unwrap();
    assert_eq!(rirs.len(), 1);
    assert_eq!(
        (rirs[0].country.as_deref(), rirs[0].networks, rirs[0].incidents),
        (Some("ripencc"), 5, 3)
    );

    let counts = store.incident_counts(m).unwrap();
    let counts: Vec<(&str, u64, u64)> =
        counts.iter().map(|c| (c.metric.as_str(), c.incidents, c.networks)).collect();
    assert_eq!(counts, [("M2", 3, 2), ("M3", 1, 1)]);
    assert!(store.networks(month("2026-01"), &NetworkQuery::default()).unwrap().is_empty());
}

/// A prefix query finds exactly the routes of that prefix, every origin.
#[test]
fn routes_of_one_prefix() {
    let (_dir, path) = temp_db();
    let mut store = Store::open(&path).unwrap();
    let routes = [
        route("192.0.2.0/24", 64500, RovState::Valid),
        route("192.0.2.0/24", 64501, RovState::Invalid),
        route("192.0.2.0/25", 64500, RovState::Valid),
        route("192.0.0.0/16", 64500, RovState::NotFound),
        route("2001:db8::/32", 64500, RovState::NotFound),
    ];
    write(&mut store, "2026-07", &routes, false).unwrap();
    let q = RouteQuery { prefix: Some("192.0.2.0/24".parse().unwrap()), ..all() };
    assert_eq!(listed(&store, "2026-07", &q), ["192.0.2.0/24 64500", "192.0.2.0/24 64501"]);
    assert_eq!(store.count_routes(month("2026-07"), &q).unwrap(), 2);
    let q = RouteQuery { prefix: Some("2001:db8::/32".parse().unwrap()), ..all() };
    assert_eq!(listed(&store, "2026-07", &q), ["2001:db8::/32 64500"]);
    let q = RouteQuery { prefix: Some("198.51.100.0/24".parse().unwrap()), ..all() };
    assert!(listed(&store, "2026-07", &q).is_empty());
}
