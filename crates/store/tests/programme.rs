//! The programme tables: accounts and sessions, the application workflow
//! with its audit log, participants, and feedback whose acceptance stores
//! a recomputed filtering score beside the period's own, which stays as it
//! was.

use manrs_engine::{Band, Score, Visibility};
use manrs_store::programme::{feedback_status, status};
use manrs_store::{FigureRow, IncidentRow, MetricRow, NetworkRow, PeriodMeta, Store, StoreError};
use manrs_types::{Asn, Month};
use serde_json::json;

fn month(s: &str) -> Month {
    s.parse().unwrap()
}

fn incident(asn: u32, metric: &str, start: i64, score: f64) -> IncidentRow {
    IncidentRow {
        asn: Asn(asn),
        metric: metric.into(),
        weight: 1.0,
        start,
        end: start + 3600,
        score,
        confidence: None,
        summary: format!("{metric} at {start}"),
        evidence: json!({}),
    }
}

/// A period in which AS64500 has two incidents feeding filtering (raw 0.5 + 0.25).
fn write_period(store: &mut Store, m: &str, created_at: i64, shift: i64) {
    let meta = PeriodMeta {
        month: month(m),
        created_at,
        tool_version: "test".into(),
        manifest: None,
        settings: json!({}),
        profile: json!({"version": "p-test"}),
        profile_version: "p-test".into(),
    };
    let mut w = store.begin_period(&meta, true).unwrap();
    w.add_network(&NetworkRow {
        asn: Asn(64500),
        holder: Some("Example".into()),
        country: Some("NL".into()),
        rir: None,
        status: None,
        visibility: Visibility::Origin,
        excluded: None,
    })
    .unwrap();
    let profile = manrs_engine::Profile::default();
    let raw = 0.75;
    w.add_metrics(&MetricRow {
        asn: Asn(64500),
        routes: 1,
        valid: 1,
        invalid: 0,
        not_found: 0,
        irr_covered: None,
        rpki_value: Some(1.0),
        rpki_band: Some(Band::Ready),
        irr_value: None,
        irr_band: None,
        figures: FigureRow {
            filtering_raw: Some(raw),
            filtering: manrs_engine::scores::filtering(raw, &profile),
            ..FigureRow::default()
        },
    })
    .unwrap();
    w.add_incident(&incident(64500, "M2", 1_780_000_000 + shift, 0.5)).unwrap();
    w.add_incident(&incident(64500, "M3", 1_780_100_000, 0.25)).unwrap();
    w.commit(&json!({})).unwrap();
}

#[test]
fn accounts_sessions_and_keys() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("p.db")).unwrap();
    let id = store.create_user("ops@example.net", "participant", "$argon2id$x", 100, None).unwrap();
    let e = store.create_user("ops@example.net", "admin", "$argon2id$y", 101, None).unwrap_err();
    assert!(matches!(e, StoreError::Refused { .. }), "{e}");
    assert_eq!(e.to_string(), "an account for ops@example.net exists already");
    assert_eq!(store.user_by_email("ops@example.net").unwrap().unwrap().id, id);
    store.create_session(id, "h1", "csrf1", "web", 100, 200).unwrap();
    assert_eq!(store.session("h1", 150).unwrap().unwrap().csrf, "csrf1");
    assert!(store.session("h1", 200).unwrap().is_none(), "expired");
    assert!(store.session("h2", 150).unwrap().is_none());
    store.create_session(id, "h3", "c", "api", 100, 500).unwrap();
    store.delete_session("h3").unwrap();
    assert!(store.session("h3", 150).unwrap().is_none());
    store.create_api_key(id, "k1", "robot", 100).unwrap();
    assert_eq!(store.user_by_api_key("k1").unwrap().unwrap().email, "ops@example.net");
    assert!(store.user_by_api_key("k2").unwrap().is_none());
}

#[test]
fn applications_are_decided_once_and_audited() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("p.db")).unwrap();
    let applicant = store.create_user("a@example.net", "participant", "h", 1, None).unwrap();
    let other = store.create_user("b@example.net", "participant", "h", 1, None).unwrap();
    let auditor = store.create_user("audit@example.net", "auditor", "h", 1, None).unwrap();
    let content = json!({"programme": "network-operators", "organisation": "Example", "areas": ["NL"], "asns": [64500, 64501], "actions": []});
    let id =
        store.submit_application(applicant, None, "network-operators", "v1", &content, 10).unwrap();
    // Changes asked: only the applicant may submit again.
    store
        .decide_application(
            id,
            auditor,
            status::CHANGES_REQUESTED,
            "add evidence",
            "",
            "2026-08-01",
            11,
        )
        .unwrap();
    assert!(
        store.submit_application(other, Some(id), "network-operators", "v1", &content, 12).is_err()
    );
    store.submit_application(applicant, Some(id), "network-operators", "v1", &content, 13).unwrap();
    assert_eq!(store.application(id).unwrap().unwrap().status, status::SUBMITTED);
    store
        .decide_application(id, auditor, status::APPROVED, "", "uuid-1", "2026-08-02", 14)
        .unwrap();
    let e = store
        .decide_application(id, auditor, status::REJECTED, "late", "uuid-2", "2026-08-02", 15)
        .unwrap_err();
    assert_eq!(e.to_string(), "application 1 is approved, not waiting for review");
    let p = store.participant("uuid-1").unwrap().unwrap();
    assert_eq!(
        (p.name.as_str(), p.asns.clone(), p.member_since.as_str()),
        ("Example", vec![Asn(64500), Asn(64501)], "2026-08-02")
    );
    assert_eq!(store.participants(Some("network-operators"), Some(Asn(64501))).unwrap().len(), 1);
    assert!(store.participants(Some("ixps"), None).unwrap().is_empty());
    assert!(store.user_manages_asn(applicant, Asn(64500)).unwrap());
    assert!(!store.user_manages_asn(other, Asn(64500)).unwrap());
    let log: Vec<String> =
        store.audit_log(10).unwrap().iter().rev().map(|a| a.action.clone()).collect();
    assert_eq!(
        log,
        [
            "user.create",
            "user.create",
            "user.create",
            "application.submit",
            "application.changes-requested",
            "application.resubmit",
            "application.approved"
        ]
    );
    assert_eq!(store.audit_log(1).unwrap()[0].actor.as_deref(), Some("audit@example.net"));
}

#[test]
fn accepted_feedback_rescores_beside_the_period() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("p.db")).unwrap();
    write_period(&mut store, "2026-07", 1_780_000_000, 0);
    let user = store.create_user("a@example.net", "participant", "h", 1, None).unwrap();
    let auditor = store.create_user("audit@example.net", "auditor", "h", 1, None).unwrap();
    let m = month("2026-07");
    let before = store.metrics(m, Asn(64500)).unwrap().unwrap().figures.filtering;
    let incidents = store.incident_refs(m, Asn(64500)).unwrap();
    assert_eq!(incidents.len(), 2);
    let m2 = &incidents[0];
    let f = store
        .submit_feedback(
            m,
            m2,
            &json!({"id": m2.id}),
            user,
            "legitimate-change",
            "our customer",
            20,
        )
        .unwrap();
    let e = store.submit_feedback(m, m2, &json!({}), user, "other", "again", 21).unwrap_err();
    assert!(e.to_string().contains("already has feedback pending"), "{e}");
    let a = store
        .decide_feedback(f, auditor, true, "confirmed with the customer's LOA", 30)
        .unwrap()
        .unwrap();
    // Without the M2 incident only the M3 one (raw 0.25) counts.
    let profile = manrs_engine::Profile::default();
    let want = manrs_engine::scores::filtering(0.25, &profile);
    assert_eq!(a.raw, 0.25);
    assert_eq!(Score { value: Some(a.value), band: Some(a.band) }, want);
    assert_eq!(a.original, (Some(0.75), before.value, before.band));
    assert_eq!(a.excluded, [m2.id]);
    assert_eq!(store.adjusted_filtering(m, Asn(64500)).unwrap(), Some(a.clone()));
    // The period is as it was.
    assert_eq!(store.metrics(m, Asn(64500)).unwrap().unwrap().figures.filtering, before);
    assert_eq!(store.incident_refs(m, Asn(64500)).unwrap().len(), 2);
    assert!(store.decide_feedback(f, auditor, false, "", 31).is_err(), "decided once");
    // A rejected feedback changes no score.
    let m3 = &incidents[1];
    let g = store.submit_feedback(m, m3, &json!({}), user, "data-error", "no", 40).unwrap();
    assert!(store.decide_feedback(g, auditor, false, "the route was seen", 41).unwrap().is_none());
    assert_eq!(store.feedback(g).unwrap().unwrap().status, feedback_status::REJECTED);
    assert_eq!(store.adjusted_filtering(m, Asn(64500)).unwrap(), Some(a));
    // The period stored again with the same incidents: still applies.
    write_period(&mut store, "2026-07", 1_790_000_000, 0);
    assert!(store.adjusted_filtering(m, Asn(64500)).unwrap().is_some());
    // Stored again with other incidents: the adjustment is stale.
    write_period(&mut store, "2026-07", 1_790_000_000, 60);
    assert_eq!(store.adjusted_filtering(m, Asn(64500)).unwrap(), None);
}
