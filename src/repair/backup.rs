//! Backup sets: `<state>/.claw-doctor/backups/<id>/` with `manifest.json` and the preserved
//! originals under `files/`. The manifest is rewritten atomically before and after every step,
//! so after a crash it says which steps may have happened; restore decides per path by hash.

use super::fsops;
use serde::{Deserialize, Serialize};
use std::fs;
use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::{Path, PathBuf};

pub const DIR: &str = ".claw-doctor";
const MANIFEST: &str = "manifest.json";

/// What a path held at some moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Meta {
    pub sha256: String,
    pub size: u64,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub is_dir: bool,
}

impl Meta {
    /// `None` when nothing is at `path`. Never follows a symlink.
    pub fn of(path: &Path) -> std::io::Result<Option<Meta>> {
        let m = match fs::symlink_metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let sha256 = if m.is_dir() {
            fsops::sha256_tree(path)?
        } else if m.file_type().is_symlink() {
            fsops::sha256(fs::read_link(path)?.to_string_lossy().as_bytes())
        } else {
            fsops::sha256_file(path)?
        };
        Ok(Some(Meta {
            sha256,
            size: if m.is_dir() { 0 } else { m.len() },
            mode: m.mode() & 0o7777,
            uid: m.uid(),
            gid: m.gid(),
            is_dir: m.is_dir(),
        }))
    }

    /// Same content and mode (owner is not compared: only root could have restored it).
    pub fn same(&self, other: &Meta) -> bool {
        self.sha256 == other.sha256 && self.mode == other.mode && self.is_dir == other.is_dir
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Op {
    /// New content replaced the file (or created it).
    Write,
    /// The path left the live state into this set.
    Move,
    /// Only the mode changed.
    Chmod,
}

/// Paths in a manifest: a string, or (not UTF-8, which JSON strings cannot hold) the raw
/// bytes as `{"unixBytes": [...]}`, so a state dir with any name can be backed up.
mod any_path {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::os::unix::ffi::{OsStrExt, OsStringExt};
    use std::path::PathBuf;

    #[derive(Serialize, Deserialize)]
    #[serde(untagged)]
    enum Repr {
        Text(String),
        #[serde(rename_all = "camelCase")]
        Bytes {
            unix_bytes: Vec<u8>,
        },
    }

    pub fn serialize<S: Serializer>(p: &std::path::Path, s: S) -> Result<S::Ok, S::Error> {
        match p.to_str() {
            Some(t) => Repr::Text(t.to_string()),
            None => Repr::Bytes {
                unix_bytes: p.as_os_str().as_bytes().to_vec(),
            },
        }
        .serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<PathBuf, D::Error> {
        Ok(match Repr::deserialize(d)? {
            Repr::Text(t) => PathBuf::from(t),
            Repr::Bytes { unix_bytes } => PathBuf::from(std::ffi::OsString::from_vec(unix_bytes)),
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    /// Absolute path in the live state.
    #[serde(with = "any_path")]
    pub path: PathBuf,
    /// As shown to the user (relative to the state dir where inside it).
    pub rel: String,
    pub op: Op,
    /// The rule whose fix caused it (or `restore-backup`).
    pub rule: String,
    /// Before the change (`None`: the path did not exist).
    pub original: Option<Meta>,
    /// Where the original is kept, relative to the set.
    pub kept: Option<String>,
    /// After the change (`None`: the path no longer exists).
    pub replacement: Option<Meta>,
    /// The change completed (a crash leaves `false`: either state is possible).
    pub done: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Being written (a set left in this state was interrupted).
    Applying,
    Applied,
    /// Undone by claw-doctor itself because verification failed.
    RolledBack,
    /// Undone by `restore-backup`.
    Restored,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    pub version: u32,
    pub id: String,
    pub created_at: String,
    pub tool: String,
    #[serde(with = "any_path")]
    pub state_dir: PathBuf,
    /// `fix`, `restore-backup <id>`, `rollback <id>`.
    pub reason: String,
    pub status: Status,
    pub rules: Vec<String>,
    pub entries: Vec<Entry>,
}

pub struct BackupSet {
    pub dir: PathBuf,
    pub manifest: Manifest,
}

pub fn root(state_dir: &Path) -> PathBuf {
    state_dir.join(DIR).join("backups")
}

fn mkdir_private(p: &Path) -> std::io::Result<()> {
    fs::DirBuilder::new().recursive(true).mode(0o700).create(p)
}

impl BackupSet {
    /// A new, empty set; ids sort by time.
    pub fn create(state_dir: &Path, reason: &str) -> std::io::Result<BackupSet> {
        let now = jiff::Timestamp::now();
        let base = now.strftime("%Y%m%dT%H%M%SZ").to_string();
        let root = root(state_dir);
        mkdir_private(&root)?;
        let mut n = 0;
        let id = loop {
            let id = if n == 0 {
                base.clone()
            } else {
                format!("{base}-{n}")
            };
            if fs::symlink_metadata(root.join(&id)).is_err() {
                break id;
            }
            n += 1;
        };
        // Built under a hidden temp name and renamed into place with its first manifest, so a
        // crash never leaves a set without one (`list` skips the hidden leftovers).
        let building = root.join(format!(".{id}{}", fsops::TEMP_MARK));
        if building.exists() {
            fs::remove_dir_all(&building)?; // our own leftover from a killed run
        }
        fs::DirBuilder::new().mode(0o700).create(&building)?;
        mkdir_private(&building.join("files"))?;
        let mut set = BackupSet {
            dir: building.clone(),
            manifest: Manifest {
                version: 1,
                id: id.clone(),
                created_at: now.to_string(),
                tool: format!("claw-doctor {}", env!("CARGO_PKG_VERSION")),
                state_dir: state_dir.to_path_buf(),
                reason: reason.to_string(),
                status: Status::Applying,
                rules: Vec::new(),
                entries: Vec::new(),
            },
        };
        set.save()?;
        super::apply::failpoint("set-built");
        set.dir = root.join(&id);
        fsops::rename_durable(&building, &set.dir)?;
        Ok(set)
    }

    pub fn open(state_dir: &Path, id: &str) -> Result<BackupSet, String> {
        if id.is_empty() || id.contains(['/', '\\']) || id.starts_with('.') {
            return Err(format!("{id:?} is not a backup id"));
        }
        let dir = root(state_dir).join(id);
        let text = fs::read(dir.join(MANIFEST))
            .map_err(|e| format!("backup {id}: cannot read its manifest ({e})"))?;
        let manifest: Manifest = serde_json::from_slice(&text)
            .map_err(|e| format!("backup {id}: the manifest does not parse ({e})"))?;
        Ok(BackupSet { dir, manifest })
    }

    /// Every set of the state dir, oldest first; unreadable ones are listed with their error.
    pub fn list(state_dir: &Path) -> Vec<Result<BackupSet, String>> {
        let mut ids: Vec<String> = match fs::read_dir(root(state_dir)) {
            Ok(rd) => rd
                .filter_map(|e| e.ok())
                .filter(|e| e.path().is_dir() && !e.file_name().to_string_lossy().starts_with('.'))
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect(),
            Err(_) => Vec::new(),
        };
        ids.sort();
        ids.iter()
            .map(|id| BackupSet::open(state_dir, id))
            .collect()
    }

    /// Writes the manifest atomically (a crash leaves the old or the new one, never half).
    pub fn save(&self) -> std::io::Result<()> {
        let mut text = serde_json::to_vec_pretty(&self.manifest)?;
        text.push(b'\n');
        let path = self.dir.join(MANIFEST);
        let tmp = fsops::write_temp(&path, "m", &text, 0o600, None)?;
        super::apply::failpoint("manifest-temp-written");
        fsops::rename_durable(&tmp, &path)
    }

    /// Where the next kept original goes.
    pub fn next_kept(&self, rel: &str) -> (String, PathBuf) {
        let name = Path::new(rel)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "file".into());
        let kept = format!("files/{:03}-{name}", self.manifest.entries.len());
        let path = self.dir.join(&kept);
        (kept, path)
    }
}

/// claw-doctor's own lock on a state dir, held for a whole `fix` or `restore-backup`.
#[derive(Debug)]
pub struct Lock {
    _file: fs::File,
}

impl Lock {
    pub fn take(state_dir: &Path) -> Result<Lock, String> {
        let dir = state_dir.join(DIR);
        // The lock and the backup sets are written below these: never through a symlink.
        for p in [dir.clone(), root(state_dir)] {
            if fs::symlink_metadata(&p).is_ok_and(|m| m.file_type().is_symlink()) {
                return Err(format!(
                    "{} is a symlink; claw-doctor does not write through symlinks (move it away to let fix keep its backups there)",
                    p.display()
                ));
            }
        }
        mkdir_private(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let path = dir.join("lock");
        let file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| format!("cannot open the lock {}: {e}", path.display()))?;
        match file.try_lock() {
            Ok(()) => Ok(Lock { _file: file }),
            Err(fs::TryLockError::WouldBlock) => Err(format!(
                "another claw-doctor is changing this state (lock {} is held); try again when it is done",
                path.display()
            )),
            Err(fs::TryLockError::Error(e)) => Err(format!("cannot lock {}: {e}", path.display())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_get_distinct_sortable_ids_and_round_trip() {
        let d = tempfile::tempdir().unwrap();
        let a = BackupSet::create(d.path(), "fix").unwrap();
        let b = BackupSet::create(d.path(), "fix").unwrap();
        assert_ne!(a.manifest.id, b.manifest.id);
        let listed: Vec<String> = BackupSet::list(d.path())
            .into_iter()
            .map(|s| s.unwrap().manifest.id)
            .collect();
        assert_eq!(listed, vec![a.manifest.id.clone(), b.manifest.id.clone()]);
        assert!(BackupSet::open(d.path(), "../x").is_err());
        let mode = fs::metadata(&a.dir).unwrap().mode() & 0o777;
        assert_eq!(mode, 0o700);
    }

    #[test]
    fn a_second_lock_is_refused_while_the_first_is_held() {
        let d = tempfile::tempdir().unwrap();
        let first = Lock::take(d.path()).unwrap();
        assert!(
            Lock::take(d.path())
                .unwrap_err()
                .contains("another claw-doctor")
        );
        drop(first);
        assert!(Lock::take(d.path()).is_ok());
    }
}
