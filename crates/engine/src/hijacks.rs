//! Route misorigination ("hijack") detection for MANRS Action 1 metrics
//! M2 and M2C (manrs-spec §2.4, §2.8), from our own BGP data.
//!
//! The Observatory takes GRIP's MOAS and sub-MOAS events and prunes them
//! with RPKI and IRR data; manrs finds them in the period's announcements
//! and explains each with its evidence. A month is analysed once it is
//! known, so the whole period is the context of every conflict:
//!
//! 1. [`Timeline`] turns announcements and withdrawals per (peer, prefix)
//!    into announcement intervals, merged per (prefix, origin) into
//!    [`OriginSpan`]s.
//! 2. A *conflict* is a prefix with more than one origin among its own
//!    origins and those of every covering prefix announced in the period
//!    (MOAS on the same prefix, sub-MOAS on a more specific one). Covering
//!    blocks shorter than /8 (IPv4) or /16 (IPv6), default routes
//!    included, are nobody's space and are ignored.
//! 3. Each origin of a conflict gets an evidence score: in the baseline
//!    (the routes of RIB dumps and prefix-origin lists) +4, RPKI-valid for
//!    the prefix (RFC 6811) +4, covered by an IRR route object +2, an AS
//!    registered at the RIR that holds the address space +1. The origins
//!    with the highest score are the legitimate ones; an origin scoring
//!    lower is a *suspect*, unless the baseline already had it (a standing
//!    MOAS is not an event; counted as established). When every origin
//!    scores the same nothing is concluded (counted as unresolved): no
//!    evidence, no blame.
//! 4. A suspect is pruned, with the reason kept, when it is RPKI-valid or
//!    IRR-registered for the prefix, belongs to the organisation of a
//!    legitimate origin (AS-to-org), is a customer or provider of one (AS
//!    relationships), was propagated by one (the legitimate origin is on
//!    its path), or was seen by fewer than `min_peers` peers.
//! 5. What remains is a hijack: an M2 event for the suspect over each of
//!    its announcement intervals (until the last peer withdrew it), and an
//!    M2C event for each AS seen next to it on the paths (the AS that
//!    accepted it from its customer and propagated it, manrs-spec §2.4).
//!
//! Confidence: 0.4, +0.1 per point of evidence gap (at most 3), +0.1 for
//! a sub-MOAS, +0.2 when at least 10 peers saw it, −0.2 when it lasted
//! under 5 minutes; clamped to 0..=1.
//!
//! Scores and the confidence formula are INFERRED choices (GRIP's own
//! inferences are not published in a reusable form); every finding keeps
//! its tags and numbers so a reviewer can see why.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

use manrs_types::{Asn, Prefix};

use crate::irr::IrrIndex;
use crate::peerset::PeerSet;
use crate::rov::{RovState, VrpIndex};
use crate::settings::IrrPolicy;
use crate::snapshot::PeerId;

/// The first observation of a (prefix, origin), kept as evidence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Sighting {
    /// The peer that saw it.
    pub peer: PeerId,
    /// When.
    pub time: i64,
    /// The AS path as received.
    pub path: Vec<Asn>,
}

/// Everything one origin did with one prefix in the period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OriginSpan {
    /// The prefix.
    pub prefix: Prefix,
    /// The origin.
    pub origin: Asn,
    /// Disjoint announcement intervals, sorted; `None` end: still announced
    /// when the data ends.
    pub intervals: Vec<(i64, Option<i64>)>,
    /// Peers that saw it.
    pub peers: PeerSet,
    /// The ASes seen next to the origin, sorted.
    pub upstreams: Vec<Asn>,
    /// Whether a RIB dump or prefix-origin list had it (the baseline).
    pub baseline: bool,
    /// The first sighting.
    pub first: Sighting,
}

/// Announcements and withdrawals per (peer, prefix), in time order.
///
/// Memory: a full-table RIB has one open announcement per (peer, prefix),
/// 22 M of them for 1.37 M prefixes (docs/performance.md). They are kept
/// inside the accumulator of their (prefix, origin), as peer sets grouped
/// by start time: the entries of a RIB dump share one start, so a prefix
/// costs one group whatever its number of peers. A peer has at most one
/// open announcement per prefix (announcing another origin closes it), as
/// the per-(peer, prefix) map this replaces had.
#[derive(Debug, Default)]
pub struct Timeline {
    spans: BTreeMap<(Prefix, Asn), SpanAcc>,
}

#[derive(Debug)]
struct SpanAcc {
    /// Peers announcing it now, by the time they started (first group
    /// inline; an empty set means no group).
    open: (i64, PeerSet),
    more_open: Vec<(i64, PeerSet)>,
    /// Closed intervals, one per peer announcement (merged at the end).
    intervals: Vec<(i64, Option<i64>)>,
    peers: PeerSet,
    upstreams: Vec<Asn>,
    baseline: bool,
    first: Sighting,
}

impl SpanAcc {
    /// Removes `peer` from the open announcements; returns its start.
    fn take_open(&mut self, peer: PeerId) -> Option<i64> {
        if self.open.1.remove(peer) {
            let start = self.open.0;
            if self.open.1.is_empty()
                && let Some(next) = self.more_open.pop()
            {
                self.open = next;
            }
            return Some(start);
        }
        let i = self.more_open.iter().position(|(_, set)| set.contains(peer))?;
        let start = self.more_open[i].0;
        self.more_open[i].1.remove(peer);
        if self.more_open[i].1.is_empty() {
            self.more_open.swap_remove(i);
        }
        Some(start)
    }

    fn is_open(&self, peer: PeerId) -> bool {
        self.open.1.contains(peer) || self.more_open.iter().any(|(_, set)| set.contains(peer))
    }

    fn add_open(&mut self, peer: PeerId, start: i64) {
        if self.open.1.is_empty() {
            self.open.0 = start;
        }
        if self.open.0 == start {
            self.open.1.insert(peer);
        } else if let Some((_, set)) = self.more_open.iter_mut().find(|(s, _)| *s == start) {
            set.insert(peer);
        } else {
            self.more_open.push((start, [peer].into_iter().collect()));
        }
    }
}

impl Timeline {
    /// An empty timeline.
    pub fn new() -> Self {
        Self::default()
    }

    /// Closes what `peer` announces for `prefix` at `time`, except an
    /// announcement of `keep`.
    fn close(&mut self, peer: PeerId, prefix: Prefix, time: i64, keep: Option<Asn>) {
        for ((_, origin), acc) in self.spans.range_mut((prefix, Asn(0))..=(prefix, Asn(u32::MAX))) {
            if Some(*origin) == keep {
                continue;
            }
            if let Some(start) = acc.take_open(peer) {
                acc.intervals.push((start, Some(time.max(start))));
                // At most one open announcement per (peer, prefix).
                break;
            }
        }
    }

    /// `peer` announces `prefix` with `path` (origin last) at `time`. An
    /// announcement with another origin replaces the peer's previous one
    /// (an implicit withdrawal, RFC 4271 §3.1). `baseline`: from a RIB dump
    /// or list rather than an UPDATE.
    pub fn announce(
        &mut self,
        peer: PeerId,
        prefix: Prefix,
        path: &[Asn],
        time: i64,
        baseline: bool,
    ) {
        let Some(&origin) = path.last() else { return };
        let upstream = path.iter().rev().find(|a| **a != origin).copied();
        let already = self.spans.get(&(prefix, origin)).is_some_and(|acc| acc.is_open(peer));
        if !already {
            self.close(peer, prefix, time, Some(origin));
        }
        let acc = self.spans.entry((prefix, origin)).or_insert_with(|| SpanAcc {
            open: (time, PeerSet::new()),
            more_open: Vec::new(),
            intervals: Vec::new(),
            peers: PeerSet::new(),
            upstreams: Vec::new(),
            baseline: false,
            first: Sighting { peer, time, path: path.to_vec() },
        });
        if !already {
            acc.add_open(peer, time);
        }
        acc.peers.insert(peer);
        acc.baseline |= baseline;
        if let Some(u) = upstream
            && let Err(i) = acc.upstreams.binary_search(&u)
        {
            acc.upstreams.insert(i, u);
        }
        if time < acc.first.time {
            acc.first = Sighting { peer, time, path: path.to_vec() };
        }
    }

    /// `peer` withdraws `prefix` at `time`.
    pub fn withdraw(&mut self, peer: PeerId, prefix: Prefix, time: i64) {
        self.close(peer, prefix, time, None);
    }

    /// The spans of every (prefix, origin), sorted by both; announcements
    /// still open end with `None`. Intervals of different peers are merged.
    pub fn finish(self) -> Vec<OriginSpan> {
        let mut out = Vec::with_capacity(self.spans.len());
        for ((prefix, origin), mut acc) in self.spans {
            if !acc.open.1.is_empty() {
                acc.intervals.push((acc.open.0, None));
            }
            acc.intervals.extend(acc.more_open.iter().map(|(start, _)| (*start, None)));
            out.push(OriginSpan {
                prefix,
                origin,
                intervals: merge_intervals(acc.intervals),
                peers: acc.peers,
                upstreams: acc.upstreams,
                baseline: acc.baseline,
                first: acc.first,
            });
        }
        out
    }
}

/// Unions overlapping or touching intervals; `None` ends are open.
fn merge_intervals(mut v: Vec<(i64, Option<i64>)>) -> Vec<(i64, Option<i64>)> {
    v.sort_by_key(|(s, e)| (*s, e.unwrap_or(i64::MAX)));
    let mut out: Vec<(i64, Option<i64>)> = Vec::new();
    for (s, e) in v {
        match out.last_mut() {
            Some((_, last_end)) if last_end.is_none_or(|le| s <= le) => {
                *last_end = match (*last_end, e) {
                    (None, _) | (_, None) => None,
                    (Some(a), Some(b)) => Some(a.max(b)),
                };
            }
            _ => out.push((s, e)),
        }
    }
    out
}

/// A customer/provider or peer link between two ASes (CAIDA as-rel).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Relationship {
    /// The first AS is a provider of the second.
    ProviderOf,
    /// The first AS is a customer of the second.
    CustomerOf,
    /// Settlement-free peers.
    Peer,
}

/// What the detector may consult; every part is optional.
#[derive(Default)]
pub struct Context<'a> {
    /// VRPs of the period.
    pub vrps: Option<&'a VrpIndex>,
    /// IRR route objects of the period.
    pub irr: Option<&'a IrrIndex>,
    /// AS to organisation id.
    pub orgs: HashMap<Asn, String>,
    /// AS pairs to their relationship (both orders present).
    pub relationships: HashMap<(Asn, Asn), Relationship>,
    /// AS to the RIR whose registry holds it (`ARIN`, `APNIC`...).
    pub asn_registry: HashMap<Asn, String>,
    /// IPv4/IPv6 blocks to the RIR that holds them (IANA registries), most
    /// specific first when looked up.
    pub prefix_registry: Vec<(Prefix, String)>,
    /// A suspect seen by fewer peers is pruned as low visibility (0 or 1:
    /// never).
    pub min_peers: u32,
}

impl std::fmt::Debug for Context<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("orgs", &self.orgs.len())
            .field("relationships", &self.relationships.len())
            .field("asn_registry", &self.asn_registry.len())
            .field("prefix_registry", &self.prefix_registry.len())
            .field("min_peers", &self.min_peers)
            .finish_non_exhaustive()
    }
}

impl Context<'_> {
    fn registry_of(&self, p: &Prefix) -> Option<&str> {
        self.prefix_registry
            .iter()
            .filter(|(b, _)| b.covers(p))
            .max_by_key(|(b, _)| b.len())
            .map(|(_, r)| r.as_str())
    }

    fn rpki_valid(&self, p: &Prefix, o: Asn) -> bool {
        self.vrps.is_some_and(|v| v.validate(p, Some(o)) == RovState::Valid)
    }

    fn irr_registered(&self, p: &Prefix, o: Asn) -> bool {
        self.irr.is_some_and(|i| i.coverage(p, o, IrrPolicy::Exact).is_some())
    }

    /// The evidence score of `origin` for `prefix` and its reasons.
    fn score(&self, span: &OriginSpan, prefix: &Prefix) -> (u32, Vec<&'static str>) {
        let (mut s, mut why) = (0, Vec::new());
        if span.baseline {
            s += 4;
            why.push("in-baseline");
        }
        if self.rpki_valid(prefix, span.origin) {
            s += 4;
            why.push("rpki-valid");
        }
        if self.irr_registered(prefix, span.origin) {
            s += 2;
            why.push("irr-registered");
        }
        if let (Some(a), Some(b)) = (self.asn_registry.get(&span.origin), self.registry_of(prefix))
            && a.eq_ignore_ascii_case(b)
        {
            s += 1;
            why.push("same-rir-as-space");
        }
        (s, why)
    }
}

/// Why a suspect was not counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Pruned {
    /// RPKI-valid for the prefix.
    RpkiValid,
    /// An IRR route object registers it.
    IrrRegistered,
    /// Same organisation as a legitimate origin.
    SameOrganisation,
    /// Customer or provider of a legitimate origin.
    CustomerOrProvider,
    /// A legitimate origin itself propagated the suspect's route (it is on
    /// the observed path): it accepted the route, so the two are related.
    LegitimateOnPath,
    /// Seen by fewer peers than [`Context::min_peers`].
    LowVisibility,
}

/// A suspected misorigination.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Hijack {
    /// The announced prefix.
    pub prefix: Prefix,
    /// The suspect origin (M2 culprit).
    pub origin: Asn,
    /// `moas` (same prefix) or `submoas` (more specific of a legitimate
    /// origin's prefix).
    pub kind: &'static str,
    /// The legitimate origins and the prefixes they announced.
    pub legitimate: Vec<(Prefix, Asn)>,
    /// The suspect's announcement intervals.
    pub intervals: Vec<(i64, Option<i64>)>,
    /// The ASes that propagated it (M2C).
    pub upstreams: Vec<Asn>,
    /// Peers that saw it.
    pub peers: u32,
    /// Evidence scores: the suspect's and the legitimate origins'.
    pub scores: (u32, u32),
    /// Confidence 0..=1.
    pub confidence: f64,
    /// Tags explaining the inference.
    pub tags: Vec<String>,
    /// Set when pruned: then it is not an incident.
    pub pruned: Option<Pruned>,
    /// The first sighting.
    pub first: Sighting,
}

/// The outcome of detection over a period.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Detection {
    /// Hijacks found, pruned ones included (with their reason).
    pub hijacks: Vec<Hijack>,
    /// Prefixes with several origins where no origin had more evidence.
    pub unresolved: u64,
    /// Prefixes with several origins in all.
    pub conflicts: u64,
    /// Lower-scored origins left alone because the baseline already had
    /// them: a standing MOAS is not an event.
    pub established: u64,
}

impl Detection {
    /// Pruned suspects per reason.
    pub fn pruned(&self) -> BTreeMap<Pruned, u64> {
        let mut m = BTreeMap::new();
        for h in &self.hijacks {
            if let Some(p) = h.pruned {
                *m.entry(p).or_insert(0) += 1;
            }
        }
        m
    }
}

/// Finds MOAS and sub-MOAS misoriginations among the spans of a period.
pub fn detect(spans: &[OriginSpan], ctx: &Context<'_>) -> Detection {
    let mut by_prefix: BTreeMap<Prefix, Vec<&OriginSpan>> = BTreeMap::new();
    for s in spans {
        by_prefix.entry(s.prefix).or_default().push(s);
    }
    let mut out = Detection::default();
    for (prefix, own) in &by_prefix {
        // The conflict group: this prefix's origins and those of every
        // covering prefix (the map is small per prefix; a trie would serve
        // a full table).
        let mut group: Vec<(&OriginSpan, bool)> = own.iter().map(|s| (*s, true)).collect();
        // Default routes and blocks shorter than /8 (IPv4) or /16 (IPv6)
        // are not origins of anyone's space.
        let shortest = if prefix.is_ipv4() { 8 } else { 16 };
        for len in (shortest..prefix.len()).rev() {
            let Ok(net) = ipnet::IpNet::new(prefix.addr(), len) else { continue };
            let cover = Prefix::new_truncating(net.trunc());
            if let Some(c) = by_prefix.get(&cover) {
                group.extend(c.iter().map(|s| (*s, false)));
            }
        }
        let origins: BTreeSet<Asn> = group.iter().map(|(s, _)| s.origin).collect();
        if origins.len() < 2 {
            continue;
        }
        out.conflicts += 1;
        // Score every origin on its own prefix; an origin's best counts.
        let mut best: BTreeMap<Asn, (u32, Vec<&'static str>, Prefix)> = BTreeMap::new();
        for (s, _) in &group {
            let (score, why) = ctx.score(s, &s.prefix);
            let e = best.entry(s.origin).or_insert((score, why.clone(), s.prefix));
            if score > e.0 {
                *e = (score, why, s.prefix);
            }
        }
        let top = best.values().map(|b| b.0).max().unwrap_or(0);
        if best.values().all(|b| b.0 == top) {
            out.unresolved += 1;
            continue;
        }
        let legitimate: Vec<(Prefix, Asn)> =
            best.iter().filter(|(_, b)| b.0 == top).map(|(a, b)| (b.2, *a)).collect();
        for (s, is_own) in &group {
            let is_legit = legitimate.iter().any(|(_, a)| *a == s.origin);
            if !is_own || is_legit {
                continue;
            }
            if s.baseline {
                out.established += 1;
                continue;
            }
            let (score, why) = ctx.score(s, prefix);
            let kind = if legitimate.iter().any(|(p, _)| p == prefix) { "moas" } else { "submoas" };
            let mut tags: Vec<String> = vec![kind.to_string()];
            tags.extend(why.iter().map(|w| format!("suspect-{w}")));
            if let Some((_, b)) = best.iter().find(|(_, b)| b.0 == top) {
                tags.extend(b.1.iter().map(|w| format!("legitimate-{w}")));
            }
            let pruned = if ctx.rpki_valid(prefix, s.origin) {
                Some(Pruned::RpkiValid)
            } else if ctx.irr_registered(prefix, s.origin) {
                Some(Pruned::IrrRegistered)
            } else if legitimate
                .iter()
                .any(|(_, l)| ctx.orgs.get(l).is_some_and(|o| ctx.orgs.get(&s.origin) == Some(o)))
            {
                Some(Pruned::SameOrganisation)
            } else if legitimate.iter().any(|(_, l)| {
                matches!(
                    ctx.relationships.get(&(s.origin, *l)),
                    Some(Relationship::CustomerOf | Relationship::ProviderOf)
                )
            }) {
                Some(Pruned::CustomerOrProvider)
            } else if legitimate
                .iter()
                .any(|(_, l)| s.upstreams.contains(l) || s.first.path.contains(l))
            {
                Some(Pruned::LegitimateOnPath)
            } else if (s.peers.len() as u32) < ctx.min_peers {
                Some(Pruned::LowVisibility)
            } else {
                None
            };
            let seconds: i64 = s.intervals.iter().map(|(a, b)| b.map_or(3600, |b| b - a)).sum();
            let mut confidence = 0.4 + 0.1 * f64::from((top - score).min(3));
            if kind == "submoas" {
                confidence += 0.1;
            }
            if s.peers.len() >= 10 {
                confidence += 0.2;
                tags.push("widely-seen".into());
            }
            if seconds < 300 {
                confidence -= 0.2;
                tags.push("short-lived".into());
            }
            out.hijacks.push(Hijack {
                prefix: *prefix,
                origin: s.origin,
                kind,
                legitimate: legitimate.clone(),
                intervals: s.intervals.clone(),
                upstreams: s.upstreams.to_vec(),
                peers: s.peers.len() as u32,
                scores: (score, top),
                confidence: confidence.clamp(0.0, 1.0),
                tags,
                pruned,
                first: s.first.clone(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Prefix {
        s.parse().unwrap()
    }

    fn a(v: &[u32]) -> Vec<Asn> {
        v.iter().map(|x| Asn(*x)).collect()
    }

    /// The grouped open announcements give the same spans as a plain map
    /// of (peer, prefix) to (origin, start), on a long pseudo-random
    /// sequence of announcements and withdrawals (peers on both sides of
    /// the peer set's inline limit, several origins per prefix, repeated
    /// start times as in RIB dumps).
    #[test]
    fn timeline_matches_a_per_peer_reference() {
        let mut state = 0x5eed_u64;
        let mut next = |n: u64| {
            // SplitMix64.
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            (z ^ (z >> 31)) % n
        };
        let prefixes = [p("192.0.2.0/24"), p("198.51.100.0/24"), p("2001:db8::/32")];
        let mut ours = Timeline::new();
        let mut open: HashMap<(PeerId, Prefix), (Asn, i64)> = HashMap::new();
        type Intervals = Vec<(i64, Option<i64>)>;
        let mut closed: BTreeMap<(Prefix, Asn), Intervals> = BTreeMap::new();
        let mut peers: BTreeMap<(Prefix, Asn), BTreeSet<PeerId>> = BTreeMap::new();
        let mut time = 1_000;
        for i in 0..20_000 {
            // Time moves in steps of 0 (a RIB dump) or more, and goes back
            // now and then (the next file of another collector).
            time += i64::try_from(next(3)).unwrap() * 10;
            if i % 2_000 == 1_999 {
                time -= i64::try_from(next(5_000)).unwrap();
            }
            let peer = [0, 1, 2, 5, 63, 64, 127, 128, 129, 200, 4096][next(11) as usize];
            let prefix = prefixes[next(3) as usize];
            if next(4) == 0 {
                ours.withdraw(peer, prefix, time);
                if let Some((origin, start)) = open.remove(&(peer, prefix)) {
                    closed
                        .entry((prefix, origin))
                        .or_default()
                        .push((start, Some(time.max(start))));
                }
                continue;
            }
            let origin = Asn(64_500 + u32::try_from(next(4)).unwrap());
            ours.announce(peer, prefix, &[Asn(174), origin], time, false);
            peers.entry((prefix, origin)).or_default().insert(peer);
            match open.get(&(peer, prefix)) {
                Some((o, _)) if *o == origin => {}
                Some(&(o, start)) => {
                    closed.entry((prefix, o)).or_default().push((start, Some(time.max(start))));
                    open.insert((peer, prefix), (origin, time));
                }
                None => {
                    open.insert((peer, prefix), (origin, time));
                }
            }
        }
        for ((_, prefix), (origin, start)) in open {
            closed.entry((prefix, origin)).or_default().push((start, None));
        }
        let spans = ours.finish();
        assert_eq!(spans.len(), peers.len());
        for s in &spans {
            let want =
                merge_intervals(closed.get(&(s.prefix, s.origin)).cloned().unwrap_or_default());
            assert_eq!(s.intervals, want, "{} {}", s.prefix, s.origin);
            let seen: Vec<PeerId> = peers[&(s.prefix, s.origin)].iter().copied().collect();
            assert_eq!(s.peers.iter().collect::<Vec<_>>(), seen);
        }
        assert!(spans.iter().any(|s| s.intervals.len() > 3), "the sequence makes gaps");
    }

    #[test]
    fn timeline_closes_on_withdrawal_and_on_another_origin() {
        let mut t = Timeline::new();
        let q = p("192.0.2.0/24");
        t.announce(1, q, &a(&[3356, 64500]), 100, false);
        t.announce(1, q, &a(&[174, 64500]), 150, false); // same origin: same interval
        t.announce(2, q, &a(&[3356, 64500]), 120, false);
        t.withdraw(1, q, 200);
        t.announce(1, q, &a(&[3356, 64666]), 300, false); // new origin
        t.announce(1, q, &a(&[3356, 64500]), 400, false); // back: closes 64666 at 400
        t.withdraw(2, q, 500);
        t.announce(3, p("198.51.100.0/24"), &a(&[1, 64501]), 10, false);
        t.withdraw(3, p("198.51.100.0/24"), 20);
        t.announce(4, p("198.51.100.0/24"), &a(&[1, 64501]), 30, false);
        t.withdraw(4, p("198.51.100.0/24"), 40);
        let spans = t.finish();
        let gap = spans.iter().find(|s| s.prefix == p("198.51.100.0/24")).unwrap();
        assert_eq!(gap.intervals, vec![(10, Some(20)), (30, Some(40))]);
        let get = |o: u32| spans.iter().find(|s| s.origin == Asn(o)).unwrap();
        // Peer 2 carried it from 120 to 500, bridging peer 1's gap: one
        // interval, open at the end.
        assert_eq!(get(64500).intervals, vec![(100, None)]);
        assert_eq!(get(64500).upstreams, vec![Asn(174), Asn(3356)]);
        assert_eq!(get(64666).intervals, vec![(300, Some(400))]);
        assert_eq!(get(64666).first.path, a(&[3356, 64666]));
    }

    fn span(prefix: &str, origin: u32, baseline: bool, start: i64, end: Option<i64>) -> OriginSpan {
        OriginSpan {
            prefix: p(prefix),
            origin: Asn(origin),
            intervals: vec![(start, end)],
            peers: [1, 2, 3].into_iter().collect(),
            upstreams: [Asn(3491)].into_iter().collect(),
            baseline,
            first: Sighting { peer: 1, time: start, path: a(&[3491, origin]) },
        }
    }

    #[test]
    fn newcomer_more_specific_is_a_submoas_hijack_and_the_owner_is_not() {
        let spans = [
            span("208.65.152.0/22", 36561, true, 0, None),
            span("208.65.153.0/24", 17557, false, 1000, Some(8000)),
            span("208.65.153.0/25", 36561, false, 5000, None),
        ];
        let d = detect(&spans, &Context::default());
        assert_eq!(d.hijacks.len(), 1);
        let h = &d.hijacks[0];
        assert_eq!((h.prefix, h.origin, h.kind), (p("208.65.153.0/24"), Asn(17557), "submoas"));
        assert_eq!(h.legitimate, vec![(p("208.65.152.0/22"), Asn(36561))]);
        assert_eq!(h.upstreams, vec![Asn(3491)]);
        assert_eq!(h.pruned, None);
        assert_eq!(h.intervals, vec![(1000, Some(8000))]);
    }

    #[test]
    fn equal_evidence_blames_nobody_and_pruning_keeps_its_reason() {
        // Two baseline origins: a legitimate MOAS (anycast, multihoming).
        let spans = [span("10.0.0.0/8", 1, true, 0, None), span("10.0.0.0/8", 2, true, 0, None)];
        let d = detect(&spans, &Context::default());
        assert_eq!((d.hijacks.len(), d.unresolved, d.conflicts), (0, 1, 1));

        let spans =
            [span("10.0.0.0/8", 1, true, 0, None), span("10.1.0.0/16", 2, false, 5, Some(9))];
        let mut ctx = Context::default();
        ctx.relationships.insert((Asn(2), Asn(1)), Relationship::CustomerOf);
        let d = detect(&spans, &ctx);
        assert_eq!(d.hijacks[0].pruned, Some(Pruned::CustomerOrProvider));
        let mut ctx = Context::default();
        ctx.orgs.insert(Asn(1), "ORG-A".into());
        ctx.orgs.insert(Asn(2), "ORG-A".into());
        assert_eq!(detect(&spans, &ctx).hijacks[0].pruned, Some(Pruned::SameOrganisation));
        let vrps: VrpIndex =
            [manrs_types::Vrp { asn: Asn(2), prefix: p("10.1.0.0/16"), max_len: 16, ta: None }]
                .into_iter()
                .collect();
        let ctx = Context { vrps: Some(&vrps), ..Context::default() };
        let d = detect(&spans, &ctx);
        // RPKI-valid: it is pruned, and it also scores as high as the owner.
        assert!(d.hijacks.is_empty() || d.hijacks[0].pruned == Some(Pruned::RpkiValid));
        assert_eq!(d.pruned().values().sum::<u64>(), d.hijacks.len() as u64);
    }

    #[test]
    fn baseline_origins_and_default_routes_are_not_suspects() {
        let mut ctx = Context::default();
        ctx.asn_registry.insert(Asn(2), "ARIN".into());
        ctx.prefix_registry.push((p("10.0.0.0/8"), "ARIN".into()));
        // Both in the baseline: origin 1 scores lower but stands.
        let spans = [span("10.0.0.0/8", 1, true, 0, None), span("10.0.0.0/8", 2, true, 0, None)];
        let d = detect(&spans, &ctx);
        assert_eq!((d.hijacks.len(), d.established), (0, 1));
        // A default route covers everything but conflicts with nothing.
        let spans = [span("0.0.0.0/0", 1, false, 0, None), span("10.0.0.0/8", 2, false, 0, None)];
        assert_eq!(detect(&spans, &ctx).conflicts, 0);
    }

    #[test]
    fn registry_affinity_separates_origins_without_a_baseline() {
        let spans = [
            span("208.65.153.0/24", 17557, false, 1000, Some(8000)),
            span("208.65.153.0/24", 36561, false, 7000, None),
        ];
        let mut ctx = Context::default();
        ctx.asn_registry.insert(Asn(17557), "APNIC".into());
        ctx.asn_registry.insert(Asn(36561), "ARIN".into());
        ctx.prefix_registry.push((p("208.0.0.0/8"), "ARIN".into()));
        let d = detect(&spans, &ctx);
        assert_eq!(d.hijacks.len(), 1);
        assert_eq!((d.hijacks[0].origin, d.hijacks[0].kind), (Asn(17557), "moas"));
        assert!(d.hijacks[0].tags.contains(&"legitimate-same-rir-as-space".to_string()));
    }
}
