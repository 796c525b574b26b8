//! Breaking the pairing store the way users (and upgrades) break it, with the gateway stopped:
//! `devices/*.json` up to 2026.7, the `device_pairing_*` rows of `state/openclaw.sqlite` from
//! 2026.8. Files keep their mode (written in place).

use crate::lab::Lab;
use anyhow::{Context, bail};
use serde_json::{Map, Value, json};
use std::path::PathBuf;

impl Lab<'_> {
    pub fn paired_json(&self) -> PathBuf {
        self.state.join("devices/paired.json")
    }

    pub fn pending_json(&self) -> PathBuf {
        self.state.join("devices/pending.json")
    }

    pub fn db(&self) -> PathBuf {
        self.state.join("state/openclaw.sqlite")
    }

    fn read_json(&self, p: &PathBuf) -> anyhow::Result<Value> {
        let text =
            std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
        serde_json::from_str(&text).with_context(|| format!("parsing {}", p.display()))
    }

    fn write_json(&self, p: &PathBuf, v: &Value) -> anyhow::Result<()> {
        // in place, so the mode OpenClaw gave the file stays
        std::fs::write(p, serde_json::to_string_pretty(v)?)
            .with_context(|| format!("writing {}", p.display()))
    }

    /// The device id the CLI of this state dir signs with.
    pub fn cli_device_id(&self) -> anyhow::Result<String> {
        if self.sqlite_era() {
            let conn = rusqlite::Connection::open(self.db())?;
            Ok(conn.query_row(
                "select device_id from device_identities where identity_key = 'primary'",
                [],
                |r| r.get(0),
            )?)
        } else {
            let v = self.read_json(&self.state.join("identity/device.json"))?;
            v["deviceId"]
                .as_str()
                .map(str::to_string)
                .context("identity/device.json has no deviceId")
        }
    }

    /// Edits one paired record (2026.7 JSON store) with the gateway stopped.
    pub fn edit_paired(
        &self,
        device: &str,
        f: impl FnOnce(&mut Map<String, Value>),
    ) -> anyhow::Result<()> {
        let p = self.paired_json();
        let mut doc = self.read_json(&p)?;
        let rec = doc
            .get_mut(device)
            .and_then(Value::as_object_mut)
            .with_context(|| format!("{} has no record {device}", p.display()))?;
        f(rec);
        self.write_json(&p, &doc)
    }

    /// A paired record's fields (JSON era) or row (SQLite era, columns as JSON values).
    pub fn paired_record(&self, device: &str) -> anyhow::Result<Option<Value>> {
        if self.sqlite_era() {
            let conn = rusqlite::Connection::open(self.db())?;
            let mut st = conn.prepare(
                "select platform, scopes_json, approved_scopes_json, created_at_ms from device_pairing_paired where device_id = ?1",
            )?;
            let mut rows = st.query([device])?;
            let Some(r) = rows.next()? else {
                return Ok(None);
            };
            let parse = |s: Option<String>| -> Value {
                s.and_then(|s| serde_json::from_str(&s).ok())
                    .unwrap_or(Value::Null)
            };
            Ok(Some(json!({
                "platform": r.get::<_, Option<String>>(0)?,
                "scopes": parse(r.get(1)?),
                "approvedScopes": parse(r.get(2)?),
                "createdAtMs": r.get::<_, Option<i64>>(3)?,
            })))
        } else {
            let doc = self.read_json(&self.paired_json())?;
            Ok(doc.get(device).cloned())
        }
    }

    /// Sets a device's approved scopes everywhere the store keeps them (scopes, approvedScopes,
    /// the operator token's scopes), as the lab's manual break did.
    pub fn set_scopes(&self, device: &str, scopes: &[&str]) -> anyhow::Result<()> {
        let s = json!(scopes);
        if self.sqlite_era() {
            let conn = rusqlite::Connection::open(self.db())?;
            let n = conn.execute(
                "update device_pairing_paired set scopes_json = ?2, approved_scopes_json = ?2,
                   tokens_json = case when json_extract(tokens_json, '$.operator') is not null
                     then json_set(tokens_json, '$.operator.scopes', json(?2)) else tokens_json end
                 where device_id = ?1",
                rusqlite::params![device, s.to_string()],
            )?;
            if n != 1 {
                bail!("no device_pairing_paired row for {device}");
            }
            Ok(())
        } else {
            self.edit_paired(device, |r| {
                r.insert("scopes".into(), s.clone());
                r.insert("approvedScopes".into(), s.clone());
                if let Some(t) = r
                    .get_mut("tokens")
                    .and_then(|t| t.get_mut("operator"))
                    .and_then(Value::as_object_mut)
                {
                    t.insert("scopes".into(), s.clone());
                }
            })
        }
    }

    /// Pins a paired device to another platform (the gateway then asks for a metadata upgrade).
    pub fn set_platform(&self, device: &str, platform: &str, family: &str) -> anyhow::Result<()> {
        if self.sqlite_era() {
            let conn = rusqlite::Connection::open(self.db())?;
            let n = conn.execute(
                "update device_pairing_paired set platform = ?2, device_family = ?3 where device_id = ?1",
                rusqlite::params![device, platform, family],
            )?;
            if n != 1 {
                bail!("no device_pairing_paired row for {device}");
            }
            Ok(())
        } else {
            self.edit_paired(device, |r| {
                r.insert("platform".into(), json!(platform));
                r.insert("deviceFamily".into(), json!(family));
            })
        }
    }

    /// Pending requests: (requestId, deviceId, isRepair).
    pub fn pending(&self) -> anyhow::Result<Vec<(String, String, bool)>> {
        if self.sqlite_era() {
            let conn = rusqlite::Connection::open(self.db())?;
            let mut st = conn
                .prepare("select request_id, device_id, is_repair from device_pairing_pending")?;
            let rows = st.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<i64>>(2)?.unwrap_or(0) != 0,
                ))
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        } else {
            let p = self.pending_json();
            if !p.exists() {
                return Ok(Vec::new());
            }
            let doc = self.read_json(&p)?;
            Ok(doc
                .as_object()
                .map(|o| {
                    o.values()
                        .map(|r| {
                            (
                                r["requestId"].as_str().unwrap_or_default().to_string(),
                                r["deviceId"].as_str().unwrap_or_default().to_string(),
                                r["isRepair"].as_bool().unwrap_or(false),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default())
        }
    }
}
