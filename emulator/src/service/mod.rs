//! The emulator's implementation of the generated [`Service`]: one function per action, grouped
//! per ActionClass, over the in-memory [`Store`].
//!
//! Rules shared by every action:
//! - A user may see and change what their own person owns and what the teams they are a member
//!   of own (any role); anything else is `OperationDenied.PermissionDeny`.
//! - A `Platform` field must be the ticket's platform.
//! - An action checks everything before it changes anything.
//! - `Limit: 0` means the default page size.

mod class;
mod convert;
mod frame;
mod material;
mod project;
mod task;
mod team;
mod upload;

pub(crate) use upload::UploadSigning;

use std::sync::{Arc, MutexGuard};
use std::time::Duration;

use cme_sdk::material as m;
use cme_sdk::project as p;
use cme_sdk::task as t;
use cme_sdk::team as tm;
use cme_sdk::types::{Entity, EntityType, SortBy, SortOrder};
use cme_sdk::{ErrorCode, SignAction, Verifier};

use crate::dispatch::{Context, Failure};
use crate::generated::service::Service;
use crate::state::{Material, Owner, Platform, Store};

/// The emulated service: the store plus what the actions need to know.
#[derive(Debug)]
pub struct Emulation {
    store: Arc<Store>,
    verifier: Verifier,
    task_duration: Duration,
    upload_signing: UploadSigning,
}

impl Emulation {
    /// A service over `store`, checking `VerifySign` signatures with `verifier`, running
    /// processing tasks for `task_duration`, and making VOD upload signatures as
    /// `upload_signing` says.
    pub(crate) fn new(
        store: Arc<Store>,
        verifier: Verifier,
        task_duration: Duration,
        upload_signing: UploadSigning,
    ) -> Self {
        Self {
            store,
            verifier,
            task_duration,
            upload_signing,
        }
    }

    /// Locks the ticket's platform, registers the user if new and applies finished tasks.
    fn platform(&self, ctx: &Context) -> Result<MutexGuard<'_, Platform>, Failure> {
        let mut platform = self.store.lock(&ctx.platform).ok_or_else(|| {
            Failure::new(ErrorCode::InvalidParameterValuePlatform).detail("platform not exist")
        })?;
        platform.ensure_user(&ctx.user_id, ctx.unix_secs());
        platform.settle(ctx.unix_millis());
        Ok(platform)
    }

    /// Checks a `VerifySign` signature: valid, of `action` when given, and for the ticket's
    /// platform and user.
    fn check_sign(
        &self,
        ctx: &Context,
        sign: Option<&str>,
        action: Option<SignAction>,
    ) -> Result<(), Failure> {
        let sign = required(sign, "VerifySign")?;
        let now = u64::try_from(ctx.unix_secs()).unwrap_or(0);
        let sign = sign.replace(' ', "+");
        let claims = self.verifier.verify(&sign, action, now).map_err(|e| {
            let (code, detail) = crate::signature::verify_refusal(&e);
            Failure::new(code).detail(format!("VerifySign: {detail}"))
        })?;
        if claims.platform != ctx.platform || claims.user_id != ctx.user_id {
            return Err(Failure::new(ErrorCode::AuthFailureSignatureFailure).detail(format!(
                "VerifySign: signature failure: signed for user {} on platform {}, not the ticket's",
                claims.user_id, claims.platform
            )));
        }
        Ok(())
    }
}

/// `OperationDenied.PermissionDeny` with a detail.
fn denied(detail: impl Into<String>) -> Failure {
    Failure::new(ErrorCode::OperationDeniedPermissionDeny)
        .detail(format!("permission denied: {}", detail.into()))
}

/// `InvalidParameterValue` with a detail.
fn bad_value(detail: impl Into<String>) -> Failure {
    Failure::new(ErrorCode::InvalidParameterValue).detail(detail)
}

/// `InvalidParameterValue` with a detail the docs show for it.
fn documented_bad_value(detail: &'static str) -> Failure {
    Failure::new(ErrorCode::InvalidParameterValue).documented_detail(detail)
}

/// `InvalidParameterValue.ClassNotExist` for a class.
fn no_class(class_id: i64) -> Failure {
    Failure::new(ErrorCode::InvalidParameterValueClassNotExist)
        .detail(format!("class not exist: {class_id}"))
}

/// `ResourceNotFound` with a detail.
fn not_found(detail: impl std::fmt::Display) -> Failure {
    Failure::new(ErrorCode::ResourceNotFound).detail(format!("resource not found : {detail}"))
}

/// The owner an `Entity` names.
fn owner_of(entity: &Entity, field: &str) -> Result<Owner, Failure> {
    if entity.id.is_empty() {
        return Err(Failure::new(ErrorCode::InvalidParameterValueOwnerId)
            .detail(format!("{field}.Id is empty")));
    }
    match &entity.kind {
        EntityType::Person => Ok(Owner::Person(entity.id.clone())),
        EntityType::Team => Ok(Owner::Team(entity.id.clone())),
        other => Err(
            Failure::new(ErrorCode::InvalidParameterValueOwnerType).detail(format!(
                "{field}.Type {} is not supported: use PERSON or TEAM",
                other.as_str()
            )),
        ),
    }
}

/// Checks that the user may act for `owner`.
fn check_owner(p: &Platform, ctx: &Context, owner: &Owner) -> Result<(), Failure> {
    if let Owner::Team(team) = owner {
        if !p.teams.contains_key(team) {
            return Err(Failure::new(ErrorCode::InvalidParameterValueTeamNotExist)
                .detail(format!("team not exist: {team}")));
        }
    }
    if p.can_access(&ctx.user_id, owner) {
        Ok(())
    } else {
        Err(denied(format!(
            "user {} may not access {owner}",
            ctx.user_id
        )))
    }
}

/// A required field that the request types hold as an `Option` (the SDK fills it when the
/// caller does not); validation refuses its absence first, this is the last guard.
fn required<'a>(value: Option<&'a str>, field: &str) -> Result<&'a str, Failure> {
    value.ok_or_else(|| {
        Failure::new(ErrorCode::MissingParameter).detail(format!("missing parameter {field}"))
    })
}

/// Checks a `Platform` field against the ticket's platform.
fn check_platform(
    store: &Store,
    ctx: &Context,
    platform: Option<&str>,
    field: &str,
) -> Result<(), Failure> {
    let platform = required(platform, field)?;
    if platform == ctx.platform {
        Ok(())
    } else if store.has_platform(platform) {
        Err(denied(format!(
            "{field} {platform} is not the ticket's platform"
        )))
    } else {
        Err(Failure::new(ErrorCode::InvalidParameterValuePlatform)
            .detail(format!("platform not exist: {platform}")))
    }
}

/// A medium the user may access.
fn material<'a>(p: &'a Platform, ctx: &Context, id: &str) -> Result<&'a Material, Failure> {
    let found = p.materials.get(id).ok_or_else(|| {
        Failure::new(ErrorCode::InvalidParameterValueMaterialId)
            .detail(format!("material not exist: {id}"))
    })?;
    if p.can_access(&ctx.user_id, &found.owner) {
        Ok(found)
    } else {
        Err(denied(format!("medium {id} belongs to {}", found.owner)))
    }
}

/// Offset and page size of a request (`Limit` 0 or absent: `default`).
fn page(offset: Option<i64>, limit: Option<i64>, default: i64) -> (usize, usize) {
    let offset = usize::try_from(offset.unwrap_or(0)).unwrap_or(0);
    let limit = match limit {
        Some(l) if l > 0 => l,
        _ => default,
    };
    (offset, usize::try_from(limit).unwrap_or(0))
}

/// Takes one page of `items`.
fn paged<T>(items: Vec<T>, offset: usize, limit: usize) -> Vec<T> {
    items.into_iter().skip(offset).take(limit).collect()
}

/// A sort order: by creation time (the default) or update time, newest first by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Sort {
    by_update: bool,
    ascending: bool,
}

/// Reads a `Sort` whose `Field` may be one of `fields` (`CreateTime`, `UpdateTime`).
fn sort_of(sort: Option<&SortBy>, fields: &[&str]) -> Result<Sort, Failure> {
    let Some(sort) = sort else {
        return Ok(Sort {
            by_update: false,
            ascending: false,
        });
    };
    if !fields.contains(&sort.field.as_str()) {
        return Err(
            Failure::new(ErrorCode::InvalidParameterValue).detail(format!(
                "Sort.Field {:?} is not supported: use {}",
                sort.field,
                fields.join(" or ")
            )),
        );
    }
    Ok(Sort {
        by_update: sort.field == "UpdateTime",
        ascending: matches!(sort.order, Some(SortOrder::Asc)),
    })
}

impl Sort {
    /// Orders by (create time, update time, insertion order) as chosen.
    fn order<T>(self, items: &mut [T], key: impl Fn(&T) -> (i64, i64, u64)) {
        items.sort_by(|a, b| {
            let (ca, ua, sa) = key(a);
            let (cb, ub, sb) = key(b);
            let ord = if self.by_update {
                (ua, sa).cmp(&(ub, sb))
            } else {
                (ca, sa).cmp(&(cb, sb))
            };
            if self.ascending {
                ord
            } else {
                ord.reverse()
            }
        });
    }
}

impl Service for Emulation {
    fn delete_material(
        &self,
        ctx: &Context,
        r: m::DeleteMaterialRequest,
    ) -> Result<m::DeleteMaterialData, Failure> {
        material::delete_material(self, ctx, r)
    }
    fn modify_material(
        &self,
        ctx: &Context,
        r: m::ModifyMaterialRequest,
    ) -> Result<m::ModifyMaterialData, Failure> {
        material::modify_material(self, ctx, r)
    }
    fn list_media(
        &self,
        ctx: &Context,
        r: m::ListMediaRequest,
    ) -> Result<m::ListMediaData, Failure> {
        material::list_media(self, ctx, r)
    }
    fn describe_materials(
        &self,
        ctx: &Context,
        r: m::DescribeMaterialsRequest,
    ) -> Result<m::DescribeMaterialsData, Failure> {
        material::describe_materials(self, ctx, r)
    }
    fn search_material(
        &self,
        ctx: &Context,
        r: m::SearchMaterialRequest,
    ) -> Result<m::SearchMaterialData, Failure> {
        material::search_material(self, ctx, r)
    }
    fn process_material(
        &self,
        ctx: &Context,
        r: m::ProcessMaterialRequest,
    ) -> Result<m::ProcessMaterialData, Failure> {
        frame::process_material(self, ctx, r)
    }
    fn search_shared_material(
        &self,
        ctx: &Context,
        r: m::SearchSharedMaterialRequest,
    ) -> Result<m::SearchSharedMaterialData, Failure> {
        material::search_shared_material(self, ctx, r)
    }
    fn add_material_frame_tag(
        &self,
        ctx: &Context,
        r: m::AddMaterialFrameTagRequest,
    ) -> Result<m::AddMaterialFrameTagData, Failure> {
        frame::add_material_frame_tag(self, ctx, r)
    }
    fn modify_material_frame_tag(
        &self,
        ctx: &Context,
        r: m::ModifyMaterialFrameTagRequest,
    ) -> Result<m::ModifyMaterialFrameTagData, Failure> {
        frame::modify_material_frame_tag(self, ctx, r)
    }
    fn delete_material_frame_tag(
        &self,
        ctx: &Context,
        r: m::DeleteMaterialFrameTagRequest,
    ) -> Result<m::DeleteMaterialFrameTagData, Failure> {
        frame::delete_material_frame_tag(self, ctx, r)
    }
    fn describe_material_frame_tag(
        &self,
        ctx: &Context,
        r: m::DescribeMaterialFrameTagRequest,
    ) -> Result<m::DescribeMaterialFrameTagData, Failure> {
        frame::describe_material_frame_tag(self, ctx, r)
    }
    fn describe_face_in_material(
        &self,
        ctx: &Context,
        r: m::DescribeFaceInMaterialRequest,
    ) -> Result<m::DescribeFaceInMaterialData, Failure> {
        frame::describe_face_in_material(self, ctx, r)
    }
    fn describe_material_subtitle(
        &self,
        ctx: &Context,
        r: m::DescribeMaterialSubtitleRequest,
    ) -> Result<m::DescribeMaterialSubtitleData, Failure> {
        frame::describe_material_subtitle(self, ctx, r)
    }
    fn describe_text_in_material(
        &self,
        ctx: &Context,
        r: m::DescribeTextInMaterialRequest,
    ) -> Result<m::DescribeTextInMaterialData, Failure> {
        frame::describe_text_in_material(self, ctx, r)
    }
    fn describe_object_in_material(
        &self,
        ctx: &Context,
        r: m::DescribeObjectInMaterialRequest,
    ) -> Result<m::DescribeObjectInMaterialData, Failure> {
        frame::describe_object_in_material(self, ctx, r)
    }
    fn create_class(
        &self,
        ctx: &Context,
        r: m::CreateClassRequest,
    ) -> Result<m::CreateClassData, Failure> {
        class::create_class(self, ctx, r)
    }
    fn delete_class(
        &self,
        ctx: &Context,
        r: m::DeleteClassRequest,
    ) -> Result<m::DeleteClassData, Failure> {
        class::delete_class(self, ctx, r)
    }
    fn describe_class(
        &self,
        ctx: &Context,
        r: m::DescribeClassRequest,
    ) -> Result<m::DescribeClassData, Failure> {
        class::describe_class(self, ctx, r)
    }
    fn modify_class(
        &self,
        ctx: &Context,
        r: m::ModifyClassRequest,
    ) -> Result<m::ModifyClassData, Failure> {
        class::modify_class(self, ctx, r)
    }
    fn create_upload_material(
        &self,
        ctx: &Context,
        r: m::CreateUploadMaterialRequest,
    ) -> Result<m::CreateUploadMaterialData, Failure> {
        upload::create_upload_material(self, ctx, r)
    }
    fn finish_upload_material(
        &self,
        ctx: &Context,
        r: m::FinishUploadMaterialRequest,
    ) -> Result<m::FinishUploadMaterialData, Failure> {
        upload::finish_upload_material(self, ctx, r)
    }
    fn add_material_to_project(
        &self,
        ctx: &Context,
        r: p::AddMaterialToProjectRequest,
    ) -> Result<p::AddMaterialToProjectData, Failure> {
        project::add_material_to_project(self, ctx, r)
    }
    fn delete_material_from_project(
        &self,
        ctx: &Context,
        r: p::DeleteMaterialFromProjectRequest,
    ) -> Result<p::DeleteMaterialFromProjectData, Failure> {
        project::delete_material_from_project(self, ctx, r)
    }
    fn describe_project_materials(
        &self,
        ctx: &Context,
        r: p::DescribeProjectMaterialsRequest,
    ) -> Result<p::DescribeProjectMaterialsData, Failure> {
        project::describe_project_materials(self, ctx, r)
    }
    fn delete_project(
        &self,
        ctx: &Context,
        r: p::DeleteProjectRequest,
    ) -> Result<p::DeleteProjectData, Failure> {
        project::delete_project(self, ctx, r)
    }
    fn modify_project(
        &self,
        ctx: &Context,
        r: p::ModifyProjectRequest,
    ) -> Result<p::ModifyProjectData, Failure> {
        project::modify_project(self, ctx, r)
    }
    fn describe_projects(
        &self,
        ctx: &Context,
        r: p::DescribeProjectsRequest,
    ) -> Result<p::DescribeProjectsData, Failure> {
        project::describe_projects(self, ctx, r)
    }
    fn search_project(
        &self,
        ctx: &Context,
        r: p::SearchProjectRequest,
    ) -> Result<p::SearchProjectData, Failure> {
        project::search_project(self, ctx, r)
    }
    fn describe_tasks(
        &self,
        ctx: &Context,
        r: t::DescribeTasksRequest,
    ) -> Result<t::DescribeTasksData, Failure> {
        task::describe_tasks(self, ctx, r)
    }
    fn delete_task(
        &self,
        ctx: &Context,
        r: t::DeleteTaskRequest,
    ) -> Result<t::DeleteTaskData, Failure> {
        task::delete_task(self, ctx, r)
    }
    fn describe_teams(
        &self,
        ctx: &Context,
        r: tm::DescribeTeamsRequest,
    ) -> Result<tm::DescribeTeamsData, Failure> {
        team::describe_teams(self, ctx, r)
    }
    fn describe_join_teams(
        &self,
        ctx: &Context,
        r: tm::DescribeJoinTeamsRequest,
    ) -> Result<tm::DescribeJoinTeamsData, Failure> {
        team::describe_join_teams(self, ctx, r)
    }
}
