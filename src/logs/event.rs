//! Typed log events produced by the scanner.

use jiff::Timestamp;
use serde::{Serialize, Serializer};

/// What a log line told us. Only lines that matter for device pairing (and
/// the things users confuse with it) become events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum EventKind {
    /// A socket rejected with close 1008 because the device needs (re)approval.
    PairingRequired,
    /// `security audit: device access upgrade requested reason=role-upgrade|scope-upgrade ...`
    AccessUpgrade,
    /// `security audit: device metadata upgrade requested reason=metadata-upgrade ...`
    MetadataUpgrade,
    /// Shared-secret / device-token failures (`unauthorized conn=...`, `reason=unauthorized: ...` closes).
    Unauthorized,
    /// `Proxy headers detected from untrusted address ...` (2026.7 and older).
    UntrustedProxy,
    /// `observed unattributable proxy-shaped traffic from <addr>` (2026.8+).
    UnattributableProxy,
    /// `Loopback connection with non-local Host header ...`
    NonLocalHost,
    /// `device identity required` closes / `control ui requires device identity`.
    DeviceIdentityRequired,
    /// Pairing / identity store migration problems (SQLite era).
    MigrationFailed,
    /// `device pairing auto-approved device=<id> role=<role>`.
    AutoApproved,
    /// An approval (or token revoke/rotate) refused because the caller lacks a scope or
    /// does not own the device: gateway `device pairing approval denied request=.. reason=..`,
    /// `device token revocation|rotation denied device=.. reason=caller-missing-scope scope=..`,
    /// `res ✗ device.pair.approve .. errorMessage=missing scope: ..`; client
    /// `GatewayClientRequestError: missing scope: operator.admin`,
    /// `This device can't approve its own scope upgrade. ...`.
    ApprovalRefused,
}

impl EventKind {
    /// Every kind, in the canonical (sort) order.
    pub const ALL: [EventKind; 11] = [
        EventKind::PairingRequired,
        EventKind::AccessUpgrade,
        EventKind::MetadataUpgrade,
        EventKind::Unauthorized,
        EventKind::UntrustedProxy,
        EventKind::UnattributableProxy,
        EventKind::NonLocalHost,
        EventKind::DeviceIdentityRequired,
        EventKind::MigrationFailed,
        EventKind::AutoApproved,
        EventKind::ApprovalRefused,
    ];

    /// The camelCase name used in JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::PairingRequired => "pairingRequired",
            EventKind::AccessUpgrade => "accessUpgrade",
            EventKind::MetadataUpgrade => "metadataUpgrade",
            EventKind::Unauthorized => "unauthorized",
            EventKind::UntrustedProxy => "untrustedProxy",
            EventKind::UnattributableProxy => "unattributableProxy",
            EventKind::NonLocalHost => "nonLocalHost",
            EventKind::DeviceIdentityRequired => "deviceIdentityRequired",
            EventKind::MigrationFailed => "migrationFailed",
            EventKind::AutoApproved => "autoApproved",
            EventKind::ApprovalRefused => "approvalRefused",
        }
    }
}

impl std::fmt::Display for EventKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Log level as written by tslog (`_meta.logLevelName`) or a console prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub enum Level {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
    Fatal,
    /// Not written on the line (plain console output).
    #[default]
    Unknown,
}

impl Level {
    /// Parses `WARN`, `warn`, `Warning`, ... ; `None` when it is not a level word.
    pub fn parse(s: &str) -> Option<Level> {
        let s = s.trim();
        Some(match s.len() {
            4 if s.eq_ignore_ascii_case("info") => Level::Info,
            4 if s.eq_ignore_ascii_case("warn") => Level::Warn,
            5 if s.eq_ignore_ascii_case("trace") => Level::Trace,
            5 if s.eq_ignore_ascii_case("debug") => Level::Debug,
            5 if s.eq_ignore_ascii_case("error") => Level::Error,
            5 if s.eq_ignore_ascii_case("fatal") => Level::Fatal,
            7 if s.eq_ignore_ascii_case("warning") => Level::Warn,
            _ => return None,
        })
    }
}

/// Which side of the connection wrote the line: the gateway rejecting a
/// socket, or a client (CLI/TUI) reporting the close it received.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub enum Side {
    #[default]
    Gateway,
    Client,
}

impl Side {
    pub(crate) fn is_gateway(&self) -> bool {
        matches!(self, Side::Gateway)
    }
}

/// The kind-specific data of an event. Every field is optional: which ones are
/// filled depends on the kind and on what the line carried.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventFields {
    /// pairingRequired: not-paired | role-upgrade | scope-upgrade | metadata-upgrade
    /// (or `unknown` for the bare pre-2026.4 `pairing required`);
    /// accessUpgrade / metadataUpgrade: the audit `reason=`;
    /// unauthorized: the internal code (`token_mismatch`, `device_token_mismatch`, ...);
    /// approvalRefused: `missing-scope` | `caller-missing-scope` | `device-ownership-mismatch` |
    /// `role-management-requires-admin` | `own-scope-upgrade`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    /// May be truncated (close reasons are cut at 123 bytes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Connection id (`conn=`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conn: Option<String>,
    /// Socket peer address (`remote=`, `remoteAddr`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote: Option<String>,
    /// X-Forwarded-For as logged (`fwd=`), `None` for `n/a`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fwd: Option<String>,
    /// Host header.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    /// Close code (`code=1008`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<u16>,
    /// Client id (`client=cli`, `openclaw-control-ui`, `gateway-client`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
    /// Client mode (`cli`, `webchat`, `backend`, `probe`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_mode: Option<String>,
    /// Client software version (`v2026.7.35` -> `2026.7.35`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_version: Option<String>,
    /// Auth method (`auth=token|password|device-token|none|...`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth: Option<String>,
    /// unauthorized: whether a device identity was presented (`device=yes|no`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// Audit `ip=` (resolved client ip, `unknown-ip` kept as written).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    /// autoApproved: approved role.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// `roleFrom=`; `<none>` becomes an empty string.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_to: Option<String>,
    /// `scopesFrom=` csv; `<none>` becomes an empty list.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scopes_from: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scopes_to: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claimed_platform: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pinned_platform: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claimed_device_family: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pinned_device_family: Option<String>,
    /// unattributableProxy / untrustedProxy: the proxy hop address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// migrationFailed: what failed (files, path, error text);
    /// approvalRefused: the missing scope (`operator.admin`), when the line names it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// One recognised log line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    pub kind: EventKind,
    /// Who wrote the line (the gateway, or a client reporting the close).
    pub side: Side,
    /// The time exactly as written on the line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    /// `time` parsed, when it is an RFC 3339 / ISO 8601 instant.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "serialize_opt_timestamp"
    )]
    pub timestamp: Option<Timestamp>,
    pub level: Level,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subsystem: Option<String>,
    /// Index of the file in the list given to `scan`.
    pub file: usize,
    /// 1-based line number in that file.
    pub line: u64,
    /// The message text, with ANSI and other terminal control characters removed.
    pub message: String,
    /// Kind-specific data (boxed: keeps `Event` small in the bounded group tables).
    #[serde(flatten)]
    pub fields: Box<EventFields>,
}

pub(crate) fn serialize_opt_timestamp<S: Serializer>(
    ts: &Option<Timestamp>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match ts {
        Some(t) => s.collect_str(t),
        None => s.serialize_none(),
    }
}
