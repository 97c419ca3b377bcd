//! The receivers under examples/ (issue 17): each one started on a loopback
//! port in its own framework, and the real `hookcli check --strict` run
//! against every provider it serves: exit 0, nothing warned, and the cases
//! that apply passed, not skipped (Slack with its JSON event, a slash command
//! and an interaction, the last two form-encoded). Then a delivery that
//! `hookcli send` signed is sent again chunked with `Expect: 100-continue`
//! (2xx) and to a sibling path (404).
//!
//! `examples/install` (run by `.ci/run`) installs their packages: npm ci for
//! Express, a virtualenv at target/examples-venv for Flask, FastAPI and
//! Django. Where Node.js or that virtualenv is missing the test says it
//! skipped; under `CI=true` it fails instead, so a broken install shows.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::{
    RawConn, ReceivedRequest, Receiver, hookcli, request_head, run, run_test_alone, skip_unless_ci,
};

/// The program that runs an example.
enum Runtime {
    /// `node` (HOOKCLI_NODE, else on PATH), with the example's node_modules.
    Node,
    /// The examples' virtualenv (HOOKCLI_EXAMPLES_PYTHON, else target/examples-venv).
    Python,
}

struct Example {
    /// Its folder under examples/.
    dir: &'static str,
    runtime: Runtime,
    /// Arguments after the program; `{port}` is replaced.
    args: &'static [&'static str],
    /// The providers it serves, each at /webhooks/PROVIDER.
    providers: &'static [&'static str],
}

const EXPRESS: Example = Example {
    dir: "express",
    runtime: Runtime::Node,
    args: &["server.js", "{port}"],
    providers: &["stripe", "github"],
};

const FLASK: Example = Example {
    dir: "flask",
    runtime: Runtime::Python,
    args: &["app.py", "{port}"],
    providers: &["github", "slack"],
};

const FASTAPI: Example = Example {
    dir: "fastapi",
    runtime: Runtime::Python,
    args: &["app.py", "{port}"],
    providers: &["github", "slack"],
};

const DJANGO: Example = Example {
    dir: "django",
    runtime: Runtime::Python,
    args: &[
        "-m",
        "uvicorn",
        "config.asgi:application",
        "--port",
        "{port}",
    ],
    providers: &["shopify"],
};

/// The environment variable each example reads the secret from, and a test
/// secret for it.
fn secret(provider: &str) -> (&'static str, &'static str) {
    match provider {
        "stripe" => (
            "STRIPE_WEBHOOK_SECRET",
            "whsec_exampleTestSecret4tKcQm3vX8rT2pLw",
        ),
        "github" => ("GITHUB_WEBHOOK_SECRET", "gh-example-secret-Pv4R7Hq2LmZx"),
        "slack" => ("SLACK_SIGNING_SECRET", "3f9a1c7e5b2d8f14e45fceea167a5a36"),
        "shopify" => (
            "SHOPIFY_API_SECRET",
            "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",
        ),
        other => panic!("no example serves {other}"),
    }
}

/// Cases that must pass, not merely not fail, for every provider; more per
/// provider in [`must_pass`].
const ALWAYS_PASS: [&str; 11] = [
    "valid",
    "valid-noncanonical",
    "duplicate",
    "bad-signature",
    "malformed-signature",
    "truncated-signature",
    "missing-signature",
    "body-modified",
    "malformed-body",
    "wrong-content-type",
    "wrong-method",
];

fn must_pass(provider: &str, event: Option<&str>) -> Vec<&'static str> {
    let mut cases = ALWAYS_PASS.to_vec();
    match provider {
        "stripe" => cases.extend(["secret-rotation", "stale-timestamp", "future-timestamp"]),
        "slack" => cases.extend(["handshake", "stale-timestamp", "future-timestamp"]),
        _ => {}
    }
    // check sends no malformed body for a form-encoded event.
    if event.is_some_and(|e| FORM_EVENTS.contains(&e)) {
        cases.retain(|c| *c != "malformed-body");
    }
    cases
}

/// Slack's form-encoded deliveries: a slash command, and an interaction
/// (its JSON in `payload=`); checked besides the default JSON event.
const FORM_EVENTS: [&str; 2] = ["slash_command", "block_actions"];

/// The events each provider is checked with: its default one (`None`), and
/// for Slack the form-encoded ones too.
fn events(provider: &str) -> Vec<Option<&'static str>> {
    let mut events = vec![None];
    if provider == "slack" {
        events.extend(FORM_EVENTS.map(Some));
    }
    events
}

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

/// The program named by `var` (a path that must exist, or a bare name
/// looked up on PATH), else `default` looked up the same way.
fn program(var: &str, default: &str) -> Option<PathBuf> {
    let named = std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(default));
    if named.components().count() > 1 {
        return named.is_file().then_some(named);
    }
    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|dir| dir.join(&named))
        .find(|p| p.is_file())
}

/// The program for `example`, or why there is none.
fn runtime_for(example: &Example) -> Result<PathBuf, String> {
    match example.runtime {
        Runtime::Node => {
            let node = program("HOOKCLI_NODE", "node")
                .ok_or("no Node.js here (HOOKCLI_NODE or node on PATH)")?;
            let modules = examples_dir().join(example.dir).join("node_modules");
            if !modules.is_dir() {
                return Err(format!(
                    "no {} (examples/install runs npm ci; .ci/run runs it)",
                    modules.display()
                ));
            }
            Ok(node)
        }
        Runtime::Python => {
            let venv =
                Path::new(env!("CARGO_MANIFEST_DIR")).join("target/examples-venv/bin/python");
            let default = venv.to_string_lossy().into_owned();
            program("HOOKCLI_EXAMPLES_PYTHON", &default).ok_or_else(|| {
                format!(
                    "no examples virtualenv at {default} (examples/install makes it; .ci/run runs it)"
                )
            })
        }
    }
}

/// An example's server on a free loopback port; killed on Drop. Its output
/// goes to a file, shown when something fails.
struct Running {
    child: Child,
    addr: SocketAddr,
    log: tempfile::NamedTempFile,
}

impl Running {
    fn start(example: &Example, program: &Path) -> Running {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let log = tempfile::NamedTempFile::new().expect("a log file");
        let mut cmd = Command::new(program);
        cmd.current_dir(examples_dir().join(example.dir))
            .args(
                example
                    .args
                    .iter()
                    .map(|a| a.replace("{port}", &port.to_string())),
            )
            .env("HOST", "127.0.0.1")
            .env("PYTHONUNBUFFERED", "1")
            .stdin(Stdio::null())
            .stdout(log.reopen().expect("the log file"))
            .stderr(log.reopen().expect("the log file"));
        for provider in example.providers {
            let (var, value) = secret(provider);
            cmd.env(var, value);
        }
        let child = cmd.spawn().expect("start the example");
        let mut running = Running {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            log,
        };
        running.wait_ready(example);
        running
    }

    /// Until the port accepts connections (a cold Django start takes seconds).
    fn wait_ready(&mut self, example: &Example) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect_timeout(&self.addr, Duration::from_millis(200)).is_err() {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "examples/{} exited ({status}) before listening\n{}",
                    example.dir,
                    self.output()
                );
            }
            assert!(
                Instant::now() < deadline,
                "examples/{} did not listen on {} within 60 s\n{}",
                example.dir,
                self.addr,
                self.output()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn output(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }

    /// The example's output so far, for a failure message.
    fn said(&self, example: &Example) -> String {
        format!("--- examples/{} said:\n{}", example.dir, self.output())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `hookcli check --strict --format json` against one provider's route,
/// with its default event or `event`.
fn check(provider: &str, event: Option<&str>, url: &str) -> (Option<i32>, Value, String) {
    let (var, value) = secret(provider);
    let mut cmd = hookcli();
    cmd.env(var, value)
        .args(["check", "--provider", provider, "--url", url])
        .args(["--secret-env", var, "--strict", "--format", "json"]);
    if let Some(event) = event {
        cmd.args(["--event", event]);
    }
    let out = run(&mut cmd);
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("check --format json printed no JSON ({e})\n{out}"));
    (out.code, report, out.to_string())
}

fn outcomes(report: &Value) -> Vec<(String, String)> {
    report["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| {
            let text = |k: &str| c[k].as_str().unwrap_or_default().to_string();
            (text("name"), text("outcome"))
        })
        .collect()
}

/// A delivery `hookcli send` signed, as it arrived: for sending again by hand.
fn signed_delivery(provider: &str) -> ReceivedRequest {
    let (var, value) = secret(provider);
    let catcher = Receiver::start(|_| (200, b"ok".to_vec()));
    let out = run(hookcli()
        .env(var, value)
        .args(["send", "--provider", provider, "--secret-env", var])
        .args(["--url", &format!("{}/webhooks/{provider}", catcher.url())]));
    assert_eq!(out.code, Some(0), "send\n{out}");
    catcher.requests().pop().expect("the delivery")
}

/// Sends `req`'s headers and body to `target`, the body in two chunks
/// (`Transfer-Encoding: chunked`, `Expect: 100-continue`) or with a
/// Content-Length; the final status.
fn resend(addr: SocketAddr, target: &str, req: &ReceivedRequest, chunked: bool) -> u16 {
    let mut headers: Vec<(String, Vec<u8>)> = req
        .headers
        .iter()
        .filter(|(n, _)| !["host", "content-length", "transfer-encoding"].contains(&n.as_str()))
        .cloned()
        .collect();
    headers.insert(0, ("Host".into(), addr.to_string().into_bytes()));
    let body = if chunked {
        headers.push(("Transfer-Encoding".into(), b"chunked".to_vec()));
        headers.push(("Expect".into(), b"100-continue".to_vec()));
        let (a, b) = req.body.split_at(req.body.len() / 2);
        let mut framed = Vec::new();
        for part in [a, b] {
            framed.extend(format!("{:x}\r\n", part.len()).into_bytes());
            framed.extend_from_slice(part);
            framed.extend_from_slice(b"\r\n");
        }
        framed.extend_from_slice(b"0\r\n\r\n");
        framed
    } else {
        let len = req.body.len().to_string().into_bytes();
        headers.push(("Content-Length".into(), len));
        req.body.clone()
    };
    let head = request_head("POST", target, &headers);
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime")
        .block_on(async {
            let mut conn = RawConn::connect(addr).await.expect("connect");
            let mut resp = conn.send(&head, &body).await.expect("an answer");
            // A `100 Continue` first, then the answer.
            while (100..200).contains(&resp.status) {
                resp = conn.read_response().await.expect("an answer");
            }
            resp.status
        })
}

/// Runs everything on one example, or says why it cannot (a failure under
/// `CI=true`, where .ci/run installs the runtimes).
fn check_example(example: &Example) {
    let program = match runtime_for(example) {
        Ok(p) => p,
        Err(why) => {
            skip_unless_ci(&format!("examples/{}: {why}", example.dir));
            return;
        }
    };
    let server = Running::start(example, &program);
    for provider in example.providers {
        for event in events(provider) {
            assert_check_passes(&server, example, provider, event);
        }
        assert_framing_and_path(&server, example, provider);
    }
}

/// `check --strict` exits 0, nothing warned or failed, and every case that
/// applies to the provider passed.
fn assert_check_passes(server: &Running, example: &Example, provider: &str, event: Option<&str>) {
    let url = server.url(&format!("/webhooks/{provider}"));
    let (code, report, text) = check(provider, event, &url);
    let what = format!("{provider} {}", event.unwrap_or("(default event)"));
    let logs = || format!("{what}\n{text}\n{}", server.said(example));
    assert_eq!(code, Some(0), "check --strict failed: {}", logs());
    assert_eq!(report["summary"]["warned"], 0, "{}", logs());
    assert_eq!(report["summary"]["failed"], 0, "{}", logs());
    let got = outcomes(&report);
    for (name, outcome) in &got {
        assert!(
            ["pass", "skip"].contains(&outcome.as_str()),
            "{name}: {outcome}: {}",
            logs()
        );
    }
    for name in must_pass(provider, event) {
        let passed = got.iter().any(|(n, o)| n == name && o == "pass");
        assert!(passed, "{name} did not pass: {}", logs());
    }
}

/// A valid delivery sent chunked with `Expect: 100-continue` gets a 200;
/// the same delivery to a sibling path gets a 404.
fn assert_framing_and_path(server: &Running, example: &Example, provider: &str) {
    let delivery = signed_delivery(provider);
    let path = format!("/webhooks/{provider}");
    assert_eq!(
        resend(server.addr, &path, &delivery, true),
        200,
        "{provider}: a chunked delivery with Expect: 100-continue\n{}",
        server.said(example)
    );
    let sibling = format!("/webhooks/{provider}-elsewhere");
    assert_eq!(
        resend(server.addr, &sibling, &delivery, false),
        404,
        "{provider}: a valid delivery to another path\n{}",
        server.said(example)
    );
}

#[test]
fn express_receives_stripe_and_github_as_check_strict_requires() {
    check_example(&EXPRESS);
}

#[test]
fn flask_receives_github_and_slack_as_check_strict_requires() {
    check_example(&FLASK);
}

#[test]
fn fastapi_receives_github_and_slack_as_check_strict_requires() {
    check_example(&FASTAPI);
}

#[test]
fn django_receives_shopify_as_check_strict_requires() {
    check_example(&DJANGO);
}

/// Under `CI=true` a missing runtime fails the example tests (a broken
/// install step shows); elsewhere they skip, saying so. Runs this test
/// binary on the Express and Flask tests with both runtimes pointed nowhere.
#[test]
fn a_missing_runtime_fails_the_example_tests_under_ci_only() {
    let nowhere = [
        ("HOOKCLI_NODE", "/nonexistent/node"),
        ("HOOKCLI_EXAMPLES_PYTHON", "/nonexistent/python"),
    ];
    for test in [
        "examples::express_receives_stripe_and_github_as_check_strict_requires",
        "examples::flask_receives_github_and_slack_as_check_strict_requires",
    ] {
        let (ok, text) = run_test_alone(test, &nowhere, Some("true"));
        assert!(
            !ok && text.contains("CI=true"),
            "{test} must fail under CI=true\n{text}"
        );
        let (ok, text) = run_test_alone(test, &nowhere, None);
        assert!(
            ok && text.contains("skipped:"),
            "{test} must skip elsewhere\n{text}"
        );
    }
}
