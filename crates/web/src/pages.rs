//! The dashboard: HTML pages rendered on the server (minijinja templates
//! compiled into the binary) after the Observatory views (manrs-spec §3.1):
//! the overview of a scope and month with readiness distributions and
//! incidents, economy pages, the network page with the key figures, their
//! history and every point lost with its evidence, the comparison of two
//! periods, and a search box (ASN, holder name, prefix, economy). The only
//! script is the vendored uPlot (MIT, `assets/vendor/uplot`) for history
//! charts; every value is also in the HTML, so the pages work without it.

use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use manrs_report::{NetworkReport, incident_json, route_json, vrp_json};
use manrs_store::{NetworkQuery, RouteQuery, Store};
use manrs_types::{Asn, Month, Prefix};
use minijinja::Environment;
use serde_json::{Value, json};

use crate::api::{Aggregates, Params, as_json, economy_json, history, parse_asn};
use crate::{ApiError, AppState, parse_month, pick_month};

/// Networks listed per page on economy and search pages.
const PAGE: u64 = 200;

/// The page routes and the assets.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/", get(overview))
        .route("/networks/{asn}", get(network))
        .route("/economies/{cc}", get(economy))
        .route("/regions/{rir}", get(region))
        .route("/compare", get(compare))
        .route("/search", get(search))
        .route("/assets/{*file}", get(asset))
}

/// An error as an HTML page.
pub struct PageError(pub ApiError);

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> PageError {
        PageError(e)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let body = render(
            "error.html",
            json!({"title": format!("{} {}", self.0.status.as_u16(), self.0.status.canonical_reason().unwrap_or("")), "message": self.0.message}),
        )
        .unwrap_or_else(|e| Html(format!("<pre>{}</pre>", e.0.message)));
        let mut r = (self.0.status, body).into_response();
        if let Some(s) = self.0.retry_after {
            r.headers_mut().insert(header::RETRY_AFTER, s.into());
        }
        r
    }
}

fn env() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        for (name, text) in [
            ("base.html", include_str!("../templates/base.html")),
            ("overview.html", include_str!("../templates/overview.html")),
            ("network.html", include_str!("../templates/network.html")),
            ("economy.html", include_str!("../templates/economy.html")),
            ("compare.html", include_str!("../templates/compare.html")),
            ("search.html", include_str!("../templates/search.html")),
            ("error.html", include_str!("../templates/error.html")),
            ("macros.html", include_str!("../templates/macros.html")),
            ("report.html", include_str!("../templates/report.html")),
            ("m49.html", include_str!("../templates/m49.html")),
            ("login.html", include_str!("../templates/login.html")),
            ("register.html", include_str!("../templates/register.html")),
            ("key.html", include_str!("../templates/key.html")),
            ("programme.html", include_str!("../templates/programme.html")),
            ("apply.html", include_str!("../templates/apply.html")),
            ("application.html", include_str!("../templates/application.html")),
            ("participants.html", include_str!("../templates/participants.html")),
            ("incidents.html", include_str!("../templates/incidents.html")),
            ("audit.html", include_str!("../templates/audit.html")),
            ("conformance.html", include_str!("../templates/conformance.html")),
        ] {
            // The templates are part of the binary; a syntax error in one is
            // caught by the tests that render every page.
            if let Err(e) = env.add_template(name, text) {
                eprintln!("manrs-web: template {name}: {e}");
            }
        }
        env.add_filter("pct", |v: Option<f64>| -> String {
            v.map_or_else(|| "no data".into(), |v| format!("{:.1}%", v * 100.0))
        });
        env.add_filter("num", |v: i64| -> String { group(v) });
        env.add_filter("utc", |v: Option<i64>| -> String {
            v.map_or_else(|| "-".into(), manrs_types::format_utc)
        });
        env.add_filter("signed", |v: Option<f64>| -> String {
            v.map_or_else(String::new, |v| format!("{:+.1}", v * 100.0))
        });
        env
    })
}

/// Thousands separators: 1366894 -> 1,366,894.
fn group(v: i64) -> String {
    let s = v.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if v < 0 { format!("-{out}") } else { out }
}

/// Renders a template with a JSON context.
pub fn render(name: &str, ctx: Value) -> Result<Html<String>, PageError> {
    env()
        .get_template(name)
        .and_then(|t| t.render(minijinja::value::Serde(&ctx)))
        .map(Html)
        .map_err(|e| PageError(ApiError::internal(format!("rendering {name}: {e}"))))
}

/// A `manrs report` document (network or aggregate) as a standalone HTML
/// page, its style sheet inlined.
pub fn report_html(report: &Value) -> Result<String, minijinja::Error> {
    let figures: Vec<&str> = manrs_engine::Figure::ALL.iter().map(|f| f.api_name()).collect();
    let css = include_str!("../assets/style.css");
    env().get_template("report.html")?.render(minijinja::value::Serde(&json!({
        "r": report,
        "figures": figures,
        "css": css,
    })))
}

/// The month list for the selector, newest first.
fn months(s: &Store) -> Result<Vec<Month>, ApiError> {
    Ok(s.periods()?.iter().map(|p| p.month).collect())
}

async fn overview(
    State(st): State<Arc<AppState>>,
    RawQuery(q): RawQuery,
) -> Result<Html<String>, PageError> {
    let p = Params::parse(q.as_deref(), &["month"])?;
    let month = p.month()?;
    let ctx = st
        .with_store(move |s| {
            let month = pick_month(s, month)?;
            let info = s.period(month)?;
            let eco = s.economies(month)?;
            let mut world = json!({"networks": 0, "scored": 0, "routes": 0, "valid": 0, "invalid": 0,
                "rpki": [0, 0, 0], "irr": [0, 0, 0], "incidentNetworks": 0});
            let (mut rpki_sum, mut irr_sum, mut irr_n, mut covered, mut irr_data) = (0.0, 0.0, 0u64, 0u64, false);
            // filtering, antiSpoofing, coordination: (sum of values, networks measured, bands).
            let mut figs = [(0.0, 0u64, [0u64; 3]); 3];
            for e in &eco {
                for (acc, agg) in figs.iter_mut().zip([&e.filtering, &e.anti_spoofing, &e.coordination]) {
                    acc.0 += agg.mean.unwrap_or(0.0) * agg.measured as f64;
                    acc.1 += agg.measured;
                    for i in 0..3 {
                        acc.2[i] += agg.bands[i];
                    }
                }
                let add = |w: &mut Value, k: &str, v: u64| w[k] = json!(w[k].as_u64().unwrap_or(0) + v);
                add(&mut world, "networks", e.networks);
                add(&mut world, "scored", e.scored);
                add(&mut world, "routes", e.routes);
                add(&mut world, "valid", e.valid);
                add(&mut world, "invalid", e.invalid);
                add(&mut world, "incidentNetworks", e.networks_with_incidents);
                for i in 0..3 {
                    world["rpki"][i] = json!(world["rpki"][i].as_u64().unwrap_or(0) + e.rpki_bands[i]);
                    world["irr"][i] = json!(world["irr"][i].as_u64().unwrap_or(0) + e.irr_bands[i]);
                }
                rpki_sum += e.rpki_mean.unwrap_or(0.0) * e.scored as f64;
                if let (Some(m), Some(c)) = (e.irr_mean, e.irr_covered) {
                    let n: u64 = e.irr_bands.iter().sum();
                    irr_sum += m * n as f64;
                    irr_n += n;
                    covered += c;
                    irr_data = true;
                }
            }
            for (key, acc) in ["filtering", "antiSpoofing", "coordination"].iter().zip(figs) {
                world[*key] = json!({
                    "mean": (acc.1 > 0).then(|| acc.0 / acc.1 as f64),
                    "measured": acc.1,
                    "bands": acc.2,
                });
            }
            let scored = world["scored"].as_u64().unwrap_or(0);
            world["rpkiMean"] = json!((scored > 0).then(|| rpki_sum / scored as f64));
            world["irrMean"] = json!((irr_n > 0).then(|| irr_sum / irr_n as f64));
            world["irrCovered"] = json!(irr_data.then_some(covered));
            let routes = world["routes"].as_u64().unwrap_or(0);
            world["validShare"] = json!((routes > 0).then(|| world["valid"].as_f64().unwrap_or(0.0) / routes as f64));
            world["invalidShare"] = json!((routes > 0).then(|| world["invalid"].as_f64().unwrap_or(0.0) / routes as f64));
            world["irrShare"] = json!(irr_data.then(|| covered as f64 / routes.max(1) as f64));
            let mut economies: Vec<Value> = eco.iter().map(economy_json).collect();
            economies.sort_by_key(|e| std::cmp::Reverse(e["networks"].as_u64().unwrap_or(0)));
            let max_networks = economies.first().and_then(|e| e["networks"].as_u64()).unwrap_or(1);
            // The map: a dot per economy with a shape, area by networks.
            let dots: Vec<Value> = economies
                .iter()
                .filter_map(|e| {
                    let cc = e["economy"].as_str()?;
                    let g = crate::geo::economy(cc)?;
                    let n = e["networks"].as_u64()? as f64;
                    Some(json!({
                        "cc": cc,
                        "name": g.name,
                        "x": g.x?,
                        "y": g.y?,
                        "r": ((2.0 + 18.0 * (n / max_networks.max(1) as f64).sqrt()) * 10.0).round() / 10.0,
                        "networks": e["networks"],
                        "rpki": e["routingInformationRPKI"],
                        "incidents": e["incidents"],
                    }))
                })
                .collect();
            let incidents: Vec<Value> = s
                .incident_counts(month)?
                .iter()
                .map(|c| json!({"metric": c.metric, "incidents": c.incidents, "networks": c.networks}))
                .collect();
            let regions: Vec<Value> = s
                .registries(month)?
                .iter()
                .map(|r| {
                    let mut j = economy_json(r);
                    j["label"] = json!(r.country.as_deref().and_then(|k| REGISTRIES.iter().find(|x| x.0 == k)).map(|x| x.1));
                    j
                })
                .collect();
            let top: Vec<Value> = {
                let mut all = s.incidents(month, None)?;
                all.sort_by(|a, b| b.score.total_cmp(&a.score));
                all.iter().take(10).map(incident_json).collect()
            };
            Ok(json!({
                "title": format!("Overview {month}"),
                "month": month,
                "months": months(s)?,
                "period": info.map(|p| json!({"routes": p.routes, "networks": p.networks, "finishedAt": p.finished_at, "toolVersion": p.tool_version, "universe": p.stats.get("universe")})),
                "world": world,
                "economies": economies,
                "maxNetworks": max_networks,
                "map": {"land": crate::geo::LAND.trim(), "dots": dots, "width": crate::geo::SIZE.0, "height": crate::geo::SIZE.1},
                "incidentCounts": incidents,
                "regions": regions,
                "topIncidents": top,
            }))
        })
        .await?;
    render("overview.html", ctx)
}

async fn network(
    State(st): State<Arc<AppState>>,
    Path(asn): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Html<String>, PageError> {
    let p = Params::parse(q.as_deref(), &["month"])?;
    let asn = parse_asn(&asn)?;
    let month = p.month()?;
    let ctx = st
        .with_store(move |s| {
            let month = pick_month(s, month)?;
            let report = NetworkReport::load(s, month, asn, 100)?;
            if !report.found() {
                return Err(ApiError::not_found(format!(
                    "AS{} is not in period {month}: it originated no route and has no incident",
                    asn.0
                )));
            }
            let mut r = report.to_json();
            let network =
                s.networks(month, &NetworkQuery { asn: Some(asn), ..Default::default() })?.pop();
            r["network"] = network.as_ref().map_or(Value::Null, as_json);
            let h = history(s, asn, month)?;
            let (since, change) = crate::api::trend(&h);
            r["trendSince"] = json!(since);
            r["trend"] = change;
            r["history"] = h;
            r["penalty"] = json!(report.penalty());
            if let Some(m) = report.metrics.as_ref().filter(|m| m.routes > 0) {
                let total = m.routes as f64;
                r["explain"] = json!({
                    "raw": (m.valid as f64 - 10.0 * m.invalid as f64) / total,
                    "notFoundCost": 1.0 / total,
                    "invalidCost": 11.0 / total,
                    "unregisteredCost": 1.0 / total,
                });
                // The valid routes are evidence too (their VRPs), shown
                // briefly.
                let q = RouteQuery {
                    origin: Some(asn),
                    rov: Some(manrs_engine::RovState::Valid),
                    limit: Some(20),
                    ..Default::default()
                };
                let valid: Vec<Value> = s
                    .routes(month, &q)?
                    .iter()
                    .map(|x| {
                        let mut v = route_json(x);
                        let vrps: Vec<Value> = s
                            .route_vrps(x.id)
                            .unwrap_or_default()
                            .iter()
                            .map(|y| vrp_json(y, x))
                            .collect();
                        v["vrps"] = json!(vrps);
                        v
                    })
                    .collect();
                r["validRoutes"] = json!(valid);
            }
            r["title"] = json!(format!("AS{}", asn.0));
            r["month"] = json!(month);
            r["months"] = json!(months(s)?);
            Ok(r)
        })
        .await?;
    render("network.html", ctx)
}

/// The registries (RIR regions) and how they are written.
pub const REGISTRIES: [(&str, &str); 5] = [
    ("afrinic", "AFRINIC"),
    ("apnic", "APNIC"),
    ("arin", "ARIN"),
    ("lacnic", "LACNIC"),
    ("ripencc", "RIPE NCC"),
];

/// The scope of an aggregate page.
#[derive(Clone, Debug)]
enum Scope {
    /// An economy (ISO 3166 code).
    Economy(String),
    /// A registry's region.
    Registry(&'static str, &'static str),
}

async fn economy(
    State(st): State<Arc<AppState>>,
    Path(cc): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Html<String>, PageError> {
    let cc = cc
        .parse::<manrs_types::Country>()
        .map_err(|e| ApiError::bad_request(e.to_string()))?
        .as_str()
        .to_string();
    scope_page(st, Scope::Economy(cc), q).await
}

async fn region(
    State(st): State<Arc<AppState>>,
    Path(rir): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Html<String>, PageError> {
    let lower = rir.to_ascii_lowercase().replace([' ', '-'], "");
    if let Some((key, label)) = REGISTRIES.iter().find(|(k, _)| *k == lower).copied() {
        return scope_page(st, Scope::Registry(key, label), q).await;
    }
    let area = manrs_types::m49::find_area(&rir).ok_or_else(|| {
        ApiError::not_found(format!(
            "no region {rir:?}: a registry ({}) or a UN M49 region, sub-region or intermediate region by code or name (e.g. 150, Europe, 005)",
            REGISTRIES.map(|r| r.0).join(", ")
        ))
    })?;
    m49_page(st, area, q).await
}

/// A UN M49 region, sub-region or intermediate region: the five key
/// figures of its networks (the shared `manrs report` document), its
/// economies, its sub-regions, history and the change since the stored
/// period before.
async fn m49_page(
    st: Arc<AppState>,
    area: manrs_types::m49::M49Area,
    q: Option<String>,
) -> Result<Html<String>, PageError> {
    use manrs_report::area::{Scope as Area, area_report};
    use manrs_types::m49;
    let p = Params::parse(q.as_deref(), &["month"])?;
    let month = p.month()?;
    let ctx = st
        .with_store(move |s| {
            let month = pick_month(s, month)?;
            let all = months(s)?;
            let before = all.iter().copied().filter(|m| *m < month).max();
            let scope = Area::Region { code: area.code, name: area.name.to_string() };
            let heading = format!("Region {} ({:03})", area.name, area.code);
            let report = area_report(s, month, before, &scope)?.ok_or_else(|| {
                ApiError::not_found(format!("no network in {heading} in {month}"))
            })?;
            let economies: Vec<Value> = s
                .economies(month)?
                .iter()
                .filter(|e| e.country.as_deref().is_some_and(|c| m49::in_area(c, area.code)))
                .map(economy_json)
                .collect();
            let parts: Vec<Value> = m49::areas()
                .into_iter()
                .filter(|a| a.code != area.code && is_part_of(a.code, area.code))
                .map(|a| json!({"code": format!("{:03}", a.code), "name": a.name}))
                .collect();
            let figures: Vec<&str> =
                manrs_engine::Figure::ALL.iter().map(|f| f.api_name()).collect();
            Ok(json!({
                "title": heading,
                "heading": heading,
                "code": format!("{:03}", area.code),
                "month": month,
                "months": all,
                "r": report,
                "figures": figures,
                "economies": economies,
                "parts": parts,
            }))
        })
        .await?;
    render("m49.html", ctx)
}

/// Whether M49 area `inner` lies inside `outer`: every economy of `inner`
/// is in `outer`, and it has one.
fn is_part_of(inner: u16, outer: u16) -> bool {
    let mut members = manrs_types::m49::countries().filter(|c| manrs_types::m49::in_area(c, inner));
    let Some(first) = members.next() else { return false };
    manrs_types::m49::in_area(first, outer) && members.all(|c| manrs_types::m49::in_area(c, outer))
}

async fn scope_page(
    st: Arc<AppState>,
    scope: Scope,
    q: Option<String>,
) -> Result<Html<String>, PageError> {
    let p = Params::parse(q.as_deref(), &["month", "page"])?;
    let page = match p.get("page") {
        None => 1,
        Some(v) => v.parse::<u64>().ok().filter(|n| *n >= 1).ok_or_else(|| {
            ApiError::bad_request(format!("page={v:?}: expected a page number from 1"))
        })?,
    };
    let month = p.month()?;
    let ctx = st
        .with_store(move |s| {
            let month = pick_month(s, month)?;
            let (key, rows_of): (String, Aggregates) = match &scope {
                Scope::Economy(cc) => (cc.clone(), Store::economies),
                Scope::Registry(k, _) => ((*k).to_string(), Store::registries),
            };
            let mut hist = Vec::new();
            let mut row = None;
            for m in crate::api::history_months(s, month)? {
                if let Some(e) = rows_of(s, m)?.into_iter().find(|e| e.country.as_deref() == Some(key.as_str())) {
                    let j = economy_json(&e);
                    hist.push(json!({"month": m, "routingInformationRPKI": j["routingInformationRPKI"], "routingInformationIRR": j["routingInformationIRR"], "networks": j["networks"], "incidents": j["incidents"]}));
                    if m == month {
                        row = Some(j);
                    }
                }
            }
            let (heading, name, path) = match &scope {
                Scope::Economy(cc) => (format!("Economy {cc}"), crate::geo::name(cc).map(str::to_string), format!("/economies/{cc}")),
                Scope::Registry(k, label) => (format!("Region {label}"), Some("networks whose AS number this registry delegated".to_string()), format!("/regions/{k}")),
            };
            let Some(row) = row else {
                return Err(ApiError::not_found(format!("no network in {heading} in {month}")));
            };
            let mut q = NetworkQuery { limit: Some(PAGE), offset: (page - 1) * PAGE, ..Default::default() };
            match &scope {
                Scope::Economy(cc) => q.country = Some(cc.clone()),
                Scope::Registry(k, _) => q.rir = Some((*k).to_string()),
            }
            let total = s.count_networks(month, &q)?;
            let nets: Vec<Value> = s.networks(month, &q)?.iter().map(as_json).collect();
            Ok(json!({
                "title": heading,
                "heading": heading,
                "name": name,
                "path": path,
                "month": month,
                "months": months(s)?,
                "economy": row,
                "history": hist,
                "networks": nets,
                "total": total,
                "page": page,
                "pages": total.div_ceil(PAGE),
            }))
        })
        .await?;
    render("economy.html", ctx)
}

async fn compare(
    State(st): State<Arc<AppState>>,
    RawQuery(q): RawQuery,
) -> Result<Html<String>, PageError> {
    let p = Params::parse(q.as_deref(), &["a", "b"])?;
    let a = p.get("a").map(parse_month).transpose()?;
    let b = p.get("b").map(parse_month).transpose()?;
    let ctx = st
        .with_store(move |s| {
            let all = months(s)?;
            if all.len() < 2 && (a.is_none() || b.is_none()) {
                return Err(ApiError::not_found("a comparison needs two stored periods"));
            }
            let b = pick_month(s, b.or(all.first().copied()))?;
            let a = pick_month(s, a.or_else(|| all.iter().copied().find(|m| *m < b)).or(all.last().copied()))?;
            let ea = s.economies(a)?;
            let eb = s.economies(b)?;
            let mut rows = Vec::new();
            for e in &eb {
                let old = ea.iter().find(|x| x.country == e.country);
                rows.push(json!({
                    "economy": e.country,
                    "networksA": old.map(|o| o.networks),
                    "networksB": e.networks,
                    "rpkiA": old.and_then(|o| o.rpki_mean),
                    "rpkiB": e.rpki_mean,
                    "rpkiChange": match (old.and_then(|o| o.rpki_mean), e.rpki_mean) { (Some(x), Some(y)) => Some(y - x), _ => None },
                    "incidentsA": old.map(|o| o.incidents),
                    "incidentsB": e.incidents,
                }));
            }
            for o in ea.iter().filter(|o| !eb.iter().any(|e| e.country == o.country)) {
                rows.push(json!({"economy": o.country, "networksA": o.networks, "networksB": 0, "rpkiA": o.rpki_mean, "rpkiB": null, "rpkiChange": null, "incidentsA": o.incidents, "incidentsB": 0}));
            }
            rows.sort_by_key(|r| std::cmp::Reverse(r["networksB"].as_u64().unwrap_or(0)));
            let total = |list: &[manrs_store::EconomyRow]| {
                let scored: u64 = list.iter().map(|e| e.scored).sum();
                let sum = list.iter().fold(0.0, |a, e| a + e.rpki_mean.unwrap_or(0.0) * e.scored as f64);
                json!({
                    "networks": list.iter().map(|e| e.networks).sum::<u64>(),
                    "routes": list.iter().map(|e| e.routes).sum::<u64>(),
                    "rpki": (scored > 0).then(|| sum / scored as f64),
                    "incidents": list.iter().map(|e| e.incidents).sum::<u64>(),
                })
            };
            Ok(json!({
                "title": format!("Compare {a} and {b}"),
                "a": a, "b": b, "months": all,
                "worldA": total(&ea), "worldB": total(&eb),
                "rows": rows,
            }))
        })
        .await?;
    render("compare.html", ctx)
}

async fn search(
    State(st): State<Arc<AppState>>,
    RawQuery(q): RawQuery,
) -> Result<Response, PageError> {
    let p = Params::parse(q.as_deref(), &["q", "month"])?;
    let text = p.get("q").unwrap_or("").trim().to_string();
    let month = p.month()?;
    let suffix = month.map(|m| format!("?month={m}")).unwrap_or_default();
    if text.is_empty() {
        return Ok(Redirect::to("/").into_response());
    }
    if let Ok(asn) = text.parse::<Asn>() {
        return Ok(Redirect::to(&format!("/networks/{}{suffix}", asn.0)).into_response());
    }
    let prefix = text.parse::<Prefix>().ok();
    let economy = (text.len() == 2).then(|| text.parse::<manrs_types::Country>().ok()).flatten();
    let ctx = st
        .with_store(move |s| {
            let month = pick_month(s, month)?;
            let mut routes = Vec::new();
            if let Some(p) = prefix {
                // The routes of the prefix: its origins' networks.
                let q = RouteQuery { prefix: Some(p), limit: Some(50), ..Default::default() };
                routes = s.routes(month, &q)?.iter().map(route_json).collect();
            }
            let q = NetworkQuery {
                holder: Some(text.clone()),
                limit: Some(PAGE),
                ..Default::default()
            };
            let total = s.count_networks(month, &q)?;
            let nets: Vec<Value> = s.networks(month, &q)?.iter().map(as_json).collect();
            let eco = economy.filter(|c| {
                s.economies(month)
                    .map(|e| e.iter().any(|x| x.country.as_deref() == Some(c.as_str())))
                    .unwrap_or(false)
            });
            Ok(json!({
                "title": format!("Search {text}"),
                "q": text,
                "month": month,
                "months": months(s)?,
                "economy": eco.map(|c| c.as_str().to_string()),
                "routes": routes,
                "networks": nets,
                "total": total,
            }))
        })
        .await?;
    Ok(render("search.html", ctx)?.into_response())
}

/// The assets compiled into the binary.
async fn asset(Path(file): Path<String>) -> Response {
    let (body, ctype): (&'static [u8], &str) = match file.as_str() {
        "style.css" => (include_bytes!("../assets/style.css"), "text/css; charset=utf-8"),
        "app.js" => (include_bytes!("../assets/app.js"), "text/javascript; charset=utf-8"),
        "vendor/uplot/uPlot.iife.min.js" => (
            include_bytes!("../assets/vendor/uplot/uPlot.iife.min.js"),
            "text/javascript; charset=utf-8",
        ),
        "vendor/uplot/uPlot.min.css" => {
            (include_bytes!("../assets/vendor/uplot/uPlot.min.css"), "text/css; charset=utf-8")
        }
        "vendor/uplot/LICENSE" => {
            (include_bytes!("../assets/vendor/uplot/LICENSE"), "text/plain; charset=utf-8")
        }
        _ => return (StatusCode::NOT_FOUND, "no such asset").into_response(),
    };
    ([(header::CONTENT_TYPE, ctype), (header::CACHE_CONTROL, "public, max-age=3600")], body)
        .into_response()
}

/// 404 for every other path: JSON under /api, a page elsewhere.
pub async fn not_found(uri: axum::http::Uri) -> Response {
    let e = ApiError::not_found(format!("nothing at {}", uri.path()));
    if uri.path().starts_with("/api/") { e.into_response() } else { PageError(e).into_response() }
}

#[cfg(test)]
mod tests {
    #[test]
    fn thousands_are_grouped() {
        let got: Vec<String> = [0, 999, 1000, 52_588, 1_366_894, -1234].map(super::group).to_vec();
        assert_eq!(got, ["0", "999", "1,000", "52,588", "1,366,894", "-1,234"]);
    }
}
