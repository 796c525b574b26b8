//! Edits of `openclaw.json` that change only the text span of one key, so a hand-written JSON5
//! file keeps its comments, quoting and layout (OpenClaw itself rewrites it as plain JSON and
//! drops comments; a doctor must not).

use jsonc_parser::cst::{CstInputValue, CstObject, CstRootNode};
use serde_json::Value;

fn options() -> jsonc_parser::ParseOptions {
    crate::load::config::json5_options()
}

fn root(text: &str) -> Result<CstRootNode, String> {
    CstRootNode::parse(text, &options()).map_err(|e| format!("the config does not parse: {e}"))
}

fn input(v: &Value) -> CstInputValue {
    match v {
        Value::Null => CstInputValue::Null,
        Value::Bool(b) => CstInputValue::Bool(*b),
        Value::Number(n) => CstInputValue::Number(n.to_string()),
        Value::String(s) => CstInputValue::String(s.clone()),
        Value::Array(a) => CstInputValue::Array(a.iter().map(input).collect()),
        Value::Object(o) => {
            CstInputValue::Object(o.iter().map(|(k, v)| (k.clone(), input(v))).collect())
        }
    }
}

fn split(key: &str) -> Result<Vec<&str>, String> {
    let parts: Vec<&str> = key.split('.').collect();
    if parts.iter().any(|p| p.is_empty()) {
        return Err(format!("{key:?} is not a dotted config key"));
    }
    Ok(parts)
}

/// The object holding the last part of `key`; with `create`, missing objects are added.
fn parent(root: &CstRootNode, parts: &[&str], create: bool) -> Result<Option<CstObject>, String> {
    let mut obj = match root.object_value() {
        Some(o) => o,
        None => return Err("the config is not an object".into()),
    };
    for p in &parts[..parts.len() - 1] {
        obj = match obj.get(p) {
            Some(prop) => match prop.value().and_then(|v| v.as_object()) {
                Some(o) => o,
                None => return Err(format!("`{p}` in the config is not an object")),
            },
            None if create => obj.object_value_or_set(p),
            None => return Ok(None),
        };
    }
    Ok(Some(obj))
}

/// Removes `key` (dotted); an error when it is not set.
pub fn unset(text: &str, key: &str) -> Result<String, String> {
    let parts = split(key)?;
    let root = root(text)?;
    let last = parts[parts.len() - 1];
    match parent(&root, &parts, false)?.and_then(|o| o.get(last)) {
        Some(prop) => {
            prop.remove();
            Ok(root.to_string())
        }
        None => Err(format!("{key} is not set in the config")),
    }
}

/// Sets `key` (dotted) to `value`, adding missing objects on the way.
pub fn set(text: &str, key: &str, value: &Value) -> Result<String, String> {
    let parts = split(key)?;
    let root = root(text)?;
    let last = parts[parts.len() - 1];
    let Some(obj) = parent(&root, &parts, true)? else {
        unreachable!("create adds every missing object");
    };
    match obj.get(last) {
        Some(prop) => prop.set_value(input(value)),
        None => {
            obj.append(last, input(value));
        }
    }
    Ok(root.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const JSON5: &str = "// my gateway\n{\n  gateway: {\n    // keep this comment\n    port: 18789,\n    controlUi: { allowInsecureAuth: true, basePath: '/ui' },\n    trustedProxies: ['172.17.0.0/16'], // docker\n  },\n}\n";

    fn parsed(text: &str) -> Value {
        crate::load::config::parse(text).unwrap().0
    }

    #[test]
    fn unset_removes_only_that_key_and_keeps_comments() {
        let out = unset(JSON5, "gateway.controlUi.allowInsecureAuth").unwrap();
        assert!(out.contains("// my gateway") && out.contains("// keep this comment"));
        assert!(out.contains("// docker") && out.contains("basePath: '/ui'"));
        let v = parsed(&out);
        assert_eq!(v["gateway"]["controlUi"], json!({"basePath": "/ui"}));
        assert_eq!(v["gateway"]["port"], json!(18789));
    }

    #[test]
    fn unset_of_a_missing_key_is_an_error() {
        assert!(unset(JSON5, "gateway.auth.token").is_err());
        assert!(unset(JSON5, "gateway.port.x").is_err());
    }

    #[test]
    fn set_replaces_a_value_or_adds_the_path() {
        let out = set(JSON5, "gateway.trustedProxies", &json!(["127.0.0.1"])).unwrap();
        assert!(out.contains("// docker"));
        assert_eq!(
            parsed(&out)["gateway"]["trustedProxies"],
            json!(["127.0.0.1"])
        );
        let out = set(
            JSON5,
            "gateway.nodes.pairing.autoApproveLocal",
            &json!(false),
        )
        .unwrap();
        let v = parsed(&out);
        assert_eq!(
            v["gateway"]["nodes"]["pairing"]["autoApproveLocal"],
            json!(false)
        );
        assert_eq!(v["gateway"]["port"], json!(18789));
    }

    #[test]
    fn plain_json_stays_plain_json() {
        let text = "{\n  \"gateway\": {\n    \"trustedProxies\": [\"10.0.0.0/8\"]\n  }\n}\n";
        let out = set(text, "gateway.trustedProxies", &json!(["10.0.0.5"])).unwrap();
        assert!(serde_json::from_str::<Value>(&out).is_ok(), "{out}");
    }
}
