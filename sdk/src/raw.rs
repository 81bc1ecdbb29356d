//! The escape hatch: calling an action the spec does not describe.

use std::time::Duration;

use bytes::Bytes;
use serde_json::Value;

use crate::action::ActionMeta;
use crate::client::Client;
use crate::error::{Error, Operation};
use crate::options::{CallOptions, RetryPolicy};

/// A call of an action by name with a JSON body, from [`Client::raw`]. Not idempotent unless
/// told, so it is not retried once it may have reached the service.
#[must_use = "a call does nothing until it is sent"]
#[derive(Debug, Clone)]
pub struct RawRequest {
    client: Client,
    /// `None` when the names could not be kept ([`ActionMeta::named`]): sending fails.
    meta: Option<ActionMeta>,
    names: (String, String),
    body: Value,
    options: CallOptions,
}

impl RawRequest {
    pub(crate) fn new(client: &Client, class: &str, name: &str, body: Value) -> Self {
        Self {
            client: client.clone(),
            meta: ActionMeta::named(class, name, false),
            names: (class.to_owned(), name.to_owned()),
            body,
            options: CallOptions::default(),
        }
    }

    /// Declares whether sending the request twice is harmless, which allows retrying it after it
    /// may have reached the service (default `false`).
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        if let Some(meta) = &mut self.meta {
            meta.idempotent = idempotent;
        }
        self
    }

    /// Bounds the whole call, login and retries included.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.options.timeout = Some(timeout);
        self
    }

    /// Bounds each attempt.
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.options.attempt_timeout = Some(timeout);
        self
    }

    /// Replaces the client's retry policy for this call.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.options.retry = Some(policy);
        self
    }

    /// Sends the request; returns the reply's `Data` as JSON (`null` when the reply has none).
    /// The future borrows nothing, so it can be spawned.
    // Not an `async fn`: the bounds are spelled out (see `Call::send`).
    #[allow(clippy::manual_async_fn)]
    pub fn send(self) -> impl std::future::Future<Output = Result<Value, Error>> + Send + 'static {
        async move {
            let Some(meta) = self.meta else {
                let (class, name) = &self.names;
                return Err(Error::config(format!(
                    "cannot call {class}/{name}: this process already named {} other actions at \
                     run time (ActionMeta::named)",
                    crate::action::MAX_RUNTIME_NAMES
                )));
            };
            let operation = Operation::Action(meta);
            let body = serde_json::to_vec(&self.body).map_err(|e| Error::encode(operation, &e))?;
            let (payload, attempts) = self
                .client
                .call_raw(meta, Bytes::from(body), &self.options)
                .await?;
            payload
                .into_json(operation)
                .map_err(|e| e.with_attempts(attempts))
        }
    }
}
