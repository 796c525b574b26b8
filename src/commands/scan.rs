//! `claw-doctor scan`: load the state, run every rule, print the findings. Changes nothing.

use super::{Status, UsageError, load_options, rule_set};
use crate::cli::{Format, GlobalArgs, SeverityMin};
use crate::env::Env;
use crate::findings::{Counts, Severity};
use crate::output::{self, style::Style};
use crate::redact::Redactor;

pub fn severity(min: SeverityMin) -> Severity {
    match min {
        SeverityMin::Info => Severity::Info,
        SeverityMin::Warning => Severity::Warning,
        SeverityMin::Error => Severity::Error,
    }
}

pub fn run(g: &GlobalArgs, env: &Env) -> anyhow::Result<Status> {
    let rules = rule_set(g)?;
    let opts = load_options(g)?;
    let model = crate::load::load(&opts, env).map_err(|e| UsageError(e.to_string()))?;
    crate::repair::apply::panic_point("scan-loaded", || {
        let state = &model.source.state_dir.path;
        [
            "devices/paired.json",
            "identity/device.json",
            "openclaw.json",
        ]
        .iter()
        .filter_map(|rel| std::fs::read_to_string(state.join(rel)).ok())
        .collect::<Vec<_>>()
        .join("\n")
    });
    let outcome = crate::engine::run(&rules, &model);
    let rules_run = rules.rules.len() - outcome.skipped.len();
    let redactor = Redactor::for_model(&model);
    let sections = output::summary::sections(&model);
    let text = match g.format.unwrap_or(Format::Human) {
        Format::Json => {
            output::json::scan_document_text(&model, &outcome, severity(g.severity_min), rules_run)?
        }
        Format::Markdown => output::findings::markdown(&model, &sections, &outcome, rules_run),
        Format::Human => {
            let style = Style::detect(g.color, env.var("NO_COLOR").is_some());
            output::findings::human(&model, &sections, &outcome, rules_run, &style)
        }
    };
    output::emit(&text, &redactor)?;
    let status = if !outcome.failures.is_empty() {
        // A rule that could not run means the verdict is incomplete: "could not run" (2).
        eprintln!(
            "claw-doctor: {} rule evaluation(s) failed (listed in the output); the result is incomplete",
            outcome.failures.len()
        );
        Status::Failed
    } else if Counts::of(&outcome.findings).at_or_above(severity(g.severity_min)) > 0 {
        Status::Findings
    } else {
        Status::Clean
    };
    // Freeing a 10 000-device model is hundreds of thousands of small frees; the process
    // exits next, so that is done off the way to the exit code.
    std::thread::spawn(move || drop((model, outcome, text, redactor)));
    Ok(status)
}
