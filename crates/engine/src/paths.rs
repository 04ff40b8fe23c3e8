//! The distinct AS paths of a period (prepending removed) of each address
//! family, each with where and when it was first seen: the input of
//! route-leak detection (RFC 7908, manrs-spec §2.4 M1) and of relationship
//! inference, which judge and infer each family apart. A path seen with
//! IPv4 and IPv6 routes is kept twice.
//!
//! A full-table RIB holds millions of distinct paths (docs/performance.md),
//! so each is stored once: the [`SeenPath`]s live in one vector in the
//! order they were first seen and a hash table of their indexes finds a
//! path by its ASes, without a second copy of the path as a key and
//! without allocating for a path already seen.

use std::hash::{BuildHasher, RandomState};

use hashbrown::HashTable;
use manrs_types::{Asn, Prefix};

use crate::leaks::SeenPath;
use crate::snapshot::PeerId;

/// The distinct paths collected so far; see the module documentation.
#[derive(Debug, Default)]
pub struct PathSet {
    paths: Vec<SeenPath>,
    index: HashTable<u32>,
    hasher: RandomState,
}

impl PathSet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records one announcement or RIB entry with `path` (prepending
    /// already removed) for `prefix`, seen by `peer` at `time`, carrying
    /// the RFC 9234 Only-to-Customer attribute `otc` if any.
    pub fn see(&mut self, path: &[Asn], prefix: Prefix, peer: PeerId, time: i64, otc: Option<Asn>) {
        let hash = self.hasher.hash_one(path);
        let (paths, v4) = (&self.paths, prefix.is_ipv4());
        let same = |i: &u32| {
            let p = &paths[*i as usize];
            p.path == path && p.prefix.is_ipv4() == v4
        };
        if let Some(&i) = self.index.find(hash, same) {
            let p = &mut self.paths[i as usize];
            p.first = p.first.min(time);
            p.last = p.last.max(time);
            p.count += 1;
            if p.otc.is_none() {
                p.otc = otc;
            }
            return;
        }
        // Indexes are u32: more than 4 G distinct paths would not fit in
        // memory anyway (each costs tens of bytes).
        let Ok(i) = u32::try_from(self.paths.len()) else { return };
        self.paths.push(SeenPath {
            path: path.to_vec(),
            prefix,
            peer,
            first: time,
            last: time,
            count: 1,
            otc,
        });
        let (paths, hasher) = (&self.paths, &self.hasher);
        self.index.insert_unique(hash, i, |&j| hasher.hash_one(paths[j as usize].path.as_slice()));
    }

    /// How many distinct paths.
    pub fn len(&self) -> usize {
        self.paths.len()
    }

    /// Whether no path was seen.
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }

    /// The paths, sorted by their ASes (IPv4 first of a path seen in both
    /// families).
    pub fn into_sorted(self) -> Vec<SeenPath> {
        let PathSet { mut paths, index, .. } = self;
        drop(index);
        paths.sort_unstable_by(|a, b| {
            a.path.cmp(&b.path).then(b.prefix.is_ipv4().cmp(&a.prefix.is_ipv4()))
        });
        paths
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(v: &[u32]) -> Vec<Asn> {
        v.iter().map(|x| Asn(*x)).collect()
    }

    #[test]
    fn keeps_each_path_once_with_its_first_sighting() {
        let q: Prefix = "192.0.2.0/24".parse().unwrap();
        let r: Prefix = "198.51.100.0/24".parse().unwrap();
        let mut set = PathSet::new();
        set.see(&a(&[3356, 64500]), q, 1, 200, None);
        set.see(&a(&[174, 64500]), q, 2, 100, None);
        set.see(&a(&[3356, 64500]), r, 3, 50, Some(Asn(3356)));
        set.see(&a(&[3356, 64500]), r, 4, 300, Some(Asn(174)));
        // Many distinct paths, so that the table grows and rehashes.
        for i in 0..10_000 {
            set.see(&a(&[6939, 65_000 + i]), q, 5, 10, None);
        }
        assert_eq!(set.len(), 10_002);
        let paths = set.into_sorted();
        assert!(paths.windows(2).all(|w| w[0].path < w[1].path));
        let p = paths.iter().find(|p| p.path == a(&[3356, 64500])).unwrap();
        // The first announcement that carried it names prefix and peer; its
        // time range spans all, the first OTC seen is kept.
        assert_eq!((p.prefix, p.peer, p.first, p.last, p.count), (q, 1, 50, 300, 3));
        assert_eq!(p.otc, Some(Asn(3356)));
        assert_eq!(paths.iter().filter(|p| p.path[0] == Asn(6939)).count(), 10_000);
        // The same path with IPv6 routes is another.
        let mut set = PathSet::new();
        let v6: Prefix = "2001:db8::/32".parse().unwrap();
        set.see(&a(&[3356, 64500]), v6, 1, 200, None);
        set.see(&a(&[3356, 64500]), q, 2, 100, None);
        set.see(&a(&[3356, 64500]), v6, 3, 300, None);
        let paths = set.into_sorted();
        let seen: Vec<_> = paths.iter().map(|p| (p.prefix, p.peer, p.count)).collect();
        assert_eq!(seen, [(q, 2, 1), (v6, 1, 2)]);
    }
}
