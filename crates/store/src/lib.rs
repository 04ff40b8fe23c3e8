//! The manrs store: the results of each period with their evidence rows
//! (manrs-spec §7.1 step 3), in SQLite (rusqlite with bundled SQLite).
//!
//! A period is one calendar month ([`Month`]). For each stored period the
//! store keeps the metadata of the run (settings, scoring profile, tool
//! version, statistics), every input file's counts and diagnostics, every
//! route of the snapshot with its RPKI state, the VRPs that decided it and
//! the IRR object that covers it, the networks, their Action 4 metrics and
//! their Action 1 incidents.
//!
//! Invariants:
//! * **One immutable snapshot per period.** A period is written by a
//!   [`PeriodWriter`] inside one SQLite transaction and becomes visible only
//!   at [`PeriodWriter::commit`]. A crash, an error or a dropped writer rolls
//!   back: nothing already stored is lost and no half-written period is ever
//!   visible. Replacing a period deletes the old one inside the same
//!   transaction, so other connections see the old period until the commit
//!   and the new one after, never neither. Nothing else ever updates a
//!   stored period.
//! * **Evidence belongs to its period.** [`PeriodWriter::add_route_vrp`]
//!   accepts only routes written by the same writer, so a stored period
//!   cannot gain rows later.
//! * **Versioned schema.** `PRAGMA user_version` holds the schema version;
//!   [`MIGRATIONS`] are applied in order at open, each in its own
//!   transaction. Released migrations are never edited, only appended to. A
//!   database from a newer manrs is refused before anything in it changes.
//! * **Address order.** Prefixes are stored as text and as (family, 16-byte
//!   big-endian address, length), so `ORDER BY family, addr, len` gives
//!   address order with IPv4 before IPv6, and an index serves every
//!   [`RouteQuery`] in that order.
//! * **Typed errors.** Every failure is a [`StoreError`] naming the database
//!   file; a value that does not parse back is an error, never a default.
//!
//! WAL journal mode lets readers (the web server) read while a run writes.

use std::path::{Path, PathBuf};
use std::time::Duration;

use manrs_engine::{Band, Profile, RovState, Score, SnapshotRoute, Visibility};
use manrs_types::{Asn, Month, Prefix};
use rusqlite::{
    Connection, OpenFlags, OptionalExtension, Transaction, TransactionBehavior, params,
};
use serde_json::Value;

pub mod programme;

pub use programme::{
    AdjustedScore, ApplicationRow, AuditRow, FeedbackRow, IncidentRef, ParticipantRow, SessionRow,
    UserRow,
};

/// The schema, one script per version (index + 1 = `user_version`).
///
/// Each script runs in one transaction together with the `user_version`
/// update. A released script is never changed; a schema change is a new
/// script at the end.
pub const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE periods (
    id INTEGER PRIMARY KEY,
    month TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    finished_at INTEGER NOT NULL,
    tool_version TEXT NOT NULL,
    manifest TEXT,
    settings TEXT NOT NULL,
    profile TEXT NOT NULL,
    profile_version TEXT NOT NULL,
    stats TEXT NOT NULL
);
CREATE TABLE sources (
    id INTEGER PRIMARY KEY,
    period_id INTEGER NOT NULL REFERENCES periods(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    path TEXT NOT NULL,
    format TEXT NOT NULL,
    records INTEGER NOT NULL,
    elements INTEGER NOT NULL,
    errors INTEGER NOT NULL,
    truncated INTEGER NOT NULL,
    diagnostics TEXT NOT NULL
);
CREATE INDEX sources_period ON sources(period_id);
CREATE TABLE routes (
    id INTEGER PRIMARY KEY,
    period_id INTEGER NOT NULL REFERENCES periods(id) ON DELETE CASCADE,
    prefix TEXT NOT NULL,
    family INTEGER NOT NULL,
    addr BLOB NOT NULL,
    len INTEGER NOT NULL,
    origin INTEGER NOT NULL,
    as_set INTEGER NOT NULL,
    first_seen INTEGER,
    last_seen INTEGER,
    peers INTEGER NOT NULL,
    collectors INTEGER NOT NULL,
    upstreams TEXT NOT NULL,
    rov TEXT NOT NULL,
    irr_source TEXT,
    irr_prefix TEXT,
    irr_exact INTEGER
);
CREATE INDEX routes_origin ON routes(period_id, origin, family, addr, len);
CREATE INDEX routes_rov ON routes(period_id, rov);
CREATE TABLE route_vrps (
    route_id INTEGER NOT NULL REFERENCES routes(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    prefix TEXT NOT NULL,
    max_len INTEGER NOT NULL,
    asn INTEGER NOT NULL,
    ta TEXT,
    matched INTEGER NOT NULL,
    PRIMARY KEY (route_id, seq)
) WITHOUT ROWID;
CREATE TABLE networks (
    period_id INTEGER NOT NULL REFERENCES periods(id) ON DELETE CASCADE,
    asn INTEGER NOT NULL,
    holder TEXT,
    country TEXT,
    rir TEXT,
    status TEXT,
    PRIMARY KEY (period_id, asn)
) WITHOUT ROWID;
CREATE TABLE metrics (
    period_id INTEGER NOT NULL REFERENCES periods(id) ON DELETE CASCADE,
    asn INTEGER NOT NULL,
    routes INTEGER NOT NULL,
    valid INTEGER NOT NULL,
    invalid INTEGER NOT NULL,
    not_found INTEGER NOT NULL,
    irr_covered INTEGER,
    rpki_value REAL NOT NULL,
    rpki_band TEXT NOT NULL,
    irr_value REAL,
    irr_band TEXT,
    PRIMARY KEY (period_id, asn)
) WITHOUT ROWID;
"#,
    r#"
CREATE TABLE incidents (
    id INTEGER PRIMARY KEY,
    period_id INTEGER NOT NULL REFERENCES periods(id) ON DELETE CASCADE,
    asn INTEGER NOT NULL,
    metric TEXT NOT NULL,
    weight REAL NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    score REAL NOT NULL,
    confidence REAL,
    summary TEXT NOT NULL,
    evidence TEXT NOT NULL
);
CREATE INDEX incidents_asn ON incidents(period_id, asn, metric, start);
"#,
    // Version 3: period sizes kept with the period (`periods()` no longer
    // counts 1.4 M rows per period), and indexes that return every
    // `RouteQuery` in address order without a sort (a page deep into a
    // full table took 10 s without them).
    r#"
ALTER TABLE periods ADD COLUMN route_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE periods ADD COLUMN network_count INTEGER NOT NULL DEFAULT 0;
UPDATE periods SET
    route_count = (SELECT COUNT(*) FROM routes r WHERE r.period_id = periods.id),
    network_count = (SELECT COUNT(*) FROM networks n WHERE n.period_id = periods.id);
DROP INDEX routes_rov;
CREATE INDEX routes_rov ON routes(period_id, rov, family, addr, len, origin);
CREATE INDEX routes_addr ON routes(period_id, family, addr, len, origin);
"#,
    // Version 4: the key figures of Actions 1-3 (filtering, antiSpoofing,
    // coordination) beside the Action 4 ones. Filtering of periods stored
    // before is computed from their incidents when migrating
    // (`backfill_filtering`); Spoofer and contact data were not used then,
    // so those figures stay "no data".
    r#"
ALTER TABLE metrics ADD COLUMN filtering_raw REAL;
ALTER TABLE metrics ADD COLUMN filtering_value REAL;
ALTER TABLE metrics ADD COLUMN filtering_band TEXT;
ALTER TABLE metrics ADD COLUMN spoof_sessions INTEGER;
ALTER TABLE metrics ADD COLUMN spoof_prefixes INTEGER;
ALTER TABLE metrics ADD COLUMN spoof_value REAL;
ALTER TABLE metrics ADD COLUMN spoof_band TEXT;
ALTER TABLE metrics ADD COLUMN spoof_evidence TEXT;
ALTER TABLE metrics ADD COLUMN contacts TEXT;
ALTER TABLE metrics ADD COLUMN coordination_value REAL;
ALTER TABLE metrics ADD COLUMN coordination_band TEXT;
"#,
    // Version 5: the network universe (manrs-spec §2.1). A network is
    // visible as an origin or only inside AS paths (`transit`: no routes,
    // so no Action 4 figures, hence the nullable RPKI columns, which needs
    // the table rebuilt), and `excluded` says why a visible AS does not
    // count in aggregates (not delegated). Periods stored before held
    // origins only and excluded none.
    r#"
ALTER TABLE networks ADD COLUMN visibility TEXT NOT NULL DEFAULT 'origin';
ALTER TABLE networks ADD COLUMN excluded TEXT;
CREATE TABLE metrics_v5 (
    period_id INTEGER NOT NULL REFERENCES periods(id) ON DELETE CASCADE,
    asn INTEGER NOT NULL,
    routes INTEGER NOT NULL,
    valid INTEGER NOT NULL,
    invalid INTEGER NOT NULL,
    not_found INTEGER NOT NULL,
    irr_covered INTEGER,
    rpki_value REAL,
    rpki_band TEXT,
    irr_value REAL,
    irr_band TEXT,
    filtering_raw REAL,
    filtering_value REAL,
    filtering_band TEXT,
    spoof_sessions INTEGER,
    spoof_prefixes INTEGER,
    spoof_value REAL,
    spoof_band TEXT,
    spoof_evidence TEXT,
    contacts TEXT,
    coordination_value REAL,
    coordination_band TEXT,
    PRIMARY KEY (period_id, asn)
) WITHOUT ROWID;
INSERT INTO metrics_v5 (period_id, asn, routes, valid, invalid, not_found, irr_covered,
    rpki_value, rpki_band, irr_value, irr_band, filtering_raw, filtering_value, filtering_band,
    spoof_sessions, spoof_prefixes, spoof_value, spoof_band, spoof_evidence, contacts,
    coordination_value, coordination_band)
SELECT period_id, asn, routes, valid, invalid, not_found, irr_covered,
    rpki_value, rpki_band, irr_value, irr_band, filtering_raw, filtering_value, filtering_band,
    spoof_sessions, spoof_prefixes, spoof_value, spoof_band, spoof_evidence, contacts,
    coordination_value, coordination_band
FROM metrics;
DROP TABLE metrics;
ALTER TABLE metrics_v5 RENAME TO metrics;
"#,
    // Version 6: the programme (accounts, applications, participants,
    // feedback and scores adjusted by it, report deliveries, audit log):
    // new tables only, independent of the ones above.
    programme::PROGRAMME_SCHEMA,
];

/// The schema version this code writes: the number of [`MIGRATIONS`].
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// How long a connection waits for another one's write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Errors of the store. Each names the database file.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database file does not exist.
    #[error("{}: no such database; run `manrs run` or `manrs demo` first", path.display())]
    Missing {
        /// The path.
        path: PathBuf,
    },
    /// The database was written by a newer manrs.
    #[error(
        "{}: database schema version {found} is newer than this manrs ({known}); upgrade manrs",
        path.display()
    )]
    TooNew {
        /// The path.
        path: PathBuf,
        /// Its version.
        found: u32,
        /// The newest this code knows.
        known: u32,
    },
    /// The period is already stored and replacing was not asked for.
    #[error("{}: period {month} is already stored (replace it to write it again)", path.display())]
    PeriodExists {
        /// The period.
        month: Month,
        /// The database.
        path: PathBuf,
    },
    /// An evidence row for a route that this period's writer did not write.
    #[error("{}: route {route_id} is not a route of period {month} being written", path.display())]
    UnknownRoute {
        /// The route id given.
        route_id: i64,
        /// The period being written.
        month: Month,
        /// The database.
        path: PathBuf,
    },
    /// A count too large for SQLite's signed 64-bit integers.
    #[error("{}: {column} = {value} is too large to store", path.display())]
    TooLarge {
        /// The column.
        column: &'static str,
        /// The value.
        value: u64,
        /// The database.
        path: PathBuf,
    },
    /// An SQLite error (including "file is not a database"), with what the
    /// store was doing.
    #[error("{}: {context}: {source}", path.display())]
    Sqlite {
        /// The database.
        path: PathBuf,
        /// What failed, e.g. "writing a route".
        context: &'static str,
        /// The error.
        source: rusqlite::Error,
    },
    /// A programme write refused by a rule (an account that exists, an
    /// application not waiting for review...), with the reason.
    #[error("{message}")]
    Refused {
        /// The database.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// A stored value that does not parse (a damaged database).
    #[error("{}: corrupt value in column {column}: {value}", path.display())]
    Corrupt {
        /// The database.
        path: PathBuf,
        /// Where.
        column: &'static str,
        /// What.
        value: String,
    },
}

/// The metadata a period is written with.
#[derive(Clone, Debug, PartialEq)]
pub struct PeriodMeta {
    /// The month.
    pub month: Month,
    /// When the run started (Unix seconds).
    pub created_at: i64,
    /// The manrs version that wrote it.
    pub tool_version: String,
    /// The manifest, as given on the command line.
    pub manifest: Option<String>,
    /// The analysis settings (JSON).
    pub settings: Value,
    /// The scoring profile (JSON).
    pub profile: Value,
    /// The profile's version, so scores can be recomputed.
    pub profile_version: String,
}

/// A stored period.
#[derive(Clone, Debug, PartialEq)]
pub struct PeriodInfo {
    /// The month.
    pub month: Month,
    /// When the run started (Unix seconds).
    pub created_at: i64,
    /// When its transaction committed (Unix seconds).
    pub finished_at: i64,
    /// The manrs version that wrote it.
    pub tool_version: String,
    /// The manifest, as given on the command line.
    pub manifest: Option<String>,
    /// The analysis settings (JSON).
    pub settings: Value,
    /// The scoring profile (JSON).
    pub profile: Value,
    /// The profile's version.
    pub profile_version: String,
    /// The statistics of the run (JSON).
    pub stats: Value,
    /// Routes stored.
    pub routes: u64,
    /// Networks stored.
    pub networks: u64,
}

impl PeriodInfo {
    /// The month (the same as the `month` field).
    pub fn month(&self) -> Month {
        self.month
    }

    /// The metadata the period was written with.
    pub fn meta(&self) -> PeriodMeta {
        PeriodMeta {
            month: self.month,
            created_at: self.created_at,
            tool_version: self.tool_version.clone(),
            manifest: self.manifest.clone(),
            settings: self.settings.clone(),
            profile: self.profile.clone(),
            profile_version: self.profile_version.clone(),
        }
    }
}

/// One input file of a period, with what was read and dropped.
#[derive(Clone, Debug, PartialEq)]
pub struct SourceRow {
    /// Manifest kind: `mrt`, `routes`, `vrps`, `irr`, `delegated`, `iana`,
    /// `as-names`...
    pub kind: String,
    /// The file, as the manifest names it.
    pub path: String,
    /// Detected format.
    pub format: String,
    /// Records read.
    pub records: u64,
    /// Elements produced.
    pub elements: u64,
    /// Problems found.
    pub errors: u64,
    /// Whether the file ended early.
    pub truncated: bool,
    /// Counts by kind (`errorsByKind`) and the first diagnostics (JSON).
    pub diagnostics: Value,
}

/// The IRR object that covers a route.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IrrEvidence {
    /// Its IRR source, e.g. `RIPE-NONAUTH`.
    pub source: String,
    /// The prefix of the route object.
    pub prefix: Prefix,
    /// Whether it is the route's own prefix.
    pub exact: bool,
}

/// A route of a period with its results.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteRow {
    /// The route as the snapshot holds it (prefix, origin, times, peers,
    /// collectors, upstreams). For AS_SET routes under the `each` policy
    /// there is one row per member, with `as_set` set.
    pub route: SnapshotRoute,
    /// RFC 6811 state.
    pub rov: RovState,
    /// The covering IRR object, if any.
    pub irr: Option<IrrEvidence>,
}

/// A stored route and its id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredRoute {
    /// Row id (for [`Store::route_vrps`]).
    pub id: i64,
    /// The route.
    pub row: RouteRow,
}

/// A VRP kept as evidence of a route's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VrpRow {
    /// VRP prefix.
    pub prefix: Prefix,
    /// maxLength.
    pub max_len: u8,
    /// Authorised AS.
    pub asn: Asn,
    /// Trust anchor.
    pub ta: Option<String>,
    /// `true`: this VRP made the route valid; `false`: a covering VRP that
    /// did not authorise it.
    pub matched: bool,
}

/// Who a network is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetworkRow {
    /// The AS.
    pub asn: Asn,
    /// Holder name.
    pub holder: Option<String>,
    /// Economy (ISO 3166 code).
    pub country: Option<String>,
    /// The registry that delegated it.
    pub rir: Option<String>,
    /// Delegation status.
    pub status: Option<String>,
    /// How it is visible in the period (manrs-spec §2.1).
    pub visibility: Visibility,
    /// Why it does not count in aggregates (not delegated); `None`: it
    /// counts.
    pub excluded: Option<String>,
}

/// A network's Action 4 metrics.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricRow {
    /// The AS.
    pub asn: Asn,
    /// Routes originated.
    pub routes: u64,
    /// Valid.
    pub valid: u64,
    /// Invalid.
    pub invalid: u64,
    /// Not found.
    pub not_found: u64,
    /// IRR-covered routes; `None` when the period has no IRR data.
    pub irr_covered: Option<u64>,
    /// routingInformationRPKI; `None` for a network with no route of its
    /// own (visible in paths only).
    pub rpki_value: Option<f64>,
    /// Its band.
    pub rpki_band: Option<Band>,
    /// routingInformationIRR; `None` without IRR data.
    pub irr_value: Option<f64>,
    /// Its band.
    pub irr_band: Option<Band>,
    /// The key figures of Actions 1-3.
    pub figures: FigureRow,
}

/// The key figures of Actions 1-3 of a network (manrs-spec §2.6), with the
/// raw metric of each so that bands can be derived again.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FigureRow {
    /// The raw filtering penalty: the sum of the scores of the incidents of
    /// the profile's filtering metrics (`None`: not computed).
    pub filtering_raw: Option<f64>,
    /// `filtering`.
    pub filtering: Score,
    /// Spoofer sessions that tested the network (`None`: none).
    pub spoof_sessions: Option<u64>,
    /// Raw M5: client prefixes that leaked spoofed packets.
    pub spoof_prefixes: Option<u64>,
    /// The sessions and spoofing prefixes behind it (JSON: `sessions`,
    /// `spoofedPrefixes`, `spoofedSessionsWithoutPrefix`).
    pub spoof_evidence: Option<Value>,
    /// `antiSpoofing`.
    pub anti_spoofing: Score,
    /// The contact findings (JSON: `records`, `contacts` with source, role
    /// and reference); `None`: no loaded source has a record.
    pub contacts: Option<Value>,
    /// `coordination`.
    pub coordination: Score,
}

/// An incident of an AS for one Action 1 metric (manrs-spec §2.3), with
/// its evidence.
#[derive(Clone, Debug, PartialEq)]
pub struct IncidentRow {
    /// The AS held responsible.
    pub asn: Asn,
    /// `M2`, `M2C`, `M3`...
    pub metric: String,
    /// The weight shared by its events.
    pub weight: f64,
    /// Start (Unix seconds, clipped to the period).
    pub start: i64,
    /// End.
    pub end: i64,
    /// Weighted-duration score.
    pub score: f64,
    /// The highest confidence among its findings, when the metric has one.
    pub confidence: Option<f64>,
    /// One line saying what happened.
    pub summary: String,
    /// The findings behind it (JSON: prefixes, origins, paths, peers,
    /// times, tags).
    pub evidence: Value,
}

/// Which routes to read. Results are in address order (IPv4 before IPv6,
/// then address, then prefix length), then origin.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RouteQuery {
    /// Only this origin.
    pub origin: Option<Asn>,
    /// Only this state.
    pub rov: Option<RovState>,
    /// Only routes no IRR object covers.
    pub irr_unregistered: bool,
    /// Only routes of exactly this prefix.
    pub prefix: Option<Prefix>,
    /// At most this many.
    pub limit: Option<u64>,
    /// Skip this many.
    pub offset: u64,
}

/// Which networks to list ([`Store::networks`]). Results are by AS
/// number.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NetworkQuery {
    /// Only this economy (ISO 3166 code, as stored).
    pub country: Option<String>,
    /// Only networks delegated by this registry (`ripencc`, `arin`...).
    pub rir: Option<String>,
    /// Only holders whose name contains this text (case-insensitive).
    pub holder: Option<String>,
    /// Only this AS.
    pub asn: Option<Asn>,
    /// At most this many.
    pub limit: Option<u64>,
    /// Skip this many.
    pub offset: u64,
}

/// A network of a period with its metrics and Action 1 totals, for lists.
#[derive(Clone, Debug, PartialEq)]
pub struct NetworkSummary {
    /// Who it is.
    pub network: NetworkRow,
    /// Its Action 4 metrics (`None`: it originated no route).
    pub metrics: Option<MetricRow>,
    /// Its incidents.
    pub incidents: u64,
    /// The sum of their weighted-duration scores (the raw Action 1
    /// penalty, manrs-spec §2.3).
    pub penalty: f64,
}

/// The networks of one economy in a period, aggregated.
#[derive(Clone, Debug, PartialEq)]
pub struct EconomyRow {
    /// ISO 3166 code; `None` for networks of no known economy.
    pub country: Option<String>,
    /// Networks.
    pub networks: u64,
    /// Networks with an Action 4 score (they originated routes).
    pub scored: u64,
    /// Routes originated.
    pub routes: u64,
    /// Valid routes.
    pub valid: u64,
    /// Invalid routes.
    pub invalid: u64,
    /// IRR-covered routes (`None`: no IRR data).
    pub irr_covered: Option<u64>,
    /// Mean routingInformationRPKI over the scored networks.
    pub rpki_mean: Option<f64>,
    /// Scored networks per RPKI band: ready, aspiring, lagging.
    pub rpki_bands: [u64; 3],
    /// Mean routingInformationIRR (`None`: no IRR data).
    pub irr_mean: Option<f64>,
    /// Networks per IRR band: ready, aspiring, lagging.
    pub irr_bands: [u64; 3],
    /// Action 1 incidents of the economy's networks.
    pub incidents: u64,
    /// Networks with at least one incident.
    pub networks_with_incidents: u64,
    /// `filtering` over the networks that have it.
    pub filtering: FigureAggregate,
    /// `antiSpoofing` over the networks that have it.
    pub anti_spoofing: FigureAggregate,
    /// `coordination` over the networks that have it.
    pub coordination: FigureAggregate,
}

/// One key figure aggregated over a set of networks (manrs-spec §2.6: the
/// mean, and the networks per band).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FigureAggregate {
    /// Networks with a value (the others have no data).
    pub measured: u64,
    /// Mean value over them (`None`: none measured).
    pub mean: Option<f64>,
    /// Networks per band: ready, aspiring, lagging.
    pub bands: [u64; 3],
}

/// Incidents of one metric in a period.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricCount {
    /// `M1`, `M2C`...
    pub metric: String,
    /// Incidents.
    pub incidents: u64,
    /// Distinct networks involved.
    pub networks: u64,
}

/// An open database.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: PathBuf,
    version: u32,
}

/// Maps an SQLite error to a [`StoreError`] naming the file and the step.
fn sql<'a>(path: &'a Path, context: &'static str) -> impl Fn(rusqlite::Error) -> StoreError + 'a {
    move |source| StoreError::Sqlite { path: path.to_path_buf(), context, source }
}

fn parse_rov(s: &str) -> Option<RovState> {
    match s {
        "valid" => Some(RovState::Valid),
        "invalid" => Some(RovState::Invalid),
        "notFound" => Some(RovState::NotFound),
        _ => None,
    }
}

/// The sort key of a prefix: family (4 or 6) and the address as 16
/// big-endian bytes (IPv4 in the first four).
fn addr_key(p: &Prefix) -> (i64, [u8; 16]) {
    match p.addr() {
        std::net::IpAddr::V4(a) => {
            let mut k = [0u8; 16];
            k[..4].copy_from_slice(&a.octets());
            (4, k)
        }
        std::net::IpAddr::V6(a) => (6, a.octets()),
    }
}

/// A count as SQLite's integer.
fn int(path: &Path, column: &'static str, value: u64) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| StoreError::TooLarge { column, value, path: path.into() })
}

/// A column value that does not parse (a damaged database).
fn bad_column(i: usize, e: impl std::error::Error + Send + Sync + 'static) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
}

#[derive(Debug, thiserror::Error)]
#[error("unknown value {0:?}")]
struct UnknownValue(String);

#[derive(Debug, thiserror::Error)]
#[error("negative count {0}")]
struct NegativeCount(i64);

/// A text column parsed with `FromStr`.
fn parse_col<T: std::str::FromStr>(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<T>
where
    T::Err: std::error::Error + Send + Sync + 'static,
{
    r.get::<_, String>(i)?.parse().map_err(|e| bad_column(i, e))
}

/// A JSON text column.
fn json_col(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Value> {
    serde_json::from_str(&r.get::<_, String>(i)?).map_err(|e| bad_column(i, e))
}

/// A non-negative integer column.
fn count_col(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<u64> {
    let n: i64 = r.get(i)?;
    u64::try_from(n).map_err(|_| bad_column(i, NegativeCount(n)))
}

/// A band column.
fn band_col(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Option<Band>> {
    match r.get::<_, Option<String>>(i)? {
        None => Ok(None),
        Some(b) => Band::parse(&b).map(Some).ok_or_else(|| bad_column(i, UnknownValue(b))),
    }
}

/// Schema v4: the `filtering` key figure of every network of the periods
/// stored before it, from their stored incidents and the profile each
/// period was scored with (fields it lacks take the defaults); periods
/// without an MRT input keep "no data", as a new run gives them.
fn backfill_filtering(tx: &Transaction<'_>, path: &Path) -> Result<(), StoreError> {
    let e = sql(path, "computing filtering for stored periods");
    let periods: Vec<(i64, String)> = tx
        .prepare("SELECT id, profile FROM periods")
        .and_then(|mut st| st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect())
        .map_err(&e)?;
    for (id, profile) in periods {
        // Without MRT input (prefix-origin lists only) no incident could be
        // found: filtering stays "no data".
        let dated: bool = tx
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM sources WHERE period_id = ?1 AND kind = 'mrt')",
                [id],
                |r| r.get(0),
            )
            .map_err(&e)?;
        if !dated {
            continue;
        }
        let profile: Profile =
            serde_json::from_str(&profile).map_err(|err| StoreError::Corrupt {
                path: path.into(),
                column: "periods.profile",
                value: format!("{err}: {profile}"),
            })?;
        let mut raw: std::collections::HashMap<u32, f64> = std::collections::HashMap::new();
        {
            let mut st = tx
                .prepare("SELECT asn, metric, score FROM incidents WHERE period_id = ?1")
                .map_err(&e)?;
            let mut rows = st.query([id]).map_err(&e)?;
            while let Some(r) = rows.next().map_err(&e)? {
                let metric: String = r.get(1).map_err(&e)?;
                if profile.feeds_filtering(&metric) {
                    *raw.entry(r.get(0).map_err(&e)?).or_default() +=
                        r.get::<_, f64>(2).map_err(&e)?;
                }
            }
        }
        let asns: Vec<u32> = tx
            .prepare("SELECT asn FROM metrics WHERE period_id = ?1")
            .and_then(|mut st| st.query_map([id], |r| r.get(0))?.collect())
            .map_err(&e)?;
        let mut up = tx
            .prepare(
                "UPDATE metrics SET filtering_raw = ?3, filtering_value = ?4, filtering_band = ?5
                 WHERE period_id = ?1 AND asn = ?2",
            )
            .map_err(&e)?;
        for asn in asns {
            let x = raw.get(&asn).copied().unwrap_or(0.0);
            let s = manrs_engine::scores::filtering(x, &profile);
            up.execute(params![id, asn, x, s.value, s.band.map(Band::as_str)]).map_err(&e)?;
        }
    }
    Ok(())
}

/// The columns [`read_metric`] reads, of `metrics m`.
const METRIC_COLUMNS: &str = "m.asn, m.routes, m.valid, m.invalid, m.not_found, m.irr_covered, \
                              m.rpki_value, m.rpki_band, m.irr_value, m.irr_band, \
                              m.filtering_raw, m.filtering_value, m.filtering_band, \
                              m.spoof_sessions, m.spoof_prefixes, m.spoof_value, m.spoof_band, \
                              m.contacts, m.coordination_value, m.coordination_band, \
                              m.spoof_evidence";

/// How many columns [`METRIC_COLUMNS`] has.
const METRIC_COLUMN_COUNT: usize = 21;

/// A `metrics` row selected with [`METRIC_COLUMNS`] from column `at`.
fn read_metric(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<MetricRow> {
    let irr_covered = opt_count_col(r, at + 5)?;
    Ok(MetricRow {
        asn: Asn(r.get(at)?),
        routes: count_col(r, at + 1)?,
        valid: count_col(r, at + 2)?,
        invalid: count_col(r, at + 3)?,
        not_found: count_col(r, at + 4)?,
        irr_covered,
        rpki_value: r.get(at + 6)?,
        rpki_band: band_col(r, at + 7)?,
        irr_value: r.get(at + 8)?,
        irr_band: band_col(r, at + 9)?,
        figures: FigureRow {
            filtering_raw: r.get(at + 10)?,
            filtering: Score { value: r.get(at + 11)?, band: band_col(r, at + 12)? },
            spoof_sessions: opt_count_col(r, at + 13)?,
            spoof_prefixes: opt_count_col(r, at + 14)?,
            anti_spoofing: Score { value: r.get(at + 15)?, band: band_col(r, at + 16)? },
            contacts: opt_json_col(r, at + 17)?,
            coordination: Score { value: r.get(at + 18)?, band: band_col(r, at + 19)? },
            spoof_evidence: opt_json_col(r, at + 20)?,
        },
    })
}

/// A `networks.visibility` column.
fn visibility_col(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Visibility> {
    let s: String = r.get(i)?;
    Visibility::parse(&s).ok_or_else(|| bad_column(i, UnknownValue(s)))
}

/// A nullable JSON column.
fn opt_json_col(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Option<Value>> {
    match r.get::<_, Option<String>>(i)? {
        Some(_) => json_col(r, i).map(Some),
        None => Ok(None),
    }
}

/// A nullable non-negative integer column.
fn opt_count_col(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Option<u64>> {
    match r.get::<_, Option<i64>>(i)? {
        Some(_) => count_col(r, i).map(Some),
        None => Ok(None),
    }
}

/// `asn = ?2` when an AS is asked for, else the always-true `?2 IS NULL`:
/// written out so that SQLite uses the (period, AS) key for one AS.
fn asn_condition(asn: Option<Asn>) -> &'static str {
    if asn.is_some() { "asn = ?2" } else { "?2 IS NULL" }
}

/// The filter of [`Store::networks`] and [`Store::count_networks`]:
/// parameters ?1 period, ?2 country, ?3 RIR, ?4 holder text, ?5 ASN. Only
/// the filters given are written as conditions (an absent one is `?N IS
/// NULL`, true), so a lookup by AS uses the primary key instead of a scan
/// of the period.
fn network_filter(q: &NetworkQuery) -> String {
    let mut sql = String::from(
        " FROM networks n LEFT JOIN metrics m ON m.period_id = n.period_id AND m.asn = n.asn
         WHERE n.period_id = ?1",
    );
    sql.push_str(if q.country.is_some() { " AND n.country = ?2" } else { " AND ?2 IS NULL" });
    sql.push_str(if q.rir.is_some() { " AND n.rir = ?3" } else { " AND ?3 IS NULL" });
    sql.push_str(if q.holder.is_some() {
        " AND instr(lower(n.holder), lower(?4)) > 0"
    } else {
        " AND ?4 IS NULL"
    });
    sql.push_str(if q.asn.is_some() { " AND n.asn = ?5" } else { " AND ?5 IS NULL" });
    sql
}

/// The columns [`read_period`] reads.
const PERIOD_COLUMNS: &str = "month, created_at, finished_at, tool_version, manifest, settings, \
                              profile, profile_version, stats, route_count, network_count";

/// One `periods` row selected with [`PERIOD_COLUMNS`].
fn read_period(r: &rusqlite::Row<'_>) -> rusqlite::Result<PeriodInfo> {
    Ok(PeriodInfo {
        month: parse_col(r, 0)?,
        created_at: r.get(1)?,
        finished_at: r.get(2)?,
        tool_version: r.get(3)?,
        manifest: r.get(4)?,
        settings: json_col(r, 5)?,
        profile: json_col(r, 6)?,
        profile_version: r.get(7)?,
        stats: json_col(r, 8)?,
        routes: count_col(r, 9)?,
        networks: count_col(r, 10)?,
    })
}

/// The columns [`read_route`] reads.
const ROUTE_COLUMNS: &str = "id, prefix, origin, as_set, first_seen, last_seen, peers, \
                             collectors, upstreams, rov, irr_source, irr_prefix, irr_exact";

/// One `routes` row selected with [`ROUTE_COLUMNS`].
fn read_route(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredRoute> {
    let upstreams: String = r.get(8)?;
    let upstreams = upstreams
        .split_ascii_whitespace()
        .map(|a| a.parse().map(Asn).map_err(|e| bad_column(8, e)))
        .collect::<Result<Vec<_>, _>>()?;
    let rov: String = r.get(9)?;
    let rov = parse_rov(&rov).ok_or_else(|| bad_column(9, UnknownValue(rov)))?;
    let irr = match r.get::<_, Option<String>>(10)? {
        Some(source) => Some(IrrEvidence {
            source,
            prefix: parse_col(r, 11)?,
            exact: r.get::<_, Option<bool>>(12)?.unwrap_or(false),
        }),
        None => None,
    };
    Ok(StoredRoute {
        id: r.get(0)?,
        row: RouteRow {
            route: SnapshotRoute {
                prefix: parse_col(r, 1)?,
                origin: Asn(r.get(2)?),
                as_set: r.get(3)?,
                first_seen: r.get(4)?,
                last_seen: r.get(5)?,
                peers: r.get(6)?,
                collectors: r.get(7)?,
                upstreams,
            },
            rov,
            irr,
        },
    })
}

/// The `FROM ... WHERE` of a route query; parameters ?1 period id,
/// ?2 origin, ?3 state.
fn route_filter(q: &RouteQuery) -> String {
    let mut sql = String::from(" FROM routes WHERE period_id = ?1");
    sql.push_str(if q.origin.is_some() { " AND origin = ?2" } else { " AND ?2 IS NULL" });
    sql.push_str(if q.rov.is_some() { " AND rov = ?3" } else { " AND ?3 IS NULL" });
    if q.irr_unregistered {
        sql.push_str(" AND irr_source IS NULL");
    }
    if let Some(p) = &q.prefix {
        // Numbers and a hex blob derived from a parsed prefix: safe to
        // write into the statement, and the address index serves it.
        let (family, addr) = addr_key(p);
        let hex: String = addr.iter().map(|b| format!("{b:02X}")).collect();
        sql.push_str(&format!(" AND family = {family} AND addr = X'{hex}' AND len = {}", p.len()));
    }
    sql
}

impl Store {
    /// Opens a database, creating it if it does not exist, and migrates it
    /// to the current schema.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let conn = Connection::open(path).map_err(sql(path, "opening the database"))?;
        Store::init(conn, path)
    }

    /// Opens an existing database (migrating it if older); a missing file
    /// is [`StoreError::Missing`].
    pub fn open_existing(path: &Path) -> Result<Store, StoreError> {
        if matches!(path.try_exists(), Ok(false)) {
            return Err(StoreError::Missing { path: path.into() });
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn =
            Connection::open_with_flags(path, flags).map_err(sql(path, "opening the database"))?;
        Store::init(conn, path)
    }

    fn init(conn: Connection, path: &Path) -> Result<Store, StoreError> {
        conn.busy_timeout(BUSY_TIMEOUT).map_err(sql(path, "setting the busy timeout"))?;
        // Reading the header first: a file that is not a database fails
        // here, and a newer database is refused before anything changes.
        let version = user_version(&conn).map_err(sql(path, "reading the schema version"))?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::TooNew {
                path: path.into(),
                found: version,
                known: SCHEMA_VERSION,
            });
        }
        // WAL: readers never block the writer and see only committed
        // periods. NORMAL sync is safe in WAL mode (a power cut may lose
        // the last commit, never corrupt). A 256 MiB page cache keeps a
        // full table's indexes in memory while it is written; the WAL file
        // is truncated back to 64 MiB after checkpoints.
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = NORMAL;
             PRAGMA cache_size = -262144;
             PRAGMA temp_store = MEMORY;
             PRAGMA journal_size_limit = 67108864;
             PRAGMA foreign_keys = ON;",
        )
        .map_err(sql(path, "setting the pragmas"))?;
        let mut store = Store { conn, path: path.to_path_buf(), version };
        store.migrate()?;
        Ok(store)
    }

    /// Sets the page cache of this connection to `mib` MiB (256 by default:
    /// a full table's indexes stay in memory while a period is written).
    /// A smaller cache bounds the memory of a write, at the cost of more
    /// pages written to the WAL file and read back.
    pub fn set_cache_mib(&self, mib: u32) -> Result<(), StoreError> {
        let kib = i64::from(mib.max(1)) * 1024;
        self.conn
            .pragma_update(None, "cache_size", -kib)
            .map_err(sql(&self.path, "setting the page cache size"))
    }

    /// Applies the missing migrations, each in one transaction. The version
    /// is read again inside the transaction, so two processes opening the
    /// same old database migrate it once.
    fn migrate(&mut self) -> Result<(), StoreError> {
        let path = self.path.clone();
        for (i, script) in MIGRATIONS.iter().enumerate().skip(self.version as usize) {
            let target = i as u32 + 1;
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(sql(&path, "starting a migration"))?;
            let current = user_version(&tx).map_err(sql(&path, "reading the schema version"))?;
            if current < target {
                tx.execute_batch(script).map_err(sql(&path, "migrating the schema"))?;
                if target == 4 {
                    backfill_filtering(&tx, &path)?;
                }
                tx.pragma_update(None, "user_version", target)
                    .map_err(sql(&path, "setting the schema version"))?;
            }
            tx.commit().map_err(sql(&path, "committing a migration"))?;
            self.version = target.max(current);
        }
        Ok(())
    }

    /// The schema version of the database (after migration, always
    /// [`SCHEMA_VERSION`]).
    pub fn schema_version(&self) -> u32 {
        self.version
    }

    /// The database path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Starts writing a period. Without `replace`, a stored period of the
    /// same month is [`StoreError::PeriodExists`]; with it, the old period is
    /// deleted inside the same transaction, so it stays visible to other
    /// connections until [`PeriodWriter::commit`].
    pub fn begin_period(
        &mut self,
        meta: &PeriodMeta,
        replace: bool,
    ) -> Result<PeriodWriter<'_>, StoreError> {
        let path = self.path.clone();
        // IMMEDIATE: take the write lock now (waiting up to the busy
        // timeout), so the existence check cannot be overtaken.
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql(&path, "starting the period's transaction"))?;
        let month = meta.month.to_string();
        let existing: Option<i64> = tx
            .query_row("SELECT id FROM periods WHERE month = ?1", [&month], |r| r.get(0))
            .optional()
            .map_err(sql(&path, "looking for the period"))?;
        if let Some(id) = existing {
            if !replace {
                return Err(StoreError::PeriodExists { month: meta.month, path });
            }
            tx.execute("DELETE FROM periods WHERE id = ?1", [id])
                .map_err(sql(&path, "deleting the period it replaces"))?;
        }
        tx.execute(
            "INSERT INTO periods (month, created_at, finished_at, tool_version, manifest, settings,
                                  profile, profile_version, stats)
             VALUES (?1, ?2, 0, ?3, ?4, ?5, ?6, ?7, 'null')",
            params![
                month,
                meta.created_at,
                meta.tool_version,
                meta.manifest,
                meta.settings.to_string(),
                meta.profile.to_string(),
                meta.profile_version
            ],
        )
        .map_err(sql(&path, "writing the period"))?;
        let period_id = tx.last_insert_rowid();
        Ok(PeriodWriter {
            tx,
            period_id,
            path,
            meta: meta.clone(),
            routes: 0,
            networks: 0,
            vrp_seq: (0, 0),
        })
    }

    fn period_id(&self, month: Month) -> Result<Option<i64>, StoreError> {
        self.conn
            .prepare_cached("SELECT id FROM periods WHERE month = ?1")
            .and_then(|mut st| st.query_row([month.to_string()], |r| r.get(0)).optional())
            .map_err(sql(&self.path, "looking for the period"))
    }

    /// Every stored period, newest first.
    pub fn periods(&self) -> Result<Vec<PeriodInfo>, StoreError> {
        let e = sql(&self.path, "reading the periods");
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {PERIOD_COLUMNS} FROM periods ORDER BY month DESC"))
            .map_err(&e)?;
        let rows = stmt.query_map([], read_period).map_err(&e)?;
        rows.collect::<Result<_, _>>().map_err(&e)
    }

    /// The newest stored period.
    pub fn latest_period(&self) -> Result<Option<Month>, StoreError> {
        let m: Option<String> = self
            .conn
            .query_row("SELECT month FROM periods ORDER BY month DESC LIMIT 1", [], |r| r.get(0))
            .optional()
            .map_err(sql(&self.path, "reading the periods"))?;
        m.map(|m| {
            m.parse().map_err(|_| StoreError::Corrupt {
                path: self.path.clone(),
                column: "periods.month",
                value: m.clone(),
            })
        })
        .transpose()
    }

    /// One stored period.
    pub fn period(&self, month: Month) -> Result<Option<PeriodInfo>, StoreError> {
        let e = sql(&self.path, "reading the period");
        self.conn
            .prepare_cached(&format!("SELECT {PERIOD_COLUMNS} FROM periods WHERE month = ?1"))
            .and_then(|mut st| st.query_row([month.to_string()], read_period).optional())
            .map_err(e)
    }

    /// The input files of a period, in the order they were added.
    pub fn sources(&self, month: Month) -> Result<Vec<SourceRow>, StoreError> {
        let Some(id) = self.period_id(month)? else { return Ok(Vec::new()) };
        let e = sql(&self.path, "reading the sources");
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT kind, path, format, records, elements, errors, truncated, diagnostics
                 FROM sources WHERE period_id = ?1 ORDER BY id",
            )
            .map_err(&e)?;
        let rows = stmt
            .query_map([id], |r| {
                Ok(SourceRow {
                    kind: r.get(0)?,
                    path: r.get(1)?,
                    format: r.get(2)?,
                    records: count_col(r, 3)?,
                    elements: count_col(r, 4)?,
                    errors: count_col(r, 5)?,
                    truncated: r.get(6)?,
                    diagnostics: json_col(r, 7)?,
                })
            })
            .map_err(&e)?;
        rows.collect::<Result<_, _>>().map_err(&e)
    }

    /// A network of a period.
    pub fn network(&self, month: Month, asn: Asn) -> Result<Option<NetworkRow>, StoreError> {
        let Some(id) = self.period_id(month)? else { return Ok(None) };
        self.conn
            .prepare_cached(
                "SELECT holder, country, rir, status, visibility, excluded FROM networks
                 WHERE period_id = ?1 AND asn = ?2",
            )
            .and_then(|mut st| {
                st.query_row(params![id, asn.0], |r| {
                    Ok(NetworkRow {
                        asn,
                        holder: r.get(0)?,
                        country: r.get(1)?,
                        rir: r.get(2)?,
                        status: r.get(3)?,
                        visibility: visibility_col(r, 4)?,
                        excluded: r.get(5)?,
                    })
                })
                .optional()
            })
            .map_err(sql(&self.path, "reading the network"))
    }

    fn metric_rows(&self, id: i64, asn: Option<Asn>) -> Result<Vec<MetricRow>, StoreError> {
        let e = sql(&self.path, "reading the metrics");
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {METRIC_COLUMNS} FROM metrics m
                 WHERE period_id = ?1 AND {} ORDER BY asn",
                asn_condition(asn)
            ))
            .map_err(&e)?;
        let rows =
            stmt.query_map(params![id, asn.map(|a| a.0)], |r| read_metric(r, 0)).map_err(&e)?;
        rows.collect::<Result<_, _>>().map_err(&e)
    }

    /// A network's metrics.
    pub fn metrics(&self, month: Month, asn: Asn) -> Result<Option<MetricRow>, StoreError> {
        let Some(id) = self.period_id(month)? else { return Ok(None) };
        Ok(self.metric_rows(id, Some(asn))?.pop())
    }

    /// Every network's metrics, by AS number.
    pub fn all_metrics(&self, month: Month) -> Result<Vec<MetricRow>, StoreError> {
        let Some(id) = self.period_id(month)? else { return Ok(Vec::new()) };
        self.metric_rows(id, None)
    }

    /// Networks of a period with their metrics and incident totals, by AS
    /// number.
    pub fn networks(
        &self,
        month: Month,
        q: &NetworkQuery,
    ) -> Result<Vec<NetworkSummary>, StoreError> {
        let Some(id) = self.period_id(month)? else { return Ok(Vec::new()) };
        let e = sql(&self.path, "listing the networks");
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT n.asn, n.holder, n.country, n.rir, n.status, m.asn IS NOT NULL,
                        (SELECT COUNT(*) FROM incidents i WHERE i.period_id = n.period_id AND i.asn = n.asn),
                        (SELECT COALESCE(SUM(score), 0.0) FROM incidents i WHERE i.period_id = n.period_id AND i.asn = n.asn),
                        {METRIC_COLUMNS}, n.visibility, n.excluded
                 {} ORDER BY n.asn LIMIT ?6 OFFSET ?7",
                network_filter(q)
            ))
            .map_err(&e)?;
        let limit = q.limit.map_or(-1, |l| i64::try_from(l).unwrap_or(-1));
        let offset = i64::try_from(q.offset).unwrap_or(i64::MAX);
        let params = params![id, q.country, q.rir, q.holder, q.asn.map(|a| a.0), limit, offset];
        let rows = stmt
            .query_map(params, |r| {
                let has_metrics: bool = r.get(5)?;
                Ok(NetworkSummary {
                    network: NetworkRow {
                        asn: Asn(r.get(0)?),
                        holder: r.get(1)?,
                        country: r.get(2)?,
                        rir: r.get(3)?,
                        status: r.get(4)?,
                        visibility: visibility_col(r, 8 + METRIC_COLUMN_COUNT)?,
                        excluded: r.get(9 + METRIC_COLUMN_COUNT)?,
                    },
                    incidents: count_col(r, 6)?,
                    penalty: r.get(7)?,
                    metrics: if has_metrics { Some(read_metric(r, 8)?) } else { None },
                })
            })
            .map_err(&e)?;
        rows.collect::<Result<_, _>>().map_err(&e)
    }

    /// How many networks match (limit and offset ignored).
    pub fn count_networks(&self, month: Month, q: &NetworkQuery) -> Result<u64, StoreError> {
        let Some(id) = self.period_id(month)? else { return Ok(0) };
        self.conn
            .prepare_cached(&format!("SELECT COUNT(*){}", network_filter(q)))
            .and_then(|mut st| {
                st.query_row(params![id, q.country, q.rir, q.holder, q.asn.map(|a| a.0)], |r| {
                    count_col(r, 0)
                })
            })
            .map_err(sql(&self.path, "counting the networks"))
    }

    /// The networks of a period aggregated per economy, by country code
    /// (networks of no known economy last).
    pub fn economies(&self, month: Month) -> Result<Vec<EconomyRow>, StoreError> {
        self.aggregate(month, "country")
    }

    /// The networks of a period aggregated per registry (RIR region) that
    /// delegated their AS number, by registry name (`afrinic`, `apnic`,
    /// `arin`, `lacnic`, `ripencc`; networks of no known registry last).
    /// [`EconomyRow::country`] holds the registry.
    pub fn registries(&self, month: Month) -> Result<Vec<EconomyRow>, StoreError> {
        self.aggregate(month, "rir")
    }

    /// Aggregates per value of `column` of `networks` (a constant).
    fn aggregate(&self, month: Month, column: &'static str) -> Result<Vec<EconomyRow>, StoreError> {
        let Some(id) = self.period_id(month)? else { return Ok(Vec::new()) };
        let e = sql(&self.path, "aggregating the networks");
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT n.{column}, COUNT(*), COUNT(m.rpki_value),
                        COALESCE(SUM(m.routes), 0), COALESCE(SUM(m.valid), 0),
                        COALESCE(SUM(m.invalid), 0), SUM(m.irr_covered),
                        AVG(m.rpki_value),
                        SUM(m.rpki_band = 'ready'), SUM(m.rpki_band = 'aspiring'),
                        SUM(m.rpki_band = 'lagging'),
                        AVG(m.irr_value),
                        SUM(m.irr_band = 'ready'), SUM(m.irr_band = 'aspiring'),
                        SUM(m.irr_band = 'lagging'),
                        COALESCE(SUM(i.n), 0), COUNT(i.asn),
                        COUNT(m.filtering_value), AVG(m.filtering_value),
                        SUM(m.filtering_band = 'ready'), SUM(m.filtering_band = 'aspiring'),
                        SUM(m.filtering_band = 'lagging'),
                        COUNT(m.spoof_value), AVG(m.spoof_value),
                        SUM(m.spoof_band = 'ready'), SUM(m.spoof_band = 'aspiring'),
                        SUM(m.spoof_band = 'lagging'),
                        COUNT(m.coordination_value), AVG(m.coordination_value),
                        SUM(m.coordination_band = 'ready'), SUM(m.coordination_band = 'aspiring'),
                        SUM(m.coordination_band = 'lagging')
                 FROM networks n
                 LEFT JOIN metrics m ON m.period_id = n.period_id AND m.asn = n.asn
                 LEFT JOIN (SELECT asn, COUNT(*) AS n FROM incidents WHERE period_id = ?1
                            GROUP BY asn) i ON i.asn = n.asn
                 WHERE n.period_id = ?1 AND n.excluded IS NULL
                 GROUP BY n.{column} ORDER BY n.{column} IS NULL, n.{column}"
            ))
            .map_err(&e)?;
        let opt_count = |r: &rusqlite::Row<'_>, i: usize| -> rusqlite::Result<u64> {
            Ok(match r.get::<_, Option<i64>>(i)? {
                Some(_) => count_col(r, i)?,
                None => 0,
            })
        };
        let figure = |r: &rusqlite::Row<'_>, i: usize| -> rusqlite::Result<FigureAggregate> {
            Ok(FigureAggregate {
                measured: count_col(r, i)?,
                mean: r.get(i + 1)?,
                bands: [opt_count(r, i + 2)?, opt_count(r, i + 3)?, opt_count(r, i + 4)?],
            })
        };
        let rows = stmt
            .query_map([id], |r| {
                Ok(EconomyRow {
                    country: r.get(0)?,
                    networks: count_col(r, 1)?,
                    scored: count_col(r, 2)?,
                    routes: count_col(r, 3)?,
                    valid: count_col(r, 4)?,
                    invalid: count_col(r, 5)?,
                    irr_covered: match r.get::<_, Option<i64>>(6)? {
                        Some(_) => Some(count_col(r, 6)?),
                        None => None,
                    },
                    rpki_mean: r.get(7)?,
                    rpki_bands: [opt_count(r, 8)?, opt_count(r, 9)?, opt_count(r, 10)?],
                    irr_mean: r.get(11)?,
                    irr_bands: [opt_count(r, 12)?, opt_count(r, 13)?, opt_count(r, 14)?],
                    incidents: count_col(r, 15)?,
                    networks_with_incidents: count_col(r, 16)?,
                    filtering: figure(r, 17)?,
                    anti_spoofing: figure(r, 22)?,
                    coordination: figure(r, 27)?,
                })
            })
            .map_err(&e)?;
        rows.collect::<Result<_, _>>().map_err(&e)
    }

    /// Incidents per metric in a period, by metric.
    pub fn incident_counts(&self, month: Month) -> Result<Vec<MetricCount>, StoreError> {
        let Some(id) = self.period_id(month)? else { return Ok(Vec::new()) };
        let e = sql(&self.path, "counting the incidents");
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT metric, COUNT(*), COUNT(DISTINCT asn) FROM incidents
                 WHERE period_id = ?1 GROUP BY metric ORDER BY metric",
            )
            .map_err(&e)?;
        let rows = stmt
            .query_map([id], |r| {
                Ok(MetricCount {
                    metric: r.get(0)?,
                    incidents: count_col(r, 1)?,
                    networks: count_col(r, 2)?,
                })
            })
            .map_err(&e)?;
        rows.collect::<Result<_, _>>().map_err(&e)
    }

    /// Routes of a period, in address order (IPv4 before IPv6) then origin.
    pub fn routes(&self, month: Month, q: &RouteQuery) -> Result<Vec<StoredRoute>, StoreError> {
        let Some(id) = self.period_id(month)? else { return Ok(Vec::new()) };
        let e = sql(&self.path, "reading the routes");
        let query = format!(
            "SELECT {ROUTE_COLUMNS}{} ORDER BY family, addr, len, origin, id LIMIT ?4 OFFSET ?5",
            route_filter(q)
        );
        let mut stmt = self.conn.prepare_cached(&query).map_err(&e)?;
        // Beyond i64::MAX both mean "everything".
        let limit = q.limit.map_or(-1, |l| i64::try_from(l).unwrap_or(-1));
        let offset = i64::try_from(q.offset).unwrap_or(i64::MAX);
        let params = params![id, q.origin.map(|a| a.0), q.rov.map(RovState::as_str), limit, offset];
        let rows = stmt.query_map(params, read_route).map_err(&e)?;
        rows.collect::<Result<_, _>>().map_err(&e)
    }

    /// How many routes match (limit and offset ignored).
    pub fn count_routes(&self, month: Month, q: &RouteQuery) -> Result<u64, StoreError> {
        let Some(id) = self.period_id(month)? else { return Ok(0) };
        let query = format!("SELECT COUNT(*){}", route_filter(q));
        self.conn
            .prepare_cached(&query)
            .and_then(|mut st| {
                st.query_row(params![id, q.origin.map(|a| a.0), q.rov.map(RovState::as_str)], |r| {
                    count_col(r, 0)
                })
            })
            .map_err(sql(&self.path, "counting the routes"))
    }

    /// The evidence VRPs of a route, in the order they were written (the
    /// engine writes them least specific first).
    pub fn route_vrps(&self, route_id: i64) -> Result<Vec<VrpRow>, StoreError> {
        let e = sql(&self.path, "reading the route's VRPs");
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT prefix, max_len, asn, ta, matched FROM route_vrps
                 WHERE route_id = ?1 ORDER BY seq",
            )
            .map_err(&e)?;
        let rows = stmt
            .query_map([route_id], |r| {
                Ok(VrpRow {
                    prefix: parse_col(r, 0)?,
                    max_len: r.get(1)?,
                    asn: Asn(r.get(2)?),
                    ta: r.get(3)?,
                    matched: r.get(4)?,
                })
            })
            .map_err(&e)?;
        rows.collect::<Result<_, _>>().map_err(&e)
    }

    /// The incidents of a period, of one AS or all, by AS, metric and start.
    pub fn incidents(
        &self,
        month: Month,
        asn: Option<Asn>,
    ) -> Result<Vec<IncidentRow>, StoreError> {
        let Some(id) = self.period_id(month)? else { return Ok(Vec::new()) };
        let e = sql(&self.path, "reading the incidents");
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT asn, metric, weight, start, end, score, confidence, summary, evidence
                 FROM incidents WHERE period_id = ?1 AND {}
                 ORDER BY asn, metric, start, id",
                asn_condition(asn)
            ))
            .map_err(&e)?;
        let rows = stmt
            .query_map(params![id, asn.map(|a| a.0)], |r| {
                Ok(IncidentRow {
                    asn: Asn(r.get(0)?),
                    metric: r.get(1)?,
                    weight: r.get(2)?,
                    start: r.get(3)?,
                    end: r.get(4)?,
                    score: r.get(5)?,
                    confidence: r.get(6)?,
                    summary: r.get(7)?,
                    evidence: json_col(r, 8)?,
                })
            })
            .map_err(&e)?;
        rows.collect::<Result<_, _>>().map_err(&e)
    }
}

fn user_version(conn: &Connection) -> rusqlite::Result<u32> {
    conn.pragma_query_value(None, "user_version", |r| r.get(0))
}

/// Writes one period inside a transaction. Dropped without
/// [`PeriodWriter::commit`] (an error, a panic, a crash), everything it wrote
/// is rolled back and the database is as it was before
/// [`Store::begin_period`].
pub struct PeriodWriter<'a> {
    tx: Transaction<'a>,
    period_id: i64,
    path: PathBuf,
    meta: PeriodMeta,
    /// Rows written, for [`PeriodInfo`].
    routes: u64,
    networks: u64,
    /// (route id, next seq): the route whose evidence VRPs are being added.
    vrp_seq: (i64, i64),
}

impl std::fmt::Debug for PeriodWriter<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PeriodWriter")
            .field("month", &self.meta.month)
            .field("routes", &self.routes)
            .finish_non_exhaustive()
    }
}

impl PeriodWriter<'_> {
    /// The month being written.
    pub fn month(&self) -> Month {
        self.meta.month
    }

    /// Adds an input file's report.
    pub fn add_source(&mut self, s: &SourceRow) -> Result<(), StoreError> {
        let counts = (
            int(&self.path, "sources.records", s.records)?,
            int(&self.path, "sources.elements", s.elements)?,
            int(&self.path, "sources.errors", s.errors)?,
        );
        self.tx
            .prepare_cached(
                "INSERT INTO sources (period_id, kind, path, format, records, elements, errors,
                                      truncated, diagnostics)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )
            .and_then(|mut st| {
                st.execute(params![
                    self.period_id,
                    s.kind,
                    s.path,
                    s.format,
                    counts.0,
                    counts.1,
                    counts.2,
                    s.truncated,
                    s.diagnostics.to_string()
                ])
            })
            .map_err(sql(&self.path, "writing a source"))?;
        Ok(())
    }

    /// Adds a route; returns its id (for [`PeriodWriter::add_route_vrp`]
    /// and [`Store::route_vrps`]).
    pub fn add_route(&mut self, r: &RouteRow) -> Result<i64, StoreError> {
        let route = &r.route;
        let (family, addr) = addr_key(&route.prefix);
        let mut upstreams = String::with_capacity(route.upstreams.len() * 6);
        for (i, a) in route.upstreams.iter().enumerate() {
            if i > 0 {
                upstreams.push(' ');
            }
            upstreams.push_str(&a.0.to_string());
        }
        let irr = r.irr.as_ref();
        self.tx
            .prepare_cached(
                "INSERT INTO routes (period_id, prefix, family, addr, len, origin, as_set,
                                     first_seen, last_seen, peers, collectors, upstreams, rov,
                                     irr_source, irr_prefix, irr_exact)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
            )
            .and_then(|mut st| {
                st.execute(params![
                    self.period_id,
                    route.prefix.to_string(),
                    family,
                    &addr[..],
                    route.prefix.len(),
                    route.origin.0,
                    route.as_set,
                    route.first_seen,
                    route.last_seen,
                    route.peers,
                    route.collectors,
                    upstreams,
                    r.rov.as_str(),
                    irr.map(|i| i.source.as_str()),
                    irr.map(|i| i.prefix.to_string()),
                    irr.map(|i| i.exact),
                ])
            })
            .map_err(sql(&self.path, "writing a route"))?;
        let id = self.tx.last_insert_rowid();
        self.routes += 1;
        self.vrp_seq = (id, 0);
        Ok(id)
    }

    /// Adds an evidence VRP to a route of this period; VRPs are read back in
    /// the order they were added. A route id this writer did not return is
    /// [`StoreError::UnknownRoute`].
    pub fn add_route_vrp(&mut self, route_id: i64, v: &VrpRow) -> Result<(), StoreError> {
        let seq = if self.vrp_seq.0 == route_id {
            // The route just added: the common case, no lookup.
            self.vrp_seq.1
        } else {
            self.next_vrp_seq(route_id)?
        };
        self.tx
            .prepare_cached(
                "INSERT INTO route_vrps (route_id, seq, prefix, max_len, asn, ta, matched)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .and_then(|mut st| {
                st.execute(params![
                    route_id,
                    seq,
                    v.prefix.to_string(),
                    v.max_len,
                    v.asn.0,
                    v.ta,
                    v.matched
                ])
            })
            .map_err(sql(&self.path, "writing a route's VRP"))?;
        self.vrp_seq = (route_id, seq + 1);
        Ok(())
    }

    /// The next evidence position of an earlier route, after checking that
    /// the route belongs to this period.
    fn next_vrp_seq(&self, route_id: i64) -> Result<i64, StoreError> {
        let e = sql(&self.path, "looking up a route");
        let period: Option<i64> = self
            .tx
            .prepare_cached("SELECT period_id FROM routes WHERE id = ?1")
            .and_then(|mut st| st.query_row([route_id], |r| r.get(0)).optional())
            .map_err(&e)?;
        if period != Some(self.period_id) {
            return Err(StoreError::UnknownRoute {
                route_id,
                month: self.meta.month,
                path: self.path.clone(),
            });
        }
        self.tx
            .prepare_cached("SELECT COALESCE(MAX(seq) + 1, 0) FROM route_vrps WHERE route_id = ?1")
            .and_then(|mut st| st.query_row([route_id], |r| r.get(0)))
            .map_err(&e)
    }

    /// Adds a network.
    pub fn add_network(&mut self, n: &NetworkRow) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "INSERT INTO networks (period_id, asn, holder, country, rir, status,
                                       visibility, excluded)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .and_then(|mut st| {
                st.execute(params![
                    self.period_id,
                    n.asn.0,
                    n.holder,
                    n.country,
                    n.rir,
                    n.status,
                    n.visibility.as_str(),
                    n.excluded
                ])
            })
            .map_err(sql(&self.path, "writing a network"))?;
        self.networks += 1;
        Ok(())
    }

    /// Adds a network's metrics.
    pub fn add_metrics(&mut self, m: &MetricRow) -> Result<(), StoreError> {
        let p = &self.path;
        let counts = (
            int(p, "metrics.routes", m.routes)?,
            int(p, "metrics.valid", m.valid)?,
            int(p, "metrics.invalid", m.invalid)?,
            int(p, "metrics.not_found", m.not_found)?,
            m.irr_covered.map(|c| int(p, "metrics.irr_covered", c)).transpose()?,
        );
        let f = &m.figures;
        let spoof = (
            f.spoof_sessions.map(|c| int(p, "metrics.spoof_sessions", c)).transpose()?,
            f.spoof_prefixes.map(|c| int(p, "metrics.spoof_prefixes", c)).transpose()?,
        );
        let contacts = f.contacts.as_ref().map(Value::to_string);
        let spoof_evidence = f.spoof_evidence.as_ref().map(Value::to_string);
        self.tx
            .prepare_cached(
                "INSERT INTO metrics (period_id, asn, routes, valid, invalid, not_found,
                                      irr_covered, rpki_value, rpki_band, irr_value, irr_band,
                                      filtering_raw, filtering_value, filtering_band,
                                      spoof_sessions, spoof_prefixes, spoof_value, spoof_band,
                                      contacts, coordination_value, coordination_band,
                                      spoof_evidence)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,
                         ?16, ?17, ?18, ?19, ?20, ?21, ?22)",
            )
            .and_then(|mut st| {
                st.execute(params![
                    self.period_id,
                    m.asn.0,
                    counts.0,
                    counts.1,
                    counts.2,
                    counts.3,
                    counts.4,
                    m.rpki_value,
                    m.rpki_band.map(Band::as_str),
                    m.irr_value,
                    m.irr_band.map(Band::as_str),
                    f.filtering_raw,
                    f.filtering.value,
                    f.filtering.band.map(Band::as_str),
                    spoof.0,
                    spoof.1,
                    f.anti_spoofing.value,
                    f.anti_spoofing.band.map(Band::as_str),
                    contacts,
                    f.coordination.value,
                    f.coordination.band.map(Band::as_str),
                    spoof_evidence,
                ])
            })
            .map_err(sql(&self.path, "writing a network's metrics"))?;
        Ok(())
    }

    /// Adds an incident.
    pub fn add_incident(&mut self, i: &IncidentRow) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "INSERT INTO incidents (period_id, asn, metric, weight, start, end, score,
                                        confidence, summary, evidence)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )
            .and_then(|mut st| {
                st.execute(params![
                    self.period_id,
                    i.asn.0,
                    i.metric,
                    i.weight,
                    i.start,
                    i.end,
                    i.score,
                    i.confidence,
                    i.summary,
                    i.evidence.to_string()
                ])
            })
            .map_err(sql(&self.path, "writing an incident"))?;
        Ok(())
    }

    /// Writes the run statistics and the finish time and commits: the
    /// period becomes visible, replacing the old one if there was one.
    pub fn commit(self, stats: &Value) -> Result<PeriodInfo, StoreError> {
        let finished_at = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        let e = sql(&self.path, "committing the period");
        let routes = int(&self.path, "periods.route_count", self.routes)?;
        let networks = int(&self.path, "periods.network_count", self.networks)?;
        self.tx
            .execute(
                "UPDATE periods SET stats = ?1, finished_at = ?2, route_count = ?3,
                                    network_count = ?4
                 WHERE id = ?5",
                params![stats.to_string(), finished_at, routes, networks, self.period_id],
            )
            .map_err(&e)?;
        self.tx.commit().map_err(&e)?;
        let m = self.meta;
        Ok(PeriodInfo {
            month: m.month,
            created_at: m.created_at,
            finished_at,
            tool_version: m.tool_version,
            manifest: m.manifest,
            settings: m.settings,
            profile: m.profile,
            profile_version: m.profile_version,
            stats: stats.clone(),
            routes: self.routes,
            networks: self.networks,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A network looked up by AS is found by the primary key, not by a
    /// scan of the period's networks (85,600 on a full table).
    #[test]
    fn network_lookup_by_asn_uses_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("m.db")).unwrap();
        let plan = |q: &NetworkQuery| -> String {
            let sql = format!("EXPLAIN QUERY PLAN SELECT n.asn{}", network_filter(q));
            let mut st = store.conn.prepare(&sql).unwrap();
            let rows: Vec<String> = st
                .query_map(params![1, q.country, q.rir, q.holder, q.asn.map(|a| a.0)], |r| r.get(3))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            rows.join("; ")
        };
        let by_asn = plan(&NetworkQuery { asn: Some(Asn(3356)), ..Default::default() });
        assert!(by_asn.contains("SEARCH n USING PRIMARY KEY (period_id=? AND asn=?)"), "{by_asn}");
        let all = plan(&NetworkQuery::default());
        assert!(all.contains("SEARCH n USING PRIMARY KEY (period_id=?)"), "{all}");
        for (table, key) in [("metrics", "PRIMARY KEY"), ("incidents", "INDEX incidents_asn")] {
            let sql = format!(
                "EXPLAIN QUERY PLAN SELECT * FROM {table} WHERE period_id = ?1 AND {}",
                asn_condition(Some(Asn(1)))
            );
            let mut st = store.conn.prepare(&sql).unwrap();
            let rows: Vec<String> =
                st.query_map(params![1, 1], |r| r.get(3)).unwrap().map(Result::unwrap).collect();
            let want = format!("USING {key} (period_id=? AND asn=?)");
            assert!(rows.join("; ").contains(&want), "{table}: {rows:?}");
        }
    }

    /// Every route query is served by an index in its output order: no
    /// sort of a whole period (1.4 M rows) for one page.
    #[test]
    fn route_queries_need_no_sort() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("m.db")).unwrap();
        for origin in [None, Some(Asn(1))] {
            for rov in [None, Some(RovState::Invalid)] {
                for irr_unregistered in [false, true] {
                    let q = RouteQuery { origin, rov, irr_unregistered, ..Default::default() };
                    let sql = format!(
                        "EXPLAIN QUERY PLAN SELECT {ROUTE_COLUMNS}{} \
                         ORDER BY family, addr, len, origin, id LIMIT ?4 OFFSET ?5",
                        route_filter(&q)
                    );
                    let mut st = store.conn.prepare(&sql).unwrap();
                    let params = params![1, origin.map(|a| a.0), rov.map(RovState::as_str), 10, 0];
                    let plan: Vec<String> =
                        st.query_map(params, |r| r.get(3)).unwrap().map(Result::unwrap).collect();
                    let plan = plan.join("; ");
                    assert!(plan.contains("USING INDEX"), "{q:?}: {plan}");
                    // With both filters the origin index leaves a few rows
                    // of one AS to sort; every other query needs none.
                    if origin.is_none() || rov.is_none() {
                        assert!(!plan.contains("TEMP B-TREE"), "{q:?}: {plan}");
                    }
                }
            }
        }
    }
}
