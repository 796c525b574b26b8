//! Rewrites one assignment line of a `.env` file, keeping every other byte.

/// Replaces the value of the assignment of `name` on 1-based `line` with `value`, keeping an
/// `export` prefix, the `=`/`:` form's key, a quote style and the line ending.
pub fn set_line(text: &str, line: usize, name: &str, value: &str) -> Result<String, String> {
    if value.contains(['\n', '\r', '"', '\'', '`', '#']) || value.trim() != value {
        return Err("the new value needs quoting rules claw-doctor does not write".into());
    }
    let mut out = String::with_capacity(text.len() + value.len());
    let mut found = false;
    for (i, chunk) in text.split_inclusive('\n').enumerate() {
        if i + 1 != line {
            out.push_str(chunk);
            continue;
        }
        let (body, ending) = match chunk.strip_suffix("\r\n") {
            Some(b) => (b, "\r\n"),
            None => match chunk.strip_suffix('\n') {
                Some(b) => (b, "\n"),
                None => (chunk, ""),
            },
        };
        let parsed = crate::load::sources::dotenv::parse_dotenv(body);
        if !matches!(parsed.as_slice(), [(1, k, _)] if k == name) {
            return Err(format!("line {line} does not assign {name}"));
        }
        let indent_len = body.len() - body.trim_start().len();
        let start = &body[..indent_len];
        let rest = &body[indent_len..];
        let export = if rest.starts_with("export") && rest[6..].starts_with(char::is_whitespace) {
            "export "
        } else {
            ""
        };
        let after_key = rest
            .find(name)
            .map(|p| &rest[p + name.len()..])
            .unwrap_or_default();
        let sep_at = after_key.find(['=', ':']).unwrap_or(0);
        let sep = &after_key[..=sep_at.min(after_key.len().saturating_sub(1))];
        let old_value = after_key[sep.len()..].trim_start();
        let quote = old_value
            .chars()
            .next()
            .filter(|c| matches!(c, '"' | '\''))
            .map(String::from)
            .unwrap_or_default();
        let sep = if sep.trim_start().starts_with(':') {
            ": "
        } else {
            "="
        };
        out.push_str(&format!(
            "{start}{export}{name}{sep}{quote}{value}{quote}{ending}"
        ));
        found = true;
    }
    if !found {
        return Err(format!("the file has no line {line}"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_value_changes() {
        let text = "# tokens\nOPENCLAW_GATEWAY_TOKEN=old-token\nOTHER=1\n";
        assert_eq!(
            set_line(text, 2, "OPENCLAW_GATEWAY_TOKEN", "new").unwrap(),
            "# tokens\nOPENCLAW_GATEWAY_TOKEN=new\nOTHER=1\n"
        );
    }

    #[test]
    fn export_quotes_and_crlf_are_kept() {
        let text = "export OPENCLAW_GATEWAY_TOKEN=\"old\" # comment\r\nX=2";
        assert_eq!(
            set_line(text, 1, "OPENCLAW_GATEWAY_TOKEN", "new").unwrap(),
            "export OPENCLAW_GATEWAY_TOKEN=\"new\"\r\nX=2"
        );
    }

    #[test]
    fn the_wrong_line_is_refused() {
        let text = "A=1\nB=2\n";
        assert!(set_line(text, 1, "B", "x").is_err());
        assert!(set_line(text, 9, "B", "x").is_err());
        assert!(set_line(text, 2, "B", "x y\n").is_err());
    }
}
