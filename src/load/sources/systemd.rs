//! systemd unit files: logical lines (`\` continuations, `#`/`;` comments), `[Section]`s,
//! `Environment=` words (quotes anywhere in a word, C escapes, an empty assignment resets),
//! `EnvironmentFile=` (`-` optional prefix), `UnsetEnvironment=`, `ExecStart=` (exec prefixes
//! `@-:+!|`), `Description=`, and the specifiers `%%` and `%h`. Drop-ins are applied in the
//! order given, so a later file's assignment wins.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A value and where it was set (1-based line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct At<T> {
    pub value: T,
    pub path: PathBuf,
    pub line: usize,
}

/// The merged view of a unit and its drop-ins.
#[derive(Debug, Default)]
pub(super) struct ParsedUnit {
    pub description: Option<String>,
    pub exec_start: Option<At<Vec<String>>>,
    /// Effective `Environment=` assignments (before `EnvironmentFile=` and unsets).
    pub environment: BTreeMap<String, At<String>>,
    /// `EnvironmentFile=` specs as written (with any `-` prefix), specifiers expanded.
    pub environment_files: Vec<At<String>>,
    pub unset: Vec<String>,
}

/// Joins continued lines; returns (first line number, text). Comment lines are dropped, also
/// inside a continuation.
pub(super) fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut cont: Option<(usize, String)> = None;
    for (idx, raw) in text.split('\n').enumerate() {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        let lead = raw.trim_start();
        if lead.starts_with('#') || lead.starts_with(';') {
            continue;
        }
        let (start, mut line) = match cont.take() {
            Some((n, mut acc)) => {
                acc.push_str(raw);
                (n, acc)
            }
            None => (idx + 1, raw.to_string()),
        };
        let trailing = line.len() - line.trim_end_matches('\\').len();
        if trailing % 2 == 1 {
            line.pop();
            line.push(' ');
            cont = Some((start, line));
        } else {
            out.push((start, line));
        }
    }
    if let Some(c) = cont {
        out.push(c);
    }
    out
}

fn c_escape(it: &mut std::iter::Peekable<std::str::Chars<'_>>, out: &mut String) {
    let Some(c) = it.next() else {
        return;
    };
    let mapped = match c {
        'a' => '\u{7}',
        'b' => '\u{8}',
        'f' => '\u{c}',
        'n' => '\n',
        'r' => '\r',
        't' => '\t',
        'v' => '\u{b}',
        's' => ' ',
        'x' => {
            let hex: String = std::iter::from_fn(|| it.next_if(|h| h.is_ascii_hexdigit()))
                .take(2)
                .collect();
            match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                Some(ch) if hex.len() == 2 => ch,
                _ => {
                    out.push('x');
                    out.push_str(&hex);
                    return;
                }
            }
        }
        other => other,
    };
    out.push(mapped);
}

/// systemd's word splitting with unquoting and C unescaping.
pub(super) fn split_words(value: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut has = false;
    let mut quote: Option<char> = None;
    let mut it = value.chars().peekable();
    while let Some(c) = it.next() {
        match (quote, c) {
            (_, '\\') => {
                c_escape(&mut it, &mut cur);
                has = true;
            }
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                has = true;
            }
            (None, c) if c.is_whitespace() => {
                if has {
                    words.push(std::mem::take(&mut cur));
                    has = false;
                }
            }
            (None, c) => {
                cur.push(c);
                has = true;
            }
        }
    }
    if has {
        words.push(cur);
    }
    words
}

/// `%%` → `%`, `%h` → the home dir; other specifiers are kept as written.
pub(super) fn expand_specifiers(s: &str, home: Option<&Path>) -> String {
    if !s.contains('%') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match (it.peek(), home) {
            (Some('%'), _) => {
                it.next();
                out.push('%');
            }
            (Some('h'), Some(h)) => {
                it.next();
                out.push_str(&h.to_string_lossy());
            }
            _ => out.push('%'),
        }
    }
    out
}

/// Merges a unit file and its drop-ins, in order.
pub(super) fn parse_unit(files: &[(PathBuf, String)], home: Option<&Path>) -> ParsedUnit {
    let mut u = ParsedUnit::default();
    for (path, text) in files {
        let mut section = String::new();
        for (line, raw) in logical_lines(text) {
            let t = raw.trim();
            if t.starts_with('[') && t.ends_with(']') {
                section = t[1..t.len() - 1].trim().to_string();
                continue;
            }
            let Some((key, value)) = t.split_once('=') else {
                continue;
            };
            let (key, value) = (key.trim(), value.trim());
            let at = |value: String| At {
                value,
                path: path.clone(),
                line,
            };
            match (section.as_str(), key) {
                ("Unit", "Description") => u.description = Some(expand_specifiers(value, home)),
                ("Service", "Environment") if value.is_empty() => u.environment.clear(),
                ("Service", "Environment") => {
                    for word in split_words(value) {
                        if let Some((name, val)) = word.split_once('=')
                            && !name.is_empty()
                        {
                            u.environment
                                .insert(name.to_string(), at(expand_specifiers(val, home)));
                        }
                    }
                }
                ("Service", "EnvironmentFile") if value.is_empty() => u.environment_files.clear(),
                ("Service", "EnvironmentFile") => {
                    u.environment_files.push(at(expand_specifiers(value, home)))
                }
                ("Service", "UnsetEnvironment") if value.is_empty() => u.unset.clear(),
                ("Service", "UnsetEnvironment") => u.unset.extend(split_words(value)),
                ("Service", "ExecStart") if value.is_empty() => u.exec_start = None,
                ("Service", "ExecStart") => {
                    let cmd = value.trim_start_matches(['@', '-', ':', '+', '!', '|']);
                    let args = split_words(cmd)
                        .into_iter()
                        .map(|a| expand_specifiers(&a, home))
                        .collect();
                    u.exec_start = Some(At {
                        value: args,
                        path: path.clone(),
                        line,
                    });
                }
                _ => {}
            }
        }
    }
    u
}

/// Whether `UnsetEnvironment=` entries remove `name` (with `value`).
pub(super) fn is_unset(unset: &[String], name: &str, value: &str) -> bool {
    unset.iter().any(|u| match u.split_once('=') {
        Some((n, v)) => n == name && v == value,
        None => u == name,
    })
}

/// An `EnvironmentFile=`: `KEY=value` lines, `#`/`;` comments, quotes and backslash escapes
/// as systemd (and OpenClaw's reader of it) decode them. Returns (line, key, value).
pub(super) fn parse_env_file(text: &str) -> Vec<(usize, String, String)> {
    let mut out = Vec::new();
    for (idx, raw) in text.split('\n').enumerate() {
        let s = raw.trim_start();
        if s.is_empty() || s.starts_with('#') || s.starts_with(';') {
            continue;
        }
        let Some((key, value)) = s.split_once('=') else {
            continue;
        };
        let key = key.trim();
        let key = key.strip_prefix("export ").map_or(key, str::trim);
        if key.is_empty() {
            continue;
        }
        out.push((idx + 1, key.to_string(), decode_env_file_value(value)));
    }
    out
}

fn decode_env_file_value(raw: &str) -> String {
    #[derive(PartialEq)]
    enum St {
        Pre,
        Unquoted,
        UnquotedEsc,
        Single,
        Double,
        DoubleEsc,
    }
    let mut st = St::Pre;
    let mut out = String::new();
    let mut trailing_ws: Option<usize> = None;
    for c in raw.chars() {
        let ws = matches!(c, ' ' | '\t' | '\r');
        st = match st {
            St::Pre if ws => St::Pre,
            St::Pre if c == '\'' => St::Single,
            St::Pre if c == '"' => St::Double,
            St::Pre if c == '\\' => St::UnquotedEsc,
            St::Pre | St::Unquoted if c == '\\' => {
                trailing_ws = None;
                St::UnquotedEsc
            }
            St::Pre | St::Unquoted => {
                if ws {
                    trailing_ws.get_or_insert(out.len());
                } else {
                    trailing_ws = None;
                }
                out.push(c);
                St::Unquoted
            }
            St::UnquotedEsc => {
                out.push(c);
                St::Unquoted
            }
            St::Single if c == '\'' => St::Pre,
            St::Double if c == '"' => St::Pre,
            St::Double if c == '\\' => St::DoubleEsc,
            St::Single | St::Double => {
                out.push(c);
                st
            }
            St::DoubleEsc => {
                if !matches!(c, '"' | '\\' | '`' | '$') {
                    out.push('\\');
                }
                out.push(c);
                St::Double
            }
        };
    }
    if st == St::Unquoted
        && let Some(n) = trailing_ws
    {
        out.truncate(n);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logical_lines_join_continuations_and_drop_comments() {
        let text = "[Service]\r\nExecStart=/usr/bin/node \\\n# comment inside\n  index.js \\\\\nA=1\n; c\n";
        assert_eq!(
            logical_lines(text),
            [
                (1, "[Service]".to_string()),
                (2, "ExecStart=/usr/bin/node    index.js \\\\".to_string()),
                (5, "A=1".to_string()),
                (7, String::new())
            ]
        );
    }

    #[test]
    fn environment_words() {
        assert_eq!(split_words(r#""A=1" "B=2""#), ["A=1", "B=2"]);
        assert_eq!(
            split_words(r#"A="x y" B='p q' C=plain"#),
            ["A=x y", "B=p q", "C=plain"]
        );
        assert_eq!(
            split_words(r#""A=a\"b\\c" D=\x41\n"#),
            ["A=a\"b\\c", "D=A\n"]
        );
        assert_eq!(split_words("  "), Vec::<String>::new());
        assert_eq!(split_words(r#""""#), [""]);
        // Odd input must not panic.
        for s in ["\\", "\"", "'", "\\x", "\\xZ", "A=\\x4"] {
            let _ = split_words(s);
        }
    }

    #[test]
    fn specifiers() {
        let home = Path::new("/home/u");
        assert_eq!(
            expand_specifiers("%h/.openclaw 100%% %u", Some(home)),
            "/home/u/.openclaw 100% %u"
        );
        assert_eq!(expand_specifiers("%h/x", None), "%h/x");
        assert_eq!(expand_specifiers("%", Some(home)), "%");
    }

    #[test]
    fn merges_drop_ins_in_order() {
        let files = vec![
            (
                PathBuf::from("/u/a.service"),
                "[Unit]\nDescription=OpenClaw Gateway (v2026.2.19)\n[Service]\nEnvironment=T=old X=1\nExecStart=/bin/a\nEnvironmentFile=-%h/e1\n".to_string(),
            ),
            (PathBuf::from("/u/a.service.d/10.conf"), "[Service]\nEnvironment=T=mid\n".to_string()),
            (PathBuf::from("/u/a.service.d/20.conf"), "[Service]\nEnvironment=\"T=new\"\nExecStart=\nExecStart=/bin/b --x\nEnvironmentFile=\nEnvironmentFile=/e2\nUnsetEnvironment=X\n".to_string()),
            // Keys outside [Service] are ignored.
            (PathBuf::from("/u/a.service.d/30.conf"), "Environment=T=ignored\n[Install]\nEnvironment=T=ignored\n".to_string()),
        ];
        let u = parse_unit(&files, Some(Path::new("/h")));
        assert_eq!(
            u.description.as_deref(),
            Some("OpenClaw Gateway (v2026.2.19)")
        );
        let t = &u.environment["T"];
        assert_eq!(
            (t.value.as_str(), t.path.as_path(), t.line),
            ("new", Path::new("/u/a.service.d/20.conf"), 2)
        );
        assert_eq!(u.environment["X"].value, "1");
        assert!(is_unset(&u.unset, "X", "1"));
        let exec = u.exec_start.unwrap();
        assert_eq!(exec.value, ["/bin/b", "--x"]);
        assert_eq!(exec.line, 4);
        assert_eq!(
            u.environment_files
                .iter()
                .map(|f| f.value.as_str())
                .collect::<Vec<_>>(),
            ["/e2"]
        );
    }

    #[test]
    fn empty_environment_resets() {
        let files = vec![
            (
                PathBuf::from("/u/a.service"),
                "[Service]\nEnvironment=T=old\n".to_string(),
            ),
            (
                PathBuf::from("/u/a.service.d/o.conf"),
                "[Service]\nEnvironment=\n".to_string(),
            ),
        ];
        assert!(parse_unit(&files, None).environment.is_empty());
    }

    #[test]
    fn env_file_values() {
        let text = "# c\n; c\nA=plain  \nB=\"dq \\\"x\\\" \\$y \\n\"\nC='sq \\n'\nD= spaced \\ \nexport E=1\n=bad\nnoeq\nF=\"a\"b\r\n";
        let got: Vec<(usize, String, String)> = parse_env_file(text);
        let want = [
            (3, "A", "plain"),
            (4, "B", "dq \"x\" $y \\n"),
            (5, "C", "sq \\n"),
            (6, "D", "spaced  "),
            (7, "E", "1"),
            (10, "F", "ab"),
        ];
        assert_eq!(got.len(), want.len(), "{got:?}");
        for (g, w) in got.iter().zip(want) {
            assert_eq!((g.0, g.1.as_str(), g.2.as_str()), w);
        }
    }
}
