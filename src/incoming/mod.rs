//! The one way in. Every request from outside, a sender's to `listen` or a
//! provider's to the relay's public side, comes in the same way:
//! `conn::Limits::accept` gives the connection a slot, [`CaptureIo`] shows
//! the bytes hyper reads to a [`HeadCapture`], hyper parses the request, and
//! [`read`] turns it into an [`Arrival`]: the head as sent (header case,
//! order and repeats), the body within its limits, the sender's URL. What
//! the body's limits refuse is answered the same way by both doors.
//!
//! Deliveries the relay's tunnel brings to `listen` arrive as an [`Arrival`]
//! too, handed to a [`Receiver`], so the relay needs nothing of listen's.

pub mod capture;
#[cfg(test)]
mod capture_fuzz;
mod framing;
mod read;

use std::future::Future;

use bytes::Bytes;
use http_body_util::Full;
use hyper::Response;

pub use capture::{CaptureIo, HeadCapture};
pub use read::{Arrival, Door, Read, closing, read, unread};

/// An answer to a sender.
pub type Reply = Response<Full<Bytes>>;

/// What takes the arrivals that came in by a way other than its own
/// socket: `listen`, for the deliveries a relay's tunnel brings it.
pub trait Receiver: Send + Sync + 'static {
    /// The largest body it takes (`--max-body`); a larger one is still
    /// handed over, marked refused (see [`Arrival::within`]).
    fn max_body(&self) -> u64;

    /// Concludes what the arrival is, records it and answers it.
    fn receive(&self, arrival: Arrival) -> impl Future<Output = Reply> + Send;
}
