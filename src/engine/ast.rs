//! The syntax tree of a condition or template expression.

use serde_json::Value;

/// Byte range in the expression text, for error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    pub fn to(self, other: Span) -> Span {
        Span::new(self.start, other.end)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    NotIn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArithOp {
    /// Integers: sum. Lists: union, keeping order, without duplicates.
    Add,
    /// Integers: difference. Lists: the left items not in the right one.
    Sub,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Lit(Value, Span),
    Var(String, Span),
    Field(Box<Expr>, String, Span),
    Call(String, Vec<Expr>, Span),
    List(Vec<Expr>, Span),
    /// `[body for var in iter if cond]`; also the argument of `any(... for ...)`.
    Comp {
        body: Box<Expr>,
        var: String,
        iter: Box<Expr>,
        cond: Option<Box<Expr>>,
        span: Span,
    },
    Not(Box<Expr>, Span),
    /// Two or more operands.
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Cmp(CmpOp, Box<Expr>, Box<Expr>),
    Arith(ArithOp, Box<Expr>, Box<Expr>),
}

impl Expr {
    pub fn span(&self) -> Span {
        match self {
            Expr::Lit(_, s)
            | Expr::Var(_, s)
            | Expr::Field(_, _, s)
            | Expr::Call(_, _, s)
            | Expr::List(_, s)
            | Expr::Comp { span: s, .. }
            | Expr::Not(_, s) => *s,
            Expr::And(items) | Expr::Or(items) => match (items.first(), items.last()) {
                (Some(a), Some(b)) => a.span().to(b.span()),
                _ => Span::default(),
            },
            Expr::Cmp(_, a, b) | Expr::Arith(_, a, b) => a.span().to(b.span()),
        }
    }
}
