//! The connection side of listen, relay and inspect (issue 14, fault 2 and
//! the items beside it), against the real binary on loopback: the header
//! timeout from accept, idle connections, the connection cap under a low
//! descriptor limit, the body timeout, the body budget, a prompt 413, and
//! request heads recorded exactly as sent.

mod capture;
mod limits;
mod one_way_in;
mod targets;
mod timeouts;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::{Run, hookcli, run};

pub const TOKEN_VAR: &str = "HOOKCLI_TEST_CONN_TOKEN";
pub const TOKEN: &str = "conn-test-token-5c1e9a7f3b2d4860";

/// A running hookcli whose first stdout line has been read; both pipes
/// drained; killed on Drop.
pub struct Server {
    child: Child,
    pub first: String,
    stdout: Arc<Mutex<Vec<u8>>>,
    stderr: Arc<Mutex<Vec<u8>>>,
    readers: Vec<JoinHandle<()>>,
}

impl Server {
    /// `hookcli ARGS` with `envs`, under `ulimit -n NOFILE` when given.
    pub fn spawn(args: &[&str], envs: &[(&str, &str)], nofile: Option<u32>) -> Server {
        let bin = env!("CARGO_BIN_EXE_hookcli");
        let mut cmd = match nofile {
            Some(n) => {
                let mut c = Command::new("sh");
                c.arg("-c")
                    .arg(format!("ulimit -n {n} && exec \"$0\" \"$@\""))
                    .arg(bin);
                c
            }
            None => Command::new(bin),
        };
        for var in [
            "HOOKCLI_SECRET",
            "HOOKCLI_STORE",
            "HOOKCLI_RELAY_TOKEN",
            "NO_COLOR",
        ] {
            cmd.env_remove(var);
        }
        cmd.env("HOOKCLI_CONFIG", "")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start hookcli");
        let crate::common::Collected {
            stdout,
            stderr,
            first_line: rx,
            readers,
        } = crate::common::collect(&mut child);
        let first = rx.recv_timeout(Duration::from_secs(20));
        let mut server = Server {
            child,
            first: String::new(),
            stdout,
            stderr,
            readers,
        };
        match first {
            Ok(line) => server.first = line,
            Err(_) => {
                server.kill();
                panic!(
                    "hookcli {args:?} printed nothing\n--- stderr ---\n{}",
                    server.stderr()
                );
            }
        }
        server
    }

    /// `hookcli listen --port 0 --store STORE ARGS`.
    pub fn listen(store: &Path, args: &[&str], nofile: Option<u32>) -> (Server, SocketAddr) {
        let store = store.to_str().expect("UTF-8 path");
        let mut all = vec!["listen", "--port", "0", "--store", store];
        all.extend_from_slice(args);
        let server = Server::spawn(&all, &[], nofile);
        let addr = addr_in(&server.first);
        (server, addr)
    }

    /// `hookcli relay --bind 127.0.0.1:0 --token-env VAR ARGS`.
    pub fn relay(args: &[&str]) -> (Server, SocketAddr) {
        let mut all = vec!["relay", "--bind", "127.0.0.1:0", "--token-env", TOKEN_VAR];
        all.extend_from_slice(args);
        let server = Server::spawn(&all, &[(TOKEN_VAR, TOKEN)], None);
        let addr = addr_in(&server.first);
        (server, addr)
    }

    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.stdout.lock().unwrap()).into_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.stderr.lock().unwrap()).into_owned()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits until stdout holds `needle`.
    pub fn wait_for(&self, needle: &str, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if self.stdout().contains(needle) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        for r in self.readers.drain(..) {
            let _ = r.join();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The first `http://127.0.0.1:PORT` in a banner line (text or JSON).
pub fn addr_in(line: &str) -> SocketAddr {
    let at = line
        .find("http://")
        .unwrap_or_else(|| panic!("no URL in {line:?}"));
    let rest = &line[at + "http://".len()..];
    let end = rest
        .find(|c: char| c == '/' || c == '"' || c.is_whitespace())
        .unwrap_or(rest.len());
    rest[..end]
        .parse()
        .unwrap_or_else(|_| panic!("no address in {line:?}"))
}

/// A connection that sends `bytes` (maybe none) and is left alone.
pub fn open_with(addr: SocketAddr, bytes: &[u8]) -> TcpStream {
    let mut s = TcpStream::connect(addr).expect("connect");
    if !bytes.is_empty() {
        s.write_all(bytes).expect("write");
    }
    s
}

/// How long after `since` the server closed `s` (EOF or reset), reading
/// and discarding whatever it sent; `None` if still open at `limit`.
pub fn closed_within(s: &mut TcpStream, since: Instant, limit: Duration) -> Option<Duration> {
    let mut chunk = [0u8; 4096];
    loop {
        let left = limit.checked_sub(since.elapsed())?;
        s.set_read_timeout(Some(left.max(Duration::from_millis(1))))
            .unwrap();
        match s.read(&mut chunk) {
            Ok(0) => return Some(since.elapsed()),
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted
                ) =>
            {
                return Some(since.elapsed());
            }
            Err(_) => {
                if since.elapsed() >= limit {
                    return None;
                }
            }
        }
    }
}

/// What a plain HTTP/1.1 exchange got back: the status line's code, the
/// head as text, and the body.
pub struct Answer {
    pub status: u16,
    pub head: String,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<String> {
        self.head.lines().find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
        })
    }
}

/// Reads one response with a Content-Length body from `s`, within `limit`.
pub fn read_answer(s: &mut TcpStream, limit: Duration) -> Option<Answer> {
    s.set_read_timeout(Some(limit)).unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let status = head.split(' ').nth(1)?.parse().ok()?;
    let mut answer = Answer {
        status,
        head,
        body: Vec::new(),
    };
    let len: usize = answer
        .header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end..].to_vec();
    while body.len() < len {
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => return None,
            Ok(n) => body.extend_from_slice(&chunk[..n]),
        }
    }
    body.truncate(len);
    answer.body = body;
    Some(answer)
}

/// One POST on a fresh connection.
pub fn post(addr: SocketAddr, path: &str, body: &[u8]) -> Answer {
    let mut s = TcpStream::connect(addr).expect("connect");
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    read_answer(&mut s, Duration::from_secs(30)).expect("an answer")
}

/// `hookcli list --json --store STORE`, one object per delivery.
pub fn list(store: &Path) -> Vec<Value> {
    let mut cmd = hookcli();
    cmd.args(["list", "--json", "--limit", "1000", "--store"])
        .arg(store);
    let out: Run = run(&mut cmd);
    out.assert_code(0);
    out.stdout()
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

/// `hookcli show ID --json --store STORE`.
pub fn show(store: &Path, id: &str) -> Value {
    let mut cmd = hookcli();
    cmd.args(["show", id, "--json", "--store"]).arg(store);
    let out = run(&mut cmd);
    out.assert_code(0);
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}\n{out}"))
}
