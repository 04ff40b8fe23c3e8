//! MANRS Action 3 (coordination), metric M8 (manrs-spec §2.4): whether a
//! network publishes contact information, and which source gave it.
//!
//! Sources: RIR/IRR `aut-num` objects (`admin-c`, `tech-c`; RFC 2622 §6),
//! RDAP autnum answers (RFC 9083; ARIN's and LACNIC's contacts, their
//! `technical`/`administrative`/`noc` roles mapped to `tech-c`/`admin-c`/
//! `NOC` by the pipeline) and PeeringDB network contacts (`poc`: `NOC`,
//! `Technical`, `Policy`...). Which roles
//! count is the profile's choice ([`crate::Profile::contact_roles`]);
//! abuse-only contacts never count.
//!
//! A network that appears in no loaded contact source has no M8 ("no
//! data"): the absence of a record in data we did not load says nothing.
//! A network that has a record (an aut-num object, a PeeringDB network)
//! whose contacts are all of roles that do not count has M8 = 0. The book
//! is a set of findings and merges across shards.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use manrs_types::Asn;

/// One contact found for a network.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    /// Where it was found: an IRR source (`RIPE`, `RIPE-NONAUTH`, `ARIN`...)
    /// or `PeeringDB`.
    pub source: String,
    /// The role: `admin-c`, `tech-c`, or a PeeringDB role (`NOC`...).
    pub role: String,
    /// The handle or record id that holds it (never a name or address:
    /// contacts are personal data).
    pub reference: String,
}

/// What the contact sources of a period say about one network.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NetworkContacts {
    /// The sources that have a record of the network.
    pub records: BTreeSet<String>,
    /// The contacts found, of every role.
    pub contacts: BTreeSet<Contact>,
}

impl NetworkContacts {
    /// The contacts whose role counts.
    pub fn counted<'a>(
        &'a self,
        counts: impl Fn(&str) -> bool + 'a,
    ) -> impl Iterator<Item = &'a Contact> + 'a {
        self.contacts.iter().filter(move |c| counts(&c.role))
    }
}

/// The contacts of a period, per network.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContactBook {
    by_asn: BTreeMap<Asn, NetworkContacts>,
}

impl ContactBook {
    /// An empty book.
    pub fn new() -> Self {
        ContactBook::default()
    }

    /// Records that `source` has a record of `asn` (an aut-num object, a
    /// PeeringDB network), with or without contacts.
    pub fn add_record(&mut self, asn: Asn, source: &str) {
        self.by_asn.entry(asn).or_default().records.insert(source.to_string());
    }

    /// Adds a contact of `asn` (and the record that holds it).
    pub fn add_contact(&mut self, asn: Asn, contact: Contact) {
        let n = self.by_asn.entry(asn).or_default();
        n.records.insert(contact.source.clone());
        n.contacts.insert(contact);
    }

    /// Adds another shard's book.
    pub fn merge(&mut self, o: &ContactBook) {
        for (asn, c) in &o.by_asn {
            let n = self.by_asn.entry(*asn).or_default();
            n.records.extend(c.records.iter().cloned());
            n.contacts.extend(c.contacts.iter().cloned());
        }
    }

    /// What is known of `asn`; `None`: no loaded source has a record of it.
    pub fn get(&self, asn: Asn) -> Option<&NetworkContacts> {
        self.by_asn.get(&asn)
    }

    /// Networks with a record.
    pub fn len(&self) -> usize {
        self.by_asn.len()
    }

    /// Whether no network has a record.
    pub fn is_empty(&self) -> bool {
        self.by_asn.is_empty()
    }

    /// Every network with its findings.
    pub fn iter(&self) -> impl Iterator<Item = (Asn, &NetworkContacts)> {
        self.by_asn.iter().map(|(a, c)| (*a, c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Profile;

    fn c(source: &str, role: &str, reference: &str) -> Contact {
        Contact { source: source.into(), role: role.into(), reference: reference.into() }
    }

    #[test]
    fn abuse_only_contacts_do_not_count_and_records_without_contacts_are_kept() {
        let p = Profile::default();
        let mut b = ContactBook::new();
        b.add_contact(Asn(64500), c("PeeringDB", "Abuse", "poc 1"));
        b.add_contact(Asn(64501), c("PeeringDB", "NOC", "poc 2"));
        b.add_contact(Asn(64501), c("PeeringDB", "Abuse", "poc 3"));
        b.add_contact(Asn(64502), c("RIPE", "tech-c", "EX1-RIPE"));
        b.add_record(Asn(64503), "RIPE");
        let counted = |asn| b.get(Asn(asn)).map(|n| n.counted(|r| p.counts_contact(r)).count());
        assert_eq!(counted(64500), Some(0));
        assert_eq!(counted(64501), Some(1));
        assert_eq!(counted(64502), Some(1));
        assert_eq!(counted(64503), Some(0));
        assert_eq!(counted(64504), None);
        assert_eq!(b.get(Asn(64500)).unwrap().records.len(), 1);
    }

    #[test]
    fn shards_merge_to_the_whole() {
        let mut whole = ContactBook::new();
        let (mut a, mut b) = (ContactBook::new(), ContactBook::new());
        for (book, x) in [(&mut a, c("RIPE", "admin-c", "A")), (&mut b, c("PeeringDB", "NOC", "1"))]
        {
            book.add_contact(Asn(64500), x.clone());
            whole.add_contact(Asn(64500), x);
        }
        b.add_record(Asn(64501), "RIPE");
        whole.add_record(Asn(64501), "RIPE");
        a.merge(&b);
        assert_eq!(a, whole);
    }
}
