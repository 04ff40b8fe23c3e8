//! The manrs store (skeleton, being written).
