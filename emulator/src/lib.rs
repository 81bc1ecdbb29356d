//! A local, stateful emulator of the Tencent Cloud CME (多媒体创作引擎) client API: what
//! LocalStack is for AWS, for CME. Code that works against it works against the service.
//!
//! One port serves the login exchange (`GET /?signature=<Login signature>`), every documented
//! action (`POST /PaaS/<ActionClass>/<ActionName>?auth=<ticket>`), the VOD client-upload host
//! (`POST /v3/index.php?Action=ApplyUploadUGC|CommitUploadUGC`) and the admin routes
//! (`/_emulator/...`); a second port serves a COS-compatible object store for the uploaded bytes
//! (see [Uploads](#uploads-vod-and-cos)). It verifies signatures as the service documents them (HMAC over the
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
//! `--header-read-timeout SECS`, `--body-read-timeout SECS`, `--max-connections N`, the upload
//! settings (`--cos-listen ADDR`, `--vod-backup-listen ADDR`, `--storage-dir DIR`,
//! `--storage-cap BYTES`, `--temp-credential-lifetime SECS`, `--vod-sign-lifetime SECS`,
//! `--vod-sign-one-time`) and `--config FILE` (a JSON [`FileConfig`]) change that. The banner
//! says where the VOD host, the VOD backup host and the COS store are. Ctrl-C stops it. The
//! same flags and run loop are a library module (`cli`, feature `cli`, on by default), which
//! `cme emulator` of the `cme-cli` crate reuses.
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
//! # Cargo features
//!
//! - `cli` (default): the `cme-emulator` binary and what only it needs (clap, tracing-subscriber,
//!   tokio's signal handling). A test suite that starts the emulator in-process does not build
//!   them with `cme-emulator = { version = "0.1", default-features = false }`.
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
//!   `FinishUploadMaterial`, from a file uploaded to VOD with its `VodUploadSign` (or, after a
//!   quick upload, one the platform already has); see [Uploads](#uploads-vod-and-cos).
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
//! # Uploads: VOD and COS
//!
//! The emulator plays the whole chain real clients run (reference `upload-and-cli.md` §0):
//!
//! 1. `CreateUploadMaterial` (with `UploadSummaryKey`, the SHA-1 of the file's first 10 MiB)
//!    answers an `UploadContext`, a real `VodUploadSign` (HMAC-SHA1 ++ plaintext, Base64, made
//!    with the emulator's VOD key [`VOD_SECRET_ID`]; its plaintext names the platform's VOD
//!    sub-application and, as `sourceContext`, the upload), and `QuickUpload`: true when the
//!    platform already has a file whose first 10 MiB hash to that key (then no bytes move:
//!    go to step 5 without `VodFileId`, with `UploadFullKey`).
//! 2. `POST {vod_url}/v3/index.php?Action=ApplyUploadUGC` with `{signature, videoName,
//!    videoType, videoSize}` (JSON; [`RunningEmulator::vod_url`], or the backup host
//!    [`RunningEmulator::vod_backup_url`]) answers `{"code":0,"message":"成功","data":{…}}`:
//!    `storageBucket`, `storageAppId`, `storageRegionV5` and `StorageRegionV5`
//!    (`ap-guangzhou`), `video.storagePath` (`/<storageBucket>/<folder>/<name>.<videoType>`),
//!    `domain`, `vodSessionKey`, `timestamp` (the server's clock, to correct skew) and
//!    `tempCertificate {secretId, secretKey, token, expiredTime}`, credentials for that folder
//!    only ([`EmulatorBuilder::temp_credential_lifetime`], default 1 hour). Sent again as
//!    `{signature, vodSessionKey}`, it maps back to the same storage path with fresh
//!    credentials (a session can be resumed for a day).
//! 3. The bytes go to the COS store at [`RunningEmulator::cos_url`], used as a custom domain:
//!    the object is `{cos_url}{storagePath}` (the bucket is named by the path's first segment;
//!    path-style `/<storageBucket>-<storageAppId>/<key>` and virtual-host addressing with
//!    `Host: <bucket>.cos.<region>.myqcloud.com` work too). Simple PUT, `POST ?uploads`
//!    (Initiate), `PUT ?partNumber&uploadId` (UploadPart, `ETag: "<md5>"`), `POST ?uploadId`
//!    (Complete: parts ascending with their ETags, each but the last at least 1 MiB, at most
//!    10,000), `DELETE ?uploadId` (Abort), `GET ?uploadId` (ListParts, `part-number-marker`,
//!    `max-parts`), `GET /?uploads&prefix=` (ListMultipartUploads), GET and HEAD of an object.
//!    Every request must carry a COS v5 signature (header or query) made with the temporary
//!    credentials and `x-cos-security-token`; it is recomputed over exactly the names in
//!    `q-header-list`/`q-url-param-list`. Errors are COS XML
//!    (`<Error><Code/><Message/><Resource/><RequestId/><TraceId/></Error>`, and
//!    `x-cos-request-id` on every reply): `SignatureDoesNotMatch`, `InvalidAccessKeyId`,
//!    `AccessDenied` (no or wrong token, `Request has expired`, outside the folder),
//!    `RequestTimeTooSkewed` (a signature starting over 15 minutes ahead, and **expired
//!    temporary credentials**: what Tencent's own VOD upload SDKs treat as "apply again with the
//!    `vodSessionKey`"), `NoSuchUpload`, `InvalidPart`, `InvalidPartOrder`, `EntityTooSmall`,
//!    `EntityTooLarge` (a part over 5 GiB, or the [storage cap](EmulatorBuilder::storage_cap)),
//!    `MalformedXML`, `NoSuchKey`, `NoSuchBucket`. Response header names are COS's (`ETag`,
//!    `Content-Length`), as Tencent's Python SDK needs.
//! 4. `CommitUploadUGC` with `{signature, vodSessionKey}` answers `fileId`, `video.url` and
//!    `video.verify_content` (HMAC ++ `ExpTime=<now + 1 h>&FileId=<id>`, Base64); sent again for
//!    the same session, the same file. It reads what the file's headers tell cheaply: size
//!    always; duration and picture size of an MP4/MOV, picture size of a PNG/GIF/JPEG, duration
//!    of a WAV.
//! 5. `FinishUploadMaterial` with `VodFileId` (a file committed for this `UploadContext`, else
//!    `InvalidParameterValue.VodFileNotExist`), `VodVerifyKey` (when sent: the `verify_content`
//!    of that file, not expired) and `UploadFullKey` (when sent: the SHA-1 of the stored bytes)
//!    creates the medium with the file's facts; without `VodFileId` it needs an `UploadFullKey`
//!    (and the summary key) of a file the platform has.
//!
//! VOD refusals are HTTP 200 with `{"code":N,"message":…}`: `10010` for an expired signature (the
//! service's code), the others the emulator's own ([`VodCode`]): `10001` bad request, `10002`
//! signature invalid, `10003` one-time signature used ([`EmulatorBuilder::vod_sign_one_time`]),
//! `10004` `vodSessionKey` invalid, `10005` upload unknown or finished, `10006` Commit before
//! the bytes, `10007` storage cap, `10008` unknown action.
//!
//! The bytes live in a fresh directory ([`RunningEmulator::storage_dir`], under
//! [`EmulatorBuilder::storage_dir`] or the system's temporary directory), streamed to disk (never
//! whole in memory) and removed on shutdown or drop. [`RunningEmulator::stats`] counts each VOD
//! action (`VOD/ApplyUploadUGC`, [`VodAction::route`]) and COS operation (`COS/UploadPart`,
//! [`CosOperation::route`]); faults target them with [`FaultSpec::vod`] and [`FaultSpec::cos`].
//! [`RunningEmulator::expire_credentials`] expires every temporary credential now,
//! [`RunningEmulator::open_multipart_uploads`] tells whether a client left a multipart upload
//! behind, and [`RunningEmulator::upload_to_vod`] plays a client's VOD upload in-process, for
//! tests that need a committed file without a COS client. [`sample_mp4`] makes a small file with
//! real MP4 headers.
//!
//! A client from [`RunningEmulator::client`] (or [`RunningEmulator::client_builder`]) uploads to
//! the emulator: its VOD host, its backup host when it has one, and its COS store are the
//! client's upload endpoints, so `client.material().upload(path)` runs the whole chain here.
//!
//! ```
//! use cme_emulator::Emulator;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let emulator = Emulator::builder().vod_backup(true).start().await?;
//! let vod = emulator.vod_url(); // POST {vod}/v3/index.php?Action=ApplyUploadUGC
//! let backup = emulator.vod_backup_url(); // Some(..): the same, on the backup host
//! let cos = emulator.cos_url(); // the COS custom domain: {cos}{storagePath}
//! # let _ = (vod, backup, cos);
//! # Ok(())
//! # }
//! ```
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
//! | `POST /_emulator/credentials/expire` | expire every temporary COS credential issued so far |
//! | `POST /_emulator/tasks/complete` | finish every running processing task now |
//! | `GET /_emulator/state` | the whole state as JSON |
//! | `POST /_emulator/reset` | put the state back to the fixture's (uploaded bytes and credentials go) |
//!
//! # Fault injection
//!
//! [`FaultSpec`] describes a delay, an HTTP status, a dropped connection or a garbage body, for
//! every request, the login, one action, one VOD action or one COS operation, the next N times
//! and/or a ratio, before the action
//! runs or after it (the change is made, the reply is lost). Inject with
//! [`RunningEmulator::inject`] or `POST /_emulator/faults`; see [`faults`].

#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "cli")]
#[cfg_attr(docsrs, doc(cfg(feature = "cli")))]
pub mod cli;
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

/// The README's examples, compiled (and run where they can) as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// Hooks for this workspace's fuzz targets (`fuzz/`); not part of the API: they may change or
/// go away in any release.
#[doc(hidden)]
pub mod __private {
    use std::sync::Arc;
    use std::time::SystemTime;

    use crate::dispatch::{Context, Failure, Reply};
    use crate::service::Emulation;
    use crate::state::Store;
    use crate::{EmulatorBuilder, FixtureError, Snapshot, StartError};

    /// The emulated service without its server: what a request reaches once its ticket is
    /// checked, over the builder's fixture, key and task duration.
    #[derive(Debug)]
    pub struct Service {
        store: Arc<Store>,
        service: Emulation,
    }

    impl Service {
        /// The service as [`EmulatorBuilder::start`] sets it up, with its state at `now`.
        pub fn new(builder: EmulatorBuilder, now: SystemTime) -> Result<Self, StartError> {
            let store = Store::new(
                builder.fixture.clone(),
                &builder.platform,
                crate::time::unix_secs(now),
            )
            .map_err(StartError::Fixture)?;
            let store = Arc::new(store);
            let service = Emulation::new(
                store.clone(),
                builder.verifier(),
                builder.task_duration,
                crate::server::upload_signing(&builder),
            );
            Ok(Self { store, service })
        }

        /// Decodes, validates and runs one request body, as the server does for a request
        /// whose ticket names `ctx`'s user and platform.
        pub fn dispatch(
            &self,
            ctx: &Context,
            class: &str,
            action: &str,
            body: &[u8],
        ) -> Result<Reply, Failure> {
            crate::generated::service::dispatch(&self.service, ctx, class, action, body)
        }

        /// A copy of the whole state.
        pub fn snapshot(&self) -> Snapshot {
            Snapshot {
                platforms: self.store.snapshot(),
            }
        }

        /// Puts the state back to the fixture's, at `now`.
        pub fn reset(&self, now: SystemTime) -> Result<(), FixtureError> {
            self.store.reset(crate::time::unix_secs(now))
        }
    }
}
