//! The OpenAPI 3.1 document of `/api/v2`, served at
//! `/api/v2/openapi.json`. Written out here rather than derived, so the
//! build stays light; a test requests every documented path and checks
//! that it answers and rejects a parameter it does not document.

use serde_json::{Value, json};

/// One parameter: name, where, required, description, schema.
type P = (&'static str, &'static str, bool, &'static str, Value);

fn month() -> P {
    (
        "month",
        "query",
        false,
        "Period: YYYY-MM, or an RFC 3339 time of which year and month count. Default: the newest stored.",
        json!({"type": "string", "example": "2026-07"}),
    )
}
fn limit() -> P {
    (
        "limit",
        "query",
        false,
        "Page size, 1-1000 (default 100).",
        json!({"type": "integer", "minimum": 1, "maximum": 1000}),
    )
}
fn token() -> P {
    (
        "pageToken",
        "query",
        false,
        "The nextPageToken of the previous page.",
        json!({"type": "string"}),
    )
}
fn format() -> P {
    (
        "format",
        "query",
        false,
        "json (default) or csv; Accept: text/csv also gives CSV.",
        json!({"type": "string", "enum": ["json", "csv"]}),
    )
}
fn metric() -> P {
    (
        "metric",
        "query",
        false,
        "M1, M1C, M2, M2C, M3, M3C, M4 or M4C.",
        json!({"type": "string", "enum": ["M1", "M1C", "M2", "M2C", "M3", "M3C", "M4", "M4C"]}),
    )
}
fn asn_path() -> P {
    ("asn", "path", true, "AS number, 64500 or AS64500.", json!({"type": "string"}))
}

/// The documented endpoints: path, summary, parameters, whether lists come
/// as CSV too.
pub fn endpoints() -> Vec<(&'static str, &'static str, Vec<P>, bool)> {
    vec![
        ("/api/v2/periods", "The stored periods with their sizes.", vec![format()], true),
        (
            "/api/v2/ases",
            "Networks of a period with identity, Action 4 scores and incident totals.",
            vec![
                month(),
                (
                    "economies",
                    "query",
                    false,
                    "Only this economy (ISO 3166 alpha-2).",
                    json!({"type": "string"}),
                ),
                (
                    "rir",
                    "query",
                    false,
                    "Only networks delegated by this registry (ripencc, arin, apnic, lacnic, afrinic).",
                    json!({"type": "string"}),
                ),
                (
                    "q",
                    "query",
                    false,
                    "Only holders whose name contains this text.",
                    json!({"type": "string"}),
                ),
                limit(),
                token(),
                format(),
            ],
            true,
        ),
        (
            "/api/v2/ases/{asn}",
            "One network: identity, key figures, incident totals and history over the stored periods.",
            vec![asn_path(), month()],
            false,
        ),
        (
            "/api/v2/ases/{asn}/routes",
            "The routes a network originated, each with its RPKI state, the VRPs that decided it and why, and its IRR object.",
            vec![
                asn_path(),
                month(),
                (
                    "rpki",
                    "query",
                    false,
                    "Only routes in this RPKI state.",
                    json!({"type": "string", "enum": ["valid", "invalid", "notFound"]}),
                ),
                (
                    "irr",
                    "query",
                    false,
                    "unregistered: only routes no IRR object covers.",
                    json!({"type": "string", "enum": ["unregistered"]}),
                ),
                limit(),
                token(),
                format(),
            ],
            true,
        ),
        (
            "/api/v2/ases/{asn}/incidents",
            "A network's Action 1 incidents with their events and evidence.",
            vec![asn_path(), month(), metric(), limit(), token(), format()],
            true,
        ),
        (
            "/api/v2/incidents",
            "Every Action 1 incident of a period.",
            vec![
                month(),
                ("asn", "query", false, "Only this AS.", json!({"type": "string"})),
                metric(),
                limit(),
                token(),
                format(),
            ],
            true,
        ),
        (
            "/api/v2/scores",
            "Key figures and incident totals per network.",
            vec![
                month(),
                ("asns", "query", false, "Comma-separated AS numbers.", json!({"type": "string"})),
                ("economies", "query", false, "Only this economy.", json!({"type": "string"})),
                limit(),
                token(),
                format(),
            ],
            true,
        ),
        (
            "/api/v2/scores/details",
            "A network's full report: scores, metrics, every point lost with its evidence, incidents, history.",
            vec![
                ("asn", "query", true, "The AS.", json!({"type": "string"})),
                month(),
                (
                    "limit",
                    "query",
                    false,
                    "Routes per evidence list (default 100).",
                    json!({"type": "integer"}),
                ),
            ],
            false,
        ),
        (
            "/api/v2/scores/summary",
            "Key figures of a scope (world, an economy, a UN M49 region, a registry or one AS): mean value, trend since the previous period, networks per band; incidents per metric.",
            vec![
                month(),
                (
                    "region",
                    "query",
                    false,
                    "world (default), an economy code (BR) or a UN M49 region, sub-region or intermediate region by code or name (150, Europe, South America).",
                    json!({"type": "string"}),
                ),
                (
                    "rir",
                    "query",
                    false,
                    "Only networks of this registry.",
                    json!({"type": "string"}),
                ),
                ("asn", "query", false, "Only this AS.", json!({"type": "string"})),
            ],
            false,
        ),
        ("/api/v2/economies", "Per-economy aggregates of a period.", vec![month(), format()], true),
        (
            "/api/v2/regions",
            "Per-region aggregates: networks grouped by the registry (RIR) that delegated their AS number.",
            vec![month(), format()],
            true,
        ),
        (
            "/api/v2/participants",
            "MANRS participants (approved applications) with their areas, ASNs, member since, each action's conformance and key figures (the mean over their networks; filtering after accepted false-positive feedback).",
            vec![
                (
                    "programme",
                    "query",
                    false,
                    "network-operators, ixps, cdn-cloud or equipment-vendors.",
                    json!({"type": "string"}),
                ),
                (
                    "asn",
                    "query",
                    false,
                    "Only the participant with this AS.",
                    json!({"type": "string"}),
                ),
                month(),
                format(),
            ],
            true,
        ),
        ("/api/v2/asns", "The AS numbers of approved participants.", vec![], false),
        ("/api/v2/openapi.json", "This document.", vec![], false),
    ]
}

/// The document.
pub fn document() -> Value {
    let error = json!({
        "description": "A problem, named.",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    });
    let mut paths = serde_json::Map::new();
    for (path, summary, params, csv) in endpoints() {
        let parameters: Vec<Value> = params
            .iter()
            .map(|(name, at, required, description, schema)| {
                json!({"name": name, "in": at, "required": required, "description": description, "schema": schema})
            })
            .collect();
        let mut content = serde_json::Map::new();
        content.insert("application/json".into(), json!({"schema": {"type": "object"}}));
        if csv {
            content.insert("text/csv".into(), json!({"schema": {"type": "string"}}));
        }
        paths.insert(
            path.to_string(),
            json!({"get": {
                "summary": summary,
                "parameters": parameters,
                "responses": {
                    "200": {"description": "OK", "content": content},
                    "400": error,
                    "404": error,
                    "422": error,
                },
            }}),
        );
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "manrs Observatory API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "MANRS readiness data of every network, with the evidence of every point lost. Names and shapes follow the MANRS Observatory API v2 where known. No key is needed for public data. The programme endpoints that need an account (auth/login, keys, applications, feedback, participant reports) are described in docs/programme.md.",
            "license": {"name": "Apache-2.0"},
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {"schemas": {"Error": {
            "type": "object",
            "properties": {"error": {"type": "object", "properties": {
                "status": {"type": "integer"},
                "message": {"type": "string"},
            }}},
        }}},
    })
}
