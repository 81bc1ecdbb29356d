//! Realistic reply bodies, shaped like the emulator's (and the service's) replies.

use serde_json::{json, Value};

const CDN: &str = "https://media.cme-emulator.invalid";

/// A material id like the service's (20 digits).
fn material_id(n: usize) -> String {
    format!("{}", 38_192_156_030_633_420_589_u128 + n as u128)
}

/// The basic info of medium `n`, with preset and custom tags.
fn basic_info(n: usize) -> Value {
    let id = material_id(n);
    json!({
        "MaterialId": id,
        "MaterialType": "VIDEO",
        "Name": format!("海边日落 第{n}段"),
        "ClassPath": "/个人/视频/旅行",
        "CreateTime": "2024-03-01T08:00:00Z",
        "UpdateTime": "2024-03-02T09:30:00Z",
        "TagInfoSet": [
            {"Type": "Preset", "Id": "1001", "Name": "风景"},
            {"Type": "Preset", "Id": "1005", "Name": "海边", "ParentId": "1001"},
            {"Type": "Manual", "Id": format!("m{n}"), "Name": "旅行"}
        ],
        "TagSet": ["海边", "日落", "travel"],
        "PreviewUrl": format!("{CDN}/{id}/cover.jpg"),
        "MediaUrl": format!("{CDN}/{id}/source.mp4"),
        "Owner": {"Type": "PERSON", "Id": "user_alice"}
    })
}

fn status() -> Value {
    json!({"TranscodeStatus": "NORMAL", "EditorUsableStatus": "NORMAL"})
}

/// A medium as a list action returns it: basic info and status only.
pub fn list_item(n: usize) -> Value {
    json!({"BasicInfo": basic_info(n), "MaterialStatus": status()})
}

/// A medium with every part a video has: basic info with tags, media info, status, and the
/// video material with its metadata, streams and sprite sheet.
pub fn full_item(n: usize) -> Value {
    let id = material_id(n);
    json!({
        "BasicInfo": basic_info(n),
        "MediaInfo": {
            "Width": 1920, "Height": 1080, "Size": 52_428_800 + n, "Duration": 62.5,
            "MediaType": "VIDEO"
        },
        "MaterialStatus": status(),
        "VideoMaterial": {
            "MetaData": {
                "Size": 52_428_800 + n,
                "Container": "mov,mp4,m4a,3gp,3g2,mj2",
                "Bitrate": 6_710_886,
                "Height": 1080,
                "Width": 1920,
                "Duration": 62.5,
                "Rotate": 0,
                "VideoStreamInfoSet": [
                    {"Bitrate": 6_039_797, "Height": 1080, "Width": 1920, "Codec": "h264", "Fps": 30}
                ],
                "AudioStreamInfoSet": [
                    {"Bitrate": 671_088, "Codec": "aac", "SamplingRate": 44100}
                ]
            },
            "ImageSpriteInfo": {
                "Height": 80,
                "Width": 142,
                "TotalCount": 63,
                "ImageUrlSet": [
                    format!("{CDN}/{id}/sprite_0.jpg"),
                    format!("{CDN}/{id}/sprite_1.jpg")
                ],
                "WebVttUrl": format!("{CDN}/{id}/sprite.vtt")
            },
            "MaterialUrl": format!("{CDN}/{id}/source.mp4"),
            "CoverUrl": format!("{CDN}/{id}/cover.jpg"),
            "OriginalUrl": format!("{CDN}/{id}/original.mp4"),
            "Resolution": "FHD"
        }
    })
}

/// A success envelope around `data` (none when `None`).
pub fn envelope(data: Option<Value>) -> Vec<u8> {
    let mut reply = json!({
        "Code": "Success",
        "Message": "成功",
        "EnglishMessage": "success",
        "RequestId": "5a2c7b0e-1f3d-4c5e-8a9b-0c1d2e3f4a5b"
    });
    if let Some(data) = data {
        reply["Data"] = data;
    }
    serde_json::to_vec(&reply).expect("JSON")
}

/// The reply of `Material/DeleteMaterial`: no `Data`.
pub fn delete_material_reply() -> Vec<u8> {
    envelope(None)
}

/// A `Material/ListMedia` reply with `items` media (list shape) and two sub-classes.
pub fn list_media_reply(items: usize) -> Vec<u8> {
    let classes: Vec<Value> = ["旅行", "访谈"]
        .iter()
        .enumerate()
        .map(|(i, name)| {
            json!({
                "Platform": "cme_demo",
                "Owner": {"Type": "PERSON", "Id": "user_alice"},
                "Name": name,
                "ClassPath": format!("/个人/视频/{name}"),
                "ClassId": 11 + i,
                "ParentClassId": 10
            })
        })
        .collect();
    envelope(Some(json!({
        "MaterialTotalCount": 120,
        "MaterialInfoSet": (0..items).map(list_item).collect::<Vec<_>>(),
        "ClassInfoSet": classes
    })))
}

/// A `Material/DescribeMaterials` reply with `items` full media.
pub fn describe_materials_reply(items: usize) -> Vec<u8> {
    envelope(Some(json!({
        "MaterialInfoSet": (0..items).map(full_item).collect::<Vec<_>>(),
        "FailedMaterialInfoSet": []
    })))
}

/// A `Material/SearchMaterial` reply with `items` full media.
pub fn search_material_reply(items: usize) -> Vec<u8> {
    envelope(Some(json!({
        "TotalCount": items,
        "MaterialInfoSet": (0..items).map(full_item).collect::<Vec<_>>()
    })))
}
