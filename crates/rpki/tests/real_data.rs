//! The VRP reader on the real rpki-client export in `../shared/data`
//! (rpki-client 9.x, 2025-07-20, all five RIR trust anchors).
//!
//! The expected figures were checked independently by loading the
//! decompressed file with Python's `json` module: 723,521 `roas` entries, all
//! distinct (the metadata's `uniquevrps` is the same number; `vrps` there is
//! 731,896 before de-duplication), 100 `aspas` entries, 2 `bgpsec_keys`.

use std::io::{Cursor, Read};

use manrs_input::Input;
use manrs_rpki::{Format, Payload, VrpReader, inspect};
use manrs_types::{Asn, DiagKind, Location, Mode};

const FILE: &str = "rpki-client-vrps-2025-07-20/rpkiclient_summary_20250720T093135Z.json.bz2";

#[test]
fn full_rpki_client_export() {
    let path = manrs_test_support::require_shared!(FILE);
    let mut reader = VrpReader::open(&path, Mode::Strict).unwrap();
    assert_eq!(reader.format(), Some(Format::RpkiClientJson));
    let mut first = None;
    let mut cloudflare_aspa = None;
    for item in reader.by_ref() {
        match item.unwrap() {
            Payload::Vrp(v) if first.is_none() => first = Some(v),
            Payload::Aspa(a) if a.customer == Asn(945) => cloudflare_aspa = Some(a),
            _ => {}
        }
    }
    let c = reader.counts();
    assert_eq!(c.vrps, 723_521);
    assert_eq!(c.aspas, 100);
    assert_eq!(c.bgpsec_keys, 2);
    assert_eq!(c.records, 723_521 + 100 + 2);
    assert_eq!((c.vrps_ipv4, c.vrps_ipv6), (580_366, 143_155));
    let per_ta: Vec<(&str, u64)> = c.per_ta.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert_eq!(
        per_ta,
        vec![
            ("afrinic", 26_326),
            ("apnic", 153_201),
            ("arin", 203_995),
            ("lacnic", 39_011),
            ("ripe", 300_988)
        ]
    );
    assert!(reader.diagnostics().is_empty(), "{:?}", reader.diagnostics().kept());

    let v = first.unwrap();
    assert_eq!(
        (v.asn, v.prefix.to_string(), v.max_len, v.ta.as_deref()),
        (Asn(13335), "1.0.0.0/24".into(), 24, Some("apnic"))
    );
    // The first entry of the aspas array: { "customer_asid": 945, "providers": [ 13213, 150369 ] }.
    assert_eq!(cloudflare_aspa.unwrap().providers, vec![Asn(13213), Asn(150369)]);
}

#[test]
fn inspect_counts() {
    let path = manrs_test_support::require_shared!(FILE);
    let s = inspect(Input::open(&path).unwrap(), Mode::Lenient).unwrap();
    assert_eq!(s.format, "rpki-client-json");
    assert_eq!(s.counts["vrps"], 723_521);
    assert_eq!(s.counts["aspas"], 100);
    assert_eq!(s.counts["bgpsecKeys"], 2);
    assert_eq!(s.counts["ta:ripe"], 300_988);
    assert_eq!(s.elements, 723_621);
    assert!(s.diagnostics.is_empty());
}

#[test]
fn truncated_bzip2_ends_with_truncated_diagnostic() {
    let path = manrs_test_support::require_shared!(FILE);
    let mut bytes = Vec::new();
    std::fs::File::open(&path).unwrap().read_to_end(&mut bytes).unwrap();
    // Well inside the roas array (the file is 2.8 MB compressed).
    bytes.truncate(1_000_000);

    let input = Input::from_reader("cut.json.bz2", Cursor::new(bytes.clone())).unwrap();
    let mut reader = VrpReader::new(input, Mode::Lenient);
    let mut n = 0u64;
    for item in reader.by_ref() {
        item.unwrap();
        n += 1;
    }
    assert!(n > 100_000 && n < 723_521, "{n} VRPs before the cut");
    let d = reader.diagnostics();
    assert_eq!(d.total(), 1, "{:?}", d.kept());
    let t = &d.kept()[0];
    assert_eq!(t.kind, DiagKind::Truncated);
    assert!(matches!(t.location, Location::Byte(b) if b > 0));

    let input = Input::from_reader("cut.json.bz2", Cursor::new(bytes)).unwrap();
    let items: Vec<_> = VrpReader::new(input, Mode::Strict).collect();
    let (last, good) = items.split_last().unwrap();
    assert_eq!(good.len() as u64, n);
    assert!(good.iter().all(Result::is_ok));
    assert_eq!(last.as_ref().unwrap_err().kind, DiagKind::Truncated);
}
