//! Write throughput at full-table size: 1.4 million routes, about 0.76
//! million evidence VRPs, 85,600 networks and metrics, in one period.
//!
//! Ignored by default (it takes seconds and writes some 200 MB). Run it with
//! a release build to get the figure quoted in the README:
//!
//! ```sh
//! cargo test --release -p manrs-store --test write_speed -- --ignored --nocapture
//! ```

use std::net::{Ipv4Addr, Ipv6Addr};
use std::time::Instant;

use manrs_engine::{Band, RovState, SnapshotRoute, Visibility};
use manrs_store::{
    FigureRow, IrrEvidence, MetricRow, NetworkRow, PeriodMeta, RouteQuery, RouteRow, Store, VrpRow,
};
use manrs_types::{Asn, Month, Prefix};
use serde_json::json;

const ROUTES: u32 = 1_400_000;
const NETWORKS: u32 = 85_600;

/// The prefix of route `i`: four routes in five are distinct IPv4 /24s, the
/// rest IPv6 /48s, in shuffled order so that the address index is not filled
/// in order.
fn prefix(i: u32) -> Prefix {
    let k = i.wrapping_mul(2_654_435_761);
    let text = if !i.is_multiple_of(5) {
        format!("{}/24", Ipv4Addr::from((k & 0x00ff_ffff) << 8))
    } else {
        format!("{}/48", Ipv6Addr::from((0x2a00_u128 << 112) | (u128::from(k) << 80)))
    };
    text.parse().expect("a canonical prefix")
}

fn row(i: u32, p: Prefix) -> RouteRow {
    let origin = Asn(64_512 + i % NETWORKS);
    let rov = match i % 100 {
        0..=50 => RovState::Valid,
        51..=54 => RovState::Invalid,
        _ => RovState::NotFound,
    };
    RouteRow {
        route: SnapshotRoute {
            prefix: p,
            origin,
            as_set: false,
            first_seen: Some(1_782_864_000 + i64::from(i % 86_400)),
            last_seen: Some(1_785_542_399),
            peers: 1 + i % 300,
            collectors: 1 + i % 20,
            upstreams: vec![Asn(3356), Asn(174 + i % 7)],
        },
        rov,
        irr: i.is_multiple_of(44).then(|| IrrEvidence {
            source: "RIPE-NONAUTH".into(),
            prefix: p,
            exact: i.is_multiple_of(88),
        }),
    }
}

#[test]
#[ignore = "a measurement: writes 1.4 M routes (run with --release --ignored --nocapture)"]
fn write_full_table_size_period() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("speed.db");
    let mut store = Store::open(&path).expect("open");
    let month: Month = "2026-07".parse().expect("month");
    let meta = PeriodMeta {
        month,
        created_at: 1_785_542_400,
        tool_version: "bench".into(),
        manifest: None,
        settings: json!({}),
        profile: json!({}),
        profile_version: "p".into(),
    };

    // Made before the clock starts: only the store is measured. The
    // pipeline writes the snapshot's routes in prefix order; set
    // MANRS_STORE_SHUFFLED=1 to measure the worst case, random order.
    let mut order: Vec<(Prefix, u32)> = (0..ROUTES).map(|i| (prefix(i), i)).collect();
    let shuffled = std::env::var_os("MANRS_STORE_SHUFFLED").is_some();
    if !shuffled {
        order.sort_unstable();
    }
    println!("routes written in {} order", if shuffled { "random" } else { "address" });
    let write = |store: &mut Store, replace: bool| {
        let start = Instant::now();
        let mut w = store.begin_period(&meta, replace).expect("begin");
        let mut vrps = 0u64;
        for &(p, i) in &order {
            let r = row(i, p);
            let id = w.add_route(&r).expect("route");
            if r.rov != RovState::NotFound && std::env::var_os("NOVRP").is_none() {
                let v = VrpRow {
                    prefix: r.route.prefix,
                    max_len: r.route.prefix.len(),
                    asn: if r.rov == RovState::Valid { r.route.origin } else { Asn(0) },
                    ta: Some("ripe".into()),
                    matched: r.rov == RovState::Valid,
                };
                w.add_route_vrp(id, &v).expect("vrp");
                vrps += 1;
            }
        }
        for a in 0..NETWORKS {
            let asn = Asn(64_512 + a);
            w.add_network(&NetworkRow {
                asn,
                holder: Some(format!("NET-{a} - Example network {a}")),
                country: Some("NL".into()),
                rir: Some("ripencc".into()),
                status: Some("assigned".into()),
                visibility: Visibility::Origin,
                excluded: None,
            })
            .expect("network");
            w.add_metrics(&MetricRow {
                asn,
                routes: 16,
                valid: 8,
                invalid: 1,
                not_found: 7,
                irr_covered: Some(1),
                rpki_value: Some(0.0),
                rpki_band: Some(Band::Lagging),
                irr_value: Some(0.0625),
                irr_band: Some(Band::Lagging),
                figures: FigureRow::default(),
            })
            .expect("metrics");
        }
        let rows = start.elapsed();
        let info = w.commit(&json!({"bench": true})).expect("commit");
        (rows, start.elapsed(), vrps, info)
    };

    let (rows, total, vrps, info) = write(&mut store, false);
    assert_eq!(info.routes, u64::from(ROUTES));
    let size = |p: &std::path::Path| std::fs::metadata(p).map_or(0, |m| m.len());
    let wal = path.with_extension("db-wal");
    println!(
        "write: {ROUTES} routes, {vrps} VRPs, {NETWORKS} networks + metrics: rows {:.2} s, \
         with commit {:.2} s ({:.0} routes/s); db {:.1} MB, wal {:.1} MB",
        rows.as_secs_f64(),
        total.as_secs_f64(),
        f64::from(ROUTES) / total.as_secs_f64(),
        size(&path) as f64 / 1e6,
        size(&wal) as f64 / 1e6,
    );

    let t = Instant::now();
    let q = RouteQuery { rov: Some(RovState::Invalid), limit: Some(50), ..Default::default() };
    let page = store.routes(month, &q).expect("routes");
    let count = store.count_routes(month, &q).expect("count");
    println!(
        "read: first page of {} of {count} invalid routes in {:.3} s",
        page.len(),
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let q = RouteQuery { limit: Some(50), offset: 700_000, ..Default::default() };
    let page = store.routes(month, &q).expect("routes");
    println!("read: a page at offset 700,000 of all routes in {:.3} s", t.elapsed().as_secs_f64());
    assert_eq!(page.len(), 50);
    let t = Instant::now();
    let q = RouteQuery { origin: Some(Asn(64_600)), ..Default::default() };
    let mine = store.routes(month, &q).expect("routes");
    println!("read: {} routes of one origin in {:.4} s", mine.len(), t.elapsed().as_secs_f64());
    let t = Instant::now();
    let periods = store.periods().expect("periods");
    println!("read: periods() in {:.3} s", t.elapsed().as_secs_f64());
    assert_eq!(periods.len(), 1);

    let (_, total, _, _) = write(&mut store, true);
    println!("replace: delete and rewrite the period in {:.2} s", total.as_secs_f64());
    drop(store);
    println!("closed: db {:.1} MB", size(&path) as f64 / 1e6);
}
