//! `manrs admin create-user --db F --email E --role admin|auditor|participant`:
//! creates an account (the first admin or auditor of a new installation,
//! or any account). The password is read from standard input (the first
//! line) or, on a terminal, prompted for twice without echo; it is never a
//! command-line argument, where other users of the machine could see it.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};

use anyhow::{Context, Result, bail};
use manrs_programme::Role;
use manrs_programme::auth as cred;
use manrs_store::Store;

/// Arguments of `manrs admin`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: AdminCommand,
}

#[derive(Debug, clap::Subcommand)]
enum AdminCommand {
    /// Create an account; the password comes from standard input or a
    /// prompt.
    CreateUser {
        /// The database.
        #[arg(long)]
        db: PathBuf,
        /// The account's e-mail address (its login).
        #[arg(long)]
        email: String,
        /// admin, auditor or participant.
        #[arg(long)]
        role: String,
    },
}

/// Runs the command.
pub fn run(args: Args) -> Result<ExitCode> {
    match args.command {
        AdminCommand::CreateUser { db, email, role } => {
            let role = Role::parse(&role)?;
            let email = cred::normalise_email(&email)?;
            let password = read_password()?;
            let hash = cred::hash_password(&password)?;
            let store = Store::open(&db)?;
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
            let id = store.create_user(&email, role.as_str(), &hash, now, None)?;
            outln!("created account {id}: {email} ({})", role.as_str());
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Sets terminal echo on or off (best effort: without `stty` the password
/// is read with echo).
fn echo(on: bool) {
    let _ = Command::new("stty")
        .arg(if on { "echo" } else { "-echo" })
        .stdin(Stdio::inherit())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

fn read_password() -> Result<String> {
    let stdin = std::io::stdin();
    let line = |prompt: &str| -> Result<String> {
        if !prompt.is_empty() {
            eprint!("{prompt}");
            std::io::stderr().flush().ok();
        }
        let mut s = String::new();
        stdin.lock().read_line(&mut s).context("reading the password from standard input")?;
        Ok(s.trim_end_matches(['\r', '\n']).to_string())
    };
    if !stdin.is_terminal() {
        let p = line("")?;
        if p.is_empty() {
            bail!("no password on standard input (give it as the first line)");
        }
        return Ok(p);
    }
    echo(false);
    let first = line("Password: ");
    eprintln!();
    let second = line("Password again: ");
    eprintln!();
    echo(true);
    let (first, second) = (first?, second?);
    if first != second {
        bail!("the two passwords differ");
    }
    Ok(first)
}
