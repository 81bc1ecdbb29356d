//! `cme upload FILE...`: the SDK's upload (`client.material().upload(path)`) of each file (a
//! folder is the files in it, [`crate::folder`]), `--jobs N` of them at once (one by default), with progress on stderr, a checkpoint per file
//! so that the same command goes on after an interruption, and Ctrl-C stopping cleanly (every
//! checkpoint kept, exit 130).
//!
//! - Each file's checkpoint is `--checkpoint PATH` (one file only), else
//!   `uploads/<name>-<hash>.json` in the config directory ([`default_checkpoint`]): private to
//!   the user (it holds the upload's VOD signature and session key) and the same for the same
//!   file whatever the working directory: a file of a folder is resumed like a file named. The SDK writes it after every part and removes it
//!   once the medium exists; `--no-resume` keeps none.
//! - `-` reads standard input, when it is a file (`< clip.mp4`): an upload must tell VOD its
//!   size first, which a pipe cannot. It needs `--name`, and keeps no checkpoint.
//! - `--abort FILE|CHECKPOINT` gives up the upload a checkpoint describes
//!   (`MaterialClient::abort_upload`): COS drops its parts, the checkpoint goes.
//! - The result of each file is an [`UploadResult`]: one object for one file, a list (printed
//!   as the files finish) for several.
//! - With several files, one that fails stops none of the others. The command then fails with
//!   [`Failure::Files`]: each failed file's error, the highest of their exit statuses, and the
//!   command that goes on with the files not uploaded ([`carry_on`]).
//! - Files whose material type their extension does not tell (without `--material-type`) are
//!   refused before anything is sent, all in one usage error ([`Request::expand`]). Ctrl-C stops every
//!   upload in flight (exit 130) and prints the same command.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::ArgMatches;
use cme_sdk::types::{Entity, MaterialType};
use cme_sdk::upload::{UploadError, Uploaded};
use cme_sdk::Client;
use futures_util::StreamExt;
use serde::Serialize;
use serde_json::Value;
use sha1::{Digest, Sha1};

use crate::error::Failure;
use crate::output::Output;
use crate::progress::{self, Mode};

/// What `cme upload` was asked to do.
#[derive(Debug, Clone)]
pub struct Request {
    /// The FILE arguments, `-` for standard input.
    pub arguments: Vec<PathBuf>,
    /// `--recursive`: a folder's subfolders too.
    pub recursive: bool,
    /// The files to upload: [`Request::arguments`], until [`Request::expand`] lists the files
    /// of the folders.
    pub files: Vec<PathBuf>,
    /// The index of the FILE argument each of [`Request::files`] comes from.
    pub argument_of: Vec<usize>,
    /// `--name`.
    pub name: Option<String>,
    /// `--class-id`.
    pub class_id: Option<i64>,
    /// `--owner`.
    pub owner: Option<Entity>,
    /// `--material-type`.
    pub material_type: Option<MaterialType>,
    /// `--tag`, in order.
    pub tags: Vec<String>,
    /// `--part-size`, in bytes.
    pub part_size: Option<u64>,
    /// `--concurrency`.
    pub concurrency: Option<usize>,
    /// `--jobs`: files uploaded at once.
    pub jobs: usize,
    /// `--retries`: attempts of each VOD and COS request.
    pub retries: Option<u32>,
    /// `--checkpoint`.
    pub checkpoint: Option<PathBuf>,
    /// `--no-resume`.
    pub no_resume: bool,
    /// `--progress` (`--no-progress` is `none`), not yet resolved against the terminal.
    pub progress: Mode,
    /// `--abort`.
    pub abort: bool,
}

/// The medium `cme upload` made of one file: the SDK's [`Uploaded`], in the API's casing.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UploadResult {
    /// The file, as given (`-` for standard input).
    pub file: String,
    /// The new medium.
    pub material_id: Option<String>,
    /// The VOD file of its bytes (none after a quick upload).
    pub vod_file_id: Option<String>,
    /// Whether the service had the bytes already, so none were sent.
    pub quick_upload: bool,
    /// Whether the upload went on from a checkpoint.
    pub resumed: bool,
    /// The file's size, in bytes.
    pub size: u64,
    /// Hex SHA-1 of the file.
    pub sha1: String,
    /// Its parts.
    pub parts: u32,
    /// Parts sent by this command.
    pub parts_sent: u32,
    /// Parts COS had from an earlier, interrupted try.
    pub parts_skipped: u32,
    /// Bytes sent by this command.
    pub bytes_sent: u64,
    /// VOD and COS requests sent again after a failure.
    pub retries: u32,
    /// Whether a VOD request went to the backup host.
    pub used_backup_host: bool,
    /// How long it took, in seconds.
    pub elapsed_seconds: f64,
}

impl UploadResult {
    fn new(file: &Path, uploaded: Uploaded) -> Self {
        Self {
            file: file.display().to_string(),
            material_id: uploaded.material_id,
            vod_file_id: uploaded.vod_file_id,
            quick_upload: uploaded.quick_upload,
            resumed: uploaded.resumed,
            size: uploaded.size,
            sha1: uploaded.sha1,
            parts: uploaded.parts,
            parts_sent: uploaded.parts_sent,
            parts_skipped: uploaded.parts_skipped,
            bytes_sent: uploaded.bytes_sent,
            retries: uploaded.retries,
            used_backup_host: uploaded.used_backup_host,
            elapsed_seconds: (uploaded.elapsed.as_secs_f64() * 1000.0).round() / 1000.0,
        }
    }
}

/// The flag of an owner and of a material type, typed like the generated flags.
pub static OWNER_TYPE: crate::spec::Type = crate::spec::Type::Struct("Entity");
/// See [`OWNER_TYPE`].
pub static MATERIAL_TYPE: crate::spec::Type = crate::spec::Type::Enum("MaterialType");

impl Request {
    /// The request of `cme upload`'s matches; inconsistent flags are usage errors.
    pub fn from_matches(m: &ArgMatches) -> Result<Self, Failure> {
        let typed = |id: &str| m.get_one::<Value>(id).cloned();
        let owner = typed("owner")
            .map(serde_json::from_value::<Entity>)
            .transpose()
            .map_err(|e| Failure::usage(format!("--owner: {e}")))?;
        let material_type = typed("material-type")
            .map(serde_json::from_value::<MaterialType>)
            .transpose()
            .map_err(|e| Failure::usage(format!("--material-type: {e}")))?;
        let no_progress = m.get_flag("no-progress");
        let progress = match m.get_one::<String>("progress") {
            _ if no_progress => Mode::None,
            Some(name) => Mode::parse(name)
                .ok_or_else(|| Failure::usage(format!("--progress: unknown mode {name}")))?,
            None => Mode::Auto,
        };
        let arguments: Vec<PathBuf> = m
            .get_many::<PathBuf>("file")
            .map(|files| files.cloned().collect())
            .unwrap_or_default();
        let request = Self {
            recursive: m.get_flag("recursive"),
            files: arguments.clone(),
            argument_of: (0..arguments.len()).collect(),
            arguments,
            name: m.get_one::<String>("name").cloned(),
            class_id: m.get_one::<i64>("class-id").copied(),
            owner,
            material_type,
            tags: m
                .get_many::<String>("tag")
                .map(|tags| tags.cloned().collect())
                .unwrap_or_default(),
            part_size: m.get_one::<u64>("part-size").copied(),
            concurrency: m.get_one::<u16>("concurrency").map(|n| usize::from(*n)),
            jobs: m.get_one::<u16>("jobs").map_or(1, |n| usize::from(*n)),
            retries: m.get_one::<u32>("retries").copied(),
            checkpoint: m.get_one::<PathBuf>("checkpoint").cloned(),
            no_resume: m.get_flag("no-resume"),
            progress,
            abort: m.get_flag("abort"),
        };
        request.check()?;
        Ok(request)
    }

    /// Lists the files of the folders among the arguments ([`crate::folder::list`]; the CLI's
    /// checkpoints in the config directory `dir` are never among them), then refuses, before
    /// anything is sent, flags that name one medium with several files and the files whose
    /// material type cannot be told.
    pub fn expand(&mut self, dir: &Path) -> Result<(), Failure> {
        let skipped = crate::folder::Skipped::checkpoints(dir, self.checkpoint.as_deref());
        let listed = crate::folder::list(&self.arguments, self.recursive, &skipped)?;
        (self.files, self.argument_of) = listed.into_iter().map(|f| (f.path, f.argument)).unzip();
        self.check()?;
        self.check_types()
    }

    /// One usage error for all the files whose type neither `--material-type` nor their name
    /// (or `--name`) tells: naming them, the first ten only.
    fn check_types(&self) -> Result<(), Failure> {
        const NAMED: usize = 10;
        if self.material_type.is_some() {
            return Ok(());
        }
        let untyped: Vec<&PathBuf> = self
            .files
            .iter()
            .filter(|f| !is_stdin(f))
            .filter(|f| {
                let name = self.name.as_deref().map_or(f.as_path(), Path::new);
                cme_sdk::upload::material_type_of(name).is_none()
            })
            .collect();
        match untyped.as_slice() {
            [] => Ok(()),
            [file] if self.files.len() == 1 => {
                let name = self.name.as_deref().map_or(file.as_path(), Path::new);
                let extension = name
                    .extension()
                    .and_then(|e| e.to_str())
                    .filter(|e| !e.is_empty())
                    .map(str::to_ascii_lowercase);
                Err(unknown_type(file, "", extension.as_deref()))
            }
            _ => {
                let mut named: Vec<String> = untyped
                    .iter()
                    .take(NAMED)
                    .map(|f| quote(f.as_os_str()))
                    .collect();
                if untyped.len() > NAMED {
                    named.push(format!("and {} more", untyped.len() - NAMED));
                }
                Err(Failure::usage(format!(
                    "cannot tell the material type of {} of {} files from their extensions:                      {}; give --material-type (VIDEO, AUDIO, IMAGE, …) if they are all of one                      type, or name the files to upload; nothing was sent",
                    untyped.len(),
                    self.files.len(),
                    named.join(" "),
                )))
            }
        }
    }

    /// What clap cannot tell: flags that name one medium with several files, `-` with what it
    /// cannot have.
    fn check(&self) -> Result<(), Failure> {
        let several = self.files.len() > 1;
        if several && self.checkpoint.is_some() {
            return Err(Failure::usage(
                "--checkpoint names the checkpoint of one file; with several files each gets \
                 its own (leave --checkpoint out)",
            ));
        }
        if several && self.name.is_some() {
            return Err(Failure::usage(
                "--name names one medium; with several files each is named after its file",
            ));
        }
        if self.abort && several {
            return Err(Failure::usage(
                "--abort gives up one upload: name one file or checkpoint",
            ));
        }
        let stdin = self.files.iter().any(|f| is_stdin(f));
        if stdin && (several || self.abort) {
            return Err(Failure::usage(
                "- (standard input) is uploaded alone, and keeps no checkpoint to abort",
            ));
        }
        if stdin && self.checkpoint.is_some() {
            return Err(Failure::usage(
                "- (standard input) keeps no checkpoint: only a file can be resumed",
            ));
        }
        if stdin && self.name.is_none() {
            return Err(Failure::usage(
                "- (standard input) needs --name, the medium's name (its extension tells the \
                 type, e.g. --name clip.mp4; or give --material-type)",
            ));
        }
        Ok(())
    }
}

fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// The checkpoint `cme upload FILE` keeps without `--checkpoint`: `uploads/<name>-<hash>.json`
/// in the config directory `dir`, where `<hash>` is of the file's canonical path, so the same
/// file has the same checkpoint from any working directory.
pub fn default_checkpoint(dir: &Path, file: &Path) -> Result<PathBuf, Failure> {
    let canonical = std::fs::canonicalize(file)
        .map_err(|e| Failure::io(format!("cannot upload {}", file.display()), e))?;
    let digest = Sha1::digest(canonical.as_os_str().as_encoded_bytes());
    let hash: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    let name: String = canonical
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .take(64)
        .collect();
    Ok(dir.join("uploads").join(format!("{name}-{hash}.json")))
}

/// Where things are: the config directory (for the default checkpoints) and the command line
/// (to tell how to resume).
#[derive(Debug)]
pub struct Place<'a> {
    /// The config directory.
    pub dir: &'a Path,
    /// The command line, the program's name first.
    pub args: &'a [OsString],
}

/// `cme upload FILE...`: uploads the files, `--jobs` at once, and prints the [`UploadResult`]
/// of each as it finishes.
pub async fn run(
    client: &Client,
    request: &Request,
    place: &Place<'_>,
    output: &Output,
    quiet: bool,
) -> Result<(), Failure> {
    let interrupted = tokio::signal::ctrl_c();
    tokio::pin!(interrupted);
    let mode = if quiet {
        Mode::None
    } else {
        request.progress.resolve()
    };
    let files = &request.files;
    // The sizes, for the sum of several files' progress; a file that cannot be read fails in
    // its upload, with the SDK's error.
    let board = progress::Board::new(
        mode,
        files.iter().map(|f| {
            let size = std::fs::metadata(f).map_or(0, |m| m.len());
            (f.display().to_string(), size)
        }),
    );
    let board = Arc::new(board);
    let mut uploads = futures_util::stream::iter(files.iter().enumerate())
        .map(|(n, file)| {
            let board = Arc::clone(&board);
            async move { (n, one(client, request, n, file, place, mode, board).await) }
        })
        .buffer_unordered(request.jobs.max(1));
    let mut stdout = std::io::stdout().lock();
    let mut list = (files.len() > 1).then(|| output.list(&mut stdout));
    let mut uploaded = vec![false; files.len()];
    let mut failed = Vec::new();
    loop {
        let next = tokio::select! {
            next = uploads.next() => next,
            _ = interrupted.as_mut() => {
                // Dropping the uploads stops them; each keeps the checkpoint of its last part.
                drop(uploads);
                (0..files.len()).for_each(|n| board.finish(n));
                let message = match files.as_slice() {
                    [file] => interruption(file, checkpoint(request, place, file)?.as_deref(), place),
                    _ => interruption_of_several(request, place, &uploaded)?,
                };
                let printed = list.map_or(Ok(()), |list| list.finish());
                return printed.and(Err(Failure::Interrupted(message)));
            }
        };
        let Some((n, result)) = next else { break };
        match (result, &mut list) {
            (Ok(result), None) => {
                return output.print(&mut std::io::stdout().lock(), to_json(&result)?)
            }
            (Err(e), None) => return Err(e),
            // A result that cannot be printed (stdout closed) stops everything.
            (Ok(result), Some(list)) => {
                list.item(to_json(&result)?)?;
                uploaded[n] = true;
            }
            (Err(e), Some(_)) => failed.push((n, e)),
        }
    }
    // The results printed so far stay a complete list.
    let finished = list.map_or(Ok(()), |list| list.finish());
    if failed.is_empty() {
        return finished;
    }
    failed.sort_by_key(|(n, _)| *n);
    let resume = resume_command(request, place, &uploaded);
    Err(Failure::Files {
        failed: failed
            .into_iter()
            .map(|(n, e)| (files[n].display().to_string(), e))
            .collect(),
        of: files.len(),
        resume: format!(
            "the uploaded ones are on stdout; to go on with the others (a checkpoint sends only \
             the parts COS lacks), run:\n  {resume}"
        ),
    })
}

fn to_json(result: &UploadResult) -> Result<Value, Failure> {
    serde_json::to_value(result).map_err(|e| Failure::io("encoding the result", e))
}

/// The checkpoint the upload of `file` keeps: `--checkpoint`, else its default one, none for
/// standard input and with `--no-resume`.
fn checkpoint(
    request: &Request,
    place: &Place<'_>,
    file: &Path,
) -> Result<Option<PathBuf>, Failure> {
    Ok(match (&request.checkpoint, request.no_resume) {
        _ if is_stdin(file) => None,
        (Some(path), _) => Some(path.clone()),
        (None, false) => Some(default_checkpoint(place.dir, file)?),
        (None, true) => None,
    })
}

/// Uploads file `n`, showing its progress on `board`.
async fn one(
    client: &Client,
    request: &Request,
    n: usize,
    file: &Path,
    place: &Place<'_>,
    mode: Mode,
    board: Arc<progress::Board>,
) -> Result<UploadResult, Failure> {
    let show = Shown {
        board: &board,
        n,
        mode,
    };
    let task = if is_stdin(file) {
        let (input, len) = stdin_file()?;
        let name = request.name.clone().unwrap_or_default();
        let upload = client.material().upload_reader(input, len, name);
        configure(upload, request, &show).start()
    } else {
        let mut upload = client.material().upload(file);
        if let Some(path) = checkpoint(request, place, file)? {
            make_parent(&path)?;
            upload = upload.checkpoint(path);
        }
        configure(upload, request, &show).start()
    };
    let outcome = task.await;
    board.finish(n);
    let uploaded = outcome.map_err(|e| explain(e, file))?;
    Ok(UploadResult::new(file, uploaded))
}

/// Where an upload shows its progress: file `n` of `board`, in `mode`.
struct Shown<'a> {
    board: &'a Arc<progress::Board>,
    n: usize,
    mode: Mode,
}

/// The options of `request` set on an upload.
fn configure<S>(
    mut upload: cme_sdk::upload::Upload<S>,
    request: &Request,
    shown: &Shown<'_>,
) -> cme_sdk::upload::Upload<S> {
    if let Some(name) = &request.name {
        upload = upload.name(name);
    }
    if let Some(class) = request.class_id {
        upload = upload.class_id(class);
    }
    if let Some(owner) = &request.owner {
        upload = upload.owner(owner.clone());
    }
    if let Some(kind) = &request.material_type {
        upload = upload.material_type(kind.clone());
    }
    if !request.tags.is_empty() {
        upload = upload.tags(request.tags.iter().cloned());
    }
    if let Some(bytes) = request.part_size {
        upload = upload.part_size(bytes);
    }
    if let Some(parts) = request.concurrency {
        upload = upload.concurrency(parts);
    }
    if let Some(attempts) = request.retries {
        let policy = cme_sdk::upload::default_upload_retry().with_max_attempts(attempts);
        upload = upload.retry(policy);
    }
    if shown.board.is_on() {
        let (board, n) = (Arc::clone(shown.board), shown.n);
        upload = upload
            .progress_interval(shown.mode.interval())
            .on_progress(move |p| board.report(n, p));
    }
    upload
}

/// The checkpoint's directory, private like the config directory.
fn make_parent(path: &Path) -> Result<(), Failure> {
    let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) else {
        return Ok(());
    };
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(|e| Failure::io(format!("creating {}", dir.display()), e))
}

/// What Ctrl-C left, and how to go on.
fn interruption(file: &Path, checkpoint: Option<&Path>, place: &Place<'_>) -> String {
    let Some(checkpoint) = checkpoint.filter(|c| c.exists()) else {
        return format!(
            "interrupted: the upload of {} stopped before it kept a checkpoint; run the same \
             command again to upload it",
            file.display()
        );
    };
    let command: Vec<String> = place.args.iter().map(|a| quote(a)).collect();
    format!(
        "interrupted: the upload of {} stopped; its checkpoint is kept in {}.\n\
         cme: to go on (only the parts COS lacks are sent), run the same command again:\n  \
         {}\n\
         cme: to give it up: cme upload --abort {}",
        file.display(),
        checkpoint.display(),
        command.join(" "),
        quote(file.as_os_str()),
    )
}

/// What Ctrl-C left of several files, and how to go on: the files not `uploaded`, those of them
/// whose checkpoints are kept, and the command for them.
fn interruption_of_several(
    request: &Request,
    place: &Place<'_>,
    uploaded: &[bool],
) -> Result<String, Failure> {
    let mut left = Vec::new();
    let mut kept = Vec::new();
    for (file, _) in request
        .files
        .iter()
        .zip(uploaded)
        .filter(|(_, done)| !**done)
    {
        left.push(quote(file.as_os_str()));
        if checkpoint(request, place, file)?.is_some_and(|c| c.exists()) {
            kept.push(quote(file.as_os_str()));
        }
    }
    let kept = match kept.as_slice() {
        [] => "none of them kept a checkpoint yet".to_owned(),
        _ => format!("the checkpoints of {} are kept", kept.join(" ")),
    };
    let again = if uploaded.contains(&true) {
        "it for the files not uploaded (the uploaded ones are on stdout)"
    } else {
        "the same command again"
    };
    Ok(format!(
        "interrupted: {} of {} files not uploaded: {}; {kept}.\n\
         cme: to go on (only the parts COS lacks are sent), run {again}:\n  {}\n\
         cme: to give one up: cme upload --abort FILE",
        left.len(),
        request.files.len(),
        left.join(" "),
        resume_command(request, place, uploaded),
    ))
}

/// The command line, quoted for a shell, without the files `uploaded`.
fn resume_command(request: &Request, place: &Place<'_>, uploaded: &[bool]) -> String {
    let args = carry_on(place.args, &kept(request, uploaded));
    let words: Vec<String> = args.iter().map(|a| quote(a)).collect();
    words.join(" ")
}

/// What the command that goes on keeps of a FILE argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kept {
    /// The argument as given: none of its files was uploaded.
    Whole,
    /// These of its files, by path: some of them were uploaded (none: the argument goes).
    Files(Vec<OsString>),
}

/// What the command that goes on keeps of each FILE argument of `request`, the files
/// `uploaded`.
fn kept(request: &Request, uploaded: &[bool]) -> Vec<Kept> {
    (0..request.arguments.len())
        .map(|k| {
            let files = request
                .files
                .iter()
                .zip(&request.argument_of)
                .zip(uploaded)
                .filter(|((_, argument), _)| **argument == k)
                .map(|((file, _), done)| (file, *done));
            if !files.clone().any(|(_, done)| done) {
                return Kept::Whole;
            }
            let left = files.filter(|(_, done)| !done);
            Kept::Files(
                left.map(|(file, _)| file.clone().into_os_string())
                    .collect(),
            )
        })
        .collect()
}

/// The command line `args` of `cme upload FILE...` with the k-th FILE argument replaced as
/// `kept[k]` says: the command that goes on with the files not uploaded. The options' values
/// are told from the FILE arguments by the options clap knows take one.
pub fn carry_on(args: &[OsString], kept_of: &[Kept]) -> Vec<OsString> {
    let tree = crate::commands::for_args(args);
    let mut with_values: Vec<String> = Vec::new();
    let upload = tree.find_subcommand("upload");
    for arg in tree
        .get_arguments()
        .chain(upload.into_iter().flat_map(|u| u.get_arguments()))
    {
        if arg.is_positional() || !arg.get_action().takes_values() {
            continue;
        }
        with_values.extend(arg.get_long().map(|l| format!("--{l}")));
        with_values.extend(arg.get_short().map(|s| format!("-{s}")));
    }
    let mut kept = Vec::with_capacity(args.len());
    let mut words = args.iter();
    kept.extend(words.next().cloned());
    // Positional words: `upload` first, then the files.
    let mut positional = 0usize;
    let mut options_end = false;
    while let Some(word) = words.next() {
        let text = word.to_string_lossy();
        if !options_end && text == "--" {
            options_end = true;
        } else if !options_end && text.starts_with('-') && text != "-" {
            kept.push(word.clone());
            if with_values.iter().any(|w| *w == text) {
                kept.extend(words.next().cloned());
            }
            continue;
        } else {
            positional += 1;
            let file = positional.checked_sub(2);
            if let Some(Kept::Files(files)) = file.and_then(|k| kept_of.get(k)) {
                kept.extend(files.iter().cloned());
                continue;
            }
        }
        kept.push(word.clone());
    }
    kept
}

/// An argument as a POSIX shell reads it back: as is when it is plain, else in single quotes.
pub fn quote(arg: &std::ffi::OsStr) -> String {
    let text = arg.to_string_lossy();
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./:=@%+,".contains(c));
    if plain {
        text.into_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// The SDK's errors that name its builder's methods, told in the CLI's flags.
fn explain(e: cme_sdk::Error, file: &Path) -> Failure {
    let step = e
        .upload_step()
        .map(|s| format!("upload failed at {s}: "))
        .unwrap_or_default();
    match e.upload_error() {
        Some(UploadError::UnknownMaterialType { extension }) => {
            unknown_type(file, &step, extension.as_deref())
        }
        Some(UploadError::NoClass) => Failure::usage(format!(
            "{}: {step}the owner has no class to upload into: give --class-id",
            file.display()
        )),
        _ => Failure::Call(e),
    }
}

/// The usage error of a file whose material type its extension does not tell.
fn unknown_type(file: &Path, step: &str, extension: Option<&str>) -> Failure {
    let what = match extension {
        Some(ext) => format!("a .{ext} file"),
        None => "a file without extension".to_owned(),
    };
    Failure::usage(format!(
        "{}: {step}cannot tell the material type of {what}: give --material-type (VIDEO, \
         AUDIO, IMAGE, …); nothing was sent",
        file.display()
    ))
}

/// Standard input as a file of known length, or a usage error saying why it cannot be one.
#[cfg(unix)]
fn stdin_file() -> Result<(tokio::fs::File, u64), Failure> {
    use std::io::Seek;
    use std::os::fd::AsFd;
    let io = |e| Failure::io("reading standard input", e);
    let fd = std::io::stdin().as_fd().try_clone_to_owned().map_err(io)?;
    let mut file = std::fs::File::from(fd);
    let metadata = file.metadata().map_err(io)?;
    if !metadata.is_file() {
        return Err(pipe_refused());
    }
    let at = file.stream_position().map_err(io)?;
    Ok((
        tokio::fs::File::from_std(file),
        metadata.len().saturating_sub(at),
    ))
}

/// Standard input as a file: only on Unix.
#[cfg(not(unix))]
fn stdin_file() -> Result<(tokio::fs::File, u64), Failure> {
    Err(pipe_refused())
}

fn pipe_refused() -> Failure {
    Failure::usage(
        "- (standard input) must be a file (cme upload - --name clip.mp4 < clip.mp4): an \
         upload tells VOD its size first, which a pipe or a terminal cannot; save it to a \
         file, or give the file's path",
    )
}

/// `cme upload --abort FILE|CHECKPOINT`: gives up the upload of the checkpoint `--checkpoint`
/// names, else FILE's default checkpoint, else the argument taken as a checkpoint.
pub async fn abort(
    client: &Client,
    request: &Request,
    dir: &Path,
    output: &Output,
) -> Result<(), Failure> {
    let Some(target) = request.files.first() else {
        return Err(Failure::usage(
            "--abort: name the file (or the checkpoint) of the upload to give up",
        ));
    };
    let checkpoint = match &request.checkpoint {
        Some(path) => path.clone(),
        None => match default_checkpoint(dir, target) {
            Ok(path) if path.exists() => path,
            _ if is_json_file(target) => target.clone(),
            Ok(path) => {
                return Err(Failure::usage(format!(
                    "--abort: no upload of {} to give up (no checkpoint at {})",
                    target.display(),
                    path.display()
                )))
            }
            Err(e) => return Err(e),
        },
    };
    if !checkpoint.exists() {
        return Err(Failure::usage(format!(
            "--abort: no checkpoint at {}",
            checkpoint.display()
        )));
    }
    client.material().abort_upload(&checkpoint).await?;
    let shown = checkpoint.display().to_string();
    output.print(
        &mut std::io::stdout().lock(),
        serde_json::json!({ "Aborted": true, "Checkpoint": shown }),
    )
}

/// Whether a file may be a checkpoint (a JSON object) rather than a medium: its first byte
/// that is not white space is `{`. A medium named to `--abort` is never handed to the SDK as a
/// checkpoint.
fn is_json_file(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 64];
    let Ok(n) = std::fs::File::open(path).and_then(|mut f| f.read(&mut head)) else {
        return false;
    };
    head[..n]
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'{')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_are_quoted_for_the_shell() {
        assert_eq!(quote("clip.mp4".as_ref()), "clip.mp4");
        assert_eq!(quote("--part-size=8MiB".as_ref()), "--part-size=8MiB");
        assert_eq!(quote("my clip.mp4".as_ref()), "'my clip.mp4'");
        assert_eq!(quote("it's.mp4".as_ref()), r"'it'\''s.mp4'");
        assert_eq!(quote("".as_ref()), "''");
    }

    #[test]
    fn the_command_that_goes_on_leaves_out_the_uploaded_files() {
        let line =
            |words: &str| -> Vec<OsString> { words.split(' ').map(OsString::from).collect() };
        let without = |words: &str, uploaded: &[bool]| -> String {
            let kept: Vec<Kept> = uploaded
                .iter()
                .map(|done| match done {
                    true => Kept::Files(Vec::new()),
                    false => Kept::Whole,
                })
                .collect();
            let kept = carry_on(&line(words), &kept);
            let kept: Vec<String> = kept
                .iter()
                .map(|a| a.to_string_lossy().into_owned())
                .collect();
            kept.join(" ")
        };
        // An option's value that is also a file's name is not taken for the file.
        assert_eq!(
            without(
                "cme -o json upload --tag a.mp4 a.mp4 b.mp4 --jobs 2 c.mp4",
                &[true, false, true]
            ),
            "cme -o json upload --tag a.mp4 b.mp4 --jobs 2"
        );
        assert_eq!(
            without(
                "cme --profile upload upload --progress=lines a b -- -c",
                &[false, true, false]
            ),
            "cme --profile upload upload --progress=lines a -- -c"
        );
        assert_eq!(without("cme upload a b", &[false, false]), "cme upload a b");
        // A folder some of whose files were uploaded: the others, by path.
        let kept = [
            Kept::Files(vec!["clips/b.mp4".into(), "clips/d.mp4".into()]),
            Kept::Whole,
        ];
        let kept = carry_on(&line("cme upload -r clips --jobs 2 e.mp4"), &kept);
        assert_eq!(
            kept,
            line("cme upload -r clips/b.mp4 clips/d.mp4 --jobs 2 e.mp4")
        );
    }

    #[test]
    fn default_checkpoints_are_per_file_and_private_to_the_config_dir() {
        let dir = std::env::temp_dir().join(format!("cme-cli-ckpt-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let a = dir.join("a clip.mp4");
        let b = dir.join("b.mp4");
        std::fs::write(&a, b"a").unwrap();
        std::fs::write(&b, b"b").unwrap();
        let config = Path::new("/config");
        let of_a = default_checkpoint(config, &a).unwrap();
        assert!(of_a.starts_with("/config/uploads"), "{}", of_a.display());
        let name = of_a.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with("a_clip.mp4-") && name.ends_with(".json"),
            "{name}"
        );
        assert_ne!(of_a, default_checkpoint(config, &b).unwrap());
        // The same file from another working directory: the same checkpoint.
        let relative = dir.join(".").join("a clip.mp4");
        assert_eq!(of_a, default_checkpoint(config, &relative).unwrap());
        let missing = default_checkpoint(config, &dir.join("gone.mp4")).unwrap_err();
        assert_eq!(missing.exit_code(), crate::error::EXIT_IO);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
