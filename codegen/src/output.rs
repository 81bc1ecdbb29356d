//! Writing the generated files, and checking that the committed ones are current.

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::gen::{Files, GENERATED_DIRS};

/// Why a generated file is not what the spec produces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Staleness {
    /// The file should exist and does not.
    Missing,
    /// The file's contents differ.
    Differs,
    /// The file exists but the spec produces no such file.
    Orphan,
}

/// A file that `--check` finds out of date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stale {
    /// Path relative to the workspace root.
    pub path: PathBuf,
    /// What is wrong.
    pub why: Staleness,
}

impl fmt::Display for Stale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let why = match self.why {
            Staleness::Missing => "missing",
            Staleness::Differs => "differs from what the spec generates",
            Staleness::Orphan => "orphan: the spec no longer generates it",
        };
        write!(f, "{}: {why}", self.path.display())
    }
}

/// Every `.rs` file under the generated folders, relative to `root`.
fn existing(root: &Path) -> std::io::Result<BTreeSet<PathBuf>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeSet<PathBuf>) -> std::io::Result<()> {
        let full = root.join(dir);
        if !full.exists() {
            return Ok(());
        }
        for entry in std::fs::read_dir(full)? {
            let entry = entry?;
            let rel = dir.join(entry.file_name());
            if entry.file_type()?.is_dir() {
                walk(root, &rel, out)?;
            } else if rel.extension().is_some_and(|e| e == "rs") {
                out.insert(rel);
            }
        }
        Ok(())
    }
    let mut out = BTreeSet::new();
    for dir in GENERATED_DIRS {
        walk(root, Path::new(dir), &mut out)?;
    }
    Ok(out)
}

/// Compares `files` with what is on disk under `root`.
pub fn check(root: &Path, files: &Files) -> std::io::Result<Vec<Stale>> {
    let mut stale = Vec::new();
    for (path, text) in files {
        match std::fs::read_to_string(root.join(path)) {
            Ok(current) if &current == text => {}
            Ok(_) => stale.push(Stale {
                path: path.clone(),
                why: Staleness::Differs,
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => stale.push(Stale {
                path: path.clone(),
                why: Staleness::Missing,
            }),
            Err(e) => return Err(e),
        }
    }
    for path in existing(root)? {
        if !files.contains_key(&path) {
            stale.push(Stale {
                path,
                why: Staleness::Orphan,
            });
        }
    }
    Ok(stale)
}

/// Writes the files that changed and removes orphans; returns what it changed.
pub fn write(root: &Path, files: &Files) -> std::io::Result<Vec<Stale>> {
    let changes = check(root, files)?;
    for change in &changes {
        let full = root.join(&change.path);
        match change.why {
            Staleness::Orphan => std::fs::remove_file(&full)?,
            Staleness::Missing | Staleness::Differs => {
                if let Some(parent) = full.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                std::fs::write(&full, &files[&change.path])?;
            }
        }
    }
    remove_empty_dirs(root)?;
    Ok(changes)
}

fn remove_empty_dirs(root: &Path) -> std::io::Result<()> {
    for dir in GENERATED_DIRS {
        let full = root.join(dir);
        if !full.exists() {
            continue;
        }
        for entry in std::fs::read_dir(&full)? {
            let path = entry?.path();
            if path.is_dir() && std::fs::read_dir(&path)?.next().is_none() {
                std::fs::remove_dir(&path)?;
            }
        }
    }
    Ok(())
}

/// The cargo features of `sdk/Cargo.toml` that the spec's classes need but that are missing.
pub fn missing_features(root: &Path, classes: &[String]) -> std::io::Result<Vec<String>> {
    let manifest = std::fs::read_to_string(root.join("sdk/Cargo.toml"))?;
    // The keys of the `[features]` table only (not `[package]` or `[dependencies]` keys).
    let mut in_features = false;
    let mut declared = BTreeSet::new();
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_features = line == "[features]";
        } else if let Some((key, _)) = line.split_once('=').filter(|_| in_features) {
            declared.insert(key.trim().trim_matches('"'));
        }
    }
    Ok(classes
        .iter()
        .map(|c| crate::gen::feature_name(c))
        .filter(|f| !declared.contains(f.as_str()))
        .collect())
}
