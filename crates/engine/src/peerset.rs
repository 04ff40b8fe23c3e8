//! A compact set of peers, for the per-route and per-(prefix, origin)
//! accumulators of a period.
//!
//! A full-table RIB gives every route tens of peers, and a period keeps one
//! peer set per route (the snapshot) and up to two per (prefix, origin) (the
//! announcement timeline of the hijack detector, manrs-spec §2.8): 1.37 M
//! routes with ordered sets or sorted vectors cost hundreds of megabytes of
//! small heap blocks (docs/performance.md). Peer ids are dense indexes into
//! the builder's peer table, and one or two collectors give fewer than 128
//! peers, so the first 128 ids are bits of one inline word; only larger ids
//! (many collectors) go to a sorted vector on the heap.

use serde::{Serialize, Serializer};

use crate::snapshot::PeerId;

/// Ids below this are kept as bits.
const INLINE: PeerId = 128;

/// A set of [`PeerId`]s; see the module documentation.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct PeerSet {
    low: u128,
    high: Vec<PeerId>,
}

impl PeerSet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `peer`; returns whether it was new.
    pub fn insert(&mut self, peer: PeerId) -> bool {
        if peer < INLINE {
            let bit = 1u128 << peer;
            let new = self.low & bit == 0;
            self.low |= bit;
            new
        } else {
            match self.high.binary_search(&peer) {
                Ok(_) => false,
                Err(i) => {
                    self.high.insert(i, peer);
                    true
                }
            }
        }
    }

    /// Removes `peer`; returns whether it was there.
    pub fn remove(&mut self, peer: PeerId) -> bool {
        if peer < INLINE {
            let bit = 1u128 << peer;
            let had = self.low & bit != 0;
            self.low &= !bit;
            had
        } else {
            match self.high.binary_search(&peer) {
                Ok(i) => {
                    self.high.remove(i);
                    true
                }
                Err(_) => false,
            }
        }
    }

    /// Whether `peer` is in the set.
    pub fn contains(&self, peer: PeerId) -> bool {
        if peer < INLINE {
            self.low & (1u128 << peer) != 0
        } else {
            self.high.binary_search(&peer).is_ok()
        }
    }

    /// How many peers.
    pub fn len(&self) -> usize {
        self.low.count_ones() as usize + self.high.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.low == 0 && self.high.is_empty()
    }

    /// The peers in increasing order.
    pub fn iter(&self) -> impl Iterator<Item = PeerId> + '_ {
        let mut low = self.low;
        std::iter::from_fn(move || {
            (low != 0).then(|| {
                let p = low.trailing_zeros();
                low &= low - 1;
                p
            })
        })
        .chain(self.high.iter().copied())
    }
}

impl FromIterator<PeerId> for PeerSet {
    fn from_iter<I: IntoIterator<Item = PeerId>>(iter: I) -> Self {
        let mut s = PeerSet::new();
        for p in iter {
            s.insert(p);
        }
        s
    }
}

impl Serialize for PeerSet {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn behaves_like_an_ordered_set() {
        // Ids on both sides of the inline limit, repeated and removed.
        let ops: &[(bool, PeerId)] = &[
            (true, 3),
            (true, 127),
            (true, 128),
            (true, 5000),
            (true, 3),
            (true, 0),
            (false, 127),
            (true, 129),
            (false, 5000),
            (false, 77),
            (true, 64),
            (true, 4_000_000_000),
        ];
        let mut ours = PeerSet::new();
        let mut reference = BTreeSet::new();
        for &(add, p) in ops {
            if add {
                assert_eq!(ours.insert(p), reference.insert(p), "insert {p}");
            } else {
                assert_eq!(ours.remove(p), reference.remove(&p), "remove {p}");
            }
            assert_eq!(ours.len(), reference.len());
            assert_eq!(
                ours.iter().collect::<Vec<_>>(),
                reference.iter().copied().collect::<Vec<_>>()
            );
            for q in [0, 3, 64, 127, 128, 129, 5000, 4_000_000_000] {
                assert_eq!(ours.contains(q), reference.contains(&q), "contains {q}");
            }
        }
        assert!(!ours.is_empty());
        let json = serde_json::to_string(&ours).unwrap();
        assert_eq!(json, "[0,3,64,128,129,4000000000]");
        for p in reference {
            ours.remove(p);
        }
        assert!(ours.is_empty());
    }
}
