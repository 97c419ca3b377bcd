//! The relay's buffer (`--buffer DIR`, or `--buffer` in PostgreSQL with
//! `--database-url`): a delivery for an absent client is committed before
//! its 202, and handed over in arrival order once a client attaches, at
//! least once.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use super::frame::Frame;
use super::pg::Db;
use super::server::{Attached, Failed, Reply, State, over, reply, unavailable};
use crate::provider::crypto::sha256_hex;
use crate::store::{Attempt, AttemptKind, Delivery, Store, VerdictRecord, Writer, new_id, now_ms};

/// Where deliveries for absent clients are kept.
pub(super) enum Backlog {
    /// A store folder of this relay's own.
    Store(Store, Writer),
    /// PostgreSQL, shared by every relay instance on it.
    Database(Arc<Db>),
}

/// Keeps a delivery for later: committed before the 202 goes out.
pub(super) async fn buffer(state: &Arc<State>, channel: &str, frame: Frame) -> Reply {
    let writer = match &state.buffer {
        None => return reply(503, serde_json::json!({ "error": "no buffer" })),
        Some(Backlog::Database(db)) => return buffer_in(state, db, channel, frame).await,
        Some(Backlog::Store(_, writer)) => writer,
    };
    let Frame::Deliver {
        method,
        target,
        public_url,
        peer,
        headers,
        body,
        ..
    } = frame
    else {
        return reply(500, serde_json::json!({ "error": "not a delivery" }));
    };
    let d = Delivery {
        id: new_id(),
        received_at: now_ms(),
        peer,
        method,
        target,
        http_version: "HTTP/1.1".into(),
        headers,
        body_sha256: sha256_hex(&body),
        body,
        provider: None,
        event_type: None,
        event_id: None,
        verdict: VerdictRecord::unchecked("buffered by the relay; listen checks it on arrival"),
        source: "relay-buffer".into(),
        public_url: Some(public_url),
        rejected: None,
    };
    let id = d.id.clone();
    match writer.buffer(d, channel).await {
        Ok(()) => kept(state, channel, &id),
        // The store's path and SQLite's words stay on the relay's stderr:
        // the sender is on the internet.
        Err(e) => {
            state.log.note(&format!(
                "channel {channel}: could not keep a delivery: {}",
                crate::output::one_line(&e.to_string())
            ));
            reply(
                500,
                serde_json::json!({ "error": "the relay could not keep the delivery" }),
            )
        }
    }
}

/// The 202 of a delivery kept for later.
fn kept(state: &Arc<State>, channel: &str, id: &str) -> Reply {
    // A client may have attached meanwhile: make sure it drains.
    let attached = state.attached(channel);
    if let Some(a) = attached
        && !a.draining.swap(true, Ordering::SeqCst)
    {
        tokio::spawn(drain(state.clone(), channel.to_string(), a));
    }
    reply(
        202,
        serde_json::json!({ "buffered": true, "id": id, "channel": channel }),
    )
}

/// Keeps a delivery in PostgreSQL. A database that cannot take it gets the
/// sender a 503 with Retry-After: never a 2xx for something not kept.
async fn buffer_in(state: &Arc<State>, db: &Db, channel: &str, frame: Frame) -> Reply {
    let id = new_id();
    match super::pg::backlog::keep(db, channel, &id, &frame).await {
        Ok(()) => kept(state, channel, &id),
        Err(e) => {
            state.log.note(&format!(
                "channel {channel}: could not keep a delivery: {e}"
            ));
            unavailable("the relay cannot keep the delivery just now; retry later".into())
        }
    }
}

/// One delivery to a client, waiting (in order) while its queue is full.
/// A client that never makes room is detached, and this ends.
pub(super) async fn hand_over(
    state: &State,
    a: &Attached,
    mut frame: Frame,
) -> Result<Frame, Failed> {
    loop {
        match over(state, a, frame).await {
            Err(Failed::Full(back)) => {
                frame = back;
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            other => return other,
        }
    }
}

/// Up to `limit` deliveries buffered for `channel`, oldest first, read on a
/// blocking thread: the relay may serve every connection on one thread.
async fn pending(
    store: &Store,
    channel: &str,
    limit: usize,
) -> Result<Vec<Delivery>, crate::store::StoreError> {
    let (store, channel) = (store.clone(), channel.to_string());
    tokio::task::spawn_blocking(move || {
        store.open_read().and_then(|c| {
            crate::store::query::pending(&c, &channel, limit).map_err(store.sqlite_err())
        })
    })
    .await
    .unwrap_or_else(|e| Err(crate::store::StoreError::Write(e.to_string())))
}

/// Hands buffered deliveries to a newly attached client, oldest first.
/// At least once: a delivery leaves the queue only once the client answered.
pub(super) async fn drain(state: Arc<State>, channel: String, a: Arc<Attached>) {
    let (store, writer) = match &state.buffer {
        None => return,
        Some(Backlog::Database(db)) => {
            return super::pg::backlog::drain(state.clone(), db.clone(), channel, a).await;
        }
        Some(Backlog::Store(store, writer)) => (store, writer),
    };
    // Deliveries the client took too long over: left queued for its next
    // attach, and passed over here so the rest still flows.
    let mut passed_over = std::collections::HashSet::new();
    loop {
        let batch = match pending(store, &channel, 100).await {
            Ok(b) => b
                .into_iter()
                .filter(|d| !passed_over.contains(&d.id))
                .collect::<Vec<_>>(),
            Err(crate::store::StoreError::Missing { .. }) => Vec::new(),
            Err(e) => {
                state.log.note(&format!("cannot read the buffer: {e}"));
                break;
            }
        };
        if batch.is_empty() {
            a.draining.store(false, Ordering::SeqCst);
            // One more look: a delivery buffered just now must not wait for the next client.
            let again = pending(store, &channel, passed_over.len() + 1)
                .await
                .is_ok_and(|b| b.iter().any(|d| !passed_over.contains(&d.id)));
            if again && !a.draining.swap(true, Ordering::SeqCst) {
                continue;
            }
            return;
        }
        for d in batch {
            let started = now_ms();
            let frame = Frame::Deliver {
                id: 0,
                method: d.method.clone(),
                target: d.target.clone(),
                public_url: d.public_url.clone().unwrap_or_default(),
                peer: d.peer.clone(),
                headers: d.headers.clone(),
                body: d.body.clone(),
            };
            match hand_over(&state, &a, frame).await {
                Ok(Frame::Answer {
                    status,
                    headers,
                    body,
                    ..
                }) => {
                    let attempt = Attempt {
                        delivery_id: d.id.clone(),
                        kind: AttemptKind::Forward,
                        target: Some(format!("relay channel {channel}")),
                        started_at: started,
                        status: Some(status),
                        headers,
                        body,
                        duration_ms: (now_ms() - started) as f64,
                        error: None,
                        sent: None,
                    };
                    if let Err(e) = writer.delivered(attempt).await {
                        state
                            .log
                            .note(&format!("cannot mark {} delivered: {e}", d.id));
                    }
                }
                Err(Failed::Status(504, why)) => {
                    state.log.note(&format!("channel {channel}: buffered delivery {} not answered ({why}); kept for the next attach",
                        d.id
                    ));
                    passed_over.insert(d.id.clone());
                }
                _ => {
                    // The client went away: the rest waits for the next one.
                    a.draining.store(false, Ordering::SeqCst);
                    return;
                }
            }
        }
    }
    a.draining.store(false, Ordering::SeqCst);
}
