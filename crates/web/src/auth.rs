//! Accounts on the web: sessions, CSRF tokens, API keys and the login rate
//! limit (manrs-spec §3.3.2 `auth/login` and `keys`).
//!
//! * **Sessions.** Logging in creates a random 256-bit token; the browser
//!   keeps it in the `manrs_session` cookie (`HttpOnly`, `SameSite=Strict`,
//!   `Path=/`, `Secure` when the server is configured for HTTPS), the
//!   store keeps only its hash, with the session's own CSRF token.
//! * **CSRF.** Every form carries a hidden `csrf` field: the session's
//!   token once logged in, else (login and registration) the value of a
//!   `manrs_csrf` cookie set with the form (double submit). A POST whose
//!   field is missing or differs is refused with 403 before anything else
//!   is read.
//! * **API.** The JSON API authenticates with `Authorization: Bearer KEY`
//!   only (a key from `POST /api/v2/auth/login`, valid three days, or a
//!   long-lived one from `POST /api/v2/keys`); it ignores cookies, so it
//!   needs no CSRF token.
//! * **Rate limit.** At most [`PER_ACCOUNT`] failed logins per account and
//!   [`PER_IP`] per client address within [`WINDOW`]; beyond that every
//!   login of that account or from that address, right password or not,
//!   is answered 429 with `Retry-After` until the oldest failure leaves
//!   the window. The address is the TCP peer's (a reverse proxy in front
//!   would need its own limit). Counters live in the server's memory.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use manrs_programme::Role;
use manrs_programme::auth as cred;
use manrs_store::UserRow;
use serde_json::{Value, json};

use crate::pages::{PageError, render};
use crate::{ApiError, AppState};

/// Failed logins allowed per account within [`WINDOW`].
pub const PER_ACCOUNT: usize = 5;
/// Failed logins allowed per client address within [`WINDOW`].
pub const PER_IP: usize = 20;
/// The window of the rate limit.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// How long a web session lasts (seconds).
pub const WEB_SESSION: i64 = 12 * 3600;
/// How long an API login key lasts (seconds).
pub const API_SESSION: i64 = 3 * 24 * 3600;

const SESSION_COOKIE: &str = "manrs_session";
const CSRF_COOKIE: &str = "manrs_csrf";

/// Unix seconds now.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Failed logins by key (`account:EMAIL`, `ip:ADDR`).
#[derive(Debug, Default)]
pub struct Limiter {
    failures: HashMap<String, VecDeque<Instant>>,
}

impl Limiter {
    fn prune(&mut self, now: Instant) {
        for q in self.failures.values_mut() {
            while q.front().is_some_and(|t| now.duration_since(*t) >= WINDOW) {
                q.pop_front();
            }
        }
        self.failures.retain(|_, q| !q.is_empty());
    }

    /// How long `key` must wait, when it has `limit` failures in the window.
    pub fn blocked(&mut self, key: &str, limit: usize, now: Instant) -> Option<Duration> {
        self.prune(now);
        let q = self.failures.get(key)?;
        if q.len() < limit {
            return None;
        }
        q.front().map(|t| WINDOW.saturating_sub(now.duration_since(*t)).max(Duration::from_secs(1)))
    }

    /// Counts a failure.
    pub fn fail(&mut self, key: &str, now: Instant) {
        // Bounded memory: an attacker cycling keys cannot grow it forever.
        if self.failures.len() > 100_000 {
            self.failures.clear();
        }
        self.failures.entry(key.to_string()).or_default().push_back(now);
    }

    /// Forgets an account's failures after a successful login.
    pub fn clear(&mut self, key: &str) {
        self.failures.remove(key);
    }
}

/// The account behind a request.
#[derive(Clone, Debug)]
pub struct Who {
    /// The account.
    pub user: UserRow,
    /// Its role.
    pub role: Role,
    /// The web session's CSRF token (`None` for API keys).
    pub csrf: Option<String>,
    /// The session's token hash (to log out).
    pub session: Option<String>,
}

impl Who {
    fn of(user: UserRow, csrf: Option<String>, session: Option<String>) -> Result<Who, ApiError> {
        let role = Role::parse(&user.role)
            .map_err(|e| ApiError::internal(format!("account {}: {e}", user.id)))?;
        Ok(Who { user, role, csrf, session })
    }

    /// 403 unless the account reviews (auditor or admin).
    pub fn require_reviewer(&self) -> Result<(), ApiError> {
        if self.role.reviews() {
            Ok(())
        } else {
            Err(ApiError::forbidden("this needs an auditor or admin account"))
        }
    }

    /// The template context of the account.
    pub fn json(&self) -> Value {
        json!({"email": self.user.email, "role": self.role.as_str(), "reviews": self.role.reviews(), "csrf": self.csrf})
    }
}

/// A cookie's value from the request.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value with the security attributes.
fn set_cookie(st: &AppState, name: &str, value: &str, max_age: i64) -> HeaderValue {
    let secure = if st.options.secure_cookies { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("invalid=; Max-Age=0"))
}

/// The logged-in account of a browser request (its session cookie).
pub async fn web_user(st: &Arc<AppState>, headers: &HeaderMap) -> Result<Option<Who>, ApiError> {
    let Some(token) = cookie(headers, SESSION_COOKIE).map(str::to_string) else { return Ok(None) };
    let hash = cred::token_hash(&token);
    st.with_store(move |s| {
        Ok(match s.session(&hash, now())? {
            Some(row) if row.kind == "web" => Some(Who::of(row.user, Some(row.csrf), Some(hash))?),
            _ => None,
        })
    })
    .await
}

/// The account of an API request (`Authorization: Bearer KEY`); 401 when
/// there is none or the key is unknown or expired.
pub async fn api_user(st: &Arc<AppState>, headers: &HeaderMap) -> Result<Who, ApiError> {
    let key = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|k| k.trim().to_string())
        .ok_or_else(|| {
            ApiError::unauthorized("this needs an API key: Authorization: Bearer KEY (POST /api/v2/auth/login gives one)")
        })?;
    let hash = cred::token_hash(&key);
    st.with_store(move |s| {
        if let Some(row) = s.session(&hash, now())?
            && row.kind == "api"
        {
            return Who::of(row.user, None, Some(hash));
        }
        match s.user_by_api_key(&hash)? {
            Some(u) => Who::of(u, None, None),
            None => Err(ApiError::unauthorized("unknown or expired API key")),
        }
    })
    .await
}

/// A form body as name/value pairs.
pub fn form(body: &Bytes) -> Result<Vec<(String, String)>, ApiError> {
    serde_urlencoded::from_bytes(body).map_err(|e| ApiError::bad_request(format!("bad form: {e}")))
}

/// A form field (empty when missing).
pub fn field<'a>(f: &'a [(String, String)], k: &str) -> &'a str {
    f.iter().find(|(j, _)| j == k).map_or("", |(_, v)| v.as_str())
}

/// 403 unless the form's `csrf` field is the session's token.
pub fn check_csrf(who: &Who, f: &[(String, String)]) -> Result<(), ApiError> {
    match &who.csrf {
        Some(t) if cred::same(t, field(f, "csrf")) => Ok(()),
        _ => Err(ApiError::forbidden(
            "the form's CSRF token is missing or wrong; reload the page and submit it again",
        )),
    }
}

/// 403 unless an anonymous form's `csrf` field matches its cookie.
fn check_anonymous_csrf(headers: &HeaderMap, f: &[(String, String)]) -> Result<(), ApiError> {
    match cookie(headers, CSRF_COOKIE) {
        Some(c) if c.len() == 64 && cred::same(c, field(f, "csrf")) => Ok(()),
        _ => Err(ApiError::forbidden(
            "the form's CSRF token is missing or wrong; reload the page and submit it again",
        )),
    }
}

/// A page that requires a login: the account, or a redirect to the login
/// form coming back to `path`.
pub async fn require_web_user(
    st: &Arc<AppState>,
    headers: &HeaderMap,
    path: &str,
) -> Result<Result<Who, Response>, PageError> {
    match web_user(st, headers).await? {
        Some(w) => Ok(Ok(w)),
        None => Ok(Err(Redirect::to(&format!("/login?next={}", urlencode(path))).into_response())),
    }
}

/// A form posted by a logged-in user: the account and the fields once the
/// session and the form's CSRF token are checked, or the redirect to the
/// login form coming back to `path`.
pub async fn user_form(
    st: &Arc<AppState>,
    headers: &HeaderMap,
    body: &Bytes,
    path: &str,
) -> Result<Result<(Who, Vec<(String, String)>), Response>, PageError> {
    let f = form(body)?;
    let who = match require_web_user(st, headers, path).await? {
        Ok(w) => w,
        Err(r) => return Ok(Err(r)),
    };
    check_csrf(&who, &f)?;
    Ok(Ok((who, f)))
}

/// Percent-encodes a query value.
pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The account routes: login, logout, registration (pages) and the API's
/// `auth/login` and `keys`.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/login", get(login_form).post(login))
        .route("/register", get(register_form).post(register))
        .route("/logout", post(logout))
        .route("/programme/keys", post(new_key_form))
        .route("/api/v2/auth/login", post(api_login))
        .route("/api/v2/keys", post(api_new_key))
}

/// Only local paths are followed after login (no open redirect).
fn safe_next(next: &str) -> String {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next.to_string()
    } else {
        "/programme".to_string()
    }
}

fn anonymous_form(
    st: &AppState,
    headers: &HeaderMap,
    template: &str,
    mut ctx: Value,
    status: StatusCode,
) -> Result<Response, PageError> {
    let (token, fresh) = match cookie(headers, CSRF_COOKIE) {
        Some(c) if c.len() == 64 => (c.to_string(), false),
        _ => (cred::new_token().map_err(|e| ApiError::internal(e.to_string()))?, true),
    };
    ctx["csrf"] = json!(token);
    let mut resp = (status, render(template, ctx)?).into_response();
    if fresh {
        resp.headers_mut().append(header::SET_COOKIE, set_cookie(st, CSRF_COOKIE, &token, 3600));
    }
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

async fn login_form(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, PageError> {
    let p = crate::api::Params::parse(q.as_deref(), &["next"])?;
    let next = safe_next(p.get("next").unwrap_or("/programme"));
    anonymous_form(
        &st,
        &headers,
        "login.html",
        json!({"title": "Log in", "next": next}),
        StatusCode::OK,
    )
}

async fn register_form(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    anonymous_form(
        &st,
        &headers,
        "register.html",
        json!({"title": "Create an account"}),
        StatusCode::OK,
    )
}

/// The client's address (the TCP peer), when the server knows it.
fn client_ip(headers_ext: Option<&ConnectInfo<SocketAddr>>) -> String {
    headers_ext.map_or_else(|| "unknown".to_string(), |c| c.0.ip().to_string())
}

/// Checks the rate limit, then the password. `Err` is the answer to give
/// (429 or 401).
async fn authenticate(
    st: &Arc<AppState>,
    email: &str,
    password: &str,
    ip: &str,
) -> Result<UserRow, ApiError> {
    let email = email.trim().to_ascii_lowercase();
    let (acct, addr) = (format!("account:{email}"), format!("ip:{ip}"));
    {
        let mut l = st.limiter.lock().map_err(|_| ApiError::internal("rate limiter poisoned"))?;
        let at = Instant::now();
        let wait = l.blocked(&acct, PER_ACCOUNT, at).or_else(|| l.blocked(&addr, PER_IP, at));
        if let Some(w) = wait {
            return Err(ApiError::too_many(
                format!("too many failed logins; try again in {} s", w.as_secs()),
                w.as_secs(),
            ));
        }
    }
    let password = password.to_string();
    let lookup = email.clone();
    let user = st
        .with_store(move |s| {
            let u = s.user_by_email(&lookup)?;
            let ok = match &u {
                Some(u) => cred::verify_password(&password, &u.password_hash),
                None => {
                    cred::dummy_verify(&password);
                    false
                }
            };
            Ok(u.filter(|_| ok))
        })
        .await?;
    let mut l = st.limiter.lock().map_err(|_| ApiError::internal("rate limiter poisoned"))?;
    match user {
        Some(u) => {
            l.clear(&acct);
            Ok(u)
        }
        None => {
            l.fail(&acct, Instant::now());
            l.fail(&addr, Instant::now());
            Err(ApiError::unauthorized("wrong e-mail address or password"))
        }
    }
}

/// Starts a session; returns (token, csrf).
async fn start_session(
    st: &Arc<AppState>,
    user_id: i64,
    kind: &'static str,
    life: i64,
) -> Result<(String, i64), ApiError> {
    let token = cred::new_token().map_err(|e| ApiError::internal(e.to_string()))?;
    let csrf = cred::new_token().map_err(|e| ApiError::internal(e.to_string()))?;
    let hash = cred::token_hash(&token);
    let t = now();
    st.with_store(move |s| Ok(s.create_session(user_id, &hash, &csrf, kind, t, t + life)?)).await?;
    Ok((token, t + life))
}

fn logged_in(st: &AppState, token: &str, next: &str) -> Response {
    let mut resp = Redirect::to(next).into_response();
    resp.headers_mut()
        .append(header::SET_COOKIE, set_cookie(st, SESSION_COOKIE, token, WEB_SESSION));
    resp
}

async fn login(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = form(&body)?;
    check_anonymous_csrf(&headers, &f)?;
    let ip = client_ip(peer.as_ref().map(|e| &e.0));
    let next = safe_next(field(&f, "next"));
    match authenticate(&st, field(&f, "email"), field(&f, "password"), &ip).await {
        Ok(u) => {
            let (token, _) = start_session(&st, u.id, "web", WEB_SESSION).await?;
            Ok(logged_in(&st, &token, &next))
        }
        Err(e) => {
            let mut resp = anonymous_form(
                &st,
                &headers,
                "login.html",
                json!({"title": "Log in", "next": next, "error": e.message, "email": field(&f, "email")}),
                e.status,
            )?;
            if let Some(v) = e.retry_after {
                resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(v));
            }
            Ok(resp)
        }
    }
}

async fn register(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = form(&body)?;
    check_anonymous_csrf(&headers, &f)?;
    let (email, password) = (field(&f, "email").to_string(), field(&f, "password").to_string());
    let result: Result<i64, ApiError> = async {
        let email =
            cred::normalise_email(&email).map_err(|e| ApiError::bad_request(e.to_string()))?;
        if password != field(&f, "password2") {
            return Err(ApiError::bad_request("the two passwords differ"));
        }
        let hash = tokio::task::spawn_blocking(move || cred::hash_password(&password))
            .await
            .map_err(|e| ApiError::internal(e.to_string()))?
            .map_err(|e| ApiError::bad_request(e.to_string()))?;
        st.with_store(move |s| {
            s.create_user(&email, Role::Participant.as_str(), &hash, now(), None).map_err(|e| {
                match e {
                    manrs_store::StoreError::Refused { message, .. } => ApiError::conflict(message),
                    e => e.into(),
                }
            })
        })
        .await
    }
    .await;
    match result {
        Ok(id) => {
            let (token, _) = start_session(&st, id, "web", WEB_SESSION).await?;
            Ok(logged_in(&st, &token, "/programme"))
        }
        Err(e) => anonymous_form(
            &st,
            &headers,
            "register.html",
            json!({"title": "Create an account", "error": e.message, "email": email}),
            e.status,
        ),
    }
}

async fn logout(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = form(&body)?;
    let Some(who) = web_user(&st, &headers).await? else {
        return Ok(Redirect::to("/").into_response());
    };
    check_csrf(&who, &f)?;
    if let Some(h) = who.session.clone() {
        st.with_store(move |s| Ok(s.delete_session(&h)?)).await?;
    }
    let mut resp = Redirect::to("/").into_response();
    resp.headers_mut().append(header::SET_COOKIE, set_cookie(&st, SESSION_COOKIE, "", 0));
    Ok(resp)
}

/// Creates an API key; returns it (shown once).
async fn make_key(
    st: &Arc<AppState>,
    who: &Who,
    description: &str,
) -> Result<(i64, String), ApiError> {
    let description = description.trim().chars().take(200).collect::<String>();
    let key = cred::new_token().map_err(|e| ApiError::internal(e.to_string()))?;
    let hash = cred::token_hash(&key);
    let uid = who.user.id;
    let id = st.with_store(move |s| Ok(s.create_api_key(uid, &hash, &description, now())?)).await?;
    Ok((id, key))
}

async fn new_key_form(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let (who, f) = match user_form(&st, &headers, &body, "/programme").await? {
        Ok(x) => x,
        Err(r) => return Ok(r),
    };
    let (_, key) = make_key(&st, &who, field(&f, "description")).await?;
    let mut resp =
        render("key.html", json!({"title": "New API key", "key": key, "user": who.json()}))?
            .into_response();
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

/// A JSON body, with the problem named.
pub fn json_body<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| ApiError::bad_request(format!("bad JSON body: {e}")))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginBody {
    login: LoginFields,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginFields {
    email: String,
    password: String,
}

async fn api_login(
    State(st): State<Arc<AppState>>,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let b: LoginBody = json_body(&body)?;
    let ip = client_ip(peer.as_ref().map(|e| &e.0));
    let u = authenticate(&st, &b.login.email, &b.login.password, &ip).await?;
    let (key, expires) = start_session(&st, u.id, "api", API_SESSION).await?;
    Ok(axum::Json(json!({"key": key, "expiresAt": expires, "role": u.role})).into_response())
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyBody {
    key: KeyFields,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFields {
    #[serde(default)]
    description: String,
}

async fn api_new_key(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let who = api_user(&st, &headers).await?;
    let b: KeyBody = json_body(&body)?;
    let (id, key) = make_key(&st, &who, &b.key.description).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(json!({"id": id, "key": key, "description": b.key.description})),
    )
        .into_response())
}

/// Shows the login state in templates.
pub fn user_json(who: Option<&Who>) -> Value {
    who.map_or(Value::Null, Who::json)
}

/// A page response that must not be cached (it carries a CSRF token or
/// private data).
pub fn private(html: Html<String>) -> Response {
    let mut r = html.into_response();
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limiter_blocks_then_forgets() {
        let mut l = Limiter::default();
        let t0 = Instant::now();
        for _ in 0..PER_ACCOUNT {
            assert!(l.blocked("account:a", PER_ACCOUNT, t0).is_none());
            l.fail("account:a", t0);
        }
        let wait = l.blocked("account:a", PER_ACCOUNT, t0).unwrap();
        assert_eq!(wait, WINDOW);
        assert!(l.blocked("account:b", PER_ACCOUNT, t0).is_none());
        assert!(l.blocked("account:a", PER_ACCOUNT, t0 + WINDOW).is_none());
        l.fail("account:a", t0);
        l.clear("account:a");
        assert!(l.blocked("account:a", 1, t0).is_none());
    }

    #[test]
    fn cookies_and_redirects() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_static("a=1; manrs_session=abc; b=2"));
        assert_eq!(cookie(&h, "manrs_session"), Some("abc"));
        assert_eq!(cookie(&h, "manrs"), None);
        assert_eq!(safe_next("/programme/review/1"), "/programme/review/1");
        assert_eq!(safe_next("//evil.example/"), "/programme");
        assert_eq!(safe_next("https://evil.example/"), "/programme");
    }
}
