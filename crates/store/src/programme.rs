//! The programme's rows (manrs-spec §1.5-1.6, §2.9): accounts, sessions and
//! API keys, applications and the decisions on them, participants with
//! their ASNs, false-positive feedback on incidents with the filtering
//! score recomputed when an auditor accepts it, report deliveries, and an
//! audit log of every decision.
//!
//! These tables are independent of the period tables: nothing here
//! changes a stored period. A score recomputed after feedback is a new row
//! in `prog_adjusted_scores` beside the period's own figure, naming the
//! feedback that caused it, the incidents it leaves out and the period run
//! it belongs to (a period stored again makes it stale, see
//! [`Store::adjusted_filtering`]).
//!
//! Tokens and keys arrive here already hashed; passwords as PHC strings.
//! Every decision and its audit row are written in one transaction.

use manrs_engine::{Band, Profile};
use manrs_types::{Asn, Month};
use rusqlite::{OptionalExtension, params};
use serde_json::Value;

use crate::{IncidentRow, Store, StoreError, count_col, json_col, sql};

/// The programme tables: one migration of independent `CREATE TABLE` and
/// `CREATE INDEX` statements (no change to other tables), so that it can
/// take any place in [`crate::MIGRATIONS`].
pub const PROGRAMME_SCHEMA: &str = r#"
CREATE TABLE prog_users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE prog_sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES prog_users(id) ON DELETE CASCADE,
    csrf TEXT NOT NULL,
    kind TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX prog_sessions_user ON prog_sessions(user_id);
CREATE TABLE prog_api_keys (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES prog_users(id) ON DELETE CASCADE,
    key_hash TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE prog_applications (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES prog_users(id),
    programme TEXT NOT NULL,
    catalogue_version TEXT NOT NULL,
    content TEXT NOT NULL,
    status TEXT NOT NULL,
    submitted_at INTEGER NOT NULL,
    decided_at INTEGER,
    reason TEXT
);
CREATE INDEX prog_applications_user ON prog_applications(user_id);
CREATE INDEX prog_applications_status ON prog_applications(status);
CREATE TABLE prog_participants (
    id TEXT PRIMARY KEY,
    application_id INTEGER NOT NULL UNIQUE REFERENCES prog_applications(id),
    user_id INTEGER NOT NULL REFERENCES prog_users(id),
    programme TEXT NOT NULL,
    name TEXT NOT NULL,
    content TEXT NOT NULL,
    member_since TEXT NOT NULL,
    status TEXT NOT NULL
);
CREATE INDEX prog_participants_user ON prog_participants(user_id);
CREATE TABLE prog_participant_asns (
    participant_id TEXT NOT NULL REFERENCES prog_participants(id) ON DELETE CASCADE,
    asn INTEGER NOT NULL,
    PRIMARY KEY (participant_id, asn)
) WITHOUT ROWID;
CREATE INDEX prog_participant_asns_asn ON prog_participant_asns(asn);
CREATE TABLE prog_audit (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    user_id INTEGER,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE TABLE prog_feedback (
    id INTEGER PRIMARY KEY,
    month TEXT NOT NULL,
    incident_id INTEGER NOT NULL,
    asn INTEGER NOT NULL,
    incident TEXT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES prog_users(id),
    verdict TEXT NOT NULL,
    comment TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    reviewer_id INTEGER REFERENCES prog_users(id),
    reviewed_at INTEGER,
    review_reason TEXT
);
CREATE INDEX prog_feedback_incident ON prog_feedback(month, incident_id);
CREATE INDEX prog_feedback_status ON prog_feedback(status);
CREATE TABLE prog_adjusted_scores (
    id INTEGER PRIMARY KEY,
    month TEXT NOT NULL,
    period_finished_at INTEGER NOT NULL,
    asn INTEGER NOT NULL,
    feedback_id INTEGER NOT NULL REFERENCES prog_feedback(id),
    excluded TEXT NOT NULL,
    profile_version TEXT NOT NULL,
    original_raw REAL,
    original_value REAL,
    original_band TEXT,
    raw REAL NOT NULL,
    value REAL NOT NULL,
    band TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX prog_adjusted_asn ON prog_adjusted_scores(month, asn, id);
CREATE TABLE prog_deliveries (
    id INTEGER PRIMARY KEY,
    participant_id TEXT NOT NULL REFERENCES prog_participants(id),
    month TEXT NOT NULL,
    recipient TEXT NOT NULL,
    via TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX prog_deliveries_participant ON prog_deliveries(participant_id, month);
"#;

/// An account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserRow {
    /// Row id.
    pub id: i64,
    /// E-mail address (lower-case), the login.
    pub email: String,
    /// `participant`, `auditor` or `admin`.
    pub role: String,
    /// The password's PHC string.
    pub password_hash: String,
    /// Created (Unix seconds).
    pub created_at: i64,
}

/// A login session (web cookie or API login key).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRow {
    /// The account.
    pub user: UserRow,
    /// The session's CSRF token (forms must send it back).
    pub csrf: String,
    /// `web` or `api`.
    pub kind: String,
    /// Expires (Unix seconds).
    pub expires_at: i64,
}

/// Application statuses.
pub mod status {
    /// Waiting for review.
    pub const SUBMITTED: &str = "submitted";
    /// The auditor asked for changes; the applicant may submit again.
    pub const CHANGES_REQUESTED: &str = "changes-requested";
    /// Approved: the organisation is a participant.
    pub const APPROVED: &str = "approved";
    /// Rejected.
    pub const REJECTED: &str = "rejected";
}

/// An application.
#[derive(Clone, Debug, PartialEq)]
pub struct ApplicationRow {
    /// Row id.
    pub id: i64,
    /// The applicant's account.
    pub user_id: i64,
    /// The applicant's e-mail address.
    pub email: String,
    /// Programme id.
    pub programme: String,
    /// The catalogue version it was checked against.
    pub catalogue_version: String,
    /// Its content (JSON of the programme crate's `Application`).
    pub content: Value,
    /// One of [`status`].
    pub status: String,
    /// Submitted, or submitted again (Unix seconds).
    pub submitted_at: i64,
    /// Decided.
    pub decided_at: Option<i64>,
    /// The auditor's reason for the last decision.
    pub reason: Option<String>,
}

/// A participant: an approved application.
#[derive(Clone, Debug, PartialEq)]
pub struct ParticipantRow {
    /// UUID (API v2 `id`).
    pub id: String,
    /// The application approved.
    pub application_id: i64,
    /// The account that manages it.
    pub user_id: i64,
    /// The account's e-mail (report recipient).
    pub email: String,
    /// Programme id.
    pub programme: String,
    /// Organisation name.
    pub name: String,
    /// The approved application's content (JSON).
    pub content: Value,
    /// `YYYY-MM-DD`.
    pub member_since: String,
    /// `approved`.
    pub status: String,
    /// Its AS numbers.
    pub asns: Vec<Asn>,
}

/// An audit log entry.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditRow {
    /// When (Unix seconds).
    pub at: i64,
    /// Who (e-mail; `None` for the command line).
    pub actor: Option<String>,
    /// What, e.g. `application.approve`.
    pub action: String,
    /// Of what, e.g. `application 3`.
    pub subject: String,
    /// Details (JSON).
    pub detail: Value,
}

/// Feedback statuses.
pub mod feedback_status {
    /// Waiting for an auditor.
    pub const PENDING: &str = "pending";
    /// Accepted: the incident no longer counts.
    pub const ACCEPTED: &str = "accepted";
    /// Rejected: the incident counts.
    pub const REJECTED: &str = "rejected";
}

/// False-positive feedback on an incident (manrs-spec §2.9).
#[derive(Clone, Debug, PartialEq)]
pub struct FeedbackRow {
    /// Row id.
    pub id: i64,
    /// The period of the incident.
    pub month: Month,
    /// The incident's row id in that period.
    pub incident_id: i64,
    /// The AS it is held against.
    pub asn: Asn,
    /// The incident as it was when the feedback was given (JSON).
    pub incident: Value,
    /// Who gave it (e-mail).
    pub email: String,
    /// `legitimate-change`, `wrong-attribution`, `data-error`, `other`.
    pub verdict: String,
    /// The participant's reason.
    pub comment: String,
    /// One of [`feedback_status`].
    pub status: String,
    /// Given (Unix seconds).
    pub created_at: i64,
    /// Reviewed.
    pub reviewed_at: Option<i64>,
    /// The auditor's reason.
    pub review_reason: Option<String>,
}

/// A filtering score recomputed without the incidents accepted as false
/// positives, beside the period's own.
#[derive(Clone, Debug, PartialEq)]
pub struct AdjustedScore {
    /// The period.
    pub month: Month,
    /// The network.
    pub asn: Asn,
    /// The feedback whose acceptance caused it.
    pub feedback_id: i64,
    /// The incident ids left out.
    pub excluded: Vec<i64>,
    /// The scoring profile used (the period's).
    pub profile_version: String,
    /// The period's raw penalty, value and band.
    pub original: (Option<f64>, Option<f64>, Option<Band>),
    /// The raw penalty without the excluded incidents.
    pub raw: f64,
    /// The recomputed filtering value.
    pub value: f64,
    /// Its band.
    pub band: Band,
    /// When (Unix seconds).
    pub created_at: i64,
}

/// A stored incident with its row id.
#[derive(Clone, Debug, PartialEq)]
pub struct IncidentRef {
    /// Row id (stable while the period is not stored again).
    pub id: i64,
    /// The incident.
    pub row: IncidentRow,
}

fn refused(s: &Store, message: impl Into<String>) -> StoreError {
    StoreError::Refused { path: s.path.clone(), message: message.into() }
}

const USER_COLUMNS: &str = "u.id, u.email, u.role, u.password_hash, u.created_at";

fn read_user(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<UserRow> {
    Ok(UserRow {
        id: r.get(at)?,
        email: r.get(at + 1)?,
        role: r.get(at + 2)?,
        password_hash: r.get(at + 3)?,
        created_at: r.get(at + 4)?,
    })
}

const APPLICATION_COLUMNS: &str = "a.id, a.user_id, u.email, a.programme, a.catalogue_version, \
     a.content, a.status, a.submitted_at, a.decided_at, a.reason";

fn read_application(r: &rusqlite::Row<'_>) -> rusqlite::Result<ApplicationRow> {
    Ok(ApplicationRow {
        id: r.get(0)?,
        user_id: r.get(1)?,
        email: r.get(2)?,
        programme: r.get(3)?,
        catalogue_version: r.get(4)?,
        content: json_col(r, 5)?,
        status: r.get(6)?,
        submitted_at: r.get(7)?,
        decided_at: r.get(8)?,
        reason: r.get(9)?,
    })
}

const FEEDBACK_COLUMNS: &str = "f.id, f.month, f.incident_id, f.asn, f.incident, u.email, \
     f.verdict, f.comment, f.status, f.created_at, f.reviewed_at, f.review_reason";

fn read_feedback(r: &rusqlite::Row<'_>) -> rusqlite::Result<FeedbackRow> {
    Ok(FeedbackRow {
        id: r.get(0)?,
        month: crate::parse_col(r, 1)?,
        incident_id: r.get(2)?,
        asn: Asn(r.get(3)?),
        incident: json_col(r, 4)?,
        email: r.get(5)?,
        verdict: r.get(6)?,
        comment: r.get(7)?,
        status: r.get(8)?,
        created_at: r.get(9)?,
        reviewed_at: r.get(10)?,
        review_reason: r.get(11)?,
    })
}

fn audit(
    tx: &rusqlite::Transaction<'_>,
    at: i64,
    user: Option<i64>,
    action: &str,
    subject: &str,
    detail: &Value,
) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO prog_audit (at, user_id, action, subject, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![at, user, action, subject, detail.to_string()],
    )
    .map(|_| ())
}

impl Store {
    /// A transaction on this connection for the programme's writes (the
    /// connection is shared behind `&self`; SQLite serialises writers).
    fn prog_tx(&self) -> Result<rusqlite::Transaction<'_>, StoreError> {
        self.conn
            .unchecked_transaction()
            .map_err(sql(&self.path, "starting a programme transaction"))
    }

    /// Creates an account; an e-mail address already used is
    /// [`StoreError::Refused`]. The audit log records it (`actor` is the
    /// admin who did it, `None` from the command line or self-registration).
    pub fn create_user(
        &self,
        email: &str,
        role: &str,
        password_hash: &str,
        now: i64,
        actor: Option<i64>,
    ) -> Result<i64, StoreError> {
        let e = sql(&self.path, "creating the account");
        let tx = self.prog_tx()?;
        let exists: bool = tx
            .query_row("SELECT EXISTS (SELECT 1 FROM prog_users WHERE email = ?1)", [email], |r| {
                r.get(0)
            })
            .map_err(&e)?;
        if exists {
            return Err(refused(self, format!("an account for {email} exists already")));
        }
        tx.execute(
            "INSERT INTO prog_users (email, role, password_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![email, role, password_hash, now],
        )
        .map_err(&e)?;
        let id = tx.last_insert_rowid();
        audit(
            &tx,
            now,
            actor,
            "user.create",
            &format!("user {id}"),
            &serde_json::json!({"email": email, "role": role}),
        )
        .map_err(&e)?;
        tx.commit().map_err(&e)?;
        Ok(id)
    }

    /// The account with this e-mail address.
    pub fn user_by_email(&self, email: &str) -> Result<Option<UserRow>, StoreError> {
        self.conn
            .prepare_cached(&format!("SELECT {USER_COLUMNS} FROM prog_users u WHERE u.email = ?1"))
            .and_then(|mut st| st.query_row([email], |r| read_user(r, 0)).optional())
            .map_err(sql(&self.path, "reading the account"))
    }

    /// Stores a session (its token hashed) for an account.
    pub fn create_session(
        &self,
        user_id: i64,
        token_hash: &str,
        csrf: &str,
        kind: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        let e = sql(&self.path, "writing the session");
        self.conn.execute("DELETE FROM prog_sessions WHERE expires_at <= ?1", [now]).map_err(&e)?;
        self.conn
            .execute(
                "INSERT INTO prog_sessions (token_hash, user_id, csrf, kind, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![token_hash, user_id, csrf, kind, now, expires_at],
            )
            .map_err(&e)?;
        Ok(())
    }

    /// The live session of a token hash (`None`: unknown or expired).
    pub fn session(&self, token_hash: &str, now: i64) -> Result<Option<SessionRow>, StoreError> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {USER_COLUMNS}, s.csrf, s.kind, s.expires_at FROM prog_sessions s
                 JOIN prog_users u ON u.id = s.user_id
                 WHERE s.token_hash = ?1 AND s.expires_at > ?2"
            ))
            .and_then(|mut st| {
                st.query_row(params![token_hash, now], |r| {
                    Ok(SessionRow {
                        user: read_user(r, 0)?,
                        csrf: r.get(5)?,
                        kind: r.get(6)?,
                        expires_at: r.get(7)?,
                    })
                })
                .optional()
            })
            .map_err(sql(&self.path, "reading the session"))
    }

    /// Ends a session.
    pub fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        self.conn
            .execute("DELETE FROM prog_sessions WHERE token_hash = ?1", [token_hash])
            .map(|_| ())
            .map_err(sql(&self.path, "ending the session"))
    }

    /// Stores an API key (hashed) for an account.
    pub fn create_api_key(
        &self,
        user_id: i64,
        key_hash: &str,
        description: &str,
        now: i64,
    ) -> Result<i64, StoreError> {
        let e = sql(&self.path, "writing the API key");
        let tx = self.prog_tx()?;
        tx.execute(
            "INSERT INTO prog_api_keys (user_id, key_hash, description, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![user_id, key_hash, description, now],
        )
        .map_err(&e)?;
        let id = tx.last_insert_rowid();
        audit(
            &tx,
            now,
            Some(user_id),
            "key.create",
            &format!("key {id}"),
            &serde_json::json!({"description": description}),
        )
        .map_err(&e)?;
        tx.commit().map_err(&e)?;
        Ok(id)
    }

    /// The account of an API key hash.
    pub fn user_by_api_key(&self, key_hash: &str) -> Result<Option<UserRow>, StoreError> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {USER_COLUMNS} FROM prog_api_keys k JOIN prog_users u ON u.id = k.user_id
                 WHERE k.key_hash = ?1"
            ))
            .and_then(|mut st| st.query_row([key_hash], |r| read_user(r, 0)).optional())
            .map_err(sql(&self.path, "reading the API key"))
    }

    /// Stores a new application (status `submitted`), or submits an
    /// application again after changes were asked for (`again`: its id;
    /// only its applicant may, only in that status).
    pub fn submit_application(
        &self,
        user_id: i64,
        again: Option<i64>,
        programme: &str,
        catalogue_version: &str,
        content: &Value,
        now: i64,
    ) -> Result<i64, StoreError> {
        let e = sql(&self.path, "writing the application");
        let tx = self.prog_tx()?;
        let id = match again {
            None => {
                tx.execute(
                    "INSERT INTO prog_applications (user_id, programme, catalogue_version, content, status, submitted_at)
                     VALUES (?1, ?2, ?3, ?4, 'submitted', ?5)",
                    params![user_id, programme, catalogue_version, content.to_string(), now],
                )
                .map_err(&e)?;
                tx.last_insert_rowid()
            }
            Some(id) => {
                let n = tx
                    .execute(
                        "UPDATE prog_applications SET programme = ?3, catalogue_version = ?4, content = ?5,
                                status = 'submitted', submitted_at = ?6
                         WHERE id = ?1 AND user_id = ?2 AND status = 'changes-requested'",
                        params![id, user_id, programme, catalogue_version, content.to_string(), now],
                    )
                    .map_err(&e)?;
                if n == 0 {
                    return Err(refused(
                        self,
                        format!("application {id} is not yours or no change was asked for"),
                    ));
                }
                id
            }
        };
        let action = if again.is_some() { "application.resubmit" } else { "application.submit" };
        audit(
            &tx,
            now,
            Some(user_id),
            action,
            &format!("application {id}"),
            &serde_json::json!({"programme": programme, "catalogueVersion": catalogue_version}),
        )
        .map_err(&e)?;
        tx.commit().map_err(&e)?;
        Ok(id)
    }

    /// One application.
    pub fn application(&self, id: i64) -> Result<Option<ApplicationRow>, StoreError> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {APPLICATION_COLUMNS} FROM prog_applications a
                 JOIN prog_users u ON u.id = a.user_id WHERE a.id = ?1"
            ))
            .and_then(|mut st| st.query_row([id], read_application).optional())
            .map_err(sql(&self.path, "reading the application"))
    }

    /// Applications, newest first: of one account, or of one status, or all.
    pub fn applications(
        &self,
        user_id: Option<i64>,
        status: Option<&str>,
    ) -> Result<Vec<ApplicationRow>, StoreError> {
        let e = sql(&self.path, "listing the applications");
        let mut st = self
            .conn
            .prepare_cached(&format!(
                "SELECT {APPLICATION_COLUMNS} FROM prog_applications a
                 JOIN prog_users u ON u.id = a.user_id
                 WHERE (?1 IS NULL OR a.user_id = ?1) AND (?2 IS NULL OR a.status = ?2)
                 ORDER BY a.submitted_at DESC, a.id DESC"
            ))
            .map_err(&e)?;
        let rows = st.query_map(params![user_id, status], read_application).map_err(&e)?;
        rows.collect::<Result<_, _>>().map_err(&e)
    }

    /// An auditor's decision on a submitted application: `approved` (the
    /// organisation becomes participant `participant_id` with the
    /// application's name and ASNs, member since `today`),
    /// `changes-requested` or `rejected`, with a reason; written with its
    /// audit row in one transaction. Deciding an application that is not
    /// waiting for review is [`StoreError::Refused`].
    #[allow(clippy::too_many_arguments)]
    pub fn decide_application(
        &self,
        id: i64,
        reviewer: i64,
        decision: &str,
        reason: &str,
        participant_id: &str,
        today: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let e = sql(&self.path, "deciding the application");
        if ![status::APPROVED, status::CHANGES_REQUESTED, status::REJECTED].contains(&decision) {
            return Err(refused(self, format!("unknown decision {decision:?}")));
        }
        let tx = self.prog_tx()?;
        let row: Option<(i64, String, String, String)> = tx
            .query_row(
                "SELECT user_id, programme, content, status FROM prog_applications WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()
            .map_err(&e)?;
        let Some((user_id, programme, content, current)) = row else {
            return Err(refused(self, format!("no application {id}")));
        };
        if current != status::SUBMITTED {
            return Err(refused(
                self,
                format!("application {id} is {current}, not waiting for review"),
            ));
        }
        tx.execute(
            "UPDATE prog_applications SET status = ?2, decided_at = ?3, reason = ?4 WHERE id = ?1",
            params![id, decision, now, reason],
        )
        .map_err(&e)?;
        let mut detail = serde_json::json!({"reason": reason, "programme": programme});
        if decision == status::APPROVED {
            let c: Value = serde_json::from_str(&content).map_err(|err| StoreError::Corrupt {
                path: self.path.clone(),
                column: "prog_applications.content",
                value: err.to_string(),
            })?;
            let name = c["organisation"].as_str().unwrap_or_default().to_string();
            tx.execute(
                "INSERT INTO prog_participants (id, application_id, user_id, programme, name, content, member_since, status)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'approved')",
                params![participant_id, id, user_id, programme, name, content, today],
            )
            .map_err(&e)?;
            for a in c["asns"].as_array().into_iter().flatten().filter_map(Value::as_i64) {
                tx.execute(
                    "INSERT OR IGNORE INTO prog_participant_asns (participant_id, asn) VALUES (?1, ?2)",
                    params![participant_id, a],
                )
                .map_err(&e)?;
            }
            detail["participant"] = Value::from(participant_id);
        }
        audit(
            &tx,
            now,
            Some(reviewer),
            &format!("application.{decision}"),
            &format!("application {id}"),
            &detail,
        )
        .map_err(&e)?;
        tx.commit().map_err(&e)?;
        Ok(())
    }

    fn participant_rows(
        &self,
        filter: &str,
        p: impl rusqlite::Params,
    ) -> Result<Vec<ParticipantRow>, StoreError> {
        let e = sql(&self.path, "listing the participants");
        let mut st = self
            .conn
            .prepare_cached(&format!(
                "SELECT p.id, p.application_id, p.user_id, u.email, p.programme, p.name, p.content,
                        p.member_since, p.status,
                        (SELECT group_concat(asn, ' ') FROM
                            (SELECT asn FROM prog_participant_asns x WHERE x.participant_id = p.id ORDER BY asn))
                 FROM prog_participants p JOIN prog_users u ON u.id = p.user_id
                 WHERE {filter} ORDER BY p.name COLLATE NOCASE, p.id"
            ))
            .map_err(&e)?;
        let rows = st
            .query_map(p, |r| {
                let asns: Option<String> = r.get(9)?;
                Ok(ParticipantRow {
                    id: r.get(0)?,
                    application_id: r.get(1)?,
                    user_id: r.get(2)?,
                    email: r.get(3)?,
                    programme: r.get(4)?,
                    name: r.get(5)?,
                    content: json_col(r, 6)?,
                    member_since: r.get(7)?,
                    status: r.get(8)?,
                    asns: asns
                        .unwrap_or_default()
                        .split_ascii_whitespace()
                        .map(|a| a.parse().map(Asn).map_err(|err| crate::bad_column(9, err)))
                        .collect::<Result<_, _>>()?,
                })
            })
            .map_err(&e)?;
        rows.collect::<Result<_, _>>().map_err(&e)
    }

    /// Participants by name: of a programme, with an ASN, or all.
    pub fn participants(
        &self,
        programme: Option<&str>,
        asn: Option<Asn>,
    ) -> Result<Vec<ParticipantRow>, StoreError> {
        self.participant_rows(
            "(?1 IS NULL OR p.programme = ?1) AND (?2 IS NULL OR EXISTS
                (SELECT 1 FROM prog_participant_asns x WHERE x.participant_id = p.id AND x.asn = ?2))",
            params![programme, asn.map(|a| a.0)],
        )
    }

    /// The participants an account manages.
    pub fn participants_of_user(&self, user_id: i64) -> Result<Vec<ParticipantRow>, StoreError> {
        self.participant_rows("p.user_id = ?1", params![user_id])
    }

    /// One participant.
    pub fn participant(&self, id: &str) -> Result<Option<ParticipantRow>, StoreError> {
        Ok(self.participant_rows("p.id = ?1", params![id])?.pop())
    }

    /// Whether the account manages a participant with this ASN.
    pub fn user_manages_asn(&self, user_id: i64, asn: Asn) -> Result<bool, StoreError> {
        self.conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM prog_participants p
                    JOIN prog_participant_asns x ON x.participant_id = p.id
                    WHERE p.user_id = ?1 AND x.asn = ?2 AND p.status = 'approved')",
                params![user_id, asn.0],
                |r| r.get(0),
            )
            .map_err(sql(&self.path, "checking the participant's ASNs"))
    }

    /// The audit log, newest first.
    pub fn audit_log(&self, limit: u64) -> Result<Vec<AuditRow>, StoreError> {
        let e = sql(&self.path, "reading the audit log");
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT a.at, u.email, a.action, a.subject, a.detail FROM prog_audit a
                 LEFT JOIN prog_users u ON u.id = a.user_id ORDER BY a.id DESC LIMIT ?1",
            )
            .map_err(&e)?;
        let rows = st
            .query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
                Ok(AuditRow {
                    at: r.get(0)?,
                    actor: r.get(1)?,
                    action: r.get(2)?,
                    subject: r.get(3)?,
                    detail: json_col(r, 4)?,
                })
            })
            .map_err(&e)?;
        rows.collect::<Result<_, _>>().map_err(&e)
    }

    /// The incidents of a network in a period with their row ids, by
    /// metric and start.
    pub fn incident_refs(&self, month: Month, asn: Asn) -> Result<Vec<IncidentRef>, StoreError> {
        let Some(pid) = self.period_id(month)? else { return Ok(Vec::new()) };
        let e = sql(&self.path, "reading the incidents");
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT id, asn, metric, weight, start, end, score, confidence, summary, evidence
                 FROM incidents WHERE period_id = ?1 AND asn = ?2 ORDER BY metric, start, id",
            )
            .map_err(&e)?;
        let rows = st
            .query_map(params![pid, asn.0], |r| {
                Ok(IncidentRef {
                    id: r.get(0)?,
                    row: IncidentRow {
                        asn: Asn(r.get(1)?),
                        metric: r.get(2)?,
                        weight: r.get(3)?,
                        start: r.get(4)?,
                        end: r.get(5)?,
                        score: r.get(6)?,
                        confidence: r.get(7)?,
                        summary: r.get(8)?,
                        evidence: json_col(r, 9)?,
                    },
                })
            })
            .map_err(&e)?;
        rows.collect::<Result<_, _>>().map_err(&e)
    }

    /// Records feedback on an incident of a period, with a copy of the
    /// incident (`incident_json`, completed with its id, metric, start and
    /// summary from the stored row); feedback already pending or accepted
    /// on the same incident is [`StoreError::Refused`].
    #[allow(clippy::too_many_arguments)]
    pub fn submit_feedback(
        &self,
        month: Month,
        incident: &IncidentRef,
        incident_json: &Value,
        user_id: i64,
        verdict: &str,
        comment: &str,
        now: i64,
    ) -> Result<i64, StoreError> {
        let e = sql(&self.path, "writing the feedback");
        // The fields that identify the incident come from the stored row,
        // so that a later period run can be matched against them.
        let mut copy = if incident_json.is_object() { incident_json.clone() } else { Value::Null };
        copy["id"] = Value::from(incident.id);
        copy["metric"] = Value::from(incident.row.metric.clone());
        copy["start"] = Value::from(incident.row.start);
        copy["summary"] = Value::from(incident.row.summary.clone());
        let tx = self.prog_tx()?;
        let open: bool = tx
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM prog_feedback WHERE month = ?1 AND incident_id = ?2
                    AND status IN ('pending', 'accepted'))",
                params![month.to_string(), incident.id],
                |r| r.get(0),
            )
            .map_err(&e)?;
        if open {
            return Err(refused(
                self,
                format!("incident {} already has feedback pending or accepted", incident.id),
            ));
        }
        tx.execute(
            "INSERT INTO prog_feedback (month, incident_id, asn, incident, user_id, verdict, comment, status, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'pending', ?8)",
            params![month.to_string(), incident.id, incident.row.asn.0, copy.to_string(), user_id, verdict, comment, now],
        )
        .map_err(&e)?;
        let id = tx.last_insert_rowid();
        audit(&tx, now, Some(user_id), "feedback.submit", &format!("feedback {id}"), &serde_json::json!({"month": month, "incident": incident.id, "asn": incident.row.asn, "verdict": verdict, "comment": comment}))
            .map_err(&e)?;
        tx.commit().map_err(&e)?;
        Ok(id)
    }

    /// One feedback.
    pub fn feedback(&self, id: i64) -> Result<Option<FeedbackRow>, StoreError> {
        Ok(self.feedback_rows("f.id = ?1", params![id])?.pop())
    }

    /// Feedback, newest first: of one status or all, of some ASNs or all.
    pub fn feedback_list(
        &self,
        status: Option<&str>,
        asns: Option<&[Asn]>,
    ) -> Result<Vec<FeedbackRow>, StoreError> {
        let all = self.feedback_rows("(?1 IS NULL OR f.status = ?1)", params![status])?;
        Ok(match asns {
            None => all,
            Some(asns) => all.into_iter().filter(|f| asns.contains(&f.asn)).collect(),
        })
    }

    fn feedback_rows(
        &self,
        filter: &str,
        p: impl rusqlite::Params,
    ) -> Result<Vec<FeedbackRow>, StoreError> {
        let e = sql(&self.path, "reading the feedback");
        let mut st = self
            .conn
            .prepare_cached(&format!(
                "SELECT {FEEDBACK_COLUMNS} FROM prog_feedback f JOIN prog_users u ON u.id = f.user_id
                 WHERE {filter} ORDER BY f.id DESC"
            ))
            .map_err(&e)?;
        let rows = st.query_map(p, read_feedback).map_err(&e)?;
        rows.collect::<Result<_, _>>().map_err(&e)
    }

    /// An auditor's decision on pending feedback. Accepting it recomputes
    /// the network's `filtering` for the period with the engine's scoring
    /// functions and the period's stored profile, leaving out every
    /// incident of the network accepted as a false positive, and stores the
    /// result as a new [`AdjustedScore`] beside the period's figure (the
    /// period is not changed). Returns it when one was made.
    pub fn decide_feedback(
        &self,
        id: i64,
        reviewer: i64,
        accept: bool,
        reason: &str,
        now: i64,
    ) -> Result<Option<AdjustedScore>, StoreError> {
        let e = sql(&self.path, "deciding the feedback");
        let Some(f) = self.feedback(id)? else {
            return Err(refused(self, format!("no feedback {id}")));
        };
        if f.status != feedback_status::PENDING {
            return Err(refused(self, format!("feedback {id} is {}, not pending", f.status)));
        }
        let tx = self.prog_tx()?;
        let decision = if accept { feedback_status::ACCEPTED } else { feedback_status::REJECTED };
        tx.execute(
            "UPDATE prog_feedback SET status = ?2, reviewer_id = ?3, reviewed_at = ?4, review_reason = ?5
             WHERE id = ?1 AND status = 'pending'",
            params![id, decision, reviewer, now, reason],
        )
        .map_err(&e)?;
        let mut adjusted = None;
        if accept {
            let period = self.period(f.month)?.ok_or_else(|| {
                refused(self, format!("period {} of feedback {id} is no longer stored", f.month))
            })?;
            let profile: Profile =
                serde_json::from_value(period.profile.clone()).map_err(|err| {
                    StoreError::Corrupt {
                        path: self.path.clone(),
                        column: "periods.profile",
                        value: err.to_string(),
                    }
                })?;
            let excluded: Vec<i64> = {
                let mut st = tx
                    .prepare(
                        "SELECT incident_id FROM prog_feedback
                         WHERE month = ?1 AND asn = ?2 AND status = 'accepted' ORDER BY incident_id",
                    )
                    .map_err(&e)?;
                let rows = st
                    .query_map(params![f.month.to_string(), f.asn.0], |r| r.get(0))
                    .map_err(&e)?;
                rows.collect::<Result<_, _>>().map_err(&e)?
            };
            let incidents = self.incident_refs(f.month, f.asn)?;
            let raw = manrs_engine::scores::filtering_raw(
                incidents
                    .iter()
                    .filter(|i| !excluded.contains(&i.id))
                    .map(|i| (i.row.metric.as_str(), i.row.score)),
                &profile,
            );
            let score = manrs_engine::scores::filtering(raw, &profile);
            let original = self.metrics(f.month, f.asn)?.map(|m| {
                (m.figures.filtering_raw, m.figures.filtering.value, m.figures.filtering.band)
            });
            let (Some(value), Some(band)) = (score.value, score.band) else {
                return Err(refused(self, "the profile gives no filtering score"));
            };
            let a = AdjustedScore {
                month: f.month,
                asn: f.asn,
                feedback_id: id,
                excluded,
                profile_version: period.profile_version.clone(),
                original: original.unwrap_or((None, None, None)),
                raw,
                value,
                band,
                created_at: now,
            };
            tx.execute(
                "INSERT INTO prog_adjusted_scores (month, period_finished_at, asn, feedback_id, excluded,
                     profile_version, original_raw, original_value, original_band, raw, value, band, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                params![
                    a.month.to_string(),
                    period.finished_at,
                    a.asn.0,
                    id,
                    Value::from(a.excluded.clone()).to_string(),
                    a.profile_version,
                    a.original.0,
                    a.original.1,
                    a.original.2.map(Band::as_str),
                    a.raw,
                    a.value,
                    a.band.as_str(),
                    now
                ],
            )
            .map_err(&e)?;
            adjusted = Some(a);
        }
        audit(
            &tx,
            now,
            Some(reviewer),
            &format!("feedback.{}", if accept { "accept" } else { "reject" }),
            &format!("feedback {id}"),
            &serde_json::json!({"reason": reason, "month": f.month, "asn": f.asn, "incident": f.incident_id,
                "filtering": adjusted.as_ref().map(|a| serde_json::json!({"before": a.original.1, "after": a.value}))}),
        )
        .map_err(&e)?;
        tx.commit().map_err(&e)?;
        Ok(adjusted)
    }

    /// The newest adjusted `filtering` of a network for a period, if
    /// feedback changed it and still applies: the period was scored with
    /// the same profile version, and every incident accepted as a false
    /// positive is still in it (same id, metric, start and summary). A
    /// period stored again with other incidents makes it stale, and it is
    /// ignored.
    pub fn adjusted_filtering(
        &self,
        month: Month,
        asn: Asn,
    ) -> Result<Option<AdjustedScore>, StoreError> {
        let Some(period) = self.period(month)? else { return Ok(None) };
        let e = sql(&self.path, "reading the adjusted scores");
        let found = self
            .conn
            .prepare_cached(
                "SELECT feedback_id, excluded, profile_version, original_raw, original_value,
                        original_band, raw, value, band, created_at
                 FROM prog_adjusted_scores
                 WHERE month = ?1 AND asn = ?2 AND profile_version = ?3
                 ORDER BY id DESC LIMIT 1",
            )
            .and_then(|mut st| {
                st.query_row(params![month.to_string(), asn.0, period.profile_version], |r| {
                    let excluded: Value = json_col(r, 1)?;
                    Ok(AdjustedScore {
                        month,
                        asn,
                        feedback_id: r.get(0)?,
                        excluded: excluded
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(Value::as_i64)
                            .collect(),
                        profile_version: r.get(2)?,
                        original: (r.get(3)?, r.get(4)?, crate::band_col(r, 5)?),
                        raw: r.get(6)?,
                        value: r.get(7)?,
                        band: crate::band_col(r, 8)?.ok_or_else(|| {
                            crate::bad_column(8, crate::UnknownValue("NULL".into()))
                        })?,
                        created_at: r.get(9)?,
                    })
                })
                .optional()
            })
            .map_err(&e)?;
        let Some(a) = found else { return Ok(None) };
        let still: u64 = self
            .conn
            .prepare_cached(
                "SELECT COUNT(*) FROM prog_feedback f
                 JOIN incidents i ON i.id = f.incident_id AND i.asn = f.asn
                 JOIN periods p ON p.id = i.period_id AND p.month = f.month
                 WHERE f.month = ?1 AND f.asn = ?2 AND f.status = 'accepted'
                   AND i.metric = json_extract(f.incident, '$.metric')
                   AND i.start = json_extract(f.incident, '$.start')
                   AND i.summary = json_extract(f.incident, '$.summary')",
            )
            .and_then(|mut st| st.query_row(params![month.to_string(), asn.0], |r| count_col(r, 0)))
            .map_err(&e)?;
        Ok((usize::try_from(still).ok() == Some(a.excluded.len())).then_some(a))
    }

    /// Records a conformance report sent (or written to the outbox).
    pub fn record_delivery(
        &self,
        participant_id: &str,
        month: Month,
        recipient: &str,
        via: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO prog_deliveries (participant_id, month, recipient, via, at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![participant_id, month.to_string(), recipient, via, now],
            )
            .map(|_| ())
            .map_err(sql(&self.path, "recording the delivery"))
    }

    /// How many reports were recorded for a participant and month.
    pub fn deliveries(&self, participant_id: &str, month: Month) -> Result<u64, StoreError> {
        self.conn
            .query_row(
                "SELECT COUNT(*) FROM prog_deliveries WHERE participant_id = ?1 AND month = ?2",
                params![participant_id, month.to_string()],
                |r| count_col(r, 0),
            )
            .map_err(sql(&self.path, "counting the deliveries"))
    }
}
