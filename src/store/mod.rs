//! The delivery store: one SQLite database, `hookcli.db`, in WAL mode, so
//! that `list` and `show` read while `listen` writes.

pub(crate) mod codec;
mod integrity;
mod model;
pub mod query;
mod readonly;
mod schema;
mod wal_bound;
mod writer;

pub mod portable;
pub mod search;
pub mod wire;

pub use model::{Attempt, AttemptKind, Delivery, Sent, Summary, VerdictRecord, now_ms};
pub use query::{Filter, Lookup};
pub use writer::Writer;

use std::path::{Path, PathBuf};

use rusqlite::Connection;

pub const FILE_NAME: &str = "hookcli.db";

/// Why the store could not be used. Each says which file and what to do.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "{path} is not a hookcli store (it is not an SQLite database); pass another --store, nothing was changed"
    )]
    NotSqlite { path: PathBuf },
    #[error(
        "{path} is an SQLite database but not a hookcli store; pass another --store, nothing was changed"
    )]
    Foreign { path: PathBuf },
    #[error(
        "{path} was written by a newer hookcli (schema {found}, this one knows up to {known}); upgrade hookcli"
    )]
    TooNew {
        path: PathBuf,
        found: i32,
        known: i32,
    },
    #[error(
        "{path} is damaged ({detail}); nothing was changed: move it aside (`sqlite3 FILE .recover` salvages what is readable) and hookcli starts a new store there"
    )]
    Damaged { path: PathBuf, detail: String },
    #[error(
        "no store at {path}: nothing has been recorded there yet; `hookcli listen` records into it, or pass --store DIR (or set HOOKCLI_STORE) for another"
    )]
    Missing { path: PathBuf },
    // `cause`, not `source`, here too: the OS's text is said once.
    #[error("cannot create the store folder {path}: {cause}")]
    CreateDir {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("cannot open the store {path}: {cause}")]
    Open {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error(
        "{path} was written by an older hookcli and must be upgraded, which needs write access to it ({cause})"
    )]
    NeedsUpgrade {
        path: PathBuf,
        cause: rusqlite::Error,
    },
    // `cause`, not `source`: SQLite's text already says it all, and a
    // source would be printed again after it.
    #[error("store {path}: {cause}")]
    Sqlite {
        path: PathBuf,
        cause: rusqlite::Error,
    },
    #[error("the store's writer has stopped")]
    WriterGone,
    #[error("writing to the store failed: {0}")]
    Write(String),
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// The store folder: `--store`, else `HOOKCLI_STORE` (clap reads both), else
/// the platform data folder.
pub fn default_dir() -> PathBuf {
    dirs::data_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("hookcli")
}

/// A store folder and its database file.
#[derive(Clone, Debug)]
pub struct Store {
    pub dir: PathBuf,
    pub path: PathBuf,
}

impl Store {
    pub fn at(dir: impl Into<PathBuf>) -> Self {
        let dir = dir.into();
        let path = dir.join(FILE_NAME);
        Self { dir, path }
    }

    /// Turns an SQLite failure on this store into its error: a damaged
    /// file says so, and what to do.
    pub fn sqlite_err(&self) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        move |source| {
            use rusqlite::ErrorCode::{DatabaseCorrupt, NotADatabase};
            let detail = match (&source, source.sqlite_error_code()) {
                (_, Some(NotADatabase | DatabaseCorrupt)) => Some("SQLite cannot read it".into()),
                // Bytes that are not what hookcli wrote: a damaged page.
                (
                    rusqlite::Error::Utf8Error(..)
                    | rusqlite::Error::FromSqlConversionFailure(..)
                    | rusqlite::Error::InvalidColumnType(..),
                    _,
                ) => Some(format!("a row cannot be read: {source}")),
                _ => None,
            };
            match detail {
                Some(detail) => StoreError::Damaged {
                    path: self.path.clone(),
                    detail,
                },
                None => StoreError::Sqlite {
                    path: self.path.clone(),
                    cause: source,
                },
            }
        }
    }

    /// Refuses a file that is not SQLite before SQLite touches it.
    fn check_header(&self) -> Result<bool> {
        use std::io::Read;
        let mut file = match std::fs::File::open(&self.path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(cause) => {
                return Err(StoreError::Open {
                    path: self.path.clone(),
                    cause,
                });
            }
            Ok(f) => f,
        };
        // Only the 16-byte magic: the database may be gigabytes.
        let mut magic = Vec::with_capacity(16);
        let _ = (&mut file).take(16).read_to_end(&mut magic);
        if magic.is_empty() || magic == b"SQLite format 3\0" {
            Ok(true)
        } else {
            Err(StoreError::NotSqlite {
                path: self.path.clone(),
            })
        }
    }

    /// Refuses an SQLite file of another program, or of a newer hookcli.
    fn check_identity(&self, conn: &Connection) -> Result<()> {
        let err = self.sqlite_err();
        let app: i32 = conn
            .pragma_query_value(None, "application_id", |r| r.get(0))
            .map_err(&err)?;
        let version: i32 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(&err)?;
        let tables: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .map_err(&err)?;
        if app != schema::APPLICATION_ID && (app != 0 || tables > 0) {
            return Err(StoreError::Foreign {
                path: self.path.clone(),
            });
        }
        if version > schema::CURRENT {
            return Err(StoreError::TooNew {
                path: self.path.clone(),
                found: version,
                known: schema::CURRENT,
            });
        }
        Ok(())
    }

    /// Opens the store for writing, creating and migrating it as needed.
    pub fn open_write(&self) -> Result<Connection> {
        self.open_write_checked(false)
    }

    /// [`Store::open_write`] for a writer that is about to take deliveries:
    /// an existing file must also pass [`Store::check_integrity`] before
    /// anything is written to it.
    pub fn open_writer(&self) -> Result<Connection> {
        self.open_write_checked(true)
    }

    fn open_write_checked(&self, check: bool) -> Result<Connection> {
        std::fs::create_dir_all(&self.dir).map_err(|cause| StoreError::CreateDir {
            path: self.dir.clone(),
            cause,
        })?;
        let existed = self.check_header()?;
        let err = self.sqlite_err();
        let mut conn = Connection::open(&self.path).map_err(&err)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(&err)?;
        if existed {
            self.check_identity(&conn)?;
            if check {
                self.check_integrity(&conn)?;
            }
        }
        // WAL lets readers work while listen writes; NORMAL syncs the WAL at
        // checkpoints, which survives a killed process (not a power cut).
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(&err)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(&err)?;
        schema::migrate(&mut conn).map_err(&err)?;
        Ok(conn)
    }

    /// Opens an existing store for reading, read-only: a store in a folder
    /// or file this user may not write still lists and shows.
    pub fn open_read(&self) -> Result<Connection> {
        if !self.check_header()? {
            return Err(StoreError::Missing {
                path: self.path.clone(),
            });
        }
        let err = self.sqlite_err();
        let conn = readonly::open(self)?;
        let version: i32 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(&err)?;
        if version < schema::CURRENT {
            // An older store: let a writer migrate it, then read.
            drop(conn);
            drop(self.open_write().map_err(|e| match e {
                StoreError::Sqlite { path, cause } if readonly::unwritable(&cause) => {
                    StoreError::NeedsUpgrade { path, cause }
                }
                other => other,
            })?);
            return self.open_read();
        }
        conn.pragma_update(None, "query_only", true).map_err(&err)?;
        Ok(conn)
    }

    pub fn exists(&self) -> bool {
        Path::new(&self.path).exists()
    }
}

/// SQLite's files beside the database: `hookcli.db-wal`, `hookcli.db-shm`.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// A fresh, time-sortable delivery id. Monotonic within this process, so
/// deliveries in the same millisecond still sort in arrival order.
pub fn new_id() -> String {
    use std::sync::Mutex;
    static GEN: Mutex<Option<ulid::Generator>> = Mutex::new(None);
    let mut guard = GEN.lock().unwrap_or_else(|p| p.into_inner());
    let generator = guard.get_or_insert_with(ulid::Generator::new);
    let id = generator
        .generate()
        .unwrap_or_else(|_| ulid::Ulid::generate());
    id.to_string().to_ascii_lowercase()
}

/// The part of an id that listen and list show: its last 8 characters, the
/// random part, which tells deliveries of the same moment apart.
pub fn short_id(id: &str) -> &str {
    &id[id.len().saturating_sub(8)..]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::Headers;

    fn delivery(id: &str, body: &[u8]) -> Delivery {
        Delivery {
            id: id.into(),
            received_at: now_ms(),
            peer: Some("127.0.0.1:5555".into()),
            method: "POST".into(),
            target: "/hooks?x=1".into(),
            http_version: "HTTP/1.1".into(),
            headers: vec![("X-A", b"1".to_vec()), ("x-a", vec![0xff])]
                .into_iter()
                .collect(),
            body: bytes::Bytes::copy_from_slice(body),
            body_sha256: crate::provider::crypto::sha256_hex(body),
            provider: Some("stripe".into()),
            event_type: Some("invoice.paid".into()),
            event_id: Some("evt_1".into()),
            verdict: VerdictRecord::unknown(),
            source: "direct".into(),
            public_url: None,
            rejected: None,
        }
    }

    fn attempt(id: &str, status: u16) -> Attempt {
        Attempt {
            delivery_id: id.into(),
            kind: AttemptKind::Forward,
            target: Some("http://127.0.0.1:3000/".into()),
            started_at: now_ms(),
            status: Some(status),
            headers: Headers::new(),
            body: b"ok".to_vec(),
            duration_ms: 1.5,
            error: None,
            sent: None,
        }
    }

    #[test]
    fn writes_commit_and_read_back_whole() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::at(dir.path());
        let (writer, thread) = Writer::start(&store).unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let ids: Vec<String> = (0..3).map(|_| new_id()).collect();
        rt.block_on(async {
            for (i, id) in ids.iter().enumerate() {
                writer
                    .delivery(delivery(id, &[0, 1, 2, 0xff, i as u8]))
                    .await
                    .unwrap();
            }
            writer.attempt(attempt(&ids[0], 200)).await.unwrap();
            writer.attempt(attempt(&ids[1], 500)).await.unwrap();
        });
        drop(writer);
        thread.join();

        let conn = store.open_read().unwrap();
        let all = query::list(&conn, &Filter::default()).unwrap();
        assert_eq!(
            all.iter().map(|s| s.id.clone()).collect::<Vec<_>>(),
            ids.iter().rev().cloned().collect::<Vec<_>>()
        );
        let failed = query::list(
            &conn,
            &Filter {
                failed: true,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(failed.len(), 2, "a 500 and a delivery never attempted");
        let Lookup::Found(d) = query::lookup(&conn, &ids[0]).unwrap() else {
            panic!("not found")
        };
        assert_eq!(
            *d,
            delivery(&ids[0], &[0, 1, 2, 0xff, 0]).with_time(d.received_at)
        );
        assert!(matches!(
            query::lookup(&conn, short_id(&ids[2])).unwrap(),
            Lookup::Found(_)
        ));
        assert!(
            matches!(query::lookup(&conn, "last").unwrap(), Lookup::Found(d) if d.id == ids[2])
        );
        assert!(
            matches!(query::lookup(&conn, &ids[0][..4]).unwrap(), Lookup::Ambiguous(c) if c.len() == 3)
        );
        assert!(matches!(
            query::lookup(&conn, "zzzzzzzz").unwrap(),
            Lookup::NotFound
        ));
        assert_eq!(
            query::attempts(&conn, &ids[1]).unwrap()[0].status,
            Some(500)
        );
    }

    impl Delivery {
        fn with_time(mut self, t: i64) -> Self {
            self.received_at = t;
            self
        }
    }

    #[test]
    fn a_damaged_file_is_named_as_such_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::at(dir.path());
        let bytes = b"SQLite format 3\0 and then nothing SQLite can read".to_vec();
        std::fs::write(&store.path, &bytes).unwrap();
        for err in [store.open_read().err(), store.open_write().err()] {
            let err = err.expect("refused");
            assert!(matches!(err, StoreError::Damaged { .. }), "{err}");
            assert!(err.to_string().contains(".recover"), "{err}");
        }
        assert_eq!(std::fs::read(&store.path).unwrap(), bytes);
    }

    #[test]
    fn refuses_files_that_are_not_its_own_and_leaves_them_alone() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::at(dir.path());
        std::fs::write(&store.path, b"not a database at all").unwrap();
        assert!(matches!(
            store.open_write(),
            Err(StoreError::NotSqlite { .. })
        ));
        assert!(matches!(
            store.open_read(),
            Err(StoreError::NotSqlite { .. })
        ));
        assert_eq!(
            std::fs::read(&store.path).unwrap(),
            b"not a database at all"
        );

        std::fs::remove_file(&store.path).unwrap();
        let other = Connection::open(&store.path).unwrap();
        other
            .execute_batch("CREATE TABLE notes (t TEXT); INSERT INTO notes VALUES ('mine');")
            .unwrap();
        drop(other);
        let before = std::fs::read(&store.path).unwrap();
        assert!(matches!(
            store.open_write(),
            Err(StoreError::Foreign { .. })
        ));
        assert_eq!(std::fs::read(&store.path).unwrap(), before);
    }

    #[test]
    fn refuses_a_newer_schema() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::at(dir.path());
        drop(store.open_write().unwrap());
        let conn = Connection::open(&store.path).unwrap();
        conn.pragma_update(None, "user_version", schema::CURRENT + 1)
            .unwrap();
        drop(conn);
        let err = store.open_write().unwrap_err();
        assert!(matches!(err, StoreError::TooNew { .. }), "{err}");
        assert!(err.to_string().contains("newer hookcli"));
    }

    /// A store an older hookcli wrote (schema 4) kept each delivery's
    /// outcome in its row, updated for every attempt. Opened now, it is
    /// migrated and reads the same outcomes, derived from its attempts; a
    /// new attempt is one row, and the delivery's row is left as it was.
    #[test]
    fn an_older_store_is_migrated_and_reads_its_outcomes_from_the_attempts() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::at(dir.path());
        let mut conn = Connection::open(&store.path).unwrap();
        schema::migrate_to(&mut conn, 4).unwrap();
        let ids: Vec<String> = (0..3).map(|_| new_id()).collect();
        // As schema 4's writer left them: the first answered 500 and was
        // replayed (200), the second answered 502, the third never.
        let rows = [
            (&ids[0], Some(200), 2),
            (&ids[1], Some(502), 1),
            (&ids[2], None, 0),
        ];
        for (id, last, count) in rows {
            conn.execute(
                "INSERT INTO deliveries (id, received_at, method, target, http_version, headers,
                    body, body_size, body_sha256, verdict, last_status, attempt_count)
                 VALUES (?1, 1, 'POST', '/', 'HTTP/1.1', '[]', x'00', 1, '', 'unknown', ?2, ?3)",
                rusqlite::params![id, last, count],
            )
            .unwrap();
        }
        for (id, status) in [(&ids[0], 500), (&ids[0], 200), (&ids[1], 502)] {
            conn.execute(
                "INSERT INTO attempts (delivery_id, kind, started_at, status, headers, body, duration_ms)
                 VALUES (?1, 'forward', 1, ?2, '[]', x'', 1.0)",
                rusqlite::params![id, status],
            )
            .unwrap();
        }
        drop(conn);

        let outcomes = |failed: bool| {
            let conn = store.open_read().unwrap();
            let filter = Filter {
                failed,
                ..Default::default()
            };
            query::list(&conn, &filter)
                .unwrap()
                .into_iter()
                .rev()
                .map(|s| (s.id, s.last_status, s.attempts))
                .collect::<Vec<_>>()
        };
        let as_recorded = vec![
            (ids[0].clone(), Some(200), 2),
            (ids[1].clone(), Some(502), 1),
            (ids[2].clone(), None, 0),
        ];
        assert_eq!(outcomes(false), as_recorded);
        let conn = Connection::open(&store.path).unwrap();
        let version: i32 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, schema::CURRENT, "migrated");
        assert_eq!(outcomes(true), as_recorded[1..].to_vec());

        let (writer, thread) = Writer::start(&store).unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(writer.attempt(attempt(&ids[0], 503))).unwrap();
        drop(writer);
        thread.join();
        assert_eq!(outcomes(false)[0], (ids[0].clone(), Some(503), 3));
        assert_eq!(outcomes(true).len(), 3, "a 503 is a failure");
        let stored: (Option<u16>, i64) = conn
            .query_row(
                "SELECT last_status, attempt_count FROM deliveries WHERE id = ?1",
                [&ids[0]],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(
            stored,
            (Some(200), 2),
            "the delivery's row is not rewritten"
        );
    }

    #[test]
    fn ids_sort_by_time_and_are_unique() {
        let ids: Vec<String> = (0..1000).map(|_| new_id()).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(ids, sorted);
        assert_eq!(ids[0].len(), 26);
    }
}
