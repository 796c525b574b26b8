//! The normalized model of one OpenClaw state: what every era's loaders fill and every reader
//! (rules, summaries, repairs) consumes. Nothing here reads files.
//!
//! Optional fields keep the difference between "absent" (`None`) and "empty" (`Some(vec![])`):
//! OpenClaw treats a record without `roles`/`scopes` differently from one with empty lists.

mod files;
mod records;
mod runtime;
mod settings;

pub use files::{FileInfo, FileKind, FileType, LoadProblem, ProblemKind};
pub use records::{
    BootstrapToken, CachedToken, DeviceToken, Identity, IdentitySchema, KeyForm, NodePairing,
    PairedDevice, PendingRequest, Stored, TokenCache,
};
pub use runtime::{
    GatewayLock, GatewayLockDir, GatewayLockKind, GatewayProcess, GatewayRuntime, StateDirSource,
};
pub use settings::{
    ConfigFacts, ConfigFormat, ConfigInfo, CredentialKind, SecretValue, ServiceKind, ServiceUnit,
    TokenSource, TokenSourceKind,
};

use crate::version::Version;
use serde::Serialize;
use std::path::PathBuf;

/// Where a record was read from. Both can be present in one state dir (the `mixed` era).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StoreKind {
    /// `devices/*.json`, `identity/*.json` (OpenClaw up to 2026.7.x).
    Json,
    /// `state/openclaw.sqlite` (2026.8 and later).
    Sqlite,
}

/// Which storage generation the state dir is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Era {
    /// Only the JSON files hold pairing data, and nothing says a 2026.8+ release reads this state.
    Json,
    /// Only SQLite holds pairing data (leftover `*.json.migrated` archives are fine).
    Sqlite,
    /// Both hold data, or JSON data sits beside a release that ignores it.
    Mixed,
    /// No pairing or identity data at all.
    Empty,
    /// The state was not read (`--no-state`): only the logs were.
    #[serde(rename = "not-read")]
    NotRead,
}

impl Era {
    pub fn as_str(self) -> &'static str {
        match self {
            Era::Json => "json",
            Era::Sqlite => "sqlite",
            Era::Mixed => "mixed",
            Era::Empty => "empty",
            Era::NotRead => "not-read",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EraInfo {
    pub era: Era,
    /// The store the next gateway start reads, when it can be told.
    pub live_store: Option<StoreKind>,
    /// Human-readable reasons for the decision, in the order they were weighed.
    pub reasons: Vec<String>,
    pub json_store_present: bool,
    pub sqlite_store_present: bool,
    /// `*.json.migrated` archives: the JSON store was imported into SQLite at some point.
    pub migrated_archives: Vec<String>,
}

/// How a version was learned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum VersionSource {
    /// `--openclaw-version`.
    Override,
    /// The installed package or service unit: decides what the next gateway start does.
    Installed,
    /// A CLI that connected to the gateway (`client=cli cli vX` in the logs).
    LogClient,
    /// The release that last wrote the state (`meta.lastTouchedVersion`, SQLite `schema_meta`).
    StateWritten,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionSignal {
    pub version: Version,
    pub source: VersionSource,
    /// Where it was read (`openclaw.json meta.lastTouchedVersion`, a unit file path, ...).
    pub location: String,
}

#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionInfo {
    /// The version rules reason about: the override, else the installed release, else the newest
    /// release seen in the logs, else the one that last wrote the state.
    pub effective: Option<Version>,
    pub effective_source: Option<VersionSource>,
    pub installed: Option<Version>,
    pub state_written: Option<Version>,
    pub signals: Vec<VersionSignal>,
}

/// How the state dir (or config, or home) was chosen, in OpenClaw's precedence.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Located {
    pub path: PathBuf,
    /// `--state-dir`, `OPENCLAW_STATE_DIR (from ./.env)`, `--profile work`, `default`, ...
    pub origin: String,
    pub exists: bool,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StateSource {
    pub home: Option<Located>,
    pub state_dir: Located,
    pub profile: Option<String>,
    pub config: Located,
    /// Other state dirs under the same home that hold their own identity or pairing store.
    pub other_state_dirs: Vec<PathBuf>,
}

#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogsInfo {
    /// False with `--no-logs`.
    pub enabled: bool,
    /// How the file list was chosen (`--log`, `--log-dir`, `OpenClaw's default locations`).
    pub origin: String,
    pub discovered: Vec<crate::logs::DiscoveredLog>,
    pub summary: Option<crate::logs::LogSummary>,
    pub problems: Vec<LoadProblem>,
}

/// One OpenClaw state, normalized across eras.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Model {
    pub source: StateSource,
    pub era: EraInfo,
    pub version: VersionInfo,
    /// `--now` or the clock at load time, in epoch milliseconds (pending expiry, ages).
    pub now_ms: i64,
    pub files: Vec<FileInfo>,
    pub devices: Vec<PairedDevice>,
    pub pending: Vec<PendingRequest>,
    pub bootstrap_tokens: Vec<BootstrapToken>,
    pub node_pairings: Vec<NodePairing>,
    pub identities: Vec<Identity>,
    pub token_caches: Vec<TokenCache>,
    pub config: ConfigInfo,
    pub token_sources: Vec<TokenSource>,
    pub services: Vec<ServiceUnit>,
    pub logs: LogsInfo,
    /// Whether a gateway runs on this state now (lock files, `/proc`).
    pub runtime: GatewayRuntime,
    /// Earlier copies of restorable files (`.bak`, `.last-good`, claw-doctor backups), newest
    /// first.
    pub copies: Vec<FileCopy>,
    pub problems: Vec<LoadProblem>,
}

/// An earlier copy of a state file and whether it would be valid in its place.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FileCopy {
    /// The file it is a copy of (`devices/paired.json`, `openclaw.json`, ...).
    pub of: String,
    /// Where the copy is (relative to the state dir where inside it).
    pub rel: String,
    /// `bak`, `migrated`, `last-good` or `claw-doctor`.
    pub source: String,
    pub valid: bool,
    pub modified_ms: Option<i64>,
}

impl Model {
    /// The identity the local CLI, TUI and gateway backend sign with (the live store's one).
    pub fn local_identity(&self) -> Option<&Identity> {
        self.identities
            .iter()
            .find(|i| i.live)
            .or_else(|| self.identities.first())
    }

    pub fn live_devices(&self) -> impl Iterator<Item = &PairedDevice> {
        self.devices.iter().filter(|d| d.live)
    }

    pub fn live_pending(&self) -> impl Iterator<Item = &PendingRequest> {
        self.pending.iter().filter(|p| p.live)
    }

    pub fn file(&self, kind: FileKind) -> Option<&FileInfo> {
        self.files.iter().find(|f| f.kind == kind)
    }
}
