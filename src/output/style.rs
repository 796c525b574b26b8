//! Terminal styling: colour only on a terminal, never with NO_COLOR or `--color never`.

use crate::cli::ColorChoice;
use std::io::IsTerminal;

#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
}

impl Style {
    pub fn detect(choice: ColorChoice, no_color_env: bool) -> Style {
        let color = match choice {
            ColorChoice::Never => false,
            ColorChoice::Always => !no_color_env,
            ColorChoice::Auto => !no_color_env && std::io::stdout().is_terminal(),
        };
        Style { color }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    pub fn bold(&self, t: &str) -> String {
        self.paint("1", t)
    }
    pub fn dim(&self, t: &str) -> String {
        self.paint("2", t)
    }
    pub fn ok(&self, t: &str) -> String {
        self.paint("32", t)
    }
    pub fn warn(&self, t: &str) -> String {
        self.paint("33", t)
    }
    pub fn bad(&self, t: &str) -> String {
        self.paint("31", t)
    }
}

/// Removes terminal control characters (ANSI escapes, C0/C1 controls, bidi overrides) from
/// untrusted text such as log lines, keeping tabs.
pub fn sanitize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            // CSI: ESC [ params final-byte; other escapes: drop ESC and the next char.
            if chars.peek() == Some(&'[') {
                chars.next();
                for n in chars.by_ref() {
                    if ('@'..='~').contains(&n) {
                        break;
                    }
                }
            } else {
                chars.next();
            }
            continue;
        }
        let bidi = matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}');
        if (c.is_control() && c != '\t') || bidi {
            continue;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_escapes_and_controls() {
        assert_eq!(sanitize("\x1b[31mred\x1b[0m ok\x07\u{202e}x\r"), "red okx");
        assert_eq!(sanitize("a\tb"), "a\tb");
    }

    #[test]
    fn never_colours_when_disabled() {
        assert_eq!(
            Style::detect(ColorChoice::Always, true).bold("x"),
            "x",
            "NO_COLOR wins over --color always"
        );
        assert_eq!(Style::detect(ColorChoice::Never, false).bad("x"), "x");
        assert_eq!(
            Style::detect(ColorChoice::Always, false).bad("x"),
            "\x1b[31mx\x1b[0m"
        );
    }
}
