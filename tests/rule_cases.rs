//! Runs every rule's `[[cases]]` (see rules/README.md) and the meta-checks:
//! - each rule has a case that must fire and one that must stay silent;
//! - each rule id is a catalog id, and every P1 catalog id has a rule;
//! - no rule fires on the healthy states of either era, nor on log noise that is not device
//!   pairing (channel DM pairing codes S30, handshake timeouts and 1000/1006 closes S39);
//! - no rule fails to evaluate on any fixture.
//!
//! Cases run in-process against a private copy of a fixture (the loaders and the engine are
//! the binary's own), in a sealed environment: no variable of the test process leaks in.

mod common;

use claw_doctor::engine;
use claw_doctor::env::Env;
use claw_doctor::findings::Finding;
use claw_doctor::load::{LoadOptions, LogOptions, load};
use claw_doctor::rules::{Rule, RuleSet};
use common::{Sandbox, fixture_names, fixtures_dir};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    #[serde(default = "default_fixture")]
    fixture: String,
    expect: Expect,
    /// Exact number of findings of this rule (with `expect = "fire"`).
    count: Option<usize>,
    /// `--openclaw-version`.
    version: Option<String>,
    now: Option<String>,
    /// Text every finding's message must contain.
    message: Option<String>,
    /// Severity of every finding.
    severity: Option<String>,
    /// Rules whose findings every finding must be linked to (`explained_by`).
    #[serde(default)]
    explained_by: Vec<String>,
    /// RFC 7396 merge patches over JSON files.
    #[serde(default)]
    merge: BTreeMap<String, toml::Value>,
    #[serde(default)]
    write: BTreeMap<String, String>,
    #[serde(default)]
    remove: Vec<String>,
    #[serde(default)]
    sql: Vec<String>,
    #[serde(default)]
    log: Vec<String>,
    #[serde(default)]
    chmod: BTreeMap<String, String>,
    /// Process environment variables of the scan.
    #[serde(default)]
    env: BTreeMap<String, String>,
    /// Read no logs (`--no-logs`).
    #[serde(default)]
    no_logs: bool,
    /// The rule must not even run here (its `eras`/`versions` exclude the state). A silent case
    /// without it must be silent because the condition is false, not because it was skipped.
    #[serde(default)]
    skipped: bool,
}

fn default_fixture() -> String {
    "json-healthy".into()
}

#[derive(Debug, Deserialize, PartialEq, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum Expect {
    Fire,
    Silent,
}

/// Where a case path points: `~/x` in the sandbox home, `/x` under the sysroot, `logs/x` in
/// the log dir, anything else in the state dir.
fn resolve(sb: &Sandbox, rel: &str) -> PathBuf {
    let root = sb.tmp.path();
    if let Some(r) = rel.strip_prefix("~/") {
        root.join("home").join(r)
    } else if let Some(r) = rel.strip_prefix('/') {
        root.join("sysroot").join(r)
    } else if let Some(r) = rel.strip_prefix("logs/") {
        root.join("logs").join(r)
    } else {
        sb.state().join(rel)
    }
}

fn merge_patch(target: &mut serde_json::Value, patch: &serde_json::Value) {
    match patch {
        serde_json::Value::Object(p) => {
            if !target.is_object() {
                *target = serde_json::Value::Object(Default::default());
            }
            let t = target.as_object_mut().expect("just made an object");
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge_patch(t.entry(k.clone()).or_insert(serde_json::Value::Null), v);
                }
            }
        }
        other => *target = other.clone(),
    }
}

/// TOML has no null: the string "null" in a merge patch deletes the key.
fn toml_to_json(v: &toml::Value) -> serde_json::Value {
    match v {
        toml::Value::String(s) if s == "null" => serde_json::Value::Null,
        toml::Value::String(s) => serde_json::Value::String(s.clone()),
        toml::Value::Integer(i) => serde_json::Value::from(*i),
        toml::Value::Float(f) => serde_json::Value::from(*f),
        toml::Value::Boolean(b) => serde_json::Value::Bool(*b),
        toml::Value::Datetime(d) => serde_json::Value::String(d.to_string()),
        toml::Value::Array(a) => serde_json::Value::Array(a.iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => serde_json::Value::Object(
            t.iter()
                .map(|(k, v)| (k.clone(), toml_to_json(v)))
                .collect(),
        ),
    }
}

/// `{uid}` (the test's uid) and `{state}` (the copy's state dir) in `write` paths and texts:
/// lock files and fake `/proc` entries name them.
fn placeholders(sb: &Sandbox, text: &str) -> String {
    let uid = Env::from_process(None).uid.unwrap_or(0);
    text.replace("{uid}", &uid.to_string())
        .replace("{state}", &sb.state().display().to_string())
}

fn apply(sb: &Sandbox, case: &Case) {
    for (rel, text) in &case.write {
        let p = resolve(sb, &placeholders(sb, rel));
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, placeholders(sb, text)).unwrap();
    }
    for (rel, patch) in &case.merge {
        let p = resolve(sb, rel);
        // A typo in the path must not silently create a junk file the case then "passes" on.
        let text = std::fs::read_to_string(&p)
            .unwrap_or_else(|e| panic!("{}: merge into {rel}: {e}", case.name));
        let mut doc: serde_json::Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{}: merge into {rel}: not JSON: {e}", case.name));
        merge_patch(&mut doc, &toml_to_json(patch));
        std::fs::write(&p, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    }
    for rel in &case.remove {
        let p = resolve(sb, rel);
        if p.is_dir() {
            std::fs::remove_dir_all(&p).unwrap();
        } else {
            std::fs::remove_file(&p).unwrap_or_else(|e| panic!("{}: remove {rel}: {e}", case.name));
        }
    }
    if !case.sql.is_empty() {
        let db = rusqlite::Connection::open(sb.state().join("state/openclaw.sqlite")).unwrap();
        for stmt in &case.sql {
            db.execute_batch(stmt)
                .unwrap_or_else(|e| panic!("{}: sql {stmt}: {e}", case.name));
        }
    }
    if !case.log.is_empty() {
        let dir = sb.tmp.path().join("logs");
        std::fs::create_dir_all(&dir).unwrap();
        let mut text = case.log.join("\n");
        text.push('\n');
        std::fs::write(dir.join("openclaw-case.log"), text).unwrap();
    }
    #[cfg(unix)]
    for (rel, mode) in &case.chmod {
        use std::os::unix::fs::PermissionsExt;
        let m = u32::from_str_radix(mode, 8).unwrap();
        std::fs::set_permissions(resolve(sb, rel), std::fs::Permissions::from_mode(m)).unwrap();
    }
}

struct Scan {
    findings: Vec<Finding>,
    failures: Vec<engine::RuleFailure>,
    skipped: Vec<(String, String)>,
}

fn scan(sb: &Sandbox, rules: &RuleSet, case: Option<&Case>) -> Scan {
    let model = load_model(sb, case);
    let out = engine::run(rules, &model);
    Scan {
        findings: out.findings,
        failures: out.failures,
        skipped: out.skipped,
    }
}

fn load_model(sb: &Sandbox, case: Option<&Case>) -> claw_doctor::model::Model {
    let root = sb.tmp.path();
    let mut vars = BTreeMap::new();
    vars.insert("HOME".to_string(), root.join("home").display().to_string());
    if let Some(c) = case {
        vars.extend(c.env.clone());
    }
    let env = Env {
        vars,
        cwd: root.join("cwd"),
        tmpdir: root.join("tmp"),
        uid: Env::from_process(None).uid,
        sysroot: root.join("sysroot"),
    };
    let now = case
        .and_then(|c| c.now.clone())
        .unwrap_or_else(|| sb.fixture.now.clone());
    let logs_dir = root.join("logs");
    let no_logs = case.is_some_and(|c| c.no_logs);
    let opts = LoadOptions {
        discover: claw_doctor::discover::DiscoverArgs {
            state_dir: Some(sb.state()),
            profile: None,
            config: None,
        },
        logs: LogOptions {
            enabled: !no_logs,
            files: Vec::new(),
            dirs: if logs_dir.is_dir() {
                vec![logs_dir]
            } else {
                Vec::new()
            },
            progress: None,
        },
        now_ms: now.parse::<jiff::Timestamp>().unwrap().as_millisecond(),
        openclaw_version: case
            .and_then(|c| c.version.as_ref())
            .map(|v| v.parse().unwrap()),
        no_state: false,
    };
    load(&opts, &env).unwrap()
}

/// The built-in rules, plus drafts from `CLAW_DOCTOR_EXTRA_RULES=DIR` (how a rule is developed
/// before it moves into `rules/`).
fn rules() -> RuleSet {
    let extra: Vec<PathBuf> = std::env::var_os("CLAW_DOCTOR_EXTRA_RULES")
        .map(|d| vec![PathBuf::from(d)])
        .unwrap_or_default();
    RuleSet::load(&extra, true).unwrap().unwrap_or_else(|errs| {
        panic!(
            "{}",
            errs.iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        )
    })
}

fn cases(rule: &Rule) -> Vec<Case> {
    rule.cases
        .iter()
        .enumerate()
        .map(|(i, v)| {
            v.clone()
                .try_into()
                .unwrap_or_else(|e| panic!("{}: cases[{i}]: {e}", rule.source))
        })
        .collect()
}

fn describe(found: &[&Finding]) -> String {
    found
        .iter()
        .map(|f| format!("  {} [{}] {}", f.check_id, f.severity.as_str(), f.message))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_rule_case_holds() {
    let rules = rules();
    let mut failures = Vec::new();
    let mut ran = 0;
    for rule in &rules.rules {
        for case in cases(rule) {
            let sb = Sandbox::new(&case.fixture);
            apply(&sb, &case);
            let out = scan(&sb, &rules, Some(&case));
            ran += 1;
            let mine: Vec<&Finding> = out
                .findings
                .iter()
                .filter(|f| f.check_id == rule.id)
                .collect();
            let label = format!("{} / {:?}", rule.id, case.name);
            for f in out.failures.iter().filter(|f| f.check_id == rule.id) {
                failures.push(format!("{label}: rule failed: {}", f.message));
            }
            let was_skipped = out.skipped.iter().any(|(id, _)| *id == rule.id);
            if was_skipped != case.skipped {
                failures.push(format!(
                    "{label}: {} (set `skipped = {}` if that is the point of the case)",
                    if was_skipped {
                        "the rule did not run on this state"
                    } else {
                        "the rule ran, but the case expects it to be skipped"
                    },
                    was_skipped
                ));
            }
            match case.expect {
                Expect::Fire if mine.is_empty() => {
                    let others: Vec<&Finding> = out.findings.iter().collect();
                    failures.push(format!(
                        "{label}: expected to fire, did not. Other findings:\n{}",
                        describe(&others)
                    ));
                }
                Expect::Silent if !mine.is_empty() => {
                    failures.push(format!(
                        "{label}: expected silence, got:\n{}",
                        describe(&mine)
                    ));
                }
                _ => {}
            }
            if let Some(n) = case.count
                && mine.len() != n
            {
                failures.push(format!(
                    "{label}: expected {n} findings, got {}:\n{}",
                    mine.len(),
                    describe(&mine)
                ));
            }
            if let Some(text) = &case.message {
                for f in &mine {
                    if !f.message.contains(text.as_str()) {
                        failures.push(format!("{label}: message {:?} lacks {text:?}", f.message));
                    }
                }
            }
            for want in &case.explained_by {
                for f in &mine {
                    if !f.explained_by.contains(want) {
                        failures.push(format!(
                            "{label}: not linked to {want} (explained_by {:?})",
                            f.explained_by
                        ));
                    }
                }
            }
            if let Some(sev) = &case.severity {
                for f in &mine {
                    if f.severity.as_str() != sev {
                        failures.push(format!(
                            "{label}: severity {} (expected {sev})",
                            f.severity.as_str()
                        ));
                    }
                }
            }
        }
    }
    assert!(ran > 0, "no cases ran");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The catalog's ids (the contract), with P1 marked. Copied from the project's catalog.
fn catalog() -> Vec<(String, bool)> {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/catalog.txt"))
            .unwrap();
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| match l.split_once(' ') {
            Some((id, mark)) => (id.to_string(), mark.trim() == "P1"),
            None => (l.to_string(), false),
        })
        .collect()
}

#[test]
fn every_rule_has_cases_docs_and_a_catalog_id() {
    let rules = rules();
    let catalog = catalog();
    let mut problems = Vec::new();
    for rule in &rules.rules {
        let cs = cases(rule);
        if !cs.iter().any(|c| c.expect == Expect::Fire) {
            problems.push(format!("{}: no case that must fire", rule.id));
        }
        if !cs.iter().any(|c| c.expect == Expect::Silent) {
            problems.push(format!("{}: no case that must stay silent", rule.id));
        }
        if !catalog.iter().any(|(id, _)| *id == rule.id) {
            problems.push(format!("{}: not a catalog id (rules/catalog.txt)", rule.id));
        }
        for (part, text) in [
            ("checks", &rule.docs.checks),
            ("why", &rule.docs.why),
            ("fix", &rule.docs.fix),
            ("safety", &rule.docs.safety),
        ] {
            if text.split_whitespace().count() < 8 {
                problems.push(format!("{}: docs.{part} is too thin to help", rule.id));
            }
        }
        if !rule
            .source
            .starts_with(&format!("rules/{}/", rule.area.as_str()))
        {
            problems.push(format!(
                "{}: lives in {}, not under rules/{}/",
                rule.id,
                rule.source,
                rule.area.as_str()
            ));
        }
    }
    for (id, p1) in &catalog {
        if *p1 && rules.get(id).is_none() {
            problems.push(format!("P1 catalog id {id} has no rule file"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// OpenClaw writes `openclaw.json` with mode 0600; the lab wrote the healthy fixtures' config
/// by hand (0644), which `state-file-permissions` rightly reports. The healthy baseline is the
/// state as OpenClaw itself leaves it.
fn healthy(name: &str) -> Sandbox {
    let sb = Sandbox::new(name);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let cfg = sb.state().join("openclaw.json");
        if cfg.exists() {
            std::fs::set_permissions(cfg, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
    }
    sb
}

#[test]
fn healthy_states_of_both_eras_are_silent() {
    let rules = rules();
    for name in ["json-healthy", "sqlite-healthy", "sqlite-after-migration"] {
        let out = scan(&healthy(name), &rules, None);
        let loud: Vec<&Finding> = out
            .findings
            .iter()
            .filter(|f| f.severity != claw_doctor::findings::Severity::Info)
            .collect();
        assert!(loud.is_empty(), "{name}:\n{}", describe(&loud));
        assert!(out.failures.is_empty(), "{name}: {:?}", out.failures);
    }
}

/// S30 (channel/DM pairing codes, node pairing) and S39 (handshake timeouts, 1000/1006
/// closes) are not device pairing: nothing may fire on them.
#[test]
fn channel_pairing_and_handshake_timeouts_are_not_pairing_problems() {
    let rules = rules();
    let sb = healthy("json-healthy");
    let lines = [
        r#"{"0":"telegram: pairing request from user 7781 (dmPolicy=pairing): code LC7CS8DP","_meta":{"logLevelName":"INFO","date":"2026-11-21T11:00:01.000Z"},"time":"2026-11-21T11:00:01.000Z"}"#,
        r#"{"0":"Error: No pending pairing request found for code: LC7CS8DP","_meta":{"logLevelName":"ERROR","date":"2026-11-21T11:00:02.000Z"},"time":"2026-11-21T11:00:02.000Z"}"#,
        "2026-11-21T11:00:03.000Z [openclaw] Failed to start CLI: Error: gateway closed (1000 normal closure): no close reason",
        "2026-11-21T11:00:04.000Z [ws] gateway closed (1006 abnormal closure (no close frame)): no close reason",
        "2026-11-21T11:00:05.000Z [ws] handshake timeout conn=7c1d remote=127.0.0.1 code=1000",
        "2026-11-21T11:00:06.000Z [gateway] node pairing request pending nodeId=ios-1 (openclaw nodes pending)",
    ];
    std::fs::create_dir_all(sb.tmp.path().join("logs")).unwrap();
    std::fs::write(
        sb.tmp.path().join("logs/openclaw-2026-11-21.log"),
        lines.join("\n") + "\n",
    )
    .unwrap();
    let out = scan(&sb, &rules, None);
    assert!(out.failures.is_empty(), "{:?}", out.failures);
    // Only what the healthy state itself already reports (as info), never anything about
    // these lines: none of them is device pairing.
    let baseline = scan(&healthy("json-healthy"), &rules, None);
    let new: Vec<&Finding> = out
        .findings
        .iter()
        .filter(|f| !baseline.findings.iter().any(|b| b.check_id == f.check_id))
        .collect();
    assert!(new.is_empty(), "{}", describe(&new));
    assert!(
        out.findings
            .iter()
            .all(|f| f.severity == claw_doctor::findings::Severity::Info),
        "{}",
        describe(&out.findings.iter().collect::<Vec<_>>())
    );
}

#[test]
fn no_rule_fails_on_any_fixture() {
    let rules = rules();
    let mut bad = Vec::new();
    for name in fixture_names() {
        let out = scan(&Sandbox::new(&name), &rules, None);
        for f in out.failures {
            bad.push(format!("{name}: {}: {}", f.check_id, f.message));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
    assert!(fixtures_dir().is_dir());
}

/// The schema rules are checked against (src/engine/schema.rs) must be what the loaders really
/// produce: every field of every record present, nothing unlisted, on every fixture.
#[test]
fn schema_matches_what_the_loaders_produce() {
    use claw_doctor::engine::schema::{self, Ty};
    use serde_json::Value;

    fn walk(v: &Value, ty: Ty, at: &str, seen: &mut Vec<String>, errs: &mut Vec<String>) {
        match (ty, v) {
            (_, Value::Null) | (Ty::Any, _) => {}
            (Ty::List(t), Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    walk(item, *t, &format!("{at}[{i}]"), seen, errs);
                }
            }
            (Ty::Rec(name), Value::Object(o)) => {
                let rec = schema::record(name).unwrap();
                seen.push(name.to_string());
                for (k, child) in o {
                    match rec.fields.iter().find(|(f, _)| f == k) {
                        Some((_, t)) => walk(child, *t, &format!("{at}.{k}"), seen, errs),
                        None if rec.open => {}
                        None => errs.push(format!("{at}.{k}: not in the {name} schema")),
                    }
                }
                if !rec.open {
                    for (f, _) in rec.fields {
                        if !o.contains_key(*f) {
                            errs.push(format!("{at}: {name} schema field `{f}` never produced"));
                        }
                    }
                }
            }
            (Ty::Str, Value::String(_))
            | (Ty::Int, Value::Number(_))
            | (Ty::Bool, Value::Bool(_)) => {}
            (t, v) => errs.push(format!(
                "{at}: schema says {}, loader gave {v}",
                t.describe()
            )),
        }
    }

    let mut errs = Vec::new();
    let mut seen = Vec::new();
    for name in fixture_names() {
        let model = load_model(&Sandbox::new(&name), None);
        let roots = claw_doctor::engine::view::roots(&model);
        for (root, ty, _) in schema::ROOTS {
            let v = roots
                .get(*root)
                .unwrap_or_else(|| panic!("view lacks root {root}"));
            walk(v, *ty, &format!("{name}:{root}"), &mut seen, &mut errs);
        }
        assert_eq!(
            roots.len(),
            schema::ROOTS.len(),
            "view and schema name the same roots"
        );
    }
    errs.sort();
    errs.dedup();
    assert!(errs.is_empty(), "{}", errs.join("\n"));
    for rec in [
        "device",
        "deviceToken",
        "pending",
        "identity",
        "tokenCache",
        "cachedToken",
        "tokenSource",
        "file",
        "problem",
        "logGroup",
        "logEvent",
        "config",
        "state",
    ] {
        assert!(
            seen.iter().any(|s| s == rec),
            "no fixture produced a {rec} record: the check above proved nothing for it"
        );
    }
}
