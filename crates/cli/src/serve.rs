//! `manrs serve --db F [--listen ADDR] [--secure-cookies]`: the dashboard and the public JSON
//! API (manrs-spec §3.1, §3.3.2) over a database written by `manrs run` or
//! `manrs demo`, until Ctrl-C.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};

/// Arguments of `manrs serve`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The database written by `manrs run` or `manrs demo`.
    #[arg(long)]
    db: PathBuf,
    /// The address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Mark session cookies `Secure` (when users reach the server over
    /// HTTPS, e.g. through a TLS-terminating proxy).
    #[arg(long)]
    secure_cookies: bool,
}

/// Runs the command.
pub fn run(args: Args) -> Result<ExitCode> {
    let options = manrs_web::Options { secure_cookies: args.secure_cookies };
    serve_with(&args.db, args.listen, options)?;
    Ok(ExitCode::SUCCESS)
}

/// Serves `db` on `listen` until Ctrl-C or SIGTERM, printing the address
/// once it is bound.
pub fn serve(db: &Path, listen: SocketAddr) -> Result<()> {
    serve_with(db, listen, manrs_web::Options::default())
}

/// [`serve`] with options.
pub fn serve_with(db: &Path, listen: SocketAddr, options: manrs_web::Options) -> Result<()> {
    let state = manrs_web::AppState::open_with(db, options)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("listening on {listen}"))?;
        let addr = listener.local_addr().context("reading the bound address")?;
        outln!("manrs: serving {} at http://{addr}/ (Ctrl-C stops)", db.display());
        manrs_web::serve(listener, state).await?;
        eprintln!("manrs: stopped");
        Ok(())
    })
}
