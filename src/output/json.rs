//! The contract's JSON document: `{schemaVersion, ok, tool, state, summary, findings}`.

use crate::findings::{Counts, Severity};
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

/// The contract's document. `ok` is false when a finding is at or above `severity_min`.
pub fn scan_document(
    m: &Model,
    outcome: &crate::engine::Outcome,
    severity_min: Severity,
    rules_run: usize,
) -> Value {
    let counts = Counts::of(&outcome.findings);
    json!({
        "schemaVersion": 1,
        // A failed rule leaves the verdict incomplete: not ok.
        "ok": counts.at_or_above(severity_min) == 0 && outcome.failures.is_empty(),
        "tool": {"name": "claw-doctor", "version": env!("CARGO_PKG_VERSION")},
        "state": state(m),
        "summary": counts,
        "findings": outcome.findings,
        "rules": {
            "run": rules_run,
            "skipped": outcome.skipped.iter().map(|(id, why)| json!({"checkId": id, "reason": why})).collect::<Vec<_>>(),
            "failed": outcome.failures,
        },
    })
}
