//! The manrs store: the results of each period, with their evidence rows
//! (manrs-spec §7.1 step 3), in SQLite.
//!
//! Invariants:
//! * **One immutable snapshot per period.** A period (calendar month) is
//!   written by a [`PeriodWriter`] inside one transaction and becomes
//!   visible only at [`PeriodWriter::commit`]. A crash, an error or a
//!   dropped writer rolls back: nothing already stored is lost and no
//!   half-written period is ever visible. Replacing a period deletes the old
//!   one in the same transaction, so readers see the old or the new.
//! * **Versioned schema.** `PRAGMA user_version` holds the schema version;
//!   [`MIGRATIONS`] are applied in order at open, each in its own
//!   transaction. A database from a newer manrs is refused, not guessed at.
//! * Prefixes are stored as text and as (family, 16-byte big-endian address,
//!   length), so `ORDER BY` gives address order (IPv4 before IPv6).
//!
//! WAL journal mode lets readers (the web server) read while a run writes.

use std::path::{Path, PathBuf};

use manrs_engine::{Band, RovState, SnapshotRoute};
use manrs_types::{Asn, Month, Prefix};
use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction, params};
use serde_json::Value;

/// The schema, one script per version (index + 1 = `user_version`).
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
];

/// Errors of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database file does not exist.
    #[error("{}: no such database; run `manrs run` or `manrs demo` first", path.display())]
    Missing {
        /// The path.
        path: PathBuf,
    },
    /// The database was written by a newer manrs.
    #[error("{}: database schema version {found} is newer than this manrs ({known}); upgrade manrs", path.display())]
    TooNew {
        /// The path.
        path: PathBuf,
        /// Its version.
        found: u32,
        /// The newest this code knows.
        known: u32,
    },
    /// The period is already stored and replacing was not asked for.
    #[error("period {month} is already stored in {}", path.display())]
    PeriodExists {
        /// The period.
        month: Month,
        /// The database.
        path: PathBuf,
    },
    /// An SQLite error (including "file is not a database").
    #[error("{}: {source}", path.display())]
    Sqlite {
        /// The database.
        path: PathBuf,
        /// The error.
        source: rusqlite::Error,
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
    /// The metadata it was written with.
    pub meta: PeriodMeta,
    /// When its transaction committed (Unix seconds).
    pub finished_at: i64,
    /// The statistics of the run (JSON).
    pub stats: Value,
    /// Routes stored.
    pub routes: u64,
    /// Networks stored.
    pub networks: u64,
}

impl PeriodInfo {
    /// The month.
    pub fn month(&self) -> Month {
        self.meta.month
    }
}

/// One input file of a period, with what was read and dropped.
#[derive(Clone, Debug, PartialEq)]
pub struct SourceRow {
    /// Manifest kind.
    pub kind: String,
    /// The file.
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
    /// Counts by kind and the first diagnostics (JSON).
    pub diagnostics: Value,
}

/// The IRR object that covers a route.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IrrEvidence {
    /// Its IRR source.
    pub source: String,
    /// Its prefix.
    pub prefix: Prefix,
    /// Whether it is the route's own prefix.
    pub exact: bool,
}

/// A route of a period with its results.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteRow {
    /// The route as the snapshot holds it.
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
    /// Whether it authorises the route.
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
    /// routingInformationRPKI.
    pub rpki_value: f64,
    /// Its band.
    pub rpki_band: Band,
    /// routingInformationIRR.
    pub irr_value: Option<f64>,
    /// Its band.
    pub irr_band: Option<Band>,
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

/// Which routes to read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RouteQuery {
    /// Only this origin.
    pub origin: Option<Asn>,
    /// Only this state.
    pub rov: Option<RovState>,
    /// Only routes no IRR object covers.
    pub irr_unregistered: bool,
    /// At most this many.
    pub limit: Option<u64>,
    /// Skip this many.
    pub offset: u64,
}

/// An open database.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

fn rov_str(s: RovState) -> &'static str {
    s.as_str()
}

fn parse_rov(s: &str) -> Option<RovState> {
    match s {
        "valid" => Some(RovState::Valid),
        "invalid" => Some(RovState::Invalid),
        "notFound" => Some(RovState::NotFound),
        _ => None,
    }
}

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

/// A column value that does not parse (a damaged database).
fn bad_column(i: usize, e: impl std::error::Error + Send + Sync + 'static) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
}

fn parse_col<T: std::str::FromStr>(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<T>
where
    T::Err: std::error::Error + Send + Sync + 'static,
{
    r.get::<_, String>(i)?.parse().map_err(|e| bad_column(i, e))
}

#[derive(Debug, thiserror::Error)]
#[error("unknown value {0:?}")]
struct UnknownValue(String);

/// One `routes` row of the `SELECT` in [`Store::routes`].
fn read_route(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredRoute> {
    let upstreams: String = r.get(8)?;
    let upstreams = upstreams
        .split_whitespace()
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

impl Store {
    /// Opens (creating if needed) and migrates a database.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let conn = Connection::open(path)
            .map_err(|source| StoreError::Sqlite { path: path.into(), source })?;
        Store::init(conn, path)
    }

    /// Opens an existing database (migrating it if older).
    pub fn open_existing(path: &Path) -> Result<Store, StoreError> {
        if !path.exists() {
            return Err(StoreError::Missing { path: path.into() });
        }
        let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE)
            .map_err(|source| StoreError::Sqlite { path: path.into(), source })?;
        Store::init(conn, path)
    }

    fn init(conn: Connection, path: &Path) -> Result<Store, StoreError> {
        let mut store = Store { conn, path: path.to_path_buf() };
        store
            .conn
            .execute_batch(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -65536;",
            )
            .map_err(|e| store.err(e))?;
        store.migrate()?;
        Ok(store)
    }

    fn err(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sqlite { path: self.path.clone(), source }
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let version = self.schema_version()?;
        let known = MIGRATIONS.len() as u32;
        if version > known {
            return Err(StoreError::TooNew { path: self.path.clone(), found: version, known });
        }
        for (i, script) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            let tx = self
                .conn
                .transaction()
                .map_err(|e| StoreError::Sqlite { path: self.path.clone(), source: e })?;
            tx.execute_batch(script)
                .and_then(|_| tx.pragma_update(None, "user_version", (i + 1) as u32))
                .and_then(|_| tx.commit())
                .map_err(|e| StoreError::Sqlite { path: self.path.clone(), source: e })?;
        }
        Ok(())
    }

    /// The schema version of the database.
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        self.conn.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(|e| self.err(e))
    }

    /// The database path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Starts writing a period. With `replace`, a stored period of the same
    /// month is deleted inside the same transaction.
    pub fn begin_period(
        &mut self,
        meta: &PeriodMeta,
        replace: bool,
    ) -> Result<PeriodWriter<'_>, StoreError> {
        let path = self.path.clone();
        let e = |source| StoreError::Sqlite { path: path.clone(), source };
        let tx = self.conn.transaction().map_err(e)?;
        let month = meta.month.to_string();
        let existing: Option<i64> = tx
            .query_row("SELECT id FROM periods WHERE month = ?1", [&month], |r| r.get(0))
            .optional()
            .map_err(e)?;
        if existing.is_some() {
            if !replace {
                return Err(StoreError::PeriodExists { month: meta.month, path });
            }
            tx.execute("DELETE FROM periods WHERE month = ?1", [&month]).map_err(e)?;
        }
        tx.execute(
            "INSERT INTO periods (month, created_at, finished_at, tool_version, manifest, settings, profile, profile_version, stats)
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
        .map_err(e)?;
        let period_id = tx.last_insert_rowid();
        Ok(PeriodWriter { tx, period_id, path: path.clone(), month: meta.month, vrp_seq: (0, 0) })
    }

    fn period_id(&self, month: Month) -> Result<Option<i64>, StoreError> {
        self.conn
            .query_row("SELECT id FROM periods WHERE month = ?1", [month.to_string()], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))
    }

    fn corrupt(&self, column: &'static str, value: impl Into<String>) -> StoreError {
        StoreError::Corrupt { path: self.path.clone(), column, value: value.into() }
    }

    /// Every stored period, newest first.
    pub fn periods(&self) -> Result<Vec<PeriodInfo>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT p.month, p.created_at, p.finished_at, p.tool_version, p.manifest, p.settings, p.profile,
                        p.profile_version, p.stats,
                        (SELECT COUNT(*) FROM routes r WHERE r.period_id = p.id),
                        (SELECT COUNT(*) FROM networks n WHERE n.period_id = p.id)
                 FROM periods p ORDER BY p.month DESC",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, String>(7)?,
                    r.get::<_, String>(8)?,
                    r.get::<_, i64>(9)?,
                    r.get::<_, i64>(10)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (
                month,
                created_at,
                finished_at,
                tool_version,
                manifest,
                settings,
                profile,
                profile_version,
                stats,
                routes,
                networks,
            ) = row.map_err(|e| self.err(e))?;
            let json = |s: &str| serde_json::from_str(s).unwrap_or(Value::Null);
            out.push(PeriodInfo {
                meta: PeriodMeta {
                    month: month
                        .parse()
                        .map_err(|_| self.corrupt("periods.month", month.clone()))?,
                    created_at,
                    tool_version,
                    manifest,
                    settings: json(&settings),
                    profile: json(&profile),
                    profile_version,
                },
                finished_at,
                stats: json(&stats),
                routes: routes as u64,
                networks: networks as u64,
            });
        }
        Ok(out)
    }

    /// The newest stored period.
    pub fn latest_period(&self) -> Result<Option<Month>, StoreError> {
        let m: Option<String> = self
            .conn
            .query_row("SELECT month FROM periods ORDER BY month DESC LIMIT 1", [], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))?;
        m.map(|m| m.parse().map_err(|_| self.corrupt("periods.month", m.clone()))).transpose()
    }

    /// One stored period.
    pub fn period(&self, month: Month) -> Result<Option<PeriodInfo>, StoreError> {
        Ok(self.periods()?.into_iter().find(|p| p.meta.month == month))
    }

    /// The input files of a period.
    pub fn sources(&self, month: Month) -> Result<Vec<SourceRow>, StoreError> {
        let Some(id) = self.period_id(month)? else { return Ok(Vec::new()) };
        let mut stmt = self
            .conn
            .prepare(
                "SELECT kind, path, format, records, elements, errors, truncated, diagnostics
                 FROM sources WHERE period_id = ?1 ORDER BY id",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([id], |r| {
                Ok(SourceRow {
                    kind: r.get(0)?,
                    path: r.get(1)?,
                    format: r.get(2)?,
                    records: r.get::<_, i64>(3)? as u64,
                    elements: r.get::<_, i64>(4)? as u64,
                    errors: r.get::<_, i64>(5)? as u64,
                    truncated: r.get(6)?,
                    diagnostics: serde_json::from_str(&r.get::<_, String>(7)?)
                        .unwrap_or(Value::Null),
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// A network of a period.
    pub fn network(&self, month: Month, asn: Asn) -> Result<Option<NetworkRow>, StoreError> {
        let Some(id) = self.period_id(month)? else { return Ok(None) };
        self.conn
            .query_row(
                "SELECT holder, country, rir, status FROM networks WHERE period_id = ?1 AND asn = ?2",
                params![id, asn.0],
                |r| Ok(NetworkRow { asn, holder: r.get(0)?, country: r.get(1)?, rir: r.get(2)?, status: r.get(3)? }),
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    fn metric_rows(&self, id: i64, asn: Option<Asn>) -> Result<Vec<MetricRow>, StoreError> {
        let sql = "SELECT asn, routes, valid, invalid, not_found, irr_covered, rpki_value, rpki_band, irr_value, irr_band
                   FROM metrics WHERE period_id = ?1 AND (?2 IS NULL OR asn = ?2) ORDER BY asn";
        let mut stmt = self.conn.prepare_cached(sql).map_err(|e| self.err(e))?;
        let band = |r: &rusqlite::Row<'_>, i: usize| -> rusqlite::Result<Option<Band>> {
            match r.get::<_, Option<String>>(i)? {
                None => Ok(None),
                Some(b) => Band::parse(&b).map(Some).ok_or_else(|| bad_column(i, UnknownValue(b))),
            }
        };
        let count = |r: &rusqlite::Row<'_>, i: usize| r.get::<_, i64>(i).map(|n| n as u64);
        let rows = stmt
            .query_map(params![id, asn.map(|a| a.0)], |r| {
                Ok(MetricRow {
                    asn: Asn(r.get(0)?),
                    routes: count(r, 1)?,
                    valid: count(r, 2)?,
                    invalid: count(r, 3)?,
                    not_found: count(r, 4)?,
                    irr_covered: r.get::<_, Option<i64>>(5)?.map(|c| c as u64),
                    rpki_value: r.get(6)?,
                    rpki_band: band(r, 7)?.ok_or(rusqlite::Error::InvalidColumnType(
                        7,
                        "rpki_band".into(),
                        rusqlite::types::Type::Null,
                    ))?,
                    irr_value: r.get(8)?,
                    irr_band: band(r, 9)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
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

    fn route_filter(q: &RouteQuery) -> String {
        let mut sql = String::from(" FROM routes WHERE period_id = ?1");
        if q.origin.is_some() {
            sql.push_str(" AND origin = ?2");
        } else {
            sql.push_str(" AND ?2 IS NULL");
        }
        if q.rov.is_some() {
            sql.push_str(" AND rov = ?3");
        } else {
            sql.push_str(" AND ?3 IS NULL");
        }
        if q.irr_unregistered {
            sql.push_str(" AND irr_source IS NULL");
        }
        sql
    }

    /// Routes of a period, in address order then origin.
    pub fn routes(&self, month: Month, q: &RouteQuery) -> Result<Vec<StoredRoute>, StoreError> {
        let Some(id) = self.period_id(month)? else { return Ok(Vec::new()) };
        let sql = format!(
            "SELECT id, prefix, origin, as_set, first_seen, last_seen, peers, collectors, upstreams, rov,
                    irr_source, irr_prefix, irr_exact{} ORDER BY family, addr, len, origin LIMIT ?4 OFFSET ?5",
            Store::route_filter(q)
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.err(e))?;
        let limit = q.limit.map_or(-1, |l| l as i64);
        let params = params![id, q.origin.map(|a| a.0), q.rov.map(rov_str), limit, q.offset as i64];
        let rows = stmt.query_map(params, read_route).map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// How many routes match (limit and offset ignored).
    pub fn count_routes(&self, month: Month, q: &RouteQuery) -> Result<u64, StoreError> {
        let Some(id) = self.period_id(month)? else { return Ok(0) };
        let sql = format!("SELECT COUNT(*){}", Store::route_filter(q));
        self.conn
            .query_row(&sql, params![id, q.origin.map(|a| a.0), q.rov.map(rov_str)], |r| {
                r.get::<_, i64>(0)
            })
            .map(|n| n as u64)
            .map_err(|e| self.err(e))
    }

    /// The incidents of a period, of one AS or all, by AS, metric and start.
    pub fn incidents(
        &self,
        month: Month,
        asn: Option<Asn>,
    ) -> Result<Vec<IncidentRow>, StoreError> {
        let Some(id) = self.period_id(month)? else { return Ok(Vec::new()) };
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT asn, metric, weight, start, end, score, confidence, summary, evidence FROM incidents
                 WHERE period_id = ?1 AND (?2 IS NULL OR asn = ?2) ORDER BY asn, metric, start",
            )
            .map_err(|e| self.err(e))?;
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
                    evidence: serde_json::from_str(&r.get::<_, String>(8)?).unwrap_or(Value::Null),
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// The evidence VRPs of a route, in the order they were written (least
    /// specific first).
    pub fn route_vrps(&self, route_id: i64) -> Result<Vec<VrpRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT prefix, max_len, asn, ta, matched FROM route_vrps WHERE route_id = ?1 ORDER BY seq")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([route_id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, u8>(1)?,
                    r.get::<_, u32>(2)?,
                    r.get(3)?,
                    r.get(4)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (prefix, max_len, asn, ta, matched) = row.map_err(|e| self.err(e))?;
            out.push(VrpRow {
                prefix: prefix
                    .parse()
                    .map_err(|_| self.corrupt("route_vrps.prefix", prefix.clone()))?,
                max_len,
                asn: Asn(asn),
                ta,
                matched,
            });
        }
        Ok(out)
    }
}

/// Writes one period inside a transaction; dropped without
/// [`PeriodWriter::commit`], everything it wrote is rolled back.
pub struct PeriodWriter<'a> {
    tx: Transaction<'a>,
    period_id: i64,
    path: PathBuf,
    month: Month,
    /// (route id, next seq) of the last route given VRPs.
    vrp_seq: (i64, i64),
}

impl std::fmt::Debug for PeriodWriter<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PeriodWriter").field("month", &self.month).finish_non_exhaustive()
    }
}

impl PeriodWriter<'_> {
    fn err(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sqlite { path: self.path.clone(), source }
    }

    /// Adds an input file's report.
    pub fn add_source(&mut self, s: &SourceRow) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "INSERT INTO sources (period_id, kind, path, format, records, elements, errors, truncated, diagnostics)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )
            .and_then(|mut st| {
                st.execute(params![
                    self.period_id,
                    s.kind,
                    s.path,
                    s.format,
                    s.records as i64,
                    s.elements as i64,
                    s.errors as i64,
                    s.truncated,
                    s.diagnostics.to_string()
                ])
            })
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Adds a route; returns its id.
    pub fn add_route(&mut self, r: &RouteRow) -> Result<i64, StoreError> {
        let (family, addr) = addr_key(&r.route.prefix);
        let upstreams: Vec<String> = r.route.upstreams.iter().map(|a| a.0.to_string()).collect();
        let result = self
            .tx
            .prepare_cached(
                "INSERT INTO routes (period_id, prefix, family, addr, len, origin, as_set, first_seen, last_seen, peers,
                                     collectors, upstreams, rov, irr_source, irr_prefix, irr_exact)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
            )
            .and_then(|mut st| {
                st.execute(params![
                    self.period_id,
                    r.route.prefix.to_string(),
                    family,
                    &addr[..],
                    r.route.prefix.len(),
                    r.route.origin.0,
                    r.route.as_set,
                    r.route.first_seen,
                    r.route.last_seen,
                    r.route.peers,
                    r.route.collectors,
                    upstreams.join(" "),
                    rov_str(r.rov),
                    r.irr.as_ref().map(|i| i.source.as_str()),
                    r.irr.as_ref().map(|i| i.prefix.to_string()),
                    r.irr.as_ref().map(|i| i.exact),
                ])
            });
        result.map_err(|e| self.err(e))?;
        Ok(self.tx.last_insert_rowid())
    }

    /// Adds an evidence VRP to a route (kept in the order given).
    pub fn add_route_vrp(&mut self, route_id: i64, v: &VrpRow) -> Result<(), StoreError> {
        let seq = if self.vrp_seq.0 == route_id { self.vrp_seq.1 } else { 0 };
        self.vrp_seq = (route_id, seq + 1);
        self.tx
            .prepare_cached(
                "INSERT INTO route_vrps (route_id, seq, prefix, max_len, asn, ta, matched) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .and_then(|mut st| {
                st.execute(params![route_id, seq, v.prefix.to_string(), v.max_len, v.asn.0, v.ta, v.matched])
            })
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Adds a network.
    pub fn add_network(&mut self, n: &NetworkRow) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "INSERT INTO networks (period_id, asn, holder, country, rir, status) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .and_then(|mut st| st.execute(params![self.period_id, n.asn.0, n.holder, n.country, n.rir, n.status]))
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Adds an incident.
    pub fn add_incident(&mut self, i: &IncidentRow) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "INSERT INTO incidents (period_id, asn, metric, weight, start, end, score, confidence, summary, evidence)
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
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Adds a network's metrics.
    pub fn add_metrics(&mut self, m: &MetricRow) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "INSERT INTO metrics (period_id, asn, routes, valid, invalid, not_found, irr_covered, rpki_value,
                                      rpki_band, irr_value, irr_band)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )
            .and_then(|mut st| {
                st.execute(params![
                    self.period_id,
                    m.asn.0,
                    m.routes as i64,
                    m.valid as i64,
                    m.invalid as i64,
                    m.not_found as i64,
                    m.irr_covered.map(|c| c as i64),
                    m.rpki_value,
                    m.rpki_band.as_str(),
                    m.irr_value,
                    m.irr_band.map(Band::as_str),
                ])
            })
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Writes the run statistics and commits: the period becomes visible.
    pub fn commit(self, stats: &Value) -> Result<(), StoreError> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        let path = self.path.clone();
        let e = |source| StoreError::Sqlite { path: path.clone(), source };
        self.tx
            .execute(
                "UPDATE periods SET stats = ?1, finished_at = ?2 WHERE id = ?3",
                params![stats.to_string(), now, self.period_id],
            )
            .map_err(e)?;
        self.tx.commit().map_err(e)
    }
}
