//! Reading a period's inputs: each file is opened, its format detected by
//! content and checked against its manifest kind, then streamed into the
//! snapshot builder, the VRP or IRR index or the registry tables.
//!
//! The MRT and prefix-origin inputs can be read in parts ([`Shard`]): each
//! pass keeps the routes of a share of the address space and the AS paths
//! of a share of the paths, so that a period is analysed in a fraction of
//! its memory; [`read_paths`] streams every path for relationship
//! inference without keeping any.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use manrs_engine::hijacks::{Context, Timeline};
use manrs_engine::paths::PathSet;
use manrs_engine::relationships::{Family, collapse_into};
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
    /// What the MRT and prefix-origin inputs gave: the snapshot, the
    /// announcement timeline and the distinct paths (of one shard).
    pub routes: RouteData,
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
    /// The hijack detector's context (organisations, relationships,
    /// registries); VRPs and IRR are added at analysis.
    pub context: Context<'static>,
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

/// One part of a period's routes: a pass over the MRT and prefix-origin
/// inputs keeps the routes whose prefix falls in its part and the AS paths
/// that fall in its part, so that a period can be analysed part after part
/// in a fraction of the memory. Every part is analysed exactly as the whole
/// would be (ARCHITECTURE.md, "a period read in parts is the period read
/// whole"):
///
/// - A prefix's part is chosen by its first 8 bits (IPv4) or 16 bits
///   (IPv6), so a prefix and every covering prefix that hijack detection
///   compares it with (`hijacks::detect` looks no further up than /8 and
///   /16) fall in the same part; shorter prefixes, compared with nothing
///   but themselves, by their own bits.
/// - A path's part is chosen by its ASes: each distinct path is seen whole
///   in one part, with every announcement that carried it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// Which part, from 0.
    pub index: u32,
    /// How many parts (at least 1).
    pub count: u32,
}

impl Shard {
    /// The whole period in one part.
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// Part `index` of `count` (`count` 0 is taken as 1).
    pub fn new(index: u32, count: u32) -> Self {
        let count = count.max(1);
        Shard { index: index.min(count - 1), count }
    }

    /// Whether routes of `prefix` belong to this part.
    pub fn keeps_prefix(&self, prefix: &Prefix) -> bool {
        if self.count == 1 {
            return true;
        }
        let (family, bits, len): (u64, u128, u8) = match prefix.addr() {
            IpAddr::V4(a) => (4, u128::from(u32::from(a)) << 96, prefix.len().min(8)),
            IpAddr::V6(a) => (6, u128::from(a), prefix.len().min(16)),
        };
        // The first `len` of the address's first 16 bits.
        let top = (bits >> 112) as u64 & !(0xffff_u64 >> len);
        self.pick(mix(family << 56 ^ u64::from(len) << 48 ^ top))
    }

    /// Whether the distinct path `path` (prepending removed) belongs to
    /// this part.
    pub fn keeps_path(&self, path: &[Asn]) -> bool {
        if self.count == 1 {
            return true;
        }
        self.pick(path.iter().fold(0x5851_f42d_4c95_7f2d, |h, a| mix(h ^ u64::from(a.0))))
    }

    fn pick(&self, hash: u64) -> bool {
        hash % u64::from(self.count) == u64::from(self.index)
    }
}

/// A 64-bit mixer (the finaliser of SplitMix64): the same on every run and
/// machine, so that every pass puts a prefix or path in the same part.
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// The routes of a period, or of one [`Shard`] of it.
#[derive(Debug)]
pub struct RouteData {
    /// The routing snapshot being built.
    pub builder: SnapshotBuilder,
    /// Announcement intervals per (prefix, origin), for hijack detection.
    pub timeline: Timeline,
    /// Every distinct AS path (prepending removed) of the MRT inputs, for
    /// route-leak detection and relationship inference.
    pub paths: PathSet,
    /// The part kept.
    pub shard: Shard,
}

impl RouteData {
    fn new(manifest: &Manifest, period: &PeriodSpec, shard: Shard) -> Self {
        RouteData {
            builder: SnapshotBuilder::new(period.month, &manifest.analysis),
            timeline: Timeline::new(),
            paths: PathSet::new(),
            shard,
        }
    }
}

/// What takes the AS paths of a pass that reads only paths.
type PathSink<'a> = dyn FnMut(&[Asn], Family) + 'a;

/// Where the MRT and prefix-origin inputs go.
enum Target<'a> {
    /// Everything of a period: routes of the shard and every other input.
    Period(&'a mut Ingested),
    /// Only the routes of a shard.
    Routes(&'a mut RouteData),
    /// Only the AS paths (prepending removed) of every announcement with a
    /// single origin, for relationship inference over the whole period.
    Paths(&'a mut RouteData, &'a mut PathSink<'a>),
}

/// Whether an input kind gives routes (re-read for every shard).
pub(crate) fn gives_routes(kind: InputKind) -> bool {
    matches!(kind, InputKind::Mrt | InputKind::Routes)
}

/// Reads every input of `period`.
pub fn ingest_period(
    manifest: &Manifest,
    period: &PeriodSpec,
    mode: Mode,
    observer: &dyn Observer,
) -> Result<Ingested, PipelineError> {
    ingest(manifest, period, mode, observer, true)
}

/// Reads every input of `period` but the MRT and prefix-origin lists, whose
/// reports are left empty (kind and path only) for [`reread_shard`] to
/// fill; its routes are empty.
pub fn ingest_context(
    manifest: &Manifest,
    period: &PeriodSpec,
    mode: Mode,
    observer: &dyn Observer,
) -> Result<Ingested, PipelineError> {
    ingest(manifest, period, mode, observer, false)
}

fn ingest(
    manifest: &Manifest,
    period: &PeriodSpec,
    mode: Mode,
    observer: &dyn Observer,
    with_routes: bool,
) -> Result<Ingested, PipelineError> {
    let mut out = Ingested {
        month: period.month,
        routes: RouteData::new(manifest, period, Shard::ALL),
        vrps: VrpIndex::new(),
        aspas: Vec::new(),
        irr: None,
        irr_rejected: 0,
        holders: HashMap::new(),
        delegations: HashMap::new(),
        context: Context { min_peers: manifest.analysis.hijack_min_peers, ..Context::default() },
        iana: Vec::new(),
        undelegated: Vec::new(),
        actions23: Actions23::default(),
        sources: Vec::new(),
    };
    for spec in &period.inputs {
        for path in &spec.paths {
            if !with_routes && gives_routes(spec.kind) {
                out.sources.push(SourceReport {
                    kind: spec.kind,
                    path: path.display().to_string(),
                    format: String::new(),
                    records: 0,
                    elements: 0,
                    used: 0,
                    diagnostics: Diagnostics::default(),
                    seconds: 0.0,
                });
                continue;
            }
            let report =
                read_file(Target::Period(&mut out), spec, path, mode, observer, &manifest.path)?;
            observer.file_finished(&report);
            out.sources.push(report);
        }
    }
    out.actions23.finish();
    Ok(out)
}

/// Reads the MRT and prefix-origin inputs of `period` again, keeping the
/// routes and paths of `shard`; returns them with one report per file.
pub fn reread_shard(
    manifest: &Manifest,
    period: &PeriodSpec,
    mode: Mode,
    observer: &dyn Observer,
    shard: Shard,
) -> Result<(RouteData, Vec<SourceReport>), PipelineError> {
    let mut routes = RouteData::new(manifest, period, shard);
    let mut reports = Vec::new();
    for spec in period.inputs.iter().filter(|s| gives_routes(s.kind)) {
        for path in &spec.paths {
            let target = Target::Routes(&mut routes);
            let report = read_file(target, spec, path, mode, observer, &manifest.path)?;
            observer.file_finished(&report);
            reports.push(report);
        }
    }
    Ok((routes, reports))
}

/// Streams the AS paths of every MRT input of `period` (prepending
/// removed, announcements with a single origin) into `see`, each with the
/// address family of its route.
pub fn read_paths(
    manifest: &Manifest,
    period: &PeriodSpec,
    mode: Mode,
    observer: &dyn Observer,
    see: &mut dyn FnMut(&[Asn], Family),
) -> Result<(), PipelineError> {
    // Only its peer table is used.
    let mut routes = RouteData::new(manifest, period, Shard::ALL);
    for spec in period.inputs.iter().filter(|s| s.kind == InputKind::Mrt) {
        for path in &spec.paths {
            let target = Target::Paths(&mut routes, &mut *see);
            let report = read_file(target, spec, path, mode, observer, &manifest.path)?;
            observer.file_finished(&report);
        }
    }
    Ok(())
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
    target: Target<'_>,
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
    let out = match target {
        Target::Period(out) => out,
        Target::Routes(routes) => {
            match spec.kind {
                InputKind::Mrt => read_mrt(routes, None, spec, path, input, mode, &mut report)?,
                _ => read_routes(routes, spec, path, input, format, mode, &mut report)?,
            }
            report.seconds = started.elapsed().as_secs_f64();
            return Ok(report);
        }
        Target::Paths(routes, see) => {
            read_mrt(routes, Some(see), spec, path, input, mode, &mut report)?;
            report.seconds = started.elapsed().as_secs_f64();
            return Ok(report);
        }
    };
    match spec.kind {
        InputKind::Mrt => read_mrt(&mut out.routes, None, spec, path, input, mode, &mut report)?,
        InputKind::Routes => {
            read_routes(&mut out.routes, spec, path, input, format, mode, &mut report)?;
        }
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

/// Reads an MRT file into `out`, keeping the routes and paths of its
/// shard; with `paths`, only streams the paths into it instead.
fn read_mrt(
    out: &mut RouteData,
    mut paths: Option<&mut PathSink<'_>>,
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
        // Peers are numbered in every pass alike, whatever the shard keeps.
        let keep = out.shard.keeps_prefix(&prefix);
        if route.elem_type == ElemType::WITHDRAW {
            if keep && paths.is_none() {
                out.timeline.withdraw(peer, prefix, time);
            }
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
        if keep && paths.is_none() {
            out.builder.observe_path(prefix, segments, peer, Some(time));
        }
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
        if let Some(see) = paths.as_mut() {
            if single_origin {
                collapse_into(&sequence, &mut collapsed);
                see(&collapsed, Family::of(&prefix));
            }
        } else if single_origin {
            if keep {
                let baseline = route.record_type.name().starts_with("TABLE_DUMP");
                out.timeline.announce(peer, prefix, &sequence, time, baseline);
            }
            collapse_into(&sequence, &mut collapsed);
            if out.shard.keeps_path(&collapsed) {
                out.paths.see(&collapsed, prefix, peer, time, route.only_to_customer());
            }
        } else if keep {
            out.timeline.withdraw(peer, prefix, time);
        }
        // Each route counts in the pass that keeps its prefix.
        report.used += u64::from(keep);
    }
    report.records = reader.records();
    report.elements = reader.elements();
    report.diagnostics = reader.diagnostics().clone();
    Ok(())
}

fn read_routes(
    out: &mut RouteData,
    spec: &InputSpec,
    path: &Path,
    input: Input,
    format: Format,
    mode: Mode,
    report: &mut SourceReport,
) -> Result<(), PipelineError> {
    let name = spec.collector_for(path);
    let peer = out.builder.peer(&name, std::net::Ipv4Addr::UNSPECIFIED.into(), Asn(0));
    let mut read = 0u64;
    let mut add = |prefix: Prefix, origin: Asn| {
        read += 1;
        if out.shard.keeps_prefix(&prefix) {
            out.builder.observe(prefix, manrs_engine::Origin::Single(origin), None, peer, None);
            report.used += 1;
        }
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
        report.records = read + r.diagnostics().total();
        report.diagnostics = r.diagnostics().clone();
    }
    report.elements = read;
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
