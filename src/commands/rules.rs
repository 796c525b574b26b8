//! `claw-doctor rules` and `claw-doctor explain <id>`: the rule data itself, no state needed.

use super::{Status, UsageError, rule_set};
use crate::cli::{Format, GlobalArgs};
use crate::output::style::Style;
use crate::rules::Rule;
use serde_json::json;

fn versions(r: &Rule) -> String {
    r.versions_text.clone().unwrap_or_else(|| "all".into())
}

fn eras(r: &Rule) -> String {
    if r.eras.len() == 4 {
        "all".into()
    } else {
        r.eras
            .iter()
            .map(|e| e.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn rule_json(r: &Rule) -> serde_json::Value {
    let cases = crate::rules::builtin_case_counts(&r.source)
        .map(|(fire, silent)| json!({"fire": fire, "silent": silent}));
    json!({
        "checkId": r.id,
        "area": r.area,
        "severity": r.severity,
        "title": r.title,
        "fixKind": r.fix_kind,
        "eras": r.eras.iter().map(|e| e.as_str()).collect::<Vec<_>>(),
        "versions": r.versions_text,
        "source": r.source,
        "references": r.references,
        "docs": {"checks": r.docs.checks, "why": r.docs.why, "fix": r.docs.fix, "safety": r.docs.safety},
        "cases": cases,
    })
}

pub fn list(g: &GlobalArgs) -> anyhow::Result<Status> {
    let set = rule_set(g)?;
    let text = match g.format.unwrap_or(Format::Human) {
        Format::Json => {
            let doc = json!({"schemaVersion": 1, "rules": set.rules.iter().map(rule_json).collect::<Vec<_>>()});
            serde_json::to_string_pretty(&doc)? + "\n"
        }
        Format::Markdown => {
            let mut s = String::from(
                "| check | area | severity | fix | title |\n| --- | --- | --- | --- | --- |\n",
            );
            for r in &set.rules {
                s.push_str(&format!(
                    "| `{}` | {} | {} | {} | {} |\n",
                    r.id,
                    r.area.as_str(),
                    r.severity.as_str(),
                    r.fix_kind.as_str(),
                    r.title
                ));
            }
            s
        }
        Format::Human => {
            let style = Style::detect(g.color, std::env::var_os("NO_COLOR").is_some());
            let w = set.rules.iter().map(|r| r.id.len()).max().unwrap_or(10);
            let mut s = String::new();
            for r in &set.rules {
                s.push_str(&format!(
                    "{:<w$}  {:<11}  {:<7}  {:<6}  {}\n",
                    style.bold(&r.id),
                    r.area.as_str(),
                    r.severity.as_str(),
                    r.fix_kind.as_str(),
                    r.title,
                    w = w + if style.color { 8 } else { 0 }
                ));
            }
            s.push_str(&format!(
                "\n{} rule{}. Details: claw-doctor explain <check-id>\n",
                set.rules.len(),
                if set.rules.len() == 1 { "" } else { "s" }
            ));
            s
        }
    };
    crate::output::emit(&text, &crate::redact::Redactor::default())?;
    Ok(Status::Clean)
}

pub fn explain(g: &GlobalArgs, id: &str) -> anyhow::Result<Status> {
    let set = rule_set(g)?;
    let Some(r) = set.get(id) else {
        let known: Vec<&str> = set.rules.iter().map(|r| r.id.as_str()).collect();
        return Err(UsageError(format!(
            "no rule `{id}`{}; `claw-doctor rules` lists them all",
            crate::engine::check::suggest(id, &known)
        ))
        .into());
    };
    let text = if g.format == Some(Format::Json) {
        let mut v = rule_json(r);
        v["condition"] = json!(r.condition_text.trim());
        serde_json::to_string_pretty(&v)? + "\n"
    } else {
        format!(
            "# {id}: {title}\n\n{area} · {sev} · fix: {fix} · eras: {eras} · OpenClaw versions: {ver}\n\n\
             ## What it checks\n\n{checks}\n\n## Why it matters\n\n{why}\n\n## How to fix it by hand\n\n{howto}\n\n\
             ## Fix safety\n\n{safety}\n\n## Condition\n\n```\n{cond}\n```\n{refs}",
            title = r.title,
            area = r.area.as_str(),
            sev = r.severity.as_str(),
            fix = r.fix_kind.as_str(),
            eras = eras(r),
            ver = versions(r),
            checks = r.docs.checks,
            why = r.docs.why,
            howto = r.docs.fix,
            safety = r.docs.safety,
            cond = r.condition_text.trim(),
            refs = if r.references.is_empty() {
                String::new()
            } else {
                format!("\nReferences: {}\n", r.references.join(", "))
            },
        )
    };
    crate::output::emit(&text, &crate::redact::Redactor::default())?;
    Ok(Status::Clean)
}
