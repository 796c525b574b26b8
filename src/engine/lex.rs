//! Tokens of the condition language.

use super::ast::Span;

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    Ident(String),
    Int(i64),
    Str(String),
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Dot,
    Plus,
    Minus,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Eof,
}

impl Tok {
    pub fn describe(&self) -> String {
        match self {
            Tok::Ident(s) => format!("`{s}`"),
            Tok::Int(n) => format!("`{n}`"),
            Tok::Str(s) => format!("string {s:?}"),
            Tok::Eof => "the end".into(),
            other => format!("`{}`", other.symbol()),
        }
    }

    fn symbol(&self) -> &'static str {
        match self {
            Tok::LParen => "(",
            Tok::RParen => ")",
            Tok::LBracket => "[",
            Tok::RBracket => "]",
            Tok::Comma => ",",
            Tok::Dot => ".",
            Tok::Plus => "+",
            Tok::Minus => "-",
            Tok::Eq => "==",
            Tok::Ne => "!=",
            Tok::Lt => "<",
            Tok::Le => "<=",
            Tok::Gt => ">",
            Tok::Ge => ">=",
            _ => "?",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct LexError {
    pub span: Span,
    pub message: String,
}

pub fn lex(src: &str) -> Result<Vec<(Tok, Span)>, LexError> {
    let bytes = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if c == b'#' {
            // Comments run to the end of the line: conditions are written in multi-line strings.
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        let two = bytes.get(i..i + 2);
        let tok = match (c, two) {
            (_, Some(b"==")) => Some((Tok::Eq, 2)),
            (_, Some(b"!=")) => Some((Tok::Ne, 2)),
            (_, Some(b"<=")) => Some((Tok::Le, 2)),
            (_, Some(b">=")) => Some((Tok::Ge, 2)),
            (b'<', _) => Some((Tok::Lt, 1)),
            (b'>', _) => Some((Tok::Gt, 1)),
            (b'(', _) => Some((Tok::LParen, 1)),
            (b')', _) => Some((Tok::RParen, 1)),
            (b'[', _) => Some((Tok::LBracket, 1)),
            (b']', _) => Some((Tok::RBracket, 1)),
            (b',', _) => Some((Tok::Comma, 1)),
            (b'.', _) => Some((Tok::Dot, 1)),
            (b'+', _) => Some((Tok::Plus, 1)),
            (b'-', _) => Some((Tok::Minus, 1)),
            _ => None,
        };
        if let Some((t, n)) = tok {
            i += n;
            out.push((t, Span::new(start, i)));
            continue;
        }
        if c == b'"' || c == b'\'' {
            let (s, end) = string(src, i)?;
            i = end;
            out.push((Tok::Str(s), Span::new(start, i)));
            continue;
        }
        if c.is_ascii_digit() {
            while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'_') {
                i += 1;
            }
            let text: String = src[start..i].chars().filter(|c| *c != '_').collect();
            let n = text.parse::<i64>().map_err(|_| LexError {
                span: Span::new(start, i),
                message: "number too large".into(),
            })?;
            out.push((Tok::Int(n), Span::new(start, i)));
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' {
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            out.push((Tok::Ident(src[start..i].to_string()), Span::new(start, i)));
            continue;
        }
        let ch = src[i..].chars().next().unwrap_or('?');
        return Err(LexError {
            span: Span::new(start, start + ch.len_utf8()),
            message: format!("unexpected character {ch:?}"),
        });
    }
    out.push((Tok::Eof, Span::new(src.len(), src.len())));
    Ok(out)
}

/// A quoted string starting at `start`; `\\`, `\n` and the quote can be escaped.
fn string(src: &str, start: usize) -> Result<(String, usize), LexError> {
    let quote = src.as_bytes()[start] as char;
    let mut out = String::new();
    let mut chars = src[start + 1..].char_indices();
    while let Some((off, ch)) = chars.next() {
        match ch {
            c if c == quote => return Ok((out, start + 1 + off + 1)),
            '\\' => match chars.next() {
                Some((_, 'n')) => out.push('\n'),
                Some((_, c)) => out.push(c),
                None => break,
            },
            c => out.push(c),
        }
    }
    Err(LexError {
        span: Span::new(start, src.len()),
        message: "string is not closed".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Tok> {
        lex(s).unwrap().into_iter().map(|(t, _)| t).collect()
    }

    #[test]
    fn lexes_operators_strings_and_comments() {
        assert_eq!(
            toks("a.b >= 5 # note\n and 'x\\'y' != \"z\""),
            vec![
                Tok::Ident("a".into()),
                Tok::Dot,
                Tok::Ident("b".into()),
                Tok::Ge,
                Tok::Int(5),
                Tok::Ident("and".into()),
                Tok::Str("x'y".into()),
                Tok::Ne,
                Tok::Str("z".into()),
                Tok::Eof
            ]
        );
        assert_eq!(toks("300_000")[0], Tok::Int(300_000));
    }

    #[test]
    fn reports_bad_input_with_a_span() {
        let e = lex("a ! b").unwrap_err();
        assert_eq!(e.span, Span::new(2, 3));
        let e = lex("'open").unwrap_err();
        assert!(e.message.contains("not closed"));
        assert!(lex("99999999999999999999").is_err());
    }
}
