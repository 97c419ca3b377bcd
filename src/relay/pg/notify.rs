//! Group commit of the routing notifications (deliveries out, answers
//! back): every `NOTIFY` waiting when a sender is free goes out in one
//! statement, one transaction, one round trip, instead of one each. The
//! connections they go out on commit with `synchronous_commit = off`: a routed
//! delivery needs no durability (one in flight when an instance dies is
//! answered 502 and retried), so no commit waits for a WAL flush. The
//! buffer's statements keep the shared connections, durable as before.
//!
//! Payloads of one batch for the same topic share a notification, one per
//! line, while they fit: fewer entries in the server's notification queue
//! for its listeners to read and pass on (answers are small, many fit in
//! one). A payload never holds a newline (see [`super::text`]).
//!
//! The batches go out on the instance's own listening connection while it
//! has one (both senders share it; their statements pipeline). PostgreSQL
//! wakes every listener of the database at each commit, but not the
//! committing connection itself, which reads the queue it just wrote before
//! it goes idle: a delivery sent this way does not wake its sender's own
//! listener, nor make it read queue pages back from disk later. Without a
//! listening connection (while it reconnects) the senders open one of their
//! own, closed once the instance listens again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex as StdMutex};

use tokio::sync::{Mutex, mpsc, oneshot};
use tokio_postgres::{Client, Statement};

use super::{Db, DbError};

/// Senders working at once: while one batch is on its way the next one
/// gathers (on one connection their statements pipeline; one sender alone
/// made smaller batches wait longer and cost more CPU per delivery).
const SENDERS: usize = 2;
/// A batch not committed within this is failed (its senders get 503 and
/// retry) and its connection left: a healthy database commits one in
/// milliseconds, and a connection gone half-open would hold every routed
/// delivery until TCP gave up.
const SEND_LIMIT: std::time::Duration = std::time::Duration::from_secs(5);
/// A batch stops growing past this many payload bytes.
const BATCH_BYTES: usize = 1 << 20;
/// The longest payload PostgreSQL takes (it refuses 8000 bytes).
const NOTIFY_MAX: usize = 7999;
/// One `pg_notify` per element of the two arrays, in their order.
const BATCH_SQL: &str = "SELECT pg_notify(t, p) FROM unnest($1::text[], $2::text[]) AS n(t, p)";

struct Pending {
    topic: String,
    payload: String,
    sent: oneshot::Sender<Result<(), DbError>>,
}

/// A connection ready to send batches on: asynchronous commits, the batch
/// statement prepared.
type Ready = (Arc<Client>, Statement);

/// Where the batches go out: the instance's listening connection once it
/// is ready to send on, else one connection of the senders' own.
#[derive(Default)]
struct Connections {
    listening: Option<Ready>,
    fallback: Option<Ready>,
}

type SharedConnections = Arc<StdMutex<Connections>>;

/// The routing notifications of one instance.
pub(in crate::relay) struct Notifier {
    db: Arc<Db>,
    queue: mpsc::UnboundedSender<Pending>,
    connections: SharedConnections,
}

impl Notifier {
    /// Starts the senders (on the current runtime).
    pub(in crate::relay) fn start(db: Arc<Db>) -> Notifier {
        let (queue, waiting) = mpsc::unbounded_channel();
        let waiting = Arc::new(Mutex::new(waiting));
        let connections = SharedConnections::default();
        for _ in 0..SENDERS {
            tokio::spawn(send_batches(
                db.clone(),
                waiting.clone(),
                connections.clone(),
            ));
        }
        Notifier {
            db,
            queue,
            connections,
        }
    }

    /// From now on batches go out on `client`, the instance's listening
    /// connection (until it closes).
    pub(in crate::relay) async fn send_on(&self, client: Arc<Client>) -> Result<(), DbError> {
        let ready = prepare(&self.db, client).await?;
        let fallback = {
            let mut connections = self.connections.lock().unwrap_or_else(|p| p.into_inner());
            connections.listening = Some(ready);
            connections.fallback.take()
        };
        // Not needed any more: closed (its backend ends) as it drops.
        drop(fallback);
        Ok(())
    }

    /// `NOTIFY topic, payload`, committed (asynchronously) when this returns.
    pub(in crate::relay) async fn notify(
        &self,
        topic: String,
        payload: String,
    ) -> Result<(), DbError> {
        let (sent, done) = oneshot::channel();
        let pending = Pending {
            topic,
            payload,
            sent,
        };
        if self.queue.send(pending).is_err() {
            return Err(self.stopped());
        }
        done.await.unwrap_or_else(|_| Err(self.stopped()))
    }

    fn stopped(&self) -> DbError {
        DbError::Failed {
            shown: self.db.shown().to_string(),
            why: "the relay's notification senders stopped".into(),
        }
    }
}

/// One sender: takes whatever is waiting (at least one), sends it as one
/// statement, tells each waiter how it went.
async fn send_batches(
    db: Arc<Db>,
    waiting: Arc<Mutex<mpsc::UnboundedReceiver<Pending>>>,
    connections: SharedConnections,
) {
    loop {
        let batch = {
            let mut waiting = waiting.lock().await;
            let Some(first) = waiting.recv().await else {
                return;
            };
            let mut bytes = first.payload.len();
            let mut batch = vec![first];
            while bytes < BATCH_BYTES {
                let Ok(next) = waiting.try_recv() else { break };
                bytes += next.payload.len();
                batch.push(next);
            }
            batch
        };
        let result = match connection(&db, &connections).await {
            Ok(ready) => match tokio::time::timeout(SEND_LIMIT, send(&db, &ready, &batch)).await {
                Ok(sent) => sent,
                Err(_) => Err(stalled(&db, &connections, &ready)),
            },
            Err(e) => Err(e),
        };
        for p in batch {
            let _ = p.sent.send(result.clone());
        }
    }
}

/// The connection to send on: the listening one when it is open, else the
/// senders' own, opened when there is none.
async fn connection(db: &Db, connections: &SharedConnections) -> Result<Ready, DbError> {
    let open = |c: &Option<Ready>| c.clone().filter(|(c, _)| !c.is_closed());
    {
        let connections = connections.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(ready) = open(&connections.listening).or_else(|| open(&connections.fallback)) {
            return Ok(ready);
        }
    }
    let ready = prepare(db, Arc::new(db.dedicated().await?)).await?;
    let mut connections = connections.lock().unwrap_or_else(|p| p.into_inner());
    // Another sender's, opened meanwhile, stays; this one serves this batch.
    if open(&connections.fallback).is_none() {
        connections.fallback = Some(ready.clone());
    }
    Ok(ready)
}

/// A batch took longer than [`SEND_LIMIT`]: the connection is taken out
/// (the next batch opens another), and its waiters hear why.
fn stalled(db: &Db, connections: &SharedConnections, ready: &Ready) -> DbError {
    let mut guard = connections.lock().unwrap_or_else(|p| p.into_inner());
    let connections = &mut *guard;
    for slot in [&mut connections.listening, &mut connections.fallback] {
        if slot.as_ref().is_some_and(|(c, _)| Arc::ptr_eq(c, &ready.0)) {
            *slot = None;
        }
    }
    DbError::Unreachable {
        shown: db.shown().to_string(),
        why: format!(
            "a routing notification was not committed within {} s",
            SEND_LIMIT.as_secs()
        ),
    }
}

async fn send(db: &Db, (client, statement): &Ready, batch: &[Pending]) -> Result<(), DbError> {
    let (topics, payloads) = joined(batch);
    client
        .execute(statement, &[&topics, &payloads])
        .await
        .map(|_| ())
        .map_err(|e| db.error(&e))
}

/// The batch's notifications: per topic, its payloads in order, as many
/// a line each as fit in one.
fn joined(batch: &[Pending]) -> (Vec<&str>, Vec<String>) {
    let mut topics: Vec<&str> = Vec::new();
    let mut payloads: Vec<String> = Vec::new();
    // Where each topic's notification still taking payloads is.
    let mut open: HashMap<&str, usize> = HashMap::new();
    for p in batch {
        if let Some(&i) = open.get(p.topic.as_str())
            && payloads[i].len() + 1 + p.payload.len() <= NOTIFY_MAX
        {
            payloads[i].push('\n');
            payloads[i].push_str(&p.payload);
            continue;
        }
        open.insert(&p.topic, payloads.len());
        topics.push(&p.topic);
        payloads.push(p.payload.clone());
    }
    (topics, payloads)
}

/// `client` made ready to send on: asynchronous commits, the batch
/// statement prepared.
async fn prepare(db: &Db, client: Arc<Client>) -> Result<Ready, DbError> {
    client
        .batch_execute("SET synchronous_commit = off")
        .await
        .map_err(|e| db.error(&e))?;
    let statement = client.prepare(BATCH_SQL).await.map_err(|e| db.error(&e))?;
    Ok((client, statement))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending(topic: &str, payload: String) -> Pending {
        Pending {
            topic: topic.into(),
            payload,
            sent: oneshot::channel().0,
        }
    }

    #[test]
    fn payloads_to_one_topic_share_a_notification_while_they_fit() {
        let big = |c: &str| c.repeat(3_500);
        let batch = [
            pending("a", big("1")),
            pending("b", "r:1".into()),
            pending("a", big("2")),
            pending("b", "r:2".into()),
            pending("a", big("3")),
            pending("a", "p:4".into()),
        ];
        let (topics, payloads) = joined(&batch);
        assert_eq!(topics, ["a", "b", "a"]);
        assert_eq!(
            payloads,
            [
                format!("{}\n{}", big("1"), big("2")),
                "r:1\nr:2".into(),
                format!("{}\np:4", big("3")),
            ]
        );
        assert!(payloads.iter().all(|p| p.len() <= NOTIFY_MAX));
    }
}
