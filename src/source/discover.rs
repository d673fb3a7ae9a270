//! Which files to lint: explicit paths as given, directories walked (SPEC §1).

use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use globset::GlobSet;
use walkdir::WalkDir;

/// A file to lint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Input {
    pub path: PathBuf,
    /// The path as reported: as the user wrote it, or the walk root joined with the entry.
    pub name: String,
    /// Named on the command line (always read) rather than found by walking.
    pub explicit: bool,
}

/// A path that could not be used. Missing or unreadable paths make the command fail (exit 2)
/// after everything else has been linted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiscoverError {
    pub path: String,
    pub message: String,
}

#[derive(Debug, Default)]
pub struct Discovered {
    pub inputs: Vec<Input>,
    pub errors: Vec<DiscoverError>,
    /// Notes for the user that do not change the exit status (a symlink loop, a FIFO found
    /// while walking).
    pub warnings: Vec<String>,
    /// Files met while walking that could not be read as files (FIFOs, sockets, devices):
    /// counted as skipped so the summary accounts for every file.
    pub skipped: usize,
}

const EXTENSIONS: &[&str] = &["json", "yaml", "yml", "template"];
const SKIPPED_DIRS: &[&str] = &["node_modules", "target"];

pub fn discover(paths: &[PathBuf], exclude: &GlobSet) -> Discovered {
    let mut found = Discovered::default();
    for path in paths {
        let name = display_name(path);
        match fs::metadata(path) {
            Err(err) => found.errors.push(DiscoverError {
                path: name,
                message: describe_io(&err),
            }),
            Ok(meta) if meta.is_dir() => walk(path, exclude, &mut found),
            Ok(meta) if meta.is_file() => found.inputs.push(Input {
                path: path.clone(),
                name,
                explicit: true,
            }),
            Ok(_) => found.errors.push(DiscoverError {
                path: name,
                message: "not a regular file or directory".into(),
            }),
        }
    }
    found.inputs.sort_by(|a, b| a.name.cmp(&b.name));
    found.inputs.dedup_by(|a, b| a.path == b.path);
    found
}

/// A path as findings name it: without a leading `./`, which walking `.` adds and which
/// GitHub does not match against the files of a pull request.
fn display_name(path: &Path) -> String {
    let name = path.to_string_lossy();
    let mut rest: &str = &name;
    let separators: &[char] = if cfg!(windows) { &['/', '\\'] } else { &['/'] };
    while let Some(stripped) = rest.strip_prefix('.').filter(|s| s.starts_with(separators)) {
        rest = stripped.trim_start_matches(separators);
    }
    if rest.is_empty() {
        name.into_owned()
    } else {
        rest.to_owned()
    }
}

fn walk(root: &Path, exclude: &GlobSet, found: &mut Discovered) {
    let walker = WalkDir::new(root)
        .follow_links(true)
        .into_iter()
        .filter_entry(|entry| {
            if entry.depth() == 0 {
                return true;
            }
            let rel = entry.path().strip_prefix(root).unwrap_or(entry.path());
            if entry.file_type().is_dir() {
                let name = entry.file_name().to_string_lossy();
                !(name.starts_with('.')
                    || SKIPPED_DIRS.contains(&name.as_ref())
                    || exclude.is_match(rel)
                    || exclude.is_match(rel.join("_")))
            } else {
                !exclude.is_match(rel)
            }
        });
    for entry in walker {
        match entry {
            Ok(entry) => {
                let path = entry.path();
                if !entry.file_type().is_file() {
                    if !entry.file_type().is_dir() && has_lintable_extension(path) {
                        found.skipped += 1;
                        found
                            .warnings
                            .push(format!("{}: skipped: not a regular file", path.display()));
                    }
                    continue;
                }
                if has_lintable_extension(path) {
                    found.inputs.push(Input {
                        path: path.to_path_buf(),
                        name: display_name(path),
                        explicit: false,
                    });
                }
            }
            Err(err) => {
                let path = err
                    .path()
                    .map_or_else(|| root.display().to_string(), |p| p.display().to_string());
                if err.loop_ancestor().is_some() {
                    found
                        .warnings
                        .push(format!("{path}: skipped: symbolic link loop"));
                } else {
                    let message = err.io_error().map_or_else(|| err.to_string(), describe_io);
                    found.errors.push(DiscoverError { path, message });
                }
            }
        }
    }
}

fn has_lintable_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// Reads a file, refusing anything that is not a regular file (a FIFO would block forever).
pub(crate) fn read_file(path: &Path) -> io::Result<Vec<u8>> {
    let meta = fs::metadata(path)?;
    if !meta.is_file() {
        return Err(io::Error::other("not a regular file"));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    fs::File::open(path)?.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// An IO error as a short phrase ("no such file or directory"), without Rust's "(os error 2)".
pub(crate) fn describe_io(err: &io::Error) -> String {
    match err.kind() {
        io::ErrorKind::NotFound => "no such file or directory".into(),
        io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => {
            let text = err.to_string();
            match text.find(" (os error") {
                Some(at) => text[..at].to_lowercase(),
                None => text,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_lintable_files_in_order_and_skips_hidden_and_vendored_dirs() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for file in [
            "b.yaml",
            "a.json",
            "c.txt",
            "d.template",
            "sub/e.yml",
            ".git/f.yaml",
            "node_modules/g.json",
            "cdk.out/h.json",
        ] {
            let path = root.join(file);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, "{}").unwrap();
        }
        let mut builder = globset::GlobSetBuilder::new();
        builder.add(globset::Glob::new("cdk.out/**").unwrap());
        let found = discover(&[root.to_path_buf()], &builder.build().unwrap());
        let names: Vec<_> = found
            .inputs
            .iter()
            .map(|i| {
                i.path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        assert_eq!(names, ["a.json", "b.yaml", "d.template", "sub/e.yml"]);
        assert!(found.errors.is_empty());
    }

    #[test]
    fn a_missing_path_is_an_error_naming_it() {
        let found = discover(&[PathBuf::from("/nonexistent/x.yaml")], &GlobSet::empty());
        assert_eq!(found.errors[0].path, "/nonexistent/x.yaml");
        assert_eq!(found.errors[0].message, "no such file or directory");
    }
}
