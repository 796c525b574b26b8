//! `docs/scenarios-coverage.md` names, for every scenario S01-S40, rules that exist or a reason.

use std::collections::BTreeSet;
use std::path::Path;

#[test]
fn every_scenario_names_existing_rules_or_a_reason() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut ids = BTreeSet::new();
    for area in std::fs::read_dir(root.join("rules")).unwrap() {
        let area = area.unwrap().path();
        if area.is_dir() {
            for f in std::fs::read_dir(&area).unwrap() {
                let p = f.unwrap().path();
                if p.extension().is_some_and(|e| e == "toml") {
                    ids.insert(p.file_stem().unwrap().to_string_lossy().into_owned());
                }
            }
        }
    }
    let doc = std::fs::read_to_string(root.join("docs/scenarios-coverage.md")).unwrap();
    let mut seen = Vec::new();
    for row in doc.lines().filter(|l| l.starts_with("| S")) {
        let cols: Vec<&str> = row.trim_matches('|').split('|').map(str::trim).collect();
        assert_eq!(cols.len(), 4, "{row}");
        let rules: Vec<&str> = cols[2]
            .split(',')
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .collect();
        for r in &rules {
            assert!(ids.contains(*r), "{}: no rule `{r}`", cols[0]);
        }
        assert!(
            !rules.is_empty() || cols[3].len() > 20,
            "{}: neither rules nor a reason",
            cols[0]
        );
        seen.push(cols[0].to_string());
    }
    let want: Vec<String> = (1..=40).map(|n| format!("S{n:02}")).collect();
    assert_eq!(seen, want);
}
