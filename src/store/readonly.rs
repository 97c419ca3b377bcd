//! Opening the store for reading without write access. Readers open it
//! read-only; where SQLite cannot even do that (a WAL database needs its
//! `-shm` file, which a read-only folder cannot get), no process has the
//! store open, so the file is read as it stands.

use rusqlite::{Connection, ErrorCode, OpenFlags};

use super::{Result, Store, StoreError};

/// Opens `store` read-only and checks that it is hookcli's.
pub(super) fn open(store: &Store) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let first = Connection::open_with_flags(&store.path, flags)
        .map_err(store.sqlite_err())
        .and_then(|conn| ready(store, conn));
    match first {
        // No -shm: no connection has the store open, so it stands still.
        Err(StoreError::Sqlite { cause, .. })
            if unwritable(&cause) && !super::sibling(&store.path, "-shm").exists() =>
        {
            at_rest(store)
        }
        other => other,
    }
}

/// Whether SQLite failed for want of write access (to the file, its
/// folder, or the `-shm` file it would create there).
pub(super) fn unwritable(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::ReadOnly | ErrorCode::CannotOpen)
    )
}

fn ready(store: &Store, conn: Connection) -> Result<Connection> {
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(store.sqlite_err())?;
    store.check_identity(&conn)?;
    Ok(conn)
}

/// The store with no `-shm` beside it: a leftover `-wal` is read without
/// shared memory (exclusive mode, no locks); without one the file is all
/// there is (`immutable`).
fn at_rest(store: &Store) -> Result<Connection> {
    let wal = super::sibling(&store.path, "-wal");
    let has_wal = std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0);
    let query = if has_wal {
        "mode=ro&vfs=unix-none"
    } else {
        "mode=ro&immutable=1"
    };
    let uri = uri(&store.path, query).map_err(|cause| StoreError::Open {
        path: store.path.clone(),
        cause,
    })?;
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(uri, flags).map_err(store.sqlite_err())?;
    if has_wal {
        // Set before the first read: the WAL index then lives in memory.
        conn.pragma_update(None, "locking_mode", "EXCLUSIVE")
            .map_err(store.sqlite_err())?;
    }
    ready(store, conn)
}

/// An SQLite URI (`file:///abs/path?query`) for `path`, percent-encoded.
fn uri(path: &std::path::Path, query: &str) -> std::io::Result<String> {
    let abs = std::path::absolute(path)?;
    let mut url = url::Url::from_file_path(&abs).map_err(|()| {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, "not an absolute path")
    })?;
    url.set_query(Some(query));
    Ok(url.to_string())
}
