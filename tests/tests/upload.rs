//! Uploads end to end: `client.material().upload(path)` against the emulator's VOD host and COS
//! store (the client from `support`, pointed at them by `RunningEmulator::client_builder`). Every
//! claim about what moved is read from the emulator: its request counters, the bytes it stores,
//! the multipart uploads it holds open, and the medium `DescribeMaterials` shows.
//!
//! Parts are 1 MiB (COS's least) so that the files stay small; the 256 MiB upload is in the
//! benchmark (`cargo bench -p cme-tests --bench compare -- upload`).

mod support;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cme_emulator::{CosOperation, Emulator, FaultSpec, RunningEmulator, VodAction};
use cme_sdk::types::{MaterialType, MediaType};
use cme_sdk::upload::{
    CheckpointProblem, FromPath, Phase, Progress, Upload, UploadError, UploadStep, Uploaded,
};
use cme_sdk::{Client, Error};
use sha1::{Digest, Sha1};
use support::*;

const MIB: u64 = 1 << 20;

/// A test's files, in a directory removed with it.
struct Files(tempfile::TempDir);

impl Files {
    fn new() -> Self {
        Self(tempfile::tempdir().expect("a temporary directory"))
    }

    /// The path of `name` in the directory.
    fn path(&self, name: &str) -> PathBuf {
        self.0.path().join(name)
    }

    /// Writes `bytes` to `name`.
    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, bytes).expect("the file is written");
        path
    }
}

/// `len` pseudo-random bytes made from `seed` (xorshift): no two seeds share a first 10 MiB.
fn data(len: u64, seed: u64) -> Vec<u8> {
    let len = usize::try_from(len).expect("a test file fits in memory");
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.extend_from_slice(&state.to_le_bytes());
    }
    out.truncate(len);
    out
}

fn sha1_hex(bytes: &[u8]) -> String {
    Sha1::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The upload of `path` as tests run it: parts of 1 MiB, quick retries, progress told on every
/// part.
fn upload(client: &Client, path: &Path) -> Upload<FromPath> {
    client
        .material()
        .upload(path)
        .part_size(MIB)
        .retry(quick_retries())
        .progress_interval(Duration::ZERO)
}

/// Requests the emulator received on routes starting with `prefix` (`COS/`, `VOD/`, or `""` for
/// all of them).
fn received_under(emu: &RunningEmulator, prefix: &str) -> u64 {
    emu.stats()
        .received
        .iter()
        .filter(|(route, _)| route.starts_with(prefix))
        .map(|(_, n)| n)
        .sum()
}

fn received(emu: &RunningEmulator, route: &str) -> u64 {
    emu.stats().received(route)
}

fn executed(emu: &RunningEmulator, route: &str) -> u64 {
    emu.stats().executed(route)
}

/// Asserts that the medium of `uploaded` exists, named `name`, of `size` bytes, as
/// `DescribeMaterials` shows it.
async fn assert_medium(client: &Client, uploaded: &Uploaded, name: &str, kind: MaterialType) {
    let id = uploaded
        .material_id
        .as_deref()
        .expect("the upload names its medium");
    let described = client
        .material()
        .describe_materials([id])
        .send()
        .await
        .expect("DescribeMaterials");
    let [info] = described.material_info_set.as_slice() else {
        panic!("one medium {id}: {:?}", described.material_info_set);
    };
    let basic = info.basic_info.as_ref().expect("basic info");
    assert_eq!(basic.material_id.as_deref(), Some(id));
    assert_eq!(basic.name.as_deref(), Some(name));
    assert_eq!(basic.material_type.as_ref(), Some(&kind));
    let media = info.media_info.as_ref().expect("media info");
    let size = i64::try_from(uploaded.size).expect("a small file");
    assert_eq!(media.size, Some(size), "{name}: the size of the bytes sent");
}

/// Asserts that `err` is a refusal of the input before anything reached the emulator (its
/// counters are as `before`, which the caller read first) and returns the refusal.
#[track_caller]
fn refused_before_sending(emu: &RunningEmulator, before: u64, err: &Error) -> UploadError {
    assert_eq!(err.upload_step(), Some(UploadStep::Read), "{err:?}");
    assert_eq!(
        received_under(emu, ""),
        before,
        "nothing reached the emulator: {:?}",
        emu.stats()
    );
    assert_nothing_left(emu);
    err.upload_error().cloned().expect("an upload error")
}

/// No multipart upload open, no byte stored.
#[track_caller]
fn assert_nothing_left(emu: &RunningEmulator) {
    assert_eq!(emu.open_multipart_uploads(), 0, "no multipart upload open");
    assert_eq!(emu.storage_used(), 0, "no byte stored");
}

/// Waits until `condition` holds, for at most 10 s: for what the emulator does after a client
/// went away. Nothing is timed; the bound only keeps a failing test from hanging.
async fn eventually(condition: impl Fn() -> bool) {
    for _ in 0..1000 {
        if condition() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Records every progress report.
#[derive(Clone, Default)]
struct Reports(Arc<Mutex<Vec<Progress>>>);

impl Reports {
    fn callback(&self) -> impl Fn(&Progress) + Send + Sync + 'static {
        let reports = self.0.clone();
        move |p: &Progress| reports.lock().unwrap().push(p.clone())
    }

    /// Asserts that the counts only grew, that the last report is the whole input done, and
    /// that parts came back one at a time along the way.
    #[track_caller]
    fn assert_monotonic_to(&self, total: u64, parts: u32) {
        let reports = self.0.lock().unwrap();
        assert!(
            reports.len() > usize::try_from(parts).unwrap(),
            "{reports:?}"
        );
        for pair in reports.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            assert!(
                b.bytes_done >= a.bytes_done
                    && b.bytes_sent >= a.bytes_sent
                    && b.parts_done >= a.parts_done,
                "progress went back: {a:?} then {b:?}"
            );
        }
        let mut seen_parts: Vec<u32> = reports.iter().map(|p| p.parts_done).collect();
        seen_parts.dedup();
        assert_eq!(
            seen_parts,
            (0..=parts).collect::<Vec<_>>(),
            "one report per part"
        );
        let last = reports.last().unwrap();
        assert_eq!(last.phase, Phase::Done);
        assert_eq!((last.bytes_done, last.total_bytes), (total, total));
        assert_eq!((last.parts_done, last.parts_total), (parts, parts));
        assert!((last.fraction() - 1.0).abs() < f64::EPSILON);
    }
}

#[tokio::test]
async fn one_byte_and_five_mib_go_in_one_put_and_become_media() {
    let env = Env::start().await;
    let files = Files::new();
    for (name, len, kind) in [
        ("one byte.mp3", 1, MaterialType::Audio),
        ("five.mp4", 5 * MIB, MaterialType::Video),
    ] {
        let bytes = data(len, len);
        let path = files.write(name, &bytes);
        env.emu.reset_stats();
        let stored = env.emu.storage_used();
        // The default part size (8 MiB): both are one part, sent in one PutObject.
        let uploaded = env
            .material()
            .upload(&path)
            .retry(quick_retries())
            .send()
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            (uploaded.size, uploaded.parts, uploaded.parts_sent),
            (len, 1, 1)
        );
        assert_eq!(uploaded.bytes_sent, len);
        assert!(!uploaded.quick_upload && !uploaded.resumed && !uploaded.used_backup_host);
        assert_eq!(uploaded.sha1, sha1_hex(&bytes));
        assert!(uploaded.vod_file_id.is_some());
        assert_eq!(executed(&env.emu, "COS/PutObject"), 1, "{name}");
        assert_eq!(received(&env.emu, "COS/InitiateMultipartUpload"), 0);
        assert_eq!(received_under(&env.emu, "COS/"), 1, "{:?}", env.emu.stats());
        assert_eq!(executed(&env.emu, VodAction::Apply.route()), 1);
        assert_eq!(executed(&env.emu, VodAction::Commit.route()), 1);
        assert_eq!(executed(&env.emu, "Material/FinishUploadMaterial"), 1);
        assert_eq!(env.emu.storage_used(), stored + len, "the bytes are stored");
        assert_medium(&env.client, &uploaded, name, kind).await;
    }
    env.stop().await;
}

#[tokio::test]
async fn an_empty_file_is_refused_before_anything_is_sent() {
    let env = Env::start().await;
    let files = Files::new();
    let path = files.write("empty.mp4", &[]);
    let err = upload(&env.client, &path).send().await.unwrap_err();
    let refusal = refused_before_sending(&env.emu, 0, &err);
    assert_eq!(refusal, UploadError::Empty);
    assert!(
        err.to_string().starts_with("upload failed at read: ") && err.to_string().contains("empty"),
        "{err}"
    );
    env.stop().await;
}

#[tokio::test]
async fn a_multipart_upload_rides_out_failing_parts_and_expiring_credentials() {
    let emu = Arc::new(start().await);
    let client = client(&emu, ALICE);
    let files = Files::new();
    let len = 6 * MIB + 123;
    let bytes = data(len, 7);
    let path = files.write("long take.mov", &bytes);
    // Three parts fail: two with 503, one with a dropped connection.
    emu.inject(
        FaultSpec::status(503)
            .cos(CosOperation::UploadPart)
            .times(2),
    );
    emu.inject(
        FaultSpec::drop_connection()
            .cos(CosOperation::UploadPart)
            .times(1),
    );
    // Once two parts are done, every temporary credential expires: the next part is refused
    // (`RequestTimeTooSkewed`) until the SDK applies again with its session key. The callback
    // runs before the next part is sent.
    let expired = Arc::new(AtomicBool::new(false));
    let reports = Reports::default();
    let on_progress = {
        let (emu, expired, record) = (emu.clone(), expired.clone(), reports.callback());
        move |p: &Progress| {
            record(p);
            if p.parts_done >= 2 && !expired.swap(true, Ordering::SeqCst) {
                emu.expire_credentials();
            }
        }
    };
    let uploaded = upload(&client, &path)
        .concurrency(2)
        .retry(quick_retries().with_max_attempts(6))
        .on_progress(on_progress)
        .send()
        .await
        .expect("the upload rides out its faults");
    assert!(expired.load(Ordering::SeqCst));
    assert_eq!((uploaded.parts, uploaded.parts_sent), (7, 7));
    assert_eq!(uploaded.bytes_sent, len, "each part counted once");
    assert_eq!(uploaded.sha1, sha1_hex(&bytes));
    assert!(uploaded.retries >= 4, "3 faults and 1 expiry: {uploaded:?}");
    assert!(uploaded.credential_renewals >= 1, "{uploaded:?}");
    // What the emulator saw: each part stored once; the refused attempts were not run.
    let part = CosOperation::UploadPart.route();
    assert_eq!(executed(&emu, part), 7, "{:?}", emu.stats());
    // 7 parts, 3 faults, and at least one refused with expired credentials
    assert!(received(&emu, part) > 7 + 3, "{:?}", emu.stats());
    assert_eq!(
        executed(&emu, VodAction::Apply.route()),
        1 + u64::from(uploaded.credential_renewals),
        "one Apply, then one per renewal"
    );
    assert_eq!(executed(&emu, "COS/InitiateMultipartUpload"), 1);
    assert_eq!(executed(&emu, "COS/CompleteMultipartUpload"), 1);
    assert_eq!(emu.open_multipart_uploads(), 0, "completed");
    assert_eq!(emu.storage_used(), len);
    reports.assert_monotonic_to(len, 7);
    assert!(uploaded.peak_buffered_bytes <= 2 * MIB, "{uploaded:?}");
    assert_medium(&client, &uploaded, "long take.mov", MaterialType::Video).await;
}

#[tokio::test]
async fn credentials_are_renewed_before_they_expire() {
    // Credentials good for a second; parts that take 300 ms each: the upload outlives them.
    let env = Env::with(Emulator::builder().temp_credential_lifetime(Duration::from_secs(1))).await;
    env.emu
        .inject(FaultSpec::delay(Duration::from_millis(300)).cos(CosOperation::UploadPart));
    let files = Files::new();
    let path = files.write("slow.mp4", &data(5 * MIB, 8));
    let uploaded = upload(&env.client, &path)
        .concurrency(1)
        .send()
        .await
        .expect("the upload outlives its first credentials");
    assert!(uploaded.credential_renewals >= 1, "{uploaded:?}");
    assert_eq!(
        executed(&env.emu, VodAction::Apply.route()),
        1 + u64::from(uploaded.credential_renewals)
    );
    assert_eq!(executed(&env.emu, CosOperation::UploadPart.route()), 5);
    assert_medium(&env.client, &uploaded, "slow.mp4", MaterialType::Video).await;
    env.stop().await;
}

/// The URL of a port nothing listens on.
fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let addr = listener.local_addr().expect("its address");
    drop(listener);
    format!("http://{addr}")
}

#[tokio::test]
async fn the_backup_vod_host_serves_when_the_main_one_is_down() {
    let emu = start_with(Emulator::builder().vod_backup(true)).await;
    let backend = Backend::new(&emu, ALICE);
    // The emulator's backup host stays the client's backup; its main VOD host is down.
    let client = builder(&emu, &backend)
        .vod_endpoint(closed_port_url())
        .build()
        .unwrap();
    let files = Files::new();
    let path = files.write("backup.mp4", &data(2 * MIB + 1, 9));
    let uploaded = upload(&client, &path).send().await.expect("uploaded");
    assert!(uploaded.used_backup_host, "{uploaded:?}");
    assert_eq!(executed(&emu, VodAction::Apply.route()), 1);
    assert_eq!(executed(&emu, VodAction::Commit.route()), 1);
    assert_medium(&client, &uploaded, "backup.mp4", MaterialType::Video).await;

    // Without a backup host, the same outage fails the upload at Apply, before any byte.
    let client = builder(&emu, &backend)
        .vod_endpoint(closed_port_url())
        .vod_backup_endpoint(closed_port_url())
        .build()
        .unwrap();
    let stored = emu.storage_used();
    emu.reset_stats();
    let err = upload(&client, &files.write("nowhere.mp4", &data(MIB, 10)))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.upload_step(), Some(UploadStep::Apply), "{err:?}");
    assert!(
        err.to_string().starts_with("upload failed at apply"),
        "{err}"
    );
    assert_eq!(received_under(&emu, "COS/"), 0);
    assert_eq!(emu.storage_used(), stored);
    emu.shutdown().await;
}

#[tokio::test]
async fn a_duplicate_is_a_quick_upload_that_moves_no_bytes() {
    let env = Env::start().await;
    let files = Files::new();
    let bytes = data(3 * MIB + 5, 11);
    let first = upload(&env.client, &files.write("first.mp4", &bytes))
        .send()
        .await
        .expect("the first upload");
    assert!(!first.quick_upload);
    let stored = env.emu.storage_used();
    env.emu.reset_stats();

    let copy = upload(&env.client, &files.write("copy.mp4", &bytes))
        .send()
        .await
        .expect("the duplicate");
    assert!(copy.quick_upload, "{copy:?}");
    assert_eq!((copy.parts_sent, copy.bytes_sent), (0, 0));
    assert_eq!(copy.vod_file_id, None);
    assert_eq!(copy.sha1, first.sha1);
    assert_ne!(copy.material_id, first.material_id, "a medium of its own");
    assert_eq!(
        received_under(&env.emu, "COS/") + received_under(&env.emu, "VOD/"),
        0,
        "no request to VOD or COS: {:?}",
        env.emu.stats()
    );
    assert_eq!(env.emu.storage_used(), stored, "no byte stored again");
    assert_eq!(executed(&env.emu, "Material/FinishUploadMaterial"), 1);
    assert_medium(&env.client, &copy, "copy.mp4", MaterialType::Video).await;
    env.stop().await;
}

#[tokio::test]
async fn a_dropped_upload_resumes_sending_only_the_missing_parts() {
    let emu = Arc::new(start().await);
    let client = client(&emu, ALICE);
    let files = Files::new();
    let len = 6 * MIB;
    let path = files.write("resumed.mp4", &data(len, 12));
    let checkpoint = files.path("resumed.mp4.cme-upload");
    // After three parts, the next one hangs at the emulator (a long delay): the test drops
    // the upload while it does. The callback runs before the fourth part is sent.
    let stalled = Arc::new(AtomicBool::new(false));
    let on_progress = {
        let (emu, stalled) = (emu.clone(), stalled.clone());
        move |p: &Progress| {
            if p.parts_done >= 3 && !stalled.swap(true, Ordering::SeqCst) {
                emu.inject(FaultSpec::delay(Duration::from_secs(60)).cos(CosOperation::UploadPart));
            }
        }
    };
    let mut task = upload(&client, &path)
        .concurrency(1)
        .checkpoint(&checkpoint)
        .on_progress(on_progress)
        .start();
    let part = CosOperation::UploadPart.route();
    let stuck = eventually(|| received(&emu, part) >= 4);
    tokio::select! {
        result = &mut task => panic!("the upload should hang at its fourth part: {result:?}"),
        () = stuck => {}
    }
    drop(task);
    emu.faults().clear();
    assert!(checkpoint.exists(), "the checkpoint stays for a resume");
    assert_eq!(emu.open_multipart_uploads(), 1, "the COS upload stays too");
    assert_eq!(executed(&emu, part), 3);
    assert_eq!(executed(&emu, "Material/FinishUploadMaterial"), 0);
    emu.reset_stats();

    let reports = Reports::default();
    let uploaded = upload(&client, &path)
        .concurrency(1)
        .checkpoint(&checkpoint)
        .on_progress(reports.callback())
        .send()
        .await
        .expect("the upload resumes");
    assert!(uploaded.resumed);
    assert_eq!((uploaded.parts_skipped, uploaded.parts_sent), (3, 3));
    assert_eq!(uploaded.bytes_sent, 3 * MIB);
    // Only the missing parts, proven by the emulator: no new upload, no part sent twice.
    assert_eq!(received(&emu, part), 3, "{:?}", emu.stats());
    assert_eq!(executed(&emu, "Material/CreateUploadMaterial"), 0);
    assert_eq!(executed(&emu, "COS/InitiateMultipartUpload"), 0);
    assert_eq!(executed(&emu, "COS/ListParts"), 1);
    assert_eq!(executed(&emu, VodAction::Apply.route()), 1, "resumed");
    assert_eq!(executed(&emu, "COS/CompleteMultipartUpload"), 1);
    assert_eq!(emu.open_multipart_uploads(), 0);
    assert_eq!(emu.storage_used(), len);
    assert!(
        !checkpoint.exists(),
        "a finished upload leaves no checkpoint"
    );
    // Progress starts from the parts COS held, and only grows.
    let first = reports.0.lock().unwrap()[0].clone();
    assert!(first.bytes_done <= 3 * MIB, "{first:?}");
    assert_eq!(reports.0.lock().unwrap().last().unwrap().bytes_done, len);
    assert_medium(&client, &uploaded, "resumed.mp4", MaterialType::Video).await;
}

#[tokio::test]
async fn an_abort_aborts_the_multipart_upload_and_leaves_nothing() {
    let env = Env::start().await;
    let files = Files::new();
    let path = files.write("aborted.mp4", &data(6 * MIB, 13));
    let checkpoint = files.path("aborted.cme-upload");
    let task = upload(&env.client, &path)
        .concurrency(1)
        .checkpoint(&checkpoint)
        .start();
    let abort = task.abort_handle();
    let mut progress = task.progress();
    let run = tokio::spawn(task);
    progress
        .wait_for(|p| p.parts_done >= 2)
        .await
        .expect("two parts go");
    assert_eq!(env.emu.open_multipart_uploads(), 1);
    abort.abort();
    let err = run.await.unwrap().unwrap_err();
    assert_eq!(err.upload_error(), Some(&UploadError::Aborted), "{err:?}");
    assert_eq!(executed(&env.emu, "COS/AbortMultipartUpload"), 1);
    // Nothing stored: not the parts COS had, nor the one in flight when the upload stopped
    // (its request ends at the emulator once it sees its connection closed).
    eventually(|| env.emu.storage_used() == 0).await;
    assert_nothing_left(&env.emu);
    assert!(!checkpoint.exists(), "an abort removes the checkpoint");
    assert_eq!(executed(&env.emu, "Material/FinishUploadMaterial"), 0);
    env.stop().await;
}

#[tokio::test]
async fn a_refused_part_without_a_checkpoint_aborts_the_multipart_upload() {
    let env = Env::start().await;
    let files = Files::new();
    let path = files.write("refused.mp4", &data(3 * MIB, 14));
    // A 403 is no fault to retry: the upload fails at the part, and gives up the COS upload.
    env.emu.inject(
        FaultSpec::status(403)
            .cos(CosOperation::UploadPart)
            .times(1),
    );
    let err = upload(&env.client, &path)
        .concurrency(1)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.upload_step(), Some(UploadStep::Part(1)), "{err:?}");
    assert!(
        err.to_string().starts_with("upload failed at part 1: "),
        "{err}"
    );
    assert_eq!(executed(&env.emu, "COS/AbortMultipartUpload"), 1);
    assert_nothing_left(&env.emu);
    env.stop().await;
}

#[tokio::test]
async fn a_checkpoint_that_no_longer_matches_is_refused_before_anything_is_sent() {
    let env = Env::start().await;
    let files = Files::new();
    let len = 3 * MIB;
    let path = files.write("stale.mp4", &data(len, 15));
    let checkpoint = files.path("stale.cme-upload");
    // An upload that fails at its second part keeps its checkpoint and its COS upload.
    env.emu.inject(
        FaultSpec::status(403)
            .cos(CosOperation::UploadPart)
            .times(1),
    );
    let resumable = |path: &Path| {
        upload(&env.client, path)
            .concurrency(1)
            .checkpoint(&checkpoint)
    };
    let err = resumable(&path).send().await.unwrap_err();
    assert_eq!(err.upload_step(), Some(UploadStep::Part(1)), "{err:?}");
    assert!(checkpoint.exists());
    assert_eq!(env.emu.open_multipart_uploads(), 1);
    let kept = std::fs::read(&checkpoint).unwrap();

    let other = files.write("other.mp4", &data(len, 16));
    type Input<'a> = Box<dyn Fn() -> PathBuf + 'a>;
    type Check = Box<dyn Fn(&CheckpointProblem) -> bool>;
    let cases: [(Input<'_>, Check); 3] = [
        (
            Box::new(|| other.clone()),
            Box::new(|p| matches!(p, CheckpointProblem::OtherFile { .. })),
        ),
        (
            // other bytes, the same size
            Box::new(|| files.write("stale.mp4", &data(len, 17))),
            Box::new(|p| {
                matches!(
                    p,
                    CheckpointProblem::Modified | CheckpointProblem::ContentChanged
                )
            }),
        ),
        (
            Box::new(|| files.write("stale.mp4", &data(len + 1, 15))),
            Box::new(move |p| {
                *p == CheckpointProblem::SizeChanged {
                    checkpoint: len,
                    now: len + 1,
                }
            }),
        ),
    ];
    for (input, expected) in cases {
        let input = input();
        env.emu.reset_stats();
        let err = resumable(&input).send().await.unwrap_err();
        let Some(UploadError::Checkpoint { path: at, problem }) = err.upload_error() else {
            panic!("{input:?}: {err:?}");
        };
        assert_eq!(at, &checkpoint);
        assert!(expected(problem), "{input:?}: {problem:?}");
        assert!(
            err.to_string().contains(&checkpoint.display().to_string()),
            "{err}"
        );
        assert_eq!(
            received_under(&env.emu, ""),
            0,
            "{input:?}: nothing sent: {:?}",
            env.emu.stats()
        );
        assert_eq!(
            std::fs::read(&checkpoint).unwrap(),
            kept,
            "a refused checkpoint is left as it was"
        );
        assert_eq!(env.emu.open_multipart_uploads(), 1);
    }

    // Giving it up aborts its COS upload; the file then uploads afresh.
    env.client
        .material()
        .abort_upload(&checkpoint)
        .await
        .expect("abort_upload");
    assert!(!checkpoint.exists());
    assert_nothing_left(&env.emu);
    let path = files.write("stale.mp4", &data(len, 15));
    let uploaded = resumable(&path).send().await.expect("a fresh upload");
    assert!(!uploaded.resumed);
    assert_medium(&env.client, &uploaded, "stale.mp4", MaterialType::Video).await;
    env.stop().await;
}

#[tokio::test]
async fn bad_inputs_are_refused_clearly_and_leave_nothing() {
    let env = Env::start().await;
    let files = Files::new();
    let before = received_under(&env.emu, "");

    let missing = files.path("missing.mp4");
    let err = upload(&env.client, &missing).send().await.unwrap_err();
    let UploadError::Io { path, kind, .. } = refused_before_sending(&env.emu, before, &err) else {
        panic!("{err:?}");
    };
    assert_eq!(
        (path.as_deref(), kind),
        (Some(missing.as_path()), std::io::ErrorKind::NotFound)
    );
    assert!(
        err.to_string().contains(&missing.display().to_string()),
        "{err}"
    );

    let dir = files.path("folder.mp4");
    std::fs::create_dir(&dir).unwrap();
    let err = upload(&env.client, &dir).send().await.unwrap_err();
    let refusal = refused_before_sending(&env.emu, before, &err);
    assert_eq!(refusal, UploadError::NotAFile { path: dir.clone() });
    assert!(
        err.to_string().contains(&dir.display().to_string()),
        "{err}"
    );

    let unknown = files.write("notes.xyz", &data(10, 18));
    let err = upload(&env.client, &unknown).send().await.unwrap_err();
    let refusal = refused_before_sending(&env.emu, before, &err);
    assert_eq!(
        refusal,
        UploadError::UnknownMaterialType {
            extension: Some("xyz".to_owned())
        }
    );
    assert!(err.to_string().contains("xyz"), "{err}");
    // With the type set, the same file uploads.
    let uploaded = upload(&env.client, &unknown)
        .material_type(MaterialType::Image)
        .send()
        .await
        .expect("with a material type");
    assert_medium(&env.client, &uploaded, "notes.xyz", MaterialType::Image).await;
    env.stop().await;
}

#[cfg(unix)]
#[tokio::test]
async fn an_unreadable_file_is_refused_clearly_and_leaves_nothing() {
    use std::os::unix::fs::PermissionsExt as _;
    use std::os::unix::process::CommandExt as _;

    let files = Files::new();
    let path = files.write("locked.mp4", &data(10, 19));
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::File::open(&path).is_err() {
        return unreadable(&path).await;
    }
    // This user reads any file (root): the same test as an unprivileged user, in a child
    // process. It must reach the file: the directory is opened to others.
    std::fs::set_permissions(files.0.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["unreadable_by_an_unprivileged_user", "--exact", "--ignored"])
        .env("CME_TEST_UNREADABLE_FILE", &path)
        .uid(65534)
        .gid(65534)
        .status()
        .unwrap();
    assert!(status.success(), "the unprivileged check failed: {status}");
}

/// Run by [`an_unreadable_file_is_refused_clearly_and_leaves_nothing`] as an unprivileged
/// user, with the file in `CME_TEST_UNREADABLE_FILE`.
#[cfg(unix)]
#[tokio::test]
#[ignore = "run by an_unreadable_file_is_refused_clearly_and_leaves_nothing, as another user"]
async fn unreadable_by_an_unprivileged_user() {
    let path = std::env::var_os("CME_TEST_UNREADABLE_FILE").expect("CME_TEST_UNREADABLE_FILE");
    unreadable(Path::new(&path)).await;
}

/// The upload of the unreadable file at `path` fails at reading it, before anything is sent.
async fn unreadable(path: &Path) {
    let env = Env::start().await;
    let err = upload(&env.client, path).send().await.unwrap_err();
    let refusal = refused_before_sending(&env.emu, 0, &err);
    let UploadError::Io { path: at, kind, .. } = refusal else {
        panic!("{err:?}");
    };
    assert_eq!(
        (at.as_deref(), kind),
        (Some(path), std::io::ErrorKind::PermissionDenied)
    );
    assert!(
        err.to_string().contains(&path.display().to_string()),
        "{err}"
    );
    env.stop().await;
}

#[tokio::test]
async fn a_medium_from_an_upload_has_the_files_facts() {
    let env = Env::start().await;
    let files = Files::new();
    let mp4 = cme_emulator::sample_mp4(12.5, 1280, 720, 3 * MIB as usize);
    let path = files.write("clip.mp4", &mp4);
    let uploaded = upload(&env.client, &path).send().await.expect("uploaded");
    assert_eq!(uploaded.parts, 4, "a multipart upload");
    let id = uploaded.material_id.clone().unwrap();
    let described = env
        .material()
        .describe_materials([id.as_str()])
        .send()
        .await
        .unwrap();
    let media = described.material_info_set[0].media_info.clone().unwrap();
    assert_eq!(media.media_type, Some(MediaType::Video));
    assert_eq!(media.size, Some(i64::try_from(mp4.len()).unwrap()));
    assert_eq!(media.duration, Some(12.5), "read from the stored file");
    assert_eq!((media.width, media.height), (Some(1280), Some(720)));
    env.stop().await;
}
