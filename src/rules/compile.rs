//! Turns a rule file into a checked, ready-to-run `Rule`.

use super::RuleError;
use super::file::{CommandFile, RuleFile};
use crate::engine::ast::{Expr, Span};
use crate::engine::check::{TyScope, boolean, check};
use crate::engine::parse::parse;
use crate::engine::schema::Ty;
use crate::engine::template::Template;
use crate::findings::{Area, FixKind, Severity};
use crate::model::Era;
use crate::version::VersionReq;

#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub source: String,
    /// Shipped in the binary (not from `--rules`).
    pub builtin: bool,
    pub area: Area,
    pub severity: Severity,
    pub title: String,
    pub message: Template,
    pub eras: Vec<Era>,
    pub versions: Option<VersionReq>,
    pub versions_text: Option<String>,
    pub each: Option<(String, Expr)>,
    pub lets: Vec<(String, Expr)>,
    pub condition: Expr,
    /// The condition as written, for `explain`.
    pub condition_text: String,
    pub subject_kind: String,
    pub subject: Vec<(String, SubjectField)>,
    pub evidence: Vec<EvidenceSpec>,
    pub downgrades: Vec<(Expr, Severity, Template)>,
    pub explained_by: Vec<String>,
    pub fix_kind: FixKind,
    pub fix_summary: Template,
    pub commands: Vec<Command>,
    pub actions: Vec<ActionDecl>,
    pub docs: Docs,
    pub references: Vec<String>,
    /// Raw test cases, for the project's tests.
    pub cases: Vec<toml::Value>,
}

#[derive(Debug, Clone)]
pub struct SubjectField(pub Expr);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvidenceKind {
    Value,
    Log,
    File,
}

#[derive(Debug, Clone)]
pub struct EvidenceSpec {
    pub label: String,
    pub kind: EvidenceKind,
    pub expr: Expr,
}

/// One `[[fix.actions]]` entry, checked against `repair::actions::ACTIONS`.
#[derive(Debug, Clone)]
pub struct ActionDecl {
    pub name: &'static str,
    pub when: Option<Expr>,
    pub args: Vec<(String, Expr)>,
}

#[derive(Debug, Clone)]
pub struct Command {
    pub run: Template,
    pub when: Option<Expr>,
}

#[derive(Debug, Clone)]
pub struct Docs {
    pub checks: String,
    pub why: String,
    pub fix: String,
    pub safety: String,
}

const ERAS: [(&str, Era); 4] = [
    ("json", Era::Json),
    ("sqlite", Era::Sqlite),
    ("mixed", Era::Mixed),
    ("empty", Era::Empty),
];

/// Collects a rule file's errors, each naming the key it is in.
struct Errors<'a> {
    source: &'a str,
    list: Vec<RuleError>,
}

impl Errors<'_> {
    fn push(&mut self, key: &str, message: impl Into<String>) {
        self.list.push(RuleError {
            source_name: self.source.to_string(),
            message: format!("`{key}`: {}", message.into()),
        });
    }

    /// An expression error with the expression and a caret line under the span.
    fn at(&mut self, key: &str, src: &str, span: Span, message: &str) {
        let (line_start, line) = line_of(src, span.start);
        let col = src[line_start..span.start.min(src.len())].chars().count();
        let width = src[span.start.min(src.len())..span.end.min(src.len())]
            .chars()
            .count()
            .max(1);
        self.push(
            key,
            format!(
                "{message}\n    {line}\n    {}{}",
                " ".repeat(col),
                "^".repeat(width)
            ),
        );
    }

    fn expr(&mut self, key: &str, src: &str) -> Option<Expr> {
        match parse(src) {
            Ok(e) => Some(e),
            Err(e) => {
                self.at(key, src, e.span, &e.message);
                None
            }
        }
    }

    fn template(&mut self, key: &str, src: &str, scope: &TyScope) -> Option<Template> {
        match Template::parse(src) {
            Ok(t) => match t.check(scope) {
                Ok(()) => Some(t),
                Err(e) => {
                    self.at(key, src, e.span, &e.message);
                    None
                }
            },
            Err(e) => {
                self.at(key, src, e.span, &e.message);
                None
            }
        }
    }

    fn typed(&mut self, key: &str, src: &str, e: &Expr, scope: &TyScope) -> Option<Ty> {
        match check(e, scope) {
            Ok(t) => Some(t),
            Err(err) => {
                self.at(key, src, err.span, &err.message);
                None
            }
        }
    }

    fn condition(&mut self, key: &str, src: &str, scope: &TyScope) -> Option<Expr> {
        let e = self.expr(key, src)?;
        match boolean(&e, scope) {
            Ok(()) => Some(e),
            Err(err) => {
                self.at(key, src, err.span, &err.message);
                None
            }
        }
    }
}

fn line_of(src: &str, at: usize) -> (usize, &str) {
    let at = at.min(src.len());
    let start = src[..at].rfind('\n').map_or(0, |i| i + 1);
    let end = src[at..].find('\n').map_or(src.len(), |i| at + i);
    (start, &src[start..end])
}

pub fn compile(source: &str, text: &str) -> Result<Rule, Vec<RuleError>> {
    let mut errs = Errors {
        source,
        list: Vec::new(),
    };
    let raw: RuleFile = match toml::from_str(text) {
        Ok(r) => r,
        Err(e) => {
            return Err(vec![RuleError {
                source_name: source.to_string(),
                message: e.to_string().trim_end().to_string(),
            }]);
        }
    };
    let stem = std::path::Path::new(source)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("");
    if raw.id != stem {
        errs.push(
            "id",
            format!("`{}` must equal the file name `{stem}.toml`", raw.id),
        );
    }
    if raw.id.is_empty()
        || !raw
            .id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        errs.push("id", "use lower-case words joined by `-`");
    }
    let eras = match &raw.eras {
        None => ERAS.iter().map(|(_, e)| *e).collect(),
        Some(list) => list
            .iter()
            .filter_map(|name| match ERAS.iter().find(|(n, _)| n == name) {
                Some((_, e)) => Some(*e),
                None => {
                    errs.push(
                        "eras",
                        format!("unknown era {name:?} (json, sqlite, mixed, empty)"),
                    );
                    None
                }
            })
            .collect(),
    };
    let versions = raw
        .versions
        .as_deref()
        .and_then(|v| match v.parse::<VersionReq>() {
            Ok(r) => Some(r),
            Err(e) => {
                errs.push("versions", e.to_string());
                None
            }
        });

    let mut scope = TyScope::default();
    let each = raw.each.as_deref().and_then(|src| {
        let Some((var, list_src)) = src.split_once(" in ") else {
            errs.push("for", "write `name in <list>`, e.g. `device in devices`");
            return None;
        };
        let var = var.trim();
        if var.is_empty() || !var.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            errs.push("for", format!("{var:?} is not a variable name"));
            return None;
        }
        let e = errs.expr("for", list_src)?;
        let elem = match errs.typed("for", list_src, &e, &scope)? {
            Ty::List(t) => *t,
            Ty::Any => Ty::Any,
            other => {
                errs.push("for", format!("needs a list, this is {}", other.describe()));
                return None;
            }
        };
        scope = scope.with(var, elem);
        Some((var.to_string(), e))
    });
    let mut lets = Vec::new();
    for (name, v) in &raw.lets {
        let key = format!("let.{name}");
        let Some(src) = v.as_str() else {
            errs.push(&key, "must be an expression string");
            continue;
        };
        if let Some(e) = errs.expr(&key, src)
            && let Some(t) = errs.typed(&key, src, &e, &scope)
        {
            scope = scope.with(name, t);
            lets.push((name.clone(), e));
        }
    }
    let condition = errs.condition("where", &raw.condition, &scope);
    let message = errs.template("message", &raw.message, &scope);
    if raw.message.contains('\n') {
        errs.push("message", "must be one line");
    }

    let mut subject_kind = String::new();
    let mut subject = Vec::new();
    for (k, v) in &raw.subject {
        let key = format!("subject.{k}");
        let Some(src) = v.as_str() else {
            errs.push(&key, "must be a string");
            continue;
        };
        if k == "kind" {
            subject_kind = src.to_string();
            continue;
        }
        if let Some(e) = errs.expr(&key, src)
            && errs.typed(&key, src, &e, &scope).is_some()
        {
            subject.push((k.clone(), SubjectField(e)));
        }
    }
    if subject_kind.is_empty() {
        errs.push(
            "subject.kind",
            "say what the finding is about (device, request, file, config-key, credential, state, log)",
        );
    }

    let mut evidence = Vec::new();
    for (i, ev) in raw.evidence.iter().enumerate() {
        let key = format!("evidence[{i}]");
        let chosen: Vec<(EvidenceKind, &String)> = [
            (EvidenceKind::Value, ev.value.as_ref()),
            (EvidenceKind::Log, ev.log.as_ref()),
            (EvidenceKind::File, ev.file.as_ref()),
        ]
        .into_iter()
        .filter_map(|(k, s)| s.map(|s| (k, s)))
        .collect();
        let [(kind, src)] = chosen.as_slice() else {
            errs.push(&key, "needs exactly one of `value`, `log`, `file`");
            continue;
        };
        if let Some(e) = errs.expr(&key, src)
            && errs.typed(&key, src, &e, &scope).is_some()
        {
            evidence.push(EvidenceSpec {
                label: ev.label.clone(),
                kind: *kind,
                expr: e,
            });
        }
    }

    let mut downgrades = Vec::new();
    for (i, d) in raw.downgrade.iter().enumerate() {
        let key = format!("downgrade[{i}]");
        if d.severity >= raw.severity {
            errs.push(
                &key,
                format!(
                    "severity {} is not below the rule's {}",
                    d.severity.as_str(),
                    raw.severity.as_str()
                ),
            );
        }
        if let (Some(e), Some(note)) = (
            errs.condition(&key, &d.when, &scope),
            errs.template(&key, &d.note, &scope),
        ) {
            downgrades.push((e, d.severity, note));
        }
    }

    let fix_summary = errs.template("fix.summary", &raw.fix.summary, &scope);
    let mut commands = Vec::new();
    for (i, c) in raw.fix.commands.iter().enumerate() {
        let key = format!("fix.commands[{i}]");
        let (run, when) = match c {
            CommandFile::Always(r) => (r, None),
            CommandFile::When { run, when } => (run, Some(when)),
        };
        if !run.trim_start().starts_with("openclaw ")
            && !run.trim_start().starts_with("claw-doctor ")
        {
            errs.push(&key, "commands are `openclaw ...` (or `claw-doctor ...`) invocations; put other steps in docs.fix");
        }
        let run = errs.template(&key, run, &scope);
        let when = match when {
            Some(w) => errs.condition(&key, w, &scope).map(Some),
            None => Some(None),
        };
        if let (Some(run), Some(when)) = (run, when) {
            commands.push(Command { run, when });
        }
    }

    let actions = compile_actions(&raw.fix.actions, raw.fix.kind, &scope, &mut errs);

    let d = &raw.docs;
    for (k, v) in [
        ("docs.checks", &d.checks),
        ("docs.why", &d.why),
        ("docs.fix", &d.fix),
        ("docs.safety", &d.safety),
    ] {
        if v.trim().is_empty() {
            errs.push(k, "must not be empty");
        }
    }

    if !errs.list.is_empty() {
        return Err(errs.list);
    }
    let (Some(condition), Some(message), Some(fix_summary)) = (condition, message, fix_summary)
    else {
        unreachable!("a missing part always records an error");
    };
    Ok(Rule {
        id: raw.id,
        source: source.to_string(),
        builtin: false,
        area: raw.area,
        severity: raw.severity,
        title: raw.title,
        message,
        eras,
        versions,
        versions_text: raw.versions,
        each,
        lets,
        condition,
        condition_text: raw.condition,
        subject_kind,
        subject,
        evidence,
        downgrades,
        explained_by: raw.explained_by,
        fix_kind: raw.fix.kind,
        fix_summary,
        commands,
        actions,
        docs: Docs {
            checks: d.checks.trim().to_string(),
            why: d.why.trim().to_string(),
            fix: d.fix.trim().to_string(),
            safety: d.safety.trim().to_string(),
        },
        references: raw.references,
        cases: raw.cases,
    })
}

/// Checks each action's name, arguments and their types; a safe or unsafe fix must say what it
/// does (at least one action), a manual one must not do anything.
fn compile_actions(
    raw: &[toml::Table],
    kind: FixKind,
    scope: &TyScope,
    errs: &mut Errors,
) -> Vec<ActionDecl> {
    use crate::repair::actions::{ACTIONS, spec};
    match kind {
        FixKind::Manual if !raw.is_empty() => {
            errs.push(
                "fix.actions",
                "a manual fix has no actions (use kind = \"safe\" or \"unsafe\")",
            );
        }
        FixKind::Safe | FixKind::Unsafe if raw.is_empty() => {
            errs.push(
                "fix.actions",
                "a safe or unsafe fix needs at least one [[fix.actions]] entry saying what `fix` changes",
            );
        }
        _ => {}
    }
    let mut out = Vec::new();
    for (i, table) in raw.iter().enumerate() {
        let key = format!("fix.actions[{i}]");
        let Some(name) = table.get("do").and_then(|v| v.as_str()) else {
            errs.push(&key, "needs `do = \"<action>\"`");
            continue;
        };
        let Some(spec) = spec(name) else {
            let names: Vec<&str> = ACTIONS.iter().map(|a| a.name).collect();
            errs.push(
                &key,
                format!(
                    "unknown action {name:?}{}",
                    crate::engine::check::suggest(name, &names)
                ),
            );
            continue;
        };
        let mut decl = ActionDecl {
            name: spec.name,
            when: None,
            args: Vec::new(),
        };
        let mut ok = true;
        for (arg, v) in table {
            if arg == "do" {
                continue;
            }
            let Some(src) = v.as_str() else {
                errs.push(&key, format!("`{arg}` must be an expression string"));
                ok = false;
                continue;
            };
            if arg == "when" {
                decl.when = errs.condition(&key, src, scope);
                ok &= decl.when.is_some();
                continue;
            }
            let Some((_, want, _)) = spec.args.iter().find(|(n, _, _)| n == arg) else {
                let names: Vec<&str> = spec.args.iter().map(|(n, _, _)| *n).collect();
                errs.push(
                    &key,
                    format!(
                        "{name} has no argument `{arg}`{} (it takes {})",
                        crate::engine::check::suggest(arg, &names),
                        names.join(", ")
                    ),
                );
                ok = false;
                continue;
            };
            let Some(e) = errs.expr(&key, src) else {
                ok = false;
                continue;
            };
            match errs.typed(&key, src, &e, scope) {
                Some(t) if t.fits(*want) => decl.args.push((arg.clone(), e)),
                Some(t) => {
                    errs.push(
                        &key,
                        format!(
                            "`{arg}` needs {}, this is {}",
                            want.describe(),
                            t.describe()
                        ),
                    );
                    ok = false;
                }
                None => ok = false,
            }
        }
        for (arg, _, required) in spec.args {
            if *required && !table.contains_key(*arg) {
                errs.push(&key, format!("{name} needs `{arg}`"));
                ok = false;
            }
        }
        if ok {
            out.push(decl);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
id = "demo-rule"
area = "pairing"
severity = "warning"
title = "Demo"
message = "device {short(device.deviceId)} lacks write"
for = "device in devices"
let.held = "implied(baseline(device))"
where = "'operator.write' not in held"
subject = { kind = "device", deviceId = "device.deviceId" }
evidence = [{ label = "approved", value = "device.approvedScopes" }]
downgrade = [{ when = "scope_upgrade_auto_approved()", severity = "info", note = "heals itself" }]
[fix]
kind = "manual"
summary = "approve it"
commands = ["openclaw devices list", { run = "openclaw devices rotate --device {device.deviceId}", when = "version_in('>=2026.2.22')" }]
[docs]
checks = "a"
why = "b"
fix = "c"
safety = "d"
"#;

    fn errors(text: &str) -> String {
        compile("rules/pairing/demo-rule.toml", text)
            .err()
            .map(|e| {
                e.iter()
                    .map(|x| x.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .unwrap_or_default()
    }

    #[test]
    fn a_complete_rule_compiles() {
        let r = compile("rules/pairing/demo-rule.toml", GOOD).unwrap();
        assert_eq!(r.lets.len(), 1);
        assert_eq!(r.commands.len(), 2);
        assert_eq!(r.eras.len(), 4);
        assert_eq!(r.subject_kind, "device");
    }

    #[test]
    fn id_must_match_the_file_name() {
        let e = compile("rules/pairing/other.toml", GOOD).unwrap_err();
        assert!(e[0].message.contains("other.toml"), "{e:?}");
    }

    #[test]
    fn unknown_keys_and_bad_values_are_errors() {
        assert!(errors(&GOOD.replace("title =", "titel =")).contains("unknown field `titel`"));
        assert!(errors(&GOOD.replace("\"pairing\"", "\"pairng\"")).contains("pairng"));
        assert!(
            errors(&GOOD.replace("for = ", "versions = \">=2026.3.0, <2026.2.0\"\nfor = "))
                .contains("matches no version")
        );
        assert!(
            errors(&GOOD.replace("for = ", "eras = [\"jsn\"]\nfor = ")).contains("unknown era")
        );
    }

    #[test]
    fn expression_errors_name_the_key_and_point_at_the_text() {
        let e = errors(&GOOD.replace("not in held", "not in helt"));
        assert!(
            e.contains("`where`") && e.contains("did you mean `held`"),
            "{e}"
        );
        assert!(e.contains("^^^^"), "{e}");
        let e = errors(&GOOD.replace("device.approvedScopes", "device.approved"));
        assert!(e.contains("evidence[0]"), "{e}");
        let e = errors(&GOOD.replace("severity = \"info\"", "severity = \"error\""));
        assert!(e.contains("not below"), "{e}");
        let e = errors(&GOOD.replace("\"openclaw devices list\"", "\"rm -rf ~/.openclaw\""));
        assert!(e.contains("fix.commands[0]"), "{e}");
        let e = errors(&GOOD.replace("device {short", "device {shrt"));
        assert!(e.contains("`message`"), "{e}");
    }

    #[test]
    fn conditions_must_be_boolean() {
        let e = errors(&GOOD.replace("'operator.write' not in held", "held"));
        assert!(e.contains("must be true/false"), "{e}");
    }
}
