//! The bogon reference of MANRS Action 1 metrics M3/M4 (manrs-spec §2.4,
//! §2.8): address space and AS numbers that must not appear in the global
//! routing table, each classified as
//!
//! * **full**: special-purpose space and numbers (RFC 6890 and the
//!   registries it created, RFC 5398, RFC 6793, RFC 6996, RFC 7300,
//!   RFC 7607, RFC 9637), IPv6 outside global unicast (RFC 4291 §2.4) and
//!   IANA-unallocated or reserved space from the IANA registries;
//! * **administrative**: space or numbers a RIR holds but has not delegated
//!   (`available` or `reserved` in its delegated statistics), and deprecated
//!   special-purpose blocks still routed in practice.
//!
//! Only full bogons count in the default profile (manrs-spec §2.4, since
//! January 2024). The definitions of the two classes are INFERRED
//! (manrs-spec §2.8): the classes are kept on every match so a profile can
//! choose. A route is a bogon when its prefix lies inside (or equals) a
//! bogon block; the most specific block decides, so a delegated block
//! inside reserved space is not a bogon.

use ipnet::IpNet;
use prefix_trie::joint::map::JointPrefixMap;
use serde::Serialize;

use manrs_types::{Asn, Prefix};

/// The class of a bogon.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum BogonClass {
    /// Must never be routed.
    Full,
    /// Held by a registry but not delegated.
    Administrative,
}

/// Why a prefix or AS number is a bogon.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BogonMatch {
    /// Its class.
    pub class: BogonClass,
    /// The bogon block the prefix lies in (for AS numbers, `None`).
    pub block: Option<Prefix>,
    /// The reason, citing the RFC or registry.
    pub reason: String,
}

/// Special-purpose IPv4 and IPv6 blocks (RFC 6890 registries as updated),
/// all full bogons. The deprecated 6to4 relay anycast block
/// 192.88.99.0/24 (RFC 7526) is in [`STILL_ROUTED`] instead.
pub const SPECIAL_PREFIXES: &[(&str, &str)] = &[
    ("0.0.0.0/8", "\"this network\" (RFC 791, RFC 6890)"),
    ("10.0.0.0/8", "private-use (RFC 1918)"),
    ("100.64.0.0/10", "shared address space (RFC 6598)"),
    ("127.0.0.0/8", "loopback (RFC 1122)"),
    ("169.254.0.0/16", "link local (RFC 3927)"),
    ("172.16.0.0/12", "private-use (RFC 1918)"),
    ("192.0.0.0/24", "IETF protocol assignments (RFC 6890)"),
    ("192.0.2.0/24", "documentation TEST-NET-1 (RFC 5737)"),
    ("192.168.0.0/16", "private-use (RFC 1918)"),
    ("198.18.0.0/15", "benchmarking (RFC 2544)"),
    ("198.51.100.0/24", "documentation TEST-NET-2 (RFC 5737)"),
    ("203.0.113.0/24", "documentation TEST-NET-3 (RFC 5737)"),
    ("224.0.0.0/4", "multicast (RFC 5771)"),
    ("240.0.0.0/4", "reserved (RFC 1112)"),
    ("::/3", "outside IPv6 global unicast 2000::/3 (RFC 4291)"),
    ("4000::/2", "outside IPv6 global unicast 2000::/3 (RFC 4291)"),
    ("8000::/1", "outside IPv6 global unicast 2000::/3 (RFC 4291)"),
    ("2001:2::/48", "benchmarking (RFC 5180)"),
    ("2001:10::/28", "deprecated ORCHID (RFC 4843)"),
    ("2001:20::/28", "ORCHIDv2 (RFC 7343)"),
    ("2001:db8::/32", "documentation (RFC 3849)"),
    ("3fff::/20", "documentation (RFC 9637)"),
];

/// Special-purpose blocks still routed in practice: administrative bogons.
/// 192.88.99.0/24 is announced in the 2026-07-30 RouteViews table and absent
/// from Team Cymru's full-bogon list.
pub const STILL_ROUTED: &[(&str, &str)] =
    &[("192.88.99.0/24", "deprecated 6to4 relay anycast (RFC 7526), still routed")];

/// Special-purpose AS numbers: inclusive ranges.
pub const SPECIAL_ASNS: &[(u32, u32, &str)] = &[
    (0, 0, "AS0 (RFC 7607)"),
    (23456, 23456, "AS_TRANS (RFC 6793)"),
    (64496, 64511, "documentation (RFC 5398)"),
    (64512, 65534, "private use (RFC 6996)"),
    (65535, 65535, "last 16-bit AS (RFC 7300)"),
    (65536, 65551, "documentation (RFC 5398)"),
    (65552, 131071, "IANA reserved"),
    (4_200_000_000, 4_294_967_294, "private use (RFC 6996)"),
    (4_294_967_295, 4_294_967_295, "last 32-bit AS (RFC 7300)"),
];

/// Not a bogon: a block carved out of bogon space (e.g. a delegated block
/// inside a less specific reserved one). Reason index `u32::MAX`.
const CLEAN: u32 = u32::MAX;

/// Bogon space and numbers.
#[derive(Default)]
pub struct BogonRef {
    prefixes: JointPrefixMap<IpNet, (BogonClass, u32)>,
    asns: Vec<(u32, u32, BogonClass, u32)>,
    reasons: Vec<String>,
}

impl std::fmt::Debug for BogonRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BogonRef").field("asn_ranges", &self.asns.len()).finish_non_exhaustive()
    }
}

impl BogonRef {
    /// An empty reference.
    pub fn new() -> Self {
        Self::default()
    }

    /// The special-purpose blocks and numbers (all full bogons).
    pub fn special_purpose() -> Self {
        let mut r = BogonRef::new();
        for (list, class) in
            [(SPECIAL_PREFIXES, BogonClass::Full), (STILL_ROUTED, BogonClass::Administrative)]
        {
            for (p, why) in list {
                if let Ok(p) = p.parse() {
                    r.add_prefix(p, class, why);
                }
            }
        }
        for (lo, hi, why) in SPECIAL_ASNS {
            r.add_asns(*lo, *hi, BogonClass::Full, why);
        }
        r
    }

    fn reason(&mut self, why: &str) -> u32 {
        match self.reasons.iter().position(|r| r == why) {
            Some(i) => i as u32,
            None => {
                self.reasons.push(why.to_string());
                (self.reasons.len() - 1) as u32
            }
        }
    }

    /// Adds a bogon block. A block given again keeps its first class.
    pub fn add_prefix(&mut self, prefix: Prefix, class: BogonClass, why: &str) {
        let reason = self.reason(why);
        self.prefixes.entry(prefix.net()).or_insert((class, reason));
    }

    /// Marks a block as routable although it lies in bogon space (e.g. a
    /// block the IANA registry lists as allocated inside a reserved one).
    pub fn add_clean(&mut self, prefix: Prefix) {
        self.prefixes.insert(prefix.net(), (BogonClass::Full, CLEAN));
    }

    /// Adds an inclusive range of bogon AS numbers. Ranges of one class
    /// are expected not to overlap (true of the RFC ranges and of a RIR's
    /// delegated records); they are kept sorted for lookup.
    pub fn add_asns(&mut self, lo: u32, hi: u32, class: BogonClass, why: &str) {
        let reason = self.reason(why);
        let at = self.asns.partition_point(|r| (r.0, r.1) < (lo, hi));
        self.asns.insert(at, (lo, hi, class, reason));
    }

    /// Adds the IPv6 global unicast space (2000::/3) that none of
    /// `assigned` (the IANA IPv6 unicast assignments) covers, as full
    /// bogons "IANA unallocated".
    pub fn add_ipv6_unassigned(&mut self, assigned: &[Prefix]) {
        let Ok(root) = "2000::/3".parse::<IpNet>() else { return };
        let nets: Vec<IpNet> = assigned.iter().map(|p| p.net()).collect();
        let mut stack = vec![root];
        while let Some(block) = stack.pop() {
            if nets.iter().any(|a| a.contains(&block)) {
                continue;
            }
            if !nets.iter().any(|a| block.contains(a)) {
                self.add_prefix(
                    Prefix::new_truncating(block),
                    BogonClass::Full,
                    "IPv6 global unicast space IANA has not allocated",
                );
                continue;
            }
            if let Ok(halves) = block.subnets(block.prefix_len() + 1) {
                stack.extend(halves);
            }
        }
    }

    /// The bogon class of a prefix, by the most specific block that
    /// contains it.
    pub fn prefix(&self, prefix: &Prefix) -> Option<BogonMatch> {
        let (net, (class, reason)) = self.prefixes.get_lpm(&prefix.net())?;
        if *reason == CLEAN {
            return None;
        }
        Some(BogonMatch {
            class: *class,
            block: Some(Prefix::new_truncating(net)),
            reason: self.reasons[*reason as usize].clone(),
        })
    }

    /// The bogon class of an AS number (full ranges first).
    pub fn asn(&self, asn: Asn) -> Option<BogonMatch> {
        // Within a class the ranges do not overlap, so the only candidate
        // of a class is its last range starting at or below `asn`.
        let ranges = &self.asns[..self.asns.partition_point(|r| r.0 <= asn.0)];
        let hit =
            |class: BogonClass| ranges.iter().rev().find(|r| r.2 == class).filter(|r| r.1 >= asn.0);
        let (_, _, class, reason) =
            hit(BogonClass::Full).or_else(|| hit(BogonClass::Administrative))?;
        Some(BogonMatch {
            class: *class,
            block: None,
            reason: self.reasons[*reason as usize].clone(),
        })
    }
}

/// A run of bogon AS numbers inside an AS path, and who passed it on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathBogon {
    /// The first (collector-side) bogon AS number of the run.
    pub bogon: Asn,
    /// Its class and reason.
    pub class: BogonClass,
    /// Why it is a bogon.
    pub reason: String,
    /// The AS just before the run on the way to the collector: it put the
    /// bogon into the Internet's routing (M4).
    pub propagated_by: Asn,
    /// The next different AS towards the collector (past prepends and
    /// other bogons), which accepted the path from its customer (M4C);
    /// `None` when there is none.
    pub upstream: Option<Asn>,
}

/// The bogon AS numbers of a path (collector's peer first, origin last)
/// that lie between the peer and the origin (manrs-spec M4: "AS paths
/// containing reserved/unallocated ASNs"). Bogon origins are left to the
/// per-route check; a run that reaches the origin is one of those. The
/// second value says whether the collector's peer itself is a bogon (no
/// network propagated that; not an incident).
pub fn path_bogons(path: &[Asn], bogons: &BogonRef) -> (Vec<PathBogon>, bool) {
    let mut out = Vec::new();
    let mut peer = false;
    let Some(origin_at) = path.len().checked_sub(1) else { return (out, peer) };
    let mut i = 0;
    while i < origin_at {
        let Some(m) = bogons.asn(path[i]) else {
            i += 1;
            continue;
        };
        let start = i;
        while i < origin_at && bogons.asn(path[i]).is_some() {
            i += 1;
        }
        if i == origin_at && bogons.asn(path[origin_at]).is_some() {
            break;
        }
        if start == 0 {
            peer = true;
            continue;
        }
        let propagated_by = path[start - 1];
        let upstream = path[..start - 1]
            .iter()
            .rev()
            .find(|a| **a != propagated_by && bogons.asn(**a).is_none())
            .copied();
        out.push(PathBogon {
            bogon: path[start],
            class: m.class,
            reason: m.reason,
            propagated_by,
            upstream,
        });
    }
    (out, peer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Prefix {
        s.parse().unwrap()
    }

    #[test]
    fn special_purpose_space_and_numbers() {
        let r = BogonRef::special_purpose();
        let m = r.prefix(&p("10.1.2.0/24")).unwrap();
        assert_eq!((m.class, m.block), (BogonClass::Full, Some(p("10.0.0.0/8"))));
        assert!(m.reason.contains("RFC 1918"));
        assert!(r.prefix(&p("8.8.8.0/24")).is_none());
        // A less specific covering a bogon is not itself inside one.
        assert!(r.prefix(&p("10.0.0.0/7")).is_none());
        assert!(r.prefix(&p("2001:db8:1::/48")).unwrap().reason.contains("RFC 3849"));
        assert!(r.prefix(&p("fe80::/64")).is_some());
        assert_eq!(r.prefix(&p("192.88.99.0/24")).unwrap().class, BogonClass::Administrative);
        assert!(r.prefix(&p("2a00::/12")).is_none());
        for (asn, bogon) in [
            (0, true),
            (23456, true),
            (64512, true),
            (65535, true),
            (131071, true),
            (131072, false),
            (3356, false),
            (4_200_000_000, true),
            (4_199_999_999, false),
        ] {
            assert_eq!(r.asn(Asn(asn)).is_some(), bogon, "AS{asn}");
        }
    }

    #[test]
    fn unassigned_ipv6_is_the_complement_of_the_assignments() {
        let mut r = BogonRef::new();
        r.add_ipv6_unassigned(&[p("2001:200::/23"), p("2400::/12"), p("2a00::/12")]);
        assert!(r.prefix(&p("2001:200::/32")).is_none());
        assert!(r.prefix(&p("2a01::/32")).is_none());
        assert!(r.prefix(&p("2001:0::/32")).is_some(), "2001::/23 not listed here");
        let m = r.prefix(&p("2c0f:f000::/32")).unwrap();
        assert!(m.reason.contains("not allocated"));
        assert!(r.prefix(&p("3000::/16")).is_some());
        // Outside 2000::/3 this builder adds nothing.
        assert!(r.prefix(&p("fe80::/64")).is_none());
    }

    #[test]
    fn most_specific_block_decides_and_classes_are_kept() {
        let mut r = BogonRef::new();
        r.add_prefix(p("41.0.0.0/8"), BogonClass::Administrative, "AFRINIC available");
        r.add_clean(p("41.1.0.0/16"));
        r.add_asns(37000, 37999, BogonClass::Administrative, "AFRINIC reserved");
        r.add_asns(37500, 37500, BogonClass::Full, "test");
        assert_eq!(r.prefix(&p("41.2.0.0/16")).unwrap().class, BogonClass::Administrative);
        assert!(r.prefix(&p("41.1.128.0/17")).is_none());
        assert_eq!(r.asn(Asn(37001)).unwrap().class, BogonClass::Administrative);
        assert_eq!(r.asn(Asn(37500)).unwrap().class, BogonClass::Full);
    }

    #[test]
    fn bogon_numbers_inside_paths() {
        let r = BogonRef::special_purpose();
        let path = |v: &[u32]| v.iter().map(|a| Asn(*a)).collect::<Vec<_>>();
        let who = |v: &[u32]| -> Vec<(u32, u32, Option<u32>)> {
            path_bogons(&path(v), &r)
                .0
                .iter()
                .map(|b| (b.bogon.0, b.propagated_by.0, b.upstream.map(|u| u.0)))
                .collect()
        };
        // The real demo path: AS60051 passed on AS65518's routes to AS3303.
        assert_eq!(who(&[3303, 60051, 65518, 208293, 203214, 51684]), [(65518, 60051, Some(3303))]);
        // Prepends: the upstream is the next different AS.
        assert_eq!(who(&[174, 174, 2914, 2914, 64512, 64513, 15169]), [(64512, 2914, Some(174))]);
        // Two runs, each with its own propagator.
        assert_eq!(
            who(&[3356, 1299, 65000, 6939, 23456, 13335]),
            [(65000, 1299, Some(3356)), (23456, 6939, Some(1299))]
        );
        // The propagator is the collector's peer: no upstream.
        assert_eq!(who(&[3356, 65000, 13335]), [(65000, 3356, None)]);
        // A run reaching the origin is a bogon origin, left to the routes.
        assert!(who(&[3356, 1299, 65000, 65001]).is_empty());
        assert!(who(&[3356, 1299, 4_200_000_000]).is_empty());
        // The collector's peer itself: flagged, no finding.
        let (found, peer) = path_bogons(&path(&[65000, 3356, 13335]), &r);
        assert!(found.is_empty() && peer);
        assert!(!path_bogons(&path(&[3356, 13335]), &r).1);
        assert!(path_bogons(&[], &r).0.is_empty());
        // Classes are reported, not filtered, here.
        let mut admin = BogonRef::new();
        admin.add_asns(37000, 37999, BogonClass::Administrative, "AFRINIC reserved");
        let (found, _) = path_bogons(&path(&[3356, 37001, 13335]), &admin);
        assert_eq!(found[0].class, BogonClass::Administrative);
    }
}
