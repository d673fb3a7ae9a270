//! Which files to lint: explicit paths as given, directories walked (SPEC §1).

use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use globset::GlobSet;
use walkdir::WalkDir;

/// The largest file kmslint reads unless told otherwise: 64 MiB, far above CloudFormation's
/// 1 MB template limit, far below what would exhaust a CI runner's memory.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 64 << 20;

/// How to walk and what to refuse.
#[derive(Clone, Debug)]
pub struct WalkOptions<'a> {
    /// Paths to skip while walking; each set is matched on its own.
    pub exclude: &'a [GlobSet],
    /// Follow symbolic links met while walking (never outside the roots being walked).
    pub follow_links: bool,
    /// Files larger than this many bytes are not read.
    pub max_file_size: u64,
}

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

/// Discovers with the defaults: symbolic links not followed, files up to
/// [`DEFAULT_MAX_FILE_SIZE`].
pub fn discover(paths: &[PathBuf], exclude: &GlobSet) -> Discovered {
    discover_with(
        paths,
        &WalkOptions {
            exclude: std::slice::from_ref(exclude),
            follow_links: false,
            max_file_size: DEFAULT_MAX_FILE_SIZE,
        },
    )
}

/// Explicit paths are used as given (a symbolic link named on the command line is followed);
/// directories are walked.
pub fn discover_with(paths: &[PathBuf], options: &WalkOptions) -> Discovered {
    let mut found = Discovered::default();
    // With --follow-links, links may lead anywhere inside the directories named, no further.
    let roots: Vec<PathBuf> = if options.follow_links {
        paths
            .iter()
            .filter(|p| p.is_dir())
            .filter_map(|p| fs::canonicalize(p).ok())
            .collect()
    } else {
        Vec::new()
    };
    for path in paths {
        let name = display_name(path);
        match fs::metadata(path) {
            Err(err) => found.errors.push(DiscoverError {
                path: name,
                message: describe_io(&err),
            }),
            Ok(meta) if meta.is_dir() => walk(path, options, &roots, &mut found),
            Ok(meta) if meta.is_file() && meta.len() > options.max_file_size => {
                found.errors.push(DiscoverError {
                    path: name,
                    message: too_large(meta.len(), options.max_file_size),
                })
            }
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

fn walk(root: &Path, options: &WalkOptions, roots: &[PathBuf], found: &mut Discovered) {
    let excluded = |rel: &Path| options.exclude.iter().any(|set| set.is_match(rel));
    let mut outside: Vec<String> = Vec::new();
    let walker = WalkDir::new(root)
        .follow_links(options.follow_links)
        .into_iter()
        .filter_entry(|entry| {
            if entry.depth() == 0 {
                return true;
            }
            let rel = entry.path().strip_prefix(root).unwrap_or(entry.path());
            let keep = if entry.file_type().is_dir() {
                let name = entry.file_name().to_string_lossy();
                !(name.starts_with('.')
                    || SKIPPED_DIRS.contains(&name.as_ref())
                    || excluded(rel)
                    || excluded(&rel.join("_")))
            } else {
                !excluded(rel)
            };
            // A followed link must stay inside the directories named on the command line.
            if keep && options.follow_links && entry.path_is_symlink() {
                let inside = fs::canonicalize(entry.path())
                    .is_ok_and(|target| roots.iter().any(|r| target.starts_with(r)));
                if !inside {
                    outside.push(entry.path().display().to_string());
                    return false;
                }
            }
            keep
        });
    let skip = |found: &mut Discovered, path: &Path, why: &str| {
        if has_lintable_extension(path) {
            found.skipped += 1;
        }
        found
            .warnings
            .push(format!("{}: skipped: {why}", display_name(path)));
    };
    for entry in walker {
        match entry {
            Ok(entry) => {
                let path = entry.path();
                let file_type = entry.file_type();
                if file_type.is_symlink() {
                    // Not followed (no --follow-links): noted when it looks like an input.
                    if has_lintable_extension(path) {
                        skip(
                            found,
                            path,
                            "symbolic link not followed (--follow-links follows it)",
                        );
                    }
                    continue;
                }
                if !file_type.is_file() {
                    if !file_type.is_dir() && has_lintable_extension(path) {
                        skip(found, path, "not a regular file");
                    }
                    continue;
                }
                if !has_lintable_extension(path) {
                    continue;
                }
                match entry.metadata() {
                    Ok(meta) if meta.len() > options.max_file_size => {
                        skip(found, path, &too_large(meta.len(), options.max_file_size))
                    }
                    _ => found.inputs.push(Input {
                        path: path.to_path_buf(),
                        name: display_name(path),
                        explicit: false,
                    }),
                }
            }
            Err(err) => {
                let path = err
                    .path()
                    .map_or_else(|| root.to_path_buf(), Path::to_path_buf);
                if err.loop_ancestor().is_some() {
                    skip(found, &path, "symbolic link loop");
                } else if err.depth() > 0 && is_broken_link(&path) {
                    // Dangling, or a loop of file links: nothing to read.
                    let why = match fs::metadata(&path) {
                        Err(e) if e.kind() == io::ErrorKind::NotFound => {
                            "symbolic link to nothing (dangling)".to_owned()
                        }
                        Err(e) => format!("symbolic link: {}", describe_io(&e)),
                        Ok(_) => "symbolic link".to_owned(),
                    };
                    skip(found, &path, &why);
                } else {
                    let message = err.io_error().map_or_else(|| err.to_string(), describe_io);
                    found.errors.push(DiscoverError {
                        path: path.display().to_string(),
                        message,
                    });
                }
            }
        }
    }
    for path in outside {
        skip(
            found,
            Path::new(&path),
            "symbolic link leads outside the directories being checked",
        );
    }
}

/// A symbolic link whose target cannot be reached.
fn is_broken_link(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
        && fs::metadata(path).is_err()
}

/// Why a file is not read: its size against the limit.
pub(crate) fn too_large(len: u64, limit: u64) -> String {
    format!(
        "larger than the {} limit ({len} bytes; raise it with --max-file-size)",
        format_size(limit)
    )
}

/// `67108864` as `64 MB`; sizes that are not a whole number of units stay in bytes.
pub fn format_size(bytes: u64) -> String {
    for (unit, scale) in [("GB", 1u64 << 30), ("MB", 1 << 20), ("KB", 1 << 10)] {
        if bytes >= scale && bytes.is_multiple_of(scale) {
            return format!("{} {unit}", bytes / scale);
        }
    }
    format!("{bytes} bytes")
}

/// `64MB`, `512 KiB`, `2g` or a number of bytes. Units are powers of 1024.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let number: u64 = digits.parse().map_err(|_| {
        format!("`{text}` is not a size (a number of bytes, or with a unit: `64MB`)")
    })?;
    let scale: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        other => {
            return Err(format!(
                "`{other}` is not a unit of size (expected B, KB, MB or GB)"
            ));
        }
    };
    let size = number
        .checked_mul(scale)
        .ok_or_else(|| format!("`{text}` is too large"))?;
    if size == 0 {
        return Err("must be at least 1 byte".to_owned());
    }
    Ok(size)
}

fn has_lintable_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// Reads a file, refusing anything that is not a regular file (a FIFO would block forever)
/// and anything larger than `limit` bytes: by its size before reading, and by reading at most
/// one byte more than the limit, so a file that grows or reports no size (`/proc`) is bounded.
pub(crate) fn read_file(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    let meta = fs::metadata(path)?;
    if !meta.is_file() {
        return Err(io::Error::other("not a regular file"));
    }
    if meta.len() > limit {
        return Err(io::Error::other(too_large(meta.len(), limit)));
    }
    let file = fs::File::open(path)?;
    // The file opened may not be the one looked at (replaced in between).
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::other("not a regular file"));
    }
    read_bounded(file, meta.len(), limit)
}

/// Reads at most `limit` bytes, failing when there are more.
pub(crate) fn read_bounded(reader: impl Read, hint: u64, limit: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::with_capacity(hint.min(limit) as usize);
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(io::Error::other(format!(
            "larger than the {} limit (raise it with --max-file-size)",
            format_size(limit)
        )));
    }
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
    fn sizes_in_bytes_or_with_a_unit() {
        assert_eq!(parse_size("1048576"), Ok(1 << 20));
        assert_eq!(parse_size("64MB"), Ok(DEFAULT_MAX_FILE_SIZE));
        assert_eq!(parse_size("512 KiB"), Ok(512 << 10));
        assert_eq!(parse_size("2g"), Ok(2 << 30));
        assert!(parse_size("0").is_err());
        assert!(parse_size("MB").is_err());
        assert!(parse_size("99999999999999999999GB").is_err());
        assert_eq!(format_size(DEFAULT_MAX_FILE_SIZE), "64 MB");
        assert_eq!(format_size(1000), "1000 bytes");
    }

    #[test]
    fn reading_stops_one_byte_past_the_limit() {
        let zeros = io::repeat(0);
        assert!(read_bounded(zeros, 0, 1000).is_err());
        assert_eq!(read_bounded(&b"abc"[..], 3, 3).unwrap(), b"abc");
        assert!(read_file(Path::new("/dev/zero"), 10).is_err());
    }

    #[test]
    fn a_missing_path_is_an_error_naming_it() {
        let found = discover(&[PathBuf::from("/nonexistent/x.yaml")], &GlobSet::empty());
        assert_eq!(found.errors[0].path, "/nonexistent/x.yaml");
        assert_eq!(found.errors[0].message, "no such file or directory");
    }
}
