//! Loading: discovery, then each era's loaders, then the era decision, into one `Model`.
//! Loading never fails for bad state content: that becomes `LoadProblem`s. It fails only when
//! there is nothing to examine (no state dir), which the CLI reports with exit code 2.

pub mod config;
pub mod copies;
pub mod era;
pub mod fields;
pub mod fsread;
pub mod inventory;
pub mod json_era;
pub mod keys;
pub mod log_files;
pub mod records;
pub mod runtime;
pub mod sources;
pub mod sqlite;

use crate::discover::{self, DiscoverArgs, DiscoverError};
use crate::env::Env;
use crate::model::{
    LoadProblem, Model, StateSource, StoreKind, Stored, VersionSignal, VersionSource,
};
use crate::version::Version;
use std::path::PathBuf;

#[derive(Debug, Clone, Default)]
pub struct LogOptions {
    pub enabled: bool,
    pub files: Vec<PathBuf>,
    pub dirs: Vec<PathBuf>,
    /// Told `(bytes read, bytes in all files)` while the logs are scanned, and `(total,
    /// total)` at the end.
    pub progress: Option<ProgressHook>,
}

/// A progress callback (called from the scan's worker threads).
#[derive(Clone)]
pub struct ProgressHook(pub std::sync::Arc<dyn Fn(u64, u64) + Send + Sync>);

impl std::fmt::Debug for ProgressHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ProgressHook")
    }
}

#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    pub discover: DiscoverArgs,
    pub logs: LogOptions,
    pub now_ms: i64,
    pub openclaw_version: Option<Version>,
    /// Read only the logs (`--no-state`).
    pub no_state: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Discover(#[from] DiscoverError),
    #[error(
        "no OpenClaw state dir at {path} (chosen by {origin}); pass --state-dir DIR or set OPENCLAW_STATE_DIR"
    )]
    StateDirMissing { path: String, origin: String },
    #[error("the state dir {path} (chosen by {origin}) is not a directory")]
    StateDirNotDir { path: String, origin: String },
}

/// Keeps a record live only when its store is the one the gateway reads. A record a loader
/// already marked dead (the legacy array form) stays dead.
fn settle<T: Stored>(items: &mut [T], live_store: Option<StoreKind>) {
    for item in items {
        let store = item.store();
        let live = item.live_mut();
        *live = *live && live_store == Some(store);
    }
}

pub fn load(opts: &LoadOptions, env: &Env) -> Result<Model, LoadError> {
    let found = discover::discover(&opts.discover, env)?;
    if opts.no_state {
        return Ok(logs_only(opts, found, env));
    }
    let state = found.state_dir.path.clone();
    if !found.state_dir.exists {
        return Err(LoadError::StateDirMissing {
            path: state.display().to_string(),
            origin: found.state_dir.origin,
        });
    }
    if !state.is_dir() {
        return Err(LoadError::StateDirNotDir {
            path: state.display().to_string(),
            origin: found.state_dir.origin,
        });
    }
    let mut problems: Vec<LoadProblem> = Vec::new();

    let config_display = found
        .config
        .path
        .strip_prefix(&state)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| found.config.path.display().to_string());
    let cfg = config::load(&found.config.path, &config_display);
    problems.extend(cfg.problems);

    let srcs = sources::collect(&sources::SourceInputs {
        home: found.home.as_ref().map(|h| h.path.as_path()),
        state_dir: &state,
        cwd: &env.cwd,
        process_env: &env.vars,
        profile: found.profile.as_deref(),
        sysroot: &env.sysroot,
    });
    problems.extend(srcs.problems);

    // Load both stores as if live; liveness is decided once the era is known.
    let mut json = json_era::load(&state, true);
    let mut sql = sqlite::load(&state, true);
    problems.append(&mut json.problems);
    problems.append(&mut sql.problems);

    let files = inventory::collect(&state, &found.config.path);
    // Read through, as OpenClaw does, but said: the data lives elsewhere, and fixes refuse it.
    problems.extend(
        files
            .iter()
            .filter(|f| f.points_outside && f.path.starts_with(&state) && f.rel != ".")
            .map(|f| {
                let to = f.symlink_target.as_deref().unwrap_or(std::path::Path::new("?"));
                LoadProblem::new(
                    &f.rel,
                    crate::model::ProblemKind::SymlinkOutside,
                    format!(
                        "is a symlink to {}, outside the state dir: read through it; claw-doctor never writes through it",
                        to.display()
                    ),
                )
            }),
    );
    let gateway_runtime = runtime::detect(&state, &found.config.path, env);

    let logs = log_files::load(
        &opts.logs,
        &found,
        cfg.info.facts.logging_file.as_deref(),
        env,
    );

    // Version signals, strongest first within each kind.
    let mut signals: Vec<VersionSignal> = override_signal(opts).into_iter().collect();
    for unit in &srcs.services {
        for v in [&unit.version, &unit.package_version].into_iter().flatten() {
            signals.push(VersionSignal {
                version: v.clone(),
                source: VersionSource::Installed,
                location: unit.path.display().to_string(),
            });
        }
    }
    for (path, v) in &srcs.installed_packages {
        signals.push(VersionSignal {
            version: v.clone(),
            source: VersionSource::Installed,
            location: path.display().to_string(),
        });
    }
    for (v, count) in log_files::client_versions(&logs) {
        signals.push(VersionSignal {
            version: v,
            source: VersionSource::LogClient,
            location: format!("gateway logs ({count} lines)"),
        });
    }
    if let Some(raw) = &cfg.info.facts.last_touched_version {
        match raw.parse::<Version>() {
            Ok(v) => signals.push(VersionSignal {
                version: v,
                source: VersionSource::StateWritten,
                location: format!("{config_display} meta.lastTouchedVersion"),
            }),
            Err(e) => problems.push(LoadProblem::new(
                &config_display,
                crate::model::ProblemKind::WrongType,
                format!("meta.lastTouchedVersion: {e}"),
            )),
        }
    }
    for (key, v) in &sql.app_versions {
        signals.push(VersionSignal {
            version: v.clone(),
            source: VersionSource::StateWritten,
            location: format!("{} schema_meta ({key})", sqlite::DB),
        });
    }
    let version = era::versions(signals);
    let era_info = era::decide(
        &era::EraInputs {
            json_present: json.present,
            sqlite_rows: sql.rows_present,
            migrated_archives: inventory::migrated_archives(&files),
        },
        &version,
    );

    let live = era_info.live_store;
    let mut devices = std::mem::take(&mut json.devices);
    devices.append(&mut sql.devices);
    settle(&mut devices, live);
    let mut pending = std::mem::take(&mut json.pending);
    pending.append(&mut sql.pending);
    settle(&mut pending, live);
    let mut bootstrap_tokens = std::mem::take(&mut json.bootstrap);
    bootstrap_tokens.append(&mut sql.bootstrap);
    settle(&mut bootstrap_tokens, live);
    let mut identities: Vec<_> = json.identity.take().into_iter().collect();
    identities.append(&mut sql.identities);
    settle(&mut identities, live);
    let mut token_caches: Vec<_> = json.token_cache.take().into_iter().collect();
    token_caches.append(&mut sql.token_caches);
    settle(&mut token_caches, live);

    let mut token_sources = cfg.token_sources;
    token_sources.extend(srcs.token_sources);
    let other_state_dirs = found
        .home
        .as_ref()
        .map(|h| discover::other_state_dirs(&h.path, &state))
        .unwrap_or_default();

    let config_rel = found
        .config
        .path
        .strip_prefix(&state)
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|_| found.config.path.to_string_lossy().into_owned());
    let copies = copies::find(&state, &config_rel);

    Ok(Model {
        source: StateSource {
            home: found.home,
            state_dir: found.state_dir,
            profile: found.profile,
            config: found.config,
            other_state_dirs,
        },
        era: era_info,
        version,
        now_ms: opts.now_ms,
        files,
        devices,
        pending,
        bootstrap_tokens,
        node_pairings: json.nodes,
        identities,
        token_caches,
        config: cfg.info,
        token_sources,
        services: srcs.services,
        logs,
        runtime: gateway_runtime,
        copies,
        problems,
    })
}

/// `--no-state`: the logs (found as usual, without the config's `logging.file`) and nothing
/// of the state dir; the era says so. The version can still come from the logs' clients.
fn logs_only(opts: &LoadOptions, found: discover::Discovery, env: &Env) -> Model {
    let logs = log_files::load(&opts.logs, &found, None, env);
    let mut signals: Vec<VersionSignal> = override_signal(opts).into_iter().collect();
    for (v, count) in log_files::client_versions(&logs) {
        signals.push(VersionSignal {
            version: v,
            source: VersionSource::LogClient,
            location: format!("gateway logs ({count} lines)"),
        });
    }
    let config_path = found.config.path.clone();
    Model {
        era: crate::model::EraInfo {
            era: crate::model::Era::NotRead,
            live_store: None,
            reasons: vec!["--no-state: the state dir was not read, only the logs".into()],
            json_store_present: false,
            sqlite_store_present: false,
            migrated_archives: Vec::new(),
        },
        version: era::versions(signals),
        now_ms: opts.now_ms,
        files: Vec::new(),
        devices: Vec::new(),
        pending: Vec::new(),
        bootstrap_tokens: Vec::new(),
        node_pairings: Vec::new(),
        identities: Vec::new(),
        token_caches: Vec::new(),
        config: crate::model::ConfigInfo {
            path: config_path,
            exists: false,
            format: None,
            parse_error: None,
            facts: Default::default(),
            top_level_keys: Vec::new(),
            document: None,
        },
        token_sources: Vec::new(),
        services: Vec::new(),
        logs,
        runtime: Default::default(),
        copies: Vec::new(),
        problems: Vec::new(),
        source: StateSource {
            home: found.home,
            state_dir: found.state_dir,
            profile: found.profile,
            config: found.config,
            other_state_dirs: Vec::new(),
        },
    }
}

/// `--openclaw-version`, the strongest version signal of every kind of load.
fn override_signal(opts: &LoadOptions) -> Option<VersionSignal> {
    opts.openclaw_version.as_ref().map(|v| VersionSignal {
        version: v.clone(),
        source: VersionSource::Override,
        location: "--openclaw-version".into(),
    })
}
