//! Where OpenClaw writes its logs. Pure functions over explicit inputs: no
//! environment variables are read here; the caller resolves them.
//!
//! * rolling file log: `<root>/openclaw[-<profile>]-YYYY-MM-DD.log`, rotated to
//!   `...YYYY-MM-DD.1.log` (newest archive) .. `.5.log` (oldest); roots are
//!   `/tmp/openclaw` and `<tmpdir>/openclaw-<uid>` (the caller passes them);
//! * `logging.file` from the config (its rotations are `<stem>.N<.ext>`); a
//!   configured name shaped like a dated rolling file keeps rolling by date;
//! * launchd stdout/stderr: `<state>/logs/gateway.log`, `<state>/logs/gateway.err.log`
//!   (and `~/Library/Logs/openclaw/gateway[.err].log`).

use std::cmp::Reverse;
use std::collections::HashSet;
use std::fs::{self, File};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use serde::{Serialize, Serializer};

/// What the caller knows about where logs may be.
#[derive(Debug, Clone, Default)]
pub struct LogInputs {
    /// `--log FILE` (repeatable). When this or `dirs` is non-empty, the
    /// automatic locations are not searched.
    pub files: Vec<PathBuf>,
    /// `--log-dir DIR` (repeatable): every log-looking regular file in it.
    pub dirs: Vec<PathBuf>,
    /// `logging.file` from the config, as written (may start with `~`).
    pub logging_file: Option<PathBuf>,
    /// Active profile; `None` or `default` means the default profile.
    pub profile: Option<String>,
    /// Directories holding the rolling logs, in order of preference
    /// (e.g. `/tmp/openclaw`, `<tmpdir>/openclaw-<uid>`).
    pub roots: Vec<PathBuf>,
    /// The OpenClaw state dir (for `logs/gateway.log`, `logs/gateway.err.log`).
    pub state_dir: Option<PathBuf>,
    /// Home dir, to expand `~` in `logging_file` and find `~/Library/Logs/openclaw`.
    pub home_dir: Option<PathBuf>,
}

/// Why a file was picked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum LogOrigin {
    /// Given with `--log`.
    Explicit,
    /// Found in a `--log-dir`.
    ExplicitDir,
    /// Dated rolling log in a candidate root.
    Rolling,
    /// `logging.file` (or its rotations / dated siblings).
    Configured,
    /// Service stdout/stderr (launchd `gateway.log` / `gateway.err.log`).
    Service,
}

fn serialize_path<S: Serializer>(p: &Path, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&p.to_string_lossy())
}

/// A log file to scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DiscoveredLog {
    #[serde(serialize_with = "serialize_path")]
    pub path: PathBuf,
    pub origin: LogOrigin,
    pub size: u64,
}

/// What was wrong with a candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ProblemKind {
    /// An explicitly given file or dir does not exist.
    NotFound,
    /// Exists but is not a regular file (directory, FIFO, socket, device).
    NotRegularFile,
    /// Exists but cannot be opened / listed.
    Unreadable,
}

/// A candidate that was skipped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DiscoveryProblem {
    #[serde(serialize_with = "serialize_path")]
    pub path: PathBuf,
    pub kind: ProblemKind,
    pub detail: String,
}

/// Result of [`discover`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Discovery {
    pub files: Vec<DiscoveredLog>,
    pub problems: Vec<DiscoveryProblem>,
}

impl Discovery {
    /// The paths, in order, ready for `scan`.
    pub fn paths(&self) -> Vec<PathBuf> {
        self.files.iter().map(|f| f.path.clone()).collect()
    }
}

/// A rolling log name split: `openclaw-dev-2026-11-21.2.log` -> (`openclaw-dev`, `2026-11-21`, 2).
pub(crate) fn parse_rolling_name(name: &str) -> Option<(&str, &str, u32)> {
    // a compressed rotation (`openclaw-2026-11-21.1.log.gz`) is read like the plain one
    let name = name.strip_suffix(".gz").unwrap_or(name);
    let stem = name.strip_suffix(".log")?;
    let (stem, rotation) = match stem.rsplit_once('.') {
        Some((s, n)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => {
            (s, n.parse().ok()?)
        }
        _ => (stem, 0),
    };
    if stem.len() < "openclaw-YYYY-MM-DD".len() {
        return None;
    }
    let (family, date) = stem.split_at(stem.len() - 10);
    let family = family.strip_suffix('-')?;
    let d = date.as_bytes();
    let date_ok = d.iter().enumerate().all(|(i, b)| match i {
        4 | 7 => *b == b'-',
        _ => b.is_ascii_digit(),
    });
    if !date_ok {
        return None;
    }
    let fam_ok = family == "openclaw"
        || family.strip_prefix("openclaw-").is_some_and(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        });
    if !fam_ok {
        return None;
    }
    Some((family, date, rotation))
}

/// The file-name segment OpenClaw (2026.8+) uses for a profile:
/// `-` -> `--`, `_` -> `-0`, uppercase -> `-1<lower>`, other chars `-2<hex>-`.
/// `None` for the default profile.
pub fn profile_log_segment(profile: Option<&str>) -> Option<String> {
    let p = profile?.trim();
    if p.is_empty() || p.eq_ignore_ascii_case("default") {
        return None;
    }
    let mut out = String::new();
    for c in p.chars() {
        match c {
            'a'..='z' | '0'..='9' => out.push(c),
            '-' => out.push_str("--"),
            '_' => out.push_str("-0"),
            'A'..='Z' => {
                out.push_str("-1");
                out.push(c.to_ascii_lowercase());
            }
            other => {
                out.push_str("-2");
                out.push_str(&format!("{:x}", u32::from(other)));
                out.push('-');
            }
        }
    }
    Some(out)
}

/// `openclaw` or `openclaw-<segment>`.
pub fn rolling_family(profile: Option<&str>) -> String {
    match profile_log_segment(profile) {
        Some(seg) => format!("openclaw-{seg}"),
        None => "openclaw".to_owned(),
    }
}

/// `.log`, `.jsonl`, `.txt`, rotations (`x.3.log`, `x.log.1`), and any of them gzip'd
/// (`x.log.2.gz`). Returns the name without the rotation number (and `.gz`), and the number
/// (0 = not rotated).
pub(crate) fn log_like_name(name: &str) -> Option<(String, u32)> {
    const EXTS: [&str; 3] = [".log", ".jsonl", ".txt"];
    let name = name.strip_suffix(".gz").unwrap_or(name);
    // x.log.1
    if let Some((head, n)) = name.rsplit_once('.')
        && !n.is_empty()
        && n.len() <= 4
        && n.bytes().all(|b| b.is_ascii_digit())
        && EXTS.iter().any(|e| head.ends_with(e))
    {
        return Some((head.to_owned(), n.parse().ok()?));
    }
    for ext in EXTS {
        if let Some(stem) = name.strip_suffix(ext) {
            // x.3.log
            if let Some((base, n)) = stem.rsplit_once('.')
                && !n.is_empty()
                && n.len() <= 4
                && n.bytes().all(|b| b.is_ascii_digit())
            {
                return Some((format!("{base}{ext}"), n.parse().ok()?));
            }
            return Some((name.to_owned(), 0));
        }
    }
    None
}

fn expand_home(p: &Path, home: Option<&Path>) -> PathBuf {
    let s = p.to_string_lossy();
    if let Some(home) = home {
        if s == "~" {
            return home.to_path_buf();
        }
        if let Some(rest) = s.strip_prefix("~/") {
            return home.join(rest);
        }
    }
    p.to_path_buf()
}

struct Collector {
    out: Discovery,
    seen: HashSet<PathBuf>,
}

impl Collector {
    fn key(p: &Path) -> PathBuf {
        fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
    }

    fn problem(&mut self, path: &Path, kind: ProblemKind, detail: impl Into<String>) {
        let key = Self::key(path);
        if self.seen.insert(key) {
            self.out.problems.push(DiscoveryProblem {
                path: path.to_path_buf(),
                kind,
                detail: detail.into(),
            });
        }
    }

    /// Adds `path` if it is a readable regular file. Missing files are
    /// ignored unless `must_exist`.
    fn candidate(&mut self, path: &Path, origin: LogOrigin, must_exist: bool) {
        let meta = match fs::metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == ErrorKind::NotFound => {
                if must_exist {
                    self.problem(path, ProblemKind::NotFound, "no such file");
                } else if fs::symlink_metadata(path).is_ok() {
                    self.problem(path, ProblemKind::NotFound, "dangling symlink");
                }
                return;
            }
            Err(e) => {
                self.problem(path, ProblemKind::Unreadable, e.to_string());
                return;
            }
        };
        if !meta.is_file() {
            let what = if meta.is_dir() {
                "is a directory"
            } else {
                "not a regular file"
            };
            self.problem(path, ProblemKind::NotRegularFile, what);
            return;
        }
        if let Err(e) = File::open(path) {
            self.problem(path, ProblemKind::Unreadable, e.to_string());
            return;
        }
        let key = Self::key(path);
        if self.seen.insert(key) {
            self.out.files.push(DiscoveredLog {
                path: path.to_path_buf(),
                origin,
                size: meta.len(),
            });
        }
    }

    /// Names in `dir`, sorted; `None` when the dir is missing (silently) or unreadable (problem).
    fn list_dir(&mut self, dir: &Path, must_exist: bool) -> Option<Vec<String>> {
        match fs::metadata(dir) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => {
                if must_exist {
                    self.problem(dir, ProblemKind::NotRegularFile, "not a directory");
                }
                return None;
            }
            Err(e) if e.kind() == ErrorKind::NotFound => {
                if must_exist {
                    self.problem(dir, ProblemKind::NotFound, "no such directory");
                }
                return None;
            }
            Err(e) => {
                self.problem(dir, ProblemKind::Unreadable, e.to_string());
                return None;
            }
        }
        let rd = match fs::read_dir(dir) {
            Ok(rd) => rd,
            Err(e) => {
                self.problem(dir, ProblemKind::Unreadable, e.to_string());
                return None;
            }
        };
        let mut names: Vec<String> = rd
            .filter_map(Result::ok)
            .filter_map(|e| e.file_name().to_str().map(str::to_owned))
            .collect();
        names.sort();
        Some(names)
    }

    /// Dated rolling files of `family` in `dir`, oldest first.
    fn rolling_in(&mut self, dir: &Path, family: &str, origin: LogOrigin) {
        let Some(names) = self.list_dir(dir, false) else {
            return;
        };
        let mut hits: Vec<(String, u32, String)> = names
            .into_iter()
            .filter_map(|n| {
                let (fam, date, rot) = parse_rolling_name(&n)?;
                (fam == family).then(|| (date.to_owned(), rot, n.clone()))
            })
            .collect();
        hits.sort_by(|a, b| (&a.0, Reverse(a.1)).cmp(&(&b.0, Reverse(b.1))));
        for (_, _, name) in hits {
            self.candidate(&dir.join(name), origin, false);
        }
    }

    /// A fixed file and its rotations `<stem>.N<.ext>` (oldest first).
    fn file_with_rotations(&mut self, path: &Path, origin: LogOrigin, must_exist: bool) {
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
        let name = path.file_name().and_then(|n| n.to_str());
        if let (Some(dir), Some(name)) = (dir, name) {
            let (stem, ext) = match name.rfind('.') {
                Some(i) if i > 0 => (&name[..i], &name[i..]),
                _ => (name, ""),
            };
            if let Ok(rd) = fs::read_dir(dir) {
                let mut rots: Vec<(u32, String)> = rd
                    .filter_map(Result::ok)
                    .filter_map(|e| e.file_name().to_str().map(str::to_owned))
                    .filter_map(|n| {
                        let mid = n.strip_prefix(stem)?.strip_suffix(ext)?.strip_prefix('.')?;
                        if mid.is_empty() || !mid.bytes().all(|b| b.is_ascii_digit()) {
                            return None;
                        }
                        Some((mid.parse().ok()?, n.clone()))
                    })
                    .collect();
                rots.sort_by_key(|r| Reverse(r.0));
                for (_, n) in rots {
                    self.candidate(&dir.join(n), origin, false);
                }
            }
        }
        self.candidate(path, origin, must_exist);
    }
}

/// Finds the log files to scan, in a deterministic order:
/// explicit inputs when given; otherwise rolling logs per root, the
/// configured `logging.file`, then service stdout/stderr files.
pub fn discover(inputs: &LogInputs) -> Discovery {
    let mut c = Collector {
        out: Discovery::default(),
        seen: HashSet::new(),
    };
    if !inputs.files.is_empty() || !inputs.dirs.is_empty() {
        for f in &inputs.files {
            c.candidate(f, LogOrigin::Explicit, true);
        }
        for d in &inputs.dirs {
            let Some(names) = c.list_dir(d, true) else {
                continue;
            };
            let mut logs: Vec<(String, u32, String)> = names
                .into_iter()
                .filter_map(|n| log_like_name(&n).map(|(base, rot)| (base, rot, n)))
                .collect();
            logs.sort_by(|a, b| (&a.0, Reverse(a.1), &a.2).cmp(&(&b.0, Reverse(b.1), &b.2)));
            for (_, _, n) in logs {
                let p = d.join(&n);
                // sub-directories that happen to be named *.log are not logs
                if fs::metadata(&p).is_ok_and(|m| m.is_dir()) {
                    continue;
                }
                c.candidate(&p, LogOrigin::ExplicitDir, false);
            }
        }
        return c.out;
    }

    let family = rolling_family(inputs.profile.as_deref());
    for root in &inputs.roots {
        c.rolling_in(root, &family, LogOrigin::Rolling);
    }

    if let Some(cfg) = &inputs.logging_file {
        let path = expand_home(cfg, inputs.home_dir.as_deref());
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        // OpenClaw keeps rolling by date only for the default-family dated name
        // (`isLegacyRollingLogFilePath`); any other configured name is a fixed file.
        let rolling_family = (name == "openclaw-YYYY-MM-DD.log"
            || parse_rolling_name(name).is_some_and(|(fam, _, rot)| fam == "openclaw" && rot == 0))
        .then(|| "openclaw".to_owned());
        match (rolling_family, path.parent()) {
            (Some(fam), Some(dir)) if !dir.as_os_str().is_empty() => {
                c.rolling_in(dir, &fam, LogOrigin::Configured);
            }
            _ => c.file_with_rotations(&path, LogOrigin::Configured, false),
        }
    }

    if let Some(state) = &inputs.state_dir {
        let logs = state.join("logs");
        c.candidate(&logs.join("gateway.log"), LogOrigin::Service, false);
        c.candidate(&logs.join("gateway.err.log"), LogOrigin::Service, false);
    }
    if let Some(home) = &inputs.home_dir {
        let logs = home.join("Library").join("Logs").join("openclaw");
        c.candidate(&logs.join("gateway.log"), LogOrigin::Service, false);
        c.candidate(&logs.join("gateway.err.log"), LogOrigin::Service, false);
    }
    c.out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn touch(p: &Path, content: &str) {
        if let Some(d) = p.parent() {
            fs::create_dir_all(d).unwrap();
        }
        fs::write(p, content).unwrap();
    }

    fn names(d: &Discovery) -> Vec<String> {
        d.files
            .iter()
            .map(|f| f.path.file_name().unwrap().to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn rolling_name_parsing() {
        assert_eq!(
            parse_rolling_name("openclaw-2026-11-21.log"),
            Some(("openclaw", "2026-11-21", 0))
        );
        assert_eq!(
            parse_rolling_name("openclaw-2026-11-21.3.log"),
            Some(("openclaw", "2026-11-21", 3))
        );
        assert_eq!(
            parse_rolling_name("openclaw-dev-2026-11-21.log"),
            Some(("openclaw-dev", "2026-11-21", 0))
        );
        assert_eq!(parse_rolling_name("openclaw-2026-11-2x.log"), None);
        assert_eq!(parse_rolling_name("openclaw.log"), None);
        assert_eq!(parse_rolling_name("clawdbot-2026-11-21.log"), None);
        assert_eq!(
            parse_rolling_name("openclaw-2026-11-21.2.log.gz"),
            Some(("openclaw", "2026-11-21", 2))
        );
        assert_eq!(parse_rolling_name("openclaw-Dev-2026-11-21.log"), None);
    }

    #[test]
    fn profile_segment_matches_openclaw_encoding() {
        assert_eq!(profile_log_segment(None), None);
        assert_eq!(profile_log_segment(Some("default")), None);
        assert_eq!(profile_log_segment(Some("Default")), None);
        assert_eq!(profile_log_segment(Some("dev")).as_deref(), Some("dev"));
        assert_eq!(
            profile_log_segment(Some("my-prof")).as_deref(),
            Some("my--prof")
        );
        assert_eq!(profile_log_segment(Some("a_b")).as_deref(), Some("a-0b"));
        assert_eq!(profile_log_segment(Some("Work")).as_deref(), Some("-1work"));
        assert_eq!(profile_log_segment(Some("a.b")).as_deref(), Some("a-22e-b"));
        assert_eq!(rolling_family(Some("dev")), "openclaw-dev");
        assert_eq!(rolling_family(None), "openclaw");
    }

    #[test]
    fn log_like_names() {
        assert_eq!(
            log_like_name("gateway.log"),
            Some(("gateway.log".into(), 0))
        );
        assert_eq!(
            log_like_name("gateway.log.2"),
            Some(("gateway.log".into(), 2))
        );
        assert_eq!(
            log_like_name("openclaw-2026-11-21.4.log"),
            Some(("openclaw-2026-11-21.log".into(), 4))
        );
        assert_eq!(log_like_name("x.jsonl"), Some(("x.jsonl".into(), 0)));
        assert_eq!(log_like_name("notes.txt"), Some(("notes.txt".into(), 0)));
        assert_eq!(log_like_name("paired.json"), None);
        assert_eq!(log_like_name("openclaw.sqlite"), None);
        assert_eq!(log_like_name("a.log.gz"), Some(("a.log".into(), 0)));
        assert_eq!(
            log_like_name("gateway.log.3.gz"),
            Some(("gateway.log".into(), 3))
        );
        assert_eq!(log_like_name("paired.json.gz"), None);
    }

    #[test]
    fn automatic_locations_in_deterministic_order() {
        let tmp = tempfile::tempdir().unwrap();
        let root1 = tmp.path().join("openclaw");
        let root2 = tmp.path().join("openclaw-0");
        let state = tmp.path().join("state");
        for n in [
            "openclaw-2026-11-21.log",
            "openclaw-2026-11-21.1.log",
            "openclaw-2026-11-21.2.log",
            "openclaw-2026-11-20.log",
            "openclaw-dev-2026-11-21.log",
            "openclaw-2026-11-21.log.bak",
            "openclaw-2026-11-21.3.log.gz",
            "other.log",
        ] {
            touch(&root1.join(n), "x\n");
        }
        touch(&root2.join("openclaw-2026-11-19.log"), "x\n");
        touch(&state.join("logs/gateway.log"), "x\n");
        touch(&state.join("logs/gateway.err.log"), "");
        // a directory with a log-file name is a problem, not a file
        fs::create_dir_all(root2.join("openclaw-2026-11-22.log")).unwrap();

        let inputs = LogInputs {
            roots: vec![root1.clone(), root2.clone(), tmp.path().join("missing")],
            state_dir: Some(state.clone()),
            ..LogInputs::default()
        };
        let d = discover(&inputs);
        assert_eq!(
            names(&d),
            vec![
                "openclaw-2026-11-20.log",
                "openclaw-2026-11-21.3.log.gz",
                "openclaw-2026-11-21.2.log",
                "openclaw-2026-11-21.1.log",
                "openclaw-2026-11-21.log",
                "openclaw-2026-11-19.log",
                "gateway.log",
                "gateway.err.log",
            ]
        );
        assert_eq!(d.files[0].origin, LogOrigin::Rolling);
        assert_eq!(d.files[6].origin, LogOrigin::Service);
        assert_eq!(d.files[0].size, 2);
        assert_eq!(d.problems.len(), 1);
        assert_eq!(d.problems[0].kind, ProblemKind::NotRegularFile);
        assert!(d.problems[0].path.ends_with("openclaw-2026-11-22.log"));
        // same inputs, same answer
        assert_eq!(discover(&inputs), d);
        assert_eq!(d.paths()[0], root1.join("openclaw-2026-11-20.log"));
    }

    #[test]
    fn profile_only_matches_its_own_files() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("openclaw");
        for n in [
            "openclaw-2026-11-21.log",
            "openclaw-dev-2026-11-21.log",
            "openclaw-dev-2026-11-21.1.log",
            "openclaw-devx-2026-11-21.log",
        ] {
            touch(&root.join(n), "x\n");
        }
        let d = discover(&LogInputs {
            roots: vec![root.clone()],
            profile: Some("dev".into()),
            ..LogInputs::default()
        });
        assert_eq!(
            names(&d),
            vec![
                "openclaw-dev-2026-11-21.1.log",
                "openclaw-dev-2026-11-21.log"
            ]
        );
        let d = discover(&LogInputs {
            roots: vec![root],
            profile: Some("default".into()),
            ..LogInputs::default()
        });
        assert_eq!(names(&d), vec!["openclaw-2026-11-21.log"]);
    }

    #[test]
    fn configured_logging_file_and_rotations() {
        let tmp = tempfile::tempdir().unwrap();
        let home = tmp.path().join("home");
        let dir = home.join("logs");
        for n in ["gw.log", "gw.1.log", "gw.2.log", "gw.x.log", "gwx.1.log"] {
            touch(&dir.join(n), "x\n");
        }
        let d = discover(&LogInputs {
            logging_file: Some(PathBuf::from("~/logs/gw.log")),
            home_dir: Some(home.clone()),
            ..LogInputs::default()
        });
        assert_eq!(names(&d), vec!["gw.2.log", "gw.1.log", "gw.log"]);
        assert!(d.files.iter().all(|f| f.origin == LogOrigin::Configured));

        // a configured dated name keeps rolling by date in its directory
        let roll = tmp.path().join("roll");
        for n in [
            "openclaw-2026-11-20.log",
            "openclaw-2026-11-21.log",
            "openclaw-2026-11-21.1.log",
        ] {
            touch(&roll.join(n), "x\n");
        }
        let d = discover(&LogInputs {
            logging_file: Some(roll.join("openclaw-2026-01-01.log")),
            ..LogInputs::default()
        });
        assert_eq!(
            names(&d),
            vec![
                "openclaw-2026-11-20.log",
                "openclaw-2026-11-21.1.log",
                "openclaw-2026-11-21.log"
            ]
        );
        // a configured profile-style dated name is a fixed file (no date rolling)
        touch(&roll.join("openclaw-dev-2026-11-20.log"), "x\n");
        touch(&roll.join("openclaw-dev-2026-11-21.log"), "x\n");
        let d = discover(&LogInputs {
            logging_file: Some(roll.join("openclaw-dev-2026-11-21.log")),
            ..LogInputs::default()
        });
        assert_eq!(names(&d), vec!["openclaw-dev-2026-11-21.log"]);
        // a configured file that does not exist is simply absent
        let d = discover(&LogInputs {
            logging_file: Some(tmp.path().join("nope.log")),
            ..LogInputs::default()
        });
        assert!(d.files.is_empty() && d.problems.is_empty());
    }

    #[test]
    fn explicit_inputs_replace_automatic_locations() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("openclaw");
        touch(&root.join("openclaw-2026-11-21.log"), "x\n");
        let logs = tmp.path().join("mylogs");
        for n in [
            "gateway.log",
            "gateway.log.1",
            "gateway.log.2",
            "gateway.log.3.gz",
            "b.jsonl",
            "a.txt",
            "paired.json",
            "openclaw-2026-11-21.1.log",
            "openclaw-2026-11-21.log",
        ] {
            touch(&logs.join(n), "x\n");
        }
        fs::create_dir_all(logs.join("sub.log")).unwrap();
        let single = tmp.path().join("single.log");
        touch(&single, "x\n");
        let d = discover(&LogInputs {
            files: vec![single.clone(), tmp.path().join("absent.log"), logs.clone()],
            dirs: vec![logs.clone(), tmp.path().join("absent-dir")],
            roots: vec![root],
            ..LogInputs::default()
        });
        assert_eq!(
            names(&d),
            vec![
                "single.log",
                "a.txt",
                "b.jsonl",
                "gateway.log.3.gz",
                "gateway.log.2",
                "gateway.log.1",
                "gateway.log",
                "openclaw-2026-11-21.1.log",
                "openclaw-2026-11-21.log",
            ]
        );
        assert_eq!(d.files[0].origin, LogOrigin::Explicit);
        assert_eq!(d.files[1].origin, LogOrigin::ExplicitDir);
        let kinds: Vec<(String, ProblemKind)> = d
            .problems
            .iter()
            .map(|p| {
                (
                    p.path.file_name().unwrap().to_string_lossy().into_owned(),
                    p.kind,
                )
            })
            .collect();
        assert_eq!(
            kinds,
            vec![
                ("absent.log".to_string(), ProblemKind::NotFound),
                ("mylogs".to_string(), ProblemKind::NotRegularFile),
                ("absent-dir".to_string(), ProblemKind::NotFound),
            ]
        );
    }

    #[test]
    fn duplicates_are_listed_once() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("openclaw");
        touch(&root.join("openclaw-2026-11-21.log"), "x\n");
        let d = discover(&LogInputs {
            roots: vec![root.clone(), root.clone()],
            logging_file: Some(root.join("openclaw-2026-11-21.log")),
            ..LogInputs::default()
        });
        assert_eq!(names(&d), vec!["openclaw-2026-11-21.log"]);
    }

    #[cfg(unix)]
    #[test]
    fn dangling_symlink_and_fifo_are_problems() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("openclaw");
        fs::create_dir_all(&root).unwrap();
        std::os::unix::fs::symlink(
            tmp.path().join("gone"),
            root.join("openclaw-2026-11-21.log"),
        )
        .unwrap();
        let fifo = root.join("openclaw-2026-11-22.log");
        let ok = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .is_ok_and(|s| s.success());
        let d = discover(&LogInputs {
            roots: vec![root],
            ..LogInputs::default()
        });
        assert!(d.files.is_empty());
        assert_eq!(d.problems[0].kind, ProblemKind::NotFound);
        assert_eq!(d.problems[0].detail, "dangling symlink");
        if ok {
            assert_eq!(d.problems[1].kind, ProblemKind::NotRegularFile);
        }
    }
}
