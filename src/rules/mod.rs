//! Rules: declarative checks loaded from TOML files. The built-in set is embedded at build
//! time (`build.rs` lists `rules/**/*.toml`); `--rules DIR` adds a user's own.
//!
//! Loading validates everything a rule says before any rule runs: unknown keys, id = file
//! stem, duplicate ids, version ranges, eras, and every expression (names, fields,
//! functions, argument counts) against the model's schema.

mod compile;
mod file;

pub use compile::{Command, Docs, EvidenceKind, EvidenceSpec, Rule, SubjectField};

use anyhow::Context;
use std::path::{Path, PathBuf};

/// One rule file's problems, with where they are.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{source_name}: {message}")]
pub struct RuleError {
    /// `rules/pairing/missing-operator-write.toml` (built in) or the user's path.
    pub source_name: String,
    pub message: String,
}

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));
}

#[derive(Debug, Clone)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
}

impl RuleSet {
    /// The rules shipped in the binary.
    pub fn builtin() -> Result<RuleSet, Vec<RuleError>> {
        let files = builtin::BUILTIN
            .iter()
            .map(|(path, text)| (path.to_string(), text.to_string()));
        Self::from_sources(files, builtin::BUILTIN.len())
    }

    /// Built-in rules plus every `*.toml` under the given directories (recursively).
    pub fn with_dirs(dirs: &[PathBuf]) -> anyhow::Result<Result<RuleSet, Vec<RuleError>>> {
        let mut files: Vec<(String, String)> = builtin::BUILTIN
            .iter()
            .map(|(p, t)| (p.to_string(), t.to_string()))
            .collect();
        for dir in dirs {
            let mut found = Vec::new();
            collect_toml(dir, &mut found).with_context(|| format!("--rules {}", dir.display()))?;
            found.sort();
            for path in found {
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("reading rule {}", path.display()))?;
                files.push((path.display().to_string(), text));
            }
        }
        Ok(Self::from_sources(
            files.into_iter(),
            builtin::BUILTIN.len(),
        ))
    }

    /// Compiles (name, text) pairs, the first `builtins` of them shipped in the binary;
    /// collects every error instead of stopping at the first.
    pub fn from_sources(
        files: impl Iterator<Item = (String, String)>,
        builtins: usize,
    ) -> Result<RuleSet, Vec<RuleError>> {
        let mut rules: Vec<Rule> = Vec::new();
        let mut errors = Vec::new();
        for (i, (name, text)) in files.enumerate() {
            match compile::compile(&name, &text) {
                Ok(mut rule) => {
                    rule.builtin = i < builtins;
                    if let Some(prev) = rules.iter().find(|r| r.id == rule.id) {
                        errors.push(RuleError {
                            source_name: name,
                            message: format!(
                                "duplicate rule id `{}` (already defined by {})",
                                rule.id, prev.source
                            ),
                        });
                    } else {
                        rules.push(rule);
                    }
                }
                Err(mut e) => errors.append(&mut e),
            }
        }
        for r in &rules {
            for other in &r.explained_by {
                if !rules.iter().any(|x| &x.id == other) {
                    errors.push(RuleError {
                        source_name: r.source.clone(),
                        message: format!("explained_by names unknown rule `{other}`"),
                    });
                }
            }
        }
        if errors.is_empty() {
            rules.sort_by(|a, b| (a.area, &a.id).cmp(&(b.area, &b.id)));
            Ok(RuleSet { rules })
        } else {
            Err(errors)
        }
    }

    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }
}

fn collect_toml(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let meta = std::fs::metadata(dir)?;
    if !meta.is_dir() {
        return Err(std::io::Error::other("not a directory"));
    }
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let ft = entry.file_type()?;
        if ft.is_dir() {
            collect_toml(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "toml") {
            out.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rules_load_without_errors() {
        let set = RuleSet::builtin().unwrap_or_else(|errs| {
            panic!(
                "{}",
                errs.iter()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        });
        assert!(!set.rules.is_empty());
    }
}
