//! Whether an OpenClaw gateway is running on this state right now: its lock files and its
//! processes. Informational for the report, and a gate for every command that writes a fix
//! (the gateway rewrites the pairing store and keeps `state/openclaw.sqlite` open).
//!
//! What the lock files look like (seen in the 2026.7.35 and 2026.9.6 bundles and on a running
//! gateway of each):
//! * `gateway.<first 8 hex of sha256(configPath)>.lock`: in `os.tmpdir()/openclaw-<uid>/` up to
//!   2026.7.x, in `<state>/tmp/openclaw-<uid>/` in 2026.9. JSON `{pid, createdAt, configPath,
//!   port?, startTime?}`; 2026.9 adds `ownerId`, `stateDir`, `role` (absent = the gateway) and
//!   pretty-prints it followed by a whitespace-only ownership token line.
//! * `<state>/tmp/openclaw-<uid>/gateway.state.lock` (2026.9): the same payload.
//! * Both are removed at a clean stop. The empty `*.lock.sqlite` files beside them (SQLite
//!   coordinators) stay after every stop and mean nothing by themselves; they are not listed.

use super::LoadProblem;
use serde::Serialize;
use std::path::PathBuf;

/// Which of OpenClaw's gateway lock files this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum GatewayLockKind {
    /// `gateway.<hash>.lock`, keyed by the config path (every release).
    Config,
    /// `gateway.state.lock` inside the state dir (2026.9).
    State,
}

/// Where a lock file was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum GatewayLockDir {
    /// `<state>/tmp/openclaw-<uid>/` (2026.9): it belongs to this state by where it lies.
    StateTmp,
    /// `os.tmpdir()/openclaw-<uid>/` (up to 2026.7.x): shared by every state of the user.
    SystemTmp,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GatewayLock {
    pub path: PathBuf,
    pub kind: GatewayLockKind,
    pub dir: GatewayLockDir,
    /// The owner pid from the payload; `None` when the payload is unreadable or invalid.
    pub pid: Option<u32>,
    /// 2026.9 `role`: `None` (or `gateway`) for a gateway; `agent-embedded`,
    /// `skill-workshop-apply`, `sqlite-maintenance` (`openclaw doctor`) for other state writers.
    pub role: Option<String>,
    pub port: Option<u16>,
    pub created_at: Option<String>,
    pub config_path: Option<PathBuf>,
    pub state_dir: Option<PathBuf>,
    /// Whether the owner still runs: the pid exists, is no zombie, and is the same process
    /// (start time, or else an OpenClaw command line). `None` where that cannot be checked.
    pub pid_alive: Option<bool>,
    /// Whether the lock is this state's. `None` when the payload does not tell.
    pub owner_matches_state: Option<bool>,
    /// Left behind: its owner is gone (OpenClaw reclaims such a lock at the next start).
    pub stale: bool,
    /// Why it is stale or unknown, in words.
    pub detail: Option<String>,
}

impl GatewayLock {
    /// A gateway's lock (not one of 2026.9's other state writers).
    pub fn is_gateway(&self) -> bool {
        self.role.as_deref().is_none_or(|r| r == "gateway")
    }

    /// Held right now by a live owner, for this state.
    pub fn live_for_state(&self) -> bool {
        self.pid_alive == Some(true) && self.owner_matches_state == Some(true)
    }
}

/// How a process's state dir was learned, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StateDirSource {
    /// Files it holds open (`<state>/state/openclaw.sqlite`, its lock files).
    OpenFiles,
    /// A lock file naming its pid.
    Lock,
    /// `OPENCLAW_STATE_DIR` / `OPENCLAW_PROFILE` in its environment.
    Environment,
    /// Only `HOME` in its environment: the default dir, unless `--profile` was given (the flag
    /// is not visible once the gateway renames itself).
    EnvironmentDefault,
    /// `--profile` / `--dev` on its command line.
    CommandLine,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GatewayProcess {
    pub pid: u32,
    /// The command line with credentials (`--token X`) replaced; a running gateway renames
    /// itself, so this is usually just `openclaw-gateway`.
    pub command: String,
    pub state_dir: Option<PathBuf>,
    pub state_dir_source: Option<StateDirSource>,
    /// `None` when its state dir could not be told (another user's process, no hint).
    pub serves_this_state: Option<bool>,
}

#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GatewayRuntime {
    /// False where `/proc` is unavailable (not Linux, a mounted image): pids were not checked
    /// and no processes were listed.
    pub checked: bool,
    pub locks: Vec<GatewayLock>,
    pub processes: Vec<GatewayProcess>,
    pub problems: Vec<LoadProblem>,
}

impl GatewayRuntime {
    /// A gateway runs on this state: a live gateway lock of this state, or a gateway process
    /// that serves it.
    pub fn running(&self) -> bool {
        self.locks
            .iter()
            .any(|l| l.is_gateway() && l.live_for_state())
            || self
                .processes
                .iter()
                .any(|p| p.serves_this_state == Some(true))
    }

    /// Pids of the gateways running on this state, sorted.
    pub fn running_pids(&self) -> Vec<u32> {
        let mut pids: Vec<u32> = self
            .locks
            .iter()
            .filter(|l| l.is_gateway() && l.live_for_state())
            .filter_map(|l| l.pid)
            .chain(
                self.processes
                    .iter()
                    .filter(|p| p.serves_this_state == Some(true))
                    .map(|p| p.pid),
            )
            .collect();
        pids.sort_unstable();
        pids.dedup();
        pids
    }

    /// Some OpenClaw process holds this state: a running gateway, or a live lock of another
    /// 2026.9 state writer (`openclaw doctor`'s maintenance, an embedded agent). Fixes wait.
    pub fn state_busy(&self) -> bool {
        self.running() || self.locks.iter().any(GatewayLock::live_for_state)
    }

    /// Gateway processes whose state dir could not be told: maybe this state's.
    pub fn unattributed(&self) -> impl Iterator<Item = &GatewayProcess> {
        self.processes
            .iter()
            .filter(|p| p.serves_this_state.is_none())
    }
}
