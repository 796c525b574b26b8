//! Gateway credentials and installed services outside the config file: the process
//! environment, the `.env` files OpenClaw loads, systemd units (with drop-ins and
//! `EnvironmentFile=`s), launchd plists, the Windows task script, and the OpenClaw packages
//! those services run or that sit in the usual global install roots.
//!
//! Everything here is offline and bounded: files over 1 MiB, directories, FIFOs and devices
//! where a file is expected, and unreadable files become `LoadProblem`s; a missing file is
//! simply absent. Credential values only ever live in `Secret`s; command lines are returned
//! with credentials replaced by `<redacted>`.

mod creds;
pub mod dotenv;
mod packages;
mod plist;
mod read;
mod services;
mod systemd;
mod wincmd;

pub use dotenv::parse_dotenv;

use crate::model::{
    LoadProblem, SecretValue, ServiceKind, ServiceUnit, TokenSource, TokenSourceKind,
};
use crate::secret::Secret;
use crate::version::Version;
use creds::{credential_var, file_value, join_args, looks_secret, scan_args, service_env_key};
use packages::{LEGACY_NAMES, OPENCLAW};
use read::{read_text, same_path};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Where to look. `home`, `state_dir` and `cwd` are used as given; `sysroot` prefixes the
/// absolute system paths claw-doctor looks at itself and those named inside service files.
#[derive(Debug, Clone, Copy)]
pub struct SourceInputs<'a> {
    pub home: Option<&'a Path>,
    pub state_dir: &'a Path,
    pub cwd: &'a Path,
    pub process_env: &'a BTreeMap<String, String>,
    /// `None` = default profile (`default` counts as none).
    pub profile: Option<&'a str>,
    /// `/` normally; prefix for absolute system paths, so tests and container images can be examined.
    pub sysroot: &'a Path,
}

#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SourcesFound {
    /// In the order a client resolves them (process env, `./.env`, `<state>/.env`,
    /// `gateway.env`; within a file the last assignment of a variable, the one that applies),
    /// then the credentials of this state's own services in service order: those named for the
    /// profile or whose `OPENCLAW_STATE_DIR` is the state dir. Other profiles' and legacy
    /// services are listed in `services`, but their credentials are not collected.
    pub token_sources: Vec<TokenSource>,
    /// The profile's own services first (user before system scope), then services that serve
    /// this state dir by `OPENCLAW_STATE_DIR`, then other OpenClaw services, then legacy ones.
    pub services: Vec<ServiceUnit>,
    /// Every openclaw `package.json` found with a valid version (service-referenced first).
    pub installed_packages: Vec<(PathBuf, Version)>,
    /// Non-secret `OPENCLAW_*` vars from `./.env` and `<state>/.env`: name -> (value, location).
    /// The first file wins, and within a file the last line.
    pub dotenv_vars: BTreeMap<String, (String, String)>,
    pub problems: Vec<LoadProblem>,
}

/// Reads every source. Never fails and never panics on file content.
pub fn collect(inputs: &SourceInputs) -> SourcesFound {
    let mut c = Collector {
        inp: inputs,
        profile: inputs
            .profile
            .map(str::trim)
            .filter(|p| !p.is_empty() && !p.eq_ignore_ascii_case("default"))
            .map(str::to_string),
        out: SourcesFound::default(),
        services: Vec::new(),
    };
    c.process_env();
    c.dotenv_files();
    c.systemd_units();
    c.launchd_plists();
    c.windows_scripts();
    c.finish()
}

/// One variable a service sets, where it is set.
struct EnvEntry {
    name: String,
    value: String,
    location: String,
}

/// What each service format yields before the common processing.
struct Draft {
    kind: ServiceKind,
    path: PathBuf,
    description: Option<String>,
    /// Command arguments, each with the location it is written at.
    args: Vec<(String, String)>,
    /// The effective environment, one entry per variable.
    env: Vec<EnvEntry>,
    name_match: bool,
    system: bool,
    legacy: bool,
    /// Windows: variable names compare without case.
    ignore_case: bool,
}

struct Svc {
    unit: ServiceUnit,
    primary: bool,
    name_match: bool,
    system: bool,
    package_name: Option<String>,
    tokens: Vec<TokenSource>,
}

struct Collector<'a> {
    inp: &'a SourceInputs<'a>,
    profile: Option<String>,
    out: SourcesFound,
    services: Vec<Svc>,
}

fn loc(path: &Path, line: usize) -> String {
    format!("{}:{line}", path.display())
}

fn is_legacy_name(name: &str) -> bool {
    let l = name.to_ascii_lowercase();
    l.contains("clawdbot") || l.contains("moltbot")
}

/// `OpenClaw Gateway (v2026.9.6)`, `OpenClaw Gateway (profile: work, v2026.9.6)`.
fn version_from_description(d: &str) -> Option<Version> {
    if let (Some(open), Some(close)) = (d.rfind('('), d.rfind(')'))
        && open < close
    {
        for part in d[open + 1..close].split(',') {
            if let Some(v) = part.trim().strip_prefix('v').and_then(|v| v.parse().ok()) {
                return Some(v);
            }
        }
    }
    Version::find_in(d)
}

impl Collector<'_> {
    fn problems(&mut self) -> &mut Vec<LoadProblem> {
        &mut self.out.problems
    }

    /// Where a path named inside a service file lies for us, most likely first.
    fn map_path(&self, raw: &str) -> Vec<PathBuf> {
        let raw = raw.trim();
        let home = self.inp.home;
        let sysroot = self.inp.sysroot;
        let b = raw.as_bytes();
        if b.len() >= 3
            && b[0].is_ascii_alphabetic()
            && b[1] == b':'
            && matches!(b[2], b'\\' | b'/')
        {
            let rest = raw[3..].replace('\\', "/");
            let mut out = Vec::new();
            let mut parts = rest.splitn(3, '/');
            if let (Some(h), Some(users), Some(_user), Some(tail)) =
                (home, parts.next(), parts.next(), parts.next())
                && users.eq_ignore_ascii_case("Users")
            {
                out.push(h.join(tail));
            }
            out.push(sysroot.join(rest));
            return out;
        }
        if let Some(rest) = raw.strip_prefix("~/") {
            return home.map(|h| vec![h.join(rest)]).unwrap_or_default();
        }
        if !raw.starts_with('/') {
            return Vec::new();
        }
        let p = Path::new(raw);
        if sysroot == Path::new("/")
            || p.starts_with(sysroot)
            || home.is_some_and(|h| p.starts_with(h))
            || p.starts_with(self.inp.state_dir)
        {
            return vec![p.to_path_buf()];
        }
        vec![sysroot.join(raw.trim_start_matches('/'))]
    }

    /// The first existing candidate's text.
    fn read_mapped(&mut self, raw: &str) -> Option<(PathBuf, String)> {
        for cand in self.map_path(raw) {
            if let Some(text) = read_text(&cand, &mut self.out.problems) {
                return Some((cand, text));
            }
        }
        None
    }

    fn process_env(&mut self) {
        for (k, v) in self.inp.process_env {
            if let Some((name, credential)) = credential_var(k, false) {
                self.out.token_sources.push(TokenSource {
                    kind: TokenSourceKind::ProcessEnv,
                    credential,
                    location: "environment".into(),
                    name: name.into(),
                    value: SecretValue::Literal {
                        value: Secret::new(v.as_str()),
                    },
                });
            }
        }
    }

    fn dotenv_files(&mut self) {
        let cwd_env = self.inp.cwd.join(".env");
        let state_env = self.inp.state_dir.join(".env");
        let mut files = Vec::new();
        if !same_path(&cwd_env, &state_env) {
            files.push((cwd_env, TokenSourceKind::CwdDotEnv, true));
        }
        files.push((state_env, TokenSourceKind::StateDotEnv, true));
        if let Some(h) = self.inp.home {
            let g = h.join(".config/openclaw/gateway.env");
            if !files.iter().any(|f| same_path(&f.0, &g)) {
                files.push((g, TokenSourceKind::GatewayEnvFile, false));
            }
        }
        for (path, kind, keep_vars) in files {
            let Some(text) = read_text(&path, self.problems()) else {
                continue;
            };
            // Within one file a later line wins.
            let mut last: BTreeMap<String, (usize, String)> = BTreeMap::new();
            for (line, k, v) in parse_dotenv(&text) {
                last.insert(k, (line, v));
            }
            let mut creds: Vec<(usize, TokenSource)> = Vec::new();
            for (k, (line, v)) in &last {
                if let Some((name, credential)) = credential_var(k, false) {
                    let value = file_value(v);
                    creds.push((
                        *line,
                        TokenSource {
                            kind,
                            credential,
                            location: loc(&path, *line),
                            name: name.into(),
                            value,
                        },
                    ));
                } else if keep_vars && k.starts_with("OPENCLAW_") && !looks_secret(k) {
                    self.out
                        .dotenv_vars
                        .entry(k.clone())
                        .or_insert_with(|| (v.clone(), loc(&path, *line)));
                }
            }
            creds.sort_by_key(|c| c.0);
            self.out
                .token_sources
                .extend(creds.into_iter().map(|c| c.1));
        }
    }

    /// Whether a service's `OPENCLAW_STATE_DIR` is the state dir being examined.
    fn serves_state_dir(&self, environment: &BTreeMap<String, String>) -> bool {
        let Some(v) = environment
            .get("OPENCLAW_STATE_DIR")
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
        else {
            return false;
        };
        let mut cands = self.map_path(v);
        if v == "~" {
            cands.extend(self.inp.home.map(Path::to_path_buf));
        }
        cands.push(PathBuf::from(v));
        cands.iter().any(|c| same_path(c, self.inp.state_dir))
    }

    fn package_for(&mut self, args: &[String], names: &[&str]) -> Option<packages::Package> {
        let sysroot = self.inp.sysroot;
        let ordered = args.iter().skip(1).chain(args.first());
        for arg in ordered {
            if !(arg.contains('/') || arg.contains('\\')) {
                continue;
            }
            for cand in self.map_path(arg) {
                let boundary =
                    (sysroot != Path::new("/") && cand.starts_with(sysroot)).then_some(sysroot);
                if let Some(p) =
                    packages::walk_up(&cand, sysroot, boundary, names, &mut self.out.problems)
                {
                    return Some(p);
                }
            }
        }
        None
    }

    fn add_service(&mut self, d: Draft) {
        let token_kind = match d.kind {
            ServiceKind::Systemd => TokenSourceKind::SystemdUnit,
            ServiceKind::Launchd => TokenSourceKind::LaunchdPlist,
            ServiceKind::WindowsTask => TokenSourceKind::WindowsTask,
        };
        let mut tokens = Vec::new();
        let mut environment = BTreeMap::new();
        for e in &d.env {
            if let Some((name, credential)) = credential_var(&e.name, d.ignore_case) {
                let value = file_value(&e.value);
                tokens.push(TokenSource {
                    kind: token_kind,
                    credential,
                    location: e.location.clone(),
                    name: name.into(),
                    value,
                });
            } else if let Some(key) = service_env_key(&e.name, d.ignore_case) {
                environment.insert(key.to_string(), e.value.clone());
            }
        }
        let raw: Vec<String> = d.args.iter().map(|a| a.0.clone()).collect();
        let (found, redacted) = scan_args(&raw, d.ignore_case);
        for f in found {
            let value = file_value(&f.value);
            let location = d.args[f.index].1.clone();
            tokens.push(TokenSource {
                kind: token_kind,
                credential: f.credential,
                location,
                name: f.name,
                value,
            });
        }
        let version = d
            .description
            .as_deref()
            .and_then(version_from_description)
            .or_else(|| {
                environment
                    .get("OPENCLAW_SERVICE_VERSION")
                    .and_then(|v| v.trim().parse().ok())
            });
        let names: &[&str] = if d.legacy { &LEGACY_NAMES } else { &[OPENCLAW] };
        let package = self.package_for(&redacted, names);
        let primary = !d.legacy && (d.name_match || self.serves_state_dir(&environment));
        self.services.push(Svc {
            unit: ServiceUnit {
                kind: d.kind,
                path: d.path,
                description: d.description,
                version,
                exec_start: (!redacted.is_empty()).then(|| join_args(&redacted)),
                package_json: package.as_ref().map(|p| p.path.clone()),
                package_version: package.as_ref().and_then(|p| p.version.clone()),
                environment,
                legacy: d.legacy,
            },
            primary,
            name_match: d.name_match,
            system: d.system,
            package_name: package.map(|p| p.name),
            tokens,
        });
    }

    fn finish(mut self) -> SourcesFound {
        let kind_rank = |k: ServiceKind| match k {
            ServiceKind::Systemd => 0,
            ServiceKind::Launchd => 1,
            ServiceKind::WindowsTask => 2,
        };
        self.services.sort_by(|a, b| {
            let key = |s: &Svc| {
                (
                    !s.primary,
                    !s.name_match,
                    s.unit.legacy,
                    s.system,
                    kind_rank(s.unit.kind),
                )
            };
            key(a)
                .cmp(&key(b))
                .then_with(|| a.unit.path.cmp(&b.unit.path))
        });
        let mut packages: Vec<(PathBuf, Version)> = Vec::new();
        let mut seen: Vec<PathBuf> = Vec::new();
        let mut add_package = |path: &Path, v: &Version, seen: &mut Vec<PathBuf>| {
            let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
            if !seen.contains(&key) {
                seen.push(key);
                packages.push((path.to_path_buf(), v.clone()));
            }
        };
        for s in &mut self.services {
            if let (Some(p), Some(v), Some(OPENCLAW)) = (
                &s.unit.package_json,
                &s.unit.package_version,
                s.package_name.as_deref(),
            ) {
                add_package(p, v, &mut seen);
            }
            if s.primary {
                self.out.token_sources.append(&mut s.tokens);
            }
        }
        for dir in packages::global_roots(self.inp.home, self.inp.sysroot, &mut self.out.problems) {
            if let Some(p) = packages::read_root(&dir, &mut self.out.problems)
                && let Some(v) = &p.version
            {
                add_package(&p.path, v, &mut seen);
            }
        }
        self.out.installed_packages = packages;
        self.out.services = self.services.into_iter().map(|s| s.unit).collect();
        let mut seen_problems = BTreeSet::new();
        self.out.problems.retain(|p| {
            seen_problems.insert((p.path.clone(), format!("{:?}", p.kind), p.detail.clone()))
        });
        self.out
    }
}

#[cfg(test)]
mod tests;
