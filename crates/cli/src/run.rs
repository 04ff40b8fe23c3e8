//! `manrs run --config sources.toml --db manrs.db`: reads every period of a
//! sources manifest, analyses it (routing snapshot, RFC 6811 validation, IRR
//! coverage, MANRS Action 4 metrics) and stores each period atomically.
//!
//! A period already in the store is left alone unless `--replace` is given;
//! then the new results replace the old ones in one transaction, so readers
//! see either the old or the new period, never a mix. Progress bars are
//! drawn on stderr when it is a terminal; one line per file read and one
//! summary per period are always printed.

use std::cell::RefCell;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use manrs_input::InputStatus;
use manrs_manifest::{InputKind, Manifest};
use manrs_pipeline::{Observer, PeriodOutcome, SourceReport, run_period};
use manrs_store::Store;
use manrs_types::{Mode, Month};

use crate::progress::{self, Bar};

/// Arguments of `manrs run`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The sources manifest (TOML).
    #[arg(long)]
    config: PathBuf,
    /// The database to write (created if missing).
    #[arg(long)]
    db: PathBuf,
    /// Only these periods (YYYY-MM; repeatable). Default: every period of
    /// the manifest.
    #[arg(long = "period")]
    periods: Vec<Month>,
    /// Rebuild periods that are already stored.
    #[arg(long)]
    replace: bool,
    /// Stop at the first problem in any input instead of skipping and
    /// counting.
    #[arg(long)]
    strict: bool,
    /// Print each period's summary as a JSON line on stdout.
    #[arg(long)]
    json: bool,
    /// Read and analyse each period's routes in N parts, one after the
    /// other, to bound memory: each part keeps the routes of a share of
    /// the address space and a share of the AS paths. The MRT inputs are
    /// read N times (N + 2 without an AS-relationship file) and the
    /// store's page cache is 256/N MiB (at least 16); the stored period is
    /// the same for every N (docs/performance.md).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1024))]
    shards: u32,
}

/// Reports progress on stderr.
pub struct Reporter {
    bars: bool,
    current: RefCell<Option<Bar>>,
}

impl Reporter {
    /// A reporter; bars only when stderr is a terminal.
    pub fn new() -> Self {
        Reporter { bars: std::io::stderr().is_terminal(), current: RefCell::new(None) }
    }
}

impl Observer for Reporter {
    fn file_started(&self, _kind: InputKind, path: &Path, size: u64, status: &InputStatus) {
        if self.bars {
            let bar = progress::spawn_bar(&path.display().to_string(), size, status.clone());
            *self.current.borrow_mut() = Some(bar);
        }
    }

    fn file_finished(&self, r: &SourceReport) {
        if let Some(bar) = self.current.borrow_mut().take() {
            progress::finish(bar);
        }
        let name =
            Path::new(&r.path).file_name().map_or(r.path.clone(), |n| n.to_string_lossy().into());
        let mut line = format!(
            "  {:<10} {name} ({}): {} records, {} used, {:.2} s",
            r.kind.as_str(),
            r.format,
            r.records,
            r.used,
            r.seconds
        );
        if r.diagnostics.total() > 0 {
            line.push_str(&format!(", {} problems skipped", r.diagnostics.total()));
            if r.diagnostics.truncated() {
                line.push_str(" (truncated file)");
            }
        }
        eprintln!("{line}");
        for d in r.diagnostics.kept().iter().take(3) {
            eprintln!("      {d}");
        }
    }

    fn stage(&self, what: &str) {
        eprintln!("  {what}...");
    }
}

/// Runs the command.
pub fn run(args: Args) -> Result<ExitCode> {
    let manifest = Manifest::load(&args.config)?;
    let mode = if args.strict { Mode::Strict } else { Mode::Lenient };
    let mut store = Store::open(&args.db)?;
    let selected: Vec<_> = manifest
        .periods
        .iter()
        .filter(|p| args.periods.is_empty() || args.periods.contains(&p.month))
        .collect();
    for m in &args.periods {
        if manifest.period(*m).is_none() {
            bail!("{}: no period {m} in this manifest", args.config.display());
        }
    }
    if args.shards > 1 {
        // The store's page cache shrinks with the parts (256 MiB in one).
        store.set_cache_mib((256 / args.shards).max(16))?;
    }
    let reporter = Reporter::new();
    for period in selected {
        if !args.replace && store.period(period.month)?.is_some() {
            eprintln!(
                "period {}: already in {}, skipped (use --replace to rebuild it)",
                period.month,
                args.db.display()
            );
            continue;
        }
        let outcome = build_period(
            &manifest,
            period,
            mode,
            args.shards,
            &mut store,
            args.replace,
            &args.config,
            &reporter,
        )?;
        if args.json {
            outln!("{}", serde_json::to_string(&outcome)?);
        } else {
            print_outcome(&outcome, &args.db);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads, analyses and stores one period (shared with `manrs demo`), its
/// routes in `shards` parts.
#[allow(clippy::too_many_arguments)]
pub fn build_period(
    manifest: &Manifest,
    period: &manrs_manifest::PeriodSpec,
    mode: Mode,
    shards: u32,
    store: &mut Store,
    replace: bool,
    config: &Path,
    reporter: &Reporter,
) -> Result<PeriodOutcome> {
    let started = Instant::now();
    eprintln!("period {}: reading {} inputs", period.month, period.inputs.len());
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    let (_, outcome) = run_period(
        store,
        manifest,
        period,
        mode,
        shards,
        Some(&config.display().to_string()),
        now,
        replace,
        reporter,
    )
    .with_context(|| format!("period {}", period.month))?;
    eprintln!("period {}: done in {:.1} s", period.month, started.elapsed().as_secs_f64());
    Ok(outcome)
}

/// Prints a period's summary.
pub fn print_outcome(o: &PeriodOutcome, db: &Path) {
    let s = &o.snapshot;
    outln!(
        "{}: {} routes ({} prefixes, {} origin ASes, {} peers) from {} files",
        o.month,
        s.routes,
        s.prefixes,
        s.origins,
        s.peers,
        o.files
    );
    outln!(
        "  RPKI ({} VRPs): {} valid, {} invalid, {} not found",
        o.vrps,
        o.rov.valid,
        o.rov.invalid,
        o.rov.not_found
    );
    match o.irr_covered {
        Some(c) => outln!(
            "  IRR ({} route objects): {c} of {} routes covered, {} by an object of their own prefix",
            o.irr_objects,
            s.routes,
            o.irr_exact.unwrap_or(0)
        ),
        None => outln!("  IRR: no IRR data in this period (M7IRR not scored)"),
    }
    let left_out = s.as_set_skipped + s.empty_path + s.outside_period + s.below_min_peers;
    if left_out > 0 {
        outln!(
            "  left out: {} AS_SET-origin announcements, {} empty paths, {} outside the month, {} routes below the peer threshold",
            s.as_set_skipped,
            s.empty_path,
            s.outside_period,
            s.below_min_peers
        );
    }
    let a = &o.action1;
    let pruned: Vec<String> = a.pruned.iter().map(|(k, v)| format!("{v} {k}")).collect();
    outln!(
        "  Action 1: {} incidents; {} route leaks ({} relationships; {} of {} paths with the RFC 9234 OTC attribute show one); {} hijacks ({} origin conflicts, {} without evidence either way, {} suspects pruned: {}); bogon routes: {} full, {} administrative, {} from bogon ASNs; {} paths through a bogon ASN ({} at the collector's peer)",
        a.incidents,
        a.leaks,
        a.relationships,
        a.otc_leaks,
        a.otc_paths,
        a.hijacks,
        a.conflicts,
        a.unresolved,
        a.pruned.values().sum::<u64>(),
        if pruned.is_empty() { "none".to_string() } else { pruned.join(", ") },
        a.bogon_full,
        a.bogon_administrative,
        a.bogon_origin_asn,
        a.bogon_path_asn,
        a.bogon_peer_asn
    );
    let c = &o.actions23;
    if c.spoofer_sessions > 0 {
        outln!(
            "  Action 2: {} Spoofer sessions ({} of other months, {} without a result); {} networks tested, {} let spoofed packets out",
            c.spoofer_sessions,
            c.spoofer_other_months,
            c.spoofer_without_result,
            c.spoofer_networks,
            c.spoofer_spoofing_networks
        );
    } else {
        outln!("  Action 2: no Spoofer data (antiSpoofing: no data)");
    }
    if c.contact_networks > 0 {
        outln!(
            "  Action 3: {} networks with a contact record ({} aut-nums, {} RDAP autnums, {} PeeringDB networks, {} PeeringDB contacts, {} of them of networks not read)",
            c.contact_networks,
            c.aut_nums,
            c.rdap_autnums,
            c.peeringdb_networks,
            c.peeringdb_contacts,
            c.peeringdb_contacts_unmatched
        );
    } else {
        outln!("  Action 3: no contact data (coordination: no data)");
    }
    if o.input_problems > 0 {
        outln!("  {} input problems skipped (see the per-file lines above)", o.input_problems);
    }
    let u = &o.universe;
    outln!(
        "  networks: {} origins and {} seen only in AS paths; {} of them not counted in aggregates (AS numbers not delegated: {} origins)",
        u.origins,
        u.transit_only,
        u.excluded,
        u.excluded_origins
    );
    outln!("  stored in {}: {} networks scored", db.display(), o.networks);
}
