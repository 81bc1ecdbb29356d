//! Golden-output tests: the fixture spec `tests/fixtures/mini` (which uses every feature of the
//! spec format) generates exactly the files stored under `tests/golden/`, with the same paths
//! relative to the workspace root. Run with `BLESS=1` to rewrite them after an intended change,
//! then review the diff: these files are the review of the generator's output.
//!
//! The golden files live in subdirectories of `tests/golden/`, so cargo never builds them, and
//! outside `sdk/src/generated`, so `--check` never sees them.

mod common;

use std::path::{Path, PathBuf};

use cme_codegen::gen::{self, Files};

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn generate_mini() -> Files {
    let api = cme_codegen::load(&common::mini_spec_dir())
        .unwrap_or_else(|e| panic!("the mini spec is invalid:\n{e}"));
    gen::generate(&api).expect("generate the mini spec")
}

fn blessing() -> bool {
    std::env::var_os("BLESS").is_some_and(|v| v == "1")
}

#[test]
fn golden_output_of_the_mini_spec() {
    let files = generate_mini();
    let golden = golden_dir();
    if blessing() {
        if golden.exists() {
            std::fs::remove_dir_all(&golden).unwrap();
        }
        for (path, text) in &files {
            let to = golden.join(path);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::write(&to, text).unwrap();
        }
        eprintln!(
            "blessed {} golden files in {}",
            files.len(),
            golden.display()
        );
        return;
    }
    let mut problems = Vec::new();
    for (path, text) in &files {
        match std::fs::read_to_string(golden.join(path)) {
            Ok(expected) if &expected == text => {}
            Ok(expected) => {
                let line = expected
                    .lines()
                    .zip(text.lines())
                    .position(|(a, b)| a != b)
                    .map_or_else(
                        || expected.lines().count().min(text.lines().count()) + 1,
                        |i| i + 1,
                    );
                problems.push(format!(
                    "{}: differs (first at line {line})",
                    path.display()
                ));
            }
            Err(e) => problems.push(format!("{}: no golden file ({e})", path.display())),
        }
    }
    for path in common::list_files(&golden) {
        if !files.contains_key(&path) {
            problems.push(format!(
                "{}: golden file that is no longer generated",
                path.display()
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "the generated code of tests/fixtures/mini differs from tests/golden/:\n  {}\n\
         If the change is intended, run `BLESS=1 cargo test -p cme-codegen --test golden` and review the diff.",
        problems.join("\n  ")
    );
}

/// The fixture really covers the format: the generated files include each feature's shape.
/// (A guard against trimming the fixture until the golden files no longer test anything.)
#[test]
fn the_mini_spec_covers_every_feature() {
    let files = generate_mini();
    let file = |p: &str| -> &str {
        files
            .get(Path::new(p))
            .unwrap_or_else(|| panic!("{p} is not generated"))
    };
    let types = file("sdk/src/generated/types.rs");
    let widget = file("sdk/src/generated/widget/types.rs");
    let codes = file("sdk/src/generated/codes.rs");
    let widget_client = file("sdk/src/generated/widget/client.rs");
    let expected: &[(&str, &str)] = &[
        (types, "pub parent: Option<Box<Node>>"),
        (types, "pub children: Vec<Node>"),
        (types, "pub grid: Vec<Vec<i64>>"),
        (types, "alias = \"NodeName\""),
        (types, "Res2K"),
        (types, "FullHd"),
        (types, "UltraHd"),
        (types, "\"<redacted>\""),
        (
            widget,
            "impl crate::action::Paginated for ListWidgetsRequest",
        ),
        (widget, "v.max_chars_each(\"Tags\", x, 10u64)"),
        (widget, "v.allowed_int(\"Height\", *x, &[720i64, 1080i64])"),
        (
            widget,
            "v.float_range(\"MinScore\", *x, Some(-1.5f64), Some(1.5f64))",
        ),
        (widget, "pub kind: OwnerType"),
        (
            widget,
            "v.present(\"VerifySign\", self.verify_sign.is_some());",
        ),
        (widget, "wants.upload_signature = true;"),
        (widget, "for x in self.windows.iter_mut().flatten()"),
        (widget, "for x in self.window.iter_mut()"),
        (
            widget_client,
            "pub fn list_widgets(&self, owner: Owner) -> Call<ListWidgetsRequest>",
        ),
        (
            widget,
            "serde(rename = \"WidgetId\", alias = \"Id\", deserialize_with",
        ),
        (types, "self.platform = values.platform.clone();"),
        (
            types,
            "pub fn born_parsed(&self) -> Option<time::OffsetDateTime>",
        ),
        (
            types,
            "crate::datetime::parse(self.create_time.as_deref()?)",
        ),
        (types, "#[cfg(feature = \"time\")]"),
        (types, "impl crate::action::ClientSupplied for Owner {}"),
        (
            codes,
            "Self::InvalidParameterValueWidgetId => crate::action::ErrorCategory::NotFound",
        ),
        (
            codes,
            "Self::InvalidParameter => crate::action::ErrorCategory::InvalidParameter",
        ),
        (
            codes,
            "Some(class) if !matches!(class, Self::Unknown(_)) => class.category()",
        ),
        (
            widget,
            "Not in the docs: seen in real clients (a third-party client).",
        ),
        (codes, "crate::action::Retryability::Always"),
        (codes, "crate::action::Retryability::IfIdempotent"),
        (codes, "matches!(self, Self::AuthFailureTicketInvalid)"),
        (codes, "matches!(self, Self::RequestLimitExceeded)"),
    ];
    for (text, needle) in expected {
        assert!(
            text.contains(needle),
            "the mini spec no longer generates `{needle}`"
        );
    }
    assert!(files.contains_key(Path::new("sdk/src/generated/widget/examples.rs")));
    assert!(
        !files.contains_key(Path::new("sdk/src/generated/gadget/examples.rs")),
        "a class without examples gets no examples.rs"
    );
}
