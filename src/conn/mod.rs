//! Connection hygiene shared by listen, relay and inspect: how many
//! connections may be open, how long one may sit without a request, and how
//! much memory the bodies in flight may hold together.

pub mod body;
pub mod budget;
pub mod fd;
pub mod gate;
pub mod shutdown;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};

pub use body::{BodyError, BodyLimits};
pub use budget::Budget;
pub use gate::{Activity, Gate, Ticket};
pub use shutdown::shutdown_signal;

/// The connection side of a server's flags.
#[derive(Clone)]
pub struct Limits {
    /// From accept (and from each answer) to a complete request head.
    pub header_timeout: Duration,
    pub gate: Arc<Gate>,
}

impl Limits {
    pub fn new(header_timeout: Duration, max_connections: usize) -> Limits {
        Limits {
            header_timeout,
            gate: Gate::new(max_connections),
        }
    }

    /// Accepts the next connection and gives it a slot. Accept errors (out
    /// of descriptors, a connection reset before it was taken) are waited
    /// out, so the server keeps serving.
    pub async fn accept(&self, listener: &TcpListener) -> (TcpStream, SocketAddr, Ticket) {
        loop {
            match listener.accept().await {
                Ok((stream, peer)) => {
                    let _ = stream.set_nodelay(true);
                    let ticket = self.gate.admit(self.header_timeout).await;
                    return (stream, peer, ticket);
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            }
        }
    }
}

/// Resolves `--max-connections`: the given value, or the default for this
/// process's descriptor limit; with a warning for the command to print when
/// the given one is above what the limit allows.
pub fn max_connections(given: Option<u64>) -> (usize, Option<String>) {
    match given.map(|n| usize::try_from(n).unwrap_or(usize::MAX)) {
        None => (fd::default_max_connections(), None),
        Some(n) => {
            let warning = fd::safe_max(fd::soft_limit()).filter(|&safe| n > safe).map(|safe| {
                format!(
                    "--max-connections {n} is above what the descriptor limit allows (about {safe}); raise it with ulimit -n"
                )
            });
            (n, warning)
        }
    }
}
