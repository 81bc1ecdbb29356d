//! Tickets and where the signatures to get them come from.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};

use crate::error::BoxError;
use crate::signer::Signature;

/// The long-term ticket (`Authorization`) a login returns; sent as `?auth=`. Its `Debug` never
/// shows it.
#[derive(Clone)]
pub struct Ticket(SecretString);

impl Ticket {
    /// Wraps a ticket obtained elsewhere.
    pub fn new(ticket: impl Into<String>) -> Self {
        Self(SecretString::from(ticket.into()))
    }

    /// The ticket text.
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

impl From<String> for Ticket {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

impl fmt::Debug for Ticket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Ticket(<redacted>)")
    }
}

type SignatureFuture = Pin<Box<dyn Future<Output = Result<Signature, BoxError>> + Send>>;
type SignatureFn = dyn Fn() -> SignatureFuture + Send + Sync;

/// Where the client gets a `Login` signature when it needs a ticket.
#[derive(Clone)]
pub struct SignatureSource(Source);

#[derive(Clone)]
enum Source {
    Fixed(Signature),
    Callback(Arc<SignatureFn>),
}

impl SignatureSource {
    /// Always the same signature. It expires (usually after minutes), so a later re-login fails:
    /// suits short-lived clients; long-lived ones should use [`from_fn`](Self::from_fn).
    pub fn fixed(signature: Signature) -> Self {
        Self(Source::Fixed(signature))
    }

    /// Asks `f` for a fresh signature each time a login is needed, typically by calling the
    /// app's backend. An error from `f` fails the call with an auth error.
    ///
    /// ```
    /// # use cme_sdk::{BoxError, Signature, SignatureSource};
    /// let source = SignatureSource::from_fn(|| async {
    ///     // e.g. fetch it from your backend over HTTPS
    ///     Ok::<Signature, BoxError>(Signature::from("...".to_owned()))
    /// });
    /// ```
    pub fn from_fn<F, Fut, E>(f: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Signature, E>> + Send + 'static,
        E: Into<BoxError> + 'static,
    {
        let f = move || -> SignatureFuture {
            let fut = f();
            Box::pin(async move { fut.await.map_err(Into::into) })
        };
        Self(Source::Callback(Arc::new(f)))
    }

    /// A signature, from the fixed value or the callback.
    pub(crate) async fn signature(&self) -> Result<Signature, BoxError> {
        match &self.0 {
            Source::Fixed(signature) => Ok(signature.clone()),
            Source::Callback(f) => f().await,
        }
    }
}

impl fmt::Debug for SignatureSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Source::Fixed(_) => f.write_str("SignatureSource::Fixed(<redacted>)"),
            Source::Callback(_) => f.write_str("SignatureSource::Callback"),
        }
    }
}
