//! `manrs programme reports`: every participant's monthly conformance
//! report, delivered to an SMTP server (a small sink on loopback written
//! here, speaking just enough SMTP) or written to an outbox folder; each
//! delivery recorded, so a second run sends nothing new.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::Command;
use std::sync::mpsc;

use manrs_engine::{Band, Profile, Visibility};
use manrs_store::programme::status;
use manrs_store::{FigureRow, IncidentRow, MetricRow, NetworkRow, PeriodMeta, Store};
use manrs_types::{Asn, Month};
use serde_json::json;

fn database(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("p.db");
    let mut store = Store::open(&path).unwrap();
    let profile = Profile::default();
    for (m, incidents) in [("2026-06", 0), ("2026-07", 2)] {
        let meta = PeriodMeta {
            month: m.parse::<Month>().unwrap(),
            created_at: 1_780_000_000,
            tool_version: "test".into(),
            manifest: None,
            settings: json!({}),
            profile: serde_json::to_value(&profile).unwrap(),
            profile_version: profile.version.clone(),
        };
        let mut w = store.begin_period(&meta, false).unwrap();
        w.add_network(&NetworkRow {
            asn: Asn(64500),
            holder: Some("Example".into()),
            country: None,
            rir: None,
            status: None,
            visibility: Visibility::Origin,
            excluded: None,
        })
        .unwrap();
        let raw = 0.5 * f64::from(incidents);
        w.add_metrics(&MetricRow {
            asn: Asn(64500),
            routes: 1,
            valid: 1,
            invalid: 0,
            not_found: 0,
            irr_covered: None,
            rpki_value: Some(1.0),
            rpki_band: Some(Band::Ready),
            irr_value: None,
            irr_band: None,
            figures: FigureRow {
                filtering_raw: Some(raw),
                filtering: manrs_engine::scores::filtering(raw, &profile),
                ..FigureRow::default()
            },
        })
        .unwrap();
        for n in 0..incidents {
            w.add_incident(&IncidentRow {
                asn: Asn(64500),
                metric: "M2".into(),
                weight: 1.0,
                start: 1_782_864_000 + i64::from(n) * 3600,
                end: 1_782_864_600 + i64::from(n) * 3600,
                score: 0.5,
                confidence: None,
                summary: format!("announced 192.0.2.{n}/32 of AS64496"),
                evidence: json!({}),
            })
            .unwrap();
        }
        w.commit(&json!({})).unwrap();
    }
    let user = store.create_user("noc@example.net", "participant", "$argon2id$x", 1, None).unwrap();
    let auditor =
        store.create_user("audit@example.net", "auditor", "$argon2id$x", 1, None).unwrap();
    let content = json!({"programme": "network-operators", "organisation": "Example Networks", "areas": ["NL"], "asns": [64500],
        "actions": [{"action": 1, "implemented": true, "description": "x", "evidence": []}]});
    let id =
        store.submit_application(user, None, "network-operators", "test", &content, 2).unwrap();
    store
        .decide_application(
            id,
            auditor,
            status::APPROVED,
            "",
            "11111111-2222-4333-8444-555555555555",
            "2026-07-01",
            3,
        )
        .unwrap();
    path
}

/// Accepts one SMTP session and sends back (envelope lines, message data).
fn smtp_sink() -> (u16, mpsc::Receiver<(Vec<String>, String)>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut out = stream.try_clone().unwrap();
        let mut input = BufReader::new(stream);
        let mut envelope = Vec::new();
        let mut data = String::new();
        out.write_all(b"220 sink ESMTP\r\n").unwrap();
        let mut line = String::new();
        loop {
            line.clear();
            if input.read_line(&mut line).unwrap() == 0 {
                break;
            }
            let cmd = line.trim_end().to_string();
            let upper = cmd.to_ascii_uppercase();
            if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                out.write_all(b"250-sink\r\n250 8BITMIME\r\n").unwrap();
            } else if upper.starts_with("MAIL FROM") || upper.starts_with("RCPT TO") {
                envelope.push(cmd);
                out.write_all(b"250 OK\r\n").unwrap();
            } else if upper == "DATA" {
                out.write_all(b"354 go on\r\n").unwrap();
                loop {
                    line.clear();
                    input.read_line(&mut line).unwrap();
                    if line == ".\r\n" {
                        break;
                    }
                    data.push_str(&line);
                }
                out.write_all(b"250 queued\r\n").unwrap();
            } else if upper == "QUIT" {
                out.write_all(b"221 bye\r\n").unwrap();
                break;
            } else {
                out.write_all(b"250 OK\r\n").unwrap();
            }
        }
        tx.send((envelope, data)).unwrap();
    });
    (port, rx)
}

/// Decodes quoted-printable text (soft line breaks and `=XX` escapes).
fn unquote(s: &str) -> String {
    let s = s.replace("=\r\n", "");
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b[i], hex) {
            (b'=', Some(x)) => {
                out.push(x);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn manrs(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_manrs")).args(args).output().unwrap()
}

#[test]
fn reports_go_to_the_smtp_server_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    let db = db.to_str().unwrap();
    let (port, rx) = smtp_sink();
    let server = format!("127.0.0.1:{port}");
    let out = manrs(&[
        "programme",
        "reports",
        "--db",
        db,
        "--month",
        "2026-07",
        "--smtp",
        &server,
        "--from",
        "Observatory <obs@example.org>",
        "--base-url",
        "https://obs.example.org/",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("reports 2026-07: 1 sent, 0 already sent, 0 failed"), "{stdout}");
    let (envelope, data) = rx.recv_timeout(std::time::Duration::from_secs(20)).unwrap();
    let data = unquote(&data);
    assert_eq!(envelope, ["MAIL FROM:<obs@example.org>", "RCPT TO:<noc@example.net>"]);
    assert!(data.contains("Subject: MANRS conformance report 2026-07: Example Networks"), "{data}");
    assert!(data.contains("To: noc@example.net"), "{data}");
    // The text part: figures with the change since June, the incidents with links.
    let june = manrs_engine::scores::filtering(0.0, &Profile::default()).value.unwrap();
    let july = manrs_engine::scores::filtering(1.0, &Profile::default()).value.unwrap();
    let change = format!("({:+.1} points)", (july - june) * 100.0);
    assert!(data.contains(&change), "{change} in {data}");
    assert!(data.contains("Non-compliance incidents: 2"), "{data}");
    assert!(
        data.contains("https://obs.example.org/programme/incidents/64500?month=2026-07"),
        "{data}"
    );
    assert!(
        data.contains("Content-Type: text/html") && data.contains("manrs-report-2026-07.json"),
        "{data}"
    );

    // Recorded: a second run sends nothing (no server needed to skip).
    let out =
        manrs(&["programme", "reports", "--db", db, "--month", "2026-07", "--smtp", "127.0.0.1:9"]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("0 sent, 1 already sent"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // A server that does not answer is a failure, named.
    let out = manrs(&[
        "programme",
        "reports",
        "--db",
        db,
        "--month",
        "2026-07",
        "--smtp",
        "127.0.0.1:9",
        "--resend",
    ]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Example Networks <noc@example.net>"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn without_smtp_reports_go_to_the_outbox() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    let outbox = dir.path().join("outbox");
    let out = manrs(&[
        "programme",
        "reports",
        "--db",
        db.to_str().unwrap(),
        "--month",
        "2026-07",
        "--outbox",
        outbox.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let file = outbox.join("2026-07-11111111-2222-4333-8444-555555555555.eml");
    let eml = std::fs::read_to_string(&file).unwrap();
    assert!(eml.contains("Subject: MANRS conformance report 2026-07: Example Networks"), "{eml}");
    let store = Store::open_existing(&db).unwrap();
    assert_eq!(
        store
            .deliveries("11111111-2222-4333-8444-555555555555", "2026-07".parse().unwrap())
            .unwrap(),
        1
    );
    // Neither given: the command says what to give.
    let out = manrs(&["programme", "reports", "--db", db.to_str().unwrap(), "--month", "2026-07"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("give --smtp HOST[:PORT]"));
    let out = manrs(&[
        "programme",
        "reports",
        "--db",
        db.to_str().unwrap(),
        "--month",
        "2026-01",
        "--outbox",
        "x",
    ]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("period 2026-01 is not stored"));
}
