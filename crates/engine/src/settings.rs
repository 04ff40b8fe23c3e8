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

/// The scoring profile of the Action 4 key figures.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct Profile {
    /// Name and version of the profile, stored with every score.
    pub version: String,
    /// The factor of the invalid share in M7RPKI (published: 10).
    pub rpki_invalid_penalty: f64,
    /// Bands of `routingInformationRPKI`.
    pub rpki_bands: Bands,
    /// Bands of `routingInformationIRR`.
    pub irr_bands: Bands,
}

impl Default for Profile {
    fn default() -> Self {
        Profile {
            version: "manrs-default-1".into(),
            rpki_invalid_penalty: 10.0,
            rpki_bands: Bands::default(),
            irr_bands: Bands::default(),
        }
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
