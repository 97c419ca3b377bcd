//! Group commit of the routing notifications (deliveries out, answers
//! back): every `NOTIFY` waiting when a sender is free goes out in one
//! statement, one transaction, one round trip, instead of one each. The
//! senders' connections commit with `synchronous_commit = off`: a routed
//! delivery needs no durability (one in flight when an instance dies is
//! answered 502 and retried), so no commit waits for a WAL flush. The
//! buffer's statements keep the shared connections, durable as before.
//!
//! Payloads of one batch for the same topic share a notification, one per
//! line, while they fit: fewer entries in the server's notification queue
//! for its listeners to read and pass on (answers are small, many fit in
//! one). A payload never holds a newline (see [`super::text`]).

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::{Mutex, mpsc, oneshot};
use tokio_postgres::{Client, Statement};

use super::{Db, DbError};

/// Senders working at once, each on a connection of its own: while one
/// batch is on its way the next one gathers.
const SENDERS: usize = 2;
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

/// The routing notifications of one instance.
pub(in crate::relay) struct Notifier {
    db: Arc<Db>,
    queue: mpsc::UnboundedSender<Pending>,
}

impl Notifier {
    /// Starts the senders (on the current runtime).
    pub(in crate::relay) fn start(db: Arc<Db>) -> Notifier {
        let (queue, waiting) = mpsc::unbounded_channel();
        let waiting = Arc::new(Mutex::new(waiting));
        for _ in 0..SENDERS {
            tokio::spawn(send_batches(db.clone(), waiting.clone()));
        }
        Notifier { db, queue }
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
async fn send_batches(db: Arc<Db>, waiting: Arc<Mutex<mpsc::UnboundedReceiver<Pending>>>) {
    let mut conn: Option<(Client, Statement)> = None;
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
        let result = send(&db, &mut conn, &batch).await;
        if result.is_err() {
            conn = None;
        }
        for p in batch {
            let _ = p.sent.send(result.clone());
        }
    }
}

async fn send(
    db: &Db,
    conn: &mut Option<(Client, Statement)>,
    batch: &[Pending],
) -> Result<(), DbError> {
    let (client, statement) = match conn.take().filter(|(c, _)| !c.is_closed()) {
        Some(open) => conn.insert(open),
        None => conn.insert(connect(db).await?),
    };
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

/// A sender's connection: asynchronous commits, the batch statement prepared.
async fn connect(db: &Db) -> Result<(Client, Statement), DbError> {
    let client = db.dedicated().await?;
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
