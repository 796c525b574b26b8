//! Plans as text: unified diffs for files (pretty JSON for the pairing stores), row-level
//! before/after for SQLite, `mv`/`chmod` lines for moves and modes. The caller redacts.

use super::plan::{Held, Plan};
use super::sqlite_rows;
use super::workspace::{Change, RowEdit};
use serde_json::{Map, Value};
use similar::TextDiff;
use std::fmt::Write as _;

fn diff(before: &str, after: &str, a: &str, b: &str) -> String {
    TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(3)
        .missing_newline_hint(true)
        .header(a, b)
        .to_string()
}

fn subject_text(s: &Map<String, Value>) -> String {
    s.iter()
        .filter(|(k, v)| *k != "kind" && !v.is_null())
        .map(|(k, v)| match v {
            Value::String(t) => format!("{k} {t}"),
            other => format!("{k} {other}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn row_key(e: &RowEdit) -> String {
    e.table
        .pk
        .iter()
        .zip(&e.key)
        .map(|(c, v)| format!("{c}={}", v.as_str().unwrap_or("?")))
        .collect::<Vec<_>>()
        .join(",")
}

fn pretty(row: Option<&sqlite_rows::Row>) -> String {
    match row {
        None => String::new(),
        Some(r) => {
            let mut s = serde_json::to_string_pretty(&Value::Object(
                crate::load::sqlite::record_of(r.iter(), &mut Vec::new()),
            ))
            .unwrap_or_default();
            s.push('\n');
            s
        }
    }
}

pub fn change(c: &Change, backup_dir: &str) -> String {
    match c {
        Change::Write {
            rel,
            before,
            after,
            mode,
            ..
        } => {
            let mut b = before
                .as_ref()
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default();
            // A JSON file that does not parse was never loaded, so the redactor does not know
            // the secrets in it (an unquoted or cut-off token): its lines are not shown.
            if rel.ends_with(".json")
                && !b.trim().is_empty()
                && crate::load::config::parse(&b).is_err()
            {
                b = format!(
                    "({} lines that do not parse: not shown, they may hold secrets; kept in the backup set)\n",
                    b.lines().count()
                );
            }
            let a = String::from_utf8_lossy(after);
            let from = if before.is_some() {
                format!("a/{rel}")
            } else {
                "/dev/null".into()
            };
            let mut out = diff(&b, &a, &from, &format!("b/{rel}  (mode {mode:o})"));
            if out.is_empty() {
                out = format!("# {rel}: rewritten with the same content\n");
            }
            out
        }
        Change::MoveAside { rel, is_dir, .. } => {
            format!("mv {rel}{} {backup_dir}/\n", if *is_dir { "/" } else { "" })
        }
        Change::Chmod { rel, from, to, .. } => format!("chmod {to:o} {rel}   # was {from:o}\n"),
        Change::Sqlite { rel, edits, .. } => {
            let mut out = String::new();
            for e in edits {
                let name = format!("{rel} {}[{}]", e.table.name, row_key(e));
                let after = pretty(e.after.as_ref());
                let b = if e.after.is_none() {
                    format!("{name}  (row deleted)")
                } else {
                    name.clone()
                };
                out.push_str(&diff(
                    &pretty(Some(&e.before)),
                    &after,
                    &format!("a/{name}"),
                    &format!("b/{b}"),
                ));
            }
            out
        }
    }
}

pub fn plan(p: &Plan, backup_dir: &str) -> String {
    let mut out = format!(
        "== {} ({}): {}\n   {}\n",
        p.check_id,
        p.kind.as_str(),
        subject_text(&p.subject),
        p.summary
    );
    for c in &p.changes {
        out.push_str(&change(c, backup_dir));
    }
    out
}

pub fn held(h: &[Held]) -> String {
    let mut out = String::new();
    for x in h {
        let _ = writeln!(
            out,
            "-- {} {}: not applied: {}",
            x.check_id,
            subject_text(&x.subject),
            x.reason
        );
    }
    out
}
