//! The manrs web server: the public JSON API and the dashboard over a
//! manrs store (manrs-spec §3.1 views, §3.3.2 API v2).
//!
//! * `/api/v2/...`: JSON in the MANRS API v2 names and shapes (camelCase,
//!   `month=YYYY-MM` or an RFC 3339 time of which only year and month count,
//!   `nextPageToken` pagination), our evidence endpoints, and CSV for every
//!   list (`?format=csv` or `Accept: text/csv`). Unknown parameters and bad
//!   values are a 4xx JSON error naming the problem (422 for an unknown
//!   parameter, as API v2 does). The OpenAPI document is at
//!   `/api/v2/openapi.json`.
//! * HTML pages rendered on the server ([`pages`]) with vendored assets
//!   served from the binary (no CDN).
//! * `/status` (JSON) and `/metrics` (Prometheus text format) for the server
//!   itself.
//!
//! * The programme ([`auth`], [`programme`]): accounts, applications and
//!   their review, the public participants table, false-positive feedback
//!   and conformance reports, as pages and under `/api/v2`.
//!
//! The store is synchronous SQLite: each request borrows a connection from
//! a small pool and runs on Tokio's blocking threads. The server reads the
//! stored periods and never writes them; it writes only the programme's
//! tables (accounts, applications, feedback...). A `manrs run` may write
//! new periods meanwhile (WAL mode), and they appear on the next request.

pub mod api;
pub mod auth;
mod csvout;
pub mod geo;
mod metrics;
pub mod openapi;
pub mod pages;
pub mod programme;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use manrs_store::{Store, StoreError};
use manrs_types::Month;
use serde_json::json;

pub use metrics::Metrics;
pub use pages::report_html;

/// Errors of the server's start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The database could not be opened.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The address could not be bound or the server failed.
    #[error("{addr}: {source}")]
    Io {
        /// The address.
        addr: String,
        /// The error.
        source: std::io::Error,
    },
}

/// How the server runs.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Mark cookies `Secure` (set when the server is reached over HTTPS,
    /// e.g. behind a TLS-terminating proxy).
    pub secure_cookies: bool,
}

/// What every request shares.
#[derive(Debug)]
pub struct AppState {
    db: PathBuf,
    pool: Mutex<Vec<Store>>,
    started: Instant,
    metrics: Metrics,
    options: Options,
    limiter: Mutex<auth::Limiter>,
}

impl AppState {
    /// Opens the database once (so a missing or foreign file fails at
    /// start, not at the first request) and keeps the connection for reuse.
    pub fn open(db: &Path) -> Result<Arc<AppState>, StoreError> {
        AppState::open_with(db, Options::default())
    }

    /// [`AppState::open`] with options.
    pub fn open_with(db: &Path, options: Options) -> Result<Arc<AppState>, StoreError> {
        let store = Store::open_existing(db)?;
        Ok(Arc::new(AppState {
            db: db.to_path_buf(),
            pool: Mutex::new(vec![store]),
            started: Instant::now(),
            metrics: Metrics::default(),
            options,
            limiter: Mutex::new(auth::Limiter::default()),
        }))
    }

    /// The database path.
    pub fn db(&self) -> &Path {
        &self.db
    }

    /// Runs `f` with a store connection on a blocking thread.
    pub async fn with_store<T, F>(self: &Arc<Self>, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> Result<T, ApiError> + Send + 'static,
    {
        let state = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let store = state.pool.lock().map(|mut p| p.pop()).unwrap_or(None);
            let store = match store {
                Some(s) => s,
                None => Store::open_existing(&state.db).map_err(ApiError::store)?,
            };
            let out = f(&store);
            if let Ok(mut pool) = state.pool.lock()
                && pool.len() < 8
            {
                pool.push(store);
            }
            out
        })
        .await
        .map_err(|e| ApiError::internal(format!("request task failed: {e}")))?
    }
}

/// An error answered as JSON `{"error": {"status", "message"}}` (API) or
/// as an HTML page (pages).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// What was wrong, for the user.
    pub message: String,
    /// Seconds to wait (429: `Retry-After`).
    pub retry_after: Option<u64>,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError { status, message: message.into(), retry_after: None }
    }

    /// 401: no or a bad login or key.
    pub fn unauthorized(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, message)
    }

    /// 403: logged in, but not allowed.
    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, message)
    }

    /// 409: the state does not allow it (an account that exists, a
    /// decision already taken).
    pub fn conflict(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, message)
    }

    /// 429 with the seconds to wait.
    pub fn too_many(message: impl Into<String>, retry_after: u64) -> ApiError {
        ApiError {
            retry_after: Some(retry_after),
            ..ApiError::new(StatusCode::TOO_MANY_REQUESTS, message)
        }
    }

    /// 400: a bad value.
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }

    /// 404: nothing there.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, message)
    }

    /// 422: an unknown query parameter.
    pub fn unprocessable(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, message)
    }

    /// 500.
    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }

    /// A store failure: 500 with the store's message (it names the file
    /// and the step).
    pub fn store(e: StoreError) -> ApiError {
        match e {
            StoreError::Missing { .. } => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, e.to_string())
            }
            StoreError::Refused { message, .. } => ApiError::conflict(message),
            e => ApiError::internal(e.to_string()),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        ApiError::store(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({"error": {"status": self.status.as_u16(), "message": self.message}});
        let mut r =
            (self.status, [(header::CACHE_CONTROL, "no-store")], axum::Json(body)).into_response();
        if let Some(s) = self.retry_after {
            r.headers_mut().insert(header::RETRY_AFTER, s.into());
        }
        r
    }
}

/// The stored period a request asks for (`month`), else the newest; an
/// unknown one is a 404 naming the stored periods.
pub fn pick_month(store: &Store, asked: Option<Month>) -> Result<Month, ApiError> {
    match asked {
        Some(m) => {
            if store.period(m)?.is_some() {
                return Ok(m);
            }
            let have: Vec<String> = store.periods()?.iter().map(|p| p.month.to_string()).collect();
            Err(ApiError::not_found(format!(
                "period {m} is not stored (stored: {})",
                if have.is_empty() { "none".into() } else { have.join(", ") }
            )))
        }
        None => store
            .latest_period()?
            .ok_or_else(|| ApiError::not_found("no period is stored yet; run `manrs run` first")),
    }
}

/// Parses a `month` value: `YYYY-MM`, or an RFC 3339 date or time of which
/// only year and month count (API v2 sends `2025-01-01T00:00:00Z`).
pub fn parse_month(v: &str) -> Result<Month, ApiError> {
    let ym = if v.len() > 7 && v.as_bytes()[7] == b'-' { &v[..7] } else { v };
    ym.parse().map_err(|_| {
        ApiError::bad_request(format!(
            "month={v:?}: expected YYYY-MM or an RFC 3339 time such as 2026-07-01T00:00:00Z"
        ))
    })
}

/// Whether the client asked for CSV by its Accept header.
pub fn accepts_csv(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim().starts_with("text/csv")))
}

/// The whole application: API, pages, assets, status and metrics.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .merge(api::routes())
        .merge(pages::routes())
        .merge(auth::routes())
        .merge(programme::routes())
        .route("/status", axum::routing::get(metrics::status))
        .route("/metrics", axum::routing::get(metrics::prometheus))
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn_with_state(Arc::clone(&state), metrics::track))
        .with_state(state)
}

/// Serves `db` on `listener` until Ctrl-C (or SIGTERM).
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: Arc<AppState>,
) -> Result<(), ServeError> {
    let addr = listener.local_addr().map_or_else(|_| "?".to_string(), |a| a.to_string());
    axum::serve(listener, router(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown())
        .await
        .map_err(|source| ServeError::Io { addr, source })
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
