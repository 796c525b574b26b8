//! Everything claw-doctor reads from its own process environment, captured once, so discovery
//! is a pure function of it (and tests can build one by hand).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct Env {
    pub vars: BTreeMap<String, String>,
    pub cwd: PathBuf,
    /// `os.tmpdir()` as Node resolves it: `TMPDIR`, else `/tmp`.
    pub tmpdir: PathBuf,
    pub uid: Option<u32>,
    /// Prefix for absolute system paths (`/tmp/openclaw`, `/usr/lib/node_modules`, `/etc`):
    /// `/` normally, a mounted image or container root otherwise.
    pub sysroot: PathBuf,
}

impl Env {
    pub fn from_process(sysroot: Option<&Path>) -> Env {
        let vars: BTreeMap<String, String> = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        let sysroot = sysroot.map_or_else(|| PathBuf::from("/"), Path::to_path_buf);
        let tmpdir = match vars.get("TMPDIR").filter(|t| !t.is_empty()) {
            Some(t) => PathBuf::from(t),
            None => sysroot.join("tmp"),
        };
        Env {
            cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
            tmpdir,
            uid: current_uid(),
            sysroot,
            vars,
        }
    }

    pub fn var(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }

    /// An absolute system path under the sysroot.
    pub fn system_path(&self, abs: &str) -> PathBuf {
        self.sysroot.join(abs.trim_start_matches('/'))
    }
}

#[cfg(unix)]
fn current_uid() -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    // /proc/self is owned by the process's uid on Linux; elsewhere a fresh temp file is.
    if let Ok(m) = std::fs::metadata("/proc/self") {
        return Some(m.uid());
    }
    let f = tempfile::NamedTempFile::new().ok()?;
    f.as_file().metadata().ok().map(|m| m.uid())
}

#[cfg(not(unix))]
fn current_uid() -> Option<u32> {
    None
}
