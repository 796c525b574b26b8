//! `.env` parsing as OpenClaw does it (the `dotenv` npm package, v17): `export` prefixes,
//! `KEY=value` and `KEY: value`, single/double/backtick quotes (which may span lines),
//! `#` comments (also right after an unquoted value, even without a space), and in double
//! quotes only `\n` and `\r` are escapes. Within one file a later line wins.

/// JavaScript's `\s` (what dotenv's regex trims), which includes the BOM.
fn js_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{feff}'
}

/// Longest multi-line quoted value followed before giving up on the quote (bounds the work on
/// hostile input; a PEM key is ~50 lines).
const MAX_QUOTED_LINES: usize = 256;

/// Parse dotenv text into (line number, key, value) triples (export prefix, quotes, comments,
/// escapes in double quotes). Line numbers are 1-based; a multi-line value reports its first
/// line. Every assignment is returned in file order, duplicates included.
pub fn parse_dotenv(text: &str) -> Vec<(usize, String, String)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let norm = text.replace("\r\n", "\n").replace('\r', "\n");
    let lines: Vec<&str> = norm.split('\n').collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        match parse_assignment(&lines, i) {
            Some((key, value, used)) => {
                out.push((i + 1, key, value));
                i += used;
            }
            None => i += 1,
        }
    }
    out
}

/// (key, value, lines used) for an assignment starting at `lines[i]`.
fn parse_assignment(lines: &[&str], i: usize) -> Option<(String, String, usize)> {
    let mut s = lines[i].trim_start_matches(js_space);
    if let Some(rest) = s.strip_prefix("export")
        && rest.starts_with(js_space)
    {
        s = rest.trim_start_matches(js_space);
    }
    let key_len = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
        .unwrap_or(s.len());
    if key_len == 0 {
        return None;
    }
    let (key, rest) = s.split_at(key_len);
    let value_part = match rest.trim_start_matches(js_space).strip_prefix('=') {
        Some(v) => v,
        None => rest.strip_prefix(':').filter(|v| v.starts_with(js_space))?,
    };
    let v = value_part.trim_start_matches(js_space);
    if let Some(q) = v.chars().next().filter(|c| matches!(c, '\'' | '"' | '`'))
        && let Some((inner, used)) = quoted(lines, i, &v[1..], q)
    {
        let value = if q == '"' {
            expand_newlines(&inner)
        } else {
            inner
        };
        return Some((key.to_string(), value, used));
    }
    let raw = v.split('#').next().unwrap_or("").trim_matches(js_space);
    Some((key.to_string(), strip_matching_quotes(raw), 1))
}

/// The text up to the closing quote `q` (a `\q` does not close it and is kept as is), when the
/// rest of the closing line is blank or a comment. May continue over following lines.
fn quoted(lines: &[&str], i: usize, after_open: &str, q: char) -> Option<(String, usize)> {
    let mut inner = String::new();
    let mut idx = i;
    let mut cur = after_open;
    loop {
        let mut it = cur.char_indices().peekable();
        while let Some((pos, c)) = it.next() {
            if c == '\\' && it.peek().is_some_and(|&(_, n)| n == q) {
                inner.push('\\');
                inner.push(q);
                it.next();
                continue;
            }
            if c == q {
                let tail = cur[pos + c.len_utf8()..].trim_start_matches(js_space);
                return (tail.is_empty() || tail.starts_with('#')).then_some((inner, idx - i + 1));
            }
            inner.push(c);
        }
        idx += 1;
        if idx >= lines.len() || idx - i > MAX_QUOTED_LINES {
            return None;
        }
        inner.push('\n');
        cur = lines[idx];
    }
}

fn expand_newlines(s: &str) -> String {
    s.replace("\\n", "\n").replace("\\r", "\r")
}

/// dotenv's final `^(['"`])([\s\S]*)\1$` on an unquoted-path value.
fn strip_matching_quotes(raw: &str) -> String {
    let mut chars = raw.chars();
    match (chars.next(), chars.next_back()) {
        (Some(a), Some(b)) if a == b && matches!(a, '\'' | '"' | '`') => {
            let inner = &raw[1..raw.len() - 1];
            if a == '"' {
                expand_newlines(inner)
            } else {
                inner.to_string()
            }
        }
        _ => raw.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kv(text: &str) -> Vec<(usize, String, String)> {
        parse_dotenv(text)
    }

    fn t(line: usize, k: &str, v: &str) -> (usize, String, String) {
        (line, k.to_string(), v.to_string())
    }

    #[test]
    fn plain_export_and_spacing() {
        assert_eq!(
            kv("A=1\nexport B=2\n  export   C = 3  \nD: 4\nexportE=5\nexport=6\n"),
            [
                t(1, "A", "1"),
                t(2, "B", "2"),
                t(3, "C", "3"),
                t(4, "D", "4"),
                t(5, "exportE", "5"),
                t(6, "export", "6")
            ]
        );
    }

    #[test]
    fn comments_blank_lines_and_junk() {
        let text = "# comment\n\n   \n; not a key\nA=1 # trailing\nB=abc#def\nC=\nnot an assignment\nD:nospace\n=x\n";
        assert_eq!(kv(text), [t(5, "A", "1"), t(6, "B", "abc"), t(7, "C", "")]);
    }

    #[test]
    fn equals_signs_inside_values() {
        assert_eq!(
            kv("URL=http://h/?a=b&c=d\nQ='x=y'\n"),
            [t(1, "URL", "http://h/?a=b&c=d"), t(2, "Q", "x=y")]
        );
    }

    #[test]
    fn quotes() {
        let text = "S='single # not comment'\nD=\"double # kept\" # comment\nB=`back`\nE=\"a\\nb\\tc\"\nF='a\\nb'\nG=\"esc\\\"aped\"\n";
        assert_eq!(
            kv(text),
            [
                t(1, "S", "single # not comment"),
                t(2, "D", "double # kept"),
                t(3, "B", "back"),
                t(4, "E", "a\nb\\tc"),
                t(5, "F", "a\\nb"),
                t(6, "G", "esc\\\"aped"),
            ]
        );
    }

    #[test]
    fn unbalanced_and_trailing_junk_quotes_fall_back_to_raw() {
        assert_eq!(kv("A=\"open\nB=2\n"), [t(1, "A", "\"open"), t(2, "B", "2")]);
        assert_eq!(kv("A=\"a\"b\n"), [t(1, "A", "\"a\"b")]);
        assert_eq!(kv("A=\"a\" \"b\"\n"), [t(1, "A", "a\" \"b")]);
    }

    #[test]
    fn multi_line_quoted_value_reports_first_line() {
        let text = "A=1\nKEY=\"-----BEGIN\nabc\n-----END\"\nB=2\n";
        assert_eq!(
            kv(text),
            [
                t(1, "A", "1"),
                t(2, "KEY", "-----BEGIN\nabc\n-----END"),
                t(5, "B", "2")
            ]
        );
    }

    #[test]
    fn crlf_cr_and_bom() {
        assert_eq!(
            kv("\u{feff}A=1\r\nB=\"2\"\r\n\r\nC=3\r"),
            [t(1, "A", "1"), t(2, "B", "2"), t(4, "C", "3")]
        );
        assert_eq!(kv("\u{feff}\u{feff}A=1"), [t(1, "A", "1")]);
    }

    #[test]
    fn duplicates_are_all_returned_in_order() {
        assert_eq!(kv("A=1\nA=2\n"), [t(1, "A", "1"), t(2, "A", "2")]);
    }

    #[test]
    fn hostile_input_does_not_panic_or_stall() {
        // Each line's quote closes on the next line, as with dotenv: value "\nA=".
        let many_open_quotes = "A=\"\n".repeat(50_000);
        let start = std::time::Instant::now();
        let parsed = kv(&many_open_quotes);
        assert_eq!(parsed.len(), 25_000);
        assert_eq!(parsed[0], t(1, "A", "\nA="));
        assert!(start.elapsed().as_secs() < 10);
        for s in [
            "=",
            "\"",
            "A=\"",
            "A='\\",
            "é=1",
            "A=é#",
            "\u{0}A=1",
            "A=\u{2028}x",
        ] {
            let _ = kv(s);
        }
    }
}
