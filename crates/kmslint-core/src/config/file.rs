//! The `.kmslint.toml` file as written (docs/configuration.md): its schema, how it is read
//! (size-bounded, UTF-8) and parsed, and how every value in it is checked.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::deployer::Deployer;
use crate::diagnostic::Severity;
use crate::lookup::{self, RuleName};
use crate::source::read::{self, SizeError};

use super::checks::{check_account, check_globs, check_list_length, check_region};
use super::stacks::{self, StackDecl};
use super::{ConfigError, FailLevel};

pub(crate) const CONFIG_FILE: &str = ".kmslint.toml";

/// The configuration file as written (docs/configuration.md), its levels already read into their
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
    /// `[[stacks]]` as serde sees it: never, since the table is taken out of the file before
    /// serde reads the rest (`stacks::read` reads it with its positions); declared so that
    /// an unknown key's error lists `stacks` among the keys expected.
    #[serde(rename = "stacks")]
    _stacks: Option<serde::de::IgnoredAny>,
    /// `[[stacks]]`, checked; set by [`load`], which knows the file's path (templates are
    /// relative to it).
    #[serde(skip)]
    pub(crate) stacks: Option<Vec<StackDecl>>,
}

/// A size as written in the configuration file: `67108864` or `"64MB"`.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum SizeValue {
    Bytes(u64),
    Text(String),
}

impl SizeValue {
    pub fn bytes(&self) -> Result<u64, SizeError> {
        match self {
            SizeValue::Bytes(0) => Err(SizeError::Zero),
            SizeValue::Bytes(n) => Ok(*n),
            SizeValue::Text(text) => crate::source::read::parse_size(text),
        }
    }
}

/// The largest configuration file read (and parameters file: CloudFormation takes at most
/// 200 parameters of 4 KB): a real one is a few hundred bytes, and what is read is checked,
/// merged and shown in full, so a hostile one of megabytes would cost that many times over.
pub(crate) const MAX_CONFIG_SIZE: u64 = 1 << 20;

/// Reads a configuration-like file (a configuration or parameters file): a regular file,
/// not the kernel's, of at most [`MAX_CONFIG_SIZE`] bytes, as UTF-8 text. The error is a
/// phrase for the file's name to precede.
pub fn read_config_text(path: &Path) -> Result<String, ReadError> {
    let bytes = read::read_file(path, MAX_CONFIG_SIZE).map_err(|e| {
        if read::describe_io(&e).starts_with("larger than") {
            ReadError::TooLarge
        } else {
            ReadError::Io(e)
        }
    })?;
    let mut bytes = bytes;
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    String::from_utf8(bytes).map_err(|_| ReadError::NotUtf8)
}

/// Why a configuration-like file was not read; shown after the file's name.
#[derive(Debug)]
pub enum ReadError {
    /// Larger than [`MAX_CONFIG_SIZE`].
    TooLarge,
    /// Not a regular file, or not readable.
    Io(std::io::Error),
    NotUtf8,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::TooLarge => write!(
                f,
                "larger than {}, the most a configuration or parameters file may be",
                read::format_size(MAX_CONFIG_SIZE)
            ),
            ReadError::Io(e) => f.write_str(&read::describe_io(e)),
            ReadError::NotUtf8 => f.write_str("not UTF-8 text"),
        }
    }
}

impl std::error::Error for ReadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ReadError::Io(e) => Some(e),
            ReadError::TooLarge | ReadError::NotUtf8 => None,
        }
    }
}

/// Reads and checks a configuration file; `rules` are the rules its codes may name.
pub(crate) fn load(path: &Path, rules: &[RuleName]) -> Result<ConfigFile, ConfigError> {
    let origin = path.display().to_string();
    let text = read_config_text(path).map_err(|e| ConfigError {
        origin: origin.clone(),
        key: None,
        message: e.to_string(),
    })?;
    let (mut config, written) = parse_document(&origin, &text, rules)?;
    if let Some(written) = written {
        config.stacks = Some(stacks::read(path, &text, &written)?);
    }
    Ok(config)
}

/// The line (from 1) of byte `at` of `text`.
pub(super) fn line_of(text: &str, at: usize) -> usize {
    text[..at].matches('\n').count() + 1
}

#[cfg(test)]
pub(crate) fn parse(
    origin: &str,
    text: &str,
    rules: &[RuleName],
) -> Result<ConfigFile, ConfigError> {
    parse_document(origin, text, rules).map(|(config, _)| config)
}

/// The configuration file `text` (named `origin`), checked, and its `[[stacks]]` as written
/// (parsed once: serde reads the rest).
fn parse_document<'t>(
    origin: &str,
    text: &'t str,
    rules: &[RuleName],
) -> Result<(ConfigFile, Option<Spanned<DeValue<'t>>>), ConfigError> {
    let at = |e: &toml::de::Error| e.span().map(|s| s.start.min(text.len()));
    let document = DeTable::parse(text).map_err(|e| {
        // A file that is not TOML at all (`extend` naming some other file) is not quoted:
        // its position only, and what TOML expected there.
        let at = at(&e);
        let line = at.map(|at| line_of(text, at));
        let column = at.map(|at| {
            let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
            text[start..at].chars().count() + 1
        });
        ConfigError {
            origin: match (line, column) {
                (Some(line), Some(column)) => format!("{origin}:{line}:{column}"),
                _ => origin.to_owned(),
            },
            key: None,
            message: format!("not valid TOML{}", unquoted(e.message())),
        }
    })?;
    let span = document.span();
    let mut table = document.into_inner();
    let stacks = table.remove("stacks");
    let deserializer = toml::de::Deserializer::from(Spanned::new(span, table));
    let config = ConfigFile::deserialize(deserializer).map_err(|e| {
        let at = at(&e);
        let message = e.message().trim_end().replace('\n', " ");
        ConfigError {
            origin: match at.map(|at| line_of(text, at)) {
                Some(line) => format!("{origin}:{line}"),
                None => origin.to_owned(),
            },
            key: at.and_then(|at| value_key(text, at)),
            message: lookup::abbreviate_message(&message).into_owned(),
        }
    })?;
    validate(origin, &config, rules)?;
    Ok((config, stacks))
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
            check_list_length(list.len()).map_err(|m| error(key, m.to_string()))?;
            lookup::select(rules, list).map_err(|m| error(key, m.to_string()))?;
        }
    }
    if let Some(severity) = &config.severity {
        check_list_length(severity.len()).map_err(|m| error("severity", m.to_string()))?;
    }
    if let Some(region) = &config.region {
        check_region(region).map_err(|m| error("region", m.to_string()))?;
    }
    if let Some(account) = &config.account {
        check_account(account).map_err(|m| error("account", m.to_string()))?;
    }
    if let Some(arn) = &config.deployer_arn {
        Deployer::parse(arn).map_err(|m| error("deployer-arn", m.to_string()))?;
    }
    if let Some(globs) = &config.exclude {
        check_globs(globs).map_err(|m| error("exclude", m.to_string()))?;
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
        size.bytes()
            .map_err(|m| error("max-file-size", m.to_string()))?;
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
            .map_err(|m| error(&format!("severity.{code}"), m.to_string()))?;
    }
    Ok(())
}
