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
//!    peer of its neighbour X when it is not known to be X's customer and
//!    either has at least X's transit degree, or passes on through X no
//!    route of a clique member: a customer of X gets X's whole table, the
//!    routes X learnt from its providers and peers included, a peer only
//!    those of X's customers. In the latter case an AS after X with a larger
//!    transit degree than X is not taken as X's customer. (Both are our
//!    additions, needed with the few VPs of one collector.) Last, a VP that
//!    gets through X routes of X's providers or peers (a first triplet
//!    `VP X Z` with Z known by then as X's provider or peer, or both in
//!    the clique) is X's customer: X passes those on to customers only.
//!    This is ours too; without it, the full feed of a VP whose link to X
//!    was left a peering puts a valley on every path it gives through X,
//!    and leak candidates are mostly such (docs/action1.md).
//! 6. VPs with a partial view (paths to fewer than a tenth of the origins
//!    of the fullest VP; the threshold is ours) export only their customers'
//!    routes: they are providers of their neighbours. This runs before step
//!    5 so that the top-down passes build on it. Not by default: since the
//!    second round of step 5 takes as peers the VPs that pass on no route
//!    of the clique, this step lowers the agreement with CAIDA, on the
//!    paths of 2026 and of 2008 alike (docs/action1.md).
//! 7. An AS linked to a clique member by a link still unknown is its
//!    customer, unless it is one of the 35 clique candidates or has at
//!    least a tenth of the member's transit degree: clique members peer
//!    selectively, with networks of some size. The paper does this for
//!    stubs only; with the peers of one collector, taking all of them
//!    agrees with CAIDA on more links of the demo (docs/action1.md).
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
//! # Address families
//!
//! Two networks may relate differently in IPv4 and IPv6: some give IPv6
//! transit to their IPv4 peers (Giotsas, Luckie, Huffaker, claffy, "IPv6
//! AS Relationships, Cliques, and Congruence", PAM 2015; AS6939 most of
//! all). Steps 1 to 3 (the ranking, the transit degrees and the clique) use
//! the paths of both families; steps 4 to 9 run once per family over the
//! links and triplets of its own paths ([`Family`], [`Inferred`]), so a
//! link seen in both families has a relationship in each. Taken as one,
//! the IPv6 paths through AS6939 made its IPv4 peers its customers.
//!
//! # Two passes over the paths
//!
//! No path is kept: the paths are read twice (a pipeline re-reads its MRT
//! files), and only sets of links, triplets and AS pairs are kept. As every
//! aggregate is a set, neither the order of the paths nor repeats of a path
//! change the result.
//!
//! 1. A [`GraphBuilder`] sees every path ([`GraphBuilder::see`], step 1
//!    included) and keeps its links and its distinct triplets.
//!    [`GraphBuilder::finish`] computes the degrees, ranks the ASes (step 2)
//!    and finds the clique (step 3) among the triplets of the 35 candidates.
//!    The candidates are known only once every path was seen, so every
//!    distinct triplet is kept (12 bytes each, 88,679 on the demo). The
//!    second pass keeps as many (97,705 on the demo, first triplets
//!    apart), which steps 5 and 8 need, so a third pass to collect the
//!    candidates' triplets alone would not lower the peak memory.
//! 2. The [`LinkBuilder`] it gives sees every path again, with the address
//!    family of its routes, drops the poisoned ones (step 4) and keeps the
//!    links, triplets, first triplets, origins per VP and first links of
//!    the others, per family. [`LinkBuilder::finish`] runs steps 5 to 9
//!    over those of each family, visiting them in sorted order: the
//!    top-down passes depend on the order.
//!
//! Builders of either phase fed with parts of the paths (one per file or
//! thread) can be merged. [`infer_families`] runs both passes over paths
//! held in memory, [`infer`] over paths of one family: on the demo's
//! paths, 3.2 MB of heap at the peak besides the paths, result included
//! (13.0 MB when all sanitised paths were collected first; measured
//! before the families were told apart).
//!
//! Measured on the demo's 148,258 distinct RouteViews paths (a path seen
//! with routes of both families counts twice) against CAIDA's 2024-08
//! serial-2 inference, its IPv4 inference
//! (`crates/pipeline/tests/relationships.rs`, docs/action1.md): of the
//! 12,449 links of our IPv4 relationships that CAIDA's file has, **95.1 %**
//! agree (11,838), the goal being 95 % (94.1 % of 17,178 links when the
//! paths of both families were taken as one; 86.8 % with the degree-based
//! Gao inference this replaces). On RouteViews paths of 2008 (IPv4) against CAIDA's
//! 2008-02 inference, data the latest steps were not tuned on, 95.3 % of
//! 11,150 links agree (10,624). What each step contributes is measured there by
//! leaving it out ([`infer_families_with`]). Leaks found with inferred
//! relationships are candidates, incidents only on request; route-leak
//! detection uses a CAIDA file when the manifest gives one.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use manrs_types::{Asn, Prefix};

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
    /// Step 6: VPs with a partial view are providers of their neighbours
    /// (off by default).
    pub partial_vps: bool,
    /// Step 5, second round: a VP that passes on through its neighbour no
    /// route of a clique member is the neighbour's peer.
    pub vp_peers: bool,
    /// Step 5, last: a VP that gets through its neighbour X the routes of
    /// X's providers or peers is X's customer.
    pub vp_customers: bool,
    /// Step 7: ASes linked to a clique member, other than the clique
    /// candidates, are its customers.
    pub customers_of_clique: bool,
    /// Step 7: except those with at least a tenth of the member's transit
    /// degree.
    pub clique_peers_by_degree: bool,
    /// Step 8: unknown links of triplets by transit degree.
    pub adjacent_unknown: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            discard_poisoned: true,
            repeat_top_down: true,
            vp_triplets: true,
            vp_peers: true,
            partial_vps: false,
            vp_customers: true,
            customers_of_clique: true,
            clique_peers_by_degree: true,
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

/// The address family of the routes a path was seen with: relationships
/// are inferred for each apart (see the module documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Family {
    /// IPv4 routes.
    Ipv4,
    /// IPv6 routes.
    Ipv6,
}

impl Family {
    /// The family of a prefix.
    pub fn of(prefix: &Prefix) -> Family {
        if prefix.is_ipv4() { Family::Ipv4 } else { Family::Ipv6 }
    }

    fn index(self) -> usize {
        match self {
            Family::Ipv4 => 0,
            Family::Ipv6 => 1,
        }
    }
}

/// Relationships inferred for each address family: both orders of every
/// link seen on paths of that family.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Inferred {
    /// From the links and triplets of IPv4 paths.
    pub ipv4: HashMap<(Asn, Asn), Relationship>,
    /// From the links and triplets of IPv6 paths.
    pub ipv6: HashMap<(Asn, Asn), Relationship>,
}

impl Inferred {
    /// The relationships of one family.
    pub fn of(&self, family: Family) -> &HashMap<(Asn, Asn), Relationship> {
        match family {
            Family::Ipv4 => &self.ipv4,
            Family::Ipv6 => &self.ipv6,
        }
    }
}

/// Infers relationships from the paths of one address family (collector
/// side first, origin last, as in AS_PATH). Returns both orders of every
/// link.
///
/// The paths are read twice (see the module documentation); a path may
/// occur more than once.
pub fn infer<'a>(
    paths: impl IntoIterator<Item = &'a [Asn], IntoIter: Clone>,
) -> HashMap<(Asn, Asn), Relationship> {
    infer_with(paths, Options::default())
}

/// [`infer`] with a choice of steps: [`infer_families_with`], every path
/// taken as one of the same family.
pub fn infer_with<'a>(
    paths: impl IntoIterator<Item = &'a [Asn], IntoIter: Clone>,
    opts: Options,
) -> HashMap<(Asn, Asn), Relationship> {
    infer_families_with(paths.into_iter().map(|p| (p, Family::Ipv4)), opts).ipv4
}

/// Infers relationships from paths of both address families, each path
/// with the family of its routes: one ranking and clique from all paths,
/// the relationships of each family from its own paths.
pub fn infer_families<'a>(
    paths: impl IntoIterator<Item = (&'a [Asn], Family)> + Clone,
) -> Inferred {
    infer_families_with(paths, Options::default())
}

/// [`infer_families`] with a choice of steps: a [`GraphBuilder`] fed with
/// the paths, then the [`LinkBuilder`] it gives fed with them again.
pub fn infer_families_with<'a>(
    paths: impl IntoIterator<Item = (&'a [Asn], Family)> + Clone,
    opts: Options,
) -> Inferred {
    let mut graph = GraphBuilder::new();
    for (p, _) in paths.clone() {
        graph.see(p);
    }
    let mut links = graph.finish(opts);
    for (p, family) in paths {
        links.see(p, family);
    }
    links.finish()
}

/// Phase 1, the first pass over the paths: the links and the distinct
/// triplets of the sanitised paths. [`finish`](Self::finish) ranks the
/// ASes by transit and node degree (step 2) and finds the clique among the
/// triplets of the 35 clique candidates (step 3).
///
/// Every triplet is kept because the candidates are known only once all
/// paths were seen; [`LinkBuilder`] keeps about as many, so this does not
/// raise the peak memory of the inference. Paths may be seen in any order
/// and any number of times; builders fed with parts of the paths can be
/// [`merge`](Self::merge)d.
#[derive(Clone, Default)]
pub struct GraphBuilder {
    /// Links, the lower AS number first.
    links: HashSet<(Asn, Asn)>,
    /// Triplets `Y X Z` as `(X, Y, Z)`.
    triplets: HashSet<(Asn, Asn, Asn)>,
}

impl std::fmt::Debug for GraphBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GraphBuilder")
            .field("links", &self.links.len())
            .field("triplets", &self.triplets.len())
            .finish()
    }
}

impl GraphBuilder {
    /// A builder that has seen no path.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records one path as found in AS_PATH (collector side first, origin
    /// last), prepending included: it is sanitised here (step 1) and
    /// ignored when dropped by [`sanitise`].
    pub fn see(&mut self, path: &[Asn]) {
        let Some(p) = sanitise(path) else { return };
        for w in p.windows(2) {
            self.links.insert(ordered(w[0], w[1]));
        }
        for w in p.windows(3) {
            self.triplets.insert((w[1], w[0], w[2]));
        }
    }

    /// Adds what `other` has seen: the builder is then the one that saw
    /// the paths of both (those seen by both count once, as always).
    pub fn merge(&mut self, other: GraphBuilder) {
        merge_sets(&mut self.links, other.links);
        merge_sets(&mut self.triplets, other.triplets);
    }

    /// Steps 2 and 3: the ranking, the clique candidates and the clique,
    /// held by the [`LinkBuilder`] of the second pass with the steps to
    /// run.
    pub fn finish(self, opts: Options) -> LinkBuilder {
        let GraphBuilder { links, triplets } = self;
        // Step 2: node degrees from the links, transit degrees from the
        // distinct (middle, neighbour) pairs of the triplets.
        let mut degree: HashMap<Asn, usize> = HashMap::new();
        for (a, b) in &links {
            *degree.entry(*a).or_default() += 1;
            *degree.entry(*b).or_default() += 1;
        }
        let mut transit_of: HashSet<(Asn, Asn)> = HashSet::new();
        for (x, y, z) in &triplets {
            transit_of.insert((*x, *y));
            transit_of.insert((*x, *z));
        }
        let mut transit: HashMap<Asn, usize> = HashMap::new();
        for (x, _) in transit_of {
            *transit.entry(x).or_default() += 1;
        }
        let td = |a: &Asn| transit.get(a).copied().unwrap_or(0);
        let mut ranking: Vec<Asn> = degree.keys().copied().collect();
        ranking.sort_unstable_by_key(|a| {
            (std::cmp::Reverse(td(a)), std::cmp::Reverse(degree.get(a).copied().unwrap_or(0)), *a)
        });
        drop(degree);
        // Step 3, over the triplets of candidates (the 35 first-ranked ASes).
        let candidates: HashSet<Asn> = ranking.iter().take(35).copied().collect();
        let inside: Vec<(Asn, Asn, Asn)> = triplets
            .into_iter()
            .filter(|(x, y, z)| [x, y, z].into_iter().all(|a| candidates.contains(a)))
            .collect();
        let clique = clique(|a, b| links.contains(&ordered(a, b)), &ranking, &inside);
        LinkBuilder {
            frame: Arc::new(Frame { opts, ranking, transit, clique, candidates }),
            seen: Default::default(),
        }
    }
}

/// What the first pass established, shared by the [`LinkBuilder`]s cloned
/// from one.
#[derive(Debug, PartialEq)]
struct Frame {
    opts: Options,
    /// Step 2: every AS, by transit degree, then node degree, then number.
    ranking: Vec<Asn>,
    /// Transit degrees other than 0.
    transit: HashMap<Asn, usize>,
    /// Step 3.
    clique: BTreeSet<Asn>,
    /// The 35 first ASes of the ranking.
    candidates: HashSet<Asn>,
}

impl Frame {
    fn transit_degree(&self, a: Asn) -> usize {
        self.transit.get(&a).copied().unwrap_or(0)
    }
}

/// Phase 2, the second pass over the paths: the links, triplets, VP
/// origins and first links of the paths that are not poisoned (step 4,
/// when the [`Options`] say so). [`finish`](Self::finish) runs steps 5 to 9.
///
/// Made by [`GraphBuilder::finish`]. To feed several threads, clone the
/// fresh builder (the first pass's results are shared, not copied) and
/// [`merge`](Self::merge) the clones at the end.
#[derive(Clone)]
pub struct LinkBuilder {
    frame: Arc<Frame>,
    /// What the paths of each family showed, IPv4 first.
    seen: [Seen; 2],
}

/// What the paths of one address family showed.
#[derive(Clone, Default)]
struct Seen {
    /// Links, the lower AS number first.
    links: HashSet<(Asn, Asn)>,
    /// Triplets `Y X Z` other than a path's first, as `(X, Y, Z)`.
    triplets: HashSet<(Asn, Asn, Asn)>,
    /// First triplets of paths (Y is the VP), as `(X, Y, Z)`.
    vp_triplets: HashSet<(Asn, Asn, Asn)>,
    /// The origins of the paths of each VP.
    vp_origins: HashMap<Asn, HashSet<Asn>>,
    /// (VP, its neighbour on a path).
    first_links: HashSet<(Asn, Asn)>,
}

impl std::fmt::Debug for LinkBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("LinkBuilder");
        d.field("opts", &self.frame.opts)
            .field("ases", &self.frame.ranking.len())
            .field("clique", &self.frame.clique);
        for (name, s) in ["ipv4", "ipv6"].into_iter().zip(&self.seen) {
            d.field(name, s);
        }
        d.finish()
    }
}

impl std::fmt::Debug for Seen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Seen")
            .field("links", &self.links.len())
            .field("triplets", &self.triplets.len())
            .field("vp_triplets", &self.vp_triplets.len())
            .field("vps", &self.vp_origins.len())
            .field("vp_origins", &self.vp_origins.values().map(HashSet::len).sum::<usize>())
            .field("first_links", &self.first_links.len())
            .finish()
    }
}

impl LinkBuilder {
    /// Records one path, seen with routes of `family`, as
    /// [`GraphBuilder::see`] did in the first pass: sanitised here, and
    /// ignored when dropped by [`sanitise`] or, if the options say so,
    /// poisoned (step 4).
    pub fn see(&mut self, path: &[Asn], family: Family) {
        let Some(p) = sanitise(path) else { return };
        if self.frame.opts.discard_poisoned && poisoned(&p, &self.frame.clique) {
            return;
        }
        let seen = &mut self.seen[family.index()];
        for w in p.windows(2) {
            seen.links.insert(ordered(w[0], w[1]));
        }
        for (i, w) in p.windows(3).enumerate() {
            let t = (w[1], w[0], w[2]);
            if i == 0 {
                seen.vp_triplets.insert(t);
            } else {
                seen.triplets.insert(t);
            }
        }
        // `sanitise` keeps paths of two ASes or more.
        if let (Some(vp), Some(next), Some(origin)) = (p.first(), p.get(1), p.last()) {
            seen.vp_origins.entry(*vp).or_default().insert(*origin);
            seen.first_links.insert((*vp, *next));
        }
    }

    /// Adds what `other` has seen. Both must come from the same
    /// [`GraphBuilder::finish`] (one cloned from the other, or from a
    /// common builder): `other`'s paths were checked for poisoning against
    /// its own clique, and `self`'s first-pass results are the ones kept.
    pub fn merge(&mut self, other: LinkBuilder) {
        for (into, from) in self.seen.iter_mut().zip(other.seen) {
            merge_sets(&mut into.links, from.links);
            merge_sets(&mut into.triplets, from.triplets);
            merge_sets(&mut into.vp_triplets, from.vp_triplets);
            for (vp, origins) in from.vp_origins {
                merge_sets(into.vp_origins.entry(vp).or_default(), origins);
            }
            merge_sets(&mut into.first_links, from.first_links);
        }
    }

    /// Steps 5 to 9, for each address family over its own paths: both
    /// orders of every link of the paths seen (poisoned ones left out)
    /// with its relationship.
    pub fn finish(self) -> Inferred {
        let LinkBuilder { frame, seen: [ipv4, ipv6] } = self;
        let ipv4 = relate(&frame, ipv4);
        let ipv6 = relate(&frame, ipv6);
        Inferred { ipv4, ipv6 }
    }
}

/// Steps 5 to 9 over what the paths of one family showed.
fn relate(frame: &Frame, seen: Seen) -> HashMap<(Asn, Asn), Relationship> {
    let Seen { links, triplets, vp_triplets, vp_origins, first_links } = seen;
    let Frame { opts, ranking, clique, candidates, .. } = frame;
    let td = |a: Asn| frame.transit_degree(a);
    let origins: HashMap<Asn, usize> =
        vp_origins.into_iter().map(|(vp, o)| (vp, o.len())).collect();
    // The sets in a deterministic order, each dropped once sorted: the
    // top-down passes depend on the order in which they are visited.
    let links = sorted(links);
    let triplets = sorted(triplets);
    let vp_triplets = sorted(vp_triplets);
    let first_links = sorted(first_links);
    let mut rels = Rels::default();
    for a in clique {
        for b in clique {
            if a < b && links.binary_search(&(*a, *b)).is_ok() {
                rels.p2p.insert((*a, *b));
            }
        }
    }
    // Step 6 (before the top-down pass so that it can build on it).
    if opts.partial_vps {
        let full = origins.values().copied().max().unwrap_or(0);
        for (vp, x) in &first_links {
            let seen = origins.get(vp).copied().unwrap_or(0);
            if seen * 10 < full && !rels.known(*vp, *x) && !clique.contains(x) {
                rels.p2c.insert((*vp, *x));
            }
        }
    }
    drop(origins);
    // Step 5, second round: the VPs that pass on through a neighbour no
    // route of a clique member, as (VP, neighbour).
    let vp_peers = if opts.vp_triplets && opts.vp_peers {
        vp_peers(&vp_triplets, clique)
    } else {
        HashSet::new()
    };
    // Step 5.
    for trust_vps in [false, true] {
        if trust_vps && !opts.vp_triplets {
            break;
        }
        loop {
            let mut changed = false;
            for x in ranking {
                let ts = of_middle(&triplets, *x).iter().map(|t| (t, false));
                let vs = of_middle(&vp_triplets, *x).iter().map(|t| (t, true));
                for ((_, y, z), at_vp) in ts.chain(vs) {
                    if clique.contains(z) || rels.known(*x, *z) {
                        continue;
                    }
                    let vp_above = trust_vps
                        && at_vp
                        && !rels.p2c.contains(&(*x, *y))
                        && (td(*y) >= td(*x) || vp_peers.contains(&(*y, *x)) && td(*z) <= td(*x));
                    let above = clique.contains(y) || rels.above_or_level(*y, *x) || vp_above;
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
    // Step 5, after the second round: collector peers that get through X
    // the routes of X's providers or peers.
    if opts.vp_customers {
        for (x, vp, z) in &vp_triplets {
            if !rels.known(*vp, *x) && rels.above_or_level(*z, *x) {
                rels.p2c.insert((*x, *vp));
            }
        }
    }
    drop(vp_triplets);
    drop(vp_peers);
    // Step 7.
    if opts.customers_of_clique {
        for (a, b) in &links {
            for (c, s) in [(*a, *b), (*b, *a)] {
                let peer_sized = opts.clique_peers_by_degree && td(s) * 10 >= td(c);
                if clique.contains(&c)
                    && !candidates.contains(&s)
                    && !peer_sized
                    && !rels.known(c, s)
                {
                    rels.p2c.insert((c, s));
                }
            }
        }
    }
    // Step 8.
    if opts.adjacent_unknown {
        for (x, y, z) in &triplets {
            if td(*y) > td(*x)
                && td(*x) > td(*z)
                && !rels.p2c.contains(&(*x, *y))
                && !rels.known(*x, *z)
            {
                rels.p2c.insert((*x, *z));
            }
        }
    }
    drop(triplets);
    // Step 9.
    let mut out = HashMap::with_capacity(links.len() * 2);
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

/// `into` with the elements of `from` added, the smaller set into the
/// larger.
fn merge_sets<T: Eq + std::hash::Hash>(into: &mut HashSet<T>, mut from: HashSet<T>) {
    if from.len() > into.len() {
        std::mem::swap(into, &mut from);
    }
    into.extend(from);
}

/// The elements of a set in ascending order.
fn sorted<T: Ord>(set: HashSet<T>) -> Vec<T> {
    let mut v: Vec<T> = set.into_iter().collect();
    v.sort_unstable();
    v
}

/// The triplets `(X, Y, Z)` of a sorted slice whose middle AS is `x`.
fn of_middle(triplets: &[(Asn, Asn, Asn)], x: Asn) -> &[(Asn, Asn, Asn)] {
    let start = triplets.partition_point(|t| t.0 < x);
    let len = triplets[start..].partition_point(|t| t.0 == x);
    &triplets[start..start + len]
}

/// Step 5, second round: the (VP, neighbour X) pairs of the first
/// triplets `VP X Z` (sorted, as `(X, VP, Z)`) where no Z is a clique
/// member. A customer of X gets X's whole table, the routes of X's
/// providers and peers included, and passes on some of them; a peer of X
/// gets only the routes of X's customers. Clique members have no provider,
/// so a VP that never passes on through X a route of one of them is taken
/// as X's peer.
fn vp_peers(vp_triplets: &[(Asn, Asn, Asn)], clique: &BTreeSet<Asn>) -> HashSet<(Asn, Asn)> {
    let mut out = HashSet::new();
    for group in vp_triplets.chunk_by(|s, t| (s.0, s.1) == (t.0, t.1)) {
        let (x, vp, _) = group[0];
        if !group.iter().any(|(_, _, z)| clique.contains(z)) {
            out.insert((vp, x));
        }
    }
    out
}

/// Step 3: the largest clique among the first ten ASes of the ranking,
/// extended in rank order by each of the next 25 ASes linked to every
/// member. Of cliques of equal size, the one seen the least in the middle of
/// a triplet of members (members peer with each other, so a path cannot
/// cross three of them), then the one whose members rank earliest. An AS
/// seen in the middle of such a triplet does not extend it. `inside` holds
/// the triplets `Y X Z`, as `(X, Y, Z)`, of the candidates.
fn clique(
    linked: impl Fn(Asn, Asn) -> bool,
    ranking: &[Asn],
    inside: &[(Asn, Asn, Asn)],
) -> BTreeSet<Asn> {
    let top: Vec<Asn> = ranking.iter().take(10).copied().collect();
    let crossings = |inside: &[(Asn, Asn, Asn)], members: &BTreeSet<Asn>| -> usize {
        inside.iter().filter(|(x, y, z)| [x, y, z].into_iter().all(|a| members.contains(a))).count()
    };
    // The subsets of the first ten are tried against their triplets only.
    let inside_top: Vec<(Asn, Asn, Asn)> = inside
        .iter()
        .filter(|(x, y, z)| [x, y, z].into_iter().all(|a| top.contains(a)))
        .copied()
        .collect();
    let mut best: Option<(usize, usize, Vec<usize>)> = None;
    for mask in 1u32..(1 << top.len()) {
        let members: Vec<usize> = (0..top.len()).filter(|i| mask & (1 << i) != 0).collect();
        let is_clique =
            members.iter().all(|&i| members.iter().all(|&j| i == j || linked(top[i], top[j])));
        if !is_clique {
            continue;
        }
        let set: BTreeSet<Asn> = members.iter().map(|i| top[*i]).collect();
        let key = (usize::MAX - members.len(), crossings(&inside_top, &set), members);
        if best.as_ref().is_none_or(|b| key < *b) {
            best = Some(key);
        }
    }
    let mut c: BTreeSet<Asn> =
        best.map(|b| b.2.iter().map(|i| top[*i]).collect()).unwrap_or_default();
    for a in ranking.iter().skip(10).take(25) {
        // Only a triplet with `a` in the middle speaks against `a`: one with
        // a member in the middle speaks against that member, which is
        // already in.
        let crossed = inside.iter().any(|(x, y, z)| x == a && c.contains(y) && c.contains(z));
        if !crossed && c.iter().all(|m| linked(*a, *m)) {
            c.insert(*a);
        }
    }
    c
}

/// Step 4: a path with a non-clique AS between two clique members.
fn poisoned(path: &[Asn], clique: &BTreeSet<Asn>) -> bool {
    let mut last: Option<usize> = None;
    for (i, a) in path.iter().enumerate() {
        if clique.contains(a) {
            if last.is_some_and(|l| i - l > 1) {
                return true;
            }
            last = Some(i);
        }
    }
    false
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

/// The inference as implemented before the two streaming phases, kept
/// to check that the builders give exactly its results. The extension of
/// the clique was corrected later in both (a triplet with a member in the
/// middle no longer keeps an AS out).
#[cfg(test)]
mod reference {
    use std::borrow::Cow;
    use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

    use manrs_types::Asn;

    use super::{Options, Rels, flip, ordered, sanitise};
    use crate::hijacks::Relationship;

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
                        ts.iter()
                            .filter(|(y, z)| members.contains(y) && members.contains(z))
                            .count()
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
            let crossed = inside
                .get(a)
                .is_some_and(|ts| ts.iter().any(|(y, z)| c.contains(y) && c.contains(z)));
            if !crossed && c.iter().all(|m| graph.linked(*a, *m)) {
                c.insert(*a);
            }
        }
        c
    }

    /// Step 4: a path with a non-clique AS between two clique members.
    fn poisoned(path: &[Asn], clique: &BTreeSet<Asn>) -> bool {
        let at: Vec<usize> = (0..path.len()).filter(|i| clique.contains(&path[*i])).collect();
        at.windows(2).any(|w| w[1] - w[0] > 1)
    }

    /// The implementation before the builders: all sanitised paths in
    /// memory.
    pub(super) fn infer_with<'a>(
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
                            || trust_vps
                                && at_vp
                                && td(*y) >= td(*x)
                                && !rels.p2c.contains(&(*x, *y));
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

    #[test]
    fn a_member_crossed_among_the_first_ten_keeps_no_other_out() {
        // AS1-AS10 are linked with each other and each has 10 customers;
        // AS11, with 5 customers, is linked to all of them. One path has
        // AS2 between AS1 and AS3: it speaks against AS2, not AS11.
        let mut paths = Vec::new();
        for m in 1..=10u32 {
            for n in m + 1..=10 {
                paths.push(a(&[m, n]));
            }
            for k in 0..10 {
                paths.push(a(&[m % 10 + 1, m, 100 * m + k]));
            }
            paths.push(a(&[11, m]));
        }
        paths.extend((0..5).map(|k| a(&[1, 11, 1_100 + k])));
        let clique = |paths: &[Vec<Asn>]| {
            let mut graph = GraphBuilder::new();
            for p in paths {
                graph.see(p);
            }
            graph.finish(Options::default()).frame.clique.clone()
        };
        let all: BTreeSet<Asn> = (1..=11).map(Asn).collect();
        assert_eq!(clique(&paths), all);
        paths.push(a(&[1, 2, 3]));
        assert_eq!(clique(&paths), all);
        // AS11 itself between two members stays out.
        paths.push(a(&[4, 11, 5]));
        assert_eq!(clique(&paths), (1..=10).map(Asn).collect());
    }

    /// Three tier-1s (1, 2, 3) with 20 mid-tier customers each, every one
    /// with 5 customers of its own, and the cases of the steps added to
    /// the reference's: AS30, a customer of AS1, seen by its peer VP
    /// AS40 and its customer VP AS50; AS60, a larger network than AS30
    /// behind it on a path of AS40; VPs AS70 and AS80 next to AS1, AS70
    /// passing on a route of AS1's peer AS2, AS80 one of AS1's customer
    /// AS100 and with a transit degree of 5.
    fn steps_added_paths() -> Vec<Vec<Asn>> {
        let mut paths = vec![a(&[1, 2, 3]), a(&[2, 3, 1]), a(&[3, 1, 2])];
        for (i, (above, tier1)) in [(2, 1), (3, 2), (1, 3)].into_iter().enumerate() {
            for m in 0..20 {
                let mid = 100 + 20 * i as u32 + m;
                for s in 0..5 {
                    paths.push(a(&[above, tier1, mid, 1_000 + 5 * mid + s]));
                }
            }
        }
        paths.extend([a(&[2, 1, 30, 31]), a(&[40, 30, 32]), a(&[40, 30, 33])]);
        paths.extend([a(&[50, 30, 1]), a(&[50, 30, 34]), a(&[40, 30, 60, 61])]);
        // Enough origins for AS40 and AS50 to have full views (step 6,
        // when it runs).
        for s in 0..15 {
            paths.push(a(&[40, 2, 120 + s / 5, 1_000 + 5 * (120 + s / 5) + s % 5]));
            paths.push(a(&[50, 30, 1, 100 + s / 5, 1_000 + 5 * (100 + s / 5) + s % 5]));
        }
        paths.extend((61..73).map(|s| a(&[3, 60, s])));
        paths.extend([a(&[70, 1, 2]), a(&[80, 1, 100])]);
        paths.extend((90..94).map(|s| a(&[81, 80, s])));
        paths
    }

    #[test]
    fn a_vp_that_passes_on_no_route_of_the_clique_is_a_peer() {
        let paths = steps_added_paths();
        let all = Options::default();
        let rel = infer_with(paths.iter().map(Vec::as_slice), all);
        let without =
            infer_with(paths.iter().map(Vec::as_slice), Options { vp_peers: false, ..all });
        let r = |rel: &HashMap<(Asn, Asn), Relationship>, x: u32, y: u32| rel[&(Asn(x), Asn(y))];
        // AS40 passes on through AS30 only the routes of AS32 and AS33: it
        // is AS30's peer, and they are AS30's customers.
        for s in [32, 33] {
            assert_eq!(r(&rel, 30, s), Relationship::ProviderOf);
            assert_eq!(r(&without, 30, s), Relationship::Peer);
        }
        // AS50 passes on AS1's routes through AS30: it is no peer of AS30,
        // and its path to AS34 says nothing of the link AS30-AS34.
        assert_eq!(r(&rel, 30, 34), Relationship::Peer);
        // AS60 has a larger transit degree than AS30: not its customer.
        assert_eq!(r(&rel, 30, 60), Relationship::Peer);
        assert_eq!(r(&rel, 30, 1), Relationship::CustomerOf);
    }

    #[test]
    fn a_vp_that_gets_routes_of_its_neighbours_providers_is_its_customer() {
        let paths = steps_added_paths();
        let all = Options::default();
        let rel = infer_with(paths.iter().map(Vec::as_slice), all);
        let without =
            infer_with(paths.iter().map(Vec::as_slice), Options { vp_customers: false, ..all });
        let r = |rel: &HashMap<(Asn, Asn), Relationship>, x: u32, y: u32| rel[&(Asn(x), Asn(y))];
        // AS50 gets through AS30 the routes of AS1, AS30's provider: it is
        // AS30's customer. AS40 gets only those of AS30's customers.
        assert_eq!(r(&rel, 30, 50), Relationship::ProviderOf);
        assert_eq!(r(&without, 30, 50), Relationship::Peer);
        assert_eq!(r(&rel, 30, 40), Relationship::Peer);
        // A leak on AS30's hop to the collector peer AS50 without it.
        let path = [crate::leaks::SeenPath {
            path: a(&[50, 30, 1, 100]),
            prefix: "192.0.2.0/24".parse().unwrap(),
            peer: 0,
            first: 0,
            last: 0,
            count: 1,
            otc: None,
        }];
        assert!(crate::leaks::detect_leaks(&path, &|_| &rel).is_empty());
        assert_eq!(crate::leaks::detect_leaks(&path, &|_| &without).len(), 1);
    }

    #[test]
    fn neighbours_of_the_clique_with_a_tenth_of_its_transit_degree_are_no_customers() {
        let paths = steps_added_paths();
        let all = Options::default();
        let rel = infer_with(paths.iter().map(Vec::as_slice), all);
        let without = infer_with(
            paths.iter().map(Vec::as_slice),
            Options { clique_peers_by_degree: false, ..all },
        );
        let r = |rel: &HashMap<(Asn, Asn), Relationship>, x: u32, y: u32| rel[&(Asn(x), Asn(y))];
        // AS1 has a transit degree of 22 (AS2, AS3 and its 20 customers),
        // AS80 of 5: a tenth or more, so it may be AS1's peer.
        assert_eq!(r(&rel, 80, 1), Relationship::Peer);
        assert_eq!(r(&without, 80, 1), Relationship::CustomerOf);
        // AS70, a stub, stays AS1's customer.
        assert_eq!(r(&rel, 70, 1), Relationship::CustomerOf);
        assert_eq!(r(&rel, 1, 2), Relationship::Peer);
    }

    #[test]
    fn each_family_has_the_relationships_of_its_own_paths() {
        // AS500 passes on to AS1 the IPv6 routes of AS501, not its IPv4
        // ones: AS501 is a customer of AS500 in IPv6 only (as networks
        // that give IPv6 transit to their IPv4 peers do). AS502 is seen in
        // IPv6 only.
        let v4 = steps_added_paths();
        let mut v6 = vec![a(&[2, 1, 500, 501]), a(&[2, 1, 500, 502])];
        let mut v4_more = vec![a(&[2, 1, 500, 5_001]), a(&[501, 500, 5_001])];
        v6.extend(v4.iter().take(10).cloned());
        v4_more.extend(v4);
        let both = v4_more.iter().map(|p| (p.as_slice(), Family::Ipv4));
        let both = both.chain(v6.iter().map(|p| (p.as_slice(), Family::Ipv6)));
        let rel = infer_families(both);
        let r = |m: &HashMap<(Asn, Asn), Relationship>, x: u32, y: u32| {
            m.get(&(Asn(x), Asn(y))).copied()
        };
        assert_eq!(r(&rel.ipv4, 500, 501), Some(Relationship::Peer));
        assert_eq!(r(&rel.ipv6, 500, 501), Some(Relationship::ProviderOf));
        assert_eq!(r(&rel.ipv6, 500, 502), Some(Relationship::ProviderOf));
        assert_eq!(r(&rel.ipv4, 500, 502), None);
        assert_eq!(r(&rel.ipv4, 500, 5_001), Some(Relationship::ProviderOf));
        assert_eq!(r(&rel.ipv6, 500, 5_001), None);
        assert_eq!(rel.of(Family::Ipv6)[&(Asn(1), Asn(500))], Relationship::ProviderOf);
        // Paths of both families taken as one: the IPv6 paths decide.
        let mixed = infer(v4_more.iter().chain(&v6).map(Vec::as_slice));
        assert_eq!(r(&mixed, 500, 501), Some(Relationship::ProviderOf));
    }

    /// The steps the reference implements, all of them: the defaults
    /// without the VP peers of step 5 and the peer-sized neighbours of
    /// clique members of step 7, added after it, and with step 6, on by
    /// default until then.
    fn reference_default() -> Options {
        Options {
            vp_peers: false,
            partial_vps: true,
            vp_customers: false,
            clique_peers_by_degree: false,
            ..Options::default()
        }
    }

    /// Every combination of the switches of the reference's steps.
    fn all_options() -> Vec<Options> {
        (0u32..64)
            .map(|m| Options {
                discard_poisoned: m & 1 != 0,
                repeat_top_down: m & 2 != 0,
                vp_triplets: m & 4 != 0,
                partial_vps: m & 8 != 0,
                customers_of_clique: m & 16 != 0,
                adjacent_unknown: m & 32 != 0,
                ..reference_default()
            })
            .collect()
    }

    /// The reference's steps all on and each turned off alone.
    fn some_options() -> Vec<Options> {
        let all = reference_default();
        vec![
            all,
            Options { discard_poisoned: false, ..all },
            Options { repeat_top_down: false, ..all },
            Options { vp_triplets: false, ..all },
            Options { partial_vps: false, ..all },
            Options { customers_of_clique: false, ..all },
            Options { adjacent_unknown: false, ..all },
        ]
    }

    fn hierarchy_paths() -> Vec<Vec<Asn>> {
        vec![
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
        ]
    }

    /// A deterministic generator (SplitMix64).
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n.max(1) as u64) as usize
        }
        fn chance(&mut self, percent: u64) -> bool {
            self.next() % 100 < percent
        }
    }

    /// Special-purpose AS numbers and one that is not.
    const ODD_ASNS: [u32; 8] = [0, 23456, 64500, 64512, 65535, 140_000, 4_200_000_000, u32::MAX];

    /// `count` paths over `n` ASes. With `dense`, random walks over a few
    /// ASes (many triplets among the clique candidates); otherwise
    /// valley-free paths over a hierarchy whose top is a clique of 4 to 6
    /// ASes, from VPs of which two see only a few origins. Both with
    /// prepending, loops, special AS numbers, poisoned paths, random and
    /// too short paths.
    fn random_paths(seed: u64, n: usize, count: usize, dense: bool) -> Vec<Vec<Asn>> {
        let mut rng = Rng(seed);
        // AS numbers in several ranges, so that ranking ties break both ways.
        let asn = |i: usize| -> Asn {
            let i = i as u32;
            Asn(if i.is_multiple_of(5) { 200_000 + i * 13 } else { 100 + ((i * 7919) % 20_000) })
        };
        let k = 4 + rng.below(3);
        let mut providers: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (i, ps) in providers.iter_mut().enumerate().skip(k) {
            for _ in 0..1 + rng.below(3) {
                let p = rng.below(i);
                if !ps.contains(&p) {
                    ps.push(p);
                }
            }
        }
        let up = |rng: &mut Rng, from: usize| -> Vec<usize> {
            let mut chain = vec![from];
            let mut at = from;
            while at >= k {
                at = providers[at][rng.below(providers[at].len())];
                chain.push(at);
            }
            chain
        };
        let vps: Vec<usize> = (0..14).map(|i| if i < 2 { i } else { rng.below(n) }).collect();
        let few: Vec<usize> = (0..5).map(|_| rng.below(n)).collect();
        let mut paths = Vec::with_capacity(count);
        for _ in 0..count {
            let p: Vec<usize> = if dense || rng.chance(5) {
                let len = rng.below(8);
                (0..len).map(|_| rng.below(n)).collect()
            } else {
                let v = rng.below(vps.len());
                let o = if v >= 12 { few[rng.below(few.len())] } else { rng.below(n) };
                let vc = up(&mut rng, vps[v]);
                let oc = up(&mut rng, o);
                match vc
                    .iter()
                    .enumerate()
                    .find_map(|(i, x)| Some((i, oc.iter().position(|y| y == x)?)))
                {
                    Some((i, j)) => vc[..=i].iter().chain(oc[..j].iter().rev()).copied().collect(),
                    None => vc.iter().chain(oc.iter().rev()).copied().collect(),
                }
            };
            let mut q: Vec<Asn> = p.into_iter().map(asn).collect();
            if q.is_empty() {
                paths.push(q);
                continue;
            }
            if rng.chance(10) {
                let at = rng.below(q.len());
                for _ in 0..1 + rng.below(3) {
                    q.insert(at, q[at]);
                }
            }
            if rng.chance(3) {
                let from = q[rng.below(q.len())];
                q.insert(rng.below(q.len() + 1), from);
            }
            if rng.chance(3) {
                q.insert(rng.below(q.len() + 1), Asn(ODD_ASNS[rng.below(ODD_ASNS.len())]));
            }
            if rng.chance(5) {
                let (c1, c2) = (asn(rng.below(k)), asn(rng.below(k)));
                let at = rng.below(q.len() + 1);
                q.splice(at..at, [c1, asn(k + rng.below(n - k)), c2]);
            }
            paths.push(q);
        }
        paths
    }

    fn old_and_new(paths: &[Vec<Asn>], opts: Options) {
        let old = reference::infer_with(paths.iter().map(Vec::as_slice), opts);
        let new = infer_with(paths.iter().map(Vec::as_slice), opts);
        assert_eq!(new, old, "{opts:?}");
    }

    #[test]
    fn builders_match_the_reference_on_the_module_cases() {
        let mut cases = vec![
            hierarchy_paths(),
            Vec::new(),
            vec![Vec::new(), a(&[7]), a(&[7, 7])],
            vec![a(&[1, 1, 2, 3, 3]), a(&[1, 2, 3, 2]), a(&[1, 64512, 3]), a(&[1, 23456])],
        ];
        cases.push(cases[0].iter().chain(&cases[3]).cloned().collect());
        cases.push(vec![a(&[1, 5, 2, 7]), a(&[9, 1, 2, 7]), a(&[9, 1, 7]), a(&[2, 1, 9])]);
        // Two VPs with a partial view next to each other beside one with a
        // full view: step 6 makes the first in order the provider.
        let mut partial: Vec<Vec<Asn>> = (10..40).map(|o| a(&[1, 2, o])).collect();
        partial.extend([a(&[50, 51, 60]), a(&[51, 50, 61])]);
        let step6 = Options { partial_vps: true, ..Options::default() };
        let rel = infer_with(partial.iter().map(Vec::as_slice), step6);
        assert_eq!(rel.get(&(Asn(50), Asn(51))), Some(&Relationship::ProviderOf));
        let rel = infer(partial.iter().map(Vec::as_slice));
        assert_eq!(rel.get(&(Asn(50), Asn(51))), Some(&Relationship::Peer));
        cases.push(partial);
        for paths in &cases {
            for opts in all_options() {
                old_and_new(paths, opts);
            }
        }
        assert!(infer(std::iter::empty()).is_empty());
    }

    #[test]
    fn builders_match_the_reference_on_random_paths() {
        for seed in 1..=5 {
            let (count, opts) =
                if seed == 1 { (600, all_options()) } else { (2_000, some_options()) };
            let paths = random_paths(seed, 300, count, false);
            for o in opts {
                old_and_new(&paths, o);
            }
            // The generator reaches the interesting cases.
            let mut graph = GraphBuilder::new();
            for p in &paths {
                graph.see(p);
            }
            let links = graph.finish(Options::default());
            assert!(links.frame.clique.len() >= 3, "{links:?}");
            let poisoned = paths
                .iter()
                .filter_map(|p| sanitise(p))
                .filter(|p| poisoned(p, &links.frame.clique));
            assert!(poisoned.count() > 10);
            let rel = infer(paths.iter().map(Vec::as_slice));
            for r in [Relationship::ProviderOf, Relationship::Peer] {
                assert!(rel.values().filter(|x| **x == r).count() > 20, "{r:?}");
            }
        }
        for seed in 1..=4 {
            let (count, opts) =
                if seed == 1 { (300, all_options()) } else { (1_000, some_options()) };
            let paths = random_paths(seed, 30 + 10 * seed as usize, count, true);
            for o in opts {
                old_and_new(&paths, o);
            }
        }
    }

    #[test]
    fn merged_builders_match_one_builder() {
        let paths = random_paths(7, 300, 4_000, false);
        let all = || paths.iter().map(Vec::as_slice);
        let mut options = some_options();
        options.extend([Options::default(), Options { vp_peers: false, ..Options::default() }]);
        for opts in options {
            if !opts.vp_peers && !opts.clique_peers_by_degree && !opts.vp_customers {
                assert_eq!(infer_with(all(), opts), reference::infer_with(all(), opts));
            }
            // Every fifth path seen with IPv6 routes.
            let family = |i: usize| if i.is_multiple_of(5) { Family::Ipv6 } else { Family::Ipv4 };
            let expected =
                infer_families_with(all().enumerate().map(|(i, p)| (p, family(i))), opts);
            assert!(!expected.ipv4.is_empty() && !expected.ipv6.is_empty());
            // Phase 1 in a small and a large part that overlap, merged both
            // ways, and with an empty builder.
            let (mut small, mut large) = (GraphBuilder::new(), GraphBuilder::new());
            for (i, p) in all().enumerate() {
                if i % 4 == 0 || i % 10 == 1 {
                    small.see(p);
                }
                if i % 4 != 0 {
                    large.see(p);
                }
            }
            let mut other = small.clone();
            small.merge(large.clone());
            large.merge(other.clone());
            other.merge(GraphBuilder::new());
            let mut empty = GraphBuilder::new();
            empty.merge(small.clone());
            for graph in [small, large, empty] {
                // Phase 2 in three clones, split otherwise.
                let mut first = graph.finish(opts);
                let mut second = first.clone();
                let mut third = first.clone();
                for (i, p) in all().enumerate() {
                    match i % 3 {
                        0 => first.see(p, family(i)),
                        1 => second.see(p, family(i)),
                        _ => third.see(p, family(i)),
                    }
                    if i % 7 == 0 {
                        third.see(p, family(i));
                    }
                }
                third.merge(first);
                second.merge(third);
                assert_eq!(second.finish(), expected, "{opts:?}");
            }
        }
    }
}
