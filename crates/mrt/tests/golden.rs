//! Differential tests against bgpdump's own golden outputs
//! (`../shared/data/ripe-ris-bgpdump-testdata`).

use std::io::Read;

use manrs_mrt::{MrtReader, RouteItem, bgpdump};
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

/// The same lines through the route API (`next_route`, with its fast
/// TABLE_DUMP_V2 decoder).
fn ours_fast(path: &std::path::Path) -> (Vec<String>, MrtReader) {
    let mut r = MrtReader::open(path, Mode::Lenient).unwrap();
    let mut lines = Vec::new();
    while let Some(item) = r.next_route() {
        lines.push(match item.unwrap() {
            RouteItem::Route(route) => bgpdump::route_line(&route),
            RouteItem::State(s) => bgpdump::state_line(&s),
        });
    }
    (lines, r)
}

/// Fields where bgpdump prints a placeholder for an attribute the entry
/// does not carry: `INCOMPLETE` for a missing ORIGIN and `255.255.255.255`
/// (INADDR_NONE) for a missing next hop. We print those fields empty.
fn placeholder_match(ours: &str, theirs: &str) -> bool {
    let (o, t): (Vec<&str>, Vec<&str>) = (ours.split('|').collect(), theirs.split('|').collect());
    o.len() == t.len()
        && o.iter().zip(&t).all(|(a, b)| {
            a == b || (a.is_empty() && (*b == "INCOMPLETE" || *b == "255.255.255.255"))
        })
}

/// Compares our lines with bgpdump's; returns how many lines matched only
/// through a bgpdump placeholder.
fn check(name: &str) -> (usize, u64) {
    let Some(data) =
        manrs_test_support::shared_file(&format!("ripe-ris-bgpdump-testdata/test_data/{name}"))
    else {
        return (0, 0);
    };
    let Some(expect) = manrs_test_support::shared_file(&format!(
        "ripe-ris-bgpdump-testdata/test_expect/{name}.bgp.gz"
    )) else {
        return (0, 0);
    };
    let want = golden_lines(&expect);
    let mut result = Vec::new();
    // The iterator, then the route API: each must match bgpdump.
    for (api, (got, reader)) in [("iterator", ours(&data)), ("next_route", ours_fast(&data))] {
        let mut shown = 0;
        let mut placeholders = 0;
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            if g != w && placeholder_match(g, w) {
                placeholders += 1;
            } else if g != w && shown < 5 {
                eprintln!("{name} ({api}): line {}:\n  ours:    {g}\n  bgpdump: {w}", i + 1);
                shown += 1;
            }
        }
        assert_eq!(shown, 0, "{name} ({api}): lines differ");
        assert_eq!(
            got.len(),
            want.len(),
            "{name} ({api}): line count; diagnostics {:?}",
            reader.diagnostics().kept()
        );
        let d = reader.diagnostics();
        // The only problems tolerated are entries missing mandatory attributes.
        assert!(
            d.kept().iter().all(|d| d.message.contains("Missing well-known mandatory attribute")),
            "{name} ({api}): {:?}",
            d.kept()
        );
        result.push((placeholders, d.total()));
    }
    assert_eq!(result[0], result[1], "{name}: the two APIs");
    result[0]
}

macro_rules! golden {
    ($($fn:ident => $file:literal),* $(,)?) => {
        $(#[test] fn $fn() { assert_eq!(check($file), (0, 0), "no placeholder or diagnostic expected"); })*
    };
}

/// BIRD's ADD-PATH RIB test captures: entries whose attributes lack ORIGIN
/// or NEXT_HOP / MP_REACH_NLRI. bgpdump prints its placeholders there.
#[test]
fn bview_ipv4_add_path() {
    if manrs_test_support::shared_data_dir().is_some() {
        // Two local routes (peer 0.0.0.0) carry no ORIGIN, AS_PATH or
        // NEXT_HOP at all: 3 diagnostics each.
        assert_eq!(check("bview.ipv4_unicast_add_path.gz"), (2, 6));
    }
}

/// Every IPv6 ADD-PATH entry in this capture has ORIGIN, AS_PATH and
/// LOCAL_PREF but no MP_REACH_NLRI, so there is no next hop to print.
#[test]
fn bview_ipv6_add_path() {
    if manrs_test_support::shared_data_dir().is_some() {
        // One missing-next-hop diagnostic per entry (62), plus ORIGIN and
        // AS_PATH for the two local routes.
        assert_eq!(check("bview.ipv6_unicast_add_path.gz"), (62, 66));
    }
}

/// The single UPDATE's NLRI field is `0d 0b 0d 0b`: one /13 prefix and a
/// dangling byte announcing an 11-bit prefix with no address bytes. bgpdump
/// prints the first prefix and ignores the rest; RFC 7606 §5.3 makes an NLRI
/// field that cannot be parsed an error for the whole UPDATE, so we yield no
/// element and report the record as malformed.
#[test]
fn updates_nlri_mask_trailing_bits() {
    let data = manrs_test_support::require_shared!(
        "ripe-ris-bgpdump-testdata/test_data/updates.nlri_mask_trailing_bits.gz"
    );
    let expect = manrs_test_support::require_shared!(
        "ripe-ris-bgpdump-testdata/test_expect/updates.nlri_mask_trailing_bits.gz.bgp.gz"
    );
    assert_eq!(golden_lines(&expect).len(), 1);
    let (got, reader) = ours(&data);
    assert!(got.is_empty(), "{got:?}");
    let d = reader.diagnostics();
    assert_eq!(d.count(manrs_types::DiagKind::Malformed), 1);
    let text = d.kept()[0].to_string();
    assert!(text.contains("record 0 at byte offset 0"), "{text}");
    assert!(text.contains("truncated IPv4 prefix"), "{text}");
}

golden! {
    bview_20020722 => "bview.20020722.2337.gz",
    bview_64k_stream_overflow => "bview.64k_stream_overflow.gz",
    updates_20020722 => "updates.20020722.2238.gz",
    updates_20070211 => "updates.20070211.0141.gz",
    updates_20071015 => "updates.20071015.1505.gz",
    updates_20100722 => "updates.20100722.2015.gz",
    updates_20160811 => "updates.20160811.1600.gz",
    updates_et_header => "updates.et-header.2015.gz",
    updates_long_withdrawal => "updates.long_withdrawal.gz",
}

/// The TABLE_DUMP_V2 files above are read by the fast decoder of the route
/// API, not merely by its fallback: the record of more than 64 KiB, and the
/// ADD-PATH RIB entries that carry every mandatory attribute (the two local
/// routes without them fall back; so does every entry of the IPv6 file,
/// which has no MP_REACH_NLRI).
#[test]
fn golden_rib_files_take_the_fast_path() {
    for (name, fast, fallback) in [
        ("bview.64k_stream_overflow.gz", 1, 0),
        ("bview.ipv4_unicast_add_path.gz", 29, 2),
        ("bview.ipv6_unicast_add_path.gz", 0, 31),
    ] {
        let Some(data) =
            manrs_test_support::shared_file(&format!("ripe-ris-bgpdump-testdata/test_data/{name}"))
        else {
            return;
        };
        let (_, r) = ours_fast(&data);
        assert_eq!((r.fast_records(), r.fallback_records()), (fast, fallback), "{name}");
    }
}
