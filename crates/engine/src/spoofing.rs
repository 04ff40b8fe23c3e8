//! MANRS Action 2 (anti-spoofing), metric M5 (manrs-spec §2.4, §7.2): per
//! AS, the number of distinct client prefixes from which a CAIDA Spoofer
//! session of the period got a spoofed packet through (`privatespoof` or
//! `routedspoof` = `received`, IPv4 results for the session's IPv4 AS and
//! prefix, IPv6 results for its IPv6 ones).
//!
//! A network with no session in the period has no M5 at all ("no data",
//! never 100 %): [`SpoofCounts`] exist only for ASes that were tested. A
//! `rewritten` result (a NAT changed the source) is not a pass-through and
//! does not count. The counts are sets and add up across shards.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use manrs_types::{Asn, Prefix};

/// One address family's result of one Spoofer session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpoofTest {
    /// The session number.
    pub session: u64,
    /// The client's origin AS for this family.
    pub asn: Asn,
    /// The client's (anonymised) prefix; `None` when not given.
    pub client: Option<Prefix>,
    /// Whether any test of this family got a spoofed packet through.
    pub spoofed: bool,
}

/// The Spoofer results of one AS in a period.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SpoofCounts {
    /// Sessions that tested the AS.
    pub sessions: BTreeSet<u64>,
    /// Client prefixes that leaked spoofed packets: the raw M5 is their
    /// number.
    pub spoofed_prefixes: BTreeSet<Prefix>,
    /// Sessions that leaked spoofed packets without a client prefix (they
    /// count one each, as a prefix of their own).
    pub spoofed_without_prefix: BTreeSet<u64>,
}

impl SpoofCounts {
    /// Raw M5: distinct spoofing client prefixes.
    pub fn raw(&self) -> u64 {
        (self.spoofed_prefixes.len() + self.spoofed_without_prefix.len()) as u64
    }

    /// Adds another shard's results.
    pub fn merge(&mut self, o: &SpoofCounts) {
        self.sessions.extend(o.sessions.iter().copied());
        self.spoofed_prefixes.extend(o.spoofed_prefixes.iter().copied());
        self.spoofed_without_prefix.extend(o.spoofed_without_prefix.iter().copied());
    }
}

/// The Spoofer results of a period, per tested AS.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SpoofIndex {
    by_asn: BTreeMap<Asn, SpoofCounts>,
}

impl SpoofIndex {
    /// An empty index.
    pub fn new() -> Self {
        SpoofIndex::default()
    }

    /// Adds one family's result of a session.
    pub fn add(&mut self, t: &SpoofTest) {
        let c = self.by_asn.entry(t.asn).or_default();
        c.sessions.insert(t.session);
        if t.spoofed {
            match t.client {
                Some(p) => {
                    c.spoofed_prefixes.insert(p);
                }
                None => {
                    c.spoofed_without_prefix.insert(t.session);
                }
            }
        }
    }

    /// Adds another shard's index.
    pub fn merge(&mut self, o: &SpoofIndex) {
        for (asn, c) in &o.by_asn {
            self.by_asn.entry(*asn).or_default().merge(c);
        }
    }

    /// The results of `asn`; `None` when no session tested it.
    pub fn get(&self, asn: Asn) -> Option<&SpoofCounts> {
        self.by_asn.get(&asn)
    }

    /// Tested ASes.
    pub fn len(&self) -> usize {
        self.by_asn.len()
    }

    /// Whether no AS was tested.
    pub fn is_empty(&self) -> bool {
        self.by_asn.is_empty()
    }

    /// Every tested AS with its results.
    pub fn iter(&self) -> impl Iterator<Item = (Asn, &SpoofCounts)> {
        self.by_asn.iter().map(|(a, c)| (*a, c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(session: u64, asn: u32, client: Option<&str>, spoofed: bool) -> SpoofTest {
        SpoofTest { session, asn: Asn(asn), client: client.map(|c| c.parse().unwrap()), spoofed }
    }

    #[test]
    fn m5_counts_distinct_spoofing_prefixes_per_as() {
        let mut i = SpoofIndex::new();
        i.add(&t(1, 64500, Some("192.0.2.0/24"), true));
        i.add(&t(2, 64500, Some("192.0.2.0/24"), true)); // same prefix again
        i.add(&t(3, 64500, Some("198.51.100.0/24"), false)); // blocked
        i.add(&t(4, 64500, Some("203.0.113.0/24"), true));
        i.add(&t(5, 64500, None, true)); // no prefix: counts on its own
        i.add(&t(6, 64501, Some("2001:db8::/40"), false));
        let a = i.get(Asn(64500)).unwrap();
        assert_eq!(a.sessions.len(), 5);
        assert_eq!(a.raw(), 3);
        let b = i.get(Asn(64501)).unwrap();
        assert_eq!((b.sessions.len(), b.raw()), (1, 0));
        assert!(i.get(Asn(64502)).is_none(), "untested means no data");
    }

    #[test]
    fn shards_merge_to_the_whole() {
        let tests = [
            t(1, 64500, Some("192.0.2.0/24"), true),
            t(2, 64500, Some("192.0.2.0/24"), true),
            t(3, 64501, Some("198.51.100.0/24"), true),
        ];
        let mut whole = SpoofIndex::new();
        tests.iter().for_each(|x| whole.add(x));
        let (mut a, mut b) = (SpoofIndex::new(), SpoofIndex::new());
        a.add(&tests[0]);
        b.add(&tests[1]);
        b.add(&tests[2]);
        a.merge(&b);
        assert_eq!(a, whole);
    }
}
