//! The hijack detector's context (manrs-spec §2.4 M2/M2C) from the CAIDA
//! AS-to-organisation and AS-relationship files and the IANA registries
//! (which RIR holds which address space). The announcement timeline is fed
//! while the MRT inputs are read (see `ingest`).

use manrs_engine::hijacks::{Context, Relationship};
use manrs_sources::caida::{As2OrgEntry, As2OrgReader, AsRelReader, Relationship as CaidaRel};
use manrs_sources::iana::{IanaEntry, IanaStatus};

use crate::PipelineError;

/// Adds CAIDA AS-to-organisation data: organisation ids and the registry
/// of each AS. Returns the AS entries read.
pub fn add_as2org(ctx: &mut Context<'_>, reader: &mut As2OrgReader) -> Result<u64, PipelineError> {
    let mut n = 0;
    for entry in reader.by_ref() {
        if let As2OrgEntry::Asn(a) = entry.map_err(PipelineError::Strict)? {
            n += 1;
            if let Some(source) = &a.source {
                ctx.asn_registry.insert(a.asn, source.to_ascii_uppercase());
            }
            ctx.orgs.insert(a.asn, a.org_id);
        }
    }
    Ok(n)
}

/// Adds CAIDA AS relationships (both orders). Returns the links read.
pub fn add_as_rel(ctx: &mut Context<'_>, reader: &mut AsRelReader) -> Result<u64, PipelineError> {
    let mut n = 0;
    for rel in reader.by_ref() {
        let rel = rel.map_err(PipelineError::Strict)?;
        n += 1;
        let (ab, ba) = match rel.rel {
            CaidaRel::ProviderToCustomer => (Relationship::ProviderOf, Relationship::CustomerOf),
            CaidaRel::PeerToPeer => (Relationship::Peer, Relationship::Peer),
        };
        ctx.relationships.insert((rel.a, rel.b), ab);
        ctx.relationships.insert((rel.b, rel.a), ba);
    }
    Ok(n)
}

/// Adds the RIR of each block of IANA registry rows (`APNIC`,
/// `Administered by ARIN` and the like; reserved and IETF rows are
/// skipped).
pub fn add_iana(ctx: &mut Context<'_>, entries: &[IanaEntry]) {
    for e in entries {
        if !matches!(e.status, IanaStatus::Allocated | IanaStatus::Legacy) {
            continue;
        }
        let d = e.designation.to_ascii_uppercase();
        let rir =
            ["AFRINIC", "APNIC", "ARIN", "LACNIC", "RIPE"].into_iter().find(|r| d.contains(r));
        if let Some(rir) = rir {
            ctx.prefix_registry.push((e.prefix, rir.to_string()));
        }
    }
}
