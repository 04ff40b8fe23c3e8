//! Autonomous System numbers (RFC 6793 four-octet ASNs, RFC 5396 notation).
//!
//! [`Asn`] parses the plain (`"13335"`), prefixed (`"AS13335"`, any case) and
//! asdot (`"1.10"` = 65546, RFC 5396) notations and prints `AS13335`. In serde
//! it is a number, and it also accepts the `"AS13335"` strings Routinator
//! writes in its JSON output.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An Autonomous System number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Asn(pub u32);

/// Error returned when a string is not an AS number.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid AS number {input:?}: {reason}")]
pub struct AsnParseError {
    input: String,
    reason: &'static str,
}

impl Asn {
    /// AS0, which RFC 7607 reserves and RFC 6483 uses in ROAs to say "never
    /// originate".
    pub const ZERO: Asn = Asn(0);
    /// AS_TRANS (RFC 6793), the placeholder for four-octet ASNs in 2-byte paths.
    pub const TRANS: Asn = Asn(23456);

    /// The number as `u32`.
    pub fn into_u32(self) -> u32 {
        self.0
    }
}

impl From<u32> for Asn {
    fn from(v: u32) -> Self {
        Asn(v)
    }
}

impl From<Asn> for u32 {
    fn from(v: Asn) -> Self {
        v.0
    }
}

impl fmt::Display for Asn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AS{}", self.0)
    }
}

impl FromStr for Asn {
    type Err = AsnParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |reason| AsnParseError { input: s.to_string(), reason };
        let t = s.trim();
        // Compare bytes, not a `&str` slice: the input may start with a
        // multi-byte character, and `&t[..2]` would then not be a char
        // boundary. Two matching ASCII bytes make `&t[2..]` one.
        let prefixed = t.as_bytes().get(..2).is_some_and(|p| p.eq_ignore_ascii_case(b"as"));
        let digits = if prefixed { &t[2..] } else { t };
        if digits.is_empty() {
            return Err(err("no digits"));
        }
        if let Some((hi, lo)) = digits.split_once('.') {
            let hi: u16 = parse_digits(hi).ok_or_else(|| err("bad asdot high part"))?;
            let lo: u16 = parse_digits(lo).ok_or_else(|| err("bad asdot low part"))?;
            return Ok(Asn((u32::from(hi) << 16) | u32::from(lo)));
        }
        parse_digits(digits).map(Asn).ok_or_else(|| err("not a number in 0..=4294967295"))
    }
}

fn parse_digits<T: FromStr>(s: &str) -> Option<T> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

impl Serialize for Asn {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u32(self.0)
    }
}

impl<'de> Deserialize<'de> for Asn {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Asn;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an AS number or a string like \"AS13335\"")
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Asn, E> {
                u32::try_from(v).map(Asn).map_err(|_| E::custom(format!("AS number {v} too large")))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Asn, E> {
                u32::try_from(v)
                    .map(Asn)
                    .map_err(|_| E::custom(format!("AS number {v} out of range")))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Asn, E> {
                v.parse().map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_all_notations() {
        assert_eq!("13335".parse::<Asn>().unwrap(), Asn(13335));
        assert_eq!("AS13335".parse::<Asn>().unwrap(), Asn(13335));
        assert_eq!("as13335".parse::<Asn>().unwrap(), Asn(13335));
        assert_eq!("1.10".parse::<Asn>().unwrap(), Asn(65546));
        assert_eq!("4294967295".parse::<Asn>().unwrap(), Asn(u32::MAX));
        assert!("4294967296".parse::<Asn>().is_err());
        assert!("AS".parse::<Asn>().is_err());
        assert!("-1".parse::<Asn>().is_err());
        assert!("+5".parse::<Asn>().is_err());
        assert!("1.70000".parse::<Asn>().is_err());
        // Found by the vrp fuzz target: a leading multi-byte character
        // (here a byte-order mark) must be an error, not a panic.
        assert!("\u{feff}13335".parse::<Asn>().is_err());
        assert!("é".parse::<Asn>().is_err());
        assert!("Aé1".parse::<Asn>().is_err());
        assert_eq!(Asn(64512).to_string(), "AS64512");
    }

    #[test]
    fn serde_accepts_number_and_string() {
        let a: Asn = serde_json::from_str("13335").unwrap();
        let b: Asn = serde_json::from_str("\"AS13335\"").unwrap();
        assert_eq!(a, b);
        assert_eq!(serde_json::to_string(&a).unwrap(), "13335");
        assert!(serde_json::from_str::<Asn>("-3").is_err());
    }
}
