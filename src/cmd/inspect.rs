//! `hookcli inspect`: check the flags, open the store, serve the page.

use std::process::ExitCode;

use crate::cli::InspectArgs;
use crate::inspect::{Inspector, Resign};
use crate::store::Writer;

use super::{provider, usage};

pub fn run(args: InspectArgs) -> anyhow::Result<ExitCode> {
    let resign = resign(&args)?;
    let client = args.tls.client()?;
    let store = super::store::store(&args.store);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        // The writer records replays (and creates an empty store to watch).
        let (writer, writer_thread) = Writer::start(&store)?;
        let inspector = Inspector::bind(
            args.bind.with_port(args.port),
            store.clone(),
            writer,
            resign,
            client,
        )
        .await?
        .with_limits(crate::conn::Limits::new(
            args.header_timeout,
            super::max_connections(args.max_connections),
        ));
        let url = inspector.url();
        println!("hookcli inspect on {url}");
        println!("  store    {}", store.path.display());
        println!("  replay   {}", inspector.resign_note());
        if !args.bind.is_loopback() {
            eprintln!(
                "hookcli: warning: serving on {} beyond this machine: anyone who gets the URL's token can read and replay deliveries",
                args.bind
            );
        }
        if args.open {
            open_browser(&url);
        }
        inspector.serve(crate::conn::shutdown_signal()).await;
        tokio::task::spawn_blocking(move || writer_thread.join()).await?;
        Ok(ExitCode::SUCCESS)
    })
}

/// The key for re-signed replays, from `--secret-env VAR` only.
pub fn resign(args: &InspectArgs) -> anyhow::Result<Option<Resign>> {
    let Some(var) = &args.secret_env else {
        if args.provider.is_some() {
            return Err(usage(
                "--provider is the scheme to re-sign with: add --secret-env VAR",
            ));
        }
        return Ok(None);
    };
    let secret = match std::env::var(var) {
        Ok(v) if !v.is_empty() => crate::secret::Secret::new(v),
        Ok(_) => {
            return Err(usage(format!(
                "environment variable {var} (named by --secret-env) is empty: export {var}=<the secret>"
            )));
        }
        Err(_) => {
            return Err(usage(format!(
                "environment variable {var} (named by --secret-env) is not set: export {var}=<the secret>"
            )));
        }
    };
    let provider = match &args.provider {
        Some(name) => Some(provider(name, &args.hmac)?),
        None => None,
    };
    Ok(Some(Resign {
        provider,
        secret,
        source: var.clone(),
    }))
}

/// Hands the URL to the desktop's opener; a failure is only a warning. The
/// opener is waited for on a thread of its own: `xdg-open` on a machine with
/// no browser starts fine and then exits non-zero, which must be said too.
fn open_browser(url: &str) {
    let (program, args): (&str, Vec<&str>) = if cfg!(target_os = "macos") {
        ("open", vec![url])
    } else if cfg!(windows) {
        ("cmd", vec!["/C", "start", "", url])
    } else {
        ("xdg-open", vec![url])
    };
    let spawned = std::process::Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(e) => return no_browser(&format!("{program}: {e}")),
    };
    std::thread::spawn(move || match child.wait() {
        Ok(status) if status.success() => {}
        Ok(status) => no_browser(&format!("{program} {status}")),
        Err(e) => no_browser(&format!("{program}: {e}")),
    });
}

fn no_browser(why: &str) {
    eprintln!("hookcli: warning: could not open a browser ({why}); open the URL above");
}
