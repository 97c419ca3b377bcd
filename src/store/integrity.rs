//! The check a writer runs before it adds to an existing store: SQLite's
//! own `PRAGMA quick_check`, stopping at the first fault, within a time
//! budget so that a very large store still starts at once.

use std::sync::mpsc;
use std::time::Duration;

use rusqlite::{Connection, ErrorCode};

use super::{Result, Store, StoreError};

/// How long the check may take. It reads the whole file, about 1 GiB/s
/// from a warm cache (`cargo bench --bench store_check`: 0.4 s for 100,000
/// deliveries, 400 MiB): a store up to about 1 GiB is checked whole; past
/// the budget, what was read was sound and the rest is taken as it is.
pub const CHECK_BUDGET: Duration = Duration::from_secs(1);

impl Store {
    /// Refuses a damaged file (listen, relay --buffer, inspect and replay
    /// run this before they write): SQLite would otherwise add rows to it
    /// that no reader can get back.
    pub fn check_integrity(&self, conn: &Connection) -> Result<()> {
        self.check_integrity_within(conn, CHECK_BUDGET)
    }

    /// [`Store::check_integrity`], stopped after `budget`.
    pub fn check_integrity_within(&self, conn: &Connection, budget: Duration) -> Result<()> {
        // A timer interrupts the check; an interrupt once it is over does
        // nothing (SQLite ignores one with no statement running).
        let handle = conn.get_interrupt_handle();
        let (done, wait) = mpsc::channel::<()>();
        let timer = std::thread::spawn(move || {
            if let Err(mpsc::RecvTimeoutError::Timeout) = wait.recv_timeout(budget) {
                handle.interrupt();
            }
        });
        let first = conn.query_row("PRAGMA quick_check(1)", [], |r| r.get::<_, String>(0));
        drop(done);
        let _ = timer.join();
        let first = match first {
            Err(e) if e.sqlite_error_code() == Some(ErrorCode::OperationInterrupted) => {
                return Ok(());
            }
            other => other.map_err(self.sqlite_err())?,
        };
        if first == "ok" {
            return Ok(());
        }
        // Its first line only names the database ("*** in database main ***").
        let found: Vec<&str> = first.lines().filter(|l| !l.starts_with("***")).collect();
        Err(StoreError::Damaged {
            path: self.path.clone(),
            detail: format!(
                "SQLite's check found: {}",
                crate::output::one_line(&found.join("; "))
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A check cut short by its budget takes the store; a whole one of a
    /// sound store passes.
    #[test]
    fn a_sound_store_passes_and_a_cut_short_check_takes_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::at(dir.path());
        let conn = store.open_write().unwrap();
        conn.execute_batch(
            "CREATE TABLE pad (b BLOB);
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
             INSERT INTO pad SELECT randomblob(2000) FROM n;",
        )
        .unwrap();
        store.check_integrity(&conn).unwrap();
        let start = std::time::Instant::now();
        store
            .check_integrity_within(&conn, Duration::from_millis(1))
            .unwrap();
        assert!(start.elapsed() < Duration::from_secs(2));
        // The connection is usable after an interrupt.
        let n: i64 = conn
            .query_row("SELECT count(*) FROM pad", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 20000);
    }
}
