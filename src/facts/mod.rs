//! Facts: named, pure computations about OpenClaw behaviour that rule conditions call by name.
//!
//! Declarative rules describe *what* to look for; facts answer the version-dependent questions
//! those rules cannot express as data ("does `operator.admin` cover `operator.write` on
//! 2026.2.19?", "would 2026.2.18 ever match `fd00::/8` in `trustedProxies`?"). The rule engine
//! exposes each public function here under its name.
//!
//! Every fact is a pure function: no I/O, no global state, no panics on any input. Each cites
//! the OpenClaw fact it encodes (sections of `facts.md`, with source tags such as `[S219]`,
//! `[N96]`). A `None` version means "unknown" and is answered with the behaviour of the newest
//! release we know (2026.9.6), because that is what a fresh install runs.

pub mod config_keys;
pub mod net;
pub mod scopes;
pub mod secrets;

use crate::version::Version;

/// The newest OpenClaw release whose behaviour these facts encode; used when the version is unknown.
pub const NEWEST_KNOWN: Version = Version::new(2026, 9, 6);

/// True when `v` is `first` or later. An unknown version counts as the newest release.
pub(crate) fn since(v: Option<&Version>, first: &Version) -> bool {
    v.is_none_or(|v| v >= first)
}
