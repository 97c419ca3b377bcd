//! The tunnel: `hookcli relay` on a public host and `hookcli listen --relay`
//! on the laptop, over one WebSocket per client. WebSocket because it passes
//! through the proxies and load balancers in front of a public host as plain
//! HTTPS, and because the laptop dials out; deliveries are multiplexed over it
//! by id, so a slow one never holds up the others.

pub mod access;
pub mod allow;
mod buffer;
pub mod client;
pub mod frame;
/// The relay's log lines, rendered in `crate::render` (kept reachable here).
pub use crate::render::relay_log as log;
pub mod metrics;
mod observe;
mod outbox;
pub mod pg;
mod revoke;
pub mod server;
pub mod tls;
pub mod tokens;

/// The WebSocket close code a relay sends a client whose channel a newer
/// client took over: that client stops instead of taking it back.
pub const TAKEOVER_CODE: u16 = 4000;

/// The WebSocket close code for a client whose token was revoked.
pub const REVOKED_CODE: u16 = 4001;
