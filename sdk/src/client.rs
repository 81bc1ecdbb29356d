//! The client and the one non-generic call path that every action goes through.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{HeaderValue, CONTENT_TYPE, USER_AGENT};
use reqwest::Url;
use tracing::{field, Instrument};

use crate::action::{Action, ActionMeta, Supplied, Wants};
use crate::auth::{SignatureSource, Ticket};
use crate::builder::ClientBuilder;
use crate::envelope::{self, Payload};
use crate::error::{AuthError, Error, Operation};
use crate::generated::types::LoginData;
use crate::identity::Known;
use crate::options::{CallOptions, RetryPolicy};
use crate::raw::RawRequest;
use crate::redact;
use crate::retry::{Budget, Retrier};
use crate::signer::SignAction;
use crate::ticket_cache::TicketCache;
use crate::transport;
use crate::validate::Validator;

/// The `User-Agent` the client sends unless told otherwise.
pub const DEFAULT_USER_AGENT: &str = concat!("cme-sdk-rust/", env!("CARGO_PKG_VERSION"));

/// A client of the CME client API. Cheap to clone (clones share the connection pool and the
/// ticket) and usable from many tasks at once.
///
/// Built with [`Client::builder`]. It logs in lazily on the first call, caches the ticket, and
/// when the service says the ticket is invalid, logs in again once for all concurrent callers
/// and replays the call. The login runs on its own, within the client's time limits: a caller
/// that times out or is dropped does not cancel or restart it, and its outcome (ticket, error or
/// timeout) is handed to every caller waiting for it. After a failed login the client waits
/// (see [`RetryPolicy`]) before asking the signature source again.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

/// What clones of a [`Client`] share.
pub(crate) struct Inner {
    pub(crate) http: reqwest::Client,
    pub(crate) login_endpoint: Url,
    pub(crate) api_endpoint: Url,
    pub(crate) user_agent: HeaderValue,
    pub(crate) defaults: Defaults,
    pub(crate) validate: bool,
    /// The largest reply body read, in bytes.
    pub(crate) max_reply_size: usize,
    pub(crate) source: Option<SignatureSource>,
    pub(crate) tickets: TicketCache,
    pub(crate) identity: Known,
    /// Where uploads go.
    #[cfg(feature = "upload")]
    pub(crate) upload: crate::upload::Endpoints,
    /// Answers the requests instead of the network (`test-util`).
    #[cfg(feature = "test-util")]
    pub(crate) mock: Option<crate::mock::Mock>,
}

/// The client-wide limits that [`CallOptions`] override.
#[derive(Debug, Clone)]
pub(crate) struct Defaults {
    pub(crate) timeout: Duration,
    pub(crate) attempt_timeout: Duration,
    pub(crate) retry: RetryPolicy,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        f.debug_struct("Client")
            .field(
                "login_endpoint",
                &redact::scrub(inner.login_endpoint.as_str()),
            )
            .field("api_endpoint", &redact::scrub(inner.api_endpoint.as_str()))
            .field("signature_source", &inner.source)
            .field("identity", &inner.identity.current())
            .field("has_ticket", &inner.tickets.current().is_some())
            .field("defaults", &inner.defaults)
            .field("validate_requests", &inner.validate)
            .field("max_reply_size", &inner.max_reply_size)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A builder with the defaults: the service's endpoints, connect timeout 5 s, attempt
    /// timeout 30 s, whole-call timeout 90 s, [`RetryPolicy::default`], request validation on.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// Logs in now (with a fresh signature from the source) and caches the new ticket, or joins
    /// the login in progress. Calls log in by themselves when needed; this is for checking
    /// credentials early. It does not wait out the backoff after a failed login.
    pub async fn login(&self) -> Result<LoginData, Error> {
        let defaults = &self.inner.defaults;
        self.inner
            .tickets
            .refresh(&defaults.retry, || self.login_flight())
            .await
    }

    /// The login the ticket cache runs as a task of its own when a ticket is needed, bounded by
    /// the client's default time limits and retry policy (never by the call that needed it).
    fn login_flight(&self) -> impl Future<Output = Result<LoginData, Error>> + Send + 'static {
        let client = self.clone();
        async move {
            let defaults = &client.inner.defaults;
            let budget = Budget::new(defaults.timeout, defaults.attempt_timeout);
            budget
                .within(Operation::Login, client.exchange(budget, &defaults.retry))
                .await
                .map_err(Error::at_login)
        }
    }

    /// The cached ticket, if the client has one (for example to hand it to a Web page).
    pub fn current_ticket(&self) -> Option<Ticket> {
        self.inner.tickets.current()
    }

    /// The endpoint of the login exchange.
    pub fn login_endpoint(&self) -> &str {
        self.inner.login_endpoint.as_str()
    }

    /// The endpoint of the client API.
    pub fn api_endpoint(&self) -> &str {
        self.inner.api_endpoint.as_str()
    }

    /// The main VOD upload host ([`ClientBuilder::vod_endpoint`]).
    #[cfg(feature = "upload")]
    #[cfg_attr(docsrs, doc(cfg(feature = "upload")))]
    pub fn vod_endpoint(&self) -> &str {
        self.inner.upload.vod.main.as_str()
    }

    /// The backup VOD upload host, if any ([`ClientBuilder::vod_backup_endpoint`]).
    #[cfg(feature = "upload")]
    #[cfg_attr(docsrs, doc(cfg(feature = "upload")))]
    pub fn vod_backup_endpoint(&self) -> Option<&str> {
        self.inner.upload.vod.backup.as_ref().map(Url::as_str)
    }

    /// The host every COS request goes to, if one is set ([`ClientBuilder::cos_endpoint`]);
    /// `None` for each bucket's own host.
    #[cfg(feature = "upload")]
    #[cfg_attr(docsrs, doc(cfg(feature = "upload")))]
    pub fn cos_endpoint(&self) -> Option<&str> {
        self.inner.upload.cos.as_ref().map(Url::as_str)
    }

    /// The platform the client acts on: the one set with [`ClientBuilder::platform`], else the
    /// one its signature source or its last login named. Calls send it where a request has a
    /// `Platform` the caller did not set.
    pub fn platform(&self) -> Option<String> {
        self.inner.identity.current().platform
    }

    /// The user the client acts for: the one set with [`ClientBuilder::user`], else the one
    /// its signature source or its last login named.
    pub fn user_id(&self) -> Option<String> {
        self.inner.identity.current().user_id
    }

    /// Sends `request` with the client's defaults and decodes the reply's `Data`.
    pub async fn execute<A: Action>(&self, request: &A) -> Result<A::Data, Error> {
        self.execute_with(request, &CallOptions::default()).await
    }

    /// Sends `request` with `options` overriding the client's defaults, and decodes the reply's
    /// `Data`. Fields the request leaves unset that the client can supply (the platform, an
    /// `Upload` signature as `VerifySign`) are filled first.
    pub async fn execute_with<A: Action>(
        &self,
        request: &A,
        options: &CallOptions,
    ) -> Result<A::Data, Error> {
        let meta = A::META;
        let wants = request.wants();
        let filled;
        let request = if wants.any() {
            let mut copy = request.clone();
            copy.supply(&self.supplies(meta, wants, options).await?);
            filled = copy;
            &filled
        } else {
            request
        };
        let operation = Operation::Action(meta);
        if self.inner.validate {
            Validator::check(request, false).map_err(|e| Error::invalid_request(meta, e))?;
        }
        let body = serde_json::to_vec(request).map_err(|e| Error::encode(operation, &e))?;
        let (payload, attempts) = self.call_raw(meta, Bytes::from(body), options).await?;
        payload
            .decode(operation)
            .map_err(|e| e.with_attempts(attempts))
    }

    /// The values `wants` asks for. An unknown platform is learnt by logging in; a signature
    /// comes from the signature source. What cannot be had stays unset, and the request's
    /// validation then names the missing field.
    async fn supplies(
        &self,
        meta: ActionMeta,
        wants: Wants,
        options: &CallOptions,
    ) -> Result<Supplied, Error> {
        let operation = Operation::Action(meta);
        let mut supplied = Supplied::default();
        if wants.platform {
            supplied.platform = match self.platform() {
                Some(platform) => Some(platform),
                None => {
                    self.ensure_ticket(operation, options).await?;
                    self.platform()
                }
            };
        }
        if wants.upload_signature {
            if let Some(source) = &self.inner.source {
                let signature = source
                    .signature(SignAction::Upload)
                    .await
                    .map_err(|e| Error::signature_source(operation, e))?;
                supplied.upload_signature = Some(signature.expose_secret().to_owned());
            }
        }
        Ok(supplied)
    }

    /// Logs in unless the client holds a ticket already (joining a login in progress); waits
    /// within the call's budget.
    async fn ensure_ticket(
        &self,
        operation: Operation,
        options: &CallOptions,
    ) -> Result<(), Error> {
        let defaults = &self.inner.defaults;
        let budget = Budget::new(
            options.timeout.unwrap_or(defaults.timeout),
            options.attempt_timeout.unwrap_or(defaults.attempt_timeout),
        );
        let ticket = self
            .inner
            .tickets
            .get(None, operation, &defaults.retry, || self.login_flight());
        budget.within(operation, ticket).await.map(|_| ())
    }

    /// The signed-in user as an owner ([`Entity::person`](crate::types::Entity::person)): the user the client acts for (see
    /// [`user_id`](Self::user_id)), logging in first when it is not known yet. Fails when even
    /// a login does not tell (a client built with a bare ticket): set
    /// [`ClientBuilder::user`] then.
    #[cfg(any(feature = "material", feature = "project"))]
    #[cfg_attr(docsrs, doc(cfg(any(feature = "material", feature = "project"))))]
    pub async fn me(&self) -> Result<crate::types::Entity, Error> {
        if self.user_id().is_none() {
            self.ensure_ticket(Operation::Login, &CallOptions::default())
                .await?;
        }
        self.user_id()
            .map(crate::types::Entity::person)
            .ok_or_else(|| {
                Error::config(
                    "the client does not know its user: set ClientBuilder::user, or use a \
                     signature source that names it",
                )
            })
    }

    /// A call of an action this SDK does not know, with a JSON body; it goes through the same
    /// login, retries and error handling as the typed calls.
    ///
    /// ```no_run
    /// # async fn demo(client: cme_sdk::Client) -> Result<(), cme_sdk::Error> {
    /// let data = client
    ///     .raw("Material", "SearchResource", serde_json::json!({"Text": "cat", "Limit": 10}))
    ///     .idempotent(true)
    ///     .send()
    ///     .await?;
    /// println!("{}", data["TotalCount"]);
    /// # Ok(()) }
    /// ```
    pub fn raw(
        &self,
        class: impl Into<String>,
        name: impl Into<String>,
        body: serde_json::Value,
    ) -> RawRequest {
        RawRequest::new(self, &class.into(), &name.into(), body)
    }

    /// Sends an encoded request: login, retries, time limits and tracing, shared by every
    /// action. Returns the reply's payload and the number of requests sent.
    pub(crate) async fn call_raw(
        &self,
        meta: ActionMeta,
        body: Bytes,
        options: &CallOptions,
    ) -> Result<(Payload, u32), Error> {
        let span = tracing::info_span!(
            "cme.call",
            action = %meta,
            attempt = field::Empty,
            code = field::Empty,
            latency_ms = field::Empty,
        );
        let started = std::time::Instant::now();
        let result = self.run(meta, body, options).instrument(span.clone()).await;
        let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        span.record("latency_ms", latency_ms);
        let code = match &result {
            Ok(_) => Some("Success"),
            Err(err) => err.code().map(|code| code.as_str()),
        };
        if let Some(code) = code {
            span.record("code", code);
        }
        span.in_scope(|| match &result {
            Ok(_) => tracing::debug!(latency_ms, "call succeeded"),
            Err(err) => tracing::debug!(latency_ms, error = %err, "call failed"),
        });
        result
    }

    async fn run(
        &self,
        meta: ActionMeta,
        body: Bytes,
        options: &CallOptions,
    ) -> Result<(Payload, u32), Error> {
        let operation = Operation::Action(meta);
        let defaults = &self.inner.defaults;
        let retry = options.retry.as_ref().unwrap_or(&defaults.retry);
        let budget = Budget::new(
            options.timeout.unwrap_or(defaults.timeout),
            options.attempt_timeout.unwrap_or(defaults.attempt_timeout),
        );
        let mut retrier = Retrier::new(retry, budget);
        let mut stale = None;
        let mut logged_in_again = false;
        loop {
            let ticket = self
                .inner
                .tickets
                .get(stale, operation, &defaults.retry, || self.login_flight());
            let (ticket, generation) = budget.within(operation, ticket).await?;

            let attempt = retrier.sending();
            tracing::Span::current().record("attempt", attempt);
            let started = std::time::Instant::now();
            let result = budget
                .attempt(operation, self.send_action(meta, &body, &ticket))
                .await;
            tracing::debug!(
                attempt,
                elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
                status = result
                    .as_ref()
                    .map_or_else(|e| e.http_status(), |p| Some(p.status)),
                code = result
                    .as_ref()
                    .err()
                    .and_then(|e| e.code())
                    .map(|c| c.as_str()),
                "attempt finished"
            );
            let err = match result {
                Ok(payload) => return Ok((payload, attempt)),
                Err(err) => err,
            };
            if err.is_ticket_invalid() {
                if logged_in_again {
                    return Err(err
                        .with_attempts(retrier.sent())
                        .api_as_auth(AuthError::TicketRefused));
                }
                tracing::debug!(attempt, "ticket refused; logging in again");
                logged_in_again = true;
                stale = Some(generation);
                retrier.forgive_last();
                continue;
            }
            retrier.after_failure(err).await?;
        }
    }

    /// One attempt of an action: POST the body with the ticket, read the envelope.
    async fn send_action(
        &self,
        meta: ActionMeta,
        body: &Bytes,
        ticket: &Ticket,
    ) -> Result<Payload, Error> {
        let operation = Operation::Action(meta);
        let secret = ticket.expose_secret();
        #[cfg(feature = "test-util")]
        if let Some(mock) = &self.inner.mock {
            let reply = mock.answer(meta, body)?;
            return envelope::read(operation, &reply, &[secret]);
        }
        let request = self
            .inner
            .http
            .post(transport::action_url(
                &self.inner.api_endpoint,
                meta,
                secret,
            ))
            .header(CONTENT_TYPE, "application/json")
            .header(USER_AGENT, self.inner.user_agent.clone())
            .body(body.clone());
        let reply = transport::send(request, self.inner.max_reply_size)
            .await
            .map_err(|e| Error::transport(operation, e, &[secret]))?;
        envelope::read(operation, &reply, &[secret])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync + Clone>() {}

    #[test]
    fn client_is_send_sync_and_clone() {
        assert_send_sync::<Client>();
        assert_send_sync::<crate::Error>();
    }

    #[test]
    fn build_refuses_bad_configuration() {
        let err = Client::builder().build().unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid client configuration: a signature source or a ticket is required"
        );
        let err = Client::builder()
            .ticket(Ticket::new("t"))
            .api_endpoint("nope")
            .build()
            .unwrap_err();
        assert!(matches!(err.kind(), crate::ErrorKind::Config(_)), "{err:?}");
    }

    #[test]
    fn debug_shows_no_ticket() {
        let client = Client::builder()
            .ticket(Ticket::new("tf_very_secret"))
            .build()
            .unwrap();
        let shown = format!("{client:?}");
        assert!(shown.contains("has_ticket: true"));
        assert!(!shown.contains("tf_very_secret"));
    }
}
