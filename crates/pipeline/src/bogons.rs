//! Builds the bogon reference (manrs-spec §2.4 M3/M4) from the IANA
//! registries and RIR delegated statistics: special-purpose blocks and AS
//! numbers (full), IANA `RESERVED`/`UNALLOCATED` IPv4 blocks, IANA
//! `RESERVED` IPv6 blocks and any IPv6 global unicast space the registry
//! does not list (full), and space and AS
//! numbers a RIR lists as `available` or `reserved` (administrative).

use manrs_engine::{BogonClass, BogonRef};
use manrs_sources::delegated::{Record, Status};
use manrs_sources::iana::{IanaEntry, IanaStatus};
use manrs_types::Prefix;

/// The bogon reference of IANA registry rows (both the IPv4 address space
/// and the IPv6 unicast assignments) and delegated records.
pub fn bogon_reference(iana: &[IanaEntry], delegated: &[Record]) -> BogonRef {
    let mut r = BogonRef::special_purpose();
    let mut v6_assigned: Vec<Prefix> = Vec::new();
    for e in iana {
        if e.prefix.is_ipv4() {
            if matches!(e.status, IanaStatus::Reserved | IanaStatus::Unallocated) {
                let why = format!("IANA IPv4 registry: {} ({:?})", e.designation, e.status);
                r.add_prefix(e.prefix, BogonClass::Full, &why);
            }
        } else if e.status == IanaStatus::Reserved {
            let why = format!("IANA IPv6 registry: {} (reserved)", e.designation);
            r.add_prefix(e.prefix, BogonClass::Full, &why);
            v6_assigned.push(e.prefix);
        } else {
            v6_assigned.push(e.prefix);
        }
    }
    if !v6_assigned.is_empty() {
        r.add_ipv6_unassigned(&v6_assigned);
    }
    for rec in delegated {
        if !matches!(rec.status, Status::Available | Status::Reserved) {
            continue;
        }
        let why = format!("{} {} (not delegated)", rec.registry, rec.status);
        for p in rec.prefixes() {
            r.add_prefix(p, BogonClass::Administrative, &why);
        }
        let asns: Vec<u32> = rec.asns().map(|a| a.0).collect();
        if let (Some(lo), Some(hi)) = (asns.first(), asns.last()) {
            r.add_asns(*lo, *hi, BogonClass::Administrative, &why);
        }
    }
    r
}
