//! The VOD client-upload endpoints over HTTP: what Apply and Commit answer, every refusal in the
//! protocol's own shape (`{code, message}`), signature expiry and one-time signatures, resume,
//! the backup host, faults and counters; and what `FinishUploadMaterial` then accepts and
//! refuses, quick upload included.

mod common;

use std::time::{Duration, SystemTime};

use base64::Engine as _;
use cme_emulator::{Emulator, FaultSpec, VodAction, DEMO_PLATFORM, DEMO_USER_ID};
use common::{sha1_hex, Harness};
use serde_json::{json, Value};

const ALICE: &str = DEMO_USER_ID;

fn now() -> i64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn text<'a>(v: &'a Value, path: &[&str]) -> &'a str {
    path.iter()
        .fold(v, |v, k| &v[*k])
        .as_str()
        .unwrap_or_else(|| panic!("no {path:?} in {v}"))
}

#[tokio::test]
async fn apply_answers_what_clients_read_and_resumes_the_same_path() {
    let h =
        Harness::with(Emulator::builder().temp_credential_lifetime(Duration::from_secs(120))).await;
    let t = h.login(ALICE).await;
    let started = h.create_upload(&t, json!({})).await;
    assert_eq!(started["QuickUpload"], false);
    let sign = text(&started, &["VodUploadSign"]).to_owned();
    // the signature is a real VOD upload signature: HMAC-SHA1 ++ the plaintext, Base64
    let raw = base64::engine::general_purpose::STANDARD
        .decode(&sign)
        .expect("base64");
    let plaintext = String::from_utf8(raw[20..].to_vec()).expect("text");
    for field in [
        "secretId=",
        "currentTimeStamp=",
        "expireTime=",
        "random=",
        "vodSubAppId=",
        "sourceContext=",
    ] {
        assert!(plaintext.contains(field), "{plaintext}");
    }

    let applied = h.apply(&sign, 3 * 1024 * 1024).await;
    let bucket = text(&applied, &["storageBucket"]);
    assert!(applied["storageAppId"].as_i64().is_some(), "{applied}");
    assert_eq!(applied["storageRegionV5"], applied["StorageRegionV5"]);
    assert_eq!(applied["storageRegionV5"], "ap-guangzhou");
    let path = text(&applied, &["video", "storagePath"]);
    assert!(
        path.starts_with(&format!("/{bucket}/")) && path.ends_with(".mp4"),
        "{path}"
    );
    assert!(!text(&applied, &["domain"]).is_empty());
    let timestamp = applied["timestamp"].as_i64().expect("timestamp");
    assert!((timestamp - now()).abs() <= 5, "server time");
    let cert = &applied["tempCertificate"];
    for k in ["secretId", "secretKey", "token"] {
        assert!(cert[k].as_str().is_some_and(|s| !s.is_empty()), "{cert}");
    }
    assert_eq!(
        cert["expiredTime"].as_i64(),
        Some(timestamp + 120),
        "the configured lifetime"
    );

    // a resume-Apply sends only the signature and the session key: same path, new credentials
    let resumed = h
        .vod_ok(
            "ApplyUploadUGC",
            json!({"signature": sign, "vodSessionKey": applied["vodSessionKey"]}),
        )
        .await;
    assert_eq!(
        resumed["video"]["storagePath"],
        applied["video"]["storagePath"]
    );
    assert_ne!(resumed["tempCertificate"]["secretId"], cert["secretId"]);
    let stats = h.emu.stats();
    assert_eq!(stats.received(VodAction::Apply.route()), 2);
    assert_eq!(stats.executed(VodAction::Apply.route()), 2);
}

#[tokio::test]
async fn every_refusal_is_the_protocols_shape() {
    let h = Harness::start().await;
    let t = h.login(ALICE).await;
    let started = h.create_upload(&t, json!({})).await;
    let sign = text(&started, &["VodUploadSign"]).to_owned();
    let before = h.emu.snapshot();
    let apply = |extra: Value| {
        let mut body =
            json!({"signature": sign, "videoName": "a", "videoType": "mp4", "videoSize": 10});
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            b.extend(e.clone());
        }
        body
    };
    let cases: Vec<(Value, i64, &str)> = vec![
        (json!([1, 2]), 10001, "JSON object"),
        (
            json!({"videoType": "mp4", "videoSize": 1}),
            10001,
            "signature",
        ),
        (
            apply(json!({"signature": "bm90IGEgc2lnbmF0dXJlIGF0IGFsbCwganVzdCB0ZXh0"})),
            10002,
            "signature invalid",
        ),
        (apply(json!({"signature": "%%%"})), 10002, "Base64"),
        (apply(json!({"videoType": null})), 10001, "videoType"),
        (apply(json!({"videoType": "m p4"})), 10001, "videoType"),
        (apply(json!({"videoSize": -1})), 10001, "videoSize"),
        (apply(json!({"videoSize": "10"})), 10001, "videoSize"),
        (apply(json!({"videoName": "a/b"})), 10001, "videoName"),
        (
            apply(json!({"videoName": "x".repeat(201)})),
            10001,
            "videoName",
        ),
        (
            apply(json!({"vodSessionKey": "forged"})),
            10004,
            "vodSessionKey",
        ),
    ];
    for (body, code, detail) in cases {
        let message = h.vod_fails("ApplyUploadUGC", body.clone(), code).await;
        assert!(message.contains(detail), "{body}: {message}");
        assert!(message.starts_with("cme-emulator: "), "{message}");
    }
    let (status, reply) = h
        .vod_at(&h.emu.vod_url(), "ApplyUploadUGC", &json!("not an object"))
        .await;
    assert_eq!((status, reply["code"].as_i64()), (200, Some(10001)));
    let raw = h
        .http
        .post(format!(
            "{}/v3/index.php?Action=ApplyUploadUGC",
            h.emu.vod_url()
        ))
        .body("{not json")
        .send()
        .await
        .expect("sent");
    let reply: Value = serde_json::from_slice(&raw.bytes().await.expect("body")).expect("JSON");
    assert_eq!(reply["code"], 10001);
    let message = h
        .vod_fails("PrepareUploadUGC", json!({"signature": sign}), 10008)
        .await;
    assert!(message.contains("ApplyUploadUGC"), "{message}");
    let get = h
        .http
        .get(format!(
            "{}/v3/index.php?Action=ApplyUploadUGC",
            h.emu.vod_url()
        ))
        .send()
        .await
        .expect("sent");
    assert_eq!(get.status(), 405);
    let reply: Value = serde_json::from_slice(&get.bytes().await.expect("body")).expect("JSON");
    assert_eq!(reply["code"], 10008);

    // Commit: no session key, a session of nothing uploaded yet
    h.vod_fails("CommitUploadUGC", json!({"signature": sign}), 10001)
        .await;
    let applied = h.apply(&sign, 10).await;
    let message = h
        .vod_fails(
            "CommitUploadUGC",
            json!({"signature": sign, "vodSessionKey": applied["vodSessionKey"]}),
            10006,
        )
        .await;
    assert!(message.contains("not uploaded"), "{message}");
    // a session key of another upload
    let other = h.create_upload(&t, json!({})).await;
    h.vod_fails(
        "CommitUploadUGC",
        json!({"signature": other["VodUploadSign"], "vodSessionKey": applied["vodSessionKey"]}),
        10004,
    )
    .await;
    // the refused requests changed nothing but the one session the valid Apply opened
    let after = h.emu.snapshot();
    let (b, a) = (
        before.platform(DEMO_PLATFORM).expect("p"),
        after.platform(DEMO_PLATFORM).expect("p"),
    );
    assert_eq!(a.vod_sessions.len(), b.vod_sessions.len() + 1);
    assert!(a.vod_files.is_empty());
}

#[tokio::test]
async fn an_expired_signature_is_code_10010() {
    let h = Harness::with(Emulator::builder().vod_sign_lifetime(Duration::ZERO)).await;
    let t = h.login(ALICE).await;
    let started = h.create_upload(&t, json!({})).await;
    let message = h
        .vod_fails(
            "ApplyUploadUGC",
            json!({"signature": started["VodUploadSign"], "videoType": "mp4", "videoSize": 1}),
            10010,
        )
        .await;
    assert!(message.contains("expired"), "{message}");
    h.vod_fails(
        "CommitUploadUGC",
        json!({"signature": started["VodUploadSign"], "vodSessionKey": "x"}),
        10010,
    )
    .await;
}

#[tokio::test]
async fn a_one_time_signature_serves_one_apply() {
    let h = Harness::with(Emulator::builder().vod_sign_one_time(true)).await;
    let t = h.login(ALICE).await;
    let started = h.create_upload(&t, json!({})).await;
    let sign = text(&started, &["VodUploadSign"]).to_owned();
    let applied = h.apply(&sign, 5).await;
    let again = json!({"signature": sign, "vodSessionKey": applied["vodSessionKey"]});
    let message = h.vod_fails("ApplyUploadUGC", again, 10003).await;
    assert!(message.contains("duplicate vod signature"), "{message}");
    // the upload it opened still commits with it
    let path = text(&applied, &["video", "storagePath"]).to_owned();
    assert_eq!(
        h.cos(&applied)
            .send("PUT", &path, &[], b"12345".to_vec())
            .await
            .status,
        200
    );
    h.vod_ok(
        "CommitUploadUGC",
        json!({"signature": sign, "vodSessionKey": applied["vodSessionKey"]}),
    )
    .await;
}

#[tokio::test]
async fn commit_proves_the_upload_and_finish_checks_the_proof() {
    let h = Harness::start().await;
    let t = h.login(ALICE).await;
    let started = h.create_upload(&t, json!({"TagSet": ["海", "日落"]})).await;
    let context = text(&started, &["UploadContext"]).to_owned();
    let sign = text(&started, &["VodUploadSign"]).to_owned();
    let mp4 = cme_emulator::sample_mp4(30.0, 720, 1280, 10_000);
    let committed = h.vod_upload(&sign, &mp4).await;
    let file_id = text(&committed, &["fileId"]).to_owned();
    let verify = text(&committed, &["video", "verify_content"]).to_owned();
    assert!(text(&committed, &["video", "url"]).starts_with(&h.emu.cos_url()));
    // verify_content: HMAC-SHA1 (20 bytes) ++ ExpTime=…&FileId=…, Base64
    let raw = base64::engine::general_purpose::STANDARD
        .decode(&verify)
        .expect("base64");
    let plaintext = String::from_utf8(raw[20..].to_vec()).expect("text");
    let exp: i64 = plaintext
        .strip_prefix("ExpTime=")
        .and_then(|r| r.split('&').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{plaintext}"));
    assert!(
        (exp - now() - 3600).abs() <= 5,
        "good for an hour: {plaintext}"
    );
    assert!(
        plaintext.ends_with(&format!("&FileId={file_id}")),
        "{plaintext}"
    );
    // another upload's file, to name it where it does not belong
    let other = h.create_upload(&t, json!({})).await;
    let other_file = h
        .vod_upload(text(&other, &["VodUploadSign"]), b"other bytes")
        .await;

    let mut tampered = raw.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    let tampered = base64::engine::general_purpose::STANDARD.encode(tampered);
    let full = sha1_hex(&mp4);
    let before = h.emu.snapshot();
    let finish = |extra: Value| {
        let mut body = json!({"UploadContext": context, "VodFileId": file_id});
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            b.extend(e.clone());
        }
        body
    };
    let refusals: Vec<(Value, &str, &str)> = vec![
        (
            finish(json!({"VodFileId": "5285890000000000000"})),
            "InvalidParameterValue.VodFileNotExist",
            "not uploaded with this UploadContext",
        ),
        (
            finish(json!({"VodFileId": other_file["fileId"]})),
            "InvalidParameterValue.VodFileNotExist",
            "not uploaded",
        ),
        (
            finish(json!({"VodVerifyKey": tampered})),
            "InvalidParameterValue",
            "VodVerifyKey",
        ),
        (
            finish(json!({"VodVerifyKey": other_file["video"]["verify_content"]})),
            "InvalidParameterValue",
            "another file",
        ),
        (
            finish(json!({"UploadFullKey": sha1_hex(b"not the file")})),
            "InvalidParameterValue",
            "UploadFullKey",
        ),
        (
            finish(json!({"UploadFullKey": "xyz"})),
            "InvalidParameterValue",
            "40 hex",
        ),
        (
            json!({"UploadContext": context}),
            "InvalidParameterValue.VodFileId",
            "VodFileId is empty",
        ),
    ];
    for (body, code, detail) in refusals {
        let message = h
            .fails(&t, "Material/FinishUploadMaterial", body.clone(), code)
            .await;
        assert!(message.contains(detail), "{body}: {message}");
    }
    assert_eq!(
        h.emu.snapshot(),
        before,
        "a refused FinishUploadMaterial changes nothing"
    );

    let done = h
        .ok(
            &t,
            "Material/FinishUploadMaterial",
            finish(json!({"VodVerifyKey": verify, "UploadFullKey": full.to_uppercase()})),
        )
        .await;
    let id = text(&done, &["MaterialId"]).to_owned();
    let described = h
        .ok(
            &t,
            "Material/DescribeMaterials",
            json!({"MaterialIds": [id]}),
        )
        .await;
    let info = &described["MaterialInfoSet"][0];
    assert_eq!(info["BasicInfo"]["TagSet"], json!(["海", "日落"]), "{info}");
    assert_eq!(info["MediaInfo"]["Duration"], 30.0, "{info}");
    assert_eq!(info["MediaInfo"]["Width"], 720);
    assert_eq!(info["MediaInfo"]["Size"].as_u64(), Some(mp4.len() as u64));
    let state = h.emu.snapshot();
    let p = state.platform(DEMO_PLATFORM).expect("platform");
    assert_eq!(
        p.materials[&id].vod_file_id.as_deref(),
        Some(file_id.as_str())
    );
    assert_eq!(p.vod_files[&file_id].sha1, full);
}

#[tokio::test]
async fn a_commit_sent_again_names_the_same_file() {
    let h = Harness::start().await;
    let t = h.login(ALICE).await;
    let started = h.create_upload(&t, json!({})).await;
    let sign = text(&started, &["VodUploadSign"]).to_owned();
    let applied = h.apply(&sign, 4).await;
    let path = text(&applied, &["video", "storagePath"]).to_owned();
    assert_eq!(
        h.cos(&applied)
            .send("PUT", &path, &[], b"abcd".to_vec())
            .await
            .status,
        200
    );
    // the first Commit's reply is lost after it ran
    h.emu.inject(
        FaultSpec::drop_connection()
            .vod(VodAction::Commit)
            .after_action()
            .times(1),
    );
    let commit = json!({"signature": sign, "vodSessionKey": applied["vodSessionKey"]});
    let lost = h
        .http
        .post(format!(
            "{}/v3/index.php?Action=CommitUploadUGC",
            h.emu.vod_url()
        ))
        .body(commit.to_string())
        .send()
        .await;
    assert!(lost.is_err(), "the connection dropped");
    let first_file = h
        .emu
        .snapshot()
        .platform(DEMO_PLATFORM)
        .expect("p")
        .vod_files
        .keys()
        .next()
        .cloned();
    let retried = h.vod_ok("CommitUploadUGC", commit).await;
    assert_eq!(retried["fileId"].as_str(), first_file.as_deref());
    let stats = h.emu.stats();
    assert_eq!(stats.received(VodAction::Commit.route()), 2);
    assert_eq!(stats.executed(VodAction::Commit.route()), 2);
}

#[tokio::test]
async fn faults_strike_apply_and_commit() {
    let h = Harness::start().await;
    let t = h.login(ALICE).await;
    let started = h.create_upload(&t, json!({})).await;
    let sign = text(&started, &["VodUploadSign"]).to_owned();
    h.emu
        .inject(FaultSpec::status(503).vod(VodAction::Apply).times(1));
    let body = json!({"signature": sign, "videoType": "mp4", "videoSize": 1});
    assert_eq!(
        vod_status(&h, &h.emu.vod_url(), "ApplyUploadUGC", &body).await,
        503
    );
    assert_eq!(
        vod_status(&h, &h.emu.vod_url(), "ApplyUploadUGC", &body).await,
        200,
        "the fault fired once"
    );
    h.emu
        .inject(FaultSpec::garbage().vod(VodAction::Commit).times(1));
    let garbage = h
        .http
        .post(format!(
            "{}/v3/index.php?Action=CommitUploadUGC",
            h.emu.vod_url()
        ))
        .body(json!({"signature": sign, "vodSessionKey": "x"}).to_string())
        .send()
        .await
        .expect("sent")
        .bytes()
        .await
        .expect("body");
    assert!(serde_json::from_slice::<Value>(&garbage).is_err());
    let stats = h.emu.stats();
    assert_eq!(stats.received(VodAction::Apply.route()), 2);
    assert_eq!(
        stats.executed(VodAction::Apply.route()),
        1,
        "the faulted one never ran"
    );
    assert_eq!(stats.executed(VodAction::Commit.route()), 0);
}

#[tokio::test]
async fn the_backup_host_serves_vod_with_the_same_state() {
    let plain = Emulator::builder().start().await.expect("starts");
    assert_eq!(plain.vod_backup_url(), None, "off by default");
    plain.shutdown().await;
    let h = Harness::with(Emulator::builder().vod_backup(true)).await;
    let backup = h.emu.vod_backup_url().expect("on");
    assert_ne!(backup, h.emu.vod_url());
    let t = h.login(ALICE).await;
    let started = h.create_upload(&t, json!({})).await;
    let sign = text(&started, &["VodUploadSign"]).to_owned();
    let (status, applied) = h
        .vod_at(
            &backup,
            "ApplyUploadUGC",
            &json!({"signature": sign, "videoType": "mp4", "videoSize": 3}),
        )
        .await;
    assert_eq!(
        (status, applied["code"].as_i64()),
        (200, Some(0)),
        "{applied}"
    );
    let data = &applied["data"];
    let path = text(data, &["video", "storagePath"]).to_owned();
    assert_eq!(
        h.cos(data)
            .send("PUT", &path, &[], b"abc".to_vec())
            .await
            .status,
        200
    );
    // committed on the main host: one state
    h.vod_ok(
        "CommitUploadUGC",
        json!({"signature": sign, "vodSessionKey": data["vodSessionKey"]}),
    )
    .await;
    let other = h
        .http
        .get(format!("{backup}/PaaS/Material/ListMedia"))
        .send()
        .await
        .expect("sent");
    assert_eq!(other.status(), 404, "the backup host serves VOD only");
    // a fault on Apply strikes both hosts
    h.emu
        .inject(FaultSpec::status(502).vod(VodAction::Apply).times(1));
    assert_eq!(
        vod_status(&h, &backup, "ApplyUploadUGC", &json!({})).await,
        502
    );
}

/// POSTs a VOD action whose reply may not be JSON; its HTTP status.
async fn vod_status(h: &Harness, base: &str, action: &str, body: &Value) -> u16 {
    h.http
        .post(format!("{base}/v3/index.php?Action={action}"))
        .body(body.to_string())
        .send()
        .await
        .expect("sent")
        .status()
        .as_u16()
}

#[tokio::test]
async fn quick_upload_moves_no_bytes() {
    let h = Harness::start().await;
    let t = h.login(ALICE).await;
    // a file the platform already has
    let first = h.create_upload(&t, json!({})).await;
    let bytes: Vec<u8> = (0..(11 * 1024 * 1024)).map(|i| (i % 251) as u8).collect();
    let committed = h.vod_upload(text(&first, &["VodUploadSign"]), &bytes).await;
    h.ok(
        &t,
        "Material/FinishUploadMaterial",
        json!({"UploadContext": first["UploadContext"], "VodFileId": committed["fileId"]}),
    )
    .await;
    let summary = sha1_hex(&bytes[..10 * 1024 * 1024]);
    let full = sha1_hex(&bytes);
    h.emu.reset_stats();

    let again = h
        .create_upload(&t, json!({"UploadSummaryKey": summary, "Name": "再来一次"}))
        .await;
    assert_eq!(again["QuickUpload"], true);
    let done = h
        .ok(
            &t,
            "Material/FinishUploadMaterial",
            json!({"UploadContext": again["UploadContext"], "UploadFullKey": full}),
        )
        .await;
    let id = text(&done, &["MaterialId"]).to_owned();
    let stats = h.emu.stats();
    assert!(
        stats
            .received
            .keys()
            .all(|k| !k.starts_with("VOD/") && !k.starts_with("COS/")),
        "{stats:?}"
    );
    let state = h.emu.snapshot();
    let p = state.platform(DEMO_PLATFORM).expect("p");
    assert_eq!(
        p.materials[&id].vod_file_id,
        committed["fileId"].as_str().map(str::to_owned)
    );
    assert_eq!(p.materials[&id].facts.size, Some(bytes.len() as i64));

    // a summary the platform does not know, a full key that matches nothing, a malformed key
    let fresh = h
        .create_upload(&t, json!({"UploadSummaryKey": sha1_hex(b"new")}))
        .await;
    assert_eq!(fresh["QuickUpload"], false);
    let message = h
        .fails(
            &t,
            "Material/FinishUploadMaterial",
            json!({"UploadContext": fresh["UploadContext"], "UploadFullKey": full}),
            "InvalidParameterValue.VodFileId",
        )
        .await;
    assert!(message.contains("upload the file"), "{message}");
    h.fails(
        &t,
        "Material/CreateUploadMaterial",
        json!({"ClassId": 9, "MaterialType": "VIDEO", "Name": "x", "Owner": common::person(ALICE),
        "VerifySign": h.emu.upload_signature(ALICE).expose_secret(), "UploadSummaryKey": "short"}),
        "InvalidParameterValue",
    )
    .await;
}

#[tokio::test]
async fn empty_and_one_byte_files_upload_as_any_other() {
    let h = Harness::start().await;
    let t = h.login(ALICE).await;
    for bytes in [&b""[..], b"x"] {
        let started = h.create_upload(&t, json!({})).await;
        let committed = h
            .vod_upload(text(&started, &["VodUploadSign"]), bytes)
            .await;
        let done = h
            .ok(
                &t,
                "Material/FinishUploadMaterial",
                json!({"UploadContext": started["UploadContext"], "VodFileId": committed["fileId"],
                    "VodVerifyKey": committed["video"]["verify_content"], "UploadFullKey": sha1_hex(bytes)}),
            )
            .await;
        let id = text(&done, &["MaterialId"]).to_owned();
        let state = h.emu.snapshot();
        let facts = &state.platform(DEMO_PLATFORM).expect("p").materials[&id].facts;
        assert_eq!(facts.size, Some(bytes.len() as i64));
        assert_eq!(
            (facts.duration, facts.width),
            (None, None),
            "nothing to tell"
        );
    }
}
