//! The state summary: what claw-doctor found, as sections of lines that the human and
//! Markdown renderers lay out. Built from the model only.

use crate::load::era::source_text;
use crate::model::{Identity, Model, PairedDevice, PendingRequest, SecretValue, TokenSource};

/// Severity of a summary line, for the ✓ / ! / ✗ mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Ok,
    Note,
    Warn,
    Bad,
}

#[derive(Debug, Clone)]
pub struct Section {
    pub title: &'static str,
    pub mark: Mark,
    pub headline: String,
    pub details: Vec<String>,
}

/// `a12522e0…2abb`: enough to recognise a deviceId without a 64-char column.
pub fn short_id(id: &str) -> String {
    if id.len() > 16 && id.is_ascii() {
        format!("{}…{}", &id[..8], &id[id.len() - 4..])
    } else {
        id.to_string()
    }
}

/// `3m ago`, `2h ago`, `in 4m` relative to `now_ms`.
pub fn age(now_ms: i64, at_ms: i64) -> String {
    // Times come from untrusted files: saturate instead of overflowing on i64::MIN.
    let d = now_ms.saturating_sub(at_ms);
    let (abs, suffix) = if d >= 0 {
        (d.unsigned_abs(), " ago")
    } else {
        (d.unsigned_abs(), " from now")
    };
    let s = abs / 1000;
    let text = match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m", s / 60),
        3600..=172_799 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86_400),
    };
    format!("{text}{suffix}")
}

/// `none`, `1 cache`, `3 caches`.
fn count(n: usize, noun: &str) -> String {
    match n {
        0 => "none".to_string(),
        1 => format!("1 {noun}"),
        _ => format!("{n} {noun}s"),
    }
}

/// `none`, `2 requests`, or `1 request in the live store, 3 in all` when stores differ.
fn live_and_all(noun: &str, live: usize, all: usize) -> String {
    if live == all {
        count(all, noun)
    } else {
        format!("{} in the live store, {all} in all", count(live, noun))
    }
}

fn list(v: &Option<Vec<String>>) -> String {
    match v {
        None => "(absent)".to_string(),
        Some(v) if v.is_empty() => "[]".to_string(),
        Some(v) => v.join(","),
    }
}

fn opt(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("?")
}

pub fn secret_text(v: &SecretValue) -> String {
    match v {
        SecretValue::Literal { value } => value.describe(),
        SecretValue::EnvSubstitution { variable } => format!("${{{variable}}}"),
        SecretValue::SecretRef { source, id } => format!("SecretRef {}:{}", opt(source), opt(id)),
        SecretValue::Other { json_type } => format!("invalid ({json_type})"),
    }
}

fn device_line(d: &PairedDevice, m: &Model) -> String {
    let id = d.device_id.as_deref().unwrap_or(&d.key);
    let tokens = match &d.tokens {
        None => "tokens (absent)".to_string(),
        Some(t) if t.is_empty() => "no tokens".to_string(),
        Some(t) => t
            .iter()
            .map(|t| {
                format!(
                    "{}{}[{}]",
                    t.role,
                    if t.is_active() { "" } else { "(revoked)" },
                    list(&t.scopes)
                )
            })
            .collect::<Vec<_>>()
            .join(" "),
    };
    let local = m.local_identity().and_then(Identity::device_id) == Some(id);
    let seen = d
        .last_seen_at_ms
        .map(|t| format!(" seen {}", age(m.now_ms, t)))
        .unwrap_or_default();
    format!(
        "{}{} {}/{} {} role={} roles={} scopes={} approved={} {}{}{}",
        short_id(id),
        if local { " (this identity)" } else { "" },
        opt(&d.client_id),
        opt(&d.client_mode),
        opt(&d.platform),
        opt(&d.role),
        list(&d.roles),
        list(&d.scopes),
        list(&d.approved_scopes),
        tokens,
        seen,
        if d.live { "" } else { " [not live]" },
    )
}

fn pending_line(p: &PendingRequest, m: &Model) -> String {
    let kind = if p.is_repair == Some(true) {
        "repair"
    } else {
        "new"
    };
    let age = p
        .last_activity_ms()
        .map(|t| age(m.now_ms, t))
        .unwrap_or_else(|| "no timestamp".into());
    format!(
        "{} {} device {} {}/{} role={} scopes={} ({}){}",
        p.request_id.as_deref().unwrap_or(&p.key),
        kind,
        short_id(p.device_id.as_deref().unwrap_or("?")),
        opt(&p.client_id),
        opt(&p.client_mode),
        opt(&p.role),
        list(&p.scopes),
        age,
        if p.live { "" } else { " [not live]" },
    )
}

fn identity_line(i: &Identity) -> String {
    let state = if i.is_valid() {
        "valid".to_string()
    } else {
        format!("INVALID: {}", i.defects.join("; "))
    };
    format!(
        "{} ({}, {:?} schema{}) {}{}",
        short_id(i.device_id().unwrap_or("?")),
        i.location,
        i.schema,
        i.identity_key
            .as_deref()
            .map(|k| format!(", key {k}"))
            .unwrap_or_default(),
        state,
        if i.live { "" } else { " [not live]" },
    )
}

fn token_source_line(t: &TokenSource) -> String {
    let what = match t.credential {
        crate::model::CredentialKind::Token => "token",
        crate::model::CredentialKind::Password => "password",
    };
    format!(
        "{what} {} = {} ({})",
        t.name,
        secret_text(&t.value),
        t.location
    )
}

pub fn sections(m: &Model) -> Vec<Section> {
    let mut out = all_sections(m);
    if m.era.era == crate::model::Era::NotRead {
        // --no-state: what was not read is not shown as empty.
        out.retain(|s| matches!(s.title, "state" | "era" | "openclaw" | "logs"));
    }
    out
}

fn all_sections(m: &Model) -> Vec<Section> {
    let mut out = Vec::new();
    let s = &m.source;
    let not_read = m.era.era == crate::model::Era::NotRead;
    out.push(Section {
        title: "state",
        mark: if not_read { Mark::Note } else { Mark::Ok },
        headline: if not_read {
            "not read (--no-state)".to_string()
        } else {
            format!("{} ({})", s.state_dir.path.display(), s.state_dir.origin)
        },
        details: s
            .other_state_dirs
            .iter()
            .map(|d| {
                format!(
                    "another state dir with its own identity/pairing: {}",
                    d.display()
                )
            })
            .chain(s.profile.iter().map(|p| format!("profile: {p}")))
            .collect(),
    });

    let era = &m.era;
    out.push(Section {
        title: "era",
        mark: if era.era == crate::model::Era::Mixed {
            Mark::Warn
        } else {
            Mark::Ok
        },
        headline: format!(
            "{}{}",
            era.era.as_str(),
            era.live_store
                .map(|s| format!(
                    " (the gateway reads the {} store)",
                    if s == crate::model::StoreKind::Json {
                        "JSON"
                    } else {
                        "SQLite"
                    }
                ))
                .unwrap_or_default()
        ),
        details: era.reasons.clone(),
    });

    let v = &m.version;
    out.push(Section {
        title: "openclaw",
        mark: if v.effective.is_some() {
            Mark::Ok
        } else {
            Mark::Note
        },
        headline: match (&v.effective, v.effective_source) {
            (Some(ver), Some(src)) => format!("{ver} ({})", source_text(src)),
            _ => "version unknown (pass --openclaw-version to reason about one)".to_string(),
        },
        details: v
            .signals
            .iter()
            .map(|s| format!("{} {}: {}", s.version, source_text(s.source), s.location))
            .collect(),
    });

    let c = &m.config;
    let f = &c.facts;
    let cfg_head = if !c.exists {
        format!("{} does not exist ({})", c.path.display(), s.config.origin)
    } else if let Some(e) = &c.parse_error {
        format!("{} cannot be used: {e}", c.path.display())
    } else {
        format!(
            "{} ({}) mode={} bind={} port={} auth={}",
            c.path.display(),
            c.format
                .map_or("?", |f| if f == crate::model::ConfigFormat::Json {
                    "JSON"
                } else {
                    "JSON5"
                }),
            opt(&f.gateway_mode),
            opt(&f.bind),
            f.port.map_or("?".into(), |p| p.to_string()),
            opt(&f.auth_mode),
        )
    };
    let mut cfg_details = Vec::new();
    if let Some(t) = &f.trusted_proxies {
        cfg_details.push(format!("trustedProxies: {}", t.join(", ")));
    }
    if let Some(v) = &f.control_ui_allow_insecure_auth {
        cfg_details.push(format!("gateway.controlUi.allowInsecureAuth: {v}"));
    }
    if let Some(v) = &f.control_ui_dangerously_disable_device_auth {
        cfg_details.push(format!(
            "gateway.controlUi.dangerouslyDisableDeviceAuth: {v}"
        ));
    }
    if let Some(v) = f.auto_approve_local {
        cfg_details.push(format!("gateway.nodes.pairing.autoApproveLocal: {v}"));
    }
    out.push(Section {
        title: "config",
        mark: if c.parse_error.is_some() {
            Mark::Bad
        } else if c.exists {
            Mark::Ok
        } else {
            Mark::Note
        },
        headline: cfg_head,
        details: cfg_details,
    });

    out.push(Section {
        title: "identity",
        mark: match m.local_identity() {
            Some(i) if i.is_valid() => Mark::Ok,
            Some(_) => Mark::Bad,
            None => Mark::Note,
        },
        headline: match m.local_identity() {
            Some(i) => identity_line(i),
            None => "none (the CLI creates one on its first device-identity connect)".to_string(),
        },
        details: m.identities.iter().skip(1).map(identity_line).collect(),
    });

    let live = m.live_devices().count();
    out.push(Section {
        title: "devices",
        mark: Mark::Ok,
        headline: live_and_all("paired device", live, m.devices.len()),
        details: m.devices.iter().map(|d| device_line(d, m)).collect(),
    });

    out.push(Section {
        title: "pending",
        mark: if m.live_pending().next().is_some() {
            Mark::Note
        } else {
            Mark::Ok
        },
        headline: live_and_all("request", m.live_pending().count(), m.pending.len()),
        details: m.pending.iter().map(|p| pending_line(p, m)).collect(),
    });

    out.push(Section {
        title: "token cache",
        mark: Mark::Ok,
        headline: count(m.token_caches.len(), "cache"),
        details: m
            .token_caches
            .iter()
            .map(|c| {
                format!(
                    "{} device {}: {}{}",
                    c.location,
                    short_id(c.device_id.as_deref().unwrap_or("?")),
                    c.entries
                        .iter()
                        .map(|e| format!(
                            "{}[{}] {}",
                            e.role,
                            list(&e.scopes),
                            e.token.as_ref().map(|t| t.describe()).unwrap_or_default()
                        ))
                        .collect::<Vec<_>>()
                        .join(" "),
                    if c.live { "" } else { " [not live]" }
                )
            })
            .collect(),
    });

    out.push(Section {
        title: "credentials",
        mark: Mark::Ok,
        headline: count(m.token_sources.len(), "gateway credential source"),
        details: m.token_sources.iter().map(token_source_line).collect(),
    });

    if !m.services.is_empty() {
        out.push(Section {
            title: "services",
            mark: Mark::Ok,
            headline: count(m.services.len(), "installed gateway service"),
            details: m
                .services
                .iter()
                .map(|u| {
                    format!(
                        "{:?} {}{}",
                        u.kind,
                        u.path.display(),
                        u.version
                            .as_ref()
                            .or(u.package_version.as_ref())
                            .map(|v| format!(" (v{v})"))
                            .unwrap_or_default()
                    )
                })
                .collect(),
        });
    }

    out.push(crate::output::logs::section(&m.logs));

    out.push(Section {
        title: "problems",
        mark: if m.problems.is_empty() {
            Mark::Ok
        } else {
            Mark::Bad
        },
        headline: if m.problems.is_empty() {
            "every file read cleanly".to_string()
        } else {
            format!(
                "{} could not be read as OpenClaw reads them",
                count(m.problems.len(), "file")
            )
        },
        details: m
            .problems
            .iter()
            .map(|p| {
                format!(
                    "{}: {}{}",
                    p.path,
                    p.detail,
                    p.consequence
                        .as_deref()
                        .map(|c| format!(" — {c}"))
                        .unwrap_or_default()
                )
            })
            .collect(),
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_never_overflow() {
        assert!(age(0, i64::MIN).ends_with("ago"));
        assert!(age(i64::MIN, i64::MAX).ends_with("from now"));
    }

    #[test]
    fn ages_and_ids() {
        assert_eq!(age(10_000, 5_000), "5s ago");
        assert_eq!(age(0, 240_000), "4m from now");
        assert_eq!(age(3 * 86_400_000, 0), "3d ago");
        assert_eq!(short_id(&"ab".repeat(32)), "abababab…abab");
        assert_eq!(short_id("short"), "short");
    }

    #[test]
    fn compact_counts() {
        assert_eq!(count(0, "cache"), "none");
        assert_eq!(count(1, "cache"), "1 cache");
        assert_eq!(count(2, "cache"), "2 caches");
        assert_eq!(live_and_all("request", 1, 1), "1 request");
        assert_eq!(
            live_and_all("request", 0, 2),
            "none in the live store, 2 in all"
        );
    }
}
