//! `manrs demo`: builds the demo database from the embedded demo dataset
//! (`data/demo/sources.toml`: real RouteViews data, non-ARIN VRPs; see
//! `data/README.md`) and prints a summary with an RPKI-invalid route
//! explained end to end, then serves the dashboard on it (`--no-serve`
//! stops after the summary).
//!
//! Periods already in the database are reused unless `--rebuild` is given.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use manrs_engine::RovState;
use manrs_manifest::Manifest;
use manrs_store::{RouteQuery, Store};
use manrs_types::Mode;

use crate::run::{Reporter, build_period};

/// Arguments of `manrs demo`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The database to build.
    #[arg(long, default_value = "manrs-demo.db")]
    db: PathBuf,
    /// The demo manifest (default: data/demo/sources.toml of this source
    /// tree, or of the current directory).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Rebuild periods already in the database.
    #[arg(long)]
    rebuild: bool,
    /// Build and summarise only; do not serve the dashboard.
    #[arg(long)]
    no_serve: bool,
    /// Where the dashboard listens.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: std::net::SocketAddr,
}

/// The demo manifest: the one given, else the source tree's, else the one
/// under the current directory.
fn demo_manifest(given: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(p) = given {
        return Ok(p);
    }
    let candidates = [
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/demo/sources.toml"),
        PathBuf::from("data/demo/sources.toml"),
    ];
    for c in &candidates {
        if c.is_file() {
            return Ok(c.clone());
        }
    }
    bail!(
        "the demo dataset was not found (looked for {}); run from a manrs source tree or pass --config",
        candidates.iter().map(|c| c.display().to_string()).collect::<Vec<_>>().join(" and ")
    )
}

/// Runs the command.
pub fn run(args: Args) -> Result<ExitCode> {
    let config = demo_manifest(args.config)?;
    let manifest = Manifest::load(&config)?;
    let mut store = Store::open(&args.db)?;
    let reporter = Reporter::new();
    for period in &manifest.periods {
        if !args.rebuild && store.period(period.month)?.is_some() {
            eprintln!(
                "period {}: already in {}, reused (--rebuild to rebuild)",
                period.month,
                args.db.display()
            );
            continue;
        }
        build_period(&manifest, period, Mode::Lenient, 1, &mut store, true, &config, &reporter)?;
    }
    summary(&store, &args.db)?;
    drop(store);
    if !args.no_serve {
        outln!();
        crate::serve::serve(&args.db, args.listen)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn summary(store: &Store, db: &Path) -> Result<()> {
    outln!("manrs demo database: {}", db.display());
    let periods = store.periods()?;
    for p in &periods {
        let metrics = store.all_metrics(p.month())?;
        let (mut valid, mut invalid, mut not_found) = (0, 0, 0);
        let mut bands = [0u64; 3];
        for m in &metrics {
            valid += m.valid;
            invalid += m.invalid;
            not_found += m.not_found;
            if let Some(b) = m.rpki_band {
                bands[b as usize] += 1;
            }
        }
        outln!(
            "  {}: {} routes from {} networks; RPKI {} valid, {} invalid, {} not found; routingInformationRPKI bands: {} ready, {} aspiring, {} lagging",
            p.month(),
            p.routes,
            p.networks,
            valid,
            invalid,
            not_found,
            bands[0],
            bands[1],
            bands[2]
        );
    }
    let Some(latest) = periods.first() else {
        return Ok(());
    };
    // One invalid route explained: the first of the network with the most.
    let metrics = store.all_metrics(latest.month())?;
    let Some(worst) = metrics
        .iter()
        .filter(|m| m.invalid > 0)
        .max_by_key(|m| (m.invalid, std::cmp::Reverse(m.asn)))
    else {
        return Ok(());
    };
    let q = RouteQuery {
        origin: Some(worst.asn),
        rov: Some(RovState::Invalid),
        limit: Some(1),
        ..Default::default()
    };
    let route = store.routes(latest.month(), &q)?.into_iter().next().context("an invalid route")?;
    let vrps = store.route_vrps(route.id)?;
    outln!();
    outln!(
        "Example from {}: AS{} originates {} RPKI-invalid routes, e.g. {}:",
        latest.month(),
        worst.asn.0,
        worst.invalid,
        route.row.route.prefix
    );
    for v in &vrps {
        outln!(
            "  covered by VRP {} max /{} AS{}{}",
            v.prefix,
            v.max_len,
            v.asn.0,
            v.ta.as_ref().map(|t| format!(" ({t})")).unwrap_or_default()
        );
    }
    outln!();
    outln!("Explain a network:  manrs check AS{} --db {}", worst.asn.0, db.display());
    outln!("Per-route JSON:     manrs check AS{} --db {} --json", worst.asn.0, db.display());
    Ok(())
}
