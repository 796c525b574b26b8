//! Undoing a backup set. Each path is judged by hash against the manifest: still what
//! claw-doctor wrote -> put the original back; already the original (the step never happened,
//! or was undone) -> nothing to do; anything else was changed by someone since -> refused
//! unless forced. What a restore replaces goes into a new set, so a restore can be undone too.

use super::backup::{BackupSet, Entry, Meta, Op, Status};
use super::fsops;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Already as before the fix.
    Unchanged,
    /// As claw-doctor left it: the original goes back.
    Restore,
    /// Changed since (by the gateway, a person, another tool).
    Conflict(String),
}

fn side_file(rel: &str) -> bool {
    rel.ends_with("-wal") || rel.ends_with("-shm")
}

/// The order to undo entries: newest first, but a database before its `-wal`/`-shm`, so an
/// old WAL never sits beside a database it does not belong to.
fn order(entries: &[Entry]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..entries.len()).rev().collect();
    idx.sort_by_key(|i| side_file(&entries[*i].rel));
    idx
}

pub fn judge(e: &Entry) -> Result<Verdict, String> {
    let live = Meta::of(&e.path).map_err(|err| format!("{}: {err}", e.rel))?;
    let same = |a: &Option<Meta>, b: &Option<Meta>| match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => a.same(b),
        _ => false,
    };
    if same(&live, &e.original) {
        return Ok(Verdict::Unchanged);
    }
    // A finished step must have left exactly its recorded result; an interrupted one may have
    // left the intended state without recording it.
    let intended = if e.done {
        same(&live, &e.replacement)
    } else {
        match e.op {
            Op::Write | Op::Chmod => live.is_some(),
            Op::Move => live.is_none(),
        }
    };
    if intended {
        return Ok(Verdict::Restore);
    }
    Ok(Verdict::Conflict(match &live {
        None => "it was removed since claw-doctor changed it".to_string(),
        Some(_) => "it was changed since claw-doctor changed it".to_string(),
    }))
}

/// Checks the kept originals against their recorded hashes.
pub fn verify_kept(set: &BackupSet) -> Result<(), String> {
    for e in &set.manifest.entries {
        let (Some(kept), Some(orig)) = (&e.kept, &e.original) else {
            continue;
        };
        let path = set.dir.join(kept);
        let m = Meta::of(&path).map_err(|err| format!("{kept}: {err}"))?;
        match m {
            Some(m) if m.sha256 == orig.sha256 => {}
            Some(_) => {
                return Err(format!(
                    "the kept copy of {} is damaged (hash differs)",
                    e.rel
                ));
            }
            None if !e.done => {} // the crash came before the original was kept: still live
            None => return Err(format!("the kept copy of {} is missing", e.rel)),
        }
    }
    Ok(())
}

pub struct Report {
    pub restored: Vec<String>,
    pub unchanged: Vec<String>,
    pub new_set: Option<String>,
}

/// Restores `set`; `conflicts` are refused unless `force`. `reason` labels the new set.
pub fn restore(
    state_dir: &Path,
    set: &mut BackupSet,
    force: bool,
    reason: &str,
    final_status: Status,
) -> Result<Report, String> {
    verify_kept(set)?;
    let entries = set.manifest.entries.clone();
    let mut verdicts = Vec::new();
    let mut conflicts = Vec::new();
    for i in order(&entries) {
        let v = judge(&entries[i])?;
        if let Verdict::Conflict(why) = &v {
            conflicts.push(format!("{}: {why}", entries[i].rel));
        }
        verdicts.push((i, v));
    }
    if !conflicts.is_empty() && !force {
        return Err(format!(
            "not restored: {} (pass --force to restore anyway; what is there now is kept in a new backup set)",
            conflicts.join("; ")
        ));
    }
    let mut report = Report {
        restored: Vec::new(),
        unchanged: Vec::new(),
        new_set: None,
    };
    let mut undo: Option<BackupSet> = None;
    for (i, v) in verdicts {
        let e = &entries[i];
        if v == Verdict::Unchanged {
            report.unchanged.push(e.rel.clone());
            continue;
        }
        if undo.is_none() {
            let s = BackupSet::create(state_dir, reason)
                .map_err(|err| format!("creating a backup set for the restore: {err}"))?;
            undo = Some(s);
        }
        let undo = undo.as_mut().expect("created above");
        if !undo.manifest.rules.iter().any(|r| r == &e.rule) {
            undo.manifest.rules.push(e.rule.clone());
        }
        if e.op == Op::Write && !side_file(&e.rel) {
            // A database gets back its own -wal/-shm below; any newer ones go aside first.
            for suffix in ["-wal", "-shm"] {
                let side = PathBuf::from(format!("{}{suffix}", e.path.display()));
                if fs::symlink_metadata(&side).is_ok() && entries.iter().any(|o| o.path == side) {
                    set_aside(undo, &side, &format!("{}{suffix}", e.rel), &e.rule)?;
                }
            }
        }
        put_original(set, undo, e)?;
        report.restored.push(e.rel.clone());
    }
    if let Some(u) = &mut undo {
        u.manifest.status = Status::Applied;
        u.save()
            .map_err(|err| format!("writing the manifest: {err}"))?;
        report.new_set = Some(u.manifest.id.clone());
    }
    set.manifest.status = final_status;
    set.save()
        .map_err(|err| format!("writing the manifest: {err}"))?;
    Ok(report)
}

fn record(undo: &mut BackupSet, entry: Entry) -> Result<usize, String> {
    undo.manifest.entries.push(entry);
    undo.save()
        .map_err(|e| format!("writing the manifest: {e}"))?;
    Ok(undo.manifest.entries.len() - 1)
}

fn done(undo: &mut BackupSet, i: usize) -> Result<(), String> {
    let e = &mut undo.manifest.entries[i];
    e.replacement = Meta::of(&e.path).map_err(|err| format!("{}: {err}", e.rel))?;
    e.done = true;
    undo.save()
        .map_err(|e| format!("writing the manifest: {e}"))
}

/// Moves what is at `path` now into the restore's own set.
fn set_aside(undo: &mut BackupSet, path: &Path, rel: &str, rule: &str) -> Result<(), String> {
    let live = Meta::of(path).map_err(|e| format!("{rel}: {e}"))?;
    let (kept, kept_path) = undo.next_kept(rel);
    let i = record(
        undo,
        Entry {
            path: path.to_path_buf(),
            rel: rel.to_string(),
            op: Op::Move,
            rule: rule.to_string(),
            original: live,
            kept: Some(kept),
            replacement: None,
            done: false,
        },
    )?;
    fsops::move_durable(path, &kept_path).map_err(|e| format!("moving {rel} aside: {e}"))?;
    done(undo, i)
}

fn put_original(set: &BackupSet, undo: &mut BackupSet, e: &Entry) -> Result<(), String> {
    let tag = undo.manifest.id.clone();
    let live = Meta::of(&e.path).map_err(|err| format!("{}: {err}", e.rel))?;
    match (&e.original, &e.kept) {
        // Only the mode changed: change it back.
        (Some(orig), _) if e.op == Op::Chmod => {
            let i = record(
                undo,
                Entry {
                    path: e.path.clone(),
                    rel: e.rel.clone(),
                    op: Op::Chmod,
                    rule: e.rule.clone(),
                    original: live,
                    kept: None,
                    replacement: None,
                    done: false,
                },
            )?;
            fs::set_permissions(&e.path, fs::Permissions::from_mode(orig.mode))
                .map_err(|err| format!("chmod {}: {err}", e.rel))?;
            done(undo, i)
        }
        // The path did not exist before: what is there goes into the new set.
        (None, _) => match live {
            Some(_) => set_aside(undo, &e.path, &e.rel, &e.rule),
            None => Ok(()),
        },
        (Some(orig), Some(kept)) => {
            let kept_path = set.dir.join(kept);
            if !kept_path.exists() {
                // Interrupted before the original was kept: it never left the live state.
                return Ok(());
            }
            let (undo_kept, undo_kept_path) = undo.next_kept(&e.rel);
            let i = record(
                undo,
                Entry {
                    path: e.path.clone(),
                    rel: e.rel.clone(),
                    op: if live.is_some() { Op::Write } else { Op::Move },
                    rule: e.rule.clone(),
                    original: live.clone(),
                    kept: live.as_ref().map(|_| undo_kept.clone()),
                    replacement: None,
                    done: false,
                },
            )?;
            match &live {
                // A file: kept in the new set by hard link, then replaced in one rename, so
                // the path is never missing.
                Some(l) if !l.is_dir && !orig.is_dir => {
                    fsops::preserve(&e.path, &undo_kept_path)
                        .map_err(|err| format!("backing up {}: {err}", e.rel))?;
                    fsops::replace_with_copy(&kept_path, &e.path, &tag)
                        .map_err(|err| format!("restoring {}: {err}", e.rel))?;
                }
                Some(_) => {
                    fsops::move_durable(&e.path, &undo_kept_path)
                        .map_err(|err| format!("moving {} aside: {err}", e.rel))?;
                    fsops::put_back(&kept_path, &e.path, &tag)
                        .map_err(|err| format!("restoring {}: {err}", e.rel))?;
                }
                None => fsops::put_back(&kept_path, &e.path, &tag)
                    .map_err(|err| format!("restoring {}: {err}", e.rel))?,
            }
            if !orig.is_dir {
                let f = fs::File::open(&e.path).map_err(|err| format!("{}: {err}", e.rel))?;
                let _ = std::os::unix::fs::fchown(&f, Some(orig.uid), Some(orig.gid));
                f.set_permissions(fs::Permissions::from_mode(orig.mode))
                    .map_err(|err| format!("{}: {err}", e.rel))?;
                f.sync_all().map_err(|err| format!("{}: {err}", e.rel))?;
            }
            done(undo, i)
        }
        (Some(_), None) => Err(format!("{}: the manifest keeps no copy of it", e.rel)),
    }
}

/// Undoes a failed run without needing free space (the usual cause of the failure): no new
/// set, no copies. What the run wrote is renamed into its own set (`files/rolled-back-*`),
/// and each original comes back by a hard link to its kept copy renamed into place. Used only
/// when `restore` could not roll back (it copies, and records into a new set).
pub fn rollback_in_place(set: &mut BackupSet) -> Result<(), String> {
    verify_kept(set)?;
    let entries = set.manifest.entries.clone();
    let tag = format!("{}-rb", set.manifest.id);
    for i in order(&entries) {
        let e = &entries[i];
        match judge(e)? {
            Verdict::Unchanged => continue,
            Verdict::Conflict(why) => return Err(format!("{}: {why}", e.rel)),
            Verdict::Restore => {}
        }
        let name = Path::new(&e.rel)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "file".into());
        let ours = set.dir.join(format!("files/rolled-back-{i:03}-{name}"));
        let put_ours_aside = |e: &Entry| -> Result<(), String> {
            if fs::symlink_metadata(&e.path).is_ok() {
                fsops::move_durable(&e.path, &ours)
                    .map_err(|err| format!("moving {} aside: {err}", e.rel))?;
            }
            Ok(())
        };
        match (&e.original, &e.kept) {
            (Some(orig), _) if e.op == Op::Chmod => {
                fs::set_permissions(&e.path, fs::Permissions::from_mode(orig.mode))
                    .map_err(|err| format!("chmod {}: {err}", e.rel))?;
            }
            (None, _) => put_ours_aside(e)?,
            (Some(orig), Some(kept)) => {
                let kept_path = set.dir.join(kept);
                if !kept_path.exists() {
                    continue; // never left the live state
                }
                if orig.is_dir {
                    put_ours_aside(e)?;
                    fsops::put_back(&kept_path, &e.path, &tag)
                        .map_err(|err| format!("restoring {}: {err}", e.rel))?;
                } else {
                    // Link beside, then one rename: the path is never missing.
                    let tmp = fsops::temp_beside(&e.path, &tag);
                    let _ = fs::remove_file(&tmp);
                    fs::hard_link(&kept_path, &tmp)
                        .map_err(|err| format!("restoring {}: {err}", e.rel))?;
                    if fs::symlink_metadata(&e.path).is_ok() {
                        fs::hard_link(&e.path, &ours)
                            .map_err(|err| format!("keeping {}: {err}", e.rel))?;
                    }
                    fsops::rename_durable(&tmp, &e.path)
                        .map_err(|err| format!("restoring {}: {err}", e.rel))?;
                }
            }
            (Some(_), None) => return Err(format!("{}: the manifest keeps no copy of it", e.rel)),
        }
    }
    set.manifest.status = Status::RolledBack;
    set.save().map_err(|err| {
        format!("every change was undone, but the manifest could not be updated ({err})")
    })
}
