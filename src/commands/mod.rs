//! One module per subcommand; each returns the exit status.

pub mod fix;
pub mod report;
pub mod restore;
pub mod rules;
pub mod scan;

use crate::cli::GlobalArgs;
use crate::discover::DiscoverArgs;
use crate::load::{LoadOptions, LogOptions};
use crate::version::Version;

/// Exit statuses of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Nothing at or above `--severity-min`.
    Clean = 0,
    /// Findings at or above it (for `fix --dry-run`: something would change).
    Findings = 1,
    /// Could not run.
    Failed = 2,
}

/// A user-facing error: one line, exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

pub fn parse_now(now: Option<&str>) -> Result<i64, UsageError> {
    match now {
        None => Ok(jiff::Timestamp::now().as_millisecond()),
        Some(text) => text
            .parse::<jiff::Timestamp>()
            .map(|t| t.as_millisecond())
            .map_err(|e| {
                UsageError(format!(
                    "--now {text:?} is not an RFC 3339 time (e.g. 2026-11-21T10:00:00Z): {e}"
                ))
            }),
    }
}

pub fn load_options(g: &GlobalArgs) -> Result<LoadOptions, UsageError> {
    let openclaw_version = match &g.openclaw_version {
        None => None,
        Some(v) => Some(
            v.parse::<Version>()
                .map_err(|e| UsageError(format!("--openclaw-version: {e}")))?,
        ),
    };
    Ok(LoadOptions {
        discover: DiscoverArgs {
            state_dir: g.state_dir.clone(),
            profile: g.profile.clone(),
            config: g.config.clone(),
        },
        logs: LogOptions {
            enabled: !g.no_logs,
            files: g.log_files.clone(),
            dirs: g.log_dirs.clone(),
            progress: Some(progress_bar()),
        },
        now_ms: parse_now(g.now.as_deref())?,
        openclaw_version,
        no_state: g.no_state,
    })
}

/// The log-scan progress bar on stderr (drawn only if it is a terminal and a scan is slow).
/// `CLAW_DOCTOR_PROGRESS_DELAY_MS` shortens the wait, for tests.
fn progress_bar() -> crate::load::ProgressHook {
    let delay = std::env::var("CLAW_DOCTOR_PROGRESS_DELAY_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .map_or(
            crate::output::progress::DELAY,
            std::time::Duration::from_millis,
        );
    let bar = crate::output::progress::ScanProgress::for_stderr(delay);
    crate::load::ProgressHook(std::sync::Arc::new(move |done, total| {
        bar.update(done, total)
    }))
}

/// The built-in rules plus `--rules DIR`s; any rule error stops the run (exit 2) with every
/// error listed.
pub fn rule_set(g: &GlobalArgs) -> anyhow::Result<crate::rules::RuleSet> {
    match crate::rules::RuleSet::with_dirs(&g.rules_dirs)? {
        Ok(set) => Ok(set),
        Err(errors) => Err(UsageError(format!(
            "{} rule error{}:\n{}",
            errors.len(),
            if errors.len() == 1 { "" } else { "s" },
            errors
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        ))
        .into()),
    }
}
