//! Runs a rule set over a model and builds the findings.

use super::eval::{Ctx, EvalError, Let, ModelRoots, Scope, as_items, eval, truth};
use crate::findings::{Area, Evidence, EvidenceItem, Finding, FixOut};
use crate::model::{Era, Model};
use crate::rules::{EvidenceKind, Rule, RuleSet};
use serde_json::{Map, Value, json};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Log groups shown per evidence entry; the rest are counted in the finding's message.
const MAX_LOG_GROUPS: usize = 5;
/// Longest log text quoted as evidence.
const MAX_LOG_TEXT: usize = 400;

/// A rule that could not be evaluated on this model (a rule bug, never a crash).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleFailure {
    pub check_id: String,
    /// The rule file, so a failure of a user's `--rules` file is not mistaken for a built-in.
    pub source: String,
    pub builtin: bool,
    pub message: String,
}

#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// In the stable report order.
    pub findings: Vec<Finding>,
    pub failures: Vec<RuleFailure>,
    /// Rules not run on this state, with why (era or version outside their range).
    pub skipped: Vec<(String, String)>,
}

pub fn run(rules: &RuleSet, model: &Model) -> Outcome {
    run_observed(rules, model, &mut |_, _| {})
}

/// `run`, telling `observe` how long each rule that ran took (a profiling aid).
pub fn run_observed(
    rules: &RuleSet,
    model: &Model,
    observe: &mut dyn FnMut(&Rule, std::time::Duration),
) -> Outcome {
    let version = model.version.effective.clone();
    let mut out = Outcome::default();
    let mut todo: Vec<&Rule> = Vec::new();
    for rule in &rules.rules {
        // Without a state only the rules about logs mean anything.
        if model.era.era == Era::NotRead {
            if rule.area != Area::Logs {
                out.skipped.push((
                    rule.id.clone(),
                    "the state was not read (--no-state)".into(),
                ));
                continue;
            }
        } else if !rule.eras.contains(&model.era.era) {
            out.skipped.push((
                rule.id.clone(),
                format!("applies to other eras than {}", model.era.era.as_str()),
            ));
            continue;
        }
        if let (Some(req), Some(v)) = (&rule.versions, &version)
            && !req.matches(v)
        {
            out.skipped
                .push((rule.id.clone(), format!("OpenClaw {v} is outside {req}")));
            continue;
        }
        todo.push(rule);
    }
    for (rule, result, took) in evaluate_all(&todo, model) {
        let failure = |(key, e): Failed| RuleFailure {
            check_id: rule.id.clone(),
            source: rule.source.clone(),
            builtin: rule.builtin,
            message: format!("`{key}`: {}", e.message),
        };
        match result {
            Ok((mut found, failed)) => {
                out.findings.append(&mut found);
                out.failures.extend(failed.into_iter().map(failure));
            }
            Err(e) => out.failures.push(failure(e)),
        }
        observe(rule, took);
    }
    link(rules, &mut out.findings);
    out.findings.sort_by_cached_key(Finding::sort_key);
    out
}

/// Paired devices plus pending requests from which rules run on several threads.
const PARALLEL_RECORDS: usize = 2000;

type Evaluated = Result<(Vec<Finding>, Vec<Failed>), Failed>;

/// Evaluates the rules on as many threads as there are cores (rules are independent: each
/// thread has its own caches, the model's view is built once and shared), and returns the
/// results in rule order, so the outcome does not depend on the scheduling.
fn evaluate_all<'r>(
    rules: &[&'r Rule],
    model: &Model,
) -> Vec<(&'r Rule, Evaluated, std::time::Duration)> {
    let roots = ModelRoots::default();
    let next = AtomicUsize::new(0);
    let worker = || {
        let ctx = Ctx::of_model(model, &roots, model.version.effective.clone());
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(&rule) = rules.get(i) else {
                break;
            };
            let started = std::time::Instant::now();
            let result = evaluate(rule, &ctx);
            ctx.cache.end_rule();
            done.push((i, result, started.elapsed()));
        }
        done
    };
    // Per-record rules are what cost; with a few hundred records a second thread (its own
    // caches and allocator arena) costs more memory than it saves time.
    let records = model.devices.len() + model.pending.len();
    let threads = if records < PARALLEL_RECORDS {
        1
    } else {
        std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(rules.len())
    };
    let mut all: Vec<(usize, Evaluated, std::time::Duration)> = if threads <= 1 {
        worker()
    } else {
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads).map(|_| s.spawn(worker)).collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                .collect()
        })
    };
    if threads > 1 {
        // a large view: freed off the way (see `commands::scan`)
        std::thread::spawn(move || drop(roots));
    }
    all.sort_by_key(|r| r.0);
    all.into_iter()
        .map(|(i, result, took)| (rules[i], result, took))
        .collect()
}

type Failed = (&'static str, EvalError);

fn at(key: &'static str) -> impl Fn(EvalError) -> Failed {
    move |e| (key, e)
}

/// A rule's findings, and the failures of items it could not evaluate (one bad item does not
/// hide the findings of the others).
fn evaluate(rule: &Rule, ctx: &Ctx) -> Result<(Vec<Finding>, Vec<Failed>), Failed> {
    let root = Scope::default();
    let mut findings = Vec::new();
    let mut failed = Vec::new();
    let mut one = |scope: &Scope| match item(rule, ctx, scope) {
        Ok(Some(f)) => findings.push(f),
        Ok(None) => {}
        Err(e) => failed.push(e),
    };
    match &rule.each {
        Some((var, e)) => {
            let list = eval(e, ctx, &root).map_err(at("for"))?;
            for value in as_items(&list, || e.span()).map_err(at("for"))? {
                one(&root.with(var, value));
            }
        }
        None => one(&root),
    }
    Ok((findings, failed))
}

/// Binds the `let`s (each frame lives on this stack), then tests the condition.
fn item(rule: &Rule, ctx: &Ctx, scope: &Scope) -> Result<Option<Finding>, Failed> {
    fn bind(
        lets: &[(String, crate::engine::ast::Expr)],
        rule: &Rule,
        ctx: &Ctx,
        scope: &Scope,
    ) -> Result<Option<Finding>, Failed> {
        let Some(((name, e), rest)) = lets.split_first() else {
            let hit = eval(&rule.condition, ctx, scope).map_err(at("where"))?;
            return if truth(&hit, || rule.condition.span()).map_err(at("where"))? {
                finding(rule, ctx, scope).map(Some)
            } else {
                Ok(None)
            };
        };
        // A `let` that reads no per-item local (e.g. the devices able to approve anything) is
        // the same for every item of the `for`: computed once per rule.
        let value = Let::new(e, *scope);
        let constant = crate::engine::eval::constant(e, ctx, scope);
        bind(rest, rule, ctx, &scope.with_let(name, &value, constant))
    }
    bind(&rule.lets, rule, ctx, scope)
}

fn finding(rule: &Rule, ctx: &Ctx, scope: &Scope) -> Result<Finding, Failed> {
    let mut severity = rule.severity;
    let mut note = None;
    for (when, sev, text) in &rule.downgrades {
        let v = eval(when, ctx, scope).map_err(at("downgrade"))?;
        if truth(&v, || when.span()).map_err(at("downgrade"))? {
            severity = *sev;
            note = Some(text.render(ctx, scope).map_err(at("downgrade"))?);
            break;
        }
    }
    let mut subject = Map::new();
    subject.insert("kind".into(), json!(rule.subject_kind));
    for (name, field) in &rule.subject {
        let v = eval(&field.0, ctx, scope).map_err(at("subject"))?;
        subject.insert(name.clone(), v.into_owned());
    }
    let mut evidence = Vec::new();
    for spec in &rule.evidence {
        let v = eval(&spec.expr, ctx, scope).map_err(at("evidence"))?;
        evidence_items(&spec.label, spec.kind, v.into_owned(), &mut evidence);
    }
    let mut commands = Vec::new();
    for c in &rule.commands {
        if let Some(w) = &c.when {
            let v = eval(w, ctx, scope).map_err(at("fix.commands"))?;
            if !truth(&v, || w.span()).map_err(at("fix.commands"))? {
                continue;
            }
        }
        commands.push(c.run.render(ctx, scope).map_err(at("fix.commands"))?);
    }
    Ok(Finding {
        check_id: rule.id.clone(),
        area: rule.area,
        severity,
        message: rule.message.render(ctx, scope).map_err(at("message"))?,
        subject,
        evidence,
        fix: FixOut {
            kind: rule.fix_kind,
            summary: rule
                .fix_summary
                .render(ctx, scope)
                .map_err(at("fix.summary"))?,
            commands,
        },
        note,
        explained_by: Vec::new(),
        actions: actions(rule, ctx, scope)?,
    })
}

/// The rule's repair actions whose `when` holds, with their arguments evaluated.
fn actions(
    rule: &Rule,
    ctx: &Ctx,
    scope: &Scope,
) -> Result<Vec<crate::repair::actions::ActionCall>, Failed> {
    let mut out = Vec::new();
    for a in &rule.actions {
        if let Some(w) = &a.when {
            let v = eval(w, ctx, scope).map_err(at("fix.actions"))?;
            if !truth(&v, || w.span()).map_err(at("fix.actions"))? {
                continue;
            }
        }
        let mut args = Map::new();
        for (name, e) in &a.args {
            let v = eval(e, ctx, scope).map_err(at("fix.actions"))?;
            args.insert(name.clone(), v.into_owned());
        }
        out.push(crate::repair::actions::ActionCall { name: a.name, args });
    }
    Ok(out)
}

fn evidence_items(label: &str, kind: EvidenceKind, v: Value, out: &mut Vec<Evidence>) {
    let push = |out: &mut Vec<Evidence>, item| {
        out.push(Evidence {
            label: label.to_string(),
            item,
        })
    };
    match (kind, v) {
        (_, Value::Null) => {}
        (EvidenceKind::Value, value) => push(out, EvidenceItem::Value { value }),
        (EvidenceKind::File, Value::String(path)) => {
            push(out, EvidenceItem::File { path, mode: None })
        }
        (EvidenceKind::File, Value::Object(f)) => push(
            out,
            EvidenceItem::File {
                path: f
                    .get("path")
                    .and_then(Value::as_str)
                    .unwrap_or("?")
                    .to_string(),
                mode: f
                    .get("mode")
                    .and_then(Value::as_i64)
                    .map(|m| format!("{m:04o}")),
            },
        ),
        (EvidenceKind::File, Value::Array(items)) => {
            for i in items {
                evidence_items(label, kind, i, out);
            }
        }
        (EvidenceKind::Log, Value::Array(groups)) => {
            for g in groups.into_iter().take(MAX_LOG_GROUPS) {
                evidence_items(label, kind, g, out);
            }
        }
        (EvidenceKind::Log, Value::Object(g)) => {
            let count = g.get("count").and_then(Value::as_u64).unwrap_or(1);
            let first = g.get("first");
            let last = g.get("last").filter(|l| {
                let line = |e: &Value| (e.get("path").cloned(), e.get("line").cloned());
                first.is_none_or(|f| line(f) != line(l))
            });
            for e in [first, last].into_iter().flatten() {
                let text = crate::output::clip(
                    e.get("message").and_then(Value::as_str).unwrap_or(""),
                    MAX_LOG_TEXT,
                );
                push(
                    out,
                    EvidenceItem::Log {
                        path: e
                            .get("path")
                            .and_then(Value::as_str)
                            .unwrap_or("?")
                            .to_string(),
                        line: e.get("line").and_then(Value::as_u64).unwrap_or(0),
                        time: e.get("time").and_then(Value::as_str).map(str::to_string),
                        text,
                        count,
                    },
                );
            }
        }
        (EvidenceKind::Log, other) => push(out, EvidenceItem::Value { value: other }),
        (EvidenceKind::File, other) => push(out, EvidenceItem::Value { value: other }),
    }
}

/// Fills `explained_by`: a finding lists the findings of the rules its rule names that are
/// about the same device, or about no device in particular.
fn link(rules: &RuleSet, findings: &mut [Finding]) {
    use std::collections::{HashMap, HashSet};
    // rule id -> (has a finding about no device, the devices it has findings about)
    let mut by_rule: HashMap<String, (bool, HashSet<String>)> = HashMap::new();
    for f in findings.iter() {
        let e = by_rule.entry(f.check_id.clone()).or_default();
        match f.device_id() {
            None => e.0 = true,
            Some(d) => {
                e.1.insert(d.to_string());
            }
        }
    }
    for f in findings.iter_mut() {
        let Some(rule) = rules.get(&f.check_id) else {
            continue;
        };
        let mine = f.device_id().map(str::to_string);
        for wanted in &rule.explained_by {
            // A finding about no device in particular (token drift, a deadlock) explains any;
            // one about a device explains only that device's.
            let hit = by_rule.get(wanted).is_some_and(|(any, devices)| {
                *any || mine.as_ref().is_some_and(|m| devices.contains(m))
            });
            if hit && !f.explained_by.contains(wanted) {
                f.explained_by.push(wanted.clone());
            }
        }
    }
}
