//! File operations with the durability a repair needs: atomic replacement (temp file in the
//! same folder, fsync, rename, fsync the folder), owner and mode kept, originals preserved by
//! hard link or rename (copy and verify only across filesystems), hashes for the manifest.

use sha2::{Digest, Sha256};
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Temp files claw-doctor leaves only if killed mid-write; recognisable so they can be cleaned.
pub const TEMP_MARK: &str = ".claw-doctor-tmp";

pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut f = File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex(&h.finalize()))
}

pub fn sha256(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A stable hash of a directory tree: relative paths, types, modes and file contents.
pub fn sha256_tree(dir: &Path) -> std::io::Result<String> {
    let mut entries = Vec::new();
    walk(dir, dir, &mut entries)?;
    entries.sort();
    Ok(sha256(entries.join("\n").as_bytes()))
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) -> std::io::Result<()> {
    for e in fs::read_dir(dir)? {
        let e = e?;
        let p = e.path();
        let m = fs::symlink_metadata(&p)?;
        let rel = p
            .strip_prefix(root)
            .unwrap_or(&p)
            .to_string_lossy()
            .into_owned();
        let mode = m.mode() & 0o7777;
        if m.file_type().is_symlink() {
            out.push(format!("l {rel} {}", fs::read_link(&p)?.to_string_lossy()));
        } else if m.is_dir() {
            out.push(format!("d {rel} {mode:o}"));
            walk(root, &p, out)?;
        } else {
            out.push(format!("f {rel} {mode:o} {}", sha256_file(&p)?));
        }
    }
    Ok(())
}

pub fn fsync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

fn parent(path: &Path) -> &Path {
    path.parent().unwrap_or(Path::new("."))
}

/// The temp path beside `path` for an atomic replacement.
pub fn temp_beside(path: &Path, tag: &str) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    parent(path).join(format!(".{name}.{tag}{TEMP_MARK}"))
}

/// Ownership to give a new file: the original's, when claw-doctor may set it (root).
#[derive(Debug, Clone, Copy)]
pub struct Owner {
    pub uid: u32,
    pub gid: u32,
}

/// Writes `bytes` to a temp file beside `path` with `mode` (and owner), fsyncs it and returns
/// the temp path; the caller renames it into place.
pub fn write_temp(
    path: &Path,
    tag: &str,
    bytes: &[u8],
    mode: u32,
    owner: Option<Owner>,
) -> std::io::Result<PathBuf> {
    let tmp = temp_beside(path, tag);
    let _ = fs::remove_file(&tmp); // our own leftover from a killed run
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)?;
    // Half, then the rest: a kill in between leaves a torn temp file, as a real crash can.
    let (head, tail) = bytes.split_at(bytes.len() / 2);
    f.write_all(head)?;
    super::apply::failpoint("temp-half-written");
    f.write_all(tail)?;
    set_owner_mode(&f, mode, owner)?;
    f.sync_all()?;
    Ok(tmp)
}

fn set_owner_mode(f: &File, mode: u32, owner: Option<Owner>) -> std::io::Result<()> {
    if let Some(o) = owner {
        let m = f.metadata()?;
        if m.uid() != o.uid || m.gid() != o.gid {
            // Only root can give a file away; anyone else keeps their own files.
            let _ = std::os::unix::fs::fchown(f, Some(o.uid), Some(o.gid));
        }
    }
    f.set_permissions(fs::Permissions::from_mode(mode))
}

/// Renames `from` over `to` and makes the rename durable.
pub fn rename_durable(from: &Path, to: &Path) -> std::io::Result<()> {
    fs::rename(from, to)?;
    super::apply::failpoint("renamed-not-synced");
    fsync_dir(parent(to))?;
    if parent(from) != parent(to) {
        fsync_dir(parent(from))?;
    }
    Ok(())
}

fn cross_device(e: &std::io::Error) -> bool {
    e.raw_os_error() == Some(18) // EXDEV
}

/// Keeps `src` at `dst` without copying when possible: a hard link (the caller will replace
/// `src` by rename, so the linked inode is never written again), else a verified copy.
pub fn preserve(src: &Path, dst: &Path) -> std::io::Result<()> {
    match fs::hard_link(src, dst) {
        Ok(()) => {}
        Err(_) => copy_verified(src, dst)?,
    }
    super::apply::failpoint("preserved-not-synced");
    fsync_dir(parent(dst))
}

/// Copies a file with its mode, fsyncs it and checks the copy's hash against the source.
pub fn copy_verified(src: &Path, dst: &Path) -> std::io::Result<()> {
    let mode = fs::metadata(src)?.mode() & 0o7777;
    fs::copy(src, dst)?;
    let f = File::open(dst)?;
    f.set_permissions(fs::Permissions::from_mode(mode))?;
    f.sync_all()?;
    if sha256_file(src)? != sha256_file(dst)? {
        return Err(std::io::Error::other(format!(
            "the copy of {} does not match it",
            src.display()
        )));
    }
    Ok(())
}

fn copy_tree(src: &Path, dst: &Path) -> std::io::Result<()> {
    let m = fs::symlink_metadata(src)?;
    if m.file_type().is_symlink() {
        std::os::unix::fs::symlink(fs::read_link(src)?, dst)
    } else if m.is_dir() {
        fs::create_dir(dst)?;
        for e in fs::read_dir(src)? {
            let e = e?;
            copy_tree(&e.path(), &dst.join(e.file_name()))?;
        }
        fs::set_permissions(dst, fs::Permissions::from_mode(m.mode() & 0o7777))
    } else {
        copy_verified(src, dst)
    }
}

/// Moves a file or tree: a rename, or across filesystems a verified copy and then removal of
/// the source (the only removal, and only of bytes that now exist, hash-checked, elsewhere).
pub fn move_durable(src: &Path, dst: &Path) -> std::io::Result<()> {
    match fs::rename(src, dst) {
        Ok(()) => {
            fsync_dir(parent(dst))?;
            fsync_dir(parent(src))
        }
        Err(e) if cross_device(&e) => {
            let is_dir = fs::symlink_metadata(src)?.is_dir();
            let before = if is_dir {
                sha256_tree(src)?
            } else {
                sha256_file(src)?
            };
            copy_tree(src, dst)?;
            let after = if is_dir {
                sha256_tree(dst)?
            } else {
                sha256_file(dst)?
            };
            if before != after {
                return Err(std::io::Error::other(
                    "the copy does not match the original",
                ));
            }
            fsync_dir(parent(dst))?;
            if is_dir {
                fs::remove_dir_all(src)?;
            } else {
                fs::remove_file(src)?;
            }
            fsync_dir(parent(src))
        }
        Err(e) => Err(e),
    }
}

/// Puts a kept copy (file or tree) back at `dst`, which must not exist: copied beside it first,
/// then renamed, so `dst` appears whole or not at all. The kept copy stays.
pub fn put_back(kept: &Path, dst: &Path, tag: &str) -> std::io::Result<()> {
    let tmp = temp_beside(dst, tag);
    if tmp.exists() {
        if tmp.is_dir() {
            fs::remove_dir_all(&tmp)?;
        } else {
            fs::remove_file(&tmp)?;
        }
    }
    copy_tree(kept, &tmp)?;
    if fs::symlink_metadata(dst).is_ok() {
        return Err(std::io::Error::other(format!(
            "{} appeared while restoring it",
            dst.display()
        )));
    }
    rename_durable(&tmp, dst)
}

/// Replaces the file at `dst` with a copy of `kept` in one rename (the kept copy stays).
pub fn replace_with_copy(kept: &Path, dst: &Path, tag: &str) -> std::io::Result<()> {
    let tmp = temp_beside(dst, tag);
    let _ = fs::remove_file(&tmp);
    copy_verified(kept, &tmp)?;
    rename_durable(&tmp, dst)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_temp_then_rename_keeps_mode_and_the_linked_original() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("paired.json");
        fs::write(&p, b"old").unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o640)).unwrap();
        let kept = d.path().join("kept");
        preserve(&p, &kept).unwrap();
        let tmp = write_temp(&p, "t", b"new", 0o640, None).unwrap();
        rename_durable(&tmp, &p).unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"new");
        assert_eq!(fs::read(&kept).unwrap(), b"old");
        assert_eq!(fs::metadata(&p).unwrap().mode() & 0o777, 0o640);
        assert!(!tmp.exists());
    }

    #[test]
    fn trees_hash_by_content_and_mode() {
        let d = tempfile::tempdir().unwrap();
        let a = d.path().join("a");
        fs::create_dir(&a).unwrap();
        fs::write(a.join("f"), b"1").unwrap();
        let h1 = sha256_tree(&a).unwrap();
        put_back(&a, &d.path().join("b"), "t").unwrap();
        assert_eq!(sha256_tree(&d.path().join("b")).unwrap(), h1);
        fs::write(a.join("f"), b"2").unwrap();
        assert_ne!(sha256_tree(&a).unwrap(), h1);
    }

    #[test]
    fn put_back_refuses_to_overwrite() {
        let d = tempfile::tempdir().unwrap();
        fs::write(d.path().join("k"), b"1").unwrap();
        fs::write(d.path().join("x"), b"2").unwrap();
        assert!(put_back(&d.path().join("k"), &d.path().join("x"), "t").is_err());
        assert_eq!(fs::read(d.path().join("x")).unwrap(), b"2");
    }
}
