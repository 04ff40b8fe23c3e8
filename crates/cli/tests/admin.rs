//! `manrs admin create-user`: the password from standard input, never an
//! argument; the account stored with an Argon2id hash.

use std::io::Write;
use std::process::{Command, Stdio};

fn create(db: &std::path::Path, email: &str, role: &str, stdin: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_manrs"))
        .args(["admin", "create-user", "--email", email, "--role", role, "--db"])
        .arg(db)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The command may refuse its arguments before reading the password and
    // close the pipe: a failed write is not the test's concern.
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    child.wait_with_output().unwrap()
}

#[test]
fn create_user_reads_the_password_from_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.db");
    let out = create(&db, "Admin@Example.net", "admin", "a long admin password\n");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("admin@example.net (admin)"));
    let store = manrs_store::Store::open_existing(&db).unwrap();
    let u = store.user_by_email("admin@example.net").unwrap().unwrap();
    assert_eq!(u.role, "admin");
    assert!(u.password_hash.starts_with("$argon2id$"));
    assert!(manrs_programme::auth::verify_password("a long admin password", &u.password_hash));
    assert_eq!(store.audit_log(1).unwrap()[0].action, "user.create");

    let out = create(&db, "admin@example.net", "auditor", "another long password\n");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("exists already"));
    let out = create(&db, "x@example.net", "root", "a long admin password\n");
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown role \"root\""));
    let out = create(&db, "x@example.net", "auditor", "");
    assert!(String::from_utf8_lossy(&out.stderr).contains("no password on standard input"));
    let out = create(&db, "x@example.net", "auditor", "short\n");
    assert!(String::from_utf8_lossy(&out.stderr).contains("10 to 1024 characters"));
}
