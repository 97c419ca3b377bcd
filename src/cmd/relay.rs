//! `hookcli relay`: check the flags, then run the relay.

use std::process::ExitCode;

use std::sync::Arc;

use crate::cli::{LogFormat, RelayAction, RelayArgs};
use crate::relay::access::Access;
use crate::relay::allow::Allow;
use crate::relay::pg::Db;
use crate::relay::pg::tokens::PgTokens;
use crate::relay::server::{self, RelayConfig};
use crate::relay::tokens::{SqliteTokens, TokenStore};

use super::usage;

pub fn run(args: RelayArgs) -> anyhow::Result<ExitCode> {
    if let Some(RelayAction::Token(action)) = args.action {
        return super::relay_token::run(action);
    }
    let token = super::listen::resolve_token(args.token.as_deref(), args.token_env.as_deref())?;
    if token.is_none() && args.tokens.is_none() && args.database_url.is_none() {
        return Err(usage(
            "the relay needs a token for its clients: --token-env VAR (or HOOKCLI_RELAY_TOKEN), --tokens FILE, or --database-url URL",
        ));
    }
    let (buffer, buffer_in_database) = match (&args.buffer, &args.database_url) {
        (None, _) => (None, false),
        (Some(None), Some(_)) => (None, true),
        (Some(None), None) => {
            return Err(usage(
                "--buffer needs a folder (--buffer DIR), unless --database-url is given: then it buffers in PostgreSQL",
            ));
        }
        (Some(Some(dir)), None) => (Some(dir.clone()), false),
        (Some(Some(_)), Some(_)) => {
            return Err(usage(
                "--buffer takes no folder with --database-url: the buffer is in PostgreSQL",
            ));
        }
    };
    if token.as_ref().is_some_and(|t| t.expose().len() < 16) {
        return Err(usage(
            "the relay token is shorter than 16 characters; use a long random one (openssl rand -hex 32)",
        ));
    }
    let store = match &args.tokens {
        Some(path) => Some(Arc::new(SqliteTokens::open(path, true)?) as Arc<dyn TokenStore>),
        None => None,
    };
    let metrics_token = match &args.metrics_token_env {
        Some(var) => match std::env::var(var) {
            Ok(v) if v.len() >= 16 => Some(crate::secret::Secret::new(v)),
            Ok(v) if !v.is_empty() => {
                return Err(usage(format!(
                    "the metrics token in {var} is shorter than 16 characters; use a long random one"
                )));
            }
            _ => {
                return Err(usage(format!(
                    "environment variable {var} (named by --metrics-token-env) is not set"
                )));
            }
        },
        None => None,
    };
    if args.body_budget.is_some_and(|b| b < args.max_body) {
        return Err(usage(
            "--body-budget is below --max-body: a body of the largest size could never be taken",
        ));
    }
    let config = RelayConfig {
        bind: args.bind.with_port(args.port),
        access: Access {
            shared: token,
            store,
        },
        allow: Allow {
            from: args.allow_from.clone(),
            trusted_proxies: args.trusted_proxy.clone(),
        },
        metrics_token,
        metrics_bind: args.metrics_bind,
        log: crate::relay::log::Log {
            format: match args.log_format {
                LogFormat::Text => crate::relay::log::Format::Text,
                LogFormat::Json => crate::relay::log::Format::Json,
            },
        },
        tls: args.tls_cert.clone().zip(args.tls_key.clone()),
        public_url: args.public_url.clone(),
        timeout: args.timeout,
        buffer,
        database: None,
        buffer_in_database,
        max_body: args.max_body,
        header_timeout: args.header_timeout,
        body_timeout: args.body_timeout,
        max_connections: super::max_connections(args.max_connections),
        body_budget: args
            .body_budget
            .unwrap_or_else(|| crate::conn::Budget::default_limit(args.max_body)),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(usize::from(args.threads))
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let mut config = config;
        if let Some(url) = &args.database_url {
            let db = Db::open(url).await?;
            config.access.store = Some(Arc::new(PgTokens::new(
                db.clone(),
                tokio::runtime::Handle::current(),
            )) as Arc<dyn TokenStore>);
            config.database = Some(db);
        }
        server::run(config, |banner| {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(banner.as_bytes());
            let _ = out.flush();
        })
        .await
    })?;
    Ok(ExitCode::SUCCESS)
}
