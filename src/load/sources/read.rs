//! Bounded reads of small text files, and filtered, sorted directory listings.
//!
//! The file type is checked before opening (and again on the open handle), and the open uses
//! `O_NONBLOCK` where the platform constant is known, so a FIFO where a file is expected never
//! blocks. A missing file is not a problem; everything else that stops a read is.

use crate::model::{LoadProblem, ProblemKind};
use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

/// Service files, `.env` files and `package.json` are a few KiB; OpenClaw itself reads at most
/// 1 MiB of a `.env` file.
pub(super) const MAX_FILE_BYTES: u64 = 1024 * 1024;
/// Directory entries looked at per listing (a home dir can be large; the filter keeps few).
const MAX_DIR_SCAN: usize = 100_000;

pub(super) fn shown(p: &Path) -> String {
    p.display().to_string()
}

fn is_missing(e: &std::io::Error) -> bool {
    matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory)
}

/// The bytes of a small regular file. `None` when it is absent (no problem) or could not be
/// read (a problem is pushed). The one bounded reader of the crate does the work.
pub(super) fn read_bytes(path: &Path, problems: &mut Vec<LoadProblem>) -> Option<Vec<u8>> {
    match crate::load::fsread::read_bounded(path, &shown(path), MAX_FILE_BYTES) {
        Ok(bytes) => bytes,
        Err(p) => {
            problems.push(p);
            None
        }
    }
}

/// Text of a small file: a UTF-8 BOM is dropped, UTF-16 with a BOM (what Windows tools write)
/// is decoded, anything else is read as UTF-8 with invalid bytes replaced.
pub(super) fn read_text(path: &Path, problems: &mut Vec<LoadProblem>) -> Option<String> {
    read_bytes(path, problems).map(|b| decode_text(&b))
}

pub(super) fn decode_text(bytes: &[u8]) -> String {
    let utf16 = |rest: &[u8], le: bool| -> String {
        let units = rest.chunks(2).map(|c| {
            let pair = [c[0], *c.get(1).unwrap_or(&0)];
            if le {
                u16::from_le_bytes(pair)
            } else {
                u16::from_be_bytes(pair)
            }
        });
        char::decode_utf16(units)
            .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect()
    };
    match bytes {
        [0xEF, 0xBB, 0xBF, rest @ ..] => String::from_utf8_lossy(rest).into_owned(),
        [0xFF, 0xFE, rest @ ..] => utf16(rest, true),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, false),
        _ => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// Entries of `dir` whose (lossy) name passes `keep`, sorted by name. A missing directory, or a
/// file where the directory would be, lists as empty; an unreadable one is a problem.
pub(super) fn list_dir(
    dir: &Path,
    problems: &mut Vec<LoadProblem>,
    keep: impl Fn(&str) -> bool,
) -> Vec<(String, PathBuf)> {
    let rd = match fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if is_missing(&e) => return Vec::new(),
        Err(e) => {
            if fs::metadata(dir).is_ok_and(|m| m.is_dir()) {
                problems.push(LoadProblem::new(
                    shown(dir),
                    ProblemKind::Unreadable,
                    e.to_string(),
                ));
            }
            return Vec::new();
        }
    };
    let mut out: Vec<(String, PathBuf)> = rd
        .take(MAX_DIR_SCAN)
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            keep(&name).then(|| (name, e.path()))
        })
        .collect();
    out.sort();
    out
}

/// Whether two paths name the same file: equal after canonicalization, or lexically when
/// either does not exist.
pub(super) fn same_path(a: &Path, b: &Path) -> bool {
    match (fs::canonicalize(a), fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => lexical(a) == lexical(b),
    }
}

/// `a/./b//c/` → `a/b/c` (no `..` resolution: that needs the file system).
fn lexical(p: &Path) -> PathBuf {
    p.components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_boms_and_invalid_utf8() {
        assert_eq!(decode_text(b"\xEF\xBB\xBFA=1"), "A=1");
        assert_eq!(decode_text(&[0xFF, 0xFE, b'A', 0, b'=', 0, b'1', 0]), "A=1");
        assert_eq!(decode_text(&[0xFE, 0xFF, 0, b'A']), "A");
        assert_eq!(decode_text(b"A=\xFF1"), "A=\u{FFFD}1");
        // An odd trailing byte must not panic.
        assert_eq!(decode_text(&[0xFF, 0xFE, b'A']), "A");
    }

    #[test]
    fn missing_is_silent_and_directory_is_a_problem() {
        let d = tempfile::tempdir().unwrap();
        let mut p = Vec::new();
        assert!(read_bytes(&d.path().join("nope"), &mut p).is_none());
        assert!(read_bytes(&d.path().join("nope/deeper"), &mut p).is_none());
        assert!(p.is_empty(), "{p:?}");
        assert!(read_bytes(d.path(), &mut p).is_none());
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].kind, ProblemKind::NotRegularFile);
        assert!(p[0].detail.contains("directory"), "{}", p[0].detail);
    }

    #[cfg(unix)]
    #[test]
    fn dangling_symlink_is_a_problem() {
        let d = tempfile::tempdir().unwrap();
        let link = d.path().join("link");
        std::os::unix::fs::symlink(d.path().join("gone"), &link).unwrap();
        let mut p = Vec::new();
        assert!(read_bytes(&link, &mut p).is_none());
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].kind, ProblemKind::Unreadable);
    }

    #[test]
    fn size_limit_is_inclusive() {
        let d = tempfile::tempdir().unwrap();
        let ok = d.path().join("ok");
        fs::write(&ok, vec![b'a'; MAX_FILE_BYTES as usize]).unwrap();
        let big = d.path().join("big");
        fs::write(&big, vec![b'a'; MAX_FILE_BYTES as usize + 1]).unwrap();
        let mut p = Vec::new();
        assert_eq!(
            read_bytes(&ok, &mut p).map(|b| b.len()),
            Some(MAX_FILE_BYTES as usize)
        );
        assert!(read_bytes(&big, &mut p).is_none());
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].kind, ProblemKind::TooLarge);
    }

    #[test]
    fn listing_is_sorted_and_filtered() {
        let d = tempfile::tempdir().unwrap();
        for n in ["c.service", "a.service", "b.txt"] {
            fs::write(d.path().join(n), "").unwrap();
        }
        let mut p = Vec::new();
        let names: Vec<String> = list_dir(d.path(), &mut p, |n| n.ends_with(".service"))
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(names, ["a.service", "c.service"]);
        assert!(list_dir(&d.path().join("missing"), &mut p, |_| true).is_empty());
        assert!(list_dir(&d.path().join("b.txt"), &mut p, |_| true).is_empty());
        assert!(p.is_empty());
    }
}
