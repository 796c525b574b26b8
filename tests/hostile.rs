//! Hostile state: what a broken disk, a confused user or an attacker can leave in a state dir.
//! Each case must end with a clear message and the contract's exit code, never a panic or a
//! hang, and must write nothing: the state (and whatever a symlink leads to) is fingerprinted
//! before and after, content, mode, type and mtime of every entry.
//!
//! Root reads and writes through chmod 000 / 555. As root the permission cases run the binary
//! under `setpriv` without CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH (mode bits then bind root
//! too); without setpriv they are skipped, saying so. The full-disk case mounts a small tmpfs
//! and is skipped, saying so, where mounting is not allowed.

mod common;

use common::Sandbox;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Every entry under `root` (not following symlinks): type, mode, mtime and a streamed hash
/// of regular files; special files are never opened.
fn fingerprint(root: &Path, skip_own: bool) -> BTreeMap<PathBuf, String> {
    fn walk(dir: &Path, root: &Path, skip_own: bool, out: &mut BTreeMap<PathBuf, String>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for e in rd.filter_map(Result::ok) {
            let p = e.path();
            let rel = p.strip_prefix(root).unwrap().to_path_buf();
            if skip_own && rel.starts_with(".claw-doctor") {
                continue;
            }
            let m = std::fs::symlink_metadata(&p).unwrap();
            let ft = m.file_type();
            let what = if ft.is_symlink() {
                format!("link {}", std::fs::read_link(&p).unwrap().display())
            } else if ft.is_dir() {
                walk(&p, root, skip_own, out);
                "dir".to_string()
            } else if ft.is_file() {
                let mut h = Sha256::new();
                if let Ok(mut f) = std::fs::File::open(&p) {
                    let mut buf = vec![0u8; 1 << 16];
                    // Sparse giants: the size and mtime say enough past the first 64 MiB.
                    let mut left = 64u64 << 20;
                    while left > 0 {
                        let n = f.read(&mut buf).unwrap_or(0);
                        if n == 0 {
                            break;
                        }
                        h.update(&buf[..n]);
                        left = left.saturating_sub(n as u64);
                    }
                }
                format!("file {} {:x}", m.len(), h.finalize())
            } else if ft.is_fifo() {
                "fifo".to_string()
            } else {
                "other".to_string()
            };
            out.insert(
                rel,
                format!(
                    "{what} mode={:o} mtime={}.{}",
                    m.mode(),
                    m.mtime(),
                    m.mtime_nsec()
                ),
            );
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, skip_own, &mut out);
    out
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// No panic, no internal error. Says what happened (exit code, last line) for the log.
fn sane(out: &Output, ctx: &str) -> String {
    let t = text(out);
    let last = String::from_utf8_lossy(&out.stderr)
        .lines()
        .chain(String::from_utf8_lossy(&out.stdout).lines())
        .rfind(|l| !l.trim().is_empty())
        .unwrap_or_default()
        .to_string();
    eprintln!("{ctx}: exit {:?}: {last}", out.status.code());
    assert!(
        !t.contains("panicked") && !t.contains("internal error") && out.status.code().is_some(),
        "{ctx}: {t}"
    );
    t
}

fn backup_sets(sb: &Sandbox) -> usize {
    std::fs::read_dir(sb.state().join(".claw-doctor/backups"))
        .map(|d| d.count())
        .unwrap_or(0)
}

fn is_root() -> bool {
    std::fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
}

/// How to run the binary so that mode bits bind it: nothing for a normal user; for root,
/// `setpriv` dropping the capabilities that bypass them. `None`: no way here (skip).
fn without_dac_override() -> Option<Vec<&'static str>> {
    if !is_root() {
        return Some(Vec::new());
    }
    let ok = Command::new("setpriv")
        .args(["--bounding-set=-dac_override,-dac_read_search", "true"])
        .status()
        .is_ok_and(|s| s.success());
    ok.then(|| vec!["setpriv", "--bounding-set=-dac_override,-dac_read_search"])
}

fn chmod(p: &Path, mode: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Sets every directory under (and including) `root` to `mode`.
fn chmod_dirs(root: &Path, mode: u32) {
    for e in std::fs::read_dir(root).unwrap().filter_map(Result::ok) {
        if e.file_type().unwrap().is_dir() {
            chmod_dirs(&e.path(), mode);
        }
    }
    chmod(root, mode);
}

const FIX: &[&str] = &["fix", "--yes", "--break-glass"];

/// Private modes everywhere below `p`, so no permission fix is due.
fn private_modes(p: &Path) {
    for e in std::fs::read_dir(p).unwrap().filter_map(Result::ok) {
        if e.file_type().unwrap().is_dir() {
            private_modes(&e.path());
            chmod(&e.path(), 0o700);
        } else {
            chmod(&e.path(), 0o600);
        }
    }
}

/// The healthy fixture with private modes, so the only thing a fix could act on is what the
/// test breaks.
fn healthy() -> Sandbox {
    let sb = Sandbox::new("json-healthy");
    private_modes(&sb.state());
    let out = sb.run(&["fix", "--dry-run", "--break-glass"]);
    assert_eq!(out.status.code(), Some(0), "healthy: {}", text(&out));
    sb
}

#[test]
fn a_symlink_out_of_the_state_is_read_reported_and_never_written_through() {
    let sb = Sandbox::new("json-scope-upgrade");
    let outside = sb.tmp.path().join("outside");
    std::fs::create_dir(&outside).unwrap();
    // The store file itself is a link to a file outside.
    let paired = sb.state().join("devices/paired.json");
    std::fs::rename(&paired, outside.join("paired.json")).unwrap();
    std::os::unix::fs::symlink(outside.join("paired.json"), &paired).unwrap();

    let out = sb.run(&["scan"]);
    let t = sane(&out, "scan");
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(
        t.contains("devices/paired.json: is a symlink to") && t.contains("outside the state dir"),
        "{t}"
    );
    // Read through: the device in it is known (no "every device looks unpaired").
    assert!(!t.contains("devices     none"), "{t}");

    fix_refused_through_link(&sb, &outside, "paired.json is a symlink");
}

/// The scope fix would write `devices/paired.json`: it must refuse, saying `why`, and leave
/// the state and what the link leads to as they were.
fn fix_refused_through_link(sb: &Sandbox, outside: &Path, why: &str) {
    let before = (fingerprint(&sb.state(), true), fingerprint(outside, false));
    let out = sb.run(&[
        "fix",
        "--yes",
        "--break-glass",
        "--only",
        "missing-operator-write",
    ]);
    let t = sane(&out, "fix");
    assert!(
        t.contains(why) && t.contains("does not write through symlinks"),
        "{t}"
    );
    assert_ne!(out.status.code(), Some(0), "{t}");
    assert_eq!(
        (fingerprint(&sb.state(), true), fingerprint(outside, false)),
        before
    );
    assert_eq!(backup_sets(sb), 0);
}

#[test]
fn a_symlinked_store_folder_or_backup_folder_is_never_written_through() {
    // `devices` itself a link: the file below is regular, the write would still land outside.
    let sb = Sandbox::new("json-scope-upgrade");
    let outside = sb.tmp.path().join("outside-devices");
    std::fs::rename(sb.state().join("devices"), &outside).unwrap();
    std::os::unix::fs::symlink(&outside, sb.state().join("devices")).unwrap();
    fix_refused_through_link(&sb, &outside, "devices is a symlink");

    // `.claw-doctor` a link: the lock and the backups would be written outside.
    let sb = Sandbox::new("json-scope-upgrade");
    let outside = sb.tmp.path().join("outside-backups");
    std::fs::create_dir(&outside).unwrap();
    std::os::unix::fs::symlink(&outside, sb.state().join(".claw-doctor")).unwrap();
    let before = fingerprint(&sb.state(), false);
    let out = sb.run(FIX);
    let t = sane(&out, "fix");
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(t.contains(".claw-doctor is a symlink"), "{t}");
    assert_eq!(fingerprint(&sb.state(), false), before);
    assert!(std::fs::read_dir(&outside).unwrap().next().is_none());
}

#[test]
fn directories_and_fifos_where_files_belong_neither_hang_nor_get_written() {
    let sb = healthy();
    let state = sb.state();
    std::fs::remove_file(state.join("devices/paired.json")).ok();
    std::fs::create_dir(state.join("devices/paired.json")).unwrap();
    let fifos = [
        "devices/pending.json",
        "identity/device.json",
        "identity/device-auth.json",
        "openclaw.json",
        ".env",
        "state/openclaw.sqlite",
    ];
    for rel in fifos {
        let p = state.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        let _ = std::fs::remove_file(&p);
        let ok = Command::new("mkfifo").arg(&p).status().unwrap();
        assert!(ok.success());
    }
    // A FIFO as a log file too (opened by name with --log).
    let log_fifo = sb.tmp.path().join("gateway.log");
    assert!(
        Command::new("mkfifo")
            .arg(&log_fifo)
            .status()
            .unwrap()
            .success()
    );
    let before = fingerprint(&state, true);

    let log_arg = format!("--log={}", log_fifo.display());
    let out = sb.run(&["scan", &log_arg]);
    let t = sane(&out, "scan");
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("devices/paired.json: is a directory"), "{t}");
    for rel in ["devices/pending.json", "identity/device.json"] {
        assert!(t.contains(&format!("{rel}: is a FIFO")), "{rel}: {t}");
    }

    let out = sb.run(FIX);
    let t = sane(&out, "fix");
    assert!(matches!(out.status.code(), Some(1 | 2)), "{t}");
    assert_eq!(fingerprint(&state, true), before);
    assert_eq!(backup_sets(&sb), 0, "{t}");
}

/// Peak resident memory of a child, polled from /proc while it runs.
fn run_measuring_rss(mut cmd: Command) -> (Output, u64) {
    use std::process::Stdio;
    let child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status = format!("/proc/{}/status", child.id());
    let peak = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let poll = {
        let (peak, done) = (peak.clone(), done.clone());
        std::thread::spawn(move || {
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                if let Ok(s) = std::fs::read_to_string(&status)
                    && let Some(kb) = s
                        .lines()
                        .find(|l| l.starts_with("VmHWM:"))
                        .and_then(|l| l.split_whitespace().nth(1))
                        .and_then(|v| v.parse::<u64>().ok())
                {
                    peak.fetch_max(kb, std::sync::atomic::Ordering::SeqCst);
                }
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
        })
    };
    let out = child.wait_with_output().unwrap();
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    poll.join().unwrap();
    (out, peak.load(std::sync::atomic::Ordering::SeqCst))
}

#[test]
fn a_2_gb_sparse_store_and_a_huge_log_line_are_not_read_into_memory() {
    let sb = healthy();
    let f = std::fs::File::create(sb.state().join("devices/paired.json")).unwrap();
    f.set_len(2 << 30).unwrap();
    // A log of 256 MiB without a newline: streamed, so one "line" must not be held whole.
    let log = sb.tmp.path().join("logs/openclaw-2026-11-21.log");
    std::fs::OpenOptions::new()
        .append(true)
        .open(&log)
        .unwrap()
        .set_len(256 << 20)
        .unwrap();
    let before = fingerprint(&sb.state(), true);

    // An address-space cap makes reading either whole into memory fail outright.
    let cmd = sb.std_command(
        &["sh", "-c", "ulimit -v 1048576 && exec \"$0\" \"$@\""],
        &["scan"],
    );
    let (out, peak_kb) = run_measuring_rss(cmd);
    let t = sane(&out, "scan");
    assert!(matches!(out.status.code(), Some(0 | 1)), "{t}");
    assert!(
        t.contains("devices/paired.json: 2147483648 bytes; claw-doctor reads at most"),
        "{t}"
    );
    assert!(
        peak_kb > 0 && peak_kb < 200 * 1024,
        "peak RSS {peak_kb} KiB"
    );
    eprintln!("2 GB store + 256 MiB log line: peak RSS {peak_kb} KiB");

    let out = sb.run(FIX);
    let t = sane(&out, "fix");
    assert!(matches!(out.status.code(), Some(0 | 1)), "{t}");
    assert!(t.contains("nothing to change"), "{t}");
    assert_eq!(fingerprint(&sb.state(), true), before);
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let sb = healthy();
    let state = sb.state();
    let deep = |open: &str, n: usize| open.repeat(n);
    std::fs::write(state.join("devices/paired.json"), deep("[", 200_000)).unwrap();
    std::fs::write(
        state.join("devices/pending.json"),
        format!("{{\"a\":{}", deep("{\"a\":", 200_000)),
    )
    .unwrap();
    std::fs::write(state.join("openclaw.json"), deep("{a:", 200_000)).unwrap();
    std::fs::write(state.join("identity/device-auth.json"), deep("[", 200_000)).unwrap();
    let log = sb.tmp.path().join("logs/openclaw-2026-11-21.log");
    let mut line = deep("{\"a\":", 100_000);
    line.push('\n');
    std::fs::write(&log, line).unwrap();
    // A rule file nested as deep (--rules).
    let rules = sb.tmp.path().join("rules");
    std::fs::create_dir(&rules).unwrap();
    std::fs::write(
        rules.join("deep.toml"),
        format!("id = \"deep\"\nx = {}", deep("[", 100_000)),
    )
    .unwrap();
    let before = fingerprint(&state, true);

    let out = sb.run(&["scan"]);
    let t = sane(&out, "scan");
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("devices/paired.json"), "{t}");
    assert!(t.contains("openclaw.json"), "{t}");

    let rules_arg = format!("--rules={}", rules.display());
    let out = sb.run(&[&rules_arg, "scan"]);
    let t = sane(&out, "scan --rules");
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(t.contains("deep.toml"), "{t}");

    let out = sb.run(&["fix", "--dry-run", "--break-glass"]);
    sane(&out, "fix --dry-run");
    assert_eq!(fingerprint(&state, true), before);
}

#[test]
fn non_utf8_names_and_contents() {
    use std::ffi::OsStr;
    let sb = healthy();
    let state = sb.state();
    std::fs::write(
        state.join("devices/paired.json"),
        b"{\"\xff\xfe\": {\"deviceId\": \"\xc3\x28\"}}",
    )
    .unwrap();
    std::fs::write(
        state.join("openclaw.json"),
        b"{gateway: {mode: \"\xe9t\xe9\"}}",
    )
    .unwrap();
    std::fs::write(state.join(".env"), b"OPENCLAW_GATEWAY_TOKEN=\xff\xfe\xfd\n").unwrap();
    std::fs::write(
        state.join(OsStr::from_bytes(b"devices/\xffweird.json")),
        b"{}",
    )
    .unwrap();
    std::fs::create_dir(state.join(OsStr::from_bytes(b"\xfe-dir"))).unwrap();
    let log = sb.tmp.path().join("logs/openclaw-2026-11-21.log");
    let mut bytes = std::fs::read(&log).unwrap();
    bytes.extend_from_slice(
        b"2026-11-21T11:10:59Z gateway \xff\xfe closed (1008): pairing required\n",
    );
    std::fs::write(&log, bytes).unwrap();
    let before = fingerprint(&state, true);

    for args in [&["scan"][..], &["scan", "--format", "json"], &["report"]] {
        let out = sb.run(args);
        let t = sane(&out, &format!("{args:?}"));
        assert!(matches!(out.status.code(), Some(0 | 1)), "{args:?}: {t}");
    }
    let out = sb.run(&["scan"]);
    assert!(
        text(&out).contains("devices/paired.json: not UTF-8"),
        "{}",
        text(&out)
    );
    let out = sb.run(&["fix", "--dry-run", "--break-glass"]);
    sane(&out, "fix --dry-run");
    assert_eq!(fingerprint(&state, true), before);

    // A state dir whose own path is not UTF-8: fix works there and restore undoes it.
    let mut sb = Sandbox::new("json-scope-upgrade");
    let odd = sb.tmp.path().join(OsStr::from_bytes(b"st\xffate"));
    std::fs::rename(sb.state(), &odd).unwrap();
    sb.state_at = Some(odd.clone());
    let start = common::tree(&odd);
    let out = sb.run(&["fix", "--yes", "--break-glass"]);
    let t = sane(&out, "fix in a non-UTF-8 state dir");
    assert!(matches!(out.status.code(), Some(0 | 1)), "{t}");
    assert!(!common::diff(&start, &common::tree(&odd)).is_empty(), "{t}");
    let out = sb.run(&["restore-backup", "--latest", "--yes"]);
    let t = sane(&out, "restore in a non-UTF-8 state dir");
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(common::diff(&start, &common::tree(&odd)).is_empty());
}

#[test]
fn unreadable_files_are_reported_not_fatal() {
    let Some(wrapper) = without_dac_override() else {
        eprintln!(
            "SKIPPED unreadable files: running as root without setpriv, chmod 000 binds nothing"
        );
        return;
    };
    let sb = healthy();
    let state = sb.state();
    for rel in [
        "devices/paired.json",
        "identity/device.json",
        "openclaw.json",
    ] {
        chmod(&state.join(rel), 0o000);
    }
    let before = fingerprint(&state, true);
    let out = sb.command(&wrapper, &["scan"]).output().unwrap();
    let t = sane(&out, "scan");
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("devices/paired.json: Permission denied"), "{t}");
    let out = sb.command(&wrapper, FIX).output().unwrap();
    let t = sane(&out, "fix");
    assert!(matches!(out.status.code(), Some(1 | 2)), "{t}");
    assert_eq!(fingerprint(&state, true), before);
}

#[test]
fn a_read_only_state_dir_refuses_the_fix_and_writes_nothing() {
    let Some(wrapper) = without_dac_override() else {
        eprintln!("SKIPPED read-only state: running as root without setpriv");
        return;
    };
    let sb = healthy();
    chmod_dirs(&sb.state(), 0o555);
    let before = fingerprint(&sb.state(), false);
    let out = sb.command(&wrapper, FIX).output().unwrap();
    let after = fingerprint(&sb.state(), false);
    chmod_dirs(&sb.state(), 0o700);
    let t = sane(&out, "fix");
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(
        t.contains("Permission denied") && t.contains(".claw-doctor"),
        "{t}"
    );
    assert_eq!(after, before);
}

/// A tmpfs mounted on a dir, unmounted on drop (also when the test fails).
struct Tmpfs(PathBuf);
impl Tmpfs {
    fn mount(at: &Path, kib: u64) -> Option<Tmpfs> {
        std::fs::create_dir_all(at).unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={kib}k"), "tmpfs"])
            .arg(at)
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Tmpfs(at.to_path_buf()))
    }
}
impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// Fills the filesystem at `dir`, then frees `free_pages` 4 KiB pages.
fn fill_leaving(dir: &Path, free_pages: usize) {
    let mut n = 0;
    loop {
        let p = dir.join(format!("fill-{n}"));
        if std::fs::write(&p, [0u8; 4096]).is_err() {
            let _ = std::fs::remove_file(&p);
            break;
        }
        n += 1;
    }
    for i in 0..free_pages.min(n) {
        std::fs::remove_file(dir.join(format!("fill-{}", n - 1 - i))).unwrap();
    }
}

#[test]
fn a_full_disk_during_fix_rolls_back_and_leaves_the_state_as_it_was() {
    if !is_root() {
        eprintln!("SKIPPED full disk: mounting a tmpfs needs root");
        return;
    }
    let mut outcomes = BTreeMap::new();
    for fixture in ["json-scope-upgrade", "sqlite-metadata-upgrade"] {
        for free in [0, 1, 2, 3, 5, 8, 13, 21, 34] {
            let mut sb = Sandbox::new(fixture);
            let disk = sb.tmp.path().join("disk");
            let Some(_mnt) = Tmpfs::mount(&disk, 1024) else {
                eprintln!("SKIPPED full disk: cannot mount a tmpfs here");
                return;
            };
            let state = disk.join("state");
            common::copy_tree(&sb.state(), &state);
            let start = common::tree(&state);
            fill_leaving(&disk, free);
            sb.state_at = Some(state.clone());
            let out = sb.run(FIX);
            let t = sane(&out, &format!("{fixture} free={free}"));
            let code = out.status.code().unwrap();
            // Either it fit and worked (restore must then undo it), or it said why and wrote
            // nothing to the live state.
            if code == 2 {
                assert!(
                    t.contains("No space left on device") || t.contains("disk is full"),
                    "{fixture} free={free}: {t}"
                );
                assert!(
                    !t.contains("rolling back failed"),
                    "{fixture} free={free}: {t}"
                );
                let d = common::diff(&start, &common::tree(&state));
                let d: Vec<_> = d
                    .iter()
                    .filter(|x| !x.contains(".claw-doctor-tmp"))
                    .collect();
                assert!(d.is_empty(), "{fixture} free={free}: {d:?}\n{t}");
            } else {
                assert!(matches!(code, 0 | 1), "{t}");
            }
            outcomes.insert(format!("{fixture} free={free}"), code);
        }
    }
    eprintln!("full disk outcomes (exit code per free pages): {outcomes:?}");
    assert!(outcomes.values().any(|c| *c == 2), "no run hit ENOSPC");
}

/// SQLite's own locking: another connection holds an exclusive lock (as a live writer would).
#[test]
fn a_locked_or_corrupt_database() {
    let sb = Sandbox::new("sqlite-metadata-upgrade");
    let db = sb.state().join("state/openclaw.sqlite");
    // Another process (SQLite's POSIX locks are per process) in a write transaction.
    let holder = Command::new("python3")
        .args([
            "-c",
            "import sqlite3,sys\nc=sqlite3.connect(sys.argv[1],isolation_level=None)\nc.execute('BEGIN EXCLUSIVE')\nc.execute('CREATE TABLE IF NOT EXISTS claw_probe(x)')\nprint('locked',flush=True)\nsys.stdin.read()",
        ])
        .arg(&db)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn();
    let Ok(mut holder) = holder else {
        eprintln!("SKIPPED locked database: no python3 to hold the lock");
        return;
    };
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(holder.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    assert_eq!(line.trim(), "locked");
    let before = fingerprint(&sb.state(), true);
    let out = sb.run(&["scan"]);
    let t = sane(&out, "scan locked");
    assert!(matches!(out.status.code(), Some(1)), "{t}");
    let out = sb.run(FIX);
    let t = sane(&out, "fix locked");
    eprintln!("locked database, fix: {}", t.lines().last().unwrap_or(""));
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(t.contains("locked"), "{t}");
    assert_eq!(fingerprint(&sb.state(), true), before);
    drop(holder.stdin.take());
    holder.wait().unwrap();

    for (what, corrupt) in [
        (
            "garbage",
            b"SQLite format 3\0garbage garbage garbage".repeat(100),
        ),
        ("truncated", std::fs::read(&db).unwrap()[..1500].to_vec()),
    ] {
        let sb = Sandbox::new("sqlite-metadata-upgrade");
        let db = sb.state().join("state/openclaw.sqlite");
        std::fs::write(&db, &corrupt).unwrap();
        private_modes(&sb.state());
        let before = fingerprint(&sb.state(), true);
        let out = sb.run(&["scan"]);
        let t = sane(&out, what);
        assert!(matches!(out.status.code(), Some(1 | 2)), "{what}: {t}");
        assert!(t.contains("state/openclaw.sqlite"), "{what}: {t}");
        let out = sb.run(FIX);
        let t = sane(&out, what);
        assert!(matches!(out.status.code(), Some(1 | 2)), "{what}: {t}");
        assert_eq!(fingerprint(&sb.state(), true), before, "{what}");
    }
}
