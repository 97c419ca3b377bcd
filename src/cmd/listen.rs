//! `hookcli listen`: check the flags, then run the capture proxy.

use std::net::SocketAddr;
use std::process::ExitCode;

use crate::cli::ListenArgs;
use crate::listen::{self, Config};

use super::{provider, resolve_secret, usage};

pub fn run(args: ListenArgs) -> anyhow::Result<ExitCode> {
    let provider = match &args.provider {
        Some(name) => Some(provider(name, &args.hmac)?),
        None => None,
    };
    let secret = resolve_secret(&args.secret)?;
    if args.enforce && secret.is_none() {
        return Err(usage(
            "--enforce needs a secret to check signatures with (--secret-env VAR)",
        ));
    }
    for url in args.forward_to.iter() {
        check_url("--forward-to", url)?;
    }
    if let Some(url) = &args.public_url {
        check_url("--public-url", url)?;
    }
    let path = if args.path.starts_with('/') {
        args.path.clone()
    } else {
        format!("/{}", args.path)
    };
    let config = Config {
        bind: SocketAddr::new(args.bind, args.port),
        path,
        forward_to: args.forward_to.clone(),
        routes: args.routes.clone(),
        forward_timeout: args.forward_timeout,
        forward_insecure: args.forward_insecure,
        forward_ca: args.forward_ca.clone(),
        provider,
        secret,
        tolerance: args.tolerance.map(|d| d.as_secs()),
        enforce: args.enforce,
        respond: args.respond,
        max_body: args.max_body,
        public_url: args.public_url.clone(),
        header_timeout: args.header_timeout,
        json: args.json,
    };
    let store = super::store::store(&args.store);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(listen::run(config, store))?;
    Ok(ExitCode::SUCCESS)
}

fn check_url(flag: &str, url: &str) -> anyhow::Result<()> {
    match reqwest::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => Ok(()),
        Ok(_) => Err(usage(format!("{flag} {url}: only http and https URLs"))),
        Err(e) => Err(usage(format!("{flag} {url} is not a URL: {e}"))),
    }
}
