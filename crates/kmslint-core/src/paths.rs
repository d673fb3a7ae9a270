//! Resolving paths as the system does (links, `.` and `..`), to tell whether two names are
//! the same file.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

/// Resolves paths, each directory once: a deployment names hundreds of templates in a few
/// directories, and resolving a path costs a system call per component of it. A path is
/// resolved as [`fs::canonicalize`] resolves it: its directory (resolved once, then
/// remembered), then the file itself, whose link, when it is one, is followed in full.
/// For one run: a directory that becomes a link later is not seen.
#[derive(Default)]
pub struct RealPaths {
    dirs: Mutex<HashMap<PathBuf, Option<PathBuf>>>,
}

impl RealPaths {
    /// `path` resolved, or `None` when it does not exist.
    pub fn resolve(&self, path: &Path) -> Option<PathBuf> {
        // A path ending in `.` or `..` names a directory by way of its parent: resolved in full.
        let ends_in_dot = path.as_os_str().as_encoded_bytes().ends_with(b".");
        let (Some(parent), Some(name), false) = (path.parent(), path.file_name(), ends_in_dot)
        else {
            return fs::canonicalize(path).ok();
        };
        if fs::symlink_metadata(path).ok()?.file_type().is_symlink() {
            return fs::canonicalize(path).ok();
        }
        let parent = if parent.as_os_str().is_empty() {
            Path::new(".")
        } else {
            parent
        };
        let mut dirs = self.dirs.lock().unwrap_or_else(PoisonError::into_inner);
        let dir = dirs
            .entry(parent.to_path_buf())
            .or_insert_with(|| fs::canonicalize(parent).ok());
        Some(dir.as_ref()?.join(name))
    }

    /// [`RealPaths::resolve`], or `path` as it is when it does not exist.
    pub fn resolve_or_same(&self, path: &Path) -> PathBuf {
        self.resolve(path).unwrap_or_else(|| path.to_path_buf())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whatever the way a file is named (relative, through `..`, through a link to it or to
    /// its directory), it resolves as `fs::canonicalize` resolves it.
    #[test]
    fn paths_resolve_as_the_system_resolves_them() {
        let root = tempfile::tempdir().unwrap();
        let real = fs::canonicalize(root.path()).unwrap();
        fs::create_dir(real.join("dir")).unwrap();
        fs::write(real.join("dir/file.yaml"), "").unwrap();
        let paths = RealPaths::default();
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(real.join("dir"), real.join("linked-dir")).unwrap();
            std::os::unix::fs::symlink(real.join("dir/file.yaml"), real.join("link.yaml")).unwrap();
        }
        let names = [
            real.join("dir/file.yaml"),
            real.join("dir/../dir/file.yaml"),
            real.join("dir/./file.yaml"),
            #[cfg(unix)]
            real.join("linked-dir/file.yaml"),
            #[cfg(unix)]
            real.join("link.yaml"),
        ];
        for name in &names {
            assert_eq!(
                paths.resolve(name),
                fs::canonicalize(name).ok(),
                "{}",
                name.display()
            );
            assert_eq!(paths.resolve(name), Some(real.join("dir/file.yaml")));
        }
        assert_eq!(paths.resolve(&real.join("dir/..")), Some(real.clone()));
        assert_eq!(paths.resolve(&real.join("missing.yaml")), None);
        assert_eq!(
            paths.resolve_or_same(&real.join("missing.yaml")),
            real.join("missing.yaml")
        );
    }
}
