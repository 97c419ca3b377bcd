//! A filter's rows read on their own thread, ahead of the sends: reading
//! the next rows overlaps sending the ones before, and a full channel
//! pauses the reading (back-pressure), so memory stays bounded.

use std::thread::JoinHandle;

use futures_util::StreamExt;
use futures_util::stream::LocalBoxStream;
use rusqlite::Connection;
use tokio::sync::{mpsc, oneshot};

use super::bulk::{Loaded, Selection, Source};
use crate::store::{Filter, Store, StoreError};

/// Rows handed over together: one wake-up of the sending side each.
const CHUNK: usize = 32;

/// Chunks read but not yet taken: at most `CHUNKS * CHUNK` rows ahead.
const CHUNKS: usize = 8;

type Chunk = Vec<Result<Loaded, StoreError>>;

/// The selection's rows, in order, as the reading thread yields them; the
/// first read error ends them.
pub(super) type Rows = LocalBoxStream<'static, Result<Loaded, StoreError>>;

/// The reading thread; `join` once its rows have all been taken.
pub(super) struct Reader(JoinHandle<()>);

impl Reader {
    pub(super) fn join(self) {
        let _ = self.0.join();
    }
}

/// Starts reading what `filter` matches through `conn`: its count, once the
/// scan is open (an error opening it is returned here), then its rows.
pub(super) async fn start(
    store: &Store,
    conn: Connection,
    filter: Filter,
    with_target: bool,
) -> Result<(usize, Rows, Reader), StoreError> {
    let (opened_tx, opened) = oneshot::channel();
    let (chunks_tx, chunks) = mpsc::channel(CHUNKS);
    let store = store.clone();
    let thread = std::thread::Builder::new()
        .name("hookcli-replay-reader".into())
        .spawn(move || read(&store, &conn, filter, with_target, opened_tx, &chunks_tx))
        .map_err(|e| StoreError::Write(format!("cannot start the reading thread: {e}")))?;
    let reader = Reader(thread);
    let selected = match opened.await {
        Ok(Ok(n)) => n,
        Ok(Err(e)) => {
            reader.join();
            return Err(e);
        }
        Err(_) => {
            reader.join();
            return Err(StoreError::Write("the reading thread stopped".into()));
        }
    };
    let rows = futures_util::stream::unfold(chunks, |mut chunks| async move {
        chunks.recv().await.map(|chunk| (chunk, chunks))
    })
    .flat_map(futures_util::stream::iter)
    .boxed_local();
    Ok((selected, rows, reader))
}

fn read(
    store: &Store,
    conn: &Connection,
    filter: Filter,
    with_target: bool,
    opened: oneshot::Sender<Result<usize, StoreError>>,
    chunks: &mpsc::Sender<Chunk>,
) {
    let (mut source, n) = match Source::open(store, conn, Selection::Matching(filter), with_target)
    {
        Ok(open) => open,
        Err(e) => {
            let _ = opened.send(Err(e));
            return;
        }
    };
    if opened.send(Ok(n)).is_err() {
        return;
    }
    let rows = match source.rows() {
        Ok(rows) => rows,
        Err(e) => {
            let _ = chunks.blocking_send(vec![Err(e)]);
            return;
        }
    };
    let mut chunk = Vec::with_capacity(CHUNK);
    for row in rows {
        chunk.push(row);
        // A full chunk goes; so does a partial one when the sending side
        // has nothing left to take, rather than have it wait for the rest.
        if chunk.len() >= CHUNK || chunks.capacity() == chunks.max_capacity() {
            let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK));
            if chunks.blocking_send(full).is_err() {
                return; // the run is gone
            }
        }
    }
    if !chunk.is_empty() {
        let _ = chunks.blocking_send(chunk);
    }
}
