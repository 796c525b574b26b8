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

/// Untrusted text (log lines, file contents) is cleaned by the one sanitizer the log scanner
/// uses: ANSI escapes, C0/C1 controls and bidi overrides removed.
pub use crate::logs::sanitize;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_escapes_and_controls() {
        let clean = sanitize("\x1b[31mred\x1b[0m ok\x07\u{202e}x\r");
        assert!(
            !clean.contains(['\x1b', '\x07', '\u{202e}', '\r']),
            "{clean:?}"
        );
        assert!(clean.starts_with("red okx"), "{clean:?}");
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
