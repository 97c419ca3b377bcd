//! Admission and the watchdog of each connection. From accept, whatever
//! protocol it speaks (or none), a connection has `--header-timeout` to
//! bring a complete request, and the same again after each answer: idle
//! keep-alive connections are closed. While a request is in flight no timer
//! runs here; the handlers bound bodies and forwards themselves.
//!
//! At most `--max-connections` are open. When a newcomer finds them all
//! taken, the connection idle the longest is closed to make room; with none
//! idle, the newcomer waits in the kernel's queue until one ends.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;

use hyper::body::{Body, Frame, SizeHint};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::time::Instant;

/// The connections of one process (listen and its inspector share one).
pub struct Gate {
    slots: Arc<Semaphore>,
    /// Idle connections by the time they became idle, oldest first.
    idle: Mutex<BTreeMap<(Instant, u64), Activity>>,
    next_id: AtomicU64,
    /// Set when the server stops: connections with no request in flight
    /// close (a half-sent head included), bodies still arriving are cut.
    stopping: watch::Sender<bool>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Phase {
    /// No request in flight: closed at this instant unless one comes.
    Idle(Instant),
    Busy,
    /// Closed to make room for a newcomer.
    Evicted,
}

struct Conn {
    id: u64,
    gate: Arc<Gate>,
    timeout: Duration,
    state: Mutex<State>,
    phase: watch::Sender<Phase>,
}

struct State {
    busy: usize,
    /// The key in the gate's idle map while idle.
    idle_since: Option<Instant>,
}

/// One connection's activity: services mark requests in flight with it.
#[derive(Clone)]
pub struct Activity(Arc<Conn>);

/// One request in flight; dropping it ends the request.
pub struct Busy(Activity);

/// An admitted connection: its slot and its watchdog.
pub struct Ticket {
    activity: Activity,
    _slot: OwnedSemaphorePermit,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Gate {
    pub fn new(max_connections: usize) -> Arc<Gate> {
        Arc::new(Gate {
            slots: Arc::new(Semaphore::new(max_connections.max(1))),
            idle: Mutex::new(BTreeMap::new()),
            next_id: AtomicU64::new(1),
            stopping: watch::channel(false).0,
        })
    }

    /// The server stops: nothing it has not started answering keeps it
    /// waiting (a slow or stalled sender would hold a graceful stop for
    /// its whole header or body timeout).
    pub fn stop(&self) {
        self.stopping.send_replace(true);
    }

    /// Becomes true when the server stops.
    pub fn stopping(&self) -> watch::Receiver<bool> {
        self.stopping.subscribe()
    }

    /// A slot for a connection just accepted, with `timeout` to bring its
    /// first request head. When all are taken, the longest-idle connection
    /// is closed for it, or, with none idle, this waits for one to end.
    pub async fn admit(self: &Arc<Self>, timeout: Duration) -> Ticket {
        let slot = match self.slots.clone().try_acquire_owned() {
            Ok(slot) => slot,
            Err(_) => {
                self.evict_one();
                match self.slots.clone().acquire_owned().await {
                    Ok(slot) => slot,
                    // The semaphore is never closed.
                    Err(_) => std::future::pending().await,
                }
            }
        };
        let now = Instant::now();
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (phase, _) = watch::channel(Phase::Idle(now + timeout));
        let activity = Activity(Arc::new(Conn {
            id,
            gate: self.clone(),
            timeout,
            state: Mutex::new(State {
                busy: 0,
                idle_since: Some(now),
            }),
            phase,
        }));
        lock(&self.idle).insert((now, id), activity.clone());
        Ticket {
            activity,
            _slot: slot,
        }
    }

    /// Closes the connection idle the longest, if there is one.
    fn evict_one(&self) {
        loop {
            let Some((key, victim)) = lock(&self.idle).pop_first() else {
                return;
            };
            let conn = &victim.0;
            let mut state = lock(&conn.state);
            // It may have become busy since: then it is no longer a victim.
            if state.busy == 0 && state.idle_since == Some(key.0) {
                state.idle_since = None;
                conn.phase.send_replace(Phase::Evicted);
                return;
            }
        }
    }

    /// Connections idle now (no request in flight).
    pub fn idle_count(&self) -> usize {
        lock(&self.idle).len()
    }
}

impl Activity {
    /// Marks a request in flight until the returned guard is dropped.
    pub fn begin(&self) -> Busy {
        let conn = &self.0;
        let mut state = lock(&conn.state);
        state.busy += 1;
        if let Some(since) = state.idle_since.take() {
            lock(&conn.gate.idle).remove(&(since, conn.id));
        }
        conn.phase.send_if_modified(|p| {
            let changed = *p != Phase::Busy && *p != Phase::Evicted;
            if changed {
                *p = Phase::Busy;
            }
            changed
        });
        Busy(self.clone())
    }

    /// Runs a service's future as one request in flight, until the body of
    /// its answer has been handed over (a slow reader keeps it busy, not idle).
    pub fn track<B, E, F>(
        &self,
        answer: F,
    ) -> impl Future<Output = Result<hyper::Response<Tracked<B>>, E>> + use<B, E, F>
    where
        F: Future<Output = Result<hyper::Response<B>, E>>,
    {
        let busy = self.begin();
        async move {
            let response = answer.await?;
            Ok(response.map(|body| Tracked { body, _busy: busy }))
        }
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        let conn = &(self.0).0;
        let mut state = lock(&conn.state);
        state.busy -= 1;
        if state.busy > 0 || *conn.phase.borrow() == Phase::Evicted {
            return;
        }
        let now = Instant::now();
        state.idle_since = Some(now);
        lock(&conn.gate.idle).insert((now, conn.id), self.0.clone());
        conn.phase.send_replace(Phase::Idle(now + conn.timeout));
    }
}

impl Ticket {
    /// The handle services mark their requests with.
    pub fn activity(&self) -> Activity {
        self.activity.clone()
    }

    /// Drives the connection until it ends, times out idle, or is evicted;
    /// in the last two cases it is dropped, which closes the socket. A
    /// request still marked in flight after the connection ended (a
    /// WebSocket it was upgraded to) keeps the slot until it is done.
    pub async fn run<F: Future>(self, conn: F) {
        let mut phase = self.activity.0.phase.subscribe();
        let mut stopping = self.activity.0.gate.stopping();
        tokio::pin!(conn);
        // One timer for the connection's life. Each answer moves the idle
        // deadline later; the timer is not moved with it (that registers a
        // timer, and may wake the runtime's driver, once per request) but
        // re-armed when it fires early, once per timeout at most.
        let timer = tokio::time::sleep_until(Instant::now() + self.activity.0.timeout);
        tokio::pin!(timer);
        let mut ended = false;
        loop {
            let now = *phase.borrow_and_update();
            match now {
                Phase::Evicted => return,
                Phase::Idle(at) if at <= Instant::now() || ended || *stopping.borrow() => return,
                Phase::Busy if ended => {
                    if phase.changed().await.is_err() {
                        return;
                    }
                }
                Phase::Idle(at) => {
                    if timer.is_elapsed() || timer.deadline() > at {
                        timer.as_mut().reset(at);
                    }
                    tokio::select! {
                        _ = &mut conn => ended = true,
                        _ = &mut timer => {}
                        _ = phase.changed() => {}
                        // The gate (its sender) outlives this ticket.
                        _ = stopping.changed() => {}
                    }
                }
                Phase::Busy => tokio::select! {
                    _ = &mut conn => ended = true,
                    _ = phase.changed() => {}
                },
            }
        }
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let conn = &self.activity.0;
        let mut state = lock(&conn.state);
        if let Some(since) = state.idle_since.take() {
            lock(&conn.gate.idle).remove(&(since, conn.id));
        }
        // Later guards (a request whose service outlives the connection)
        // must not register it as idle again.
        conn.phase.send_replace(Phase::Evicted);
    }
}

/// An answer's body that keeps its request marked in flight until it is
/// dropped, which hyper does once the body is written.
pub struct Tracked<B> {
    body: B,
    _busy: Busy,
}

impl<B: Body + Unpin> Body for Tracked<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LONG: Duration = Duration::from_secs(60);

    #[tokio::test]
    async fn a_newcomer_evicts_the_longest_idle_never_a_busy_one() {
        let gate = Gate::new(2);
        let oldest = gate.admit(LONG).await;
        let busy = gate.admit(LONG).await;
        let in_flight = busy.activity().begin();
        let oldest = tokio::spawn(oldest.run(std::future::pending::<()>()));
        let busy = tokio::spawn(busy.run(std::future::pending::<()>()));
        // Full: the idle one goes, the busy one stays.
        let third = tokio::time::timeout(Duration::from_secs(5), gate.admit(LONG))
            .await
            .expect("admitted by evicting the idle one");
        tokio::time::timeout(Duration::from_secs(5), oldest)
            .await
            .expect("the evicted connection ended")
            .unwrap();
        assert!(!busy.is_finished());
        // Full again, and the only idle one is the newcomer itself.
        let _third = tokio::spawn(third.run(std::future::pending::<()>()));
        tokio::task::yield_now().await;
        let fourth = tokio::time::timeout(Duration::from_secs(5), gate.admit(LONG)).await;
        assert!(fourth.is_ok(), "the third, idle, made room");
        assert!(!busy.is_finished());
        drop(in_flight);
    }

    #[tokio::test]
    async fn an_idle_connection_ends_at_its_deadline_a_busy_one_does_not() {
        let gate = Gate::new(4);
        let t = gate.admit(Duration::from_millis(100)).await;
        let started = Instant::now();
        t.run(std::future::pending::<()>()).await;
        assert!(started.elapsed() >= Duration::from_millis(100));

        let t = gate.admit(Duration::from_millis(100)).await;
        let busy = t.activity().begin();
        let run = tokio::spawn(t.run(std::future::pending::<()>()));
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!run.is_finished(), "a request in flight is never timed out");
        drop(busy);
        tokio::time::timeout(Duration::from_secs(5), run)
            .await
            .expect("idle again, it times out")
            .unwrap();
        assert_eq!(gate.idle_count(), 0);
    }

    /// The timer is not moved at each answer but re-armed when it fires
    /// early: a connection kept busy past its first deadline still gets its
    /// whole timeout after its last answer, and no more.
    #[tokio::test]
    async fn the_deadline_runs_from_the_last_answer_across_many_requests() {
        let timeout = Duration::from_millis(200);
        let gate = Gate::new(4);
        let t = gate.admit(timeout).await;
        let activity = t.activity();
        let run = tokio::spawn(t.run(std::future::pending::<()>()));
        // Requests every 50 ms for 600 ms: three first deadlines go by.
        let started = Instant::now();
        while started.elapsed() < Duration::from_millis(600) {
            drop(activity.begin());
            tokio::time::sleep(Duration::from_millis(50)).await;
            assert!(!run.is_finished(), "cut off while requests kept coming");
        }
        drop(activity.begin());
        let last_answer = Instant::now();
        tokio::time::timeout(Duration::from_secs(5), run)
            .await
            .expect("idle, it times out")
            .unwrap();
        let idle_for = last_answer.elapsed();
        assert!(
            idle_for >= timeout,
            "cut off {idle_for:?} after the last answer"
        );
        assert!(
            idle_for < timeout * 3,
            "still open {idle_for:?} after the last answer"
        );
    }
}
