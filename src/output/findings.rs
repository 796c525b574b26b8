//! Findings in human (flutter-doctor style) and Markdown form. The human form starts with a
//! compact state summary (what was read), then one line per area with ✓ / ! / ✗ and its
//! findings indented under it, then a ruff-style summary: counts per severity, how many
//! `claw-doctor fix` can repair, and the one command to run next.
//!
//! Prose is wrapped at `Style::width` with a hanging indent; commands are never wrapped or cut
//! (each sits on its own line, ready to copy); quoted log lines are cut to `LOG_TEXT_MAX`.
//! Text is redacted *before* it is cut or wrapped, so neither can split a secret into pieces
//! the final redaction pass in `emit` no longer recognises.

use super::style::{self, Style, sanitize};
use super::summary::{Mark, Section};
use crate::engine::Outcome;
use crate::findings::{Area, Counts, Evidence, EvidenceItem, Finding, FixKind, Severity};
use crate::model::Model;
use crate::redact::Redactor;
use std::collections::{HashMap, HashSet};

/// Quoted log lines longer than this (in columns) are cut with `…`.
pub const LOG_TEXT_MAX: usize = 160;

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// What every piece of untrusted text goes through before layout: the redactor, the
/// control-character sanitizer, and paths under the state dir shown relative to it.
pub(super) struct Clean {
    redactor: Redactor,
    state_prefix: String,
}

impl Clean {
    pub(super) fn new(m: &Model) -> Clean {
        let dir = m.source.state_dir.path.display().to_string();
        Clean {
            redactor: Redactor::for_model(m),
            state_prefix: format!("{}/", dir.trim_end_matches('/')),
        }
    }

    /// Prose: redacted, sanitized, state-dir paths made relative.
    pub(super) fn text(&self, t: &str) -> String {
        sanitize(&self.redactor.apply(t)).replace(&self.state_prefix, "")
    }

    /// A command: redacted and sanitized, otherwise exactly as it must be run.
    fn command(&self, c: &str) -> String {
        sanitize(&self.redactor.apply(c)).into_owned()
    }
}

fn log_file_name(path: &str) -> String {
    std::path::Path::new(path)
        .file_name()
        .map_or(path.to_string(), |f| f.to_string_lossy().into_owned())
}

pub(super) fn evidence_text(e: &Evidence, clean: &Clean) -> String {
    let body = match &e.item {
        EvidenceItem::Value { value } => crate::engine::functions::plain(value),
        EvidenceItem::File {
            path,
            mode: Some(m),
        } => format!("{path} (mode {m})"),
        EvidenceItem::File { path, mode: None } => path.clone(),
        EvidenceItem::Log {
            path,
            line,
            time,
            text,
            count,
        } => {
            let times = if *count > 1 {
                format!(" (×{count})")
            } else {
                String::new()
            };
            let time = time.as_deref().map(|t| format!("{t} ")).unwrap_or_default();
            // Redact first: a cut must not leave half a secret behind.
            let quoted = style::truncate(&clean.text(text), LOG_TEXT_MAX);
            format!("{}:{line}{times} {time}{quoted}", log_file_name(path))
        }
    };
    clean.text(&format!("{}: {body}", e.label))
}

/// Built-in rules failing are our bug; a `--rules` file failing is its author's to fix.
fn blame(builtin: bool) -> &'static str {
    if builtin {
        " (a claw-doctor bug; please report it)"
    } else {
        ""
    }
}

fn fix_label(kind: FixKind) -> &'static str {
    match kind {
        FixKind::Safe => "fix [safe: claw-doctor fix]",
        FixKind::Unsafe => "fix [break-glass: claw-doctor fix --break-glass]",
        FixKind::Manual => "fix [manual]",
    }
}

/// The human label in Markdown: parentheses (brackets would need escaping), code spans.
fn md_fix_label(kind: FixKind) -> &'static str {
    match kind {
        FixKind::Safe => "fix (safe: `claw-doctor fix`)",
        FixKind::Unsafe => "fix (break-glass: `claw-doctor fix --break-glass`)",
        FixKind::Manual => "fix (manual)",
    }
}

fn worst(findings: &[&Finding]) -> Option<Severity> {
    findings.iter().map(|f| f.severity).max()
}

fn area_mark(findings: &[&Finding], style: &Style) -> String {
    match worst(findings) {
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

fn version_text(m: &Model) -> String {
    match (&m.version.effective, m.version.effective_source) {
        (Some(v), Some(src)) => format!("OpenClaw {v} ({})", crate::load::era::source_text(src)),
        _ => "OpenClaw version unknown".into(),
    }
}

/// One line naming the tool, the state dir, the era and the OpenClaw version.
pub fn header(m: &Model) -> String {
    format!(
        "claw-doctor {} · {} · {} era · {}",
        env!("CARGO_PKG_VERSION"),
        m.source.state_dir.path.display(),
        m.era.era.as_str(),
        version_text(m),
    )
}

/// The header without the state dir, which the human form prints on a line of its own.
fn title_line(m: &Model) -> String {
    format!(
        "claw-doctor {} · {} era · {}",
        env!("CARGO_PKG_VERSION"),
        m.era.era.as_str(),
        version_text(m),
    )
}

/// `2 errors, 1 warning and 1 info`, leaving out severities with no findings.
fn counts_text(c: &Counts) -> String {
    let parts: Vec<String> = [
        (c.error, plural(c.error, "error")),
        (c.warning, plural(c.warning, "warning")),
        (c.info, format!("{} info", c.info)),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .map(|(_, t)| t)
    .collect();
    match parts.split_last() {
        None => "no problems".to_string(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// ruff-style: `Found 2 errors and 1 warning (25 rules checked).`
pub fn summary_line(outcome: &Outcome, rules_run: usize) -> String {
    let c = Counts::of(&outcome.findings);
    let mut checked = plural(rules_run, "rule") + " checked";
    if !outcome.skipped.is_empty() {
        checked.push_str(&format!(
            ", {} not applicable to this state",
            outcome.skipped.len()
        ));
    }
    if outcome.findings.is_empty() {
        format!("No problems found ({checked}).")
    } else {
        format!("Found {} ({checked}).", counts_text(&c))
    }
}

/// How many findings each kind of repair covers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FixCounts {
    pub safe: usize,
    pub unsafe_: usize,
    pub manual: usize,
}

impl FixCounts {
    pub fn of(findings: &[Finding]) -> FixCounts {
        let mut c = FixCounts::default();
        for f in findings {
            match f.fix.kind {
                FixKind::Safe => c.safe += 1,
                FixKind::Unsafe => c.unsafe_ += 1,
                FixKind::Manual => c.manual += 1,
            }
        }
        c
    }
}

/// ``[*] 1 fixable by `claw-doctor fix`, 1 more by `fix --break-glass`; 3 manual.``
pub fn fix_line(findings: &[Finding]) -> Option<String> {
    if findings.is_empty() {
        return None;
    }
    let c = FixCounts::of(findings);
    Some(if c.safe + c.unsafe_ == 0 {
        format!("No automatic fixes: {} manual.", c.manual)
    } else {
        format!(
            "[*] {} fixable by `claw-doctor fix`, {} more by `fix --break-glass`; {} manual.",
            c.safe, c.unsafe_, c.manual
        )
    })
}

/// The one command to run first, and the finding it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextStep {
    pub check_id: String,
    pub severity: Severity,
    /// How many other findings this one explains (it is their root cause).
    pub explains: usize,
    pub command: String,
    /// The fix's further commands, run after `command` (e.g. `devices list`, then `approve`).
    pub then: Vec<String>,
}

/// Per rule id: how many findings (of other rules) name it in `explained_by`, and the worst
/// of their severities. One pass, so ranking 10 000 findings stays linear.
fn explained_per_rule(all: &[Finding]) -> HashMap<&str, (usize, Severity)> {
    let mut out: HashMap<&str, (usize, Severity)> = HashMap::new();
    for o in all {
        for id in &o.explained_by {
            if *id != o.check_id {
                let e = out.entry(id.as_str()).or_insert((0, o.severity));
                e.0 += 1;
                e.1 = e.1.max(o.severity);
            }
        }
    }
    out
}

/// A symptom is explained by another finding present in this scan.
fn is_symptom(f: &Finding, present: &HashSet<&str>) -> bool {
    f.explained_by
        .iter()
        .any(|id| *id != f.check_id && present.contains(id.as_str()))
}

fn first_command(f: &Finding) -> String {
    if let Some(c) = f.fix.commands.first() {
        return c.clone();
    }
    match f.fix.kind {
        FixKind::Safe => "claw-doctor fix".into(),
        FixKind::Unsafe => "claw-doctor fix --break-glass --dry-run".into(),
        FixKind::Manual => format!("claw-doctor explain {}", f.check_id),
    }
}

/// Picks the finding to act on first: root causes before their symptoms (log findings point
/// at the state findings that explain them), then the most severe — counting the severity
/// of what a root cause explains — then the one explaining most, then state before logs.
/// `None` when nothing is worse than info.
pub fn next_step(findings: &[Finding]) -> Option<NextStep> {
    let present: HashSet<&str> = findings.iter().map(|f| f.check_id.as_str()).collect();
    let roots: Vec<usize> = (0..findings.len())
        .filter(|&i| !is_symptom(&findings[i], &present))
        .collect();
    // Findings that explain each other leave no root: then every finding is a candidate.
    let candidates = if roots.is_empty() {
        (0..findings.len()).collect()
    } else {
        roots
    };
    let explained = explained_per_rule(findings);
    let rank = |i: usize| {
        let f = &findings[i];
        let (n, worst) = explained
            .get(f.check_id.as_str())
            .copied()
            .unwrap_or((0, f.severity));
        (f.severity.max(worst), n, f.area != Area::Logs)
    };
    // `max_by_key` keeps the last of equals; the report order decides ties, so reverse.
    let best = candidates.into_iter().rev().max_by_key(|&i| rank(i))?;
    let (effective, explains, _) = rank(best);
    if effective < Severity::Warning {
        return None;
    }
    let f = &findings[best];
    Some(NextStep {
        check_id: f.check_id.clone(),
        severity: f.severity,
        explains,
        command: first_command(f),
        then: f.fix.commands.iter().skip(1).cloned().collect(),
    })
}

fn next_intro(n: &NextStep) -> String {
    let mut why = n.severity.as_str().to_string();
    if n.explains > 0 {
        let other = if n.explains == 1 {
            "finding"
        } else {
            "findings"
        };
        why.push_str(&format!(", explains {} other {other}", n.explains));
    }
    format!("Next: {} ({why}):", n.check_id)
}

type Paint = fn(&Style, &str) -> String;

fn as_is(_: &Style, t: &str) -> String {
    t.to_string()
}

fn dim(s: &Style, t: &str) -> String {
    s.dim(t)
}

fn bold(s: &Style, t: &str) -> String {
    s.bold(t)
}

/// Lays out the human form at one width.
struct Writer<'a> {
    out: String,
    style: &'a Style,
    clean: Clean,
}

impl Writer<'_> {
    /// `lead` (already styled, `lead_width` columns) then `text` wrapped, further lines
    /// indented by `indent` columns; each line painted on its own so no escape spans lines.
    fn para(&mut self, lead: &str, lead_width: usize, indent: usize, text: &str, paint: Paint) {
        let width = self.style.width;
        let lines = style::wrap(
            text,
            width.saturating_sub(lead_width),
            width.saturating_sub(indent),
        );
        for (i, line) in lines.iter().enumerate() {
            if i == 0 {
                self.out.push_str(lead);
            } else {
                self.out.push_str(&" ".repeat(indent));
            }
            self.out.push_str(&paint(self.style, line));
            self.out.push('\n');
        }
    }

    /// Plain prose at `indent`, wrapped with the same hanging indent.
    fn prose(&mut self, indent: usize, text: &str, paint: Paint) {
        self.para(&" ".repeat(indent), indent, indent, text, paint);
    }

    /// `• text` at `indent`, continuation lines under the text.
    fn bullet(&mut self, indent: usize, text: &str, paint: Paint) {
        let lead = format!("{}{} ", " ".repeat(indent), self.style.dim("•"));
        self.para(&lead, indent + 2, indent + 2, text, paint);
    }

    /// A command on its own line, never wrapped or cut, so it can be copied whole.
    fn command(&mut self, indent: usize, c: &str) {
        let c = self.clean.command(c);
        self.out
            .push_str(&format!("{}$ {}\n", " ".repeat(indent), c));
    }

    fn blank(&mut self) {
        self.out.push('\n');
    }
}

const TITLE_COLUMN: usize = 12;
/// State details sit under the area titles like flutter doctor's, not under the headline:
/// paths and device lines need the room.
const DETAIL_INDENT: usize = 4;

/// Sections whose details only say where a fact came from: shown when something is off.
fn details_shown(s: &Section) -> bool {
    s.mark != Mark::Ok || !matches!(s.title, "state" | "era" | "openclaw")
}

fn state_dir_line(w: &mut Writer, state: &[Section]) {
    let Some(s) = state.iter().find(|s| s.title == "state") else {
        return;
    };
    let head = format!("state dir: {}", sanitize(&s.headline));
    w.prose(0, &head, as_is);
    for d in &s.details {
        let d = w.clean.text(d);
        w.bullet(2, &d, as_is);
    }
}

fn state_summary(w: &mut Writer, state: &[Section]) {
    w.out.push_str(&w.style.bold("State"));
    w.out.push('\n');
    for s in state.iter().filter(|s| s.title != "state") {
        let lead = format!(
            "  {}",
            w.style
                .dim(&format!("{:<width$}", s.title, width = TITLE_COLUMN))
        );
        let headline = w.clean.text(&s.headline);
        w.para(&lead, TITLE_COLUMN + 2, TITLE_COLUMN + 2, &headline, as_is);
        if details_shown(s) {
            for d in &s.details {
                let d = w.clean.text(d);
                w.bullet(DETAIL_INDENT, &d, as_is);
            }
        }
    }
}

fn finding_block(w: &mut Writer, f: &Finding) {
    let id = format!("{}:", f.check_id);
    let lead = format!(
        "    {} {} ",
        severity_mark(f.severity, w.style),
        w.style.bold(&id)
    );
    let message = w.clean.text(&f.message);
    w.para(&lead, 7 + style::width(&id), 6, &message, as_is);
    if let Some(note) = &f.note {
        let note = w.clean.text(note);
        w.prose(6, &note, dim);
    }
    for e in &f.evidence {
        let text = evidence_text(e, &w.clean);
        w.bullet(6, &text, as_is);
    }
    let fix = format!(
        "{}: {}",
        fix_label(f.fix.kind),
        w.clean.text(&f.fix.summary)
    );
    w.prose(6, &fix, as_is);
    for c in &f.fix.commands {
        w.command(8, c);
    }
    if !f.explained_by.is_empty() {
        let by = format!("explained by: {}", f.explained_by.join(", "));
        w.prose(6, &by, dim);
    }
}

/// `state_read`: false with `--no-state`, where only the log checks ran.
fn checks(w: &mut Writer, outcome: &Outcome, state_read: bool) {
    w.out.push_str(&w.style.bold("Checks"));
    w.out.push('\n');
    for area in Area::ALL {
        if !state_read && area != Area::Logs {
            continue;
        }
        let mine: Vec<&Finding> = outcome.findings.iter().filter(|f| f.area == area).collect();
        let lead = format!("{} ", area_mark(&mine, w.style));
        w.para(&lead, 4, 4, area.title(), as_is);
        for f in mine {
            finding_block(w, f);
        }
    }
    for fail in &outcome.failures {
        let text = format!(
            "rule {} ({}) could not run: {}{}",
            fail.check_id,
            fail.source,
            w.clean.text(&fail.message),
            blame(fail.builtin)
        );
        let lead = format!("{} ", w.style.warn("[!]"));
        w.para(&lead, 4, 4, &text, as_is);
    }
}

fn footer(w: &mut Writer, outcome: &Outcome, rules_run: usize) {
    w.blank();
    w.prose(0, &summary_line(outcome, rules_run), bold);
    if let Some(fixes) = fix_line(&outcome.findings) {
        w.prose(0, &fixes, as_is);
    }
    if !outcome.findings.is_empty() {
        w.prose(0, "Explain a check: claw-doctor explain <check-id>", dim);
        w.prose(0, "Preview repairs: claw-doctor fix --dry-run", dim);
    }
    // Last, where the eye lands: the one command to run first.
    if let Some(next) = next_step(&outcome.findings) {
        w.blank();
        w.prose(0, &next_intro(&next), bold);
        w.command(2, &next.command);
        for c in &next.then {
            w.command(2, c);
        }
    }
}

pub fn human(
    m: &Model,
    state: &[Section],
    outcome: &Outcome,
    rules_run: usize,
    style: &Style,
) -> String {
    let mut w = Writer {
        out: String::new(),
        style,
        clean: Clean::new(m),
    };
    let title = w.clean.text(&title_line(m));
    w.prose(0, &title, bold);
    state_dir_line(&mut w, state);
    w.blank();
    state_summary(&mut w, state);
    w.blank();
    checks(&mut w, outcome, m.era.era != crate::model::Era::NotRead);
    footer(&mut w, outcome, rules_run);
    w.out
}

fn md_escape(t: &str) -> String {
    super::md_escape(t)
}

/// Inline code keeps commands copyable; a backtick inside would end it.
pub(super) fn md_code(c: &str, clean: &Clean) -> String {
    format!("`{}`", clean.command(c).replace('`', "'"))
}

fn md_finding(out: &mut String, f: &Finding, clean: &Clean) {
    out.push_str(&format!(
        "  - **{}** `{}`: {}\n",
        f.severity.as_str(),
        f.check_id,
        md_escape(&clean.text(&f.message))
    ));
    if let Some(note) = &f.note {
        out.push_str(&format!("    - _{}_\n", md_escape(&clean.text(note))));
    }
    for e in &f.evidence {
        out.push_str(&format!("    - {}\n", md_escape(&evidence_text(e, clean))));
    }
    out.push_str(&format!(
        "    - {}: {}\n",
        md_fix_label(f.fix.kind),
        md_escape(&clean.text(&f.fix.summary))
    ));
    for c in &f.fix.commands {
        out.push_str(&format!("      - {}\n", md_code(c, clean)));
    }
    if let Some(line) = md_explained_by(f) {
        out.push_str(&format!("    - {line}\n"));
    }
}

/// `explained by: `a`, `b`` for Markdown, when the finding has explanations.
pub(super) fn md_explained_by(f: &Finding) -> Option<String> {
    (!f.explained_by.is_empty()).then(|| {
        format!(
            "explained by: {}",
            f.explained_by
                .iter()
                .map(|x| format!("`{x}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}

fn md_footer(out: &mut String, outcome: &Outcome, rules_run: usize, clean: &Clean) {
    out.push_str(&format!("\n**{}**\n", summary_line(outcome, rules_run)));
    if let Some(fixes) = fix_line(&outcome.findings) {
        // The `[*]` of the human line would read as a link reference here.
        let fixes = fixes.trim_start_matches("[*] ");
        out.push_str(&format!("\n{fixes}\n"));
    }
    if let Some(next) = next_step(&outcome.findings) {
        let intro = next_intro(&next);
        let rest = intro.strip_prefix("Next: ").unwrap_or(&intro);
        out.push_str(&format!(
            "\n**Next:** {} {}\n",
            md_escape(rest),
            std::iter::once(&next.command)
                .chain(&next.then)
                .map(|c| md_code(c, clean))
                .collect::<Vec<_>>()
                .join(" then ")
        ));
    }
}

pub fn markdown(m: &Model, state: &[Section], outcome: &Outcome, rules_run: usize) -> String {
    let clean = Clean::new(m);
    let mut out = String::from("## claw-doctor scan\n\n");
    out.push_str(&format!("{}\n\n", md_escape(&header(m))));
    out.push_str("### Checks\n\n");
    for area in Area::ALL {
        let mine: Vec<&Finding> = outcome.findings.iter().filter(|f| f.area == area).collect();
        let mark = match worst(&mine) {
            None => "✓",
            Some(Severity::Info) => "·",
            Some(Severity::Warning) => "!",
            Some(Severity::Error) => "✗",
        };
        out.push_str(&format!("- {mark} **{}**\n", area.title()));
        for f in mine {
            md_finding(&mut out, f, &clean);
        }
    }
    for fail in &outcome.failures {
        out.push_str(&format!(
            "- ! rule `{}` ({}) could not run: {}{}\n",
            fail.check_id,
            md_escape(&fail.source),
            md_escape(&clean.text(&fail.message)),
            blame(fail.builtin)
        ));
    }
    md_footer(&mut out, outcome, rules_run, &clean);
    out.push_str("\n### State read\n\n");
    out.push_str(&super::markdown(state));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::testing::empty_model;
    use crate::findings::FixOut;
    use crate::model::SecretValue;
    use crate::secret::Secret;

    fn finding(id: &str, area: Area, severity: Severity, kind: FixKind) -> Finding {
        Finding {
            check_id: id.into(),
            area,
            severity,
            message: format!("{id} happened"),
            subject: serde_json::Map::new(),
            evidence: Vec::new(),
            fix: FixOut {
                kind,
                summary: "do the thing".into(),
                commands: vec![format!("openclaw fix-{id}")],
            },
            note: None,
            explained_by: Vec::new(),
            actions: Vec::new(),
        }
    }

    fn explained(mut f: Finding, by: &[&str]) -> Finding {
        f.explained_by = by.iter().map(|s| s.to_string()).collect();
        f
    }

    fn log_evidence(text: &str) -> Evidence {
        Evidence {
            label: "gateway said".into(),
            item: EvidenceItem::Log {
                path: "/var/log/openclaw/openclaw-2026-11-21.log".into(),
                line: 12,
                time: Some("2026-11-21T11:09:12.931+00:00".into()),
                text: text.into(),
                count: 3,
            },
        }
    }

    fn render(m: &Model, findings: Vec<Finding>) -> String {
        let outcome = Outcome {
            findings,
            ..Outcome::default()
        };
        let state = super::super::summary::sections(m);
        human(m, &state, &outcome, 25, &Style::plain())
    }

    const LONG_COMMAND: &str = "openclaw devices approve 5e525831-e396-41eb-bb30-c19c1a265047 --really-long-flag-so-the-line-passes-eighty-columns";

    fn wordy_finding() -> Finding {
        let mut f = finding(
            "missing-operator-write",
            Area::Pairing,
            Severity::Error,
            FixKind::Unsafe,
        );
        f.message = "the local CLI device 8f916969…a60c is approved for [operator.read] without operator.write: sub-agents, cron and write commands hit 'pairing required' ".repeat(3);
        f.note = Some(
            "a note that is also much longer than a single line of eighty columns, so it wraps"
                .into(),
        );
        f.evidence = vec![
            Evidence {
                label: "every token source".into(),
                item: EvidenceItem::Value {
                    value: serde_json::json!("config-auth: openclaw.json gateway.auth.token fp:6ad22605 len=34, state-dot-env: /state/.env:1 fp:35dfe6bc len=34"),
                },
            },
            log_evidence(&"security audit: device access upgrade requested reason=scope-upgrade device=8f916969c83a968427054e3524920e00e8afffd905c060a07c5e0916f0b8a60c ".repeat(4)),
        ];
        f.fix.commands = vec![LONG_COMMAND.into()];
        f
    }

    #[test]
    fn wraps_at_80_columns_except_commands() {
        let out = render(&empty_model(), vec![wordy_finding()]);
        for line in out.lines() {
            if line.trim_start().starts_with("$ ") {
                continue;
            }
            assert!(
                style::width(line) <= 80,
                "{} columns: {line:?}\n{out}",
                style::width(line)
            );
        }
        assert!(
            out.lines()
                .any(|l| l.trim_start() == format!("$ {LONG_COMMAND}")),
            "the command is printed whole on its own line:\n{out}"
        );
    }

    #[test]
    fn wraps_at_the_terminal_width() {
        let m = empty_model();
        let outcome = Outcome {
            findings: vec![wordy_finding()],
            ..Outcome::default()
        };
        let state = super::super::summary::sections(&m);
        let narrow = Style {
            color: false,
            width: 50,
        };
        let out = human(&m, &state, &outcome, 25, &narrow);
        for line in out.lines().filter(|l| !l.trim_start().starts_with("$ ")) {
            assert!(style::width(line) <= 50, "{line:?}");
        }
    }

    #[test]
    fn long_log_lines_are_cut_with_an_ellipsis() {
        let clean = Clean::new(&empty_model());
        let text = evidence_text(&log_evidence(&"x ".repeat(300)), &clean);
        assert!(text.ends_with('…'), "{text}");
        let quoted = text.split("+00:00 ").nth(1).unwrap();
        assert!(
            style::width(quoted) <= LOG_TEXT_MAX,
            "{}",
            style::width(quoted)
        );
        assert!(
            text.starts_with("gateway said: openclaw-2026-11-21.log:12 (×3) "),
            "{text}"
        );
    }

    #[test]
    fn secrets_are_redacted_before_a_cut_or_a_wrap() {
        let mut m = empty_model();
        let secret = "S3cr3tGatewayTokenValue_abcdefghijklmnopqrstu";
        m.config.facts.auth_token = Some(SecretValue::Literal {
            value: Secret::new(secret),
        });
        // The token straddles the 160-column cut: cutting first would leave half of it.
        let mut f = finding(
            "log-token-mismatch",
            Area::Logs,
            Severity::Error,
            FixKind::Manual,
        );
        f.evidence = vec![log_evidence(&format!("{}{secret} tail", "y".repeat(140)))];
        f.message = format!("the client sent {secret} which has spaces around it");
        let out = render(&m, vec![f]);
        assert!(!out.contains(&secret[..10]), "{out}");
    }

    #[test]
    fn state_dir_paths_are_shown_relative() {
        let mut f = finding(
            "gateway-token-drift",
            Area::Auth,
            Severity::Error,
            FixKind::Unsafe,
        );
        f.message = "OPENCLAW_GATEWAY_TOKEN in /state/.env:1 differs".into();
        f.fix.commands = vec!["chmod 600 /state/.env".into()];
        let out = render(&empty_model(), vec![f]);
        assert!(
            out.contains("OPENCLAW_GATEWAY_TOKEN in .env:1 differs"),
            "{out}"
        );
        assert!(
            out.contains("$ chmod 600 /state/.env"),
            "commands stay exact: {out}"
        );
    }

    #[test]
    fn next_picks_the_root_cause_over_the_log_finding() {
        let findings = vec![
            explained(
                finding(
                    "log-pairing-required",
                    Area::Logs,
                    Severity::Error,
                    FixKind::Manual,
                ),
                &["pending-scope-upgrade"],
            ),
            finding(
                "state-file-permissions",
                Area::Store,
                Severity::Warning,
                FixKind::Safe,
            ),
            finding(
                "pending-scope-upgrade",
                Area::Pairing,
                Severity::Warning,
                FixKind::Manual,
            ),
        ];
        let next = next_step(&findings).unwrap();
        assert_eq!(next.check_id, "pending-scope-upgrade");
        assert_eq!(next.command, "openclaw fix-pending-scope-upgrade");
        assert_eq!(next.explains, 1);
    }

    #[test]
    fn next_prefers_the_most_severe_then_state_over_logs() {
        let findings = vec![
            finding(
                "log-token-mismatch",
                Area::Logs,
                Severity::Error,
                FixKind::Manual,
            ),
            finding(
                "state-file-permissions",
                Area::Store,
                Severity::Warning,
                FixKind::Safe,
            ),
            finding(
                "gateway-token-drift",
                Area::Auth,
                Severity::Error,
                FixKind::Unsafe,
            ),
        ];
        assert_eq!(
            next_step(&findings).unwrap().check_id,
            "gateway-token-drift"
        );
    }

    #[test]
    fn next_without_commands_names_a_claw_doctor_command() {
        let mut f = finding(
            "gateway-token-drift",
            Area::Auth,
            Severity::Error,
            FixKind::Unsafe,
        );
        f.fix.commands.clear();
        let next = next_step(&[f.clone()]).unwrap();
        assert_eq!(next.command, "claw-doctor fix --break-glass --dry-run");
        f.fix.kind = FixKind::Manual;
        assert_eq!(
            next_step(&[f]).unwrap().command,
            "claw-doctor explain gateway-token-drift"
        );
    }

    #[test]
    fn no_next_for_info_only_or_nothing() {
        assert_eq!(next_step(&[]), None);
        let info = finding(
            "non-local-host-header",
            Area::Network,
            Severity::Info,
            FixKind::Manual,
        );
        assert_eq!(next_step(&[info]), None);
    }

    #[test]
    fn counts_fixable_findings() {
        let findings = vec![
            finding("a", Area::Store, Severity::Warning, FixKind::Safe),
            finding("b", Area::Store, Severity::Info, FixKind::Safe),
            finding("c", Area::Auth, Severity::Error, FixKind::Unsafe),
            finding("d", Area::Logs, Severity::Error, FixKind::Manual),
        ];
        assert_eq!(
            FixCounts::of(&findings),
            FixCounts {
                safe: 2,
                unsafe_: 1,
                manual: 1
            }
        );
        assert_eq!(
            fix_line(&findings).unwrap(),
            "[*] 2 fixable by `claw-doctor fix`, 1 more by `fix --break-glass`; 1 manual."
        );
        assert_eq!(
            fix_line(&findings[3..]).unwrap(),
            "No automatic fixes: 1 manual."
        );
        assert_eq!(fix_line(&[]), None);
        let outcome = Outcome {
            findings,
            ..Outcome::default()
        };
        assert_eq!(
            summary_line(&outcome, 25),
            "Found 2 errors, 1 warning and 1 info (25 rules checked)."
        );
        assert_eq!(
            summary_line(&Outcome::default(), 25),
            "No problems found (25 rules checked)."
        );
    }

    #[test]
    fn markdown_has_the_same_summary_and_no_escapes() {
        let m = empty_model();
        let outcome = Outcome {
            findings: vec![wordy_finding()],
            ..Outcome::default()
        };
        let state = super::super::summary::sections(&m);
        let md = markdown(&m, &state, &outcome, 25);
        assert!(!md.contains('\x1b'));
        assert!(md.contains("**Found 1 error (25 rules checked).**"), "{md}");
        assert!(
            md.contains("0 fixable by `claw-doctor fix`, 1 more by `fix --break-glass`; 0 manual."),
            "{md}"
        );
        assert!(
            md.contains(&format!(
                "**Next:** missing-operator-write (error): `{LONG_COMMAND}`"
            )),
            "{md}"
        );
    }
}
