//! Sample events, one JSON file per event under `fixtures/<provider>/`,
//! embedded in the binary. Rendering fills in fresh ids and times so that
//! no two sends look like the same event.

use std::collections::HashMap;

use include_dir::{Dir, include_dir};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::edit::{SetEdit, get_path, set_path};
use crate::provider::SignContext;
use crate::provider::crypto::{Alphabet, random_string, uuid_v4};

static FIXTURES: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/fixtures");

/// How a JSON body is laid out on the wire.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Style {
    #[default]
    Compact,
    /// Two-space indentation, as Stripe sends.
    Pretty,
}

/// One sample delivery, as its fixture file describes it.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fixture {
    pub event: String,
    pub description: String,
    /// Where the event's shape comes from, with the source's version.
    #[serde(default)]
    pub source: Option<String>,
    /// Chosen when only the event's name is given (`pull_request` for
    /// `pull_request.opened`); otherwise the first action is.
    #[serde(default)]
    pub primary: bool,
    pub content_type: String,
    #[serde(default)]
    pub style: Style,
    /// Event-specific headers; values may hold generators.
    #[serde(default)]
    pub headers: Map<String, Value>,
    /// Body path -> generator template, refreshed at every send.
    #[serde(default)]
    pub fresh: Map<String, Value>,
    /// A JSON payload ...
    #[serde(default)]
    pub body: Option<Value>,
    /// ... or form fields (a JSON object value is sent as compact JSON text).
    #[serde(default)]
    pub form: Option<Map<String, Value>>,
}

/// A fixture with fresh values, ready to be edited and encoded.
#[derive(Clone, Debug)]
pub struct Rendered {
    pub headers: Vec<(String, String)>,
    pub content_type: String,
    pub payload: Payload,
    pub style: Style,
}

#[derive(Clone, Debug)]
pub enum Payload {
    Json(Value),
    Form(Map<String, Value>),
}

/// The provider whose fixtures another provider borrows (svix and custom
/// HMAC senders send Standard-Webhooks-shaped events).
fn fixture_dir(provider: &str) -> &str {
    match provider {
        "svix" | "hmac" => "standard",
        other => other,
    }
}

/// The event sent when `--event` is not given.
pub fn default_event(provider: &str) -> Option<&'static str> {
    Some(match fixture_dir(provider) {
        "stripe" => "payment_intent.succeeded",
        "github" => "push",
        "shopify" => "orders/create",
        "slack" => "app_mention",
        "twilio" => "sms.incoming",
        "gitlab" => "push",
        "standard" => "user.created",
        "paddle" => "transaction.completed",
        "sentry" => "issue.created",
        "linear" => "Issue.create",
        "bitbucket" => "repo:push",
        "pagerduty" => "incident.triggered",
        "typeform" => "form_response",
        "intercom" => "conversation.user.created",
        "zapier" => "lead.created",
        "mailgun" => "delivered",
        "square" => "payment.created",
        "zoom" => "meeting.started",
        "twitch" => "channel.follow",
        "hubspot" => "contact.creation",
        "calendly" => "invitee.created",
        "clerk" => "user.created",
        "resend" => "email.delivered",
        "discord" => "application_command",
        "standard-v1a" => "user.created",
        "sendgrid" => "delivered",
        _ => return None,
    })
}

/// Every fixture of a provider, sorted by event name. Panics only if an
/// embedded file is broken, which the fixture tests rule out.
pub fn for_provider(provider: &str) -> Vec<Fixture> {
    let Some(dir) = FIXTURES.get_dir(fixture_dir(provider)) else {
        return Vec::new();
    };
    let mut all: Vec<Fixture> = dir
        .files()
        .filter(|f| is_fixture_file(f.path()))
        .map(|f| {
            parse(f.path().display().to_string(), f.contents()).unwrap_or_else(|e| panic!("{e}"))
        })
        .collect();
    all.sort_by(|a, b| a.event.cmp(&b.event));
    all
}

/// Event files; `_`-prefixed files hold a provider's entities and flows.
fn is_fixture_file(path: &std::path::Path) -> bool {
    path.extension().is_some_and(|e| e == "json")
        && !path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('_'))
}

/// Values shared by every event of one send or flow. `{@name}` in a
/// template is generated once, from the provider's `_entities.json`
/// (name -> template), and the same value is used wherever it recurs, so
/// an invoice names the customer and subscription sent beside it.
#[derive(Debug, Default)]
pub struct Session {
    templates: Map<String, Value>,
    values: HashMap<String, String>,
}

impl Session {
    pub fn new(provider: &str) -> Session {
        let templates = FIXTURES
            .get_file(format!("{}/_entities.json", fixture_dir(provider)))
            .and_then(|f| serde_json::from_slice(f.contents()).ok())
            .unwrap_or_default();
        Session {
            templates,
            values: HashMap::new(),
        }
    }

    /// The value of entity `name` for this session, made on first use.
    fn entity(&mut self, name: &str, ctx: &SignContext) -> Option<String> {
        if let Some(v) = self.values.get(name) {
            return Some(v.clone());
        }
        let template = self.templates.get(name)?.as_str()?;
        let value = expand(template, ctx);
        self.values.insert(name.to_string(), value.clone());
        Some(value)
    }
}

/// Parses one fixture file, checking that its fresh paths exist.
pub fn parse(path: String, bytes: &[u8]) -> Result<Fixture, String> {
    let f: Fixture = serde_json::from_slice(bytes).map_err(|e| format!("fixture {path}: {e}"))?;
    let doc = match (&f.body, &f.form) {
        (Some(b), None) => b.clone(),
        (None, Some(form)) => Value::Object(form.clone()),
        _ => return Err(format!("fixture {path}: needs exactly one of body or form")),
    };
    for (p, template) in &f.fresh {
        let in_form_json = f.form.is_some() && form_json_get(&doc, p).is_some();
        if get_path(&doc, p).is_none() && !in_form_json {
            return Err(format!(
                "fixture {path}: fresh path {p} is not in the payload"
            ));
        }
        if !template.is_string() {
            return Err(format!(
                "fixture {path}: fresh value of {p} is not a template string"
            ));
        }
    }
    Ok(f)
}

/// The fixture of this event. `EVENT` alone names the event's primary
/// action where names are `EVENT.ACTION` (GitHub's `pull_request` is
/// `pull_request.opened`). Unknown: an error naming the closest events.
pub fn find(provider: &str, event: &str) -> Result<Fixture, String> {
    let all = for_provider(provider);
    if let Some(f) = all
        .iter()
        .find(|f| f.event == event || f.event.replace('/', "_") == event)
    {
        return Ok(f.clone());
    }
    let prefix = format!("{event}.");
    let actions: Vec<&Fixture> = all
        .iter()
        .filter(|f| f.event.starts_with(&prefix))
        .collect();
    if let Some(f) = actions.iter().find(|f| f.primary).or(actions.first()) {
        return Ok((*f).clone());
    }
    let names: Vec<&str> = all.iter().map(|f| f.event.as_str()).collect();
    Err(unknown(provider, "event", event, &names))
}

/// "X has no event Y; did you mean A, B or C? (`hookcli providers X` lists all N)".
pub fn unknown(provider: &str, what: &str, given: &str, names: &[&str]) -> String {
    if names.is_empty() {
        return format!("{provider} has no sample {what}s; pass --data");
    }
    let mut scored: Vec<(f64, &str)> = names
        .iter()
        .map(|n| (strsim::jaro_winkler(given, n), *n))
        .filter(|(score, _)| *score > 0.75)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    let close: Vec<&str> = scored.iter().take(3).map(|(_, n)| *n).collect();
    let hint = match close.as_slice() {
        [] => String::new(),
        [one] => format!("; did you mean {one}?"),
        [init @ .., last] => format!("; did you mean {} or {last}?", init.join(", ")),
    };
    format!(
        "{provider} has no {what} {given:?}{hint} (`hookcli providers {provider}` lists all {})",
        names.len()
    )
}

impl Fixture {
    /// Fills in fresh values for one send.
    pub fn render(&self, ctx: &SignContext) -> Rendered {
        self.render_in(ctx, &mut Session::default())
    }

    /// Fills in fresh values, sharing the session's entities.
    pub fn render_in(&self, ctx: &SignContext, session: &mut Session) -> Rendered {
        let headers = self
            .headers
            .iter()
            .map(|(k, v)| {
                let value = expand_with(v.as_str().unwrap_or_default(), ctx, &mut |token| {
                    session.entity(token.strip_prefix('@')?, ctx)
                });
                (k.clone(), value)
            })
            .collect();
        let mut doc = match (&self.body, &self.form) {
            (Some(b), _) => b.clone(),
            (None, Some(form)) => Value::Object(form.clone()),
            (None, None) => Value::Null,
        };
        for (path, template) in &self.fresh {
            let template = template.as_str().unwrap_or_default();
            let fresh = expand_with(template, ctx, &mut |token| {
                if let Some(name) = token.strip_prefix('@') {
                    return session.entity(name, ctx);
                }
                let p = token.strip_prefix("ref:")?;
                match get_path(&doc, p).or_else(|| form_json_get(&doc, p))? {
                    Value::String(s) => Some(s.clone()),
                    other => Some(other.to_string()),
                }
            });
            let numeric = matches!(
                get_path(&doc, path).or_else(|| form_json_get(&doc, path)),
                Some(Value::Number(_))
            );
            let value = match (numeric, fresh.parse::<i64>()) {
                (true, Ok(n)) => Value::from(n),
                _ => Value::String(fresh),
            };
            if set_path(&mut doc, path, value.clone()).is_err() {
                let _ = form_json_set(&mut doc, path, value);
            }
        }
        let payload = match (doc, self.form.is_some()) {
            (Value::Object(map), true) => Payload::Form(map),
            (doc, _) => Payload::Json(doc),
        };
        Rendered {
            headers,
            content_type: self.content_type.clone(),
            payload,
            style: self.style,
        }
    }
}

/// Form fields that hold JSON (Slack's `payload`) are addressed through
/// their field name: `payload.actions.0.value`.
fn form_json_get<'a>(doc: &'a Value, path: &str) -> Option<&'a Value> {
    let (field, rest) = path.split_once('.')?;
    get_path(doc.get(field)?, rest)
}

fn form_json_set(doc: &mut Value, path: &str, value: Value) -> Result<(), String> {
    let (field, rest) = path.split_once('.').ok_or("no field")?;
    let inner = doc
        .get_mut(field)
        .ok_or_else(|| format!("no form field {field:?}"))?;
    set_path(inner, rest, value)
}

impl Rendered {
    /// Applies `--set` edits to the payload.
    pub fn apply(&mut self, edit: &SetEdit) -> Result<(), String> {
        match &mut self.payload {
            Payload::Json(doc) => set_path(doc, &edit.path, edit.value.clone()),
            Payload::Form(map) => {
                let mut doc = Value::Object(std::mem::take(map));
                let result = match edit.path.split_once('.') {
                    None => set_path(&mut doc, &edit.path, edit.value.clone()),
                    Some(_) => form_json_set(&mut doc, &edit.path, edit.value.clone()),
                };
                if let Value::Object(m) = doc {
                    *map = m;
                }
                result
            }
        }
    }

    /// The body bytes as the provider would send them.
    pub fn encode(&self) -> Vec<u8> {
        match &self.payload {
            Payload::Json(doc) => encode_json(doc, self.style),
            Payload::Form(map) => {
                let mut ser = url::form_urlencoded::Serializer::new(String::new());
                for (k, v) in map {
                    match v {
                        Value::String(s) => ser.append_pair(k, s),
                        Value::Null => ser.append_pair(k, ""),
                        other => ser.append_pair(k, &other.to_string()),
                    };
                }
                ser.finish().into_bytes()
            }
        }
    }
}

pub fn encode_json(doc: &Value, style: Style) -> Vec<u8> {
    match style {
        Style::Compact => serde_json::to_vec(doc),
        Style::Pretty => serde_json::to_vec_pretty(doc),
    }
    .expect("a serde_json::Value always serializes")
}

/// Expands the generators in a template (see the README's Fixtures section).
pub fn expand(template: &str, ctx: &SignContext) -> String {
    expand_with(template, ctx, &mut |_| None)
}

/// Expands a template; tokens that are not generators (`{ref:PATH}`,
/// `{@entity}`) are asked of `lookup`.
fn expand_with(
    template: &str,
    ctx: &SignContext,
    lookup: &mut dyn FnMut(&str) -> Option<String>,
) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        out.push_str(&rest[..start]);
        let token = &rest[start + 1..start + len];
        let value = generate(token, ctx).or_else(|| lookup(token));
        match value {
            Some(v) => out.push_str(&v),
            None => out.push_str(&rest[start..=start + len]),
        }
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    out
}

fn generate(token: &str, ctx: &SignContext) -> Option<String> {
    let (name, arg) = match token.split_once(':') {
        Some((n, a)) => (n, a.parse::<usize>().ok()?),
        None => (token, 0),
    };
    let ts = ctx.timestamp;
    Some(match name {
        "unix" => ts.to_string(),
        "unix_ms" => (ts * 1000 + rand::random_range(0..1000)).to_string(),
        "iso" => rfc3339(ts, false),
        "iso_ms" => rfc3339(ts, true),
        "id" => ctx.id.clone(),
        "uuid" => uuid_v4(),
        "hex" => random_string(Alphabet::Hex, arg),
        "digits" => random_string(Alphabet::Digits, arg),
        "alnum" => random_string(Alphabet::LowerAlnum, arg),
        "ALNUM" => random_string(Alphabet::UpperAlnum, arg),
        "base62" => random_string(Alphabet::Base62, arg),
        _ => return None,
    })
}

fn rfc3339(ts: i64, millis: bool) -> String {
    let t =
        time::OffsetDateTime::from_unix_timestamp(ts).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let base = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    if millis {
        format!("{base}.{:03}Z", rand::random_range(0..1000))
    } else {
        format!("{base}Z")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> SignContext {
        SignContext {
            timestamp: 1_764_000_000,
            id: "msg_1".into(),
        }
    }

    #[test]
    fn every_embedded_fixture_parses_and_renders() {
        let mut count = 0;
        for dir in FIXTURES.dirs() {
            for file in dir.files().filter(|f| is_fixture_file(f.path())) {
                let f = parse(file.path().display().to_string(), file.contents()).unwrap();
                let r = f.render(&ctx());
                assert!(!r.encode().is_empty());
                count += 1;
            }
        }
        assert!(count > 0);
    }

    #[test]
    fn generators_make_provider_shaped_values() {
        let c = ctx();
        assert_eq!(expand("evt_{base62:24}", &c).len(), 28);
        assert_eq!(expand("{unix}", &c), "1764000000");
        assert_eq!(expand("{iso}", &c), "2025-11-24T16:00:00Z");
        assert_eq!(expand("{id}/{nope}", &c), "msg_1/{nope}");
        assert!(
            expand("SM{hex:32}", &c)
                .chars()
                .skip(2)
                .all(|ch| ch.is_ascii_hexdigit())
        );
    }

    #[test]
    fn refs_copy_a_value_rendered_before() {
        let f = parse(
            "t.json".into(),
            br#"{"event":"e","description":"d","content_type":"application/json",
                 "fresh":{"a":"x_{hex:8}","b.c":"{ref:a}/y"},"body":{"a":"","b":{"c":""}}}"#,
        )
        .unwrap();
        let Payload::Json(doc) = f.render(&ctx()).payload else {
            panic!("json")
        };
        assert_eq!(doc["b"]["c"], format!("{}/y", doc["a"].as_str().unwrap()));
    }

    #[test]
    fn fresh_values_differ_between_sends() {
        let f = find("stripe", "payment_intent.succeeded").unwrap();
        assert_ne!(f.render(&ctx()).encode(), f.render(&ctx()).encode());
    }

    #[test]
    fn unknown_event_lists_the_known_ones() {
        let err = find("stripe", "invoice.payed").unwrap_err();
        assert!(err.contains("did you mean invoice.paid"), "{err}");
        assert!(err.contains("hookcli providers stripe"), "{err}");
    }
}
