//! What every generated action implements: its identity, its reply type and its checks.

use std::collections::HashSet;
use std::sync::{Mutex, PoisonError};

use serde::{de::DeserializeOwned, Serialize};

use crate::validate::Validator;

/// Facts about one action: where it lives and whether it may be replayed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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

/// The most distinct names [`ActionMeta::named`] keeps: far more than the service has actions,
/// few enough that a program feeding it unbounded names fails instead of growing.
pub const MAX_RUNTIME_NAMES: usize = 1024;

/// The class and action names given at run time, kept for the life of the process so that an
/// [`ActionMeta`] stays `Copy` (it travels in every error).
static RUNTIME_NAMES: Mutex<Option<HashSet<&'static str>>> = Mutex::new(None);

impl ActionMeta {
    /// Describes an action known at compile time (the generated code's `META`).
    pub const fn new(class: &'static str, name: &'static str, idempotent: bool) -> Self {
        Self {
            class,
            name,
            idempotent,
        }
    }

    /// Describes an action named at run time (raw calls). Each distinct name is kept for the
    /// life of the process; `None` once [`MAX_RUNTIME_NAMES`] distinct names are kept.
    pub fn named(class: &str, name: &str, idempotent: bool) -> Option<Self> {
        let mut names = RUNTIME_NAMES.lock().unwrap_or_else(PoisonError::into_inner);
        let names = names.get_or_insert_with(HashSet::new);
        let mut keep = |text: &str| -> Option<&'static str> {
            if let Some(kept) = names.get(text) {
                return Some(*kept);
            }
            if names.len() >= MAX_RUNTIME_NAMES {
                return None;
            }
            let kept: &'static str = Box::leak(text.to_owned().into_boxed_str());
            names.insert(kept);
            Some(kept)
        };
        Some(Self::new(keep(class)?, keep(name)?, idempotent))
    }
}

impl std::fmt::Display for ActionMeta {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.class, self.name)
    }
}

/// A request of one action: serializes to the request body and names the `Data` type it returns.
pub trait Action: Serialize + Validate + ClientSupplied + Clone + Send + Sync + 'static {
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

/// Request fields the client fills when the caller leaves them unset (the spec's `FromClient`):
/// the platform, and the `VerifySign` of uploads and processing. Generated for every request and
/// for the structs requests hold; the defaults say "nothing to fill".
pub trait ClientSupplied {
    /// What the value still lacks that the client can supply.
    fn wants(&self) -> Wants {
        Wants::default()
    }

    /// Fills the unset client-supplied fields from `values`; fields already set are kept.
    fn supply(&mut self, values: &Supplied) {
        let _ = values;
    }
}

/// What a request lacks that the client can supply; see [`ClientSupplied`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Wants {
    /// A `Platform` field is unset.
    pub platform: bool,
    /// A `VerifySign` with action `Upload` is unset.
    pub upload_signature: bool,
}

impl Wants {
    /// Both sets of wants.
    pub fn or(self, other: Wants) -> Wants {
        Wants {
            platform: self.platform || other.platform,
            upload_signature: self.upload_signature || other.upload_signature,
        }
    }

    /// Whether anything is wanted.
    pub fn any(self) -> bool {
        self.platform || self.upload_signature
    }
}

/// The values the client supplies; see [`ClientSupplied`].
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct Supplied {
    /// The client's platform.
    pub platform: Option<String>,
    /// A fresh signature with action `Upload`, as text.
    pub upload_signature: Option<String>,
}

impl std::fmt::Debug for Supplied {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Supplied")
            .field("platform", &self.platform)
            .field(
                "upload_signature",
                &self.upload_signature.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// A list action paged by `Offset`/`Limit`, with a total count and a list of items in `Data`.
pub trait Paginated: Action {
    /// One item of a page.
    type Item: Clone + PartialEq + Send + 'static;
    /// The offset this request asks for (0 when unset).
    fn offset(&self) -> i64;
    /// Sets the offset of the next page.
    fn set_offset(&mut self, offset: i64);
    /// The items of a page.
    fn items(data: &Self::Data) -> &[Self::Item];
    /// The total over all pages, when the reply says.
    fn total(data: &Self::Data) -> Option<i64>;
    /// The items of a page, taken out of it.
    fn into_items(data: Self::Data) -> Vec<Self::Item>;
}

/// What an error code means for a caller; see [`ErrorCode::category`](crate::ErrorCode::category)
/// and the predicates of [`Error`](crate::Error) (`is_not_found()` and the like).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCategory {
    /// The resource does not exist (a medium, a class, a project, a team, a platform...).
    NotFound,
    /// The user may not do this (`OperationDenied.PermissionDeny` and the like).
    PermissionDenied,
    /// The request is malformed or a value is wrong.
    InvalidParameter,
    /// Rate limited.
    Throttled,
    /// Authentication: the signature, the ticket, the key.
    Auth,
    /// The service failed.
    Internal,
    /// Anything else.
    Other,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtime_names_are_kept_once_and_bounded() {
        let a = ActionMeta::named("Material", "SearchResource", true).unwrap();
        let b = ActionMeta::named(String::from("Material").as_str(), "SearchResource", false);
        let b = b.unwrap();
        assert!(std::ptr::eq(a.name, b.name), "one copy per distinct name");
        assert_eq!(
            (a.to_string(), a.idempotent, b.idempotent),
            ("Material/SearchResource".into(), true, false)
        );
        // Fill the table; the names already kept still work, new ones are refused.
        let mut i = 0;
        while ActionMeta::named("Material", &format!("Generated{i}"), false).is_some() {
            i += 1;
            assert!(i <= MAX_RUNTIME_NAMES, "the table is bounded");
        }
        assert!(ActionMeta::named("Material", "SearchResource", true).is_some());
        assert!(ActionMeta::named("Other", "SearchResource", true).is_none());
    }
}
