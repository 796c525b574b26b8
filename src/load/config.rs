//! `openclaw.json`: read as JSON5 the way OpenClaw reads it (comments, trailing commas, unquoted
//! keys, single quotes), unknown keys kept. Only facts are extracted; the document stays in
//! memory for rules and is never printed.

use super::fsread::{SMALL_LIMIT, read_bounded};
use crate::model::{
    ConfigFacts, ConfigFormat, ConfigInfo, CredentialKind, LoadProblem, ProblemKind, SecretValue,
    TokenSource, TokenSourceKind,
};
use crate::secret::Secret;
use serde_json::Value;
use std::path::Path;

/// Variables in the config's `env` block that carry a gateway credential.
const CREDENTIAL_VARS: [(&str, CredentialKind); 3] = [
    ("OPENCLAW_GATEWAY_TOKEN", CredentialKind::Token),
    ("OPENCLAW_GATEWAY_PASSWORD", CredentialKind::Password),
    ("CLAWDBOT_GATEWAY_TOKEN", CredentialKind::Token),
];

pub struct LoadedConfig {
    pub info: ConfigInfo,
    pub token_sources: Vec<TokenSource>,
    pub problems: Vec<LoadProblem>,
}

pub fn json5_options() -> jsonc_parser::ParseOptions {
    jsonc_parser::ParseOptions {
        allow_comments: true,
        allow_loose_object_property_names: true,
        allow_trailing_commas: true,
        allow_missing_commas: false,
        allow_single_quoted_strings: true,
        allow_hexadecimal_numbers: true,
        allow_unary_plus_numbers: true,
        allow_bare_decimal_point_numbers: true,
        allow_extended_string_escapes: true,
        allow_non_finite_numbers: true,
    }
}

/// Parses config text; `Ok` carries which dialect was needed.
pub fn parse(text: &str) -> Result<(Value, ConfigFormat), String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if let Ok(v) = serde_json::from_str::<Value>(text) {
        return Ok((v, ConfigFormat::Json));
    }
    match jsonc_parser::parse_to_serde_value(text, &json5_options()) {
        Ok(Some(v)) => Ok((v, ConfigFormat::Json5)),
        Ok(None) => Err("empty file".to_string()),
        Err(e) => Err(e.to_string()),
    }
}

pub fn secret_value(v: &Value) -> SecretValue {
    match v {
        Value::String(s) => {
            let t = s.trim();
            match t.strip_prefix("${").and_then(|r| r.strip_suffix('}')) {
                Some(var)
                    if !var.is_empty()
                        && var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
                {
                    SecretValue::EnvSubstitution {
                        variable: var.to_string(),
                    }
                }
                _ => SecretValue::Literal {
                    value: Secret::new(s.clone()),
                },
            }
        }
        Value::Object(o) => SecretValue::SecretRef {
            source: o.get("source").and_then(Value::as_str).map(str::to_string),
            id: o.get("id").and_then(Value::as_str).map(str::to_string),
        },
        other => SecretValue::Other {
            json_type: super::fields::json_type(other).to_string(),
        },
    }
}

fn at<'a>(doc: &'a Value, dotted: &str) -> Option<&'a Value> {
    dotted
        .split('.')
        .try_fold(doc, |v, k| v.as_object()?.get(k))
        .filter(|v| !v.is_null())
}

fn has_include(v: &Value) -> bool {
    match v {
        Value::Object(o) => o.contains_key("$include") || o.values().any(has_include),
        Value::Array(a) => a.iter().any(has_include),
        _ => false,
    }
}

pub fn facts(doc: &Value) -> ConfigFacts {
    let s = |p: &str| at(doc, p).and_then(Value::as_str).map(str::to_string);
    let b = |p: &str| at(doc, p).and_then(Value::as_bool);
    let mut env_block_vars: Vec<String> = Vec::new();
    for block in ["env", "env.vars"] {
        if let Some(o) = at(doc, block).and_then(Value::as_object) {
            env_block_vars.extend(
                o.iter()
                    .filter(|(_, v)| v.is_string())
                    .map(|(k, _)| k.clone()),
            );
        }
    }
    env_block_vars.sort();
    env_block_vars.dedup();
    ConfigFacts {
        last_touched_version: s("meta.lastTouchedVersion"),
        gateway_mode: s("gateway.mode"),
        bind: s("gateway.bind"),
        custom_bind_host: s("gateway.customBindHost"),
        port: at(doc, "gateway.port").and_then(Value::as_i64),
        auth_mode: s("gateway.auth.mode"),
        auth_token: at(doc, "gateway.auth.token").map(secret_value),
        auth_password: at(doc, "gateway.auth.password").map(secret_value),
        remote_url: s("gateway.remote.url"),
        remote_token: at(doc, "gateway.remote.token").map(secret_value),
        trusted_proxies: at(doc, "gateway.trustedProxies")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                    .collect()
            }),
        allow_real_ip_fallback: b("gateway.allowRealIpFallback"),
        tls_enabled: b("gateway.tls.enabled"),
        control_ui_allow_insecure_auth: at(doc, "gateway.controlUi.allowInsecureAuth").cloned(),
        control_ui_dangerously_disable_device_auth: at(
            doc,
            "gateway.controlUi.dangerouslyDisableDeviceAuth",
        )
        .cloned(),
        auto_approve_local: b("gateway.nodes.pairing.autoApproveLocal"),
        logging_file: s("logging.file"),
        hooks_token: at(doc, "hooks.token").map(secret_value),
        env_block_vars,
        has_includes: has_include(doc),
        key_paths: key_paths(doc),
    }
}

/// The dotted paths of every key directly under the checked objects
/// ([`CHECKED_PREFIXES`](crate::facts::config_keys::CHECKED_PREFIXES)); a level that is absent or
/// not an object contributes nothing (its type is another check's business).
pub fn key_paths(doc: &Value) -> Vec<String> {
    crate::facts::config_keys::CHECKED_PREFIXES
        .iter()
        .filter_map(|p| {
            let o = if p.is_empty() {
                doc.as_object()
            } else {
                at(doc, p)?.as_object()
            };
            Some(o?.keys().map(move |k| {
                if p.is_empty() {
                    k.clone()
                } else {
                    format!("{p}.{k}")
                }
            }))
        })
        .flatten()
        .collect()
}

fn config_token_sources(doc: &Value, display: &str) -> Vec<TokenSource> {
    let mut out = Vec::new();
    let mut push = |kind, credential, key: &str, v: &Value| {
        out.push(TokenSource {
            kind,
            credential,
            location: format!("{display} {key}"),
            name: key.to_string(),
            value: secret_value(v),
        });
    };
    for (key, kind, cred) in [
        (
            "gateway.auth.token",
            TokenSourceKind::ConfigAuth,
            CredentialKind::Token,
        ),
        (
            "gateway.auth.password",
            TokenSourceKind::ConfigAuth,
            CredentialKind::Password,
        ),
        (
            "gateway.remote.token",
            TokenSourceKind::ConfigRemote,
            CredentialKind::Token,
        ),
        (
            "gateway.remote.password",
            TokenSourceKind::ConfigRemote,
            CredentialKind::Password,
        ),
    ] {
        if let Some(v) = at(doc, key) {
            push(kind, cred, key, v);
        }
    }
    for block in ["env", "env.vars"] {
        for (var, cred) in CREDENTIAL_VARS {
            if let Some(v) = at(doc, &format!("{block}.{var}")) {
                push(
                    TokenSourceKind::ConfigEnvBlock,
                    cred,
                    &format!("{block}.{var}"),
                    v,
                );
            }
        }
    }
    out
}

pub fn load(path: &Path, display: &str) -> LoadedConfig {
    let mut info = ConfigInfo {
        path: path.to_path_buf(),
        exists: false,
        format: None,
        parse_error: None,
        facts: ConfigFacts::default(),
        top_level_keys: Vec::new(),
        document: None,
    };
    let mut problems = Vec::new();
    let bytes = match read_bounded(path, display, SMALL_LIMIT) {
        Ok(None) => {
            return LoadedConfig {
                info,
                token_sources: Vec::new(),
                problems,
            };
        }
        Ok(Some(b)) => b,
        Err(p) => {
            info.exists = true;
            info.parse_error = Some(p.detail.clone());
            problems
                .push(p.with_consequence("the gateway refuses to start with an unreadable config"));
            return LoadedConfig {
                info,
                token_sources: Vec::new(),
                problems,
            };
        }
    };
    info.exists = true;
    let text = String::from_utf8_lossy(&bytes);
    match parse(&text) {
        Ok((doc, format)) => {
            info.format = Some(format);
            match doc.as_object() {
                Some(o) => info.top_level_keys = o.keys().cloned().collect(),
                None => {
                    let msg = format!(
                        "expected an object, found {}",
                        super::fields::json_type(&doc)
                    );
                    info.parse_error = Some(msg.clone());
                    problems.push(
                        LoadProblem::new(display, ProblemKind::WrongType, msg).with_consequence(
                            "the gateway refuses to start with an invalid config",
                        ),
                    );
                    return LoadedConfig {
                        info,
                        token_sources: Vec::new(),
                        problems,
                    };
                }
            }
            info.facts = facts(&doc);
            let token_sources = config_token_sources(&doc, display);
            info.document = Some(doc);
            LoadedConfig {
                info,
                token_sources,
                problems,
            }
        }
        Err(e) => {
            info.parse_error = Some(e.clone());
            problems.push(
                LoadProblem::new(
                    display,
                    ProblemKind::NotJson,
                    format!("not valid JSON5: {e}"),
                )
                .with_consequence("the gateway refuses to start: \"Invalid config\""),
            );
            LoadedConfig {
                info,
                token_sources: Vec::new(),
                problems,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json5_features_real_configs_use() {
        let text = r#"{
          // hand-written
          gateway: {
            mode: 'local', port: 18789,
            auth: { mode: "token", token: "config-canary-token-123456789012", },
            trustedProxies: ["172.17.0.0/16",],
            controlUi: { allowInsecureAuth: true },
            nodes: { pairing: { autoApproveLocal: false } },
          },
          env: { OPENCLAW_GATEWAY_TOKEN: "${SOME_VAR}", vars: { OPENCLAW_GATEWAY_PASSWORD: "pw" } },
          meta: { lastTouchedVersion: "2026.7.35" },
          unknownThing: { kept: true },
        }"#;
        let (doc, format) = parse(text).unwrap();
        assert_eq!(format, ConfigFormat::Json5);
        let f = facts(&doc);
        assert_eq!(f.gateway_mode.as_deref(), Some("local"));
        assert_eq!(f.port, Some(18789));
        assert_eq!(f.trusted_proxies, Some(vec!["172.17.0.0/16".to_string()]));
        assert_eq!(f.control_ui_allow_insecure_auth, Some(Value::Bool(true)));
        assert_eq!(f.auto_approve_local, Some(false));
        assert_eq!(f.last_touched_version.as_deref(), Some("2026.7.35"));
        assert_eq!(
            f.env_block_vars,
            vec!["OPENCLAW_GATEWAY_PASSWORD", "OPENCLAW_GATEWAY_TOKEN"]
        );
        assert!(doc.get("unknownThing").is_some(), "unknown keys are kept");
        let sources = config_token_sources(&doc, "openclaw.json");
        let kinds: Vec<_> = sources.iter().map(|s| (s.kind, s.name.as_str())).collect();
        assert_eq!(
            kinds,
            vec![
                (TokenSourceKind::ConfigAuth, "gateway.auth.token"),
                (
                    TokenSourceKind::ConfigEnvBlock,
                    "env.OPENCLAW_GATEWAY_TOKEN"
                ),
                (
                    TokenSourceKind::ConfigEnvBlock,
                    "env.vars.OPENCLAW_GATEWAY_PASSWORD"
                ),
            ]
        );
        assert!(
            matches!(&sources[1].value, SecretValue::EnvSubstitution { variable } if variable == "SOME_VAR")
        );
        assert!(!format!("{sources:?}").contains("config-canary-token"));
    }

    #[test]
    fn plain_json_is_json() {
        let (_, format) = parse(r#"{"gateway": {"mode": "local"}}"#).unwrap();
        assert_eq!(format, ConfigFormat::Json);
    }

    #[test]
    fn broken_config_is_a_problem() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("openclaw.json");
        std::fs::write(&p, "{ gateway: { mode: 'local' ").unwrap();
        let c = load(&p, "openclaw.json");
        assert!(c.info.exists && c.info.parse_error.is_some());
        assert_eq!(c.problems[0].kind, ProblemKind::NotJson);
        std::fs::write(&p, "[1, 2]").unwrap();
        assert_eq!(
            load(&p, "openclaw.json").problems[0].kind,
            ProblemKind::WrongType
        );
    }

    #[test]
    fn secret_values() {
        assert!(matches!(
            secret_value(&serde_json::json!({"source": "env", "id": "TOK"})),
            SecretValue::SecretRef { .. }
        ));
        assert!(matches!(
            secret_value(&serde_json::json!(5)),
            SecretValue::Other { .. }
        ));
        assert!(matches!(
            secret_value(&serde_json::json!("a ${B} c")),
            SecretValue::Literal { .. }
        ));
    }

    #[test]
    fn key_paths_of_the_checked_levels() {
        let (doc, _) = parse(
            r#"{ gateway: { mode: 'local', auth: { token: 't', pairing: 'disabled' },
                 localExec: { requirePairing: false }, controlUi: { allowInsecureAuth: true } },
                 hooks: { token: 'h' }, telemetry: {} }"#,
        )
        .unwrap();
        assert_eq!(
            key_paths(&doc),
            [
                "gateway",
                "hooks",
                "telemetry",
                "gateway.mode",
                "gateway.auth",
                "gateway.localExec",
                "gateway.controlUi",
                "gateway.auth.token",
                "gateway.auth.pairing",
                "hooks.token",
            ]
        );
        let (doc, _) = parse(r#"{ gateway: 'x', hooks: [1] }"#).unwrap();
        assert_eq!(key_paths(&doc), ["gateway", "hooks"]);
    }

    #[test]
    fn includes_detected() {
        let (doc, _) = parse(r#"{"$include": "./other.json5"}"#).unwrap();
        assert!(facts(&doc).has_includes);
    }
}
