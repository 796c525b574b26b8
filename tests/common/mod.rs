//! Shared helpers for the integration tests: copy a fixture into a temp dir, run the binary
//! in a sealed environment (its own HOME, TMPDIR and sysroot, no OPENCLAW_* variables).

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        let ft = entry.file_type().unwrap();
        if ft.is_dir() {
            copy_tree(&entry.path(), &target);
        } else if ft.is_file() {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[derive(Debug, serde::Deserialize, Default)]
pub struct FixtureToml {
    pub description: String,
    pub now: String,
    #[serde(default)]
    pub modes: BTreeMap<String, String>,
    pub expect: Expect,
}

#[derive(Debug, serde::Deserialize, Default)]
pub struct Expect {
    pub era: String,
    #[serde(default)]
    pub live_store: Option<String>,
    #[serde(default)]
    pub devices: Vec<String>,
    #[serde(default)]
    pub pending: Vec<String>,
    #[serde(default)]
    pub identity_device_id: String,
    #[serde(default)]
    pub identity_valid: Option<bool>,
    #[serde(default)]
    pub problems: Vec<String>,
    #[serde(default)]
    pub log_events: BTreeMap<String, u64>,
}

/// A fixture copied into a private temp dir, ready to scan.
pub struct Sandbox {
    pub tmp: tempfile::TempDir,
    pub name: String,
    pub fixture: FixtureToml,
    pub src: PathBuf,
    /// Where the state is, when a test moved it (another filesystem, an odd name).
    pub state_at: Option<PathBuf>,
}

impl Sandbox {
    pub fn new(name: &str) -> Sandbox {
        let src = fixtures_dir().join(name);
        let text = std::fs::read_to_string(src.join("fixture.toml")).unwrap();
        let fixture: FixtureToml =
            toml::from_str(&text).unwrap_or_else(|e| panic!("{name}/fixture.toml: {e}"));
        let tmp = tempfile::tempdir().unwrap();
        copy_tree(&src.join("state"), &tmp.path().join("state"));
        for (dir, default_empty) in [("home", true), ("sysroot", true), ("logs", false)] {
            if src.join(dir).is_dir() {
                copy_tree(&src.join(dir), &tmp.path().join(dir));
            } else if default_empty {
                std::fs::create_dir_all(tmp.path().join(dir)).unwrap();
            }
        }
        std::fs::create_dir_all(tmp.path().join("tmp")).unwrap();
        std::fs::create_dir_all(tmp.path().join("cwd")).unwrap();
        #[cfg(unix)]
        for (rel, mode) in &fixture.modes {
            use std::os::unix::fs::PermissionsExt;
            let p = tmp.path().join("state").join(rel);
            if p.exists() {
                let m = u32::from_str_radix(mode, 8).unwrap();
                std::fs::set_permissions(&p, std::fs::Permissions::from_mode(m)).unwrap();
            }
        }
        Sandbox {
            tmp,
            name: name.to_string(),
            fixture,
            src,
            state_at: None,
        }
    }

    pub fn state(&self) -> PathBuf {
        self.state_at
            .clone()
            .unwrap_or_else(|| self.tmp.path().join("state"))
    }

    pub fn has_logs(&self) -> bool {
        self.tmp.path().join("logs").is_dir()
    }

    /// Runs `claw-doctor <args> --state-dir <copy> --now <fixture now> [--log-dir logs]`.
    pub fn run(&self, args: &[&str]) -> Output {
        self.command(&[], args).output().unwrap()
    }

    /// The command `run` runs, to adjust before running: `wrapper` goes first (`setpriv ...`,
    /// `sh -c ...`), the binary's path after it. A run that hangs is killed after two minutes.
    pub fn command(&self, wrapper: &[&str], args: &[&str]) -> assert_cmd::Command {
        let mut cmd = assert_cmd::Command::from_std(self.std_command(wrapper, args));
        cmd.timeout(std::time::Duration::from_secs(120));
        cmd
    }

    /// `command` as a plain `std::process::Command` (to spawn and watch), without the timeout.
    pub fn std_command(&self, wrapper: &[&str], args: &[&str]) -> std::process::Command {
        let bin = assert_cmd::cargo::cargo_bin("claw-doctor");
        let mut cmd = match wrapper.split_first() {
            None => std::process::Command::new(&bin),
            Some((prog, rest)) => {
                let mut c = std::process::Command::new(prog);
                c.args(rest).arg(&bin);
                c
            }
        };
        for (k, _) in std::env::vars() {
            if k.starts_with("OPENCLAW_")
                || k.starts_with("CLAWDBOT_")
                || k == "NO_COLOR"
                || k.starts_with("CLAW_DOCTOR")
            {
                cmd.env_remove(&k);
            }
        }
        cmd.current_dir(self.tmp.path().join("cwd"))
            .env("HOME", self.tmp.path().join("home"))
            .env("TMPDIR", self.tmp.path().join("tmp"))
            .env("CLAW_DOCTOR_SYSROOT", self.tmp.path().join("sysroot"))
            .args(args)
            .arg("--state-dir")
            .arg(self.state())
            .arg("--now")
            .arg(&self.fixture.now);
        if self.has_logs() {
            cmd.arg("--log-dir").arg(self.tmp.path().join("logs"));
        }
        cmd
    }

    pub fn scan_json(&self) -> serde_json::Value {
        let out = self.run(&["scan", "--format", "json"]);
        assert!(
            out.status.code() == Some(0) || out.status.code() == Some(1),
            "{}: exit {:?}\n{}",
            self.name,
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{}: not JSON: {e}", self.name))
    }
}

pub fn fixture_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(fixtures_dir())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.path().join("fixture.toml").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Every file under a dir with its bytes, mode and mtime: to prove a command changed nothing.
pub fn snapshot(root: &Path) -> BTreeMap<PathBuf, (Vec<u8>, u32, std::time::SystemTime)> {
    let mut out = BTreeMap::new();
    fn walk(
        dir: &Path,
        root: &Path,
        out: &mut BTreeMap<PathBuf, (Vec<u8>, u32, std::time::SystemTime)>,
    ) {
        for e in std::fs::read_dir(dir).unwrap().filter_map(Result::ok) {
            let p = e.path();
            let meta = std::fs::symlink_metadata(&p).unwrap();
            if meta.is_dir() {
                walk(&p, root, out);
            } else {
                #[cfg(unix)]
                let mode = {
                    use std::os::unix::fs::MetadataExt;
                    meta.mode()
                };
                #[cfg(not(unix))]
                let mode = 0;
                let bytes = if meta.is_file() {
                    std::fs::read(&p).unwrap()
                } else {
                    Vec::new()
                };
                out.insert(
                    p.strip_prefix(root).unwrap().to_path_buf(),
                    (bytes, mode, meta.modified().unwrap()),
                );
            }
        }
    }
    walk(root, root, &mut out);
    out
}

/// Every secret-looking value in a fixture's raw files, found by key name: tokens, passwords,
/// private keys (and each PEM body line), `.env` credential values.
pub fn planted_secrets(state: &Path) -> Vec<String> {
    fn walk_json(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(o) => {
                for (k, v) in o {
                    let kl = k.to_ascii_lowercase();
                    if let Some(s) = v.as_str()
                        && (kl.contains("token")
                            || kl.contains("password")
                            || kl.contains("privatekey")
                            || kl == "private_key_pem")
                    {
                        out.push(s.to_string());
                        out.extend(
                            s.lines()
                                .filter(|l| !l.starts_with("-----") && l.len() > 16)
                                .map(str::to_string),
                        );
                    }
                    walk_json(v, out);
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| walk_json(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for rel in [
        "devices/paired.json",
        "identity/device.json",
        "identity/device-auth.json",
        "openclaw.json",
    ] {
        if let Ok(text) = std::fs::read_to_string(state.join(rel))
            && let Ok(v) = serde_json::from_str::<serde_json::Value>(&text)
        {
            walk_json(&v, &mut out);
        }
    }
    if let Ok(text) = std::fs::read_to_string(state.join(".env")) {
        for line in text.lines() {
            if let Some((k, v)) = line.split_once('=')
                && (k.contains("TOKEN") || k.contains("PASSWORD"))
            {
                out.push(v.trim().trim_matches('"').to_string());
            }
        }
    }
    out.retain(|s| s.len() >= 8);
    out.sort();
    out.dedup();
    out
}

/// Content and mode of every path under the state dir (directories included), except
/// claw-doctor's own backup folder. A symlink counts by its target text; nothing but regular
/// files is opened (a FIFO would block).
pub fn tree(root: &Path) -> BTreeMap<PathBuf, (Vec<u8>, u32)> {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::MetadataExt;
    fn walk(dir: &Path, root: &Path, out: &mut BTreeMap<PathBuf, (Vec<u8>, u32)>) {
        for e in std::fs::read_dir(dir).unwrap().filter_map(Result::ok) {
            let p = e.path();
            let rel = p.strip_prefix(root).unwrap().to_path_buf();
            if rel.starts_with(".claw-doctor") {
                continue;
            }
            let m = std::fs::symlink_metadata(&p).unwrap();
            if m.is_dir() {
                out.insert(rel, (Vec::new(), m.mode()));
                walk(&p, root, out);
            } else if m.file_type().is_symlink() {
                let to = std::fs::read_link(&p).unwrap_or_default();
                out.insert(rel, (to.as_os_str().as_bytes().to_vec(), m.mode()));
            } else if m.is_file() {
                out.insert(rel, (std::fs::read(&p).unwrap_or_default(), m.mode()));
            } else {
                out.insert(rel, (Vec::new(), m.mode()));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

pub fn diff(
    a: &BTreeMap<PathBuf, (Vec<u8>, u32)>,
    b: &BTreeMap<PathBuf, (Vec<u8>, u32)>,
) -> Vec<String> {
    let mut out = Vec::new();
    for (k, v) in a {
        match b.get(k) {
            None => out.push(format!("{} missing", k.display())),
            Some(w) if w.0 != v.0 => out.push(format!("{} content differs", k.display())),
            Some(w) if w.1 != v.1 => {
                out.push(format!("{} mode {:o} != {:o}", k.display(), v.1, w.1))
            }
            _ => {}
        }
    }
    for k in b.keys().filter(|k| !a.contains_key(*k)) {
        out.push(format!("{} added", k.display()));
    }
    out
}
