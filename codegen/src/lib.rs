//! `cme-codegen`: reads the YAML spec of the CME client API (`api-spec/`), validates it, and
//! generates the typed SDK (`sdk/src/generated/`), the emulator's server side
//! (`emulator/src/generated/`), and the tables of actions of the command line
//! (`cli/src/generated/`) and of the fuzz targets (`fuzz/src/generated/`).
//! Output is deterministic; see `--check`.

pub mod diff;
pub mod error;
pub mod gen;
pub mod model;
mod naming;
pub mod output;
mod raw;
mod validate;

use std::path::Path;

pub use error::{SpecError, SpecErrors};
pub use model::Api;

/// Reads and validates the spec in `dir`.
pub fn load(dir: &Path) -> Result<Api, SpecErrors> {
    let raw = raw::read_dir(dir).map_err(SpecErrors)?;
    validate::build(&raw).map_err(SpecErrors)
}

/// Validates a spec given as `(file name, contents)` pairs (used by `diff` and the tests).
pub fn load_sources(sources: Vec<(String, String)>) -> Result<Api, SpecErrors> {
    let raw = raw::parse_sources(sources).map_err(SpecErrors)?;
    validate::build(&raw).map_err(SpecErrors)
}

/// The README's examples, compiled (and run where they can) as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
