//! `manrs programme reports --db F --month YYYY-MM [--smtp HOST[:PORT] |
//! --outbox DIR]`: the monthly conformance report of every participant
//! (manrs-spec §3.2: the key figures, the change since the month before,
//! the incidents to verify with links), as an e-mail with an HTML and a
//! text part and the JSON report attached, sent to the participant's
//! account address through an SMTP server, or written as `.eml` files to
//! an outbox folder when no server is given.
//!
//! Each delivery is recorded in the store; a participant already sent the
//! month's report is skipped unless `--resend` is given, so the command can
//! run again after a failure.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart, header::ContentType};
use lettre::{Message, SmtpTransport, Transport};
use manrs_store::Store;
use manrs_types::Month;
use serde_json::Value;

/// Arguments of `manrs programme`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: ProgrammeCommand,
}

#[derive(Debug, clap::Subcommand)]
enum ProgrammeCommand {
    /// Send (or write to an outbox) every participant's conformance report
    /// of a month.
    Reports(ReportArgs),
}

/// Arguments of `manrs programme reports`.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// The database.
    #[arg(long)]
    db: PathBuf,
    /// The month the reports cover (a stored period).
    #[arg(long)]
    month: Month,
    /// The SMTP server, HOST or HOST:PORT (default port 25; 587 with
    /// --smtp-tls starttls, 465 with --smtp-tls tls). The user name comes
    /// from --smtp-user, its password from MANRS_SMTP_PASSWORD.
    #[arg(long, conflicts_with = "outbox")]
    smtp: Option<String>,
    /// TLS to the SMTP server: none (default), starttls or tls (needs a
    /// build with the smtp-tls feature).
    #[arg(long, default_value = "none")]
    smtp_tls: String,
    /// The SMTP user name.
    #[arg(long)]
    smtp_user: Option<String>,
    /// Write the messages as .eml files to this folder instead of sending.
    #[arg(long)]
    outbox: Option<PathBuf>,
    /// The sender address.
    #[arg(long, default_value = "MANRS Observatory <observatory@localhost>")]
    from: String,
    /// The dashboard's public address, for the links in the reports (e.g.
    /// https://observatory.example.net).
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    base_url: String,
    /// Send again to participants already sent this month's report.
    #[arg(long)]
    resend: bool,
}

/// Runs the command.
pub fn run(args: Args) -> Result<ExitCode> {
    match args.command {
        ProgrammeCommand::Reports(a) => reports(a),
    }
}

enum Delivery {
    Smtp(SmtpTransport),
    Outbox(PathBuf),
}

fn transport(a: &ReportArgs) -> Result<Delivery> {
    if let Some(dir) = &a.outbox {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        return Ok(Delivery::Outbox(dir.clone()));
    }
    let Some(server) = &a.smtp else {
        bail!("give --smtp HOST[:PORT] to send the reports, or --outbox DIR to write them");
    };
    let (host, port) = match server.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') || h.starts_with('[') => (
            h.trim_matches(['[', ']']).to_string(),
            Some(p.parse::<u16>().with_context(|| format!("--smtp {server}: bad port"))?),
        ),
        _ => (server.clone(), None),
    };
    let mut builder = match a.smtp_tls.as_str() {
        "none" => SmtpTransport::builder_dangerous(&host).port(port.unwrap_or(25)),
        "starttls" | "tls" => tls_builder(&host, port, a.smtp_tls == "tls")?,
        other => bail!("--smtp-tls {other}: expected none, starttls or tls"),
    };
    if let Some(user) = &a.smtp_user {
        let password = std::env::var("MANRS_SMTP_PASSWORD")
            .context("--smtp-user needs the password in MANRS_SMTP_PASSWORD")?;
        builder = builder.credentials(lettre::transport::smtp::authentication::Credentials::new(
            user.clone(),
            password,
        ));
    }
    Ok(Delivery::Smtp(builder.timeout(Some(std::time::Duration::from_secs(30))).build()))
}

#[cfg(feature = "smtp-tls")]
fn tls_builder(
    host: &str,
    port: Option<u16>,
    implicit: bool,
) -> Result<lettre::transport::smtp::SmtpTransportBuilder> {
    Ok(if implicit {
        SmtpTransport::relay(host)?.port(port.unwrap_or(465))
    } else {
        SmtpTransport::starttls_relay(host)?.port(port.unwrap_or(587))
    })
}

#[cfg(not(feature = "smtp-tls"))]
fn tls_builder(
    _host: &str,
    _port: Option<u16>,
    _implicit: bool,
) -> Result<lettre::transport::smtp::SmtpTransportBuilder> {
    bail!("this manrs was built without TLS for SMTP; rebuild with --features smtp-tls")
}

/// The plain-text part: the same figures and incidents as the HTML.
fn text(r: &Value) -> String {
    let pct = |v: &Value| {
        v.as_f64().map_or_else(|| "no data".to_string(), |x| format!("{:.1}%", x * 100.0))
    };
    let mut out = format!(
        "MANRS conformance report {} for {}\n\nMANRS readiness ({} compared with {}):\n",
        r["month"].as_str().unwrap_or(""),
        r["participant"]["name"].as_str().unwrap_or(""),
        r["month"].as_str().unwrap_or(""),
        r["previousMonth"].as_str().unwrap_or("no earlier period"),
    );
    for f in r["keyFigures"].as_array().into_iter().flatten() {
        let change = f["change"]
            .as_f64()
            .map(|c| format!(" ({:+.1} points)", c * 100.0))
            .unwrap_or_default();
        out.push_str(&format!(
            "  {:<24} {:>9}{change}\n",
            f["id"].as_str().unwrap_or(""),
            pct(&f["value"])
        ));
    }
    out.push_str(&format!("\nNon-compliance incidents: {}\n", r["incidents"]["total"]));
    for i in r["incidents"]["list"].as_array().into_iter().flatten() {
        out.push_str(&format!(
            "  #{} AS{} {} {}\n    verify: {}\n",
            i["id"],
            i["asn"],
            i["metric"].as_str().unwrap_or(""),
            i["summary"].as_str().unwrap_or(""),
            i["verifyUrl"].as_str().unwrap_or("")
        ));
    }
    out.push_str(&format!(
        "\nVerify incidents: {}\nThis report online: {}\n",
        r["verifyUrl"].as_str().unwrap_or(""),
        r["reportUrl"].as_str().unwrap_or("")
    ));
    out
}

fn message(from: &Mailbox, r: &Value) -> Result<Message> {
    let to: Mailbox =
        r["participant"]["recipient"].as_str().unwrap_or("").parse().with_context(|| {
            format!("participant {}: recipient address", r["participant"]["id"])
        })?;
    let html = manrs_web::programme::conformance_html(r).map_err(|e| anyhow!(e.message))?;
    let json = serde_json::to_string_pretty(r)?;
    let body = MultiPart::mixed()
        .multipart(
            MultiPart::alternative()
                .singlepart(SinglePart::plain(text(r)))
                .singlepart(SinglePart::html(html)),
        )
        .singlepart(
            Attachment::new(format!("manrs-report-{}.json", r["month"].as_str().unwrap_or("")))
                .body(json, ContentType::parse("application/json")?),
        );
    Ok(Message::builder()
        .from(from.clone())
        .to(to)
        .subject(format!(
            "MANRS conformance report {}: {}",
            r["month"].as_str().unwrap_or(""),
            r["participant"]["name"].as_str().unwrap_or("")
        ))
        .multipart(body)?)
}

fn reports(a: ReportArgs) -> Result<ExitCode> {
    let store = Store::open_existing(&a.db)?;
    if store.period(a.month)?.is_none() {
        bail!("period {} is not stored in {}", a.month, a.db.display());
    }
    let from: Mailbox = a.from.parse().with_context(|| format!("--from {:?}", a.from))?;
    let delivery = transport(&a)?;
    let base = a.base_url.trim_end_matches('/');
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    let (mut sent, mut skipped, mut failed) = (0, 0, 0);
    for p in store.participants(None, None)? {
        if !a.resend && store.deliveries(&p.id, a.month)? > 0 {
            skipped += 1;
            continue;
        }
        let report = manrs_web::programme::conformance_report(&store, &p, a.month, base)
            .map_err(|e| anyhow!(e.message))?;
        let msg = message(&from, &report)?;
        let result = match &delivery {
            Delivery::Smtp(t) => {
                t.send(&msg).map(|_| "smtp".to_string()).map_err(|e| anyhow!("{e}"))
            }
            Delivery::Outbox(dir) => {
                let file = dir.join(format!("{}-{}.eml", a.month, p.id));
                std::fs::write(&file, msg.formatted())
                    .map(|()| format!("outbox {}", file.display()))
                    .with_context(|| format!("writing {}", file.display()))
            }
        };
        match result {
            Ok(via) => {
                store.record_delivery(&p.id, a.month, &p.email, &via, now)?;
                outln!("{}: {} <{}> via {via}", a.month, p.name, p.email);
                sent += 1;
            }
            Err(e) => {
                eprintln!("error: {} <{}>: {e:#}", p.name, p.email);
                failed += 1;
            }
        }
    }
    outln!("reports {}: {sent} sent, {skipped} already sent, {failed} failed", a.month);
    Ok(if failed > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}
