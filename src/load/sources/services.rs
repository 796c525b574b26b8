//! The service formats: systemd units (with drop-ins and `EnvironmentFile=`s), launchd
//! plists (with the generated environment wrapper file) and Windows task scripts. Each yields
//! a `Draft` that `Collector::add_service` turns into a `ServiceUnit` and credentials.

use super::plist::{self, PValue};
use super::read::{self, list_dir, read_bytes, read_text, same_path, shown};
use super::{Collector, Draft, EnvEntry, is_legacy_name, loc, systemd, wincmd};
use crate::model::{LoadProblem, ProblemKind, ServiceKind};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub(super) fn is_systemd_gateway_unit(name: &str) -> bool {
    let Some(stem) = name.strip_suffix(".service") else {
        return false;
    };
    let l = stem.to_ascii_lowercase();
    (l.starts_with("openclaw") && !l.starts_with("openclaw-node"))
        || ((l.starts_with("clawdbot") || l.starts_with("moltbot")) && !l.contains("node"))
}

/// `export KEY='value'` lines of a generated LaunchAgent environment file.
fn parse_export_lines(text: &str) -> Vec<(usize, String, String)> {
    let mut out = Vec::new();
    for (idx, raw) in text.split('\n').enumerate() {
        let Some(rest) = raw.trim().strip_prefix("export ") else {
            continue;
        };
        let Some((k, v)) = rest.trim_start().split_once('=') else {
            continue;
        };
        let v = v.trim();
        let v = if v.len() >= 2 && v.starts_with('\'') && v.ends_with('\'') {
            v[1..v.len() - 1].replace("'\\''", "'")
        } else {
            v.to_string()
        };
        out.push((idx + 1, k.to_string(), v));
    }
    out
}

impl Collector<'_> {
    pub(super) fn systemd_units(&mut self) {
        let expected = match &self.profile {
            None => "openclaw-gateway".to_string(),
            Some(p) => format!("openclaw-gateway-{p}"),
        };
        let mut dirs = Vec::new();
        if let Some(h) = self.inp.home {
            dirs.push((h.join(".config/systemd/user"), false));
        }
        dirs.push((self.inp.sysroot.join("etc/systemd/system"), true));
        for (dir, system) in dirs {
            for (name, path) in list_dir(&dir, self.problems(), is_systemd_gateway_unit) {
                if std::fs::read_link(&path).is_ok_and(|t| t == Path::new("/dev/null")) {
                    self.out.problems.push(
                        LoadProblem::new(
                            shown(&path),
                            ProblemKind::NotRegularFile,
                            "masked (a symlink to /dev/null)",
                        )
                        .with_consequence("systemd will not start this unit"),
                    );
                    continue;
                }
                let Some(text) = read_text(&path, self.problems()) else {
                    continue;
                };
                let mut files = vec![(path.clone(), text)];
                for (_, drop_in) in list_dir(&dir.join(format!("{name}.d")), self.problems(), |n| {
                    n.ends_with(".conf")
                }) {
                    if let Some(t) = read_text(&drop_in, self.problems()) {
                        files.push((drop_in, t));
                    }
                }
                let unit = systemd::parse_unit(&files, self.inp.home);
                let env = self.systemd_environment(&unit);
                let args = unit.exec_start.map_or_else(Vec::new, |e| {
                    let at = loc(&e.path, e.line);
                    e.value.into_iter().map(|a| (a, at.clone())).collect()
                });
                let stem = name.trim_end_matches(".service");
                self.add_service(Draft {
                    kind: ServiceKind::Systemd,
                    path,
                    description: unit.description,
                    args,
                    env,
                    name_match: stem.eq_ignore_ascii_case(&expected),
                    system,
                    legacy: is_legacy_name(stem),
                    ignore_case: false,
                });
            }
        }
    }

    /// `Environment=`, overridden by `EnvironmentFile=`s in order, less `UnsetEnvironment=`.
    fn systemd_environment(&mut self, unit: &systemd::ParsedUnit) -> Vec<EnvEntry> {
        let mut env: BTreeMap<String, (String, String)> = unit
            .environment
            .iter()
            .map(|(k, at)| (k.clone(), (at.value.clone(), loc(&at.path, at.line))))
            .collect();
        for spec in &unit.environment_files {
            let raw = spec.value.strip_prefix('-').unwrap_or(&spec.value);
            if raw.contains(['*', '?', '[']) {
                continue;
            }
            if let Some((path, text)) = self.read_mapped(raw) {
                for (line, k, v) in systemd::parse_env_file(&text) {
                    env.insert(k, (v, loc(&path, line)));
                }
            }
        }
        env.into_iter()
            .filter(|(k, (v, _))| !systemd::is_unset(&unit.unset, k, v))
            .map(|(name, (value, location))| EnvEntry {
                name,
                value,
                location,
            })
            .collect()
    }

    pub(super) fn launchd_plists(&mut self) {
        let expected = match &self.profile {
            None => "ai.openclaw.gateway".to_string(),
            Some(p) => format!("ai.openclaw.{p}"),
        };
        let mut dirs = Vec::new();
        if let Some(h) = self.inp.home {
            dirs.push((h.join("Library/LaunchAgents"), false));
        }
        dirs.push((self.inp.sysroot.join("Library/LaunchAgents"), true));
        dirs.push((self.inp.sysroot.join("Library/LaunchDaemons"), true));
        let wanted =
            |n: &str| n.ends_with(".plist") && (n.starts_with("ai.openclaw.") || is_legacy_name(n));
        for (dir, system) in dirs {
            for (name, path) in list_dir(&dir, self.problems(), wanted) {
                if let Some(draft) = self.launchd_draft(&name, path, system, &expected) {
                    self.add_service(draft);
                }
            }
        }
    }

    fn launchd_draft(
        &mut self,
        name: &str,
        path: PathBuf,
        system: bool,
        expected: &str,
    ) -> Option<Draft> {
        let bytes = read_bytes(&path, self.problems())?;
        if bytes.starts_with(b"bplist") {
            self.out.problems.push(LoadProblem::new(
                shown(&path),
                ProblemKind::WrongType,
                "binary plist; convert it with `plutil -convert xml1` to have it examined",
            ));
            return None;
        }
        let root = match plist::parse_plist(&read::decode_text(&bytes)) {
            Ok(v @ PValue::Dict(_)) => v,
            Ok(_) => {
                self.out.problems.push(LoadProblem::new(
                    shown(&path),
                    ProblemKind::WrongType,
                    "plist root is not a dict",
                ));
                return None;
            }
            Err(e) => {
                self.out.problems.push(LoadProblem::new(
                    shown(&path),
                    ProblemKind::WrongType,
                    format!("not a readable XML plist: {e}"),
                ));
                return None;
            }
        };
        let stem = name.trim_end_matches(".plist");
        let label = root
            .get("Label")
            .and_then(PValue::as_str)
            .unwrap_or(stem)
            .to_string();
        let args: Vec<(String, String)> = match root.get("ProgramArguments") {
            Some(PValue::Array(items)) => items
                .iter()
                .filter_map(|i| match i {
                    PValue::Str { text, line } => Some((text.clone(), loc(&path, *line))),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        let name_match =
            label.eq_ignore_ascii_case(expected) || stem.eq_ignore_ascii_case(expected);
        let legacy = is_legacy_name(&label) || is_legacy_name(stem);
        let runs_gateway = args.iter().any(|(a, _)| a.eq_ignore_ascii_case("gateway"))
            || label.ends_with(".gateway");
        if !name_match && !runs_gateway {
            return None;
        }
        let mut env: BTreeMap<String, (String, String)> = BTreeMap::new();
        if let Some(PValue::Dict(entries)) = root.get("EnvironmentVariables") {
            for (k, v) in entries {
                if let PValue::Str { text, line } = v {
                    env.insert(k.clone(), (text.clone(), loc(&path, *line)));
                }
            }
        }
        // Newer installs run `/bin/sh <label>-env-wrapper.sh <label>.env node ...`; the file wins.
        let wrapper_file = match args.as_slice() {
            [(sh, _), (w, _), (f, _), ..] if sh == "/bin/sh" && w.ends_with("-env-wrapper.sh") => {
                Some(f.clone())
            }
            [(w, _), (f, _), ..] if w.ends_with("-env-wrapper.sh") => Some(f.clone()),
            _ => None,
        };
        if let Some(f) = wrapper_file
            && let Some((p, text)) = self.read_mapped(&f)
        {
            for (line, k, v) in parse_export_lines(&text) {
                env.insert(k, (v, loc(&p, line)));
            }
        }
        Some(Draft {
            kind: ServiceKind::Launchd,
            path,
            description: root
                .get("Comment")
                .and_then(PValue::as_str)
                .map(str::to_string),
            args,
            env: env
                .into_iter()
                .map(|(name, (value, location))| EnvEntry {
                    name,
                    value,
                    location,
                })
                .collect(),
            name_match,
            system,
            legacy,
            ignore_case: false,
        })
    }

    pub(super) fn windows_scripts(&mut self) {
        let own = self.inp.state_dir.join("gateway.cmd");
        let mut paths = vec![own.clone()];
        if let Some(h) = self.inp.home {
            let dirs = list_dir(h, self.problems(), |n| {
                n == ".openclaw" || n.starts_with(".openclaw-") || n == ".clawdbot"
            });
            for (_, d) in dirs {
                let p = d.join("gateway.cmd");
                if !paths.iter().any(|q| same_path(q, &p)) {
                    paths.push(p);
                }
            }
        }
        for path in paths {
            let Some(text) = read_text(&path, self.problems()) else {
                continue;
            };
            let script = wincmd::parse_cmd_script(&text);
            // cmd: a later `set` wins; names compare without case.
            let mut env: BTreeMap<String, EnvEntry> = BTreeMap::new();
            for (line, k, v) in script.env {
                env.insert(
                    k.to_ascii_uppercase(),
                    EnvEntry {
                        name: k,
                        value: v,
                        location: loc(&path, line),
                    },
                );
            }
            let args = script.command.map_or_else(Vec::new, |(line, a)| {
                let at = loc(&path, line);
                a.into_iter().map(|x| (x, at.clone())).collect()
            });
            let dir_name = path
                .parent()
                .and_then(Path::file_name)
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            self.add_service(Draft {
                kind: ServiceKind::WindowsTask,
                name_match: same_path(&path, &own),
                legacy: is_legacy_name(&dir_name),
                path,
                description: script.description,
                args,
                env: env.into_values().collect(),
                system: false,
                ignore_case: true,
            });
        }
    }
}
