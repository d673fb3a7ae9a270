//! Which files to lint: explicit paths as given, directories walked (docs/commands.md),
//! honouring `.gitignore`, `.ignore` and git's exclude files as ripgrep and ruff do.
//!
//! The walk is the `ignore` crate's (ripgrep's walker), with its own reading of ignore files
//! turned off: kmslint reads them itself, bounded, as regular files only (a `.gitignore` in a
//! pull request may be a link to `/dev/zero`), and matches them with the crate's matcher.
//!
//! A CDK cloud assembly (a directory with CDK's `manifest.json`, named or met while walking)
//! is not walked: its stacks' templates are the inputs, each with its stack
//! (docs/deployments.md). An ignored assembly is not met while walking, as any ignored file.

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use globset::GlobSet;
use kmslint_core::deployment::{Stack, assembly};
use kmslint_core::source::read::too_large;
// Bounded reading is the core's (the configuration is read the same way); re-exported so
// the command line names them here.
use ignore::Match;
use ignore::gitignore::{Gitignore, GitignoreBuilder};
pub(crate) use kmslint_core::source::read::{
    DEFAULT_MAX_FILE_SIZE, describe_io, parse_size, read_bounded, read_file,
};

/// The largest ignore file (`.gitignore`, `.ignore`, exclude files) read: one larger is not
/// read, with a note. Patterns are compiled, so this bounds the work more than the memory.
pub(crate) const MAX_IGNORE_FILE_SIZE: u64 = 1 << 20;

/// How to walk and what to refuse.
#[derive(Clone, Debug)]
pub(crate) struct WalkOptions<'a> {
    /// Paths to skip while walking; each set is matched on its own.
    pub exclude: &'a [GlobSet],
    /// Follow symbolic links met while walking (never outside the roots being walked).
    pub follow_links: bool,
    /// Files larger than this many bytes are not read.
    pub max_file_size: u64,
    /// Honour `.gitignore` (inside a git repository), `.ignore`, `.git/info/exclude` and
    /// git's global excludes file (`--no-ignore` turns this off).
    pub ignore_files: bool,
    /// Apply `exclude` and the ignore files to paths named on the command line too
    /// (`--force-exclude`, for pre-commit, which names every file).
    pub force_exclude: bool,
}

impl Default for WalkOptions<'_> {
    fn default() -> Self {
        WalkOptions {
            exclude: &[],
            follow_links: false,
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            ignore_files: true,
            force_exclude: false,
        }
    }
}

/// A file to lint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Input {
    /// The path to read, as given or as walked.
    pub path: PathBuf,
    /// The path as reported: relative to the current directory when it is inside it, else as
    /// given (see [`shown_path`]).
    pub shown: PathBuf,
    /// [`Input::shown`] as text.
    pub name: String,
    /// Named on the command line (always read) rather than found by walking.
    pub explicit: bool,
    /// The stack of a deployment whose template this is (it is linted with the stack's
    /// Region and account).
    pub stack: Option<Stack>,
    /// The Region of each instance of the stack (several for a stack deployed to several
    /// Regions or accounts, whose `stack` has no Region then); empty without a stack.
    pub stack_regions: Vec<Option<String>>,
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
/// [`DEFAULT_MAX_FILE_SIZE`], ignore files honoured.
pub fn discover(paths: &[PathBuf], exclude: &GlobSet) -> Discovered {
    discover_with(
        paths,
        &WalkOptions {
            exclude: std::slice::from_ref(exclude),
            ..WalkOptions::default()
        },
    )
}

/// What every part of one discovery shares.
struct Context {
    /// The current directory, as the OS gives it (and canonical, for paths reached through a
    /// link), for naming paths relative to it.
    cwd: Option<PathBuf>,
    canonical_cwd: Option<PathBuf>,
    exclude: Vec<GlobSet>,
    ignore: Option<IgnoreFiles>,
}

impl Context {
    fn absolute(&self, path: &Path) -> PathBuf {
        match &self.cwd {
            Some(cwd) => absolute(path, cwd),
            None => path.to_path_buf(),
        }
    }

    fn shown(&self, path: &Path) -> PathBuf {
        shown_path(path, self.cwd.as_deref(), self.canonical_cwd.as_deref())
    }

    /// Whether `exclude` matches one of the ways of naming a path.
    fn excluded(&self, names: &[&Path], is_dir: bool) -> bool {
        self.exclude.iter().any(|set| {
            names.iter().any(|name| {
                !name.as_os_str().is_empty()
                    && (set.is_match(name) || (is_dir && set.is_match(name.join("_"))))
            })
        })
    }

    /// `--force-exclude` for a path named on the command line: it, or a directory above it
    /// (up to the current directory), is excluded or ignored.
    fn force_excluded(&self, shown: &Path, abs: &Path, is_dir: bool) -> bool {
        for (i, (s, a)) in shown.ancestors().zip(abs.ancestors()).enumerate() {
            if s.as_os_str().is_empty() || s == Path::new("..") || s.ends_with("..") {
                break;
            }
            if self.excluded(&[s, a], is_dir || i > 0) {
                return true;
            }
        }
        self.ignore
            .as_ref()
            .is_some_and(|ignore| ignore.ignored_with_parents(abs, is_dir))
    }
}

/// Explicit paths are used as given (a symbolic link named on the command line is followed);
/// directories are walked. A file named twice, or named and found by walking, is listed once.
pub(crate) fn discover_with(paths: &[PathBuf], options: &WalkOptions) -> Discovered {
    let mut found = Discovered::default();
    let cwd = std::env::current_dir().ok();
    let canonical_cwd = cwd.as_ref().and_then(|c| fs::canonicalize(c).ok());
    let context = Arc::new(Context {
        ignore: options
            .ignore_files
            .then(|| IgnoreFiles::new(cwd.clone(), canonical_cwd.clone())),
        cwd,
        canonical_cwd,
        exclude: options.exclude.to_vec(),
    });
    // With --follow-links, links may lead anywhere inside the directories named, no further.
    let roots: Arc<Vec<PathBuf>> = Arc::new(if options.follow_links {
        paths
            .iter()
            .filter(|p| p.is_dir())
            .filter_map(|p| fs::canonicalize(p).ok())
            .collect()
    } else {
        Vec::new()
    });
    for path in paths {
        let shown = context.shown(path);
        let name = shown.to_string_lossy().into_owned();
        let meta = fs::metadata(path);
        if options.force_exclude
            && let Ok(meta) = &meta
            && context.force_excluded(&shown, &context.absolute(path), meta.is_dir())
        {
            continue;
        }
        match meta {
            Err(err) => found.errors.push(DiscoverError {
                path: name,
                message: describe_io(&err),
            }),
            Ok(meta) if meta.is_dir() && assembly::is_assembly(path, options.max_file_size) => {
                add_assembly(path, &|p: &Path| context.shown(p), options, &mut found)
            }
            Ok(meta) if meta.is_dir() => walk(path, &shown, options, &context, &roots, &mut found),
            Ok(meta) if meta.is_file() && meta.len() > options.max_file_size => {
                found.errors.push(DiscoverError {
                    path: name,
                    message: too_large(meta.len(), options.max_file_size),
                })
            }
            Ok(meta) if meta.is_file() => found.inputs.push(Input {
                path: path.clone(),
                shown,
                name,
                explicit: true,
                stack: None,
                stack_regions: Vec::new(),
            }),
            Ok(_) => found.errors.push(DiscoverError {
                path: name,
                message: "not a regular file or directory".into(),
            }),
        }
    }
    if let Some(ignore) = &context.ignore {
        found.warnings.extend(ignore.take_notes());
    }
    // The same file by two names (`a.yaml`, `./a.yaml`, `/abs/a.yaml`, or named and walked)
    // is linted once; named wins, so that it is always read, and a stack's template named
    // too keeps its stack. Links stay distinct files.
    let mut first: HashMap<PathBuf, usize> = HashMap::new();
    let mut inputs: Vec<Input> = Vec::with_capacity(found.inputs.len());
    for mut input in std::mem::take(&mut found.inputs) {
        match first.entry(context.absolute(&input.path)) {
            std::collections::hash_map::Entry::Occupied(at) => {
                let kept = &mut inputs[*at.get()];
                if input.explicit && !kept.explicit {
                    input.stack = input.stack.or(kept.stack.take());
                    *kept = input;
                } else if kept.stack.is_none() {
                    kept.stack = input.stack;
                }
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(inputs.len());
                inputs.push(input);
            }
        }
    }
    inputs.sort_by(|a, b| a.name.cmp(&b.name));
    found.inputs = inputs;
    found
}

/// `path` made absolute against `cwd`, `.` and `..` resolved by name (not by following
/// links): for naming and matching only, never for reading.
fn absolute(path: &Path, cwd: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in cwd.join(path).components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// A path as findings name it (as ruff does): relative to the current directory when it is
/// inside it (`/repo/a.yaml` and `../repo/a.yaml` from `/repo` are `a.yaml`; `.` stays `.`),
/// else as given, without the leading `./` that walking `.` adds and that GitHub does not
/// match against the files of a pull request.
pub(crate) fn shown_path(path: &Path, cwd: Option<&Path>, canonical_cwd: Option<&Path>) -> PathBuf {
    if let Some(cwd) = cwd {
        if let Ok(rel) = absolute(path, cwd).strip_prefix(cwd) {
            return if rel.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                rel.to_path_buf()
            };
        }
        // Reached through a link (`/tmp` → `/private/tmp`): the directory holding it, resolved.
        if let (Some(canonical_cwd), Some(parent), Some(file)) =
            (canonical_cwd, path.parent(), path.file_name())
        {
            let parent = if parent.as_os_str().is_empty() {
                Path::new(".")
            } else {
                parent
            };
            if let Ok(parent) = fs::canonicalize(parent)
                && let Ok(rel) = parent.join(file).strip_prefix(canonical_cwd)
            {
                return rel.to_path_buf();
            }
        }
    }
    let mut rest = path;
    while let Ok(stripped) = rest.strip_prefix(".") {
        if stripped.as_os_str().is_empty() {
            break;
        }
        rest = stripped;
    }
    rest.to_path_buf()
}

/// Walks the directory `root` (shown as `root_shown`), adding the files to lint to `found`,
/// with the files skipped and the paths that could not be read.
fn walk(
    root: &Path,
    root_shown: &Path,
    options: &WalkOptions,
    context: &Arc<Context>,
    roots: &Arc<Vec<PathBuf>>,
    found: &mut Discovered,
) {
    let outside: Arc<Mutex<Vec<PathBuf>>> = Arc::default();
    let shown_of = {
        let root = root.to_path_buf();
        let root_shown = root_shown.to_path_buf();
        move |path: &Path| -> PathBuf {
            let rel = path.strip_prefix(&root).unwrap_or(path);
            if root_shown == Path::new(".") {
                rel.to_path_buf()
            } else {
                root_shown.join(rel)
            }
        }
    };
    let assemblies: Arc<Mutex<Vec<PathBuf>>> = Arc::default();
    let filter = entry_filter(
        root,
        options,
        context,
        roots,
        (&outside, &assemblies),
        shown_of.clone(),
    );
    let walker = ignore::WalkBuilder::new(root)
        // kmslint reads the ignore files itself (bounded) and skips hidden directories only.
        .standard_filters(false)
        .follow_links(options.follow_links)
        .sort_by_file_name(|a, b| a.cmp(b))
        .filter_entry(filter)
        .build();
    for entry in walker {
        record(entry, root, options, &shown_of, found);
    }
    let assemblies =
        std::mem::take(&mut *assemblies.lock().unwrap_or_else(PoisonError::into_inner));
    for dir in assemblies {
        add_assembly(&dir, &shown_of, options, found);
    }
    let outside = std::mem::take(&mut *outside.lock().unwrap_or_else(PoisonError::into_inner));
    for path in outside {
        skip(
            found,
            &shown_of,
            &path,
            "symbolic link leads outside the directories being checked",
        );
    }
}

/// Paths the walk set aside: links leading outside the directories named, to be noted, and
/// cloud assemblies, to be read as deployments.
type SetAside<'a> = (&'a Arc<Mutex<Vec<PathBuf>>>, &'a Arc<Mutex<Vec<PathBuf>>>);

/// What the walk enters or yields: not hidden or vendored directories, nothing excluded or
/// ignored, no cloud assembly (added to `assemblies`) and no link that leads outside the
/// directories named (those are added to `outside`, to be noted).
fn entry_filter(
    root: &Path,
    options: &WalkOptions,
    context: &Arc<Context>,
    roots: &Arc<Vec<PathBuf>>,
    (outside, assemblies): SetAside<'_>,
    shown_of: impl Fn(&Path) -> PathBuf + Send + Sync + 'static,
) -> impl Fn(&ignore::DirEntry) -> bool + Send + Sync + 'static {
    let (context, roots, outside) = (context.clone(), roots.clone(), outside.clone());
    let assemblies = assemblies.clone();
    let (root, root_abs) = (root.to_path_buf(), context.absolute(root));
    let (follow_links, max_file_size) = (options.follow_links, options.max_file_size);
    move |entry: &ignore::DirEntry| -> bool {
        let path = entry.path();
        let rel = path.strip_prefix(&root).unwrap_or(path);
        let abs = root_abs.join(rel);
        let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
        if is_dir {
            let name = entry.file_name().to_string_lossy();
            if name.starts_with('.') || SKIPPED_DIRS.contains(&name.as_ref()) {
                return false;
            }
        }
        // The shown name is built per entry only when there is something to match it with.
        if !context.exclude.is_empty() && context.excluded(&[rel, &shown_of(path), &abs], is_dir) {
            return false;
        }
        if let Some(ignore) = &context.ignore
            && ignore.ignored(&abs, is_dir)
        {
            return false;
        }
        // A followed link must stay inside the directories named on the command line.
        if follow_links && entry.path_is_symlink() {
            let inside = fs::canonicalize(path)
                .is_ok_and(|target| roots.iter().any(|r| target.starts_with(r)));
            if !inside {
                outside
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(path.to_path_buf());
                return false;
            }
        }
        // Read as a deployment after the walk, not walked: its files are its stacks'.
        if is_dir && assembly::is_assembly(path, max_file_size) {
            assemblies
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(path.to_path_buf());
            return false;
        }
        true
    }
}

/// Adds the templates of the cloud assembly in `dir` as inputs, each with its stack; what
/// cannot be read of it (its manifest, a template it names) is an error of the path, as a
/// file that cannot be read is. Its other files (the manifest, `tree.json`, asset manifests)
/// are not inputs, nor counted as skipped.
fn add_assembly(
    dir: &Path,
    shown_of: &dyn Fn(&Path) -> PathBuf,
    options: &WalkOptions,
    found: &mut Discovered,
) {
    let (deployment, errors) = assembly::read(dir, options.max_file_size);
    for err in errors {
        found.errors.push(DiscoverError {
            path: shown_of(&err.path).display().to_string(),
            message: err.message,
        });
    }
    for stack in deployment.stacks {
        let shown = shown_of(&stack.template);
        found.inputs.push(Input {
            path: stack.template.clone(),
            name: shown.to_string_lossy().into_owned(),
            shown,
            explicit: false,
            stack: Some(stack),
            stack_regions: Vec::new(),
        });
    }
}

/// Records one entry of the walk under `root`: a file to lint, a file skipped (and why), or
/// a path that could not be read.
fn record(
    entry: Result<ignore::DirEntry, ignore::Error>,
    root: &Path,
    options: &WalkOptions,
    shown_of: &dyn Fn(&Path) -> PathBuf,
    found: &mut Discovered,
) {
    match entry {
        Ok(entry) => {
            let path = entry.path();
            let Some(file_type) = entry.file_type() else {
                return;
            };
            if file_type.is_symlink() {
                // Not followed (no --follow-links): noted when it looks like an input.
                if has_lintable_extension(path) {
                    skip(
                        found,
                        shown_of,
                        path,
                        "symbolic link not followed (--follow-links follows it)",
                    );
                }
                return;
            }
            if !file_type.is_file() {
                if !file_type.is_dir() && has_lintable_extension(path) {
                    skip(found, shown_of, path, "not a regular file");
                }
                return;
            }
            if !has_lintable_extension(path) {
                return;
            }
            match entry.metadata() {
                Ok(meta) if meta.len() > options.max_file_size => skip(
                    found,
                    shown_of,
                    path,
                    &too_large(meta.len(), options.max_file_size),
                ),
                _ => {
                    let shown = shown_of(path);
                    found.inputs.push(Input {
                        path: path.to_path_buf(),
                        name: shown.to_string_lossy().into_owned(),
                        shown,
                        explicit: false,
                        stack: None,
                        stack_regions: Vec::new(),
                    })
                }
            }
        }
        Err(err) => {
            let path = error_path(&err).unwrap_or(root).to_path_buf();
            let depth = error_depth(&err).unwrap_or(0);
            if is_loop(&err) {
                skip(found, shown_of, &path, "symbolic link loop");
            } else if depth > 0
                && let Some(why) = broken_link(&path)
            {
                // Dangling, or a loop of file links: nothing to read.
                skip(found, shown_of, &path, &why);
            } else {
                let message = err.io_error().map_or_else(|| err.to_string(), describe_io);
                found.errors.push(DiscoverError {
                    path: shown_of(&path).display().to_string(),
                    message,
                });
            }
        }
    }
}

/// Notes a path the walk skipped, and counts it when it looks like an input.
fn skip(found: &mut Discovered, shown_of: &dyn Fn(&Path) -> PathBuf, path: &Path, why: &str) {
    if has_lintable_extension(path) {
        found.skipped += 1;
    }
    found
        .warnings
        .push(format!("{}: skipped: {why}", shown_of(path).display()));
}

/// The path an error of the walk is about.
fn error_path(err: &ignore::Error) -> Option<&Path> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::Loop { child, .. } => Some(child),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        _ => None,
    }
}

fn error_depth(err: &ignore::Error) -> Option<usize> {
    match err {
        ignore::Error::WithDepth { depth, .. } => Some(*depth),
        ignore::Error::WithPath { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_depth(err)
        }
        _ => None,
    }
}

fn is_loop(err: &ignore::Error) -> bool {
    match err {
        ignore::Error::Loop { .. } => true,
        ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithPath { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => is_loop(err),
        _ => false,
    }
}

/// The ignore files of one directory, read once.
#[derive(Default)]
struct DirRules {
    dot_ignore: Option<Gitignore>,
    gitignore: Option<Gitignore>,
    /// At a repository's root (a `.git` here): `.git/info/exclude` and the global excludes
    /// file, matched relative to it.
    repo: Option<[Option<Gitignore>; 2]>,
}

/// `.ignore`, `.gitignore`, `.git/info/exclude` and the global excludes file, as ripgrep
/// applies them: `.gitignore` and the exclude files only inside a git repository (a `.git`
/// directory or file above, as ripgrep's `require_git`), `.ignore` anywhere; a deeper file
/// wins over a shallower one, and any `.ignore` over any `.gitignore`. Files above the
/// repository's root are not read.
struct IgnoreFiles {
    cwd: Option<PathBuf>,
    canonical_cwd: Option<PathBuf>,
    dirs: Mutex<HashMap<PathBuf, Arc<DirRules>>>,
    notes: Mutex<Vec<String>>,
}

impl IgnoreFiles {
    fn new(cwd: Option<PathBuf>, canonical_cwd: Option<PathBuf>) -> Self {
        IgnoreFiles {
            cwd,
            canonical_cwd,
            dirs: Mutex::default(),
            notes: Mutex::default(),
        }
    }

    fn take_notes(&self) -> Vec<String> {
        std::mem::take(&mut *self.notes.lock().unwrap_or_else(PoisonError::into_inner))
    }

    fn rules(&self, dir: &Path) -> Arc<DirRules> {
        if let Some(rules) = self
            .dirs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(dir)
        {
            return rules.clone();
        }
        let git = dir.join(".git");
        let repo = fs::symlink_metadata(&git).ok().map(|meta| {
            let exclude = if meta.is_dir() {
                self.read(dir, &git.join("info").join("exclude"), false)
            } else {
                None
            };
            // The user's own file, often a link into a dotfiles repository: followed.
            let global = ignore::gitignore::gitconfig_excludes_path()
                .and_then(|path| self.read(dir, &path, true));
            [exclude, global]
        });
        let rules = Arc::new(DirRules {
            dot_ignore: self.read(dir, &dir.join(".ignore"), false),
            gitignore: self.read(dir, &dir.join(".gitignore"), false),
            repo,
        });
        self.dirs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(dir.to_path_buf(), rules.clone());
        rules
    }

    /// Reads one ignore file: absent, nothing; a link (which git does not read either), not
    /// a regular file or too large, a note.
    fn read(&self, root: &Path, file: &Path, follow: bool) -> Option<Gitignore> {
        let meta = fs::symlink_metadata(file).ok()?;
        let note = |why: &str| {
            let shown = shown_path(file, self.cwd.as_deref(), self.canonical_cwd.as_deref());
            self.notes
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(format!(
                    "{}: not read as an ignore file: {why}",
                    shown.display()
                ));
        };
        if meta.file_type().is_symlink() && !follow {
            note("symbolic link (git does not follow them either)");
            return None;
        }
        let bytes = match read_file(file, MAX_IGNORE_FILE_SIZE) {
            Ok(bytes) => bytes,
            Err(err) => {
                note(&describe_io(&err));
                return None;
            }
        };
        let mut builder = GitignoreBuilder::new(root);
        let mut bad: Option<String> = None;
        for line in String::from_utf8_lossy(&bytes).lines() {
            if let Err(err) = builder.add_line(Some(file.to_path_buf()), line) {
                bad.get_or_insert_with(|| err.to_string());
            }
        }
        if let Some(bad) = bad {
            note(&format!("(other lines are used) {bad}"));
        }
        match builder.build() {
            Ok(gitignore) => Some(gitignore),
            Err(err) => {
                note(&err.to_string());
                None
            }
        }
    }

    /// Whether `abs` (absolute, its directories not themselves ignored) is ignored.
    fn ignored(&self, abs: &Path, is_dir: bool) -> bool {
        let mut chain: Vec<Arc<DirRules>> = Vec::new();
        for dir in abs.ancestors().skip(1) {
            let rules = self.rules(dir);
            let at_repo_root = rules.repo.is_some();
            chain.push(rules);
            if at_repo_root {
                break;
            }
        }
        let in_repo = chain.last().is_some_and(|r| r.repo.is_some());
        // Only the decision counts, not the glob that made it.
        let matched = |gitignore: &Option<Gitignore>| -> Match<()> {
            match gitignore {
                Some(gitignore) => gitignore.matched(abs, is_dir).map(|_| ()),
                None => Match::None,
            }
        };
        let mut dot_ignore = Match::None;
        let mut gitignore = Match::None;
        for rules in &chain {
            if dot_ignore.is_none() {
                dot_ignore = matched(&rules.dot_ignore);
            }
            if in_repo && gitignore.is_none() {
                gitignore = matched(&rules.gitignore);
            }
        }
        let mut decided = dot_ignore.or(gitignore);
        if in_repo && let Some([exclude, global]) = chain.last().and_then(|r| r.repo.as_ref()) {
            decided = decided.or(matched(exclude)).or(matched(global));
        }
        decided.is_ignore()
    }

    /// Whether `abs` or a directory above it is ignored (a path named on the command line).
    fn ignored_with_parents(&self, abs: &Path, is_dir: bool) -> bool {
        let ancestors: Vec<&Path> = abs.ancestors().collect();
        // From the top down, stopping at the repository's root.
        ancestors
            .iter()
            .enumerate()
            .rev()
            .skip(1)
            .any(|(i, path)| self.ignored(path, is_dir || i > 0))
    }
}

/// Why a symbolic link's target cannot be reached; `None` when `path` is not a link or its
/// target can be reached. The target's metadata is read once.
fn broken_link(path: &Path) -> Option<String> {
    if !fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        return None;
    }
    match fs::metadata(path) {
        Ok(_) => None,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            Some("symbolic link to nothing (dangling)".to_owned())
        }
        Err(e) => Some(format!("symbolic link: {}", describe_io(&e))),
    }
}

pub(crate) fn has_lintable_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
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
