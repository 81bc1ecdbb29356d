//! The object store behind the COS endpoint: buckets, objects and multipart uploads, with the
//! bytes in files of a directory the store owns (a fresh temporary directory, removed when the
//! store is closed or dropped) and a cap on the bytes it holds.
//!
//! Bodies are streamed to disk a chunk at a time (never held whole in memory), hashed on the
//! way (MD5 for the ETag; SHA-1 of the whole and of the first 10 MiB for a simple upload). A
//! completed multipart upload keeps its part files as the object's segments, in order, so
//! completing copies nothing; it reads them once to hash the whole object.
//!
//! The index is behind one lock held only for bookkeeping, never across disk I/O, so part
//! uploads run in parallel.

mod segments;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use md5::Md5;
use sha1::{Digest, Sha1};
use tempfile::TempDir;
use tokio::io::AsyncWriteExt;

pub(crate) use segments::SegmentReader;

use crate::signature::hex;

/// The smallest part but the last: 1 MiB.
pub(crate) const MIN_PART_SIZE: u64 = 1024 * 1024;
/// The largest part, and the largest simple upload: 5 GiB.
pub(crate) const MAX_PART_SIZE: u64 = 5 * 1024 * 1024 * 1024;
/// The most parts of an upload.
pub(crate) const MAX_PARTS: u32 = 10_000;
/// The longest key, bytes.
pub(crate) const MAX_KEY_BYTES: usize = 850;
/// How much of a file `UploadSummaryKey` hashes: 10 MiB.
pub(crate) const SUMMARY_BYTES: u64 = 10 * 1024 * 1024;

/// Why an object operation failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ObjectError {
    /// No such bucket.
    NoSuchBucket,
    /// No such object.
    NoSuchKey,
    /// No such multipart upload (never initiated, completed or aborted).
    NoSuchUpload,
    /// The upload is being completed; it takes no more parts.
    UploadCompleting,
    /// A part named in Complete was not uploaded, or its ETag differs.
    InvalidPart(u32),
    /// The parts of Complete are not in ascending order.
    InvalidPartOrder,
    /// A part other than the last is smaller than [`MIN_PART_SIZE`].
    EntityTooSmall { part: u32, size: u64 },
    /// A body larger than allowed (a part or simple upload over [`MAX_PART_SIZE`]).
    EntityTooLarge { limit: u64 },
    /// The store's cap would be passed.
    StorageFull { cap: u64 },
    /// A part number outside 1..=[`MAX_PARTS`], or a Complete without parts.
    InvalidArgument(String),
    /// A key that is empty or longer than [`MAX_KEY_BYTES`].
    InvalidKey(String),
    /// The body stopped arriving (broken, or idle too long).
    IncompleteBody(String),
    /// The disk failed.
    Io(String),
}

/// An object's facts and where its bytes are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Object {
    /// Size, bytes.
    pub(crate) size: u64,
    /// ETag without quotes: the MD5 (hex) of a simple upload, `<md5 of the part MD5s>-<parts>`
    /// of a multipart one.
    pub(crate) etag: String,
    /// SHA-1 of the whole object, hex.
    pub(crate) sha1: String,
    /// SHA-1 of the first 10 MiB, hex.
    pub(crate) summary_sha1: String,
    /// Content type given at upload.
    pub(crate) content_type: Option<String>,
    /// Last modified, Unix seconds.
    pub(crate) modified: i64,
    /// The files holding the bytes, in order.
    pub(crate) segments: Vec<PathBuf>,
}

/// An uploaded part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Part {
    /// Part number.
    pub(crate) number: u32,
    /// Size, bytes.
    pub(crate) size: u64,
    /// MD5, hex (the ETag without quotes).
    pub(crate) etag: String,
    /// Last modified, Unix seconds.
    pub(crate) modified: i64,
    path: PathBuf,
}

/// A multipart upload in progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Upload {
    /// Its ID.
    pub(crate) upload_id: String,
    /// The object key.
    pub(crate) key: String,
    /// When it was initiated, Unix seconds.
    pub(crate) initiated: i64,
    parts: BTreeMap<u32, Part>,
    completing: bool,
}

#[derive(Debug, Default)]
struct Bucket {
    objects: BTreeMap<String, Object>,
    uploads: BTreeMap<String, Upload>,
}

#[derive(Debug)]
struct Index {
    used: u64,
    next_file: u64,
    buckets: BTreeMap<String, Bucket>,
}

/// The store.
#[derive(Debug)]
pub(crate) struct Objects {
    dir: Mutex<Option<TempDir>>,
    root: PathBuf,
    cap: u64,
    idle_timeout: Duration,
    index: Mutex<Index>,
}

/// A body written to disk.
struct Written {
    path: PathBuf,
    size: u64,
    md5: [u8; 16],
    /// SHA-1 of the whole and of the first 10 MiB, when asked for.
    sha1: Option<(String, String)>,
}

/// A body being written to a file: until [`keep`](Self::keep), dropping it removes the file
/// and releases the room its bytes hold.
struct Pending<'a> {
    objects: &'a Objects,
    path: PathBuf,
    /// Bytes written (and reserved) so far.
    size: u64,
}

impl Pending<'_> {
    /// The whole body is written: the file and its room are the caller's.
    fn keep(mut self, md5: [u8; 16], sha1: Option<(String, String)>) -> Written {
        Written {
            path: std::mem::take(&mut self.path),
            size: std::mem::take(&mut self.size),
            md5,
            sha1,
        }
    }
}

impl Drop for Pending<'_> {
    fn drop(&mut self) {
        if !self.path.as_os_str().is_empty() {
            remove_files(std::slice::from_ref(&self.path));
        }
        if self.size > 0 {
            self.objects.release(self.size);
        }
    }
}

/// Hashes of a whole object, and of its first 10 MiB.
#[derive(Default)]
struct ObjectHasher {
    whole: Sha1,
    summary: Sha1,
    seen: u64,
}

impl ObjectHasher {
    fn update(&mut self, bytes: &[u8]) {
        self.whole.update(bytes);
        let room = SUMMARY_BYTES.saturating_sub(self.seen);
        let take = usize::try_from(room).unwrap_or(usize::MAX).min(bytes.len());
        self.summary.update(&bytes[..take]);
        self.seen = self.seen.saturating_add(bytes.len() as u64);
    }

    fn finish(self) -> (String, String) {
        (hex(&self.whole.finalize()), hex(&self.summary.finalize()))
    }
}

fn io(e: std::io::Error) -> ObjectError {
    ObjectError::Io(e.to_string())
}

impl Objects {
    /// A store in a fresh directory under `parent` (the system's temporary directory when
    /// `None`), holding at most `cap` bytes, with `buckets`. A body that sends nothing for
    /// `idle_timeout` is abandoned.
    pub(crate) fn new(
        parent: Option<&Path>,
        cap: u64,
        idle_timeout: Duration,
        buckets: impl IntoIterator<Item = String>,
    ) -> std::io::Result<Self> {
        let mut builder = tempfile::Builder::new();
        builder.prefix("cme-emulator-cos-");
        let dir = match parent {
            Some(parent) => builder.tempdir_in(parent)?,
            None => builder.tempdir()?,
        };
        Ok(Self {
            root: dir.path().to_path_buf(),
            dir: Mutex::new(Some(dir)),
            cap,
            idle_timeout,
            index: Mutex::new(Index {
                used: 0,
                next_file: 0,
                buckets: buckets
                    .into_iter()
                    .map(|name| (name, Bucket::default()))
                    .collect(),
            }),
        })
    }

    /// The directory holding the bytes.
    pub(crate) fn dir(&self) -> &Path {
        &self.root
    }

    /// The cap, bytes.
    pub(crate) fn cap(&self) -> u64 {
        self.cap
    }

    /// Bytes held now (parts and objects, and bodies being received).
    pub(crate) fn used(&self) -> u64 {
        self.lock().used
    }

    /// Multipart uploads initiated and neither completed nor aborted, in every bucket.
    pub(crate) fn open_uploads(&self) -> usize {
        self.lock().buckets.values().map(|b| b.uploads.len()).sum()
    }

    fn lock(&self) -> MutexGuard<'_, Index> {
        self.index.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Removes the directory and everything in it; the store holds nothing afterwards.
    pub(crate) fn close(&self) {
        self.clear();
        let dir = self
            .dir
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(dir) = dir {
            let _ = dir.close();
        }
    }

    /// Forgets every object and upload and deletes their files.
    pub(crate) fn clear(&self) {
        let files: Vec<PathBuf> = {
            let mut index = self.lock();
            index.used = 0;
            let mut files = Vec::new();
            for bucket in index.buckets.values_mut() {
                for object in std::mem::take(&mut bucket.objects).into_values() {
                    files.extend(object.segments);
                }
                for upload in std::mem::take(&mut bucket.uploads).into_values() {
                    files.extend(upload.parts.into_values().map(|p| p.path));
                }
            }
            files
        };
        remove_files(&files);
    }

    /// Whether the bucket exists.
    pub(crate) fn has_bucket(&self, bucket: &str) -> bool {
        self.lock().buckets.contains_key(bucket)
    }

    fn check_key(key: &str) -> Result<(), ObjectError> {
        if key.is_empty() {
            return Err(ObjectError::InvalidKey(
                "the object key is empty".to_owned(),
            ));
        }
        if key.len() > MAX_KEY_BYTES {
            return Err(ObjectError::InvalidKey(format!(
                "the object key is {} bytes, more than {MAX_KEY_BYTES}",
                key.len()
            )));
        }
        Ok(())
    }

    /// Reserves room for `bytes` more, or refuses at the cap.
    fn reserve(&self, bytes: u64) -> Result<(), ObjectError> {
        let mut index = self.lock();
        match index.used.checked_add(bytes) {
            Some(total) if total <= self.cap => {
                index.used = total;
                Ok(())
            }
            _ => Err(ObjectError::StorageFull { cap: self.cap }),
        }
    }

    fn release(&self, bytes: u64) {
        let mut index = self.lock();
        index.used = index.used.saturating_sub(bytes);
    }

    fn new_path(&self) -> PathBuf {
        let mut index = self.lock();
        index.next_file += 1;
        self.root.join(format!("{:08}.bin", index.next_file))
    }

    /// Streams `body` into a new file of at most `limit` bytes, within the cap, hashing it. On
    /// any failure, and when the future is dropped before its end (the server drops a request's
    /// future when its client goes away), the file is removed and its room released.
    async fn write<S, E>(
        &self,
        body: S,
        limit: u64,
        whole_sha1: bool,
    ) -> Result<Written, ObjectError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let mut pending = Pending {
            objects: self,
            path: self.new_path(),
            size: 0,
        };
        let (md5, sha1) = self
            .write_into(&pending.path, body, limit, whole_sha1, &mut pending.size)
            .await?;
        Ok(pending.keep(md5, sha1))
    }

    async fn write_into<S, E>(
        &self,
        path: &Path,
        mut body: S,
        limit: u64,
        whole_sha1: bool,
        size: &mut u64,
    ) -> Result<([u8; 16], Option<(String, String)>), ObjectError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        // a large buffer: one trip to the blocking pool per MiB, not per network chunk
        let file = tokio::fs::File::create(path).await.map_err(io)?;
        let mut file = tokio::io::BufWriter::with_capacity(1024 * 1024, file);
        let mut md5 = Md5::new();
        let mut hasher = whole_sha1.then(ObjectHasher::default);
        loop {
            let chunk = match tokio::time::timeout(self.idle_timeout, body.next()).await {
                Err(_) => {
                    return Err(ObjectError::IncompleteBody(format!(
                        "no bytes arrived for {} ms",
                        self.idle_timeout.as_millis()
                    )))
                }
                Ok(None) => break,
                Ok(Some(Err(e))) => return Err(ObjectError::IncompleteBody(e.to_string())),
                Ok(Some(Ok(chunk))) => chunk,
            };
            let n = chunk.len() as u64;
            if size.saturating_add(n) > limit {
                return Err(ObjectError::EntityTooLarge { limit });
            }
            self.reserve(n)?;
            *size += n;
            md5.update(&chunk);
            if let Some(h) = hasher.as_mut() {
                h.update(&chunk);
            }
            file.write_all(&chunk).await.map_err(io)?;
        }
        file.flush().await.map_err(io)?;
        Ok((md5.finalize().into(), hasher.map(ObjectHasher::finish)))
    }

    /// Simple upload (PUT Object): stores `body` as the object `key`, replacing any.
    pub(crate) async fn put<S, E>(
        &self,
        bucket: &str,
        key: &str,
        content_type: Option<String>,
        body: S,
        now: i64,
    ) -> Result<Object, ObjectError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        Self::check_key(key)?;
        if !self.has_bucket(bucket) {
            return Err(ObjectError::NoSuchBucket);
        }
        let written = self.write(body, MAX_PART_SIZE, true).await?;
        let (sha1, summary_sha1) = written.sha1.clone().unwrap_or_default();
        let object = Object {
            size: written.size,
            etag: hex(&written.md5),
            sha1,
            summary_sha1,
            content_type,
            modified: now,
            segments: vec![written.path.clone()],
        };
        self.store_object(bucket, key, object.clone(), written.size)?;
        Ok(object)
    }

    /// Puts `object` in place of any object `key`, whose files go.
    fn store_object(
        &self,
        bucket: &str,
        key: &str,
        object: Object,
        size: u64,
    ) -> Result<(), ObjectError> {
        let replaced = {
            let mut index = self.lock();
            let Some(b) = index.buckets.get_mut(bucket) else {
                drop(index);
                self.release(size);
                remove_files(&object.segments);
                return Err(ObjectError::NoSuchBucket);
            };
            let replaced = b.objects.insert(key.to_owned(), object);
            if let Some(old) = &replaced {
                index.used = index.used.saturating_sub(old.size);
            }
            replaced
        };
        if let Some(old) = replaced {
            remove_files(&old.segments);
        }
        Ok(())
    }

    /// Initiates a multipart upload of `key`; returns its ID.
    pub(crate) fn initiate(
        &self,
        bucket: &str,
        key: &str,
        now: i64,
    ) -> Result<String, ObjectError> {
        Self::check_key(key)?;
        let mut index = self.lock();
        let b = index
            .buckets
            .get_mut(bucket)
            .ok_or(ObjectError::NoSuchBucket)?;
        let upload_id = loop {
            let id = format!("{}{}", now, crate::ids::upload_id());
            if !b.uploads.contains_key(&id) {
                break id;
            }
        };
        b.uploads.insert(
            upload_id.clone(),
            Upload {
                upload_id: upload_id.clone(),
                key: key.to_owned(),
                initiated: now,
                parts: BTreeMap::new(),
                completing: false,
            },
        );
        Ok(upload_id)
    }

    /// The upload `upload_id` of `key`, checked to be there (and not completing, for a part).
    fn check_upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        for_part: bool,
    ) -> Result<(), ObjectError> {
        let index = self.lock();
        let b = index.buckets.get(bucket).ok_or(ObjectError::NoSuchBucket)?;
        match b.uploads.get(upload_id) {
            Some(u) if u.key == key && for_part && u.completing => {
                Err(ObjectError::UploadCompleting)
            }
            Some(u) if u.key == key => Ok(()),
            _ => Err(ObjectError::NoSuchUpload),
        }
    }

    /// Uploads part `number` of an upload (replacing an earlier one of that number); returns
    /// its MD5, hex.
    pub(crate) async fn upload_part<S, E>(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        number: u32,
        body: S,
        now: i64,
    ) -> Result<String, ObjectError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        if !(1..=MAX_PARTS).contains(&number) {
            return Err(ObjectError::InvalidArgument(format!(
                "partNumber {number} is not between 1 and {MAX_PARTS}"
            )));
        }
        self.check_upload(bucket, key, upload_id, true)?;
        let written = self.write(body, MAX_PART_SIZE, false).await?;
        let etag = hex(&written.md5);
        let part = Part {
            number,
            size: written.size,
            etag: etag.clone(),
            modified: now,
            path: written.path,
        };
        let outcome = {
            let mut index = self.lock();
            match index
                .buckets
                .get_mut(bucket)
                .and_then(|b| b.uploads.get_mut(upload_id))
            {
                Some(u) if !u.completing => {
                    let old = u.parts.insert(number, part);
                    if let Some(old) = &old {
                        index.used = index.used.saturating_sub(old.size);
                    }
                    Ok(old.map(|p| p.path))
                }
                // aborted, completed or completing while the body arrived
                Some(_) => Err((ObjectError::UploadCompleting, part.path)),
                None => Err((ObjectError::NoSuchUpload, part.path)),
            }
        };
        match outcome {
            Ok(old) => {
                if let Some(old) = old {
                    remove_files(&[old]);
                }
                Ok(etag)
            }
            Err((e, path)) => {
                self.release(written.size);
                remove_files(&[path]);
                Err(e)
            }
        }
    }

    /// The parts of an upload from after part `marker`, at most `max`; and whether more follow.
    pub(crate) fn list_parts(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        marker: u32,
        max: usize,
    ) -> Result<(Upload, Vec<Part>, bool), ObjectError> {
        let index = self.lock();
        let b = index.buckets.get(bucket).ok_or(ObjectError::NoSuchBucket)?;
        let u = match b.uploads.get(upload_id) {
            Some(u) if u.key == key => u,
            _ => return Err(ObjectError::NoSuchUpload),
        };
        let mut after = u
            .parts
            .range(marker.saturating_add(1)..)
            .map(|(_, p)| p.clone());
        let parts: Vec<Part> = after.by_ref().take(max).collect();
        let more = after.next().is_some();
        Ok((u.clone(), parts, more))
    }

    /// The uploads in progress whose key starts with `prefix`, by key then initiation.
    pub(crate) fn list_uploads(
        &self,
        bucket: &str,
        prefix: &str,
    ) -> Result<Vec<Upload>, ObjectError> {
        let index = self.lock();
        let b = index.buckets.get(bucket).ok_or(ObjectError::NoSuchBucket)?;
        let mut uploads: Vec<Upload> = b
            .uploads
            .values()
            .filter(|u| u.key.starts_with(prefix))
            .cloned()
            .collect();
        uploads.sort_by(|a, b| {
            (&a.key, a.initiated, &a.upload_id).cmp(&(&b.key, b.initiated, &b.upload_id))
        });
        Ok(uploads)
    }

    /// Aborts an upload and deletes its parts.
    pub(crate) fn abort(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
    ) -> Result<(), ObjectError> {
        let upload = {
            let mut index = self.lock();
            let b = index
                .buckets
                .get_mut(bucket)
                .ok_or(ObjectError::NoSuchBucket)?;
            match b.uploads.get(upload_id) {
                Some(u) if u.key == key => {}
                _ => return Err(ObjectError::NoSuchUpload),
            }
            let upload = b.uploads.remove(upload_id);
            let freed: u64 = upload
                .iter()
                .flat_map(|u| u.parts.values())
                .map(|p| p.size)
                .sum();
            index.used = index.used.saturating_sub(freed);
            upload
        };
        let files: Vec<PathBuf> = upload
            .into_iter()
            .flat_map(|u| u.parts.into_values().map(|p| p.path))
            .collect();
        remove_files(&files);
        Ok(())
    }

    /// Completes an upload with `parts` (number and ETag, without quotes), checked as COS does:
    /// at least one, ascending, each uploaded with that ETag, each but the last at least
    /// [`MIN_PART_SIZE`]. The parts become the object's segments; parts not named are deleted.
    pub(crate) async fn complete(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        parts: &[(u32, String)],
        now: i64,
    ) -> Result<Object, ObjectError> {
        let chosen: Vec<Part> = {
            let mut index = self.lock();
            let b = index
                .buckets
                .get_mut(bucket)
                .ok_or(ObjectError::NoSuchBucket)?;
            let u = match b.uploads.get_mut(upload_id) {
                Some(u) if u.key == key => u,
                _ => return Err(ObjectError::NoSuchUpload),
            };
            if u.completing {
                return Err(ObjectError::UploadCompleting);
            }
            if parts.is_empty() {
                return Err(ObjectError::InvalidArgument(
                    "CompleteMultipartUpload names no part".to_owned(),
                ));
            }
            if parts.windows(2).any(|w| w[0].0 >= w[1].0) {
                return Err(ObjectError::InvalidPartOrder);
            }
            let mut chosen = Vec::with_capacity(parts.len());
            for (number, etag) in parts {
                match u.parts.get(number) {
                    Some(p) if p.etag.eq_ignore_ascii_case(etag) => chosen.push(p.clone()),
                    _ => return Err(ObjectError::InvalidPart(*number)),
                }
            }
            if let Some(small) = chosen[..chosen.len() - 1]
                .iter()
                .find(|p| p.size < MIN_PART_SIZE)
            {
                return Err(ObjectError::EntityTooSmall {
                    part: small.number,
                    size: small.size,
                });
            }
            u.completing = true;
            chosen
        };
        let paths: Vec<PathBuf> = chosen.iter().map(|p| p.path.clone()).collect();
        let hashed = tokio::task::spawn_blocking(move || hash_segments(&paths))
            .await
            .map_err(|e| ObjectError::Io(e.to_string()))
            .and_then(|r| r.map_err(io));
        let (sha1, summary_sha1) = match hashed {
            Ok(h) => h,
            Err(e) => {
                let mut index = self.lock();
                if let Some(u) = index
                    .buckets
                    .get_mut(bucket)
                    .and_then(|b| b.uploads.get_mut(upload_id))
                {
                    u.completing = false;
                }
                return Err(e);
            }
        };
        let mut md5s = Md5::new();
        for p in &chosen {
            let mut raw = [0u8; 16];
            for (i, byte) in raw.iter_mut().enumerate() {
                *byte = u8::from_str_radix(p.etag.get(2 * i..2 * i + 2).unwrap_or("00"), 16)
                    .unwrap_or(0);
            }
            md5s.update(raw);
        }
        let size: u64 = chosen.iter().map(|p| p.size).sum();
        let object = Object {
            size,
            etag: format!("{}-{}", hex(&md5s.finalize()), chosen.len()),
            sha1,
            summary_sha1,
            content_type: None,
            modified: now,
            segments: chosen.iter().map(|p| p.path.clone()).collect(),
        };
        let (unused, replaced) = {
            let mut index = self.lock();
            let Some(b) = index.buckets.get_mut(bucket) else {
                return Err(ObjectError::NoSuchBucket);
            };
            let Some(upload) = b.uploads.remove(upload_id) else {
                return Err(ObjectError::NoSuchUpload);
            };
            let unused: Vec<Part> = upload
                .parts
                .into_values()
                .filter(|p| !chosen.iter().any(|c| c.number == p.number))
                .collect();
            let replaced = b.objects.insert(key.to_owned(), object.clone());
            let freed = unused.iter().map(|p| p.size).sum::<u64>()
                + replaced.as_ref().map_or(0, |o| o.size);
            index.used = index.used.saturating_sub(freed);
            (unused, replaced)
        };
        let mut files: Vec<PathBuf> = unused.into_iter().map(|p| p.path).collect();
        files.extend(replaced.into_iter().flat_map(|o| o.segments));
        remove_files(&files);
        Ok(object)
    }

    /// The object `key`.
    pub(crate) fn get(&self, bucket: &str, key: &str) -> Result<Object, ObjectError> {
        let index = self.lock();
        let b = index.buckets.get(bucket).ok_or(ObjectError::NoSuchBucket)?;
        b.objects.get(key).cloned().ok_or(ObjectError::NoSuchKey)
    }
}

impl Drop for Objects {
    fn drop(&mut self) {
        self.close();
    }
}

/// SHA-1 of the concatenated files, and of their first 10 MiB.
fn hash_segments(paths: &[PathBuf]) -> std::io::Result<(String, String)> {
    let mut hasher = ObjectHasher::default();
    let mut buf = vec![0u8; 256 * 1024];
    for path in paths {
        let mut file = std::fs::File::open(path)?;
        loop {
            let n = file.read(&mut buf)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
    }
    Ok(hasher.finish())
}

fn remove_files(files: &[PathBuf]) {
    for file in files {
        let _ = std::fs::remove_file(file);
    }
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;
    use std::sync::Arc;

    use super::*;

    /// A body that sends `chunk`, then nothing more: a client that stopped mid-body.
    fn stalled_body(chunk: &'static [u8]) -> impl Stream<Item = Result<Bytes, Infallible>> + Unpin {
        futures_util::stream::iter([Ok(Bytes::from_static(chunk))])
            .chain(futures_util::stream::pending())
    }

    /// The files in the store's directory.
    fn files(objects: &Objects) -> usize {
        std::fs::read_dir(objects.dir()).unwrap().count()
    }

    /// Runs `write` until the store holds `held` bytes of it, then drops it, as the server drops
    /// a request's future when its client goes away.
    async fn drop_once_holding<F>(objects: &Objects, held: u64, write: F)
    where
        F: std::future::Future + Send + 'static,
        F::Output: Send + std::fmt::Debug,
    {
        let task = tokio::spawn(write);
        while objects.used() < held {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        task.abort();
        assert!(task.await.unwrap_err().is_cancelled());
    }

    #[tokio::test]
    async fn a_body_dropped_mid_way_leaves_no_bytes_and_no_file() {
        let objects = Arc::new(
            Objects::new(None, 1 << 30, Duration::from_secs(60), ["b".to_owned()]).unwrap(),
        );
        let id = objects.initiate("b", "k", 0).unwrap();
        let part = {
            let (objects, id) = (objects.clone(), id.clone());
            async move {
                let body = stalled_body(b"abc");
                objects.upload_part("b", "k", &id, 1, body, 0).await
            }
        };
        drop_once_holding(&objects, 3, part).await;
        assert_eq!(objects.used(), 0, "the part's room is released");
        assert_eq!(files(&objects), 0, "the part's file is removed");
        let put = {
            let objects = objects.clone();
            async move { objects.put("b", "o", None, stalled_body(b"abcd"), 0).await }
        };
        drop_once_holding(&objects, 4, put).await;
        assert_eq!(
            (objects.used(), files(&objects)),
            (0, 0),
            "the same for a PUT"
        );

        // A whole part is kept, and accounted.
        let body = futures_util::stream::iter([Ok::<_, Infallible>(Bytes::from_static(b"xyz"))]);
        let etag = objects
            .upload_part("b", "k", &id, 1, body, 0)
            .await
            .unwrap();
        assert_eq!(etag, "d16fb36f0911f878998c136191af705e");
        assert_eq!((objects.used(), files(&objects)), (3, 1));
    }
}
