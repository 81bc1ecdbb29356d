//! What every generated action implements: its identity, its reply type and its checks.

use serde::{de::DeserializeOwned, Serialize};

use crate::validate::Validator;

/// Static facts about one action: where it lives and whether it may be replayed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ActionMeta {
    /// The ActionClass, e.g. `Material`.
    pub class: &'static str,
    /// The ActionName, e.g. `DeleteMaterial`.
    pub name: &'static str,
    /// Whether sending the request twice has the same effect as sending it once.
    /// Only idempotent actions are retried after the request may have reached the service.
    pub idempotent: bool,
}

impl ActionMeta {
    /// Describes an action. Used by the generated code and by raw calls.
    pub const fn new(class: &'static str, name: &'static str, idempotent: bool) -> Self {
        Self {
            class,
            name,
            idempotent,
        }
    }
}

impl std::fmt::Display for ActionMeta {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.class, self.name)
    }
}

/// A request of one action: serializes to the request body and names the `Data` type it returns.
pub trait Action: Serialize + Validate + Send + Sync {
    /// The decoded `Data` of a successful reply.
    type Data: DeserializeOwned + Send + 'static;
    /// The action's identity.
    const META: ActionMeta;
}

/// Checks a value against the constraints the docs state (lengths, item counts, ranges, allowed
/// values). Generated for every request and request struct.
pub trait Validate {
    /// Records every violation in `v`, with field paths relative to `self`.
    fn validate(&self, v: &mut Validator);
}

/// A list action paged by `Offset`/`Limit`, with a total count and a list of items in `Data`.
pub trait Paginated: Action + Clone {
    /// One item of a page.
    type Item: Send + 'static;
    /// The offset this request asks for (0 when unset).
    fn offset(&self) -> i64;
    /// Sets the offset of the next page.
    fn set_offset(&mut self, offset: i64);
    /// The number of items of a page, and the total over all pages when the reply says.
    fn count(data: &Self::Data) -> (usize, Option<i64>);
    /// The items of a page.
    fn into_items(data: Self::Data) -> Vec<Self::Item>;
}

/// When an error code from the service may be retried (the `Retry` column of the spec's table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Retryability {
    /// Never: the request was understood and refused.
    Never,
    /// Only for idempotent actions: the failure is transient, but the service may have run the
    /// request (internal errors, throttling).
    IfIdempotent,
    /// Always, even for actions that are not idempotent: the service guarantees the request was
    /// not executed ([`ErrorCode::not_executed`](crate::ErrorCode::not_executed)). No documented
    /// code does.
    Always,
}
