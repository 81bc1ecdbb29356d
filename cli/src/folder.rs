//! The files of `cme upload`'s FILE arguments: a file is itself, a folder the regular files
//! directly in it (`--recursive`: in it and its subfolders), in the order of their names.
//!
//! - Hidden entries (a name starting with `.`) are skipped, and so are the CLI's own
//!   checkpoints (`uploads/` of the config directory, and `--checkpoint`): a folder uploaded
//!   while an upload of it is interrupted must not upload its checkpoints.
//! - A link to a file is that file; a link to a folder is not followed (a folder linking to
//!   itself has no end), and neither is anything else that is not a regular file.
//! - A folder with no file to upload is a usage error naming it.

use std::path::{Path, PathBuf};

use crate::error::Failure;

/// A file to upload and the FILE argument it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// The file: the argument itself, or the folder's path joined with the file's.
    pub path: PathBuf,
    /// The index of its FILE argument.
    pub argument: usize,
}

/// Files a folder never yields, canonical paths.
#[derive(Debug, Default)]
pub struct Skipped {
    /// Every file directly in this folder (the checkpoints' folder).
    pub folder: Option<PathBuf>,
    /// This file (`--checkpoint`).
    pub file: Option<PathBuf>,
}

impl Skipped {
    /// The CLI's checkpoints: `uploads/` of the config directory `dir`, and `checkpoint`.
    pub fn checkpoints(dir: &Path, checkpoint: Option<&Path>) -> Self {
        Self {
            folder: std::fs::canonicalize(dir.join("uploads")).ok(),
            file: checkpoint.and_then(|c| std::fs::canonicalize(c).ok()),
        }
    }

    fn skips(&self, path: &Path) -> bool {
        if self.folder.is_none() && self.file.is_none() {
            return false;
        }
        let Ok(canonical) = std::fs::canonicalize(path) else {
            return false;
        };
        self.file.as_deref() == Some(&canonical)
            || self
                .folder
                .as_deref()
                .is_some_and(|f| canonical.parent() == Some(f))
    }
}

/// The files of `arguments` (`-` and paths that are no folder as they are, so that their
/// upload tells what is wrong with them), each folder's in the order of their names.
pub fn list(
    arguments: &[PathBuf],
    recursive: bool,
    skipped: &Skipped,
) -> Result<Vec<Listed>, Failure> {
    let mut files = Vec::new();
    for (argument, path) in arguments.iter().enumerate() {
        let listed = |path| Listed { path, argument };
        if path.as_os_str() == "-" || !path.is_dir() {
            files.push(listed(path.clone()));
            continue;
        }
        let mut found = Vec::new();
        let subfolders = walk(path, recursive, skipped, &mut found)?;
        if found.is_empty() {
            let hint = if subfolders && !recursive {
                " (give --recursive to upload its subfolders' files)"
            } else {
                ""
            };
            return Err(Failure::usage(format!(
                "{} is a folder with no file to upload{hint}",
                path.display()
            )));
        }
        files.extend(found.into_iter().map(listed));
    }
    Ok(files)
}

/// Appends the files of `folder` to `found`, its subfolders' too when `recursive`; returns
/// whether it has subfolders.
fn walk(
    folder: &Path,
    recursive: bool,
    skipped: &Skipped,
    found: &mut Vec<PathBuf>,
) -> Result<bool, Failure> {
    let unreadable = |e| Failure::io(format!("reading the folder {}", folder.display()), e);
    let mut entries = std::fs::read_dir(folder)
        .map_err(unreadable)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(unreadable)?;
    entries.sort_by_key(|e| e.file_name());
    let mut subfolders = false;
    for entry in entries {
        if entry.file_name().as_encoded_bytes().starts_with(b".") {
            continue;
        }
        let path = entry.path();
        let kind = entry.file_type().map_err(unreadable)?;
        // A link counts as what it points to, except that a link to a folder is not followed.
        let is_file = if kind.is_symlink() {
            std::fs::metadata(&path).is_ok_and(|m| m.is_file())
        } else {
            kind.is_file()
        };
        if kind.is_dir() {
            subfolders = true;
            if recursive {
                walk(&path, recursive, skipped, found)?;
            }
        } else if is_file && !skipped.skips(&path) {
            found.push(path);
        }
    }
    Ok(subfolders)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(files: &[Listed], root: &Path) -> Vec<String> {
        files
            .iter()
            .map(|f| {
                let path = f.path.strip_prefix(root).unwrap_or(&f.path);
                format!("{}:{}", f.argument, path.display())
            })
            .collect()
    }

    #[test]
    fn folders_are_their_files_in_name_order() {
        let root = std::env::temp_dir().join(format!("cme-cli-folder-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let clips = root.join("clips");
        std::fs::create_dir_all(clips.join("sub/deeper")).unwrap();
        std::fs::create_dir_all(clips.join(".hidden-folder")).unwrap();
        std::fs::create_dir_all(root.join("config/uploads")).unwrap();
        for file in [
            "b.mp4",
            "a.mp4",
            "c.png",
            ".DS_Store",
            "sub/d.mp3",
            "sub/deeper/e.mp4",
            ".hidden-folder/f.mp4",
        ] {
            std::fs::write(clips.join(file), file).unwrap();
        }
        let checkpoint = root.join("config/uploads/a.mp4-0123.json");
        std::fs::write(&checkpoint, "{}").unwrap();
        #[cfg(unix)]
        {
            // A link to a file is the file; a link to a folder (here: a loop) is not followed.
            std::os::unix::fs::symlink(clips.join("a.mp4"), clips.join("link.mp4")).unwrap();
            std::os::unix::fs::symlink(&clips, clips.join("sub/loop")).unwrap();
            std::os::unix::fs::symlink(root.join("gone"), clips.join("broken.mp4")).unwrap();
            std::os::unix::fs::symlink(root.join("config/uploads"), clips.join("ckpt")).unwrap();
        }
        let skipped = Skipped::checkpoints(&root.join("config"), None);
        let arguments = [clips.clone(), root.join("x.mp4")];
        let flat = list(&arguments, false, &skipped).unwrap();
        let mut expected = vec!["0:clips/a.mp4", "0:clips/b.mp4", "0:clips/c.png"];
        if cfg!(unix) {
            expected.push("0:clips/link.mp4");
        }
        expected.push("1:x.mp4");
        assert_eq!(names(&flat, &root), expected);
        let deep = list(&arguments, true, &skipped).unwrap();
        let mut expected = vec!["0:clips/a.mp4", "0:clips/b.mp4", "0:clips/c.png"];
        if cfg!(unix) {
            expected.push("0:clips/link.mp4");
        }
        expected.extend(["0:clips/sub/d.mp3", "0:clips/sub/deeper/e.mp4", "1:x.mp4"]);
        assert_eq!(names(&deep, &root), expected);
        // The checkpoints' folder itself, and `--checkpoint`: nothing to upload.
        let uploads = [root.join("config/uploads")];
        let refused = list(&uploads, true, &skipped).unwrap_err();
        assert_eq!(refused.exit_code(), crate::error::EXIT_USAGE);
        assert!(
            refused.to_string().contains("no file to upload"),
            "{refused}"
        );
        let only = Skipped::checkpoints(&root.join("nowhere"), Some(&checkpoint));
        assert!(list(&uploads, false, &only).is_err());
        // A folder of folders, without --recursive.
        std::fs::create_dir_all(root.join("nest/inner")).unwrap();
        std::fs::write(root.join("nest/inner/g.mp4"), "g").unwrap();
        let refused = list(&[root.join("nest")], false, &skipped).unwrap_err();
        assert!(refused.to_string().contains("--recursive"), "{refused}");
        std::fs::remove_dir_all(&root).unwrap();
    }
}
