//! Gateway log scanning: finds OpenClaw's log files and turns them into typed,
//! bounded evidence about device pairing (`1008: pairing required`) and the
//! failures users confuse with it (shared-token mismatch, untrusted or
//! unattributable proxies, non-local Host headers, Control UI without device
//! identity, SQLite-era migration failures).
//!
//! Usage:
//! 1. [`discover`] the files from explicit inputs (no environment reads here);
//! 2. [`scan`] them: a chunked reader runs one Aho-Corasick prefilter over each
//!    chunk and parses only the lines that contain one of the few literals an
//!    event can contain; memory stays flat whatever the log size; several files
//!    (or line-aligned ranges of one large file) are read concurrently;
//! 3. read the [`LogSummary`]: per-file stats, gateway-side and client-side
//!    totals per [`EventKind`], [`EventGroup`]s with first/last evidence
//!    (file index + 1-based line), client and gateway versions.
//!
//! Accepted line forms: tslog JSON lines (2026.2 .. 2026.9, with or without the
//! top-level `message`), console lines (`<time> [ws] <message>`, ANSI colours,
//! the 2026.9 `key=value` context tail), `openclaw logs --plain` lines and
//! journalctl prefixes. Each [`Event`] says which side wrote it ([`Side`]): the
//! gateway, or a client (the CLI logs its own errors into the same file).
//!
//! ```ignore
//! use claw_doctor::logs::{LogInputs, ScanOptions, discover, scan};
//! let found = discover(&LogInputs {
//!     roots: vec!["/tmp/openclaw".into()],
//!     ..LogInputs::default()
//! });
//! let summary = scan(&found.paths(), &ScanOptions::default());
//! for g in &summary.groups {
//!     println!("{} {:?} x{}", g.key.kind, g.key.reason, g.count);
//! }
//! ```

pub mod discover;
pub mod event;
#[cfg(test)]
mod fixtures;
pub mod parse;
mod prefilter;
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
