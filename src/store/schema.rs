//! The schema and its migrations. `PRAGMA user_version` is the schema
//! version; `PRAGMA application_id` marks the file as hookcli's.

use rusqlite::Connection;

/// "hook" in ASCII: tells a hookcli store from any other SQLite file.
pub const APPLICATION_ID: i32 = 0x686f_6f6b;

/// Migrations in order; migration N brings the schema to version N + 1.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE deliveries (
    seq            INTEGER PRIMARY KEY,  -- arrival order
    id             TEXT NOT NULL UNIQUE, -- lowercase ULID, time-sortable
    received_at    INTEGER NOT NULL,     -- Unix milliseconds
    peer           TEXT,
    method         TEXT NOT NULL,
    target         TEXT NOT NULL,        -- path and query as requested
    http_version   TEXT NOT NULL,
    headers        TEXT NOT NULL,        -- JSON [[name, value]], in order, original case
    body           BLOB NOT NULL,        -- the raw bytes
    body_size      INTEGER NOT NULL,
    body_sha256    TEXT NOT NULL,
    provider       TEXT,
    event_type     TEXT,
    event_id       TEXT,
    verdict        TEXT NOT NULL,        -- valid, invalid, unsigned, unchecked, unknown
    verdict_cause  TEXT,
    verdict_reason TEXT,
    source         TEXT NOT NULL DEFAULT 'direct',
    public_url     TEXT,
    rejected       TEXT,
    last_status    INTEGER,              -- of the newest attempt, for list and --failed
    last_error     TEXT,
    attempt_count  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX deliveries_received_at ON deliveries(received_at);
CREATE INDEX deliveries_provider ON deliveries(provider, event_type);

CREATE TABLE attempts (
    seq          INTEGER PRIMARY KEY,
    delivery_id  TEXT NOT NULL REFERENCES deliveries(id),
    kind         TEXT NOT NULL,          -- respond, forward, replay
    target       TEXT,
    started_at   INTEGER NOT NULL,       -- Unix milliseconds
    status       INTEGER,
    headers      TEXT NOT NULL,
    body         BLOB NOT NULL,
    duration_ms  REAL NOT NULL,
    error        TEXT
);
CREATE INDEX attempts_delivery ON attempts(delivery_id);
"#,
    r#"
-- The relay's buffer: deliveries taken while no client was attached, in
-- arrival order, until the client has answered them.
CREATE TABLE relay_queue (
    seq          INTEGER PRIMARY KEY,
    channel      TEXT NOT NULL,
    delivery_id  TEXT NOT NULL REFERENCES deliveries(id),
    delivered_at INTEGER                 -- Unix ms; NULL while pending
);
CREATE INDEX relay_queue_pending ON relay_queue(channel, delivered_at, seq);
"#,
    r#"
-- What a replay actually sent, when it differs from the recorded request
-- (re-signed headers, an edited body).
ALTER TABLE attempts ADD COLUMN sent_headers TEXT;
ALTER TABLE attempts ADD COLUMN sent_body BLOB;
"#,
    r#"
-- `show <short id>`: the last 8 characters that listen and list print.
CREATE INDEX deliveries_short_id ON deliveries(substr(id, -8));
"#,
];

/// The schema version this build writes.
pub const CURRENT: i32 = MIGRATIONS.len() as i32;

/// Brings the schema up to date inside one transaction.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    let version: i32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version >= CURRENT {
        return Ok(());
    }
    let tx = conn.transaction()?;
    for sql in &MIGRATIONS[version as usize..] {
        tx.execute_batch(sql)?;
    }
    tx.pragma_update(None, "application_id", APPLICATION_ID)?;
    tx.pragma_update(None, "user_version", CURRENT)?;
    tx.commit()
}
