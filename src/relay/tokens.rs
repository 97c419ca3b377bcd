//! Per-developer relay tokens: `relay token add/list/revoke` and the
//! relay's check of a client's token against its channel.
//!
//! A token is 32 random bytes, base64url, behind the `hkr_` prefix (so a
//! leaked one is recognisable in logs and secret scanners). Only its
//! SHA-256 is kept: a token carries 256 bits of entropy, so a fast hash
//! is enough. The store sits behind [`TokenStore`] so that a PostgreSQL
//! one can follow the SQLite one.

use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

use crate::provider::crypto::{ct_eq, random_bytes, sha256_hex};

/// Every token starts with this.
pub const PREFIX: &str = "hkr_";

/// One token as stored: never the token itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenRecord {
    pub id: i64,
    /// SHA-256 of the token, lowercase hex.
    pub hash: String,
    /// The glob of the channels it may attach to (`alice-*`).
    pub channel: String,
    pub note: Option<String>,
    pub created_ms: i64,
    pub revoked_ms: Option<i64>,
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("token store {path}: {source}")]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("token store {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("token store {0} has schema version {1}, newer than this hookcli's; upgrade hookcli")]
    TooNew(PathBuf, i64),
    #[error("token store {0} does not exist; create it with `hookcli relay token add`")]
    Missing(PathBuf),
    #[error("no token with id {0}")]
    NoSuchToken(i64),
    #[error("{0}")]
    Failed(String),
}

/// Where tokens live. Implementations are blocking; the relay calls them
/// off its async threads.
pub trait TokenStore: Send + Sync {
    /// Keeps a new token's hash; returns its id.
    fn insert(
        &self,
        hash: &str,
        channel: &str,
        note: Option<&str>,
        now_ms: i64,
    ) -> Result<i64, TokenError>;
    /// Every token, revoked ones included, oldest first.
    fn all(&self) -> Result<Vec<TokenRecord>, TokenError>;
    /// Marks a token revoked; `false` when it already was.
    fn revoke(&self, id: i64, now_ms: i64) -> Result<bool, TokenError>;
}

/// A new token, to be shown once.
pub struct Issued {
    pub id: i64,
    pub token: crate::secret::Secret,
}

/// Makes a token for channels matching `channel` and keeps its hash.
pub fn issue(
    store: &dyn TokenStore,
    channel: &str,
    note: Option<&str>,
) -> Result<Issued, TokenError> {
    let token = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(random_bytes(32)));
    let id = store.insert(
        &sha256_hex(token.as_bytes()),
        channel,
        note,
        crate::store::now_ms(),
    )?;
    Ok(Issued {
        id,
        token: crate::secret::Secret::new(token),
    })
}

/// Why a client's token does not let it attach.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    Unknown,
    Revoked(i64),
    /// The token's id and its channel pattern.
    OutOfScope(i64, String),
}

/// The id of the token `presented` is, if it may attach to `channel`.
/// Every stored hash is compared, in constant time, whatever matches first.
pub fn authorize(records: &[TokenRecord], presented: &str, channel: &str) -> Result<i64, Refusal> {
    let hash = sha256_hex(presented.as_bytes());
    let mut found = None;
    for r in records {
        if ct_eq(hash.as_bytes(), r.hash.as_bytes()) && found.is_none() {
            found = Some(r);
        }
    }
    let r = found.ok_or(Refusal::Unknown)?;
    if r.revoked_ms.is_some() {
        return Err(Refusal::Revoked(r.id));
    }
    if !crate::glob::matches(&r.channel, channel) {
        return Err(Refusal::OutOfScope(r.id, r.channel.clone()));
    }
    Ok(r.id)
}

/// A channel pattern a token may carry: channel characters and glob syntax.
pub fn valid_pattern(pattern: &str) -> bool {
    !pattern.is_empty()
        && pattern.len() <= 128
        && pattern
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_*?[]^".contains(&b))
}

/// Tokens in a SQLite file of their own (`--tokens FILE`).
pub struct SqliteTokens {
    path: PathBuf,
}

const SCHEMA_VERSION: i64 = 1;

impl SqliteTokens {
    /// The store at `path`; `create` makes the file (owner-only) when absent.
    pub fn open(path: &Path, create: bool) -> Result<Self, TokenError> {
        let store = SqliteTokens {
            path: path.to_path_buf(),
        };
        if !path.exists() {
            if !create {
                return Err(TokenError::Missing(path.to_path_buf()));
            }
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| store.io(e))?;
            }
            owner_only(path).map_err(|e| store.io(e))?;
        }
        store.migrate()?;
        Ok(store)
    }

    fn err(&self, source: rusqlite::Error) -> TokenError {
        TokenError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    fn io(&self, source: std::io::Error) -> TokenError {
        TokenError::Io {
            path: self.path.clone(),
            source,
        }
    }

    fn conn(&self) -> Result<Connection, TokenError> {
        // Never creates the file: one removed under a running relay is an
        // error (nobody is cut off), not an empty store.
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&self.path, flags).map_err(|e| self.err(e))?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(|e| self.err(e))?;
        Ok(conn)
    }

    fn migrate(&self) -> Result<(), TokenError> {
        let conn = self.conn()?;
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(|e| self.err(e))?;
        if version > SCHEMA_VERSION {
            return Err(TokenError::TooNew(self.path.clone(), version));
        }
        if version < 1 {
            conn.execute_batch(
                "BEGIN;
                 CREATE TABLE IF NOT EXISTS relay_tokens (
                     id INTEGER PRIMARY KEY AUTOINCREMENT,
                     hash TEXT NOT NULL UNIQUE,
                     channel TEXT NOT NULL,
                     note TEXT,
                     created_ms INTEGER NOT NULL,
                     revoked_ms INTEGER
                 );
                 PRAGMA user_version = 1;
                 COMMIT;",
            )
            .map_err(|e| self.err(e))?;
        }
        Ok(())
    }
}

/// Creates an empty file only its owner can read.
fn owner_only(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map(drop)
}

impl TokenStore for SqliteTokens {
    fn insert(
        &self,
        hash: &str,
        channel: &str,
        note: Option<&str>,
        now_ms: i64,
    ) -> Result<i64, TokenError> {
        let conn = self.conn()?;
        conn.execute(
            "INSERT INTO relay_tokens (hash, channel, note, created_ms) VALUES (?1, ?2, ?3, ?4)",
            params![hash, channel, note, now_ms],
        )
        .map_err(|e| self.err(e))?;
        Ok(conn.last_insert_rowid())
    }

    fn all(&self) -> Result<Vec<TokenRecord>, TokenError> {
        let conn = self.conn()?;
        let mut stmt = conn
            .prepare(
                "SELECT id, hash, channel, note, created_ms, revoked_ms FROM relay_tokens ORDER BY id",
            )
            .map_err(|e| self.err(e))?;
        stmt.query_map([], |r| {
            Ok(TokenRecord {
                id: r.get(0)?,
                hash: r.get(1)?,
                channel: r.get(2)?,
                note: r.get(3)?,
                created_ms: r.get(4)?,
                revoked_ms: r.get(5)?,
            })
        })
        .and_then(|rows| rows.collect())
        .map_err(|e| self.err(e))
    }

    fn revoke(&self, id: i64, now_ms: i64) -> Result<bool, TokenError> {
        let conn = self.conn()?;
        let revoked: Option<Option<i64>> = conn
            .query_row(
                "SELECT revoked_ms FROM relay_tokens WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        match revoked {
            None => Err(TokenError::NoSuchToken(id)),
            Some(Some(_)) => Ok(false),
            Some(None) => {
                conn.execute(
                    "UPDATE relay_tokens SET revoked_ms = ?2 WHERE id = ?1",
                    params![id, now_ms],
                )
                .map_err(|e| self.err(e))?;
                Ok(true)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_tokens_are_stored_as_hashes_and_scoped_by_glob() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteTokens::open(&dir.path().join("t.db"), true).unwrap();
        let a = issue(&store, "alice-*", Some("alice")).unwrap();
        let b = issue(&store, "bob-x", None).unwrap();
        assert!(a.token.expose().starts_with(PREFIX));
        assert_eq!(a.token.expose().len(), PREFIX.len() + 43);
        assert_ne!(a.token.expose(), b.token.expose());
        let raw = std::fs::read(dir.path().join("t.db")).unwrap();
        let needle = a.token.expose().as_bytes();
        assert!(!raw.windows(needle.len()).any(|w| w == needle));
        let all = store.all().unwrap();
        assert_eq!(authorize(&all, a.token.expose(), "alice-dev"), Ok(a.id));
        assert_eq!(
            authorize(&all, a.token.expose(), "bob-x"),
            Err(Refusal::OutOfScope(a.id, "alice-*".into()))
        );
        assert_eq!(
            authorize(&all, "hkr_nope", "alice-dev"),
            Err(Refusal::Unknown)
        );
        assert!(store.revoke(a.id, 5).unwrap());
        assert!(!store.revoke(a.id, 6).unwrap());
        assert!(matches!(
            store.revoke(99, 6),
            Err(TokenError::NoSuchToken(99))
        ));
        let all = store.all().unwrap();
        assert_eq!(
            authorize(&all, a.token.expose(), "alice-dev"),
            Err(Refusal::Revoked(a.id))
        );
        assert_eq!(authorize(&all, b.token.expose(), "bob-x"), Ok(b.id));
        // A file removed under a running relay is an error, not an empty store.
        std::fs::remove_file(dir.path().join("t.db")).unwrap();
        assert!(store.all().is_err());
        assert!(!dir.path().join("t.db").exists());
    }

    #[test]
    fn patterns_are_channel_characters_and_glob_syntax() {
        assert!(valid_pattern("alice-*"));
        assert!(valid_pattern("team_[ab]?"));
        assert!(!valid_pattern(""));
        assert!(!valid_pattern("alice/*"));
        assert!(!valid_pattern("a b"));
    }
}
