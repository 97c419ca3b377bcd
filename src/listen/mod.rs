//! `hookcli listen`: the capture proxy. A hyper server that records every
//! delivery before answering it, and forwards it to the app when asked.

pub mod forward;
pub(crate) mod handler;
pub mod route;

/// The delivery lines, rendered in `crate::render` (kept reachable here).
pub use crate::render::delivery_line as line;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;

use crate::provider::Provider;
use crate::secret::{Secrets, redact_url};
use crate::store::{Store, Writer};

use crate::incoming::{CaptureIo, HeadCapture};
use crate::printer::Printer;
use crate::render::listening::Listening;
use forward::Forwarder;
use route::Route;

/// Everything `listen` was asked to do, already checked.
pub struct Config {
    pub bind: SocketAddr,
    pub path: String,
    pub forward_to: Option<String>,
    pub routes: Vec<Route>,
    pub forward_timeout: Duration,
    pub forward_insecure: bool,
    pub forward_ca: Option<PathBuf>,
    pub provider: Option<Box<dyn Provider>>,
    /// The secret each provider's deliveries are checked with.
    pub secrets: Secrets,
    /// Overrides the provider's timestamp tolerance, in seconds.
    pub tolerance: Option<u64>,
    /// What `--enforce` answers 401 to; `None` without it.
    pub enforce: Option<Enforce>,
    pub respond: u16,
    pub max_body: u64,
    pub public_url: Option<String>,
    pub header_timeout: Duration,
    /// The whole body must arrive within this (`--body-timeout`).
    pub body_timeout: Duration,
    /// Open connections at most (`--max-connections`), listen's and the inspector's.
    pub max_connections: usize,
    /// Body bytes all requests in flight may hold at once (`--body-budget`).
    pub body_budget: u64,
    pub json: bool,
    /// Also take deliveries from a relay (`--relay`).
    pub relay: Option<crate::relay::client::ClientConfig>,
    /// Also serve the inspector on this loopback port (`--inspect`).
    pub inspect: Option<InspectConfig>,
}

/// What `--enforce` refuses with 401 (the delivery is still recorded).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Enforce {
    Invalid,
    Strict,
}

impl Enforce {
    pub const ALL: &'static [Enforce] = &[Enforce::Invalid, Enforce::Strict];

    pub fn name(self) -> &'static str {
        match self {
            Enforce::Invalid => "invalid",
            Enforce::Strict => "strict",
        }
    }

    /// What each level refuses (the help beside each `--enforce` value).
    pub fn describe(self) -> &'static str {
        match self {
            Enforce::Invalid => {
                "Invalid signatures, and requests from no provider hookcli recognises"
            }
            Enforce::Strict => "Those, and deliveries no secret could check (`unchecked`)",
        }
    }

    /// Whether a delivery with this verdict is refused.
    pub fn refuses(self, verdict: &str) -> bool {
        match verdict {
            "invalid" | "unknown" => true,
            "unchecked" => self == Enforce::Strict,
            _ => false,
        }
    }
}

/// `listen --inspect`: the port, and the key for re-signed replays.
pub struct InspectConfig {
    pub port: u16,
    pub resign: Option<crate::inspect::Resign>,
}

/// What every request handler shares.
pub struct Shared {
    pub config: Config,
    pub writer: Writer,
    pub forwarder: Option<Forwarder>,
    pub printer: Printer,
    pub body_limits: crate::conn::BodyLimits,
}

/// Why listen could not start.
#[derive(Debug, thiserror::Error)]
pub enum ListenError {
    #[error("{addr} is already in use (another hookcli listen?); pass another --port")]
    InUse { addr: SocketAddr },
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// Binds, prints the banner, serves until Ctrl-C or SIGTERM, then finishes
/// the deliveries in flight and commits them.
pub async fn run(config: Config, store: Store) -> anyhow::Result<()> {
    // The store first: a damaged one is refused before the port is taken.
    let (writer, writer_thread) = Writer::start(&store)?;
    let listener = TcpListener::bind(config.bind)
        .await
        .map_err(|source| match source.kind() {
            std::io::ErrorKind::AddrInUse => ListenError::InUse { addr: config.bind },
            _ => ListenError::Bind {
                addr: config.bind,
                source,
            },
        })?;
    let local = listener.local_addr()?;
    let forwarder = if config.forward_to.is_some() || !config.routes.is_empty() {
        Some(Forwarder::new(
            config.forward_timeout,
            config.forward_insecure,
            config.forward_ca.as_deref(),
        )?)
    } else {
        None
    };
    let mut config = config;
    let limits = crate::conn::Limits::new(config.header_timeout, config.max_connections);
    // The inspector stays on loopback whatever --bind says.
    let inspector = match config.inspect.take() {
        Some(i) => Some(
            crate::inspect::Inspector::bind(
                SocketAddr::from(([127, 0, 0, 1], i.port)),
                store.clone(),
                writer.clone(),
                i.resign,
                // Its replays trust what listen's forwards trust.
                crate::client::Client::new(crate::client::Trust::new(
                    config.forward_insecure,
                    config.forward_ca.as_deref(),
                    "--ca",
                )?),
            )
            .await?
            .with_limits(limits.clone()),
        ),
        None => None,
    };
    let (printer, printer_thread) = Printer::start();
    let listening = listening(&config, local, &store, inspector.as_ref().map(|i| i.url()));
    printer.print(crate::render::listening::banner(&listening, config.json));
    let (inspect_stop, inspect_stopped) = tokio::sync::oneshot::channel::<()>();
    let inspect_task = inspector.map(|i| {
        tokio::spawn(i.serve(async move {
            let _ = inspect_stopped.await;
        }))
    });
    let body_limits = crate::conn::BodyLimits {
        max: config.max_body,
        timeout: config.body_timeout,
        budget: crate::conn::Budget::new(config.body_budget),
        stopping: Some(limits.gate.stopping()),
    };
    let shared = Arc::new(Shared {
        config,
        writer,
        forwarder,
        printer,
        body_limits,
    });

    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        // The gate (crate::conn) cuts off a connection that brings no whole
        // head within --header-timeout, from accept and after each answer;
        // hyper's own timer would be a second one, armed for every request.
        .header_read_timeout(None)
        .keep_alive(true);
    let builder = Arc::new(builder);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let shutdown = crate::conn::shutdown_signal();
    tokio::pin!(shutdown);
    let (fail_tx, mut fail_rx) = tokio::sync::mpsc::channel::<anyhow::Error>(1);
    let mut relay_task = None;
    if let Some(relay) = shared.config.relay.clone() {
        let (shared, printer) = (shared.clone(), shared.printer.clone());
        let json = shared.config.json;
        relay_task = Some(tokio::spawn(async move {
            let say =
                move |line: String| printer.print(crate::render::listening::tunnel(line, json));
            if let Err(e) = crate::relay::client::run(shared, relay, say).await {
                let _ = fail_tx.send(e).await;
            }
        }));
    }
    let mut failure = None;

    loop {
        tokio::select! {
            (stream, peer, ticket) = limits.accept(&listener) => {
                let capture = HeadCapture::new();
                let io = TokioIo::new(CaptureIo::new(stream, capture.clone()));
                let shared = shared.clone();
                let activity = ticket.activity();
                let service = service_fn(move |req| {
                    // Boxed once here: the handler's future is kilobytes (a
                    // forward's client state) and hyper moves it several
                    // times before its first poll; a pointer moves cheaply.
                    activity.track(Box::pin(handler::handle(
                        shared.clone(),
                        capture.clone(),
                        peer,
                        req,
                    )))
                });
                let conn = builder.serve_connection(io, service).into_owned();
                let conn = graceful.watch(conn);
                tokio::spawn(ticket.run(conn));
            }
            _ = &mut shutdown => break,
            Some(e) = fail_rx.recv() => { failure = Some(e); break }
        }
    }
    drop(listener);
    // Senders still sending a head or a body are not waited for: nothing of
    // theirs was answered, and they retry (a body is answered 503).
    limits.gate.stop();
    // The inspector lets its replays in flight finish and lets go of the writer.
    let _ = inspect_stop.send(());
    if let Some(task) = inspect_task {
        let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
    }
    // Deliveries in flight finish; a forward may wait out its timeout, no longer.
    let grace = shared.config.forward_timeout + Duration::from_secs(5);
    let finished = tokio::time::timeout(grace, graceful.shutdown())
        .await
        .is_ok();
    // The tunnel holds a handle too: close it (relayed deliveries already
    // handed to listen finish on their own tasks).
    if let Some(task) = relay_task {
        task.abort();
        let _ = task.await;
    }
    // The writer commits what it has and stops once every handle is gone.
    drop(shared);
    // A stuck connection still holds a handle; everything answered is
    // committed already, so leave without waiting for it. Otherwise the
    // printer's lines (the banner too, when the tunnel failed at once) are
    // all out before the exit, whether it fails or not.
    if finished {
        // Relayed deliveries still in flight hold handles; they end within
        // the forward timeout, and what was answered is committed already.
        let joined = tokio::task::spawn_blocking(move || {
            writer_thread.join();
            let _ = printer_thread.join();
        });
        let _ = tokio::time::timeout(grace, joined).await;
    }
    match failure {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// What this listen is doing, for its banner: every URL redacted, and
/// which secret came from where, never its value.
fn listening(
    config: &Config,
    local: SocketAddr,
    store: &Store,
    inspect: Option<String>,
) -> Listening {
    Listening {
        url: format!("http://{local}{}", config.path),
        relay: config.relay.as_ref().map(|r| {
            (
                crate::relay::client::public_url(&r.url, &r.channel),
                r.channel.clone(),
            )
        }),
        routes: config
            .routes
            .iter()
            .map(|r| (r.when.to_string(), redact_url(&r.url)))
            .collect(),
        forward: config
            .forward_to
            .as_deref()
            .map(|to| (redact_url(to), config.forward_timeout)),
        respond: config.respond,
        provider: config.provider.as_ref().map(|p| p.name().to_string()),
        verifying: !config.secrets.is_empty(),
        enforce: config.enforce.map(Enforce::name),
        secrets: secret_sources(config),
        store: store.path.clone(),
        inspect,
    }
}

/// `(provider, origin)` of each secret listen checks with: with
/// `--provider`, that one's alone.
fn secret_sources(config: &Config) -> Vec<(String, String)> {
    config
        .secrets
        .sources(config.provider.as_ref().map(|p| p.name()))
}
