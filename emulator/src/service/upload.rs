//! Uploads: `CreateUploadMaterial` checks the `Upload` signature, hands out a one-time context and
//! a real `VodUploadSign` for it (made with the emulator's VOD key, naming the platform's VOD
//! sub-application and the context), and answers `QuickUpload: true` when the platform already
//! has a file whose first 10 MiB hash to the `UploadSummaryKey`. The bytes go to VOD in between
//! (see the `vod` module). `FinishUploadMaterial` turns the context into a medium: from the VOD
//! file the upload committed (`VodFileId`, its `VodVerifyKey` and `UploadFullKey` checked when
//! sent), or, after a quick upload, from the file whose whole bytes hash to `UploadFullKey`.

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
use crate::signature::VodKeys;
use crate::state::{Material, Platform, Upload, VodFile};

/// The media types an upload may create.
const UPLOADABLE: &[&str] = &["VIDEO", "AUDIO", "IMAGE", "STICKER", "EFFECT_VIDEO"];

/// How `CreateUploadMaterial` makes VOD upload signatures.
#[derive(Debug, Clone)]
pub struct UploadSigning {
    pub(crate) keys: VodKeys,
    /// Validity of a `VodUploadSign`, seconds.
    pub(crate) lifetime: i64,
    /// Whether they are one-time signatures (`oneTimeValid=1`).
    pub(crate) one_time: bool,
}

/// Checks a hex SHA-1 sent as `field`; returns it in lower case.
fn sha1_hex(value: &str, field: &str) -> Result<String, Failure> {
    if value.len() == 40 && value.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(value.to_ascii_lowercase())
    } else {
        Err(bad_value(format!(
            "{field} {value:?} is not a SHA-1 (40 hex digits)"
        )))
    }
}

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
    let summary_key = r
        .upload_summary_key
        .as_deref()
        .map(|k| sha1_hex(k, "UploadSummaryKey"))
        .transpose()?;
    let mut p = svc.platform(ctx)?;
    check_owner(&p, ctx, &owner)?;
    match p.classes.get(&r.class_id) {
        Some(class) if class.owner == owner => {}
        _ => return Err(no_class(r.class_id)),
    }
    svc.check_sign(ctx, r.verify_sign.as_deref(), Some(SignAction::Upload))?;
    let context = ids::upload_context();
    let quick = summary_key
        .as_deref()
        .is_some_and(|k| p.vod_file_by_summary(k).is_some());
    let signing = &svc.upload_signing;
    let mut extra = vec![
        ("vodSubAppId", p.vod_app.sub_app_id.to_string()),
        ("sourceContext", context.clone()),
    ];
    if signing.one_time {
        extra.push(("oneTimeValid", "1".to_owned()));
    }
    let vod_upload_sign = signing
        .keys
        .signer
        .mint(ctx.unix_secs(), signing.lifetime, &extra);
    p.uploads.insert(
        context.clone(),
        Upload {
            context: context.clone(),
            user_id: ctx.user_id.clone(),
            owner,
            class_id: r.class_id,
            material_type: kind,
            name: r.name,
            tags: r.tag_set.unwrap_or_default(),
            summary_key,
            used: false,
        },
    );
    let mut data = CreateUploadMaterialData::default();
    data.vod_upload_sign = vod_upload_sign;
    data.upload_context = context;
    data.quick_upload = Some(quick);
    Ok(data)
}

/// The VOD file a `FinishUploadMaterial` names, checked: committed for this upload, its
/// `VodVerifyKey` (when sent) sealed by the emulator for that file and not expired, its
/// `UploadFullKey` (when sent) the SHA-1 of its bytes.
fn uploaded_file<'a>(
    svc: &Emulation,
    ctx: &Context,
    p: &'a Platform,
    upload: &Upload,
    file_id: &str,
    r: &FinishUploadMaterialRequest,
) -> Result<&'a VodFile, Failure> {
    let file = p
        .vod_files
        .get(file_id)
        .filter(|f| f.context == upload.context)
        .ok_or_else(|| {
            Failure::new(ErrorCode::InvalidParameterValueVodFileNotExist).detail(format!(
                "vod file not exist: {file_id} was not uploaded with this UploadContext"
            ))
        })?;
    if let Some(key) = r.vod_verify_key.as_deref() {
        let bad = |why: &str| bad_value(format!("VodVerifyKey is not valid: {why}"));
        let plaintext = svc
            .upload_signing
            .keys
            .verify
            .open(key)
            .map_err(|e| bad(&e.to_string()))?;
        let mut exp_time = None;
        let mut signed_file = None;
        for (k, v) in form_urlencoded::parse(plaintext.as_bytes()) {
            match k.as_ref() {
                "ExpTime" => exp_time = v.parse::<i64>().ok(),
                "FileId" => signed_file = Some(v.into_owned()),
                _ => {}
            }
        }
        if signed_file.as_deref() != Some(file_id) {
            return Err(bad("it was issued for another file"));
        }
        match exp_time {
            Some(t) if ctx.unix_secs() < t => {}
            Some(_) => return Err(bad("it expired")),
            None => return Err(bad("it has no ExpTime")),
        }
    }
    if let Some(full) = r.upload_full_key.as_deref() {
        if sha1_hex(full, "UploadFullKey")? != file.sha1 {
            return Err(bad_value(format!(
                "UploadFullKey {full} is not the SHA-1 of the uploaded file"
            )));
        }
    }
    Ok(file)
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
    let file_id = r.vod_file_id.as_deref().filter(|id| !id.trim().is_empty());
    let file = match (file_id, r.upload_full_key.as_deref()) {
        (Some(file_id), _) => uploaded_file(svc, ctx, &p, &upload, file_id, &r)?,
        // a quick upload: no bytes moved, the platform has a file with these keys
        (None, Some(full)) => {
            let full = sha1_hex(full, "UploadFullKey")?;
            p.vod_file_by_keys(&full, upload.summary_key.as_deref())
                .ok_or_else(|| {
                    Failure::new(ErrorCode::InvalidParameterValueVodFileId).detail(format!(
                        "VodFileId is empty and no file of the platform has UploadFullKey {full}{}: upload the file to VOD",
                        if upload.summary_key.is_some() { " and this UploadSummaryKey" } else { "" }
                    ))
                })?
        }
        (None, None) => {
            return Err(Failure::new(ErrorCode::InvalidParameterValueVodFileId)
                .detail("VodFileId is empty"))
        }
    }
    .clone();
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
    p.materials.insert(
        material_id.clone(),
        Material {
            material_id: material_id.clone(),
            owner: upload.owner,
            class_id: upload.class_id,
            material_type: upload.material_type,
            name: upload.name,
            tags: upload.tags,
            preset_tag_ids: Vec::new(),
            facts: file.facts,
            vod_file_id: Some(file.file_id),
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
