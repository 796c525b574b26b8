//! Decides the storage era and the effective OpenClaw version from what the loaders found.
//!
//! Two versions matter and can differ: the release that last wrote the state and the release
//! installed now. The installed one decides which store the next gateway start reads, so a
//! 2026.8+ install over never-imported JSON data is `mixed` even though the dir looks 2026.7.

use crate::model::{Era, EraInfo, StoreKind, VersionInfo, VersionSignal, VersionSource};
use crate::version::Version;

#[derive(Debug, Default, Clone)]
pub struct EraInputs {
    /// Any live-named JSON pairing or identity file exists (not `*.migrated`).
    pub json_present: bool,
    /// Any pairing/identity table row exists in `state/openclaw.sqlite`.
    pub sqlite_rows: bool,
    pub migrated_archives: Vec<String>,
}

/// Picks the effective version: override > installed > newest CLI in the logs > state writer.
pub fn versions(signals: Vec<VersionSignal>) -> VersionInfo {
    let best = |src: VersionSource| {
        signals
            .iter()
            .filter(|s| s.source == src)
            .map(|s| &s.version)
            .max()
            .cloned()
    };
    // The installed release is the first Installed signal (the service's own package comes first).
    let installed = signals
        .iter()
        .find(|s| s.source == VersionSource::Installed)
        .map(|s| s.version.clone());
    let state_written = best(VersionSource::StateWritten);
    let (effective, effective_source) = [
        (best(VersionSource::Override), VersionSource::Override),
        (installed.clone(), VersionSource::Installed),
        (best(VersionSource::LogClient), VersionSource::LogClient),
        (state_written.clone(), VersionSource::StateWritten),
    ]
    .into_iter()
    .find_map(|(v, s)| v.map(|v| (Some(v), Some(s))))
    .unwrap_or((None, None));
    VersionInfo {
        effective,
        effective_source,
        installed,
        state_written,
        signals,
    }
}

pub fn decide(inputs: &EraInputs, version: &VersionInfo) -> EraInfo {
    let reader: Option<&Version> = version.effective.as_ref();
    let reader_store = reader.map(|v| {
        if v.uses_sqlite_store() {
            StoreKind::Sqlite
        } else {
            StoreKind::Json
        }
    });
    let mut reasons = Vec::new();
    let describe_reader = || match (reader, version.effective_source) {
        (Some(v), Some(src)) => format!("OpenClaw {v} ({})", source_text(src)),
        _ => "the OpenClaw version is unknown".to_string(),
    };
    if inputs.json_present {
        reasons.push(
            "JSON pairing/identity files are present (devices/*.json, identity/*.json)".to_string(),
        );
    }
    if inputs.sqlite_rows {
        reasons.push("state/openclaw.sqlite holds pairing or identity rows".to_string());
    }
    if !inputs.migrated_archives.is_empty() {
        reasons.push(format!(
            "imported JSON archives: {}",
            inputs.migrated_archives.join(", ")
        ));
    }
    let (era, live_store) = match (inputs.json_present, inputs.sqlite_rows) {
        (true, true) => {
            let live = reader_store.unwrap_or(StoreKind::Sqlite);
            reasons.push(format!(
                "both stores hold data; {} reads the {} store",
                describe_reader(),
                store_text(live)
            ));
            (Era::Mixed, Some(live))
        }
        (true, false) => match reader_store {
            Some(StoreKind::Sqlite) => {
                reasons.push(format!(
                    "{} reads only state/openclaw.sqlite: the JSON data was never imported",
                    describe_reader()
                ));
                (Era::Mixed, Some(StoreKind::Sqlite))
            }
            _ => (Era::Json, Some(StoreKind::Json)),
        },
        (false, true) => match reader_store {
            Some(StoreKind::Json) => {
                reasons.push(format!(
                    "{} reads only the JSON files, which do not exist",
                    describe_reader()
                ));
                (Era::Mixed, Some(StoreKind::Json))
            }
            _ => (Era::Sqlite, Some(StoreKind::Sqlite)),
        },
        (false, false) if !inputs.migrated_archives.is_empty() => {
            reasons.push("the JSON store was imported into SQLite, but no rows remain".to_string());
            (Era::Sqlite, Some(StoreKind::Sqlite))
        }
        (false, false) => {
            reasons.push("no pairing or identity data in either store".to_string());
            (Era::Empty, reader_store)
        }
    };
    EraInfo {
        era,
        live_store,
        reasons,
        json_store_present: inputs.json_present,
        sqlite_store_present: inputs.sqlite_rows,
        migrated_archives: inputs.migrated_archives.clone(),
    }
}

fn store_text(s: StoreKind) -> &'static str {
    match s {
        StoreKind::Json => "JSON",
        StoreKind::Sqlite => "SQLite",
    }
}

pub fn source_text(s: VersionSource) -> &'static str {
    match s {
        VersionSource::Override => "--openclaw-version",
        VersionSource::Installed => "installed",
        VersionSource::LogClient => "seen in the gateway logs",
        VersionSource::StateWritten => "last wrote this state",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig(v: &str, source: VersionSource) -> VersionSignal {
        VersionSignal {
            version: v.parse().unwrap(),
            source,
            location: "test".into(),
        }
    }

    fn era(json: bool, rows: bool, signals: Vec<VersionSignal>) -> EraInfo {
        decide(
            &EraInputs {
                json_present: json,
                sqlite_rows: rows,
                migrated_archives: vec![],
            },
            &versions(signals),
        )
    }

    #[test]
    fn effective_version_precedence() {
        let v = versions(vec![
            sig("2026.7.35", VersionSource::StateWritten),
            sig("2026.9.6", VersionSource::LogClient),
            sig("2026.8.1", VersionSource::Installed),
        ]);
        assert_eq!(v.effective.unwrap().to_string(), "2026.8.1");
        assert_eq!(v.state_written.unwrap().to_string(), "2026.7.35");
        let v = versions(vec![
            sig("2026.8.1", VersionSource::Installed),
            sig("2026.2.19", VersionSource::Override),
        ]);
        assert_eq!(v.effective_source, Some(VersionSource::Override));
        assert_eq!(versions(vec![]).effective, None);
    }

    #[test]
    fn plain_eras() {
        assert_eq!(era(true, false, vec![]).era, Era::Json);
        assert_eq!(
            era(
                true,
                false,
                vec![sig("2026.7.35", VersionSource::StateWritten)]
            )
            .era,
            Era::Json
        );
        assert_eq!(era(false, true, vec![]).era, Era::Sqlite);
        assert_eq!(era(false, false, vec![]).era, Era::Empty);
    }

    #[test]
    fn new_install_over_unimported_json_is_mixed() {
        // The state dir alone looks 2026.7 (its config says so), but 2026.9.6 is installed.
        let e = era(
            true,
            false,
            vec![
                sig("2026.7.35", VersionSource::StateWritten),
                sig("2026.9.6", VersionSource::Installed),
            ],
        );
        assert_eq!(e.era, Era::Mixed);
        assert_eq!(e.live_store, Some(StoreKind::Sqlite));
        assert!(
            e.reasons.iter().any(|r| r.contains("never imported")),
            "{:?}",
            e.reasons
        );
    }

    #[test]
    fn both_stores_and_downgrades() {
        let e = era(true, true, vec![]);
        assert_eq!((e.era, e.live_store), (Era::Mixed, Some(StoreKind::Sqlite)));
        let e = era(true, true, vec![sig("2026.7.35", VersionSource::Installed)]);
        assert_eq!(e.live_store, Some(StoreKind::Json));
        let e = era(
            false,
            true,
            vec![sig("2026.7.35", VersionSource::Installed)],
        );
        assert_eq!((e.era, e.live_store), (Era::Mixed, Some(StoreKind::Json)));
    }

    #[test]
    fn migrated_archives_alone_mean_sqlite() {
        let e = decide(
            &EraInputs {
                json_present: false,
                sqlite_rows: false,
                migrated_archives: vec!["devices/paired.json.migrated".into()],
            },
            &versions(vec![]),
        );
        assert_eq!(e.era, Era::Sqlite);
    }
}
