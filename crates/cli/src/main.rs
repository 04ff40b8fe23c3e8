//! The `manrs` command-line tool: a thin front end over the library crates.
//!
//! Each subcommand lives in its own module; this file only parses arguments
//! and maps failures to exit codes (0 success, 1 failure, 2 usage error).

mod detect;
mod inspect;
mod rov;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// An open, self-hostable MANRS Observatory.
#[derive(Debug, Parser)]
#[command(name = "manrs", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Detect each file's format by content, stream it and print counts and
    /// diagnostics.
    Inspect(inspect::Args),
    /// Validate the origins of route lists against VRPs (RFC 6811).
    Rov(rov::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Inspect(args) => inspect::run(args),
        Command::Rov(args) => rov::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
