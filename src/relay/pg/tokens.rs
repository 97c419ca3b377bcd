//! Per-developer tokens in PostgreSQL: every relay instance on the
//! database reads the same ones, so a revocation reaches them all.

use std::sync::Arc;

use tokio::runtime::Handle;

use super::Db;
use crate::relay::tokens::{TokenError, TokenRecord, TokenStore};

/// [`TokenStore`] is blocking (the relay calls it off its async threads):
/// each call runs on `handle`, the runtime the connection lives on.
pub struct PgTokens {
    db: Arc<Db>,
    handle: Handle,
}

impl PgTokens {
    pub fn new(db: Arc<Db>, handle: Handle) -> PgTokens {
        PgTokens { db, handle }
    }

    fn run<T>(
        &self,
        f: impl AsyncFnOnce(&tokio_postgres::Client) -> Result<T, tokio_postgres::Error>,
    ) -> Result<T, TokenError> {
        self.handle.block_on(async {
            let client = self
                .db
                .client()
                .await
                .map_err(|e| TokenError::Failed(e.to_string()))?;
            f(&client)
                .await
                .map_err(|e| TokenError::Failed(self.db.error(&e).to_string()))
        })
    }
}

impl TokenStore for PgTokens {
    fn insert(
        &self,
        hash: &str,
        channel: &str,
        note: Option<&str>,
        now_ms: i64,
    ) -> Result<i64, TokenError> {
        self.run(async |c| {
            let row = c
                .query_one(
                    "INSERT INTO relay_tokens (hash, channel, note, created_ms) VALUES ($1, $2, $3, $4) RETURNING id",
                    &[&hash, &channel, &note, &now_ms],
                )
                .await?;
            Ok(row.get(0))
        })
    }

    fn all(&self) -> Result<Vec<TokenRecord>, TokenError> {
        self.run(async |c| {
            let rows = c
                .query(
                    "SELECT id, hash, channel, note, created_ms, revoked_ms FROM relay_tokens ORDER BY id",
                    &[],
                )
                .await?;
            Ok(rows
                .iter()
                .map(|r| TokenRecord {
                    id: r.get(0),
                    hash: r.get(1),
                    channel: r.get(2),
                    note: r.get(3),
                    created_ms: r.get(4),
                    revoked_ms: r.get(5),
                })
                .collect())
        })
    }

    fn revoke(&self, id: i64, now_ms: i64) -> Result<bool, TokenError> {
        let found = self.run(async |c| {
            let row = c
                .query_opt(
                    "WITH before AS (SELECT revoked_ms FROM relay_tokens WHERE id = $1 FOR UPDATE)
                     UPDATE relay_tokens t SET revoked_ms = coalesce(t.revoked_ms, $2)
                     FROM before WHERE t.id = $1 RETURNING before.revoked_ms IS NULL",
                    &[&id, &now_ms],
                )
                .await?;
            Ok(row.map(|r| r.get::<_, bool>(0)))
        })?;
        found.ok_or(TokenError::NoSuchToken(id))
    }
}
