//! The command line, as clap sees it.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Examples:
  claw-doctor scan                                  # the state OpenClaw itself would use
  claw-doctor scan --state-dir ~/.openclaw-work --format json
  claw-doctor scan --profile dev --log /tmp/openclaw/openclaw-dev-2026-11-21.log
  claw-doctor fix --dry-run                         # what fix would change, as diffs
  claw-doctor report > report.md                    # paste into a forum post
  claw-doctor explain missing-operator-write        # what a check means and how to fix it by hand

Exit codes: 0 nothing at or above --severity-min, 1 findings (fix --dry-run: changes pending),
2 could not run (bad arguments, unreadable state, gateway running, lock held).";

#[derive(Debug, Parser)]
#[command(
    name = "claw-doctor",
    version,
    about = "Finds why OpenClaw clients get `1008: pairing required`, offline, and repairs it reversibly",
    after_help = AFTER_HELP,
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Markdown,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub enum SeverityMin {
    Info,
    Warning,
    Error,
}

#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// The OpenClaw state dir (default: as OpenClaw finds it: OPENCLAW_STATE_DIR, profile, ~/.openclaw)
    #[arg(long, global = true, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
    /// OpenClaw profile: state in ~/.openclaw-<NAME> ("default" = ~/.openclaw)
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,
    /// The config file (default: OPENCLAW_CONFIG_PATH, else <state>/openclaw.json)
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Read gateway logs from this directory instead of OpenClaw's locations (repeatable)
    #[arg(long = "log-dir", global = true, value_name = "DIR")]
    pub log_dirs: Vec<PathBuf>,
    /// Read this gateway log file instead of OpenClaw's locations (repeatable)
    #[arg(long = "log", global = true, value_name = "FILE")]
    pub log_files: Vec<PathBuf>,
    /// Do not read any gateway log
    #[arg(long, global = true, conflicts_with_all = ["log_dirs", "log_files"])]
    pub no_logs: bool,
    /// Read only the gateway logs: no state dir, config or service files; only log rules run
    #[arg(long, global = true, conflicts_with = "no_logs")]
    pub no_state: bool,
    /// Fix the clock (RFC 3339, e.g. 2026-11-21T10:00:00Z) for pending-request expiry and ages
    #[arg(long, global = true, value_name = "TIME")]
    pub now: Option<String>,
    /// Output format [default: human]
    #[arg(long, global = true, value_enum)]
    pub format: Option<Format>,
    /// When to colour human output (NO_COLOR is always honoured)
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// The lowest severity that makes the result not ok (exit code 1)
    #[arg(long, global = true, value_enum, default_value_t = SeverityMin::Warning)]
    pub severity_min: SeverityMin,
    /// The OpenClaw version to reason about, overriding what the state and install say
    #[arg(long, global = true, value_name = "VERSION")]
    pub openclaw_version: Option<String>,
    /// Also load the rule files (*.toml) under DIR, after the built-in rules (repeatable)
    #[arg(long = "rules", global = true, value_name = "DIR")]
    pub rules_dirs: Vec<PathBuf>,
    /// Treat DIR as the filesystem root for system paths (/tmp/openclaw, /usr/lib/node_modules, /etc):
    /// for examining a container image or a mounted disk
    #[arg(long, global = true, value_name = "DIR", env = "CLAW_DOCTOR_SYSROOT")]
    pub sysroot: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read the state, run every rule, print the findings; changes nothing
    Scan,
    /// Apply repairs (safe ones; --break-glass for pairing-store edits); --dry-run shows diffs
    Fix(FixArgs),
    /// List backup sets, or restore one (--latest or an id)
    RestoreBackup(RestoreArgs),
    /// Paste-ready, redacted Markdown report for a support forum
    Report(ReportArgs),
    /// List the rules (id, area, severity, fix kind); --format json for scripts
    Rules,
    /// Show a rule's documentation
    Explain {
        /// The rule id (checkId), e.g. missing-operator-write
        rule_id: String,
    },
    /// Print a shell completion script (e.g. `claw-doctor completions bash > /etc/bash_completion.d/claw-doctor`)
    Completions {
        /// bash, zsh, fish, elvish or powershell
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Args)]
pub struct FixArgs {
    /// Show what would change, as unified diffs and planned moves; change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask before each change
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Also apply unsafe fixes: direct edits of the pairing store (scopes, tokens, records)
    #[arg(long)]
    pub break_glass: bool,
    /// Only fix the findings of this rule (repeatable), e.g. --only missing-operator-write
    #[arg(long, value_name = "CHECK_ID")]
    pub only: Vec<String>,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// List the backup sets
    #[arg(long, conflicts_with_all = ["latest", "id"])]
    pub list: bool,
    /// Restore the newest backup set
    #[arg(long, conflicts_with = "id")]
    pub latest: bool,
    /// The backup set to restore
    pub id: Option<String>,
    /// Do not ask
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Restore even over files changed since claw-doctor wrote them
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Write the report to FILE instead of standard output
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}
