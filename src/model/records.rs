//! Pairing records, pending requests, identities and cached tokens, whichever store held them.

use super::StoreKind;
use crate::secret::Secret;
use serde::Serialize;

/// How a `publicKey` string is encoded. OpenClaw compares keys as unpadded base64url of the raw
/// 32-byte Ed25519 key, by exact string: any other form makes the device look unpaired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeyForm {
    Base64UrlRaw,
    /// Standard base64 (with `+`/`/` or `=` padding) of the raw key.
    OtherBase64,
    Pem,
    Invalid,
}

/// One role's token inside a paired record (`tokens.<role>`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceToken {
    /// The map key.
    pub role: String,
    /// The `role` field inside, when it differs from or lacks the key.
    pub declared_role: Option<String>,
    pub token: Option<Secret>,
    pub scopes: Option<Vec<String>>,
    pub created_at_ms: Option<i64>,
    pub rotated_at_ms: Option<i64>,
    pub revoked_at_ms: Option<i64>,
    pub last_used_at_ms: Option<i64>,
}

impl DeviceToken {
    pub fn is_active(&self) -> bool {
        self.revoked_at_ms.is_none()
    }
}

/// A paired device (`devices/paired.json` entry or `device_pairing_paired` row).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PairedDevice {
    pub store: StoreKind,
    /// True when the store it came from is the one the gateway reads.
    pub live: bool,
    /// `devices/paired.json` or `state/openclaw.sqlite:device_pairing_paired`.
    pub location: String,
    /// The object key (JSON) or primary key (SQLite); in the legacy array form, the index.
    pub key: String,
    pub device_id: Option<String>,
    pub public_key: Option<String>,
    pub public_key_form: Option<KeyForm>,
    /// sha256 of the decoded public key: what the deviceId must be.
    pub key_device_id: Option<String>,
    pub display_name: Option<String>,
    pub operator_label: Option<String>,
    pub platform: Option<String>,
    pub device_family: Option<String>,
    pub client_id: Option<String>,
    pub client_mode: Option<String>,
    pub browser_origin: Option<String>,
    pub role: Option<String>,
    pub roles: Option<Vec<String>>,
    pub scopes: Option<Vec<String>>,
    pub approved_scopes: Option<Vec<String>>,
    pub tokens: Option<Vec<DeviceToken>>,
    pub remote_ip: Option<String>,
    pub approved_via: Option<String>,
    pub created_at_ms: Option<i64>,
    pub approved_at_ms: Option<i64>,
    pub last_seen_at_ms: Option<i64>,
    pub last_seen_reason: Option<String>,
    /// Fields only pending requests carry (`requestId`, `ts`, `isRepair`, `silent`,
    /// `refreshedAtMs`): a request pasted into the paired store by hand (S21).
    pub pending_fields: Vec<String>,
    /// Fields present with the wrong type, or other per-record defects, as `field: what`.
    pub defects: Vec<String>,
}

/// A pending pairing request (`devices/pending.json` entry or `device_pairing_pending` row).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingRequest {
    pub store: StoreKind,
    pub live: bool,
    pub location: String,
    pub key: String,
    pub request_id: Option<String>,
    pub device_id: Option<String>,
    pub public_key: Option<String>,
    pub public_key_form: Option<KeyForm>,
    pub key_device_id: Option<String>,
    pub display_name: Option<String>,
    pub platform: Option<String>,
    pub device_family: Option<String>,
    pub client_id: Option<String>,
    pub client_mode: Option<String>,
    pub browser_origin: Option<String>,
    pub role: Option<String>,
    pub roles: Option<Vec<String>>,
    pub scopes: Option<Vec<String>>,
    pub remote_ip: Option<String>,
    pub silent: Option<bool>,
    pub is_repair: Option<bool>,
    pub ts: Option<i64>,
    pub refreshed_at_ms: Option<i64>,
    pub defects: Vec<String>,
}

impl PendingRequest {
    /// OpenClaw (2026.3+) measures the 5-minute TTL from the last retry.
    pub fn last_activity_ms(&self) -> Option<i64> {
        self.refreshed_at_ms.or(self.ts)
    }
}

/// A setup-code (bootstrap) token for mobile pairing (`devices/bootstrap.json`, keyed by the
/// token itself, or `device_bootstrap_tokens`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BootstrapToken {
    pub store: StoreKind,
    pub live: bool,
    pub location: String,
    pub token: Secret,
    pub issued_at_ms: Option<i64>,
    /// The device the token was bound to when first redeemed.
    pub device_id: Option<String>,
}

/// A node capability pairing (`nodes/paired.json`): separate from device pairing, it never
/// gates the WebSocket handshake.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodePairing {
    pub location: String,
    pub key: String,
    pub pending: bool,
    pub node_id: Option<String>,
    pub display_name: Option<String>,
    pub platform: Option<String>,
    pub token: Option<Secret>,
}

/// Which writer produced an identity record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum IdentitySchema {
    /// `{version, deviceId, publicKeyPem, privateKeyPem, createdAtMs}`.
    Cli,
    /// The macOS app's `{deviceId, publicKey, privateKey, createdAtMs}`.
    MacApp,
    /// A `device_identities` row.
    SqliteRow,
    Unknown,
}

/// This state dir's own device identity (shared by the CLI, TUI and gateway backend clients).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Identity {
    pub store: StoreKind,
    pub live: bool,
    pub location: String,
    pub schema: IdentitySchema,
    /// `identity_key` of a SQLite row (normally `primary`).
    pub identity_key: Option<String>,
    pub stored_device_id: Option<String>,
    /// sha256 of the raw public key, recomputed here.
    pub computed_device_id: Option<String>,
    /// The raw public key as unpadded base64url: the form paired records hold.
    pub public_key: Option<String>,
    pub private_key: Option<Secret>,
    /// Whether the private key derives the public key (None when either is unparsable).
    pub private_key_matches: Option<bool>,
    pub created_at_ms: Option<i64>,
    pub defects: Vec<String>,
}

impl Identity {
    /// The deviceId the gateway will see: the one derived from the key, else the stored one.
    pub fn device_id(&self) -> Option<&str> {
        self.computed_device_id
            .as_deref()
            .or(self.stored_device_id.as_deref())
    }

    pub fn is_valid(&self) -> bool {
        self.defects.is_empty()
            && self.computed_device_id.is_some()
            && self.computed_device_id == self.stored_device_id
            && self.private_key_matches != Some(false)
    }
}

/// One cached device token on the client side.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CachedToken {
    pub role: String,
    pub token: Option<Secret>,
    pub scopes: Option<Vec<String>>,
    pub updated_at_ms: Option<i64>,
}

/// The client's token cache (`identity/device-auth.json` or `device_auth_tokens` rows of one device).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenCache {
    pub store: StoreKind,
    pub live: bool,
    pub location: String,
    pub device_id: Option<String>,
    pub entries: Vec<CachedToken>,
    pub defects: Vec<String>,
}

/// Records that come from one of the two stores and may or may not be the live copy.
pub trait Stored {
    fn store(&self) -> StoreKind;
    fn live_mut(&mut self) -> &mut bool;
}

macro_rules! stored {
    ($($t:ty),*) => {$(
        impl Stored for $t {
            fn store(&self) -> StoreKind {
                self.store
            }
            fn live_mut(&mut self) -> &mut bool {
                &mut self.live
            }
        }
    )*};
}
stored!(
    PairedDevice,
    PendingRequest,
    BootstrapToken,
    Identity,
    TokenCache
);
