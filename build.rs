//! Embeds every `rules/**/*.toml` into the binary (the tool is one standalone file).

use std::path::{Path, PathBuf};

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "toml") {
            out.push(p);
        }
    }
}

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let rules = root.join("rules");
    println!("cargo:rerun-if-changed=rules");
    let mut files = Vec::new();
    collect(&rules, &mut files);
    files.sort();
    // Each rule is embedded as two texts: the rule itself, parsed at every run, and its test
    // cases (from the first `[[cases]]` header on), parsed only by the tests. Startup then
    // never pays for the cases, which are most of the text.
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets it"));
    let mut src = String::from("pub static BUILTIN: &[(&str, &str, &str)] = &[\n");
    for (i, f) in files.iter().enumerate() {
        println!("cargo:rerun-if-changed={}", f.display());
        let rel = f.strip_prefix(&root).unwrap_or(f);
        let text = std::fs::read_to_string(f).expect("rule files are UTF-8");
        let at = text
            .match_indices("[[cases]]")
            .find(|(i, _)| *i == 0 || text.as_bytes()[i - 1] == b'\n')
            .map_or(text.len(), |(i, _)| i);
        let (rule, cases) = text.split_at(at);
        let (rule_file, cases_file) = (
            out.join(format!("rule{i}.toml")),
            out.join(format!("cases{i}.toml")),
        );
        std::fs::write(&rule_file, rule).expect("OUT_DIR is writable");
        std::fs::write(&cases_file, cases).expect("OUT_DIR is writable");
        src.push_str(&format!(
            "    ({:?}, include_str!({:?}), include_str!({:?})),\n",
            rel.display().to_string(),
            rule_file.display().to_string(),
            cases_file.display().to_string()
        ));
    }
    src.push_str("];\n");
    std::fs::write(out.join("builtin_rules.rs"), src).expect("OUT_DIR is writable");
}
