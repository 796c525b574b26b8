//! `scan` over every fixture in `fixtures/`: the era, devices, requests, identity, problems and
//! log event counts must match the expectations written (from the raw files, with jq/grep)
//! in each `fixture.toml`; scanning must change nothing; no planted secret may be printed.

mod common;

use common::{Sandbox, fixture_names, planted_secrets, snapshot};
use serde_json::Value;

fn strings(v: &Value, pick: impl Fn(&Value) -> Option<String>) -> Vec<String> {
    let mut out: Vec<String> = v
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(pick)
        .collect();
    out.sort();
    out
}

fn check(name: &str) {
    let sb = Sandbox::new(name);
    let before = snapshot(&sb.state());
    let doc = sb.scan_json();
    let st = &doc["state"];
    let e = &sb.fixture.expect;
    let ctx = format!("fixture {name} ({})", sb.fixture.description);

    assert_eq!(doc["schemaVersion"], 1, "{ctx}");
    assert_eq!(
        st["era"],
        e.era.as_str(),
        "{ctx}: era; reasons {}",
        st["eraDetail"]["reasons"]
    );
    if let Some(live) = &e.live_store {
        assert_eq!(
            st["eraDetail"]["liveStore"],
            live.as_str(),
            "{ctx}: live store"
        );
    }
    let live = |v: &Value| v["live"].as_bool() == Some(true);
    let devices = strings(&st["devices"], |d| {
        live(d)
            .then(|| d["deviceId"].as_str().map(str::to_string))
            .flatten()
    });
    assert_eq!(devices, e.devices, "{ctx}: live paired devices");
    let pending = strings(&st["pending"], |p| {
        live(p)
            .then(|| p["requestId"].as_str().map(str::to_string))
            .flatten()
    });
    assert_eq!(pending, e.pending, "{ctx}: live pending requests");

    let identities = st["identities"].as_array().unwrap();
    let local = identities.iter().find(|i| live(i)).or(identities.first());
    let stored = local
        .and_then(|i| i["storedDeviceId"].as_str())
        .unwrap_or("");
    assert_eq!(stored, e.identity_device_id, "{ctx}: identity deviceId");
    if let (Some(valid), Some(i)) = (e.identity_valid, local) {
        let computed_ok =
            i["computedDeviceId"] == i["storedDeviceId"] && !i["computedDeviceId"].is_null();
        let is_valid = computed_ok
            && i["defects"].as_array().is_some_and(Vec::is_empty)
            && i["privateKeyMatches"] != false;
        assert_eq!(
            is_valid, valid,
            "{ctx}: identity validity; defects {}",
            i["defects"]
        );
    }

    let mut problems = strings(&st["problems"], |p| p["path"].as_str().map(str::to_string));
    problems.dedup();
    let mut expected_problems = e.problems.clone();
    expected_problems.sort();
    assert_eq!(
        problems, expected_problems,
        "{ctx}: load problems {}",
        st["problems"]
    );

    if !e.log_events.is_empty() {
        let totals = &st["logs"]["summary"]["totals"];
        for (kind, want) in &e.log_events {
            let camel = kind
                .split('_')
                .enumerate()
                .map(|(i, w)| {
                    if i == 0 {
                        w.to_string()
                    } else {
                        w[..1].to_uppercase() + &w[1..]
                    }
                })
                .collect::<String>();
            let got = totals[&camel].as_u64().unwrap_or(0);
            assert_eq!(got, *want, "{ctx}: log events {camel}; totals {totals}");
        }
    }

    assert!(
        snapshot(&sb.state()) == before,
        "{ctx}: scan changed the state dir"
    );

    let secrets = planted_secrets(&sb.state());
    for format in ["human", "markdown", "json"] {
        let out = sb.run(&["scan", "--format", format, "--color", "always"]);
        let text = String::from_utf8_lossy(&out.stdout);
        for s in &secrets {
            assert!(
                !text.contains(s.as_str()),
                "{ctx}: {format} output leaks a planted secret ({} chars)",
                s.len()
            );
        }
        if format != "human" {
            assert!(
                !text.contains('\x1b'),
                "{ctx}: {format} output has escape bytes"
            );
        }
    }
}

#[test]
fn every_fixture_scans_as_expected() {
    let names = fixture_names();
    assert!(names.len() >= 3, "fixtures missing: {names:?}");
    let mut failures = Vec::new();
    for name in &names {
        if let Err(e) = std::panic::catch_unwind(|| check(name)) {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()));
            failures.push(msg.unwrap_or_else(|| format!("{name}: panicked")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} fixtures failed:\n{}",
        failures.len(),
        names.len(),
        failures.join("\n\n")
    );
}

#[test]
fn fixtures_cover_every_era() {
    let eras: std::collections::BTreeSet<String> = fixture_names()
        .iter()
        .map(|n| Sandbox::new(n).fixture.expect.era.clone())
        .collect();
    for era in ["json", "sqlite", "mixed", "empty"] {
        assert!(eras.contains(era), "no fixture of era {era}");
    }
}

/// `--no-state` reads the logs only: the same log findings, no state finding, no state in the
/// document, and a state dir that does not even exist is no error.
#[test]
fn no_state_scans_only_the_logs() {
    let sb = common::Sandbox::new("json-scope-upgrade");
    let full = sb.scan_json();
    let ids = |doc: &serde_json::Value| -> Vec<String> {
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["checkId"].as_str().unwrap().to_string())
            .collect()
    };
    let all = ids(&full);
    assert!(
        all.iter().any(|id| !id.starts_with("log-")),
        "the fixture has state findings: {all:?}"
    );
    let out = sb.run(&["scan", "--no-state", "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["state"]["era"], "not-read");
    assert_eq!(doc["state"]["devices"], serde_json::json!([]));
    let logs_only: Vec<String> = all
        .into_iter()
        .filter(|id| id.starts_with("log-"))
        .collect();
    assert!(!logs_only.is_empty());
    assert_eq!(ids(&doc), logs_only, "exactly the log findings");
    assert_eq!(
        doc["state"]["logs"]["summary"],
        full["state"]["logs"]["summary"]
    );

    let human = sb.run(&["scan", "--no-state"]);
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(text.contains("not read (--no-state)"), "{text}");
    assert!(
        !text.contains("Device identity"),
        "state checks are not listed: {text}"
    );

    let mut cmd = assert_cmd::Command::cargo_bin("claw-doctor").unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let log = sb.src.join("logs/openclaw-2026-11-21.log");
    let out = cmd
        .env("HOME", tmp.path())
        .args(["scan", "--no-state", "--format", "json", "--state-dir"])
        .arg(tmp.path().join("missing"))
        .arg("--log")
        .arg(&log)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(ids(&doc), logs_only);
}
