//! A period read and analysed in parts (`manrs run --shards N`) is stored
//! exactly as the same period read in one pass: every route with its
//! evidence VRPs, every network and its metrics, every incident with its
//! evidence in the same order, the period's statistics and the file
//! reports. Checked on both periods of the embedded demo dataset (real
//! RouteViews updates and RIBs; relationships inferred from the paths, so
//! the inference passes are exercised too).

use std::path::{Path, PathBuf};

use manrs_manifest::Manifest;
use manrs_pipeline::{Quiet, Shard, run_period};
use manrs_store::Store;
use manrs_types::{Mode, Prefix};
use rusqlite::Connection;
use rusqlite::types::ValueRef;

/// Every stored row of every table, as sorted text, without row ids and
/// wall-clock times.
fn dump(db: &Path) -> Vec<(&'static str, Vec<String>)> {
    let c = Connection::open(db).unwrap();
    let tables = [
        ("periods", "SELECT * FROM periods"),
        ("sources", "SELECT * FROM sources"),
        ("routes", "SELECT * FROM routes"),
        (
            "route_vrps",
            "SELECT r.prefix AS route_prefix, r.origin AS route_origin, r.as_set AS route_as_set, v.* \
             FROM route_vrps v JOIN routes r ON r.id = v.route_id",
        ),
        ("networks", "SELECT * FROM networks"),
        ("metrics", "SELECT * FROM metrics"),
        ("incidents", "SELECT * FROM incidents"),
    ];
    let mut out = Vec::new();
    for (name, sql) in tables {
        let mut st = c.prepare(sql).unwrap();
        let cols: Vec<String> = st.column_names().map(str::to_string).collect();
        let mut rows: Vec<String> = st
            .query_map([], |row| {
                let mut line = Vec::new();
                for (i, col) in cols.iter().enumerate() {
                    if ["id", "period_id", "route_id", "finished_at"].contains(&col.as_str()) {
                        continue;
                    }
                    let v = match row.get_ref(i)? {
                        ValueRef::Null => "NULL".to_string(),
                        ValueRef::Integer(n) => n.to_string(),
                        ValueRef::Real(f) => format!("{f:?}"),
                        ValueRef::Text(t) => {
                            let t = String::from_utf8_lossy(t).into_owned();
                            if col == "diagnostics" {
                                // Reading times differ from run to run.
                                let mut j: serde_json::Value = serde_json::from_str(&t).unwrap();
                                j["seconds"] = serde_json::Value::Null;
                                j.to_string()
                            } else {
                                t
                            }
                        }
                        ValueRef::Blob(b) => format!("{b:?}"),
                    };
                    line.push(format!("{col}={v}"));
                }
                Ok(line.join(" | "))
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        rows.sort();
        out.push((name, rows));
    }
    out
}

/// The demo manifest, written into `dir` with its paths made absolute and
/// with administrative bogons and leaks on inferred relationships counted,
/// so that networks get incidents with many findings from many parts
/// (whose order in the evidence must not depend on the parts).
fn demo(dir: &Path) -> Manifest {
    let data: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/demo");
    let text = std::fs::read_to_string(data.join("sources.toml")).unwrap();
    let text = text.replace("path = \"", &format!("path = \"{}/", data.display()));
    let text =
        format!("[analysis]\nadministrative-bogons = true\nleaks-from-inferred = true\n\n{text}");
    let path = dir.join("sources.toml");
    std::fs::write(&path, text).unwrap();
    Manifest::load(&path).unwrap()
}

fn build(manifest: &Manifest, db: &Path, shards: u32) {
    let mut store = Store::open(db).unwrap();
    for period in &manifest.periods {
        run_period(
            &mut store,
            manifest,
            period,
            Mode::Lenient,
            shards,
            Some("demo"),
            0,
            false,
            &Quiet,
        )
        .unwrap();
    }
}

#[test]
fn a_period_read_in_parts_is_stored_as_in_one_pass() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = demo(dir.path());
    let whole = dir.path().join("whole.db");
    build(&manifest, &whole, 1);
    let expected = dump(&whole);
    // Not a vacuous comparison: the demo has thousands of routes, networks
    // and incidents of several kinds.
    let count = |d: &[(&str, Vec<String>)], t: &str| d.iter().find(|x| x.0 == t).unwrap().1.len();
    assert!(count(&expected, "routes") > 10_000, "{}", count(&expected, "routes"));
    assert!(count(&expected, "route_vrps") > 1_000);
    assert!(count(&expected, "incidents") > 100, "{}", count(&expected, "incidents"));
    let incidents = &expected.iter().find(|x| x.0 == "incidents").unwrap().1;
    for kind in ["metric=M1 ", "metric=M2 ", "metric=M3 ", "metric=M4 "] {
        assert!(incidents.iter().any(|i| i.contains(kind)), "no {kind}incident");
    }
    for shards in [3] {
        let parts = dir.path().join(format!("parts-{shards}.db"));
        build(&manifest, &parts, shards);
        let got = dump(&parts);
        for ((table, want), (_, have)) in expected.iter().zip(&got) {
            assert_eq!(want.len(), have.len(), "{shards} parts: {table} rows");
            if let Some((w, h)) = want.iter().zip(have).find(|(w, h)| w != h) {
                let at = w.bytes().zip(h.bytes()).take_while(|(a, b)| a == b).count();
                let from = at.saturating_sub(200);
                panic!(
                    "{shards} parts: first difference in {table}, at byte {at}:\n  one pass: ...{}\n  in parts: ...{}",
                    w.get(from..(at + 200).min(w.len())).unwrap_or(w),
                    h.get(from..(at + 200).min(h.len())).unwrap_or(h)
                );
            }
        }
    }
}

#[test]
fn every_route_and_path_falls_in_exactly_one_part() {
    let prefixes: Vec<Prefix> = [
        "0.0.0.0/0",
        "4.0.0.0/6",
        "10.0.0.0/8",
        "10.1.0.0/16",
        "10.1.2.0/24",
        "11.0.0.0/8",
        "185.103.196.0/24",
        "2000::/3",
        "2001:db8::/32",
        "2001:db8:1::/48",
        "2a00::/12",
        "2a00:1450::/32",
    ]
    .iter()
    .map(|s| s.parse().unwrap())
    .collect();
    for count in [1, 2, 3, 7, 16] {
        for p in &prefixes {
            let kept = (0..count).filter(|i| Shard::new(*i, count).keeps_prefix(p)).count();
            assert_eq!(kept, 1, "{p} in {count} parts");
        }
        // A prefix goes with everything that covers it down to /8 (IPv4)
        // and /16 (IPv6), which hijack detection compares it with.
        for (more, less) in [
            ("10.1.2.0/24", "10.0.0.0/8"),
            ("10.1.2.0/24", "10.1.0.0/16"),
            ("2001:db8:1::/48", "2001::/16"),
            ("2a00:1450::/32", "2a00::/16"),
        ] {
            let (m, l): (Prefix, Prefix) = (more.parse().unwrap(), less.parse().unwrap());
            for i in 0..count {
                let s = Shard::new(i, count);
                assert_eq!(
                    s.keeps_prefix(&m),
                    s.keeps_prefix(&l),
                    "{more} / {less}, {count} parts"
                );
            }
        }
        let path: Vec<manrs_types::Asn> = [3356, 174, 64500].map(manrs_types::Asn).to_vec();
        let kept = (0..count).filter(|i| Shard::new(*i, count).keeps_path(&path)).count();
        assert_eq!(kept, 1);
    }
    // Parts share the work: the /8 blocks spread over every part.
    for count in [2u32, 4, 8] {
        let mut per = vec![0; count as usize];
        for a in 0..=255u8 {
            let p: Prefix = format!("{a}.0.0.0/8").parse().unwrap();
            let i = (0..count).find(|i| Shard::new(*i, count).keeps_prefix(&p)).unwrap();
            per[i as usize] += 1;
        }
        assert!(per.iter().all(|n| *n >= 256 / count as usize / 2), "{per:?}");
    }
}
