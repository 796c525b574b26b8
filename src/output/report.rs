//! `claw-doctor report`: one Markdown document made for a forum post or a GitHub issue.
//!
//! Most important first (the verdict and findings), then the facts a maintainer asks for
//! (versions, config, devices, pending requests, identity, credentials, logs) in collapsible
//! `<details>` blocks. The whole document is capped in size; when parts do not fit they are
//! replaced by a note saying what was cut. The caller passes it through the redactor (with the
//! home/user/host scrubber) like every other output; text from files is also sanitized here,
//! so no escape byte or table-breaking `|` gets through.

use super::findings::{Clean, evidence_text, header, md_code, md_explained_by, summary_line};
use super::md_escape;
use super::summary::{age, secret_text, short_id};
use crate::engine::Outcome;
use crate::findings::{Finding, Severity};
use crate::model::{Model, PairedDevice, PendingRequest};

/// GitHub issue bodies stop at 65,536 characters; leave room for the user's own words.
pub const MAX_BYTES: usize = 60_000;
/// Relevant log lines quoted at the end.
const LOG_LINES: usize = 12;

/// Facts about the machine claw-doctor runs on (not the state), for the header table.
#[derive(Debug, Clone, Default)]
pub struct Host {
    pub os: String,
    pub arch: String,
    /// `PRETTY_NAME` of `/etc/os-release`, when readable.
    pub distro: Option<String>,
    pub kernel: Option<String>,
}

impl Host {
    pub fn detect(env: &crate::env::Env) -> Host {
        let read = |p: &str| {
            crate::load::fsread::read_bounded(&env.system_path(p), p, 64 * 1024)
                .ok()
                .flatten()
                .and_then(|b| String::from_utf8(b).ok())
        };
        let distro = read("/etc/os-release").and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("PRETTY_NAME="))
                .map(|v| v.trim().trim_matches('"').to_string())
        });
        Host {
            os: std::env::consts::OS.to_string(),
            arch: std::env::consts::ARCH.to_string(),
            distro,
            kernel: read("/proc/sys/kernel/osrelease").map(|k| k.trim().to_string()),
        }
    }
}

/// A table cell: one line, no pipes or markup that would break the table.
fn cell(text: &str) -> String {
    let one_line = text.replace(['\n', '\r'], " ");
    let escaped = md_escape(&one_line);
    if escaped.is_empty() {
        "—".into()
    } else {
        escaped
    }
}

fn list(v: &Option<Vec<String>>) -> String {
    match v {
        None => "(absent)".into(),
        Some(v) if v.is_empty() => "[]".into(),
        Some(v) => v.join(", "),
    }
}

fn opt(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("—")
}

fn details(summary: &str, body: &str) -> String {
    format!("<details><summary>{summary}</summary>\n\n{body}\n</details>\n\n")
}

/// One finding: what, the fix and its commands in view; the evidence folded away. The text
/// goes through the scan renderer's cleaning (redacted before any cut, state paths relative).
fn finding_block(f: &Finding, clean: &Clean) -> String {
    let mark = match f.severity {
        Severity::Error => "✗",
        Severity::Warning => "!",
        Severity::Info => "·",
    };
    let mut s = format!(
        "- {mark} **{}** `{}`: {}\n",
        f.severity.as_str(),
        f.check_id,
        md_escape(&clean.text(&f.message))
    );
    if let Some(note) = &f.note {
        s.push_str(&format!("  _{}_\n", md_escape(&clean.text(note))));
    }
    s.push_str(&format!(
        "  - fix ({}): {}\n",
        f.fix.kind.as_str(),
        md_escape(&clean.text(&f.fix.summary))
    ));
    for c in &f.fix.commands {
        s.push_str(&format!("    {}\n", md_code(c, clean)));
    }
    if let Some(line) = md_explained_by(f) {
        s.push_str(&format!("  - {line}\n"));
    }
    if !f.evidence.is_empty() {
        let items: String = f
            .evidence
            .iter()
            .map(|e| format!("  - {}\n", md_escape(&evidence_text(e, clean))))
            .collect();
        s.push_str(&format!(
            "\n  <details><summary>evidence</summary>\n\n{items}\n  </details>\n\n"
        ));
    }
    s
}

fn environment_table(m: &Model, host: &Host) -> String {
    let mut rows: Vec<(&str, String)> = vec![
        ("claw-doctor", env!("CARGO_PKG_VERSION").to_string()),
        (
            "machine",
            format!(
                "{} {}{}{}",
                host.os,
                host.arch,
                host.distro
                    .as_deref()
                    .map(|d| format!(", {d}"))
                    .unwrap_or_default(),
                host.kernel
                    .as_deref()
                    .map(|k| format!(", kernel {k}"))
                    .unwrap_or_default()
            ),
        ),
    ];
    let version = match (&m.version.effective, m.version.effective_source) {
        (Some(v), Some(s)) => format!("{v} ({})", crate::load::era::source_text(s)),
        _ => "unknown".into(),
    };
    rows.push(("OpenClaw", version));
    if let Some(i) = &m.version.installed {
        rows.push(("installed", i.to_string()));
    }
    if let Some(w) = &m.version.state_written {
        rows.push(("state written by", w.to_string()));
    }
    rows.push((
        "era",
        format!(
            "{} ({})",
            m.era.era.as_str(),
            m.era.reasons.first().map(String::as_str).unwrap_or("")
        ),
    ));
    rows.push((
        "state dir",
        format!(
            "{} ({})",
            m.source.state_dir.path.display(),
            m.source.state_dir.origin
        ),
    ));
    if !m.source.other_state_dirs.is_empty() {
        rows.push((
            "other state dirs",
            m.source
                .other_state_dirs
                .iter()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
        ));
    }
    rows.push(("runtime", runtime_text(m)));
    let mut s = String::from("| | |\n| --- | --- |\n");
    for (k, v) in rows {
        s.push_str(&format!("| {k} | {} |\n", cell(&v)));
    }
    s
}

fn runtime_text(m: &Model) -> String {
    let rt = &m.runtime;
    if rt.running() {
        format!(
            "a gateway is running on this state (pid {})",
            rt.running_pids()
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )
    } else if rt.checked {
        "no gateway running on this state".into()
    } else {
        "not checked (no /proc)".into()
    }
}

fn config_table(m: &Model) -> String {
    let c = &m.config;
    let f = &c.facts;
    let mut rows: Vec<(&str, String)> = vec![(
        "file",
        format!(
            "{}{}",
            c.path.display(),
            match (&c.parse_error, c.exists) {
                (Some(e), _) => format!(" — UNPARSABLE: {e}"),
                (None, false) => " — absent".into(),
                (None, true) => String::new(),
            }
        ),
    )];
    let mut put = |k: &'static str, v: Option<String>| {
        if let Some(v) = v {
            rows.push((k, v));
        }
    };
    put("gateway.mode", f.gateway_mode.clone());
    put("gateway.bind", f.bind.clone());
    put("gateway.customBindHost", f.custom_bind_host.clone());
    put("gateway.port", f.port.map(|p| p.to_string()));
    put("gateway.auth.mode", f.auth_mode.clone());
    put("gateway.auth.token", f.auth_token.as_ref().map(secret_text));
    put(
        "gateway.auth.password",
        f.auth_password.as_ref().map(secret_text),
    );
    put("gateway.remote.url", f.remote_url.clone());
    put(
        "gateway.remote.token",
        f.remote_token.as_ref().map(secret_text),
    );
    put(
        "gateway.trustedProxies",
        f.trusted_proxies.as_ref().map(|v| format!("{v:?}")),
    );
    put(
        "gateway.allowRealIpFallback",
        f.allow_real_ip_fallback.map(|b| b.to_string()),
    );
    put("gateway.tls.enabled", f.tls_enabled.map(|b| b.to_string()));
    put(
        "gateway.controlUi.allowInsecureAuth",
        f.control_ui_allow_insecure_auth
            .as_ref()
            .map(|v| v.to_string()),
    );
    put(
        "gateway.controlUi.dangerouslyDisableDeviceAuth",
        f.control_ui_dangerously_disable_device_auth
            .as_ref()
            .map(|v| v.to_string()),
    );
    put(
        "gateway.nodes.pairing.autoApproveLocal",
        f.auto_approve_local.map(|b| b.to_string()),
    );
    put("meta.lastTouchedVersion", f.last_touched_version.clone());
    let mut s = String::from("| key | value |\n| --- | --- |\n");
    for (k, v) in rows {
        s.push_str(&format!("| `{k}` | {} |\n", cell(&v)));
    }
    s
}

fn token_state(d: &PairedDevice) -> String {
    match &d.tokens {
        None => "(absent)".into(),
        Some(t) if t.is_empty() => "none".into(),
        Some(t) => t
            .iter()
            .map(|t| {
                format!(
                    "{}{} [{}]",
                    t.role,
                    if t.is_active() { "" } else { " revoked" },
                    list(&t.scopes)
                )
            })
            .collect::<Vec<_>>()
            .join("; "),
    }
}

fn devices_table(m: &Model) -> String {
    let local = m.local_identity().and_then(|i| i.device_id());
    let mut s = String::from(
        "| device | client | platform | role | scopes | approved | tokens | last seen |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    for d in &m.devices {
        let id = d.device_id.as_deref().unwrap_or(&d.key);
        let name = format!(
            "{}{}{}",
            short_id(id),
            if Some(id) == local {
                " (this machine)"
            } else {
                ""
            },
            if d.live { "" } else { " (not live)" }
        );
        let client = format!("{}/{}", opt(&d.client_id), opt(&d.client_mode));
        let seen = d
            .last_seen_at_ms
            .map_or_else(|| "—".into(), |t| age(m.now_ms, t));
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} |\n",
            cell(&name),
            cell(&client),
            cell(&format!("{}/{}", opt(&d.platform), opt(&d.device_family))),
            cell(opt(&d.role)),
            cell(&list(&d.scopes)),
            cell(&list(&d.approved_scopes)),
            cell(&token_state(d)),
            cell(&seen)
        ));
    }
    s
}

fn pending_table(m: &Model) -> String {
    let mut s = String::from(
        "| request | device | kind | client | role | scopes | age |\n| --- | --- | --- | --- | --- | --- | --- |\n",
    );
    for p in &m.pending {
        s.push_str(&pending_row(p, m));
    }
    s
}

fn pending_row(p: &PendingRequest, m: &Model) -> String {
    let kind = match p.is_repair {
        Some(true) => "repair",
        _ => "new",
    };
    let age = p
        .last_activity_ms()
        .map_or_else(|| "no timestamp".into(), |t| age(m.now_ms, t));
    let expired = p
        .last_activity_ms()
        .is_some_and(|t| m.now_ms - t > crate::engine::functions::PENDING_TTL_MS);
    format!(
        "| {} | {} | {} | {} | {} | {} | {}{} |\n",
        cell(&short_id(p.request_id.as_deref().unwrap_or(&p.key))),
        cell(&short_id(p.device_id.as_deref().unwrap_or("—"))),
        kind,
        cell(&format!("{}/{}", opt(&p.client_id), opt(&p.client_mode))),
        cell(opt(&p.role)),
        cell(&list(&p.scopes)),
        cell(&age),
        if expired { " (expired)" } else { "" }
    )
}

fn identity_and_credentials(m: &Model) -> String {
    let mut s = String::new();
    for i in &m.identities {
        s.push_str(&format!(
            "- identity {} ({}, {:?} schema{}): {}\n",
            short_id(i.device_id().unwrap_or("?")),
            md_escape(&i.location),
            i.schema,
            if i.live { "" } else { ", not live" },
            if i.is_valid() {
                "valid".to_string()
            } else {
                format!("INVALID: {}", md_escape(&i.defects.join("; ")))
            }
        ));
    }
    for c in &m.token_caches {
        for e in &c.entries {
            s.push_str(&format!(
                "- token cache {} {}: [{}] {}\n",
                md_escape(&c.location),
                e.role,
                md_escape(&list(&e.scopes)),
                e.token.as_ref().map(|t| t.describe()).unwrap_or_default()
            ));
        }
    }
    for t in &m.token_sources {
        s.push_str(&format!(
            "- credential {} = {} ({})\n",
            md_escape(&t.name),
            md_escape(&secret_text(&t.value)),
            md_escape(&t.location)
        ));
    }
    if s.is_empty() {
        s.push_str("- none found\n");
    }
    s
}

fn logs_section(m: &Model) -> Option<String> {
    let sum = m.logs.summary.as_ref()?;
    let mut s = format!(
        "{} file(s), {} lines, {} .. {}\n\n",
        sum.files.len(),
        sum.lines,
        sum.first_time.as_deref().unwrap_or("?"),
        sum.last_time.as_deref().unwrap_or("?")
    );
    for (kind, n) in &sum.totals {
        s.push_str(&format!("- {kind}: {n}\n"));
    }
    let mut recent: Vec<&crate::logs::Event> = sum.groups.iter().map(|g| &g.last).collect();
    recent.sort_by_key(|e| (e.timestamp, e.file, e.line));
    let tail: Vec<String> = recent
        .iter()
        .rev()
        .take(LOG_LINES)
        .rev()
        .map(|e| {
            let text = super::clip(&super::style::sanitize(&e.message), 300);
            format!(
                "{} {}",
                e.time.as_deref().unwrap_or(""),
                text.replace("```", "'''")
            )
        })
        .collect();
    if !tail.is_empty() {
        s.push_str(&format!(
            "\nLast relevant lines:\n\n```\n{}\n```\n",
            tail.join("\n")
        ));
    }
    Some(s)
}

/// The report, capped at `MAX_BYTES`: sections are added most important first; one that
/// does not fit is replaced by a line saying so.
pub fn render(m: &Model, outcome: &Outcome, rules_run: usize, host: &Host) -> String {
    let mut out = format!(
        "## claw-doctor report\n\n{}\n\n**{}**\n\n",
        md_escape(&header(m)),
        summary_line(outcome, rules_run)
    );
    let findings: String = if outcome.findings.is_empty() {
        "No problems found.\n".into()
    } else {
        {
            let clean = Clean::new(m);
            outcome
                .findings
                .iter()
                .map(|f| finding_block(f, &clean))
                .collect()
        }
    };
    let mut sections: Vec<(String, String)> = vec![
        ("Findings".into(), format!("### Findings\n\n{findings}\n")),
        (
            "Environment".into(),
            format!("### Environment\n\n{}\n", environment_table(m, host)),
        ),
        (
            "Config".into(),
            details("Config (openclaw.json)", &config_table(m)),
        ),
        (
            "Devices".into(),
            details(
                &format!(
                    "Paired devices ({}) and pending requests ({})",
                    m.devices.len(),
                    m.pending.len()
                ),
                &format!("{}\n{}", devices_table(m), pending_table(m)),
            ),
        ),
        (
            "Identity".into(),
            details(
                "Identity, token cache, credential sources",
                &identity_and_credentials(m),
            ),
        ),
    ];
    if let Some(logs) = logs_section(m) {
        sections.push(("Logs".into(), details("Gateway logs", &logs)));
    }
    let mut cut = Vec::new();
    for (name, text) in sections {
        if out.len() + text.len() + 200 <= MAX_BYTES {
            out.push_str(&text);
        } else {
            cut.push(name);
        }
    }
    if !cut.is_empty() {
        out.push_str(&format!(
            "_Left out to fit a forum post: {}. Run `claw-doctor report --output report.md` and attach the file, or `claw-doctor scan --format json`._\n\n",
            cut.join(", ")
        ));
    }
    out.push_str("<sub>Secrets are shown only as fingerprints (`fp:… len=…`, stable within one run); the home directory, user and host names are replaced.</sub>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_stay_in_their_column() {
        assert_eq!(cell("a|b\nc"), "a\\|b c");
        assert_eq!(cell(""), "—");
    }

    #[test]
    fn an_empty_model_still_renders_every_section_within_the_cap() {
        let m = crate::engine::testing::empty_model();
        let text = render(&m, &Outcome::default(), 0, &Host::default());
        for part in [
            "### Findings",
            "### Environment",
            "Config (openclaw.json)",
            "Paired devices (0)",
        ] {
            assert!(text.contains(part), "missing {part}");
        }
        assert!(text.len() < MAX_BYTES);
        assert!(!text.contains('\u{1b}'));
    }

    #[test]
    fn oversized_parts_are_cut_with_a_note() {
        let mut m = crate::engine::testing::empty_model();
        let device = |i: usize| PairedDevice {
            store: crate::model::StoreKind::Json,
            live: true,
            location: "devices/paired.json".into(),
            key: format!("{i:064x}"),
            device_id: Some(format!("{i:064x}")),
            public_key: None,
            public_key_form: None,
            key_device_id: None,
            display_name: Some("x".repeat(200)),
            operator_label: None,
            platform: Some("linux".into()),
            device_family: None,
            client_id: Some("cli".into()),
            client_mode: Some("cli".into()),
            browser_origin: None,
            role: Some("operator".into()),
            roles: None,
            scopes: Some(vec!["operator.read".repeat(20)]),
            approved_scopes: None,
            tokens: None,
            remote_ip: None,
            approved_via: None,
            created_at_ms: None,
            approved_at_ms: None,
            last_seen_at_ms: None,
            last_seen_reason: None,
            pending_fields: Vec::new(),
            defects: Vec::new(),
        };
        m.devices = (0..400).map(device).collect();
        let text = render(&m, &Outcome::default(), 0, &Host::default());
        assert!(text.len() <= MAX_BYTES, "{}", text.len());
        assert!(
            text.contains("Left out to fit a forum post: Devices"),
            "{text}"
        );
        assert!(
            text.contains("### Findings"),
            "the findings are never the part cut"
        );
    }
}
