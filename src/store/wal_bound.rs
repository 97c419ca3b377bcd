//! Keeps listen's WAL bounded. The background PASSIVE checkpoints copy
//! most frames but never quite catch up with a writer that keeps
//! committing, so the WAL never restarts and grows without limit. Between
//! batches, no new frames can arrive: a PASSIVE checkpoint run there by the
//! writer itself backfills the few frames left (unless a reader holds an
//! older snapshot), and the next commit then writes the WAL from its
//! start, truncated back to `journal_size_limit`.

use std::cell::Cell;
use std::ffi::c_int;
use std::sync::{Arc, Mutex};

use rusqlite::Connection;
use rusqlite::hooks::Wal;

/// The WAL size past which the writer checkpoints between batches.
const LIMIT_BYTES: i64 = 64 * 1024 * 1024;

/// Test-only: a smaller limit in bytes, so a short integration test crosses
/// it many times (tests/listen.rs, `the_wal_stays_bounded_under_load`). Not a
/// user setting and not documented as one.
const TEST_LIMIT_VAR: &str = "HOOKCLI_TEST_WAL_LIMIT_BYTES";

thread_local! {
    /// Frames in the WAL after the last commit on this thread's connection;
    /// set by SQLite's WAL hook, which runs on the committing (writer) thread.
    static WAL_FRAMES: Cell<u32> = const { Cell::new(0) };
}

fn note_frames(_: &Wal, frames: c_int) -> rusqlite::Result<()> {
    WAL_FRAMES.set(u32::try_from(frames).unwrap_or(0));
    Ok(())
}

/// The writer's bound on its WAL, checked once a batch (a thread-local
/// read, no system call).
pub(super) struct WalBound {
    /// Held by whoever checkpoints in this process: SQLite refuses a
    /// second checkpointer rather than queueing it.
    checkpoints: Arc<Mutex<()>>,
    limit_frames: u32,
    /// Frames at which the next checkpoint is tried.
    next_at: u32,
    last_seen: u32,
}

impl WalBound {
    /// Installs the WAL hook on the writer's connection; call it after
    /// `wal_autocheckpoint`, which would replace the hook.
    pub(super) fn install(conn: &Connection, checkpoints: Arc<Mutex<()>>) -> WalBound {
        let limit = std::env::var(TEST_LIMIT_VAR)
            .ok()
            .and_then(|v| v.parse::<i64>().ok())
            .filter(|&v| v > 0)
            .unwrap_or(LIMIT_BYTES);
        // A restarted WAL file is cut back to the limit, not left at its
        // largest size.
        let _ = conn.pragma_update(None, "journal_size_limit", limit);
        let page: i64 = conn
            .pragma_query_value(None, "page_size", |r| r.get(0))
            .unwrap_or(4096);
        // Each frame is a page plus its 24-byte header.
        let limit_frames = u32::try_from((limit / (page + 24)).max(1)).unwrap_or(u32::MAX);
        conn.wal_hook(Some(note_frames));
        WAL_FRAMES.set(0);
        WalBound {
            checkpoints,
            limit_frames,
            next_at: limit_frames,
            last_seen: 0,
        }
    }

    /// Between batches: past the limit, folds the WAL into the database so
    /// the next commit restarts it. PASSIVE takes no lock it would wait
    /// for: a reader holding an old snapshot only makes it fall short, and
    /// the next try comes after another quarter of the limit.
    pub(super) fn after_batch(&mut self, conn: &Connection) {
        let frames = WAL_FRAMES.get();
        if frames < self.last_seen {
            // The WAL restarted.
            self.next_at = self.limit_frames;
        }
        self.last_seen = frames;
        if frames < self.next_at {
            return;
        }
        // Waits out a background checkpoint rather than being refused by
        // it: what it leaves to copy is at most a quarter second of frames.
        let _turn = self.checkpoints.lock().unwrap_or_else(|e| e.into_inner());
        // Busy: another process is checkpointing; the next batch tries again.
        let ran = conn
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get::<_, i64>(0))
            .is_ok_and(|busy| busy == 0);
        if ran {
            self.next_at = frames.saturating_add((self.limit_frames / 4).max(1));
        }
    }
}
