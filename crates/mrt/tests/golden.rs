//! Differential tests against bgpdump's own golden outputs
//! (`../shared/data/ripe-ris-bgpdump-testdata`).

use std::io::Read;

use manrs_mrt::{MrtReader, bgpdump};
use manrs_types::Mode;

fn golden_lines(path: &std::path::Path) -> Vec<String> {
    let mut s = String::new();
    flate2::read::MultiGzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_string(&mut s)
        .unwrap();
    s.lines().map(str::to_string).collect()
}

fn ours(path: &std::path::Path) -> (Vec<String>, MrtReader) {
    let mut r = MrtReader::open(path, Mode::Lenient).unwrap();
    let lines = r.by_ref().map(|i| bgpdump::line(&i.unwrap())).collect();
    (lines, r)
}

fn check(name: &str) {
    let data = manrs_test_support::require_shared!(&format!(
        "ripe-ris-bgpdump-testdata/test_data/{name}"
    ));
    let expect = manrs_test_support::require_shared!(&format!(
        "ripe-ris-bgpdump-testdata/test_expect/{name}.bgp.gz"
    ));
    let want = golden_lines(&expect);
    let (got, reader) = ours(&data);
    let mut shown = 0;
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        if g != w && shown < 5 {
            eprintln!("{name}: line {}:\n  ours:    {g}\n  bgpdump: {w}", i + 1);
            shown += 1;
        }
    }
    assert_eq!(shown, 0, "{name}: lines differ");
    assert_eq!(got.len(), want.len(), "{name}: line count; diagnostics {:?}", reader.diagnostics().kept());
}

macro_rules! golden {
    ($($fn:ident => $file:literal),* $(,)?) => {
        $(#[test] fn $fn() { check($file); })*
    };
}

golden! {
    bview_20020722 => "bview.20020722.2337.gz",
    bview_64k_stream_overflow => "bview.64k_stream_overflow.gz",
    bview_ipv4_add_path => "bview.ipv4_unicast_add_path.gz",
    bview_ipv6_add_path => "bview.ipv6_unicast_add_path.gz",
    updates_20020722 => "updates.20020722.2238.gz",
    updates_20070211 => "updates.20070211.0141.gz",
    updates_20071015 => "updates.20071015.1505.gz",
    updates_20100722 => "updates.20100722.2015.gz",
    updates_20160811 => "updates.20160811.1600.gz",
    updates_et_header => "updates.et-header.2015.gz",
    updates_long_withdrawal => "updates.long_withdrawal.gz",
    updates_nlri_mask_trailing_bits => "updates.nlri_mask_trailing_bits.gz",
}
