//! Keeps the suite complete: every action of the spec (`api-spec/<Class>.yaml`) is called through
//! its generated method somewhere in `tests/tests/`, and at least one of its documented error
//! codes is asserted for it (a `"Class/Name"` row or `expect_api_error` followed by one of its
//! `ErrorCode`s). A new action in the spec without end-to-end tests fails here.

use std::collections::BTreeMap;
use std::path::Path;

/// Actions whose documented errors are asserted another way, and where.
const ASSERTED_ELSEWHERE: &[(&str, &str)] = &[(
    "Material/DescribeMaterials",
    "its documented PermissionDeny is per medium, in FailedMaterialInfoSet (material.rs)",
)];

/// One action of the spec.
#[derive(Debug)]
struct SpecAction {
    route: String,
    method: String,
    errors: Vec<String>,
}

/// `DeleteMaterial` → `delete_material`.
fn snake(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The actions of the spec, read from its YAML text (`ActionClass:`, `  - Name:`, `    Errors:`).
fn spec_actions(root: &Path) -> Vec<SpecAction> {
    let mut files: Vec<_> = std::fs::read_dir(root.join("api-spec"))
        .expect("api-spec/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    let mut actions = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("spec file");
        let Some(class) = text
            .lines()
            .find_map(|l| l.strip_prefix("ActionClass:"))
            .map(str::trim)
        else {
            continue; // common.yaml
        };
        for line in text.lines() {
            if let Some(name) = line.strip_prefix("  - Name:") {
                let name = name.trim();
                actions.push(SpecAction {
                    route: format!("{class}/{name}"),
                    method: snake(name),
                    errors: Vec::new(),
                });
            } else if let Some(list) = line.strip_prefix("    Errors:") {
                let list = list.trim().trim_start_matches('[').trim_end_matches(']');
                let last = actions.last_mut().expect("Errors after an action");
                last.errors = list
                    .split(',')
                    .map(|code| code.trim().replace('.', ""))
                    .filter(|code| !code.is_empty())
                    .collect();
            }
        }
    }
    actions
}

/// The text of every test file (this one excepted), by name.
fn test_sources(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(dir).expect("tests/") {
        let path = entry.expect("entry").path();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        if path.extension().is_some_and(|e| e == "rs") && name.as_deref() != Some("coverage.rs") {
            let text = std::fs::read_to_string(&path).expect("test file");
            out.insert(name.unwrap_or_default(), text);
        }
    }
    out
}

/// The `ErrorCode::` variants named within a few lines after each mention of `route`.
fn codes_asserted_for(route: &str, text: &str) -> Vec<String> {
    let quoted = format!("\"{route}\"");
    let mut codes = Vec::new();
    for (at, _) in text.match_indices(&quoted) {
        let after: String = text[at + quoted.len()..].chars().take(120).collect();
        if let Some(start) = after.find("ErrorCode::") {
            let code: String = after[start + "ErrorCode::".len()..]
                .chars()
                .take_while(char::is_ascii_alphanumeric)
                .collect();
            codes.push(code);
        }
    }
    codes
}

#[test]
fn every_action_has_a_success_path_and_a_documented_error_path() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = manifest.parent().expect("the workspace");
    let actions = spec_actions(root);
    assert_eq!(actions.len(), 32, "the reference lists 32 client actions");
    let sources = test_sources(&manifest.join("tests"));
    let all: String = sources.values().cloned().collect();

    let mut gaps = Vec::new();
    for action in &actions {
        if !all.contains(&format!(".{}(", action.method)) {
            gaps.push(format!(
                "{}: `.{}(` is never called",
                action.route, action.method
            ));
        }
        if let Some((_, why)) = ASSERTED_ELSEWHERE.iter().find(|(r, _)| *r == action.route) {
            assert!(!why.is_empty());
            continue;
        }
        let asserted = codes_asserted_for(&action.route, &all);
        if !asserted.iter().any(|code| action.errors.contains(code)) {
            gaps.push(format!(
                "{}: none of its documented errors {:?} is asserted (found {:?})",
                action.route, action.errors, asserted
            ));
        }
    }
    assert!(gaps.is_empty(), "untested:\n{}", gaps.join("\n"));
}
