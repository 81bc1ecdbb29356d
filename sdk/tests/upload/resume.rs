//! Checkpoints: resuming after a failure or a dropped future (only the missing parts go),
//! refusing a checkpoint of a changed file, aborting.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use cme_sdk::upload::{CheckpointProblem, Progress, UploadError, UploadStep};
use tokio::sync::Notify;

use crate::fake::{quick_retry, Env, Faults, Op};

const MIB: u64 = 1 << 20;

#[tokio::test]
async fn after_a_failed_part_the_same_call_sends_only_the_missing_parts() {
    let env = Env::with(Faults {
        part_failures: HashMap::from([(3, VecDeque::from([403]))]),
        ..Faults::default()
    })
    .await;
    let path = env.file("resumed.mp4", 6 * MIB as usize, 20);
    let checkpoint = env.dir.path().join("resumed.checkpoint");
    let upload = || {
        env.client()
            .material()
            .upload(&path)
            .part_size(MIB)
            .concurrency(1)
            .retry(quick_retry())
            .checkpoint(&checkpoint)
    };
    let err = upload().send().await.unwrap_err();
    assert_eq!(err.upload_step(), Some(UploadStep::Part(3)));
    // With a checkpoint, the COS upload and the checkpoint stay for the next try.
    assert!(checkpoint.exists());
    assert_eq!(env.world().open_uploads(), 1);
    assert_eq!(env.world().count(&Op::Abort), 0);
    let before = env.world().cos_log.len();

    let uploaded = upload().send().await.unwrap();
    assert!(uploaded.resumed);
    assert_eq!((uploaded.parts_skipped, uploaded.parts_sent), (2, 4));
    assert_eq!(uploaded.bytes_sent, 4 * MIB);
    let world = env.world();
    let again: Vec<_> = world.cos_log[before..]
        .iter()
        .map(|c| c.op.clone())
        .collect();
    // ListParts (in pages of two), then parts 3 to 6 only, then the completion.
    assert_eq!(
        again,
        [
            Op::List,
            Op::Part(3),
            Op::Part(4),
            Op::Part(5),
            Op::Part(6),
            Op::Complete
        ]
    );
    assert_eq!(world.creates.len(), 1, "the upload was created once");
    let applies = world.applies();
    assert!(
        applies[1]["vodSessionKey"].is_string(),
        "the session was resumed"
    );
    assert_eq!(world.count(&Op::Initiate), 1);
    assert!(
        !checkpoint.exists(),
        "a finished upload leaves no checkpoint"
    );
}

#[tokio::test]
async fn cos_is_the_truth_about_the_parts_a_checkpoint_records() {
    let env = Env::with(Faults {
        part_failures: HashMap::from([(4, VecDeque::from([403, 403]))]),
        ..Faults::default()
    })
    .await;
    let path = env.file("truth.mp4", 5 * MIB as usize, 24);
    let checkpoint = env.dir.path().join("truth.checkpoint");
    let upload = || {
        env.client()
            .material()
            .upload(&path)
            .part_size(MIB)
            .concurrency(1)
            .retry(quick_retry())
            .checkpoint(&checkpoint)
    };
    upload().send().await.unwrap_err();
    // The checkpoint records parts 1 to 3; COS lost part 2: it is sent again.
    env.world().lose_part(2);
    let before = env.world().cos_log.len();
    upload().send().await.unwrap_err();
    let again: Vec<_> = env.world().cos_log[before..]
        .iter()
        .map(|c| c.op.clone())
        .collect();
    assert_eq!(again, [Op::List, Op::Part(2), Op::Part(4)]);
    // COS lost the whole upload: a new one, every part.
    env.world().lose_uploads();
    let uploaded = upload().send().await.unwrap();
    assert!(uploaded.resumed);
    assert_eq!((uploaded.parts_skipped, uploaded.parts_sent), (0, 5));
    assert_eq!(env.world().count(&Op::Initiate), 2);
}

#[tokio::test]
async fn a_dropped_upload_resumes_from_its_checkpoint() {
    let env = Env::with(Faults {
        part_delay: Duration::from_millis(30),
        ..Faults::default()
    })
    .await;
    let path = env.file("dropped.mp4", 8 * MIB as usize, 21);
    let checkpoint = env.dir.path().join("dropped.checkpoint");
    let upload = || {
        env.client()
            .material()
            .upload(&path)
            .part_size(MIB)
            .concurrency(2)
            .retry(quick_retry())
            .checkpoint(&checkpoint)
            .progress_interval(Duration::ZERO)
    };
    let three_done = Arc::new(Notify::new());
    let notify = three_done.clone();
    let task = upload()
        .on_progress(move |p: &Progress| {
            if p.parts_done >= 3 {
                notify.notify_one();
            }
        })
        .start();
    tokio::select! {
        result = task => panic!("the upload ended first: {result:?}"),
        () = three_done.notified() => {} // the task is dropped here
    }
    assert!(checkpoint.exists());
    let before = env.world().cos_log.len();

    let uploaded = upload().send().await.unwrap();
    assert!(uploaded.resumed);
    assert!(uploaded.parts_skipped >= 3, "{uploaded:?}");
    assert_eq!(uploaded.parts_skipped + uploaded.parts_sent, 8);
    let world = env.world();
    let mut sent_again: Vec<u32> = world.cos_log[before..]
        .iter()
        .filter_map(|c| match c.op {
            Op::Part(n) => Some(n),
            _ => None,
        })
        .collect();
    sent_again.sort_unstable();
    sent_again.dedup();
    assert_eq!(
        sent_again.len() as u32,
        uploaded.parts_sent,
        "only the missing parts"
    );
    assert_eq!(world.creates.len(), 1);
    assert_eq!(world.open_uploads(), 0);
    assert!(!checkpoint.exists());
}

#[tokio::test]
async fn a_checkpoint_of_a_changed_file_is_refused_and_can_be_given_up() {
    let env = Env::with(Faults {
        part_failures: HashMap::from([(2, VecDeque::from([403]))]),
        ..Faults::default()
    })
    .await;
    let path = env.file("changed.mp4", 3 * MIB as usize, 22);
    let checkpoint = env.dir.path().join("changed.checkpoint");
    let upload = || {
        env.client()
            .material()
            .upload(&path)
            .part_size(MIB)
            .concurrency(1)
            .retry(quick_retry())
            .checkpoint(&checkpoint)
    };
    upload().send().await.unwrap_err();
    let requests = env.world().requests();

    // Longer: refused, nothing sent, the checkpoint left to the caller.
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    std::io::Write::write_all(&mut file, b"x").unwrap();
    drop(file);
    let err = upload().send().await.unwrap_err();
    assert_eq!(err.upload_step(), Some(UploadStep::Checkpoint));
    let Some(UploadError::Checkpoint { path: at, problem }) = err.upload_error() else {
        panic!("{err:?}");
    };
    assert_eq!(at, &checkpoint);
    assert_eq!(
        problem,
        &CheckpointProblem::SizeChanged {
            checkpoint: 3 * MIB,
            now: 3 * MIB + 1
        }
    );
    assert!(
        err.to_string()
            .contains("delete it to start the upload over"),
        "{err}"
    );
    // Same size, other time: refused too.
    std::fs::write(&path, crate::fake::bytes(3 * MIB as usize, 22)).unwrap();
    let modified = std::time::SystemTime::now() + Duration::from_secs(60);
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(modified)
        .unwrap();
    let err = upload().send().await.unwrap_err();
    assert!(
        matches!(
            err.upload_error(),
            Some(UploadError::Checkpoint {
                problem: CheckpointProblem::Modified,
                ..
            })
        ),
        "{err:?}"
    );
    // Another file with this checkpoint: refused.
    let other = env.file("other.mp4", 3 * MIB as usize, 22);
    let err = env
        .client()
        .material()
        .upload(&other)
        .checkpoint(&checkpoint)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err.upload_error(),
            Some(UploadError::Checkpoint {
                problem: CheckpointProblem::OtherFile { .. },
                ..
            })
        ),
        "{err:?}"
    );
    assert_eq!(env.world().requests(), requests, "nothing was sent");
    assert!(checkpoint.exists());

    // Giving it up aborts its COS upload and removes it.
    assert_eq!(env.world().open_uploads(), 1);
    env.client()
        .material()
        .abort_upload(&checkpoint)
        .await
        .unwrap();
    assert_eq!(env.world().open_uploads(), 0);
    assert!(!checkpoint.exists());
    env.client()
        .material()
        .abort_upload(&checkpoint)
        .await
        .unwrap();
}

#[tokio::test]
async fn an_abort_aborts_the_cos_upload_and_removes_the_checkpoint() {
    let env = Env::with(Faults {
        part_delay: Duration::from_millis(30),
        ..Faults::default()
    })
    .await;
    let path = env.file("aborted.mp4", 8 * MIB as usize, 23);
    let checkpoint = env.dir.path().join("aborted.checkpoint");
    let task = env
        .client()
        .material()
        .upload(&path)
        .part_size(MIB)
        .concurrency(2)
        .checkpoint(&checkpoint)
        .progress_interval(Duration::ZERO)
        .start();
    let handle = task.abort_handle();
    let mut progress = task.progress();
    tokio::spawn(async move {
        let _ = progress.wait_for(|p| p.parts_done >= 2).await;
        handle.abort();
    });
    let err = task.await.unwrap_err();
    assert_eq!(err.upload_error(), Some(&UploadError::Aborted));
    assert_eq!(err.to_string(), "upload failed at abort: aborted");
    let world = env.world();
    assert_eq!(world.count(&Op::Abort), 1);
    assert_eq!((world.open_uploads(), world.objects()), (0, 0));
    assert!(world.finishes.is_empty());
    assert!(!checkpoint.exists());
}
