//! The install cache: node 24 (the npm package `node-linux-<arch>@24`, a real node binary) and
//! each OpenClaw release (`npm install --ignore-scripts openclaw@<version>`), each in its own
//! directory, reused when present and complete. Installs go to a temporary directory first and are
//! renamed into place only when complete, so an interrupted install is never mistaken for one.
//!
//! Layout: `<cache>/node24/bin/node`, `<cache>/oc-<version>/node_modules/openclaw/openclaw.mjs`.

use crate::proc;
use crate::settings::Settings;
use anyhow::{Context, bail};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

#[derive(Debug, Clone)]
pub struct Install {
    /// `<cache>/node24/bin`, first on every OpenClaw process's PATH
    pub node_bin: PathBuf,
    pub node_version: String,
    /// version -> openclaw.mjs
    pub openclaw: BTreeMap<String, PathBuf>,
}

impl Install {
    pub fn node(&self) -> PathBuf {
        self.node_bin.join("node")
    }

    pub fn openclaw_mjs(&self, version: &str) -> &Path {
        &self.openclaw[version]
    }
}

fn node_dir(cache: &Path) -> PathBuf {
    cache.join("node24")
}

fn oc_dir(cache: &Path, version: &str) -> PathBuf {
    cache.join(format!("oc-{version}"))
}

fn node_version(node: &Path) -> Option<String> {
    let out = Command::new(node).arg("--version").output().ok()?;
    let v = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (out.status.success() && v.starts_with("v24.")).then_some(v)
}

fn installed_openclaw(cache: &Path, version: &str) -> Option<PathBuf> {
    let pkg = oc_dir(cache, version).join("node_modules/openclaw");
    let text = std::fs::read_to_string(pkg.join("package.json")).ok()?;
    let doc: serde_json::Value = serde_json::from_str(&text).ok()?;
    let mjs = pkg.join("openclaw.mjs");
    (doc["version"] == version && mjs.is_file()).then_some(mjs)
}

/// The cache as it is, without installing anything (the second stage, inside the namespace).
pub fn locate(settings: &Settings, versions: &[String]) -> anyhow::Result<Install> {
    let node_bin = node_dir(&settings.cache).join("bin");
    let node_version = node_version(&node_bin.join("node"))
        .with_context(|| format!("node 24 missing from {}", settings.cache.display()))?;
    let mut openclaw = BTreeMap::new();
    for v in versions {
        let mjs = installed_openclaw(&settings.cache, v)
            .with_context(|| format!("openclaw {v} missing from {}", settings.cache.display()))?;
        openclaw.insert(v.clone(), mjs);
    }
    Ok(Install {
        node_bin,
        node_version,
        openclaw,
    })
}

/// Fills the cache where needed (npm registry required), then `locate`s it.
pub fn ensure(settings: &Settings, versions: &[String]) -> anyhow::Result<Install> {
    let cache = &settings.cache;
    std::fs::create_dir_all(cache).with_context(|| format!("creating {}", cache.display()))?;
    let node_ok = node_version(&node_dir(cache).join("bin/node")).is_some();
    let missing: Vec<&String> = versions
        .iter()
        .filter(|v| installed_openclaw(cache, v).is_none())
        .collect();
    if !node_ok || !missing.is_empty() {
        if proc::which("npm").is_none() {
            bail!(
                "npm is not on PATH; the interop suite installs node 24 and OpenClaw with npm into {} \
                 (or point CLAW_INTEROP_CACHE at a filled cache; CLAW_INTEROP=skip skips the suite, never in CI)",
                cache.display()
            );
        }
        println!(
            "interop: installing into {} (npm registry)",
            cache.display()
        );
    }
    if !node_ok {
        install_node(settings)?;
    }
    // The releases install in parallel: mostly network and disk.
    let results: Vec<anyhow::Result<()>> = std::thread::scope(|s| {
        let handles: Vec<_> = missing
            .iter()
            .map(|v| s.spawn(|| install_openclaw(settings, v)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| bail!("install thread panicked"))
            })
            .collect()
    });
    for r in results {
        r?;
    }
    locate(settings, versions)
}

fn npm_failed(what: &str, done: &proc::Finished) -> anyhow::Error {
    let text = done.text();
    // npm's own summary lines, without its stack trace
    let mut tail: Vec<&str> = text
        .lines()
        .filter(|l| {
            !l.trim_start()
                .trim_start_matches("npm error")
                .trim_start()
                .starts_with("at ")
        })
        .filter(|l| !l.trim().is_empty())
        .collect();
    tail.truncate(12);
    anyhow::anyhow!(
        "{what} failed ({}). The interop suite needs the npm registry to fill its cache once; \
         without it, point CLAW_INTEROP_CACHE at a filled cache, or set CLAW_INTEROP=skip to skip \
         the suite (never in CI). npm said:\n  {}",
        if done.timed_out {
            "timed out".to_string()
        } else {
            done.code
                .map_or("killed by a signal".to_string(), |c| format!("exit {c}"))
        },
        tail.join("\n  ")
    )
}

fn fresh_tmp(cache: &Path, name: &str) -> anyhow::Result<PathBuf> {
    let tmp = cache.join(format!(".{name}.tmp-{}", std::process::id()));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp)?;
    }
    std::fs::create_dir_all(&tmp)?;
    Ok(tmp)
}

fn install_node(settings: &Settings) -> anyhow::Result<()> {
    let cache = &settings.cache;
    let t0 = Instant::now();
    let arch = match std::env::consts::ARCH {
        "x86_64" => "x64",
        "aarch64" => "arm64",
        other => bail!("no node-linux-* npm package known for architecture {other}"),
    };
    let tmp = fresh_tmp(cache, "node24")?;
    let mut cmd = proc::bounded(settings.npm_timeout, "npm");
    cmd.current_dir(&tmp).args([
        "pack",
        &format!("node-linux-{arch}@24"),
        "--loglevel=error",
        "--no-fund",
    ]);
    let log = cache.join("npm-pack-node.log");
    let done = proc::run(cmd, settings.npm_timeout, &log)?;
    if done.code != Some(0) {
        return Err(npm_failed(&format!("npm pack node-linux-{arch}@24"), &done));
    }
    let tgz = std::fs::read_dir(&tmp)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "tgz"))
        .with_context(|| format!("npm pack left no .tgz in {}", tmp.display()))?;
    let mut tar = proc::bounded(settings.limit(300), "tar");
    tar.arg("xzf").arg(&tgz).arg("-C").arg(&tmp);
    let done = proc::run(tar, settings.limit(300), &cache.join("tar-node.log"))?;
    if done.code != Some(0) {
        bail!("unpacking {} failed: {}", tgz.display(), done.text());
    }
    let dest = node_dir(cache);
    if dest.exists() {
        std::fs::remove_dir_all(&dest)?;
    }
    std::fs::rename(tmp.join("package"), &dest)?;
    std::fs::remove_dir_all(&tmp)?;
    let v = node_version(&dest.join("bin/node"))
        .with_context(|| format!("{} is not a working node 24", dest.display()))?;
    println!(
        "interop: node {v} installed in {:.1} s",
        t0.elapsed().as_secs_f64()
    );
    Ok(())
}

fn install_openclaw(settings: &Settings, version: &str) -> anyhow::Result<()> {
    let cache = &settings.cache;
    let t0 = Instant::now();
    let tmp = fresh_tmp(cache, &format!("oc-{version}"))?;
    let path = std::env::join_paths(std::iter::once(node_dir(cache).join("bin")).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))?;
    let mut cmd = proc::bounded(settings.npm_timeout, "npm");
    // Lifecycle scripts are not needed by the gateway or the CLI (npm 11 holds them back anyway).
    cmd.env("PATH", path)
        .arg("install")
        .arg("--prefix")
        .arg(&tmp)
        .args([
            "--no-audit",
            "--no-fund",
            "--ignore-scripts",
            "--loglevel=error",
            &format!("openclaw@{version}"),
        ]);
    let log = cache.join(format!("npm-install-{version}.log"));
    let done = proc::run(cmd, settings.npm_timeout, &log)?;
    if done.code != Some(0) {
        return Err(npm_failed(
            &format!("npm install openclaw@{version}"),
            &done,
        ));
    }
    let dest = oc_dir(cache, version);
    if dest.exists() {
        std::fs::remove_dir_all(&dest)?;
    }
    std::fs::rename(&tmp, &dest)?;
    if installed_openclaw(cache, version).is_none() {
        bail!(
            "npm install openclaw@{version} finished but {} holds no openclaw {version}",
            dest.display()
        );
    }
    println!(
        "interop: openclaw {version} installed in {:.1} s",
        t0.elapsed().as_secs_f64()
    );
    Ok(())
}
