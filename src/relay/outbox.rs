//! The relay's queue of messages for one client. Bounded in bytes and in
//! count, so a client that stops reading cannot grow the relay's memory;
//! a delivery whose sender was already answered (504) leaves it at once
//! instead of being sent later; and a queue that stays full while the
//! writer takes nothing marks its client as stuck.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::Notify;
use tokio_tungstenite::tungstenite::Message;

/// How much may wait for one client.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Bytes of delivery frames; one frame is always let into an empty
    /// queue, whatever its size (the body limit caps that one).
    pub bytes: usize,
    /// Delivery frames.
    pub count: usize,
    /// How long the queue may stay full with nothing taken before the
    /// client counts as stuck.
    pub grace: Duration,
}

/// Pings and pongs kept at most: a client that reads none has no use for more.
const MAX_CONTROL: usize = 8;

/// Why a delivery was not queued.
#[derive(Debug, PartialEq)]
pub enum Refused {
    /// The client is not keeping up.
    Full,
    /// The client's connection is gone.
    Closed,
}

struct Entry {
    /// The delivery's id; `None` for control messages.
    id: Option<u64>,
    msg: Message,
    size: usize,
}

#[derive(Default)]
struct Inner {
    queue: VecDeque<Entry>,
    bytes: usize,
    frames: usize,
    controls: usize,
    closed: bool,
    /// Since when deliveries are refused with nothing taken meanwhile.
    full_since: Option<Instant>,
}

pub struct Outbox {
    inner: Mutex<Inner>,
    ready: Notify,
    stuck: Notify,
    limits: Limits,
}

impl Outbox {
    pub fn new(limits: Limits) -> Outbox {
        Outbox {
            inner: Mutex::new(Inner::default()),
            ready: Notify::new(),
            stuck: Notify::new(),
            limits,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues an encoded delivery frame under its id.
    pub fn push_frame(&self, id: u64, frame: Vec<u8>) -> Result<(), Refused> {
        let size = frame.len();
        let mut inner = self.lock();
        if inner.closed {
            return Err(Refused::Closed);
        }
        let fits = inner.frames == 0
            || (inner.frames < self.limits.count
                && inner.bytes.saturating_add(size) <= self.limits.bytes);
        if !fits {
            let since = *inner.full_since.get_or_insert_with(Instant::now);
            if since.elapsed() >= self.limits.grace {
                self.stuck.notify_one();
            }
            return Err(Refused::Full);
        }
        inner.bytes += size;
        inner.frames += 1;
        inner.queue.push_back(Entry {
            id: Some(id),
            msg: Message::Binary(frame.into()),
            size,
        });
        drop(inner);
        self.ready.notify_one();
        Ok(())
    }

    /// Queues a ping, pong or close. Pings and pongs past a few are dropped.
    pub fn push_control(&self, msg: Message) {
        let mut inner = self.lock();
        if inner.closed {
            return;
        }
        if !matches!(msg, Message::Close(_)) {
            if inner.controls >= MAX_CONTROL {
                return;
            }
            inner.controls += 1;
        }
        inner.queue.push_back(Entry {
            id: None,
            msg,
            size: 0,
        });
        drop(inner);
        self.ready.notify_one();
    }

    /// Takes a delivery back out if the writer has not taken it yet.
    pub fn cancel(&self, id: u64) -> bool {
        let mut inner = self.lock();
        let Some(at) = inner.queue.iter().position(|e| e.id == Some(id)) else {
            return false;
        };
        if let Some(e) = inner.queue.remove(at) {
            inner.bytes -= e.size;
            inner.frames -= 1;
        }
        true
    }

    fn pop(&self) -> Option<Message> {
        let mut inner = self.lock();
        let e = inner.queue.pop_front()?;
        if e.id.is_some() {
            inner.bytes -= e.size;
            inner.frames -= 1;
        } else if !matches!(e.msg, Message::Close(_)) {
            inner.controls -= 1;
        }
        inner.full_since = None;
        Some(e.msg)
    }

    /// The next message without waiting.
    pub fn try_next(&self) -> Option<Message> {
        self.pop()
    }

    /// The next message; `None` once closed.
    pub async fn next(&self) -> Option<Message> {
        loop {
            if self.lock().closed {
                return None;
            }
            if let Some(m) = self.pop() {
                return Some(m);
            }
            // One consumer: a notify_one before this wait leaves a permit.
            self.ready.notified().await;
        }
    }

    /// Refuses everything from now on and lets go of what waits.
    pub fn close(&self) {
        let mut inner = self.lock();
        inner.closed = true;
        inner.queue.clear();
        inner.bytes = 0;
        inner.frames = 0;
        inner.controls = 0;
        drop(inner);
        self.ready.notify_one();
    }

    /// True once the queue has refused deliveries for a whole grace period
    /// while the writer took nothing.
    pub fn is_stuck(&self) -> bool {
        self.lock()
            .full_since
            .is_some_and(|since| since.elapsed() >= self.limits.grace)
    }

    /// Resolves when a refused delivery finds the queue stuck.
    pub async fn stuck(&self) {
        self.stuck.notified().await
    }

    /// Bytes and delivery frames waiting now.
    #[cfg(test)]
    pub fn waiting(&self) -> (usize, usize) {
        let inner = self.lock();
        (inner.bytes, inner.frames)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outbox(bytes: usize, count: usize, grace_ms: u64) -> Outbox {
        Outbox::new(Limits {
            bytes,
            count,
            grace: Duration::from_millis(grace_ms),
        })
    }

    #[test]
    fn bounded_in_bytes_and_in_count_but_one_frame_always_fits() {
        let o = outbox(100, 3, 60_000);
        assert_eq!(
            o.push_frame(1, vec![0; 500]),
            Ok(()),
            "one frame always fits"
        );
        assert_eq!(o.push_frame(2, vec![0; 1]), Err(Refused::Full));
        assert!(o.try_next().is_some());
        for id in 3..6 {
            assert_eq!(o.push_frame(id, vec![0; 10]), Ok(()));
        }
        assert_eq!(o.push_frame(6, vec![0; 10]), Err(Refused::Full), "count");
        assert_eq!(o.waiting(), (30, 3));
        o.close();
        assert_eq!(o.push_frame(7, vec![0; 1]), Err(Refused::Closed));
        assert_eq!(o.waiting(), (0, 0));
    }

    #[test]
    fn a_cancelled_delivery_is_never_sent_and_frees_its_room() {
        let o = outbox(100, 10, 60_000);
        o.push_frame(1, vec![1; 60]).unwrap();
        o.push_frame(2, vec![2; 30]).unwrap();
        assert_eq!(o.push_frame(3, vec![3; 30]), Err(Refused::Full));
        assert!(o.cancel(1));
        assert!(!o.cancel(1), "already gone");
        o.push_frame(3, vec![3; 30]).unwrap();
        let sent: Vec<u8> = std::iter::from_fn(|| o.try_next())
            .map(|m| m.into_data()[0])
            .collect();
        assert_eq!(sent, [2, 3]);
    }

    #[test]
    fn control_messages_are_few_and_a_close_always_goes() {
        let o = outbox(10, 1, 60_000);
        for _ in 0..20 {
            o.push_control(Message::Ping(Vec::new().into()));
        }
        o.push_control(Message::Close(None));
        let all: Vec<Message> = std::iter::from_fn(|| o.try_next()).collect();
        assert_eq!(all.len(), MAX_CONTROL + 1);
        assert!(matches!(all.last(), Some(Message::Close(None))));
    }

    #[test]
    fn stuck_once_full_for_the_grace_with_nothing_taken() {
        let o = outbox(10, 1, 50);
        o.push_frame(1, vec![0; 10]).unwrap();
        assert_eq!(o.push_frame(2, vec![0; 1]), Err(Refused::Full));
        assert!(!o.is_stuck());
        std::thread::sleep(Duration::from_millis(60));
        assert!(o.is_stuck());
        // Taking a message is progress: no longer stuck.
        assert!(o.try_next().is_some());
        assert!(!o.is_stuck());
    }
}
