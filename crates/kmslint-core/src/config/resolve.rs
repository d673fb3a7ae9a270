//! Which configuration applies: the nearest `.kmslint.toml` up from a directory, and the
//! chain of files its `extend` names merged into one, with the file each key came from.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use crate::lookup::{self, RuleName};
use crate::paths::RealPaths;

use super::checks::check_list_length;
use super::file::{CONFIG_FILE, ConfigFile, load};
use super::{ConfigError, Origin, StackDecl};

/// The nearest `.kmslint.toml` in `start` or a parent directory, up to the repository's root
/// (the directory holding `.git`, a directory or a file) or `home`, whichever comes first:
/// a file above the repository, in a directory anyone can write to such as `/tmp`, must not
/// configure it.
pub fn discover(start: &Path, home: Option<&Path>) -> Option<PathBuf> {
    for dir in start.ancestors() {
        let candidate = dir.join(CONFIG_FILE);
        if candidate.is_file() {
            return Some(candidate);
        }
        if dir.join(".git").exists() || home.is_some_and(|home| dir == home) {
            return None;
        }
    }
    None
}

/// The user's home directory, as the configuration search compares it (without symbolic
/// links, as the current directory is).
pub fn home_dir() -> Option<PathBuf> {
    let home = std::env::var_os(if cfg!(windows) { "USERPROFILE" } else { "HOME" })?;
    if home.is_empty() {
        return None;
    }
    std::fs::canonicalize(home).ok()
}

/// The most files an `extend` chain has, the first included: real chains have two or three,
/// and each directory's configuration is merged with its whole chain.
pub(crate) const MAX_EXTEND_DEPTH: usize = 32;

/// A configuration file with the files it extends merged in, and which file each key
/// came from.
#[derive(Clone, Debug, Default)]
pub struct Resolved {
    pub file: ConfigFile,
    /// The file each key was set in: `select`, `severity.KMS2`, ….
    pub origins: BTreeMap<String, PathBuf>,
    /// The file named, then each file it extends, in order.
    pub chain: Vec<PathBuf>,
    /// Each file's own `extend-select` and `extend-ignore` (key, file, list), the farthest
    /// file first: `file` has them added up, and `--show-settings` names each file's.
    pub extended: Vec<(String, PathBuf, Vec<String>)>,
}

impl Resolved {
    /// The stacks of the configuration (`[[stacks]]`), checked when its files were read: the
    /// nearest file's table that has one, whole (a nearer file's table replaces a farther's,
    /// as every other key). Empty without one.
    pub fn stacks(&self) -> &[StackDecl] {
        self.file.stacks.as_deref().unwrap_or_default()
    }

    /// Where `key` was set, for `--show-settings`: the file and key, or the default.
    pub fn origin_of(&self, key: &str) -> Origin {
        self.origins
            .get(key)
            .map_or(Origin::Default, |p| Origin::Key(p.clone(), key.to_owned()))
    }
}

/// Reads `path` and the files its `extend` names (relative to the file naming them), the
/// nearer file's keys winning; `extend-select`, `extend-ignore` and `[severity]` accumulate.
/// A cycle is an error naming the file that closes it and the file it names again.
pub fn load_chain(path: &Path, rules: &[RuleName]) -> Result<Resolved, ConfigError> {
    Loader::default().load_chain(path, rules)
}

/// Loads configuration chains, reading and checking each file once however many chains it is
/// in (a monorepo's configurations that all extend the root's).
#[derive(Default)]
pub struct Loader {
    /// Each file read, by its path without links.
    files: HashMap<PathBuf, std::rc::Rc<ConfigFile>>,
    /// Each file's chain merged, by its path without links and the repository it was
    /// reached from (which bounds where its `extend` may lead): a thousand configurations
    /// extending one merge its chain once, not a thousand times.
    resolved: HashMap<(PathBuf, PathBuf), Resolved>,
}

impl Loader {
    /// [`load_chain`], with the files this loader has read already.
    ///
    /// `extend` may only name files inside the repository holding `path` (the nearest
    /// directory up from it with a `.git`, or `path`'s own directory when there is none) or
    /// the user's configuration directory (`$XDG_CONFIG_HOME/kmslint`, `~/.config/kmslint`):
    /// a configuration in a repository one reviews must not make kmslint read, and quote in
    /// its errors, the reviewer's other files. The chain has at most [`MAX_EXTEND_DEPTH`] files.
    pub fn load_chain(&mut self, path: &Path, rules: &[RuleName]) -> Result<Resolved, ConfigError> {
        let mut files: Vec<(PathBuf, PathBuf, std::rc::Rc<ConfigFile>)> = Vec::new();
        let mut seen: HashMap<PathBuf, usize> = HashMap::new();
        let mut allowed: Vec<PathBuf> = Vec::new();
        let mut base: Option<Resolved> = None;
        let mut next = Some(path.to_path_buf());
        while let Some(path) = next.take() {
            let identity = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
            if allowed.is_empty() {
                allowed = extend_roots(&identity);
            }
            if let Some(done) = self.resolved.get(&(identity.clone(), allowed[0].clone())) {
                if files.len() + done.chain.len() > MAX_EXTEND_DEPTH {
                    return Err(too_deep(&files[files.len() - 1].0, &files[0].0));
                }
                base = Some(done.clone());
                break;
            }
            if let Some(&i) = seen.get(&identity) {
                let by = files.last().map_or(&path, |(by, _, _)| by);
                return Err(ConfigError {
                    origin: by.display().to_string(),
                    key: Some("extend".to_owned()),
                    message: format!(
                        "extends {}, which already extends this file: a cycle",
                        files[i].0.display()
                    ),
                });
            }
            if files.len() == MAX_EXTEND_DEPTH {
                return Err(too_deep(&files[files.len() - 1].0, &files[0].0));
            }
            seen.insert(identity.clone(), files.len());
            let config = match self.files.get(&identity) {
                Some(config) => config.clone(),
                None => {
                    let config = std::rc::Rc::new(load(&path, rules)?);
                    self.files.insert(identity.clone(), config.clone());
                    config
                }
            };
            if let Some(parent) = &config.extend {
                next = Some(extended(&path, &identity, parent, &allowed)?);
            }
            files.push((path, identity, config));
        }
        let mut resolved = base.unwrap_or_default();
        // The farthest file first, each nearer one over it; each step kept for the chains
        // that reach it later.
        for (path, identity, config) in files.into_iter().rev() {
            merge(&mut resolved, ConfigFile::clone(&config), &path)?;
            resolved.chain.insert(0, path);
            self.resolved
                .insert((identity, allowed[0].clone()), resolved.clone());
        }
        Ok(resolved)
    }
}

/// The error for a chain of `extend` longer than [`MAX_EXTEND_DEPTH`], at the file `by`.
fn too_deep(by: &Path, first: &Path) -> ConfigError {
    ConfigError {
        origin: by.display().to_string(),
        key: Some("extend".to_owned()),
        message: format!(
            "the chain of `extend` is longer than {MAX_EXTEND_DEPTH} files (from {})",
            first.display()
        ),
    }
}

/// Where `extend` may lead from the chain that starts at `first` (a path without links):
/// its repository (or its directory), and the user's configuration directory.
fn extend_roots(first: &Path) -> Vec<PathBuf> {
    let mut roots = vec![repository_of(first.parent().unwrap_or(Path::new("/")))];
    let user = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| home_dir().map(|home| home.join(".config")));
    if let Some(dir) = user.and_then(|dir| std::fs::canonicalize(dir.join("kmslint")).ok()) {
        roots.push(dir);
    }
    roots
}

/// The repository holding the directory `dir` (a path without links): the nearest directory
/// up from it with a `.git` (a directory or a file), or `dir` itself when there is none.
pub(super) fn repository_of(dir: &Path) -> PathBuf {
    dir.ancestors()
        .find(|d| d.join(".git").exists())
        .unwrap_or(dir)
        .to_path_buf()
}

/// The file `parent` (the value of `extend` in the file at `path`, `identity` without links)
/// names, when it is a file inside `allowed`. Nothing outside is looked at: the path is
/// checked as written before anything is read, then again with its links resolved.
fn extended(
    path: &Path,
    identity: &Path,
    parent: &str,
    allowed: &[PathBuf],
) -> Result<PathBuf, ConfigError> {
    let fail = |message: String| ConfigError {
        origin: path.display().to_string(),
        key: Some("extend".to_owned()),
        message,
    };
    let shown = lookup::abbreviate(parent);
    let base = path.parent().unwrap_or(Path::new("."));
    let target = normalize_path(&base.join(parent));
    let inside = |p: &Path| allowed.iter().any(|root| p.starts_with(root));
    let outside = || {
        fail(format!(
            "`{shown}` is outside the repository ({}) and the user's configuration directory \
             ($XDG_CONFIG_HOME/kmslint or ~/.config/kmslint): `extend` names only files in them",
            allowed[0].display()
        ))
    };
    let written = normalize_path(&identity.parent().unwrap_or(Path::new("/")).join(parent));
    match file_inside(&RealPaths::default(), &written, &target, inside) {
        Ok(()) => Ok(target),
        Err(Unbounded::Outside) => Err(outside()),
        Err(Unbounded::NotAFile) => Err(fail(format!(
            "`{shown}` is not a file (looked for {})",
            target.display()
        ))),
    }
}

/// Why a file a configuration names is not read.
pub(super) enum Unbounded {
    /// It is outside the directories it may be in.
    Outside,
    /// It is not a file (or cannot be reached).
    NotAFile,
}

/// Whether the file at `path` is a file `inside` allows: checked first as `written` (the path
/// as written, normalized, from a directory without links) before anything is read, then
/// with its links resolved. The one check of the files `extend` and `[[stacks]]` name.
pub(super) fn file_inside(
    paths: &RealPaths,
    written: &Path,
    path: &Path,
    inside: impl Fn(&Path) -> bool,
) -> Result<(), Unbounded> {
    if !inside(written) {
        return Err(Unbounded::Outside);
    }
    match paths.resolve(path) {
        Some(real) if !inside(&real) => Err(Unbounded::Outside),
        Some(real) if real.is_file() => Ok(()),
        _ => Err(Unbounded::NotAFile),
    }
}

/// `a/./b/../c` as `a/c`, so that messages name the file as a person would (the command line's
/// baseline paths too).
pub fn normalize_path(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

fn merge(into: &mut Resolved, config: ConfigFile, origin: &Path) -> Result<(), ConfigError> {
    let mut set = |key: &str| {
        into.origins.insert(key.to_owned(), origin.to_path_buf());
    };
    macro_rules! replace {
        ($($field:ident => $key:literal),*) => {$(
            if config.$field.is_some() {
                set($key);
                into.file.$field = config.$field;
            }
        )*};
    }
    replace!(
        select => "select",
        ignore => "ignore",
        fail_level => "fail-level",
        exclude => "exclude",
        region => "region",
        account => "account",
        deployer_arn => "deployer-arn",
        max_file_size => "max-file-size",
        force_exclude => "force-exclude",
        fix => "fix",
        unsafe_fixes => "unsafe-fixes",
        baseline => "baseline",
        stacks => "stacks"
    );
    for (field, key, list) in [
        (
            &mut into.file.extend_select,
            "extend-select",
            config.extend_select,
        ),
        (
            &mut into.file.extend_ignore,
            "extend-ignore",
            config.extend_ignore,
        ),
    ] {
        if let Some(list) = list {
            into.extended
                .push((key.to_owned(), origin.to_path_buf(), list.clone()));
            let field = field.get_or_insert_with(Vec::new);
            for item in list {
                if !field.contains(&item) {
                    field.push(item);
                }
            }
            check_list_length(field.len()).map_err(|message| ConfigError {
                origin: origin.display().to_string(),
                key: Some(key.to_owned()),
                message: format!("with the files it extends: {message}"),
            })?;
            into.origins.insert(key.to_owned(), origin.to_path_buf());
        }
    }
    for (code, level) in config.severity.into_iter().flatten() {
        into.origins
            .insert(format!("severity.{code}"), origin.to_path_buf());
        into.file
            .severity
            .get_or_insert_with(BTreeMap::new)
            .insert(code, level);
    }
    let severities = into.file.severity.as_ref().map_or(0, BTreeMap::len);
    check_list_length(severities).map_err(|message| ConfigError {
        origin: origin.display().to_string(),
        key: Some("severity".to_owned()),
        message: format!("with the files it extends: {message}"),
    })
}
