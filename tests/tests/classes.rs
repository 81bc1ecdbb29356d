//! The class tree through the generated SDK: DescribeClass, CreateClass, ModifyClass and
//! DeleteClass, as a create → list → modify → delete → gone flow, with the documented errors.

mod support;

use cme_sdk::material::ListMediaData;
use cme_sdk::types::{ClassInfo, EntityType, MaterialType};
use cme_sdk::ErrorCode;
use support::*;

/// (ClassPath, ClassId, ParentClassId) of each class.
fn tree(classes: &[ClassInfo]) -> Vec<(String, i64, i64)> {
    classes
        .iter()
        .map(|c| {
            (
                c.class_path.clone().expect("path"),
                c.class_id.expect("id"),
                c.parent_class_id.expect("parent"),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_class_tree_is_created_listed_renamed_moved_and_deleted() {
    let env = Env::start().await;
    let m = env.material();
    let all = m
        .describe_class(person(ALICE))
        .send()
        .await
        .expect("DescribeClass");
    let root = &all.class_info_set[0];
    assert_eq!(
        root.class_id,
        Some(ALICE_ROOT),
        "the first user's root is 9"
    );
    assert_eq!(root.parent_class_id, Some(-1));
    assert_eq!(root.class_path.as_deref(), Some("/个人"));
    assert_eq!(root.name.as_deref(), Some("个人"));
    assert_eq!(root.platform.as_deref(), Some(P));
    assert_eq!(
        root.owner.as_ref().map(|o| o.kind.clone()),
        Some(EntityType::Person)
    );
    let paths: Vec<String> = tree(&all.class_info_set)
        .into_iter()
        .map(|(path, ..)| path)
        .collect();
    assert_eq!(
        sorted(paths),
        strs(&[
            "/个人",
            "/个人/视频",
            "/个人/视频/旅行",
            "/个人/音频",
            "/个人/图片"
        ])
    );
    assert!(all.path_info_set.is_empty());

    // create
    let edit = m
        .create_class(ALICE_ROOT, "剪辑", person(ALICE))
        .send()
        .await
        .expect("CreateClass")
        .class_id;
    let draft = m
        .create_class(edit, "草稿", person(ALICE))
        .send()
        .await
        .expect("a sub-class")
        .class_id;
    assert!(edit > ALICE_ROOT && draft > edit, "{edit} {draft}");

    // list
    let level = m
        .describe_class(person(ALICE))
        .base_class_id(ALICE_ROOT)
        .first_level(true)
        .send()
        .await
        .expect("one level");
    let names: Vec<_> = level
        .class_info_set
        .iter()
        .filter_map(|c| c.name.as_deref())
        .collect();
    assert_eq!(names, ["视频", "音频", "图片", "剪辑"]);
    let under = m
        .describe_class(person(ALICE))
        .base_class_id(edit)
        .send()
        .await
        .expect("from a base class");
    assert_eq!(
        tree(&under.path_info_set),
        [
            ("/个人".to_owned(), ALICE_ROOT, -1),
            ("/个人/剪辑".to_owned(), edit, ALICE_ROOT)
        ]
    );
    assert_eq!(
        tree(&under.class_info_set),
        [("/个人/剪辑/草稿".to_owned(), draft, edit)]
    );
    let listed: ListMediaData = m
        .list_media(edit, person(ALICE))
        .send()
        .await
        .expect("ListMedia of the new class");
    assert_eq!(listed.material_total_count, Some(0));
    assert_eq!(listed.class_info_set[0].class_id, Some(draft));

    // modify: rename, then move
    m.modify_class(edit, person(ALICE))
        .name("成片")
        .send()
        .await
        .expect("ModifyClass renames");
    assert_eq!(
        class_id(&env.client, person(ALICE), "/个人/成片/草稿").await,
        draft
    );
    m.modify_class(draft, person(ALICE))
        .parent_class_id(ALICE_ROOT)
        .send()
        .await
        .expect("ModifyClass moves");
    assert_eq!(
        class_id(&env.client, person(ALICE), "/个人/草稿").await,
        draft
    );

    // delete: gone
    m.delete_class(person(ALICE), draft)
        .send()
        .await
        .expect("DeleteClass");
    m.delete_class(person(ALICE), edit)
        .send()
        .await
        .expect("DeleteClass");
    let after = m
        .describe_class(person(ALICE))
        .send()
        .await
        .expect("listed");
    assert_eq!(tree(&after.class_info_set), tree(&all.class_info_set));
    expect_api_error(
        m.delete_class(person(ALICE), edit).send().await,
        "Material/DeleteClass",
        &ErrorCode::InvalidParameterValueClassNotExist,
        &format!("class not exist: {edit}"),
    );
    env.stop().await;
}

#[tokio::test]
async fn class_actions_refuse_what_the_docs_say() {
    let env = Env::start().await;
    let m = env.material();
    let bob = env.client_for(BOB);
    let audio = class_id(&env.client, person(ALICE), "/个人/音频").await;
    let made = m
        .create_class(ALICE_ROOT, "已有", person(ALICE))
        .send()
        .await
        .expect("CreateClass")
        .class_id;
    let child = m
        .create_class(made, "子分类", person(ALICE))
        .send()
        .await
        .expect("CreateClass")
        .class_id;
    let before = env.state();
    assert_error_cases(vec![
        (
            "Material/CreateClass",
            ErrorCode::InvalidParameterValueClassNotExist,
            "class not exist: 424242",
            unit(m.create_class(424242, "x", person(ALICE)).send().await),
        ),
        (
            "Material/CreateClass",
            ErrorCode::OperationDeniedPermissionDeny,
            "permission denied",
            unit(
                bob.material()
                    .create_class(ALICE_ROOT, "x", person(ALICE))
                    .send()
                    .await,
            ),
        ),
        (
            "Material/CreateClass",
            ErrorCode::InvalidParameterValueClassExist,
            "class exists",
            unit(
                m.create_class(ALICE_ROOT, "已有", person(ALICE))
                    .send()
                    .await,
            ),
        ),
        (
            "Material/CreateClass",
            ErrorCode::InvalidParameterValueName,
            "'/'",
            unit(
                m.create_class(ALICE_ROOT, "a/b", person(ALICE))
                    .send()
                    .await,
            ),
        ),
        (
            "Material/DescribeClass",
            ErrorCode::InvalidParameterValueClassNotExist,
            "class not exist: 424242",
            unit(
                m.describe_class(person(ALICE))
                    .base_class_id(424242)
                    .send()
                    .await,
            ),
        ),
        (
            "Material/DescribeClass",
            ErrorCode::OperationDeniedPermissionDeny,
            "permission denied",
            unit(bob.material().describe_class(person(ALICE)).send().await),
        ),
        (
            "Material/ModifyClass",
            ErrorCode::InvalidParameterValueClassNotExist,
            "class not exist: 424242",
            unit(m.modify_class(424242, person(ALICE)).name("x").send().await),
        ),
        (
            "Material/ModifyClass",
            ErrorCode::OperationDeniedPermissionDeny,
            "permission denied",
            unit(
                bob.material()
                    .modify_class(made, person(ALICE))
                    .name("x")
                    .send()
                    .await,
            ),
        ),
        (
            "Material/ModifyClass",
            ErrorCode::InvalidParameterValueClassPath,
            "sub-class",
            unit(
                m.modify_class(made, person(ALICE))
                    .parent_class_id(child)
                    .send()
                    .await,
            ),
        ),
        (
            "Material/DeleteClass",
            ErrorCode::InvalidParameterValueClassNotExist,
            "class not exist: 424242",
            unit(m.delete_class(person(ALICE), 424242).send().await),
        ),
        (
            "Material/DeleteClass",
            ErrorCode::OperationDeniedPermissionDeny,
            "permission denied",
            unit(
                bob.material()
                    .delete_class(person(ALICE), made)
                    .send()
                    .await,
            ),
        ),
        (
            "Material/DeleteClass",
            ErrorCode::InvalidParameterValueClassNotEmpty,
            "media",
            unit(m.delete_class(person(ALICE), audio).send().await),
        ),
        (
            "Material/DeleteClass",
            ErrorCode::InvalidParameterValueClassNotEmpty,
            "sub-classes",
            unit(m.delete_class(person(ALICE), made).send().await),
        ),
        (
            "Material/DeleteClass",
            ErrorCode::InvalidParameterValueClassNotExist,
            "class not exist",
            unit(m.delete_class(team(TEAM), made).send().await),
        ),
    ]);
    assert!(env.state() == before, "refused requests change nothing");
    env.stop().await;
}

#[tokio::test]
async fn a_team_member_works_in_the_team_tree() {
    let env = Env::start().await;
    let bob = env.client_for(BOB);
    let team_root = class_id(&bob, team(TEAM), "/团队").await;
    let listed = bob
        .material()
        .list_media(team_root, team(TEAM))
        .send()
        .await
        .expect("ListMedia of the team's root");
    assert_eq!(ids(&listed.material_info_set), [TEAM_PHOTO]);
    assert_eq!(listed.class_info_set[0].name.as_deref(), Some("宣传片"));
    let made = bob
        .material()
        .create_class(team_root, "素材", team(TEAM))
        .send()
        .await
        .expect("a member creates a team class")
        .class_id;
    // the owner sees it, uploads into it, and cannot delete it while it holds media
    assert_eq!(class_id(&env.client, team(TEAM), "/团队/素材").await, made);
    let id = upload(
        &env.emu,
        &env.client,
        &env.backend,
        made,
        team(TEAM),
        MaterialType::Image,
        "团队 logo",
    )
    .await;
    expect_api_error(
        bob.material().delete_class(team(TEAM), made).send().await,
        "Material/DeleteClass",
        &ErrorCode::InvalidParameterValueClassNotEmpty,
        "class not empty",
    );
    bob.material()
        .delete_material(id)
        .send()
        .await
        .expect("a member deletes a team medium");
    bob.material()
        .delete_class(team(TEAM), made)
        .send()
        .await
        .expect("then the empty class");
    let carol = env.client_for(CAROL);
    expect_api_error(
        carol.material().describe_class(team(TEAM)).send().await,
        "Material/DescribeClass",
        &ErrorCode::OperationDeniedPermissionDeny,
        "permission denied",
    );
    expect_api_error(
        env.material()
            .create_class(ALICE_ROOT, "x", team("cmetid_nope"))
            .send()
            .await,
        "Material/CreateClass",
        &ErrorCode::InvalidParameterValueTeamNotExist,
        "team not exist",
    );
    env.stop().await;
}
