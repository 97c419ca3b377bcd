//! `hookcli providers`: what hookcli knows of each provider; with a
//! provider's name, its events and flows.

use std::io::Write;
use std::process::ExitCode;

use colored::Colorize;

use crate::cli::ProvidersArgs;
use crate::fixture::{self, Entry, flow};
use crate::provider::{self, KeyRole, Provider};

pub fn run(args: ProvidersArgs) -> anyhow::Result<ExitCode> {
    let providers: Vec<Box<dyn Provider>> = provider::all()
        .into_iter()
        .filter(|p| args.provider.as_deref().is_none_or(|n| n == p.name()))
        .collect();
    let events_of = |p: &dyn Provider| -> Vec<&'static Entry> {
        match &args.glob {
            Some(g) => fixture::select::matching(p.name(), g),
            None => fixture::entries(p.name()),
        }
    };
    if let (Some(name), Some(glob)) = (&args.provider, &args.glob)
        && fixture::select::matching(name, glob).is_empty()
    {
        let names: Vec<&str> = fixture::entries(name).iter().map(|e| e.event).collect();
        return Err(super::usage(fixture::unknown(
            name,
            "event matching",
            glob,
            &names,
        )));
    }
    if args.names || args.flow_names {
        let mut out = std::io::stdout().lock();
        for p in &providers {
            let names: Vec<String> = match args.flow_names {
                true => flow::flows(p.name()).into_iter().map(|f| f.name).collect(),
                false => events_of(p.as_ref())
                    .iter()
                    .map(|e| e.event.to_string())
                    .collect(),
            };
            for name in names {
                writeln!(out, "{name}")?;
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    if args.json {
        let list: Vec<serde_json::Value> = providers
            .iter()
            .map(|p| describe(p.as_ref(), &events_of(p.as_ref())))
            .collect();
        writeln!(
            std::io::stdout(),
            "{}",
            serde_json::json!({ "schema": 1, "providers": list })
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = std::io::stdout().lock();
    match &args.provider {
        Some(_) => {
            for p in &providers {
                summary(&mut out, p.as_ref())?;
                catalogue(
                    &mut out,
                    p.as_ref(),
                    &events_of(p.as_ref()),
                    args.glob.is_none(),
                )?;
            }
        }
        None => {
            for p in &providers {
                summary(&mut out, p.as_ref())?;
                let n = fixture::entries(p.name()).len();
                let flows = flow::flows(p.name()).len();
                let flows = match flows {
                    0 => String::new(),
                    1 => ", 1 flow".into(),
                    n => format!(", {n} flows"),
                };
                writeln!(
                    out,
                    "  events   {n}{flows}  (hookcli providers {} lists them)",
                    p.name()
                )?;
                writeln!(out)?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A provider as `--json` shows it.
fn describe(p: &dyn Provider, events: &[&Entry]) -> serde_json::Value {
    let events: Vec<serde_json::Value> = events
        .iter()
        .map(|e| serde_json::json!({"name": e.event, "description": e.description, "content_type": e.content_type}))
        .collect();
    let flows: Vec<serde_json::Value> = flow::flows(p.name())
        .iter()
        .map(|f| {
            let steps: Vec<&str> = f.steps.iter().map(|s| s.event.as_str()).collect();
            serde_json::json!({"name": f.name, "description": f.description, "steps": steps})
        })
        .collect();
    let mut v = serde_json::to_value(p.info()).expect("ProviderInfo serializes");
    v["default_event"] = fixture::default_event(p.name()).into();
    v["signed"] = p.signed().into();
    v["handshake"] = p.handshake().map(|h| h.event).into();
    // Asymmetric: sign with a private key, verify with a public one.
    v["keygen"] = provider::KEYGEN_NAMES.contains(&p.name()).into();
    // The variables read when no flag names one: listen and verify's, and
    // send, check and replay's (they differ for the asymmetric schemes).
    v["secret_env"] = provider::secret_env(p.name(), KeyRole::Verify).into();
    v["signing_secret_env"] = provider::secret_env(p.name(), KeyRole::Sign).into();
    v["events"] = events.into();
    v["flows"] = flows.into();
    v
}

fn summary(out: &mut impl Write, p: &dyn Provider) -> std::io::Result<()> {
    let info = p.info();
    let tolerance = match info.default_tolerance {
        _ if !p.signed() => "unsigned".into(),
        Some(t) => format!("{t} s tolerance"),
        None => "no timestamp".into(),
    };
    writeln!(
        out,
        "{}  {}  ({tolerance})",
        info.name.bold().cyan(),
        info.title
    )?;
    writeln!(out, "  scheme   {}", info.scheme)?;
    writeln!(out, "  secret   {}", info.secret_hint)?;
    match (
        provider::secret_env(p.name(), KeyRole::Verify),
        provider::secret_env(p.name(), KeyRole::Sign),
    ) {
        (Some(verify), Some(sign)) if verify != sign => writeln!(
            out,
            "  env      {verify} (listen, verify), {sign} (send, check, replay)"
        )?,
        (Some(var), _) => writeln!(out, "  env      {var}")?,
        _ => {}
    }
    if let Some(h) = p.handshake() {
        writeln!(out, "  probe    {} (answer: {})", h.event, h.expected)?;
    }
    Ok(())
}

/// One provider's events and flows, a line each.
fn catalogue(
    out: &mut impl Write,
    p: &dyn Provider,
    events: &[&Entry],
    with_flows: bool,
) -> std::io::Result<()> {
    let width = events.iter().map(|e| e.event.len()).max().unwrap_or(0);
    writeln!(out)?;
    writeln!(out, "{} ({})", "Events".bold(), events.len())?;
    for e in events {
        writeln!(out, "  {:width$}  {}", e.event, e.description.dimmed())?;
    }
    let flows = flow::flows(p.name());
    if with_flows && !flows.is_empty() {
        writeln!(out)?;
        writeln!(out, "{} (hookcli send --flow NAME)", "Flows".bold())?;
        let width = flows.iter().map(|f| f.name.len()).max().unwrap_or(0);
        for f in &flows {
            writeln!(out, "  {:width$}  {}", f.name, f.description.dimmed())?;
        }
    }
    Ok(())
}
