//! The login exchange: a `Login` signature from the source, exchanged for a ticket.

use reqwest::header::USER_AGENT;
use tracing::{field, Instrument};

use crate::client::Client;
use crate::envelope::{self, Payload};
use crate::error::{AuthError, DecodeError, Error, Operation};
use crate::generated::types::LoginData;
use crate::options::RetryPolicy;
use crate::redact::{self, Scrubbed};
use crate::retry::{Budget, Retrier};
use crate::signer::Signature;
use crate::transport;

impl Client {
    /// The login exchange: a signature from the source, `GET <login>?signature=`, with retries.
    /// The login is always safe to retry; its errors are reported for `reported_as`.
    pub(crate) async fn exchange(
        &self,
        reported_as: Operation,
        budget: Budget,
        retry: &RetryPolicy,
    ) -> Result<LoginData, Error> {
        const LOGIN: Operation = Operation::Login;
        let span = tracing::debug_span!("cme.login", attempt = field::Empty);
        let login = async {
            let source = self
                .inner
                .source
                .as_ref()
                .ok_or_else(|| Error::auth(LOGIN, AuthError::NoSignatureSource))?;
            let signature: Signature = source
                .signature()
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
                        return decode_login(payload).map_err(|e| e.with_attempts(attempt));
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
        login
            .instrument(span)
            .await
            .map_err(|e| e.for_operation(reported_as))
    }
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
