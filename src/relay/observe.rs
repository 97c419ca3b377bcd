//! The relay seen from outside: `GET /metrics` (on the public port behind
//! `--metrics-token-env`, or on `--metrics-bind` with no token), and the
//! count and log line of every public delivery.

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::Response;
use hyper::header::HeaderMap;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use super::log::DeliveryLine;
use super::metrics::{CONTENT_TYPE, Gauges};
use super::server::{Reply, State, reply};
use crate::provider::crypto::ct_eq;

/// Counts a public delivery's end and logs it (JSON logs only).
pub(super) fn delivered(state: &State, line: DeliveryLine<'_>) {
    if line.status != 403 {
        state
            .metrics
            .delivery(line.channel, line.outcome.to_string());
    }
    state.log.delivery(&line);
}

/// `GET /metrics` on the public port: only with the metrics token.
pub(super) async fn public(state: &Arc<State>, headers: &HeaderMap) -> Reply {
    let presented = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(super::server::bearer)
        .unwrap_or("");
    let wanted = state.config.metrics_token.as_ref().map(|t| t.as_bytes());
    if !wanted.is_some_and(|w| ct_eq(presented.as_bytes(), w)) {
        return reply(
            401,
            serde_json::json!({ "error": "wrong or missing metrics token" }),
        );
    }
    page(state).await
}

async fn page(state: &Arc<State>) -> Reply {
    let gauges = gauges(state).await;
    Response::builder()
        .status(200)
        .header("content-type", CONTENT_TYPE)
        .body(Full::new(Bytes::from(state.metrics.render(&gauges))))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}

async fn gauges(state: &Arc<State>) -> Gauges {
    let attached = state
        .channels
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .len();
    let buffered = match &state.buffer {
        Some(super::buffer::Backlog::Database(db)) => {
            super::pg::backlog::depth(db).await.unwrap_or_default()
        }
        Some(super::buffer::Backlog::Store(store, _)) => {
            let store = store.clone();
            tokio::task::spawn_blocking(move || {
                store
                    .open_read()
                    .ok()
                    .and_then(|c| crate::store::query::pending_counts(&c).ok())
            })
            .await
            .ok()
            .flatten()
            .unwrap_or_default()
        }
        None => Vec::new(),
    };
    let database = match &state.config.database {
        Some(db) => Some(super::pg::round_trip(db).await),
        None => None,
    };
    Gauges {
        attached,
        buffered,
        database,
    }
}

/// The `--metrics-bind` listener, bound before the banner names it.
pub(super) async fn bind(addr: SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {addr} (--metrics-bind): {e}"))
}

/// Serves `GET /metrics` and nothing else, with no token: for a private
/// address a scraper reaches.
pub(super) async fn serve(state: Arc<State>, listener: TcpListener) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let state = state.clone();
        tokio::spawn(async move {
            let service =
                hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    let state = state.clone();
                    async move {
                        Ok::<_, std::convert::Infallible>(match (req.method(), req.uri().path()) {
                            (&hyper::Method::GET, "/metrics") => page(&state).await,
                            _ => reply(
                                404,
                                serde_json::json!({ "error": "only GET /metrics here" }),
                            ),
                        })
                    }
                });
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(std::time::Duration::from_secs(10))
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
