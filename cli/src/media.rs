//! The material type a file name tells, so that `cme upload` refuses, before anything is sent,
//! the files whose type it would have to be told with `--material-type`.
//!
//! The SDK infers the type of an upload from the same table (`cme_sdk::upload::media`), which
//! it does not export; the two must stay the same (the SDK would still refuse a file this
//! table lets through, at that file's upload).

use std::path::Path;

use cme_sdk::types::MaterialType;

/// The material type of a file named `file_name`, when its extension names one kind of
/// medium (`clip.MP4` is a video; `notes.txt`, `.profile` and `name` tell nothing).
pub fn material_type_of(file_name: &Path) -> Option<MaterialType> {
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
    let ext = file_name.extension()?.to_str()?.to_ascii_lowercase();
    let ext = ext.as_str();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_the_extension() {
        let of = |name: &str| material_type_of(Path::new(name));
        assert_eq!(of("clips/a.MP4"), Some(MaterialType::Video));
        assert_eq!(of("song.m4a"), Some(MaterialType::Audio));
        assert_eq!(of("cover.jpeg"), Some(MaterialType::Image));
        for nothing in [
            "notes.txt",
            "a.json",
            ".profile",
            "name",
            "name.",
            "clip.mp4.part",
        ] {
            assert_eq!(of(nothing), None, "{nothing}");
        }
    }
}
