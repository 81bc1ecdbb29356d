//! A local, stateful emulator of the Tencent Cloud CME (多媒体创作引擎) client API: what
//! LocalStack is for AWS, for CME. Code that works against it works against the service.
//!
//! One port serves the login exchange (`GET /?signature=<Login signature>`), every documented
//! action (`POST /PaaS/<ActionClass>/<ActionName>?auth=<ticket>`) and the admin routes
//! (`/_emulator/...`). It verifies signatures as the service documents them (HMAC over the
//! embedded plaintext, expiry, action), issues random tickets with a configurable lifetime,
//! validates every request against the spec, keeps its state in memory per platform and
//! owner, and answers with the service's envelope `{Code, Message, EnglishMessage, Data}`:
//! HTTP 200 always, except for injected faults, unknown routes (404), a method a route does
//! not serve (405, with an `Allow` header), a body too slow to arrive (408) and a connection past
//! the cap (503); see [Slow clients and the connection cap](#slow-clients-and-the-connection-cap).
//!
//! # Running it standalone
//!
//! ```text
//! cargo run -p cme-emulator -- --listen 127.0.0.1:8686
//! cargo run -p cme-emulator -- --help
//! ```
//!
//! With no flags it listens on [`DEFAULT_LISTEN`] with the demo API key
//! ([`DEMO_SECRET_ID`] / [`DEMO_SECRET_KEY`]), the platform [`DEMO_PLATFORM`] and the built-in
//! demo fixture, and prints the URL, the credentials and a copy-paste example. `--secret-id`,
//! `--secret-key`, `--platform`, `--fixture FILE`, `--ticket-lifetime SECS`,
//! `--task-duration SECS`, `--login-shape current|legacy`, `--max-body-bytes N`,
//! `--header-read-timeout SECS`, `--body-read-timeout SECS`, `--max-connections N` and
//! `--config FILE` (a JSON [`FileConfig`]) change that. Ctrl-C stops it.
//!
//! Point a client at it by using its base URL as both the login and the API endpoint.
//!
//! # Running it in-process (tests)
//!
//! ```
//! use std::time::Duration;
//! use cme_emulator::{Emulator, FaultSpec, DEMO_USER_ID};
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let emulator = Emulator::builder()           // demo key, platform and fixture
//!         .ticket_lifetime(Duration::from_secs(60))
//!         .task_duration(Duration::from_millis(200))
//!         .start()                                 // 127.0.0.1 on an ephemeral port
//!         .await?;
//!     let client = emulator.client(DEMO_USER_ID).await?; // a cme_sdk::Client, logged in
//!     let teams = client.team().describe_join_teams().send().await?;
//!     assert_eq!(teams.team_set.len(), 1);
//!     // or by hand: GET {base_url}/?signature=..., then POST {base_url}/PaaS/Class/Action?auth=...
//!     let (base_url, signature) = (emulator.base_url(), emulator.login_signature(DEMO_USER_ID));
//!     emulator.inject(FaultSpec::status(503).action("Material", "DeleteMaterial").times(1));
//!     assert_eq!(emulator.stats().executed("Material/DeleteMaterial"), 0);
//!     # let _ = (base_url, signature);
//!     emulator.shutdown().await;                   // or just drop it
//!     Ok(())
//! }
//! ```
//!
//! [`RunningEmulator`] also gives logged-in clients ([`RunningEmulator::client`]), issues tickets
//! directly ([`RunningEmulator::ticket_for`]), makes signatures
//! ([`RunningEmulator::login_signature`], [`RunningEmulator::signer`]), expires tickets, finishes processing tasks, counts
//! requests ([`RunningEmulator::stats`]: received and actually executed, per action) and
//! copies the state ([`RunningEmulator::snapshot`]) so a test can check that a refused request
//! changed nothing.
//!
//! # Behaviour
//!
//! - **Users and permissions.** A user is whoever a valid `Login` signature names; unknown users
//!   are registered at login. A user may see and change what their own person owns and what the
//!   teams they belong to own; anything else is `OperationDenied.PermissionDeny`.
//! - **Classes.** Each owner has a root class (`/个人` for a person, `/团队` for a team; the first
//!   user's is ID 9 as in the docs). Class IDs are unique per platform. Deleting a class with
//!   media or sub-classes is `InvalidParameterValue.ClassNotEmpty`; moving a class under itself is
//!   `InvalidParameterValue.ClassPath`.
//! - **Uploads.** `CreateUploadMaterial` needs a valid `VerifySign` with action `Upload` for the
//!   ticket's user and platform; its context makes exactly one medium with
//!   `FinishUploadMaterial`.
//! - **Processing.** `ProcessMaterial` (its `VerifySign` checked, any action) starts a task that
//!   is `PROCESSING` for the task duration, then `SUCCESS`; the AI results (faces, subtitles,
//!   text, objects, and AI frame tags for definition 20) are deterministic samples, and answer
//!   `ResourceNotFound` (`no face index` ...) until then. Time-windowed results return at most
//!   20 items; `LastTimeOffset` is where to continue, -1 at the end.
//! - **Frame tags.** Every change bumps the version; `Version: manual` adds a manual tag, other
//!   changes must name the current version.
//! - **Lists.** Newest first unless a `Sort` says otherwise (`CreateTime` or `UpdateTime`); a
//!   search with a `Text` is ordered by relevance. `Limit: 0` means the default page size.
//!   Projects cannot be created through the client API; they come from the fixture.
//! - **Errors.** Invalid JSON and wrong types are `InvalidParameter`, a missing field
//!   `MissingParameter`, a broken constraint `InvalidParameterValue` (`.Limit` for `Limit`), an
//!   unknown action `InvalidAction`, an oversized body `RequestSizeLimitExceeded`, a missing,
//!   unknown or expired ticket `AuthFailure.SessionInvalid`; `EnglishMessage` names the field and
//!   the problem. `Message` and `EnglishMessage` are the texts the docs give for the code; where
//!   they give none, or the emulator adds a detail of its own, the text starts with
//!   `cme-emulator: ` ([`dispatch::AUTHORED_PREFIX`]), so it is never taken for the service's.
//!   A refused request changes nothing.
//!
//! # Slow clients and the connection cap
//!
//! No client can hold a connection forever, and a flood of them cannot exhaust the emulator:
//!
//! - **Header read timeout** ([`EmulatorBuilder::header_read_timeout`], default
//!   [`DEFAULT_HEADER_READ_TIMEOUT`], 10 s): a request's head (request line and headers) must
//!   arrive within it, counted from the connection's start or the end of the previous reply;
//!   otherwise the connection is closed (no reply is possible before a request line). A silent
//!   connection, a head that never ends, endless bare CRLFs, and an idle keep-alive connection
//!   are all closed after it.
//! - **Body read timeout** ([`EmulatorBuilder::body_read_timeout`], default
//!   [`DEFAULT_BODY_READ_TIMEOUT`], 30 s): a request's whole body must arrive within it. A body
//!   announced but never sent, one trickled a byte at a time, a chunk of `ffffffffffffffff`
//!   bytes: answered HTTP 408 with the envelope (`InvalidRequest`, `request timeout: …`) and
//!   `Connection: close`. A body announced larger than 16 times the body limit (at least
//!   16 MiB) is refused at once (`RequestSizeLimitExceeded`); a broken chunked encoding is
//!   `InvalidRequest`; both close the connection too. A route that needs no body (the login, an
//!   injected status) answers without waiting for it, and closes the connection if the body is
//!   still to come.
//! - **Connection cap** ([`EmulatorBuilder::max_connections`], default
//!   [`DEFAULT_MAX_CONNECTIONS`], 1024): a connection past it is answered at once HTTP 503 with
//!   the envelope (`RequestLimitExceeded`) and closed, without reading its request; the
//!   connections within the cap are served as usual.
//!
//! Each connection costs one file descriptor: a dropped-connection fault closes the request's
//! own socket. [`RunningEmulator::shutdown`] stops accepting, closes idle connections, lets the
//! requests in flight finish (stuck clients included, within their timeouts) and returns.
//!
//! # Fixtures
//!
//! The starting data is a JSON [`Fixture`]; the format is documented in [`fixture`]. The
//! built-in demo ([`Fixture::demo`], `fixtures/demo.json`) has three users ([`DEMO_USER_ID`],
//! [`DEMO_MEMBER_ID`], [`DEMO_OUTSIDER_ID`]), a team ([`DEMO_TEAM_ID`]), a class tree, videos,
//! audio and images with realistic metadata, projects of every category, export tasks, and a
//! shared authorization (the outsider shares with the team).
//!
//! # Admin routes
//!
//! | Route | What |
//! |---|---|
//! | `GET /_emulator/health` | `{"Status":"ok"}` |
//! | `GET` / `POST` / `DELETE /_emulator/faults` | list, add (JSON, see [`faults`]), clear faults |
//! | `DELETE /_emulator/faults/{id}` | remove one fault |
//! | `GET` / `DELETE /_emulator/stats` | request counters / zero them |
//! | `POST /_emulator/tickets/expire` | expire every ticket issued so far |
//! | `POST /_emulator/tasks/complete` | finish every running processing task now |
//! | `GET /_emulator/state` | the whole state as JSON |
//! | `POST /_emulator/reset` | put the state back to the fixture's |
//!
//! # Fault injection
//!
//! [`FaultSpec`] describes a delay, an HTTP status, a dropped connection or a garbage body, for
//! every request, the login or one action, the next N times and/or a ratio, before the action
//! runs or after it (the change is made, the reply is lost). Inject with
//! [`RunningEmulator::inject`] or `POST /_emulator/faults`; see [`faults`].

mod config;
mod connections;
mod cos;
mod credentials;
pub mod dispatch;
pub mod faults;
pub mod fixture;
#[rustfmt::skip]
pub mod generated;
mod header_case;
mod http;
mod ids;
mod login;
mod objects;
mod probe;
mod server;
mod service;
mod signature;
pub mod state;
mod stats;
mod tickets;
mod time;
mod vod;

pub use config::{
    Emulator, EmulatorBuilder, FileConfig, LoginShape, StartError, DEFAULT_BODY_READ_TIMEOUT,
    DEFAULT_HEADER_READ_TIMEOUT, DEFAULT_LISTEN, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_CONNECTIONS,
    DEFAULT_STORAGE_CAP, DEFAULT_TASK_DURATION, DEFAULT_TEMP_CREDENTIAL_LIFETIME,
    DEFAULT_TICKET_LIFETIME, DEFAULT_VOD_SIGN_LIFETIME, DEMO_MATERIAL_ID, DEMO_MEMBER_ID,
    DEMO_OUTSIDER_ID, DEMO_PLATFORM, DEMO_PROJECT_ID, DEMO_SECRET_ID, DEMO_SECRET_KEY,
    DEMO_TEAM_ID, DEMO_USER_ID, MAX_CONNECTIONS_LIMIT, MAX_VOD_SIGN_LIFETIME, VOD_SECRET_ID,
};
pub use faults::{CosOperation, FaultKind, FaultSpec, FaultTarget, Faults, VodAction};
pub use fixture::{Fixture, FixtureError};
pub use probe::sample_mp4;
pub use server::{RunningEmulator, Snapshot, VodRefusal, VodUpload};
pub use stats::Stats;
pub use vod::VodCode;
