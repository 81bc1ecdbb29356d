//! `cargo run -p cme-codegen [-- --check | diff OLD [NEW]]`: regenerates the SDK and emulator
//! code from `api-spec/`, checks that the committed code is current, or prints what changed
//! between two versions of the spec.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use clap::{Parser, Subcommand};
use cme_codegen::{diff, gen, load, load_sources, output, Api};

/// Generates the CME SDK and emulator code from the YAML API spec.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// The workspace root (holds `api-spec/`, `sdk/`, `emulator/`).
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/.."))]
    root: PathBuf,
    /// Write nothing; exit non-zero and name the stale files if the generated code is not
    /// what the spec produces.
    #[arg(long)]
    check: bool,
    #[command(subcommand)]
    command: Option<Cmd>,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Prints the changes from OLD to NEW (each a spec directory or a git revision; NEW
    /// defaults to the working tree's `api-spec/`), marking those that break users' code.
    Diff {
        /// The older spec: a directory, or a git revision such as `HEAD~1` or `v0.1.0`.
        old: String,
        /// The newer spec: a directory or a git revision (default: the working tree).
        new: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Some(Cmd::Diff { old, new }) => run_diff(&cli.root, old, new.as_deref()),
        None => run_generate(&cli.root, cli.check),
    };
    match result {
        Ok(code) => code,
        Err(msg) => {
            eprintln!("{msg}");
            ExitCode::FAILURE
        }
    }
}

fn run_generate(root: &Path, check: bool) -> Result<ExitCode, String> {
    let api = load(&root.join("api-spec"))
        .map_err(|e| format!("the spec is invalid; nothing was written:\n{e}"))?;
    let classes: Vec<String> = api.classes.iter().map(|c| c.name.clone()).collect();
    let missing = output::missing_features(root, &classes)
        .map_err(|e| format!("cannot read sdk/Cargo.toml: {e}"))?;
    if !missing.is_empty() {
        return Err(format!(
            "sdk/Cargo.toml lacks the cargo feature of each ActionClass; add: {}",
            missing.join(", ")
        ));
    }
    let files = gen::generate(&api)?;
    if check {
        let stale = output::check(root, &files)
            .map_err(|e| format!("cannot read the generated files: {e}"))?;
        if stale.is_empty() {
            println!("generated code is up to date ({} files)", files.len());
            return Ok(ExitCode::SUCCESS);
        }
        eprintln!("generated code is stale; run `cargo run -p cme-codegen`:");
        for s in &stale {
            eprintln!("  {s}");
        }
        return Ok(ExitCode::FAILURE);
    }
    let changes = output::write(root, &files)
        .map_err(|e| format!("cannot write the generated files: {e}"))?;
    for c in &changes {
        println!("{c}");
    }
    println!("{} files generated, {} changed", files.len(), changes.len());
    Ok(ExitCode::SUCCESS)
}

/// Loads a spec from a directory or, when no such directory exists, a git revision.
fn load_spec(root: &Path, which: &str) -> Result<Api, String> {
    let dir = Path::new(which);
    let dir = if dir.is_absolute() {
        dir.to_path_buf()
    } else {
        root.join(dir)
    };
    if dir.is_dir() {
        return load(&dir).map_err(|e| format!("{which}: invalid spec:\n{e}"));
    }
    let git = |args: &[&str]| -> Result<String, String> {
        let out = Command::new("git")
            .arg("-C")
            .arg(root)
            .args(args)
            .output()
            .map_err(|e| format!("cannot run git: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "{which} is neither a spec directory nor a git revision: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        String::from_utf8(out.stdout).map_err(|e| format!("git output is not UTF-8: {e}"))
    };
    let listing = git(&["ls-tree", "--name-only", which, "api-spec/"])?;
    let mut sources = Vec::new();
    for path in listing.lines().filter(|p| p.ends_with(".yaml")) {
        let text = git(&["show", &format!("{which}:{path}")])?;
        let name = path.trim_start_matches("api-spec/").to_owned();
        sources.push((name, text));
    }
    sources.sort();
    load_sources(sources).map_err(|e| format!("{which}: invalid spec:\n{e}"))
}

fn run_diff(root: &Path, old: &str, new: Option<&str>) -> Result<ExitCode, String> {
    let old_api = load_spec(root, old)?;
    let new_api = load_spec(root, new.unwrap_or("api-spec"))?;
    let changes = diff::diff(&old_api, &new_api);
    for c in &changes {
        println!("{c}");
    }
    let breaking = changes.iter().filter(|c| c.breaking).count();
    println!("{} changes, {breaking} breaking", changes.len());
    Ok(ExitCode::SUCCESS)
}
