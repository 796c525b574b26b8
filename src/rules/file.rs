//! The on-disk shape of a rule file (`rules/<area>/<id>.toml`), exactly as written.
//! Unknown keys are errors so a typo never silently disables part of a rule.

use crate::findings::{Area, FixKind, Severity};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    pub id: String,
    pub area: Area,
    pub severity: Severity,
    /// Short title for `claw-doctor rules`.
    pub title: String,
    /// One-line message template.
    pub message: String,
    /// Eras the rule applies to (default: all).
    pub eras: Option<Vec<String>>,
    /// OpenClaw versions it applies to (`>=2026.2.14, <2026.2.22`); applies when unknown.
    pub versions: Option<String>,
    /// `name in <list expression>`: one finding per matching item. Without it, at most one.
    #[serde(rename = "for")]
    pub each: Option<String>,
    /// Named helper expressions, evaluated in order after the `for` binding.
    #[serde(rename = "let", default)]
    pub lets: toml::Table,
    /// The condition: a finding is reported when it is true.
    #[serde(rename = "where")]
    pub condition: String,
    /// `kind` (a word) plus fields whose values are expressions.
    #[serde(default)]
    pub subject: toml::Table,
    #[serde(default)]
    pub evidence: Vec<EvidenceFile>,
    /// Lower the severity when a condition holds (first match wins).
    #[serde(default)]
    pub downgrade: Vec<DowngradeFile>,
    /// Rules whose findings explain this rule's findings (matched by deviceId when both have one).
    #[serde(default)]
    pub explained_by: Vec<String>,
    pub fix: FixFile,
    pub docs: DocsFile,
    /// Scenario ids of `openclaw/scenarios.md` and OpenClaw issues the rule comes from.
    #[serde(default)]
    pub references: Vec<String>,
    /// Test cases (run by the project's tests, ignored at run time).
    #[serde(default)]
    pub cases: Vec<toml::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceFile {
    pub label: String,
    /// Exactly one of these three, each an expression.
    pub value: Option<String>,
    /// A log group, or a list of them: rendered as log lines (first and last).
    pub log: Option<String>,
    /// A file record or a path.
    pub file: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DowngradeFile {
    pub when: String,
    pub severity: Severity,
    /// Template saying why (shown with the finding).
    pub note: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixFile {
    pub kind: FixKind,
    pub summary: String,
    #[serde(default)]
    pub commands: Vec<CommandFile>,
    /// What `claw-doctor fix` does: `{ do = "<action>", when = "<condition>", <arg> = "<expr>" }`.
    #[serde(default)]
    pub actions: Vec<toml::Table>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum CommandFile {
    Always(String),
    When {
        run: String,
        /// Only listed when this condition holds (e.g. a version range).
        when: String,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocsFile {
    /// What the rule checks.
    pub checks: String,
    /// Why it matters: what the user sees.
    pub why: String,
    /// How to fix it by hand, with the supported OpenClaw commands.
    pub fix: String,
    /// What claw-doctor's own fix does and how safe it is.
    pub safety: String,
}
