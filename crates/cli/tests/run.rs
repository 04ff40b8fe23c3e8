//! `manrs run`, `manrs check` and `manrs demo` end to end: manifest in,
//! stored period out, report explained.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use manrs_input::Input;
use manrs_rpki::{Payload, VrpReader};
use manrs_types::{Asn, Mode, Prefix};
use serde_json::{Value, json};

fn manrs(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_manrs")).args(args).output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn check_json(db: &Path, asn: &str, extra: &[&str]) -> Value {
    let mut args = vec!["check", asn, "--db", db.to_str().unwrap(), "--json", "--limit", "0"];
    args.extend_from_slice(extra);
    let o = manrs(&args);
    assert!(o.status.success(), "check failed: {}", stderr(&o));
    serde_json::from_str(stdout(&o).lines().next().unwrap()).unwrap()
}

/// `manrs run --json`: the summary of the first period.
fn run_json(config: &Path, db: &Path) -> Value {
    let args =
        ["run", "--config", config.to_str().unwrap(), "--db", db.to_str().unwrap(), "--json"];
    let o = manrs(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    serde_json::from_str(stdout(&o).lines().next().unwrap()).unwrap()
}

/// A small world built by hand: every RFC 6811 outcome, both IRR policies'
/// differences, a prefix-origin list and an RPSL dump.
struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let w = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
        w(
            "vrps.csv",
            "ASN,IP Prefix,Max Length,Trust Anchor\n\
             AS64500,192.0.2.0/24,24,ripe\n\
             AS64500,198.51.100.0/22,23,apnic\n\
             AS0,203.0.113.0/24,24,lacnic\n\
             AS64501,2001:db8::/32,48,ripe\n",
        );
        // AS64500: 192.0.2.0/24 valid, 198.51.100.0/24 invalid (too specific),
        // 198.51.102.0/23 valid, 10.0.0.0/8 not found. AS64501: 203.0.113.0/24
        // invalid (AS0), 2001:db8:1::/48 valid. AS64502: 192.0.2.0/24 invalid.
        w(
            "routes.csv",
            "prefix,asn\n192.0.2.0/24,64500\n198.51.100.0/24,64500\n198.51.102.0/23,64500\n\
             10.0.0.0/8,64500\n203.0.113.0/24,64501\n2001:db8:1::/48,64501\n192.0.2.0/24,64502\n",
        );
        w(
            "irr.db",
            "route: 192.0.2.0/24\norigin: AS64500\nsource: TEST\n\n\
             route: 198.51.100.0/22\norigin: AS64500\nsource: TEST\n\n\
             route6: 2001:db8::/32\norigin: AS64501\nsource: TEST\n\n\
             route: 10.0.0.0/8\norigin: AS64999\nsource: TEST\n",
        );
        Fixture { dir }
    }

    fn manifest(&self, name: &str, body: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, body).unwrap();
        p
    }

    fn db(&self) -> PathBuf {
        self.dir.path().join("manrs.db")
    }
}

const SMALL: &str = r#"
[[period]]
month = "2026-02"
inputs = [
  { kind = "routes", path = "routes.csv" },
  { kind = "vrps", path = "vrps.csv" },
  { kind = "irr", path = "irr.db" },
]
"#;

/// `--shards N`: the routes are read and analysed in N parts; what is
/// stored and explained is the same. N must be at least 1.
#[test]
fn run_in_parts_stores_the_same_period() {
    let f = Fixture::new();
    let config = f.manifest("sources.toml", SMALL);
    let one = f.dir.path().join("one.db");
    let parts = f.dir.path().join("parts.db");
    let whole = run_json(&config, &one);
    let args = [
        "run",
        "--config",
        config.to_str().unwrap(),
        "--db",
        parts.to_str().unwrap(),
        "--json",
        "--shards",
        "3",
    ];
    let o = manrs(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("part 3 of 3"), "{}", stderr(&o));
    let in_parts: Value = serde_json::from_str(stdout(&o).lines().next().unwrap()).unwrap();
    assert_eq!(in_parts, whole);
    assert_eq!(whole["snapshot"]["routes"], 7);
    for asn in ["AS64500", "AS64501", "AS64502"] {
        assert_eq!(check_json(&parts, asn, &[]), check_json(&one, asn, &[]), "{asn}");
    }
    let o = manrs(&["run", "--config", config.to_str().unwrap(), "--db", "x.db", "--shards", "0"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--shards"), "{}", stderr(&o));
}

#[test]
fn run_then_check_explains_every_point() {
    let f = Fixture::new();
    let config = f.manifest("sources.toml", SMALL);
    let db = f.db();
    let o = manrs(&["run", "--config", config.to_str().unwrap(), "--db", db.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("7 routes"), "{}", stdout(&o));

    let v = check_json(&db, "AS64500", &[]);
    assert_eq!(v["period"], "2026-02");
    let m = &v["metrics"]["M7RPKI"];
    assert_eq!(
        (m["valid"].as_u64(), m["invalid"].as_u64(), m["notFound"].as_u64()),
        (Some(2), Some(1), Some(1))
    );
    // max(0, (2 - 10) / 4) = 0: lagging.
    assert_eq!(v["scores"]["routingInformationRPKI"]["value"], 0.0);
    assert_eq!(v["scores"]["routingInformationRPKI"]["band"], "lagging");
    // Covering policy (default): 192.0.2.0/24 exact, 198.51.100.0/24 and
    // 198.51.102.0/23 under the /22; 10.0.0.0/8 is registered to another AS.
    assert_eq!(v["metrics"]["M7IRR"]["covered"], 3);
    assert_eq!(v["scores"]["routingInformationIRR"]["value"], 0.75);
    assert_eq!(v["scores"]["routingInformationIRR"]["band"], "aspiring");
    let inv = &v["evidence"]["invalidRoutes"];
    assert_eq!(inv.as_array().unwrap().len(), 1);
    assert_eq!(inv[0]["prefix"], "198.51.100.0/24");
    assert_eq!(inv[0]["vrps"][0]["prefix"], "198.51.100.0/22");
    assert_eq!(inv[0]["vrps"][0]["maxLength"], 23);
    assert_eq!(inv[0]["vrps"][0]["ta"], "apnic");
    assert!(inv[0]["vrps"][0]["reason"].as_str().unwrap().contains("longer than maxLength 23"));
    let unreg = &v["evidence"]["unregisteredRoutes"];
    assert_eq!(unreg.as_array().unwrap().len(), 1);
    assert_eq!(unreg[0]["prefix"], "10.0.0.0/8");

    // AS0 and another origin's VRP, explained.
    let v = check_json(&db, "64501", &[]);
    assert!(
        v["evidence"]["invalidRoutes"][0]["vrps"][0]["reason"].as_str().unwrap().starts_with("AS0")
    );
    let v = check_json(&db, "AS64502", &[]);
    let reason = v["evidence"]["invalidRoutes"][0]["vrps"][0]["reason"].as_str().unwrap();
    assert_eq!(reason, "authorises AS64500, not AS64502");
    // An AS that originated nothing: a note, exit status 1 when it is the only one.
    let o = manrs(&["check", "AS64999", "--db", db.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("no route originated by AS64999"), "{}", stdout(&o));

    // The human report explains the lost points.
    let o = manrs(&["check", "AS64500", "--db", db.to_str().unwrap()]);
    let text = stdout(&o);
    assert!(text.contains("= max(0, (2 - 10 x 1) / 4) = max(0, -200.0%)"), "{text}");
    assert!(text.contains("198.51.100.0/24 origin AS64500"), "{text}");
    assert!(text.contains("VRP 198.51.100.0/22 max /23 AS64500 (apnic)"), "{text}");

    // The exact IRR policy, stored as a replacement of the same period.
    let exact = f.manifest("exact.toml", &format!("[analysis]\nirr-policy = \"exact\"\n{SMALL}"));
    let o = manrs(&["run", "--config", exact.to_str().unwrap(), "--db", db.to_str().unwrap()]);
    assert!(o.status.success());
    assert!(
        stderr(&o).contains("already in"),
        "without --replace the period is kept: {}",
        stderr(&o)
    );
    assert_eq!(check_json(&db, "AS64500", &[])["metrics"]["M7IRR"]["covered"], 3);
    let o = manrs(&[
        "run",
        "--config",
        exact.to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
        "--replace",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(check_json(&db, "AS64500", &[])["metrics"]["M7IRR"]["covered"], 1);
}

#[test]
fn bad_inputs_are_named_and_nothing_half_written_is_stored() {
    let f = Fixture::new();
    let db = f.db();
    // A VRP file listed as MRT: the error names the file and the manifest line.
    let wrong = f.manifest(
        "wrong.toml",
        "[[period]]\nmonth = \"2026-02\"\ninputs = [\n  { kind = \"mrt\", path = \"vrps.csv\" },\n]\n",
    );
    let o = manrs(&["run", "--config", wrong.to_str().unwrap(), "--db", db.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("vrps.csv") && err.contains("wrong.toml:4") && err.contains("\"mrt\""),
        "{err}"
    );

    // A bad line: lenient runs count it, strict runs stop and store nothing.
    std::fs::write(
        f.dir.path().join("routes.csv"),
        "prefix,asn\n192.0.2.0/24,64500\n192.0.2.0/33,64500\n",
    )
    .unwrap();
    let config = f.manifest("sources.toml", SMALL);
    let o = manrs(&[
        "run",
        "--config",
        config.to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
        "--strict",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("routes.csv: line 3: malformed"), "{}", stderr(&o));
    let o = manrs(&["check", "AS64500", "--db", db.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("no period stored"), "{}", stderr(&o));
    let summary = run_json(&config, &db);
    assert_eq!(summary["inputProblems"], 1);
    assert_eq!(summary["snapshot"]["routes"], 1);
}

/// The VRPs of a file that cover a prefix, and whether each authorises
/// the origin: RFC 6811 computed here independently of the engine.
fn covering(vrp_file: &Path, prefix: Prefix, origin: Asn) -> Vec<(String, u8, u32, bool)> {
    let mut out = Vec::new();
    let reader = VrpReader::new(Input::open(vrp_file).unwrap(), Mode::Lenient);
    for item in reader {
        let Ok(Payload::Vrp(v)) = item else { continue };
        if v.prefix.covers(&prefix) {
            let ok = v.asn == origin && v.asn.0 != 0 && prefix.len() <= v.max_len;
            out.push((v.prefix.to_string(), v.max_len, v.asn.0, ok));
        }
    }
    out.sort();
    out.dedup();
    out
}

#[test]
fn demo_builds_two_periods_and_explains_an_invalid_route() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let o = manrs(&["demo", "--no-serve", "--db", db.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("2026-02:") && text.contains("2026-07:"), "{text}");
    // The example names a network; check it and verify its first invalid
    // route against the demo VRP file.
    let line = text.lines().find(|l| l.starts_with("Explain a network:")).expect(&text);
    let asn = line.split_whitespace().nth(5).unwrap().to_string();
    let v = check_json(&db, &asn, &[]);
    let route = &v["evidence"]["invalidRoutes"][0];
    let prefix: Prefix = route["prefix"].as_str().unwrap().parse().unwrap();
    let origin: Asn = asn.parse().unwrap();
    let vrp_file =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/demo/vrps-2025-07-20-demo.json.gz");
    let expected = covering(&vrp_file, prefix, origin);
    assert!(
        !expected.is_empty() && expected.iter().all(|c| !c.3),
        "{prefix} {origin}: {expected:?}"
    );
    let mut got: Vec<(String, u8, u32, bool)> = route["vrps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["prefix"].as_str().unwrap().to_string(),
                x["maxLength"].as_u64().unwrap() as u8,
                x["asn"].as_u64().unwrap() as u32,
                x["matched"].as_bool().unwrap(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(got, expected);
    // The demo's one hijack: AS48678 announced 185.103.196.0/24, for which
    // the demo VRPs authorise AS201021 (checked here from the VRP file).
    let o = manrs(&["incidents", "--db", db.to_str().unwrap(), "--period", "2026-02", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let incidents: Vec<Value> =
        stdout(&o).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let m2 = incidents.iter().find(|i| i["metric"] == "M2").expect("an M2 incident");
    assert_eq!(m2["asn"], 48678);
    let f = &m2["evidence"][0];
    assert_eq!(f["prefix"], "185.103.196.0/24");
    assert_eq!(f["legitimate"][0]["origin"], 201021);
    assert!(f["tags"].as_array().unwrap().iter().any(|t| t == "legitimate-rpki-valid"));
    let hijacked: Prefix = "185.103.196.0/24".parse().unwrap();
    assert!(covering(&vrp_file, hijacked, Asn(201021)).iter().any(|c| c.3));
    assert!(covering(&vrp_file, hijacked, Asn(48678)).iter().all(|c| !c.3));
    assert!(incidents.iter().any(|i| i["metric"] == "M2C" && i["asn"] == 59796), "its upstream");
    // `check` shows it too.
    let c = check_json(&db, "AS48678", &["--period", "2026-02"]);
    assert_eq!(c["incidents"][0]["metric"], "M2");
    // The upstream originates nothing in 2026-02: a network of the period
    // all the same (manrs-spec §2.1), with a filtering figure from its
    // M2C incident and no RPKI figure.
    let up = check_json(&db, "AS59796", &["--period", "2026-02"]);
    assert_eq!(up["visibility"], "transit");
    assert_eq!(up["metrics"]["M7RPKI"]["total"], 0);
    assert_eq!(up["scores"]["routingInformationRPKI"]["band"], "no_data_available");
    let raw: f64 =
        up["incidents"].as_array().unwrap().iter().map(|i| i["score"].as_f64().unwrap()).sum();
    assert!(raw > 0.0 && up["figureEvidence"]["filtering"]["raw"].as_f64() == Some(raw), "{up}");
    assert!(up["scores"]["filtering"]["value"].as_f64().unwrap() < 1.0);

    // The one path of the 2026-07 RIB part with a bogon AS number between
    // the collector's peer and the origin (bgpdump -m lists the same one):
    // 3303 60051 65518 208293 203214 51684. AS60051 passed on the private
    // AS65518 (M4), AS3303 accepted it from its customer (M4C).
    let o = manrs(&["incidents", "--db", db.to_str().unwrap(), "--period", "2026-07", "--json"]);
    let incidents: Vec<Value> =
        stdout(&o).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let in_path: Vec<(&str, u64)> = incidents
        .iter()
        .filter(|i| i["evidence"][0]["type"] == "bogon-asn-in-path")
        .map(|i| (i["metric"].as_str().unwrap(), i["asn"].as_u64().unwrap()))
        .collect();
    assert_eq!(in_path, [("M4C", 3303), ("M4", 60051)]);
    // The private AS65518 is on a path but is no network of the period;
    // AS65020, a private AS number originating a route, is stored with
    // its route and left out of the aggregates.
    let jul = all_networks(&db, "2026-07");
    let of = |asn: u64| jul.iter().find(|n| n["asn"] == asn).cloned();
    assert!(of(65518).is_none());
    assert_eq!(of(60051).unwrap()["visibility"], "transit");
    let private = of(65020).expect("AS65020 is listed");
    assert_eq!(
        (private["visibility"].as_str(), private["routes"].as_u64()),
        (Some("origin"), Some(1))
    );
    assert_eq!(private["excluded"], "bogon AS number: private use (RFC 6996)");
    let m4 = incidents.iter().find(|i| i["metric"] == "M4" && i["asn"] == 60051).unwrap();
    assert_eq!(m4["evidence"][0]["asn"], 65518);
    assert_eq!(
        m4["evidence"][0]["first"]["path"],
        json!([3303, 60051, 65518, 208293, 203214, 51684])
    );

    // A second run reuses the stored periods.
    let o = manrs(&["demo", "--no-serve", "--db", db.to_str().unwrap()]);
    assert!(o.status.success());
    assert!(stderr(&o).contains("reused"), "{}", stderr(&o));

    report_on_the_demo(&db);
}

/// The networks of one period as `manrs report --all-networks` lists them.
fn all_networks(db: &Path, period: &str) -> Vec<Value> {
    let o = manrs(&[
        "report",
        "--db",
        db.to_str().unwrap(),
        "--period",
        period,
        "--all-networks",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    v["networks"].as_array().unwrap().clone()
}

/// `manrs report` for a real economy of the demo: its history over both
/// periods and their comparison, each mean equal to the mean over the
/// economy's networks in the per-network export, and the same report as
/// text, CSV and HTML.
fn report_on_the_demo(db: &Path) {
    let d = db.to_str().unwrap();
    let (feb, jul) = (all_networks(db, "2026-02"), all_networks(db, "2026-07"));
    assert_eq!(jul.len() as u64, check_count(db, "2026-07"));
    // The economy with the most networks in both periods.
    let count = |list: &[Value], cc: &str| list.iter().filter(|n| n["economy"] == cc).count();
    let cc = jul
        .iter()
        .filter_map(|n| n["economy"].as_str())
        .max_by_key(|cc| count(&jul, cc).min(count(&feb, cc)))
        .unwrap()
        .to_string();
    assert!(count(&feb, &cc) > 0 && count(&jul, &cc) > 0, "{cc} in both periods");
    let o = manrs(&["report", "--db", d, "--economy", &cc, "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let r: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(r["month"], "2026-07");
    let history = r["history"].as_array().unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(
        (history[0]["month"].as_str(), history[1]["month"].as_str()),
        (Some("2026-02"), Some("2026-07"))
    );
    for (h, list) in history.iter().zip([&feb, &jul]) {
        // Networks not delegated are listed but not aggregated.
        let mine: Vec<&Value> = list
            .iter()
            .filter(|n| n["economy"] == cc.as_str() && n["excluded"].is_null())
            .collect();
        assert_eq!(h["networks"].as_u64(), Some(mine.len() as u64));
        for k in h["keyFigures"].as_array().unwrap() {
            let id = k["id"].as_str().unwrap();
            let vals: Vec<f64> = mine.iter().filter_map(|n| n[id]["value"].as_f64()).collect();
            assert_eq!(k["networks"].as_u64(), Some(vals.len() as u64), "{id}");
            match k["value"].as_f64() {
                Some(mean) => {
                    let want = vals.iter().sum::<f64>() / vals.len() as f64;
                    assert!((mean - want).abs() < 1e-9, "{id}: {mean} vs {want}");
                }
                None => assert!(vals.is_empty(), "{id}"),
            }
            let ready = mine.iter().filter(|n| n[id]["band"] == "ready").count();
            assert_eq!(k["severities"][0]["count"].as_u64(), Some(ready as u64), "{id}");
        }
    }
    let c = &r["comparison"];
    assert_eq!((c["from"].as_str(), c["to"].as_str()), (Some("2026-02"), Some("2026-07")));
    let rpki = &c["keyFigures"][4];
    let change = rpki["to"].as_f64().unwrap() - rpki["from"].as_f64().unwrap();
    assert!((rpki["change"].as_f64().unwrap() - change).abs() < 1e-12);
    // The demo has no Spoofer or contact data.
    assert!(r["summary"]["keyFigures"][1]["value"].is_null());

    let o = manrs(&["report", "--db", d, "--economy", &cc]);
    let text = stdout(&o);
    assert!(text.contains(&format!("Key figures of economy {cc}, 2026-07")), "{text}");
    assert!(text.contains("History") && text.contains("Comparison 2026-02 -> 2026-07"), "{text}");
    let o = manrs(&["report", "--db", d, "--economy", &cc, "--format", "csv"]);
    let csv = stdout(&o);
    assert_eq!(csv.lines().count(), 1 + 2 * 5, "header + 2 periods x 5 figures: {csv}");
    let html_file = db.with_extension("html");
    let o = manrs(&[
        "report",
        "--db",
        d,
        "--economy",
        &cc,
        "--format",
        "html",
        "--output",
        html_file.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let html = std::fs::read_to_string(&html_file).unwrap();
    assert!(html.contains(&format!("Key figures of economy {cc}, 2026-07")));
    assert!(html.contains(r#"id="comparison""#) && !html.contains("/assets/"), "standalone");
    // The economy's UN M49 sub-region: every network of its economies.
    let sub = manrs_types::m49::m49(&cc).unwrap().sub_region.unwrap();
    let o = manrs(&["report", "--db", d, "--region", sub.name, "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let g: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let inside = jul
        .iter()
        .filter(|n| n["economy"].as_str().is_some_and(|e| manrs_types::m49::in_area(e, sub.code)))
        .filter(|n| n["excluded"].is_null())
        .count();
    assert!(inside >= count(&jul, &cc));
    assert_eq!(g["summary"]["networks"].as_u64(), Some(inside as u64), "{}", sub.name);
    // Two selections in one period: the economy against its sub-region,
    // each side the figure of its own report.
    let o =
        manrs(&["report", "--db", d, "--economy", &cc, "--versus", sub.name, "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let c = &v["comparison"];
    assert_eq!(c["from"].as_str(), Some(format!("region {} ({:03})", sub.name, sub.code).as_str()));
    assert_eq!(c["to"].as_str(), Some(format!("economy {cc}").as_str()));
    assert_eq!(
        (c["networksFrom"].as_u64(), c["networksTo"].as_u64()),
        (Some(inside as u64), v["summary"]["networks"].as_u64())
    );
    for (i, k) in c["keyFigures"].as_array().unwrap().iter().enumerate() {
        assert_eq!(k["from"], g["summary"]["keyFigures"][i]["value"], "{}", k["id"]);
        assert_eq!(k["to"], v["summary"]["keyFigures"][i]["value"], "{}", k["id"]);
    }
    let o = manrs(&["report", "--db", d, "--economy", &cc, "--versus", "world"]);
    assert!(
        stdout(&o).contains(&format!("Comparison the world -> economy {cc}")),
        "{}",
        stdout(&o)
    );
    let o = manrs(&["report", "--db", d, "--economy", &cc, "--versus", "Atlantis"]);
    assert!(!o.status.success() && stderr(&o).contains("--versus"), "{}", stderr(&o));
    let o = manrs(&["report", "--db", d, "--region", "Atlantis"]);
    assert!(!o.status.success() && stderr(&o).contains("not a UN M49 region"), "{}", stderr(&o));
    // A network: its figures per period.
    let asn = jul[0]["asn"].to_string();
    let o = manrs(&["report", "--db", d, "--asn", &asn, "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let n: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(n["summary"]["routingInformationRPKI"], jul[0]["routingInformationRPKI"]);
    // Bad input is named.
    let o = manrs(&["report", "--db", d, "--economy", "Brazil"]);
    assert!(!o.status.success() && stderr(&o).contains("alpha-2"), "{}", stderr(&o));
    let o = manrs(&["report", "--db", d, "--economy", "ZZ"]);
    assert!(
        !o.status.success() && stderr(&o).contains("no network of economy ZZ"),
        "{}",
        stderr(&o)
    );
    let o = manrs(&["report", "--db", d, "--all-networks", "--format", "csv"]);
    let csv = stdout(&o);
    assert_eq!(csv.lines().count(), 1 + jul.len());
    assert!(csv.starts_with(
        "month,asn,holder,economy,registry,visibility,excluded,routes,incidents,filtering,filteringBand,"
    ));
}

/// Networks stored for a period, read from the database directly.
fn check_count(db: &Path, period: &str) -> u64 {
    let store = manrs_store::Store::open_existing(db).unwrap();
    store.period(period.parse().unwrap()).unwrap().unwrap().networks
}

/// The full 2026-07-30 table (ipasn v4 + v6) against the 2025-07-20 VRPs
/// and the RIPE-NONAUTH route objects, through manifest, snapshot, engine
/// and store. The RPKI totals equal `scripts/rov_check.py`, the IRR totals
/// `scripts/irr_check.py` (exact 12,110, covering 31,344): both independent
/// implementations.
#[test]
fn full_table_through_the_pipeline() {
    let Some(shared) = manrs_test_support::shared_data_dir() else { return };
    let dir = tempfile::tempdir().unwrap();
    let s = shared.display();
    let config = dir.path().join("full.toml");
    std::fs::write(
        &config,
        format!(
            r#"[[period]]
month = "2026-07"
inputs = [
  {{ kind = "routes", path = "{s}/routeviews-rv2-rib-2026-07-30/ipasn_20260730.dat.gz" }},
  {{ kind = "routes", path = "{s}/routeviews-rv2-rib-2026-07-30/ipasn6_20260730.dat.gz" }},
  {{ kind = "vrps", path = "{s}/rpki-client-vrps-2025-07-20/rpkiclient_summary_20250720T093135Z.json.bz2" }},
  {{ kind = "irr", path = "{s}/irr-ripe-db-dump-2023-11/ripe-nonauth.db.route*.gz" }},
  {{ kind = "as-names", path = "{s}/routeviews-rv2-rib-2026-07-30/asnames.json.gz" }},
]
"#
        ),
    )
    .unwrap();
    let db = dir.path().join("full.db");
    let v = run_json(&config, &db);
    assert_eq!(v["snapshot"]["routes"], 1_366_894);
    assert_eq!(
        (v["rov"]["valid"].as_u64(), v["rov"]["invalid"].as_u64(), v["rov"]["notFound"].as_u64()),
        (Some(704_672), Some(59_010), Some(603_212))
    );
    assert_eq!(v["vrps"], 723_521);
    assert_eq!(v["aspas"], 100);
    assert_eq!(v["irrObjects"], 53_438);
    assert_eq!(v["irrCovered"], 31_344);
    assert_eq!(v["irrExact"], 12_110);
    assert_eq!(v["inputProblems"], 0);
    // One network end to end: its counts add up and its score follows them.
    let c = check_json(&db, "AS13335", &[]);
    let m = &c["metrics"]["M7RPKI"];
    let (valid, invalid, total) = (
        m["valid"].as_f64().unwrap(),
        m["invalid"].as_f64().unwrap(),
        m["total"].as_f64().unwrap(),
    );
    assert!(total > 100.0);
    assert_eq!(
        m["valid"].as_u64().unwrap()
            + m["invalid"].as_u64().unwrap()
            + m["notFound"].as_u64().unwrap(),
        m["total"].as_u64().unwrap()
    );
    let expected = ((valid - 10.0 * invalid) / total).max(0.0);
    assert!(
        (c["scores"]["routingInformationRPKI"]["value"].as_f64().unwrap() - expected).abs() < 1e-12
    );
    assert_eq!(c["holder"], "CLOUDFLARENET - Cloudflare, Inc.");
}

/// Action 1 on the 2026-02-22 updates with every pruning source of
/// ../shared/data: all VRPs, the RIPE-NONAUTH route objects, CAIDA's AS
/// relationships (2024-08) and AS-to-organisation (2021-10). The demo's one
/// hijack suspect (AS48678 on 185.103.196.0/24, RPKI-valid for AS201021)
/// is pruned: CAIDA says AS201021 is AS48678's provider. Counts recorded in
/// docs/action1.md.
#[test]
fn action1_pruning_on_2026_data() {
    let Some(shared) = manrs_test_support::shared_data_dir() else { return };
    let s = shared.display();
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/demo");
    let d = demo.display();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("feb.toml");
    std::fs::write(
        &config,
        format!(
            r#"[[period]]
month = "2026-02"
inputs = [
  {{ kind = "mrt", path = "{d}/updates.20260222.1530.bz2", collector = "route-views2" }},
  {{ kind = "vrps", path = "{s}/rpki-client-vrps-2025-07-20/rpkiclient_summary_20250720T093135Z.json.bz2" }},
  {{ kind = "irr", path = "{s}/irr-ripe-db-dump-2023-11/ripe-nonauth.db.route*.gz" }},
  {{ kind = "as-relationships", path = "{s}/caida-as-relationships/20240801.as-rel2.txt.bz2" }},
  {{ kind = "as-org", path = "{s}/caida-as2org/20211001.as-org2info.jsonl.gz" }},
  {{ kind = "iana", path = "{d}/ipv*.csv" }},
]
"#
        ),
    )
    .unwrap();
    let db = dir.path().join("feb.db");
    let v = run_json(&config, &db);
    let a = &v["action1"];
    assert_eq!(a["relationships"], "caida");
    assert_eq!(
        (a["conflicts"].as_u64(), a["unresolved"].as_u64(), a["suspects"].as_u64()),
        (Some(454), Some(398), Some(13))
    );
    assert_eq!(
        a["pruned"],
        serde_json::json!({"CustomerOrProvider": 3, "LegitimateOnPath": 5, "RpkiValid": 5})
    );
    assert_eq!(a["hijacks"], 0);
    assert_eq!(a["leaks"], 1442);
    // The 100 ASPAs of 2025-07-20 attest 107 of the 12,146 distinct paths
    // valley-free and prove none a leak.
    assert_eq!(a["aspa"], serde_json::json!({"unknown": 12039, "valid": 107}));
    assert_eq!(a["leaksAspaValid"], 0);
    // 450 distinct paths carry the RFC 9234 OTC attribute; none shows a
    // leak under CAIDA's relationships.
    assert_eq!((a["otcPaths"].as_u64(), a["otcLeaks"].as_u64()), (Some(450), Some(0)));
    let o = manrs(&["incidents", "--db", db.to_str().unwrap(), "--json"]);
    let incidents: Vec<Value> =
        stdout(&o).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(incidents.iter().filter(|i| i["metric"] == "M1").count(), 80);
    assert!(
        incidents.iter().all(|i| i["asn"] != 48678),
        "the demo's suspect is explained by CAIDA"
    );
    let leak = incidents.iter().find(|i| i["metric"] == "M1").unwrap();
    assert_eq!(leak["evidence"][0]["relationships"], "caida");
}
