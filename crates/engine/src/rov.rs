//! Route origin validation (RFC 6811 §2), with the RFC 6483 §4 AS0 rule.
//!
//! A VRP *covers* a route when the VRP prefix contains the route prefix
//! (equal or less specific). A covering VRP *matches* when its AS equals the
//! route's origin AS and the route's length is at most the VRP's maxLength.
//! The route is **Valid** if some covering VRP matches, **Invalid** if it is
//! covered but none matches, **NotFound** if nothing covers it. A VRP for
//! AS0 covers but never matches, and a route without a single origin AS (a
//! path ending in an AS_SET) can never be Valid.
//!
//! [`VrpIndex`] keeps the VRPs in a joint IPv4/IPv6 prefix trie
//! (prefix-trie), so finding the covering VRPs is one walk down the trie.

use ipnet::IpNet;
use prefix_trie::joint::map::JointPrefixMap;
use serde::Serialize;

use manrs_types::{Asn, Prefix, Vrp};

/// The outcome of validating one route.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum RovState {
    /// A covering VRP authorises the origin and the length.
    Valid,
    /// Covered by VRPs, none of which authorises this origin and length.
    Invalid,
    /// No VRP covers the prefix.
    NotFound,
}

impl RovState {
    /// `valid`, `invalid` or `notFound`.
    pub fn as_str(self) -> &'static str {
        match self {
            RovState::Valid => "valid",
            RovState::Invalid => "invalid",
            RovState::NotFound => "notFound",
        }
    }
}

/// Counts of validation outcomes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RovCounts {
    /// Valid routes.
    pub valid: u64,
    /// Invalid routes.
    pub invalid: u64,
    /// Routes not covered by any VRP.
    pub not_found: u64,
}

impl RovCounts {
    /// Counts one outcome.
    pub fn add(&mut self, state: RovState) {
        match state {
            RovState::Valid => self.valid += 1,
            RovState::Invalid => self.invalid += 1,
            RovState::NotFound => self.not_found += 1,
        }
    }

    /// Adds another shard's counts.
    pub fn merge(&mut self, other: RovCounts) {
        self.valid += other.valid;
        self.invalid += other.invalid;
        self.not_found += other.not_found;
    }

    /// All routes counted.
    pub fn total(&self) -> u64 {
        self.valid + self.invalid + self.not_found
    }
}

/// VRPs indexed for validation.
#[derive(Default)]
pub struct VrpIndex {
    /// Per VRP prefix: (AS, maxLength, trust anchor id).
    trie: JointPrefixMap<IpNet, Vec<(Asn, u8, u16)>>,
    /// Trust anchor names; id 0 is "unknown".
    tas: Vec<String>,
    vrps: usize,
}

/// A VRP that covers a route, as evidence of its validation state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CoveringVrp {
    /// The VRP.
    pub vrp: Vrp,
    /// Whether it authorises the route (same AS, length within maxLength).
    pub matched: bool,
}

impl std::fmt::Debug for VrpIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VrpIndex").field("vrps", &self.vrps).finish_non_exhaustive()
    }
}

impl VrpIndex {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a VRP (duplicates are kept once).
    pub fn insert(&mut self, vrp: &Vrp) {
        let ta = self.ta_id(vrp.ta.as_deref());
        let entry = self.trie.entry(vrp.prefix.net()).or_default();
        if !entry.iter().any(|(a, m, _)| (*a, *m) == (vrp.asn, vrp.max_len)) {
            entry.push((vrp.asn, vrp.max_len, ta));
            self.vrps += 1;
        }
    }

    fn ta_id(&mut self, ta: Option<&str>) -> u16 {
        let Some(ta) = ta else { return 0 };
        if self.tas.is_empty() {
            self.tas.push(String::new());
        }
        if let Some(i) = self.tas.iter().position(|t| t == ta) {
            return i as u16;
        }
        if self.tas.len() > u16::MAX as usize {
            return 0;
        }
        self.tas.push(ta.to_string());
        (self.tas.len() - 1) as u16
    }

    fn vrp(&self, net: &IpNet, asn: Asn, max_len: u8, ta: u16) -> Vrp {
        Vrp {
            asn,
            prefix: Prefix::new_truncating(*net),
            max_len,
            ta: (ta != 0).then(|| self.tas[ta as usize].clone()),
        }
    }

    /// Number of distinct VRPs.
    pub fn len(&self) -> usize {
        self.vrps
    }

    /// Whether the index holds no VRP.
    pub fn is_empty(&self) -> bool {
        self.vrps == 0
    }

    /// The VRPs covering `prefix`, least specific first.
    pub fn covering(&self, prefix: &Prefix) -> Vec<Vrp> {
        let mut out = Vec::new();
        for (net, list) in self.trie.cover(&prefix.net()) {
            for (asn, max_len, ta) in list {
                out.push(self.vrp(&net, *asn, *max_len, *ta));
            }
        }
        out
    }

    /// Validates a route and returns the evidence: every covering VRP,
    /// least specific first, each marked whether it authorises the route.
    pub fn explain(&self, prefix: &Prefix, origin: Option<Asn>) -> (RovState, Vec<CoveringVrp>) {
        let len = prefix.len();
        let mut out = Vec::new();
        for (net, list) in self.trie.cover(&prefix.net()) {
            for (asn, max_len, ta) in list {
                let matched = origin == Some(*asn) && *asn != Asn::ZERO && len <= *max_len;
                out.push(CoveringVrp { vrp: self.vrp(&net, *asn, *max_len, *ta), matched });
            }
        }
        let state = if out.iter().any(|c| c.matched) {
            RovState::Valid
        } else if out.is_empty() {
            RovState::NotFound
        } else {
            RovState::Invalid
        };
        (state, out)
    }

    /// Validates a route; `origin` is `None` when the path does not end in
    /// a single AS (RFC 6811 §2: such a route cannot match).
    pub fn validate(&self, prefix: &Prefix, origin: Option<Asn>) -> RovState {
        let len = prefix.len();
        let mut covered = false;
        for (_, list) in self.trie.cover(&prefix.net()) {
            covered |= !list.is_empty();
            let matched = origin.is_some_and(|origin| {
                list.iter().any(|(asn, max, _)| *asn == origin && *asn != Asn::ZERO && len <= *max)
            });
            if matched {
                return RovState::Valid;
            }
        }
        if covered { RovState::Invalid } else { RovState::NotFound }
    }
}

impl FromIterator<Vrp> for VrpIndex {
    fn from_iter<I: IntoIterator<Item = Vrp>>(iter: I) -> Self {
        let mut index = VrpIndex::new();
        for v in iter {
            index.insert(&v);
        }
        index
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vrp(asn: u32, prefix: &str, max_len: u8) -> Vrp {
        Vrp { asn: Asn(asn), prefix: prefix.parse().unwrap(), max_len, ta: None }
    }

    fn p(s: &str) -> Prefix {
        s.parse().unwrap()
    }

    fn index() -> VrpIndex {
        [
            vrp(64500, "192.0.2.0/24", 24),
            vrp(64501, "198.51.100.0/22", 24),
            vrp(0, "203.0.113.0/24", 32),
            vrp(64502, "2001:db8::/32", 48),
            vrp(64503, "2001:db8:1::/48", 48),
        ]
        .into_iter()
        .collect()
    }

    #[test]
    fn exact_and_covering_matches() {
        let ix = index();
        assert_eq!(ix.validate(&p("192.0.2.0/24"), Some(Asn(64500))), RovState::Valid);
        // Covered by a less specific with room in maxLength.
        assert_eq!(ix.validate(&p("198.51.101.0/24"), Some(Asn(64501))), RovState::Valid);
        assert_eq!(ix.validate(&p("198.51.100.0/22"), Some(Asn(64501))), RovState::Valid);
    }

    #[test]
    fn max_length_and_origin_mismatches_are_invalid() {
        let ix = index();
        // Too specific for maxLength 24.
        assert_eq!(ix.validate(&p("192.0.2.128/25"), Some(Asn(64500))), RovState::Invalid);
        assert_eq!(ix.validate(&p("198.51.100.0/25"), Some(Asn(64501))), RovState::Invalid);
        // Wrong origin.
        assert_eq!(ix.validate(&p("192.0.2.0/24"), Some(Asn(64999))), RovState::Invalid);
        // A less specific than the VRP is not covered by it.
        assert_eq!(ix.validate(&p("192.0.0.0/16"), Some(Asn(64500))), RovState::NotFound);
    }

    #[test]
    fn as0_never_validates() {
        let ix = index();
        assert_eq!(ix.validate(&p("203.0.113.0/24"), Some(Asn(0))), RovState::Invalid);
        assert_eq!(ix.validate(&p("203.0.113.0/25"), Some(Asn(64500))), RovState::Invalid);
        // Another VRP can still make a route valid under an AS0 VRP.
        let mut ix = index();
        ix.insert(&vrp(64510, "203.0.113.0/24", 24));
        assert_eq!(ix.validate(&p("203.0.113.0/24"), Some(Asn(64510))), RovState::Valid);
    }

    #[test]
    fn ipv6_and_as_set_origins() {
        let ix = index();
        assert_eq!(ix.validate(&p("2001:db8:ff::/48"), Some(Asn(64502))), RovState::Valid);
        assert_eq!(ix.validate(&p("2001:db8:ff::/49"), Some(Asn(64502))), RovState::Invalid);
        // Covered by both; the more specific VRP authorises 64503.
        assert_eq!(ix.validate(&p("2001:db8:1::/48"), Some(Asn(64503))), RovState::Valid);
        assert_eq!(ix.validate(&p("2001:db9::/32"), Some(Asn(64502))), RovState::NotFound);
        // No single origin: covered, so invalid; uncovered stays not found.
        assert_eq!(ix.validate(&p("192.0.2.0/24"), None), RovState::Invalid);
        assert_eq!(ix.validate(&p("10.0.0.0/8"), None), RovState::NotFound);
        // IPv4 VRPs never cover IPv6 routes and vice versa.
        assert_eq!(ix.validate(&p("::/0"), Some(Asn(64502))), RovState::NotFound);
    }

    #[test]
    fn covering_lists_and_dedup() {
        let mut ix = index();
        ix.insert(&vrp(64500, "192.0.2.0/24", 24));
        assert_eq!(ix.len(), 5);
        let c = ix.covering(&p("2001:db8:1::/48"));
        assert_eq!(c.iter().map(|v| v.asn.0).collect::<Vec<_>>(), vec![64502, 64503]);
        let mut counts = RovCounts::default();
        counts.add(RovState::Valid);
        counts.add(RovState::NotFound);
        assert_eq!(counts.total(), 2);
    }

    #[test]
    fn explain_agrees_with_validate_and_keeps_trust_anchors() {
        let mut ix = index();
        ix.insert(&Vrp { ta: Some("ripe".into()), ..vrp(64520, "198.51.100.0/24", 24) });
        let routes = [
            ("198.51.100.0/24", Some(64520)),
            ("198.51.100.0/24", Some(64501)),
            ("198.51.100.0/25", Some(64520)),
            ("192.0.2.0/24", None),
            ("2001:db8:1::/48", Some(64502)),
            ("10.0.0.0/8", Some(1)),
        ];
        for (prefix, origin) in routes {
            let origin = origin.map(Asn);
            let (state, vrps) = ix.explain(&p(prefix), origin);
            assert_eq!(state, ix.validate(&p(prefix), origin), "{prefix} {origin:?}");
            assert_eq!(vrps.len(), ix.covering(&p(prefix)).len());
        }
        let (state, vrps) = ix.explain(&p("198.51.100.0/25"), Some(Asn(64520)));
        assert_eq!(state, RovState::Invalid);
        // Least specific first: the /22 of 64501, then the /24 of 64520 from "ripe".
        assert_eq!(vrps[0].vrp.prefix, p("198.51.100.0/22"));
        assert_eq!(vrps[1].vrp.ta.as_deref(), Some("ripe"));
        assert!(!vrps[1].matched);
        let (_, vrps) = ix.explain(&p("198.51.100.0/24"), Some(Asn(64520)));
        assert!(vrps.iter().any(|c| c.matched && c.vrp.asn == Asn(64520)));
    }
}
