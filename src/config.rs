//! Settings for a run: what the command line and `.kmslint.toml` say, merged.

use std::collections::{HashMap, HashSet};

use crate::diagnostic::Severity;

/// Everything linting needs to know besides the file itself.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    /// The Region the stack is deployed to, when known.
    pub region: Option<String>,
    /// The account the stack is deployed to, when known.
    pub account: Option<String>,
    /// The principal that deploys the stack (KMS204 decides exactly for it).
    pub deployer_arn: Option<String>,
    /// Stack parameter values, which override Default and AllowedValues.
    pub parameters: HashMap<String, String>,
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

// --- `.kmslint.toml` -------------------------------------------------------------------

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::facts::regions;
use crate::rules;

pub(crate) const CONFIG_FILE: &str = ".kmslint.toml";

/// The configuration file as written (SPEC §3). Unknown keys are errors.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub(crate) struct ConfigFile {
    pub select: Option<Vec<String>>,
    pub ignore: Option<Vec<String>>,
    pub fail_level: Option<String>,
    pub exclude: Option<Vec<String>>,
    pub region: Option<String>,
    pub account: Option<String>,
    pub deployer_arn: Option<String>,
    pub severity: Option<BTreeMap<String, String>>,
}

/// A configuration problem: the file (or `--option`), the key, and what was expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ConfigError {
    pub origin: String,
    pub key: Option<String>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.key {
            Some(key) => write!(f, "{}: `{key}`: {}", self.origin, self.message),
            None => write!(f, "{}: {}", self.origin, self.message),
        }
    }
}

/// The nearest `.kmslint.toml` in `start` or a parent directory.
pub(crate) fn discover(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|dir| dir.join(CONFIG_FILE))
        .find(|candidate| candidate.is_file())
}

pub(crate) fn load(path: &Path) -> Result<ConfigFile, ConfigError> {
    let origin = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        origin: origin.clone(),
        key: None,
        message: crate::source::discover::describe_io(&e),
    })?;
    parse(&origin, &text)
}

pub(crate) fn parse(origin: &str, text: &str) -> Result<ConfigFile, ConfigError> {
    let config: ConfigFile = toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        let message = e.message().trim_end().replace('\n', " ");
        ConfigError {
            origin: match line {
                Some(line) => format!("{origin}:{line}"),
                None => origin.to_owned(),
            },
            key: None,
            message,
        }
    })?;
    validate(origin, &config)?;
    Ok(config)
}

fn validate(origin: &str, config: &ConfigFile) -> Result<(), ConfigError> {
    let error = |key: &str, message: String| ConfigError {
        origin: origin.to_owned(),
        key: Some(key.to_owned()),
        message,
    };
    for (key, list) in [("select", &config.select), ("ignore", &config.ignore)] {
        if let Some(list) = list {
            select_rules(list).map_err(|m| error(key, m))?;
        }
    }
    if let Some(level) = &config.fail_level
        && !matches!(level.as_str(), "error" | "warning" | "info" | "never")
    {
        return Err(error(
            "fail-level",
            format!("`{level}` is not a level (expected error, warning, info or never)"),
        ));
    }
    if let Some(region) = &config.region {
        check_region(region).map_err(|m| error("region", m))?;
    }
    if let Some(account) = &config.account {
        check_account(account).map_err(|m| error("account", m))?;
    }
    if let Some(arn) = &config.deployer_arn {
        check_deployer_arn(arn).map_err(|m| error("deployer-arn", m))?;
    }
    if let Some(globs) = &config.exclude {
        for glob in globs {
            globset::Glob::new(glob)
                .map_err(|e| error("exclude", format!("`{glob}`: {}", e.kind())))?;
        }
    }
    if let Some(severity) = &config.severity {
        for (code, level) in severity {
            let key = format!("severity.{code}");
            single_rule(code).map_err(|m| error(&key, m))?;
            level.parse::<Severity>().map_err(|m| error(&key, m))?;
        }
    }
    Ok(())
}

/// The codes a list of codes, names and code prefixes selects.
pub(crate) fn select_rules(list: &[String]) -> Result<Vec<&'static str>, String> {
    let mut codes = Vec::new();
    for selector in list {
        let selector = selector.trim();
        let matched: Vec<&'static str> = rules::RULES
            .iter()
            .filter(|r| {
                let upper = selector.to_ascii_uppercase();
                r.code.starts_with(&upper) && !upper.is_empty()
                    || r.meta().name.eq_ignore_ascii_case(selector)
            })
            .map(|r| r.code)
            .collect();
        if matched.is_empty() {
            return Err(unknown_rule(selector));
        }
        codes.extend(matched);
    }
    codes.sort_unstable();
    codes.dedup();
    Ok(codes)
}

/// One rule by code or name.
pub(crate) fn single_rule(code_or_name: &str) -> Result<&'static str, String> {
    rules::find(code_or_name)
        .map(|r| r.code)
        .ok_or_else(|| unknown_rule(code_or_name))
}

fn unknown_rule(selector: &str) -> String {
    let candidates = rules::RULES
        .iter()
        .flat_map(|r| [r.code, r.meta().name.as_str()]);
    match crate::rules::common::did_you_mean(selector, candidates) {
        Some(c) => format!("`{selector}` is not a rule code, name or prefix; did you mean `{c}`?"),
        None => format!("`{selector}` is not a rule code, name or prefix (see `kmslint rules`)"),
    }
}

pub(crate) fn check_region(region: &str) -> Result<(), String> {
    if regions::partition_of_region(region).is_some() {
        return Ok(());
    }
    let known = regions::PARTITIONS
        .iter()
        .flat_map(|p| p.regions.iter().copied());
    Err(match crate::rules::common::did_you_mean(region, known) {
        Some(c) => {
            format!("`{region}` is not a Region where KMS is available; did you mean `{c}`?")
        }
        None => format!("`{region}` is not a Region where KMS is available"),
    })
}

pub(crate) fn check_account(account: &str) -> Result<(), String> {
    if crate::model::arn::is_account_id(account) {
        Ok(())
    } else {
        Err(format!("`{account}` is not a 12-digit account ID"))
    }
}

pub(crate) fn check_deployer_arn(arn: &str) -> Result<(), String> {
    let ok = arn.starts_with("arn:")
        && (arn.contains(":iam::")
            && (arn.ends_with(":root") || arn.contains(":role/") || arn.contains(":user/"))
            || arn.contains(":sts::") && arn.contains(":assumed-role/"));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{arn}` is not an IAM role, user, root or assumed-role ARN (like `arn:aws:iam::111122223333:role/deployer`)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(config.severity.unwrap()["KMS204"], "warning");
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
    }

    #[test]
    fn selectors_take_codes_names_and_prefixes() {
        assert!(select_rules(&["KMS2".into()]).unwrap().contains(&"KMS204"));
        assert_eq!(
            select_rules(&["policy-lockout".into()]).unwrap(),
            ["KMS204"]
        );
        assert!(select_rules(&["KMS9".into()]).is_err());
    }
}
