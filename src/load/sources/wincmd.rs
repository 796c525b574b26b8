//! `gateway.cmd`, the script OpenClaw's Windows scheduled task runs: `@echo off`, `rem
//! <description>`, `cd /d <dir>`, `set "KEY=value"` / `set KEY=value` lines (cmd `^` and `%%`
//! escapes in the quoted form), then the node command line with trailing redirections.

/// What a task script says.
#[derive(Debug, Default, PartialEq)]
pub(super) struct CmdScript {
    pub description: Option<String>,
    /// (line, key, value) for each `set` line, in order.
    pub env: Vec<(usize, String, String)>,
    /// (line, arguments) of the command the script runs.
    pub command: Option<(usize, Vec<String>)>,
}

fn unescape_set(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        match (c, it.peek()) {
            ('^', Some(&n)) if matches!(n, '^' | '"' | '!') => {
                out.push(n);
                it.next();
            }
            ('%', Some('%')) => {
                out.push('%');
                it.next();
            }
            _ => out.push(c),
        }
    }
    out
}

/// `set "K=V"` or `set K=V` after the `set ` keyword.
fn parse_set(rest: &str) -> Option<(String, String)> {
    let raw = rest.trim();
    if raw.starts_with('/') {
        return None;
    }
    let quoted = raw.len() >= 2 && raw.starts_with('"') && raw.ends_with('"');
    let assignment = if quoted { &raw[1..raw.len() - 1] } else { raw };
    let (key, value) = assignment.split_once('=')?;
    let key = key.trim();
    if key.is_empty() {
        return None;
    }
    if quoted {
        Some((unescape_set(key), unescape_set(value.trim())))
    } else {
        Some((key.to_string(), value.trim().to_string()))
    }
}

/// Cuts `< NUL`, `>> "log" 2>&1` and the like off the end of a command line.
fn strip_redirections(line: &str) -> &str {
    let mut in_quote = false;
    for (i, c) in line.char_indices() {
        match c {
            '"' => in_quote = !in_quote,
            '<' | '>' if !in_quote => {
                let head = line[..i].trim_end_matches(|c: char| c.is_ascii_digit());
                return head.trim_end();
            }
            _ => {}
        }
    }
    line.trim_end()
}

/// cmd's argument splitting as OpenClaw mirrors it: double quotes group, `\"` is a quote,
/// then `^!` → `!` and `%%` → `%`.
fn split_cmd_args(line: &str) -> Vec<String> {
    let mut args = Vec::new();
    let mut cur = String::new();
    let mut has = false;
    let mut in_quote = false;
    let mut it = line.chars().peekable();
    while let Some(c) = it.next() {
        match c {
            '\\' if it.peek() == Some(&'"') => {
                it.next();
                cur.push('"');
                has = true;
            }
            '"' => {
                in_quote = !in_quote;
                has = true;
            }
            c if c.is_whitespace() && !in_quote => {
                if has {
                    args.push(std::mem::take(&mut cur));
                    has = false;
                }
            }
            c => {
                cur.push(c);
                has = true;
            }
        }
    }
    if has {
        args.push(cur);
    }
    args.into_iter()
        .map(|a| a.replace("^!", "!").replace("%%", "%"))
        .collect()
}

fn strip_keyword<'a>(line: &'a str, word: &str) -> Option<&'a str> {
    let line = line.strip_prefix('@').unwrap_or(line);
    let head = line.get(..word.len())?;
    let rest = &line[word.len()..];
    (head.eq_ignore_ascii_case(word) && (rest.is_empty() || rest.starts_with(char::is_whitespace)))
        .then_some(rest)
}

pub(super) fn parse_cmd_script(text: &str) -> CmdScript {
    let mut out = CmdScript::default();
    for (idx, raw) in text.split('\n').enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with("::") {
            continue;
        }
        let n = idx + 1;
        if let Some(rest) = strip_keyword(line, "rem") {
            let rest = rest.trim();
            if out.description.is_none()
                && !rest.is_empty()
                && !rest.starts_with("openclaw-launcher-encoding=")
            {
                out.description = Some(rest.to_string());
            }
            continue;
        }
        if let Some(rest) = strip_keyword(line, "set") {
            if let Some((k, v)) = parse_set(rest) {
                out.env.push((n, k, v));
            }
            continue;
        }
        if [
            "echo", "cd", "chdir", "chcp", "setlocal", "endlocal", "title",
        ]
        .iter()
        .any(|w| strip_keyword(line, w).is_some())
        {
            continue;
        }
        let args = split_cmd_args(strip_redirections(line));
        if !args.is_empty() {
            out.command = Some((n, args));
        }
        break;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_generated_script() {
        let text = "@echo off\r\nrem OpenClaw Gateway (v2026.2.19)\r\ncd /d \"C:\\Users\\me\"\r\nset \"OPENCLAW_GATEWAY_TOKEN=a^^b^\"c^!d%%e\"\r\nset OPENCLAW_STATE_DIR=C:\\Users\\me\\.openclaw \r\nSET /A X=1\r\n\"C:\\Program Files\\nodejs\\node.exe\" C:\\npm\\node_modules\\openclaw\\dist\\index.js gateway --port 18789 --token \"t^!k\" < NUL >> \"C:\\log 1.txt\" 2>&1\r\nnode ignored.js\r\n";
        let s = parse_cmd_script(text);
        assert_eq!(
            s.description.as_deref(),
            Some("OpenClaw Gateway (v2026.2.19)")
        );
        assert_eq!(
            s.env,
            [
                (
                    4,
                    "OPENCLAW_GATEWAY_TOKEN".to_string(),
                    "a^b\"c!d%e".to_string()
                ),
                (
                    5,
                    "OPENCLAW_STATE_DIR".to_string(),
                    "C:\\Users\\me\\.openclaw".to_string()
                ),
            ]
        );
        let (line, args) = s.command.unwrap();
        assert_eq!(line, 7);
        assert_eq!(
            args,
            [
                "C:\\Program Files\\nodejs\\node.exe",
                "C:\\npm\\node_modules\\openclaw\\dist\\index.js",
                "gateway",
                "--port",
                "18789",
                "--token",
                "t!k"
            ]
        );
    }

    #[test]
    fn encoding_marker_and_odd_lines() {
        let s = parse_cmd_script(
            "@rem openclaw-launcher-encoding=utf-8\n@REM My task\n:: c\n@set \"=x\"\nset\nsetx A 1\n",
        );
        assert_eq!(s.description.as_deref(), Some("My task"));
        assert!(s.env.is_empty());
        assert_eq!(
            s.command.map(|c| c.1),
            Some(vec!["setx".to_string(), "A".into(), "1".into()])
        );
        assert_eq!(parse_cmd_script(""), CmdScript::default());
        let _ = parse_cmd_script("set \"\nset \"=\n\"\n^\n%");
    }
}
