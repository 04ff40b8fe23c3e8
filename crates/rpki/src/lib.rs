//! Streaming readers for VRP and ASPA files: the validated RPKI payloads that
//! relying-party software exports.
//!
//! A Validated ROA Payload (VRP, RFC 6811 §2) says which AS may originate a
//! prefix and its more specifics up to `maxLength` (RFC 9582 §4; RFC 9319 on
//! its use); a validated ASPA (draft-ietf-sidrops-aspa-profile) lists the
//! provider ASes of a customer AS. Both arrive as [`Payload`]s from one pass
//! over the file, one at a time, so 700,000 VRPs never sit in memory at once.
//!
//! Formats ([`Format`], detected by [`detect`] from the first 64 KiB):
//!
//! * **rpki-client JSON** (`rpki-client -j`, see rpki-client(8)):
//!   `{"metadata":{…},"roas":[{"asn":13335,"prefix":"1.0.0.0/24","maxLength":24,"ta":"apnic","expires":…}],
//!   "bgpsec_keys":[…],"aspas":[{"customer_asid":…,"expires":…,"providers":[…]}],…}`.
//!   Versions 7.9 to 8.4 (2022-08 to 2023-06, ASPA profile v0) wrote ASPAs
//!   as `"provider_authorizations":{"ipv4":[…],"ipv6":[…]}` with the same
//!   entries per address family; those are merged per customer (see
//!   [`VrpReader`]). Provider entries written as objects with an `asid`
//!   member (the per-AFI `{"asid":…,"afi_limit":…}` shape of rpki-client's
//!   file mode for ASPA profile v0) are accepted; the AFI limit is dropped,
//!   as the current profile has none.
//! * **Routinator JSON** (`routinator vrps --format json` / `jsonext`, see
//!   Routinator's "VRP Output Formats"): ASNs as strings (`"AS13335"`),
//!   `aspas` as `{"customer":"AS…","providers":["AS…"]}`, router keys in
//!   `routerKeys`; in `jsonext` the trust anchor comes from `source[].tal`.
//! * **Cloudflare rpki.json**: `{"metadata":{"counts":…,"generated":…,"valid":…},"roas":[…]}`
//!   with the ASN as a number or a string.
//! * **CSV**: Routinator `csv` / `csvcompat` / `csvext` and rpki-client `-c`
//!   (`ASN,IP Prefix,Max Length,Trust Anchor[,Expires]`, ASN as `AS13335` or
//!   `13335`, fields possibly quoted); columns are taken from the header. A
//!   header-less file is recognised when every complete line of the first
//!   64 KiB is `ASN,prefix,maxLength[,TA[,expires]]`.
//!
//! BGPsec router keys are counted, not yielded. `expires` values are not
//! kept. Everything else in the files (metadata, `nonfunc_cas`, signed
//! prefix lists) is skipped.

mod entry;
mod reader;

use std::str::FromStr;

use manrs_input::Input;
use manrs_types::{Asn, Aspa, Diagnostic, Mode, Prefix, Summary, Vrp};

pub use reader::{Counts, VrpReader};

/// How many leading decompressed bytes [`detect`] looks at.
pub const DETECT_LEN: usize = 64 * 1024;

/// One item of a VRP file.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Payload {
    /// A Validated ROA Payload.
    Vrp(Vrp),
    /// A validated ASPA.
    Aspa(Aspa),
}

/// The file formats [`VrpReader`] reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// rpki-client `-j` JSON.
    RpkiClientJson,
    /// Routinator `json` / `jsonext`.
    RoutinatorJson,
    /// Cloudflare's `rpki.json`.
    CloudflareJson,
    /// Routinator / rpki-client CSV, with or without header.
    Csv,
}

impl Format {
    /// The name used in summaries: `rpki-client-json`, `routinator-json`,
    /// `cloudflare-json` or `vrp-csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::RpkiClientJson => "rpki-client-json",
            Format::RoutinatorJson => "routinator-json",
            Format::CloudflareJson => "cloudflare-json",
            Format::Csv => "vrp-csv",
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Recognises a VRP file from its first (up to [`DETECT_LEN`]) decompressed
/// bytes.
///
/// JSON: a top-level object whose first member is `roas`, `aspas`,
/// `bgpsec_keys`, `routerKeys` or `provider_authorizations`, or is
/// `metadata` followed by a `"roas": [` or `"aspas": [` member. Other JSON
/// (PeeringDB `{"data":…}`, Spoofer, CAIDA jsonl, AS names) is not claimed.
/// CSV: the VRP header, or only VRP lines.
pub fn detect(head: &[u8]) -> Option<Format> {
    let h = head.strip_prefix(&[0xef, 0xbb, 0xbf][..]).unwrap_or(head);
    let start = h.iter().position(|b| !b.is_ascii_whitespace())?;
    let h = &h[start..];
    if h[0] == b'{' { detect_json(h) } else { detect_csv(h, head.len() >= DETECT_LEN) }
}

fn detect_json(h: &[u8]) -> Option<Format> {
    let rest = &h[1..];
    let rest = &rest[rest.iter().position(|b| !b.is_ascii_whitespace())?..];
    let rest = rest.strip_prefix(b"\"")?;
    let end = rest.iter().position(|&b| b == b'"')?;
    let first = &rest[..end];
    let payload = |key: &str| member_opens(h, key, b'[');
    let known = match first {
        b"roas" | b"aspas" | b"bgpsec_keys" | b"routerKeys" | b"provider_authorizations" => true,
        b"metadata" => payload("roas") || payload("aspas"),
        _ => false,
    };
    if !known {
        return None;
    }
    let has = |s: &str| contains(h, s.as_bytes());
    Some(if has("\"buildmachine\"") || has("\"customer_asid\"") || has("\"bgpsec_keys\"") {
        Format::RpkiClientJson
    } else if has("\"generatedTime\"") || has("\"routerKeys\"") || has("\"customer\"") {
        Format::RoutinatorJson
    } else if has("\"valid\"") || has("\"counts\"") || has("\"signature\"") {
        Format::CloudflareJson
    } else if member_opens(h, "asn", b'"') {
        Format::RoutinatorJson
    } else {
        Format::RpkiClientJson
    })
}

/// Whether `h` holds `"key"`, optional whitespace, `:`, optional whitespace
/// and then `open`.
fn member_opens(h: &[u8], key: &str, open: u8) -> bool {
    let pat = format!("\"{key}\"");
    let pat = pat.as_bytes();
    let mut from = 0;
    while let Some(i) = find(&h[from..], pat) {
        let after = &h[from + i + pat.len()..];
        let mut it = after.iter().copied().skip_while(u8::is_ascii_whitespace);
        if it.next() == Some(b':') && it.find(|b| !b.is_ascii_whitespace()) == Some(open) {
            return true;
        }
        from += i + 1;
    }
    false
}

fn find(h: &[u8], pat: &[u8]) -> Option<usize> {
    h.windows(pat.len()).position(|w| w == pat)
}

fn contains(h: &[u8], pat: &[u8]) -> bool {
    find(h, pat).is_some()
}

fn detect_csv(h: &[u8], cut: bool) -> Option<Format> {
    let text = match std::str::from_utf8(h) {
        Ok(t) => t,
        Err(e) if e.error_len().is_none() => std::str::from_utf8(&h[..e.valid_up_to()]).ok()?,
        Err(_) => return None,
    };
    let mut lines: Vec<&str> = text.split('\n').collect();
    if cut && lines.len() > 1 {
        lines.pop();
    }
    let mut lines = lines
        .into_iter()
        .map(|l| l.trim_end_matches('\r').trim())
        .filter(|l| !l.is_empty() && !l.starts_with('#'));
    let first = lines.next()?;
    let fields = |l: &str| -> Vec<String> {
        l.split(',').map(|f| f.trim().trim_matches('"').trim().to_string()).collect()
    };
    let f = fields(first);
    let is = |name: &str| f.iter().any(|x| x.eq_ignore_ascii_case(name));
    if is("ASN") && is("IP Prefix") && is("Max Length") {
        return Some(Format::Csv);
    }
    let row = |f: &[String]| {
        (3..=5).contains(&f.len())
            && Asn::from_str(&f[0]).is_ok()
            && f[1].contains('/')
            && Prefix::from_str(&f[1])
                .map_or_else(|e| e.to_string().contains("host bits"), |_| true)
            && f[2].parse::<u8>().is_ok()
            && f.get(4).is_none_or(|e| !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit()))
    };
    if !row(&f) {
        return None;
    }
    lines.take(1000).all(|l| row(&fields(l))).then_some(Format::Csv)
}

/// Streams a whole VRP file and summarises it.
///
/// Counts: `vrps`, `aspas`, `bgpsecKeys`, `vrpsIpv4`, `vrpsIpv6`, `skipped`
/// and `ta:<name>` per trust anchor. `records` counts entries read (good or
/// bad), `elements` the VRPs and ASPAs yielded. In strict mode the first
/// problem is returned as the error.
pub fn inspect(input: Input, mode: Mode) -> Result<Summary, Diagnostic> {
    let mut reader = VrpReader::new(input, mode);
    for item in reader.by_ref() {
        item?;
    }
    let c = reader.counts().clone();
    let mut s = Summary::new(reader.format().map_or("unknown", Format::as_str));
    s.records = c.records;
    s.elements = c.vrps + c.aspas;
    for (k, v) in [
        ("vrps", c.vrps),
        ("aspas", c.aspas),
        ("bgpsecKeys", c.bgpsec_keys),
        ("vrpsIpv4", c.vrps_ipv4),
        ("vrpsIpv6", c.vrps_ipv6),
        ("skipped", c.skipped),
    ] {
        s.counts.insert(k.to_string(), v);
    }
    for (ta, n) in c.per_ta {
        s.counts.insert(format!("ta:{ta}"), n);
    }
    s.diagnostics = reader.diagnostics().clone();
    Ok(s)
}
