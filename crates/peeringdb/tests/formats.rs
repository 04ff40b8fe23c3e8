//! The PeeringDB reader on small handmade API pages and dumps (invented
//! data), including bad objects and the exact diagnostic each one gets.

use std::io::Cursor;

use manrs_input::Input;
use manrs_peeringdb::{Format, Object, ObjectType, PeeringDbReader, SetEntry, detect, inspect};
use manrs_types::{Asn, DiagKind, Diagnostic, Location, Mode};

fn input(text: &str) -> Input {
    Input::from_reader("t.json", Cursor::new(text.as_bytes().to_vec())).unwrap()
}

fn lenient(r: PeeringDbReader) -> (Vec<Object>, Vec<(Location, DiagKind, String)>) {
    let mut r = r;
    let items: Vec<Object> = r.by_ref().map(|i| i.expect("lenient never fails")).collect();
    let diags =
        r.diagnostics().kept().iter().map(|d| (d.location, d.kind, d.message.clone())).collect();
    (items, diags)
}

fn strict(text: &str) -> (usize, Option<Diagnostic>) {
    let mut r = PeeringDbReader::new(input(text), Mode::Strict);
    let mut ok = 0;
    let mut err = None;
    for item in r.by_ref() {
        match item {
            Ok(_) => ok += 1,
            Err(e) => {
                assert!(err.is_none(), "only one error");
                err = Some(e);
            }
        }
    }
    assert!(r.next().is_none(), "fused");
    (ok, err)
}

const DUMP: &str = r#"{
  "org": {"data": [
    {"id": 10, "name": "Example Org", "country": "NL", "city": "Amsterdam", "website": "https://example.net", "status": "ok", "address1": "x"}
  ], "meta": {}},
  "net": {"data": [
    {"id": 1, "org_id": 10, "name": "Example Net", "aka": "", "asn": 64496, "irr_as_set": "AS-EXAMPLE",
     "info_type": "NSP", "info_prefixes4": 10, "info_prefixes6": null, "policy_general": "Open",
     "website": "", "status": "ok", "created": "2020-01-01T00:00:00Z", "updated": "2021-01-01T00:00:00Z",
     "poc_set": [100, 101], "unknown_member": {"x": [1, 2]}},
    {"id": 2, "org_id": 10, "name": "No ASN"},
    {"id": 3, "asn": "AS64497", "name": "String ASN"}
  ]},
  "poc": {"data": [
    {"id": 100, "net_id": 1, "role": "NOC", "visible": "Public", "name": "Example NOC", "phone": "", "email": "noc@example.net", "url": "", "status": "ok"},
    {"id": 101, "net_id": 1, "role": "Abuse", "visible": "Users"}
  ]},
  "ixpfx": {"data": [{"id": 7, "ixlan_id": 1, "protocol": "IPv4", "prefix": "192.0.2.0/24"}]}
}"#;

#[test]
fn dump_with_net_org_poc() {
    assert_eq!(detect(DUMP.as_bytes()), Some(Format::Dump));
    let (items, diags) = lenient(PeeringDbReader::new(input(DUMP), Mode::Lenient));
    let types: Vec<String> = items.iter().map(|o| o.object_type().to_string()).collect();
    assert_eq!(types, ["org", "net", "net", "poc", "poc", "ixpfx"]);
    let Object::Org(org) = &items[0] else { panic!("org") };
    assert_eq!((org.id, org.country.map(|c| c.to_string())), (10, Some("NL".to_string())));
    let Object::Net(net) = &items[1] else { panic!("net") };
    assert_eq!(
        (net.asn, net.org_id, net.info_prefixes4, net.info_prefixes6),
        (Asn(64496), Some(10), Some(10), None)
    );
    assert_eq!(net.poc_set, [SetEntry::Id(100), SetEntry::Id(101)]);
    let Object::Net(net) = &items[2] else { panic!("net") };
    assert_eq!(net.asn, Asn(64497));
    let Object::Poc(poc) = &items[3] else { panic!("poc") };
    assert_eq!((poc.net_id, poc.role.as_deref()), (Some(1), Some("NOC")));
    let Object::Poc(poc) = &items[4] else { panic!("poc") };
    assert_eq!((poc.email.as_deref(), poc.visible.as_deref()), (None, Some("Users")));
    assert!(
        matches!(&items[5], Object::Other { kind: ObjectType::IxPfx, fields } if fields["prefix"] == "192.0.2.0/24")
    );
    assert_eq!(
        diags,
        [(
            Location::Line(10),
            DiagKind::Malformed,
            "bad net object: missing field `asn`".to_string()
        )]
    );

    let s = inspect(input(DUMP), Mode::Lenient).unwrap();
    assert_eq!(s.format, "peeringdb-dump");
    assert_eq!((s.records, s.elements), (7, 6));
    let counts: Vec<(&str, u64)> = s.counts.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert_eq!(counts, [("ixpfx", 1), ("net", 2), ("org", 1), ("poc", 2)]);
    let e = inspect(input(DUMP), Mode::Strict).unwrap_err();
    assert_eq!(e.to_string(), "t.json: line 10: malformed: bad net object: missing field `asn`");
}

const PAGE: &str = "{\"data\": [\n{\"id\": 1, \"net_id\": 5, \"ix_id\": 2, \"ixlan_id\": 2, \"asn\": 64496, \"ipaddr4\": \"192.0.2.1\", \"ipaddr6\": null, \"speed\": 10000, \"is_rs_peer\": true, \"operational\": true, \"status\": \"ok\"},\n{\"id\": 2, \"asn\": 64497, \"ipaddr4\": \"192.0.2.300\"},\n[1, 2],\n{\"id\": 3, \"asn\": 64498, \"ipaddr6\": \"2001:db8::3\"}\n], \"meta\": {}}";

#[test]
fn api_page_with_inferred_type_and_bad_objects() {
    assert_eq!(detect(PAGE.as_bytes()), Some(Format::ApiPage));
    let (items, diags) = lenient(PeeringDbReader::new(input(PAGE), Mode::Lenient));
    assert_eq!(items.len(), 2);
    let Object::NetIxLan(x) = &items[0] else { panic!("netixlan") };
    assert_eq!(
        (x.asn, x.ipaddr4.map(|a| a.to_string()), x.ipaddr6, x.speed, x.is_rs_peer),
        (Asn(64496), Some("192.0.2.1".into()), None, Some(10000), Some(true))
    );
    let Object::NetIxLan(x) = &items[1] else { panic!("netixlan") };
    assert_eq!(x.ipaddr6.map(|a| a.to_string()).as_deref(), Some("2001:db8::3"));
    assert_eq!(diags.len(), 2);
    assert_eq!((diags[0].0, diags[0].1), (Location::Line(3), DiagKind::Malformed));
    assert!(
        diags[0].2.starts_with("bad netixlan object: invalid IPv4 address syntax"),
        "{}",
        diags[0].2
    );
    assert_eq!(
        diags[1],
        (Location::Line(4), DiagKind::Malformed, "entry is an array, not an object".into())
    );

    // The caller's type wins over inference.
    let (items, diags) = lenient(PeeringDbReader::with_type(
        input(PAGE),
        Mode::Lenient,
        ObjectType::Other("thing".into()),
    ));
    assert_eq!(items.len(), 3);
    assert!(items.iter().all(|o| o.object_type() == ObjectType::Other("thing".into())));
    assert_eq!(diags.len(), 1);

    let (ok, err) = strict(PAGE);
    assert_eq!((ok, err.unwrap().location), (1, Location::Line(3)));
}

#[test]
fn syntax_errors_and_truncation() {
    let text =
        "{\"data\": [\n{\"id\": 1, \"role\": \"NOC\", \"visible\": \"Public\"}\n{\"id\": 2}]}";
    let (items, diags) = lenient(PeeringDbReader::new(input(text), Mode::Lenient));
    assert_eq!(items.len(), 1);
    assert_eq!((diags[0].0, diags[0].1), (Location::Line(3), DiagKind::Malformed));
    assert!(diags[0].2.contains("expected ',' or ']'"), "{}", diags[0].2);

    let cut =
        "{\"data\": [\n{\"id\": 1, \"role\": \"NOC\", \"visible\": \"Public\"},\n{\"id\": 2, \"ro";
    let (items, diags) = lenient(PeeringDbReader::new(input(cut), Mode::Lenient));
    assert_eq!(items.len(), 1);
    assert_eq!(
        diags,
        [(Location::Line(3), DiagKind::Truncated, "JSON ends early in a data array".into())]
    );
    let (ok, err) = strict(cut);
    assert_eq!((ok, err.unwrap().kind), (1, DiagKind::Truncated));

    // A truncated gzip member ends with the stream's Truncated diagnostic.
    use std::io::Write;
    let big: String = (0..2000)
        .map(|i| format!("{{\"id\": {i}, \"asn\": {i}, \"info_type\": \"NSP\"}},\n"))
        .collect();
    let text = format!("{{\"data\": [\n{}{{\"id\": 0, \"asn\": 1}}]}}", big);
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(text.as_bytes()).unwrap();
    let gz = e.finish().unwrap();
    let cut = gz[..gz.len() / 2].to_vec();
    let mut r = PeeringDbReader::new(
        Input::from_reader("t.json.gz", Cursor::new(cut)).unwrap(),
        Mode::Lenient,
    );
    let n = r.by_ref().map(Result::unwrap).count();
    assert!(n > 0 && n < 2001, "{n}");
    let d = r.diagnostics();
    assert_eq!((d.total(), d.kept()[0].kind), (1, DiagKind::Truncated));
}

#[test]
fn detection() {
    assert_eq!(detect(b"  {\"meta\": {}, \"data\": []}"), Some(Format::ApiPage));
    assert_eq!(detect(b"{\"net\": {\"data\": []}}"), Some(Format::Dump));
    for other in [
        &br#"{"metadata":{"buildmachine":"x"},"roas":[]}"#[..],
        br#"{"@context":"/api/contexts/Session","hydra:member":[]}"#,
        br#"{"1": "LVLT-1"}"#,
        br#"{"net": 5}"#,
        b"ASN,IP Prefix,Max Length,Trust Anchor\n",
        b"",
    ] {
        assert_eq!(detect(other), None, "{:?}", String::from_utf8_lossy(other));
    }
}

#[test]
fn cut_and_corrupted_inputs_never_panic() {
    let data = DUMP.as_bytes();
    for i in 0..data.len() {
        let mut cases = vec![data[..i].to_vec()];
        for b in [b'"', b'{', b']', b',', 0xff, b'\n'] {
            let mut v = data.to_vec();
            v[i] = b;
            cases.push(v);
        }
        for case in cases {
            for mode in [Mode::Lenient, Mode::Strict] {
                let mut r = PeeringDbReader::new(
                    Input::from_reader("c", Cursor::new(case.clone())).unwrap(),
                    mode,
                );
                let errors = r.by_ref().filter(Result::is_err).count();
                assert!(errors <= usize::from(mode == Mode::Strict));
                assert!(r.next().is_none());
            }
        }
    }
}
