//! Message templates: text with `{expression}` holes (`{{` and `}}` for literal braces).

use super::ast::Expr;
use super::check::{CheckError, TyScope, check};
use super::eval::{Ctx, EvalError, Scope, eval};
use super::functions::plain;
use super::parse::{SyntaxError, parse};

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Text(String),
    /// The expression and where its text starts in the template.
    Hole(Expr, usize),
}

/// The `}` that closes a hole, skipping braces inside quoted strings (`{choose(x, '}', '')}`).
fn hole_end(text: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(_), _) if escaped => escaped = false,
            (Some(_), '\\') => escaped = true,
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '}') => return Some(i),
            (None, _) => {}
        }
    }
    None
}

#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    parts: Vec<Part>,
}

impl Template {
    pub fn parse(src: &str) -> Result<Template, SyntaxError> {
        let mut parts = Vec::new();
        let mut text = String::new();
        let mut rest = src;
        let mut offset = 0;
        while let Some(i) = rest.find(['{', '}']) {
            text.push_str(&rest[..i]);
            let (c, after) = (rest.as_bytes()[i], &rest[i + 1..]);
            if after.as_bytes().first() == Some(&c) {
                text.push(c as char);
                offset += i + 2;
                rest = &after[1..];
                continue;
            }
            if c == b'}' {
                return Err(SyntaxError {
                    span: super::ast::Span::new(offset + i, offset + i + 1),
                    message: "a lone `}` (write `}}` for a brace)".into(),
                });
            }
            let close = hole_end(after).ok_or_else(|| SyntaxError {
                span: super::ast::Span::new(offset + i, src.len()),
                message: "`{` without a closing `}`".into(),
            })?;
            let inner = &after[..close];
            let expr = parse(inner).map_err(|mut e| {
                e.span = super::ast::Span::new(
                    e.span.start + offset + i + 1,
                    e.span.end + offset + i + 1,
                );
                e
            })?;
            if !text.is_empty() {
                parts.push(Part::Text(std::mem::take(&mut text)));
            }
            parts.push(Part::Hole(expr, offset + i + 1));
            offset += i + 1 + close + 1;
            rest = &after[close + 1..];
        }
        text.push_str(rest);
        if !text.is_empty() {
            parts.push(Part::Text(text));
        }
        Ok(Template { parts })
    }

    pub fn check(&self, scope: &TyScope) -> Result<(), CheckError> {
        for p in &self.parts {
            if let Part::Hole(e, at) = p {
                check(e, scope).map_err(|mut err| {
                    err.span = super::ast::Span::new(err.span.start + at, err.span.end + at);
                    err
                })?;
            }
        }
        Ok(())
    }

    pub fn render(&self, ctx: &Ctx, scope: &Scope) -> Result<String, EvalError> {
        let mut out = String::new();
        for p in &self.parts {
            match p {
                Part::Text(t) => out.push_str(t),
                // Values come from untrusted files: one line, no control characters, in every
                // format (JSON too), whatever a display name holds.
                Part::Hole(e, _) => {
                    let text = plain(&*eval(e, ctx, scope)?).replace(['\n', '\r', '\t'], " ");
                    out.push_str(&crate::logs::sanitize(&text));
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn renders_holes_and_escaped_braces() {
        let model = crate::engine::testing::empty_model();
        let ctx = Ctx::new(&model, json!({"d": {"name": "cli", "scopes": ["operator.read", "operator.write"], "gone": null}}).as_object().cloned().unwrap(), None);
        let t = Template::parse("{d.name} holds {d.scopes}; {{literal}} {d.gone}").unwrap();
        assert_eq!(
            t.render(&ctx, &Scope::default()).unwrap(),
            "cli holds operator.read, operator.write; {literal} —"
        );
    }

    #[test]
    fn filled_values_stay_on_one_line_without_control_characters() {
        let model = crate::engine::testing::empty_model();
        let ctx = Ctx::new(
            &model,
            json!({"name": "evil\nname\u{202e}\u{1b}[31m"})
                .as_object()
                .cloned()
                .unwrap(),
            None,
        );
        let out = Template::parse("[{name}]")
            .unwrap()
            .render(&ctx, &Scope::default())
            .unwrap();
        assert!(!out.contains(['\n', '\u{202e}', '\u{1b}']), "{out:?}");
        assert!(out.starts_with("[evil name"), "{out:?}");
    }

    #[test]
    fn bad_templates_point_into_the_text() {
        let e = Template::parse("abc {d.} x").unwrap_err();
        assert!(e.span.start >= 5, "{e:?}");
        assert!(Template::parse("abc { x").is_err());
        assert!(Template::parse("abc } x").is_err());
        assert_eq!(Template::parse("plain").unwrap().parts.len(), 1);
        assert_eq!(
            Template::parse("a {'}'} b").unwrap().parts.len(),
            3,
            "a brace in a string"
        );
        assert!(Template::parse("a {'}' b").is_err());
    }
}
