//! `hookcli relay`: check the flags, then run the relay.

use std::process::ExitCode;

use crate::cli::RelayArgs;
use crate::relay::server::{self, RelayConfig};

use super::usage;

pub fn run(args: RelayArgs) -> anyhow::Result<ExitCode> {
    let token = super::listen::resolve_token(args.token.as_deref(), args.token_env.as_deref())?
        .ok_or_else(|| {
            usage(
                "the relay needs a token for its clients: --token-env VAR (or HOOKCLI_RELAY_TOKEN)",
            )
        })?;
    if token.expose().len() < 16 {
        return Err(usage(
            "the relay token is shorter than 16 characters; use a long random one (openssl rand -hex 32)",
        ));
    }
    if args.body_budget.is_some_and(|b| b < args.max_body) {
        return Err(usage(
            "--body-budget is below --max-body: a body of the largest size could never be taken",
        ));
    }
    let config = RelayConfig {
        bind: args.bind.with_port(args.port),
        token,
        tls: args.tls_cert.clone().zip(args.tls_key.clone()),
        public_url: args.public_url.clone(),
        timeout: args.timeout,
        buffer: args.buffer.clone(),
        max_body: args.max_body,
        header_timeout: args.header_timeout,
        body_timeout: args.body_timeout,
        max_connections: crate::conn::max_connections(args.max_connections),
        body_budget: args
            .body_budget
            .unwrap_or_else(|| crate::conn::Budget::default_limit(args.max_body)),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(server::run(config))?;
    Ok(ExitCode::SUCCESS)
}
