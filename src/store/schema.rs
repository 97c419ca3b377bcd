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
    r#"
-- A delivery as it stands now: its columns, and the outcome of its attempts
-- derived from them when read (the newest attempt's status and error, how
-- many there are, whether it failed). Recording an attempt used to update
-- the delivery's row too, and SQLite rewrites a whole row, the body with it:
-- now an attempt is one small row. The row's own last_status, last_error
-- and attempt_count keep the outcome at capture and are not read.
CREATE VIEW deliveries_now AS
SELECT seq, id, received_at, peer, method, target, http_version, headers, body,
    body_size, body_sha256, provider, event_type, event_id, verdict, verdict_cause,
    verdict_reason, source, public_url, rejected,
    (SELECT a.status FROM attempts a WHERE a.delivery_id = deliveries.id
        ORDER BY a.seq DESC LIMIT 1) AS last_status,
    (SELECT a.error FROM attempts a WHERE a.delivery_id = deliveries.id
        ORDER BY a.seq DESC LIMIT 1) AS last_error,
    (SELECT count(*) FROM attempts a WHERE a.delivery_id = deliveries.id) AS attempt_count,
    -- Non-2xx or no answer; no attempt at all counts as failed too.
    ifnull((SELECT a.error IS NOT NULL OR a.status IS NULL OR a.status NOT BETWEEN 200 AND 299
        FROM attempts a WHERE a.delivery_id = deliveries.id
        ORDER BY a.seq DESC LIMIT 1), 1) AS failed
FROM deliveries;
"#,
];

/// The schema version this build writes.
pub const CURRENT: i32 = MIGRATIONS.len() as i32;

/// Brings the schema up to date inside one transaction.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    migrate_to(conn, CURRENT)
}

/// Brings the schema to `target` (an older hookcli's store, in tests).
pub(super) fn migrate_to(conn: &mut Connection, target: i32) -> rusqlite::Result<()> {
    let version: i32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version >= target {
        return Ok(());
    }
    let tx = conn.transaction()?;
    for sql in &MIGRATIONS[version as usize..target as usize] {
        tx.execute_batch(sql)?;
    }
    tx.pragma_update(None, "application_id", APPLICATION_ID)?;
    tx.pragma_update(None, "user_version", target)?;
    tx.commit()
}
