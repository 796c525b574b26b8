//! Finding installed OpenClaw packages: the `package.json` above the script a service runs, and
//! the usual global install roots.

use super::read::{read_bytes, shown};
use crate::model::{LoadProblem, ProblemKind};
use crate::version::Version;
use std::fs;
use std::path::{Path, PathBuf};

/// Package names whose `package.json` identifies the gateway a service runs.
pub(super) const OPENCLAW: &str = "openclaw";
pub(super) const LEGACY_NAMES: [&str; 3] = ["openclaw", "clawdbot", "moltbot"];

/// A `package.json` with a wanted name.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Package {
    pub path: PathBuf,
    pub name: String,
    pub version: Option<Version>,
}

/// Reads `dir/package.json` when it names one of `names`. A version that is not an OpenClaw
/// version is a problem; so is an unparsable file when `strict` (an install root, where a
/// `package.json` must be the package's).
fn read_package(
    dir: &Path,
    names: &[&str],
    strict: bool,
    problems: &mut Vec<LoadProblem>,
) -> Option<Package> {
    let path = dir.join("package.json");
    let mut local = Vec::new();
    let bytes = read_bytes(&path, &mut local);
    if strict {
        problems.append(&mut local);
    }
    let bytes = bytes?;
    let json: serde_json::Value = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        Err(e) => {
            if strict {
                problems.push(LoadProblem::new(
                    shown(&path),
                    ProblemKind::NotJson,
                    e.to_string(),
                ));
            }
            return None;
        }
    };
    let name = json.get("name")?.as_str()?;
    if !names.contains(&name) {
        return None;
    }
    let version = match json.get("version").and_then(|v| v.as_str()) {
        Some(raw) => match raw.parse::<Version>() {
            Ok(v) => Some(v),
            Err(e) => {
                problems.push(LoadProblem::new(
                    shown(&path),
                    ProblemKind::WrongType,
                    format!("version: {e}"),
                ));
                None
            }
        },
        None => {
            problems.push(LoadProblem::new(
                shown(&path),
                ProblemKind::WrongType,
                "no \"version\" string",
            ));
            None
        }
    };
    Some(Package {
        path,
        name: name.to_string(),
        version,
    })
}

/// Follows symlinks by hand (at most 16), keeping absolute targets inside `sysroot`.
fn resolve_links(path: &Path, sysroot: &Path) -> PathBuf {
    let mut cur = path.to_path_buf();
    for _ in 0..16 {
        let Ok(target) = fs::read_link(&cur) else {
            break;
        };
        cur = if target.is_absolute() {
            if sysroot == Path::new("/") || target.starts_with(sysroot) {
                target
            } else {
                sysroot.join(target.strip_prefix("/").unwrap_or(&target))
            }
        } else {
            cur.parent().map_or(target.clone(), |p| p.join(&target))
        };
    }
    cur
}

/// The nearest `package.json` named one of `names` at or above `start` (a script or a
/// directory), after following `start`'s symlinks. Stays inside `boundary` when given.
pub(super) fn walk_up(
    start: &Path,
    sysroot: &Path,
    boundary: Option<&Path>,
    names: &[&str],
    problems: &mut Vec<LoadProblem>,
) -> Option<Package> {
    let resolved = resolve_links(start, sysroot);
    let mut starts = vec![resolved];
    if starts[0] != start {
        starts.push(start.to_path_buf());
    }
    for s in starts {
        for dir in s.ancestors().take(48) {
            if boundary.is_some_and(|b| !dir.starts_with(b)) || dir.as_os_str().is_empty() {
                break;
            }
            if let Some(p) = read_package(dir, names, false, problems) {
                return Some(p);
            }
        }
    }
    None
}

/// Package dirs of the usual global installs that exist, in a fixed order (globbed
/// directories sorted by name).
pub(super) fn global_roots(
    home: Option<&Path>,
    sysroot: &Path,
    problems: &mut Vec<LoadProblem>,
) -> Vec<PathBuf> {
    let sys = |p: &str| sysroot.join(p);
    let mut dirs = vec![
        sys("usr/lib/node_modules/openclaw"),
        sys("usr/local/lib/node_modules/openclaw"),
        sys("opt/homebrew/lib/node_modules/openclaw"),
    ];
    if let Some(h) = home {
        dirs.push(h.join(".npm-global/lib/node_modules/openclaw"));
        for base in [
            ".local/share/pnpm/global",
            "Library/pnpm/global",
            "AppData/Local/pnpm/global",
        ] {
            for (_, d) in super::read::list_dir(&h.join(base), problems, |_| true) {
                dirs.push(d.join("node_modules/openclaw"));
            }
        }
        for (_, d) in super::read::list_dir(&h.join(".nvm/versions/node"), problems, |_| true) {
            dirs.push(d.join("lib/node_modules/openclaw"));
        }
        dirs.push(h.join(".bun/install/global/node_modules/openclaw"));
        dirs.push(h.join(".volta/tools/image/packages/openclaw/lib/node_modules/openclaw"));
        dirs.push(h.join("AppData/Roaming/npm/node_modules/openclaw"));
    }
    dirs.retain(|d| d.is_dir());
    dirs
}

/// The `openclaw` package at an install root.
pub(super) fn read_root(dir: &Path, problems: &mut Vec<LoadProblem>) -> Option<Package> {
    read_package(dir, &[OPENCLAW], true, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_pkg(dir: &Path, body: &str) {
        fs::create_dir_all(dir).unwrap();
        fs::write(dir.join("package.json"), body).unwrap();
    }

    #[test]
    fn walks_up_past_other_package_jsons() {
        let d = tempfile::tempdir().unwrap();
        let pkg = d.path().join("lib/node_modules/openclaw");
        write_pkg(&pkg, r#"{"name":"openclaw","version":"2026.9.6"}"#);
        write_pkg(&pkg.join("dist"), r#"{"type":"module"}"#);
        write_pkg(&pkg.join("dist/sub"), "not json");
        let script = pkg.join("dist/sub/index.js");
        let mut p = Vec::new();
        let found = walk_up(&script, Path::new("/"), None, &[OPENCLAW], &mut p).unwrap();
        assert_eq!(found.path, pkg.join("package.json"));
        assert_eq!(found.version, Some(Version::new(2026, 9, 6)));
        assert!(p.is_empty(), "{p:?}");
        // The boundary stops the walk before the package.
        assert!(
            walk_up(
                &script,
                Path::new("/"),
                Some(&pkg.join("dist")),
                &[OPENCLAW],
                &mut p
            )
            .is_none()
        );
        // Another package's name does not count.
        assert!(walk_up(&script, Path::new("/"), None, &["clawdbot"], &mut p).is_none());
    }

    #[cfg(unix)]
    #[test]
    fn follows_bin_symlinks_inside_the_sysroot() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path();
        let pkg = root.join("usr/lib/node_modules/openclaw");
        write_pkg(&pkg, r#"{"name":"openclaw","version":"2026.7.35"}"#);
        fs::write(pkg.join("openclaw.mjs"), "").unwrap();
        fs::create_dir_all(root.join("usr/bin")).unwrap();
        fs::create_dir_all(root.join("usr/local/bin")).unwrap();
        std::os::unix::fs::symlink(
            "../lib/node_modules/openclaw/openclaw.mjs",
            root.join("usr/bin/openclaw"),
        )
        .unwrap();
        // An absolute link is read as inside the sysroot.
        std::os::unix::fs::symlink("/usr/bin/openclaw", root.join("usr/local/bin/openclaw"))
            .unwrap();
        let mut p = Vec::new();
        for start in ["usr/bin/openclaw", "usr/local/bin/openclaw"] {
            let found = walk_up(&root.join(start), root, Some(root), &[OPENCLAW], &mut p).unwrap();
            assert_eq!(found.version, Some(Version::new(2026, 7, 35)), "{start}");
        }
    }

    #[test]
    fn bad_versions_are_problems() {
        let d = tempfile::tempdir().unwrap();
        write_pkg(d.path(), r#"{"name":"openclaw","version":"1.2.3"}"#);
        let mut p = Vec::new();
        let found = read_root(d.path(), &mut p).unwrap();
        assert_eq!(found.version, None);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].kind, ProblemKind::WrongType);
        write_pkg(d.path(), "{");
        assert!(read_root(d.path(), &mut p).is_none());
        assert_eq!(p.last().unwrap().kind, ProblemKind::NotJson);
    }
}
