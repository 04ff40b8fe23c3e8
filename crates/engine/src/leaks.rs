//! Route-leak detection for MANRS Action 1 metrics M1 and M1C (manrs-spec
//! §2.4, §7.3): valley-free violations (RFC 7908 type 1, "hairpin turn")
//! on observed AS paths.
//!
//! An AS may pass routes learnt from a provider or a peer only to its
//! customers (Gao-Rexford export rules). Reading a path from the origin
//! up, an AS `x` that received a route from `from` and passed it to `to`
//! leaked it when `from` is its provider or peer and `to` is its provider
//! or peer. The leaker gets an M1 event; `to`, the AS that accepted the
//! leak and propagated it, gets M1C (as the prototype's `leaked_to`). Links
//! whose relationship is unknown are not judged.
//!
//! Relationships come from CAIDA's AS-relationship file when the manifest
//! gives one, else from [`crate::relationships::infer`]; each leak records
//! which, and a lower confidence for inferred ones.

use std::collections::HashMap;

use serde::Serialize;

use manrs_types::{Asn, Prefix};

use crate::hijacks::Relationship;
use crate::snapshot::PeerId;

/// A distinct AS path of the period (prepending removed, AS_PATH order:
/// the collector's peer first, the origin last) and when it was seen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SeenPath {
    /// The path.
    pub path: Vec<Asn>,
    /// A prefix announced with it (the first seen).
    pub prefix: Prefix,
    /// The peer that first saw it.
    pub peer: PeerId,
    /// First seen (Unix seconds).
    pub first: i64,
    /// Last seen.
    pub last: i64,
    /// How many announcements and RIB entries carried it.
    pub count: u64,
}

/// A valley-free violation.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Leak {
    /// The AS that leaked (M1).
    pub leaker: Asn,
    /// Where it learnt the route: its provider or peer.
    pub from: Asn,
    /// The leaker's relation to `from` (`CustomerOf` or `Peer`).
    pub from_rel: Relationship,
    /// Where it passed the route: its provider or peer (M1C).
    pub to: Asn,
    /// The leaker's relation to `to`.
    pub to_rel: Relationship,
    /// The path.
    pub path: SeenPath,
}

/// Finds the leaks on `paths` under `relationships` (both orders of each
/// link present).
pub fn detect_leaks(
    paths: &[SeenPath],
    relationships: &HashMap<(Asn, Asn), Relationship>,
) -> Vec<Leak> {
    let mut out = Vec::new();
    for p in paths {
        // Origin first.
        let up: Vec<Asn> = p.path.iter().rev().copied().collect();
        for i in 1..up.len().saturating_sub(1) {
            let (from, x, to) = (up[i - 1], up[i], up[i + 1]);
            let (Some(&rf), Some(&rt)) =
                (relationships.get(&(x, from)), relationships.get(&(x, to)))
            else {
                continue;
            };
            let learnt_upstream = matches!(rf, Relationship::CustomerOf | Relationship::Peer);
            let sent_upstream = matches!(rt, Relationship::CustomerOf | Relationship::Peer);
            if learnt_upstream && sent_upstream {
                out.push(Leak { leaker: x, from, from_rel: rf, to, to_rel: rt, path: p.clone() });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(path: &[u32]) -> SeenPath {
        SeenPath {
            path: path.iter().map(|a| Asn(*a)).collect(),
            prefix: "192.0.2.0/24".parse().unwrap(),
            peer: 0,
            first: 10,
            last: 20,
            count: 1,
        }
    }

    fn rels() -> HashMap<(Asn, Asn), Relationship> {
        use Relationship::*;
        let mut m = HashMap::new();
        let mut add = |a: u32, b: u32, r: Relationship| {
            m.insert((Asn(a), Asn(b)), r);
            m.insert((Asn(b), Asn(a)), crate::relationships::flip(r));
        };
        // 1 and 2 are tier-1 peers; 10 is a customer of 1 and of 2
        // (multihomed); 100 is a customer of 10.
        add(1, 2, Peer);
        add(10, 1, CustomerOf);
        add(10, 2, CustomerOf);
        add(100, 10, CustomerOf);
        m
    }

    #[test]
    fn valleys_are_leaks_and_valley_free_paths_are_not() {
        let r = rels();
        // 100 -> 10 -> 1 -> 2: up, up, across: fine.
        assert!(detect_leaks(&[seen(&[2, 1, 10, 100])], &r).is_empty());
        // Origin 1's route: 1 -> 10 (down) -> 2 (up): 10 leaked a provider's
        // route to another provider.
        let leaks = detect_leaks(&[seen(&[2, 10, 1])], &r);
        assert_eq!(leaks.len(), 1);
        let l = &leaks[0];
        assert_eq!((l.leaker, l.from, l.to), (Asn(10), Asn(1), Asn(2)));
        assert_eq!((l.from_rel, l.to_rel), (Relationship::CustomerOf, Relationship::CustomerOf));
        // Unknown links are not judged.
        assert!(detect_leaks(&[seen(&[2, 10, 99])], &r).is_empty());
    }
}
