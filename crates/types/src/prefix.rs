//! IP prefixes (IPv4 and IPv6) in canonical form.
//!
//! A [`Prefix`] wraps [`ipnet::IpNet`] and guarantees that no host bits are
//! set: `10.0.0.1/8` is rejected by `FromStr` with a clear error, because a
//! route, VRP or route object with host bits is malformed data that a reader
//! must report (RFC 4271 §4.3 requires trailing bits to be ignored on the wire,
//! which the MRT reader handles with [`Prefix::new_truncating`]).

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use ipnet::IpNet;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A canonical IP prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Prefix(IpNet);

/// Error returned when a string is not a canonical prefix.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid prefix {input:?}: {reason}")]
pub struct PrefixParseError {
    input: String,
    reason: &'static str,
}

impl Prefix {
    /// Builds a prefix, failing if host bits are set.
    pub fn new(net: IpNet) -> Result<Self, PrefixParseError> {
        if net.trunc() != net {
            return Err(PrefixParseError { input: net.to_string(), reason: "host bits set" });
        }
        Ok(Prefix(net))
    }

    /// Builds a prefix, clearing any host bits.
    pub fn new_truncating(net: IpNet) -> Self {
        Prefix(net.trunc())
    }

    /// The network address.
    pub fn addr(&self) -> IpAddr {
        self.0.addr()
    }

    /// The prefix length in bits.
    pub fn len(&self) -> u8 {
        self.0.prefix_len()
    }

    /// Whether this is the zero-length default route (`0.0.0.0/0`, `::/0`).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The maximum prefix length of the address family (32 or 128).
    pub fn max_len(&self) -> u8 {
        self.0.max_prefix_len()
    }

    /// Whether this is an IPv4 prefix.
    pub fn is_ipv4(&self) -> bool {
        matches!(self.0, IpNet::V4(_))
    }

    /// Whether `other` is equal to or more specific than `self`.
    pub fn covers(&self, other: &Prefix) -> bool {
        self.0.contains(&other.0)
    }

    /// The underlying [`IpNet`].
    pub fn net(&self) -> IpNet {
        self.0
    }
}

impl TryFrom<IpNet> for Prefix {
    type Error = PrefixParseError;
    fn try_from(net: IpNet) -> Result<Self, Self::Error> {
        Prefix::new(net)
    }
}

impl From<Prefix> for IpNet {
    fn from(p: Prefix) -> Self {
        p.0
    }
}

impl FromStr for Prefix {
    type Err = PrefixParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        if !t.contains('/') {
            return Err(PrefixParseError { input: s.to_string(), reason: "missing /length" });
        }
        let net: IpNet = t
            .parse()
            .map_err(|_| PrefixParseError { input: s.to_string(), reason: "not an IP prefix" })?;
        if net.trunc() != net {
            return Err(PrefixParseError { input: s.to_string(), reason: "host bits set" });
        }
        Ok(Prefix(net))
    }
}

impl fmt::Display for Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl Serialize for Prefix {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Prefix {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_only() {
        let p: Prefix = "192.0.2.0/24".parse().unwrap();
        assert_eq!(p.to_string(), "192.0.2.0/24");
        assert_eq!(p.len(), 24);
        assert!(p.is_ipv4());
        assert!("192.0.2.1/24".parse::<Prefix>().is_err());
        assert!("192.0.2.0".parse::<Prefix>().is_err());
        assert!("192.0.2.0/33".parse::<Prefix>().is_err());
        let v6: Prefix = "2001:db8::/32".parse().unwrap();
        assert_eq!(v6.max_len(), 128);
        assert!(!v6.is_ipv4());
    }

    #[test]
    fn covering() {
        let a: Prefix = "10.0.0.0/8".parse().unwrap();
        let b: Prefix = "10.1.0.0/16".parse().unwrap();
        assert!(a.covers(&b));
        assert!(!b.covers(&a));
        assert!(a.covers(&a));
        let t = Prefix::new_truncating("10.1.2.3/8".parse().unwrap());
        assert_eq!(t, a);
    }
}
