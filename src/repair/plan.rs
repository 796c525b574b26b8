//! From findings to plans: each finding's evaluated actions are carried out on a shared
//! `Workspace`, one finding at a time, so every plan shows exactly what it adds. A plan that
//! touches a record or file an earlier plan already changed is held back (the two were
//! computed from the same original state and could undo each other): `fix` applies it on its
//! next run.

use super::actions::ActionCall;
use super::workspace::{Change, Key, Table, Workspace};
use crate::facts::scopes;
use crate::findings::{Finding, FixKind};
use crate::model::{Model, StoreKind, TokenSourceKind};
use serde_json::{Map, Value};

/// What `fix` will do for one finding.
#[derive(Debug, Clone)]
pub struct Plan {
    pub check_id: String,
    pub kind: FixKind,
    pub subject: Map<String, Value>,
    pub summary: String,
    /// What this plan adds on top of the plans before it.
    pub changes: Vec<Change>,
    /// The records and files it touches (`paired:<id>`, `file:<path>`, ...).
    pub targets: Vec<String>,
}

/// A fixable finding that will not be fixed in this run, and why.
#[derive(Debug, Clone)]
pub struct Held {
    pub check_id: String,
    pub subject: Map<String, Value>,
    pub reason: String,
    /// Becomes possible by itself (`--break-glass`, a second run); not a failure.
    pub deferred: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Options {
    pub break_glass: bool,
    /// Only these check ids (all when empty).
    pub only: Vec<String>,
}

pub struct Planned {
    pub plans: Vec<Plan>,
    pub held: Vec<Held>,
    pub workspace: Workspace,
}

/// Plans every fixable finding in report order; `confirm` may decline a plan (it is undone).
pub fn plan(
    model: &Model,
    findings: &[Finding],
    opts: &Options,
    mut confirm: impl FnMut(&Plan) -> bool,
) -> Planned {
    let mut ws = Workspace::new(&model.source.state_dir.path);
    let mut plans: Vec<Plan> = Vec::new();
    let mut held = Vec::new();
    for f in findings {
        if f.fix.kind == FixKind::Manual
            || (!opts.only.is_empty() && !opts.only.contains(&f.check_id))
        {
            continue;
        }
        let hold = |reason: String, deferred: bool| Held {
            check_id: f.check_id.clone(),
            subject: f.subject.clone(),
            reason,
            deferred,
        };
        if f.fix.kind == FixKind::Unsafe && !opts.break_glass {
            held.push(hold(
                "an unsafe (break-glass) edit: pass --break-glass to apply it".into(),
                true,
            ));
            continue;
        }
        if f.actions.is_empty() {
            held.push(hold(
                "nothing claw-doctor can change offline for this case; use the commands shown by `scan`".into(),
                false,
            ));
            continue;
        }
        let before_edits = ws.edits.clone();
        let before_changes = ws.changes();
        let mut targets = Vec::new();
        let result = f
            .actions
            .iter()
            .try_for_each(|a| act(model, &mut ws, a, &mut targets));
        if let Err(e) = result {
            ws.edits = before_edits;
            held.push(hold(format!("cannot plan it: {e}"), false));
            continue;
        }
        targets.sort();
        targets.dedup();
        if let Some((other, t)) = plans.iter().find_map(|p| {
            p.targets
                .iter()
                .find(|t| targets.contains(t))
                .map(|t| (p.check_id.clone(), t.clone()))
        }) {
            ws.edits = before_edits;
            held.push(hold(
                format!("touches {t} like the {other} fix; run `claw-doctor fix` again afterwards"),
                true,
            ));
            continue;
        }
        let changes = increment(&before_changes, ws.changes());
        if changes.is_empty() {
            ws.edits = before_edits;
            held.push(hold("already as the fix would leave it".into(), false));
            continue;
        }
        let plan = Plan {
            check_id: f.check_id.clone(),
            kind: f.fix.kind,
            subject: f.subject.clone(),
            summary: f.fix.summary.clone(),
            changes,
            targets,
        };
        if !confirm(&plan) {
            ws.edits = before_edits;
            held.push(hold("declined".into(), false));
            continue;
        }
        plans.push(plan);
    }
    Planned {
        plans,
        held,
        workspace: ws,
    }
}

/// The changes in `after` that are new, each relative to the state `before` left behind.
fn increment(before: &[Change], after: Vec<Change>) -> Vec<Change> {
    after
        .into_iter()
        .filter(|c| !before.contains(c))
        .map(|c| match c {
            Change::Write {
                rel,
                path,
                before: orig,
                after,
                mode,
            } => {
                let prior = before.iter().find_map(|b| match b {
                    Change::Write { rel: r, after, .. } if *r == rel => Some(after.clone()),
                    _ => None,
                });
                Change::Write {
                    before: prior.or(orig),
                    rel,
                    path,
                    after,
                    mode,
                }
            }
            Change::Sqlite { rel, path, edits } => {
                let prior: Vec<_> = before
                    .iter()
                    .flat_map(|b| match b {
                        Change::Sqlite { edits, .. } => edits.clone(),
                        _ => Vec::new(),
                    })
                    .collect();
                let edits = edits
                    .into_iter()
                    .filter(|e| !prior.contains(e))
                    .map(|mut e| {
                        if let Some(p) = prior.iter().find(|p| p.table == e.table && p.key == e.key)
                            && let Some(a) = &p.after
                        {
                            e.before = a.clone();
                        }
                        e
                    })
                    .collect();
                Change::Sqlite { rel, path, edits }
            }
            other => other,
        })
        .collect()
}

fn req<'a>(a: &'a ActionCall, arg: &str) -> Result<&'a str, String> {
    a.str(arg)
        .ok_or_else(|| format!("{}: `{arg}` has no value here", a.name))
}

fn req_list(a: &ActionCall, arg: &str) -> Result<Vec<String>, String> {
    a.strs(arg)
        .ok_or_else(|| format!("{}: `{arg}` has no value here", a.name))
}

/// The live store's record of a device: where it is and under which key.
fn live_device(model: &Model, device: &str) -> Result<(StoreKind, Key), String> {
    model
        .devices
        .iter()
        .find(|d| d.live && d.device_id.as_deref() == Some(device))
        .map(|d| (d.store, Key::id(&d.key)))
        .ok_or_else(|| format!("device {device} has no record in the live pairing store"))
}

fn live_cache_store(model: &Model, device: &str) -> Option<StoreKind> {
    model
        .token_caches
        .iter()
        .find(|c| c.live && c.device_id.as_deref() == Some(device))
        .map(|c| c.store)
}

fn strings(v: Option<&Value>) -> Option<Vec<String>> {
    v.and_then(Value::as_array).map(|a| {
        a.iter()
            .filter_map(|s| s.as_str().map(str::to_string))
            .collect()
    })
}

/// `list` plus the missing `add`, in order (what OpenClaw's merges produce).
fn union(list: &[String], add: &[String]) -> Vec<String> {
    let mut out = list.to_vec();
    for s in add {
        if !out.contains(s) {
            out.push(s.clone());
        }
    }
    out
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v.dedup();
    v
}

/// A path as the workspace names it: relative inside the state dir, else absolute.
fn rel_of(model: &Model, path: &std::path::Path) -> String {
    path.strip_prefix(&model.source.state_dir.path)
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|_| path.to_string_lossy().into_owned())
}

fn act(
    model: &Model,
    ws: &mut Workspace,
    a: &ActionCall,
    targets: &mut Vec<String>,
) -> Result<(), String> {
    if let Some(arg) = a.missing_required() {
        return Err(format!("{}: `{arg}` has no value here", a.name));
    }
    let version = model.version.effective.as_ref();
    match a.name {
        "grant-scopes" | "set-scopes" => {
            let device = req(a, "device")?;
            let role = req(a, "role")?;
            let list = req_list(a, "scopes")?;
            let grant = a.name == "grant-scopes";
            let (store, key) = live_device(model, device)?;
            let mut rec = ws
                .record(store, Table::Paired, &key)?
                .ok_or_else(|| format!("device {device}: record not found"))?;
            let token_scopes = if grant {
                None
            } else {
                Some(a.strs("tokenScopes").unwrap_or_else(|| list.clone()))
            };
            for field in ["scopes", "approvedScopes"] {
                if !grant && field == "approvedScopes" {
                    continue; // never widened by an alignment
                }
                let current = strings(rec.get(field));
                let next = match (&current, grant) {
                    (Some(c), true) => union(c, &list),
                    (None, true) if field == "approvedScopes" && current.is_none() => {
                        // A record without approvedScopes keeps its legacy shape.
                        continue;
                    }
                    _ => list.clone(),
                };
                rec.insert(field.into(), next.into());
            }
            let token = rec
                .get_mut("tokens")
                .and_then(Value::as_object_mut)
                .and_then(|t| t.get_mut(role))
                .and_then(Value::as_object_mut);
            let mut new_token_scopes = None;
            if let Some(t) = token {
                let cur = strings(t.get("scopes")).unwrap_or_default();
                let next = match &token_scopes {
                    None => sorted(union(&cur, &list)),
                    Some(s) => sorted(s.clone()),
                };
                t.insert("scopes".into(), next.clone().into());
                new_token_scopes = Some(next);
            }
            let baseline = scopes::baseline(
                strings(rec.get("approvedScopes")).as_deref(),
                strings(rec.get("scopes")).as_deref(),
            );
            ws.put_record(store, Table::Paired, &key, Some(rec))?;
            targets.push(format!("paired:{device}"));
            // This machine's cached copy of the token carries the scopes too.
            if let (Some(cache_store), Some(next)) =
                (live_cache_store(model, device), new_token_scopes)
            {
                let ck = Key::token(device, role);
                if let Some(mut entry) = ws.record(cache_store, Table::AuthTokens, &ck)? {
                    entry.insert("scopes".into(), next.into());
                    ws.put_record(cache_store, Table::AuthTokens, &ck, Some(entry))?;
                    targets.push(format!("token:{device}/{role}"));
                }
            }
            if grant {
                // Requests of this device that the record now satisfies would only re-prompt.
                for p in model.live_pending().filter(|p| {
                    p.device_id.as_deref() == Some(device)
                        && p.role.as_deref().is_none_or(|r| r == role)
                }) {
                    let wanted = p.scopes.clone().unwrap_or_default();
                    if scopes::scopes_allow(&baseline, &wanted, role, version) {
                        ws.put_record(p.store, Table::Pending, &Key::id(&p.key), None)?;
                        targets.push(format!("pending:{}", p.key));
                    }
                }
            }
            Ok(())
        }
        "set-device-fields" => {
            let device = req(a, "device")?;
            let (store, key) = live_device(model, device)?;
            let mut rec = ws
                .record(store, Table::Paired, &key)?
                .ok_or_else(|| format!("device {device}: record not found"))?;
            for (field, v) in &a.args {
                if field != "device" && !v.is_null() {
                    rec.insert(field.clone(), v.clone());
                }
            }
            ws.put_record(store, Table::Paired, &key, Some(rec))?;
            targets.push(format!("paired:{device}"));
            Ok(())
        }
        "drop-cached-token" => {
            let device = req(a, "device")?;
            let role = req(a, "role")?;
            let store = live_cache_store(model, device)
                .ok_or_else(|| format!("no live token cache for device {device}"))?;
            let key = Key::token(device, role);
            if ws.record(store, Table::AuthTokens, &key)?.is_none() {
                return Err(format!("no cached {role} token for device {device}"));
            }
            ws.put_record(store, Table::AuthTokens, &key, None)?;
            targets.push(format!("token:{device}/{role}"));
            Ok(())
        }
        "remove-pending" => {
            let request = req(a, "request")?;
            // By requestId, else by its key in the store: a malformed entry may lack the id.
            let p = model
                .live_pending()
                .find(|p| p.request_id.as_deref() == Some(request))
                .or_else(|| model.live_pending().find(|p| p.key == request))
                .ok_or_else(|| format!("request {request} is not in the live store"))?;
            ws.put_record(p.store, Table::Pending, &Key::id(&p.key), None)?;
            targets.push(format!("pending:{}", p.key));
            Ok(())
        }
        "move-aside" => {
            let path = req(a, "path")?;
            ws.move_aside(path)?;
            targets.push(format!("file:{path}"));
            Ok(())
        }
        "restore-copy" => {
            let path = req(a, "path")?;
            let from = req(a, "from")?;
            let source = ws.resolve(from);
            let meta = std::fs::symlink_metadata(&source).map_err(|e| format!("{from}: {e}"))?;
            if !meta.is_file() {
                return Err(format!("{from} is not a regular file"));
            }
            let bytes = std::fs::read(&source).map_err(|e| format!("{from}: {e}"))?;
            ws.replace_bytes(path, bytes)?;
            targets.push(format!("file:{path}"));
            Ok(())
        }
        "chmod" => {
            let path = req(a, "path")?;
            let mode = a
                .args
                .get("mode")
                .and_then(Value::as_u64)
                .filter(|m| *m <= 0o7777)
                .ok_or("chmod: `mode` is not a permission mode")?;
            ws.chmod(path, mode as u32)?;
            targets.push(format!("mode:{path}"));
            Ok(())
        }
        "config-unset" | "config-set" => {
            let key = req(a, "key")?;
            let rel = rel_of(model, &model.source.config.path);
            let text = ws.text(&rel)?;
            *text = if a.name == "config-unset" {
                super::config_edit::unset(text, key)?
            } else {
                let value = a.args.get("value").cloned().unwrap_or(Value::Null);
                super::config_edit::set(text, key, &value)?
            };
            targets.push(format!("config:{key}"));
            Ok(())
        }
        "align-token" => {
            let source = req(a, "source")?;
            let src = model
                .token_sources
                .iter()
                .find(|s| s.location == source)
                .ok_or_else(|| format!("no token source at {source}"))?;
            if !matches!(
                src.kind,
                TokenSourceKind::StateDotEnv
                    | TokenSourceKind::CwdDotEnv
                    | TokenSourceKind::GatewayEnvFile
            ) {
                return Err(format!(
                    "{source} is not a .env file; claw-doctor edits only .env lines"
                ));
            }
            let config_token = model
                .token_sources
                .iter()
                .find(|s| s.kind == TokenSourceKind::ConfigAuth)
                .and_then(|s| match &s.value {
                    crate::model::SecretValue::Literal { value } => Some(value.clone()),
                    _ => None,
                })
                .ok_or("the config has no literal gateway.auth.token to align to")?;
            let (file, line) = source
                .rsplit_once(':')
                .and_then(|(f, l)| l.parse::<usize>().ok().map(|l| (f, l)))
                .ok_or_else(|| format!("{source} is not `path:line`"))?;
            let rel = rel_of(model, std::path::Path::new(file));
            let text = ws.text(&rel)?;
            *text = super::dotenv::set_line(text, line, &src.name, config_token.expose())?;
            targets.push(format!("env:{source}"));
            Ok(())
        }
        other => Err(format!("no planner for action {other}")),
    }
}
