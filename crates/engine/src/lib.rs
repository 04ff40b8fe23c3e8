//! The pure analysis core of manrs: data in, findings out, no IO.
//!
//! Today it holds route origin validation ([`rov`], RFC 6811), the basis of
//! the MANRS Action 4 RPKI metric (manrs-spec §2.4, M7RPKI). The routing
//! snapshot, metrics, incidents and scores grow here.

pub mod rov;
pub mod settings;

pub use rov::{RovCounts, RovState, VrpIndex};
pub use settings::{AsSetPolicy, Band, Bands, IrrPolicy, Profile, Settings};
