//! Typed Rust SDK for the client API of Tencent Cloud CME (多媒体创作引擎, Cloud Media
//! Editing Engine): media management, teams, projects and tasks of a CME platform, called on
//! behalf of one of your users.
//!
//! # How access works
//!
//! 1. **Your backend signs.** It holds the Tencent Cloud API key (SecretId/SecretKey) and makes a
//!    short-lived `Login` signature for a user with [`Signer`]. The key never leaves the backend.
//! 2. **The client gets the signature** from your backend, through a [`SignatureSource`].
//! 3. **The client exchanges it for a ticket** (`GET https://open.cme.qcloud.com?signature=…`).
//!    [`Client`] does this lazily on the first call and caches the ticket.
//! 4. **The client calls the API with the ticket**
//!    (`POST https://web-paas-api.cme.qcloud.com/PaaS/<Class>/<Action>?auth=<ticket>`). When the
//!    service says the ticket is invalid, the client gets a fresh signature, logs in again once for
//!    all concurrent callers, and replays the call.
//!
//! # Backend: making signatures
//!
//! ```
//! use cme_sdk::{Signer, Validity};
//!
//! let signer = Signer::new("AKIDexampleSecretId", "your-secret-key");
//! // Short-lived: valid for 5 minutes; a validity is 1 second to 90 days.
//! let signature = signer.login("my_platform", "user_001", Validity::DEFAULT);
//! // Hand `signature.expose_secret()` to the signed-in user's client.
//! # assert!(!signature.expose_secret().is_empty());
//! ```
//!
//! [`Verifier`] checks signatures exactly as the service does (the emulator uses it).
//!
//! # Client: calling the API
//!
//! One method per action, grouped by ActionClass; required fields are arguments, optional ones
//! setters, and replies are typed `Data` structs. The client fills what it knows: the platform
//! (learnt from its login), and the `VerifySign` of uploads and processing (an `Upload`
//! signature from its [`SignatureSource`]). Every call returns one [`Error`] type whose
//! `Display` names the action, the service's code and its message.
//!
//! ```no_run
//! use cme_sdk::{BoxError, Client, SignAction, Signature, SignatureSource};
//!
//! # async fn fetch_signature_from_my_backend(action: SignAction) -> Result<String, BoxError> { Ok(String::new()) }
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::builder()
//!     .signature_source(SignatureSource::from_fn(|action| async move {
//!         let signature = fetch_signature_from_my_backend(action).await?;
//!         Ok::<_, BoxError>(Signature::from(signature))
//!     }))
//!     .build()?;
//!
//! let me = client.me().await?; // the signed-in user, as an owner
//! let classes = client.material().describe_class(me).send().await?;
//! println!("{} classes", classes.class_info_set.len());
//! match client.material().delete_material("38192156030633420589").send().await {
//!     Ok(_) => println!("deleted"),
//!     Err(err) if err.code().is_some() => eprintln!("refused: {err}"),
//!     Err(err) => return Err(err.into()),
//! }
//! # Ok(()) }
//! ```
//!
//! Calls own a handle to their client, so they can be stored or spawned
//! (`tokio::spawn(client.material().delete_material(id).send())`), and list actions can be
//! walked as `'static` streams ([`Call::pages`], [`Call::items`]).
//!
//! # Testing your code
//!
//! With the feature `test-util`, the module `mock` gives a client answered by typed per-action rules,
//! without sockets, and errors of every kind built for tests; reply types get `Default` and
//! `Serialize`, so a test can build one.
//!
//! Actions the spec does not describe can be called with [`Client::raw`].
//!
//! # Reliability
//!
//! Calls have default timeouts (connect 5 s, each attempt 30 s, the whole call 90 s) and retry
//! with exponential backoff and full jitter ([`RetryPolicy`]): connection failures before the
//! request was sent, always; a request that may have reached the service (a timeout, a reset,
//! HTTP 429, a gateway's 502/503/504, an internal error or throttling code) only when the action
//! is idempotent. All of it can be set per client
//! ([`ClientBuilder`]) and per call ([`Call::timeout`], [`Call::retry`]).
//!
//! Each call runs in a `tracing` span `cme.call` (action, attempt, code, latency). Tickets,
//! signatures and keys never appear in logs, `Debug` or errors.
//!
//! # Cargo features
//!
//! - `material`, `team`, `project`, `task` (on by default): the actions of that ActionClass (the
//!   module of the same name and the accessor on [`Client`], `client.material()`, …). Turn off
//!   those you do not call to compile less.
//! - `tls-webpki-roots` (on by default): TLS trusts Mozilla's root certificates, compiled in
//!   ([webpki-roots](https://docs.rs/webpki-roots)), the same on every machine.
//! - `tls-native-roots`: TLS trusts the operating system's certificate store
//!   ([rustls-native-certs](https://docs.rs/rustls-native-certs)), read when the client is
//!   built: for machines whose administrators add authorities of their own.
//! - `time` (on by default): typed accessors (`create_time_parsed()` and the like, a
//!   `time::OffsetDateTime`) beside the text of the date-time fields.
//! - `test-util`: the mock client and errors built for tests (the module `mock`); implies
//!   `serde`.
//! - `serde`: `Deserialize` on requests, `Serialize` and `Default` on replies, for servers, fakes
//!   and tools (the emulator and the CLI use it).
//!
//! TLS is always rustls (with ring), never OpenSSL. The two root features may be combined (both
//! sets are trusted). With neither, HTTPS calls fail to verify the service's certificate unless
//! [`ClientBuilder::http_client`] gets a [`reqwest::Client`] with roots of its own (e.g.
//! `reqwest::Client::builder().add_root_certificate(…)`); [`reqwest`] is re-exported for that,
//! so its version always matches the SDK's.

// docs.rs (`[package.metadata.docs.rs]`) builds with `--cfg docsrs` on nightly: every item behind
// a feature gets its "Available on crate feature … only" badge from its `#[cfg]`.
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod action;
mod auth;
mod builder;
mod call;
mod client;
#[cfg(feature = "time")]
mod datetime;
pub mod de;
#[cfg(any(feature = "material", feature = "project"))]
mod entity;
mod envelope;
mod error;
#[cfg(all(
    test,
    any(
        feature = "material",
        feature = "project",
        feature = "task",
        feature = "team"
    )
))]
mod example_support;
mod identity;
mod login;
#[cfg(feature = "test-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub mod mock;
mod options;
mod quirks;
mod random;
mod raw;
mod redact;
mod retry;
pub mod signer;
mod ticket_cache;
mod transport;
#[cfg(feature = "upload")]
#[cfg_attr(docsrs, doc(cfg(feature = "upload")))]
pub mod upload;
pub mod validate;
pub mod wire;

pub use action::{
    Action, ActionMeta, ClientSupplied, ErrorCategory, Paginated, Retryability, Supplied, Validate,
    Wants,
};
pub use auth::{SignatureSource, Ticket};
pub use builder::ClientBuilder;
pub use call::{Call, DEFAULT_MAX_PAGES};
pub use client::{Client, DEFAULT_USER_AGENT};
pub use error::{
    ApiError, AuthError, BoxError, DecodeError, Error, ErrorKind, HttpError, PagingError,
    TimeoutKind, TransportError,
};
pub use options::{CallOptions, RetryPolicy};
pub use raw::RawRequest;
/// The HTTP client the SDK runs on, re-exported because [`ClientBuilder::http_client`] takes a
/// [`reqwest::Client`]: build yours with this one to be sure the versions match.
pub use reqwest;
pub use signer::{
    Claims, SignAction, SignParams, Signature, Signer, Validity, ValidityError, Verifier,
    VerifyError,
};

// The generated code (`cargo run -p cme-codegen`) and its re-exports. It is formatted by the
// generator (prettyplease); rustfmt must not rewrite it, or the freshness check fails.
#[rustfmt::skip]
mod generated;
pub use generated::codes::{self, ErrorCode};
#[cfg(feature = "material")]
pub use generated::material;
#[cfg(feature = "project")]
pub use generated::project;
#[cfg(feature = "task")]
pub use generated::task;
#[cfg(feature = "team")]
pub use generated::team;
pub use generated::types;
pub use generated::{DEFAULT_API_ENDPOINT, DEFAULT_LOGIN_ENDPOINT};

/// Hooks for this workspace's benchmarks (`tests/benches`) and fuzz targets (`fuzz/`); not part
/// of the API: they may change or go away in any release.
#[doc(hidden)]
pub mod __private {
    /// Reads a successful (HTTP 200) reply body of action `A` exactly as a call does: the
    /// envelope, its `Code`, then the typed `Data`.
    pub fn decode_reply<A: crate::Action>(body: bytes::Bytes) -> Result<A::Data, crate::Error> {
        crate::envelope::decode_reply::<A>(body)
    }

    /// Reads an HTTP 200 login reply body exactly as the login exchange does after sending
    /// `signature`: the envelope, scrubbed of the signature, then the `LoginData`, an empty
    /// ticket refused.
    pub fn decode_login_reply(
        body: bytes::Bytes,
        signature: &str,
    ) -> Result<crate::types::LoginData, crate::Error> {
        crate::login::decode_login_reply(body, signature)
    }

    /// A mock reply of any bytes, where [`MockReply::http`](crate::mock::MockReply::http) takes
    /// text.
    #[cfg(feature = "test-util")]
    pub fn mock_reply_bytes(status: u16, body: bytes::Bytes) -> crate::mock::MockReply {
        crate::mock::MockReply::bytes(status, body)
    }
}

/// The README's examples, compiled (and run where they can) as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
