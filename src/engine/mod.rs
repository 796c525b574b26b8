//! The rule engine: evaluates declarative rules (see `rules/README.md`) over the model.
//!
//! A small, closed expression language (`parse`, `check`, `eval`) reads the model's JSON view
//! (`view`), calls named facts (`functions`, backed by `crate::facts`) and fills message
//! templates (`template`). `run` turns matching rules into findings and links log findings
//! to the state findings that explain them.

pub mod ast;
pub mod check;
pub mod eval;
pub mod functions;
mod lex;
pub mod parse;
pub mod run;
pub mod schema;
pub mod template;
pub mod view;

pub use run::{Outcome, RuleFailure, run, run_observed};

#[cfg(test)]
pub(crate) mod testing {
    use crate::model::*;

    /// A model with nothing in it, for expression tests.
    pub fn empty_model() -> Model {
        let located = |p: &str| Located {
            path: p.into(),
            origin: "test".into(),
            exists: true,
        };
        Model {
            source: StateSource {
                home: None,
                state_dir: located("/state"),
                profile: None,
                config: located("/state/openclaw.json"),
                other_state_dirs: Vec::new(),
            },
            era: EraInfo {
                era: Era::Empty,
                live_store: None,
                reasons: Vec::new(),
                json_store_present: false,
                sqlite_store_present: false,
                migrated_archives: Vec::new(),
            },
            version: VersionInfo::default(),
            now_ms: 1_795_259_460_000,
            files: Vec::new(),
            devices: Vec::new(),
            pending: Vec::new(),
            bootstrap_tokens: Vec::new(),
            node_pairings: Vec::new(),
            identities: Vec::new(),
            token_caches: Vec::new(),
            config: ConfigInfo {
                path: "/state/openclaw.json".into(),
                exists: false,
                format: None,
                parse_error: None,
                facts: ConfigFacts::default(),
                top_level_keys: Vec::new(),
                document: None,
            },
            token_sources: Vec::new(),
            services: Vec::new(),
            logs: LogsInfo::default(),
            runtime: GatewayRuntime::default(),
            copies: Vec::new(),
            problems: Vec::new(),
        }
    }
}
