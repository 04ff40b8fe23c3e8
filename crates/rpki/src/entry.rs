//! Checking one VRP or ASPA entry, whatever file it came from.
//!
//! A VRP (RFC 6811 §2) is an origin AS, a prefix and a maximum length with
//! `prefix length <= maxLength <= 32 / 128` (RFC 6482 §3.3, RFC 9582 §4;
//! RFC 9319 on why maxLength should be used sparingly). An absent maxLength
//! means the prefix length (RFC 9582 §4.3.2). A validated ASPA
//! (draft-ietf-sidrops-aspa-profile §3) is a customer AS and a non-empty set
//! of provider ASes.

use manrs_input::json::kind;
use std::collections::BTreeSet;

use manrs_types::{Asn, Aspa, Prefix, Vrp};
use serde_json::{Map, Value};

/// An AS number written as a JSON number or as a string (`"AS13335"`,
/// `"13335"`).
pub(crate) fn asn(v: &Value, what: &str) -> Result<Asn, String> {
    match v {
        Value::Number(n) => match n.as_u64().map(u32::try_from) {
            Some(Ok(a)) => Ok(Asn(a)),
            _ => Err(format!("{what} {n} is not an AS number")),
        },
        Value::String(s) => s.parse().map_err(|e| format!("{what}: {e}")),
        other => Err(format!("{what} is {}, not an AS number", kind(other))),
    }
}

/// Checks prefix and maxLength and builds the VRP.
pub(crate) fn vrp(
    asn: Asn,
    prefix: &str,
    max_len: Option<u64>,
    ta: Option<String>,
) -> Result<Vrp, String> {
    let prefix: Prefix = prefix.parse().map_err(|e| format!("{e}"))?;
    let max_len = match max_len {
        None => prefix.len(),
        Some(m) if m < u64::from(prefix.len()) => {
            return Err(format!("maxLength {m} is shorter than the prefix length of {prefix}"));
        }
        Some(m) if m > u64::from(prefix.max_len()) => {
            return Err(format!("maxLength {m} exceeds {} for {prefix}", prefix.max_len()));
        }
        Some(m) => m as u8,
    };
    Ok(Vrp { asn, prefix, max_len, ta })
}

/// A `roas` entry of the JSON formats: `asn`, `prefix`, `maxLength` and `ta`
/// (or, in Routinator's `jsonext`, the `tal` of the first `source`).
pub(crate) fn json_vrp(v: &Value) -> Result<Vrp, String> {
    let Value::Object(m) = v else {
        return Err(format!("roa entry is {}, not an object", kind(v)));
    };
    let asn = asn(field(m, "asn")?, "asn")?;
    let prefix = match field(m, "prefix")? {
        Value::String(s) => s,
        other => return Err(format!("prefix is {}, not a string", kind(other))),
    };
    let max_len = match m.get("maxLength") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => match n.as_u64() {
            Some(x) => Some(x),
            None => return Err(format!("maxLength {n} is not a non-negative integer")),
        },
        Some(other) => return Err(format!("maxLength is {}, not a number", kind(other))),
    };
    let ta = match m.get("ta") {
        Some(Value::String(s)) => Some(s.clone()),
        _ => m
            .get("source")
            .and_then(Value::as_array)
            .and_then(|s| s.iter().find_map(|x| x.get("tal").and_then(Value::as_str)))
            .map(str::to_string),
    };
    vrp(asn, prefix, max_len, ta)
}

/// A `roas` entry in its common shape, read straight from its bytes without
/// building a JSON value: an object whose members are `asn` (a non-negative
/// integer or a string), `prefix` and `ta` (strings) and `maxLength` and
/// `expires` (non-negative integers), each at most once, with strings of
/// printable ASCII without escapes. Every other entry (other members, such
/// as Routinator's `source`, escapes, other value types, a bad value)
/// returns `None` and is left to [`json_vrp`], which gives the same VRP for
/// the shapes read here and the error message for a bad entry; the tests
/// compare both on every entry of a real rpki-client export.
pub(crate) fn fast_roa(bytes: &[u8]) -> Option<Vrp> {
    let mut p = Bytes { b: bytes, i: 0 };
    p.ws();
    p.eat(b'{')?;
    p.ws();
    let (mut asn, mut prefix, mut max_len, mut ta, mut expires) = (None, None, None, None, false);
    if p.peek() == Some(b'}') {
        p.i += 1;
    } else {
        loop {
            let key = p.string()?;
            p.ws();
            p.eat(b':')?;
            p.ws();
            match key {
                b"asn" if asn.is_none() => {
                    asn = Some(match p.peek()? {
                        b'"' => p.str()?.parse::<Asn>().ok()?,
                        _ => Asn(u32::try_from(p.uint()?).ok()?),
                    });
                }
                b"prefix" if prefix.is_none() => prefix = Some(p.str()?),
                b"maxLength" if max_len.is_none() => max_len = Some(p.uint()?),
                b"ta" if ta.is_none() => ta = Some(p.str()?),
                b"expires" if !expires => {
                    p.uint()?;
                    expires = true;
                }
                _ => return None,
            }
            p.ws();
            match p.next()? {
                b',' => p.ws(),
                b'}' => break,
                _ => return None,
            }
        }
    }
    p.ws();
    if p.i != bytes.len() {
        return None;
    }
    vrp(asn?, prefix?, max_len, ta.map(str::to_string)).ok()
}

/// A cursor over the bytes of one JSON entry, for [`fast_roa`].
struct Bytes<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Bytes<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.i += 1;
        Some(c)
    }

    fn eat(&mut self, want: u8) -> Option<()> {
        (self.next()? == want).then_some(())
    }

    /// JSON whitespace (RFC 8259 §2).
    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    /// A string of printable ASCII without escapes, without its quotes.
    fn string(&mut self) -> Option<&'a [u8]> {
        self.eat(b'"')?;
        let start = self.i;
        loop {
            match self.next()? {
                b'"' => return self.b.get(start..self.i - 1),
                b'\\' => return None,
                c if !(0x20..0x7f).contains(&c) => return None,
                _ => {}
            }
        }
    }

    fn str(&mut self) -> Option<&'a str> {
        std::str::from_utf8(self.string()?).ok()
    }

    /// A non-negative integer as JSON writes it (no leading zero, no
    /// fraction or exponent: the byte after it is checked by the caller).
    fn uint(&mut self) -> Option<u64> {
        let start = self.i;
        let mut n: u64 = 0;
        while let Some(c @ b'0'..=b'9') = self.peek() {
            n = n.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
            self.i += 1;
        }
        match self.i - start {
            0 => None,
            1 => Some(n),
            _ if self.b.get(start) == Some(&b'0') => None,
            _ => Some(n),
        }
    }
}

/// An `aspas` entry: `customer_asid` (rpki-client) or `customer`
/// (Routinator), and `providers` as numbers, `"AS…"` strings or objects with
/// an `asid` member (the per-AFI shape of the first ASPA profile).
pub(crate) fn json_aspa(v: &Value) -> Result<Aspa, String> {
    let Value::Object(m) = v else {
        return Err(format!("aspa entry is {}, not an object", kind(v)));
    };
    let customer = match (m.get("customer_asid"), m.get("customer")) {
        (Some(c), _) => asn(c, "customer_asid")?,
        (None, Some(c)) => asn(c, "customer")?,
        (None, None) => return Err("missing \"customer_asid\" / \"customer\"".into()),
    };
    let list = match field(m, "providers")? {
        Value::Array(a) => a,
        other => return Err(format!("providers is {}, not an array", kind(other))),
    };
    let mut providers = BTreeSet::new();
    for p in list {
        let a = match p {
            Value::Object(o) => asn(field(o, "asid")?, "provider asid")?,
            other => asn(other, "provider")?,
        };
        providers.insert(a);
    }
    if providers.is_empty() {
        return Err(format!("ASPA of {customer} has no providers"));
    }
    Ok(Aspa { customer, providers: providers.into_iter().collect() })
}

fn field<'a>(m: &'a Map<String, Value>, name: &str) -> Result<&'a Value, String> {
    m.get(name).ok_or_else(|| format!("missing \"{name}\""))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn vrp_rules() {
        let v = json_vrp(
            &json!({"asn": "AS13335", "prefix": "1.0.0.0/24", "maxLength": 24, "ta": "apnic"}),
        )
        .unwrap();
        assert_eq!((v.asn, v.max_len, v.ta.as_deref()), (Asn(13335), 24, Some("apnic")));
        let v = json_vrp(&json!({"asn": 0, "prefix": "2001:db8::/32"})).unwrap();
        assert_eq!(v.max_len, 32, "absent maxLength means the prefix length");
        let e = json_vrp(&json!({"asn": 1, "prefix": "10.0.0.0/8", "maxLength": 33})).unwrap_err();
        assert_eq!(e, "maxLength 33 exceeds 32 for 10.0.0.0/8");
        let e = json_vrp(&json!({"asn": 1, "prefix": "10.0.0.0/8", "maxLength": 7})).unwrap_err();
        assert_eq!(e, "maxLength 7 is shorter than the prefix length of 10.0.0.0/8");
        let e = json_vrp(&json!({"asn": 4294967296u64, "prefix": "10.0.0.0/8"})).unwrap_err();
        assert_eq!(e, "asn 4294967296 is not an AS number");
        let e = json_vrp(&json!({"asn": 1, "maxLength": 8})).unwrap_err();
        assert_eq!(e, "missing \"prefix\"");
        let src = json!({"asn": "AS1", "prefix": "10.0.0.0/8", "maxLength": 8,
            "source": [{"type": "roa", "tal": "ripe"}]});
        assert_eq!(json_vrp(&src).unwrap().ta.as_deref(), Some("ripe"));
    }

    #[test]
    fn aspa_rules() {
        let a = json_aspa(&json!({"customer_asid": 5, "providers": [3, "AS1", {"asid": 2, "afi_limit": "ipv4"}, 3]}))
            .unwrap();
        assert_eq!(a.providers, vec![Asn(1), Asn(2), Asn(3)]);
        assert_eq!(
            json_aspa(&json!({"customer": "AS9", "providers": ["AS1"]})).unwrap().customer,
            Asn(9)
        );
        assert_eq!(
            json_aspa(&json!({"customer_asid": 5, "providers": []})).unwrap_err(),
            "ASPA of AS5 has no providers"
        );
        assert!(json_aspa(&json!({"providers": [1]})).is_err());
    }
}
