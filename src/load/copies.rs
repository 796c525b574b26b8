//! Earlier copies of the files a broken state can be restored from: OpenClaw's own
//! (`openclaw.json.last-good`, `*.bak`, `*.migrated` archives), hand-made ones
//! (`identity.bak/`, `devices.bak/`) and claw-doctor's backup sets. Each is checked the way
//! its file must be valid (a JSON object, a parseable config, an identity whose key matches).

use crate::model::{FileCopy, StoreKind};
use crate::repair::backup::BackupSet;
use std::path::Path;

/// Copies bigger than this are not considered (no pairing store is near it).
const LIMIT: u64 = 16 << 20;

/// The restorable files, by state-relative path, with their hand-made copy locations.
const TARGETS: &[(&str, &[&str])] = &[
    (
        "devices/paired.json",
        &[
            "devices/paired.json.bak",
            "devices/paired.json.migrated",
            "devices.bak/paired.json",
            "devices.old/paired.json",
            "devices.backup/paired.json",
        ],
    ),
    (
        "devices/pending.json",
        &[
            "devices/pending.json.bak",
            "devices/pending.json.migrated",
            "devices.bak/pending.json",
            "devices.old/pending.json",
            "devices.backup/pending.json",
        ],
    ),
    (
        "identity/device-auth.json",
        &[
            "identity/device-auth.json.bak",
            "identity.bak/device-auth.json",
            "identity.old/device-auth.json",
            "identity.backup/device-auth.json",
        ],
    ),
    (
        "identity/device.json",
        &[
            "identity/device.json.bak",
            "identity.bak/device.json",
            "identity.old/device.json",
            "identity.backup/device.json",
        ],
    ),
];

fn valid(target: &str, bytes: &[u8]) -> bool {
    match target {
        "openclaw.json" => std::str::from_utf8(bytes)
            .ok()
            .and_then(|t| crate::load::config::parse(t).ok())
            .is_some_and(|(v, _)| v.is_object()),
        "identity/device.json" => serde_json::from_slice::<serde_json::Value>(bytes)
            .ok()
            .and_then(|v| v.as_object().cloned())
            .is_some_and(|obj| {
                let origin = crate::load::records::Origin {
                    store: StoreKind::Json,
                    live: false,
                    location: target.to_string(),
                };
                crate::load::records::identity(&origin, &obj, None).is_valid()
            }),
        _ => serde_json::from_slice::<serde_json::Value>(bytes).is_ok_and(|v| v.is_object()),
    }
}

fn check(state: &Path, of: &str, rel: &str, source: &str, out: &mut Vec<FileCopy>) {
    let path = if Path::new(rel).is_absolute() {
        Path::new(rel).to_path_buf()
    } else {
        state.join(rel)
    };
    let Ok(meta) = std::fs::symlink_metadata(&path) else {
        return;
    };
    if !meta.is_file() || meta.len() > LIMIT {
        return;
    }
    let Ok(bytes) = std::fs::read(&path) else {
        return;
    };
    out.push(FileCopy {
        of: of.to_string(),
        rel: rel.to_string(),
        source: source.to_string(),
        valid: valid(of, &bytes),
        modified_ms: meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_millis() as i64),
    });
}

/// Newest first; `config_rel` is the config's path as the model names it.
pub fn find(state: &Path, config_rel: &str) -> Vec<FileCopy> {
    let mut out = Vec::new();
    for (of, rels) in TARGETS {
        for rel in *rels {
            let source = if rel.ends_with(".migrated") {
                "migrated"
            } else {
                "bak"
            };
            check(state, of, rel, source, &mut out);
        }
    }
    for suffix in [".last-good", ".bak", ".bak.1", ".bak.2", ".bak.3", ".bak.4"] {
        let source = if suffix == ".last-good" {
            "last-good"
        } else {
            "bak"
        };
        check(
            state,
            "openclaw.json",
            &format!("{config_rel}{suffix}"),
            source,
            &mut out,
        );
    }
    // Originals claw-doctor kept: the state as it was before one of its own repairs.
    for set in BackupSet::list(state).into_iter().flatten() {
        for e in &set.manifest.entries {
            let (Some(kept), Some(orig)) = (&e.kept, &e.original) else {
                continue;
            };
            if orig.is_dir {
                continue;
            }
            let of = if e.path == state.join("openclaw.json") || e.rel == config_rel {
                "openclaw.json".to_string()
            } else {
                e.rel.clone()
            };
            let rel = set.dir.join(kept);
            let rel = rel
                .strip_prefix(state)
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_else(|_| rel.to_string_lossy().into_owned());
            check(state, &of, &rel, "claw-doctor", &mut out);
        }
    }
    out.sort_by(|a, b| b.modified_ms.cmp(&a.modified_ms).then(a.rel.cmp(&b.rel)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_are_found_and_judged_by_their_own_format() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("devices")).unwrap();
        std::fs::write(d.path().join("devices/paired.json.bak"), b"{\"a\": {}}").unwrap();
        std::fs::write(d.path().join("devices/pending.json.bak"), b"[1,2]").unwrap();
        std::fs::write(
            d.path().join("openclaw.json.last-good"),
            b"{ gateway: { port: 1, } }",
        )
        .unwrap();
        std::fs::write(d.path().join("openclaw.json.bak"), b"{ broken").unwrap();
        let found = find(d.path(), "openclaw.json");
        let get = |rel: &str| found.iter().find(|c| c.rel == rel).unwrap().valid;
        assert!(get("devices/paired.json.bak"));
        assert!(!get("devices/pending.json.bak"));
        assert!(get("openclaw.json.last-good"));
        assert!(!get("openclaw.json.bak"));
        assert_eq!(found.len(), 4);
    }
}
