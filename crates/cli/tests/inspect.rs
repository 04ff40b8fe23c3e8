//! `manrs inspect` end to end: the binary on the embedded demo data and, when
//! configured, on `../shared/data`.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn inspect(args: &[&str], files: &[PathBuf]) -> (Vec<Value>, i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_manrs"))
        .arg("inspect")
        .args(args)
        .args(files)
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let values = if args.contains(&"--json") {
        stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
    } else {
        Vec::new()
    };
    (values, out.status.code().unwrap_or(-1), stdout)
}

fn demo(name: &str) -> PathBuf {
    root().join("data/demo").join(name)
}

#[test]
fn demo_data_json() {
    let files = [
        demo("updates.20260222.1530.bz2"),
        demo("rib.20080501.0644_firstMB.bz2"),
        demo("delegated-afrinic-extended-20260821.txt.gz"),
        demo("ipv4-address-space.csv"),
    ];
    let (v, code, _) = inspect(&["--json"], &files);
    assert_eq!(code, 0);
    assert_eq!(v.len(), 4);
    // RouteViews updates: every line bgpdump -m prints (111,057 A + 7,606 W).
    assert_eq!(v[0]["format"], "mrt");
    assert_eq!(v[0]["compression"], "bzip2");
    assert_eq!(v[0]["elements"], 118_663);
    assert_eq!(v[0]["errors"], 0);
    assert_eq!(v[0]["truncated"], false);
    // The legacy RIB cut at 1 MiB: bgpdump reads 139,291 entries before the cut.
    assert_eq!(v[1]["elements"], 139_291);
    assert_eq!(v[1]["truncated"], true);
    assert_eq!(v[1]["errorsByKind"]["truncated"], 1);
    assert!(v[1]["diagnostics"][0]["text"].as_str().unwrap().contains("input ends early"));
    // AFRINIC delegated stats: counts match the file's own summary lines.
    assert_eq!(v[2]["format"], "rir-delegated");
    assert_eq!(v[2]["asn"], 4_350);
    assert_eq!(v[3]["format"], "iana-ipv4-space");
    assert_eq!(v[3]["records"], 256);
    for o in &v {
        for key in ["file", "format", "records", "elements", "errors", "truncated"] {
            assert!(o.get(key).is_some(), "{key} missing in {o}");
        }
    }
}

#[test]
fn human_output_and_strict_mode() {
    let (_, code, out) = inspect(&[], &[demo("rib.20080501.0644_firstMB.bz2")]);
    assert_eq!(code, 0);
    assert!(out.contains("elements       139,291"), "{out}");
    assert!(out.contains("the file is truncated"), "{out}");
    let (v, code, _) = inspect(&["--json", "--strict"], &[demo("rib.20080501.0644_firstMB.bz2")]);
    assert_eq!(code, 1);
    assert_eq!(v[0]["truncated"], true);
    assert!(v[0]["error"].as_str().unwrap().contains("truncated"));
}

#[test]
fn unknown_and_missing_files_fail() {
    let readme = root().join("README.md");
    let missing = root().join("no/such/file");
    let (v, code, _) = inspect(&["--json"], &[readme, missing]);
    assert_eq!(code, 1);
    assert!(v[0]["error"].as_str().unwrap().starts_with("unknown format"));
    assert!(v[1]["error"].as_str().unwrap().contains("no/such/file"));
}

#[test]
fn shared_data_formats() {
    let Some(dir) = manrs_test_support::shared_data_dir() else { return };
    let files = [
        dir.join("rpki-client-vrps-2025-07-20/rpkiclient_summary_20250720T093135Z.json.bz2"),
        dir.join("irr-ripe-db-dump-2023-11/ripe.db.as-set.gz"),
        dir.join("peeringdb-api-sample-2026-04/prod/anon/api/net/page-1.json.gz"),
        dir.join("caida-as-relationships/20240801.as-rel2.txt.bz2"),
        dir.join("routeviews-rv2-rib-2026-07-30/ipasn_20260730.dat.gz"),
        dir.join("routeviews-rv2-rib-2026-07-30/rib.20260730.1400_first2MB.bz2"),
    ];
    let (v, code, _) = inspect(&["--json"], &files);
    assert_eq!(code, 0);
    assert_eq!(v[0]["format"], "rpki-client-json");
    assert_eq!((v[0]["vrps"].as_u64(), v[0]["aspas"].as_u64()), (Some(723_521), Some(100)));
    assert_eq!(v[1]["format"], "rpsl");
    assert_eq!(v[1]["objects"], 25_174);
    assert_eq!(v[1]["classes"]["as-set"], 25_174);
    assert_eq!(v[2]["format"], "peeringdb-api");
    assert_eq!(v[2]["records"], 250);
    assert_eq!(v[3]["format"], "caida-as-rel2");
    assert_eq!(v[3]["records"], 571_873);
    assert_eq!(v[4]["format"], "ipasn");
    assert_eq!(v[4]["records"], 1_107_938);
    assert_eq!(v[5]["elements"], 679_347);
    assert_eq!(v[5]["truncated"], true);
}
