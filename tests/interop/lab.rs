//! One scenario's world: its own state dir, HOME, TMPDIR, free loopback port and gateway log
//! file; the real gateway started and stopped by pid; the real CLI run locally (shared token, no
//! device identity), through the loopback alias (signed device identity, so it pairs) or through
//! a proxy. Every output lands in the scenario's directory, numbered in order.

use crate::cache::Install;
use crate::proc::{self, Daemon};
use crate::proxy::Proxy;
use crate::settings::Settings;
use anyhow::{Context, bail};
use serde_json::{Value, json};
use std::cell::{Cell, RefCell};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// What every scenario shares.
pub struct World {
    pub alias: String,
    pub isolation: String,
    pub install: Option<Install>,
    pub doctor: PathBuf,
    pub settings: Settings,
}

impl World {
    pub fn new(settings: &Settings, alias: String, isolation: &str) -> World {
        World {
            alias,
            isolation: isolation.to_string(),
            install: None,
            doctor: PathBuf::from(env!("CARGO_BIN_EXE_claw-doctor")),
            settings: settings.clone(),
        }
    }

    pub fn with_install(mut self, install: Install) -> World {
        self.install = Some(install);
        self
    }

    pub fn install(&self) -> &Install {
        self.install
            .as_ref()
            .expect("install located before scenarios run")
    }
}

/// A write RPC (`operator.write`): the CLI asks for write, which implies read.
pub const WAKE_PARAMS: &str =
    r#"{"mode":"next-heartbeat","text":"claw-doctor interop write probe"}"#;

/// How the CLI reaches the gateway.
#[derive(Debug, Clone, Copy)]
pub enum Route {
    /// No --url: loopback with the config's shared token; OpenClaw sends no device identity.
    Local,
    /// `ws://<alias>:<gateway port>` + token: signed device identity, gateway sees a
    /// non-local Host from 127.0.0.1.
    Alias,
    /// `ws://<alias>:<proxy port>` + token: as Alias, through a proxy.
    AliasVia(u16),
    /// `ws://127.0.0.1:<proxy port>` + token: loopback URL (no device identity) through a proxy.
    LoopbackVia(u16),
}

impl Route {
    fn describe(&self) -> &'static str {
        match self {
            Route::Local => "local",
            Route::Alias => "alias",
            Route::AliasVia(_) => "alias via proxy",
            Route::LoopbackVia(_) => "loopback via proxy",
        }
    }
}

/// Why the gateway refused a client, as the CLI reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    NotPaired,
    ScopeUpgrade,
    RoleUpgrade,
    MetadataUpgrade,
    TokenMismatch,
    /// `gateway closed (1000)` with no reason (e.g. the gateway failed reading its store)
    Closed1000,
    Other,
}

pub struct Call {
    pub label: String,
    pub code: Option<i32>,
    pub timed_out: bool,
    pub text: String,
    pub file: PathBuf,
}

impl Call {
    pub fn ok(&self) -> bool {
        self.code == Some(0)
    }

    pub fn refusal(&self) -> Option<Refusal> {
        if self.ok() {
            return None;
        }
        let t = &self.text;
        let has = |s: &str| t.contains(s);
        Some(
            if has("asking for more scopes") || has("scope upgrade pending approval") {
                Refusal::ScopeUpgrade
            } else if has("device is not approved yet") || has("device pairing required") {
                Refusal::NotPaired
            } else if has("higher role") || has("role upgrade pending approval") {
                Refusal::RoleUpgrade
            } else if has("device identity changed") || has("device metadata change pending") {
                Refusal::MetadataUpgrade
            } else if has("gateway token mismatch") {
                Refusal::TokenMismatch
            } else if has("gateway closed (1000") {
                Refusal::Closed1000
            } else {
                Refusal::Other
            },
        )
    }

    fn tail(&self) -> String {
        let lines: Vec<&str> = self.text.lines().filter(|l| !l.trim().is_empty()).collect();
        let start = lines.len().saturating_sub(12);
        lines[start..].join("\n    ")
    }

    pub fn expect_ok(&self) -> anyhow::Result<()> {
        if !self.ok() {
            bail!(
                "{}: expected success, got exit {:?} ({:?}); {}:\n    {}",
                self.label,
                self.code,
                self.refusal(),
                self.file.display(),
                self.tail()
            );
        }
        Ok(())
    }

    pub fn expect_refused(&self, want: Refusal) -> anyhow::Result<()> {
        match self.refusal() {
            Some(r) if r == want => Ok(()),
            got => bail!(
                "{}: expected refusal {want:?}, got exit {:?} ({got:?}); {}:\n    {}",
                self.label,
                self.code,
                self.file.display(),
                self.tail()
            ),
        }
    }
}

/// Status of a scenario's repair steps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Repair {
    Verified,
    /// `fix` declined to repair it offline (with its reason), as the rule says it should
    Declined,
    Skipped,
    Failed,
}

#[derive(Debug, Default)]
pub struct Record {
    /// check ids (with severity letter) on the broken state
    pub broken_findings: String,
    pub repair: Option<Repair>,
    /// claw-doctor's advice (`fix.commands`) was run against the gateway and worked
    pub advice: Vec<String>,
    /// disagreements between a rule and the gateway, with evidence
    pub disagreements: Vec<String>,
    pub notes: Vec<String>,
}

pub struct Lab<'w> {
    pub w: &'w World,
    pub name: String,
    pub version: String,
    pub dir: PathBuf,
    pub state: PathBuf,
    pub home: PathBuf,
    pub tmp: PathBuf,
    pub cwd: PathBuf,
    pub port: u16,
    pub log: PathBuf,
    pub token: String,
    gateway: Option<Daemon>,
    pub proxy: Option<Proxy>,
    seq: Cell<u32>,
    pub rec: RefCell<Record>,
    pub t0: Instant,
}

/// A port nothing listens on right now (127.0.0.1 only).
pub fn free_port() -> anyhow::Result<u16> {
    let l = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    Ok(l.local_addr()?.port())
}

pub fn is_sqlite_era(version: &str) -> bool {
    !version.starts_with("2026.7.") && version >= "2026.8"
}

impl<'w> Lab<'w> {
    pub fn new(w: &'w World, name: &str, version: &str) -> anyhow::Result<Lab<'w>> {
        let dir = w.settings.work.join(format!("{name}@{version}"));
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        let lab = Lab {
            w,
            name: name.to_string(),
            version: version.to_string(),
            state: dir.join("state"),
            home: dir.join("home"),
            tmp: dir.join("tmp"),
            cwd: dir.join("cwd"),
            log: dir.join("gateway.log"),
            port: free_port()?,
            token: format!("interop-token-{:0>26}", name.replace('-', "")),
            dir,
            gateway: None,
            proxy: None,
            seq: Cell::new(0),
            rec: RefCell::new(Record::default()),
            t0: Instant::now(),
        };
        for d in [&lab.home, &lab.tmp, &lab.cwd] {
            std::fs::create_dir_all(d)?;
        }
        set_mode(&lab.tmp, 0o700)?;
        Ok(lab)
    }

    pub fn full_name(&self) -> String {
        format!("{}@{}", self.name, self.version)
    }

    pub fn sqlite_era(&self) -> bool {
        is_sqlite_era(&self.version)
    }

    pub fn say(&self, what: impl AsRef<str>) {
        println!(
            "[{:>6.1}s {}] {}",
            self.t0.elapsed().as_secs_f64(),
            self.full_name(),
            what.as_ref()
        );
    }

    pub fn note(&self, what: impl Into<String>) {
        let what = what.into();
        self.say(format!("note: {what}"));
        self.rec.borrow_mut().notes.push(what);
    }

    /// The next numbered file name in the scenario dir.
    pub fn file(&self, label: &str, ext: &str) -> PathBuf {
        let n = self.seq.get() + 1;
        self.seq.set(n);
        let clean: String = label
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        self.dir.join(format!("{n:02}-{clean}.{ext}"))
    }

    // ------------------------------------------------------------------ config

    /// A fresh state dir with OpenClaw's config: loopback bind, shared token, this scenario's port
    /// and log file, and every outbound feature we know of off. `patch` is merged on top
    /// (RFC 7386: null deletes).
    pub fn write_config(&self, patch: Value) -> anyhow::Result<()> {
        if self.state.exists() {
            std::fs::remove_dir_all(&self.state)?;
        }
        std::fs::create_dir_all(&self.state)?;
        set_mode(&self.state, 0o700)?;
        let mut cfg = json!({
            "gateway": {
                "mode": "local",
                "port": self.port,
                "bind": "loopback",
                "auth": { "mode": "token", "token": self.token },
            },
            "update": { "checkOnStart": false },
            "discovery": { "mdns": { "mode": "off" } },
            "logging": { "file": self.log },
        });
        // 2026.7 rejects unknown keys; `telemetry` exists from 2026.8.
        if self.sqlite_era() {
            cfg["telemetry"] = json!({ "enabled": false });
        }
        merge(&mut cfg, patch);
        self.save_config(&cfg)
    }

    pub fn config(&self) -> anyhow::Result<Value> {
        let p = self.state.join("openclaw.json");
        let text =
            std::fs::read_to_string(&p).with_context(|| format!("reading {}", p.display()))?;
        serde_json::from_str(&text).with_context(|| format!("parsing {}", p.display()))
    }

    pub fn save_config(&self, cfg: &Value) -> anyhow::Result<()> {
        let p = self.state.join("openclaw.json");
        std::fs::write(&p, serde_json::to_string_pretty(cfg)? + "\n")?;
        // as OpenClaw writes it itself
        set_mode(&p, 0o600)
    }

    pub fn patch_config(&self, patch: Value) -> anyhow::Result<()> {
        let mut cfg = self.config()?;
        merge(&mut cfg, patch);
        self.save_config(&cfg)
    }

    // ------------------------------------------------------------------ processes

    fn openclaw_env(&self, cmd: &mut Command) {
        let install = self.w.install();
        cmd.env_clear()
            .current_dir(&self.cwd)
            .env(
                "PATH",
                format!(
                    "{}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                    install.node_bin.display()
                ),
            )
            .env("HOME", &self.home)
            .env("TMPDIR", &self.tmp)
            .env("OPENCLAW_STATE_DIR", &self.state)
            // kill switches (see the lab notes): no updates, no mDNS, no telemetry
            .env("OPENCLAW_NO_AUTO_UPDATE", "1")
            .env("OPENCLAW_DISABLE_BONJOUR", "1")
            .env("CLAWHUB_DISABLE_TELEMETRY", "1")
            .env("DO_NOT_TRACK", "1")
            .env("NO_COLOR", "1")
            .env("FORCE_COLOR", "0")
            .env("TZ", "UTC")
            .env("LANG", "C.UTF-8");
    }

    /// Starts `openclaw gateway run` and waits for `[gateway] ready`.
    pub fn start(&mut self, label: &str) -> anyhow::Result<()> {
        self.start_with(label, &[], &[])
    }

    pub fn start_with(
        &mut self,
        label: &str,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> anyhow::Result<()> {
        if self.gateway.is_some() {
            bail!("gateway already started");
        }
        let install = self.w.install();
        let out = self.file(&format!("gateway-{label}"), "out");
        // a clean shutdown gets 20 s after SIGTERM before the wrapper kills it
        let mut cmd = proc::bounded_k(self.w.settings.limit(300), 20, install.node());
        self.openclaw_env(&mut cmd);
        cmd.arg(install.openclaw_mjs(&self.version))
            .args(["gateway", "run", "--port", &self.port.to_string()])
            .args(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let t0 = Instant::now();
        let mut gw = Daemon::spawn(cmd, &out, "gateway")?;
        let limit = self.w.settings.limit(120);
        loop {
            let text = gw.output_text();
            if text.contains("[gateway] ready") {
                break;
            }
            if text.contains("Gateway failed to start") || !gw.alive() {
                gw.stop(Duration::from_secs(5));
                bail!(
                    "gateway {label} did not start (see {}):\n{}",
                    out.display(),
                    last_lines(&text, 8)
                );
            }
            if t0.elapsed() > limit {
                gw.stop(Duration::from_secs(5));
                bail!(
                    "gateway {label} not ready after {} s (see {})",
                    limit.as_secs(),
                    out.display()
                );
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        TcpStream::connect_timeout(&addr, Duration::from_secs(5))
            .with_context(|| format!("gateway says ready but 127.0.0.1:{} refuses", self.port))?;
        self.say(format!(
            "gateway {label} ready on 127.0.0.1:{} in {:.1} s (pid {})",
            self.port,
            t0.elapsed().as_secs_f64(),
            gw.pid
        ));
        self.gateway = Some(gw);
        Ok(())
    }

    pub fn stop(&mut self) {
        if let Some(mut p) = self.proxy.take() {
            p.stop();
        }
        if let Some(mut gw) = self.gateway.take() {
            let (clean, secs, left) = gw.stop(self.w.settings.limit(30));
            if clean {
                self.say(format!("gateway stopped in {secs:.1} s"));
            } else {
                self.note(format!(
                    "gateway pid {} did not exit cleanly within {secs:.0} s of SIGTERM; killed ({left})",
                    gw.pid
                ));
            }
        }
    }

    pub fn start_proxy(&mut self, xff: Option<&str>, host: Option<&str>) -> anyhow::Result<u16> {
        if let Some(mut p) = self.proxy.take() {
            p.stop();
        }
        let p = Proxy::start(self.port, xff, host)?;
        let port = p.port;
        self.proxy = Some(p);
        Ok(port)
    }

    /// Runs the real CLI; a non-zero exit is a result, not an error.
    pub fn openclaw(&self, label: &str, args: &[&str], route: Route) -> anyhow::Result<Call> {
        let install = self.w.install();
        let out = self.file(label, "out");
        let limit = self.w.settings.limit(120);
        let mut cmd = proc::bounded(limit, install.node());
        self.openclaw_env(&mut cmd);
        // plaintext ws:// to a name the CLI does not know as loopback (the alias)
        cmd.env("OPENCLAW_ALLOW_INSECURE_PRIVATE_WS", "1");
        cmd.arg(install.openclaw_mjs(&self.version)).args(args);
        let url = match route {
            Route::Local => None,
            Route::Alias => Some(format!("ws://{}:{}", self.w.alias, self.port)),
            Route::AliasVia(p) => Some(format!("ws://{}:{p}", self.w.alias)),
            Route::LoopbackVia(p) => Some(format!("ws://127.0.0.1:{p}")),
        };
        if let Some(url) = &url {
            cmd.args(["--url", url, "--token", &self.token]);
        }
        std::fs::write(
            out.with_extension("cmd"),
            format!(
                "openclaw {} {}\n",
                args.join(" "),
                url.map(|u| format!("--url {u} --token <token>"))
                    .unwrap_or_default()
            ),
        )?;
        let done = proc::run(cmd, limit, &out)?;
        let call = Call {
            label: label.to_string(),
            code: done.code,
            timed_out: done.timed_out,
            text: done.text(),
            file: out,
        };
        let verdict = if call.ok() {
            "ok".to_string()
        } else if call.timed_out {
            "TIMED OUT".to_string()
        } else {
            format!("exit {:?}, {:?}", call.code, call.refusal())
        };
        let shown: Vec<&str> = args
            .iter()
            .copied()
            .take_while(|a| !a.starts_with("--"))
            .take(3)
            .collect();
        self.say(format!(
            "openclaw {} ({}) -> {verdict} ({:.1} s)",
            shown.join(" "),
            route.describe(),
            done.secs
        ));
        if call.timed_out {
            bail!("{label}: the CLI timed out after {} s", limit.as_secs());
        }
        Ok(call)
    }

    /// `gateway call wake` (needs operator.write).
    pub fn wake(&self, label: &str, route: Route) -> anyhow::Result<Call> {
        self.openclaw(
            label,
            &["gateway", "call", "wake", "--params", WAKE_PARAMS, "--json"],
            route,
        )
    }

    /// `gateway call health` (needs operator.read).
    pub fn health(&self, label: &str, route: Route) -> anyhow::Result<Call> {
        self.openclaw(label, &["gateway", "call", "health", "--json"], route)
    }

    // ------------------------------------------------------------------ logs

    /// The current end of the gateway log.
    pub fn log_mark(&self) -> u64 {
        std::fs::metadata(&self.log).map(|m| m.len()).unwrap_or(0)
    }

    /// The gateway log written since `mark`, as its own file.
    pub fn log_since(&self, mark: u64, label: &str) -> anyhow::Result<PathBuf> {
        let bytes = std::fs::read(&self.log).unwrap_or_default();
        let from = (mark as usize).min(bytes.len());
        let out = self.file(label, "log");
        std::fs::write(&out, &bytes[from..])?;
        Ok(out)
    }

    /// The gateway log lines since `mark` whose message contains `needle`.
    pub fn log_lines_since(&self, mark: u64, needle: &str) -> Vec<String> {
        let bytes = std::fs::read(&self.log).unwrap_or_default();
        let from = (mark as usize).min(bytes.len());
        String::from_utf8_lossy(&bytes[from..])
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter_map(|v| v["message"].as_str().map(str::to_string))
            .filter(|m| m.contains(needle))
            .collect()
    }
}

impl Drop for Lab<'_> {
    fn drop(&mut self) {
        self.stop();
    }
}

/// RFC 7386 JSON merge patch.
pub fn merge(target: &mut Value, patch: Value) {
    match patch {
        Value::Object(p) => {
            if !target.is_object() {
                *target = json!({});
            }
            let t = target.as_object_mut().expect("object");
            for (k, v) in p {
                if v.is_null() {
                    t.remove(&k);
                } else {
                    merge(t.entry(k).or_insert(Value::Null), v);
                }
            }
        }
        other => *target = other,
    }
}

pub fn set_mode(p: &Path, mode: u32) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode))
        .with_context(|| format!("chmod {mode:o} {}", p.display()))
}

pub fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}
