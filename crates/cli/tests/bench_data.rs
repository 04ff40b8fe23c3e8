//! `manrs bench-data` end to end on `../shared/data`: the written RIB reads
//! back cleanly, holds every prefix of the pyasn tables once with entries
//! ending in its origin, keeps the real records, and depends on the seed
//! only.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use manrs_mrt::{MrtItem, MrtReader};
use manrs_sources::ipasn::IpAsnReader;
use manrs_types::Mode;

const DIR: &str = "routeviews-rv2-rib-2026-07-30";
/// Enough IPv6 prefixes to go past the 11,037 records of the real IPv6
/// RIB, so that drawn and rewritten entries are exercised too.
const LIMIT: usize = 14_000;

fn generate(data: &Path, out: &Path, seed: u64) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_manrs"))
        .args(["bench-data", "--limit", &LIMIT.to_string(), "--seed", &seed.to_string()])
        .arg("--data")
        .arg(data)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    let stdout = String::from_utf8(o.stdout).unwrap();
    assert!(o.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&o.stderr));
    stdout
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap()
}

/// Per prefix, in file order: the origins of its elements, in order.
type Origins = Vec<(String, Vec<Option<u32>>)>;

/// The origins of a RIB, its element count, and whether it was cut.
fn origins(path: &Path) -> (Origins, u64, bool) {
    let mut reader = MrtReader::open(path, Mode::Strict).unwrap();
    let mut out: Origins = Vec::new();
    for item in reader.by_ref() {
        let item = match item {
            Ok(i) => i,
            // The real RIBs are cut: their end is a truncation error.
            Err(d) if d.kind == manrs_types::DiagKind::Truncated => break,
            Err(d) => panic!("{d}"),
        };
        let MrtItem::Element(e) = item else { panic!("state change in a RIB") };
        let prefix = e.elem.prefix.prefix.to_string();
        let origin = e
            .elem
            .origin_asns
            .as_ref()
            .and_then(|o| if o.len() == 1 { Some(o[0].to_u32()) } else { None });
        match out.last_mut() {
            Some((p, list)) if *p == prefix => list.push(origin),
            _ => out.push((prefix, vec![origin])),
        }
    }
    let truncated = reader.diagnostics().truncated();
    (out, reader.elements(), truncated)
}

fn ipasn(path: &Path) -> Vec<(String, u32)> {
    let mut rows: Vec<_> = IpAsnReader::open(path, Mode::Strict)
        .unwrap()
        .map(|r| r.unwrap())
        .map(|r| (r.prefix.net(), r.origin.0))
        .collect();
    rows.sort_unstable();
    rows.dedup_by_key(|r| r.0);
    rows.truncate(LIMIT);
    rows.into_iter().map(|(n, o)| (n.to_string(), o)).collect()
}

#[test]
fn full_table_rib_from_real_data() {
    let Some(data) = manrs_test_support::shared_data_dir() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let (a, b, c): (PathBuf, PathBuf, PathBuf) =
        (tmp.path().join("a"), tmp.path().join("b"), tmp.path().join("c"));
    let printed = generate(&data, &a, 7);
    generate(&data, &b, 7);
    generate(&data, &c, 8);
    for ext in ["bz2", "gz"] {
        let name = format!("rib.20260730.1400.full.{ext}");
        assert!(read(&a.join(&name)) == read(&b.join(&name)), "{ext}: same seed, same bytes");
        assert!(read(&a.join(&name)) != read(&c.join(&name)), "{ext}: the seed matters");
    }

    let (bz, bz_elements, bz_truncated) = origins(&a.join("rib.20260730.1400.full.bz2"));
    let (gz, gz_elements, _) = origins(&a.join("rib.20260730.1400.full.gz"));
    assert!(!bz_truncated);
    assert_eq!(bz, gz, "the bzip2 and gzip files hold the same RIB");
    assert_eq!(bz_elements, gz_elements);
    assert!(printed.contains(&format!(" {bz_elements} elements")), "{printed}");

    // Every prefix of the tables, once, in table order (IPv4 then IPv6).
    let mut expected = ipasn(&data.join(DIR).join("ipasn_20260730.dat.gz"));
    expected.extend(ipasn(&data.join(DIR).join("ipasn6_20260730.dat.gz")));
    assert_eq!(bz.len(), expected.len());
    let (real4, _, t4) = origins(&data.join(DIR).join("rib.20260730.1400_first2MB.bz2"));
    let (real6, _, t6) = origins(&data.join(DIR).join("rib6.20260730.1400_firstMB.bz2"));
    assert!(t4 && t6, "the real RIBs are cut");
    let real: HashMap<String, Vec<Option<u32>>> = real4.into_iter().chain(real6).collect();
    let mut kept = 0;
    let mut made = HashSet::new();
    for ((prefix, got), (want_prefix, origin)) in bz.iter().zip(&expected) {
        assert_eq!(prefix, want_prefix);
        match real.get(prefix) {
            // A prefix of the real RIB keeps its real entries.
            Some(list) => {
                assert_eq!(got, list, "{prefix}");
                kept += 1;
            }
            // Any other prefix: every entry ends in the table's origin.
            None => {
                assert!(got.iter().all(|o| *o == Some(*origin)), "{prefix}: {got:?} vs {origin}");
                made.insert(prefix.clone());
            }
        }
    }
    assert!(kept > 20_000 && made.len() > 2_000, "kept {kept}, made {}", made.len());
}
