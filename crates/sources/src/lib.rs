//! Readers for registry and auxiliary datasets: RIR delegated statistics,
//! IANA registries, pyasn IP-to-ASN tables, AS names lists, CAIDA AS
//! relationships and AS-to-organisation data, CAIDA Spoofer sessions and
//! RDAP autnum responses (AS contacts).
//!
//! Every reader follows the same contract: a streaming iterator of
//! `Result<Item, Diagnostic>` built from a [`manrs_input::Input`] and a
//! [`Mode`] (`new(input, mode)`, or `open(path, mode)`); lenient mode skips
//! bad lines and records them in the reader's [`manrs_types::Diagnostics`]
//! (`diagnostics()`), strict mode yields the first problem as an error and
//! ends; a truncated compressed input always ends with a `Truncated`
//! diagnostic.
//!
//! | module | dataset | reader | [`Format`] |
//! |---|---|---|---|
//! | [`delegated`] | RIR / NRO / IANA delegated(-extended) statistics | [`delegated::DelegatedReader`] | `rir-delegated` |
//! | [`iana`] | IANA IPv4 address space / IPv6 unicast assignments CSV | [`iana::IanaReader`] | `iana-ipv4-space`, `iana-ipv6-unicast` |
//! | [`ipasn`] | pyasn IP-ASN32-DAT prefix → origin tables | [`ipasn::IpAsnReader`] | `ipasn` |
//! | [`asnames`] | AS names, JSON map and text lists | [`asnames::AsNamesJsonReader`], [`asnames::AsNamesTextReader`] | `as-names-json`, `as-names-text` |
//! | [`caida`] | CAIDA AS relationships (serial-1/-2), AS-to-organisation (JSON Lines, text) | [`caida::AsRelReader`], [`caida::As2OrgReader`] | `caida-as-rel`, `caida-as-rel2`, `caida-as2org-jsonl`, `caida-as2org-text` |
//! | [`spoofer`] | CAIDA Spoofer session pages (Hydra JSON) | [`spoofer::SpooferReader`] | `spoofer-json` |
//! | [`routes`] | `prefix,asn` route lists | [`routes::RouteCsvReader`] | `route-csv` |
//! | [`rdap`] | RDAP autnum responses (RFC 9083), JSON Lines | [`rdap::RdapReader`] | `rdap-autnum` |
//!
//! [`detect`] recognises every format from the first decompressed bytes and
//! [`inspect`] streams a whole file into a [`Summary`].

pub mod asnames;
pub mod caida;
mod common;
pub mod delegated;
pub mod iana;
pub mod ipasn;
pub mod rdap;
pub mod routes;
pub mod spoofer;

pub use common::{Date, DateParseError};

use manrs_input::Input;
use manrs_types::{Diagnostic, Mode, Summary};

/// The formats this crate reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// RIR / NRO / IANA delegated statistics.
    RirDelegated,
    /// IANA IPv4 address space registry CSV.
    IanaIpv4Space,
    /// IANA IPv6 unicast address assignments CSV.
    IanaIpv6Unicast,
    /// CAIDA AS relationships, serial-1.
    CaidaAsRel,
    /// CAIDA AS relationships, serial-2.
    CaidaAsRel2,
    /// CAIDA AS-to-organisation, JSON Lines.
    CaidaAs2OrgJsonl,
    /// CAIDA AS-to-organisation, text.
    CaidaAs2OrgText,
    /// AS names, JSON map.
    AsNamesJson,
    /// AS names, text list.
    AsNamesText,
    /// pyasn IP-ASN32-DAT.
    IpAsn,
    /// CAIDA Spoofer sessions page.
    SpooferJson,
    /// A `prefix,asn` route list.
    RouteCsv,
    /// RDAP autnum responses, JSON Lines.
    RdapAutnum,
}

impl Format {
    /// The format's short name, as `manrs inspect` prints it.
    pub fn name(self) -> &'static str {
        match self {
            Format::RirDelegated => "rir-delegated",
            Format::IanaIpv4Space => "iana-ipv4-space",
            Format::IanaIpv6Unicast => "iana-ipv6-unicast",
            Format::CaidaAsRel => "caida-as-rel",
            Format::CaidaAsRel2 => "caida-as-rel2",
            Format::CaidaAs2OrgJsonl => "caida-as2org-jsonl",
            Format::CaidaAs2OrgText => "caida-as2org-text",
            Format::AsNamesJson => "as-names-json",
            Format::AsNamesText => "as-names-text",
            Format::IpAsn => "ipasn",
            Format::SpooferJson => "spoofer-json",
            Format::RouteCsv => "route-csv",
            Format::RdapAutnum => "rdap-autnum",
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Detects the format from the first (up to 64 KiB of) decompressed bytes,
/// most specific first. Returns `None` for anything else, including RPSL
/// dumps, VRP JSON and CSV, PeeringDB JSON and MRT.
pub fn detect(head: &[u8]) -> Option<Format> {
    if spoofer::detect(head) {
        return Some(Format::SpooferJson);
    }
    if rdap::detect(head) {
        return Some(Format::RdapAutnum);
    }
    if asnames::detect_json(head) {
        return Some(Format::AsNamesJson);
    }
    if caida::detect_as2org_jsonl(head) {
        return Some(Format::CaidaAs2OrgJsonl);
    }
    match iana::detect(head) {
        Some(4) => return Some(Format::IanaIpv4Space),
        Some(_) => return Some(Format::IanaIpv6Unicast),
        None => {}
    }
    if delegated::detect(head) {
        return Some(Format::RirDelegated);
    }
    if ipasn::detect(head) {
        return Some(Format::IpAsn);
    }
    match caida::detect_as_rel(head) {
        Some(1) => return Some(Format::CaidaAsRel),
        Some(_) => return Some(Format::CaidaAsRel2),
        None => {}
    }
    if caida::detect_as2org_text(head) {
        return Some(Format::CaidaAs2OrgText);
    }
    if asnames::detect_text(head) {
        return Some(Format::AsNamesText);
    }
    if routes::detect(head) {
        return Some(Format::RouteCsv);
    }
    None
}

/// Streams a whole input with the reader of `format` and summarises it. In
/// strict mode the first problem is the error.
pub fn inspect(format: Format, input: Input, mode: Mode) -> Result<Summary, Diagnostic> {
    let name = format.name();
    match format {
        Format::RirDelegated => delegated::inspect(input, mode, name),
        Format::IanaIpv4Space | Format::IanaIpv6Unicast => iana::inspect(input, mode, name),
        Format::CaidaAsRel | Format::CaidaAsRel2 => caida::inspect_as_rel(input, mode, name),
        Format::CaidaAs2OrgJsonl | Format::CaidaAs2OrgText => {
            caida::inspect_as2org(input, mode, name)
        }
        Format::AsNamesJson => asnames::inspect_json(input, mode, name),
        Format::AsNamesText => asnames::inspect_text(input, mode, name),
        Format::IpAsn => ipasn::inspect(input, mode, name),
        Format::SpooferJson => spoofer::inspect(input, mode, name),
        Format::RouteCsv => routes::inspect(input, mode, name),
        Format::RdapAutnum => rdap::inspect(input, mode, name),
    }
}
