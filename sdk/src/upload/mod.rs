//! Uploading a local file (or a reader) as a new medium, in one call (feature `upload`, on by
//! default).
//!
//! ```no_run
//! # async fn demo(client: cme_sdk::Client) -> Result<(), cme_sdk::Error> {
//! let uploaded = client.material().upload("holiday.mp4").send().await?;
//! println!("medium {:?} (VOD file {:?})", uploaded.material_id, uploaded.vod_file_id);
//! # Ok(()) }
//! ```
//!
//! The call does what CME's own clients do (`CreateUploadMaterial` → VOD `ApplyUploadUGC` → COS
//! multipart upload → VOD `CommitUploadUGC` → `FinishUploadMaterial`):
//!
//! - **Quick upload.** `CreateUploadMaterial` carries the SHA-1 of the first 10 MiB
//!   (`UploadSummaryKey`); when the service already has the file (`QuickUpload`), no byte is
//!   sent and `FinishUploadMaterial` gets the whole file's SHA-1 (`UploadFullKey`).
//! - **Parts.** The file is streamed from disk in parts ([`Upload::part_size`], 8 MiB by
//!   default, larger for files of more than 10,000 of them), read in order, hashed as they are
//!   read (the whole-file SHA-1 needs no second pass), and sent [`Upload::concurrency`] at a
//!   time (4 by default) to COS, signed with COS's v5 signature and VOD's temporary
//!   credentials. Memory is bounded by `concurrency × part size` whatever the file's size. A
//!   file of one part goes in one `PutObject`.
//! - **Faults.** Each part, and each VOD and COS request, is retried with backoff and full
//!   jitter ([`Upload::retry`]). The temporary credentials are renewed (`ApplyUploadUGC` with
//!   the session key) at 90 % of their lifetime and when COS says they expired; COS signatures
//!   are dated by VOD's clock, so a skewed local clock does not matter. VOD requests go to the
//!   backup host after a network failure of the main one.
//! - **Errors** are [`Error`]s that name the step that failed
//!   ([`Error::upload_step`](crate::Error::upload_step): apply, part N, complete, commit,
//!   finish, …), with VOD's and COS's codes and messages as
//!   [`ErrorKind::Upload`](crate::ErrorKind::Upload); credentials and signatures never appear
//!   in them.
//! - **Inputs** are checked before anything is sent: a missing or unreadable file, a directory,
//!   an empty file, an extension that tells no material type (without
//!   [`Upload::material_type`]) each fail with a clear [`UploadError`].
//!
//! # Progress, abort and resume
//!
//! ```no_run
//! use cme_sdk::upload::Progress;
//!
//! # async fn demo(client: cme_sdk::Client) -> Result<(), cme_sdk::Error> {
//! let uploaded = client
//!     .material()
//!     .upload("/data/long-take.mov")
//!     .checkpoint("/data/long-take.mov.cme-upload") // resume from here after a crash
//!     .on_progress(|p: &Progress| eprintln!("{}/{} bytes", p.bytes_done, p.total_bytes))
//!     .send()
//!     .await?;
//! println!("{} of {} parts sent now", uploaded.parts_sent, uploaded.parts);
//! # Ok(()) }
//! ```
//!
//! - [`Upload::on_progress`] and [`UploadTask::progress`] (a `tokio::sync::watch` receiver) tell
//!   the bytes done and sent, the parts, the rate, throttled to one report per
//!   [`Upload::progress_interval`].
//! - Dropping the upload's future stops every transfer at once.
//!   [`AbortHandle::abort`] also aborts the COS multipart upload (COS keeps none of its parts)
//!   and removes the checkpoint.
//! - With [`Upload::checkpoint`], the upload's state is written to a file after every step; the
//!   same call later sends only the parts COS does not have (VOD is asked for fresh credentials
//!   with the session key). A checkpoint that does not match the file is refused.
//!   [`MaterialClient::abort_upload`](crate::material::MaterialClient::abort_upload) gives up
//!   such an upload.
//!
//! # Endpoints
//!
//! The VOD hosts and the COS host are set on the client:
//! [`ClientBuilder::vod_endpoint`](crate::ClientBuilder::vod_endpoint),
//! [`vod_backup_endpoint`](crate::ClientBuilder::vod_backup_endpoint) and
//! [`cos_endpoint`](crate::ClientBuilder::cos_endpoint) (an emulator serves all three).

mod checkpoint;
mod cos;
mod cos_auth;
mod credentials;
mod digest;
mod error;
mod media;
mod plan;
mod progress;
mod request;
mod run;
mod source;
mod vod;
mod xml;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use reqwest::Url;
use tokio::io::AsyncRead;

pub use error::{CheckpointProblem, UploadError, UploadStep};
pub use media::material_type_of;
pub use plan::{DEFAULT_PART_SIZE, MAX_PARTS, MAX_PART_SIZE, MIN_PART_SIZE};
pub use progress::{Phase, Progress, DEFAULT_PROGRESS_INTERVAL};
pub use request::{
    default_upload_retry, AbortHandle, FromPath, FromReader, Upload, UploadTask, Uploaded,
    DEFAULT_CONCURRENCY, DEFAULT_PART_TIMEOUT,
};
pub(crate) use vod::VodHosts;
pub use vod::{DEFAULT_VOD_BACKUP_ENDPOINT, DEFAULT_VOD_ENDPOINT};

use crate::error::Error;
use crate::generated::material::MaterialClient;

/// Where a client's uploads go.
#[derive(Debug, Clone)]
pub(crate) struct Endpoints {
    pub(crate) vod: VodHosts,
    /// The host every COS request goes to (`<url>/<storagePath>`); `None` for each bucket's
    /// own host.
    pub(crate) cos: Option<Url>,
}

impl<'c> MaterialClient<'c> {
    /// Uploads the file at `path` as a new medium; see the [`upload`](crate::upload) module.
    ///
    /// Returns an [`Upload`] to set options on and [`send`](Upload::send):
    /// `client.material().upload("clip.mp4").send().await?` names the medium after the file,
    /// tells its type by the extension, and puts it in the signed-in user's root class.
    #[cfg_attr(docsrs, doc(cfg(feature = "upload")))]
    pub fn upload(&self, path: impl Into<PathBuf>) -> Upload<FromPath> {
        Upload::from_path(self.client, path.into())
    }

    /// Uploads exactly `len` bytes of `reader` as a new medium known as `file_name` (its
    /// default name; its extension tells the material type and VOD's format). The reader is
    /// read once, in order; its first 10 MiB are kept in memory until they are sent (their
    /// SHA-1 goes first, in `CreateUploadMaterial`). A reader that ends early fails the upload
    /// with [`UploadError::ReaderEnded`]. No checkpoint: only a file can be resumed.
    #[cfg_attr(docsrs, doc(cfg(feature = "upload")))]
    pub fn upload_reader(
        &self,
        reader: impl AsyncRead + Send + Unpin + 'static,
        len: u64,
        file_name: impl Into<String>,
    ) -> Upload<FromReader> {
        Upload::from_reader(self.client, Box::new(reader), len, file_name.into())
    }

    /// Gives up the upload a checkpoint ([`Upload::checkpoint`]) describes: aborts its COS
    /// multipart upload (so COS keeps none of its parts) and removes the checkpoint. Nothing to
    /// do without a checkpoint at `checkpoint`.
    #[cfg_attr(docsrs, doc(cfg(feature = "upload")))]
    pub fn abort_upload(
        &self,
        checkpoint: impl Into<PathBuf>,
    ) -> impl std::future::Future<Output = Result<(), Error>> + Send + 'static {
        run::abort_checkpoint(self.client.clone(), checkpoint.into())
    }
}

/// Counters of one upload.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    retries: AtomicU32,
    renewals: AtomicU32,
}

impl Stats {
    /// A VOD or COS request is sent again.
    pub(crate) fn retried(&self) {
        self.retries.fetch_add(1, Ordering::Relaxed);
    }

    /// The credentials were renewed.
    pub(crate) fn renewed(&self) {
        self.renewals.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn retries(&self) -> u32 {
        self.retries.load(Ordering::Relaxed)
    }

    pub(crate) fn renewals(&self) -> u32 {
        self.renewals.load(Ordering::Relaxed)
    }
}

/// `bytes` in lower-case hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

/// This machine's clock, in Unix seconds.
pub(crate) fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
