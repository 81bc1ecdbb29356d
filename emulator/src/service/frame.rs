//! Media processing, frame tags and AI recognition results.
//!
//! `ProcessMaterial` starts a task that runs for the configured task duration. When it succeeds,
//! the medium's AI results (deterministic samples, see [`crate::state::sample`]) can be described, and a
//! full analysis (definition 20) adds AI frame tags. Before, they answer `ResourceNotFound`.
//!
//! Frame tags carry a version, bumped by every change. Adding with `Version: manual` adds a
//! manual tag; any other change must name the current version, or it is refused.

use cme_sdk::material::{
    AddMaterialFrameTagData, AddMaterialFrameTagRequest, DeleteMaterialFrameTagData,
    DeleteMaterialFrameTagRequest, DescribeFaceInMaterialData, DescribeFaceInMaterialRequest,
    DescribeMaterialFrameTagData, DescribeMaterialFrameTagRequest, DescribeMaterialSubtitleData,
    DescribeMaterialSubtitleRequest, DescribeObjectInMaterialData, DescribeObjectInMaterialRequest,
    DescribeTextInMaterialData, DescribeTextInMaterialRequest, ModifyMaterialFrameTagData,
    ModifyMaterialFrameTagRequest, ProcessMaterialData, ProcessMaterialRequest,
};
use cme_sdk::types::{
    FaceInfo, FaceItem, FaceSegmentItem, FaceType, FrameTagInfo, FrameTagItem, ObjectInfo,
    ObjectItem, ObjectSegmentItem, SubtitleInfo, SubtitleItem, TextInfo, TextItem, TextSegmentItem,
};

use super::{bad_value, documented_bad_value, material, not_found, Emulation};
use crate::dispatch::{Context, Failure};
use crate::state::sample::{self, FULL_ANALYSIS, SUBTITLES_ONLY};
use crate::state::{FrameTag, FrameTags, Material, Platform, Task, TaskProgress};
use crate::{ids, time};

/// The `Version` value of a manual frame tag.
const MANUAL: &str = "manual";
/// The version of the AI results.
const AI_VERSION: &str = "1";

pub(super) fn process_material(
    svc: &Emulation,
    ctx: &Context,
    r: ProcessMaterialRequest,
) -> Result<ProcessMaterialData, Failure> {
    let mut p = svc.platform(ctx)?;
    let found = material(&p, ctx, &r.material_id)?;
    let processable = match found.material_type.as_str() {
        "VIDEO" => true,
        "AUDIO" => r.definition == SUBTITLES_ONLY,
        _ => false,
    };
    if !processable {
        return Err(bad_value(format!(
            "medium {} ({}) cannot be processed with definition {}",
            r.material_id, found.material_type, r.definition
        )));
    }
    let owner = found.owner.clone();
    svc.check_sign(ctx, r.verify_sign.as_deref(), None)?;
    let task_id = ids::task_id(svc.store.app_id());
    let seq = p.next_seq();
    p.tasks.insert(
        task_id.clone(),
        Task {
            task_id: task_id.clone(),
            owner,
            task_type: None,
            project_id: None,
            material_id: Some(r.material_id),
            definition: Some(r.definition),
            progress: TaskProgress::Timed {
                start_ms: ctx.unix_millis(),
                duration_ms: time::millis(svc.task_duration),
            },
            applied: false,
            create_time: ctx.unix_secs(),
            seq,
        },
    );
    let mut data = ProcessMaterialData::default();
    data.task_id = task_id;
    Ok(data)
}

/// Checks a time window: finite, not negative, start not after end.
fn check_window(start: f64, end: f64) -> Result<(), Failure> {
    if !start.is_finite() || !end.is_finite() || start < 0.0 || end < 0.0 {
        return Err(bad_value(
            "StartTimeOffset and EndTimeOffset must be finite and not negative",
        ));
    }
    if start > end {
        return Err(documented_bad_value("starttime bigger than endtime"));
    }
    Ok(())
}

/// The frame tag index of a medium the user may access, with its version checked.
fn index_for_change<'a>(
    p: &'a mut Platform,
    ctx: &Context,
    material_id: &str,
    version: &str,
) -> Result<&'a mut FrameTags, Failure> {
    material(p, ctx, material_id)?;
    let index = p
        .materials
        .get_mut(material_id)
        .and_then(|m| m.frame_tags.as_mut())
        .ok_or_else(|| not_found("no frameTag index"))?;
    if version != index.version.to_string() {
        return Err(bad_value(format!(
            "version mismatch: the current frame tag version is {}",
            index.version
        )));
    }
    Ok(index)
}

pub(super) fn add_material_frame_tag(
    svc: &Emulation,
    ctx: &Context,
    r: AddMaterialFrameTagRequest,
) -> Result<AddMaterialFrameTagData, Failure> {
    let mut p = svc.platform(ctx)?;
    let found = material(&p, ctx, &r.material_id)?;
    check_window(r.start_time_offset, r.end_time_offset)?;
    if let Some(duration) = found.facts.duration {
        if r.end_time_offset > duration {
            return Err(bad_value(format!(
                "EndTimeOffset {} is after the end of the medium ({duration} s)",
                r.end_time_offset
            )));
        }
    }
    if r.tags.is_empty() || r.tags.iter().any(|t| t.trim().is_empty()) {
        return Err(bad_value(
            "Tags must hold at least one tag and no empty tag",
        ));
    }
    let current = found.frame_tags.as_ref().map_or(0, |i| i.version);
    let manual = r.version == MANUAL;
    if !manual && r.version != current.to_string() {
        return Err(bad_value(format!(
            "version mismatch: the current frame tag version is {current}, or use {MANUAL}"
        )));
    }
    let item_id = ids::item_id();
    if let Some(m) = p.materials.get_mut(&r.material_id) {
        let index = m.frame_tags.get_or_insert_with(FrameTags::default);
        index.items.push(FrameTag {
            item_id: item_id.clone(),
            start: r.start_time_offset,
            end: r.end_time_offset,
            tags: r.tags,
            manual,
        });
        index.items.sort_by(|a, b| a.start.total_cmp(&b.start));
        index.version += 1;
    }
    let mut data = AddMaterialFrameTagData::default();
    data.item_id = item_id;
    Ok(data)
}

pub(super) fn modify_material_frame_tag(
    svc: &Emulation,
    ctx: &Context,
    r: ModifyMaterialFrameTagRequest,
) -> Result<ModifyMaterialFrameTagData, Failure> {
    let mut p = svc.platform(ctx)?;
    if r.tags.is_empty() || r.tags.iter().any(|t| t.trim().is_empty()) {
        return Err(bad_value(
            "Tags must hold at least one tag and no empty tag",
        ));
    }
    let index = index_for_change(&mut p, ctx, &r.material_id, &r.version)?;
    let item = index
        .items
        .iter_mut()
        .find(|i| i.item_id == r.item_id)
        .ok_or_else(|| not_found(format!("no frameTag item {}", r.item_id)))?;
    item.tags = r.tags;
    index.version += 1;
    Ok(ModifyMaterialFrameTagData::default())
}

pub(super) fn delete_material_frame_tag(
    svc: &Emulation,
    ctx: &Context,
    r: DeleteMaterialFrameTagRequest,
) -> Result<DeleteMaterialFrameTagData, Failure> {
    let mut p = svc.platform(ctx)?;
    let index = index_for_change(&mut p, ctx, &r.material_id, &r.version)?;
    let at = index
        .items
        .iter()
        .position(|i| i.item_id == r.item_id)
        .ok_or_else(|| not_found(format!("no frameTag item {}", r.item_id)))?;
    index.items.remove(at);
    index.version += 1;
    Ok(DeleteMaterialFrameTagData::default())
}

pub(super) fn describe_material_frame_tag(
    svc: &Emulation,
    ctx: &Context,
    r: DescribeMaterialFrameTagRequest,
) -> Result<DescribeMaterialFrameTagData, Failure> {
    let p = svc.platform(ctx)?;
    let found = material(&p, ctx, &r.material_id)?;
    check_window(r.start_time_offset, r.end_time_offset)?;
    let index = found
        .frame_tags
        .as_ref()
        .ok_or_else(|| not_found("no frameTag index"))?;
    let only_manual = r.only_manual.unwrap_or(false);
    let items: Vec<&FrameTag> = index
        .items
        .iter()
        .filter(|i| !only_manual || i.manual)
        .collect();
    let (page, last) = sample::window(&items, |i| i.start, r.start_time_offset, r.end_time_offset);
    let mut info = FrameTagInfo::default();
    info.version = Some(index.version.to_string());
    info.frame_tag_set = page
        .into_iter()
        .map(|i| {
            let mut item = FrameTagItem::default();
            item.item_id = Some(i.item_id.clone());
            item.start_time_offset = Some(i.start);
            item.end_time_offset = Some(i.end);
            item.tags = i.tags.clone();
            item
        })
        .collect();
    info.last_time_offset = Some(last);
    let mut data = DescribeMaterialFrameTagData::default();
    data.frame_tag_info = Some(info);
    Ok(data)
}

/// A medium the user may access whose results of `definitions` are ready, or
/// `ResourceNotFound` naming the missing `index`.
fn analysed<'a>(
    p: &'a Platform,
    ctx: &Context,
    material_id: &str,
    definitions: &[i64],
    index: &str,
) -> Result<&'a Material, Failure> {
    let found = material(p, ctx, material_id)?;
    if definitions.iter().any(|d| found.ai_definitions.contains(d)) {
        Ok(found)
    } else {
        Err(not_found(format!("no {index} index")))
    }
}

/// A `FaceSegmentItem` or an `ObjectSegmentItem` (two reply types with the same fields) from a
/// sample segment.
macro_rules! segment_item {
    ($item:ty, $segment:expr) => {{
        let (start, end, area, confidence) = *$segment;
        let mut item = <$item>::default();
        item.start_time_offset = Some(start);
        item.end_time_offset = Some(end);
        item.area_coord_set = area.to_vec();
        item.confidence = Some(confidence);
        item
    }};
}

pub(super) fn describe_face_in_material(
    svc: &Emulation,
    ctx: &Context,
    r: DescribeFaceInMaterialRequest,
) -> Result<DescribeFaceInMaterialData, Failure> {
    let p = svc.platform(ctx)?;
    let found = analysed(&p, ctx, &r.material_id, &[FULL_ANALYSIS], "face")?;
    let mut info = FaceInfo::default();
    info.version = Some(AI_VERSION.to_owned());
    info.face_set = sample::faces(&found.material_id, found.facts.duration)
        .into_iter()
        .map(|face| {
            let mut item = FaceItem::default();
            item.id = Some(face.id);
            item.name = Some(face.name.to_owned());
            item.kind = Some(FaceType::from(face.kind));
            item.face_url = Some(face.url);
            item.segment_set = face
                .segments
                .iter()
                .map(|s| segment_item!(FaceSegmentItem, s))
                .collect();
            item
        })
        .collect();
    let mut data = DescribeFaceInMaterialData::default();
    data.face_info = Some(info);
    Ok(data)
}

pub(super) fn describe_material_subtitle(
    svc: &Emulation,
    ctx: &Context,
    r: DescribeMaterialSubtitleRequest,
) -> Result<DescribeMaterialSubtitleData, Failure> {
    let p = svc.platform(ctx)?;
    let found = analysed(
        &p,
        ctx,
        &r.material_id,
        &[FULL_ANALYSIS, SUBTITLES_ONLY],
        "asr",
    )?;
    check_window(r.start_time_offset, r.end_time_offset)?;
    let subtitles = sample::subtitles(&found.material_id, found.facts.duration);
    let (page, last) = sample::window(
        &subtitles,
        |s| s.start,
        r.start_time_offset,
        r.end_time_offset,
    );
    let mut info = SubtitleInfo::default();
    info.version = Some(AI_VERSION.to_owned());
    info.subtitle_set = page
        .into_iter()
        .map(|s| {
            let mut item = SubtitleItem::default();
            item.item_id = Some(s.item_id.clone());
            item.start_time_offset = Some(s.start);
            item.end_time_offset = Some(s.end);
            item.text = Some(s.text.clone());
            item
        })
        .collect();
    info.last_time_offset = Some(last);
    let mut data = DescribeMaterialSubtitleData::default();
    data.subtitle_info = Some(info);
    Ok(data)
}

pub(super) fn describe_text_in_material(
    svc: &Emulation,
    ctx: &Context,
    r: DescribeTextInMaterialRequest,
) -> Result<DescribeTextInMaterialData, Failure> {
    let p = svc.platform(ctx)?;
    let found = analysed(&p, ctx, &r.material_id, &[FULL_ANALYSIS], "ocr")?;
    check_window(r.start_time_offset, r.end_time_offset)?;
    let texts = sample::texts(&found.material_id, found.facts.duration);
    let (page, last) = sample::window(&texts, |t| t.start, r.start_time_offset, r.end_time_offset);
    let mut info = TextInfo::default();
    info.version = Some(AI_VERSION.to_owned());
    info.text_set = page
        .into_iter()
        .map(|t| {
            let mut item = TextItem::default();
            item.item_id = Some(t.item_id.clone());
            item.start_time_offset = Some(t.start);
            item.end_time_offset = Some(t.end);
            item.segment_set = t
                .segments
                .iter()
                .map(|(text, area)| {
                    let mut seg = TextSegmentItem::default();
                    seg.text = Some(text.clone());
                    seg.area_coord_set = area.to_vec();
                    seg
                })
                .collect();
            item
        })
        .collect();
    info.last_time_offset = Some(last);
    let mut data = DescribeTextInMaterialData::default();
    data.text_info = Some(info);
    Ok(data)
}

pub(super) fn describe_object_in_material(
    svc: &Emulation,
    ctx: &Context,
    r: DescribeObjectInMaterialRequest,
) -> Result<DescribeObjectInMaterialData, Failure> {
    let p = svc.platform(ctx)?;
    let found = analysed(&p, ctx, &r.material_id, &[FULL_ANALYSIS], "object")?;
    let mut info = ObjectInfo::default();
    info.version = Some(AI_VERSION.to_owned());
    info.object_set = sample::objects(&found.material_id, found.facts.duration)
        .into_iter()
        .map(|object| {
            let mut item = ObjectItem::default();
            item.item_id = Some(object.item_id);
            item.name = Some(object.name.to_owned());
            item.segment_item_set = object
                .segments
                .iter()
                .map(|s| segment_item!(ObjectSegmentItem, s))
                .collect();
            item
        })
        .collect();
    let mut data = DescribeObjectInMaterialData::default();
    data.object_info = Some(info);
    Ok(data)
}
