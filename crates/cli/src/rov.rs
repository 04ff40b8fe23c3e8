//! `manrs rov --vrps FILE --routes FILE... [--json] [--detail]`: bulk route
//! origin validation (RFC 6811) of route lists, like `routinator validate`.
//!
//! Routes come from pyasn ipasn files, `prefix,asn` lists or MRT files (the
//! announced and RIB elements; the origin is the last AS of the path, none
//! when the path ends in an AS_SET). Each distinct (prefix, origin) pair is
//! validated once.

use std::collections::HashSet;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use manrs_engine::{RovCounts, RovState, VrpIndex};
use manrs_input::Input;
use manrs_mrt::{ElemType, MrtReader, RouteItem};
use manrs_rpki::{Payload, VrpReader};
use manrs_sources::ipasn::IpAsnReader;
use manrs_sources::routes::RouteCsvReader;
use manrs_types::{Asn, Diagnostics, Mode, Prefix};
use serde_json::json;

use manrs_pipeline::detect::{self, Format, SNIFF_BYTES};

/// Arguments of `manrs rov`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The VRP file (rpki-client or Routinator JSON, CSV; plain or compressed).
    #[arg(long)]
    vrps: PathBuf,
    /// Route files: ipasn `.dat`, `prefix,asn` lists or MRT.
    #[arg(long, required = true, num_args = 1..)]
    routes: Vec<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    /// Print every route with its state (and, with --json, its covering VRPs).
    #[arg(long)]
    detail: bool,
}

type Route = (Prefix, Option<Asn>);

/// Runs the command.
pub fn run(args: Args) -> Result<ExitCode> {
    let started = Instant::now();
    let (index, vrp_diags) = load_vrps(&args.vrps)?;
    let loaded = started.elapsed().as_secs_f64();
    let mut routes: HashSet<Route> = HashSet::new();
    let mut order: Vec<Route> = Vec::new();
    let mut route_diags = Diagnostics::default();
    for path in &args.routes {
        read_routes(
            path,
            &mut |r| {
                if routes.insert(r) {
                    order.push(r);
                }
            },
            &mut route_diags,
        )?;
    }
    let mut counts = RovCounts::default();
    let mut detail = Vec::new();
    for (prefix, origin) in &order {
        let state = index.validate(prefix, *origin);
        counts.add(state);
        if args.detail {
            detail.push((*prefix, *origin, state));
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    for d in vrp_diags.kept().iter().chain(route_diags.kept()).take(10) {
        eprintln!("warning: {d}");
    }
    if args.json {
        let mut out = json!({
            "valid": counts.valid,
            "invalid": counts.invalid,
            "notFound": counts.not_found,
            "routes": counts.total(),
            "vrps": index.len(),
            "skipped": vrp_diags.total() + route_diags.total(),
            "seconds": (seconds * 1000.0).round() / 1000.0,
        });
        if args.detail {
            let list: Vec<_> = detail
                .iter()
                .map(|(p, o, s)| {
                    json!({
                        "prefix": p,
                        "origin": o,
                        "state": s.as_str(),
                        "vrps": if *s == RovState::NotFound { Vec::new() } else { index.covering(p) },
                    })
                })
                .collect();
            out["results"] = json!(list);
        }
        outln!("{out}");
    } else {
        if args.detail {
            for (p, o, s) in &detail {
                let o = o.map(|a| a.to_string()).unwrap_or_else(|| "AS_SET".into());
                outln!("{p} {o} {}", s.as_str());
            }
        }
        outln!(
            "{} routes: {} valid, {} invalid, {} not found ({} VRPs loaded in {loaded:.2} s, total {seconds:.2} s)",
            counts.total(),
            counts.valid,
            counts.invalid,
            counts.not_found,
            index.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn load_vrps(path: &PathBuf) -> Result<(VrpIndex, Diagnostics)> {
    let mut reader = VrpReader::open(path, Mode::Lenient)?;
    let mut index = VrpIndex::new();
    for item in reader.by_ref() {
        if let Ok(Payload::Vrp(v)) = item {
            index.insert(&v);
        }
    }
    let diags = reader.diagnostics().clone();
    if index.is_empty() {
        bail!("{}: no VRPs found", path.display());
    }
    Ok((index, diags))
}

fn read_routes(path: &PathBuf, add: &mut dyn FnMut(Route), diags: &mut Diagnostics) -> Result<()> {
    let mut input = Input::open(path)?;
    let head = input.peek(SNIFF_BYTES).with_context(|| format!("{}", path.display()))?;
    match detect::detect(&head) {
        Some(Format::Source(manrs_sources::Format::IpAsn)) => {
            let mut r = IpAsnReader::new(input, Mode::Lenient);
            for e in r.by_ref().flatten() {
                add((e.prefix, Some(e.origin)));
            }
            diags.merge(r.diagnostics().clone());
        }
        Some(Format::Source(manrs_sources::Format::RouteCsv)) => {
            let mut r = RouteCsvReader::new(input, Mode::Lenient);
            for e in r.by_ref().flatten() {
                add((e.prefix, Some(e.origin)));
            }
            diags.merge(r.diagnostics().clone());
        }
        Some(Format::Mrt) => {
            let mut r = MrtReader::new(input, Mode::Lenient);
            while let Some(item) = r.next_route() {
                let Ok(RouteItem::Route(route)) = item else { continue };
                if route.elem_type == ElemType::WITHDRAW {
                    continue;
                }
                let prefix = Prefix::new_truncating(route.prefix);
                // RFC 6811 §2: the last AS of a path ending in an
                // AS_SEQUENCE; none when it ends in an AS_SET.
                add((prefix, route.origin_asn()));
            }
            diags.merge(r.diagnostics().clone());
        }
        _ => bail!("{}: not a route list (ipasn, prefix,asn CSV or MRT)", path.display()),
    }
    Ok(())
}
