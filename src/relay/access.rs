//! Which clients may attach where: the one `--token-env` token (any
//! channel), and the per-developer tokens of `--tokens FILE` (their own
//! channels only), re-read every few seconds so a revoked one is cut off.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use super::tokens::{Refusal, TokenError, TokenStore, authorize};
use crate::provider::crypto::ct_eq;
use crate::secret::Secret;

/// How often attached clients' tokens are checked again: a revoked
/// token's client is gone within this (plus its close).
pub const RECHECK: Duration = Duration::from_secs(2);

pub struct Access {
    pub shared: Option<Secret>,
    pub store: Option<Arc<dyn TokenStore>>,
}

/// Who attached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Granted {
    /// The shared `--token-env` token.
    Shared,
    /// A per-developer token, by id.
    Token(i64),
}

/// Why a client may not attach: the status and the words it is told.
pub struct Denied {
    pub status: u16,
    pub why: String,
    /// For the refusal counter: `token`, `revoked`, `scope` or `store`.
    pub reason: &'static str,
    /// For the relay's log only (a store fault's path and words).
    pub detail: Option<String>,
}

impl Access {
    pub async fn check(&self, presented: &str, channel: &str) -> Result<Granted, Denied> {
        if let Some(shared) = &self.shared
            && ct_eq(presented.as_bytes(), shared.as_bytes())
        {
            return Ok(Granted::Shared);
        }
        let wrong = || Denied {
            status: 401,
            why: "wrong or missing token".into(),
            reason: "token",
            detail: None,
        };
        let Some(store) = self.store.clone() else {
            return Err(wrong());
        };
        let records = read(store).await.map_err(|e| Denied {
            status: 503,
            why: "the relay cannot check tokens just now; retry later".into(),
            reason: "store",
            detail: Some(format!("cannot read the token store: {e}")),
        })?;
        authorize(&records, presented, channel)
            .map(Granted::Token)
            .map_err(|r| match r {
                Refusal::Unknown => wrong(),
                Refusal::Revoked(id) => Denied {
                    status: 401,
                    why: format!("token {id} was revoked"),
                    reason: "revoked",
                    detail: None,
                },
                Refusal::OutOfScope(id, pattern) => Denied {
                    status: 403,
                    why: format!(
                        "token {id} may attach only to channels matching '{pattern}', not '{channel}'"
                    ),
                    reason: "scope",
                    detail: None,
                },
            })
    }

    /// The ids of the tokens not revoked; `None` without a token store.
    pub async fn live(&self) -> Option<Result<HashSet<i64>, TokenError>> {
        let store = self.store.clone()?;
        Some(read(store).await.map(|records| {
            records
                .into_iter()
                .filter(|r| r.revoked_ms.is_none())
                .map(|r| r.id)
                .collect()
        }))
    }
}

async fn read(store: Arc<dyn TokenStore>) -> Result<Vec<super::tokens::TokenRecord>, TokenError> {
    tokio::task::spawn_blocking(move || store.all())
        .await
        .unwrap_or_else(|e| Err(TokenError::Failed(e.to_string())))
}
