//! Analysing an ingested period and writing it to the store in one
//! transaction: sources, routes with their evidence VRPs and IRR object,
//! networks, metrics, and the statistics of what was read and left out.
//!
//! [`run_period`] reads a period in parts when asked: the other inputs
//! once, then each part's routes, analysed and written before the next is
//! read; counts per AS, the snapshot statistics and the Action 1 findings
//! add up across parts, and the networks, metrics and incidents are
//! written once all parts are in.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use manrs_engine::aspa::AspaIndex;
use manrs_engine::hijacks::Context;
use manrs_engine::leaks::{Relationships, SeenPath, detect_leaks, detect_otc_leaks};
use manrs_engine::relationships::{Family, GraphBuilder, Inferred, Options, infer_families};
use manrs_engine::{
    Analysis, AsCounts, AsMetrics, BogonClass, BogonMatch, BogonRef, IrrIndex, Peer, Profile,
    RovCounts, Score, Settings, SnapshotStats, SpoofCounts, Universe, UniverseStats, Visibility,
    VrpIndex, Weighting, analyse, scores,
};
use manrs_manifest::{InputKind, Manifest, PeriodSpec};
use manrs_store::{
    FigureRow, IrrEvidence, MetricRow, NetworkRow, PeriodInfo, PeriodMeta, PeriodWriter, RouteRow,
    SourceRow, Store, VrpRow,
};
use manrs_types::{Asn, DiagKind, Mode, Month};
use serde::Serialize;
use serde_json::{Value, json};

use crate::action1::{Action1Builder, Action1Stats};
use crate::actions23::{Actions23, Actions23Stats};
use crate::bogons::bogon_reference;
use crate::ingest::{
    Ingested, RouteData, Shard, SourceReport, gives_routes, ingest_context, ingest_period,
    read_paths, reread_shard,
};
use crate::{Observer, PipelineError};

/// How many diagnostics of each source are stored in full.
const KEEP_DIAGNOSTICS: usize = 20;

/// What a stored period holds, for the summary a command prints.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PeriodOutcome {
    /// The period.
    pub month: Month,
    /// Snapshot statistics.
    pub snapshot: SnapshotStats,
    /// RFC 6811 totals over all routes.
    pub rov: RovCounts,
    /// Routes covered by an IRR object; `None` without IRR data.
    pub irr_covered: Option<u64>,
    /// Of those, covered by an object of their own prefix (the evidence
    /// prefers the most trusted source, then the exact object).
    pub irr_exact: Option<u64>,
    /// VRPs loaded.
    pub vrps: u64,
    /// ASPA objects loaded.
    pub aspas: u64,
    /// IRR route objects loaded.
    pub irr_objects: u64,
    /// Networks stored: every origin AS, and the transit-only ASes that
    /// count (manrs-spec §2.1).
    pub networks: u64,
    /// The network universe: visible, transit-only and excluded ASes.
    pub universe: UniverseStats,
    /// Problems found in the inputs, over all files.
    pub input_problems: u64,
    /// Files read.
    pub files: u64,
    /// Action 1 detection counts.
    pub action1: Action1Stats,
    /// What the Spoofer and contact inputs gave (Actions 2 and 3).
    pub actions23: Actions23Stats,
}

fn source_row(r: &SourceReport) -> SourceRow {
    let by_kind: BTreeMap<&str, u64> =
        r.diagnostics.counts().filter(|(_, n)| *n > 0).map(|(k, n)| (k.as_str(), n)).collect();
    let first: Vec<String> =
        r.diagnostics.kept().iter().take(KEEP_DIAGNOSTICS).map(|d| d.to_string()).collect();
    SourceRow {
        kind: r.kind.as_str().to_string(),
        path: r.path.clone(),
        format: r.format.clone(),
        records: r.records,
        elements: r.elements,
        errors: r.diagnostics.total(),
        truncated: r.diagnostics.truncated(),
        diagnostics: json!({
            "used": r.used,
            "seconds": (r.seconds * 1000.0).round() / 1000.0,
            "errorsByKind": by_kind,
            "diagnostics": first,
            "truncated": r.diagnostics.count(DiagKind::Truncated) > 0,
        }),
    }
}

/// Why a visible AS does not count in aggregates, as stored.
fn excluded_reason(m: &BogonMatch) -> String {
    match m.class {
        BogonClass::Full => format!("bogon AS number: {}", m.reason),
        // The reason names the registry and says "not delegated".
        BogonClass::Administrative => m.reason.clone(),
    }
}

/// The key figures of Actions 1-3 of one network (manrs-spec §2.6).
///
/// `filtering_raw` is `None` when the period has no MRT input: routes of
/// prefix-origin lists carry no time, so no Action 1 incident can be found
/// and filtering is "no data" rather than a perfect score.
fn figures(
    asn: Asn,
    filtering_raw: Option<&HashMap<Asn, f64>>,
    a: &Actions23,
    profile: &Profile,
) -> FigureRow {
    let raw = filtering_raw.map(|f| f.get(&asn).copied().unwrap_or(0.0));
    let spoof = a.spoof.get(asn);
    let contacts = a.contacts.get(asn);
    FigureRow {
        filtering_raw: raw,
        filtering: raw.map_or(Score::NO_DATA, |r| scores::filtering(r, profile)),
        spoof_sessions: spoof.map(|s| s.sessions.len() as u64),
        spoof_prefixes: spoof.map(SpoofCounts::raw),
        spoof_evidence: spoof.map(|s| {
            json!({
                "sessions": s.sessions,
                "spoofedPrefixes": s.spoofed_prefixes.iter().map(ToString::to_string).collect::<Vec<_>>(),
                "spoofedSessionsWithoutPrefix": s.spoofed_without_prefix,
            })
        }),
        anti_spoofing: scores::anti_spoofing(spoof, profile),
        contacts: contacts.map(|c| {
            json!({
                "records": c.records,
                "contacts": c.contacts.iter().map(|x| json!({
                    "source": x.source,
                    "role": x.role,
                    "reference": x.reference,
                    "counts": profile.counts_contact(&x.role),
                })).collect::<Vec<_>>(),
            })
        }),
        coordination: scores::coordination(contacts, profile),
    }
}

/// Builds the snapshot, analyses it and stores the period. With `replace`
/// an already stored period is swapped for the new one in the same
/// transaction; without, an existing period is an error.
#[allow(clippy::too_many_arguments)]
pub fn store_period(
    store: &mut Store,
    ingested: Ingested,
    settings: &Settings,
    profile: &Profile,
    manifest: Option<&str>,
    created_at: i64,
    replace: bool,
    observer: &dyn Observer,
) -> Result<(PeriodInfo, PeriodOutcome), PipelineError> {
    let how = How { settings, profile, manifest, created_at, replace, observer };
    write_period(store, ingested, None, &how)
}

/// Reads, analyses and stores one period in `shards` parts (1: in one
/// pass). Each part's routes are read, analysed and written before the next
/// is read; the inputs other than MRT and prefix-origin lists are read
/// once. Without an AS-relationship file, relationships are inferred from
/// every path of the period first, in passes of their own. The stored
/// period is the same whatever the number of parts (`crate::Shard`).
#[allow(clippy::too_many_arguments)]
pub fn run_period(
    store: &mut Store,
    manifest: &Manifest,
    period: &PeriodSpec,
    mode: Mode,
    shards: u32,
    label: Option<&str>,
    created_at: i64,
    replace: bool,
    observer: &dyn Observer,
) -> Result<(PeriodInfo, PeriodOutcome), PipelineError> {
    // In one part everything is read in one pass; in several, the other
    // inputs first, then (without a relationship file) the inference
    // passes, then each part's routes, so that no two of them are in
    // memory at once.
    let ingested = if shards > 1 {
        ingest_context(manifest, period, mode, observer)?
    } else {
        ingest_period(manifest, period, mode, observer)?
    };
    let how = How {
        settings: &manifest.analysis,
        profile: &manifest.profile,
        manifest: label,
        created_at,
        replace,
        observer,
    };
    write_period(store, ingested, Some((Reread { manifest, period, mode }, shards)), &how)
}

/// What a sharded run needs to read the routes of the other parts.
#[derive(Clone, Copy)]
struct Reread<'a> {
    manifest: &'a Manifest,
    period: &'a PeriodSpec,
    mode: Mode,
}

/// The settings of a write.
struct How<'a> {
    settings: &'a Settings,
    profile: &'a Profile,
    manifest: Option<&'a str>,
    created_at: i64,
    replace: bool,
    observer: &'a dyn Observer,
}

/// What is shared by the parts of a period.
struct Shared<'a> {
    context: Context<'a>,
    bogons: BogonRef,
    aspa: AspaIndex,
    vrps: &'a VrpIndex,
    irr: Option<&'a IrrIndex>,
}

/// What the parts of a period add up to.
#[derive(Default)]
struct Totals {
    snapshot: SnapshotStats,
    peers: BTreeSet<Peer>,
    counts: BTreeMap<Asn, AsCounts>,
    rov: RovCounts,
    irr_covered: u64,
    irr_exact: u64,
    action1: Action1Builder,
    path_asns: BTreeSet<Asn>,
    /// Inferred relationships (from the first part's paths when the period
    /// is read in one part).
    inferred: Option<Inferred>,
}

/// Relationships inferred from every path of the period, streamed from the
/// MRT inputs twice (`relationships`: the graph and the clique, then the
/// links of the paths that are not poisoned), without keeping the paths.
fn infer_streaming(
    reread: &Reread<'_>,
    observer: &dyn Observer,
) -> Result<Inferred, PipelineError> {
    let Reread { manifest, period, mode } = *reread;
    observer.stage("inferring AS relationships: the AS graph of every path");
    let mut graph = GraphBuilder::new();
    read_paths(manifest, period, mode, observer, &mut |p, _| graph.see(p))?;
    let mut links = graph.finish(Options::default());
    observer.stage("inferring AS relationships: the links of every path");
    read_paths(manifest, period, mode, observer, &mut |p, family| links.see(p, family))?;
    Ok(links.finish())
}

/// Analyses one part of a period and writes its routes.
fn analyse_part(
    w: &mut PeriodWriter<'_>,
    part: RouteData,
    shared: &Shared<'_>,
    how: &How<'_>,
    totals: &mut Totals,
) -> Result<(), PipelineError> {
    let (settings, observer) = (how.settings, how.observer);
    let RouteData { builder, timeline, paths, shard } = part;
    let of = |what: &str| {
        if shard.count > 1 {
            format!("{what} (part {} of {})", shard.index + 1, shard.count)
        } else {
            what.to_string()
        }
    };
    observer.stage(&of("building the snapshot"));
    let peers: Vec<Peer> = builder.peers().to_vec();
    let snapshot = builder.finish();
    observer.stage(&of("finding hijacks and bogons"));
    let spans = timeline.finish();
    let paths: Vec<SeenPath> = paths.into_sorted();
    // CAIDA's file, inferred from IPv4 paths, judges both families.
    let inferred: &Inferred;
    let (relationships, source): (&Relationships<'_>, _) =
        if shared.context.relationships.is_empty() {
            inferred = totals.inferred.get_or_insert_with(|| {
                infer_families(paths.iter().map(|p| (p.path.as_slice(), Family::of(&p.prefix))))
            });
            (&|f| inferred.of(f), "inferred")
        } else {
            (&|_| &shared.context.relationships, "caida")
        };
    let leaks = detect_leaks(&paths, relationships);
    let otc_leaks = detect_otc_leaks(&paths, relationships);
    totals.action1.add(
        &snapshot.routes,
        &peers,
        &spans,
        &shared.context,
        &shared.bogons,
        (&leaks, &otc_leaks, source, &shared.aspa),
        &paths,
        settings,
    );
    // The ASes seen in paths, for the network universe (manrs-spec §2.1).
    totals.path_asns.extend(paths.iter().flat_map(|p| p.path.iter().copied()));
    drop((spans, leaks, otc_leaks));
    drop(paths);
    observer.stage(&of("validating routes"));
    // Parts share no route and no prefix: their counts add up (peers and
    // origins are counted at the end, from their union).
    let (t, s) = (&mut totals.snapshot, &snapshot.stats);
    t.add_observations(s);
    t.below_min_peers += s.below_min_peers;
    t.routes += s.routes;
    t.prefixes += s.prefixes;
    totals.peers.extend(snapshot.peers.iter().cloned());
    let analysis: Analysis = analyse(snapshot, shared.vrps, shared.irr, settings, how.profile);
    for m in &analysis.metrics {
        totals.counts.entry(m.asn).or_default().merge(&m.counts);
    }
    for r in &analysis.routes {
        totals.rov.add(r.rov);
        totals.irr_covered += u64::from(r.irr.is_some());
        totals.irr_exact += u64::from(r.irr.as_ref().is_some_and(|m| m.exact));
    }
    observer.stage(&of("writing the store"));
    for r in analysis.routes {
        let row = RouteRow {
            route: r.route,
            rov: r.rov,
            irr: r.irr.map(|m| IrrEvidence { source: m.source, prefix: m.prefix, exact: m.exact }),
        };
        let id = w.add_route(&row)?;
        for c in &r.vrps {
            w.add_route_vrp(
                id,
                &VrpRow {
                    prefix: c.vrp.prefix,
                    max_len: c.vrp.max_len,
                    asn: c.vrp.asn,
                    ta: c.vrp.ta.clone(),
                    matched: c.matched,
                },
            )?;
        }
    }
    Ok(())
}

/// Writes a period: with `reread`, its routes are read (again) in that many
/// parts; without, the routes of `ingested` are the whole period.
fn write_period(
    store: &mut Store,
    ingested: Ingested,
    reread: Option<(Reread<'_>, u32)>,
    how: &How<'_>,
) -> Result<(PeriodInfo, PeriodOutcome), PipelineError> {
    let (settings, profile, observer) = (how.settings, how.profile, how.observer);
    let Ingested {
        month,
        routes,
        vrps,
        aspas,
        irr,
        irr_rejected: _,
        holders,
        delegations,
        context,
        iana,
        undelegated,
        actions23,
        mut sources,
    } = ingested;
    // Parts read again, or none: the routes of `ingested` are the period.
    let (reread, shards) = match reread {
        Some((r, n)) if n > 1 => (Some(r), n),
        _ => (None, 1),
    };
    let mut shared = Shared {
        context: Context { vrps: Some(&vrps), irr: irr.as_ref(), ..context },
        bogons: bogon_reference(&iana, &undelegated),
        aspa: AspaIndex::new(&aspas),
        vrps: &vrps,
        irr: irr.as_ref(),
    };
    crate::hijacks::add_iana(&mut shared.context, &iana);
    let mut totals = Totals::default();
    if let Some(r) = &reread
        && shared.context.relationships.is_empty()
    {
        totals.inferred = Some(infer_streaming(r, observer)?);
    }
    let meta = PeriodMeta {
        month,
        created_at: how.created_at,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        manifest: how.manifest.map(str::to_string),
        settings: serde_json::to_value(settings).unwrap_or(Value::Null),
        profile: serde_json::to_value(profile).unwrap_or(Value::Null),
        profile_version: profile.version.clone(),
    };
    let mut w = store.begin_period(&meta, how.replace)?;
    match &reread {
        None => analyse_part(&mut w, routes, &shared, how, &mut totals)?,
        Some(r) => {
            drop(routes);
            for index in 0..shards {
                observer.stage(&format!("reading the routes of part {} of {shards}", index + 1));
                let shard = Shard::new(index, shards);
                let (part, reports) = reread_shard(r.manifest, r.period, r.mode, observer, shard)?;
                // The reports of the route inputs were left empty; every
                // route is used in the part that keeps its prefix.
                let mut again = reports.into_iter();
                for s in sources.iter_mut().filter(|s| gives_routes(s.kind)) {
                    let Some(a) = again.next() else { break };
                    if index == 0 {
                        *s = a;
                    } else {
                        s.used += a.used;
                        s.seconds += a.seconds;
                    }
                }
                analyse_part(&mut w, part, &shared, how, &mut totals)?;
            }
        }
    }
    let Totals {
        mut snapshot, peers, counts, rov, irr_covered, irr_exact, action1, path_asns, ..
    } = totals;
    let action1 = action1.finish(month, &Weighting::default());
    snapshot.origins = counts.len() as u64;
    snapshot.peers = peers.len() as u64;
    let irr_data = irr.is_some();
    let metrics: Vec<AsMetrics> = counts
        .into_iter()
        .map(|(asn, c)| AsMetrics::from_counts(asn, c, irr_data, profile))
        .collect();
    let universe = Universe::new(metrics.iter().map(|m| m.asn), path_asns, &shared.bogons);
    let outcome = PeriodOutcome {
        month,
        snapshot,
        rov,
        irr_covered: irr_data.then_some(irr_covered),
        irr_exact: irr_data.then_some(irr_exact),
        vrps: vrps.len() as u64,
        aspas: aspas.len() as u64,
        irr_objects: irr.as_ref().map_or(0, |i| i.len() as u64),
        networks: metrics.len() as u64 + universe.counted_transit().count() as u64,
        universe: universe.stats(),
        input_problems: sources.iter().map(|s| s.diagnostics.total()).sum(),
        files: sources.len() as u64,
        action1: action1.stats.clone(),
        actions23: actions23.stats.clone(),
    };
    observer.stage("writing networks, metrics and incidents");
    for s in &sources {
        w.add_source(&source_row(s))?;
    }
    // Action 1 needs routes with times (MRT); see `figures`.
    let dated = sources.iter().any(|s| s.kind == InputKind::Mrt && s.used > 0);
    let mut filtering_raw: HashMap<Asn, f64> = HashMap::new();
    for i in &action1.incidents {
        w.add_incident(i)?;
        if profile.feeds_filtering(&i.metric) {
            *filtering_raw.entry(i.asn).or_default() += i.score;
        }
    }
    let network = |asn: Asn| {
        let holder = holders.get(&asn);
        let delegation = delegations.get(&asn);
        let member = universe.get(asn);
        NetworkRow {
            asn,
            holder: holder.map(|h| h.name.clone()),
            country: delegation
                .and_then(|d| d.country)
                .or_else(|| holder.and_then(|h| h.country))
                .map(|c| c.to_string()),
            rir: delegation.map(|d| d.registry.clone()),
            status: delegation.map(|d| d.status.clone()),
            visibility: member.map_or(Visibility::Origin, |m| m.visibility),
            excluded: member.and_then(|m| m.excluded.as_ref()).map(excluded_reason),
        }
    };
    let filtering_raw = dated.then_some(&filtering_raw);
    for m in &metrics {
        w.add_network(&network(m.asn))?;
        w.add_metrics(&MetricRow {
            asn: m.asn,
            routes: m.counts.routes,
            valid: m.counts.valid,
            invalid: m.counts.invalid,
            not_found: m.counts.not_found,
            irr_covered: irr_data.then_some(m.counts.irr_covered),
            rpki_value: Some(m.rpki_value),
            rpki_band: Some(m.rpki_band),
            irr_value: m.irr_value,
            irr_band: m.irr_band,
            figures: figures(m.asn, filtering_raw, &actions23, profile),
        })?;
    }
    // Transit-only networks: no route of their own, so no Action 4
    // figures, but Actions 1-3 measure them like any other.
    for asn in universe.counted_transit() {
        w.add_network(&network(asn))?;
        w.add_metrics(&MetricRow {
            asn,
            routes: 0,
            valid: 0,
            invalid: 0,
            not_found: 0,
            irr_covered: None,
            rpki_value: None,
            rpki_band: None,
            irr_value: None,
            irr_band: None,
            figures: figures(asn, filtering_raw, &actions23, profile),
        })?;
    }
    let stats = serde_json::to_value(&outcome).unwrap_or(Value::Null);
    w.commit(&stats)?;
    let info = store.period(month)?.ok_or_else(|| PipelineError::Content {
        path: store.path().to_path_buf(),
        message: format!("period {month} missing right after its commit"),
    })?;
    Ok((info, outcome))
}
