//! `hookcli listen`: check the flags, then run the capture proxy.

use std::process::ExitCode;

use crate::cli::ListenArgs;
use crate::listen::route::Match;
use crate::listen::{self, Config};
use crate::provider::KeyRole;
use crate::secret::Origin;

use super::{check_key, provider, secrets, usage};

pub fn run(args: ListenArgs) -> anyhow::Result<ExitCode> {
    let provider = match &args.provider {
        Some(name) => Some(provider(name, &args.hmac)?),
        None => None,
    };
    // A plain secret belongs to --provider, else to the one provider the routes name.
    let routed: Vec<&str> = args
        .routes
        .iter()
        .filter_map(|r| match &r.when {
            Match::Provider(p) | Match::ProviderEvent(p, _) => Some(p.as_str()),
            Match::PathPrefix(_) => None,
        })
        .collect();
    let secrets = secrets(
        &args.secret,
        args.provider.as_deref(),
        &routed,
        KeyRole::Verify,
    )?;
    // Asymmetric schemes: a receiver holds the public key. Each key given
    // for a provider is checked before any delivery comes.
    let all = crate::provider::all();
    let checked: Vec<&dyn crate::provider::Provider> = match &provider {
        Some(p) => vec![p.as_ref()],
        None => all
            .iter()
            .map(|p| p.as_ref())
            .filter(|p| secrets.has_own(p.name()))
            .collect(),
    };
    for p in checked {
        if let Some(found) = secrets.get(p.name()) {
            check_key(&found.secret, p, KeyRole::Verify)
                .map_err(|e| usage(format!("{e} (from {})", found.origin)))?;
        }
    }
    if args.enforce.is_some() && secrets.is_empty() {
        let wanted = match &provider {
            Some(p) => secrets
                .wanted(p.name())
                .map(|w| format!("{w}, or pass --secret-env VAR"))
                .unwrap_or_else(|| "pass --secret-env VAR".into()),
            None => "export a provider's variable (`hookcli providers` names each), or pass --secret-env PROVIDER=VAR".into(),
        };
        return Err(usage(format!(
            "--enforce needs a secret to check signatures with: {wanted}"
        )));
    }
    for url in args.forward_to.iter() {
        check_url("--url", url)?;
    }
    if let Some(url) = &args.public_url {
        check_url("--public-url", url)?;
    }
    let path = if args.path.starts_with('/') {
        args.path.clone()
    } else {
        format!("/{}", args.path)
    };
    let relay = match &args.relay {
        None => None,
        Some(url) => {
            let token = resolve_token(args.token.as_deref(), args.token_env.as_deref())?
                .ok_or_else(|| {
                    usage(
                        "--relay needs the relay's token: --token-env VAR (or HOOKCLI_RELAY_TOKEN)",
                    )
                })?;
            if url.starts_with("http://") || url.starts_with("ws://") {
                let host = url
                    .split("://")
                    .nth(1)
                    .unwrap_or("")
                    .split(['/', ':'])
                    .next()
                    .unwrap_or("");
                if !matches!(host, "127.0.0.1" | "localhost" | "[::1]") {
                    eprintln!(
                        "hookcli: warning: {url} is plain HTTP: the token and every delivery cross the network unencrypted"
                    );
                }
            }
            Some(crate::relay::client::ClientConfig {
                url: url.clone(),
                channel: args.channel.clone().unwrap_or_default(),
                token,
                ca: args.relay_ca.clone().or_else(|| args.ca.clone()),
                max_offline: args.max_offline,
            })
        }
    };
    // The page re-signs with --provider's secret, else the plain one.
    let resign_key = match &args.provider {
        Some(p) => secrets.get(p),
        None => secrets.plain(),
    };
    let inspect = args.inspect.map(|port| listen::InspectConfig {
        port,
        resign: resign_key.map(|found| crate::inspect::Resign {
            // The same scheme as listen's; the Box is not shared, so make another.
            provider: args
                .provider
                .as_deref()
                .and_then(|name| super::provider(name, &args.hmac).ok()),
            secret: found.secret.clone(),
            source: match &found.origin {
                Origin::FlagVar(v) | Origin::FileVar(v) => v.clone(),
                Origin::DefaultVar(v) => v.to_string(),
                Origin::Flag | Origin::HookcliSecret => "listen's secret".into(),
            },
        }),
    });
    if args.body_budget.is_some_and(|b| b < args.max_body) {
        return Err(usage(
            "--body-budget is below --max-body: a body of the largest size could never be taken",
        ));
    }
    let config = Config {
        bind: args.bind.with_port(args.port),
        path,
        forward_to: args.forward_to.clone(),
        routes: args.routes.clone(),
        forward_timeout: args.forward_timeout,
        forward_insecure: args.forward_insecure,
        forward_ca: args.forward_ca.clone().or_else(|| args.ca.clone()),
        provider,
        secrets,
        tolerance: args.tolerance.map(|d| d.as_secs()),
        enforce: args.enforce,
        respond: args.respond,
        max_body: args.max_body,
        public_url: args.public_url.clone(),
        header_timeout: args.header_timeout,
        body_timeout: args.body_timeout,
        max_connections: super::max_connections(args.max_connections),
        body_budget: args
            .body_budget
            .unwrap_or_else(|| crate::conn::Budget::default_limit(args.max_body)),
        json: args.json,
        relay,
        inspect,
    };
    let store = super::store::store(&args.store);
    // One core is left to the store's writer thread: on two cores, one
    // runtime worker took a fifth less CPU per delivery than two.
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cores.saturating_sub(1).max(1))
        .enable_all()
        .build()?;
    let result = runtime.block_on(listen::run(config, store));
    // Anything still running was answered and committed already.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    result?;
    Ok(ExitCode::SUCCESS)
}

fn check_url(flag: &str, url: &str) -> anyhow::Result<()> {
    match url::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => Ok(()),
        Ok(_) => Err(usage(format!("{flag} {url}: only http and https URLs"))),
        Err(e) => Err(usage(format!("{flag} {url} is not a URL: {e}"))),
    }
}

/// The relay token from `--token`/`HOOKCLI_RELAY_TOKEN` or `--token-env VAR`.
pub fn resolve_token(
    token: Option<&str>,
    var: Option<&str>,
) -> anyhow::Result<Option<crate::secret::Secret>> {
    // --token-env, then --token or HOOKCLI_RELAY_TOKEN (clap puts either in
    // `token`), then the file's token_env (put in `var` by cli::parse_with).
    // The two flags do not conflict: `export HOOKCLI_RELAY_TOKEN=…; …
    // --token-env HOOKCLI_RELAY_TOKEN` is what people naturally type.
    if let Some(var) = var {
        return match std::env::var(var) {
            Ok(v) if !v.is_empty() => Ok(Some(crate::secret::Secret::new(v))),
            _ => Err(usage(format!(
                "environment variable {var} (named for the relay token) is not set"
            ))),
        };
    }
    Ok(token
        .filter(|t| !t.is_empty())
        .map(crate::secret::Secret::new))
}
