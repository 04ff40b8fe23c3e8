//! The Spoofer reader on `tests/fixtures/spoofer-sessions.json`, a page
//! constructed from the documented session fields (not real data; see
//! `tests/fixtures/README.md`).

use manrs_input::Input;
use manrs_sources::spoofer::{SpoofResult, SpooferReader};
use manrs_sources::{Format, detect, inspect};
use manrs_types::{Asn, DiagKind, Mode};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/spoofer-sessions.json");

#[test]
fn sessions_of_the_fixture() {
    let mut r = SpooferReader::open(FIXTURE, Mode::Lenient).unwrap();
    let s: Vec<_> = r.by_ref().map(Result::unwrap).collect();
    assert_eq!(
        s.iter().map(|s| s.session).collect::<Vec<_>>(),
        vec![100001, 100002, 100003, 100004, 100005, 100006]
    );
    // Received on IPv4 (100001) and on routed IPv6 (100004).
    assert_eq!(
        s.iter().filter(|s| s.spoofable()).map(|s| s.session).collect::<Vec<_>>(),
        vec![100001, 100004]
    );
    assert_eq!(s[0].routedspoof, Some(SpoofResult::Received));
    assert_eq!(
        (s[1].asn6, s[1].client6.unwrap().to_string()),
        (Some(Asn(64497)), "2001:db8:1::/48".to_string())
    );
    assert_eq!((s[2].nat4, s[2].privatespoof), (Some(true), Some(SpoofResult::Rewritten)));
    assert_eq!(
        (s[3].asn4, s[3].client4, s[3].nat4, s[3].routedspoof6),
        (None, None, None, Some(SpoofResult::Received))
    );
    assert_eq!((s[4].country.as_deref(), s[4].routedspoof), (None, Some(SpoofResult::Unknown)));
    assert_eq!(s[5].timestamp, None);
    assert_eq!(s[0].country.as_deref(), Some("nld"));
    let d = r.diagnostics().kept();
    assert_eq!((d.len(), d[0].kind), (1, DiagKind::Malformed));
    assert!(
        d[0].message.starts_with(
            "hydra:member[6] (/sessions/100007): privatespoof: unknown spoof result \"spoofed\""
        ),
        "{}",
        d[0]
    );
    assert_eq!((r.members(), r.sessions(), r.total_items(), r.next_page()), (7, 6, Some(7), None));
}

#[test]
fn detect_inspect_and_strict() {
    let mut input = Input::open(FIXTURE).unwrap();
    let head = input.peek(64 * 1024).unwrap();
    assert_eq!(detect(&head), Some(Format::SpooferJson));
    let s = inspect(Format::SpooferJson, input, Mode::Lenient).unwrap();
    assert_eq!(
        (s.format.as_str(), s.records, s.elements, s.counts["spoofable"]),
        ("spoofer-json", 7, 6, 2)
    );
    assert_eq!(s.diagnostics.total(), 1);
    let e = inspect(Format::SpooferJson, Input::open(FIXTURE).unwrap(), Mode::Strict).unwrap_err();
    assert!(e.message.contains("100007"), "{e}");
}
