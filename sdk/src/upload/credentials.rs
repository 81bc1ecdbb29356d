//! The temporary COS credentials of an upload session, kept fresh: applied for again with the
//! session key (`ApplyUploadUGC` with `vodSessionKey`) at 90 % of their lifetime, or when COS
//! says they expired, once for all the parts that need them.
//!
//! The server's clock comes with them (`timestamp`): COS signatures are dated by it, so a
//! client whose clock is off still signs requests COS accepts.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use secrecy::{ExposeSecret as _, SecretString};
use tokio::time::Instant;

use super::error::{UploadError, UploadStep};
use super::vod::{Applied, ApplyRequest, Vod};
use super::{unix_now, Stats};
use crate::error::Error;

/// How long before the server's "now" a signature starts being valid, against small skews.
const SIGN_BEFORE: i64 = 60;
/// How long a signature stays valid.
const SIGN_FOR: i64 = 3600;

/// One set of temporary credentials.
pub(crate) struct Credentials {
    pub(crate) secret_id: String,
    pub(crate) secret_key: SecretString,
    pub(crate) token: SecretString,
    /// The server's clock minus this machine's, in seconds, when they were issued.
    offset: i64,
    /// When to get new ones (at 90 % of their lifetime); `None` when their lifetime is unknown.
    refresh_at: Option<Instant>,
    /// Counts the sets of one upload, from 0.
    pub(crate) generation: u64,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("secret_id", &self.secret_id)
            .field("generation", &self.generation)
            .finish_non_exhaustive()
    }
}

impl Credentials {
    fn new(applied: &Applied, generation: u64) -> Self {
        let lifetime = applied.expired_time.saturating_sub(applied.timestamp);
        let refresh_at = u64::try_from(lifetime)
            .ok()
            .filter(|secs| *secs > 0)
            .map(|secs| Instant::now() + Duration::from_secs(secs).mul_f64(0.9));
        Self {
            secret_id: applied.secret_id.clone(),
            secret_key: applied.secret_key.clone(),
            token: applied.token.clone(),
            offset: applied.timestamp.saturating_sub(unix_now()),
            refresh_at,
            generation,
        }
    }

    /// The validity of a signature made now: from a minute before the server's "now" for an
    /// hour, in the server's clock.
    pub(crate) fn key_time(&self) -> (u64, u64) {
        let now = unix_now().saturating_add(self.offset);
        let start = u64::try_from(now.saturating_sub(SIGN_BEFORE)).unwrap_or(0);
        let end = u64::try_from(now.saturating_add(SIGN_FOR)).unwrap_or(0);
        (start, end)
    }

    /// The secrets a reply or an error must never show.
    pub(crate) fn secrets(&self) -> [&str; 2] {
        [self.secret_key.expose_secret(), self.token.expose_secret()]
    }
}

/// The credentials of one upload session, and how to renew them.
pub(crate) struct Keys {
    current: Mutex<Arc<Credentials>>,
    /// Held by the one task renewing the credentials.
    renewing: tokio::sync::Mutex<()>,
    vod: Arc<Vod>,
    request: ApplyRequest,
    session_key: String,
    storage_path: String,
    stats: Arc<Stats>,
}

impl fmt::Debug for Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keys")
            .field("current", &self.snapshot())
            .finish_non_exhaustive()
    }
}

impl Keys {
    /// The credentials of the session `applied` opened, renewed through `vod` with `request`.
    pub(crate) fn new(
        applied: &Applied,
        vod: Arc<Vod>,
        request: ApplyRequest,
        stats: Arc<Stats>,
    ) -> Self {
        Self {
            current: Mutex::new(Arc::new(Credentials::new(applied, 0))),
            renewing: tokio::sync::Mutex::new(()),
            vod,
            request,
            session_key: applied.session_key.clone(),
            storage_path: applied.storage_path.clone(),
            stats,
        }
    }

    fn snapshot(&self) -> Arc<Credentials> {
        self.current
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Credentials to sign with now: the current ones, or new ones once 90 % of their
    /// lifetime has passed.
    pub(crate) async fn current(&self) -> Result<Arc<Credentials>, Error> {
        let current = self.snapshot();
        match current.refresh_at {
            Some(at) if Instant::now() >= at => self.renew(current.generation).await,
            _ => Ok(current),
        }
    }

    /// New credentials, unless the set of generation `stale` was renewed already (by another
    /// part): then those.
    pub(crate) async fn renew(&self, stale: u64) -> Result<Arc<Credentials>, Error> {
        let _renewing = self.renewing.lock().await;
        let current = self.snapshot();
        if current.generation != stale {
            return Ok(current);
        }
        let applied = self
            .vod
            .apply(&self.request, Some(&self.session_key))
            .await?;
        if applied.storage_path != self.storage_path {
            let why = "VOD answered a renewal of the session's credentials with another \
                       storage path"
                .to_owned();
            return Err(Error::upload(
                UploadStep::Apply,
                UploadError::Protocol(why),
                false,
            ));
        }
        let fresh = Arc::new(Credentials::new(&applied, stale + 1));
        *self.current.lock().unwrap_or_else(PoisonError::into_inner) = fresh.clone();
        self.stats.renewed();
        tracing::debug!(generation = fresh.generation, "renewed the COS credentials");
        Ok(fresh)
    }
}
