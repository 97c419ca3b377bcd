//! The command-line definitions. They also feed `completions` and `man`.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::edit::SetEdit;
use crate::provider::crypto::Algorithm;
use crate::provider::hmac::Encoding;
use crate::tamper::Tamper;

const ABOUT: &str =
    "Capture, inspect, replay, forge, check and tunnel webhook deliveries, offline.";

const EXAMPLES: &str = "\
Examples:
  hookcli send --provider stripe --url http://localhost:3000/webhooks --secret-env STRIPE_WEBHOOK_SECRET
  hookcli send --provider github --event pull_request --print
  hookcli providers";

#[derive(Debug, Parser)]
#[command(name = "hookcli", version, about = ABOUT, after_help = EXAMPLES)]
pub struct Cli {
    /// When to colour output: auto colours only a terminal, and never under NO_COLOR.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Send a realistic, correctly signed sample event to a URL.
    #[command(after_help = SEND_EXAMPLES)]
    Send(Box<SendArgs>),
    /// List the providers, their events, signature schemes and tolerances.
    #[command(
        after_help = "Examples:\n  hookcli providers\n  hookcli providers --json | jq '.providers[].name'"
    )]
    Providers(ProvidersArgs),
    /// Print a shell completion script.
    #[command(
        after_help = "Examples:\n  hookcli completions bash > ~/.local/share/bash-completion/completions/hookcli\n  hookcli completions zsh > ~/.zfunc/_hookcli\n  hookcli completions fish > ~/.config/fish/completions/hookcli.fish"
    )]
    Completions(CompletionsArgs),
    /// Print the man page (roff).
    #[command(hide = true)]
    Man,
}

const SEND_EXAMPLES: &str = "\
Examples:
  hookcli send --provider stripe --url http://localhost:3000/webhooks --secret-env STRIPE_WEBHOOK_SECRET
  hookcli send --provider github --event pull_request --set action=closed --url http://localhost:3000/gh
  hookcli send --provider slack --tamper stale-timestamp --expect-status 401 --url http://localhost:3000/slack
  hookcli send --provider shopify --data @order.json --print

Exit status: 0 the receiver answered 2xx (or --expect-status); 1 it answered something else;
2 usage error (unknown provider or event, no secret, bad --set); 3 runtime error (network, file).";

/// Where the signing secret comes from. Never printed, logged or stored.
#[derive(Debug, Args, Clone, Default)]
pub struct SecretArgs {
    /// The signing secret (prefer --secret-env: flags show up in shell history and `ps`).
    #[arg(long, env = "HOOKCLI_SECRET", hide_env_values = true)]
    pub secret: Option<String>,

    /// Read the signing secret from this environment variable.
    #[arg(long, value_name = "VAR", conflicts_with = "secret")]
    pub secret_env: Option<String>,
}

/// Settings of the custom `hmac` provider.
#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "Custom HMAC (--provider hmac)")]
pub struct HmacArgs {
    /// Header that carries the signature.
    #[arg(long, default_value = "X-Signature", value_name = "NAME")]
    pub hmac_header: String,
    /// Text before the signature in the header value, e.g. `sha256=`.
    #[arg(long, default_value = "", value_name = "TEXT")]
    pub hmac_prefix: String,
    /// Digest of the HMAC.
    #[arg(long, value_enum, default_value_t = Algorithm::Sha256)]
    pub hmac_algorithm: Algorithm,
    /// How the signature bytes are written.
    #[arg(long, value_enum, default_value_t = Encoding::Hex)]
    pub hmac_encoding: Encoding,
    /// The signed string: {body}, {timestamp}, {method} and {url} are filled in.
    #[arg(long, default_value = "{body}", value_name = "TEMPLATE")]
    pub hmac_template: String,
    /// Header that carries the Unix timestamp used by {timestamp}.
    #[arg(long, value_name = "NAME")]
    pub hmac_timestamp_header: Option<String>,
}

#[derive(Debug, Args)]
pub struct SendArgs {
    /// Provider whose scheme and sample events to use (see `hookcli providers`).
    #[arg(long, short = 'p', value_parser = clap::builder::PossibleValuesParser::new(crate::provider::NAMES))]
    pub provider: String,

    /// Sample event to send (default: the provider's most common one).
    #[arg(long, short = 'e')]
    pub event: Option<String>,

    /// Where to send it (default: a local `hookcli listen`).
    #[arg(long, short = 'u', default_value = "http://127.0.0.1:8787/")]
    pub url: String,

    #[command(flatten)]
    pub secret: SecretArgs,

    /// Replace the payload: @FILE, - (standard input), or the text itself. Signed byte for byte.
    #[arg(long, short = 'd', value_name = "@FILE|-|TEXT")]
    pub data: Option<String>,

    /// Set one JSON field of the payload, e.g. data.object.amount=5000 (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub sets: Vec<SetEdit>,

    /// Add a header, `Name: value` (repeatable).
    #[arg(long = "header", short = 'H', value_name = "NAME: VALUE")]
    pub headers: Vec<String>,

    /// Send a deliberately faulty delivery, to see that the receiver rejects it.
    #[arg(long, value_enum)]
    pub tamper: Option<Tamper>,

    /// Sign with this Unix time instead of now.
    #[arg(long, value_name = "UNIX")]
    pub timestamp: Option<i64>,

    /// Exit 1 unless the receiver answers this status.
    #[arg(long, value_name = "CODE")]
    pub expect_status: Option<u16>,

    /// Print the exact request (headers and body) and send nothing.
    #[arg(long)]
    pub print: bool,

    /// Print one JSON object describing the request and the response.
    #[arg(long)]
    pub json: bool,

    /// How long to wait for the receiver.
    #[arg(long, default_value = "30s", value_parser = humantime::parse_duration)]
    pub timeout: Duration,

    #[command(flatten)]
    pub hmac: HmacArgs,
}

#[derive(Debug, Args)]
pub struct ProvidersArgs {
    /// Print one JSON document instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Reads `@FILE`, `-` or literal text.
pub fn read_data(arg: &str) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    match arg {
        "-" | "@-" => {
            let mut buf = Vec::new();
            std::io::stdin().read_to_end(&mut buf)?;
            Ok(buf)
        }
        a if a.starts_with('@') => std::fs::read(PathBuf::from(&a[1..])),
        text => Ok(text.as_bytes().to_vec()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn definitions_are_consistent() {
        Cli::command().debug_assert();
    }
}
