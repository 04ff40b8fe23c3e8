//! The per-file summary every reader's `inspect` function returns, printed by
//! `manrs inspect` (one JSON object per file with `--json`).

use std::collections::BTreeMap;

use crate::Diagnostics;

/// What one reader found in one file.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    /// The detected format, e.g. `mrt`, `rpki-client-json`, `rpsl`.
    pub format: String,
    /// Top-level records read: MRT records, JSON entries, RPSL objects,
    /// data lines of a text format.
    pub records: u64,
    /// Elements yielded. For MRT one per prefix per record, as `bgpdump -m`
    /// prints lines; for other formats the number of typed items produced.
    pub elements: u64,
    /// Further named counts, e.g. `vrps`, `aspas`, `objects`.
    pub counts: BTreeMap<String, u64>,
    /// Counts per RPSL class (empty for other formats).
    pub classes: BTreeMap<String, u64>,
    /// Everything skipped or wrong, including a truncated end.
    pub diagnostics: Diagnostics,
}

impl Summary {
    /// An empty summary for `format`.
    pub fn new(format: impl Into<String>) -> Self {
        Summary { format: format.into(), ..Default::default() }
    }
}
