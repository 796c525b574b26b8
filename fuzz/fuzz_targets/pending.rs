#![no_main]
//! Whole scan over a state holding only this fuzzed file.

use claw_doctor::fuzzing::{self, Scratch};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

static SCRATCH: OnceLock<Scratch> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    fuzzing::pending(SCRATCH.get_or_init(Scratch::new), data);
});
