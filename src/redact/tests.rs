use super::*;
use crate::secret::fingerprint;

fn red(text: &str) -> String {
    Redactor::default().apply(text)
}

fn assert_gone(out: &str, secret: &str) {
    assert!(!out.contains(secret), "{secret:?} survived in {out:?}");
    assert!(out.contains("[redacted "), "{out}");
}

fn assert_kept(text: &str) {
    let out = red(text);
    assert_eq!(out, text, "near-miss was changed");
}

/// A small xorshift generator: reproducible random tokens without a dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn string(&mut self, alphabet: &[u8], len: usize) -> String {
        (0..len)
            .map(|_| alphabet[(self.next() % alphabet.len() as u64) as usize] as char)
            .collect()
    }
}
const B64URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const HEX: &[u8] = b"0123456789abcdef";

#[test]
fn replaces_every_registered_secret_longest_first() {
    let mut r = Redactor::default();
    r.register(&Secret::new("abcdef"));
    r.register(&Secret::new("abcdef-long-token"));
    r.register(&Secret::new("abc"));
    let out = r.apply("a=abcdef-long-token b=abcdef c=abc");
    assert!(!out.contains("abcdef"), "{out}");
    assert!(
        out.contains("c=abc"),
        "too-short values are left alone: {out}"
    );
    assert!(out.contains(&Secret::new("abcdef").describe()));
}

#[test]
fn known_values_keep_kind_length_and_fingerprint_also_json_escaped() {
    let pem = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIFvTiwHi/hfTNMEF1QONTBuOoUYsZFhdc48d/F2SzlpN\n-----END PRIVATE KEY-----\n";
    let mut r = Redactor::default();
    r.register_kind(&Secret::new("my-gateway-pass"), "password");
    r.register_kind(&Secret::new(pem), "private-key");
    let out = r.apply("x my-gateway-pass y");
    assert_eq!(
        out,
        format!(
            "x [redacted password fp:{} len=15] y",
            fingerprint("my-gateway-pass")
        )
    );
    let in_json = serde_json::to_string(&serde_json::json!({ "k": pem })).unwrap();
    let out = r.apply(&in_json);
    assert_gone(&out, "MC4CAQ");
    assert!(out.contains(&format!("fp:{}", fingerprint(pem))), "{out}");
}

#[test]
fn pem_blocks_raw_escaped_and_cut_off() {
    let body = "MC4CAQAwBQYDK2VwBCIEIFvTiwHi/hfTNMEF1QONTBuOoUYsZFhdc48d/F2SzlpN";
    for text in [
        format!("key:\n-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----\nafter"),
        format!(
            "{{\"pem\":\"-----BEGIN PRIVATE KEY-----\\n{body}\\n-----END PRIVATE KEY-----\\n\"}}"
        ),
        format!(
            "-----BEGIN OPENSSH PRIVATE KEY-----\r\n{body}\r\n-----END OPENSSH PRIVATE KEY-----"
        ),
        format!("-----BEGIN RSA PRIVATE KEY-----\\n{body}\\n{body}"),
    ] {
        let out = red(&text);
        assert_gone(&out, &body[10..30]);
        assert!(out.contains("private-key"), "{out}");
    }
    let raw = red(&format!(
        "-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----"
    ));
    let esc = red(&format!(
        "-----BEGIN PRIVATE KEY-----\\n{body}\\n-----END PRIVATE KEY-----"
    ));
    assert_eq!(raw, esc, "same key, same fingerprint whatever the newlines");
    assert!(red("after\nafter").ends_with("after"));
    // Public keys and certificates stay.
    assert_kept(
        "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA6VoMB2HF8IZiYNsqveZVVXbmF42IgNeYHu8hS74FSss=\n-----END PUBLIC KEY-----\n",
    );
}

#[test]
fn openclaw_token_shapes() {
    let device = "K1SkJKxnI1-FpHGvEcbRKVPIga_bXOlBNurvNaf7Z0w";
    let gateway = "3f2a9c0d4b5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70";
    assert_eq!(gateway.len(), 48);
    let out = red(&format!("device token {device} and gateway {gateway}."));
    assert_gone(&out, device);
    assert_gone(&out, gateway);
    assert!(
        out.contains(&format!(
            "[redacted token fp:{} len=43]",
            fingerprint(device)
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!("fp:{} len=48", fingerprint(gateway))),
        "{out}"
    );
    // Inside a JSON string after an escaped newline, after a colour code.
    assert_gone(&red(&format!("\"a\\n{device}\"")), device);
    assert_gone(&red(&format!("\x1b[2m{device}\x1b[0m")), device);
}

#[test]
fn cut_off_known_secrets_are_redacted_with_the_whole_fingerprint() {
    let tok = "CANARYdev_K1SkJKxnI1-FpHGvEcbRKVPIga_bXOlBz";
    let mut r = Redactor::default();
    r.register_kind(&Secret::new(tok), "token");
    let out = r.apply(&format!("dev={}… and {}", &tok[..14], &tok[..7]));
    assert_eq!(
        out,
        format!(
            "dev=[redacted token fp:{} len=43]… and CANARYd",
            fingerprint(tok)
        ),
        "prefixes of 8+ characters go, shorter ones are too ambiguous"
    );
}

#[test]
fn near_misses_stay_visible() {
    for text in [
        // deviceIds (64 hex), UUIDs, trace ids (32 hex), git shas (40 hex)
        "device=a12522e0d3d712beba4df8ce14e1b2969b87d62918688280b366dd7795732abb",
        "conn=93addfab-b194-4b39-b7f8-6a511586d8f1 instance=95fd88c6-ba80-4556-bff4-c4b09f49037f",
        "\"traceId\":\"010bca7f19284eb7eab0b84f36465e0c\"",
        "commit 5e63e0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7",
        // scopes, versions, paths, words
        "scopes=operator.write,operator.read role=operator",
        "OpenClaw 2026.7.35 v2026.3.7-beta.1",
        "/home/alice/.openclaw/identity/device-auth.json",
        "file:///tmp/oclab/oc-2026.7.35/node_modules/openclaw/dist/server-cron-DiBsA6wI.js:2648:18",
        "the token is wrong; gateway token mismatch (provide gateway auth token)",
        "tokens=3 tokenCount=2 maxTokens=4096 privateKeyMatches=true",
        "auth=token auth=password auth=none reason=token_mismatch",
        "gateway.controlUi.allowInsecureAuth=true",
        "token gateway.auth.token = fp:1a2b3c4d len=34",
        "\"authToken\": {\"redacted\": true, \"length\": 34, \"fingerprint\": \"1a2b3c4d\"}",
        "\"authPassword\": null, \"privateKeyMatches\": true, \"tokenSources\": []",
        "\"token\": \"[redacted token fp:1a2b3c4d len=43]\"",
        "OPENCLAW_GATEWAY_TOKEN=${OPENCLAW_GATEWAY_TOKEN} password=***",
        "a_rather_long_snake_case_identifier_name_xy",
        "{\"key\": \"nonLocalHost\", \"auth\": \"mode\", \"signature\": \"v3\"}",
        "sk-learn and sk-the-word-is-not-a-key-at-all ghp_short",
        "Bearer token, bearer of news",
        "https://docs.openclaw.ai/gateway/pairing?tab=cli#token",
        "ws://127.0.0.1:18789 user@example.com",
        "publicKey=Qp54M7zpleCOSw0xIIbMN8CyvvZByjjj",
        "✓ • … émoji — fine\ttab\n",
    ] {
        assert_kept(text);
    }
}

#[test]
fn api_keys_by_prefix() {
    for key in [
        "sk-abcdefghijklmnopqrstuvwxyz0123456789ABCD",
        "sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWx-0123456789",
        "sk-proj-Ab12Cd34Ef56Gh78Ij90Kl12",
        "xoxb-1234567890-0987654321-AbCdEfGhIjKl",
        "xoxp-1234567890-0987654321-AbCdEfGhIjKl",
        "ghp_1234567890abcdefghijABCDEFGHIJ123456",
        "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz",
        "AKIAIOSFODNN7EXAMPLE",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    ] {
        let out = red(&format!("use ({key}) now"));
        assert_gone(&out, key);
        assert!(out.starts_with("use (") && out.ends_with(") now"), "{out}");
    }
}

#[test]
fn url_userinfo_and_query_parameters() {
    let out = red("remote wss://operator:CANARYPASS@gw.example.com:443/ws ok");
    assert_gone(&out, "CANARYPASS");
    assert!(
        out.starts_with("remote wss://operator:[redacted password fp:"),
        "{out}"
    );
    assert!(out.ends_with("@gw.example.com:443/ws ok"), "{out}");
    for (text, secret) in [
        ("https://h/x?token=QUERYTOK1&mode=cli", "QUERYTOK1"),
        ("https://h/x?a=1&access_token=QUERYTOK2#frag", "QUERYTOK2"),
        ("GET /ws?password=hunter22 HTTP/1.1", "hunter22"),
        (
            "https://h/?secret=s3cr3tv&key=K3YVALUE&auth=AUTHVAL9&sig=SIGVAL12",
            "K3YVALUE",
        ),
        (
            "https://h/?secret=s3cr3tv&key=K3YVALUE&auth=AUTHVAL9&sig=SIGVAL12",
            "AUTHVAL9",
        ),
        (
            "https://h/?secret=s3cr3tv&key=K3YVALUE&auth=AUTHVAL9&sig=SIGVAL12",
            "s3cr3tv",
        ),
        (
            "https://h/?secret=s3cr3tv&key=K3YVALUE&auth=AUTHVAL9&sig=SIGVAL12",
            "SIGVAL12",
        ),
    ] {
        let out = red(text);
        assert_gone(&out, secret);
    }
    let out = red("https://h/x?token=QUERYTOK1&mode=cli");
    assert!(out.ends_with("&mode=cli"), "{out}");
}

#[test]
fn assignments_by_key_name_any_value_shape() {
    for (text, secret, kind) in [
        ("{\"token\": \"short1\"}", "short1", "token"),
        (
            "{\"gatewayToken\":\"with spaces and \\\"quotes\\\"\"}",
            "with spaces",
            "token",
        ),
        ("{\"password\": \"hunter2\"}", "hunter2", "password"),
        ("{\"privateKey\": \"abc\\ndef\"}", "abc", "private-key"),
        ("{\"private_key\": \"Zm9vYmFy\"}", "Zm9vYmFy", "private-key"),
        ("{\"apiKey\": \"k-1\"}", "k-1", "api-key"),
        ("{\"api_key\": \"k-2\"}", "k-2", "api-key"),
        ("{\"client_secret\": \"cs\"}", "\"cs\"", "secret"),
        (
            "{\"authorization\": \"Basic dXNlcjpwYXNz\"}",
            "dXNlcjpwYXNz",
            "credential",
        ),
        (
            "msg \"{\\\"token\\\":\\\"innerTok9\\\"}\"",
            "innerTok9",
            "token",
        ),
        (
            "OPENCLAW_GATEWAY_TOKEN=lab-token-CCCC",
            "lab-token-CCCC",
            "token",
        ),
        (
            "export OPENCLAW_GATEWAY_PASSWORD=\"pw with space\"",
            "pw with space",
            "password",
        ),
        ("passwd='x y z'", "x y z", "password"),
        (
            "gateway connect token=abc123xyz role=operator",
            "abc123xyz",
            "token",
        ),
        ("--token=cli-flag-value", "cli-flag-value", "token"),
        ("gateway.remote.token=remote-tok", "remote-tok", "token"),
        (
            "Authorization: Bearer abc.def.ghi",
            "abc.def.ghi",
            "credential",
        ),
        ("x-api-key: key-in-header", "key-in-header", "credential"),
        (
            "sent Bearer 0a1b2c3d4e5f6a7b8c9d",
            "0a1b2c3d4e5f6a7b8c9d",
            "token",
        ),
    ] {
        let out = red(text);
        assert_gone(&out, secret);
        assert!(
            out.contains(&format!("[redacted {kind} fp:")),
            "{text} -> {out}"
        );
    }
    // Keys stay, separators stay, the rest of the line stays.
    assert_eq!(
        red("a=1 token=abc123xyz b=2").replace(&fingerprint("abc123xyz"), "FP"),
        "a=1 token=[redacted token fp:FP len=9] b=2"
    );
    assert_eq!(
        red("{\"token\": \"a\\\"b\"}").replace(&fingerprint("a\"b"), "FP"),
        "{\"token\": \"[redacted token fp:FP len=3]\"}",
        "JSON escapes are decoded before fingerprinting"
    );
}

#[test]
fn same_value_same_fingerprint_different_values_differ() {
    let out = red("token=tokenAAAAAA x {\"token\": \"tokenAAAAAA\"} y password=tokenBBBBBB");
    let fps: Vec<&str> = out
        .match_indices("fp:")
        .map(|(i, _)| &out[i + 3..i + 11])
        .collect();
    assert_eq!(fps.len(), 3, "{out}");
    assert_eq!(fps[0], fps[1]);
    assert_ne!(fps[0], fps[2]);
}

#[test]
fn random_tokens_never_survive() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut text = String::new();
    let mut secrets = Vec::new();
    let seps = [" ", "\n", "\"", ": ", "(", "\t", "\\n", ",", "'", "="];
    for i in 0..2000 {
        let s = match i % 6 {
            0 | 1 => rng.string(B64URL, 43),
            2 => rng.string(HEX, 48),
            3 => format!("sk-ant-api03-{}", rng.string(B64URL, 40)),
            4 => format!("xoxb-{}-{}", rng.string(HEX, 12), rng.string(B64URL, 24)),
            _ => format!("ghp_{}", rng.string(B64URL, 36).replace(['-', '_'], "0")),
        };
        text.push_str(seps[(rng.next() % seps.len() as u64) as usize]);
        text.push_str(&s);
        text.push_str(seps[(rng.next() % seps.len() as u64) as usize]);
        text.push_str("filler operator.write ");
        secrets.push(s);
    }
    let out = red(&text);
    for s in &secrets {
        assert!(!out.contains(s.as_str()), "{s} survived");
    }
    assert_eq!(out.matches("[redacted ").count(), secrets.len());
    // Keys and values in assignments, random shapes and lengths.
    let mut rng = Rng(42);
    for _ in 0..500 {
        let len = 1 + (rng.next() % 60) as usize;
        let v = rng.string(b"abcXYZ019!@%^*()[]{}|~+/.:-_", len);
        if harmless_probe(&v) {
            continue;
        }
        for text in [
            format!("{{\"token\": {}}}", serde_json::to_string(&v).unwrap()),
            format!("password=\"{}\"", v.replace('"', "")),
        ] {
            let out = red(&text);
            let inner = v.replace('"', "");
            assert!(!out.contains(&inner) || inner.len() < 3, "{text} -> {out}");
        }
    }
}

fn harmless_probe(v: &str) -> bool {
    shapes::harmless_value(v.as_bytes()) || v.contains('\\')
}

#[test]
fn public_values_veto_shape_hits_only() {
    let pk = "Qp54M7zpleCOSw0xIIbMN8CyvvZByjjj-LhZZwTk0Vk";
    let mut r = Redactor::default();
    r.allow_public(pk);
    assert_eq!(
        r.apply(&format!("publicKey {pk}")),
        format!("publicKey {pk}")
    );
    assert_gone(&r.apply(&format!("token={pk}")), pk);
}

#[test]
fn control_characters_are_stripped_colour_is_kept() {
    let out = red(
        "a\x1b[31mred\x1b[0m b\x1b]8;;http://x\x07link\x1b]8;;\x07 c\x1b[2J\x1b[Hd\re\x07f\x08\u{9b}g\u{202e}h\x7f\ti\nj",
    );
    assert_eq!(out, "a\x1b[31mred\x1b[0m blink cde\u{66}gh\ti\nj");
    assert!(!red("\x1b").contains('\x1b'));
    assert!(!red("x\x1b[").contains('\x1b'));
    // A secret split by control bytes is rejoined first, then redacted.
    assert_gone(&red("token=ab\rcd1234"), "abcd1234");
    // Long text is screened in blocks: a bad char anywhere, also across a block boundary,
    // is still found, and harmless look-alikes (`…`, `é`) are kept.
    for at in [0, 63, 64, 127, 1000] {
        for bad in ["\u{202e}", "\u{9b}", "\r", "\u{61c}"] {
            let text = format!(
                "{}{bad}{}",
                "…é".repeat(at / 5) + &"x".repeat(at % 5),
                "y".repeat(70)
            );
            let out = red(&text);
            assert!(!out.contains(bad), "{at} {bad:?}");
            assert!(out.contains('…') || at < 5, "{at}");
        }
    }
}

#[test]
fn identity_scrubber() {
    let r = Redactor::default().with_identity(
        Some(Path::new("/home/alice")),
        Some("alice"),
        Some("alice-laptop"),
    );
    let out = r.apply(
        "state /home/alice/.openclaw, other /home/alice2/x, host alice-laptop.local, \
         by alice; malice; Alice-Laptop; users",
    );
    assert_eq!(
        out,
        "state ~/.openclaw, other /home/alice2/x, host <host>.local, \
         by <user>; malice; <host>; users"
    );
    // Short and generic names are left alone; so are redactions.
    let r = Redactor::default().with_identity(None, Some("user"), Some("localhost"));
    assert_eq!(r.apply("users user localhost"), "users user localhost");
    let r = Redactor::default().with_identity(None, Some("ab"), None);
    assert_eq!(r.apply("ab abc"), "ab abc");
    let r = Redactor::default().with_identity(None, Some("len"), None);
    let out = r.apply("token=abc123xyz len");
    assert!(out.contains(" len=9]") && out.ends_with(" <user>"), "{out}");
}

#[test]
fn local_identity_reads_sysroot_then_env() {
    let dir = tempfile::tempdir().unwrap();
    let mut env = crate::env::Env::from_process(Some(dir.path()));
    env.vars.clear();
    env.vars.insert("HOME".into(), "/home/bob".into());
    env.vars.insert("LOGNAME".into(), "bob".into());
    env.vars.insert("HOSTNAME".into(), "from-env".into());
    assert_eq!(
        local_identity_from_env(&env),
        (
            Some(PathBuf::from("/home/bob")),
            Some("bob".into()),
            Some("from-env".into())
        )
    );
    std::fs::create_dir_all(dir.path().join("etc")).unwrap();
    std::fs::write(dir.path().join("etc/hostname"), "etc-host\n").unwrap();
    assert_eq!(local_identity_from_env(&env).2.as_deref(), Some("etc-host"));
    std::fs::create_dir_all(dir.path().join("proc/sys/kernel")).unwrap();
    std::fs::write(dir.path().join("proc/sys/kernel/hostname"), "proc-host\n").unwrap();
    env.vars.insert("USER".into(), "carol".into());
    assert_eq!(
        local_identity_from_env(&env),
        (
            Some(PathBuf::from("/home/bob")),
            Some("carol".into()),
            Some("proc-host".into())
        )
    );
}

/// `cargo test --release --lib redact::tests::cost -- --ignored --nocapture`
#[test]
#[ignore]
fn cost_of_apply_on_one_megabyte() {
    let mut rng = Rng(7);
    let mut text = String::new();
    let line = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/json-token-drift/logs/openclaw-2026-11-21.log"
    ))
    .unwrap();
    while text.len() < 1 << 20 {
        text.push_str(&line);
        text.push_str(&format!(
            "token={} {}\n",
            rng.string(B64URL, 43),
            rng.string(HEX, 48)
        ));
    }
    let mut r = Redactor::default().with_identity(
        Some(Path::new("/home/alice")),
        Some("alice"),
        Some("vm-host"),
    );
    for i in 0..40 {
        r.register_kind(&Secret::new(rng.string(B64URL, 43 + i % 3)), "token");
    }
    let _ = r.apply(&text);
    let n = 20;
    let t = std::time::Instant::now();
    for _ in 0..n {
        std::hint::black_box(r.apply(std::hint::black_box(&text)));
    }
    let per = t.elapsed() / n;
    println!("apply on {} bytes: {per:?} per call", text.len());
    let plain = Redactor::default();
    let t = std::time::Instant::now();
    for _ in 0..n {
        std::hint::black_box(plain.apply(std::hint::black_box(&text)));
    }
    println!("  without known values and identity: {:?}", t.elapsed() / n);
    let t = std::time::Instant::now();
    for _ in 0..n {
        let mut v = Vec::new();
        shapes::find_all(std::hint::black_box(&text), &mut v);
        std::hint::black_box(v);
    }
    println!("  shape detectors alone: {:?}", t.elapsed() / n);
    type Detector = fn(&[u8], &mut Vec<shapes::Span>);
    let detectors: [(&str, Detector); 5] = [
        ("pem", shapes::pem_blocks),
        ("url", shapes::url_userinfo),
        ("assignments", shapes::assignments),
        ("bearer", shapes::bearer),
        ("words", shapes::words),
    ];
    for (name, f) in detectors {
        let t = std::time::Instant::now();
        for _ in 0..n {
            let mut v = Vec::new();
            f(std::hint::black_box(text.as_bytes()), &mut v);
            std::hint::black_box(v);
        }
        println!("    {name}: {:?}", t.elapsed() / n);
    }
}

#[test]
fn large_texts_give_the_same_hits_on_two_threads() {
    let mut r = Redactor::default();
    r.register_kind(&Secret::new("known-secret-value-1234"), "token");
    let token = "Q".repeat(43);
    let text = format!(
        "{}known-secret-value-1234 and \"token\": \"{token}\" and known-secret-val…\n",
        "ordinary line\n".repeat(1000)
    );
    let seq = r.spans(&text, false);
    assert!(seq.len() >= 3, "{seq:?}");
    assert_eq!(r.spans(&text, true), seq);
    let big = text.repeat(PARALLEL_BYTES / text.len() + 1);
    let out = r.apply(&big);
    assert_gone(&out, "known-secret-value-1234");
    assert_gone(&out, &token);
    assert!(!out.contains("known-secret-val…"), "a cut-off secret too");
}

#[test]
fn a_cut_off_value_is_redacted_to_the_end_of_the_line() {
    // A truncated store or row: the string never closes, the value must still go.
    let r = Redactor::default();
    for text in [
        "{\"d\": {\"token\": \"CutOffValue12345\n}",
        "{\\\"token\\\":\\\"CutOffValue12345",
        "OPENCLAW_GATEWAY_TOKEN=\"CutOffValue12345\nNEXT=1",
    ] {
        let out = r.apply(text);
        assert!(!out.contains("CutOffValue12345"), "{text:?} -> {out:?}");
        assert!(out.contains("[redacted "), "{out}");
    }
    assert!(r.apply("{\"token\": \"x\nNEXT").contains("NEXT"));
}
