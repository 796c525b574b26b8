//! The model as the JSON values conditions read (the roots of `schema::ROOTS`).
//! Built once per scan; records are the model's own serialization, so secrets are already
//! reduced to `{redacted, length, fingerprint}` before any rule sees them.

use super::schema;
use crate::model::Model;
use serde::Serialize;
use serde_json::{Map, Value, json};

fn to_json<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

fn list<'a, T: Serialize + 'a>(items: impl Iterator<Item = &'a T>) -> Value {
    Value::Array(items.map(to_json).collect())
}

/// Adds the schema's fields a record left out (as `null`), so `x.field` never depends on
/// whether the serializer skipped an empty value.
fn complete(mut v: Value, record: &str) -> Value {
    if let (Value::Object(m), Some(rec)) = (&mut v, schema::record(record)) {
        for (name, _) in rec.fields {
            m.entry(name.to_string()).or_insert(Value::Null);
        }
    }
    v
}

fn identity(i: &crate::model::Identity) -> Value {
    let mut v = to_json(i);
    if let Value::Object(m) = &mut v {
        m.insert("deviceId".into(), json!(i.device_id()));
        m.insert("valid".into(), json!(i.is_valid()));
    }
    v
}

/// Every root, by name.
pub fn roots(m: &Model) -> Map<String, Value> {
    schema::ROOTS
        .iter()
        .filter_map(|(name, ..)| Some((name.to_string(), root(m, name)?)))
        .collect()
}

/// One root (`None` for a name that is not one). Roots are built when a rule first reads
/// them: a 10 000-device state takes a while to serialize, and most rules read few roots.
pub fn root(m: &Model, name: &str) -> Option<Value> {
    Some(match name {
        "devices" => list(m.devices.iter().filter(|d| d.live)),
        "all_devices" => list(m.devices.iter()),
        "pending" => list(m.pending.iter().filter(|p| p.live)),
        "all_pending" => list(m.pending.iter()),
        "identity" => m.local_identity().map_or(Value::Null, identity),
        "identities" => Value::Array(m.identities.iter().map(identity).collect()),
        "token_caches" => list(m.token_caches.iter().filter(|c| c.live)),
        "all_token_caches" => list(m.token_caches.iter()),
        "bootstrap_tokens" => list(m.bootstrap_tokens.iter().filter(|b| b.live)),
        "token_sources" => list(m.token_sources.iter()),
        "services" => list(m.services.iter()),
        "files" => list(m.files.iter()),
        "copies" => list(m.copies.iter()),
        "problems" => list(
            m.problems
                .iter()
                .chain(m.logs.problems.iter())
                .chain(m.runtime.problems.iter()),
        ),
        "config" => config(m),
        "state" => state(m),
        "logs" => logs(m),
        "log_groups" => log_groups(m),
        "runtime" => runtime(m),
        "now" => json!(m.now_ms),
        _ => return None,
    })
}

/// The root whose value `name`'s equals on this model, when it is another one: a live-store
/// list (`devices`) is its every-store list (`all_devices`) when every record is live.
pub fn same_as(m: &Model, name: &str) -> Option<&'static str> {
    match name {
        "devices" if m.devices.iter().all(|d| d.live) => Some("all_devices"),
        "pending" if m.pending.iter().all(|p| p.live) => Some("all_pending"),
        "token_caches" if m.token_caches.iter().all(|c| c.live) => Some("all_token_caches"),
        _ => None,
    }
}

fn config(m: &Model) -> Value {
    let c = &m.config;
    let mut out = json!({
        "path": c.path.to_string_lossy(),
        "exists": c.exists,
        "format": c.format,
        "parseError": c.parse_error,
        "topLevelKeys": c.top_level_keys,
    });
    if let (Value::Object(o), Value::Object(facts)) = (&mut out, to_json(&c.facts)) {
        o.extend(facts);
    }
    out
}

fn state(m: &Model) -> Value {
    let s = &m.source;
    json!({
        "era": m.era.era.as_str(),
        "liveStore": m.era.live_store,
        "reasons": m.era.reasons,
        "jsonStorePresent": m.era.json_store_present,
        "sqliteStorePresent": m.era.sqlite_store_present,
        "migratedArchives": m.era.migrated_archives,
        "stateDir": s.state_dir.path.to_string_lossy(),
        "stateDirOrigin": s.state_dir.origin,
        "profile": s.profile,
        "home": s.home.as_ref().map(|h| h.path.to_string_lossy()),
        "otherStateDirs": s.other_state_dirs,
        "version": m.version.effective.as_ref().map(ToString::to_string),
        "versionSource": m.version.effective_source,
        "installedVersion": m.version.installed.as_ref().map(ToString::to_string),
        "stateWrittenVersion": m.version.state_written.as_ref().map(ToString::to_string),
    })
}

fn logs(m: &Model) -> Value {
    let s = m.logs.summary.as_ref();
    json!({
        "enabled": m.logs.enabled,
        "origin": m.logs.origin,
        "files": s.map_or(0, |s| s.files.len()),
        "lines": s.map_or(0, |s| s.lines),
        "totals": s.map(|s| to_json(&s.totals)),
        "clientTotals": s.map(|s| to_json(&s.client_totals)),
    })
}

fn log_groups(m: &Model) -> Value {
    let Some(s) = &m.logs.summary else {
        return Value::Array(Vec::new());
    };
    let path_of = |i: usize| s.files.get(i).map(|f| f.path.display().to_string());
    let event = |e: &crate::logs::Event| {
        let mut v = to_json(e);
        if let Value::Object(o) = &mut v {
            o.insert("path".into(), json!(path_of(e.file)));
        }
        v
    };
    Value::Array(
        s.groups
            .iter()
            .map(|g| {
                let mut v = complete(to_json(&g.key), "logGroup");
                if let Value::Object(o) = &mut v {
                    o.insert("count".into(), json!(g.count));
                    o.insert("firstTime".into(), json!(g.first_time));
                    o.insert("lastTime".into(), json!(g.last_time));
                    o.insert("first".into(), event(&g.first));
                    o.insert("last".into(), event(&g.last));
                }
                v
            })
            .collect(),
    )
}

fn runtime(m: &Model) -> Value {
    let rt = &m.runtime;
    let mut v = to_json(rt);
    if let Value::Object(o) = &mut v {
        o.insert("running".into(), json!(rt.running()));
        o.insert("stateBusy".into(), json!(rt.state_busy()));
        o.insert("runningPids".into(), json!(rt.running_pids()));
    }
    v
}
