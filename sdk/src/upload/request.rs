//! The upload a caller configures ([`Upload`]), runs ([`UploadTask`]) and gets back
//! ([`Uploaded`]).

use std::fmt;
use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use secrecy::SecretString;
use tokio::io::AsyncRead;
use tokio::sync::watch;

use super::progress::{Progress, ProgressFn, DEFAULT_PROGRESS_INTERVAL};
use super::run;
use super::source::{self, Gauge, Opened};
use crate::client::Client;
use crate::error::Error;
use crate::options::RetryPolicy;
use crate::types::{Entity, MaterialType};

/// The default of [`Upload::concurrency`]: parts in flight at once.
pub const DEFAULT_CONCURRENCY: usize = 4;

/// The default of [`Upload::part_timeout`]: one attempt of one COS request.
pub const DEFAULT_PART_TIMEOUT: Duration = Duration::from_secs(300);

/// The default of [`Upload::retry`] for the VOD and COS requests: 5 attempts, backoff from
/// 500 ms to 10 s with full jitter.
pub fn default_upload_retry() -> RetryPolicy {
    RetryPolicy::new()
        .with_max_attempts(5)
        .with_base_delay(Duration::from_millis(500))
        .with_max_delay(Duration::from_secs(10))
}

/// Marks an [`Upload`] of a file ([`MaterialClient::upload`](crate::material::MaterialClient::upload)),
/// streamed from disk; only such an upload can keep a checkpoint.
#[derive(Debug)]
pub enum FromPath {}

/// Marks an [`Upload`] of a reader
/// ([`MaterialClient::upload_reader`](crate::material::MaterialClient::upload_reader)).
#[derive(Debug)]
pub enum FromReader {}

/// Where an upload's bytes come from.
pub(crate) enum Input {
    Path(PathBuf),
    Reader {
        reader: Box<dyn AsyncRead + Send + Unpin>,
        len: u64,
        file_name: String,
    },
}

impl fmt::Debug for Input {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Input::Path(path) => f.debug_tuple("Path").field(path).finish(),
            Input::Reader { len, file_name, .. } => f
                .debug_struct("Reader")
                .field("len", len)
                .field("file_name", file_name)
                .finish_non_exhaustive(),
        }
    }
}

impl Input {
    /// The file name the upload is known by: the medium's default name; its extension tells
    /// the material type and the VOD format.
    pub(crate) fn file_name(&self) -> String {
        match self {
            Input::Path(path) => path
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default(),
            Input::Reader { file_name, .. } => file_name.clone(),
        }
    }

    /// Opens the input, reading its first 10 MiB.
    pub(crate) async fn open(self, gauge: Arc<Gauge>) -> Result<Opened, Error> {
        match self {
            Input::Path(path) => source::open_file(path, gauge).await,
            Input::Reader { reader, len, .. } => source::open_reader(reader, len, gauge).await,
        }
    }
}

/// The settings of an upload, but its input.
#[derive(Clone)]
pub(crate) struct Options {
    pub(crate) name: Option<String>,
    pub(crate) class_id: Option<i64>,
    pub(crate) owner: Option<Entity>,
    pub(crate) material_type: Option<MaterialType>,
    pub(crate) tags: Vec<String>,
    pub(crate) part_size: Option<u64>,
    pub(crate) concurrency: usize,
    pub(crate) checkpoint: Option<PathBuf>,
    pub(crate) verify_sign: Option<SecretString>,
    pub(crate) retry: RetryPolicy,
    pub(crate) part_timeout: Duration,
    pub(crate) progress_interval: Duration,
    pub(crate) on_progress: Option<ProgressFn>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            name: None,
            class_id: None,
            owner: None,
            material_type: None,
            tags: Vec::new(),
            part_size: None,
            concurrency: DEFAULT_CONCURRENCY,
            checkpoint: None,
            verify_sign: None,
            retry: default_upload_retry(),
            part_timeout: DEFAULT_PART_TIMEOUT,
            progress_interval: DEFAULT_PROGRESS_INTERVAL,
            on_progress: None,
        }
    }
}

impl fmt::Debug for Options {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Options")
            .field("name", &self.name)
            .field("class_id", &self.class_id)
            .field("owner", &self.owner)
            .field("material_type", &self.material_type)
            .field("tags", &self.tags)
            .field("part_size", &self.part_size)
            .field("concurrency", &self.concurrency)
            .field("checkpoint", &self.checkpoint)
            .field(
                "verify_sign",
                &self.verify_sign.as_ref().map(|_| "<redacted>"),
            )
            .field("retry", &self.retry)
            .field("part_timeout", &self.part_timeout)
            .field("progress_interval", &self.progress_interval)
            .field("on_progress", &self.on_progress.is_some())
            .finish()
    }
}

/// An upload, ready to [`send`](Self::send) (or [`start`](Self::start), to watch its progress
/// or abort it). Made by [`MaterialClient::upload`](crate::material::MaterialClient::upload) or
/// [`MaterialClient::upload_reader`](crate::material::MaterialClient::upload_reader); see the
/// [module docs](crate::upload).
#[must_use = "an upload does nothing until it is sent"]
pub struct Upload<S = FromPath> {
    client: Client,
    input: Input,
    options: Options,
    kind: PhantomData<fn() -> S>,
}

impl<S> fmt::Debug for Upload<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Upload")
            .field("input", &self.input)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Upload<FromPath> {
    pub(crate) fn from_path(client: &Client, path: PathBuf) -> Self {
        Self::new(client, Input::Path(path))
    }

    /// Keeps a checkpoint at `path` (JSON, written atomically after every step and part, removed
    /// once the medium exists), so that an upload interrupted by an error, a crash or a dropped
    /// future can go on: the same upload with the same checkpoint sends only the parts COS
    /// does not have yet.
    ///
    /// A checkpoint for another file, or for this file since modified (size, modification time,
    /// first 10 MiB), is refused with [`UploadError::Checkpoint`](super::UploadError::Checkpoint)
    /// before anything is sent: delete it to start over. It holds no temporary credentials, but
    /// it holds the upload's VOD signature and session key (scoped to this upload, valid a
    /// day): it is written readable by its owner only.
    ///
    /// After an error that trying again may fix (a network failure, a refused part), the COS
    /// upload and the checkpoint are kept for the next try; after an abort, an error that makes
    /// them useless (the file changed) or the end of the upload, both are removed.
    pub fn checkpoint(mut self, path: impl Into<PathBuf>) -> Self {
        self.options.checkpoint = Some(path.into());
        self
    }
}

impl Upload<FromReader> {
    pub(crate) fn from_reader(
        client: &Client,
        reader: Box<dyn AsyncRead + Send + Unpin>,
        len: u64,
        file_name: String,
    ) -> Self {
        let input = Input::Reader {
            reader,
            len,
            file_name,
        };
        Self::new(client, input)
    }
}

impl<S> Upload<S> {
    fn new(client: &Client, input: Input) -> Self {
        Self {
            client: client.clone(),
            input,
            options: Options::default(),
            kind: PhantomData,
        }
    }

    /// The medium's name (default: the file name, extension included).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.options.name = Some(name.into());
        self
    }

    /// The class to upload into (default: the owner's root class, found with
    /// `DescribeClass`).
    pub fn class_id(mut self, class_id: i64) -> Self {
        self.options.class_id = Some(class_id);
        self
    }

    /// The medium's owner (default: the signed-in user, [`Client::me`]).
    pub fn owner(mut self, owner: crate::types::Entity) -> Self {
        self.options.owner = Some(owner);
        self
    }

    /// The material type (`VIDEO`, `AUDIO`, `IMAGE`, `STICKER`, `EFFECT_VIDEO`). By default it
    /// is told by the file name's extension (`.mp4` video, `.mp3` audio, `.png` image, …);
    /// an upload of a file whose extension tells none fails with
    /// [`UploadError::UnknownMaterialType`](super::UploadError::UnknownMaterialType) before
    /// anything is sent, unless this is set.
    pub fn material_type(mut self, material_type: MaterialType) -> Self {
        self.options.material_type = Some(material_type);
        self
    }

    /// The medium's tags.
    pub fn tags(mut self, tags: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.options.tags = tags.into_iter().map(Into::into).collect();
        self
    }

    /// The size of each part but the last, in bytes: 1 MiB to 5 GiB, and large enough for
    /// at most 10,000 parts (COS's limits; else the upload fails with
    /// [`UploadError::PartSize`](super::UploadError::PartSize) before sending anything). By
    /// default [`DEFAULT_PART_SIZE`](super::DEFAULT_PART_SIZE) (8 MiB), raised for inputs
    /// larger than 10,000 of them. An input of one part goes in one `PutObject`.
    ///
    /// The upload holds at most [`concurrency`](Self::concurrency) parts in memory at once.
    pub fn part_size(mut self, bytes: u64) -> Self {
        self.options.part_size = Some(bytes);
        self
    }

    /// How many parts are sent at once (default [`DEFAULT_CONCURRENCY`], at least 1). Memory
    /// is bounded by `concurrency × part size`, whatever the input's size.
    pub fn concurrency(mut self, parts: usize) -> Self {
        self.options.concurrency = parts.max(1);
        self
    }

    /// The `VerifySign` of `CreateUploadMaterial` (an `Upload` signature). By default the client
    /// asks its signature source for one.
    pub fn verify_sign(mut self, signature: impl Into<String>) -> Self {
        self.options.verify_sign = Some(SecretString::from(signature.into()));
        self
    }

    /// How the VOD and COS requests are retried (default [`default_upload_retry`]): each part,
    /// each VOD and COS call has this many attempts, with backoff and full jitter. The CME
    /// actions (`CreateUploadMaterial`, `FinishUploadMaterial`) follow the client's policy.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.options.retry = policy;
        self
    }

    /// Bounds one attempt of one COS request (a part, sent and acknowledged), default
    /// [`DEFAULT_PART_TIMEOUT`] (5 minutes). The VOD requests have the client's attempt
    /// timeout.
    pub fn part_timeout(mut self, timeout: Duration) -> Self {
        self.options.part_timeout = timeout;
        self
    }

    /// Calls `callback` with the upload's [`Progress`]: on every change of phase and at most
    /// once per [`progress_interval`](Self::progress_interval) as parts come back, and last
    /// with everything done. It runs on the upload's task: it should return quickly.
    pub fn on_progress(mut self, callback: impl Fn(&Progress) + Send + Sync + 'static) -> Self {
        self.options.on_progress = Some(Arc::new(callback));
        self
    }

    /// The least time between two progress reports (default 250 ms); phases are always told.
    pub fn progress_interval(mut self, interval: Duration) -> Self {
        self.options.progress_interval = interval;
        self
    }

    /// Runs the upload: its future returns the new medium, or the error of the step that
    /// failed. Dropping the future stops every transfer at once (the checkpoint, if any, is
    /// kept for a later resume).
    // The bounds are spelled out, as for `Call::send`: a change that loses them fails here.
    pub fn send(self) -> impl Future<Output = Result<Uploaded, Error>> + Send + 'static {
        self.start()
    }

    /// Starts the upload as an [`UploadTask`]: a future of the outcome, with a progress
    /// receiver and an abort handle. Nothing happens until the task is polled.
    pub fn start(self) -> UploadTask {
        let (progress, receiver) = watch::channel(Progress::default());
        let (abort, aborted) = watch::channel(false);
        let future = run::drive(self.client, self.input, self.options, progress, aborted);
        UploadTask {
            future: Box::pin(future),
            progress: receiver,
            abort: AbortHandle(Arc::new(abort)),
        }
    }
}

impl<S> IntoFuture for Upload<S> {
    type Output = Result<Uploaded, Error>;
    type IntoFuture = UploadTask;

    /// `upload.await` is `upload.start().await`.
    fn into_future(self) -> UploadTask {
        self.start()
    }
}

/// A running upload ([`Upload::start`]): a future of its outcome, with its progress and an
/// abort handle.
///
/// ```no_run
/// # async fn demo(client: cme_sdk::Client) -> Result<(), cme_sdk::Error> {
/// let task = client.material().upload("clip.mp4").start();
/// let mut progress = task.progress();
/// tokio::spawn(async move {
///     while progress.changed().await.is_ok() {
///         let p = progress.borrow_and_update().clone();
///         eprintln!("{:.0} % ({:.1} MB/s)", 100.0 * p.fraction(), p.bytes_per_second / 1e6);
///     }
/// });
/// let uploaded = task.await?;
/// # Ok(()) }
/// ```
#[must_use = "an upload does nothing until it is awaited"]
pub struct UploadTask {
    future: Pin<Box<dyn Future<Output = Result<Uploaded, Error>> + Send>>,
    progress: watch::Receiver<Progress>,
    abort: AbortHandle,
}

impl fmt::Debug for UploadTask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UploadTask")
            .field("progress", &*self.progress.borrow())
            .field("aborted", &self.abort.is_aborted())
            .finish_non_exhaustive()
    }
}

impl UploadTask {
    /// A receiver of the upload's [`Progress`], updated as [`Upload::on_progress`] is called.
    pub fn progress(&self) -> watch::Receiver<Progress> {
        self.progress.clone()
    }

    /// A handle that aborts the upload from anywhere.
    pub fn abort_handle(&self) -> AbortHandle {
        self.abort.clone()
    }
}

impl Future for UploadTask {
    type Output = Result<Uploaded, Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.future.as_mut().poll(cx)
    }
}

/// Aborts an upload ([`UploadTask::abort_handle`]).
#[derive(Debug, Clone)]
pub struct AbortHandle(Arc<watch::Sender<bool>>);

impl AbortHandle {
    /// Asks the upload to stop: it stops sending, aborts its COS multipart upload (so COS
    /// keeps none of its parts), removes its checkpoint, and ends with
    /// [`UploadError::Aborted`](super::UploadError::Aborted), or with the error of the COS
    /// abort if that failed (the checkpoint is then kept:
    /// [`MaterialClient::abort_upload`](crate::material::MaterialClient::abort_upload) can try
    /// again). The task must still be awaited for this to happen.
    pub fn abort(&self) {
        self.0.send_replace(true);
    }

    /// Whether [`abort`](Self::abort) was called.
    pub fn is_aborted(&self) -> bool {
        *self.0.borrow()
    }
}

/// What an upload did.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Uploaded {
    /// The new medium's ID. `None` only when the service's reply has none (older doc pages
    /// show `FinishUploadMaterial` replies without `Data`).
    pub material_id: Option<String>,
    /// The VOD file ID of the bytes (`None` after a quick upload: the service had them).
    pub vod_file_id: Option<String>,
    /// Whether the service already had these bytes (`QuickUpload`): none were sent.
    pub quick_upload: bool,
    /// Whether the upload went on from a checkpoint.
    pub resumed: bool,
    /// The input's size, in bytes.
    pub size: u64,
    /// Hex SHA-1 of the whole input (`UploadFullKey`).
    pub sha1: String,
    /// The number of parts of the input.
    pub parts: u32,
    /// Parts sent by this call.
    pub parts_sent: u32,
    /// Parts not sent because COS had them from an earlier try (a checkpoint).
    pub parts_skipped: u32,
    /// Bytes of the parts sent by this call (each counted once, however often it was retried).
    pub bytes_sent: u64,
    /// Requests to VOD and COS sent again after a failure.
    pub retries: u32,
    /// Times the temporary COS credentials were renewed.
    pub credential_renewals: u32,
    /// Whether a VOD request went to the backup host.
    pub used_backup_host: bool,
    /// The most bytes of the input held in memory at once (at most about
    /// `concurrency × part size`; for a reader, plus its first 10 MiB until they are sent).
    pub peak_buffered_bytes: u64,
    /// How long the upload took.
    pub elapsed: Duration,
}
