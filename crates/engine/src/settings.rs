//! Analysis settings and the scoring profile of the Action 4 key figures.
//!
//! Every number here that manrs-spec marks INFERRED (§2.4 M7IRR matching
//! rule, §2.7 band thresholds, the visibility threshold of §2.1) is a field
//! with a documented default, so a run can be repeated with other choices and
//! the choices are stored with the results.
//!
//! The exact parts: M7RPKI = max(0, valid/total − 10 × invalid/total) and
//! M7IRR = covered/total (manrs-spec §2.4, §7.2); a route announced at any
//! time in the month counts for the whole month (§2.2).

use serde::{Deserialize, Serialize};

/// How a route whose AS path ends in an AS_SET is treated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AsSetPolicy {
    /// Counted in the snapshot statistics, attributed to no AS (default).
    #[default]
    Skip,
    /// Attributed to every AS of the set; RFC 6811 §2 gives such a route
    /// origin NONE, so it is never Valid.
    Each,
}

/// Which IRR route objects cover an announced route (manrs-spec §7.2).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IrrPolicy {
    /// Only a route(6) object with the same prefix and origin.
    Exact,
    /// The same prefix, or a less specific one, with the same origin: the
    /// rule of the 2018 Observatory prototype, the only published one
    /// (default).
    #[default]
    Covering,
}

/// Choices made while building a period's routing snapshot and metrics.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct Settings {
    /// A route enters the snapshot when at least this many distinct peers
    /// saw it (INFERRED; default 1: a route seen once counts, §2.2). A
    /// prefix-origin list counts as one peer.
    pub min_peers: u32,
    /// AS_SET origins.
    pub as_set_origins: AsSetPolicy,
    /// IRR coverage rule.
    pub irr_policy: IrrPolicy,
    /// A hijack suspect seen by fewer peers is pruned as low visibility
    /// (INFERRED; default 3).
    pub hijack_min_peers: u32,
    /// Whether administrative bogons (RIR-held, undelegated space) count as
    /// incidents (manrs-spec §2.4: only full bogons since 2024; default
    /// false). They are reported either way.
    pub administrative_bogons: bool,
    /// The shortest duration of a bogon event, in seconds: a route seen in
    /// a single RIB dump counts for this long (the prototype's bogon data
    /// was daily, manrs-spec §2.3; default 86,400).
    pub bogon_min_duration: i64,
    /// Whether valley-free violations found with relationships inferred
    /// from the paths (no CAIDA file in the manifest) become M1/M1C
    /// incidents. Default false: the inference agrees with CAIDA on about
    /// 82 % of links (docs/action1.md), too few to blame anyone; such leaks
    /// are counted and reported as candidates only.
    pub leaks_from_inferred: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            min_peers: 1,
            as_set_origins: AsSetPolicy::Skip,
            irr_policy: IrrPolicy::Covering,
            hijack_min_peers: 3,
            administrative_bogons: false,
            bogon_min_duration: 86_400,
            leaks_from_inferred: false,
        }
    }
}

/// Ready/Aspiring/Lagging cut-offs of one key figure (manrs-spec §2.7:
/// the published thresholds are unknown, these are INFERRED placeholders).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Bands {
    /// Values at or above this are `ready`.
    pub ready: f64,
    /// Values at or above this (and below `ready`) are `aspiring`; below it
    /// `lagging`.
    pub aspiring: f64,
}

impl Default for Bands {
    fn default() -> Self {
        Bands { ready: 0.9, aspiring: 0.5 }
    }
}

/// The scoring profile: how raw metrics become the five key figures and
/// their bands (manrs-spec §2.5–2.7). Published facts and inferred choices
/// are marked on each field; `profiles/manrs-default.toml` is the shipped
/// default, written out with the same labels, and a manifest's `[profile]`
/// table overrides any field. Every stored period keeps the profile it was
/// scored with, so a score can be recomputed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct Profile {
    /// Name and version of the profile, stored with every score.
    pub version: String,
    /// The base `b` of the penalty mapping score(raw) = b^sqrt(2·raw)
    /// (INFERRED closed form; 0.6 meets the published points 0.5 → 60 %,
    /// 1 → about 49 %, 2 → about 36 %).
    pub decay_base: f64,
    /// The incident metrics whose raw penalties add up to `filtering`
    /// (INFERRED composition; M1/M1C are left out as the Observatory has
    /// excluded route leaks since January 2024, a PUBLISHED fact).
    pub filtering_metrics: Vec<String>,
    /// The factor of the invalid share in M7RPKI (PUBLISHED: 10).
    pub rpki_invalid_penalty: f64,
    /// The contact roles that count for `coordination`: RIR aut-num
    /// attributes (`admin-c`, `tech-c`, PUBLISHED for the prototype) and
    /// PeeringDB contact roles (INFERRED; abuse-only contacts never count,
    /// PUBLISHED). Compared without regard to case.
    pub contact_roles: Vec<String>,
    /// Bands of `filtering` (INFERRED: ready only without incidents,
    /// aspiring down to the 60 % of one short incident).
    pub filtering_bands: Bands,
    /// Bands of `antiSpoofing` (INFERRED, as filtering).
    pub anti_spoofing_bands: Bands,
    /// Bands of `coordination`, whose value is 1 with a contact and 0
    /// without (INFERRED).
    pub coordination_bands: Bands,
    /// Bands of `routingInformationRPKI` (INFERRED placeholders).
    pub rpki_bands: Bands,
    /// Bands of `routingInformationIRR` (INFERRED placeholders).
    pub irr_bands: Bands,
}

impl Default for Profile {
    fn default() -> Self {
        Profile {
            version: "manrs-default-2".into(),
            decay_base: 0.6,
            filtering_metrics: ["M2", "M2C", "M3", "M3C", "M4", "M4C"].map(String::from).to_vec(),
            rpki_invalid_penalty: 10.0,
            contact_roles: ["admin-c", "tech-c", "NOC", "Technical", "Policy", "Maintenance"]
                .map(String::from)
                .to_vec(),
            filtering_bands: Bands { ready: 1.0, aspiring: 0.6 },
            anti_spoofing_bands: Bands { ready: 1.0, aspiring: 0.6 },
            coordination_bands: Bands { ready: 1.0, aspiring: 0.5 },
            rpki_bands: Bands::default(),
            irr_bands: Bands::default(),
        }
    }
}

impl Profile {
    /// The shipped default profile as TOML, with the published and inferred
    /// labels as comments.
    pub const DEFAULT_TOML: &'static str = include_str!("../../../profiles/manrs-default.toml");

    /// Whether `metric` feeds `filtering`.
    pub fn feeds_filtering(&self, metric: &str) -> bool {
        self.filtering_metrics.iter().any(|m| m == metric)
    }

    /// Whether a contact of `role` counts for `coordination`.
    pub fn counts_contact(&self, role: &str) -> bool {
        self.contact_roles.iter().any(|r| r.eq_ignore_ascii_case(role))
    }

    /// The score of a raw incident penalty: `decay_base^sqrt(2·raw)`, 1 for
    /// no penalty (manrs-spec §2.5).
    pub fn penalty_score(&self, raw: f64) -> f64 {
        if raw <= 0.0 { 1.0 } else { self.decay_base.powf((2.0 * raw).sqrt()) }
    }
}

/// A readiness band (manrs-spec §2.7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Band {
    /// Meets the action.
    Ready,
    /// On the way.
    Aspiring,
    /// Far from it.
    Lagging,
}

impl Band {
    /// `ready`, `aspiring` or `lagging`.
    pub fn as_str(self) -> &'static str {
        match self {
            Band::Ready => "ready",
            Band::Aspiring => "aspiring",
            Band::Lagging => "lagging",
        }
    }

    /// Parses [`Band::as_str`] output.
    pub fn parse(s: &str) -> Option<Band> {
        match s {
            "ready" => Some(Band::Ready),
            "aspiring" => Some(Band::Aspiring),
            "lagging" => Some(Band::Lagging),
            _ => None,
        }
    }
}

impl Bands {
    /// The band of `value` (0..=1).
    pub fn band(&self, value: f64) -> Band {
        if value >= self.ready {
            Band::Ready
        } else if value >= self.aspiring {
            Band::Aspiring
        } else {
            Band::Lagging
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_cut_at_their_thresholds() {
        let b = Bands::default();
        assert_eq!(b.band(1.0), Band::Ready);
        assert_eq!(b.band(0.9), Band::Ready);
        assert_eq!(b.band(0.899), Band::Aspiring);
        assert_eq!(b.band(0.5), Band::Aspiring);
        assert_eq!(b.band(0.49), Band::Lagging);
        assert_eq!(b.band(0.0), Band::Lagging);
        for band in [Band::Ready, Band::Aspiring, Band::Lagging] {
            assert_eq!(Band::parse(band.as_str()), Some(band));
        }
    }
}
