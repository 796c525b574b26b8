//! End to end, per fixable rule: copy a fixture, `fix --dry-run` changes nothing, `fix --yes`
//! makes the finding go away, `restore-backup --latest --yes` brings back every byte and mode.
//! Plus crash injection at each write step, refusal while a gateway runs, and the lock.

mod common;

use common::{Sandbox, diff, tree};
use std::os::unix::fs::{MetadataExt, PermissionsExt};

fn check_ids(sb: &Sandbox) -> Vec<String> {
    sb.scan_json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["checkId"].as_str().unwrap().to_string())
        .collect()
}

fn text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn write(sb: &Sandbox, rel: &str, content: &str) {
    let p = sb.state().join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, content).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
}

fn edit_json(sb: &Sandbox, rel: &str, f: impl FnOnce(&mut serde_json::Value)) {
    let p = sb.state().join(rel);
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
    f(&mut v);
    std::fs::write(&p, serde_json::to_string_pretty(&v).unwrap()).unwrap();
}

/// The whole cycle for one rule. Returns the fix's output for extra assertions.
fn cycle(sb: &Sandbox, check_id: &str, break_glass: bool) -> String {
    assert!(
        check_ids(sb).iter().any(|c| c == check_id),
        "{}: {check_id} does not fire before the fix",
        sb.name
    );
    let start = tree(&sb.state());

    let mut dry = vec!["fix", "--dry-run", "--only", check_id];
    if break_glass {
        dry.push("--break-glass");
    }
    let out = sb.run(&dry);
    assert_eq!(out.status.code(), Some(1), "dry run: {}", text(&out));
    assert!(
        diff(&start, &tree(&sb.state())).is_empty(),
        "dry run changed the state"
    );
    let sets = |sb: &Sandbox| {
        std::fs::read_dir(sb.state().join(".claw-doctor/backups"))
            .map(|d| d.count())
            .unwrap_or(0)
    };
    let sets_before = sets(sb);

    let mut fix = vec!["fix", "--yes", "--only", check_id];
    if break_glass {
        fix.push("--break-glass");
    }
    let out = sb.run(&fix);
    let fixed = text(&out);
    assert_ne!(out.status.code(), Some(2), "fix failed: {fixed}");
    assert!(
        fixed.contains("applied ") && fixed.contains(check_id),
        "{fixed}"
    );
    assert_eq!(sets(sb), sets_before + 1, "one backup set per run");
    assert!(
        !check_ids(sb).iter().any(|c| c == check_id),
        "{check_id} still reported after the fix: {fixed}"
    );
    assert!(
        !diff(&start, &tree(&sb.state())).is_empty(),
        "fix changed nothing"
    );

    let out = sb.run(&["restore-backup", "--latest", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "restore: {}", text(&out));
    let d = diff(&start, &tree(&sb.state()));
    assert!(d.is_empty(), "{check_id}: not restored exactly: {d:?}");
    assert!(check_ids(sb).iter().any(|c| c == check_id));
    fixed
}

#[test]
fn missing_operator_write_json_touches_every_copy_of_the_scopes() {
    let sb = Sandbox::new("json-scope-upgrade");
    let state = sb.state();
    let before: serde_json::Value =
        serde_json::from_slice(&std::fs::read(state.join("devices/pending.json")).unwrap())
            .unwrap();
    assert!(!before.as_object().unwrap().is_empty());
    // Check the repaired files before restoring: run the fix by hand first.
    let out = sb.run(&[
        "fix",
        "--yes",
        "--break-glass",
        "--only",
        "missing-operator-write",
    ]);
    assert_ne!(out.status.code(), Some(2), "{}", text(&out));
    let paired: serde_json::Value =
        serde_json::from_slice(&std::fs::read(state.join("devices/paired.json")).unwrap()).unwrap();
    let (_, rec) = paired.as_object().unwrap().iter().next().unwrap();
    for scopes in [
        &rec["scopes"],
        &rec["approvedScopes"],
        &rec["tokens"]["operator"]["scopes"],
    ] {
        let s: Vec<&str> = scopes
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert!(
            s.contains(&"operator.write") && s.contains(&"operator.read"),
            "{scopes}"
        );
    }
    let cache: serde_json::Value =
        serde_json::from_slice(&std::fs::read(state.join("identity/device-auth.json")).unwrap())
            .unwrap();
    assert!(
        cache["tokens"]["operator"]["scopes"]
            .as_array()
            .unwrap()
            .contains(&"operator.write".into())
    );
    let pending = std::fs::read_to_string(state.join("devices/pending.json")).unwrap();
    assert_eq!(
        pending, "{}",
        "the satisfied request is dropped, OpenClaw's own format"
    );
    let mode = std::fs::metadata(state.join("devices/paired.json"))
        .unwrap()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
    let out = sb.run(&["restore-backup", "--latest", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    cycle(&sb, "missing-operator-write", true);
}

#[test]
fn missing_operator_write_sqlite() {
    let sb = Sandbox::new("sqlite-metadata-upgrade");
    cycle(&sb, "missing-operator-write", true);
}

#[test]
fn unsafe_fixes_need_break_glass() {
    let sb = Sandbox::new("json-scope-upgrade");
    let start = tree(&sb.state());
    let out = sb.run(&["fix", "--yes", "--only", "missing-operator-write"]);
    assert!(text(&out).contains("--break-glass"), "{}", text(&out));
    assert!(diff(&start, &tree(&sb.state())).is_empty());
}

#[test]
fn state_file_permissions() {
    let sb = Sandbox::new("json-healthy");
    std::fs::set_permissions(
        sb.state().join("identity/device.json"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    cycle(&sb, "state-file-permissions", false);
}

#[test]
fn store_unparseable_moves_a_broken_store_aside() {
    cycle(&Sandbox::new("broken-stores"), "store-unparseable", true);
}

#[test]
fn store_unparseable_restores_a_valid_copy() {
    let sb = Sandbox::new("json-healthy");
    let good = std::fs::read_to_string(sb.state().join("devices/paired.json")).unwrap();
    write(&sb, "devices/paired.json.bak", &good);
    write(&sb, "devices/paired.json", "{ truncated");
    cycle(&sb, "store-unparseable", true);
    sb.run(&[
        "fix",
        "--yes",
        "--break-glass",
        "--only",
        "store-unparseable",
    ]);
    assert_eq!(
        std::fs::read_to_string(sb.state().join("devices/paired.json")).unwrap(),
        good
    );
}

#[test]
fn insecure_auth_flag_json_and_json5_keep_the_rest_of_the_config() {
    cycle(
        &Sandbox::new("json-insecure-auth"),
        "insecure-auth-flag",
        true,
    );
    let sb = Sandbox::new("sqlite-insecure-auth");
    let cfg = sb.state().join("openclaw.json");
    let text5 = format!(
        "// hand-written\n{}",
        std::fs::read_to_string(&cfg).unwrap()
    );
    std::fs::write(&cfg, &text5).unwrap();
    cycle(&sb, "insecure-auth-flag", true);
    sb.run(&[
        "fix",
        "--yes",
        "--break-glass",
        "--only",
        "insecure-auth-flag",
    ]);
    let after = std::fs::read_to_string(&cfg).unwrap();
    assert!(after.starts_with("// hand-written\n") && !after.contains("allowInsecureAuth"));
}

#[test]
fn unknown_config_keys_removes_invented_keys_and_keeps_migratable_ones() {
    let sb = Sandbox::new("sqlite-healthy");
    let cfg = sb.state().join("openclaw.json");
    write(
        &sb,
        "openclaw.json",
        r#"// hand-written
{
  gateway: {
    mode: "local", port: 28789, bind: "loopback",
    auth: { mode: "token", token: "lab-token-AAAAAAAAAAAAAAAAAAAAAAAA", pairing: "disabled" },
    localExec: { requirePairing: false },
  },
  telemetry: { enabled: false },
}
"#,
    );
    cycle(&sb, "unknown-config-keys", true);

    // `web` is 2026.9.6's own migration's to move (to channels.whatsapp.enabled): kept.
    edit_json5_add_web(&cfg);
    let out = sb.run(&[
        "fix",
        "--yes",
        "--break-glass",
        "--only",
        "unknown-config-keys",
    ]);
    assert_ne!(out.status.code(), Some(2), "{}", text(&out));
    let after = std::fs::read_to_string(&cfg).unwrap();
    assert!(after.starts_with("// hand-written\n"), "{after}");
    assert!(
        !after.contains("pairing") && !after.contains("localExec"),
        "{after}"
    );
    assert!(
        after.contains("web: { enabled: false }") && after.contains("telemetry"),
        "{after}"
    );
    let findings = sb.scan_json()["findings"].clone();
    let left: Vec<_> = findings
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["checkId"] == "unknown-config-keys")
        .map(|f| (f["subject"]["key"].clone(), f["severity"].clone()))
        .collect();
    assert_eq!(
        left,
        vec![(serde_json::json!("web"), serde_json::json!("info"))]
    );
}

fn edit_json5_add_web(cfg: &std::path::Path) {
    let text = std::fs::read_to_string(cfg).unwrap();
    let text = text.replacen(
        "  telemetry:",
        "  web: { enabled: false },\n  telemetry:",
        1,
    );
    std::fs::write(cfg, text).unwrap();
}

#[test]
fn untrusted_proxy_headers() {
    cycle(
        &Sandbox::new("json-not-paired-proxy"),
        "untrusted-proxy-headers",
        true,
    );
}

#[test]
fn trusted_proxies_cidr() {
    cycle(
        &Sandbox::new("json-trusted-proxies-cidr"),
        "trusted-proxies-cidr",
        true,
    );
}

#[test]
fn gateway_token_drift_rewrites_the_env_line() {
    cycle(
        &Sandbox::new("json-token-drift"),
        "gateway-token-drift",
        true,
    );
}

#[test]
fn retired_identity_file_present() {
    let sb = Sandbox::new("sqlite-healthy");
    write(
        &sb,
        "identity/device.json",
        "{\"version\":1,\"deviceId\":\"x\"}",
    );
    cycle(&sb, "retired-identity-file-present", false);
}

#[test]
fn device_token_stale() {
    let sb = Sandbox::new("json-healthy");
    edit_json(&sb, "identity/device-auth.json", |v| {
        v["tokens"]["operator"]["scopes"] = serde_json::json!(["operator.read"]);
    });
    cycle(&sb, "device-token-stale", true);
}

#[test]
fn scope_baseline_inconsistent() {
    let sb = Sandbox::new("json-healthy");
    edit_json(&sb, "devices/paired.json", |v| {
        for (_, rec) in v.as_object_mut().unwrap() {
            rec["scopes"]
                .as_array_mut()
                .unwrap()
                .push("operator.admin".into());
        }
    });
    cycle(&sb, "scope-baseline-inconsistent", true);
}

#[test]
fn legacy_device_metadata() {
    let sb = Sandbox::new("json-healthy");
    edit_json(&sb, "devices/paired.json", |v| {
        for (_, rec) in v.as_object_mut().unwrap() {
            let o = rec.as_object_mut().unwrap();
            o.shift_remove("roles");
            o.shift_remove("approvedScopes");
        }
    });
    cycle(&sb, "legacy-device-metadata", true);
}

#[test]
fn config_unparseable_restores_last_good() {
    let sb = Sandbox::new("json-healthy");
    let good = std::fs::read_to_string(sb.state().join("openclaw.json")).unwrap();
    write(&sb, "openclaw.json.last-good", &good);
    write(&sb, "openclaw.json", "{ gateway: ");
    cycle(&sb, "config-unparseable", true);
}

#[test]
fn identity_invalid_restores_a_checked_copy() {
    let sb = Sandbox::new("json-healthy");
    let good = std::fs::read_to_string(sb.state().join("identity/device.json")).unwrap();
    write(&sb, "identity/device.json.bak", &good);
    write(
        &sb,
        "identity/device.json",
        "{\"version\": 1, \"deviceId\": \"broken\"}",
    );
    cycle(&sb, "identity-invalid", true);
}

#[test]
fn a_live_gateway_on_the_state_refuses_the_fix() {
    let sb = Sandbox::new("json-scope-upgrade");
    let start = tree(&sb.state());
    // A live gateway as /proc (under the sandbox's sysroot) and its lock show it.
    let proc_dir = sb.tmp.path().join("sysroot/proc/575");
    std::fs::create_dir_all(&proc_dir).unwrap();
    std::fs::write(proc_dir.join("cmdline"), "openclaw-gateway\0").unwrap();
    std::fs::write(
        proc_dir.join("stat"),
        "575 (openclaw-gatewa) S 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 249382 0\n",
    )
    .unwrap();
    let uid = std::fs::metadata(sb.state()).unwrap().uid();
    let lock_dir = sb.state().join(format!("tmp/openclaw-{uid}"));
    std::fs::create_dir_all(&lock_dir).unwrap();
    let state = sb.state().display().to_string();
    std::fs::write(
        lock_dir.join("gateway.state.lock"),
        format!(
            "{{\"pid\": 575, \"configPath\": \"{state}/openclaw.json\", \"startTime\": 249382, \"stateDir\": \"{state}\", \"role\": \"gateway\"}}"
        ),
    )
    .unwrap();
    let with_lock = tree(&sb.state());
    let out = sb.run(&["fix", "--yes", "--break-glass"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("gateway is running") && text(&out).contains("575"),
        "{}",
        text(&out)
    );
    assert!(
        diff(&with_lock, &tree(&sb.state())).is_empty(),
        "something was written"
    );
    std::fs::remove_dir_all(sb.state().join("tmp")).unwrap();
    assert!(diff(&start, &tree(&sb.state())).is_empty());
}

#[test]
fn without_a_terminal_or_yes_nothing_changes() {
    let sb = Sandbox::new("json-scope-upgrade");
    let start = tree(&sb.state());
    let out = sb.run(&["fix", "--break-glass"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("--yes"));
    assert!(diff(&start, &tree(&sb.state())).is_empty());
}

#[test]
fn restore_refuses_files_changed_since_unless_forced() {
    let sb = Sandbox::new("json-scope-upgrade");
    let start = tree(&sb.state());
    let out = sb.run(&[
        "fix",
        "--yes",
        "--break-glass",
        "--only",
        "missing-operator-write",
    ]);
    assert_ne!(out.status.code(), Some(2), "{}", text(&out));
    write(&sb, "devices/paired.json", "{}");
    let out = sb.run(&["restore-backup", "--latest", "--yes"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("--force"));
    let out = sb.run(&["restore-backup", "--latest", "--yes", "--force"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(diff(&start, &tree(&sb.state())).is_empty());
    // The overwritten "{}" is itself kept: the restore went into a new set.
    let list = text(&sb.run(&["restore-backup", "--list"]));
    assert!(list.contains("restore-backup"), "{list}");
}

/// A crash (abort) at every write step, both eras: the state still scans, and restore brings
/// back the exact original.
#[test]
fn a_crash_at_any_step_is_recoverable() {
    for (fixture, rule) in [
        ("json-scope-upgrade", "missing-operator-write"),
        ("sqlite-metadata-upgrade", "missing-operator-write"),
    ] {
        for step in [
            "after-backup",
            "after-temp-write",
            "before-rename",
            "after-rename",
        ] {
            let sb = Sandbox::new(fixture);
            let start = tree(&sb.state());
            let mut cmd = assert_cmd::Command::cargo_bin("claw-doctor").unwrap();
            let out = cmd
                .env("HOME", sb.tmp.path().join("home"))
                .env("TMPDIR", sb.tmp.path().join("tmp"))
                .env("CLAW_DOCTOR_SYSROOT", sb.tmp.path().join("sysroot"))
                .env("CLAW_DOCTOR_FAILPOINT", step)
                .args(["fix", "--yes", "--break-glass", "--only", rule, "--no-logs"])
                .arg("--state-dir")
                .arg(sb.state())
                .arg("--now")
                .arg(&sb.fixture.now)
                .output()
                .unwrap();
            assert!(
                !out.status.success() && text(&out).contains(&format!("failpoint {step}")),
                "{fixture} {step}: did not stop there: {}",
                text(&out)
            );
            let scan = sb.run(&["scan", "--format", "json"]);
            assert_ne!(
                scan.status.code(),
                Some(2),
                "{fixture} {step}: scan: {}",
                text(&scan)
            );
            let out = sb.run(&["restore-backup", "--latest", "--yes"]);
            assert_eq!(
                out.status.code(),
                Some(0),
                "{fixture} {step}: {}",
                text(&out)
            );
            let d = diff(&start, &tree(&sb.state()));
            // Temp files of the killed run are ours and named so; nothing else may differ.
            let d: Vec<_> = d
                .into_iter()
                .filter(|x| !x.contains(".claw-doctor-tmp"))
                .collect();
            assert!(d.is_empty(), "{fixture} {step}: {d:?}");
        }
    }
}

#[test]
fn approval_deadlock_grants_the_local_device_what_it_needs() {
    let sb = Sandbox::new("json-scope-creep");
    edit_json(&sb, "openclaw.json", |v| {
        v["gateway"]["bind"] = "lan".into();
    });
    cycle(&sb, "approval-deadlock", true);
}

#[test]
fn pending_entry_malformed_removes_the_entry_by_its_key() {
    let sb = Sandbox::new("json-scope-upgrade");
    edit_json(&sb, "devices/pending.json", |v| {
        v["broken"] = serde_json::Value::Null;
    });
    cycle(&sb, "pending-entry-malformed", false);
    sb.run(&["fix", "--yes", "--only", "pending-entry-malformed"]);
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(sb.state().join("devices/pending.json")).unwrap())
            .unwrap();
    assert!(v.get("broken").is_none(), "{v}");
    assert!(
        v.get("5e525831-e396-41eb-bb30-c19c1a265047").is_some(),
        "the well-formed request stays: {v}"
    );
}

#[test]
fn pending_request_expired_prunes_it() {
    let sb = Sandbox::new("json-scope-upgrade");
    edit_json(&sb, "devices/pending.json", |v| {
        v["5e525831-e396-41eb-bb30-c19c1a265047"]["ts"] = serde_json::json!(1795250000000u64);
    });
    cycle(&sb, "pending-request-expired", false);
}

#[test]
fn bind_invalid_value_and_gateway_mode_missing_set_only_their_key() {
    let sb = Sandbox::new("json-healthy");
    edit_json(&sb, "openclaw.json", |v| {
        v["gateway"]["bind"] = "0.0.0.0".into()
    });
    cycle(&sb, "bind-invalid-value", true);
    let sb = Sandbox::new("sqlite-healthy");
    edit_json(&sb, "openclaw.json", |v| {
        v["gateway"].as_object_mut().unwrap().remove("mode");
    });
    cycle(&sb, "gateway-mode-missing", true);
    sb.run(&[
        "fix",
        "--yes",
        "--break-glass",
        "--only",
        "gateway-mode-missing",
    ]);
    let cfg: serde_json::Value =
        serde_json::from_slice(&std::fs::read(sb.state().join("openclaw.json")).unwrap()).unwrap();
    assert_eq!(cfg["gateway"]["mode"], "local");
    assert_eq!(cfg["gateway"]["bind"], "loopback", "nothing else changes");
}

#[test]
fn paired_store_legacy_array_is_keyed_by_device_and_restored() {
    let sb = Sandbox::new("legacy-array");
    let array: serde_json::Value =
        serde_json::from_slice(&std::fs::read(sb.state().join("devices/paired.json")).unwrap())
            .unwrap();
    cycle(&sb, "paired-store-legacy-array", true);
    sb.run(&[
        "fix",
        "--yes",
        "--break-glass",
        "--only",
        "paired-store-legacy-array",
    ]);
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(sb.state().join("devices/paired.json")).unwrap())
            .unwrap();
    let id = array[0]["deviceId"].as_str().unwrap();
    assert_eq!(
        v[id], array[0],
        "the entry, unchanged, under its deviceId: {v}"
    );
    let scan = sb.scan_json();
    assert!(
        scan["state"]["devices"]
            .as_array()
            .is_some_and(|d| d.iter().any(|r| r["deviceId"] == id)),
        "the device is in the live store after the fix"
    );
}

#[test]
fn paired_store_legacy_array_with_an_unkeyable_entry_is_not_rewritten() {
    let sb = Sandbox::new("legacy-array");
    std::fs::write(
        sb.state().join("devices/paired.json"),
        r#"[{"clientId": "cli", "role": "operator"}, {"deviceId": "a", "publicKey": "k"}]"#,
    )
    .unwrap();
    let before = tree(&sb.state());
    let out = sb.run(&[
        "fix",
        "--yes",
        "--break-glass",
        "--only",
        "paired-store-legacy-array",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("not applied"), "{}", text(&out));
    assert!(
        diff(&before, &tree(&sb.state())).is_empty(),
        "nothing written"
    );
}
