//! The routing snapshot of one period: every (prefix, origin AS) announced
//! at any time in the month (manrs-spec §2.2: "a prefix announced even
//! briefly during the month counts for the whole month"), with when it was
//! first and last seen, how many peers and collectors saw it, and the
//! upstream ASes next to the origin.
//!
//! The origin of a route is the last AS of its AS_PATH (RFC 4271 §5.1.2,
//! RFC 6811 §2). A path ending in an AS_SET has no single origin: by
//! [`AsSetPolicy`] such a route is counted and left out (default) or
//! attributed to every member of the set. The upstream is the nearest AS
//! before the origin that is not the origin itself (prepending skipped); it
//! is unknown when that position is an AS_SET.
//!
//! Builders are mergeable: shards of a period (collectors, days, files) can
//! be read apart and [`SnapshotBuilder::merge`]d, with the same result as
//! reading everything in one builder. The visibility threshold
//! ([`Settings::min_peers`]) is applied only at [`SnapshotBuilder::finish`],
//! after merging.

use std::collections::{BTreeSet, HashMap};
use std::net::IpAddr;

use serde::Serialize;

use manrs_types::{Asn, Month, Prefix};

use crate::peerset::PeerSet;
use crate::settings::{AsSetPolicy, Settings};

/// Index of a peer in a builder's peer table.
pub type PeerId = u32;

/// A BGP peer of a route collector (or a prefix-origin list, which counts as
/// one peer with an unspecified address and AS 0).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Peer {
    /// The collector (`route-views2`, `rrc00`, a list name).
    pub collector: String,
    /// The peer's address.
    pub ip: IpAddr,
    /// The peer's AS.
    pub asn: Asn,
}

/// One segment of an AS_PATH (RFC 4271 §4.3; confederation segments,
/// RFC 5065, are left out by the caller).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Segment<'a> {
    /// AS_SEQUENCE.
    Sequence(&'a [Asn]),
    /// AS_SET.
    Set(&'a [Asn]),
}

/// The origin of a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin<'a> {
    /// The last AS of a path ending in an AS_SEQUENCE.
    Single(Asn),
    /// The members of a final AS_SET.
    Set(&'a [Asn]),
}

/// The origin and the upstream AS next to it, of a path given as segments.
/// `None` origin: the path is empty.
pub fn path_origin<'a>(segments: &[Segment<'a>]) -> (Option<Origin<'a>>, Option<Asn>) {
    let mut flat: Vec<Option<Asn>> = Vec::new();
    let origin = match segments.last() {
        None => return (None, None),
        Some(Segment::Set([])) => return (None, None),
        Some(Segment::Set(set)) => Origin::Set(set),
        Some(Segment::Sequence(seq)) => match seq.last() {
            Some(a) => Origin::Single(*a),
            None => return (None, None),
        },
    };
    // Walk backwards from the origin, skipping its prepends.
    for seg in segments.iter().rev() {
        match seg {
            Segment::Sequence(seq) => flat.extend(seq.iter().rev().map(|a| Some(*a))),
            Segment::Set(_) => flat.push(None),
        }
    }
    let upstream = match origin {
        Origin::Single(o) => flat.into_iter().find(|a| *a != Some(o)).flatten(),
        Origin::Set(_) => flat.into_iter().nth(1).flatten(),
    };
    (Some(origin), upstream)
}

/// The key of a snapshot route.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct RouteKey {
    prefix: Prefix,
    origin: Asn,
    as_set: bool,
}

#[derive(Clone, Debug, Default)]
struct Acc {
    first: Option<i64>,
    last: Option<i64>,
    peers: PeerSet,
    upstreams: Vec<Asn>,
}

fn insert_sorted<T: Ord + Copy>(v: &mut Vec<T>, x: T) {
    if let Err(i) = v.binary_search(&x) {
        v.insert(i, x);
    }
}

impl Acc {
    fn see(&mut self, time: Option<i64>, peer: PeerId, upstream: Option<Asn>) {
        if let Some(t) = time {
            self.first = Some(self.first.map_or(t, |f| f.min(t)));
            self.last = Some(self.last.map_or(t, |l| l.max(t)));
        }
        self.peers.insert(peer);
        if let Some(u) = upstream {
            insert_sorted(&mut self.upstreams, u);
        }
    }
}

/// What the builder saw and what it left out, so nothing is dropped
/// silently.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotStats {
    /// Announcements and RIB entries given to the builder.
    pub observations: u64,
    /// Of those, with a path ending in an AS_SET.
    pub as_set_observations: u64,
    /// Of those, left out by [`AsSetPolicy::Skip`].
    pub as_set_skipped: u64,
    /// Observations without an origin (empty AS_PATH: routes of the
    /// collector's own AS, RFC 4271 §5.1.2).
    pub empty_path: u64,
    /// Observations timed outside the period, left out.
    pub outside_period: u64,
    /// Distinct routes seen by fewer than `min_peers` peers, left out.
    pub below_min_peers: u64,
    /// Routes in the snapshot.
    pub routes: u64,
    /// Distinct origin ASes in the snapshot.
    pub origins: u64,
    /// Distinct prefixes in the snapshot.
    pub prefixes: u64,
    /// Peers that contributed.
    pub peers: u64,
}

impl SnapshotStats {
    /// Adds what another shard's builder counted while it read (its
    /// observations and what it left out of them); the counts of finished
    /// routes, origins, prefixes and peers are not added.
    pub fn add_observations(&mut self, other: &SnapshotStats) {
        self.observations += other.observations;
        self.as_set_observations += other.as_set_observations;
        self.as_set_skipped += other.as_set_skipped;
        self.empty_path += other.empty_path;
        self.outside_period += other.outside_period;
    }
}

/// Collects the observations of one period (or a shard of it).
#[derive(Clone, Debug)]
pub struct SnapshotBuilder {
    month: Month,
    settings: Settings,
    peers: Vec<Peer>,
    peer_ids: HashMap<Peer, PeerId>,
    routes: HashMap<RouteKey, Acc>,
    stats: SnapshotStats,
}

/// A route of the snapshot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotRoute {
    /// The announced prefix.
    pub prefix: Prefix,
    /// The origin AS.
    pub origin: Asn,
    /// Whether the origin is a member of a final AS_SET
    /// ([`AsSetPolicy::Each`]).
    pub as_set: bool,
    /// First observation (Unix seconds); `None` when only undated lists
    /// (prefix-origin files) had it.
    pub first_seen: Option<i64>,
    /// Last observation (Unix seconds).
    pub last_seen: Option<i64>,
    /// Distinct peers that saw it.
    pub peers: u32,
    /// Distinct collectors that saw it.
    pub collectors: u32,
    /// The upstream ASes seen next to the origin, sorted.
    pub upstreams: Vec<Asn>,
}

/// The routing snapshot of a period.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    /// The routes, in prefix then origin order.
    pub routes: Vec<SnapshotRoute>,
    /// The peers that contributed.
    pub peers: Vec<Peer>,
    /// Counts of what was seen and left out.
    pub stats: SnapshotStats,
}

impl SnapshotBuilder {
    /// A builder for `month` with `settings`.
    pub fn new(month: Month, settings: &Settings) -> Self {
        SnapshotBuilder {
            month,
            settings: settings.clone(),
            peers: Vec::new(),
            peer_ids: HashMap::new(),
            routes: HashMap::new(),
            stats: SnapshotStats::default(),
        }
    }

    /// The id of a peer, added on first use.
    pub fn peer(&mut self, collector: &str, ip: IpAddr, asn: Asn) -> PeerId {
        let key = Peer { collector: collector.to_string(), ip, asn };
        if let Some(id) = self.peer_ids.get(&key) {
            return *id;
        }
        let id = self.peers.len() as PeerId;
        self.peers.push(key.clone());
        self.peer_ids.insert(key, id);
        id
    }

    /// Records one announcement or RIB entry of `prefix` with the AS path
    /// `segments`, seen by `peer` at `time` (`None` for undated lists).
    pub fn observe_path(
        &mut self,
        prefix: Prefix,
        segments: &[Segment<'_>],
        peer: PeerId,
        time: Option<i64>,
    ) {
        let (origin, upstream) = path_origin(segments);
        match origin {
            Some(origin) => self.observe(prefix, origin, upstream, peer, time),
            None => {
                self.stats.observations += 1;
                self.stats.empty_path += 1;
            }
        }
    }

    /// Records one observation whose origin is already known.
    pub fn observe(
        &mut self,
        prefix: Prefix,
        origin: Origin<'_>,
        upstream: Option<Asn>,
        peer: PeerId,
        time: Option<i64>,
    ) {
        self.stats.observations += 1;
        if let Some(t) = time
            && (t < self.month.start() || t >= self.month.end())
        {
            self.stats.outside_period += 1;
            return;
        }
        match origin {
            Origin::Single(origin) => {
                let key = RouteKey { prefix, origin, as_set: false };
                self.routes.entry(key).or_default().see(time, peer, upstream);
            }
            Origin::Set(set) => {
                self.stats.as_set_observations += 1;
                match self.settings.as_set_origins {
                    AsSetPolicy::Skip => self.stats.as_set_skipped += 1,
                    AsSetPolicy::Each => {
                        let members: BTreeSet<Asn> = set.iter().copied().collect();
                        for origin in members {
                            let key = RouteKey { prefix, origin, as_set: true };
                            self.routes.entry(key).or_default().see(time, peer, upstream);
                        }
                    }
                }
            }
        }
    }

    /// Distinct routes collected so far (before the visibility threshold).
    pub fn len(&self) -> usize {
        self.routes.len()
    }

    /// Whether nothing was collected.
    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }

    /// Adds the observations of another shard of the same period.
    pub fn merge(&mut self, other: SnapshotBuilder) {
        let remap: Vec<PeerId> =
            other.peers.iter().map(|p| self.peer(&p.collector, p.ip, p.asn)).collect();
        self.stats.add_observations(&other.stats);
        for (key, acc) in other.routes {
            let mine = self.routes.entry(key).or_default();
            if let Some(f) = acc.first {
                mine.first = Some(mine.first.map_or(f, |m| m.min(f)));
            }
            if let Some(l) = acc.last {
                mine.last = Some(mine.last.map_or(l, |m| m.max(l)));
            }
            for p in acc.peers.iter() {
                mine.peers.insert(remap[p as usize]);
            }
            for u in acc.upstreams {
                insert_sorted(&mut mine.upstreams, u);
            }
        }
    }

    /// The peer table: a [`PeerId`] is an index into it. (The finished
    /// snapshot lists only the peers that contributed a route.)
    pub fn peers(&self) -> &[Peer] {
        &self.peers
    }

    /// Applies the visibility threshold and sorts the routes.
    pub fn finish(self) -> Snapshot {
        let mut stats = self.stats;
        let min_peers = self.settings.min_peers.max(1) as usize;
        let mut routes = Vec::with_capacity(self.routes.len());
        let mut used = vec![false; self.peers.len()];
        for (key, acc) in self.routes {
            if acc.peers.len() < min_peers {
                stats.below_min_peers += 1;
                continue;
            }
            let mut collectors: Vec<&str> = Vec::new();
            for p in acc.peers.iter() {
                used[p as usize] = true;
                let c = self.peers[p as usize].collector.as_str();
                if !collectors.contains(&c) {
                    collectors.push(c);
                }
            }
            routes.push(SnapshotRoute {
                prefix: key.prefix,
                origin: key.origin,
                as_set: key.as_set,
                first_seen: acc.first,
                last_seen: acc.last,
                peers: acc.peers.len() as u32,
                collectors: collectors.len() as u32,
                upstreams: acc.upstreams,
            });
        }
        routes.sort_unstable_by(|a, b| {
            (a.prefix, a.origin, a.as_set).cmp(&(b.prefix, b.origin, b.as_set))
        });
        stats.routes = routes.len() as u64;
        stats.origins = routes.iter().map(|r| r.origin).collect::<BTreeSet<_>>().len() as u64;
        stats.prefixes = routes.iter().map(|r| r.prefix).collect::<BTreeSet<_>>().len() as u64;
        let peers: Vec<Peer> =
            self.peers.into_iter().zip(used).filter_map(|(p, u)| u.then_some(p)).collect();
        stats.peers = peers.len() as u64;
        Snapshot { routes, peers, stats }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(v: &[u32]) -> Vec<Asn> {
        v.iter().map(|x| Asn(*x)).collect()
    }

    fn p(s: &str) -> Prefix {
        s.parse().unwrap()
    }

    fn month() -> Month {
        "2026-02".parse().unwrap()
    }

    const T0: i64 = 1_771_774_200; // 2026-02-22 15:30:00 UTC

    #[test]
    fn origin_and_upstream_skip_prepends() {
        let seq = a(&[3356, 174, 64500, 64500, 64500]);
        let (o, u) = path_origin(&[Segment::Sequence(&seq)]);
        assert_eq!(o, Some(Origin::Single(Asn(64500))));
        assert_eq!(u, Some(Asn(174)));
        // Only the origin, prepended: no upstream.
        let seq = a(&[64500, 64500]);
        assert_eq!(path_origin(&[Segment::Sequence(&seq)]).1, None);
        // Upstream inside a set is unknown.
        let (s1, s2) = (a(&[1, 2]), a(&[64500]));
        let (o, u) = path_origin(&[Segment::Set(&s1), Segment::Sequence(&s2)]);
        assert_eq!((o, u), (Some(Origin::Single(Asn(64500))), None));
        // Final AS_SET: the origin is the set, the upstream the AS before it.
        let (seq, set) = (a(&[3356, 64496]), a(&[64510, 64511]));
        let (o, u) = path_origin(&[Segment::Sequence(&seq), Segment::Set(&set)]);
        assert_eq!(o, Some(Origin::Set(&set)));
        assert_eq!(u, Some(Asn(64496)));
        assert_eq!(path_origin(&[]), (None, None));
    }

    #[test]
    fn routes_accumulate_times_peers_collectors_and_upstreams() {
        let mut b = SnapshotBuilder::new(month(), &Settings::default());
        let rv = b.peer("route-views2", "192.0.2.1".parse().unwrap(), Asn(3356));
        let rv2 = b.peer("route-views2", "192.0.2.2".parse().unwrap(), Asn(174));
        let ris = b.peer("rrc00", "192.0.2.1".parse().unwrap(), Asn(3356));
        let path1 = a(&[3356, 1299, 64500]);
        let path2 = a(&[174, 64500, 64500]);
        b.observe_path(p("198.51.100.0/24"), &[Segment::Sequence(&path1)], rv, Some(T0 + 60));
        b.observe_path(p("198.51.100.0/24"), &[Segment::Sequence(&path2)], rv2, Some(T0));
        b.observe_path(p("198.51.100.0/24"), &[Segment::Sequence(&path1)], ris, Some(T0 + 900));
        b.observe_path(p("198.51.100.0/24"), &[Segment::Sequence(&path1)], rv, Some(T0 + 30));
        let s = b.finish();
        assert_eq!(s.routes.len(), 1);
        let r = &s.routes[0];
        assert_eq!((r.first_seen, r.last_seen), (Some(T0), Some(T0 + 900)));
        assert_eq!((r.peers, r.collectors), (3, 2));
        assert_eq!(r.upstreams, a(&[174, 1299]));
        assert_eq!(s.stats.observations, 4);
        assert_eq!(s.stats.peers, 3);
    }

    #[test]
    fn thresholds_periods_empty_paths_and_as_sets_are_counted() {
        let settings = Settings { min_peers: 2, ..Settings::default() };
        let mut b = SnapshotBuilder::new(month(), &settings);
        let p1 = b.peer("c", "192.0.2.1".parse().unwrap(), Asn(1));
        let p2 = b.peer("c", "192.0.2.2".parse().unwrap(), Asn(2));
        let seq = a(&[1, 64500]);
        let (lead, set) = (a(&[1]), a(&[64510, 64511, 64510]));
        let path = [Segment::Sequence(&seq)];
        b.observe_path(p("10.0.0.0/8"), &path, p1, Some(T0));
        b.observe_path(p("10.0.0.0/8"), &path, p2, Some(T0));
        b.observe_path(p("11.0.0.0/8"), &path, p1, Some(T0)); // one peer only
        b.observe_path(p("12.0.0.0/8"), &path, p1, Some(month().end())); // next month
        b.observe_path(p("13.0.0.0/8"), &[], p1, Some(T0));
        b.observe_path(p("14.0.0.0/8"), &[Segment::Sequence(&lead), Segment::Set(&set)], p1, None);
        let s = b.clone().finish();
        assert_eq!(s.routes.iter().map(|r| r.prefix).collect::<Vec<_>>(), vec![p("10.0.0.0/8")]);
        let st = &s.stats;
        assert_eq!(st.observations, 6);
        assert_eq!((st.below_min_peers, st.outside_period, st.empty_path), (1, 1, 1));
        assert_eq!((st.as_set_observations, st.as_set_skipped), (1, 1));

        // AS_SET members each get the route under the "each" policy.
        let settings = Settings { as_set_origins: AsSetPolicy::Each, ..Settings::default() };
        let mut b = SnapshotBuilder::new(month(), &settings);
        let p1 = b.peer("c", "192.0.2.1".parse().unwrap(), Asn(1));
        b.observe_path(p("14.0.0.0/8"), &[Segment::Sequence(&lead), Segment::Set(&set)], p1, None);
        let s = b.finish();
        let got: Vec<_> =
            s.routes.iter().map(|r| (r.origin, r.as_set, r.upstreams.clone())).collect();
        assert_eq!(got, vec![(Asn(64510), true, a(&[1])), (Asn(64511), true, a(&[1]))]);
        assert_eq!(s.routes[0].first_seen, None);
    }

    #[test]
    fn merged_shards_equal_one_builder() {
        type Obs<'a> = (&'a str, &'a str, u32, &'a str, Vec<Asn>, i64);
        let obs: Vec<Obs<'_>> = vec![
            ("rv2", "192.0.2.1", 3356, "10.0.0.0/8", a(&[3356, 64500]), T0 + 5),
            ("rv2", "192.0.2.2", 174, "10.0.0.0/8", a(&[174, 64501, 64500]), T0),
            ("rrc00", "192.0.2.1", 3356, "10.0.0.0/8", a(&[3356, 64500]), T0 + 99),
            ("rrc00", "2001:db8::1", 6939, "2001:db8::/32", a(&[6939, 64502]), T0 + 7),
            ("rv2", "192.0.2.2", 174, "11.0.0.0/8", a(&[174, 64502]), T0 + 3),
        ];
        let feed = |b: &mut SnapshotBuilder, o: &Obs<'_>| {
            let peer = b.peer(o.0, o.1.parse().unwrap(), Asn(o.2));
            b.observe_path(p(o.3), &[Segment::Sequence(&o.4)], peer, Some(o.5));
        };
        let mut whole = SnapshotBuilder::new(month(), &Settings::default());
        obs.iter().for_each(|o| feed(&mut whole, o));
        let mut left = SnapshotBuilder::new(month(), &Settings::default());
        let mut right = SnapshotBuilder::new(month(), &Settings::default());
        for (i, o) in obs.iter().enumerate() {
            feed(if i % 2 == 0 { &mut right } else { &mut left }, o);
        }
        left.merge(right);
        let (w, m) = (whole.finish(), left.finish());
        assert_eq!(w.routes, m.routes);
        assert_eq!(w.stats, m.stats);
        assert_eq!(w.routes[0].upstreams, a(&[3356, 64501]));
        assert_eq!(w.routes[0].collectors, 2);
    }
}
