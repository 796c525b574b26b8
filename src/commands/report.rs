//! `claw-doctor report`: the scan as one paste-ready, redacted Markdown document.

use super::{Status, UsageError, load_options, rule_set};
use crate::cli::{GlobalArgs, ReportArgs};
use crate::env::Env;
use crate::output::report::{Host, render};
use crate::redact::Redactor;

pub fn run(g: &GlobalArgs, args: &ReportArgs, env: &Env) -> anyhow::Result<Status> {
    let rules = rule_set(g)?;
    let opts = load_options(g)?;
    let model = crate::load::load(&opts, env).map_err(|e| UsageError(e.to_string()))?;
    let outcome = crate::engine::run(&rules, &model);
    let rules_run = rules.rules.len() - outcome.skipped.len();
    let text = render(&model, &outcome, rules_run, &Host::detect(env));
    // The report is pasted in public: hide the home path (OpenClaw's home, else $HOME), the
    // user name and the host name too.
    let (home, user, host) = crate::redact::local_identity_from_env(env);
    let home = model.source.home.as_ref().map(|h| h.path.clone()).or(home);
    let redactor = Redactor::for_model(&model).with_identity(
        home.as_deref(),
        user.as_deref(),
        host.as_deref(),
    );
    match &args.output {
        None => crate::output::emit(&text, &redactor)?,
        Some(path) => {
            std::fs::write(path, redactor.apply(&text)).map_err(|e| {
                UsageError(format!(
                    "cannot write the report to {}: {e}",
                    path.display()
                ))
            })?;
            eprintln!("claw-doctor: report written to {}", path.display());
        }
    }
    // The report is the product here: it was produced, whatever it says.
    Ok(if outcome.failures.is_empty() {
        Status::Clean
    } else {
        Status::Failed
    })
}
