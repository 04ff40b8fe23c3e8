//! The `manrs` command-line tool: a thin front end over the library crates.
//!
//! Each subcommand lives in its own module; this file only parses arguments
//! and maps failures to exit codes (0 success, 1 failure, 2 usage error).

/// `println!` for command output: a closed pipe (`manrs ... | head`) ends
/// the program quietly instead of panicking.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(std::io::stdout(), $($arg)*) {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
            eprintln!("error: writing to stdout: {e}");
            std::process::exit(1);
        }
    }};
}

mod admin;
mod bench_data;
mod check;
mod demo;
mod incidents;
mod inspect;
mod programme;
mod progress;
mod report;
mod rov;
mod run;
mod serve;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// An open, self-hostable MANRS Observatory.
#[derive(Debug, Parser)]
#[command(name = "manrs", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Threads per bzip2 input: 0 (the default) is one per available core,
    /// 1 the sequential decoder; with N, N - 1 worker threads decode blocks
    /// and the reading thread decodes too whenever it would wait. `rov`
    /// also loads the VRPs beside the routes and validates in N slices when
    /// N > 1.
    #[arg(long, global = true, default_value_t = 0)]
    threads: usize,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Detect each file's format by content, stream it and print counts and
    /// diagnostics.
    Inspect(inspect::Args),
    /// Validate the origins of route lists against VRPs (RFC 6811).
    Rov(rov::Args),
    /// Read the periods of a sources manifest, analyse them and store the
    /// results.
    Run(run::Args),
    /// Report a network's five MANRS key figures for a stored period, with
    /// the evidence of every point lost.
    Check(check::Args),
    /// List the Action 1 incidents (hijacks, bogons) of a stored period.
    Incidents(incidents::Args),
    /// Build the demo database from the embedded demo dataset, summarise it
    /// and serve the dashboard.
    Demo(demo::Args),
    /// Serve the dashboard and the public JSON API over a database.
    Serve(serve::Args),
    /// The five key figures of a network, an economy, a region or the
    /// world, with history and a comparison of two periods; or every
    /// network's key figures as CSV.
    Report(report::Args),
    /// Manage accounts: `manrs admin create-user --db F --email E --role R`.
    Admin(admin::Args),
    /// The MANRS programme: monthly conformance reports by e-mail or to an
    /// outbox.
    Programme(programme::Args),
    /// Write a full-table TABLE_DUMP_V2 RIB made from real data (bzip2 and
    /// gzip) for the MRT benchmarks.
    BenchData(bench_data::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    manrs_input::set_decode_threads(cli.threads);
    let result = match cli.command {
        Command::Inspect(args) => inspect::run(args),
        Command::Rov(args) => rov::run(args),
        Command::Run(args) => run::run(args),
        Command::Check(args) => check::run(args),
        Command::Demo(args) => demo::run(args),
        Command::Incidents(args) => incidents::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Report(args) => report::run(args),
        Command::Admin(args) => admin::run(args),
        Command::Programme(args) => programme::run(args),
        Command::BenchData(args) => bench_data::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
