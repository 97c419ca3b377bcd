//! The relay's shared state in PostgreSQL (`--database-url`): the buffer,
//! the tokens and the channel leases of every relay instance on one
//! database, and the deliveries they route to each other. A few shared
//! connections carry the short statements, taken in turn (a backend runs
//! one statement at a time, so one connection would queue every delivery
//! behind the others); a draining channel holds a connection of its own
//! for its row locks.
//! No TLS to the database yet: run it on a private network or a Unix socket.

pub(super) mod backlog;
mod notify;
mod payload;
pub(super) mod route;
mod schema;
mod text;
pub mod tokens;
mod url;

use std::sync::Arc;
use std::time::Duration;

use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, Config, NoTls};

pub use url::redact;

/// The shared connections of one instance.
const SHARED: usize = 8;

/// How long a connection attempt may take before the database counts as down.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// Why the database cannot be used. Every message shows the URL without
/// its password.
#[derive(Clone, Debug, thiserror::Error)]
pub enum DbError {
    #[error("--database-url {shown}: {why}")]
    BadUrl { shown: String, why: String },
    #[error("cannot reach the database at {shown}: {why}")]
    Unreachable { shown: String, why: String },
    #[error("the database at {shown} refused the credentials: {why}")]
    Refused { shown: String, why: String },
    #[error("the database at {shown}: {why}")]
    Failed { shown: String, why: String },
    #[error(
        "the database at {shown} has schema version {version}, newer than this hookcli's; upgrade hookcli"
    )]
    TooNew { shown: String, version: i32 },
}

/// One database, reconnected on demand.
pub struct Db {
    config: Config,
    /// The URL as shown: its password replaced.
    shown: String,
    password: Option<String>,
    shared: Vec<tokio::sync::Mutex<Option<Arc<Client>>>>,
    next: std::sync::atomic::AtomicUsize,
    /// This process among the relay instances on the database: its
    /// connections carry it as their application name, so the others can
    /// tell it is alive.
    instance: String,
}

impl Db {
    /// Parses `url`, connects and brings the schema up to date.
    pub async fn open(url: &str) -> Result<Arc<Db>, DbError> {
        let parsed = url::parse(url)?;
        let mut config: Config =
            url.parse()
                .map_err(|e: tokio_postgres::Error| DbError::BadUrl {
                    shown: parsed.shown.clone(),
                    why: scrub(&chain(&e), parsed.password.as_deref()),
                })?;
        config.connect_timeout(CONNECT_TIMEOUT);
        // The id says which routing payloads it reads (see [`payload`]).
        let instance = format!(
            "{}_v{}",
            hex::encode(crate::provider::crypto::random_bytes(8)),
            payload::VERSION
        );
        config.application_name(application_name(&instance));
        let db = Arc::new(Db {
            config,
            shown: parsed.shown,
            password: parsed.password,
            shared: (0..SHARED).map(|_| tokio::sync::Mutex::new(None)).collect(),
            next: std::sync::atomic::AtomicUsize::new(0),
            instance,
        });
        let mut client = db.dedicated().await?;
        schema::migrate(&db, &mut client).await?;
        Ok(db)
    }

    /// This instance's id.
    pub fn instance(&self) -> &str {
        &self.instance
    }

    /// The URL with its password replaced.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// The next shared connection, reconnected if it dropped.
    pub async fn client(&self) -> Result<Arc<Client>, DbError> {
        let turn = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % self.shared.len();
        let mut shared = self.shared[turn].lock().await;
        if let Some(c) = shared.as_ref().filter(|c| !c.is_closed()) {
            return Ok(c.clone());
        }
        let client = Arc::new(self.dedicated().await?);
        *shared = Some(client.clone());
        Ok(client)
    }

    /// A connection of its own (for transactions that hold row locks).
    pub async fn dedicated(&self) -> Result<Client, DbError> {
        let (client, connection) = self
            .config
            .connect(NoTls)
            .await
            .map_err(|e| self.connect_error(&e))?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(client)
    }

    /// A connection whose notifications come out of the returned stream.
    pub async fn listening(
        &self,
    ) -> Result<
        (
            Client,
            tokio::sync::mpsc::UnboundedReceiver<tokio_postgres::Notification>,
        ),
        DbError,
    > {
        let (client, mut connection) = self
            .config
            .connect(NoTls)
            .await
            .map_err(|e| self.connect_error(&e))?;
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Some(m) = std::future::poll_fn(|cx| connection.poll_message(cx)).await {
                match m {
                    Ok(tokio_postgres::AsyncMessage::Notification(n)) => {
                        if tx.send(n).is_err() {
                            break;
                        }
                    }
                    Ok(_) => {}
                    Err(_) => break,
                }
            }
        });
        Ok((client, rx))
    }

    fn connect_error(&self, e: &tokio_postgres::Error) -> DbError {
        let why = scrub(&chain(e), self.password.as_deref());
        let shown = self.shown.clone();
        match e.code() {
            Some(c)
                if *c == SqlState::INVALID_PASSWORD
                    || *c == SqlState::INVALID_AUTHORIZATION_SPECIFICATION =>
            {
                DbError::Refused { shown, why }
            }
            Some(_) => DbError::Failed { shown, why },
            // No answer from a server: refused, timed out, no such host.
            None if is_io(e) => DbError::Unreachable { shown, why },
            None if why.contains("password") => DbError::Refused { shown, why },
            None => DbError::Unreachable { shown, why },
        }
    }

    /// A statement's error, in words without the password.
    pub fn error(&self, e: &tokio_postgres::Error) -> DbError {
        if e.is_closed() || is_io(e) {
            return DbError::Unreachable {
                shown: self.shown.clone(),
                why: scrub(&chain(e), self.password.as_deref()),
            };
        }
        DbError::Failed {
            shown: self.shown.clone(),
            why: scrub(&chain(e), self.password.as_deref()),
        }
    }
}

/// One `SELECT 1` on the shared connection, in seconds; `None` when the
/// database does not answer within [`CONNECT_TIMEOUT`].
pub async fn round_trip(db: &Db) -> Option<f64> {
    let started = std::time::Instant::now();
    let ask = async {
        let client = db.client().await.ok()?;
        client.simple_query("SELECT 1").await.ok()
    };
    tokio::time::timeout(CONNECT_TIMEOUT, ask).await.ok()??;
    Some(started.elapsed().as_secs_f64())
}

/// The application name of an instance's connections.
pub(super) fn application_name(instance: &str) -> String {
    format!("hookcli relay {instance}")
}

fn is_io(e: &tokio_postgres::Error) -> bool {
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        if s.is::<std::io::Error>() {
            return true;
        }
        source = s.source();
    }
    false
}

/// An error and its causes, one line: tokio-postgres says what failed and
/// its cause says why (the server's own message for a refusal).
fn chain(e: &tokio_postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return format!("{}: {}", db.severity(), db.message());
    }
    let mut out = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    crate::output::one_line(&out).into_owned()
}

/// `text` with every occurrence of the password replaced.
fn scrub(text: &str, password: Option<&str>) -> String {
    match password.filter(|p| !p.is_empty()) {
        Some(p) => text.replace(p, "***"),
        None => text.to_string(),
    }
}
