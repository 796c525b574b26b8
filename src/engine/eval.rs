//! Evaluates expressions over the model's JSON view.
//!
//! `null` is an ordinary value: a field of `null` is `null`, `null` is false in a condition,
//! `x in null` is false, an ordering with `null` is false, and list operations treat `null`
//! as the empty list. So `device.approvedScopes` being absent never needs a guard.

use super::ast::{ArithOp, CmpOp, Expr, Span};
use super::{functions, schema, view};
use crate::model::Model;
use crate::version::Version;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::cell::{OnceCell, RefCell};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use std::sync::OnceLock;

/// What an expression can see: the model, its JSON view and the facts' inputs.
pub struct Ctx<'m> {
    pub model: &'m Model,
    roots: Roots<'m>,
    pub version: Option<Version>,
    /// Query caches, built on first use (see `indexed` and `member_set`).
    pub cache: Cache,
}

enum Roots<'m> {
    Given(Map<String, Value>),
    Model(&'m ModelRoots),
}

/// The model's view, one cell per `schema::ROOTS` entry, each built when a rule first reads
/// it; shared by the threads that evaluate rules.
pub struct ModelRoots {
    cells: Vec<OnceLock<Value>>,
    /// Per root, the cell it reads (see `view::same_as`), decided on first use.
    redirect: OnceLock<Vec<usize>>,
}

impl Default for ModelRoots {
    fn default() -> Self {
        ModelRoots {
            cells: schema::ROOTS.iter().map(|_| OnceLock::new()).collect(),
            redirect: OnceLock::new(),
        }
    }
}

fn root_index(name: &str) -> Option<usize> {
    schema::ROOTS.iter().position(|(n, ..)| *n == name)
}

impl<'m> Ctx<'m> {
    /// A context whose roots are the given values (tests, templates).
    pub fn new(model: &'m Model, roots: Map<String, Value>, version: Option<Version>) -> Self {
        Ctx {
            model,
            roots: Roots::Given(roots),
            version,
            cache: Cache::default(),
        }
    }

    /// A context whose roots are the model's view.
    pub fn of_model(model: &'m Model, roots: &'m ModelRoots, version: Option<Version>) -> Self {
        Ctx {
            model,
            roots: Roots::Model(roots),
            version,
            cache: Cache::default(),
        }
    }

    pub fn root(&self, name: &str) -> Option<&Value> {
        match &self.roots {
            Roots::Given(m) => m.get(name),
            Roots::Model(r) => {
                // A live-store list is the whole list when every record is live (one store):
                // then both names read one built value (a 10 000-device list is built once).
                let redirect = r.redirect.get_or_init(|| {
                    (schema::ROOTS.iter().enumerate())
                        .map(|(i, (n, ..))| {
                            view::same_as(self.model, n)
                                .and_then(root_index)
                                .unwrap_or(i)
                        })
                        .collect()
                });
                let i = redirect[root_index(name)?];
                let name = schema::ROOTS[i].0;
                Some(r.cells[i].get_or_init(|| view::root(self.model, name).unwrap_or(Value::Null)))
            }
        }
    }
}

impl<'m> Ctx<'m> {
    /// Where `v` is, when it is an item of a root list already built: (cell, position).
    fn locate(&self, v: &Value) -> Option<(usize, usize)> {
        let Roots::Model(r) = &self.roots else {
            return None;
        };
        let at = v as *const Value as usize;
        let size = std::mem::size_of::<Value>();
        r.cells.iter().enumerate().find_map(|(cell, c)| {
            let Some(Value::Array(items)) = c.get() else {
                return None;
            };
            let base = items.as_ptr() as usize;
            let i = at.checked_sub(base)? / size;
            items
                .get(i)
                .is_some_and(|x| std::ptr::eq(x, v))
                .then_some((cell, i))
        })
    }

    /// The item `locate` found.
    fn item(&self, cell: usize, i: usize) -> &Value {
        match &self.roots {
            Roots::Model(r) => match r.cells[cell].get() {
                Some(Value::Array(items)) => &items[i],
                _ => unreachable!("a located item's list is built"),
            },
            Roots::Given(_) => unreachable!("only model roots are located"),
        }
    }
}

/// Positions of a root list's items by one field's JSON text.
type Index = HashMap<String, Vec<usize>>;

/// Per-scan caches that keep per-item conditions linear: a rule's `[d for d in devices if
/// d.deviceId == request.deviceId]` inside `for request in pending` would otherwise scan every
/// device for every request (quadratic: minutes at 10 000 of each).
#[derive(Default)]
pub struct Cache {
    /// (root, field) -> positions of the root's items by the field's JSON text.
    indexes: RefCell<HashMap<(String, String), Rc<Index>>>,
    /// A closed list expression (it reads no per-item variable) -> the JSON texts of its
    /// items (`None`: not a list of scalars).
    sets: RefCell<HashMap<usize, Option<Rc<HashSet<String>>>>>,
    /// A closed expression bound by a `let` -> its value.
    values: RefCell<HashMap<usize, Rc<Value>>>,
    /// An expression -> whether it is the same for every item (`constant`).
    closed: RefCell<HashMap<usize, bool>>,
}

impl Cache {
    /// Drops what only one rule's expressions can use (keyed by expression), so the copies of
    /// large lists a rule's `let`s made do not pile up over the rules; root indexes stay.
    pub fn end_rule(&self) {
        self.sets.borrow_mut().clear();
        self.values.borrow_mut().clear();
        self.closed.borrow_mut().clear();
    }
}

/// A value that is either borrowed from the evaluation or shared from the per-scan cache.
pub enum Shared<'a> {
    Fresh(Cow<'a, Value>),
    Cached(Rc<Value>),
}

impl std::ops::Deref for Shared<'_> {
    type Target = Value;
    fn deref(&self) -> &Value {
        match self {
            Shared::Fresh(v) => v,
            Shared::Cached(v) => v,
        }
    }
}

/// `eval`, but a closed expression (one that reads no local variable) is computed once per
/// scan and shared after that.
pub fn eval_once<'a>(
    e: &'a Expr,
    ctx: &'a Ctx,
    scope: &Scope<'a>,
) -> Result<Shared<'a>, EvalError> {
    if matches!(e, Expr::Lit(..) | Expr::Var(..)) || !constant(e, ctx, scope) {
        return eval(e, ctx, scope).map(Shared::Fresh);
    }
    let key = e as *const Expr as usize;
    if let Some(v) = ctx.cache.values.borrow().get(&key) {
        return Ok(Shared::Cached(v.clone()));
    }
    let v = Rc::new(eval(e, ctx, scope)?.into_owned());
    ctx.cache.values.borrow_mut().insert(key, v.clone());
    Ok(Shared::Cached(v))
}

#[derive(Debug, Clone, PartialEq)]
pub struct EvalError {
    pub span: Span,
    pub message: String,
}

impl EvalError {
    pub fn new(span: Span, message: impl Into<String>) -> Self {
        EvalError {
            span,
            message: message.into(),
        }
    }
}

/// Local variables (`for` bindings, `let`s, comprehension variables): a chain of frames on the
/// Rust stack, innermost first. Values are borrowed, so naming a large list (`log_groups`) or
/// iterating it never copies it.
#[derive(Default, Clone, Copy)]
pub struct Scope<'a> {
    frame: Option<Frame<'a>>,
}

#[derive(Clone, Copy)]
struct Frame<'a> {
    name: &'a str,
    slot: Slot<'a>,
    /// The same for every item of the rule's `for` (a `let` that reads no item variable).
    constant: bool,
    parent: &'a Scope<'a>,
}

#[derive(Clone, Copy)]
enum Slot<'a> {
    Value(&'a Value),
    Let(&'a Let<'a>),
}

/// A `let`, evaluated when first read: a condition that is decided early (`local and ...`)
/// never pays for the lets only its other branch needs. Lets are pure, so only when (and
/// whether) a broken `let` reports its error changes.
pub struct Let<'a> {
    expr: &'a Expr,
    /// Where the `let` was written (it sees the lets before it).
    scope: Scope<'a>,
    value: OnceCell<Result<Bound, EvalError>>,
}

/// A `let`'s value: an item of a root list where the expression only picks one
/// (`first([d for d in devices if ...])`: no copy of the record), else its own value (or the
/// per-rule cache's).
enum Bound {
    /// (root cell, position in that list)
    Item(usize, usize),
    Shared(Rc<Value>),
}

impl<'a> Let<'a> {
    pub fn new(expr: &'a Expr, scope: Scope<'a>) -> Self {
        Let {
            expr,
            scope,
            value: OnceCell::new(),
        }
    }

    fn get(&'a self, ctx: &'a Ctx) -> Result<&'a Value, EvalError> {
        let v = self.value.get_or_init(|| {
            Ok(match eval_once(self.expr, ctx, &self.scope)? {
                Shared::Cached(v) => Bound::Shared(v),
                Shared::Fresh(Cow::Borrowed(v)) => match ctx.locate(v) {
                    Some((cell, i)) => Bound::Item(cell, i),
                    None => Bound::Shared(Rc::new(v.clone())),
                },
                Shared::Fresh(Cow::Owned(v)) => Bound::Shared(Rc::new(v)),
            })
        });
        match v {
            Ok(Bound::Item(cell, i)) => Ok(ctx.item(*cell, *i)),
            Ok(Bound::Shared(v)) => Ok(v),
            Err(e) => Err(e.clone()),
        }
    }
}

impl<'a> Scope<'a> {
    pub fn with(&'a self, name: &'a str, value: &'a Value) -> Scope<'a> {
        self.push(name, Slot::Value(value), false)
    }

    /// Binds a `let`; `constant`: it reads no per-item variable (its value and what is
    /// computed from it alone are cached per rule).
    pub fn with_let(&'a self, name: &'a str, l: &'a Let<'a>, constant: bool) -> Scope<'a> {
        self.push(name, Slot::Let(l), constant)
    }

    fn push(&'a self, name: &'a str, slot: Slot<'a>, constant: bool) -> Scope<'a> {
        Scope {
            frame: Some(Frame {
                name,
                slot,
                constant,
                parent: self,
            }),
        }
    }

    fn frame(&self, name: &str) -> Option<&Frame<'a>> {
        let mut cur = self.frame.as_ref();
        while let Some(f) = cur {
            if f.name == name {
                return Some(f);
            }
            cur = f.parent.frame.as_ref();
        }
        None
    }

    fn bound(&self, name: &str) -> bool {
        self.frame(name).is_some()
    }

    /// The local's value (evaluating a `let` on first read); `None` when not a local.
    pub fn get(&self, name: &str, ctx: &'a Ctx) -> Result<Option<&'a Value>, EvalError> {
        match self.frame(name).map(|f| f.slot) {
            None => Ok(None),
            Some(Slot::Value(v)) => Ok(Some(v)),
            Some(Slot::Let(l)) => l.get(ctx).map(Some),
        }
    }

    /// Whether `name` is bound to something that varies per item (not a root, not a constant).
    fn varies(&self, name: &str) -> bool {
        self.frame(name).is_some_and(|f| !f.constant)
    }
}

/// Evaluates to a value borrowed from the model view or a binding where possible, so field
/// access and comparisons on large records copy nothing.
pub fn eval<'a>(e: &'a Expr, ctx: &'a Ctx, scope: &Scope<'a>) -> Result<Cow<'a, Value>, EvalError> {
    match e {
        Expr::Lit(v, _) => Ok(Cow::Borrowed(v)),
        Expr::Var(name, span) => scope
            .get(name, ctx)?
            .or_else(|| ctx.root(name))
            .map(Cow::Borrowed)
            .ok_or_else(|| EvalError::new(*span, format!("unknown name `{name}`"))),
        Expr::Field(base, field, span) => match eval(base, ctx, scope)? {
            Cow::Borrowed(Value::Object(m)) => {
                Ok(m.get(field).map_or(Cow::Owned(Value::Null), Cow::Borrowed))
            }
            Cow::Owned(Value::Object(mut m)) => {
                Ok(Cow::Owned(m.remove(field).unwrap_or(Value::Null)))
            }
            v if v.is_null() => Ok(Cow::Owned(Value::Null)),
            other => Err(EvalError::new(
                *span,
                format!("`.{field}` of {}, which has no fields", kind_of(&other)),
            )),
        },
        // `any`/`all` over a generator stop at the first item that decides them.
        Expr::Call(name, args, _)
            if (name == "any" || name == "all")
                && matches!(args.as_slice(), [Expr::Comp { .. }]) =>
        {
            let Expr::Comp {
                body,
                var,
                iter,
                cond,
                ..
            } = &args[0]
            else {
                unreachable!("matched above")
            };
            let decide = name == "any";
            let list_value = eval(iter, ctx, scope)?;
            let items = as_items(&list_value, || iter.span())?;
            for item in candidates(
                items,
                indexed(ctx, scope, iter, var, cond.as_deref())?.as_deref(),
            ) {
                let inner = scope.with(var, item);
                if let Some(c) = cond
                    && !truth(&*eval(c, ctx, &inner)?, || c.span())?
                {
                    continue;
                }
                if (*eval(body, ctx, &inner)? == Value::Bool(true)) == decide {
                    return Ok(Cow::Owned(Value::Bool(decide)));
                }
            }
            Ok(Cow::Owned(Value::Bool(!decide)))
        }
        // `first`, `len`, `count` and `group_by` of a comprehension read its items where they
        // are instead of copying them into a list first (log groups are kilobytes each);
        // `first` stops at the first item.
        Expr::Call(name, args, span)
            if matches!(name.as_str(), "first" | "len" | "count" | "group_by")
                && matches!(args.first(), Some(Expr::Comp { .. })) =>
        {
            let Expr::Comp {
                body,
                var,
                iter,
                cond,
                ..
            } = &args[0]
            else {
                unreachable!("matched above")
            };
            let list_value = eval(iter, ctx, scope)?;
            let positions = indexed(ctx, scope, iter, var, cond.as_deref())?;
            // `first([x for x in L if ...])` of a list borrowed from the view: the item
            // itself, not a copy of it (a device record per pending request otherwise).
            if let (Cow::Borrowed(list), "first", Expr::Var(body_var, _)) =
                (&list_value, name.as_str(), &**body)
                && body_var == var
            {
                let list: &'a Value = list;
                for item in candidates(as_items(list, || iter.span())?, positions.as_deref()) {
                    let inner = scope.with(var, item);
                    if let Some(c) = cond
                        && !truth(&*eval(c, ctx, &inner)?, || c.span())?
                    {
                        continue;
                    }
                    return Ok(Cow::Borrowed(item));
                }
                return Ok(Cow::Owned(Value::Null));
            }
            let items = as_items(&list_value, || iter.span())?;
            let mut n: usize = 0;
            let mut kept: Vec<Cow<Value>> = Vec::new();
            for item in candidates(items, positions.as_deref()) {
                let inner = scope.with(var, item);
                if let Some(c) = cond
                    && !truth(&*eval(c, ctx, &inner)?, || c.span())?
                {
                    continue;
                }
                match name.as_str() {
                    "len" => n += 1,
                    "count" => {
                        if !matches!(*eval(body, ctx, &inner)?, Value::Null | Value::Bool(false)) {
                            n += 1;
                        }
                    }
                    "first" => return Ok(Cow::Owned(eval(body, ctx, &inner)?.into_owned())),
                    _ => kept.push(eval(body, ctx, &inner)?),
                }
            }
            match name.as_str() {
                "len" | "count" => Ok(Cow::Owned(Value::from(n))),
                "first" => Ok(Cow::Owned(Value::Null)),
                _ => {
                    let fields = args[1..]
                        .iter()
                        .map(|a| eval(a, ctx, scope))
                        .collect::<Result<Vec<_>, _>>()?;
                    functions::group_by(kept, &fields)
                        .map(Cow::Owned)
                        .map_err(|m| EvalError::new(*span, m))
                }
            }
        }
        // `choose` evaluates only the branch it takes, like any if/else.
        Expr::Call(name, args, _) if name == "choose" && args.len() == 3 => {
            let c = eval(&args[0], ctx, scope)?;
            let branch = if truth(&c, || args[0].span())? {
                &args[1]
            } else {
                &args[2]
            };
            eval(branch, ctx, scope)
        }
        Expr::Call(name, args, span) => {
            let values = args
                .iter()
                .map(|a| eval(a, ctx, scope))
                .collect::<Result<Vec<_>, _>>()?;
            functions::call(name, ctx, &values)
                .map(Cow::Owned)
                .map_err(|m| EvalError::new(*span, m))
        }
        Expr::List(items, _) => Ok(Cow::Owned(Value::Array(
            items
                .iter()
                .map(|i| eval(i, ctx, scope).map(Cow::into_owned))
                .collect::<Result<_, _>>()?,
        ))),
        Expr::Comp {
            body,
            var,
            iter,
            cond,
            ..
        } => {
            let list_value = eval(iter, ctx, scope)?;
            let items = as_items(&list_value, || iter.span())?;
            let positions = indexed(ctx, scope, iter, var, cond.as_deref())?;
            let mut out = Vec::new();
            for item in candidates(items, positions.as_deref()) {
                let inner = scope.with(var, item);
                if let Some(c) = cond
                    && !truth(&*eval(c, ctx, &inner)?, || c.span())?
                {
                    continue;
                }
                out.push(eval(body, ctx, &inner)?.into_owned());
            }
            Ok(Cow::Owned(Value::Array(out)))
        }
        Expr::Not(inner, _) => Ok(Cow::Owned(Value::Bool(!truth(
            &*eval(inner, ctx, scope)?,
            || inner.span(),
        )?))),
        Expr::And(items) | Expr::Or(items) => {
            // Short-circuit: `and` stops at the first false, `or` at the first true.
            let stop_at = matches!(e, Expr::Or(_));
            for i in items {
                if truth(&*eval(i, ctx, scope)?, || i.span())? == stop_at {
                    return Ok(Cow::Owned(Value::Bool(stop_at)));
                }
            }
            Ok(Cow::Owned(Value::Bool(!stop_at)))
        }
        // `x in L` where L is the same for every item (a comprehension over roots, a constant
        // `let`): a hash set built once per rule instead of a scan of L per item.
        Expr::Cmp(op @ (CmpOp::In | CmpOp::NotIn), a, b)
            if matches!(**b, Expr::Comp { .. } | Expr::Var(..) | Expr::Call(..))
                && constant(b, ctx, scope) =>
        {
            let l = eval(a, ctx, scope)?;
            match member_set(ctx, scope, b)? {
                Some(set) if is_scalar(&l) => Ok(Cow::Owned(Value::Bool(
                    set.contains(&l.to_string()) == (*op == CmpOp::In),
                ))),
                _ => {
                    let r = eval(b, ctx, scope)?;
                    compare(*op, &l, &r)
                        .map(Cow::Owned)
                        .map_err(|m| EvalError::new(a.span().to(b.span()), m))
                }
            }
        }
        // `x in ['a', 'b']` (a literal list in a per-item condition) builds no list.
        Expr::Cmp(op @ (CmpOp::In | CmpOp::NotIn), a, b) if matches!(**b, Expr::List(..)) => {
            let Expr::List(items, _) = &**b else {
                unreachable!("matched above")
            };
            let l = eval(a, ctx, scope)?;
            let mut found = false;
            for i in items {
                if *eval(i, ctx, scope)? == *l {
                    found = true;
                    break;
                }
            }
            Ok(Cow::Owned(Value::Bool(found == (*op == CmpOp::In))))
        }
        Expr::Cmp(op, a, b) => {
            let (l, r) = (eval(a, ctx, scope)?, eval(b, ctx, scope)?);
            compare(*op, &l, &r)
                .map(Cow::Owned)
                .map_err(|m| EvalError::new(a.span().to(b.span()), m))
        }
        Expr::Arith(op, a, b) => {
            let (l, r) = (eval(a, ctx, scope)?, eval(b, ctx, scope)?);
            arith(*op, l.into_owned(), r.into_owned())
                .map(Cow::Owned)
                .map_err(|m| EvalError::new(a.span().to(b.span()), m))
        }
    }
}

/// The items of a list operand; `null` is the empty list.
pub fn as_items(v: &Value, span: impl FnOnce() -> Span) -> Result<&[Value], EvalError> {
    match v {
        Value::Array(a) => Ok(a),
        Value::Null => Ok(&[]),
        other => Err(EvalError::new(
            span(),
            format!("expected a list, got {}", kind_of(other)),
        )),
    }
}

/// Strings, numbers, booleans and null: values whose JSON text is equal exactly when the
/// values are (objects are not: key order changes the text, not the value).
fn is_scalar(v: &Value) -> bool {
    !matches!(v, Value::Array(_) | Value::Object(_))
}

/// Whether `e` has the same value for every item of a rule's `for` (see `closed`). An
/// expression sits in one place of its rule, with the same kinds of bindings around it for
/// every item, so the answer is remembered per rule.
pub fn constant(e: &Expr, ctx: &Ctx, scope: &Scope) -> bool {
    let key = e as *const Expr as usize;
    if let Some(&c) = ctx.cache.closed.borrow().get(&key) {
        return c;
    }
    let c = closed(e, &mut Vec::new(), scope);
    ctx.cache.closed.borrow_mut().insert(key, c);
    c
}

/// Whether `e` reads no local variable of `scope` that varies per item (so its value is the
/// same for every item of a rule's `for`): every name is bound inside `e`, a root not shadowed
/// by a local, or a constant `let`.
fn closed(e: &Expr, bound: &mut Vec<String>, scope: &Scope) -> bool {
    match e {
        Expr::Lit(..) => true,
        Expr::Var(n, _) => bound.contains(n) || !scope.varies(n),
        Expr::Field(b, _, _) | Expr::Not(b, _) => closed(b, bound, scope),
        Expr::Call(name, args, _) => {
            // Functions that read the clock or the model are still per-scan constants.
            let _ = name;
            args.iter().all(|a| closed(a, bound, scope))
        }
        Expr::List(items, _) | Expr::And(items) | Expr::Or(items) => {
            items.iter().all(|i| closed(i, bound, scope))
        }
        Expr::Cmp(_, a, b) | Expr::Arith(_, a, b) => {
            closed(a, bound, scope) && closed(b, bound, scope)
        }
        Expr::Comp {
            body,
            var,
            iter,
            cond,
            ..
        } => {
            if !closed(iter, bound, scope) {
                return false;
            }
            bound.push(var.clone());
            let inner =
                closed(body, bound, scope) && cond.as_ref().is_none_or(|c| closed(c, bound, scope));
            bound.pop();
            inner
        }
    }
}

/// Whether `e` mentions the name at all (shadowing ignored: a false "yes" only costs speed).
fn mentions(e: &Expr, name: &str) -> bool {
    match e {
        Expr::Lit(..) => false,
        Expr::Var(n, _) => n == name,
        Expr::Field(b, _, _) | Expr::Not(b, _) => mentions(b, name),
        Expr::Call(_, items, _) | Expr::List(items, _) | Expr::And(items) | Expr::Or(items) => {
            items.iter().any(|i| mentions(i, name))
        }
        Expr::Cmp(_, a, b) | Expr::Arith(_, a, b) => mentions(a, name) || mentions(b, name),
        Expr::Comp {
            body, iter, cond, ..
        } => {
            mentions(body, name)
                || mentions(iter, name)
                || cond.as_ref().is_some_and(|c| mentions(c, name))
        }
    }
}

/// For `[... for v in ROOT if v.f == key and ...]` (ROOT a root list, `key` not using `v`):
/// the positions of ROOT's items whose `f` has the key's JSON text, from an index built once
/// per scan. The full condition is still evaluated on each candidate, so the result is the
/// same as scanning, in the same order. `None`: not this shape, or the key is not a scalar.
fn indexed(
    ctx: &Ctx,
    scope: &Scope,
    iter: &Expr,
    var: &str,
    cond: Option<&Expr>,
) -> Result<Option<Vec<usize>>, EvalError> {
    let (Expr::Var(root, _), Some(cond)) = (iter, cond) else {
        return Ok(None);
    };
    if scope.bound(root) {
        return Ok(None);
    }
    let Some(Value::Array(items)) = ctx.root(root) else {
        return Ok(None);
    };
    let conjuncts: &[Expr] = match cond {
        Expr::And(items) => items,
        other => std::slice::from_ref(other),
    };
    // Every `v.f == key` conjunct narrows the candidates; the smallest bucket is used (on
    // log groups `g.side == 'gateway'` matches nearly all, `g.deviceId == d.deviceId` few).
    let mut best: Option<(Rc<Index>, String, usize)> = None;
    for c in conjuncts {
        let Expr::Cmp(CmpOp::Eq, a, b) = c else {
            continue;
        };
        let (field, key) = match (&**a, &**b) {
            (Expr::Field(v, f, _), key) | (key, Expr::Field(v, f, _))
                if matches!(&**v, Expr::Var(n, _) if n == var) && !mentions(key, var) =>
            {
                (f, key)
            }
            _ => continue,
        };
        // A key that fails is left to the full condition, which reports it where it matters.
        let Ok(key) = eval(key, ctx, scope) else {
            continue;
        };
        if !is_scalar(&key) {
            continue;
        }
        let index = index_of(ctx, root, field, items);
        let key = key.to_string();
        let n = index.get(&key).map_or(0, Vec::len);
        if best.as_ref().is_none_or(|b| n < b.2) {
            best = Some((index, key, n));
        }
        if n == 0 {
            break;
        }
    }
    Ok(best.map(|(index, key, _)| index.get(&key).cloned().unwrap_or_default()))
}

/// The (cached) index of a root list's items by one field's JSON text.
fn index_of(ctx: &Ctx, root: &str, field: &str, items: &[Value]) -> Rc<Index> {
    let mut cache = ctx.cache.indexes.borrow_mut();
    cache
        .entry((root.to_string(), field.to_string()))
        .or_insert_with(|| {
            let mut map: Index = HashMap::new();
            for (i, item) in items.iter().enumerate() {
                let v = item.get(field).unwrap_or(&Value::Null);
                map.entry(v.to_string()).or_default().push(i);
            }
            Rc::new(map)
        })
        .clone()
}

/// The items a comprehension visits: the index's candidates (in list order), else all.
fn candidates<'v: 'p, 'p>(
    items: &'v [Value],
    positions: Option<&'p [usize]>,
) -> Box<dyn Iterator<Item = &'v Value> + 'p> {
    match positions {
        Some(p) => Box::new(p.iter().filter_map(|&i| items.get(i))),
        None => Box::new(items.iter()),
    }
}

/// The JSON texts of a closed list expression's items, computed once per rule; `None` when
/// it is not a list of scalars (then `in` compares values as usual).
fn member_set(
    ctx: &Ctx,
    scope: &Scope,
    list: &Expr,
) -> Result<Option<Rc<HashSet<String>>>, EvalError> {
    let key = list as *const Expr as usize;
    if let Some(set) = ctx.cache.sets.borrow().get(&key) {
        return Ok(set.clone());
    }
    let value = eval(list, ctx, scope)?;
    let set = match &*value {
        Value::Array(items) if items.iter().all(is_scalar) => {
            Some(Rc::new(items.iter().map(Value::to_string).collect()))
        }
        _ => None,
    };
    ctx.cache.sets.borrow_mut().insert(key, set.clone());
    Ok(set)
}

pub fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "true/false",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a record",
    }
}

/// A condition's value: `null` is false; anything but true/false/null is a rule bug.
/// `span` is computed only for the error: on the hot path it would walk the tree.
pub fn truth(v: &Value, span: impl FnOnce() -> Span) -> Result<bool, EvalError> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::Null => Ok(false),
        other => Err(EvalError::new(
            span(),
            format!("expected true/false, got {}", kind_of(other)),
        )),
    }
}

fn compare(op: CmpOp, l: &Value, r: &Value) -> Result<Value, String> {
    let b = match op {
        CmpOp::Eq => l == r,
        CmpOp::Ne => l != r,
        CmpOp::In | CmpOp::NotIn => {
            let found = match r {
                Value::Array(items) => items.contains(l),
                Value::String(s) => l.as_str().is_some_and(|n| s.contains(n)),
                Value::Null => false,
                other => {
                    return Err(format!(
                        "`in` needs a list or string, got {}",
                        kind_of(other)
                    ));
                }
            };
            found == (op == CmpOp::In)
        }
        CmpOp::Lt | CmpOp::Le | CmpOp::Gt | CmpOp::Ge => {
            let ord = match (l, r) {
                (Value::Null, _) | (_, Value::Null) => return Ok(Value::Bool(false)),
                (Value::Number(a), Value::Number(b)) => a.as_i64().cmp(&b.as_i64()),
                (Value::String(a), Value::String(b)) => a.cmp(b),
                _ => {
                    return Err(format!("cannot order {} and {}", kind_of(l), kind_of(r)));
                }
            };
            match op {
                CmpOp::Lt => ord.is_lt(),
                CmpOp::Le => ord.is_le(),
                CmpOp::Gt => ord.is_gt(),
                _ => ord.is_ge(),
            }
        }
    };
    Ok(Value::Bool(b))
}

fn arith(op: ArithOp, l: Value, r: Value) -> Result<Value, String> {
    match (l, r) {
        (Value::Number(a), Value::Number(b)) => {
            let (a, b) = (a.as_i64().unwrap_or(0), b.as_i64().unwrap_or(0));
            let n = match op {
                ArithOp::Add => a.checked_add(b),
                ArithOp::Sub => a.checked_sub(b),
            };
            n.map(Value::from).ok_or_else(|| "number overflow".into())
        }
        (Value::Null, Value::Number(_)) | (Value::Number(_), Value::Null) => Ok(Value::Null),
        (Value::String(a), Value::String(b)) if op == ArithOp::Add => Ok(Value::String(a + &b)),
        (l @ (Value::Array(_) | Value::Null), r @ (Value::Array(_) | Value::Null)) => {
            let (l, r) = (as_vec(l), as_vec(r));
            Ok(Value::Array(match op {
                ArithOp::Add => union(l, r),
                ArithOp::Sub => l.into_iter().filter(|x| !r.contains(x)).collect(),
            }))
        }
        (l, r) => Err(format!(
            "cannot apply `{}` to {} and {}",
            if op == ArithOp::Add { "+" } else { "-" },
            kind_of(&l),
            kind_of(&r)
        )),
    }
}

fn as_vec(v: Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a,
        _ => Vec::new(),
    }
}

/// Order-keeping union without duplicates. Long lists (10 000 ids) are deduplicated by hash.
pub fn union(a: Vec<Value>, b: Vec<Value>) -> Vec<Value> {
    use std::hash::{BuildHasher, RandomState};
    let mut out: Vec<Value> = Vec::with_capacity(a.len() + b.len());
    if a.len() + b.len() <= 16 {
        for v in a.into_iter().chain(b) {
            if !out.contains(&v) {
                out.push(v);
            }
        }
        return out;
    }
    let hasher = RandomState::new();
    // hash -> positions in `out`
    let mut seen: HashMap<u64, Vec<usize>> = HashMap::new();
    for v in a.into_iter().chain(b) {
        let slot = seen.entry(hasher.hash_one(&v)).or_default();
        if !slot.iter().any(|&i| out[i] == v) {
            slot.push(out.len());
            out.push(v);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::parse::parse;
    use serde_json::json;

    pub(crate) fn ctx_with(model: &Model, roots: Value) -> Ctx<'_> {
        Ctx::new(model, roots.as_object().cloned().unwrap_or_default(), None)
    }

    fn run(src: &str, roots: Value) -> Result<Value, EvalError> {
        let model = crate::engine::testing::empty_model();
        let ctx = ctx_with(&model, roots);
        eval(&parse(src).unwrap(), &ctx, &Scope::default()).map(Cow::into_owned)
    }

    #[test]
    fn null_is_absorbing_and_false() {
        let roots = json!({"d": {"scopes": null, "n": 3}});
        assert_eq!(run("d.missing.deeper", roots.clone()), Ok(Value::Null));
        assert_eq!(run("'a' in d.scopes", roots.clone()), Ok(json!(false)));
        assert_eq!(run("d.scopes == null", roots.clone()), Ok(json!(true)));
        assert_eq!(run("d.n > null", roots.clone()), Ok(json!(false)));
        assert_eq!(run("not d.scopes", roots.clone()), Ok(json!(true)));
        assert_eq!(run("d.scopes + ['x']", roots), Ok(json!(["x"])));
    }

    #[test]
    fn set_operations_on_lists() {
        let roots = json!({"a": ["r", "w"], "b": ["w", "x"]});
        assert_eq!(run("a + b", roots.clone()), Ok(json!(["r", "w", "x"])));
        assert_eq!(run("a - b", roots.clone()), Ok(json!(["r"])));
        assert_eq!(run("'w' in a and 'x' not in a", roots), Ok(json!(true)));
        assert_eq!(run("'a' + 'b'", json!({})), Ok(json!("ab")));
        assert!(run("'a' - 'b'", json!({})).is_err());
    }

    #[test]
    fn comprehensions_filter_and_map_with_shadowing() {
        let roots =
            json!({"xs": [{"v": 1, "ok": true}, {"v": 2, "ok": false}, {"v": 3, "ok": true}]});
        assert_eq!(
            run("[x.v for x in xs if x.ok]", roots.clone()),
            Ok(json!([1, 3]))
        );
        assert_eq!(
            run("[[x.v for x in xs if x.v > y.v] for y in xs]", roots),
            Ok(json!([[2, 3], [3], []]))
        );
    }

    #[test]
    fn short_circuit_skips_errors_on_the_right() {
        let roots = json!({"s": "text"});
        assert_eq!(run("false and s.x", roots.clone()), Ok(json!(false)));
        assert_eq!(run("true or s.x", roots.clone()), Ok(json!(true)));
        let e = run("true and s.x", roots).unwrap_err();
        assert!(e.message.contains("has no fields"), "{e:?}");
    }

    #[test]
    fn type_errors_at_run_time_are_reported_not_panicked() {
        let roots = json!({"n": 1, "s": "x", "big": i64::MAX});
        assert!(run("n and true", roots.clone()).is_err());
        assert!(run("n < s", roots.clone()).is_err());
        assert!(run("1 in n", roots.clone()).is_err());
        assert!(
            run("big + 1", roots.clone())
                .unwrap_err()
                .message
                .contains("overflow")
        );
        assert!(run("[x for x in s]", roots).is_err());
    }

    #[test]
    fn choose_evaluates_only_the_branch_it_takes() {
        let roots = json!({"s": "text"});
        assert_eq!(
            run("choose(true, 'ok', s.x)", roots.clone()),
            Ok(json!("ok"))
        );
        assert_eq!(
            run("choose(null, s.x, 'no')", roots.clone()),
            Ok(json!("no"))
        );
        assert!(run("choose(false, 'ok', s.x)", roots).is_err());
    }

    #[test]
    fn any_and_all_stop_at_the_deciding_item() {
        // The item after the deciding one would fail to evaluate: it is never reached.
        let roots = json!({"xs": [{"ok": true}, "not a record"]});
        assert_eq!(run("any(x.ok for x in xs)", roots.clone()), Ok(json!(true)));
        let roots = json!({"xs": [{"ok": false}, "not a record"]});
        assert_eq!(
            run("all(x.ok for x in xs)", roots.clone()),
            Ok(json!(false))
        );
        assert_eq!(
            run("all(x.ok for x in xs if x == 0)", roots.clone()),
            Ok(json!(true))
        );
        assert!(
            run("any(x.ok for x in xs)", roots).is_err(),
            "no early true: the bad item is read"
        );
    }

    #[test]
    fn cached_and_indexed_queries_give_the_scan_results() {
        let roots = json!({
            "devices": [{"id": "a", "n": 1}, {"id": "b", "n": 2}, {"id": "a", "n": 3}, {"n": 4}],
            "pending": [{"dev": "a"}, {"dev": "c"}, {"dev": null}]
        });
        assert_eq!(
            run(
                "[[d.n for d in devices if d.id == p.dev] for p in pending]",
                roots.clone()
            ),
            Ok(json!([[1, 3], [], [4]])),
            "indexed lookups keep order and treat a missing field as null"
        );
        assert_eq!(
            run(
                "[p.dev in [d.id for d in devices] for p in pending]",
                roots.clone()
            ),
            Ok(json!([true, false, true])),
            "a device without an id contributes null, which a null dev finds"
        );
        assert_eq!(
            run(
                "[p.dev not in [d.id for d in devices if d.n > 1] for p in pending]",
                roots
            ),
            Ok(json!([false, true, false]))
        );
    }

    #[test]
    fn in_works_on_strings_as_substring() {
        assert_eq!(
            run("'pair' in 'pairing required'", json!({})),
            Ok(json!(true))
        );
        assert_eq!(run("1 in 'x1'", json!({})), Ok(json!(false)));
    }
}
