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
fn unfinished_commands_say_so_and_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    for args in [
        vec!["fix", "--dry-run"],
        vec!["restore-backup", "--list"],
        vec!["report"],
        vec!["rules"],
        vec!["explain", "x"],
    ] {
        let out = bin()
            .args(&args)
            .arg("--state-dir")
            .arg(tmp.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&out).contains("not available yet") || stderr(&out).contains("no rules"),
            "{args:?}: {}",
            stderr(&out)
        );
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
