//! Reading the input: a file streamed from disk or an `AsyncRead`, one part after the other
//! and never twice, into buffers counted while they live.
//!
//! The parts are read in order by the task that runs the upload, and sent (and hashed, see
//! [`digest`](super::digest)) by others: reading is sequential (what disks and the OS
//! read-ahead like best). Memory is bounded by the buffers in flight: at most the upload's
//! concurrency, each of one part.

use std::fs::File;
use std::io::{Read as _, Seek as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::UNIX_EPOCH;

use bytes::Bytes;
use sha1::{Digest as _, Sha1};
use tokio::io::{AsyncRead, AsyncReadExt as _};

use super::checkpoint::FileKey;
use super::error::{UploadError, UploadStep};
use super::hex;
use crate::error::Error;

/// `UploadSummaryKey` is the SHA-1 of this many first bytes.
pub(crate) const SUMMARY_LEN: u64 = 10 << 20;

/// Bytes hashed at a time when a part is only hashed (it was sent before).
const SCRATCH_LEN: u64 = 1 << 20;

/// The bytes of input an upload holds in memory, and the most it held at once; and the buffers
/// it no longer uses, kept for its next parts.
///
/// Reusing the buffers keeps the process's memory at what the upload holds at once. Freed and
/// allocated again for every part, they would be left to the allocator, which need not give
/// them back: glibc's malloc serves buffers of this size, after the first is freed, from the
/// heap of the thread that asks (the reads run on tokio's blocking threads, each with its own
/// heap) and keeps what is freed there, which made an upload's peak RSS twice and more its
/// `concurrency × part size` (BENCHMARKS.md, "Issue 11: uploads").
#[derive(Debug, Default)]
pub(crate) struct Gauge {
    now: AtomicU64,
    peak: AtomicU64,
    /// Buffers no longer in use, at most as many as were in use at once.
    free: Mutex<Vec<Vec<u8>>>,
    /// Buffers allocated (not reused) so far.
    #[cfg(test)]
    allocated: AtomicU64,
}

impl Gauge {
    /// A buffer of `len` zero bytes: a free one if one is large enough, else a new one.
    fn take(&self, len: usize) -> Vec<u8> {
        let reused = {
            let mut free = self.free.lock().unwrap_or_else(PoisonError::into_inner);
            match free.iter().position(|b| b.capacity() >= len) {
                Some(i) => Some(free.swap_remove(i)),
                // None fits: one of them goes, so that the free ones and those in use are
                // never more than were in use at once.
                None => {
                    free.pop();
                    None
                }
            }
        };
        match reused {
            Some(mut data) => {
                data.clear();
                data.resize(len, 0);
                data
            }
            None => {
                #[cfg(test)]
                self.allocated.fetch_add(1, Ordering::SeqCst);
                vec![0; len]
            }
        }
    }

    /// Takes `data` back for reuse.
    fn give(&self, data: Vec<u8>) {
        self.free
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(data);
    }

    fn add(&self, n: u64) {
        let now = self.now.fetch_add(n, Ordering::SeqCst) + n;
        self.peak.fetch_max(now, Ordering::SeqCst);
    }

    fn sub(&self, n: u64) {
        self.now.fetch_sub(n, Ordering::SeqCst);
    }

    /// The most bytes held at once.
    pub(crate) fn peak(&self) -> u64 {
        self.peak.load(Ordering::SeqCst)
    }
}

/// Input bytes in memory, counted by a [`Gauge`] from their allocation until the last
/// [`Bytes`] made of them (in a retried request, in the HTTP client) is dropped.
struct Buffer {
    data: Vec<u8>,
    gauge: Arc<Gauge>,
}

impl Buffer {
    /// `len` zero bytes.
    fn zeroed(gauge: &Arc<Gauge>, len: usize) -> Self {
        gauge.add(len as u64);
        Self {
            data: gauge.take(len),
            gauge: gauge.clone(),
        }
    }

    fn into_bytes(self) -> Bytes {
        Bytes::from_owner(self)
    }
}

impl AsRef<[u8]> for Buffer {
    fn as_ref(&self) -> &[u8] {
        &self.data
    }
}

impl Drop for Buffer {
    fn drop(&mut self) {
        self.gauge.sub(self.data.len() as u64);
        self.gauge.give(std::mem::take(&mut self.data));
    }
}

/// A length as a buffer size.
fn buffer_len(len: u64) -> Result<usize, Error> {
    usize::try_from(len).map_err(|_| {
        let message = format!("a part of {len} bytes does not fit in this platform's memory");
        read_failed(None, std::io::ErrorKind::OutOfMemory, message)
    })
}

fn read_failed(path: Option<&Path>, kind: std::io::ErrorKind, message: String) -> Error {
    let path = path.map(Path::to_path_buf);
    let error = UploadError::Io {
        path,
        kind,
        message,
    };
    Error::upload(UploadStep::Read, error, false)
}

fn io_error(path: Option<&Path>, err: &std::io::Error) -> Error {
    read_failed(path, err.kind(), err.to_string())
}

fn changed(path: &Path) -> Error {
    let error = UploadError::FileChanged {
        path: path.to_path_buf(),
    };
    Error::upload(UploadStep::Read, error, false)
}

/// Runs `f` on the blocking pool; a panic in it goes on in the caller.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    match tokio::task::spawn_blocking(f).await {
        Ok(value) => value,
        Err(join) => std::panic::resume_unwind(join.into_panic()),
    }
}

/// An input, opened and checked, with what the upload needs to know before sending.
pub(crate) struct Opened {
    pub(crate) reader: PartReader,
    /// The input's size, in bytes (more than 0).
    pub(crate) size: u64,
    /// Hex SHA-1 of the first 10 MiB (`UploadSummaryKey`).
    pub(crate) summary_key: String,
    /// The file's key for a checkpoint (`None` for a reader).
    pub(crate) file_key: Option<FileKey>,
}

/// Opens the file at `path`: a regular file of at least one byte, readable; reads the
/// SHA-1 of its first 10 MiB. Nothing is sent before this succeeds.
pub(crate) async fn open_file(path: PathBuf, gauge: Arc<Gauge>) -> Result<Opened, Error> {
    let opening = gauge.clone();
    let (file, size, file_key) = blocking(move || open_blocking(&path, &opening)).await?;
    let reader = PartReader {
        input: Input::File {
            path: file_key.path.clone(),
            file: Some(file),
            size,
            modified: (file_key.modified_secs, file_key.modified_nanos),
        },
        gauge,
    };
    Ok(Opened {
        reader,
        size,
        summary_key: file_key.summary_key.clone(),
        file_key: Some(file_key),
    })
}

fn open_blocking(path: &Path, gauge: &Arc<Gauge>) -> Result<(File, u64, FileKey), Error> {
    let metadata = std::fs::metadata(path).map_err(|e| io_error(Some(path), &e))?;
    if !metadata.is_file() {
        let error = UploadError::NotAFile {
            path: path.to_path_buf(),
        };
        return Err(Error::upload(UploadStep::Read, error, false));
    }
    let mut file = File::open(path).map_err(|e| io_error(Some(path), &e))?;
    // What was opened (the path may have changed since it was looked at).
    let metadata = file.metadata().map_err(|e| io_error(Some(path), &e))?;
    let size = metadata.len();
    if size == 0 {
        return Err(Error::upload(UploadStep::Read, UploadError::Empty, false));
    }
    let canonical = std::fs::canonicalize(path).map_err(|e| io_error(Some(path), &e))?;
    let (modified_secs, modified_nanos) = modified(&metadata);
    let mut hasher = Sha1::new();
    hash_from(&mut file, &mut hasher, size.min(SUMMARY_LEN), gauge)
        .map_err(|e| file_read_error(path, &e))?;
    file.rewind().map_err(|e| io_error(Some(path), &e))?;
    let key = FileKey {
        path: canonical,
        size,
        modified_secs,
        modified_nanos,
        summary_key: hex(&hasher.finalize()),
    };
    Ok((file, size, key))
}

/// A file's modification time, as seconds and nanoseconds since the Unix epoch; `(0, 0)` on
/// a platform that does not keep it.
fn modified(metadata: &std::fs::Metadata) -> (i64, u32) {
    let Ok(time) = metadata.modified() else {
        return (0, 0);
    };
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => (
            i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
            after.subsec_nanos(),
        ),
        Err(before) => {
            let before = before.duration();
            let secs = i64::try_from(before.as_secs()).unwrap_or(i64::MAX);
            (-secs, before.subsec_nanos())
        }
    }
}

/// The error for a failed read of the file: an early end means it shrank.
fn file_read_error(path: &Path, err: &std::io::Error) -> Error {
    if err.kind() == std::io::ErrorKind::UnexpectedEof {
        changed(path)
    } else {
        io_error(Some(path), err)
    }
}

/// Hashes the next `len` bytes of `file`, through a scratch buffer.
fn hash_from(
    file: &mut File,
    hasher: &mut Sha1,
    mut len: u64,
    gauge: &Arc<Gauge>,
) -> std::io::Result<()> {
    let mut scratch = Buffer::zeroed(gauge, SCRATCH_LEN.min(len) as usize);
    while len > 0 {
        let n = SCRATCH_LEN.min(len) as usize;
        file.read_exact(&mut scratch.data[..n])?;
        hasher.update(&scratch.data[..n]);
        len -= n as u64;
    }
    Ok(())
}

/// Opens a reader of `size` bytes (more than 0): reads its first 10 MiB (kept, to be sent)
/// for their SHA-1.
pub(crate) async fn open_reader(
    mut reader: Box<dyn AsyncRead + Send + Unpin>,
    size: u64,
    gauge: Arc<Gauge>,
) -> Result<Opened, Error> {
    if size == 0 {
        return Err(Error::upload(UploadStep::Read, UploadError::Empty, false));
    }
    let prefix_len = size.min(SUMMARY_LEN);
    let mut prefix = Buffer::zeroed(&gauge, buffer_len(prefix_len)?);
    fill(&mut reader, &mut prefix.data, 0, size).await?;
    let summary_key = hex(&Sha1::digest(&prefix.data));
    let reader = PartReader {
        input: Input::Reader {
            reader,
            size,
            read: prefix_len,
            prefix: Some((prefix, 0)),
        },
        gauge,
    };
    Ok(Opened {
        reader,
        size,
        summary_key,
        file_key: None,
    })
}

/// Fills `buf` from `reader`, which has given `before` of its `size` bytes so far.
async fn fill(
    reader: &mut (dyn AsyncRead + Send + Unpin),
    buf: &mut [u8],
    before: u64,
    size: u64,
) -> Result<(), Error> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]).await {
            Ok(0) => {
                let read = before + filled as u64;
                let error = UploadError::ReaderEnded {
                    expected: size,
                    read,
                };
                return Err(Error::upload(UploadStep::Read, error, false));
            }
            Ok(n) => filled += n,
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
            Err(err) => return Err(io_error(None, &err)),
        }
    }
    Ok(())
}

enum Input {
    File {
        /// The canonical path, for errors.
        path: PathBuf,
        /// Taken while a read runs on the blocking pool.
        file: Option<File>,
        size: u64,
        modified: (i64, u32),
    },
    Reader {
        reader: Box<dyn AsyncRead + Send + Unpin>,
        size: u64,
        /// Bytes taken from the reader so far (the prefix included).
        read: u64,
        /// The first bytes, read to hash them, and how many of them were handed out.
        prefix: Option<(Buffer, usize)>,
    },
}

/// Reads the input's parts in order, each byte once.
pub(crate) struct PartReader {
    input: Input,
    gauge: Arc<Gauge>,
}

impl PartReader {
    /// The next `len` bytes, in a counted buffer.
    pub(crate) async fn read(&mut self, len: u64) -> Result<Bytes, Error> {
        let n = buffer_len(len)?;
        let buffer = match &mut self.input {
            Input::File { path, file, .. } => {
                // A read that was dropped midway took the file with it: this reader is done.
                let mut taken = file.take().ok_or_else(|| changed(path))?;
                let gauge = self.gauge.clone();
                let (taken, read) = blocking(move || {
                    let mut buffer = Buffer::zeroed(&gauge, n);
                    let read = taken.read_exact(&mut buffer.data).map(|()| buffer);
                    (taken, read)
                })
                .await;
                *file = Some(taken);
                read.map_err(|e| file_read_error(path, &e))?
            }
            Input::Reader {
                reader,
                size,
                read,
                prefix,
            } => {
                let mut buffer = Buffer::zeroed(&self.gauge, n);
                let mut filled = 0;
                if let Some((bytes, used)) = prefix {
                    filled = (bytes.data.len() - *used).min(n);
                    buffer.data[..filled].copy_from_slice(&bytes.data[*used..*used + filled]);
                    *used += filled;
                    if *used == bytes.data.len() {
                        *prefix = None;
                    }
                }
                fill(reader.as_mut(), &mut buffer.data[filled..], *read, *size).await?;
                *read += (n - filled) as u64;
                buffer
            }
        };
        Ok(buffer.into_bytes())
    }

    /// The bytes a part that is not sent again needs read (and hashed): in runs of at most
    /// 1 MiB, so that they take little memory.
    pub(crate) fn run_len(len: u64) -> u64 {
        len.min(SCRATCH_LEN)
    }

    /// Checks, for a file, that it did not change since it was opened.
    pub(crate) async fn finish(self) -> Result<(), Error> {
        if let Input::File {
            path,
            file,
            size,
            modified: opened,
        } = self.input
        {
            let file = file.ok_or_else(|| changed(&path))?;
            let metadata = blocking(move || file.metadata())
                .await
                .map_err(|e| io_error(Some(&path), &e))?;
            if metadata.len() != size || modified(&metadata) != opened {
                return Err(changed(&path));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_are_reused_once_dropped() {
        let gauge = Arc::new(Gauge::default());
        let part = 1 << 20;
        // Four parts in flight, as with a concurrency of 4, written to.
        let held: Vec<Buffer> = (0..4)
            .map(|_| {
                let mut buffer = Buffer::zeroed(&gauge, part);
                buffer.data.fill(0xAB);
                buffer
            })
            .collect();
        drop(held);
        // Then thirty-two more, and a shorter last one: all from the four, zeroed again.
        for len in std::iter::repeat_n(part, 32).chain([1000]) {
            let bytes = Buffer::zeroed(&gauge, len).into_bytes();
            assert_eq!(bytes.len(), len);
            assert!(bytes.iter().all(|&b| b == 0));
        }
        assert_eq!(gauge.allocated.load(Ordering::SeqCst), 4);
        assert_eq!(gauge.peak(), 4 * part as u64);
        assert_eq!(gauge.now.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn a_buffer_too_small_to_reuse_is_let_go() {
        let gauge = Arc::new(Gauge::default());
        drop(Buffer::zeroed(&gauge, 10));
        drop(Buffer::zeroed(&gauge, 20));
        let free = gauge.free.lock().expect("the lock");
        assert_eq!(free.len(), 1);
        assert_eq!(free[0].len(), 20);
    }
}
