//! The working copy a plan edits: the live store's records (JSON files or SQLite rows), the
//! config text, `.env` lines and file-level operations, read once from disk and changed in
//! memory. `changes()` turns what differs from disk into the concrete changes to write.

use super::sqlite_rows::{self, Row, TableSpec};
use crate::model::StoreKind;
use rusqlite::Connection;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Largest file a repair reads into memory (pairing stores and configs are kilobytes).
const MAX_FILE: u64 = 64 << 20;

pub const PAIRED_JSON: &str = "devices/paired.json";
pub const PENDING_JSON: &str = "devices/pending.json";
pub const DEVICE_AUTH_JSON: &str = "identity/device-auth.json";
pub const SQLITE_DB: &str = crate::load::sqlite::DB;

/// Which collection of records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Table {
    Paired,
    Pending,
    /// This machine's cached device tokens, keyed by `deviceId` + role.
    AuthTokens,
}

impl Table {
    fn sqlite(self) -> TableSpec {
        match self {
            Table::Paired => sqlite_rows::PAIRED,
            Table::Pending => sqlite_rows::PENDING,
            Table::AuthTokens => sqlite_rows::AUTH_TOKENS,
        }
    }
}

/// A record's key: the object key / primary key, plus the role for cached tokens.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Key {
    pub id: String,
    pub role: Option<String>,
}

impl Key {
    pub fn id(id: &str) -> Key {
        Key {
            id: id.to_string(),
            role: None,
        }
    }

    pub fn token(device: &str, role: &str) -> Key {
        Key {
            id: device.to_string(),
            role: Some(role.to_string()),
        }
    }

    fn sql(&self) -> Vec<Value> {
        let mut k = vec![Value::String(self.id.clone())];
        if let Some(r) = &self.role {
            k.push(Value::String(r.clone()));
        }
        k
    }
}

/// What a path held before the repair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Original {
    pub bytes: Option<Vec<u8>>,
    pub mode: u32,
    pub is_dir: bool,
}

/// One file (or directory) the plan touches.
#[derive(Debug, Clone)]
pub struct Doc {
    pub rel: String,
    pub path: PathBuf,
    /// `None`: the path did not exist.
    pub original: Option<Original>,
    json: Option<Value>,
    text: Option<String>,
    bytes: Option<Vec<u8>>,
    mode: Option<u32>,
    removed: bool,
}

/// A row edit of the SQLite store.
#[derive(Debug, Clone, PartialEq)]
pub struct RowEdit {
    pub table: TableSpec,
    pub key: Vec<Value>,
    pub before: Row,
    /// `None`: the row is deleted.
    pub after: Option<Row>,
}

/// A concrete change to the live state.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// New content for a file (created when `before` is `None`), written atomically with `mode`.
    Write {
        rel: String,
        path: PathBuf,
        before: Option<Vec<u8>>,
        after: Vec<u8>,
        mode: u32,
    },
    /// The file or directory leaves the live state: it is moved into the backup set.
    MoveAside {
        rel: String,
        path: PathBuf,
        is_dir: bool,
    },
    /// Only the permission bits change.
    Chmod {
        rel: String,
        path: PathBuf,
        from: u32,
        to: u32,
    },
    /// Row edits of `state/openclaw.sqlite`, applied in one transaction.
    Sqlite {
        rel: String,
        path: PathBuf,
        edits: Vec<RowEdit>,
    },
}

impl Change {
    pub fn rel(&self) -> &str {
        match self {
            Change::Write { rel, .. }
            | Change::MoveAside { rel, .. }
            | Change::Chmod { rel, .. }
            | Change::Sqlite { rel, .. } => rel,
        }
    }
}

#[derive(Debug, Clone, Default)]
struct Sqlite {
    /// Table name + key -> the row as read, and its edited form.
    rows: BTreeMap<(TableSpec, Vec<String>), (Row, Option<Row>)>,
}

/// The editable state; cheap to clone so a plan that fails or is declined can be undone.
#[derive(Debug, Clone, Default)]
pub struct Edits {
    docs: BTreeMap<String, Doc>,
    sqlite: Sqlite,
}

pub struct Workspace {
    pub state_dir: PathBuf,
    pub edits: Edits,
    conn: Option<(Connection, Option<tempfile::TempDir>)>,
}

fn oclaw_json(v: &Value, trailing_newline: bool) -> Vec<u8> {
    // OpenClaw writes `JSON.stringify(v, null, 2)`: serde_json's pretty form, same spacing.
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    if trailing_newline {
        s.push('\n');
    }
    s.into_bytes()
}

impl Workspace {
    pub fn new(state_dir: &Path) -> Workspace {
        Workspace {
            state_dir: state_dir.to_path_buf(),
            edits: Edits::default(),
            conn: None,
        }
    }

    /// `rel` is relative to the state dir, or an absolute path (a config or `.env` elsewhere).
    pub fn resolve(&self, rel: &str) -> PathBuf {
        let p = Path::new(rel);
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.state_dir.join(p)
        }
    }

    /// The doc for a path, read on first use. Symlinks are refused: a repair never writes
    /// through one (it could point anywhere).
    pub fn doc(&mut self, rel: &str) -> Result<&mut Doc, String> {
        if !self.edits.docs.contains_key(rel) {
            let path = self.resolve(rel);
            if Path::new(rel)
                .components()
                .any(|c| matches!(c, std::path::Component::ParentDir))
            {
                return Err(format!("{rel}: paths with `..` are not repaired"));
            }
            if let Some(link) = symlinked_parent(&self.state_dir, &path) {
                return Err(format!(
                    "{rel}: {} is a symlink; claw-doctor does not write through symlinks",
                    link.display()
                ));
            }
            let original = match std::fs::symlink_metadata(&path) {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                Err(e) => return Err(format!("{rel}: {e}")),
                Ok(m) if m.file_type().is_symlink() => {
                    return Err(format!(
                        "{rel} is a symlink; claw-doctor does not write through symlinks"
                    ));
                }
                Ok(m) if m.is_dir() => Some(Original {
                    bytes: None,
                    mode: m.mode() & 0o7777,
                    is_dir: true,
                }),
                Ok(m) if m.is_file() => {
                    if m.len() > MAX_FILE {
                        return Err(format!("{rel} is larger than {MAX_FILE} bytes"));
                    }
                    let bytes = std::fs::read(&path).map_err(|e| format!("{rel}: {e}"))?;
                    Some(Original {
                        bytes: Some(bytes),
                        mode: m.mode() & 0o7777,
                        is_dir: false,
                    })
                }
                Ok(_) => return Err(format!("{rel} is not a regular file")),
            };
            self.edits.docs.insert(
                rel.to_string(),
                Doc {
                    rel: rel.to_string(),
                    path,
                    original,
                    json: None,
                    text: None,
                    bytes: None,
                    mode: None,
                    removed: false,
                },
            );
        }
        Ok(self.edits.docs.get_mut(rel).expect("inserted above"))
    }

    /// The current JSON of a store file (`{}` when absent), for editing.
    fn json(&mut self, rel: &str) -> Result<&mut Value, String> {
        let doc = self.doc(rel)?;
        if doc.removed {
            return Err(format!("{rel} is moved aside by another change"));
        }
        if doc.json.is_none() {
            let v = match doc.original.as_ref().and_then(|o| o.bytes.as_ref()) {
                None => Value::Object(Map::new()),
                Some(b) => serde_json::from_slice(b)
                    .map_err(|e| format!("{rel} is not valid JSON ({e}); not edited"))?,
            };
            if !v.is_object() {
                return Err(format!("{rel} is not a JSON object; not edited"));
            }
            doc.json = Some(v);
        }
        Ok(doc.json.as_mut().expect("set above"))
    }

    /// Replaces a store in the legacy array form by the object keyed by deviceId.
    pub fn rekey_array(&mut self, rel: &str) -> Result<(), String> {
        let doc = self.doc(rel)?;
        if doc.removed || doc.json.is_some() || doc.bytes.is_some() {
            return Err(format!("{rel} is changed by another fix"));
        }
        let bytes = doc
            .original
            .as_ref()
            .and_then(|o| o.bytes.as_ref())
            .ok_or_else(|| format!("{rel} is not a file"))?;
        let v: Value = serde_json::from_slice(bytes)
            .map_err(|e| format!("{rel} is not valid JSON ({e}); not edited"))?;
        doc.json = Some(Value::Object(
            keyed_by_device(&v).map_err(|e| format!("{rel}: {e}; not rewritten"))?,
        ));
        Ok(())
    }

    fn conn(&mut self) -> Result<&Connection, String> {
        if self.conn.is_none() {
            let path = self.state_dir.join(SQLITE_DB);
            // The database is replaced by rename beside it: never where a symlink leads.
            if let Some(link) = symlinked_parent(&self.state_dir, &path).or_else(|| {
                std::fs::symlink_metadata(&path)
                    .is_ok_and(|m| m.file_type().is_symlink())
                    .then(|| path.clone())
            }) {
                return Err(format!(
                    "{SQLITE_DB}: {} is a symlink; claw-doctor does not write through symlinks",
                    link.display()
                ));
            }
            self.conn = Some(crate::load::sqlite::open_read(&path)?);
        }
        Ok(&self.conn.as_ref().expect("opened above").0)
    }

    /// The record as currently edited, in OpenClaw's JSON field names.
    pub fn record(
        &mut self,
        store: StoreKind,
        table: Table,
        key: &Key,
    ) -> Result<Option<Map<String, Value>>, String> {
        match store {
            StoreKind::Json => {
                let (rel, inner) = json_location(table, key);
                let root = self.json(rel)?;
                if table == Table::AuthTokens
                    && root.get("deviceId").and_then(Value::as_str) != Some(&key.id)
                {
                    return Ok(None);
                }
                let mut v = &*root;
                for k in &inner {
                    match v.get(k) {
                        Some(next) => v = next,
                        None => return Ok(None),
                    }
                }
                Ok(v.as_object().cloned())
            }
            StoreKind::Sqlite => {
                let spec = table.sqlite();
                let id = (spec, key_strings(key));
                if let Some((_, after)) = self.edits.sqlite.rows.get(&id) {
                    return after.as_ref().map(sqlite_rows::to_object).transpose();
                }
                let conn = self.conn()?;
                let row = sqlite_rows::read(conn, &spec, &key.sql())?;
                row.map(|r| sqlite_rows::to_object(&r)).transpose()
            }
        }
    }

    /// Replaces (`Some`) or removes (`None`) a record that exists.
    pub fn put_record(
        &mut self,
        store: StoreKind,
        table: Table,
        key: &Key,
        record: Option<Map<String, Value>>,
    ) -> Result<(), String> {
        match store {
            StoreKind::Json => {
                let (rel, inner) = json_location(table, key);
                let root = self.json(rel)?;
                let (last, path) = inner.split_last().expect("never empty");
                let mut v = root;
                for k in path {
                    v = v.get_mut(k).ok_or_else(|| format!("{rel}: no {k}"))?;
                }
                let obj = v
                    .as_object_mut()
                    .ok_or_else(|| format!("{rel}: not an object at {}", path.join(".")))?;
                match record {
                    Some(r) => {
                        let slot = obj
                            .get_mut(*last)
                            .ok_or_else(|| format!("{rel}: no record {last}"))?;
                        *slot = Value::Object(r);
                    }
                    None => {
                        obj.shift_remove(*last)
                            .ok_or_else(|| format!("{rel}: no record {last}"))?;
                    }
                }
                Ok(())
            }
            StoreKind::Sqlite => {
                let spec = table.sqlite();
                let id = (spec, key_strings(key));
                if !self.edits.sqlite.rows.contains_key(&id) {
                    let conn = self.conn()?;
                    let row = sqlite_rows::read(conn, &spec, &key.sql())?
                        .ok_or_else(|| format!("{}: no row {}", spec.name, key.id))?;
                    self.edits
                        .sqlite
                        .rows
                        .insert(id.clone(), (row.clone(), Some(row)));
                }
                let columns = sqlite_rows::columns(self.conn()?, &spec)?;
                let entry = self.edits.sqlite.rows.get_mut(&id).expect("inserted above");
                entry.1 = record.map(|r| sqlite_rows::from_object(&r, &columns));
                Ok(())
            }
        }
    }

    /// The current text of a file (config, `.env`), for editing.
    pub fn text(&mut self, rel: &str) -> Result<&mut String, String> {
        let doc = self.doc(rel)?;
        if doc.text.is_none() {
            let bytes = doc
                .original
                .as_ref()
                .and_then(|o| o.bytes.clone())
                .ok_or_else(|| format!("{rel} does not exist"))?;
            let text =
                String::from_utf8(bytes).map_err(|_| format!("{rel} is not UTF-8; not edited"))?;
            doc.text = Some(text);
        }
        Ok(doc.text.as_mut().expect("set above"))
    }

    pub fn replace_bytes(&mut self, rel: &str, bytes: Vec<u8>) -> Result<(), String> {
        let doc = self.doc(rel)?;
        if doc.original.as_ref().is_some_and(|o| o.is_dir) {
            return Err(format!("{rel} is a directory"));
        }
        doc.json = None;
        doc.text = None;
        doc.removed = false;
        doc.bytes = Some(bytes);
        Ok(())
    }

    pub fn move_aside(&mut self, rel: &str) -> Result<(), String> {
        let doc = self.doc(rel)?;
        if doc.original.is_none() {
            return Err(format!("{rel} does not exist"));
        }
        doc.removed = true;
        Ok(())
    }

    pub fn chmod(&mut self, rel: &str, mode: u32) -> Result<(), String> {
        let doc = self.doc(rel)?;
        if doc.original.is_none() {
            return Err(format!("{rel} does not exist"));
        }
        doc.mode = Some(mode & 0o7777);
        Ok(())
    }

    /// Everything that differs from disk, in a stable order (files by path, then the database).
    pub fn changes(&self) -> Vec<Change> {
        let mut out = Vec::new();
        for doc in self.edits.docs.values() {
            let Some(orig) = &doc.original else {
                if let Some(after) = doc.new_bytes() {
                    out.push(Change::Write {
                        rel: doc.rel.clone(),
                        path: doc.path.clone(),
                        before: None,
                        after,
                        mode: doc.mode.unwrap_or(0o600),
                    });
                }
                continue;
            };
            if doc.removed {
                out.push(Change::MoveAside {
                    rel: doc.rel.clone(),
                    path: doc.path.clone(),
                    is_dir: orig.is_dir,
                });
                continue;
            }
            let mode = doc.mode.unwrap_or(orig.mode);
            match doc.new_bytes() {
                Some(after) if Some(&after) != orig.bytes.as_ref() => out.push(Change::Write {
                    rel: doc.rel.clone(),
                    path: doc.path.clone(),
                    before: orig.bytes.clone(),
                    after,
                    mode,
                }),
                _ if mode != orig.mode => out.push(Change::Chmod {
                    rel: doc.rel.clone(),
                    path: doc.path.clone(),
                    from: orig.mode,
                    to: mode,
                }),
                _ => {}
            }
        }
        let edits: Vec<RowEdit> = self
            .edits
            .sqlite
            .rows
            .iter()
            .filter(|(_, (before, after))| after.as_ref() != Some(before))
            .map(|((table, _), (before, after))| RowEdit {
                table: *table,
                key: sqlite_rows::key_of(table, before),
                before: before.clone(),
                after: after.clone(),
            })
            .collect();
        if !edits.is_empty() {
            out.push(Change::Sqlite {
                rel: SQLITE_DB.to_string(),
                path: self.state_dir.join(SQLITE_DB),
                edits,
            });
        }
        out
    }
}

impl Doc {
    fn new_bytes(&self) -> Option<Vec<u8>> {
        if let Some(v) = &self.json {
            let trailing = self
                .original
                .as_ref()
                .and_then(|o| o.bytes.as_ref())
                .is_some_and(|b| b.ends_with(b"\n"));
            let out = oclaw_json(v, trailing);
            // An unchanged document keeps its exact bytes, whatever its formatting.
            let same = self
                .original
                .as_ref()
                .and_then(|o| o.bytes.as_ref())
                .and_then(|b| serde_json::from_slice::<Value>(b).ok())
                .is_some_and(|orig| &orig == v);
            return if same { None } else { Some(out) };
        }
        if let Some(t) = &self.text {
            return Some(t.clone().into_bytes());
        }
        self.bytes.clone()
    }
}

/// `[{deviceId, publicKey, ...}, ...]` as `{deviceId: entry}`, entries unchanged. An entry the
/// object form cannot key, or a deviceId twice (which one is right?), stops the rewrite: the
/// gateway would pair such a device anew anyway, and guessing could drop the wrong one.
fn keyed_by_device(v: &Value) -> Result<Map<String, Value>, String> {
    let entries = v.as_array().ok_or("not a JSON array")?;
    let mut out = Map::new();
    for (i, e) in entries.iter().enumerate() {
        let obj = e
            .as_object()
            .ok_or_else(|| format!("entry {i} is not an object"))?;
        let field = |name: &str| {
            obj.get(name)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
        };
        let id = field("deviceId").ok_or_else(|| format!("entry {i} has no deviceId"))?;
        if field("publicKey").is_none() {
            return Err(format!("entry {i} ({id}) has no publicKey"));
        }
        if out.insert(id.to_string(), e.clone()).is_some() {
            return Err(format!("deviceId {id} appears more than once"));
        }
    }
    Ok(out)
}

fn key_strings(key: &Key) -> Vec<String> {
    let mut k = vec![key.id.clone()];
    k.extend(key.role.clone());
    k
}

/// The JSON-era file of a table and the object path of a record in it.
fn json_location(table: Table, key: &Key) -> (&'static str, Vec<&str>) {
    match table {
        Table::Paired => (PAIRED_JSON, vec![key.id.as_str()]),
        Table::Pending => (PENDING_JSON, vec![key.id.as_str()]),
        Table::AuthTokens => (
            DEVICE_AUTH_JSON,
            vec!["tokens", key.role.as_deref().unwrap_or_default()],
        ),
    }
}

/// The first symlink among the folders between the state dir and `path` (`devices` linked to
/// another disk, say): a write below it would land outside the state. The state dir itself may
/// be a symlink (`~/.openclaw` moved elsewhere is common); paths outside it are not checked.
pub fn symlinked_parent(state_dir: &Path, path: &Path) -> Option<std::path::PathBuf> {
    let rel = path.strip_prefix(state_dir).ok()?;
    let mut at = state_dir.to_path_buf();
    let mut parts: Vec<_> = rel.components().collect();
    parts.pop();
    for part in parts {
        at.push(part);
        if std::fs::symlink_metadata(&at).is_ok_and(|m| m.file_type().is_symlink()) {
            return Some(at);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn state() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("devices")).unwrap();
        std::fs::write(
            dir.path().join(PAIRED_JSON),
            r#"{
  "d1": {
    "deviceId": "d1",
    "scopes": [
      "operator.read"
    ]
  }
}"#,
        )
        .unwrap();
        dir
    }

    #[test]
    fn an_edited_json_store_is_rewritten_the_way_openclaw_writes_it() {
        let dir = state();
        let mut ws = Workspace::new(dir.path());
        let key = Key::id("d1");
        let mut rec = ws
            .record(StoreKind::Json, Table::Paired, &key)
            .unwrap()
            .unwrap();
        rec.insert("scopes".into(), json!(["operator.read", "operator.write"]));
        ws.put_record(StoreKind::Json, Table::Paired, &key, Some(rec))
            .unwrap();
        let changes = ws.changes();
        let [Change::Write { after, before, .. }] = changes.as_slice() else {
            panic!("{changes:?}")
        };
        let text = String::from_utf8(after.clone()).unwrap();
        assert!(text.ends_with('}'), "no trailing newline, as the original");
        assert!(text.contains("\n    \"scopes\": [\n      \"operator.read\",\n"));
        assert_eq!(
            before.as_deref(),
            Some(
                std::fs::read(dir.path().join(PAIRED_JSON))
                    .unwrap()
                    .as_slice()
            )
        );
    }

    #[test]
    fn a_legacy_array_is_keyed_by_device_only_when_every_entry_can_be() {
        let ok = serde_json::json!([
            {"deviceId": "a", "publicKey": "ka", "role": "operator"},
            {"deviceId": "b", "publicKey": "kb"}
        ]);
        let m = keyed_by_device(&ok).unwrap();
        assert_eq!(m.keys().collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(m["a"], ok[0], "entries are kept as they are");
        for (bad, why) in [
            (serde_json::json!({"a": {}}), "not a JSON array"),
            (serde_json::json!([1]), "entry 0 is not an object"),
            (
                serde_json::json!([{"publicKey": "k"}]),
                "entry 0 has no deviceId",
            ),
            (
                serde_json::json!([{"deviceId": "a", "publicKey": "k"}, {"deviceId": "b", "publicKey": ""}]),
                "entry 1 (b) has no publicKey",
            ),
            (
                serde_json::json!([{"deviceId": "a", "publicKey": "k"}, {"deviceId": "a", "publicKey": "j"}]),
                "deviceId a appears more than once",
            ),
        ] {
            assert_eq!(keyed_by_device(&bad).unwrap_err(), why);
        }
    }

    #[test]
    fn reading_without_editing_changes_nothing() {
        let dir = state();
        let mut ws = Workspace::new(dir.path());
        ws.record(StoreKind::Json, Table::Paired, &Key::id("d1"))
            .unwrap();
        assert!(ws.changes().is_empty());
    }

    #[test]
    fn symlinks_and_parent_paths_are_refused() {
        let dir = state();
        std::os::unix::fs::symlink("/etc/passwd", dir.path().join("devices/pending.json")).unwrap();
        let mut ws = Workspace::new(dir.path());
        assert!(ws.doc(PENDING_JSON).unwrap_err().contains("symlink"));
        assert!(ws.doc("../x").unwrap_err().contains(".."));
    }

    #[test]
    fn removing_a_missing_record_is_an_error() {
        let dir = state();
        let mut ws = Workspace::new(dir.path());
        assert!(
            ws.put_record(StoreKind::Json, Table::Paired, &Key::id("nope"), None)
                .is_err()
        );
    }
}
