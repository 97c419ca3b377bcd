//! Routing across relay instances. Each instance holds a lease on the
//! channels whose clients are attached to it (renewed by heartbeat; a dead
//! instance's lapse within [`LEASE_MS`]). A public delivery reaching an
//! instance without the channel's client rides, when it fits, in the payload
//! of a `NOTIFY` on the holder's own channel (as text, see [`super::text`];
//! no row: a live delivery needs
//! no durability, its sender retries a 502); a bigger one goes into
//! `relay_routed` and the `NOTIFY` names its row. Payload notifications go
//! out in batches, one transaction each, without waiting for a WAL flush
//! (see [`super::notify`]). The holder hands it over
//! exactly as a delivery of its own (live, buffered behind a backlog, 502,
//! 504) and passes the reply back the same way. No polling on the way: only
//! a delivery still unanswered after [`ALIVE_CHECK`] has its holder's
//! connections looked for, so a killed holder means 502 at once. Who holds
//! a channel is remembered for [`HOLDER_TTL`], forgotten at once when an
//! instance claims the channel (every instance hears it on [`CLAIMED`]) or
//! a routed delivery finds no client there. Payloads carry a format version
//! (see [`super::payload`]): one this hookcli cannot read is refused at once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Response;
use tokio::sync::oneshot;

use super::notify::Notifier;
use super::payload::{self, Message, Read};
use super::text;
use super::{Db, DbError, application_name};
use crate::relay::frame::Frame;
use crate::relay::server::{Reply, State, deliver_here, reply, unavailable};

/// A lease lasts this long unless renewed.
pub const LEASE_MS: i64 = 30_000;
/// Leases are renewed this often.
const HEARTBEAT: Duration = Duration::from_secs(10);
/// How long a routed delivery waits before its holder is looked for.
const ALIVE_CHECK: Duration = Duration::from_millis(500);
/// A routed delivery's row older than this is left from a dead instance.
const STALE_MS: i64 = 10 * 60 * 1000;
/// The largest `NOTIFY` payload a routed delivery or answer rides in
/// (PostgreSQL refuses 8000 bytes and more); bigger ones go through a row.
pub const PAYLOAD_MAX: usize = 7000;
/// How long a channel's holder is remembered without asking the database:
/// the bound when a claim went unheard (an older hookcli does not announce
/// its claims, and a listener reconnecting may miss one).
const HOLDER_TTL: Duration = Duration::from_secs(1);
/// Every instance listens here; the payload is a channel some instance just
/// claimed, so the others forget who held it. A bare channel name, as on
/// [`super::backlog::BUFFERED`] (channel names hold no `:`, so a versioned
/// form could follow).
const CLAIMED: &str = "hookcli_relay_claimed";
/// The database's clock, in ms: every instance compares leases to one clock.
const NOW_MS: &str = "(extract(epoch from clock_timestamp()) * 1000)::bigint";

/// The notification channel of one instance.
fn topic(instance: &str) -> String {
    format!("hookcli_relay_{instance}")
}

pub(in crate::relay) struct Router {
    pub(in crate::relay) db: Arc<Db>,
    /// Routed deliveries waiting for their answer, by id: the answer itself
    /// when it came in a payload, `None` when it waits in its row.
    waiting: Mutex<HashMap<i64, oneshot::Sender<Option<Reply>>>>,
    /// Channels held by another instance, as last looked up.
    holders: Mutex<HashMap<String, (String, Instant)>>,
    /// Counts the holders forgotten: a look-up that a claim overtook is not
    /// remembered.
    forgotten: std::sync::atomic::AtomicU64,
    /// Sends the payload notifications, batched.
    notifier: Notifier,
}

/// Marks a reply as the client's answer, passed back by another instance.
#[derive(Clone, Copy)]
pub(in crate::relay) struct RoutedAnswer;

impl Router {
    pub(in crate::relay) fn new(db: Arc<Db>) -> Router {
        Router {
            notifier: Notifier::start(db.clone()),
            db,
            waiting: Mutex::new(HashMap::new()),
            holders: Mutex::new(HashMap::new()),
            forgotten: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// The live instance other than this one holding `channel`'s client.
    pub(in crate::relay) async fn holder(&self, channel: &str) -> Result<Option<String>, DbError> {
        let known = self.holders().get(channel).cloned();
        if let Some((holder, at)) = known
            && at.elapsed() < HOLDER_TTL
        {
            return Ok(Some(holder));
        }
        let before = self.forgotten.load(std::sync::atomic::Ordering::SeqCst);
        let found = self.look_up(channel).await?;
        let mut holders = self.holders();
        if self.forgotten.load(std::sync::atomic::Ordering::SeqCst) != before {
            // A claim came in while this looked: it may have read the old holder.
            return Ok(found);
        }
        match &found {
            Some(h) => holders.insert(channel.to_string(), (h.clone(), Instant::now())),
            None => holders.remove(channel),
        };
        Ok(found)
    }

    fn holders(&self) -> std::sync::MutexGuard<'_, HashMap<String, (String, Instant)>> {
        self.holders.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Who holds `channel` is to be asked again.
    fn unknown(&self, channel: &str) {
        let mut holders = self.holders();
        self.forgotten
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        holders.remove(channel);
    }

    /// Every holder is to be asked again (claims may have gone unheard).
    fn forget_holders(&self) {
        let mut holders = self.holders();
        self.forgotten
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        holders.clear();
    }

    async fn look_up(&self, channel: &str) -> Result<Option<String>, DbError> {
        let client = self.db.client().await?;
        let row = client
            .query_opt(
                &format!(
                    "SELECT instance FROM relay_channels WHERE channel = $1 AND expires_ms > {NOW_MS}"
                ),
                &[&channel],
            )
            .await
            .map_err(|e| self.db.error(&e))?;
        Ok(row
            .map(|r| r.get::<_, String>(0))
            .filter(|i| i != self.db.instance()))
    }

    /// This instance now holds `channel`: the newest client takes it over,
    /// every instance forgets who held it, and an instance that held it is
    /// told to close its client (in a payload version it reads).
    pub(in crate::relay) async fn claim(&self, channel: &str) -> Result<(), DbError> {
        let client = self.db.client().await?;
        let old = client
            .query_opt(
                &format!(
                    "WITH old AS (
                         SELECT instance FROM relay_channels WHERE channel = $1 AND expires_ms > {NOW_MS}
                     ), taken AS (
                         INSERT INTO relay_channels (channel, instance, expires_ms) VALUES ($1, $2, {NOW_MS} + $3)
                         ON CONFLICT (channel) DO UPDATE SET instance = EXCLUDED.instance, expires_ms = EXCLUDED.expires_ms
                         RETURNING pg_notify($4, $1)
                     )
                     SELECT old.instance FROM taken LEFT JOIN old ON old.instance <> $2"
                ),
                &[&channel, &self.db.instance(), &LEASE_MS, &CLAIMED],
            )
            .await
            .map_err(|e| self.db.error(&e))?
            .and_then(|r| r.get::<_, Option<String>>(0));
        if let Some(old) = old {
            let note = payload::write(
                payload::for_instance(&old),
                self.db.instance(),
                &Message::TakenOver { channel },
            );
            self.notify(topic(&old), note).await?;
        }
        Ok(())
    }

    /// `channel`'s client left this instance.
    pub(in crate::relay) async fn release(&self, channel: &str) -> Result<(), DbError> {
        let client = self.db.client().await?;
        client
            .execute(
                "DELETE FROM relay_channels WHERE channel = $1 AND instance = $2",
                &[&channel, &self.db.instance()],
            )
            .await
            .map_err(|e| self.db.error(&e))?;
        Ok(())
    }

    /// Renews the leases of the channels attached here, taking back any
    /// that lapsed (a database restart) but none another instance holds.
    async fn renew(&self, channels: &[String]) -> Result<(), DbError> {
        let client = self.db.client().await?;
        client
            .execute(
                &format!(
                    "INSERT INTO relay_channels (channel, instance, expires_ms)
                     SELECT c, $2, {NOW_MS} + $3 FROM unnest($1::text[]) AS c
                     ON CONFLICT (channel) DO UPDATE SET instance = EXCLUDED.instance, expires_ms = EXCLUDED.expires_ms
                     WHERE relay_channels.instance = EXCLUDED.instance OR relay_channels.expires_ms <= {NOW_MS}"
                ),
                &[&channels, &self.db.instance(), &LEASE_MS],
            )
            .await
            .map_err(|e| self.db.error(&e))?;
        Ok(())
    }

    /// Rows of routed deliveries whose sender's instance died waiting: kept
    /// no longer than any wait could last.
    async fn sweep(&self) -> Result<(), DbError> {
        let client = self.db.client().await?;
        client
            .execute(
                "DELETE FROM relay_routed WHERE created_ms < $1",
                &[&(crate::store::now_ms() - STALE_MS)],
            )
            .await
            .map_err(|e| self.db.error(&e))?;
        Ok(())
    }

    /// Whether `instance` still has a connection to the database.
    async fn alive(&self, instance: &str) -> Result<bool, DbError> {
        let client = self.db.client().await?;
        let row = client
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = $1)",
                &[&application_name(instance)],
            )
            .await
            .map_err(|e| self.db.error(&e))?;
        Ok(row.get(0))
    }

    /// Hands `frame` to `holder` and waits for the reply it sends back.
    pub(in crate::relay) async fn forward(
        &self,
        state: &State,
        holder: &str,
        channel: &str,
        frame: Frame,
    ) -> Reply {
        let id = i64::from_be_bytes(
            crate::provider::crypto::random_bytes(8)
                .try_into()
                .unwrap_or([0; 8]),
        ) & i64::MAX;
        let (tx, mut rx) = oneshot::channel();
        self.waiting
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id, tx);
        let _waiting = Waiting { router: self, id };
        let encoded = frame.encode_as(0);
        drop(frame);
        // The newest version the holder reads; its answer comes back in it.
        let version = payload::for_instance(holder);
        let payload = delivery_payload(version, id, self.db.instance(), &encoded, channel);
        let sent = async {
            if payload.len() <= PAYLOAD_MAX {
                return self.notify(topic(holder), payload).await;
            }
            let note = payload::write(version, self.db.instance(), &Message::DeliveryRow { id });
            let client = self.db.client().await?;
            client
                .execute(
                    "WITH routed AS (
                         INSERT INTO relay_routed (id, channel, origin, frame, created_ms)
                         VALUES ($1, $2, $3, $4, $5) RETURNING id
                     )
                     SELECT pg_notify($6, $7) FROM routed",
                    &[
                        &id,
                        &channel,
                        &self.db.instance(),
                        &encoded,
                        &crate::store::now_ms(),
                        &topic(holder),
                        &note,
                    ],
                )
                .await
                .map(|_| ())
                .map_err(|e| self.db.error(&e))
        };
        if let Err(e) = sent.await {
            state
                .log
                .note(&format!("channel {channel}: cannot route a delivery: {e}"));
            return unavailable("the relay cannot reach its database just now; retry later".into());
        }
        drop(encoded);
        // The holder answers within its --timeout (504 past it); a little
        // more for the way back.
        let deadline = tokio::time::Instant::now() + state.config.timeout + Duration::from_secs(2);
        let answered = loop {
            match tokio::time::timeout(ALIVE_CHECK, &mut rx).await {
                Ok(got) => break Some(got.ok().flatten()),
                Err(_) if tokio::time::Instant::now() >= deadline => break None,
                Err(_) => {
                    if !self.alive(holder).await.unwrap_or(true) {
                        state.log.note(&format!(
                            "channel {channel}: instance {holder} went away with a delivery in flight"
                        ));
                        self.unknown(channel);
                        let _ = self.forget(holder).await;
                        self.discard(id).await;
                        return reply(
                            502,
                            serde_json::json!({ "error": "the relay instance holding the client went away; retry" }),
                        );
                    }
                }
            }
        };
        let Some(answered) = answered else {
            self.discard(id).await;
            return reply(
                504,
                serde_json::json!({ "error": format!("no answer came back from the relay instance holding the client within {:?}", state.config.timeout + Duration::from_secs(2)) }),
            );
        };
        let got = match answered {
            Some(reply) => Ok(Some(reply)),
            None => self.take_answer(id).await,
        };
        if let Ok(Some(r)) = &got
            && !crate::relay::server::is_answer(r)
        {
            // No client there (any more): ask who holds it next time.
            self.unknown(channel);
        }
        match got {
            Ok(Some(r)) => r,
            Ok(None) => lost(),
            Err(e) => {
                state.log.note(&format!(
                    "channel {channel}: cannot read a routed answer: {e}"
                ));
                unavailable("the relay cannot reach its database just now; retry later".into())
            }
        }
    }

    /// The reply written back for row `id`, removing the row.
    async fn take_answer(&self, id: i64) -> Result<Option<Reply>, DbError> {
        let client = self.db.client().await?;
        let row = client
            .query_opt(
                "DELETE FROM relay_routed WHERE id = $1 RETURNING answer, answered",
                &[&id],
            )
            .await
            .map_err(|e| self.db.error(&e))?;
        let Some(row) = row else { return Ok(None) };
        let Some(bytes) = row.get::<_, Option<&[u8]>>(0) else {
            return Ok(None);
        };
        Ok(answer_reply(bytes, row.get::<_, bool>(1)))
    }

    /// `NOTIFY` `topic` with `payload`, in the next batch of this instance's.
    async fn notify(&self, topic: String, payload: String) -> Result<(), DbError> {
        self.notifier.notify(topic, payload).await
    }

    async fn discard(&self, id: i64) {
        if let Ok(client) = self.db.client().await {
            let _ = client
                .execute("DELETE FROM relay_routed WHERE id = $1", &[&id])
                .await;
        }
    }

    /// Drops the leases of an instance that went away.
    async fn forget(&self, instance: &str) -> Result<(), DbError> {
        let client = self.db.client().await?;
        client
            .execute(
                "DELETE FROM relay_channels WHERE instance = $1",
                &[&instance],
            )
            .await
            .map_err(|e| self.db.error(&e))?;
        Ok(())
    }

    /// A delivery routed to this instance through a row (in payload
    /// `version`): handed over here, its reply written back into the row.
    async fn serve(self: Arc<Self>, state: Arc<State>, id: i64, version: u32) {
        let fetched = async {
            let client = self.db.client().await?;
            client
                .query_opt(
                    "SELECT channel, frame FROM relay_routed WHERE id = $1",
                    &[&id],
                )
                .await
                .map_err(|e| self.db.error(&e))
        };
        let row = match fetched.await {
            Ok(Some(row)) => row,
            Ok(None) => return,
            Err(e) => {
                state
                    .log
                    .note(&format!("cannot read a routed delivery: {e}"));
                return;
            }
        };
        let channel: String = row.get(0);
        let frame = Frame::decode(row.get::<_, &[u8]>(1));
        let (answer, answered) = answer_routed(&state, &channel, id, frame).await;
        let note = payload::write(version, self.db.instance(), &Message::AnswerRow { id });
        let written = async {
            let client = self.db.client().await?;
            client
                .execute(
                    "WITH written AS (
                         UPDATE relay_routed SET answer = $2, answered = $3 WHERE id = $1 RETURNING origin
                     )
                     SELECT pg_notify('hookcli_relay_' || origin, $4) FROM written",
                    &[&id, &answer, &answered, &note],
                )
                .await
                .map(|_| ())
                .map_err(|e| self.db.error(&e))
        };
        if let Err(e) = written.await {
            state.log.note(&format!(
                "channel {channel}: cannot pass a routed answer back: {e}"
            ));
        }
    }

    /// A delivery routed to this instance in a payload (in `version`):
    /// handed over here, its reply sent back in a payload too (in the same
    /// version), or in a row when too big. A frame that does not decode is
    /// answered 502 at once.
    async fn serve_payload(
        self: Arc<Self>,
        state: Arc<State>,
        routed: Routed,
        frame: Result<Frame, String>,
    ) {
        let Routed {
            id,
            version,
            origin,
            channel,
        } = routed;
        let (answer, answered) = answer_routed(&state, &channel, id, frame).await;
        let encoded = text::encode(&answer);
        let me = self.db.instance();
        let payload = payload::write(
            version,
            me,
            &Message::Answer {
                id,
                answered,
                frame: &encoded,
            },
        );
        let written = async {
            if payload.len() <= PAYLOAD_MAX {
                return self.notify(topic(&origin), payload).await;
            }
            let note = payload::write(version, me, &Message::AnswerRow { id });
            let client = self.db.client().await?;
            client
                .execute(
                    "WITH written AS (
                         INSERT INTO relay_routed (id, channel, origin, frame, answer, answered, created_ms)
                         VALUES ($1, $2, $3, '', $4, $5, $6) RETURNING id
                     )
                     SELECT pg_notify($7, $8) FROM written",
                    &[
                        &id,
                        &channel,
                        &origin,
                        &answer,
                        &answered,
                        &crate::store::now_ms(),
                        &topic(&origin),
                        &note,
                    ],
                )
                .await
                .map(|_| ())
                .map_err(|e| self.db.error(&e))
        };
        if let Err(e) = written.await {
            state.log.note(&format!(
                "channel {channel}: cannot pass a routed answer back: {e}"
            ));
        }
    }

    /// The waiter of routed delivery `id` gets `answer`.
    fn answered(&self, id: i64, answer: Option<Reply>) {
        let waiter = self
            .waiting
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&id);
        if let Some(w) = waiter {
            let _ = w.send(answer);
        }
    }

    /// One notification on this instance's topic (see [`super::payload`]).
    fn notified(self: &Arc<Self>, state: &Arc<State>, text: &str) {
        let (version, message) = match payload::read(text) {
            Read::Known { version, message } => (version, message),
            Read::Newer { version, id, from } => return self.refuse(state, version, id, from),
            Read::Garbled => {
                // Not shown: it may hold a delivery's headers.
                state.log.note(&format!(
                    "a routing notification no hookcli version writes ({} bytes) was ignored",
                    text.len()
                ));
                return;
            }
        };
        match message {
            Message::TakenOver { channel } => {
                self.unknown(channel);
                crate::relay::server::taken_over_elsewhere(state, channel);
            }
            Message::DeliveryRow { id } => {
                tokio::spawn(self.clone().serve(state.clone(), id, version));
            }
            Message::AnswerRow { id } => self.answered(id, None),
            Message::Delivery {
                id,
                origin,
                channel,
                frame,
            } => {
                let decoded = text::decode(frame)
                    .ok_or_else(|| "not its text encoding".to_string())
                    .and_then(|b| Frame::decode(&b));
                let routed = Routed {
                    id,
                    version,
                    origin: origin.to_string(),
                    channel: channel.to_string(),
                };
                tokio::spawn(self.clone().serve_payload(state.clone(), routed, decoded));
            }
            Message::Answer {
                id,
                answered,
                frame,
            } => {
                let reply = text::decode(frame).and_then(|b| answer_reply(&b, answered));
                // An answer that cannot be read is lost: the waiter says 502.
                self.answered(id, Some(reply.unwrap_or_else(lost)));
            }
        }
    }

    /// A payload in a version newer than this hookcli's, from instance
    /// `from` about delivery `id`: an answer to a delivery of this
    /// instance's is failed here, a delivery is answered 503 to its sender,
    /// at once and in a version `from` reads. One line in the log either way.
    fn refuse(self: &Arc<Self>, state: &Arc<State>, version: u32, id: i64, from: &str) {
        let why = payload::refusal(version, from);
        let waiting = self
            .waiting
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains_key(&id);
        if waiting {
            state.log.note(&format!(
                "the answer to routed delivery {id}: {why}; answered 503"
            ));
            self.answered(id, Some(unavailable(why)));
            return;
        }
        state
            .log
            .note(&format!("routed delivery {id}: {why}; answered 503"));
        let (router, from) = (self.clone(), from.to_string());
        tokio::spawn(async move {
            let answer = encode_reply(unavailable(why)).await;
            let encoded = text::encode(&answer);
            let message = Message::Answer {
                id,
                answered: false,
                frame: &encoded,
            };
            let note = payload::write(payload::for_instance(&from), router.db.instance(), &message);
            let _ = router.notify(topic(&from), note).await;
        });
    }
}

/// A delivery routed to this instance: which, in what version, from where.
struct Routed {
    id: i64,
    version: u32,
    origin: String,
    channel: String,
}

/// The `NOTIFY` payload carrying a delivery's encoded frame from `origin`,
/// in payload `version`.
fn delivery_payload(version: u32, id: i64, origin: &str, encoded: &[u8], channel: &str) -> String {
    let frame = text::encode(encoded);
    let message = Message::Delivery {
        id,
        origin,
        channel,
        frame: &frame,
    };
    payload::write(version, origin, &message)
}

/// Routed delivery `id` handed over here, or, when its frame does not
/// decode, said once in the log and answered 502 (not the client's answer).
async fn answer_routed(
    state: &Arc<State>,
    channel: &str,
    id: i64,
    frame: Result<Frame, String>,
) -> (Vec<u8>, bool) {
    match frame {
        Ok(frame) => answer_here(state, channel, frame).await,
        Err(why) => {
            state.log.note(&format!(
                "routed delivery {id} does not decode ({why}); answered 502"
            ));
            let reply = reply(
                502,
                serde_json::json!({ "error": "the relay instance holding the client could not read the routed delivery" }),
            );
            (encode_reply(reply).await, false)
        }
    }
}

/// The reply of a routed delivery that cannot be read.
fn lost() -> Reply {
    reply(
        502,
        serde_json::json!({ "error": "the routed answer was lost" }),
    )
}

/// Hands `frame` over here; its reply encoded as an answer frame, and
/// whether it is the client's own.
async fn answer_here(state: &Arc<State>, channel: &str, frame: Frame) -> (Vec<u8>, bool) {
    let reply = deliver_here(state, channel, frame).await;
    let answered = crate::relay::server::is_answer(&reply);
    (encode_reply(reply).await, answered)
}

/// `reply` as an encoded answer frame.
async fn encode_reply(reply: Reply) -> Vec<u8> {
    let (parts, body) = reply.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let headers: crate::provider::Headers = parts
        .headers
        .iter()
        .map(|(n, v)| (n.as_str().to_string(), v.as_bytes().to_vec()))
        .collect();
    let answer = Frame::Answer {
        id: 0,
        status: parts.status.as_u16(),
        headers,
        body: body.to_vec(),
    };
    answer.encode_as(0)
}

/// The reply an encoded answer frame stands for.
fn answer_reply(bytes: &[u8], answered: bool) -> Option<Reply> {
    let Ok(Frame::Answer {
        status,
        headers,
        body,
        ..
    }) = Frame::decode(bytes)
    else {
        return None;
    };
    let mut b = Response::builder().status(status);
    for (n, v) in headers.iter() {
        b = b.header(n, v);
    }
    if answered {
        b = b.extension(RoutedAnswer);
    }
    b.body(Full::new(Bytes::from(body))).ok()
}

/// Forgets a routed delivery's waiter however its wait ends.
struct Waiting<'a> {
    router: &'a Router,
    id: i64,
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.router
            .waiting
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.id);
    }
}

/// Renews this instance's leases every [`HEARTBEAT`].
pub(in crate::relay) async fn heartbeat(state: Arc<State>, router: Arc<Router>) {
    let mut tick = tokio::time::interval(HEARTBEAT);
    loop {
        tick.tick().await;
        let channels = state.attached_channels();
        if !channels.is_empty() {
            let _ = router.renew(&channels).await;
        }
        let _ = router.sweep().await;
    }
}

/// Listens on this instance's topic (routed deliveries and their answers),
/// on the claims' and on the buffer's; reconnects while the relay runs.
pub(in crate::relay) async fn listen(state: Arc<State>, router: Arc<Router>) {
    let db = router.db.clone();
    let mine = topic(db.instance());
    let buffering = matches!(
        state.buffer,
        Some(crate::relay::buffer::Backlog::Database(_))
    );
    let mut failing = false;
    loop {
        match db.listening().await {
            Ok((client, mut notes)) => {
                let mut sql = format!("LISTEN {mine}; LISTEN {CLAIMED};");
                if buffering {
                    sql.push_str(&format!("LISTEN {};", super::backlog::BUFFERED));
                }
                let client = Arc::new(client);
                if client.batch_execute(&sql).await.is_ok() {
                    // Routing notifications go out on it too (see [`super::notify`]);
                    // until that works the senders keep a connection of their own.
                    if let Err(e) = router.notifier.send_on(client.clone()).await {
                        state.log.note(&format!(
                            "routing notifications go out on a connection of their own: {e}"
                        ));
                    }
                    if failing {
                        state
                            .log
                            .note(&format!("the database at {} is back", db.shown()));
                    }
                    failing = false;
                    // Claims made while this was away went unheard.
                    router.forget_holders();
                    let attached = state.attached_channels();
                    // Leases that lapsed while this was away, and deliveries
                    // buffered meanwhile.
                    let _ = router.renew(&attached).await;
                    if buffering {
                        for channel in &attached {
                            super::backlog::wake(&state, &db, channel);
                        }
                    }
                    while let Some(n) = notes.recv().await {
                        if n.channel() == mine {
                            // Several to one topic share a notification, a line each.
                            for payload in n.payload().split('\n') {
                                router.notified(&state, payload);
                            }
                        } else if n.channel() == CLAIMED {
                            router.unknown(n.payload());
                        } else if buffering {
                            super::backlog::wake(&state, &db, n.payload());
                        }
                    }
                }
            }
            Err(e) => {
                if !failing {
                    state.log.note(&format!("{e}; retrying"));
                }
                failing = true;
            }
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delivery(body: Vec<u8>) -> Vec<u8> {
        let headers: crate::provider::Headers = vec![("X-A", vec![0xff]), ("x-a", b"2".to_vec())]
            .into_iter()
            .collect();
        Frame::Deliver {
            id: 0,
            method: "POST".into(),
            target: "/hook/0".into(),
            public_url: "http://127.0.0.1:1/dev/hook/0".into(),
            peer: Some("127.0.0.1:2".into()),
            headers,
            body: body.into(),
        }
        .encode_as(0)
    }

    /// The sizes tests/relay/postgres.rs routes: 4,000 bytes ride in the
    /// payload, 64 KiB go through a row.
    #[test]
    fn a_4000_byte_delivery_rides_in_a_payload_and_64_kib_do_not() {
        let origin = "0123456789abcdef_v2";
        for version in [1, payload::VERSION] {
            let small = delivery_payload(
                version,
                i64::MAX,
                origin,
                &delivery(vec![0xff; 4_000]),
                "dev",
            );
            assert!(small.len() <= PAYLOAD_MAX, "{}", small.len());
            let big = delivery_payload(version, 1, origin, &delivery(vec![0xff; 64 << 10]), "dev");
            assert!(big.len() > PAYLOAD_MAX);
        }
    }
}
