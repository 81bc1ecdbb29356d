//! The COS object store over HTTP: multipart uploads by the COS rules, simple PUT and GET,
//! listings, addressing (custom domain, path-style, virtual host), every signature refusal,
//! credentials expiring and refreshed by a resume-Apply, the size cap, the storage directory
//! removed on shutdown, concurrent parts, faults and counters.

mod common;

use std::time::Duration;

use cme_emulator::{CosOperation, Emulator, FaultSpec, DEMO_USER_ID};
use common::cos::{complete_body, xml_field, xml_fields, Cos, Credentials, Reply};
use common::{sha1_hex, Harness};
use serde_json::{json, Value};

const MIB: usize = 1024 * 1024;

/// An upload opened with Apply: its storage path, its folder, the Apply `data` and a client.
struct Opened {
    path: String,
    folder: String,
    sign: String,
    applied: Value,
    cos: Cos,
}

async fn open(h: &Harness, size: usize) -> Opened {
    let t = h.login(DEMO_USER_ID).await;
    let started = h.create_upload(&t, json!({})).await;
    let sign = started["VodUploadSign"].as_str().expect("sign").to_owned();
    let applied = h.apply(&sign, size).await;
    let path = applied["video"]["storagePath"]
        .as_str()
        .expect("path")
        .to_owned();
    let folder = path[..=path.rfind('/').expect("folder")].to_owned();
    Opened {
        cos: h.cos(&applied),
        path,
        folder,
        sign,
        applied,
    }
}

fn bytes(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

fn md5_hex(bytes: &[u8]) -> String {
    use md5::Digest;
    md5::Md5::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// An XML error reply with `status` and `code`, its `RequestId` the `x-cos-request-id`.
fn assert_error(reply: &Reply, status: u16, code: &str) {
    assert_eq!(reply.status, status, "{}", reply.text());
    assert_eq!(reply.code(), code, "{}", reply.text());
    let text = reply.text();
    for field in ["Message", "Resource", "RequestId"] {
        assert!(xml_field(&text, field).is_some(), "no {field}: {text}");
    }
    assert_eq!(
        xml_field(&text, "RequestId").as_deref(),
        reply.header("x-cos-request-id"),
        "{text}"
    );
}

#[tokio::test]
async fn multipart_upload_by_the_cos_rules() {
    let h = Harness::start().await;
    let o = open(&h, 2 * MIB + 100).await;
    let upload_id = o.cos.initiate(&o.path).await;
    let parts = [bytes(MIB, 1), bytes(MIB, 2), bytes(100, 3)];
    let mut etags = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        let etag = o
            .cos
            .part(&o.path, &upload_id, i as u32 + 1, part.clone())
            .await;
        assert_eq!(etag, md5_hex(part), "ETag = \"<md5>\"");
        etags.push((i as u32 + 1, etag));
    }
    // ListParts, two at a time
    let first = o
        .cos
        .send(
            "GET",
            &o.path,
            &[("uploadId", &upload_id), ("max-parts", "2")],
            Vec::new(),
        )
        .await;
    assert_eq!(first.status, 200, "{}", first.text());
    assert_eq!(xml_fields(&first.text(), "PartNumber"), ["1", "2"]);
    assert_eq!(
        xml_field(&first.text(), "IsTruncated").as_deref(),
        Some("true")
    );
    assert_eq!(
        xml_field(&first.text(), "NextPartNumberMarker").as_deref(),
        Some("2")
    );
    let rest = o
        .cos
        .send(
            "GET",
            &o.path,
            &[("uploadId", &upload_id), ("part-number-marker", "2")],
            Vec::new(),
        )
        .await;
    assert_eq!(xml_fields(&rest.text(), "PartNumber"), ["3"]);
    assert_eq!(xml_fields(&rest.text(), "Size"), ["100"]);

    // Complete: ETags checked, ascending, at least one part
    let wrong = [etags[0].clone(), (2, md5_hex(b"other"))];
    assert_error(
        &o.cos.complete(&o.path, &upload_id, &wrong).await,
        400,
        "InvalidPart",
    );
    let unknown = [etags[0].clone(), (9, etags[1].1.clone())];
    assert_error(
        &o.cos.complete(&o.path, &upload_id, &unknown).await,
        400,
        "InvalidPart",
    );
    let backwards = [etags[1].clone(), etags[0].clone()];
    assert_error(
        &o.cos.complete(&o.path, &upload_id, &backwards).await,
        400,
        "InvalidPartOrder",
    );
    assert_error(
        &o.cos.complete(&o.path, &upload_id, &[]).await,
        400,
        "InvalidArgument",
    );
    let malformed = o
        .cos
        .send(
            "POST",
            &o.path,
            &[("uploadId", &upload_id)],
            b"<Complete".to_vec(),
        )
        .await;
    assert_error(&malformed, 400, "MalformedXML");
    let done = o.cos.complete(&o.path, &upload_id, &etags).await;
    assert_eq!(done.status, 200, "{}", done.text());
    let etag = xml_field(&done.text(), "ETag").expect("ETag");
    assert!(
        etag.ends_with("-3&quot;") || etag.ends_with("-3\""),
        "{etag}"
    );

    let all = parts.concat();
    let got = o.cos.send("GET", &o.path, &[], Vec::new()).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.body, all);
    let head = o.cos.send("HEAD", &o.path, &[], Vec::new()).await;
    assert_eq!(
        head.header("content-length"),
        Some(all.len().to_string().as_str())
    );
    assert!(head
        .header("last-modified")
        .is_some_and(|d| d.ends_with("GMT")));
    // the upload is gone
    let listed = o
        .cos
        .send("GET", &o.path, &[("uploadId", &upload_id)], Vec::new())
        .await;
    assert_error(&listed, 404, "NoSuchUpload");
    // the committed file hashes as the bytes do
    let committed = h
        .vod_ok(
            "CommitUploadUGC",
            json!({"signature": o.sign, "vodSessionKey": o.applied["vodSessionKey"]}),
        )
        .await;
    let file_id = committed["fileId"].as_str().expect("id");
    let state = h.emu.snapshot();
    let file = &state.platform(h.emu.platform()).expect("p").vod_files[file_id];
    assert_eq!(file.sha1, sha1_hex(&all));
    assert_eq!(file.summary_sha1, sha1_hex(&all));
}

#[tokio::test]
async fn parts_below_1_mib_are_only_the_last_and_numbers_stay_in_range() {
    let h = Harness::start().await;
    let o = open(&h, 3 * MIB).await;
    assert_eq!(h.emu.open_multipart_uploads(), 0);
    let upload_id = o.cos.initiate(&o.path).await;
    assert_eq!(h.emu.open_multipart_uploads(), 1);
    let small = o.cos.part(&o.path, &upload_id, 1, bytes(10, 1)).await;
    let big = o.cos.part(&o.path, &upload_id, 2, bytes(MIB, 2)).await;
    let too_small = o
        .cos
        .complete(&o.path, &upload_id, &[(1, small), (2, big)])
        .await;
    assert_error(&too_small, 400, "EntityTooSmall");
    for n in ["0", "10001", "x"] {
        let r = o
            .cos
            .send(
                "PUT",
                &o.path,
                &[("partNumber", n), ("uploadId", &upload_id)],
                b"x".to_vec(),
            )
            .await;
        assert_error(&r, 400, "InvalidArgument");
    }
    // a part sent again replaces the first; ListParts shows the new one
    let again = o.cos.part(&o.path, &upload_id, 1, bytes(MIB, 9)).await;
    let listed = o
        .cos
        .send("GET", &o.path, &[("uploadId", &upload_id)], Vec::new())
        .await;
    assert!(listed.text().contains(&again), "{}", listed.text());
    assert_eq!(xml_fields(&listed.text(), "PartNumber"), ["1", "2"]);
    // aborting deletes the parts and the upload
    let aborted = o
        .cos
        .send("DELETE", &o.path, &[("uploadId", &upload_id)], Vec::new())
        .await;
    assert_eq!(aborted.status, 204);
    assert_eq!(h.emu.storage_used(), 0, "the parts' bytes are gone");
    assert_eq!(h.emu.open_multipart_uploads(), 0, "the upload is gone");
    let again = o
        .cos
        .send("DELETE", &o.path, &[("uploadId", &upload_id)], Vec::new())
        .await;
    assert_error(&again, 404, "NoSuchUpload");
    let part = o
        .cos
        .send(
            "PUT",
            &o.path,
            &[("partNumber", "1"), ("uploadId", &upload_id)],
            b"x".to_vec(),
        )
        .await;
    assert_error(&part, 404, "NoSuchUpload");
    let missing = o
        .cos
        .send("GET", &format!("{}nothing.mp4", o.folder), &[], Vec::new())
        .await;
    assert_error(&missing, 404, "NoSuchKey");
}

#[tokio::test]
async fn list_multipart_uploads_by_prefix() {
    let h = Harness::start().await;
    let o = open(&h, 1).await;
    let a = o.cos.initiate(&o.path).await;
    let b = o.cos.initiate(&o.path).await;
    // the bucket is the path's first segment; list at the bucket root with the folder prefix
    let bucket = o.applied["storageBucket"].as_str().expect("bucket");
    let prefix = o.folder.trim_start_matches('/');
    let listed = o
        .cos
        .send(
            "GET",
            &format!("/{bucket}/"),
            &[("uploads", ""), ("prefix", prefix)],
            Vec::new(),
        )
        .await;
    assert_eq!(listed.status, 200, "{}", listed.text());
    let mut ids = xml_fields(&listed.text(), "UploadId");
    ids.sort();
    let mut want = vec![a, b];
    want.sort();
    assert_eq!(ids, want);
    // on a custom domain the root is `/`, the bucket named by the prefix
    let at_root = o
        .cos
        .send(
            "GET",
            "/",
            &[("uploads", ""), ("prefix", prefix)],
            Vec::new(),
        )
        .await;
    assert_eq!(
        xml_fields(&at_root.text(), "UploadId").len(),
        2,
        "{}",
        at_root.text()
    );
    // outside the credential's folder: denied
    let other = o
        .cos
        .send(
            "GET",
            &format!("/{bucket}/"),
            &[("uploads", ""), ("prefix", "")],
            Vec::new(),
        )
        .await;
    assert_error(&other, 403, "AccessDenied");
}

#[tokio::test]
async fn addressing_by_custom_domain_path_style_and_virtual_host() {
    let h = Harness::start().await;
    let o = open(&h, 3).await;
    let put = o.cos.send("PUT", &o.path, &[], b"abc".to_vec()).await;
    assert_eq!(put.status, 200);
    assert_eq!(put.etag(), md5_hex(b"abc"));
    let bucket = format!(
        "{}-{}",
        o.applied["storageBucket"].as_str().expect("bucket"),
        o.applied["storageAppId"]
    );
    let key = o.path.trim_start_matches('/');
    // path-style: /<bucket>-<appid>/<key>
    let path_style = o
        .cos
        .send("GET", &format!("/{bucket}/{key}"), &[], Vec::new())
        .await;
    assert_eq!(path_style.body, b"abc");
    // virtual host: Host names the bucket, the path is the key
    let mut virtual_host = o.cos.clone();
    virtual_host.host = Some(format!("{bucket}.cos.ap-guangzhou.myqcloud.com"));
    let got = virtual_host
        .send("GET", &format!("/{key}"), &[], Vec::new())
        .await;
    assert_eq!(got.status, 200, "{}", got.text());
    assert_eq!(got.body, b"abc");
    // no bucket anywhere
    let nowhere = o.cos.send("GET", "/nobucket/x.mp4", &[], Vec::new()).await;
    assert_error(&nowhere, 404, "NoSuchBucket");
    // another upload's folder: denied
    let other = o
        .cos
        .send(
            "PUT",
            &format!(
                "/{}/elsewhere/x.mp4",
                o.applied["storageBucket"].as_str().unwrap_or("")
            ),
            &[],
            b"x".to_vec(),
        )
        .await;
    assert_error(&other, 403, "AccessDenied");
    // an operation COS does not have here
    let post = o.cos.send("POST", &o.path, &[], Vec::new()).await;
    assert_error(&post, 405, "MethodNotAllowed");
}

#[tokio::test]
async fn every_signature_refusal_is_a_cos_error() {
    let h = Harness::start().await;
    let o = open(&h, 3).await;
    let put = |cos: Cos| {
        let path = o.path.clone();
        async move { cos.send("PUT", &path, &[], b"abc".to_vec()).await }
    };
    let mut wrong_key = o.cos.clone();
    wrong_key.credentials.secret_key = "not the key".to_owned();
    assert_error(&put(wrong_key).await, 403, "SignatureDoesNotMatch");
    let mut no_token = o.cos.clone();
    no_token.send_token = false;
    assert_error(&put(no_token).await, 403, "AccessDenied");
    let mut wrong_token = o.cos.clone();
    wrong_token.credentials.token = "forged".to_owned();
    assert_error(&put(wrong_token).await, 403, "AccessDenied");
    let mut stranger = o.cos.clone();
    stranger.credentials = Credentials {
        secret_id: "AKIDnobody".to_owned(),
        ..o.cos.credentials.clone()
    };
    assert_error(&put(stranger).await, 403, "InvalidAccessKeyId");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let mut expired = o.cos.clone();
    expired.window = Some((now - 7200, now - 3600));
    let reply = put(expired).await;
    assert_error(&reply, 403, "AccessDenied");
    assert_eq!(
        xml_field(&reply.text(), "Message").as_deref(),
        Some("Request has expired")
    );
    let mut skewed = o.cos.clone();
    skewed.window = Some((now + 3600, now + 7200));
    assert_error(&put(skewed).await, 403, "RequestTimeTooSkewed");
    let unsigned = h
        .http
        .put(format!("{}{}", h.emu.cos_url(), o.path))
        .body("abc")
        .send()
        .await
        .expect("sent");
    assert_eq!(unsigned.status(), 403);
    assert!(unsigned.headers().contains_key("x-cos-request-id"));
    assert_eq!(h.emu.storage_used(), 0, "nothing was stored");
    let stats = h.emu.stats();
    assert_eq!(stats.received(CosOperation::PutObject.route()), 7);
    assert_eq!(
        stats.executed(CosOperation::PutObject.route()),
        0,
        "none passed the checks"
    );
}

#[tokio::test]
async fn expired_credentials_are_refused_until_a_resume_apply() {
    let h = Harness::start().await;
    let o = open(&h, 2 * MIB).await;
    let upload_id = o.cos.initiate(&o.path).await;
    let first = o.cos.part(&o.path, &upload_id, 1, bytes(MIB, 1)).await;
    h.emu.expire_credentials();
    let refused = o
        .cos
        .send(
            "PUT",
            &o.path,
            &[("partNumber", "2"), ("uploadId", &upload_id)],
            bytes(MIB, 2),
        )
        .await;
    // what Tencent's own VOD upload SDKs take for "temporary key expired, apply again"
    assert_error(&refused, 403, "RequestTimeTooSkewed");
    let resumed = h
        .vod_ok(
            "ApplyUploadUGC",
            json!({"signature": o.sign, "vodSessionKey": o.applied["vodSessionKey"]}),
        )
        .await;
    assert_eq!(
        resumed["video"]["storagePath"].as_str(),
        Some(o.path.as_str())
    );
    let fresh = h.cos(&resumed);
    let second = fresh.part(&o.path, &upload_id, 2, bytes(MIB, 2)).await;
    let done = fresh
        .complete(&o.path, &upload_id, &[(1, first), (2, second)])
        .await;
    assert_eq!(done.status, 200, "{}", done.text());

    // credentials issued already expired (lifetime zero) are refused from the start
    let h = Harness::with(Emulator::builder().temp_credential_lifetime(Duration::ZERO)).await;
    let o = open(&h, 1).await;
    assert_error(
        &o.cos.send("PUT", &o.path, &[], b"x".to_vec()).await,
        403,
        "RequestTimeTooSkewed",
    );
}

#[tokio::test]
async fn the_storage_cap_refuses_clearly_and_keeps_nothing() {
    let h = Harness::with(Emulator::builder().storage_cap(3 * MIB as u64)).await;
    let t = h.login(DEMO_USER_ID).await;
    let started = h.create_upload(&t, json!({})).await;
    let message = h
        .vod_fails(
            "ApplyUploadUGC",
            json!({"signature": started["VodUploadSign"], "videoType": "mp4", "videoSize": 4 * MIB}),
            10007,
        )
        .await;
    assert!(message.contains("storage full"), "{message}");
    // a client that announced less and sends more
    let o = open(&h, 1).await;
    let reply = o.cos.send("PUT", &o.path, &[], bytes(4 * MIB, 1)).await;
    assert_error(&reply, 400, "EntityTooLarge");
    assert!(reply.text().contains("storage cap"), "{}", reply.text());
    assert_eq!(h.emu.storage_used(), 0);
    let files = std::fs::read_dir(h.emu.storage_dir()).expect("dir").count();
    assert_eq!(files, 0, "the partial file was removed");
    // what fits, fits
    assert_eq!(
        o.cos.send("PUT", &o.path, &[], bytes(MIB, 1)).await.status,
        200
    );
    assert_eq!(h.emu.storage_used(), MIB as u64);
}

#[tokio::test]
async fn the_storage_directory_goes_with_the_emulator() {
    let parent = tempfile::tempdir().expect("parent");
    let h = Harness::with(Emulator::builder().storage_dir(parent.path())).await;
    let dir = h.emu.storage_dir().to_path_buf();
    assert!(dir.starts_with(parent.path()), "{}", dir.display());
    let o = open(&h, 5).await;
    assert_eq!(
        o.cos
            .send("PUT", &o.path, &[], b"bytes".to_vec())
            .await
            .status,
        200
    );
    assert_eq!(std::fs::read_dir(&dir).expect("dir").count(), 1);
    let Harness { emu, .. } = h;
    emu.shutdown().await;
    assert!(!dir.exists(), "removed on shutdown");
    assert!(parent.path().exists(), "the parent is the caller's");

    // dropped without a shutdown: removed once the listeners stop
    let h = Harness::start().await;
    let dir = h.emu.storage_dir().to_path_buf();
    drop(h);
    for _ in 0..100 {
        if !dir.exists() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(!dir.exists(), "removed after a drop");
}

#[tokio::test]
async fn parts_upload_concurrently() {
    let h = Harness::start().await;
    let o = open(&h, 8 * MIB).await;
    let upload_id = o.cos.initiate(&o.path).await;
    let parts: Vec<Vec<u8>> = (0..8).map(|i| bytes(MIB, i)).collect();
    let sends = parts.iter().enumerate().map(|(i, part)| {
        let cos = o.cos.clone();
        let (path, id, part) = (o.path.clone(), upload_id.clone(), part.clone());
        tokio::spawn(async move { (i as u32 + 1, cos.part(&path, &id, i as u32 + 1, part).await) })
    });
    let mut etags = Vec::new();
    for send in sends {
        etags.push(send.await.expect("joined"));
    }
    etags.sort();
    let done = o.cos.complete(&o.path, &upload_id, &etags).await;
    assert_eq!(done.status, 200, "{}", done.text());
    let got = o.cos.send("GET", &o.path, &[], Vec::new()).await;
    assert_eq!(got.body, parts.concat());
    assert_eq!(h.emu.stats().executed(CosOperation::UploadPart.route()), 8);
}

#[tokio::test]
async fn faults_strike_each_cos_operation() {
    let h = Harness::start().await;
    let o = open(&h, MIB).await;
    h.emu.inject(
        FaultSpec::status(503)
            .cos(CosOperation::InitiateMultipartUpload)
            .times(1),
    );
    let faulted = o
        .cos
        .send("POST", &o.path, &[("uploads", "")], Vec::new())
        .await;
    assert_eq!(faulted.status, 503);
    let upload_id = o.cos.initiate(&o.path).await;
    h.emu.inject(
        FaultSpec::status(500)
            .cos(CosOperation::UploadPart)
            .times(1),
    );
    let part = bytes(MIB, 7);
    let faulted = o
        .cos
        .send(
            "PUT",
            &o.path,
            &[("partNumber", "1"), ("uploadId", &upload_id)],
            part.clone(),
        )
        .await;
    assert_eq!(faulted.status, 500);
    let etag = o.cos.part(&o.path, &upload_id, 1, part.clone()).await;
    let stats = h.emu.stats();
    assert_eq!(
        stats.received(CosOperation::InitiateMultipartUpload.route()),
        2
    );
    assert_eq!(
        stats.executed(CosOperation::InitiateMultipartUpload.route()),
        1
    );
    assert_eq!(stats.received(CosOperation::UploadPart.route()), 2);
    assert_eq!(stats.executed(CosOperation::UploadPart.route()), 1);
    // the Complete runs, then its reply is lost: the object is there all the same
    h.emu.inject(
        FaultSpec::drop_connection()
            .cos(CosOperation::CompleteMultipartUpload)
            .after_action()
            .times(1),
    );
    let lost = o
        .cos
        .request(
            "POST",
            &o.path,
            &[("uploadId", &upload_id)],
            complete_body(&[(1, etag)]),
        )
        .await;
    assert!(lost.is_err(), "the client saw the connection drop");
    let head = o.cos.send("HEAD", &o.path, &[], Vec::new()).await;
    assert_eq!(head.status, 200, "completed all the same");
    assert_eq!(
        head.header("content-length"),
        Some(MIB.to_string().as_str())
    );
}

#[tokio::test]
async fn malformed_requests_get_cos_errors_and_change_nothing() {
    let h = Harness::start().await;
    let o = open(&h, 3).await;
    assert_eq!(
        o.cos
            .send("PUT", &o.path, &[], b"abc".to_vec())
            .await
            .status,
        200
    );
    let raw = |auth: &'static str| {
        let url = format!("{}{}", h.emu.cos_url(), o.path);
        let http = h.http.clone();
        async move {
            http.get(url)
                .header("authorization", auth)
                .send()
                .await
                .expect("sent")
                .status()
                .as_u16()
        }
    };
    for auth in [
        "garbage",
        "q-sign-algorithm=md5&q-ak=x&q-sign-time=1;2&q-key-time=1;2&q-signature=00",
        "q-sign-algorithm=sha1&q-ak=x&q-sign-time=abc&q-key-time=1;2&q-signature=00",
        "q-sign-algorithm=sha1&q-ak=x&q-sign-time=9;1&q-key-time=1;2&q-signature=00",
        "q-sign-algorithm=sha1&q-sign-time=1;2&q-key-time=1;2",
    ] {
        assert_eq!(raw(auth).await, 403, "{auth}");
    }
    let weird = h
        .http
        .get(format!("{}/%ff%fe/%00", h.emu.cos_url()))
        .send()
        .await
        .expect("sent");
    assert_eq!(weird.status(), 404);
    let before = h.emu.snapshot();
    let used = h.emu.storage_used();
    let upload_id = o.cos.initiate(&o.path).await;
    for (query, code) in [
        (
            vec![
                ("partNumber", "99999999999"),
                ("uploadId", upload_id.as_str()),
            ],
            "InvalidArgument",
        ),
        (
            vec![("partNumber", "-1"), ("uploadId", upload_id.as_str())],
            "InvalidArgument",
        ),
        (
            vec![("partNumber", "1"), ("uploadId", "")],
            "InvalidArgument",
        ),
        (
            vec![("partNumber", "1"), ("uploadId", "no-such-upload")],
            "NoSuchUpload",
        ),
    ] {
        let r = o.cos.send("PUT", &o.path, &query, b"x".to_vec()).await;
        assert_eq!(r.code(), code, "{query:?}: {}", r.text());
    }
    let listed = o
        .cos
        .send(
            "GET",
            &o.path,
            &[("uploadId", &upload_id), ("max-parts", "many")],
            Vec::new(),
        )
        .await;
    assert_error(&listed, 400, "InvalidArgument");
    let huge = vec![b'<'; 5 * MIB];
    let r = o
        .cos
        .send("POST", &o.path, &[("uploadId", &upload_id)], huge)
        .await;
    assert_error(&r, 400, "MalformedXML");
    // nothing changed but the upload initiated; the object still reads whole
    assert_eq!(h.emu.snapshot(), before);
    assert_eq!(h.emu.storage_used(), used);
    assert_eq!(
        o.cos.send("GET", &o.path, &[], Vec::new()).await.body,
        b"abc"
    );
}
