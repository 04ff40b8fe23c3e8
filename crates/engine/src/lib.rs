//! The pure analysis core of manrs: data in, findings out, no IO.
//!
//! * [`snapshot`]: the routing snapshot of a period (manrs-spec §2.2);
//! * [`rov`]: route origin validation (RFC 6811);
//! * [`irr`]: IRR route-object coverage (manrs-spec §7.2);
//! * [`relationships`]: AS relationships inferred from paths (Gao);
//! * [`metrics`]: the Action 4 metrics M7RPKI and M7IRR with evidence
//!   (manrs-spec §2.4);
//! * [`aspa`]: ASPA path verification (route-leak evidence);
//! * [`bogons`]: the bogon reference of Action 1 (full and administrative);
//! * [`hijacks`]: MOAS / sub-MOAS misorigination detection with pruning
//!   (Action 1, M2/M2C);
//! * [`leaks`]: valley-free route-leak detection (Action 1, M1/M1C);
//! * [`incidents`]: incident consolidation, duration weighting and the
//!   penalty-to-score mapping (manrs-spec §2.3, §2.5);
//! * [`settings`]: the analysis choices and the scoring profile.
//!
//! Incidents (Action 1) and the other key figures grow here.

pub mod aspa;
pub mod bogons;
pub mod hijacks;
pub mod incidents;
pub mod irr;
pub mod leaks;
pub mod metrics;
pub mod relationships;
pub mod rov;
pub mod settings;
pub mod snapshot;

pub use bogons::{BogonClass, BogonMatch, BogonRef, PathBogon, path_bogons};
pub use incidents::{Event, Incident, Weighting, consolidate, penalty_score, raw_metrics};
pub use irr::{IrrIndex, IrrMatch};
pub use metrics::{AnalysedRoute, Analysis, AsCounts, AsMetrics, analyse};
pub use rov::{CoveringVrp, RovCounts, RovState, VrpIndex};
pub use settings::{AsSetPolicy, Band, Bands, IrrPolicy, Profile, Settings};
pub use snapshot::{
    Origin, Peer, PeerId, Segment, Snapshot, SnapshotBuilder, SnapshotRoute, SnapshotStats,
};
