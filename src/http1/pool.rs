//! Idle keep-alive connections per authority. The forwarder's pool lives
//! in listen's one runtime and keeps tokio sockets; the shared pool keeps
//! std sockets, so a connection outlives the runtime that opened it (send,
//! replay and check each run their own).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use futures_util::FutureExt;
use tokio::net::TcpStream;

/// Idle connections older than this are dropped rather than reused.
const IDLE_FOR: Duration = Duration::from_secs(60);

enum Idle {
    Bound(TcpStream),
    Portable(std::net::TcpStream),
}

pub struct Pool {
    idle: Mutex<HashMap<String, Vec<(Idle, Instant)>>>,
    per_authority: usize,
    portable: bool,
}

impl Pool {
    /// A pool used from one runtime only.
    pub fn new(per_authority: usize) -> Self {
        Self {
            idle: Mutex::new(HashMap::new()),
            per_authority,
            portable: false,
        }
    }

    /// A pool whose connections may be used from any runtime.
    pub fn portable(per_authority: usize) -> Self {
        Self {
            portable: true,
            ..Self::new(per_authority)
        }
    }

    /// The pool shared by one-off senders (send, replay, check, inspect).
    pub fn shared() -> &'static Pool {
        static SHARED: std::sync::OnceLock<Pool> = std::sync::OnceLock::new();
        SHARED.get_or_init(|| Pool::portable(64))
    }

    /// The most recently used idle connection that still looks open.
    pub fn take(&self, authority: &str) -> Option<TcpStream> {
        loop {
            let (conn, since) = {
                let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
                idle.get_mut(authority)?.pop()?
            };
            if since.elapsed() >= IDLE_FOR {
                continue;
            }
            let conn = match conn {
                Idle::Bound(c) => c,
                Idle::Portable(c) if portable_looks_open(&c) => match TcpStream::from_std(c) {
                    Ok(c) => return Some(c),
                    Err(_) => continue,
                },
                Idle::Portable(_) => continue,
            };
            if looks_open(&conn) {
                return Some(conn);
            }
        }
    }

    pub fn put(&self, authority: &str, conn: TcpStream) {
        let conn = if self.portable {
            match conn.into_std() {
                Ok(c) => Idle::Portable(c),
                Err(_) => return,
            }
        } else {
            Idle::Bound(conn)
        };
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        let list = match idle.get_mut(authority) {
            Some(list) => list,
            None => idle.entry(authority.to_string()).or_default(),
        };
        if list.len() < self.per_authority {
            list.push((conn, Instant::now()));
        }
    }
}

/// An idle connection has nothing to read: end of stream means the server
/// closed it, and stray bytes mean it cannot frame another answer.
fn looks_open(conn: &TcpStream) -> bool {
    let mut byte = [0u8; 1];
    // Pending is the healthy case: no readiness, so no syscall either.
    conn.peek(&mut byte).now_or_never().is_none()
}

/// The same for a socket no runtime watches: ask the kernel.
fn portable_looks_open(conn: &std::net::TcpStream) -> bool {
    let mut byte = [0u8; 1];
    matches!(conn.peek(&mut byte), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
}
