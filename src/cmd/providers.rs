//! `hookcli providers`: what hookcli knows of each provider; with a
//! provider's name, its events and flows.

use std::io::Write;
use std::process::ExitCode;

use colored::Colorize;
use serde::Serialize;

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
        let doc = ProvidersDoc {
            schema: 1,
            providers: providers
                .iter()
                .map(|p| describe(p.as_ref(), &events_of(p.as_ref())))
                .collect(),
        };
        writeln!(std::io::stdout(), "{}", serde_json::to_string(&doc)?)?;
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

/// `providers --json`.
#[derive(Serialize)]
struct ProvidersDoc {
    schema: u32,
    providers: Vec<ProviderDoc>,
}

/// A provider as `--json` shows it: its info, then what hookcli does with it.
#[derive(Serialize)]
struct ProviderDoc {
    #[serde(flatten)]
    info: provider::ProviderInfo,
    default_event: Option<&'static str>,
    signed: bool,
    handshake: Option<&'static str>,
    /// Asymmetric: sign with a private key, verify with a public one.
    keygen: bool,
    /// The variables read when no flag names one: listen and verify's, and
    /// send, check and replay's (they differ for the asymmetric schemes).
    secret_env: Option<&'static str>,
    signing_secret_env: Option<&'static str>,
    events: Vec<EventDoc>,
    flows: Vec<FlowDoc>,
}

#[derive(Serialize)]
struct EventDoc {
    name: &'static str,
    description: &'static str,
    content_type: &'static str,
}

#[derive(Serialize)]
struct FlowDoc {
    name: String,
    description: String,
    steps: Vec<String>,
}

fn describe(p: &dyn Provider, events: &[&Entry]) -> ProviderDoc {
    ProviderDoc {
        info: p.info(),
        default_event: fixture::default_event(p.name()),
        signed: p.signed(),
        handshake: p.handshake().map(|h| h.event),
        keygen: provider::KEYGEN_NAMES.contains(&p.name()),
        secret_env: provider::secret_env(p.name(), KeyRole::Verify),
        signing_secret_env: provider::secret_env(p.name(), KeyRole::Sign),
        events: events
            .iter()
            .map(|e| EventDoc {
                name: e.event,
                description: e.description,
                content_type: e.content_type,
            })
            .collect(),
        flows: flow::flows(p.name())
            .into_iter()
            .map(|f| FlowDoc {
                steps: f.steps.iter().map(|s| s.event.clone()).collect(),
                name: f.name,
                description: f.description,
            })
            .collect(),
    }
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
