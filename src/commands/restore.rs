//! `claw-doctor restore-backup`: list backup sets, or put one back after checking that the
//! files it replaces are still the ones claw-doctor wrote.

use super::{Status, UsageError, load_options};
use crate::cli::{GlobalArgs, RestoreArgs};
use crate::env::Env;
use crate::redact::Redactor;
use crate::repair::backup::{self, BackupSet, Lock};
use crate::repair::restore::{self, Verdict};
use std::fmt::Write as _;
use std::io::IsTerminal;

fn list(state: &std::path::Path) -> String {
    let sets = BackupSet::list(state);
    if sets.is_empty() {
        return format!("no backup sets in {}\n", backup::root(state).display());
    }
    let mut out =
        String::from("ID                   CREATED                   STATUS       FILES  RULES\n");
    for s in sets {
        match s {
            Ok(s) => {
                let m = &s.manifest;
                let _ = writeln!(
                    out,
                    "{:<20} {:<25} {:<12} {:>5}  {}  ({})",
                    m.id,
                    m.created_at.get(..19).unwrap_or(&m.created_at),
                    format!("{:?}", m.status).to_lowercase(),
                    m.entries.len(),
                    m.rules.join(","),
                    m.reason
                );
            }
            Err(e) => {
                let _ = writeln!(out, "?  {e}");
            }
        }
    }
    out
}

pub fn run(g: &GlobalArgs, args: &RestoreArgs, env: &Env) -> anyhow::Result<Status> {
    let opts = load_options(g)?;
    let model = crate::load::load(&opts, env).map_err(|e| UsageError(e.to_string()))?;
    let state = model.source.state_dir.path.clone();
    let redactor = Redactor::for_model(&model);
    if args.list || (!args.latest && args.id.is_none()) {
        crate::output::emit(&list(&state), &redactor)?;
        if !args.list {
            eprintln!("claw-doctor: pass a backup id or --latest to restore one");
        }
        return Ok(Status::Clean);
    }
    let mut set = match &args.id {
        Some(id) => BackupSet::open(&state, id).map_err(UsageError)?,
        None => BackupSet::list(&state)
            .into_iter()
            .rev()
            .filter_map(Result::ok)
            .find(|s| {
                matches!(
                    s.manifest.status,
                    backup::Status::Applied | backup::Status::Applying
                )
            })
            .ok_or_else(|| UsageError("no backup set left to restore (see --list)".into()))?,
    };
    if matches!(
        set.manifest.status,
        backup::Status::Restored | backup::Status::RolledBack
    ) && !args.force
    {
        return Err(UsageError(format!(
            "backup {} was already {}; pass --force to restore it again",
            set.manifest.id,
            if set.manifest.status == backup::Status::Restored {
                "restored"
            } else {
                "rolled back"
            }
        ))
        .into());
    }
    let mut preview = format!(
        "backup {} ({}, {}):\n",
        set.manifest.id, set.manifest.reason, set.manifest.created_at
    );
    for e in set.manifest.entries.iter().rev() {
        let v = restore::judge(e).map_err(UsageError)?;
        let what = match v {
            Verdict::Unchanged => "already as before".to_string(),
            Verdict::Restore => format!("restore ({})", e.rule),
            Verdict::Conflict(why) => format!("CHANGED: {why}"),
        };
        let _ = writeln!(preview, "  {:<40} {what}", e.rel);
    }
    crate::output::emit(&preview, &redactor)?;
    if !args.yes {
        let tty = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
        if !tty {
            return Err(UsageError("nothing restored: not a terminal; pass --yes".into()).into());
        }
        let ok = dialoguer::Confirm::new()
            .with_prompt(format!("restore backup {}?", set.manifest.id))
            .default(false)
            .interact()
            .unwrap_or(false);
        if !ok {
            eprintln!("claw-doctor: nothing restored");
            return Ok(Status::Clean);
        }
    }
    super::fix::refuse_if_busy(&model)?;
    let _lock = Lock::take(&state).map_err(UsageError)?;
    let reason = format!("restore-backup {}", set.manifest.id);
    let report = restore::restore(
        &state,
        &mut set,
        args.force,
        &reason,
        backup::Status::Restored,
    )
    .map_err(UsageError)?;
    let mut out = format!(
        "restored {} path{} from backup {}",
        report.restored.len(),
        if report.restored.len() == 1 { "" } else { "s" },
        set.manifest.id
    );
    if let Some(n) = &report.new_set {
        let _ = write!(
            out,
            "; what it replaced is kept in backup {n} (undo: claw-doctor restore-backup {n})"
        );
    }
    out.push('\n');
    crate::output::emit(&out, &redactor)?;
    Ok(Status::Clean)
}
