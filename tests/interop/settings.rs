//! The suite's settings: environment variables (documented in the README, "Interop tests") and
//! the libtest-style arguments `cargo test` passes to every test binary.

use anyhow::{Context, bail};
use std::path::PathBuf;
use std::time::Duration;

/// Whether the scenarios run inside a private network namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetnsMode {
    /// When one can be made (root, or unprivileged user namespaces); else loopback-only config.
    Auto,
    /// Fail when none can be made (CI).
    Require,
    /// Never (a developer's machine without `unshare`); needs an /etc/hosts alias.
    Off,
}

#[derive(Debug, Clone)]
pub struct Settings {
    /// `CLAW_INTEROP=skip`: skip the whole suite, loudly.
    pub skip: bool,
    /// Set by the first stage for the re-executed second stage inside the namespace.
    pub inner: bool,
    /// `CLAW_INTEROP_SCENARIOS`: names or name@version, comma-separated.
    pub only: Vec<String>,
    /// `CLAW_INTEROP_REPAIRS=0` skips the `fix` / `restore-backup` steps (loudly).
    pub repairs: bool,
    /// `CLAW_INTEROP_JOBS`: scenarios run at once.
    pub jobs: usize,
    /// `CLAW_INTEROP_CACHE`: node 24 and the OpenClaw installs, reused when present.
    pub cache: PathBuf,
    /// `CLAW_INTEROP_WORK`: state dirs, logs and outputs of this run (emptied first).
    pub work: PathBuf,
    /// `CLAW_INTEROP_NETNS`: auto, require, off.
    pub netns: NetnsMode,
    /// `CLAW_INTEROP_ALIAS`: without a namespace, a host name that resolves to 127.0.0.1.
    pub alias: Option<String>,
    /// `CLAW_INTEROP_NPM_TIMEOUT` (seconds) for one npm command.
    pub npm_timeout: Duration,
    /// `CLAW_INTEROP_SLOW` multiplies every step's time limit (a loaded machine).
    pub slow: f64,
}

pub const INNER_VAR: &str = "CLAW_INTEROP_INNER";

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl Settings {
    pub fn from_env() -> anyhow::Result<Settings> {
        let skip = match var("CLAW_INTEROP").as_deref() {
            None | Some("run") | Some("1") => false,
            Some("skip") | Some("0") => true,
            Some(other) => bail!("CLAW_INTEROP={other}: expected `run` or `skip`"),
        };
        if skip && var("CI").is_some_and(|v| v != "false" && v != "0") {
            bail!("CLAW_INTEROP=skip is refused when CI is set: CI must run the interop suite");
        }
        let repairs = match var("CLAW_INTEROP_REPAIRS").as_deref() {
            None | Some("1") => true,
            Some("0") => false,
            Some(other) => bail!("CLAW_INTEROP_REPAIRS={other}: expected 0 or 1"),
        };
        let jobs = match var("CLAW_INTEROP_JOBS") {
            None => 2,
            Some(v) => v
                .parse::<usize>()
                .ok()
                .filter(|n| *n >= 1)
                .with_context(|| format!("CLAW_INTEROP_JOBS={v}: expected a number >= 1"))?,
        };
        let netns = match var("CLAW_INTEROP_NETNS").as_deref() {
            None | Some("auto") => NetnsMode::Auto,
            Some("require") => NetnsMode::Require,
            Some("off") => NetnsMode::Off,
            Some(other) => bail!("CLAW_INTEROP_NETNS={other}: expected auto, require or off"),
        };
        let npm_timeout = match var("CLAW_INTEROP_NPM_TIMEOUT") {
            None => Duration::from_secs(600),
            Some(v) => Duration::from_secs(
                v.parse()
                    .with_context(|| format!("CLAW_INTEROP_NPM_TIMEOUT={v}: expected seconds"))?,
            ),
        };
        let slow = match var("CLAW_INTEROP_SLOW") {
            None => 1.0,
            Some(v) => v
                .parse::<f64>()
                .ok()
                .filter(|f| *f >= 1.0 && *f <= 20.0)
                .with_context(|| format!("CLAW_INTEROP_SLOW={v}: expected a factor 1..20"))?,
        };
        let target_tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
        let absolute = |p: PathBuf| -> anyhow::Result<PathBuf> {
            Ok(if p.is_absolute() {
                p
            } else {
                std::env::current_dir()?.join(p)
            })
        };
        Ok(Settings {
            skip,
            inner: var(INNER_VAR).is_some(),
            only: var("CLAW_INTEROP_SCENARIOS")
                .map(|v| {
                    v.split([',', ' '])
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default(),
            repairs,
            jobs,
            cache: absolute(
                var("CLAW_INTEROP_CACHE")
                    .map(PathBuf::from)
                    .unwrap_or_else(|| target_tmp.join("interop-cache")),
            )?,
            work: absolute(
                var("CLAW_INTEROP_WORK")
                    .map(PathBuf::from)
                    .unwrap_or_else(|| target_tmp.join("interop-run")),
            )?,
            netns,
            alias: var("CLAW_INTEROP_ALIAS"),
            npm_timeout,
            slow,
        })
    }

    /// A step's time limit on this machine.
    pub fn limit(&self, secs: u64) -> Duration {
        Duration::from_secs_f64(secs as f64 * self.slow)
    }
}

/// What `cargo test [FILTER] -- [--list] [--exact] ...` passes: positional filters (substring
/// of `name@version`, like libtest), `--exact`, `--list`; other libtest flags are accepted and
/// ignored.
#[derive(Debug, Default)]
pub struct Args {
    pub filters: Vec<String>,
    pub exact: bool,
    pub list: bool,
}

impl Args {
    pub fn parse(args: impl Iterator<Item = String>) -> Args {
        let mut out = Args::default();
        let mut args = args.peekable();
        while let Some(a) = args.next() {
            match a.as_str() {
                "--list" => out.list = true,
                "--exact" => out.exact = true,
                // libtest options that take a value
                "--format" | "--logfile" | "--skip" | "--test-threads" | "--color" | "-Z" => {
                    args.next();
                }
                s if s.starts_with('-') => {}
                _ => out.filters.push(a),
            }
        }
        out
    }
}
