//! `hookcli replay`: select deliveries, re-send them, record every attempt.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rusqlite::Connection;

use crate::cli::{ReplayArgs, read_data};
use crate::listen::line::{LineInfo, human, json_line};
use crate::output::{one_line, one_line_bytes};
use crate::provider::{self, Provider};
use crate::replay::{self, Plan, Prepared, ReplayError, Summary};
use crate::store::{self, Filter, Lookup, Store, Writer, now_ms};

use super::{check_key, exit, no_secret, resign_secrets, usage};

pub fn run(args: ReplayArgs) -> anyhow::Result<ExitCode> {
    let store = super::store::store(&args.store);
    let conn = store.open_read()?;
    let ids = select(&store, &conn, &args)?;
    let resign_provider: Option<Box<dyn Provider>> = match (args.resign, &args.provider) {
        (true, Some(name)) => Some(super::provider(name, &args.hmac)?),
        _ => None,
    };
    // Each delivery's provider picks its secret, unless --provider names one.
    let secrets = resign_secrets(args.resign, &args.secret, args.provider.as_deref())?;
    // Re-signing takes the private key of an asymmetric scheme.
    if let (Some(p), Some(secrets)) = (&resign_provider, &secrets)
        && let Some(found) = secrets.get(p.name())
    {
        check_key(&found.secret, p.as_ref(), crate::provider::KeyRole::Sign)?;
    }
    let data = match &args.data {
        Some(arg) => {
            Some(read_data(arg).map_err(|e| anyhow::anyhow!("cannot read --data {arg}: {e}"))?)
        }
        None => None,
    };
    let edited = data.is_some() || !args.sets.is_empty();
    if edited && !args.resign {
        return Err(usage(
            "an edited body must be signed again: add --resign and the secret (--secret-env VAR)",
        ));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let ctx = Ctx {
        client: args.tls.client()?,
        conn: Mutex::new(conn),
        args,
        resign_provider,
        secrets,
        data,
    };
    runtime.block_on(replay_all(&store, ctx, ids))
}

/// The deliveries to replay, oldest first.
fn select(store: &Store, conn: &Connection, args: &ReplayArgs) -> anyhow::Result<Vec<String>> {
    let sql_err = store.sqlite_err();
    if !args.ids.is_empty() {
        let mut ids = Vec::new();
        for key in &args.ids {
            match store::query::lookup(conn, key).map_err(&sql_err)? {
                Lookup::Found(d) => ids.push(d.id),
                _ => {
                    // Let the shared loader phrase the not-found or ambiguous error.
                    super::store::load(store, key)?;
                }
            }
        }
        return Ok(ids);
    }
    if !(args.failed || args.all) {
        return Err(usage(
            "name the deliveries to replay: IDs, --failed or --all",
        ));
    }
    let filter = Filter {
        limit: None,
        provider: args.provider.clone(),
        event: args.event.clone(),
        failed: args.failed,
        since: args.since.map(|d| now_ms() - d.as_millis() as i64),
    };
    let mut rows = store::query::list(conn, &filter).map_err(&sql_err)?;
    rows.reverse();
    Ok(rows.into_iter().map(|r| r.id).collect())
}

struct Ctx {
    conn: Mutex<Connection>,
    args: ReplayArgs,
    resign_provider: Option<Box<dyn Provider>>,
    /// The secrets for --resign.
    secrets: Option<crate::secret::Secrets>,
    data: Option<Vec<u8>>,
    client: crate::client::Client,
}

/// What one replay came to.
enum Done {
    Sent { status: Option<u16>, ms: f64 },
    Skipped,
}

impl Ctx {
    /// Loads one delivery and builds its request (dry runs and checks).
    fn prepare(&self, id: &str) -> Result<(store::Delivery, Prepared), String> {
        let loaded = {
            let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
            load(&conn, id, self.args.to.is_none())?
        };
        self.build(loaded)
    }

    /// Builds the request for a loaded delivery: no store access.
    fn build(&self, (d, forwarded_to): Loaded) -> Result<(store::Delivery, Prepared), String> {
        let recorded;
        let provider: Option<&dyn Provider> = match &self.resign_provider {
            Some(p) => Some(p.as_ref()),
            None => {
                recorded = d.provider.as_deref().and_then(provider::by_name);
                recorded.as_deref()
            }
        };
        let resign = match (provider, &self.secrets) {
            (_, None) => None,
            (None, Some(_)) => return Err("its provider is unknown: pass --provider".into()),
            (Some(p), Some(secrets)) => {
                let s = secrets
                    .get(p.name())
                    .map(|f| f.secret.clone())
                    .ok_or_else(|| no_secret(secrets, p))?;
                p.check_key(&s, crate::provider::KeyRole::Sign)
                    .map_err(|e| format!("cannot re-sign for {}: {e}", p.name()))?;
                Some((p, s))
            }
        };
        let plan = Plan {
            to: self.args.to.clone(),
            resign,
            new_id: self.args.new_id,
            sets: self.args.sets.clone(),
            data: self.data.clone(),
            now: provider::now(),
        };
        let prepared =
            replay::prepare(&d, forwarded_to.as_deref(), &plan).map_err(|e| match e {
                ReplayError::NoTarget(_) => format!("{e}"),
                other => other.to_string(),
            })?;
        Ok((d, prepared))
    }
}

/// A delivery and, when no `--to` is given, its newest forward target.
type Loaded = (store::Delivery, Option<String>);

fn load(conn: &Connection, id: &str, need_target: bool) -> Result<Loaded, String> {
    let d = store::query::get(conn, id)
        .map_err(|e| e.to_string())?
        .ok_or("the delivery is gone")?;
    let target = if need_target {
        store::query::last_forward_target(conn, id).map_err(|e| e.to_string())?
    } else {
        None
    };
    Ok((d, target))
}

async fn replay_all(store: &Store, ctx: Ctx, ids: Vec<String>) -> anyhow::Result<ExitCode> {
    let ctx = Arc::new(ctx);
    let json = ctx.args.json;
    let mut summary = Summary {
        selected: ids.len(),
        ..Default::default()
    };

    if ctx.args.dry_run {
        return dry_run(&ctx, &ids);
    }
    // A single named delivery that cannot be replayed is a usage error.
    if ids.len() == 1 && !ctx.args.ids.is_empty() {
        ctx.prepare(&ids[0]).map_err(usage)?;
    }
    let (writer, writer_thread) = Writer::start(store)?;
    let bar = progress(ids.len(), json);
    let (printer, printer_thread) = crate::printer::Printer::start();
    let say = {
        let bar = bar.clone();
        let printer = printer.clone();
        move |line: String, err: bool| match &bar {
            // Written beside the bar on stderr while the bar is cleared, with
            // its newline, so that the bar's next redraw cannot erase it.
            // (stdout belongs to the printer thread.)
            Some(b) => b.suspend(|| {
                let _ = writeln!(std::io::stderr(), "{line}");
            }),
            None if err => {
                let _ = writeln!(std::io::stderr(), "{line}");
            }
            None => printer.print(line),
        }
    };
    let say: Arc<dyn Fn(String, bool) + Send + Sync> = Arc::new(say);
    let repeats = Arc::new(Repeats::default());

    // One reader walks the selection in order, off the async threads; a
    // fixed set of workers sends; with one worker the order is kept.
    let workers = ctx.args.concurrency as usize;
    let (tx, rx) = tokio::sync::mpsc::channel::<(String, Result<Loaded, String>)>(workers * 2);
    let reader = {
        let (store, need_target) = (store.clone(), ctx.args.to.is_none());
        std::thread::spawn(move || {
            let conn = match store.open_read() {
                Ok(c) => c,
                Err(e) => {
                    let _ = tx.blocking_send((String::new(), Err(e.to_string())));
                    return;
                }
            };
            for id in ids {
                let loaded = load(&conn, &id, need_target);
                if tx.blocking_send((id, loaded)).is_err() {
                    return;
                }
            }
        })
    };
    let rx = Arc::new(tokio::sync::Mutex::new(rx));
    let pace = ctx
        .args
        .rate
        .filter(|r| *r > 0.0)
        .map(|r| Duration::from_secs_f64(1.0 / r));
    let next_slot = Arc::new(tokio::sync::Mutex::new(Instant::now()));
    let mut tasks = Vec::with_capacity(workers);
    for _ in 0..workers {
        let (ctx, writer, say, bar, rx, next_slot, repeats) = (
            ctx.clone(),
            writer.clone(),
            say.clone(),
            bar.clone(),
            rx.clone(),
            next_slot.clone(),
            repeats.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut done = Vec::new();
            let mut commits = Vec::new();
            loop {
                let next = rx.lock().await.recv().await;
                let Some((id, loaded)) = next else { break };
                if let Some(gap) = pace {
                    let mut slot = next_slot.lock().await;
                    let now = Instant::now();
                    if *slot > now {
                        tokio::time::sleep(*slot - now).await;
                    }
                    *slot = (*slot).max(now) + gap;
                }
                let (outcome, commit) =
                    replay_one(&ctx, &writer, &id, loaded, &*say, &repeats).await;
                done.push(outcome);
                commits.extend(commit);
                if let Some(b) = &bar {
                    b.inc(1);
                }
            }
            // The sends are done; the exit status waits for every record.
            for c in commits {
                if let Ok(Err(e)) = c.await {
                    say(
                        format!("hookcli: error: a replay was sent but not recorded: {e}"),
                        true,
                    );
                }
            }
            done
        }));
    }
    let mut latencies = Vec::new();
    for t in tasks {
        for outcome in t.await.unwrap_or_default() {
            match outcome {
                Done::Sent { status, ms } => {
                    summary.sent += 1;
                    latencies.push(ms);
                    match status {
                        Some(s) if (200..300).contains(&s) => summary.ok_2xx += 1,
                        Some(_) => summary.other_status += 1,
                        None => summary.errors += 1,
                    }
                }
                Done::Skipped => summary.skipped += 1,
            }
        }
    }
    let _ = reader.join();
    for line in repeats.closing() {
        say(line, true);
    }
    // The printer stops once every handle on it is gone.
    drop(say);
    drop(printer);
    let _ = printer_thread.join();
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    drop(writer);
    tokio::task::spawn_blocking(move || writer_thread.join()).await?;
    summary.add_latencies(latencies);
    report(&summary, json)?;
    Ok(exit(!summary.failed()))
}

async fn replay_one(
    ctx: &Ctx,
    writer: &Writer,
    id: &str,
    loaded: Result<Loaded, String>,
    say: &(dyn Fn(String, bool) + Send + Sync),
    repeats: &Repeats,
) -> (
    Done,
    Option<tokio::task::JoinHandle<Result<(), crate::store::StoreError>>>,
) {
    let (d, prepared) = match loaded.and_then(|l| ctx.build(l)) {
        Ok(p) => p,
        Err(why) => {
            if repeats.first("skipped", id, &why) {
                say(format!("hookcli: skipped {id}: {}", one_line(&why)), true);
            }
            return (Done::Skipped, None);
        }
    };
    for w in &prepared.warnings {
        if repeats.first("warning", id, w) {
            say(format!("hookcli: warning: {}", one_line(w)), true);
        }
    }
    let started_at = now_ms();
    let start = Instant::now();
    let result = ctx
        .client
        .deliver(&prepared.request, ctx.args.timeout)
        .await;
    let mut attempt = replay::attempt(&prepared, started_at, &result);
    attempt.duration_ms = start.elapsed().as_secs_f64() * 1000.0;
    let action = format!("replay{}", how(&prepared, true));
    let info = LineInfo {
        delivery: &d,
        action: &action,
        target: Some(&prepared.request.url),
        status: attempt.status,
        error: attempt.error.as_deref(),
        duration_ms: attempt.duration_ms,
    };
    say(
        if ctx.args.json {
            json_line(&info).replacen("\"delivery\"", "\"replay\"", 1)
        } else {
            human(&info)
        },
        false,
    );
    let done = Done::Sent {
        status: attempt.status,
        ms: attempt.duration_ms,
    };
    // Recorded in the background: the next replay need not wait for this commit.
    let writer = writer.clone();
    let commit = tokio::spawn(async move { writer.attempt(attempt).await });
    (done, Some(commit))
}

fn dry_run(ctx: &Ctx, ids: &[String]) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    let repeats = Repeats::default();
    let mut targets = std::collections::BTreeSet::new();
    let (mut would, mut cannot) = (0usize, 0usize);
    for id in ids {
        match ctx.prepare(id) {
            Ok((_, p)) => {
                would += 1;
                let r = &p.request;
                targets.insert(origin(&r.url));
                if ctx.args.json {
                    let doc = serde_json::json!({
                        "type": "dry-run", "id": id, "method": r.method, "url": r.url,
                        "resigned": p.resigned, "new_id": p.new_id, "edited": p.edited,
                        "body_size": r.body.len(),
                        "body_sha256": crate::provider::crypto::sha256_hex(&r.body),
                        "headers": crate::output::headers_json(r.headers.iter()),
                        "warnings": p.warnings,
                    });
                    writeln!(out, "{doc}")?;
                    continue;
                }
                writeln!(
                    out,
                    "would send {} {} ({} bytes{}) for {}",
                    one_line(&r.method),
                    one_line(&r.url),
                    r.body.len(),
                    how(&p, false),
                    one_line(id)
                )?;
                // Headers only for one delivery: for many they would bury the list.
                if ids.len() == 1 {
                    for (n, v) in r.headers.iter() {
                        writeln!(out, "  {}: {}", one_line(n), one_line_bytes(v))?;
                    }
                }
                for w in &p.warnings {
                    if repeats.first("warning", id, w) {
                        writeln!(out, "  warning: {}", one_line(w))?;
                    }
                }
            }
            Err(why) => {
                cannot += 1;
                if repeats.first("cannot replay", id, &why) {
                    eprintln!("hookcli: cannot replay {id}: {}", one_line(&why));
                }
            }
        }
    }
    out.flush()?;
    drop(out);
    for line in repeats.closing() {
        eprintln!("{line}");
    }
    if !ctx.args.json {
        let to = match targets.len() {
            1 => targets.into_iter().next().unwrap_or_default(),
            n => format!("{n} targets"),
        };
        let mut closing = format!("would send {would} of {} to {}", ids.len(), one_line(&to));
        if would == ids.len() {
            closing = format!("would send {would} to {}", one_line(&to));
        }
        if would == 0 {
            closing = format!("would send nothing of {} selected", ids.len());
        }
        if cannot > 0 {
            closing.push_str(&format!("; {cannot} cannot be replayed"));
        }
        eprintln!("{closing}");
    }
    Ok(exit(cannot == 0))
}

/// `scheme://host:port` of a URL, for the dry run's closing line.
fn origin(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) => u.origin().ascii_serialization(),
        Err(_) => url.to_string(),
    }
}

/// What a replay does to the recorded request, for its line: nothing
/// (exact), re-signed, a new id (named), edited.
fn how(p: &Prepared, bare_exact: bool) -> String {
    let mut parts: Vec<String> = Vec::new();
    if p.resigned {
        parts.push("re-signed".into());
    } else if !bare_exact {
        parts.push("exact".into());
    }
    if let Some(id) = &p.new_id {
        parts.push(format!("new id {}", one_line(id)));
    }
    if p.edited {
        parts.push("edited".into());
    }
    match (parts.is_empty(), bare_exact) {
        (true, _) => String::new(),
        (false, true) => format!(" ({})", parts.join(", ")),
        (false, false) => format!(", {}", parts.join(", ")),
    }
}

/// Collapses repeated messages: the first of each kind and text (the
/// delivery id taken out) is printed, the rest only counted.
#[derive(Default)]
struct Repeats(Mutex<Vec<(String, String, usize)>>);

impl Repeats {
    /// Counts one message; true when it is the first like it.
    fn first(&self, kind: &str, id: &str, text: &str) -> bool {
        let text = one_line(&text.replace(id, "…")).into_owned();
        let mut seen = self.0.lock().unwrap_or_else(|p| p.into_inner());
        match seen.iter_mut().find(|(k, t, _)| k == kind && *t == text) {
            Some(entry) => {
                entry.2 += 1;
                false
            }
            None => {
                seen.push((kind.to_string(), text, 1));
                true
            }
        }
    }

    /// One line per message that came more than once.
    fn closing(&self) -> Vec<String> {
        let seen = self.0.lock().unwrap_or_else(|p| p.into_inner());
        seen.iter()
            .filter(|(_, _, n)| *n > 1)
            .map(|(kind, text, n)| format!("hookcli: {kind} ×{} more: {text}", n - 1))
            .collect()
    }
}

fn progress(len: usize, json: bool) -> Option<indicatif::ProgressBar> {
    if json || len < 2 || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(len as u64);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} replayed, {rate}, eta {eta}")
    {
        // A whole number: `549/s`, not indicatif's `549.1536/s`.
        bar.set_style(style.with_key(
            "rate",
            |s: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{:.0}/s", s.per_sec());
            },
        ));
    }
    Some(bar)
}

fn report(s: &Summary, json: bool) -> std::io::Result<()> {
    if json {
        let mut v = serde_json::to_value(s).unwrap_or_default();
        v["type"] = "summary".into();
        writeln!(std::io::stdout(), "{v}")
    } else {
        let ms = |v: Option<f64>| v.map_or("-".into(), |m| format!("{m:.1} ms"));
        eprintln!(
            "replayed {} of {} selected: {} 2xx, {} other status, {} {}, {} skipped; p50 {}, p99 {}",
            s.sent,
            s.selected,
            s.ok_2xx,
            s.other_status,
            s.errors,
            if s.errors == 1 { "error" } else { "errors" },
            s.skipped,
            ms(s.p50_ms),
            ms(s.p99_ms)
        );
        Ok(())
    }
}
