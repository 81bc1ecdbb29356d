//! The login exchange: a `Login` signature from the source, exchanged for a ticket.

use reqwest::header::USER_AGENT;
use tracing::{field, Instrument};

use crate::client::Client;
use crate::envelope::{self, Payload};
use crate::error::{AuthError, DecodeError, Error, Operation};
use crate::generated::types::LoginData;
use crate::identity::Identity;
use crate::options::RetryPolicy;
use crate::redact::{self, Scrubbed};
use crate::retry::{Budget, Retrier};
use crate::signer::{SignAction, Signature};
use crate::transport;

impl Client {
    /// The login exchange: a signature from the source, `GET <login>?signature=`, with retries.
    /// The login is always safe to retry.
    pub(crate) async fn exchange(
        &self,
        budget: Budget,
        retry: &RetryPolicy,
    ) -> Result<LoginData, Error> {
        const LOGIN: Operation = Operation::Login;
        let span = tracing::debug_span!("cme.login", attempt = field::Empty);
        let login = async {
            #[cfg(feature = "test-util")]
            if let Some(mock) = &self.inner.mock {
                let told = self.inner.identity.current();
                let reply = mock.login(told.platform.as_deref(), told.user_id.as_deref());
                let data = decode_login(envelope::read(LOGIN, &reply, &[])?)?;
                self.learn(&data, Identity::default());
                return Ok(data);
            }
            let source = self
                .inner
                .source
                .as_ref()
                .ok_or_else(|| Error::auth(LOGIN, AuthError::NoSignatureSource))?;
            let signature: Signature = source
                .signature(SignAction::Login)
                .await
                .map_err(|e| Error::signature_source(LOGIN, e))?;
            let secret = signature.expose_secret();
            let url = transport::login_url(&self.inner.login_endpoint, secret);
            let mut retrier = Retrier::new(retry, budget);
            loop {
                let attempt = retrier.sending();
                tracing::Span::current().record("attempt", attempt);
                let request = self
                    .inner
                    .http
                    .get(url.clone())
                    .header(USER_AGENT, self.inner.user_agent.clone());
                let result = budget
                    .attempt(LOGIN, async {
                        let reply = transport::send(request, self.inner.max_reply_size)
                            .await
                            .map_err(|e| Error::transport(LOGIN, e, &[secret]))?;
                        envelope::read(LOGIN, &reply, &[secret])
                    })
                    .await;
                let err = match result {
                    Ok(payload) => {
                        tracing::debug!(attempt, "logged in");
                        let data: LoginData =
                            decode_login(payload).map_err(|e| e.with_attempts(attempt))?;
                        self.learn(&data, Identity::named_in(&signature));
                        return Ok(data);
                    }
                    Err(err) => err.at_login(),
                };
                tracing::debug!(attempt, error = %err, "login attempt failed");
                retrier
                    .after_failure(err)
                    .await
                    .map_err(|e| e.api_as_auth(AuthError::LoginRefused))?;
            }
        };
        let result: Result<LoginData, Error> = login.instrument(span).await;
        result
    }
}

impl Client {
    /// Records who a login says the client is: the reply names the platform (and the old shape
    /// the user); `signed` is what the login signature named.
    fn learn(&self, data: &LoginData, signed: Identity) {
        let said = Identity {
            platform: data.platform.clone().filter(|p| !p.is_empty()),
            user_id: data.user_id.clone().filter(|u| !u.is_empty()),
        };
        self.inner.identity.learn(said.or(signed));
    }
}

/// Reads an HTTP 200 login reply as an attempt of [`Client::exchange`] does after sending
/// `signature` (for the fuzz targets, through `__private`).
pub(crate) fn decode_login_reply(body: bytes::Bytes, signature: &str) -> Result<LoginData, Error> {
    let reply = transport::Reply {
        status: 200,
        retry_after: None,
        body,
        over_limit: None,
    };
    envelope::read(Operation::Login, &reply, &[signature])
        .map_err(Error::at_login)
        .and_then(decode_login)
}

/// Decodes a login reply; an empty ticket is refused.
fn decode_login(payload: Payload) -> Result<LoginData, Error> {
    let operation = Operation::Login;
    let container = payload.container;
    let status = payload.status;
    let data: LoginData = payload.decode(operation).map_err(Error::at_login)?;
    if data.authorization.trim().is_empty() {
        let path = format!("{container}.Authorization");
        let decode = DecodeError::new(
            Some(redact::scrub(&path)),
            Scrubbed::from("the ticket is empty"),
            status,
            None,
        );
        return Err(Error::decode(operation, decode).at_login());
    }
    Ok(data)
}
