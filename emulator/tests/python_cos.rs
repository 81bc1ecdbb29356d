//! Realism check: Tencent's own Python COS SDK (`qcloud_cos`, package cos-python-sdk-v5), set
//! up with the emulator's COS listener as a custom domain and the temporary credentials of an
//! `ApplyUploadUGC`, uploads a few MiB in parts (initiate, parts, ListParts,
//! ListMultipartUploads, complete), downloads them back, and runs its own threaded
//! `upload_file` and `download_file`; the upload is then committed and finished.
//!
//! Skipped, saying so, when `python3` cannot import `qcloud_cos`, unless
//! `CME_REQUIRE_QCLOUD_COS=1` (as `.ci/run` sets after installing it), where that fails.

mod common;

use std::process::Command;

use cme_emulator::{CosOperation, DEMO_USER_ID};
use common::Harness;
use serde_json::{json, Value};

/// Whether `python3` can import `qcloud_cos`.
fn sdk_available() -> bool {
    Command::new("python3")
        .args(["-c", "import qcloud_cos"])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[tokio::test]
async fn tencents_python_cos_sdk_uploads_and_downloads() {
    if !sdk_available() {
        let required = std::env::var("CME_REQUIRE_QCLOUD_COS").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "CME_REQUIRE_QCLOUD_COS=1 but python3 cannot import qcloud_cos (pip install cos-python-sdk-v5)"
        );
        eprintln!(
            "skipped: python3 cannot import qcloud_cos; `pip install cos-python-sdk-v5` to run this check"
        );
        return;
    }
    let h = Harness::start().await;
    let t = h.login(DEMO_USER_ID).await;
    let started = h.create_upload(&t, json!({})).await;
    let sign = started["VodUploadSign"].as_str().expect("sign").to_owned();
    let size = 3 * 1024 * 1024 + 12345;
    let applied = h.apply(&sign, size).await;
    let cert = &applied["tempCertificate"];
    let config = json!({
        "domain": h.emu.cos_url().trim_start_matches("http://"),
        "region": applied["storageRegionV5"],
        "bucket": format!("{}-{}", applied["storageBucket"].as_str().unwrap_or(""), applied["storageAppId"]),
        "key": applied["video"]["storagePath"].as_str().unwrap_or("").trim_start_matches('/'),
        "secret_id": cert["secretId"],
        "secret_key": cert["secretKey"],
        "token": cert["token"],
    });
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/cos_sdk.py");
    let config_text = config.to_string();
    let output = tokio::task::spawn_blocking(move || {
        Command::new("python3")
            .arg(script)
            .arg(config_text)
            .output()
    })
    .await
    .expect("joined")
    .expect("python3 runs");
    assert!(
        output.status.success(),
        "the Python SDK failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    });
    assert_eq!(report["listed_parts"], json!([1, 2, 3, 4]), "{report}");
    assert_eq!(
        report["listed_sizes"],
        json!([1048576, 1048576, 1048576, 12345])
    );
    assert_eq!(
        report["uploads_in_progress"].as_array().map(Vec::len),
        Some(1)
    );
    assert!(
        report["complete_etag"]
            .as_str()
            .is_some_and(|e| e.contains("-4")),
        "{report}"
    );
    assert_eq!(report["downloaded_matches"], true);
    assert_eq!(report["head_length"].as_u64(), Some(size as u64));
    assert_eq!(report["upload_file_round_trip"], true);
    let stats = h.emu.stats();
    assert!(
        stats.executed(CosOperation::UploadPart.route()) >= 4 + 3,
        "{stats:?}"
    );

    // the bytes the SDK sent are the file VOD commits and CME finishes with
    let committed = h
        .vod_ok(
            "CommitUploadUGC",
            json!({"signature": sign, "vodSessionKey": applied["vodSessionKey"]}),
        )
        .await;
    h.ok(
        &t,
        "Material/FinishUploadMaterial",
        json!({"UploadContext": started["UploadContext"], "VodFileId": committed["fileId"],
            "VodVerifyKey": committed["video"]["verify_content"], "UploadFullKey": report["sha1"]}),
    )
    .await;
}
