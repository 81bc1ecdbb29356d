//! Teams and tasks through the generated SDK: DescribeJoinTeams, DescribeTeams, DescribeTasks and
//! DeleteTask, with the documented errors.

mod support;

use cme_sdk::types::{TaskInfo, TaskStatus, TaskType, TeamRole};
use cme_sdk::{ErrorCode, ErrorKind};
use futures_util::TryStreamExt;
use support::*;

#[tokio::test]
async fn teams_joined_and_described() {
    let env = Env::start().await;
    let joined = env
        .client
        .team()
        .describe_join_teams()
        .send()
        .await
        .expect("DescribeJoinTeams");
    assert_eq!(joined.total_count, Some(1));
    let studio = &joined.team_set[0];
    assert_eq!(studio.team_id.as_deref(), Some(TEAM));
    assert_eq!(studio.name.as_deref(), Some("Demo Studio"));
    assert_eq!(studio.member_count, Some(2));
    assert_eq!(studio.role, Some(TeamRole::Owner));

    let bob = env.client_for(BOB);
    let joined = bob
        .team()
        .describe_join_teams()
        .offset(0)
        .limit(30)
        .send()
        .await
        .expect("bob's teams");
    assert_eq!(joined.team_set[0].role, Some(TeamRole::Member));
    let carol = env.client_for(CAROL);
    let none = carol
        .team()
        .describe_join_teams()
        .send()
        .await
        .expect("carol's teams");
    assert_eq!((none.total_count, none.team_set.len()), (Some(0), 0));

    let teams = env
        .client
        .team()
        .describe_teams()
        .team_ids([TEAM, "cmetid_unknown"])
        .send()
        .await
        .expect("DescribeTeams");
    assert_eq!(teams.total_count, Some(1));
    let [info] = teams.team_set.as_slice() else {
        panic!("unknown IDs are left out: {:?}", teams.team_set);
    };
    assert_eq!(info.team_id.as_deref(), Some(TEAM));
    assert_eq!(info.name.as_deref(), Some("Demo Studio"));
    assert_eq!(info.member_count, Some(2));
    assert_eq!(info.create_time.as_deref(), Some("2024-01-15T02:00:00Z"));

    expect_api_error(
        carol.team().describe_teams().team_ids([TEAM]).send().await,
        "Team/DescribeTeams",
        &ErrorCode::OperationDeniedPermissionDeny,
        "is not a member of team",
    );

    // Limit above 30: refused by the client before sending...
    let err = env
        .client
        .team()
        .describe_join_teams()
        .limit(31)
        .send()
        .await
        .expect_err("Limit 31");
    assert!(
        matches!(err.kind(), ErrorKind::InvalidRequest(_)),
        "{err:?}"
    );
    assert_eq!(
        err.action().map(|a| a.to_string()).as_deref(),
        Some("Team/DescribeJoinTeams")
    );
    assert!(err.to_string().contains("Limit"), "{err}");
    assert_eq!(
        env.received("Team/DescribeJoinTeams"),
        3,
        "nothing was sent"
    );
    // ...and by the service when the client does not check
    let unchecked = builder(&env.emu, &env.backend)
        .validate_requests(false)
        .build()
        .expect("client");
    expect_api_error(
        unchecked
            .team()
            .describe_join_teams()
            .limit(31)
            .send()
            .await,
        "Team/DescribeJoinTeams",
        &ErrorCode::InvalidParameterValueLimit,
        "Limit",
    );
    env.stop().await;
}

fn task_ids(tasks: &[TaskInfo]) -> Vec<String> {
    tasks
        .iter()
        .map(|t| t.task_id.clone().expect("task id"))
        .collect()
}

#[tokio::test]
async fn tasks_are_filtered_paged_and_deleted() {
    let env = Env::start().await;
    let t = env.client.task();
    let all = t.describe_tasks().send().await.expect("DescribeTasks");
    assert_eq!(all.total_count, Some(3));
    assert_eq!(
        sorted(task_ids(&all.task_info_set)),
        strs(&[TASK_DONE, TASK_RUNNING, TASK_FAILED])
    );

    let failed = t
        .describe_tasks()
        .status_set([TaskStatus::Fail])
        .send()
        .await
        .expect("by status");
    let [task] = failed.task_info_set.as_slice() else {
        panic!("one failed task: {failed:?}");
    };
    assert_eq!(task.task_id.as_deref(), Some(TASK_FAILED));
    assert_eq!(task.status, Some(TaskStatus::Fail));
    assert_eq!(task.progress, Some(63));
    assert_eq!(task.err_code, Some(10001));
    assert_eq!(task.err_msg.as_deref(), Some("render failed: missing font"));

    let done = t
        .describe_tasks()
        .project_id(VLOG)
        .send()
        .await
        .expect("by project");
    assert_eq!(task_ids(&done.task_info_set), [TASK_DONE]);
    assert_eq!(done.task_info_set[0].status, Some(TaskStatus::Success));
    assert_eq!(
        done.task_info_set[0].task_type,
        Some(TaskType::VideoEditProjectExport)
    );
    let running = t
        .describe_tasks()
        .project_name("直播")
        .send()
        .await
        .expect("by project name");
    assert_eq!(task_ids(&running.task_info_set), [TASK_RUNNING]);
    assert_eq!(running.task_info_set[0].progress, Some(40));

    let page = t
        .describe_tasks()
        .task_type_set([TaskType::VideoEditProjectExport])
        .offset(1)
        .limit(1)
        .send()
        .await
        .expect("a page");
    assert_eq!((page.total_count, page.task_info_set.len()), (Some(3), 1));
    let streamed: Vec<TaskInfo> = t
        .describe_tasks()
        .limit(1)
        .items()
        .try_collect()
        .await
        .expect("every page");
    assert_eq!(task_ids(&streamed), task_ids(&all.task_info_set));

    let carol = env.client_for(CAROL);
    assert_error_cases(vec![
        (
            "Task/DescribeTasks",
            ErrorCode::ResourceNotFound,
            "project cmepid_nope",
            unit(t.describe_tasks().project_id("cmepid_nope").send().await),
        ),
        (
            "Task/DescribeTasks",
            ErrorCode::OperationDeniedPermissionDeny,
            "permission denied",
            unit(t.describe_tasks().project_id(BOB_PROJECT).send().await),
        ),
        (
            "Task/DeleteTask",
            ErrorCode::OperationDeniedPermissionDeny,
            "permission denied",
            unit(carol.task().delete_task(TASK_DONE).send().await),
        ),
    ]);

    t.delete_task(TASK_DONE).send().await.expect("DeleteTask");
    let left = t.describe_tasks().send().await.expect("listed");
    assert_eq!(left.total_count, Some(2));
    assert!(!task_ids(&left.task_info_set).contains(&TASK_DONE.to_owned()));
    expect_api_error(
        t.delete_task(TASK_DONE).send().await,
        "Task/DeleteTask",
        &ErrorCode::ResourceNotFound,
        "task",
    );
    env.stop().await;
}
