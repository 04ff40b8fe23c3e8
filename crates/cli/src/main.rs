//! The `manrs` command-line tool.
fn main() {}
