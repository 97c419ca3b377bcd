//! The one writer: a thread that owns the write connection and commits in
//! batches (group commit). A caller's future resolves only once the
//! transaction holding its row has committed.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;

use rusqlite::{Connection, Transaction, params};
use tokio::sync::oneshot;

use super::codec::encode_headers;
use super::wal_bound::WalBound;
use super::{Attempt, Delivery, Result, Store, StoreError};
use crate::secret::redact_credentials;

/// The most rows one transaction takes; more wait for the next one.
const MAX_BATCH: usize = 1024;

/// How long a commit under load waits for more rows to join it. Short: at
/// 16 senders a 300 µs wait capped listen at 17k deliveries a second where
/// 50 µs gave 20-22k, and at 64 senders both gave the same (rows gather
/// during the commit before anyway).
const LINGER: std::time::Duration = std::time::Duration::from_micros(50);

type Reply = oneshot::Sender<Result<()>>;

enum Job {
    /// A delivery, with the answer hookcli gave it when that is known already.
    Delivery(Box<Delivery>, Option<Box<Attempt>>, Reply),
    /// A relay delivery kept for a channel with no client attached.
    Buffer(Box<Delivery>, String, Reply),
    /// A buffered delivery the client has answered.
    Delivered(Box<Attempt>, Reply),
    Attempt(Box<Attempt>, Reply),
    /// Attempts sent together (a bulk replay's): one message and one
    /// answer, each attempt's result in order.
    Attempts(Vec<Attempt>, oneshot::Sender<Vec<Result<()>>>),
}

/// A handle to the writer; cheap to clone, one per task.
#[derive(Clone)]
pub struct Writer {
    tx: mpsc::Sender<Job>,
}

/// The writer thread; `join` waits until every `Writer` is dropped and the
/// last batch is committed.
pub struct WriterThread {
    writer: JoinHandle<()>,
    checkpoints: JoinHandle<()>,
    stop: Arc<AtomicBool>,
}

impl WriterThread {
    pub fn join(self) {
        self.stop.store(true, Ordering::SeqCst);
        self.checkpoints.thread().unpark();
        let _ = self.checkpoints.join();
        let _ = self.writer.join();
    }
}

/// The most often the checkpoint thread folds the WAL in. Each fold syncs
/// the WAL and the database, and the writer's appends wait on those syncs
/// a moment: every 20 ms cut the worst stalls (p99.9) to a third but put
/// p99 at 16 senders over 3 ms; every 250 ms keeps p99 near 1 ms and p99.9
/// at about two thirds of folding only at the bound.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(250);

/// Folds the WAL into the database beside the writer (PASSIVE: it takes no
/// lock a commit needs), woken by the writer's commits and at most once
/// every [`CHECKPOINT_EVERY`]. It leaves the writer's own checkpoint at the
/// WAL bound at most a quarter second of frames to copy rather than the
/// whole 64 MiB; idle, it sleeps.
fn checkpoint_loop(conn: Connection, turn: &Mutex<()>, stop: &AtomicBool) {
    loop {
        std::thread::park();
        if stop.load(Ordering::SeqCst) {
            return;
        }
        {
            let _turn = turn.lock().unwrap_or_else(|e| e.into_inner());
            let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
        }
        std::thread::sleep(CHECKPOINT_EVERY);
    }
}

impl Writer {
    /// Opens the store for writing (errors surface here, not later) and
    /// starts the writer thread.
    pub fn start(store: &Store) -> Result<(Writer, WriterThread)> {
        // A damaged file is refused here, before listen binds its port:
        // SQLite would otherwise write new rows into it that no reader can
        // get back.
        let conn = store.open_writer()?;
        // Checkpoints run beside the writer, never inside its commits: an
        // automatic one stalls every delivery waiting on that commit.
        let _ = conn.pragma_update(None, "wal_autocheckpoint", 0);
        // ...and the writer itself keeps the WAL bounded, between batches.
        let turn = Arc::new(Mutex::new(()));
        let bound = WalBound::install(&conn, turn.clone());
        let checkpointer = store.open_write()?;
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        let checkpoints = std::thread::Builder::new()
            .name("hookcli-store-checkpoint".into())
            .spawn(move || checkpoint_loop(checkpointer, &turn, &stop2))
            .map_err(|e| StoreError::Write(format!("cannot start the checkpoint thread: {e}")))?;
        let (tx, rx) = mpsc::channel();
        let owner = store.clone();
        let wake_checkpoints = checkpoints.thread().clone();
        let handle = std::thread::Builder::new()
            .name("hookcli-store-writer".into())
            .spawn(move || run(conn, bound, rx, &owner, &wake_checkpoints))
            .map_err(|e| StoreError::Write(format!("cannot start the writer thread: {e}")))?;
        Ok((
            Writer { tx },
            WriterThread {
                writer: handle,
                checkpoints,
                stop,
            },
        ))
    }

    /// Records a delivery; returns once it is committed.
    pub async fn delivery(&self, d: Delivery) -> Result<()> {
        self.delivery_with(d, None).await
    }

    /// Records a delivery and its first attempt in one transaction.
    pub async fn delivery_with(&self, d: Delivery, attempt: Option<Attempt>) -> Result<()> {
        let (tx, rx) = oneshot::channel();
        self.tx
            .send(Job::Delivery(Box::new(d), attempt.map(Box::new), tx))
            .map_err(|_| StoreError::WriterGone)?;
        Self::wait(rx).await
    }

    /// Keeps a relay delivery for `channel` until a client takes it.
    pub async fn buffer(&self, d: Delivery, channel: &str) -> Result<()> {
        let (tx, rx) = oneshot::channel();
        self.tx
            .send(Job::Buffer(Box::new(d), channel.to_string(), tx))
            .map_err(|_| StoreError::WriterGone)?;
        Self::wait(rx).await
    }

    /// Records the answer to a buffered delivery and takes it off the queue.
    pub async fn delivered(&self, a: Attempt) -> Result<()> {
        let (tx, rx) = oneshot::channel();
        self.tx
            .send(Job::Delivered(Box::new(a), tx))
            .map_err(|_| StoreError::WriterGone)?;
        Self::wait(rx).await
    }

    /// Records an attempt; returns once it is committed.
    pub async fn attempt(&self, a: Attempt) -> Result<()> {
        let (tx, rx) = oneshot::channel();
        self.tx
            .send(Job::Attempt(Box::new(a), tx))
            .map_err(|_| StoreError::WriterGone)?;
        Self::wait(rx).await
    }

    /// Records attempts together; returns once they are committed, with
    /// each one's result in order (one that fails fails alone).
    pub async fn attempts(&self, batch: Vec<Attempt>) -> Vec<Result<()>> {
        let n = batch.len();
        let gone = || (0..n).map(|_| Err(StoreError::WriterGone)).collect();
        let (tx, rx) = oneshot::channel();
        if self.tx.send(Job::Attempts(batch, tx)).is_err() {
            return gone();
        }
        rx.await.unwrap_or_else(|_| gone())
    }

    async fn wait(rx: oneshot::Receiver<Result<()>>) -> Result<()> {
        rx.await.unwrap_or(Err(StoreError::WriterGone))
    }
}

fn run(
    mut conn: Connection,
    mut bound: WalBound,
    rx: mpsc::Receiver<Job>,
    store: &Store,
    checkpoints: &std::thread::Thread,
) {
    // SQLite's failure, worded as the store's: a damaged file says so.
    let to_err = store.sqlite_err();
    // Under load, a commit that waits a moment for more rows costs each
    // row far less: the pages they share are written once.
    let mut busy = false;
    while let Ok(first) = rx.recv() {
        // The linger is a sleep, not a wait on the channel: rows sent
        // meanwhile queue without waking this thread, one wake-up a batch
        // rather than one a row.
        if busy {
            std::thread::sleep(LINGER);
        }
        let mut batch = vec![first];
        batch.extend(rx.try_iter().take(MAX_BATCH - 1));
        busy = batch.len() > 1;
        let outcome = commit_batch(&mut conn, &batch);
        for (job, mut results) in batch.into_iter().zip(outcome) {
            let reply = match job {
                Job::Delivery(_, _, r)
                | Job::Attempt(_, r)
                | Job::Buffer(_, _, r)
                | Job::Delivered(_, r) => r,
                Job::Attempts(_, r) => {
                    let _ = r.send(results.into_iter().map(|r| r.map_err(&to_err)).collect());
                    continue;
                }
            };
            let result = results.pop().unwrap_or(Ok(()));
            let _ = reply.send(result.map_err(&to_err));
        }
        // New frames to fold in (a no-op when the thread is awake already).
        checkpoints.unpark();
        // After the answers, never inside a commit.
        bound.after_batch(&conn);
    }
    // Every sender is gone: fold the WAL back so the file stands alone.
    let _ = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
}

/// Each row's result, per job: one for most, one per attempt of `Attempts`.
type Outcome = Vec<Vec<rusqlite::Result<()>>>;

/// One transaction for the whole batch; a row that fails fails alone, a
/// failed commit fails them all.
fn commit_batch(conn: &mut Connection, batch: &[Job]) -> Outcome {
    let fail_all = |e: &rusqlite::Error| -> Outcome {
        let rows = |job: &Job| match job {
            Job::Attempts(a, _) => a.len(),
            _ => 1,
        };
        let all = |job| (0..rows(job)).map(|_| Err(clone_err(e))).collect();
        batch.iter().map(all).collect()
    };
    let tx = match conn.transaction() {
        Ok(tx) => tx,
        Err(e) => return fail_all(&e),
    };
    let results: Outcome = batch
        .iter()
        .map(|job| match job {
            Job::Attempts(attempts, _) => attempts.iter().map(|a| insert_attempt(&tx, a)).collect(),
            single => vec![insert_single(&tx, single)],
        })
        .collect();
    match tx.commit() {
        Ok(()) => results,
        Err(e) => fail_all(&e),
    }
}

/// The rows of a job that carries one.
fn insert_single(tx: &Transaction<'_>, job: &Job) -> rusqlite::Result<()> {
    match job {
            Job::Delivery(d, attempt, _) => insert_delivery(tx, d, attempt.as_deref()).and_then(|()| match attempt {
                Some(a) => insert_attempt(tx, a),
                None => Ok(()),
            }),
            Job::Attempt(a, _) => insert_attempt(tx, a),
            Job::Buffer(d, channel, _) => insert_delivery(tx, d, None).and_then(|()| {
                tx.prepare_cached("INSERT INTO relay_queue (channel, delivery_id) VALUES (?1, ?2)")?
                    .execute(params![channel, d.id])
                    .map(|_| ())
            }),
            Job::Delivered(a, _) => insert_attempt(tx, a).and_then(|()| {
                tx.prepare_cached(
                    "UPDATE relay_queue SET delivered_at = ?2 WHERE delivery_id = ?1 AND delivered_at IS NULL",
                )?
                .execute(params![a.delivery_id, a.started_at])
                .map(|_| ())
            }),
            Job::Attempts(attempts, _) => attempts.iter().try_for_each(|a| insert_attempt(tx, a)),
    }
}

/// One failure for every row of a batch, keeping SQLite's code (so a
/// damaged file is still named as one) and its text, nothing more.
fn clone_err(e: &rusqlite::Error) -> rusqlite::Error {
    use rusqlite::ffi;
    match e {
        rusqlite::Error::SqliteFailure(code, text) => {
            rusqlite::Error::SqliteFailure(*code, text.clone())
        }
        other => rusqlite::Error::SqliteFailure(
            ffi::Error::new(ffi::SQLITE_ERROR),
            Some(other.to_string()),
        ),
    }
}

/// Inserts a delivery; with its first attempt already known, the row keeps
/// that outcome (the outcome at capture; readers derive the current one
/// from the attempts, through the `deliveries_now` view).
fn insert_delivery(
    tx: &Transaction<'_>,
    d: &Delivery,
    first: Option<&Attempt>,
) -> rusqlite::Result<()> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO deliveries (id, received_at, peer, method, target, http_version, headers, body,
            body_size, body_sha256, provider, event_type, event_id, verdict, verdict_cause,
            verdict_reason, source, public_url, rejected, last_status, last_error, attempt_count)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19,
            ?20, ?21, ?22)",
    )?;
    stmt.execute(params![
        d.id,
        d.received_at,
        d.peer,
        d.method,
        d.target,
        d.http_version,
        // A credential is never written, whoever recorded the delivery.
        encode_headers(&redact_credentials(&d.headers)),
        d.body.as_ref(),
        d.body.len() as i64,
        d.body_sha256,
        d.provider,
        d.event_type,
        d.event_id,
        d.verdict.word,
        d.verdict.cause,
        d.verdict.explanation,
        d.source,
        d.public_url,
        d.rejected,
        first.and_then(|a| a.status),
        first.and_then(|a| a.error.clone()),
        i64::from(first.is_some()),
    ])?;
    Ok(())
}

/// An attempt is its one row: the delivery's row is not touched (its
/// outcome is derived from its attempts, see the `deliveries_now` view).
fn insert_attempt(tx: &Transaction<'_>, a: &Attempt) -> rusqlite::Result<()> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO attempts (delivery_id, kind, target, started_at, status, headers, body, duration_ms, error,
            sent_headers, sent_body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?;
    stmt.execute(params![
        a.delivery_id,
        a.kind.as_str(),
        a.target,
        a.started_at,
        a.status,
        encode_headers(&a.headers),
        a.body,
        a.duration_ms,
        a.error,
        a.sent
            .as_ref()
            .map(|s| encode_headers(&redact_credentials(&s.headers))),
        a.sent.as_ref().map(|s| s.body.clone()),
    ])?;
    Ok(())
}
