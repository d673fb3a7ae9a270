//! Settings for a run, and the `.kmslint.toml` file: what it may say and how it is checked.
//! [`settings_for`] merges the file with [`Overrides`] (the command line's options, or an
//! editor's settings) into [`Settings`]; [`settings_for_file`] is the language server's lookup.
//!
//! Below `rules` and `model`: rule names are handed in (see `lookup`), and the deployer ARN
//! is checked with `deployer`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::deployer::Deployer;
use crate::diagnostic::Severity;
use crate::facts::regions;
use crate::lookup::{self, RuleName};

/// Everything linting needs to know besides the file itself.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    /// The Region the stack is deployed to, when known.
    pub region: Option<String>,
    /// The account the stack is deployed to, when known.
    pub account: Option<String>,
    /// The principal that deploys the stack (KMS204 decides exactly for it).
    pub deployer_arn: Option<String>,
    /// Stack parameter values, which override Default and AllowedValues. Shared: every
    /// directory's settings have the run's parameters, which may be a megabyte.
    pub parameters: std::sync::Arc<HashMap<String, String>>,
    pub rules: RuleSelection,
}

/// Which rules run, and at what severity.
#[derive(Clone, Debug, Default)]
pub struct RuleSelection {
    /// Codes of rules that do not run.
    pub disabled: HashSet<&'static str>,
    /// Per-rule severity overrides.
    pub severity: HashMap<&'static str, Severity>,
}

impl RuleSelection {
    pub fn enabled(&self, code: &str) -> bool {
        !self.disabled.contains(code)
    }
}

/// The lowest severity that makes the exit status 1, or never (README.md, "Using it").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub enum FailLevel {
    Error,
    #[default]
    Warning,
    Info,
    Never,
}

impl FailLevel {
    /// The severity from which findings fail the run.
    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailLevel::Error => Some(Severity::Error),
            FailLevel::Warning => Some(Severity::Warning),
            FailLevel::Info => Some(Severity::Info),
            FailLevel::Never => None,
        }
    }
}

impl TryFrom<String> for FailLevel {
    type Error = String;

    fn try_from(level: String) -> Result<Self, String> {
        match level.as_str() {
            "error" => Ok(FailLevel::Error),
            "warning" => Ok(FailLevel::Warning),
            "info" => Ok(FailLevel::Info),
            "never" => Ok(FailLevel::Never),
            _ => Err(format!(
                "`{}` is not a level (expected error, warning, info or never)",
                lookup::abbreviate(&level)
            )),
        }
    }
}

// --- `.kmslint.toml` -------------------------------------------------------------------

pub(crate) const CONFIG_FILE: &str = ".kmslint.toml";

/// The configuration file as written (README.md#configuration), its levels already read into their
/// enums. Unknown keys are errors.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct ConfigFile {
    /// Another configuration file this one inherits from, relative to this one's directory.
    pub(crate) extend: Option<String>,
    pub(crate) select: Option<Vec<String>>,
    pub(crate) ignore: Option<Vec<String>>,
    /// Rules added to `select` (or to every rule), and to `ignore`, rather than replacing them.
    pub(crate) extend_select: Option<Vec<String>>,
    pub(crate) extend_ignore: Option<Vec<String>>,
    pub fail_level: Option<FailLevel>,
    pub exclude: Option<Vec<String>>,
    /// Apply `exclude` to files named on the command line too (`--force-exclude`).
    pub force_exclude: Option<bool>,
    /// `check --fix` by default (`--no-fix` turns it off).
    pub fix: Option<bool>,
    /// Apply and count unsafe fixes too (`--unsafe-fixes`).
    pub unsafe_fixes: Option<bool>,
    pub(crate) region: Option<String>,
    pub(crate) account: Option<String>,
    pub(crate) deployer_arn: Option<String>,
    /// Bytes, or a string with a unit (`"64MB"`); see `source::read::parse_size`.
    pub max_file_size: Option<SizeValue>,
    /// The baseline file `check` filters findings by (`--baseline`), relative to the
    /// configuration file that sets it.
    pub baseline: Option<String>,
    pub(crate) severity: Option<BTreeMap<String, Severity>>,
}

/// A size as written in the configuration file: `67108864` or `"64MB"`.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum SizeValue {
    Bytes(u64),
    Text(String),
}

impl SizeValue {
    pub fn bytes(&self) -> Result<u64, String> {
        match self {
            SizeValue::Bytes(0) => Err("must be at least 1 byte".to_owned()),
            SizeValue::Bytes(n) => Ok(*n),
            SizeValue::Text(text) => {
                crate::source::read::parse_size(text).map_err(|e| e.to_string())
            }
        }
    }
}

/// A configuration problem: the file (or `--option`), the key, and what was expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub origin: String,
    pub key: Option<String>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.key {
            Some(key) => write!(
                f,
                "{}: `{}`: {}",
                self.origin,
                lookup::abbreviate(key),
                self.message
            ),
            None => write!(f, "{}: {}", self.origin, self.message),
        }
    }
}

impl std::error::Error for ConfigError {}

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

/// The largest configuration file read (and parameters file: CloudFormation takes at most
/// 200 parameters of 4 KB): a real one is a few hundred bytes, and what is read is checked,
/// merged and shown in full, so a hostile one of megabytes would cost that many times over.
pub(crate) const MAX_CONFIG_SIZE: u64 = 1 << 20;

/// The most files an `extend` chain has, the first included: real chains have two or three,
/// and each directory's configuration is merged with its whole chain.
pub(crate) const MAX_EXTEND_DEPTH: usize = 32;

/// Reads a configuration-like file (a configuration or parameters file): a regular file,
/// not the kernel's, of at most [`MAX_CONFIG_SIZE`] bytes, as UTF-8 text. The error is a
/// phrase for the file's name to precede.
pub fn read_config_text(path: &Path) -> Result<String, String> {
    use crate::source::read;
    let bytes = read::read_file(path, MAX_CONFIG_SIZE).map_err(|e| {
        let why = read::describe_io(&e);
        if why.starts_with("larger than") {
            format!(
                "larger than {}, the most a configuration or parameters file may be",
                read::format_size(MAX_CONFIG_SIZE)
            )
        } else {
            why
        }
    })?;
    let mut bytes = bytes;
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    String::from_utf8(bytes).map_err(|_| "not UTF-8 text".to_owned())
}

/// Reads and checks a configuration file; `rules` are the rules its codes may name.
pub(crate) fn load(path: &Path, rules: &[RuleName]) -> Result<ConfigFile, ConfigError> {
    let origin = path.display().to_string();
    let text = read_config_text(path).map_err(|message| ConfigError {
        origin: origin.clone(),
        key: None,
        message,
    })?;
    parse(&origin, &text, rules)
}

/// A configuration file with the files it extends merged in, and which file each key
/// came from.
#[derive(Clone, Debug, Default)]
pub struct Resolved {
    pub file: ConfigFile,
    /// The file each key was set in: `select`, `severity.KMS2`, ….
    pub origins: BTreeMap<String, PathBuf>,
    /// The file named, then each file it extends, in order.
    pub chain: Vec<PathBuf>,
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
    let dir = first.parent().unwrap_or(Path::new("/"));
    let repository = dir
        .ancestors()
        .find(|d| d.join(".git").exists())
        .unwrap_or(dir);
    let mut roots = vec![repository.to_path_buf()];
    let user = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| home_dir().map(|home| home.join(".config")));
    if let Some(dir) = user.and_then(|dir| std::fs::canonicalize(dir.join("kmslint")).ok()) {
        roots.push(dir);
    }
    roots
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
    if !inside(&written) {
        return Err(outside());
    }
    match std::fs::canonicalize(&target) {
        Ok(real) if !inside(&real) => Err(outside()),
        Ok(real) if real.is_file() => Ok(target),
        _ => Err(fail(format!(
            "`{shown}` is not a file (looked for {})",
            target.display()
        ))),
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
        baseline => "baseline"
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

pub(crate) fn parse(
    origin: &str,
    text: &str,
    rules: &[RuleName],
) -> Result<ConfigFile, ConfigError> {
    let config: ConfigFile = toml::from_str(text).map_err(|e| {
        let at = e.span().map(|s| s.start.min(text.len()));
        let line = at.map(|at| text[..at].matches('\n').count() + 1);
        // A file that is not TOML at all (`extend` naming some other file) is not quoted:
        // its position only, and what TOML expected there.
        if text.parse::<toml::Table>().is_err() {
            let column = at.map(|at| {
                let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
                text[start..at].chars().count() + 1
            });
            return ConfigError {
                origin: match (line, column) {
                    (Some(line), Some(column)) => format!("{origin}:{line}:{column}"),
                    _ => origin.to_owned(),
                },
                key: None,
                message: format!("not valid TOML{}", unquoted(e.message())),
            };
        }
        let message = e.message().trim_end().replace('\n', " ");
        ConfigError {
            origin: match line {
                Some(line) => format!("{origin}:{line}"),
                None => origin.to_owned(),
            },
            key: at.and_then(|at| value_key(text, at)),
            message: lookup::abbreviate_message(&message).into_owned(),
        }
    })?;
    validate(origin, &config, rules)?;
    Ok(config)
}

/// What a TOML syntax error expected (`: expected `=``), when it quotes nothing of the file
/// but punctuation; otherwise nothing.
fn unquoted(message: &str) -> String {
    let message = message.trim_end().replace('\n', "; ");
    let quotes_only_punctuation = message
        .split('`')
        .skip(1)
        .step_by(2)
        .all(|quoted| quoted.len() <= 3 && quoted.chars().all(|c| c.is_ascii_punctuation()));
    if quotes_only_punctuation && !message.contains('"') && !message.contains('\'') {
        format!(": {message}")
    } else {
        String::new()
    }
}

/// The dotted key whose value is at byte `at` (`severity.KMS204`), for errors in values;
/// `None` when `at` is not after a `key =` on its line (an unknown key, a syntax error).
fn value_key(text: &str, at: usize) -> Option<String> {
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let (key, _) = text[line_start..at].split_once('=')?;
    let unquote = |s: &str| s.trim().trim_matches('"').to_owned();
    let key = unquote(key);
    let table = text[..line_start]
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))
        .map(|l| unquote(l.trim_matches(['[', ']'])));
    Some(match table {
        Some(table) => format!("{table}.{key}"),
        None => key,
    })
}

fn validate(origin: &str, config: &ConfigFile, rules: &[RuleName]) -> Result<(), ConfigError> {
    let error = |key: &str, message: String| ConfigError {
        origin: origin.to_owned(),
        key: Some(key.to_owned()),
        message,
    };
    for (key, list) in [
        ("select", &config.select),
        ("ignore", &config.ignore),
        ("extend-select", &config.extend_select),
        ("extend-ignore", &config.extend_ignore),
    ] {
        if let Some(list) = list {
            check_list_length(list.len()).map_err(|m| error(key, m))?;
            lookup::select(rules, list).map_err(|m| error(key, m))?;
        }
    }
    if let Some(severity) = &config.severity {
        check_list_length(severity.len()).map_err(|m| error("severity", m))?;
    }
    if let Some(region) = &config.region {
        check_region(region).map_err(|m| error("region", m))?;
    }
    if let Some(account) = &config.account {
        check_account(account).map_err(|m| error("account", m))?;
    }
    if let Some(arn) = &config.deployer_arn {
        Deployer::parse(arn).map_err(|m| error("deployer-arn", m.to_string()))?;
    }
    if let Some(globs) = &config.exclude {
        check_globs(globs).map_err(|m| error("exclude", m))?;
        for glob in globs {
            globset::Glob::new(glob).map_err(|e| {
                error(
                    "exclude",
                    format!("`{}`: {}", lookup::abbreviate(glob), e.kind()),
                )
            })?;
        }
    }
    if let Some(size) = &config.max_file_size {
        size.bytes().map_err(|m| error("max-file-size", m))?;
    }
    if config
        .baseline
        .as_deref()
        .is_some_and(|b| b.trim().is_empty())
    {
        return Err(error("baseline", "must name a file".to_owned()));
    }
    for code in config.severity.iter().flat_map(BTreeMap::keys) {
        lookup::select(rules, std::slice::from_ref(code))
            .map_err(|m| error(&format!("severity.{code}"), m))?;
    }
    Ok(())
}

/// The most entries a rule list (`select`, `extend-select`, …) or `[severity]` may have, in
/// one file and across an `extend` chain: every rule's code and name fit several times over.
/// Each directory's configuration matches its lists against every rule, so a list of a
/// hundred thousand entries in a configuration that a thousand others extend would cost that
/// many times over.
pub(crate) const MAX_LIST: usize = 256;

fn check_list_length(len: usize) -> Result<(), String> {
    if len > MAX_LIST {
        Err(format!(
            "{len} entries: at most {MAX_LIST} may be given (there are not that many rules)"
        ))
    } else {
        Ok(())
    }
}

/// The most `exclude` globs one origin (the configuration, or the command line) may give.
pub(crate) const MAX_GLOBS: usize = 256;
/// The longest glob, in bytes.
pub(crate) const MAX_GLOB_LENGTH: usize = 256;
/// The most wildcards (`*`, `**`, `?`, `[`, `{`) in one glob.
pub(crate) const MAX_GLOB_WILDCARDS: usize = 16;

/// Bounds the work of compiling `exclude` globs: globset compiles them all into one regular
/// expression whose size grows with the wildcards, so 20,000 globs of `*?*?…` would take
/// gigabytes. Real lists are a handful of globs with a wildcard or two.
pub fn check_globs(globs: &[String]) -> Result<(), String> {
    if globs.len() > MAX_GLOBS {
        return Err(format!(
            "{} globs: at most {MAX_GLOBS} may be given",
            globs.len()
        ));
    }
    for glob in globs {
        let shown = lookup::abbreviate(glob);
        if glob.len() > MAX_GLOB_LENGTH {
            return Err(format!("`{shown}` is longer than {MAX_GLOB_LENGTH} bytes"));
        }
        let wildcards = glob
            .replace("**", "*")
            .matches(['*', '?', '[', '{'])
            .count();
        if wildcards > MAX_GLOB_WILDCARDS {
            return Err(format!(
                "`{shown}` has {wildcards} wildcards: at most {MAX_GLOB_WILDCARDS} may be in one glob"
            ));
        }
    }
    Ok(())
}

pub fn check_region(region: &str) -> Result<(), String> {
    if regions::partition_of_region(region).is_some() {
        return Ok(());
    }
    let known = regions::PARTITIONS
        .iter()
        .flat_map(|p| p.regions.iter().copied());
    let shown = lookup::abbreviate(region);
    Err(match lookup::did_you_mean(region, known) {
        Some(c) => {
            format!("`{shown}` is not a Region where KMS is available; did you mean `{c}`?")
        }
        None => format!("`{shown}` is not a Region where KMS is available"),
    })
}

pub fn check_account(account: &str) -> Result<(), String> {
    if crate::facts::is_account_id(account) {
        Ok(())
    } else {
        Err(format!(
            "`{}` is not a 12-digit account ID",
            lookup::abbreviate(account)
        ))
    }
}

/// What is set over the configuration file: the command line's options, or an editor's
/// settings (the language server). `None` leaves the configuration's value.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub region: Option<String>,
    pub account: Option<String>,
    pub deployer_arn: Option<String>,
    pub select: Option<Vec<String>>,
    pub ignore: Option<Vec<String>>,
    pub extend_select: Option<Vec<String>>,
    pub extend_ignore: Option<Vec<String>>,
}

/// One resolved setting for `--show-settings`: key, value, and where it came from.
pub(crate) type Shown = (String, String, String);

/// The settings linting uses, from the overrides over one (resolved) configuration, and
/// where each came from. `rules` are the rules selectors name (`rules::names()`, handed in
/// so that the configuration stays below the rules: see `lookup`).
pub fn settings_for(
    over: &Overrides,
    resolved: &Resolved,
    parameters: impl Into<std::sync::Arc<HashMap<String, String>>>,
    rules: &[RuleName],
) -> Result<(Settings, Vec<Shown>), ConfigError> {
    let parameters = parameters.into();
    let config = &resolved.file;
    let cli = |option: &str, message: String| ConfigError {
        origin: format!("--{option}"),
        key: None,
        message,
    };
    let mut shown: Vec<Shown> = Vec::new();
    let mut show = |key: &str, value: String, from_cli: bool| {
        let origin = if from_cli {
            format!("--{key}")
        } else {
            resolved
                .origins
                .get(key)
                .map_or_else(|| "default".to_owned(), |p| p.display().to_string())
        };
        shown.push((key.to_owned(), value, origin));
    };
    let quoted = |v: &Option<String>| v.as_ref().map_or("none".to_owned(), |v| format!("{v:?}"));
    let region = over.region.clone().or(config.region.clone());
    if let Some(region) = &over.region {
        check_region(region).map_err(|m| cli("region", m))?;
    }
    show("region", quoted(&region), over.region.is_some());
    let account = over.account.clone().or(config.account.clone());
    if let Some(account) = &over.account {
        check_account(account).map_err(|m| cli("account", m))?;
    }
    show("account", quoted(&account), over.account.is_some());
    let deployer_arn = over.deployer_arn.clone().or(config.deployer_arn.clone());
    if let Some(arn) = &over.deployer_arn {
        Deployer::parse(arn).map_err(|m| cli("deployer-arn", m.to_string()))?;
    }
    show(
        "deployer-arn",
        quoted(&deployer_arn),
        over.deployer_arn.is_some(),
    );
    let list = |l: &Option<Vec<String>>| match l {
        Some(l) => format!("{l:?}"),
        None => "none".to_owned(),
    };
    for (key, cli_list, file_list) in [
        ("select", &over.select, &config.select),
        ("ignore", &over.ignore, &config.ignore),
        ("extend-select", &over.extend_select, &config.extend_select),
        ("extend-ignore", &over.extend_ignore, &config.extend_ignore),
    ] {
        let value = match (cli_list, file_list) {
            (Some(c), Some(f)) if key.starts_with("extend") => {
                format!("{} + {}", list(file_list), list(&Some(c.clone())))
            }
            (Some(_), _) => list(cli_list),
            (None, _) => list(file_list),
        };
        show(key, value, cli_list.is_some());
    }
    let (selection, severities) = select(over, resolved, rules)?;
    let enabled: Vec<&str> = rules
        .iter()
        .map(|r| r.code)
        .filter(|c| selection.enabled(c))
        .collect();
    shown.push((
        "rules that run".to_owned(),
        enabled.join(", "),
        "select, ignore, extend-select and extend-ignore".to_owned(),
    ));
    for (key, level, origin) in severities {
        shown.push((
            format!("severity.{key}"),
            format!("{level:?}").to_ascii_lowercase(),
            origin,
        ));
    }
    Ok((
        Settings {
            region,
            account,
            deployer_arn,
            parameters,
            rules: selection,
        },
        shown,
    ))
}

/// The parameter values given, for `--show-settings`: apart from [`settings_for`], which runs
/// for each directory's configuration, while the parameters are the run's.
pub fn shown_parameters(parameters: &HashMap<String, String>) -> Vec<Shown> {
    let mut given: Vec<_> = parameters.iter().collect();
    given.sort();
    given
        .into_iter()
        .map(|(key, value)| {
            (
                format!("parameter {key}"),
                format!("{value:?}"),
                "--parameter or --parameters-file".to_owned(),
            )
        })
        .collect()
}

/// The rules that run and their severities. `--select`/`--ignore` replace the
/// configuration's lists; `extend-select`/`extend-ignore` (configuration, then command line)
/// add to them, the command line's winning over the configuration's lists, and an ignore over
/// a select at the same level. `[severity]` keys are codes, names or prefixes: a broader key
/// first, so that `KMS204 = "error"` wins over `KMS2 = "info"` whatever their order. Also
/// returns each severity set, with the key that set it and its file, for `--show-settings`.
#[allow(clippy::type_complexity)]
fn select(
    over: &Overrides,
    resolved: &Resolved,
    rules: &[RuleName],
) -> Result<(RuleSelection, Vec<(&'static str, Severity, String)>), ConfigError> {
    let config = &resolved.file;
    let codes = |option: &str,
                 list: &Option<Vec<String>>|
     -> Result<Option<Vec<&'static str>>, ConfigError> {
        list.as_ref()
            .map(|list| {
                lookup::select(rules, list).map_err(|message| ConfigError {
                    origin: format!("--{option}"),
                    key: None,
                    message,
                })
            })
            .transpose()
    };
    let selected = codes(
        "select",
        if over.select.is_some() {
            &over.select
        } else {
            &config.select
        },
    )?;
    let ignored = codes(
        "ignore",
        if over.ignore.is_some() {
            &over.ignore
        } else {
            &config.ignore
        },
    )?
    .unwrap_or_default();
    // The configuration's extensions, unless the command line replaced the list they extend.
    let file_extra = if over.select.is_some() {
        None
    } else {
        codes("extend-select", &config.extend_select)?
    };
    let file_less = if over.ignore.is_some() {
        None
    } else {
        codes("extend-ignore", &config.extend_ignore)?
    };
    let cli_extra = codes("extend-select", &over.extend_select)?.unwrap_or_default();
    let cli_less = codes("extend-ignore", &over.extend_ignore)?.unwrap_or_default();
    let mut selection = RuleSelection::default();
    for rule in rules {
        let code = &rule.code;
        // Without a `select`, the rules on by default (opt-in ones need a selector naming them).
        let mut on = selected.as_ref().map_or(rule.default, |s| s.contains(code))
            || file_extra.as_ref().is_some_and(|s| s.contains(code));
        on &= !ignored.contains(code) && !file_less.as_ref().is_some_and(|s| s.contains(code));
        on |= cli_extra.contains(code);
        on &= !cli_less.contains(code);
        if !on {
            selection.disabled.insert(rule.code);
        }
    }
    let mut keys: Vec<(Vec<&'static str>, &String, Severity)> = Vec::new();
    for (key, &level) in config.severity.iter().flatten() {
        let matched =
            lookup::select(rules, std::slice::from_ref(key)).map_err(|message| ConfigError {
                origin: resolved
                    .origins
                    .get(&format!("severity.{key}"))
                    .map_or_else(|| "severity".to_owned(), |p| p.display().to_string()),
                key: Some(format!("severity.{key}")),
                message,
            })?;
        keys.push((matched, key, level));
    }
    // Broader keys first; an exact code or a name matches one rule and comes last.
    keys.sort_by_key(|(matched, _, _)| std::cmp::Reverse(matched.len()));
    let mut set: BTreeMap<&'static str, (Severity, String)> = BTreeMap::new();
    for (matched, key, level) in keys {
        let origin = resolved
            .origins
            .get(&format!("severity.{key}"))
            .map_or_else(String::new, |p| p.display().to_string());
        for code in matched {
            selection.severity.insert(code, level);
            set.insert(code, (level, format!("{origin} ([severity] {key})")));
        }
    }
    let severities = set.into_iter().map(|(c, (l, o))| (c, l, o)).collect();
    Ok((selection, severities))
}

/// The settings for a file that the editor has open (the language server): its directory's
/// nearest configuration file, as `check` finds it, with `region`, `account` and
/// `deployer_arn` from the client over it. Read afresh on each call, so an edited
/// configuration applies at the next lint. `rules` as for [`settings_for`].
pub fn settings_for_file(
    file: Option<&Path>,
    region: Option<String>,
    account: Option<String>,
    deployer_arn: Option<String>,
    rules: &[RuleName],
) -> Result<Settings, ConfigError> {
    let found = file
        .and_then(Path::parent)
        .map(|dir| std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf()))
        .and_then(|dir| discover(&dir, home_dir().as_deref()));
    let resolved = match &found {
        Some(path) => load_chain(path, rules)?,
        None => Resolved::default(),
    };
    let over = Overrides {
        region,
        account,
        deployer_arn,
        ..Overrides::default()
    };
    Ok(settings_for(&over, &resolved, HashMap::new(), rules)?.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(origin: &str, text: &str) -> Result<ConfigFile, ConfigError> {
        super::parse(origin, text, lookup::TEST_RULES)
    }

    #[test]
    fn reads_every_key_of_the_spec() {
        let config = parse(
            "x.toml",
            r#"
select = ["KMS"]
ignore = ["KMS203", "policy-lockout"]
fail-level = "warning"
exclude = ["cdk.out/**"]
region = "eu-west-1"
account = "111122223333"
deployer-arn = "arn:aws:iam::111122223333:role/deployer"

[severity]
KMS204 = "warning"
"#,
        );
        let config = config.unwrap();
        assert_eq!(config.region.as_deref(), Some("eu-west-1"));
        assert_eq!(config.severity.unwrap()["KMS204"], Severity::Warning);
        assert_eq!(config.fail_level, Some(FailLevel::Warning));
    }

    #[test]
    fn errors_name_the_file_and_key() {
        let err = parse("c.toml", "selekt = []\n").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("c.toml:1: unknown field `selekt`"),
            "{err}"
        );
        let err = parse("c.toml", "ignore = [\"KMS999\"]\n").unwrap_err();
        assert_eq!(err.key.as_deref(), Some("ignore"));
        let err = parse("c.toml", "[severity]\nKMS204 = \"fatal\"\n").unwrap_err();
        assert_eq!(err.key.as_deref(), Some("severity.KMS204"));
        let err = parse("c.toml", "region = \"eu-west-9\"\n").unwrap_err();
        assert!(err.message.contains("did you mean"), "{err}");
        let err = parse("c.toml", "max-file-size = \"64XB\"\n").unwrap_err();
        assert_eq!(err.key.as_deref(), Some("max-file-size"));
        let err = parse("c.toml", "baseline = \"\"\n").unwrap_err();
        assert_eq!(err.key.as_deref(), Some("baseline"));
    }

    #[test]
    fn max_file_size_in_bytes_or_with_a_unit() {
        let size = |text: &str| {
            parse("c.toml", text)
                .unwrap()
                .max_file_size
                .unwrap()
                .bytes()
        };
        assert_eq!(size("max-file-size = 1024\n"), Ok(1024));
        assert_eq!(size("max-file-size = \"64MB\"\n"), Ok(64 << 20));
    }

    #[test]
    fn the_search_stops_at_the_repository_root_and_at_home() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join(CONFIG_FILE), "").unwrap();
        let repo = root.join("repo");
        std::fs::create_dir_all(repo.join("sub")).unwrap();
        // Without a repository or home in between, the file above is found.
        assert_eq!(
            discover(&repo.join("sub"), None),
            Some(root.join(CONFIG_FILE))
        );
        // `.git` as a file (a worktree or submodule) marks the root as well as a directory.
        std::fs::write(repo.join(".git"), "gitdir: elsewhere\n").unwrap();
        assert_eq!(discover(&repo.join("sub"), None), None);
        std::fs::remove_file(repo.join(".git")).unwrap();
        assert_eq!(discover(&repo.join("sub"), Some(&repo)), None);
        std::fs::write(repo.join(CONFIG_FILE), "").unwrap();
        assert_eq!(
            discover(&repo.join("sub"), Some(&repo)),
            Some(repo.join(CONFIG_FILE))
        );
    }
}
