//! Which names carry gateway credentials, how a raw value becomes a `SecretValue`, and how a
//! command line is scanned for `--token`/`--password` (and `NAME=value` prefixes) and redacted.

use crate::model::{CredentialKind, SecretValue};
use crate::secret::Secret;

/// What replaces a credential in a command line claw-doctor returns.
pub(super) const REDACTED: &str = "<redacted>";

const CREDENTIAL_VARS: [(&str, CredentialKind); 4] = [
    ("OPENCLAW_GATEWAY_TOKEN", CredentialKind::Token),
    ("OPENCLAW_GATEWAY_PASSWORD", CredentialKind::Password),
    ("CLAWDBOT_GATEWAY_TOKEN", CredentialKind::Token),
    ("CLAWDBOT_GATEWAY_PASSWORD", CredentialKind::Password),
];

/// Non-secret variables a service may set that decide which state it serves. Only these are
/// copied into `ServiceUnit.environment`.
const SERVICE_ENV_KEYS: [&str; 15] = [
    "CLAWDBOT_CONFIG_PATH",
    "CLAWDBOT_STATE_DIR",
    "HOME",
    "OPENCLAW_CONFIG_PATH",
    "OPENCLAW_GATEWAY_PORT",
    "OPENCLAW_HOME",
    "OPENCLAW_LAUNCHD_LABEL",
    "OPENCLAW_PROFILE",
    "OPENCLAW_SERVICE_KIND",
    "OPENCLAW_SERVICE_MARKER",
    "OPENCLAW_SERVICE_VERSION",
    "OPENCLAW_STATE_DIR",
    "OPENCLAW_SYSTEMD_UNIT",
    "OPENCLAW_WINDOWS_TASK_NAME",
    "USERPROFILE",
];

/// The canonical name and kind when `name` is a gateway credential variable. Windows
/// environments compare names without case.
pub(super) fn credential_var(
    name: &str,
    ignore_case: bool,
) -> Option<(&'static str, CredentialKind)> {
    CREDENTIAL_VARS
        .iter()
        .find(|(n, _)| {
            if ignore_case {
                n.eq_ignore_ascii_case(name)
            } else {
                *n == name
            }
        })
        .copied()
}

/// The canonical name when `name` is a service selector variable worth keeping.
pub(super) fn service_env_key(name: &str, ignore_case: bool) -> Option<&'static str> {
    SERVICE_ENV_KEYS
        .iter()
        .find(|n| {
            if ignore_case {
                n.eq_ignore_ascii_case(name)
            } else {
                **n == name
            }
        })
        .copied()
}

/// Whether a variable name suggests a secret (kept out of everything that is not a `Secret`).
pub(super) fn looks_secret(name: &str) -> bool {
    let up = name.to_ascii_uppercase();
    [
        "TOKEN",
        "PASSWORD",
        "PASSWD",
        "SECRET",
        "KEY",
        "CREDENTIAL",
        "COOKIE",
        "PRIVATE",
        "AUTH",
    ]
    .iter()
    .any(|w| up.contains(w))
}

fn is_ident(s: &str) -> bool {
    let mut b = s.bytes();
    b.next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == b'_')
        && b.all(|c| c.is_ascii_alphanumeric() || c == b'_')
}

/// The variable a whole-value reference names: `${NAME}`, `${NAME:-default}`, `$NAME`, `%NAME%`.
fn reference(value: &str) -> Option<String> {
    let t = value.trim();
    if let Some(inner) = t.strip_prefix("${").and_then(|s| s.strip_suffix('}')) {
        let end = inner
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(inner.len());
        let (name, rest) = inner.split_at(end);
        if is_ident(name) && (rest.is_empty() || rest.starts_with(':') || rest.starts_with('-')) {
            return Some(name.to_string());
        }
        return None;
    }
    if let Some(name) = t.strip_prefix('$').filter(|n| is_ident(n)) {
        return Some(name.to_string());
    }
    if let Some(name) = t
        .strip_prefix('%')
        .and_then(|s| s.strip_suffix('%'))
        .filter(|n| is_ident(n))
    {
        return Some(name.to_string());
    }
    None
}

/// A value read from a file: a whole-value variable reference, or a literal.
pub(super) fn file_value(raw: &str) -> SecretValue {
    match reference(raw) {
        Some(variable) => SecretValue::EnvSubstitution { variable },
        None => SecretValue::Literal {
            value: Secret::new(raw),
        },
    }
}

/// A credential found on a command line: the flag (`--token`) or variable name, and its value.
#[derive(Debug)]
pub(super) struct ArgCredential {
    /// Index of the top-level argument that holds the value.
    pub index: usize,
    pub name: String,
    pub credential: CredentialKind,
    pub value: String,
}

fn flag_kind(arg: &str) -> Option<CredentialKind> {
    match arg {
        "--token" => Some(CredentialKind::Token),
        "--password" => Some(CredentialKind::Password),
        _ => None,
    }
}

/// Credentials on a command line, and the arguments with each credential replaced by
/// [`REDACTED`]. An argument holding a shell script (`sh -c "... --token X"`) is split into
/// words and, if it holds a credential, rebuilt from the redacted words.
pub(super) fn scan_args(args: &[String], ignore_case: bool) -> (Vec<ArgCredential>, Vec<String>) {
    scan(args, ignore_case, true)
}

fn scan(args: &[String], ignore_case: bool, top: bool) -> (Vec<ArgCredential>, Vec<String>) {
    let mut found = Vec::new();
    let mut out = Vec::with_capacity(args.len());
    let mut i = 0;
    while i < args.len() {
        let index = i;
        let arg = &args[i];
        i += 1;
        if let Some(credential) = flag_kind(arg) {
            out.push(arg.clone());
            if let Some(value) = args.get(i) {
                found.push(ArgCredential {
                    index: i,
                    name: arg.clone(),
                    credential,
                    value: value.clone(),
                });
                out.push(REDACTED.to_string());
                i += 1;
            }
            continue;
        }
        // Only a command line's own arguments are scripts; the words of a script are not split again.
        if top
            && arg
                .chars()
                .any(|c| c.is_whitespace() || matches!(c, ';' | '&' | '|'))
        {
            let words = shell_words(arg);
            if words.len() > 1 {
                let (inner, redacted) = scan(&words, ignore_case, false);
                if !inner.is_empty() {
                    found.extend(inner.into_iter().map(|c| ArgCredential { index, ..c }));
                    out.push(join_args(&redacted));
                    continue;
                }
            }
        }
        if let Some((head, value)) = arg.split_once('=') {
            if let Some(credential) = flag_kind(head) {
                found.push(ArgCredential {
                    index,
                    name: head.to_string(),
                    credential,
                    value: value.to_string(),
                });
                out.push(format!("{head}={REDACTED}"));
                continue;
            }
            if let Some((name, credential)) = credential_var(head, ignore_case) {
                found.push(ArgCredential {
                    index,
                    name: name.to_string(),
                    credential,
                    value: value.to_string(),
                });
                out.push(format!("{head}={REDACTED}"));
                continue;
            }
        }
        out.push(arg.clone());
    }
    (found, out)
}

/// Splits a shell script loosely: whitespace separates words, `'` and `"` quote, `\` escapes,
/// and `;`, `&`, `|` are words of their own.
fn shell_words(s: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut has = false;
    let mut quote: Option<char> = None;
    let mut it = s.chars();
    while let Some(c) = it.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('"'), '\\') | (None, '\\') => {
                if let Some(n) = it.next() {
                    cur.push(n);
                }
            }
            (Some(_), c) => cur.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                has = true;
            }
            (None, c) if c.is_whitespace() || matches!(c, ';' | '&' | '|') => {
                if has || !cur.is_empty() {
                    words.push(std::mem::take(&mut cur));
                    has = false;
                }
                if !c.is_whitespace() {
                    words.push(c.to_string());
                }
            }
            (None, c) => cur.push(c),
        }
    }
    if has || !cur.is_empty() {
        words.push(cur);
    }
    words
}

/// Joins arguments for display, double-quoting those that need it.
pub(super) fn join_args(args: &[String]) -> String {
    args.iter()
        .map(|a| {
            if !a.is_empty()
                && !a
                    .chars()
                    .any(|c| c.is_whitespace() || matches!(c, '"' | '\''))
            {
                a.clone()
            } else {
                format!("\"{}\"", a.replace('\\', "\\\\").replace('"', "\\\""))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn credential_names() {
        assert_eq!(
            credential_var("OPENCLAW_GATEWAY_TOKEN", false),
            Some(("OPENCLAW_GATEWAY_TOKEN", CredentialKind::Token))
        );
        assert_eq!(
            credential_var("CLAWDBOT_GATEWAY_TOKEN", false).map(|c| c.1),
            Some(CredentialKind::Token)
        );
        assert_eq!(
            credential_var("OPENCLAW_GATEWAY_PASSWORD", false).map(|c| c.1),
            Some(CredentialKind::Password)
        );
        assert_eq!(credential_var("openclaw_gateway_token", false), None);
        assert_eq!(
            credential_var("openclaw_gateway_token", true).map(|c| c.0),
            Some("OPENCLAW_GATEWAY_TOKEN")
        );
        assert_eq!(credential_var("OPENCLAW_HOOKS_TOKEN", false), None);
        assert!(looks_secret("OPENCLAW_HOOKS_TOKEN") && looks_secret("OPENAI_API_KEY"));
        assert!(!looks_secret("OPENCLAW_STATE_DIR"));
        assert_eq!(
            service_env_key("openclaw_state_dir", true),
            Some("OPENCLAW_STATE_DIR")
        );
        assert_eq!(service_env_key("OPENCLAW_GATEWAY_TOKEN", true), None);
    }

    #[test]
    fn references_become_substitutions() {
        let var = |s: &str| match file_value(s) {
            SecretValue::EnvSubstitution { variable } => Some(variable),
            _ => None,
        };
        assert_eq!(var("${OTHER_VAR}").as_deref(), Some("OTHER_VAR"));
        assert_eq!(var("${OTHER:-x}").as_deref(), Some("OTHER"));
        assert_eq!(var("$OTHER").as_deref(), Some("OTHER"));
        assert_eq!(var("%OTHER%").as_deref(), Some("OTHER"));
        for lit in [
            "abc", "${}", "${1X}", "$", "pre${X}", "${X}post", "$X Y", "%%",
        ] {
            assert!(var(lit).is_none(), "{lit}");
            assert_eq!(
                file_value(lit)
                    .literal()
                    .map(|s| s.expose().to_string())
                    .as_deref(),
                Some(lit)
            );
        }
    }

    #[test]
    fn scans_and_redacts_flags() {
        let (found, out) = scan_args(
            &v(&[
                "/usr/bin/node",
                "index.js",
                "gateway",
                "--token",
                "tok1",
                "--password=pw1",
                "--port",
                "18789",
            ]),
            false,
        );
        assert_eq!(found.len(), 2);
        assert_eq!(
            (
                found[0].name.as_str(),
                found[0].value.as_str(),
                found[0].credential
            ),
            ("--token", "tok1", CredentialKind::Token)
        );
        assert_eq!(
            (
                found[1].name.as_str(),
                found[1].value.as_str(),
                found[1].credential
            ),
            ("--password", "pw1", CredentialKind::Password)
        );
        assert_eq!(
            join_args(&out),
            "/usr/bin/node index.js gateway --token <redacted> --password=<redacted> --port 18789"
        );
        // A trailing --token without a value is not a credential.
        assert!(scan_args(&v(&["gateway", "--token"]), false).0.is_empty());
    }

    #[test]
    fn scans_env_prefixes_and_shell_scripts() {
        let (found, out) = scan_args(
            &v(&[
                "/usr/bin/env",
                "OPENCLAW_GATEWAY_TOKEN=tok2",
                "node",
                "x.js",
            ]),
            false,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].name, "OPENCLAW_GATEWAY_TOKEN");
        assert!(!join_args(&out).contains("tok2"));
        let script =
            "export OPENCLAW_GATEWAY_TOKEN='tok 3'; exec node x.js gateway --token \"tok4\"";
        let (found, out) = scan_args(&v(&["/bin/sh", "-c", script]), false);
        let values: Vec<&str> = found.iter().map(|f| f.value.as_str()).collect();
        assert_eq!(values, ["tok 3", "tok4"]);
        let shown = join_args(&out);
        assert!(
            !shown.contains("tok 3") && !shown.contains("tok4"),
            "{shown}"
        );
        assert!(shown.contains("exec node x.js gateway"), "{shown}");
    }

    #[test]
    fn joins_with_quotes() {
        assert_eq!(
            join_args(&v(&["a b", "", "c\"d", "e", "C:\\x", "C:\\a b"])),
            r#""a b" "" "c\"d" e C:\x "C:\\a b""#
        );
    }
}
