//! Who else holds a lock on a file, from `/proc/locks` (Linux): SQLite takes POSIX locks on the
//! database during a transaction and on its `-shm` for as long as a WAL connection is open.
//! Reading the table takes no lock and writes nothing, unlike probing with a connection
//! (which can create `-wal`/`-shm` or checkpoint into the file being backed up).

use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// Pids other than this process holding a POSIX, OFD or flock lock on any of `paths` (sorted,
/// deduplicated; `-1` for an OFD lock, whose owner the kernel does not list; SQLite may use
/// those). Empty where `/proc/locks` does not exist.
pub fn holders(paths: &[&Path]) -> Vec<i64> {
    let Ok(table) = std::fs::read_to_string("/proc/locks") else {
        return Vec::new();
    };
    let ids: Vec<(u64, u64, u64)> = paths
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| {
            let dev = m.dev();
            let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & !0xfff);
            let minor = (dev & 0xff) | ((dev >> 12) & !0xff);
            (major, minor, m.ino())
        })
        .collect();
    let me = i64::from(std::process::id());
    let mut out: Vec<i64> = table.lines().filter_map(|l| parse(l, &ids)).collect();
    out.retain(|pid| *pid != me);
    out.sort_unstable();
    out.dedup();
    out
}

/// `1: POSIX  ADVISORY  WRITE 28929 fe:00:6195376 1073741824 1073742335` -> the pid, when the
/// `major:minor:inode` (hex:hex:decimal) is one of `ids`. Blocked waiters (`->`) are skipped.
fn parse(line: &str, ids: &[(u64, u64, u64)]) -> Option<i64> {
    let f: Vec<&str> = line.split_whitespace().collect();
    if f.get(1) == Some(&"->") {
        return None;
    }
    let pid = f.get(4)?.parse().ok()?;
    let mut dev = f.get(5)?.split(':');
    let major = u64::from_str_radix(dev.next()?, 16).ok()?;
    let minor = u64::from_str_radix(dev.next()?, 16).ok()?;
    let ino = dev.next()?.parse().ok()?;
    ids.contains(&(major, minor, ino)).then_some(pid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_proc_locks_lines() {
        let ids = [(0xfe, 0, 6195376)];
        assert_eq!(
            parse(
                "3: POSIX  ADVISORY  WRITE 28929 fe:00:6195376 1073741824 1073742335",
                &ids
            ),
            Some(28929)
        );
        assert_eq!(
            parse(
                "1: OFDLCK ADVISORY  WRITE -1 fe:00:6195376 1073741824 1073742335",
                &ids
            ),
            Some(-1)
        );
        assert_eq!(
            parse("3: POSIX  ADVISORY  WRITE 28929 fe:00:6195377 1 2", &ids),
            None
        );
        assert_eq!(
            parse("3: -> POSIX  ADVISORY  WRITE 28929 fe:00:6195376 1 2", &ids),
            None
        );
    }

    #[test]
    fn another_process_holding_a_lock_is_seen() {
        let d = tempfile::tempdir().unwrap();
        let db = d.path().join("x.sqlite");
        // A child process holds an flock for a moment (std's lock is flock, also listed).
        std::fs::write(&db, b"x").unwrap();
        let mut child = std::process::Command::new("flock")
            .arg(&db)
            .args(["sleep", "5"])
            .spawn();
        let Ok(child) = child.as_mut() else {
            return; // no flock(1) here
        };
        let mut seen = Vec::new();
        for _ in 0..100 {
            seen = holders(&[&db]);
            if !seen.is_empty() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
        assert!(!seen.is_empty(), "the flock holder was not seen");
        assert!(holders(&[&d.path().join("absent")]).is_empty());
    }
}
