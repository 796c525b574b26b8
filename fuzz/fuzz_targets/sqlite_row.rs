#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    claw_doctor::fuzzing::sqlite_row(data);
});
