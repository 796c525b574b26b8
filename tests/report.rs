//! `claw-doctor report`: snapshots on states of both eras, a Markdown parser's view of it, and
//! the promises it makes (no escape bytes, home path hidden, `--output` writes the same text).

mod common;

use common::Sandbox;

fn normalize(text: &str, sb: &Sandbox) -> String {
    let root = sb.tmp.path().display().to_string();
    let mut out = Vec::new();
    for line in text.replace(&root, "<sandbox>").lines() {
        if line.starts_with("| machine |") {
            out.push("| machine | <machine> |".to_string());
            continue;
        }
        // Fingerprints are salted per run.
        let mut l = String::new();
        let mut rest = line;
        while let Some(i) = rest.find("fp:") {
            l.push_str(&rest[..i + 3]);
            let tail = &rest[i + 3..];
            let n = tail.chars().take_while(|c| c.is_ascii_hexdigit()).count();
            l.push_str(if n == 8 { "<fp>" } else { &tail[..n] });
            rest = &tail[n..];
        }
        l.push_str(rest);
        let l = match l.find("owner uid: ") {
            Some(i) => format!("{}owner uid: <run>", &l[..i]),
            None => l,
        };
        out.push(l);
    }
    out.join("\n") + "\n"
}

/// What a Markdown renderer sees: tables, collapsible blocks and code stay well-formed.
fn structure(md: &str) -> (usize, usize, usize) {
    use pulldown_cmark::{Event, Options, Parser, Tag};
    let (mut tables, mut html, mut code) = (0, 0, 0);
    for ev in Parser::new_ext(md, Options::ENABLE_TABLES) {
        match ev {
            Event::Start(Tag::Table(_)) => tables += 1,
            Event::Html(h) | Event::InlineHtml(h) if h.contains("<details>") => html += 1,
            Event::Start(Tag::CodeBlock(_)) => code += 1,
            _ => {}
        }
    }
    (tables, html, code)
}

#[test]
fn report_snapshots_for_both_eras() {
    for name in [
        "json-scope-upgrade",
        "sqlite-metadata-upgrade",
        "broken-stores",
    ] {
        let sb = Sandbox::new(name);
        let out = sb.run(&["report"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            !text.bytes().any(|b| b == 0x1b || (b < 0x20 && b != b'\n')),
            "{name}: control bytes in the report"
        );
        assert!(text.len() <= claw_doctor::output::report::MAX_BYTES);
        let (tables, details, _) = structure(&text);
        assert!(
            tables >= 3,
            "{name}: environment, config and device tables render ({tables})"
        );
        assert!(
            details >= 3,
            "{name}: collapsible sections render ({details})"
        );
        insta::assert_snapshot!(format!("report.{name}"), normalize(&text, &sb));
    }
}

#[test]
fn the_home_directory_user_and_host_are_not_in_the_report() {
    // A state under the home dir, as users have it: every path in the report starts there.
    let sb = Sandbox::new("json-token-drift");
    let home = sb.tmp.path().join("home");
    let state = home.join(".openclaw");
    common::copy_tree(&sb.state(), &state);
    // The user name where the report shows it (the config table): it must be scrubbed there.
    let cfg = state.join("openclaw.json");
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&cfg).unwrap()).unwrap();
    doc["gateway"]["remote"] = serde_json::json!({"url": "wss://gw.example/alice-canary"});
    std::fs::write(&cfg, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    let out = assert_cmd::Command::cargo_bin("claw-doctor")
        .unwrap()
        .env_clear()
        .env("HOME", &home)
        .env("USER", "alice-canary")
        .env("CLAW_DOCTOR_SYSROOT", sb.tmp.path().join("sysroot"))
        .args(["report", "--no-logs", "--now", &sb.fixture.now])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("~/.openclaw"),
        "the state dir is shown from ~: {text}"
    );
    assert!(
        !text.contains(&home.display().to_string()),
        "home path leaked"
    );
    assert!(!text.contains("alice-canary"), "user name leaked");
    assert!(
        text.contains("wss://gw.example/<user>"),
        "the value is shown, scrubbed"
    );
}

#[test]
fn output_file_gets_the_same_report() {
    let sb = Sandbox::new("json-scope-upgrade");
    let file = sb.tmp.path().join("report.md");
    let to_stdout = sb.run(&["report"]);
    let to_file = sb.run(&["report", "--output", file.to_str().unwrap()]);
    assert_eq!(to_file.status.code(), Some(0));
    assert!(to_file.stdout.is_empty());
    let written = std::fs::read_to_string(&file).unwrap();
    // Fingerprints differ between runs (salted per process); compare the rest.
    assert_eq!(
        normalize(&written, &sb),
        normalize(&String::from_utf8(to_stdout.stdout).unwrap(), &sb)
    );
}
