//! Recursive-descent parser for the condition language (grammar in `rules/README.md`).

use super::ast::{ArithOp, CmpOp, Expr, Span};
use super::lex::{LexError, Tok, lex};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    pub span: Span,
    pub message: String,
}

impl From<LexError> for SyntaxError {
    fn from(e: LexError) -> Self {
        SyntaxError {
            span: e.span,
            message: e.message,
        }
    }
}

const KEYWORDS: &[&str] = &[
    "and", "or", "not", "in", "for", "if", "true", "false", "null",
];

/// Limits that keep the recursive parser, checker and evaluator far from the stack's end,
/// whatever a user's rule file holds. The longest built-in condition has 226 tokens and a nesting
/// depth under 10.
const MAX_TOKENS: usize = 1000;
const MAX_DEPTH: usize = 64;

pub fn parse(src: &str) -> Result<Expr, SyntaxError> {
    let toks = lex(src)?;
    if toks.len() > MAX_TOKENS {
        return Err(SyntaxError {
            span: Span::new(0, src.len()),
            message: format!(
                "expression too long ({} tokens; the limit is {MAX_TOKENS}): split it into `let`s",
                toks.len()
            ),
        });
    }
    let mut p = Parser {
        toks,
        pos: 0,
        depth: 0,
    };
    let e = p.expr()?;
    match p.peek() {
        Tok::Eof => Ok(e),
        t => Err(p.error(format!("expected the end, found {}", t.describe()))),
    }
}

struct Parser {
    toks: Vec<(Tok, Span)>,
    pos: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> &Tok {
        &self.toks[self.pos].0
    }

    fn span(&self) -> Span {
        self.toks[self.pos].1
    }

    fn bump(&mut self) -> (Tok, Span) {
        let t = self.toks[self.pos].clone();
        if self.pos + 1 < self.toks.len() {
            self.pos += 1;
        }
        t
    }

    fn error(&self, message: String) -> SyntaxError {
        SyntaxError {
            span: self.span(),
            message,
        }
    }

    fn is_kw(&self, kw: &str) -> bool {
        matches!(self.peek(), Tok::Ident(s) if s == kw)
    }

    fn eat_kw(&mut self, kw: &str) -> bool {
        let yes = self.is_kw(kw);
        if yes {
            self.bump();
        }
        yes
    }

    fn expect(&mut self, t: Tok) -> Result<Span, SyntaxError> {
        if *self.peek() == t {
            Ok(self.bump().1)
        } else {
            Err(self.error(format!(
                "expected {}, found {}",
                t.describe(),
                self.peek().describe()
            )))
        }
    }

    fn ident(&mut self, what: &str) -> Result<(String, Span), SyntaxError> {
        match self.peek().clone() {
            Tok::Ident(s) if !KEYWORDS.contains(&s.as_str()) => {
                let sp = self.bump().1;
                Ok((s, sp))
            }
            t => Err(self.error(format!("expected {what}, found {}", t.describe()))),
        }
    }

    // `and`/`or` chains are kept flat (n-ary), so a long chain is a wide node, not a deep one.
    fn expr(&mut self) -> Result<Expr, SyntaxError> {
        let mut items = vec![self.and()?];
        while self.eat_kw("or") {
            items.push(self.and()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Expr::Or(items)
        })
    }

    fn and(&mut self) -> Result<Expr, SyntaxError> {
        let mut items = vec![self.not()?];
        while self.eat_kw("and") {
            items.push(self.not()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Expr::And(items)
        })
    }

    fn deeper(&mut self) -> Result<(), SyntaxError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(format!("nested more than {MAX_DEPTH} levels deep")));
        }
        Ok(())
    }

    fn not(&mut self) -> Result<Expr, SyntaxError> {
        if self.is_kw("not") {
            let sp = self.bump().1;
            self.deeper()?;
            let inner = self.not()?;
            self.depth -= 1;
            let span = sp.to(inner.span());
            return Ok(Expr::Not(Box::new(inner), span));
        }
        self.cmp()
    }

    fn cmp(&mut self) -> Result<Expr, SyntaxError> {
        let left = self.arith()?;
        let op = match self.peek() {
            Tok::Eq => CmpOp::Eq,
            Tok::Ne => CmpOp::Ne,
            Tok::Lt => CmpOp::Lt,
            Tok::Le => CmpOp::Le,
            Tok::Gt => CmpOp::Gt,
            Tok::Ge => CmpOp::Ge,
            Tok::Ident(s) if s == "in" => CmpOp::In,
            // `not in` after an operand; a bare `not` here would be a syntax error anyway.
            Tok::Ident(s)
                if s == "not"
                    && matches!(self.toks.get(self.pos + 1), Some((Tok::Ident(n), _)) if n == "in") =>
            {
                self.bump();
                CmpOp::NotIn
            }
            _ => return Ok(left),
        };
        self.bump();
        let right = self.arith()?;
        if matches!(
            self.peek(),
            Tok::Eq | Tok::Ne | Tok::Lt | Tok::Le | Tok::Gt | Tok::Ge
        ) {
            return Err(self.error("comparisons do not chain: use `and`".into()));
        }
        Ok(Expr::Cmp(op, Box::new(left), Box::new(right)))
    }

    fn arith(&mut self) -> Result<Expr, SyntaxError> {
        let mut left = self.postfix()?;
        // A `+`/`-` chain is a left-deep tree: bound it like nesting.
        for _ in 0..MAX_DEPTH {
            let op = match self.peek() {
                Tok::Plus => ArithOp::Add,
                Tok::Minus => ArithOp::Sub,
                _ => return Ok(left),
            };
            self.bump();
            left = Expr::Arith(op, Box::new(left), Box::new(self.postfix()?));
        }
        match self.peek() {
            Tok::Plus | Tok::Minus => Err(self.error(format!(
                "more than {MAX_DEPTH} `+`/`-` in a row: use `let`s"
            ))),
            _ => Ok(left),
        }
    }

    fn postfix(&mut self) -> Result<Expr, SyntaxError> {
        let mut e = self.primary()?;
        while *self.peek() == Tok::Dot {
            self.bump();
            let (name, sp) = self.ident("a field name")?;
            let span = e.span().to(sp);
            e = Expr::Field(Box::new(e), name, span);
        }
        Ok(e)
    }

    fn primary(&mut self) -> Result<Expr, SyntaxError> {
        self.deeper()?;
        let e = self.primary_inner();
        self.depth -= 1;
        e
    }

    fn primary_inner(&mut self) -> Result<Expr, SyntaxError> {
        let (tok, sp) = self.bump();
        match tok {
            Tok::Int(n) => Ok(Expr::Lit(Value::from(n), sp)),
            Tok::Str(s) => Ok(Expr::Lit(Value::from(s), sp)),
            Tok::Minus => match self.bump() {
                (Tok::Int(n), end) => Ok(Expr::Lit(Value::from(-n), sp.to(end))),
                (t, _) => Err(SyntaxError {
                    span: sp,
                    message: format!("expected a number after `-`, found {}", t.describe()),
                }),
            },
            Tok::LParen => {
                let e = self.expr()?;
                self.expect(Tok::RParen)?;
                Ok(e)
            }
            Tok::LBracket => self.list(sp),
            Tok::Ident(s) => match s.as_str() {
                "true" => Ok(Expr::Lit(Value::Bool(true), sp)),
                "false" => Ok(Expr::Lit(Value::Bool(false), sp)),
                "null" => Ok(Expr::Lit(Value::Null, sp)),
                kw if KEYWORDS.contains(&kw) => Err(SyntaxError {
                    span: sp,
                    message: format!("expected a value, found `{kw}`"),
                }),
                _ if *self.peek() == Tok::LParen => {
                    self.bump();
                    let args = self.args()?;
                    let end = self.expect(Tok::RParen)?;
                    Ok(Expr::Call(s, args, sp.to(end)))
                }
                _ => Ok(Expr::Var(s, sp)),
            },
            t => Err(SyntaxError {
                span: sp,
                message: format!("expected a value, found {}", t.describe()),
            }),
        }
    }

    /// Call arguments: a comma list, or one generator (`any(x.live for x in devices)`).
    fn args(&mut self) -> Result<Vec<Expr>, SyntaxError> {
        if *self.peek() == Tok::RParen {
            return Ok(Vec::new());
        }
        let first = self.expr()?;
        if self.is_kw("for") {
            let start = first.span();
            return Ok(vec![self.comprehension(first, start)?]);
        }
        let mut args = vec![first];
        while *self.peek() == Tok::Comma {
            self.bump();
            args.push(self.expr()?);
        }
        Ok(args)
    }

    fn list(&mut self, open: Span) -> Result<Expr, SyntaxError> {
        if *self.peek() == Tok::RBracket {
            let end = self.bump().1;
            return Ok(Expr::List(Vec::new(), open.to(end)));
        }
        let first = self.expr()?;
        if self.is_kw("for") {
            let comp = self.comprehension(first, open)?;
            self.expect(Tok::RBracket)?;
            return Ok(comp);
        }
        let mut items = vec![first];
        while *self.peek() == Tok::Comma {
            self.bump();
            if *self.peek() == Tok::RBracket {
                break;
            }
            items.push(self.expr()?);
        }
        let end = self.expect(Tok::RBracket)?;
        Ok(Expr::List(items, open.to(end)))
    }

    fn comprehension(&mut self, body: Expr, start: Span) -> Result<Expr, SyntaxError> {
        self.eat_kw("for");
        let (var, _) = self.ident("a variable name")?;
        if !self.eat_kw("in") {
            return Err(self.error(format!("expected `in`, found {}", self.peek().describe())));
        }
        let iter = self.arith()?;
        let cond = if self.eat_kw("if") {
            Some(Box::new(self.expr()?))
        } else {
            None
        };
        let end = cond.as_ref().map_or(iter.span(), |c| c.span());
        Ok(Expr::Comp {
            body: Box::new(body),
            var,
            iter: Box::new(iter),
            cond,
            span: start.to(end),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(e: &Expr) -> String {
        match e {
            Expr::Lit(v, _) => v.to_string(),
            Expr::Var(n, _) => n.clone(),
            Expr::Field(b, f, _) => format!("{}.{f}", shape(b)),
            Expr::Call(n, a, _) => format!(
                "{n}({})",
                a.iter().map(shape).collect::<Vec<_>>().join(", ")
            ),
            Expr::List(items, _) => format!(
                "[{}]",
                items.iter().map(shape).collect::<Vec<_>>().join(", ")
            ),
            Expr::Comp {
                body,
                var,
                iter,
                cond,
                ..
            } => format!(
                "[{} for {var} in {}{}]",
                shape(body),
                shape(iter),
                cond.as_ref()
                    .map(|c| format!(" if {}", shape(c)))
                    .unwrap_or_default()
            ),
            Expr::Not(e, _) => format!("(not {})", shape(e)),
            Expr::And(items) => format!(
                "({})",
                items.iter().map(shape).collect::<Vec<_>>().join(" and ")
            ),
            Expr::Or(items) => format!(
                "({})",
                items.iter().map(shape).collect::<Vec<_>>().join(" or ")
            ),
            Expr::Cmp(op, a, b) => format!("({} {op:?} {})", shape(a), shape(b)),
            Expr::Arith(op, a, b) => format!("({} {op:?} {})", shape(a), shape(b)),
        }
    }

    fn p(s: &str) -> String {
        shape(&parse(s).unwrap())
    }

    #[test]
    fn precedence_is_not_over_and_over_or() {
        assert_eq!(p("a or b and not c"), "(a or (b and (not c)))");
        assert_eq!(p("not a == b"), "(not (a Eq b))");
        assert_eq!(p("(a or b) and c"), "((a or b) and c)");
    }

    #[test]
    fn parses_membership_fields_calls_and_arithmetic() {
        assert_eq!(
            p("'operator.write' not in implied(d.scopes)"),
            "(\"operator.write\" NotIn implied(d.scopes))"
        );
        assert_eq!(p("a.b.c + [1, 2,] - x"), "((a.b.c Add [1, 2]) Sub x)");
        assert_eq!(p("f()"), "f()");
        assert_eq!(p("x > -5"), "(x Gt -5)");
    }

    #[test]
    fn parses_comprehensions_and_generators() {
        assert_eq!(
            p("[d.deviceId for d in devices if d.live]"),
            "[d.deviceId for d in devices if d.live]"
        );
        assert_eq!(
            p("any(t.scopes == null for t in d.tokens)"),
            "any([(t.scopes Eq null) for t in d.tokens])"
        );
    }

    #[test]
    fn errors_point_at_the_problem() {
        let e = parse("a == b == c").unwrap_err();
        assert!(e.message.contains("do not chain"), "{e:?}");
        let e = parse("a and").unwrap_err();
        assert!(e.message.contains("expected a value"), "{e:?}");
        let e = parse("a.in").unwrap_err();
        assert!(e.message.contains("field name"), "{e:?}");
        let e = parse("[x for in y]").unwrap_err();
        assert!(e.message.contains("variable name"), "{e:?}");
        let e = parse("f(a b)").unwrap_err();
        assert_eq!(e.span, Span::new(4, 5));
    }

    #[test]
    fn hostile_sizes_are_refused_not_overflowed() {
        let deep = format!("{}1{}", "(".repeat(10_000), ")".repeat(10_000));
        assert!(parse(&deep).unwrap_err().message.contains("too long"));
        let nested = format!("{}1{}", "(".repeat(100), ")".repeat(100));
        assert!(parse(&nested).unwrap_err().message.contains("nested"));
        let nots = format!("{}true", "not ".repeat(100));
        assert!(parse(&nots).unwrap_err().message.contains("nested"));
        let chain = vec!["true"; 600].join(" and ");
        assert!(parse(&chain).unwrap_err().message.contains("too long"));
        let ok = vec!["true"; 490].join(" and ");
        let e = parse(&ok).unwrap();
        let check = crate::engine::check::check(&e, &Default::default());
        assert!(check.is_ok(), "a long flat chain still checks: {check:?}");
        let sum = vec!["1"; 60].join(" + ");
        let e = parse(&sum).unwrap();
        assert!(crate::engine::check::check(&e, &Default::default()).is_ok());
        let long_sum = vec!["1"; 490].join(" + ");
        assert!(parse(&long_sum).unwrap_err().message.contains("in a row"));
    }
}
