//! Writes changes into the live state behind a backup set, one durable step at a time:
//! manifest entry (intent) -> original preserved in the set -> new content in a temp file ->
//! rename -> manifest entry done. A crash between any two steps leaves every path either as
//! it was or as intended, and the manifest says which paths to look at.

use super::backup::{BackupSet, Entry, Meta, Op};
use super::fsops::{self, Owner};
use super::sqlite_rows;
use super::workspace::{Change, RowEdit};
use rusqlite::{Connection, OpenFlags};
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// Test hook: `CLAW_DOCTOR_FAILPOINT=<step>` kills the process at that step (as a crash or
/// `kill -9` would), so tests can prove every intermediate state is recoverable.
/// `CLAW_DOCTOR_FAILPOINT=pause@N` instead stops at the N-th failpoint crossed, whatever its
/// name, says so on stderr and waits there forever: the kill loop SIGKILLs it at that point.
/// `trace` names each one crossed (to count them).
pub fn failpoint(step: &str) {
    let Ok(v) = std::env::var("CLAW_DOCTOR_FAILPOINT") else {
        return;
    };
    if v == "trace" {
        eprintln!("claw-doctor: failpoint {step}: crossed");
    }
    if v == step {
        eprintln!("claw-doctor: failpoint {step}: aborting");
        std::process::abort();
    }
    if let Some(n) = v
        .strip_prefix("pause@")
        .and_then(|n| n.parse::<usize>().ok())
    {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static CROSSED: AtomicUsize = AtomicUsize::new(0);
        if CROSSED.fetch_add(1, Ordering::SeqCst) + 1 == n {
            eprintln!("claw-doctor: failpoint pause@{n} ({step}): waiting to be killed");
            loop {
                std::thread::sleep(std::time::Duration::from_secs(3600));
            }
        }
    }
}

/// Test hook: `CLAW_DOCTOR_FAILPOINT=panic@<step>` panics there with `payload` (state file
/// contents, in the tests): the panic hook must not print it.
pub fn panic_point(step: &str, payload: impl FnOnce() -> String) {
    if std::env::var("CLAW_DOCTOR_FAILPOINT").is_ok_and(|v| v.strip_prefix("panic@") == Some(step))
    {
        panic!("failpoint {step}: {}", payload());
    }
}

fn io(what: &str, rel: &str) -> impl Fn(std::io::Error) -> String {
    let what = what.to_string();
    let rel = rel.to_string();
    move |e| format!("{what} {rel}: {e}")
}

fn owner_of(m: &Meta) -> Option<Owner> {
    Some(Owner {
        uid: m.uid,
        gid: m.gid,
    })
}

fn begin(set: &mut BackupSet, entry: Entry) -> Result<usize, String> {
    set.manifest.entries.push(entry);
    set.save()
        .map_err(|e| format!("writing the backup manifest: {e}"))?;
    Ok(set.manifest.entries.len() - 1)
}

fn finish(set: &mut BackupSet, i: usize) -> Result<(), String> {
    let e = &mut set.manifest.entries[i];
    e.replacement = Meta::of(&e.path).map_err(io("checking", &e.rel))?;
    e.done = true;
    set.save()
        .map_err(|e| format!("writing the backup manifest: {e}"))
}

/// Applies `changes` in order, each attributed to `rule_of(rel)`.
pub fn apply(
    set: &mut BackupSet,
    changes: &[Change],
    rule_of: impl Fn(&str) -> String,
) -> Result<(), String> {
    let tag = set.manifest.id.clone();
    for change in changes {
        let rule = rule_of(change.rel());
        if !set.manifest.rules.contains(&rule) {
            set.manifest.rules.push(rule.clone());
        }
        match change {
            Change::Write {
                rel,
                path,
                before,
                after,
                mode,
            } => {
                let original = Meta::of(path).map_err(io("reading", rel))?;
                // The plan was made from what was read earlier; never overwrite anything newer.
                let now = match &original {
                    Some(m) if !m.is_dir => Some(fs::read(path).map_err(io("reading", rel))?),
                    Some(_) => return Err(format!("{rel} became a directory")),
                    None => None,
                };
                if now != *before {
                    return Err(format!(
                        "{rel} changed since it was read; nothing written to it"
                    ));
                }
                let (kept, kept_path) = set.next_kept(rel);
                let i = begin(
                    set,
                    Entry {
                        path: path.clone(),
                        rel: rel.clone(),
                        op: Op::Write,
                        rule: rule.clone(),
                        kept: original.as_ref().map(|_| kept.clone()),
                        original: original.clone(),
                        replacement: None,
                        done: false,
                    },
                )?;
                if original.is_some() {
                    fsops::preserve(path, &kept_path).map_err(io("backing up", rel))?;
                }
                failpoint("after-backup");
                let owner = original.as_ref().and_then(owner_of);
                let tmp = fsops::write_temp(path, &tag, after, *mode, owner)
                    .map_err(io("writing", rel))?;
                failpoint("after-temp-write");
                failpoint("before-rename");
                fsops::rename_durable(&tmp, path).map_err(io("replacing", rel))?;
                failpoint("after-rename");
                finish(set, i)?;
            }
            Change::MoveAside { rel, path, .. } => {
                let original = Meta::of(path).map_err(io("reading", rel))?;
                let (kept, kept_path) = set.next_kept(rel);
                let i = begin(
                    set,
                    Entry {
                        path: path.clone(),
                        rel: rel.clone(),
                        op: Op::Move,
                        rule: rule.clone(),
                        kept: Some(kept),
                        original,
                        replacement: None,
                        done: false,
                    },
                )?;
                failpoint("after-backup");
                fsops::move_durable(path, &kept_path).map_err(io("moving", rel))?;
                failpoint("after-rename");
                finish(set, i)?;
            }
            Change::Chmod { rel, path, to, .. } => {
                let original = Meta::of(path).map_err(io("reading", rel))?;
                let i = begin(
                    set,
                    Entry {
                        path: path.clone(),
                        rel: rel.clone(),
                        op: Op::Chmod,
                        rule: rule.clone(),
                        kept: None,
                        original,
                        replacement: None,
                        done: false,
                    },
                )?;
                failpoint("after-backup");
                use std::os::unix::fs::PermissionsExt;
                fs::set_permissions(path, fs::Permissions::from_mode(*to))
                    .map_err(io("changing the mode of", rel))?;
                failpoint("after-rename");
                finish(set, i)?;
            }
            Change::Sqlite { rel, path, edits } => apply_sqlite(set, rel, path, edits, &rule)?,
        }
    }
    Ok(())
}

/// The database is never edited in place: a copy made with SQLite's backup API is edited in
/// one transaction and checked (`integrity_check`), the originals (database, `-wal`, `-shm`)
/// go into the set untouched, and the copy is renamed over the database.
fn apply_sqlite(
    set: &mut BackupSet,
    rel: &str,
    path: &Path,
    edits: &[RowEdit],
    rule: &str,
) -> Result<(), String> {
    let tag = set.manifest.id.clone();
    let original = Meta::of(path)
        .map_err(io("reading", rel))?
        .ok_or_else(|| format!("{rel} disappeared"))?;
    // A consistent snapshot of the live database (WAL included) in the set, by the backup API.
    let (src, _copy) = crate::load::sqlite::open_read(path)?;
    let snapshot = set.dir.join("openclaw.sqlite.snapshot");
    src.backup(rusqlite::MAIN_DB, &snapshot, None)
        .map_err(|e| format!("snapshot of {rel}: {e}"))?;
    let tmp = fsops::temp_beside(path, &tag);
    let _ = fs::remove_file(&tmp);
    src.backup(rusqlite::MAIN_DB, &tmp, None)
        .map_err(|e| format!("copying {rel}: {e}"))?;
    drop(src);
    let edited = (|| -> Result<(), String> {
        let mut conn = Connection::open_with_flags(&tmp, OpenFlags::SQLITE_OPEN_READ_WRITE)
            .map_err(|e| e.to_string())?;
        let tx = conn.transaction().map_err(|e| e.to_string())?;
        for e in edits {
            let now = sqlite_rows::read(&tx, &e.table, &e.key)?;
            if now.as_ref() != Some(&e.before) {
                return Err(format!(
                    "{} row {} changed since it was read",
                    e.table.name,
                    e.key.first().and_then(|k| k.as_str()).unwrap_or("?")
                ));
            }
            sqlite_rows::write(&tx, &e.table, &e.key, e.after.as_ref())?;
        }
        tx.commit().map_err(|e| e.to_string())?;
        let check: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .map_err(|e| e.to_string())?;
        if check != "ok" {
            return Err(format!("integrity_check after the edit: {check}"));
        }
        conn.close().map_err(|(_, e)| e.to_string())
    })();
    if let Err(e) = edited {
        let _ = fs::remove_file(&tmp);
        return Err(format!("{rel}: {e}; nothing written"));
    }
    {
        let f = fs::File::open(&tmp).map_err(io("syncing", rel))?;
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(fs::Permissions::from_mode(original.mode))
            .map_err(io("syncing", rel))?;
        if f.metadata()
            .is_ok_and(|m| m.uid() != original.uid || m.gid() != original.gid)
        {
            let _ = std::os::unix::fs::fchown(&f, Some(original.uid), Some(original.gid));
        }
        f.sync_all().map_err(io("syncing", rel))?;
    }
    failpoint("after-temp-write");
    // Originals first: the database by hard link (it is replaced by rename, never written),
    // then its -wal and -shm moved away, so no stale WAL is ever replayed onto the new file.
    let (kept, kept_path) = set.next_kept(rel);
    let i = begin(
        set,
        Entry {
            path: path.to_path_buf(),
            rel: rel.to_string(),
            op: Op::Write,
            rule: rule.to_string(),
            kept: Some(kept),
            original: Some(original),
            replacement: None,
            done: false,
        },
    )?;
    fsops::preserve(path, &kept_path).map_err(io("backing up", rel))?;
    failpoint("after-backup");
    for suffix in ["-wal", "-shm"] {
        let side = Path::new(&format!("{}{suffix}", path.display())).to_path_buf();
        let side_rel = format!("{rel}{suffix}");
        let Some(meta) = Meta::of(&side).map_err(io("reading", &side_rel))? else {
            continue;
        };
        let (kept, kept_path) = set.next_kept(&side_rel);
        let j = begin(
            set,
            Entry {
                path: side.clone(),
                rel: side_rel.clone(),
                op: Op::Move,
                rule: rule.to_string(),
                kept: Some(kept),
                original: Some(meta),
                replacement: None,
                done: false,
            },
        )?;
        fsops::move_durable(&side, &kept_path).map_err(io("moving", &side_rel))?;
        finish(set, j)?;
    }
    failpoint("before-rename");
    fsops::rename_durable(&tmp, path).map_err(io("replacing", rel))?;
    failpoint("after-rename");
    finish(set, i)
}
