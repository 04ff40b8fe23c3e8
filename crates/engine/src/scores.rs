//! The five MANRS key figures of a network and period (manrs-spec §2.5–2.7,
//! API v2 names): `filtering` (Action 1), `antiSpoofing` (Action 2),
//! `coordination` (Action 3), `routingInformationIRR` and
//! `routingInformationRPKI` (Action 4), each a value in 0..=1 with a
//! Ready/Aspiring/Lagging band, or "no data".
//!
//! * filtering = score(Σ raw penalties of the profile's filtering metrics),
//!   score(x) = b^sqrt(2x) (§2.5, INFERRED closed form of the published
//!   points); always measured for a network we saw (no incident: 1).
//! * antiSpoofing = score(M5), M5 = distinct spoofing client prefixes
//!   (§7.2); no Spoofer session: no data.
//! * coordination = 1 when a counted contact exists, 0 when the network has
//!   records but no counted contact; no record in any loaded source: no
//!   data.
//! * the Action 4 figures come from [`crate::metrics`].
//!
//! The raw metric is kept beside each value so that bands can be derived
//! again under another profile.

use serde::Serialize;

use crate::contacts::NetworkContacts;
use crate::settings::{Band, Bands, Profile};
use crate::spoofing::SpoofCounts;

/// One of the five key figures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Figure {
    /// Action 1.
    Filtering,
    /// Action 2.
    AntiSpoofing,
    /// Action 3.
    Coordination,
    /// Action 4, IRR.
    RoutingInformationIrr,
    /// Action 4, RPKI.
    RoutingInformationRpki,
}

impl Figure {
    /// All five, in the API's order.
    pub const ALL: [Figure; 5] = [
        Figure::Filtering,
        Figure::AntiSpoofing,
        Figure::Coordination,
        Figure::RoutingInformationIrr,
        Figure::RoutingInformationRpki,
    ];

    /// The MANRS API v2 name.
    pub fn api_name(self) -> &'static str {
        match self {
            Figure::Filtering => "filtering",
            Figure::AntiSpoofing => "antiSpoofing",
            Figure::Coordination => "coordination",
            Figure::RoutingInformationIrr => "routingInformationIRR",
            Figure::RoutingInformationRpki => "routingInformationRPKI",
        }
    }

    /// Parses [`Figure::api_name`].
    pub fn parse(s: &str) -> Option<Figure> {
        Figure::ALL.into_iter().find(|f| f.api_name() == s)
    }

    /// The MANRS action it measures.
    pub fn action(self) -> u8 {
        match self {
            Figure::Filtering => 1,
            Figure::AntiSpoofing => 2,
            Figure::Coordination => 3,
            Figure::RoutingInformationIrr | Figure::RoutingInformationRpki => 4,
        }
    }

    /// Its bands in `profile`.
    pub fn bands(self, profile: &Profile) -> &Bands {
        match self {
            Figure::Filtering => &profile.filtering_bands,
            Figure::AntiSpoofing => &profile.anti_spoofing_bands,
            Figure::Coordination => &profile.coordination_bands,
            Figure::RoutingInformationIrr => &profile.irr_bands,
            Figure::RoutingInformationRpki => &profile.rpki_bands,
        }
    }
}

/// A key figure's value and band; both `None` when there is no data.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Score {
    /// 0..=1.
    pub value: Option<f64>,
    /// Its band.
    pub band: Option<Band>,
}

impl Score {
    /// The score of `value` under `bands`.
    pub fn of(value: f64, bands: &Bands) -> Score {
        Score { value: Some(value), band: Some(bands.band(value)) }
    }

    /// No data.
    pub const NO_DATA: Score = Score { value: None, band: None };
}

/// `filtering` from the raw Action 1 penalty (the sum of the incident
/// scores of the profile's filtering metrics).
pub fn filtering(raw: f64, profile: &Profile) -> Score {
    Score::of(profile.penalty_score(raw), &profile.filtering_bands)
}

/// The raw filtering penalty of one network: the sum of the scores of its
/// incidents whose metric feeds filtering.
pub fn filtering_raw<'a>(
    incidents: impl IntoIterator<Item = (&'a str, f64)>,
    profile: &Profile,
) -> f64 {
    incidents.into_iter().filter(|(m, _)| profile.feeds_filtering(m)).map(|(_, s)| s).sum()
}

/// `antiSpoofing` from a network's Spoofer results (`None`: not tested).
pub fn anti_spoofing(spoof: Option<&SpoofCounts>, profile: &Profile) -> Score {
    match spoof {
        None => Score::NO_DATA,
        Some(s) => Score::of(profile.penalty_score(s.raw() as f64), &profile.anti_spoofing_bands),
    }
}

/// `coordination` from a network's contact findings (`None`: no record).
pub fn coordination(contacts: Option<&NetworkContacts>, profile: &Profile) -> Score {
    match contacts {
        None => Score::NO_DATA,
        Some(c) => {
            let found = c.counted(|r| profile.counts_contact(r)).next().is_some();
            Score::of(if found { 1.0 } else { 0.0 }, &profile.coordination_bands)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contacts::Contact;
    use manrs_types::Prefix;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn the_mapping_meets_the_published_points() {
        let p = Profile::default();
        assert_eq!(p.penalty_score(0.0), 1.0);
        assert!(close(p.penalty_score(0.5), 0.60, 0.0005));
        assert!(close(p.penalty_score(1.0), 0.49, 0.005));
        assert!(close(p.penalty_score(2.0), 0.36, 0.0005));
        // The spec's incident test vector: 29 min + 13 h + 25 h = 3.5.
        assert!(close(p.penalty_score(3.5), 0.259, 0.001));
        // Monotone.
        let mut last = 1.0;
        for i in 1..100 {
            let s = p.penalty_score(f64::from(i) * 0.25);
            assert!(s < last);
            last = s;
        }
    }

    #[test]
    fn filtering_sums_only_the_profile_metrics() {
        let p = Profile::default();
        let raw = filtering_raw([("M2", 1.0), ("M1", 5.0), ("M3C", 0.5), ("M4", 0.5)], &p);
        assert_eq!(raw, 2.0);
        let s = filtering(raw, &p);
        assert!(close(s.value.unwrap(), 0.36, 0.0005));
        assert_eq!(s.band, Some(Band::Lagging));
        assert_eq!(filtering(0.0, &p), Score { value: Some(1.0), band: Some(Band::Ready) });
        // One short incident: 60 %, the lowest aspiring value.
        assert_eq!(filtering(0.5, &p).band, Some(Band::Aspiring));
        assert_eq!(filtering(0.6, &p).band, Some(Band::Lagging));
        // A profile that counts route leaks.
        let mut leaks = Profile::default();
        leaks.filtering_metrics.push("M1".into());
        assert_eq!(filtering_raw([("M1", 5.0)], &leaks), 5.0);
    }

    #[test]
    fn anti_spoofing_follows_m5_and_has_no_data_without_sessions() {
        let p = Profile::default();
        assert_eq!(anti_spoofing(None, &p), Score::NO_DATA);
        let mut s = SpoofCounts::default();
        s.sessions.insert(1);
        assert_eq!(anti_spoofing(Some(&s), &p).value, Some(1.0));
        assert_eq!(anti_spoofing(Some(&s), &p).band, Some(Band::Ready));
        s.spoofed_prefixes.insert("192.0.2.0/24".parse::<Prefix>().unwrap());
        // Published: one spoofing prefix -> about 49 %, two -> about 36 %.
        assert!(close(anti_spoofing(Some(&s), &p).value.unwrap(), 0.49, 0.005));
        s.spoofed_prefixes.insert("198.51.100.0/24".parse::<Prefix>().unwrap());
        assert!(close(anti_spoofing(Some(&s), &p).value.unwrap(), 0.36, 0.0005));
        assert_eq!(anti_spoofing(Some(&s), &p).band, Some(Band::Lagging));
    }

    #[test]
    fn coordination_is_ready_with_a_counted_contact() {
        let p = Profile::default();
        assert_eq!(coordination(None, &p), Score::NO_DATA);
        let mut n = NetworkContacts::default();
        n.records.insert("PeeringDB".into());
        n.contacts.insert(Contact {
            source: "PeeringDB".into(),
            role: "Abuse".into(),
            reference: "poc 1".into(),
        });
        assert_eq!(coordination(Some(&n), &p), Score::of(0.0, &p.coordination_bands));
        assert_eq!(coordination(Some(&n), &p).band, Some(Band::Lagging));
        n.contacts.insert(Contact {
            source: "RIPE".into(),
            role: "TECH-C".into(),
            reference: "EX1-RIPE".into(),
        });
        assert_eq!(coordination(Some(&n), &p).band, Some(Band::Ready));
    }

    #[test]
    fn figures_have_api_names_and_actions() {
        for f in Figure::ALL {
            assert_eq!(Figure::parse(f.api_name()), Some(f));
        }
        assert_eq!(Figure::AntiSpoofing.action(), 2);
        assert_eq!(Figure::RoutingInformationRpki.bands(&Profile::default()).ready, 0.9);
    }
}
