//! Routing registry facts: RPKI Validated ROA Payloads (RFC 6811, RFC 9319 for
//! maxLength), ASPA objects (draft-ietf-sidrops-aspa-profile) and IRR route
//! objects (RFC 2622 §4, RFC 4012 for route6).

use serde::{Deserialize, Serialize};

use crate::{Asn, Prefix};

/// A Validated ROA Payload: `asn` may originate `prefix` and its more
/// specifics down to `max_len`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Vrp {
    /// The authorised origin AS (AS0 means "must not be routed", RFC 6483 §4).
    pub asn: Asn,
    /// The ROA prefix.
    pub prefix: Prefix,
    /// The maximum length of authorised announcements.
    pub max_len: u8,
    /// The trust anchor that published it (`ripe`, `arin`...), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ta: Option<String>,
}

/// A validated ASPA: `customer` declares its set of upstream `providers`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Aspa {
    /// The customer AS that signed the object.
    pub customer: Asn,
    /// Its authorised providers, sorted and de-duplicated.
    pub providers: Vec<Asn>,
}

/// An IRR `route` or `route6` object, reduced to what route-origin checks need.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RouteObject {
    /// The registered prefix (`route:` / `route6:` attribute).
    pub prefix: Prefix,
    /// The registered origin (`origin:` attribute).
    pub origin: Asn,
    /// The IRR source (`source:` attribute, upper-case, e.g. `RIPE-NONAUTH`).
    pub source: String,
    /// Maintainers (`mnt-by:`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mnt_by: Vec<String>,
}
