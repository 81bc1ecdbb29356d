//! Tickets and where the signatures to get them come from.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};

use crate::error::BoxError;
use crate::identity::Identity;
use crate::signer::{SignAction, SignParams, Signature, Signer};

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
type SignatureFn = dyn Fn(SignAction) -> SignatureFuture + Send + Sync;

/// Where the client gets signatures: a `Login` one when it needs a ticket, and an `Upload` one
/// for the `VerifySign` of a call that needs it (`CreateUploadMaterial`, `ProcessMaterial`)
/// when the caller does not set it.
#[derive(Clone)]
pub struct SignatureSource(Source);

#[derive(Clone)]
enum Source {
    Fixed(Signature),
    Callback(Arc<SignatureFn>),
    Signer {
        signer: Signer,
        platform: String,
        user_id: String,
    },
}

impl SignatureSource {
    /// Always the same `Login` signature. It expires (usually after minutes), so a later
    /// re-login fails, and it cannot answer for other actions: suits short-lived clients;
    /// long-lived ones should use [`from_fn`](Self::from_fn).
    pub fn fixed(signature: Signature) -> Self {
        Self(Source::Fixed(signature))
    }

    /// Asks `f` for a fresh signature for the given action each time one is needed, typically
    /// by calling the app's backend. An error from `f` fails the call with an auth error.
    ///
    /// ```
    /// # use cme_sdk::{BoxError, SignAction, Signature, SignatureSource};
    /// let source = SignatureSource::from_fn(|action: SignAction| async move {
    ///     // e.g. fetch it from your backend over HTTPS: GET /cme-signature?action=Login
    ///     Ok::<Signature, BoxError>(Signature::from(format!("...{action}...")))
    /// });
    /// ```
    pub fn from_fn<F, Fut, E>(f: F) -> Self
    where
        F: Fn(SignAction) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Signature, E>> + Send + 'static,
        E: Into<BoxError> + 'static,
    {
        let f = move |action| -> SignatureFuture {
            let fut = f(action);
            Box::pin(async move { fut.await.map_err(Into::into) })
        };
        Self(Source::Callback(Arc::new(f)))
    }

    /// Signs locally with `signer` for `user_id` on `platform`, each signature valid for
    /// [`Validity::DEFAULT`](crate::Validity::DEFAULT): for programs that hold the API key
    /// themselves (tools, servers, tests). A client with this source knows its platform and
    /// user without being told.
    pub fn signer(signer: Signer, platform: impl Into<String>, user_id: impl Into<String>) -> Self {
        Self(Source::Signer {
            signer,
            platform: platform.into(),
            user_id: user_id.into(),
        })
    }

    /// A signature for `action`, from the fixed value, the callback or the signer.
    pub(crate) async fn signature(&self, action: SignAction) -> Result<Signature, BoxError> {
        match &self.0 {
            Source::Fixed(signature) if action == SignAction::Login => Ok(signature.clone()),
            Source::Fixed(_) => Err(format!(
                "a fixed signature source holds a Login signature only, not an {action} one; \
                 set it on the call, or use SignatureSource::from_fn or ::signer"
            )
            .into()),
            Source::Callback(f) => f(action).await,
            Source::Signer {
                signer,
                platform,
                user_id,
            } => Ok(signer.sign(&SignParams::new(
                platform.as_str(),
                user_id.as_str(),
                action,
            ))),
        }
    }

    /// The platform and user this source signs for, when it can tell before any login: a
    /// signer's, or those named in a fixed signature.
    pub(crate) fn identity(&self) -> Identity {
        match &self.0 {
            Source::Fixed(signature) => Identity::named_in(signature),
            Source::Callback(_) => Identity::default(),
            Source::Signer {
                platform, user_id, ..
            } => Identity {
                platform: Some(platform.clone()),
                user_id: Some(user_id.clone()),
            },
        }
    }
}

impl fmt::Debug for SignatureSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Source::Fixed(_) => f.write_str("SignatureSource::Fixed(<redacted>)"),
            Source::Callback(_) => f.write_str("SignatureSource::Callback"),
            Source::Signer {
                signer,
                platform,
                user_id,
            } => f
                .debug_struct("SignatureSource::Signer")
                .field("secret_id", &signer.secret_id())
                .field("platform", platform)
                .field("user_id", user_id)
                .finish(),
        }
    }
}
