//! AS relationships inferred from observed AS paths, for route-leak
//! detection when no CAIDA AS-relationship file is given (manrs-spec §2.4
//! M1, §7.3).
//!
//! The inference follows CAIDA's AS Rank algorithm: Luckie, Huffaker,
//! Dhamdhere, Giotsas, claffy, "AS Relationships, Customer Cones, and
//! Validation", IMC 2013, §4. It assumes that a network buys transit to be
//! reachable, that a clique of networks peering with each other sits at the
//! top of the hierarchy, and that customer-provider links form no cycle.
//! Steps as implemented here (paths are read collector side first, origin
//! last, as in AS_PATH; a triplet `Y X Z` is three consecutive ASes, Y
//! nearer the collector; the VP is the collector's peer, first on a path):
//!
//! 1. Sanitise: prepending collapsed; paths with a loop or a special-purpose
//!    AS number (`bogons::SPECIAL_ASNS`: private use, reserved,
//!    documentation, AS_TRANS) are dropped.
//! 2. Rank ASes by *transit degree* (the distinct neighbours an AS is seen
//!    between in the middle of a path), then node degree, then number. The
//!    transit degree discounts the VPs, which show all their neighbours.
//! 3. Clique: the largest clique among the ten first-ranked ASes over the
//!    links seen between them, extended in rank order by each of the next
//!    25 ASes linked to every member. Members peer with each other, so a
//!    valid path never crosses three of them: of cliques of equal size the
//!    one least often seen in the middle of a triplet of members wins, then
//!    the one ranked earliest, and an AS seen in the middle of a triplet of
//!    members does not extend it (this tie-break is ours; the paper does not
//!    need one with its many VPs). Clique members are peers of each other.
//! 4. Poisoned paths, with a non-member between two clique members, are
//!    dropped.
//! 5. Top-down: ASes are visited in rank order; in a triplet `Y X Z` where Y
//!    is a clique member (it has no provider) or already a provider or peer
//!    of X, X passed Z's routes up or across, so X is a provider of Z
//!    (unless Z is a clique member or the link is already inferred). Passes
//!    repeat until nothing new is found. The first link of a path, between
//!    the VP and its neighbour, carries no direction of its own: a VP with a
//!    full feed shares what it learnt from customers, peers and providers
//!    alike. A second round of passes then also takes a VP as a provider or
//!    peer of its neighbour X when the VP has at least X's transit degree
//!    and is not known to be X's customer (our addition, needed with the few
//!    VPs of one collector).
//! 6. VPs with a partial view (paths to fewer than a tenth of the origins
//!    of the fullest VP; the threshold is ours) export only their customers'
//!    routes: they are providers of their neighbours. This runs before step
//!    5 so that the top-down passes build on it.
//! 7. An AS linked to a clique member by a link still unknown is its
//!    customer, unless it is one of the 35 clique candidates: clique members
//!    peer selectively. The paper does this for stubs only; with the peers
//!    of one collector, taking all of them agrees with CAIDA on 395 more
//!    links of the demo (docs/action1.md).
//! 8. A triplet `Y X Z` whose X-Z link is still unknown makes X a provider
//!    of Z when Y has a larger transit degree than X, X a larger one than Z,
//!    and X is not known to be Y's provider (the paper also settles links
//!    left without a relationship next to each other; this condition, Gao's
//!    degree rule, is ours).
//! 9. Every remaining link is a peering.
//!
//! The paper's customer-cone refinements are not implemented, and
//! customer-provider cycles are not looked for.
//!
//! Measured on the demo's 146,666 distinct RouteViews paths against CAIDA's
//! 2024-08 serial-2 inference (`crates/pipeline/tests/relationships.rs`,
//! docs/action1.md): **92.6 %** of the 17,178 links both have agree (86.8 %
//! with the degree-based Gao inference this replaces), below the 95 % goal.
//! What each step contributes is measured there by leaving it out
//! ([`infer_with`]). Route-leak detection therefore uses a CAIDA file when
//! the manifest gives one.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use manrs_types::Asn;

use crate::bogons::SPECIAL_ASNS;
use crate::hijacks::Relationship;

/// Which steps run; `Options::default()` (all of them) is what [`infer`]
/// uses. The switches exist so that what each step contributes can be
/// measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    /// Step 4: drop paths with a non-clique AS between two clique members.
    pub discard_poisoned: bool,
    /// Step 5: repeat the top-down pass until nothing new is inferred
    /// (otherwise one pass).
    pub repeat_top_down: bool,
    /// Step 5, second round: a VP with at least its neighbour's transit
    /// degree counts as its provider or peer.
    pub vp_triplets: bool,
    /// Step 6: VPs with a partial view are providers of their neighbours.
    pub partial_vps: bool,
    /// Step 7: ASes linked to a clique member, other than the clique
    /// candidates, are its customers.
    pub customers_of_clique: bool,
    /// Step 8: unknown links of triplets by transit degree.
    pub adjacent_unknown: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            discard_poisoned: true,
            repeat_top_down: true,
            vp_triplets: true,
            partial_vps: true,
            customers_of_clique: true,
            adjacent_unknown: true,
        }
    }
}

/// A path with prepending removed (consecutive repeats collapsed).
pub fn collapse(path: &[Asn]) -> Vec<Asn> {
    let mut out: Vec<Asn> = Vec::with_capacity(path.len());
    collapse_into(path, &mut out);
    out
}

/// [`collapse`] into a buffer the caller reuses (cleared first).
pub fn collapse_into(path: &[Asn], out: &mut Vec<Asn>) {
    out.clear();
    for a in path {
        if out.last() != Some(a) {
            out.push(*a);
        }
    }
}

fn special(a: Asn) -> bool {
    SPECIAL_ASNS.iter().any(|(lo, hi, _)| (*lo..=*hi).contains(&a.0))
}

/// Step 1: the path with prepending collapsed, or `None` when it has a loop
/// or a special-purpose AS number, or fewer than two ASes.
///
/// A path without prepending is borrowed, not copied: inference over a
/// full-table RIB reads millions of distinct paths, already collapsed by
/// the pipeline.
pub fn sanitise(path: &[Asn]) -> Option<Cow<'_, [Asn]>> {
    let p: Cow<'_, [Asn]> = if path.windows(2).any(|w| w[0] == w[1]) {
        Cow::Owned(collapse(path))
    } else {
        Cow::Borrowed(path)
    };
    if p.len() < 2 || p.iter().any(|a| special(*a)) {
        return None;
    }
    let looped = if p.len() <= 16 {
        p.iter().enumerate().any(|(i, a)| p[i + 1..].contains(a))
    } else {
        let mut sorted = p.to_vec();
        sorted.sort_unstable();
        sorted.windows(2).any(|w| w[0] == w[1])
    };
    (!looped).then_some(p)
}

/// Infers relationships from paths (collector side first, origin last, as
/// in AS_PATH). Returns both orders of every link.
pub fn infer<'a>(
    paths: impl IntoIterator<Item = &'a [Asn]> + Clone,
) -> HashMap<(Asn, Asn), Relationship> {
    infer_with(paths, Options::default())
}

/// Transit degree, node degree and links of a set of paths.
struct Graph {
    transit: HashMap<Asn, HashSet<Asn>>,
    neighbours: HashMap<Asn, BTreeSet<Asn>>,
}

impl Graph {
    fn new(paths: &[Cow<'_, [Asn]>]) -> Self {
        let mut transit: HashMap<Asn, HashSet<Asn>> = HashMap::new();
        let mut neighbours: HashMap<Asn, BTreeSet<Asn>> = HashMap::new();
        for p in paths {
            for w in p.windows(2) {
                neighbours.entry(w[0]).or_default().insert(w[1]);
                neighbours.entry(w[1]).or_default().insert(w[0]);
            }
            for w in p.windows(3) {
                let n = transit.entry(w[1]).or_default();
                n.insert(w[0]);
                n.insert(w[2]);
            }
        }
        Graph { transit, neighbours }
    }
    fn transit_degree(&self, a: Asn) -> usize {
        self.transit.get(&a).map_or(0, HashSet::len)
    }
    fn degree(&self, a: Asn) -> usize {
        self.neighbours.get(&a).map_or(0, BTreeSet::len)
    }
    fn linked(&self, a: Asn, b: Asn) -> bool {
        self.neighbours.get(&a).is_some_and(|n| n.contains(&b))
    }
    /// Step 2: ASes by transit degree, then node degree, then number.
    fn ranking(&self) -> Vec<Asn> {
        let mut r: Vec<Asn> = self.neighbours.keys().copied().collect();
        r.sort_by_key(|a| {
            (std::cmp::Reverse(self.transit_degree(*a)), std::cmp::Reverse(self.degree(*a)), *a)
        });
        r
    }
}

/// Step 3: the largest clique among the first ten ASes of the ranking,
/// extended in rank order by each of the next 25 ASes linked to every
/// member. Of cliques of equal size, the one seen the least in the middle of
/// a triplet of members (members peer with each other, so a path cannot
/// cross three of them), then the one whose members rank earliest. An AS
/// seen in the middle of such a triplet does not extend it.
fn clique(
    graph: &Graph,
    ranking: &[Asn],
    inside: &HashMap<Asn, BTreeSet<(Asn, Asn)>>,
) -> BTreeSet<Asn> {
    let top: Vec<Asn> = ranking.iter().take(10).copied().collect();
    let crossings = |members: &BTreeSet<Asn>| -> usize {
        members
            .iter()
            .map(|x| {
                inside.get(x).map_or(0, |ts| {
                    ts.iter().filter(|(y, z)| members.contains(y) && members.contains(z)).count()
                })
            })
            .sum()
    };
    let mut best: Option<(usize, usize, Vec<usize>)> = None;
    for mask in 1u32..(1 << top.len()) {
        let members: Vec<usize> = (0..top.len()).filter(|i| mask & (1 << i) != 0).collect();
        let is_clique = members
            .iter()
            .all(|&i| members.iter().all(|&j| i == j || graph.linked(top[i], top[j])));
        if !is_clique {
            continue;
        }
        let set: BTreeSet<Asn> = members.iter().map(|i| top[*i]).collect();
        let key = (usize::MAX - members.len(), crossings(&set), members);
        if best.as_ref().is_none_or(|b| key < *b) {
            best = Some(key);
        }
    }
    let mut c: BTreeSet<Asn> =
        best.map(|b| b.2.iter().map(|i| top[*i]).collect()).unwrap_or_default();
    for a in ranking.iter().skip(10).take(25) {
        if c.iter().all(|m| graph.linked(*a, *m)) {
            c.insert(*a);
            if crossings(&c) > 0 {
                c.remove(a);
            }
        }
    }
    c
}

/// Step 4: a path with a non-clique AS between two clique members.
fn poisoned(path: &[Asn], clique: &BTreeSet<Asn>) -> bool {
    let at: Vec<usize> = (0..path.len()).filter(|i| clique.contains(&path[*i])).collect();
    at.windows(2).any(|w| w[1] - w[0] > 1)
}

/// Inferred links: provider-to-customer and peerings.
#[derive(Default)]
struct Rels {
    /// (provider, customer).
    p2c: HashSet<(Asn, Asn)>,
    /// Ordered pairs.
    p2p: HashSet<(Asn, Asn)>,
}

impl Rels {
    fn known(&self, a: Asn, b: Asn) -> bool {
        self.p2c.contains(&(a, b))
            || self.p2c.contains(&(b, a))
            || self.p2p.contains(&ordered(a, b))
    }
    /// `y` is a provider or a peer of `x`.
    fn above_or_level(&self, y: Asn, x: Asn) -> bool {
        self.p2c.contains(&(y, x)) || self.p2p.contains(&ordered(y, x))
    }
}

/// [`infer`] with a choice of steps.
pub fn infer_with<'a>(
    paths: impl IntoIterator<Item = &'a [Asn]>,
    opts: Options,
) -> HashMap<(Asn, Asn), Relationship> {
    // Step 1.
    let mut clean: Vec<Cow<'a, [Asn]>> = paths.into_iter().filter_map(sanitise).collect();
    clean.sort_unstable();
    clean.dedup();
    // Step 2.
    let graph = Graph::new(&clean);
    let ranking = graph.ranking();
    let td = |a: Asn| graph.transit_degree(a);
    // Step 3.
    // Triplets of candidates (the 35 first-ranked ASes).
    let candidates: HashSet<Asn> = ranking.iter().take(35).copied().collect();
    let mut inside: HashMap<Asn, BTreeSet<(Asn, Asn)>> = HashMap::new();
    for p in &clean {
        for w in p.windows(3) {
            if w.iter().all(|a| candidates.contains(a)) {
                inside.entry(w[1]).or_default().insert((w[0], w[2]));
            }
        }
    }
    let clique = clique(&graph, &ranking, &inside);
    // Step 4.
    if opts.discard_poisoned {
        clean.retain(|p| !poisoned(p, &clique));
    }
    let mut links: BTreeSet<(Asn, Asn)> = BTreeSet::new();
    let mut triplets: BTreeMap<Asn, BTreeSet<(Asn, Asn)>> = BTreeMap::new();
    let mut vp_triplets: BTreeMap<Asn, BTreeSet<(Asn, Asn)>> = BTreeMap::new();
    let mut vp_origins: BTreeMap<Asn, HashSet<Asn>> = BTreeMap::new();
    let mut first_links: BTreeSet<(Asn, Asn)> = BTreeSet::new();
    for p in &clean {
        for w in p.windows(2) {
            links.insert(ordered(w[0], w[1]));
        }
        for (i, w) in p.windows(3).enumerate() {
            if i == 0 {
                vp_triplets.entry(w[1]).or_default().insert((w[0], w[2]));
            } else {
                triplets.entry(w[1]).or_default().insert((w[0], w[2]));
            }
        }
        vp_origins.entry(p[0]).or_default().insert(p[p.len() - 1]);
        first_links.insert((p[0], p[1]));
    }
    let mut rels = Rels::default();
    for a in &clique {
        for b in &clique {
            if a < b && links.contains(&(*a, *b)) {
                rels.p2p.insert((*a, *b));
            }
        }
    }
    // Step 6 (before the top-down pass so that it can build on it).
    if opts.partial_vps {
        let full = vp_origins.values().map(HashSet::len).max().unwrap_or(0);
        for (vp, x) in &first_links {
            let seen = vp_origins.get(vp).map_or(0, HashSet::len);
            if seen * 10 < full && !rels.known(*vp, *x) && !clique.contains(x) {
                rels.p2c.insert((*vp, *x));
            }
        }
    }
    // Step 5.
    for trust_vps in [false, true] {
        if trust_vps && !opts.vp_triplets {
            break;
        }
        loop {
            let mut changed = false;
            for x in &ranking {
                let ts = triplets.get(x).into_iter().flatten().map(|t| (t, false));
                let vs = vp_triplets.get(x).into_iter().flatten().map(|t| (t, true));
                for ((y, z), at_vp) in ts.chain(vs) {
                    if clique.contains(z) || rels.known(*x, *z) {
                        continue;
                    }
                    let above = clique.contains(y)
                        || rels.above_or_level(*y, *x)
                        || trust_vps && at_vp && td(*y) >= td(*x) && !rels.p2c.contains(&(*x, *y));
                    if !above {
                        continue;
                    }
                    rels.p2c.insert((*x, *z));
                    changed = true;
                }
            }
            if !opts.repeat_top_down || !changed {
                break;
            }
        }
    }
    // Step 7.
    if opts.customers_of_clique {
        for (a, b) in &links {
            for (c, s) in [(*a, *b), (*b, *a)] {
                if clique.contains(&c) && !candidates.contains(&s) && !rels.known(c, s) {
                    rels.p2c.insert((c, s));
                }
            }
        }
    }
    // Step 8.
    if opts.adjacent_unknown {
        for (x, ts) in &triplets {
            for (y, z) in ts {
                if td(*y) > td(*x)
                    && td(*x) > td(*z)
                    && !rels.p2c.contains(&(*x, *y))
                    && !rels.known(*x, *z)
                {
                    rels.p2c.insert((*x, *z));
                }
            }
        }
    }
    // Step 9.
    let mut out = HashMap::new();
    for (a, b) in links {
        let rel = if rels.p2c.contains(&(a, b)) {
            Relationship::ProviderOf
        } else if rels.p2c.contains(&(b, a)) {
            Relationship::CustomerOf
        } else {
            Relationship::Peer
        };
        out.insert((a, b), rel);
        out.insert((b, a), flip(rel));
    }
    out
}

fn ordered(a: Asn, b: Asn) -> (Asn, Asn) {
    if a <= b { (a, b) } else { (b, a) }
}

/// The relationship seen from the other side.
pub fn flip(r: Relationship) -> Relationship {
    match r {
        Relationship::CustomerOf => Relationship::ProviderOf,
        Relationship::ProviderOf => Relationship::CustomerOf,
        Relationship::Peer => Relationship::Peer,
    }
}

/// Agreement of `inferred` with `reference` on the links both have: (links
/// compared, links that agree).
pub fn agreement(
    inferred: &HashMap<(Asn, Asn), Relationship>,
    reference: &HashMap<(Asn, Asn), Relationship>,
) -> (u64, u64) {
    let (mut shared, mut agree) = (0, 0);
    for ((a, b), r) in inferred {
        if a > b {
            continue;
        }
        if let Some(x) = reference.get(&(*a, *b)) {
            shared += 1;
            agree += u64::from(x == r);
        }
    }
    (shared, agree)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(v: &[u32]) -> Vec<Asn> {
        v.iter().map(|x| Asn(*x)).collect()
    }

    #[test]
    fn sanitised_and_poisoned_paths() {
        assert_eq!(sanitise(&a(&[1, 1, 2, 3, 3])).as_deref(), Some(&a(&[1, 2, 3])[..]));
        assert!(matches!(sanitise(&a(&[1, 2, 3])), Some(Cow::Borrowed(_))));
        assert_eq!(sanitise(&a(&[1, 2, 3, 2])), None);
        assert_eq!(sanitise(&a(&[1, 2, 2, 3, 2])), None);
        // A long path with a loop far apart (the sorted check).
        let mut long: Vec<u32> = (100..130).collect();
        assert!(sanitise(&a(&long)).is_some());
        long.push(101);
        assert_eq!(sanitise(&a(&long)), None);
        assert_eq!(sanitise(&a(&[1, 64512, 3])), None);
        assert_eq!(sanitise(&a(&[1, 23456])), None);
        assert_eq!(sanitise(&a(&[7, 7])), None);
        let clique: BTreeSet<Asn> = a(&[1, 2]).into_iter().collect();
        assert!(poisoned(&a(&[1, 5, 2, 7]), &clique));
        assert!(!poisoned(&a(&[9, 1, 2, 7]), &clique));
        assert!(!poisoned(&a(&[9, 1, 7]), &clique));
    }

    #[test]
    fn a_small_hierarchy() {
        // Tier-1s 1 and 2 peer; 10, 11 are customers of 1; 20 of 2;
        // 100 is a customer of 10, 200 of 20. Paths as collectors see them.
        let paths = [
            a(&[1, 10, 100]),
            a(&[1, 11]),
            a(&[2, 1, 10, 100, 100]),
            a(&[2, 20, 200]),
            a(&[1, 2, 20, 200]),
            a(&[10, 1, 2, 20]),
            a(&[11, 1, 10]),
            a(&[20, 2, 1, 11]),
            a(&[1, 2]),
            a(&[2, 1]),
            a(&[1, 2, 21]),
            a(&[2, 22]),
        ];
        let rel = infer(paths.iter().map(Vec::as_slice));
        let r = |x: u32, y: u32| rel.get(&(Asn(x), Asn(y))).copied();
        assert_eq!(r(100, 10), Some(Relationship::CustomerOf));
        assert_eq!(r(10, 100), Some(Relationship::ProviderOf));
        assert_eq!(r(10, 1), Some(Relationship::CustomerOf));
        assert_eq!(r(200, 20), Some(Relationship::CustomerOf));
        assert_eq!(r(1, 2), Some(Relationship::Peer));
        assert_eq!(collapse(&a(&[1, 1, 2, 2, 2, 3])), a(&[1, 2, 3]));
        let mut reference = HashMap::new();
        reference.insert((Asn(10), Asn(100)), Relationship::ProviderOf);
        reference.insert((Asn(1), Asn(2)), Relationship::CustomerOf);
        assert_eq!(agreement(&rel, &reference), (2, 1));
    }
}
