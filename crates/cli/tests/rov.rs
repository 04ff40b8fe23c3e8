//! `manrs rov` end to end.

use std::process::Command;

use serde_json::Value;

fn rov(args: &[&str]) -> (Value, i32, String) {
    rov_threads("0", args)
}

fn rov_threads(threads: &str, args: &[&str]) -> (Value, i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_manrs"))
        .args(["--threads", threads, "rov"])
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let v = serde_json::from_str(stdout.lines().last().unwrap_or("null")).unwrap_or(Value::Null);
    (v, out.status.code().unwrap_or(-1), String::from_utf8(out.stderr).unwrap())
}

/// `manrs rov` over one VRP file and one route list, with every route
/// listed (`--detail`).
fn rov_detail(
    threads: &str,
    vrps: &std::path::Path,
    routes: &std::path::Path,
) -> (Value, i32, String) {
    let (vrps, routes) = (vrps.to_str().unwrap(), routes.to_str().unwrap());
    rov_threads(threads, &["--vrps", vrps, "--routes", routes, "--json", "--detail"])
}

/// Hand-built VRPs and routes covering each RFC 6811 outcome.
#[test]
fn small_lists_with_detail() {
    let dir = std::env::temp_dir().join(format!("manrs-rov-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let vrps = dir.join("vrps.csv");
    std::fs::write(
        &vrps,
        "ASN,IP Prefix,Max Length,Trust Anchor\nAS64500,192.0.2.0/24,24,test\nAS0,203.0.113.0/24,24,test\nAS64501,2001:db8::/32,48,test\n",
    )
    .unwrap();
    let routes = dir.join("routes.csv");
    std::fs::write(
        &routes,
        "prefix,asn\n192.0.2.0/24,64500\n192.0.2.0/25,64500\n192.0.2.0/24,64999\n203.0.113.0/24,64500\n2001:db8:1::/48,64501\n198.51.100.0/24,64500\n192.0.2.0/24,64500\n",
    )
    .unwrap();
    let (v, code, _) = rov_detail("0", &vrps, &routes);
    assert_eq!(code, 0);
    assert_eq!(
        (v["valid"].as_u64(), v["invalid"].as_u64(), v["notFound"].as_u64()),
        (Some(2), Some(3), Some(1))
    );
    assert_eq!(v["routes"], 6, "the duplicate route is validated once");
    let r = &v["results"];
    assert_eq!(r[1]["prefix"], "192.0.2.0/25");
    assert_eq!(r[1]["state"], "invalid");
    assert_eq!(r[1]["vrps"][0]["max_len"], 24);
    assert_eq!(r[3]["state"], "invalid", "AS0 VRP");
    assert_eq!(r[5]["state"], "notFound");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Many routes, duplicates in between and an MRT-like random order: one
/// thread and several give the same detail, in the order first seen, with
/// each route once.
#[test]
fn threads_give_the_same_detail_in_first_seen_order() {
    let dir = std::env::temp_dir().join(format!("manrs-rov-threads-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let vrps = dir.join("vrps.csv");
    let mut text = String::from("ASN,IP Prefix,Max Length,Trust Anchor\n");
    for i in 0..400u32 {
        text += &format!("AS{},10.{}.0.0/16,{},test\n", 64500 + i % 7, i % 200, 16 + i % 9);
    }
    std::fs::write(&vrps, text).unwrap();
    let routes = dir.join("routes.csv");
    let mut x: u64 = 7;
    let mut expected = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut text = String::from("prefix,asn\n");
    for _ in 0..60_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let route = (format!("10.{}.{}.0/24", x % 300 % 256, (x >> 9) % 40), 64500 + (x >> 20) % 9);
        text += &format!("{},{}\n", route.0, route.1);
        if seen.insert(route.clone()) {
            expected.push(route);
        }
    }
    std::fs::write(&routes, text).unwrap();
    let (mut one, code, _) = rov_detail("1", &vrps, &routes);
    assert_eq!(code, 0);
    let (mut three, code, _) = rov_detail("3", &vrps, &routes);
    assert_eq!(code, 0);
    one["seconds"] = Value::Null;
    three["seconds"] = Value::Null;
    assert!(one == three, "one thread and three differ");
    let results = one["results"].as_array().unwrap();
    assert_eq!(results.len(), expected.len());
    assert!(expected.len() > 10_000, "{}", expected.len());
    for (r, (prefix, asn)) in results.iter().zip(&expected) {
        assert_eq!(
            (r["prefix"].as_str(), r["origin"].as_u64()),
            (Some(prefix.as_str()), Some(*asn))
        );
    }
    let counts = ["valid", "invalid", "notFound"].map(|k| one[k].as_u64().unwrap());
    assert!(counts.iter().all(|c| *c > 0), "{counts:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The full 2026-07-30 table (1,366,894 distinct prefix-origin pairs from
/// the ipasn v4 + v6 files) against the 723,521 VRPs of 2025-07-20. The
/// totals equal those of the independent Python implementation in
/// `scripts/rov_check.py`.
#[test]
fn full_table() {
    let Some(dir) = manrs_test_support::shared_data_dir() else { return };
    let vrps = dir.join("rpki-client-vrps-2025-07-20/rpkiclient_summary_20250720T093135Z.json.bz2");
    let v4 = dir.join("routeviews-rv2-rib-2026-07-30/ipasn_20260730.dat.gz");
    let v6 = dir.join("routeviews-rv2-rib-2026-07-30/ipasn6_20260730.dat.gz");
    for threads in ["1", "0"] {
        let (v, code, _) = rov_threads(
            threads,
            &[
                "--vrps",
                vrps.to_str().unwrap(),
                "--routes",
                v4.to_str().unwrap(),
                v6.to_str().unwrap(),
                "--json",
            ],
        );
        assert_eq!(code, 0);
        assert_eq!(v["valid"], 704_672, "--threads {threads}");
        assert_eq!(v["invalid"], 59_010);
        assert_eq!(v["notFound"], 603_212);
        assert_eq!(v["routes"], 1_366_894);
        assert_eq!(v["vrps"], 723_521);
    }
}

/// MRT input: announcements of the 2026 updates file, origin from the path.
#[test]
fn mrt_routes() {
    let Some(dir) = manrs_test_support::shared_data_dir() else { return };
    let vrps = dir.join("rpki-client-vrps-2025-07-20/rpkiclient_summary_20250720T093135Z.json.bz2");
    let upd = dir.join("routeviews-rv2-updates-2026-02-22/updates.20260222.1530.bz2");
    let (v, code, _) =
        rov(&["--vrps", vrps.to_str().unwrap(), "--routes", upd.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0);
    let total = v["routes"].as_u64().unwrap();
    assert!(total > 1_000 && total < 111_057, "distinct pairs of 111,057 announcements: {total}");
    assert_eq!(
        v["valid"].as_u64().unwrap()
            + v["invalid"].as_u64().unwrap()
            + v["notFound"].as_u64().unwrap(),
        total
    );
}
