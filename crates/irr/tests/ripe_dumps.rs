//! Real RIPE Database split dumps (`../shared/data/irr-ripe-db-dump-2023-11`)
//! and the AS3257 aut-num. Expected counts were taken independently with
//! `zcat FILE | grep -c '^CLASS:'` (and `grep -c '^import:\|^mp-import:'`).

use manrs_irr::RpslReader;
use manrs_types::Mode;

fn read_all(rel: &str) -> Option<(Vec<manrs_irr::RpslObject>, RpslReader)> {
    let p = manrs_test_support::shared_file(rel)?;
    let mut r = RpslReader::open(p, Mode::Strict).unwrap();
    let objs = r.by_ref().collect::<Result<Vec<_>, _>>().unwrap();
    Some((objs, r))
}

#[test]
fn ripe_nonauth_routes() {
    let Some((objs, r)) = read_all("irr-ripe-db-dump-2023-11/ripe-nonauth.db.route.gz") else {
        return;
    };
    assert_eq!(objs.len(), 52_082);
    assert!(objs.iter().all(|o| o.class == "route" && o.source == "RIPE-NONAUTH"));
    let routes: Vec<_> = objs.iter().map(|o| o.route().unwrap().unwrap()).collect();
    assert_eq!(routes.len(), 52_082);
    // The first object of the dump.
    assert_eq!(routes[0].prefix.to_string(), "63.105.192.0/20");
    assert_eq!(routes[0].origin.0, 4663);
    assert_eq!(routes[0].mnt_by, vec!["AS4663-RIPE-MNT"]);
    assert!(r.diagnostics().is_empty());
}

#[test]
fn ripe_split_counts() {
    for (file, class, n) in [
        ("ripe.db.as-set.gz", "as-set", 25_174),
        ("ripe-nonauth.db.route6.gz", "route6", 1_356),
        ("ripe-nonauth.db.aut-num.gz", "aut-num", 2_109),
        ("ripe.db.as-block.gz", "as-block", 565),
        ("ripe.db.filter-set.gz", "filter-set", 170),
    ] {
        let Some((objs, r)) = read_all(&format!("irr-ripe-db-dump-2023-11/{file}")) else {
            return;
        };
        assert_eq!(objs.len(), n, "{file}");
        assert_eq!(r.classes().get(class), Some(&(n as u64)), "{file}");
        match class {
            "route6" => assert!(objs.iter().all(|o| o.route().unwrap().is_ok())),
            "aut-num" => assert!(objs.iter().all(|o| o.aut_num().unwrap().is_ok())),
            "as-set" => {
                let sets: Vec<_> = objs.iter().map(|o| o.as_set().unwrap()).collect();
                assert!(sets.iter().all(|s| s.name.to_ascii_uppercase().contains("AS-")));
                assert!(sets.iter().any(|s| !s.members.is_empty()));
            }
            _ => {}
        }
    }
}

#[test]
fn gtt_aut_num() {
    let Some((objs, _)) = read_all("irr-rpsl-samples/aut-num-AS3257.txt") else { return };
    assert_eq!(objs.len(), 1);
    let a = objs[0].aut_num().unwrap().unwrap();
    assert_eq!(a.asn.0, 3257);
    assert_eq!(a.as_name.as_deref(), Some("GTT-BACKBONE"));
    assert_eq!((a.imports, a.exports), (4_773, 4_773));
}
