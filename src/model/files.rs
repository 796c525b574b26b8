//! The file inventory of a state dir and the typed problems loading can run into.

use serde::Serialize;
use std::path::PathBuf;

/// The state files claw-doctor knows by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileKind {
    StateDir,
    Config,
    ConfigLastGood,
    ConfigBackup,
    StateDotEnv,
    DevicesDir,
    PairedJson,
    PendingJson,
    BootstrapJson,
    PairedJsonMigrated,
    PendingJsonMigrated,
    BootstrapJsonMigrated,
    NodesPairedJson,
    NodesPendingJson,
    IdentityDir,
    IdentityJson,
    DeviceAuthJson,
    SqliteDb,
    SqliteWal,
    SqliteShm,
    WindowsTaskScript,
    /// A hand-made backup such as `devices.bak/` or `identity.bak/`.
    ManualBackup,
}

impl FileKind {
    /// True for files that hold credentials or keys (mode matters).
    pub fn is_sensitive(self) -> bool {
        !matches!(
            self,
            FileKind::DevicesDir
                | FileKind::IdentityDir
                | FileKind::StateDir
                | FileKind::ManualBackup
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileType {
    File,
    Dir,
    Symlink,
    Other,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FileInfo {
    pub kind: FileKind,
    /// Path relative to the state dir where it lies inside it, else absolute.
    pub rel: String,
    pub path: PathBuf,
    pub file_type: FileType,
    /// Where a symlink points (not followed for writing, ever).
    pub symlink_target: Option<PathBuf>,
    /// Whether a symlink resolves to somewhere outside the state dir.
    pub points_outside: bool,
    pub size: u64,
    /// Unix permission bits (`0o600`), where the platform has them.
    pub mode: Option<u32>,
    pub uid: Option<u32>,
    pub modified_ms: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProblemKind {
    /// Exists but could not be opened or read (permissions, I/O error).
    Unreadable,
    /// A directory, FIFO, socket or device where a file was expected.
    NotRegularFile,
    /// Larger than claw-doctor reads for that kind of file.
    TooLarge,
    /// Not valid JSON (or JSON5 for the config).
    NotJson,
    /// Valid JSON of the wrong shape (an array where an object is expected, ...).
    WrongType,
    /// `devices/paired.json` in the pre-2026.1 array form (`[{deviceId, ...}]`): its records
    /// are loaded (not live) so a repair can rewrite them keyed by deviceId.
    LegacyArray,
    /// A record inside a store is missing required fields or has wrong types.
    InvalidRecord,
    /// Key material that does not parse or does not match.
    InvalidKey,
    /// The SQLite database could not be opened or queried.
    Sqlite,
    /// Text that is not UTF-8 where OpenClaw requires it.
    NotUtf8,
    /// A state path that is a symlink leading outside the state dir: read, never written.
    SymlinkOutside,
}

/// Something that went wrong while loading. Rules report these; loading never stops for them.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoadProblem {
    pub path: String,
    pub kind: ProblemKind,
    pub detail: String,
    /// What OpenClaw does with this input, where that differs from what the user expects.
    pub consequence: Option<String>,
}

impl LoadProblem {
    pub fn new(path: impl Into<String>, kind: ProblemKind, detail: impl Into<String>) -> Self {
        LoadProblem {
            path: path.into(),
            kind,
            detail: detail.into(),
            consequence: None,
        }
    }

    pub fn with_consequence(mut self, c: impl Into<String>) -> Self {
        self.consequence = Some(c.into());
        self
    }
}
