//! Builds model records from JSON objects in OpenClaw's field names. The SQLite loader turns
//! rows into the same objects first, so both eras share this one mapping.

use super::fields::Fields;
use super::keys;
use crate::model::{
    CachedToken, DeviceToken, Identity, IdentitySchema, PairedDevice, PendingRequest, StoreKind,
    TokenCache,
};
use crate::secret::Secret;
use serde_json::{Map, Value};

/// Where a record sits: its store, whether that store is live, and its location text.
#[derive(Debug, Clone)]
pub struct Origin {
    pub store: StoreKind,
    pub live: bool,
    pub location: String,
}

fn key_facts(public_key: Option<&str>) -> (Option<crate::model::KeyForm>, Option<String>) {
    match public_key {
        None => (None, None),
        Some(k) => {
            let (form, raw) = keys::decode_public_key(k);
            (Some(form), raw.map(|r| keys::device_id_from_raw(&r)))
        }
    }
}

fn tokens(f: &mut Fields<'_>) -> Option<Vec<DeviceToken>> {
    let map = f.object("tokens")?;
    let mut out = Vec::new();
    for (role, v) in map {
        let Some(obj) = v.as_object() else {
            f.defects.push(format!(
                "tokens.{role}: expected object, found {}",
                super::fields::json_type(v)
            ));
            continue;
        };
        let mut t = Fields::new(obj);
        let token = DeviceToken {
            role: role.clone(),
            declared_role: t.str("role"),
            token: t.str("token").map(Secret::new),
            scopes: t.str_list("scopes"),
            created_at_ms: t.int("createdAtMs"),
            rotated_at_ms: t.int("rotatedAtMs"),
            revoked_at_ms: t.int("revokedAtMs"),
            last_used_at_ms: t.int("lastUsedAtMs"),
        };
        f.defects
            .extend(t.defects.into_iter().map(|d| format!("tokens.{role}.{d}")));
        out.push(token);
    }
    Some(out)
}

pub fn paired_device(origin: &Origin, key: &str, obj: &Map<String, Value>) -> PairedDevice {
    let mut f = Fields::new(obj);
    let public_key = f.str("publicKey");
    let (public_key_form, key_device_id) = key_facts(public_key.as_deref());
    let mut d = PairedDevice {
        store: origin.store,
        live: origin.live,
        location: origin.location.clone(),
        key: key.to_string(),
        device_id: f.str("deviceId"),
        public_key,
        public_key_form,
        key_device_id,
        display_name: f.str("displayName"),
        operator_label: f.str("operatorLabel"),
        platform: f.str("platform"),
        device_family: f.str("deviceFamily"),
        client_id: f.str("clientId"),
        client_mode: f.str("clientMode"),
        browser_origin: f.str("browserOrigin"),
        role: f.str("role"),
        roles: f.str_list("roles"),
        scopes: f.str_list("scopes"),
        approved_scopes: f.str_list("approvedScopes"),
        tokens: tokens(&mut f),
        remote_ip: f.str("remoteIp"),
        approved_via: f.str("approvedVia"),
        created_at_ms: f.int("createdAtMs"),
        approved_at_ms: f.int("approvedAtMs"),
        last_seen_at_ms: f.int("lastSeenAtMs"),
        last_seen_reason: f.str("lastSeenReason"),
        pending_fields: PENDING_ONLY
            .iter()
            .filter(|k| obj.contains_key(**k))
            .map(|k| k.to_string())
            .collect(),
        defects: Vec::new(),
    };
    d.defects = f.defects;
    d
}

/// Fields a pending request has and a paired record never has: their presence in the paired
/// store means a request was pasted there by hand (the SQLite import rejects it, S21).
const PENDING_ONLY: [&str; 5] = ["requestId", "ts", "isRepair", "silent", "refreshedAtMs"];

pub fn pending_request(origin: &Origin, key: &str, obj: &Map<String, Value>) -> PendingRequest {
    let mut f = Fields::new(obj);
    let public_key = f.str("publicKey");
    let (public_key_form, key_device_id) = key_facts(public_key.as_deref());
    let mut p = PendingRequest {
        store: origin.store,
        live: origin.live,
        location: origin.location.clone(),
        key: key.to_string(),
        request_id: f.str("requestId"),
        device_id: f.str("deviceId"),
        public_key,
        public_key_form,
        key_device_id,
        display_name: f.str("displayName"),
        platform: f.str("platform"),
        device_family: f.str("deviceFamily"),
        client_id: f.str("clientId"),
        client_mode: f.str("clientMode"),
        browser_origin: f.str("browserOrigin"),
        role: f.str("role"),
        roles: f.str_list("roles"),
        scopes: f.str_list("scopes"),
        remote_ip: f.str("remoteIp"),
        silent: f.bool("silent"),
        is_repair: f.bool("isRepair"),
        ts: f.int("ts"),
        refreshed_at_ms: f.int("refreshedAtMs"),
        defects: Vec::new(),
    };
    for required in ["requestId", "deviceId", "publicKey"] {
        if !f.has(required) {
            f.defects.push(format!("{required}: missing"));
        }
    }
    p.defects = f.defects;
    p
}

/// `identity/device.json` in either writer's schema, or a `device_identities` row turned into
/// the CLI schema's field names.
pub fn identity(origin: &Origin, obj: &Map<String, Value>, row_key: Option<&str>) -> Identity {
    let mut f = Fields::new(obj);
    let schema = if row_key.is_some() {
        IdentitySchema::SqliteRow
    } else if f.has("publicKeyPem") || f.has("privateKeyPem") {
        IdentitySchema::Cli
    } else if f.has("publicKey") || f.has("privateKey") {
        IdentitySchema::MacApp
    } else {
        IdentitySchema::Unknown
    };
    let stored_device_id = f.str("deviceId");
    let created_at_ms = f.int("createdAtMs");
    let mut defects = Vec::new();
    let (public, seed) = match schema {
        IdentitySchema::Cli | IdentitySchema::SqliteRow => {
            let public = f.str("publicKeyPem").and_then(|pem| {
                let raw = keys::public_key_from_pem(&pem);
                if raw.is_none() {
                    defects.push("publicKeyPem: not an Ed25519 SPKI PEM".to_string());
                }
                raw
            });
            let seed = f.str("privateKeyPem").map(|pem| {
                let seed = keys::private_seed_from_pem(&pem);
                if seed.is_none() {
                    defects.push("privateKeyPem: not an Ed25519 PKCS#8 PEM".to_string());
                }
                (seed, pem)
            });
            (public, seed)
        }
        IdentitySchema::MacApp => {
            let public = f.str("publicKey").and_then(|k| {
                let raw = keys::decode_public_key(&k).1;
                if raw.is_none() {
                    defects.push("publicKey: not a base64 Ed25519 key".to_string());
                }
                raw
            });
            let seed = f
                .str("privateKey")
                .map(|k| (keys::decode_private_seed_base64(&k), k));
            (public, seed)
        }
        IdentitySchema::Unknown => {
            defects.push(
                "no key fields (publicKeyPem/privateKeyPem or publicKey/privateKey)".to_string(),
            );
            (None, None)
        }
    };
    if public.is_none() && !matches!(schema, IdentitySchema::Unknown) && defects.is_empty() {
        defects.push("public key: missing".to_string());
    }
    let private_key_matches = match (&seed, public) {
        (Some((Some(seed), _)), Some(public)) => Some(keys::public_from_seed(seed) == public),
        _ => None,
    };
    if private_key_matches == Some(false) {
        defects.push("private key does not derive the public key".to_string());
    }
    if seed.is_none() && !matches!(schema, IdentitySchema::Unknown) {
        defects.push("private key: missing".to_string());
    }
    let computed_device_id = public.map(|p| keys::device_id_from_raw(&p));
    if let (Some(stored), Some(computed)) = (&stored_device_id, &computed_device_id)
        && stored != computed
    {
        defects.push("deviceId: does not equal sha256 of the public key".to_string());
    }
    if stored_device_id.is_none() {
        defects.push("deviceId: missing".to_string());
    }
    defects.extend(f.defects);
    Identity {
        store: origin.store,
        live: origin.live,
        location: origin.location.clone(),
        schema,
        identity_key: row_key.map(str::to_string),
        stored_device_id,
        computed_device_id,
        public_key: public.map(|p| keys::raw_to_base64url(&p)),
        private_key: seed.map(|(_, text)| Secret::new(text)),
        private_key_matches,
        created_at_ms,
        defects,
    }
}

/// One cached token entry (`tokens.<role>` of device-auth.json, or a `device_auth_tokens` row).
pub fn cached_token(
    role: &str,
    obj: &Map<String, Value>,
    defects: &mut Vec<String>,
) -> CachedToken {
    let mut f = Fields::new(obj);
    let t = CachedToken {
        role: role.to_string(),
        token: f.str("token").map(Secret::new),
        scopes: f.str_list("scopes"),
        updated_at_ms: f.int("updatedAtMs"),
    };
    defects.extend(f.defects.into_iter().map(|d| format!("tokens.{role}.{d}")));
    t
}

/// `identity/device-auth.json`: `{version, deviceId, tokens: {<role>: {...}}}`.
pub fn token_cache(origin: &Origin, obj: &Map<String, Value>) -> TokenCache {
    let mut f = Fields::new(obj);
    let device_id = f.str("deviceId");
    let mut defects = Vec::new();
    let entries = match f.object("tokens") {
        Some(map) => map
            .iter()
            .filter_map(|(role, v)| match v.as_object() {
                Some(o) => Some(cached_token(role, o, &mut defects)),
                None => {
                    defects.push(format!("tokens.{role}: expected object"));
                    None
                }
            })
            .collect(),
        None => Vec::new(),
    };
    defects.extend(f.defects);
    TokenCache {
        store: origin.store,
        live: origin.live,
        location: origin.location.clone(),
        device_id,
        entries,
        defects,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn origin() -> Origin {
        Origin {
            store: StoreKind::Json,
            live: true,
            location: "devices/paired.json".into(),
        }
    }

    #[test]
    fn real_paired_record_maps_every_field() {
        // 2026.7.35 lab capture (healthy), trimmed.
        let v = json!({
            "deviceId": "a12522e0d3d712beba4df8ce14e1b2969b87d62918688280b366dd7795732abb",
            "publicKey": "Qp54M7zpleCOSw0xIIbMN8CyvvZByjjj-LhZZwTk0Vk",
            "platform": "linux", "clientId": "cli", "clientMode": "cli",
            "role": "operator", "roles": ["operator"],
            "scopes": ["operator.write"], "approvedScopes": ["operator.write"],
            "tokens": {"operator": {"token": "K1SkJKxnI1-FpHGvEcbRKVPIga_bXOlBNurvNaf7Z0w", "role": "operator",
                        "scopes": ["operator.read", "operator.write"], "createdAtMs": 1795259238732u64}},
            "createdAtMs": 1795259238732u64, "approvedAtMs": 1795259238732u64,
            "lastSeenAtMs": 1795259243640u64, "lastSeenReason": "connect"
        });
        let d = paired_device(&origin(), "a12522e0", v.as_object().unwrap());
        assert!(d.defects.is_empty(), "{:?}", d.defects);
        assert_eq!(
            d.key_device_id.as_deref(),
            d.device_id.as_deref(),
            "the real key hashes to the real id"
        );
        assert_eq!(d.public_key_form, Some(crate::model::KeyForm::Base64UrlRaw));
        let tokens = d.tokens.unwrap();
        assert_eq!(tokens[0].role, "operator");
        assert_eq!(
            tokens[0].scopes.as_deref(),
            Some(&["operator.read".to_string(), "operator.write".to_string()][..])
        );
        assert!(tokens[0].is_active());
        assert_eq!(d.approved_scopes, Some(vec!["operator.write".to_string()]));
        assert_eq!(d.roles, Some(vec!["operator".to_string()]));
    }

    #[test]
    fn legacy_record_keeps_absent_fields_absent() {
        let v = json!({"deviceId": "x", "publicKey": "y", "scopes": [], "tokens": {"operator": "oops"}});
        let d = paired_device(&origin(), "x", v.as_object().unwrap());
        assert_eq!(d.roles, None);
        assert_eq!(d.scopes, Some(vec![]));
        assert_eq!(d.tokens.as_ref().map(Vec::len), Some(0));
        assert_eq!(d.public_key_form, Some(crate::model::KeyForm::Invalid));
        assert!(
            d.defects.iter().any(|x| x.starts_with("tokens.operator")),
            "{:?}",
            d.defects
        );
    }

    #[test]
    fn pending_shaped_paired_record_is_named() {
        // The shape of #134340: a pending request moved into paired.json by hand.
        let v = json!({"requestId": "r1", "deviceId": "d", "publicKey": "k", "isRepair": false, "ts": 5});
        let d = paired_device(&origin(), "d", v.as_object().unwrap());
        assert_eq!(d.pending_fields, vec!["requestId", "ts", "isRepair"]);
        assert_eq!(d.created_at_ms, None);
        let v = json!({"deviceId": "d", "publicKey": "k", "createdAtMs": 1, "approvedAtMs": 2});
        assert!(
            paired_device(&origin(), "d", v.as_object().unwrap())
                .pending_fields
                .is_empty()
        );
    }

    #[test]
    fn pending_reports_missing_required_fields() {
        let v = json!({"deviceId": 7, "scopes": ["operator.read"], "ts": 1});
        let p = pending_request(&origin(), "r1", v.as_object().unwrap());
        assert!(p.defects.contains(&"requestId: missing".to_string()));
        assert!(p.defects.contains(&"publicKey: missing".to_string()));
        assert!(
            p.defects
                .contains(&"deviceId: expected string, found number".to_string())
        );
        assert_eq!(p.last_activity_ms(), Some(1));
    }

    #[test]
    fn identity_cli_schema_recomputes_device_id() {
        let (public_pem, private_pem, public) = crate::load::keys::tests::sample_pems();
        let good_id = keys::device_id_from_raw(&public);
        let v = json!({"version": 1, "deviceId": good_id, "publicKeyPem": public_pem, "privateKeyPem": private_pem, "createdAtMs": 1});
        let id = identity(&origin(), v.as_object().unwrap(), None);
        assert_eq!(id.schema, IdentitySchema::Cli);
        assert!(id.is_valid(), "{:?}", id.defects);
        assert_eq!(id.private_key_matches, Some(true));

        let v = json!({"version": 1, "deviceId": "0".repeat(64), "publicKeyPem": public_pem, "privateKeyPem": private_pem});
        let id = identity(&origin(), v.as_object().unwrap(), None);
        assert!(!id.is_valid());
        assert_eq!(
            id.device_id(),
            Some(good_id.as_str()),
            "the gateway sees the key's id, not the stored one"
        );
    }

    #[test]
    fn identity_with_foreign_private_key_is_invalid() {
        let (public_pem, _, public) = crate::load::keys::tests::sample_pems();
        let other_seed = [2u8; 32];
        let mut der = vec![
            0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22,
            0x04, 0x20,
        ];
        der.extend_from_slice(&other_seed);
        use base64::Engine;
        let pem = format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            base64::engine::general_purpose::STANDARD.encode(der)
        );
        let v = json!({"deviceId": keys::device_id_from_raw(&public), "publicKeyPem": public_pem, "privateKeyPem": pem});
        let id = identity(&origin(), v.as_object().unwrap(), None);
        assert_eq!(id.private_key_matches, Some(false));
        assert!(!id.is_valid());
    }

    #[test]
    fn identity_mac_app_schema() {
        use base64::Engine;
        let (_, _, public) = crate::load::keys::tests::sample_pems();
        let b64 = base64::engine::general_purpose::STANDARD;
        let v = json!({"deviceId": keys::device_id_from_raw(&public), "publicKey": b64.encode(public), "privateKey": b64.encode([1u8; 32]), "createdAtMs": 5});
        let id = identity(&origin(), v.as_object().unwrap(), None);
        assert_eq!(id.schema, IdentitySchema::MacApp);
        assert!(id.is_valid(), "{:?}", id.defects);
    }

    #[test]
    fn token_cache_entries() {
        let v = json!({"version": 1, "deviceId": "d", "tokens": {"operator": {"token": "t", "role": "operator", "scopes": ["operator.read"], "updatedAtMs": 3}}});
        let c = token_cache(&origin(), v.as_object().unwrap());
        assert_eq!(c.device_id.as_deref(), Some("d"));
        assert_eq!(c.entries[0].updated_at_ms, Some(3));
        assert_eq!(c.entries[0].token.as_ref().map(Secret::expose), Some("t"));
    }
}
