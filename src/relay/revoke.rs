//! Cuts off clients whose token was revoked: the token store is read
//! every [`RECHECK`], and a client whose token is no longer live is told
//! so and detached.

use std::sync::Arc;

use super::access::{Granted, RECHECK};
use super::server::State;

pub(super) async fn watch(state: Arc<State>) {
    let mut tick = tokio::time::interval(RECHECK);
    let mut failing = false;
    loop {
        tick.tick().await;
        let live = match state.config.access.live().await {
            None => return,
            Some(Ok(live)) => live,
            // A store that cannot be read cuts nobody off; said once.
            Some(Err(e)) => {
                if !failing {
                    state.log.note(&format!("cannot read the token store: {e}"));
                }
                failing = true;
                continue;
            }
        };
        failing = false;
        let channels = state.channels.lock().unwrap_or_else(|p| p.into_inner());
        for (channel, a) in channels.iter() {
            if let Granted::Token(id) = a.granted
                && !live.contains(&id)
            {
                state.log.note(&format!(
                    "channel {channel}: token {id} was revoked, detaching its client"
                ));
                state.metrics.revoked_detached();
                a.kick.notify_one();
            }
        }
    }
}
