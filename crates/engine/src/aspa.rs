//! ASPA path verification (draft-ietf-sidrops-aspa-verification, the
//! downstream procedure, which accepts paths with an up-ramp and a
//! down-ramp), for route-leak evidence (manrs-spec §7.3).
//!
//! An ASPA object lists the providers a customer AS authorises. A hop from
//! `c` to `p` (the route travelling from `c` to `p`) is *Provider+* when
//! `c` has an ASPA listing `p`, *Not Provider+* when `c` has an ASPA that
//! does not, and *No Attestation* when `c` has none. Read from the origin,
//! a path may climb (customer to provider) and then descend (provider to
//! customer) once; it is **Invalid** when the longest possible up-ramp and
//! down-ramp cannot cover it, **Valid** when the attested ones do, and
//! **Unknown** otherwise. Invalid paths are route leaks whoever the
//! relationships say is where.

use std::collections::HashMap;

use serde::Serialize;

use manrs_types::{Asn, Aspa};

/// The verdict on one path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum AspaVerdict {
    /// Every hop is attested and the path is valley-free.
    Valid,
    /// No reading of the attestations makes it valley-free.
    Invalid,
    /// Not enough attestations to tell.
    Unknown,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Hop {
    ProviderPlus,
    NotProviderPlus,
    NoAttestation,
}

/// The ASPA objects of a period.
#[derive(Clone, Debug, Default)]
pub struct AspaIndex {
    providers: HashMap<Asn, Vec<Asn>>,
}

impl AspaIndex {
    /// An index of `aspas` (several objects of one customer are merged).
    pub fn new(aspas: &[Aspa]) -> Self {
        let mut providers: HashMap<Asn, Vec<Asn>> = HashMap::new();
        for a in aspas {
            let list = providers.entry(a.customer).or_default();
            list.extend(a.providers.iter().copied());
            list.sort_unstable();
            list.dedup();
        }
        AspaIndex { providers }
    }

    /// Customers with an ASPA.
    pub fn len(&self) -> usize {
        self.providers.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.providers.is_empty()
    }

    fn hop(&self, customer: Asn, provider: Asn) -> Hop {
        match self.providers.get(&customer) {
            None => Hop::NoAttestation,
            Some(p) if p.binary_search(&provider).is_ok() => Hop::ProviderPlus,
            Some(_) => Hop::NotProviderPlus,
        }
    }

    /// For an Invalid path, the AS that sent the route up out of the
    /// valley (the last AS the down-ramp cannot reach, seen from the
    /// receiving end) and the AS it sent it to.
    pub fn leak(&self, as_path: &[Asn]) -> Option<(Asn, Asn)> {
        if self.verify(as_path) != AspaVerdict::Invalid {
            return None;
        }
        let up: Vec<Asn> = as_path.iter().rev().copied().collect();
        let n = up.len();
        let max_down = self.ramp(&up, false, |h| h != Hop::NotProviderPlus);
        let at = n.checked_sub(max_down + 1)?;
        Some((up[at], up[at + 1]))
    }

    /// The length (in ASes) of the longest ramp whose hops pass `ok`: up
    /// from the origin, or down seen from the receiving end.
    fn ramp(&self, up: &[Asn], from_origin: bool, ok: impl Fn(Hop) -> bool) -> usize {
        let n = up.len();
        let mut len = 1;
        for i in 0..n.saturating_sub(1) {
            let hop = if from_origin {
                self.hop(up[i], up[i + 1])
            } else {
                // up[n-1-i] received it from its provider up[n-2-i].
                self.hop(up[n - 1 - i], up[n - 2 - i])
            };
            if !ok(hop) {
                break;
            }
            len += 1;
        }
        len
    }

    /// Verifies a path in AS_PATH order (the receiving side first, the
    /// origin last; prepending removed).
    pub fn verify(&self, as_path: &[Asn]) -> AspaVerdict {
        let up: Vec<Asn> = as_path.iter().rev().copied().collect();
        let n = up.len();
        if n <= 1 {
            return AspaVerdict::Valid;
        }
        let possible = |h: Hop| h != Hop::NotProviderPlus;
        let attested = |h: Hop| h == Hop::ProviderPlus;
        let (max_up, max_down) = (self.ramp(&up, true, possible), self.ramp(&up, false, possible));
        if max_up + max_down < n {
            return AspaVerdict::Invalid;
        }
        let (min_up, min_down) = (self.ramp(&up, true, attested), self.ramp(&up, false, attested));
        if min_up + min_down >= n { AspaVerdict::Valid } else { AspaVerdict::Unknown }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(v: &[u32]) -> Vec<Asn> {
        v.iter().map(|x| Asn(*x)).collect()
    }

    fn index() -> AspaIndex {
        // 100 buys transit from 10; 10 from 1 and 2; 200 from 20; 20 from 2;
        // 1 and 2 have no provider (an ASPA with an empty provider set).
        let aspa = |c: u32, p: &[u32]| Aspa { customer: Asn(c), providers: a(p) };
        AspaIndex::new(&[
            aspa(100, &[10]),
            aspa(10, &[1, 2]),
            aspa(200, &[20]),
            aspa(20, &[2]),
            aspa(1, &[]),
            aspa(2, &[]),
        ])
    }

    #[test]
    fn up_then_down_is_valid_and_a_valley_is_invalid() {
        let ix = index();
        // 100 -> 10 -> 2 -> 20 -> 200 (AS_PATH order reversed): valid.
        assert_eq!(ix.verify(&a(&[200, 20, 2, 10, 100])), AspaVerdict::Valid);
        // Origin 1's route goes down to its customer 10, which passes it up
        // to its other provider 2: 1 attests no provider, so the up-ramp
        // stops at 1; 2 attests no provider, so the down-ramp seen from 2
        // stops at 2; 10 is left uncovered: a leak.
        assert_eq!(ix.verify(&a(&[2, 10, 1])), AspaVerdict::Invalid);
        assert_eq!(ix.leak(&a(&[2, 10, 1])), Some((Asn(10), Asn(2))));
        assert_eq!(ix.leak(&a(&[200, 20, 2, 10, 100])), None);
        // Without 2's attestation, 10 could be 2's provider: unknown.
        let partial = AspaIndex::new(&[Aspa { customer: Asn(1), providers: vec![] }]);
        assert_eq!(partial.verify(&a(&[2, 10, 1])), AspaVerdict::Unknown);
        // Without attestations nothing can be said.
        assert_eq!(ix.verify(&a(&[7, 8, 9])), AspaVerdict::Unknown);
        assert_eq!(ix.verify(&a(&[9])), AspaVerdict::Valid);
        assert_eq!(ix.len(), 6);
    }
}
