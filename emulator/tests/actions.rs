//! Behaviour of every action over raw HTTP, and the permission rules.

mod common;

use std::time::Duration;

use cme_emulator::{
    Emulator, DEMO_MATERIAL_ID, DEMO_MEMBER_ID, DEMO_OUTSIDER_ID, DEMO_PLATFORM, DEMO_PROJECT_ID,
    DEMO_TEAM_ID, DEMO_USER_ID,
};
use cme_sdk::{SignParams, Signature};
use common::{material_ids, person, team, Harness};
use serde_json::{json, Value};

const P: &str = DEMO_PLATFORM;
const ALICE: &str = DEMO_USER_ID;
const BOB: &str = DEMO_MEMBER_ID;
const CAROL: &str = DEMO_OUTSIDER_ID;
// Demo media (see fixtures/demo.json).
const SUNSET: &str = DEMO_MATERIAL_ID; // alice, /视频/旅行, video 62.5 s FHD
const CITY: &str = "38192156030633420590"; // alice, /视频, video 125 s 4K
const INTERVIEW: &str = "38192156030633420591"; // alice, /视频, video 900 s HD
const PORTRAIT: &str = "38192156030633420592"; // alice, /视频, video 30 s
const MUSIC: &str = "38192156030633420593"; // alice, /音频, audio 180 s
const NARRATION: &str = "38192156030633420594"; // alice, /音频, audio 45.2 s
const POSTER: &str = "38192156030633420595"; // alice, /图片, image
const BOB_DRAFT: &str = "38192156030633420601"; // bob, root
const TEAM_FILM: &str = "38192156030633420611"; // team, /宣传片
const TEAM_PHOTO: &str = "38192156030633420612"; // team, root
const CAROL_AERIAL: &str = "38192156030633420621"; // carol, shared with the team
const CAROL_AMBIENT: &str = "38192156030633420622";
const ALICE_LIVE_PROJECT: &str = "cmepid_5fbb72524e70c2000192d4ee";
const TEAM_PROJECT: &str = "cmepid_6a1c0e2f3b4d5e6f7a8b9c01";
const TEAM_SWITCHER: &str = "cmepid_6a1c0e2f3b4d5e6f7a8b9c02";
const BOB_PROJECT: &str = "cmepid_7b2d1f3a4c5e6f7a8b9c0d01";

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

fn strs(items: &[&str]) -> Vec<String> {
    sorted(items.iter().map(|s| (*s).to_owned()).collect())
}

#[tokio::test]
async fn list_media_pages_through_a_class() {
    let h = Harness::start().await;
    let t = h.login(ALICE).await;
    let video = h.class_id(&t, person(ALICE), "/个人/视频").await;
    let body = |offset: i64| json!({"Platform": P, "ClassId": video, "Owner": person(ALICE), "Offset": offset, "Limit": 2});
    let first = h.ok(&t, "Material/ListMedia", body(0)).await;
    assert_eq!(first["MaterialTotalCount"], 3);
    assert_eq!(
        material_ids(&first["MaterialInfoSet"]),
        [PORTRAIT, INTERVIEW]
    );
    assert_eq!(first["ClassInfoSet"][0]["Name"], "旅行");
    assert_eq!(first["ClassInfoSet"][0]["ClassPath"], "/个人/视频/旅行");
    let item = &first["MaterialInfoSet"][0];
    assert_eq!(item["BasicInfo"]["ClassPath"], "/个人/视频");
    assert_eq!(item["MaterialStatus"]["TranscodeStatus"], "NORMAL");
    assert!(
        item.get("MediaInfo").is_none(),
        "lists carry basic info only: {item}"
    );
    let second = h.ok(&t, "Material/ListMedia", body(2)).await;
    assert_eq!(material_ids(&second["MaterialInfoSet"]), [CITY]);
    let beyond = h.ok(&t, "Material/ListMedia", body(9)).await;
    assert_eq!(beyond["MaterialTotalCount"], 3);
    assert_eq!(beyond["MaterialInfoSet"], json!([]));
    h.fails(
        &t,
        "Material/ListMedia",
        json!({"Platform": P, "ClassId": 99999, "Owner": person(ALICE)}),
        "InvalidParameterValue.ClassNotExist",
    )
    .await;
    h.emu.shutdown().await;
}

#[tokio::test]
async fn describe_materials_details_and_failures() {
    let h = Harness::start().await;
    let t = h.login(ALICE).await;
    let data = h
        .ok(
            &t,
            "Material/DescribeMaterials",
            json!({"MaterialIds": [CITY, "00000000000000000000", BOB_DRAFT, SUNSET, CITY],
                   "FilterInfo": {"NeedImageSpriteInfo": true},
                   "Sort": {"Field": "CreateTime", "Order": "Asc"}}),
        )
        .await;
    assert_eq!(material_ids(&data["MaterialInfoSet"]), [SUNSET, CITY]);
    let sunset = &data["MaterialInfoSet"][0];
    assert_eq!(sunset["BasicInfo"]["Name"], "海边日落");
    assert_eq!(
        sunset["BasicInfo"]["TagSet"],
        json!(["海边", "日落", "travel"])
    );
    assert_eq!(sunset["BasicInfo"]["TagInfoSet"][0]["Name"], "风景");
    assert_eq!(sunset["MediaInfo"]["Width"], 1920);
    assert_eq!(sunset["MediaInfo"]["Duration"], 62.5);
    assert_eq!(sunset["VideoMaterial"]["Resolution"], "FHD");
    assert_eq!(
        sunset["VideoMaterial"]["MetaData"]["VideoStreamInfoSet"][0]["Fps"],
        30
    );
    assert!(sunset["VideoMaterial"]["ImageSpriteInfo"]["TotalCount"].as_i64() > Some(0));
    let failed = data["FailedMaterialInfoSet"].as_array().expect("failures");
    assert_eq!(failed.len(), 2);
    assert_eq!(failed[0]["MaterialId"], "00000000000000000000");
    assert_eq!(
        failed[0]["ErrorInfo"]["Code"],
        "InvalidParameterValue.MaterialId"
    );
    assert_eq!(failed[1]["MaterialId"], BOB_DRAFT);
    assert_eq!(
        failed[1]["ErrorInfo"]["Code"],
        "OperationDenied.PermissionDeny"
    );

    let kinds = h
        .ok(
            &t,
            "Material/DescribeMaterials",
            json!({"MaterialIds": [MUSIC, POSTER]}),
        )
        .await;
    assert_eq!(material_ids(&kinds["MaterialInfoSet"]), [MUSIC, POSTER]);
    assert_eq!(
        kinds["MaterialInfoSet"][0]["AudioMaterial"]["MetaData"]["Duration"],
        180.0
    );
    assert_eq!(
        kinds["MaterialInfoSet"][1]["ImageMaterial"]["Resolution"],
        "HD"
    );
    assert!(kinds
        .get("FailedMaterialInfoSet")
        .is_none_or(|f| f == &json!([])));
    h.emu.shutdown().await;
}

#[tokio::test]
async fn search_material_filters_scopes_sorts_and_pages() {
    let h = Harness::start().await;
    let t = h.login(ALICE).await;
    let video = h.class_id(&t, person(ALICE), "/个人/视频").await;
    let root = json!([{"Platform": P, "Owner": person(ALICE)}]);
    let search = |extra: Value| {
        let mut body = json!({"SearchScopes": root.clone()});
        if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            body.extend(extra.clone());
        }
        body
    };
    let ids = |data: &Value| sorted(material_ids(&data["MaterialInfoSet"]));
    let cases = [
        (json!({"Text": "海边"}), vec![SUNSET]),
        (json!({"Text": "travel"}), vec![SUNSET]),
        (json!({"MaterialTypes": ["AUDIO"]}), vec![MUSIC, NARRATION]),
        (json!({"Resolutions": ["4K"]}), vec![CITY]),
        (
            json!({"DurationRange": {"LowerBound": 60, "UpperBound": 130}}),
            vec![SUNSET, CITY],
        ),
        (
            json!({"CreateTimeRange": {"StartTime": "2024-03-01T00:00:00Z", "EndTime": "2024-03-06T00:00:00+08:00"}}),
            vec![SUNSET, CITY, POSTER],
        ),
        (json!({"Tags": ["城市", "nothing"]}), vec![CITY]),
        (json!({"PresetTagIds": ["1001"]}), vec![SUNSET]),
        (
            json!({"MaterialTypes": ["VIDEO"], "Resolutions": ["FHD"]}),
            vec![SUNSET, PORTRAIT],
        ),
    ];
    for (filter, expected) in cases {
        let data = h
            .ok(&t, "Material/SearchMaterial", search(filter.clone()))
            .await;
        assert_eq!(ids(&data), strs(&expected), "{filter}");
        assert_eq!(data["TotalCount"], expected.len(), "{filter}");
    }

    let one_level = h
        .ok(
            &t,
            "Material/SearchMaterial",
            json!({"SearchScopes": [{"Platform": P, "Owner": person(ALICE), "ClassId": video, "SearchOneDepth": true}]}),
        )
        .await;
    assert_eq!(ids(&one_level), strs(&[CITY, INTERVIEW, PORTRAIT]));
    let deep = h
        .ok(
            &t,
            "Material/SearchMaterial",
            json!({"SearchScopes": [{"Platform": P, "Owner": person(ALICE), "ClassId": video}],
                   "Sort": {"Field": "CreateTime", "Order": "Asc"}, "Offset": 1, "Limit": 2}),
        )
        .await;
    assert_eq!(deep["TotalCount"], 4);
    assert_eq!(material_ids(&deep["MaterialInfoSet"]), [CITY, INTERVIEW]);

    let two_scopes = h
        .ok(
            &t,
            "Material/SearchMaterial",
            json!({"SearchScopes": [{"Platform": P, "Owner": person(ALICE)}, {"Platform": P, "Owner": team(DEMO_TEAM_ID)}],
                   "MaterialTypes": ["IMAGE"]}),
        )
        .await;
    assert_eq!(
        ids(&two_scopes),
        strs(&[POSTER, "38192156030633420596", TEAM_PHOTO])
    );

    let relevance = h
        .ok(
            &t,
            "Material/SearchMaterial",
            search(json!({"Text": "logo"})),
        )
        .await;
    assert_eq!(
        material_ids(&relevance["MaterialInfoSet"]),
        ["38192156030633420596"]
    );

    let msg = h
        .fails(
            &t,
            "Material/SearchMaterial",
            search(json!({"CreateTimeRange": {"StartTime": "2024-05-01T00:00:00Z", "EndTime": "2024-01-01T00:00:00Z"}})),
            "InvalidParameterValue",
        )
        .await;
    assert!(msg.contains("starttime bigger than endtime"), "{msg}");
    h.fails(
        &t,
        "Material/SearchMaterial",
        search(json!({"Sort": {"Field": "Name"}})),
        "InvalidParameterValue",
    )
    .await;
    h.fails(
        &t,
        "Material/SearchMaterial",
        json!({"SearchScopes": [{"Platform": P, "Owner": person(BOB)}]}),
        "OperationDenied.PermissionDeny",
    )
    .await;
    h.emu.shutdown().await;
}

#[tokio::test]
async fn search_shared_material_through_an_authorization() {
    let h = Harness::start().await;
    let alice = h.login(ALICE).await;
    let bob = h.login(BOB).await;
    let carol = h.login(CAROL).await;
    let shared = json!({"Authorizer": person(CAROL), "Authorizee": team(DEMO_TEAM_ID)});
    for t in [&alice, &bob] {
        let data = h
            .ok(t, "Material/SearchSharedMaterial", shared.clone())
            .await;
        assert_eq!(data["TotalCount"], 2);
        assert_eq!(
            sorted(material_ids(&data["MaterialInfoSet"])),
            strs(&[CAROL_AERIAL, CAROL_AMBIENT])
        );
    }
    let mut videos = shared.clone();
    videos["MaterialTypes"] = json!(["VIDEO"]);
    videos["Resolutions"] = json!(["2K"]);
    let data = h.ok(&alice, "Material/SearchSharedMaterial", videos).await;
    assert_eq!(material_ids(&data["MaterialInfoSet"]), [CAROL_AERIAL]);
    // no authorization from carol to alice herself
    h.fails(
        &alice,
        "Material/SearchSharedMaterial",
        json!({"Authorizer": person(CAROL), "Authorizee": person(ALICE)}),
        "OperationDenied.PermissionDeny",
    )
    .await;
    // carol is not a member of the authorizee team
    h.fails(
        &carol,
        "Material/SearchSharedMaterial",
        shared,
        "OperationDenied.PermissionDeny",
    )
    .await;
    h.emu.shutdown().await;
}

#[tokio::test]
async fn modify_material_renames_moves_and_tags() {
    let h = Harness::start().await;
    let t = h.login(ALICE).await;
    let audio = h.class_id(&t, person(ALICE), "/个人/音频").await;
    h.ok(
        &t,
        "Material/ModifyMaterial",
        json!({"MaterialId": SUNSET, "Name": "日落 重命名", "ClassId": audio, "Tags": ["a", "b", "a"], "PresetTagIds": ["1002"]}),
    )
    .await;
    let data = h
        .ok(
            &t,
            "Material/DescribeMaterials",
            json!({"MaterialIds": [SUNSET]}),
        )
        .await;
    let basic = &data["MaterialInfoSet"][0]["BasicInfo"];
    assert_eq!(basic["Name"], "日落 重命名");
    assert_eq!(basic["ClassPath"], "/个人/音频");
    assert_eq!(basic["TagSet"], json!(["a", "b"]));
    assert_eq!(basic["TagInfoSet"][0]["Id"], "1002");
    assert_ne!(basic["UpdateTime"], basic["CreateTime"]);

    let team_root = h.class_id(&t, team(DEMO_TEAM_ID), "/团队").await;
    h.fails(
        &t,
        "Material/ModifyMaterial",
        json!({"MaterialId": SUNSET, "ClassId": team_root}),
        "InvalidParameterValue.ClassNotExist",
    )
    .await;
    h.fails(
        &t,
        "Material/ModifyMaterial",
        json!({"MaterialId": SUNSET, "PresetTagIds": ["9999"]}),
        "InvalidParameterValue",
    )
    .await;
    h.fails(
        &t,
        "Material/ModifyMaterial",
        json!({"MaterialId": "11111111111111111111", "Name": "x"}),
        "InvalidParameterValue.MaterialId",
    )
    .await;
    h.emu.shutdown().await;
}

#[tokio::test]
async fn delete_material_removes_it_everywhere() {
    let h = Harness::start().await;
    let t = h.login(ALICE).await;
    h.ok(&t, "Material/DeleteMaterial", json!({"MaterialId": SUNSET}))
        .await;
    let data = h
        .ok(
            &t,
            "Material/DescribeMaterials",
            json!({"MaterialIds": [SUNSET]}),
        )
        .await;
    assert_eq!(
        data["FailedMaterialInfoSet"][0]["ErrorInfo"]["Code"],
        "InvalidParameterValue.MaterialId"
    );
    let project = h
        .ok(
            &t,
            "Project/DescribeProjectMaterials",
            json!({"ProjectId": DEMO_PROJECT_ID}),
        )
        .await;
    assert_eq!(project["MaterialIdSet"], json!([MUSIC]));
    let msg = h
        .fails(
            &t,
            "Material/DeleteMaterial",
            json!({"MaterialId": SUNSET}),
            "InvalidParameterValue.MaterialId",
        )
        .await;
    assert!(msg.contains("material not exist"), "{msg}");
    h.emu.shutdown().await;
}

#[tokio::test]
async fn classes_create_describe_modify_delete() {
    let h = Harness::start().await;
    let t = h.login(ALICE).await;
    let owner = person(ALICE);
    let all = h
        .ok(
            &t,
            "Material/DescribeClass",
            json!({"Platform": P, "Owner": owner}),
        )
        .await;
    let root = &all["ClassInfoSet"][0];
    assert_eq!(root["ClassId"], 9);
    assert_eq!(root["ParentClassId"], -1);
    assert_eq!(root["ClassPath"], "/个人");
    assert_eq!(all["ClassInfoSet"].as_array().map(Vec::len), Some(5));

    let create =
        |parent: i64, name: &str| json!({"ParentClassId": parent, "Name": name, "Owner": owner});
    let edit = h.ok(&t, "Material/CreateClass", create(9, "剪辑")).await["ClassId"]
        .as_i64()
        .expect("id");
    h.fails(
        &t,
        "Material/CreateClass",
        create(9, "剪辑"),
        "InvalidParameterValue.ClassExist",
    )
    .await;
    h.fails(
        &t,
        "Material/CreateClass",
        create(424242, "x"),
        "InvalidParameterValue.ClassNotExist",
    )
    .await;
    h.fails(
        &t,
        "Material/CreateClass",
        create(9, "a/b"),
        "InvalidParameterValue.Name",
    )
    .await;
    let draft = h.ok(&t, "Material/CreateClass", create(edit, "草稿")).await["ClassId"]
        .as_i64()
        .expect("id");

    let level = h
        .ok(
            &t,
            "Material/DescribeClass",
            json!({"Platform": P, "Owner": owner, "BaseClassId": 9, "FirstLevel": true}),
        )
        .await;
    let names: Vec<&str> = level["ClassInfoSet"]
        .as_array()
        .expect("classes")
        .iter()
        .filter_map(|c| c["Name"].as_str())
        .collect();
    assert_eq!(names, ["视频", "音频", "图片", "剪辑"]);
    let base = h
        .ok(
            &t,
            "Material/DescribeClass",
            json!({"Platform": P, "Owner": owner, "BaseClassId": edit}),
        )
        .await;
    assert_eq!(base["PathInfoSet"][0]["ClassPath"], "/个人");
    assert_eq!(base["PathInfoSet"][1]["ClassPath"], "/个人/剪辑");
    assert_eq!(base["ClassInfoSet"][0]["ClassId"], draft);

    h.ok(
        &t,
        "Material/ModifyClass",
        json!({"ClassId": edit, "Owner": owner, "Name": "成片"}),
    )
    .await;
    assert!(h.class_id(&t, owner.clone(), "/个人/成片/草稿").await == draft);
    let msg = h
        .fails(
            &t,
            "Material/ModifyClass",
            json!({"ClassId": edit, "Owner": owner, "ParentClassId": draft}),
            "InvalidParameterValue.ClassPath",
        )
        .await;
    assert!(msg.contains("sub-class"), "{msg}");
    h.fails(
        &t,
        "Material/ModifyClass",
        json!({"ClassId": edit, "Owner": owner, "ParentClassId": edit}),
        "InvalidParameterValue.ClassPath",
    )
    .await;
    h.ok(
        &t,
        "Material/ModifyClass",
        json!({"ClassId": draft, "Owner": owner, "ParentClassId": 9}),
    )
    .await;
    assert!(h.class_id(&t, owner.clone(), "/个人/草稿").await == draft);
    h.fails(
        &t,
        "Material/ModifyClass",
        json!({"ClassId": 9, "Owner": owner, "Name": "x"}),
        "OperationDenied",
    )
    .await;

    let video = h.class_id(&t, owner.clone(), "/个人/视频").await;
    h.fails(
        &t,
        "Material/DeleteClass",
        json!({"Owner": owner.clone(), "ClassId": video}),
        "InvalidParameterValue.ClassNotEmpty",
    )
    .await;
    h.fails(
        &t,
        "Material/DeleteClass",
        json!({"Owner": owner.clone(), "ClassId": 9}),
        "OperationDenied",
    )
    .await;
    h.fails(
        &t,
        "Material/DeleteClass",
        json!({"ClassId": edit}),
        "MissingParameter",
    )
    .await;
    h.ok(
        &t,
        "Material/DeleteClass",
        json!({"Owner": owner.clone(), "ClassId": edit}),
    )
    .await;
    h.fails(
        &t,
        "Material/DeleteClass",
        json!({"Owner": owner.clone(), "ClassId": edit}),
        "InvalidParameterValue.ClassNotExist",
    )
    .await;
    h.emu.shutdown().await;
}

#[tokio::test]
async fn upload_creates_a_medium_once_per_context() {
    let h = Harness::start().await;
    let t = h.login(ALICE).await;
    let video = h.class_id(&t, person(ALICE), "/个人/视频").await;
    let create = |sign: Signature| json!({"ClassId": video, "MaterialType": "VIDEO", "Name": "上传测试", "Owner": person(ALICE), "VerifySign": sign.expose_secret()});
    let started = h
        .ok(
            &t,
            "Material/CreateUploadMaterial",
            create(h.emu.upload_signature(ALICE)),
        )
        .await;
    let context = started["UploadContext"]
        .as_str()
        .expect("context")
        .to_owned();
    assert!(started["VodUploadSign"]
        .as_str()
        .is_some_and(|s| !s.is_empty()));
    // the file goes to VOD (Apply, COS, Commit) with the signature; its headers give the facts
    let mp4 = cme_emulator::sample_mp4(62.5, 1920, 1080, 4096);
    let committed = h
        .vod_upload(started["VodUploadSign"].as_str().expect("sign"), &mp4)
        .await;
    let finish = json!({"UploadContext": context, "VodFileId": committed["fileId"],
        "VodVerifyKey": committed["video"]["verify_content"], "UploadFullKey": common::sha1_hex(&mp4)});
    let done = h
        .ok(&t, "Material/FinishUploadMaterial", finish.clone())
        .await;
    let id = done["MaterialId"].as_str().expect("id").to_owned();
    assert_eq!(id.len(), 20);
    let listed = h
        .ok(
            &t,
            "Material/ListMedia",
            json!({"Platform": P, "ClassId": video, "Owner": person(ALICE)}),
        )
        .await;
    assert_eq!(listed["MaterialTotalCount"], 4);
    assert_eq!(material_ids(&listed["MaterialInfoSet"])[0], id);
    let described = h
        .ok(
            &t,
            "Material/DescribeMaterials",
            json!({"MaterialIds": [id]}),
        )
        .await;
    assert_eq!(
        described["MaterialInfoSet"][0]["BasicInfo"]["Name"],
        "上传测试"
    );
    let media = &described["MaterialInfoSet"][0]["MediaInfo"];
    assert_eq!(media["Duration"], 62.5, "{media}");
    assert_eq!(
        (media["Width"].as_i64(), media["Height"].as_i64()),
        (Some(1920), Some(1080)),
        "{media}"
    );
    assert_eq!(media["Size"].as_i64(), Some(mp4.len() as i64), "{media}");

    let msg = h
        .fails(
            &t,
            "Material/FinishUploadMaterial",
            finish,
            "InvalidParameterValue.UploadContext",
        )
        .await;
    assert!(msg.contains("already used"), "{msg}");
    h.fails(
        &t,
        "Material/FinishUploadMaterial",
        json!({"UploadContext": "uc_forged", "VodFileId": "1"}),
        "InvalidParameterValue.UploadContext",
    )
    .await;

    // another user cannot finish alice's upload
    let second = h
        .ok(
            &t,
            "Material/CreateUploadMaterial",
            create(h.emu.upload_signature(ALICE)),
        )
        .await;
    let bob = h.login(BOB).await;
    h.fails(
        &bob,
        "Material/FinishUploadMaterial",
        json!({"UploadContext": second["UploadContext"], "VodFileId": "1"}),
        "InvalidParameterValue.UploadContext",
    )
    .await;

    // the VerifySign must be a valid Upload signature for the ticket's user
    let expired = h
        .emu
        .signer()
        .sign(&SignParams::new(P, ALICE, cme_sdk::SignAction::Upload).now(1_600_000_000));
    let refusals = [
        (h.emu.login_signature(ALICE), "AuthFailure.SignatureFailure"),
        (h.emu.upload_signature(BOB), "AuthFailure.SignatureFailure"),
        (
            Signature::from("bm90IGEgc2lnbmF0dXJl".to_owned()),
            "AuthFailure.SignatureFailure",
        ),
        (expired, "AuthFailure.SignatureExpire"),
    ];
    let before = h.emu.snapshot().platform(P).map(|p| p.uploads.len());
    for (sign, code) in refusals {
        h.fails(&t, "Material/CreateUploadMaterial", create(sign), code)
            .await;
    }
    assert_eq!(
        h.emu.snapshot().platform(P).map(|p| p.uploads.len()),
        before
    );
    let mut sticker = create(h.emu.upload_signature(ALICE));
    sticker["MaterialType"] = json!("SUBTITLE");
    h.fails(
        &t,
        "Material/CreateUploadMaterial",
        sticker,
        "InvalidParameterValue",
    )
    .await;
    h.emu.shutdown().await;
}

#[tokio::test]
async fn frame_tags_are_versioned() {
    let h = Harness::start().await;
    let t = h.login(ALICE).await;
    let describe = json!({"MaterialId": SUNSET, "StartTimeOffset": 0, "EndTimeOffset": 62.5});
    let msg = h
        .fails(
            &t,
            "Material/DescribeMaterialFrameTag",
            describe.clone(),
            "ResourceNotFound",
        )
        .await;
    assert!(msg.contains("no frameTag index"), "{msg}");

    let add = |start: f64, end: f64, version: &str| json!({"MaterialId": SUNSET, "StartTimeOffset": start, "EndTimeOffset": end, "Tags": ["海浪"], "Version": version});
    let first = h
        .ok(&t, "Material/AddMaterialFrameTag", add(0.0, 5.0, "manual"))
        .await;
    let item = first["ItemId"].as_str().expect("item").to_owned();
    let info = h
        .ok(&t, "Material/DescribeMaterialFrameTag", describe.clone())
        .await["FrameTagInfo"]
        .clone();
    assert_eq!(info["Version"], "1");
    assert_eq!(info["LastTimeOffset"], -1.0);
    assert_eq!(info["FrameTagSet"][0]["ItemId"], item);
    assert_eq!(info["FrameTagSet"][0]["Tags"], json!(["海浪"]));

    h.fails(
        &t,
        "Material/AddMaterialFrameTag",
        add(1.0, 2.0, "0"),
        "InvalidParameterValue",
    )
    .await;
    h.ok(&t, "Material/AddMaterialFrameTag", add(20.0, 30.0, "1"))
        .await;
    let msg = h
        .fails(
            &t,
            "Material/AddMaterialFrameTag",
            add(9.0, 3.0, "manual"),
            "InvalidParameterValue",
        )
        .await;
    assert!(msg.contains("starttime bigger than endtime"), "{msg}");
    h.fails(
        &t,
        "Material/AddMaterialFrameTag",
        add(60.0, 70.0, "manual"),
        "InvalidParameterValue",
    )
    .await;

    let window = h
        .ok(
            &t,
            "Material/DescribeMaterialFrameTag",
            json!({"MaterialId": SUNSET, "StartTimeOffset": 10, "EndTimeOffset": 25}),
        )
        .await;
    assert_eq!(
        window["FrameTagInfo"]["FrameTagSet"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    assert_eq!(window["FrameTagInfo"]["Version"], "2");

    let modify = |version: &str| json!({"MaterialId": SUNSET, "ItemId": item, "Tags": ["沙滩", "夕阳"], "Version": version});
    h.fails(
        &t,
        "Material/ModifyMaterialFrameTag",
        modify("1"),
        "InvalidParameterValue",
    )
    .await;
    h.ok(&t, "Material/ModifyMaterialFrameTag", modify("2"))
        .await;
    let info = h
        .ok(&t, "Material/DescribeMaterialFrameTag", describe.clone())
        .await["FrameTagInfo"]
        .clone();
    assert_eq!(info["Version"], "3");
    assert_eq!(info["FrameTagSet"][0]["Tags"], json!(["沙滩", "夕阳"]));

    let delete = |version: &str| json!({"MaterialId": SUNSET, "ItemId": item, "Version": version});
    h.ok(&t, "Material/DeleteMaterialFrameTag", delete("3"))
        .await;
    h.fails(
        &t,
        "Material/DeleteMaterialFrameTag",
        delete("4"),
        "ResourceNotFound",
    )
    .await;
    let info = h
        .ok(&t, "Material/DescribeMaterialFrameTag", describe)
        .await["FrameTagInfo"]
        .clone();
    assert_eq!(info["FrameTagSet"].as_array().map(Vec::len), Some(1));
    h.fails(
        &t,
        "Material/DeleteMaterialFrameTag",
        json!({"MaterialId": "11111111111111111111", "ItemId": item, "Version": "4"}),
        "InvalidParameterValue.MaterialId",
    )
    .await;
    let bob = h.login(BOB).await;
    h.fails(
        &bob,
        "Material/AddMaterialFrameTag",
        add(0.0, 1.0, "manual"),
        "OperationDenied.PermissionDeny",
    )
    .await;
    h.emu.shutdown().await;
}

/// Collects every page of a time-windowed result, following `LastTimeOffset`.
async fn all_pages(
    h: &Harness,
    t: &str,
    action: &str,
    key: &str,
    set: &str,
    id: &str,
    end: f64,
) -> Vec<Value> {
    let mut out = Vec::new();
    let mut from = 0.0;
    for _ in 0..100 {
        let data = h
            .ok(
                t,
                action,
                json!({"MaterialId": id, "StartTimeOffset": from, "EndTimeOffset": end}),
            )
            .await;
        let info = &data[key];
        let items = info[set].as_array().expect("items");
        assert!(items.len() <= 20, "a page holds at most 20 items");
        out.extend(items.iter().cloned());
        let last = info["LastTimeOffset"].as_f64().expect("LastTimeOffset");
        if last < 0.0 {
            return out;
        }
        assert!(last > from, "progress");
        from = last;
    }
    panic!("no end after 100 pages");
}

#[tokio::test]
async fn processing_makes_ai_results_available() {
    let h = Harness::with(Emulator::builder().task_duration(Duration::from_secs(3600))).await;
    let t = h.login(ALICE).await;
    let id = INTERVIEW;
    let queries = [
        (
            "Material/DescribeFaceInMaterial",
            json!({"MaterialId": id}),
            "no face index",
        ),
        (
            "Material/DescribeObjectInMaterial",
            json!({"MaterialId": id}),
            "no object index",
        ),
        (
            "Material/DescribeMaterialSubtitle",
            json!({"MaterialId": id, "StartTimeOffset": 0, "EndTimeOffset": 900}),
            "no asr index",
        ),
        (
            "Material/DescribeTextInMaterial",
            json!({"MaterialId": id, "StartTimeOffset": 0, "EndTimeOffset": 900}),
            "no ocr index",
        ),
    ];
    for (action, body, detail) in &queries {
        let msg = h.fails(&t, action, body.clone(), "ResourceNotFound").await;
        assert_eq!(msg, format!("resource not found : {detail}"));
    }

    let sign = h.emu.login_signature(ALICE);
    let task = h
        .ok(
            &t,
            "Material/ProcessMaterial",
            json!({"MaterialId": id, "Definition": 20, "VerifySign": sign.expose_secret()}),
        )
        .await["TaskId"]
        .as_str()
        .expect("task")
        .to_owned();
    assert!(
        task.starts_with("1200000001-procedurev2-") && task.ends_with("t0"),
        "{task}"
    );
    let status = |data: Value| data["TaskInfoSet"][0].clone();
    let running = status(
        h.ok(&t, "Task/DescribeTasks", json!({"TaskIds": [task]}))
            .await,
    );
    assert_eq!(running["Status"], "PROCESSING");
    assert!(running["Progress"].as_i64() < Some(100));
    for (action, body, _) in &queries {
        h.fails(&t, action, body.clone(), "ResourceNotFound").await;
    }

    h.emu.complete_tasks();
    let done = status(
        h.ok(
            &t,
            "Task/DescribeTasks",
            json!({"TaskIds": [task], "MaterialId": id}),
        )
        .await,
    );
    assert_eq!(done["Status"], "SUCCESS");
    assert_eq!(done["Progress"], 100);

    let faces = h.ok(&t, queries[0].0, queries[0].1.clone()).await;
    assert_eq!(
        faces["FaceInfo"]["FaceSet"].as_array().map(Vec::len),
        Some(2)
    );
    assert!(
        faces["FaceInfo"]["FaceSet"][0]["SegmentSet"][0]["AreaCoordSet"]
            .as_array()
            .map(Vec::len)
            == Some(4)
    );
    let objects = h.ok(&t, queries[1].0, queries[1].1.clone()).await;
    assert_eq!(
        objects["ObjectInfo"]["ObjectSet"].as_array().map(Vec::len),
        Some(3)
    );
    // the same request gives the same sample data
    assert_eq!(h.ok(&t, queries[1].0, queries[1].1.clone()).await, objects);

    let subtitles = all_pages(
        &h,
        &t,
        queries[2].0,
        "SubtitleInfo",
        "SubtitleSet",
        id,
        900.0,
    )
    .await;
    assert_eq!(subtitles.len(), 225);
    let ids: std::collections::BTreeSet<&str> = subtitles
        .iter()
        .filter_map(|s| s["ItemId"].as_str())
        .collect();
    assert_eq!(ids.len(), 225, "no repeats across pages");
    let texts = h
        .ok(
            &t,
            queries[3].0,
            json!({"MaterialId": id, "StartTimeOffset": 0, "EndTimeOffset": 30}),
        )
        .await;
    assert_eq!(
        texts["TextInfo"]["TextSet"].as_array().map(Vec::len),
        Some(3)
    );
    assert_eq!(texts["TextInfo"]["LastTimeOffset"], -1.0);
    let frames = all_pages(
        &h,
        &t,
        "Material/DescribeMaterialFrameTag",
        "FrameTagInfo",
        "FrameTagSet",
        id,
        900.0,
    )
    .await;
    assert_eq!(frames.len(), 90);
    // AI frame tags sit beside manual ones
    h.ok(
        &t,
        "Material/AddMaterialFrameTag",
        json!({"MaterialId": id, "StartTimeOffset": 3, "EndTimeOffset": 4, "Tags": ["手动"], "Version": "manual"}),
    )
    .await;
    let manual = h
        .ok(
            &t,
            "Material/DescribeMaterialFrameTag",
            json!({"MaterialId": id, "StartTimeOffset": 0, "EndTimeOffset": 900, "OnlyManual": true}),
        )
        .await["FrameTagInfo"]
        .clone();
    assert_eq!(manual["FrameTagSet"].as_array().map(Vec::len), Some(1));
    assert_eq!(manual["FrameTagSet"][0]["Tags"], json!(["手动"]));
    assert_eq!(manual["Version"], "2");

    // subtitles only
    let sign = h.emu.login_signature(ALICE);
    h.ok(
        &t,
        "Material/ProcessMaterial",
        json!({"MaterialId": SUNSET, "Definition": 30, "VerifySign": sign.expose_secret()}),
    )
    .await;
    h.emu.complete_tasks();
    h.ok(
        &t,
        "Material/DescribeMaterialSubtitle",
        json!({"MaterialId": SUNSET, "StartTimeOffset": 0, "EndTimeOffset": 10}),
    )
    .await;
    h.fails(
        &t,
        "Material/DescribeFaceInMaterial",
        json!({"MaterialId": SUNSET}),
        "ResourceNotFound",
    )
    .await;
    // an image cannot be processed; the signature is checked
    let sign = h.emu.login_signature(ALICE);
    h.fails(
        &t,
        "Material/ProcessMaterial",
        json!({"MaterialId": POSTER, "Definition": 20, "VerifySign": sign.expose_secret()}),
        "InvalidParameterValue",
    )
    .await;
    h.fails(
        &t,
        "Material/ProcessMaterial",
        json!({"MaterialId": CITY, "Definition": 20, "VerifySign": "bm90IGEgc2lnbmF0dXJl"}),
        "AuthFailure.SignatureFailure",
    )
    .await;
    h.emu.shutdown().await;
}

#[tokio::test]
async fn a_task_progresses_to_success_in_real_time() {
    let h = Harness::with(Emulator::builder().task_duration(Duration::from_millis(400))).await;
    let t = h.login(ALICE).await;
    let sign = h.emu.login_signature(ALICE);
    let task = h
        .ok(
            &t,
            "Material/ProcessMaterial",
            json!({"MaterialId": CITY, "Definition": 20, "VerifySign": sign.expose_secret()}),
        )
        .await["TaskId"]
        .clone();
    let mut last_progress = -1;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let info = h
            .ok(&t, "Task/DescribeTasks", json!({"TaskIds": [task]}))
            .await["TaskInfoSet"][0]
            .clone();
        let progress = info["Progress"].as_i64().expect("progress");
        assert!(progress >= last_progress, "progress never goes back");
        last_progress = progress;
        if info["Status"] == "SUCCESS" {
            assert_eq!(progress, 100);
            break;
        }
        assert_eq!(info["Status"], "PROCESSING");
        assert!(
            tokio::time::Instant::now() < deadline,
            "task did not finish"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    h.ok(
        &t,
        "Material/DescribeFaceInMaterial",
        json!({"MaterialId": CITY}),
    )
    .await;
    h.emu.shutdown().await;
}

#[tokio::test]
async fn teams_joined_and_described() {
    let h = Harness::start().await;
    let alice = h.login(ALICE).await;
    let bob = h.login(BOB).await;
    let carol = h.login(CAROL).await;
    let joined = h.ok(&alice, "Team/DescribeJoinTeams", json!({})).await;
    assert_eq!(joined["TotalCount"], 1);
    assert_eq!(joined["TeamSet"][0]["TeamId"], DEMO_TEAM_ID);
    assert_eq!(joined["TeamSet"][0]["Role"], "Owner");
    assert_eq!(joined["TeamSet"][0]["MemberCount"], 2);
    let joined = h
        .ok(
            &bob,
            "Team/DescribeJoinTeams",
            json!({"Limit": 30, "Offset": 0}),
        )
        .await;
    assert_eq!(joined["TeamSet"][0]["Role"], "Member");
    let none = h.ok(&carol, "Team/DescribeJoinTeams", json!({})).await;
    assert_eq!(none["TotalCount"], 0);
    let msg = h
        .fails(
            &alice,
            "Team/DescribeJoinTeams",
            json!({"Limit": 31}),
            "InvalidParameterValue.Limit",
        )
        .await;
    assert!(msg.contains("Limit"), "{msg}");

    let teams = h
        .ok(
            &alice,
            "Team/DescribeTeams",
            json!({"TeamIds": [DEMO_TEAM_ID, "cmetid_unknown"]}),
        )
        .await;
    assert_eq!(teams["TeamSet"].as_array().map(Vec::len), Some(1));
    assert_eq!(teams["TeamSet"][0]["Name"], "Demo Studio");
    assert_eq!(teams["TeamSet"][0]["CreateTime"], "2024-01-15T02:00:00Z");
    h.fails(
        &carol,
        "Team/DescribeTeams",
        json!({"TeamIds": [DEMO_TEAM_ID]}),
        "OperationDenied.PermissionDeny",
    )
    .await;
    h.emu.shutdown().await;
}

async fn project_materials(h: &Harness, t: &str) -> Value {
    h.ok(
        t,
        "Project/DescribeProjectMaterials",
        json!({"ProjectId": DEMO_PROJECT_ID}),
    )
    .await["MaterialIdSet"]
        .clone()
}

#[tokio::test]
async fn projects_list_filter_change_and_delete() {
    let h = Harness::start().await;
    let t = h.login(ALICE).await;
    let ids = |data: &Value, key: &str| -> Vec<String> {
        data[key]
            .as_array()
            .expect("projects")
            .iter()
            .filter_map(|p| p["ProjectId"].as_str().map(str::to_owned))
            .collect()
    };
    let all = h.ok(&t, "Project/DescribeProjects", json!({})).await;
    assert_eq!(all["TotalCount"], 5, "own and team projects: {all}");
    assert!(!ids(&all, "ProjectInfoSet").contains(&BOB_PROJECT.to_owned()));
    let switcher = h
        .ok(
            &t,
            "Project/DescribeProjects",
            json!({"Category": "Switcher"}),
        )
        .await;
    assert_eq!(ids(&switcher, "ProjectInfoSet"), [TEAM_SWITCHER]);
    let named = h
        .ok(&t, "Project/DescribeProjects", json!({"Name": "VLOG"}))
        .await;
    assert_eq!(ids(&named, "ProjectInfoSet"), [DEMO_PROJECT_ID]);
    assert_eq!(named["ProjectInfoSet"][0]["Owner"], person(ALICE));
    assert_eq!(named["ProjectInfoSet"][0]["WHRatio"], "16:9");
    let paged = h
        .ok(
            &t,
            "Project/DescribeProjects",
            json!({"Sort": {"Field": "CreateTime", "Order": "Asc"}, "Offset": 1, "Limit": 2}),
        )
        .await;
    assert_eq!(
        ids(&paged, "ProjectInfoSet"),
        [TEAM_SWITCHER, DEMO_PROJECT_ID]
    );
    h.fails(
        &t,
        "Project/DescribeProjects",
        json!({"ProjectIds": [BOB_PROJECT]}),
        "OperationDenied.PermissionDeny",
    )
    .await;
    h.fails(
        &t,
        "Project/DescribeProjects",
        json!({"ProjectIds": ["cmepid_nope"]}),
        "ResourceNotFound",
    )
    .await;

    let found = h
        .ok(&t, "Project/SearchProject", json!({"Name": "宣传"}))
        .await;
    assert_eq!(ids(&found, "ProjectBasicInfoSet"), [TEAM_PROJECT]);
    let live = h
        .ok(
            &t,
            "Project/SearchProject",
            json!({"CategorySet": ["Live"]}),
        )
        .await;
    assert_eq!(ids(&live, "ProjectBasicInfoSet"), [ALICE_LIVE_PROJECT]);
    let msg = h
        .fails(
            &t,
            "Project/SearchProject",
            json!({}),
            "InvalidParameterValue",
        )
        .await;
    assert_eq!(msg, "param lack of CategorySet or Name");

    assert_eq!(project_materials(&h, &t).await, json!([SUNSET, MUSIC]));
    h.ok(
        &t,
        "Project/AddMaterialToProject",
        json!({"ProjectId": DEMO_PROJECT_ID, "MaterialIds": [CITY, SUNSET, TEAM_FILM]}),
    )
    .await;
    assert_eq!(
        project_materials(&h, &t).await,
        json!([SUNSET, MUSIC, CITY, TEAM_FILM])
    );
    h.fails(
        &t,
        "Project/AddMaterialToProject",
        json!({"ProjectId": DEMO_PROJECT_ID, "MaterialIds": ["11111111111111111111"]}),
        "InvalidParameterValue.MaterialId",
    )
    .await;
    h.fails(
        &t,
        "Project/AddMaterialToProject",
        json!({"ProjectId": DEMO_PROJECT_ID, "MaterialIds": [CITY, BOB_DRAFT]}),
        "OperationDenied.PermissionDeny",
    )
    .await;
    h.fails(
        &t,
        "Project/AddMaterialToProject",
        json!({"ProjectId": "cmepid_nope", "MaterialIds": [CITY]}),
        "InvalidParameterValue.ProjectId",
    )
    .await;
    h.ok(
        &t,
        "Project/DeleteMaterialFromProject",
        json!({"ProjectId": DEMO_PROJECT_ID, "MaterialIds": [MUSIC, TEAM_FILM]}),
    )
    .await;
    assert_eq!(project_materials(&h, &t).await, json!([SUNSET, CITY]));

    h.ok(
        &t,
        "Project/ModifyProject",
        json!({"ProjectId": DEMO_PROJECT_ID, "Name": "新 vlog", "Description": "改过", "CoverUrl": "https://x.invalid/c.jpg",
               "CoverSource": "USER", "WHRatio": "9:16"}),
    )
    .await;
    let info = h
        .ok(
            &t,
            "Project/DescribeProjects",
            json!({"ProjectIds": [DEMO_PROJECT_ID]}),
        )
        .await["ProjectInfoSet"][0]
        .clone();
    assert_eq!(info["Name"], "新 vlog");
    assert_eq!(info["Description"], "改过");
    assert_eq!(info["CoverSource"], "USER");
    assert_eq!(info["WHRatio"], "9:16");
    h.fails(
        &t,
        "Project/ModifyProject",
        json!({"ProjectId": DEMO_PROJECT_ID, "SwitcherInfo": {"StopTime": "2030-01-01T00:00:00Z"}}),
        "InvalidParameterValue",
    )
    .await;
    h.ok(
        &t,
        "Project/ModifyProject",
        json!({"ProjectId": TEAM_SWITCHER, "SwitcherInfo": {"StopTime": "2030-01-01T00:00:00Z", "PgmOutputConfig": {"TemplateId": 10001}}}),
    )
    .await;
    h.fails(
        &t,
        "Project/ModifyProject",
        json!({"ProjectId": TEAM_SWITCHER, "SwitcherInfo": {"PgmOutputConfig": {"TemplateId": 1}}}),
        "InvalidParameterValue",
    )
    .await;

    h.ok(
        &t,
        "Project/DeleteProject",
        json!({"ProjectId": DEMO_PROJECT_ID}),
    )
    .await;
    h.fails(
        &t,
        "Project/DeleteProject",
        json!({"ProjectId": DEMO_PROJECT_ID}),
        "InvalidParameterValue.ProjectId",
    )
    .await;
    let all = h.ok(&t, "Project/DescribeProjects", json!({})).await;
    assert_eq!(all["TotalCount"], 4);
    h.emu.shutdown().await;
}

#[tokio::test]
async fn tasks_filter_and_delete() {
    let h = Harness::start().await;
    let t = h.login(ALICE).await;
    let all = h.ok(&t, "Task/DescribeTasks", json!({})).await;
    assert_eq!(all["TotalCount"], 3);
    let failed = h
        .ok(&t, "Task/DescribeTasks", json!({"StatusSet": ["FAIL"]}))
        .await;
    assert_eq!(failed["TotalCount"], 1);
    assert_eq!(failed["TaskInfoSet"][0]["ErrCode"], 10001);
    assert_eq!(failed["TaskInfoSet"][0]["Progress"], 63);
    let by_project = h
        .ok(
            &t,
            "Task/DescribeTasks",
            json!({"ProjectId": DEMO_PROJECT_ID}),
        )
        .await;
    assert_eq!(by_project["TaskInfoSet"][0]["Status"], "SUCCESS");
    assert_eq!(
        by_project["TaskInfoSet"][0]["TaskType"],
        "VIDEO_EDIT_PROJECT_EXPORT"
    );
    let by_name = h
        .ok(&t, "Task/DescribeTasks", json!({"ProjectName": "直播"}))
        .await;
    assert_eq!(by_name["TaskInfoSet"][0]["Status"], "PROCESSING");
    let typed = h
        .ok(
            &t,
            "Task/DescribeTasks",
            json!({"TaskTypeSet": ["VIDEO_EDIT_PROJECT_EXPORT"], "Limit": 1, "Offset": 1}),
        )
        .await;
    assert_eq!(typed["TotalCount"], 3);
    assert_eq!(typed["TaskInfoSet"].as_array().map(Vec::len), Some(1));
    h.fails(
        &t,
        "Task/DescribeTasks",
        json!({"ProjectId": "cmepid_nope"}),
        "ResourceNotFound",
    )
    .await;
    h.fails(
        &t,
        "Task/DescribeTasks",
        json!({"ProjectId": BOB_PROJECT}),
        "OperationDenied.PermissionDeny",
    )
    .await;

    let task = all["TaskInfoSet"][0]["TaskId"]
        .as_str()
        .expect("task")
        .to_owned();
    let carol = h.login(CAROL).await;
    h.fails(
        &carol,
        "Task/DeleteTask",
        json!({"TaskId": task}),
        "OperationDenied.PermissionDeny",
    )
    .await;
    h.ok(&t, "Task/DeleteTask", json!({"TaskId": task})).await;
    h.fails(
        &t,
        "Task/DeleteTask",
        json!({"TaskId": task}),
        "ResourceNotFound",
    )
    .await;
    assert_eq!(
        h.ok(&t, "Task/DescribeTasks", json!({})).await["TotalCount"],
        2
    );
    h.emu.shutdown().await;
}

#[tokio::test]
async fn users_see_only_their_own_and_their_teams_resources() {
    let h = Harness::start().await;
    let alice = h.login(ALICE).await;
    let bob = h.login(BOB).await;
    let carol = h.login(CAROL).await;
    let deny = "OperationDenied.PermissionDeny";
    let before = h.emu.snapshot();

    // another user's PERSON resources
    let refused = [
        (
            &bob,
            "Material/ListMedia",
            json!({"Platform": P, "ClassId": 9, "Owner": person(ALICE)}),
        ),
        (
            &bob,
            "Material/DeleteMaterial",
            json!({"MaterialId": SUNSET}),
        ),
        (
            &bob,
            "Material/ModifyMaterial",
            json!({"MaterialId": SUNSET, "Name": "x"}),
        ),
        (
            &bob,
            "Material/CreateClass",
            json!({"ParentClassId": 9, "Name": "x", "Owner": person(ALICE)}),
        ),
        (
            &bob,
            "Material/DeleteClass",
            json!({"Owner": person(ALICE), "ClassId": 9}),
        ),
        (
            &bob,
            "Material/DescribeClass",
            json!({"Platform": P, "Owner": person(ALICE)}),
        ),
        (
            &bob,
            "Material/DescribeFaceInMaterial",
            json!({"MaterialId": SUNSET}),
        ),
        (
            &bob,
            "Project/DeleteProject",
            json!({"ProjectId": DEMO_PROJECT_ID}),
        ),
        (
            &bob,
            "Project/DescribeProjectMaterials",
            json!({"ProjectId": DEMO_PROJECT_ID}),
        ),
        (
            &bob,
            "Project/ModifyProject",
            json!({"ProjectId": DEMO_PROJECT_ID, "Name": "x"}),
        ),
        (
            &alice,
            "Project/AddMaterialToProject",
            json!({"ProjectId": BOB_PROJECT, "MaterialIds": [SUNSET]}),
        ),
        // a team the user is not in
        (
            &carol,
            "Material/ListMedia",
            json!({"Platform": P, "ClassId": 12, "Owner": team(DEMO_TEAM_ID)}),
        ),
        (
            &carol,
            "Material/DeleteMaterial",
            json!({"MaterialId": TEAM_FILM}),
        ),
        (
            &carol,
            "Project/DeleteProject",
            json!({"ProjectId": TEAM_PROJECT}),
        ),
        (
            &carol,
            "Project/DescribeProjects",
            json!({"ProjectIds": [TEAM_PROJECT]}),
        ),
    ];
    for (t, action, body) in refused {
        let msg = h.fails(t, action, body, deny).await;
        assert!(msg.starts_with("permission denied"), "{action}: {msg}");
    }
    h.fails(
        &alice,
        "Material/CreateClass",
        json!({"ParentClassId": 9, "Name": "x", "Owner": team("cmetid_nope")}),
        "InvalidParameterValue.TeamNotExist",
    )
    .await;
    h.fails(
        &alice,
        "Material/ListMedia",
        json!({"Platform": "no_such_platform", "ClassId": 9, "Owner": person(ALICE)}),
        "InvalidParameterValue.Platform",
    )
    .await;
    h.fails(
        &alice,
        "Material/CreateClass",
        json!({"ParentClassId": 9, "Name": "x", "Owner": {"Type": "COOPERATION_SPACE", "Id": "s"}}),
        "InvalidParameterValue.OwnerType",
    )
    .await;
    assert_eq!(h.emu.snapshot(), before, "refused requests change nothing");

    // a team member sees and changes the team's resources
    let team_root = h.class_id(&bob, team(DEMO_TEAM_ID), "/团队").await;
    let listed = h
        .ok(
            &bob,
            "Material/ListMedia",
            json!({"Platform": P, "ClassId": team_root, "Owner": team(DEMO_TEAM_ID)}),
        )
        .await;
    assert_eq!(material_ids(&listed["MaterialInfoSet"]), [TEAM_PHOTO]);
    assert_eq!(listed["ClassInfoSet"][0]["Name"], "宣传片");
    h.ok(
        &bob,
        "Material/CreateClass",
        json!({"ParentClassId": team_root, "Name": "素材", "Owner": team(DEMO_TEAM_ID)}),
    )
    .await;
    h.ok(
        &bob,
        "Material/ModifyMaterial",
        json!({"MaterialId": TEAM_FILM, "Tags": ["终版"]}),
    )
    .await;
    h.ok(
        &bob,
        "Project/ModifyProject",
        json!({"ProjectId": TEAM_PROJECT, "Description": "bob was here"}),
    )
    .await;
    let seen = h
        .ok(
            &alice,
            "Material/DescribeMaterials",
            json!({"MaterialIds": [TEAM_FILM]}),
        )
        .await;
    assert_eq!(
        seen["MaterialInfoSet"][0]["BasicInfo"]["TagSet"],
        json!(["终版"])
    );
    h.emu.shutdown().await;
}

#[tokio::test]
async fn fixtures_with_several_platforms_and_a_custom_key() {
    let fixture = cme_emulator::Fixture::from_json(
        r#"{"AppId": 1250000000, "Platforms": [
            {"Name": "studio_a", "Users": [{"UserId": "ann"}],
             "Materials": [{"MaterialId": "10000000000000000001", "Owner": {"Type": "PERSON", "Id": "ann"},
                            "ClassPath": "/素材", "MaterialType": "VIDEO", "Name": "clip", "Duration": 12.0,
                            "Width": 640, "Height": 360}]},
            {"Name": "studio_b"}]}"#,
    )
    .expect("fixture");
    let h = Harness::with(
        Emulator::builder()
            .secret("AKIDmine", "my-key")
            .fixture(fixture),
    )
    .await;
    let signer = cme_sdk::Signer::new("AKIDmine", "my-key");
    let minute = cme_sdk::Validity::from_secs(60).expect("a valid validity");
    let login = |platform: &str, user: &str| {
        h.emu
            .login_url(signer.login(platform, user, minute).expose_secret())
    };
    let a = h.get_json(&login("studio_a", "ann")).await;
    assert_eq!(a["Response"]["AppId"], 1_250_000_000);
    let ann = a["Response"]["Authorization"]
        .as_str()
        .expect("ticket")
        .to_owned();
    let b = h.get_json(&login("studio_b", "ben")).await;
    let ben = b["Response"]["Authorization"]
        .as_str()
        .expect("ticket")
        .to_owned();
    // the demo key is not accepted
    let demo = cme_sdk::Signer::new(cme_emulator::DEMO_SECRET_ID, cme_emulator::DEMO_SECRET_KEY);
    let refused = h
        .get_json(
            &h.emu
                .login_url(demo.login("studio_a", "ann", minute).expose_secret()),
        )
        .await;
    assert_eq!(
        refused["Response"]["Error"]["Code"],
        "AuthFailure.SignatureFailure"
    );

    let clips = h
        .ok(
            &ann,
            "Material/SearchMaterial",
            json!({"SearchScopes": [{"Platform": "studio_a", "Owner": person("ann")}], "Resolutions": ["SD"]}),
        )
        .await;
    assert_eq!(
        material_ids(&clips["MaterialInfoSet"]),
        ["10000000000000000001"]
    );
    assert_eq!(
        clips["MaterialInfoSet"][0]["BasicInfo"]["ClassPath"],
        "/个人/素材"
    );
    // a ticket is bound to its platform
    let other = h
        .ok(
            &ben,
            "Material/DescribeMaterials",
            json!({"MaterialIds": ["10000000000000000001"]}),
        )
        .await;
    assert_eq!(
        other["FailedMaterialInfoSet"][0]["ErrorInfo"]["Code"],
        "InvalidParameterValue.MaterialId"
    );
    h.fails(
        &ben,
        "Material/DescribeClass",
        json!({"Platform": "studio_a", "Owner": person("ben")}),
        "OperationDenied.PermissionDeny",
    )
    .await;
    h.emu.shutdown().await;
}
