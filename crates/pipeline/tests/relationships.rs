//! AS relationships inferred from the demo's RouteViews paths (2026-07-30
//! RIB parts and 2026-02-22 updates) against CAIDA's serial-2 inference of
//! 2024-08 (../shared/data, tests only), on the links both have.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use manrs_engine::hijacks::Relationship;
use manrs_engine::relationships::{agreement, collapse, infer};
use manrs_input::Input;
use manrs_mrt::{MrtItem, MrtReader};
use manrs_sources::caida::{AsRelReader, Relationship as CaidaRel};
use manrs_types::{Asn, Mode};

fn demo_paths() -> HashSet<Vec<Asn>> {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/demo");
    let mut paths = HashSet::new();
    for f in [
        "rib.20260730.1400_first2MB.bz2",
        "rib6.20260730.1400_firstMB.bz2",
        "updates.20260222.1530.bz2",
    ] {
        for item in MrtReader::new(Input::open(demo.join(f)).unwrap(), Mode::Lenient).flatten() {
            let MrtItem::Element(e) = item else { continue };
            let Some(p) = &e.elem.as_path else { continue };
            let Some(seq) = p.to_u32_vec_opt(false) else { continue };
            paths.insert(collapse(&seq.into_iter().map(Asn).collect::<Vec<_>>()));
        }
    }
    paths
}

#[test]
fn inferred_relationships_agree_with_caida() {
    let Some(file) =
        manrs_test_support::shared_file("caida-as-relationships/20240801.as-rel2.txt.bz2")
    else {
        return;
    };
    let paths = demo_paths();
    let inferred = infer(paths.iter().map(Vec::as_slice));
    let mut caida: HashMap<(Asn, Asn), Relationship> = HashMap::new();
    for r in AsRelReader::new(Input::open(file).unwrap(), Mode::Lenient).flatten() {
        let (ab, ba) = match r.rel {
            CaidaRel::ProviderToCustomer => (Relationship::ProviderOf, Relationship::CustomerOf),
            CaidaRel::PeerToPeer => (Relationship::Peer, Relationship::Peer),
        };
        caida.insert((r.a, r.b), ab);
        caida.insert((r.b, r.a), ba);
    }
    let (shared, agree) = agreement(&inferred, &caida);
    let share = agree as f64 / shared as f64;
    eprintln!(
        "paths {}, inferred links {}, shared with CAIDA {shared}, agree {agree} ({:.1} %)",
        paths.len(),
        inferred.len() / 2,
        share * 100.0
    );
    let mut conf: std::collections::BTreeMap<String, u64> = std::collections::BTreeMap::new();
    for ((a, b), r) in &inferred {
        if a > b {
            continue;
        }
        if let Some(x) = caida.get(&(*a, *b)) {
            *conf.entry(format!("inferred {r:?} caida {x:?}")).or_default() += 1;
        }
    }
    eprintln!("{conf:#?}");
    // Measured, recorded in docs/action1.md; the goal of 95 % is not met.
    assert_eq!((shared, agree), (17_186, 14_915));
    assert!(share > 0.86);
}
