//! One entry per action of the spec (the table is generated: [`ACTIONS`]), holding what the
//! targets do with the action's types: decode a reply into its `Data`, and send its request
//! through a mock client.

use bytes::Bytes;
use cme_sdk::{Action, ActionMeta, Error};
use serde::de::DeserializeOwned;

pub use crate::generated::{ACTIONS, CODES};
use crate::targets::client::{self, Harness};

/// An action of the spec, for the fuzz targets.
pub struct Entry {
    /// Its class, name and idempotency.
    pub meta: ActionMeta,
    /// The request bodies of its documented examples.
    pub requests: &'static [&'static str],
    /// The reply envelopes of its documented examples.
    pub replies: &'static [&'static str],
    /// Reads an HTTP 200 reply body as a call of the action does.
    pub decode: fn(Bytes) -> Result<(), Error>,
    /// Sends the request `request` (JSON) through a mock client answered with a reply body.
    pub call: fn(&Harness, &str, Bytes) -> client::Outcome,
}

impl Entry {
    /// The entry of action `A`, with its examples.
    pub const fn new<A: Action + DeserializeOwned>(
        requests: &'static [&'static str],
        replies: &'static [&'static str],
    ) -> Self {
        Self {
            meta: A::META,
            requests,
            replies,
            decode: decode::<A>,
            call: client::call::<A>,
        }
    }

    /// `Class/Action`.
    pub fn path(&self) -> String {
        format!("{}/{}", self.meta.class, self.meta.name)
    }
}

fn decode<A: Action>(body: Bytes) -> Result<(), Error> {
    cme_sdk::__private::decode_reply::<A>(body).map(drop)
}

/// The entry of `Class/Action`.
pub fn find(path: &str) -> Option<&'static Entry> {
    let (class, name) = path.split_once('/')?;
    ACTIONS
        .iter()
        .find(|e| e.meta.class == class && e.meta.name == name)
}
