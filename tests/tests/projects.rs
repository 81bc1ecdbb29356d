//! Projects through the generated SDK: DescribeProjects, SearchProject, DescribeProjectMaterials,
//! AddMaterialToProject, DeleteMaterialFromProject, ModifyProject and DeleteProject, with the
//! documented errors.

mod support;

use cme_sdk::project::ProjectClient;
use cme_sdk::types::{
    CoverSource, ProjectCategory, SortBy, SortOrder, SwitcherInfoForUpdate,
    SwitcherPgmOutputConfigForUpdate, WhRatio,
};
use cme_sdk::{Client, ErrorCode};
use futures_util::TryStreamExt;
use support::*;

/// The media of `project`.
async fn project_media(client: &Client, project: &str) -> Vec<String> {
    client
        .project()
        .describe_project_materials(project)
        .send()
        .await
        .expect("DescribeProjectMaterials")
        .material_id_set
}

#[tokio::test]
async fn describe_and_search_projects() {
    let env = Env::start().await;
    let p: ProjectClient<'_> = env.client.project();
    let all = p
        .describe_projects()
        .send()
        .await
        .expect("DescribeProjects");
    assert_eq!(all.total_count, Some(5), "her own and her team's");
    let ids: Vec<_> = all
        .project_info_set
        .iter()
        .filter_map(|x| x.project_id.as_deref())
        .collect();
    assert!(!ids.contains(&BOB_PROJECT), "{ids:?}");
    let vlog = all
        .project_info_set
        .iter()
        .find(|x| x.project_id.as_deref() == Some(VLOG))
        .expect("the demo project");
    assert_eq!(vlog.name.as_deref(), Some("海边旅行 vlog"));
    assert_eq!(vlog.owner, Some(person(ALICE)));
    assert_eq!(vlog.category, [ProjectCategory::Default]);
    assert_eq!(vlog.wh_ratio, Some(WhRatio::Landscape16x9));
    assert_eq!(vlog.cover_source, Some(CoverSource::Default));
    assert_eq!(vlog.description.as_deref(), Some("A trip to the sea"));
    assert_eq!(vlog.create_time.as_deref(), Some("2024-03-03T08:00:00Z"));

    let switcher = p
        .describe_projects()
        .category(ProjectCategory::Switcher)
        .send()
        .await
        .expect("by category");
    assert_eq!(switcher.total_count, Some(1));
    assert_eq!(
        switcher.project_info_set[0].owner,
        Some(team(TEAM)),
        "a team project"
    );
    let paged = p
        .describe_projects()
        .sort(SortBy::new("CreateTime").order(SortOrder::Asc))
        .offset(1)
        .limit(2)
        .send()
        .await
        .expect("a page");
    let page: Vec<_> = paged
        .project_info_set
        .iter()
        .filter_map(|x| x.project_id.as_deref())
        .collect();
    assert_eq!(page, [TEAM_SWITCHER, VLOG]);
    // the same, as a stream of every project, two per page
    let streamed: Vec<_> = p
        .describe_projects()
        .sort(SortBy::new("CreateTime").order(SortOrder::Asc))
        .limit(2)
        .items()
        .map_ok(|x| x.project_id.unwrap_or_default())
        .try_collect()
        .await
        .expect("every page");
    assert_eq!(
        streamed,
        [
            TEAM_PROJECT,
            TEAM_SWITCHER,
            VLOG,
            LIVE_PROJECT,
            PORTRAIT_PROJECT
        ]
    );

    let found = p
        .search_project()
        .name("宣传")
        .send()
        .await
        .expect("SearchProject by name");
    assert_eq!(found.total_count, Some(1));
    let basic = &found.project_basic_info_set[0];
    assert_eq!(basic.project_id.as_deref(), Some(TEAM_PROJECT));
    assert_eq!(basic.name.as_deref(), Some("品牌宣传片 2024"));
    let live = p
        .search_project()
        .category_set([ProjectCategory::Live])
        .send()
        .await
        .expect("SearchProject by category");
    assert_eq!(
        live.project_basic_info_set[0].project_id.as_deref(),
        Some(LIVE_PROJECT)
    );

    assert_error_cases(vec![
        (
            "Project/DescribeProjects",
            ErrorCode::ResourceNotFound,
            "project cmepid_nope",
            unit(
                p.describe_projects()
                    .project_ids(["cmepid_nope"])
                    .send()
                    .await,
            ),
        ),
        (
            "Project/DescribeProjects",
            ErrorCode::OperationDeniedPermissionDeny,
            "permission denied",
            unit(
                p.describe_projects()
                    .project_ids([BOB_PROJECT])
                    .send()
                    .await,
            ),
        ),
        (
            "Project/SearchProject",
            ErrorCode::InvalidParameterValue,
            "param lack of CategorySet or Name",
            unit(p.search_project().send().await),
        ),
    ]);
    env.stop().await;
}

#[tokio::test]
async fn media_are_added_to_and_removed_from_a_project() {
    let env = Env::start().await;
    let p = env.client.project();
    assert_eq!(project_media(&env.client, VLOG).await, [SUNSET, MUSIC]);
    p.add_material_to_project(VLOG, [CITY, SUNSET, TEAM_FILM])
        .send()
        .await
        .expect("AddMaterialToProject");
    assert_eq!(
        project_media(&env.client, VLOG).await,
        [SUNSET, MUSIC, CITY, TEAM_FILM],
        "added once each, in order"
    );
    p.delete_material_from_project(VLOG, [MUSIC, TEAM_FILM])
        .send()
        .await
        .expect("DeleteMaterialFromProject");
    assert_eq!(project_media(&env.client, VLOG).await, [SUNSET, CITY]);

    let bob = env.client_for(BOB);
    let before = env.state();
    assert_error_cases(vec![
        (
            "Project/AddMaterialToProject",
            ErrorCode::InvalidParameterValueProjectId,
            "project not exist: cmepid_nope",
            unit(
                p.add_material_to_project("cmepid_nope", [CITY])
                    .send()
                    .await,
            ),
        ),
        (
            "Project/AddMaterialToProject",
            ErrorCode::OperationDeniedPermissionDeny,
            "permission denied",
            unit(p.add_material_to_project(BOB_PROJECT, [CITY]).send().await),
        ),
        (
            "Project/AddMaterialToProject",
            ErrorCode::OperationDeniedPermissionDeny,
            "permission denied",
            // a medium she may not use, even among ones she may
            unit(
                p.add_material_to_project(VLOG, [CITY, BOB_DRAFT])
                    .send()
                    .await,
            ),
        ),
        (
            "Project/AddMaterialToProject",
            ErrorCode::InvalidParameterValueMaterialId,
            "material not exist",
            unit(p.add_material_to_project(VLOG, [NO_MATERIAL]).send().await),
        ),
        (
            "Project/DeleteMaterialFromProject",
            ErrorCode::InvalidParameterValueProjectId,
            "project not exist",
            unit(
                p.delete_material_from_project("cmepid_nope", [CITY])
                    .send()
                    .await,
            ),
        ),
        (
            "Project/DeleteMaterialFromProject",
            ErrorCode::OperationDeniedPermissionDeny,
            "permission denied",
            unit(
                bob.project()
                    .delete_material_from_project(VLOG, [CITY])
                    .send()
                    .await,
            ),
        ),
        (
            "Project/DescribeProjectMaterials",
            ErrorCode::OperationDeniedPermissionDeny,
            "permission denied",
            unit(bob.project().describe_project_materials(VLOG).send().await),
        ),
    ]);
    assert!(env.state() == before, "refused requests change nothing");
    env.stop().await;
}

#[tokio::test]
async fn a_project_is_modified_then_deleted() {
    let env = Env::start().await;
    let p = env.client.project();
    p.modify_project(VLOG)
        .name("新 vlog")
        .description("改过")
        .cover_url("https://x.invalid/c.jpg")
        .cover_source(CoverSource::User)
        .wh_ratio(WhRatio::Portrait9x16)
        .send()
        .await
        .expect("ModifyProject");
    let info = p
        .describe_projects()
        .project_ids([VLOG])
        .send()
        .await
        .expect("described")
        .project_info_set
        .remove(0);
    assert_eq!(info.name.as_deref(), Some("新 vlog"));
    assert_eq!(info.description.as_deref(), Some("改过"));
    assert_eq!(info.cover_url.as_deref(), Some("https://x.invalid/c.jpg"));
    assert_eq!(info.cover_source, Some(CoverSource::User));
    assert_eq!(info.wh_ratio, Some(WhRatio::Portrait9x16));
    assert_ne!(info.update_time, info.create_time);
    p.modify_project(TEAM_SWITCHER)
        .switcher_info(
            SwitcherInfoForUpdate::new()
                .stop_time("2030-01-01T00:00:00Z")
                .pgm_output_config(SwitcherPgmOutputConfigForUpdate::new().template_id(10001)),
        )
        .send()
        .await
        .expect("switcher settings of a switcher project");

    let bob = env.client_for(BOB);
    assert_error_cases(vec![
        (
            "Project/ModifyProject",
            ErrorCode::InvalidParameterValueProjectId,
            "project not exist",
            unit(p.modify_project("cmepid_nope").name("x").send().await),
        ),
        (
            "Project/ModifyProject",
            ErrorCode::OperationDeniedPermissionDeny,
            "permission denied",
            unit(bob.project().modify_project(VLOG).name("x").send().await),
        ),
        (
            "Project/ModifyProject",
            ErrorCode::InvalidParameterValue,
            "SwitcherInfo is only for Switcher projects",
            unit(
                p.modify_project(VLOG)
                    .switcher_info(SwitcherInfoForUpdate::new().stop_time("2030-01-01T00:00:00Z"))
                    .send()
                    .await,
            ),
        ),
        (
            "Project/DeleteProject",
            ErrorCode::OperationDeniedPermissionDeny,
            "permission denied",
            unit(bob.project().delete_project(VLOG).send().await),
        ),
    ]);

    p.delete_project(VLOG).send().await.expect("DeleteProject");
    let all = p.describe_projects().send().await.expect("listed");
    assert_eq!(all.total_count, Some(4));
    assert!(all
        .project_info_set
        .iter()
        .all(|x| x.project_id.as_deref() != Some(VLOG)));
    expect_api_error(
        p.delete_project(VLOG).send().await,
        "Project/DeleteProject",
        &ErrorCode::InvalidParameterValueProjectId,
        "project not exist",
    );
    expect_api_error(
        p.describe_projects().project_ids([VLOG]).send().await,
        "Project/DescribeProjects",
        &ErrorCode::ResourceNotFound,
        "project",
    );
    env.stop().await;
}
