//! Settings for a run, and the `.kmslint.toml` file: what it may say and how it is checked.
//! [`settings_for`] merges the file with [`Overrides`] (the command line's options, or an
//! editor's settings) into [`Settings`]; [`settings_for_file`] is the language server's lookup.
//! The file's schema and reading are in `file`, `extend` chains and where a file is found in
//! `resolve`, the checks of single values in `checks`, the table of stacks `[[stacks]]` in
//! `stacks` (read and checked: [`Resolved::stacks`] is what a run declares), and the
//! parameters files `--parameters-file` and a stack's `parameters-file` name in `parameters`.
//!
//! Below `rules` and `model`: rule names are handed in (see `lookup`), and the deployer ARN
//! is checked with `deployer`.

mod checks;
mod file;
mod parameters;
mod resolve;
mod stacks;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::deployer::Deployer;
use crate::diagnostic::Severity;
use crate::lookup::{self, RuleName};

pub use checks::{ValueError, check_account, check_globs, check_region};
pub use file::{ConfigFile, ReadError, SizeValue, read_config_text};
pub use parameters::read_parameters_file;
pub use resolve::{Loader, Resolved, discover, home_dir, load_chain, normalize_path};
pub use stacks::{ParamValue, StackDecl};

/// Everything linting needs to know besides the file itself.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
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
    /// For a stack's template, what it reaches of the other stacks of its deployment (set
    /// by [`crate::link`]; docs/deployments.md).
    pub links: Option<Linked>,
}

/// What a stack's template reaches of the other stacks of its deployment: made by
/// [`crate::link`], opaque elsewhere.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Linked(pub(crate) std::sync::Arc<crate::model::links::StackLinks>);

/// Which rules run, and at what severity.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
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

/// The lowest severity that makes the exit status 1, or never (docs/commands.md#exit-status).
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
    // A String: serde's `try_from` only shows it in its own error, so it crosses no module.
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

/// Where a setting `--show-settings` shows comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Nothing sets it.
    Default,
    /// A command-line option (or an editor's setting), as written: `--region`.
    Flag(String),
    /// A configuration file, and the key in it that sets the value (`severity.KMS2`).
    Key(PathBuf, String),
    /// Worked out from the settings it names.
    Derived(&'static str),
}

/// One setting for `--show-settings`: its key, its value as TOML writes it (`none` when
/// unset), and where the value comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shown {
    pub key: String,
    pub value: String,
    pub origin: Origin,
}

/// The settings linting uses, from the overrides over one (resolved) configuration. `rules`
/// are the rules selectors name (`rules::names()`, handed in so that the configuration stays
/// below the rules: see `lookup`).
pub fn settings_for(
    over: &Overrides,
    resolved: &Resolved,
    parameters: impl Into<std::sync::Arc<HashMap<String, String>>>,
    rules: &[RuleName],
) -> Result<Settings, ConfigError> {
    let config = &resolved.file;
    let cli = |option: &str, message: String| ConfigError {
        origin: format!("--{option}"),
        key: None,
        message,
    };
    if let Some(region) = &over.region {
        check_region(region).map_err(|m| cli("region", m.to_string()))?;
    }
    if let Some(account) = &over.account {
        check_account(account).map_err(|m| cli("account", m.to_string()))?;
    }
    if let Some(arn) = &over.deployer_arn {
        Deployer::parse(arn).map_err(|m| cli("deployer-arn", m.to_string()))?;
    }
    let (selection, _) = select(over, resolved, rules)?;
    Ok(Settings {
        region: over.region.clone().or(config.region.clone()),
        account: over.account.clone().or(config.account.clone()),
        deployer_arn: over.deployer_arn.clone().or(config.deployer_arn.clone()),
        parameters: parameters.into(),
        rules: selection,
        links: None,
    })
}

/// What [`settings_for`] decides, for `--show-settings`: each setting with its value and
/// exact origin. The stack values, then the rule selection as written (each file's
/// `extend-select` and `extend-ignore` on a line of its own, since they add up along an
/// `extend` chain), the rules that run, each rule's severity set by `[severity]`, and each
/// stack of `[[stacks]]`.
pub fn shown_settings(
    over: &Overrides,
    resolved: &Resolved,
    rules: &[RuleName],
) -> Result<Vec<Shown>, ConfigError> {
    let config = &resolved.file;
    let from_file = |key: &str| resolved.origin_of(key);
    let shown = |key: &str, value: String, origin: Origin| Shown {
        key: key.to_owned(),
        value,
        origin,
    };
    let mut all = vec![
        flag_over_file("region", &over.region, &config.region, resolved),
        flag_over_file("account", &over.account, &config.account, resolved),
        flag_over_file(
            "deployer-arn",
            &over.deployer_arn,
            &config.deployer_arn,
            resolved,
        ),
        flag_over_file("select", &over.select, &config.select, resolved),
        flag_over_file("ignore", &over.ignore, &config.ignore, resolved),
    ];
    // Each file's own list: they add up along the chain, unless the command line replaced
    // the list they extend (see `select`).
    for (key, cli, replaced) in [
        ("extend-select", &over.extend_select, over.select.is_some()),
        ("extend-ignore", &over.extend_ignore, over.ignore.is_some()),
    ] {
        let before = all.len();
        for (_, path, list) in resolved.extended.iter().filter(|(k, _, _)| k == key) {
            let mut value = format!("{list:?}");
            if replaced {
                let replacing = key.trim_start_matches("extend-");
                value.push_str(&format!(
                    " (not used: --{replacing} replaces the {replacing} it extends)"
                ));
            }
            all.push(shown(key, value, Origin::Key(path.clone(), key.to_owned())));
        }
        if let Some(list) = cli {
            all.push(shown(
                key,
                format!("{list:?}"),
                Origin::Flag(format!("--{key}")),
            ));
        }
        if all.len() == before {
            all.push(shown(key, "none".to_owned(), Origin::Default));
        }
    }
    let (selection, severities) = select(over, resolved, rules)?;
    let enabled: Vec<&str> = rules
        .iter()
        .map(|r| r.code)
        .filter(|c| selection.enabled(c))
        .collect();
    all.push(shown(
        "rules that run",
        enabled.join(", "),
        Origin::Derived("select, ignore, extend-select and extend-ignore"),
    ));
    for (code, level, origin) in severities {
        all.push(shown(
            &format!("severity.{code}"),
            level.to_string(),
            origin,
        ));
    }
    all.extend(resolved.stacks().iter().map(|stack| {
        shown(
            &format!("stack {}", stack.name),
            stacks::shown(stack, resolved.origins.get("stacks")),
            from_file("stacks"),
        )
    }));
    Ok(all)
}

/// A setting the command line (`--key`) gives over the configuration, as `--show-settings`
/// shows it: the value that applies and where it comes from.
fn flag_over_file<T: fmt::Debug>(
    key: &str,
    cli: &Option<T>,
    file: &Option<T>,
    resolved: &Resolved,
) -> Shown {
    let (value, origin) = match (cli, file) {
        (Some(v), _) => (format!("{v:?}"), Origin::Flag(format!("--{key}"))),
        (None, Some(v)) => (format!("{v:?}"), resolved.origin_of(key)),
        (None, None) => ("none".to_owned(), Origin::Default),
    };
    Shown {
        key: key.to_owned(),
        value,
        origin,
    }
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
) -> Result<(RuleSelection, Vec<(&'static str, Severity, Origin)>), ConfigError> {
    let config = &resolved.file;
    let codes = |option: &str,
                 list: &Option<Vec<String>>|
     -> Result<Option<Vec<&'static str>>, ConfigError> {
        list.as_ref()
            .map(|list| {
                lookup::select(rules, list).map_err(|message| ConfigError {
                    origin: format!("--{option}"),
                    key: None,
                    message: message.to_string(),
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
                message: message.to_string(),
            })?;
        keys.push((matched, key, level));
    }
    // Broader keys first; an exact code or a name matches one rule and comes last.
    keys.sort_by_key(|(matched, _, _)| std::cmp::Reverse(matched.len()));
    let mut set: BTreeMap<&'static str, (Severity, Origin)> = BTreeMap::new();
    for (matched, key, level) in keys {
        let key = format!("severity.{key}");
        let origin = resolved
            .origins
            .get(&key)
            .map_or(Origin::Default, |p| Origin::Key(p.clone(), key.clone()));
        for code in matched {
            selection.severity.insert(code, level);
            set.insert(code, (level, origin.clone()));
        }
    }
    let severities = set.into_iter().map(|(c, (l, o))| (c, l, o)).collect();
    Ok((selection, severities))
}

/// The settings for a file that the editor has open (the language server): its directory's
/// nearest configuration file, as `check` finds it, with `region`, `account` and
/// `deployer_arn` from the client over it, and the configuration read (the server looks the
/// file up in its `[[stacks]]` table). Read afresh on each call, so an edited configuration
/// applies at the next lint. `rules` as for [`settings_for`].
pub fn settings_for_file(
    file: Option<&Path>,
    region: Option<String>,
    account: Option<String>,
    deployer_arn: Option<String>,
    rules: &[RuleName],
) -> Result<(Settings, Resolved), ConfigError> {
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
    let settings = settings_for(&over, &resolved, HashMap::new(), rules)?;
    Ok((settings, resolved))
}
