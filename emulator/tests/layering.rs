//! Keeps the emulator's module dependencies pointing one way: each module of `src/` has a layer,
//! and may use (`crate::…`) modules of lower layers, and modules of its own layer only where
//! that makes no circle. A new module must be given a layer here, so the question "what may it
//! depend on?" is answered when it is added.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Every top-level module of the crate, lowest layer first.
const LAYERS: &[(&str, &[&str])] = &[
    (
        "foundation: plain data and helpers that know nothing of the service",
        &[
            "config",
            "connections",
            "credentials",
            "dispatch",
            "faults",
            "fixture",
            "header_case",
            "ids",
            "probe",
            "signature",
            "stats",
            "tickets",
            "time",
        ],
    ),
    (
        "stores and the generated contract",
        &["generated", "objects", "state"],
    ),
    (
        "the services: what a request does",
        &["cos", "login", "service", "vod"],
    ),
    ("HTTP: routes, bodies, replies, faults", &["http"]),
    ("wiring: builds and starts everything", &["server"]),
    (
        "the command line: flags and the run loop (feature cli)",
        &["cli"],
    ),
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS
        .iter()
        .position(|(_, modules)| modules.contains(&module))
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The `.rs` files under `dir`, recursively.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).expect("readable dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The top-level module a file of `src/` belongs to (`None` for `lib.rs` and `main.rs`).
fn module_of(file: &Path) -> Option<String> {
    let relative = file.strip_prefix(src()).expect("under src");
    let first = relative.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (!matches!(name, "lib" | "main")).then(|| name.to_owned())
}

/// The top-level modules named after `crate::` in `text`, including those inside brace groups
/// (`use crate::{a, b::{c, d}}` names `a` and `b`).
fn crate_imports(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = text;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // the top-level names of the group: those at brace depth 0
            let mut depth = 0usize;
            let mut name = String::new();
            let mut expecting_name = true;
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        if !name.is_empty() {
                            found.insert(std::mem::take(&mut name));
                        }
                        expecting_name = true;
                    }
                    c if depth == 0 && expecting_name && (c.is_alphanumeric() || c == '_') => {
                        name.push(c);
                    }
                    _ if depth == 0 && !name.is_empty() => {
                        found.insert(std::mem::take(&mut name));
                        expecting_name = false;
                    }
                    _ => {}
                }
            }
            if !name.is_empty() {
                found.insert(name);
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                found.insert(name);
            }
        }
    }
    found
}

/// Who uses whom: every top-level module and the modules it names after `crate::`.
fn uses() -> (BTreeMap<String, BTreeSet<String>>, Vec<String>) {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut problems = Vec::new();
    for file in rust_files(&src()) {
        let Some(module) = module_of(&file) else {
            continue;
        };
        if layer_of(&module).is_none() {
            problems.push(format!(
                "module {module} ({}) has no layer in tests/layering.rs",
                file.display()
            ));
        }
        let text = fs::read_to_string(&file).expect("readable");
        let used = graph.entry(module.clone()).or_default();
        // a capitalised name is an item re-exported at the crate root (a doc link), not a module
        let modules = crate_imports(&text)
            .into_iter()
            .filter(|n| n.starts_with(|c: char| c.is_ascii_lowercase()));
        for name in modules {
            if name != module {
                used.insert(name);
            }
        }
    }
    (graph, problems)
}

#[test]
fn modules_use_only_lower_layers() {
    let (graph, mut problems) = uses();
    for (module, used) in &graph {
        let Some(layer) = layer_of(module) else {
            continue;
        };
        for name in used {
            match layer_of(name) {
                Some(l) if l <= layer => {}
                Some(l) => problems.push(format!(
                    "{module} (layer {layer}: {}) uses crate::{name} (layer {l}: {})",
                    LAYERS[layer].0, LAYERS[l].0
                )),
                None => problems.push(format!("{module} uses crate::{name}, which has no layer")),
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn modules_of_one_layer_make_no_circle() {
    let (graph, _) = uses();
    // depth-first search for a path back to the start
    fn reaches(
        graph: &BTreeMap<String, BTreeSet<String>>,
        from: &str,
        to: &str,
        seen: &mut BTreeSet<String>,
    ) -> bool {
        graph.get(from).is_some_and(|next| {
            next.iter()
                .any(|n| n == to || (seen.insert(n.clone()) && reaches(graph, n, to, seen)))
        })
    }
    let circles: Vec<&String> = graph
        .keys()
        .filter(|m| reaches(&graph, m, m, &mut BTreeSet::new()))
        .collect();
    assert!(
        circles.is_empty(),
        "modules in a circle of imports: {circles:?}"
    );
}

#[test]
fn imports_are_found_in_every_form() {
    let text = "use crate::a::B;\nuse crate::{c, d::{e, f}, g as h};\nlet x = crate::i::j();";
    let found: Vec<String> = crate_imports(text).into_iter().collect();
    assert_eq!(found, ["a", "c", "d", "g", "i"]);
}
