//! `collect` over temp dirs laid out like a home, a state dir and a system root.

use super::services::is_systemd_gateway_unit;
use super::*;
use crate::model::{CredentialKind, ProblemKind};
use std::fs;

struct Fx {
    _tmp: tempfile::TempDir,
    home: PathBuf,
    state: PathBuf,
    cwd: PathBuf,
    sys: PathBuf,
    env: BTreeMap<String, String>,
    profile: Option<String>,
}

impl Fx {
    fn new() -> Fx {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().to_path_buf();
        let (home, sys) = (root.join("home"), root.join("sys"));
        let (state, cwd) = (home.join(".openclaw"), home.join("work"));
        for d in [&home, &state, &cwd, &sys] {
            fs::create_dir_all(d).unwrap();
        }
        Fx {
            _tmp: tmp,
            home,
            state,
            cwd,
            sys,
            env: BTreeMap::new(),
            profile: None,
        }
    }

    /// Writes `rel` (a path under the home dir, or `/...` under the sysroot).
    fn write(&self, rel: &str, text: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, text).unwrap();
        p
    }

    fn path(&self, rel: &str) -> PathBuf {
        match rel.strip_prefix('/') {
            Some(r) => self.sys.join(r),
            None => self.home.join(rel),
        }
    }

    fn collect(&self) -> SourcesFound {
        collect(&SourceInputs {
            home: Some(&self.home),
            state_dir: &self.state,
            cwd: &self.cwd,
            process_env: &self.env,
            profile: self.profile.as_deref(),
            sysroot: &self.sys,
        })
    }

    fn package(&self, rel_dir: &str, version: &str) -> PathBuf {
        self.write(
            &format!("{rel_dir}/package.json"),
            format!(r#"{{"name":"openclaw","version":"{version}"}}"#),
        )
    }
}

fn lit(v: &SecretValue) -> String {
    match v {
        SecretValue::Literal { value } => value.expose().to_string(),
        SecretValue::EnvSubstitution { variable } => format!("${{{variable}}}"),
        other => format!("{other:?}"),
    }
}

/// (kind, name, location, value) of every token source, locations relative to the fixture.
fn tokens(fx: &Fx, f: &SourcesFound) -> Vec<(TokenSourceKind, String, String, String)> {
    let root = fx.home.parent().unwrap().display().to_string();
    f.token_sources
        .iter()
        .map(|t| {
            (
                t.kind,
                t.name.clone(),
                t.location.replace(&root, ""),
                lit(&t.value),
            )
        })
        .collect()
}

fn tok(
    kind: TokenSourceKind,
    name: &str,
    location: &str,
    value: &str,
) -> (TokenSourceKind, String, String, String) {
    (kind, name.into(), location.into(), value.into())
}

fn v(s: &str) -> Version {
    s.parse().unwrap()
}

const UNIT: &str = "openclaw-gateway.service";

#[test]
fn empty_inputs_find_nothing() {
    let fx = Fx::new();
    let f = fx.collect();
    assert!(f.token_sources.is_empty() && f.services.is_empty() && f.installed_packages.is_empty());
    assert!(
        f.dotenv_vars.is_empty() && f.problems.is_empty(),
        "{:?}",
        f.problems
    );
    // No home at all is fine too.
    let f = collect(&SourceInputs {
        home: None,
        ..SourceInputs {
            home: Some(&fx.home),
            state_dir: &fx.state,
            cwd: &fx.cwd,
            process_env: &fx.env,
            profile: None,
            sysroot: &fx.sys,
        }
    });
    assert!(f.services.is_empty() && f.problems.is_empty());
}

#[test]
fn process_env_and_dotenv_files() {
    let mut fx = Fx::new();
    fx.env
        .insert("OPENCLAW_GATEWAY_TOKEN".into(), "env-tok".into());
    fx.env
        .insert("CLAWDBOT_GATEWAY_TOKEN".into(), "legacy-tok".into());
    fx.env
        .insert("OPENCLAW_STATE_DIR".into(), "/ignored/here".into());
    fx.write(
        "work/.env",
        "OPENCLAW_STATE_DIR=/from/cwd\nexport OPENCLAW_GATEWAY_TOKEN=\"cwd-tok\"\nOPENCLAW_GATEWAY_TOKEN=cwd-tok-2 # later wins\nOPENCLAW_HOOKS_TOKEN=hook-secret\n",
    );
    fx.write(
        ".openclaw/.env",
        "\u{feff}OPENCLAW_STATE_DIR=/from/state\r\nOPENCLAW_CONFIG_PATH='/cfg.json'\r\nOPENCLAW_GATEWAY_PASSWORD=${OTHER_VAR}\r\nOTHER=1\r\n",
    );
    fx.write(
        ".config/openclaw/gateway.env",
        "OPENCLAW_GATEWAY_TOKEN=gw-tok\nOPENCLAW_PROFILE=x\n",
    );
    let f = fx.collect();
    use TokenSourceKind::*;
    assert_eq!(
        tokens(&fx, &f),
        [
            tok(
                ProcessEnv,
                "CLAWDBOT_GATEWAY_TOKEN",
                "environment",
                "legacy-tok"
            ),
            tok(
                ProcessEnv,
                "OPENCLAW_GATEWAY_TOKEN",
                "environment",
                "env-tok"
            ),
            tok(
                CwdDotEnv,
                "OPENCLAW_GATEWAY_TOKEN",
                "/home/work/.env:3",
                "cwd-tok-2"
            ),
            tok(
                StateDotEnv,
                "OPENCLAW_GATEWAY_PASSWORD",
                "/home/.openclaw/.env:3",
                "${OTHER_VAR}"
            ),
            tok(
                GatewayEnvFile,
                "OPENCLAW_GATEWAY_TOKEN",
                "/home/.config/openclaw/gateway.env:1",
                "gw-tok"
            ),
        ]
    );
    assert!(
        matches!(&f.token_sources[3].value, SecretValue::EnvSubstitution { variable } if variable == "OTHER_VAR")
    );
    assert_eq!(f.token_sources[3].credential, CredentialKind::Password);
    assert_eq!(f.token_sources[0].credential, CredentialKind::Token);
    // Non-secret OPENCLAW_* vars: the cwd file wins, secrets and gateway.env are left out.
    let vars: Vec<(&str, &str)> = f
        .dotenv_vars
        .iter()
        .map(|(k, (v, _))| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        vars,
        [
            ("OPENCLAW_CONFIG_PATH", "/cfg.json"),
            ("OPENCLAW_STATE_DIR", "/from/cwd")
        ]
    );
    assert_eq!(
        f.dotenv_vars["OPENCLAW_STATE_DIR"].1,
        format!("{}:1", fx.cwd.join(".env").display())
    );
    assert!(f.problems.is_empty(), "{:?}", f.problems);
}

#[test]
fn cwd_inside_state_dir_reads_the_file_once() {
    let mut fx = Fx::new();
    fx.cwd = fx.state.clone();
    fx.write(".openclaw/.env", "OPENCLAW_GATEWAY_TOKEN=t\n");
    let f = fx.collect();
    assert_eq!(
        tokens(&fx, &f),
        [tok(
            TokenSourceKind::StateDotEnv,
            "OPENCLAW_GATEWAY_TOKEN",
            "/home/.openclaw/.env:1",
            "t"
        )]
    );
}

#[test]
fn systemd_unit_environment_forms_exec_token_and_package() {
    let fx = Fx::new();
    let pkg = fx.package("/usr/lib/node_modules/openclaw", "2026.2.19");
    fx.write(
        "/usr/lib/node_modules/openclaw/dist/package.json",
        r#"{"type":"module"}"#,
    );
    let state = fx.state.display();
    let unit = format!(
        "[Unit]\nDescription=OpenClaw Gateway (v2026.2.19)\nAfter=network-online.target\n\n[Service]\n\
         ExecStart=/usr/bin/node /usr/lib/node_modules/openclaw/dist/index.js gateway --port 18789 --token exec-tok\n\
         Environment=OPENCLAW_GATEWAY_TOKEN=plain-tok\n\
         Environment=\"OPENCLAW_STATE_DIR={state}\" \"OPENCLAW_PROFILE=default\" HOME=%h\n\
         Environment=OPENCLAW_GATEWAY_PASSWORD=\"pass word\" OPENCLAW_SERVICE_VERSION=2026.2.18\n\
         Environment=CLAWDBOT_GATEWAY_TOKEN=${{OTHER}}\n\
         Environment=\"OPENAI_API_KEY=not-a-gateway-secret\"\n"
    );
    let unit_path = fx.write(&format!(".config/systemd/user/{UNIT}"), unit);
    let f = fx.collect();
    assert!(f.problems.is_empty(), "{:?}", f.problems);
    assert_eq!(f.services.len(), 1);
    let s = &f.services[0];
    assert_eq!(
        (s.kind, s.path.as_path(), s.legacy),
        (ServiceKind::Systemd, unit_path.as_path(), false)
    );
    assert_eq!(
        s.description.as_deref(),
        Some("OpenClaw Gateway (v2026.2.19)")
    );
    assert_eq!(
        s.version,
        Some(v("2026.2.19")),
        "the Description wins over OPENCLAW_SERVICE_VERSION"
    );
    assert_eq!(s.package_json.as_deref(), Some(pkg.as_path()));
    assert_eq!(s.package_version, Some(v("2026.2.19")));
    assert_eq!(
        s.exec_start.as_deref(),
        Some(
            "/usr/bin/node /usr/lib/node_modules/openclaw/dist/index.js gateway --port 18789 --token <redacted>"
        )
    );
    let env: Vec<(&str, String)> = s
        .environment
        .iter()
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    assert_eq!(
        env,
        [
            ("HOME", fx.home.display().to_string()),
            ("OPENCLAW_PROFILE", "default".into()),
            ("OPENCLAW_SERVICE_VERSION", "2026.2.18".into()),
            ("OPENCLAW_STATE_DIR", state.to_string()),
        ]
    );
    let u = format!("/home/.config/systemd/user/{UNIT}");
    use TokenSourceKind::SystemdUnit;
    assert_eq!(
        tokens(&fx, &f),
        [
            tok(
                SystemdUnit,
                "CLAWDBOT_GATEWAY_TOKEN",
                &format!("{u}:10"),
                "${OTHER}"
            ),
            tok(
                SystemdUnit,
                "OPENCLAW_GATEWAY_PASSWORD",
                &format!("{u}:9"),
                "pass word"
            ),
            tok(
                SystemdUnit,
                "OPENCLAW_GATEWAY_TOKEN",
                &format!("{u}:7"),
                "plain-tok"
            ),
            tok(SystemdUnit, "--token", &format!("{u}:6"), "exec-tok"),
        ]
    );
    assert_eq!(f.installed_packages, [(pkg, v("2026.2.19"))]);
}

#[test]
fn systemd_version_from_service_version_and_environment_file() {
    let fx = Fx::new();
    fx.write(
        &format!(".config/systemd/user/{UNIT}"),
        "[Unit]\nDescription=OpenClaw Gateway (profile: x)\n[Service]\nExecStart=/usr/bin/openclaw gateway\n\
         Environment=OPENCLAW_SERVICE_VERSION=2026.9.6 OPENCLAW_GATEWAY_TOKEN=inline-tok\n\
         EnvironmentFile=-%h/.openclaw/gateway.systemd.env\nEnvironmentFile=-/etc/openclaw/missing.env\n",
    );
    fx.write(
        ".openclaw/gateway.systemd.env",
        "# generated\nOPENCLAW_GATEWAY_TOKEN=\"file-tok\"\nOPENCLAW_STATE_DIR=/srv/oc\n",
    );
    let f = fx.collect();
    assert!(f.problems.is_empty(), "{:?}", f.problems);
    let s = &f.services[0];
    assert_eq!(s.version, Some(v("2026.9.6")));
    assert_eq!(s.package_json, None);
    assert_eq!(
        s.environment.get("OPENCLAW_STATE_DIR").map(String::as_str),
        Some("/srv/oc")
    );
    // EnvironmentFile= overrides Environment=.
    assert_eq!(
        tokens(&fx, &f),
        [tok(
            TokenSourceKind::SystemdUnit,
            "OPENCLAW_GATEWAY_TOKEN",
            "/home/.openclaw/gateway.systemd.env:2",
            "file-tok"
        )]
    );
}

#[test]
fn systemd_drop_ins_override_in_name_order() {
    let fx = Fx::new();
    fx.write(
        &format!(".config/systemd/user/{UNIT}"),
        "[Unit]\nDescription=OpenClaw Gateway (v2026.2.19)\n[Service]\nExecStart=/usr/bin/node /x/index.js gateway\nEnvironment=OPENCLAW_GATEWAY_TOKEN=base-tok\nEnvironment=OPENCLAW_GATEWAY_PASSWORD=base-pw\n",
    );
    let d = format!(".config/systemd/user/{UNIT}.d");
    fx.write(
        &format!("{d}/20-late.conf"),
        "[Service]\n# comment\nEnvironment=OPENCLAW_GATEWAY_TOKEN=late-tok\n",
    );
    fx.write(&format!("{d}/10-early.conf"), "[Service]\nEnvironment=OPENCLAW_GATEWAY_TOKEN=early-tok\n[Unit]\nDescription=OpenClaw Gateway (v2026.9.6)\n");
    fx.write(
        &format!("{d}/30-exec.conf"),
        "[Service]\nExecStart=\nExecStart=/usr/bin/node /y/index.js gateway --token=drop-tok\n",
    );
    fx.write(
        &format!("{d}/notes.txt"),
        "[Service]\nEnvironment=OPENCLAW_GATEWAY_TOKEN=ignored\n",
    );
    let f = fx.collect();
    let s = &f.services[0];
    assert_eq!(s.version, Some(v("2026.9.6")));
    assert_eq!(
        s.exec_start.as_deref(),
        Some("/usr/bin/node /y/index.js gateway --token=<redacted>")
    );
    use TokenSourceKind::SystemdUnit;
    assert_eq!(
        tokens(&fx, &f),
        [
            tok(
                SystemdUnit,
                "OPENCLAW_GATEWAY_PASSWORD",
                &format!("/home/.config/systemd/user/{UNIT}:6"),
                "base-pw"
            ),
            tok(
                SystemdUnit,
                "OPENCLAW_GATEWAY_TOKEN",
                &format!("/home/{d}/20-late.conf:3"),
                "late-tok"
            ),
            tok(
                SystemdUnit,
                "--token",
                &format!("/home/{d}/30-exec.conf:3"),
                "drop-tok"
            ),
        ]
    );
}

#[test]
fn profile_units_come_first_and_only_they_give_tokens() {
    let mut fx = Fx::new();
    fx.profile = Some("work".into());
    fx.state = fx.home.join(".openclaw-work");
    let u = ".config/systemd/user";
    fx.write(&format!("{u}/openclaw-gateway.service"), "[Service]\nExecStart=/usr/bin/openclaw gateway\nEnvironment=OPENCLAW_GATEWAY_TOKEN=default-tok\n");
    fx.write(&format!("{u}/openclaw-gateway-work.service"), "[Service]\nExecStart=/usr/bin/openclaw gateway\nEnvironment=OPENCLAW_GATEWAY_TOKEN=work-tok\n");
    fx.write(&format!("{u}/clawdbot-gateway.service"), "[Unit]\nDescription=Clawdbot Gateway (v2026.1.24-3)\n[Service]\nExecStart=/usr/bin/node /usr/lib/node_modules/clawdbot/dist/index.js gateway\nEnvironment=CLAWDBOT_GATEWAY_TOKEN=old-tok\n");
    fx.write(
        &format!("{u}/openclaw-node.service"),
        "[Service]\nExecStart=/usr/bin/openclaw node\n",
    );
    fx.write(
        &format!("{u}/unrelated.service"),
        "[Service]\nEnvironment=OPENCLAW_GATEWAY_TOKEN=x\n",
    );
    fx.write(
        "/usr/lib/node_modules/clawdbot/package.json",
        r#"{"name":"clawdbot","version":"2026.1.24-3"}"#,
    );
    // A system-wide unit under the sysroot that serves this state dir by OPENCLAW_STATE_DIR.
    let state = fx.state.display().to_string();
    fx.write(
        "/etc/systemd/system/openclaw.service",
        format!("[Service]\nExecStart=/usr/bin/openclaw gateway\nEnvironment=OPENCLAW_STATE_DIR={state}/ OPENCLAW_GATEWAY_TOKEN=sys-tok\n"),
    );
    let f = fx.collect();
    let names: Vec<String> = f
        .services
        .iter()
        .map(|s| s.path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "openclaw-gateway-work.service",
            "openclaw.service",
            "openclaw-gateway.service",
            "clawdbot-gateway.service"
        ]
    );
    let legacy = &f.services[3];
    assert!(legacy.legacy);
    assert_eq!(legacy.package_version, Some(v("2026.1.24-3")));
    assert_eq!(legacy.version, Some(v("2026.1.24-3")));
    let values: Vec<String> = tokens(&fx, &f).into_iter().map(|t| t.3).collect();
    assert_eq!(values, ["work-tok", "sys-tok"]);
    // A clawdbot package is not an installed OpenClaw.
    assert!(
        f.installed_packages.is_empty(),
        "{:?}",
        f.installed_packages
    );
}

#[cfg(unix)]
#[test]
fn masked_unit_is_reported_not_read() {
    let fx = Fx::new();
    let p = fx.path(&format!(".config/systemd/user/{UNIT}"));
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink("/dev/null", &p).unwrap();
    let f = fx.collect();
    assert!(f.services.is_empty());
    assert_eq!(f.problems.len(), 1, "{:?}", f.problems);
    assert_eq!(f.problems[0].kind, ProblemKind::NotRegularFile);
    assert!(f.problems[0].detail.contains("masked"));
}

fn plist(env: &str, args: &[&str], extra: &str) -> String {
    let args: String = args
        .iter()
        .map(|a| format!("\n      <string>{a}</string>"))
        .collect();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
  <dict>
    <key>Label</key>
    <string>ai.openclaw.gateway</string>
    <key>Comment</key>
    <string>OpenClaw Gateway (v2026.3.2)</string>
    <key>RunAtLoad</key>
    <true/>
    <key>ProgramArguments</key>
    <array>{args}
    </array>{extra}
    <key>EnvironmentVariables</key>
    <dict>{env}
    </dict>
  </dict>
</plist>
"#
    )
}

#[test]
fn launchd_plist_environment_and_program_arguments() {
    let fx = Fx::new();
    let pkg = fx.package(".npm-global/lib/node_modules/openclaw", "2026.3.2");
    let script = fx
        .home
        .join(".npm-global/lib/node_modules/openclaw/dist/index.js");
    let script = script.display().to_string();
    let env = "\n      <key>OPENCLAW_GATEWAY_TOKEN</key>\n      <string>plist&amp;tok</string>\n      <key>OPENCLAW_STATE_DIR</key>\n      <string>~/.openclaw</string>";
    let path = fx.write(
        "Library/LaunchAgents/ai.openclaw.gateway.plist",
        plist(
            env,
            &[
                "/opt/homebrew/bin/node",
                &script,
                "gateway",
                "--password",
                "pw-arg",
            ],
            "",
        ),
    );
    // Other labels: a node host is skipped, a legacy gateway is listed.
    fx.write(
        "Library/LaunchAgents/ai.openclaw.node.plist",
        plist("", &["/usr/bin/node", "x.js", "node", "run"], "")
            .replace("ai.openclaw.gateway", "ai.openclaw.node"),
    );
    fx.write(
        "Library/LaunchAgents/com.clawdbot.gateway.plist",
        plist("", &["/usr/bin/node", "x.js", "gateway"], "")
            .replace("ai.openclaw.gateway", "com.clawdbot.gateway"),
    );
    fx.write("Library/LaunchAgents/ai.openclaw.bin.plist", "bplist00\0\0");
    let f = fx.collect();
    assert_eq!(f.services.len(), 2, "{:?}", f.services);
    let s = &f.services[0];
    assert_eq!(
        (s.kind, s.path.as_path()),
        (ServiceKind::Launchd, path.as_path())
    );
    assert_eq!(
        s.description.as_deref(),
        Some("OpenClaw Gateway (v2026.3.2)")
    );
    assert_eq!(s.version, Some(v("2026.3.2")));
    assert_eq!(s.package_json.as_deref(), Some(pkg.as_path()));
    assert_eq!(
        s.exec_start.as_deref(),
        Some(format!("/opt/homebrew/bin/node {script} gateway --password <redacted>").as_str())
    );
    assert_eq!(
        s.environment.get("OPENCLAW_STATE_DIR").map(String::as_str),
        Some("~/.openclaw")
    );
    assert!(f.services[1].legacy);
    let p = "/home/Library/LaunchAgents/ai.openclaw.gateway.plist";
    use TokenSourceKind::LaunchdPlist;
    assert_eq!(
        tokens(&fx, &f),
        [
            tok(
                LaunchdPlist,
                "OPENCLAW_GATEWAY_TOKEN",
                &format!("{p}:22"),
                "plist&tok"
            ),
            tok(LaunchdPlist, "--password", &format!("{p}:17"), "pw-arg"),
        ]
    );
    assert_eq!(f.token_sources[1].credential, CredentialKind::Password);
    assert_eq!(f.installed_packages, [(pkg, v("2026.3.2"))]);
    assert_eq!(f.problems.len(), 1, "{:?}", f.problems);
    assert_eq!(f.problems[0].kind, ProblemKind::WrongType);
    assert!(f.problems[0].path.ends_with("ai.openclaw.bin.plist"));
}

#[test]
fn launchd_env_wrapper_file_wins() {
    let mut fx = Fx::new();
    fx.profile = Some("lab".into());
    let envf = fx.write(
        ".openclaw/service-env/ai.openclaw.lab.env",
        "export OPENCLAW_GATEWAY_TOKEN='wrap'\\''tok'\nexport OPENCLAW_PROFILE='lab'\n",
    );
    let wrapper = fx
        .home
        .join(".openclaw/service-env/ai.openclaw.lab-env-wrapper.sh")
        .display()
        .to_string();
    let env = "\n      <key>OPENCLAW_GATEWAY_TOKEN</key>\n      <string>inline-tok</string>";
    let envf_s = envf.display().to_string();
    fx.write(
        "Library/LaunchAgents/ai.openclaw.lab.plist",
        plist(
            env,
            &[
                "/bin/sh",
                &wrapper,
                &envf_s,
                "/usr/bin/node",
                "/x.js",
                "gateway",
            ],
            "",
        )
        .replace("ai.openclaw.gateway", "ai.openclaw.lab"),
    );
    let f = fx.collect();
    assert_eq!(f.services.len(), 1);
    assert_eq!(
        f.services[0]
            .environment
            .get("OPENCLAW_PROFILE")
            .map(String::as_str),
        Some("lab")
    );
    assert_eq!(
        tokens(&fx, &f),
        [tok(
            TokenSourceKind::LaunchdPlist,
            "OPENCLAW_GATEWAY_TOKEN",
            "/home/.openclaw/service-env/ai.openclaw.lab.env:1",
            "wrap'tok"
        )]
    );
}

#[test]
fn windows_task_scripts() {
    let fx = Fx::new();
    let text = "@echo off\r\nrem OpenClaw Gateway (v2026.2.19)\r\ncd /d \"C:\\Users\\me\"\r\nset \"OPENCLAW_GATEWAY_TOKEN=cmd^!tok\"\r\nset openclaw_gateway_password=cmd-pw\r\nset OPENCLAW_STATE_DIR=C:\\Users\\me\\.openclaw\r\n\"C:\\Program Files\\nodejs\\node.exe\" C:\\Users\\me\\AppData\\Roaming\\npm\\node_modules\\openclaw\\dist\\index.js gateway --port 18789 --token %OPENCLAW_GATEWAY_TOKEN% < NUL\r\n";
    fx.write(".openclaw/gateway.cmd", text);
    let pkg = fx.package("AppData/Roaming/npm/node_modules/openclaw", "2026.2.19");
    // Another profile's script is listed without tokens; written as UTF-16LE with a BOM.
    let other =
        "@echo off\r\nset OPENCLAW_GATEWAY_TOKEN=other-tok\r\nnode C:\\x\\index.js gateway\r\n";
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(other.encode_utf16().flat_map(u16::to_le_bytes));
    fx.write(".openclaw-dev/gateway.cmd", utf16);
    let f = fx.collect();
    assert_eq!(f.services.len(), 2);
    let s = &f.services[0];
    assert_eq!(s.kind, ServiceKind::WindowsTask);
    assert_eq!(s.version, Some(v("2026.2.19")));
    assert_eq!(s.package_json.as_deref(), Some(pkg.as_path()));
    assert_eq!(
        s.environment.get("OPENCLAW_STATE_DIR").map(String::as_str),
        Some("C:\\Users\\me\\.openclaw")
    );
    assert!(
        s.exec_start
            .as_deref()
            .unwrap()
            .ends_with("gateway --port 18789 --token <redacted>")
    );
    assert!(f.services[1].path.ends_with(".openclaw-dev/gateway.cmd"));
    assert_eq!(
        f.services[1].exec_start.as_deref(),
        Some("node C:\\x\\index.js gateway")
    );
    let p = "/home/.openclaw/gateway.cmd";
    use TokenSourceKind::WindowsTask;
    assert_eq!(
        tokens(&fx, &f),
        [
            tok(
                WindowsTask,
                "OPENCLAW_GATEWAY_PASSWORD",
                &format!("{p}:5"),
                "cmd-pw"
            ),
            tok(
                WindowsTask,
                "OPENCLAW_GATEWAY_TOKEN",
                &format!("{p}:4"),
                "cmd!tok"
            ),
            tok(
                WindowsTask,
                "--token",
                &format!("{p}:7"),
                "${OPENCLAW_GATEWAY_TOKEN}"
            ),
        ]
    );
}

#[test]
fn global_install_roots_including_globs() {
    let fx = Fx::new();
    let want = [
        fx.package("/usr/lib/node_modules/openclaw", "2026.7.35"),
        fx.package("/usr/local/lib/node_modules/openclaw", "2026.8.1"),
        fx.package(
            "/opt/homebrew/lib/node_modules/openclaw",
            "2026.4.12-beta.1",
        ),
        fx.package(".npm-global/lib/node_modules/openclaw", "2026.9.1"),
        fx.package(
            ".local/share/pnpm/global/5/node_modules/openclaw",
            "2026.9.2",
        ),
        fx.package(
            ".nvm/versions/node/v20.11.0/lib/node_modules/openclaw",
            "2026.9.3",
        ),
        fx.package(
            ".nvm/versions/node/v22.3.0/lib/node_modules/openclaw",
            "2026.9.4",
        ),
        fx.package(".bun/install/global/node_modules/openclaw", "2026.9.5"),
        fx.package(
            ".volta/tools/image/packages/openclaw/lib/node_modules/openclaw",
            "2026.9.6",
        ),
    ];
    // Not OpenClaw, broken, or in no known root: not listed.
    fx.write(
        ".nvm/versions/node/v18.0.0/lib/node_modules/openclaw/package.json",
        r#"{"name":"not-openclaw","version":"2026.1.1"}"#,
    );
    fx.write(
        ".local/share/pnpm/global/4/node_modules/openclaw/package.json",
        "{oops",
    );
    fx.package("/srv/node_modules/openclaw", "2026.1.1");
    // The service-referenced package comes first even though its root is listed later.
    fx.write(&format!(".config/systemd/user/{UNIT}"), format!("[Service]\nExecStart=/usr/bin/node {}/.bun/install/global/node_modules/openclaw/dist/index.js gateway\n", fx.home.display()));
    let f = fx.collect();
    let got: Vec<(PathBuf, String)> = f
        .installed_packages
        .iter()
        .map(|(p, v)| (p.clone(), v.to_string()))
        .collect();
    let mut expected: Vec<(PathBuf, String)> = Vec::new();
    let versions = [
        "2026.7.35",
        "2026.8.1",
        "2026.4.12-beta.1",
        "2026.9.1",
        "2026.9.2",
        "2026.9.3",
        "2026.9.4",
        "2026.9.5",
        "2026.9.6",
    ];
    expected.push((want[7].clone(), "2026.9.5".into()));
    for (p, v) in want.iter().zip(versions) {
        if v != "2026.9.5" {
            expected.push((p.clone(), v.into()));
        }
    }
    assert_eq!(got, expected);
    assert_eq!(f.problems.len(), 1, "{:?}", f.problems);
    assert_eq!(f.problems[0].kind, ProblemKind::NotJson);
}

#[cfg(unix)]
#[test]
fn fifo_where_a_file_is_expected_does_not_block() {
    let fx = Fx::new();
    let fifo = fx.state.join(".env");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(status.success());
    let unit_dir = fx.path(".config/systemd/user");
    fs::create_dir_all(&unit_dir).unwrap();
    assert!(
        std::process::Command::new("mkfifo")
            .arg(unit_dir.join(UNIT))
            .status()
            .unwrap()
            .success()
    );
    let (tx, rx) = std::sync::mpsc::channel();
    let (home, state, cwd, sys) = (
        fx.home.clone(),
        fx.state.clone(),
        fx.cwd.clone(),
        fx.sys.clone(),
    );
    std::thread::spawn(move || {
        let env = BTreeMap::new();
        let f = collect(&SourceInputs {
            home: Some(&home),
            state_dir: &state,
            cwd: &cwd,
            process_env: &env,
            profile: None,
            sysroot: &sys,
        });
        let _ = tx.send(f);
    });
    let f = rx
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("collect blocked on a FIFO");
    let kinds: Vec<(String, ProblemKind)> = f
        .problems
        .iter()
        .map(|p| (p.path.clone(), p.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            (fifo.display().to_string(), ProblemKind::NotRegularFile),
            (
                unit_dir.join(UNIT).display().to_string(),
                ProblemKind::NotRegularFile
            ),
        ]
    );
    assert!(
        f.problems[0].detail.contains("FIFO"),
        "{}",
        f.problems[0].detail
    );
    assert!(f.services.is_empty());
}

#[test]
fn directories_where_files_are_expected() {
    let fx = Fx::new();
    fs::create_dir_all(fx.state.join(".env")).unwrap();
    fs::create_dir_all(fx.state.join("gateway.cmd")).unwrap();
    fs::create_dir_all(fx.path(&format!(".config/systemd/user/{UNIT}"))).unwrap();
    fs::create_dir_all(fx.path("/usr/lib/node_modules/openclaw/package.json")).unwrap();
    let f = fx.collect();
    let mut paths: Vec<String> = f.problems.iter().map(|p| p.path.clone()).collect();
    paths.sort();
    let mut want: Vec<String> = [
        fx.state.join(".env"),
        fx.state.join("gateway.cmd"),
        fx.path(&format!(".config/systemd/user/{UNIT}")),
        fx.path("/usr/lib/node_modules/openclaw/package.json"),
    ]
    .iter()
    .map(|p| p.display().to_string())
    .collect();
    want.sort();
    assert_eq!(paths, want);
    assert!(
        f.problems
            .iter()
            .all(|p| p.kind == ProblemKind::NotRegularFile)
    );
}

#[test]
fn files_over_one_mib_are_skipped() {
    let fx = Fx::new();
    let mut big = String::from("OPENCLAW_GATEWAY_TOKEN=big-tok\n");
    big.push_str(&"# padding padding padding padding\n".repeat(2 * 1024 * 1024 / 34));
    assert!(big.len() >= 2 * 1024 * 1024 - 64);
    fx.write(".openclaw/.env", &big);
    fx.write(
        &format!(".config/systemd/user/{UNIT}"),
        format!("[Service]\nEnvironment=OPENCLAW_GATEWAY_TOKEN=x\n{big}"),
    );
    let f = fx.collect();
    assert!(f.token_sources.is_empty());
    assert!(f.services.is_empty());
    assert_eq!(f.problems.len(), 2, "{:?}", f.problems);
    assert!(f.problems.iter().all(|p| p.kind == ProblemKind::TooLarge));
    assert!(f.problems[0].path.ends_with(".env"));
}

#[cfg(unix)]
#[test]
fn unreadable_files_are_problems_with_the_path() {
    use std::os::unix::fs::PermissionsExt;
    let fx = Fx::new();
    let p = fx.write(".openclaw/.env", "OPENCLAW_GATEWAY_TOKEN=t\n");
    fs::set_permissions(&p, fs::Permissions::from_mode(0o000)).unwrap();
    if fs::File::open(&p).is_ok() {
        eprintln!("running with privileges that ignore file modes; skipping");
        return;
    }
    let f = fx.collect();
    assert!(f.token_sources.is_empty());
    assert_eq!(f.problems.len(), 1);
    assert_eq!(
        (f.problems[0].path.as_str(), f.problems[0].kind),
        (p.display().to_string().as_str(), ProblemKind::Unreadable)
    );
}

#[test]
fn odd_bytes_never_panic() {
    let fx = Fx::new();
    let junk: Vec<u8> = (0..=255u8).cycle().take(5000).collect();
    for rel in [
        ".openclaw/.env".to_string(),
        "work/.env".into(),
        ".openclaw/gateway.cmd".into(),
        format!(".config/systemd/user/{UNIT}"),
        format!(".config/systemd/user/{UNIT}.d/x.conf"),
        "Library/LaunchAgents/ai.openclaw.gateway.plist".into(),
        "/usr/lib/node_modules/openclaw/package.json".into(),
    ] {
        fx.write(&rel, &junk);
    }
    let f = fx.collect();
    let _ = serde_json::to_string(&f).unwrap();
}

const CANARIES: [&str; 12] = [
    "canary-process-0123456789abcdef",
    "canary-cwd-0123456789abcdef",
    "canary-state-0123456789abcdef",
    "canary-gwenv-0123456789abcdef",
    "canary-unit-0123456789abcdef",
    "canary-exec-0123456789abcdef",
    "canary-dropin-0123456789abcdef",
    "canary-envfile-0123456789abcdef",
    "canary-plist-0123456789abcdef",
    "canary-plistarg-0123456789abcdef",
    "canary-cmd-0123456789abcdef",
    "canary-sh-0123456789abcdef",
];

#[test]
fn no_credential_value_in_debug_or_serde_output() {
    let mut fx = Fx::new();
    let c = CANARIES;
    fx.env.insert("OPENCLAW_GATEWAY_TOKEN".into(), c[0].into());
    fx.write("work/.env", format!("OPENCLAW_GATEWAY_TOKEN={}\n", c[1]));
    fx.write(
        ".openclaw/.env",
        format!("OPENCLAW_GATEWAY_PASSWORD='{}'\n", c[2]),
    );
    fx.write(
        ".config/openclaw/gateway.env",
        format!("CLAWDBOT_GATEWAY_TOKEN={}\n", c[3]),
    );
    fx.write(
        &format!(".config/systemd/user/{UNIT}"),
        format!(
            "[Service]\nEnvironment=\"OPENCLAW_GATEWAY_TOKEN={}\"\nExecStart=/usr/bin/node /x/index.js gateway --token \"{}\"\nEnvironmentFile=%h/gw.env\n",
            c[4], c[5]
        ),
    );
    fx.write(
        &format!(".config/systemd/user/{UNIT}.d/o.conf"),
        format!(
            "[Service]\nEnvironment=OPENCLAW_GATEWAY_PASSWORD={}\n",
            c[6]
        ),
    );
    fx.write("gw.env", format!("CLAWDBOT_GATEWAY_TOKEN={}\n", c[7]));
    let env = format!(
        "\n      <key>OPENCLAW_GATEWAY_TOKEN</key>\n      <string>{}</string>",
        c[8]
    );
    fx.write(
        "Library/LaunchAgents/ai.openclaw.gateway.plist",
        plist(
            &env,
            &[
                "/usr/bin/node",
                "/x.js",
                "gateway",
                &format!("--token={}", c[9]),
            ],
            "",
        ),
    );
    fx.write(
        ".openclaw/gateway.cmd",
        format!("@echo off\r\nset \"OPENCLAW_GATEWAY_TOKEN={}\"\r\n/bin/sh -c \"OPENCLAW_GATEWAY_TOKEN={} exec node /x.js gateway\"\r\n", c[10], c[11]),
    );
    let f = fx.collect();
    let mut exposed: Vec<&str> = f
        .token_sources
        .iter()
        .filter_map(|t| t.value.literal())
        .map(|s| s.expose())
        .collect();
    exposed.sort();
    let mut all = CANARIES.to_vec();
    all.sort();
    assert_eq!(exposed, all, "every canary is collected as a secret");
    let debug = format!("{f:?}");
    let json = serde_json::to_string(&f).unwrap();
    let pretty = serde_json::to_string_pretty(&f).unwrap();
    for canary in CANARIES {
        for (what, text) in [("Debug", &debug), ("JSON", &json), ("pretty JSON", &pretty)] {
            assert!(!text.contains(canary), "{what} output contains {canary}");
            // Not even a recognisable part of it.
            assert!(
                !text.contains(&canary[..16]),
                "{what} output contains part of {canary}"
            );
        }
    }
    assert!(debug.contains("<redacted>") && json.contains("<redacted>"));
}

#[test]
fn output_is_deterministic() {
    let fx = Fx::new();
    for i in 0..5 {
        fx.write(
            &format!(".config/systemd/user/openclaw-gateway-p{i}.service"),
            format!("[Service]\nEnvironment=OPENCLAW_STATE_DIR=/s{i}\n"),
        );
        fx.package(
            &format!(".nvm/versions/node/v{i}.0.0/lib/node_modules/openclaw"),
            &format!("2026.{}.0", i + 1),
        );
    }
    let a = serde_json::to_string(&fx.collect()).unwrap();
    let b = serde_json::to_string(&fx.collect()).unwrap();
    assert_eq!(a, b);
    let f = fx.collect();
    let names: Vec<String> = f
        .services
        .iter()
        .map(|s| s.path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
}

#[test]
fn service_names_and_descriptions() {
    for (name, want) in [
        ("openclaw-gateway.service", true),
        ("openclaw-gateway-work.service", true),
        ("openclaw.service", true),
        ("clawdbot-gateway.service", true),
        ("openclaw-node.service", false),
        ("clawdbot-node.service", false),
        ("openclaw-gateway.service.bak", false),
        ("other.service", false),
    ] {
        assert_eq!(is_systemd_gateway_unit(name), want, "{name}");
    }
    let d = |s: &str| version_from_description(s).map(|v| v.to_string());
    assert_eq!(
        d("OpenClaw Gateway (v2026.9.6)").as_deref(),
        Some("2026.9.6")
    );
    assert_eq!(
        d("OpenClaw Gateway (profile: 2026.1.1x, v2026.9.6)").as_deref(),
        Some("2026.9.6")
    );
    assert_eq!(
        d("Clawdbot Gateway (v2026.1.24-3)").as_deref(),
        Some("2026.1.24-3")
    );
    assert_eq!(
        d("OpenClaw Gateway v2026.2.19").as_deref(),
        Some("2026.2.19")
    );
    assert_eq!(d("OpenClaw Gateway (profile: work)"), None);
    assert_eq!(d("OpenClaw Gateway"), None);
}
