//! Rendering: the scan document in human, Markdown and JSON form. Every byte written goes
//! through `emit`, which applies the redactor and strips control characters from untrusted text
//! before it reaches the terminal.

pub mod findings;
pub mod json;
pub mod logs;
pub mod progress;
pub mod report;
pub mod style;
pub mod summary;

use crate::redact::Redactor;
use style::Style;
use summary::{Mark, Section};

fn mark_text(mark: Mark, style: &Style) -> String {
    match mark {
        Mark::Ok => style.ok("[✓]"),
        Mark::Note => style.dim("[·]"),
        Mark::Warn => style.warn("[!]"),
        Mark::Bad => style.bad("[✗]"),
    }
}

/// flutter-doctor style: one line per area, details indented under it.
pub fn human(sections: &[Section], style: &Style) -> String {
    let mut out = String::new();
    for s in sections {
        out.push_str(&format!(
            "{} {} {}\n",
            mark_text(s.mark, style),
            style.bold(&format!("{:<12}", s.title)),
            style::sanitize(&s.headline)
        ));
        for d in &s.details {
            out.push_str(&format!("    {} {}\n", style.dim("•"), style::sanitize(d)));
        }
    }
    out
}

pub(crate) fn md_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in style::sanitize(text).chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '<' | '>' | '[' | ']' | '|' | '#'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

pub fn markdown(sections: &[Section]) -> String {
    let mut out = String::new();
    for s in sections {
        let mark = match s.mark {
            Mark::Ok => "✓",
            Mark::Note => "·",
            Mark::Warn => "!",
            Mark::Bad => "✗",
        };
        out.push_str(&format!(
            "- {mark} **{}**: {}\n",
            s.title,
            md_escape(&s.headline)
        ));
        for d in &s.details {
            out.push_str(&format!("  - {}\n", md_escape(d)));
        }
    }
    out
}

/// At most `max` characters of `text`, cut at a word boundary with `…`: a cut through the
/// middle of an unknown token would leave a prefix too short for the redactor's shape rules.
pub fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let head: String = text.chars().take(max).collect();
    let cut = head.rfind(char::is_whitespace).unwrap_or(0);
    format!("{}…", head[..cut].trim_end())
}

/// Writes text to stdout through the redactor. A closed pipe (`| head`) is not an error.
pub fn emit(text: &str, redactor: &Redactor) -> std::io::Result<()> {
    use std::io::Write;
    let safe = redactor.apply(text);
    let mut out = std::io::stdout().lock();
    match out.write_all(safe.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn clip_never_cuts_inside_a_word() {
        let token = "A".repeat(43);
        let text = format!("token {token} end");
        assert_eq!(super::clip(&text, 20), "token…");
        assert_eq!(super::clip("short", 20), "short");
        assert_eq!(
            super::clip(&token, 10),
            "…",
            "no boundary: nothing of the word"
        );
    }
}
