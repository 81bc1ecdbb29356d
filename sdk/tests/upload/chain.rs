//! The whole chain: what each service is told, in which order, and what the call returns.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use cme_sdk::types::{Entity, MaterialType};
use cme_sdk::upload::{Phase, Progress};
use serde_json::json;
use sha1::{Digest, Sha1};

use crate::fake::{bytes, quick_retry, Env, Faults, Op};

const MIB: usize = 1 << 20;

fn sha1_hex(data: &[u8]) -> String {
    Sha1::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[tokio::test]
async fn a_multipart_upload_runs_the_whole_chain() {
    let env = Env::start().await;
    let len = 5 * MIB + 123;
    let path = env.file("海边日落.mp4", len, 1);
    let data = bytes(len, 1);
    let uploaded = env
        .client()
        .material()
        .upload(&path)
        .part_size(MIB as u64)
        .concurrency(3)
        .send()
        .await
        .unwrap();

    assert!(uploaded
        .material_id
        .as_deref()
        .is_some_and(|id| id.starts_with("mat-")));
    assert!(uploaded
        .vod_file_id
        .as_deref()
        .is_some_and(|id| id.starts_with("5285890")));
    assert_eq!(uploaded.sha1, sha1_hex(&data));
    assert_eq!(
        (uploaded.parts, uploaded.parts_sent, uploaded.parts_skipped),
        (6, 6, 0)
    );
    assert_eq!(
        (uploaded.size, uploaded.bytes_sent),
        (len as u64, len as u64)
    );
    assert!(!uploaded.quick_upload && !uploaded.resumed && !uploaded.used_backup_host);
    assert_eq!((uploaded.retries, uploaded.credential_renewals), (0, 0));

    let world = env.world();
    // CreateUploadMaterial: the defaults, the first 10 MiB's SHA-1, an Upload signature.
    let create = &world.creates[0];
    assert_eq!(create["Name"], "海边日落.mp4");
    assert_eq!(create["MaterialType"], "VIDEO");
    assert_eq!(create["ClassId"], 9, "the owner's root class");
    assert_eq!(create["Owner"], json!({"Type": "PERSON", "Id": "user_001"}));
    assert_eq!(create["UploadSummaryKey"], sha1_hex(&data));
    assert!(create["VerifySign"].as_str().is_some_and(|s| !s.is_empty()));
    // VOD: the file's stem and format, then the commit with the same session.
    let applies = world.applies();
    assert_eq!(applies.len(), 1);
    assert_eq!(applies[0]["videoName"], "海边日落");
    assert_eq!(applies[0]["videoType"], "mp4");
    assert_eq!(applies[0]["videoSize"], len);
    assert!(applies[0].get("vodSessionKey").is_none());
    assert_eq!(world.vod_log[1].0, "CommitUploadUGC");
    // COS: one multipart upload of 6 parts, at most 3 at once.
    assert_eq!(world.count(&Op::Initiate), 1);
    let mut parts = world.parts_put();
    parts.sort_unstable();
    assert_eq!(parts, [1, 2, 3, 4, 5, 6]);
    assert_eq!(world.count(&Op::Complete), 1);
    assert!(world.max_in_flight <= 3, "{}", world.max_in_flight);
    assert_eq!((world.open_uploads(), world.objects()), (0, 1));
    // FinishUploadMaterial: the VOD file, its proof and the whole SHA-1 (which the fake checked
    // against the bytes it holds).
    let finish = &world.finishes[0];
    assert_eq!(
        finish["VodFileId"].as_str(),
        uploaded.vod_file_id.as_deref()
    );
    assert!(finish["VodVerifyKey"]
        .as_str()
        .is_some_and(|k| k.starts_with("verify-")));
    assert_eq!(finish["UploadFullKey"], uploaded.sha1);
}

#[tokio::test]
async fn one_byte_goes_in_one_put_object() {
    let env = Env::start().await;
    let path = env.file("one.mp3", 1, 2);
    let uploaded = env.client().material().upload(&path).send().await.unwrap();
    assert_eq!(
        (uploaded.parts, uploaded.parts_sent, uploaded.bytes_sent),
        (1, 1, 1)
    );
    assert_eq!(uploaded.sha1, sha1_hex(&bytes(1, 2)));
    let world = env.world();
    assert_eq!(world.creates[0]["MaterialType"], "AUDIO");
    let ops: Vec<_> = world.cos_log.iter().map(|c| c.op.clone()).collect();
    assert_eq!(ops, [Op::Put]);
    assert_eq!(world.objects(), 1);
}

#[tokio::test]
async fn the_same_bytes_again_are_a_quick_upload() {
    let env = Env::start().await;
    let len = 11 * MIB; // more than the 10 MiB of the summary key
    let first = env.file("a.mov", len, 3);
    let client = env.client();
    client.material().upload(&first).send().await.unwrap();
    let requests = {
        let world = env.world();
        world.cos_log.len() + world.vod_log.len()
    };

    let second = env.file("copy of a.mov", len, 3);
    let progress = Arc::new(Mutex::new(Vec::new()));
    let seen = progress.clone();
    let uploaded = client
        .material()
        .upload(&second)
        .on_progress(move |p: &Progress| seen.lock().unwrap().push(p.clone()))
        .send()
        .await
        .unwrap();
    assert!(uploaded.quick_upload);
    assert_eq!(uploaded.vod_file_id, None);
    assert!(uploaded.material_id.is_some());
    assert_eq!((uploaded.parts_sent, uploaded.bytes_sent), (0, 0));
    assert_eq!(uploaded.sha1, sha1_hex(&bytes(len, 3)));
    let world = env.world();
    assert_eq!(
        world.cos_log.len() + world.vod_log.len(),
        requests,
        "no VOD or COS request"
    );
    let finish = &world.finishes[1];
    assert_eq!(finish["UploadFullKey"], uploaded.sha1);
    assert!(finish.get("VodFileId").is_none() && finish.get("VodVerifyKey").is_none());
    let last = progress.lock().unwrap().last().cloned().unwrap();
    assert_eq!(
        (last.phase, last.bytes_done, last.bytes_sent),
        (Phase::Done, len as u64, 0)
    );
}

#[tokio::test]
async fn the_settings_reach_create_upload_material() {
    let env = Env::start().await;
    let path = env.file("sticker.png", 10, 4);
    env.client()
        .material()
        .upload(&path)
        .name("My sticker")
        .class_id(1430)
        .owner(Entity::team("cmetid_1"))
        .material_type(MaterialType::Sticker)
        .tags(["fun", "red"])
        .verify_sign("given-signature")
        .send()
        .await
        .unwrap();
    assert_eq!(
        env.cme
            .seen()
            .iter()
            .filter(|s| s.name == "DescribeClass")
            .count(),
        0
    );
    let world = env.world();
    let create = &world.creates[0];
    assert_eq!(create["Name"], "My sticker");
    assert_eq!(create["ClassId"], 1430);
    assert_eq!(create["Owner"], json!({"Type": "TEAM", "Id": "cmetid_1"}));
    assert_eq!(create["MaterialType"], "STICKER");
    assert_eq!(create["TagSet"], json!(["fun", "red"]));
    assert_eq!(create["VerifySign"], "given-signature");
    assert_eq!(world.applies()[0]["videoType"], "png");
}

#[tokio::test]
async fn progress_only_grows_and_ends_complete_with_memory_bounded() {
    let env = Env::with(Faults {
        part_delay: Duration::from_millis(20),
        ..Faults::default()
    })
    .await;
    let len = 12 * MIB + 7;
    let path = env.file("long.mp4", len, 5);
    let reports = Arc::new(Mutex::new(Vec::new()));
    let seen = reports.clone();
    let task = env
        .client()
        .material()
        .upload(&path)
        .part_size(MIB as u64)
        .concurrency(3)
        .retry(quick_retry())
        .progress_interval(Duration::ZERO)
        .on_progress(move |p: &Progress| seen.lock().unwrap().push(p.clone()))
        .start();
    let receiver = task.progress();
    let uploaded = task.await.unwrap();

    let reports = reports.lock().unwrap();
    let rank = |phase: Phase| match phase {
        Phase::Preparing => 0,
        Phase::Sending => 1,
        Phase::Finishing => 2,
        Phase::Done => 3,
        _ => 4,
    };
    for pair in reports.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        assert!(rank(a.phase) <= rank(b.phase), "{a:?} then {b:?}");
        assert!(
            a.bytes_done <= b.bytes_done && a.bytes_sent <= b.bytes_sent,
            "{a:?} then {b:?}"
        );
        assert!(
            a.parts_done <= b.parts_done && a.elapsed <= b.elapsed,
            "{a:?} then {b:?}"
        );
    }
    // Every part was told (the interval is 0), and the last report is the end.
    let sending: Vec<_> = reports
        .iter()
        .filter(|p| p.phase == Phase::Sending)
        .collect();
    assert_eq!(sending.last().map(|p| p.parts_done), Some(13));
    let last = reports.last().unwrap();
    assert_eq!(last.phase, Phase::Done);
    assert_eq!(
        (last.bytes_done, last.total_bytes, last.bytes_sent),
        (len as u64, len as u64, len as u64)
    );
    assert_eq!((last.parts_done, last.parts_total), (13, 13));
    assert!(last.bytes_per_second > 0.0 && last.fraction() == 1.0);
    assert_eq!(*receiver.borrow(), *last);

    // 13 parts, at most 3 in memory at once; the gauge saw at least one.
    assert!(
        uploaded.peak_buffered_bytes <= 3 * MIB as u64,
        "{}",
        uploaded.peak_buffered_bytes
    );
    assert!(
        uploaded.peak_buffered_bytes >= MIB as u64,
        "{}",
        uploaded.peak_buffered_bytes
    );
    assert!(env.world().max_in_flight <= 3);
}

#[tokio::test]
async fn a_reader_uploads_like_a_file() {
    let env = Env::start().await;
    let len = 11 * MIB + 5; // the 10 MiB kept for the summary key span several parts
    let data = bytes(len, 6);
    let uploaded = env
        .client()
        .material()
        .upload_reader(
            std::io::Cursor::new(data.clone()),
            len as u64,
            "stream.webm",
        )
        .part_size(3 * MIB as u64)
        .concurrency(2)
        .send()
        .await
        .unwrap();
    assert_eq!(uploaded.sha1, sha1_hex(&data));
    assert_eq!((uploaded.parts, uploaded.parts_sent), (4, 4));
    // The first 10 MiB, then parts: never more than they and two parts.
    assert!(uploaded.peak_buffered_bytes <= (10 + 2 * 3) * MIB as u64);
    let world = env.world();
    assert_eq!(
        world.creates[0]["UploadSummaryKey"],
        sha1_hex(&data[..10 * MIB])
    );
    assert_eq!(world.creates[0]["Name"], "stream.webm");
    assert_eq!(world.creates[0]["MaterialType"], "VIDEO");
}
