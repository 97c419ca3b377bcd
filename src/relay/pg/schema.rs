//! The relay's tables, created and migrated by the relay itself. The
//! version is a row in `schema_version`; instances starting together take
//! an advisory lock, so one migrates and the others find it done.

use tokio_postgres::Client;

use super::{Db, DbError};

/// The newest schema this hookcli knows.
const VERSION: i32 = 2;

/// Any number, as long as every instance uses the same one.
const MIGRATION_LOCK: i64 = 0x0068_6f6f_6b63_6c69; // "hookcli"

/// The statements that take the schema from version `n - 1` to `n`.
const STEPS: [&str; VERSION as usize] = [
    // 1: tokens, and the buffer of deliveries for absent clients, each
    // kept as the encoded frame its client gets (byte for byte).
    "CREATE TABLE relay_tokens (
         id BIGSERIAL PRIMARY KEY,
         hash TEXT NOT NULL UNIQUE,
         channel TEXT NOT NULL,
         note TEXT,
         created_ms BIGINT NOT NULL,
         revoked_ms BIGINT
     );
     CREATE TABLE relay_buffer (
         seq BIGSERIAL PRIMARY KEY,
         id TEXT NOT NULL,
         channel TEXT NOT NULL,
         received_ms BIGINT NOT NULL,
         frame BYTEA NOT NULL
     );
     CREATE INDEX relay_buffer_by_channel ON relay_buffer (channel, seq);",
    // 2: which instance holds which channel's client (a lease renewed by
    // heartbeat), and the deliveries one instance routes to another, with
    // the answer coming back in the same row.
    "CREATE TABLE relay_channels (
         channel TEXT PRIMARY KEY,
         instance TEXT NOT NULL,
         expires_ms BIGINT NOT NULL
     );
     CREATE TABLE relay_routed (
         id BIGINT PRIMARY KEY,
         channel TEXT NOT NULL,
         origin TEXT NOT NULL,
         frame BYTEA NOT NULL,
         answer BYTEA,
         answered BOOLEAN NOT NULL DEFAULT false,
         created_ms BIGINT NOT NULL
     );",
];

pub(super) async fn migrate(db: &Db, client: &mut Client) -> Result<(), DbError> {
    let err = |e: tokio_postgres::Error| db.error(&e);
    let tx = client.transaction().await.map_err(err)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await
        .map_err(err)?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        .await
        .map_err(err)?;
    let current: i32 = tx
        .query_one("SELECT coalesce(max(version), 0) FROM schema_version", &[])
        .await
        .map_err(err)?
        .get(0);
    if current > VERSION {
        return Err(DbError::TooNew {
            shown: db.shown.clone(),
            version: current,
        });
    }
    for (n, step) in STEPS.iter().enumerate().skip(current as usize) {
        tx.batch_execute(step).await.map_err(err)?;
        tx.execute("DELETE FROM schema_version", &[])
            .await
            .map_err(err)?;
        tx.execute(
            "INSERT INTO schema_version (version) VALUES ($1)",
            &[&(n as i32 + 1)],
        )
        .await
        .map_err(err)?;
    }
    tx.commit().await.map_err(err)
}
