//! Wires the emulator together: builds the state, the services and the routes from an
//! [`EmulatorBuilder`], binds the listener and hands it to the accept loop; [`RunningEmulator`] is
//! the handle a test or the binary keeps.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::SystemTime;

use axum::Router;
use cme_sdk::{Client, ClientBuilder, Signature, SignatureSource, Signer, Ticket, Validity};
use serde::Serialize;
use std::path::Path;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::config::VOD_SECRET_ID;
use crate::config::{EmulatorBuilder, StartError};
use crate::connections::{self, Limits};
use crate::credentials::Credentials;
use crate::faults::{FaultSpec, Faults};
use crate::fixture::FixtureError;
use crate::http::{self, admin, cme, cos, vod, Shared};
use crate::objects::Objects;
use crate::service::{Emulation, UploadSigning};
use crate::signature::VodKeys;
use crate::state::VodApp;
use crate::state::{Platform, Store};
use crate::stats::{Counters, Stats};
use crate::tickets::Tickets;
use crate::time;
use crate::vod::Vod;

impl EmulatorBuilder {
    /// Binds the address and serves in the background on the current tokio runtime.
    pub async fn start(self) -> Result<RunningEmulator, StartError> {
        start(self).await
    }
}

/// Every route of the main listener (CME, VOD, admin), with the envelope for the rest.
fn main_router(shared: Arc<Shared>) -> Router {
    Router::new()
        .merge(cme::routes())
        .merge(vod::routes())
        .merge(admin::routes())
        .fallback(cme::not_found)
        .method_not_allowed_fallback(cme::method_not_allowed)
        .with_state(shared)
}

/// The COS listener: every path is an object.
fn cos_router(shared: Arc<Shared>) -> Router {
    cos::routes().with_state(shared)
}

/// The VOD backup listener: the VOD routes only.
fn backup_router(shared: Arc<Shared>) -> Router {
    vod::routes()
        .fallback(vod::vod_not_found)
        .with_state(shared)
}

/// Binds an address.
async fn bind(addr: SocketAddr) -> Result<(TcpListener, SocketAddr), StartError> {
    let listener = TcpListener::bind(addr).await.map_err(StartError::Bind)?;
    let addr = listener.local_addr().map_err(StartError::Bind)?;
    Ok((listener, addr))
}

/// A listener served in the background until stopped.
#[derive(Debug)]
struct Serving {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Serving {
    fn start(listener: TcpListener, addr: SocketAddr, router: Router, limits: Limits) -> Self {
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(connections::serve(listener, router, limits, stopped));
        Self {
            addr,
            stop: Some(stop),
            task: Some(task),
        }
    }

    fn signal(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    async fn stopped(&mut self) {
        self.signal();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

fn url(addr: SocketAddr) -> String {
    format!("http://{addr}")
}

/// How `CreateUploadMaterial` signs the VOD uploads it allows, as `config` says.
pub(crate) fn upload_signing(config: &EmulatorBuilder) -> UploadSigning {
    let secs = |d: std::time::Duration| i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
    UploadSigning {
        keys: VodKeys::new(VOD_SECRET_ID),
        lifetime: secs(config.vod_sign_lifetime),
        one_time: config.vod_sign_one_time,
    }
}

/// Starts an emulator (see [`EmulatorBuilder::start`]).
async fn start(config: EmulatorBuilder) -> Result<RunningEmulator, StartError> {
    config.check()?;
    let now = time::unix_secs(SystemTime::now());
    let verifier = config.verifier();
    let upload_signing = upload_signing(&config);
    let keys = upload_signing.keys.clone();
    let store =
        Arc::new(Store::new(config.fixture, &config.platform, now).map_err(StartError::Fixture)?);
    let (main, main_addr) = bind(config.listen).await?;
    let (cos, cos_addr) = bind(config.cos_listen).await?;
    let backup = match config.vod_backup {
        Some(addr) => Some(bind(addr).await?),
        None => None,
    };
    let apps = store.vod_apps();
    let objects = Arc::new(
        Objects::new(
            config.storage_dir.as_deref(),
            config.storage_cap,
            config.body_read_timeout,
            apps.values().map(VodApp::bucket),
        )
        .map_err(|e| StartError::Config(format!("cannot make the storage directory: {e}")))?,
    );
    let credentials = Arc::new(Credentials::default());
    let shared = Arc::new(Shared {
        service: Emulation::new(
            store.clone(),
            verifier.clone(),
            config.task_duration,
            upload_signing,
        ),
        vod: Vod::new(
            keys,
            store.clone(),
            credentials.clone(),
            objects.clone(),
            config.temp_credential_lifetime,
            config.clock_skew,
            url(cos_addr),
        ),
        store,
        tickets: Tickets::new(config.ticket_lifetime),
        faults: Arc::new(Faults::default()),
        counters: Counters::default(),
        verifier,
        login_shape: config.login_shape,
        max_body_bytes: config.max_body_bytes,
        body_read_timeout: config.body_read_timeout,
        objects,
        credentials,
        short_buckets: apps
            .values()
            .map(|app| (app.storage_bucket.clone(), app.bucket()))
            .collect(),
        cos_url: url(cos_addr),
    });
    let limits = Limits {
        header_read_timeout: config.header_read_timeout,
        max_connections: config.max_connections,
        over_capacity: http::over_capacity_reply(config.max_connections),
        cos_header_case: false,
    };
    let main = Serving::start(main, main_addr, main_router(shared.clone()), limits.clone());
    let cos_limits = Limits {
        cos_header_case: true,
        ..limits.clone()
    };
    let cos = Serving::start(cos, cos_addr, cos_router(shared.clone()), cos_limits);
    let backup = backup.map(|(listener, addr)| {
        Serving::start(listener, addr, backup_router(shared.clone()), limits)
    });
    let (secret_id, secret_key) = config.keys.first().cloned().unwrap_or_default();
    Ok(RunningEmulator {
        platform: config.platform,
        signer: Signer::new(secret_id, secret_key),
        shared,
        main,
        cos,
        backup,
    })
}

/// A file [`RunningEmulator::upload_to_vod`] uploaded and committed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VodUpload {
    /// The VOD file ID (`CommitUploadUGC`'s `fileId`): `FinishUploadMaterial`'s `VodFileId`.
    pub file_id: String,
    /// `video.verify_content`: `FinishUploadMaterial`'s `VodVerifyKey`.
    pub verify_content: String,
    /// `video.url`.
    pub url: String,
}

/// Why VOD refused an upload: the reply's `code` and `message`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VodRefusal {
    /// `code`, e.g. `10010` for an expired signature (see [`VodCode`](crate::VodCode)).
    pub code: i64,
    /// `message`.
    pub message: String,
}

impl std::fmt::Display for VodRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "VOD code {}: {}", self.code, self.message)
    }
}

impl std::error::Error for VodRefusal {}

/// A copy of the emulator's state, per platform.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Snapshot {
    /// Every platform's data by name.
    pub platforms: BTreeMap<String, Platform>,
}

impl Snapshot {
    /// One platform's data.
    pub fn platform(&self, name: &str) -> Option<&Platform> {
        self.platforms.get(name)
    }
}

/// A running emulator. It stops when dropped, or gracefully with [`shutdown`](Self::shutdown).
#[derive(Debug)]
pub struct RunningEmulator {
    platform: String,
    signer: Signer,
    shared: Arc<Shared>,
    main: Serving,
    cos: Serving,
    backup: Option<Serving>,
}

impl RunningEmulator {
    /// The address it listens on (the main listener: login, actions, VOD, admin).
    pub fn local_addr(&self) -> SocketAddr {
        self.main.addr
    }

    /// Its base URL, e.g. `http://127.0.0.1:40123`: the login endpoint and the API endpoint
    /// both.
    pub fn base_url(&self) -> String {
        url(self.main.addr)
    }

    /// The VOD client-upload host's base URL (the main listener, as [`base_url`](Self::base_url)):
    /// `POST {vod_url}/v3/index.php?Action=ApplyUploadUGC` (the service's `vod2.qcloud.com`).
    pub fn vod_url(&self) -> String {
        self.base_url()
    }

    /// The VOD backup host's base URL (the service's `vod2.dnsv1.com`), when the backup listener
    /// is on ([`EmulatorBuilder::vod_backup`](crate::EmulatorBuilder::vod_backup)). It serves the
    /// VOD routes only, with the same state.
    pub fn vod_backup_url(&self) -> Option<String> {
        self.backup.as_ref().map(|b| url(b.addr))
    }

    /// The COS object store's base URL, e.g. `http://127.0.0.1:40124`: what a COS client uses as
    /// a custom domain. An object is at `{cos_url}{storagePath}` (the `storagePath` of an
    /// `ApplyUploadUGC`, whose first segment names the bucket); path-style
    /// (`{cos_url}/<bucket>-<appid>/<key>`) and virtual-host addressing (`Host:
    /// <bucket>-<appid>.cos.<region>.myqcloud.com`) work too.
    pub fn cos_url(&self) -> String {
        url(self.cos.addr)
    }

    /// The directory holding the uploaded bytes (removed when the emulator stops).
    pub fn storage_dir(&self) -> &Path {
        self.shared.objects.dir()
    }

    /// Bytes the COS store holds now (parts and objects).
    pub fn storage_used(&self) -> u64 {
        self.shared.objects.used()
    }

    /// The COS multipart uploads initiated and neither completed nor aborted: what a client
    /// that gave up an upload left behind.
    pub fn open_multipart_uploads(&self) -> usize {
        self.shared.objects.open_uploads()
    }

    /// Uploads `bytes` to VOD in-process as a client would (`ApplyUploadUGC` with
    /// `vod_upload_sign`, the bytes into the COS bucket, `CommitUploadUGC`), for a test that needs
    /// a committed VOD file without driving COS itself; `file_name`'s extension is the
    /// `videoType`. Finish the upload with the returned file ID and `verify_content`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use cme_emulator::{Emulator, DEMO_USER_ID};
    /// use cme_sdk::types::{Entity, MaterialType};
    ///
    /// let emulator = Emulator::builder().start().await?;
    /// let client = emulator.client(DEMO_USER_ID).await?;
    /// let started = client
    ///     .material()
    ///     .create_upload_material(9, MaterialType::Video, "clip", Entity::person(DEMO_USER_ID))
    ///     .send()
    ///     .await?;
    /// let vod = emulator.upload_to_vod(&started.vod_upload_sign, "clip.mp4", vec![0u8; 1024]).await?;
    /// let done = client
    ///     .material()
    ///     .finish_upload_material(started.upload_context)
    ///     .vod_file_id(vod.file_id)
    ///     .vod_verify_key(vod.verify_content)
    ///     .send()
    ///     .await?;
    /// assert!(done.material_id.is_some());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn upload_to_vod(
        &self,
        vod_upload_sign: &str,
        file_name: &str,
        bytes: impl Into<bytes::Bytes>,
    ) -> Result<VodUpload, VodRefusal> {
        let now = time::unix_secs(SystemTime::now());
        let data = self
            .shared
            .vod
            .upload(vod_upload_sign, file_name, bytes.into(), now)
            .await
            .map_err(|e| VodRefusal {
                code: e.code.as_i64(),
                message: e.message,
            })?;
        Ok(VodUpload {
            file_id: data["fileId"].as_str().unwrap_or_default().to_owned(),
            verify_content: data["video"]["verify_content"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            url: data["video"]["url"].as_str().unwrap_or_default().to_owned(),
        })
    }

    /// Makes every temporary COS credential issued so far expire now: the next COS request
    /// with one is refused (`403 RequestTimeTooSkewed`) until the client applies again.
    pub fn expire_credentials(&self) {
        self.shared
            .credentials
            .expire_all(time::unix_secs(SystemTime::now()));
    }

    /// The login URL for a signature (`<base>/?signature=<percent-encoded>`).
    pub fn login_url(&self, signature: &str) -> String {
        let query: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("signature", signature)
            .finish();
        format!("{}/?{query}", self.base_url())
    }

    /// The URL of an action for a ticket (`<base>/PaaS/<class>/<action>?auth=<ticket>`).
    pub fn api_url(&self, class: &str, action: &str, ticket: &str) -> String {
        let query: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("auth", ticket)
            .finish();
        format!("{}/PaaS/{class}/{action}?{query}", self.base_url())
    }

    /// The configured platform name (the fixture's unnamed platform).
    pub fn platform(&self) -> &str {
        &self.platform
    }

    /// A signer with the emulator's (first) API key, to make signatures like a backend would.
    pub fn signer(&self) -> &Signer {
        &self.signer
    }

    /// A `Login` signature for `user_id` on the configured platform, valid for five minutes.
    pub fn login_signature(&self, user_id: &str) -> Signature {
        self.signer
            .login(&self.platform, user_id, Validity::DEFAULT)
    }

    /// An `Upload` signature for `user_id` on the configured platform, valid for five minutes
    /// (the `VerifySign` of `CreateUploadMaterial` and `ProcessMaterial`).
    pub fn upload_signature(&self, user_id: &str) -> Signature {
        self.signer
            .upload(&self.platform, user_id, Validity::DEFAULT)
    }

    /// Issues a ticket for `user_id` on the configured platform without the login exchange
    /// (the user is registered if new).
    pub fn ticket_for(&self, user_id: &str) -> Ticket {
        if let Some(mut p) = self.shared.store.lock(&self.platform) {
            p.ensure_user(user_id, time::unix_secs(SystemTime::now()));
        }
        Ticket::new(self.shared.tickets.issue(&self.platform, user_id))
    }

    /// A client builder pointed at the emulator: its login and API endpoint
    /// ([`base_url`](Self::base_url)), and for uploads
    /// (`client.material().upload(path)`) its VOD host ([`vod_url`](Self::vod_url)), its VOD
    /// backup host when it has one ([`vod_backup_url`](Self::vod_backup_url)) and its COS store
    /// ([`cos_url`](Self::cos_url)). Add a signature source (or a signature) and build.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use cme_emulator::{Emulator, DEMO_USER_ID};
    /// use cme_sdk::SignatureSource;
    ///
    /// let emulator = Emulator::builder().vod_backup(true).start().await?;
    /// let source = SignatureSource::signer(emulator.signer().clone(), emulator.platform(), DEMO_USER_ID);
    /// let client = emulator.client_builder().signature_source(source).build()?;
    /// let backup = emulator.vod_backup_url().expect("a backup host");
    /// assert!(client.vod_endpoint().starts_with(&emulator.vod_url()));
    /// assert!(client.vod_backup_endpoint().is_some_and(|url| url.starts_with(&backup)));
    /// assert!(client.cos_endpoint().is_some_and(|url| url.starts_with(&emulator.cos_url())));
    /// # Ok(())
    /// # }
    /// ```
    pub fn client_builder(&self) -> ClientBuilder {
        let builder = Client::builder()
            .endpoint(self.base_url())
            .vod_endpoint(self.vod_url())
            .cos_endpoint(self.cos_url());
        match self.vod_backup_url() {
            Some(backup) => builder.vod_backup_endpoint(backup),
            None => builder,
        }
    }

    /// A client of `user_id` pointed at the emulator, logged in; its uploads go to the
    /// emulator's VOD host and COS store too ([`client_builder`](Self::client_builder)). Its signatures come from the
    /// emulator's signer ([`SignatureSource::signer`]), a fresh one for each login and each
    /// `VerifySign`, as from the app's backend, so it logs in again by itself when its ticket
    /// expires; it knows its platform and user.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use cme_emulator::{Emulator, DEMO_USER_ID};
    ///
    /// let emulator = Emulator::builder().start().await?;
    /// let client = emulator.client(DEMO_USER_ID).await?;
    /// let teams = client.team().describe_join_teams().send().await?;
    /// assert!(!teams.team_set.is_empty());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn client(&self, user_id: &str) -> Result<Client, cme_sdk::Error> {
        let source = SignatureSource::signer(self.signer.clone(), self.platform.as_str(), user_id);
        let client = self.client_builder().signature_source(source).build()?;
        client.login().await?;
        Ok(client)
    }

    /// The fault injector.
    pub fn faults(&self) -> &Faults {
        &self.shared.faults
    }

    /// Adds a fault; returns its ID. Shortcut for `faults().inject(spec)`.
    pub fn inject(&self, spec: FaultSpec) -> u64 {
        self.shared.faults.inject(spec)
    }

    /// Makes every ticket issued so far expire now.
    pub fn expire_tickets(&self) {
        self.shared.tickets.expire_all();
    }

    /// Makes every running `ProcessMaterial` task succeed now.
    pub fn complete_tasks(&self) {
        self.shared
            .store
            .complete_tasks(time::unix_millis(SystemTime::now()));
    }

    /// Request counters per route.
    pub fn stats(&self) -> Stats {
        self.shared.counters.snapshot()
    }

    /// Zeroes the request counters.
    pub fn reset_stats(&self) {
        self.shared.counters.reset();
    }

    /// A copy of the whole state.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            platforms: self.shared.store.snapshot(),
        }
    }

    /// Puts the state back to the fixture's (tickets stay valid); the uploaded bytes and the
    /// temporary COS credentials are forgotten.
    pub fn reset(&self) -> Result<(), FixtureError> {
        self.shared.reset(time::unix_secs(SystemTime::now()))
    }

    /// Stops accepting connections, lets the requests in flight finish, returns when every
    /// listener has stopped, and removes the directory of the uploaded bytes.
    pub async fn shutdown(mut self) {
        self.main.signal();
        self.cos.signal();
        if let Some(backup) = self.backup.as_mut() {
            backup.signal();
        }
        self.main.stopped().await;
        self.cos.stopped().await;
        if let Some(backup) = self.backup.as_mut() {
            backup.stopped().await;
        }
        self.shared.objects.close();
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        // the listeners stop; the bytes' directory goes with the last request in flight
        self.main.signal();
        self.cos.signal();
        if let Some(backup) = self.backup.as_mut() {
            backup.signal();
        }
    }
}
