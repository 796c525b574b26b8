//! Canary secrets planted in a fixture must never reach any output: not in any command, not in
//! any format, not on stderr. Fingerprints still tell tokens apart: two different tokens get
//! different ones, the same token in two places the same one.

mod common;

use common::Sandbox;

const GATEWAY_TOKEN: &str = "CANARYgw-4f1c9e2b7a6d5c3e8f0a1b2c3d4e5f6a";
const ENV_TOKEN: &str = "CANARYenv-9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d";
/// 43 chars of base64url, like a real device token.
const DEVICE_TOKEN: &str = "CANARYdev_K1SkJKxnI1-FpHGvEcbRKVPIga_bXOlBz";
const LOG_TOKEN: &str = "CANARYlog-1234567890abcdef";
const URL_PASSWORD: &str = "CANARYpass-5678";
/// The body of the fixture's own private key (identity/device.json).
const PRIVATE_KEY_BODY: &str = "MC4CAQAwBQYDK2VwBCIEIFvTiwHi/hfTNMEF1QONTBuOoUYsZFhdc48d/F2SzlpN";

/// Every command and format checked. `report` goes here too: `vec!["report"]`.
fn commands() -> Vec<Vec<&'static str>> {
    vec![
        vec!["scan"],
        vec!["scan", "--color", "always"],
        vec!["scan", "--format", "markdown"],
        vec!["scan", "--format", "json"],
        vec!["scan", "--severity-min", "info"],
        vec!["rules"],
        vec!["rules", "--format", "json"],
        vec!["explain", "gateway-token-drift"],
        vec!["explain", "log-token-mismatch"],
        vec!["report"],
    ]
}

fn edit(path: &std::path::Path, f: impl FnOnce(String) -> String) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    std::fs::write(path, f(text)).unwrap();
}

fn planted() -> Sandbox {
    assert_eq!(DEVICE_TOKEN.len(), 43);
    let sb = Sandbox::new("json-token-drift");
    let state = sb.state();
    // openclaw.json: the gateway token, the same token as the remote token, a URL password.
    edit(&state.join("openclaw.json"), |t| {
        let mut v: serde_json::Value = serde_json::from_str(&t).unwrap();
        v["gateway"]["auth"]["token"] = GATEWAY_TOKEN.into();
        v["gateway"]["remote"] = serde_json::json!({
            "url": format!("wss://operator:{URL_PASSWORD}@gw.example.com:443/ws"),
            "token": GATEWAY_TOKEN,
        });
        serde_json::to_string_pretty(&v).unwrap()
    });
    // A paired device with a device token (the healthy fixture's record).
    let paired = common::fixtures_dir().join("json-healthy/state/devices/paired.json");
    let mut devices: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(paired).unwrap()).unwrap();
    for d in devices.as_object_mut().unwrap().values_mut() {
        for t in d["tokens"].as_object_mut().unwrap().values_mut() {
            t["token"] = DEVICE_TOKEN.into();
        }
    }
    std::fs::create_dir_all(state.join("devices")).unwrap();
    std::fs::write(
        state.join("devices/paired.json"),
        serde_json::to_string_pretty(&devices).unwrap(),
    )
    .unwrap();
    // .env: a different gateway token.
    std::fs::write(
        state.join(".env"),
        format!("OPENCLAW_GATEWAY_TOKEN={ENV_TOKEN}\n"),
    )
    .unwrap();
    // Log lines: a token in `token=`, the gateway token and the URL bare, the device token.
    let log = sb.tmp.path().join("logs/openclaw-2026-11-21.log");
    edit(&log, |t| {
        t.replace(
            "reason=token_mismatch",
            &format!(
                "reason=token_mismatch token={LOG_TOKEN} sent={GATEWAY_TOKEN} \
                 dev={DEVICE_TOKEN} url=wss://operator:{URL_PASSWORD}@gw.example.com"
            ),
        )
    });
    assert!(std::fs::read_to_string(&log).unwrap().contains(LOG_TOKEN));
    sb
}

const CANARIES: &[&str] = &[
    GATEWAY_TOKEN,
    ENV_TOKEN,
    DEVICE_TOKEN,
    LOG_TOKEN,
    URL_PASSWORD,
    PRIVATE_KEY_BODY,
    "CANARY",
    "FpHGvEcbRKVPIga",
    "BCIEIFvTiwHi",
];

#[test]
fn no_canary_reaches_any_output() {
    let sb = planted();
    let mut redactions = 0;
    let mut all = String::new();
    for args in commands() {
        let out = sb.run(&args);
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{args:?}: exit {:?}\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
        for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
            let text = String::from_utf8_lossy(bytes);
            for c in CANARIES {
                assert!(!text.contains(c), "{args:?} {stream} leaks {c}:\n{text}");
            }
        }
        let stdout = String::from_utf8_lossy(&out.stdout);
        redactions += stdout.matches("[redacted ").count();
        all.push_str(&stdout);
    }
    // Not vacuous: the planted log lines were shown, redacted.
    assert!(redactions > 0, "no output showed a redacted value");
    for shown in [
        "token=[redacted token fp:",
        "wss://operator:[redacted password fp:",
    ] {
        assert!(all.contains(shown), "no output shows {shown}");
    }
}

/// `fp:XXXXXXXX` right after `[redacted <kind> ` or in the model's own descriptions.
fn fps_after(text: &str, marker: &str) -> Vec<String> {
    text.match_indices(marker)
        .filter_map(|(i, _)| {
            let rest = &text[i + marker.len()..];
            let at = rest.find("fp:")?;
            (at < 40).then(|| rest[at + 3..at + 11].to_string())
        })
        .collect()
}

#[test]
fn fingerprints_tell_tokens_apart_and_match_equal_ones() {
    let sb = planted();
    let out = sb.run(&["scan", "--format", "json"]);
    let text = String::from_utf8_lossy(&out.stdout);
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    // The model's fingerprints of the token sources.
    let sources = doc
        .pointer("/model/tokenSources")
        .or_else(|| doc.pointer("/state/tokenSources"))
        .cloned()
        .unwrap_or_else(|| find_key(&doc, "tokenSources").expect("tokenSources in the JSON"));
    let fp_of = |kind: &str| -> String {
        sources
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["kind"] == kind)
            .and_then(|s| s.pointer("/value/value/fingerprint"))
            .and_then(|f| f.as_str())
            .unwrap_or_else(|| panic!("no {kind} fingerprint in {sources:#}"))
            .to_string()
    };
    let auth = fp_of("config-auth");
    let remote = fp_of("config-remote");
    let env = fp_of("state-dot-env");
    assert_eq!(auth, remote, "the same token in two places");
    assert_ne!(auth, env, "two different tokens");

    // The redactor's fingerprints in log lines agree with the model's.
    let sent = fps_after(&text, "sent=[redacted ");
    assert!(
        !sent.is_empty(),
        "the log line with the gateway token is shown:\n{text}"
    );
    assert!(sent.iter().all(|f| *f == auth), "{sent:?} vs {auth}");
    let logged = fps_after(&text, "token=[redacted ");
    let dev = fps_after(&text, "dev=[redacted ");
    assert!(!logged.is_empty() && !dev.is_empty());
    assert!(logged.iter().all(|f| *f == logged[0]) && dev.iter().all(|f| *f == dev[0]));
    for (a, b) in [
        (&logged[0], &dev[0]),
        (&logged[0], &auth),
        (&dev[0], &auth),
        (&dev[0], &env),
    ] {
        assert_ne!(a, b, "different tokens, different fingerprints");
    }
    assert!(
        text.contains("len=43]"),
        "the device token keeps its length"
    );
}

fn find_key(v: &serde_json::Value, key: &str) -> Option<serde_json::Value> {
    match v {
        serde_json::Value::Object(o) => o
            .get(key)
            .cloned()
            .or_else(|| o.values().find_map(|v| find_key(v, key))),
        serde_json::Value::Array(a) => a.iter().find_map(|v| find_key(v, key)),
        _ => None,
    }
}

/// Canaries in files that fail to parse were never loaded, so the redactor cannot know them
/// as values: parse errors, SQLite defects, rule errors, panics and top-level errors must
/// still never quote them. Unquoted (not shaped like a token), truncated mid-value, in a PEM.
const BROKEN: &[&str] = &[
    "CANARYcfgbare77a1",
    "CANARYcfgtrunc5b2c",
    "CANARYpairedtrunc9e8f7a6b",
    "CANARYpemBODYQ1wZXJzb25hbGtleWJvZHk",
    "CANARYauthbare3c4d",
    "CANARYenvopen8a9b",
    "CANARYsqlrow6d5e",
    "CANARYsqlpem7f8e",
    "CANARYlogjson1a2b",
];

fn broken_json_era() -> Sandbox {
    let sb = Sandbox::new("json-scope-upgrade");
    let s = sb.state();
    let w = |rel: &str, text: &str| std::fs::write(s.join(rel), text).unwrap();
    w(
        "openclaw.json",
        &format!(
            "{{gateway: {{auth: {{token: {}, password: \"{}",
            BROKEN[0], BROKEN[1]
        ),
    );
    w(
        "devices/paired.json",
        &format!(
            "{{\"d1\": {{\"tokens\": {{\"operator\": {{\"token\": \"{}",
            BROKEN[2]
        ),
    );
    w(
        "identity/device.json",
        &format!(
            "{{\"privateKeyPem\": \"-----BEGIN PRIVATE KEY-----\\n{}\\n-----END PRIVATE KEY-----\\n\",,}}",
            BROKEN[3]
        ),
    );
    w(
        "identity/device-auth.json",
        &format!(
            "{{\"tokens\": {{\"operator\": {{\"token\": {}}}}}}}",
            BROKEN[4]
        ),
    );
    w(
        ".env",
        &format!(
            "OPENCLAW_GATEWAY_TOKEN=\"{}\nBROKEN LINE {}\n",
            BROKEN[5], BROKEN[5]
        ),
    );
    let log = sb.tmp.path().join("logs/openclaw-2026-11-21.log");
    let mut text = std::fs::read_to_string(&log).unwrap();
    text.push_str(&format!(
        "{{\"0\":\"gateway connect failed\",\"token\":\"{}\",\"_meta\":{{\"date\":\"2026-11-21T11:10:59Z\"\n",
        BROKEN[8]
    ));
    std::fs::write(&log, text).unwrap();
    sb
}

fn broken_sqlite_era() -> Sandbox {
    let sb = Sandbox::new("sqlite-metadata-upgrade");
    let db = sb.state().join("state/openclaw.sqlite");
    let c = rusqlite::Connection::open(&db).unwrap();
    c.execute(
        "UPDATE device_pairing_paired SET tokens_json = ?1",
        [format!("{{\"operator\":{{\"token\":\"{}", BROKEN[6])],
    )
    .unwrap();
    c.execute(
        "UPDATE device_identities SET private_key_pem = ?1",
        [format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            BROKEN[7]
        )],
    )
    .unwrap();
    drop(c);
    sb
}

#[test]
fn secrets_in_files_that_do_not_parse_reach_no_output_not_even_a_panic() {
    let mut checked = 0;
    for sb in [broken_json_era(), broken_sqlite_era()] {
        type Run = (Vec<&'static str>, Vec<(&'static str, &'static str)>);
        let mut runs: Vec<Run> = commands().into_iter().map(|c| (c, Vec::new())).collect();
        runs.push((vec!["fix", "--dry-run", "--break-glass"], vec![]));
        runs.push((vec!["fix", "--yes", "--break-glass"], vec![]));
        runs.push((vec!["restore-backup", "--latest", "--yes"], vec![]));
        // A panic whose payload is the raw state files.
        runs.push((
            vec!["scan"],
            vec![("CLAW_DOCTOR_FAILPOINT", "panic@scan-loaded")],
        ));
        for (args, env) in runs {
            let mut cmd = sb.command(&[], &args);
            for (k, v) in &env {
                cmd.env(k, v);
            }
            let out = cmd.output().unwrap();
            let code = out.status.code();
            assert!(code.is_some(), "{args:?}: killed by a signal");
            for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
                let text = String::from_utf8_lossy(bytes);
                for c in BROKEN.iter().chain(CANARIES) {
                    assert!(
                        !text.contains(c),
                        "{} {args:?} {env:?} {stream} leaks {c}:\n{text}",
                        sb.name
                    );
                }
            }
            if !env.is_empty() {
                let err = String::from_utf8_lossy(&out.stderr);
                assert_eq!(code, Some(2), "{err}");
                assert!(err.contains("internal error at src/"), "{err}");
            }
            checked += 1;
        }
    }
    assert!(checked > 20);
}
