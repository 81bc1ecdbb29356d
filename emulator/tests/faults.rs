//! Fault injection (each kind, per action, times and ratio, before and after the action, over the
//! library API and the admin route), concurrent clients, and the other admin routes.

mod common;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use cme_emulator::{
    Emulator, FaultSpec, DEMO_MATERIAL_ID, DEMO_PLATFORM, DEMO_PROJECT_ID, DEMO_USER_ID,
};
use common::{person, Harness};
use serde_json::{json, Value};

const DELETE: &str = "Material/DeleteMaterial";

fn exists(h: &Harness, id: &str) -> bool {
    h.emu
        .snapshot()
        .platform(DEMO_PLATFORM)
        .is_some_and(|p| p.materials.contains_key(id))
}

async fn post(
    h: &Harness,
    ticket: &str,
    action: &str,
    body: Value,
) -> Result<reqwest::Response, reqwest::Error> {
    let (class, name) = action.split_once('/').expect("Class/Action");
    h.http
        .post(h.emu.api_url(class, name, ticket))
        .timeout(Duration::from_secs(20))
        .body(body.to_string())
        .send()
        .await
}

#[tokio::test]
async fn status_faults_strike_before_the_action_and_only_their_action() {
    let h = Harness::start().await;
    let t = h.login(DEMO_USER_ID).await;
    h.emu.inject(
        FaultSpec::status(503)
            .action("Material", "DeleteMaterial")
            .times(2),
    );
    let body = json!({"MaterialId": DEMO_MATERIAL_ID});
    for _ in 0..2 {
        let resp = post(&h, &t, DELETE, body.clone()).await.expect("reply");
        assert_eq!(resp.status(), 503);
        assert!(resp.text().await.expect("text").contains("injected 503"));
        assert!(exists(&h, DEMO_MATERIAL_ID), "nothing was deleted");
    }
    // other actions are not affected
    h.ok(&t, "Team/DescribeJoinTeams", json!({})).await;
    let stats = h.emu.stats();
    assert_eq!((stats.received(DELETE), stats.executed(DELETE)), (2, 0));
    // the fault is used up
    h.ok(&t, DELETE, body).await;
    assert!(!exists(&h, DEMO_MATERIAL_ID));
    assert_eq!(h.emu.stats().executed(DELETE), 1);
    assert!(h.emu.faults().is_empty());
    h.emu.shutdown().await;
}

#[tokio::test]
async fn a_dropped_connection_is_an_error_not_a_hang() {
    let h = Harness::start().await;
    let t = h.login(DEMO_USER_ID).await;
    let body = json!({"MaterialId": DEMO_MATERIAL_ID});
    h.emu.inject(
        FaultSpec::drop_connection()
            .action("Material", "DeleteMaterial")
            .times(1),
    );
    let err = post(&h, &t, DELETE, body.clone())
        .await
        .expect_err("dropped");
    assert!(
        !err.is_timeout(),
        "the connection is closed, not left hanging: {err}"
    );
    assert!(exists(&h, DEMO_MATERIAL_ID));
    assert_eq!(h.emu.stats().executed(DELETE), 0);

    // after the action: the change is made, the reply lost
    h.emu.inject(
        FaultSpec::drop_connection()
            .action("Material", "DeleteMaterial")
            .after_action()
            .times(1),
    );
    let err = post(&h, &t, DELETE, body.clone())
        .await
        .expect_err("dropped");
    assert!(!err.is_timeout(), "{err}");
    assert!(!exists(&h, DEMO_MATERIAL_ID), "the delete ran");
    assert_eq!(h.emu.stats().executed(DELETE), 1);
    // so a blind replay of this non-idempotent call now fails
    h.fails(&t, DELETE, body, "InvalidParameterValue.MaterialId")
        .await;
    h.emu.shutdown().await;
}

#[tokio::test]
async fn status_after_the_action_loses_only_the_reply() {
    let h = Harness::start().await;
    let t = h.login(DEMO_USER_ID).await;
    h.emu.inject(
        FaultSpec::status(502)
            .action("Material", "CreateClass")
            .after_action()
            .times(1),
    );
    let body = json!({"ParentClassId": 9, "Name": "once", "Owner": person(DEMO_USER_ID)});
    let resp = post(&h, &t, "Material/CreateClass", body.clone())
        .await
        .expect("reply");
    assert_eq!(resp.status(), 502);
    assert_eq!(h.emu.stats().executed("Material/CreateClass"), 1);
    h.fails(
        &t,
        "Material/CreateClass",
        body,
        "InvalidParameterValue.ClassExist",
    )
    .await;
    h.emu.shutdown().await;
}

#[tokio::test]
async fn garbage_and_delay() {
    let h = Harness::start().await;
    let t = h.login(DEMO_USER_ID).await;
    h.emu.inject(
        FaultSpec::garbage()
            .action("Team", "DescribeJoinTeams")
            .times(1),
    );
    let resp = post(&h, &t, "Team/DescribeJoinTeams", json!({}))
        .await
        .expect("reply");
    assert_eq!(resp.status(), 200);
    let bytes = resp.bytes().await.expect("body");
    assert!(
        serde_json::from_slice::<Value>(&bytes).is_err(),
        "not JSON: {bytes:?}"
    );

    h.emu.inject(
        FaultSpec::delay(Duration::from_millis(300))
            .action("Team", "DescribeJoinTeams")
            .times(1),
    );
    let started = Instant::now();
    h.ok(&t, "Team/DescribeJoinTeams", json!({})).await;
    assert!(started.elapsed() >= Duration::from_millis(300));

    h.emu.inject(
        FaultSpec::delay(Duration::from_millis(200))
            .action("Material", "DeleteMaterial")
            .after_action(),
    );
    let started = Instant::now();
    h.ok(&t, DELETE, json!({"MaterialId": DEMO_MATERIAL_ID}))
        .await;
    assert!(started.elapsed() >= Duration::from_millis(200));
    h.emu.shutdown().await;
}

#[tokio::test]
async fn ratio_faults_fire_on_an_even_share() {
    let h = Harness::start().await;
    let t = h.login(DEMO_USER_ID).await;
    h.emu.inject(
        FaultSpec::status(500)
            .action("Team", "DescribeJoinTeams")
            .ratio(0.5),
    );
    let mut failed = Vec::new();
    for _ in 0..10 {
        let resp = post(&h, &t, "Team/DescribeJoinTeams", json!({}))
            .await
            .expect("reply");
        failed.push(resp.status() == 500);
    }
    assert_eq!(
        failed,
        [true, false, true, false, true, false, true, false, true, false]
    );
    h.emu.faults().clear();

    // ratio and times together; any route, login included
    h.emu.inject(FaultSpec::status(503).ratio(0.25).times(2));
    let mut statuses = Vec::new();
    for _ in 0..10 {
        let resp = post(&h, &t, "Team/DescribeJoinTeams", json!({}))
            .await
            .expect("reply");
        statuses.push(resp.status().as_u16());
    }
    assert_eq!(statuses.iter().filter(|s| **s == 503).count(), 2);
    assert_eq!((statuses[0], statuses[4]), (503, 503));
    h.emu.shutdown().await;
}

#[tokio::test]
async fn login_faults() {
    let h = Harness::start().await;
    h.emu.inject(FaultSpec::status(503).login().times(1));
    let url = h
        .emu
        .login_url(h.emu.login_signature(DEMO_USER_ID).expose_secret());
    let resp = h.http.get(&url).send().await.expect("reply");
    assert_eq!(resp.status(), 503);
    assert_eq!(h.emu.stats().executed("Login"), 0);
    h.emu.inject(FaultSpec::drop_connection().login().times(1));
    assert!(h
        .http
        .get(&url)
        .timeout(Duration::from_secs(20))
        .send()
        .await
        .is_err());
    let ticket = h.login(DEMO_USER_ID).await;
    assert!(ticket.starts_with("tf_"));
    let stats = h.emu.stats();
    assert_eq!((stats.received("Login"), stats.executed("Login")), (3, 1));
    h.emu.shutdown().await;
}

#[tokio::test]
async fn admin_routes() {
    let h = Harness::start().await;
    let base = h.emu.base_url();
    let t = h.login(DEMO_USER_ID).await;
    let admin = |method: reqwest::Method, path: &str| {
        h.http.request(method, format!("{base}/_emulator{path}"))
    };
    let json_of = |bytes: bytes::Bytes| serde_json::from_slice::<Value>(&bytes).expect("json");

    let resp = admin(reqwest::Method::GET, "/health")
        .send()
        .await
        .expect("health");
    assert_eq!(json_of(resp.bytes().await.expect("b"))["Status"], "ok");

    let add = admin(reqwest::Method::POST, "/faults")
        .body(r#"{"Kind":"Status","Status":500,"Action":"Team/DescribeJoinTeams","Times":1}"#)
        .send()
        .await
        .expect("add");
    assert_eq!(add.status(), 200);
    let id = json_of(add.bytes().await.expect("b"))["Id"]
        .as_u64()
        .expect("id");
    let list = json_of(
        admin(reqwest::Method::GET, "/faults")
            .send()
            .await
            .expect("list")
            .bytes()
            .await
            .expect("b"),
    );
    assert_eq!(list["Faults"][0]["Id"], id);
    assert_eq!(list["Faults"][0]["Action"], "Team/DescribeJoinTeams");
    let resp = post(&h, &t, "Team/DescribeJoinTeams", json!({}))
        .await
        .expect("reply");
    assert_eq!(resp.status(), 500);
    let list = json_of(
        admin(reqwest::Method::GET, "/faults")
            .send()
            .await
            .expect("list")
            .bytes()
            .await
            .expect("b"),
    );
    assert_eq!(list["Faults"], json!([]), "used up");

    let bad = admin(reqwest::Method::POST, "/faults")
        .body(r#"{"Kind":"Explode"}"#)
        .send()
        .await
        .expect("bad");
    assert_eq!(bad.status(), 400);
    assert!(json_of(bad.bytes().await.expect("b"))["Error"]
        .as_str()
        .is_some_and(|e| e.contains("Explode")));

    let add = admin(reqwest::Method::POST, "/faults")
        .body(r#"{"Kind":"Delay","DelayMs":10}"#)
        .send()
        .await
        .expect("add");
    let id = json_of(add.bytes().await.expect("b"))["Id"]
        .as_u64()
        .expect("id");
    let removed = admin(reqwest::Method::DELETE, &format!("/faults/{id}"))
        .send()
        .await
        .expect("remove");
    assert_eq!(removed.status(), 200);
    let again = admin(reqwest::Method::DELETE, &format!("/faults/{id}"))
        .send()
        .await
        .expect("remove");
    assert_eq!(again.status(), 404);
    admin(reqwest::Method::POST, "/faults")
        .body(r#"{"Kind":"Drop"}"#)
        .send()
        .await
        .expect("add");
    admin(reqwest::Method::DELETE, "/faults")
        .send()
        .await
        .expect("clear");
    assert!(h.emu.faults().is_empty());

    let stats = json_of(
        admin(reqwest::Method::GET, "/stats")
            .send()
            .await
            .expect("stats")
            .bytes()
            .await
            .expect("b"),
    );
    assert_eq!(stats["Received"]["Team/DescribeJoinTeams"], 1);
    assert_eq!(stats["Executed"]["Login"], 1);
    admin(reqwest::Method::DELETE, "/stats")
        .send()
        .await
        .expect("reset");
    assert_eq!(h.emu.stats().received("Login"), 0);

    h.ok(&t, DELETE, json!({"MaterialId": DEMO_MATERIAL_ID}))
        .await;
    let state = json_of(
        admin(reqwest::Method::GET, "/state")
            .send()
            .await
            .expect("state")
            .bytes()
            .await
            .expect("b"),
    );
    let materials = state[DEMO_PLATFORM]["materials"]
        .as_object()
        .expect("materials");
    assert!(materials.contains_key("38192156030633420590"));
    assert!(!materials.contains_key(DEMO_MATERIAL_ID));
    let reset = admin(reqwest::Method::POST, "/reset")
        .send()
        .await
        .expect("reset");
    assert_eq!(reset.status(), 200);
    assert!(exists(&h, DEMO_MATERIAL_ID), "back to the fixture");
    h.ok(
        &t,
        "Material/DescribeMaterials",
        json!({"MaterialIds": [DEMO_MATERIAL_ID]}),
    )
    .await;

    let done = admin(reqwest::Method::POST, "/tasks/complete")
        .send()
        .await
        .expect("complete");
    assert_eq!(done.status(), 200);
    h.emu.shutdown().await;
}

#[tokio::test]
async fn parallel_creates_all_land() {
    let h = Harness::start().await;
    let t = h.login(DEMO_USER_ID).await;
    let calls = (0..50).map(|i| {
        h.call(
            &t,
            "Material/CreateClass",
            json!({"ParentClassId": 9, "Name": format!("c{i}"), "Owner": person(DEMO_USER_ID)}),
        )
    });
    let replies = futures_util::future::join_all(calls).await;
    let ids: BTreeSet<i64> = replies
        .iter()
        .map(|r| {
            assert_eq!(r["Code"], "Success", "{r}");
            r["Data"]["ClassId"].as_i64().expect("id")
        })
        .collect();
    assert_eq!(ids.len(), 50, "distinct IDs");
    let level = h
        .ok(&t, "Material/DescribeClass", json!({"Platform": DEMO_PLATFORM, "Owner": person(DEMO_USER_ID), "BaseClassId": 9, "FirstLevel": true}))
        .await;
    assert_eq!(level["ClassInfoSet"].as_array().map(Vec::len), Some(53));

    // the same name from many clients: one wins
    let same = (0..20).map(|_| {
        h.call(
            &t,
            "Material/CreateClass",
            json!({"ParentClassId": 9, "Name": "same", "Owner": person(DEMO_USER_ID)}),
        )
    });
    let replies = futures_util::future::join_all(same).await;
    let wins = replies.iter().filter(|r| r["Code"] == "Success").count();
    assert_eq!(wins, 1);
    assert!(replies
        .iter()
        .all(|r| r["Code"] == "Success" || r["Code"] == "InvalidParameterValue.ClassExist"));

    // parallel uploads each make their own medium
    let video = h.class_id(&t, person(DEMO_USER_ID), "/个人/视频").await;
    let uploads = (0..20).map(|i| {
        let h = &h;
        let t = &t;
        async move {
            let sign = h.emu.upload_signature(DEMO_USER_ID);
            let started = h
                .ok(t, "Material/CreateUploadMaterial", json!({"ClassId": video, "MaterialType": "IMAGE", "Name": format!("u{i}"), "Owner": person(DEMO_USER_ID), "VerifySign": sign.expose_secret()}))
                .await;
            let committed = h
                .vod_upload(started["VodUploadSign"].as_str().expect("sign"), format!("image {i}").as_bytes())
                .await;
            h.ok(t, "Material/FinishUploadMaterial", json!({"UploadContext": started["UploadContext"], "VodFileId": committed["fileId"]}))
                .await["MaterialId"]
                .as_str()
                .expect("id")
                .to_owned()
        }
    });
    let ids: BTreeSet<String> = futures_util::future::join_all(uploads)
        .await
        .into_iter()
        .collect();
    assert_eq!(ids.len(), 20);
    let listed = h
        .ok(&t, "Material/ListMedia", json!({"Platform": DEMO_PLATFORM, "ClassId": video, "Owner": person(DEMO_USER_ID), "Limit": 30}))
        .await;
    assert_eq!(listed["MaterialTotalCount"], 23);

    // parallel manual frame tags all land, each bumping the version once
    let tags = (0..25).map(|i| {
        h.call(&t, "Material/AddMaterialFrameTag", json!({"MaterialId": DEMO_MATERIAL_ID, "StartTimeOffset": i, "EndTimeOffset": i + 1, "Tags": ["t"], "Version": "manual"}))
    });
    let replies = futures_util::future::join_all(tags).await;
    assert!(replies.iter().all(|r| r["Code"] == "Success"));
    let info = h
        .ok(
            &t,
            "Material/DescribeMaterialFrameTag",
            json!({"MaterialId": DEMO_MATERIAL_ID, "StartTimeOffset": 0, "EndTimeOffset": 60}),
        )
        .await;
    assert_eq!(info["FrameTagInfo"]["Version"], "25");
    h.emu.shutdown().await;
}

#[tokio::test]
async fn parallel_deletes_of_one_item_succeed_once() {
    let h = Harness::start().await;
    let t = h.login(DEMO_USER_ID).await;
    let deletes = (0..20).map(|_| h.call(&t, DELETE, json!({"MaterialId": DEMO_MATERIAL_ID})));
    let replies = futures_util::future::join_all(deletes).await;
    let codes: Vec<&str> = replies.iter().filter_map(|r| r["Code"].as_str()).collect();
    assert_eq!(
        codes.iter().filter(|c| **c == "Success").count(),
        1,
        "{codes:?}"
    );
    assert_eq!(
        codes
            .iter()
            .filter(|c| **c == "InvalidParameterValue.MaterialId")
            .count(),
        19
    );
    assert_eq!(h.emu.stats().executed(DELETE), 20);

    let projects = (0..10).map(|_| {
        h.call(
            &t,
            "Project/DeleteProject",
            json!({"ProjectId": DEMO_PROJECT_ID}),
        )
    });
    let replies = futures_util::future::join_all(projects).await;
    assert_eq!(replies.iter().filter(|r| r["Code"] == "Success").count(), 1);

    // many users at once
    let users: Vec<String> = (0..10).map(|i| format!("load_user_{i}")).collect();
    let logins = users.iter().map(|u| h.login(u));
    let tickets = futures_util::future::join_all(logins).await;
    let hr = &h;
    let creates = users.iter().zip(&tickets).map(|(u, t)| async move {
        let root = hr.class_id(t, person(u), "/个人").await;
        hr.ok(
            t,
            "Material/CreateClass",
            json!({"ParentClassId": root, "Name": "mine", "Owner": person(u)}),
        )
        .await
    });
    futures_util::future::join_all(creates).await;
    h.emu.shutdown().await;
}

#[tokio::test]
async fn the_server_stops_on_shutdown_and_on_drop() {
    let emu = Emulator::builder().start().await.expect("start");
    let url = format!("{}/_emulator/health", emu.base_url());
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");
    assert!(client.get(&url).send().await.is_ok());
    emu.shutdown().await;
    assert!(client.get(&url).send().await.is_err());

    let emu = Emulator::builder().start().await.expect("start");
    let url = format!("{}/_emulator/health", emu.base_url());
    drop(emu);
    let deadline = Instant::now() + Duration::from_secs(10);
    while client.get(&url).send().await.is_ok() {
        assert!(Instant::now() < deadline, "still serving after drop");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_fault_for_zero_times_never_fires() {
    let h = Harness::start().await;
    let t = h.login(DEMO_USER_ID).await;
    h.emu.inject(
        FaultSpec::status(503)
            .action("Team", "DescribeJoinTeams")
            .times(0),
    );
    let add = h
        .http
        .post(format!("{}/_emulator/faults", h.emu.base_url()))
        .body(r#"{"Kind":"Drop","Times":0}"#)
        .send()
        .await
        .expect("add");
    assert_eq!(add.status(), 200);
    for _ in 0..3 {
        h.ok(&t, "Team/DescribeJoinTeams", json!({})).await;
    }
    assert!(h.emu.faults().is_empty(), "spent from the start");
    h.emu.shutdown().await;
}
