//! What the relay has done, counted, and shown as Prometheus text at
//! `GET /metrics` (exposition format 0.0.4, written by hand: it is a few
//! lines of text and needs no crate).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The exposition format's content type.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Channel names come from the internet: past this many distinct ones,
/// further channels are counted under `_other` so the page stays bounded.
const MAX_CHANNELS: usize = 1000;
const OTHER: &str = "_other";

/// Upper bounds of the forward latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// How a public delivery ended, for the `outcome` label: `answered` (by
/// the client, whatever the app's status), `buffered` (202, kept for later),
/// or the relay's own status (502, 503, 504, 413, ...).
pub fn outcome(status: u16, answered: bool) -> String {
    match (answered, status) {
        (true, _) => "answered".into(),
        (false, 202) => "buffered".into(),
        (false, s) => s.to_string(),
    }
}

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Default)]
pub struct Metrics {
    deliveries: Mutex<BTreeMap<(String, String), u64>>,
    channels: Mutex<BTreeSet<String>>,
    latency: Mutex<Histogram>,
    forbidden: AtomicU64,
    refused_clients: Mutex<BTreeMap<&'static str, u64>>,
    revoked_detached: AtomicU64,
}

/// What is read at scrape time rather than counted.
pub struct Gauges {
    pub attached: usize,
    /// Deliveries waiting in the buffer, per channel (none without --buffer).
    pub buffered: Vec<(String, u64)>,
    /// With --database-url: a `SELECT 1` round trip in seconds, or `None`
    /// when the database did not answer.
    pub database: Option<Option<f64>>,
}

impl Metrics {
    pub fn delivery(&self, channel: &str, outcome: String) {
        let label = {
            let mut seen = held(&self.channels);
            if seen.contains(channel) || seen.len() < MAX_CHANNELS {
                seen.insert(channel.to_string());
                channel
            } else {
                OTHER
            }
        };
        *held(&self.deliveries)
            .entry((label.to_string(), outcome))
            .or_default() += 1;
    }

    /// From handing a delivery to a client to its answer.
    pub fn forwarded(&self, took: Duration) {
        let secs = took.as_secs_f64();
        let mut h = held(&self.latency);
        for (i, le) in BUCKETS.iter().enumerate() {
            if secs <= *le {
                h.counts[i] += 1;
            }
        }
        h.count += 1;
        h.sum += secs;
    }

    /// A sender outside `--allow-from`.
    pub fn forbidden(&self) {
        self.forbidden.fetch_add(1, Ordering::Relaxed);
    }

    /// A client that could not attach: `token`, `revoked` or `scope`.
    pub fn refused_client(&self, reason: &'static str) {
        *held(&self.refused_clients).entry(reason).or_default() += 1;
    }

    /// An attached client cut off because its token was revoked.
    pub fn revoked_detached(&self) {
        self.revoked_detached.fetch_add(1, Ordering::Relaxed);
    }

    pub fn render(&self, gauges: &Gauges) -> String {
        let mut out = String::new();
        head(
            &mut out,
            "hookcli_relay_deliveries_total",
            "counter",
            "Public deliveries by channel and outcome (answered, buffered, or the relay's own status).",
        );
        for ((channel, outcome), n) in held(&self.deliveries).iter() {
            let _ = writeln!(
                out,
                "hookcli_relay_deliveries_total{{channel=\"{}\",outcome=\"{}\"}} {n}",
                escape(channel),
                escape(outcome)
            );
        }
        head(
            &mut out,
            "hookcli_relay_forward_seconds",
            "histogram",
            "From handing a delivery to its client to the client's answer.",
        );
        {
            let h = held(&self.latency);
            for (le, n) in BUCKETS.iter().zip(h.counts) {
                let _ = writeln!(
                    out,
                    "hookcli_relay_forward_seconds_bucket{{le=\"{le}\"}} {n}"
                );
            }
            let _ = writeln!(
                out,
                "hookcli_relay_forward_seconds_bucket{{le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(out, "hookcli_relay_forward_seconds_sum {}", h.sum);
            let _ = writeln!(out, "hookcli_relay_forward_seconds_count {}", h.count);
        }
        head(
            &mut out,
            "hookcli_relay_attached_clients",
            "gauge",
            "Channels with a client attached.",
        );
        let _ = writeln!(out, "hookcli_relay_attached_clients {}", gauges.attached);
        head(
            &mut out,
            "hookcli_relay_buffered_deliveries",
            "gauge",
            "Deliveries waiting in the buffer for their channel's client.",
        );
        for (channel, n) in &gauges.buffered {
            let _ = writeln!(
                out,
                "hookcli_relay_buffered_deliveries{{channel=\"{}\"}} {n}",
                escape(channel)
            );
        }
        if let Some(rtt) = gauges.database {
            head(
                &mut out,
                "hookcli_relay_database_up",
                "gauge",
                "Whether the database answered this scrape's round trip.",
            );
            let _ = writeln!(out, "hookcli_relay_database_up {}", u8::from(rtt.is_some()));
            if let Some(rtt) = rtt {
                head(
                    &mut out,
                    "hookcli_relay_database_rtt_seconds",
                    "gauge",
                    "One round trip to the database (SELECT 1), measured at scrape.",
                );
                let _ = writeln!(out, "hookcli_relay_database_rtt_seconds {rtt}");
            }
        }
        head(
            &mut out,
            "hookcli_relay_forbidden_total",
            "counter",
            "Public requests refused with 403: the sender is outside --allow-from.",
        );
        let _ = writeln!(
            out,
            "hookcli_relay_forbidden_total {}",
            self.forbidden.load(Ordering::Relaxed)
        );
        head(
            &mut out,
            "hookcli_relay_client_refusals_total",
            "counter",
            "Clients refused at attach, by reason (token, revoked, scope).",
        );
        for (reason, n) in held(&self.refused_clients).iter() {
            let _ = writeln!(
                out,
                "hookcli_relay_client_refusals_total{{reason=\"{reason}\"}} {n}"
            );
        }
        head(
            &mut out,
            "hookcli_relay_revoked_detaches_total",
            "counter",
            "Attached clients cut off because their token was revoked.",
        );
        let _ = writeln!(
            out,
            "hookcli_relay_revoked_detaches_total {}",
            self.revoked_detached.load(Ordering::Relaxed)
        );
        out
    }
}

/// The lock, even if a panic elsewhere poisoned it: counts stay usable.
fn held<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn head(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

/// A label value: backslash, quote and newline escaped.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_show_up_as_samples() {
        let m = Metrics::default();
        m.delivery("dev", outcome(201, true));
        m.delivery("dev", outcome(502, true));
        m.delivery("dev", outcome(202, false));
        m.delivery("x", outcome(503, false));
        m.forwarded(Duration::from_millis(3));
        m.forwarded(Duration::from_secs(20));
        m.forbidden();
        let text = m.render(&Gauges {
            attached: 1,
            buffered: vec![("x".into(), 4)],
            database: Some(Some(0.0015)),
        });
        for line in [
            "hookcli_relay_deliveries_total{channel=\"dev\",outcome=\"answered\"} 2",
            "hookcli_relay_deliveries_total{channel=\"dev\",outcome=\"buffered\"} 1",
            "hookcli_relay_deliveries_total{channel=\"x\",outcome=\"503\"} 1",
            "hookcli_relay_forward_seconds_bucket{le=\"0.0025\"} 0",
            "hookcli_relay_forward_seconds_bucket{le=\"0.005\"} 1",
            "hookcli_relay_forward_seconds_bucket{le=\"10\"} 1",
            "hookcli_relay_forward_seconds_bucket{le=\"+Inf\"} 2",
            "hookcli_relay_forward_seconds_count 2",
            "hookcli_relay_attached_clients 1",
            "hookcli_relay_buffered_deliveries{channel=\"x\"} 4",
            "hookcli_relay_database_up 1",
            "hookcli_relay_database_rtt_seconds 0.0015",
            "hookcli_relay_forbidden_total 1",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} missing in\n{text}");
        }
    }

    #[test]
    fn channels_past_the_cap_are_counted_together() {
        let m = Metrics::default();
        for i in 0..MAX_CHANNELS + 5 {
            m.delivery(&format!("c{i}"), outcome(503, false));
        }
        let text = m.render(&Gauges {
            attached: 0,
            buffered: Vec::new(),
            database: None,
        });
        assert!(
            text.contains("channel=\"_other\",outcome=\"503\"} 5"),
            "{text}"
        );
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
