//! The programme through the router: accounts, sessions and CSRF, the
//! login rate limit, applying and the review, the participants table and
//! its CSV, feedback that rescores a network, conformance reports, and
//! every refusal (no login, wrong role, another participant's data, no
//! CSRF token), on a small store written here.

use std::collections::HashMap;
use std::net::SocketAddr;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use manrs_engine::{Band, Profile, Visibility};
use manrs_programme::auth::hash_password;
use manrs_store::{FigureRow, IncidentRow, MetricRow, NetworkRow, PeriodMeta, Store};
use manrs_types::{Asn, Month};
use serde_json::{Value, json};
use tower::ServiceExt;

const PASSWORD: &str = "correct horse battery";

struct Fixture {
    _dir: tempfile::TempDir,
    app: Router,
    path: std::path::PathBuf,
}

fn period(store: &mut Store, m: &str, incidents: &[(u32, &str, i64, f64)]) {
    let profile = Profile::default();
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
    for (asn, holder) in [(64500, "Example Transit"), (64501, "Other Net")] {
        w.add_network(&NetworkRow {
            asn: Asn(asn),
            holder: Some(holder.into()),
            country: Some("NL".into()),
            rir: None,
            status: None,
            visibility: Visibility::Origin,
            excluded: None,
        })
        .unwrap();
        let raw: f64 = incidents.iter().filter(|i| i.0 == asn).map(|i| i.3).sum();
        w.add_metrics(&MetricRow {
            asn: Asn(asn),
            routes: 2,
            valid: 1,
            invalid: 0,
            not_found: 1,
            irr_covered: None,
            rpki_value: Some(0.5),
            rpki_band: Some(Band::Aspiring),
            irr_value: None,
            irr_band: None,
            figures: FigureRow {
                filtering_raw: Some(raw),
                filtering: manrs_engine::scores::filtering(raw, &profile),
                ..FigureRow::default()
            },
        })
        .unwrap();
    }
    for (asn, metric, start, score) in incidents {
        w.add_incident(&IncidentRow {
            asn: Asn(*asn),
            metric: (*metric).into(),
            weight: 1.0,
            start: *start,
            end: start + 600,
            score: *score,
            confidence: None,
            summary: format!("{metric} of AS{asn} at {start}"),
            evidence: json!({}),
        })
        .unwrap();
    }
    w.commit(&json!({})).unwrap();
}

fn fixture(options: manrs_web::Options) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.db");
    let mut store = Store::open(&path).unwrap();
    period(&mut store, "2026-06", &[(64500, "M2", 1_780_000_000, 0.5)]);
    period(
        &mut store,
        "2026-07",
        &[
            (64500, "M2", 1_782_864_000, 0.5),
            (64500, "M3", 1_782_900_000, 0.25),
            (64501, "M2", 1_782_864_000, 1.0),
        ],
    );
    let h = hash_password(PASSWORD).unwrap();
    for (email, role) in [
        ("ops@example.net", "participant"),
        ("other@example.org", "participant"),
        ("audit@example.net", "auditor"),
    ] {
        store.create_user(email, role, &h, 1, None).unwrap();
    }
    drop(store);
    let state = manrs_web::AppState::open_with(&path, options).unwrap();
    Fixture { _dir: dir, app: manrs_web::router(state), path }
}

/// A browser: a cookie jar and a client address.
struct Client {
    app: Router,
    cookies: HashMap<String, String>,
    ip: [u8; 4],
    last_set_cookie: Vec<String>,
}

struct Resp {
    status: StatusCode,
    location: Option<String>,
    retry_after: Option<String>,
    body: String,
}

impl Resp {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
    fn message(&self) -> String {
        self.json()["error"]["message"].as_str().unwrap_or_default().to_string()
    }
}

impl Client {
    fn new(app: &Router, ip: [u8; 4]) -> Client {
        Client { app: app.clone(), cookies: HashMap::new(), ip, last_set_cookie: Vec::new() }
    }

    async fn send(
        &mut self,
        method: &str,
        uri: &str,
        ctype: Option<&str>,
        body: String,
        bearer: Option<&str>,
    ) -> Resp {
        let mut req = Request::builder().method(method).uri(uri);
        if !self.cookies.is_empty() {
            let c: Vec<String> = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
            req = req.header(header::COOKIE, c.join("; "));
        }
        if let Some(t) = ctype {
            req = req.header(header::CONTENT_TYPE, t);
        }
        if let Some(k) = bearer {
            req = req.header(header::AUTHORIZATION, format!("Bearer {k}"));
        }
        let mut req = req.body(Body::from(body)).unwrap();
        req.extensions_mut().insert(ConnectInfo(SocketAddr::from((self.ip, 40000))));
        let resp = self.app.clone().oneshot(req).await.unwrap();
        self.last_set_cookie.clear();
        for v in resp.headers().get_all(header::SET_COOKIE) {
            let v = v.to_str().unwrap().to_string();
            if let Some((k, rest)) = v.split(';').next().unwrap().split_once('=') {
                if v.contains("Max-Age=0") {
                    self.cookies.remove(k);
                } else {
                    self.cookies.insert(k.to_string(), rest.to_string());
                }
            }
            self.last_set_cookie.push(v);
        }
        let status = resp.status();
        let hv = |h| {
            resp.headers().get(h).map(|v: &header::HeaderValue| v.to_str().unwrap().to_string())
        };
        let (location, retry_after) = (hv(header::LOCATION), hv(header::RETRY_AFTER));
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        Resp { status, location, retry_after, body: String::from_utf8_lossy(&body).into_owned() }
    }

    async fn get(&mut self, uri: &str) -> Resp {
        self.send("GET", uri, None, String::new(), None).await
    }

    async fn post_form(&mut self, uri: &str, fields: &[(&str, &str)]) -> Resp {
        let body = serde_urlencoded::to_string(fields).unwrap();
        self.send("POST", uri, Some("application/x-www-form-urlencoded"), body, None).await
    }

    async fn api(&mut self, method: &str, uri: &str, key: Option<&str>, body: Value) -> Resp {
        let b = if body.is_null() { String::new() } else { body.to_string() };
        self.send(method, uri, Some("application/json"), b, key).await
    }

    /// The CSRF token of the form on a page.
    async fn csrf(&mut self, uri: &str) -> String {
        let r = self.get(uri).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}: {}", r.body);
        let at = r
            .body
            .find(r#"name="csrf" value=""#)
            .unwrap_or_else(|| panic!("no csrf field on {uri}"));
        r.body[at + 19..at + 19 + 64].to_string()
    }

    async fn login(&mut self, email: &str) {
        let csrf = self.csrf("/login").await;
        let r = self
            .post_form(
                "/login",
                &[
                    ("csrf", &csrf),
                    ("email", email),
                    ("password", PASSWORD),
                    ("next", "/programme"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "login {email}: {}", r.body);
        assert!(self.cookies.contains_key("manrs_session"));
    }

    async fn key(&mut self, email: &str) -> String {
        let r = self
            .api(
                "POST",
                "/api/v2/auth/login",
                None,
                json!({"login": {"email": email, "password": PASSWORD}}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        r.json()["key"].as_str().unwrap().to_string()
    }
}

fn netops_application(asns: &[u32]) -> Value {
    json!({
        "programme": "network-operators",
        "organisation": "Example Networks",
        "areas": ["NL"],
        "asns": asns,
        "actions": [
            {"action": 1, "implemented": true, "description": "prefix filters from IRR", "evidence": ["https://example.net/routing-policy"]},
            {"action": 2, "implemented": false},
            {"action": 3, "implemented": true, "description": "PeeringDB and RIPE contacts"},
            {"action": 4, "implemented": true, "description": "ROAs for all prefixes"},
        ],
    })
}

#[tokio::test]
async fn sessions_have_secure_cookies_and_forms_need_csrf() {
    let fx = fixture(manrs_web::Options { secure_cookies: true });
    let mut c = Client::new(&fx.app, [192, 0, 2, 1]);
    // A form without a token, or with another one, is refused before the password is read.
    let r = c.post_form("/login", &[("email", "ops@example.net"), ("password", PASSWORD)]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(r.body.contains("CSRF token is missing or wrong"), "{}", r.body);
    let csrf = c.csrf("/login").await;
    assert!(c.last_set_cookie.is_empty() || c.last_set_cookie[0].contains("HttpOnly"));
    let r = c
        .post_form(
            "/login",
            &[("csrf", &"0".repeat(64)), ("email", "ops@example.net"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = c
        .post_form(
            "/login",
            &[
                ("csrf", &csrf),
                ("email", "ops@example.net"),
                ("password", PASSWORD),
                ("next", "https://evil.example/"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location.as_deref(), Some("/programme"), "no open redirect");
    let set = c.last_set_cookie.iter().find(|v| v.starts_with("manrs_session=")).unwrap().clone();
    for attr in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
        assert!(set.contains(attr), "{attr} in {set}");
    }
    // Logged in: a session form without the session's token is refused.
    let r = c
        .post_form("/programme/apply", &[("programme", "network-operators"), ("organisation", "X")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = c
        .post_form("/programme/apply", &[("csrf", &csrf), ("programme", "network-operators")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "the login form's token is not the session's");
    let r = c.post_form("/logout", &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let token = c.csrf("/programme").await;
    let r = c.post_form("/logout", &[("csrf", &token)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(!c.cookies.contains_key("manrs_session"));
    let r = c.get("/programme").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location.as_deref(), Some("/login?next=/programme"));

    // Without Secure configured, the cookie has no Secure attribute.
    let fx = fixture(manrs_web::Options::default());
    let mut c = Client::new(&fx.app, [192, 0, 2, 1]);
    c.login("ops@example.net").await;
    let set = c.last_set_cookie.iter().find(|v| v.starts_with("manrs_session=")).unwrap();
    assert!(set.contains("HttpOnly") && !set.contains("Secure"), "{set}");
}

#[tokio::test]
async fn registration_and_api_keys() {
    let fx = fixture(manrs_web::Options::default());
    let mut c = Client::new(&fx.app, [192, 0, 2, 1]);
    let csrf = c.csrf("/register").await;
    let r = c
        .post_form(
            "/register",
            &[
                ("csrf", &csrf),
                ("email", "new@example.com"),
                ("password", "short"),
                ("password2", "short"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("10 to 1024 characters"), "{}", r.body);
    let r = c
        .post_form(
            "/register",
            &[
                ("csrf", &csrf),
                ("email", "ops@example.net"),
                ("password", PASSWORD),
                ("password2", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = c
        .post_form(
            "/register",
            &[
                ("csrf", &csrf),
                ("email", "New@Example.com"),
                ("password", PASSWORD),
                ("password2", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = c.get("/programme").await;
    assert!(r.body.contains("new@example.com (participant)"), "{}", r.body);
    // API: no key is 401, a login key makes a long-lived key.
    let r = c.api("GET", "/api/v2/applications", None, Value::Null).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.message().contains("Authorization: Bearer"), "{}", r.body);
    let r = c.api("GET", "/api/v2/applications", Some("nonsense"), Value::Null).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let login = c.key("new@example.com").await;
    let r =
        c.api("POST", "/api/v2/keys", Some(&login), json!({"key": {"description": "robot"}})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let key = r.json()["key"].as_str().unwrap().to_string();
    let r = c.api("GET", "/api/v2/applications", Some(&key), Value::Null).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // The store keeps hashes only.
    let store = Store::open_existing(&fx.path).unwrap();
    assert!(store.user_by_api_key(&key).unwrap().is_none());
    assert!(store.user_by_api_key(&manrs_programme::auth::token_hash(&key)).unwrap().is_some());
    // A bad body names the problem.
    let r = c.api("POST", "/api/v2/keys", Some(&key), json!({"key": {"descr": 1}})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.message().contains("unknown field `descr`"), "{}", r.body);
}

#[tokio::test]
async fn wrong_passwords_are_rate_limited() {
    let fx = fixture(manrs_web::Options::default());
    let mut c = Client::new(&fx.app, [198, 51, 100, 7]);
    let login = |email: &str, pw: &str| json!({"login": {"email": email, "password": pw}});
    for i in 0..manrs_web::auth::PER_ACCOUNT {
        let r = c
            .api("POST", "/api/v2/auth/login", None, login("ops@example.net", "wrong password"))
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "attempt {i}");
        assert_eq!(r.message(), "wrong e-mail address or password");
    }
    // Now even the right password is refused, with the time to wait.
    let r = c.api("POST", "/api/v2/auth/login", None, login("ops@example.net", PASSWORD)).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    assert!(r.message().starts_with("too many failed logins"), "{}", r.body);
    let wait: u64 = r.retry_after.unwrap().parse().unwrap();
    assert!(wait > 800 && wait <= 900, "{wait}");
    // The same through the login form, from another address.
    let mut b = Client::new(&fx.app, [203, 0, 113, 9]);
    let csrf = b.csrf("/login").await;
    let r = b
        .post_form(
            "/login",
            &[("csrf", &csrf), ("email", "ops@example.net"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.retry_after.is_some() && r.body.contains("too many failed logins"));
    // Another account is not blocked...
    b.key("other@example.org").await;
    // ... until one address has failed too often, whatever the accounts.
    for i in 0..manrs_web::auth::PER_IP {
        let r = b
            .api("POST", "/api/v2/auth/login", None, login(&format!("nobody{i}@example.com"), "x"))
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let r = b.api("POST", "/api/v2/auth/login", None, login("audit@example.net", PASSWORD)).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "per address");
    // A third address still logs in to an account without failures.
    Client::new(&fx.app, [192, 0, 2, 200]).key("audit@example.net").await;
}

#[tokio::test]
async fn apply_review_approve_listed() {
    let fx = fixture(manrs_web::Options::default());
    let mut ops = Client::new(&fx.app, [192, 0, 2, 1]);
    let mut other = Client::new(&fx.app, [192, 0, 2, 2]);
    let mut audit = Client::new(&fx.app, [192, 0, 2, 3]);
    let ops_key = ops.key("ops@example.net").await;
    let other_key = other.key("other@example.org").await;
    let audit_key = audit.key("audit@example.net").await;

    // An incomplete application: every problem named, 422.
    let mut bad = netops_application(&[64500]);
    bad["actions"][2]["implemented"] = json!(false);
    bad["areas"] = json!(["Netherlands"]);
    let r = ops.api("POST", "/api/v2/applications", Some(&ops_key), bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let m = r.message();
    assert!(
        m.contains("area \"Netherlands\" is not an ISO 3166")
            && m.contains("Action 3 (Coordination) is mandatory"),
        "{m}"
    );

    // Through the web form.
    ops.login("ops@example.net").await;
    let csrf = ops.csrf("/programme/apply?programme=network-operators").await;
    let fields = [
        ("csrf", csrf.as_str()),
        ("programme", "network-operators"),
        ("organisation", "Example Networks"),
        ("areas", "NL, BE"),
        ("asns", "AS64500"),
        ("a1", "yes"),
        ("a1_description", "prefix filters from IRR"),
        ("a1_evidence", "https://example.net/policy"),
        ("a3", "yes"),
        ("a3_description", "PeeringDB"),
        ("a4", "yes"),
        ("a4_description", "ROAs"),
    ];
    let r = ops.post_form("/programme/apply", &fields[..fields.len() - 2]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "Action 4 missing");
    assert!(r.body.contains("Action 4 (Global Validation) is mandatory"), "{}", r.body);
    let r = ops.post_form("/programme/apply", &fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = r.location.unwrap();
    let id: i64 = page.rsplit('/').next().unwrap().parse().unwrap();
    let r = ops.get(&page).await;
    assert!(r.body.contains(r#"id="application-status">submitted<"#), "{}", r.body);
    assert!(!r.body.contains("decision-form"), "no review for the applicant");

    // Another participant sees neither the page nor the JSON; nor can it decide.
    other.login("other@example.org").await;
    assert_eq!(other.get(&page).await.status, StatusCode::FORBIDDEN);
    let r = other
        .api("GET", &format!("/api/v2/applications/{id}"), Some(&other_key), Value::Null)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.message(), format!("application {id} is not yours"));
    let r = other.api("GET", "/api/v2/applications", Some(&other_key), Value::Null).await;
    assert_eq!(r.json()["applications"], json!([]));
    let r = other
        .api(
            "POST",
            &format!("/api/v2/applications/{id}/decision"),
            Some(&other_key),
            json!({"decision": "approve"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(other.get("/programme/audit").await.status, StatusCode::FORBIDDEN);
    let token = other.csrf("/programme").await;
    let r = other
        .post_form(
            &format!("/programme/applications/{id}/decision"),
            &[("csrf", &token), ("decision", "approve")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = ops
        .api(
            "POST",
            &format!("/api/v2/applications/{id}/decision"),
            Some(&ops_key),
            json!({"decision": "approve"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "not even one's own");

    // The auditor's review shows the readiness history and the open incidents.
    audit.login("audit@example.net").await;
    let r = audit.get("/programme").await;
    assert!(
        r.body.contains(&format!(r#"href="/programme/applications/{id}">#{id}<"#)),
        "pending list"
    );
    let r = audit.get(&page).await;
    assert!(
        r.body.contains("decision-form") && r.body.contains("newest period 2026-07"),
        "{}",
        r.body
    );
    assert!(r.body.contains("Open incidents: 2") && r.body.contains("M3 of AS64500"), "{}", r.body);
    let j = audit
        .api("GET", &format!("/api/v2/applications/{id}"), Some(&audit_key), Value::Null)
        .await
        .json();
    assert_eq!(j["review"]["networks"][0]["history"].as_array().unwrap().len(), 2);
    // Changes asked, then submitted again, then approved; a reason is needed to ask for changes.
    let r = audit
        .api(
            "POST",
            &format!("/api/v2/applications/{id}/decision"),
            Some(&audit_key),
            json!({"decision": "changes"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let token = audit.csrf(&page).await;
    let r = audit
        .post_form(
            &format!("/programme/applications/{id}/decision"),
            &[("csrf", &token), ("decision", "changes"), ("reason", "add AS64501")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = ops
        .api(
            "POST",
            &format!("/api/v2/applications/{id}"),
            Some(&ops_key),
            netops_application(&[64500, 64501]),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = audit
        .api(
            "POST",
            &format!("/api/v2/applications/{id}/decision"),
            Some(&audit_key),
            json!({"decision": "approve", "reason": "complete"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["status"], "approved");
    let r = audit
        .api(
            "POST",
            &format!("/api/v2/applications/{id}/decision"),
            Some(&audit_key),
            json!({"decision": "reject", "reason": "x"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.message(), format!("application {id} is approved, not waiting for review"));
    let r = audit
        .api(
            "POST",
            "/api/v2/applications/999/decision",
            Some(&audit_key),
            json!({"decision": "approve"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = audit
        .api(
            "POST",
            "/api/v2/feedback/999/decision",
            Some(&audit_key),
            json!({"decision": "accept"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = audit
        .api(
            "POST",
            "/api/v2/applications/x/decision",
            Some(&audit_key),
            json!({"decision": "approve"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    // Listed: the public table, the API and the CSV, with key figures.
    let r = Client::new(&fx.app, [192, 0, 2, 50])
        .get("/participants?programme=network-operators")
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains(r#"<td class="name">Example Networks</td>"#), "{}", r.body);
    let j = ops.api("GET", "/api/v2/participants?asn=64501", None, Value::Null).await.json();
    let p = &j["participants"][0];
    assert_eq!(
        (p["name"].as_str(), p["asns"].clone(), p["status"].as_str()),
        (Some("Example Networks"), json!([64500, 64501]), Some("approved"))
    );
    assert_eq!(p["areasServed"], json!(["NL"]));
    assert_eq!(p["filtering"]["conformance"], true);
    assert_eq!(p["antiSpoofing"]["conformance"], false);
    // filtering is the mean of the two networks' figures in 2026-07.
    let profile = Profile::default();
    let want = (manrs_engine::scores::filtering(0.75, &profile).value.unwrap()
        + manrs_engine::scores::filtering(1.0, &profile).value.unwrap())
        / 2.0;
    assert!((p["filtering"]["score"]["value"].as_f64().unwrap() - want).abs() < 1e-12, "{p}");
    assert_eq!(p["routingInformation"]["scoreRpki"]["value"], 0.5);
    let j = ops.api("GET", "/api/v2/asns", None, Value::Null).await.json();
    assert_eq!(j["asns"], json!([64500, 64501]));
    let r = ops.get("/api/v2/participants?programme=network-operators&format=csv").await;
    let header = r.body.lines().next().unwrap();
    assert!(
        header.contains("name")
            && header.contains("action1")
            && header.contains("action4.routingInformationRPKI"),
        "{header}"
    );
    assert!(r.body.lines().nth(1).unwrap().contains("Example Networks"), "{}", r.body);
    assert_eq!(
        ops.get("/api/v2/participants?programme=isps").await.status,
        StatusCode::BAD_REQUEST
    );
    // The audit log has every decision.
    let r = audit.get("/programme/audit").await;
    for a in [
        "application.submit",
        "application.changes-requested",
        "application.resubmit",
        "application.approved",
    ] {
        assert!(r.body.contains(&format!(r#"<td class="action">{a}</td>"#)), "{a}");
    }
}

/// Approves an application of `asns` for ops@example.net; returns the participant id.
async fn approved(fx: &Fixture, asns: &[u32]) -> String {
    let mut ops = Client::new(&fx.app, [192, 0, 2, 1]);
    let mut audit = Client::new(&fx.app, [192, 0, 2, 3]);
    let k = ops.key("ops@example.net").await;
    let a = audit.key("audit@example.net").await;
    let r = ops.api("POST", "/api/v2/applications", Some(&k), netops_application(asns)).await;
    let id = r.json()["id"].as_i64().unwrap();
    let r = audit
        .api(
            "POST",
            &format!("/api/v2/applications/{id}/decision"),
            Some(&a),
            json!({"decision": "approve"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let j = ops.api("GET", "/api/v2/participants", None, Value::Null).await.json();
    j["participants"][0]["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn feedback_accepted_rescores_the_network() {
    let fx = fixture(manrs_web::Options::default());
    let pid = approved(&fx, &[64500]).await;
    let mut ops = Client::new(&fx.app, [192, 0, 2, 1]);
    let mut other = Client::new(&fx.app, [192, 0, 2, 2]);
    let mut audit = Client::new(&fx.app, [192, 0, 2, 3]);
    let (k, ok, a) = (
        ops.key("ops@example.net").await,
        other.key("other@example.org").await,
        audit.key("audit@example.net").await,
    );
    let store = Store::open_existing(&fx.path).unwrap();
    let m: Month = "2026-07".parse().unwrap();
    let incidents = store.incident_refs(m, Asn(64500)).unwrap();
    let m2 = incidents.iter().find(|i| i.row.metric == "M2").unwrap().id;
    let theirs = store.incident_refs(m, Asn(64501)).unwrap()[0].id;

    // Only for one's own ASNs; other accounts see nothing of it.
    let r = ops
        .api(
            "POST",
            "/api/v2/feedback",
            Some(&k),
            json!({"incident": theirs, "asn": 64501, "verdict": "other", "comment": "not ours"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = other
        .api(
            "POST",
            "/api/v2/feedback",
            Some(&ok),
            json!({"incident": m2, "asn": 64500, "verdict": "other", "comment": "x"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    other.login("other@example.org").await;
    assert_eq!(other.get("/programme/incidents/64500").await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        other.get(&format!("/programme/participants/{pid}/report")).await.status,
        StatusCode::FORBIDDEN
    );
    let r = other
        .api("GET", &format!("/api/v2/participants/{pid}/report"), Some(&ok), Value::Null)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = ops
        .api(
            "POST",
            "/api/v2/feedback",
            Some(&k),
            json!({"incident": m2, "asn": 64500, "verdict": "maybe", "comment": "x"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.message().contains("expected one of legitimate-change"), "{}", r.body);
    let r = ops
        .api(
            "POST",
            "/api/v2/feedback",
            Some(&k),
            json!({"incident": 999_999, "asn": 64500, "verdict": "other", "comment": "x"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // Through the form, with the session's CSRF token.
    ops.login("ops@example.net").await;
    let page = ops.get("/programme/incidents/64500?month=2026-07").await;
    assert!(page.body.contains(&format!(r#"id="incident-{m2}""#)), "{}", page.body);
    let token = ops.csrf("/programme/incidents/64500?month=2026-07").await;
    let form = [
        ("asn", "64500"),
        ("month", "2026-07"),
        ("incident", &m2.to_string()),
        ("verdict", "legitimate-change"),
        ("comment", "our customer's prefix, LOA on file"),
    ];
    let r = ops.post_form("/programme/feedback", &form).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "no token");
    let mut with = form.to_vec();
    with.push(("csrf", &token));
    let r = ops.post_form("/programme/feedback", &with).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let fb = ops.api("GET", "/api/v2/feedback", Some(&k), Value::Null).await.json();
    let fid = fb["feedback"][0]["id"].as_i64().unwrap();
    assert_eq!(fb["feedback"][0]["status"], "pending");
    assert_eq!(
        other.api("GET", "/api/v2/feedback", Some(&ok), Value::Null).await.json()["feedback"],
        json!([])
    );
    let r = ops
        .api(
            "POST",
            &format!("/api/v2/feedback/{fid}/decision"),
            Some(&k),
            json!({"decision": "accept"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "participants do not judge their own feedback");

    // Accepted: filtering recomputed without the incident, the period's own figure kept.
    let before = store.metrics(m, Asn(64500)).unwrap().unwrap().figures.filtering;
    let r = audit
        .api(
            "POST",
            &format!("/api/v2/feedback/{fid}/decision"),
            Some(&a),
            json!({"decision": "accept", "reason": "checked"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let profile = Profile::default();
    let after = manrs_engine::scores::filtering(0.25, &profile).value.unwrap();
    assert_eq!(r.json()["filtering"]["after"].as_f64(), Some(after));
    assert_eq!(r.json()["filtering"]["before"].as_f64(), before.value);
    assert_eq!(
        store.metrics(m, Asn(64500)).unwrap().unwrap().figures.filtering,
        before,
        "period unchanged"
    );
    let j = ops.api("GET", "/api/v2/participants", None, Value::Null).await.json();
    let n = &j["participants"][0]["networks"][0];
    assert_eq!(n["scores"]["filtering"]["value"].as_f64(), Some(after));
    assert_eq!(n["filteringAdjusted"]["originalValue"].as_f64(), before.value);
    // The public network figure is still the period's.
    let j = ops.api("GET", "/api/v2/ases/64500?month=2026-07", None, Value::Null).await.json();
    assert_eq!(j["scores"]["filtering"]["value"].as_f64(), before.value);
    let page = ops.get("/programme/incidents/64500?month=2026-07").await;
    assert!(page.body.contains("filtering-adjusted"), "{}", page.body);

    // The conformance report: figures, change since June, incidents to verify.
    let rep = ops
        .api(
            "GET",
            &format!("/api/v2/participants/{pid}/report?month=2026-07"),
            Some(&k),
            Value::Null,
        )
        .await
        .json();
    assert_eq!(rep["previousMonth"], "2026-06");
    let f = rep["keyFigures"].as_array().unwrap().iter().find(|f| f["id"] == "filtering").unwrap();
    let june = manrs_engine::scores::filtering(0.5, &profile).value.unwrap();
    assert_eq!(f["value"].as_f64(), Some(after));
    assert_eq!(f["previous"].as_f64(), Some(june));
    assert!((f["change"].as_f64().unwrap() - (after - june)).abs() < 1e-12);
    assert_eq!(rep["incidents"]["total"], 2);
    assert_eq!(rep["incidents"]["change"], 1);
    let verify = rep["incidents"]["list"][0]["verifyUrl"].as_str().unwrap();
    assert_eq!(verify, "/programme/incidents/64500?month=2026-07");
    let html = ops.get(&format!("/programme/participants/{pid}/report?month=2026-07")).await;
    assert!(html.body.contains("Non-compliance incidents: 2 (+1 since 2026-06)"), "{}", html.body);
}
