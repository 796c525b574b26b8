//! Processes: every one runs in its own process group under coreutils `timeout` (so it dies on
//! its own even if this harness is killed), with output to a file, and is waited for with a
//! deadline of our own. Stopping sends SIGTERM to the group leader we started, then SIGKILL to its
//! process group, by id.

use anyhow::{Context, bail};
use std::fs::File;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn require_tools(tools: &[&str]) -> anyhow::Result<()> {
    let missing: Vec<&str> = tools
        .iter()
        .copied()
        .filter(|t| which(t).is_none())
        .collect();
    if !missing.is_empty() {
        bail!(
            "missing tool(s) on PATH: {} (Debian: coreutils, procps, tar; .ci/run installs them)",
            missing.join(", ")
        );
    }
    Ok(())
}

pub fn which(tool: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(tool))
        .find(|p| p.is_file())
}

/// `timeout -k 5 <limit> <program>`: the dead-man switch around everything we start.
pub fn bounded(limit: Duration, program: impl AsRef<std::ffi::OsStr>) -> Command {
    bounded_k(limit, 5, program)
}

/// As `bounded`, with SIGKILL `kill_after` seconds after the SIGTERM (on expiry, or when the
/// wrapper itself gets SIGTERM).
pub fn bounded_k(
    limit: Duration,
    kill_after: u64,
    program: impl AsRef<std::ffi::OsStr>,
) -> Command {
    let mut cmd = Command::new("timeout");
    cmd.arg("-k")
        .arg(kill_after.to_string())
        .arg(format!("{}", limit.as_secs().max(1)))
        .arg(program);
    cmd
}

#[derive(Debug, Clone)]
pub struct Finished {
    /// None when killed by a signal (or by our deadline).
    pub code: Option<i32>,
    pub timed_out: bool,
    pub secs: f64,
    /// stdout and stderr, interleaved as written
    pub output: PathBuf,
}

impl Finished {
    pub fn text(&self) -> String {
        let raw = std::fs::read(&self.output).unwrap_or_default();
        strip_ansi(&String::from_utf8_lossy(&raw))
    }
}

pub fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            chars.next();
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn to_file(cmd: &mut Command, output: &Path, stderr: Option<&Path>) -> anyhow::Result<()> {
    let f = File::create(output).with_context(|| format!("creating {}", output.display()))?;
    let e = match stderr {
        Some(p) => File::create(p).with_context(|| format!("creating {}", p.display()))?,
        None => f.try_clone()?,
    };
    cmd.stdin(Stdio::null())
        .stdout(f)
        .stderr(e)
        .process_group(0);
    Ok(())
}

/// Runs `cmd` to completion within `limit` (outer deadline: the `timeout` wrapper's limit plus a
/// margin), stdout and stderr to `output`.
pub fn run(cmd: Command, limit: Duration, output: &Path) -> anyhow::Result<Finished> {
    run_split(cmd, limit, output, None)
}

/// As `run`, with stderr to its own file when `stderr` is given.
pub fn run_split(
    mut cmd: Command,
    limit: Duration,
    output: &Path,
    stderr: Option<&Path>,
) -> anyhow::Result<Finished> {
    to_file(&mut cmd, output, stderr)?;
    let t0 = Instant::now();
    let mut child = cmd
        .spawn()
        .with_context(|| format!("starting {:?}", cmd.get_program()))?;
    let pgid = child.id();
    let deadline = limit + Duration::from_secs(10);
    let mut timed_out = false;
    let status = loop {
        if let Some(st) = child.try_wait()? {
            break Some(st);
        }
        if t0.elapsed() > deadline {
            timed_out = true;
            signal_group(pgid, "KILL");
            break child.wait().ok();
        }
        std::thread::sleep(Duration::from_millis(40));
    };
    // Whatever the command left behind in its group goes too.
    signal_group(pgid, "KILL");
    reap_group(pgid, Duration::from_secs(5));
    let code = status.and_then(|s| s.code());
    // coreutils timeout exits 124 when it had to stop the command
    let timed_out = timed_out || code == Some(124) || code == Some(137);
    Ok(Finished {
        code,
        timed_out,
        secs: t0.elapsed().as_secs_f64(),
        output: output.to_path_buf(),
    })
}

/// `kill -SIG -- -PGID`: the process group of a process we started (its id is the group id).
pub fn signal_group(pgid: u32, sig: &str) {
    let _ = Command::new("kill")
        .arg(format!("-{sig}"))
        .arg("--")
        .arg(format!("-{pgid}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Whether any process of the group is left (`kill -0 -- -PGID`).
pub fn group_alive(pgid: u32) -> bool {
    Command::new("kill")
        .arg("-0")
        .arg("--")
        .arg(format!("-{pgid}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// `pid stat args` of the processes left in a group (for error messages).
pub fn group_members(pgid: u32) -> String {
    let out = Command::new("ps")
        .args(["-eo", "pid=,pgid=,stat=,args="])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    out.lines()
        .filter(|l| l.split_whitespace().nth(1) == Some(pgid.to_string().as_str()))
        .map(|l| l.chars().take(160).collect::<String>())
        .collect::<Vec<_>>()
        .join("; ")
}

/// Waits until no process of the group is left, up to `limit`; then SIGKILLs it and waits a
/// little more. Returns whether it emptied by itself.
pub fn reap_group(pgid: u32, limit: Duration) -> bool {
    let t0 = Instant::now();
    while t0.elapsed() < limit {
        if !group_alive(pgid) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    signal_group(pgid, "KILL");
    let t1 = Instant::now();
    while group_alive(pgid) && t1.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// `kill -SIG PID`: one process we started.
pub fn signal_pid(pid: u32, sig: &str) {
    let _ = Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(pid.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// A long-running process (the gateway): stopped on `stop()` or when dropped, also on panic.
pub struct Daemon {
    child: Option<Child>,
    pub pid: u32,
    pub output: PathBuf,
}

impl Daemon {
    pub fn spawn(mut cmd: Command, output: &Path, what: &str) -> anyhow::Result<Daemon> {
        to_file(&mut cmd, output, None)?;
        let child = cmd.spawn().with_context(|| format!("starting {what}"))?;
        Ok(Daemon {
            pid: child.id(),
            child: Some(child),
            output: output.to_path_buf(),
        })
    }

    pub fn alive(&mut self) -> bool {
        match self.child.as_mut() {
            Some(c) => matches!(c.try_wait(), Ok(None)),
            None => false,
        }
    }

    pub fn output_text(&self) -> String {
        strip_ansi(&String::from_utf8_lossy(
            &std::fs::read(&self.output).unwrap_or_default(),
        ))
    }

    /// SIGTERM to the process we started (`timeout` passes it on to the group), up to `grace`
    /// for it and every other process of its group to exit, then SIGKILL to the group. Returns
    /// whether it exited by itself, how long that took, and what was left to kill.
    pub fn stop(&mut self, grace: Duration) -> (bool, f64, String) {
        let Some(mut child) = self.child.take() else {
            return (true, 0.0, String::new());
        };
        let t0 = Instant::now();
        if matches!(child.try_wait(), Ok(None)) {
            signal_pid(self.pid, "TERM");
        }
        let mut status = None;
        while t0.elapsed() < grace {
            if status.is_none() {
                status = child.try_wait().ok().flatten();
            }
            // reaped, so a group still alive is something it left behind
            if status.is_some() && !group_alive(self.pid) {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let emptied = status.is_some() && !group_alive(self.pid);
        let mut left = String::new();
        if !emptied {
            left = group_members(self.pid);
            signal_group(self.pid, "KILL");
            if status.is_none() {
                status = child.wait().ok();
            }
            reap_group(self.pid, Duration::from_secs(10));
        }
        // killed by a signal = the wrapper's own SIGKILL deadline, not a clean exit
        let exited = status.is_some_and(|s| s.code().is_some());
        (emptied && exited, t0.elapsed().as_secs_f64(), left)
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.stop(Duration::from_secs(5));
    }
}
