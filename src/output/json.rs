//! The contract's JSON document: `{schemaVersion, ok, tool, state, summary, findings}`.

use crate::model::Model;
use serde_json::{Value, json};

/// The `state` object: `era` as a string and `openclawVersion` up front (the contract's
/// fields), then the whole normalized model (secrets appear only as fingerprints).
pub fn state(m: &Model) -> Value {
    let mut model = serde_json::to_value(m).unwrap_or(Value::Null);
    let mut out = serde_json::Map::new();
    out.insert("era".into(), json!(m.era.era.as_str()));
    out.insert(
        "openclawVersion".into(),
        json!(m.version.effective.as_ref().map(ToString::to_string)),
    );
    out.insert("stateDir".into(), json!(m.source.state_dir.path));
    if let Value::Object(fields) = &mut model {
        if let Some(detail) = fields.remove("era") {
            out.insert("eraDetail".into(), detail);
        }
        for (k, v) in std::mem::take(fields) {
            out.insert(k, v);
        }
    }
    Value::Object(out)
}

pub fn scan_document(m: &Model) -> Value {
    json!({
        "schemaVersion": 1,
        "ok": true,
        "tool": {"name": "claw-doctor", "version": env!("CARGO_PKG_VERSION")},
        "state": state(m),
        "summary": {"error": 0, "warning": 0, "info": 0},
        "findings": [],
    })
}
