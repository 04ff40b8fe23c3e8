//! Reading a period's inputs: each file is opened, its format detected by
//! content and checked against its manifest kind, then streamed into the
//! snapshot builder, the VRP or IRR index or the registry tables.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use manrs_engine::hijacks::{Context, Timeline};
use manrs_engine::paths::PathSet;
use manrs_engine::relationships::collapse_into;
use manrs_engine::{IrrIndex, PeerId, Segment, SnapshotBuilder, VrpIndex};
use manrs_input::Input;
use manrs_irr::{RpslError, RpslObject, RpslReader};
use manrs_manifest::{InputKind, InputSpec, Manifest, PeriodSpec};
use manrs_mrt::{ElemType, MrtReader, RouteItem, SegmentKind};
use manrs_peeringdb::PeeringDbReader;
use manrs_rpki::{Payload, VrpReader};
use manrs_sources::Format as SourceFormat;
use manrs_sources::asnames::{AsNamesJsonReader, AsNamesTextReader};
use manrs_sources::caida::{As2OrgReader, AsRelReader};
use manrs_sources::delegated::{DelegatedReader, Record, ResourceType, Status};
use manrs_sources::iana::{IanaEntry, IanaReader};
use manrs_sources::ipasn::IpAsnReader;
use manrs_sources::rdap::RdapReader;
use manrs_sources::routes::RouteCsvReader;
use manrs_sources::spoofer::SpooferReader;
use manrs_types::{
    Asn, Aspa, Country, DiagKind, Diagnostic, Diagnostics, Location, Mode, Month, Prefix,
};

use crate::actions23::{Actions23, read_peeringdb, read_rdap, read_spoofer};
use crate::detect::{self, Format, SNIFF_BYTES};
use crate::{Observer, PipelineError};

/// What was read from one file.
#[derive(Clone, Debug)]
pub struct SourceReport {
    /// The manifest kind.
    pub kind: InputKind,
    /// The file.
    pub path: String,
    /// The detected format (`mrt`, `rpki-client-json`, `rpsl`...).
    pub format: String,
    /// Top-level records read (MRT records, JSON entries, objects, lines).
    pub records: u64,
    /// Items produced (MRT elements, VRPs, objects...).
    pub elements: u64,
    /// Items that fed the analysis (announcements, VRPs, route objects,
    /// AS entries); 0 for kinds not used by the Action 4 metrics yet.
    pub used: u64,
    /// Everything skipped or wrong.
    pub diagnostics: Diagnostics,
    /// Wall-clock seconds.
    pub seconds: f64,
}

/// The holder of an AS, from an AS-names list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Holder {
    /// The name as the list gives it.
    pub name: String,
    /// The trailing country of the list entry.
    pub country: Option<Country>,
}

/// The delegation of an AS, from RIR delegated statistics.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delegation {
    /// The registry (`ripencc`, `arin`...).
    pub registry: String,
    /// The economy.
    pub country: Option<Country>,
    /// `allocated`, `assigned`, `available`, `reserved`.
    pub status: String,
}

/// Everything read for one period, ready for analysis.
#[derive(Debug)]
pub struct Ingested {
    /// The period.
    pub month: Month,
    /// The routing snapshot being built.
    pub builder: SnapshotBuilder,
    /// The VRPs.
    pub vrps: VrpIndex,
    /// The ASPA objects (for the route-leak work of Action 1).
    pub aspas: Vec<Aspa>,
    /// The IRR route objects; `None` when the period has no IRR input.
    pub irr: Option<IrrIndex>,
    /// IRR route/route6 objects that did not convert (bad prefix or origin).
    pub irr_rejected: u64,
    /// AS holders.
    pub holders: HashMap<Asn, Holder>,
    /// AS delegations.
    pub delegations: HashMap<Asn, Delegation>,
    /// Announcement intervals per (peer, prefix), for hijack detection.
    pub timeline: Timeline,
    /// The hijack detector's context (organisations, relationships,
    /// registries); VRPs and IRR are added at analysis.
    pub context: Context<'static>,
    /// Every distinct AS path (prepending removed) of the MRT inputs, for
    /// route-leak detection and relationship inference.
    pub paths: PathSet,
    /// IANA registry rows (bogon reference).
    pub iana: Vec<IanaEntry>,
    /// Delegated-stats records of space and AS numbers not delegated
    /// (`available`, `reserved`): administrative bogons.
    pub undelegated: Vec<Record>,
    /// Spoofer results and contacts (Actions 2 and 3).
    pub actions23: Actions23,
    /// One report per file read.
    pub sources: Vec<SourceReport>,
}

/// Reads every input of `period`.
pub fn ingest_period(
    manifest: &Manifest,
    period: &PeriodSpec,
    mode: Mode,
    observer: &dyn Observer,
) -> Result<Ingested, PipelineError> {
    let mut out = Ingested {
        month: period.month,
        builder: SnapshotBuilder::new(period.month, &manifest.analysis),
        vrps: VrpIndex::new(),
        aspas: Vec::new(),
        irr: None,
        irr_rejected: 0,
        holders: HashMap::new(),
        delegations: HashMap::new(),
        timeline: Timeline::new(),
        paths: PathSet::new(),
        context: Context { min_peers: manifest.analysis.hijack_min_peers, ..Context::default() },
        iana: Vec::new(),
        undelegated: Vec::new(),
        actions23: Actions23::default(),
        sources: Vec::new(),
    };
    for spec in &period.inputs {
        for path in &spec.paths {
            let report = read_file(&mut out, spec, path, mode, observer, &manifest.path)?;
            observer.file_finished(&report);
            out.sources.push(report);
        }
    }
    out.actions23.finish();
    Ok(out)
}

fn strict(d: Diagnostic) -> PipelineError {
    PipelineError::Strict(d)
}

/// Whether a detected format fits a manifest kind.
fn fits(kind: InputKind, format: Format) -> bool {
    use SourceFormat as S;
    match kind {
        InputKind::Mrt => format == Format::Mrt,
        InputKind::Routes => matches!(format, Format::Source(S::IpAsn | S::RouteCsv)),
        InputKind::Vrps => matches!(format, Format::Rpki(_)),
        InputKind::Irr => format == Format::Rpsl,
        InputKind::Delegated => format == Format::Source(S::RirDelegated),
        InputKind::Iana => {
            matches!(
                format,
                Format::Source(S::IanaIpv4Space | S::IanaIpv6Unicast | S::RirDelegated)
            )
        }
        InputKind::PeeringDb => matches!(format, Format::PeeringDb(_)),
        InputKind::AsRelationships => {
            matches!(format, Format::Source(S::CaidaAsRel | S::CaidaAsRel2))
        }
        InputKind::AsOrg => {
            matches!(format, Format::Source(S::CaidaAs2OrgJsonl | S::CaidaAs2OrgText))
        }
        InputKind::Spoofer => format == Format::Source(S::SpooferJson),
        InputKind::AsNames => matches!(format, Format::Source(S::AsNamesJson | S::AsNamesText)),
        InputKind::Rdap => format == Format::Source(S::RdapAutnum),
    }
}

fn read_file(
    out: &mut Ingested,
    spec: &InputSpec,
    path: &Path,
    mode: Mode,
    observer: &dyn Observer,
    manifest: &Path,
) -> Result<SourceReport, PipelineError> {
    let started = Instant::now();
    let mut input =
        Input::open(path).map_err(|source| PipelineError::Open { path: path.into(), source })?;
    let head = input.peek(SNIFF_BYTES).or_else(|_| input.peek(0)).unwrap_or_default();
    let format = detect::detect(&head).ok_or_else(|| PipelineError::Content {
        path: path.into(),
        message: if head.is_empty() {
            "empty file".into()
        } else {
            format!("unknown format (listed as kind \"{}\")", spec.kind.as_str())
        },
    })?;
    if !fits(spec.kind, format) {
        return Err(PipelineError::Content {
            path: path.into(),
            message: format!(
                "the content is {} but {}:{} lists it as kind \"{}\"",
                detect::format_name(format),
                manifest.display(),
                spec.line,
                spec.kind.as_str()
            ),
        });
    }
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    observer.file_started(spec.kind, path, size, &input.status());
    let mut report = SourceReport {
        kind: spec.kind,
        path: path.display().to_string(),
        format: detect::format_name(format),
        records: 0,
        elements: 0,
        used: 0,
        diagnostics: Diagnostics::default(),
        seconds: 0.0,
    };
    match spec.kind {
        InputKind::Mrt => read_mrt(out, spec, path, input, mode, &mut report)?,
        InputKind::Routes => read_routes(out, spec, path, input, format, mode, &mut report)?,
        InputKind::Vrps => read_vrps(out, input, mode, &mut report)?,
        InputKind::Irr => read_irr(out, spec, input, mode, &mut report)?,
        InputKind::Delegated => read_delegated(out, input, mode, &mut report)?,
        InputKind::AsNames => read_as_names(out, input, format, mode, &mut report)?,
        InputKind::Iana if format != Format::Source(SourceFormat::RirDelegated) => {
            let mut r = IanaReader::new(input, mode);
            for e in r.by_ref() {
                out.iana.push(e.map_err(strict)?);
                report.used += 1;
            }
            report.records = r.counts().records;
            report.elements = report.used;
            report.diagnostics = r.diagnostics().clone();
        }
        InputKind::AsRelationships => {
            let mut r = AsRelReader::new(input, mode);
            report.used = crate::hijacks::add_as_rel(&mut out.context, &mut r)?;
            report.records = report.used + r.diagnostics().total();
            report.elements = report.used;
            report.diagnostics = r.diagnostics().clone();
        }
        InputKind::AsOrg => {
            let mut r = As2OrgReader::new(input, mode);
            report.used = crate::hijacks::add_as2org(&mut out.context, &mut r)?;
            report.records = r.counts().organizations + r.counts().asns;
            report.elements = report.records;
            report.diagnostics = r.diagnostics().clone();
        }
        InputKind::PeeringDb => {
            read_peeringdb(&mut out.actions23, PeeringDbReader::new(input, mode), &mut report)?;
        }
        InputKind::Spoofer => {
            let r = SpooferReader::new(input, mode);
            read_spoofer(&mut out.actions23, r, out.month, mode, &mut report)?;
        }
        InputKind::Rdap => {
            read_rdap(&mut out.actions23, RdapReader::new(input, mode), &mut report)?;
        }
        // Read and checked, not used by the metrics yet.
        InputKind::Iana => {
            let s = detect::inspect(format, input, mode).map_err(strict)?;
            report.records = s.records;
            report.elements = s.elements;
            report.diagnostics = s.diagnostics;
        }
    }
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

fn read_mrt(
    out: &mut Ingested,
    spec: &InputSpec,
    path: &Path,
    input: Input,
    mode: Mode,
    report: &mut SourceReport,
) -> Result<(), PipelineError> {
    let collector = spec.collector_for(path);
    let mut reader = MrtReader::new(input, mode);
    // The route API: nothing is allocated per RIB entry (the path is a
    // view of the reader's buffers; up to four segments are kept inline).
    let mut sequence: Vec<Asn> = Vec::new();
    let mut collapsed: Vec<Asn> = Vec::new();
    // Peers of this file (one collector), looked up without building the
    // builder's key for every route.
    let mut peers: HashMap<(IpAddr, Asn), PeerId> = HashMap::new();
    while let Some(item) = reader.next_route() {
        let RouteItem::Route(route) = item.map_err(strict)? else { continue };
        let time = i64::from(route.time);
        let peer = *peers
            .entry((route.peer_ip, route.peer_asn))
            .or_insert_with(|| out.builder.peer(&collector, route.peer_ip, route.peer_asn));
        let prefix = Prefix::new_truncating(route.prefix);
        if route.elem_type == ElemType::WITHDRAW {
            out.timeline.withdraw(peer, prefix, time);
            continue;
        }
        let mut inline = [Segment::Sequence(&[]); 4];
        let mut spill: Vec<Segment<'_>> = Vec::new();
        let mut n = 0;
        for seg in route.as_path.iter().flat_map(|p| p.segments()) {
            let seg = match seg.kind {
                SegmentKind::Sequence => Segment::Sequence(seg.asns),
                SegmentKind::Set => Segment::Set(seg.asns),
                // RFC 5065 confederation segments are local to the
                // confederation; they are not part of the origin test.
                SegmentKind::ConfedSequence | SegmentKind::ConfedSet => continue,
            };
            match inline.get_mut(n) {
                Some(slot) => *slot = seg,
                None => {
                    if spill.is_empty() {
                        spill.extend_from_slice(&inline);
                    }
                    spill.push(seg);
                }
            }
            n += 1;
        }
        let segments: &[Segment<'_>] = if n <= inline.len() { &inline[..n] } else { &spill };
        // The record time: for RIB entries the dump time, for updates the
        // time the collector received the announcement.
        out.builder.observe_path(prefix, segments, peer, Some(time));
        // The timeline wants a path ending in a single origin; anything else
        // replaces what the peer had (it has no origin to compare).
        sequence.clear();
        let mut single_origin = false;
        for seg in segments {
            match seg {
                Segment::Sequence(v) => {
                    sequence.extend_from_slice(v);
                    single_origin = !v.is_empty();
                }
                Segment::Set(_) => single_origin = false,
            }
        }
        if single_origin {
            let baseline = route.record_type.name().starts_with("TABLE_DUMP");
            out.timeline.announce(peer, prefix, &sequence, time, baseline);
            collapse_into(&sequence, &mut collapsed);
            out.paths.see(&collapsed, prefix, peer, time, route.only_to_customer());
        } else {
            out.timeline.withdraw(peer, prefix, time);
        }
        report.used += 1;
    }
    report.records = reader.records();
    report.elements = reader.elements();
    report.diagnostics = reader.diagnostics().clone();
    Ok(())
}

fn read_routes(
    out: &mut Ingested,
    spec: &InputSpec,
    path: &Path,
    input: Input,
    format: Format,
    mode: Mode,
    report: &mut SourceReport,
) -> Result<(), PipelineError> {
    let name = spec.collector_for(path);
    let peer = out.builder.peer(&name, std::net::Ipv4Addr::UNSPECIFIED.into(), Asn(0));
    let mut add = |prefix: Prefix, origin: Asn| {
        out.builder.observe(prefix, manrs_engine::Origin::Single(origin), None, peer, None);
        report.used += 1;
    };
    if format == Format::Source(SourceFormat::IpAsn) {
        let mut r = IpAsnReader::new(input, mode);
        for e in r.by_ref() {
            let e = e.map_err(strict)?;
            add(e.prefix, e.origin);
        }
        report.records = r.counts().ipv4 + r.counts().ipv6 + r.diagnostics().total();
        report.diagnostics = r.diagnostics().clone();
    } else {
        let mut r = RouteCsvReader::new(input, mode);
        for e in r.by_ref() {
            let e = e.map_err(strict)?;
            add(e.prefix, e.origin);
        }
        report.records = report.used + r.diagnostics().total();
        report.diagnostics = r.diagnostics().clone();
    }
    report.elements = report.used;
    Ok(())
}

fn read_vrps(
    out: &mut Ingested,
    input: Input,
    mode: Mode,
    report: &mut SourceReport,
) -> Result<(), PipelineError> {
    let mut reader = VrpReader::new(input, mode);
    for item in reader.by_ref() {
        match item.map_err(strict)? {
            Payload::Vrp(v) => out.vrps.insert(&v),
            Payload::Aspa(a) => out.aspas.push(a),
        }
        report.used += 1;
    }
    report.records = reader.records();
    report.elements = report.used;
    report.diagnostics = reader.diagnostics().clone();
    Ok(())
}

/// An RPSL object whose typed view did not convert, as a diagnostic.
fn malformed(file: &Arc<str>, object: &RpslObject, e: RpslError) -> Diagnostic {
    Diagnostic::new(
        file,
        Location::Line(object.line),
        DiagKind::Malformed,
        format!("{} {}: {e}", object.class, object.key),
    )
}

fn read_irr(
    out: &mut Ingested,
    spec: &InputSpec,
    input: Input,
    mode: Mode,
    report: &mut SourceReport,
) -> Result<(), PipelineError> {
    let file: Arc<str> = Arc::from(report.path.as_str());
    let mut reader = RpslReader::new(input, mode).default_source(spec.source.clone());
    let index = out.irr.get_or_insert_with(IrrIndex::new);
    let mut diags = Diagnostics::default();
    for item in reader.by_ref() {
        let object = item.map_err(strict)?;
        report.elements += 1;
        match object.aut_num() {
            Some(Ok(a)) => {
                let source = spec.source.as_deref().unwrap_or(&a.source).to_ascii_uppercase();
                out.actions23.add_aut_num(&a, &source);
                report.used += 1;
            }
            Some(Err(e)) => {
                if let Some(d) = diags.report(mode, malformed(&file, &object, e)) {
                    return Err(strict(d));
                }
            }
            None => {}
        }
        match object.route() {
            None => {}
            Some(Ok(mut route)) => {
                if let Some(source) = &spec.source {
                    route.source = source.to_ascii_uppercase();
                }
                index.insert(&route, spec.trust);
                report.used += 1;
            }
            Some(Err(e)) => {
                out.irr_rejected += 1;
                if let Some(d) = diags.report(mode, malformed(&file, &object, e)) {
                    return Err(strict(d));
                }
            }
        }
    }
    report.records = reader.objects();
    let mut all = reader.diagnostics().clone();
    all.merge(diags);
    report.diagnostics = all;
    Ok(())
}

fn read_delegated(
    out: &mut Ingested,
    input: Input,
    mode: Mode,
    report: &mut SourceReport,
) -> Result<(), PipelineError> {
    let mut reader = DelegatedReader::new(input, mode);
    for item in reader.by_ref() {
        let record = item.map_err(strict)?;
        report.elements += 1;
        if matches!(record.status, Status::Available | Status::Reserved) {
            out.undelegated.push(record);
            continue;
        }
        if record.kind() != ResourceType::Asn {
            continue;
        }
        for asn in record.asns() {
            let d = Delegation {
                registry: record.registry.to_string(),
                country: record.country,
                status: record.status.to_string(),
            };
            out.delegations.insert(asn, d);
            report.used += 1;
        }
    }
    report.records = reader.lines();
    report.diagnostics = reader.diagnostics().clone();
    Ok(())
}

fn read_as_names(
    out: &mut Ingested,
    input: Input,
    format: Format,
    mode: Mode,
    report: &mut SourceReport,
) -> Result<(), PipelineError> {
    let mut add = |n: manrs_sources::asnames::AsName| {
        let name = match n.handle {
            Some(h) if !n.name.is_empty() => format!("{h} - {}", n.name),
            Some(h) => h,
            None => n.name,
        };
        out.holders.insert(n.asn, Holder { name, country: n.country });
        report.used += 1;
    };
    if format == Format::Source(SourceFormat::AsNamesJson) {
        let mut r = AsNamesJsonReader::new(input, mode);
        for n in r.by_ref() {
            add(n.map_err(strict)?);
        }
        report.records = r.entries();
        report.diagnostics = r.diagnostics().clone();
    } else {
        let mut r = AsNamesTextReader::new(input, mode);
        for n in r.by_ref() {
            add(n.map_err(strict)?);
        }
        report.records = r.lines();
        report.diagnostics = r.diagnostics().clone();
    }
    report.elements = report.used;
    Ok(())
}
