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
//! gives one (inferred from IPv4 paths, it judges paths of both address
//! families), else from [`crate::relationships::infer_families`]: a path
//! is judged by the relationships of its routes' address family. Each leak
//! records which source, and a lower confidence for inferred ones.

use std::collections::HashMap;

use serde::Serialize;

use manrs_types::{Asn, Prefix};

use crate::hijacks::Relationship;
use crate::relationships::Family;
use crate::snapshot::PeerId;

/// The relationships to judge the paths of an address family by (both
/// orders of each link present).
pub type Relationships<'r> = dyn Fn(Family) -> &'r HashMap<(Asn, Asn), Relationship> + 'r;

/// A distinct AS path of the period (prepending removed, AS_PATH order:
/// the collector's peer first, the origin last) of one address family, and
/// when it was seen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SeenPath {
    /// The path.
    pub path: Vec<Asn>,
    /// A prefix announced with it (the first seen); its address family is
    /// the path's.
    pub prefix: Prefix,
    /// The peer that first saw it.
    pub peer: PeerId,
    /// First seen (Unix seconds).
    pub first: i64,
    /// Last seen.
    pub last: i64,
    /// How many announcements and RIB entries carried it.
    pub count: u64,
    /// The RFC 9234 Only-to-Customer attribute of the first announcement
    /// that carried it, if any.
    pub otc: Option<Asn>,
}

/// A valley-free violation.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Leak<'a> {
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
    /// The path (one of the period's distinct paths, not a copy: a
    /// full-table RIB gives millions of candidate leaks).
    pub path: &'a SeenPath,
    /// Set when the leak was shown by the path's RFC 9234 Only-to-Customer
    /// attribute: its value.
    pub otc: Option<Asn>,
}

/// Finds the leaks on `paths`, each judged by the relationships of its
/// address family.
pub fn detect_leaks<'a>(paths: &'a [SeenPath], relationships: &Relationships<'_>) -> Vec<Leak<'a>> {
    let mut out = Vec::new();
    for p in paths {
        let relationships = relationships(Family::of(&p.prefix));
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
                out.push(Leak {
                    leaker: x,
                    from,
                    from_rel: rf,
                    to,
                    to_rel: rt,
                    path: p,
                    otc: None,
                });
            }
        }
    }
    out
}

/// Leaks shown by the RFC 9234 Only-to-Customer (OTC) attribute (RFC 9234
/// §5): a route carrying OTC = X was sent by X to a customer or a peer (X
/// set it on egress, or the receiver on ingress from its provider or peer
/// X), and from then on may only go down to customers. Reading the path
/// from X towards the collector, the hop leaving X must not go up to X's
/// provider, and every later hop must go down: the first hop that breaks
/// this is a leak by its sender (M1) accepted by its receiver (M1C). The
/// hop to the collector itself is not judged, nor are hops of unknown
/// relationship.
/// When X is not on the path (a route server, which does not prepend, set
/// or caused it), where the attribute was attached is unknown and the path
/// is not judged.
pub fn detect_otc_leaks<'a>(
    paths: &'a [SeenPath],
    relationships: &Relationships<'_>,
) -> Vec<Leak<'a>> {
    let mut out = Vec::new();
    for p in paths {
        let relationships = relationships(Family::of(&p.prefix));
        let Some(otc) = p.otc else { continue };
        let Some(x) = p.path.iter().position(|a| *a == otc) else { continue };
        // Hops from X on: sender path[j], receiver path[j - 1].
        for j in (1..=x).rev() {
            let (sender, receiver) = (p.path[j], p.path[j - 1]);
            let Some(&rt) = relationships.get(&(sender, receiver)) else { continue };
            let leak = if j == x {
                rt == Relationship::CustomerOf
            } else {
                matches!(rt, Relationship::CustomerOf | Relationship::Peer)
            };
            if leak {
                let from = p.path.get(j + 1).copied().unwrap_or(sender);
                let from_rel =
                    relationships.get(&(sender, from)).copied().unwrap_or(Relationship::Peer);
                out.push(Leak {
                    leaker: sender,
                    from,
                    from_rel,
                    to: receiver,
                    to_rel: rt,
                    path: p,
                    otc: Some(otc),
                });
                break;
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
            otc: None,
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
        assert!(detect_leaks(&[seen(&[2, 1, 10, 100])], &|_| &r).is_empty());
        // Origin 1's route: 1 -> 10 (down) -> 2 (up): 10 leaked a provider's
        // route to another provider.
        let paths = [seen(&[2, 10, 1])];
        let leaks = detect_leaks(&paths, &|_| &r);
        assert_eq!(leaks.len(), 1);
        assert!(std::ptr::eq(leaks[0].path, &paths[0]), "the leak points at the path");
        let l = &leaks[0];
        assert_eq!((l.leaker, l.from, l.to), (Asn(10), Asn(1), Asn(2)));
        assert_eq!((l.from_rel, l.to_rel), (Relationship::CustomerOf, Relationship::CustomerOf));
        // Unknown links are not judged.
        assert!(detect_leaks(&[seen(&[2, 10, 99])], &|_| &r).is_empty());
    }

    #[test]
    fn a_path_is_judged_by_the_relationships_of_its_family() {
        // In IPv6, 10 is 1's provider (as in rels() reversed): 1 -> 10 -> 2
        // is then a customer's route going up, no leak.
        let v4 = rels();
        let mut v6 = rels();
        v6.insert((Asn(10), Asn(1)), Relationship::ProviderOf);
        v6.insert((Asn(1), Asn(10)), Relationship::CustomerOf);
        let by_family = |f: Family| if f == Family::Ipv4 { &v4 } else { &v6 };
        let ipv6 = SeenPath { prefix: "2001:db8::/32".parse().unwrap(), ..seen(&[2, 10, 1]) };
        assert_eq!(detect_leaks(&[seen(&[2, 10, 1])], &by_family).len(), 1);
        assert!(detect_leaks(std::slice::from_ref(&ipv6), &by_family).is_empty());
        assert_eq!(detect_leaks(&[ipv6], &|_| &v4).len(), 1);
    }

    #[test]
    fn only_to_customer_routes_going_up_are_leaks() {
        let r = rels();
        let with_otc = |path: &[u32], otc: u32| SeenPath { otc: Some(Asn(otc)), ..seen(path) };
        // 1 sent the route down to its customer 10 (OTC = 1); 10 passed it
        // up to its other provider 2: a leak by 10, accepted by 2. The
        // valley-free check sees the same valley.
        let paths = [with_otc(&[2, 10, 1, 100], 1)];
        let found = detect_otc_leaks(&paths, &|_| &r);
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].leaker, found[0].to, found[0].otc), (Asn(10), Asn(2), Some(Asn(1))));
        // Only down after X: no leak.
        assert!(detect_otc_leaks(&[with_otc(&[100, 10, 1], 1)], &|_| &r).is_empty());
        // 100 marked the route for customers and peers only, then sent it
        // up to its provider 10: a leak by 100 that the valley-free check
        // cannot see (it does not know where 100 learnt it).
        let paths = [with_otc(&[1, 10, 100, 64500], 100)];
        let found = detect_otc_leaks(&paths, &|_| &r);
        assert_eq!((found[0].leaker, found[0].to), (Asn(100), Asn(10)));
        assert!(detect_leaks(&[with_otc(&[1, 10, 100, 64500], 100)], &|_| &r).is_empty());
        // Across to a peer right after X is allowed (X set it for that
        // peer); a later sideways hop is not: 1 -> peer 2 fine, but then
        // 10 (customer of 1) got it from 1 and 10 -> ... is down; here 2
        // sends to its customer 10, fine.
        assert!(detect_otc_leaks(&[with_otc(&[10, 2, 1, 64500], 1)], &|_| &r).is_empty());
        // X not on the path (a route server set it): not judged.
        assert!(detect_otc_leaks(&[with_otc(&[2, 10, 1, 100], 6777)], &|_| &r).is_empty());
        // No OTC: nothing.
        assert!(detect_otc_leaks(&[seen(&[2, 10, 1, 100])], &|_| &r).is_empty());
    }
}
