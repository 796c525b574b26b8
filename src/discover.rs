//! Finds the state dir, the config file and the home dir with OpenClaw's own precedence, and
//! says where each came from.
//!
//! State dir: `--state-dir` > `OPENCLAW_STATE_DIR` > `--profile` / `OPENCLAW_PROFILE`
//! (`<home>/.openclaw-<name>`) > `<home>/.openclaw` > legacy `<home>/.clawdbot` (only when
//! `.openclaw` does not exist). Home: `OPENCLAW_HOME` > `HOME` > `USERPROFILE`. Config:
//! `--config` > `OPENCLAW_CONFIG_PATH` > `<state>/openclaw.json` (or a legacy `clawdbot.json`).
//! Like OpenClaw, variables missing from the process environment are taken from `./.env`, and
//! after the state dir is known, from `<state>/.env`; neither overrides the environment.

use crate::env::Env;
use crate::load::sources::parse_dotenv;
use crate::model::Located;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default)]
pub struct DiscoverArgs {
    pub state_dir: Option<PathBuf>,
    pub profile: Option<String>,
    pub config: Option<PathBuf>,
}

#[derive(Debug, Clone)]
pub struct Discovery {
    pub home: Option<Located>,
    pub state_dir: Located,
    pub profile: Option<String>,
    pub config: Located,
    /// Variables from `./.env` and `<state>/.env` that the process environment lacks.
    pub dotenv: BTreeMap<String, (String, String)>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DiscoverError {
    #[error(
        "invalid profile name {0:?}: use letters, digits, '-' and '_' (at most 64, starting with a letter or digit)"
    )]
    BadProfile(String),
    #[error("no home directory: set HOME (or OPENCLAW_HOME), or pass --state-dir")]
    NoHome,
}

/// `^[a-z0-9][a-z0-9_-]{0,63}$`, case-insensitive, as OpenClaw validates `--profile`.
pub fn valid_profile(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty()
        && b.len() <= 64
        && b[0].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'_')
}

fn read_dotenv(path: &Path) -> Vec<(String, String, String)> {
    match crate::load::fsread::read_bounded(path, "", 1024 * 1024) {
        Ok(Some(bytes)) => parse_dotenv(&String::from_utf8_lossy(&bytes))
            .into_iter()
            .map(|(line, k, v)| (k, v, format!("{}:{line}", path.display())))
            .collect(),
        _ => Vec::new(),
    }
}

struct Lookup<'a> {
    env: &'a Env,
    dotenv: BTreeMap<String, (String, String)>,
}

impl Lookup<'_> {
    /// (value, origin) for a variable: the environment first, then the `.env` files read so far.
    fn get(&self, name: &str) -> Option<(String, String)> {
        if let Some(v) = self.env.var(name) {
            return Some((v.trim().to_string(), name.to_string()));
        }
        self.dotenv
            .get(name)
            .filter(|(v, _)| !v.trim().is_empty())
            .map(|(v, loc)| (v.trim().to_string(), format!("{name} from {loc}")))
    }

    fn add_dotenv(&mut self, path: &Path) {
        for (k, v, loc) in read_dotenv(path) {
            // The first file to set a variable wins, as with OpenClaw's non-overriding loads.
            self.dotenv.entry(k).or_insert((v, loc));
        }
    }
}

fn expand(raw: &str, home: Option<&Path>, cwd: &Path) -> PathBuf {
    let p = match (raw.strip_prefix('~'), home) {
        (Some(rest), Some(h))
            if rest.is_empty() || rest.starts_with('/') || rest.starts_with('\\') =>
        {
            h.join(rest.trim_start_matches(['/', '\\']))
        }
        _ => PathBuf::from(raw),
    };
    if p.is_absolute() { p } else { cwd.join(p) }
}

/// `expand` for a path argument: one that is not UTF-8 is kept byte for byte (a lossy
/// conversion would name a different, missing path).
fn expand_arg(p: &Path, home: Option<&Path>, cwd: &Path) -> PathBuf {
    match p.to_str() {
        Some(s) => expand(s, home, cwd),
        None if p.is_absolute() => p.to_path_buf(),
        None => cwd.join(p),
    }
}

fn located(path: PathBuf, origin: impl Into<String>) -> Located {
    let exists = path.exists();
    Located {
        path,
        origin: origin.into(),
        exists,
    }
}

pub fn discover(args: &DiscoverArgs, env: &Env) -> Result<Discovery, DiscoverError> {
    let mut look = Lookup {
        env,
        dotenv: BTreeMap::new(),
    };
    look.add_dotenv(&env.cwd.join(".env"));

    // Home: OPENCLAW_HOME (with ~ against HOME/USERPROFILE) > HOME > USERPROFILE.
    let os_home = env
        .var("HOME")
        .or_else(|| env.var("USERPROFILE"))
        .map(PathBuf::from);
    let home = if let Some((raw, origin)) = look.get("OPENCLAW_HOME") {
        Some(located(expand(&raw, os_home.as_deref(), &env.cwd), origin))
    } else if let Some(h) = env.var("HOME") {
        Some(located(PathBuf::from(h), "HOME"))
    } else {
        env.var("USERPROFILE")
            .map(|h| located(PathBuf::from(h), "USERPROFILE"))
    };
    let home_path = home.as_ref().map(|h| h.path.clone());

    let profile = match &args.profile {
        Some(p) => Some((p.trim().to_string(), "--profile".to_string())),
        None => look.get("OPENCLAW_PROFILE"),
    };
    if let Some((p, _)) = &profile
        && !valid_profile(p)
    {
        return Err(DiscoverError::BadProfile(p.clone()));
    }
    let named_profile = profile
        .as_ref()
        .filter(|(p, _)| !p.eq_ignore_ascii_case("default"));

    let state_dir = if let Some(dir) = &args.state_dir {
        located(
            expand_arg(dir, home_path.as_deref(), &env.cwd),
            "--state-dir",
        )
    } else if let Some((raw, origin)) = look.get("OPENCLAW_STATE_DIR") {
        located(expand(&raw, home_path.as_deref(), &env.cwd), origin)
    } else {
        let home = home_path.as_deref().ok_or(DiscoverError::NoHome)?;
        if let Some((name, origin)) = named_profile {
            located(
                home.join(format!(".openclaw-{name}")),
                format!("profile {name} ({origin})"),
            )
        } else {
            let current = home.join(".openclaw");
            let legacy = home.join(".clawdbot");
            let suffix = profile
                .as_ref()
                .map(|(_, o)| format!(" (profile default, {o})"))
                .unwrap_or_default();
            if !current.exists() && legacy.is_dir() {
                located(
                    legacy,
                    format!("legacy ~/.clawdbot: ~/.openclaw does not exist{suffix}"),
                )
            } else {
                located(current, format!("default ~/.openclaw{suffix}"))
            }
        }
    };

    look.add_dotenv(&state_dir.path.join(".env"));
    let config = if let Some(c) = &args.config {
        located(expand_arg(c, home_path.as_deref(), &env.cwd), "--config")
    } else if let Some((raw, origin)) = look.get("OPENCLAW_CONFIG_PATH") {
        located(expand(&raw, home_path.as_deref(), &env.cwd), origin)
    } else {
        let main = state_dir.path.join("openclaw.json");
        let legacy = state_dir.path.join("clawdbot.json");
        if !main.exists() && legacy.is_file() {
            located(legacy, "legacy clawdbot.json in the state dir")
        } else {
            located(main, "openclaw.json in the state dir")
        }
    };

    Ok(Discovery {
        home,
        state_dir,
        profile: named_profile.map(|(p, _)| p.to_ascii_lowercase()),
        config,
        dotenv: look.dotenv,
    })
}

/// Other state dirs under the home that hold an identity or a pairing store of their own.
pub fn other_state_dirs(home: &Path, chosen: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(home) else {
        return Vec::new();
    };
    let chosen = std::fs::canonicalize(chosen).unwrap_or_else(|_| chosen.to_path_buf());
    let mut out: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            name == ".openclaw" || name.starts_with(".openclaw-") || name == ".clawdbot"
        })
        .filter(|p| std::fs::canonicalize(p).map_or(true, |c| c != chosen))
        .filter(|p| {
            [
                "identity/device.json",
                "devices/paired.json",
                "state/openclaw.sqlite",
            ]
            .iter()
            .any(|f| p.join(f).is_file())
        })
        .collect();
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn env_with(home: &Path, vars: &[(&str, &str)]) -> Env {
        let mut map: BTreeMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        map.insert("HOME".into(), home.display().to_string());
        Env {
            vars: map,
            cwd: home.join("cwd"),
            tmpdir: home.join("tmp"),
            uid: Some(1000),
            sysroot: home.join("root"),
        }
    }

    fn setup() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        fs::create_dir_all(d.path().join("cwd")).unwrap();
        d
    }

    #[test]
    fn default_is_home_dot_openclaw() {
        let d = setup();
        let r = discover(&DiscoverArgs::default(), &env_with(d.path(), &[])).unwrap();
        assert_eq!(r.state_dir.path, d.path().join(".openclaw"));
        assert_eq!(r.config.path, d.path().join(".openclaw/openclaw.json"));
        assert!(r.state_dir.origin.starts_with("default"));
    }

    #[test]
    fn precedence_flag_env_profile() {
        let d = setup();
        let env = env_with(
            d.path(),
            &[
                ("OPENCLAW_STATE_DIR", "~/from-env"),
                ("OPENCLAW_PROFILE", "work"),
            ],
        );
        let r = discover(
            &DiscoverArgs {
                state_dir: Some("/x/flag".into()),
                ..Default::default()
            },
            &env,
        )
        .unwrap();
        assert_eq!(
            (
                r.state_dir.path.to_str().unwrap(),
                r.state_dir.origin.as_str()
            ),
            ("/x/flag", "--state-dir")
        );
        let r = discover(&DiscoverArgs::default(), &env).unwrap();
        assert_eq!(
            r.state_dir.path,
            d.path().join("from-env"),
            "env beats profile; ~ expands"
        );
        let env = env_with(d.path(), &[("OPENCLAW_PROFILE", "work")]);
        let r = discover(&DiscoverArgs::default(), &env).unwrap();
        assert_eq!(r.state_dir.path, d.path().join(".openclaw-work"));
        assert_eq!(r.profile.as_deref(), Some("work"));
        let r = discover(
            &DiscoverArgs {
                profile: Some("dev".into()),
                ..Default::default()
            },
            &env,
        )
        .unwrap();
        assert_eq!(
            r.state_dir.path,
            d.path().join(".openclaw-dev"),
            "--profile beats OPENCLAW_PROFILE"
        );
        let r = discover(
            &DiscoverArgs {
                profile: Some("default".into()),
                ..Default::default()
            },
            &env,
        )
        .unwrap();
        assert_eq!(r.state_dir.path, d.path().join(".openclaw"));
        assert_eq!(r.profile, None);
    }

    #[test]
    fn openclaw_home_beats_home() {
        let d = setup();
        let env = env_with(d.path(), &[("OPENCLAW_HOME", "~/alt")]);
        let r = discover(&DiscoverArgs::default(), &env).unwrap();
        assert_eq!(r.state_dir.path, d.path().join("alt/.openclaw"));
        assert_eq!(r.home.unwrap().origin, "OPENCLAW_HOME");
    }

    #[test]
    fn legacy_clawdbot_only_when_openclaw_missing() {
        let d = setup();
        fs::create_dir_all(d.path().join(".clawdbot")).unwrap();
        let r = discover(&DiscoverArgs::default(), &env_with(d.path(), &[])).unwrap();
        assert_eq!(r.state_dir.path, d.path().join(".clawdbot"));
        fs::create_dir_all(d.path().join(".openclaw")).unwrap();
        let r = discover(&DiscoverArgs::default(), &env_with(d.path(), &[])).unwrap();
        assert_eq!(r.state_dir.path, d.path().join(".openclaw"));
    }

    #[test]
    fn dotenv_files_fill_missing_variables_only() {
        let d = setup();
        fs::write(
            d.path().join("cwd/.env"),
            "OPENCLAW_STATE_DIR=~/from-dotenv\n",
        )
        .unwrap();
        let r = discover(&DiscoverArgs::default(), &env_with(d.path(), &[])).unwrap();
        assert_eq!(r.state_dir.path, d.path().join("from-dotenv"));
        assert!(
            r.state_dir.origin.contains(".env"),
            "{}",
            r.state_dir.origin
        );
        let r = discover(
            &DiscoverArgs::default(),
            &env_with(d.path(), &[("OPENCLAW_STATE_DIR", "/real")]),
        )
        .unwrap();
        assert_eq!(
            r.state_dir.path,
            PathBuf::from("/real"),
            "the environment wins over ./.env"
        );
        // <state>/.env can move the config
        fs::create_dir_all(d.path().join("from-dotenv")).unwrap();
        fs::write(
            d.path().join("from-dotenv/.env"),
            "OPENCLAW_CONFIG_PATH=/etc/oc.json\n",
        )
        .unwrap();
        let r = discover(&DiscoverArgs::default(), &env_with(d.path(), &[])).unwrap();
        assert_eq!(r.config.path, PathBuf::from("/etc/oc.json"));
    }

    #[test]
    fn config_precedence() {
        let d = setup();
        let env = env_with(d.path(), &[("OPENCLAW_CONFIG_PATH", "/env/c.json")]);
        let r = discover(
            &DiscoverArgs {
                config: Some("rel.json".into()),
                ..Default::default()
            },
            &env,
        )
        .unwrap();
        assert_eq!(
            r.config.path,
            d.path().join("cwd/rel.json"),
            "relative to the cwd"
        );
        assert_eq!(
            discover(&DiscoverArgs::default(), &env)
                .unwrap()
                .config
                .path,
            PathBuf::from("/env/c.json")
        );
    }

    #[test]
    fn bad_profile_and_no_home() {
        let d = setup();
        let err = discover(
            &DiscoverArgs {
                profile: Some("../x".into()),
                ..Default::default()
            },
            &env_with(d.path(), &[]),
        );
        assert_eq!(err.unwrap_err(), DiscoverError::BadProfile("../x".into()));
        let env = Env {
            vars: BTreeMap::new(),
            cwd: d.path().into(),
            tmpdir: d.path().into(),
            uid: None,
            sysroot: d.path().into(),
        };
        assert_eq!(
            discover(&DiscoverArgs::default(), &env).unwrap_err(),
            DiscoverError::NoHome
        );
        assert!(valid_profile("Work_1") && !valid_profile("-x") && !valid_profile(&"a".repeat(65)));
    }

    #[test]
    fn finds_other_state_dirs() {
        let d = setup();
        for (dir, file) in [
            (".openclaw", "identity/device.json"),
            (".openclaw-dev", "devices/paired.json"),
            (".openclaw-empty", "x"),
        ] {
            let p = d.path().join(dir).join(file);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, "{}").unwrap();
        }
        let others = other_state_dirs(d.path(), &d.path().join(".openclaw"));
        assert_eq!(others, vec![d.path().join(".openclaw-dev")]);
    }
}
