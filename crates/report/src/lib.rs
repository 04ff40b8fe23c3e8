//! Reports read from the store, shared by the command line (`manrs check`,
//! `manrs incidents`) and the web server (`/api/v2/...` and the HTML
//! pages), so both say the same thing in the same shapes.
//!
//! A [`NetworkReport`] is the MANRS report of one network for one period:
//! the five key figures (manrs-spec §2.4–2.7) with every point lost
//! explained by its evidence: the Action 1 incidents (§2.3) behind
//! `filtering`, the Spoofer sessions behind `antiSpoofing`, the contacts
//! behind `coordination`, the invalid routes with the VRPs that make them
//! invalid and why (RFC 6811 §2), and the routes no IRR object covers.
//!
//! JSON members are camelCase, as in the MANRS API v2 (manrs-spec §3.3.2).

pub mod area;

use manrs_engine::{Figure, RovState, Score, Visibility};
use manrs_store::{IncidentRow, MetricRow, RouteQuery, Store, StoreError, StoredRoute, VrpRow};
use manrs_types::{Asn, Month};
use serde_json::{Value, json};

/// Everything the report of one network shows.
#[derive(Clone, Debug)]
pub struct NetworkReport {
    /// The AS.
    pub asn: Asn,
    /// The period.
    pub month: Month,
    /// Holder name.
    pub holder: Option<String>,
    /// Economy.
    pub country: Option<String>,
    /// How it is visible in the period (`None`: not stored as a network).
    pub visibility: Option<Visibility>,
    /// Why it does not count in aggregates (manrs-spec §2.1); `None`: it
    /// counts.
    pub excluded: Option<String>,
    /// Its metrics and key figures (`None`: not a network of the period;
    /// a network seen only in paths has them, with no route).
    pub metrics: Option<MetricRow>,
    /// The invalid routes (at most `limit`) with their VRPs.
    pub invalid: Vec<(StoredRoute, Vec<VrpRow>)>,
    /// Routes no IRR object covers (at most `limit`); empty without IRR
    /// data.
    pub unregistered: Vec<StoredRoute>,
    /// Routes with no covering VRP.
    pub not_found: u64,
    /// Its Action 1 incidents.
    pub incidents: Vec<IncidentRow>,
    /// How many routes of each list were read (0: all).
    pub limit: u64,
}

impl NetworkReport {
    /// Reads the report of `asn` for `month`; `limit` bounds each evidence
    /// list (0: all).
    pub fn load(
        store: &Store,
        month: Month,
        asn: Asn,
        limit: u64,
    ) -> Result<NetworkReport, StoreError> {
        let network = store.network(month, asn)?;
        let metrics = store.metrics(month, asn)?;
        let lim = (limit > 0).then_some(limit);
        let mut invalid = Vec::new();
        let mut unregistered = Vec::new();
        let mut not_found = 0;
        if let Some(m) = &metrics {
            let q = RouteQuery {
                origin: Some(asn),
                rov: Some(RovState::Invalid),
                limit: lim,
                ..Default::default()
            };
            for r in store.routes(month, &q)? {
                let vrps = store.route_vrps(r.id)?;
                invalid.push((r, vrps));
            }
            if m.irr_covered.is_some() {
                let q = RouteQuery {
                    origin: Some(asn),
                    irr_unregistered: true,
                    limit: lim,
                    ..Default::default()
                };
                unregistered = store.routes(month, &q)?;
            }
            not_found = m.not_found;
        }
        Ok(NetworkReport {
            asn,
            month,
            holder: network.as_ref().and_then(|n| n.holder.clone()),
            country: network.as_ref().and_then(|n| n.country.clone()),
            visibility: network.as_ref().map(|n| n.visibility),
            excluded: network.as_ref().and_then(|n| n.excluded.clone()),
            metrics,
            invalid,
            unregistered,
            not_found,
            incidents: store.incidents(month, Some(asn))?,
            limit,
        })
    }

    /// Whether the store knows anything of the network in the period.
    pub fn found(&self) -> bool {
        self.metrics.is_some() || !self.incidents.is_empty() || self.holder.is_some()
    }

    /// The raw Action 1 penalty: the sum of the incident scores
    /// (manrs-spec §2.3).
    pub fn penalty(&self) -> f64 {
        self.incidents.iter().fold(0.0, |a, i| a + i.score)
    }

    /// The report as JSON (camelCase, API v2 names for the scores, with an
    /// `evidence` member).
    pub fn to_json(&self) -> Value {
        let incidents: Vec<Value> = self.incidents.iter().map(incident_json).collect();
        let Some(m) = &self.metrics else {
            return json!({
                "asn": self.asn,
                "period": self.month,
                "holder": self.holder,
                "country": self.country,
                "scores": null,
                "incidents": incidents,
                "note": format!("AS{} originated no route in {}", self.asn.0, self.month),
            });
        };
        let invalid: Vec<Value> = self
            .invalid
            .iter()
            .map(|(r, vrps)| {
                let mut v = route_json(r);
                v["vrps"] = json!(vrps.iter().map(|x| vrp_json(x, r)).collect::<Vec<_>>());
                v
            })
            .collect();
        let unregistered: Vec<Value> = self.unregistered.iter().map(route_json).collect();
        json!({
            "asn": self.asn,
            "period": self.month,
            "holder": self.holder,
            "country": self.country,
            "visibility": self.visibility.map(Visibility::as_str),
            "excluded": self.excluded,
            "scores": scores_json(m),
            "metrics": {
                "M7RPKI": {"valid": m.valid, "invalid": m.invalid, "notFound": m.not_found, "total": m.routes},
                "M7IRR": {"covered": m.irr_covered, "total": m.routes},
            },
            "figureEvidence": figure_evidence(m, &self.incidents),
            "evidence": {
                "invalidRoutes": invalid,
                "invalidCount": m.invalid,
                "unregisteredRoutes": unregistered,
                "unregisteredCount": m.irr_covered.map(|c| m.routes - c),
                "notFoundCount": m.not_found,
            },
            "incidents": incidents,
        })
    }
}

/// One key figure of a metrics row.
pub fn figure(m: &MetricRow, f: Figure) -> Score {
    match f {
        Figure::Filtering => m.figures.filtering,
        Figure::AntiSpoofing => m.figures.anti_spoofing,
        Figure::Coordination => m.figures.coordination,
        Figure::RoutingInformationIrr => Score { value: m.irr_value, band: m.irr_band },
        Figure::RoutingInformationRpki => Score { value: m.rpki_value, band: m.rpki_band },
    }
}

/// A key figure's value and band as JSON; the band of a figure without
/// data is `no_data_available` (API v2 severity ids).
pub fn score_json(s: Score) -> Value {
    json!({"value": s.value, "band": s.band.map_or("no_data_available", |b| b.as_str())})
}

/// The five key figures of a metrics row, API v2 names.
pub fn scores_json(m: &MetricRow) -> Value {
    let mut out = serde_json::Map::new();
    for f in Figure::ALL {
        out.insert(f.api_name().into(), score_json(figure(m, f)));
    }
    Value::Object(out)
}

/// The raw metrics behind the Action 1-3 figures, with their evidence:
/// the filtering penalty and the metrics that fed it, the Spoofer sessions
/// and spoofing prefixes (M5), the contact findings (M8).
pub fn figure_evidence(m: &MetricRow, incidents: &[IncidentRow]) -> Value {
    let f = &m.figures;
    let mut per_metric = serde_json::Map::new();
    for i in incidents {
        let e = per_metric.entry(i.metric.clone()).or_insert(json!(0.0));
        *e = json!(e.as_f64().unwrap_or(0.0) + i.score);
    }
    json!({
        "filtering": {"raw": f.filtering_raw, "byMetric": per_metric},
        "M5": {
            "sessions": f.spoof_sessions,
            "spoofedPrefixes": f.spoof_prefixes,
            "evidence": f.spoof_evidence,
        },
        "M8": f.contacts,
    })
}

/// An incident as JSON.
pub fn incident_json(i: &IncidentRow) -> Value {
    json!({
        "asn": i.asn,
        "metric": i.metric,
        "start": i.start,
        "end": i.end,
        "weight": i.weight,
        "score": i.score,
        "confidence": i.confidence,
        "summary": i.summary,
        "evidence": i.evidence,
    })
}

/// A stored route as JSON.
pub fn route_json(r: &StoredRoute) -> Value {
    let x = &r.row.route;
    json!({
        "prefix": x.prefix,
        "origin": x.origin,
        "asSet": x.as_set,
        "firstSeen": x.first_seen,
        "lastSeen": x.last_seen,
        "peers": x.peers,
        "collectors": x.collectors,
        "upstreams": x.upstreams,
        "rpki": r.row.rov.as_str(),
        "irr": r.row.irr.as_ref().map(|i| json!({"source": i.source, "prefix": i.prefix, "exact": i.exact})),
    })
}

/// An evidence VRP of a route as JSON, with why it decided the state.
pub fn vrp_json(v: &VrpRow, r: &StoredRoute) -> Value {
    json!({
        "prefix": v.prefix,
        "maxLength": v.max_len,
        "asn": v.asn,
        "ta": v.ta,
        "matched": v.matched,
        "reason": vrp_reason(v, r),
    })
}

/// Why a covering VRP does (or does not) authorise a route (RFC 6811 §2).
pub fn vrp_reason(v: &VrpRow, r: &StoredRoute) -> String {
    let route = &r.row.route;
    if v.matched {
        return "authorises it".into();
    }
    if v.asn.0 == 0 {
        return "AS0: the holder says the prefix must not be routed (RFC 6483 §4)".into();
    }
    if route.as_set {
        return "the path ends in an AS_SET, which never matches (RFC 6811 §2)".into();
    }
    if v.asn == route.origin {
        return format!(
            "same origin, but /{} is longer than maxLength {}",
            route.prefix.len(),
            v.max_len
        );
    }
    format!("authorises AS{}, not AS{}", v.asn.0, route.origin.0)
}
