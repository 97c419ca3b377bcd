//! Idle keep-alive connections per authority. They are kept as std sockets
//! so a connection outlives the runtime that opened it (send, replay and
//! check each run their own).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::net::TcpStream;

/// Idle connections older than this are dropped rather than reused.
const IDLE_FOR: Duration = Duration::from_secs(60);

pub struct Pool {
    idle: Mutex<HashMap<String, Vec<(std::net::TcpStream, Instant)>>>,
    per_authority: usize,
}

impl Pool {
    pub fn new(per_authority: usize) -> Self {
        Self {
            idle: Mutex::new(HashMap::new()),
            per_authority,
        }
    }

    /// The pool shared by one-off senders (send, replay, check, inspect).
    pub fn shared() -> &'static Pool {
        static SHARED: std::sync::OnceLock<Pool> = std::sync::OnceLock::new();
        SHARED.get_or_init(|| Pool::new(64))
    }

    /// The most recently used idle connection that still looks open.
    pub fn take(&self, authority: &str) -> Option<TcpStream> {
        loop {
            let (conn, since) = {
                let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
                idle.get_mut(authority)?.pop()?
            };
            if since.elapsed() < IDLE_FOR
                && looks_open(&conn)
                && let Ok(conn) = TcpStream::from_std(conn)
            {
                return Some(conn);
            }
        }
    }

    pub fn put(&self, authority: &str, conn: TcpStream) {
        let Ok(conn) = conn.into_std() else { return };
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        let list = idle.entry(authority.to_string()).or_default();
        if list.len() < self.per_authority {
            list.push((conn, Instant::now()));
        }
    }
}

/// An idle connection has nothing to read: end of stream means the server
/// closed it, and stray bytes mean it cannot frame another answer.
fn looks_open(conn: &std::net::TcpStream) -> bool {
    let mut byte = [0u8; 1];
    matches!(conn.peek(&mut byte), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
}
