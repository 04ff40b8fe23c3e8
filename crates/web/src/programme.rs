//! The MANRS programme on the web (manrs-spec §1.5-1.6, §2.9, §3.2-3.3):
//!
//! * applying (`/programme/apply`, `POST /api/v2/applications`): the
//!   organisation, areas served, ASNs, the programme and one claim per
//!   action, checked against the catalogue;
//! * the auditor's review (`/programme/applications/{id}`): the
//!   application beside the readiness history and the open incidents of
//!   its ASNs, and the decision (approve, ask for changes, reject) with a
//!   reason, each written to the audit log (`/programme/audit`);
//! * the public participants table per programme with their key figures
//!   (`/participants`, `/api/v2/participants`, CSV, `/api/v2/asns`);
//! * false-positive feedback: a participant marks an incident of its own
//!   ASN (`/programme/incidents/{asn}`, `POST /api/v2/feedback`), an auditor
//!   accepts or rejects it; accepted ones are left out of a recomputed
//!   `filtering` kept beside the period's own;
//! * the monthly conformance report of a participant
//!   (`/programme/participants/{id}/report`, `/api/v2/participants/{id}/report`),
//!   also built by `manrs programme reports` for e-mail.
//!
//! Private pages need a login (participants see their own applications,
//! networks and reports; auditors and admins everything), forms a CSRF
//! token ([`crate::auth`]).

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use manrs_engine::{Figure, Profile, Score};
use manrs_programme::auth as cred;
use manrs_programme::{ActionClaim, Application, Catalogue};
use manrs_report::{incident_json, score_json};
use manrs_store::programme::{feedback_status, status};
use manrs_store::{ParticipantRow, Store};
use manrs_types::{Asn, Month};
use serde_json::{Value, json};

use crate::api::{Params, history, parse_asn};
use crate::auth::{
    Who, api_user, field, json_body, now, private, require_web_user, user_form, user_json, web_user,
};
use crate::pages::{PageError, render};
use crate::{ApiError, AppState, pick_month};

/// The feedback verdicts a participant may give (manrs-spec §2.9).
pub const VERDICTS: [&str; 4] = ["legitimate-change", "wrong-attribution", "data-error", "other"];

/// The programme's routes.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/programme", get(dashboard))
        .route("/programme/apply", get(apply_form).post(apply))
        .route("/programme/applications/{id}", get(application_page))
        .route("/programme/applications/{id}/decision", post(decide_form))
        .route("/programme/audit", get(audit_page))
        .route("/programme/incidents/{asn}", get(incidents_page))
        .route("/programme/feedback", post(feedback_form))
        .route("/programme/feedback/{id}/decision", post(feedback_decision_form))
        .route("/programme/participants/{id}/report", get(report_page))
        .route("/participants", get(participants_page))
        .route("/api/v2/participants", get(api_participants))
        .route("/api/v2/participants/{id}/report", get(api_report))
        .route("/api/v2/asns", get(api_asns))
        .route("/api/v2/applications", get(api_applications).post(api_apply))
        .route("/api/v2/applications/{id}", get(api_application).post(api_resubmit))
        .route("/api/v2/applications/{id}/decision", post(api_decide))
        .route("/api/v2/feedback", get(api_feedback).post(api_give_feedback))
        .route("/api/v2/feedback/{id}/decision", post(api_feedback_decision))
}

/// A random UUID (version 4) for a new participant (API v2 `id`).
fn new_uuid() -> Result<String, ApiError> {
    let t = cred::new_token().map_err(|e| ApiError::internal(e.to_string()))?;
    let h = &t[..32];
    let variant = ["8", "9", "a", "b"][usize::from(h.as_bytes()[16] % 4)];
    Ok(format!(
        "{}-{}-4{}-{}{}-{}",
        &h[..8],
        &h[8..12],
        &h[13..16],
        variant,
        &h[17..20],
        &h[20..32]
    ))
}

fn parse_id(v: &str, what: &str) -> Result<i64, ApiError> {
    v.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| ApiError::bad_request(format!("{v:?} is not {what} id")))
}

// ---------------------------------------------------------------------------
// Key figures of participants.

/// The period's scoring profile (fields it lacks take the defaults).
fn profile_of(s: &Store, month: Month) -> Result<Profile, ApiError> {
    let p = s.period(month)?.map(|p| p.profile).unwrap_or(Value::Null);
    if p.is_null() {
        return Ok(Profile::default());
    }
    serde_json::from_value(p)
        .map_err(|e| ApiError::internal(format!("period {month}: profile: {e}")))
}

/// A network's five key figures in a period, `filtering` as adjusted by
/// accepted feedback when it was (with the period's own value kept).
pub fn network_figures(s: &Store, month: Month, asn: Asn) -> Result<Value, ApiError> {
    let m = s.metrics(month, asn)?;
    let adjusted = s.adjusted_filtering(month, asn)?;
    let mut scores = serde_json::Map::new();
    for f in Figure::ALL {
        let mut sc = m.as_ref().map_or(Score::NO_DATA, |m| manrs_report::figure(m, f));
        if f == Figure::Filtering
            && let Some(a) = &adjusted
        {
            sc = Score { value: Some(a.value), band: Some(a.band) };
        }
        scores.insert(f.api_name().into(), score_json(sc));
    }
    let holder = s.network(month, asn)?.and_then(|n| n.holder);
    Ok(json!({
        "asn": asn,
        "holder": holder,
        "scores": scores,
        "incidents": s.incident_refs(month, asn)?.len(),
        "filteringAdjusted": adjusted.map(|a| json!({
            "value": a.value, "band": a.band.as_str(), "raw": a.raw,
            "originalValue": a.original.1, "originalBand": a.original.2.map(|b| b.as_str()),
            "originalRaw": a.original.0, "excludedIncidents": a.excluded, "feedback": a.feedback_id,
            "profileVersion": a.profile_version,
        })),
    }))
}

/// A participant in the API v2 shape (manrs-spec §1.6): identity, areas,
/// ASNs, member since, status, each action's conformance (the applicant's
/// claim) and, for the actions the Observatory measures, the key figures:
/// the mean over the participant's networks that have the figure in the
/// period, banded with the period's profile.
pub fn participant_json(
    s: &Store,
    p: &ParticipantRow,
    month: Option<Month>,
) -> Result<Value, ApiError> {
    let catalogue = Catalogue::builtin();
    let programme = catalogue.programme(&p.programme);
    let claims: Vec<ActionClaim> =
        serde_json::from_value(p.content["actions"].clone()).unwrap_or_default();
    let mut networks = Vec::new();
    let mut figures = serde_json::Map::new();
    if let Some(month) = month {
        let profile = profile_of(s, month)?;
        for a in &p.asns {
            networks.push(network_figures(s, month, *a)?);
        }
        for f in Figure::ALL {
            let values: Vec<f64> = networks
                .iter()
                .filter_map(|n| n["scores"][f.api_name()]["value"].as_f64())
                .collect();
            let sc = if values.is_empty() {
                Score::NO_DATA
            } else {
                Score::of(values.iter().sum::<f64>() / values.len() as f64, f.bands(&profile))
            };
            figures.insert(f.api_name().into(), score_json(sc));
        }
    }
    let actions: Vec<Value> = programme
        .map(|prog| {
            prog.actions
                .iter()
                .map(|a| {
                    let c = claims.iter().find(|c| c.action == a.number);
                    json!({
                        "action": a.number,
                        "name": a.name,
                        "mandatory": a.mandatory,
                        "conformance": c.is_some_and(|c| c.implemented),
                        "description": c.map(|c| c.description.clone()),
                        "evidence": c.map(|c| c.evidence.clone()),
                        "scores": a.figures.iter().map(|f| json!({"id": f, "score": figures.get(f)})).collect::<Vec<_>>(),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let conformance = |n: u8| claims.iter().any(|c| c.action == n && c.implemented);
    let sev = |f: Figure| {
        figures
            .get(f.api_name())
            .map_or(Value::Null, |v| json!({"value": v["value"], "severity": v["band"]}))
    };
    let measured = programme.is_some_and(|p| p.actions.iter().any(|a| !a.figures.is_empty()));
    let mut v = json!({
        "id": p.id,
        "name": p.name,
        "programme": p.programme,
        "programmeName": programme.map(|x| x.name.clone()),
        "areasServed": p.content["areas"],
        "asns": p.asns,
        "memberSince": p.member_since,
        "status": p.status,
        "month": month,
        "actions": actions,
    });
    if measured {
        v["filtering"] = json!({"conformance": conformance(1), "score": sev(Figure::Filtering)});
        v["antiSpoofing"] =
            json!({"conformance": conformance(2), "score": sev(Figure::AntiSpoofing)});
        v["coordination"] =
            json!({"conformance": conformance(3), "score": sev(Figure::Coordination)});
        v["routingInformation"] = json!({
            "conformance": conformance(4),
            "scoreIrr": sev(Figure::RoutingInformationIrr),
            "scoreRpki": sev(Figure::RoutingInformationRpki),
        });
        v["networks"] = json!(networks);
    }
    Ok(v)
}

/// The period for figures: the one asked for, else the newest; `None`
/// when nothing is stored yet.
fn figures_month(s: &Store, asked: Option<Month>) -> Result<Option<Month>, ApiError> {
    match asked {
        Some(m) => pick_month(s, Some(m)).map(Some),
        None => Ok(s.latest_period()?),
    }
}

fn programme_param(p: &Params) -> Result<Option<String>, ApiError> {
    match p.get("programme") {
        None => Ok(None),
        Some(v) => {
            let c = Catalogue::builtin();
            c.programme(v).map(|x| Some(x.id.clone())).ok_or_else(|| {
                ApiError::bad_request(format!("programme={v:?}: expected one of {}", c.ids()))
            })
        }
    }
}

async fn api_participants(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let p = Params::parse(q.as_deref(), &["programme", "asn", "month", "format"])?;
    let csv = p.csv(&headers)?;
    let programme = programme_param(&p)?;
    let asn = p.get("asn").map(parse_asn).transpose()?;
    let month = p.month()?;
    let body = st
        .with_store(move |s| {
            let month = figures_month(s, month)?;
            let list = s.participants(programme.as_deref(), asn)?;
            let out = list
                .iter()
                .map(|x| participant_json(s, x, month))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(json!({"month": month, "participants": out, "nextPageToken": null}))
        })
        .await?;
    if csv {
        // One row per participant with the published columns (manrs-spec
        // §1.6: organisation, areas, ASNs, per action Yes/No and score).
        let rows: Vec<Value> = body["participants"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|x| {
                let mut r = json!({
                    "id": x["id"], "name": x["name"], "programme": x["programme"],
                    "areasServed": x["areasServed"], "asns": x["asns"], "memberSince": x["memberSince"],
                });
                for a in x["actions"].as_array().into_iter().flatten() {
                    let n = a["action"].as_u64().unwrap_or(0);
                    r[format!("action{n}")] = json!(if a["conformance"].as_bool() == Some(true) { "Yes" } else { "No" });
                    for sc in a["scores"].as_array().into_iter().flatten() {
                        let id = sc["id"].as_str().unwrap_or("");
                        r[format!("action{n}.{id}")] = sc["score"]["value"].clone();
                    }
                }
                r
            })
            .collect();
        return Ok(crate::api::respond(
            true,
            "participants",
            json!({"participants": rows}),
            "participants",
        ));
    }
    Ok(axum::Json(body).into_response())
}

async fn api_asns(
    State(st): State<Arc<AppState>>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    Params::parse(q.as_deref(), &[])?;
    let asns = st
        .with_store(|s| {
            let mut all: Vec<Asn> =
                s.participants(None, None)?.into_iter().flat_map(|p| p.asns).collect();
            all.sort_unstable();
            all.dedup();
            Ok(all)
        })
        .await?;
    Ok(axum::Json(json!({"asns": asns})).into_response())
}

async fn participants_page(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, PageError> {
    let p = Params::parse(q.as_deref(), &["programme", "month"])?;
    let programme = programme_param(&p)?.unwrap_or_else(|| "network-operators".into());
    let month = p.month()?;
    let who = web_user(&st, &headers).await?;
    let prog = Catalogue::builtin().programme(&programme).cloned();
    let ctx = st
        .with_store(move |s| {
            let month = figures_month(s, month)?;
            let list = s.participants(Some(&programme), None)?;
            let rows = list.iter().map(|x| participant_json(s, x, month)).collect::<Result<Vec<_>, _>>()?;
            Ok(json!({
                "title": format!("Participants: {}", prog.as_ref().map_or("", |p| p.name.as_str())),
                "programme": prog.as_ref().map(|p| json!({"id": p.id, "name": p.name, "actions": p.actions.iter().map(|a| json!({"number": a.number, "name": a.name, "figures": a.figures})).collect::<Vec<_>>()})),
                "programmes": Catalogue::builtin().programmes.iter().map(|p| json!({"id": p.id, "name": p.name})).collect::<Vec<_>>(),
                "participants": rows,
                "month": month,
                "user": user_json(who.as_ref()),
            }))
        })
        .await?;
    Ok(render("participants.html", ctx)?.into_response())
}

// ---------------------------------------------------------------------------
// Applications.

/// An application as JSON for pages and the API.
fn application_json(a: &manrs_store::ApplicationRow) -> Value {
    json!({
        "id": a.id,
        "applicant": a.email,
        "programme": a.programme,
        "catalogueVersion": a.catalogue_version,
        "application": a.content,
        "status": a.status,
        "submittedAt": a.submitted_at,
        "decidedAt": a.decided_at,
        "reason": a.reason,
    })
}

/// Reads an application the account may see: its own, or any for a
/// reviewer; 403 otherwise (another applicant's data), 404 when missing.
fn visible_application(
    s: &Store,
    who: &Who,
    id: i64,
) -> Result<manrs_store::ApplicationRow, ApiError> {
    let a =
        s.application(id)?.ok_or_else(|| ApiError::not_found(format!("no application {id}")))?;
    if a.user_id != who.user.id && !who.role.reviews() {
        return Err(ApiError::forbidden(format!("application {id} is not yours")));
    }
    Ok(a)
}

/// What the auditor weighs besides the application (manrs-spec §1.1
/// "readiness history is taken into account"): per ASN the key figures
/// over the stored periods and the incidents of the newest one.
fn review_evidence(s: &Store, asns: &[u32]) -> Result<Value, ApiError> {
    let Some(latest) = s.latest_period()? else {
        return Ok(json!({"month": null, "networks": []}));
    };
    let mut out = Vec::new();
    for a in asns {
        let asn = Asn(*a);
        let incidents: Vec<Value> = s
            .incident_refs(latest, asn)?
            .iter()
            .map(|i| {
                let mut v = incident_json(&i.row);
                v["id"] = json!(i.id);
                v
            })
            .collect();
        out.push(json!({
            "asn": asn,
            "holder": s.network(latest, asn)?.and_then(|n| n.holder),
            "history": history(s, asn, latest)?,
            "incidents": incidents,
        }));
    }
    Ok(json!({"month": latest, "networks": out}))
}

fn decide(s: &Store, who: &Who, id: i64, decision: &str, reason: &str) -> Result<(), ApiError> {
    who.require_reviewer()?;
    let decision = match decision {
        "approve" | "approved" => status::APPROVED,
        "changes" | "changes-requested" => status::CHANGES_REQUESTED,
        "reject" | "rejected" => status::REJECTED,
        d => {
            return Err(ApiError::bad_request(format!(
                "decision {d:?}: expected approve, changes or reject"
            )));
        }
    };
    let reason = reason.trim();
    if reason.is_empty() && decision != status::APPROVED {
        return Err(ApiError::bad_request("give a reason for asking for changes or rejecting"));
    }
    if reason.chars().count() > 5000 {
        return Err(ApiError::bad_request("the reason is longer than 5000 characters"));
    }
    if s.application(id)?.is_none() {
        return Err(ApiError::not_found(format!("no application {id}")));
    }
    let t = now();
    let today = manrs_types::format_utc(t).chars().take(10).collect::<String>();
    s.decide_application(id, who.user.id, decision, reason, &new_uuid()?, &today, t)?;
    Ok(())
}

/// Checks and stores an application (new, or `again` after changes were
/// asked for); the problems are a 422 naming each.
fn submit(s: &Store, who: &Who, app: &Application, again: Option<i64>) -> Result<i64, ApiError> {
    let catalogue = Catalogue::builtin();
    let checked = app.check(catalogue).map_err(|e| ApiError::unprocessable(e.to_string()))?;
    let content = serde_json::to_value(&checked).map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(s.submit_application(
        who.user.id,
        again,
        &checked.programme,
        &catalogue.version,
        &content,
        now(),
    )?)
}

/// The apply form's fields as an application: `programme`,
/// `organisation`, `areas`, `asns`, and per action N `aN` (`yes`),
/// `aN_description`, `aN_evidence` (links, one per line).
fn application_from_form(f: &[(String, String)]) -> Result<Application, Vec<String>> {
    let programme = field(f, "programme").to_string();
    let asns = Application::parse_asns(field(f, "asns")).map_err(|e| vec![e])?;
    let n = Catalogue::builtin().programme(&programme).map_or(0, |p| p.actions.len());
    let actions = (1..=n)
        .filter_map(|i| u8::try_from(i).ok())
        .map(|i| ActionClaim {
            action: i,
            implemented: field(f, &format!("a{i}")) == "yes",
            description: field(f, &format!("a{i}_description")).to_string(),
            evidence: Application::split_list(field(f, &format!("a{i}_evidence"))),
        })
        .collect();
    Ok(Application {
        programme,
        organisation: field(f, "organisation").to_string(),
        areas: Application::split_list(field(f, "areas")),
        asns,
        actions,
    })
}

fn apply_ctx(
    who: &Who,
    programme: &str,
    app: &Application,
    again: Option<i64>,
    problems: &[String],
) -> Value {
    let c = Catalogue::builtin();
    let prog = c.programme(programme);
    json!({
        "title": "Apply to MANRS",
        "user": who.json(),
        "programmes": c.programmes.iter().map(|p| json!({"id": p.id, "name": p.name, "minimum": p.minimum_text})).collect::<Vec<_>>(),
        "programme": prog.map(|p| json!({"id": p.id, "name": p.name, "minimum": p.minimum_text, "spec": p.spec,
            "actions": p.actions.iter().map(|a| {
                let claim = app.actions.iter().find(|c| c.action == a.number);
                json!({"number": a.number, "name": a.name, "text": a.text, "mandatory": a.mandatory,
                    "implemented": claim.is_some_and(|c| c.implemented),
                    "description": claim.map(|c| c.description.clone()),
                    "evidence": claim.map(|c| c.evidence.join("\n"))})
            }).collect::<Vec<_>>()})),
        "catalogueVersion": c.version,
        "app": {"organisation": app.organisation, "areas": app.areas.join(", "),
            "asns": app.asns.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")},
        "again": again,
        "problems": problems,
    })
}

async fn apply_form(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, PageError> {
    let p = Params::parse(q.as_deref(), &["programme", "again"])?;
    let who = match require_web_user(&st, &headers, "/programme/apply").await? {
        Ok(w) => w,
        Err(r) => return Ok(r),
    };
    let programme = programme_param(&p)?.unwrap_or_default();
    let again = p.get("again").map(|v| parse_id(v, "an application")).transpose()?;
    let (programme, app) = match again {
        None => (programme, Application::default()),
        Some(id) => {
            let w = who.clone();
            let a = st.with_store(move |s| visible_application(s, &w, id)).await?;
            let app: Application = serde_json::from_value(a.content).unwrap_or_default();
            (app.programme.clone(), app)
        }
    };
    Ok(private(render("apply.html", apply_ctx(&who, &programme, &app, again, &[]))?))
}

async fn apply(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let (who, f) = match user_form(&st, &headers, &body, "/programme/apply").await? {
        Ok(x) => x,
        Err(r) => return Ok(r),
    };
    let again = match field(&f, "again") {
        "" => None,
        v => Some(parse_id(v, "an application")?),
    };
    let app = match application_from_form(&f) {
        Ok(a) => a,
        Err(problems) => {
            let app =
                Application { programme: field(&f, "programme").into(), ..Default::default() };
            let ctx = apply_ctx(&who, &app.programme, &app, again, &problems);
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, private(render("apply.html", ctx)?))
                .into_response());
        }
    };
    let w = who.clone();
    let a = app.clone();
    match st.with_store(move |s| submit(s, &w, &a, again)).await {
        Ok(id) => Ok(Redirect::to(&format!("/programme/applications/{id}")).into_response()),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let problems = app
                .check(Catalogue::builtin())
                .err()
                .map(|e| e.problems)
                .unwrap_or_else(|| vec![e.message.clone()]);
            let ctx = apply_ctx(&who, &app.programme, &app, again, &problems);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, private(render("apply.html", ctx)?))
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn application_page(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let path = format!("/programme/applications/{}", crate::auth::urlencode(&id));
    let who = match require_web_user(&st, &headers, &path).await? {
        Ok(w) => w,
        Err(r) => return Ok(r),
    };
    let id = parse_id(&id, "an application")?;
    let w = who.clone();
    let ctx = st
        .with_store(move |s| {
            let a = visible_application(s, &w, id)?;
            let app: Application = serde_json::from_value(a.content.clone()).unwrap_or_default();
            let prog = Catalogue::builtin().programme(&a.programme).cloned();
            let actions: Vec<Value> = prog.as_ref().map(|p| p.actions.iter().map(|x| {
                let c = app.actions.iter().find(|c| c.action == x.number);
                json!({"number": x.number, "name": x.name, "mandatory": x.mandatory,
                    "implemented": c.is_some_and(|c| c.implemented),
                    "description": c.map(|c| c.description.clone()), "evidence": c.map(|c| c.evidence.clone())})
            }).collect()).unwrap_or_default();
            let review = if w.role.reviews() { review_evidence(s, &app.asns)? } else { Value::Null };
            Ok(json!({
                "title": format!("Application {id}"),
                "user": w.json(),
                "a": application_json(&a),
                "app": app,
                "programmeName": prog.map(|p| p.name),
                "actions": actions,
                "review": review,
                "reviews": w.role.reviews(),
                "waiting": a.status == status::SUBMITTED,
                "editable": a.status == status::CHANGES_REQUESTED && a.user_id == w.user.id,
            }))
        })
        .await?;
    Ok(private(render("application.html", ctx)?))
}

async fn decide_form(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let (who, f) = match user_form(&st, &headers, &body, "/programme").await? {
        Ok(x) => x,
        Err(r) => return Ok(r),
    };
    let id = parse_id(&id, "an application")?;
    let (d, r) = (field(&f, "decision").to_string(), field(&f, "reason").to_string());
    st.with_store(move |s| decide(s, &who, id, &d, &r)).await?;
    Ok(Redirect::to(&format!("/programme/applications/{id}")).into_response())
}

async fn audit_page(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let who = match require_web_user(&st, &headers, "/programme/audit").await? {
        Ok(w) => w,
        Err(r) => return Ok(r),
    };
    who.require_reviewer()?;
    let ctx = st
        .with_store(move |s| {
            let log: Vec<Value> = s
                .audit_log(500)?
                .iter()
                .map(|a| json!({"at": a.at, "actor": a.actor, "action": a.action, "subject": a.subject, "detail": a.detail.to_string()}))
                .collect();
            Ok(json!({"title": "Audit log", "user": who.json(), "log": log}))
        })
        .await?;
    Ok(private(render("audit.html", ctx)?))
}

async fn dashboard(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let who = match require_web_user(&st, &headers, "/programme").await? {
        Ok(w) => w,
        Err(r) => return Ok(r),
    };
    let ctx = st
        .with_store(move |s| {
            let mine: Vec<Value> = s.applications(Some(who.user.id), None)?.iter().map(application_json).collect();
            let participants: Vec<Value> = s
                .participants_of_user(who.user.id)?
                .iter()
                .map(|p| json!({"id": p.id, "name": p.name, "programme": p.programme, "asns": p.asns}))
                .collect();
            let (pending, feedback) = if who.role.reviews() {
                (
                    s.applications(None, Some(status::SUBMITTED))?.iter().map(application_json).collect::<Vec<_>>(),
                    s.feedback_list(Some(feedback_status::PENDING), None)?.iter().map(feedback_json).collect::<Vec<_>>(),
                )
            } else {
                let asns: Vec<Asn> = s.participants_of_user(who.user.id)?.into_iter().flat_map(|p| p.asns).collect();
                (Vec::new(), s.feedback_list(None, Some(&asns))?.iter().map(feedback_json).collect())
            };
            Ok(json!({
                "title": "Programme",
                "user": who.json(),
                "applications": mine,
                "participants": participants,
                "pending": pending,
                "feedback": feedback,
                "programmes": Catalogue::builtin().programmes.iter().map(|p| json!({"id": p.id, "name": p.name})).collect::<Vec<_>>(),
            }))
        })
        .await?;
    Ok(private(render("programme.html", ctx)?))
}

// --- API ---------------------------------------------------------------------

async fn api_apply(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let who = api_user(&st, &headers).await?;
    let app: Application = json_body(&body)?;
    let id = st.with_store(move |s| submit(s, &who, &app, None)).await?;
    Ok((StatusCode::CREATED, axum::Json(json!({"id": id, "status": status::SUBMITTED})))
        .into_response())
}

async fn api_resubmit(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let who = api_user(&st, &headers).await?;
    let id = parse_id(&id, "an application")?;
    let app: Application = json_body(&body)?;
    st.with_store(move |s| {
        visible_application(s, &who, id)?;
        submit(s, &who, &app, Some(id))
    })
    .await?;
    Ok(axum::Json(json!({"id": id, "status": status::SUBMITTED})).into_response())
}

async fn api_applications(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let p = Params::parse(q.as_deref(), &["status"])?;
    let who = api_user(&st, &headers).await?;
    let wanted = p.get("status").map(str::to_string);
    if let Some(w) = &wanted
        && ![status::SUBMITTED, status::CHANGES_REQUESTED, status::APPROVED, status::REJECTED]
            .contains(&w.as_str())
    {
        return Err(ApiError::bad_request(format!(
            "status={w:?}: expected submitted, changes-requested, approved or rejected"
        )));
    }
    let body = st
        .with_store(move |s| {
            let user = if who.role.reviews() { None } else { Some(who.user.id) };
            let list: Vec<Value> =
                s.applications(user, wanted.as_deref())?.iter().map(application_json).collect();
            Ok(json!({"applications": list}))
        })
        .await?;
    Ok(axum::Json(body).into_response())
}

async fn api_application(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let who = api_user(&st, &headers).await?;
    let id = parse_id(&id, "an application")?;
    let body = st
        .with_store(move |s| {
            let a = visible_application(s, &who, id)?;
            let mut v = application_json(&a);
            if who.role.reviews() {
                let asns: Vec<u32> = a.content["asns"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|x| x.as_u64())
                    .filter_map(|x| u32::try_from(x).ok())
                    .collect();
                v["review"] = review_evidence(s, &asns)?;
            }
            Ok(v)
        })
        .await?;
    Ok(axum::Json(body).into_response())
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct DecisionBody {
    decision: String,
    #[serde(default)]
    reason: String,
}

async fn api_decide(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let who = api_user(&st, &headers).await?;
    who.require_reviewer()?;
    let id = parse_id(&id, "an application")?;
    let b: DecisionBody = json_body(&body)?;
    let out = st
        .with_store(move |s| {
            decide(s, &who, id, &b.decision, &b.reason)?;
            let a = s
                .application(id)?
                .ok_or_else(|| ApiError::not_found(format!("no application {id}")))?;
            Ok(application_json(&a))
        })
        .await?;
    Ok(axum::Json(out).into_response())
}

// ---------------------------------------------------------------------------
// Feedback.

fn feedback_json(f: &manrs_store::FeedbackRow) -> Value {
    json!({
        "id": f.id, "month": f.month, "incident": f.incident_id, "asn": f.asn,
        "incidentDetail": f.incident, "by": f.email, "verdict": f.verdict, "comment": f.comment,
        "status": f.status, "createdAt": f.created_at, "reviewedAt": f.reviewed_at, "reviewReason": f.review_reason,
    })
}

/// 403 unless the account manages a participant with this ASN or reviews.
fn may_see_asn(s: &Store, who: &Who, asn: Asn) -> Result<(), ApiError> {
    if who.role.reviews() || s.user_manages_asn(who.user.id, asn)? {
        Ok(())
    } else {
        Err(ApiError::forbidden(format!("AS{} is not an ASN of a participant you manage", asn.0)))
    }
}

fn give_feedback(
    s: &Store,
    who: &Who,
    month: Option<Month>,
    incident: i64,
    asn: Asn,
    verdict: &str,
    comment: &str,
) -> Result<i64, ApiError> {
    if !s.user_manages_asn(who.user.id, asn)? {
        return Err(ApiError::forbidden(format!(
            "AS{} is not an ASN of a participant you manage; feedback is for your own incidents",
            asn.0
        )));
    }
    if !VERDICTS.contains(&verdict) {
        return Err(ApiError::bad_request(format!(
            "verdict {verdict:?}: expected one of {}",
            VERDICTS.join(", ")
        )));
    }
    let comment = comment.trim();
    if comment.is_empty() {
        return Err(ApiError::bad_request("give a reason why the incident is a false positive"));
    }
    if comment.chars().count() > 5000 {
        return Err(ApiError::bad_request("the reason is longer than 5000 characters"));
    }
    let month = pick_month(s, month)?;
    let i =
        s.incident_refs(month, asn)?.into_iter().find(|i| i.id == incident).ok_or_else(|| {
            ApiError::not_found(format!("AS{} has no incident {incident} in {month}", asn.0))
        })?;
    let mut j = incident_json(&i.row);
    j["id"] = json!(i.id);
    Ok(s.submit_feedback(month, &i, &j, who.user.id, verdict, comment, now())?)
}

fn decide_feedback(
    s: &Store,
    who: &Who,
    id: i64,
    decision: &str,
    reason: &str,
) -> Result<Value, ApiError> {
    who.require_reviewer()?;
    let accept = match decision {
        "accept" | "accepted" => true,
        "reject" | "rejected" => false,
        d => {
            return Err(ApiError::bad_request(format!(
                "decision {d:?}: expected accept or reject"
            )));
        }
    };
    if s.feedback(id)?.is_none() {
        return Err(ApiError::not_found(format!("no feedback {id}")));
    }
    let adjusted = s.decide_feedback(id, who.user.id, accept, reason.trim(), now())?;
    let f = s.feedback(id)?.ok_or_else(|| ApiError::not_found(format!("no feedback {id}")))?;
    let mut v = feedback_json(&f);
    v["filtering"] = adjusted.map_or(Value::Null, |a| {
        json!({"before": a.original.1, "after": a.value, "band": a.band.as_str(), "raw": a.raw, "excludedIncidents": a.excluded})
    });
    Ok(v)
}

async fn incidents_page(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(asn): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, PageError> {
    let p = Params::parse(q.as_deref(), &["month"])?;
    let path = format!("/programme/incidents/{}", crate::auth::urlencode(&asn));
    let who = match require_web_user(&st, &headers, &path).await? {
        Ok(w) => w,
        Err(r) => return Ok(r),
    };
    let asn = parse_asn(&asn)?;
    let month = p.month()?;
    let ctx = st
        .with_store(move |s| {
            may_see_asn(s, &who, asn)?;
            let month = pick_month(s, month)?;
            let fb = s.feedback_list(None, Some(&[asn]))?;
            let incidents: Vec<Value> = s
                .incident_refs(month, asn)?
                .iter()
                .map(|i| {
                    let mut v = incident_json(&i.row);
                    v["id"] = json!(i.id);
                    v["feedback"] = fb
                        .iter()
                        .find(|f| f.month == month && f.incident_id == i.id)
                        .map_or(Value::Null, feedback_json);
                    v
                })
                .collect();
            Ok(json!({
                "title": format!("Incidents of AS{}", asn.0),
                "user": who.json(),
                "asn": asn,
                "month": month,
                "months": s.periods()?.iter().map(|p| p.month).collect::<Vec<_>>(),
                "figures": network_figures(s, month, asn)?,
                "incidents": incidents,
                "verdicts": VERDICTS,
                "owner": s.user_manages_asn(who.user.id, asn)?,
            }))
        })
        .await?;
    Ok(private(render("incidents.html", ctx)?))
}

async fn feedback_form(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let (who, f) = match user_form(&st, &headers, &body, "/programme").await? {
        Ok(x) => x,
        Err(r) => return Ok(r),
    };
    let asn = parse_asn(field(&f, "asn"))?;
    let month = match field(&f, "month") {
        "" => None,
        m => Some(crate::parse_month(m)?),
    };
    let incident = parse_id(field(&f, "incident"), "an incident")?;
    let (verdict, comment) = (field(&f, "verdict").to_string(), field(&f, "comment").to_string());
    let m = st
        .with_store(move |s| {
            give_feedback(s, &who, month, incident, asn, &verdict, &comment)?;
            pick_month(s, month)
        })
        .await?;
    Ok(Redirect::to(&format!("/programme/incidents/{}?month={m}", asn.0)).into_response())
}

async fn feedback_decision_form(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let (who, f) = match user_form(&st, &headers, &body, "/programme").await? {
        Ok(x) => x,
        Err(r) => return Ok(r),
    };
    let id = parse_id(&id, "a feedback")?;
    let (d, r) = (field(&f, "decision").to_string(), field(&f, "reason").to_string());
    let v = st.with_store(move |s| decide_feedback(s, &who, id, &d, &r)).await?;
    let asn = v["asn"].as_u64().unwrap_or(0);
    let month = v["month"].as_str().unwrap_or("").to_string();
    Ok(Redirect::to(&format!("/programme/incidents/{asn}?month={month}")).into_response())
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct FeedbackBody {
    #[serde(default)]
    month: Option<String>,
    incident: i64,
    asn: Asn,
    verdict: String,
    comment: String,
}

async fn api_give_feedback(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let who = api_user(&st, &headers).await?;
    let b: FeedbackBody = json_body(&body)?;
    let month = b.month.as_deref().map(crate::parse_month).transpose()?;
    let id = st
        .with_store(move |s| {
            give_feedback(s, &who, month, b.incident, b.asn, &b.verdict, &b.comment)
        })
        .await?;
    Ok((StatusCode::CREATED, axum::Json(json!({"id": id, "status": feedback_status::PENDING})))
        .into_response())
}

async fn api_feedback(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let p = Params::parse(q.as_deref(), &["status"])?;
    let who = api_user(&st, &headers).await?;
    let wanted = p.get("status").map(str::to_string);
    if let Some(w) = &wanted
        && ![feedback_status::PENDING, feedback_status::ACCEPTED, feedback_status::REJECTED]
            .contains(&w.as_str())
    {
        return Err(ApiError::bad_request(format!(
            "status={w:?}: expected pending, accepted or rejected"
        )));
    }
    let body = st
        .with_store(move |s| {
            let list = if who.role.reviews() {
                s.feedback_list(wanted.as_deref(), None)?
            } else {
                let asns: Vec<Asn> =
                    s.participants_of_user(who.user.id)?.into_iter().flat_map(|p| p.asns).collect();
                s.feedback_list(wanted.as_deref(), Some(&asns))?
            };
            Ok(json!({"feedback": list.iter().map(feedback_json).collect::<Vec<_>>()}))
        })
        .await?;
    Ok(axum::Json(body).into_response())
}

async fn api_feedback_decision(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let who = api_user(&st, &headers).await?;
    who.require_reviewer()?;
    let id = parse_id(&id, "a feedback")?;
    let b: DecisionBody = json_body(&body)?;
    let v = st.with_store(move |s| decide_feedback(s, &who, id, &b.decision, &b.reason)).await?;
    Ok(axum::Json(v).into_response())
}

// ---------------------------------------------------------------------------
// Conformance reports (manrs-spec §3.2).

/// The monthly conformance report of a participant for `month` (the month
/// it covers): the key figures of the participant and of each network,
/// the change since the stored period before, the incidents of the month
/// with their feedback and a link to verify them. `base` prefixes links
/// (the server's public address; empty for relative links).
pub fn conformance_report(
    s: &Store,
    p: &ParticipantRow,
    month: Month,
    base: &str,
) -> Result<Value, ApiError> {
    let month = pick_month(s, Some(month))?;
    let previous = s.periods()?.into_iter().map(|x| x.month).filter(|m| *m < month).max();
    let now_j = participant_json(s, p, Some(month))?;
    let before = previous.map(|m| participant_json(s, p, Some(m))).transpose()?;
    let figures: Vec<Value> = Figure::ALL
        .iter()
        .map(|f| {
            let id = f.api_name();
            let cur = now_j["networks"].as_array().map(|_| figure_mean(&now_j, id)).unwrap_or(Value::Null);
            let prev = before.as_ref().map_or(Value::Null, |b| figure_mean(b, id));
            let change = match (cur["value"].as_f64(), prev["value"].as_f64()) {
                (Some(a), Some(b)) => json!(a - b),
                _ => Value::Null,
            };
            json!({"id": id, "value": cur["value"], "band": cur["band"], "previous": prev["value"], "previousBand": prev["band"], "change": change})
        })
        .collect();
    let fb = s.feedback_list(None, Some(&p.asns))?;
    let mut incidents = Vec::new();
    let mut previous_incidents = 0usize;
    for a in &p.asns {
        for i in s.incident_refs(month, *a)? {
            let f = fb.iter().find(|f| f.month == month && f.incident_id == i.id);
            incidents.push(json!({
                "id": i.id, "asn": a, "metric": i.row.metric, "start": i.row.start, "end": i.row.end,
                "score": i.row.score, "summary": i.row.summary,
                "feedback": f.map(|f| json!({"status": f.status, "verdict": f.verdict})),
                "verifyUrl": format!("{base}/programme/incidents/{}?month={month}", a.0),
            }));
        }
        if let Some(m) = previous {
            previous_incidents += s.incident_refs(m, *a)?.len();
        }
    }
    Ok(json!({
        "participant": {"id": p.id, "name": p.name, "programme": p.programme, "asns": p.asns, "recipient": p.email},
        "month": month,
        "previousMonth": previous,
        "keyFigures": figures,
        "networks": now_j["networks"],
        "incidents": {
            "total": incidents.len(),
            "previous": previous.map(|_| previous_incidents),
            "change": previous.map(|_| incidents.len() as i64 - previous_incidents as i64),
            "list": incidents,
        },
        "verifyUrl": format!("{base}/programme"),
        "reportUrl": format!("{base}/programme/participants/{}/report?month={month}", p.id),
    }))
}

fn figure_mean(p: &Value, id: &str) -> Value {
    // The participant's figure as participant_json computed it (the mean
    // over its networks), found through the action that carries it.
    for a in p["actions"].as_array().into_iter().flatten() {
        for sc in a["scores"].as_array().into_iter().flatten() {
            if sc["id"] == id {
                return sc["score"].clone();
            }
        }
    }
    // Programmes whose actions carry no figure: the mean over networks.
    let values: Vec<f64> = p["networks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| n["scores"][id]["value"].as_f64())
        .collect();
    if values.is_empty() {
        json!({"value": null, "band": "no_data_available"})
    } else {
        json!({"value": values.iter().sum::<f64>() / values.len() as f64, "band": null})
    }
}

/// A conformance report as a standalone HTML document (for e-mail and the
/// page).
pub fn conformance_html(report: &Value) -> Result<String, ApiError> {
    let css = include_str!("../assets/style.css");
    render("conformance.html", json!({"title": format!("MANRS conformance report {}", report["month"].as_str().unwrap_or("")), "r": report, "css": css, "standalone": true}))
        .map(|h| h.0)
        .map_err(|e| e.0)
}

fn report_access(s: &Store, who: &Who, id: &str) -> Result<ParticipantRow, ApiError> {
    let p =
        s.participant(id)?.ok_or_else(|| ApiError::not_found(format!("no participant {id}")))?;
    if p.user_id != who.user.id && !who.role.reviews() {
        return Err(ApiError::forbidden(format!("participant {id} is not yours")));
    }
    Ok(p)
}

async fn report_page(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, PageError> {
    let p = Params::parse(q.as_deref(), &["month"])?;
    let path = format!("/programme/participants/{}/report", crate::auth::urlencode(&id));
    let who = match require_web_user(&st, &headers, &path).await? {
        Ok(w) => w,
        Err(r) => return Ok(r),
    };
    let month = p.month()?;
    let html = st
        .with_store(move |s| {
            let part = report_access(s, &who, &id)?;
            let month = pick_month(s, month)?;
            conformance_html(&conformance_report(s, &part, month, "")?)
        })
        .await?;
    Ok(private(Html(html)))
}

async fn api_report(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let p = Params::parse(q.as_deref(), &["month"])?;
    let who = api_user(&st, &headers).await?;
    let month = p.month()?;
    let v = st
        .with_store(move |s| {
            let part = report_access(s, &who, &id)?;
            let month = pick_month(s, month)?;
            conformance_report(s, &part, month, "")
        })
        .await?;
    Ok(axum::Json(v).into_response())
}

#[cfg(test)]
mod tests {
    #[test]
    fn uuids_have_the_v4_shape() {
        let u = super::new_uuid().unwrap();
        let parts: Vec<usize> = u.split('-').map(str::len).collect();
        assert_eq!(parts, [8, 4, 4, 4, 12], "{u}");
        assert_eq!(&u[14..15], "4");
        assert!("89ab".contains(&u[19..20]), "{u}");
        assert_ne!(u, super::new_uuid().unwrap());
    }
}
