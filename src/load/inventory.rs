//! The inventory of state files claw-doctor knows by name: type, mode, owner, symlink target.
//! Rules about permissions, leftovers and symlinks read this; nothing here opens a file.

use super::fsread::inspect;
use crate::model::{FileInfo, FileKind};
use std::path::Path;

const KNOWN: &[(&str, FileKind)] = &[
    (".", FileKind::StateDir),
    ("openclaw.json.last-good", FileKind::ConfigLastGood),
    ("openclaw.json.bak", FileKind::ConfigBackup),
    (".env", FileKind::StateDotEnv),
    ("devices", FileKind::DevicesDir),
    ("devices/paired.json", FileKind::PairedJson),
    ("devices/pending.json", FileKind::PendingJson),
    ("devices/bootstrap.json", FileKind::BootstrapJson),
    ("devices/paired.json.migrated", FileKind::PairedJsonMigrated),
    (
        "devices/pending.json.migrated",
        FileKind::PendingJsonMigrated,
    ),
    (
        "devices/bootstrap.json.migrated",
        FileKind::BootstrapJsonMigrated,
    ),
    ("nodes/paired.json", FileKind::NodesPairedJson),
    ("nodes/pending.json", FileKind::NodesPendingJson),
    ("identity", FileKind::IdentityDir),
    ("identity/device.json", FileKind::IdentityJson),
    ("identity/device-auth.json", FileKind::DeviceAuthJson),
    ("state/openclaw.sqlite", FileKind::SqliteDb),
    ("state/openclaw.sqlite-wal", FileKind::SqliteWal),
    ("state/openclaw.sqlite-shm", FileKind::SqliteShm),
    ("gateway.cmd", FileKind::WindowsTaskScript),
];

/// Hand-made backups from forum advice (`mv devices devices.bak`).
const MANUAL_BACKUPS: &[&str] = &[
    "devices.bak",
    "identity.bak",
    "devices.old",
    "identity.old",
    "devices.backup",
    "identity.backup",
];

pub fn collect(state_dir: &Path, config_path: &Path) -> Vec<FileInfo> {
    let mut out: Vec<FileInfo> = Vec::new();
    if let Some(c) = inspect(config_path, FileKind::Config, state_dir) {
        out.push(c);
    }
    for (rel, kind) in KNOWN {
        let path = if *rel == "." {
            state_dir.to_path_buf()
        } else {
            state_dir.join(rel)
        };
        if let Some(info) = inspect(&path, *kind, state_dir) {
            out.push(info);
        }
    }
    for rel in MANUAL_BACKUPS {
        if let Some(info) = inspect(&state_dir.join(rel), FileKind::ManualBackup, state_dir) {
            out.push(info);
        }
    }
    out
}

/// `*.json.migrated` archives, relative to the state dir.
pub fn migrated_archives(files: &[FileInfo]) -> Vec<String> {
    files
        .iter()
        .filter(|f| {
            matches!(
                f.kind,
                FileKind::PairedJsonMigrated
                    | FileKind::PendingJsonMigrated
                    | FileKind::BootstrapJsonMigrated
            )
        })
        .map(|f| f.rel.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn lists_what_exists_with_modes() {
        let d = tempfile::tempdir().unwrap();
        fs::create_dir_all(d.path().join("devices")).unwrap();
        fs::write(d.path().join("devices/paired.json"), "{}").unwrap();
        fs::write(d.path().join("devices/pending.json.migrated"), "{}").unwrap();
        fs::create_dir_all(d.path().join("identity.bak")).unwrap();
        let files = collect(d.path(), &d.path().join("openclaw.json"));
        let kinds: Vec<FileKind> = files.iter().map(|f| f.kind).collect();
        assert_eq!(
            kinds,
            vec![
                FileKind::StateDir,
                FileKind::DevicesDir,
                FileKind::PairedJson,
                FileKind::PendingJsonMigrated,
                FileKind::ManualBackup
            ]
        );
        assert_eq!(
            migrated_archives(&files),
            vec!["devices/pending.json.migrated"]
        );
        #[cfg(unix)]
        assert!(files[2].mode.is_some());
    }
}
