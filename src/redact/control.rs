//! Terminal control characters: whatever a caller did, nothing but text and colour reaches the
//! terminal. `\n` and `\t` stay; SGR colour sequences (`ESC [ 1;32 m`, what `output::style`
//! writes) stay; every other escape sequence, C0/C1 control, DEL and bidi override goes.

use std::borrow::Cow;

fn bad_char(c: char) -> bool {
    (c < ' ' && c != '\n' && c != '\t')
        || c == '\u{7f}'
        || ('\u{80}'..='\u{9f}').contains(&c)
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
        || c == '\u{61c}'
}

/// Length in bytes of an SGR sequence (`ESC [ digits/semicolons m`) at the start of `b`.
pub(super) fn sgr_len(b: &[u8]) -> Option<usize> {
    if b.len() < 3 || b[0] != 0x1b || b[1] != b'[' {
        return None;
    }
    let params = b[2..]
        .iter()
        .take(32)
        .take_while(|c| c.is_ascii_digit() || **c == b';')
        .count();
    (b.get(2 + params) == Some(&b'm')).then_some(3 + params)
}

pub(super) fn strip(s: &str) -> Cow<'_, str> {
    // Every bad char starts with one of these bytes (each an ASCII byte or a UTF-8 lead byte,
    // so a char boundary); text full of `…` (e2 80 a6) is only decoded where they occur.
    // (`|` and `&`, not `||`: no branches, so the screening below vectorises)
    let suspicious = |b: u8| {
        ((b < 0x20) & (b != b'\n') & (b != b'\t'))
            | (b == 0x7f)
            | (b == 0xc2)
            | (b == 0xd8)
            | (b == 0xe2)
    };
    // 64-byte blocks are screened with a branch-free test the compiler vectorises; only a
    // block with a suspicious byte is looked at closely.
    let b = s.as_bytes();
    let any_bad = b.chunks(64).enumerate().any(|(k, block)| {
        block.iter().fold(false, |acc, &c| acc | suspicious(c))
            && block.iter().enumerate().any(|(j, &c)| {
                let i = k * 64 + j;
                suspicious(c)
                    && s.get(i..)
                        .and_then(|rest| rest.chars().next())
                        .is_some_and(bad_char)
            })
    });
    if !any_bad {
        return Cow::Borrowed(s);
    }
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let c = s[i..].chars().next().unwrap_or('\0');
        if c == '\u{1b}' {
            if let Some(n) = sgr_len(&bytes[i..]) {
                out.push_str(&s[i..i + n]);
                i += n;
                continue;
            }
            i += 1;
            match bytes.get(i) {
                Some(b'[') => {
                    // CSI: parameters and intermediates, then one final byte 0x40..=0x7e.
                    i += 1;
                    while i < bytes.len() && !(0x40..=0x7e).contains(&bytes[i]) {
                        if bytes[i] >= 0x80 || bytes[i] < 0x20 {
                            break;
                        }
                        i += 1;
                    }
                    if i < bytes.len() && (0x40..=0x7e).contains(&bytes[i]) {
                        i += 1;
                    }
                }
                Some(b']') | Some(b'P') | Some(b'_') | Some(b'^') => {
                    // OSC / DCS / APC / PM: until BEL or ESC \.
                    i += 1;
                    while i < bytes.len() {
                        if bytes[i] == 0x07 {
                            i += 1;
                            break;
                        }
                        if bytes[i] == 0x1b {
                            i += 1;
                            if bytes.get(i) == Some(&b'\\') {
                                i += 1;
                            }
                            break;
                        }
                        i += 1;
                    }
                }
                Some(b) if (0x20..0x7f).contains(b) => i += 1,
                _ => {}
            }
            continue;
        }
        if !bad_char(c) {
            out.push(c);
        }
        i += c.len_utf8();
    }
    // Slicing above only ever stops on ASCII bytes or whole chars, so `out` is valid text.
    Cow::Owned(out)
}
