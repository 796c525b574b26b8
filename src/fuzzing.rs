//! Entry points for the fuzz targets in `fuzz/` (hidden: not an API, may change any time).
//! Each takes raw bytes and drives one parser the way a real run does; a panic is a bug.

use crate::env::Env;
use crate::load::records::{self, Origin};
use crate::model::StoreKind;
use crate::rules::RuleSet;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// A private, otherwise empty state dir (in `/dev/shm` when there, so the one file written per
/// input costs no disk I/O), the built-in rules and a sealed environment, made once per process.
pub struct Scratch {
    dir: tempfile::TempDir,
    rules: RuleSet,
    env: Env,
}

impl Default for Scratch {
    fn default() -> Self {
        Self::new()
    }
}

impl Scratch {
    pub fn new() -> Scratch {
        let shm = std::path::Path::new("/dev/shm");
        let dir = if shm.is_dir() {
            tempfile::tempdir_in(shm)
        } else {
            tempfile::tempdir()
        }
        .expect("a scratch dir for fuzzing");
        for sub in ["state", "home", "sysroot", "tmp"] {
            std::fs::create_dir_all(dir.path().join(sub)).expect("scratch subdir");
        }
        let env = Env {
            vars: BTreeMap::new(),
            cwd: dir.path().join("tmp"),
            tmpdir: dir.path().join("tmp"),
            uid: None,
            sysroot: dir.path().join("sysroot"),
        };
        let rules = RuleSet::builtin().unwrap_or_else(|_| panic!("built-in rules compile"));
        Scratch { dir, rules, env }
    }

    fn state(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    /// Puts `bytes` at `rel` in the state (only that file) and runs a whole scan over it:
    /// load, every built-in rule, the JSON, human and report renderings, the redactor.
    pub fn scan_with_file(&self, rel: &str, bytes: &[u8]) {
        let state = self.state();
        let path = state.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("scratch store dir");
        }
        std::fs::write(&path, bytes).expect("scratch store file");
        self.scan();
        std::fs::remove_file(&path).expect("scratch store file removed");
    }

    fn scan(&self) {
        let opts = crate::load::LoadOptions {
            discover: crate::discover::DiscoverArgs {
                state_dir: Some(self.state()),
                profile: None,
                config: None,
            },
            now_ms: 1_795_000_000_000,
            ..Default::default()
        };
        let model = crate::load::load(&opts, &self.env).expect("the scratch state loads");
        let outcome = crate::engine::run(&self.rules, &model);
        let redactor = crate::redact::Redactor::for_model(&model);
        let sections = crate::output::summary::sections(&model);
        let json = crate::output::json::scan_document_text(
            &model,
            &outcome,
            crate::findings::Severity::Warning,
            self.rules.rules.len(),
        )
        .expect("the scan document serializes");
        let style = crate::output::style::Style::detect(crate::cli::ColorChoice::Never, true);
        let human = crate::output::findings::human(
            &model,
            &sections,
            &outcome,
            self.rules.rules.len(),
            &style,
        );
        let _ = redactor.apply(&json);
        let _ = redactor.apply(&human);
    }
}

/// `devices/paired.json`.
pub fn paired(s: &Scratch, data: &[u8]) {
    s.scan_with_file(crate::load::json_era::PAIRED, data);
}

/// `devices/pending.json`.
pub fn pending(s: &Scratch, data: &[u8]) {
    s.scan_with_file(crate::load::json_era::PENDING, data);
}

/// `identity/device.json`.
pub fn identity(s: &Scratch, data: &[u8]) {
    s.scan_with_file(crate::load::json_era::IDENTITY, data);
}

/// `identity/device-auth.json`.
pub fn device_auth(s: &Scratch, data: &[u8]) {
    s.scan_with_file(crate::load::json_era::DEVICE_AUTH, data);
}

/// `openclaw.json` (JSON5).
pub fn config(s: &Scratch, data: &[u8]) {
    s.scan_with_file("openclaw.json", data);
}

/// A gateway log: every line through one stateful parser (as the scanner does per file), and
/// each line through the redactor.
pub fn log_lines(data: &[u8]) {
    let mut parser = crate::logs::parse::LineParser::new();
    let redactor = crate::redact::Redactor::default();
    for (i, line) in data.split(|b| *b == b'\n').enumerate() {
        let _ = parser.parse(line, 0, i as u64 + 1);
        let _ = redactor.apply(&String::from_utf8_lossy(line));
    }
}

/// Encodes a row for [`sqlite_row`]: `column \0 tag value \0 ...` with tag `n` (NULL), `i`
/// (integer), `r` (real) or `t` (text). Used to write the seed corpus from the fixtures.
pub fn encode_row(row: &[(String, Value)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (col, v) in row {
        out.extend_from_slice(col.as_bytes());
        out.push(0);
        match v {
            Value::Null => out.push(b'n'),
            Value::Number(n) if n.is_i64() => out.extend_from_slice(format!("i{n}").as_bytes()),
            Value::Number(n) => out.extend_from_slice(format!("r{n}").as_bytes()),
            Value::String(s) => {
                out.push(b't');
                out.extend_from_slice(s.as_bytes());
            }
            other => {
                out.push(b't');
                out.extend_from_slice(other.to_string().as_bytes());
            }
        }
        out.push(0);
    }
    out
}

/// One SQLite row (as [`encode_row`] writes it) through the row -> record mapping the loader
/// and the repair store share, then through each table's record builder.
pub fn sqlite_row(data: &[u8]) {
    let mut fields = data.split(|b| *b == 0);
    let mut row: Vec<(String, Value)> = Vec::new();
    while let (Some(col), Some(val)) = (fields.next(), fields.next()) {
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        let v = match val.split_first() {
            None | Some((b'n', _)) => Value::Null,
            Some((b'i', rest)) => text(rest).parse::<i64>().map_or(Value::Null, Value::from),
            Some((b'r', rest)) => text(rest)
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map_or(Value::Null, Value::Number),
            Some((_, rest)) => Value::String(text(rest)),
        };
        row.push((text(col), v));
    }
    let mut defects = Vec::new();
    let obj = crate::load::sqlite::record_of(row.iter().map(|(c, v)| (c, v)), &mut defects);
    let origin = Origin {
        store: StoreKind::Sqlite,
        live: true,
        location: "state/openclaw.sqlite:fuzz".into(),
    };
    let key = |f: &str| {
        obj.get(f)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let _ = records::paired_device(&origin, &key("deviceId"), &obj);
    let _ = records::pending_request(&origin, &key("requestId"), &obj);
    let _ = records::identity(&origin, &obj, Some(&key("identityKey")));
    let _ = records::cached_token(&key("role"), &obj, &mut defects);
}

/// A rule file: compiled under the name its own `id` asks for (else `fuzz.toml`), so inputs
/// get past the id/file-name check into the expression compiler.
pub fn rule(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let id = toml::from_str::<toml::Table>(text)
        .ok()
        .and_then(|t| t.get("id").and_then(|v| v.as_str()).map(str::to_string))
        .filter(|id| !id.contains(['/', '\\', '.']) && !id.is_empty())
        .unwrap_or_else(|| "fuzz".into());
    let _ = RuleSet::from_sources(std::iter::once((format!("{id}.toml"), text.to_string())), 0);
}
