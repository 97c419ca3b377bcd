//! listen's banner, human and JSON: what it listens on, where deliveries
//! go, how they are checked, where they are stored.

use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

/// What a started listen is doing: the value the banner shows. Every URL
/// in it is already redacted (no credentials, no query).
#[derive(Clone, Debug)]
pub struct Listening {
    /// `http://ADDR/PATH`, the address taken.
    pub url: String,
    /// `--relay`: its public URL and channel.
    pub relay: Option<(String, String)>,
    /// `--route`s: (when, target).
    pub routes: Vec<(String, String)>,
    /// `--url` and its timeout.
    pub forward: Option<(String, Duration)>,
    /// The status listen answers with itself, without `--url`.
    pub respond: u16,
    /// `--provider`, or none (detected from each delivery's headers).
    pub provider: Option<String>,
    pub verifying: bool,
    /// `--enforce`'s level: `invalid` or `strict`.
    pub enforce: Option<&'static str>,
    /// (provider, where its secret came from), never a secret's value.
    pub secrets: Vec<(String, String)>,
    pub store: PathBuf,
    /// The inspector's URL (with its token), under `--inspect`.
    pub inspect: Option<String>,
}

/// The banner's `--json` line.
#[derive(Serialize)]
struct ListeningLine<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    url: &'a str,
    forward_to: Option<&'a str>,
    routes: Vec<&'a str>,
    store: &'a PathBuf,
    provider: Option<&'a str>,
    verifying: bool,
    secrets: Vec<SecretSource<'a>>,
    enforce: Option<&'static str>,
    relay: Option<&'a str>,
    inspect: Option<&'a str>,
}

#[derive(Serialize)]
struct SecretSource<'a> {
    provider: &'a str,
    from: &'a str,
}

/// A tunnel's news as a `--json` line.
#[derive(Serialize)]
struct TunnelLine<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    message: &'a str,
}

/// The banner: its first line names the URL (tests and scripts read it).
pub fn banner(l: &Listening, json: bool) -> String {
    if json {
        banner_json(l)
    } else {
        banner_human(l)
    }
}

fn banner_json(l: &Listening) -> String {
    let line = ListeningLine {
        kind: "listening",
        url: &l.url,
        forward_to: l.forward.as_ref().map(|(to, _)| to.as_str()),
        routes: l.routes.iter().map(|(_, to)| to.as_str()).collect(),
        store: &l.store,
        provider: l.provider.as_deref(),
        verifying: l.verifying,
        secrets: l
            .secrets
            .iter()
            .map(|(provider, from)| SecretSource { provider, from })
            .collect(),
        enforce: l.enforce,
        relay: l.relay.as_ref().map(|(url, _)| url.as_str()),
        inspect: l.inspect.as_deref(),
    };
    serde_json::to_string(&line).unwrap_or_default()
}

fn banner_human(l: &Listening) -> String {
    let mut lines = vec![format!("hookcli listening on {}", l.url)];
    if let Some((url, channel)) = &l.relay {
        lines.push(format!(
            "  relay    {url} (channel {channel}; the tunnel's state follows)"
        ));
    }
    for (when, to) in &l.routes {
        lines.push(format!("  route    {when} -> {to}"));
    }
    match &l.forward {
        Some((to, timeout)) => lines.push(format!("  forward  {to} (timeout {timeout:?})")),
        None if l.routes.is_empty() => lines.push(format!("  respond  {} (no --url)", l.respond)),
        None => {}
    }
    let provider = l.provider.as_deref().unwrap_or("detected from headers");
    let verifying = match (l.verifying, l.enforce) {
        (false, _) => "not verifying (no secret)",
        (true, None) => "verifying",
        (true, Some("strict")) => "verifying, answering 401 to invalid and unchecked signatures",
        (true, Some(_)) => "verifying, answering 401 to invalid signatures",
    };
    lines.push(format!("  provider {provider}, {verifying}"));
    for (who, from) in &l.secrets {
        lines.push(format!("  secret   {who} from {from}"));
    }
    lines.push(format!("  store    {}", l.store.display()));
    if let Some(url) = &l.inspect {
        lines.push(format!("  inspect  {url}"));
    }
    lines.join("\n")
}

/// A line from the relay tunnel (connected, reconnecting, …).
pub fn tunnel(message: String, json: bool) -> String {
    if !json {
        return message;
    }
    let line = TunnelLine {
        kind: "tunnel",
        message: &message,
    };
    serde_json::to_string(&line).unwrap_or_default()
}
