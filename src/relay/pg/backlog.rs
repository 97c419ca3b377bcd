//! The buffer in PostgreSQL: a delivery for a channel no instance holds a
//! client for is committed before its 202; the instance its client attaches
//! to hands the backlog over in arrival order, at least once.
//!
//! A row being handed over is locked (`FOR UPDATE SKIP LOCKED`) by the
//! transaction that deletes it once the client answered: two instances
//! never hand it out at once, and one that dies releases it with its
//! connection, for the next attach.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use super::{Db, DbError};
use crate::relay::buffer::hand_over;
use crate::relay::frame::Frame;
use crate::relay::server::{Attached, Failed, State};

/// Every instance listens here; the payload is the channel a delivery was
/// buffered for, so the instance holding its client drains it.
pub(in crate::relay) const BUFFERED: &str = "hookcli_relay_buffered";

/// Keeps `frame` for `channel`; committed when this returns.
pub(in crate::relay) async fn keep(
    db: &Db,
    channel: &str,
    id: &str,
    frame: &Frame,
) -> Result<(), DbError> {
    let client = db.client().await?;
    let encoded = frame.encode_as(0);
    client
        .execute(
            "WITH kept AS (
                 INSERT INTO relay_buffer (id, channel, received_ms, frame) VALUES ($1, $2, $3, $4) RETURNING seq
             )
             SELECT pg_notify($5, $2) FROM kept",
            &[
                &id,
                &channel,
                &crate::store::now_ms(),
                &encoded,
                &BUFFERED,
            ],
        )
        .await
        .map_err(|e| db.error(&e))?;
    Ok(())
}

/// Deliveries waiting, per channel.
pub(in crate::relay) async fn depth(db: &Db) -> Result<Vec<(String, u64)>, DbError> {
    let client = db.client().await?;
    let rows = client
        .query(
            "SELECT channel, count(*) FROM relay_buffer GROUP BY channel ORDER BY channel",
            &[],
        )
        .await
        .map_err(|e| db.error(&e))?;
    Ok(rows
        .iter()
        .map(|r| (r.get::<_, String>(0), r.get::<_, i64>(1) as u64))
        .collect())
}

/// What became of one row handed over.
enum Outcome {
    Delivered,
    /// The client took too long: left queued, passed over for now.
    PassedOver(i64),
    /// The client went away, or the database did: the rest waits.
    Stop,
    Empty,
}

/// Hands `channel`'s backlog to its newly attached client, oldest first.
pub(in crate::relay) async fn drain(
    state: Arc<State>,
    db: Arc<Db>,
    channel: String,
    a: Arc<Attached>,
) {
    let mut passed_over: HashSet<i64> = HashSet::new();
    let mut conn = match db.dedicated().await {
        Ok(c) => c,
        Err(e) => {
            state
                .log
                .note(&format!("channel {channel}: cannot read the buffer: {e}"));
            a.draining.store(false, Ordering::SeqCst);
            return;
        }
    };
    loop {
        match one(&state, &db, &mut conn, &channel, &a, &passed_over).await {
            Ok(Outcome::Delivered) => {}
            Ok(Outcome::PassedOver(seq)) => {
                passed_over.insert(seq);
            }
            Ok(Outcome::Stop) => break,
            Ok(Outcome::Empty) => {
                a.draining.store(false, Ordering::SeqCst);
                // One more look: a delivery buffered just now must not wait
                // for the next client.
                let skip: Vec<i64> = passed_over.iter().copied().collect();
                let again = conn
                    .query_one(
                        "SELECT EXISTS (SELECT 1 FROM relay_buffer WHERE channel = $1 AND seq <> ALL($2))",
                        &[&channel, &skip],
                    )
                    .await
                    .is_ok_and(|r| r.get::<_, bool>(0));
                if again && !a.draining.swap(true, Ordering::SeqCst) {
                    continue;
                }
                return;
            }
            Err(e) => {
                state
                    .log
                    .note(&format!("channel {channel}: cannot read the buffer: {e}"));
                break;
            }
        }
    }
    a.draining.store(false, Ordering::SeqCst);
}

/// Locks the oldest row, hands it over and deletes it once answered, in one
/// transaction.
async fn one(
    state: &State,
    db: &Db,
    conn: &mut tokio_postgres::Client,
    channel: &str,
    a: &Attached,
    passed_over: &HashSet<i64>,
) -> Result<Outcome, DbError> {
    let err = |e: tokio_postgres::Error| db.error(&e);
    let skip: Vec<i64> = passed_over.iter().copied().collect();
    let tx = conn.transaction().await.map_err(err)?;
    let Some(row) = tx
        .query_opt(
            "SELECT seq, id, frame FROM relay_buffer
             WHERE channel = $1 AND seq <> ALL($2)
             ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED",
            &[&channel, &skip],
        )
        .await
        .map_err(err)?
    else {
        tx.commit().await.map_err(err)?;
        return Ok(Outcome::Empty);
    };
    let seq: i64 = row.get(0);
    let id: String = row.get(1);
    let frame = match Frame::decode(row.get::<_, &[u8]>(2)) {
        Ok(f) => f,
        Err(e) => {
            // Not ours to hand over: said, and left for a person to look at.
            state.log.note(&format!(
                "channel {channel}: buffered delivery {id} does not decode ({e}); passed over"
            ));
            return Ok(Outcome::PassedOver(seq));
        }
    };
    match hand_over(state, a, frame).await {
        Ok(Frame::Answer { .. }) => {
            tx.execute("DELETE FROM relay_buffer WHERE seq = $1", &[&seq])
                .await
                .map_err(err)?;
            tx.commit().await.map_err(err)?;
            Ok(Outcome::Delivered)
        }
        Err(Failed::Status(504, why)) => {
            state.log.note(&format!(
                "channel {channel}: buffered delivery {id} not answered ({why}); kept for the next attach"
            ));
            Ok(Outcome::PassedOver(seq))
        }
        // The client went away: the row stays, its lock goes with the transaction.
        _ => Ok(Outcome::Stop),
    }
}

/// Starts the drain of `channel` if its client is attached here and none
/// is running: another instance buffered a delivery for it.
pub(in crate::relay) fn wake(state: &Arc<State>, db: &Arc<Db>, channel: &str) {
    if let Some(a) = state.attached(channel)
        && !a.draining.swap(true, Ordering::SeqCst)
    {
        tokio::spawn(drain(state.clone(), db.clone(), channel.to_string(), a));
    }
}
