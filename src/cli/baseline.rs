//! `check --baseline FILE` and `check --write-baseline FILE`: where the baseline file is, how a
//! linted file is named in it, reading and writing it. The file format and the matching are
//! the core's (`kmslint_core::baseline`).
//!
//! A file is named in the baseline by its path relative to the baseline file's directory,
//! with `/` separators, so the same baseline works from any current directory and on any
//! system.

use std::path::{Component, Path, PathBuf};

use crate::discover::{self, describe_io};
use kmslint_core::baseline::Baseline;
use kmslint_core::config::{ConfigError, normalize_path};

use super::args::CheckArgs;

/// What `check` does with a baseline.
pub(super) enum Mode {
    /// `--baseline FILE` (or the configuration's `baseline`): report what it does not record.
    Filter(Baseline),
    /// `--write-baseline FILE`: record every finding in it, report none.
    Write,
}

/// The baseline of a run: its file, and what to do with it.
pub(super) struct BaselineRun {
    /// The file as named (on the command line, or joined to the configuration's directory).
    pub file: PathBuf,
    /// The file's directory, absolute and without symbolic links: paths in the file are
    /// relative to it.
    dir: PathBuf,
    /// The current directory, absolute and without symbolic links.
    cwd: PathBuf,
    pub mode: Mode,
}

/// The baseline the command line and the configuration ask for, read when it is to filter:
/// `--write-baseline` first (the configuration's `baseline` is then not read), then
/// `--no-baseline`, `--baseline`, and the configuration's `baseline` (with the file that set
/// it). A baseline to read that is missing, unreadable, of another version or not a baseline
/// is an error (exit 2), as is a baseline to write in a directory that does not exist.
pub(super) fn open(
    args: &CheckArgs,
    configured: Option<(&str, &Path)>,
    max_size: u64,
) -> Result<Option<BaselineRun>, ConfigError> {
    let cwd = std::env::current_dir()
        .map(|dir| std::fs::canonicalize(&dir).unwrap_or(dir))
        .map_err(|e| ConfigError {
            origin: "--baseline".to_owned(),
            key: None,
            message: format!("the current directory: {}", describe_io(&e)),
        })?;
    if let Some(file) = &args.write_baseline {
        let fail = |message: String| ConfigError {
            origin: "--write-baseline".to_owned(),
            key: None,
            message: format!("{}: {message}", file.display()),
        };
        let dir = directory_of(&cwd, file).map_err(|e| fail(describe_io(&e)))?;
        return Ok(Some(BaselineRun {
            file: file.clone(),
            dir,
            cwd,
            mode: Mode::Write,
        }));
    }
    if args.no_baseline {
        return Ok(None);
    }
    let (file, fail): (PathBuf, Box<dyn Fn(String) -> ConfigError>) =
        match (&args.baseline, configured) {
            (Some(file), _) => (
                file.clone(),
                Box::new(move |message| ConfigError {
                    origin: "--baseline".to_owned(),
                    key: None,
                    message,
                }),
            ),
            (None, Some((name, config))) => {
                let origin = config.display().to_string();
                (
                    config.parent().unwrap_or(Path::new("")).join(name),
                    Box::new(move |message| ConfigError {
                        origin: origin.clone(),
                        key: Some("baseline".to_owned()),
                        message,
                    }),
                )
            }
            (None, None) => return Ok(None),
        };
    let shown = kmslint_core::lookup::abbreviate(&file.display().to_string()).into_owned();
    let bytes = discover::read_file(&file, max_size).map_err(|e| {
        let hint = if e.kind() == std::io::ErrorKind::NotFound {
            format!(" (create it with `kmslint check --write-baseline {shown}`)")
        } else {
            String::new()
        };
        fail(format!("{shown}: {}{hint}", describe_io(&e)))
    })?;
    // A byte-order mark, as editors on Windows write one, is not part of the JSON.
    let mut bytes = bytes;
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    let text = String::from_utf8(bytes).map_err(|_| fail(format!("{shown}: not UTF-8 text")))?;
    let baseline = Baseline::parse(&text).map_err(|m| fail(format!("{shown}: {m}")))?;
    let dir =
        directory_of(&cwd, &file).map_err(|e| fail(format!("{shown}: {}", describe_io(&e))))?;
    Ok(Some(BaselineRun {
        file,
        dir,
        cwd,
        mode: Mode::Filter(baseline),
    }))
}

/// The directory `file` is in, absolute and without symbolic links; an error when it does not
/// exist.
fn directory_of(cwd: &Path, file: &Path) -> std::io::Result<PathBuf> {
    let parent = file.parent().unwrap_or(Path::new(""));
    std::fs::canonicalize(cwd.join(parent))
}

impl BaselineRun {
    /// How the file at `path` (as read: relative to the current directory, or absolute) is
    /// named in the baseline.
    pub(crate) fn name_of(&self, path: &Path) -> String {
        relative(&self.dir, &absolute(&self.cwd, path))
    }

    /// Whether `path` (as read) is this baseline file: a directory walk skips it, as it is the
    /// run's own record and not a template (docs/change-review.md, "Baselines").
    pub(crate) fn is_this_file(&self, path: &Path) -> bool {
        self.name_of(path) == self.name_of(&self.file)
    }

    /// The file named `name` in the baseline, as a path to look for, when it is inside the
    /// baseline's directory: a name that is absolute or climbs out with `..` (written by hand,
    /// or by a hostile change) is not looked for, so the baseline cannot probe the file system
    /// elsewhere.
    pub(crate) fn path_inside(&self, name: &str) -> Option<PathBuf> {
        let mut path = self.dir.clone();
        for part in name.split('/') {
            let mut components = Path::new(part).components();
            match (components.next(), components.next()) {
                (Some(Component::Normal(part)), None) => path.push(part),
                _ => return None,
            }
        }
        Some(path)
    }

    /// Writes `baseline` to the file; never through a symbolic link (one committed under
    /// its name would send the write anywhere).
    pub(crate) fn write(&self, baseline: &Baseline) -> std::io::Result<()> {
        use std::io::Write;
        let mut file = crate::write::create_output(&self.file)?;
        file.write_all(baseline.to_json().as_bytes())?;
        file.sync_all()
    }
}

/// `path` joined to `cwd`, its directory without symbolic links when it exists (the file
/// itself is not followed: a link is named as the link), `.` and `..` removed.
fn absolute(cwd: &Path, path: &Path) -> PathBuf {
    let joined = cwd.join(path);
    match (joined.parent(), joined.file_name()) {
        (Some(parent), Some(name)) => match std::fs::canonicalize(parent) {
            Ok(parent) => parent.join(name),
            Err(_) => normalize_path(&joined),
        },
        _ => normalize_path(&joined),
    }
}

/// `to` relative to the directory `from` (both absolute), with `/` separators and `..` where
/// `to` is not inside `from`; `to` itself when they share no root (another drive).
pub(super) fn relative(from: &Path, to: &Path) -> String {
    let from: Vec<Component<'_>> = from.components().collect();
    let path = to;
    let to: Vec<Component<'_>> = path.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    if common == 0 {
        return path.to_string_lossy().replace('\\', "/");
    }
    let parts: Vec<String> = std::iter::repeat_n("..".to_owned(), from.len() - common)
        .chain(
            to[common..]
                .iter()
                .map(|c| c.as_os_str().to_string_lossy().into_owned()),
        )
        .collect();
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_outside_the_baseline_directory_are_not_looked_for() {
        let run = BaselineRun {
            file: PathBuf::from("b.json"),
            dir: PathBuf::from("/repo/ci"),
            cwd: PathBuf::from("/repo"),
            mode: Mode::Write,
        };
        assert_eq!(
            run.path_inside("stacks/k.yaml"),
            Some(PathBuf::from("/repo/ci/stacks/k.yaml"))
        );
        for name in [
            "../k.yaml",
            "a/../../etc/x",
            "/etc/shadow",
            "",
            "a//b",
            "./a",
        ] {
            assert_eq!(run.path_inside(name), None, "{name}");
        }
    }

    #[test]
    fn paths_are_relative_to_the_baseline_directory() {
        let base = Path::new("/repo/ci");
        assert_eq!(
            relative(base, Path::new("/repo/ci/stacks/k.yaml")),
            "stacks/k.yaml"
        );
        assert_eq!(
            relative(base, Path::new("/repo/stacks/k.yaml")),
            "../stacks/k.yaml"
        );
        assert_eq!(relative(Path::new("/"), Path::new("/k.yaml")), "k.yaml");
        assert_eq!(
            normalize_path(Path::new("/repo/./a/../b.yaml")),
            PathBuf::from("/repo/b.yaml")
        );
    }
}
