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
#[derive(Debug)]
pub struct RawRequest<'c> {
    client: &'c Client,
    meta: ActionMeta,
    body: Value,
    options: CallOptions,
}

impl<'c> RawRequest<'c> {
    pub(crate) fn new(
        client: &'c Client,
        class: &'static str,
        name: &'static str,
        body: Value,
    ) -> Self {
        Self {
            client,
            meta: ActionMeta::new(class, name, false),
            body,
            options: CallOptions::default(),
        }
    }

    /// Declares whether sending the request twice is harmless, which allows retrying it after it
    /// may have reached the service (default `false`).
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.meta = ActionMeta::new(self.meta.class, self.meta.name, idempotent);
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
    pub async fn send(self) -> Result<Value, Error> {
        let body = serde_json::to_vec(&self.body)
            .map_err(|e| Error::encode(Operation::Action(self.meta), &e))?;
        let (payload, attempts) = self
            .client
            .call_raw(self.meta, Bytes::from(body), &self.options)
            .await?;
        payload
            .into_json(Operation::Action(self.meta))
            .map_err(|e| e.with_attempts(attempts))
    }
}
