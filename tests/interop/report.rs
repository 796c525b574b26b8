//! What the suite prints: the banner, the loud skip, and the closing table (also written to
//! `<work>/summary.md`).

use crate::lab::{Record, Repair};
use crate::scenarios::Scenario;
use crate::settings::Settings;
use std::fmt::Write as _;

pub fn loud_skip() {
    let bar = "!".repeat(78);
    println!(
        "{bar}\n!! interop: SKIPPED because CLAW_INTEROP=skip. The real-gateway interop suite did NOT run.\n\
         !! CI must never set this (.ci/run overrides it).\n{bar}"
    );
}

pub fn banner(settings: &Settings, selected: &[Scenario]) {
    println!(
        "interop: {} scenario(s), {} at a time; cache {}; work {}",
        selected.len(),
        settings.jobs,
        settings.cache.display(),
        settings.work.display()
    );
    if !settings.repairs {
        let bar = "!".repeat(78);
        println!(
            "{bar}\n!! interop: CLAW_INTEROP_REPAIRS=0: the fix / restore-backup steps are SKIPPED;\n\
             !! only scans, the gateway's behaviour and claw-doctor's advice are checked.\n{bar}"
        );
    }
}

pub fn banner_repairs_skipped() {
    println!(
        "!! interop: repair steps were SKIPPED (CLAW_INTEROP_REPAIRS=0): `fix` and `restore-backup` \
         were not checked against the gateway"
    );
}

pub struct Outcome {
    pub name: String,
    pub version: String,
    pub error: Option<String>,
    pub secs: f64,
    pub record: Record,
}

impl Outcome {
    pub fn passed(&self) -> bool {
        self.error.is_none()
    }
}

fn repair_text(r: &Option<Repair>, passed: bool) -> &'static str {
    match r {
        None => "n/a",
        Some(Repair::Verified) => "verified",
        Some(Repair::Declined) => "declined (by rule)",
        Some(Repair::Skipped) => "skipped",
        Some(Repair::Failed) if passed => "failed",
        Some(Repair::Failed) => "FAILED",
    }
}

pub fn table(outcomes: &[Outcome], total_secs: f64, isolation: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "| scenario | version | result | advice | repair | seconds | claw-doctor findings on the broken state |"
    );
    let _ = writeln!(s, "| --- | --- | --- | --- | --- | ---: | --- |");
    for o in outcomes {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {:.0} | {} |",
            o.name,
            o.version,
            if o.passed() { "pass" } else { "FAIL" },
            if o.record.advice.is_empty() {
                "-"
            } else {
                "verified"
            },
            repair_text(&o.record.repair, o.passed()),
            o.secs,
            if o.record.broken_findings.is_empty() {
                "-"
            } else {
                &o.record.broken_findings
            }
        );
    }
    let failed = outcomes.iter().filter(|o| !o.passed()).count();
    let _ = writeln!(
        s,
        "\n{} scenario(s), {failed} failed, {total_secs:.0} s; network namespace: {isolation}",
        outcomes.len()
    );
    let mut details = String::new();
    for o in outcomes {
        let name = format!("{}@{}", o.name, o.version);
        if let Some(e) = &o.error {
            let _ = writeln!(details, "\nFAIL {name}: {e}");
        }
        for k in &o.record.disagreements {
            let _ = writeln!(details, "\nDISAGREEMENT {name}: {k}");
        }
        for n in &o.record.notes {
            let _ = writeln!(details, "\nnote, {name}: {n}");
        }
    }
    s + &details
}
