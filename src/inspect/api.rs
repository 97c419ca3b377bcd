//! The JSON API behind the page: list, changes, detail, curl, the portable
//! document, and replay. Replays go through the replay engine
//! (`crate::replay`), as `hookcli replay`'s do, and are recorded before the
//! answer goes back.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::State;
use super::view;
use crate::replay::{Edits, Failed, ReplayError, Replayer, Signing};
use crate::store::search::{Search, SearchError};
use crate::store::{self, AttemptKind, Lookup, Store, portable};

/// How long one replay may wait for its answer.
pub const REPLAY_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a request for changes waits before answering "none yet".
const CHANGES_WAIT: Duration = Duration::from_secs(20);

/// What a handler answers.
pub enum Answer {
    Json(Value),
    Text(String),
}

/// A request the API cannot serve, with its status.
#[derive(Debug)]
pub struct ApiError {
    pub status: u16,
    pub message: String,
}

impl ApiError {
    pub fn new(status: u16, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }
}

type Result<T> = std::result::Result<T, ApiError>;

fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::new(500, e.to_string())
}

fn store_err(store: &Store) -> impl Fn(rusqlite::Error) -> ApiError + '_ {
    let to_store_err = store.sqlite_err();
    move |source| internal(to_store_err(source))
}

/// `GET /api/info`: what the page needs to know about this launch. The
/// secret itself is never part of it.
pub fn info(state: &State) -> Answer {
    json_answer(view::Info {
        version: env!("CARGO_PKG_VERSION"),
        store: &state.store.path,
        resign: state.resign.as_ref().map(|r| view::ResignInfo {
            provider: r.provider.as_ref().map(|p| p.name()),
            secret_from: &r.source,
        }),
    })
}

/// A typed view as the JSON answer.
fn json_answer(view: impl serde::Serialize) -> Answer {
    Answer::Json(serde_json::to_value(view).unwrap_or_default())
}

/// `GET /api/deliveries?provider=&event=&status=&verdict=&q=&limit=`.
pub async fn list(state: Arc<State>, query: HashMap<String, String>) -> Result<Answer> {
    let search = Search {
        provider: query.get("provider").cloned(),
        event: query.get("event").cloned(),
        status: query.get("status").cloned(),
        verdict: query.get("verdict").cloned(),
        text: query.get("q").cloned(),
        limit: query
            .get("limit")
            .and_then(|l| l.parse().ok())
            .unwrap_or(200)
            .min(5000),
    };
    state
        .read(move |store, conn| {
            let cursor = store::search::cursor(conn).map_err(store_err(store))?;
            let rows = store::search::search(conn, &search).map_err(|e| match e {
                SearchError::Status(_) => ApiError::new(400, e.to_string()),
                SearchError::Sqlite(s) => store_err(store)(s),
            })?;
            Ok(json_answer(view::Deliveries {
                cursor,
                deliveries: rows.iter().map(view::row).collect(),
            }))
        })
        .await
}

/// `GET /api/changes?cursor=C`: answers as soon as a delivery or an attempt
/// is recorded after cursor C (by any process), or after a while with C.
pub async fn changes(state: Arc<State>, query: HashMap<String, String>) -> Result<Answer> {
    let given = query.get("cursor").cloned().unwrap_or_default();
    let deadline = Instant::now() + CHANGES_WAIT;
    let mut closing = state.closing.clone();
    loop {
        let now = state
            .read(|store, conn| store::search::cursor(conn).map_err(store_err(store)))
            .await?;
        if now != given || Instant::now() >= deadline || *closing.borrow() {
            return Ok(json_answer(view::Changes { cursor: now }));
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(200)) => {}
            _ = closing.changed() => {}
        }
    }
}

fn find(
    store: &Store,
    conn: &rusqlite::Connection,
    key: &str,
) -> Result<(store::Delivery, Vec<store::Attempt>)> {
    match store::query::lookup(conn, key).map_err(store_err(store))? {
        Lookup::Found(d) => {
            let attempts = store::query::attempts(conn, &d.id).map_err(store_err(store))?;
            Ok((*d, attempts))
        }
        Lookup::NotFound => Err(ApiError::new(404, format!("no delivery {key:?}"))),
        Lookup::Ambiguous(c) => Err(ApiError::new(
            409,
            format!("{key:?} names {} deliveries; give more of the id", c.len()),
        )),
    }
}

/// What `GET /api/deliveries/ID[/curl|/document]` shows.
#[derive(Clone, Copy)]
pub enum Shape {
    Detail,
    Curl,
    Document,
}

pub async fn delivery(state: Arc<State>, key: String, shape: Shape) -> Result<Answer> {
    state
        .read(move |store, conn| {
            let (d, attempts) = find(store, conn, &key)?;
            Ok(match shape {
                Shape::Detail => json_answer(view::detail(&d, &attempts)),
                Shape::Curl => match crate::curl::refusal(&d) {
                    Some(why) => return Err(ApiError::new(400, why)),
                    None => Answer::Text(crate::curl::command(&d)),
                },
                Shape::Document => Answer::Json(portable::document(&d, &attempts)),
            })
        })
        .await
}

/// The body of `POST /api/deliveries/ID/replay`.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplayRequest {
    /// `exact` or `resign`.
    #[serde(default)]
    pub mode: Option<String>,
    /// A base URL (the delivery's path is appended, as with `replay --url`);
    /// none: the delivery's last forward target.
    #[serde(default)]
    pub to: Option<String>,
    /// An edited body, always sent re-signed.
    #[serde(default)]
    pub body: Option<String>,
}

pub async fn replay(state: Arc<State>, key: String, raw: Vec<u8>) -> Result<Answer> {
    let req: ReplayRequest = serde_json::from_slice(&raw)
        .map_err(|e| ApiError::new(400, format!("the replay request is not valid: {e}")))?;
    let resign = match req.mode.as_deref() {
        None | Some("exact") => req.body.is_some(),
        Some("resign") => true,
        Some(other) => {
            return Err(ApiError::new(
                400,
                format!("mode {other:?} is neither exact nor resign"),
            ));
        }
    };
    let to = req.to.filter(|t| !t.trim().is_empty());
    if let Some(url) = &to {
        match url::Url::parse(url) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => {}
            _ => return Err(ApiError::new(400, format!("{url:?} is not an http(s) URL"))),
        }
    }
    let (d, attempts) = state
        .read(move |store, conn| find(store, conn, &key))
        .await?;
    let forwarded_to = attempts
        .iter()
        .rev()
        .find(|a| a.kind == AttemptKind::Forward)
        .and_then(|a| a.target.clone());

    let signing = match (resign, &state.resign) {
        (false, _) => Signing::Exact,
        (true, None) => {
            return Err(ApiError::new(
                400,
                "re-signing needs the secret: start inspect with --secret-env VAR (the page never takes a secret)",
            ));
        }
        (true, Some(r)) => Signing::Resign {
            scheme: r.provider.as_deref(),
            secrets: &r.secret,
        },
    };
    let edits = Edits {
        to,
        data: req.body.map(String::into_bytes),
        ..Edits::default()
    };
    let replayer = Replayer {
        edits: &edits,
        signing,
        client: &state.client,
        timeout: REPLAY_TIMEOUT,
    };
    let (prepared, attempt) = replayer
        .replay(&d, forwarded_to.as_deref(), &state.writer)
        .await
        .map_err(|e| match e {
            Failed::Refused(ReplayError::NoTarget(_)) => ApiError::new(
                400,
                "this delivery was never forwarded anywhere: give a URL to send it to",
            ),
            Failed::Refused(ReplayError::UnknownProvider) => ApiError::new(
                400,
                "this delivery's provider is unknown: start inspect with --provider P to re-sign it",
            ),
            Failed::Refused(other) => ApiError::new(400, other.to_string()),
            e @ Failed::NotRecorded(_) => internal(e),
        })?;
    Ok(Answer::Json(json!({
        "resigned": prepared.resigned,
        "url": prepared.request.url,
        "warnings": prepared.warnings,
        "attempt": view::attempt(attempts.len() + 1, &attempt),
    })))
}
