//! Streaming RPSL reader for IRR databases (RFC 2622, RFC 4012 for
//! `route6`/`mp-*`, RFC 2725 for `mnt-by`/`source`).
//!
//! [`RpslReader`] reads a dump (RIPE split files, RIPE-NONAUTH, RADB,
//! the RIR IRRs, whois output) object by object without loading it, keeps
//! every object's `source:` (the trust of a route object depends on which
//! IRR it came from), and reports bad lines with their line numbers. The
//! generic [`RpslObject`] has typed views for the classes the MANRS metrics
//! use: [`RpslObject::route`] (route and route6 → [`RouteObject`]),
//! [`AutNum`], [`AsSet`], [`RouteSet`] and [`Mntner`].
//!
//! The splitter is our own rather than rpsl-rs: the reader needs byte-level
//! input (IRR dumps contain Latin-1 and other non-UTF-8 bytes, which are
//! decoded lossily and counted, not rejected), line numbers for diagnostics,
//! and a bound on line length, none of which an attribute parser working on
//! one whole `&str` object provides. Policy expressions (`import:` and
//! friends) are kept as text; nothing here evaluates them.
//!
//! [`RouteObject`]: manrs_types::RouteObject

mod object;
mod reader;

pub use object::{AsSet, AutNum, Mntner, RouteSet, RpslError, RpslObject};
pub use reader::{RpslReader, detect, inspect};
