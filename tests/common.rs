//! Shared test helpers: the real binary in an isolated environment, and a real
//! HTTP/1.1 receiver on 127.0.0.1:0 that records every request it gets.

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
        .env("HOOKCLI_STORE", store.path());
    Hookcli { cmd, _store: store }
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
pub fn run(cmd: &mut assert_cmd::Command) -> Run {
    let out = cmd
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .expect("run hookcli");
    Run {
        code: out.status.code(),
        stdout: out.stdout,
        stderr: out.stderr,
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
