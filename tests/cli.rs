//! The command line's contract: exit codes, one-line errors, help, colour rules.

mod common;

use assert_cmd::Command;

fn bin() -> Command {
    let mut c = Command::cargo_bin("claw-doctor").unwrap();
    for (k, _) in std::env::vars() {
        if k.starts_with("OPENCLAW_") || k.starts_with("CLAW_DOCTOR") {
            c.env_remove(k);
        }
    }
    c
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn help_has_examples_and_exit_codes() {
    let out = bin().arg("--help").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    for cmd in [
        "scan",
        "fix",
        "restore-backup",
        "report",
        "rules",
        "explain",
    ] {
        assert!(text.contains(cmd), "--help lacks {cmd}");
    }
    assert!(text.contains("Examples:") && text.contains("Exit codes"));
}

#[test]
fn missing_state_dir_exits_2_with_one_line() {
    let tmp = tempfile::tempdir().unwrap();
    let out = bin()
        .args(["scan", "--state-dir"])
        .arg(tmp.path().join("nope"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("--state-dir"), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn default_location_without_state_exits_2() {
    let tmp = tempfile::tempdir().unwrap();
    let out = bin()
        .arg("scan")
        .env("HOME", tmp.path())
        .env_remove("USERPROFILE")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains(".openclaw"), "{}", stderr(&out));
}

#[test]
fn bad_arguments_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    for args in [
        vec!["scan", "--now", "yesterday"],
        vec!["scan", "--openclaw-version", "7"],
        vec!["scan", "--profile", "../etc"],
        vec!["scan", "--format", "yaml"],
        vec!["scan", "--no-logs", "--log", "x.log"],
        vec!["frobnicate"],
    ] {
        let out = bin()
            .args(&args)
            .arg("--state-dir")
            .arg(tmp.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(!stderr(&out).is_empty(), "{args:?} gave no reason");
    }
}

#[test]
fn empty_state_dir_scans_clean() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let out = bin()
        .args(["scan", "--format", "json", "--no-logs", "--state-dir"])
        .arg(tmp.path())
        .env("HOME", home.path())
        .env("CLAW_DOCTOR_SYSROOT", home.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["state"]["era"], "empty");
    assert_eq!(v["ok"], true);
    assert_eq!(v["findings"], serde_json::json!([]));
    assert_eq!(v["tool"]["name"], "claw-doctor");
}

#[test]
fn no_color_env_and_never_flag_win() {
    let names = common::fixture_names();
    let sb = common::Sandbox::new(names.first().expect("a fixture"));
    let mut c = bin();
    let out = c
        .args([
            "scan",
            "--format",
            "human",
            "--color",
            "always",
            "--no-logs",
            "--state-dir",
        ])
        .arg(sb.state())
        .env("NO_COLOR", "1")
        .env("HOME", sb.tmp.path().join("home"))
        .output()
        .unwrap();
    assert!(
        !out.stdout.contains(&0x1b),
        "NO_COLOR must win over --color always"
    );
    let out = bin()
        .args(["scan", "--color", "always", "--no-logs", "--state-dir"])
        .arg(sb.state())
        .env("HOME", sb.tmp.path().join("home"))
        .output()
        .unwrap();
    assert!(
        out.stdout.contains(&0x1b),
        "--color always colours when piped"
    );
}

#[test]
fn rules_and_explain_come_from_the_rule_files() {
    let out = bin().args(["rules", "--format", "json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = doc["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["checkId"].as_str().unwrap())
        .collect();
    let on_disk = std::fs::read_dir(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules"))
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .flat_map(|d| std::fs::read_dir(d.path()).unwrap().filter_map(Result::ok))
        .filter(|f| f.path().extension().is_some_and(|x| x == "toml"))
        .count();
    assert_eq!(ids.len(), on_disk, "every rule file is embedded");
    assert!(ids.contains(&"pending-pairing-request"));
    // issue 7's contract: every catalog id is listed, with its docs and both kinds of cases
    let catalog = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/catalog.txt"),
    )
    .unwrap();
    for id in catalog
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_whitespace().next())
    {
        assert!(ids.contains(&id), "catalog id {id} is not listed");
    }
    for r in doc["rules"].as_array().unwrap() {
        let id = &r["checkId"];
        for part in ["checks", "why", "fix", "safety"] {
            let text = r["docs"][part].as_str().unwrap_or_default();
            assert!(text.trim().len() > 20, "{id}: docs.{part} is empty");
        }
        assert!(
            r["cases"]["fire"].as_u64() >= Some(1),
            "{id}: {}",
            r["cases"]
        );
        assert!(
            r["cases"]["silent"].as_u64() >= Some(1),
            "{id}: {}",
            r["cases"]
        );
    }

    let out = bin()
        .args(["explain", "pending-pairing-request"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    for heading in [
        "## What it checks",
        "## Why it matters",
        "## How to fix it by hand",
        "## Fix safety",
        "openclaw devices approve",
    ] {
        assert!(text.contains(heading), "missing {heading}:\n{text}");
    }

    let out = bin()
        .args(["explain", "pending-pairing-reqest"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("did you mean `pending-pairing-request`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_broken_user_rule_stops_the_run_with_its_location() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("my-check.toml"),
        "id = \"my-check\"\narea = \"pairing\"\nseverity = \"warning\"\ntitle = \"t\"\nmessage = \"m\"\nwhere = \"len(devics) > 0\"\nsubject = { kind = \"state\" }\n[fix]\nkind = \"manual\"\nsummary = \"s\"\n[docs]\nchecks = \"c\"\nwhy = \"w\"\nfix = \"f\"\nsafety = \"s\"\n",
    )
    .unwrap();
    let out = bin()
        .args(["rules", "--rules"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("my-check.toml")
            && err.contains("`where`")
            && err.contains("did you mean `devices`"),
        "{err}"
    );
    std::fs::write(
        dir.path().join("my-check.toml"),
        std::fs::read_to_string(dir.path().join("my-check.toml"))
            .unwrap()
            .replace("devics", "devices"),
    )
    .unwrap();
    let out = bin()
        .args(["rules", "--format", "json", "--rules"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"my-check\""));
}

#[test]
fn a_user_rule_failing_at_run_time_makes_the_result_incomplete() {
    let dir = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad-range.toml"),
        "id = \"bad-range\"\narea = \"pairing\"\nseverity = \"warning\"\ntitle = \"t\"\nmessage = \"m\"\nwhere = \"version_in('>=' + 'x')\"\nsubject = { kind = \"state\" }\n[fix]\nkind = \"manual\"\nsummary = \"s\"\n[docs]\nchecks = \"c\"\nwhy = \"w\"\nfix = \"f\"\nsafety = \"s\"\n",
    )
    .unwrap();
    let out = bin()
        .args(["scan", "--no-logs", "--format", "json", "--rules"])
        .arg(dir.path())
        .arg("--state-dir")
        .arg(state.path())
        .env("CLAW_DOCTOR_SYSROOT", state.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["ok"], false);
    let failed = &doc["rules"]["failed"][0];
    assert_eq!(failed["checkId"], "bad-range");
    assert_eq!(failed["builtin"], false);
    assert!(
        failed["source"]
            .as_str()
            .unwrap()
            .ends_with("bad-range.toml")
    );
}

#[test]
fn completions_are_generated_for_each_shell() {
    for shell in ["bash", "zsh", "fish"] {
        let out = bin().args(["completions", shell]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("claw-doctor") && text.contains("restore-backup"),
            "{shell}"
        );
    }
    let out = bin().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "unknown shells are a usage error"
    );
}

/// The progress bar is for a terminal only: a scan whose bar would show at once (no delay)
/// writes nothing of it into a pipe.
#[test]
fn no_progress_bar_when_stderr_is_not_a_terminal() {
    let log = common::fixtures_dir().join("json-scope-creep/logs/openclaw-2026-11-21.log");
    let out = bin()
        .args(["scan", "--no-state", "--format", "json", "--log"])
        .arg(&log)
        .env("CLAW_DOCTOR_PROGRESS_DELAY_MS", "0")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        !err.contains("reading gateway logs") && !err.contains('\r') && !err.contains('\u{1b}'),
        "{err:?}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("log-pairing-required"));
}

#[test]
fn fix_on_a_healthy_state_says_nothing_to_change_once_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    common::copy_tree(&common::fixtures_dir().join("json-healthy"), &state);
    let out = bin()
        .args(["fix", "--yes", "--no-logs", "--state-dir"])
        .arg(&state)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.matches("nothing to change").count(), 1, "{text}");
    assert!(!state.join(".claw-doctor/backups").exists());
}
