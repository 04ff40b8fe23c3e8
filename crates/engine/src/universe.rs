//! The network universe of a period (manrs-spec §2.1): which ASes are
//! scored and which count in the aggregates.
//!
//! The Observatory builds its list of networks from the NRO delegated
//! statistics, cross-referenced with the ASes visible in routing, leaving
//! out `reserved` and `available` AS numbers (PUBLISHED, §2.1). Here:
//!
//! * **visible** = the origin of a route of the snapshot, or an AS on an
//!   observed AS path (a transit-only network: it originates nothing but
//!   carries traffic, and Action 1 incidents can name it as the network
//!   that propagated a hijack, a leak or a bogon);
//! * **excluded** = a visible AS that the bogon reference (IANA
//!   special-purpose AS numbers, RFC 6996/7300/5398/6793/7607, and AS
//!   numbers a loaded delegated file lists as `available` or `reserved`)
//!   says is not delegated to anyone. Excluded origins keep their routes
//!   and evidence but do not count in economy, region or world figures.
//!
//! Which registries were loaded decides what can be excluded: an AS of a
//! registry whose delegated file was not loaded is taken as delegated
//! (the absence of data says nothing). The universe of a period stored
//! from prefix-origin lists (no paths) is its origins.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::bogons::{BogonMatch, BogonRef};
use manrs_types::Asn;

/// How an AS is visible in a period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Visibility {
    /// It originates at least one route of the snapshot.
    Origin,
    /// It appears only inside observed AS paths.
    Transit,
}

impl Visibility {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Origin => "origin",
            Visibility::Transit => "transit",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "origin" => Some(Visibility::Origin),
            "transit" => Some(Visibility::Transit),
            _ => None,
        }
    }
}

/// One visible AS.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    /// How it is visible.
    pub visibility: Visibility,
    /// Why it does not count in aggregates; `None`: it counts.
    pub excluded: Option<BogonMatch>,
}

/// Counts of a universe, for the period statistics.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UniverseStats {
    /// Visible origin ASes.
    pub origins: u64,
    /// Visible ASes seen only in paths.
    pub transit_only: u64,
    /// Of the visible ASes, those excluded as not delegated.
    pub excluded: u64,
    /// Of those, excluded origins (their routes are kept).
    pub excluded_origins: u64,
    /// Networks that count in aggregates.
    pub counted: u64,
}

/// The visible ASes of a period.
#[derive(Clone, Debug, Default)]
pub struct Universe {
    members: BTreeMap<Asn, Member>,
}

impl Universe {
    /// The universe of `origins` (ASes with routes) and `in_paths` (every
    /// AS seen on an observed AS path), with exclusions from `bogons`.
    pub fn new(
        origins: impl IntoIterator<Item = Asn>,
        in_paths: impl IntoIterator<Item = Asn>,
        bogons: &BogonRef,
    ) -> Self {
        let mut members: BTreeMap<Asn, Member> = BTreeMap::new();
        for asn in origins {
            members.insert(asn, Member { visibility: Visibility::Origin, excluded: None });
        }
        for asn in in_paths {
            members
                .entry(asn)
                .or_insert(Member { visibility: Visibility::Transit, excluded: None });
        }
        for (asn, m) in &mut members {
            m.excluded = bogons.asn(*asn);
        }
        Universe { members }
    }

    /// Every visible AS, in AS order.
    pub fn iter(&self) -> impl Iterator<Item = (Asn, &Member)> {
        self.members.iter().map(|(a, m)| (*a, m))
    }

    /// One AS.
    pub fn get(&self, asn: Asn) -> Option<&Member> {
        self.members.get(&asn)
    }

    /// The transit-only ASes that count (they get key figures without any
    /// route of their own). Excluded transit-only ASes are not stored.
    pub fn counted_transit(&self) -> impl Iterator<Item = Asn> + '_ {
        self.iter()
            .filter(|(_, m)| m.visibility == Visibility::Transit && m.excluded.is_none())
            .map(|(a, _)| a)
    }

    /// Its counts.
    pub fn stats(&self) -> UniverseStats {
        let mut s = UniverseStats::default();
        for m in self.members.values() {
            let origin = m.visibility == Visibility::Origin;
            s.origins += u64::from(origin);
            s.transit_only += u64::from(!origin);
            if m.excluded.is_some() {
                s.excluded += 1;
                s.excluded_origins += u64::from(origin);
            } else {
                s.counted += 1;
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bogons::BogonClass;

    #[test]
    fn origins_transit_and_exclusions() {
        let mut bogons = BogonRef::special_purpose();
        bogons.add_asns(37_000, 37_099, BogonClass::Administrative, "afrinic available");
        let paths: Vec<Vec<Asn>> = vec![
            vec![Asn(3356), Asn(174), Asn(64_512), Asn(13_335)],
            vec![Asn(3356), Asn(37_050), Asn(37_100)],
        ];
        let u = Universe::new(
            [Asn(13_335), Asn(37_100), Asn(64_513), Asn(37_001)],
            paths.iter().flatten().copied(),
            &bogons,
        );
        let m = |a: u32| u.get(Asn(a)).cloned().unwrap();
        assert_eq!(m(13_335).visibility, Visibility::Origin);
        assert_eq!(m(13_335).excluded, None);
        assert_eq!(m(174).visibility, Visibility::Transit);
        // A private ASN in a path and as an origin: full bogons (RFC 6996).
        assert_eq!(m(64_512).excluded.unwrap().class, BogonClass::Full);
        assert_eq!(m(64_513).visibility, Visibility::Origin);
        assert!(m(64_513).excluded.is_some());
        // Listed as available by a registry: administrative, excluded too.
        assert_eq!(m(37_050).excluded.unwrap().class, BogonClass::Administrative);
        assert_eq!(m(37_001).excluded.unwrap().reason, "afrinic available");
        assert!(u.get(Asn(1)).is_none());
        assert_eq!(u.counted_transit().collect::<Vec<_>>(), vec![Asn(174), Asn(3356)]);
        assert_eq!(
            u.stats(),
            UniverseStats {
                origins: 4,
                transit_only: 4,
                excluded: 4,
                excluded_origins: 2,
                counted: 4,
            }
        );
    }

    #[test]
    fn no_paths_means_origins_only() {
        let u = Universe::new([Asn(1), Asn(2)], std::iter::empty(), &BogonRef::new());
        assert_eq!(u.stats().origins, 2);
        assert_eq!(u.stats().transit_only, 0);
        assert_eq!(u.stats().counted, 2);
    }
}
