//! PeeringDB object types and the typed records manrs uses.
//!
//! Field names and meanings follow the PeeringDB API documentation
//! (<https://www.peeringdb.com/apidocs/>, API version 2). Anonymous API
//! responses hide some fields (e.g. contacts that are not public), so every
//! field except the ids (and the ASN of `net` and `netixlan`) is optional;
//! unknown fields are ignored. Contact records (`poc`) hold personal data.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use manrs_types::{Asn, Country};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

/// The kind of a PeeringDB object (the API's endpoint name).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ObjectType {
    /// `net`: a network (an AS).
    Net,
    /// `org`: an organisation.
    Org,
    /// `ix`: an Internet exchange.
    Ix,
    /// `netixlan`: a network's port on an exchange LAN.
    NetIxLan,
    /// `poc`: a network's point of contact.
    Poc,
    /// `fac`: a facility.
    Fac,
    /// `ixlan`: an exchange LAN.
    IxLan,
    /// `ixpfx`: a prefix of an exchange LAN.
    IxPfx,
    /// `ixfac`: an exchange present in a facility.
    IxFac,
    /// `netfac`: a network present in a facility.
    NetFac,
    /// `carrier`: a carrier.
    Carrier,
    /// `carrierfac`: a carrier present in a facility.
    CarrierFac,
    /// `campus`: a campus of facilities.
    Campus,
    /// Any other name (read as a generic object).
    Other(String),
}

impl ObjectType {
    /// The API name (`net`, `netixlan`, ...).
    pub fn as_str(&self) -> &str {
        match self {
            ObjectType::Net => "net",
            ObjectType::Org => "org",
            ObjectType::Ix => "ix",
            ObjectType::NetIxLan => "netixlan",
            ObjectType::Poc => "poc",
            ObjectType::Fac => "fac",
            ObjectType::IxLan => "ixlan",
            ObjectType::IxPfx => "ixpfx",
            ObjectType::IxFac => "ixfac",
            ObjectType::NetFac => "netfac",
            ObjectType::Carrier => "carrier",
            ObjectType::CarrierFac => "carrierfac",
            ObjectType::Campus => "campus",
            ObjectType::Other(s) => s,
        }
    }

    /// The known types, in API order.
    pub const KNOWN: [ObjectType; 13] = [
        ObjectType::Org,
        ObjectType::Campus,
        ObjectType::Fac,
        ObjectType::Carrier,
        ObjectType::CarrierFac,
        ObjectType::Net,
        ObjectType::Ix,
        ObjectType::IxFac,
        ObjectType::IxLan,
        ObjectType::IxPfx,
        ObjectType::NetFac,
        ObjectType::NetIxLan,
        ObjectType::Poc,
    ];

    /// Infers the type of an API page from the members of one of its
    /// objects (PeeringDB pages do not name their type). The first rule that
    /// matches wins:
    ///
    /// | members present | type |
    /// |---|---|
    /// | `role` and `visible` | `poc` |
    /// | `ipaddr4`, `ipaddr6` or `is_rs_peer` | `netixlan` |
    /// | `info_type`, `info_types`, `info_prefixes4` or `irr_as_set` | `net` |
    /// | `prefix` and `ixlan_id` | `ixpfx` |
    /// | `carrier_id` and `fac_id` | `carrierfac` |
    /// | `ix_id` and `fac_id` | `ixfac` |
    /// | `net_id` and `fac_id` | `netfac` |
    /// | `ix_id` with `mtu`, `rs_asn`, `dot1q_support` or `arp_sponge` | `ixlan` |
    /// | `proto_unicast`, `media` or `ixf_net_count` | `ix` |
    /// | `clli`, `npanxx`, `campus_id` or `available_voltage_services` | `fac` |
    /// | `fac_count` and `org_id` | `carrier` |
    /// | `org_id` and (`zipcode` or `state`) | `campus` |
    /// | no `org_id`, and `address1`, `country` or `city` | `org` |
    ///
    /// `None` when nothing matches.
    pub fn infer(object: &Map<String, Value>) -> Option<ObjectType> {
        let has = |k: &str| object.contains_key(k);
        let any = |ks: &[&str]| ks.iter().any(|k| has(k));
        Some(if has("role") && has("visible") {
            ObjectType::Poc
        } else if any(&["ipaddr4", "ipaddr6", "is_rs_peer"]) {
            ObjectType::NetIxLan
        } else if any(&["info_type", "info_types", "info_prefixes4", "irr_as_set"]) {
            ObjectType::Net
        } else if has("prefix") && has("ixlan_id") {
            ObjectType::IxPfx
        } else if has("carrier_id") && has("fac_id") {
            ObjectType::CarrierFac
        } else if has("ix_id") && has("fac_id") {
            ObjectType::IxFac
        } else if has("net_id") && has("fac_id") {
            ObjectType::NetFac
        } else if has("ix_id") && any(&["mtu", "rs_asn", "dot1q_support", "arp_sponge"]) {
            ObjectType::IxLan
        } else if any(&["proto_unicast", "media", "ixf_net_count"]) {
            ObjectType::Ix
        } else if any(&["clli", "npanxx", "campus_id", "available_voltage_services"]) {
            ObjectType::Fac
        } else if has("fac_count") && has("org_id") {
            ObjectType::Carrier
        } else if has("org_id") && any(&["zipcode", "state"]) {
            ObjectType::Campus
        } else if !has("org_id") && any(&["address1", "country", "city"]) {
            ObjectType::Org
        } else {
            return None;
        })
    }
}

impl FromStr for ObjectType {
    type Err = std::convert::Infallible;
    /// Any name: the known ones map to their variant, others to `Other`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(ObjectType::KNOWN
            .iter()
            .find(|t| t.as_str() == s)
            .cloned()
            .unwrap_or_else(|| ObjectType::Other(s.to_string())))
    }
}

impl fmt::Display for ObjectType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A `*_set` member: ids at API depth 1, objects at depth 2.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum SetEntry<T> {
    /// Only the related object's id.
    Id(u64),
    /// The related object itself.
    Object(Box<T>),
}

/// A network (`net`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Net {
    /// PeeringDB id.
    pub id: u64,
    /// The owning organisation.
    #[serde(default)]
    pub org_id: Option<u64>,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Also known as.
    #[serde(default)]
    pub aka: Option<String>,
    /// The network's AS number.
    pub asn: Asn,
    /// The AS-SET(s) to filter with, as written (`RIPE::AS-EXAMPLE`...).
    #[serde(default)]
    pub irr_as_set: Option<String>,
    /// Network type (`NSP`, `Content`, `Cable/DSL/ISP`...).
    #[serde(default)]
    pub info_type: Option<String>,
    /// Announced IPv4 prefixes (as declared).
    #[serde(default)]
    pub info_prefixes4: Option<u64>,
    /// Announced IPv6 prefixes (as declared).
    #[serde(default)]
    pub info_prefixes6: Option<u64>,
    /// Peering policy (`Open`, `Selective`, `Restrictive`, `No`).
    #[serde(default)]
    pub policy_general: Option<String>,
    /// Web site.
    #[serde(default)]
    pub website: Option<String>,
    /// Record status (`ok`, `pending`, `deleted`).
    #[serde(default)]
    pub status: Option<String>,
    /// Creation time (ISO 8601).
    #[serde(default)]
    pub created: Option<String>,
    /// Last update (ISO 8601).
    #[serde(default)]
    pub updated: Option<String>,
    /// Contacts, when the response includes them.
    #[serde(default)]
    pub poc_set: Vec<SetEntry<Poc>>,
    /// Exchange ports, when the response includes them.
    #[serde(default)]
    pub netixlan_set: Vec<SetEntry<NetIxLan>>,
}

/// An organisation (`org`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Org {
    /// PeeringDB id.
    pub id: u64,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Country (ISO 3166-1 alpha-2), when given.
    #[serde(default, deserialize_with = "country")]
    pub country: Option<Country>,
    /// City.
    #[serde(default)]
    pub city: Option<String>,
    /// Web site.
    #[serde(default)]
    pub website: Option<String>,
    /// Record status.
    #[serde(default)]
    pub status: Option<String>,
}

/// An Internet exchange (`ix`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Ix {
    /// PeeringDB id.
    pub id: u64,
    /// The operating organisation.
    #[serde(default)]
    pub org_id: Option<u64>,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Country, when given.
    #[serde(default, deserialize_with = "country")]
    pub country: Option<Country>,
    /// City.
    #[serde(default)]
    pub city: Option<String>,
    /// Continental region (`Europe`, `North America`...).
    #[serde(default)]
    pub region_continent: Option<String>,
    /// Record status.
    #[serde(default)]
    pub status: Option<String>,
}

/// A network's port on an exchange LAN (`netixlan`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct NetIxLan {
    /// PeeringDB id.
    pub id: u64,
    /// The network.
    #[serde(default)]
    pub net_id: Option<u64>,
    /// The exchange.
    #[serde(default)]
    pub ix_id: Option<u64>,
    /// The exchange LAN.
    #[serde(default)]
    pub ixlan_id: Option<u64>,
    /// The network's AS number.
    pub asn: Asn,
    /// IPv4 address on the LAN.
    #[serde(default)]
    pub ipaddr4: Option<Ipv4Addr>,
    /// IPv6 address on the LAN.
    #[serde(default)]
    pub ipaddr6: Option<Ipv6Addr>,
    /// Port speed in Mbit/s.
    #[serde(default)]
    pub speed: Option<u64>,
    /// Whether the network peers with the route servers.
    #[serde(default)]
    pub is_rs_peer: Option<bool>,
    /// Whether the port is in operation.
    #[serde(default)]
    pub operational: Option<bool>,
    /// Record status.
    #[serde(default)]
    pub status: Option<String>,
}

/// A point of contact of a network (`poc`); personal data.
#[derive(Clone, PartialEq, Deserialize)]
pub struct Poc {
    /// PeeringDB id.
    pub id: u64,
    /// The network.
    #[serde(default)]
    pub net_id: Option<u64>,
    /// Role (`Abuse`, `NOC`, `Policy`, `Technical`, `Maintenance`, `Sales`, `Public Relations`).
    #[serde(default)]
    pub role: Option<String>,
    /// Visibility (`Public`, `Users`, `Private`).
    #[serde(default)]
    pub visible: Option<String>,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Telephone.
    #[serde(default)]
    pub phone: Option<String>,
    /// E-mail address.
    #[serde(default)]
    pub email: Option<String>,
    /// URL.
    #[serde(default)]
    pub url: Option<String>,
    /// Record status.
    #[serde(default)]
    pub status: Option<String>,
}

impl fmt::Debug for Poc {
    /// Leaves the contact details out, so that logs and test output never
    /// carry personal data.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Poc")
            .field("id", &self.id)
            .field("net_id", &self.net_id)
            .field("role", &self.role)
            .field("visible", &self.visible)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

/// One PeeringDB object.
#[derive(Clone, Debug, PartialEq)]
pub enum Object {
    /// A network.
    Net(Box<Net>),
    /// An organisation.
    Org(Org),
    /// An exchange.
    Ix(Ix),
    /// An exchange port.
    NetIxLan(NetIxLan),
    /// A contact.
    Poc(Poc),
    /// Any other type, as its JSON members.
    Other {
        /// The type.
        kind: ObjectType,
        /// The object's members.
        fields: Map<String, Value>,
    },
}

impl Object {
    /// The object's type.
    pub fn object_type(&self) -> ObjectType {
        match self {
            Object::Net(_) => ObjectType::Net,
            Object::Org(_) => ObjectType::Org,
            Object::Ix(_) => ObjectType::Ix,
            Object::NetIxLan(_) => ObjectType::NetIxLan,
            Object::Poc(_) => ObjectType::Poc,
            Object::Other { kind, .. } => kind.clone(),
        }
    }

    /// Builds a typed object of type `kind` from its JSON members.
    pub(crate) fn from_json(kind: &ObjectType, fields: Map<String, Value>) -> Result<Self, String> {
        fn typed<T: serde::de::DeserializeOwned>(m: Map<String, Value>) -> Result<T, String> {
            T::deserialize(Value::Object(m)).map_err(|e| e.to_string())
        }
        Ok(match kind {
            ObjectType::Net => Object::Net(Box::new(typed(fields)?)),
            ObjectType::Org => Object::Org(typed(fields)?),
            ObjectType::Ix => Object::Ix(typed(fields)?),
            ObjectType::NetIxLan => Object::NetIxLan(typed(fields)?),
            ObjectType::Poc => Object::Poc(typed(fields)?),
            other => {
                if !matches!(fields.get("id"), Some(Value::Number(n)) if n.is_u64()) {
                    return Err("missing or non-integer \"id\"".into());
                }
                Object::Other { kind: other.clone(), fields }
            }
        })
    }
}

/// A country code that may be absent, `null` or empty.
fn country<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Country>, D::Error> {
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(s) if s.trim().is_empty() => Ok(None),
        Some(s) => s.parse().map(Some).map_err(serde::de::Error::custom),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => unreachable!(),
        }
    }

    #[test]
    fn names_round_trip() {
        for t in ObjectType::KNOWN {
            assert_eq!(t.as_str().parse::<ObjectType>().unwrap(), t);
        }
        assert_eq!("foo".parse::<ObjectType>().unwrap(), ObjectType::Other("foo".into()));
    }

    #[test]
    fn typed_objects_tolerate_missing_fields() {
        let n = Object::from_json(&ObjectType::Net, obj(json!({"id": 1, "asn": 64496}))).unwrap();
        let Object::Net(n) = n else { panic!("not a net") };
        assert_eq!((n.asn, n.name.as_deref(), n.poc_set.len()), (Asn(64496), None, 0));
        let n = Object::from_json(
            &ObjectType::Net,
            obj(json!({"id": 1, "asn": 1, "poc_set": [5, {"id": 6, "role": "NOC"}], "info_prefixes4": null})),
        )
        .unwrap();
        let Object::Net(n) = n else { panic!("not a net") };
        assert_eq!(n.poc_set[0], SetEntry::Id(5));
        assert!(matches!(&n.poc_set[1], SetEntry::Object(p) if p.id == 6));
        assert!(Object::from_json(&ObjectType::Net, obj(json!({"id": 1}))).is_err());
        let o = Object::from_json(&ObjectType::Org, obj(json!({"id": 2, "country": ""}))).unwrap();
        assert_eq!(
            o,
            Object::Org(Org {
                id: 2,
                name: None,
                country: None,
                city: None,
                website: None,
                status: None
            })
        );
        let e = Object::from_json(&ObjectType::Ix, obj(json!({"id": 2, "country": "NLD"})))
            .unwrap_err();
        assert!(e.contains("invalid country code"), "{e}");
        let e = Object::from_json(
            &ObjectType::NetIxLan,
            obj(json!({"id": 2, "asn": 1, "ipaddr4": "x"})),
        )
        .unwrap_err();
        assert!(e.contains("invalid IPv4 address"), "{e}");
        assert!(Object::from_json(&ObjectType::Fac, obj(json!({"name": "x"}))).is_err());
    }

    #[test]
    fn poc_debug_hides_contact_details() {
        let p: Poc = serde_json::from_value(
            json!({"id": 1, "name": "Jane Example", "email": "jane@example.net", "phone": "+1"}),
        )
        .unwrap();
        let s = format!("{p:?}");
        assert!(!s.contains("Jane") && !s.contains("example.net"), "{s}");
    }

    #[test]
    fn inference_table() {
        let cases = [
            (json!({"id": 1, "role": "NOC", "visible": "Public"}), ObjectType::Poc),
            (json!({"id": 1, "asn": 1, "ipaddr4": null}), ObjectType::NetIxLan),
            (json!({"id": 1, "asn": 1, "info_type": "NSP"}), ObjectType::Net),
            (json!({"id": 1, "prefix": "x", "ixlan_id": 1}), ObjectType::IxPfx),
            (json!({"id": 1, "carrier_id": 1, "fac_id": 1}), ObjectType::CarrierFac),
            (json!({"id": 1, "ix_id": 1, "fac_id": 1}), ObjectType::IxFac),
            (json!({"id": 1, "net_id": 1, "fac_id": 1}), ObjectType::NetFac),
            (json!({"id": 1, "ix_id": 1, "mtu": 1500}), ObjectType::IxLan),
            (json!({"id": 1, "org_id": 1, "media": "Ethernet"}), ObjectType::Ix),
            (json!({"id": 1, "org_id": 1, "clli": ""}), ObjectType::Fac),
            (json!({"id": 1, "org_id": 1, "fac_count": 0}), ObjectType::Carrier),
            (json!({"id": 1, "org_id": 1, "zipcode": ""}), ObjectType::Campus),
            (json!({"id": 1, "country": "NL"}), ObjectType::Org),
        ];
        for (v, t) in cases {
            assert_eq!(ObjectType::infer(&obj(v.clone())), Some(t), "{v}");
        }
        assert_eq!(ObjectType::infer(&obj(json!({"id": 1}))), None);
    }
}
