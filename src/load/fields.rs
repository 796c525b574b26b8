//! Typed field access on loosely-typed JSON records, recording defects instead of failing.
//!
//! OpenClaw's stores are hand-edited in the wild: a field can be missing, `null`, or of the
//! wrong type. Missing and `null` read as absent; a wrong type reads as absent *and* is noted.

use serde_json::{Map, Value};

pub fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

pub struct Fields<'a> {
    obj: &'a Map<String, Value>,
    pub defects: Vec<String>,
}

impl<'a> Fields<'a> {
    pub fn new(obj: &'a Map<String, Value>) -> Self {
        Fields {
            obj,
            defects: Vec::new(),
        }
    }

    fn present(&self, key: &str) -> Option<&'a Value> {
        self.obj.get(key).filter(|v| !v.is_null())
    }

    fn wrong(&mut self, key: &str, expected: &str, found: &Value) {
        self.defects.push(format!(
            "{key}: expected {expected}, found {}",
            json_type(found)
        ));
    }

    pub fn str(&mut self, key: &str) -> Option<String> {
        let v = self.present(key)?;
        match v.as_str() {
            Some(s) => Some(s.to_string()),
            None => {
                self.wrong(key, "string", v);
                None
            }
        }
    }

    /// Integer milliseconds. A float with no fraction is accepted (JavaScript wrote it).
    pub fn int(&mut self, key: &str) -> Option<i64> {
        let v = self.present(key)?;
        if let Some(i) = v.as_i64() {
            return Some(i);
        }
        if let Some(f) = v.as_f64()
            && f.fract() == 0.0
            && f.abs() < 9.0e15
        {
            return Some(f as i64);
        }
        self.wrong(key, "integer", v);
        None
    }

    /// Booleans; SQLite rows carry them as 0/1.
    pub fn bool(&mut self, key: &str) -> Option<bool> {
        let v = self.present(key)?;
        match v {
            Value::Bool(b) => Some(*b),
            Value::Number(n) if n.as_i64() == Some(0) => Some(false),
            Value::Number(n) if n.as_i64() == Some(1) => Some(true),
            _ => {
                self.wrong(key, "boolean", v);
                None
            }
        }
    }

    /// A list of strings; non-string items are dropped and noted.
    pub fn str_list(&mut self, key: &str) -> Option<Vec<String>> {
        let v = self.present(key)?;
        let Some(items) = v.as_array() else {
            self.wrong(key, "array of strings", v);
            return None;
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            match item.as_str() {
                Some(s) => out.push(s.to_string()),
                None => self.defects.push(format!(
                    "{key}[{i}]: expected string, found {}",
                    json_type(item)
                )),
            }
        }
        Some(out)
    }

    pub fn object(&mut self, key: &str) -> Option<&'a Map<String, Value>> {
        let v = self.present(key)?;
        match v.as_object() {
            Some(o) => Some(o),
            None => {
                self.wrong(key, "object", v);
                None
            }
        }
    }

    pub fn has(&self, key: &str) -> bool {
        self.present(key).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn absent_null_and_wrong_types() {
        let v =
            json!({"a": "x", "n": null, "num": 5, "f": 5.0, "frac": 1.5, "list": ["a", 2], "b": 1});
        let mut f = Fields::new(v.as_object().unwrap());
        assert_eq!(f.str("a").as_deref(), Some("x"));
        assert_eq!(f.str("n"), None);
        assert_eq!(f.str("missing"), None);
        assert!(f.defects.is_empty(), "absent and null are not defects");
        assert_eq!(f.str("num"), None);
        assert_eq!(f.int("f"), Some(5));
        assert_eq!(f.int("frac"), None);
        assert_eq!(f.str_list("list"), Some(vec!["a".to_string()]));
        assert_eq!(f.bool("b"), Some(true));
        assert_eq!(
            f.defects,
            vec![
                "num: expected string, found number",
                "frac: expected integer, found number",
                "list[1]: expected string, found number"
            ]
        );
    }
}
