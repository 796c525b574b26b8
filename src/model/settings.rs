//! The config file, the gateway token's other sources, and installed service units.

use crate::secret::Secret;
use crate::version::Version;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ConfigFormat {
    /// Plain JSON (what OpenClaw writes).
    Json,
    /// Needs JSON5 features: comments, trailing commas, unquoted keys, single quotes.
    Json5,
}

/// A config value that may be a secret: a literal, an `${ENV}` substitution or a SecretRef.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum SecretValue {
    Literal {
        value: Secret,
    },
    /// `"${OPENCLAW_GATEWAY_TOKEN}"`: resolved from the environment at startup.
    EnvSubstitution {
        variable: String,
    },
    /// `{source, provider, id}` objects (2026.3.7+).
    SecretRef {
        source: Option<String>,
        id: Option<String>,
    },
    /// Any other type (a number, `true`, ...): invalid.
    Other {
        json_type: String,
    },
}

impl SecretValue {
    pub fn literal(&self) -> Option<&Secret> {
        match self {
            SecretValue::Literal { value } => Some(value),
            _ => None,
        }
    }
}

/// The config facts rules need, each `None` when the key is absent.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigFacts {
    pub last_touched_version: Option<String>,
    pub gateway_mode: Option<String>,
    pub bind: Option<String>,
    pub custom_bind_host: Option<String>,
    pub port: Option<i64>,
    pub auth_mode: Option<String>,
    pub auth_token: Option<SecretValue>,
    pub auth_password: Option<SecretValue>,
    pub remote_url: Option<String>,
    pub remote_token: Option<SecretValue>,
    pub trusted_proxies: Option<Vec<String>>,
    pub allow_real_ip_fallback: Option<bool>,
    pub tls_enabled: Option<bool>,
    pub control_ui_allow_insecure_auth: Option<serde_json::Value>,
    pub control_ui_dangerously_disable_device_auth: Option<serde_json::Value>,
    pub auto_approve_local: Option<bool>,
    pub logging_file: Option<String>,
    pub hooks_token: Option<SecretValue>,
    /// Variable names set by the config's `env` block (values are in `token_sources` when secret).
    pub env_block_vars: Vec<String>,
    pub has_includes: bool,
    /// Dotted paths of the keys set directly under the objects `unknown-config-keys` checks
    /// (the root, `gateway`, `gateway.auth`, `hooks`), in document order.
    pub key_paths: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigInfo {
    pub path: PathBuf,
    pub exists: bool,
    pub format: Option<ConfigFormat>,
    /// Why the file could not be used, if it could not.
    pub parse_error: Option<String>,
    pub facts: ConfigFacts,
    /// Top-level keys, for unknown-key checks.
    pub top_level_keys: Vec<String>,
    /// The parsed document (JSON5 read, unknown keys kept). Never printed: it holds secrets.
    #[serde(skip)]
    pub document: Option<serde_json::Value>,
}

impl ConfigInfo {
    /// The value at a dotted path (`gateway.controlUi.allowInsecureAuth`).
    pub fn get(&self, dotted: &str) -> Option<&serde_json::Value> {
        let mut v = self.document.as_ref()?;
        for part in dotted.split('.') {
            v = v.as_object()?.get(part)?;
        }
        Some(v)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TokenSourceKind {
    /// `gateway.auth.token` in the config: what the gateway uses (config-first).
    ConfigAuth,
    /// `gateway.remote.token`: what clients use in remote mode.
    ConfigRemote,
    /// The config's `env` block.
    ConfigEnvBlock,
    /// The environment claw-doctor runs in (the user's shell).
    ProcessEnv,
    /// `<state>/.env`.
    StateDotEnv,
    /// `./.env` in the current directory.
    CwdDotEnv,
    /// `~/.config/openclaw/gateway.env`.
    GatewayEnvFile,
    /// `Environment=` in a systemd unit, or `--token` in its `ExecStart`.
    SystemdUnit,
    /// `EnvironmentVariables` in a launchd plist.
    LaunchdPlist,
    /// `<state>/gateway.cmd` (the Windows scheduled task script).
    WindowsTask,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CredentialKind {
    Token,
    Password,
}

/// One place a gateway credential is set.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenSource {
    pub kind: TokenSourceKind,
    pub credential: CredentialKind,
    /// `path:line` or `openclaw.json gateway.auth.token`.
    pub location: String,
    /// The variable or key (`OPENCLAW_GATEWAY_TOKEN`, `gateway.auth.token`, `--token`).
    pub name: String,
    pub value: SecretValue,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ServiceKind {
    Systemd,
    Launchd,
    WindowsTask,
}

/// An installed gateway service (unit file, plist, task script) found under the home dir.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceUnit {
    pub kind: ServiceKind,
    pub path: PathBuf,
    pub description: Option<String>,
    /// From `Description=OpenClaw Gateway (vX)` or `OPENCLAW_SERVICE_VERSION`.
    pub version: Option<Version>,
    pub exec_start: Option<String>,
    /// The `package.json` of the OpenClaw install the unit runs, if it could be found.
    pub package_json: Option<PathBuf>,
    pub package_version: Option<Version>,
    /// `OPENCLAW_STATE_DIR` / `OPENCLAW_PROFILE` set for the service.
    pub environment: BTreeMap<String, String>,
    /// Whether this is a legacy `clawdbot-gateway` unit.
    pub legacy: bool,
}
