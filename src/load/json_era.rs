//! The JSON-era stores (OpenClaw up to 2026.7.x): `devices/*.json`, `nodes/*.json`, `identity/*.json`.

use super::fsread::{STORE_LIMIT, parse_json, read_bounded};
use super::records::{self, Origin};
use crate::model::{
    BootstrapToken, Identity, LoadProblem, NodePairing, PairedDevice, PendingRequest, ProblemKind,
    StoreKind, TokenCache,
};
use crate::secret::Secret;
use serde_json::{Map, Value};
use std::path::Path;

pub const PAIRED: &str = "devices/paired.json";
pub const PENDING: &str = "devices/pending.json";
pub const BOOTSTRAP: &str = "devices/bootstrap.json";
pub const NODES_PAIRED: &str = "nodes/paired.json";
pub const NODES_PENDING: &str = "nodes/pending.json";
pub const IDENTITY: &str = "identity/device.json";
pub const DEVICE_AUTH: &str = "identity/device-auth.json";

const EMPTY_STORE: &str = "OpenClaw silently treats it as an empty store";

#[derive(Debug, Default)]
pub struct JsonStores {
    pub devices: Vec<PairedDevice>,
    pub pending: Vec<PendingRequest>,
    pub bootstrap: Vec<BootstrapToken>,
    pub nodes: Vec<NodePairing>,
    pub identity: Option<Identity>,
    pub token_cache: Option<TokenCache>,
    pub problems: Vec<LoadProblem>,
    /// True when any pairing or identity file exists (parsable or not).
    pub present: bool,
}

/// Reads one JSON file; problems go to `problems`, absence is `None`.
fn read_doc(
    state_dir: &Path,
    rel: &str,
    problems: &mut Vec<LoadProblem>,
    present: &mut bool,
) -> Option<Value> {
    let path = state_dir.join(rel);
    let read = read_bounded(&path, rel, STORE_LIMIT);
    if !matches!(read, Ok(None)) {
        *present = true;
    }
    // From about 2026.4.26 the device pairing store is read strictly (invalid JSON throws
    // JsonFileReadError on every read, #122822); earlier releases read it as `{}` (#71873).
    let consequence = match rel {
        PAIRED | PENDING => "OpenClaw 2026.4.26+ fails every pairing read on it with JsonFileReadError (the client sees close 1000, no request is created); older releases read it as empty, so every device looked unpaired".to_string(),
        IDENTITY => {
            "OpenClaw silently generates a new identity over it: a new deviceId that is not paired"
                .to_string()
        }
        DEVICE_AUTH => "OpenClaw ignores the cached device tokens".to_string(),
        _ => EMPTY_STORE.to_string(),
    };
    let bytes = match read {
        Ok(Some(b)) => b,
        Ok(None) => return None,
        Err(p) => {
            problems.push(p.with_consequence(consequence));
            return None;
        }
    };
    match parse_json(&bytes, rel) {
        Ok(v) => Some(v),
        Err(p) => {
            problems.push(p.with_consequence(consequence));
            None
        }
    }
}

/// The object form every store must have. Arrays and scalars are what OpenClaw reads as `{}`.
fn as_store<'a>(
    v: &'a Value,
    rel: &str,
    problems: &mut Vec<LoadProblem>,
) -> Option<&'a Map<String, Value>> {
    match v {
        Value::Object(m) => Some(m),
        other => {
            let kind = super::fields::json_type(other);
            problems.push(
                LoadProblem::new(
                    rel,
                    ProblemKind::WrongType,
                    format!("expected an object keyed by id, found {kind}"),
                )
                .with_consequence(format!("{EMPTY_STORE}: every record in it is ignored")),
            );
            None
        }
    }
}

fn invalid_entry(rel: &str, key: &str, v: &Value) -> LoadProblem {
    LoadProblem::new(
        rel,
        ProblemKind::InvalidRecord,
        format!(
            "entry {key:?} is {}, not an object",
            super::fields::json_type(v)
        ),
    )
}

/// One `pending.json` entry. A non-object entry still becomes a (field-less) record so the
/// malformed-entry rule can name it and a repair can remove it by its key.
fn pending_entry(origin: &Origin, key: &str, v: &Value) -> PendingRequest {
    let empty = Map::new();
    let mut p = records::pending_request(origin, key, v.as_object().unwrap_or(&empty));
    if !v.is_object() {
        p.defects = vec![format!(
            "entry: expected an object, found {}",
            super::fields::json_type(v)
        )];
    } else if p.request_id.as_deref().is_some_and(|id| id != key) {
        // `devices approve <requestId>` looks the request up by its key.
        p.defects
            .push("requestId: differs from its key".to_string());
    }
    p
}

pub fn load(state_dir: &Path, live: bool) -> JsonStores {
    let mut s = JsonStores::default();
    let origin = |rel: &str| Origin {
        store: StoreKind::Json,
        live,
        location: rel.to_string(),
    };

    if let Some(doc) = read_doc(state_dir, PAIRED, &mut s.problems, &mut s.present) {
        match &doc {
            // The pre-2026.1 array form: OpenClaw reads it as empty; keep the records for repair.
            Value::Array(items) => {
                s.problems.push(
                    LoadProblem::new(
                        PAIRED,
                        ProblemKind::LegacyArray,
                        "legacy array form, not an object keyed by deviceId",
                    )
                    .with_consequence(format!(
                        "{EMPTY_STORE}: every device looks unpaired, and the next pairing write replaces the array"
                    )),
                );
                for (i, item) in items.iter().enumerate() {
                    match item.as_object() {
                        Some(o) => {
                            let mut d = records::paired_device(&origin(PAIRED), &i.to_string(), o);
                            d.live = false;
                            s.devices.push(d);
                        }
                        None => s.problems.push(invalid_entry(PAIRED, &i.to_string(), item)),
                    }
                }
            }
            _ => {
                if let Some(map) = as_store(&doc, PAIRED, &mut s.problems) {
                    for (k, v) in map {
                        match v.as_object() {
                            Some(o) => {
                                s.devices
                                    .push(records::paired_device(&origin(PAIRED), k, o))
                            }
                            None => s.problems.push(invalid_entry(PAIRED, k, v)),
                        }
                    }
                }
            }
        }
    }

    if let Some(doc) = read_doc(state_dir, PENDING, &mut s.problems, &mut s.present)
        && let Some(map) = as_store(&doc, PENDING, &mut s.problems)
    {
        for (k, v) in map {
            s.pending.push(pending_entry(&origin(PENDING), k, v));
            if !v.is_object() {
                s.problems.push(invalid_entry(PENDING, k, v));
            }
        }
    }

    if let Some(doc) = read_doc(state_dir, BOOTSTRAP, &mut s.problems, &mut s.present)
        && let Some(map) = as_store(&doc, BOOTSTRAP, &mut s.problems)
    {
        for (k, v) in map {
            let obj = v.as_object();
            s.bootstrap.push(BootstrapToken {
                store: StoreKind::Json,
                live,
                location: BOOTSTRAP.to_string(),
                token: Secret::new(k.clone()),
                issued_at_ms: obj
                    .and_then(|o| o.get("issuedAtMs").or_else(|| o.get("ts")))
                    .and_then(Value::as_i64),
                device_id: obj
                    .and_then(|o| o.get("deviceId"))
                    .and_then(Value::as_str)
                    .map(str::to_string),
            });
        }
    }

    for (rel, pending) in [(NODES_PAIRED, false), (NODES_PENDING, true)] {
        let mut ignored = false;
        if let Some(doc) = read_doc(state_dir, rel, &mut s.problems, &mut ignored)
            && let Some(map) = as_store(&doc, rel, &mut s.problems)
        {
            for (k, v) in map {
                let str_of = |f: &str| v.get(f).and_then(Value::as_str).map(str::to_string);
                s.nodes.push(NodePairing {
                    location: rel.to_string(),
                    key: k.clone(),
                    pending,
                    node_id: str_of("nodeId"),
                    display_name: str_of("displayName"),
                    platform: str_of("platform"),
                    token: str_of("token").map(Secret::new),
                });
            }
        }
    }

    if let Some(doc) = read_doc(state_dir, IDENTITY, &mut s.problems, &mut s.present) {
        match doc.as_object() {
            Some(o) => s.identity = Some(records::identity(&origin(IDENTITY), o, None)),
            None => s.problems.push(
                LoadProblem::new(IDENTITY, ProblemKind::WrongType, "expected an object")
                    .with_consequence("OpenClaw silently generates a new identity over it"),
            ),
        }
    }

    if let Some(doc) = read_doc(state_dir, DEVICE_AUTH, &mut s.problems, &mut s.present) {
        match doc.as_object() {
            Some(o) => s.token_cache = Some(records::token_cache(&origin(DEVICE_AUTH), o)),
            None => s.problems.push(LoadProblem::new(
                DEVICE_AUTH,
                ProblemKind::WrongType,
                "expected an object",
            )),
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn state_with(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (rel, text) in files {
            let p = dir.path().join(rel);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, text).unwrap();
        }
        dir
    }

    #[test]
    fn empty_state_has_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let s = load(dir.path(), true);
        assert!(!s.present && s.devices.is_empty() && s.problems.is_empty());
    }

    #[test]
    fn object_stores_load() {
        let dir = state_with(&[
            (
                PAIRED,
                r#"{"d1": {"deviceId": "d1", "publicKey": "k", "scopes": ["operator.read"]}}"#,
            ),
            (
                PENDING,
                r#"{"r1": {"requestId": "r1", "deviceId": "d1", "publicKey": "k", "ts": 5}}"#,
            ),
            (
                BOOTSTRAP,
                r#"{"tok-secret-value": {"token": "tok-secret-value", "ts": 1, "issuedAtMs": 2}}"#,
            ),
        ]);
        let s = load(dir.path(), true);
        assert!(s.present);
        assert_eq!(s.devices.len(), 1);
        assert_eq!(s.pending[0].request_id.as_deref(), Some("r1"));
        assert_eq!(s.bootstrap[0].issued_at_ms, Some(2));
        assert!(!format!("{:?}", s.bootstrap).contains("tok-secret-value"));
        assert!(s.problems.is_empty(), "{:?}", s.problems);
    }

    #[test]
    fn broken_paired_json_is_a_problem_with_consequence() {
        let dir = state_with(&[(PAIRED, "{\"d1\": {\"deviceId\": ")]);
        let s = load(dir.path(), true);
        assert!(s.present && s.devices.is_empty());
        let p = &s.problems[0];
        assert_eq!((p.path.as_str(), p.kind), (PAIRED, ProblemKind::NotJson));
        assert!(
            p.consequence
                .as_deref()
                .unwrap()
                .contains("JsonFileReadError")
        );
    }

    #[test]
    fn legacy_array_form_loads_records_as_not_live() {
        let dir = state_with(&[(PAIRED, r#"[{"deviceId": "d1", "publicKey": "k"}, 3]"#)]);
        let s = load(dir.path(), true);
        assert_eq!(s.devices.len(), 1);
        assert!(!s.devices[0].live, "OpenClaw reads the array as empty");
        assert_eq!(s.problems[0].kind, ProblemKind::LegacyArray);
        assert_eq!(s.problems[1].kind, ProblemKind::InvalidRecord);
    }

    #[test]
    fn scalar_and_wrong_entries() {
        let dir = state_with(&[
            (PENDING, "42"),
            (PAIRED, r#"{"a": "not an object"}"#),
            (IDENTITY, "[]"),
        ]);
        let s = load(dir.path(), true);
        let kinds: Vec<_> = s
            .problems
            .iter()
            .map(|p| (p.path.as_str(), p.kind))
            .collect();
        assert!(kinds.contains(&(PENDING, ProblemKind::WrongType)));
        assert!(kinds.contains(&(PAIRED, ProblemKind::InvalidRecord)));
        assert!(kinds.contains(&(IDENTITY, ProblemKind::WrongType)));
    }

    #[test]
    fn malformed_pending_entries_become_records_with_defects() {
        let dir = state_with(&[(
            PENDING,
            r#"{"r1": 5, "r2": {"requestId": "other", "deviceId": "d", "publicKey": "k", "ts": 1},
                "r3": {"requestId": "r3", "deviceId": "d", "publicKey": "k", "ts": 1}}"#,
        )]);
        let s = load(dir.path(), true);
        let by_key = |k: &str| s.pending.iter().find(|p| p.key == k).unwrap();
        assert_eq!(
            by_key("r1").defects,
            vec!["entry: expected an object, found number"]
        );
        assert_eq!(
            by_key("r2").defects,
            vec!["requestId: differs from its key"]
        );
        assert!(by_key("r3").defects.is_empty());
        assert_eq!(s.problems.len(), 1, "{:?}", s.problems);
    }

    #[test]
    fn paired_json_as_directory() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join(PAIRED)).unwrap();
        let s = load(dir.path(), true);
        assert!(s.present);
        assert_eq!(s.problems[0].kind, ProblemKind::NotRegularFile);
    }
}
