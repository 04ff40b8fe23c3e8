//! The pure analysis core of manrs: data in, findings out, no IO.
//!
//! * [`snapshot`]: the routing snapshot of a period (manrs-spec §2.2);
//! * [`rov`]: route origin validation (RFC 6811);
//! * [`irr`]: IRR route-object coverage (manrs-spec §7.2);
//! * [`relationships`]: AS relationships inferred from paths (CAIDA AS Rank
//!   algorithm);
//! * [`metrics`]: the Action 4 metrics M7RPKI and M7IRR with evidence
//!   (manrs-spec §2.4);
//! * [`aspa`]: ASPA path verification (route-leak evidence);
//! * [`bogons`]: the bogon reference of Action 1 (full and administrative);
//! * [`hijacks`]: MOAS / sub-MOAS misorigination detection with pruning
//!   (Action 1, M2/M2C);
//! * [`paths`]: the distinct AS paths of a period, collected once each;
//! * [`leaks`]: valley-free route-leak detection (Action 1, M1/M1C);
//! * [`incidents`]: incident consolidation and duration weighting
//!   (manrs-spec §2.3);
//! * [`spoofing`]: Spoofer results per AS, metric M5 (Action 2);
//! * [`contacts`]: contacts per AS and their sources, metric M8 (Action 3);
//! * [`scores`]: the five key figures and their bands (manrs-spec §2.5–2.7);
//! * [`settings`]: the analysis choices and the scoring profile;
//! * [`peerset`]: the compact peer sets of the per-route accumulators;
//! * [`universe`]: which networks a period scores and counts (manrs-spec §2.1).

pub mod aspa;
pub mod bogons;
pub mod contacts;
pub mod hijacks;
pub mod incidents;
pub mod irr;
pub mod leaks;
pub mod metrics;
pub mod paths;
pub mod peerset;
pub mod relationships;
pub mod rov;
pub mod scores;
pub mod settings;
pub mod snapshot;
pub mod spoofing;
pub mod universe;

pub use bogons::{BogonClass, BogonMatch, BogonRef, PathBogon, path_bogons};
pub use contacts::{Contact, ContactBook, NetworkContacts};
pub use incidents::{Event, Incident, Weighting, consolidate, raw_metrics};
pub use irr::{IrrIndex, IrrMatch};
pub use metrics::{AnalysedRoute, Analysis, AsCounts, AsMetrics, analyse};
pub use peerset::PeerSet;
pub use rov::{CoveringVrp, RovCounts, RovState, VrpIndex};
pub use scores::{Figure, Score};
pub use settings::{AsSetPolicy, Band, Bands, IrrPolicy, Profile, Settings};
pub use snapshot::{
    Origin, Peer, PeerId, Segment, Snapshot, SnapshotBuilder, SnapshotRoute, SnapshotStats,
};
pub use spoofing::{SpoofCounts, SpoofIndex, SpoofTest};
pub use universe::{Member, Universe, UniverseStats, Visibility};
