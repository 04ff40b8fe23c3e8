//! The README main command end to end in a real browser: `manrs demo`
//! builds the demo database and serves it; headless Chromium loads each
//! page, the rendered DOM (after scripts ran) must show the values the
//! JSON API gives for the same data, the search leads to a network page,
//! and screenshots are kept in `target/screenshots/`.
//!
//! Needs Chromium (`chromium` on PATH, or MANRS_CHROMIUM). Without it the
//! test says so and passes, unless MANRS_REQUIRE_BROWSER is set (CI sets
//! it and installs Chromium), in which case it fails.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

mod common;
use common::{Killed, chromium_or_skip, get_json};

fn browse(chrome: &Path, profile: &Path, args: &[&str], url: &str) -> String {
    let out = Command::new(chrome)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--virtual-time-budget=3000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(url)
        .output()
        .expect("running chromium");
    assert!(out.status.success(), "chromium {url}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn group(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[test]
fn demo_dashboard_in_chromium() {
    let Some(chrome) = chromium_or_skip() else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let mut child = Command::new(env!("CARGO_BIN_EXE_manrs"))
        .args(["demo", "--listen", "127.0.0.1:0", "--db"])
        .arg(&db)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let server = Killed(child);
    let mut asn = None;
    let mut addr = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some(rest) = line.strip_prefix("Explain a network:") {
            asn = rest.split_whitespace().nth(2).map(|a| a.trim_start_matches("AS").to_string());
        }
        if let Some(url) = line.split("http://").nth(1) {
            addr = url.split('/').next().map(str::to_string);
            break;
        }
    }
    let addr = addr.expect("the demo printed the address it serves");
    let asn = asn.expect("the demo named a network to explain");
    let base = format!("http://{addr}");
    let profile = dir.path().join("chromium");
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("../screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let shot = |name: &str, url: &str| {
        let file = shots.join(format!("{name}.png"));
        let _ = std::fs::remove_file(&file);
        browse(
            &chrome,
            &profile,
            &["--window-size=1280,1600", &format!("--screenshot={}", file.display())],
            url,
        );
        let size = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
        assert!(size > 20_000, "{name}: screenshot of {size} bytes");
    };

    // Overview: the figures of the newest period, as the API gives them.
    let periods = get_json(&addr, "/api/v2/periods");
    let newest = &periods["periods"][0];
    let month = newest["month"].as_str().unwrap().to_string();
    let dom = browse(&chrome, &profile, &["--dump-dom"], &format!("{base}/"));
    assert!(dom.contains(&format!("State of routing security, {month}")), "overview title");
    // The networks that count (manrs-spec §2.1: not those whose AS number
    // is not delegated), as the world summary gives them.
    let world = get_json(&addr, "/api/v2/scores/summary");
    let networks = group(world["networks"].as_u64().unwrap());
    assert!(world["networks"].as_u64() < newest["networks"].as_u64(), "the demo has excluded ASes");
    assert!(dom.contains(&format!(r#"id="networks">{networks}<"#)), "overview networks {networks}");
    // Their routes: the sum over the economies (and the networks of no
    // known economy).
    let economies = get_json(&addr, "/api/v2/economies");
    let sum: u64 = economies["economies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["routes"].as_u64().unwrap())
        .sum();
    assert!(sum < newest["routes"].as_u64().unwrap(), "excluded origins' routes are not counted");
    let routes = group(sum);
    assert!(dom.contains(&format!(r#"id="routes">{routes}<"#)), "overview routes {routes}");
    // The world map has a dot per economy with a shape, linking to it.
    let biggest = economies["economies"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["economy"].is_string())
        .max_by_key(|e| e["networks"].as_u64())
        .unwrap()["economy"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(dom.contains(r#"id="world-map""#), "world map");
    assert!(dom.contains(&format!(r#"data-cc="{biggest}""#)), "a dot for {biggest}");
    shot("overview", &format!("{base}/"));

    // Search by ASN leads to the network page (the form is a GET to
    // /search?q=...); the page shows the first invalid route and its VRP.
    assert!(dom.contains(r#"action="/search""#) && dom.contains(r#"name="q""#), "search form");
    let detail = get_json(&addr, &format!("/api/v2/scores/details?asn={asn}&limit=1"));
    let prefix = detail["evidence"]["invalidRoutes"][0]["prefix"].as_str().unwrap().to_string();
    let reason =
        detail["evidence"]["invalidRoutes"][0]["vrps"][0]["reason"].as_str().unwrap().to_string();
    let dom = browse(&chrome, &profile, &["--dump-dom"], &format!("{base}/search?q=AS{asn}"));
    assert!(dom.contains(&format!(r#"id="as-title">AS{asn}"#)), "search -> network page");
    assert!(dom.contains(&prefix), "invalid route {prefix}");
    assert!(
        dom.contains(&reason.replace('/', "&#x2f;")) || dom.contains(&reason),
        "VRP reason {reason}"
    );
    // The five key figures as the API gives them; the demo has no Spoofer
    // or contact data, so those two say so.
    for f in ["filtering", "antiSpoofing", "coordination", "routingInformationRPKI"] {
        let card = format!(r#"<div class="k">{f}</div><div class="v">"#);
        let at = dom.find(&card).unwrap_or_else(|| panic!("key figure card {f}"));
        let want = match detail["scores"][f]["value"].as_f64() {
            Some(v) => format!("{:.1}%", v * 100.0),
            None => "no data".into(),
        };
        assert!(dom[at + card.len()..].starts_with(&want), "{f}: {want}");
    }
    assert!(detail["scores"]["filtering"]["value"].is_f64(), "filtering is always measured");
    assert!(detail["scores"]["antiSpoofing"]["value"].is_null());
    assert!(dom.contains(r#"id="why-filtering""#), "filtering explained");
    // The history chart was drawn by the vendored uPlot.
    assert!(dom.contains(r#"data-rendered="uplot""#), "history chart rendered");
    shot("network", &format!("{base}/networks/{asn}"));

    // Search by holder name lists the network; its economy page and the
    // comparison render.
    let holder = detail["holder"].as_str().unwrap_or_default().to_string();
    let word = holder.split_whitespace().next().expect("the demo network has a holder name");
    let query: String = word
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'-' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let dom = browse(&chrome, &profile, &["--dump-dom"], &format!("{base}/search?q={query}"));
    assert!(dom.contains(&format!("/networks/{asn}?month={month}")), "holder search for {word:?}");
    if let Some(cc) = detail["country"].as_str() {
        let dom = browse(&chrome, &profile, &["--dump-dom"], &format!("{base}/economies/{cc}"));
        assert!(dom.contains(&format!("Economy {cc}")), "economy page");
        assert!(
            dom.contains(&format!("/networks/{asn}?month={month}")),
            "economy lists the network"
        );
        shot("economy", &format!("{base}/economies/{cc}"));
    }
    let dom = browse(&chrome, &profile, &["--dump-dom"], &format!("{base}/compare"));
    assert!(dom.contains(r#"id="compare-economies""#), "comparison");
    shot("compare", &format!("{base}/compare"));
    drop(server);
    std::thread::sleep(Duration::from_millis(10));
}
