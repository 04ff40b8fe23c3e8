//! IRR coverage of announced routes, for the MANRS Action 4 IRR metric
//! (manrs-spec §2.4 M7IRR, §7.2).
//!
//! A route (prefix, origin) is *covered* when an IRR route/route6 object
//! (RFC 2622 §4, RFC 4012 §2) registers its origin for the same prefix
//! ([`IrrPolicy::Exact`]) or for the same or a less specific prefix
//! ([`IrrPolicy::Covering`], the 2018 prototype rule). Sources carry a trust
//! rank (lower is more trusted, e.g. the RIR's authoritative database before
//! RADB or a NONAUTH database); when several objects cover a route, the
//! evidence kept is the one of the most trusted source, then the exact
//! object, then the most specific.

use ipnet::IpNet;
use prefix_trie::joint::map::JointPrefixMap;
use serde::Serialize;

use manrs_types::{Asn, Prefix, RouteObject};

use crate::settings::IrrPolicy;

/// The route objects of every IRR source of a period.
#[derive(Default)]
pub struct IrrIndex {
    /// Per object prefix: (origin, source id).
    trie: JointPrefixMap<IpNet, Vec<(Asn, u16)>>,
    /// Source names and trust ranks, by id.
    sources: Vec<(String, u32)>,
    objects: usize,
}

impl std::fmt::Debug for IrrIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IrrIndex")
            .field("objects", &self.objects)
            .field("sources", &self.sources)
            .finish_non_exhaustive()
    }
}

/// The route object that covers a route.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IrrMatch {
    /// Its IRR source (`RIPE`, `RADB`...).
    pub source: String,
    /// The trust rank of that source.
    pub trust: u32,
    /// The object's prefix.
    pub prefix: Prefix,
    /// Whether the object's prefix equals the route's.
    pub exact: bool,
}

impl IrrIndex {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a route object; its source gets `trust` (the rank given first
    /// for a source name is kept). Duplicates are kept once.
    pub fn insert(&mut self, object: &RouteObject, trust: u32) {
        let source = match self.sources.iter().position(|(n, _)| *n == object.source) {
            Some(i) => i as u16,
            None => {
                if self.sources.len() >= u16::MAX as usize {
                    return;
                }
                self.sources.push((object.source.clone(), trust));
                (self.sources.len() - 1) as u16
            }
        };
        let entry = self.trie.entry(object.prefix.net()).or_default();
        if !entry.contains(&(object.origin, source)) {
            entry.push((object.origin, source));
            self.objects += 1;
        }
    }

    /// Distinct (prefix, origin, source) objects.
    pub fn len(&self) -> usize {
        self.objects
    }

    /// Whether no object was added.
    pub fn is_empty(&self) -> bool {
        self.objects == 0
    }

    /// The sources with their trust rank and object counts, by trust.
    pub fn sources(&self) -> Vec<(String, u32)> {
        let mut s = self.sources.clone();
        s.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
        s
    }

    /// The best object covering the route under `policy`, if any.
    pub fn coverage(&self, prefix: &Prefix, origin: Asn, policy: IrrPolicy) -> Option<IrrMatch> {
        // Candidates: (trust, not exact, shorter first -> reversed below).
        let mut best: Option<(u32, bool, std::cmp::Reverse<u8>, u16, IpNet)> = None;
        for (net, list) in self.trie.cover(&prefix.net()) {
            let exact = net.prefix_len() == prefix.len();
            if policy == IrrPolicy::Exact && !exact {
                continue;
            }
            for (asn, source) in list {
                if *asn != origin {
                    continue;
                }
                let trust = self.sources[*source as usize].1;
                let key = (trust, !exact, std::cmp::Reverse(net.prefix_len()), *source, net);
                if best.as_ref().is_none_or(|b| key < *b) {
                    best = Some(key);
                }
            }
        }
        best.map(|(trust, not_exact, _, source, net)| IrrMatch {
            source: self.sources[source as usize].0.clone(),
            trust,
            prefix: Prefix::new_truncating(net),
            exact: !not_exact,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(prefix: &str, origin: u32, source: &str) -> RouteObject {
        RouteObject {
            prefix: prefix.parse().unwrap(),
            origin: Asn(origin),
            source: source.into(),
            mnt_by: vec![],
        }
    }

    fn p(s: &str) -> Prefix {
        s.parse().unwrap()
    }

    fn index() -> IrrIndex {
        let mut ix = IrrIndex::new();
        ix.insert(&obj("192.0.2.0/24", 64500, "RIPE"), 1);
        ix.insert(&obj("198.51.100.0/22", 64501, "RADB"), 3);
        ix.insert(&obj("198.51.100.0/23", 64501, "RIPE-NONAUTH"), 2);
        ix.insert(&obj("2001:db8::/32", 64502, "RIPE"), 1);
        ix.insert(&obj("2001:db8::/32", 64502, "RIPE"), 1);
        ix
    }

    #[test]
    fn exact_and_covering_policies() {
        let ix = index();
        assert_eq!(ix.len(), 4);
        let exact = ix.coverage(&p("192.0.2.0/24"), Asn(64500), IrrPolicy::Exact).unwrap();
        assert!(exact.exact);
        assert_eq!(exact.source, "RIPE");
        // A more specific of a registered prefix: covered only by the covering policy.
        assert_eq!(ix.coverage(&p("192.0.2.0/25"), Asn(64500), IrrPolicy::Exact), None);
        let c = ix.coverage(&p("192.0.2.0/25"), Asn(64500), IrrPolicy::Covering).unwrap();
        assert!(!c.exact);
        assert_eq!(c.prefix, p("192.0.2.0/24"));
        // Other origin: not covered under either policy.
        assert_eq!(ix.coverage(&p("192.0.2.0/24"), Asn(64999), IrrPolicy::Covering), None);
        // A less specific route is not covered by a more specific object.
        assert_eq!(ix.coverage(&p("192.0.0.0/16"), Asn(64500), IrrPolicy::Covering), None);
        // IPv6, and families do not mix.
        assert!(ix.coverage(&p("2001:db8:1::/48"), Asn(64502), IrrPolicy::Covering).is_some());
        assert_eq!(ix.coverage(&p("::/0"), Asn(64502), IrrPolicy::Covering), None);
    }

    #[test]
    fn most_trusted_source_wins_then_exact_then_most_specific() {
        let mut ix = index();
        let m = ix.coverage(&p("198.51.100.0/24"), Asn(64501), IrrPolicy::Covering).unwrap();
        // RIPE-NONAUTH (trust 2) before RADB (trust 3), although RADB's /22 also covers.
        assert_eq!((m.source.as_str(), m.prefix), ("RIPE-NONAUTH", p("198.51.100.0/23")));
        // An exact object of a less trusted source loses to a covering one of a more trusted.
        ix.insert(&obj("198.51.100.0/24", 64501, "RADB"), 3);
        let m = ix.coverage(&p("198.51.100.0/24"), Asn(64501), IrrPolicy::Covering).unwrap();
        assert_eq!(m.source, "RIPE-NONAUTH");
        // Under the exact policy only the exact RADB object counts.
        let m = ix.coverage(&p("198.51.100.0/24"), Asn(64501), IrrPolicy::Exact).unwrap();
        assert_eq!((m.source.as_str(), m.exact), ("RADB", true));
        // Same source, two covering objects: the most specific.
        ix.insert(&obj("198.51.0.0/16", 64501, "RIPE-NONAUTH"), 2);
        let m = ix.coverage(&p("198.51.100.0/25"), Asn(64501), IrrPolicy::Covering).unwrap();
        assert_eq!(m.prefix, p("198.51.100.0/23"));
        assert_eq!(ix.sources()[0].0, "RIPE");
    }
}
