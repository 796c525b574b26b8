//! End-to-end snapshots of `scan` over whole fixture states, in all three formats: the
//! binary as users run it. Run-specific text (the sandbox path, salted secret fingerprints)
//! is normalized; everything else must match byte for byte. Review changes with
//! `cargo insta review` (or `INSTA_UPDATE=always cargo test --test scan_snapshots`).

mod common;

use common::Sandbox;

const FIXTURES: &[&str] = &[
    "json-healthy",
    "json-scope-upgrade",
    "json-token-drift",
    "json-not-paired-proxy",
    "sqlite-metadata-upgrade",
    "mixed-unimported",
    "broken-stores",
];

fn normalize(text: &str, sb: &Sandbox) -> String {
    let root = sb.tmp.path().display().to_string();
    let mut out = text.replace(&root, "<sandbox>");
    // Fingerprints are salted per run (they must not be comparable across runs).
    let mut cleaned = String::with_capacity(out.len());
    let mut rest = out.as_str();
    while let Some(i) = rest.find("fp:") {
        cleaned.push_str(&rest[..i + 3]);
        let tail = &rest[i + 3..];
        let n = tail.chars().take_while(|c| c.is_ascii_hexdigit()).count();
        cleaned.push_str(if n == 8 { "<fp>" } else { &tail[..n] });
        rest = &tail[n..];
    }
    cleaned.push_str(rest);
    out = cleaned;
    let mut lines: Vec<String> = Vec::new();
    let mut owner_value_next = false;
    for line in out.lines() {
        let t = line.trim_start();
        if t.starts_with("\"label\": \"owner uid\"") {
            owner_value_next = true;
        } else if owner_value_next && t.starts_with("\"value\": ") {
            owner_value_next = false;
            lines.push(format!(
                "{}\"value\": \"<run>\"",
                &line[..line.len() - t.len()]
            ));
            continue;
        }
        let t = line.trim_start();
        if let Some(i) = line.find("owner uid: ") {
            lines.push(format!("{}owner uid: <run>", &line[..i]));
            continue;
        }
        // File times are the copy's, owners the test runner's.
        if let Some(key) = ["\"modifiedMs\": ", "\"uid\": "]
            .iter()
            .find(|k| t.starts_with(**k))
        {
            let indent = &line[..line.len() - t.len()];
            let comma = if t.ends_with(',') { "," } else { "" };
            lines.push(format!("{indent}{key}\"<run>\"{comma}"));
        } else if let Some(v) = t.strip_prefix("\"fingerprint\": \"") {
            let indent = &line[..line.len() - t.len()];
            let end = if v.ends_with(',') {
                "\"<fp>\","
            } else {
                "\"<fp>\""
            };
            lines.push(format!("{indent}\"fingerprint\": {end}"));
        } else {
            lines.push(line.to_string());
        }
    }
    lines.join("\n") + "\n"
}

#[test]
fn scan_output_in_every_format() {
    for name in FIXTURES {
        let sb = Sandbox::new(name);
        for format in ["human", "markdown", "json"] {
            let out = sb.run(&["scan", "--format", format, "--color", "never"]);
            let code = out.status.code();
            assert!(
                matches!(code, Some(0 | 1)),
                "{name} {format}: exit {code:?}"
            );
            let text = normalize(&String::from_utf8_lossy(&out.stdout), &sb);
            insta::assert_snapshot!(format!("{name}.{format}"), format!("exit {code:?}\n{text}"));
        }
    }
}
