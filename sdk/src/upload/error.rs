//! What can go wrong in an upload, beyond the errors every call has: the step that failed and
//! the upload's own kinds of failure ([`ErrorKind::Upload`](crate::ErrorKind::Upload)).

use std::fmt;
use std::path::PathBuf;

/// The step of an upload that failed; see [`Error::upload_step`](crate::Error::upload_step).
///
/// A failed upload's error names it in its `Display`: `upload failed at part 7: …`,
/// `upload failed at finish (Material/FinishUploadMaterial): …`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UploadStep {
    /// Reading and checking the input (the file or the reader), before or while its parts are
    /// sent.
    Read,
    /// Reading or writing the checkpoint.
    Checkpoint,
    /// `Material/CreateUploadMaterial`, and `Material/DescribeClass` when the call sets no class
    /// (to find the owner's root class).
    Create,
    /// VOD `ApplyUploadUGC`: the upload session and its temporary COS credentials, also when
    /// they are refreshed during the upload.
    Apply,
    /// COS `InitiateMultipartUpload`.
    Initiate,
    /// COS `ListParts`, when resuming from a checkpoint.
    ListParts,
    /// COS `UploadPart` of this part (numbered from 1).
    Part(u32),
    /// COS `PutObject`: an input of one part goes in one request.
    Put,
    /// COS `CompleteMultipartUpload`.
    Complete,
    /// VOD `CommitUploadUGC`.
    Commit,
    /// `Material/FinishUploadMaterial`.
    Finish,
    /// COS `AbortMultipartUpload`, after [`AbortHandle::abort`](crate::upload::AbortHandle::abort).
    Abort,
}

impl fmt::Display for UploadStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UploadStep::Read => f.write_str("read"),
            UploadStep::Checkpoint => f.write_str("checkpoint"),
            UploadStep::Create => f.write_str("create"),
            UploadStep::Apply => f.write_str("apply"),
            UploadStep::Initiate => f.write_str("initiate"),
            UploadStep::ListParts => f.write_str("list parts"),
            UploadStep::Part(n) => write!(f, "part {n}"),
            UploadStep::Put => f.write_str("put"),
            UploadStep::Complete => f.write_str("complete"),
            UploadStep::Commit => f.write_str("commit"),
            UploadStep::Finish => f.write_str("finish"),
            UploadStep::Abort => f.write_str("abort"),
        }
    }
}

/// A failure of an upload that is not a failure of every call (those keep their kinds:
/// [`Transport`](crate::ErrorKind::Transport), [`Timeout`](crate::ErrorKind::Timeout),
/// [`Api`](crate::ErrorKind::Api) for the CME actions, …). Texts that come from a server are
/// scrubbed of credentials, on one line and bounded, as in every [`Error`](crate::Error).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum UploadError {
    /// The input could not be read: a missing file, no permission, an I/O error. Nothing was
    /// sent when it happened before the upload started.
    Io {
        /// The file, or `None` for a reader.
        path: Option<PathBuf>,
        /// What the operating system said.
        kind: std::io::ErrorKind,
        /// Its description.
        message: String,
    },
    /// The path is not a regular file (a directory, a device, a socket).
    NotAFile {
        /// The path.
        path: PathBuf,
    },
    /// The input has no bytes. CME makes media of files, and a file of 0 bytes is no video,
    /// audio or image: the SDK refuses it before anything is sent.
    Empty,
    /// The input is larger than COS takes in one object: 10,000 parts of 5 GiB.
    TooLarge {
        /// The input's size, in bytes.
        size: u64,
        /// The largest size COS takes.
        max: u64,
    },
    /// The part size set on the upload cannot carry this input: outside 1 MiB to 5 GiB, or it
    /// would need more than 10,000 parts.
    PartSize {
        /// The part size asked for.
        part_size: u64,
        /// The smallest part size that works for this input.
        min: u64,
        /// The largest part size COS takes.
        max: u64,
    },
    /// The material type cannot be told from the file name: set it with
    /// [`Upload::material_type`](crate::upload::Upload::material_type).
    UnknownMaterialType {
        /// The file name's extension, lower-cased (`None` without one).
        extension: Option<String>,
    },
    /// The call sets no class, and the owner has none to upload into (`DescribeClass` found no
    /// root class): set one with [`Upload::class_id`](crate::upload::Upload::class_id).
    NoClass,
    /// The file changed while it was read (its size or modification time differs from when the
    /// upload started, or it ended early). The upload is abandoned: its checkpoint would not
    /// match the file any more.
    FileChanged {
        /// The file.
        path: PathBuf,
    },
    /// The reader ended before the length it was announced with.
    ReaderEnded {
        /// The announced length.
        expected: u64,
        /// The bytes it gave.
        read: u64,
    },
    /// The checkpoint cannot be used; nothing was sent. Delete it to start the upload over.
    Checkpoint {
        /// The checkpoint file.
        path: PathBuf,
        /// Why.
        problem: CheckpointProblem,
    },
    /// VOD answered with a code other than 0 (`10010`: the upload signature expired).
    Vod {
        /// The code.
        code: i64,
        /// The message (empty when absent).
        message: String,
    },
    /// COS answered with an error (`<Error><Code>…</Code><Message>…</Message></Error>`).
    Cos {
        /// The HTTP status.
        status: u16,
        /// The COS code (`NoSuchUpload`, `InvalidPart`, …), or empty when the reply has none.
        code: String,
        /// The message (empty when absent).
        message: String,
        /// The reply's `RequestId` (or header `x-cos-request-id`), for Tencent's support.
        request_id: Option<String>,
    },
    /// A reply lacks what the protocol requires (an `ETag`, an `UploadId`), or a server broke
    /// the upload's rules (a resumed VOD session with another storage path).
    Protocol(String),
    /// The upload was aborted with [`AbortHandle::abort`](crate::upload::AbortHandle::abort);
    /// its COS multipart upload was aborted too, and its checkpoint removed.
    Aborted,
}

/// Why a checkpoint was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CheckpointProblem {
    /// It cannot be read as a checkpoint of this SDK (the text says why).
    Unreadable(String),
    /// It is for another file.
    OtherFile {
        /// The file the checkpoint is for.
        checkpoint: PathBuf,
    },
    /// The file's size differs from the checkpoint's.
    SizeChanged {
        /// The size the checkpoint recorded.
        checkpoint: u64,
        /// The size now.
        now: u64,
    },
    /// The file was modified since the checkpoint was written.
    Modified,
    /// The file's first 10 MiB differ from the checkpoint's.
    ContentChanged,
    /// The upload sets a part size other than the checkpoint's.
    PartSize {
        /// The checkpoint's part size.
        checkpoint: u64,
        /// The part size the upload sets.
        requested: u64,
    },
}

impl fmt::Display for CheckpointProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckpointProblem::Unreadable(why) => {
                write!(f, "it is not a readable checkpoint: {why}")
            }
            CheckpointProblem::OtherFile { checkpoint } => {
                write!(f, "it is for another file, {}", checkpoint.display())
            }
            CheckpointProblem::SizeChanged { checkpoint, now } => write!(
                f,
                "the file has {now} bytes, the checkpoint recorded {checkpoint}"
            ),
            CheckpointProblem::Modified => {
                f.write_str("the file was modified after the checkpoint was written")
            }
            CheckpointProblem::ContentChanged => {
                f.write_str("the file's first 10 MiB differ from the checkpoint's")
            }
            CheckpointProblem::PartSize {
                checkpoint,
                requested,
            } => write!(
                f,
                "the upload sets a part size of {requested} bytes, the checkpoint's is {checkpoint}"
            ),
        }
    }
}

impl fmt::Display for UploadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UploadError::Io {
                path: Some(path),
                message,
                ..
            } => write!(f, "cannot read {}: {message}", path.display()),
            UploadError::Io {
                path: None,
                message,
                ..
            } => write!(f, "cannot read the input: {message}"),
            UploadError::NotAFile { path } => {
                write!(f, "{} is not a regular file", path.display())
            }
            UploadError::Empty => f.write_str(
                "the input is empty (0 bytes): CME cannot make a medium of it, so nothing was sent",
            ),
            UploadError::TooLarge { size, max } => write!(
                f,
                "the input has {size} bytes, more than COS takes in one object ({max} bytes)"
            ),
            UploadError::PartSize {
                part_size,
                min,
                max,
            } => write!(
                f,
                "a part size of {part_size} bytes cannot carry this input: use {min} to {max} bytes \
                 (COS takes parts of 1 MiB to 5 GiB, at most 10,000 of them)"
            ),
            UploadError::UnknownMaterialType { extension } => {
                match extension {
                    Some(ext) => write!(f, "cannot tell the material type of a .{ext} file")?,
                    None => f.write_str("cannot tell the material type of a file without extension")?,
                }
                f.write_str(": set it with Upload::material_type")
            }
            UploadError::NoClass => f.write_str(
                "the owner has no class to upload into (DescribeClass found none): set one with \
                 Upload::class_id",
            ),
            UploadError::FileChanged { path } => write!(
                f,
                "{} changed while it was uploaded; the upload was abandoned",
                path.display()
            ),
            UploadError::ReaderEnded { expected, read } => write!(
                f,
                "the reader ended after {read} bytes, but the upload was announced with {expected}"
            ),
            UploadError::Checkpoint { path, problem } => write!(
                f,
                "the checkpoint {} cannot be used ({problem}); delete it to start the upload over",
                path.display()
            ),
            UploadError::Vod { code, message } => {
                write!(f, "VOD code {code}")?;
                if !message.is_empty() {
                    write!(f, ": {message}")?;
                }
                if *code == 10010 {
                    f.write_str(" (the upload signature expired)")?;
                }
                Ok(())
            }
            UploadError::Cos {
                status,
                code,
                message,
                request_id,
            } => {
                f.write_str("COS ")?;
                if code.is_empty() {
                    f.write_str("error")?;
                } else {
                    f.write_str(code)?;
                }
                if !message.is_empty() {
                    write!(f, ": {message}")?;
                }
                write!(f, " [HTTP {status}]")?;
                if let Some(id) = request_id {
                    write!(f, " (request {id})")?;
                }
                Ok(())
            }
            UploadError::Protocol(what) => write!(f, "unexpected reply: {what}"),
            UploadError::Aborted => f.write_str("aborted"),
        }
    }
}
