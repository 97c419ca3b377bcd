//! `hookcli check`: run the cases against an endpoint and report; with
//! `--from`, one battery per recorded delivery.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use crate::check::{self, CaseName, Plan, Recorded, Report, render};
use crate::cli::{CheckArgs, ReportFormat};
use crate::store::portable;

use super::{provider, provider_secret, usage};
use crate::provider::KeyRole;

pub fn run(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let sources = match &args.from {
        None => vec![None],
        Some(from) => recorded(&args, from)?.into_iter().map(Some).collect(),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let mut reports = Vec::new();
    for source in sources {
        reports.push(battery(&args, source, &runtime)?);
    }

    let format = if args.json {
        ReportFormat::Json
    } else {
        args.format
    };
    let rendered = match format {
        ReportFormat::Human => reports
            .iter()
            .map(render::human)
            .collect::<Vec<_>>()
            .join("\n"),
        ReportFormat::Json => render::json(&reports),
        ReportFormat::Junit => render::junit(&reports, args.strict),
    };
    let mut out = std::io::stdout().lock();
    // An endpoint that is down fails every case alike: one line says it
    // better than a table (the setup notes still show). JSON and JUnit are
    // still written, for CI.
    let down = reports
        .iter()
        .find_map(|r| r.unreachable.as_ref().map(|why| (r, why)));
    let down_and_human = down.is_some() && format == ReportFormat::Human;
    match &args.output {
        _ if down_and_human => {
            for r in &reports {
                out.write_all(render::notes(r).as_bytes())?;
            }
        }
        Some(path) => {
            std::fs::write(path, &rendered)
                .map_err(|e| anyhow::anyhow!("cannot write --output {}: {e}", path.display()))?;
            // The file holds the format asked for; people still see the summary.
            for r in &reports {
                write!(out, "{}", render::summary_line(r))?;
            }
        }
        None => {
            out.write_all(rendered.as_bytes())?;
            if !rendered.ends_with('\n') {
                writeln!(out)?;
            }
        }
    }
    if let Some((r, why)) = down {
        return Err(anyhow::anyhow!("could not reach {}: {why}", r.url));
    }
    let failed = reports
        .iter()
        .any(|r| r.summary.failed > 0 || (args.strict && r.summary.warned > 0));
    Ok(super::exit(!failed))
}

/// The recorded deliveries `--from` names: a portable document, a folder
/// of them, or else a delivery in the store.
fn recorded(args: &CheckArgs, from: &str) -> anyhow::Result<Vec<(Recorded, Option<String>)>> {
    let path = Path::new(from);
    // A store id is letters and digits: a missing file or folder must not be
    // reported as an unknown id (`check --from tests/webhooks/` before it exists).
    let a_path =
        path.exists() || from.contains(['/', std::path::MAIN_SEPARATOR]) || from.ends_with(".json");
    if !a_path {
        let store = super::store::store(&args.store);
        let (d, _) = super::store::load(&store, from)?;
        let rec = Recorded::new(&d, d.id.clone()).map_err(usage)?;
        return Ok(vec![(rec, d.provider.clone())]);
    }
    let mut out = Vec::new();
    for file in super::send_from::documents(&[path.to_path_buf()])? {
        let bytes = std::fs::read(&file)
            .map_err(|e| anyhow::anyhow!("cannot read --from {}: {e}", file.display()))?;
        let d = portable::parse(&bytes).map_err(|e| {
            usage(format!(
                "{} is not a delivery document: {e}",
                file.display()
            ))
        })?;
        let rec = Recorded::new(&d, file.display().to_string()).map_err(usage)?;
        out.push((rec, d.provider.clone()));
    }
    Ok(out)
}

/// One battery: the provider, its secret and cases settled, run, reported.
fn battery(
    args: &CheckArgs,
    source: Option<(Recorded, Option<String>)>,
    runtime: &tokio::runtime::Runtime,
) -> anyhow::Result<Report> {
    let (recorded, recorded_provider) = match source {
        Some((r, p)) => (Some(r), p),
        None => (None, None),
    };
    let name = args
        .provider
        .clone()
        .or(recorded_provider)
        .or_else(|| args.file_provider.clone())
        .ok_or_else(|| match &recorded {
            Some(r) => usage(format!(
                "{}: its provider is unknown; pass --provider",
                r.source
            )),
            None => usage("--provider is required (or set provider in hookcli.toml); `hookcli providers` lists them"),
        })?;
    let provider = provider(&name, &args.hmac)?;
    // Asymmetric schemes: check signs its deliveries, so it takes the private key.
    let secret = provider_secret(&args.secret, provider.as_ref(), KeyRole::Sign)?
        // Zapier signs nothing: no secret to ask for.
        .unwrap_or_else(|| crate::secret::Secret::new(""));
    if let Some(mode) = &args.mode {
        let known = check::modes::names(provider.name());
        if known.is_empty() {
            return Err(usage(format!(
                "--mode {mode}: {} has one delivery shape; --mode applies to twilio (form, json, hmac-sha256), slack (events, interactivity, slash-command) and mailgun (json, form)",
                provider.name()
            )));
        }
        if !known.contains(&mode.as_str()) {
            return Err(usage(format!(
                "--mode {mode}: {}'s modes are {}",
                provider.name(),
                known.join(", ")
            )));
        }
    }
    if let Some(public) = &args.public_url
        && url::Url::parse(public).is_err()
    {
        return Err(usage(format!("--public-url {public} is not a URL")));
    }
    let cases: Vec<CaseName> = CaseName::ALL
        .into_iter()
        .filter(|c| args.cases.is_empty() || args.cases.contains(c))
        .filter(|c| !args.skip.contains(c))
        // A provider without a handshake reports the case only when asked for it.
        .filter(|c| {
            *c != CaseName::Handshake || provider.handshake().is_some() || args.cases.contains(c)
        })
        .collect();
    if cases.is_empty() {
        return Err(usage("--case and --skip leave no case to run"));
    }
    let delivery_timeout = provider
        .info()
        .delivery_timeout_secs
        .unwrap_or(check::DEFAULT_TIMEOUT_SECS);
    let timeout = args
        .timeout
        .unwrap_or(Duration::from_secs(delivery_timeout + 2));
    let client = args.tls.client()?;
    let plan = Plan {
        provider: provider.as_ref(),
        url: args.url.clone(),
        secret,
        event: args.event.clone(),
        cases,
        client,
        timeout,
        concurrency: args.concurrency as usize,
        mode: args.mode.clone(),
        public_url: args.public_url.clone(),
        recorded,
    };

    let bar = (std::io::stderr().is_terminal() && !args.json).then(|| {
        let b = indicatif::ProgressBar::new(plan.cases.len() as u64);
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("{spinner} checking {pos}/{len} cases…")
        {
            b.set_style(style);
        }
        b.enable_steady_tick(Duration::from_millis(100));
        b
    });
    let report = runtime.block_on(check::run(&plan, |_| {
        if let Some(b) = &bar {
            b.inc(1);
        }
    }));
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    report.map_err(usage)
}
