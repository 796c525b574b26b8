//! Crash safety under `kill -9`: a real `claw-doctor fix --yes --break-glass` is SIGKILLed at
//! random points, over a fixture of each era. Half the runs stop at a random failpoint
//! (`CLAW_DOCTOR_FAILPOINT=pause@N`: the N-th durable step, where the process then waits to be
//! killed), half are killed after a random delay (anywhere, between the steps too). After
//! each kill `scan` must still read a consistent state (no store, config or identity that no
//! longer parses) and `restore-backup --latest --yes` must bring back every byte and mode.
//!
//! `CLAW_KILL_RUNS` (per era, default 20) sets the count; `CLAW_KILL_SEED` replays a run.

mod common;

use common::{Sandbox, diff, tree};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// xorshift64*: the loop needs reproducible randomness, not quality.
struct Rng(u64);
impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n.max(1)
    }
}

fn fix_command(sb: &Sandbox, failpoint: Option<&str>) -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("claw-doctor"));
    for (k, _) in std::env::vars() {
        if k.starts_with("OPENCLAW_") || k.starts_with("CLAW_DOCTOR") {
            cmd.env_remove(&k);
        }
    }
    cmd.env("HOME", sb.tmp.path().join("home"))
        .env("TMPDIR", sb.tmp.path().join("tmp"))
        .env("CLAW_DOCTOR_SYSROOT", sb.tmp.path().join("sysroot"))
        .args(["fix", "--yes", "--break-glass", "--no-logs", "--state-dir"])
        .arg(sb.state())
        .arg("--now")
        .arg(&sb.fixture.now)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if let Some(fp) = failpoint {
        cmd.env("CLAW_DOCTOR_FAILPOINT", fp);
    }
    cmd
}

/// Failpoints one uninterrupted fix crosses, and how long it takes.
fn calibrate(fixture: &str) -> (u64, Duration) {
    let sb = Sandbox::new(fixture);
    let t = Instant::now();
    let out = fix_command(&sb, Some("trace")).output().unwrap();
    let took = t.elapsed();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{fixture}: the fix fails: {err}"
    );
    let crossed = err.lines().filter(|l| l.ends_with(": crossed")).count() as u64;
    assert!(
        crossed >= 8,
        "{fixture}: only {crossed} failpoints crossed: {err}"
    );
    (crossed, took)
}

/// Ids of findings that mean a file no longer parses.
fn broken_files(sb: &Sandbox) -> Vec<String> {
    let out = sb.run(&["scan", "--format", "json"]);
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "scan could not run: {text}"
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("scan prints JSON");
    let mut ids: Vec<String> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["checkId"].as_str().unwrap().to_string())
        .filter(|id| {
            matches!(
                id.as_str(),
                "store-unparseable" | "config-unparseable" | "identity-invalid"
            )
        })
        .collect();
    ids.sort();
    ids
}

fn kill_loop(fixture: &str) {
    let runs: u64 = std::env::var("CLAW_KILL_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let seed: u64 = std::env::var("CLAW_KILL_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    let mut rng = Rng(seed);
    let (crossings, full) = calibrate(fixture);
    let broken_at_start = broken_files(&Sandbox::new(fixture));
    let (mut paused, mut delayed, mut finished, mut before_any_set) = (0, 0, 0, 0);
    for run in 0..runs {
        let sb = Sandbox::new(fixture);
        let start = tree(&sb.state());
        let at_failpoint = run % 2 == 0;
        let what = if at_failpoint {
            format!("pause@{}", 1 + rng.below(crossings))
        } else {
            format!("{} us", rng.below(full.as_micros() as u64))
        };
        let ctx = format!("{fixture} run {run} ({what}, CLAW_KILL_SEED={seed})");
        let mut child = fix_command(&sb, at_failpoint.then_some(what.as_str()))
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        // Read stderr on a thread: the pause line, or EOF when the process ends first.
        let (tx, rx) = std::sync::mpsc::channel();
        let reader = std::thread::spawn(move || {
            let mut seen = String::new();
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if line.contains("waiting to be killed") {
                    let _ = tx.send(true);
                }
                seen.push_str(&line);
                seen.push('\n');
            }
            let _ = tx.send(false);
            seen
        });
        if at_failpoint {
            let got = rx.recv_timeout(Duration::from_secs(60));
            assert!(got.is_ok(), "{ctx}: neither paused nor ended in 60 s");
            if got == Ok(true) {
                paused += 1;
            }
        } else {
            std::thread::sleep(Duration::from_micros(
                what.trim_end_matches(" us").parse().unwrap(),
            ));
            delayed += 1;
        }
        child.kill().unwrap(); // SIGKILL; an error only if it already ended
        let status = child.wait().unwrap();
        let said = reader.join().unwrap();
        assert!(
            !said.contains("panicked") && !said.contains("internal error"),
            "{ctx}: {said}"
        );
        if status.code() == Some(0) {
            finished += 1;
        }

        assert_eq!(
            broken_files(&sb),
            broken_at_start,
            "{ctx}: a file no longer parses after the kill"
        );
        // Sets being built have hidden temp names; only complete ones count.
        let sets = std::fs::read_dir(sb.state().join(".claw-doctor/backups"))
            .map(|d| {
                d.filter_map(Result::ok)
                    .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
                    .count()
            })
            .unwrap_or(0);
        if sets == 0 {
            before_any_set += 1;
        } else {
            let out = sb.run(&["restore-backup", "--latest", "--yes"]);
            assert_eq!(
                out.status.code(),
                Some(0),
                "{ctx}: restore: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let d: Vec<String> = diff(&start, &tree(&sb.state()))
            .into_iter()
            // The killed run's own half-written temp files (named for it) may stay.
            .filter(|x| !(x.contains(".claw-doctor-tmp") && x.ends_with(" added")))
            .collect();
        assert!(d.is_empty(), "{ctx}: not the original after restore: {d:?}");
    }
    eprintln!(
        "kill loop {fixture}: {runs} kills survived, original restored each time \
         ({paused} at a failpoint of {crossings}, {delayed} after a random delay, \
         {finished} had finished, {before_any_set} before any backup set; seed {seed})"
    );
}

#[test]
fn kill_9_during_a_json_era_fix_loses_nothing() {
    kill_loop("json-scope-upgrade");
}

#[test]
fn kill_9_during_a_sqlite_era_fix_loses_nothing() {
    kill_loop("sqlite-metadata-upgrade");
}
