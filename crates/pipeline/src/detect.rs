//! Format detection by content: every reader crate offers a sniffer over the
//! first bytes of the decompressed stream; this module asks them in order,
//! most specific first (binary MRT, then the JSON and CSV formats, then the
//! line formats, and RPSL last because it is the most permissive).

use manrs_input::Input;
use manrs_types::{Diagnostic, Mode, Summary};

/// How many decompressed bytes the sniffers see.
pub const SNIFF_BYTES: usize = 64 * 1024;

/// A detected format and the reader that handles it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// MRT RIB or updates (RFC 6396).
    Mrt,
    /// VRP / ASPA files.
    Rpki(manrs_rpki::Format),
    /// PeeringDB API pages and dumps.
    PeeringDb(manrs_peeringdb::Format),
    /// Registry and auxiliary datasets.
    Source(manrs_sources::Format),
    /// RPSL (IRR dumps).
    Rpsl,
}

/// Detects the format of an input from its first bytes.
pub fn detect(head: &[u8]) -> Option<Format> {
    if manrs_mrt::detect(head) {
        return Some(Format::Mrt);
    }
    if let Some(f) = manrs_rpki::detect(head) {
        return Some(Format::Rpki(f));
    }
    if let Some(f) = manrs_peeringdb::detect(head) {
        return Some(Format::PeeringDb(f));
    }
    if let Some(f) = manrs_sources::detect(head) {
        return Some(Format::Source(f));
    }
    if manrs_irr::detect(head) {
        return Some(Format::Rpsl);
    }
    None
}

/// Streams a whole input with the reader of its format.
pub fn inspect(format: Format, input: Input, mode: Mode) -> Result<Summary, Diagnostic> {
    match format {
        Format::Mrt => manrs_mrt::inspect(input, mode),
        Format::Rpki(_) => manrs_rpki::inspect(input, mode),
        Format::PeeringDb(_) => manrs_peeringdb::inspect(input, mode),
        Format::Source(f) => manrs_sources::inspect(f, input, mode),
        Format::Rpsl => manrs_irr::inspect(input, mode),
    }
}

/// The name of a detected format, as `manrs inspect` prints it.
pub fn format_name(format: Format) -> String {
    match format {
        Format::Mrt => "mrt".into(),
        Format::Rpki(f) => f.as_str().into(),
        Format::PeeringDb(f) => f.as_str().into(),
        Format::Source(f) => f.name().into(),
        Format::Rpsl => "rpsl".into(),
    }
}
