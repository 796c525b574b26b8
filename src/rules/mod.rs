//! Rules: declarative checks loaded from TOML files. The built-in set is embedded at build
//! time (`build.rs` lists `rules/**/*.toml`); `--rules DIR` adds a user's own.
//!
//! Loading validates everything a rule says before any rule runs: unknown keys, id = file
//! stem, duplicate ids, version ranges, eras, and every expression (names, fields,
//! functions, argument counts) against the model's schema.

mod compile;
mod file;

pub use compile::{ActionDecl, Command, Docs, EvidenceKind, EvidenceSpec, Rule, SubjectField};

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

fn builtin_texts(with_cases: bool) -> impl Iterator<Item = (String, String)> {
    builtin::BUILTIN.iter().map(move |(path, rule, cases)| {
        let text = if with_cases {
            format!("{rule}{cases}")
        } else {
            rule.to_string()
        };
        (path.to_string(), text)
    })
}

/// How many of a built-in rule's `[[cases]]` must fire and must stay silent; `None` for a rule
/// that is not built in (a user's rule file keeps its cases to itself).
pub fn builtin_case_counts(source: &str) -> Option<(usize, usize)> {
    let (_, _, cases) = builtin::BUILTIN
        .iter()
        .find(|(path, _, _)| *path == source)?;
    let doc: toml::Table = cases.parse().ok()?;
    let expects: Vec<&str> = doc
        .get("cases")?
        .as_array()?
        .iter()
        .filter_map(|c| c.get("expect")?.as_str())
        .collect();
    let fire = expects.iter().filter(|e| **e == "fire").count();
    Some((fire, expects.len() - fire))
}

#[derive(Debug, Clone)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
}

impl RuleSet {
    /// The rules shipped in the binary (without their test cases).
    pub fn builtin() -> Result<RuleSet, Vec<RuleError>> {
        Self::builtin_parts(false)
    }

    /// The shipped rules with their `[[cases]]`, for the project's tests.
    pub fn builtin_with_cases() -> Result<RuleSet, Vec<RuleError>> {
        Self::builtin_parts(true)
    }

    fn builtin_parts(with_cases: bool) -> Result<RuleSet, Vec<RuleError>> {
        Self::from_sources(builtin_texts(with_cases), builtin::BUILTIN.len())
    }

    /// Built-in rules plus every `*.toml` under the given directories (recursively).
    pub fn with_dirs(dirs: &[PathBuf]) -> anyhow::Result<Result<RuleSet, Vec<RuleError>>> {
        Self::load(dirs, false)
    }

    /// Like `with_dirs`; `with_cases` also parses the built-in rules' test cases.
    pub fn load(
        dirs: &[PathBuf],
        with_cases: bool,
    ) -> anyhow::Result<Result<RuleSet, Vec<RuleError>>> {
        let mut files: Vec<(String, String)> = builtin_texts(with_cases).collect();
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

    /// The build splits each file at its first `[[cases]]`: the rule must be the same with and
    /// without its cases (nothing of the rule may sit after the cases).
    #[test]
    fn splitting_off_the_cases_keeps_every_rule_whole() {
        let plain = RuleSet::builtin().unwrap();
        let full = RuleSet::builtin_with_cases().unwrap();
        assert_eq!(plain.rules.len(), full.rules.len());
        for (a, b) in plain.rules.iter().zip(&full.rules) {
            assert_eq!(a.id, b.id);
            assert_eq!(a.condition_text, b.condition_text, "{}", a.id);
            assert_eq!(a.references, b.references, "{}", a.id);
            assert_eq!(
                format!("{:?}", a.commands),
                format!("{:?}", b.commands),
                "{}",
                a.id
            );
            assert_eq!(
                format!("{:?}", a.evidence),
                format!("{:?}", b.evidence),
                "{}",
                a.id
            );
            assert!(a.cases.is_empty(), "{}: cases parsed at run time", a.id);
            assert!(!b.cases.is_empty(), "{}: no cases", b.id);
        }
    }
}

#[cfg(test)]
mod timing {
    /// `cargo test --release --lib rules::timing -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn where_rule_loading_time_goes() {
        let texts: Vec<(String, String)> = super::builtin_texts(false).collect();
        let n = 200;
        let t = std::time::Instant::now();
        for _ in 0..n {
            for (_, text) in &texts {
                let _: super::file::RuleFile = toml::from_str(text).unwrap();
            }
        }
        let toml_us = t.elapsed().as_micros() / n;
        let t = std::time::Instant::now();
        for _ in 0..n {
            let _ = super::RuleSet::builtin().unwrap();
        }
        let all_us = t.elapsed().as_micros() / n;
        let t = std::time::Instant::now();
        for _ in 0..n {
            let _ = super::RuleSet::builtin_with_cases().unwrap();
        }
        let cases_us = t.elapsed().as_micros() / n;
        println!("toml only: {toml_us} µs, whole load: {all_us} µs, with cases: {cases_us} µs");
    }
}
