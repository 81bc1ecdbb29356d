//! From the store's records to the SDK's reply types.

use cme_sdk::types::{
    AudioMaterial, ClassInfo, CoverSource, Entity, EntityType, ImageMaterial, ImageSpriteInfo,
    MaterialBasicInfo, MaterialInfo, MaterialStatus, MaterialTagInfo, MaterialTagType,
    MediaAudioStreamItem, MediaInfo, MediaMetaData, MediaStatus, MediaType, MediaVideoStreamItem,
    ProjectBasicInfo, ProjectCategory, ProjectInfo, Resolution, TaskInfo, TaskStatus, TaskType,
    VideoMaterial, WhRatio,
};

use crate::state::{Class, Material, Owner, Platform, Project, Task};
use crate::time::format_iso8601;

/// Base of the URLs the emulator makes up (`.invalid` never resolves).
const MEDIA_BASE: &str = "https://media.cme-emulator.invalid";

/// An owner as an `Entity`.
pub(super) fn entity(owner: &Owner) -> Entity {
    match owner {
        Owner::Person(id) => Entity::new(EntityType::Person, id.clone()),
        Owner::Team(id) => Entity::new(EntityType::Team, id.clone()),
    }
}

/// A class as a `ClassInfo`.
pub(super) fn class_info(p: &Platform, class: &Class) -> ClassInfo {
    let mut info = ClassInfo::default();
    info.platform = Some(p.name.clone());
    info.owner = Some(entity(&class.owner));
    info.name = Some(class.name.clone());
    info.class_path = Some(p.class_path(class.class_id));
    info.class_id = Some(class.class_id);
    info.parent_class_id = Some(class.parent.unwrap_or(-1));
    info
}

/// How much of a medium to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Detail {
    /// Basic info and status (lists and searches).
    Basic,
    /// Everything, with or without the image sprite.
    Full {
        /// Whether to include the video's image sprite.
        sprite: bool,
    },
}

fn url(material: &Material, what: &str, ext: &str) -> String {
    let file = material
        .vod_file_id
        .as_deref()
        .unwrap_or(&material.material_id);
    format!("{MEDIA_BASE}/{file}/{what}.{ext}")
}

/// A medium as a `MaterialInfo`.
pub(super) fn material_info(p: &Platform, material: &Material, detail: Detail) -> MaterialInfo {
    let kind = material.material_type.as_str();
    let facts = &material.facts;
    let main_ext = match kind {
        "AUDIO" => "mp3",
        "IMAGE" | "STICKER" => "jpg",
        _ => "mp4",
    };

    let mut basic = MaterialBasicInfo::default();
    basic.material_id = Some(material.material_id.clone());
    basic.material_type = Some(kind.into());
    basic.name = Some(material.name.clone());
    basic.class_path = Some(p.class_path(material.class_id));
    basic.create_time = Some(format_iso8601(material.create_time));
    basic.update_time = Some(format_iso8601(material.update_time));
    basic.tag_info_set = material
        .preset_tag_ids
        .iter()
        .filter_map(|id| p.preset_tags.get(id))
        .map(|tag| {
            let mut info = MaterialTagInfo::default();
            info.kind = Some(MaterialTagType::Preset);
            info.id = Some(tag.id.clone());
            info.name = Some(tag.name.clone());
            info.parent_id = tag.parent_id.clone();
            info
        })
        .collect();
    basic.tag_set = material.tags.clone();
    basic.preview_url = Some(url(material, "cover", "jpg"));
    basic.media_url = Some(url(material, "source", main_ext));
    basic.owner = Some(entity(&material.owner));

    let mut status = MaterialStatus::default();
    status.transcode_status = Some(MediaStatus::Normal);
    status.editor_usable_status = Some(MediaStatus::Normal);

    let mut info = MaterialInfo::default();
    info.basic_info = Some(basic);
    info.material_status = Some(status);
    let Detail::Full { sprite } = detail else {
        return info;
    };

    let mut media = MediaInfo::default();
    media.width = facts.width;
    media.height = facts.height;
    media.size = facts.size;
    media.duration = facts.duration;
    media.media_type = match kind {
        "AUDIO" => Some(MediaType::Audio),
        "IMAGE" | "STICKER" => Some(MediaType::Image),
        "VIDEO" | "EFFECT_VIDEO" => Some(MediaType::Video),
        _ => None,
    };
    info.media_info = Some(media);

    let resolution = facts.resolution.as_deref().map(Resolution::from);
    match kind {
        "AUDIO" => {
            let mut audio = AudioMaterial::default();
            audio.meta_data = Some(meta_data(material, false));
            audio.material_url = Some(url(material, "source", "mp3"));
            audio.cover_url = Some(url(material, "cover", "jpg"));
            audio.original_url = Some(url(material, "original", "mp3"));
            info.audio_material = Some(audio);
        }
        "IMAGE" | "STICKER" => {
            let mut image = ImageMaterial::default();
            image.width = facts.width;
            image.height = facts.height;
            image.size = facts.size;
            image.material_url = Some(url(material, "source", "jpg"));
            image.original_url = Some(url(material, "original", "jpg"));
            image.resolution = resolution;
            if kind == "STICKER" {
                info.sticker_material = Some(image);
            } else {
                info.image_material = Some(image);
            }
        }
        "VIDEO" | "EFFECT_VIDEO" => {
            let mut video = VideoMaterial::default();
            video.meta_data = Some(meta_data(material, true));
            video.material_url = Some(url(material, "source", "mp4"));
            video.cover_url = Some(url(material, "cover", "jpg"));
            video.original_url = Some(url(material, "original", "mp4"));
            video.resolution = resolution;
            if sprite {
                let count = facts
                    .duration
                    .map_or(10, |d| (d / 10.0).ceil().max(1.0) as u64);
                let mut sprite = ImageSpriteInfo::default();
                sprite.width = Some(160);
                sprite.height = Some(90);
                sprite.total_count = i64::try_from(count).ok();
                sprite.image_url_set = (0..count.div_ceil(100))
                    .map(|i| url(material, &format!("sprite_{i}"), "jpg"))
                    .collect();
                sprite.web_vtt_url = Some(url(material, "sprite", "vtt"));
                video.image_sprite_info = Some(sprite);
            }
            info.video_material = Some(video);
        }
        _ => {}
    }
    info
}

fn meta_data(material: &Material, video: bool) -> MediaMetaData {
    let facts = &material.facts;
    let mut meta = MediaMetaData::default();
    meta.size = facts.size;
    meta.container = facts.container.clone();
    meta.bitrate = facts.bitrate;
    meta.duration = facts.duration;
    if video {
        meta.width = facts.width;
        meta.height = facts.height;
        meta.rotate = Some(0);
        let mut stream = MediaVideoStreamItem::default();
        stream.bitrate = facts.bitrate.map(|b| b * 9 / 10);
        stream.width = facts.width;
        stream.height = facts.height;
        stream.codec = facts.codec.clone();
        stream.fps = facts.fps;
        meta.video_stream_info_set = vec![stream];
    }
    let mut audio = MediaAudioStreamItem::default();
    audio.bitrate = if video {
        facts.bitrate.map(|b| b / 10)
    } else {
        facts.bitrate
    };
    audio.codec = if video {
        Some("aac".to_owned())
    } else {
        facts.codec.clone()
    };
    audio.sampling_rate = facts.sampling_rate.or(Some(44_100));
    meta.audio_stream_info_set = vec![audio];
    meta
}

/// A project as a `ProjectInfo`.
pub(super) fn project_info(project: &Project) -> ProjectInfo {
    let mut info = ProjectInfo::default();
    info.project_id = Some(project.project_id.clone());
    info.name = Some(project.name.clone());
    info.owner = Some(entity(&project.owner));
    info.category = vec![ProjectCategory::from(project.category.as_str())];
    info.description = project.description.clone();
    info.wh_ratio = project.wh_ratio.as_deref().map(WhRatio::from);
    info.cover_url = project.cover_url.clone();
    info.cover_source = project.cover_source.as_deref().map(CoverSource::from);
    info.fusion_data = project.fusion_data.clone();
    info.version = Some(project.version);
    info.create_time = Some(format_iso8601(project.create_time));
    info.update_time = Some(format_iso8601(project.update_time));
    info
}

/// A project as a `ProjectBasicInfo`.
pub(super) fn project_basic_info(project: &Project) -> ProjectBasicInfo {
    let mut info = ProjectBasicInfo::default();
    info.project_id = Some(project.project_id.clone());
    info.name = Some(project.name.clone());
    info.owner = Some(entity(&project.owner));
    info.category = vec![ProjectCategory::from(project.category.as_str())];
    info.wh_ratio = project.wh_ratio.as_deref().map(WhRatio::from);
    info.cover_url = project.cover_url.clone();
    info.cover_source = project.cover_source.as_deref().map(CoverSource::from);
    info.create_time = Some(format_iso8601(project.create_time));
    info.update_time = Some(format_iso8601(project.update_time));
    info
}

/// A task as a `TaskInfo`, with its status at `now_ms`.
pub(super) fn task_info(task: &Task, now_ms: i64) -> TaskInfo {
    let state = task.status_at(now_ms);
    let mut info = TaskInfo::default();
    info.task_id = Some(task.task_id.clone());
    info.task_type = task.task_type.as_deref().map(TaskType::from);
    info.status = Some(TaskStatus::from(state.status));
    info.progress = Some(state.progress);
    info.err_code = state.err_code;
    info.err_msg = state.err_msg;
    info.create_time = Some(format_iso8601(task.create_time));
    info
}
