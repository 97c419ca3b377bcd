//! `hookcli check`: run the cases against an endpoint and report.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

use crate::check::{self, CaseName, Plan, render};
use crate::cli::{CheckArgs, ReportFormat};

use super::{check_key, provider, require_secret, resolve_secret, usage};

pub fn run(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let name = args
        .provider
        .clone()
        .or_else(|| crate::config::active().provider.clone())
        .ok_or_else(|| usage("--provider is required (or set provider in hookcli.toml); `hookcli providers` lists them"))?;
    let provider = provider(&name, &args.hmac)?;
    let secret = match resolve_secret(&args.secret)? {
        // Zapier signs nothing: no secret to ask for.
        None if !provider.signed() => crate::secret::Secret::new(""),
        s => {
            let s = require_secret(s, provider.as_ref())?;
            // Asymmetric schemes: check signs its deliveries, so it takes the private key.
            check_key(&s, provider.as_ref(), crate::provider::KeyRole::Sign)?;
            s
        }
    };
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
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let report = runtime.block_on(check::run(&plan, |_| {
        if let Some(b) = &bar {
            b.inc(1);
        }
    }));
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let report = report.map_err(usage)?;

    let format = if args.json {
        ReportFormat::Json
    } else {
        args.format
    };
    let rendered = match format {
        ReportFormat::Human => render::human(&report),
        ReportFormat::Json => render::json(&report),
        ReportFormat::Junit => render::junit(&report, args.strict),
    };
    let mut out = std::io::stdout().lock();
    // An endpoint that is down fails every case alike: one line says it
    // better than a table (the setup notes still show). JSON and JUnit are
    // still written, for CI.
    let down_and_human = report.unreachable.is_some() && format == ReportFormat::Human;
    match &args.output {
        _ if down_and_human => out.write_all(render::notes(&report).as_bytes())?,
        Some(path) => {
            std::fs::write(path, &rendered)
                .map_err(|e| anyhow::anyhow!("cannot write --output {}: {e}", path.display()))?;
            // The file holds the format asked for; people still see the summary.
            write!(out, "{}", render::summary_line(&report))?;
        }
        None => {
            out.write_all(rendered.as_bytes())?;
            if !rendered.ends_with('\n') {
                writeln!(out)?;
            }
        }
    }
    if let Some(why) = &report.unreachable {
        return Err(anyhow::anyhow!("could not reach {}: {why}", report.url));
    }
    let failed = report.summary.failed > 0 || (args.strict && report.summary.warned > 0);
    Ok(super::exit(!failed))
}
