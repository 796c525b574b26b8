//! Ignored profiling aid: evaluation time per rule on a big state.
//! `CLAW_TIMING_STATE=/path/to/state cargo test --release --test rule_timing -- --ignored --nocapture`
//! (`CLAW_TIMING_LOG=/path/to/log` also reads that log, `CLAW_TIMING_RULE=id` runs one rule).
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
            enabled: std::env::var_os("CLAW_TIMING_LOG").is_some(),
            files: std::env::var_os("CLAW_TIMING_LOG")
                .into_iter()
                .map(Into::into)
                .collect(),
            dirs: vec![],
            progress: None,
        },
        now_ms: 1_795_259_460_000,
        openclaw_version: None,
        no_state: false,
    };
    let t = std::time::Instant::now();
    let model = claw_doctor::load::load(&opts, &env).unwrap();
    println!("load {:?}", t.elapsed());
    let mut all = RuleSet::builtin().unwrap();
    // `CLAW_TIMING_RULE=id`: only that rule (to profile it)
    if let Ok(id) = std::env::var("CLAW_TIMING_RULE") {
        all.rules.retain(|r| r.id == id);
    }
    let mut times = Vec::new();
    let t = std::time::Instant::now();
    let out =
        claw_doctor::engine::run_observed(&all, &model, &mut |r, d| times.push((d, r.id.clone())));
    println!(
        "all rules {:?} ({} findings)",
        t.elapsed(),
        out.findings.len()
    );
    times.sort();
    for (d, id) in times {
        println!("{d:>10.1?} {id}");
    }
}
