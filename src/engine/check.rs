//! Load-time checks of expressions: every name, field and function exists, calls have the
//! right number of arguments, operands have usable types, literal arguments are valid.
//! A rule that passes can still meet `null` at run time, which the evaluator defines.

use super::ast::{ArithOp, CmpOp, Expr, Span};
use super::functions::{self, Ret};
use super::schema::{self, Ty};

#[derive(Debug, Clone, PartialEq)]
pub struct CheckError {
    pub span: Span,
    pub message: String,
}

fn err<T>(span: Span, message: impl Into<String>) -> Result<T, CheckError> {
    Err(CheckError {
        span,
        message: message.into(),
    })
}

/// Types of local variables, innermost last.
#[derive(Default, Clone)]
pub struct TyScope {
    vars: Vec<(String, Ty)>,
}

impl TyScope {
    pub fn with(&self, name: &str, ty: Ty) -> TyScope {
        let mut s = self.clone();
        s.vars.push((name.to_string(), ty));
        s
    }

    fn get(&self, name: &str) -> Option<Ty> {
        self.vars
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, t)| *t)
    }

    fn names(&self) -> impl Iterator<Item = &str> {
        self.vars.iter().map(|(n, _)| n.as_str())
    }
}

/// A `'static` copy of a comprehension's element type (`Ty::List` holds a `&'static Ty`).
fn intern(t: Ty) -> &'static Ty {
    // The set of distinct types is tiny and fixed by the rule files; reuse the statics.
    const ALL: &[Ty] = &[
        Ty::Any,
        Ty::Bool,
        Ty::Int,
        Ty::Str,
        Ty::Null,
        Ty::List(&Ty::Str),
        Ty::List(&Ty::Int),
        Ty::List(&Ty::Bool),
        Ty::List(&Ty::Any),
    ];
    if let Some(t) = ALL.iter().find(|x| **x == t) {
        return t;
    }
    if let Ty::Rec(name) = t
        && let Some(r) = schema::RECORDS.iter().find(|r| r.name == name)
    {
        return rec_ty(r.name);
    }
    &Ty::Any
}

fn rec_ty(name: &'static str) -> &'static Ty {
    macro_rules! recs {
        ($($n:literal),*) => {
            match name { $($n => &Ty::Rec($n),)* _ => &Ty::Any }
        };
    }
    recs!(
        "device",
        "deviceToken",
        "pending",
        "bootstrapToken",
        "identity",
        "tokenCache",
        "cachedToken",
        "secret",
        "secretValue",
        "tokenSource",
        "service",
        "file",
        "problem",
        "config",
        "state",
        "logs",
        "logGroup",
        "logEvent",
        "group",
        "runtime",
        "gatewayLock",
        "gatewayProcess"
    )
}

/// The type two branches (or two list element types) share: the same, the non-null one, or any.
fn unify(a: Ty, b: Ty) -> Ty {
    match (a, b) {
        _ if a == b => a,
        (Ty::Null, t) | (t, Ty::Null) => t,
        (Ty::List(x), Ty::List(y)) => Ty::List(intern(unify(*x, *y))),
        _ => Ty::Any,
    }
}

pub fn check(e: &Expr, scope: &TyScope) -> Result<Ty, CheckError> {
    match e {
        Expr::Lit(v, _) => Ok(match v {
            serde_json::Value::Null => Ty::Null,
            serde_json::Value::Bool(_) => Ty::Bool,
            serde_json::Value::Number(_) => Ty::Int,
            serde_json::Value::String(_) => Ty::Str,
            _ => Ty::Any,
        }),
        Expr::Var(name, span) => scope.get(name).or_else(|| schema::root(name)).map_or_else(
            || {
                let known: Vec<&str> = scope
                    .names()
                    .chain(schema::ROOTS.iter().map(|(n, ..)| *n))
                    .collect();
                err(
                    *span,
                    format!("unknown name `{name}`{}", suggest(name, &known)),
                )
            },
            Ok,
        ),
        Expr::Field(base, field, span) => match check(base, scope)? {
            Ty::Any | Ty::Null => Ok(Ty::Any),
            Ty::Rec(r) => {
                let rec = schema::record(r).expect("schema names its records");
                match rec.fields.iter().find(|(n, _)| n == field) {
                    Some((_, t)) => Ok(*t),
                    None if rec.open => Ok(Ty::Any),
                    None => {
                        let known: Vec<&str> = rec.fields.iter().map(|(n, _)| *n).collect();
                        err(
                            *span,
                            format!(
                                "a {r} record has no field `{field}`{}",
                                suggest(field, &known)
                            ),
                        )
                    }
                }
            }
            Ty::List(_) => err(
                *span,
                format!(
                    "`.{field}` of a list: use `[x.{field} for x in ...]`, `any(... for x in ...)` or `first(...)`"
                ),
            ),
            other => err(
                *span,
                format!("`.{field}` of {}, which has no fields", other.describe()),
            ),
        },
        Expr::Call(name, args, span) => call(name, args, *span, scope),
        Expr::List(items, _) => {
            let mut elem: Option<Ty> = None;
            for i in items {
                let t = check(i, scope)?;
                elem = Some(match elem {
                    None => t,
                    Some(prev) if prev == t => prev,
                    Some(_) => Ty::Any,
                });
            }
            Ok(Ty::List(intern(elem.unwrap_or(Ty::Any))))
        }
        Expr::Comp {
            body,
            var,
            iter,
            cond,
            ..
        } => {
            let elem = match check(iter, scope)? {
                Ty::List(t) => *t,
                Ty::Any | Ty::Null => Ty::Any,
                other => {
                    return err(
                        iter.span(),
                        format!("`for ... in` needs a list, this is {}", other.describe()),
                    );
                }
            };
            let inner = scope.with(var, elem);
            if let Some(c) = cond {
                boolean(c, &inner)?;
            }
            Ok(Ty::List(intern(check(body, &inner)?)))
        }
        Expr::Not(inner, _) => {
            boolean(inner, scope)?;
            Ok(Ty::Bool)
        }
        Expr::And(items) | Expr::Or(items) => {
            for i in items {
                boolean(i, scope)?;
            }
            Ok(Ty::Bool)
        }
        Expr::Cmp(op, a, b) => {
            let (l, r) = (check(a, scope)?, check(b, scope)?);
            let span = a.span().to(b.span());
            match op {
                CmpOp::In | CmpOp::NotIn => {
                    if !matches!(r, Ty::List(_) | Ty::Str | Ty::Any | Ty::Null) {
                        return err(
                            span,
                            format!("`in` needs a list or string, this is {}", r.describe()),
                        );
                    }
                }
                CmpOp::Lt | CmpOp::Le | CmpOp::Gt | CmpOp::Ge => {
                    let orderable = |t: Ty| matches!(t, Ty::Int | Ty::Str | Ty::Any | Ty::Null);
                    if !(orderable(l) && orderable(r) && l.fits(r) && r.fits(l)) {
                        return err(
                            span,
                            format!("cannot order {} and {}", l.describe(), r.describe()),
                        );
                    }
                }
                CmpOp::Eq | CmpOp::Ne => {
                    if !l.fits(r) && !r.fits(l) {
                        return err(
                            span,
                            format!(
                                "comparing {} with {} is always {}",
                                l.describe(),
                                r.describe(),
                                if *op == CmpOp::Eq { "false" } else { "true" }
                            ),
                        );
                    }
                }
            }
            Ok(Ty::Bool)
        }
        Expr::Arith(op, a, b) => {
            let (l, r) = (check(a, scope)?, check(b, scope)?);
            match (l, r) {
                (Ty::Int, Ty::Int) => Ok(Ty::Int),
                (Ty::Str, Ty::Str | Ty::Any) | (Ty::Any, Ty::Str) if *op == ArithOp::Add => {
                    Ok(Ty::Str)
                }
                (Ty::List(a), Ty::List(b)) => Ok(unify(Ty::List(a), Ty::List(b))),
                (Ty::List(t), Ty::Any | Ty::Null) | (Ty::Any | Ty::Null, Ty::List(t)) => {
                    Ok(Ty::List(t))
                }
                (Ty::Int, Ty::Any | Ty::Null) | (Ty::Any | Ty::Null, Ty::Int) => Ok(Ty::Int),
                (Ty::Any | Ty::Null, Ty::Any | Ty::Null) => Ok(Ty::Any),
                _ => err(
                    a.span().to(b.span()),
                    format!(
                        "`{}` works on two numbers or two lists (`+` also joins two strings), not {} and {}",
                        if *op == ArithOp::Add { "+" } else { "-" },
                        l.describe(),
                        r.describe()
                    ),
                ),
            }
        }
    }
}

/// Checks an expression used as a condition.
pub fn boolean(e: &Expr, scope: &TyScope) -> Result<(), CheckError> {
    match check(e, scope)? {
        Ty::Bool | Ty::Any | Ty::Null => Ok(()),
        other => err(
            e.span(),
            format!(
                "a condition must be true/false, this is {} (compare it, or use `exists(...)`)",
                other.describe()
            ),
        ),
    }
}

fn call(name: &str, args: &[Expr], span: Span, scope: &TyScope) -> Result<Ty, CheckError> {
    let Some(f) = functions::lookup(name) else {
        let known: Vec<&str> = functions::FUNCTIONS.iter().map(|f| f.name).collect();
        return err(
            span,
            format!("unknown function `{name}`{}", suggest(name, &known)),
        );
    };
    let (min, max) = (f.params.len() - f.optional, f.params.len());
    if args.len() < min || args.len() > max {
        return err(
            span,
            format!(
                "`{}` takes {} argument{}, got {}",
                f.signature(),
                if min == max {
                    min.to_string()
                } else {
                    format!("{min} to {max}")
                },
                if max == 1 { "" } else { "s" },
                args.len()
            ),
        );
    }
    let mut types = Vec::with_capacity(args.len());
    for (a, want) in args.iter().zip(f.params) {
        let t = check(a, scope)?;
        if !t.fits(*want) {
            return err(
                a.span(),
                format!(
                    "`{}` wants {} here, this is {}",
                    f.signature(),
                    want.describe(),
                    t.describe()
                ),
            );
        }
        types.push(t);
    }
    if let Some(validate) = f.validate {
        let lits: Vec<Option<&serde_json::Value>> = args
            .iter()
            .map(|a| match a {
                Expr::Lit(v, _) => Some(v),
                _ => None,
            })
            .collect();
        validate(&lits).or_else(|m| err(span, m))?;
    }
    Ok(match f.ret {
        Ret::Ty(t) => t,
        Ret::Arg0 => types.first().copied().unwrap_or(Ty::Any),
        Ret::Unify01 => unify(types[0], types[1]),
        Ret::Unify12 => unify(types[1], types[2]),
        Ret::Elem0 => match types.first() {
            Some(Ty::List(t)) => **t,
            _ => Ty::Any,
        },
    })
}

/// " (did you mean `x`?)" for a close known name, by edit distance, else the known names.
pub(crate) fn suggest(name: &str, known: &[&str]) -> String {
    let best = known
        .iter()
        .map(|k| (distance(&name.to_lowercase(), &k.to_lowercase()), *k))
        .min();
    match best {
        Some((d, k)) if d <= 2.max(name.len() / 3) => format!(" (did you mean `{k}`?)"),
        _ if known.len() <= 40 => format!(" (known: {})", known.join(", ")),
        _ => String::new(),
    }
}

fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::parse::parse;

    fn ty(src: &str) -> Result<Ty, CheckError> {
        check(&parse(src).unwrap(), &TyScope::default())
    }

    #[test]
    fn types_flow_through_fields_and_comprehensions() {
        assert_eq!(ty("identity.publicKey"), Ok(Ty::Str));
        assert_eq!(ty("[d.tokens for d in devices]"), Ok(Ty::List(&Ty::Any)));
        assert_eq!(ty("[d.deviceId for d in devices]"), Ok(Ty::List(&Ty::Str)));
        assert_eq!(ty("first(devices)"), Ok(Ty::Rec("device")));
        assert_eq!(ty("first(devices).approvedScopes"), Ok(Ty::List(&Ty::Str)));
        assert_eq!(ty("count(d for d in devices if d.live)"), Ok(Ty::Int));
    }

    #[test]
    fn unknown_fields_and_names_are_caught_with_suggestions() {
        let e = ty("first(devices).aprovedScopes").unwrap_err();
        assert!(e.message.contains("did you mean `approvedScopes`"), "{e:?}");
        let e = ty("devics").unwrap_err();
        assert!(e.message.contains("did you mean `devices`"), "{e:?}");
        let e = ty("implyed([])").unwrap_err();
        assert!(e.message.contains("did you mean `implied`"), "{e:?}");
        assert!(
            ty("devices.deviceId")
                .unwrap_err()
                .message
                .contains("of a list")
        );
        // Open records accept any field (log events carry only what their line had).
        assert_eq!(ty("first(log_groups).first.anything"), Ok(Ty::Any));
    }

    #[test]
    fn calls_are_checked_for_arity_types_and_literals() {
        assert!(
            ty("len()")
                .unwrap_err()
                .message
                .contains("takes 1 argument")
        );
        assert!(ty("implied(['a'], 'operator')").is_ok());
        assert!(
            ty("implied(['a'], 'operator', 3)")
                .unwrap_err()
                .message
                .contains("1 to 2")
        );
        assert!(
            ty("expired(first(devices))")
                .unwrap_err()
                .message
                .contains("pending")
        );
        assert!(ty("version_in('>=2026.3, <2026.2')").is_err());
        assert!(ty("version_in('>=2026.3.1')").is_ok());
        assert!(
            ty("log_total('pairing')")
                .unwrap_err()
                .message
                .contains("pairingRequired")
        );
        assert!(ty("config_has('gateway..x')").is_err());
    }

    #[test]
    fn branches_unify_so_mixed_types_are_not_trusted() {
        assert_eq!(ty("choose(true, 'a', 'b')"), Ok(Ty::Str));
        assert_eq!(ty("choose(true, 'a', null)"), Ok(Ty::Str));
        assert!(
            ty("choose(true, 'a', 1) + 'b'").is_ok(),
            "any + string is allowed"
        );
        assert_eq!(ty("choose(true, 'a', 1)"), Ok(Ty::Any));
        assert_eq!(ty("coalesce(null, 5)"), Ok(Ty::Int));
        assert_eq!(ty("['a'] + [1]"), Ok(Ty::List(&Ty::Any)));
        assert!(
            ty("coalesce(null, 5) + 'x'").is_err(),
            "a number plus a string"
        );
    }

    #[test]
    fn operand_types_are_checked() {
        assert!(ty("now > 'x'").is_err());
        assert!(ty("1 in 2").is_err());
        assert!(ty("devices + 1").is_err());
        assert!(ty("state.era == 3").is_err());
        assert!(ty("state.era == null").is_ok());
        assert!(boolean(&parse("state.era").unwrap(), &TyScope::default()).is_err());
        assert!(boolean(&parse("exists(state.era)").unwrap(), &TyScope::default()).is_ok());
    }
}
