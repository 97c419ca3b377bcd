//! Shared test helpers: the real binary in an isolated environment, and a real
//! HTTP/1.1 receiver on 127.0.0.1:0 that records every request it gets.

pub mod postgres;

use std::convert::Infallible;
use std::net::{SocketAddr, TcpListener};
use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tempfile::TempDir;

/// `hookcli` with an isolated environment: no `HOOKCLI_SECRET`, no
/// `NO_COLOR`, and `HOOKCLI_STORE` set to a fresh temporary folder that lives
/// as long as the command.
pub struct Hookcli {
    cmd: assert_cmd::Command,
    _store: TempDir,
}

impl Deref for Hookcli {
    type Target = assert_cmd::Command;
    fn deref(&self) -> &Self::Target {
        &self.cmd
    }
}

impl DerefMut for Hookcli {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.cmd
    }
}

/// The real binary, isolated from the caller's environment.
pub fn hookcli() -> Hookcli {
    let store = tempfile::Builder::new()
        .prefix("hookcli-store-")
        .tempdir()
        .expect("create a temporary store");
    let mut cmd = assert_cmd::Command::new(env!("CARGO_BIN_EXE_hookcli"));
    cmd.env_remove("HOOKCLI_SECRET")
        .env_remove("NO_COLOR")
        .env_remove("HOOKCLI_STORE")
        .env_remove("HOOKCLI_RELAY_TOKEN")
        // No config file from the machine running the tests.
        .env("HOOKCLI_CONFIG", "")
        .env("HOOKCLI_STORE", store.path());
    for var in secret_env_vars() {
        cmd.env_remove(var);
    }
    Hookcli { cmd, _store: store }
}

/// Every provider's conventional secret variable, which hookcli reads with
/// no flag: tests remove them so the machine's own never count.
pub fn secret_env_vars() -> impl Iterator<Item = &'static str> {
    hookcli::provider::SECRET_ENV
        .iter()
        .flat_map(|(_, verify, sign)| [*verify, *sign])
}

/// What a finished run of the binary left behind.
#[derive(Debug)]
pub struct Run {
    /// The exit status; `None` when killed by a signal.
    pub code: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl Run {
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    /// Asserts the exit status, and that nothing panicked.
    pub fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(self.code, Some(code), "unexpected exit status\n{self}");
        assert!(
            !self.stderr().contains("panicked") && !self.stdout().contains("panicked"),
            "the binary panicked\n{self}"
        );
        self
    }

    /// Asserts a failure: this exit status and exactly one stderr line,
    /// `hookcli: error: ...`, containing every one of `needles`.
    pub fn assert_error(&self, code: i32, needles: &[&str]) -> &Self {
        self.assert_code(code);
        let stderr = self.stderr();
        let lines: Vec<&str> = stderr.lines().collect();
        assert_eq!(lines.len(), 1, "expected one stderr line\n{self}");
        assert!(
            lines[0].starts_with("hookcli: error: "),
            "stderr must start with `hookcli: error: `\n{self}"
        );
        for needle in needles {
            assert!(
                lines[0].contains(needle),
                "stderr should mention {needle:?}\n{self}"
            );
        }
        self
    }

    /// Asserts that `secret` appears in neither stdout nor stderr.
    pub fn assert_hides(&self, secret: &str) -> &Self {
        assert!(
            !self.stdout().contains(secret) && !self.stderr().contains(secret),
            "the secret {secret:?} leaked into the output\n{self}"
        );
        self
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit: {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.code,
            self.stdout(),
            self.stderr()
        )
    }
}

/// Runs a command to the end (never longer than a minute) and keeps its output.
/// Every error line any test provokes is checked for Rust internals here.
pub fn run(cmd: &mut assert_cmd::Command) -> Run {
    let out = cmd
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .expect("run hookcli");
    let run = Run {
        code: out.status.code(),
        stdout: out.stdout,
        stderr: out.stderr,
    };
    assert_no_internals(&run);
    run
}

/// Debug structures, `Option`s, OS error structs and library doc links are
/// for hookcli's developers: none may reach a user's error line.
pub fn assert_no_internals(run: &Run) {
    let stderr = run.stderr();
    for line in stderr.lines().filter(|l| l.starts_with("hookcli: error: ")) {
        for leak in [" { ", "Some(", "Os {", "docs.rs"] {
            assert!(!line.contains(leak), "{leak:?} leaks into an error\n{run}");
        }
    }
}

/// One request as the receiver got it. Header names are lowercase (hyper
/// normalises them); values and the body are the raw bytes.
#[derive(Clone, Debug)]
pub struct ReceivedRequest {
    pub method: String,
    /// Path and query, exactly as in the request line.
    pub target: String,
    /// In arrival order, duplicates kept.
    pub headers: Vec<(String, Vec<u8>)>,
    pub body: Vec<u8>,
    /// The address the request came in on (`127.0.0.1:PORT`).
    pub local_addr: SocketAddr,
}

impl ReceivedRequest {
    /// The first value of a header, by case-insensitive name, as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| std::str::from_utf8(v).ok())
    }

    /// The full URL the request was sent to: `http://127.0.0.1:PORT/path?query`.
    pub fn url(&self) -> String {
        format!("http://{}{}", self.local_addr, self.target)
    }

    /// The query string's value of `name`, if any.
    pub fn query(&self, name: &str) -> Option<String> {
        let (_, query) = self.target.split_once('?')?;
        url::form_urlencoded::parse(query.as_bytes())
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.into_owned())
    }
}

/// One request and the receiver's answer to it.
#[derive(Clone, Debug)]
pub struct Hit {
    pub request: ReceivedRequest,
    pub status: u16,
    pub body: Vec<u8>,
}

impl Hit {
    pub fn answer(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

type Handler = dyn Fn(&ReceivedRequest) -> (u16, Vec<u8>) + Send + Sync;

/// A real hyper HTTP/1.1 server on 127.0.0.1:0, on its own thread with its own
/// tokio runtime, answering each request with a closure. Stops on Drop.
pub struct Receiver {
    addr: SocketAddr,
    hits: Arc<Mutex<Vec<Hit>>>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Receiver {
    pub fn start(
        handler: impl Fn(&ReceivedRequest) -> (u16, Vec<u8>) + Send + Sync + 'static,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener.set_nonblocking(true).expect("non-blocking");
        let addr = listener.local_addr().expect("local address");
        let hits = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let (tx, rx) = tokio::sync::oneshot::channel();
        let thread = {
            let hits = hits.clone();
            std::thread::spawn(move || serve(listener, handler, hits, rx))
        };
        Receiver {
            addr,
            hits,
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<ReceivedRequest> {
        self.hits().into_iter().map(|h| h.request).collect()
    }

    /// Every request so far with the answer it got.
    pub fn hits(&self) -> Vec<Hit> {
        self.hits.lock().unwrap().clone()
    }

    /// How many requests arrived.
    pub fn hit_count(&self) -> usize {
        self.hits.lock().unwrap().len()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(
    listener: TcpListener,
    handler: Arc<Handler>,
    hits: Arc<Mutex<Vec<Hit>>>,
    mut shutdown: tokio::sync::oneshot::Receiver<()>,
) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("receiver runtime");
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
        loop {
            let (stream, _) = tokio::select! {
                _ = &mut shutdown => break,
                accepted = listener.accept() => match accepted {
                    Ok(a) => a,
                    Err(_) => continue,
                },
            };
            let local_addr = stream.local_addr().expect("local address");
            let handler = handler.clone();
            let hits = hits.clone();
            let service = service_fn(move |req: hyper::Request<Incoming>| {
                let handler = handler.clone();
                let hits = hits.clone();
                async move {
                    let (parts, body) = req.into_parts();
                    let body = match body.collect().await {
                        Ok(b) => b.to_bytes().to_vec(),
                        Err(_) => Vec::new(),
                    };
                    let request = ReceivedRequest {
                        method: parts.method.to_string(),
                        target: parts
                            .uri
                            .path_and_query()
                            .map(|pq| pq.as_str().to_string())
                            .unwrap_or_else(|| parts.uri.to_string()),
                        headers: parts
                            .headers
                            .iter()
                            .map(|(n, v)| (n.as_str().to_string(), v.as_bytes().to_vec()))
                            .collect(),
                        body,
                        local_addr,
                    };
                    let (status, answer) = handler(&request);
                    hits.lock().unwrap().push(Hit {
                        request,
                        status,
                        body: answer.clone(),
                    });
                    let response = hyper::Response::builder()
                        .status(status)
                        .header("content-type", "text/plain; charset=utf-8")
                        .body(Full::new(Bytes::from(answer)))
                        .expect("response");
                    Ok::<_, Infallible>(response)
                }
            });
            tokio::spawn(async move {
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
}

/// Runs a command to the end, but never longer than `limit`.
pub fn run_within(cmd: &mut assert_cmd::Command, limit: std::time::Duration) -> Run {
    let out = cmd.timeout(limit).output().expect("run hookcli");
    let run = Run {
        code: out.status.code(),
        stdout: out.stdout,
        stderr: out.stderr,
    };
    assert_no_internals(&run);
    run
}

// ---------------------------------------------------------------------------
// A running `hookcli listen`

/// The real `hookcli listen` as a child process on 127.0.0.1 with `--port 0`,
/// its URL read from the banner (the first stdout line). Its stdout and
/// stderr are collected as it runs. Killed (SIGKILL) on Drop.
pub struct Listen {
    child: std::process::Child,
    url: String,
    addr: SocketAddr,
    stdout: Arc<Mutex<Vec<u8>>>,
    stderr: Arc<Mutex<Vec<u8>>>,
    readers: Vec<JoinHandle<()>>,
}

impl Listen {
    /// `hookcli listen --port 0 --store STORE ARGS...` (`--port 0` unless ARGS
    /// name a port) with `envs` added to an isolated environment (no
    /// HOOKCLI_SECRET, HOOKCLI_STORE or NO_COLOR).
    /// Panics when the banner does not come within 20 s.
    pub fn start(store: &std::path::Path, args: &[&str], envs: &[(&str, &str)]) -> Listen {
        use std::process::{Command, Stdio};

        let mut cmd = Command::new(env!("CARGO_BIN_EXE_hookcli"));
        cmd.env_remove("HOOKCLI_SECRET")
            .env_remove("NO_COLOR")
            .env("HOOKCLI_CONFIG", "")
            .env_remove("HOOKCLI_STORE")
            .arg("listen")
            .args(if args.contains(&"--port") {
                &[][..]
            } else {
                &["--port", "0"][..]
            })
            .arg("--store")
            .arg(store)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for var in secret_env_vars() {
            cmd.env_remove(var);
        }
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start hookcli listen");
        let Collected {
            stdout,
            stderr,
            first_line: first_rx,
            readers,
        } = collect(&mut child);
        let banner = first_rx.recv_timeout(std::time::Duration::from_secs(20));
        let mut listen = Listen {
            child,
            url: String::new(),
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            stdout,
            stderr,
            readers,
        };
        let banner = match banner {
            Ok(line) => line,
            Err(_) => {
                let status = listen.wait_exit(std::time::Duration::from_secs(2));
                panic!(
                    "hookcli listen printed no banner (exit {status:?})\n--- stderr ---\n{}",
                    listen.stderr()
                );
            }
        };
        let url = if banner.starts_with('{') {
            let v: serde_json::Value = serde_json::from_str(&banner).expect("JSON banner");
            v["url"].as_str().expect("banner url").to_string()
        } else {
            banner
                .strip_prefix("hookcli listening on ")
                .unwrap_or_else(|| panic!("unexpected banner {banner:?}"))
                .to_string()
        };
        let authority = url
            .strip_prefix("http://")
            .and_then(|rest| rest.split('/').next())
            .unwrap_or_else(|| panic!("unexpected listen URL {url:?}"));
        listen.addr = authority.parse().expect("listen address");
        assert!(
            listen.addr.ip().is_loopback(),
            "listen must stay on loopback"
        );
        listen.url = url;
        listen
    }

    /// The URL from the banner, e.g. `http://127.0.0.1:PORT/`.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Everything listen printed on stdout so far.
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.stdout.lock().unwrap()).into_owned()
    }

    /// Everything listen printed on stderr so far.
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.stderr.lock().unwrap()).into_owned()
    }

    /// SIGKILL, and reap it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Sends SIGTERM (with the `kill` command) and waits up to `limit` for
    /// the exit; `None` if it is still running then.
    pub fn terminate(&mut self, limit: std::time::Duration) -> Option<std::process::ExitStatus> {
        let status = std::process::Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .expect("run kill -TERM");
        assert!(status.success(), "kill -TERM failed");
        self.wait_exit(limit)
    }

    /// Waits up to `limit` for the process to exit by itself.
    pub fn wait_exit(&mut self, limit: std::time::Duration) -> Option<std::process::ExitStatus> {
        let deadline = std::time::Instant::now() + limit;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                for r in self.readers.drain(..) {
                    let _ = r.join();
                }
                return Some(status);
            }
            if std::time::Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
}

impl Drop for Listen {
    fn drop(&mut self) {
        self.kill();
        for r in self.readers.drain(..) {
            let _ = r.join();
        }
    }
}

// ---------------------------------------------------------------------------
// A raw HTTP/1.1 client: header names, order and duplicates exactly as given

/// One response as read off the wire.
#[derive(Clone, Debug)]
pub struct RawResponse {
    pub status: u16,
    /// In order, names as sent by the server.
    pub headers: Vec<(String, Vec<u8>)>,
    pub body: Vec<u8>,
}

impl RawResponse {
    /// The first value of a header, by case-insensitive name, as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| std::str::from_utf8(v).ok())
    }
}

/// A request head with exactly these header lines, in this order, names as
/// written; nothing is added (give Host and Content-Length yourself).
pub fn request_head(method: &str, target: &str, headers: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut head = format!("{method} {target} HTTP/1.1\r\n").into_bytes();
    for (name, value) in headers {
        head.extend_from_slice(name.as_bytes());
        head.extend_from_slice(b": ");
        head.extend_from_slice(value);
        head.extend_from_slice(b"\r\n");
    }
    head.extend_from_slice(b"\r\n");
    head
}

/// One keep-alive HTTP/1.1 connection written to by hand.
pub struct RawConn {
    stream: tokio::net::TcpStream,
    buf: Vec<u8>,
}

impl RawConn {
    pub async fn connect(addr: SocketAddr) -> std::io::Result<RawConn> {
        let stream = tokio::net::TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(RawConn {
            stream,
            buf: Vec::new(),
        })
    }

    /// Writes `head` then `body` as they are, and reads one response.
    pub async fn send(&mut self, head: &[u8], body: &[u8]) -> std::io::Result<RawResponse> {
        use tokio::io::AsyncWriteExt;
        self.stream.write_all(head).await?;
        self.stream.write_all(body).await?;
        self.stream.flush().await?;
        self.read_response().await
    }

    async fn fill(&mut self) -> std::io::Result<usize> {
        use tokio::io::AsyncReadExt;
        let mut chunk = [0u8; 16 * 1024];
        let n = self.stream.read(&mut chunk).await?;
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(n)
    }

    async fn need(&mut self, len: usize) -> std::io::Result<()> {
        while self.buf.len() < len {
            if self.fill().await? == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
        }
        Ok(())
    }

    async fn line(&mut self) -> std::io::Result<Vec<u8>> {
        loop {
            if let Some(i) = self.buf.windows(2).position(|w| w == b"\r\n") {
                let line = self.buf[..i].to_vec();
                self.buf.drain(..i + 2);
                return Ok(line);
            }
            if self.fill().await? == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
        }
    }

    /// Reads one response: Content-Length, chunked, or up to the close.
    pub async fn read_response(&mut self) -> std::io::Result<RawResponse> {
        let bad =
            |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_string());
        let (status, headers, head_len) = loop {
            let mut slots = [httparse::EMPTY_HEADER; 128];
            let mut resp = httparse::Response::new(&mut slots);
            match resp.parse(&self.buf) {
                Ok(httparse::Status::Complete(len)) => {
                    let headers: Vec<(String, Vec<u8>)> = resp
                        .headers
                        .iter()
                        .map(|h| (h.name.to_string(), h.value.to_vec()))
                        .collect();
                    break (resp.code.unwrap_or(0), headers, len);
                }
                Ok(httparse::Status::Partial) => {
                    if self.fill().await? == 0 {
                        return Err(std::io::ErrorKind::UnexpectedEof.into());
                    }
                }
                Err(_) => return Err(bad("malformed response head")),
            }
        };
        self.buf.drain(..head_len);
        let get = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| String::from_utf8_lossy(v).to_ascii_lowercase())
        };
        let body = if status == 204 || status == 304 || (100..200).contains(&status) {
            Vec::new()
        } else if let Some(len) = get("content-length") {
            let len: usize = len.trim().parse().map_err(|_| bad("bad content-length"))?;
            self.need(len).await?;
            self.buf.drain(..len).collect()
        } else if get("transfer-encoding").is_some_and(|te| te.contains("chunked")) {
            let mut body = Vec::new();
            loop {
                let line = self.line().await?;
                let size = String::from_utf8_lossy(&line);
                let size = size.split(';').next().unwrap_or("").trim();
                let size = usize::from_str_radix(size, 16).map_err(|_| bad("bad chunk size"))?;
                if size == 0 {
                    while !self.line().await?.is_empty() {}
                    break;
                }
                self.need(size + 2).await?;
                body.extend(self.buf.drain(..size));
                self.buf.drain(..2);
            }
            body
        } else {
            while self.fill().await? > 0 {}
            std::mem::take(&mut self.buf)
        };
        Ok(RawResponse {
            status,
            headers,
            body,
        })
    }
}

/// One request on a fresh connection, from synchronous code.
pub fn raw_request(addr: SocketAddr, head: &[u8], body: &[u8]) -> std::io::Result<RawResponse> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime")
        .block_on(async {
            let mut conn = RawConn::connect(addr).await?;
            conn.send(head, body).await
        })
}

// ---------------------------------------------------------------------------
// Tests that need a program .ci/run installs

/// For a test whose prerequisite (a browser, a runtime) is missing: under
/// `CI=true`, where .ci/run installs it, a panic, so a broken install step
/// shows; elsewhere a `skipped:` line, and the test returns.
pub fn skip_unless_ci(why: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{why}, and CI=true: the install step did not provide it");
    }
    eprintln!("skipped: {why}");
}

/// Runs one test of this test binary alone, with `envs` set and `CI` set
/// to `ci` (or removed): whether it passed, and all it printed.
pub fn run_test_alone(test: &str, envs: &[(&str, &str)], ci: Option<&str>) -> (bool, String) {
    let mut cmd = std::process::Command::new(std::env::current_exe().expect("this test binary"));
    cmd.args([test, "--exact", "--nocapture"])
        .envs(envs.iter().copied())
        .env_remove("CI");
    if let Some(v) = ci {
        cmd.env("CI", v);
    }
    let out = cmd.output().expect("run the test binary");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// A fresh self-signed certificate for 127.0.0.1: the server's TLS settings
/// and the certificate's PEM, for `--ca` / `--forward-ca`.
pub fn self_signed_tls() -> (Arc<rustls::ServerConfig>, String) {
    let key = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into()]).unwrap();
    let pem = key.cert.pem();
    let config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(
            vec![key.cert.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(key.signing_key.serialize_der().into()),
        )
        .unwrap();
    (Arc::new(config), pem)
}

/// An HTTPS app on 127.0.0.1:0 with a self-signed certificate that keeps
/// every request exactly as it arrived (head and body bytes, after TLS) and
/// answers `200 ok`, keeping the connection open.
pub struct TlsApp {
    addr: SocketAddr,
    /// The certificate's PEM.
    pub pem: String,
    raw: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl TlsApp {
    pub fn start() -> TlsApp {
        let (config, pem) = self_signed_tls();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let raw = Arc::new(Mutex::new(Vec::new()));
        let seen = raw.clone();
        std::thread::spawn(move || {
            for tcp in listener.incoming().flatten() {
                let (config, seen) = (config.clone(), seen.clone());
                std::thread::spawn(move || {
                    let _ = tcp.set_read_timeout(Some(std::time::Duration::from_secs(30)));
                    let conn = rustls::ServerConnection::new(config).unwrap();
                    let mut tls = rustls::StreamOwned::new(conn, tcp);
                    while let Some(request) = read_raw_request(&mut tls) {
                        seen.lock().unwrap().push(request);
                        let answer = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
                        if std::io::Write::write_all(&mut tls, answer).is_err() {
                            return;
                        }
                    }
                });
            }
        });
        TlsApp { addr, pem, raw }
    }

    /// `https://127.0.0.1:PORT`, without a trailing slash.
    pub fn url(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// Every request so far, as raw bytes, in arrival order.
    pub fn raw(&self) -> Vec<Vec<u8>> {
        self.raw.lock().unwrap().clone()
    }

    /// The certificate in a file, for `--ca FILE`.
    pub fn ca_file(&self, dir: &std::path::Path) -> std::path::PathBuf {
        let path = dir.join("app-ca.pem");
        std::fs::write(&path, &self.pem).unwrap();
        path
    }
}

/// One request as an HTTP/2 app got it: method, path and query, headers
/// (lowercase names, as HTTP/2 has them) and body.
pub type H2Request = (String, String, Vec<(String, Vec<u8>)>, Vec<u8>);

/// An HTTPS app on 127.0.0.1:0 that speaks HTTP/2 alone (its handshake
/// offers h2 and nothing else, so it refuses http/1.1): it keeps each
/// request and answers `201 made` with `x-app: h2`.
pub struct H2App {
    addr: SocketAddr,
    pem: String,
    seen: Arc<Mutex<Vec<H2Request>>>,
    accepted: Arc<std::sync::atomic::AtomicUsize>,
}

impl H2App {
    pub fn start() -> H2App {
        let (config, pem) = self_signed_tls();
        let mut config = (*config).clone();
        config.alpn_protocols = vec![b"h2".to_vec()];
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let accepted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let (log, count) = (seen.clone(), accepted.clone());
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                while let Ok((tcp, _)) = listener.accept().await {
                    count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let (acceptor, log) = (acceptor.clone(), log.clone());
                    tokio::spawn(async move {
                        let Ok(tls) = acceptor.accept(tcp).await else {
                            return;
                        };
                        let service = service_fn(move |req: hyper::Request<Incoming>| {
                            let log = log.clone();
                            async move {
                                let (parts, body) = req.into_parts();
                                let body = body.collect().await?.to_bytes().to_vec();
                                let headers = parts
                                    .headers
                                    .iter()
                                    .map(|(n, v)| (n.to_string(), v.as_bytes().to_vec()))
                                    .collect();
                                let target = parts.uri.path_and_query().unwrap().to_string();
                                log.lock().unwrap().push((
                                    parts.method.to_string(),
                                    target,
                                    headers,
                                    body,
                                ));
                                Ok::<_, hyper::Error>(
                                    hyper::Response::builder()
                                        .status(201)
                                        .header("x-app", "h2")
                                        .body(Full::new(Bytes::from_static(b"made")))
                                        .unwrap(),
                                )
                            }
                        });
                        let _ = hyper::server::conn::http2::Builder::new(
                            hyper_util::rt::TokioExecutor::new(),
                        )
                        .serve_connection(TokioIo::new(tls), service)
                        .await;
                    });
                }
            });
        });
        H2App {
            addr,
            pem,
            seen,
            accepted,
        }
    }

    /// TCP connections accepted so far (a refused handshake counts).
    pub fn accepted(&self) -> usize {
        self.accepted.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// `https://127.0.0.1:PORT`, without a trailing slash.
    pub fn url(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<H2Request> {
        self.seen.lock().unwrap().clone()
    }

    /// The certificate in a file, for `--ca FILE`.
    pub fn ca_file(&self, dir: &std::path::Path) -> std::path::PathBuf {
        let path = dir.join("h2-app-ca.pem");
        std::fs::write(&path, &self.pem).unwrap();
        path
    }
}

/// One request's head and Content-Length body, byte for byte; None at the end.
fn read_raw_request(conn: &mut impl std::io::Read) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match conn.read(&mut chunk) {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map_or(0, |v| v.trim().parse().unwrap());
    while buf.len() < head_end + length {
        match conn.read(&mut chunk) {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    Some(buf)
}

/// A child's stdout and stderr, collected as they come by two threads, and
/// its first stdout line (a banner) as soon as it is written.
pub struct Collected {
    pub stdout: Arc<Mutex<Vec<u8>>>,
    pub stderr: Arc<Mutex<Vec<u8>>>,
    pub first_line: std::sync::mpsc::Receiver<String>,
    pub readers: Vec<std::thread::JoinHandle<()>>,
}

/// Starts collecting a spawned child's piped stdout and stderr.
pub fn collect(child: &mut std::process::Child) -> Collected {
    use std::io::BufRead;
    let stdout = Arc::new(Mutex::new(Vec::new()));
    let stderr = Arc::new(Mutex::new(Vec::new()));
    let (first_tx, first_line) = std::sync::mpsc::channel::<String>();
    let out_pipe = child.stdout.take().expect("stdout pipe");
    let mut err_pipe = child.stderr.take().expect("stderr pipe");
    let out_reader = {
        let stdout = stdout.clone();
        std::thread::spawn(move || {
            let mut reader = std::io::BufReader::new(out_pipe);
            let mut first = Some(first_tx);
            loop {
                let mut line = Vec::new();
                match reader.read_until(b'\n', &mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
                stdout.lock().unwrap().extend_from_slice(&line);
                if let Some(tx) = first.take() {
                    let _ = tx.send(String::from_utf8_lossy(&line).trim_end().to_string());
                }
            }
        })
    };
    let err_reader = {
        let stderr = stderr.clone();
        std::thread::spawn(move || {
            let mut chunk = [0u8; 4096];
            loop {
                match std::io::Read::read(&mut err_pipe, &mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => stderr.lock().unwrap().extend_from_slice(&chunk[..n]),
                }
            }
        })
    };
    Collected {
        stdout,
        stderr,
        first_line,
        readers: vec![out_reader, err_reader],
    }
}
