//! The checkpoint of an upload from a file: JSON at a path the caller chooses, rewritten
//! atomically (a temporary file in the same directory, then a rename) after every step, so
//! that a later upload of the same file sends only what is missing.
//!
//! It is keyed by the file (canonical path, size, modification time, SHA-1 of the first 10 MiB)
//! and holds what a resume needs: the CME upload context and its VOD signature, the VOD
//! session key and storage path, the COS upload ID, the part size, the finished parts with
//! their ETags, and after the last part the file's SHA-1 and VOD's commit. It never holds
//! the temporary COS credentials: a resume applies to VOD again for fresh ones. The upload
//! signature and the session key open this one upload only, and expire (VOD keeps a session a
//! day); the file is still written readable by its owner only.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::error::{CheckpointProblem, UploadError, UploadStep};
use crate::error::Error;
use crate::redact::{self, Secrets};

/// The version of the format; a checkpoint of another version is refused.
const FORMAT: u32 = 1;

/// Which file a checkpoint is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FileKey {
    /// The canonical path.
    pub(crate) path: PathBuf,
    pub(crate) size: u64,
    /// The modification time: seconds and nanoseconds since the Unix epoch (negative before).
    pub(crate) modified_secs: i64,
    pub(crate) modified_nanos: u32,
    /// Hex SHA-1 of the first 10 MiB (`UploadSummaryKey`).
    pub(crate) summary_key: String,
}

impl FileKey {
    /// Why a checkpoint for `self` cannot serve the file `now`, if it cannot.
    pub(crate) fn mismatch(&self, now: &FileKey) -> Option<CheckpointProblem> {
        if self.path != now.path {
            Some(CheckpointProblem::OtherFile {
                checkpoint: self.path.clone(),
            })
        } else if self.size != now.size {
            Some(CheckpointProblem::SizeChanged {
                checkpoint: self.size,
                now: now.size,
            })
        } else if (self.modified_secs, self.modified_nanos)
            != (now.modified_secs, now.modified_nanos)
        {
            Some(CheckpointProblem::Modified)
        } else if self.summary_key != now.summary_key {
            Some(CheckpointProblem::ContentChanged)
        } else {
            None
        }
    }
}

/// The VOD upload session.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Session {
    #[serde(rename = "vodSessionKey")]
    pub(crate) session_key: String,
    pub(crate) storage_path: String,
}

/// What VOD's commit returned.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Committed {
    pub(crate) file_id: String,
    #[serde(rename = "vodVerifyKey")]
    pub(crate) verify_content: String,
}

/// The state of an upload, as kept in its checkpoint (an upload without a checkpoint keeps it
/// in memory only). Its JSON names the credential-like members as the redaction does
/// (`vodUploadSign`, `vodSessionKey`, `vodVerifyKey`), so an error about the file never quotes
/// them.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct State {
    format: u32,
    pub(crate) file: Option<FileKey>,
    pub(crate) upload_context: String,
    pub(crate) vod_upload_sign: String,
    pub(crate) part_size: u64,
    pub(crate) session: Option<Session>,
    /// The COS multipart upload, once initiated.
    pub(crate) upload_id: Option<String>,
    /// The parts COS acknowledged: number → ETag.
    pub(crate) parts: BTreeMap<u32, String>,
    /// Whether the COS object is complete (every part sent and, for a multipart upload,
    /// completed).
    pub(crate) completed: bool,
    /// Hex SHA-1 of the whole input (`UploadFullKey`), once every part was read.
    pub(crate) full_key: Option<String>,
    pub(crate) committed: Option<Committed>,
}

impl fmt::Debug for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("State")
            .field("file", &self.file)
            .field("upload_context", &self.upload_context)
            .field("part_size", &self.part_size)
            .field("has_session", &self.session.is_some())
            .field("upload_id", &self.upload_id)
            .field("parts", &self.parts.len())
            .field("completed", &self.completed)
            .field("full_key", &self.full_key)
            .field(
                "committed",
                &self.committed.as_ref().map(|c| c.file_id.as_str()),
            )
            .finish_non_exhaustive()
    }
}

impl State {
    /// A new upload's state, after `CreateUploadMaterial`.
    pub(crate) fn new(
        file: Option<FileKey>,
        upload_context: String,
        vod_upload_sign: String,
        part_size: u64,
    ) -> Self {
        Self {
            format: FORMAT,
            file,
            upload_context,
            vod_upload_sign,
            part_size,
            session: None,
            upload_id: None,
            parts: BTreeMap::new(),
            completed: false,
            full_key: None,
            committed: None,
        }
    }
}

/// A checkpoint file.
#[derive(Debug, Clone)]
pub(crate) struct Checkpoint {
    path: PathBuf,
}

impl Checkpoint {
    pub(crate) fn new(path: PathBuf) -> Self {
        Self { path }
    }

    /// The error for this checkpoint, refused for `problem`.
    pub(crate) fn refused(&self, problem: CheckpointProblem) -> Error {
        let path = self.path.clone();
        Error::upload(
            UploadStep::Checkpoint,
            UploadError::Checkpoint { path, problem },
            false,
        )
    }

    fn io_error(&self, err: &std::io::Error) -> Error {
        Error::upload(
            UploadStep::Checkpoint,
            UploadError::Io {
                path: Some(self.path.clone()),
                kind: err.kind(),
                message: err.to_string(),
            },
            false,
        )
    }

    /// The state in the file, `None` when there is no file. A file that is not a checkpoint of
    /// this SDK (or of another format) is refused.
    pub(crate) async fn load(&self) -> Result<Option<State>, Error> {
        let text = match tokio::fs::read(&self.path).await {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(err) => return Err(self.io_error(&err)),
        };
        let state: State = serde_json::from_slice(&text).map_err(|err| {
            // serde's message may quote a value: scrubbed of the file's credentials.
            let secrets = Secrets::default().and_credentials_in(&text);
            let why = secrets.scrub(&err.to_string(), redact::TEXT_CHARS);
            self.refused(CheckpointProblem::Unreadable(why.into_string()))
        })?;
        if state.format != FORMAT {
            let why = format!("format {} (this SDK reads format {FORMAT})", state.format);
            return Err(self.refused(CheckpointProblem::Unreadable(why)));
        }
        Ok(Some(state))
    }

    /// Checks that `state` (loaded from this file) serves the file `now` with the part size
    /// the upload asks for, if it asks for one.
    pub(crate) fn check(
        &self,
        state: &State,
        now: &FileKey,
        part_size: Option<u64>,
    ) -> Result<(), Error> {
        let recorded = state.file.as_ref().ok_or_else(|| {
            self.refused(CheckpointProblem::Unreadable(
                "it records no file".to_owned(),
            ))
        })?;
        if let Some(problem) = recorded.mismatch(now) {
            return Err(self.refused(problem));
        }
        match part_size {
            Some(requested) if requested != state.part_size => {
                Err(self.refused(CheckpointProblem::PartSize {
                    checkpoint: state.part_size,
                    requested,
                }))
            }
            _ => Ok(()),
        }
    }

    /// Writes `state` atomically: to a temporary file beside the checkpoint, then renamed over
    /// it, so that a crash leaves the old state or the new one. `durable` also flushes it to
    /// disk first (a power loss keeps it too): for the steps that create something remote,
    /// not for every part (a part a lost checkpoint forgot is only sent again).
    pub(crate) async fn save(&self, state: &State, durable: bool) -> Result<(), Error> {
        let json = serde_json::to_vec(state).map_err(|err| self.io_error(&err.into()))?;
        let path = self.path.clone();
        let written =
            tokio::task::spawn_blocking(move || write_atomically(&path, &json, durable)).await;
        match written {
            Ok(Ok(())) => Ok(()),
            Ok(Err(err)) => Err(self.io_error(&err)),
            Err(join) => std::panic::resume_unwind(join.into_panic()),
        }
    }

    /// Removes the file (the upload is over); a file already gone is fine.
    pub(crate) async fn remove(&self) -> Result<(), Error> {
        match tokio::fs::remove_file(&self.path).await {
            Ok(()) => Ok(()),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(err) => Err(self.io_error(&err)),
        }
    }
}

/// Writes `bytes` to `path` through a temporary file in the same directory, so that a reader
/// (or a crash) sees the old file or the new one, never a part; `durable` flushes the file to
/// disk before the rename.
fn write_atomically(path: &Path, bytes: &[u8], durable: bool) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let name = path.file_name().ok_or_else(|| {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, "the path names no file")
    })?;
    let mut temp_name = std::ffi::OsString::from(".");
    temp_name.push(name);
    temp_name.push(format!(
        ".{}.{:08x}.tmp",
        std::process::id(),
        crate::random::u32()
    ));
    let temp = dir.join(temp_name);
    let written = (|| {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&temp)?;
        file.write_all(bytes)?;
        if durable {
            file.sync_all()?;
        }
        std::fs::rename(&temp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> FileKey {
        FileKey {
            path: PathBuf::from("/data/clip.mp4"),
            size: 100,
            modified_secs: 1_700_000_000,
            modified_nanos: 5,
            summary_key: "aa".into(),
        }
    }

    #[test]
    fn a_key_names_what_differs() {
        let old = key();
        assert_eq!(old.mismatch(&key()), None);
        let mut now = key();
        now.path = PathBuf::from("/data/other.mp4");
        assert!(matches!(
            old.mismatch(&now),
            Some(CheckpointProblem::OtherFile { .. })
        ));
        let mut now = key();
        now.size = 101;
        assert_eq!(
            old.mismatch(&now),
            Some(CheckpointProblem::SizeChanged {
                checkpoint: 100,
                now: 101
            })
        );
        let mut now = key();
        now.modified_nanos = 6;
        assert_eq!(old.mismatch(&now), Some(CheckpointProblem::Modified));
        let mut now = key();
        now.summary_key = "bb".into();
        assert_eq!(old.mismatch(&now), Some(CheckpointProblem::ContentChanged));
    }

    #[tokio::test]
    async fn saves_atomically_and_refuses_what_it_cannot_read() {
        let dir = std::env::temp_dir().join(format!("cme-ckpt-{}", crate::random::u32()));
        std::fs::create_dir_all(&dir).unwrap();
        let checkpoint = Checkpoint::new(dir.join("up.json"));
        assert_eq!(checkpoint.load().await.unwrap(), None);
        let mut state = State::new(Some(key()), "ctx".into(), "sign".into(), 1 << 20);
        state.parts.insert(2, "\"etag\"".into());
        checkpoint.save(&state, true).await.unwrap();
        state.parts.insert(3, "\"etag3\"".into());
        checkpoint.save(&state, false).await.unwrap();
        assert_eq!(checkpoint.load().await.unwrap(), Some(state.clone()));
        // Only the checkpoint is left: no temporary file.
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["up.json"]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&checkpoint.path)
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // What it cannot read, it refuses, without quoting its credentials.
        std::fs::write(&checkpoint.path, b"{\"format\": 1, \"secret\": ").unwrap();
        let err = checkpoint.load().await.unwrap_err();
        assert_eq!(err.upload_step(), Some(UploadStep::Checkpoint));
        assert!(
            err.to_string().contains("is not a readable checkpoint"),
            "{err}"
        );
        let mut bad = serde_json::to_value(&state).unwrap();
        bad["vodUploadSign"] = "SIGN_SECRET".into();
        bad["partSize"] = "SIGN_SECRET".into();
        std::fs::write(&checkpoint.path, bad.to_string()).unwrap();
        let err = checkpoint.load().await.unwrap_err();
        assert!(!format!("{err} {err:?}").contains("SIGN_SECRET"), "{err}");
        let mut other = serde_json::to_value(&state).unwrap();
        other["format"] = 2.into();
        std::fs::write(&checkpoint.path, other.to_string()).unwrap();
        let err = checkpoint.load().await.unwrap_err();
        assert!(err.to_string().contains("format 2"), "{err}");
        checkpoint.remove().await.unwrap();
        checkpoint.remove().await.unwrap();
        std::fs::remove_dir(&dir).unwrap();
    }

    #[test]
    fn debug_shows_no_signature_or_session() {
        let mut state = State::new(None, "ctx".into(), "SIGN_SECRET".into(), 1);
        state.session = Some(Session {
            session_key: "SESSION_SECRET".into(),
            storage_path: "/b/k".into(),
        });
        state.committed = Some(Committed {
            file_id: "528".into(),
            verify_content: "VERIFY_SECRET".into(),
        });
        let shown = format!("{state:?}");
        assert!(!shown.contains("SECRET"), "{shown}");
    }
}
