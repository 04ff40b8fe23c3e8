//! The inputs of MANRS Actions 2 and 3 (manrs-spec §2.4 M5 and M8, §7.2):
//! CAIDA Spoofer sessions become per-AS spoofing results for the period;
//! PeeringDB networks and contacts, IRR `aut-num` objects (RFC 2622 §6)
//! and RDAP autnum responses (RFC 9083 §5.5: the AS contacts of ARIN,
//! LACNIC and every RDAP registry) become per-AS contact findings.
//!
//! A Spoofer session counts for the period that contains its timestamp;
//! sessions of other months are counted and left out, a session without a
//! usable timestamp is a diagnostic, and a session whose tests all gave
//! `unknown` tests nothing (counted). PeeringDB contacts are joined
//! to their network once every input is read; contacts of networks that no
//! input holds are counted as unmatched.

use std::collections::HashMap;
use std::sync::Arc;

use manrs_engine::{Contact, ContactBook, SpoofIndex, SpoofTest};
use manrs_irr::AutNum;
use manrs_peeringdb::{Object, PeeringDbReader, Poc, SetEntry};
use manrs_sources::rdap::RdapReader;
use manrs_sources::spoofer::{Session, SpoofResult, SpooferReader};
use manrs_types::{Asn, DiagKind, Diagnostic, Diagnostics, Location, Mode, Month, parse_rfc3339};
use serde::Serialize;

use crate::PipelineError;
use crate::ingest::SourceReport;

/// The source name of PeeringDB contacts.
pub const PEERINGDB: &str = "PeeringDB";

/// What the Action 2 and 3 inputs gave and left out.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Actions23Stats {
    /// Spoofer sessions read.
    pub spoofer_sessions: u64,
    /// Of those, sessions of another month (not used).
    pub spoofer_other_months: u64,
    /// Of the period's sessions, those whose tests all gave `unknown`.
    pub spoofer_without_result: u64,
    /// Networks tested by a session of the period.
    pub spoofer_networks: u64,
    /// Networks tested that leaked spoofed packets.
    pub spoofer_spoofing_networks: u64,
    /// IRR aut-num objects read.
    pub aut_nums: u64,
    /// RDAP autnum responses read.
    pub rdap_autnums: u64,
    /// PeeringDB networks read.
    pub peeringdb_networks: u64,
    /// PeeringDB contacts read.
    pub peeringdb_contacts: u64,
    /// PeeringDB contacts whose network no input holds (not used).
    pub peeringdb_contacts_unmatched: u64,
    /// Networks with a record in a contact source.
    pub contact_networks: u64,
}

/// The Action 2 and 3 state of a period being read.
#[derive(Debug, Default)]
pub struct Actions23 {
    /// Spoofer results of the period.
    pub spoof: SpoofIndex,
    /// Contact findings.
    pub contacts: ContactBook,
    /// PeeringDB network id -> AS number.
    pdb_nets: HashMap<u64, Asn>,
    /// PeeringDB contacts: (network id, role, contact id).
    pdb_pocs: Vec<(Option<u64>, String, u64)>,
    /// Counts.
    pub stats: Actions23Stats,
}

impl Actions23 {
    /// Joins the PeeringDB contacts to their networks; called once every
    /// input of the period is read.
    pub fn finish(&mut self) {
        for (net, role, id) in std::mem::take(&mut self.pdb_pocs) {
            match net.and_then(|n| self.pdb_nets.get(&n)) {
                Some(asn) => self.contacts.add_contact(
                    *asn,
                    Contact { source: PEERINGDB.into(), role, reference: format!("poc {id}") },
                ),
                None => self.stats.peeringdb_contacts_unmatched += 1,
            }
        }
        self.stats.spoofer_networks = self.spoof.len() as u64;
        self.stats.spoofer_spoofing_networks =
            self.spoof.iter().filter(|(_, c)| c.raw() > 0).count() as u64;
        self.stats.contact_networks = self.contacts.len() as u64;
    }

    /// Records an aut-num object's contacts (`admin-c`, `tech-c`) under the
    /// IRR source name.
    pub fn add_aut_num(&mut self, a: &AutNum, source: &str) {
        self.stats.aut_nums += 1;
        self.contacts.add_record(a.asn, source);
        for (role, handles) in [("admin-c", &a.admin_c), ("tech-c", &a.tech_c)] {
            for h in handles {
                self.contacts.add_contact(
                    a.asn,
                    Contact { source: source.into(), role: role.into(), reference: h.clone() },
                );
            }
        }
    }

    fn add_poc(&mut self, p: &Poc, net: Option<u64>) {
        if p.status.as_deref() == Some("deleted") {
            return;
        }
        self.stats.peeringdb_contacts += 1;
        let role = p.role.clone().unwrap_or_default();
        self.pdb_pocs.push((net.or(p.net_id), role, p.id));
    }
}

/// Reads a PeeringDB page or dump: networks (with contacts embedded at
/// depth) and contacts.
pub fn read_peeringdb(
    out: &mut Actions23,
    mut reader: PeeringDbReader,
    report: &mut SourceReport,
) -> Result<(), PipelineError> {
    for item in reader.by_ref() {
        let object = item.map_err(PipelineError::Strict)?;
        report.elements += 1;
        match object {
            Object::Net(n) if n.status.as_deref() != Some("deleted") => {
                out.stats.peeringdb_networks += 1;
                out.pdb_nets.insert(n.id, n.asn);
                out.contacts.add_record(n.asn, PEERINGDB);
                for p in &n.poc_set {
                    if let SetEntry::Object(p) = p {
                        out.add_poc(p, Some(n.id));
                    }
                }
                report.used += 1;
            }
            Object::Poc(p) => {
                out.add_poc(&p, None);
                report.used += 1;
            }
            _ => {}
        }
    }
    report.records = reader.records();
    report.diagnostics = reader.diagnostics().clone();
    Ok(())
}

/// The RFC 9083 roles of RDAP entities under the names the profile uses
/// for RPSL contacts (RIPE's own RDAP service maps `admin-c` to
/// `administrative` and `tech-c` to `technical`; this is the inverse).
/// Roles that are no contact of the network (`registrant`, `registrar`,
/// `billing`...) are not recorded.
fn rdap_role(role: &str) -> Option<&'static str> {
    Some(match role {
        "administrative" => "admin-c",
        "technical" => "tech-c",
        "noc" => "NOC",
        "abuse" => "Abuse",
        _ => return None,
    })
}

/// Reads RDAP autnum responses: every AS of each response's range gets a
/// record of the registry (`ARIN RDAP`...) and the contacts of its
/// entities.
pub fn read_rdap(
    out: &mut Actions23,
    mut reader: RdapReader,
    report: &mut SourceReport,
) -> Result<(), PipelineError> {
    for item in reader.by_ref() {
        let rec = item.map_err(PipelineError::Strict)?;
        report.elements += 1;
        out.stats.rdap_autnums += 1;
        let source = format!("{} RDAP", rec.registry);
        for asn in rec.asns() {
            out.contacts.add_record(asn, &source);
            for c in &rec.contacts {
                if let Some(role) = rdap_role(&c.role) {
                    out.contacts.add_contact(
                        asn,
                        Contact {
                            source: source.clone(),
                            role: role.into(),
                            reference: c.handle.clone().unwrap_or_else(|| "(no handle)".into()),
                        },
                    );
                }
            }
        }
        report.used += 1;
    }
    report.records = reader.lines();
    report.diagnostics = reader.diagnostics().clone();
    Ok(())
}

/// The one-family results of a session; a family whose tests all gave
/// `unknown` (or were not run) tested nothing.
fn tests_of(s: &Session) -> impl Iterator<Item = SpoofTest> {
    let family = |asn: Option<Asn>, client, results: [Option<SpoofResult>; 2]| {
        let definite = results.iter().flatten().any(|r| *r != SpoofResult::Unknown);
        asn.filter(|_| definite).map(|asn| SpoofTest {
            session: s.session,
            asn,
            client,
            spoofed: results.contains(&Some(SpoofResult::Received)),
        })
    };
    let v4 = family(s.asn4, s.client4, [s.privatespoof, s.routedspoof]);
    let v6 = family(s.asn6, s.client6, [s.privatespoof6, s.routedspoof6]);
    v4.into_iter().chain(v6)
}

/// Reads a Spoofer sessions page, keeping the sessions of `month`.
pub fn read_spoofer(
    out: &mut Actions23,
    mut reader: SpooferReader,
    month: Month,
    mode: Mode,
    report: &mut SourceReport,
) -> Result<(), PipelineError> {
    let file: Arc<str> = Arc::from(report.path.as_str());
    let mut diags = Diagnostics::default();
    for (index, item) in reader.by_ref().enumerate() {
        let s = item.map_err(PipelineError::Strict)?;
        report.elements += 1;
        out.stats.spoofer_sessions += 1;
        let Some(ts) = s.timestamp.as_deref().and_then(parse_rfc3339) else {
            let d = Diagnostic::new(
                &file,
                Location::File,
                DiagKind::Malformed,
                format!(
                    "hydra:member[{index}] (session {}): timestamp {:?} is not an RFC 3339 time; \
                     the session belongs to no period",
                    s.session, s.timestamp
                ),
            );
            if let Some(d) = diags.report(mode, d) {
                return Err(PipelineError::Strict(d));
            }
            continue;
        };
        if Month::containing(ts) != month {
            out.stats.spoofer_other_months += 1;
            continue;
        }
        let mut tested = false;
        for t in tests_of(&s) {
            out.spoof.add(&t);
            tested = true;
        }
        if tested {
            report.used += 1;
        } else {
            out.stats.spoofer_without_result += 1;
        }
    }
    report.records = reader.members();
    let mut all = reader.diagnostics().clone();
    all.merge(diags);
    report.diagnostics = all;
    Ok(())
}
