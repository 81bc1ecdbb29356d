//! Uploads: `CreateUploadMaterial` checks the `Upload` signature and hands out a one-time
//! context; `FinishUploadMaterial` turns it into a medium in the chosen class. (The file itself
//! would go to VOD in between; the emulator derives the new medium's facts from the VOD file ID.)

use std::collections::BTreeSet;

use cme_sdk::material::{
    CreateUploadMaterialData, CreateUploadMaterialRequest, FinishUploadMaterialData,
    FinishUploadMaterialRequest,
};
use cme_sdk::{ErrorCode, SignAction};

use super::material::check_name;
use super::{bad_value, check_owner, no_class, owner_of, Emulation};
use crate::dispatch::{Context, Failure};
use crate::ids;
use crate::state::sample;
use crate::state::{Material, Upload};

/// The media types an upload may create.
const UPLOADABLE: &[&str] = &["VIDEO", "AUDIO", "IMAGE", "STICKER", "EFFECT_VIDEO"];

pub(super) fn create_upload_material(
    svc: &Emulation,
    ctx: &Context,
    r: CreateUploadMaterialRequest,
) -> Result<CreateUploadMaterialData, Failure> {
    let owner = owner_of(&r.owner, "Owner")?;
    let kind = r.material_type.as_str().to_owned();
    if !UPLOADABLE.contains(&kind.as_str()) {
        return Err(bad_value(format!(
            "MaterialType {kind} cannot be uploaded: use {}",
            UPLOADABLE.join(", ")
        )));
    }
    check_name(&r.name)?;
    let mut p = svc.platform(ctx)?;
    check_owner(&p, ctx, &owner)?;
    match p.classes.get(&r.class_id) {
        Some(class) if class.owner == owner => {}
        _ => return Err(no_class(r.class_id)),
    }
    svc.check_sign(ctx, r.verify_sign.as_deref(), Some(SignAction::Upload))?;
    let context = ids::upload_context();
    p.uploads.insert(
        context.clone(),
        Upload {
            context: context.clone(),
            user_id: ctx.user_id.clone(),
            owner,
            class_id: r.class_id,
            material_type: kind,
            name: r.name,
            used: false,
        },
    );
    let mut data = CreateUploadMaterialData::default();
    data.vod_upload_sign = sample::vod_upload_sign(&context);
    data.upload_context = context;
    Ok(data)
}

pub(super) fn finish_upload_material(
    svc: &Emulation,
    ctx: &Context,
    r: FinishUploadMaterialRequest,
) -> Result<FinishUploadMaterialData, Failure> {
    let mut p = svc.platform(ctx)?;
    let invalid = |detail: &str| {
        Failure::new(ErrorCode::InvalidParameterValueUploadContext).detail(detail.to_owned())
    };
    let upload = match p.uploads.get(&r.upload_context) {
        Some(u) if u.user_id == ctx.user_id => u.clone(),
        _ => return Err(invalid("invalid upload context")),
    };
    if upload.used {
        return Err(invalid("invalid upload context: already used"));
    }
    let Some(vod_file_id) = r.vod_file_id.filter(|id| !id.trim().is_empty()) else {
        return Err(
            Failure::new(ErrorCode::InvalidParameterValueVodFileId).detail("VodFileId is empty")
        );
    };
    check_owner(&p, ctx, &upload.owner)?;
    if !matches!(p.classes.get(&upload.class_id), Some(c) if c.owner == upload.owner) {
        return Err(no_class(upload.class_id));
    }
    let material_id = loop {
        let id = ids::material_id();
        if !p.materials.contains_key(&id) {
            break id;
        }
    };
    let now = ctx.unix_secs();
    let seq = p.next_seq();
    let facts = sample::uploaded_facts(&vod_file_id, &upload.material_type);
    p.materials.insert(
        material_id.clone(),
        Material {
            material_id: material_id.clone(),
            owner: upload.owner,
            class_id: upload.class_id,
            material_type: upload.material_type,
            name: upload.name,
            tags: Vec::new(),
            preset_tag_ids: Vec::new(),
            facts,
            vod_file_id: Some(vod_file_id),
            create_time: now,
            update_time: now,
            seq,
            frame_tags: None,
            ai_definitions: BTreeSet::new(),
        },
    );
    if let Some(u) = p.uploads.get_mut(&r.upload_context) {
        u.used = true;
    }
    let mut data = FinishUploadMaterialData::default();
    data.material_id = Some(material_id);
    Ok(data)
}
