//! The server's own health: `/status` (JSON) and `/metrics` in the
//! Prometheus text exposition format (version 0.0.4): requests by route
//! and status, a latency histogram per route, uptime and stored periods.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::{ApiError, AppState};

/// Latency histogram bounds in seconds.
const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0];

#[derive(Debug, Default)]
struct Route {
    by_status: BTreeMap<u16, u64>,
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// Request counters and latencies, by route template.
#[derive(Debug, Default)]
pub struct Metrics {
    routes: Mutex<BTreeMap<String, Route>>,
}

impl Metrics {
    fn record(&self, route: &str, status: u16, seconds: f64) {
        let Ok(mut routes) = self.routes.lock() else { return };
        let r = routes.entry(route.to_string()).or_default();
        *r.by_status.entry(status).or_default() += 1;
        r.count += 1;
        r.sum += seconds;
        for (i, b) in BUCKETS.iter().enumerate() {
            if seconds <= *b {
                r.buckets[i] += 1;
            }
        }
    }

    /// Requests served so far.
    pub fn requests(&self) -> u64 {
        self.routes.lock().map(|r| r.values().map(|x| x.count).sum()).unwrap_or(0)
    }
}

/// Middleware: times every request under its route template (so
/// `/api/v2/ases/{asn}` is one series, not one per AS).
pub async fn track(State(st): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let t = Instant::now();
    let resp = next.run(req).await;
    st.metrics.record(&route, resp.status().as_u16(), t.elapsed().as_secs_f64());
    resp
}

fn escape(label: &str) -> String {
    label.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// `GET /metrics`.
pub async fn prometheus(State(st): State<Arc<AppState>>) -> Result<Response, ApiError> {
    let periods = st.with_store(|s| Ok(s.periods()?.len())).await?;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# HELP manrs_up 1 while the server runs.\n# TYPE manrs_up gauge\nmanrs_up 1"
    );
    let _ = writeln!(
        out,
        "# HELP manrs_uptime_seconds Seconds since the server started.\n# TYPE manrs_uptime_seconds gauge\nmanrs_uptime_seconds {}",
        st.started.elapsed().as_secs_f64()
    );
    let _ = writeln!(
        out,
        "# HELP manrs_periods Periods stored in the database.\n# TYPE manrs_periods gauge\nmanrs_periods {periods}"
    );
    let routes =
        st.metrics.routes.lock().map_err(|_| ApiError::internal("metrics lock poisoned"))?;
    let _ = writeln!(
        out,
        "# HELP manrs_http_requests_total Requests answered, by route and status.\n# TYPE manrs_http_requests_total counter"
    );
    for (route, r) in routes.iter() {
        for (status, n) in &r.by_status {
            let _ = writeln!(
                out,
                "manrs_http_requests_total{{route=\"{}\",status=\"{status}\"}} {n}",
                escape(route)
            );
        }
    }
    let _ = writeln!(
        out,
        "# HELP manrs_http_request_duration_seconds Time to answer, by route.\n# TYPE manrs_http_request_duration_seconds histogram"
    );
    for (route, r) in routes.iter() {
        let route = escape(route);
        for (i, b) in BUCKETS.iter().enumerate() {
            let _ = writeln!(
                out,
                "manrs_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{b}\"}} {}",
                r.buckets[i]
            );
        }
        let _ = writeln!(
            out,
            "manrs_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
            r.count
        );
        let _ =
            writeln!(out, "manrs_http_request_duration_seconds_sum{{route=\"{route}\"}} {}", r.sum);
        let _ = writeln!(
            out,
            "manrs_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
            r.count
        );
    }
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], out).into_response())
}

/// `GET /status`.
pub async fn status(State(st): State<Arc<AppState>>) -> Result<Response, ApiError> {
    let (version, periods) = st
        .with_store(|s| {
            let periods: Vec<_> = s
                .periods()?
                .iter()
                .map(|p| json!({"month": p.month, "routes": p.routes, "networks": p.networks}))
                .collect();
            Ok((s.schema_version(), periods))
        })
        .await?;
    Ok(axum::Json(json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "database": st.db.display().to_string(),
        "schemaVersion": version,
        "periods": periods,
        "uptimeSeconds": st.started.elapsed().as_secs(),
        "requests": st.metrics.requests(),
    }))
    .into_response())
}
