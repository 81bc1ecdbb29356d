//! Projects: their media, changes, deletion, listing and search. (The client API cannot create
//! projects; they come from the fixture.)

use cme_sdk::project::{
    AddMaterialToProjectData, AddMaterialToProjectRequest, DeleteMaterialFromProjectData,
    DeleteMaterialFromProjectRequest, DeleteProjectData, DeleteProjectRequest,
    DescribeProjectMaterialsData, DescribeProjectMaterialsRequest, DescribeProjectsData,
    DescribeProjectsRequest, ModifyProjectData, ModifyProjectRequest, SearchProjectData,
    SearchProjectRequest,
};
use cme_sdk::types::ProjectCategory;
use cme_sdk::ErrorCode;

use super::{
    bad_value, convert, denied, documented_bad_value, material, not_found, page, paged, sort_of,
    Emulation,
};
use crate::dispatch::{Context, Failure};
use crate::state::{Platform, Project};
use crate::time::parse_iso8601;

/// Page size of the project lists when none is given.
const LIST_LIMIT: i64 = 50;
/// Template IDs of a switcher's PGM output (1080P, 720P, 480P).
const PGM_TEMPLATES: &[i64] = &[10001, 10002, 10003];

/// A project the user may access.
fn project<'a>(p: &'a Platform, ctx: &Context, id: &str) -> Result<&'a Project, Failure> {
    let found = p.projects.get(id).ok_or_else(|| {
        Failure::new(ErrorCode::InvalidParameterValueProjectId)
            .detail(format!("project not exist: {id}"))
    })?;
    if p.can_access(&ctx.user_id, &found.owner) {
        Ok(found)
    } else {
        Err(denied(format!("project {id} belongs to {}", found.owner)))
    }
}

pub(super) fn add_material_to_project(
    svc: &Emulation,
    ctx: &Context,
    r: AddMaterialToProjectRequest,
) -> Result<AddMaterialToProjectData, Failure> {
    let mut p = svc.platform(ctx)?;
    project(&p, ctx, &r.project_id)?;
    if r.material_ids.is_empty() {
        return Err(bad_value("MaterialIds is empty"));
    }
    for id in &r.material_ids {
        material(&p, ctx, id)?;
    }
    let now = ctx.unix_secs();
    if let Some(found) = p.projects.get_mut(&r.project_id) {
        for id in r.material_ids {
            if !found.material_ids.contains(&id) {
                found.material_ids.push(id);
            }
        }
        found.update_time = now;
    }
    Ok(AddMaterialToProjectData::default())
}

pub(super) fn delete_material_from_project(
    svc: &Emulation,
    ctx: &Context,
    r: DeleteMaterialFromProjectRequest,
) -> Result<DeleteMaterialFromProjectData, Failure> {
    let mut p = svc.platform(ctx)?;
    project(&p, ctx, &r.project_id)?;
    if r.material_ids.is_empty() {
        return Err(bad_value("MaterialIds is empty"));
    }
    let now = ctx.unix_secs();
    if let Some(found) = p.projects.get_mut(&r.project_id) {
        let before = found.material_ids.len();
        found.material_ids.retain(|id| !r.material_ids.contains(id));
        if found.material_ids.len() != before {
            found.update_time = now;
        }
    }
    Ok(DeleteMaterialFromProjectData::default())
}

pub(super) fn describe_project_materials(
    svc: &Emulation,
    ctx: &Context,
    r: DescribeProjectMaterialsRequest,
) -> Result<DescribeProjectMaterialsData, Failure> {
    let p = svc.platform(ctx)?;
    let found = project(&p, ctx, &r.project_id)?;
    let mut data = DescribeProjectMaterialsData::default();
    data.material_id_set = found.material_ids.clone();
    Ok(data)
}

pub(super) fn delete_project(
    svc: &Emulation,
    ctx: &Context,
    r: DeleteProjectRequest,
) -> Result<DeleteProjectData, Failure> {
    let mut p = svc.platform(ctx)?;
    project(&p, ctx, &r.project_id)?;
    p.projects.remove(&r.project_id);
    Ok(DeleteProjectData::default())
}

pub(super) fn modify_project(
    svc: &Emulation,
    ctx: &Context,
    r: ModifyProjectRequest,
) -> Result<ModifyProjectData, Failure> {
    let mut p = svc.platform(ctx)?;
    let category = project(&p, ctx, &r.project_id)?.category.clone();
    if let Some(name) = &r.name {
        if name.trim().is_empty() {
            return Err(Failure::new(ErrorCode::InvalidParameterValueName).detail("Name is empty"));
        }
    }
    if let Some(switcher) = &r.switcher_info {
        if category != ProjectCategory::Switcher.as_str() {
            return Err(bad_value(format!(
                "SwitcherInfo is only for Switcher projects, not {category}"
            )));
        }
        check_stop_time(switcher.stop_time.as_deref(), "SwitcherInfo.StopTime")?;
        if let Some(config) = &switcher.pgm_output_config {
            if let Some(id) = config.template_id.filter(|id| !PGM_TEMPLATES.contains(id)) {
                return Err(bad_value(format!(
                    "SwitcherInfo.PgmOutputConfig.TemplateId {id} is not 10001, 10002 or 10003"
                )));
            }
            let sizes = [
                ("Width", config.width),
                ("Height", config.height),
                ("Fps", config.fps),
                ("BitRate", config.bit_rate),
            ];
            if let Some((field, value)) = sizes.iter().find(|(_, v)| v.is_some_and(|v| v <= 0)) {
                return Err(bad_value(format!(
                    "SwitcherInfo.PgmOutputConfig.{field} {} must be positive",
                    value.unwrap_or_default()
                )));
            }
        }
    }
    if let Some(stream) = &r.stream_connect_info {
        if category != ProjectCategory::StreamConnect.as_str() {
            return Err(bad_value(format!(
                "StreamConnectInfo is only for StreamConnect projects, not {category}"
            )));
        }
        check_stop_time(stream.stop_time.as_deref(), "StreamConnectInfo.StopTime")?;
    }
    let now = ctx.unix_secs();
    if let Some(found) = p.projects.get_mut(&r.project_id) {
        if let Some(name) = r.name {
            found.name = name;
        }
        if let Some(description) = r.description {
            found.description = Some(description);
        }
        if let Some(cover_url) = r.cover_url {
            found.cover_url = Some(cover_url);
        }
        if let Some(source) = r.cover_source {
            found.cover_source = Some(source.as_str().to_owned());
        }
        if let Some(ratio) = r.wh_ratio {
            found.wh_ratio = Some(ratio.as_str().to_owned());
        }
        found.update_time = now;
    }
    Ok(ModifyProjectData::default())
}

fn check_stop_time(stop_time: Option<&str>, field: &str) -> Result<(), Failure> {
    match stop_time {
        Some(text) if parse_iso8601(text).is_none() => Err(bad_value(format!(
            "{field} {text:?} is not an ISO 8601 time"
        ))),
        _ => Ok(()),
    }
}

/// The projects the user may see that pass `keep`, sorted and counted.
fn visible<'a>(
    p: &'a Platform,
    ctx: &Context,
    keep: impl Fn(&Project) -> bool,
) -> Vec<&'a Project> {
    p.projects
        .values()
        .filter(|pr| p.can_access(&ctx.user_id, &pr.owner) && keep(pr))
        .collect()
}

fn category_filter(categories: Option<&[ProjectCategory]>, project: &Project) -> bool {
    categories
        .is_none_or(|set| set.is_empty() || set.iter().any(|c| c.as_str() == project.category))
}

fn name_filter(name: Option<&str>, project: &Project) -> bool {
    name.is_none_or(|n| project.name.to_lowercase().contains(&n.to_lowercase()))
}

pub(super) fn describe_projects(
    svc: &Emulation,
    ctx: &Context,
    r: DescribeProjectsRequest,
) -> Result<DescribeProjectsData, Failure> {
    let sort = sort_of(r.sort.as_ref(), &["CreateTime", "UpdateTime"])?;
    let p = svc.platform(ctx)?;
    let ids = r.project_ids.filter(|ids| !ids.is_empty());
    if let Some(ids) = &ids {
        for id in ids {
            let found = p
                .projects
                .get(id)
                .ok_or_else(|| not_found(format!("project {id}")))?;
            if !p.can_access(&ctx.user_id, &found.owner) {
                return Err(denied(format!("project {id} belongs to {}", found.owner)));
            }
        }
    }
    let mut found = visible(&p, ctx, |pr| {
        ids.as_ref().is_none_or(|ids| ids.contains(&pr.project_id))
            && category_filter(r.category.as_ref().map(std::slice::from_ref), pr)
            && name_filter(r.name.as_deref(), pr)
    });
    sort.order(&mut found, |pr| (pr.create_time, pr.update_time, pr.seq));
    let (offset, limit) = page(r.offset, r.limit, LIST_LIMIT);
    let mut data = DescribeProjectsData::default();
    data.total_count = Some(found.len() as i64);
    data.project_info_set = paged(found, offset, limit)
        .into_iter()
        .map(convert::project_info)
        .collect();
    Ok(data)
}

pub(super) fn search_project(
    svc: &Emulation,
    ctx: &Context,
    r: SearchProjectRequest,
) -> Result<SearchProjectData, Failure> {
    let name = r.name.as_deref().map(str::trim).filter(|n| !n.is_empty());
    let categories = r.category_set.as_deref().filter(|c| !c.is_empty());
    if name.is_none() && categories.is_none() {
        return Err(documented_bad_value("param lack of CategorySet or Name"));
    }
    let sort = sort_of(r.sort.as_ref(), &["CreateTime", "UpdateTime"])?;
    let p = svc.platform(ctx)?;
    let mut found = visible(&p, ctx, |pr| {
        category_filter(categories, pr) && name_filter(name, pr)
    });
    sort.order(&mut found, |pr| (pr.create_time, pr.update_time, pr.seq));
    let (offset, limit) = page(r.offset, r.limit, LIST_LIMIT);
    let mut data = SearchProjectData::default();
    data.total_count = Some(found.len() as i64);
    data.project_basic_info_set = paged(found, offset, limit)
        .into_iter()
        .map(convert::project_basic_info)
        .collect();
    Ok(data)
}
