//! Which config keys each OpenClaw release accepts, at the levels `unknown-config-keys` checks
//! (the top level, `gateway.*`, `gateway.auth.*`, `hooks.*`). The table is generated from the
//! real releases' `openclaw config schema` by `scripts/gen-config-keys.sh`; every level is a zod
//! `.strict()` object, so any other key makes the config invalid and the gateway refuse to start
//! ("Gateway failed to start: Invalid config ... Unrecognized key", observed on 2026.7.35 and
//! 2026.9.6).

use crate::version::Version;
use std::collections::HashMap;
use std::sync::OnceLock;

/// The objects whose keys are checked: `""` is the document root.
pub const CHECKED_PREFIXES: [&str; 4] = ["", "gateway", "gateway.auth", "hooks"];

const TABLE: &str = include_str!("config_keys.txt");

/// 2026.8.1 is where the SQLite line starts; releases from it on are judged by 2026.9.6's
/// schema, older ones by 2026.7.35's (the 2026.7.x maintenance line was published after 2026.8.1
/// and kept its own schema).
const NEW_LINE: Version = Version::new(2026, 8, 1);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    old: bool,
    new: bool,
    /// A 2026.7.35-only key that 2026.9.6's legacy-config migration removes or moves.
    migrated: bool,
}

fn table() -> &'static HashMap<&'static str, Entry> {
    static T: OnceLock<HashMap<&'static str, Entry>> = OnceLock::new();
    T.get_or_init(|| {
        TABLE
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(|l| {
                let cols: Vec<&str> = l.split_whitespace().collect();
                let entry = Entry {
                    old: cols.get(1) == Some(&"7.35"),
                    new: cols.get(2) == Some(&"9.6"),
                    migrated: cols.get(3) == Some(&"migrated"),
                };
                (cols[0], entry)
            })
            .collect()
    })
}

/// Why this release does not accept `key` (a dotted path directly under one of
/// [`CHECKED_PREFIXES`]), or `None` when it does. An unknown version is judged as 2026.9.6.
/// * `unknown`: neither 2026.7.35 nor 2026.9.6 has it (invented keys such as `gateway.auth.pairing`);
/// * `newer`: only 2026.9.6 has it, and this release is of the 2026.7 line or older;
/// * `migrated`: a 2026.7.35 key that 2026.9.6 migrates by itself at gateway start (`web`, `tui`,
///   `gateway.handshakeTimeoutMs`, ...), when the rest of the config is valid;
/// * `retired`: a 2026.7.35 key that 2026.9.6 neither accepts nor migrates (`audio`, `cli`).
pub fn status(key: &str, v: Option<&Version>) -> Option<&'static str> {
    let new_line = v.is_none_or(|v| *v >= NEW_LINE);
    match table().get(key) {
        None => Some("unknown"),
        Some(e) if new_line => match (e.new, e.migrated) {
            (true, _) => None,
            (false, true) => Some("migrated"),
            (false, false) => Some("retired"),
        },
        Some(e) => (!e.old).then_some("newer"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Option<Version> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn generated_table_is_complete_and_well_formed() {
        let t = table();
        for (k, e) in t {
            assert!(e.old || e.new, "{k}: in neither release");
            assert!(
                !e.migrated || (e.old && !e.new),
                "{k}: only 7.35-only keys migrate"
            );
            let parent = k.rsplit_once('.').map_or("", |(p, _)| p);
            assert!(
                CHECKED_PREFIXES.contains(&parent),
                "{k}: outside the checked levels"
            );
        }
        // Keys both releases really accept (the lab's configs use them).
        for k in [
            "gateway",
            "hooks",
            "gateway.mode",
            "gateway.bind",
            "gateway.auth.token",
            "gateway.trustedProxies",
            "gateway.controlUi",
            "hooks.token",
            "meta",
            "env",
        ] {
            assert_eq!(t.get(k).map(|e| (e.old, e.new)), Some((true, true)), "{k}");
        }
    }

    #[test]
    fn status_per_release() {
        // Invented by advice (#23471, S33): refused by both.
        for key in [
            "gateway.auth.pairing",
            "gateway.localExec",
            "gateway.pairing",
        ] {
            assert_eq!(status(key, v("2026.7.35").as_ref()), Some("unknown"));
            assert_eq!(status(key, v("2026.9.6").as_ref()), Some("unknown"));
            assert_eq!(status(key, None), Some("unknown"));
        }
        // `telemetry` is 2026.9 only: 2026.7.35 refuses it (observed.md §1).
        assert_eq!(status("telemetry", v("2026.7.35").as_ref()), Some("newer"));
        assert_eq!(status("telemetry", v("2026.9.6").as_ref()), None);
        // 2026.9.6 migrates `web` and `gateway.handshakeTimeoutMs` but not `audio`.
        assert_eq!(status("web", v("2026.9.6").as_ref()), Some("migrated"));
        assert_eq!(status("gateway.handshakeTimeoutMs", None), Some("migrated"));
        assert_eq!(
            status("hooks.maxBodyBytes", v("2026.8.1").as_ref()),
            Some("migrated")
        );
        assert_eq!(status("audio", v("2026.9.6").as_ref()), Some("retired"));
        assert_eq!(status("audio", v("2026.7.35").as_ref()), None);
        assert_eq!(status("web", v("2026.7.35").as_ref()), None);
        assert_eq!(status("gateway.mode", v("2026.9.6").as_ref()), None);
    }
}
