//! `manrs report`: the five MANRS key figures (manrs-spec §2.6, §2.7) of a
//! network, an economy, a region or the world for a stored period, with
//! their history over every stored period and the comparison with another
//! period; and the bulk export of every network's key figures.
//!
//! ```text
//! manrs report --db F [--period YYYY-MM] [--compare YYYY-MM]
//!              [--asn N | --economy CC | --registry RIR | --region NAME|M49 | --all-networks]
//!              [--versus CC|RIR|NAME|M49|world]
//!              [--format text|json|csv|html] [--output FILE]
//! ```
//!
//! Aggregates are the mean over the networks that have the figure and the
//! networks per band (docs/key-figures.md). The comparison defaults to the
//! stored period before `--period`; `--versus` compares two selections
//! (e.g. an economy with its region) in the same period instead.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use manrs_engine::Figure;
use manrs_report::area::{Scope, area_summary, comparison_json};
use manrs_report::{figure, score_json};
use manrs_store::{NetworkQuery, Store};
use manrs_types::{Asn, Month};
use serde_json::{Value, json};

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Tables for a terminal.
    Text,
    /// One JSON document.
    Json,
    /// CSV: one row per period and key figure (bulk: one row per network).
    Csv,
    /// A standalone HTML page.
    Html,
}

/// Arguments of `manrs report`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    at: crate::incidents::PeriodArgs,
    /// Compare with this period (default: the stored period before).
    #[arg(long)]
    compare: Option<Month>,
    /// One network.
    #[arg(long, group = "scope")]
    asn: Option<Asn>,
    /// One economy (ISO 3166 alpha-2, e.g. BR).
    #[arg(long, group = "scope")]
    economy: Option<String>,
    /// The networks whose AS number a registry delegated (afrinic, apnic,
    /// arin, lacnic, ripencc).
    #[arg(long, group = "scope")]
    registry: Option<String>,
    /// A UN M49 region, sub-region or intermediate region, by name or code
    /// (e.g. "South America" or 005).
    #[arg(long, group = "scope")]
    region: Option<String>,
    /// Compare the scope with another selection in the same period instead
    /// of with another period: an economy (BR), a registry (ripencc), a UN
    /// M49 region by name or code, or `world`.
    #[arg(long, conflicts_with_all = ["compare", "asn", "all_networks"])]
    versus: Option<String>,
    /// Every network of the period, one row each (csv or json).
    #[arg(long, group = "scope")]
    all_networks: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Write to this file instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
}

/// Runs the command.
pub fn run(args: Args) -> Result<ExitCode> {
    let (store, month) = args.at.open()?;
    let compare = match args.compare {
        Some(m) => Some(crate::incidents::pick_period(&store, &args.at.db, Some(m))?),
        None => store.periods()?.into_iter().map(|p| p.month).find(|m| *m < month),
    };
    let text = if args.all_networks {
        if matches!(args.format, Format::Text | Format::Html) {
            bail!("--all-networks writes csv or json (--format csv)");
        }
        all_networks(&store, month, args.format)?
    } else if let Some(asn) = args.asn {
        let report = network_report(&store, month, compare, asn)?;
        render(&report, args.format, &format!("AS{}", asn.0))?
    } else {
        let scope = scope(&args)?;
        let mut report = area_report(&store, month, compare, &scope)?;
        if let Some(key) = &args.versus {
            let other = selection(key)?;
            let (Some(a), Some(b)) =
                (area_summary(&store, month, &other)?, area_summary(&store, month, &scope)?)
            else {
                bail!("no network of {} in {month}", other.label());
            };
            let mut c = comparison_json(&a, &b);
            c["from"] = json!(other.label());
            c["to"] = json!(scope.label());
            c["month"] = json!(month);
            report["comparison"] = c;
        }
        render(&report, args.format, &scope.label())?
    };
    match &args.output {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?
        }
        None => {
            let mut out = std::io::stdout().lock();
            if let Err(e) = out.write_all(text.as_bytes())
                && e.kind() != std::io::ErrorKind::BrokenPipe
            {
                return Err(e).context("writing to stdout");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn scope(args: &Args) -> Result<Scope> {
    if let Some(cc) = &args.economy {
        let cc = cc.trim().to_ascii_uppercase();
        if cc.len() != 2 || !cc.bytes().all(|b| b.is_ascii_uppercase()) {
            bail!("--economy {cc:?}: expected an ISO 3166 alpha-2 code such as BR");
        }
        return Ok(Scope::Economy(cc));
    }
    if let Some(r) = &args.registry {
        let r = r.trim().to_ascii_lowercase();
        let known = ["afrinic", "apnic", "arin", "lacnic", "ripencc"];
        if !known.contains(&r.as_str()) {
            bail!("--registry {r:?}: expected one of {}", known.join(", "));
        }
        return Ok(Scope::Registry(r));
    }
    if let Some(r) = &args.region {
        return region_scope(r);
    }
    Ok(Scope::World)
}

/// The selection of `--versus`: `world`, a registry, an economy (two
/// letters) or a UN M49 region.
fn selection(key: &str) -> Result<Scope> {
    let k = key.trim();
    let lower = k.to_ascii_lowercase();
    if lower == "world" {
        return Ok(Scope::World);
    }
    if ["afrinic", "apnic", "arin", "lacnic", "ripencc"].contains(&lower.as_str()) {
        return Ok(Scope::Registry(lower));
    }
    if k.len() == 2 && k.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Ok(Scope::Economy(k.to_ascii_uppercase()));
    }
    region_scope(k).with_context(|| {
        format!("--versus {key:?}: not world, a registry, an economy code or a UN M49 region")
    })
}

/// A UN M49 region, sub-region or intermediate region.
fn region_scope(key: &str) -> Result<Scope> {
    use manrs_types::m49;
    let Some(area) = m49::find_area(key) else {
        let names: Vec<String> = m49::regions().iter().map(|a| a.name.to_string()).collect();
        bail!(
            "--region {key:?}: not a UN M49 region, sub-region or intermediate region (regions: {}; sub-regions by name or code, e.g. \"South America\" or 005)",
            names.join(", ")
        );
    };
    Ok(Scope::Region { code: area.code, name: area.name.to_string() })
}

/// The report of an aggregate scope.
fn area_report(
    store: &Store,
    month: Month,
    compare: Option<Month>,
    scope: &Scope,
) -> Result<Value> {
    match manrs_report::area::area_report(store, month, compare, scope)? {
        Some(r) => Ok(r),
        None => bail!("no network of {} in {month}", scope.label()),
    }
}

/// The report of one network.
fn network_report(store: &Store, month: Month, compare: Option<Month>, asn: Asn) -> Result<Value> {
    let q = NetworkQuery { asn: Some(asn), ..Default::default() };
    let mut months: Vec<Month> = store.periods()?.into_iter().map(|p| p.month).collect();
    months.sort();
    let mut history = Vec::new();
    let (mut now, mut then) = (None, None);
    for m in months {
        let Some(n) = store.networks(m, &q)?.pop() else { continue };
        let mut row = json!({"month": m, "incidents": n.incidents});
        for f in Figure::ALL {
            let s = n.metrics.as_ref().map(|x| figure(x, f));
            row[f.api_name()] = score_json(s.unwrap_or(manrs_engine::Score::NO_DATA));
        }
        if m == month {
            now = Some((n, row.clone()));
        } else if Some(m) == compare {
            then = Some(row.clone());
        }
        history.push(row);
    }
    let Some((network, current)) = now else {
        bail!(
            "AS{} is not a network of {month}: it neither originated a route nor appeared in an observed AS path",
            asn.0
        );
    };
    let comparison = then.map(|t| {
        let figures: Vec<Value> = Figure::ALL
            .iter()
            .map(|f| {
                let (a, b) = (&t[f.api_name()], &current[f.api_name()]);
                json!({
                    "id": f.api_name(),
                    "from": a["value"],
                    "to": b["value"],
                    "change": a["value"].as_f64().zip(b["value"].as_f64()).map(|(x, y)| y - x),
                    "bandFrom": a["band"],
                    "bandTo": b["band"],
                })
            })
            .collect();
        json!({"from": t["month"], "to": month, "keyFigures": figures})
    });
    Ok(json!({
        "kind": "network",
        "asn": asn,
        "label": format!("AS{}{}", asn.0, network.network.holder.as_deref().map(|h| format!(" {h}")).unwrap_or_default()),
        "holder": network.network.holder,
        "economy": network.network.country,
        "registry": network.network.rir,
        "visibility": network.network.visibility.as_str(),
        "excluded": network.network.excluded,
        "month": month,
        "summary": current,
        "history": history,
        "comparison": comparison,
    }))
}

fn pct(v: &Value) -> String {
    v.as_f64().map_or_else(|| "no data".into(), |x| format!("{:.1}%", x * 100.0))
}

fn render(report: &Value, format: Format, what: &str) -> Result<String> {
    Ok(match format {
        Format::Json => format!("{}\n", serde_json::to_string_pretty(report)?),
        Format::Html => manrs_web::report_html(report)
            .with_context(|| format!("rendering the HTML report of {what}"))?,
        Format::Csv => csv(report)?,
        Format::Text => text(report),
    })
}

fn text(r: &Value) -> String {
    let mut o = String::new();
    let month = r["month"].as_str().unwrap_or("?");
    let network = r["kind"] == "network";
    if network {
        o += &format!("Key figures of {}, {month}", r["label"].as_str().unwrap_or("?"));
        if let Some(e) = r["economy"].as_str() {
            o += &format!(" (economy {e})");
        }
        o += "\n";
        for f in Figure::ALL {
            let s = &r["summary"][f.api_name()];
            o += &format!(
                "  {:<24}{:>9}  {}\n",
                f.api_name(),
                pct(&s["value"]),
                s["band"].as_str().unwrap_or("").replace('_', " ")
            );
        }
    } else {
        let s = &r["summary"];
        o += &format!(
            "Key figures of {}, {month}: {} networks ({} originating routes), {} Action 1 incidents\n",
            r["label"].as_str().unwrap_or("?"),
            s["networks"],
            s["scoredNetworks"],
            s["incidents"]
        );
        o += &format!(
            "  {:<24}{:>9}{:>10}{:>9}{:>10}{:>9}\n",
            "key figure", "mean", "networks", "ready", "aspiring", "lagging"
        );
        for f in s["keyFigures"].as_array().into_iter().flatten() {
            let sev = |i: usize| f["severities"][i]["count"].as_u64().unwrap_or(0);
            o += &format!(
                "  {:<24}{:>9}{:>10}{:>9}{:>10}{:>9}\n",
                f["id"].as_str().unwrap_or("?"),
                pct(&f["value"]),
                f["networks"].to_string(),
                sev(0),
                sev(1),
                sev(2)
            );
        }
    }
    o += "\nHistory (every stored period):\n";
    o += &format!(
        "  {:<8}{:>11}{:>14}{:>14}{:>9}{:>9}{:>11}\n",
        "period", "filtering", "antiSpoofing", "coordination", "IRR", "RPKI", "incidents"
    );
    for h in r["history"].as_array().into_iter().flatten() {
        let v = |f: Figure| -> String {
            if network {
                pct(&h[f.api_name()]["value"])
            } else {
                let list = h["keyFigures"].as_array();
                let x = list.and_then(|l| l.iter().find(|k| k["id"] == f.api_name()));
                pct(&x.map_or(Value::Null, |k| k["value"].clone()))
            }
        };
        o += &format!(
            "  {:<8}{:>11}{:>14}{:>14}{:>9}{:>9}{:>11}\n",
            h["month"].as_str().unwrap_or("?"),
            v(Figure::Filtering),
            v(Figure::AntiSpoofing),
            v(Figure::Coordination),
            v(Figure::RoutingInformationIrr),
            v(Figure::RoutingInformationRpki),
            h["incidents"].to_string()
        );
    }
    let c = &r["comparison"];
    if c.is_null() {
        o += "\nComparison: no other stored period to compare with.\n";
    } else {
        o += &format!(
            "\nComparison {} -> {}:\n",
            c["from"].as_str().unwrap_or("?"),
            c["to"].as_str().unwrap_or("?")
        );
        for f in c["keyFigures"].as_array().into_iter().flatten() {
            let change = f["change"]
                .as_f64()
                .map_or_else(|| "-".into(), |x| format!("{:+.1} points", x * 100.0));
            o += &format!(
                "  {:<24}{:>9} -> {:>9}  {change}\n",
                f["id"].as_str().unwrap_or("?"),
                pct(&f["from"]),
                pct(&f["to"])
            );
        }
    }
    o
}

fn csv(r: &Value) -> Result<String> {
    let mut w = csv_writer();
    let network = r["kind"] == "network";
    if network {
        w.write_record(["month", "asn", "keyFigure", "value", "band", "incidents"])?;
    } else {
        w.write_record([
            "month",
            "scope",
            "keyFigure",
            "mean",
            "networks",
            "ready",
            "aspiring",
            "lagging",
        ])?;
    }
    let label = r["label"].as_str().unwrap_or_default();
    for h in r["history"].as_array().into_iter().flatten() {
        let month = h["month"].as_str().unwrap_or_default();
        for f in Figure::ALL {
            if network {
                let s = &h[f.api_name()];
                w.write_record([
                    month,
                    &r["asn"].to_string(),
                    f.api_name(),
                    &s["value"].as_f64().map(|x| x.to_string()).unwrap_or_default(),
                    s["band"].as_str().unwrap_or_default(),
                    &h["incidents"].to_string(),
                ])?;
            } else {
                let list = h["keyFigures"].as_array();
                let Some(k) = list.and_then(|l| l.iter().find(|k| k["id"] == f.api_name())) else {
                    continue;
                };
                let sev = |i: usize| k["severities"][i]["count"].to_string();
                w.write_record([
                    month,
                    label,
                    f.api_name(),
                    &k["value"].as_f64().map(|x| x.to_string()).unwrap_or_default(),
                    &k["networks"].to_string(),
                    &sev(0),
                    &sev(1),
                    &sev(2),
                ])?;
            }
        }
    }
    finish(w)
}

fn csv_writer() -> csv::Writer<Vec<u8>> {
    csv::Writer::from_writer(Vec::new())
}

fn finish(w: csv::Writer<Vec<u8>>) -> Result<String> {
    let bytes = w.into_inner().map_err(|e| anyhow::anyhow!("writing CSV: {e}"))?;
    Ok(String::from_utf8(bytes)?)
}

/// Every network of the period with its five key figures.
fn all_networks(store: &Store, month: Month, format: Format) -> Result<String> {
    let rows = store.networks(month, &NetworkQuery::default())?;
    let profile = store.period(month)?.map(|p| p.profile_version).unwrap_or_default();
    if format == Format::Json {
        let list: Vec<Value> = rows
            .iter()
            .map(|n| {
                let mut v = json!({
                    "asn": n.network.asn,
                    "holder": n.network.holder,
                    "economy": n.network.country,
                    "registry": n.network.rir,
                    "visibility": n.network.visibility.as_str(),
                    "excluded": n.network.excluded,
                    "routes": n.metrics.as_ref().map(|m| m.routes),
                    "incidents": n.incidents,
                });
                for f in Figure::ALL {
                    let s =
                        n.metrics.as_ref().map_or(manrs_engine::Score::NO_DATA, |m| figure(m, f));
                    v[f.api_name()] = score_json(s);
                }
                v
            })
            .collect();
        let doc = json!({"month": month, "profileVersion": profile, "networks": list});
        return Ok(format!("{}\n", serde_json::to_string(&doc)?));
    }
    let mut w = csv_writer();
    let mut header = vec![
        "month".to_string(),
        "asn".into(),
        "holder".into(),
        "economy".into(),
        "registry".into(),
    ];
    header.extend(["visibility".into(), "excluded".into(), "routes".into(), "incidents".into()]);
    for f in Figure::ALL {
        header.push(f.api_name().into());
        header.push(format!("{}Band", f.api_name()));
    }
    header.push("profileVersion".into());
    w.write_record(&header)?;
    for n in &rows {
        let mut rec = vec![
            month.to_string(),
            n.network.asn.0.to_string(),
            n.network.holder.clone().unwrap_or_default(),
            n.network.country.clone().unwrap_or_default(),
            n.network.rir.clone().unwrap_or_default(),
            n.network.visibility.as_str().into(),
            n.network.excluded.clone().unwrap_or_default(),
            n.metrics.as_ref().map(|m| m.routes.to_string()).unwrap_or_default(),
            n.incidents.to_string(),
        ];
        for f in Figure::ALL {
            let s = n.metrics.as_ref().map_or(manrs_engine::Score::NO_DATA, |m| figure(m, f));
            rec.push(s.value.map(|x| x.to_string()).unwrap_or_default());
            rec.push(s.band.map_or("no_data_available", |b| b.as_str()).into());
        }
        rec.push(profile.clone());
        w.write_record(&rec)?;
    }
    finish(w)
}
