//! Replaying a whole selection: read in one scan as the run goes, sent
//! with bounded concurrency and rate, every attempt recorded before the
//! run ends. What happens is reported as [`Event`]s.

use std::time::{Duration, Instant};

use futures_util::{FutureExt, StreamExt};
use rusqlite::Connection;

use super::{Prepared, ReplayError, Replayer, read_ahead};
use crate::store::{self, Attempt, Delivery, Filter, Lookup, Store, StoreError, Writer};

/// A delivery to replay and, when the run has no `to`, where it was last
/// forwarded.
pub struct Loaded {
    pub delivery: Delivery,
    pub forwarded_to: Option<String>,
}

/// What a run replays.
pub enum Selection {
    /// Deliveries named one by one, already read ([`resolve`]).
    Named(Vec<Loaded>),
    /// Every delivery a filter matches, oldest first, read as the run goes.
    Matching(Filter),
}

/// The deliveries `keys` name (ids, prefixes, short ids, `last`), in the
/// order given. `Err(Ok(key))`: the first key that names none, or several.
pub fn resolve(
    conn: &Connection,
    keys: &[String],
    with_target: bool,
) -> Result<Vec<Loaded>, Result<String, rusqlite::Error>> {
    let mut out = Vec::with_capacity(keys.len());
    for key in keys {
        let Lookup::Found(d) = store::query::lookup(conn, key).map_err(Err)? else {
            return Err(Ok(key.clone()));
        };
        let forwarded_to = match with_target {
            true => store::query::last_forward_target(conn, &d.id).map_err(Err)?,
            false => None,
        };
        out.push(Loaded {
            delivery: *d,
            forwarded_to,
        });
    }
    Ok(out)
}

/// What a run reports as it goes, for the command to render.
pub enum Event<'a> {
    /// How many deliveries the selection holds; before any is sent.
    Selected(usize),
    /// A replay about to go out (its warnings are said now).
    Started(&'a Prepared),
    /// A replay answered, or not; its attempt is being recorded.
    Finished {
        delivery: &'a Delivery,
        prepared: &'a Prepared,
        attempt: &'a Attempt,
    },
    /// A dry run: what would go out.
    WouldSend(&'a Prepared),
    /// A delivery that cannot be replayed; the run goes on.
    Skipped { id: &'a str, why: &'a ReplayError },
    /// No replay has come back for a moment ([`QUIET_AFTER`]): a good
    /// time to write out what was held back.
    Quiet,
    /// A replay was sent but its attempt could not be recorded.
    NotRecorded(&'a StoreError),
    /// The run is over and every attempt recorded.
    Done(&'a Summary),
}

/// How hard a run may push.
#[derive(Clone, Copy, Debug)]
pub struct Pace {
    /// Replays in flight at once; 1 keeps the selection's order.
    pub concurrency: usize,
    /// At most this many replays begin per second.
    pub rate: Option<f64>,
}

/// The counts and latencies a bulk replay ends with.
#[derive(Debug, Default, serde::Serialize)]
pub struct Summary {
    pub selected: usize,
    pub sent: usize,
    pub ok_2xx: usize,
    pub other_status: usize,
    pub errors: usize,
    pub skipped: usize,
    pub p50_ms: Option<f64>,
    pub p99_ms: Option<f64>,
}

impl Summary {
    pub fn add_latencies(&mut self, mut ms: Vec<f64>) {
        ms.sort_by(f64::total_cmp);
        let pick = |q: f64| {
            ms.get(((ms.len() as f64 * q).ceil() as usize).saturating_sub(1))
                .copied()
        };
        self.p50_ms = pick(0.50);
        self.p99_ms = pick(0.99);
    }

    pub fn failed(&self) -> bool {
        self.other_status > 0 || self.errors > 0 || self.skipped > 0
    }
}

/// How many attempts go to the writer together: one task, one message and
/// one answer (the writer commits them in one transaction), not one each.
const COMMIT_BATCH: usize = 64;

/// How long no replay may come back before the run counts as quiet and
/// hands what it holds to the writer and the printer. Shorter, and a run
/// whose answers stream in would commit a few attempts at a time (each
/// commit costs the writer about as much as a whole batch of rows).
const QUIET_AFTER: Duration = Duration::from_millis(5);

/// Attempts on their way to the writer, each batch awaited by one task.
type Commits = Vec<tokio::task::JoinHandle<Vec<store::Result<()>>>>;

/// What one delivery of a run came to.
enum Outcome {
    Sent(Attempt),
    Skipped,
    /// The scan stopped here.
    Unread(StoreError),
}

/// What sending a run's rows came to.
#[derive(Default)]
struct Sent {
    latencies: Vec<f64>,
    commits: Commits,
    /// The scan stopped on this.
    unread: Option<StoreError>,
}

/// The selection's deliveries one by one: `Matching` through one statement.
type Rows<'s> = Box<dyn Iterator<Item = Result<Loaded, StoreError>> + 's>;

/// Where a run's rows come from: the connection it reads with and, for a
/// filter, the statement stepped through.
pub(super) struct Source<'c> {
    store: &'c Store,
    conn: &'c Connection,
    scan: Option<store::query::Scan<'c>>,
    named: Vec<Loaded>,
}

impl<'c> Source<'c> {
    /// Counts the selection; the count and the rows come from one snapshot.
    pub(super) fn open(
        store: &'c Store,
        conn: &'c Connection,
        selection: Selection,
        with_target: bool,
    ) -> Result<(Self, usize), StoreError> {
        let err = store.sqlite_err();
        match selection {
            Selection::Named(named) => {
                let n = named.len();
                let source = Source {
                    store,
                    conn,
                    scan: None,
                    named,
                };
                Ok((source, n))
            }
            Selection::Matching(filter) => {
                conn.execute_batch("BEGIN").map_err(&err)?;
                let n = store::query::count_matching(conn, &filter).map_err(&err)? as usize;
                let scan = store::query::scan(conn, &filter, with_target).map_err(&err)?;
                let source = Source {
                    store,
                    conn,
                    scan: Some(scan),
                    named: Vec::new(),
                };
                Ok((source, n))
            }
        }
    }

    /// The rows; the first read error ends them.
    pub(super) fn rows(&mut self) -> Result<Rows<'_>, StoreError> {
        let Some(scan) = &mut self.scan else {
            return Ok(Box::new(
                std::mem::take(&mut self.named).into_iter().map(Ok),
            ));
        };
        let err = self.store.sqlite_err();
        let rows = scan.rows().map_err(&err)?;
        let mut broken = false;
        Ok(Box::new(
            rows.map(move |r| {
                r.map(|(delivery, forwarded_to)| Loaded {
                    delivery,
                    forwarded_to,
                })
                .map_err(&err)
            })
            .take_while(move |r| {
                let go = !broken;
                broken |= r.is_err();
                go
            }),
        ))
    }
}

impl Drop for Source<'_> {
    fn drop(&mut self) {
        if self.scan.take().is_some() {
            let _ = self.conn.execute_batch("COMMIT");
        }
    }
}

/// Sends the attempts held back to the writer, in the background: the
/// next replays need not wait for their commit.
fn commit(pending: &mut Vec<Attempt>, writer: &Writer, commits: &mut Commits) {
    if pending.is_empty() {
        return;
    }
    let batch = std::mem::replace(pending, Vec::with_capacity(COMMIT_BATCH));
    let writer = writer.clone();
    commits.push(tokio::spawn(async move { writer.attempts(batch).await }));
}

impl Replayer<'_> {
    /// The selection's source, its count said and set in a fresh summary.
    fn open<'c>(
        &self,
        store: &'c Store,
        conn: &'c Connection,
        selection: Selection,
        on: &dyn Fn(Event<'_>),
    ) -> Result<(Source<'c>, Summary), StoreError> {
        let (source, selected) = Source::open(store, conn, selection, self.edits.to.is_none())?;
        on(Event::Selected(selected));
        let summary = Summary {
            selected,
            ..Summary::default()
        };
        Ok((source, summary))
    }

    /// Replays `selection`, recording every attempt in `store`; returns
    /// once the last one is committed. A filter's rows are read on a
    /// thread of their own while the replays before them go out.
    pub async fn run(
        &self,
        store: &Store,
        selection: Selection,
        pace: Pace,
        on: &dyn Fn(Event<'_>),
    ) -> Result<Summary, StoreError> {
        let conn = store.open_read()?;
        let (selected, rows, reader) = match selection {
            Selection::Named(named) => {
                let n = named.len();
                let rows = futures_util::stream::iter(named.into_iter().map(Ok)).boxed_local();
                (n, rows, None)
            }
            Selection::Matching(filter) => {
                let with_target = self.edits.to.is_none();
                let (n, rows, reader) = read_ahead::start(store, conn, filter, with_target).await?;
                (n, rows, Some(reader))
            }
        };
        on(Event::Selected(selected));
        let mut summary = Summary {
            selected,
            ..Summary::default()
        };
        let (writer, writer_thread) = Writer::start(store)?;
        let sent = self.send_all(rows, &writer, pace, on, &mut summary).await;
        // Every row has been taken: the reader has ended, or is ending.
        if let Some(reader) = reader {
            reader.join();
        }
        // The sends are done; the run ends once every attempt is recorded.
        for commit in sent.commits {
            for e in commit.await.into_iter().flatten().filter_map(Result::err) {
                on(Event::NotRecorded(&e));
            }
        }
        drop(writer);
        let _ = tokio::task::spawn_blocking(move || writer_thread.join()).await;
        if let Some(e) = sent.unread {
            return Err(e);
        }
        summary.add_latencies(sent.latencies);
        on(Event::Done(&summary));
        Ok(summary)
    }

    /// Sends every row, `pace.concurrency` at a time, counting into `summary`.
    async fn send_all(
        &self,
        rows: read_ahead::Rows,
        writer: &Writer,
        pace: Pace,
        on: &dyn Fn(Event<'_>),
        summary: &mut Summary,
    ) -> Sent {
        let gap = pace
            .rate
            .filter(|r| *r > 0.0)
            .map(|r| Duration::from_secs_f64(1.0 / r));
        let mut next_slot = Instant::now();
        let outcomes = rows
            .then(|row| {
                // Each replay's start, one `gap` after the one before.
                let at = gap.map(|gap| {
                    let slot = next_slot.max(Instant::now());
                    next_slot = slot + gap;
                    slot
                });
                async move {
                    if let Some(at) = at {
                        tokio::time::sleep_until(at.into()).await;
                    }
                    row
                }
            })
            .map(|row| self.one(row, on))
            .buffer_unordered(pace.concurrency.max(1));
        let mut outcomes = std::pin::pin!(outcomes);

        let mut sent = Sent::default();
        let mut pending = Vec::with_capacity(COMMIT_BATCH);
        loop {
            let next = match outcomes.next().now_or_never() {
                Some(next) => next,
                // Answers streaming in: the batch and the lines fill on.
                None => match tokio::time::timeout(QUIET_AFTER, outcomes.next()).await {
                    Ok(next) => next,
                    Err(_) => {
                        // A real wait: hand over what is held back first.
                        commit(&mut pending, writer, &mut sent.commits);
                        on(Event::Quiet);
                        outcomes.next().await
                    }
                },
            };
            let Some(outcome) = next else { break };
            match outcome {
                Outcome::Sent(attempt) => {
                    summary.sent += 1;
                    sent.latencies.push(attempt.duration_ms);
                    match attempt.status {
                        Some(s) if (200..300).contains(&s) => summary.ok_2xx += 1,
                        Some(_) => summary.other_status += 1,
                        None => summary.errors += 1,
                    }
                    pending.push(attempt);
                    if pending.len() >= COMMIT_BATCH {
                        commit(&mut pending, writer, &mut sent.commits);
                    }
                }
                Outcome::Skipped => summary.skipped += 1,
                Outcome::Unread(e) => sent.unread = Some(e),
            }
        }
        commit(&mut pending, writer, &mut sent.commits);
        sent
    }

    async fn one(&self, row: Result<Loaded, StoreError>, on: &dyn Fn(Event<'_>)) -> Outcome {
        let l = match row {
            Ok(l) => l,
            Err(e) => return Outcome::Unread(e),
        };
        let prepared = match self.prepare(&l.delivery, l.forwarded_to.as_deref()) {
            Ok(p) => p,
            Err(why) => {
                on(Event::Skipped {
                    id: &l.delivery.id,
                    why: &why,
                });
                return Outcome::Skipped;
            }
        };
        on(Event::Started(&prepared));
        let attempt = self.deliver(&prepared).await;
        on(Event::Finished {
            delivery: &l.delivery,
            prepared: &prepared,
            attempt: &attempt,
        });
        Outcome::Sent(attempt)
    }

    /// What `run` would send, sending and recording nothing: `WouldSend`
    /// or `Skipped` for each delivery. Its summary counts only the skipped.
    pub fn dry_run(
        &self,
        store: &Store,
        selection: Selection,
        on: &dyn Fn(Event<'_>),
    ) -> Result<Summary, StoreError> {
        let conn = store.open_read()?;
        let (mut source, mut summary) = self.open(store, &conn, selection, on)?;
        for row in source.rows()? {
            let l = row?;
            match self.prepare(&l.delivery, l.forwarded_to.as_deref()) {
                Ok(p) => on(Event::WouldSend(&p)),
                Err(why) => {
                    summary.skipped += 1;
                    on(Event::Skipped {
                        id: &l.delivery.id,
                        why: &why,
                    });
                }
            }
        }
        on(Event::Done(&summary));
        Ok(summary)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_percentiles() {
        let mut s = Summary::default();
        s.add_latencies((1..=100).map(f64::from).collect());
        assert_eq!((s.p50_ms, s.p99_ms), (Some(50.0), Some(99.0)));
    }
}
