//! Faults: failing parts, credentials that expire, a VOD host that is down, a skewed clock,
//! refusals; and errors that name their step and show no secret.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use cme_sdk::upload::{UploadError, UploadStep};
use cme_sdk::{Error, ErrorKind};

use crate::fake::{quick_retry, Env, Faults, Op, SECRET};
use crate::support::closed_port_url;

const MIB: u64 = 1 << 20;

fn failures(parts: &[(u32, &[u16])]) -> HashMap<u32, VecDeque<u16>> {
    parts
        .iter()
        .map(|(n, statuses)| (*n, statuses.iter().copied().collect()))
        .collect()
}

/// Checks that `err` shows none of the fake's credentials, signatures or session keys.
fn assert_no_secret(err: &Error) {
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains(SECRET), "{shown}");
}

#[tokio::test]
async fn failing_parts_are_retried() {
    let env = Env::with(Faults {
        part_failures: failures(&[(2, &[500, 503]), (4, &[500])]),
        ..Faults::default()
    })
    .await;
    let path = env.file("retried.mp4", 5 * MIB as usize, 10);
    let uploaded = env
        .client()
        .material()
        .upload(&path)
        .part_size(MIB)
        .retry(quick_retry())
        .send()
        .await
        .unwrap();
    assert_eq!((uploaded.parts_sent, uploaded.retries), (5, 3));
    let statuses = |part: u32| -> Vec<u16> {
        let world = env.world();
        let calls = world.cos_log.iter().filter(|c| c.op == Op::Part(part));
        calls.map(|c| c.status).collect()
    };
    assert_eq!(statuses(2), [500, 503, 200]);
    assert_eq!(statuses(4), [500, 200]);
    assert_eq!(statuses(1), [200]);
}

#[tokio::test]
async fn a_refused_part_names_itself_and_leaves_nothing_behind() {
    let env = Env::with(Faults {
        part_failures: failures(&[(3, &[403])]),
        ..Faults::default()
    })
    .await;
    let path = env.file("refused.mp4", 4 * MIB as usize, 11);
    let err = env
        .client()
        .material()
        .upload(&path)
        .part_size(MIB)
        .concurrency(1)
        .retry(quick_retry())
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.upload_step(), Some(UploadStep::Part(3)));
    assert_eq!(
        err.upload_error(),
        Some(&UploadError::Cos {
            status: 403,
            code: "AccessDenied".into(),
            message: "Access Denied.".into(),
            request_id: Some("req-AccessDenied".into()),
        })
    );
    assert_eq!(
        err.to_string(),
        "upload failed at part 3: COS AccessDenied: Access Denied. [HTTP 403] (request req-AccessDenied)"
    );
    assert!(!err.is_retryable());
    assert_no_secret(&err);
    // Without a checkpoint nothing is worth keeping: the multipart upload was aborted.
    let world = env.world();
    assert_eq!(world.count(&Op::Abort), 1);
    assert_eq!((world.open_uploads(), world.objects()), (0, 0));
    assert!(world.finishes.is_empty());
}

#[tokio::test]
async fn a_part_that_keeps_failing_gives_up_after_its_attempts() {
    let env = Env::with(Faults {
        part_failures: failures(&[(2, &[500; 10])]),
        ..Faults::default()
    })
    .await;
    let path = env.file("flaky.mp4", 2 * MIB as usize, 12);
    let err = env
        .client()
        .material()
        .upload(&path)
        .part_size(MIB)
        .retry(quick_retry())
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.upload_step(), Some(UploadStep::Part(2)));
    assert_eq!(err.attempts(), 4);
    assert!(
        err.to_string().ends_with(
            "COS InternalError: injected [HTTP 500] (request req-InternalError) (after 4 attempts)"
        ),
        "{err}"
    );
    assert!(err.is_retryable(), "trying again later may work");
    assert_eq!(
        env.world().parts_put().iter().filter(|&&n| n == 2).count(),
        4
    );
    assert_eq!(env.world().open_uploads(), 0);
}

#[tokio::test]
async fn credentials_that_expire_mid_upload_are_renewed() {
    // After two parts, COS says the credentials expired.
    let env = Env::with(Faults {
        revoke_after_parts: Some(2),
        ..Faults::default()
    })
    .await;
    let path = env.file("renewed.mp4", 6 * MIB as usize, 13);
    let uploaded = env
        .client()
        .material()
        .upload(&path)
        .part_size(MIB)
        .concurrency(1)
        .retry(quick_retry())
        .send()
        .await
        .unwrap();
    assert_eq!(uploaded.parts_sent, 6);
    assert_eq!(uploaded.credential_renewals, 1);
    let world = env.world();
    assert!(world.credential_refusals >= 1);
    // The renewal applied with the session key for the same session.
    let applies = world.applies();
    assert_eq!(applies.len(), 2);
    assert!(applies[1]["vodSessionKey"]
        .as_str()
        .is_some_and(|k| k.contains("session-")));
}

#[tokio::test]
async fn credentials_are_renewed_before_they_expire() {
    // VOD announces credentials of one second; the fake never refuses them, so a renewal can
    // only be the SDK's own, at 90 % of their lifetime.
    let env = Env::with(Faults {
        credential_lifetime: Some(Duration::from_secs(1)),
        part_delay: Duration::from_millis(100),
        ..Faults::default()
    })
    .await;
    let path = env.file("long-take.mp4", 12 * MIB as usize, 14);
    let uploaded = env
        .client()
        .material()
        .upload(&path)
        .part_size(MIB)
        .concurrency(1)
        .send()
        .await
        .unwrap();
    assert!(uploaded.credential_renewals >= 1, "{uploaded:?}");
    assert_eq!(env.world().credential_refusals, 0);
}

#[tokio::test]
async fn the_backup_vod_host_serves_when_the_main_one_is_down() {
    let env = Env::start().await;
    let client = env
        .cme
        .client()
        .vod_endpoint(closed_port_url().await)
        .vod_backup_endpoint(&env.cloud.url)
        .cos_endpoint(&env.cloud.url)
        .build()
        .unwrap();
    let path = env.file("backup.mp4", 10, 15);
    let uploaded = client
        .material()
        .upload(&path)
        .retry(quick_retry())
        .send()
        .await
        .unwrap();
    assert!(uploaded.used_backup_host);
    assert_eq!(
        uploaded.retries, 1,
        "one apply on the main host, then the backup one"
    );
    let actions: Vec<_> = env.world().vod_log.iter().map(|(a, _)| a.clone()).collect();
    assert_eq!(
        actions,
        ["ApplyUploadUGC", "CommitUploadUGC"],
        "the backup host stays"
    );
}

#[tokio::test]
async fn signatures_are_dated_by_the_servers_clock() {
    // The services' clock is two hours behind this machine's: a signature dated by this
    // machine's clock (valid for an hour from a minute before) would be refused as skewed.
    let env = Env::with(Faults {
        clock_offset: -7200,
        ..Faults::default()
    })
    .await;
    let path = env.file("skewed.mp4", 3 * MIB as usize, 16);
    let uploaded = env
        .client()
        .material()
        .upload(&path)
        .part_size(MIB)
        .retry(quick_retry())
        .send()
        .await
        .unwrap();
    assert_eq!(uploaded.parts_sent, 3);
    assert_eq!(env.world().credential_refusals, 0);
}

#[tokio::test]
async fn a_vod_refusal_names_the_step_and_code_without_secrets() {
    let env = Env::with(Faults {
        apply_refusal: Some(10010),
        ..Faults::default()
    })
    .await;
    let path = env.file("refused.mp4", 10, 17);
    let err = env
        .client()
        .material()
        .upload(&path)
        .retry(quick_retry())
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.upload_step(), Some(UploadStep::Apply));
    assert!(matches!(
        err.kind(),
        ErrorKind::Upload(UploadError::Vod { code: 10010, .. })
    ));
    assert_eq!(
        err.to_string(),
        "upload failed at apply: VOD code 10010: refused <redacted> (the upload signature expired)"
    );
    assert_no_secret(&err);
    assert_eq!(env.world().applies().len(), 1, "a refusal is not retried");
    assert!(env.world().cos_log.is_empty());
}

#[tokio::test]
async fn a_refused_finish_names_the_step_and_the_action() {
    let env = Env::with(Faults {
        finish_refusal: true,
        ..Faults::default()
    })
    .await;
    let path = env.file("finish.mp4", 10, 18);
    let err = env
        .client()
        .material()
        .upload(&path)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.upload_step(), Some(UploadStep::Finish));
    assert_eq!(err.code_str(), Some("InvalidParameterValue.UploadContext"));
    assert_eq!(
        err.to_string(),
        "upload failed at finish (Material/FinishUploadMaterial): \
         InvalidParameterValue.UploadContext: invalid upload context (非法上传上下文)"
    );
    assert_no_secret(&err);
}
