//! `claw-doctor fix`: plan the repairs of the findings, show them, and (unless `--dry-run`)
//! write them behind a backup set, verify by re-scanning, and roll back if they did not work.

use super::{Status, UsageError, load_options, rule_set};
use crate::cli::{FixArgs, GlobalArgs};
use crate::env::Env;
use crate::findings::{Counts, Finding};
use crate::model::Model;
use crate::redact::Redactor;
use crate::repair::backup::{self, BackupSet, Lock};
use crate::repair::plan::{self, Plan};
use crate::repair::{apply, render, restore};
use std::io::IsTerminal;

/// Printed through the redactor: diffs of pairing stores contain tokens.
fn say(text: &str, r: &Redactor) -> anyhow::Result<()> {
    crate::output::emit(text, r)?;
    Ok(())
}

/// Refuses (exit 2) while a gateway runs on the state: it rewrites the pairing files on every
/// connect and would overwrite the repair, or read a half-written store.
pub fn refuse_if_busy(model: &Model) -> Result<(), UsageError> {
    let rt = &model.runtime;
    if rt.state_busy() {
        let pids = rt.running_pids();
        return Err(UsageError(format!(
            "an OpenClaw gateway is running on {} ({}): stop it first (`openclaw gateway stop`), then run this again; nothing was changed",
            model.source.state_dir.path.display(),
            if pids.is_empty() {
                "a live gateway lock".to_string()
            } else {
                format!(
                    "pid {}",
                    pids.iter()
                        .map(u32::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        )));
    }
    Ok(())
}

/// Refuses (exit 2) while another process holds a lock on the database it would replace (a
/// writer mid-transaction, or any open WAL connection): its next commit would go to the file
/// claw-doctor renames away.
fn refuse_if_db_locked(changes: &[crate::repair::workspace::Change]) -> Result<(), UsageError> {
    use crate::repair::workspace::Change;
    for c in changes {
        let Change::Sqlite { rel, path, .. } = c else {
            continue;
        };
        let side = |suffix: &str| {
            let mut p = path.clone().into_os_string();
            p.push(suffix);
            std::path::PathBuf::from(p)
        };
        let pids = crate::repair::locks::holders(&[path, &side("-wal"), &side("-shm")]);
        if !pids.is_empty() {
            let pids: Vec<String> = pids
                .iter()
                .map(|p| {
                    if *p < 0 {
                        "unknown".into()
                    } else {
                        p.to_string()
                    }
                })
                .collect();
            return Err(UsageError(format!(
                "{rel} is locked by another process (pid {}): something has the database open; stop it (an OpenClaw gateway: `openclaw gateway stop`), then run this again; nothing was changed",
                pids.join(", ")
            )));
        }
    }
    Ok(())
}

fn interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

fn ask(question: &str) -> bool {
    dialoguer::Confirm::new()
        .with_prompt(question)
        .default(false)
        .interact()
        .unwrap_or(false)
}

fn same_finding(a: &Finding, p: &Plan) -> bool {
    a.check_id == p.check_id && a.subject == p.subject
}

pub fn run(g: &GlobalArgs, args: &FixArgs, env: &Env) -> anyhow::Result<Status> {
    let rules = rule_set(g)?;
    let opts = load_options(g)?;
    let model = crate::load::load(&opts, env).map_err(|e| UsageError(e.to_string()))?;
    let state = model.source.state_dir.path.clone();
    if !model.source.state_dir.exists {
        return Err(UsageError(format!("no OpenClaw state at {}", state.display())).into());
    }
    for id in &args.only {
        if rules.get(id).is_none() {
            return Err(UsageError(format!(
                "--only {id}: no such rule (see `claw-doctor rules`)"
            ))
            .into());
        }
    }
    let redactor = Redactor::for_model(&model);
    let outcome = crate::engine::run(&rules, &model);
    let ask_each = !args.dry_run && !args.yes && interactive();
    if !args.dry_run && !args.yes && !ask_each {
        // Without a terminal to ask on, only --yes may change anything.
        let planned = plan_all(&model, &outcome.findings, args, |_| true);
        say(&show(&planned.plans, &planned.held), &redactor)?;
        return Err(UsageError(
            "nothing changed: not a terminal, so there is no one to ask; pass --yes to apply the changes above, or --dry-run to only show them".into(),
        )
        .into());
    }
    let lock = if args.dry_run {
        None
    } else {
        refuse_if_busy(&model)?;
        Some(Lock::take(&state).map_err(UsageError)?)
    };
    let backup_hint = format!("{}/backups/<new set>", backup::DIR);
    let planned = plan_all(&model, &outcome.findings, args, |p| {
        if !ask_each {
            return true;
        }
        let _ = say(&render::plan(p, &backup_hint), &redactor);
        ask(&format!("apply the {} fix?", p.check_id))
    });
    if !ask_each {
        say(&show(&planned.plans, &planned.held), &redactor)?;
    } else if !planned.held.is_empty() {
        say(&render::held(&planned.held), &redactor)?;
    }
    if args.dry_run {
        return Ok(if planned.plans.is_empty() {
            Status::Clean
        } else {
            Status::Findings
        });
    }
    if planned.plans.is_empty() {
        if ask_each {
            say("nothing to change\n", &redactor)?; // `show` said it otherwise
        }
        return Ok(remaining(&outcome.findings, g));
    }
    // The gateway may have been started while the user read the diffs.
    let again = crate::load::load(&opts, env).map_err(|e| UsageError(e.to_string()))?;
    refuse_if_busy(&again)?;

    let changes = planned.workspace.changes();
    refuse_if_db_locked(&changes)?;
    let mut set = BackupSet::create(&state, "fix")
        .map_err(|e| UsageError(format!("cannot create a backup set: {e}")))?;
    let plans = &planned.plans;
    let rule_of = |rel: &str| {
        plans
            .iter()
            .filter(|p| p.changes.iter().any(|c| c.rel() == rel))
            .map(|p| p.check_id.clone())
            .collect::<Vec<_>>()
            .join(",")
    };
    if let Err(e) = apply::apply(&mut set, &changes, rule_of) {
        let undone = rollback(&state, &mut set);
        return Err(UsageError(format!("{e}; {undone}")).into());
    }
    set.manifest.status = backup::Status::Applied;
    set.save()
        .map_err(|e| UsageError(format!("writing the backup manifest: {e}")))?;

    // Verify: the fixed findings must be gone and every store must still parse.
    let after = crate::load::load(&opts, env).map_err(|e| UsageError(e.to_string()))?;
    let out2 = crate::engine::run(&rules, &after);
    let mut failed: Vec<String> = plans
        .iter()
        .filter(|p| out2.findings.iter().any(|f| same_finding(f, p)))
        .map(|p| format!("{} is still reported", p.check_id))
        .collect();
    let written: Vec<&str> = changes.iter().map(|c| c.rel()).collect();
    failed.extend(
        after
            .problems
            .iter()
            .filter(|p| written.contains(&p.path.as_str()))
            .filter(|p| {
                !model
                    .problems
                    .iter()
                    .any(|o| o.path == p.path && o.kind == p.kind)
            })
            .map(|p| format!("{} no longer loads ({})", p.path, p.detail)),
    );
    if !failed.is_empty() {
        let undone = rollback(&state, &mut set);
        return Err(UsageError(format!(
            "the repair did not verify ({}); {undone}",
            failed.join("; ")
        ))
        .into());
    }
    drop(lock);
    let id = &set.manifest.id;
    say(
        &format!(
            "applied {} fix{} ({}); originals kept in {}/{}\nundo with: claw-doctor restore-backup {id}{}\n",
            plans.len(),
            if plans.len() == 1 { "" } else { "es" },
            plans
                .iter()
                .map(|p| p.check_id.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            backup::root(&state).display(),
            id,
            if g.state_dir.is_some() {
                format!(" --state-dir {}", state.display())
            } else {
                String::new()
            }
        ),
        &redactor,
    )?;
    if planned.held.iter().any(|h| h.deferred) {
        eprintln!(
            "claw-doctor: some fixes were held back (listed above); run `claw-doctor fix` again"
        );
    }
    Ok(remaining(&out2.findings, g))
}

fn plan_all(
    model: &Model,
    findings: &[Finding],
    args: &FixArgs,
    confirm: impl FnMut(&Plan) -> bool,
) -> plan::Planned {
    plan::plan(
        model,
        findings,
        &plan::Options {
            break_glass: args.break_glass,
            only: args.only.clone(),
        },
        confirm,
    )
}

fn show(plans: &[Plan], held: &[plan::Held]) -> String {
    let hint = format!("{}/backups/<new set>", backup::DIR);
    let mut out = String::new();
    for p in plans {
        out.push_str(&render::plan(p, &hint));
    }
    out.push_str(&render::held(held));
    if plans.is_empty() {
        out.push_str("nothing to change\n");
    }
    out
}

fn rollback(state: &std::path::Path, set: &mut BackupSet) -> String {
    let reason = format!("rollback {}", set.manifest.id);
    let first = match restore::restore(state, set, false, &reason, backup::Status::RolledBack) {
        Ok(_) => return "every change was rolled back; the state is as before".to_string(),
        Err(e) => e,
    };
    // Typically a full disk: undo by links and renames, which need no space.
    match restore::rollback_in_place(set) {
        Ok(()) => "every change was rolled back; the state is as before".to_string(),
        Err(e) if e.starts_with("every change was undone") => {
            format!("{e}; the state is as before")
        }
        Err(e) => format!(
            "rolling back failed too ({first}; {e}): restore by hand with `claw-doctor restore-backup {} --force`",
            set.manifest.id
        ),
    }
}

fn remaining(findings: &[Finding], g: &GlobalArgs) -> Status {
    if Counts::of(findings).at_or_above(super::scan::severity(g.severity_min)) > 0 {
        Status::Findings
    } else {
        Status::Clean
    }
}
