//! The API and the pages through the router, without a socket, on a small
//! store written here with known values: two periods, three networks in two
//! economies, invalid routes with the VRPs that decided them, incidents.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use manrs_engine::{Band, RovState, Score, SnapshotRoute, Visibility};
use manrs_store::{
    FigureRow, IncidentRow, IrrEvidence, MetricRow, NetworkRow, PeriodMeta, RouteRow, Store, VrpRow,
};
use manrs_types::{Asn, Month};
use serde_json::{Value, json};
use tower::ServiceExt;

struct Fixture {
    _dir: tempfile::TempDir,
    app: Router,
}

fn meta(m: &str) -> PeriodMeta {
    PeriodMeta {
        month: m.parse::<Month>().unwrap(),
        created_at: 1_780_000_000,
        tool_version: "test".into(),
        manifest: None,
        settings: json!({}),
        profile: json!({}),
        profile_version: "p".into(),
    }
}

fn network(asn: u32, holder: &str, cc: &str) -> NetworkRow {
    NetworkRow {
        asn: Asn(asn),
        holder: Some(holder.into()),
        country: Some(cc.into()),
        rir: Some("ripencc".into()),
        status: Some("allocated".into()),
        visibility: Visibility::Origin,
        excluded: None,
    }
}

#[allow(clippy::too_many_arguments)]
fn metric(
    asn: u32,
    valid: u64,
    invalid: u64,
    not_found: u64,
    covered: Option<u64>,
    rpki: (f64, Band),
    irr: Option<(f64, Band)>,
) -> MetricRow {
    MetricRow {
        asn: Asn(asn),
        routes: valid + invalid + not_found,
        valid,
        invalid,
        not_found,
        irr_covered: covered,
        rpki_value: Some(rpki.0),
        rpki_band: Some(rpki.1),
        irr_value: irr.map(|x| x.0),
        irr_band: irr.map(|x| x.1),
        figures: FigureRow::default(),
    }
}

fn route(prefix: &str, origin: u32, rov: RovState, irr: bool) -> RouteRow {
    RouteRow {
        route: SnapshotRoute {
            prefix: prefix.parse().unwrap(),
            origin: Asn(origin),
            as_set: false,
            first_seen: Some(1_782_864_000),
            last_seen: Some(1_782_950_400),
            peers: 12,
            collectors: 2,
            upstreams: vec![Asn(3356)],
        },
        rov,
        irr: irr.then(|| IrrEvidence {
            source: "RIPE".into(),
            prefix: prefix.parse().unwrap(),
            exact: true,
        }),
    }
}

fn vrp(prefix: &str, max_len: u8, asn: u32, matched: bool) -> VrpRow {
    VrpRow {
        prefix: prefix.parse().unwrap(),
        max_len,
        asn: Asn(asn),
        ta: Some("ripe".into()),
        matched,
    }
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("web.db");
    let mut store = Store::open(&path).unwrap();

    let mut w = store.begin_period(&meta("2026-06"), false).unwrap();
    w.add_network(&network(64500, "Example Transit", "NL")).unwrap();
    w.add_network(&network(64501, "Other Net", "NL")).unwrap();
    w.add_metrics(&metric(64500, 2, 0, 0, Some(2), (1.0, Band::Ready), Some((1.0, Band::Ready))))
        .unwrap();
    w.add_metrics(&metric(
        64501,
        0,
        0,
        1,
        Some(0),
        (0.0, Band::Lagging),
        Some((0.0, Band::Lagging)),
    ))
    .unwrap();
    w.commit(&json!({})).unwrap();

    let mut w = store.begin_period(&meta("2026-07"), false).unwrap();
    w.add_network(&network(64500, "Example Transit", "NL")).unwrap();
    w.add_network(&network(64501, "Other Net", "NL")).unwrap();
    w.add_network(&network(64502, "EXAMPLE Access", "BR")).unwrap();
    let id = w.add_route(&route("192.0.2.0/24", 64500, RovState::Valid, true)).unwrap();
    w.add_route_vrp(id, &vrp("192.0.2.0/24", 24, 64500, true)).unwrap();
    let id = w.add_route(&route("198.51.100.0/24", 64500, RovState::Invalid, true)).unwrap();
    w.add_route_vrp(id, &vrp("198.51.100.0/22", 22, 64500, false)).unwrap();
    w.add_route(&route("203.0.113.0/24", 64500, RovState::NotFound, false)).unwrap();
    let id = w.add_route(&route("2001:db8::/32", 64501, RovState::Invalid, false)).unwrap();
    w.add_route_vrp(id, &vrp("2001:db8::/32", 32, 0, false)).unwrap();
    w.add_metrics(&MetricRow {
        figures: FigureRow {
            filtering_raw: Some(0.5),
            filtering: Score { value: Some(0.6), band: Some(Band::Aspiring) },
            contacts: Some(json!({"records": ["RIPE"], "contacts": [
                {"source": "RIPE", "role": "admin-c", "reference": "EX1-RIPE", "counts": true}]})),
            coordination: Score { value: Some(1.0), band: Some(Band::Ready) },
            ..FigureRow::default()
        },
        ..metric(64500, 1, 1, 1, Some(2), (0.0, Band::Lagging), Some((2.0 / 3.0, Band::Aspiring)))
    })
    .unwrap();
    w.add_metrics(&MetricRow {
        figures: FigureRow {
            filtering_raw: Some(0.0),
            filtering: Score { value: Some(1.0), band: Some(Band::Ready) },
            ..FigureRow::default()
        },
        ..metric(64501, 0, 1, 0, Some(0), (0.0, Band::Lagging), Some((0.0, Band::Lagging)))
    })
    .unwrap();
    w.add_incident(&IncidentRow {
        asn: Asn(64502),
        metric: "M3".into(),
        weight: 1.0,
        start: 1_782_864_000,
        end: 1_782_950_400,
        score: 2.0,
        confidence: None,
        summary: "originated bogon 100.64.0.0/24".into(),
        evidence: json!([{"prefix": "100.64.0.0/24", "origin": 64502, "tags": ["rfc6598"]}]),
    })
    .unwrap();
    w.add_incident(&IncidentRow {
        asn: Asn(64500),
        metric: "M2".into(),
        weight: 1.0,
        start: 1_782_864_000,
        end: 1_782_865_000,
        score: 0.5,
        confidence: Some(0.8),
        summary: "announced 192.0.2.128/25 of AS64496".into(),
        evidence: json!([{"prefix": "192.0.2.128/25", "origin": 64500,
            "first": {"time": 1_782_864_000, "collector": "rrc00", "peerIp": "192.0.2.1", "peerAsn": 3356, "path": [3356, 64500]},
            "tags": ["sub-moas"]}]),
    })
    .unwrap();
    w.commit(&json!({})).unwrap();
    drop(store);

    let state = manrs_web::AppState::open(&path).unwrap();
    Fixture { _dir: dir, app: manrs_web::router(Arc::clone(&state)) }
}

async fn get(app: &Router, uri: &str) -> (StatusCode, String, String) {
    get_with(app, uri, None).await
}

async fn get_with(app: &Router, uri: &str, accept: Option<&str>) -> (StatusCode, String, String) {
    let mut req = Request::builder().uri(uri);
    if let Some(a) = accept {
        req = req.header(header::ACCEPT, a);
    }
    let resp = app.clone().oneshot(req.body(Body::empty()).unwrap()).await.unwrap();
    let status = resp.status();
    let ctype = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    (status, ctype, String::from_utf8(body.to_vec()).unwrap())
}

async fn json_ok(app: &Router, uri: &str) -> Value {
    let (status, ctype, body) = get(app, uri).await;
    assert_eq!(status, StatusCode::OK, "{uri}: {body}");
    assert!(ctype.starts_with("application/json"), "{uri}: {ctype}");
    serde_json::from_str(&body).unwrap()
}

async fn html_ok(app: &Router, uri: &str) -> String {
    let (status, ctype, body) = get(app, uri).await;
    assert_eq!(status, StatusCode::OK, "{uri}: {body}");
    assert!(ctype.starts_with("text/html"), "{uri}");
    body
}

async fn error(app: &Router, uri: &str, want: StatusCode) -> String {
    let (status, ctype, body) = get(app, uri).await;
    assert_eq!(status, want, "{uri}: {body}");
    assert!(ctype.starts_with("application/json"), "{uri}: {ctype}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["error"]["status"], want.as_u16());
    v["error"]["message"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn networks_are_listed_paged_and_filtered() {
    let f = fixture();
    let v = json_ok(&f.app, "/api/v2/ases").await;
    assert_eq!(v["month"], "2026-07");
    assert_eq!(v["total"], 3);
    let asns: Vec<u64> =
        v["ases"].as_array().unwrap().iter().map(|a| a["asn"].as_u64().unwrap()).collect();
    assert_eq!(asns, [64500, 64501, 64502]);
    let a = &v["ases"][0];
    assert_eq!(a["name"], "Example Transit");
    assert_eq!(a["economy"], "NL");
    assert_eq!(a["routes"], 3);
    assert_eq!(a["rpki"], json!({"valid": 1, "invalid": 1, "notFound": 1}));
    assert_eq!(a["scores"]["routingInformationRPKI"]["band"], "lagging");
    assert_eq!(a["scores"]["routingInformationIRR"]["band"], "aspiring");
    assert_eq!((a["incidents"].as_u64(), a["filteringPenalty"].as_f64()), (Some(1), Some(0.5)));
    assert!(v["ases"][2]["scores"].is_null());

    // Pages follow nextPageToken to the end.
    let p1 = json_ok(&f.app, "/api/v2/ases?limit=2").await;
    assert_eq!(p1["ases"].as_array().unwrap().len(), 2);
    let token = p1["nextPageToken"].as_str().unwrap();
    let p2 = json_ok(&f.app, &format!("/api/v2/ases?limit=2&pageToken={token}")).await;
    assert_eq!(p2["ases"][0]["asn"], 64502);
    assert!(p2["nextPageToken"].is_null());

    let nl = json_ok(&f.app, "/api/v2/ases?economies=nl").await;
    assert_eq!(nl["total"], 2);
    let q = json_ok(&f.app, "/api/v2/ases?q=example").await;
    assert_eq!(q["total"], 2);
    let old = json_ok(&f.app, "/api/v2/ases?month=2026-06-01T00:00:00Z").await;
    assert_eq!((old["month"].as_str(), old["total"].as_u64()), (Some("2026-06"), Some(2)));
}

#[tokio::test]
async fn one_network_with_history_and_evidence() {
    let f = fixture();
    // The history is the rolling year up to the period asked for.
    let june = json_ok(&f.app, "/api/v2/ases/64500?month=2026-06").await;
    assert_eq!(june["history"].as_array().unwrap().len(), 1);
    let v = json_ok(&f.app, "/api/v2/ases/AS64500").await;
    let ids: Vec<&str> =
        v["keyFigures"].as_array().unwrap().iter().map(|k| k["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "filtering",
            "antiSpoofing",
            "coordination",
            "routingInformationIRR",
            "routingInformationRPKI"
        ]
    );
    assert_eq!(
        v["keyFigures"][4],
        json!({"id": "routingInformationRPKI", "value": 0.0, "band": "lagging", "trend": -1.0}),
        "100 % in 2026-06"
    );
    assert_eq!(v["trendSince"], "2026-06");
    assert_eq!(
        v["keyFigures"][0],
        json!({"id": "filtering", "value": 0.6, "band": "aspiring", "trend": null}),
        "no filtering figure in 2026-06"
    );
    assert_eq!(
        v["keyFigures"][1],
        json!({"id": "antiSpoofing", "value": null, "band": "no_data_available", "trend": null})
    );
    assert_eq!(
        v["keyFigures"][2],
        json!({"id": "coordination", "value": 1.0, "band": "ready", "trend": null})
    );
    let h = v["history"].as_array().unwrap();
    assert_eq!(h.len(), 2);
    assert_eq!(
        (h[0]["month"].as_str(), h[0]["routingInformationRPKI"].as_f64()),
        (Some("2026-06"), Some(1.0))
    );
    assert_eq!((h[1]["month"].as_str(), h[1]["incidents"].as_u64()), (Some("2026-07"), Some(1)));

    let r = json_ok(&f.app, "/api/v2/ases/64500/routes?rpki=invalid").await;
    assert_eq!(r["total"], 1);
    let route = &r["routes"][0];
    assert_eq!(route["prefix"], "198.51.100.0/24");
    assert_eq!(route["vrps"][0]["reason"], "same origin, but /24 is longer than maxLength 22");
    let r = json_ok(&f.app, "/api/v2/ases/64501/routes?rpki=invalid").await;
    assert!(r["routes"][0]["vrps"][0]["reason"].as_str().unwrap().starts_with("AS0"));
    let r = json_ok(&f.app, "/api/v2/ases/64500/routes?irr=unregistered").await;
    let prefixes: Vec<&str> =
        r["routes"].as_array().unwrap().iter().map(|x| x["prefix"].as_str().unwrap()).collect();
    assert_eq!(prefixes, ["203.0.113.0/24"]);
    let r = json_ok(&f.app, "/api/v2/ases/64500/routes").await;
    assert_eq!(r["total"], 3);
    assert_eq!(r["routes"][0]["vrps"][0]["reason"], "authorises it");

    let d = json_ok(&f.app, "/api/v2/scores/details?asn=64500").await;
    assert_eq!(d["evidence"]["invalidCount"], 1);
    assert_eq!(d["evidence"]["unregisteredCount"], 1);
    assert_eq!(d["incidents"][0]["metric"], "M2");
    assert_eq!(d["history"].as_array().unwrap().len(), 2);

    // An AS with incidents but no route is found; one with neither is not.
    let b = json_ok(&f.app, "/api/v2/ases/64502").await;
    assert_eq!((b["incidents"].as_u64(), b["filteringPenalty"].as_f64()), (Some(1), Some(2.0)));
    let msg = error(&f.app, "/api/v2/ases/64999", StatusCode::NOT_FOUND).await;
    assert!(msg.contains("AS64999"), "{msg}");
    error(&f.app, "/api/v2/scores/details?asn=64999", StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn incidents_scores_summary_and_economies() {
    let f = fixture();
    let all = json_ok(&f.app, "/api/v2/incidents").await;
    assert_eq!(all["total"], 2);
    let m3 = json_ok(&f.app, "/api/v2/incidents?metric=m3").await;
    assert_eq!((m3["total"].as_u64(), m3["incidents"][0]["asn"].as_u64()), (Some(1), Some(64502)));
    let mine = json_ok(&f.app, "/api/v2/ases/64500/incidents").await;
    assert_eq!(mine["incidents"][0]["evidence"][0]["first"]["collector"], "rrc00");

    let s = json_ok(&f.app, "/api/v2/scores?asns=64501,AS64500").await;
    let asns: Vec<u64> =
        s["scores"].as_array().unwrap().iter().map(|x| x["asn"].as_u64().unwrap()).collect();
    assert_eq!(asns, [64501, 64500]);
    assert_eq!(s["scores"][1]["routingInformationIRRBand"], "aspiring");

    let sum = json_ok(&f.app, "/api/v2/scores/summary").await;
    assert_eq!(sum["previousMonth"], "2026-06");
    let rpki = &sum["scores"]["keyFigures"][4];
    assert_eq!(rpki["id"], "routingInformationRPKI");
    // 2026-07: both scored networks at 0; 2026-06: 1.0 and 0.0.
    assert_eq!((rpki["value"].as_f64(), rpki["trend"].as_f64()), (Some(0.0), Some(-0.5)));
    assert_eq!(rpki["severities"][2], json!({"id": "lagging", "count": 2, "percentage": 100.0}));
    let irr = &sum["scores"]["keyFigures"][3];
    // filtering: AS64500 at 0.6, AS64501 at 1.0; June had none scored.
    let filtering = &sum["scores"]["keyFigures"][0];
    assert_eq!(filtering["id"], "filtering");
    assert!((filtering["value"].as_f64().unwrap() - 0.8).abs() < 1e-12);
    assert!(filtering["trend"].is_null());
    assert_eq!(filtering["networks"], 2);
    let coordination = &sum["scores"]["keyFigures"][2];
    assert_eq!(
        (coordination["networks"].as_u64(), coordination["value"].as_f64()),
        (Some(1), Some(1.0))
    );
    assert_eq!(sum["scores"]["keyFigures"][1]["networks"], 0);
    let want = (2.0 / 3.0) / 2.0;
    assert!((irr["value"].as_f64().unwrap() - want).abs() < 1e-12);
    assert_eq!(sum["incidents"]["M3"], json!({"incidents": 1, "networks": 1}));
    let br = json_ok(&f.app, "/api/v2/scores/summary?region=BR").await;
    assert_eq!(br["networks"], 1);
    assert_eq!(br["incidents"]["M3"]["incidents"], 1);
    assert!(br["scores"]["keyFigures"][4]["value"].is_null());
    error(&f.app, "/api/v2/scores/summary?region=ZZ", StatusCode::NOT_FOUND).await;
    // UN M49 regions, by code or name: NL is in Western Europe, BR in
    // South America; Africa has no network here.
    let weu = json_ok(&f.app, "/api/v2/scores/summary?region=155").await;
    assert_eq!(
        (weu["networks"].as_u64(), weu["scope"]["regionName"].as_str()),
        (Some(2), Some("Western Europe"))
    );
    let sa = json_ok(&f.app, "/api/v2/scores/summary?region=south%20america").await;
    assert_eq!((sa["networks"].as_u64(), sa["scope"]["region"].as_str()), (Some(1), Some("005")));
    assert_eq!(sa["incidents"]["M3"]["incidents"], 1);
    error(&f.app, "/api/v2/scores/summary?region=Africa", StatusCode::NOT_FOUND).await;
    let msg =
        error(&f.app, "/api/v2/scores/summary?region=Atlantis", StatusCode::BAD_REQUEST).await;
    assert!(msg.contains("UN M49"), "{msg}");

    let r = json_ok(&f.app, "/api/v2/regions").await;
    assert_eq!(r["regions"].as_array().unwrap().len(), 1);
    assert_eq!(
        (r["regions"][0]["region"].as_str(), r["regions"][0]["networks"].as_u64()),
        (Some("ripencc"), Some(3))
    );
    let e = json_ok(&f.app, "/api/v2/economies").await;
    let nl =
        e["economies"].as_array().unwrap().iter().find(|x| x["economy"] == "NL").unwrap().clone();
    assert_eq!(
        (nl["networks"].as_u64(), nl["routes"].as_u64(), nl["invalid"].as_u64()),
        (Some(2), Some(4), Some(2))
    );
}

#[tokio::test]
async fn every_list_comes_as_csv() {
    let f = fixture();
    let (status, ctype, body) = get(&f.app, "/api/v2/ases?format=csv").await;
    assert_eq!(status, StatusCode::OK);
    assert!(ctype.starts_with("text/csv"), "{ctype}");
    let mut r = csv::Reader::from_reader(body.as_bytes());
    let headers = r.headers().unwrap().clone();
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 3);
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    assert_eq!(&rows[0][col("asn")], "64500");
    assert_eq!(&rows[0][col("scores.routingInformationRPKI.band")], "lagging");
    assert_eq!(&rows[2][col("name")], "EXAMPLE Access");

    let (_, ctype, body) = get_with(&f.app, "/api/v2/ases/64500/routes", Some("text/csv")).await;
    assert!(ctype.starts_with("text/csv"));
    assert_eq!(body.lines().count(), 4, "{body}");
    for uri in [
        "/api/v2/periods",
        "/api/v2/incidents",
        "/api/v2/scores",
        "/api/v2/economies",
        "/api/v2/ases/64500/incidents",
    ] {
        let (status, ctype, body) = get(&f.app, &format!("{uri}?format=csv")).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        assert!(ctype.starts_with("text/csv"), "{uri}");
        assert!(body.lines().count() >= 2, "{uri}: {body}");
    }
}

#[tokio::test]
async fn bad_input_is_named() {
    let f = fixture();
    let m = error(&f.app, "/api/v2/ases?colour=red", StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(m.contains("\"colour\""), "{m}");
    let m = error(&f.app, "/api/v2/ases?month=july", StatusCode::BAD_REQUEST).await;
    assert!(m.contains("july"), "{m}");
    let m = error(&f.app, "/api/v2/ases?month=2025-01", StatusCode::NOT_FOUND).await;
    assert!(m.contains("2026-06, ") || m.contains("2026-07, 2026-06"), "{m}");
    error(&f.app, "/api/v2/ases?limit=0", StatusCode::BAD_REQUEST).await;
    error(&f.app, "/api/v2/ases?limit=5000", StatusCode::BAD_REQUEST).await;
    error(&f.app, "/api/v2/ases?pageToken=abc", StatusCode::BAD_REQUEST).await;
    error(&f.app, "/api/v2/ases?format=xml", StatusCode::BAD_REQUEST).await;
    error(&f.app, "/api/v2/ases?economies=Netherlands", StatusCode::BAD_REQUEST).await;
    error(&f.app, "/api/v2/ases?limit=1&limit=2", StatusCode::BAD_REQUEST).await;
    error(&f.app, "/api/v2/ases/notanasn", StatusCode::BAD_REQUEST).await;
    error(&f.app, "/api/v2/ases/64500/routes?rpki=maybe", StatusCode::BAD_REQUEST).await;
    error(&f.app, "/api/v2/incidents?metric=M9", StatusCode::BAD_REQUEST).await;
    error(&f.app, "/api/v2/scores?asns=1,x", StatusCode::BAD_REQUEST).await;
    error(&f.app, "/api/v2/scores/details", StatusCode::BAD_REQUEST).await;
    error(&f.app, "/api/v2/no-such-thing", StatusCode::NOT_FOUND).await;
}

/// Every documented path answers, and rejects a parameter it does not
/// document.
#[tokio::test]
async fn the_openapi_document_matches_the_router() {
    let f = fixture();
    let doc = json_ok(&f.app, "/api/v2/openapi.json").await;
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 10);
    for (path, item) in paths {
        let params = item["get"]["parameters"].as_array().unwrap();
        let mut uri = path.replace("{asn}", "64500");
        let required: Vec<String> = params
            .iter()
            .filter(|p| p["in"] == "query" && p["required"] == true)
            .map(|p| format!("{}=64500", p["name"].as_str().unwrap()))
            .collect();
        if !required.is_empty() {
            uri = format!("{uri}?{}", required.join("&"));
        }
        let (status, _, body) = get(&f.app, &uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}: {body}");
        let sep = if uri.contains('?') { '&' } else { '?' };
        let (status, _, _) = get(&f.app, &format!("{uri}{sep}undocumented=1")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{uri}");
        for p in params.iter().filter(|p| p["in"] == "query") {
            let name = p["name"].as_str().unwrap();
            let (status, _, body) = get(&f.app, &format!("{uri}{sep}{name}=")).await;
            assert_ne!(status, StatusCode::UNPROCESSABLE_ENTITY, "{uri} {name}: {body}");
        }
    }
}

#[tokio::test]
async fn pages_render_real_values() {
    let f = fixture();
    let page = |uri: &'static str| html_ok(&f.app, uri);
    let o = page("/").await;
    assert!(o.contains("State of routing security, 2026-07"));
    assert!(o.contains(r#"id="networks">3<"#), "networks card");
    assert!(o.contains(r#"id="valid-share">25.0%<"#), "1 of 4 routes valid");
    assert!(o.contains(r#"href="/economies/NL?month=2026-07""#));
    // The map has a dot per economy, the larger one for two networks.
    let dot = |cc: &str| -> f64 {
        let at = o.find(&format!(r#"data-cc="{cc}""#)).unwrap_or_else(|| panic!("dot {cc}"));
        let r = &o[at..];
        let r = &r[r.find(" r=\"").unwrap() + 4..];
        r[..r.find('"').unwrap()].parse().unwrap()
    };
    assert!(dot("NL") > dot("BR"), "NL has two networks, BR one");
    assert!(o.contains("Netherlands"));
    let n = page("/networks/64500").await;
    assert!(n.contains("Example Transit"));
    assert!(n.contains("198.51.100.0&#x2f;24") || n.contains("198.51.100.0/24"));
    assert!(
        n.contains("same origin, but &#x2f;24 is longer than maxLength 22")
            || n.contains("same origin, but /24 is longer than maxLength 22"),
        "VRP reason"
    );
    assert!(n.contains("announced 192.0.2.128"), "incident");
    assert!(n.contains("https://rdap.org/autnum/64500"));
    // The Action 1-3 figures and why.
    assert!(n.contains(r#"<div class="k">filtering</div><div class="v">60.0%</div>"#), "filtering");
    assert!(n.contains(r#"<div class="k">antiSpoofing</div><div class="v">no data</div>"#));
    assert!(n.contains("contacts published in RIPE (admin-c EX1-RIPE)"), "coordination evidence");
    assert!(n.contains("no Spoofer session tested this network"), "antiSpoofing explained");
    assert!(o.contains(r#"id="no-spoofer""#) && !o.contains(r#"id="no-contacts""#), "overview");
    let old = page("/networks/64500?month=2026-06").await;
    assert!(old.contains("100.0%"));
    assert!(old.contains("filtering: no data, the period has no MRT input"), "no raw penalty");
    let r = page("/regions/ripencc").await;
    assert!(r.contains("Region RIPE NCC") && r.contains(r#"id="eco-networks">3<"#));
    assert!(o.contains(r#"href="/regions/ripencc?month=2026-07""#));
    let e = page("/economies/nl").await;
    assert!(e.contains(r#"id="eco-networks">2<"#));
    assert!(e.contains("Netherlands"));
    let c = page("/compare").await;
    assert!(c.contains("Compare 2026-06 and 2026-07"));
    let s = page("/search?q=example").await;
    assert!(
        s.contains("/networks/64500?month=2026-07") && s.contains("/networks/64502?month=2026-07")
    );
    let s = page("/search?q=2001:db8::/32").await;
    assert!(s.contains(r#"id="prefix-routes""#) && s.contains("AS64501"));

    let (status, _, _) = get(&f.app, "/search?q=AS64500").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, ctype, body) = get(&f.app, "/networks/64999").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(ctype.starts_with("text/html") && body.contains("AS64999"));
    let (status, _, _) = get(&f.app, "/assets/vendor/uplot/uPlot.iife.min.js").await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = get(&f.app, "/assets/nothing.js").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn status_and_metrics() {
    let f = fixture();
    get(&f.app, "/api/v2/ases/64500").await;
    get(&f.app, "/api/v2/ases/64501").await;
    get(&f.app, "/api/v2/ases/bad").await;
    let s = json_ok(&f.app, "/status").await;
    assert_eq!(s["status"], "ok");
    assert_eq!(s["periods"].as_array().unwrap().len(), 2);
    assert_eq!(s["requests"], 3);
    let (status, ctype, text) = get(&f.app, "/metrics").await;
    assert_eq!(status, StatusCode::OK);
    assert!(ctype.starts_with("text/plain; version=0.0.4"));
    assert!(
        text.contains(r#"manrs_http_requests_total{route="/api/v2/ases/{asn}",status="200"} 2"#),
        "{text}"
    );
    assert!(
        text.contains(r#"manrs_http_requests_total{route="/api/v2/ases/{asn}",status="400"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(r#"manrs_http_request_duration_seconds_count{route="/api/v2/ases/{asn}"} 3"#)
    );
    assert!(text.contains("manrs_periods 2"));
}

/// A store with the network universe of manrs-spec §2.1: origins in
/// three economies of two M49 regions, a network seen only in AS paths
/// (no route, filtering only) and an origin whose AS number is not
/// delegated (listed, not aggregated); two periods for the comparison.
fn universe_fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("universe.db");
    let mut store = Store::open(&path).unwrap();
    let scored = |asn: u32, rpki: f64, filtering: f64| MetricRow {
        figures: FigureRow {
            filtering_raw: Some(0.0),
            filtering: Score { value: Some(filtering), band: Some(Band::Ready) },
            ..FigureRow::default()
        },
        ..metric(asn, 1, 0, 0, None, (rpki, Band::Ready), None)
    };
    for (m, nl_rpki) in [("2026-06", 0.5), ("2026-07", 1.0)] {
        let mut w = store.begin_period(&meta(m), false).unwrap();
        w.add_network(&network(64500, "Dutch Net", "NL")).unwrap();
        w.add_metrics(&scored(64500, nl_rpki, 1.0)).unwrap();
        w.add_network(&network(64501, "German Net", "DE")).unwrap();
        w.add_metrics(&scored(64501, 1.0, 1.0)).unwrap();
        w.add_network(&network(64502, "Brazilian Net", "BR")).unwrap();
        w.add_metrics(&scored(64502, 0.0, 1.0)).unwrap();
        if m == "2026-07" {
            let transit =
                NetworkRow { visibility: Visibility::Transit, ..network(64510, "Carrier", "DE") };
            w.add_network(&transit).unwrap();
            w.add_metrics(&MetricRow {
                routes: 0,
                valid: 0,
                rpki_value: None,
                rpki_band: None,
                ..scored(64510, 0.0, 0.5)
            })
            .unwrap();
            let squatter = NetworkRow {
                excluded: Some("not delegated: ripencc available".into()),
                ..network(64511, "Squatter", "NL")
            };
            w.add_network(&squatter).unwrap();
            w.add_metrics(&scored(64511, 0.0, 0.0)).unwrap();
        }
        w.commit(&json!({})).unwrap();
    }
    drop(store);
    let state = manrs_web::AppState::open(&path).unwrap();
    Fixture { _dir: dir, app: manrs_web::router(Arc::clone(&state)) }
}

#[tokio::test]
async fn region_pages_and_the_network_universe() {
    let f = universe_fixture();
    let page = |uri: &'static str| html_ok(&f.app, uri);
    // Europe: NL, DE and the transit network; the squatter is left out.
    let eu = page("/regions/150").await;
    assert!(eu.contains("Region Europe (150)"), "heading");
    assert!(eu.contains("3 networks (2 originating routes) in 2 economies"), "counts");
    assert!(eu.contains(r#"href="/economies/DE?month=2026-07""#), "DE listed");
    assert!(!eu.contains(r#"href="/economies/BR"#), "BR is not in Europe");
    assert!(eu.contains(r#"href="/regions/155?month=2026-07">Western Europe</a>"#), "parts");
    // routingInformationRPKI: mean over NL and DE, 100 %, up from 75 %
    // (+25 points); filtering over the three, (1 + 1 + 0.5) / 3.
    let row = |id: &str| {
        let at = eu.find(&format!("<tr><td>{id}</td>")).unwrap_or_else(|| panic!("{id} row"));
        eu[at..at + eu[at..].find("</tr>").unwrap()].to_string()
    };
    let rpki = row("routingInformationRPKI");
    assert!(rpki.contains("100.0%") && rpki.contains("75.0%") && rpki.contains("+25.0"), "{rpki}");
    // A network's trend: its RPKI figure rose from 50 % to 100 %.
    let nl = json_ok(&f.app, "/api/v2/ases/64500").await;
    assert_eq!(nl["trendSince"], "2026-06");
    let k = |id: &str| {
        nl["keyFigures"].as_array().unwrap().iter().find(|k| k["id"] == id).unwrap().clone()
    };
    assert_eq!(k("routingInformationRPKI")["trend"].as_f64(), Some(0.5));
    assert_eq!(k("filtering")["trend"].as_f64(), Some(0.0));
    assert!(k("antiSpoofing")["trend"].is_null(), "no data in either period");
    let p = page("/networks/64500").await;
    assert!(p.contains("+50.0 points since 2026-06"), "trend on the card");
    assert!(row("filtering").contains("83.3%"), "{}", row("filtering"));
    // By name, and a sub-region; an unknown name is a 404 naming M49.
    let we = page("/regions/Western%20Europe").await;
    assert!(we.contains("Region Western Europe (155)"));
    let sa = page("/regions/005?month=2026-06").await;
    assert!(sa.contains("1 networks (1 originating routes) in 1 economies"));
    assert!(sa.contains("No stored period before 2026-06"));
    let (status, _, body) = get(&f.app, "/regions/atlantis").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("UN M49"), "{body}");
    // The registry regions still work.
    let rir = page("/regions/ripencc").await;
    assert!(rir.contains(r#"id="eco-networks">4<"#), "{rir}");

    // A transit-only network: filtering, no Action 4 figures.
    let t = page("/networks/64510").await;
    assert!(t.contains(r#"id="kf-transit""#) && t.contains(r#"id="why-transit""#));
    assert!(t.contains(r#"<div class="k">filtering</div><div class="v">50.0%</div>"#));
    let j = json_ok(&f.app, "/api/v2/ases/64510").await;
    assert_eq!((j["visibility"].as_str(), j["routes"].as_u64()), (Some("transit"), Some(0)));
    let rpki =
        j["keyFigures"].as_array().unwrap().iter().find(|k| k["id"] == "routingInformationRPKI");
    assert_eq!(rpki.unwrap()["band"], "no_data_available");
    // An excluded network is explained and not aggregated.
    let x = page("/networks/64511").await;
    assert!(x.contains(r#"id="excluded""#) && x.contains("ripencc available"));
    let nl = json_ok(&f.app, "/api/v2/scores/summary?region=NL").await;
    assert_eq!(nl["networks"], 1);
    let all = json_ok(&f.app, "/api/v2/ases").await;
    assert_eq!(all["ases"].as_array().unwrap().len(), 5, "every network is listed");
}
