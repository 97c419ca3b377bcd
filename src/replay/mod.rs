//! The one replay engine: every replay hookcli makes (`hookcli replay`,
//! `send --from`, the inspector's button) is assembled here, in four steps:
//!
//! 1. resolve: the scheme and secret that re-sign a delivery ([`keys`]);
//! 2. prepare: exact, re-signed, new id, edited ([`prepare`]);
//! 3. deliver: through the one outbound client ([`crate::client`]);
//! 4. record: the attempt, through the store's writer.
//!
//! [`bulk`] runs a whole selection with bounded concurrency and rate. The
//! engine never prints: it returns values and reports [`Event`]s, and the
//! commands render them.

mod bulk;
mod keys;
mod lines;
mod prepare;
mod read_ahead;

use std::time::{Duration, Instant};

use crate::client::Client;
use crate::store::{Attempt, Delivery, StoreError, Writer, now_ms};

pub use bulk::{Event, Loaded, Pace, Selection, Summary, resolve};
pub use keys::{SecretSource, Signing};
pub use lines::{DryRunLine, SummaryLine};
pub use prepare::{Edits, Plan, Prepared, ReplayError, attempt, prepare, renew_id};

/// What a replay needs besides the delivery: where and how it goes, how
/// it is signed, and the client that sends it.
#[derive(Clone, Copy)]
pub struct Replayer<'a> {
    pub edits: &'a Edits,
    pub signing: Signing<'a>,
    pub client: &'a Client,
    /// How long each replay waits for its answer.
    pub timeout: Duration,
}

impl Replayer<'_> {
    /// Resolves the key and builds the request for one delivery.
    /// `forwarded_to`: its newest forward target, used without `to`.
    pub fn prepare(
        &self,
        d: &Delivery,
        forwarded_to: Option<&str>,
    ) -> Result<Prepared, ReplayError> {
        let mut holder = None;
        let resign = self.signing.key(d.provider.as_deref(), &mut holder)?;
        let plan = Plan {
            edits: self.edits,
            resign,
            now: crate::provider::now(),
        };
        prepare(d, forwarded_to, &plan)
    }

    /// Sends a prepared replay: the attempt it adds to its delivery, with
    /// the answer or the reason there was none.
    pub async fn deliver(&self, p: &Prepared) -> Attempt {
        let started_at = now_ms();
        let start = Instant::now();
        let result = match &p.target {
            Some(url) => self.client.deliver_to(&p.request, url, self.timeout).await,
            None => self.client.deliver(&p.request, self.timeout).await,
        };
        let mut a = attempt(p, started_at, result);
        a.duration_ms = start.elapsed().as_secs_f64() * 1000.0;
        a
    }

    /// One delivery replayed and its attempt recorded (committed) before
    /// this returns.
    pub async fn replay(
        &self,
        d: &Delivery,
        forwarded_to: Option<&str>,
        writer: &Writer,
    ) -> Result<(Prepared, Attempt), Failed> {
        let prepared = self.prepare(d, forwarded_to).map_err(Failed::Refused)?;
        let attempt = self.deliver(&prepared).await;
        writer
            .attempt(attempt.clone())
            .await
            .map_err(Failed::NotRecorded)?;
        Ok((prepared, attempt))
    }
}

/// Why [`Replayer::replay`] has no attempt to show.
#[derive(Debug, thiserror::Error)]
pub enum Failed {
    #[error(transparent)]
    Refused(ReplayError),
    #[error("the replay was sent but not recorded: {0}")]
    NotRecorded(StoreError),
}
