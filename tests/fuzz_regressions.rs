//! Every input a fuzz target ever crashed on (`fuzz/regressions/<target>/`), run through the
//! same entry point as the target, in the normal test build.

use claw_doctor::fuzzing::{self, Scratch};
use std::path::Path;

fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions")
        .join(target);
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    (name, std::fs::read(e.path()).unwrap())
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

#[test]
fn every_saved_crash_input_now_runs_clean() {
    let scratch = Scratch::new();
    let mut ran = 0;
    for target in [
        "paired",
        "pending",
        "identity",
        "device_auth",
        "config",
        "log_lines",
        "sqlite_row",
        "rule",
    ] {
        for (name, data) in inputs(target) {
            eprintln!("{target}/{name}");
            match target {
                "paired" => fuzzing::paired(&scratch, &data),
                "pending" => fuzzing::pending(&scratch, &data),
                "identity" => fuzzing::identity(&scratch, &data),
                "device_auth" => fuzzing::device_auth(&scratch, &data),
                "config" => fuzzing::config(&scratch, &data),
                "log_lines" => fuzzing::log_lines(&data),
                "sqlite_row" => fuzzing::sqlite_row(&data),
                _ => fuzzing::rule(&data),
            }
            ran += 1;
        }
    }
    assert!(ran > 0, "no saved inputs found");
}
