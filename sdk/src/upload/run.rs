//! The chain of an upload, as real CME clients run it (reference `upload-and-cli.md` §0):
//!
//! 1. read the first 10 MiB for `UploadSummaryKey`; load the checkpoint, if any, and check it
//!    against the file;
//! 2. `CreateUploadMaterial` (skipped when resuming); on `QuickUpload`, read the input for its
//!    SHA-1 and go to 7;
//! 3. VOD `ApplyUploadUGC` (again with the session key when resuming): session and credentials;
//! 4. COS: `PutObject` for an input of one part; else `ListParts` of the checkpoint's upload
//!    (or `InitiateMultipartUpload`), then `UploadPart` of every missing part, in parallel;
//! 5. the input's SHA-1, hashed as its parts were read; `CompleteMultipartUpload`;
//! 6. VOD `CommitUploadUGC`: the file ID and the proof (`verify_content`);
//! 7. `FinishUploadMaterial` with `VodFileId`, `VodVerifyKey` and `UploadFullKey`.
//!
//! The state after each step goes to the checkpoint. A failure that leaves nothing worth
//! resuming (no checkpoint, an abort, a file that changed) aborts the COS multipart upload.

use std::path::PathBuf;
use std::sync::Arc;

use futures_util::future::{self, Either};
use secrecy::{ExposeSecret as _, SecretString};
use tokio::sync::watch;
use tokio::task::{JoinError, JoinSet};
use tokio::time::Instant;

use super::checkpoint::{Checkpoint, Committed, Session, State};
use super::cos::{self, Object};
use super::credentials::Keys;
use super::digest::InOrder;
use super::error::{CheckpointProblem, UploadError, UploadStep};
use super::plan::Plan;
use super::progress::{Phase, Progress, Reporter, DEFAULT_PROGRESS_INTERVAL};
use super::request::{Input, Options, Uploaded};
use super::source::{Gauge, PartReader};
use super::vod::{ApplyRequest, Vod};
use super::{media, Stats};
use crate::client::Client;
use crate::error::Error;
use crate::generated::material::CreateUploadMaterialData;
use crate::types::Entity;

/// Runs an upload to its end, then cleans up after a failure or an abort.
pub(crate) async fn drive(
    client: Client,
    input: Input,
    options: Options,
    progress: watch::Sender<Progress>,
    mut aborted: watch::Receiver<bool>,
) -> Result<Uploaded, Error> {
    let started = Instant::now();
    let reporter = Reporter::new(
        progress,
        options.on_progress.clone(),
        options.progress_interval,
    );
    // Preparing is local work and one or two CME calls: it runs to its end (or its error),
    // so that an abort finds the upload's state.
    let (mut transfer, reader) = prepare(client, input, options, reporter, started).await?;
    let result = {
        // The abort first: `select` polls its first future first.
        let abort = std::pin::pin!(wait_aborted(&mut aborted));
        let run = std::pin::pin!(transfer.run(reader));
        match future::select(abort, run).await {
            Either::Left(((), _)) => Err(Error::upload(
                UploadStep::Abort,
                UploadError::Aborted,
                false,
            )),
            Either::Right((result, _)) => result,
        }
    };
    match result {
        Ok(done) => Ok(done),
        Err(err) => Err(transfer.fail(err).await),
    }
}

/// Returns once the upload is aborted; never if its handle is gone.
async fn wait_aborted(aborted: &mut watch::Receiver<bool>) {
    if aborted.wait_for(|aborted| *aborted).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// Opens the input, checks the checkpoint, and creates the upload (unless resuming).
async fn prepare(
    client: Client,
    input: Input,
    options: Options,
    mut reporter: Reporter,
    started: Instant,
) -> Result<(Transfer, PartReader), Error> {
    let file_name = input.file_name();
    let gauge = Arc::new(Gauge::default());
    let opened = input.open(gauge.clone()).await?;
    let checkpoint = options.checkpoint.clone().map(Checkpoint::new);
    let loaded = match (&checkpoint, &opened.file_key) {
        (Some(checkpoint), Some(key)) => match checkpoint.load().await? {
            Some(state) => {
                checkpoint.check(&state, key, options.part_size)?;
                Some(state)
            }
            None => None,
        },
        _ => None,
    };
    let part_size = loaded.as_ref().map(|s| s.part_size).or(options.part_size);
    let plan =
        Plan::new(opened.size, part_size).map_err(|e| Error::upload(UploadStep::Read, e, false))?;
    reporter.sizes(opened.size, plan.parts);
    let resumed = loaded.is_some();
    let (state, quick) = match loaded {
        Some(state) => (state, false),
        None => {
            let created = create(&client, &options, &file_name, &opened.summary_key).await?;
            let quick = created.quick_upload == Some(true);
            let state = State::new(
                opened.file_key,
                created.upload_context,
                created.vod_upload_sign,
                plan.part_size,
            );
            (state, quick)
        }
    };
    let mut transfer = Transfer::new(
        client, options, reporter, checkpoint, state, plan, &file_name,
    );
    transfer.gauge = gauge;
    transfer.resumed = resumed;
    transfer.quick = quick;
    transfer.started = started;
    if !quick {
        transfer.save(true).await?;
    }
    Ok((transfer, opened.reader))
}

/// `CreateUploadMaterial`, with the material type told by the file name unless set, the owner
/// the signed-in user unless set, and the class the owner's root class unless set.
async fn create(
    client: &Client,
    options: &Options,
    file_name: &str,
    summary_key: &str,
) -> Result<CreateUploadMaterialData, Error> {
    let at_create = |e: Error| e.at_upload_step(UploadStep::Create);
    let material_type = match &options.material_type {
        Some(material_type) => material_type.clone(),
        None => {
            let extension = media::extension(file_name);
            match extension.as_deref().and_then(media::infer) {
                Some(material_type) => material_type,
                None => {
                    let error = UploadError::UnknownMaterialType { extension };
                    return Err(Error::upload(UploadStep::Read, error, false));
                }
            }
        }
    };
    let owner = match &options.owner {
        Some(owner) => owner.clone(),
        None => client.me().await.map_err(at_create)?,
    };
    let class_id = match options.class_id {
        Some(class_id) => class_id,
        None => root_class(client, &owner).await?,
    };
    let name = options.name.clone().unwrap_or_else(|| file_name.to_owned());
    let mut call = client
        .material()
        .create_upload_material(class_id, material_type, name, owner)
        .upload_summary_key(summary_key);
    if !options.tags.is_empty() {
        call = call.tag_set(options.tags.iter().cloned());
    }
    if let Some(signature) = &options.verify_sign {
        call = call.verify_sign(signature.expose_secret());
    }
    let created = call.send().await.map_err(at_create)?;
    let quick = created.quick_upload == Some(true);
    if created.upload_context.is_empty() || (!quick && created.vod_upload_sign.is_empty()) {
        let why = "CreateUploadMaterial answered without an UploadContext or a VodUploadSign";
        return Err(protocol(UploadStep::Create, why));
    }
    Ok(created)
}

/// The owner's root class: the class of the first level without a parent.
async fn root_class(client: &Client, owner: &Entity) -> Result<i64, Error> {
    let classes = client
        .material()
        .describe_class(owner.clone())
        .first_level(true)
        .send()
        .await
        .map_err(|e| e.at_upload_step(UploadStep::Create))?
        .class_info_set;
    let root = classes
        .iter()
        .find(|class| class.parent_class_id == Some(-1))
        .or(classes.first())
        .and_then(|class| class.class_id);
    root.ok_or_else(|| Error::upload(UploadStep::Create, UploadError::NoClass, false))
}

fn protocol(step: UploadStep, why: &str) -> Error {
    Error::upload(step, UploadError::Protocol(why.to_owned()), false)
}

/// The VOD and COS part of an upload, and its end.
struct Transfer {
    client: Client,
    options: Options,
    reporter: Reporter,
    gauge: Arc<Gauge>,
    stats: Arc<Stats>,
    checkpoint: Option<Checkpoint>,
    state: State,
    resumed: bool,
    quick: bool,
    plan: Plan,
    apply: ApplyRequest,
    vod: Arc<Vod>,
    /// The COS object, once a session is open.
    object: Option<Arc<Object>>,
    /// The parts being sent. Kept here, not in the future that sends them, so that a failure
    /// or an abort stops them (and waits until they have stopped) before the COS upload is
    /// aborted: a part that reached COS after its Abort could be kept.
    flying: JoinSet<Result<(u32, u64, String), Error>>,
    parts_sent: u32,
    parts_skipped: u32,
    started: Instant,
}

impl Transfer {
    /// The transfer of the upload `state` describes, of a file of `plan.size` bytes known as
    /// `file_name`.
    fn new(
        client: Client,
        options: Options,
        reporter: Reporter,
        checkpoint: Option<Checkpoint>,
        state: State,
        plan: Plan,
        file_name: &str,
    ) -> Self {
        let stats = Arc::new(Stats::default());
        let vod = Vod::new(
            &client,
            &client.inner.upload.vod,
            options.retry.clone(),
            stats.clone(),
        );
        let apply = ApplyRequest {
            signature: SecretString::from(state.vod_upload_sign.clone()),
            name: media::vod_name(file_name),
            format: media::extension(file_name).unwrap_or_default(),
            size: plan.size,
        };
        Self {
            client,
            options,
            reporter,
            gauge: Arc::default(),
            stats,
            checkpoint,
            state,
            resumed: false,
            quick: false,
            plan,
            apply,
            vod: Arc::new(vod),
            object: None,
            flying: JoinSet::new(),
            parts_sent: 0,
            parts_skipped: 0,
            started: Instant::now(),
        }
    }

    /// Writes the state to the checkpoint, if the upload keeps one (`durable`: flushed to
    /// disk, for the steps that create something remote).
    async fn save(&self, durable: bool) -> Result<(), Error> {
        match &self.checkpoint {
            Some(checkpoint) => checkpoint.save(&self.state, durable).await,
            None => Ok(()),
        }
    }

    async fn run(&mut self, mut reader: PartReader) -> Result<Uploaded, Error> {
        if self.quick {
            let digest = InOrder::new();
            hash_only(&mut reader, &digest, self.plan.size).await?;
            reader.finish().await?;
            let full_key = digest.finish().await;
            self.reporter.phase(Phase::Finishing);
            return self.finish(full_key).await;
        }
        if !self.state.completed {
            self.send_object(reader).await?;
        }
        if self.state.committed.is_none() {
            self.commit().await?;
        }
        let full_key = self.state.full_key.clone().ok_or_else(|| {
            let why = "it records a completed upload without the file's SHA-1".to_owned();
            self.refused(CheckpointProblem::Unreadable(why))
        })?;
        self.finish(full_key).await
    }

    /// The error for a checkpoint that cannot be used.
    fn refused(&self, problem: CheckpointProblem) -> Error {
        match &self.checkpoint {
            Some(checkpoint) => checkpoint.refused(problem),
            None => protocol(UploadStep::Checkpoint, &problem.to_string()),
        }
    }

    /// Steps 3 to 5: the bytes go to COS, and through the hash.
    async fn send_object(&mut self, mut reader: PartReader) -> Result<(), Error> {
        let object = self.session().await?;
        let digest = InOrder::new();
        let upload_id = if self.plan.parts == 1 {
            self.reporter.phase(Phase::Sending);
            let body = reader.read(self.plan.size).await?;
            let hashed = digest.push(body.clone());
            let etag = object.put(body).await?;
            let _ = hashed.await;
            self.state.parts.insert(1, etag);
            self.parts_sent += 1;
            self.reporter.part_sent(self.plan.size);
            None
        } else {
            let upload_id = self.multipart(&object).await?;
            self.reporter.phase(Phase::Sending);
            self.send_parts(&mut reader, &digest, &object, &upload_id)
                .await?;
            Some(upload_id)
        };
        reader.finish().await?;
        let full_key = digest.finish().await;
        self.reporter.phase(Phase::Finishing);
        if let Some(upload_id) = upload_id {
            object.complete(&upload_id, &self.state.parts).await?;
        }
        self.state.full_key = Some(full_key);
        self.state.completed = true;
        self.save(true).await
    }

    /// The COS object of the session: `ApplyUploadUGC`, resuming the checkpoint's session if
    /// there is one.
    async fn session(&mut self) -> Result<Arc<Object>, Error> {
        if let Some(object) = &self.object {
            return Ok(object.clone());
        }
        let previous = self.state.session.clone();
        let applied = self
            .vod
            .apply(
                &self.apply,
                previous.as_ref().map(|s| s.session_key.as_str()),
            )
            .await?;
        if previous.is_some_and(|p| p.storage_path != applied.storage_path) {
            // VOD opened a new session: what COS holds of the old one is not this object's.
            tracing::warn!("VOD did not resume the upload session; sending every part again");
            self.state.upload_id = None;
            self.state.parts.clear();
        }
        self.state.session = Some(Session {
            session_key: applied.session_key.clone(),
            storage_path: applied.storage_path.clone(),
        });
        self.save(true).await?;
        let url = cos::object_url(
            self.client.inner.upload.cos.as_ref(),
            &applied.bucket,
            &applied.app_id,
            applied.region.as_deref(),
            &applied.storage_path,
        )?;
        let keys = Keys::new(
            &applied,
            self.vod.clone(),
            self.apply.clone(),
            self.stats.clone(),
        );
        let object = Arc::new(Object::new(
            &self.client,
            url,
            applied.storage_path,
            Arc::new(keys),
            self.options.retry.clone(),
            self.options.part_timeout,
            self.stats.clone(),
        ));
        self.object = Some(object.clone());
        Ok(object)
    }

    /// The multipart upload: the checkpoint's, with the parts COS still has, or a new one.
    async fn multipart(&mut self, object: &Object) -> Result<String, Error> {
        let listed = match self.state.upload_id.clone() {
            Some(id) => object.list_parts(&id).await?.map(|parts| (id, parts)),
            None => None,
        };
        let upload_id = match listed {
            Some((id, on_cos)) => {
                let parts = self.plan.parts;
                self.state.parts.retain(|n, etag| {
                    (1..=parts).contains(n)
                        && on_cos.get(n).is_some_and(|listed| same_etag(listed, etag))
                });
                id
            }
            None => {
                self.state.parts.clear();
                let id = object.initiate().await?;
                self.state.upload_id = Some(id.clone());
                self.save(true).await?;
                id
            }
        };
        self.parts_skipped = self.state.parts.len() as u32;
        let held_bytes = self.state.parts.keys().map(|&n| self.plan.range(n).1).sum();
        self.reporter.held(self.parts_skipped, held_bytes);
        Ok(upload_id)
    }

    /// Every part COS does not have, read in order and sent `concurrency` at a time; every
    /// part hashed.
    async fn send_parts(
        &mut self,
        reader: &mut PartReader,
        digest: &InOrder,
        object: &Arc<Object>,
        upload_id: &str,
    ) -> Result<(), Error> {
        let upload_id: Arc<str> = Arc::from(upload_id);
        for n in 1..=self.plan.parts {
            let (_, len) = self.plan.range(n);
            if self.state.parts.contains_key(&n) {
                hash_only(reader, digest, len).await?;
                continue;
            }
            while let Some(done) = self.flying.try_join_next() {
                self.part_done(done).await?;
            }
            while self.flying.len() >= self.options.concurrency {
                if let Some(done) = self.flying.join_next().await {
                    self.part_done(done).await?;
                }
            }
            // At most `concurrency` parts are in memory: one per part in flight, which holds
            // its slot until it is both sent and hashed.
            let body = reader.read(len).await?;
            let hashed = digest.push(body.clone());
            let object = object.clone();
            let upload_id = upload_id.clone();
            self.flying.spawn(async move {
                let (etag, _) = future::join(object.upload_part(&upload_id, n, body), hashed).await;
                Ok::<_, Error>((n, len, etag?))
            });
        }
        while let Some(done) = self.flying.join_next().await {
            self.part_done(done).await?;
        }
        Ok(())
    }

    /// Records a part COS acknowledged.
    async fn part_done(
        &mut self,
        done: Result<Result<(u32, u64, String), Error>, JoinError>,
    ) -> Result<(), Error> {
        let (n, len, etag) = match done {
            Ok(result) => result?,
            Err(join) if join.is_panic() => std::panic::resume_unwind(join.into_panic()),
            // Only a runtime shutting down cancels a part.
            Err(_) => {
                return Err(Error::upload(
                    UploadStep::Abort,
                    UploadError::Aborted,
                    false,
                ))
            }
        };
        self.state.parts.insert(n, etag);
        self.parts_sent += 1;
        // Saved first: a part the progress tells of is one the checkpoint holds.
        self.save(false).await?;
        self.reporter.part_sent(len);
        Ok(())
    }

    /// Step 6: `CommitUploadUGC`.
    async fn commit(&mut self) -> Result<(), Error> {
        self.reporter.phase(Phase::Finishing);
        let session_key = match &self.state.session {
            Some(session) => session.session_key.clone(),
            None => {
                let why = "it records a completed upload without its VOD session".to_owned();
                return Err(self.refused(CheckpointProblem::Unreadable(why)));
            }
        };
        let committed = self.vod.commit(&self.apply.signature, &session_key).await?;
        self.state.committed = Some(Committed {
            file_id: committed.file_id,
            verify_content: committed.verify_content,
        });
        self.save(true).await
    }

    /// Step 7: `FinishUploadMaterial`; the checkpoint goes.
    async fn finish(&mut self, full_key: String) -> Result<Uploaded, Error> {
        let mut call = self
            .client
            .material()
            .finish_upload_material(self.state.upload_context.clone())
            .upload_full_key(full_key.clone());
        if let Some(committed) = &self.state.committed {
            call = call
                .vod_file_id(committed.file_id.clone())
                .vod_verify_key(committed.verify_content.clone());
        }
        let data = call
            .send()
            .await
            .map_err(|e| e.at_upload_step(UploadStep::Finish))?;
        if let Some(checkpoint) = &self.checkpoint {
            if let Err(err) = checkpoint.remove().await {
                // The medium exists: the upload succeeded all the same.
                tracing::warn!(error = %err, "the upload is done but its checkpoint stays");
            }
        }
        self.reporter.phase(Phase::Done);
        let progress = self.reporter.current();
        Ok(Uploaded {
            material_id: data.material_id,
            vod_file_id: self.state.committed.as_ref().map(|c| c.file_id.clone()),
            quick_upload: self.quick,
            resumed: self.resumed,
            size: self.plan.size,
            sha1: full_key,
            parts: self.plan.parts,
            parts_sent: self.parts_sent,
            parts_skipped: self.parts_skipped,
            bytes_sent: progress.bytes_sent,
            retries: self.stats.retries(),
            credential_renewals: self.stats.renewals(),
            used_backup_host: self.vod.used_backup(),
            peak_buffered_bytes: self.gauge.peak(),
            elapsed: self.started.elapsed(),
        })
    }

    /// After `err`: keeps the COS upload and the checkpoint for a resume when the upload has
    /// a checkpoint and `err` leaves it worth resuming; otherwise aborts the COS upload and
    /// removes the checkpoint. Returns the error to report.
    async fn fail(mut self, err: Error) -> Error {
        // The parts still in flight stop first (dropped with the transfer otherwise).
        self.flying.shutdown().await;
        let aborted = matches!(err.upload_error(), Some(UploadError::Aborted));
        let useless = matches!(err.upload_error(), Some(UploadError::FileChanged { .. }));
        if self.checkpoint.is_some() && !aborted && !useless {
            return err;
        }
        match self.abort_remote().await {
            Ok(()) => {
                if let Some(checkpoint) = &self.checkpoint {
                    if let Err(remove) = checkpoint.remove().await {
                        tracing::warn!(error = %remove, "could not remove the upload's checkpoint");
                    }
                }
                err
            }
            Err(abort) if aborted => abort,
            Err(abort) => {
                tracing::warn!(error = %abort, "could not abort the COS upload after a failure");
                err
            }
        }
    }

    /// Aborts the COS multipart upload, if one is open.
    async fn abort_remote(&mut self) -> Result<(), Error> {
        let Some(upload_id) = self.state.upload_id.clone() else {
            return Ok(());
        };
        if self.state.completed {
            return Ok(());
        }
        let object = self.session().await?;
        object.abort(&upload_id).await
    }
}

/// Reads and hashes the next `len` bytes without sending them (a part COS has), a run of at
/// most 1 MiB at a time.
async fn hash_only(reader: &mut PartReader, digest: &InOrder, mut len: u64) -> Result<(), Error> {
    while len > 0 {
        let run = reader.read(PartReader::run_len(len)).await?;
        len -= run.len() as u64;
        let _ = digest.push(run).await;
    }
    Ok(())
}

/// Whether two ETags are the same (COS quotes them; case and quotes aside).
fn same_etag(a: &str, b: &str) -> bool {
    let bare = |etag: &str| etag.trim().trim_matches('"').to_ascii_lowercase();
    bare(a) == bare(b)
}

/// Aborts the upload a checkpoint describes (its COS multipart upload) and removes the
/// checkpoint; nothing to do without one.
pub(crate) async fn abort_checkpoint(client: Client, path: PathBuf) -> Result<(), Error> {
    let checkpoint = Checkpoint::new(path);
    let Some(state) = checkpoint.load().await? else {
        return Ok(());
    };
    let Some(file) = state.file.clone() else {
        let why = "it records no file".to_owned();
        return Err(checkpoint.refused(CheckpointProblem::Unreadable(why)));
    };
    let plan = Plan::new(file.size, Some(state.part_size))
        .map_err(|e| Error::upload(UploadStep::Checkpoint, e, false))?;
    let file_name = file
        .path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (progress, _) = watch::channel(Progress::default());
    let reporter = Reporter::new(progress, None, DEFAULT_PROGRESS_INTERVAL);
    let mut transfer = Transfer::new(
        client,
        Options::default(),
        reporter,
        Some(checkpoint.clone()),
        state,
        plan,
        &file_name,
    );
    transfer.abort_remote().await?;
    checkpoint.remove().await
}
