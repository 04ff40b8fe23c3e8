//! Manifest loading: every kind and default, and each error with its place.

use std::path::Path;

use manrs_engine::{IrrPolicy, Settings};
use manrs_manifest::{InputKind, Manifest, ManifestError};

fn dir_with(files: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for f in files {
        let p = dir.path().join(f);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, b"x").unwrap();
    }
    dir
}

fn load(dir: &Path, text: &str) -> Result<Manifest, ManifestError> {
    let p = dir.join("sources.toml");
    std::fs::write(&p, text).unwrap();
    Manifest::load(&p)
}

fn err(dir: &Path, text: &str) -> String {
    load(dir, text).unwrap_err().to_string()
}

#[test]
fn every_kind_defaults_and_globs() {
    let d = dir_with(&[
        "rv2/updates.20260222.1545.bz2",
        "rv2/updates.20260222.1530.bz2",
        "ipasn.dat.gz",
        "vrps.json",
        "ripe.db",
        "radb.db",
        "deleg.txt",
        "iana.csv",
        "pdb.json",
        "asrel.txt",
        "as2org.jsonl",
        "spoofer.json",
        "names.json",
    ]);
    let abs = d.path().join("vrps.json");
    let text = format!(
        r#"
[analysis]
irr-policy = "exact"
min-peers = 3

[profile]
version = "test-1"

[[period]]
month = "2026-02"
inputs = [
  {{ kind = "mrt", path = "rv2/updates.*.bz2" }},
  {{ kind = "routes", path = "ipasn.dat.gz", collector = "full-table" }},
  {{ kind = "vrps", path = "{}" }},
  {{ kind = "irr", path = "ripe.db", source = "RIPE" }},
  {{ kind = "irr", path = "radb.db", trust = 5 }},
  {{ kind = "delegated", path = "deleg.txt" }},
  {{ kind = "iana", path = "iana.csv" }},
  {{ kind = "peeringdb", path = "pdb.json" }},
  {{ kind = "as-relationships", path = "asrel.txt" }},
  {{ kind = "as-org", path = "as2org.jsonl" }},
  {{ kind = "spoofer", path = "spoofer.json" }},
  {{ kind = "as-names", path = "names.json" }},
]

[[period]]
month = "2026-03"
inputs = [{{ kind = "mrt", path = "rv2/updates.20260222.1530.bz2", collector = "x" }}]
"#,
        abs.display()
    );
    let m = load(d.path(), &text).unwrap();
    assert_eq!(m.base, d.path());
    assert_eq!(
        m.analysis,
        Settings { irr_policy: IrrPolicy::Exact, min_peers: 3, ..Settings::default() }
    );
    assert_eq!(m.profile.version, "test-1");
    assert_eq!(m.profile.rpki_invalid_penalty, 10.0, "unset profile keys keep their defaults");
    assert_eq!(m.periods.len(), 2);
    let p = &m.periods[0];
    assert_eq!(p.month.to_string(), "2026-02");
    assert_eq!(p.line, 10);
    let kinds: Vec<InputKind> = p.inputs.iter().map(|i| i.kind).collect();
    assert_eq!(kinds.len(), 12);
    assert_eq!(kinds[0], InputKind::Mrt);
    let mrt = &p.inputs[0];
    assert_eq!(mrt.line, 12);
    assert_eq!(
        mrt.paths,
        vec![
            d.path().join("rv2/updates.20260222.1530.bz2"),
            d.path().join("rv2/updates.20260222.1545.bz2")
        ],
        "globs expand sorted, joined to the manifest's directory"
    );
    assert_eq!(mrt.collector_for(&mrt.paths[0]), "rv2");
    let routes = &p.inputs[1];
    assert_eq!(routes.collector_for(&routes.paths[0]), "full-table");
    assert_eq!(p.inputs[2].paths, vec![abs]);
    let irr: Vec<_> = p.inputs_of(InputKind::Irr).map(|i| (i.source.clone(), i.trust)).collect();
    assert_eq!(irr, vec![(Some("RIPE".to_string()), 1), (None, 5)]);
    assert_eq!(m.periods[1].inputs[0].collector.as_deref(), Some("x"));
    assert!(m.period("2026-03".parse().unwrap()).is_some());
    assert!(m.period("2026-04".parse().unwrap()).is_none());
}

#[test]
fn errors_name_file_line_and_column() {
    let d = dir_with(&["a.mrt", "v.json"]);
    let head = "[[period]]\nmonth = \"2026-02\"\n";
    let e = err(
        d.path(),
        &format!("{head}inputs = [\n  {{ kind = \"mrtt\", path = \"a.mrt\" }},\n]\n"),
    );
    assert!(e.ends_with("sources.toml:4:12: unknown input kind \"mrtt\" (expected one of: mrt, routes, vrps, irr, delegated, iana, peeringdb, as-relationships, as-org, spoofer, as-names, rdap)"), "{e}");
    let e = err(
        d.path(),
        "[[period]]\nmonth = \"2026-13\"\ninputs = [{ kind = \"mrt\", path = \"a.mrt\" }]\n",
    );
    assert!(e.contains("sources.toml:2:9: month \"2026-13\""), "{e}");
    let e = err(
        d.path(),
        &format!("{head}inputs = [\n  {{ kind = \"mrt\", path = \"updates.*.bz3\" }},\n]\n"),
    );
    assert!(e.contains("sources.toml:4:26: no file matches \"updates.*.bz3\""), "{e}");
    let e =
        err(d.path(), &format!("{head}inputs = [{{ kind = \"mrt\", path = \"missing.bz2\" }}]\n"));
    assert!(e.contains("sources.toml:3:34: file \"missing.bz2\" does not exist"), "{e}");
    let e = err(d.path(), &format!("[analyss]\n{head}"));
    assert!(e.contains("sources.toml:1:2: unknown field `analyss`"), "{e}");
    let e = err(d.path(), &format!("[analysis]\nirr-policy = \"loose\"\n{head}"));
    assert!(e.contains("sources.toml:2:14:") && e.contains("loose"), "{e}");
    let e = err(
        d.path(),
        &format!("{head}inputs = [{{ kind = \"vrps\", path = \"v.json\", trust = 2 }}]\n"),
    );
    assert!(
        e.contains(
            "sources.toml:3:53: key \"trust\" is not allowed on kind \"vrps\" (only on irr)"
        ),
        "{e}"
    );
    let e = err(
        d.path(),
        &format!("{head}inputs = [{{ kind = \"vrps\", path = \"v.json\", colour = 2 }}]\n"),
    );
    assert!(e.contains("sources.toml:3:") && e.contains("unknown field `colour`"), "{e}");
    let e = err(d.path(), &format!("{head}inputs = []\n"));
    assert!(e.contains("sources.toml:3:10: period 2026-02 has no inputs"), "{e}");
    let e = err(
        d.path(),
        &format!(
            "{head}inputs = [{{ kind = \"mrt\", path = \"a.mrt\" }}]\n{head}inputs = [{{ kind = \"mrt\", path = \"a.mrt\" }}]\n"
        ),
    );
    assert!(e.contains("sources.toml:5:9: period 2026-02 is given twice (first at line 2)"), "{e}");
    let e = err(d.path(), "[[period]]\nmonth = 2026-02\n");
    assert!(e.contains("sources.toml:2:"), "{e}");
    let e = err(d.path(), "");
    assert!(e.contains("no [[period]]"), "{e}");
    let missing = Manifest::load(&d.path().join("nope.toml")).unwrap_err().to_string();
    assert!(missing.contains("nope.toml"), "{missing}");
}

/// The shipped profile file is the default profile, field for field, and
/// a manifest's `[profile]` overrides only what it names.
#[test]
fn shipped_profile_is_the_default_and_a_manifest_overrides_fields() {
    let shipped: manrs_engine::Profile =
        toml::from_str(manrs_engine::Profile::DEFAULT_TOML).unwrap();
    assert_eq!(shipped, manrs_engine::Profile::default());
    let d = dir_with(&["u.bz2"]);
    let m = load(
        d.path(),
        r#"
[profile]
version = "strict-leaks-1"
filtering-metrics = ["M1", "M1C", "M2", "M2C", "M3", "M3C", "M4", "M4C"]
filtering-bands = { ready = 1.0, aspiring = 0.5 }

[[period]]
month = "2026-02"
inputs = [{ kind = "mrt", path = "u.bz2" }]
"#,
    )
    .unwrap();
    assert!(m.profile.feeds_filtering("M1"));
    assert_eq!(m.profile.filtering_bands.aspiring, 0.5);
    assert_eq!(m.profile.decay_base, 0.6);
    assert_eq!(m.profile.contact_roles, manrs_engine::Profile::default().contact_roles);
    let typo = load(
        d.path(),
        "[profile]\nfiltering-metric = [\"M1\"]\n[[period]]\nmonth = \"2026-02\"\ninputs = []\n",
    )
    .unwrap_err();
    assert!(typo.to_string().contains("filtering-metric"), "{typo}");
}
