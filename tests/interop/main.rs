//! Interop suite: the real OpenClaw gateway (the npm package, 2026.7.35 and 2026.9.6) runs on
//! loopback, each scenario breaks it the way users' gateways break, and claw-doctor's findings,
//! advice and repairs must match what the gateway then does. Declared with `harness = false`, so
//! `cargo test` runs it; see the README section "Interop tests" for the settings.
//!
//! Flow: read the settings, pick the scenarios (positional arguments filter like libtest's),
//! install node 24 and both OpenClaw releases into the cache (outside any namespace: npm needs the
//! registry), then re-run this binary inside a private network and mount namespace where only `lo`
//! exists and `/etc/hosts` has a loopback alias, and run the scenarios there, a few at a time.

mod cache;
mod doctor;
mod lab;
mod netns;
mod proc;
mod proxy;
mod report;
mod scenarios;
mod settings;
mod store;

use std::process::ExitCode;

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("\ninterop: ERROR: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> anyhow::Result<ExitCode> {
    let args = settings::Args::parse(std::env::args().skip(1));
    let all = scenarios::all();
    if args.list {
        for s in &all {
            println!("{}: test", s.full_name());
        }
        return Ok(ExitCode::SUCCESS);
    }
    let settings = settings::Settings::from_env()?;
    if settings.skip {
        report::loud_skip();
        return Ok(ExitCode::SUCCESS);
    }
    let selected = scenarios::select(&all, &settings.only, &args.filters, args.exact)?;
    if selected.is_empty() {
        println!("interop: no scenario matches the filter; nothing to run");
        return Ok(ExitCode::SUCCESS);
    }
    let versions = scenarios::versions(&selected);
    if settings.inner {
        // Second stage, inside the namespace the first made: the cache is already filled.
        let install = cache::locate(&settings, &versions)?;
        let world = netns::enter_inner(&settings)?.with_install(install);
        return scenarios::run_all(&settings, &world, &selected);
    }
    report::banner(&settings, &selected);
    proc::require_tools(&["timeout", "kill", "tar"])?;
    let t0 = std::time::Instant::now();
    let install = cache::ensure(&settings, &versions)?;
    println!(
        "interop: install ready in {:.1} s (cache {})",
        t0.elapsed().as_secs_f64(),
        settings.cache.display()
    );
    match netns::plan(&settings)? {
        netns::Plan::Reexec(prefix) => netns::reexec(prefix, &settings),
        netns::Plan::Here(world) => {
            let world = (*world).with_install(install);
            scenarios::run_all(&settings, &world, &selected)
        }
    }
}
