//! Uploads (CreateUploadMaterial with an `Upload` signature from the backend, then
//! FinishUploadMaterial), processing (ProcessMaterial, the task followed to success through
//! DescribeTasks) and the AI results (faces, subtitles, text, objects), each with its documented
//! errors.

mod support;

use std::time::{Duration, Instant};

use cme_emulator::Emulator;
use cme_sdk::types::{Entity, FaceType, MaterialType, MediaType, TaskStatus};
use cme_sdk::{Client, Error, ErrorCode, ErrorKind, SignAction, SignParams};
use support::*;

#[tokio::test]
async fn an_upload_makes_exactly_one_medium() {
    let env = Env::start().await;
    let video = class_id(&env.client, person(ALICE), "/个人/视频").await;
    let started = env
        .material()
        // No VerifySign: the client asks its signature source for an Upload signature.
        .create_upload_material(video, MaterialType::Video, "上传测试", person(ALICE))
        .send()
        .await
        .expect("CreateUploadMaterial");
    assert!(!started.upload_context.is_empty());
    assert!(!started.vod_upload_sign.is_empty());
    assert!(
        !format!("{started:?}").contains(&started.vod_upload_sign),
        "the VOD upload signature is redacted in Debug"
    );
    // the file goes to VOD with the VodUploadSign (played in-process by the emulator)
    let mp4 = cme_emulator::sample_mp4(12.5, 1280, 720, 2048);
    let vod = env
        .emu
        .upload_to_vod(&started.vod_upload_sign, "上传测试.mp4", mp4)
        .await
        .expect("uploaded to VOD");
    let done = env
        .material()
        .finish_upload_material(started.upload_context.clone())
        .vod_file_id(vod.file_id)
        .vod_verify_key(vod.verify_content)
        .send()
        .await
        .expect("FinishUploadMaterial");
    let material_id = done.material_id.expect("a new medium");
    assert_eq!(material_id.len(), 20, "{material_id}");

    let listed = env
        .material()
        .list_media(video, person(ALICE))
        .send()
        .await
        .expect("listed");
    assert_eq!(listed.material_total_count, Some(4));
    assert_eq!(ids(&listed.material_info_set)[0], material_id);
    let described = env
        .material()
        .describe_materials([material_id.as_str()])
        .send()
        .await
        .expect("described");
    let info = &described.material_info_set[0];
    let basic = info.basic_info.as_ref().expect("basic");
    assert_eq!(basic.name.as_deref(), Some("上传测试"));
    assert_eq!(basic.material_type, Some(MaterialType::Video));
    let media = info.media_info.as_ref().expect("media info");
    assert_eq!(media.media_type, Some(MediaType::Video));
    assert_eq!(media.duration, Some(12.5), "read from the file's headers");

    let bob = env.client_for(BOB);
    let second = env
        .material()
        .create_upload_material(video, MaterialType::Audio, "第二个", person(ALICE))
        .verify_sign(env.backend.upload_signature())
        .send()
        .await
        .expect("another upload");
    assert_error_cases(vec![
        (
            "Material/FinishUploadMaterial",
            ErrorCode::InvalidParameterValueUploadContext,
            "already used",
            unit(
                env.material()
                    .finish_upload_material(started.upload_context)
                    .vod_file_id("1")
                    .send()
                    .await,
            ),
        ),
        (
            "Material/FinishUploadMaterial",
            ErrorCode::InvalidParameterValueUploadContext,
            "invalid upload context",
            unit(
                env.material()
                    .finish_upload_material("uc_forged")
                    .vod_file_id("1")
                    .send()
                    .await,
            ),
        ),
        (
            "Material/FinishUploadMaterial",
            ErrorCode::InvalidParameterValueUploadContext,
            "invalid upload context",
            // another user cannot finish alice's upload
            unit(
                bob.material()
                    .finish_upload_material(second.upload_context)
                    .vod_file_id("1")
                    .send()
                    .await,
            ),
        ),
    ]);
    assert_eq!(
        env.state().materials.len(),
        14,
        "13 demo media and one upload"
    );
    env.stop().await;
}

#[tokio::test]
async fn create_upload_material_refuses_what_the_docs_say() {
    let env = Env::start().await;
    let video = class_id(&env.client, person(ALICE), "/个人/视频").await;
    let bob = env.client_for(BOB);
    let expired = env
        .emu
        .signer()
        .sign(&SignParams::new(P, ALICE, SignAction::Upload).now(1_600_000_000))
        .expose_secret()
        .to_owned();
    let sign = || env.backend.upload_signature();
    let before = env.state();
    assert_error_cases(vec![
        (
            "Material/CreateUploadMaterial",
            ErrorCode::InvalidParameterValueClassNotExist,
            "class not exist: 424242",
            create(&env.client, 424242, person(ALICE), sign()).await,
        ),
        (
            "Material/CreateUploadMaterial",
            ErrorCode::OperationDeniedPermissionDeny,
            "permission denied",
            create(
                &bob,
                video,
                person(ALICE),
                Backend::new(&env.emu, BOB).upload_signature(),
            )
            .await,
        ),
        (
            "Material/CreateUploadMaterial",
            ErrorCode::AuthFailureSignatureFailure,
            "VerifySign",
            // a Login signature is not an Upload signature
            create(
                &env.client,
                video,
                person(ALICE),
                env.emu.login_signature(ALICE).expose_secret().to_owned(),
            )
            .await,
        ),
        (
            "Material/CreateUploadMaterial",
            ErrorCode::AuthFailureSignatureFailure,
            "not the ticket's",
            // signed for another user
            create(
                &env.client,
                video,
                person(ALICE),
                env.emu.upload_signature(BOB).expose_secret().to_owned(),
            )
            .await,
        ),
        (
            "Material/CreateUploadMaterial",
            ErrorCode::AuthFailureSignatureExpire,
            "VerifySign",
            create(&env.client, video, person(ALICE), expired).await,
        ),
    ]);
    assert!(env.state() == before, "no upload context was handed out");
    // a refused VerifySign is not a refused ticket: no login again
    assert_eq!(env.backend.signatures(), 1);
    assert_eq!(env.logins(), 2, "alice's login and bob's");
    env.stop().await;
}

/// CreateUploadMaterial of a video named `x`, its `Data` dropped.
async fn create(client: &Client, class_id: i64, owner: Entity, sign: String) -> Result<(), Error> {
    let call = client
        .material()
        .create_upload_material(class_id, MaterialType::Video, "x", owner)
        .verify_sign(sign);
    unit(call.send().await)
}

/// Asserts the four AI result queries all answer `ResourceNotFound` for `id`.
async fn no_ai_results(client: &Client, id: &str) {
    let m = client.material();
    assert_error_cases(vec![
        (
            "Material/DescribeFaceInMaterial",
            ErrorCode::ResourceNotFound,
            "resource not found : no face index",
            unit(m.describe_face_in_material(id).send().await),
        ),
        (
            "Material/DescribeObjectInMaterial",
            ErrorCode::ResourceNotFound,
            "resource not found : no object index",
            unit(m.describe_object_in_material(id).send().await),
        ),
        (
            "Material/DescribeMaterialSubtitle",
            ErrorCode::ResourceNotFound,
            "resource not found : no asr index",
            unit(m.describe_material_subtitle(id, 0.0, 30.0).send().await),
        ),
        (
            "Material/DescribeTextInMaterial",
            ErrorCode::ResourceNotFound,
            "resource not found : no ocr index",
            unit(m.describe_text_in_material(id, 0.0, 30.0).send().await),
        ),
    ]);
}

/// Every subtitle of `id` up to `end`, page by page through `LastTimeOffset`.
async fn all_subtitles(client: &Client, id: &str, end: f64) -> Result<Vec<String>, Error> {
    let mut texts = Vec::new();
    let mut from = 0.0;
    for _ in 0..100 {
        let data = client
            .material()
            .describe_material_subtitle(id, from, end)
            .send()
            .await?;
        let info = data.subtitle_info.expect("SubtitleInfo");
        assert!(info.subtitle_set.len() <= 20, "a page holds at most 20");
        texts.extend(info.subtitle_set.into_iter().filter_map(|s| s.text));
        match info.last_time_offset {
            Some(last) if last < 0.0 => return Ok(texts),
            Some(last) => {
                assert!(last > from, "LastTimeOffset moves on");
                from = last;
            }
            None => panic!("no LastTimeOffset"),
        }
    }
    panic!("no end after 100 pages");
}

#[tokio::test]
async fn processing_runs_a_task_to_success_and_makes_the_ai_results() {
    let env = Env::with(Emulator::builder().task_duration(Duration::from_millis(400))).await;
    no_ai_results(&env.client, INTERVIEW).await;

    let task_id = env
        .material()
        .process_material(INTERVIEW, 20)
        .verify_sign(env.backend.upload_signature())
        .send()
        .await
        .expect("ProcessMaterial")
        .task_id;
    assert!(
        task_id.starts_with("1200000001-procedurev2-") && task_id.ends_with("t0"),
        "{task_id}"
    );

    // follow the task
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut seen = Vec::new();
    loop {
        let data = env
            .client
            .task()
            .describe_tasks()
            .task_ids([task_id.as_str()])
            .send()
            .await
            .expect("DescribeTasks");
        assert_eq!(data.total_count, Some(1));
        let task = &data.task_info_set[0];
        assert_eq!(task.task_id.as_deref(), Some(task_id.as_str()));
        let status = task.status.clone().expect("status");
        let progress = task.progress.expect("progress");
        if let Some((_, last)) = seen.last() {
            assert!(progress >= *last, "progress never goes back: {seen:?}");
        }
        seen.push((status.clone(), progress));
        if status == TaskStatus::Success {
            assert_eq!(progress, 100);
            break;
        }
        assert_eq!(status, TaskStatus::Processing, "{seen:?}");
        assert!(progress < 100);
        if seen.len() == 1 {
            // results are not there while the task runs
            no_ai_results(&env.client, INTERVIEW).await;
        }
        assert!(
            Instant::now() < deadline,
            "the task never finished: {seen:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(seen[0].0, TaskStatus::Processing, "{seen:?}");

    let m = env.material();
    let faces = m
        .describe_face_in_material(INTERVIEW)
        .send()
        .await
        .expect("faces")
        .face_info
        .expect("FaceInfo");
    assert_eq!(faces.face_set.len(), 2);
    let face = &faces.face_set[0];
    assert!(face.name.is_some() && face.face_url.is_some());
    assert!(matches!(
        face.kind,
        Some(FaceType::Default | FaceType::UserDefine)
    ));
    assert_eq!(face.segment_set[0].area_coord_set.len(), 4);
    let objects = m
        .describe_object_in_material(INTERVIEW)
        .send()
        .await
        .expect("objects")
        .object_info
        .expect("ObjectInfo");
    assert_eq!(objects.object_set.len(), 3);
    assert!(objects.object_set.iter().all(|o| o.name.is_some()));
    let again = m
        .describe_object_in_material(INTERVIEW)
        .send()
        .await
        .expect("objects");
    assert_eq!(again.object_info, Some(objects), "deterministic samples");

    let subtitles = all_subtitles(&env.client, INTERVIEW, 900.0)
        .await
        .expect("subtitles");
    assert_eq!(subtitles.len(), 225, "a 900 s interview, every 4 s");
    let texts = m
        .describe_text_in_material(INTERVIEW, 0.0, 30.0)
        .send()
        .await
        .expect("texts")
        .text_info
        .expect("TextInfo");
    assert_eq!(texts.text_set.len(), 3);
    assert_eq!(texts.last_time_offset, Some(-1.0));
    assert!(texts.text_set[0].segment_set[0].text.is_some());
    let tags = m
        .describe_material_frame_tag(INTERVIEW, 0.0, 60.0)
        .send()
        .await
        .expect("AI frame tags")
        .frame_tag_info
        .expect("FrameTagInfo");
    assert!(
        !tags.frame_tag_set.is_empty(),
        "a full analysis adds frame tags"
    );
    env.stop().await;
}

#[tokio::test]
async fn process_material_and_the_ai_queries_refuse_what_the_docs_say() {
    let env = Env::with(Emulator::builder().task_duration(Duration::from_secs(3600))).await;
    let bob = env.client_for(BOB);
    let sign = || env.backend.upload_signature();
    let m = env.material();
    let b = bob.material();
    assert_error_cases(vec![
        (
            "Material/ProcessMaterial",
            ErrorCode::InvalidParameterValueMaterialId,
            "material not exist",
            unit(
                m.process_material(NO_MATERIAL, 20)
                    .verify_sign(sign())
                    .send()
                    .await,
            ),
        ),
        (
            "Material/ProcessMaterial",
            ErrorCode::OperationDeniedPermissionDeny,
            "permission denied",
            unit(
                b.process_material(CITY, 20)
                    .verify_sign(sign())
                    .send()
                    .await,
            ),
        ),
        (
            "Material/ProcessMaterial",
            ErrorCode::InvalidParameterValue,
            "cannot be processed",
            unit(
                m.process_material(POSTER, 20)
                    .verify_sign(sign())
                    .send()
                    .await,
            ),
        ),
        (
            "Material/ProcessMaterial",
            ErrorCode::AuthFailureSignatureFailure,
            "VerifySign",
            unit(
                m.process_material(CITY, 20)
                    .verify_sign("bm90IGEgc2lnbmF0dXJl")
                    .send()
                    .await,
            ),
        ),
        (
            "Material/DescribeFaceInMaterial",
            ErrorCode::OperationDeniedPermissionDeny,
            "permission denied",
            unit(b.describe_face_in_material(SUNSET).send().await),
        ),
        (
            "Material/DescribeObjectInMaterial",
            ErrorCode::OperationDeniedPermissionDeny,
            "permission denied",
            unit(b.describe_object_in_material(SUNSET).send().await),
        ),
        (
            "Material/DescribeMaterialSubtitle",
            ErrorCode::OperationDeniedPermissionDeny,
            "permission denied",
            unit(b.describe_material_subtitle(SUNSET, 0.0, 10.0).send().await),
        ),
        (
            "Material/DescribeTextInMaterial",
            ErrorCode::OperationDeniedPermissionDeny,
            "permission denied",
            unit(b.describe_text_in_material(SUNSET, 0.0, 10.0).send().await),
        ),
    ]);
    assert!(env.state().tasks.len() == 3, "no task was started");

    // a Definition the docs do not allow never leaves the client
    let err = m
        .process_material(CITY, 25)
        .verify_sign(sign())
        .send()
        .await
        .expect_err("Definition 25 is not 20 or 30");
    assert!(
        matches!(err.kind(), ErrorKind::InvalidRequest(_)),
        "{err:?}"
    );
    assert!(err.to_string().contains("Definition"), "{err}");
    assert_eq!(env.received("Material/ProcessMaterial"), 4);

    // subtitles only: an audio medium with definition 30
    m.process_material(MUSIC, 30)
        .verify_sign(sign())
        .send()
        .await
        .expect("ProcessMaterial 30");
    env.emu.complete_tasks();
    let subtitles = m
        .describe_material_subtitle(MUSIC, 0.0, 10.0)
        .send()
        .await
        .expect("subtitles")
        .subtitle_info
        .expect("SubtitleInfo");
    assert!(!subtitles.subtitle_set.is_empty());
    expect_api_error(
        m.describe_face_in_material(MUSIC).send().await,
        "Material/DescribeFaceInMaterial",
        &ErrorCode::ResourceNotFound,
        "no face index",
    );
    env.stop().await;
}
