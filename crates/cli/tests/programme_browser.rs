//! The programme in a real browser, on the demo database: headless Chromium
//! driven through the DevTools protocol (a small WebSocket client written
//! here) fills and submits the real forms with the real session cookies
//! and CSRF tokens.
//!
//! * apply -> review -> approve -> listed: an organisation registers,
//!   applies for a demo network with incidents, the auditor (created with
//!   `manrs admin create-user`) reviews it beside the network's readiness
//!   history and open incidents and approves it, and the organisation is
//!   listed in the public participants table with the figures the API
//!   gives. On the way, form posts without the session's CSRF token are
//!   refused: from the site itself (403) and from another origin (the
//!   `SameSite=Strict` session cookie is not sent; nothing is stored).
//! * feedback -> accept -> rescored: the participant marks one of its
//!   incidents as a false positive, the auditor accepts it, and the page
//!   shows `filtering` recomputed without it (the engine's function, the
//!   period's profile) while the period's own figure stays.
//!
//! Needs Chromium (`chromium` on PATH, or MANRS_CHROMIUM). Without it the
//! test says so and passes, unless MANRS_REQUIRE_BROWSER is set.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use manrs_store::Store;
use manrs_types::{Asn, Month};
use serde_json::{Value, json};

mod common;
use common::{Killed, chromium_or_skip, get_json};

/// The DevTools target list (HTTP/1.1; the endpoint ignores HTTP/1.0).
fn devtools_list(port: &str) -> String {
    let Ok(mut s) = TcpStream::connect(format!("127.0.0.1:{port}")) else { return String::new() };
    let _ =
        write!(s, "GET /json/list HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let mut text = Vec::new();
    let _ = s.read_to_end(&mut text);
    let text = String::from_utf8_lossy(&text);
    text.split_once("\r\n\r\n").map(|x| x.1.to_string()).unwrap_or_default()
}

/// A WebSocket client, just enough for the DevTools protocol: masked text
/// frames out, unmasked (possibly fragmented) frames in.
struct WebSocket {
    s: TcpStream,
}

impl WebSocket {
    fn connect(url: &str) -> WebSocket {
        let rest = url.strip_prefix("ws://").expect("a ws:// URL");
        let (host, path) = rest.split_once('/').unwrap();
        let mut s = TcpStream::connect(host).unwrap();
        write!(
            s,
            "GET /{path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        .unwrap();
        let mut head = Vec::new();
        let mut b = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            s.read_exact(&mut b).unwrap();
            head.push(b[0]);
        }
        let head = String::from_utf8_lossy(&head);
        assert!(head.starts_with("HTTP/1.1 101"), "WebSocket handshake: {head}");
        s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        WebSocket { s }
    }

    fn send(&mut self, text: &str) {
        let p = text.as_bytes();
        let mut f = vec![0x81u8];
        match p.len() {
            n if n < 126 => f.push(0x80 | n as u8),
            n if n <= 0xffff => {
                f.push(0x80 | 126);
                f.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                f.push(0x80 | 127);
                f.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        let mask = [0x12u8, 0x34, 0x56, 0x78];
        f.extend_from_slice(&mask);
        f.extend(p.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        self.s.write_all(&f).unwrap();
    }

    fn recv(&mut self) -> String {
        let mut msg = Vec::new();
        loop {
            let mut h = [0u8; 2];
            self.s.read_exact(&mut h).unwrap();
            let len = match h[1] & 0x7f {
                126 => {
                    let mut b = [0u8; 2];
                    self.s.read_exact(&mut b).unwrap();
                    u64::from(u16::from_be_bytes(b))
                }
                127 => {
                    let mut b = [0u8; 8];
                    self.s.read_exact(&mut b).unwrap();
                    u64::from_be_bytes(b)
                }
                n => u64::from(n),
            };
            let mut payload = vec![0u8; usize::try_from(len).unwrap()];
            self.s.read_exact(&mut payload).unwrap();
            match h[0] & 0x0f {
                0x8 => panic!("the browser closed the DevTools connection"),
                0x9 | 0xa => continue,
                _ => msg.extend_from_slice(&payload),
            }
            if h[0] & 0x80 != 0 {
                return String::from_utf8(msg).unwrap();
            }
        }
    }
}

/// One browser tab driven through the DevTools protocol.
struct Tab {
    ws: WebSocket,
    next: u64,
}

impl Tab {
    fn call(&mut self, method: &str, params: Value) -> Value {
        self.next += 1;
        let id = self.next;
        self.ws.send(&json!({"id": id, "method": method, "params": params}).to_string());
        loop {
            let m: Value = serde_json::from_str(&self.ws.recv()).unwrap();
            if m["id"] == id {
                assert!(m["error"].is_null(), "{method}: {m}");
                return m["result"].clone();
            }
        }
    }

    fn eval(&mut self, js: &str) -> Value {
        let r = self.call(
            "Runtime.evaluate",
            json!({"expression": js, "returnByValue": true, "awaitPromise": true}),
        );
        assert!(r["exceptionDetails"].is_null(), "{js}: {r}");
        r["result"]["value"].clone()
    }

    /// Waits until a new document (not the one marked) has loaded.
    fn wait_new_page(&mut self) {
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(30) {
            let done =
                self.eval("window.__old === undefined && document.readyState === 'complete'");
            if done == json!(true) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("no new page after 30 s: {}", self.eval("location.href"));
    }

    fn go(&mut self, url: &str) {
        self.eval("window.__old = true");
        self.call("Page.navigate", json!({"url": url}));
        self.wait_new_page();
    }

    /// Runs `js` (which fills and submits a form) and waits for the page
    /// the form leads to.
    fn submit(&mut self, js: &str) {
        self.eval(&format!("window.__old = true; (() => {{ {js} }})()"));
        self.wait_new_page();
    }

    fn html(&mut self) -> String {
        self.eval("document.documentElement.outerHTML").as_str().unwrap_or_default().to_string()
    }

    fn text(&mut self, selector: &str) -> String {
        let js = format!("(document.querySelector({selector:?}) || {{}}).textContent || ''");
        self.eval(&js).as_str().unwrap_or_default().trim().to_string()
    }

    fn path(&mut self) -> String {
        self.eval("location.pathname + location.search").as_str().unwrap_or_default().to_string()
    }

    fn login(&mut self, base: &str, email: &str, password: &str) {
        self.go(&format!("{base}/login"));
        self.submit(&format!(
            "const f = document.querySelector('#login-form'); f.email.value = {email:?}; \
             f.password.value = {password:?}; document.querySelector('#login-submit').click();"
        ));
        assert_eq!(self.path(), "/programme", "{email} logged in: {}", self.text("#login-error"));
    }

    fn logout(&mut self) {
        let html = self.html();
        assert!(html.contains(r#"id="logout""#), "no logout button on {}: {html}", self.path());
        self.submit("document.querySelector('#logout').click();");
    }
}

fn manrs() -> Command {
    Command::new(env!("CARGO_BIN_EXE_manrs"))
}

#[test]
fn programme_workflows_in_chromium() {
    let Some(chrome) = chromium_or_skip() else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let out = manrs().args(["demo", "--no-serve", "--db"]).arg(&db).output().unwrap();
    assert!(out.status.success(), "demo: {}", String::from_utf8_lossy(&out.stderr));

    // The auditor's account, made by the admin command.
    let mut admin = manrs()
        .args([
            "admin",
            "create-user",
            "--email",
            "auditor@example.org",
            "--role",
            "auditor",
            "--db",
        ])
        .arg(&db)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    admin.stdin.take().unwrap().write_all(b"auditor password 1\n").unwrap();
    assert!(admin.wait().unwrap().success());

    // The network to apply for: the one with the most filtering incidents
    // in the newest period.
    let (month, asn, incident, profile) = {
        let store = Store::open_existing(&db).unwrap();
        let month = store.latest_period().unwrap().unwrap();
        let period = store.period(month).unwrap().unwrap();
        let profile: manrs_engine::Profile = serde_json::from_value(period.profile).unwrap();
        let mut counts: std::collections::BTreeMap<u32, usize> = Default::default();
        for i in store.incidents(month, None).unwrap() {
            if profile.feeds_filtering(&i.metric) {
                *counts.entry(i.asn.0).or_default() += 1;
            }
        }
        let asn = counts
            .iter()
            .max_by_key(|(a, n)| (**n, std::cmp::Reverse(**a)))
            .map(|(a, _)| Asn(*a))
            .expect("demo incidents");
        let refs = store.incident_refs(month, asn).unwrap();
        let incident = refs.iter().find(|i| profile.feeds_filtering(&i.row.metric)).unwrap().id;
        (month, asn, incident, profile)
    };

    let mut server = manrs()
        .args(["serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(&db)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = server.stdout.take().unwrap();
    let _server = Killed(server);
    let addr = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find_map(|l| {
            l.split("http://").nth(1).and_then(|u| u.split('/').next()).map(str::to_string)
        })
        .expect("the server printed its address");
    let base = format!("http://{addr}");

    let profile_dir = dir.path().join("chromium");
    let browser = Command::new(&chrome)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--remote-debugging-port=0",
        ])
        .arg(format!("--user-data-dir={}", profile_dir.display()))
        .arg("about:blank")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let _browser = Killed(browser);
    let port_file = profile_dir.join("DevToolsActivePort");
    let t = Instant::now();
    let port = loop {
        if let Ok(s) = std::fs::read_to_string(&port_file)
            && let Some(p) = s.lines().next().filter(|p| !p.is_empty())
        {
            break p.to_string();
        }
        assert!(t.elapsed() < Duration::from_secs(30), "chromium wrote no DevToolsActivePort");
        std::thread::sleep(Duration::from_millis(100));
    };
    // The page target, once the DevTools HTTP endpoint lists it.
    let ws = loop {
        let targets: Value = serde_json::from_str(&devtools_list(&port)).unwrap_or(Value::Null);
        if let Some(url) = targets
            .as_array()
            .into_iter()
            .flatten()
            .find(|t| t["type"] == "page")
            .and_then(|t| t["webSocketDebuggerUrl"].as_str())
        {
            break url.to_string();
        }
        assert!(t.elapsed() < Duration::from_secs(30), "chromium lists no page target");
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut tab = Tab { ws: WebSocket::connect(&ws), next: 0 };
    tab.call("Page.enable", json!({}));

    // --- apply -> review -> approve -> listed --------------------------------
    let applicant = "noc@example.net";
    let password = "applicant password 1";
    tab.go(&format!("{base}/register"));
    tab.submit(&format!(
        "const f = document.querySelector('#register-form'); f.email.value = {applicant:?}; \
         f.password.value = {password:?}; f.password2.value = {password:?}; \
         document.querySelector('#register-submit').click();"
    ));
    assert_eq!(tab.path(), "/programme");
    tab.go(&format!("{base}/programme/apply?programme=network-operators"));
    let org = "Example Demo Networks";
    tab.submit(&format!(
        "const f = document.querySelector('#apply-form'); f.organisation.value = {org:?}; \
         f.areas.value = 'BR, AR'; f.asns.value = 'AS{asn}'; \
         for (const n of [1, 3, 4]) {{ f.elements['a' + n].checked = true; \
           f.elements['a' + n + '_description'].value = 'We implement action ' + n; \
           f.elements['a' + n + '_evidence'].value = 'https://example.net/manrs/' + n; }} \
         document.querySelector('#apply-submit').click();",
        asn = asn.0
    ));
    let application = tab.path();
    assert!(application.starts_with("/programme/applications/"), "{application}");
    assert_eq!(tab.text("#application-status"), "submitted");
    assert!(tab.html().find("decision-form").is_none(), "the applicant cannot decide");
    // A form post without the session's CSRF token is refused, from the
    // site itself (cookies sent) and from another origin (the SameSite
    // cookie is not sent either).
    let status = tab.eval(&format!(
        "fetch('/programme/applications/{id}/decision', {{method: 'POST', body: new URLSearchParams({{decision: 'approve'}})}}).then(r => r.status)",
        id = application.rsplit('/').next().unwrap()
    ));
    assert_eq!(status, json!(403), "same-origin post without a token");
    let status = tab.eval(
        "fetch('/programme/apply', {method: 'POST', body: new URLSearchParams({programme: 'network-operators', organisation: 'Forged'})}).then(r => r.status)",
    );
    assert_eq!(status, json!(403));
    let forged = format!(
        "data:text/html,<form method=post action='{base}/programme/apply'><input name=programme value=network-operators>\
         <input name=organisation value=Forged></form><script>document.forms[0].submit()</script>"
    );
    tab.eval("window.__old = true");
    tab.call("Page.navigate", json!({"url": forged}));
    std::thread::sleep(Duration::from_secs(2));
    let landed = tab.eval("location.href").as_str().unwrap_or_default().to_string();
    // The session cookie stayed home: the post arrived without a session
    // and was sent to the login form.
    assert!(landed.ends_with("/login?next=/programme/apply"), "cross-site post: {landed}");
    {
        let store = Store::open_existing(&db).unwrap();
        assert_eq!(store.applications(None, None).unwrap().len(), 1, "nothing forged was stored");
    }
    tab.go(&format!("{base}{application}"));
    tab.logout();

    tab.login(&base, "auditor@example.org", "auditor password 1");
    let id = application.rsplit('/').next().unwrap().to_string();
    assert!(
        tab.html().contains(&format!(r#"href="/programme/applications/{id}""#)),
        "pending list"
    );
    tab.go(&format!("{base}{application}"));
    let page = tab.html();
    // The readiness history of the network (every stored period) and its open incidents.
    let hist = get_json(&addr, &format!("/api/v2/ases/{}", asn.0));
    for h in hist["history"].as_array().unwrap() {
        assert!(
            page.contains(&format!("<td>{}</td>", h["month"].as_str().unwrap())),
            "history row {h}"
        );
    }
    let open = get_json(&addr, &format!("/api/v2/ases/{}/incidents?month={month}", asn.0))["total"]
        .as_u64()
        .unwrap();
    assert!(page.contains(&format!("Open incidents: {open}")), "open incidents {open}");
    tab.submit(
        "document.querySelector('#reason').value = 'Complete and technically sound'; \
         document.querySelector('#approve').click();",
    );
    assert_eq!(tab.text("#application-status"), "approved");

    tab.go(&format!("{base}/participants?programme=network-operators"));
    assert!(tab.html().contains(&format!(r#"<td class="name">{org}</td>"#)), "listed");
    let api = get_json(&addr, &format!("/api/v2/participants?asn={}", asn.0));
    let listed = &api["participants"][0];
    assert_eq!(listed["name"], org);
    let rpki = listed["routingInformation"]["scoreRpki"]["value"].as_f64().unwrap();
    assert!(
        tab.html().contains(&format!("routingInformationRPKI {:.1}%", rpki * 100.0)),
        "RPKI figure as the API gives it"
    );
    let before = listed["filtering"]["score"]["value"].as_f64().unwrap();
    tab.logout();

    // --- feedback -> accept -> rescored --------------------------------------
    tab.login(&base, applicant, password);
    tab.go(&format!("{base}/programme/incidents/{}?month={month}", asn.0));
    assert!(tab.html().contains(&format!(r#"id="incident-{incident}""#)));
    tab.submit(&format!(
        "const f = document.querySelector('#incident-{incident} form'); \
         f.verdict.value = 'legitimate-change'; f.comment.value = 'Our customer, LOA on file'; \
         f.querySelector('button').click();"
    ));
    assert_eq!(tab.text(&format!("#incident-{incident} .status")), "pending");
    tab.logout();

    tab.login(&base, "auditor@example.org", "auditor password 1");
    let row = tab.eval(&format!(
        "[...document.querySelectorAll('#feedback tbody tr')].find(r => r.textContent.includes('AS{}')).id",
        asn.0
    ));
    let row = row.as_str().expect("the pending feedback is listed").to_string();
    tab.submit(&format!(
        "const r = document.querySelector('#{row}'); r.querySelector('input[name=reason]').value = 'Verified'; \
         r.querySelector('button.accept').click();"
    ));
    assert_eq!(tab.path(), format!("/programme/incidents/{}?month={month}", asn.0));
    assert_eq!(tab.text(&format!("#incident-{incident} .status")), "accepted");

    // Rescored with the engine's function and the period's profile, without the incident.
    let store = Store::open_existing(&db).unwrap();
    let m: Month = month;
    let raw: f64 = store
        .incident_refs(m, asn)
        .unwrap()
        .iter()
        .filter(|i| i.id != incident && profile.feeds_filtering(&i.row.metric))
        .map(|i| i.row.score)
        .sum();
    let want = manrs_engine::scores::filtering(raw, &profile).value.unwrap();
    let original = store.metrics(m, asn).unwrap().unwrap().figures.filtering.value.unwrap();
    assert!(want > original, "leaving an incident out raises filtering");
    assert_eq!(tab.text("#filtering"), format!("{:.1}%", want * 100.0));
    assert!(
        tab.text("#filtering-adjusted").contains(&format!("{:.1}%", original * 100.0)),
        "both versions shown"
    );
    let api = get_json(&addr, &format!("/api/v2/participants?asn={}", asn.0));
    let after = api["participants"][0]["filtering"]["score"]["value"].as_f64().unwrap();
    assert_eq!(after, want);
    assert_ne!(after, before);
    // The period's own figure is unchanged in the public network data.
    let net = get_json(&addr, &format!("/api/v2/ases/{}?month={month}", asn.0));
    assert_eq!(net["scores"]["filtering"]["value"].as_f64(), Some(original));

    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("../screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let shot = shots.join("participants.png");
    let _ = std::fs::remove_file(&shot);
    let out = Command::new(&chrome)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=1280,900",
        ])
        .arg(format!("--user-data-dir={}", dir.path().join("shot").display()))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("{base}/participants"))
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        std::fs::metadata(&shot).map(|m| m.len()).unwrap_or(0) > 10_000,
        "participants screenshot"
    );
}
