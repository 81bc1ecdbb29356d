//! Frame tags through the generated SDK: AddMaterialFrameTag, DescribeMaterialFrameTag,
//! ModifyMaterialFrameTag and DeleteMaterialFrameTag, versioned as the docs say, with the
//! documented errors.

mod support;

use std::time::Duration;

use cme_emulator::Emulator;
use cme_sdk::types::FrameTagInfo;
use cme_sdk::{Client, ErrorCode};
use support::*;

/// The frame tags of `id` between `start` and `end` (seconds).
async fn frame_tags(client: &Client, id: &str, start: f64, end: f64) -> FrameTagInfo {
    client
        .material()
        .describe_material_frame_tag(id, start, end)
        .send()
        .await
        .expect("DescribeMaterialFrameTag")
        .frame_tag_info
        .expect("FrameTagInfo")
}

/// (ItemId, start, end, tags) of each item.
fn items(info: &FrameTagInfo) -> Vec<(String, f64, f64, Vec<String>)> {
    info.frame_tag_set
        .iter()
        .map(|i| {
            (
                i.item_id.clone().expect("item id"),
                i.start_time_offset.expect("start"),
                i.end_time_offset.expect("end"),
                i.tags.clone(),
            )
        })
        .collect()
}

fn tags(list: &[&str]) -> Vec<String> {
    list.iter().map(|t| (*t).to_owned()).collect()
}

#[tokio::test]
async fn frame_tags_are_added_described_modified_and_deleted_by_version() {
    let env = Env::start().await;
    let m = env.material();
    expect_api_error(
        m.describe_material_frame_tag(SUNSET, 0.0, 62.5)
            .send()
            .await,
        "Material/DescribeMaterialFrameTag",
        &ErrorCode::ResourceNotFound,
        "no frameTag index",
    );

    // add
    let first = m
        .add_material_frame_tag(SUNSET, 0.0, 5.0, ["海浪"], "manual")
        .send()
        .await
        .expect("AddMaterialFrameTag")
        .item_id;
    let info = frame_tags(&env.client, SUNSET, 0.0, 62.5).await;
    assert_eq!(info.version.as_deref(), Some("1"));
    assert_eq!(info.last_time_offset, Some(-1.0));
    assert_eq!(items(&info), [(first.clone(), 0.0, 5.0, tags(&["海浪"]))]);
    let second = m
        .add_material_frame_tag(SUNSET, 20.0, 30.0, ["日落", "天空"], "1")
        .send()
        .await
        .expect("an add naming the current version")
        .item_id;
    assert_ne!(first, second);

    // describe a window
    let window = frame_tags(&env.client, SUNSET, 10.0, 25.0).await;
    assert_eq!(window.version.as_deref(), Some("2"));
    assert_eq!(
        items(&window),
        [(second.clone(), 20.0, 30.0, tags(&["日落", "天空"]))]
    );

    // modify
    expect_api_error(
        m.modify_material_frame_tag(SUNSET, first.as_str(), ["沙滩"], "1")
            .send()
            .await,
        "Material/ModifyMaterialFrameTag",
        &ErrorCode::InvalidParameterValue,
        "version mismatch: the current frame tag version is 2",
    );
    m.modify_material_frame_tag(SUNSET, first.as_str(), ["沙滩", "夕阳"], "2")
        .send()
        .await
        .expect("ModifyMaterialFrameTag");
    let info = frame_tags(&env.client, SUNSET, 0.0, 62.5).await;
    assert_eq!(info.version.as_deref(), Some("3"));
    assert_eq!(
        items(&info),
        [
            (first.clone(), 0.0, 5.0, tags(&["沙滩", "夕阳"])),
            (second.clone(), 20.0, 30.0, tags(&["日落", "天空"])),
        ]
    );

    // delete: gone
    m.delete_material_frame_tag(SUNSET, first.as_str(), "3")
        .send()
        .await
        .expect("DeleteMaterialFrameTag");
    let info = frame_tags(&env.client, SUNSET, 0.0, 62.5).await;
    assert_eq!(info.version.as_deref(), Some("4"));
    assert_eq!(
        items(&info),
        [(second, 20.0, 30.0, tags(&["日落", "天空"]))]
    );
    expect_api_error(
        m.delete_material_frame_tag(SUNSET, first.as_str(), "4")
            .send()
            .await,
        "Material/DeleteMaterialFrameTag",
        &ErrorCode::ResourceNotFound,
        "no frameTag item",
    );
    env.stop().await;
}

#[tokio::test]
async fn frame_tag_actions_refuse_what_the_docs_say() {
    let env = Env::start().await;
    let m = env.material();
    let item = m
        .add_material_frame_tag(SUNSET, 1.0, 2.0, ["x"], "manual")
        .send()
        .await
        .expect("a tag to change")
        .item_id;
    let bob = env.client_for(BOB);
    let b = bob.material();
    let before = env.state();
    assert_error_cases(vec![
        (
            "Material/AddMaterialFrameTag",
            ErrorCode::InvalidParameterValue,
            "starttime bigger than endtime",
            unit(
                m.add_material_frame_tag(SUNSET, 9.0, 3.0, ["x"], "manual")
                    .send()
                    .await,
            ),
        ),
        (
            "Material/AddMaterialFrameTag",
            ErrorCode::InvalidParameterValue,
            "after the end of the medium",
            unit(
                m.add_material_frame_tag(SUNSET, 60.0, 70.0, ["x"], "manual")
                    .send()
                    .await,
            ),
        ),
        (
            "Material/AddMaterialFrameTag",
            ErrorCode::InvalidParameterValue,
            "version mismatch",
            unit(
                m.add_material_frame_tag(SUNSET, 1.0, 2.0, ["x"], "0")
                    .send()
                    .await,
            ),
        ),
        (
            "Material/AddMaterialFrameTag",
            ErrorCode::OperationDeniedPermissionDeny,
            "permission denied",
            unit(
                b.add_material_frame_tag(SUNSET, 0.0, 1.0, ["x"], "manual")
                    .send()
                    .await,
            ),
        ),
        (
            "Material/ModifyMaterialFrameTag",
            ErrorCode::OperationDeniedPermissionDeny,
            "permission denied",
            unit(
                b.modify_material_frame_tag(SUNSET, item.as_str(), ["y"], "1")
                    .send()
                    .await,
            ),
        ),
        (
            "Material/DeleteMaterialFrameTag",
            ErrorCode::InvalidParameterValueMaterialId,
            "material not exist",
            unit(
                m.delete_material_frame_tag(NO_MATERIAL, item.as_str(), "1")
                    .send()
                    .await,
            ),
        ),
        (
            "Material/DeleteMaterialFrameTag",
            ErrorCode::OperationDeniedPermissionDeny,
            "permission denied",
            unit(
                b.delete_material_frame_tag(SUNSET, item.as_str(), "1")
                    .send()
                    .await,
            ),
        ),
        (
            "Material/DescribeMaterialFrameTag",
            ErrorCode::ResourceNotFound,
            "no frameTag index",
            unit(m.describe_material_frame_tag(CITY, 0.0, 10.0).send().await),
        ),
        (
            "Material/DescribeMaterialFrameTag",
            ErrorCode::OperationDeniedPermissionDeny,
            "permission denied",
            unit(
                b.describe_material_frame_tag(SUNSET, 0.0, 10.0)
                    .send()
                    .await,
            ),
        ),
    ]);
    assert!(env.state() == before, "refused requests change nothing");
    env.stop().await;
}

#[tokio::test]
async fn manual_tags_stand_apart_from_the_ai_ones() {
    let env = Env::with(Emulator::builder().task_duration(Duration::from_secs(3600))).await;
    let m = env.material();
    m.process_material(CITY, 20)
        .verify_sign(env.backend.upload_signature())
        .send()
        .await
        .expect("ProcessMaterial");
    env.emu.complete_tasks();
    let ai = frame_tags(&env.client, CITY, 0.0, 125.0).await;
    assert!(!ai.frame_tag_set.is_empty(), "a full analysis adds tags");
    let mine = m
        .add_material_frame_tag(CITY, 3.0, 4.0, ["手动"], "manual")
        .send()
        .await
        .expect("a manual tag on top")
        .item_id;
    let all = m
        .describe_material_frame_tag(CITY, 0.0, 10.0)
        .only_manual(false)
        .send()
        .await
        .expect("all")
        .frame_tag_info
        .expect("FrameTagInfo");
    let all = items(&all);
    assert!(all.len() > 1, "AI and manual tags: {all:?}");
    assert!(all.iter().any(|(id, ..)| id == &mine), "{all:?}");
    let only = m
        .describe_material_frame_tag(CITY, 0.0, 125.0)
        .only_manual(true)
        .send()
        .await
        .expect("OnlyManual")
        .frame_tag_info
        .expect("FrameTagInfo");
    assert_eq!(items(&only), [(mine, 3.0, 4.0, tags(&["手动"]))]);
    env.stop().await;
}
