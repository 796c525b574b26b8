//! Terminal styling: colour only on a terminal, never with NO_COLOR or `--color never`; and
//! the layout helpers (display width, wrapping with a hanging indent, truncation) that keep the
//! human output readable at the terminal's width.

use crate::cli::ColorChoice;
use std::io::IsTerminal;

#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
    /// Columns to wrap prose at: `COLUMNS` on a terminal, else 80 (pasted output stays stable).
    pub width: usize,
}

/// The width used when nothing better is known, and the narrowest one honoured.
pub const DEFAULT_WIDTH: usize = 80;
const MIN_WIDTH: usize = 40;

impl Style {
    pub fn detect(choice: ColorChoice, no_color_env: bool) -> Style {
        let color = match choice {
            ColorChoice::Never => false,
            ColorChoice::Always => !no_color_env,
            ColorChoice::Auto => !no_color_env && std::io::stdout().is_terminal(),
        };
        let terminal = std::io::stdout().is_terminal();
        let columns = std::env::var("COLUMNS").ok();
        Style {
            color,
            width: width_from(terminal, columns.as_deref()),
        }
    }

    /// No colour, 80 columns: what tests and pipes get.
    pub fn plain() -> Style {
        Style {
            color: false,
            width: DEFAULT_WIDTH,
        }
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

/// `COLUMNS` counts only on a terminal: piped or redirected output is laid out at 80 columns
/// so that what is pasted (and what the snapshots hold) does not depend on the shell.
fn width_from(terminal: bool, columns: Option<&str>) -> usize {
    columns
        .filter(|_| terminal)
        .and_then(|c| c.trim().parse::<usize>().ok())
        .map_or(DEFAULT_WIDTH, |w| w.max(MIN_WIDTH))
}

/// Columns a character takes on a terminal: 0 for combining marks and zero-width characters,
/// 2 for East Asian wide characters and emoji, 1 otherwise. An approximation of `wcwidth`
/// that is right for everything claw-doctor prints (ASCII, `…`, `✓`, `•`).
fn char_width(c: char) -> usize {
    match c as u32 {
        0x0300..=0x036F | 0x200B..=0x200F | 0x20D0..=0x20FF | 0xFE00..=0xFE0F => 0,
        0x1100..=0x115F
        | 0x2E80..=0x303E
        | 0x3041..=0x33FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x1F300..=0x1F64F
        | 0x1F900..=0x1F9FF
        | 0x20000..=0x3FFFD => 2,
        _ => 1,
    }
}

/// Display width of plain text (no escapes: layout happens before styling).
pub fn width(text: &str) -> usize {
    text.chars().map(char_width).sum()
}

/// `text` cut to at most `max` columns, ending in `…` when something was cut.
pub fn truncate(text: &str, max: usize) -> String {
    if width(text) <= max {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = char_width(c);
        if used + w + 1 > max {
            break;
        }
        out.push(c);
        used += w;
    }
    out.truncate(out.trim_end().len());
    out.push('…');
    out
}

/// Greedy word wrap. The first line has `first` columns, every further line `rest`; the
/// caller adds the prefix and the hanging indent. Whitespace runs become one space. A word
/// wider than a whole line (rare: paths and ids normally fit) is cut where the line ends.
pub fn wrap(text: &str, first: usize, rest: usize) -> Vec<String> {
    let mut w = Wrapper {
        lines: vec![String::new()],
        used: 0,
        first: first.max(1),
        rest: rest.max(1),
    };
    for word in text.split_whitespace() {
        w.word(word);
    }
    w.lines
}

struct Wrapper {
    lines: Vec<String>,
    used: usize,
    first: usize,
    rest: usize,
}

impl Wrapper {
    fn room(&self) -> usize {
        if self.lines.len() == 1 {
            self.first
        } else {
            self.rest
        }
    }

    fn new_line(&mut self) {
        self.lines.push(String::new());
        self.used = 0;
    }

    fn push(&mut self, c: char, w: usize) {
        self.lines.last_mut().expect("never empty").push(c);
        self.used += w;
    }

    fn word(&mut self, word: &str) {
        let w = width(word);
        let fits_next_line = w <= self.rest;
        if (self.used > 0 && self.used + 1 + w > self.room())
            || (self.used == 0 && self.lines.len() == 1 && w > self.first && fits_next_line)
        {
            // The second case leaves the first line empty: the word moves under the prefix.
            self.new_line();
        }
        if self.used > 0 {
            self.push(' ', 1);
        }
        for c in word.chars() {
            let cw = char_width(c);
            if self.used > 0 && self.used + cw > self.room() {
                self.new_line();
            }
            self.push(c, cw);
        }
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
    fn wraps_words_with_room_for_prefix_and_indent() {
        let text = "alpha beta gamma delta epsilon zeta eta theta iota kappa";
        let lines = wrap(text, 12, 20);
        assert_eq!(lines[0], "alpha beta");
        assert!(lines[1..].iter().all(|l| width(l) <= 20), "{lines:?}");
        assert_eq!(lines.join(" "), text, "no word lost or split");
    }

    #[test]
    fn cuts_only_words_wider_than_a_line() {
        let lines = wrap("short 0123456789abcdefghij end", 10, 10);
        assert_eq!(lines, ["short", "0123456789", "abcdefghij", "end"]);
        // A word too wide for the first line but not the next moves down whole.
        assert_eq!(wrap("0123456789", 4, 10), ["", "0123456789"]);
    }

    #[test]
    fn measures_display_columns() {
        assert_eq!(width("a…b✓"), 4);
        assert_eq!(width("日本"), 4);
        assert_eq!(width("e\u{301}"), 1);
    }

    #[test]
    fn truncates_with_an_ellipsis() {
        assert_eq!(truncate("short", 10), "short");
        let cut = truncate(&"word ".repeat(50), 20);
        assert!(cut.ends_with('…') && width(&cut) <= 20, "{cut:?}");
    }

    #[test]
    fn columns_count_only_on_a_terminal() {
        assert_eq!(width_from(false, Some("120")), 80);
        assert_eq!(width_from(true, Some("120")), 120);
        assert_eq!(width_from(true, Some("10")), MIN_WIDTH);
        assert_eq!(width_from(true, Some("wide")), 80);
        assert_eq!(width_from(true, None), 80);
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
