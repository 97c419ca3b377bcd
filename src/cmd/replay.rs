//! `hookcli replay`: the command line turned into a run of the replay
//! engine (`crate::replay`), whose events `replay_lines` renders.

use std::process::ExitCode;

use rusqlite::Connection;

use crate::cli::{ReplayArgs, read_data};
use crate::provider::{KeyRole, Provider};
use crate::replay::{Edits, Pace, Replayer, Selection, Signing};
use crate::store::{Filter, Store, now_ms};

use super::replay_lines::{DryRun, Live};
use super::{FlagSecrets, check_key, exit, resign_secrets, usage};

pub fn run(args: ReplayArgs) -> anyhow::Result<ExitCode> {
    let store = super::store::store(&args.store);
    let conn = store.open_read()?;
    let selection = select(&store, &conn, &args)?;
    drop(conn);
    let scheme: Option<Box<dyn Provider>> = match (args.resign, &args.provider) {
        (true, Some(name)) => Some(super::provider(name, &args.hmac)?),
        _ => None,
    };
    // Each delivery's provider picks its secret, unless --provider names one.
    let secrets =
        resign_secrets(args.resign, &args.secret, args.provider.as_deref())?.map(FlagSecrets);
    // Re-signing takes the private key of an asymmetric scheme.
    if let (Some(p), Some(secrets)) = (&scheme, &secrets)
        && let Some(found) = secrets.0.get(p.name())
    {
        check_key(&found.secret, p.as_ref(), KeyRole::Sign)?;
    }
    let data = match &args.data {
        Some(arg) => {
            Some(read_data(arg).map_err(|e| anyhow::anyhow!("cannot read --data {arg}: {e}"))?)
        }
        None => None,
    };
    let edits = Edits {
        to: args.to.clone(),
        new_id: args.new_id,
        sets: args.sets.clone(),
        data,
    };
    if (edits.data.is_some() || !edits.sets.is_empty()) && !args.resign {
        return Err(usage(
            "an edited body must be signed again: add --resign and the secret (--secret-env VAR)",
        ));
    }
    let signing = match &secrets {
        Some(secrets) => Signing::Resign {
            scheme: scheme.as_deref(),
            secrets,
        },
        None => Signing::Exact,
    };
    // One runtime carries the whole run: its connections stay registered
    // with it between replays rather than leaving and joining it for each.
    // (Made before the client, so the client's sockets are dropped first.)
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let client = args.tls.bound_client(args.concurrency.max(1) as usize)?;
    let replayer = Replayer {
        edits: &edits,
        signing,
        client: &client,
        timeout: args.timeout,
    };

    if args.dry_run {
        let render = DryRun::new(args.json);
        let summary = replayer.dry_run(&store, selection, &|e| render.show(e))?;
        render.finish()?;
        return Ok(exit(summary.skipped == 0));
    }
    // A single named delivery that cannot be replayed is a usage error.
    if let Selection::Named(named) = &selection
        && let [one] = named.as_slice()
    {
        replayer
            .prepare(&one.delivery, one.forwarded_to.as_deref())
            .map_err(|e| usage(e.to_string()))?;
    }
    let pace = Pace {
        concurrency: args.concurrency as usize,
        rate: args.rate,
    };
    let render = Live::new(args.json);
    let summary = runtime.block_on(replayer.run(&store, selection, pace, &|e| render.show(e)));
    render.finish();
    Ok(exit(!summary?.failed()))
}

/// The deliveries to replay: those named, or those the filters match.
fn select(store: &Store, conn: &Connection, args: &ReplayArgs) -> anyhow::Result<Selection> {
    if !args.ids.is_empty() {
        return match crate::replay::resolve(conn, &args.ids, args.to.is_none()) {
            Ok(named) => Ok(Selection::Named(named)),
            Err(Err(e)) => Err(store.sqlite_err()(e).into()),
            // The shared loader phrases the not-found or ambiguous error.
            Err(Ok(key)) => match super::store::load(store, &key) {
                Err(e) => Err(e),
                Ok(_) => Err(usage(format!("{key:?} names no delivery"))),
            },
        };
    }
    if !(args.failed || args.all) {
        return Err(usage(
            "name the deliveries to replay: IDs, --failed or --all",
        ));
    }
    Ok(Selection::Matching(Filter {
        limit: None,
        provider: args.provider.clone(),
        event: args.event.clone(),
        failed: args.failed,
        since: args.since.map(|d| now_ms() - d.as_millis() as i64),
    }))
}
