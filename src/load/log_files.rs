//! Which gateway logs to read (OpenClaw's own locations unless `--log`/`--log-dir` say
//! otherwise), and scanning them into the model's bounded log summary.

use super::LogOptions;
use crate::discover::Discovery;
use crate::env::Env;
use crate::logs::{self, LogInputs, ScanOptions};
use crate::model::{LoadProblem, LogsInfo, ProblemKind};
use crate::version::Version;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// OpenClaw writes `/tmp/openclaw/` (literally `/tmp`), falling back to `<os.tmpdir()>/openclaw-<uid>/`.
fn roots(env: &Env) -> Vec<PathBuf> {
    let mut roots = vec![env.system_path("/tmp/openclaw")];
    if let Some(uid) = env.uid {
        let fallback = env.tmpdir.join(format!("openclaw-{uid}"));
        if !roots.contains(&fallback) {
            roots.push(fallback);
        }
    }
    roots
}

pub fn load(
    opts: &LogOptions,
    found: &Discovery,
    logging_file: Option<&str>,
    env: &Env,
) -> LogsInfo {
    if !opts.enabled {
        return LogsInfo {
            enabled: false,
            origin: "--no-logs".into(),
            ..LogsInfo::default()
        };
    }
    let explicit = !(opts.files.is_empty() && opts.dirs.is_empty());
    let origin = if explicit {
        "--log / --log-dir".to_string()
    } else {
        "OpenClaw's locations (logging.file, /tmp/openclaw, <tmpdir>/openclaw-<uid>, <state>/logs)"
            .to_string()
    };
    let resolve = |p: &PathBuf| {
        if p.is_absolute() {
            p.clone()
        } else {
            env.cwd.join(p)
        }
    };
    let inputs = LogInputs {
        files: opts.files.iter().map(resolve).collect(),
        dirs: opts.dirs.iter().map(resolve).collect(),
        logging_file: logging_file.map(PathBuf::from),
        profile: found.profile.clone(),
        roots: roots(env),
        state_dir: Some(found.state_dir.path.clone()),
        home_dir: found.home.as_ref().map(|h| h.path.clone()),
    };
    let discovery = logs::discover(&inputs);
    let problems: Vec<LoadProblem> = discovery
        .problems
        .iter()
        .map(|p| {
            let kind = match p.kind {
                logs::ProblemKind::NotFound | logs::ProblemKind::Unreadable => {
                    ProblemKind::Unreadable
                }
                logs::ProblemKind::NotRegularFile => ProblemKind::NotRegularFile,
            };
            LoadProblem::new(p.path.display().to_string(), kind, p.detail.clone())
        })
        .collect();
    let total: u64 = discovery.files.iter().map(|f| f.size).sum();
    let hook = opts.progress.as_ref().map(|h| h.0.clone());
    let report = |done: u64| {
        if let Some(h) = &hook {
            h(done, total);
        }
    };
    let summary = logs::scan(
        &discovery.paths(),
        &ScanOptions {
            progress: Some(&report),
            ..ScanOptions::default()
        },
    );
    report(total);
    LogsInfo {
        enabled: true,
        origin,
        discovered: discovery.files,
        summary: Some(summary),
        problems,
    }
}

/// OpenClaw versions of the CLIs that connected (`client=cli cli v2026.7.35`), with counts.
pub fn client_versions(logs: &LogsInfo) -> Vec<(Version, u64)> {
    let mut by_version: BTreeMap<Version, u64> = BTreeMap::new();
    for c in logs.summary.iter().flat_map(|s| &s.client_versions) {
        if let Ok(v) = c.version.parse::<Version>() {
            *by_version.entry(v).or_default() += c.count;
        }
    }
    by_version.into_iter().collect()
}
