//! The README's walk-throughs, run as a new user would type them: the lines
//! of a shell block, one after another, in a fresh folder with a hookcli.toml,
//! the real binary on PATH and a real app on loopback in place of
//! `localhost:3000`. If the README drifts from what hookcli does, this fails.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::Receiver;

const README: &str = include_str!("../README.md");

/// The lines of the sh block under `heading`, comments kept (sh drops them).
fn block(heading: &str) -> Vec<String> {
    let rest = README
        .split_once(&format!("\n{heading}\n"))
        .unwrap_or_else(|| panic!("README has no heading {heading:?}"))
        .1;
    let body = rest
        .split_once("```sh\n")
        .and_then(|(_, b)| b.split_once("\n```"))
        .unwrap_or_else(|| panic!("no sh block under {heading:?}"))
        .0;
    body.lines().map(str::to_string).collect()
}

/// A folder that acts as a new user's project, a shell environment for it,
/// and the processes started in the background.
struct Shell {
    dir: tempfile::TempDir,
    env: Vec<(String, String)>,
    background: Vec<Child>,
    port: u16,
}

impl Shell {
    fn new() -> Shell {
        let dir = tempfile::tempdir().expect("temporary folder");
        let port = free_port();
        std::fs::write(
            dir.path().join("hookcli.toml"),
            format!("port = {port}\nstore = \"store\"\n"),
        )
        .expect("write hookcli.toml");
        let bin = PathBuf::from(env!("CARGO_BIN_EXE_hookcli"));
        let path = format!(
            "{}:{}",
            bin.parent().unwrap().display(),
            std::env::var("PATH").unwrap_or_default()
        );
        Shell {
            env: vec![("PATH".into(), path)],
            dir,
            background: Vec::new(),
            port,
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn command(&self, line: &str) -> Command {
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(line)
            .current_dir(self.path())
            .env_remove("HOOKCLI_CONFIG")
            .env_remove("HOOKCLI_STORE")
            .env_remove("HOOKCLI_SECRET")
            .env("HOME", self.path())
            .env("NO_COLOR", "1")
            .envs(self.env.iter().map(|(k, v)| (k, v)));
        cmd
    }

    /// Runs one README line: `export` sets the environment, a trailing `&`
    /// starts it in the background (waiting until listen's port answers),
    /// anything else must exit 0. Returns stdout.
    fn run(&mut self, line: &str) -> String {
        let code = line.split(" #").next().unwrap().trim();
        if code.is_empty() || code.starts_with('#') {
            return String::new();
        }
        if let Some(assign) = code.strip_prefix("export ") {
            let (k, v) = assign.split_once('=').expect("export NAME=VALUE");
            self.env.push((k.into(), v.into()));
            return String::new();
        }
        if let Some(fg) = code.strip_suffix('&') {
            let child = self
                .command(&format!("exec {fg}"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start a background command");
            self.background.push(child);
            wait_for_port(SocketAddr::from(([127, 0, 0, 1], self.port)));
            return String::new();
        }
        let out = self.command(code).output().expect("run sh");
        assert!(
            out.status.success(),
            "README line `{code}` exited {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for Shell {
    fn drop(&mut self) {
        for child in &mut self.background {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

fn wait_for_port(addr: SocketAddr) {
    let start = Instant::now();
    while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "nothing listens on {addr} 20 s after the README started it"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The tour, then "Record once, replay in CI", against one app.
#[test]
fn the_readme_tour_and_ci_recipe_run_as_written() {
    let app = Receiver::start(|_| (200, b"ok".to_vec()));
    let mut sh = Shell::new();
    let local = |line: &str| line.replace("http://localhost:3000", &app.url());

    let mut outputs = Vec::new();
    for line in block("## A five-minute tour") {
        outputs.push((line.clone(), sh.run(&local(&line))));
    }
    let output_of = |needle: &str| {
        outputs
            .iter()
            .find(|(l, _)| l.split(" #").next().unwrap().trim() == needle)
            .map(|(_, o)| o.clone())
            .unwrap_or_else(|| panic!("the tour has no `{needle}` line"))
    };
    // No app is needed: listen recorded and verified both sends, answered 200.
    assert_eq!(app.hit_count(), 0, "the tour forwards nowhere");
    let list = output_of("hookcli list");
    assert_eq!(list.matches("stripe").count(), 2, "list: {list}");
    assert!(list.contains("invoice.payment_failed"), "list: {list}");
    let show = output_of("hookcli show last");
    assert!(show.contains("valid"), "show last: {show}");
    assert!(show.contains("200"), "show last names the answer: {show}");
    let verify = output_of("hookcli verify last");
    assert!(
        verify.contains("valid: v1 signature"),
        "verify last: {verify}"
    );
    assert!(
        sh.path().join("store").is_dir(),
        "the store hookcli.toml names"
    );

    // The CI recipe: export the delivery, then re-send the folder re-signed.
    let id = serde_json::from_str::<serde_json::Value>(
        sh.run("hookcli list --json --limit 1")
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let recorded = sh.run(&format!("hookcli show {id} --body"));
    for line in block("## Record once, replay in CI") {
        sh.run(&local(&line).replace("4fg8x2ab", &id));
    }
    assert!(sh.path().join("tests/webhooks/invoice-paid.json").is_file());
    assert_eq!(app.hit_count(), 1, "send --from delivered the exported one");
    let resent = &app.requests()[0];
    assert_eq!(resent.body, recorded.as_bytes(), "byte for byte");
    assert!(stripe_valid(&sh, resent), "the re-signed delivery verifies");
}

/// Stripe's scheme, written from its documentation: v1 is the hex
/// HMAC-SHA256 of `{t}.{body}` under the tour's secret.
fn stripe_valid(sh: &Shell, req: &crate::common::ReceivedRequest) -> bool {
    use hmac::{Hmac, KeyInit, Mac};
    let secret = &sh
        .env
        .iter()
        .find(|(k, _)| k == "STRIPE_WEBHOOK_SECRET")
        .unwrap()
        .1;
    let header = req.header("stripe-signature").unwrap_or_default();
    let field = |name: &str| {
        header
            .split(',')
            .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
            .unwrap_or_default()
    };
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{}.", field("t")).as_bytes());
    mac.update(&req.body);
    hex::decode(field("v1")).is_ok_and(|tag| mac.verify_slice(&tag).is_ok())
}
