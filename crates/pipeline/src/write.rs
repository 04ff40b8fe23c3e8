//! Analysing an ingested period and writing it to the store in one
//! transaction: sources, routes with their evidence VRPs and IRR object,
//! networks, metrics, and the statistics of what was read and left out.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use manrs_engine::aspa::AspaIndex;
use manrs_engine::hijacks::Context;
use manrs_engine::leaks::{SeenPath, detect_leaks, detect_otc_leaks};
use manrs_engine::relationships::infer;
use manrs_engine::{
    Analysis, BogonClass, BogonMatch, Profile, RovCounts, Score, Settings, SnapshotStats,
    SpoofCounts, Universe, UniverseStats, Visibility, Weighting, analyse, scores,
};
use manrs_manifest::InputKind;
use manrs_store::{
    FigureRow, IrrEvidence, MetricRow, NetworkRow, PeriodInfo, PeriodMeta, RouteRow, SourceRow,
    Store, VrpRow,
};
use manrs_types::{Asn, DiagKind, Month};
use serde::Serialize;
use serde_json::{Value, json};

use crate::action1::{Action1Stats, action1};
use crate::actions23::{Actions23, Actions23Stats};
use crate::bogons::bogon_reference;
use crate::ingest::{Ingested, SourceReport};
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
    let Ingested {
        month,
        builder,
        vrps,
        aspas,
        irr,
        irr_rejected: _,
        holders,
        delegations,
        timeline,
        paths,
        context,
        iana,
        undelegated,
        actions23,
        sources,
    } = ingested;
    observer.stage("building the snapshot");
    let snapshot = builder.finish();
    observer.stage("finding hijacks and bogons");
    let mut context = Context { vrps: Some(&vrps), irr: irr.as_ref(), ..context };
    crate::hijacks::add_iana(&mut context, &iana);
    let bogons = bogon_reference(&iana, &undelegated);
    let spans = timeline.finish();
    let paths: Vec<SeenPath> = paths.into_sorted();
    let (relationships, source) = if context.relationships.is_empty() {
        (infer(paths.iter().map(|p| p.path.as_slice())), "inferred")
    } else {
        (std::mem::take(&mut context.relationships), "caida")
    };
    let leaks = detect_leaks(&paths, &relationships);
    let otc_leaks = detect_otc_leaks(&paths, &relationships);
    if source == "caida" {
        // Only measured relationships prune hijack suspects.
        context.relationships = relationships;
    }
    let action1 = action1(
        month,
        &snapshot.routes,
        &snapshot.peers,
        &spans,
        &context,
        &bogons,
        (&leaks, &otc_leaks, source, &AspaIndex::new(&aspas)),
        &paths,
        settings,
        &Weighting::default(),
    );
    // The ASes seen in paths, for the network universe (manrs-spec §2.1).
    let path_asns: BTreeSet<Asn> = paths.iter().flat_map(|p| p.path.iter().copied()).collect();
    drop((spans, leaks, otc_leaks));
    drop(paths);
    observer.stage("validating routes");
    let snapshot_stats = snapshot.stats.clone();
    let analysis: Analysis = analyse(snapshot, &vrps, irr.as_ref(), settings, profile);
    let universe = Universe::new(analysis.metrics.iter().map(|m| m.asn), path_asns, &bogons);
    let mut rov = RovCounts::default();
    let (mut irr_covered, mut irr_exact) = (0, 0);
    for r in &analysis.routes {
        rov.add(r.rov);
        irr_covered += u64::from(r.irr.is_some());
        irr_exact += u64::from(r.irr.as_ref().is_some_and(|m| m.exact));
    }
    let outcome = PeriodOutcome {
        month,
        snapshot: snapshot_stats,
        rov,
        irr_covered: analysis.irr_data.then_some(irr_covered),
        irr_exact: analysis.irr_data.then_some(irr_exact),
        vrps: vrps.len() as u64,
        aspas: aspas.len() as u64,
        irr_objects: irr.as_ref().map_or(0, |i| i.len() as u64),
        networks: analysis.metrics.len() as u64 + universe.counted_transit().count() as u64,
        universe: universe.stats(),
        input_problems: sources.iter().map(|s| s.diagnostics.total()).sum(),
        files: sources.len() as u64,
        action1: action1.stats.clone(),
        actions23: actions23.stats.clone(),
    };
    observer.stage("writing the store");
    let meta = PeriodMeta {
        month,
        created_at,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        manifest: manifest.map(str::to_string),
        settings: serde_json::to_value(settings).unwrap_or(Value::Null),
        profile: serde_json::to_value(profile).unwrap_or(Value::Null),
        profile_version: profile.version.clone(),
    };
    let mut w = store.begin_period(&meta, replace)?;
    for s in &sources {
        w.add_source(&source_row(s))?;
    }
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
    for m in &analysis.metrics {
        w.add_network(&network(m.asn))?;
        w.add_metrics(&MetricRow {
            asn: m.asn,
            routes: m.counts.routes,
            valid: m.counts.valid,
            invalid: m.counts.invalid,
            not_found: m.counts.not_found,
            irr_covered: analysis.irr_data.then_some(m.counts.irr_covered),
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
