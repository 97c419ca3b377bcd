//! `hookcli providers`: what hookcli knows of each provider.

use std::io::Write;
use std::process::ExitCode;

use colored::Colorize;

use crate::cli::ProvidersArgs;
use crate::fixture;
use crate::provider;

pub fn run(args: ProvidersArgs) -> anyhow::Result<ExitCode> {
    let providers = provider::all();
    if args.json {
        let list: Vec<serde_json::Value> = providers
            .iter()
            .map(|p| {
                let events: Vec<serde_json::Value> = fixture::for_provider(p.name())
                    .iter()
                    .map(|f| serde_json::json!({"name": f.event, "description": f.description, "content_type": f.content_type}))
                    .collect();
                let mut v = serde_json::to_value(p.info()).expect("ProviderInfo serializes");
                v["default_event"] = fixture::default_event(p.name()).into();
                v["signed"] = p.signed().into();
                v["handshake"] = p.handshake().map(|h| h.event).into();
                // Asymmetric: sign with a private key, verify with a public one.
                v["keygen"] = provider::KEYGEN_NAMES.contains(&p.name()).into();
                v["events"] = events.into();
                v
            })
            .collect();
        writeln!(
            std::io::stdout(),
            "{}",
            serde_json::json!({ "schema": 1, "providers": list })
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    for p in &providers {
        let info = p.info();
        let tolerance = match info.default_tolerance {
            _ if !p.signed() => "unsigned".into(),
            Some(t) => format!("{t} s tolerance"),
            None => "no timestamp".into(),
        };
        writeln!(
            std::io::stdout(),
            "{}  {}  ({tolerance})",
            info.name.bold().cyan(),
            info.title
        )?;
        writeln!(std::io::stdout(), "  scheme   {}", info.scheme)?;
        writeln!(std::io::stdout(), "  secret   {}", info.secret_hint)?;
        if let Some(h) = p.handshake() {
            writeln!(
                std::io::stdout(),
                "  probe    {} (answer: {})",
                h.event,
                h.expected
            )?;
        }
        let events: Vec<String> = fixture::for_provider(p.name())
            .into_iter()
            .map(|f| f.event)
            .collect();
        if !events.is_empty() {
            writeln!(std::io::stdout(), "  events   {}", events.join(", "))?;
        }
        writeln!(std::io::stdout(),)?;
    }
    Ok(ExitCode::SUCCESS)
}
