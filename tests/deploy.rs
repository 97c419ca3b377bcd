//! The deployment files (issue 18 §5) hold together with the real binary:
//! the systemd unit's command line starts a relay that answers, the
//! Dockerfile's command and health check run against a real relay, compose
//! names two relays, PostgreSQL and nginx, nginx carries a real tunnel, every
//! relay flag they use exists, and where docker runs, the image builds and
//! turns healthy. Tools this machine may lack (docker, nginx, systemd-analyze,
//! ldd, bash) make their test say `skipped:` and return, or fail under
//! `CI=true`, where .ci/run installs them (docker alone only ever skips: no
//! daemon runs on a CI machine).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Parser;
use serde_yaml_ng::Value;

use crate::common::{hookcli, run_within};

const UNIT: &str = include_str!("../deploy/hookcli-relay.service");
const DOCKERFILE: &str = include_str!("../Dockerfile");
const DOCKERIGNORE: &str = include_str!("../.dockerignore");
const COMPOSE: &str = include_str!("../deploy/compose.yaml");
const NGINX: &str = include_str!("../deploy/nginx.conf");
const ENV_EXAMPLE: &str = include_str!("../deploy/relay.env.example");
const README: &str = include_str!("../README.md");

/// Long enough for the relay's minimum; what the env example leaves empty.
const TOKEN: &str = "deploy-test-token-5c1e9a7f3b2d8046";

// ---------------------------------------------------------------------------
// Reading the files

/// The unit's `(section, key, value)` entries in order; a key may repeat.
fn unit_entries() -> Vec<(String, String, String)> {
    let mut section = String::new();
    let mut out = Vec::new();
    for line in UNIT.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.to_string();
            continue;
        }
        let (key, value) = line
            .split_once('=')
            .unwrap_or_else(|| panic!("not KEY=VALUE in the unit: {line:?}"));
        assert!(!section.is_empty(), "{line:?} comes before any [section]");
        out.push((section.clone(), key.trim().into(), value.trim().into()));
    }
    out
}

/// Every value of `key` in `[section]`.
fn unit_values(section: &str, key: &str) -> Vec<String> {
    unit_entries()
        .into_iter()
        .filter(|(s, k, _)| s == section && k == key)
        .map(|(_, _, v)| v)
        .collect()
}

/// The one value of `key` in `[section]`.
fn unit_value(section: &str, key: &str) -> String {
    let values = unit_values(section, key);
    assert_eq!(values.len(), 1, "[{section}] {key}= once: {values:?}");
    values[0].clone()
}

/// The unit's ExecStart after the binary, as words (it uses no quoting).
fn unit_command() -> Vec<String> {
    let exec = unit_value("Service", "ExecStart");
    let mut words: Vec<String> = exec.split_whitespace().map(String::from).collect();
    assert_eq!(words.remove(0), "/usr/local/bin/hookcli", "{exec}");
    words
}

/// The value after `flag` in `args`.
fn value_of<'a>(args: &'a [String], flag: &str) -> Option<&'a str> {
    let i = args.iter().position(|a| a == flag)?;
    args.get(i + 1).map(String::as_str)
}

/// The env example's `KEY=VALUE` lines, as systemd's EnvironmentFile and
/// compose's env_file read them.
fn env_example() -> Vec<(String, String)> {
    ENV_EXAMPLE
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (k, v) = l.split_once('=').unwrap_or_else(|| panic!("{l:?}"));
            (k.to_string(), v.to_string())
        })
        .collect()
}

fn env_value(key: &str) -> String {
    env_example()
        .into_iter()
        .find(|(k, _)| k == key)
        .unwrap_or_else(|| panic!("relay.env.example sets no {key}"))
        .1
}

/// The Dockerfile's instructions, continued lines joined: (KEYWORD, rest).
fn docker_instructions() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut pending = String::new();
    for line in DOCKERFILE.lines().map(str::trim) {
        if pending.is_empty() && (line.is_empty() || line.starts_with('#')) {
            continue;
        }
        if let Some(head) = line.strip_suffix('\\') {
            pending.push_str(head);
            pending.push(' ');
            continue;
        }
        pending.push_str(line);
        let full = std::mem::take(&mut pending);
        let (keyword, rest) = full.split_once(' ').unwrap_or((&full, ""));
        out.push((keyword.to_ascii_uppercase(), rest.trim().to_string()));
    }
    out
}

/// The instructions of the last stage, the image that runs.
fn runtime_stage() -> Vec<(String, String)> {
    let all = docker_instructions();
    let last = all.iter().rposition(|(k, _)| k == "FROM").expect("a FROM");
    all[last..].to_vec()
}

/// The rest of the one `keyword` instruction of the runtime stage.
fn runtime(keyword: &str) -> String {
    let found: Vec<String> = runtime_stage()
        .into_iter()
        .filter(|(k, _)| k == keyword)
        .map(|(_, r)| r)
        .collect();
    assert_eq!(found.len(), 1, "one {keyword} in the runtime stage");
    found[0].clone()
}

/// An exec-form (JSON array) argument list.
fn exec_form(rest: &str) -> Vec<String> {
    serde_json::from_str(rest).unwrap_or_else(|e| panic!("not a JSON array ({e}): {rest}"))
}

/// The image's default command, after the ENTRYPOINT `hookcli`.
fn docker_command() -> Vec<String> {
    exec_form(&runtime("CMD"))
}

/// The health check's command, in exec form.
fn docker_health_check() -> Vec<String> {
    let rest = runtime("HEALTHCHECK");
    let (_, cmd) = rest.split_once("CMD ").expect("HEALTHCHECK ... CMD [...]");
    exec_form(cmd)
}

fn compose() -> Value {
    serde_yaml_ng::from_str(COMPOSE).expect("deploy/compose.yaml is YAML")
}

/// Compose's services by name.
fn services(doc: &Value) -> Vec<(String, Value)> {
    doc["services"]
        .as_mapping()
        .expect("a services mapping")
        .iter()
        .map(|(k, v)| (k.as_str().expect("service name").to_string(), v.clone()))
        .collect()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_sequence()
        .unwrap_or_else(|| panic!("not a list: {v:?}"))
        .iter()
        .map(|s| s.as_str().expect("a string").to_string())
        .collect()
}

/// The services that run `hookcli relay`, with their arguments.
fn relay_services(doc: &Value) -> Vec<(String, Vec<String>)> {
    services(doc)
        .into_iter()
        .filter(|(_, s)| s["command"].as_sequence().is_some())
        .map(|(name, s)| (name, strings(&s["command"])))
        .filter(|(_, cmd)| cmd.first().is_some_and(|c| c == "relay"))
        .collect()
}

/// The one service whose image starts with `prefix`.
fn service_with_image(doc: &Value, prefix: &str) -> (String, Value) {
    let found: Vec<_> = services(doc)
        .into_iter()
        .filter(|(_, s)| s["image"].as_str().is_some_and(|i| i.starts_with(prefix)))
        .collect();
    assert_eq!(found.len(), 1, "one service on {prefix}");
    found[0].clone()
}

// ---------------------------------------------------------------------------
// Running things

/// A real `hookcli` child, its output collected; killed on Drop.
struct Running {
    child: std::process::Child,
    banner: String,
    stdout: Arc<Mutex<Vec<u8>>>,
    stderr: Arc<Mutex<Vec<u8>>>,
}

impl Running {
    /// `hookcli ARGS` with only `envs` (and PATH) in its environment, as a
    /// service manager starts it; returns when the banner line is out.
    fn start(args: &[String], envs: &[(String, String)]) -> Running {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_hookcli"));
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOOKCLI_CONFIG", "")
            .envs(envs.iter().map(|(k, v)| (k, v)))
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("start hookcli");
        let collected = crate::common::collect(&mut child);
        let banner = collected.first_line.recv_timeout(Duration::from_secs(20));
        let mut running = Running {
            child,
            banner: String::new(),
            stdout: collected.stdout,
            stderr: collected.stderr,
        };
        match banner {
            Ok(line) => running.banner = line,
            Err(_) => {
                let _ = running.child.kill();
                let status = running.child.wait();
                panic!(
                    "hookcli {args:?} printed no banner ({status:?})\n{}",
                    running.stderr()
                );
            }
        }
        running
    }

    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.stderr.lock().unwrap()).into_owned()
    }

    /// The stdout line that contains `needle`, waiting up to 10 s for it.
    fn line_with(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let out = String::from_utf8_lossy(&self.stdout.lock().unwrap()).into_owned();
            if let Some(line) = out.lines().find(|l| l.contains(needle)) {
                return line.trim().to_string();
            }
            assert!(
                Instant::now() < deadline,
                "no {needle:?} in stdout:\n{out}\n{}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The address of the relay's banner, `hookcli relay listening on SCHEME://ADDR`.
    fn relay_url(&self) -> String {
        self.banner
            .strip_prefix("hookcli relay listening on ")
            .unwrap_or_else(|| panic!("unexpected relay banner {:?}", self.banner))
            .to_string()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether `program` runs here at all (`program ARGS` exits, whatever its status).
fn exists(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

fn runtime_rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("test runtime")
}

/// A fresh certificate for 127.0.0.1 and its key, as PEM.
fn certificate() -> (String, String) {
    let key = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into()]).unwrap();
    (key.cert.pem(), key.signing_key.serialize_pem())
}

/// The flags `hookcli relay --help` lists as its options.
fn relay_help_flags() -> Vec<String> {
    let out = Command::new(env!("CARGO_BIN_EXE_hookcli"))
        .args(["relay", "--help"])
        .output()
        .expect("run hookcli relay --help");
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with('-'))
        .flat_map(|l| {
            l.split_whitespace()
                .take_while(|w| w.starts_with('-'))
                .map(|w| w.trim_end_matches(',').to_string())
                .collect::<Vec<_>>()
        })
        .collect()
}

// ---------------------------------------------------------------------------
// The systemd unit

#[test]
fn the_systemd_unit_is_hardened_and_reads_secrets_from_its_environment_file() {
    for (key, want) in [
        ("NoNewPrivileges", "yes"),
        ("ProtectSystem", "strict"),
        ("AmbientCapabilities", "CAP_NET_BIND_SERVICE"),
        ("CapabilityBoundingSet", "CAP_NET_BIND_SERVICE"),
        ("Restart", "on-failure"),
        ("StateDirectory", "hookcli-relay"),
    ] {
        assert_eq!(unit_value("Service", key), want, "[Service] {key}");
    }
    assert_ne!(unit_value("Service", "User"), "root");
    assert!(unit_value("Service", "EnvironmentFile").starts_with("/etc/"));
    assert_eq!(unit_value("Install", "WantedBy"), "multi-user.target");
    assert!(unit_value("Unit", "After").contains("network-online.target"));

    let args = unit_command();
    assert_eq!(args[0], "relay");
    assert_eq!(value_of(&args, "--bind"), Some("0.0.0.0:443"));
    // The buffer lives where systemd makes the state directory.
    assert_eq!(
        value_of(&args, "--buffer").map(String::from),
        Some(format!(
            "/var/lib/{}",
            unit_value("Service", "StateDirectory")
        ))
    );
    // Each credential the command names is loaded: `%d/NAME` needs LoadCredential=NAME:...
    let loaded: Vec<String> = unit_values("Service", "LoadCredential")
        .iter()
        .map(|c| c.split(':').next().unwrap().to_string())
        .collect();
    for flag in ["--tls-cert", "--tls-key"] {
        let name = value_of(&args, flag)
            .and_then(|v| v.strip_prefix("%d/"))
            .unwrap_or_else(|| panic!("{flag} names a credential: {args:?}"));
        assert!(loaded.iter().any(|l| l == name), "{name} not in {loaded:?}");
    }
}

/// systemd itself reads the unit (with the binary it would start pointed at
/// the one under test): no unknown key, no bad value.
#[test]
fn systemd_analyze_finds_nothing_wrong_in_the_unit() {
    if !exists("systemd-analyze", &["--version"]) {
        crate::common::skip_unless_ci("no systemd-analyze here to verify the unit with");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let unit = dir.path().join("hookcli-relay.service");
    std::fs::write(
        &unit,
        UNIT.replace("/usr/local/bin/hookcli", env!("CARGO_BIN_EXE_hookcli")),
    )
    .unwrap();
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&unit)
        .output()
        .expect("run systemd-analyze verify");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{said}");
    // Unknown keys are only warnings, each naming the file: none may appear.
    assert!(!said.contains("hookcli-relay.service"), "{said}");
}

/// The unit's command line, with what needs this host pointed at temporary
/// files: the credentials `%d/NAME` (a fresh certificate and key), the state
/// directory, and 127.0.0.1:0 for every address.
fn unit_command_here(creds: &Path, state: &Path) -> Vec<String> {
    let (cert, key) = certificate();
    let args = unit_command();
    let state_dir = format!("/var/lib/{}", unit_value("Service", "StateDirectory"));
    let mut out = Vec::new();
    for (i, word) in args.iter().enumerate() {
        let prev = if i > 0 { args[i - 1].as_str() } else { "" };
        let word = match word.strip_prefix("%d/") {
            _ if prev == "--bind" || prev == "--metrics-bind" => "127.0.0.1:0".to_string(),
            Some(name) => {
                let pem = if prev == "--tls-key" { &key } else { &cert };
                std::fs::write(creds.join(name), pem).unwrap();
                creds.join(name).display().to_string()
            }
            None if *word == state_dir => state.display().to_string(),
            None => word.clone(),
        };
        out.push(word);
    }
    out
}

/// The env example as systemd on one host reads it: without the PostgreSQL
/// lines, as its comment says.
fn unit_environment() -> Vec<(String, String)> {
    env_example()
        .into_iter()
        .filter(|(k, _)| k != "POSTGRES_PASSWORD" && k != "HOOKCLI_RELAY_DATABASE_URL")
        .collect()
}

#[test]
fn the_systemd_units_command_line_starts_a_relay_that_buffers_in_its_state_directory() {
    let dir = tempfile::tempdir().unwrap();
    let (creds, state) = (dir.path().join("creds"), dir.path().join("state"));
    std::fs::create_dir_all(&creds).unwrap();
    std::fs::create_dir_all(&state).unwrap();
    let args = unit_command_here(&creds, &state);
    let mut envs = unit_environment();
    for (k, v) in &mut envs {
        if k == "HOOKCLI_RELAY_TOKEN" {
            *v = TOKEN.into();
        }
    }
    let relay = Running::start(&args, &envs);
    let url = relay.relay_url();
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    let metrics = relay
        .line_with("metrics at ")
        .trim_start_matches("metrics at ")
        .to_string();

    let cert = std::fs::read(value_of(&args, "--tls-cert").unwrap()).unwrap();
    let https = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .tls_certs_only([reqwest::Certificate::from_pem(&cert).unwrap()])
        .build()
        .unwrap();
    runtime_rt().block_on(async {
        let health = https.get(format!("{url}/healthz")).send().await.unwrap();
        assert_eq!(health.status(), 200);
        let doc: serde_json::Value = serde_json::from_str(&health.text().await.unwrap()).unwrap();
        assert_eq!(doc["ok"], true, "{doc}");
        // No client attached: the unit's --buffer keeps it and answers 202.
        let posted = https
            .post(format!("{url}/dev/hook"))
            .body("{\"deploy\":1}")
            .send()
            .await
            .unwrap();
        assert_eq!(posted.status(), 202, "{}", relay.stderr());
        let page = https
            .get(&metrics)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("hookcli_relay_deliveries_total{channel=\"dev\",outcome=\"buffered\"} 1"),
            "{page}"
        );
    });
    assert!(
        std::fs::read_dir(&state).unwrap().next().is_some(),
        "the buffer is in the state directory"
    );
    // --log-format json: one JSON object per stderr line.
    let logs = relay.stderr();
    assert!(
        logs.lines()
            .filter(|l| !l.trim().is_empty())
            .all(|l| serde_json::from_str::<serde_json::Value>(l).is_ok()),
        "{logs}"
    );
}

#[test]
fn the_env_example_left_as_it_is_keeps_the_relay_from_starting() {
    assert_eq!(
        env_value("HOOKCLI_RELAY_TOKEN"),
        "",
        "no usable token shipped"
    );
    assert_eq!(
        env_value("POSTGRES_PASSWORD"),
        "",
        "no usable password shipped"
    );
    let dir = tempfile::tempdir().unwrap();
    let (creds, state) = (dir.path().join("creds"), dir.path().join("state"));
    std::fs::create_dir_all(&creds).unwrap();
    let mut cmd = hookcli();
    cmd.args(unit_command_here(&creds, &state));
    for (k, v) in unit_environment() {
        cmd.env(k, v);
    }
    run_within(&mut cmd, Duration::from_secs(20)).assert_error(2, &["needs a token"]);
}

// ---------------------------------------------------------------------------
// The Dockerfile

#[test]
fn the_dockerfile_builds_locked_in_one_stage_and_runs_as_a_user_in_another() {
    let all = docker_instructions();
    let froms: Vec<&str> = all
        .iter()
        .filter(|(k, _)| k == "FROM")
        .map(|(_, r)| r.as_str())
        .collect();
    assert_eq!(froms.len(), 2, "multi-stage: {froms:?}");
    assert!(
        froms[0].starts_with("rust:") && froms[0].ends_with(" AS build"),
        "{froms:?}"
    );
    // The runtime's glibc is the builder's: the same Debian release.
    assert!(froms[0].contains("-bookworm ") && froms[1] == "debian:bookworm-slim");
    assert!(
        all.iter()
            .any(|(k, r)| k == "RUN" && r.contains("cargo build --release --locked")),
        "a locked release build"
    );

    assert!(
        runtime_stage()
            .iter()
            .any(|(k, r)| k == "COPY" && r.starts_with("--from=build "))
    );
    let user = runtime("USER");
    assert!(user != "root" && user != "0", "runs as {user}");
    assert_eq!(exec_form(&runtime("ENTRYPOINT")), ["hookcli"]);
    let cmd = docker_command();
    let mut argv = vec!["hookcli".to_string()];
    argv.extend(cmd.iter().cloned());
    hookcli::cli::Cli::try_parse_from(&argv).unwrap_or_else(|e| panic!("CMD {cmd:?}: {e}"));
    // The port it exposes is the one it binds and the one its health check asks.
    let port = runtime("EXPOSE");
    assert_eq!(
        value_of(&cmd, "--bind"),
        Some(format!("0.0.0.0:{port}").as_str())
    );
    let check = docker_health_check();
    assert_eq!(check[..2], ["bash", "-c"], "{check:?}");
    assert!(
        check[2].contains(&format!("/127.0.0.1/{port} ")),
        "{check:?}"
    );

    for kept_out in ["target", "**/node_modules", ".git"] {
        assert!(
            DOCKERIGNORE.lines().any(|l| l.trim() == kept_out),
            "{kept_out}"
        );
    }
}

/// The image's command starts a relay (here on 127.0.0.1:0, its buffer in a
/// temporary folder), and the health check, run as docker runs it, passes
/// against it and fails once it is gone.
#[test]
fn the_dockerfiles_health_check_passes_against_its_relay_and_fails_without_it() {
    if !exists("bash", &["-c", "true"]) {
        crate::common::skip_unless_ci("no bash here to run the health check with");
        return;
    }
    let buffer = tempfile::tempdir().unwrap();
    let cmd = docker_command();
    let port = runtime("EXPOSE");
    let mut args = cmd.clone();
    for (i, arg) in cmd.iter().enumerate() {
        match (i.checked_sub(1).map(|p| cmd[p].as_str()), arg) {
            (Some("--bind"), _) => args[i] = "127.0.0.1:0".into(),
            (Some("--buffer"), _) => args[i] = buffer.path().display().to_string(),
            _ => {}
        }
    }
    let relay = Running::start(&args, &[("HOOKCLI_RELAY_TOKEN".into(), TOKEN.into())]);
    let url = relay.relay_url();
    let here = url.rsplit(':').next().unwrap().to_string();
    let check = docker_health_check();
    let run_check = || {
        let mut argv: Vec<String> = check.clone();
        argv[2] = argv[2].replace(
            &format!("/127.0.0.1/{port} "),
            &format!("/127.0.0.1/{here} "),
        );
        let mut child = Command::new(&argv[0])
            .args(&argv[1..])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status.success();
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    assert!(
        run_check(),
        "health check against {url}: {}",
        relay.stderr()
    );
    drop(relay);
    assert!(!run_check(), "the health check passes with no relay");
}

/// The runtime image has glibc and nothing else: the binary must need no
/// other library (no OpenSSL, no system SQLite).
#[test]
fn the_binary_needs_no_library_the_slim_image_lacks() {
    let Ok(out) = Command::new("ldd")
        .arg(env!("CARGO_BIN_EXE_hookcli"))
        .output()
    else {
        crate::common::skip_unless_ci("no ldd here to list the binary's libraries");
        return;
    };
    let glibc = [
        "linux-vdso.so",
        "libc.so",
        "libm.so",
        "libgcc_s.so",
        "libdl.so",
        "libpthread.so",
        "librt.so",
        "/lib64/ld-linux",
        "/lib/ld-linux",
    ];
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("libc.so"), "{text}");
    for lib in text.lines().filter_map(|l| l.split_whitespace().next()) {
        assert!(
            glibc.iter().any(|g| lib.starts_with(g)),
            "needs {lib}:\n{text}"
        );
    }
}

/// `docker info` answers within 30 s: a daemon is there to build with.
fn docker_available() -> bool {
    let Ok(mut child) = Command::new("docker")
        .arg("info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    else {
        return false;
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return status.success();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return false;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `docker ARGS`: its stdout, or a panic with all it said.
fn docker(args: &[&str]) -> String {
    let out = Command::new("docker")
        .args(args)
        .env("DOCKER_BUILDKIT", "1")
        .stdin(Stdio::null())
        .output()
        .expect("run docker");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let tail: Vec<&str> = stderr.lines().rev().take(40).collect();
    assert!(
        out.status.success(),
        "docker {args:?} failed:\n{}",
        tail.into_iter().rev().collect::<Vec<_>>().join("\n")
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// What the container wrote, stdout and stderr (where the relay logs).
fn container_logs(name: &str) -> String {
    Command::new("docker")
        .args(["logs", name])
        .output()
        .map(|o| {
            let (out, err) = (o.stdout, o.stderr);
            format!(
                "{}{}",
                String::from_utf8_lossy(&out),
                String::from_utf8_lossy(&err)
            )
        })
        .unwrap_or_default()
}

/// The test's container and image, removed whatever happens.
struct DockerLeftovers {
    tag: String,
    name: String,
}

impl Drop for DockerLeftovers {
    fn drop(&mut self) {
        for args in [["rm", "--force", &self.name], ["rmi", "--force", &self.tag]] {
            let _ = Command::new("docker")
                .args(args)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}

#[test]
fn the_dockerfile_builds_an_image_that_turns_healthy_where_docker_runs() {
    if !docker_available() {
        eprintln!(
            "skipped: docker is not available here (`docker info` failed), so the Dockerfile was not built"
        );
        return;
    }
    let id = std::process::id();
    let leftovers = DockerLeftovers {
        tag: format!("hookcli-deploy-test:{id}"),
        name: format!("hookcli-deploy-test-{id}"),
    };
    let (tag, name) = (leftovers.tag.as_str(), leftovers.name.as_str());
    docker(&["build", "--tag", tag, env!("CARGO_MANIFEST_DIR")]);
    let uid = docker(&["run", "--rm", "--entrypoint", "id", tag, "-u"]);
    assert_ne!(uid, "0", "the image runs as root");
    let version = docker(&["run", "--rm", tag, "--version"]);
    assert!(version.starts_with("hookcli "), "{version}");
    // The image's own command, with a token, until its health check passes.
    let token = format!("HOOKCLI_RELAY_TOKEN={TOKEN}");
    docker(&["run", "--detach", "--name", name, "--env", &token, tag]);
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let state = docker(&[
            "inspect",
            "--format",
            "{{.State.Status}} {{.State.Health.Status}}",
            name,
        ]);
        if state == "running healthy" {
            break;
        }
        assert!(
            matches!(state.as_str(), "created starting" | "running starting")
                && Instant::now() < deadline,
            "the container is {state}:\n{}",
            container_logs(name)
        );
        std::thread::sleep(Duration::from_secs(1));
    }
}

// ---------------------------------------------------------------------------
// Compose and the load balancer

#[test]
fn compose_runs_two_relays_on_postgres_behind_a_load_balancer() {
    let doc = compose();
    let relays = relay_services(&doc);
    assert_eq!(relays.len(), 2, "two relay instances: {relays:?}");
    let (db_name, db) = service_with_image(&doc, "postgres:15");
    let (_, lb) = service_with_image(&doc, "nginx:");
    let lb_address = lb["networks"]["relay"]["ipv4_address"]
        .as_str()
        .expect("nginx at a fixed address");

    for (name, args) in &relays {
        let service = &doc["services"][name.as_str()];
        assert_eq!(service["env_file"].as_str(), Some("relay.env"), "{name}");
        assert_eq!(
            service["depends_on"][db_name.as_str()]["condition"].as_str(),
            Some("service_healthy"),
            "{name} waits for the database"
        );
        // PostgreSQL buffering: --buffer with no folder (the URL is in relay.env).
        let i = args.iter().position(|a| a == "--buffer").expect("--buffer");
        assert!(
            args.get(i + 1).is_none_or(|a| a.starts_with("--")),
            "{args:?}"
        );
        assert_eq!(
            value_of(args, "--trusted-proxy").map(String::from),
            Some(format!("{lb_address}/32")),
            "{name} reads X-Forwarded-For from nginx only"
        );
    }

    assert!(
        db["healthcheck"]["test"].as_sequence().is_some(),
        "db has a health check"
    );
    let volume = strings(&db["volumes"])[0]
        .split(':')
        .next()
        .unwrap()
        .to_string();
    assert!(
        doc["volumes"].get(volume.as_str()).is_some(),
        "named volume {volume}"
    );
    assert!(strings(&lb["volumes"]).contains(&"./nginx.conf:/etc/nginx/nginx.conf:ro".into()));
    assert!(strings(&lb["ports"]).iter().any(|p| p.ends_with(":443")));

    // The database URL in the env example names the db service, its user and database.
    let user = db["environment"]["POSTGRES_USER"].as_str().unwrap();
    let database = db["environment"]["POSTGRES_DB"].as_str().unwrap();
    assert_eq!(
        env_value("HOOKCLI_RELAY_DATABASE_URL"),
        format!("postgres://{user}:PASSWORD@{db_name}/{database}")
    );
}

#[test]
fn nginx_sends_every_relay_deliveries_and_passes_the_tunnel_through() {
    let doc = compose();
    for (name, args) in relay_services(&doc) {
        let port = value_of(&args, "--bind")
            .unwrap()
            .rsplit(':')
            .next()
            .unwrap();
        assert!(NGINX.contains(&format!("server {name}:{port};")), "{name}");
    }
    let connect = format!("location = {} {{", hookcli::relay::server::CONNECT_PATH);
    let block = NGINX
        .split(&connect)
        .nth(1)
        .and_then(|b| b.split('}').next())
        .expect("a location for the clients' connect path");
    for line in [
        "proxy_set_header Upgrade $http_upgrade;",
        "proxy_set_header Connection \"upgrade\";",
        "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
        "proxy_read_timeout 1h;",
        "proxy_send_timeout 1h;",
    ] {
        assert!(block.contains(line), "{line} in\n{block}");
    }
    // Every location sets X-Forwarded-For itself: a proxy_set_header in a
    // location drops those of the server block.
    assert_eq!(
        NGINX.matches("location ").count(),
        NGINX
            .matches("X-Forwarded-For $proxy_add_x_forwarded_for")
            .count()
    );
}

/// The real nginx with deploy/nginx.conf (its upstreams pointed at one real
/// relay, its port and files here) carries a real `listen --relay` tunnel and
/// a delivery through it to that listen.
#[test]
fn nginx_with_the_shipped_config_carries_a_tunnel_and_a_delivery() {
    if !exists("nginx", &["-v"]) {
        crate::common::skip_unless_ci("no nginx here to run deploy/nginx.conf with");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let buffer = dir.path().join("buffer");
    let relay = Running::start(
        &[
            "relay".into(),
            "--bind".into(),
            "127.0.0.1:0".into(),
            "--buffer".into(),
            buffer.display().to_string(),
            "--trusted-proxy".into(),
            "127.0.0.1/32".into(),
        ],
        &[("HOOKCLI_RELAY_TOKEN".into(), TOKEN.into())],
    );
    let upstream = relay.relay_url().trim_start_matches("http://").to_string();
    let (cert, key) = certificate();
    std::fs::write(dir.path().join("relay.pem"), &cert).unwrap();
    std::fs::write(dir.path().join("relay.key"), &key).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let here = dir.path().display().to_string();
    let mut conf = NGINX.replace("/etc/nginx/certs", &here);
    conf = conf.replace("listen 443 ssl;", &format!("listen 127.0.0.1:{port} ssl;"));
    for (name, _) in relay_services(&compose()) {
        conf = conf.replace(
            &format!("server {name}:8788;"),
            &format!("server {upstream};"),
        );
    }
    // Its own files: this test's folder, not /var.
    conf = conf.replace(
        "events {}",
        // One process in the foreground, so killing the child stops it all.
        &format!(
            "pid {here}/nginx.pid;\nerror_log {here}/error.log;\ndaemon off;\nmaster_process off;\nevents {{}}"
        ),
    );
    conf = conf.replace(
        "http {",
        &format!(
            "http {{\n    access_log off;\n    client_body_temp_path {here}/body;\n    proxy_temp_path {here}/proxy;"
        ),
    );
    let conf_path = dir.path().join("nginx.conf");
    std::fs::write(&conf_path, &conf).unwrap();
    let nginx = Command::new("nginx")
        .arg("-c")
        .arg(&conf_path)
        .arg("-p")
        .arg(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.path().join("error.log")).unwrap())
        .spawn()
        .expect("start nginx");
    struct Nginx(std::process::Child);
    impl Drop for Nginx {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let _nginx = Nginx(nginx);
    let front = format!("https://127.0.0.1:{port}");
    let ca = dir.path().join("relay.pem");
    wait_for_port(port, &dir.path().join("error.log"));

    let store = tempfile::tempdir().unwrap();
    let listen = crate::common::Listen::start(
        store.path(),
        &[
            "--relay",
            &front,
            "--ca",
            ca.to_str().unwrap(),
            "--channel",
            "dev",
            "--token-env",
            "HOOKCLI_RELAY_TOKEN",
        ],
        &[("HOOKCLI_RELAY_TOKEN", TOKEN)],
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while !listen.stdout().contains("tunnel up") {
        assert!(
            Instant::now() < deadline,
            "no tunnel through nginx:\n{}\n{}",
            listen.stderr(),
            relay.stderr()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let https = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .tls_certs_only([reqwest::Certificate::from_pem(cert.as_bytes()).unwrap()])
        .build()
        .unwrap();
    let (status, answer) = runtime_rt().block_on(async {
        // The relay holds the channel (asked through nginx too) before the delivery.
        loop {
            let health = https.get(format!("{front}/healthz")).send().await.unwrap();
            if health.text().await.unwrap().contains("\"channels\":1") {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the relay never counted the client"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let r = https
            .post(format!("{front}/dev/hook"))
            .body("{\"through\":\"nginx\"}")
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    });
    // listen (no --url) records it and answers 200 itself.
    assert_eq!(status, 200, "{answer}\n{}", relay.stderr());
    assert!(answer.contains("\"received\":true"), "{answer}");
}

/// Waits up to 10 s for nginx to accept on `port`.
fn wait_for_port(port: u16, log: &Path) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "nginx did not start: {}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

// ---------------------------------------------------------------------------
// All of them

/// Every relay argument list the deployment files hold: the unit's, the
/// image's and each compose relay's.
fn deployed_relay_commands() -> Vec<(String, Vec<String>)> {
    let mut all = vec![
        ("hookcli-relay.service".to_string(), unit_command()),
        ("Dockerfile".to_string(), docker_command()),
    ];
    all.extend(relay_services(&compose()));
    all
}

#[test]
fn every_relay_flag_the_deployment_files_use_exists() {
    let known = relay_help_flags();
    assert!(known.contains(&"--bind".to_string()), "{known:?}");
    for (file, args) in deployed_relay_commands() {
        for flag in args.iter().filter(|a| a.starts_with("--")) {
            assert!(known.contains(flag), "{file}: {flag} is not a relay flag");
        }
    }
}

#[test]
fn no_deployment_file_puts_a_secret_on_the_command_line() {
    for (file, args) in deployed_relay_commands() {
        assert!(
            !args.iter().any(|a| a == "--token"),
            "{file}: --token VALUE"
        );
        for arg in &args {
            let userinfo = arg
                .split_once("://")
                .and_then(|(_, rest)| rest.split_once('@'))
                .map(|(user, _)| user);
            assert!(
                !userinfo.is_some_and(|u| u.contains(':')),
                "{file}: a password in {arg}"
            );
        }
    }
    assert!(
        !COMPOSE.contains("postgres://"),
        "the database URL belongs in relay.env"
    );
}

#[test]
fn the_readme_shows_the_unit_as_shipped_and_every_deployment_file() {
    let section = README
        .split("## Deploying the relay")
        .nth(1)
        .expect("a Deploying the relay section");
    let section = section.split("\n## ").next().unwrap();
    assert!(
        section.contains(&format!("```ini\n{UNIT}```")),
        "the README's unit differs from deploy/hookcli-relay.service"
    );
    for file in [
        "deploy/hookcli-relay.service",
        "Dockerfile",
        "deploy/compose.yaml",
        "deploy/nginx.conf",
        "deploy/relay.env.example",
    ] {
        assert!(section.contains(file), "{file}");
        assert!(
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join(file)
                .exists()
        );
    }
    for command in [
        "docker build -t hookcli .",
        "docker compose -f deploy/compose.yaml up -d --build",
        "systemctl enable --now hookcli-relay",
        "hookcli listen --relay",
    ] {
        assert!(section.contains(command), "{command}");
    }
}
