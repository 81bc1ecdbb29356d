//! What a file name tells about the medium: its material type, and the name and format VOD is
//! told.

use std::path::Path;

use crate::types::MaterialType;

/// The material type of a file with extension `ext` (lower-case, without the dot), when the
/// extension names one kind of medium. `CreateUploadMaterial` takes `VIDEO`, `AUDIO`, `IMAGE`,
/// `STICKER` and `EFFECT_VIDEO`; the last two are never inferred (a `.png` sticker is an image
/// to its extension).
pub(crate) fn infer(ext: &str) -> Option<MaterialType> {
    const VIDEO: &[&str] = &[
        "mp4", "m4v", "mov", "qt", "mkv", "webm", "avi", "wmv", "asf", "flv", "f4v", "ts", "mts",
        "m2ts", "mpg", "mpeg", "vob", "3gp", "3g2", "rm", "rmvb", "ogv", "mxf", "dv",
    ];
    const AUDIO: &[&str] = &[
        "mp3", "m4a", "aac", "wav", "flac", "ogg", "oga", "opus", "wma", "amr", "ape", "aiff",
        "aif", "ac3", "mka",
    ];
    const IMAGE: &[&str] = &[
        "jpg", "jpeg", "png", "gif", "bmp", "webp", "tif", "tiff", "heic", "heif", "avif", "svg",
    ];
    if VIDEO.contains(&ext) {
        Some(MaterialType::Video)
    } else if AUDIO.contains(&ext) {
        Some(MaterialType::Audio)
    } else if IMAGE.contains(&ext) {
        Some(MaterialType::Image)
    } else {
        None
    }
}

/// The material type [`upload`](crate::generated::material::MaterialClient::upload) infers for a
/// file named `file_name`, from its extension (`clip.MP4` is a video; `notes.txt`, `.profile`
/// and `name` tell nothing, and need [`Upload::material_type`](super::Upload::material_type)).
/// A tool can check a batch of files with it before uploading any.
pub fn material_type_of(file_name: impl AsRef<Path>) -> Option<MaterialType> {
    let name = file_name.as_ref().file_name()?.to_str()?;
    extension(name).and_then(|ext| infer(&ext))
}

/// The extension of `file_name`, lower-cased, when it has one (`clip.MP4` → `mp4`; not for
/// `.profile` or `name.`).
pub(crate) fn extension(file_name: &str) -> Option<String> {
    Path::new(file_name)
        .extension()
        .and_then(|ext| ext.to_str())
        .filter(|ext| !ext.is_empty())
        .map(str::to_ascii_lowercase)
}

/// The `videoName` VOD is told: the file name without its extension, the characters the VOD
/// upload SDKs refuse (`\ / : * ? " < > |`) and control characters replaced by `_`, at most
/// 200 bytes (the Android SDK's limit). Only VOD sees it; the medium keeps the CME name.
pub(crate) fn vod_name(file_name: &str) -> String {
    let stem = Path::new(file_name)
        .file_stem()
        .and_then(|stem| stem.to_str())
        .unwrap_or(file_name);
    let mut name = String::with_capacity(stem.len().min(200));
    for c in stem.chars() {
        let c = if matches!(c, '\\' | '/' | ':' | '*' | '?' | '"' | '<' | '>' | '|')
            || c.is_control()
        {
            '_'
        } else {
            c
        };
        if name.len() + c.len_utf8() > 200 {
            break;
        }
        name.push(c);
    }
    if name.trim().is_empty() {
        name = "upload".to_owned();
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_unambiguous_extensions_only() {
        assert_eq!(infer("mp4"), Some(MaterialType::Video));
        assert_eq!(infer("m4a"), Some(MaterialType::Audio));
        assert_eq!(infer("jpeg"), Some(MaterialType::Image));
        for unknown in ["", "txt", "srt", "zip", "MP4"] {
            assert_eq!(infer(unknown), None, "{unknown}");
        }
        assert_eq!(extension("a/b/Clip.MP4").as_deref(), Some("mp4"));
        assert_eq!(extension("archive.tar.gz").as_deref(), Some("gz"));
        for none in ["README", ".profile", "name."] {
            assert_eq!(extension(none), None, "{none}");
        }
    }

    #[test]
    fn file_names_tell_their_type_by_the_extension() {
        assert_eq!(material_type_of("clips/a.MP4"), Some(MaterialType::Video));
        assert_eq!(material_type_of("song.m4a"), Some(MaterialType::Audio));
        assert_eq!(material_type_of("cover.jpeg"), Some(MaterialType::Image));
        for nothing in [
            "notes.txt",
            "a.json",
            ".profile",
            "name",
            "name.",
            "clip.mp4.part",
        ] {
            assert_eq!(material_type_of(nothing), None, "{nothing}");
        }
    }

    #[test]
    fn vod_names_are_safe_and_bounded() {
        assert_eq!(vod_name("海边日落.mp4"), "海边日落");
        assert_eq!(vod_name("a:b*c?.mov"), "a_b_c_");
        assert_eq!(vod_name("line\nbreak.mp4"), "line_break");
        assert_eq!(vod_name(".mp4"), ".mp4");
        let long = format!("{}.mp4", "视".repeat(100));
        let name = vod_name(&long);
        assert!(
            name.len() <= 200 && name.chars().all(|c| c == '视'),
            "{name}"
        );
        assert_eq!(vod_name("   .mp4"), "upload");
    }
}
