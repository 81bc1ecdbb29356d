//! Media through the generated SDK: ListMedia, DescribeMaterials, SearchMaterial,
//! SearchSharedMaterial, ModifyMaterial and DeleteMaterial, each with its typed `Data` and its
//! documented errors.

mod support;

use cme_sdk::material::SearchMaterialRequest;
use cme_sdk::types::{
    IntegerRange, MaterialTagType, MaterialType, MediaStatus, MediaType, Resolution, SearchScope,
    SortBy, SortOrder, TimeRange,
};
use cme_sdk::ErrorCode;
use support::*;

#[tokio::test]
async fn list_media_shows_a_class_its_media_and_its_sub_classes() {
    let env = Env::start().await;
    let video = class_id(&env.client, person(ALICE), "/个人/视频").await;
    let data = env
        .material()
        .list_media(video, person(ALICE))
        .send()
        .await
        .expect("ListMedia");
    assert_eq!(data.material_total_count, Some(3));
    assert_eq!(ids(&data.material_info_set), [PORTRAIT, INTERVIEW, CITY]);
    let first = data.material_info_set[0]
        .basic_info
        .as_ref()
        .expect("basic info");
    assert_eq!(first.name.as_deref(), Some("产品介绍 竖屏"));
    assert_eq!(first.material_type, Some(MaterialType::Video));
    assert_eq!(first.class_path.as_deref(), Some("/个人/视频"));
    assert_eq!(first.owner, Some(person(ALICE)));
    let status = data.material_info_set[0]
        .material_status
        .as_ref()
        .expect("status");
    assert_eq!(status.transcode_status, Some(MediaStatus::Normal));
    assert!(
        data.material_info_set[0].media_info.is_none(),
        "lists carry basic info only"
    );
    let [sub] = data.class_info_set.as_slice() else {
        panic!("one sub-class: {:?}", data.class_info_set);
    };
    assert_eq!(sub.name.as_deref(), Some("旅行"));
    assert_eq!(sub.class_path.as_deref(), Some("/个人/视频/旅行"));
    assert_eq!(sub.parent_class_id, Some(video));

    let page = env
        .material()
        .list_media(video, person(ALICE))
        .offset(2)
        .limit(2)
        .send()
        .await
        .expect("second page");
    assert_eq!(page.material_total_count, Some(3));
    assert_eq!(ids(&page.material_info_set), [CITY]);

    let bob = env.client_for(BOB);
    assert_error_cases(vec![
        (
            "Material/ListMedia",
            ErrorCode::InvalidParameterValueClassNotExist,
            "class not exist: 99999",
            unit(env.material().list_media(99999, person(ALICE)).send().await),
        ),
        (
            "Material/ListMedia",
            ErrorCode::OperationDeniedPermissionDeny,
            "permission denied",
            unit(
                bob.material()
                    .list_media(ALICE_ROOT, person(ALICE))
                    .send()
                    .await,
            ),
        ),
    ]);
    env.stop().await;
}

#[tokio::test]
async fn describe_materials_gives_details_and_per_medium_failures() {
    let env = Env::start().await;
    let data = env
        .material()
        .describe_materials([CITY, "00000000000000000000", BOB_DRAFT, SUNSET])
        .filter_info(cme_sdk::types::FilterInfo::new().need_image_sprite_info(true))
        .sort(SortBy::new("CreateTime").order(SortOrder::Asc))
        .send()
        .await
        .expect("DescribeMaterials");
    assert_eq!(ids(&data.material_info_set), [SUNSET, CITY]);
    let sunset = &data.material_info_set[0];
    let basic = sunset.basic_info.as_ref().expect("basic info");
    assert_eq!(basic.name.as_deref(), Some("海边日落"));
    assert_eq!(basic.tag_set, ["海边", "日落", "travel"]);
    assert_eq!(basic.class_path.as_deref(), Some("/个人/视频/旅行"));
    let preset: Vec<_> = basic
        .tag_info_set
        .iter()
        .map(|t| (t.kind.clone(), t.name.as_deref()))
        .collect();
    assert_eq!(
        preset,
        [
            (Some(MaterialTagType::Preset), Some("风景")),
            (Some(MaterialTagType::Preset), Some("海边")),
        ]
    );
    let media = sunset.media_info.as_ref().expect("media info");
    assert_eq!((media.width, media.height), (Some(1920), Some(1080)));
    assert_eq!(media.duration, Some(62.5));
    assert_eq!(media.media_type, Some(MediaType::Video));
    let video = sunset.video_material.as_ref().expect("video details");
    assert_eq!(video.resolution, Some(Resolution::Fhd));
    let meta = video.meta_data.as_ref().expect("metadata");
    assert_eq!(meta.video_stream_info_set[0].fps, Some(30));
    assert_eq!(meta.video_stream_info_set[0].codec.as_deref(), Some("h264"));
    let sprite = video
        .image_sprite_info
        .as_ref()
        .expect("asked for the sprite");
    assert!(sprite.total_count > Some(0));
    let city = data.material_info_set[1].video_material.as_ref();
    assert_eq!(
        city.and_then(|v| v.resolution.clone()),
        Some(Resolution::Res4K)
    );

    // the documented PermissionDeny comes per medium, next to the media found
    let failed: Vec<_> = data
        .failed_material_info_set
        .iter()
        .map(|f| {
            let error = f.error_info.as_ref().expect("error info");
            (
                f.material_id.as_deref(),
                error.code.as_deref(),
                error.message.is_some(),
            )
        })
        .collect();
    assert_eq!(
        failed,
        [
            (
                Some("00000000000000000000"),
                Some("InvalidParameterValue.MaterialId"),
                true
            ),
            (
                Some(BOB_DRAFT),
                Some("OperationDenied.PermissionDeny"),
                true
            ),
        ]
    );

    let kinds = env
        .material()
        .describe_materials([MUSIC, POSTER])
        .send()
        .await
        .expect("audio and image");
    let audio = kinds.material_info_set[0].audio_material.as_ref();
    let audio_meta = audio.and_then(|a| a.meta_data.as_ref()).expect("audio");
    assert_eq!(audio_meta.duration, Some(180.0));
    assert_eq!(
        audio_meta.audio_stream_info_set[0].sampling_rate,
        Some(44100)
    );
    let image = kinds.material_info_set[1].image_material.as_ref();
    assert_eq!(
        image.and_then(|i| i.resolution.clone()),
        Some(Resolution::Hd)
    );
    assert!(kinds.failed_material_info_set.is_empty());

    // a whole-request refusal: a sort field the action does not know
    let err = expect_api_error(
        env.material()
            .describe_materials([SUNSET])
            .sort(SortBy::new("Name"))
            .send()
            .await,
        "Material/DescribeMaterials",
        &ErrorCode::InvalidParameterValue,
        "Name",
    );
    assert_eq!(err.attempts(), 1, "a refusal is not retried");
    env.stop().await;
}

#[tokio::test]
async fn search_material_filters_sorts_and_pages() {
    let env = Env::start().await;
    let mine = || SearchMaterialRequest::new([SearchScope::new(person(ALICE))]);
    let cases: Vec<(SearchMaterialRequest, Vec<&str>)> = vec![
        (mine().text("海边"), vec![SUNSET]),
        (mine().text("travel"), vec![SUNSET]),
        (
            mine().material_types([MaterialType::Audio]),
            vec![MUSIC, NARRATION],
        ),
        (mine().resolutions([Resolution::Res4K]), vec![CITY]),
        (
            mine().duration_range(IntegerRange::new(60, 130)),
            vec![SUNSET, CITY],
        ),
        (
            mine().create_time_range(TimeRange::new(
                "2024-03-01T00:00:00Z",
                "2024-03-06T00:00:00+08:00",
            )),
            vec![SUNSET, CITY, POSTER],
        ),
        (mine().tags(["城市", "nothing"]), vec![CITY]),
        (mine().preset_tag_ids(["1001"]), vec![SUNSET]),
        (
            mine()
                .material_types([MaterialType::Video])
                .resolutions([Resolution::Fhd]),
            vec![SUNSET, PORTRAIT],
        ),
    ];
    for (request, expected) in cases {
        let data = env.client.execute(&request).await.expect("SearchMaterial");
        assert_eq!(
            sorted(ids(&data.material_info_set)),
            strs(&expected),
            "{request:?}"
        );
        assert_eq!(data.total_count, Some(expected.len() as i64), "{request:?}");
    }

    let video = class_id(&env.client, person(ALICE), "/个人/视频").await;
    let page = env
        .material()
        .search_material([SearchScope::new(person(ALICE)).class_id(video)])
        .sort(SortBy::new("CreateTime").order(SortOrder::Asc))
        .offset(1)
        .limit(2)
        .send()
        .await
        .expect("a page of a class and its sub-classes");
    assert_eq!(page.total_count, Some(4));
    assert_eq!(ids(&page.material_info_set), [CITY, INTERVIEW]);
    let one_level = env
        .material()
        .search_material([SearchScope::new(person(ALICE))
            .class_id(video)
            .search_one_depth(true)])
        .send()
        .await
        .expect("one level");
    assert_eq!(
        sorted(ids(&one_level.material_info_set)),
        strs(&[CITY, INTERVIEW, PORTRAIT])
    );
    let two_scopes = env
        .material()
        .search_material([
            SearchScope::new(person(ALICE)),
            SearchScope::new(team(TEAM)),
        ])
        .material_types([MaterialType::Image])
        .send()
        .await
        .expect("two owners");
    assert_eq!(
        sorted(ids(&two_scopes.material_info_set)),
        strs(&[POSTER, LOGO, TEAM_PHOTO])
    );

    let bob = env.client_for(BOB);
    assert_error_cases(vec![
        (
            "Material/SearchMaterial",
            ErrorCode::OperationDeniedPermissionDeny,
            "permission denied",
            unit(
                bob.material()
                    .search_material([SearchScope::new(person(ALICE))])
                    .send()
                    .await,
            ),
        ),
        (
            "Material/SearchMaterial",
            ErrorCode::InvalidParameterValue,
            "starttime bigger than endtime",
            unit(
                env.client
                    .execute(&mine().create_time_range(TimeRange::new(
                        "2024-05-01T00:00:00Z",
                        "2024-01-01T00:00:00Z",
                    )))
                    .await,
            ),
        ),
    ]);
    env.stop().await;
}

#[tokio::test]
async fn search_shared_material_goes_through_the_authorization() {
    let env = Env::start().await;
    let bob = env.client_for(BOB);
    for client in [&env.client, &bob] {
        let data = client
            .material()
            .search_shared_material(person(CAROL), team(TEAM))
            .send()
            .await
            .expect("SearchSharedMaterial");
        assert_eq!(data.total_count, Some(2));
        assert_eq!(
            sorted(ids(&data.material_info_set)),
            strs(&[CAROL_AERIAL, CAROL_AMBIENT])
        );
    }
    let aerial = env
        .material()
        .search_shared_material(person(CAROL), team(TEAM))
        .material_types([MaterialType::Video])
        .resolutions([Resolution::Res2K])
        .send()
        .await
        .expect("filtered");
    assert_eq!(ids(&aerial.material_info_set), [CAROL_AERIAL]);
    let basic = aerial.material_info_set[0].basic_info.as_ref();
    assert_eq!(
        basic.and_then(|b| b.owner.clone()),
        Some(person(CAROL)),
        "shared media keep their owner"
    );

    let carol = env.client_for(CAROL);
    assert_error_cases(vec![
        (
            "Material/SearchSharedMaterial",
            ErrorCode::OperationDeniedPermissionDeny,
            "permission denied",
            // carol shares with the team, not with alice herself
            unit(
                env.material()
                    .search_shared_material(person(CAROL), person(ALICE))
                    .send()
                    .await,
            ),
        ),
        (
            "Material/SearchSharedMaterial",
            ErrorCode::OperationDeniedPermissionDeny,
            "permission denied",
            // carol is not a member of the authorizee
            unit(
                carol
                    .material()
                    .search_shared_material(person(CAROL), team(TEAM))
                    .send()
                    .await,
            ),
        ),
    ]);
    env.stop().await;
}

#[tokio::test]
async fn modify_then_delete_a_medium() {
    let env = Env::start().await;
    let audio = class_id(&env.client, person(ALICE), "/个人/音频").await;
    env.material()
        .modify_material(SUNSET)
        .name("日落 重命名")
        .class_id(audio)
        .tags(["sea", "sunset", "sea"])
        .preset_tag_ids(["1002"])
        .send()
        .await
        .expect("ModifyMaterial");
    let data = env
        .material()
        .describe_materials([SUNSET])
        .send()
        .await
        .expect("described");
    let basic = data.material_info_set[0]
        .basic_info
        .clone()
        .expect("basic info");
    assert_eq!(basic.name.as_deref(), Some("日落 重命名"));
    assert_eq!(basic.class_path.as_deref(), Some("/个人/音频"));
    assert_eq!(basic.tag_set, ["sea", "sunset"]);
    assert_eq!(basic.tag_info_set[0].name.as_deref(), Some("人物"));
    assert_ne!(basic.update_time, basic.create_time);
    let listed = env
        .material()
        .list_media(audio, person(ALICE))
        .send()
        .await
        .expect("moved");
    assert!(ids(&listed.material_info_set).contains(&SUNSET.to_owned()));

    let bob = env.client_for(BOB);
    let team_root = class_id(&env.client, team(TEAM), "/团队").await;
    let before = env.state();
    assert_error_cases(vec![
        (
            "Material/ModifyMaterial",
            ErrorCode::InvalidParameterValueMaterialId,
            "material not exist",
            unit(
                env.material()
                    .modify_material(NO_MATERIAL)
                    .name("x")
                    .send()
                    .await,
            ),
        ),
        (
            "Material/ModifyMaterial",
            ErrorCode::InvalidParameterValueClassNotExist,
            "class not exist",
            // a class of another owner (the team's root) is not a class of the medium's owner
            unit(
                env.material()
                    .modify_material(SUNSET)
                    .class_id(team_root)
                    .send()
                    .await,
            ),
        ),
        (
            "Material/ModifyMaterial",
            ErrorCode::OperationDeniedPermissionDeny,
            "permission denied",
            unit(
                bob.material()
                    .modify_material(SUNSET)
                    .name("x")
                    .send()
                    .await,
            ),
        ),
        (
            "Material/DeleteMaterial",
            ErrorCode::OperationDeniedPermissionDeny,
            "permission denied",
            unit(bob.material().delete_material(CITY).send().await),
        ),
    ]);
    assert!(env.state() == before, "refused requests change nothing");

    env.material()
        .delete_material(SUNSET)
        .send()
        .await
        .expect("DeleteMaterial");
    let gone = env
        .material()
        .describe_materials([SUNSET])
        .send()
        .await
        .expect("described");
    assert!(gone.material_info_set.is_empty());
    let code = gone.failed_material_info_set[0]
        .error_info
        .as_ref()
        .and_then(|e| e.code.clone());
    assert_eq!(code.as_deref(), Some("InvalidParameterValue.MaterialId"));
    let listed = env
        .material()
        .list_media(audio, person(ALICE))
        .send()
        .await
        .expect("listed");
    assert!(!ids(&listed.material_info_set).contains(&SUNSET.to_owned()));
    let project = env
        .client
        .project()
        .describe_project_materials(VLOG)
        .send()
        .await
        .expect("project media");
    assert_eq!(
        project.material_id_set,
        [MUSIC],
        "removed from its project too"
    );
    expect_api_error(
        env.material().delete_material(SUNSET).send().await,
        "Material/DeleteMaterial",
        &ErrorCode::InvalidParameterValueMaterialId,
        "material not exist",
    );
    env.stop().await;
}
