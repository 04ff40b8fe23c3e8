//! The sources manifest (skeleton, being written).
