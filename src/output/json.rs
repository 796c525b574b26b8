//! The contract's JSON document: `{schemaVersion, ok, tool, state, summary, findings}`.
//!
//! Serialized straight from the model and the findings (no `Value` tree in between): a
//! 10 000-device state or 1 024 log groups would otherwise be built twice in memory.

use crate::findings::{Counts, Severity};
use crate::model::Model;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use serde_json::{Value, json};

/// The `state` object: `era` as a string and `openclawVersion` up front (the contract's
/// fields), then the whole normalized model (secrets appear only as fingerprints).
pub struct StateDoc<'a>(pub &'a Model);

impl Serialize for StateDoc<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let m = self.0;
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("era", m.era.era.as_str())?;
        map.serialize_entry(
            "openclawVersion",
            &m.version.effective.as_ref().map(ToString::to_string),
        )?;
        map.serialize_entry("stateDir", &m.source.state_dir.path)?;
        map.serialize_entry("eraDetail", &m.era)?;
        // The model's other fields, in the document's historical order (a test keeps this
        // list complete).
        map.serialize_entry("source", &m.source)?;
        map.serialize_entry("problems", &m.problems)?;
        map.serialize_entry("version", &m.version)?;
        map.serialize_entry("nowMs", &m.now_ms)?;
        map.serialize_entry("files", &m.files)?;
        map.serialize_entry("devices", &m.devices)?;
        map.serialize_entry("pending", &m.pending)?;
        map.serialize_entry("bootstrapTokens", &m.bootstrap_tokens)?;
        map.serialize_entry("nodePairings", &m.node_pairings)?;
        map.serialize_entry("identities", &m.identities)?;
        map.serialize_entry("tokenCaches", &m.token_caches)?;
        map.serialize_entry("config", &m.config)?;
        map.serialize_entry("tokenSources", &m.token_sources)?;
        map.serialize_entry("services", &m.services)?;
        map.serialize_entry("logs", &m.logs)?;
        map.serialize_entry("runtime", &m.runtime)?;
        map.serialize_entry("copies", &m.copies)?;
        map.end()
    }
}

pub fn state(m: &Model) -> Value {
    serde_json::to_value(StateDoc(m)).unwrap_or(Value::Null)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Doc<'a> {
    schema_version: u32,
    ok: bool,
    tool: Value,
    state: StateDoc<'a>,
    summary: Counts,
    findings: &'a [crate::findings::Finding],
    rules: Value,
}

fn doc<'a>(
    m: &'a Model,
    outcome: &'a crate::engine::Outcome,
    severity_min: Severity,
    rules_run: usize,
) -> Doc<'a> {
    let counts = Counts::of(&outcome.findings);
    Doc {
        schema_version: 1,
        // A failed rule leaves the verdict incomplete: not ok.
        ok: counts.at_or_above(severity_min) == 0 && outcome.failures.is_empty(),
        tool: json!({"name": "claw-doctor", "version": env!("CARGO_PKG_VERSION")}),
        state: StateDoc(m),
        summary: counts,
        findings: &outcome.findings,
        rules: json!({
            "run": rules_run,
            "skipped": outcome.skipped.iter().map(|(id, why)| json!({"checkId": id, "reason": why})).collect::<Vec<_>>(),
            "failed": outcome.failures,
        }),
    }
}

/// The contract's document. `ok` is false when a finding is at or above `severity_min`.
pub fn scan_document(
    m: &Model,
    outcome: &crate::engine::Outcome,
    severity_min: Severity,
    rules_run: usize,
) -> Value {
    serde_json::to_value(doc(m, outcome, severity_min, rules_run)).unwrap_or(Value::Null)
}

/// `scan_document` as pretty JSON text with a final newline, written directly.
pub fn scan_document_text(
    m: &Model,
    outcome: &crate::engine::Outcome,
    severity_min: Severity,
    rules_run: usize,
) -> serde_json::Result<String> {
    let mut s = serde_json::to_string_pretty(&doc(m, outcome, severity_min, rules_run))?;
    s.push('\n');
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The document as it was built before it was streamed: the serialized model with `era`
    /// swapped out of its place (what `serde_json::Map::remove` does).
    fn reference_state(m: &Model) -> Value {
        let mut model = serde_json::to_value(m).unwrap();
        let mut out = serde_json::Map::new();
        out.insert("era".into(), json!(m.era.era.as_str()));
        out.insert(
            "openclawVersion".into(),
            json!(m.version.effective.as_ref().map(ToString::to_string)),
        );
        out.insert("stateDir".into(), json!(m.source.state_dir.path));
        let fields = model.as_object_mut().unwrap();
        out.insert("eraDetail".into(), fields.swap_remove("era").unwrap());
        for (k, v) in std::mem::take(fields) {
            out.insert(k, v);
        }
        Value::Object(out)
    }

    #[test]
    fn streamed_state_has_every_model_field_in_the_documents_order() {
        let m = crate::engine::testing::empty_model();
        let streamed = serde_json::to_string_pretty(&StateDoc(&m)).unwrap();
        let reference = serde_json::to_string_pretty(&reference_state(&m)).unwrap();
        assert_eq!(streamed, reference);
        let outcome = crate::engine::Outcome::default();
        let text = scan_document_text(&m, &outcome, Severity::Warning, 3).unwrap();
        let doc = scan_document(&m, &outcome, Severity::Warning, 3);
        assert_eq!(text, serde_json::to_string_pretty(&doc).unwrap() + "\n");
        assert_eq!(doc["state"], reference_state(&m));
    }
}
