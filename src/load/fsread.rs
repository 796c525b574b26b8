//! Bounded, type-checked reads of state files. A FIFO, a directory or a 2 GB file where a small
//! JSON file is expected becomes a typed problem instead of a hang or an allocation.

use crate::model::{FileInfo, FileKind, FileType, LoadProblem, ProblemKind};
use std::fs;
use std::io::Read;
use std::path::Path;

/// Most stores are a few KiB; a generous cap still keeps a hostile file out of memory.
pub const STORE_LIMIT: u64 = 64 * 1024 * 1024;
pub const SMALL_LIMIT: u64 = 4 * 1024 * 1024;

#[cfg(all(
    any(target_os = "linux", target_os = "android"),
    any(
        target_arch = "x86",
        target_arch = "x86_64",
        target_arch = "arm",
        target_arch = "aarch64",
        target_arch = "riscv64",
        target_arch = "powerpc",
        target_arch = "powerpc64",
        target_arch = "s390x",
        target_arch = "loongarch64"
    )
))]
const O_NONBLOCK: i32 = 0o4000;
#[cfg(any(
    target_os = "macos",
    target_os = "ios",
    target_os = "freebsd",
    target_os = "openbsd",
    target_os = "netbsd",
    target_os = "dragonfly"
))]
const O_NONBLOCK: i32 = 0x4;
#[cfg(not(any(
    all(
        any(target_os = "linux", target_os = "android"),
        any(
            target_arch = "x86",
            target_arch = "x86_64",
            target_arch = "arm",
            target_arch = "aarch64",
            target_arch = "riscv64",
            target_arch = "powerpc",
            target_arch = "powerpc64",
            target_arch = "s390x",
            target_arch = "loongarch64"
        )
    ),
    target_os = "macos",
    target_os = "ios",
    target_os = "freebsd",
    target_os = "openbsd",
    target_os = "netbsd",
    target_os = "dragonfly"
)))]
const O_NONBLOCK: i32 = 0;

fn type_name(ft: &fs::FileType) -> &'static str {
    if ft.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "a FIFO";
        }
        if ft.is_socket() {
            return "a socket";
        }
        if ft.is_block_device() || ft.is_char_device() {
            return "a device";
        }
    }
    "not a regular file"
}

/// Opens without blocking on a FIFO swapped in after the type check.
fn open_for_read(path: &Path) -> std::io::Result<fs::File> {
    let mut opts = fs::OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(O_NONBLOCK);
    }
    #[cfg(not(unix))]
    let _ = O_NONBLOCK;
    opts.open(path)
}

fn not_regular(display: &str, ft: &fs::FileType) -> LoadProblem {
    LoadProblem::new(
        display,
        ProblemKind::NotRegularFile,
        format!("is {} where a file was expected; not read", type_name(ft)),
    )
}

/// Reads a file that may be absent. `Ok(None)` = no such file.
pub fn read_bounded(
    path: &Path,
    display: &str,
    limit: u64,
) -> Result<Option<Vec<u8>>, LoadProblem> {
    let meta = match fs::metadata(path) {
        Ok(m) => m,
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
            ) =>
        {
            // A dangling symlink is "present but unreadable", not absent.
            if fs::symlink_metadata(path).is_ok() {
                return Err(LoadProblem::new(
                    display,
                    ProblemKind::Unreadable,
                    "symlink points to a missing file",
                ));
            }
            return Ok(None);
        }
        Err(e) => {
            return Err(LoadProblem::new(
                display,
                ProblemKind::Unreadable,
                e.to_string(),
            ));
        }
    };
    if !meta.is_file() {
        return Err(not_regular(display, &meta.file_type()));
    }
    if meta.len() > limit {
        return Err(LoadProblem::new(
            display,
            ProblemKind::TooLarge,
            format!(
                "{} bytes; claw-doctor reads at most {limit} bytes of this file",
                meta.len()
            ),
        ));
    }
    let file = open_for_read(path)
        .map_err(|e| LoadProblem::new(display, ProblemKind::Unreadable, e.to_string()))?;
    // The path may have been swapped between the check and the open.
    match file.metadata() {
        Ok(m) if m.is_file() => {}
        Ok(m) => return Err(not_regular(display, &m.file_type())),
        Err(e) => {
            return Err(LoadProblem::new(
                display,
                ProblemKind::Unreadable,
                e.to_string(),
            ));
        }
    }
    let mut buf = Vec::with_capacity(meta.len() as usize);
    file.take(limit + 1)
        .read_to_end(&mut buf)
        .map_err(|e| LoadProblem::new(display, ProblemKind::Unreadable, e.to_string()))?;
    if buf.len() as u64 > limit {
        return Err(LoadProblem::new(
            display,
            ProblemKind::TooLarge,
            format!("grew past {limit} bytes while reading"),
        ));
    }
    Ok(Some(buf))
}

/// Parses bytes as strict JSON; a UTF-8 BOM is tolerated as Node's `JSON.parse` of a file read
/// as UTF-8 would not, so it is reported.
pub fn parse_json(bytes: &[u8], display: &str) -> Result<serde_json::Value, LoadProblem> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| LoadProblem::new(display, ProblemKind::NotUtf8, format!("not UTF-8: {e}")))?;
    serde_json::from_str(text).map_err(|e| {
        let detail = if text.trim().is_empty() {
            "empty file".to_string()
        } else {
            e.to_string()
        };
        LoadProblem::new(display, ProblemKind::NotJson, detail)
    })
}

/// Inventory entry for a path, without following symlinks; `None` when nothing is there.
pub fn inspect(path: &Path, kind: FileKind, state_dir: &Path) -> Option<FileInfo> {
    let meta = fs::symlink_metadata(path).ok()?;
    let ft = meta.file_type();
    let file_type = if ft.is_symlink() {
        FileType::Symlink
    } else if ft.is_dir() {
        FileType::Dir
    } else if ft.is_file() {
        FileType::File
    } else {
        FileType::Other
    };
    let (symlink_target, points_outside) = if ft.is_symlink() {
        let target = fs::read_link(path).ok();
        let resolved = fs::canonicalize(path).ok();
        let root = fs::canonicalize(state_dir).unwrap_or_else(|_| state_dir.to_path_buf());
        let outside = resolved.as_ref().is_none_or(|r| !r.starts_with(&root));
        (target, outside)
    } else {
        (None, false)
    };
    let rel = path
        .strip_prefix(state_dir)
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|_| path.to_string_lossy().into_owned());
    let modified_ms = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_millis() as i64);
    Some(FileInfo {
        kind,
        rel: if rel.is_empty() { ".".to_string() } else { rel },
        path: path.to_path_buf(),
        file_type,
        symlink_target,
        points_outside,
        size: meta.len(),
        mode: unix_mode(&meta),
        uid: unix_uid(&meta),
        modified_ms,
    })
}

#[cfg(unix)]
fn unix_mode(meta: &fs::Metadata) -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    Some(meta.mode() & 0o7777)
}
#[cfg(not(unix))]
fn unix_mode(_: &fs::Metadata) -> Option<u32> {
    None
}
#[cfg(unix)]
fn unix_uid(meta: &fs::Metadata) -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    Some(meta.uid())
}
#[cfg(not(unix))]
fn unix_uid(_: &fs::Metadata) -> Option<u32> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_is_none_and_limits_apply() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.json");
        assert!(read_bounded(&p, "x.json", 10).unwrap().is_none());
        fs::write(&p, b"{\"a\": 1234567890}").unwrap();
        let err = read_bounded(&p, "x.json", 10).unwrap_err();
        assert_eq!(err.kind, ProblemKind::TooLarge);
        assert_eq!(read_bounded(&p, "x.json", 100).unwrap().unwrap().len(), 17);
    }

    #[test]
    fn directory_and_fifo_are_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("paired.json");
        fs::create_dir(&d).unwrap();
        assert_eq!(
            read_bounded(&d, "paired.json", 10).unwrap_err().kind,
            ProblemKind::NotRegularFile
        );
        #[cfg(unix)]
        {
            let fifo = dir.path().join("fifo.json");
            let ok = std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .map(|s| s.success());
            if matches!(ok, Ok(true)) {
                // Would block forever if opened for reading.
                assert_eq!(
                    read_bounded(&fifo, "fifo.json", 10).unwrap_err().kind,
                    ProblemKind::NotRegularFile
                );
            }
        }
    }

    #[test]
    fn json_errors_are_typed() {
        assert_eq!(parse_json(b"", "f").unwrap_err().detail, "empty file");
        assert_eq!(
            parse_json(b"{\"a\":", "f").unwrap_err().kind,
            ProblemKind::NotJson
        );
        assert_eq!(
            parse_json(b"\xff\xfe", "f").unwrap_err().kind,
            ProblemKind::NotUtf8
        );
        // deep nesting is an error, not a stack overflow
        let deep = "[".repeat(100_000);
        assert_eq!(
            parse_json(deep.as_bytes(), "f").unwrap_err().kind,
            ProblemKind::NotJson
        );
    }

    #[cfg(unix)]
    #[test]
    fn inspect_reports_symlinks_outside() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let target = outside.path().join("t.json");
        fs::write(&target, b"{}").unwrap();
        let link = dir.path().join("paired.json");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let info = inspect(&link, FileKind::PairedJson, dir.path()).unwrap();
        assert_eq!(info.file_type, FileType::Symlink);
        assert!(info.points_outside);
        assert_eq!(info.rel, "paired.json");
    }
}
