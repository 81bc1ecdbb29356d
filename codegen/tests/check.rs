//! `output::check` and `output::write` on a temporary copy of the workspace's generated tree,
//! and the `--check` mode of the real binary.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::TempDir;

use cme_codegen::gen::{self, Files};
use cme_codegen::output::{self, Stale, Staleness};
use cme_codegen::{load, Api};

const TEAM_CLIENT: &str = "sdk/src/generated/team/client.rs";
const TASK_TYPES: &str = "sdk/src/generated/task/types.rs";
const SERVICE: &str = "emulator/src/generated/service.rs";

/// A temp root with a copy of `api-spec/`, `sdk/Cargo.toml` and the generated files (written
/// directly, not through `output::write`).
fn temp_workspace(label: &str) -> (TempDir, Api, Files) {
    let dir = TempDir::new(label);
    let root = dir.path();
    common::copy_dir(&common::real_spec_dir(), &root.join("api-spec"));
    std::fs::create_dir_all(root.join("sdk")).unwrap();
    std::fs::copy(
        common::workspace_root().join("sdk/Cargo.toml"),
        root.join("sdk/Cargo.toml"),
    )
    .unwrap();
    let api = load(&root.join("api-spec")).unwrap();
    let files = gen::generate(&api).unwrap();
    for (path, text) in &files {
        let full = root.join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    }
    (dir, api, files)
}

fn stale(path: &str, why: Staleness) -> Stale {
    Stale {
        path: PathBuf::from(path),
        why,
    }
}

fn edit(root: &Path, path: &str, f: impl FnOnce(&str) -> String) {
    let full = root.join(path);
    let text = std::fs::read_to_string(&full).unwrap();
    let edited = f(&text);
    assert_ne!(edited, text, "the edit of {path} changed nothing");
    std::fs::write(full, edited).unwrap();
}

#[test]
fn check_reports_each_kind_of_staleness_and_write_repairs_them() {
    let (dir, _api, files) = temp_workspace("check");
    let root = dir.path();
    assert_eq!(
        output::check(root, &files).unwrap(),
        vec![],
        "a fresh copy is clean"
    );

    // One file edited by hand.
    edit(root, TEAM_CLIENT, |t| {
        t.replacen("pub fn describe_teams(", "pub fn describe_teamz(", 1)
    });
    assert_eq!(
        output::check(root, &files).unwrap(),
        vec![stale(TEAM_CLIENT, Staleness::Differs)]
    );

    // One deleted.
    std::fs::remove_file(root.join(TASK_TYPES)).unwrap();
    // A stray file in the generated tree, and one in a new folder of it.
    std::fs::write(root.join("sdk/src/generated/stray.rs"), "// stray\n").unwrap();
    std::fs::create_dir_all(root.join("sdk/src/generated/old_class")).unwrap();
    std::fs::write(
        root.join("sdk/src/generated/old_class/mod.rs"),
        "// removed class\n",
    )
    .unwrap();
    // Files that are not `.rs`, and `.rs` files outside the generated folders, are not ours.
    std::fs::write(root.join("sdk/src/generated/NOTES.md"), "notes\n").unwrap();
    std::fs::write(root.join("sdk/src/lib.rs"), "// hand-written\n").unwrap();

    let expected = vec![
        stale(TASK_TYPES, Staleness::Missing),
        stale(TEAM_CLIENT, Staleness::Differs),
        stale("sdk/src/generated/old_class/mod.rs", Staleness::Orphan),
        stale("sdk/src/generated/stray.rs", Staleness::Orphan),
    ];
    assert_eq!(output::check(root, &files).unwrap(), expected);
    assert_eq!(
        expected.iter().map(ToString::to_string).collect::<Vec<_>>(),
        [
            "sdk/src/generated/task/types.rs: missing",
            "sdk/src/generated/team/client.rs: differs from what the spec generates",
            "sdk/src/generated/old_class/mod.rs: orphan: the spec no longer generates it",
            "sdk/src/generated/stray.rs: orphan: the spec no longer generates it",
        ]
    );

    // `write` repairs exactly those, and reports them.
    assert_eq!(output::write(root, &files).unwrap(), expected);
    assert_eq!(output::check(root, &files).unwrap(), vec![]);
    for (path, text) in &files {
        assert_eq!(
            &std::fs::read_to_string(root.join(path)).unwrap(),
            text,
            "{}",
            path.display()
        );
    }
    assert!(!root.join("sdk/src/generated/stray.rs").exists());
    assert!(
        !root.join("sdk/src/generated/old_class").exists(),
        "the emptied folder is removed"
    );
    assert!(
        root.join("sdk/src/generated/NOTES.md").exists(),
        "a non-Rust file is left alone"
    );
    assert_eq!(
        std::fs::read_to_string(root.join("sdk/src/lib.rs")).unwrap(),
        "// hand-written\n"
    );

    // A second `write` has nothing to do.
    assert_eq!(output::write(root, &files).unwrap(), vec![]);
}

#[test]
fn write_creates_the_tree_from_nothing() {
    let dir = TempDir::new("write-empty");
    let api = load(&common::mini_spec_dir()).unwrap();
    let files = gen::generate(&api).unwrap();
    let missing = output::check(dir.path(), &files).unwrap();
    assert_eq!(missing.len(), files.len());
    assert!(missing.iter().all(|s| s.why == Staleness::Missing));
    assert_eq!(output::write(dir.path(), &files).unwrap(), missing);
    assert_eq!(output::check(dir.path(), &files).unwrap(), vec![]);
    assert_eq!(
        common::list_files(dir.path()),
        files.keys().cloned().collect::<Vec<_>>(),
        "write creates exactly the generated files"
    );
}

#[test]
fn a_spec_edit_makes_the_generated_code_stale() {
    let (dir, _api, files) = temp_workspace("spec-edit");
    let root = dir.path();
    edit(root, "api-spec/Team.yaml", |t| {
        t.replacen(
            "Doc: {En: \"Get the info of teams, a page at a time.\"",
            "Doc: {En: \"Get the details of teams.\"",
            1,
        )
    });
    let api = load(&root.join("api-spec")).unwrap();
    let new_files = gen::generate(&api).unwrap();
    let stale = output::check(root, &new_files).unwrap();
    // The header's spec hash changed, so every file is stale...
    assert_eq!(stale.len(), files.len());
    assert!(
        stale.iter().all(|s| s.why == Staleness::Differs),
        "{stale:?}"
    );
    // ...and the files that carry the doc differ beyond the header.
    let body = |text: &str| text.split_once("\n\n").unwrap().1.to_owned();
    for path in [TEAM_CLIENT, "sdk/src/generated/team/types.rs", SERVICE] {
        let (old, new) = (&files[Path::new(path)], &new_files[Path::new(path)]);
        assert_ne!(body(old), body(new), "{path}");
        assert!(
            new.contains("Get the details of teams.") && !old.contains("Get the details of teams.")
        );
    }
    assert_eq!(
        body(&files[Path::new(TASK_TYPES)]),
        body(&new_files[Path::new(TASK_TYPES)]),
        "other classes change only in the header"
    );
}

#[test]
fn missing_features_names_the_class_without_a_feature() {
    let dir = TempDir::new("features");
    std::fs::create_dir_all(dir.path().join("sdk")).unwrap();
    std::fs::write(
        dir.path().join("sdk/Cargo.toml"),
        "[package]\nname = \"cme-sdk\"\n\n[features]\ndefault = [\"material\"]\nmaterial = []\nteam = []\n",
    )
    .unwrap();
    let classes: Vec<String> = ["Material", "Project", "Team", "Task"]
        .map(String::from)
        .into();
    assert_eq!(
        output::missing_features(dir.path(), &classes).unwrap(),
        ["project", "task"]
    );
    assert!(output::missing_features(&dir.path().join("nowhere"), &classes).is_err());

    // Only the keys of `[features]` count: not a package key or a dependency of the same name.
    std::fs::write(
        dir.path().join("sdk/Cargo.toml"),
        "[package]\nname = \"cme-sdk\"\n\n[features]\nmaterial = []\n\"team\" = []\n\n\
         [dependencies]\nproject = { path = \"../project\" }\n\n[dev-dependencies]\ntask = \"1\"\n",
    )
    .unwrap();
    let classes: Vec<String> = ["Material", "Name", "Project", "Team", "Task"]
        .map(String::from)
        .into();
    assert_eq!(
        output::missing_features(dir.path(), &classes).unwrap(),
        ["name", "project", "task"]
    );
}

// ---------------------------------------------------------------- the binary

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cme-codegen"))
        .args(args)
        .output()
        .expect("run cme-codegen")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn binary_check_fails_on_stale_code_and_regeneration_fixes_it() {
    let (dir, _api, files) = temp_workspace("bin-check");
    let root = dir.path().to_str().unwrap();

    let out = run(&["--root", root, "--check"]);
    assert!(out.status.success(), "clean tree: {}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        format!("generated code is up to date ({} files)\n", files.len())
    );

    edit(dir.path(), TEAM_CLIENT, |t| {
        format!("{t}// edited by hand\n")
    });
    std::fs::write(dir.path().join("sdk/src/generated/stray.rs"), "").unwrap();
    let out = run(&["--root", root, "--check"]);
    assert!(!out.status.success(), "a stale tree must fail --check");
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert_eq!(
        stderr,
        "generated code is stale; run `cargo run -p cme-codegen`:\n  \
         sdk/src/generated/team/client.rs: differs from what the spec generates\n  \
         sdk/src/generated/stray.rs: orphan: the spec no longer generates it\n"
    );
    assert_eq!(text(&out.stdout), "");
    assert!(
        dir.path().join("sdk/src/generated/stray.rs").exists(),
        "--check writes nothing"
    );

    // Regenerating repairs the tree, and says what it changed.
    let out = run(&["--root", root]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        format!(
            "sdk/src/generated/team/client.rs: differs from what the spec generates\n\
             sdk/src/generated/stray.rs: orphan: the spec no longer generates it\n\
             {} files generated, 2 changed\n",
            files.len()
        )
    );
    let out = run(&["--root", root, "--check"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn binary_writes_nothing_from_an_invalid_spec() {
    let (dir, _api, files) = temp_workspace("bin-invalid");
    let root = dir.path().to_str().unwrap();
    // A stale file that a successful run would repair, and a spec error.
    edit(dir.path(), TEAM_CLIENT, |t| format!("{t}// stale\n"));
    let stale_text = std::fs::read_to_string(dir.path().join(TEAM_CLIENT)).unwrap();
    edit(dir.path(), "api-spec/Team.yaml", |t| {
        t.replacen("Type: list<TeamInfo>", "Type: list<TeamInf>", 1)
    });

    for args in [vec!["--root", root], vec!["--root", root, "--check"]] {
        let out = run(&args);
        assert!(
            !out.status.success(),
            "{args:?} must fail on an invalid spec"
        );
        let stderr = text(&out.stderr);
        assert!(
            stderr.starts_with("the spec is invalid; nothing was written:\n"),
            "{stderr}"
        );
        assert!(
            stderr.contains(
                "Team.yaml: action DescribeTeams: field TeamSet: unknown type \"TeamInf\""
            ),
            "{stderr}"
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join(TEAM_CLIENT)).unwrap(),
            stale_text
        );
    }
    assert_eq!(
        output::check(dir.path(), &files).unwrap(),
        vec![stale(TEAM_CLIENT, Staleness::Differs)]
    );
}

#[test]
fn binary_refuses_a_class_without_a_cargo_feature() {
    let (dir, _api, _files) = temp_workspace("bin-feature");
    edit(dir.path(), "sdk/Cargo.toml", |t| {
        t.replacen("\ntask = []", "\n", 1)
    });
    let out = run(&["--root", dir.path().to_str().unwrap(), "--check"]);
    assert!(!out.status.success());
    assert_eq!(
        text(&out.stderr),
        "sdk/Cargo.toml lacks the cargo feature of each ActionClass; add: task\n"
    );
}
