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
  hookcli listen --url http://localhost:3000/webhooks \\
      --secret-env STRIPE_WEBHOOK_SECRET
  hookcli send --provider stripe --secret-env STRIPE_WEBHOOK_SECRET
  hookcli list --failed && hookcli replay --failed
  hookcli check --provider github --url http://localhost:3000/gh \\
      --secret-env GH_SECRET

Exit status: 0 success; 1 the thing checked is wrong; 2 usage; 3 runtime error.";

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

impl ColorChoice {
    /// On or off when the user decided; `None` leaves it to the terminal.
    pub fn forced(self) -> Option<bool> {
        match self {
            ColorChoice::Auto => None,
            ColorChoice::Always => Some(true),
            ColorChoice::Never => Some(false),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Capture webhook deliveries: record each one, check its signature, forward it to your app.
    #[command(after_help = LISTEN_EXAMPLES)]
    Listen(Box<ListenArgs>),
    /// List recorded deliveries, newest first.
    #[command(after_help = LIST_EXAMPLES)]
    List(ListArgs),
    /// Show one recorded delivery: request, verdict and every attempt.
    #[command(after_help = SHOW_EXAMPLES)]
    Show(ShowArgs),
    /// Re-check a recorded delivery's signature offline and explain the verdict.
    #[command(after_help = VERIFY_EXAMPLES)]
    Verify(Box<VerifyArgs>),
    /// Run the public side of the tunnel: deliveries to /<channel>/... reach `listen --relay` clients.
    #[command(after_help = RELAY_EXAMPLES)]
    Relay(Box<RelayArgs>),
    /// Check how an endpoint handles signatures, replays, duplicates, content types and timing.
    #[command(after_help = CHECK_EXAMPLES)]
    Check(Box<CheckArgs>),
    /// Re-send recorded deliveries, exactly or re-signed; one, or all that failed.
    #[command(after_help = REPLAY_EXAMPLES)]
    Replay(Box<ReplayArgs>),
    /// Open a local web page over the store: a live list, each delivery's story, replay and edit-then-replay.
    #[command(after_help = INSPECT_EXAMPLES)]
    Inspect(Box<InspectArgs>),
    /// Send a realistic, correctly signed sample event to a URL.
    #[command(after_help = SEND_EXAMPLES)]
    Send(Box<SendArgs>),
    /// Make a key pair for an asymmetric scheme: the private key signs (send, check), the public key verifies (listen, verify).
    #[command(after_help = KEYGEN_EXAMPLES)]
    Keygen(KeygenArgs),
    /// List the providers and their schemes; or one provider's events and flows.
    #[command(after_help = PROVIDERS_EXAMPLES)]
    Providers(ProvidersArgs),
    /// Print a shell completion script.
    #[command(
        after_help = COMPLETIONS_EXAMPLES
    )]
    Completions(CompletionsArgs),
    /// Show the settings in force and where each comes from (flags aside).
    #[command(
        after_help = "Examples:\n  hookcli config\n  hookcli config --json\n\nThe file is hookcli.toml in the working directory, else in the platform config folder\n(~/.config/hookcli/hookcli.toml on Linux), or the path in HOOKCLI_CONFIG. Keys: store,\nprovider, secret_env, forward_to, port, relay, channel, token_env, and a [secrets] table\n(provider = \"VARIABLE\")."
    )]
    Config(ConfigArgs),
    /// Print the man page (roff).
    #[command(hide = true)]
    Man,
}

const COMPLETIONS_EXAMPLES: &str = "\
Examples:
  mkdir -p ~/.local/share/bash-completion/completions
  hookcli completions bash > ~/.local/share/bash-completion/completions/hookcli
  mkdir -p ~/.zfunc
  hookcli completions zsh > ~/.zfunc/_hookcli
  mkdir -p ~/.config/fish/completions
  hookcli completions fish > ~/.config/fish/completions/hookcli.fish

A new shell picks the script up (bash needs the bash-completion package; zsh,
`fpath+=~/.zfunc` before `compinit` in ~/.zshrc).";

const LISTEN_EXAMPLES: &str = "\
Examples:
  hookcli listen --url http://localhost:3000/webhooks --provider stripe \\
      --secret-env STRIPE_WEBHOOK_SECRET
  hookcli listen --route 'stripe:invoice.*=http://localhost:3000/billing' \\
      --route github=http://localhost:4000/gh
  hookcli listen --port 0 --json --respond 204
  hookcli listen --secret-env stripe=STRIPE_WEBHOOK_SECRET \\
      --secret-env github=GH_SECRET --enforce=strict

Every request under --path is recorded in the store before it is answered.
Without --url it is answered with --respond and a JSON body naming its id;
with it, the app's own answer goes back (502 if the app is down, 504 if it is slow).
Each delivery is checked with its provider's secret: --secret-env PROVIDER=VAR, a plain
--secret-env VAR for the provider in use, [secrets] in hookcli.toml, or the provider's own
variable (STRIPE_WEBHOOK_SECRET; `hookcli providers` names each). Without one: unchecked.";

const PROVIDERS_EXAMPLES: &str = "\
Examples:
  hookcli providers
  hookcli providers stripe
  hookcli providers stripe 'invoice.*'
  hookcli providers github --json | jq -r '.providers[0].events[].name'";

const KEYGEN_EXAMPLES: &str = "\
Examples:
  hookcli keygen --provider discord
  hookcli keygen --provider sendgrid --json | jq -r .public
  hookcli keygen --provider standard-v1a

The private key goes to send, check and replay --resign (--secret-env VAR); the public
key to listen and verify. Real senders keep their private key: a receiver configured with
the provider's own public key rejects deliveries that hookcli signs with a key of its own.";

const LIST_EXAMPLES: &str = "\
Examples:
  hookcli list
  hookcli list --failed --since 1h
  hookcli list --provider stripe --event 'invoice.*' --json";

const SHOW_EXAMPLES: &str = "\
Examples:
  hookcli show last
  hookcli show 9x4k2m1c --json > delivery.json
  hookcli show last --body | jq .
  hookcli show last --curl | sh

ID is a full id, a unique prefix of 4+ characters, the short id that listen
and list print (the last 8 characters), or `last`.";

const VERIFY_EXAMPLES: &str = "\
Examples:
  hookcli verify last --secret-env STRIPE_WEBHOOK_SECRET
  hookcli verify 9x4k2m1c --provider github --secret-env GH_SECRET --json

Exit status: 0 valid, 1 invalid, 2 usage (no secret, unknown or ambiguous id), 3 runtime (store).";

const RELAY_EXAMPLES: &str = "\
Examples:
  export HOOKCLI_RELAY_TOKEN=$(openssl rand -hex 32)   # give listen the same
  hookcli relay --bind 0.0.0.0:443 --tls-cert cert.pem --tls-key key.pem \\
      --buffer /var/lib/hookcli
  hookcli listen --relay https://relay.example.com --channel dev \\
      --token-env HOOKCLI_RELAY_TOKEN --url http://localhost:3000/webhooks
  hookcli relay --database-url postgres://relay:PASSWORD@db/hookcli --buffer \\
      --bind 0.0.0.0:8788

Providers deliver to https://relay.example.com/<channel>/<path>. The client of that channel
(the newest one takes over) gets each delivery over its one connection and the provider
gets the app's real answer. No client: 503 with Retry-After, or with --buffer, 202 and
delivery in order once a client attaches (at least once).

A token per developer, each for its own channels: `hookcli relay token --help`.";

const CHECK_EXAMPLES: &str = "\
Examples:
  hookcli check --provider stripe --url http://localhost:3000/webhooks \\
      --secret-env STRIPE_WEBHOOK_SECRET
  hookcli check --provider github --url http://localhost:3000/gh \\
      --secret-env GH_SECRET --format junit --output check.xml
  hookcli check --provider slack --url http://localhost:3000/slack \\
      --secret-env SLACK_SIGNING_SECRET --case valid --case stale-timestamp
  hookcli check --provider stripe --url https://staging.example.com/webhooks \\
      --secret-env STRIPE_WEBHOOK_SECRET --concurrency 4
  hookcli check --provider twilio --url http://localhost:3000/sms \\
      --public-url https://abc.ngrok.app/sms --mode json
  hookcli check --provider twilio --url http://localhost:3000/sms \\
      --secret-env TWILIO_SHARED_KEY --mode hmac-sha256
  hookcli check --from last --url http://localhost:3000/webhooks \\
      --secret-env STRIPE_WEBHOOK_SECRET
  hookcli check --from tests/webhooks/ --url http://localhost:3000/webhooks \\
      --secret-env STRIPE_WEBHOOK_SECRET

Cases: handshake, valid, valid-noncanonical, url-query, secret-rotation, duplicate,
bad-signature, malformed-signature, truncated-signature, missing-signature, body-modified,
stale-timestamp, future-timestamp, malformed-body, wrong-content-type, wrong-method,
wrong-path, transport, response-time. Providers with several delivery modes (Twilio form
and JSON, Slack events, interactivity and slash commands, Mailgun JSON and form) run the
signature cases in each. Twilio's HMAC-SHA256 signing (a Webhooks Setting's shared key)
runs only with --mode hmac-sha256, with that shared key as the secret.
Exit status: 0 nothing failed; 1 a case failed (with --strict, also one that warned);
2 usage; 3 the endpoint could not be reached at all.";

const REPLAY_EXAMPLES: &str = "\
Examples:
  hookcli replay last
  hookcli replay 4fg8x2ab --url http://localhost:3000/webhooks --resign \\
      --secret-env STRIPE_WEBHOOK_SECRET
  hookcli replay --failed --since 1d --concurrency 8
  hookcli replay last --set data.object.amount=5000 --resign \\
      --secret-env STRIPE_WEBHOOK_SECRET
  hookcli replay --all --provider github --dry-run

Exit status: 0 every replay got a 2xx; 1 some did not; 2 usage; 3 runtime (store).";

const INSPECT_EXAMPLES: &str = "\
Examples:
  hookcli inspect --open
  hookcli inspect --port 4041 --secret-env STRIPE_WEBHOOK_SECRET
  hookcli listen --url http://localhost:3000/webhooks --inspect

The page lists deliveries as listen records them (no reload), shows each one's
request, verdict and attempts, and replays it: exactly, re-signed, or with an
edited body (always re-signed) to its original target or another URL.
Security: loopback only by default; the printed URL carries a token that every
API call needs, replays must come from the page's own origin, the Host header
must name the inspector (no DNS rebinding), and no CORS header is ever sent.
The re-signing secret comes only from --secret-env VAR: the page never takes or shows it.";

const SEND_EXAMPLES: &str = "\
Examples:
  hookcli send --provider stripe --url http://localhost:3000/webhooks \\
      --secret-env STRIPE_WEBHOOK_SECRET
  hookcli send --provider github --event pull_request.closed \\
      --url http://localhost:3000/gh
  hookcli send --provider stripe --event 'invoice.*' --event customer.created \\
      --secret-env STRIPE_WEBHOOK_SECRET
  hookcli send --provider stripe --flow subscription-signup --delay 200ms \\
      --secret-env STRIPE_WEBHOOK_SECRET
  hookcli send --provider stripe --event invoice.paid --base my-invoice.json \\
      --set data.object.amount_paid=4200
  hookcli send --provider slack --tamper stale-timestamp --expect-status 401 \\
      --url http://localhost:3000/slack
  hookcli send --provider shopify --data @order.json --print
  hookcli send --from tests/webhooks/ --resign \\
      --secret-env STRIPE_WEBHOOK_SECRET --url http://localhost:3000/webhooks

Exit status: 0 the receiver answered 2xx (or --expect-status); 1 it answered something else;
2 usage error (unknown provider or event, no secret, bad --set); 3 runtime error (network, file).";

/// Where `send` goes without `--url`: a local `hookcli listen`.
const SEND_URL: &str = "http://127.0.0.1:8787/";

/// Where the signing secret comes from. Never printed, logged or stored.
#[derive(Debug, Args, Clone, Default)]
pub struct SecretArgs {
    /// The signing secret; for discord, sendgrid and standard-v1a a key: the private key to sign, the public key to verify (prefer --secret-env: flags show up in shell history and `ps`).
    #[arg(long, env = "HOOKCLI_SECRET", hide_env_values = true)]
    pub secret: Option<String>,

    /// Read the signing secret from this environment variable; PROVIDER=VAR gives one provider's (repeatable). Unnamed, each provider's own variable is read (`hookcli providers` names it).
    #[arg(long, value_name = "[PROVIDER=]VAR")]
    pub secret_env: Vec<crate::secret::SecretEnv>,

    /// hookcli.toml's `[secrets]`, put here by [`parse_with`] (no flag).
    #[arg(skip)]
    pub file_secrets: Option<std::collections::BTreeMap<String, String>>,

    /// hookcli.toml's `secret_env`, put here by [`parse_with`] (no flag).
    #[arg(skip)]
    pub file_secret_env: Option<String>,
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
    /// (Required, unless --from is given or hookcli.toml sets a provider.)
    #[arg(long, short = 'p', value_parser = clap::builder::PossibleValuesParser::new(crate::provider::NAMES))]
    pub provider: Option<String>,

    /// Re-send exported deliveries (`hookcli show ID --json`): files, or folders of *.json in name order.
    #[arg(long, value_name = "FILE|DIR", conflicts_with_all = ["event", "tamper", "print"])]
    pub from: Vec<PathBuf>,

    /// With --from: sign again with a fresh timestamp (needs the secret).
    #[arg(long, requires = "from")]
    pub resign: bool,

    /// With --from: accept a document whose body was edited after export (its body_sha256 is
    /// computed anew); add --resign so the signature covers the edited body.
    #[arg(long, requires = "from")]
    pub rehash: bool,

    /// Event to send: a name (invoice.paid), EVENT for its main action (pull_request), or a glob
    /// ('invoice.*'); repeatable, sent in order. Default: the provider's most common event.
    /// `hookcli providers PROVIDER` lists them.
    #[arg(long, short = 'e', value_name = "EVENT")]
    pub event: Vec<String>,

    /// Send the events of one real action in order, ids consistent (`--flow` alone lists them).
    #[arg(long, value_name = "FLOW", num_args = 0..=1, default_missing_value = "", conflicts_with_all = ["event", "data"])]
    pub flow: Option<String>,

    /// Pause between the events of a flow or series.
    #[arg(long, default_value = "0s", value_parser = humantime::parse_duration)]
    pub delay: Duration,

    /// Merge this partial JSON document over each generated event: your fields win, the rest stays realistic.
    #[arg(long, value_name = "FILE", conflicts_with = "data")]
    pub base: Option<PathBuf>,

    /// Where to send it (default: a local `hookcli listen`, on hookcli.toml's port if it sets one).
    #[arg(long, short = 'u', default_value = SEND_URL)]
    pub url: String,

    /// The URL of the local listen that --url defaults to (hookcli.toml's
    /// port, else 8787), put here by [`parse_with`] (no flag).
    #[arg(skip = SEND_URL.to_string())]
    pub default_url: String,

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

    /// Print one JSON object describing the request and the response (one per line for a series
    /// or flow, then a summary).
    #[arg(long)]
    pub json: bool,

    /// How long to wait for the receiver.
    #[arg(long, default_value = "30s", value_parser = humantime::parse_duration)]
    pub timeout: Duration,

    #[command(flatten)]
    pub tls: TlsArgs,

    #[command(flatten)]
    pub hmac: HmacArgs,
}

/// Where the store is.
#[derive(Debug, Args, Clone)]
pub struct StoreArgs {
    /// Store folder (default: the platform data folder + hookcli).
    #[arg(
        long,
        env = "HOOKCLI_STORE",
        hide_env_values = true,
        value_name = "DIR"
    )]
    pub store: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ListenArgs {
    /// Port to listen on (0 picks a free one; the banner says which).
    #[arg(long, default_value_t = 8787)]
    pub port: u16,
    /// Address to bind, HOST or HOST:PORT; loopback unless you mean to expose it.
    #[arg(long, default_value = "127.0.0.1", value_name = "HOST[:PORT]")]
    pub bind: crate::bind::Bind,
    /// Only requests under this path prefix are deliveries; others get 404.
    #[arg(long, default_value = "/")]
    pub path: String,
    /// Forward every delivery to this URL (the path below --path is appended).
    #[arg(long = "url", short = 'u', alias = "forward-to", value_name = "URL")]
    pub forward_to: Option<String>,
    /// Forward matching deliveries elsewhere: /PREFIX=URL, PROVIDER=URL or PROVIDER:EVENT-GLOB=URL.
    #[arg(long = "route", value_name = "MATCH=URL")]
    pub routes: Vec<crate::listen::route::Route>,
    /// How long the app may take (raise it to sit in a debugger).
    #[arg(long = "timeout", alias = "forward-timeout", default_value = "30s", value_parser = humantime::parse_duration)]
    pub forward_timeout: Duration,
    /// Accept any certificate from an HTTPS app (a local self-signed one); never from the relay.
    #[arg(long = "insecure", alias = "forward-insecure")]
    pub forward_insecure: bool,
    /// Trust this PEM certificate for HTTPS: the app's and the relay's (a self-signed one).
    #[arg(long, value_name = "FILE")]
    pub ca: Option<PathBuf>,
    /// The old spelling of --ca for the app alone.
    #[arg(long, value_name = "FILE", hide = true, conflicts_with = "ca")]
    pub forward_ca: Option<PathBuf>,
    /// Provider of the deliveries (default: recognised from each one's headers).
    #[arg(long, short = 'p', value_parser = clap::builder::PossibleValuesParser::new(crate::provider::NAMES))]
    pub provider: Option<String>,
    #[command(flatten)]
    pub secret: SecretArgs,
    /// Answer 401 to deliveries whose signature is invalid (they are still recorded); =strict also to those no secret could check.
    #[arg(long, value_enum, value_name = "LEVEL", num_args = 0..=1, default_missing_value = "invalid", require_equals = true)]
    pub enforce: Option<crate::listen::Enforce>,
    /// Status to answer when not forwarding.
    #[arg(long, default_value_t = 200, value_name = "STATUS", value_parser = clap::value_parser!(u16).range(100..=599))]
    pub respond: u16,
    #[command(flatten)]
    pub store: StoreArgs,
    /// Largest body accepted; larger ones get 413 and are recorded without their body (e.g. 25MiB, 1MB, 65536).
    #[arg(long, default_value = "25MiB", value_parser = parse_size, value_name = "BYTES")]
    pub max_body: u64,
    /// The public URL the provider sends to, for schemes that sign the URL (Twilio).
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,
    /// Timestamp tolerance, overriding the provider's (e.g. 10m).
    #[arg(long, value_parser = humantime::parse_duration)]
    pub tolerance: Option<Duration>,
    /// Cut off a connection without a complete request head this long after it opened or was last answered.
    #[arg(long, default_value = "10s", value_parser = humantime::parse_duration)]
    pub header_timeout: Duration,
    /// Answer 408 to a body that has not arrived whole in this time (it is not recorded).
    #[arg(long, default_value = "60s", value_parser = humantime::parse_duration)]
    pub body_timeout: Duration,
    /// Open connections at most (default: up to 4096, below the descriptor limit); past it the longest-idle one is closed, else newcomers wait.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_connections: Option<u64>,
    /// Body bytes all requests in flight may hold at once (default: twice --max-body, at least 64MiB); past it, 503 with Retry-After.
    #[arg(long, value_parser = parse_size, value_name = "BYTES")]
    pub body_budget: Option<u64>,
    /// Print one JSON object per line (a banner, then one per delivery).
    #[arg(long)]
    pub json: bool,
    /// Also take deliveries from this `hookcli relay` (https://relay.example.com).
    #[arg(long, value_name = "URL", requires = "channel")]
    pub relay: Option<String>,
    /// The relay channel: public deliveries go to RELAY/CHANNEL/...
    #[arg(long, value_name = "NAME")]
    pub channel: Option<String>,
    /// The relay's token (prefer --token-env).
    #[arg(long, env = "HOOKCLI_RELAY_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Read the relay's token from this environment variable (wins over --token and HOOKCLI_RELAY_TOKEN).
    #[arg(long, value_name = "VAR")]
    pub token_env: Option<String>,
    /// The old spelling of --ca for the relay alone.
    #[arg(long, value_name = "FILE", hide = true, conflicts_with = "ca")]
    pub relay_ca: Option<PathBuf>,
    /// Also serve the inspector page on 127.0.0.1:PORT (default 4040), over the same store.
    #[arg(long, value_name = "PORT", num_args = 0..=1, default_missing_value = "4040", require_equals = true)]
    pub inspect: Option<u16>,
    /// Exit non-zero after this long without a relay connection (e.g. 10m), so a supervisor can restart listen.
    #[arg(long, value_parser = humantime::parse_duration, value_name = "DURATION")]
    pub max_offline: Option<Duration>,
    #[command(flatten)]
    pub hmac: HmacArgs,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Port to serve the page on (0 picks a free one; the printed URL says which).
    #[arg(long, default_value_t = 4040)]
    pub port: u16,
    /// Address to bind, HOST or HOST:PORT; loopback unless you mean to expose it (the token still guards it).
    #[arg(long, default_value = "127.0.0.1", value_name = "HOST[:PORT]")]
    pub bind: crate::bind::Bind,
    /// Open the page in the default browser.
    #[arg(long)]
    pub open: bool,
    /// Re-sign replays in this provider's scheme (default: each delivery's recorded provider).
    #[arg(long, short = 'p', value_parser = clap::builder::PossibleValuesParser::new(crate::provider::NAMES))]
    pub provider: Option<String>,
    /// Read the secret for re-signed replays from this environment variable (the page never sees it).
    #[arg(long, value_name = "VAR")]
    pub secret_env: Option<String>,
    /// Cut off a connection without a complete request head this long after it opened or was last answered.
    #[arg(long, default_value = "10s", value_parser = humantime::parse_duration)]
    pub header_timeout: Duration,
    /// Open connections at most (default: up to 4096, below the descriptor limit).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_connections: Option<u64>,
    /// For replays to an HTTPS app with its own certificate.
    #[command(flatten)]
    pub tls: TlsArgs,
    #[command(flatten)]
    pub hmac: HmacArgs,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct RelayArgs {
    #[command(subcommand)]
    pub action: Option<RelayAction>,
    /// Address to listen on, HOST or HOST:PORT (0.0.0.0:443 on a public host).
    #[arg(long, default_value = "127.0.0.1", value_name = "HOST[:PORT]")]
    pub bind: crate::bind::Bind,
    /// Port to listen on, unless --bind names one (0 picks a free one).
    #[arg(long, default_value_t = 8788)]
    pub port: u16,
    /// The token clients must present (prefer --token-env).
    #[arg(long, env = "HOOKCLI_RELAY_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Read the token from this environment variable (wins over --token and HOOKCLI_RELAY_TOKEN).
    #[arg(long, value_name = "VAR")]
    pub token_env: Option<String>,
    /// PEM certificate chain for HTTPS.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key for HTTPS.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// The public URL providers use, when it differs from the bound address (behind a load balancer).
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,
    /// How long a client may take to answer a delivery (then 504).
    #[arg(long, default_value = "10s", value_parser = humantime::parse_duration)]
    pub timeout: Duration,
    /// Keep deliveries for absent clients in this store folder (no folder with --database-url: in PostgreSQL); answer 202 and deliver them in order later.
    #[arg(long, value_name = "DIR", num_args = 0..=1)]
    pub buffer: Option<Option<PathBuf>>,
    /// Share the buffer and the per-developer tokens with every relay instance on this PostgreSQL database (postgres://USER:PASSWORD@HOST:PORT/DB).
    #[arg(
        long,
        value_name = "URL",
        env = "HOOKCLI_RELAY_DATABASE_URL",
        hide_env_values = true,
        conflicts_with = "tokens"
    )]
    pub database_url: Option<String>,
    /// Largest body accepted (e.g. 25MiB).
    #[arg(long, default_value = "25MiB", value_parser = parse_size, value_name = "BYTES")]
    pub max_body: u64,
    /// Cut off a connection without a complete request head this long after it opened or was last answered.
    #[arg(long, default_value = "10s", value_parser = humantime::parse_duration)]
    pub header_timeout: Duration,
    /// Answer 408 to a body that has not arrived whole in this time.
    #[arg(long, default_value = "60s", value_parser = humantime::parse_duration)]
    pub body_timeout: Duration,
    /// Open connections at most, clients' included (default: up to 4096, below the descriptor limit); past it the longest-idle one is closed, else newcomers wait.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_connections: Option<u64>,
    /// Body bytes all requests in flight may hold at once (default: twice --max-body, at least 64MiB); past it, 503 with Retry-After.
    #[arg(long, value_parser = parse_size, value_name = "BYTES")]
    pub body_budget: Option<u64>,
    /// Threads serving connections. On one, a delivery's hand-offs wake no other thread, which costs less CPU; at about 25µs of CPU a delivery (a TLS handshake more on a new connection), one is plenty for a team. Scale out with more instances, or raise this on a big host.
    #[arg(long, value_name = "N", env = "HOOKCLI_RELAY_THREADS", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub threads: u16,
    /// Also accept the per-developer tokens in this file, each for its own channels (`relay token add` writes it).
    #[arg(long, value_name = "FILE", env = "HOOKCLI_RELAY_TOKENS")]
    pub tokens: Option<PathBuf>,
    /// Serve GET /metrics on the public port to bearers of the token in this environment variable.
    #[arg(long, value_name = "VAR")]
    pub metrics_token_env: Option<String>,
    /// Serve GET /metrics, with no token, on this address of its own (127.0.0.1:9187).
    #[arg(long, value_name = "ADDR")]
    pub metrics_bind: Option<std::net::SocketAddr>,
    /// Log lines for people, or one JSON object per line with one per delivery.
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Take deliveries only from this address range (repeatable); others get 403.
    #[arg(long, value_name = "CIDR")]
    pub allow_from: Vec<crate::relay::allow::Cidr>,
    /// Believe X-Forwarded-For from this proxy's addresses (repeatable), for --allow-from and the logs' sender.
    #[arg(long, value_name = "CIDR")]
    pub trusted_proxy: Vec<crate::relay::allow::Cidr>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum RelayAction {
    /// Per-developer tokens: each attaches only to the channels its pattern matches.
    #[command(subcommand, after_help = TOKEN_EXAMPLES)]
    Token(TokenAction),
}

const TOKEN_EXAMPLES: &str = "\
Examples:
  hookcli relay token add --tokens /var/lib/hookcli/tokens.db \\
      --channel 'alice-*' --note alice
  hookcli relay token list --tokens /var/lib/hookcli/tokens.db
  hookcli relay token revoke 3 --tokens /var/lib/hookcli/tokens.db
  hookcli relay --tokens /var/lib/hookcli/tokens.db --bind 0.0.0.0:443 \\
      --tls-cert cert.pem --tls-key key.pem
  hookcli relay token add --database-url postgres://relay@db/hookcli \\
      --channel 'bob-*' --note bob

The token is printed once; the file keeps only its SHA-256. A relay with --tokens
re-reads the file every 2 s: new tokens work at once, a revoked one's client is cut off.
With --database-url the tokens live in PostgreSQL, for every relay instance on it.";

#[derive(Debug, Subcommand)]
pub enum TokenAction {
    /// Make a token for the channels matching a pattern; print it once.
    Add(TokenAddArgs),
    /// Show the tokens: id, channel pattern, note, created, revoked (never the tokens).
    List(TokenListArgs),
    /// Revoke a token: its client is cut off within seconds.
    Revoke(TokenRevokeArgs),
}

#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct TokenFileArgs {
    /// The token file (SQLite; created by the first `add`).
    #[arg(long, value_name = "FILE", env = "HOOKCLI_RELAY_TOKENS")]
    pub tokens: Option<PathBuf>,
    /// The relays' PostgreSQL database instead (postgres://USER:PASSWORD@HOST:PORT/DB).
    #[arg(
        long,
        value_name = "URL",
        env = "HOOKCLI_RELAY_DATABASE_URL",
        hide_env_values = true
    )]
    pub database_url: Option<String>,
}

#[derive(Debug, Args)]
pub struct TokenAddArgs {
    #[command(flatten)]
    pub file: TokenFileArgs,
    /// The channels it may attach to, a glob: 'alice-*', 'team-[ab]', 'dev'.
    #[arg(long, value_name = "GLOB")]
    pub channel: String,
    /// Whose it is, shown by `list`.
    #[arg(long)]
    pub note: Option<String>,
}

#[derive(Debug, Args)]
pub struct TokenListArgs {
    #[command(flatten)]
    pub file: TokenFileArgs,
    /// One JSON object per token per line.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct TokenRevokeArgs {
    /// The token's id, as `list` shows it.
    pub id: i64,
    #[command(flatten)]
    pub file: TokenFileArgs,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// How many deliveries to show.
    #[arg(long, short = 'n', default_value_t = 20)]
    pub limit: usize,
    /// Only this provider's deliveries.
    #[arg(long, short = 'p')]
    pub provider: Option<String>,
    /// Only these event types (`*` matches anything: 'invoice.*').
    #[arg(long, short = 'e', value_name = "GLOB")]
    pub event: Option<String>,
    /// Only deliveries whose last attempt failed (non-2xx or no answer).
    #[arg(long)]
    pub failed: bool,
    /// Only deliveries received within this long (e.g. 1h, 30m, 2d).
    #[arg(long, value_parser = humantime::parse_duration)]
    pub since: Option<Duration>,
    /// One JSON object per delivery per line.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Delivery id, unique prefix, short id, or `last`.
    pub id: String,
    #[command(flatten)]
    pub store: StoreArgs,
    /// The portable JSON document (`send --from` reads it).
    #[arg(long, group = "view")]
    pub json: bool,
    /// Only the raw body bytes.
    #[arg(long, group = "view")]
    pub body: bool,
    /// Only the headers, as received.
    #[arg(long, group = "view")]
    pub headers: bool,
    /// A curl command that sends the same request again (binary-safe).
    #[arg(long, group = "view")]
    pub curl: bool,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Delivery id, unique prefix, short id, or `last`.
    pub id: String,
    #[command(flatten)]
    pub store: StoreArgs,
    /// Provider scheme to check with (default: the one recorded).
    #[arg(long, short = 'p', value_parser = clap::builder::PossibleValuesParser::new(crate::provider::NAMES))]
    pub provider: Option<String>,
    #[command(flatten)]
    pub secret: SecretArgs,
    /// Timestamp tolerance, overriding the provider's (e.g. 10m).
    #[arg(long, value_parser = humantime::parse_duration)]
    pub tolerance: Option<Duration>,
    /// Judge the timestamp against now instead of the moment it arrived.
    #[arg(long)]
    pub now: bool,
    /// One JSON object with the verdict and the findings.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub hmac: HmacArgs,
}

/// How `check` writes its report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Human,
    Json,
    Junit,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// hookcli.toml's provider, put here by [`parse_with`]: it comes after
    /// a recorded delivery's own (no flag).
    #[arg(skip)]
    pub file_provider: Option<String>,
    /// Provider whose deliveries to imitate (required unless hookcli.toml sets one).
    #[arg(long, short = 'p', value_parser = clap::builder::PossibleValuesParser::new(crate::provider::NAMES))]
    pub provider: Option<String>,
    /// The endpoint to check.
    #[arg(long, short = 'u')]
    pub url: String,
    #[command(flatten)]
    pub secret: SecretArgs,
    /// Sample event to use (default: the provider's most common one).
    #[arg(long, short = 'e', value_name = "EVENT")]
    pub event: Option<String>,
    /// Report format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    pub format: ReportFormat,
    /// Same as --format json.
    #[arg(long)]
    pub json: bool,
    /// Write the report here (the summary line still goes to stdout).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Run only these cases (repeatable).
    #[arg(long = "case", value_enum, value_name = "NAME")]
    pub cases: Vec<crate::check::CaseName>,
    /// Leave out these cases (repeatable).
    #[arg(long, value_enum, value_name = "NAME")]
    pub skip: Vec<crate::check::CaseName>,
    /// Exit 1 when a case warned, too.
    #[arg(long)]
    pub strict: bool,
    /// How long each request may take (default: the provider's delivery timeout + 2 s).
    #[arg(long, value_parser = humantime::parse_duration)]
    pub timeout: Option<Duration>,
    /// Build the battery from a recorded delivery: a store id (or `last`), a portable document (`show --json`), or a folder of them (one battery each).
    #[arg(long, value_name = "ID|FILE|DIR", conflicts_with_all = ["event", "mode"])]
    pub from: Option<String>,
    #[command(flatten)]
    pub store: StoreArgs,
    /// Only this delivery mode, for providers with several (twilio: form, json, and hmac-sha256 only when named; slack: events, interactivity, slash-command; mailgun: json, form).
    #[arg(long, value_name = "MODE")]
    pub mode: Option<String>,
    /// The URL the provider calls when it differs from --url (a tunnel or proxy in front): URL-signing schemes (Twilio, Square, HubSpot) are signed for it.
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,
    /// How many cases are in flight at once (1, the default, keeps timings honest on a small dev server).
    #[arg(long, short = 'c', value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub concurrency: u32,
    #[command(flatten)]
    pub tls: TlsArgs,
    #[command(flatten)]
    pub hmac: HmacArgs,
}

/// How to trust an HTTPS endpoint that serves its own certificate.
#[derive(Debug, Args, Default)]
pub struct TlsArgs {
    /// Accept any certificate from an HTTPS endpoint (a local self-signed one).
    #[arg(long)]
    pub insecure: bool,
    /// Trust this PEM certificate for an HTTPS endpoint.
    #[arg(long, value_name = "FILE")]
    pub ca: Option<PathBuf>,
}

impl TlsArgs {
    /// The HTTP client for this trust.
    pub fn client(&self) -> anyhow::Result<crate::client::Client> {
        Ok(crate::client::Client::new(self.trust()?))
    }

    /// The HTTP client for one runtime's sends, keeping up to
    /// `per_authority` idle connections registered with it (see
    /// `Client::bound`); dropped before that runtime.
    pub fn bound_client(&self, per_authority: usize) -> anyhow::Result<crate::client::Client> {
        Ok(crate::client::Client::bound(self.trust()?, per_authority))
    }

    fn trust(&self) -> anyhow::Result<crate::client::Trust> {
        crate::client::Trust::new(self.insecure, self.ca.as_deref(), "--ca")
    }
}

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// Deliveries to replay: ids, unique prefixes, short ids or `last`.
    pub ids: Vec<String>,
    /// Every delivery whose last attempt failed (non-2xx or no answer): the dead-letter queue.
    #[arg(long, conflicts_with_all = ["ids", "all"])]
    pub failed: bool,
    /// Every delivery (narrow it with --since, --provider, --event).
    #[arg(long, conflicts_with = "ids")]
    pub all: bool,
    /// Only deliveries received within this long (e.g. 1h).
    #[arg(long, value_parser = humantime::parse_duration)]
    pub since: Option<Duration>,
    /// Only this provider's deliveries; with --resign, also the scheme to sign with.
    #[arg(long, short = 'p', value_parser = clap::builder::PossibleValuesParser::new(crate::provider::NAMES))]
    pub provider: Option<String>,
    /// Only these event types (`*` matches anything).
    #[arg(long, short = 'e', value_name = "GLOB")]
    pub event: Option<String>,
    /// Send here instead of the original forward target (the delivery's path is appended).
    #[arg(long = "url", short = 'u', alias = "to", value_name = "URL")]
    pub to: Option<String>,
    /// Sign again over the same body with a fresh timestamp, in the provider's scheme.
    #[arg(long)]
    pub resign: bool,
    #[command(flatten)]
    pub secret: SecretArgs,
    /// Give each event a fresh id, so the receiver treats it as new (needs --resign).
    #[arg(long, requires = "resign")]
    pub new_id: bool,
    /// Set one JSON field of the body before sending (re-signed; repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub sets: Vec<SetEdit>,
    /// Replace the body: @FILE, - or text (re-signed).
    #[arg(long, short = 'd', value_name = "@FILE|-|TEXT")]
    pub data: Option<String>,
    /// How many replays are in flight at once (1 keeps the original order).
    #[arg(long, short = 'c', default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub concurrency: u32,
    /// At most this many replays per second.
    #[arg(long, value_name = "N")]
    pub rate: Option<f64>,
    /// Print what would be sent, and where, and send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// One JSON object per replay, then a summary object.
    #[arg(long)]
    pub json: bool,
    /// How long to wait for each answer.
    #[arg(long, default_value = "30s", value_parser = humantime::parse_duration)]
    pub timeout: Duration,
    #[command(flatten)]
    pub tls: TlsArgs,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub hmac: HmacArgs,
}

#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// One JSON object instead of lines.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// The asymmetric scheme to make keys for.
    #[arg(long, short = 'p', value_parser = clap::builder::PossibleValuesParser::new(crate::provider::KEYGEN_NAMES))]
    pub provider: String,
    /// One JSON object instead of lines.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ProvidersArgs {
    /// Show one provider's events and flows, each with a line on what it is.
    #[arg(value_parser = clap::builder::PossibleValuesParser::new(crate::provider::NAMES))]
    pub provider: Option<String>,
    /// Only the events whose name matches this glob ('invoice.*').
    #[arg(requires = "provider")]
    pub glob: Option<String>,
    /// Print one JSON document instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Print the event names alone, one a line (for shell completion).
    #[arg(long, hide = true, requires = "provider")]
    pub names: bool,
    /// Print the flow names alone, one a line (for shell completion).
    #[arg(long, hide = true, requires = "provider", conflicts_with = "names")]
    pub flow_names: bool,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Parses a size: `65536`, `64KiB`, `25MiB`, `1GB`.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a size like 25MiB"))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1_000,
        "kib" => 1 << 10,
        "m" | "mb" => 1_000_000,
        "mib" => 1 << 20,
        "g" | "gb" => 1_000_000_000,
        "gib" => 1 << 30,
        other => {
            return Err(format!(
                "unknown size unit {other:?} (use B, KiB, MiB, GiB, KB, MB, GB)"
            ));
        }
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("{s:?} is too large"))
}

/// Why a command line does not run.
#[derive(Debug)]
pub enum NotRun {
    /// Help or the version, for clap to print as it has them.
    Shown(clap::Error),
    /// A usage error: its line and maybe a `try: …` line, already safe for
    /// a terminal; main prints them and exits 2.
    Usage { line: String, tip: Option<String> },
}

/// Parses the command line with the config file's settings under it:
/// flags, then environment variables, then the file, then built-ins.
pub fn parse_with(file: Option<&crate::config::FileConfig>) -> Result<Cli, NotRun> {
    use clap::{CommandFactory, FromArgMatches};
    let cmd = Cli::command();
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let matches = cmd
        .clone()
        .try_get_matches()
        .map_err(|e| not_run(e, &cmd, &args))?;
    if let Some((name, sub)) = matches.subcommand()
        && let Some(line) = port_given_twice(name, sub)
    {
        return Err(NotRun::Usage { line, tip: None });
    }
    let mut cli = Cli::from_arg_matches(&matches).map_err(|e| not_run(e, &cmd, &args))?;
    if let (Some(f), Some((_, sub))) = (file, matches.subcommand()) {
        apply_file(&mut cli.command, sub, f);
    }
    Ok(cli)
}

/// `--bind HOST:PORT` and `--port N` both typed, naming different ports:
/// neither silently wins.
fn port_given_twice(sub: &str, m: &clap::ArgMatches) -> Option<String> {
    use clap::parser::ValueSource;
    let bind = *m.try_get_one::<crate::bind::Bind>("bind").ok()??;
    let in_bind = bind.port?;
    let port = *m.try_get_one::<u16>("port").ok()??;
    let typed = matches!(
        m.value_source("port"),
        Some(ValueSource::CommandLine | ValueSource::EnvVariable)
    );
    (typed && port != in_bind).then(|| {
        format!(
            "--bind {bind} names port {in_bind} and --port names {port}: give the port once (hookcli {sub} --bind {} --port {port})",
            bind.ip
        )
    })
}

/// Help and version are shown as clap has them; a usage error is one line
/// (and a `try:`).
fn not_run(e: clap::Error, cmd: &clap::Command, args: &[String]) -> NotRun {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        return NotRun::Shown(e);
    }
    let (line, tip) = crate::usage::render(&e, cmd, args);
    NotRun::Usage {
        line: crate::output::one_line(&line).into_owned(),
        tip: tip.map(|t| crate::output::one_line(&t).into_owned()),
    }
}

/// The one place hookcli.toml applies: each setting the file holds goes
/// into the parsed arguments where neither a flag nor an environment
/// variable gave one (a clap default counts as not given), so the commands
/// read their arguments and nothing else.
fn apply_file(command: &mut Command, m: &clap::ArgMatches, f: &crate::config::FileConfig) {
    use clap::parser::ValueSource;
    let defaulted = |id: &str| {
        matches!(
            m.try_get_raw(id).ok().and_then(|_| m.value_source(id)),
            None | Some(ValueSource::DefaultValue)
        )
    };
    let store = |s: &mut StoreArgs| {
        if s.store.is_none() {
            s.store = f.store.clone();
        }
    };
    let secrets = |s: &mut SecretArgs| {
        s.file_secrets = f.secrets.clone();
        s.file_secret_env = f.secret_env.clone();
    };
    // --token-env, then --token or HOOKCLI_RELAY_TOKEN, then the file's token_env.
    let token_env = |token: &Option<String>, var: &mut Option<String>| {
        if token.is_none() && var.is_none() {
            *var = f.token_env.clone();
        }
    };
    fn or_file(arg: &mut Option<String>, file: &Option<String>) {
        if arg.is_none() {
            *arg = file.clone();
        }
    }
    match command {
        Command::Listen(a) => {
            store(&mut a.store);
            secrets(&mut a.secret);
            token_env(&a.token, &mut a.token_env);
            or_file(&mut a.provider, &f.provider);
            or_file(&mut a.forward_to, &f.forward_to);
            or_file(&mut a.relay, &f.relay);
            or_file(&mut a.channel, &f.channel);
            if let Some(port) = f.port.filter(|_| defaulted("port")) {
                a.port = port;
            }
        }
        Command::List(a) => store(&mut a.store),
        Command::Show(a) => store(&mut a.store),
        Command::Verify(a) => {
            store(&mut a.store);
            secrets(&mut a.secret);
        }
        Command::Replay(a) => {
            store(&mut a.store);
            secrets(&mut a.secret);
        }
        Command::Inspect(a) => store(&mut a.store),
        Command::Relay(a) => token_env(&a.token, &mut a.token_env),
        Command::Check(a) => {
            store(&mut a.store);
            secrets(&mut a.secret);
            a.file_provider = f.provider.clone();
        }
        Command::Send(a) => {
            secrets(&mut a.secret);
            // `send --from` re-sends recorded deliveries as their own provider.
            if a.from.is_empty() {
                or_file(&mut a.provider, &f.provider);
            }
            // With no --url, send goes to the listen the same file configures.
            if let Some(port) = f.port {
                a.default_url = format!("http://127.0.0.1:{port}/");
                if defaulted("url") {
                    a.url = a.default_url.clone();
                }
            }
        }
        _ => {}
    }
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
