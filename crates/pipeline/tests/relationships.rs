//! AS relationships inferred from the demo's RouteViews paths (2026-07-30
//! RIB parts and 2026-02-22 updates) against CAIDA's serial-2 inference of
//! 2024-08 (../shared/data, tests only), on the links both have; and, as a
//! check on data the inference was not tuned on, from RouteViews paths of
//! 2008 against CAIDA's serial-1 inference of 2008-02.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use manrs_engine::hijacks::Relationship;
use manrs_engine::leaks::{Relationships, SeenPath, detect_leaks};
use manrs_engine::relationships::{
    Family, Inferred, Options, agreement, collapse, infer_families, infer_families_with,
};
use manrs_input::Input;
use manrs_mrt::{MrtItem, MrtReader};
use manrs_sources::caida::{AsRelReader, Relationship as CaidaRel};
use manrs_types::{Asn, Mode};

fn demo_paths() -> HashSet<(Vec<Asn>, Family)> {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/demo");
    paths_of(
        [
            "rib.20260730.1400_first2MB.bz2",
            "rib6.20260730.1400_firstMB.bz2",
            "updates.20260222.1530.bz2",
        ]
        .map(|f| demo.join(f)),
    )
}

/// The distinct AS paths (prepending removed) of MRT files, each with the
/// address family of its routes; truncated files are read up to their last
/// whole record.
fn paths_of(files: impl IntoIterator<Item = PathBuf>) -> HashSet<(Vec<Asn>, Family)> {
    let mut paths = HashSet::new();
    for f in files {
        for item in MrtReader::new(Input::open(f).unwrap(), Mode::Lenient).flatten() {
            let MrtItem::Element(e) = item else { continue };
            let Some(p) = &e.elem.as_path else { continue };
            let Some(seq) = p.to_u32_vec_opt(false) else { continue };
            let family =
                if e.elem.prefix.prefix.addr().is_ipv4() { Family::Ipv4 } else { Family::Ipv6 };
            paths.insert((collapse(&seq.into_iter().map(Asn).collect::<Vec<_>>()), family));
        }
    }
    paths
}

/// Relationships of both families, inferred with `opts`.
fn inferred(paths: &HashSet<(Vec<Asn>, Family)>, opts: Options) -> Inferred {
    infer_families_with(paths.iter().map(|(p, f)| (p.as_slice(), *f)), opts)
}

/// Both orders of every link of a CAIDA AS-relationship file.
fn caida(file: PathBuf) -> HashMap<(Asn, Asn), Relationship> {
    let mut caida: HashMap<(Asn, Asn), Relationship> = HashMap::new();
    for r in AsRelReader::new(Input::open(file).unwrap(), Mode::Lenient).flatten() {
        let (ab, ba) = match r.rel {
            CaidaRel::ProviderToCustomer => (Relationship::ProviderOf, Relationship::CustomerOf),
            CaidaRel::PeerToPeer => (Relationship::Peer, Relationship::Peer),
        };
        caida.insert((r.a, r.b), ab);
        caida.insert((r.b, r.a), ba);
    }
    caida
}

#[test]
fn inferred_relationships_agree_with_caida() {
    let Some(file) =
        manrs_test_support::shared_file("caida-as-relationships/20240801.as-rel2.txt.bz2")
    else {
        return;
    };
    let paths = demo_paths();
    let all = Options::default();
    let both = inferred(&paths, all);
    let caida = caida(file);
    // CAIDA infers from IPv4 paths: its relationships are compared with
    // ours of IPv4.
    let (shared, agree) = agreement(&both.ipv4, &caida);
    let share = agree as f64 / shared as f64;
    eprintln!(
        "paths {}, IPv4 links {}, shared with CAIDA {shared}, agree {agree} ({:.2} %)",
        paths.len(),
        both.ipv4.len() / 2,
        share * 100.0
    );
    // Of IPv6, and of the paths of both families taken as one (as before
    // relationships were inferred per family), for the record.
    let (s6, a6) = agreement(&both.ipv6, &caida);
    let one = paths.iter().map(|(p, _)| (p.as_slice(), Family::Ipv4));
    let (s1, a1) = agreement(&infer_families(one).ipv4, &caida);
    for (what, s, a) in [("IPv6", s6, a6), ("both families as one", s1, a1)] {
        eprintln!("{what}: {a} of {s} ({:.2} %)", a as f64 * 100.0 / s as f64);
    }
    assert_eq!((s6, a6, s1, a1), (7_080, 6_445, 17_178, 16_150));
    let mut conf: std::collections::BTreeMap<String, u64> = std::collections::BTreeMap::new();
    for ((a, b), r) in &both.ipv4 {
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
    assert_eq!((pp, pc, cp, cc, rev), (2_907, 152, 404, 8_931, 55));
    assert_eq!((shared, agree), (12_449, 11_838));
    assert!(share > 0.95);
    // What each step contributes: agreement with the step left out.
    let without = [
        ("poisoned paths kept", Options { discard_poisoned: false, ..all }),
        ("one top-down pass", Options { repeat_top_down: false, ..all }),
        ("no VP round", Options { vp_triplets: false, ..all }),
        ("no VP peers in the VP round", Options { vp_peers: false, ..all }),
        ("no VP customers", Options { vp_customers: false, ..all }),
        ("partial-view VPs as providers", Options { partial_vps: true, ..all }),
        ("no customers of the clique", Options { customers_of_clique: false, ..all }),
        (
            "peer-sized neighbours as customers of the clique",
            Options { clique_peers_by_degree: false, ..all },
        ),
        ("no adjacent unknown links", Options { adjacent_unknown: false, ..all }),
        (
            "steps 1-5 and 9 only",
            Options {
                vp_triplets: false,
                vp_peers: false,
                partial_vps: false,
                vp_customers: false,
                customers_of_clique: false,
                clique_peers_by_degree: false,
                adjacent_unknown: false,
                ..all
            },
        ),
    ];
    let mut measured = Vec::new();
    for (what, o) in without {
        let (s, a) = agreement(&inferred(&paths, o).ipv4, &caida);
        eprintln!("{what}: {a} of {s} ({:.2} %)", a as f64 * 100.0 / s as f64);
        measured.push(a);
    }
    assert_eq!(
        measured,
        [11_838, 11_821, 11_483, 11_564, 11_833, 11_837, 11_404, 11_778, 11_793, 10_319]
    );
    // What the relationships are for: valley-free violations on the same
    // paths (leak candidates), per family.
    let seen: Vec<SeenPath> = paths
        .iter()
        .map(|(p, f)| SeenPath {
            path: p.clone(),
            prefix: match f {
                Family::Ipv4 => "192.0.2.0/24",
                Family::Ipv6 => "2001:db8::/32",
            }
            .parse()
            .unwrap(),
            peer: 0,
            first: 0,
            last: 0,
            count: 1,
            otc: None,
        })
        .collect();
    let leaks = |r: &Relationships<'_>| {
        let found = detect_leaks(&seen, r);
        let v4 = found.iter().filter(|l| l.path.prefix.is_ipv4()).count();
        (v4, found.len() - v4)
    };
    let without = inferred(&paths, Options { vp_customers: false, ..all });
    let one = paths.iter().map(|(p, _)| (p.as_slice(), Family::Ipv4));
    let one = infer_families(one).ipv4;
    let one_without = paths.iter().map(|(p, _)| (p.as_slice(), Family::Ipv4));
    let one_without = infer_families_with(one_without, Options { vp_customers: false, ..all });
    let counts = [
        leaks(&|f| both.of(f)),
        leaks(&|f| without.of(f)),
        leaks(&|_| &one),
        leaks(&|_| &one_without.ipv4),
        leaks(&|_| &caida),
    ];
    eprintln!(
        "leaks (IPv4, IPv6): default, no VP customers, families as one (with, without), CAIDA: {counts:?}"
    );
    // Recorded in docs/action1.md: taking as customers the collector peers
    // that get their neighbour's provider or peer routes removes most
    // candidates (the hop to a collector peer with a full feed).
    assert_eq!(
        counts,
        [(570, 2_473), (14_097, 7_193), (527, 2_438), (5_662, 7_320), (8_531, 10_919)]
    );
}

/// The same inference on data it was not tuned on: the paths of the 2008
/// YouTube window (RouteViews route-views2 updates, 2008-02-24 18:07-21:41)
/// and of the first MiB of a RouteViews RIB of 2008-05-01, against CAIDA's
/// inference of 2008-02.
#[test]
fn inferred_relationships_of_2008_agree_with_caida() {
    let Some(file) =
        manrs_test_support::shared_file("caida-as-relationships/20080201.as-rel.txt.bz2")
    else {
        return;
    };
    let Some(window) =
        manrs_test_support::shared_file("incident-2008-02-24-youtube-pakistan-routeviews")
    else {
        return;
    };
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(window).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    assert_eq!(files.len(), 14);
    files.push(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/demo/rib.20080501.0644_firstMB.bz2"),
    );
    let paths = paths_of(files);
    let caida = caida(file);
    let all = Options::default();
    let mut measured = Vec::new();
    // The defaults, each change made with the 2024 links turned back alone,
    // and all of them (step 6 on, no VP peers, no peer-sized neighbours of
    // the clique; the correction of the clique's extension stays).
    let before = Options {
        vp_peers: false,
        clique_peers_by_degree: false,
        partial_vps: true,
        vp_customers: false,
        ..all
    };
    for o in [
        all,
        Options { vp_customers: false, ..all },
        Options { vp_peers: false, ..all },
        Options { clique_peers_by_degree: false, ..all },
        Options { partial_vps: true, ..all },
        before,
    ] {
        let both = inferred(&paths, o);
        assert!(both.ipv6.is_empty());
        let (s, a) = agreement(&both.ipv4, &caida);
        eprintln!("paths {}, {a} of {s} ({:.2} %)", paths.len(), a as f64 * 100.0 / s as f64);
        measured.push(a);
        assert_eq!(s, 11_150);
    }
    assert_eq!(measured, [10_624, 10_627, 10_545, 10_505, 10_565, 10_377]);
    assert!(measured[0] as f64 / 11_150.0 > 0.95);
}
