//! The MANRS Action 4 (global validation) metrics of a period, per origin
//! AS, with their evidence (manrs-spec §2.4 M7RPKI and M7IRR, §2.6, §7.2):
//!
//! * M7RPKI = max(0, valid/total − 10 × invalid/total), the key figure
//!   `routingInformationRPKI` (the factor is [`Profile::rpki_invalid_penalty`]);
//! * M7IRR = covered/total, the key figure `routingInformationIRR`;
//!
//! over every route of the period's snapshot originated by the AS. Each
//! route keeps the VRPs that decided its state (for an Invalid route every
//! covering VRP, for a Valid one the VRPs that authorise it) and the IRR
//! object that covers it, so every point lost can be explained.
//!
//! [`AsCounts`] add up across shards; values and bands are derived from the
//! counts by [`AsMetrics::from_counts`].

use std::collections::BTreeMap;

use serde::Serialize;

use manrs_types::Asn;

use crate::irr::{IrrIndex, IrrMatch};
use crate::rov::{CoveringVrp, RovState, VrpIndex};
use crate::settings::{Band, Profile, Settings};
use crate::snapshot::{Snapshot, SnapshotRoute};

/// A snapshot route with its validation results and evidence.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AnalysedRoute {
    /// The route.
    #[serde(flatten)]
    pub route: SnapshotRoute,
    /// RFC 6811 state.
    pub rov: RovState,
    /// The VRPs that decided it: all covering VRPs of an Invalid route, the
    /// authorising ones of a Valid route, none for NotFound.
    pub vrps: Vec<CoveringVrp>,
    /// The IRR object that covers it; `None` when not covered (or when the
    /// period has no IRR data).
    pub irr: Option<IrrMatch>,
}

/// Per-AS counts, additive across shards.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AsCounts {
    /// Routes originated.
    pub routes: u64,
    /// RPKI Valid.
    pub valid: u64,
    /// RPKI Invalid.
    pub invalid: u64,
    /// RPKI NotFound.
    pub not_found: u64,
    /// Covered by an IRR route object.
    pub irr_covered: u64,
}

impl AsCounts {
    /// Adds another shard's counts.
    pub fn merge(&mut self, o: &AsCounts) {
        self.routes += o.routes;
        self.valid += o.valid;
        self.invalid += o.invalid;
        self.not_found += o.not_found;
        self.irr_covered += o.irr_covered;
    }
}

/// The Action 4 metrics and key figures of one AS.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AsMetrics {
    /// The origin AS.
    pub asn: Asn,
    /// Its counts.
    pub counts: AsCounts,
    /// `routingInformationRPKI`, 0..=1.
    pub rpki_value: f64,
    /// Its band.
    pub rpki_band: Band,
    /// `routingInformationIRR`, 0..=1; `None` when the period has no IRR data.
    pub irr_value: Option<f64>,
    /// Its band.
    pub irr_band: Option<Band>,
}

impl AsMetrics {
    /// Values and bands from counts. `irr_data`: whether the period had any
    /// IRR source. An AS with no route gets 0 (it cannot be measured; such
    /// ASes are not produced by [`analyse`]).
    pub fn from_counts(asn: Asn, counts: AsCounts, irr_data: bool, profile: &Profile) -> Self {
        let total = counts.routes as f64;
        let rpki_value = if counts.routes == 0 {
            0.0
        } else {
            let v = (counts.valid as f64 - profile.rpki_invalid_penalty * counts.invalid as f64)
                / total;
            v.clamp(0.0, 1.0)
        };
        let irr_value = (irr_data && counts.routes > 0).then(|| counts.irr_covered as f64 / total);
        AsMetrics {
            asn,
            counts,
            rpki_value,
            rpki_band: profile.rpki_bands.band(rpki_value),
            irr_value,
            irr_band: irr_value.map(|v| profile.irr_bands.band(v)),
        }
    }
}

/// The Action 4 results of a period.
#[derive(Clone, Debug, Default)]
pub struct Analysis {
    /// Every snapshot route, in snapshot order.
    pub routes: Vec<AnalysedRoute>,
    /// Per origin AS, by AS number.
    pub metrics: Vec<AsMetrics>,
    /// Whether IRR data was given.
    pub irr_data: bool,
}

/// Validates every route of `snapshot` and computes the per-AS metrics.
/// `irr` is `None` when the period has no IRR source: M7IRR is then "no
/// data", not 0.
pub fn analyse(
    snapshot: Snapshot,
    vrps: &VrpIndex,
    irr: Option<&IrrIndex>,
    settings: &Settings,
    profile: &Profile,
) -> Analysis {
    let mut counts: BTreeMap<Asn, AsCounts> = BTreeMap::new();
    let mut routes = Vec::with_capacity(snapshot.routes.len());
    for r in snapshot.routes {
        // RFC 6811 §2: a route whose path ends in an AS_SET has origin NONE.
        let origin = (!r.as_set).then_some(r.origin);
        let (rov, mut evidence) = vrps.explain(&r.prefix, origin);
        if rov == RovState::Valid {
            evidence.retain(|c| c.matched);
        }
        let irr_match = irr.and_then(|ix| ix.coverage(&r.prefix, r.origin, settings.irr_policy));
        let c = counts.entry(r.origin).or_default();
        c.routes += 1;
        match rov {
            RovState::Valid => c.valid += 1,
            RovState::Invalid => c.invalid += 1,
            RovState::NotFound => c.not_found += 1,
        }
        c.irr_covered += u64::from(irr_match.is_some());
        routes.push(AnalysedRoute { route: r, rov, vrps: evidence, irr: irr_match });
    }
    let irr_data = irr.is_some();
    let metrics = counts
        .into_iter()
        .map(|(asn, c)| AsMetrics::from_counts(asn, c, irr_data, profile))
        .collect();
    Analysis { routes, metrics, irr_data }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::IrrPolicy;
    use crate::snapshot::{Origin, SnapshotBuilder};
    use manrs_types::{Month, Prefix, RouteObject, Vrp};

    fn p(s: &str) -> Prefix {
        s.parse().unwrap()
    }

    fn snapshot(routes: &[(&str, u32)], settings: &Settings) -> Snapshot {
        let month: Month = "2026-02".parse().unwrap();
        let mut b = SnapshotBuilder::new(month, settings);
        let peer = b.peer("test", "192.0.2.1".parse().unwrap(), Asn(64496));
        for (prefix, origin) in routes {
            b.observe(p(prefix), Origin::Single(Asn(*origin)), None, peer, None);
        }
        b.finish()
    }

    fn vrps() -> VrpIndex {
        [("10.0.0.0/8", 64500, 16), ("10.1.0.0/16", 64501, 24), ("11.0.0.0/8", 0, 8)]
            .into_iter()
            .map(|(prefix, asn, max_len)| Vrp {
                asn: Asn(asn),
                prefix: p(prefix),
                max_len,
                ta: None,
            })
            .collect()
    }

    #[test]
    fn m7rpki_penalises_invalids_tenfold_and_clamps() {
        let s = snapshot(
            &[
                // AS64500: 9 valid, 1 invalid (too specific) -> (9 - 10) / 10 < 0 -> 0.
                ("10.0.0.0/16", 64500),
                ("10.2.0.0/16", 64500),
                ("10.3.0.0/16", 64500),
                ("10.4.0.0/16", 64500),
                ("10.5.0.0/16", 64500),
                ("10.6.0.0/16", 64500),
                ("10.7.0.0/16", 64500),
                ("10.8.0.0/16", 64500),
                ("10.9.0.0/16", 64500),
                ("10.10.0.0/24", 64500),
                // AS64501: valid, not found x2, -> 1/3, aspiring? no: lagging.
                ("10.1.0.0/24", 64501),
                ("12.0.0.0/8", 64501),
                ("13.0.0.0/8", 64501),
                // AS64502: all not found.
                ("14.0.0.0/8", 64502),
            ],
            &Settings::default(),
        );
        let a = analyse(s.clone(), &vrps(), None, &Settings::default(), &Profile::default());
        let m: BTreeMap<u32, &AsMetrics> = a.metrics.iter().map(|m| (m.asn.0, m)).collect();
        assert_eq!(m[&64500].counts.valid, 9);
        assert_eq!(m[&64500].counts.invalid, 1);
        assert_eq!(m[&64500].rpki_value, 0.0);
        assert_eq!(m[&64500].rpki_band, Band::Lagging);
        assert!((m[&64501].rpki_value - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(m[&64502].rpki_value, 0.0);
        // No IRR data: no IRR value, not 0.
        assert_eq!(m[&64502].irr_value, None);
        // With a softer penalty the same counts give (9 - 1) / 10.
        let soft = Profile { rpki_invalid_penalty: 1.0, ..Profile::default() };
        let a = analyse(s.clone(), &vrps(), None, &Settings::default(), &soft);
        assert!((a.metrics[0].rpki_value - 0.8).abs() < 1e-12);
        assert_eq!(a.metrics[0].rpki_band, Band::Aspiring);
    }

    #[test]
    fn evidence_is_kept_per_route() {
        let s = snapshot(
            &[("10.10.0.0/24", 64500), ("10.1.0.0/24", 64501), ("11.0.0.0/8", 64503)],
            &Settings::default(),
        );
        let a = analyse(s.clone(), &vrps(), None, &Settings::default(), &Profile::default());
        let by: BTreeMap<String, &AnalysedRoute> =
            a.routes.iter().map(|r| (r.route.prefix.to_string(), r)).collect();
        // Invalid: too specific for the /8 maxLength 16.
        let inv = by["10.10.0.0/24"];
        assert_eq!(inv.rov, RovState::Invalid);
        assert_eq!(inv.vrps.len(), 1);
        assert!(!inv.vrps[0].matched);
        // Valid: only the authorising VRP is kept (the /8 of 64500 also covers).
        let val = by["10.1.0.0/24"];
        assert_eq!(val.rov, RovState::Valid);
        assert_eq!(val.vrps.len(), 1);
        assert_eq!(val.vrps[0].vrp.asn, Asn(64501));
        // AS0: invalid, with the AS0 VRP as evidence.
        assert_eq!(by["11.0.0.0/8"].rov, RovState::Invalid);
        assert_eq!(by["11.0.0.0/8"].vrps[0].vrp.asn, Asn(0));
    }

    #[test]
    fn m7irr_counts_covered_routes_by_policy() {
        let s = snapshot(
            &[
                ("10.0.0.0/16", 64500),
                ("10.0.1.0/24", 64500),
                ("10.9.0.0/16", 64500),
                ("10.0.0.0/16", 64501),
            ],
            &Settings::default(),
        );
        let mut irr = IrrIndex::new();
        let obj = RouteObject {
            prefix: p("10.0.0.0/16"),
            origin: Asn(64500),
            source: "RIPE".into(),
            mnt_by: vec![],
        };
        irr.insert(&obj, 1);
        for (policy, covered) in [(IrrPolicy::Exact, 1), (IrrPolicy::Covering, 2)] {
            let settings = Settings { irr_policy: policy, ..Settings::default() };
            let a = analyse(s.clone(), &vrps(), Some(&irr), &settings, &Profile::default());
            assert_eq!(a.metrics[0].counts.irr_covered, covered, "{policy:?}");
            assert!((a.metrics[0].irr_value.unwrap() - covered as f64 / 3.0).abs() < 1e-12);
            // The other origin of the same prefix is unregistered: 0, not "no data".
            assert_eq!(a.metrics[1].irr_value, Some(0.0));
            assert_eq!(a.metrics[1].irr_band, Some(Band::Lagging));
        }
    }

    #[test]
    fn as_set_routes_never_validate() {
        let settings = Settings { as_set_origins: crate::AsSetPolicy::Each, ..Settings::default() };
        let month: Month = "2026-02".parse().unwrap();
        let mut b = SnapshotBuilder::new(month, &settings);
        let peer = b.peer("test", "192.0.2.1".parse().unwrap(), Asn(64496));
        let set = [Asn(64500), Asn(64509)];
        b.observe(p("10.0.0.0/16"), Origin::Set(&set), None, peer, None);
        let a = analyse(b.finish(), &vrps(), None, &settings, &Profile::default());
        assert_eq!(a.routes.len(), 2);
        assert!(a.routes.iter().all(|r| r.rov == RovState::Invalid && r.route.as_set));
    }

    #[test]
    fn counts_merge_across_shards() {
        let mut a = AsCounts { routes: 3, valid: 2, invalid: 1, not_found: 0, irr_covered: 1 };
        a.merge(&AsCounts { routes: 2, valid: 0, invalid: 0, not_found: 2, irr_covered: 2 });
        let m = AsMetrics::from_counts(Asn(1), a, true, &Profile::default());
        assert_eq!(m.counts.routes, 5);
        assert_eq!(m.rpki_value, 0.0); // (2 - 10) / 5 clamps to 0
        assert_eq!(m.irr_value, Some(0.6));
        assert_eq!(m.irr_band, Some(Band::Aspiring));
    }
}
