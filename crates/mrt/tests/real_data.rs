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
/// 7,606 withdrawals, no state changes (bgpdump prints 118,663 lines, none of
/// them STATE, so the figure is the same with or without state changes).
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
/// 770,558 announcements + 131,940 withdrawals = 902,498 elements (bgpdump:
/// 902,498 lines, no STATE line among them); the
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
                && e.elem.elem_type == manrs_mrt::ElemType::ANNOUNCE
                && e.elem.prefix.prefix.to_string() == "208.65.153.0/24"
                && path.ends_with(" 17557")
            {
                first_hijack = Some(bgpdump::element_line(&e));
            }
        }
    }
    assert_eq!(total, 902_498);
    // The first announcement with origin AS17557: 2008-02-24 18:47:57 UTC,
    // via AS3491 (PCCW), exactly as bgpdump prints it.
    assert_eq!(
        first_hijack.expect("the AS17557 announcement"),
        "BGP4MP|1203878877|A|149.20.65.198|1280|208.65.153.0/24|1280 6461 3491 17557|IGP|\
         149.20.65.198|0|30||NAG||"
    );
}

/// Old and damaged RIS files and lab captures of other implementations:
/// every one is read without panic in both modes, and what cannot be decoded
/// is counted, never silently dropped. Element counts equal the `bgpdump -m`
/// A/W/B lines and state-change counts its STATE lines (Debian bgpdump
/// 1.6.2), except where noted.
#[test]
fn bgpkit_fixtures_and_lab_samples() {
    let ris = "ripe-ris-bgpkit-fixtures/ripe";
    let lab = "mrt-implementation-samples-mrtparse";
    // (file, elements, state changes, diagnostics)
    let expected: &[(&str, u64, u64, u64)] = &[
        // Deprecated MRT type 5 (BGP) records, state changes included.
        (&format!("{ris}/rrc00/1999.09/updates.19990903.1041.gz"), 65_311, 4, 0),
        (&format!("{ris}/rrc00/1999.12/updates.19991214.1621.gz"), 55_489, 27, 0),
        // Batched TABLE_DUMP records whose length field is 4 bytes short:
        // bgpdump stops after printing 1 line; the decoder repairs them.
        (&format!("{ris}/rrc00/2000.01/bview.20000111.0032.gz"), 452_018, 0, 0),
        (&format!("{ris}/rrc00/2000.01/updates.20000102.2014.gz"), 6_343, 16, 0),
        // Two damaged record boundaries (asserted in detail below): bgpdump
        // reads on through the damage and prints 2,046 lines, garbage
        // included; we stop at the first header that leaves no boundary.
        (&format!("{ris}/rrc00/2000.03/updates.20000325.0345.gz"), 4, 0, 3),
        // Zebra-shortened state-change and OPEN records: decoded.
        (&format!("{ris}/rrc01/2000.11/updates.20001104.0124.gz"), 519, 364, 0),
        // Quagga FSM states 7 (Clearing) and 8 (Deleted).
        (&format!("{ris}/rrc03/2010.02/updates.20100227.1600.first-796-records.gz"), 1_359, 4, 0),
        (&format!("{ris}/rrc15/2010.02/updates.20100227.1600.gz"), 53_786, 20, 0),
        (&format!("{ris}/rrc15/2010.02/updates.20100227.1610.gz"), 7_469, 16, 0),
        (&format!("{lab}/bird-mrtdump_bgp"), 12, 12, 0),
        // RIB entries without NEXT_HOP (and local routes without ORIGIN
        // and AS_PATH): one diagnostic per missing attribute.
        (&format!("{lab}/bird-mrtdump_rib"), 18, 0, 18),
        (&format!("{lab}/bird6-mrtdump_bgp"), 12, 12, 0),
        (&format!("{lab}/bird6-mrtdump_rib"), 10, 0, 18),
        // ADD-PATH NLRI in plain BGP4MP subtypes: bgpdump reads the path
        // identifiers as prefixes and prints 32 / 24 lines of 0.0.0.0/0.
        (&format!("{lab}/bird6_bgp"), 14, 12, 0),
        (&format!("{lab}/bird_bgp"), 14, 12, 0),
        // VPNv4 MP_REACH_NLRI (12-byte next hop, RFC 4364) is not decoded.
        (&format!("{lab}/openbgpd_bgp"), 93, 16, 6),
        (&format!("{lab}/openbgpd_rib_table"), 31, 0, 0),
        // BGP4MP_ENTRY records (subtype 2, not in RFC 6396): unsupported.
        (&format!("{lab}/openbgpd_rib_table-mp"), 0, 0, 31),
        // Two RIB_GENERIC records (VPNv4): unsupported.
        (&format!("{lab}/openbgpd_rib_table-v2"), 31, 0, 2),
        (&format!("{lab}/quagga_bgp"), 18, 20, 4),
        (&format!("{lab}/quagga_rib"), 9, 0, 0),
    ];
    for (file, elems, states, diags) in expected {
        let p = manrs_test_support::require_shared!(file);
        let (e, st, r, err) = count(&p, Mode::Lenient);
        assert!(err.is_none());
        for d in r.diagnostics().kept().iter().take(3) {
            eprintln!("  {d}");
        }
        assert_eq!((e, st, r.diagnostics().total()), (*elems, *states, *diags), "{file}");
        // Strict mode ends at the first problem, with an error iff there is one.
        let (_, _, _, err) = count(&p, Mode::Strict);
        assert_eq!(err.is_some(), *diags > 0, "{file}");
    }
}

/// The diagnostics of the known-corrupt and partly unsupported files name
/// the record, its offset and the reason.
#[test]
fn specific_diagnostics() {
    let diags = |file: &str| -> Vec<String> {
        let p = manrs_test_support::shared_file(file).expect("checked by require_shared");
        let (_, _, r, _) = count(&p, Mode::Lenient);
        let name = p.to_string_lossy().into_owned();
        r.diagnostics()
            .kept()
            .iter()
            .map(|d| d.to_string().strip_prefix(&name).unwrap_or_default().to_string())
            .collect()
    };
    let _ = manrs_test_support::require_shared!(
        "ripe-ris-bgpkit-fixtures/ripe/rrc00/2000.03/updates.20000325.0345.gz"
    );
    // The first damaged boundary: record 4's length runs into the next
    // records, so its body does not decode; the bytes after it do not start
    // a record (type 32305), and the one after that claims 3.4 GB.
    assert_eq!(
        diags("ripe-ris-bgpkit-fixtures/ripe/rrc00/2000.03/updates.20000325.0345.gz"),
        [
            ": record 4 at byte offset 188: malformed: BGP subtype 1: Error: not enough bytes \
             to read. remaining: 14542, required: 33274",
            ": record 5 at byte offset 14756: malformed: record header rejected: Error: cannot \
             parse entry type: 32305",
            ": record 6 at byte offset 15024: malformed: record length 3694573824 exceeds 16 \
             MiB: corrupt header, no record boundary to resume from; reading stops here",
        ]
    );
    let lab = "mrt-implementation-samples-mrtparse";
    let mp = diags(&format!("{lab}/openbgpd_rib_table-mp"));
    assert_eq!(mp.len(), 31);
    assert_eq!(
        mp[0],
        ": record 0 at byte offset 0: unsupported: BGP4MP subtype 2 (BGP4MP_ENTRY, not in \
         RFC 6396) is not decoded"
    );
    let v2 = diags(&format!("{lab}/openbgpd_rib_table-v2"));
    assert_eq!(v2.len(), 2);
    assert!(v2.iter().all(|d| d.contains(": unsupported: TABLE_DUMP_V2 subtype 6: ")), "{v2:?}");
    let vpn = diags(&format!("{lab}/quagga_bgp"));
    assert_eq!(vpn.len(), 4);
    assert!(
        vpn.iter().all(|d| d.contains(
            "malformed: BGP4MP: Optional attribute error for MP_REACHABLE_NLRI: Error: Invalid \
             next hop length found: 12"
        )),
        "{vpn:?}"
    );
}

/// Deprecated MRT type 5 (RIS 1999-2000): state changes and updates, printed
/// as bgpdump prints them except for two bgpdump defects (see README): it
/// leaves out the communities field of type-5 announcements and prints the
/// peer address instead of the withdrawn prefix.
#[test]
fn legacy_type5_lines() {
    let p = manrs_test_support::require_shared!(
        "ripe-ris-bgpkit-fixtures/ripe/rrc00/1999.09/updates.19990903.1041.gz"
    );
    let lines: Vec<String> = MrtReader::open(&p, Mode::Strict)
        .unwrap()
        .map(|i| i.unwrap().to_string())
        .take(5)
        .collect();
    assert_eq!(
        lines,
        [
            "BGP|936348099|STATE|193.0.0.56|3333|1|2",
            "BGP|936348099|STATE|193.0.0.56|3333|2|4",
            "BGP|936348099|STATE|193.0.0.56|3333|4|5",
            "BGP|936348099|STATE|193.0.0.56|3333|5|6",
            // bgpdump: ...|IGP|193.0.0.56|0|0|NAG|| (no communities field).
            "BGP|936348099|A|193.0.0.56|3333|24.28.160.0/19|3333 286 3561 12270|IGP|193.0.0.56|0|0\
             ||NAG||",
        ]
    );
}

/// OpenBGPD route-server RIB in TABLE_DUMP (2-byte AS) with AS4_PATH: the
/// AS path is the RFC 6793 §4.2.3 merge of AS_PATH and AS4_PATH, as bgpdump
/// prints it, never AS_TRANS (23456) in place of the real ASNs.
#[test]
fn table_dump_v1_as4_path_merge() {
    let p = manrs_test_support::require_shared!(
        "ixp-route-server-rib-namex-2020-09-29/namex-bgpd-rib-inet.mrt.gz"
    );
    let mut r = MrtReader::open(&p, Mode::Strict).unwrap();
    let mut lines = Vec::new();
    for item in r.by_ref() {
        let MrtItem::Element(e) = item.unwrap() else { panic!("RIB without state changes") };
        let path = e.elem.as_path.as_ref().map(|p| p.to_string()).unwrap_or_default();
        assert!(!path.split(' ').any(|a| a == "23456"), "{}", bgpdump::element_line(&e));
        lines.push(bgpdump::element_line(&e));
    }
    assert_eq!(lines.len(), 3_426);
    assert_eq!(
        lines[2],
        "TABLE_DUMP|1601382631|B|193.201.28.98|41327|2.56.128.0/22|41327 60501 209102|IGP|\
         193.201.28.98|100|500|0:1267 0:2906 0:8612 0:15589 0:20912 0:21056 0:28716 0:31034 \
         60501:1000|NAG||"
    );
}

/// IPv6 RIB (truncated bzip2): 164,279 entries as bgpdump reads them, and
/// prefixes printed in bgpdump's IPv6 notation.
#[test]
fn truncated_rib6_2026() {
    let p = manrs_test_support::require_shared!(
        "routeviews-rv2-rib-2026-07-30/rib6.20260730.1400_firstMB.bz2"
    );
    let mut r = MrtReader::open(&p, Mode::Lenient).unwrap();
    let mut n = 0u64;
    let mut seen = false;
    for item in r.by_ref() {
        let line = item.unwrap().to_string();
        n += 1;
        seen |= line.contains("|2001:270:ffff::61:43:8:0/112|");
    }
    assert_eq!(n, 164_279);
    assert!(seen, "bgpdump writes 2001:270:ffff:0:61:43:8:0 as 2001:270:ffff::61:43:8:0");
    assert_eq!(r.diagnostics().total(), 1);
    assert!(r.diagnostics().truncated());
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
