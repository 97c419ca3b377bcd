//! Reading a request body whole, within three bounds: `--max-body`, the
//! shared memory budget, and `--body-timeout` for the whole body.

use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use tokio::sync::watch;

use super::budget::{Budget, Grant};

/// Why a body was not read whole.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    #[error("body is over --max-body {0}")]
    TooLarge(u64),
    /// The budget for bodies in flight is spent: try again shortly.
    #[error("too many bodies in flight; retry later")]
    Busy,
    #[error("the body did not arrive within --body-timeout {0:?}")]
    TimedOut(Duration),
    #[error("the body could not be read: {0}")]
    Broken(String),
    /// The server is stopping; the sender retries.
    #[error("hookcli is stopping; retry shortly")]
    Stopping,
}

/// The bounds a body is read within.
#[derive(Clone, Debug)]
pub struct BodyLimits {
    pub max: u64,
    pub timeout: Duration,
    pub budget: Arc<Budget>,
    /// The gate's stop signal ([`super::Gate::stopping`]): a body still
    /// arriving when the server stops is cut short.
    pub stopping: Option<watch::Receiver<bool>>,
}

/// A body read whole, and its share of the budget (hold it as long as the
/// bytes live).
pub struct Body {
    pub bytes: Bytes,
    pub grant: Grant,
}

impl BodyLimits {
    /// Checks the declared length before anything is read: too large, or no
    /// room for it now. On success the share for it is already taken.
    pub fn admit(&self, declared: Option<u64>) -> Result<Grant, BodyError> {
        let declared = declared.unwrap_or(0);
        if declared > self.max {
            return Err(BodyError::TooLarge(self.max));
        }
        self.budget.take(declared).ok_or(BodyError::Busy)
    }

    /// Reads the body with the share `admit` gave, growing it as chunks of
    /// a body of unknown length arrive.
    pub async fn read(&self, body: Incoming, mut grant: Grant) -> Result<Body, BodyError> {
        let mut bytes = Gather::new(usize::try_from(grant.bytes()).unwrap_or(0));
        let reading = async {
            let mut body = body;
            while let Some(frame) = body.frame().await {
                let frame = frame.map_err(|e| BodyError::Broken(broken(&e, bytes.len())))?;
                let Ok(data) = frame.into_data() else {
                    continue; // trailers
                };
                let total = (bytes.len() + data.len()) as u64;
                if total > self.max {
                    return Err(BodyError::TooLarge(self.max));
                }
                if !grant.grow_to(total) {
                    return Err(BodyError::Busy);
                }
                bytes.push(data);
            }
            Ok(())
        };
        let stopped = async {
            let stopped = match self.stopping.clone() {
                Some(mut rx) => rx.wait_for(|s| *s).await.is_ok(),
                None => false,
            };
            // No stop signal (or its gate gone): never.
            if !stopped {
                std::future::pending::<()>().await;
            }
        };
        tokio::select! {
            read = tokio::time::timeout(self.timeout, reading) => match read {
                Ok(Ok(())) => Ok(Body {
                    bytes: bytes.finish(),
                    grant,
                }),
                Ok(Err(e)) => Err(e),
                Err(_) => Err(BodyError::TimedOut(self.timeout)),
            },
            () = stopped => Err(BodyError::Stopping),
        }
    }
}

/// Why a body broke off, in words that say what happened: hyper's own name
/// the kind alone (`error reading a body from connection`).
fn broken(e: &hyper::Error, got: usize) -> String {
    let cause = std::error::Error::source(e);
    let closed = cause
        .and_then(|c| c.downcast_ref::<std::io::Error>())
        .is_some_and(|io| io.kind() == std::io::ErrorKind::UnexpectedEof);
    match cause {
        _ if closed => format!("the connection closed after {got} bytes of it"),
        Some(cause) => format!("{e}: {cause}"),
        None => e.to_string(),
    }
}

/// A body's bytes as its frames arrive. A body in one frame (the usual
/// webhook) stays hyper's own buffer, not copied; a second frame starts one
/// buffer for the whole body, sized for the declared length.
struct Gather {
    one: Bytes,
    more: Option<BytesMut>,
    declared: usize,
}

impl Gather {
    fn new(declared: usize) -> Gather {
        Gather {
            one: Bytes::new(),
            more: None,
            declared,
        }
    }

    fn len(&self) -> usize {
        self.more.as_ref().map_or(self.one.len(), BytesMut::len)
    }

    fn push(&mut self, data: Bytes) {
        if let Some(more) = &mut self.more {
            more.extend_from_slice(&data);
        } else if self.one.is_empty() {
            self.one = data;
        } else {
            let mut more = BytesMut::with_capacity(self.declared.max(self.one.len() + data.len()));
            more.extend_from_slice(&self.one);
            more.extend_from_slice(&data);
            self.one = Bytes::new();
            self.more = Some(more);
        }
    }

    fn finish(self) -> Bytes {
        self.more.map_or(self.one, BytesMut::freeze)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_in_one_frame_is_the_frame_itself_not_a_copy() {
        let frame = Bytes::from(vec![b'{'; 3072]);
        let at = frame.as_ptr();
        let mut body = Gather::new(3072);
        body.push(frame);
        let whole = body.finish();
        assert_eq!((whole.as_ptr(), whole.len()), (at, 3072));
    }

    #[test]
    fn frames_after_the_first_are_joined_in_order() {
        let mut body = Gather::new(0);
        for part in [&b"ab"[..], b"", b"c\r\n", b"\xff"] {
            body.push(Bytes::copy_from_slice(part));
        }
        assert_eq!(body.len(), 6);
        assert_eq!(&body.finish()[..], b"abc\r\n\xff");
    }
}
