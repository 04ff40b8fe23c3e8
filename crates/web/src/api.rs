//! The public JSON API under `/api/v2` (manrs-spec §3.3.2): the MANRS API
//! v2 names and shapes where they are known (`/ases`, `/ases/{asn}`,
//! `/scores`, `/scores/details`, `/scores/summary`), and our own evidence
//! endpoints (a network's routes with the VRPs that decided them, its
//! unregistered routes, incidents with their events), periods and economy
//! aggregates. Every list also comes as CSV.
//!
//! Conventions: `month=YYYY-MM` (or an RFC 3339 time) picks the period,
//! default the newest stored; lists take `limit` (1-1000, default 100) and
//! `pageToken` (the `nextPageToken` of the previous page) and report
//! `total`; `format=json|csv` or `Accept: text/csv` picks the format. A
//! parameter the endpoint does not know is a 422 error, a bad value a 400,
//! an unknown AS, period or path a 404, each as `{"error": {"status",
//! "message"}}`.
//!
//! The programme's endpoints (`/participants`, `/asns`, accounts,
//! applications, feedback, reports) are in [`crate::programme`] and
//! [`crate::auth`].

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use manrs_engine::{Band, Figure, RovState, Score};
use manrs_report::{
    NetworkReport, figure, incident_json, route_json, score_json, scores_json, vrp_json,
};
use manrs_store::{MetricRow, NetworkQuery, NetworkSummary, RouteQuery, Store};
use manrs_types::m49;
use manrs_types::{Asn, Month};
use serde_json::{Value, json};

use crate::{ApiError, AppState, accepts_csv, parse_month, pick_month};

/// Largest page.
pub const MAX_LIMIT: u64 = 1000;
/// Page size when `limit` is not given.
pub const DEFAULT_LIMIT: u64 = 100;

/// The `/api/v2` routes.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v2/periods", get(periods))
        .route("/api/v2/ases", get(ases))
        .route("/api/v2/ases/{asn}", get(one_as))
        .route("/api/v2/ases/{asn}/routes", get(as_routes))
        .route("/api/v2/ases/{asn}/incidents", get(as_incidents))
        .route("/api/v2/scores", get(scores))
        .route("/api/v2/scores/details", get(score_details))
        .route("/api/v2/scores/summary", get(summary))
        .route("/api/v2/economies", get(economies))
        .route("/api/v2/regions", get(regions))
        .route("/api/v2/incidents", get(incidents))
        .route("/api/v2/openapi.json", get(openapi))
        .route("/api/v2", get(api_not_found))
        .route("/api/v2/{*rest}", get(api_not_found))
}

/// Query parameters, checked against what an endpoint accepts.
#[derive(Debug)]
pub struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    /// Parses a raw query string; a name not in `allowed` is a 422 error
    /// naming it, a repeated name a 400.
    pub fn parse(raw: Option<&str>, allowed: &[&str]) -> Result<Params, ApiError> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.unwrap_or(""))
            .map_err(|e| ApiError::bad_request(format!("bad query string: {e}")))?;
        for (i, (k, _)) in pairs.iter().enumerate() {
            if !allowed.contains(&k.as_str()) {
                return Err(ApiError::unprocessable(format!(
                    "unknown query parameter {k:?} (this endpoint takes: {})",
                    allowed.join(", ")
                )));
            }
            if pairs[..i].iter().any(|(j, _)| j == k) {
                return Err(ApiError::bad_request(format!(
                    "query parameter {k:?} is given twice; use a comma-separated list"
                )));
            }
        }
        Ok(Params { pairs })
    }

    /// A parameter's value (empty values count as absent).
    pub fn get(&self, k: &str) -> Option<&str> {
        self.pairs.iter().find(|(j, v)| j == k && !v.is_empty()).map(|(_, v)| v.as_str())
    }

    /// `month`.
    pub fn month(&self) -> Result<Option<Month>, ApiError> {
        self.get("month").map(parse_month).transpose()
    }

    /// A comma-separated list of AS numbers (`64500` or `AS64500`).
    pub fn asns(&self, k: &str) -> Result<Option<Vec<Asn>>, ApiError> {
        let Some(v) = self.get(k) else { return Ok(None) };
        v.split(',')
            .map(|a| parse_asn(a.trim()))
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
            .map_err(|e| ApiError::bad_request(format!("{k}: {}", e.message)))
    }

    /// `limit` and `pageToken` as (limit, offset).
    pub fn page(&self) -> Result<(u64, u64), ApiError> {
        let limit = match self.get("limit") {
            None => DEFAULT_LIMIT,
            Some(v) => match v.parse::<u64>() {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
                _ => {
                    return Err(ApiError::bad_request(format!(
                        "limit={v:?}: expected a whole number from 1 to {MAX_LIMIT}"
                    )));
                }
            },
        };
        let offset = match self.get("pageToken") {
            None => 0,
            Some(v) => v.parse::<u64>().map_err(|_| {
                ApiError::bad_request(format!(
                    "pageToken={v:?} is not a token this server gave (use nextPageToken)"
                ))
            })?,
        };
        Ok((limit, offset))
    }

    /// Whether CSV is asked for (`format`, else the Accept header).
    pub fn csv(&self, headers: &HeaderMap) -> Result<bool, ApiError> {
        match self.get("format") {
            None => Ok(accepts_csv(headers)),
            Some("json") => Ok(false),
            Some("csv") => Ok(true),
            Some(v) => Err(ApiError::bad_request(format!("format={v:?}: expected json or csv"))),
        }
    }

    /// An economy code parameter.
    pub fn economy(&self, k: &str) -> Result<Option<String>, ApiError> {
        self.get(k)
            .map(|v| {
                v.parse::<manrs_types::Country>()
                    .map(|c| c.as_str().to_string())
                    .map_err(|e| ApiError::bad_request(format!("{k}: {e}")))
            })
            .transpose()
    }
}

/// Parses `64500` or `AS64500`.
pub fn parse_asn(v: &str) -> Result<Asn, ApiError> {
    v.parse::<Asn>().map_err(|_| {
        ApiError::bad_request(format!("{v:?} is not an AS number (expected 64500 or AS64500)"))
    })
}

/// A JSON body, or the list under `key` as CSV.
pub(crate) fn respond(csv: bool, key: &str, body: Value, name: &str) -> Response {
    if csv {
        let empty = Vec::new();
        let items = body[key].as_array().unwrap_or(&empty);
        let text = crate::csvout::to_csv(items);
        (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (header::CONTENT_DISPOSITION, format!("inline; filename=\"{name}.csv\"")),
            ],
            text,
        )
            .into_response()
    } else {
        axum::Json(body).into_response()
    }
}

/// `nextPageToken`: the next offset, or null at the end.
fn next_token(offset: u64, shown: usize, total: u64) -> Value {
    let next = offset + shown as u64;
    if next < total { json!(next.to_string()) } else { Value::Null }
}

/// The five key figures of a network in the v2 `keyFigures` list shape.
pub fn key_figures(m: Option<&MetricRow>) -> Value {
    Figure::ALL
        .iter()
        .map(|f| {
            let s = m.map_or(Score::NO_DATA, |m| figure(m, *f));
            let mut v = score_json(s);
            v["id"] = json!(f.api_name());
            v
        })
        .collect()
}

/// A network in the `/ases` shape.
pub fn as_json(n: &NetworkSummary) -> Value {
    let m = n.metrics.as_ref();
    json!({
        "asn": n.network.asn,
        "name": n.network.holder,
        "economy": n.network.country,
        "rir": n.network.rir,
        "status": n.network.status,
        "visibility": n.network.visibility.as_str(),
        "excluded": n.network.excluded,
        "routes": m.map_or(0, |m| m.routes),
        "rpki": m.map(|m| json!({"valid": m.valid, "invalid": m.invalid, "notFound": m.not_found})),
        "irrCovered": m.and_then(|m| m.irr_covered),
        "scores": m.map(scores_json),
        "incidents": n.incidents,
        "filteringPenalty": n.penalty,
    })
}

async fn periods(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let p = Params::parse(q.as_deref(), &["format"])?;
    let csv = p.csv(&headers)?;
    let body = st
        .with_store(|s| {
            let list: Vec<Value> = s
                .periods()?
                .iter()
                .map(|p| {
                    json!({
                        "month": p.month,
                        "routes": p.routes,
                        "networks": p.networks,
                        "createdAt": p.created_at,
                        "finishedAt": p.finished_at,
                        "toolVersion": p.tool_version,
                        "profileVersion": p.profile_version,
                    })
                })
                .collect();
            Ok(json!({"periods": list}))
        })
        .await?;
    Ok(respond(csv, "periods", body, "periods"))
}

async fn ases(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let p = Params::parse(
        q.as_deref(),
        &["month", "economies", "rir", "q", "limit", "pageToken", "format"],
    )?;
    let csv = p.csv(&headers)?;
    let (limit, offset) = p.page()?;
    let query = NetworkQuery {
        country: p.economy("economies")?,
        rir: p.get("rir").map(str::to_ascii_lowercase),
        holder: p.get("q").map(str::to_string),
        asn: None,
        limit: Some(limit),
        offset,
    };
    let month = p.month()?;
    let body = st
        .with_store(move |s| {
            let month = pick_month(s, month)?;
            let total = s.count_networks(month, &query)?;
            let list = s.networks(month, &query)?;
            let ases: Vec<Value> = list.iter().map(as_json).collect();
            Ok(json!({
                "month": month,
                "total": total,
                "nextPageToken": next_token(offset, ases.len(), total),
                "ases": ases,
            }))
        })
        .await?;
    Ok(respond(csv, "ases", body, "ases"))
}

fn load_as(s: &Store, month: Option<Month>, asn: Asn) -> Result<(Month, NetworkSummary), ApiError> {
    let month = pick_month(s, month)?;
    let q = NetworkQuery { asn: Some(asn), ..Default::default() };
    let n = s.networks(month, &q)?.pop();
    match n {
        Some(n) => Ok((month, n)),
        None => {
            // Incidents can name an AS that originated nothing.
            let incidents = s.incidents(month, Some(asn))?;
            if incidents.is_empty() {
                return Err(ApiError::not_found(format!(
                    "AS{} is not in period {month}: it originated no route and has no incident",
                    asn.0
                )));
            }
            Ok((
                month,
                NetworkSummary {
                    network: manrs_store::NetworkRow {
                        asn,
                        holder: None,
                        country: None,
                        rir: None,
                        status: None,
                        visibility: manrs_engine::Visibility::Transit,
                        excluded: Some(
                            "not a network of the period: an AS number not delegated, or a \
                             period stored before transit-only networks were kept"
                                .into(),
                        ),
                    },
                    metrics: None,
                    incidents: incidents.len() as u64,
                    penalty: incidents.iter().fold(0.0, |a, i| a + i.score),
                },
            ))
        }
    }
}

async fn one_as(
    State(st): State<Arc<AppState>>,
    Path(asn): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let p = Params::parse(q.as_deref(), &["month"])?;
    let asn = parse_asn(&asn)?;
    let month = p.month()?;
    let body = st
        .with_store(move |s| {
            let (month, n) = load_as(s, month, asn)?;
            let mut v = as_json(&n);
            v["month"] = json!(month);
            v["keyFigures"] = key_figures(n.metrics.as_ref());
            let h = history(s, asn, month)?;
            let (since, change) = trend(&h);
            if let Some(list) = v["keyFigures"].as_array_mut() {
                for k in list {
                    let id = k["id"].as_str().unwrap_or_default().to_string();
                    k["trend"] = change[&id].clone();
                }
            }
            v["trendSince"] = json!(since);
            v["history"] = h;
            Ok(v)
        })
        .await?;
    Ok(axum::Json(body).into_response())
}

/// How many periods a history shows: a rolling year (manrs-spec §3.1).
pub const HISTORY: usize = 12;

/// The stored periods of the rolling year that ends with `upto`, oldest
/// first.
pub fn history_months(s: &Store, upto: Month) -> Result<Vec<Month>, ApiError> {
    let mut months: Vec<Month> =
        s.periods()?.into_iter().map(|p| p.month).filter(|m| *m <= upto).take(HISTORY).collect();
    months.reverse();
    Ok(months)
}

/// A network's five key figures and incident count over the rolling year
/// of stored periods that ends with `upto`, oldest first: one keyed query
/// per period (the incidents are counted, not read).
pub fn history(s: &Store, asn: Asn, upto: Month) -> Result<Value, ApiError> {
    let mut out = Vec::new();
    for month in history_months(s, upto)? {
        let q = NetworkQuery { asn: Some(asn), ..Default::default() };
        let (m, incidents) = match s.networks(month, &q)?.pop() {
            Some(n) => (n.metrics, n.incidents),
            // Not a network of that period; incidents can still name it.
            None => (None, s.incidents(month, Some(asn))?.len() as u64),
        };
        let mut row = json!({
            "month": month,
            "routes": m.as_ref().map(|m| m.routes),
            "incidents": incidents,
        });
        for f in Figure::ALL {
            row[f.api_name()] = json!(m.as_ref().and_then(|m| figure(m, f).value));
        }
        out.push(row);
    }
    Ok(Value::Array(out))
}

/// The change of each key figure since the stored period before the last
/// one of a [`history`] (oldest first): that period, and per figure API name
/// the difference, `null` when either period has no value.
pub fn trend(history: &Value) -> (Option<Value>, Value) {
    let rows = history.as_array().map(Vec::as_slice).unwrap_or_default();
    let mut out = serde_json::Map::new();
    let pair = match rows {
        [.., before, now] => Some((before, now)),
        _ => None,
    };
    for f in Figure::ALL {
        let id = f.api_name();
        let d = pair.and_then(|(b, n)| Some(n[id].as_f64()? - b[id].as_f64()?));
        out.insert(id.into(), json!(d));
    }
    (pair.map(|(b, _)| b["month"].clone()), Value::Object(out))
}

async fn as_routes(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(asn): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let p = Params::parse(q.as_deref(), &["month", "rpki", "irr", "limit", "pageToken", "format"])?;
    let asn = parse_asn(&asn)?;
    let csv = p.csv(&headers)?;
    let (limit, offset) = p.page()?;
    let rov = match p.get("rpki") {
        None => None,
        Some("valid") => Some(RovState::Valid),
        Some("invalid") => Some(RovState::Invalid),
        Some("notFound" | "not-found") => Some(RovState::NotFound),
        Some(v) => {
            return Err(ApiError::bad_request(format!(
                "rpki={v:?}: expected valid, invalid or notFound"
            )));
        }
    };
    let irr_unregistered = match p.get("irr") {
        None => false,
        Some("unregistered") => true,
        Some(v) => {
            return Err(ApiError::bad_request(format!("irr={v:?}: expected unregistered")));
        }
    };
    let month = p.month()?;
    let body = st
        .with_store(move |s| {
            let month = pick_month(s, month)?;
            let q = RouteQuery {
                origin: Some(asn),
                rov,
                irr_unregistered,
                prefix: None,
                limit: Some(limit),
                offset,
            };
            let total = s.count_routes(month, &q)?;
            if total == 0 && s.metrics(month, asn)?.is_none() {
                return Err(ApiError::not_found(format!(
                    "AS{} originated no route in {month}",
                    asn.0
                )));
            }
            let mut routes = Vec::new();
            for r in s.routes(month, &q)? {
                let mut v = route_json(&r);
                let vrps: Vec<Value> =
                    s.route_vrps(r.id)?.iter().map(|x| vrp_json(x, &r)).collect();
                v["vrps"] = json!(vrps);
                routes.push(v);
            }
            Ok(json!({
                "asn": asn,
                "month": month,
                "total": total,
                "nextPageToken": next_token(offset, routes.len(), total),
                "routes": routes,
            }))
        })
        .await?;
    Ok(respond(csv, "routes", body, &format!("AS{}-routes", asn.0)))
}

fn incident_page(
    s: &Store,
    month: Option<Month>,
    asn: Option<Asn>,
    metric: Option<String>,
    limit: u64,
    offset: u64,
) -> Result<Value, ApiError> {
    let month = pick_month(s, month)?;
    let all: Vec<_> = s
        .incidents(month, asn)?
        .into_iter()
        .filter(|i| metric.as_ref().is_none_or(|m| &i.metric == m))
        .collect();
    let total = all.len() as u64;
    let page: Vec<Value> = all
        .iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .map(incident_json)
        .collect();
    Ok(json!({
        "month": month,
        "total": total,
        "nextPageToken": next_token(offset, page.len(), total),
        "incidents": page,
    }))
}

fn metric_param(p: &Params) -> Result<Option<String>, ApiError> {
    const METRICS: [&str; 8] = ["M1", "M1C", "M2", "M2C", "M3", "M3C", "M4", "M4C"];
    match p.get("metric") {
        None => Ok(None),
        Some(v) => {
            let up = v.to_ascii_uppercase();
            if METRICS.contains(&up.as_str()) {
                Ok(Some(up))
            } else {
                Err(ApiError::bad_request(format!(
                    "metric={v:?}: expected one of {}",
                    METRICS.join(", ")
                )))
            }
        }
    }
}

async fn as_incidents(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(asn): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let p = Params::parse(q.as_deref(), &["month", "metric", "limit", "pageToken", "format"])?;
    let asn = parse_asn(&asn)?;
    let csv = p.csv(&headers)?;
    let (limit, offset) = p.page()?;
    let (month, metric) = (p.month()?, metric_param(&p)?);
    let body =
        st.with_store(move |s| incident_page(s, month, Some(asn), metric, limit, offset)).await?;
    Ok(respond(csv, "incidents", body, &format!("AS{}-incidents", asn.0)))
}

async fn incidents(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let p =
        Params::parse(q.as_deref(), &["month", "asn", "metric", "limit", "pageToken", "format"])?;
    let csv = p.csv(&headers)?;
    let (limit, offset) = p.page()?;
    let asn = p.get("asn").map(parse_asn).transpose()?;
    let (month, metric) = (p.month()?, metric_param(&p)?);
    let body = st.with_store(move |s| incident_page(s, month, asn, metric, limit, offset)).await?;
    Ok(respond(csv, "incidents", body, "incidents"))
}

async fn scores(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let p = Params::parse(
        q.as_deref(),
        &["month", "asns", "economies", "limit", "pageToken", "format"],
    )?;
    let csv = p.csv(&headers)?;
    let (limit, offset) = p.page()?;
    let asns = p.asns("asns")?;
    let country = p.economy("economies")?;
    let month = p.month()?;
    let body = st
        .with_store(move |s| {
            let month = pick_month(s, month)?;
            let rows: Vec<NetworkSummary> = match &asns {
                Some(list) => {
                    let mut out = Vec::new();
                    for a in list {
                        let q = NetworkQuery {
                            asn: Some(*a),
                            country: country.clone(),
                            ..Default::default()
                        };
                        out.extend(s.networks(month, &q)?);
                    }
                    out
                }
                None => {
                    let q = NetworkQuery { country: country.clone(), ..Default::default() };
                    s.networks(month, &q)?
                }
            };
            let total = rows.len() as u64;
            let page: Vec<Value> = rows
                .iter()
                .skip(usize::try_from(offset).unwrap_or(usize::MAX))
                .take(usize::try_from(limit).unwrap_or(usize::MAX))
                .map(|n| {
                    let mut v = json!({
                        "asn": n.network.asn,
                        "name": n.network.holder,
                        "economy": n.network.country,
                    });
                    for f in Figure::ALL {
                        let s = n.metrics.as_ref().map_or(Score::NO_DATA, |m| figure(m, f));
                        let j = score_json(s);
                        v[f.api_name()] = j["value"].clone();
                        v[format!("{}Band", f.api_name())] = j["band"].clone();
                    }
                    v["incidents"] = json!(n.incidents);
                    v["filteringPenalty"] = json!(n.penalty);
                    v
                })
                .collect();
            Ok(json!({
                "month": month,
                "total": total,
                "nextPageToken": next_token(offset, page.len(), total),
                "scores": page,
            }))
        })
        .await?;
    Ok(respond(csv, "scores", body, "scores"))
}

async fn score_details(
    State(st): State<Arc<AppState>>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let p = Params::parse(q.as_deref(), &["month", "asn", "limit"])?;
    let asn = parse_asn(
        p.get("asn").ok_or_else(|| ApiError::bad_request("asn is required, e.g. ?asn=64500"))?,
    )?;
    let limit = match p.get("limit") {
        None => DEFAULT_LIMIT,
        Some(_) => p.page()?.0,
    };
    let month = p.month()?;
    let body = st
        .with_store(move |s| {
            let month = pick_month(s, month)?;
            let report = NetworkReport::load(s, month, asn, limit)?;
            if !report.found() {
                return Err(ApiError::not_found(format!(
                    "AS{} is not in period {month}: it originated no route and has no incident",
                    asn.0
                )));
            }
            let mut v = report.to_json();
            v["history"] = history(s, asn, month)?;
            Ok(v)
        })
        .await?;
    Ok(axum::Json(body).into_response())
}

/// Aggregate key figures of a set of networks, in API order: mean value
/// and the count and share of the networks with data per band.
fn aggregate(rows: &[NetworkSummary]) -> Vec<Value> {
    Figure::ALL
        .iter()
        .map(|f| {
            let vals: Vec<(f64, Band)> = rows
                .iter()
                .filter_map(|n| n.metrics.as_ref())
                .filter_map(|m| {
                    let s = figure(m, *f);
                    s.value.zip(s.band)
                })
                .collect();
            let n = vals.len();
            let mean = (n > 0).then(|| vals.iter().map(|v| v.0).sum::<f64>() / n as f64);
            let severities: Vec<Value> = [Band::Ready, Band::Aspiring, Band::Lagging]
                .iter()
                .map(|b| {
                    let c = vals.iter().filter(|v| v.1 == *b).count();
                    json!({
                        "id": b.as_str(),
                        "count": c,
                        "percentage": if n > 0 { 100.0 * c as f64 / n as f64 } else { 0.0 },
                    })
                })
                .collect();
            json!({"id": f.api_name(), "value": mean, "networks": n, "severities": severities})
        })
        .collect()
}

async fn summary(
    State(st): State<Arc<AppState>>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let p = Params::parse(q.as_deref(), &["month", "region", "rir", "asn"])?;
    // world, an economy (alpha-2) or a UN M49 region by code or name.
    let (region, area) = match p.get("region") {
        None => (None, None),
        Some(v) if v.eq_ignore_ascii_case("world") => (None, None),
        Some(v) if v.len() == 2 && v.bytes().all(|b| b.is_ascii_alphabetic()) => {
            (p.economy("region")?, None)
        }
        Some(v) => match manrs_types::m49::find_area(v) {
            Some(a) => (None, Some(a)),
            None => {
                return Err(ApiError::bad_request(format!(
                    "region={v:?}: expected world, an economy (ISO 3166 alpha-2, e.g. BR) or a UN M49 region by code or name (e.g. 005 or South America)"
                )));
            }
        },
    };
    let rir = p.get("rir").map(str::to_ascii_lowercase);
    let asn = p.get("asn").map(parse_asn).transpose()?;
    let month = p.month()?;
    let body = st
        .with_store(move |s| {
            let month = pick_month(s, month)?;
            let q = NetworkQuery {
                country: region.clone(),
                rir: rir.clone(),
                asn,
                ..Default::default()
            };
            // The networks of an M49 area: those of its economies.
            let select = |m: Month| -> Result<Vec<NetworkSummary>, ApiError> {
                let mut rows = s.networks(m, &q)?;
                // Networks not delegated count only when asked for by AS
                // (manrs-spec §2.1).
                if asn.is_none() {
                    rows.retain(|n| n.network.excluded.is_none());
                }
                if let Some(a) = area {
                    rows.retain(|n| {
                        n.network.country.as_deref().is_some_and(|c| m49::in_area(c, a.code))
                    });
                }
                Ok(rows)
            };
            let rows = select(month)?;
            let scoped = region.is_some() || area.is_some() || rir.is_some() || asn.is_some();
            if rows.is_empty() && scoped {
                return Err(ApiError::not_found(format!("no network matches in {month}")));
            }
            let mut figures = aggregate(&rows);
            // Trend: the change of the mean since the previous stored period.
            let prev = s.periods()?.into_iter().map(|p| p.month).find(|m| *m < month);
            let old = match prev {
                Some(pm) => aggregate(&select(pm)?),
                None => Vec::new(),
            };
            for (i, cur) in figures.iter_mut().enumerate() {
                let was = old.get(i).and_then(|o| o["value"].as_f64());
                cur["trend"] = match (cur["value"].as_f64(), was) {
                    (Some(a), Some(b)) => json!(a - b),
                    _ => Value::Null,
                };
            }
            let counts = s.incident_counts(month)?;
            let incidents: serde_json::Map<String, Value> = if !scoped {
                counts
                    .iter()
                    .map(|c| {
                        (
                            c.metric.clone(),
                            json!({"incidents": c.incidents, "networks": c.networks}),
                        )
                    })
                    .collect()
            } else {
                let mut m = serde_json::Map::new();
                for n in rows.iter().filter(|n| n.incidents > 0) {
                    for i in s.incidents(month, Some(n.network.asn))? {
                        let e = m
                            .entry(i.metric.clone())
                            .or_insert_with(|| json!({"incidents": 0, "networks": []}));
                        e["incidents"] = json!(e["incidents"].as_u64().unwrap_or(0) + 1);
                        if let Some(list) = e["networks"].as_array_mut()
                            && !list.contains(&json!(i.asn))
                        {
                            list.push(json!(i.asn));
                        }
                    }
                }
                for v in m.values_mut() {
                    let n = v["networks"].as_array().map_or(0, Vec::len);
                    v["networks"] = json!(n);
                }
                m
            };
            Ok(json!({
                "month": month,
                "scope": {
                    "region": match area {
                        Some(a) => format!("{:03}", a.code),
                        None => region.clone().unwrap_or_else(|| "world".into()),
                    },
                    "regionName": area.map(|a| a.name),
                    "rir": rir,
                    "asn": asn,
                },
                "networks": rows.len(),
                "previousMonth": prev,
                "scores": {"keyFigures": figures},
                "incidents": incidents,
            }))
        })
        .await?;
    Ok(axum::Json(body).into_response())
}

/// An economy aggregate row as JSON.
pub fn economy_json(e: &manrs_store::EconomyRow) -> Value {
    json!({
        "economy": e.country,
        "name": e.country.as_deref().and_then(crate::geo::name),
        "networks": e.networks,
        "scoredNetworks": e.scored,
        "routes": e.routes,
        "valid": e.valid,
        "invalid": e.invalid,
        "irrCovered": e.irr_covered,
        "routingInformationRPKI": e.rpki_mean,
        "rpkiReady": e.rpki_bands[0],
        "rpkiAspiring": e.rpki_bands[1],
        "rpkiLagging": e.rpki_bands[2],
        "routingInformationIRR": e.irr_mean,
        "irrReady": e.irr_bands[0],
        "irrAspiring": e.irr_bands[1],
        "irrLagging": e.irr_bands[2],
        "incidents": e.incidents,
        "networksWithIncidents": e.networks_with_incidents,
        "filtering": e.filtering.mean,
        "filteringReady": e.filtering.bands[0],
        "filteringAspiring": e.filtering.bands[1],
        "filteringLagging": e.filtering.bands[2],
        "antiSpoofing": e.anti_spoofing.mean,
        "antiSpoofingMeasured": e.anti_spoofing.measured,
        "antiSpoofingReady": e.anti_spoofing.bands[0],
        "antiSpoofingAspiring": e.anti_spoofing.bands[1],
        "antiSpoofingLagging": e.anti_spoofing.bands[2],
        "coordination": e.coordination.mean,
        "coordinationMeasured": e.coordination.measured,
        "coordinationReady": e.coordination.bands[0],
        "coordinationAspiring": e.coordination.bands[1],
        "coordinationLagging": e.coordination.bands[2],
    })
}

/// [`Store::economies`] or [`Store::registries`].
pub type Aggregates =
    fn(&Store, Month) -> Result<Vec<manrs_store::EconomyRow>, manrs_store::StoreError>;

/// `/economies` and `/regions`: the period's aggregates, listed under
/// `key`; regions name their registry in `region`.
async fn aggregates(
    st: Arc<AppState>,
    headers: HeaderMap,
    q: Option<String>,
    key: &'static str,
    rows: Aggregates,
) -> Result<Response, ApiError> {
    let p = Params::parse(q.as_deref(), &["month", "format"])?;
    let csv = p.csv(&headers)?;
    let month = p.month()?;
    let body = st
        .with_store(move |s| {
            let month = pick_month(s, month)?;
            let list: Vec<Value> = rows(s, month)?
                .iter()
                .map(|r| {
                    let mut j = economy_json(r);
                    if key == "regions"
                        && let Some(o) = j.as_object_mut()
                    {
                        let registry = o.remove("economy").unwrap_or(Value::Null);
                        o.remove("name");
                        o.insert("region".into(), registry);
                    }
                    j
                })
                .collect();
            Ok(json!({"month": month, key: list}))
        })
        .await?;
    Ok(respond(csv, key, body, key))
}

async fn economies(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    aggregates(st, headers, q, "economies", Store::economies).await
}

async fn regions(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    aggregates(st, headers, q, "regions", Store::registries).await
}

async fn openapi(RawQuery(q): RawQuery) -> Result<Response, ApiError> {
    Params::parse(q.as_deref(), &[])?;
    Ok(axum::Json(crate::openapi::document()).into_response())
}

async fn api_not_found(uri: axum::http::Uri) -> ApiError {
    ApiError::not_found(format!("no API endpoint {}; see /api/v2/openapi.json", uri.path()))
}
