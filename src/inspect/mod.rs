//! `hookcli inspect`: a local web page over the store. A live list, a
//! delivery's whole story, and replay (exact, re-signed, edited) recorded
//! like `hookcli replay` records it. Served by `inspect`, or by `listen
//! --inspect` beside the capture port.

pub mod api;
pub mod assets;
pub mod security;
mod server;
mod view;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use rusqlite::Connection;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::provider::Provider;
use crate::secret::Secret;
use crate::store::{Store, Writer};

use api::ApiError;
use security::Guard;

/// The key for re-signed replays: the secret from the environment variable
/// named at launch, and the scheme (else each delivery's recorded one).
pub struct Resign {
    pub provider: Option<Box<dyn Provider>>,
    pub secret: Secret,
    /// Where the secret came from (a variable's name), for the page to say.
    pub source: String,
}

/// What every request shares.
pub struct State {
    store: Store,
    /// One read connection, used off the async threads.
    reader: Mutex<Option<Connection>>,
    writer: Writer,
    client: crate::client::Client,
    resign: Option<Resign>,
    guard: Guard,
    closing: watch::Receiver<bool>,
    busy: server::Busy,
}

impl State {
    /// Runs `f` with the read connection on a blocking thread, opening it
    /// first when needed and dropping it after an error.
    async fn read<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&Store, &Connection) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let state = self.clone();
        tokio::task::spawn_blocking(move || {
            let mut slot = state.reader.lock().unwrap_or_else(|p| p.into_inner());
            if slot.is_none() {
                *slot = Some(
                    state
                        .store
                        .open_read()
                        .map_err(|e| ApiError::new(500, e.to_string()))?,
                );
            }
            let conn = slot.as_ref().expect("opened above");
            let out = f(&state.store, conn);
            if out.as_ref().is_err_and(|e| e.status >= 500) {
                *slot = None;
            }
            out
        })
        .await
        .map_err(|e| ApiError::new(500, e.to_string()))?
    }
}

/// Why the inspector could not start.
#[derive(Debug, thiserror::Error)]
pub enum InspectError {
    #[error("{addr} is already in use (another hookcli inspect?); pass another --port")]
    InUse { addr: SocketAddr },
    #[error("cannot serve the inspector on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// A bound inspector, ready to serve.
pub struct Inspector {
    listener: TcpListener,
    state: Arc<State>,
    closing: watch::Sender<bool>,
    limits: Option<crate::conn::Limits>,
}

impl Inspector {
    /// Binds `addr` and makes a fresh token. `writer` records replays (the
    /// store must exist: the writer created it).
    pub async fn bind(
        addr: SocketAddr,
        store: Store,
        writer: Writer,
        resign: Option<Resign>,
        client: crate::client::Client,
    ) -> Result<Inspector, InspectError> {
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| match source.kind() {
                std::io::ErrorKind::AddrInUse => InspectError::InUse { addr },
                _ => InspectError::Bind { addr, source },
            })?;
        let bound = listener
            .local_addr()
            .map_err(|source| InspectError::Bind { addr, source })?;
        let (closing, closing_rx) = watch::channel(false);
        let state = Arc::new(State {
            store,
            reader: Mutex::new(None),
            writer,
            client,
            resign,
            guard: Guard::new(security::new_token(), bound),
            closing: closing_rx,
            busy: server::Busy::default(),
        });
        Ok(Inspector {
            listener,
            state,
            closing,
            limits: None,
        })
    }

    /// Header timeout and connection cap (else 10 s and the default cap).
    pub fn with_limits(mut self, limits: crate::conn::Limits) -> Inspector {
        self.limits = Some(limits);
        self
    }

    /// The URL to open, with this launch's token.
    pub fn url(&self) -> String {
        format!(
            "http://{}/?token={}",
            self.state.guard.authority(),
            self.state.guard.token()
        )
    }

    /// A line saying how replays will be signed (never the secret).
    pub fn resign_note(&self) -> String {
        match &self.state.resign {
            None => "exact replays only (start with --secret-env VAR to re-sign)".into(),
            Some(r) => format!(
                "re-signs with the secret in {} ({})",
                r.source,
                r.provider
                    .as_ref()
                    .map_or("each delivery's provider", |p| p.name())
            ),
        }
    }

    /// Serves until `shutdown` resolves, then lets requests in flight end.
    pub async fn serve(self, shutdown: impl std::future::Future<Output = ()>) {
        let limits = self.limits.unwrap_or_else(|| {
            crate::conn::Limits::new(
                std::time::Duration::from_secs(10),
                crate::conn::max_connections(None).0,
            )
        });
        server::serve(self.listener, self.state, self.closing, limits, shutdown).await
    }
}
