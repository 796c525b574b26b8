//! Detects a running OpenClaw gateway for a state dir, offline: its lock files and `/proc`.
//!
//! Lock files (see `model::runtime` for their formats) are read with the bounded reader; pids
//! are checked through `/proc/<pid>` (under the sysroot, so tests use a fake one), and
//! `/proc/*/cmdline` is scanned for gateway processes. A running gateway renames itself
//! `openclaw-gateway`, which wipes its arguments (`--profile` included) and does not show the
//! variables it sets for itself, so its state dir is learned from the files it holds open
//! (`/proc/<pid>/fd`), else a lock naming its pid, else its initial environment. Both are
//! readable only for our own user's processes (or as root); another user's gateway stays
//! "unknown". Nothing here blocks or panics: every read is bounded and every failure is data.

use crate::env::Env;
use crate::load::fsread;
use crate::model::{
    GatewayLock, GatewayLockDir, GatewayLockKind, GatewayProcess, GatewayRuntime, LoadProblem,
    ProblemKind, StateDirSource,
};
use sha2::{Digest, Sha256};
use std::ffi::OsStr;
use std::fs;
use std::path::{Component, Path, PathBuf};
use std::time::{Duration, SystemTime};

/// Real payloads are under 500 bytes; fs-safe caps them at 1 MiB.
const LOCK_LIMIT: u64 = 64 * 1024;
const CMDLINE_LIMIT: u64 = 256 * 1024;
const ENVIRON_LIMIT: u64 = 1024 * 1024;
const SMALL_PROC_LIMIT: u64 = 16 * 1024;
/// Caps on directory walks: a hostile or huge tree costs bounded time.
const MAX_DIR_ENTRIES: usize = 4096;
const MAX_PROCS: usize = 65_536;
const MAX_FDS: usize = 4096;
const MAX_COMMAND_CHARS: usize = 1024;
/// OpenClaw reclaims an ownerless lock older than this (`DEFAULT_STALE_MS`).
const STALE_AFTER: Duration = Duration::from_secs(30);
/// What replaces a credential in a command line.
const REDACTED: &str = "<redacted>";

/// The files OpenClaw starts with (`ENTRY_CANDIDATES` in `gateway-process-argv`).
const ENTRY_FILES: [&str; 6] = [
    "dist/index.js",
    "dist/entry.js",
    "openclaw.mjs",
    "scripts/run-node.mjs",
    "src/entry.ts",
    "src/index.ts",
];
/// `openclaw gateway <sub>` commands that are clients of the gateway, not the gateway.
const CLIENT_SUBCOMMANDS: [&str; 12] = [
    "status",
    "stop",
    "start",
    "restart",
    "install",
    "uninstall",
    "call",
    "health",
    "probe",
    "discover",
    "usage-cost",
    "help",
];

/// Detects gateway locks and processes for `state_dir` (whose config is `config_path`).
pub fn detect(state_dir: &Path, config_path: &Path, env: &Env) -> GatewayRuntime {
    let ctx = Ctx::new(state_dir, config_path, env);
    let mut rt = GatewayRuntime {
        checked: ctx.proc_available,
        ..GatewayRuntime::default()
    };
    for (dir, where_) in ctx.lock_dirs() {
        scan_lock_dir(&ctx, &dir, where_, &mut rt);
    }
    if ctx.proc_available {
        scan_processes(&ctx, &mut rt);
    }
    rt
}

struct Ctx<'a> {
    state_dir: &'a Path,
    config_path: &'a Path,
    env: &'a Env,
    proc_dir: PathBuf,
    proc_available: bool,
    /// Our own pid, never reported (only meaningful on the real `/proc`).
    own_pid: u32,
    /// The names our config's `gateway.<hash>.lock` can have.
    config_hashes: Vec<String>,
}

impl<'a> Ctx<'a> {
    fn new(state_dir: &'a Path, config_path: &'a Path, env: &'a Env) -> Self {
        let proc_dir = env.system_path("/proc");
        let proc_available = has_pid_entries(&proc_dir);
        let mut config_hashes: Vec<String> = target_forms(config_path, env)
            .iter()
            .map(|p| sha256_prefix(&p.to_string_lossy()))
            .collect();
        config_hashes.dedup();
        Ctx {
            state_dir,
            config_path,
            env,
            proc_dir,
            proc_available,
            own_pid: std::process::id(),
            config_hashes,
        }
    }

    /// `<state>/tmp/openclaw[-<uid>]` (2026.9) and `os.tmpdir()/openclaw[-<uid>]` (up to 7.x),
    /// for every uid: a service may run as another user.
    fn lock_dirs(&self) -> Vec<(PathBuf, GatewayLockDir)> {
        let mut out = Vec::new();
        let mut tmp_roots = vec![self.env.tmpdir.clone(), self.env.system_path("/tmp")];
        tmp_roots.dedup();
        for (root, where_) in
            std::iter::once((self.state_dir.join("tmp"), GatewayLockDir::StateTmp)).chain(
                tmp_roots
                    .into_iter()
                    .map(|r| (r, GatewayLockDir::SystemTmp)),
            )
        {
            for name in list_dir(&root) {
                let Some(name) = name.to_str() else { continue };
                let uid_dir = name
                    .strip_prefix("openclaw-")
                    .is_some_and(|u| !u.is_empty() && u.bytes().all(|b| b.is_ascii_digit()));
                if name == "openclaw" || uid_dir {
                    let dir = root.join(name);
                    if !out.iter().any(|(d, _)| d == &dir) {
                        out.push((dir, where_));
                    }
                }
            }
        }
        out
    }

    fn proc_path(&self, pid: u32, file: &str) -> PathBuf {
        self.proc_dir.join(pid.to_string()).join(file)
    }

    /// Whether a path seen by the target system (a payload, an fd link) is this state dir.
    fn is_state_dir(&self, seen: &Path) -> bool {
        same_path(seen, self.state_dir, self.env)
    }

    fn is_config_path(&self, seen: &Path) -> bool {
        same_path(seen, self.config_path, self.env)
    }

    /// Whether a path seen by the target system lies inside this state dir.
    fn inside_state_dir(&self, seen: &Path) -> bool {
        let seen = normalize(seen);
        target_forms(self.state_dir, self.env)
            .iter()
            .any(|s| seen.starts_with(s) && seen != *s)
    }
}

// ---------------------------------------------------------------- locks

fn scan_lock_dir(ctx: &Ctx, dir: &Path, where_: GatewayLockDir, rt: &mut GatewayRuntime) {
    // 2026.9 makes the dir 0700: another user's gateway locks cannot even be listed. (Other
    // users' dirs in the system tmp, and `/tmp/openclaw` holding logs, are not ours to report.)
    if where_ == GatewayLockDir::StateTmp
        && let Err(e) = fs::read_dir(dir)
        && e.kind() == std::io::ErrorKind::PermissionDenied
    {
        rt.problems.push(
            LoadProblem::new(
                dir.display().to_string(),
                ProblemKind::Unreadable,
                e.to_string(),
            )
            .with_consequence("gateway lock files in it could not be checked"),
        );
        return;
    }
    let mut names: Vec<String> = list_dir(dir)
        .into_iter()
        .filter_map(|n| n.into_string().ok())
        .filter_map(|n| lock_kind(&n).map(|_| n))
        .collect();
    names.sort();
    for name in names {
        let Some(kind) = lock_kind(&name) else {
            continue;
        };
        let path = dir.join(&name);
        if let Some(lock) = read_lock(ctx, &path, &name, kind, where_, &mut rt.problems) {
            rt.locks.push(lock);
        }
    }
}

/// `gateway.<8 hex>.lock` or `gateway.state.lock`; everything else (`*.lock.sqlite`,
/// `device-identity.*`) is not a gateway lock.
fn lock_kind(name: &str) -> Option<GatewayLockKind> {
    let mid = name.strip_prefix("gateway.")?.strip_suffix(".lock")?;
    if mid == "state" {
        return Some(GatewayLockKind::State);
    }
    (mid.len() == 8 && mid.bytes().all(|b| b.is_ascii_hexdigit()))
        .then_some(GatewayLockKind::Config)
}

#[derive(Default)]
struct Payload {
    pid: Option<u32>,
    role: Option<String>,
    port: Option<u16>,
    created_at: Option<String>,
    config_path: Option<PathBuf>,
    state_dir: Option<PathBuf>,
    start_time: Option<u64>,
}

/// The JSON object at the start of the file. 2026.9 follows it with a whitespace-only
/// ownership token line; anything after the object is ignored.
fn parse_payload(bytes: &[u8]) -> Result<Payload, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| format!("not UTF-8: {e}"))?;
    if text.trim().is_empty() {
        return Err("empty file".into());
    }
    let value: serde_json::Value = serde_json::Deserializer::from_str(text)
        .into_iter::<serde_json::Value>()
        .next()
        .ok_or_else(|| "empty file".to_string())?
        .map_err(|e| e.to_string())?;
    let obj = value
        .as_object()
        .ok_or_else(|| "not a JSON object".to_string())?;
    let str_of = |k: &str| obj.get(k).and_then(|v| v.as_str()).map(str::to_string);
    let pid = obj
        .get("pid")
        .and_then(serde_json::Value::as_u64)
        .and_then(|p| u32::try_from(p).ok())
        .filter(|p| *p > 0);
    Ok(Payload {
        pid,
        role: str_of("role"),
        port: obj
            .get("port")
            .and_then(serde_json::Value::as_u64)
            .and_then(|p| u16::try_from(p).ok()),
        created_at: str_of("createdAt"),
        config_path: str_of("configPath").map(PathBuf::from),
        state_dir: str_of("stateDir").map(PathBuf::from),
        start_time: obj.get("startTime").and_then(serde_json::Value::as_u64),
    })
}

fn read_lock(
    ctx: &Ctx,
    path: &Path,
    name: &str,
    kind: GatewayLockKind,
    where_: GatewayLockDir,
    problems: &mut Vec<LoadProblem>,
) -> Option<GatewayLock> {
    let display = path.display().to_string();
    let mut detail = None;
    let payload = match fsread::read_bounded(path, &display, LOCK_LIMIT) {
        Ok(None) => return None, // removed since the listing: the gateway stopped
        Ok(Some(bytes)) => match parse_payload(&bytes) {
            Ok(p) => {
                if p.pid.is_none() {
                    detail = Some("the lock names no valid pid".to_string());
                }
                Some(p)
            }
            Err(e) => {
                problems.push(
                    LoadProblem::new(&display, ProblemKind::NotJson, e.clone()).with_consequence(
                        "OpenClaw cannot tell the owner either; it reclaims the lock 30 s after it was last written",
                    ),
                );
                detail = Some(format!("unreadable payload: {e}"));
                None
            }
        },
        Err(p) => {
            detail = Some(format!("not read: {}", p.detail));
            problems.push(p);
            None
        }
    };
    let payload = payload.unwrap_or_default();

    let owner_matches_state = if where_ == GatewayLockDir::StateTmp {
        Some(true)
    } else if let Some(sd) = &payload.state_dir {
        Some(ctx.is_state_dir(sd))
    } else if let Some(cp) = &payload.config_path {
        Some(ctx.is_config_path(cp) || cp.parent().is_some_and(|p| ctx.is_state_dir(p)))
    } else if kind == GatewayLockKind::Config
        && ctx
            .config_hashes
            .iter()
            .any(|h| name == format!("gateway.{h}.lock"))
    {
        Some(true)
    } else {
        None
    };

    let pid_alive = match payload.pid {
        Some(pid) if ctx.proc_available => {
            let (alive, why) = owner_alive(ctx, pid, payload.start_time, payload.role.as_deref());
            if let Some(why) = why {
                detail = Some(why);
            }
            Some(alive)
        }
        _ => None,
    };
    let stale = match (payload.pid, pid_alive) {
        (Some(_), Some(alive)) => !alive,
        // No owner to check: OpenClaw goes by age (`createdAt`, else the file's mtime).
        (None, _)
            if detail
                .as_deref()
                .is_some_and(|d| !d.starts_with("not read")) =>
        {
            older_than(path, STALE_AFTER)
        }
        _ => false,
    };
    Some(GatewayLock {
        path: path.to_path_buf(),
        kind,
        dir: where_,
        pid: payload.pid,
        role: payload.role,
        port: payload.port,
        created_at: payload.created_at,
        config_path: payload.config_path,
        state_dir: payload.state_dir,
        pid_alive,
        owner_matches_state,
        stale,
        detail,
    })
}

/// Mirrors OpenClaw's `resolveGatewayOwnerStatus`: the pid must exist and not be a zombie;
/// with a recorded start time it must match, else the command line must be OpenClaw's.
fn owner_alive(
    ctx: &Ctx,
    pid: u32,
    start_time: Option<u64>,
    role: Option<&str>,
) -> (bool, Option<String>) {
    if !ctx.proc_dir.join(pid.to_string()).is_dir() {
        return (false, Some(format!("pid {pid} is not running")));
    }
    if let Some(stat) = read_proc_text(&ctx.proc_path(pid, "stat"), SMALL_PROC_LIMIT) {
        let fields = stat_fields(&stat);
        if fields.first().is_some_and(|s| *s == "Z") {
            return (false, Some(format!("pid {pid} is a zombie")));
        }
        // Field 22 (starttime) is the 20th after the `(comm)`.
        let now = fields.get(19).and_then(|s| s.parse::<u64>().ok());
        if let (Some(want), Some(now)) = (start_time, now) {
            return if want == now {
                (true, None)
            } else {
                (
                    false,
                    Some(format!(
                        "pid {pid} now belongs to another process (start time {now}, lock says {want})"
                    )),
                )
            };
        }
    }
    match read_argv(ctx, pid) {
        Some(args) if !args.is_empty() => {
            let ours = match role {
                None | Some("gateway") => is_gateway_argv(&args),
                Some(_) => is_openclaw_argv(&args),
            };
            if ours {
                (true, None)
            } else {
                (
                    false,
                    Some(format!("pid {pid} now runs something else than OpenClaw")),
                )
            }
        }
        // Alive, but whose it is cannot be told: trust the lock, as OpenClaw does elsewhere.
        _ => (true, None),
    }
}

/// `/proc/<pid>/stat` after the `(comm)`, which may itself hold spaces and parentheses.
fn stat_fields(stat: &str) -> Vec<&str> {
    stat.rfind(')')
        .map(|i| stat[i + 1..].split_whitespace().collect())
        .unwrap_or_default()
}

fn older_than(path: &Path, age: Duration) -> bool {
    fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| SystemTime::now().duration_since(t).ok())
        .is_some_and(|d| d > age)
}

// ---------------------------------------------------------------- processes

fn scan_processes(ctx: &Ctx, rt: &mut GatewayRuntime) {
    let Ok(rd) = fs::read_dir(&ctx.proc_dir) else {
        return;
    };
    let mut pids: Vec<u32> = rd
        .take(MAX_PROCS)
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|p| *p != ctx.own_pid)
        .collect();
    pids.sort_unstable();
    for pid in pids {
        let args = read_argv(ctx, pid).unwrap_or_default();
        let command = if args.is_empty() {
            // cmdline hidden or empty: the renamed gateway still shows its comm (15 bytes).
            match read_proc_text(&ctx.proc_path(pid, "comm"), SMALL_PROC_LIMIT) {
                Some(c) if matches!(c.trim(), "openclaw-gatewa" | "openclaw-gateway") => {
                    "openclaw-gateway".to_string()
                }
                _ => continue,
            }
        } else if is_gateway_argv(&args) {
            sanitize_command(&args)
        } else {
            continue;
        };
        let (state_dir, source) = process_state_dir(ctx, pid, &args, &rt.locks);
        let serves_this_state = match (&state_dir, source) {
            (Some(sd), Some(StateDirSource::EnvironmentDefault)) => {
                // `--profile` may have moved it elsewhere: only a match is certain.
                ctx.is_state_dir(sd).then_some(true)
            }
            (Some(sd), _) => Some(ctx.is_state_dir(sd)),
            (None, _) => None,
        };
        rt.processes.push(GatewayProcess {
            pid,
            command,
            state_dir,
            state_dir_source: source,
            serves_this_state,
        });
    }
}

fn process_state_dir(
    ctx: &Ctx,
    pid: u32,
    args: &[String],
    locks: &[GatewayLock],
) -> (Option<PathBuf>, Option<StateDirSource>) {
    if let Some(sd) = state_dir_from_fds(ctx, pid, locks) {
        return (Some(sd), Some(StateDirSource::OpenFiles));
    }
    // A live lock naming this pid.
    if let Some(l) = locks
        .iter()
        .find(|l| l.pid == Some(pid) && l.pid_alive == Some(true) && l.is_gateway())
    {
        if l.owner_matches_state == Some(true) {
            return (
                Some(ctx.state_dir.to_path_buf()),
                Some(StateDirSource::Lock),
            );
        }
        if let Some(sd) = l.state_dir.clone().or_else(|| {
            l.config_path
                .as_ref()
                .and_then(|c| c.parent().map(Path::to_path_buf))
        }) {
            return (Some(sd), Some(StateDirSource::Lock));
        }
    }
    let environ = read_environ(ctx, pid);
    if let Some(vars) = &environ
        && let Some(found) = state_dir_from_env(vars, flag_profile(args).as_deref())
    {
        return (Some(found.0), Some(found.1));
    }
    // Environment unreadable: only a `--profile` still on the command line (before the
    // rename) with the state dir's own name tells anything.
    if let Some(p) = flag_profile(args)
        && ctx
            .state_dir
            .file_name()
            .is_some_and(|n| n == OsStr::new(&format!(".openclaw-{p}")))
    {
        return (
            Some(ctx.state_dir.to_path_buf()),
            Some(StateDirSource::CommandLine),
        );
    }
    (None, None)
}

/// The state dir from the files a process holds open: `<X>/state/openclaw.sqlite[-wal|-shm]`,
/// `<X>/tmp/openclaw-<uid>/gateway.*.lock`, our config's `gateway.<hash>.lock`, or any file
/// inside this state dir.
fn state_dir_from_fds(ctx: &Ctx, pid: u32, locks: &[GatewayLock]) -> Option<PathBuf> {
    let fd_dir = ctx.proc_path(pid, "fd");
    let rd = fs::read_dir(&fd_dir).ok()?;
    let mut inside = false;
    for entry in rd.take(MAX_FDS).filter_map(Result::ok) {
        let Ok(target) = fs::read_link(entry.path()) else {
            continue;
        };
        if !target.is_absolute() {
            continue; // pipe:[..], socket:[..], anon_inode:..
        }
        let name = target.file_name().and_then(OsStr::to_str).unwrap_or("");
        let parent = target.parent();
        if matches!(
            name,
            "openclaw.sqlite" | "openclaw.sqlite-wal" | "openclaw.sqlite-shm"
        ) && parent.and_then(Path::file_name) == Some(OsStr::new("state"))
        {
            return parent.and_then(Path::parent).map(Path::to_path_buf);
        }
        if lock_kind(name).is_some() {
            let lock_dir = parent;
            // <X>/tmp/openclaw-<uid>/gateway.*.lock
            if let Some(x) = lock_dir
                .and_then(Path::parent)
                .filter(|t| t.file_name() == Some(OsStr::new("tmp")))
                .and_then(Path::parent)
            {
                return Some(x.to_path_buf());
            }
            if let Some(l) = locks.iter().find(|l| same_path(&target, &l.path, ctx.env))
                && l.owner_matches_state == Some(true)
            {
                return Some(ctx.state_dir.to_path_buf());
            }
            if ctx
                .config_hashes
                .iter()
                .any(|h| name == format!("gateway.{h}.lock"))
            {
                return Some(ctx.state_dir.to_path_buf());
            }
        }
        inside |= ctx.inside_state_dir(&target);
    }
    inside.then(|| ctx.state_dir.to_path_buf())
}

/// The variables of `/proc/<pid>/environ` that decide the state dir; `None` when unreadable.
fn read_environ(ctx: &Ctx, pid: u32) -> Option<Vec<(String, String)>> {
    const KEYS: [&str; 5] = [
        "OPENCLAW_STATE_DIR",
        "CLAWDBOT_STATE_DIR",
        "OPENCLAW_PROFILE",
        "OPENCLAW_HOME",
        "HOME",
    ];
    let path = ctx.proc_path(pid, "environ");
    let bytes = fsread::read_bounded(&path, "", ENVIRON_LIMIT).ok()??;
    Some(
        bytes
            .split(|b| *b == 0)
            .filter_map(|kv| {
                let kv = std::str::from_utf8(kv).ok()?;
                let (k, v) = kv.split_once('=')?;
                (KEYS.contains(&k) && !v.trim().is_empty())
                    .then(|| (k.to_string(), v.trim().to_string()))
            })
            .collect(),
    )
}

/// OpenClaw's `resolveStateDir` over a process environment.
fn state_dir_from_env(
    vars: &[(String, String)],
    cli_profile: Option<&str>,
) -> Option<(PathBuf, StateDirSource)> {
    let get = |k: &str| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let os_home = get("HOME").map(PathBuf::from);
    let home = match get("OPENCLAW_HOME") {
        Some(h) => Some(expand_home(h, os_home.as_deref())),
        None => os_home.clone(),
    };
    if let Some(sd) = get("OPENCLAW_STATE_DIR").or_else(|| get("CLAWDBOT_STATE_DIR")) {
        let p = expand_home(sd, home.as_deref());
        return p.is_absolute().then_some((p, StateDirSource::Environment));
    }
    let home = home.filter(|h| h.is_absolute())?;
    if let Some(p) = cli_profile.or_else(|| get("OPENCLAW_PROFILE"))
        && !p.eq_ignore_ascii_case("default")
    {
        let source = if cli_profile.is_some() {
            StateDirSource::CommandLine
        } else {
            StateDirSource::Environment
        };
        return Some((home.join(format!(".openclaw-{p}")), source));
    }
    Some((home.join(".openclaw"), StateDirSource::EnvironmentDefault))
}

fn expand_home(raw: &str, home: Option<&Path>) -> PathBuf {
    match (raw.strip_prefix('~'), home) {
        (Some(rest), Some(h)) if rest.is_empty() || rest.starts_with('/') => {
            h.join(rest.trim_start_matches('/'))
        }
        _ => PathBuf::from(raw),
    }
}

/// `--profile X`, `--profile=X`, or `--dev` (= profile `dev`) before the `gateway` command.
fn flag_profile(args: &[String]) -> Option<String> {
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "gateway" {
            break;
        }
        if a == "--dev" {
            return Some("dev".into());
        }
        let value = if a == "--profile" {
            it.next().cloned()
        } else {
            a.strip_prefix("--profile=").map(str::to_string)
        };
        if let Some(v) = value.filter(|v| valid_profile(v)) {
            return Some(v.to_ascii_lowercase());
        }
    }
    None
}

/// `^[a-z0-9][a-z0-9_-]{0,63}$`, case-insensitive, as OpenClaw validates `--profile`.
fn valid_profile(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty()
        && b.len() <= 64
        && b[0].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'_')
}

fn read_argv(ctx: &Ctx, pid: u32) -> Option<Vec<String>> {
    let bytes = fsread::read_bounded(&ctx.proc_path(pid, "cmdline"), "", CMDLINE_LIMIT).ok()??;
    Some(
        bytes
            .split(|b| *b == 0)
            .map(|a| String::from_utf8_lossy(a).trim().to_string())
            .filter(|a| !a.is_empty())
            .collect(),
    )
}

fn read_proc_text(path: &Path, limit: u64) -> Option<String> {
    let bytes = fsread::read_bounded(path, "", limit).ok()??;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

fn norm_arg(a: &str) -> String {
    a.replace('\\', "/").to_ascii_lowercase()
}

fn exe_name(args: &[String]) -> String {
    let exe = norm_arg(args.first().map(String::as_str).unwrap_or(""));
    let base = exe.rsplit('/').next().unwrap_or("").to_string();
    for ext in [".exe", ".cmd", ".bat"] {
        if let Some(b) = base.strip_suffix(ext) {
            return b.to_string();
        }
    }
    base
}

/// OpenClaw's `isOpenClawArgv`, a little stricter: the `openclaw` binary itself, or an
/// interpreter whose script (its first argument that is neither a flag nor a flag's value) is
/// an OpenClaw entry file (`.../openclaw/dist/index.js`, `openclaw.mjs`, ...). A wrapper
/// (`timeout 120 node openclaw.mjs gateway`, `nohup`, `sudo`) is not the process itself.
fn is_openclaw_argv(args: &[String]) -> bool {
    if exe_name(args) == "openclaw" {
        return true;
    }
    let mut prev_flag = false;
    for a in args.iter().skip(1) {
        if a.starts_with('-') {
            prev_flag = !a.contains('=');
            continue;
        }
        if is_entry_file(a) {
            return true;
        }
        if !prev_flag {
            return false;
        }
        prev_flag = false;
    }
    false
}

fn is_entry_file(arg: &str) -> bool {
    let a = norm_arg(arg);
    ENTRY_FILES.iter().any(|e| a.ends_with(e))
        && (a.ends_with("openclaw.mjs") || a.contains("openclaw") || a.contains("clawdbot"))
}

/// The gateway itself: renamed `openclaw-gateway`, or `openclaw ... gateway [run] ...` (not a
/// client subcommand such as `gateway status`).
fn is_gateway_argv(args: &[String]) -> bool {
    if exe_name(args) == "openclaw-gateway" {
        return true;
    }
    let Some(i) = args.iter().position(|a| a == "gateway") else {
        return false;
    };
    is_openclaw_argv(args)
        && !args[i + 1..]
            .iter()
            .any(|a| CLIENT_SUBCOMMANDS.contains(&a.as_str()))
}

/// Arguments joined for display, credentials replaced, length capped.
fn sanitize_command(args: &[String]) -> String {
    let mut out: Vec<String> = Vec::with_capacity(args.len());
    let mut redact_next = false;
    for a in args {
        if redact_next {
            out.push(REDACTED.into());
            redact_next = false;
            continue;
        }
        if let Some((k, _)) = a.split_once('=')
            && secret_name(k)
        {
            out.push(format!("{k}={REDACTED}"));
            continue;
        }
        if a.starts_with("--") && secret_name(a) {
            redact_next = true;
        }
        out.push(if a.chars().any(char::is_whitespace) {
            format!("'{}'", a.replace('\'', "'\\''"))
        } else {
            a.clone()
        });
    }
    let mut s = out.join(" ");
    if s.chars().count() > MAX_COMMAND_CHARS {
        s = s.chars().take(MAX_COMMAND_CHARS).collect::<String>() + "…";
    }
    s
}

/// `--token`, `--password`, `--hooks-token`, `OPENCLAW_GATEWAY_TOKEN`, `--api-key`, ...
fn secret_name(name: &str) -> bool {
    let n = name.trim_start_matches('-').to_ascii_lowercase();
    [
        "token", "password", "secret", "api-key", "apikey", "api_key",
    ]
    .iter()
    .any(|w| n.contains(w))
}

// ---------------------------------------------------------------- paths

fn list_dir(dir: &Path) -> Vec<std::ffi::OsString> {
    match fs::read_dir(dir) {
        Ok(rd) => rd
            .take(MAX_DIR_ENTRIES)
            .filter_map(Result::ok)
            .map(|e| e.file_name())
            .collect(),
        Err(_) => Vec::new(),
    }
}

fn has_pid_entries(proc_dir: &Path) -> bool {
    fs::read_dir(proc_dir).is_ok_and(|rd| {
        rd.take(MAX_DIR_ENTRIES).filter_map(Result::ok).any(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| n.parse::<u32>().is_ok())
        })
    })
}

fn sha256_prefix(s: &str) -> String {
    let digest = Sha256::digest(s.as_bytes());
    digest.iter().take(4).map(|b| format!("{b:02x}")).collect()
}

/// Lexical normalization: `.` dropped, `..` applied (as Node's `path.resolve`).
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// The forms a local path can take as the target system sees it: itself, canonicalized, and
/// both with the sysroot stripped.
fn target_forms(local: &Path, env: &Env) -> Vec<PathBuf> {
    let mut forms = vec![normalize(local)];
    if let Ok(c) = fs::canonicalize(local) {
        forms.push(c);
    }
    let root = fs::canonicalize(&env.sysroot).unwrap_or_else(|_| env.sysroot.clone());
    if root != Path::new("/") {
        for f in forms.clone() {
            for r in [&root, &env.sysroot] {
                if let Ok(rest) = f.strip_prefix(r) {
                    forms.push(Path::new("/").join(rest));
                }
            }
        }
    }
    forms.dedup();
    forms
}

/// Whether a path seen by the target system names the same place as a local path.
fn same_path(seen: &Path, local: &Path, env: &Env) -> bool {
    let seen = normalize(seen);
    target_forms(local, env).contains(&seen)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    struct Fake {
        root: tempfile::TempDir,
    }

    impl Fake {
        fn new() -> Self {
            let f = Fake {
                root: tempfile::tempdir().unwrap(),
            };
            fs::create_dir_all(f.path("/proc/1")).unwrap();
            fs::write(f.path("/proc/1/cmdline"), b"/sbin/init\0").unwrap();
            fs::create_dir_all(f.path("/home/u/.openclaw")).unwrap();
            f
        }
        fn path(&self, abs: &str) -> PathBuf {
            self.root.path().join(abs.trim_start_matches('/'))
        }
        fn env(&self) -> Env {
            Env {
                vars: BTreeMap::new(),
                cwd: self.path("/home/u"),
                tmpdir: self.path("/tmp"),
                uid: Some(1000),
                sysroot: self.root.path().to_path_buf(),
            }
        }
        fn state(&self) -> PathBuf {
            self.path("/home/u/.openclaw")
        }
        fn write(&self, abs: &str, bytes: &[u8]) {
            let p = self.path(abs);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, bytes).unwrap();
        }
        /// A process with a cmdline, a stat start time, and optionally an environment.
        fn proc(&self, pid: u32, argv: &[&str], start: u64, environ: Option<&[&str]>) {
            let mut cmd = argv.join("\0").into_bytes();
            cmd.push(0);
            self.write(&format!("/proc/{pid}/cmdline"), &cmd);
            let mut stat = format!("{pid} (node) S 1");
            for _ in 0..17 {
                stat.push_str(" 0");
            }
            stat.push_str(&format!(" {start} 0 0\n"));
            self.write(&format!("/proc/{pid}/stat"), stat.as_bytes());
            if let Some(vars) = environ {
                let mut e = vars.join("\0").into_bytes();
                e.push(0);
                self.write(&format!("/proc/{pid}/environ"), &e);
            }
        }
        fn detect(&self) -> GatewayRuntime {
            let state = self.state();
            detect(&state, &state.join("openclaw.json"), &self.env())
        }
    }

    fn payload(pid: u32, config: &str, start: Option<u64>) -> Vec<u8> {
        let mut v = serde_json::json!({
            "pid": pid, "createdAt": "2026-11-21T11:45:36.694Z",
            "configPath": config, "port": 38789
        });
        if let Some(s) = start {
            v["startTime"] = s.into();
        }
        serde_json::to_vec(&v).unwrap()
    }

    #[test]
    fn stat_start_time_is_field_22() {
        let f = Fake::new();
        f.proc(42, &["openclaw-gateway"], 249382, None);
        let stat = fs::read_to_string(f.path("/proc/42/stat")).unwrap();
        assert_eq!(stat_fields(&stat)[19], "249382");
        assert_eq!(stat_fields("7 (a) b) c) Z 1")[0], "Z");
    }

    #[test]
    fn hash_matches_the_real_lock_names() {
        // Names observed on real gateways (2026.7.35 in /tmp/openclaw-0, 2026.9.6 in <state>/tmp).
        assert_eq!(
            sha256_prefix("/tmp/rt-obs/state-2026.7.35/openclaw.json"),
            "93771b51"
        );
        assert_eq!(
            sha256_prefix("/tmp/rt-obs/state-2026.9.6/openclaw.json"),
            "81a100dd"
        );
        assert_eq!(
            lock_kind("gateway.81a100dd.lock"),
            Some(GatewayLockKind::Config)
        );
        assert_eq!(
            lock_kind("gateway.state.lock"),
            Some(GatewayLockKind::State)
        );
        assert_eq!(lock_kind("gateway.81a100dd.lock.sqlite"), None);
        assert_eq!(lock_kind("gateway-lifecycle.81a100dd.lock.sqlite"), None);
        assert_eq!(lock_kind("gateway.xyz.lock"), None);
    }

    #[test]
    fn no_proc_means_unchecked() {
        let f = Fake::new();
        fs::remove_dir_all(f.path("/proc")).unwrap();
        let cfg = f.state().join("openclaw.json");
        f.write(
            "/tmp/openclaw-1000/gateway.00000000.lock",
            &payload(77, &cfg.to_string_lossy(), None),
        );
        let rt = f.detect();
        assert!(!rt.checked);
        assert_eq!(rt.locks.len(), 1);
        assert_eq!(rt.locks[0].pid_alive, None);
        assert_eq!(rt.locks[0].owner_matches_state, Some(true));
        assert!(!rt.locks[0].stale);
        assert!(!rt.running());
    }

    #[test]
    fn alive_lock_in_system_tmp_2026_7() {
        let f = Fake::new();
        let cfg = "/home/u/.openclaw/openclaw.json";
        let name = format!("gateway.{}.lock", sha256_prefix(cfg));
        f.write(
            &format!("/tmp/openclaw-1000/{name}"),
            &payload(575, cfg, Some(249382)),
        );
        // The renamed gateway: title plus NUL padding; environ not readable here.
        f.write("/proc/575/cmdline", b"openclaw-gateway\0\0\0\0\0\0");
        let mut stat = "575 (openclaw-gatewa) S 1".to_string();
        for _ in 0..17 {
            stat.push_str(" 0");
        }
        stat.push_str(" 249382 0\n");
        f.write("/proc/575/stat", stat.as_bytes());
        let rt = f.detect();
        assert!(rt.checked);
        assert_eq!(rt.locks.len(), 1, "{rt:?}");
        let l = &rt.locks[0];
        assert_eq!(l.kind, GatewayLockKind::Config);
        assert_eq!(l.dir, GatewayLockDir::SystemTmp);
        assert_eq!(l.pid, Some(575));
        assert_eq!(l.port, Some(38789));
        assert_eq!(l.pid_alive, Some(true));
        assert_eq!(l.owner_matches_state, Some(true));
        assert!(!l.stale);
        assert!(rt.running());
        assert_eq!(rt.running_pids(), vec![575]);
        // The process is found and tied to the state through the lock naming it.
        assert_eq!(rt.processes.len(), 1);
        assert_eq!(rt.processes[0].command, "openclaw-gateway");
        assert_eq!(rt.processes[0].state_dir_source, Some(StateDirSource::Lock));
        assert_eq!(rt.processes[0].serves_this_state, Some(true));
    }

    #[test]
    fn state_tmp_lock_2026_9_with_ownership_token() {
        let f = Fake::new();
        let mut raw = serde_json::to_vec_pretty(&serde_json::json!({
            "pid": 32340, "ownerId": "f522b2b2-6874-4898-bdaa-e6afc7f01843",
            "cronOwnerProjection": "dynamic-default-v1",
            "createdAt": "2026-11-21T11:45:13.360Z",
            "configPath": "/elsewhere/openclaw.json", "stateDir": "/elsewhere",
            "port": 38789, "startTime": 247330
        }))
        .unwrap();
        raw.extend_from_slice(b"\n\t\t\t\t\t\t\t\t \t\t  \t \t\t\t \t\n");
        f.write(
            "/home/u/.openclaw/tmp/openclaw-1000/gateway.state.lock",
            &raw,
        );
        f.write(
            "/home/u/.openclaw/tmp/openclaw-1000/gateway.state.lock.sqlite",
            b"",
        );
        f.proc(32340, &["openclaw-gateway"], 247330, None);
        let rt = f.detect();
        assert_eq!(rt.locks.len(), 1);
        let l = &rt.locks[0];
        assert_eq!(l.kind, GatewayLockKind::State);
        assert_eq!(l.dir, GatewayLockDir::StateTmp);
        // Found inside this state dir: it is this state's whatever the payload says (a copied
        // state dir keeps its old payload).
        assert_eq!(l.owner_matches_state, Some(true));
        assert_eq!(l.state_dir.as_deref(), Some(Path::new("/elsewhere")));
        assert_eq!(l.pid_alive, Some(true));
        assert!(rt.running());
        assert!(rt.problems.is_empty(), "{:?}", rt.problems);
    }

    #[test]
    fn stale_lock_dead_pid_and_reused_pid() {
        let f = Fake::new();
        let cfg = "/home/u/.openclaw/openclaw.json";
        f.write(
            "/home/u/.openclaw/tmp/openclaw-1000/gateway.state.lock",
            &payload(999, cfg, Some(1)),
        );
        // pid 1 exists but started at another time: reused.
        let h = sha256_prefix(cfg);
        f.write(
            &format!("/home/u/.openclaw/tmp/openclaw-1000/gateway.{h}.lock"),
            &payload(1, cfg, None),
        );
        let rt = f.detect();
        assert_eq!(rt.locks.len(), 2);
        for l in &rt.locks {
            assert_eq!(l.pid_alive, Some(false), "{l:?}");
            assert!(l.stale);
        }
        let dead = rt.locks.iter().find(|l| l.pid == Some(999)).unwrap();
        assert_eq!(dead.detail.as_deref(), Some("pid 999 is not running"));
        let reused = rt.locks.iter().find(|l| l.pid == Some(1)).unwrap();
        assert!(
            reused.detail.as_deref().unwrap().contains("something else"),
            "{reused:?}"
        );
        assert!(!rt.running());
        assert!(!rt.state_busy());
    }

    #[test]
    fn start_time_mismatch_is_dead_and_zombie_is_dead() {
        let f = Fake::new();
        f.proc(50, &["openclaw-gateway"], 500, None);
        f.proc(51, &["openclaw-gateway"], 510, None);
        let z = fs::read_to_string(f.path("/proc/51/stat"))
            .unwrap()
            .replace(" S ", " Z ");
        f.write("/proc/51/stat", z.as_bytes());
        let cfg = "/home/u/.openclaw/openclaw.json";
        f.write(
            "/tmp/openclaw-1000/gateway.aaaaaaaa.lock",
            &payload(50, cfg, Some(499)),
        );
        f.write(
            "/tmp/openclaw-1000/gateway.bbbbbbbb.lock",
            &payload(51, cfg, Some(510)),
        );
        let rt = f.detect();
        assert_eq!(rt.locks.len(), 2);
        assert!(
            rt.locks
                .iter()
                .all(|l| l.stale && l.pid_alive == Some(false))
        );
        assert!(
            rt.locks[0]
                .detail
                .as_deref()
                .unwrap()
                .contains("another process")
        );
        assert!(rt.locks[1].detail.as_deref().unwrap().contains("zombie"));
    }

    #[test]
    fn empty_lock_sqlite_files_are_ignored() {
        let f = Fake::new();
        for n in [
            "gateway.state.lock.sqlite",
            "gateway.8f794ad7.lock.sqlite",
            "device-identity.91f665a9.lock.sqlite",
        ] {
            f.write(&format!("/home/u/.openclaw/tmp/openclaw-0/{n}"), b"");
        }
        f.write(
            "/tmp/openclaw-state-locks-0/gateway-lifecycle.91f665a9.lock.sqlite",
            b"",
        );
        f.write("/tmp/openclaw/openclaw-2026-11-21.log", b"{}\n");
        let rt = f.detect();
        assert!(rt.locks.is_empty(), "{:?}", rt.locks);
        assert!(rt.problems.is_empty());
        assert!(!rt.running());
    }

    #[test]
    fn other_state_lock_and_process_are_not_counted() {
        let f = Fake::new();
        let other = "/home/u/.openclaw-work/openclaw.json";
        f.write(
            &format!("/tmp/openclaw-1000/gateway.{}.lock", sha256_prefix(other)),
            &payload(60, other, Some(600)),
        );
        f.proc(
            60,
            &["openclaw-gateway"],
            600,
            Some(&[
                "HOME=/home/u",
                "OPENCLAW_STATE_DIR=/home/u/.openclaw-work",
                "PATH=/bin",
            ]),
        );
        let rt = f.detect();
        assert_eq!(rt.locks.len(), 1);
        assert_eq!(rt.locks[0].owner_matches_state, Some(false));
        assert_eq!(rt.locks[0].pid_alive, Some(true));
        assert_eq!(rt.processes.len(), 1);
        let p = &rt.processes[0];
        // The live lock names the pid and the other state.
        assert_eq!(
            p.state_dir.as_deref(),
            Some(Path::new("/home/u/.openclaw-work"))
        );
        assert_eq!(p.serves_this_state, Some(false));
        assert!(!rt.running());
        assert!(!rt.state_busy());
    }

    #[test]
    fn environment_decides_without_locks() {
        let f = Fake::new();
        // Explicit state dir elsewhere: not ours.
        f.proc(
            70,
            &[
                "/usr/bin/node",
                "/usr/lib/node_modules/openclaw/dist/index.js",
                "gateway",
                "--port",
                "18789",
            ],
            1,
            Some(&["HOME=/home/u", "OPENCLAW_STATE_DIR=~/.openclaw-work"]),
        );
        // Default dir from HOME: ours.
        f.proc(71, &["openclaw-gateway"], 1, Some(&["HOME=/home/u"]));
        // Default dir of another home: maybe ours via an invisible --profile: unknown.
        f.proc(72, &["openclaw-gateway"], 1, Some(&["HOME=/home/v"]));
        // Profile in the environment, matching a sibling dir: not ours.
        f.proc(
            73,
            &["openclaw-gateway"],
            1,
            Some(&["HOME=/home/u", "OPENCLAW_PROFILE=work"]),
        );
        let rt = f.detect();
        let by = |pid| rt.processes.iter().find(|p| p.pid == pid).unwrap();
        assert_eq!(by(70).serves_this_state, Some(false));
        assert_eq!(
            by(70).state_dir.as_deref(),
            Some(Path::new("/home/u/.openclaw-work"))
        );
        assert_eq!(by(71).serves_this_state, Some(true));
        assert_eq!(
            by(71).state_dir_source,
            Some(StateDirSource::EnvironmentDefault)
        );
        assert_eq!(by(72).serves_this_state, None);
        assert_eq!(by(73).serves_this_state, Some(false));
        assert!(rt.running());
        assert_eq!(rt.running_pids(), vec![71]);
        assert_eq!(rt.unattributed().count(), 1);
    }

    #[test]
    fn unreadable_environ_is_unknown() {
        let f = Fake::new();
        f.proc(80, &["openclaw-gateway"], 1, None);
        #[cfg(unix)]
        {
            // An environ file we may not read (another user's process).
            use std::os::unix::fs::PermissionsExt;
            f.write("/proc/80/environ", b"HOME=/home/u\0");
            fs::set_permissions(
                f.path("/proc/80/environ"),
                fs::Permissions::from_mode(0o000),
            )
            .unwrap();
            if fs::read(f.path("/proc/80/environ")).is_ok() {
                // Running as root: permissions do not stop us; make it a directory instead.
                fs::remove_file(f.path("/proc/80/environ")).unwrap();
                fs::create_dir(f.path("/proc/80/environ")).unwrap();
            }
        }
        let rt = f.detect();
        assert_eq!(rt.processes.len(), 1);
        let p = &rt.processes[0];
        assert_eq!(p.state_dir, None);
        assert_eq!(p.serves_this_state, None);
        assert!(!rt.running());
        assert_eq!(rt.unattributed().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn open_files_beat_the_environment() {
        let f = Fake::new();
        // Started with `--profile work`: the environ shows only HOME, the fds tell the truth.
        f.proc(90, &["openclaw-gateway"], 1, Some(&["HOME=/home/u"]));
        fs::create_dir_all(f.path("/proc/90/fd")).unwrap();
        std::os::unix::fs::symlink(
            "/home/u/.openclaw-work/state/openclaw.sqlite",
            f.path("/proc/90/fd/21"),
        )
        .unwrap();
        std::os::unix::fs::symlink("socket:[12345]", f.path("/proc/90/fd/3")).unwrap();
        // Another one holds a lock file inside our state dir.
        f.proc(91, &["openclaw-gateway"], 1, None);
        fs::create_dir_all(f.path("/proc/91/fd")).unwrap();
        let ours = f.state().join("tmp/openclaw-0/gateway.state.lock");
        std::os::unix::fs::symlink(&ours, f.path("/proc/91/fd/9")).unwrap();
        let rt = f.detect();
        let by = |pid| rt.processes.iter().find(|p| p.pid == pid).unwrap();
        assert_eq!(by(90).state_dir_source, Some(StateDirSource::OpenFiles));
        assert_eq!(by(90).serves_this_state, Some(false));
        assert_eq!(by(91).state_dir_source, Some(StateDirSource::OpenFiles));
        assert_eq!(by(91).serves_this_state, Some(true));
        assert_eq!(rt.running_pids(), vec![91]);
    }

    #[test]
    fn garbage_lock_content() {
        let f = Fake::new();
        let d = "/home/u/.openclaw/tmp/openclaw-1000";
        f.write(&format!("{d}/gateway.state.lock"), b"\x00\x01garbage{{");
        f.write(&format!("{d}/gateway.0badc0de.lock"), b"");
        f.write(&format!("{d}/gateway.12345678.lock"), b"[1,2]");
        f.write(
            &format!("{d}/gateway.abcdef01.lock"),
            br#"{"pid":-3,"createdAt":1}"#,
        );
        fs::create_dir_all(f.path(&format!("{d}/gateway.deadbeef.lock"))).unwrap();
        let rt = f.detect();
        assert_eq!(rt.locks.len(), 5, "{:?}", rt.locks);
        assert!(
            rt.locks
                .iter()
                .all(|l| l.pid.is_none() && l.pid_alive.is_none())
        );
        assert!(rt.locks.iter().all(|l| l.detail.is_some()));
        // Fresh files are not stale yet (OpenClaw waits 30 s).
        assert!(rt.locks.iter().all(|l| !l.stale));
        assert_eq!(rt.problems.len(), 4, "{:?}", rt.problems);
        assert!(
            rt.problems
                .iter()
                .any(|p| p.kind == ProblemKind::NotRegularFile)
        );
        assert!(!rt.running());
    }

    #[test]
    fn gateway_argv_recognition_and_redaction() {
        let v = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(is_gateway_argv(&v(&["openclaw-gateway"])));
        assert!(is_gateway_argv(&v(&[
            "/usr/local/bin/openclaw",
            "gateway",
            "run"
        ])));
        assert!(is_gateway_argv(&v(&[
            "node",
            "/x/openclaw/openclaw.mjs",
            "--profile",
            "w",
            "gateway"
        ])));
        assert!(is_gateway_argv(&v(&[
            "node",
            "C:\\npm\\openclaw\\dist\\index.js",
            "gateway",
            "--port",
            "1"
        ])));
        assert!(!is_gateway_argv(&v(&["openclaw", "gateway", "status"])));
        assert!(!is_gateway_argv(&v(&[
            "node",
            "/srv/app/dist/index.js",
            "gateway"
        ])));
        assert!(!is_gateway_argv(&v(&[
            "node",
            "/x/openclaw/dist/process/spawn-broker/worker.js"
        ])));
        assert!(!is_gateway_argv(&v(&["sh", "-c", "openclaw gateway run"])));
        // Wrappers are not the gateway (seen: the lab's `timeout` around `node openclaw.mjs`).
        assert!(!is_gateway_argv(&v(&[
            "timeout",
            "-k",
            "5",
            "120",
            "node",
            "/x/openclaw/openclaw.mjs",
            "gateway",
            "run"
        ])));
        assert!(!is_gateway_argv(&v(&[
            "nohup",
            "node",
            "/x/openclaw/dist/index.js",
            "gateway"
        ])));
        assert!(is_gateway_argv(&v(&[
            "node",
            "--max-old-space-size=4096",
            "--require",
            "/x/hook.js",
            "/usr/lib/node_modules/openclaw/dist/index.js",
            "gateway",
            "--port",
            "18789"
        ])));
        assert_eq!(
            sanitize_command(&v(&[
                "openclaw",
                "gateway",
                "--token",
                "s3cret",
                "--password=pw",
                "OPENCLAW_GATEWAY_TOKEN=t",
                "a b"
            ])),
            "openclaw gateway --token <redacted> --password=<redacted> OPENCLAW_GATEWAY_TOKEN=<redacted> 'a b'"
        );
        assert_eq!(
            flag_profile(&v(&["openclaw", "--profile", "Work", "gateway"])),
            Some("work".into())
        );
        assert_eq!(
            flag_profile(&v(&["openclaw", "--dev", "gateway"])),
            Some("dev".into())
        );
        assert_eq!(
            flag_profile(&v(&["openclaw", "gateway", "--profile", "x"])),
            None
        );
    }

    #[test]
    fn command_line_profile_when_environ_unreadable() {
        let f = Fake::new();
        fs::create_dir_all(f.path("/home/u/.openclaw-work")).unwrap();
        f.proc(
            95,
            &[
                "openclaw",
                "--profile",
                "work",
                "gateway",
                "run",
                "--token",
                "tok",
            ],
            1,
            None,
        );
        let state = f.path("/home/u/.openclaw-work");
        let rt = detect(&state, &state.join("openclaw.json"), &f.env());
        assert_eq!(rt.processes.len(), 1);
        assert_eq!(
            rt.processes[0].command,
            "openclaw --profile work gateway run --token <redacted>"
        );
        assert_eq!(
            rt.processes[0].state_dir_source,
            Some(StateDirSource::CommandLine)
        );
        assert_eq!(rt.processes[0].serves_this_state, Some(true));
    }

    #[test]
    fn own_process_is_excluded() {
        let f = Fake::new();
        let me = std::process::id();
        f.proc(me, &["openclaw-gateway"], 1, Some(&["HOME=/home/u"]));
        assert!(f.detect().processes.is_empty());
    }

    #[test]
    fn real_proc_does_not_panic() {
        // Whatever runs on this machine: bounded, no panic, and never ourselves.
        let env = Env::from_process(None);
        let dir = tempfile::tempdir().unwrap();
        let rt = detect(dir.path(), &dir.path().join("openclaw.json"), &env);
        assert!(rt.processes.iter().all(|p| p.pid != std::process::id()));
        assert!(!rt.running());
    }
}
