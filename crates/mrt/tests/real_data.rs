//! Counts on real RouteViews and RIS data (`../shared/data`), checked
//! against Debian's bgpdump 1.6.2 (`bgpdump -m FILE | wc -l`).

use std::io::Read;

use manrs_input::Input;
use manrs_mrt::{MrtItem, MrtReader, bgpdump};
use manrs_types::{DiagKind, Mode};

fn count(
    path: &std::path::Path,
    mode: Mode,
) -> (u64, u64, MrtReader, Option<manrs_types::Diagnostic>) {
    let mut r = MrtReader::open(path, mode).unwrap();
    let (mut elems, mut states, mut err) = (0, 0, None);
    for item in r.by_ref() {
        match item {
            Ok(MrtItem::Element(_)) => elems += 1,
            Ok(MrtItem::State(_)) => states += 1,
            Err(e) => err = Some(e),
        }
    }
    (elems, states, r, err)
}

/// The first 2 MiB of a RouteViews TABLE_DUMP_V2 RIB, cut inside a bzip2
/// block: bgpdump prints 679,347 lines before the cut.
#[test]
fn truncated_rib_2026() {
    let p = manrs_test_support::require_shared!(
        "routeviews-rv2-rib-2026-07-30/rib.20260730.1400_first2MB.bz2"
    );
    let (elems, states, r, err) = count(&p, Mode::Lenient);
    assert_eq!((elems, states), (679_347, 0));
    assert!(err.is_none());
    let d = r.diagnostics();
    assert_eq!(d.total(), 1, "{:?}", d.kept());
    assert!(d.truncated());
    assert_eq!(d.kept()[0].kind, DiagKind::Truncated);
    assert!(d.kept()[0].to_string().contains("input ends early"), "{}", d.kept()[0]);
    assert_eq!(r.records_per_type().get("TABLE_DUMP_V2"), Some(&r.records()));

    // Strict mode yields the same elements, then the truncation as the error.
    let (elems, _, _, err) = count(&p, Mode::Strict);
    assert_eq!(elems, 679_347);
    assert_eq!(err.map(|e| e.kind), Some(DiagKind::Truncated));
}

/// RouteViews route-views2 BGP4MP_ET updates: 111,057 announcements and
/// 7,606 withdrawals, no state changes.
#[test]
fn updates_2026() {
    let p = manrs_test_support::require_shared!(
        "routeviews-rv2-updates-2026-02-22/updates.20260222.1530.bz2"
    );
    let mut r = MrtReader::open(&p, Mode::Strict).unwrap();
    let (mut a, mut w) = (0, 0);
    for item in r.by_ref() {
        let MrtItem::Element(e) = item.unwrap() else { panic!("no state changes expected") };
        assert!(e.micros.is_some(), "BGP4MP_ET carries microseconds");
        match e.elem.elem_type {
            manrs_mrt::ElemType::ANNOUNCE => a += 1,
            manrs_mrt::ElemType::WITHDRAW => w += 1,
        }
    }
    assert_eq!((a, w), (111_057, 7_606));
    assert_eq!(a + w, 118_663);
    assert!(r.diagnostics().is_empty(), "{:?}", r.diagnostics().kept());
}

/// The 2008-02-24 YouTube hijack window: 14 RouteViews update files,
/// 770,558 announcements + 131,940 withdrawals = 902,498 elements; the
/// first announcement of 208.65.153.0/24 by AS17557 (via AS3491) is at
/// 18:47:57 UTC.
#[test]
fn youtube_2008_window() {
    let dir =
        manrs_test_support::require_shared!("incident-2008-02-24-youtube-pakistan-routeviews");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "bz2"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 14);
    let (mut total, mut first_hijack) = (0u64, None);
    for f in &files {
        let mut r = MrtReader::open(f, Mode::Strict).unwrap();
        for item in r.by_ref() {
            let MrtItem::Element(e) = item.unwrap() else { continue };
            total += 1;
            let path = e.elem.as_path.as_ref().map(|p| p.to_string()).unwrap_or_default();
            if first_hijack.is_none()
                && e.elem.prefix.prefix.to_string() == "208.65.153.0/24"
                && path.ends_with(" 3491 17557")
            {
                first_hijack = Some(bgpdump::element_line(&e));
            }
        }
    }
    assert_eq!(total, 902_498);
    let line = first_hijack.expect("the AS17557 announcement");
    // 2008-02-24 18:47:57 UTC.
    assert!(line.starts_with("BGP4MP|1203878877|A|"), "{line}");
}

/// Old and damaged RIS files and lab captures of other implementations:
/// every one is read without panic in both modes, and what cannot be decoded
/// is counted, never silently dropped. Element counts equal `bgpdump -m`
/// lines (without STATE lines) except where noted.
#[test]
fn bgpkit_fixtures_and_lab_samples() {
    let ris = "ripe-ris-bgpkit-fixtures/ripe";
    let lab = "mrt-implementation-samples-mrtparse";
    // (file, elements, diagnostics)
    let expected: &[(&str, u64, u64)] = &[
        (&format!("{ris}/rrc00/1999.09/updates.19990903.1041.gz"), 65_311, 0),
        (&format!("{ris}/rrc00/1999.12/updates.19991214.1621.gz"), 55_489, 0),
        // Batched TABLE_DUMP records whose length field is 4 bytes short:
        // bgpdump stops after printing 1 line; the decoder repairs them.
        (&format!("{ris}/rrc00/2000.01/bview.20000111.0032.gz"), 452_018, 0),
        (&format!("{ris}/rrc00/2000.01/updates.20000102.2014.gz"), 6_343, 0),
        // Two damaged record boundaries: bgpdump resynchronises and prints
        // 2,046 lines; we stop at the first damaged header with a diagnostic
        // (no heuristic resynchronisation yet).
        (&format!("{ris}/rrc00/2000.03/updates.20000325.0345.gz"), 4, 3),
        (&format!("{ris}/rrc01/2000.11/updates.20001104.0124.gz"), 519, 0),
        (&format!("{ris}/rrc03/2010.02/updates.20100227.1600.first-796-records.gz"), 1_359, 0),
        (&format!("{ris}/rrc15/2010.02/updates.20100227.1600.gz"), 53_786, 0),
        (&format!("{ris}/rrc15/2010.02/updates.20100227.1610.gz"), 7_469, 0),
        (&format!("{lab}/bird-mrtdump_bgp"), 12, 0),
        // RIB entries without NEXT_HOP: one diagnostic each.
        (&format!("{lab}/bird-mrtdump_rib"), 18, 18),
        (&format!("{lab}/bird6-mrtdump_bgp"), 12, 0),
        (&format!("{lab}/bird6-mrtdump_rib"), 10, 18),
        // ADD-PATH NLRI in plain BGP4MP subtypes: bgpdump reads the path
        // identifiers as prefixes and prints 32 / 24 lines of 0.0.0.0/0.
        (&format!("{lab}/bird6_bgp"), 14, 0),
        (&format!("{lab}/bird_bgp"), 14, 0),
        (&format!("{lab}/openbgpd_bgp"), 93, 6),
        (&format!("{lab}/openbgpd_rib_table"), 31, 0),
        (&format!("{lab}/openbgpd_rib_table-mp"), 0, 31),
        (&format!("{lab}/openbgpd_rib_table-v2"), 31, 2),
        (&format!("{lab}/quagga_bgp"), 18, 4),
        (&format!("{lab}/quagga_rib"), 9, 0),
    ];
    for (file, elems, diags) in expected {
        let p = manrs_test_support::require_shared!(file);
        let (e, _, r, err) = count(&p, Mode::Lenient);
        assert!(err.is_none());
        for d in r.diagnostics().kept().iter().take(3) {
            eprintln!("  {d}");
        }
        assert_eq!((e, r.diagnostics().total()), (*elems, *diags), "{file}");
        // Strict mode ends at the first problem, with an error iff there is one.
        let (_, _, _, err) = count(&p, Mode::Strict);
        assert_eq!(err.is_some(), *diags > 0, "{file}");
    }
}

/// A plain (uncompressed) file cut inside a record body ends with a
/// truncated diagnostic naming the record and its offset.
#[test]
fn plain_file_cut_inside_a_record() {
    let p = manrs_test_support::require_shared!(
        "ripe-ris-bgpdump-testdata/test_data/updates.20020722.2238.gz"
    );
    let mut raw = Vec::new();
    Input::open(&p).unwrap().read_to_end(&mut raw).unwrap();
    let full = MrtReader::new(
        Input::from_reader("full", std::io::Cursor::new(raw.clone())).unwrap(),
        Mode::Lenient,
    )
    .filter(|i| i.is_ok())
    .count();
    raw.truncate(raw.len() - 5);
    let mut r = MrtReader::new(
        Input::from_reader("cut.mrt", std::io::Cursor::new(raw)).unwrap(),
        Mode::Lenient,
    );
    let got = r.by_ref().filter(|i| i.is_ok()).count();
    assert!(got <= full && got > 0, "{got} {full}");
    let d = r.diagnostics();
    assert_eq!(d.total(), 1);
    let text = d.kept()[0].to_string();
    assert!(text.starts_with("cut.mrt: record "), "{text}");
    assert!(text.contains("truncated: file ends inside a record: truncated MRT body"), "{text}");
}
