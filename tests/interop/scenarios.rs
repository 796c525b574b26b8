//! The scenarios, and the runner that runs them a few at a time.
//!
//! Each scenario breaks a real gateway's state the way users' gateways break, makes the real
//! client fail, and then checks three things: `scan` names the problem (exact check ids present,
//! the ones a maintainer would confuse it with absent, nothing loud on the healthy states);
//! claw-doctor's advice (`fix.commands`) run against the gateway makes the failing call succeed;
//! and where claw-doctor repairs it itself, `fix` (gateway stopped) plus a restart makes the call
//! succeed and `restore-backup --latest` brings the failure back.

use crate::doctor::{Logs, Scan, Sev};
use crate::lab::{Lab, Refusal, Repair, Route, World};
use crate::report::{self, Outcome};
use crate::settings::Settings;
use anyhow::{Context, bail, ensure};
use serde_json::json;
use std::collections::VecDeque;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Instant;

pub const V7: &str = "2026.7.35";
pub const V9: &str = "2026.9.6";

type Body = fn(&mut Lab) -> anyhow::Result<()>;

#[derive(Clone)]
pub struct Scenario {
    pub name: &'static str,
    pub version: &'static str,
    /// other OpenClaw releases the scenario drives
    pub also: &'static [&'static str],
    pub body: Body,
}

impl Scenario {
    pub fn full_name(&self) -> String {
        format!("{}@{}", self.name, self.version)
    }
}

const fn sc(name: &'static str, version: &'static str, body: Body) -> Scenario {
    Scenario {
        name,
        version,
        also: &[],
        body,
    }
}

/// Every scenario, longest first (the runner starts them in this order).
pub fn all() -> Vec<Scenario> {
    vec![
        sc("scope-upgrade", V7, scope_upgrade),
        sc("legacy-metadata", V7, legacy_metadata),
        sc("not-paired", V7, not_paired_proxy),
        sc("metadata-upgrade", V7, metadata_upgrade),
        sc("metadata-upgrade", V9, metadata_upgrade),
        sc("scope-repair-sqlite", V9, scope_repair_sqlite),
        sc("store-unparseable", V7, store_unparseable),
        sc("scope-creep", V7, scope_creep),
        sc("trusted-proxies-cidr", V7, trusted_proxies_cidr),
        Scenario {
            also: &[V7],
            ..sc("legacy-store", V9, legacy_store)
        },
        sc("token-drift", V7, token_drift),
        sc("not-paired-strict", V9, not_paired_strict),
        sc("healthy", V7, healthy),
        sc("healthy", V9, healthy),
        sc("non-local-host", V7, non_local_host),
        sc("token-drift-env", V9, token_drift_env_v9),
    ]
}

pub fn select(
    all: &[Scenario],
    only: &[String],
    filters: &[String],
    exact: bool,
) -> anyhow::Result<Vec<Scenario>> {
    for o in only {
        if !all.iter().any(|s| s.name == o || s.full_name() == *o) {
            let names: Vec<String> = all.iter().map(Scenario::full_name).collect();
            bail!(
                "CLAW_INTEROP_SCENARIOS names {o}, which is no scenario; known: {}",
                names.join(", ")
            );
        }
    }
    Ok(all
        .iter()
        .filter(|s| only.is_empty() || only.iter().any(|o| s.name == o || s.full_name() == *o))
        .filter(|s| {
            filters.is_empty()
                || filters.iter().any(|f| {
                    if exact {
                        s.full_name() == *f
                    } else {
                        s.full_name().contains(f.as_str())
                    }
                })
        })
        .cloned()
        .collect())
}

pub fn versions(selected: &[Scenario]) -> Vec<String> {
    let mut v: Vec<String> = selected
        .iter()
        .flat_map(|s| std::iter::once(s.version).chain(s.also.iter().copied()))
        .map(str::to_string)
        .collect();
    v.sort();
    v.dedup();
    v
}

pub fn run_all(
    settings: &Settings,
    world: &World,
    selected: &[Scenario],
) -> anyhow::Result<ExitCode> {
    std::fs::create_dir_all(&settings.work)?;
    println!(
        "interop: node {} ; network namespace: {} ; loopback alias {}",
        world.install().node_version,
        world.isolation,
        world.alias
    );
    let t0 = Instant::now();
    let queue = Mutex::new(selected.iter().cloned().collect::<VecDeque<_>>());
    let outcomes = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..settings.jobs.min(selected.len()) {
            s.spawn(|| {
                loop {
                    let Some(sc) = queue.lock().expect("queue").pop_front() else {
                        break;
                    };
                    let o = run_one(world, &sc);
                    println!(
                        "interop: {} {} in {:.0} s{}",
                        if o.passed() { "PASS" } else { "FAIL" },
                        sc.full_name(),
                        o.secs,
                        o.error
                            .as_deref()
                            .map(|e| format!(": {e}"))
                            .unwrap_or_default()
                    );
                    outcomes.lock().expect("outcomes").push(o);
                }
            });
        }
    });
    let mut outcomes = outcomes.into_inner().expect("outcomes");
    // table in declaration order
    let order: Vec<String> = selected.iter().map(Scenario::full_name).collect();
    outcomes.sort_by_key(|o| {
        let n = format!("{}@{}", o.name, o.version);
        order.iter().position(|x| *x == n)
    });
    let table = report::table(&outcomes, t0.elapsed().as_secs_f64(), &world.isolation);
    let summary = settings.work.join("summary.md");
    let _ = std::fs::write(&summary, &table);
    println!(
        "\n{table}\n(outputs under {}; table in {})",
        settings.work.display(),
        summary.display()
    );
    if !settings.repairs {
        report::banner_repairs_skipped();
    }
    Ok(if outcomes.iter().all(Outcome::passed) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn run_one(world: &World, sc: &Scenario) -> Outcome {
    let t0 = Instant::now();
    let mut record = Default::default();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut lab = Lab::new(world, sc.name, sc.version)?;
        lab.say("start");
        let r = (sc.body)(&mut lab);
        lab.stop();
        record = std::mem::take(&mut *lab.rec.borrow_mut());
        r
    }));
    let error = match result {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(format!("{e:#}")),
        Err(p) => Some(format!(
            "panicked: {}",
            p.downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default()
        )),
    };
    Outcome {
        name: sc.name.to_string(),
        version: sc.version.to_string(),
        error,
        secs: t0.elapsed().as_secs_f64(),
        record,
    }
}

// ---------------------------------------------------------------------------- helpers

/// Checks a maintainer would confuse with the pairing problems; absent unless a scenario says so.
const PAIRING: &[&str] = &[
    "missing-operator-write",
    "pending-scope-upgrade",
    "pending-pairing-request",
    "device-metadata-drift",
    "legacy-device-metadata",
    "scope-baseline-inconsistent",
    "approval-deadlock",
    "device-token-stale",
    "identity-not-paired",
    "identity-invalid",
    "public-key-mismatch",
];
const STORE: &[&str] = &[
    "store-unparseable",
    "legacy-store-not-imported",
    "retired-identity-file-present",
    "state-file-permissions",
    "config-unparseable",
];
const NETWORK_AUTH: &[&str] = &[
    "gateway-token-drift",
    "log-token-mismatch",
    "trusted-proxies-cidr",
    "untrusted-proxy-headers",
    "insecure-auth-flag",
    "state-dir-split",
];

/// Every known check id in the lists above, minus `except`.
fn others(except: &[&str]) -> Vec<&'static str> {
    PAIRING
        .iter()
        .chain(STORE)
        .chain(NETWORK_AUTH)
        .copied()
        .filter(|id| !except.contains(id))
        .collect()
}

impl Lab<'_> {
    /// The repair steps (`fix`, restart, `restore-backup`), or a loud skip.
    fn repair(&mut self, f: impl FnOnce(&mut Self) -> anyhow::Result<()>) -> anyhow::Result<()> {
        if !self.w.settings.repairs {
            self.say("SKIPPED: repair steps (CLAW_INTEROP_REPAIRS=0)");
            self.rec.borrow_mut().repair = Some(Repair::Skipped);
            return Ok(());
        }
        self.say("repair: claw-doctor fix, restart, restore-backup");
        let r = f(self);
        self.stop();
        self.rec.borrow_mut().repair = Some(if r.is_ok() {
            Repair::Verified
        } else {
            Repair::Failed
        });
        r.context("repair")
    }

    /// A repair the rule declines offline: checked unless repairs are skipped.
    fn declined(&mut self, f: impl FnOnce(&mut Self) -> anyhow::Result<()>) -> anyhow::Result<()> {
        if !self.w.settings.repairs {
            self.say("SKIPPED: repair steps (CLAW_INTEROP_REPAIRS=0)");
            self.rec.borrow_mut().repair = Some(Repair::Skipped);
            return Ok(());
        }
        let r = f(self);
        self.rec.borrow_mut().repair = Some(if r.is_ok() {
            Repair::Declined
        } else {
            Repair::Failed
        });
        r.context("repair declined")
    }

    /// A disagreement between claw-doctor's rules and the real gateway, found by comparing what a
    /// finding says with what the gateway did: listed in the summary with its evidence, and the
    /// scenario fails (the rule must be fixed in `rules/`).
    fn disagrees(&self, what: &str, disagreement: Option<String>) -> anyhow::Result<()> {
        if let Some(evidence) = disagreement {
            self.say(format!("DISAGREEMENT: {what}: {evidence}"));
            self.rec
                .borrow_mut()
                .disagreements
                .push(format!("{what}. Evidence: {evidence}"));
            bail!("claw-doctor disagrees with the gateway: {what}");
        }
        Ok(())
    }

    fn broken(&self, scan: &Scan) {
        self.rec.borrow_mut().broken_findings = scan.summary();
    }

    /// Pairs this state's CLI through the alias with operator.write; returns its device id.
    fn pair_with_write(&mut self) -> anyhow::Result<String> {
        self.start("pair")?;
        self.wake("pair-wake", Route::Alias)?.expect_ok()?;
        self.stop();
        self.cli_device_id()
    }

    /// Runs the `openclaw devices approve <id>` claw-doctor advises for `id` (gateway running,
    /// local shared-token CLI, as a user on the gateway host would).
    fn follow_approve_advice(&self, scan: &Scan, id: &str) -> anyhow::Result<()> {
        let advice = scan.advice(id);
        let approve = advice
            .iter()
            .find(|a| a.len() == 3 && a[0] == "devices" && a[1] == "approve")
            .with_context(|| {
                format!("{id}: no `openclaw devices approve <requestId>` in its advice {advice:?}")
            })?;
        let pending = self.pending()?;
        ensure!(
            pending.iter().any(|(r, _, _)| *r == approve[2]),
            "{id} advises approving {}, which is not among the pending requests {pending:?}",
            approve[2]
        );
        let args: Vec<&str> = approve.iter().map(String::as_str).collect();
        self.openclaw("advice-approve", &args, Route::Local)?
            .expect_ok()?;
        self.rec
            .borrow_mut()
            .advice
            .push(format!("{id}: devices approve"));
        Ok(())
    }
}

fn log_files(p: &Path) -> [&Path; 1] {
    [p]
}

// ---------------------------------------------------------------------------- scenarios

/// A fresh gateway, the local CLI and a paired alias CLI with operator.write: nothing loud, the
/// running gateway is recognised, claw-doctor's devices are the gateway's.
fn healthy(lab: &mut Lab) -> anyhow::Result<()> {
    lab.write_config(json!({}))?;
    let m = lab.log_mark();
    lab.start("healthy")?;
    lab.health("local-health", Route::Local)?.expect_ok()?;
    lab.wake("alias-wake", Route::Alias)?.expect_ok()?;
    lab.health("alias-health", Route::Alias)?.expect_ok()?;
    let listed = lab.openclaw("devices-list", &["devices", "list", "--json"], Route::Local)?;
    listed.expect_ok()?;
    let log = lab.log_since(m, "running")?;
    let running = lab.scan("running", Logs::Files(&log_files(&log)), &[])?;
    running.expect(&[("gateway-running", Sev::Info)], &others(&[]))?;
    running.clean(&[])?;
    lab.stop();
    let log = lab.log_since(m, "healthy")?;
    let scan = lab.scan("stopped", Logs::Files(&log_files(&log)), &[])?;
    // the alias connections are logged as remote; that cost nothing here: info
    scan.expect(
        &[("non-local-host-header", Sev::Info)],
        &[
            &["gateway-running", "log-pairing-required"][..],
            &others(&[]),
        ]
        .concat(),
    )?;
    scan.clean(&[])?;
    // the device the gateway lists is the one claw-doctor loaded
    let text = &listed.text;
    let doc: serde_json::Value = serde_json::from_str(&text[text.find('{').unwrap_or(0)..])
        .context("devices list --json output")?;
    let gateway_ids: Vec<&str> = doc["paired"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["deviceId"].as_str())
        .collect();
    let doctor_ids: Vec<&str> = scan.doc["state"]["devices"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|d| d["live"].as_bool() != Some(false))
        .filter_map(|d| d["deviceId"].as_str())
        .collect();
    let me = lab.cli_device_id()?;
    ensure!(
        gateway_ids == [me.as_str()] && doctor_ids == [me.as_str()],
        "paired devices: gateway lists {gateway_ids:?}, claw-doctor loaded {doctor_ids:?}, CLI is {me}"
    );
    Ok(())
}

/// 2026.7.35: the CLI device paired with write is cut down to operator.read; write fails 1008
/// scope-upgrade, read still works. Break-glass repair of the store.
fn scope_upgrade(lab: &mut Lab) -> anyhow::Result<()> {
    lab.write_config(json!({}))?;
    let dev = lab.pair_with_write()?;
    lab.scan("paired", Logs::Files(&log_files(&lab.log)), &[])?
        .clean(&[])?;
    lab.set_scopes(&dev, &["operator.read"])?;
    let m = lab.log_mark();
    lab.start("broken")?;
    lab.wake("broken-wake", Route::Alias)?
        .expect_refused(Refusal::ScopeUpgrade)?;
    lab.health("broken-health", Route::Alias)?.expect_ok()?;
    lab.stop();
    let log = lab.log_since(m, "broken")?;
    let scan = lab.scan("broken", Logs::Files(&log_files(&log)), &[])?;
    lab.broken(&scan);
    scan.expect(
        &[
            ("missing-operator-write", Sev::Error),
            ("pending-scope-upgrade", Sev::Error),
            ("log-pairing-required", Sev::Warning),
        ],
        &others(&["missing-operator-write", "pending-scope-upgrade"]),
    )?;
    lab.repair(|lab| {
        // fix must refuse while the gateway runs, and leave the store alone
        lab.start("running")?;
        let before = std::fs::read(lab.paired_json())?;
        lab.fix_refused("fix-while-running")?;
        ensure!(
            std::fs::read(lab.paired_json())? == before,
            "fix changed devices/paired.json while the gateway ran"
        );
        lab.stop();
        lab.fix("fix", true)?;
        let fixed = lab.scan("fixed", Logs::None, &[])?;
        fixed.expect(&[], &["missing-operator-write", "pending-scope-upgrade"])?;
        fixed.clean(&[])?;
        lab.start("fixed")?;
        lab.wake("fixed-wake", Route::Alias)?.expect_ok()?;
        lab.stop();
        lab.restore_latest("restore")?;
        lab.start("restored")?;
        lab.wake("restored-wake", Route::Alias)?
            .expect_refused(Refusal::ScopeUpgrade)?;
        lab.stop();
        Ok(())
    })
}

/// 2026.7.35: the CLI's first device-identity command only needed operator.pairing; every later
/// read or write is a scope upgrade the gateway does not approve silently.
fn scope_creep(lab: &mut Lab) -> anyhow::Result<()> {
    lab.write_config(json!({}))?;
    let m = lab.log_mark();
    lab.start("creep")?;
    lab.openclaw(
        "alias-devices-list",
        &["devices", "list", "--json"],
        Route::Alias,
    )?
    .expect_ok()?;
    lab.health("alias-health", Route::Alias)?
        .expect_refused(Refusal::ScopeUpgrade)?;
    lab.wake("alias-wake", Route::Alias)?
        .expect_refused(Refusal::ScopeUpgrade)?;
    lab.stop();
    let log = lab.log_since(m, "broken")?;
    let scan = lab.scan("broken", Logs::Files(&log_files(&log)), &[])?;
    lab.broken(&scan);
    scan.expect(
        &[
            ("missing-operator-write", Sev::Error),
            ("pending-scope-upgrade", Sev::Error),
            ("log-pairing-required", Sev::Warning),
        ],
        &others(&["missing-operator-write", "pending-scope-upgrade"]),
    )?;
    lab.repair(|lab| {
        lab.fix("fix", true)?;
        let fixed = lab.scan("fixed", Logs::None, &[])?;
        fixed.expect(&[], &["missing-operator-write"])?;
        fixed.clean(&[])?;
        lab.start("fixed")?;
        lab.health("fixed-health", Route::Alias)?.expect_ok()?;
        lab.wake("fixed-wake", Route::Alias)?.expect_ok()?;
        lab.stop();
        lab.restore_latest("restore")?;
        lab.start("restored")?;
        lab.wake("restored-wake", Route::Alias)?
            .expect_refused(Refusal::ScopeUpgrade)?;
        lab.stop();
        Ok(())
    })?;
    // claw-doctor's advice for the pending upgrade, followed against the gateway
    let scan = lab.scan("before-advice", Logs::None, &[])?;
    lab.start("advice")?;
    lab.follow_approve_advice(&scan, "pending-scope-upgrade")?;
    lab.health("advised-health", Route::Alias)?.expect_ok()?;
    lab.wake("advised-wake", Route::Alias)?.expect_ok()?;
    lab.stop();
    lab.scan("advised", Logs::None, &[])?.clean(&[])?;
    Ok(())
}

/// 2026.7.35: a new device behind a proxy on 127.0.0.1 that adds X-Forwarded-For (not trusted):
/// the gateway treats it as remote and wants an approval.
fn not_paired_proxy(lab: &mut Lab) -> anyhow::Result<()> {
    lab.write_config(json!({}))?;
    let m = lab.log_mark();
    lab.start("broken")?;
    let p = lab.start_proxy(Some("203.0.113.10"), None)?;
    lab.openclaw(
        "proxied-devices-list",
        &["devices", "list", "--json"],
        Route::AliasVia(p),
    )?
    .expect_refused(Refusal::NotPaired)?;
    lab.health("proxied-health", Route::AliasVia(p))?
        .expect_refused(Refusal::NotPaired)?;
    lab.stop();
    let log = lab.log_since(m, "broken")?;
    let scan = lab.scan("broken", Logs::Files(&log_files(&log)), &[])?;
    lab.broken(&scan);
    scan.expect(
        &[
            ("pending-pairing-request", Sev::Warning),
            ("untrusted-proxy-headers", Sev::Warning),
            ("log-pairing-required", Sev::Warning),
        ],
        &others(&["pending-pairing-request", "untrusted-proxy-headers"]),
    )?;
    // the advice: approve the request; the device then works through the proxy
    lab.start("advice")?;
    lab.follow_approve_advice(&scan, "pending-pairing-request")?;
    let p = lab.start_proxy(Some("203.0.113.10"), None)?;
    lab.health("advised-health", Route::AliasVia(p))?
        .expect_ok()?;
    lab.stop();
    // claw-doctor's own repair of the proxy trust: the gateway stops warning about it
    lab.repair(|lab| {
        lab.fix("fix", true)?;
        let tp = lab.config()?["gateway"]["trustedProxies"].clone();
        ensure!(
            tp.as_array()
                .is_some_and(|a| a.iter().any(|e| e == "127.0.0.1")),
            "after fix gateway.trustedProxies = {tp}, expected it to hold 127.0.0.1"
        );
        lab.start("fixed")?;
        let p = lab.start_proxy(Some("203.0.113.10"), None)?;
        let m = lab.log_mark();
        lab.health("fixed-health", Route::AliasVia(p))?
            .expect_ok()?;
        let warned = lab.log_lines_since(m, "Proxy headers detected from untrusted address");
        ensure!(
            warned.is_empty(),
            "after fix the gateway still logs: {warned:?}"
        );
        lab.stop();
        lab.restore_latest("restore")?;
        lab.start("restored")?;
        let p = lab.start_proxy(Some("203.0.113.10"), None)?;
        let m = lab.log_mark();
        lab.health("restored-health", Route::AliasVia(p))?
            .expect_ok()?;
        ensure!(
            !lab.log_lines_since(m, "Proxy headers detected from untrusted address")
                .is_empty(),
            "after restore-backup the gateway no longer warns about the untrusted proxy"
        );
        lab.stop();
        Ok(())
    })
}

/// 2026.7.35: `trustedProxies: ["172.17.0.0/16"]` (a Docker range) while the proxy is on
/// 127.0.0.1 and forwards a loopback client.
fn trusted_proxies_cidr(lab: &mut Lab) -> anyhow::Result<()> {
    lab.write_config(json!({ "gateway": { "trustedProxies": ["172.17.0.0/16"] } }))?;
    let m = lab.log_mark();
    lab.start("broken")?;
    let p = lab.start_proxy(Some("127.0.0.1"), None)?;
    lab.openclaw(
        "proxied-devices-list",
        &["devices", "list", "--json"],
        Route::AliasVia(p),
    )?
    .expect_refused(Refusal::NotPaired)?;
    lab.stop();
    let warned = lab.log_lines_since(m, "Proxy headers detected from untrusted address");
    ensure!(
        !warned.is_empty(),
        "the gateway did not log the untrusted proxy"
    );
    let log = lab.log_since(m, "broken")?;
    let scan = lab.scan("broken", Logs::Files(&log_files(&log)), &[])?;
    lab.broken(&scan);
    scan.expect(
        &[
            ("trusted-proxies-cidr", Sev::Warning),
            ("untrusted-proxy-headers", Sev::Warning),
            ("pending-pairing-request", Sev::Warning),
            ("log-pairing-required", Sev::Warning),
        ],
        &others(&[
            "trusted-proxies-cidr",
            "untrusted-proxy-headers",
            "pending-pairing-request",
        ]),
    )?;
    lab.repair(|lab| {
        lab.fix("fix", true)?;
        let tp = lab.config()?["gateway"]["trustedProxies"].clone();
        ensure!(
            tp == json!(["127.0.0.1"]),
            "after fix gateway.trustedProxies = {tp}, expected [\"127.0.0.1\"] (the proxy the logs show)"
        );
        let m = lab.log_mark();
        lab.start("fixed")?;
        let p = lab.start_proxy(Some("127.0.0.1"), None)?;
        // Trusted now, but a proxied loopback client is still not local on 2026.7.35: the
        // request stays for approval, as untrusted-proxy-headers says.
        lab.openclaw("fixed-devices-list", &["devices", "list", "--json"], Route::AliasVia(p))?
            .expect_refused(Refusal::NotPaired)?;
        lab.stop();
        let warned = lab.log_lines_since(m, "Proxy headers detected from untrusted address");
        ensure!(warned.is_empty(), "after fix the gateway still logs: {warned:?}");
        ensure!(
            !lab.log_lines_since(m, "fwd=127.0.0.1").is_empty(),
            "after fix the gateway did not log the forwarded client"
        );
        let log = lab.log_since(m, "fixed")?;
        lab.scan("fixed", Logs::Files(&log_files(&log)), &[])?.expect(
            &[("pending-pairing-request", Sev::Warning)],
            &["trusted-proxies-cidr", "untrusted-proxy-headers"],
        )?;
        lab.restore_latest("restore")?;
        let m = lab.log_mark();
        lab.start("restored")?;
        let p = lab.start_proxy(Some("127.0.0.1"), None)?;
        lab.openclaw("restored-devices-list", &["devices", "list", "--json"], Route::AliasVia(p))?
            .expect_refused(Refusal::NotPaired)?;
        lab.stop();
        ensure!(
            !lab.log_lines_since(m, "Proxy headers detected from untrusted address").is_empty(),
            "after restore-backup the gateway no longer warns about the untrusted proxy"
        );
        Ok(())
    })
}

/// The paired record pins another platform (darwin): 1008 metadata-upgrade. claw-doctor's
/// advice is an approval; and non-local-host-header's claim that a local connection would have
/// been approved silently is tried through a proxy that sends a loopback Host.
fn metadata_upgrade(lab: &mut Lab) -> anyhow::Result<()> {
    lab.write_config(json!({}))?;
    let dev = lab.pair_with_write()?;
    lab.set_platform(&dev, "darwin", "Mac")?;
    let m = lab.log_mark();
    lab.start("broken")?;
    lab.wake("broken-wake", Route::Alias)?
        .expect_refused(Refusal::MetadataUpgrade)?;
    lab.stop();
    let log = lab.log_since(m, "broken")?;
    let scan = lab.scan("broken", Logs::Files(&log_files(&log)), &[])?;
    lab.broken(&scan);
    scan.expect(
        &[
            ("device-metadata-drift", Sev::Error),
            ("log-pairing-required", Sev::Warning),
            // since 2026.3.29 the Host header does not make a loopback connection remote for
            // pairing: the gateway's warning is reported, as info
            ("non-local-host-header", Sev::Info),
        ],
        &others(&["device-metadata-drift"]),
    )?;
    // advice: approve the re-approval request
    lab.start("advice")?;
    lab.follow_approve_advice(&scan, "device-metadata-drift")?;
    lab.wake("advised-wake", Route::Alias)?.expect_ok()?;
    lab.stop();
    let rec = lab
        .paired_record(&dev)?
        .context("device gone after approval")?;
    ensure!(
        rec["platform"] == "linux",
        "after approval the record pins {}",
        rec["platform"]
    );
    lab.scan("advised", Logs::None, &[])?.clean(&[])?;
    // non-local-host-header's claim: at warning it says a local connection (loopback Host, no
    // proxy headers) would have been approved silently. Try exactly that.
    lab.set_platform(&dev, "darwin", "Mac")?;
    lab.start("local-host")?;
    let host = format!("127.0.0.1:{}", lab.port);
    let p = lab.start_proxy(None, Some(&host))?;
    let local = lab.wake("local-host-wake", Route::AliasVia(p))?;
    lab.stop();
    let claimed = scan.severity("non-local-host-header") == Some(Sev::Warning);
    match (claimed, local.ok()) {
        (true, true) | (false, false) => {}
        (false, true) => bail!(
            "a loopback-Host connect was approved silently, but non-local-host-header did not say the Host header cost the approval"
        ),
        (true, false) => {
            local.expect_refused(Refusal::MetadataUpgrade)?;
            lab.disagrees(
                "non-local-host-header (warning) says a local connection would have had the \
                 metadata-upgrade approved silently, but the gateway refuses it from a loopback Host too",
                Some(format!(
                    "{}; client: {}",
                    scan.message("non-local-host-header"),
                    local.file.display()
                )),
            )?;
        }
    }
    Ok(())
}

/// 2026.7.35: a paired record in the old format (no roles, approvedScopes, tokens, client
/// fields). claw-doctor: a local reconnect rebuilds it, a remote device needs an approval.
fn legacy_metadata(lab: &mut Lab) -> anyhow::Result<()> {
    lab.write_config(json!({}))?;
    let dev = lab.pair_with_write()?;
    let strip = |lab: &Lab| {
        lab.edit_paired(&dev, |r| {
            for k in [
                "roles",
                "approvedScopes",
                "tokens",
                "clientId",
                "clientMode",
                "platform",
                "deviceFamily",
                "lastSeenAtMs",
                "lastSeenReason",
            ] {
                r.remove(k);
            }
        })
    };
    strip(lab)?;
    let scan = lab.scan("legacy", Logs::None, &[])?;
    lab.broken(&scan);
    scan.expect(
        &[("legacy-device-metadata", Sev::Warning)],
        &others(&["legacy-device-metadata"]),
    )?;
    // the claim behind the warning: a local reconnect rebuilds the record
    lab.start("local")?;
    lab.wake("local-wake", Route::Alias)?.expect_ok()?;
    lab.stop();
    let rec = lab.paired_record(&dev)?.context("device gone")?;
    ensure!(
        rec.get("roles").is_some() && rec.get("approvedScopes").is_some(),
        "a local reconnect did not rebuild the record: {rec}"
    );
    lab.scan("rebuilt", Logs::None, &[])?
        .expect(&[], &["legacy-device-metadata"])?;
    // remote (through an untrusted proxy): the gateway wants a role upgrade approved
    strip(lab)?;
    let m = lab.log_mark();
    lab.start("remote")?;
    let p = lab.start_proxy(Some("203.0.113.10"), None)?;
    lab.wake("remote-wake", Route::AliasVia(p))?
        .expect_refused(Refusal::RoleUpgrade)?;
    // with that request pending, the local reconnect no longer heals it
    let local = lab.wake("local-after-remote-wake", Route::Alias)?;
    lab.stop();
    let log = lab.log_since(m, "remote")?;
    let scan = lab.scan("remote", Logs::Files(&log_files(&log)), &[])?;
    scan.expect(&[], &["missing-operator-write", "pending-pairing-request"])?;
    let sev = scan
        .severity("legacy-device-metadata")
        .context("legacy-device-metadata missing after the remote attempt")?;
    if !local.ok() {
        local.expect_refused(Refusal::RoleUpgrade)?;
        lab.disagrees(
            "once a remote connect left a role-upgrade request pending, 2026.7.35 refuses the local \
             reconnect as well, but legacy-device-metadata stays a warning saying a local reconnect \
             rebuilds the record",
            (sev == Sev::Warning).then(|| {
                format!(
                    "{} ({}); client: {}",
                    scan.message("legacy-device-metadata"),
                    scan.file.display(),
                    local.file.display()
                )
            }),
        )?;
    }
    // claw-doctor never invents tokens: with `tokens` missing, its fix declines and the scan's
    // advice (approve the role upgrade) is the way out, checked below
    lab.declined(|lab| {
        lab.fix_declined("fix", "legacy-device-metadata")?;
        lab.scan("declined", Logs::None, &[])?
            .expect(&[("legacy-device-metadata", sev)], &[])
    })?;
    // the advice: approve the pending request; the device then works remotely
    let scan = lab.scan("before-advice", Logs::None, &[])?;
    lab.start("advice")?;
    lab.follow_approve_advice(&scan, "legacy-device-metadata")?;
    let p = lab.start_proxy(Some("203.0.113.10"), None)?;
    lab.wake("advised-remote-wake", Route::AliasVia(p))?
        .expect_ok()?;
    lab.stop();
    lab.scan("advised", Logs::None, &[])?
        .expect(&[], &["legacy-device-metadata"])?;
    Ok(())
}

/// 2026.7.35: `<state>/.env` sets another OPENCLAW_GATEWAY_TOKEN than `gateway.auth.token`: the
/// gateway checks the config's, the local CLI sends the .env's.
fn token_drift(lab: &mut Lab) -> anyhow::Result<()> {
    lab.write_config(json!({}))?;
    let env = lab.state.join(".env");
    let stray = "OPENCLAW_GATEWAY_TOKEN=interop-stale-token-0123456789abcdef01234\n";
    std::fs::write(&env, stray)?;
    crate::lab::set_mode(&env, 0o600)?;
    let m = lab.log_mark();
    lab.start("broken")?;
    lab.health("local-health", Route::Local)?
        .expect_refused(Refusal::TokenMismatch)?;
    lab.stop();
    let log = lab.log_since(m, "broken")?;
    let scan = lab.scan("broken", Logs::Files(&log_files(&log)), &[])?;
    lab.broken(&scan);
    scan.expect(
        &[
            ("gateway-token-drift", Sev::Error),
            ("log-token-mismatch", Sev::Error),
        ],
        &[
            &["log-pairing-required"][..],
            &others(&["gateway-token-drift", "log-token-mismatch"]),
        ]
        .concat(),
    )?;
    lab.repair(|lab| {
        lab.fix("fix", true)?;
        let now = std::fs::read_to_string(&env).unwrap_or_default();
        ensure!(
            !now.contains("interop-stale-token"),
            "after fix .env still holds the stray token"
        );
        let fixed = lab.scan("fixed", Logs::None, &[])?;
        fixed.expect(&[], &["gateway-token-drift"])?;
        fixed.clean(&[])?;
        lab.start("fixed")?;
        lab.health("fixed-health", Route::Local)?.expect_ok()?;
        lab.stop();
        lab.restore_latest("restore")?;
        ensure!(
            std::fs::read_to_string(&env)? == stray,
            "restore-backup did not bring .env back"
        );
        lab.start("restored")?;
        lab.health("restored-health", Route::Local)?
            .expect_refused(Refusal::TokenMismatch)?;
        lab.stop();
        Ok(())
    })
}

/// 2026.9.6 with the same stray `.env` token: the real CLI is not affected.
fn token_drift_env_v9(lab: &mut Lab) -> anyhow::Result<()> {
    lab.write_config(json!({}))?;
    let env = lab.state.join(".env");
    std::fs::write(
        &env,
        "OPENCLAW_GATEWAY_TOKEN=interop-stale-token-0123456789abcdef01234\n",
    )?;
    crate::lab::set_mode(&env, 0o600)?;
    let m = lab.log_mark();
    lab.start("env")?;
    lab.health("local-health", Route::Local)?.expect_ok()?;
    lab.stop();
    let log = lab.log_since(m, "env")?;
    let scan = lab.scan("env", Logs::Files(&log_files(&log)), &[])?;
    lab.broken(&scan);
    scan.expect(&[], &["log-token-mismatch", "log-pairing-required"])?;
    lab.disagrees(
        "2026.9.6's CLI is not broken by a stray OPENCLAW_GATEWAY_TOKEN in <state>/.env \
         (it connected with the config token), but gateway-token-drift says the local CLI sends it",
        match scan.severity("gateway-token-drift") {
            Some(s) if s >= Sev::Warning => Some(format!(
                "gateway-token-drift is {s:?}: {}; the local CLI's `gateway call health` succeeded ({})",
                scan.message("gateway-token-drift"),
                lab.dir.join("gateway.log").display()
            )),
            _ => None,
        },
    )
}

/// 2026.7.35: loopback connections with a host name in Host: the alias CLI (pairs fine) and a
/// shared-token client through a proxy that forges Host. Warned, not refused: info.
fn non_local_host(lab: &mut Lab) -> anyhow::Result<()> {
    lab.write_config(json!({}))?;
    let m = lab.log_mark();
    lab.start("run")?;
    lab.wake("alias-wake", Route::Alias)?.expect_ok()?;
    let p = lab.start_proxy(None, Some("gateway.example.invalid"))?;
    lab.health("forged-host-health", Route::LoopbackVia(p))?
        .expect_ok()?;
    lab.stop();
    let warnings = lab
        .log_lines_since(m, "Loopback connection with non-local Host header")
        .len();
    ensure!(
        warnings >= 2,
        "the gateway logged {warnings} non-local Host warning(s), expected 2+"
    );
    let log = lab.log_since(m, "run")?;
    let scan = lab.scan("run", Logs::Files(&log_files(&log)), &[])?;
    lab.broken(&scan);
    scan.expect(
        &[("non-local-host-header", Sev::Info)],
        &[&["log-pairing-required"][..], &others(&[])].concat(),
    )?;
    scan.clean(&[])?;
    let msg = scan.message("non-local-host-header");
    ensure!(
        msg.starts_with(&format!("{warnings} loopback connection(s)")),
        "non-local-host-header counts differently from the gateway's {warnings} warnings: {msg}"
    );
    Ok(())
}

/// 2026.7.35: `devices/paired.json` cut off mid-write (a `.bak` the user made beside it).
fn store_unparseable(lab: &mut Lab) -> anyhow::Result<()> {
    lab.write_config(json!({}))?;
    let dev = lab.pair_with_write()?;
    let paired = lab.paired_json();
    let good = std::fs::read(&paired)?;
    std::fs::copy(&paired, paired.with_extension("json.bak"))?;
    let cut = good[..good.len() / 2].to_vec();
    std::fs::write(&paired, &cut)?;
    lab.scan("corrupt", Logs::None, &[])?
        .expect(&[("store-unparseable", Sev::Error)], &[])?;
    let m = lab.log_mark();
    lab.start("broken")?;
    let call = lab.wake("broken-wake", Route::Alias)?;
    ensure!(
        !call.ok(),
        "the paired device connected although paired.json is cut off"
    );
    lab.stop();
    ensure!(
        std::fs::read(&paired)? == cut,
        "the gateway rewrote the broken paired.json"
    );
    let log = lab.log_since(m, "broken")?;
    let scan = lab.scan("broken", Logs::Files(&log_files(&log)), &[])?;
    lab.broken(&scan);
    scan.expect(
        &[("store-unparseable", Sev::Error)],
        &[
            "missing-operator-write",
            "pending-scope-upgrade",
            "pending-pairing-request",
            "device-metadata-drift",
            "legacy-device-metadata",
            "identity-not-paired",
            "public-key-mismatch",
        ],
    )?;
    let msg = scan.message("store-unparseable");
    let refusal = call.refusal();
    let parse_errors = lab.log_lines_since(m, "JsonFileReadError");
    lab.disagrees(
        "2026.7.35 does not treat a cut-off paired.json as empty: every device-identity connect \
         fails with JsonFileReadError and closes 1000 without a reason (no pairing request), but \
         store-unparseable says it is silently treated as empty",
        (msg.contains("empty store")
            && refusal == Some(Refusal::Closed1000)
            && !parse_errors.is_empty())
        .then(|| {
            format!(
                "message: {msg}; client: {refusal:?} ({}); gateway log: {}",
                call.file.display(),
                parse_errors.first().map(String::as_str).unwrap_or_default()
            )
        }),
    )?;
    // and what it says instead must be what the gateway did
    ensure!(
        refusal != Some(Refusal::Closed1000)
            || parse_errors.is_empty()
            || msg.contains("JsonFileReadError"),
        "store-unparseable does not name the JsonFileReadError the gateway logged: {msg}"
    );
    lab.repair(|lab| {
        lab.fix("fix", true)?;
        let fixed = std::fs::read(&paired)?;
        let doc: serde_json::Value =
            serde_json::from_slice(&fixed).context("paired.json after fix is not JSON")?;
        ensure!(
            doc.get(&dev).is_some(),
            "paired.json after fix lacks the old device {dev}"
        );
        lab.scan("fixed", Logs::None, &[])?.clean(&[])?;
        let m = lab.log_mark();
        lab.start("fixed")?;
        lab.wake("fixed-wake", Route::Alias)?.expect_ok()?;
        lab.stop();
        ensure!(
            lab.log_lines_since(m, "device pairing auto-approved")
                .is_empty(),
            "after fix the device was paired anew instead of using its restored record"
        );
        lab.restore_latest("restore")?;
        ensure!(
            std::fs::read(&paired)? == cut,
            "restore-backup did not bring the cut-off file back"
        );
        lab.start("restored")?;
        let again = lab.wake("restored-wake", Route::Alias)?;
        ensure!(
            !again.ok(),
            "after restore-backup the device connects although paired.json is cut off"
        );
        lab.stop();
        Ok(())
    })
}

/// 2026.9.6 with `gateway.nodes.pairing.autoApproveLocal: false`: the alias CLI is not paired
/// silently; claw-doctor's approval advice pairs it.
fn not_paired_strict(lab: &mut Lab) -> anyhow::Result<()> {
    lab.write_config(
        json!({ "gateway": { "nodes": { "pairing": { "autoApproveLocal": false } } } }),
    )?;
    let m = lab.log_mark();
    lab.start("broken")?;
    lab.wake("alias-wake", Route::Alias)?
        .expect_refused(Refusal::NotPaired)?;
    lab.stop();
    let log = lab.log_since(m, "broken")?;
    let scan = lab.scan("broken", Logs::Files(&log_files(&log)), &[])?;
    lab.broken(&scan);
    scan.expect(
        &[
            ("pending-pairing-request", Sev::Warning),
            ("log-pairing-required", Sev::Warning),
            ("non-local-host-header", Sev::Info),
        ],
        &others(&["pending-pairing-request"]),
    )?;
    lab.start("advice")?;
    lab.follow_approve_advice(&scan, "pending-pairing-request")?;
    lab.wake("advised-wake", Route::Alias)?.expect_ok()?;
    lab.stop();
    lab.scan("advised", Logs::None, &[])?.clean(&[])?;
    Ok(())
}

/// 2026.9.6, SQLite store: approve the first request, cut the row's scopes to operator.read with
/// the gateway stopped (autoApproveLocal off, so the upgrade is not approved silently), see the
/// 1008, repair with claw-doctor's break-glass fix.
fn scope_repair_sqlite(lab: &mut Lab) -> anyhow::Result<()> {
    lab.write_config(
        json!({ "gateway": { "nodes": { "pairing": { "autoApproveLocal": false } } } }),
    )?;
    lab.start("pair")?;
    lab.wake("first-wake", Route::Alias)?
        .expect_refused(Refusal::NotPaired)?;
    let first = lab.scan("first-request", Logs::None, &[])?;
    lab.follow_approve_advice(&first, "pending-pairing-request")?;
    lab.wake("approved-wake", Route::Alias)?.expect_ok()?;
    lab.stop();
    let dev = lab.cli_device_id()?;
    lab.scan("paired", Logs::None, &[])?.clean(&[])?;
    lab.set_scopes(&dev, &["operator.read"])?;
    let m = lab.log_mark();
    lab.start("broken")?;
    lab.wake("broken-wake", Route::Alias)?
        .expect_refused(Refusal::ScopeUpgrade)?;
    lab.health("broken-health", Route::Alias)?.expect_ok()?;
    lab.stop();
    let log = lab.log_since(m, "broken")?;
    let scan = lab.scan("broken", Logs::Files(&log_files(&log)), &[])?;
    lab.broken(&scan);
    scan.expect(
        &[
            ("missing-operator-write", Sev::Error),
            ("pending-scope-upgrade", Sev::Error),
            ("log-pairing-required", Sev::Warning),
        ],
        &others(&["missing-operator-write", "pending-scope-upgrade"]),
    )?;
    lab.repair(|lab| {
        lab.fix("fix", true)?;
        let fixed = lab.scan("fixed", Logs::None, &[])?;
        fixed.expect(&[], &["missing-operator-write", "pending-scope-upgrade"])?;
        fixed.clean(&[])?;
        lab.start("fixed")?;
        lab.wake("fixed-wake", Route::Alias)?.expect_ok()?;
        lab.stop();
        lab.restore_latest("restore")?;
        lab.start("restored")?;
        lab.wake("restored-wake", Route::Alias)?
            .expect_refused(Refusal::ScopeUpgrade)?;
        lab.stop();
        Ok(())
    })
}

/// A 2026.7.35 state dir (JSON store, paired CLI) under 2026.9.6 before any import; claw-doctor's
/// advice (`openclaw doctor --fix`, gateway stopped) imports it and the old device still works.
fn legacy_store(lab: &mut Lab) -> anyhow::Result<()> {
    lab.version = V7.to_string();
    lab.write_config(json!({}))?;
    let dev = lab.pair_with_write()?;
    lab.version = V9.to_string();
    let scan = lab.scan("json-era", Logs::None, &["--openclaw-version", V9])?;
    lab.broken(&scan);
    ensure!(
        scan.doc["state"]["era"] == "mixed",
        "era {}, expected mixed",
        scan.doc["state"]["era"]
    );
    scan.expect(
        &[("legacy-store-not-imported", Sev::Warning)],
        &others(&["legacy-store-not-imported"]),
    )?;
    let advice = scan.advice("legacy-store-not-imported");
    ensure!(
        advice.iter().any(|a| a == &["doctor", "--fix"]),
        "legacy-store-not-imported advises {advice:?}, expected `openclaw doctor --fix`"
    );
    lab.patch_config(json!({ "telemetry": { "enabled": false } }))?;
    // the advice as given (no TTY: it runs non-interactively), gateway stopped as it says
    lab.openclaw("advice-doctor-fix", &["doctor", "--fix"], Route::Local)?
        .expect_ok()?;
    lab.rec
        .borrow_mut()
        .advice
        .push("legacy-store-not-imported: doctor --fix".into());
    let scan = lab.scan("imported", Logs::None, &[])?;
    ensure!(
        scan.doc["state"]["era"] == "sqlite",
        "era {} after import",
        scan.doc["state"]["era"]
    );
    scan.expect(&[], &["legacy-store-not-imported", "store-unparseable"])?;
    scan.clean(&[])?;
    let m = lab.log_mark();
    lab.start("imported")?;
    lab.wake("imported-wake", Route::Alias)?.expect_ok()?;
    lab.stop();
    ensure!(
        lab.log_lines_since(m, "device pairing auto-approved")
            .is_empty(),
        "the imported device had to be paired again"
    );
    ensure!(
        lab.cli_device_id()? == dev,
        "the CLI's device id changed in the import"
    );
    Ok(())
}
