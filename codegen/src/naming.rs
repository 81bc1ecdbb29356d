//! Turning wire names into Rust identifiers.

/// Words that cannot be identifiers (strict and reserved keywords, 2021 edition).
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Whether `s` is a Rust keyword.
pub fn is_keyword(s: &str) -> bool {
    KEYWORDS.contains(&s)
}

/// Whether `s` is a plain (non-raw) Rust identifier that is not a keyword.
pub fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c == '_' || c.is_ascii_alphabetic() => {}
        _ => return false,
    }
    s != "_" && chars.all(|c| c == '_' || c.is_ascii_alphanumeric()) && !is_keyword(s)
}

/// `MaterialId` -> `material_id`, `WHRatio` -> `wh_ratio`, `TfUid` -> `tf_uid`.
/// Acronyms stay one word; a lower-case letter or digit followed by an upper-case one starts a
/// new word, and so does the last capital of an acronym followed by a lower-case letter.
pub fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let prev = i.checked_sub(1).map(|p| chars[p]);
            let next = chars.get(i + 1).copied();
            let boundary = match prev {
                Some(p) if p.is_ascii_lowercase() || p.is_ascii_digit() => true,
                Some(p) if p.is_ascii_uppercase() => next.is_some_and(|n| n.is_ascii_lowercase()),
                _ => false,
            };
            if boundary && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if c == '-' || c == ' ' || c == '.' {
            if !out.ends_with('_') {
                out.push('_');
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// `MaterialId` -> `material-id`, `WHRatio` -> `wh-ratio`: the command-line spelling of a
/// wire name (a command or a flag of `cme`).
pub fn kebab_case(name: &str) -> String {
    snake_case(name).replace('_', "-")
}

/// `NOT FOUND` -> `NotFound`, `VIDEO_EDIT` -> `VideoEdit`, `Default` -> `Default`,
/// `InvalidParameterValue.MaterialId` -> `InvalidParameterValueMaterialId`.
/// Words already in mixed case keep their inner capitals; all-caps words are capitalized.
pub fn pascal_case(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for word in value.split(['_', '-', ' ', '.']).filter(|w| !w.is_empty()) {
        let all_caps = !word.chars().any(|c| c.is_ascii_lowercase());
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            if all_caps {
                out.extend(chars.map(|c| c.to_ascii_lowercase()));
            } else {
                out.extend(chars);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_handles_acronyms() {
        assert_eq!(snake_case("MaterialId"), "material_id");
        assert_eq!(snake_case("WHRatio"), "wh_ratio");
        assert_eq!(snake_case("TfUid"), "tf_uid");
        assert_eq!(snake_case("ImageUrlSet"), "image_url_set");
        assert_eq!(snake_case("Id"), "id");
        assert_eq!(snake_case("DeleteMaterial"), "delete_material");
        assert_eq!(snake_case("Mp4URL2x"), "mp4_url2x");
        assert_eq!(kebab_case("WHRatio"), "wh-ratio");
        assert_eq!(kebab_case("ListMedia"), "list-media");
    }

    #[test]
    fn pascal_case_of_values() {
        assert_eq!(pascal_case("NOT FOUND"), "NotFound");
        assert_eq!(
            pascal_case("VIDEO_EDIT_PROJECT_EXPORT"),
            "VideoEditProjectExport"
        );
        assert_eq!(pascal_case("UserDefine"), "UserDefine");
        assert_eq!(
            pascal_case("InvalidParameterValue.MaterialId"),
            "InvalidParameterValueMaterialId"
        );
        assert_eq!(pascal_case("2K"), "2k");
        assert!(!is_identifier(&pascal_case("2K")));
        assert!(!is_identifier("type"));
        assert!(is_identifier("kind"));
    }
}
