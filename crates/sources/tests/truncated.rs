//! Truncated gzip input, built in memory: every reader ends with a
//! `Truncated` diagnostic (lenient) or a final error (strict), after yielding
//! what was complete.

use std::io::{Cursor, Write};

use manrs_input::Input;
use manrs_sources::asnames::AsNamesJsonReader;
use manrs_sources::caida::AsRelReader;
use manrs_sources::delegated::DelegatedReader;
use manrs_sources::iana::IanaReader;
use manrs_sources::ipasn::IpAsnReader;
use manrs_sources::spoofer::SpooferReader;
use manrs_types::{DiagKind, Mode};

fn gz(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// The gzip of `text`, cut in half.
fn cut(text: &str) -> Input {
    let z = gz(text.as_bytes());
    Input::from_reader("cut.gz", Cursor::new(z[..z.len() / 2].to_vec())).unwrap()
}

/// Runs a reader over the cut input in both modes and checks the ending.
fn check<I, T>(text: &str, make: impl Fn(Input, Mode) -> I)
where
    I: Iterator<Item = Result<T, manrs_types::Diagnostic>>,
{
    let items: Vec<_> = make(cut(text), Mode::Lenient).collect();
    assert!(items.iter().all(Result::is_ok), "lenient never yields Err");
    let mut r = make(cut(text), Mode::Strict);
    let mut ok = 0;
    let err = loop {
        match r.next() {
            Some(Ok(_)) => ok += 1,
            Some(Err(e)) => break e,
            None => panic!("strict read of a truncated input ended without an error"),
        }
    };
    assert_eq!(err.kind, DiagKind::Truncated, "{err}");
    assert!(err.to_string().starts_with("cut.gz: byte offset "), "{err}");
    assert!(r.next().is_none());
    assert_eq!(ok, items.len());
}

#[test]
fn every_reader_reports_truncation() {
    let mut delegated = String::from("2|afrinic|20260821|4000|00000000|20260821|00000\n");
    let mut asrel = String::new();
    let mut ipasn = String::from("; IP-ASN32-DAT file\n");
    let mut names = String::from("{");
    let mut iana = String::from("Prefix,Designation,Date,WHOIS,RDAP,Status [1],Note\n");
    let mut spoofer = String::from("{\"@id\":\"/sessions\",\"hydra:member\":[");
    for i in 0..4000u32 {
        delegated.push_str(&format!(
            "afrinic|ZA|asn|{}|1|19910301|allocated|F{:07X}\n",
            1000 + i,
            i * 7919
        ));
        asrel.push_str(&format!("{}|{}|-1|bgp\n", i, i * 31 + 7));
        ipasn.push_str(&format!("10.{}.{}.0/24\t{}\n", i / 256, i % 256, i * 13 + 1));
        names.push_str(&format!(
            "{}\"{}\": \"NAME-{} - Org {}, NL\"",
            if i > 0 { ", " } else { "" },
            i + 1,
            i * 7,
            i * 3
        ));
        iana.push_str(&format!("{:03}/8,Org {},1981-09,,,RESERVED,\n", i % 256, i * 17));
        spoofer.push_str(&format!(
            "{}{{\"@id\":\"/sessions/{i}\",\"session\":{i},\"routedspoof\":\"blocked\"}}",
            if i > 0 { "," } else { "" }
        ));
    }
    names.push('}');
    spoofer.push_str("]}");
    check(&delegated, DelegatedReader::new);
    check(&asrel, AsRelReader::new);
    check(&ipasn, IpAsnReader::new);
    check(&names, AsNamesJsonReader::new);
    check(&iana, IanaReader::new);
    check(&spoofer, SpooferReader::new);
}

#[test]
fn lenient_truncation_is_recorded() {
    let mut text = String::from(
        "2|lacnic|20240208|5000|19870101|20240208|-0300\nlacnic|*|asn|*|5000|summary\n",
    );
    for i in 0..5000u32 {
        text.push_str(&format!(
            "lacnic|BR|asn|{}|1|20200101|allocated|{}\n",
            10_000 + i,
            i * 104_729
        ));
    }
    let mut r = DelegatedReader::new(cut(&text), Mode::Lenient);
    let n = r.by_ref().count() as u64;
    assert!(n > 0 && n < 5000, "{n}");
    let d = r.diagnostics();
    assert!(d.truncated());
    // The cut also leaves the announced counts unmatched; both are reported.
    assert_eq!(d.kept()[0].kind, DiagKind::Truncated);
    assert!(
        d.kept()[1].message.contains(&format!("announces 5000 records, the file has {n}")),
        "{:?}",
        d.kept()
    );
}
