//! Economies as ISO 3166-1 alpha-2 codes, as used by the RIR delegated
//! statistics (`cc` column) and the MANRS economy views (manrs-spec §3.1).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A two-letter country / economy code, stored upper-case (`"NL"`). The
/// registries also use non-ISO codes such as `"EU"`, `"AP"` and `"ZZ"`; any
/// two ASCII letters are accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Country([u8; 2]);

/// Error returned when a string is not a two-letter code.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid country code {0:?}: expected two ASCII letters")]
pub struct CountryParseError(String);

impl Country {
    /// The code as a `&str` (always two upper-case ASCII letters).
    pub fn as_str(&self) -> &str {
        // Both bytes are ASCII letters by construction.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

impl FromStr for Country {
    type Err = CountryParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let b = s.trim().as_bytes();
        if b.len() == 2 && b.iter().all(u8::is_ascii_alphabetic) {
            Ok(Country([b[0].to_ascii_uppercase(), b[1].to_ascii_uppercase()]))
        } else {
            Err(CountryParseError(s.to_string()))
        }
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Country {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Country {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_print() {
        assert_eq!("nl".parse::<Country>().unwrap().to_string(), "NL");
        assert!("NLD".parse::<Country>().is_err());
        assert!("1A".parse::<Country>().is_err());
        assert!("".parse::<Country>().is_err());
    }
}
