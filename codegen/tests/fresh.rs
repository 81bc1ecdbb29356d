//! The freshness gate: the committed generated code is exactly what the spec produces, the SDK
//! has a typed method for each of the 32 documented actions, and `sdk/Cargo.toml` has a cargo
//! feature per ActionClass.

mod common;

use std::path::Path;

use cme_codegen::{gen, load, output};

/// The 32 actions of the client API reference, by ActionClass, with their SDK method names.
const ACTIONS: &[(&str, &[(&str, &str)])] = &[
    (
        "Material",
        &[
            ("DeleteMaterial", "delete_material"),
            ("ModifyMaterial", "modify_material"),
            ("ListMedia", "list_media"),
            ("DescribeMaterials", "describe_materials"),
            ("SearchMaterial", "search_material"),
            ("ProcessMaterial", "process_material"),
            ("SearchSharedMaterial", "search_shared_material"),
            ("AddMaterialFrameTag", "add_material_frame_tag"),
            ("ModifyMaterialFrameTag", "modify_material_frame_tag"),
            ("DeleteMaterialFrameTag", "delete_material_frame_tag"),
            ("DescribeMaterialFrameTag", "describe_material_frame_tag"),
            ("DescribeFaceInMaterial", "describe_face_in_material"),
            ("DescribeMaterialSubtitle", "describe_material_subtitle"),
            ("DescribeTextInMaterial", "describe_text_in_material"),
            ("DescribeObjectInMaterial", "describe_object_in_material"),
            ("CreateClass", "create_class"),
            ("DeleteClass", "delete_class"),
            ("DescribeClass", "describe_class"),
            ("ModifyClass", "modify_class"),
            ("CreateUploadMaterial", "create_upload_material"),
            ("FinishUploadMaterial", "finish_upload_material"),
        ],
    ),
    (
        "Project",
        &[
            ("AddMaterialToProject", "add_material_to_project"),
            ("DeleteMaterialFromProject", "delete_material_from_project"),
            ("DescribeProjectMaterials", "describe_project_materials"),
            ("DeleteProject", "delete_project"),
            ("ModifyProject", "modify_project"),
            ("DescribeProjects", "describe_projects"),
            ("SearchProject", "search_project"),
        ],
    ),
    (
        "Task",
        &[
            ("DescribeTasks", "describe_tasks"),
            ("DeleteTask", "delete_task"),
        ],
    ),
    (
        "Team",
        &[
            ("DescribeTeams", "describe_teams"),
            ("DescribeJoinTeams", "describe_join_teams"),
        ],
    ),
];

fn load_real() -> cme_codegen::Api {
    load(&common::real_spec_dir()).unwrap_or_else(|e| panic!("api-spec/ is invalid:\n{e}"))
}

#[test]
fn committed_generated_code_is_fresh() {
    let api = load_real();
    let files = gen::generate(&api).expect("generate");
    let stale = output::check(&common::workspace_root(), &files).expect("read the generated files");
    assert!(
        stale.is_empty(),
        "the generated code is stale; run `cargo run -p cme-codegen` and commit the result:\n  {}",
        stale
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n  ")
    );
}

#[test]
fn the_spec_has_the_32_documented_actions() {
    let api = load_real();
    let model: Vec<(&str, Vec<&str>)> = api
        .classes
        .iter()
        .map(|c| {
            (
                c.name.as_str(),
                c.actions.iter().map(|a| a.name.as_str()).collect(),
            )
        })
        .collect();
    let mut expected: Vec<(&str, Vec<&str>)> = ACTIONS
        .iter()
        .map(|(class, actions)| (*class, actions.iter().map(|(a, _)| *a).collect()))
        .collect();
    expected.sort();
    assert_eq!(
        model, expected,
        "the classes and actions of api-spec/ (classes sorted, actions in spec order)"
    );
    assert_eq!(
        api.classes.iter().map(|c| c.actions.len()).sum::<usize>(),
        32
    );
}

#[test]
fn the_sdk_has_a_typed_method_per_action() {
    let api = load_real();
    let files = gen::generate(&api).expect("generate");
    let service = &files[Path::new("emulator/src/generated/service.rs")];
    for (class, actions) in ACTIONS {
        let module = class.to_ascii_lowercase();
        let client = &files[&Path::new(gen::SDK_DIR).join(&module).join("client.rs")];
        let types = &files[&Path::new(gen::SDK_DIR).join(&module).join("types.rs")];
        for (action, method) in *actions {
            let request = format!("{action}Request");
            assert!(
                client.contains(&format!("pub fn {method}(")),
                "{class}/{action}: no `pub fn {method}(` in the generated {module}/client.rs"
            );
            assert!(
                client.contains(&format!(") -> Call<{request}> {{")),
                "{class}/{action}: `{method}` does not return a `Call<{request}>`"
            );
            assert!(
                types.contains(&format!("pub struct {request} {{")),
                "{class}/{action}: no {request}"
            );
            assert!(
                types.contains(&format!("pub struct {action}Data {{")),
                "{class}/{action}: no {action}Data"
            );
            assert!(
                types.contains(&format!("impl crate::action::Action for {request} {{")),
                "{class}/{action}: {request} does not implement Action"
            );
            assert!(
                service.contains(&format!("fn {method}(")),
                "{class}/{action}: the emulator's Service has no `{method}`"
            );
        }
    }
}

#[test]
fn sdk_cargo_toml_has_a_feature_per_class() {
    let api = load_real();
    let classes: Vec<String> = api.classes.iter().map(|c| c.name.clone()).collect();
    let missing =
        output::missing_features(&common::workspace_root(), &classes).expect("read sdk/Cargo.toml");
    assert!(
        missing.is_empty(),
        "sdk/Cargo.toml lacks the cargo features {missing:?}"
    );
    // And each generated class module is gated on its feature.
    let files = gen::generate(&api).expect("generate");
    let sdk_mod = &files[&Path::new(gen::SDK_DIR).join("mod.rs")];
    for class in &classes {
        let feature = gen::feature_name(class);
        assert!(
            sdk_mod.contains(&format!(
                "#[cfg(feature = \"{feature}\")]\npub mod {feature};"
            )),
            "the module of {class} is not gated on the feature `{feature}`"
        );
    }
}
