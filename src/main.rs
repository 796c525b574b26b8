fn main() -> std::process::ExitCode {
    claw_doctor::run()
}
