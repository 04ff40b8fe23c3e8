//! Runs one period of the manrs pipeline (manrs-spec §7.1, steps 2-4):
//! the inputs a sources manifest names for the month are read by the
//! streaming readers into the period's routing snapshot, VRP index, IRR index
//! and registry tables ([`ingest_period`]); the pure engine analyses them
//! (RFC 6811 validation, IRR coverage, the Action 4 metrics); and the
//! results with their evidence are written to the store as one immutable,
//! atomically committed period ([`store_period`]).
//!
//! Each file's content is checked against the kind the manifest gives it
//! (an MRT file listed as `vrps` is an error naming the manifest line), and
//! every file's counts and diagnostics are stored with the period, so a
//! user can see what was read and what was dropped. In lenient mode bad
//! records are skipped and counted; in strict mode the first problem stops
//! the run and nothing of the period is stored.

pub mod action1;
pub mod actions23;
pub mod bogons;
pub mod detect;
pub mod hijacks;
mod ingest;
mod write;

use std::path::{Path, PathBuf};

use manrs_input::InputStatus;
use manrs_manifest::InputKind;
use manrs_types::Diagnostic;

pub use ingest::{
    Delegation, Holder, Ingested, RouteData, Shard, SourceReport, ingest_context, ingest_period,
    read_paths, reread_shard,
};
pub use write::{PeriodOutcome, run_period, store_period};

/// Errors that stop a period.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// A file could not be opened or read.
    #[error("{path}: {source}")]
    Open {
        /// The file.
        path: PathBuf,
        /// Why.
        source: manrs_input::InputError,
    },
    /// A file's content is not what its manifest kind says, or no reader
    /// knows it.
    #[error("{path}: {message}")]
    Content {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Strict mode: the first problem found in an input.
    #[error("{0}")]
    Strict(Diagnostic),
    /// The store refused or failed.
    #[error(transparent)]
    Store(#[from] manrs_store::StoreError),
}

/// Hooks for progress reporting; every method has an empty default.
pub trait Observer {
    /// A file is about to be read: its kind, path, size on disk and a live
    /// view of how many compressed bytes were read so far.
    fn file_started(&self, _kind: InputKind, _path: &Path, _size: u64, _status: &InputStatus) {}
    /// A file was read.
    fn file_finished(&self, _report: &SourceReport) {}
    /// A stage of the period started (`validating`, `writing`...).
    fn stage(&self, _what: &str) {}
}

/// An observer that reports nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct Quiet;

impl Observer for Quiet {}
