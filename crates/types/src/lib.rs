//! Domain vocabulary of the manrs observatory.
//!
//! Every other crate speaks in these types: [`Asn`], [`Prefix`], [`Vrp`],
//! [`Aspa`], [`RouteObject`], [`Month`] (the MANRS reporting period, a
//! calendar month, manrs-spec §2.2) and [`Country`]. The [`diag`] module holds
//! the diagnostics every reader uses to report bad input in lenient mode and
//! to fail in strict mode. The [`m49`] module maps economies to their UN
//! M49 regions.
//!
//! This crate does no IO; it only parses and prints values (`FromStr`,
//! `Display`, serde).

pub mod asn;
pub mod country;
pub mod diag;
pub mod m49;
pub mod period;
pub mod prefix;
pub mod route;
pub mod summary;

pub use asn::{Asn, AsnParseError};
pub use country::{Country, CountryParseError};
pub use diag::{DiagKind, Diagnostic, Diagnostics, Location, Mode};
pub use period::{Month, MonthParseError, format_utc, parse_rfc3339};
pub use prefix::{Prefix, PrefixParseError};
pub use route::{Aspa, RouteObject, Vrp};
pub use summary::Summary;
