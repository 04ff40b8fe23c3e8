//! `manrs check ASN... --db F [--period YYYY-MM] [--json]`: the MANRS
//! report of a network for one stored period, the five key figures with
//! every point lost explained by its evidence (manrs-spec §2.4–2.7).
//!
//! filtering = score(raw Action 1 penalty), antiSpoofing = score(M5, the
//! client prefixes whose Spoofer sessions let spoofed packets out),
//! coordination = whether a contact of a counted role is published; "no
//! data" where no Spoofer session or contact record exists.
//! routingInformationRPKI = max(0, (valid − 10 × invalid) / total): a route
//! that is not found costs 1/total, an invalid one 11/total (it is not valid
//! and carries the tenfold penalty). routingInformationIRR = covered/total:
//! each unregistered route costs 1/total. The report lists the invalid
//! routes with the VRPs that make them invalid and why, and the routes no
//! IRR object covers.
//!
//! `--json` prints one object per ASN per line, in the camelCase shape of
//! the MANRS API v2 (manrs-spec §3.3.2), with an `evidence` member.

use std::process::ExitCode;

use anyhow::Result;
use manrs_engine::Score;
use manrs_report::{NetworkReport, vrp_reason};
use manrs_store::{MetricRow, StoredRoute, VrpRow};
use manrs_types::Asn;

/// Arguments of `manrs check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// AS numbers (`64500` or `AS64500`).
    #[arg(required = true)]
    asns: Vec<Asn>,
    #[command(flatten)]
    at: crate::incidents::PeriodArgs,
    /// Print JSON (one object per ASN per line).
    #[arg(long)]
    json: bool,
    /// How many routes of each evidence list to show (0: all).
    #[arg(long, default_value_t = 20)]
    limit: u64,
}

/// Runs the command.
pub fn run(args: Args) -> Result<ExitCode> {
    let (store, month) = args.at.open()?;
    let mut found = 0;
    for asn in &args.asns {
        let report = NetworkReport::load(&store, month, *asn, args.limit)?;
        found += usize::from(report.metrics.is_some() || !report.incidents.is_empty());
        if args.json {
            outln!("{}", report.to_json());
        } else {
            report.print();
        }
    }
    Ok(if found == 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

trait Print {
    fn print(&self);
    fn print_incidents(&self);
}

impl Print for NetworkReport {
    fn print(&self) {
        let who = match (&self.holder, &self.country) {
            (Some(h), Some(c)) => format!(" {h} ({c})"),
            (Some(h), None) => format!(" {h}"),
            (None, Some(c)) => format!(" ({c})"),
            (None, None) => String::new(),
        };
        outln!("AS{}{who}, period {}", self.asn.0, self.month);
        if let Some(why) = &self.excluded {
            outln!("  not counted in economy, region or world figures ({why})");
        }
        self.print_incidents();
        let Some(m) = &self.metrics else {
            outln!(
                "  no route originated by AS{} in {}: no Action 4 score",
                self.asn.0,
                self.month
            );
            outln!();
            return;
        };
        print_figures(m);
        let (Some(rpki_value), Some(rpki_band)) = (m.rpki_value, m.rpki_band) else {
            outln!(
                "  routingInformationRPKI and routingInformationIRR: no data, AS{} originated no route in {} (it is seen only inside AS paths)",
                self.asn.0,
                self.month
            );
            outln!();
            return;
        };
        let total = m.routes as f64;
        outln!(
            "  routingInformationRPKI {:>6.1}%  {:<8}  {} routes: {} valid, {} invalid, {} not found",
            rpki_value * 100.0,
            rpki_band.as_str(),
            m.routes,
            m.valid,
            m.invalid,
            m.not_found
        );
        let raw = (m.valid as f64 - 10.0 * m.invalid as f64) / total;
        outln!(
            "      = max(0, ({} - 10 x {}) / {}) = max(0, {:.1}%); each not-found route costs {:.1} points, each invalid one {:.1}",
            m.valid,
            m.invalid,
            m.routes,
            raw * 100.0,
            100.0 / total,
            1100.0 / total
        );
        match (m.irr_value, m.irr_band, m.irr_covered) {
            (Some(v), Some(b), Some(c)) => outln!(
                "  routingInformationIRR  {:>6.1}%  {:<8}  {c} of {} routes covered by an IRR route object; lost {:.1} points for {} unregistered routes",
                v * 100.0,
                b.as_str(),
                m.routes,
                100.0 * (m.routes - c) as f64 / total,
                m.routes - c
            ),
            _ => outln!("  routingInformationIRR  no data: the period has no IRR source"),
        }
        if !self.invalid.is_empty() {
            outln!("  RPKI-invalid routes ({}):", m.invalid);
            for (r, vrps) in &self.invalid {
                outln!("    {}", route_line(r));
                for v in vrps {
                    outln!(
                        "        VRP {} max /{} AS{}{}: {}",
                        v.prefix,
                        v.max_len,
                        v.asn.0,
                        ta(v),
                        vrp_reason(v, r)
                    );
                }
            }
            more(m.invalid, self.invalid.len(), self.limit);
        }
        if self.not_found > 0 {
            outln!(
                "  {} routes have no covering VRP (RPKI not found): a ROA for them would raise the score",
                self.not_found
            );
        }
        if let Some(c) = m.irr_covered
            && c < m.routes
        {
            outln!("  routes without an IRR route object ({}):", m.routes - c);
            for r in &self.unregistered {
                outln!("    {}", route_line(r));
            }
            more(m.routes - c, self.unregistered.len(), self.limit);
        }
        outln!();
    }

    fn print_incidents(&self) {
        if self.incidents.is_empty() {
            outln!("  Action 1: no incident");
            return;
        }
        let raw = self.penalty();
        outln!("  Action 1: {} incidents, raw penalty {raw}:", self.incidents.len());
        for i in &self.incidents {
            for line in crate::incidents::incident_lines(i) {
                outln!("    {line}");
            }
        }
    }
}

/// The Action 1-3 key figures with what decided them.
fn print_figures(m: &MetricRow) {
    let f = &m.figures;
    let pct = |s: Score| match (s.value, s.band) {
        (Some(v), Some(b)) => format!("{:>6.1}%  {:<8}", v * 100.0, b.as_str()),
        _ => format!("{:>7}  {:<8}", "-", "no data"),
    };
    match f.filtering_raw {
        Some(raw) => outln!(
            "  filtering              {}  raw penalty {raw} from the Action 1 incidents of the profile's filtering metrics",
            pct(f.filtering)
        ),
        None => outln!(
            "  filtering              {}  the period has no MRT input (route lists carry no time), so no Action 1 measurement",
            pct(f.filtering)
        ),
    }
    match (f.spoof_sessions, f.spoof_prefixes) {
        (Some(n), Some(p)) => outln!(
            "  antiSpoofing           {}  {n} Spoofer sessions; {p} client prefixes let spoofed packets out",
            pct(f.anti_spoofing)
        ),
        _ => outln!(
            "  antiSpoofing           {}  no Spoofer session tested this network in the period",
            pct(f.anti_spoofing)
        ),
    }
    let contacts = f.contacts.as_ref().and_then(|c| c["contacts"].as_array());
    match (&f.contacts, contacts) {
        (Some(c), Some(list)) => {
            let counted: Vec<String> = list
                .iter()
                .filter(|x| x["counts"].as_bool() == Some(true))
                .map(|x| {
                    format!(
                        "{} {} {}",
                        x["source"].as_str().unwrap_or("?"),
                        x["role"].as_str().unwrap_or("?"),
                        x["reference"].as_str().unwrap_or("?")
                    )
                })
                .collect();
            let what = if counted.is_empty() {
                format!("records in {} but no contact of a counted role", c["records"])
            } else {
                format!("contacts: {}", counted.join(", "))
            };
            outln!("  coordination           {}  {what}", pct(f.coordination));
        }
        _ => outln!(
            "  coordination           {}  no loaded contact source (PeeringDB, IRR aut-num) has a record of it",
            pct(f.coordination)
        ),
    }
}

fn more(total: u64, shown: usize, limit: u64) {
    if total > shown as u64 && limit > 0 {
        outln!("    ... and {} more (--limit 0 shows all)", total - shown as u64);
    }
}

fn ta(v: &VrpRow) -> String {
    v.ta.as_ref().map(|t| format!(" ({t})")).unwrap_or_default()
}

fn fmt_time(t: Option<i64>) -> String {
    t.map_or_else(|| "-".into(), manrs_types::format_utc)
}

fn route_line(r: &StoredRoute) -> String {
    let x = &r.row.route;
    let upstreams: Vec<String> = x.upstreams.iter().map(|a| format!("AS{}", a.0)).collect();
    let seen = match (x.first_seen, x.last_seen) {
        (Some(_), Some(_)) => {
            format!("seen {} .. {} UTC", fmt_time(x.first_seen), fmt_time(x.last_seen))
        }
        _ => "from a prefix-origin list".into(),
    };
    let via =
        if upstreams.is_empty() { String::new() } else { format!(", via {}", upstreams.join(" ")) };
    format!(
        "{} origin AS{}{}: {seen}, {} peer{} on {} collector{}{via}",
        x.prefix,
        x.origin.0,
        if x.as_set { " (in an AS_SET)" } else { "" },
        x.peers,
        if x.peers == 1 { "" } else { "s" },
        x.collectors,
        if x.collectors == 1 { "" } else { "s" }
    )
}
