//! Feeding the hijack detector (manrs-spec §2.4 M2/M2C): MRT announcements
//! and withdrawals into a [`Timeline`], and the detector's context from the
//! CAIDA AS-to-organisation and AS-relationship files and the IANA
//! registries (which RIR holds which address space).

use std::path::Path;

use bgpkit_parser::models::{AsPathSegment, ElemType};
use manrs_engine::SnapshotBuilder;
use manrs_engine::hijacks::{Context, Relationship, Timeline};
use manrs_input::Input;
use manrs_mrt::{MrtItem, MrtReader};
use manrs_sources::caida::{As2OrgEntry, As2OrgReader, AsRelReader, Relationship as CaidaRel};
use manrs_sources::iana::{IanaReader, IanaStatus};
use manrs_types::{Asn, Mode, Prefix};

use crate::PipelineError;

fn open(path: &Path) -> Result<Input, PipelineError> {
    Input::open(path).map_err(|source| PipelineError::Open { path: path.into(), source })
}

/// Streams an MRT file into `timeline`: announcements (origin = last AS of
/// a path ending in an AS_SEQUENCE) and withdrawals, per peer. Peers are
/// numbered by `peers` (a snapshot builder's peer table, so ids agree).
pub fn feed_mrt(
    path: &Path,
    collector: &str,
    timeline: &mut Timeline,
    peers: &mut SnapshotBuilder,
    mode: Mode,
) -> Result<u64, PipelineError> {
    let mut reader = MrtReader::new(open(path)?, mode);
    let mut flat: Vec<Asn> = Vec::new();
    let mut n = 0;
    for item in reader.by_ref() {
        let MrtItem::Element(e) = item.map_err(PipelineError::Strict)? else { continue };
        let elem = &e.elem;
        let peer = peers.peer(collector, elem.peer_ip, Asn(elem.peer_asn.to_u32()));
        let prefix = Prefix::new_truncating(elem.prefix.prefix);
        let time = i64::from(e.time);
        if elem.elem_type == ElemType::WITHDRAW {
            timeline.withdraw(peer, prefix, time);
            n += 1;
            continue;
        }
        flat.clear();
        let mut ends_in_sequence = false;
        if let Some(p) = &elem.as_path {
            for seg in &p.segments {
                match seg {
                    AsPathSegment::AsSequence(v) => {
                        flat.extend(v.iter().map(|a| Asn(a.to_u32())));
                        ends_in_sequence = !v.is_empty();
                    }
                    AsPathSegment::AsSet(_) => ends_in_sequence = false,
                    _ => {}
                }
            }
        }
        // A RIB entry is part of the baseline; an UPDATE is news.
        let baseline = e.record_type.name().starts_with("TABLE_DUMP");
        if ends_in_sequence {
            timeline.announce(peer, prefix, &flat, time, baseline);
        } else {
            // No single origin: it replaces what the peer had.
            timeline.withdraw(peer, prefix, time);
        }
        n += 1;
    }
    Ok(n)
}

/// Adds CAIDA AS-to-organisation data: organisation ids and the registry
/// of each AS.
pub fn add_as2org(ctx: &mut Context<'_>, path: &Path, mode: Mode) -> Result<(), PipelineError> {
    for entry in As2OrgReader::new(open(path)?, mode) {
        if let As2OrgEntry::Asn(a) = entry.map_err(PipelineError::Strict)? {
            if let Some(source) = &a.source {
                ctx.asn_registry.insert(a.asn, source.to_ascii_uppercase());
            }
            ctx.orgs.insert(a.asn, a.org_id);
        }
    }
    Ok(())
}

/// Adds CAIDA AS relationships (both orders).
pub fn add_as_rel(ctx: &mut Context<'_>, path: &Path, mode: Mode) -> Result<(), PipelineError> {
    for rel in AsRelReader::new(open(path)?, mode) {
        let rel = rel.map_err(PipelineError::Strict)?;
        let (ab, ba) = match rel.rel {
            CaidaRel::ProviderToCustomer => (Relationship::ProviderOf, Relationship::CustomerOf),
            CaidaRel::PeerToPeer => (Relationship::Peer, Relationship::Peer),
        };
        ctx.relationships.insert((rel.a, rel.b), ab);
        ctx.relationships.insert((rel.b, rel.a), ba);
    }
    Ok(())
}

/// Adds the RIR of each block of an IANA registry (`APNIC`, `Administered
/// by ARIN` and the like; reserved and IETF rows are skipped).
pub fn add_iana(ctx: &mut Context<'_>, path: &Path, mode: Mode) -> Result<(), PipelineError> {
    for e in IanaReader::new(open(path)?, mode) {
        let e = e.map_err(PipelineError::Strict)?;
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
    Ok(())
}
