//! The MANRS programme (manrs-spec §1): what organisations apply to, and
//! what the secretariat checks.
//!
//! * [`catalogue`]: the versioned catalogue of the four programmes and
//!   their actions (`programmes/manrs-programmes.toml`), parsed and
//!   validated.
//! * [`application`]: an application's content (organisation, areas
//!   served, ASNs, one claim per action) checked against the catalogue.
//! * [`auth`]: roles, password hashing (Argon2id), random tokens and their
//!   hashes for sessions and API keys.
//!
//! No IO beyond the operating system's random source; the store keeps the
//! rows, the web server the workflow.

pub mod application;
pub mod auth;
pub mod catalogue;

pub use application::{ActionClaim, Application, ApplicationError};
pub use auth::{AuthError, Role};
pub use catalogue::{Action, Catalogue, CatalogueError, Programme};
