//! Isolation. The scenarios run inside a private network namespace (only `lo`, brought up here)
//! and a private mount namespace whose `/etc/hosts` adds a loopback alias: the real CLI signs with
//! its device identity (and so pairs) only for a gateway URL it does not recognise as loopback, so
//! the scenarios use `ws://<alias>:<port>`, which still connects to 127.0.0.1.
//!
//! The first stage checks that `unshare --net --mount` works (as root, else with
//! `--user --map-root-user`) and re-executes this binary under it. Without one (and unless
//! `CLAW_INTEROP_NETNS=require`), the scenarios run here with an alias from /etc/hosts and rely on
//! the gateway binding loopback only and OpenClaw's kill switches (see `lab::write_config`).

use crate::lab::World;
use crate::proc;
use crate::settings::{INNER_VAR, NetnsMode, Settings};
use anyhow::{Context, bail};
use std::net::{IpAddr, Ipv4Addr, ToSocketAddrs};
use std::process::{Command, ExitCode};

/// The alias added to the private /etc/hosts.
pub const ALIAS: &str = "claw-interop-gw";

pub enum Plan {
    /// Re-run this binary under `unshare` with these leading arguments.
    Reexec(Vec<&'static str>),
    /// Run the scenarios in this process.
    Here(Box<World>),
}

fn works(args: &[&str]) -> bool {
    let mut cmd = proc::bounded(std::time::Duration::from_secs(10), "unshare");
    cmd.args(args).args(["--", "true"]);
    cmd.stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    cmd.status().is_ok_and(|s| s.success())
}

pub fn plan(settings: &Settings) -> anyhow::Result<Plan> {
    if settings.netns != NetnsMode::Off {
        let tools = ["unshare", "ip", "mount"];
        let missing: Vec<&str> = tools
            .iter()
            .copied()
            .filter(|t| proc::which(t).is_none())
            .collect();
        if missing.is_empty() {
            for args in [
                vec!["--net", "--mount"],
                vec!["--user", "--map-root-user", "--net", "--mount"],
            ] {
                if works(&args) {
                    return Ok(Plan::Reexec(args));
                }
            }
        }
        let why = if missing.is_empty() {
            "`unshare --net --mount` is not permitted here (needs root or user namespaces)"
                .to_string()
        } else {
            format!(
                "missing {} (Debian: util-linux, iproute2, mount)",
                missing.join(", ")
            )
        };
        if settings.netns == NetnsMode::Require {
            bail!("CLAW_INTEROP_NETNS=require but no private network namespace: {why}");
        }
        println!(
            "interop: WARNING: no private network namespace ({why}); the gateways run in this \
             network namespace, bound to 127.0.0.1 only, with update checks, mDNS and telemetry off"
        );
    }
    let alias = match &settings.alias {
        Some(a) => a.clone(),
        None => hosts_alias().context(
            "without a namespace the suite needs a host name that resolves to 127.0.0.1 and is not \
             `localhost`: add one to /etc/hosts and set CLAW_INTEROP_ALIAS",
        )?,
    };
    check_alias(&alias)?;
    let world = World::new(settings, alias, "none (loopback-only config)");
    Ok(Plan::Here(Box::new(world)))
}

/// Runs the second stage under `unshare` and passes its exit status on.
pub fn reexec(prefix: Vec<&'static str>, settings: &Settings) -> anyhow::Result<ExitCode> {
    let exe = std::env::current_exe()?;
    let budget = settings.limit(45 * 60);
    let mut cmd = proc::bounded(budget, "unshare");
    cmd.args(&prefix)
        .arg("--")
        .arg(&exe)
        .args(std::env::args_os().skip(1))
        .env(INNER_VAR, prefix.join(" "))
        .env("CLAW_INTEROP_CACHE", &settings.cache)
        .env("CLAW_INTEROP_WORK", &settings.work);
    println!(
        "interop: entering a private network namespace: unshare {}",
        prefix.join(" ")
    );
    let status = cmd
        .status()
        .with_context(|| format!("running {} under unshare", exe.display()))?;
    Ok(match status.code() {
        Some(0) => ExitCode::SUCCESS,
        Some(124) => {
            eprintln!(
                "interop: the suite ran past its {} s budget",
                budget.as_secs()
            );
            ExitCode::FAILURE
        }
        _ => ExitCode::FAILURE,
    })
}

/// Inside the namespace: bring `lo` up, give it the alias, check nothing else exists.
pub fn enter_inner(settings: &Settings) -> anyhow::Result<World> {
    let how = std::env::var(INNER_VAR).unwrap_or_default();
    std::fs::create_dir_all(&settings.work)?;
    let ip = |args: &[&str]| -> anyhow::Result<String> {
        let out = Command::new("ip").args(args).output()?;
        if !out.status.success() {
            bail!(
                "ip {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    };
    ip(&["link", "set", "lo", "up"])?;
    let links: Vec<String> = ip(&["-o", "link", "show"])?
        .lines()
        .filter_map(|l| l.split(':').nth(1).map(|s| s.trim().to_string()))
        .collect();
    if links != ["lo"] {
        bail!("the private network namespace has interfaces other than lo: {links:?}");
    }
    let hosts = settings.work.join(".hosts");
    let mut text = std::fs::read_to_string("/etc/hosts").unwrap_or_default();
    if !text.ends_with('\n') && !text.is_empty() {
        text.push('\n');
    }
    text.push_str(&format!("127.0.0.1 {ALIAS}\n"));
    std::fs::write(&hosts, text)?;
    let out = Command::new("mount")
        .arg("--bind")
        .arg(&hosts)
        .arg("/etc/hosts")
        .output()?;
    if !out.status.success() {
        bail!(
            "mount --bind {} /etc/hosts in the private mount namespace: {}",
            hosts.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    check_alias(ALIAS)?;
    Ok(World::new(
        settings,
        ALIAS.to_string(),
        &format!("private (unshare {how}; only lo)"),
    ))
}

/// The alias must resolve to 127.0.0.1 and nothing else.
fn check_alias(alias: &str) -> anyhow::Result<()> {
    let addrs: Vec<IpAddr> = (alias, 0)
        .to_socket_addrs()
        .with_context(|| format!("resolving {alias}"))?
        .map(|a| a.ip())
        .collect();
    let ok = !addrs.is_empty()
        && addrs
            .iter()
            .all(|a| *a == IpAddr::V4(Ipv4Addr::LOCALHOST) || a.is_loopback());
    if !ok {
        bail!("{alias} must resolve to 127.0.0.1 only, resolves to {addrs:?}");
    }
    Ok(())
}

/// A name on a 127.0.0.1 line of /etc/hosts that is not localhost.
fn hosts_alias() -> Option<String> {
    let text = std::fs::read_to_string("/etc/hosts").ok()?;
    text.lines()
        .map(|l| l.split('#').next().unwrap_or(""))
        .filter_map(|l| {
            let mut parts = l.split_whitespace();
            (parts.next()? == "127.0.0.1").then(|| parts.map(str::to_string).collect::<Vec<_>>())
        })
        .flatten()
        .find(|n| !n.starts_with("localhost") && check_alias(n).is_ok())
}
