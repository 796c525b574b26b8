//! Rows of OpenClaw's SQLite pairing tables as column maps, and their conversion to and from
//! the JSON-era record shape (`device_id` <-> `deviceId`, `scopes_json` <-> parsed `scopes`),
//! so one repair works on either store.

use crate::load::sqlite::camel;
use rusqlite::types::ToSqlOutput;
use rusqlite::{Connection, ToSql};
use serde_json::{Map, Value};

/// A table the repairs write, with its primary key columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TableSpec {
    pub name: &'static str,
    pub pk: &'static [&'static str],
}

pub const PAIRED: TableSpec = TableSpec {
    name: "device_pairing_paired",
    pk: &["device_id"],
};
pub const PENDING: TableSpec = TableSpec {
    name: "device_pairing_pending",
    pk: &["request_id"],
};
pub const AUTH_TOKENS: TableSpec = TableSpec {
    name: "device_auth_tokens",
    pk: &["device_id", "role"],
};

/// Column name -> SQL value (null, integer, real or text) as JSON.
pub type Row = Map<String, Value>;

struct Sql<'a>(&'a Value);

impl ToSql for Sql<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self.0 {
            Value::Null => ToSqlOutput::from(rusqlite::types::Null),
            Value::Bool(b) => ToSqlOutput::from(i64::from(*b)),
            Value::Number(n) => match n.as_i64() {
                Some(i) => ToSqlOutput::from(i),
                None => ToSqlOutput::from(n.as_f64().unwrap_or_default()),
            },
            Value::String(s) => ToSqlOutput::from(s.as_str()),
            other => ToSqlOutput::from(other.to_string()),
        })
    }
}

pub fn columns(conn: &Connection, table: &TableSpec) -> Result<Vec<String>, String> {
    let mut stmt = conn
        .prepare(&format!(
            "SELECT name FROM pragma_table_info('{}')",
            table.name
        ))
        .map_err(|e| e.to_string())?;
    let cols = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .map_err(|e| e.to_string())?;
    if cols.is_empty() {
        return Err(format!("table {} does not exist", table.name));
    }
    Ok(cols)
}

fn where_clause(table: &TableSpec) -> String {
    table
        .pk
        .iter()
        .map(|c| format!("\"{c}\" = ?"))
        .collect::<Vec<_>>()
        .join(" AND ")
}

pub fn read(conn: &Connection, table: &TableSpec, key: &[Value]) -> Result<Option<Row>, String> {
    let cols = columns(conn, table)?;
    let sql = format!(
        "SELECT {} FROM \"{}\" WHERE {}",
        cols.iter()
            .map(|c| format!("\"{c}\""))
            .collect::<Vec<_>>()
            .join(", "),
        table.name,
        where_clause(table)
    );
    let params: Vec<Sql> = key.iter().map(Sql).collect();
    let params: Vec<&dyn ToSql> = params.iter().map(|p| p as &dyn ToSql).collect();
    let mut stmt = conn.prepare(&sql).map_err(|e| e.to_string())?;
    let mut rows = stmt.query(params.as_slice()).map_err(|e| e.to_string())?;
    let Some(row) = rows.next().map_err(|e| e.to_string())? else {
        return Ok(None);
    };
    let mut out = Row::new();
    for (i, c) in cols.iter().enumerate() {
        let v = crate::load::sqlite::sql_value(row.get_ref(i).map_err(|e| e.to_string())?)
            .ok_or_else(|| format!("{}.{c} holds a blob", table.name))?;
        out.insert(c.clone(), v);
    }
    Ok(Some(out))
}

/// The record in OpenClaw's JSON field names, exactly as the loader builds it. A `*_json`
/// column that does not parse is refused: written back, it would become NULL.
pub fn to_object(row: &Row) -> Result<Map<String, Value>, String> {
    let mut defects = Vec::new();
    let obj = crate::load::sqlite::record_of(row.iter(), &mut defects);
    if defects.is_empty() {
        Ok(obj)
    } else {
        Err(format!("the row is not edited: {}", defects.join("; ")))
    }
}

/// The row for a record: every column of the table from the record's field (absent = NULL),
/// `*_json` columns serialized compactly as OpenClaw's `JSON.stringify` does.
pub fn from_object(obj: &Map<String, Value>, columns: &[String]) -> Row {
    let mut row = Row::new();
    for col in columns {
        let (field, json) = match col.strip_suffix("_json") {
            Some(base) => (camel(base), true),
            None => (camel(col), false),
        };
        let v = obj.get(&field).cloned().unwrap_or(Value::Null);
        let v = match (json, v) {
            (_, Value::Null) => Value::Null,
            (true, v) => Value::String(v.to_string()),
            (false, Value::Bool(b)) => Value::from(i64::from(b)),
            (false, v) => v,
        };
        row.insert(col.clone(), v);
    }
    row
}

pub fn key_of(table: &TableSpec, row: &Row) -> Vec<Value> {
    table
        .pk
        .iter()
        .map(|c| row.get(*c).cloned().unwrap_or(Value::Null))
        .collect()
}

/// Replaces a row (matched by its key) with `row`, or deletes it (`None`); fails unless exactly
/// one row is affected.
pub fn write(
    conn: &Connection,
    table: &TableSpec,
    key: &[Value],
    row: Option<&Row>,
) -> Result<(), String> {
    let n = match row {
        None => {
            let params: Vec<Sql> = key.iter().map(Sql).collect();
            let params: Vec<&dyn ToSql> = params.iter().map(|p| p as &dyn ToSql).collect();
            conn.execute(
                &format!(
                    "DELETE FROM \"{}\" WHERE {}",
                    table.name,
                    where_clause(table)
                ),
                params.as_slice(),
            )
        }
        Some(row) => {
            let sets: Vec<(&String, &Value)> = row.iter().collect();
            let assign = sets
                .iter()
                .map(|(c, _)| format!("\"{c}\" = ?"))
                .collect::<Vec<_>>()
                .join(", ");
            let mut values: Vec<Sql> = sets.iter().map(|(_, v)| Sql(v)).collect();
            values.extend(key.iter().map(Sql));
            let params: Vec<&dyn ToSql> = values.iter().map(|p| p as &dyn ToSql).collect();
            conn.execute(
                &format!(
                    "UPDATE \"{}\" SET {assign} WHERE {}",
                    table.name,
                    where_clause(table)
                ),
                params.as_slice(),
            )
        }
    }
    .map_err(|e| format!("{}: {e}", table.name))?;
    if n != 1 {
        return Err(format!(
            "{}: expected to change 1 row, changed {n}",
            table.name
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn db() -> Connection {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch(
            "CREATE TABLE device_pairing_paired (device_id TEXT NOT NULL PRIMARY KEY, public_key TEXT NOT NULL, scopes_json TEXT, approved_scopes_json TEXT, tokens_json TEXT, created_at_ms INTEGER NOT NULL, approved_at_ms INTEGER NOT NULL) STRICT;
             INSERT INTO device_pairing_paired VALUES ('d1', 'k', '[\"operator.read\"]', '[\"operator.read\"]', '{\"operator\":{\"token\":\"t\",\"scopes\":[\"operator.read\"]}}', 1, 2);",
        )
        .unwrap();
        c
    }

    #[test]
    fn a_row_round_trips_through_the_record_shape() {
        let c = db();
        let row = read(&c, &PAIRED, &[json!("d1")]).unwrap().unwrap();
        let obj = to_object(&row).unwrap();
        assert_eq!(obj["deviceId"], json!("d1"));
        assert_eq!(obj["scopes"], json!(["operator.read"]));
        assert_eq!(obj["tokens"]["operator"]["token"], json!("t"));
        let back = from_object(&obj, &columns(&c, &PAIRED).unwrap());
        assert_eq!(back, row);
    }

    #[test]
    fn updates_and_deletes_touch_exactly_one_row() {
        let c = db();
        let mut obj = to_object(&read(&c, &PAIRED, &[json!("d1")]).unwrap().unwrap()).unwrap();
        obj["scopes"] = json!(["operator.read", "operator.write"]);
        let row = from_object(&obj, &columns(&c, &PAIRED).unwrap());
        write(&c, &PAIRED, &[json!("d1")], Some(&row)).unwrap();
        let got: String = c
            .query_row("SELECT scopes_json FROM device_pairing_paired", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(got, r#"["operator.read","operator.write"]"#);
        assert!(write(&c, &PAIRED, &[json!("nope")], None).is_err());
        write(&c, &PAIRED, &[json!("d1")], None).unwrap();
        assert!(read(&c, &PAIRED, &[json!("d1")]).unwrap().is_none());
    }

    #[test]
    fn a_row_with_a_broken_json_column_is_not_edited() {
        let c = db();
        c.execute_batch("UPDATE device_pairing_paired SET tokens_json = '{oops'")
            .unwrap();
        let row = read(&c, &PAIRED, &[json!("d1")]).unwrap().unwrap();
        assert!(to_object(&row).unwrap_err().contains("tokens_json"));
    }
}
