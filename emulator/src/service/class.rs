//! Classes: a tree per owner under its root class.

use cme_sdk::material::{
    CreateClassData, CreateClassRequest, DeleteClassData, DeleteClassRequest, DescribeClassData,
    DescribeClassRequest, ModifyClassData, ModifyClassRequest,
};
use cme_sdk::ErrorCode;

use super::{check_owner, check_platform, convert, no_class, owner_of, Emulation};
use crate::dispatch::{Context, Failure};
use crate::state::{Owner, Platform};

/// Most characters of a class name (the server docs' `NameLenLimt`).
const NAME_MAX: usize = 30;

/// Checks a class name: not blank, no `/`, at most [`NAME_MAX`] characters.
fn check_name(name: &str) -> Result<(), Failure> {
    if name.trim().is_empty() {
        return Err(
            Failure::new(ErrorCode::InvalidParameterValueName).detail("class name is empty")
        );
    }
    if name.contains('/') {
        return Err(Failure::new(ErrorCode::InvalidParameterValueName)
            .detail("class name must not contain '/'"));
    }
    if name.chars().count() > NAME_MAX {
        return Err(Failure::new(ErrorCode::InvalidParameterValueNameLenLimt)
            .detail(format!("class name is longer than {NAME_MAX} characters")));
    }
    Ok(())
}

/// Refuses a name already used by a sub-class of `parent` (other than `except`).
fn check_unique(p: &Platform, parent: i64, name: &str, except: Option<i64>) -> Result<(), Failure> {
    if p.children(parent)
        .iter()
        .any(|c| c.name == name && Some(c.class_id) != except)
    {
        return Err(Failure::new(ErrorCode::InvalidParameterValueClassExist)
            .detail(format!("class exists: {}/{name}", p.class_path(parent))));
    }
    Ok(())
}

/// A class of `owner`, or `ClassNotExist`.
fn owned_class(p: &Platform, owner: &Owner, class_id: i64) -> Result<(), Failure> {
    match p.classes.get(&class_id) {
        Some(class) if &class.owner == owner => Ok(()),
        _ => Err(no_class(class_id)),
    }
}

pub(super) fn create_class(
    svc: &Emulation,
    ctx: &Context,
    r: CreateClassRequest,
) -> Result<CreateClassData, Failure> {
    let owner = owner_of(&r.owner, "Owner")?;
    let mut p = svc.platform(ctx)?;
    check_owner(&p, ctx, &owner)?;
    owned_class(&p, &owner, r.parent_class_id)?;
    check_name(&r.name)?;
    check_unique(&p, r.parent_class_id, &r.name, None)?;
    let class_id = p.insert_class(owner, r.name, Some(r.parent_class_id), ctx.unix_secs());
    let mut data = CreateClassData::default();
    data.class_id = class_id;
    Ok(data)
}

pub(super) fn delete_class(
    svc: &Emulation,
    ctx: &Context,
    r: DeleteClassRequest,
) -> Result<DeleteClassData, Failure> {
    let owner = owner_of(&r.owner, "Owner")?;
    let mut p = svc.platform(ctx)?;
    check_owner(&p, ctx, &owner)?;
    owned_class(&p, &owner, r.class_id)?;
    let class = p
        .classes
        .get(&r.class_id)
        .ok_or_else(|| no_class(r.class_id))?;
    if class.parent.is_none() {
        return Err(
            Failure::new(ErrorCode::OperationDenied).detail("the root class cannot be deleted")
        );
    }
    let has_children = !p.children(r.class_id).is_empty();
    let has_media = p.materials.values().any(|m| m.class_id == r.class_id);
    if has_children || has_media {
        return Err(
            Failure::new(ErrorCode::InvalidParameterValueClassNotEmpty).detail(format!(
                "class not empty: {} has {}",
                r.class_id,
                if has_children { "sub-classes" } else { "media" }
            )),
        );
    }
    p.classes.remove(&r.class_id);
    Ok(DeleteClassData::default())
}

pub(super) fn describe_class(
    svc: &Emulation,
    ctx: &Context,
    r: DescribeClassRequest,
) -> Result<DescribeClassData, Failure> {
    check_platform(&svc.store, ctx, r.platform.as_deref(), "Platform")?;
    let owner = owner_of(&r.owner, "Owner")?;
    let mut p = svc.platform(ctx)?;
    check_owner(&p, ctx, &owner)?;
    let first_level = r.first_level.unwrap_or(false);
    let mut data = DescribeClassData::default();
    match r.base_class_id.unwrap_or(-1) {
        -1 => {
            let root = p.root_of(&owner, ctx.unix_secs());
            let mut classes = vec![root];
            if !first_level {
                classes.extend(p.descendants(root).iter().map(|c| c.class_id));
            }
            data.class_info_set = classes
                .iter()
                .filter_map(|id| p.classes.get(id))
                .map(|c| convert::class_info(&p, c))
                .collect();
        }
        base => {
            owned_class(&p, &owner, base)?;
            let classes = if first_level {
                p.children(base)
            } else {
                p.descendants(base)
            };
            data.class_info_set = classes.iter().map(|c| convert::class_info(&p, c)).collect();
            data.path_info_set = p
                .path_to(base)
                .iter()
                .map(|c| convert::class_info(&p, c))
                .collect();
        }
    }
    Ok(data)
}

pub(super) fn modify_class(
    svc: &Emulation,
    ctx: &Context,
    r: ModifyClassRequest,
) -> Result<ModifyClassData, Failure> {
    let owner = owner_of(&r.owner, "Owner")?;
    let mut p = svc.platform(ctx)?;
    check_owner(&p, ctx, &owner)?;
    owned_class(&p, &owner, r.class_id)?;
    let (current_name, current_parent) = match p.classes.get(&r.class_id) {
        Some(class) => (class.name.clone(), class.parent),
        None => return Err(no_class(r.class_id)),
    };
    let Some(current_parent) = current_parent else {
        return Err(Failure::new(ErrorCode::OperationDenied)
            .detail("the root class cannot be renamed or moved"));
    };
    let parent = match r.parent_class_id {
        Some(parent) => {
            if !matches!(p.classes.get(&parent), Some(c) if c.owner == owner) {
                return Err(
                    Failure::new(ErrorCode::InvalidParameterValueDstClassPathNotExist)
                        .detail(format!("destination class not exist: {parent}")),
                );
            }
            if p.is_within(parent, r.class_id) {
                return Err(
                    Failure::new(ErrorCode::InvalidParameterValueClassPath).detail(format!(
                        "class {} cannot move into itself or its sub-class {parent}",
                        r.class_id
                    )),
                );
            }
            parent
        }
        None => current_parent,
    };
    let name = match &r.name {
        Some(name) => {
            check_name(name)?;
            name.clone()
        }
        None => current_name,
    };
    check_unique(&p, parent, &name, Some(r.class_id))?;
    if let Some(class) = p.classes.get_mut(&r.class_id) {
        class.name = name;
        class.parent = Some(parent);
    }
    Ok(ModifyClassData::default())
}
