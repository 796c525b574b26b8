//! claw-doctor: an offline doctor for OpenClaw gateway pairing.
//!
//! `load` turns a state dir (either storage era) into one normalized `model::Model`;
//! `output` renders it; every output passes `redact`.

pub mod cli;
pub mod commands;
pub mod discover;
pub mod engine;
pub mod env;
pub mod facts;
pub mod findings;
#[doc(hidden)]
pub mod fuzzing;
pub mod load;
pub mod logs;
pub mod model;
pub mod output;
pub mod redact;
pub mod repair;
pub mod rules;
pub mod secret;
pub mod version;

use clap::Parser;
use commands::Status;
use std::process::ExitCode;

fn dispatch(cli: &cli::Cli) -> anyhow::Result<Status> {
    let env = env::Env::from_process(cli.global.sysroot.as_deref());
    match &cli.command {
        cli::Command::Scan => commands::scan::run(&cli.global, &env),
        cli::Command::Fix(args) => commands::fix::run(&cli.global, args, &env),
        cli::Command::RestoreBackup(args) => commands::restore::run(&cli.global, args, &env),
        cli::Command::Report(args) => commands::report::run(&cli.global, args, &env),
        cli::Command::Rules => commands::rules::list(&cli.global),
        cli::Command::Explain { rule_id } => commands::rules::explain(&cli.global, rule_id),
        cli::Command::Completions { shell } => {
            use clap::CommandFactory;
            let mut out = Vec::new();
            clap_complete::generate(*shell, &mut cli::Cli::command(), "claw-doctor", &mut out);
            output::emit(&String::from_utf8_lossy(&out), &redact::Redactor::default())?;
            Ok(Status::Clean)
        }
    }
}

/// Runs the CLI and maps every outcome to the contract's exit codes. A panic is a bug: it is
/// reported without its payload (which could quote file contents) and exits 2.
pub fn run() -> ExitCode {
    // The payload is never printed: it can quote anything the program held (file contents,
    // tokens not yet known to the redactor); the location is enough to find the bug.
    std::panic::set_hook(Box::new(|info| {
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!(
            "claw-doctor: internal error{at} (a bug; please report it with the command you ran)"
        );
    }));
    let cli = cli::Cli::parse();
    let result = std::panic::catch_unwind(|| dispatch(&cli));
    let status = match result {
        Ok(Ok(status)) => status,
        Ok(Err(e)) => {
            // An error can quote what it failed on (a line of a file, a row): the shape and
            // key-name rules of the redactor still apply, though no model is at hand here.
            let text = redact::Redactor::default().apply(&format!("{e:#}"));
            eprintln!("claw-doctor: {text}");
            Status::Failed
        }
        Err(_) => Status::Failed,
    };
    ExitCode::from(status as u8)
}
