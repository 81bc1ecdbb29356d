//! Why a command failed, how it is shown, and the exit status it gives.
//!
//! | Exit | Meaning |
//! |---|---|
//! | 0 | success |
//! | 2 | usage: a bad command, flag, value, JSON input or configuration; nothing was sent |
//! | 3 | the service answered with an error code (or an answer that could not be read) |
//! | 4 | authentication: the login or the ticket was refused, or no key is configured |
//! | 5 | network: a connection failed, timed out, or a proxy answered with an HTTP error |
//! | 6 | local I/O: a file could not be read or written |
//! | 130 | interrupted (Ctrl-C): `cme upload` stopped, its checkpoints kept |
//!
//! When some of the files of `cme upload FILE...` fail (the others are uploaded all the same),
//! the status is the highest of theirs: 6 (a local file) over 5 (the network) over 4 (auth)
//! over 3 (the service) over 2 (usage); Ctrl-C gives 130 whatever failed before.
//!
//! An upload's failures map the same way: its file missing, unreadable or changed is 6; an
//! input it cannot take (an empty file, an unknown extension, a part size, a checkpoint of
//! another file) is 2; VOD's and COS's error answers are 3.

use std::fmt;

use cme_sdk::upload::UploadError;
use cme_sdk::{AuthError, ErrorKind};
use serde_json::{json, Map, Value};

/// Exit status of a usage error.
pub const EXIT_USAGE: u8 = 2;
/// Exit status of an error answer of the service.
pub const EXIT_API: u8 = 3;
/// Exit status of an authentication failure.
pub const EXIT_AUTH: u8 = 4;
/// Exit status of a network failure or a timeout.
pub const EXIT_NETWORK: u8 = 5;
/// Exit status of a local I/O failure.
pub const EXIT_IO: u8 = 6;
/// Exit status of a command stopped by Ctrl-C (128 + SIGINT, as shells give).
pub const EXIT_INTERRUPTED: u8 = 130;

/// A failed command.
#[derive(Debug)]
pub enum Failure {
    /// Bad input or configuration, found before anything was sent.
    Usage(String),
    /// The key, or what signing needs, is missing: nothing can log in.
    NotConfigured(String),
    /// A call failed.
    Call(cme_sdk::Error),
    /// A local file could not be read or written.
    Io(String),
    /// Ctrl-C stopped the command; the text says what was kept and how to go on.
    Interrupted(String),
    /// Some files of `cme upload FILE...` failed, the others were uploaded.
    Files {
        /// Each failed file, as given, with its failure, in the command line's order.
        failed: Vec<(String, Failure)>,
        /// How many files the command had.
        of: usize,
        /// How to go on with the files not uploaded.
        resume: String,
    },
}

impl Failure {
    /// A usage error.
    pub fn usage(message: impl Into<String>) -> Self {
        Failure::Usage(message.into())
    }

    /// A local I/O error: what was being done, and the cause.
    pub fn io(what: impl fmt::Display, cause: impl fmt::Display) -> Self {
        Failure::Io(format!("{what}: {cause}"))
    }

    /// The exit status (see the module docs).
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Usage(_) => EXIT_USAGE,
            Failure::NotConfigured(_) => EXIT_AUTH,
            Failure::Io(_) => EXIT_IO,
            Failure::Interrupted(_) => EXIT_INTERRUPTED,
            Failure::Files { failed, .. } => failed
                .iter()
                .map(|(_, e)| e.exit_code())
                .max()
                .unwrap_or(EXIT_API),
            Failure::Call(e) => match e.kind() {
                ErrorKind::Upload(upload) => upload_exit_code(upload),
                ErrorKind::Auth(_) => EXIT_AUTH,
                ErrorKind::Api(_) if e.category() == Some(cme_sdk::ErrorCategory::Auth) => {
                    EXIT_AUTH
                }
                ErrorKind::Timeout(_) | ErrorKind::Transport(_) | ErrorKind::Http(_) => {
                    EXIT_NETWORK
                }
                ErrorKind::InvalidRequest(_) | ErrorKind::Encode(_) | ErrorKind::Config(_) => {
                    EXIT_USAGE
                }
                _ => EXIT_API,
            },
        }
    }

    /// The kind in one word, as the JSON error shows it.
    fn kind(&self) -> &'static str {
        match self.exit_code() {
            EXIT_USAGE => "usage",
            EXIT_AUTH => "auth",
            EXIT_NETWORK => "network",
            EXIT_IO => "io",
            EXIT_INTERRUPTED => "interrupted",
            _ => "api",
        }
    }

    /// The error as JSON (printed on stdout with `--output json`): `{"Error": {"Kind",
    /// "Action", "Code", "Message", "RequestId"}}`, each when known; for several files,
    /// `{"Error": {"Kind", "Message", "Files": [{"File", "Kind", ...}]}}`.
    pub fn to_json(&self) -> Value {
        let mut error = json!({ "Kind": self.kind() });
        if let Failure::Files { failed, of, .. } = self {
            error["Message"] = json!(format!("{} of {of} files not uploaded", failed.len()));
            let files = failed.iter().map(|(file, e)| {
                let mut one = Map::new();
                one.insert("File".into(), json!(file));
                if let Value::Object(fields) = &mut e.to_json()["Error"] {
                    one.extend(std::mem::take(fields));
                }
                Value::Object(one)
            });
            error["Files"] = Value::Array(files.collect());
        }
        if let Failure::Call(e) = self {
            if let Some(step) = e.upload_step() {
                error["Step"] = json!(step.to_string());
            }
            if let Some(action) = e.action() {
                error["Action"] = json!(action.to_string());
            }
            if let Some(api) = e.api() {
                error["Code"] = json!(api.code.as_str());
                if let Some(message) = api.best_message() {
                    error["Message"] = json!(message);
                }
                if let Some(id) = &api.request_id {
                    error["RequestId"] = json!(id);
                }
            }
        }
        if error.get("Message").is_none() {
            error["Message"] = json!(self.to_string());
        }
        json!({ "Error": error })
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Usage(m)
            | Failure::NotConfigured(m)
            | Failure::Io(m)
            | Failure::Interrupted(m) => f.write_str(m),
            Failure::Files { failed, of, resume } => {
                write!(f, "{} of {of} files not uploaded:", failed.len())?;
                for (file, e) in failed {
                    write!(f, "\ncme: {file}: {e}")?;
                }
                write!(f, "\ncme: {resume}")
            }
            Failure::Call(e) => {
                write!(f, "{e}")?;
                if let ErrorKind::Auth(AuthError::NoSignatureSource) = e.kind() {
                    f.write_str(" (configure a key: `cme configure`)")?;
                }
                Ok(())
            }
        }
    }
}

/// The exit status of an upload's own failure: the local file (6), an input or a checkpoint it
/// cannot take (2), or VOD's and COS's answers (3).
fn upload_exit_code(e: &UploadError) -> u8 {
    match e {
        UploadError::Io { .. }
        | UploadError::NotAFile { .. }
        | UploadError::FileChanged { .. }
        | UploadError::ReaderEnded { .. } => EXIT_IO,
        UploadError::Empty
        | UploadError::TooLarge { .. }
        | UploadError::PartSize { .. }
        | UploadError::UnknownMaterialType { .. }
        | UploadError::NoClass
        | UploadError::Checkpoint { .. } => EXIT_USAGE,
        _ => EXIT_API,
    }
}

impl From<cme_sdk::Error> for Failure {
    fn from(e: cme_sdk::Error) -> Self {
        Failure::Call(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_by_kind() {
        assert_eq!(Failure::usage("x").exit_code(), 2);
        assert_eq!(Failure::io("reading f", "gone").exit_code(), 6);
        assert_eq!(Failure::NotConfigured("no key".into()).exit_code(), 4);
        let io = Failure::io("reading req.json", "No such file");
        assert_eq!(io.to_string(), "reading req.json: No such file");
        assert_eq!(
            io.to_json(),
            json!({"Error": {"Kind": "io", "Message": "reading req.json: No such file"}})
        );

        // Several files: the highest status of theirs, each named.
        let files = Failure::Files {
            failed: vec![
                ("a.mp4".into(), Failure::usage("empty")),
                ("b.mp4".into(), Failure::io("reading b.mp4", "gone")),
            ],
            of: 3,
            resume: "run: cme upload a.mp4 b.mp4".into(),
        };
        assert_eq!(files.exit_code(), EXIT_IO);
        assert_eq!(
            files.to_string(),
            "2 of 3 files not uploaded:\ncme: a.mp4: empty\ncme: b.mp4: reading b.mp4: gone\n\
             cme: run: cme upload a.mp4 b.mp4"
        );
        assert_eq!(
            files.to_json(),
            json!({"Error": {"Kind": "io", "Message": "2 of 3 files not uploaded", "Files": [
                {"File": "a.mp4", "Kind": "usage", "Message": "empty"},
                {"File": "b.mp4", "Kind": "io", "Message": "reading b.mp4: gone"},
            ]}})
        );
    }
}
