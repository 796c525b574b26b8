//! Gateway log scanning: finds OpenClaw's log files and turns them into typed,
//! bounded evidence about device pairing (`1008: pairing required`) and the
//! failures users confuse with it.
//!
//! Usage:
//! 1. [`discover`] the files from explicit inputs (no environment reads here);
//! 2. [`scan`] them: a chunked reader runs one Aho-Corasick prefilter over each
//!    chunk and parses only the lines that contain one of the few literals an
//!    event can start with; memory stays flat whatever the log size;
//! 3. read the [`LogSummary`]: per-file stats, totals per [`EventKind`],
//!    [`EventGroup`]s with first/last evidence, client versions.

pub mod discover;
pub mod event;
#[cfg(test)]
mod fixtures;
pub mod parse;
pub mod scan;

pub use discover::{
    DiscoveredLog, Discovery, DiscoveryProblem, LogInputs, LogOrigin, ProblemKind, discover,
    profile_log_segment, rolling_family,
};
pub use event::{Event, EventFields, EventKind, Level, Side};
pub use parse::{
    ClientVersionSeen, LineParser, ParsedLine, pairing_reason_from_text, parse_line,
    parse_timestamp, sanitize, unauthorized_code_from_text,
};
pub use scan::{
    ClientVersionCount, EventGroup, FileSummary, GroupKey, LogSummary, ScanError, ScanOptions,
    VersionCount, scan, scan_reader,
};
