//! The inspector's reads: a filtered, newest-first page of deliveries with
//! their last attempt's duration, and a cursor that moves whenever a
//! delivery or an attempt is added (by this process or another one).

use rusqlite::{Connection, Row};

/// What the inspector's list selects. Empty fields select everything.
#[derive(Clone, Debug, Default)]
pub struct Search {
    pub provider: Option<String>,
    /// A `*` glob over the event type (`invoice.*`).
    pub event: Option<String>,
    /// `2xx`, `3xx`, `4xx`, `5xx`, `failed`, `none` (never attempted) or one code.
    pub status: Option<String>,
    /// `valid`, `invalid`, `unsigned`, `unchecked` or `unknown`.
    pub verdict: Option<String>,
    /// Found in the id, path, provider, event type or id, or the body's bytes.
    pub text: Option<String>,
    pub limit: usize,
}

/// A row of the inspector's list: `list`'s row, and how long the last attempt took.
#[derive(Clone, Debug, PartialEq)]
pub struct ListRow {
    pub seq: i64,
    pub summary: super::Summary,
    pub last_duration_ms: Option<f64>,
}

/// Why a search could not be run as asked.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("status {0:?} is not 2xx, 3xx, 4xx, 5xx, failed, none or a status code")]
    Status(String),
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
}

fn row(r: &Row<'_>) -> rusqlite::Result<ListRow> {
    Ok(ListRow {
        summary: super::query::summary(r)?,
        seq: r.get(12)?,
        last_duration_ms: r.get(13)?,
    })
}

/// Newest first, at most `limit` rows.
pub fn search(conn: &Connection, s: &Search) -> Result<Vec<ListRow>, SearchError> {
    // The rows to show are picked first, so the outcome columns (worked
    // out from the attempts) are computed for them only, not for every
    // row the filter matches before the limit.
    let mut sql = String::from("SELECT d.seq FROM deliveries_now d WHERE 1=1");
    let mut args: Vec<rusqlite::types::Value> = Vec::new();
    if let Some(p) = s.provider.as_deref().filter(|p| !p.is_empty()) {
        sql.push_str(" AND d.provider = ?");
        args.push(p.to_ascii_lowercase().into());
    }
    if let Some(e) = s.event.as_deref().filter(|e| !e.is_empty()) {
        sql.push_str(" AND d.event_type GLOB ?");
        args.push(e.to_string().into());
    }
    if let Some(v) = s.verdict.as_deref().filter(|v| !v.is_empty()) {
        sql.push_str(" AND d.verdict = ?");
        args.push(v.to_ascii_lowercase().into());
    }
    if let Some(st) = s.status.as_deref().filter(|st| !st.is_empty()) {
        let st = st.to_ascii_lowercase();
        match st.as_str() {
            "failed" => sql.push_str(" AND d.failed"),
            "none" => sql.push_str(" AND d.attempt_count = 0"),
            class if class.len() == 3 && class.ends_with("xx") => {
                let hundreds = class[..1]
                    .parse::<i64>()
                    .ok()
                    .filter(|h| (1..=5).contains(h))
                    .ok_or_else(|| SearchError::Status(st.clone()))?;
                sql.push_str(" AND d.last_status >= ? AND d.last_status < ?");
                args.push((hundreds * 100).into());
                args.push((hundreds * 100 + 100).into());
            }
            code => {
                let code: i64 = code.parse().map_err(|_| SearchError::Status(st.clone()))?;
                sql.push_str(" AND d.last_status = ?");
                args.push(code.into());
            }
        }
    }
    if let Some(t) = s.text.as_deref().filter(|t| !t.is_empty()) {
        // instr over the BLOB finds raw bytes; the other columns are text.
        sql.push_str(
            " AND (instr(d.id, ?) > 0 OR instr(d.target, ?) > 0 OR instr(ifnull(d.provider, ''), ?) > 0
               OR instr(ifnull(d.event_type, ''), ?) > 0 OR instr(ifnull(d.event_id, ''), ?) > 0
               OR instr(d.body, CAST(? AS BLOB)) > 0)",
        );
        for _ in 0..6 {
            args.push(t.to_string().into());
        }
    }
    sql.push_str(&format!(" ORDER BY d.seq DESC LIMIT {}", s.limit.max(1)));
    let sql = format!(
        // `list`'s columns first, in their order, so its row reader reads them.
        "SELECT d.id, d.received_at, d.method, d.target, d.provider, d.event_type,
                d.event_id, d.verdict, d.body_size, d.last_status, d.last_error,
                d.attempt_count, d.seq,
                (SELECT a.duration_ms FROM attempts a WHERE a.delivery_id = d.id ORDER BY a.seq DESC LIMIT 1)
         FROM deliveries_now d WHERE d.seq IN ({sql}) ORDER BY d.seq DESC"
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args), row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Moves whenever a delivery or an attempt is recorded: the highest row
/// numbers of both tables, as `DELIVERIES.ATTEMPTS`.
pub fn cursor(conn: &Connection) -> rusqlite::Result<String> {
    conn.query_row(
        "SELECT ifnull((SELECT max(seq) FROM deliveries), 0), ifnull((SELECT max(seq) FROM attempts), 0)",
        [],
        |r| Ok(format!("{}.{}", r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)),
    )
}
