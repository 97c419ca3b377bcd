//! The HTTP side: accept, check every request (Host, token, origin), route
//! it to the page or the API, and harden every answer.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Method, Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::State;
use super::api::{self, Answer, ApiError, Shape};
use super::assets;
use super::security::{HARDENING, TOKEN_HEADER};

type Reply = Response<Full<Bytes>>;

/// The largest request body (an edited delivery) the API reads.
const MAX_REQUEST: usize = 32 << 20;

pub async fn serve(
    listener: TcpListener,
    state: Arc<State>,
    closing: watch::Sender<bool>,
    limits: crate::conn::Limits,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let builder = Arc::new(auto::Builder::new(TokioExecutor::new()));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    // Every connection's task, so shutdown can end the ones left.
    let mut conns = tokio::task::JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            (stream, _, ticket) = limits.accept(&listener) => {
                let state = state.clone();
                let activity = ticket.activity();
                let service = service_fn(move |req| activity.track(handle(state.clone(), req)));
                let conn = builder.serve_connection(TokioIo::new(stream), service).into_owned();
                let conn = graceful.watch(conn);
                while conns.try_join_next().is_some() {}
                conns.spawn(ticket.run(conn));
            }
            _ = &mut shutdown => break,
        }
    }
    drop(listener);
    // Waiting requests for changes answer now; replays in flight finish
    // within the grace period. A connection with nothing in flight (idle,
    // or a request still arriving) holds up nothing.
    let _ = closing.send(true);
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = settled(&state.busy) => {}
        _ = tokio::time::sleep(api::REPLAY_TIMEOUT) => {}
    }
    // The connections left hold the store's writer, which the exit waits
    // for: close them.
    conns.abort_all();
    while conns.join_next().await.is_some() {}
}

/// Requests being answered, so shutdown knows when none is left.
pub(super) struct Busy(watch::Sender<usize>);

impl Default for Busy {
    fn default() -> Busy {
        Busy(watch::channel(0).0)
    }
}

impl Busy {
    fn enter(&self) -> BusyGuard<'_> {
        self.0.send_modify(|n| *n += 1);
        BusyGuard(&self.0)
    }

    async fn idle(&self) {
        let _ = self.0.subscribe().wait_for(|n| *n == 0).await;
    }
}

struct BusyGuard<'a>(&'a watch::Sender<usize>);

impl Drop for BusyGuard<'_> {
    fn drop(&mut self) {
        self.0.send_modify(|n| *n -= 1);
    }
}

/// Resolves once no request has been in flight for a moment: answers just
/// made are written by then.
async fn settled(busy: &Busy) {
    loop {
        busy.idle().await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        if *busy.0.borrow() == 0 {
            return;
        }
    }
}

fn header<'a>(req: &'a Request<Incoming>, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

async fn handle(state: Arc<State>, req: Request<Incoming>) -> Result<Reply, Infallible> {
    let held = state.clone();
    let _busy = held.busy.enter();
    Ok(harden(route(state, req).await))
}

async fn route(state: Arc<State>, req: Request<Incoming>) -> Reply {
    // HTTP/2 carries the authority in the URI instead of a Host header.
    let host = header(&req, "host")
        .map(str::to_string)
        .or_else(|| req.uri().authority().map(|a| a.to_string()));
    if let Err(r) = state.guard.check_host(host.as_deref()) {
        return error(r.status, r.message);
    }
    let host = host.unwrap_or_default();
    let path = req.uri().path().to_string();
    let method = req.method().clone();

    if !path.starts_with("/api/") {
        return match (&method, assets::get(&path)) {
            (&Method::GET | &Method::HEAD, Some(a)) => reply(200, a.content_type, a.body.into()),
            (&Method::GET | &Method::HEAD, None) => error(404, "no such page"),
            _ => error(405, "method not allowed"),
        };
    }
    let token = req.headers().get(TOKEN_HEADER).map(|v| v.as_bytes());
    if let Err(r) = state.guard.check_token(token) {
        return error(r.status, r.message);
    }
    if method != Method::GET && method != Method::HEAD {
        if let Err(r) = state.guard.check_same_origin(
            &host,
            header(&req, "origin"),
            header(&req, "sec-fetch-site"),
            header(&req, "content-type"),
        ) {
            return error(r.status, r.message);
        }
    }
    let query: HashMap<String, String> = req
        .uri()
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    // Ids are lowercase ULIDs (or prefixes): nothing in a segment needs decoding.
    let segs: Vec<&str> = path.trim_start_matches("/api/").split('/').collect();
    let answer = match (&method, segs.as_slice()) {
        (&Method::GET, ["info"]) => Ok(api::info(&state)),
        (&Method::GET, ["deliveries"]) => api::list(state, query).await,
        (&Method::GET, ["changes"]) => api::changes(state, query).await,
        (&Method::GET, ["deliveries", id]) => {
            api::delivery(state, id.to_string(), Shape::Detail).await
        }
        (&Method::GET, ["deliveries", id, "curl"]) => {
            api::delivery(state, id.to_string(), Shape::Curl).await
        }
        (&Method::GET, ["deliveries", id, "document"]) => {
            api::delivery(state, id.to_string(), Shape::Document).await
        }
        (&Method::POST, ["deliveries", id, "replay"]) => {
            let id = id.to_string();
            // A body still arriving at shutdown is not worth waiting for.
            let mut closing = state.closing.clone();
            let closed = async move {
                let _ = closing.wait_for(|c| *c).await;
            };
            let read = tokio::select! {
                read = Limited::new(req.into_body(), MAX_REQUEST).collect() => Some(read),
                _ = closed => None,
            };
            match read {
                Some(Ok(b)) => api::replay(state, id, b.to_bytes().to_vec()).await,
                Some(Err(e)) => Err(ApiError::new(
                    413,
                    format!("the request could not be read: {e}"),
                )),
                None => Err(ApiError::new(503, "the inspector is shutting down")),
            }
        }
        (_, ["info" | "deliveries" | "changes", ..]) => {
            Err(ApiError::new(405, "method not allowed"))
        }
        _ => Err(ApiError::new(404, "no such API")),
    };
    match answer {
        Ok(Answer::Json(v)) => reply(200, "application/json", v.to_string().into()),
        Ok(Answer::Text(t)) => reply(200, "text/plain; charset=utf-8", t.into()),
        Err(e) => error(e.status, &e.message),
    }
}

fn reply(status: u16, content_type: &str, body: Bytes) -> Reply {
    let mut r = Response::new(Full::new(body));
    *r.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::OK);
    if let Ok(v) = content_type.parse() {
        r.headers_mut().insert(hyper::header::CONTENT_TYPE, v);
    }
    r
}

/// Errors are JSON `{"error": "..."}`: data, never markup.
fn error(status: u16, message: &str) -> Reply {
    reply(
        status,
        "application/json",
        serde_json::json!({ "error": message }).to_string().into(),
    )
}

fn harden(mut r: Reply) -> Reply {
    for (name, value) in HARDENING {
        r.headers_mut()
            .insert(*name, hyper::header::HeaderValue::from_static(value));
    }
    r
}
