//! `manrs serve --db F [--listen ADDR]`: the dashboard and the public JSON
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
}

/// Runs the command.
pub fn run(args: Args) -> Result<ExitCode> {
    serve(&args.db, args.listen)?;
    Ok(ExitCode::SUCCESS)
}

/// Serves `db` on `listen` until Ctrl-C or SIGTERM, printing the address
/// once it is bound.
pub fn serve(db: &Path, listen: SocketAddr) -> Result<()> {
    let state = manrs_web::AppState::open(db)?;
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
