//! Key figures of a set of networks, the way the MANRS Observatory
//! aggregates them (manrs-spec §2.6, §3.1): per economy, region, registry
//! or the world, each of the five key figures as the mean value over the
//! networks that have it and the number of networks per band, with history
//! over the stored periods and the comparison of two periods.
//!
//! Means are exact: aggregates of economies are folded weighted by the
//! networks measured, so a region's mean is the mean over its networks,
//! not the mean of its economies' means.

use manrs_engine::Figure;
use manrs_store::{EconomyRow, FigureAggregate, Store, StoreError};
use manrs_types::{Month, m49};
use serde_json::{Value, json};

/// Which networks a report covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Every network.
    World,
    /// The networks of one economy (ISO 3166 alpha-2, upper case).
    Economy(String),
    /// The networks whose AS number a registry delegated (`ripencc`...).
    Registry(String),
    /// The networks of the economies of a UN M49 region, sub-region or
    /// intermediate region.
    Region {
        /// The M49 code.
        code: u16,
        /// Its name.
        name: String,
    },
}

impl Scope {
    /// A label for headings.
    pub fn label(&self) -> String {
        match self {
            Scope::World => "the world".into(),
            Scope::Economy(cc) => format!("economy {cc}"),
            Scope::Registry(r) => format!("registry {r}"),
            Scope::Region { code, name } => format!("region {name} ({code:03})"),
        }
    }

    /// As JSON.
    pub fn to_json(&self) -> Value {
        match self {
            Scope::World => json!({"kind": "world"}),
            Scope::Economy(cc) => json!({"kind": "economy", "economy": cc}),
            Scope::Registry(r) => json!({"kind": "registry", "registry": r}),
            Scope::Region { code, name } => {
                json!({"kind": "region", "m49": format!("{code:03}"), "name": name})
            }
        }
    }
}

/// One key figure over a set of networks.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FigureSummary {
    /// Which.
    pub figure: Figure,
    /// Networks with a value.
    pub measured: u64,
    /// Their mean value.
    pub mean: Option<f64>,
    /// Networks per band: ready, aspiring, lagging.
    pub bands: [u64; 3],
}

impl FigureSummary {
    fn empty(figure: Figure) -> Self {
        FigureSummary { figure, measured: 0, mean: None, bands: [0; 3] }
    }

    fn add(&mut self, measured: u64, mean: Option<f64>, bands: [u64; 3]) {
        if let Some(m) = mean.filter(|_| measured > 0) {
            let total = self.measured + measured;
            let sum = self.mean.unwrap_or(0.0) * self.measured as f64 + m * measured as f64;
            self.mean = Some(sum / total as f64);
            self.measured = total;
        }
        for (a, b) in self.bands.iter_mut().zip(bands) {
            *a += b;
        }
    }
}

/// The key figures of a set of networks in one period.
#[derive(Clone, Debug, PartialEq)]
pub struct AreaSummary {
    /// The period.
    pub month: Month,
    /// Networks in scope.
    pub networks: u64,
    /// Of those, networks that originated routes (scored).
    pub scored: u64,
    /// Their Action 1 incidents.
    pub incidents: u64,
    /// The five figures, in API order.
    pub figures: [FigureSummary; 5],
}

impl AreaSummary {
    fn empty(month: Month) -> Self {
        AreaSummary {
            month,
            networks: 0,
            scored: 0,
            incidents: 0,
            figures: Figure::ALL.map(FigureSummary::empty),
        }
    }

    /// Adds one aggregate row.
    fn add(&mut self, e: &EconomyRow) {
        self.networks += e.networks;
        self.scored += e.scored;
        self.incidents += e.incidents;
        for f in &mut self.figures {
            let agg = |a: &FigureAggregate| (a.measured, a.mean, a.bands);
            let (measured, mean, bands) = match f.figure {
                Figure::Filtering => agg(&e.filtering),
                Figure::AntiSpoofing => agg(&e.anti_spoofing),
                Figure::Coordination => agg(&e.coordination),
                Figure::RoutingInformationIrr => {
                    (e.irr_bands.iter().sum(), e.irr_mean, e.irr_bands)
                }
                Figure::RoutingInformationRpki => (e.scored, e.rpki_mean, e.rpki_bands),
            };
            f.add(measured, mean, bands);
        }
    }

    /// One figure.
    pub fn figure(&self, f: Figure) -> &FigureSummary {
        &self.figures[Figure::ALL.iter().position(|x| *x == f).unwrap_or(0)]
    }

    /// As JSON, in the API v2 `keyFigures` shape (mean `value`, networks
    /// with data, `severities` with counts and shares).
    pub fn to_json(&self) -> Value {
        let figures: Vec<Value> = self
            .figures
            .iter()
            .map(|f| {
                let severities: Vec<Value> = ["ready", "aspiring", "lagging"]
                    .iter()
                    .zip(f.bands)
                    .map(|(id, n)| {
                        json!({
                            "id": id,
                            "count": n,
                            "percentage": if f.measured > 0 { 100.0 * n as f64 / f.measured as f64 } else { 0.0 },
                        })
                    })
                    .collect();
                json!({
                    "id": f.figure.api_name(),
                    "value": f.mean,
                    "networks": f.measured,
                    "severities": severities,
                })
            })
            .collect();
        json!({
            "month": self.month,
            "networks": self.networks,
            "scoredNetworks": self.scored,
            "incidents": self.incidents,
            "keyFigures": figures,
        })
    }
}

/// The key figures of the networks in `scope` in `month`; `None` when the
/// period is not stored or no network is in scope.
pub fn area_summary(
    store: &Store,
    month: Month,
    scope: &Scope,
) -> Result<Option<AreaSummary>, StoreError> {
    let rows = match scope {
        Scope::Registry(_) => store.registries(month)?,
        _ => store.economies(month)?,
    };
    let mut out = AreaSummary::empty(month);
    for e in &rows {
        let key = e.country.as_deref();
        let inside = match scope {
            Scope::World => true,
            Scope::Economy(cc) | Scope::Registry(cc) => key == Some(cc.as_str()),
            Scope::Region { code, .. } => key.is_some_and(|k| m49::in_area(k, *code)),
        };
        if inside {
            out.add(e);
        }
    }
    Ok((out.networks > 0).then_some(out))
}

/// The key figures of `scope` in every stored period that has networks in
/// it, oldest first.
pub fn area_history(store: &Store, scope: &Scope) -> Result<Vec<AreaSummary>, StoreError> {
    let mut months: Vec<Month> = store.periods()?.into_iter().map(|p| p.month).collect();
    months.sort();
    let mut out = Vec::new();
    for m in months {
        if let Some(s) = area_summary(store, m, scope)? {
            out.push(s);
        }
    }
    Ok(out)
}

/// The change of each figure between two summaries of the same scope.
pub fn comparison_json(from: &AreaSummary, to: &AreaSummary) -> Value {
    let figures: Vec<Value> = Figure::ALL
        .iter()
        .map(|f| {
            let (a, b) = (from.figure(*f), to.figure(*f));
            json!({
                "id": f.api_name(),
                "from": a.mean,
                "to": b.mean,
                "change": a.mean.zip(b.mean).map(|(x, y)| y - x),
                "networksFrom": a.measured,
                "networksTo": b.measured,
                "bandsFrom": a.bands,
                "bandsTo": b.bands,
            })
        })
        .collect();
    json!({
        "from": from.month,
        "to": to.month,
        "networksFrom": from.networks,
        "networksTo": to.networks,
        "incidentsFrom": from.incidents,
        "incidentsTo": to.incidents,
        "keyFigures": figures,
    })
}

/// The report document of an aggregate scope for `month`: the summary, the
/// history over every stored period and the comparison with `compare`
/// (`None`: no network of the scope in `month`). `manrs report` prints it
/// and the region pages of the web server render it.
pub fn area_report(
    store: &Store,
    month: Month,
    compare: Option<Month>,
    scope: &Scope,
) -> Result<Option<Value>, StoreError> {
    let Some(now) = area_summary(store, month, scope)? else { return Ok(None) };
    let history = area_history(store, scope)?;
    let then: Option<AreaSummary> = match compare {
        Some(m) => area_summary(store, m, scope)?,
        None => None,
    };
    Ok(Some(json!({
        "kind": "area",
        "scope": scope.to_json(),
        "label": scope.label(),
        "month": month,
        "summary": now.to_json(),
        "history": history.iter().map(AreaSummary::to_json).collect::<Vec<_>>(),
        "comparison": then.map(|t| comparison_json(&t, &now)),
    })))
}
