//! Idle keep-alive connections (plain and TLS) per scheme and authority.
//! listen's pool lives in its one runtime and keeps bound sockets; a
//! portable pool detaches them, so a connection outlives the runtime that
//! opened it (send, replay and check each run their own).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::conn::Conn;

/// Idle connections older than this are dropped rather than reused.
const IDLE_FOR: Duration = Duration::from_secs(60);

pub struct Pool {
    idle: Mutex<HashMap<String, Vec<(Conn, Instant)>>>,
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

    /// The most recently used idle connection that still looks open.
    pub fn take(&self, key: &str) -> Option<Conn> {
        loop {
            let (mut conn, since) = {
                let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
                idle.get_mut(key)?.pop()?
            };
            // Checked while detached, when it is: the kernel is asked directly.
            if since.elapsed() >= IDLE_FOR || !conn.socket().looks_open() {
                continue;
            }
            if conn.socket_mut().attach() {
                return Some(conn);
            }
        }
    }

    pub fn put(&self, key: &str, mut conn: Conn) {
        if self.portable {
            conn.socket_mut().detach();
        }
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        let list = match idle.get_mut(key) {
            Some(list) => list,
            None => idle.entry(key.to_string()).or_default(),
        };
        if list.len() < self.per_authority {
            list.push((conn, Instant::now()));
        }
    }
}
