//! The named facts and helpers conditions can call. The list is closed: a condition that needs
//! new Rust code gets a new entry here (with a doc line and tests), never an escape hatch.
//! `rules/README.md` documents each one (a test keeps it complete).

use super::eval::{Ctx, union};
use super::schema::Ty;
use crate::facts::{net, scopes};
use crate::version::VersionReq;
use serde_json::{Map, Value, json};
use std::borrow::Cow;

/// What a call returns, for load-time checks.
#[derive(Debug, Clone, Copy)]
pub enum Ret {
    Ty(Ty),
    /// The type of the first argument (`distinct`, `coalesce`).
    Arg0,
    /// The element type of the first argument (`first`).
    Elem0,
    /// What the first two arguments share (`coalesce`).
    Unify01,
    /// What the second and third arguments share (`choose`).
    Unify12,
}

/// An evaluated argument: borrowed from the model view where it could be.
pub type Arg<'a> = std::borrow::Cow<'a, Value>;

/// Checks the literal arguments of a call (`None` where an argument is not a literal).
pub type Validate = fn(&[Option<&Value>]) -> Result<(), String>;

pub struct Func {
    pub name: &'static str,
    pub params: &'static [Ty],
    /// How many trailing parameters may be left out.
    pub optional: usize,
    pub ret: Ret,
    pub doc: &'static str,
    /// Checks literal arguments when rules load (a version range, a dotted key).
    pub validate: Option<Validate>,
    run: fn(&Ctx, &[Arg]) -> Result<Value, String>,
}

const LIST: Ty = Ty::List(&Ty::Any);
const STRS: Ty = Ty::List(&Ty::Str);
/// Pending requests expire 5 minutes after their last activity (`refreshedAtMs ?? ts`).
pub const PENDING_TTL_MS: i64 = 5 * 60 * 1000;

macro_rules! f {
    ($name:literal, [$($p:expr),*], $opt:expr, $ret:expr, $doc:literal, $run:expr) => {
        f!($name, [$($p),*], $opt, $ret, $doc, None, $run)
    };
    ($name:literal, [$($p:expr),*], $opt:expr, $ret:expr, $doc:literal, $val:expr, $run:expr) => {
        Func { name: $name, params: &[$($p),*], optional: $opt, ret: $ret, doc: $doc, validate: $val, run: $run }
    };
}

pub static FUNCTIONS: &[Func] = &[
    // --- lists and values
    f!(
        "len",
        [Ty::Any],
        0,
        Ret::Ty(Ty::Int),
        "number of items of a list (characters of a string); null is 0",
        |_, a| {
            Ok(json!(match &*a[0] {
                Value::Array(v) => v.len(),
                Value::String(s) => s.chars().count(),
                _ => 0,
            }))
        }
    ),
    f!(
        "count",
        [LIST],
        0,
        Ret::Ty(Ty::Int),
        "items that are neither false nor null: `count(d for d in devices if ...)`",
        |_, a| {
            Ok(json!(
                items(&a[0])
                    .iter()
                    .filter(|v| !matches!(v, Value::Null | Value::Bool(false)))
                    .count()
            ))
        }
    ),
    f!(
        "any",
        [LIST],
        0,
        Ret::Ty(Ty::Bool),
        "true when some item is true: `any(t.revokedAtMs == null for t in d.tokens)`",
        |_, a| { Ok(json!(items(&a[0]).iter().any(|v| *v == Value::Bool(true)))) }
    ),
    f!(
        "all",
        [LIST],
        0,
        Ret::Ty(Ty::Bool),
        "true when every item is true (also for an empty list)",
        |_, a| { Ok(json!(items(&a[0]).iter().all(|v| *v == Value::Bool(true)))) }
    ),
    f!(
        "first",
        [LIST],
        0,
        Ret::Elem0,
        "the first item, or null",
        |_, a| { Ok(items(&a[0]).first().cloned().unwrap_or(Value::Null)) }
    ),
    f!(
        "distinct",
        [LIST],
        0,
        Ret::Arg0,
        "the items without repeats, first occurrence first",
        |_, a| { Ok(Value::Array(union(items(&a[0]).to_vec(), Vec::new()))) }
    ),
    f!(
        "max",
        [LIST],
        0,
        Ret::Ty(Ty::Int),
        "the largest integer of the list (nulls skipped); null when there is none",
        |_, a| { Ok(json!(items(&a[0]).iter().filter_map(Value::as_i64).max())) }
    ),
    f!(
        "sorted",
        [LIST],
        0,
        Ret::Arg0,
        "the items in ascending order (numbers, then strings)",
        |_, a| {
            let mut v = items(&a[0]).to_vec();
            v.sort_by(order);
            Ok(Value::Array(v))
        }
    ),
    f!(
        "join",
        [LIST, Ty::Str],
        0,
        Ret::Ty(Ty::Str),
        "the items as text, separated by the second argument",
        |_, a| {
            let sep = a[1].as_str().unwrap_or(", ");
            Ok(json!(
                items(&a[0]).iter().map(plain).collect::<Vec<_>>().join(sep)
            ))
        }
    ),
    f!(
        "exists",
        [Ty::Any],
        0,
        Ret::Ty(Ty::Bool),
        "true unless the value is null",
        |_, a| Ok(json!(!a[0].is_null()))
    ),
    f!(
        "coalesce",
        [Ty::Any, Ty::Any],
        0,
        Ret::Unify01,
        "the first argument unless it is null, else the second",
        |_, a| {
            Ok(if a[0].is_null() {
                a[1].clone().into_owned()
            } else {
                a[0].clone().into_owned()
            })
        }
    ),
    f!(
        "text",
        [Ty::Any],
        0,
        Ret::Ty(Ty::Str),
        "any value as message text (numbers, lists joined with `, `, secrets as fingerprints, null as `—`)",
        |_, a| Ok(json!(plain(&a[0])))
    ),
    f!(
        "choose",
        [Ty::Bool, Ty::Any, Ty::Any],
        0,
        Ret::Unify12,
        "the second argument when the first is true, else the third: `choose(local, 'this CLI', 'a remote device')`",
        |_, a| Ok(if *a[0] == Value::Bool(true) {
            a[1].clone().into_owned()
        } else {
            a[2].clone().into_owned()
        })
    ),
    f!(
        "subset",
        [LIST, LIST],
        0,
        Ret::Ty(Ty::Bool),
        "true when every item of the first list is in the second",
        |_, a| {
            let b = items(&a[1]);
            Ok(json!(items(&a[0]).iter().all(|x| b.contains(x))))
        }
    ),
    f!(
        "intersect",
        [LIST, LIST],
        0,
        Ret::Arg0,
        "the items of the first list that are also in the second",
        |_, a| {
            let b = items(&a[1]);
            Ok(Value::Array(
                items(&a[0])
                    .iter()
                    .filter(|x| b.contains(x))
                    .cloned()
                    .collect(),
            ))
        }
    ),
    f!(
        "starts_with",
        [Ty::Str, Ty::Str],
        0,
        Ret::Ty(Ty::Bool),
        "string prefix test; false for null",
        |_, a| {
            Ok(json!(
                matches!((&*a[0], &*a[1]), (Value::String(s), Value::String(p)) if s.starts_with(p.as_str()))
            ))
        }
    ),
    f!(
        "ends_with",
        [Ty::Str, Ty::Str],
        0,
        Ret::Ty(Ty::Bool),
        "string suffix test; false for null",
        |_, a| {
            Ok(json!(
                matches!((&*a[0], &*a[1]), (Value::String(s), Value::String(p)) if s.ends_with(p.as_str()))
            ))
        }
    ),
    f!(
        "lower",
        [Ty::Str],
        0,
        Ret::Ty(Ty::Str),
        "lower-case text; null stays null",
        |_, a| {
            Ok(a[0]
                .as_str()
                .map_or(Value::Null, |s| json!(s.to_lowercase())))
        }
    ),
    f!(
        "group_by",
        [LIST, Ty::Str, Ty::Str, Ty::Str],
        2,
        Ret::Ty(Ty::List(&Ty::Rec("group"))),
        "groups records by up to three fields: each group has `key` (the fields), `items`, `count` (sum of the items' `count`, else 1 each), `firstTime`, `lastTime`",
        |_, a| { group_by(items(&a[0]).iter().map(Cow::Borrowed), &a[1..]) }
    ),
    // --- time
    f!(
        "age",
        [Ty::Int],
        0,
        Ret::Ty(Ty::Int),
        "milliseconds from an epoch-ms time to --now; null for null",
        |c, a| {
            Ok(a[0]
                .as_i64()
                .map_or(Value::Null, |ms| json!(now(c).saturating_sub(ms))))
        }
    ),
    f!(
        "ago",
        [Ty::Int],
        0,
        Ret::Ty(Ty::Str),
        "an epoch-ms time relative to --now, as text (`4m ago`)",
        |c, a| {
            Ok(a[0].as_i64().map_or(Value::Null, |ms| {
                json!(crate::output::summary::age(now(c), ms))
            }))
        }
    ),
    f!(
        "time",
        [Ty::Int],
        0,
        Ret::Ty(Ty::Str),
        "an epoch-ms time as RFC 3339 (UTC)",
        |_, a| {
            Ok(a[0]
                .as_i64()
                .and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok())
                .map_or(Value::Null, |t| json!(t.to_string())))
        }
    ),
    f!(
        "expired",
        [Ty::Rec("pending")],
        0,
        Ret::Ty(Ty::Bool),
        "a pending request's 5-minute TTL has run out at --now (measured from `refreshedAtMs`, else `ts`; OpenClaw prunes it on its next read)",
        |c, a| {
            let last = a[0]
                .get("refreshedAtMs")
                .and_then(Value::as_i64)
                .or_else(|| a[0].get("ts").and_then(Value::as_i64));
            Ok(json!(
                last.is_some_and(|t| now(c).saturating_sub(t) > PENDING_TTL_MS)
            ))
        }
    ),
    // --- versions
    f!(
        "version",
        [],
        0,
        Ret::Ty(Ty::Str),
        "the OpenClaw version rules reason about (--openclaw-version, the installed one, logs, or the state's writer); null if unknown",
        |c, _| {
            Ok(c.version
                .as_ref()
                .map_or(Value::Null, |v| json!(v.to_string())))
        }
    ),
    f!(
        "version_in",
        [Ty::Str],
        0,
        Ret::Ty(Ty::Bool),
        "the version is known and in the range (`>=2026.2.14, <2026.2.22`)",
        Some(validate_range),
        |c, a| {
            let req: VersionReq = a[0]
                .as_str()
                .unwrap_or("")
                .parse()
                .map_err(|e| format!("{e}"))?;
            Ok(json!(c.version.as_ref().is_some_and(|v| req.matches(v))))
        }
    ),
    // --- scopes (facts §4b)
    f!(
        "implied",
        [STRS, Ty::Str],
        1,
        Ret::Ty(STRS),
        "the scopes plus what they imply at this version (write ⇒ read from 2026.2.21, admin ⇒ every operator.* from 2026.2.22); role defaults to operator",
        |c, a| {
            Ok(json!(scopes::implied_scopes(
                &strs(&a[0]),
                role(a.get(1)),
                c.version.as_ref()
            )))
        }
    ),
    f!(
        "allows",
        [STRS, STRS, Ty::Str],
        1,
        Ret::Ty(Ty::Bool),
        "whether held scopes satisfy every wanted scope at this version, as the gateway decides",
        |c, a| {
            Ok(json!(scopes::scopes_allow(
                &strs(&a[0]),
                &strs(&a[1]),
                role(a.get(2)),
                c.version.as_ref()
            )))
        }
    ),
    f!(
        "missing",
        [STRS, STRS, Ty::Str],
        1,
        Ret::Ty(STRS),
        "the wanted scopes the held ones do not satisfy at this version",
        |c, a| {
            Ok(json!(scopes::missing_scopes(
                &strs(&a[0]),
                &strs(&a[1]),
                role(a.get(2)),
                c.version.as_ref()
            )))
        }
    ),
    f!(
        "baseline",
        [Ty::Rec("device")],
        0,
        Ret::Ty(STRS),
        "a paired device's approved scope baseline: `approvedScopes` when it is a list, else `scopes`",
        |_, a| {
            let opt = |k: &str| {
                a[0].get(k)
                    .and_then(Value::as_array)
                    .map(|_| strs(&a[0][k]))
            };
            Ok(json!(scopes::baseline(
                opt("approvedScopes").as_deref(),
                opt("scopes").as_deref()
            )))
        }
    ),
    f!(
        "admin_implies_write",
        [],
        0,
        Ret::Ty(Ty::Bool),
        "operator.admin satisfies operator.write at this version (2026.2.22+)",
        |c, _| { Ok(json!(scopes::admin_implies_write(c.version.as_ref()))) }
    ),
    f!(
        "scope_upgrade_auto_approved",
        [],
        0,
        Ret::Ty(Ty::Bool),
        "a local loopback scope upgrade is approved silently at this version and config (2026.2.22–2026.3.30; again with `gateway.nodes.pairing.autoApproveLocal`)",
        |c, _| {
            Ok(json!(scopes::scope_upgrade_auto_approved(
                c.version.as_ref(),
                c.model.config.facts.auto_approve_local
            )))
        }
    ),
    // --- identity
    f!(
        "local_device_id",
        [],
        0,
        Ret::Ty(Ty::Str),
        "the deviceId of this state dir's own identity (derived from its key), or null",
        |c, _| {
            Ok(c.model
                .local_identity()
                .and_then(|i| i.device_id())
                .map_or(Value::Null, |d| json!(d)))
        }
    ),
    f!(
        "short",
        [Ty::Str],
        0,
        Ret::Ty(Ty::Str),
        "an id shortened for messages (`8f916969…a60c`)",
        |_, a| {
            Ok(a[0]
                .as_str()
                .map_or(Value::Null, |s| json!(crate::output::summary::short_id(s))))
        }
    ),
    // --- network (facts §4e)
    f!(
        "is_cidr",
        [Ty::Str],
        0,
        Ret::Ty(Ty::Bool),
        "the text is a CIDR range (`10.0.0.0/8`)",
        |_, a| Ok(json!(a[0].as_str().is_some_and(net::is_cidr)))
    ),
    f!(
        "prefix_len",
        [Ty::Str],
        0,
        Ret::Ty(Ty::Int),
        "a CIDR's prefix length, or null",
        |_, a| {
            Ok(a[0]
                .as_str()
                .and_then(net::prefix_len)
                .map_or(Value::Null, |p| json!(p)))
        }
    ),
    f!(
        "covers",
        [Ty::Str, Ty::Str],
        0,
        Ret::Ty(Ty::Bool),
        "the CIDR (or address) contains the address, mathematically",
        |_, a| {
            Ok(json!(
                matches!((a[0].as_str(), a[1].as_str()), (Some(c), Some(x)) if net::covers(c, x))
            ))
        }
    ),
    f!(
        "is_loopback",
        [Ty::Str],
        0,
        Ret::Ty(Ty::Bool),
        "127.0.0.0/8, ::1 or ::ffff:127.x (ports and brackets allowed)",
        |_, a| { Ok(json!(a[0].as_str().is_some_and(net::is_loopback))) }
    ),
    f!(
        "is_wide",
        [Ty::Str],
        0,
        Ret::Ty(Ty::Bool),
        "a CIDR that trusts whole networks (IPv4 /16 or wider, IPv6 /48 or wider)",
        |_, a| { Ok(json!(a[0].as_str().is_some_and(net::is_wide))) }
    ),
    f!(
        "proxy_matches",
        [Ty::Str, Ty::Str],
        0,
        Ret::Ty(Ty::Bool),
        "this version's gateway treats the address as the trustedProxies entry",
        |c, a| {
            Ok(json!(
                matches!((a[0].as_str(), a[1].as_str()), (Some(e), Some(x)) if net::entry_matches(e, x, c.version.as_ref()))
            ))
        }
    ),
    f!(
        "cidr_never_matches",
        [Ty::Str],
        0,
        Ret::Ty(Ty::Str),
        "why this version never matches the trustedProxies CIDR entry, or null if it can match",
        |c, a| {
            Ok(a[0]
                .as_str()
                .and_then(|e| net::cidr_never_matches(e, c.version.as_ref()))
                .map_or(Value::Null, |r| json!(r)))
        }
    ),
    f!(
        "address",
        [Ty::Str],
        0,
        Ret::Ty(Ty::Str),
        "the IP address in text like `[::1]:5555` or `::ffff:10.0.0.5`, normalized; null if none",
        |_, a| {
            Ok(a[0]
                .as_str()
                .and_then(net::normalize_addr)
                .map_or(Value::Null, |ip| json!(ip.to_string())))
        }
    ),
    // --- secrets, files, config, logs
    f!(
        "fp",
        [Ty::Any],
        0,
        Ret::Ty(Ty::Str),
        "a secret (or a config secret value) as its run-stable fingerprint and length, `${VAR}` for substitutions",
        |_, a| { Ok(fingerprint_text(&a[0]).map_or(Value::Null, Value::String)) }
    ),
    f!(
        "known_non_secret",
        [Ty::Any],
        0,
        Ret::Ty(Ty::Str),
        "`placeholder`, `redaction-sentinel` or `undefined-or-null` when a secret (or config secret value) is one of the values OpenClaw knows are not secrets, matched by fingerprint; else null",
        |_, a| {
            let s = match a[0].get("kind").and_then(Value::as_str) {
                Some("literal") => a[0].get("value"),
                _ => Some(&*a[0]),
            };
            Ok(s.and_then(|s| s.get("fingerprint"))
                .and_then(Value::as_str)
                .and_then(crate::facts::secrets::known_non_secret)
                .map_or(Value::Null, |k| json!(k)))
        }
    ),
    f!(
        "octal",
        [Ty::Int],
        0,
        Ret::Ty(Ty::Str),
        "a mode as octal text (`0644`)",
        |_, a| {
            Ok(a[0]
                .as_i64()
                .map_or(Value::Null, |m| json!(format!("{m:04o}"))))
        }
    ),
    f!(
        "group_or_other_access",
        [Ty::Int],
        0,
        Ret::Ty(Ty::Bool),
        "the mode gives the group or others any permission (a `0o077` bit)",
        |_, a| { Ok(json!(a[0].as_i64().is_some_and(|m| m & 0o077 != 0))) }
    ),
    f!(
        "group_or_other_write",
        [Ty::Int],
        0,
        Ret::Ty(Ty::Bool),
        "the mode lets the group or others write (a `0o022` bit)",
        |_, a| Ok(json!(a[0].as_i64().is_some_and(|m| m & 0o022 != 0)))
    ),
    f!(
        "config_has",
        [Ty::Str],
        0,
        Ret::Ty(Ty::Bool),
        "the config sets this dotted key (`gateway.controlUi.allowInsecureAuth`); values stay unread",
        Some(validate_dotted),
        |c, a| {
            Ok(json!(
                a[0].as_str()
                    .is_some_and(|k| c.model.config.get(k).is_some())
            ))
        }
    ),
    f!(
        "config_key_status",
        [Ty::Str],
        0,
        Ret::Ty(Ty::Str),
        "why this version refuses a `config.keyPaths` key: `unknown` (in neither 2026.7.35 nor 2026.9.6), `newer` (2026.9 only, on 2026.7 or older), `migrated` / `retired` (a 2026.7.35 key that 2026.8+ migrates at start / does not); null when accepted",
        |c, a| {
            Ok(a[0]
                .as_str()
                .and_then(|k| crate::facts::config_keys::status(k, c.version.as_ref()))
                .map_or(Value::Null, |r| json!(r)))
        }
    ),
    f!(
        "plaintext_ws_target",
        [Ty::Str],
        0,
        Ret::Ty(Ty::Str),
        "what a plaintext `ws://`/`http://` gateway URL points at, as OpenClaw's clients judge it: `private-address`, `hostname` or `public-address`; null for `wss://`, loopback and non-URLs",
        |_, a| {
            Ok(a[0]
                .as_str()
                .and_then(net::plaintext_ws_target)
                .map_or(Value::Null, |r| json!(r)))
        }
    ),
    f!(
        "log_total",
        [Ty::Str],
        0,
        Ret::Ty(Ty::Int),
        "gateway-side log events of a kind (`pairingRequired`, `unauthorized`, ...)",
        Some(validate_event_kind),
        |c, a| {
            let kind = crate::logs::EventKind::ALL
                .into_iter()
                .find(|k| Some(k.as_str()) == a[0].as_str());
            let n = match (kind, &c.model.logs.summary) {
                (Some(k), Some(s)) => s.total(k),
                _ => 0,
            };
            Ok(json!(n))
        }
    ),
];

pub fn lookup(name: &str) -> Option<&'static Func> {
    FUNCTIONS.iter().find(|f| f.name == name)
}

pub fn call(name: &str, ctx: &Ctx, args: &[Arg]) -> Result<Value, String> {
    let f = lookup(name).ok_or_else(|| format!("unknown function `{name}`"))?;
    (f.run)(ctx, args)
}

impl Func {
    pub fn signature(&self) -> String {
        let req = self.params.len() - self.optional;
        let ps: Vec<String> = self
            .params
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let t = match p {
                    Ty::Any => "value",
                    Ty::Bool => "bool",
                    Ty::Int => "number",
                    Ty::Str => "string",
                    Ty::Null => "null",
                    Ty::Rec(r) => r,
                    Ty::List(_) => "list",
                };
                if i >= req {
                    format!("{t}?")
                } else {
                    t.to_string()
                }
            })
            .collect();
        format!("{}({})", self.name, ps.join(", "))
    }
}

fn now(c: &Ctx) -> i64 {
    c.model.now_ms
}

fn items(v: &Value) -> &[Value] {
    match v {
        Value::Array(a) => a,
        _ => &[],
    }
}

fn strs(v: &Value) -> Vec<String> {
    items(v)
        .iter()
        .filter_map(|x| x.as_str().map(str::to_string))
        .collect()
}

fn role<'a>(v: Option<&'a Arg>) -> &'a str {
    v.and_then(|v| v.as_str()).unwrap_or("operator")
}

fn order(a: &Value, b: &Value) -> std::cmp::Ordering {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_i64().cmp(&y.as_i64()),
        (Value::Number(_), _) => std::cmp::Ordering::Less,
        (_, Value::Number(_)) => std::cmp::Ordering::Greater,
        _ => plain(a).cmp(&plain(b)),
    }
}

/// A value as message text: strings bare, lists comma-joined, secrets as fingerprints.
pub fn plain(v: &Value) -> String {
    match v {
        Value::Null => "—".into(),
        Value::String(s) => s.clone(),
        Value::Array(a) if a.is_empty() => "(none)".into(),
        Value::Array(a) => a.iter().map(plain).collect::<Vec<_>>().join(", "),
        Value::Object(_) => fingerprint_text(v).unwrap_or_else(|| v.to_string()),
        other => other.to_string(),
    }
}

/// `fp:1a2b3c4d len=48` for a serialized `Secret`, `${VAR}` for a substitution.
fn fingerprint_text(v: &Value) -> Option<String> {
    let o = v.as_object()?;
    if o.get("redacted") == Some(&Value::Bool(true)) {
        return Some(format!(
            "fp:{} len={}",
            o.get("fingerprint")?.as_str()?,
            o.get("length")?
        ));
    }
    match o.get("kind").and_then(Value::as_str)? {
        "literal" => fingerprint_text(o.get("value")?),
        "envSubstitution" => Some(format!("${{{}}}", o.get("variable")?.as_str()?)),
        "secretRef" => Some(format!(
            "SecretRef {}:{}",
            o.get("source").and_then(Value::as_str).unwrap_or("?"),
            o.get("id").and_then(Value::as_str).unwrap_or("?")
        )),
        _ => Some(format!("(a {})", o.get("jsonType")?.as_str()?)),
    }
}

/// `group_by`: items are copied into their group once (borrowed ones are cloned there).
pub(crate) fn group_by<'v>(
    list: impl IntoIterator<Item = Cow<'v, Value>>,
    fields: &[Arg],
) -> Result<Value, String> {
    let names: Vec<&str> = fields.iter().filter_map(|f| f.as_str()).collect();
    let mut groups: Vec<(Map<String, Value>, Vec<Value>)> = Vec::new();
    // First-seen order is kept; the index makes grouping linear (logs give up to 1024 groups).
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for item in list {
        let key: Map<String, Value> = names
            .iter()
            .map(|n| (n.to_string(), item.get(*n).cloned().unwrap_or(Value::Null)))
            .collect();
        let text = Value::Object(key.clone()).to_string();
        match index.get(&text) {
            Some(&i) => groups[i].1.push(item.into_owned()),
            None => {
                index.insert(text, groups.len());
                groups.push((key, vec![item.into_owned()]));
            }
        }
    }
    let out = groups
        .into_iter()
        .map(|(key, members)| {
            let count: i64 = members
                .iter()
                .map(|m| m.get("count").and_then(Value::as_i64).unwrap_or(1))
                .sum();
            let times = |k: &str| {
                members
                    .iter()
                    .filter_map(|m| m.get(k).and_then(Value::as_str))
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            };
            json!({
                "key": key,
                "count": count,
                "firstTime": times("firstTime").into_iter().min(),
                "lastTime": times("lastTime").into_iter().max(),
                "items": members,
            })
        })
        .collect();
    Ok(Value::Array(out))
}

fn validate_range(args: &[Option<&Value>]) -> Result<(), String> {
    match args.first().copied().flatten() {
        Some(Value::String(s)) => s
            .parse::<VersionReq>()
            .map(|_| ())
            .map_err(|e| format!("bad version range: {e}")),
        _ => Ok(()),
    }
}

fn validate_dotted(args: &[Option<&Value>]) -> Result<(), String> {
    match args.first().copied().flatten() {
        Some(Value::String(s)) if s.split('.').any(str::is_empty) => {
            Err(format!("{s:?} is not a dotted config key"))
        }
        _ => Ok(()),
    }
}

fn validate_event_kind(args: &[Option<&Value>]) -> Result<(), String> {
    match args.first().copied().flatten() {
        Some(Value::String(s)) if !crate::logs::EventKind::ALL.iter().any(|k| k.as_str() == s) => {
            Err(format!(
                "unknown log event kind {s:?} (known: {})",
                crate::logs::EventKind::ALL.map(|k| k.as_str()).join(", ")
            ))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::eval::{Scope, eval};
    use crate::engine::parse::parse;

    fn run_with(src: &str, roots: Value, version: Option<&str>) -> Value {
        let mut model = crate::engine::testing::empty_model();
        model.now_ms = 1_000_000_000;
        let ctx = Ctx::new(
            &model,
            roots.as_object().cloned().unwrap_or_default(),
            version.map(|v| v.parse().unwrap()),
        );
        eval(&parse(src).unwrap(), &ctx, &Scope::default())
            .unwrap()
            .into_owned()
    }

    fn run(src: &str) -> Value {
        run_with(src, json!({}), None)
    }

    #[test]
    fn every_function_has_a_doc_and_a_unique_name() {
        let mut names: Vec<&str> = FUNCTIONS.iter().map(|f| f.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), FUNCTIONS.len());
        assert!(FUNCTIONS.iter().all(|f| f.doc.len() > 10));
    }

    #[test]
    fn the_rule_language_docs_list_every_function() {
        let docs = include_str!("../../rules/README.md");
        let missing: Vec<&str> = FUNCTIONS
            .iter()
            .map(|f| f.name)
            .filter(|n| {
                !docs.contains(&format!("`{n}"))
                    && !docs.contains(&format!(" {n}("))
                    && !docs.contains(&format!(", {n}"))
            })
            .collect();
        assert!(
            missing.is_empty(),
            "rules/README.md does not document {missing:?}"
        );
    }

    #[test]
    fn list_helpers() {
        assert_eq!(run("len([1, 2, 3])"), json!(3));
        assert_eq!(run("len(null)"), json!(0));
        assert_eq!(run("count([true, false, null, 1])"), json!(2));
        assert_eq!(run("any([false, true])"), json!(true));
        assert_eq!(run("all([])"), json!(true));
        assert_eq!(run("all([true, null])"), json!(false));
        assert_eq!(run("first([])"), Value::Null);
        assert_eq!(run("distinct(['b', 'a', 'b'])"), json!(["b", "a"]));
        assert_eq!(run("sorted(['b', 2, 'a', 1])"), json!([1, 2, "a", "b"]));
        assert_eq!(run("join(['a', 'b'], '+')"), json!("a+b"));
        assert_eq!(run("subset(['a'], ['a', 'b'])"), json!(true));
        assert_eq!(run("subset(['c'], ['a', 'b'])"), json!(false));
        assert_eq!(run("intersect(['a', 'c'], ['c', 'b'])"), json!(["c"]));
        assert_eq!(run("coalesce(null, 'x')"), json!("x"));
        assert_eq!(run("choose(1 > 2, 'a', 'b')"), json!("b"));
        assert_eq!(run("'pid ' + text(575)"), json!("pid 575"));
        assert_eq!(run("text(['a', 'b'])"), json!("a, b"));
        assert_eq!(
            run("starts_with('operator.read', 'operator.')"),
            json!(true)
        );
        assert_eq!(run("ends_with(null, 'x')"), json!(false));
        assert_eq!(run("lower('ABC')"), json!("abc"));
    }

    #[test]
    fn max_skips_nulls_and_is_null_for_nothing() {
        let roots = json!({"xs": [3, null, 7, 5], "none": [null]});
        assert_eq!(run_with("max(xs)", roots.clone(), None), json!(7));
        assert_eq!(run_with("max(none)", roots, None), Value::Null);
    }

    #[test]
    fn group_by_sums_counts_and_spans_times() {
        let roots = json!({"gs": [
            {"reason": "scope-upgrade", "deviceId": "d1", "count": 2, "firstTime": "2026-01-01T00:00:02Z", "lastTime": "2026-01-01T00:00:05Z"},
            {"reason": "scope-upgrade", "deviceId": "d1", "count": 3, "firstTime": "2026-01-01T00:00:01Z", "lastTime": "2026-01-01T00:00:03Z"},
            {"reason": "not-paired", "deviceId": "d2"}
        ]});
        let g = run_with("group_by(gs, 'reason', 'deviceId')", roots, None);
        assert_eq!(g.as_array().unwrap().len(), 2);
        assert_eq!(
            g[0]["key"],
            json!({"reason": "scope-upgrade", "deviceId": "d1"})
        );
        assert_eq!(g[0]["count"], json!(5));
        assert_eq!(g[0]["firstTime"], json!("2026-01-01T00:00:01Z"));
        assert_eq!(g[0]["lastTime"], json!("2026-01-01T00:00:05Z"));
        assert_eq!(g[1]["count"], json!(1), "items without a count count once");
    }

    #[test]
    fn pending_expiry_uses_refresh_time_first() {
        // now = 1_000_000_000; TTL 300_000 ms.
        let r = |p: Value| run_with("expired(p)", json!({ "p": p }), None);
        assert_eq!(r(json!({"ts": 1_000_000_000 - 300_001})), json!(true));
        assert_eq!(r(json!({"ts": 1_000_000_000 - 300_000})), json!(false));
        assert_eq!(
            r(json!({"ts": 1, "refreshedAtMs": 1_000_000_000 - 10})),
            json!(false),
            "a retry refreshes the request"
        );
        assert_eq!(r(json!({})), json!(false), "no time: not provably expired");
        assert_eq!(run("age(999_999_000)"), json!(1000));
        assert_eq!(run("time(0)"), json!("1970-01-01T00:00:00Z"));
    }

    #[test]
    fn version_facts_follow_the_state_version() {
        let on = |v: Option<&str>, src: &str| run_with(src, json!({}), v);
        assert_eq!(
            on(Some("2026.2.21"), "version_in('>=2026.2.14, <2026.2.22')"),
            json!(true)
        );
        assert_eq!(
            on(Some("2026.2.22"), "version_in('>=2026.2.14, <2026.2.22')"),
            json!(false)
        );
        assert_eq!(
            on(None, "version_in('>=2026.1.0')"),
            json!(false),
            "unknown is not in a range"
        );
        assert_eq!(
            on(
                Some("2026.2.19"),
                "'operator.write' in implied(['operator.admin'])"
            ),
            json!(false)
        );
        assert_eq!(
            on(
                Some("2026.2.22"),
                "'operator.write' in implied(['operator.admin'])"
            ),
            json!(true)
        );
        assert_eq!(
            on(
                Some("2026.2.19"),
                "allows(['operator.admin'], ['operator.write'])"
            ),
            json!(false)
        );
        assert_eq!(
            on(
                Some("2026.7.35"),
                "missing(['operator.read'], ['operator.read', 'operator.write'])"
            ),
            json!(["operator.write"])
        );
        assert_eq!(on(Some("2026.7.35"), "admin_implies_write()"), json!(true));
        assert_eq!(
            on(Some("2026.7.35"), "scope_upgrade_auto_approved()"),
            json!(false)
        );
        assert_eq!(
            on(Some("2026.9.6"), "scope_upgrade_auto_approved()"),
            json!(true)
        );
    }

    #[test]
    fn baseline_prefers_approved_scopes_when_it_is_a_list() {
        let b = |d: Value| run_with("baseline(d)", json!({ "d": d }), None);
        assert_eq!(
            b(json!({"approvedScopes": ["operator.write"], "scopes": ["operator.read"]})),
            json!(["operator.write"])
        );
        assert_eq!(
            b(json!({"approvedScopes": null, "scopes": ["operator.read"]})),
            json!(["operator.read"])
        );
        assert_eq!(
            b(json!({"approvedScopes": [], "scopes": ["operator.read"]})),
            json!([])
        );
    }

    #[test]
    fn network_facts() {
        assert_eq!(run("is_cidr('10.0.0.0/8')"), json!(true));
        assert_eq!(run("prefix_len('172.16.0.0/12')"), json!(12));
        assert_eq!(run("covers('172.16.0.0/12', '172.17.0.2')"), json!(true));
        assert_eq!(run("is_loopback('[::1]:5555')"), json!(true));
        assert_eq!(run("address('::ffff:10.0.0.5')"), json!("10.0.0.5"));
        assert_eq!(run("is_wide('10.0.0.0/8')"), json!(true));
        let v = |ver: &str, src: &str| run_with(src, json!({}), Some(ver));
        assert_eq!(
            v("2026.2.13", "proxy_matches('172.16.0.0/12', '172.17.0.2')"),
            json!(false)
        );
        assert_eq!(
            v("2026.2.14", "proxy_matches('172.16.0.0/12', '172.17.0.2')"),
            json!(true)
        );
        assert!(v("2026.2.13", "cidr_never_matches('172.16.0.0/12')").is_string());
        assert_eq!(
            v("2026.7.35", "cidr_never_matches('172.16.0.0/12')"),
            Value::Null
        );
    }

    #[test]
    fn secrets_show_only_fingerprints() {
        let secret = serde_json::to_value(crate::secret::Secret::new("s3cr3t-value")).unwrap();
        let text = run_with("fp(s)", json!({ "s": secret }), None);
        let t = text.as_str().unwrap();
        assert!(
            t.starts_with("fp:") && t.ends_with("len=12") && !t.contains("s3cr3t"),
            "{t}"
        );
        let lit = json!({"kind": "literal", "value": secret});
        assert_eq!(run_with("fp(s)", json!({ "s": lit }), None), text);
        assert_eq!(
            run_with(
                "fp(s)",
                json!({"s": {"kind": "envSubstitution", "variable": "OPENCLAW_GATEWAY_TOKEN"}}),
                None
            ),
            json!("${OPENCLAW_GATEWAY_TOKEN}")
        );
        assert_eq!(
            plain(&secret),
            t,
            "messages render secrets as fingerprints too"
        );
    }

    #[test]
    fn modes_and_logs() {
        assert_eq!(run("octal(420)"), json!("0644"));
        assert_eq!(run("group_or_other_access(384)"), json!(false));
        assert_eq!(run("group_or_other_access(420)"), json!(true));
        assert_eq!(
            run("group_or_other_write(493)"),
            json!(false),
            "0755 is not group-writable"
        );
        assert_eq!(run("group_or_other_write(509)"), json!(true), "0775 is");
        assert_eq!(run("log_total('pairingRequired')"), json!(0));
        assert_eq!(run("config_has('gateway.mode')"), json!(false));
    }
}
