//! `manrs rov --vrps FILE --routes FILE... [--json] [--detail]`: bulk route
//! origin validation (RFC 6811) of route lists, like `routinator validate`.
//!
//! Routes come from pyasn ipasn files, `prefix,asn` lists or MRT files (the
//! announced and RIB elements; the origin is the last AS of the path, none
//! when the path ends in an AS_SET). Each distinct (prefix, origin) pair is
//! validated once. With `--threads` above 1 (the default on a multi-core
//! machine) the VRP file loads beside the route lists and validation runs
//! in parallel slices; the results are the same.

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
///
/// With more than one thread (`--threads`, one per core by default) the VRP
/// file is loaded on a thread of its own while this one reads the route
/// lists, and the routes are validated in as many slices as threads.
pub fn run(args: Args) -> Result<ExitCode> {
    let started = Instant::now();
    let threads = manrs_input::decode_threads();
    let (vrps, routes) = if threads > 1 {
        std::thread::scope(|s| {
            let vrps = s.spawn(|| (load_vrps(&args.vrps), started.elapsed()));
            let routes = read_all_routes(&args.routes);
            let vrps = vrps.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
            (vrps, routes)
        })
    } else {
        let vrps = (load_vrps(&args.vrps), started.elapsed());
        (vrps, read_all_routes(&args.routes))
    };
    let (index, vrp_diags) = vrps.0?;
    let loaded = vrps.1.as_secs_f64();
    let (order, route_diags) = routes?;
    let states = validate(&index, &order, threads);
    let mut counts = RovCounts::default();
    for state in &states {
        counts.add(*state);
    }
    let seconds = started.elapsed().as_secs_f64();
    for d in vrp_diags.kept().iter().chain(route_diags.kept()).take(10) {
        eprintln!("warning: {d}");
    }
    let detail = || order.iter().zip(&states).map(|((p, o), s)| (p, o, *s));
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
            let list: Vec<_> = detail()
                .map(|(p, o, s)| {
                    json!({
                        "prefix": p,
                        "origin": o,
                        "state": s.as_str(),
                        "vrps": if s == RovState::NotFound { Vec::new() } else { index.covering(p) },
                    })
                })
                .collect();
            out["results"] = json!(list);
        }
        outln!("{out}");
    } else {
        if args.detail {
            for (p, o, s) in detail() {
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

/// The distinct routes of all route files, in the order first seen.
///
/// Routes are collected with their position and de-duplicated by sorting
/// (whenever the list has doubled since the last time, so it never holds
/// more than about twice the distinct routes): a hash set of the 1.4 M
/// routes of a full table costs more, mostly in the fresh memory its growth
/// touches.
fn read_all_routes(paths: &[PathBuf]) -> Result<(Vec<Route>, Diagnostics)> {
    let mut routes = Routes::default();
    let mut diags = Diagnostics::default();
    for path in paths {
        read_routes(path, &mut |r| routes.push(r), &mut diags)?;
    }
    Ok((routes.into_first_seen(), diags))
}

/// Routes as read, with the position each was first seen at.
#[derive(Default)]
struct Routes {
    list: Vec<(Route, u64)>,
    seen: u64,
    /// Length of the list after the last de-duplication.
    distinct: usize,
}

impl Routes {
    fn push(&mut self, route: Route) {
        self.list.push((route, self.seen));
        self.seen += 1;
        if self.list.len() >= (2 * self.distinct).max(1 << 20) {
            self.dedup();
        }
    }

    /// Sorts by route, then position, and keeps each route's first.
    fn dedup(&mut self) {
        self.list.sort_unstable();
        self.list.dedup_by(|later, first| later.0 == first.0);
        self.distinct = self.list.len();
    }

    fn into_first_seen(mut self) -> Vec<Route> {
        self.dedup();
        self.list.sort_unstable_by_key(|(_, seen)| *seen);
        self.list.into_iter().map(|(route, _)| route).collect()
    }
}

/// The state of each route, validated in `threads` slices.
fn validate(index: &VrpIndex, routes: &[Route], threads: usize) -> Vec<RovState> {
    let one = |slice: &[Route]| -> Vec<RovState> {
        slice.iter().map(|(prefix, origin)| index.validate(prefix, *origin)).collect()
    };
    if threads <= 1 || routes.len() < 10_000 {
        return one(routes);
    }
    let size = routes.len().div_ceil(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = routes.chunks(size).map(|c| s.spawn(move || one(c))).collect();
        let mut states = Vec::with_capacity(routes.len());
        for h in handles {
            states.extend(h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
        }
        states
    })
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
