//! Tasks: describe with filters, delete.

use cme_sdk::task::{DeleteTaskData, DeleteTaskRequest, DescribeTasksData, DescribeTasksRequest};

use super::{convert, denied, not_found, page, paged, sort_of, Emulation};
use crate::dispatch::{Context, Failure};
use crate::state::Task;

/// Page size of `DescribeTasks` when none is given.
const LIST_LIMIT: i64 = 20;

pub(super) fn describe_tasks(
    svc: &Emulation,
    ctx: &Context,
    r: DescribeTasksRequest,
) -> Result<DescribeTasksData, Failure> {
    let sort = sort_of(r.sort.as_ref(), &["CreateTime"])?;
    let p = svc.platform(ctx)?;
    if let Some(id) = &r.project_id {
        let project = p
            .projects
            .get(id)
            .ok_or_else(|| not_found(format!("project {id}")))?;
        if !p.can_access(&ctx.user_id, &project.owner) {
            return Err(denied(format!("project {id} belongs to {}", project.owner)));
        }
    }
    let now_ms = ctx.unix_millis();
    let project_name = r.project_name.as_deref().map(str::to_lowercase);
    let mut found: Vec<&Task> = p
        .tasks
        .values()
        .filter(|t| p.can_access(&ctx.user_id, &t.owner))
        .filter(|t| r.project_id.is_none() || t.project_id == r.project_id)
        .filter(|t| r.material_id.is_none() || t.material_id == r.material_id)
        .filter(|t| {
            project_name.as_ref().is_none_or(|name| {
                t.project_id
                    .as_ref()
                    .and_then(|id| p.projects.get(id))
                    .is_some_and(|pr| pr.name.to_lowercase().contains(name.as_str()))
            })
        })
        .filter(|t| {
            r.task_ids
                .as_ref()
                .is_none_or(|ids| ids.is_empty() || ids.contains(&t.task_id))
        })
        .filter(|t| {
            r.task_type_set.as_ref().is_none_or(|types| {
                types.is_empty()
                    || t.task_type
                        .as_deref()
                        .is_some_and(|kind| types.iter().any(|x| x.as_str() == kind))
            })
        })
        .filter(|t| {
            r.status_set.as_ref().is_none_or(|set| {
                let status = t.status_at(now_ms).status;
                set.is_empty() || set.iter().any(|s| s.as_str() == status)
            })
        })
        .collect();
    sort.order(&mut found, |t| (t.create_time, t.create_time, t.seq));
    let (offset, limit) = page(r.offset, r.limit, LIST_LIMIT);
    let mut data = DescribeTasksData::default();
    data.total_count = Some(found.len() as i64);
    data.task_info_set = paged(found, offset, limit)
        .into_iter()
        .map(|t| convert::task_info(t, now_ms))
        .collect();
    Ok(data)
}

pub(super) fn delete_task(
    svc: &Emulation,
    ctx: &Context,
    r: DeleteTaskRequest,
) -> Result<DeleteTaskData, Failure> {
    let mut p = svc.platform(ctx)?;
    let task = p
        .tasks
        .get(&r.task_id)
        .ok_or_else(|| not_found(format!("task {}", r.task_id)))?;
    if !p.can_access(&ctx.user_id, &task.owner) {
        return Err(denied(format!(
            "task {} belongs to {}",
            r.task_id, task.owner
        )));
    }
    p.tasks.remove(&r.task_id);
    Ok(DeleteTaskData::default())
}
