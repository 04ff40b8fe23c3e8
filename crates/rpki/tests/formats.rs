//! Each VRP format on small handmade files, including bad entries and the
//! exact diagnostic each one gets.

use std::io::Cursor;

use manrs_input::Input;
use manrs_rpki::{Format, Payload, VrpReader, detect, inspect};
use manrs_types::{Asn, Aspa, DiagKind, Diagnostic, Location, Mode, Vrp};

fn input(text: &str) -> Input {
    Input::from_reader("t.json", Cursor::new(text.as_bytes().to_vec())).unwrap()
}

/// Reads leniently: the payloads and the diagnostics as `(line, kind, message)`.
fn lenient(text: &str) -> (Vec<Payload>, Vec<(Location, DiagKind, String)>, VrpReader) {
    let mut r = VrpReader::new(input(text), Mode::Lenient);
    let items: Vec<Payload> = r.by_ref().map(|i| i.expect("lenient never fails")).collect();
    let diags =
        r.diagnostics().kept().iter().map(|d| (d.location, d.kind, d.message.clone())).collect();
    (items, diags, r)
}

/// Reads strictly: the payloads before the error, and the error.
fn strict(text: &str) -> (usize, Option<Diagnostic>) {
    let mut r = VrpReader::new(input(text), Mode::Strict);
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

fn vrps(items: &[Payload]) -> Vec<String> {
    items
        .iter()
        .filter_map(|p| match p {
            Payload::Vrp(Vrp { asn, prefix, max_len, ta }) => {
                Some(format!("{asn} {prefix}-{max_len} {}", ta.as_deref().unwrap_or("-")))
            }
            Payload::Aspa(_) => None,
        })
        .collect()
}

fn aspas(items: &[Payload]) -> Vec<Aspa> {
    items
        .iter()
        .filter_map(|p| match p {
            Payload::Aspa(a) => Some(a.clone()),
            Payload::Vrp(_) => None,
        })
        .collect()
}

const RPKI_CLIENT: &str = r#"{
	"metadata": {
		"buildmachine": "example",
		"roas": 5,
		"talfiles": [ "/etc/tals/ripe.tal" ]
	},
	"roas": [
		{ "asn": 13335, "prefix": "1.0.0.0/24", "maxLength": 24, "ta": "apnic", "expires": 1753453058 },
		{ "asn": 64496, "prefix": "192.0.2.1/24", "maxLength": 24, "ta": "ripe", "expires": 1 },
		{ "asn": 64496, "prefix": "10.0.0.0/8", "maxLength": 33, "ta": "ripe", "expires": 1 },
		{ "asn": 64496, "prefix": "2001:db8::/32", "maxLength": 129, "ta": "ripe", "expires": 1 },
		{ "asn": 64496, "prefix": "10.0.0.0/16", "maxLength": 8, "ta": "ripe", "expires": 1 },
		{ "asn": "ASX", "prefix": "10.0.0.0/8", "maxLength": 8, "ta": "ripe", "expires": 1 },
		{ "asn": 0, "prefix": "2001:db8::/32", "maxLength": 48, "ta": "ripe", "expires": 1 }
	],
	"bgpsec_keys": [
		{ "asn": 15562, "ski": "5D42", "pubkey": "MFkw", "ta": "ripe", "expires": 1 }
	],
	"nonfunc_cas": [ { "location": "x", "ta": "ripe" } ],
	"aspas": [
		{ "customer_asid": 945, "expires": 1753070425, "providers": [ 150369, 13213 ] },
		{ "customer_asid": 970, "expires": 1753091793, "providers": [ ] },
		{ "customer_asid": 64497, "expires": 1, "providers": [ "ASX" ] }
	],
	"signedprefixlists": [

	]
}
"#;

#[test]
fn rpki_client_json_with_bad_entries() {
    assert_eq!(detect(RPKI_CLIENT.as_bytes()), Some(Format::RpkiClientJson));
    let (items, diags, r) = lenient(RPKI_CLIENT);
    assert_eq!(vrps(&items), ["AS13335 1.0.0.0/24-24 apnic", "AS0 2001:db8::/32-48 ripe"]);
    assert_eq!(
        aspas(&items),
        [Aspa { customer: Asn(945), providers: vec![Asn(13213), Asn(150369)] }]
    );
    let m = |line: u64, msg: &str| (Location::Line(line), DiagKind::Malformed, msg.to_string());
    assert_eq!(
        diags,
        [
            m(9, r#"bad roa: invalid prefix "192.0.2.1/24": host bits set"#),
            m(10, "bad roa: maxLength 33 exceeds 32 for 10.0.0.0/8"),
            m(11, "bad roa: maxLength 129 exceeds 128 for 2001:db8::/32"),
            m(12, "bad roa: maxLength 8 is shorter than the prefix length of 10.0.0.0/16"),
            m(13, r#"bad roa: asn: invalid AS number "ASX": not a number in 0..=4294967295"#),
            m(22, "bad aspa: ASPA of AS970 has no providers"),
            m(23, r#"bad aspa: provider: invalid AS number "ASX": not a number in 0..=4294967295"#),
        ]
    );
    let c = r.counts();
    assert_eq!((c.records, c.vrps, c.aspas, c.bgpsec_keys, c.skipped), (11, 2, 1, 1, 7));

    let (ok, err) = strict(RPKI_CLIENT);
    assert_eq!(ok, 1);
    let e = err.unwrap();
    assert_eq!(
        e.to_string(),
        r#"t.json: line 9: malformed: bad roa: invalid prefix "192.0.2.1/24": host bits set"#
    );
}

#[test]
fn inspect_summary() {
    let s = inspect(input(RPKI_CLIENT), Mode::Lenient).unwrap();
    assert_eq!(s.format, "rpki-client-json");
    assert_eq!((s.records, s.elements), (11, 3));
    assert_eq!(s.counts["vrps"], 2);
    assert_eq!(s.counts["aspas"], 1);
    assert_eq!(s.counts["bgpsecKeys"], 1);
    assert_eq!(s.counts["ta:apnic"], 1);
    assert_eq!(s.diagnostics.count(DiagKind::Malformed), 7);
    let e = inspect(input(RPKI_CLIENT), Mode::Strict).unwrap_err();
    assert_eq!(e.location, Location::Line(9));
}

#[test]
fn routinator_json_and_jsonext() {
    let text = r#"{
  "metadata": {
    "generated": 1700000000,
    "generatedTime": "2023-11-14T22:13:20Z"
  },
  "roas": [
    { "asn": "AS196615", "prefix": "2001:7fb:fd03::/48", "maxLength": 48, "ta": "ripe" },
    { "asn": "AS196615", "prefix": "93.175.147.0/24", "maxLength": 24, "source": [ { "type": "roa", "uri": "rsync://x/y.roa", "tal": "ripe" } ] },
    { "asn": "AS-1", "prefix": "93.175.147.0/24", "maxLength": 24, "ta": "ripe" }
  ],
  "routerKeys": [
    { "asn": "AS1234", "SKI": "00", "routerPublicKey": "AA", "ta": "ripe" }
  ],
  "aspas": [
    { "customer": "AS1234", "providers": ["AS4", "AS1"], "ta": "ripe" },
    { "customer": "AS1235", "providers": "AS4", "ta": "ripe" }
  ]
}"#;
    assert_eq!(detect(text.as_bytes()), Some(Format::RoutinatorJson));
    let (items, diags, r) = lenient(text);
    assert_eq!(
        vrps(&items),
        ["AS196615 2001:7fb:fd03::/48-48 ripe", "AS196615 93.175.147.0/24-24 ripe"]
    );
    assert_eq!(aspas(&items), [Aspa { customer: Asn(1234), providers: vec![Asn(1), Asn(4)] }]);
    assert_eq!(r.counts().bgpsec_keys, 1);
    assert_eq!(
        diags,
        [
            (
                Location::Line(9),
                DiagKind::Malformed,
                r#"bad roa: asn: invalid AS number "AS-1": not a number in 0..=4294967295"#.into()
            ),
            (
                Location::Line(16),
                DiagKind::Malformed,
                "bad aspa: providers is a string, not an array".into()
            ),
        ]
    );
    // Old Routinator JSON: no metadata, string ASNs.
    let old = r#"{"roas":[{"asn":"AS1","prefix":"10.0.0.0/8","maxLength":8,"ta":"arin"}]}"#;
    assert_eq!(detect(old.as_bytes()), Some(Format::RoutinatorJson));
    assert_eq!(vrps(&lenient(old).0), ["AS1 10.0.0.0/8-8 arin"]);
}

#[test]
fn cloudflare_rpki_json() {
    let text = r#"{"metadata":{"counts":3,"generated":1626853335,"valid":1626856935},"roas":[
{"prefix":"1.0.0.0/24","maxLength":24,"asn":"AS13335","ta":"apnic"},
{"prefix":"2a09:bac0::/29","maxLength":48,"asn":13335,"ta":"ripe"},
{"prefix":"1.1.1.0/24","maxLength":"24","asn":13335,"ta":"apnic"}]}"#;
    assert_eq!(detect(text.as_bytes()), Some(Format::CloudflareJson));
    let (items, diags, _) = lenient(text);
    assert_eq!(vrps(&items), ["AS13335 1.0.0.0/24-24 apnic", "AS13335 2a09:bac0::/29-48 ripe"]);
    assert_eq!(
        diags,
        [(
            Location::Line(4),
            DiagKind::Malformed,
            "bad roa: maxLength is a string, not a number".into()
        )]
    );
}

#[test]
fn legacy_provider_authorizations_are_merged() {
    // rpki-client 8.x: one list per address family, AS0 for "none here".
    let text = r#"{
	"metadata": { "buildmachine": "example" },
	"roas": [ ],
	"bgpsec_keys": [ ],
	"provider_authorizations": {
		"ipv4": [
			{ "customer_asid": 64500, "providers": [ 64501, 64502 ], "expires": 1 },
			{ "customer_asid": 64510, "providers": [ 0 ], "expires": 1 }
		],
		"ipv6": [
			{ "customer_asid": 64500, "providers": [ 64503 ], "expires": 1 },
			{ "customer_asid": 64510, "providers": [ 0 ], "expires": 1 }
		]
	}
}"#;
    let (items, diags, r) = lenient(text);
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(
        aspas(&items),
        [
            Aspa { customer: Asn(64500), providers: vec![Asn(64501), Asn(64502), Asn(64503)] },
            Aspa { customer: Asn(64510), providers: vec![Asn(0)] },
        ]
    );
    assert_eq!((r.counts().records, r.counts().aspas), (4, 2));
}

#[test]
fn syntax_errors_end_the_iteration() {
    // A missing comma between two entries: the rest is unreadable.
    let text = "{\"roas\": [\n{\"asn\": 1, \"prefix\": \"10.0.0.0/8\", \"maxLength\": 8}\n{\"asn\": 2, \"prefix\": \"11.0.0.0/8\", \"maxLength\": 8}\n]}";
    let (items, diags, _) = lenient(text);
    assert_eq!(vrps(&items), ["AS1 10.0.0.0/8-8 -"]);
    assert_eq!(diags.len(), 1);
    assert_eq!((diags[0].0, diags[0].1), (Location::Line(3), DiagKind::Malformed));
    assert!(
        diags[0].2.starts_with("expected ',' or ']', found '{' at column 1 in the roas array"),
        "{}",
        diags[0].2
    );
    let (ok, err) = strict(text);
    assert_eq!((ok, err.unwrap().location), (1, Location::Line(3)));

    // Broken JSON inside one entry costs only that entry.
    let text = "{\"roas\": [\n{\"asn\": 1, \"prefix\": \"10.0.0.0/8\" \"maxLength\": 8},\n{\"asn\": 2, \"prefix\": \"11.0.0.0/8\", \"maxLength\": 8}\n]}";
    let (items, diags, _) = lenient(text);
    assert_eq!(vrps(&items), ["AS2 11.0.0.0/8-8 -"]);
    assert_eq!((diags[0].0, diags[0].1), (Location::Line(2), DiagKind::Malformed));
    assert!(
        diags[0].2.starts_with("roas entry is not valid JSON: expected `,` or `}`"),
        "{}",
        diags[0].2
    );

    // A "roas" member that is not an array is reported and skipped.
    let text =
        "{\"roas\": {\"x\": 1},\n \"aspas\": [{\"customer\": \"AS1\", \"providers\": [\"AS2\"]}]}";
    let (items, diags, _) = lenient(text);
    assert_eq!(aspas(&items).len(), 1);
    assert_eq!(
        diags,
        [(
            Location::Line(1),
            DiagKind::Malformed,
            "member \"roas\" is not an array; skipped".into()
        )]
    );

    // Trailing data after the object.
    let (_, diags, _) = lenient("{\"roas\": []}\n{}");
    assert_eq!(
        diags,
        [(Location::Line(2), DiagKind::Malformed, "data after the end of the JSON object".into())]
    );
}

#[test]
fn plain_truncated_json_is_truncated() {
    let text = "{\"roas\": [\n{\"asn\": 1, \"prefix\": \"10.0.0.0/8\", \"maxLength\": 8},\n{\"asn\": 2, \"pre";
    let (items, diags, _) = lenient(text);
    assert_eq!(items.len(), 1);
    assert_eq!(
        diags,
        [(Location::Line(3), DiagKind::Truncated, "JSON ends early in the roas array".into())]
    );
    let (ok, err) = strict(text);
    assert_eq!((ok, err.unwrap().kind), (1, DiagKind::Truncated));
}

#[test]
fn csv_variants() {
    let routinator = "ASN,IP Prefix,Max Length,Trust Anchor\nAS196615,2001:7fb:fd03::/48,48,ripe\nAS196615,93.175.147.0/24,24,ripe\n";
    let rpki_client =
        "ASN,IP Prefix,Max Length,Trust Anchor,Expires\nAS13335,1.0.0.0/24,24,apnic,1753453058\n";
    let compat = "\"ASN\",\"IP Prefix\",\"Max Length\",\"Trust Anchor\"\n\"196615\",\"93.175.147.0/24\",\"24\",\"ripe\"\n";
    let ext = "URI,ASN,IP Prefix,Max Length,Not Before,Not After\nrsync://x/y.roa,AS196615,93.175.147.0/24,24,2023-01-01 00:00:00,2024-01-01 00:00:00\n";
    let bare = "AS13335,1.0.0.0/24,24,apnic\r\nAS13335,1.1.1.0/24,24,apnic\r\n";
    for (text, want) in [
        (
            routinator,
            vec!["AS196615 2001:7fb:fd03::/48-48 ripe", "AS196615 93.175.147.0/24-24 ripe"],
        ),
        (rpki_client, vec!["AS13335 1.0.0.0/24-24 apnic"]),
        (compat, vec!["AS196615 93.175.147.0/24-24 ripe"]),
        (ext, vec!["AS196615 93.175.147.0/24-24 -"]),
        (bare, vec!["AS13335 1.0.0.0/24-24 apnic", "AS13335 1.1.1.0/24-24 apnic"]),
    ] {
        assert_eq!(detect(text.as_bytes()), Some(Format::Csv), "{text}");
        let (items, diags, _) = lenient(text);
        assert_eq!(vrps(&items), want, "{text}");
        assert!(diags.is_empty(), "{diags:?}");
    }

    let bad = "ASN,IP Prefix,Max Length,Trust Anchor\nAS1,10.0.0.1/8,8,ripe\nASX,10.0.0.0/8,8,ripe\n\nAS1,10.0.0.0/8,33,ripe\nAS1,10.0.0.0/8\nAS1,10.0.0.0/8,8,ripe\n";
    let (items, diags, r) = lenient(bad);
    assert_eq!(vrps(&items), ["AS1 10.0.0.0/8-8 ripe"]);
    let m = |line: u64, msg: &str| (Location::Line(line), DiagKind::Malformed, msg.to_string());
    assert_eq!(
        diags,
        [
            m(2, r#"bad VRP line: invalid prefix "10.0.0.1/8": host bits set"#),
            m(3, r#"bad VRP line: invalid AS number "ASX": not a number in 0..=4294967295"#),
            m(5, "bad VRP line: maxLength 33 exceeds 32 for 10.0.0.0/8"),
            m(6, "bad VRP line: 2 fields, no max length"),
        ]
    );
    assert_eq!((r.counts().records, r.counts().skipped), (5, 4));
    let (ok, err) = strict(bad);
    assert_eq!((ok, err.unwrap().location), (0, Location::Line(2)));
}

#[test]
fn detection_rejects_other_formats() {
    let others: [&[u8]; 10] = [
        br#"{"data":[{"id":1,"asn":42,"name":"x"}],"meta":{}}"#,
        br#"{"@context":"/api/contexts/Session","@id":"/sessions","hydra:member":[{"asn":1}]}"#,
        b"{\"type\":\"ASN\",\"asn\":\"1\",\"name\":\"x\"}\n{\"type\":\"ASN\",\"asn\":\"2\",\"name\":\"y\"}\n",
        br#"{"1": "LVLT-1", "2": "UDEL-DCN"}"#,
        b"route:         192.0.2.0/24\norigin:        AS64496\nsource:        RIPE\n",
        b"# as-rel\n1|11537|0|bgp\n1|2|-1|bgp\n",
        b"prefix,asn\n10.0.0.0/8,1\n",
        b"ripencc|NL|ipv4|193.0.0.0|4096|19930901|allocated\n",
        &[0x5e, 0x4d, 0x2b, 0x4c, 0x00, 0x0d, 0x00, 0x01, 0x00, 0x00, 0x00, 0x10, 0, 0, 0, 0],
        b"",
    ];
    for head in others {
        assert_eq!(detect(head), None, "{:?}", String::from_utf8_lossy(head));
    }
    // Unknown input: one Unsupported diagnostic, and the error in strict mode.
    let (items, diags, _) = lenient("{\"data\": []}");
    assert!(items.is_empty());
    assert_eq!(diags.len(), 1);
    assert_eq!(diags[0].1, DiagKind::Unsupported);
    let (_, err) = strict("hello");
    assert_eq!(err.unwrap().kind, DiagKind::Unsupported);
}

#[test]
fn compressed_input_is_read() {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(RPKI_CLIENT.as_bytes()).unwrap();
    let input = Input::from_reader("t.json.gz", Cursor::new(e.finish().unwrap())).unwrap();
    let s = inspect(input, Mode::Lenient).unwrap();
    assert_eq!((s.format.as_str(), s.counts["vrps"]), ("rpki-client-json", 2));
}

#[test]
fn cut_and_corrupted_inputs_never_panic() {
    let base = RPKI_CLIENT.as_bytes();
    let csv = b"ASN,IP Prefix,Max Length,Trust Anchor\nAS1,10.0.0.0/8,8,ripe\n\"AS2\",11.0.0.0/8,9,arin\n";
    for data in [base, &csv[..]] {
        let mut cases: Vec<Vec<u8>> = (0..data.len()).map(|n| data[..n].to_vec()).collect();
        for i in 0..data.len() {
            for b in [b'"', b'{', b']', b',', 0xff, b'\n', b'9'] {
                let mut v = data.to_vec();
                v[i] = b;
                cases.push(v);
            }
        }
        for case in cases {
            for mode in [Mode::Lenient, Mode::Strict] {
                let input = Input::from_reader("c", Cursor::new(case.clone())).unwrap();
                // The format is forced so that every case reaches the parser.
                let format = if data == base { Format::RpkiClientJson } else { Format::Csv };
                let mut r = VrpReader::with_format(input, mode, format);
                let errors = r.by_ref().filter(Result::is_err).count();
                assert!(
                    errors <= usize::from(mode == Mode::Strict),
                    "{:?}",
                    String::from_utf8_lossy(&case)
                );
                assert!(r.next().is_none());
            }
        }
    }
}
