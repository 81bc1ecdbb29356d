//! Item 4, codegen: regenerating the whole SDK and the emulator's server side from the spec, in
//! memory (read, parse and validate the YAML, generate, format with prettyplease), versus only
//! reading and parsing the same YAML files into `serde_yaml::Value`.

use std::path::{Path, PathBuf};

use crate::measure::{self, Better, Comparison};
use crate::Settings;

fn spec_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../api-spec")
}

/// Every file `cme-codegen` would write, and their total lines.
fn regenerate(dir: &Path) -> (usize, usize) {
    let api = cme_codegen::load(dir).expect("the spec is valid");
    let files = cme_codegen::gen::generate(&api).expect("generation");
    let lines = files.values().map(|text| text.lines().count()).sum();
    (files.len(), lines)
}

/// The baseline: read and parse each YAML file of the spec, nothing more.
fn parse_only(dir: &Path) -> usize {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("api-spec/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    entries.sort();
    entries
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path).expect("read");
            let value: serde_yaml::Value = serde_yaml::from_str(&text).expect("YAML");
            usize::from(!value.is_null())
        })
        .sum()
}

pub fn run(settings: &Settings) {
    let dir = spec_dir();
    let (files, lines) = regenerate(&dir);
    let yaml_files = parse_only(&dir);
    eprintln!("    ({yaml_files} YAML files -> {files} generated files, {lines} lines)");
    let n = measure::calibrate(settings.batch, 1, |n| {
        measure::time_n(n, || regenerate(&dir))
    });
    let m = measure::calibrate(settings.batch, 1, |m| {
        measure::time_n(m, || parse_only(&dir))
    });
    let mut cmp = Comparison::new("codegen.regenerate", "ms", Better::Lower);
    measure::interleave(
        &mut cmp,
        settings.rounds,
        || measure::per_iter(measure::time_n(n, || regenerate(&dir)), n) * 1e3,
        || measure::per_iter(measure::time_n(m, || parse_only(&dir)), m) * 1e3,
    );
    cmp.report();
}
