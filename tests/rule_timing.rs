//! Ignored profiling aid: evaluation time per rule on a big state.
//! `CLAW_TIMING_STATE=/path/to/state cargo test --release --test rule_timing -- --ignored --nocapture`
use claw_doctor::rules::RuleSet;
#[test]
#[ignore]
fn per_rule_time() {
    let Some(dir) = std::env::var_os("CLAW_TIMING_STATE") else {
        return;
    };
    let env = claw_doctor::env::Env::from_process(Some(std::path::Path::new("/nonexistent")));
    let opts = claw_doctor::load::LoadOptions {
        discover: claw_doctor::discover::DiscoverArgs {
            state_dir: Some(dir.into()),
            profile: None,
            config: None,
        },
        logs: claw_doctor::load::LogOptions {
            enabled: false,
            files: vec![],
            dirs: vec![],
        },
        now_ms: 1_795_259_460_000,
        openclaw_version: None,
    };
    let t = std::time::Instant::now();
    let model = claw_doctor::load::load(&opts, &env).unwrap();
    println!("load {:?}", t.elapsed());
    let all = RuleSet::builtin().unwrap();
    for r in &all.rules {
        let one = RuleSet {
            rules: vec![r.clone()],
        };
        let t = std::time::Instant::now();
        let out = claw_doctor::engine::run(&one, &model);
        println!(
            "{:>10.1?} {} ({} findings)",
            t.elapsed(),
            r.id,
            out.findings.len()
        );
    }
}
