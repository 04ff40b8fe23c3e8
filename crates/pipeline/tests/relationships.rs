//! AS relationships inferred from the demo's RouteViews paths (2026-07-30
//! RIB parts and 2026-02-22 updates) against CAIDA's serial-2 inference of
//! 2024-08 (../shared/data, tests only), on the links both have.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use manrs_engine::hijacks::Relationship;
use manrs_engine::relationships::{Options, agreement, collapse, infer, infer_with};
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
    let count = |r: Relationship, x: Relationship| {
        conf.get(&format!("inferred {r:?} caida {x:?}")).copied().unwrap_or(0)
    };
    use Relationship::{CustomerOf as C, Peer as P, ProviderOf as Pr};
    // Customer-provider links in either order, as (ours, CAIDA's).
    let (pp, pc, cp) = (count(P, P), count(P, Pr) + count(P, C), count(Pr, P) + count(C, P));
    let (cc, rev) = (count(Pr, Pr) + count(C, C), count(Pr, C) + count(C, Pr));
    eprintln!("p2p/p2p {pp}, p2p/c2p {pc}, c2p/p2p {cp}, c2p/c2p same {cc}, reversed {rev}");
    assert_eq!((pp, pc, cp, cc, rev), (4_091, 471, 744, 11_809, 63));
    assert_eq!((shared, agree), (17_178, 15_900));
    assert!(share > 0.92);
    // What each step contributes: agreement with the step left out.
    let all = Options::default();
    let without = [
        ("poisoned paths kept", Options { discard_poisoned: false, ..all }),
        ("one top-down pass", Options { repeat_top_down: false, ..all }),
        ("no VP round", Options { vp_triplets: false, ..all }),
        ("no partial VPs", Options { partial_vps: false, ..all }),
        ("no customers of the clique", Options { customers_of_clique: false, ..all }),
        ("no adjacent unknown links", Options { adjacent_unknown: false, ..all }),
        (
            "steps 1-5 and 9 only",
            Options {
                vp_triplets: false,
                partial_vps: false,
                customers_of_clique: false,
                adjacent_unknown: false,
                ..all
            },
        ),
    ];
    let mut measured = Vec::new();
    for (what, o) in without {
        let (s, a) = agreement(&infer_with(paths.iter().map(Vec::as_slice), o), &caida);
        eprintln!("{what}: {a} of {s} ({:.1} %)", a as f64 * 100.0 / s as f64);
        measured.push(a);
    }
    assert_eq!(measured, [15_900, 15_889, 15_799, 15_900, 15_164, 15_705, 14_518]);
}
