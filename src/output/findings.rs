//! Findings in human (flutter-doctor style) and Markdown form. The state summary (what was
//! read) comes first, then one line per area with ✓ / ! / ✗ and its findings under it, then
//! a summary line. Every string here still passes the redactor in `emit`.

use super::style::{Style, sanitize};
use super::summary::Section;
use crate::engine::Outcome;
use crate::findings::{Area, Counts, Evidence, EvidenceItem, Finding, FixKind, Severity};
use crate::model::Model;

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

fn evidence_text(e: &Evidence) -> String {
    match &e.item {
        EvidenceItem::Value { value } => {
            format!("{}: {}", e.label, crate::engine::functions::plain(value))
        }
        EvidenceItem::File { path, mode } => match mode {
            Some(m) => format!("{}: {path} (mode {m})", e.label),
            None => format!("{}: {path}", e.label),
        },
        EvidenceItem::Log {
            path,
            line,
            time,
            text,
            count,
        } => {
            let file = std::path::Path::new(path)
                .file_name()
                .map_or(path.clone(), |f| f.to_string_lossy().into_owned());
            let times = if *count > 1 {
                format!(" (×{count})")
            } else {
                String::new()
            };
            format!(
                "{}: {file}:{line}{times} {}{}",
                e.label,
                time.as_deref().map(|t| format!("{t} ")).unwrap_or_default(),
                text
            )
        }
    }
}

/// Built-in rules failing are our bug; a `--rules` file failing is its author's to fix.
fn blame(builtin: bool) -> &'static str {
    if builtin {
        " (a claw-doctor bug; please report it)"
    } else {
        ""
    }
}

fn fix_hint(kind: FixKind) -> &'static str {
    match kind {
        FixKind::Safe => "safe: `claw-doctor fix` applies it",
        FixKind::Unsafe => "break-glass: `claw-doctor fix --break-glass` applies it",
        FixKind::Manual => "manual",
    }
}

fn area_mark(findings: &[&Finding], style: &Style) -> String {
    match findings.iter().map(|f| f.severity).max() {
        None => style.ok("[✓]"),
        Some(Severity::Info) => style.dim("[·]"),
        Some(Severity::Warning) => style.warn("[!]"),
        Some(Severity::Error) => style.bad("[✗]"),
    }
}

fn severity_mark(s: Severity, style: &Style) -> String {
    match s {
        Severity::Error => style.bad("✗"),
        Severity::Warning => style.warn("!"),
        Severity::Info => style.dim("·"),
    }
}

pub fn header(m: &Model) -> String {
    let version = match (&m.version.effective, m.version.effective_source) {
        (Some(v), Some(src)) => format!("OpenClaw {v} ({})", crate::load::era::source_text(src)),
        _ => "OpenClaw version unknown".into(),
    };
    format!(
        "claw-doctor {} · {} · {} era · {version}",
        env!("CARGO_PKG_VERSION"),
        m.source.state_dir.path.display(),
        m.era.era.as_str(),
    )
}

pub fn summary_line(outcome: &Outcome, rules_run: usize) -> String {
    let c = Counts::of(&outcome.findings);
    let mut s = format!(
        "{}, {}, {} ({} checked",
        plural(c.error, "error"),
        plural(c.warning, "warning"),
        c.info.to_string() + " info",
        plural(rules_run, "rule"),
    );
    if !outcome.skipped.is_empty() {
        s.push_str(&format!(
            ", {} not applicable to this state",
            outcome.skipped.len()
        ));
    }
    s.push(')');
    s
}

pub fn human(
    m: &Model,
    state: &[Section],
    outcome: &Outcome,
    rules_run: usize,
    style: &Style,
) -> String {
    let mut out = format!("{}\n\n", style.bold(&sanitize(&header(m))));
    out.push_str(&style.bold("State"));
    out.push('\n');
    for s in state {
        out.push_str(&format!(
            "  {} {}\n",
            style.dim(&format!("{:<12}", s.title)),
            sanitize(&s.headline)
        ));
        for d in &s.details {
            out.push_str(&format!("  {:<12}   {}\n", "", sanitize(d)));
        }
    }
    out.push('\n');
    out.push_str(&style.bold("Checks"));
    out.push('\n');
    for area in Area::ALL {
        let mine: Vec<&Finding> = outcome.findings.iter().filter(|f| f.area == area).collect();
        out.push_str(&format!("{} {}\n", area_mark(&mine, style), area.title()));
        for f in mine {
            out.push_str(&format!(
                "    {} {} {}\n",
                severity_mark(f.severity, style),
                style.bold(&f.check_id),
                sanitize(&f.message)
            ));
            if let Some(note) = &f.note {
                out.push_str(&format!("        {}\n", style.dim(&sanitize(note))));
            }
            for e in &f.evidence {
                out.push_str(&format!(
                    "        {} {}\n",
                    style.dim("•"),
                    sanitize(&evidence_text(e))
                ));
            }
            out.push_str(&format!(
                "        fix ({}): {}\n",
                fix_hint(f.fix.kind),
                sanitize(&f.fix.summary)
            ));
            for c in &f.fix.commands {
                out.push_str(&format!("          $ {}\n", sanitize(c)));
            }
            if !f.explained_by.is_empty() {
                out.push_str(&format!(
                    "        {}\n",
                    style.dim(&format!("explained by: {}", f.explained_by.join(", ")))
                ));
            }
        }
    }
    for fail in &outcome.failures {
        out.push_str(&format!(
            "{} rule {} ({}) could not run: {}{}\n",
            style.warn("[!]"),
            fail.check_id,
            fail.source,
            sanitize(&fail.message),
            blame(fail.builtin)
        ));
    }
    out.push_str(&format!("\n{}\n", summary_line(outcome, rules_run)));
    if !outcome.findings.is_empty() {
        out.push_str(&style.dim(
            "More on a check: claw-doctor explain <check-id>. Preview repairs: claw-doctor fix --dry-run.\n",
        ));
    }
    out
}

fn md_escape(t: &str) -> String {
    super::md_escape(t)
}

pub fn markdown(m: &Model, state: &[Section], outcome: &Outcome, rules_run: usize) -> String {
    let mut out = String::from("## claw-doctor scan\n\n");
    out.push_str(&format!("{}\n\n", md_escape(&header(m))));
    out.push_str("### Checks\n\n");
    for area in Area::ALL {
        let mine: Vec<&Finding> = outcome.findings.iter().filter(|f| f.area == area).collect();
        let mark = match mine.iter().map(|f| f.severity).max() {
            None => "✓",
            Some(Severity::Info) => "·",
            Some(Severity::Warning) => "!",
            Some(Severity::Error) => "✗",
        };
        out.push_str(&format!("- {mark} **{}**\n", area.title()));
        for f in mine {
            out.push_str(&format!(
                "  - **{}** `{}`: {}\n",
                f.severity.as_str(),
                f.check_id,
                md_escape(&f.message)
            ));
            if let Some(note) = &f.note {
                out.push_str(&format!("    - _{}_\n", md_escape(note)));
            }
            for e in &f.evidence {
                out.push_str(&format!("    - {}\n", md_escape(&evidence_text(e))));
            }
            out.push_str(&format!(
                "    - fix ({}): {}\n",
                f.fix.kind.as_str(),
                md_escape(&f.fix.summary)
            ));
            for c in &f.fix.commands {
                // Inline code keeps commands copyable; a backtick inside would end it.
                out.push_str(&format!("      `{}`\n", sanitize(c).replace('`', "'")));
            }
            if !f.explained_by.is_empty() {
                out.push_str(&format!(
                    "    - explained by: {}\n",
                    f.explained_by
                        .iter()
                        .map(|x| format!("`{x}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
    }
    for fail in &outcome.failures {
        out.push_str(&format!(
            "- ! rule `{}` ({}) could not run: {}{}\n",
            fail.check_id,
            md_escape(&fail.source),
            md_escape(&fail.message),
            blame(fail.builtin)
        ));
    }
    out.push_str(&format!(
        "\n**{}**\n\n### State read\n\n",
        summary_line(outcome, rules_run)
    ));
    out.push_str(&super::markdown(state));
    out
}
