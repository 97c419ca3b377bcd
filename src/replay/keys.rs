//! The resolve step: which scheme and secret re-sign a delivery. The
//! scheme named for the run, else the one the delivery was recorded with;
//! its secret from wherever the caller keeps secrets.

use crate::provider::{self, KeyRole, Provider};
use crate::secret::Secret;

use super::ReplayError;

/// Where re-signing finds a scheme's secret: a command's flags and
/// variables, or the one secret the inspector was started with.
pub trait SecretSource: Send + Sync {
    /// The secret for `provider`, or why there is none, in the words of
    /// whoever was to give it.
    fn secret_for(&self, provider: &dyn Provider) -> Result<&Secret, String>;
}

/// One secret for every scheme.
impl SecretSource for Secret {
    fn secret_for(&self, _: &dyn Provider) -> Result<&Secret, String> {
        Ok(self)
    }
}

/// How the replays of a run are signed.
#[derive(Clone, Copy)]
pub enum Signing<'a> {
    /// As recorded.
    Exact,
    /// Again, over the bytes sent, with a fresh timestamp.
    Resign {
        /// None: each delivery's recorded scheme.
        scheme: Option<&'a dyn Provider>,
        secrets: &'a dyn SecretSource,
    },
}

/// A delivery's recorded scheme, looked up when the run names none.
pub(super) type Recorded = Option<Box<dyn Provider>>;

impl<'a> Signing<'a> {
    /// The scheme and secret for a delivery recorded under `recorded`, or
    /// none for an exact replay. `holder` keeps a looked-up scheme alive.
    pub(super) fn key<'h>(
        &self,
        recorded: Option<&str>,
        holder: &'h mut Recorded,
    ) -> Result<Option<(&'h dyn Provider, &'a Secret)>, ReplayError>
    where
        'a: 'h,
    {
        let Signing::Resign { scheme, secrets } = *self else {
            return Ok(None);
        };
        let scheme: &'h dyn Provider = match scheme {
            Some(p) => p,
            None => {
                *holder = recorded.and_then(provider::by_name);
                holder.as_deref().ok_or(ReplayError::UnknownProvider)?
            }
        };
        let secret = secrets.secret_for(scheme).map_err(ReplayError::NoSecret)?;
        scheme
            .check_key(secret, KeyRole::Sign)
            .map_err(|failure| ReplayError::WrongKey {
                provider: scheme.name().to_string(),
                failure,
            })?;
        Ok(Some((scheme, secret)))
    }
}
