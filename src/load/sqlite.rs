//! The SQLite-era store (2026.8+): `state/openclaw.sqlite`, opened read-only.
//!
//! Rows are turned into objects with the JSON era's field names (`device_id` -> `deviceId`,
//! `scopes_json` -> parsed `scopes`) and handed to the same record builders as the JSON files.
//!
//! Read-only guarantee: claw-doctor never writes, creates or touches any file of the store, not
//! even the `-shm` index that an ordinary read-only SQLite connection updates (or creates). A
//! database without a `-shm` or pending WAL frames is opened `immutable` (no locks, no `-shm`);
//! otherwise (a running or crashed gateway) a private copy of the database and its WAL is read,
//! so un-checkpointed rows are still seen and no checkpoint can tear the read.

use super::records::{self, Origin};
use crate::model::{
    BootstrapToken, Identity, LoadProblem, PairedDevice, PendingRequest, ProblemKind, StoreKind,
    TokenCache,
};
use crate::secret::Secret;
use crate::version::Version;
use rusqlite::{Connection, OpenFlags, types::ValueRef};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::Path;

pub const DB: &str = "state/openclaw.sqlite";
const PAIRED: &str = "device_pairing_paired";
const PENDING: &str = "device_pairing_pending";
const IDENTITIES: &str = "device_identities";
const AUTH_TOKENS: &str = "device_auth_tokens";
const BOOTSTRAP: &str = "device_bootstrap_tokens";
/// More rows than any real gateway has; keeps a planted database from exhausting memory.
const ROW_LIMIT: usize = 200_000;

#[derive(Debug, Default)]
pub struct SqliteStores {
    /// The database file exists.
    pub present: bool,
    /// Any pairing or identity table holds rows (2026.7.35 creates the tables empty).
    pub rows_present: bool,
    pub tables: Vec<String>,
    pub devices: Vec<PairedDevice>,
    pub pending: Vec<PendingRequest>,
    pub bootstrap: Vec<BootstrapToken>,
    pub identities: Vec<Identity>,
    pub token_caches: Vec<TokenCache>,
    /// `schema_meta.app_version` per `meta_key`.
    pub app_versions: Vec<(String, Version)>,
    pub problems: Vec<LoadProblem>,
}

fn problem(detail: impl Into<String>) -> LoadProblem {
    LoadProblem::new(DB, ProblemKind::Sqlite, detail)
}

/// `file:` URI of a path, percent-encoding what a URI would misread (`?`, `#`, `%`, spaces).
fn file_uri(path: &Path) -> String {
    let mut uri = String::from("file:");
    for b in path.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.~".contains(&b) {
            uri.push(b as char);
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri
}

fn open_immutable(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        format!("{}?mode=ro&immutable=1", file_uri(path)),
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    // Touch the schema now so a corrupt file fails here, not halfway through.
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })?;
    Ok(conn)
}

/// A `-wal` with frames, or any `-shm`, means a writer is or was active (a running gateway
/// keeps both): read a private copy then, never the live files, so no race with its
/// checkpoints can tear what is read.
fn in_use(path: &Path) -> bool {
    std::fs::metadata(path.with_extension("sqlite-wal")).is_ok_and(|m| m.len() > 0)
        || std::fs::symlink_metadata(path.with_extension("sqlite-shm")).is_ok()
}

/// Copies the database (and its WAL, so un-checkpointed rows are seen) to a private temp dir.
fn open_copy(path: &Path) -> Result<(Connection, tempfile::TempDir), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let copy = dir.path().join("openclaw.sqlite");
    std::fs::copy(path, &copy).map_err(|e| format!("copying the database: {e}"))?;
    let wal = path.with_extension("sqlite-wal");
    if wal.is_file() {
        std::fs::copy(&wal, dir.path().join("openclaw.sqlite-wal"))
            .map_err(|e| format!("copying the WAL: {e}"))?;
    }
    let conn = Connection::open_with_flags(&copy, OpenFlags::SQLITE_OPEN_READ_WRITE)
        .map_err(|e| e.to_string())?;
    Ok((conn, dir))
}

/// Opens the live database for reading without touching it: `immutable` when no writer left a
/// WAL or `-shm` behind, else a private copy (returned so it lives as long as the connection).
pub fn open_read(path: &Path) -> Result<(Connection, Option<tempfile::TempDir>), String> {
    let direct = if in_use(path) {
        Err("a writer is or was active (-wal/-shm present)".to_string())
    } else {
        open_immutable(path).map_err(|e| e.to_string())
    };
    match direct {
        Ok(c) => Ok((c, None)),
        Err(ro_err) => open_copy(path)
            .map(|(c, d)| (c, Some(d)))
            .map_err(|copy_err| {
                format!("cannot open read-only ({ro_err}); reading a copy failed too ({copy_err})")
            }),
    }
}

pub fn camel(column: &str) -> String {
    let mut out = String::with_capacity(column.len());
    let mut upper = false;
    for c in column.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// One SQL value as JSON; `None` for a blob (OpenClaw stores none).
pub fn sql_value(v: ValueRef<'_>) -> Option<Value> {
    Some(match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(n) => Value::from(n),
        ValueRef::Real(f) => serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number),
        ValueRef::Text(t) => Value::String(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(_) => return None,
    })
}

/// A row (column -> SQL value) as a record in OpenClaw's JSON field names: `device_id` ->
/// `deviceId`, `*_json` columns parsed (text that does not parse is a defect and null).
/// The loader and the repair store writer share it, so both see the same record.
pub fn record_of<'a>(
    columns: impl IntoIterator<Item = (&'a String, &'a Value)>,
    defects: &mut Vec<String>,
) -> Map<String, Value> {
    let mut obj = Map::new();
    for (col, value) in columns {
        match col.strip_suffix("_json") {
            Some(base) => {
                let parsed = match value {
                    Value::String(s) => serde_json::from_str(s).unwrap_or_else(|e| {
                        defects.push(format!("{col}: not valid JSON ({e})"));
                        Value::Null
                    }),
                    other => other.clone(),
                };
                obj.insert(camel(base), parsed);
            }
            None => {
                obj.insert(camel(col), value.clone());
            }
        }
    }
    obj
}

/// One row as an object in OpenClaw's JSON field names; `*_json` columns are parsed.
fn row_object(
    row: &rusqlite::Row<'_>,
    columns: &[String],
    defects: &mut Vec<String>,
) -> Map<String, Value> {
    let mut values = Vec::with_capacity(columns.len());
    for (i, col) in columns.iter().enumerate() {
        let v = match row.get_ref(i) {
            Err(_) => Value::Null,
            Ok(r) => sql_value(r).unwrap_or_else(|| {
                defects.push(format!("{col}: is a blob"));
                Value::Null
            }),
        };
        values.push(v);
    }
    record_of(columns.iter().zip(values.iter()), defects)
}

/// A row as an object in OpenClaw's field names, with the defects found converting it.
type RowObject = (Map<String, Value>, Vec<String>);

/// Every row of a table as objects, or a problem. Missing tables yield no rows.
fn rows(
    conn: &Connection,
    table: &str,
    tables: &[String],
    problems: &mut Vec<LoadProblem>,
) -> Vec<RowObject> {
    if !tables.iter().any(|t| t == table) {
        return Vec::new();
    }
    let run = || -> rusqlite::Result<Vec<RowObject>> {
        let mut stmt = conn.prepare(&format!(
            "SELECT * FROM \"{table}\" LIMIT {}",
            ROW_LIMIT + 1
        ))?;
        let columns: Vec<String> = stmt
            .column_names()
            .into_iter()
            .map(str::to_string)
            .collect();
        let mut out = Vec::new();
        let mut q = stmt.query([])?;
        while let Some(row) = q.next()? {
            let mut defects = Vec::new();
            let obj = row_object(row, &columns, &mut defects);
            out.push((obj, defects));
        }
        Ok(out)
    };
    match run() {
        Ok(mut r) => {
            if r.len() > ROW_LIMIT {
                r.truncate(ROW_LIMIT);
                problems.push(problem(format!(
                    "{table}: more than {ROW_LIMIT} rows; the rest were not read"
                )));
            }
            r
        }
        Err(e) => {
            problems.push(problem(format!("reading {table}: {e}")));
            Vec::new()
        }
    }
}

fn key_of(obj: &Map<String, Value>, field: &str) -> String {
    obj.get(field)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

pub fn load(state_dir: &Path, live: bool) -> SqliteStores {
    let mut s = SqliteStores::default();
    let path = state_dir.join(DB);
    match std::fs::metadata(&path) {
        Ok(m) if m.is_file() => s.present = true,
        Ok(_) => {
            s.present = true;
            s.problems.push(LoadProblem::new(
                DB,
                ProblemKind::NotRegularFile,
                "is not a regular file",
            ));
            return s;
        }
        Err(_) => return s,
    }
    let (conn, _copy_dir) = match open_read(&path) {
        Ok(c) => c,
        Err(e) => {
            s.problems.push(
                problem(e).with_consequence("the SQLite pairing store could not be examined"),
            );
            return s;
        }
    };
    s.tables = match conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .and_then(|mut st| {
            st.query_map([], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()
        }) {
        Ok(t) => t,
        Err(e) => {
            s.problems.push(
                problem(format!("listing tables: {e}"))
                    .with_consequence("the database is corrupt or not SQLite"),
            );
            return s;
        }
    };
    let origin = |table: &str| Origin {
        store: StoreKind::Sqlite,
        live,
        location: format!("{DB}:{table}"),
    };

    for (obj, defects) in rows(&conn, PAIRED, &s.tables, &mut s.problems) {
        let mut d = records::paired_device(&origin(PAIRED), &key_of(&obj, "deviceId"), &obj);
        d.defects.extend(defects);
        s.devices.push(d);
    }
    for (obj, defects) in rows(&conn, PENDING, &s.tables, &mut s.problems) {
        let mut p = records::pending_request(&origin(PENDING), &key_of(&obj, "requestId"), &obj);
        p.defects.extend(defects);
        s.pending.push(p);
    }
    for (obj, defects) in rows(&conn, IDENTITIES, &s.tables, &mut s.problems) {
        let key = key_of(&obj, "identityKey");
        let mut id = records::identity(&origin(IDENTITIES), &obj, Some(&key));
        id.defects.extend(defects);
        s.identities.push(id);
    }
    let mut caches: BTreeMap<String, TokenCache> = BTreeMap::new();
    for (obj, mut defects) in rows(&conn, AUTH_TOKENS, &s.tables, &mut s.problems) {
        let device = key_of(&obj, "deviceId");
        let role = key_of(&obj, "role");
        let entry = records::cached_token(&role, &obj, &mut defects);
        let cache = caches.entry(device.clone()).or_insert_with(|| TokenCache {
            store: StoreKind::Sqlite,
            live,
            location: format!("{DB}:{AUTH_TOKENS}"),
            device_id: Some(device),
            entries: Vec::new(),
            defects: Vec::new(),
        });
        cache.entries.push(entry);
        cache.defects.extend(defects);
    }
    s.token_caches = caches.into_values().collect();
    for (obj, _) in rows(&conn, BOOTSTRAP, &s.tables, &mut s.problems) {
        s.bootstrap.push(BootstrapToken {
            store: StoreKind::Sqlite,
            live,
            location: format!("{DB}:{BOOTSTRAP}"),
            token: Secret::new(key_of(&obj, "token")),
            issued_at_ms: obj.get("issuedAtMs").and_then(Value::as_i64),
            device_id: obj
                .get("deviceId")
                .and_then(Value::as_str)
                .map(str::to_string),
        });
    }
    for (obj, _) in rows(&conn, "schema_meta", &s.tables, &mut s.problems) {
        if let Some(Ok(v)) = obj
            .get("appVersion")
            .and_then(Value::as_str)
            .map(str::parse::<Version>)
        {
            s.app_versions.push((key_of(&obj, "metaKey"), v));
        }
    }
    s.rows_present = !(s.devices.is_empty()
        && s.pending.is_empty()
        && s.identities.is_empty()
        && s.token_caches.is_empty());
    s
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::fs;

    /// Creates the 2026.9.6 schema (verbatim column lists from the package's DDL) in a temp state dir.
    pub(crate) fn make_db(state_dir: &Path, wal: bool) -> Connection {
        fs::create_dir_all(state_dir.join("state")).unwrap();
        let conn = Connection::open(state_dir.join(DB)).unwrap();
        if wal {
            conn.pragma_update(None, "journal_mode", "WAL").unwrap();
            conn.pragma_update(None, "wal_autocheckpoint", 0).unwrap();
        }
        conn.execute_batch(
            "CREATE TABLE schema_meta (meta_key TEXT NOT NULL PRIMARY KEY, role TEXT NOT NULL, schema_version INTEGER NOT NULL, agent_id TEXT, app_version TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL) STRICT;
             CREATE TABLE device_pairing_paired (device_id TEXT NOT NULL PRIMARY KEY, public_key TEXT NOT NULL, display_name TEXT, operator_label TEXT, platform TEXT, device_family TEXT, client_id TEXT, client_mode TEXT, browser_origin TEXT, role TEXT, roles_json TEXT, scopes_json TEXT, approved_scopes_json TEXT, remote_ip TEXT, tokens_json TEXT, approved_via TEXT, node_surface_json TEXT, pending_node_surface_json TEXT, created_at_ms INTEGER NOT NULL, approved_at_ms INTEGER NOT NULL, last_seen_at_ms INTEGER, last_seen_reason TEXT) STRICT;
             CREATE TABLE device_pairing_pending (request_id TEXT NOT NULL PRIMARY KEY, device_id TEXT NOT NULL, public_key TEXT NOT NULL, display_name TEXT, platform TEXT, device_family TEXT, client_id TEXT, client_mode TEXT, browser_origin TEXT, role TEXT, roles_json TEXT, scopes_json TEXT, remote_ip TEXT, silent INTEGER, is_repair INTEGER, ts INTEGER NOT NULL, refreshed_at_ms INTEGER) STRICT;
             CREATE TABLE device_identities (identity_key TEXT NOT NULL PRIMARY KEY, device_id TEXT NOT NULL, public_key_pem TEXT NOT NULL, private_key_pem TEXT NOT NULL, created_at_ms INTEGER NOT NULL, updated_at_ms INTEGER NOT NULL) STRICT;
             CREATE TABLE device_auth_tokens (device_id TEXT NOT NULL, role TEXT NOT NULL, token TEXT NOT NULL, scopes_json TEXT NOT NULL, updated_at_ms INTEGER NOT NULL, PRIMARY KEY (device_id, role)) STRICT;
             CREATE TABLE device_bootstrap_tokens (token_key TEXT NOT NULL PRIMARY KEY, token TEXT NOT NULL, setup_id TEXT, ts INTEGER NOT NULL, device_id TEXT, public_key TEXT, profile_json TEXT, redeemed_profile_json TEXT, pending_profile_json TEXT, issued_at_ms INTEGER NOT NULL, last_used_at_ms INTEGER) STRICT;",
        )
        .unwrap();
        conn
    }

    fn seed(conn: &Connection) {
        conn.execute_batch(
            r#"INSERT INTO schema_meta VALUES ('primary','global',18,NULL,'2026.9.6',1,2);
               INSERT INTO device_pairing_paired (device_id, public_key, platform, device_family, client_id, client_mode, role, roles_json, scopes_json, approved_scopes_json, tokens_json, approved_via, created_at_ms, approved_at_ms)
                 VALUES ('dev1','key1','linux','Linux','cli','cli','operator','["operator"]','["operator.write"]','["operator.write"]',
                 '{"operator":{"token":"sqlite-canary-token","role":"operator","scopes":["operator.read","operator.write"],"createdAtMs":7}}','silent',7,8);
               INSERT INTO device_pairing_pending (request_id, device_id, public_key, role, roles_json, scopes_json, silent, is_repair, ts)
                 VALUES ('req1','dev1','key1','operator','["operator"]','["operator.read","operator.write"]',0,1,100);
               INSERT INTO device_auth_tokens VALUES ('dev1','operator','cached-token','["operator.read"]',9);"#,
        )
        .unwrap();
    }

    #[test]
    fn rows_map_to_the_json_field_names() {
        let dir = tempfile::tempdir().unwrap();
        let conn = make_db(dir.path(), false);
        seed(&conn);
        drop(conn);
        let s = load(dir.path(), true);
        assert!(s.problems.is_empty(), "{:?}", s.problems);
        assert!(s.rows_present);
        let d = &s.devices[0];
        assert_eq!(d.device_id.as_deref(), Some("dev1"));
        assert_eq!(d.approved_via.as_deref(), Some("silent"));
        assert_eq!(d.approved_scopes, Some(vec!["operator.write".to_string()]));
        let tok = &d.tokens.as_ref().unwrap()[0];
        assert_eq!(tok.scopes.as_ref().unwrap().len(), 2);
        assert_eq!(tok.token.as_ref().unwrap().expose(), "sqlite-canary-token");
        let p = &s.pending[0];
        assert_eq!(
            (p.is_repair, p.silent, p.ts),
            (Some(true), Some(false), Some(100))
        );
        assert_eq!(
            s.token_caches[0].entries[0].scopes,
            Some(vec!["operator.read".to_string()])
        );
        assert_eq!(
            s.app_versions,
            vec![("primary".to_string(), "2026.9.6".parse().unwrap())]
        );
        assert_eq!(d.location, "state/openclaw.sqlite:device_pairing_paired");
    }

    #[test]
    fn empty_tables_are_not_rows() {
        let dir = tempfile::tempdir().unwrap();
        drop(make_db(dir.path(), false));
        let s = load(dir.path(), true);
        assert!(s.present && !s.rows_present);
    }

    #[test]
    fn bad_json_column_is_a_defect() {
        let dir = tempfile::tempdir().unwrap();
        let conn = make_db(dir.path(), false);
        conn.execute_batch("INSERT INTO device_pairing_paired (device_id, public_key, scopes_json, created_at_ms, approved_at_ms) VALUES ('d','k','[oops',1,2);").unwrap();
        drop(conn);
        let s = load(dir.path(), true);
        assert!(
            s.devices[0]
                .defects
                .iter()
                .any(|d| d.starts_with("scopes_json: not valid JSON")),
            "{:?}",
            s.devices[0].defects
        );
        assert_eq!(s.devices[0].scopes, None);
    }

    #[test]
    fn corrupt_database_is_a_problem_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("state")).unwrap();
        fs::write(
            dir.path().join(DB),
            b"this is not a database, just text that is long enough",
        )
        .unwrap();
        let s = load(dir.path(), true);
        assert!(s.present);
        assert_eq!(s.problems.len(), 1, "{:?}", s.problems);
        assert_eq!(s.problems[0].kind, ProblemKind::Sqlite);
    }

    fn stamp(p: &Path) -> (Vec<u8>, std::time::SystemTime) {
        (
            fs::read(p).unwrap(),
            fs::metadata(p).unwrap().modified().unwrap(),
        )
    }

    #[test]
    fn never_writes_the_database_even_with_a_wal() {
        let dir = tempfile::tempdir().unwrap();
        let conn = make_db(dir.path(), true);
        seed(&conn);
        // Keep the writer open so the WAL stays un-checkpointed, as under a crashed gateway.
        let db = dir.path().join(DB);
        let wal = dir.path().join("state/openclaw.sqlite-wal");
        assert!(
            fs::metadata(&wal).unwrap().len() > 0,
            "test needs WAL frames"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
        let shm = dir.path().join("state/openclaw.sqlite-shm");
        let (db_before, wal_before, shm_before) = (stamp(&db), stamp(&wal), stamp(&shm));
        let s = load(dir.path(), true);
        assert_eq!(
            s.devices.len(),
            1,
            "rows still in the WAL are read: {:?}",
            s.problems
        );
        assert!(stamp(&db) == db_before, "database bytes or mtime changed");
        assert!(stamp(&wal) == wal_before, "WAL bytes or mtime changed");
        assert!(stamp(&shm) == shm_before, "-shm bytes or mtime changed");
        drop(conn);
    }

    #[test]
    fn a_checkpointed_wal_database_gets_no_shm_created() {
        let dir = tempfile::tempdir().unwrap();
        let conn = make_db(dir.path(), true);
        seed(&conn);
        conn.pragma_update(None, "wal_checkpoint", "TRUNCATE")
            .unwrap();
        drop(conn);
        let shm = dir.path().join("state/openclaw.sqlite-shm");
        let _ = fs::remove_file(&shm);
        let _ = fs::remove_file(dir.path().join("state/openclaw.sqlite-wal"));
        let db = dir.path().join(DB);
        std::thread::sleep(std::time::Duration::from_millis(20));
        let before = stamp(&db);
        let s = load(dir.path(), true);
        assert_eq!(s.devices.len(), 1, "{:?}", s.problems);
        assert!(stamp(&db) == before, "database bytes or mtime changed");
        assert!(
            !shm.exists(),
            "an ordinary read-only open would have created the -shm"
        );
        assert!(!dir.path().join("state/openclaw.sqlite-wal").exists());
    }

    #[test]
    fn uris_escape_what_sqlite_would_misread() {
        assert_eq!(
            file_uri(Path::new("/a b/x?y#z%.sqlite")),
            "file:/a%20b/x%3Fy%23z%25.sqlite"
        );
    }

    #[cfg(unix)]
    #[test]
    fn wal_without_shm_in_read_only_dir_falls_back_to_a_copy() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let conn = make_db(dir.path(), true);
        seed(&conn);
        // Simulate a crash: copy db + wal aside without the -shm, then make the folder read-only.
        let other = tempfile::tempdir().unwrap();
        fs::create_dir_all(other.path().join("state")).unwrap();
        fs::copy(dir.path().join(DB), other.path().join(DB)).unwrap();
        fs::copy(
            dir.path().join("state/openclaw.sqlite-wal"),
            other.path().join("state/openclaw.sqlite-wal"),
        )
        .unwrap();
        drop(conn);
        let state = other.path().join("state");
        fs::set_permissions(&state, fs::Permissions::from_mode(0o555)).unwrap();
        let before = stamp(&other.path().join(DB));
        let s = load(other.path(), true);
        fs::set_permissions(&state, fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(s.devices.len(), 1, "{:?}", s.problems);
        assert!(stamp(&other.path().join(DB)) == before);
        // root ignores directory permissions (CI runs as root), so only an ordinary user can
        // check that nothing was created in the read-only folder.
        if !running_as_root() {
            assert!(
                !other.path().join("state/openclaw.sqlite-shm").exists(),
                "no -shm created in a read-only dir"
            );
        }
    }

    fn running_as_root() -> bool {
        std::fs::metadata("/proc/self")
            .map(|m| {
                use std::os::unix::fs::MetadataExt;
                m.uid() == 0
            })
            .unwrap_or(false)
    }
}
