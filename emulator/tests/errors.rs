//! Login (both reply shapes, every refusal), tickets (missing, unknown, expired) and the
//! bad-input table: each refused with its code and a precise message, the state untouched.

mod common;

use std::time::Duration;

use cme_emulator::{
    Emulator, LoginShape, DEMO_MATERIAL_ID, DEMO_PLATFORM, DEMO_SECRET_ID, DEMO_SECRET_KEY,
    DEMO_USER_ID,
};
use cme_sdk::{SignAction, SignParams, Signer};
use common::{person, Harness};
use serde_json::{json, Value};

const P: &str = DEMO_PLATFORM;

fn sign(signer: &Signer, params: SignParams) -> String {
    signer.sign(&params).expose_secret().to_owned()
}

#[tokio::test]
async fn login_current_shape_and_its_refusals() {
    let h = Harness::start().await;
    let demo = Signer::new(DEMO_SECRET_ID, DEMO_SECRET_KEY);
    let reply = h
        .get_json(
            &h.emu
                .login_url(h.emu.login_signature(DEMO_USER_ID).expose_secret()),
        )
        .await;
    let response = &reply["Response"];
    assert_eq!(response["AppId"], 1_200_000_001);
    assert_eq!(response["Platform"], P);
    assert_eq!(response["TfUid"], "tfuid_a11ce0000000001");
    assert_eq!(response["RequestId"].as_str().map(str::len), Some(36));
    let ticket = response["Authorization"].as_str().expect("ticket");
    assert!(ticket.starts_with("tf_") && ticket.len() == 35, "{ticket}");
    assert!(response.get("Error").is_none());

    let wrong_key = Signer::new(DEMO_SECRET_ID, "not-the-key");
    let other_id = Signer::new("AKIDsomeoneElse", DEMO_SECRET_KEY);
    let cases = [
        (
            sign(
                &wrong_key,
                SignParams::new(P, DEMO_USER_ID, SignAction::Login),
            ),
            "AuthFailure.SignatureFailure",
            "does not match",
        ),
        (
            sign(
                &other_id,
                SignParams::new(P, DEMO_USER_ID, SignAction::Login),
            ),
            "AuthFailure.SignatureFailure",
            "secretId",
        ),
        (
            sign(
                &demo,
                SignParams::new(P, DEMO_USER_ID, SignAction::Login).now(1_600_000_000),
            ),
            "AuthFailure.SignatureExpire",
            "expired",
        ),
        (
            sign(&demo, SignParams::new(P, DEMO_USER_ID, SignAction::Upload)),
            "AuthFailure.SignatureFailure",
            "action",
        ),
        (
            sign(
                &demo,
                SignParams::new("no_such_platform", DEMO_USER_ID, SignAction::Login),
            ),
            "InvalidParameterValue.Platform",
            "platform not exist",
        ),
        (
            "bm90IGEgc2lnbmF0dXJl".to_owned(),
            "AuthFailure.SignatureFailure",
            "malformed",
        ),
    ];
    for (signature, code, detail) in cases {
        let reply = h.get_json(&h.emu.login_url(&signature)).await;
        let error = &reply["Response"]["Error"];
        assert_eq!(error["Code"], code, "{reply}");
        assert!(
            error["Message"]
                .as_str()
                .is_some_and(|m| m.contains(detail)),
            "{reply}"
        );
        assert!(reply["Response"]["RequestId"].is_string());
        assert!(reply["Response"].get("Authorization").is_none());
    }
    let missing = h.get_json(&format!("{}/", h.emu.base_url())).await;
    assert_eq!(missing["Response"]["Error"]["Code"], "MissingParameter");

    // a signature pasted without percent-encoding (its `+` read as spaces) still works
    let raw = h.emu.login_signature(DEMO_USER_ID);
    let reply = h
        .get_json(&format!(
            "{}/?signature={}",
            h.emu.base_url(),
            raw.expose_secret()
        ))
        .await;
    assert!(reply["Response"]["Authorization"].is_string(), "{reply}");
    assert_eq!(h.emu.stats().executed("Login"), 9);
    h.emu.shutdown().await;
}

#[tokio::test]
async fn login_legacy_shape() {
    let h = Harness::with(Emulator::builder().login_shape(LoginShape::Legacy)).await;
    let reply = h
        .get_json(
            &h.emu
                .login_url(h.emu.login_signature("new_user").expose_secret()),
        )
        .await;
    assert_eq!(reply["Code"], "Success", "{reply}");
    assert_eq!(reply["Message"], "成功");
    assert_eq!(reply["Data"]["UserId"], "new_user");
    assert_eq!(reply["Data"]["Platform"], P);
    let ticket = reply["Data"]["Authorization"]
        .as_str()
        .expect("ticket")
        .to_owned();
    // the new user has a root class and can work
    let data = h
        .ok(
            &ticket,
            "Material/DescribeClass",
            json!({"Platform": P, "Owner": person("new_user")}),
        )
        .await;
    assert_eq!(data["ClassInfoSet"][0]["ClassPath"], "/个人");

    let wrong_key = Signer::new(DEMO_SECRET_ID, "not-the-key");
    let bad = h
        .get_json(&h.emu.login_url(&sign(
            &wrong_key,
            SignParams::new(P, "u", SignAction::Login),
        )))
        .await;
    assert_eq!(bad["Code"], "SignatureVerifyFail");
    assert_eq!(bad["Message"], "签名校验失败");
    assert!(bad.get("Data").is_none());
    let demo = Signer::new(DEMO_SECRET_ID, DEMO_SECRET_KEY);
    let expired = h
        .get_json(&h.emu.login_url(&sign(
            &demo,
            SignParams::new(P, "u", SignAction::Login).now(1_600_000_000),
        )))
        .await;
    assert_eq!(expired["Code"], "SignatureVerifyFail");
    assert_eq!(expired["Message"], "签名校验失败");
    // The docs give "Signature Verify Fail"; a detail of the emulator's own says so.
    assert_eq!(expired["EnglishMessage"], "cme-emulator: signature expired");
    let platform = h
        .get_json(&h.emu.login_url(&sign(
            &demo,
            SignParams::new("nope", "u", SignAction::Login),
        )))
        .await;
    assert_eq!(platform["Code"], "InvalidParameterValue.Platform");
    // Only the English text is documented; the emulator writes no Chinese of its own.
    assert_eq!(platform["EnglishMessage"], "platform not exist");
    assert_eq!(platform["Message"], "platform not exist");
    h.emu.shutdown().await;
}

#[tokio::test]
async fn tickets_missing_unknown_and_expired() {
    let h = Harness::start().await;
    let body = json!({"MaterialIds": [DEMO_MATERIAL_ID]});
    let msg = h
        .fails(
            "",
            "Material/DescribeMaterials",
            body.clone(),
            "AuthFailure.SessionInvalid",
        )
        .await;
    assert!(msg.contains("no auth ticket"), "{msg}");
    let msg = h
        .fails(
            "tf_00000000000000000000000000000000",
            "Material/DescribeMaterials",
            body.clone(),
            "AuthFailure.SessionInvalid",
        )
        .await;
    assert!(msg.contains("unknown ticket"), "{msg}");

    let ticket = h.login(DEMO_USER_ID).await;
    h.ok(&ticket, "Material/DescribeMaterials", body.clone())
        .await;
    h.emu.expire_tickets();
    let msg = h
        .fails(
            &ticket,
            "Material/DescribeMaterials",
            body.clone(),
            "AuthFailure.SessionInvalid",
        )
        .await;
    assert!(msg.contains("expired"), "{msg}");
    // a new login gives a working ticket
    let fresh = h.login(DEMO_USER_ID).await;
    h.ok(&fresh, "Material/DescribeMaterials", body.clone())
        .await;
    // and the admin route expires it too
    let resp = h
        .http
        .post(format!("{}/_emulator/tickets/expire", h.emu.base_url()))
        .send()
        .await
        .expect("admin");
    assert_eq!(resp.status(), 200);
    h.fails(
        &fresh,
        "Material/DescribeMaterials",
        body,
        "AuthFailure.SessionInvalid",
    )
    .await;
    assert_eq!(h.emu.stats().executed("Material/DescribeMaterials"), 2);
    h.emu.shutdown().await;
}

#[tokio::test]
async fn tickets_expire_after_their_lifetime() {
    let zero = Harness::with(Emulator::builder().ticket_lifetime(Duration::ZERO)).await;
    let ticket = zero.login(DEMO_USER_ID).await;
    zero.fails(
        &ticket,
        "Team/DescribeJoinTeams",
        json!({}),
        "AuthFailure.SessionInvalid",
    )
    .await;
    zero.emu.shutdown().await;

    let h = Harness::with(Emulator::builder().ticket_lifetime(Duration::from_secs(3))).await;
    let ticket = h.login(DEMO_USER_ID).await;
    h.ok(&ticket, "Team/DescribeJoinTeams", json!({})).await;
    tokio::time::sleep(Duration::from_millis(3200)).await;
    let msg = h
        .fails(
            &ticket,
            "Team/DescribeJoinTeams",
            json!({}),
            "AuthFailure.SessionInvalid",
        )
        .await;
    assert!(msg.contains("expired"), "{msg}");
    h.emu.shutdown().await;
}

#[tokio::test]
async fn bad_input_is_refused_precisely_and_changes_nothing() {
    let h = Harness::with(Emulator::builder().max_body_bytes(64 * 1024)).await;
    let t = h.login(DEMO_USER_ID).await;
    let before = h.emu.snapshot();
    let owner = person(DEMO_USER_ID);
    let long_name = "名".repeat(91);
    let eleven: Vec<String> = (0..11).map(|i| format!("{i:020}")).collect();
    let table: Vec<(&str, Value, &str, &str)> = vec![
        (
            "Material/DeleteMaterial",
            json!({}),
            "MissingParameter",
            "MaterialId",
        ),
        (
            "Material/DeleteMaterial",
            json!({"MaterialId": null}),
            "InvalidParameter",
            "MaterialId",
        ),
        (
            "Material/DeleteMaterial",
            json!({"MaterialId": 42}),
            "InvalidParameter",
            "MaterialId",
        ),
        (
            "Material/ListMedia",
            json!({"Platform": P, "ClassId": "nine", "Owner": owner}),
            "InvalidParameter",
            "ClassId",
        ),
        (
            "Material/ListMedia",
            json!({"Platform": P, "ClassId": 9, "Owner": "alice"}),
            "InvalidParameter",
            "Owner",
        ),
        (
            "Material/ListMedia",
            json!({"Platform": P, "ClassId": 9}),
            "MissingParameter",
            "Owner",
        ),
        (
            "Material/CreateClass",
            json!({"ParentClassId": 9, "Name": "x", "Owner": {"Type": "PERSON"}}),
            "MissingParameter",
            "Owner.Id",
        ),
        (
            "Material/ListMedia",
            json!({"Platform": P, "ClassId": 9, "Owner": owner, "Limit": 31}),
            "InvalidParameterValue.Limit",
            "Limit: 31 is out of range [0, 30]",
        ),
        (
            "Material/ListMedia",
            json!({"Platform": P, "ClassId": 9, "Owner": owner, "Offset": -1}),
            "InvalidParameterValue",
            "Offset",
        ),
        (
            "Material/ListMedia",
            json!({"Platform": P, "ClassId": 9, "Owner": {"Type": "ROBOT", "Id": "x"}}),
            "InvalidParameterValue",
            "Owner.Type",
        ),
        (
            "Material/ModifyMaterial",
            json!({"MaterialId": DEMO_MATERIAL_ID, "Name": long_name}),
            "InvalidParameterValue",
            "Name: at most 90 characters allowed, got 91",
        ),
        (
            "Material/ModifyMaterial",
            json!({"MaterialId": DEMO_MATERIAL_ID, "Tags": ["0123456789abcdef"]}),
            "InvalidParameterValue",
            "Tags[0]",
        ),
        (
            "Material/SearchMaterial",
            json!({"SearchScopes": [{"Platform": P, "Owner": owner, "ClassId": "x"}]}),
            "InvalidParameter",
            "SearchScopes[0].ClassId",
        ),
        (
            "Material/SearchMaterial",
            json!({"SearchScopes": [{"Platform": P, "Owner": owner}], "MaterialTypes": ["VIDEO", "MOVIE"]}),
            "InvalidParameterValue",
            "MaterialTypes[1]",
        ),
        (
            "Material/SearchMaterial",
            json!({"SearchScopes": [{"Platform": P, "Owner": owner}], "Text": "0123456789abcdef"}),
            "InvalidParameterValue",
            "Text",
        ),
        (
            "Material/ProcessMaterial",
            json!({"MaterialId": DEMO_MATERIAL_ID, "Definition": 25, "VerifySign": "x"}),
            "InvalidParameterValue",
            "Definition",
        ),
        (
            "Project/AddMaterialToProject",
            json!({"ProjectId": "cmepid_x", "MaterialIds": eleven}),
            "InvalidParameterValue",
            "MaterialIds: at most 10 items",
        ),
        (
            "Project/ModifyProject",
            json!({"ProjectId": "cmepid_x", "WHRatio": "4:3"}),
            "InvalidParameterValue",
            "WHRatio",
        ),
        (
            "Task/DescribeTasks",
            json!({"Limit": 100}),
            "InvalidParameterValue.Limit",
            "Limit",
        ),
        ("Material/Nope", json!({}), "InvalidAction", "Material/Nope"),
        (
            "Media/DeleteMaterial",
            json!({"MaterialId": DEMO_MATERIAL_ID}),
            "InvalidAction",
            "Media/DeleteMaterial",
        ),
    ];
    for (action, body, code, detail) in table {
        let msg = h.fails(&t, action, body.clone(), code).await;
        assert!(
            msg.contains(detail),
            "{action} {body}: {msg:?} lacks {detail:?}"
        );
    }
    let raw_bodies: Vec<(&str, Vec<u8>, &str, &str)> = vec![
        (
            "Material/DeleteMaterial",
            b"{\"MaterialId\":".to_vec(),
            "InvalidParameter",
            "invalid JSON",
        ),
        (
            "Material/DeleteMaterial",
            b"{not json}".to_vec(),
            "InvalidParameter",
            "invalid JSON",
        ),
        (
            "Material/DeleteMaterial",
            b"[\"38192156030633420589\"]".to_vec(),
            "InvalidParameter",
            "JSON object",
        ),
        (
            "Material/DeleteMaterial",
            b"{\"MaterialId\":\"1\"} {}".to_vec(),
            "InvalidParameter",
            "trailing",
        ),
        (
            "Material/DeleteMaterial",
            vec![0xff, 0xfe, 0x00],
            "InvalidParameter",
            "invalid JSON",
        ),
        (
            "Material/DeleteMaterial",
            format!("{{\"MaterialId\":\"{}\"}}", "9".repeat(70_000)).into_bytes(),
            "RequestSizeLimitExceeded",
            "65536",
        ),
    ];
    for (action, body, code, detail) in raw_bodies {
        let (status, reply) = h.raw(&t, action, body).await;
        assert_eq!(status, 200);
        assert_eq!(reply["Code"], code, "{reply}");
        let msg = reply["EnglishMessage"].as_str().unwrap_or_default();
        assert!(msg.contains(detail), "{msg:?} lacks {detail:?}");
    }
    assert_eq!(h.emu.snapshot(), before, "refused requests change nothing");
    let stats = h.emu.stats();
    assert_eq!(stats.executed("Material/DeleteMaterial"), 0);
    assert_eq!(stats.received("Material/DeleteMaterial"), 9);

    // an empty body is `{}`; a success without Data fields has no Data key
    let (_, reply) = h.raw(&t, "Team/DescribeJoinTeams", Vec::new()).await;
    assert_eq!(reply["Code"], "Success");
    let deleted = h
        .call(
            &t,
            "Material/DeleteMaterial",
            json!({"MaterialId": DEMO_MATERIAL_ID}),
        )
        .await;
    assert_eq!(
        deleted,
        json!({"Code": "Success", "Message": "成功", "EnglishMessage": "success"})
    );
    h.emu.shutdown().await;
}

#[tokio::test]
async fn wrong_routes_get_envelopes() {
    let h = Harness::start().await;
    let base = h.emu.base_url();
    let get = h
        .http
        .get(format!("{base}/PaaS/Material/ListMedia"))
        .send()
        .await
        .expect("get");
    assert_eq!(get.status(), 200);
    let reply: Value = serde_json::from_slice(&get.bytes().await.expect("body")).expect("json");
    assert_eq!(reply["Code"], "InvalidRequest");
    for path in ["/PaaS/Material", "/PaaS/Material/ListMedia/extra", "/PaaS"] {
        let resp = h
            .http
            .post(format!("{base}{path}"))
            .body("{}")
            .send()
            .await
            .expect("post");
        assert_eq!(resp.status(), 200, "{path}");
        let reply: Value =
            serde_json::from_slice(&resp.bytes().await.expect("body")).expect("json");
        assert_eq!(reply["Code"], "InvalidAction", "{path}");
    }
    let resp = h
        .http
        .get(format!("{base}/nowhere"))
        .send()
        .await
        .expect("get");
    assert_eq!(resp.status(), 404);
    let reply: Value = serde_json::from_slice(&resp.bytes().await.expect("body")).expect("json");
    assert_eq!(reply["Code"], "InvalidAction");
    h.emu.shutdown().await;
}

/// Every route of the emulator with the methods it serves (`GET` also answers `HEAD`).
const ROUTES: [(&str, &[&str]); 9] = [
    ("/", &["GET"]),
    ("/_emulator/health", &["GET"]),
    ("/_emulator/faults", &["GET", "POST", "DELETE"]),
    ("/_emulator/faults/1", &["DELETE"]),
    ("/_emulator/stats", &["GET", "DELETE"]),
    ("/_emulator/tickets/expire", &["POST"]),
    ("/_emulator/tasks/complete", &["POST"]),
    ("/_emulator/state", &["GET"]),
    ("/_emulator/reset", &["POST"]),
];

#[tokio::test]
async fn wrong_methods_get_405_envelopes_on_every_route() {
    let h = Harness::start().await;
    let base = h.emu.base_url();
    let before = h.emu.snapshot();
    for (path, allowed) in ROUTES {
        for method in ["GET", "POST", "PUT", "DELETE", "PATCH"] {
            if allowed.contains(&method) {
                continue;
            }
            let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
            let resp = h
                .http
                .request(method.clone(), format!("{base}{path}"))
                .body("{}")
                .send()
                .await
                .expect("reply");
            assert_eq!(resp.status(), 405, "{method} {path}");
            let allow = resp
                .headers()
                .get("allow")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            for m in allowed {
                assert!(allow.contains(m), "{method} {path}: Allow {allow:?}");
            }
            let bytes = resp.bytes().await.expect("body");
            let reply: Value = serde_json::from_slice(&bytes)
                .unwrap_or_else(|e| panic!("{method} {path}: not JSON ({e}): {bytes:?}"));
            assert_eq!(reply["Code"], "InvalidRequest", "{method} {path}: {reply}");
            assert!(
                reply["Message"].as_str().is_some_and(|m| !m.is_empty()),
                "{reply}"
            );
            let english = reply["EnglishMessage"].as_str().unwrap_or_default();
            assert!(
                english.contains(method.as_str()) && english.contains(path),
                "{method} {path}: {reply}"
            );
        }
    }
    assert_eq!(h.emu.snapshot(), before, "nothing ran");
    assert_eq!(h.emu.stats(), cme_emulator::Stats::default());
    h.emu.shutdown().await;
}
