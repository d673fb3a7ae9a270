//! The run's options: the command line merged over the configuration file (output format,
//! fail level, excludes, jobs, fixes, baseline, parameter values), with what they are read
//! from (`--exclude` globs, `--parameters-file`).

use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::PathBuf;

use globset::{Glob, GlobSet, GlobSetBuilder};
use kmslint_core::config::{self, ConfigError, FailLevel, Resolved, Settings};
use kmslint_core::deployment::{self, Stack};
use kmslint_core::lookup;
use kmslint_core::rules::names;

use crate::cli::args::{CheckArgs, ColorChoice, OutputFormat};
use crate::cli::baseline::BaselineRun;
use crate::cli::fix::{FixMode, FixOptions};
use crate::discover;

/// Everything `check` (and `diff`) needs besides the settings linting uses.
pub(in crate::cli) struct Options {
    pub format: OutputFormat,
    pub fail_level: FailLevel,
    /// `--exclude` and the configuration's `exclude`, each its own set.
    pub(super) exclude: Vec<GlobSet>,
    pub(super) follow_links: bool,
    pub max_file_size: u64,
    /// Honour `.gitignore`, `.ignore` and git's exclude files (not `--no-ignore`).
    pub(super) ignore_files: bool,
    /// `--force-exclude` or `force-exclude = true`.
    pub(super) force_exclude: bool,
    /// `--show-files`: list the files, lint nothing.
    pub(super) show_files: bool,
    /// `--verbose`: name each file skipped as neither a template nor a key policy.
    pub(super) verbose: bool,
    /// The configuration file in use, named in the summary so that a stray one is seen.
    pub(super) config: Option<PathBuf>,
    /// The stacks its `[[stacks]]` table declares, read with it: the table checks each
    /// output against its template, which is not done again per directory.
    pub(super) config_stacks: Vec<Stack>,
    pub(super) color: bool,
    /// `--output-file`: where the report goes instead of stdout.
    pub(super) output_file: Option<PathBuf>,
    pub(super) quiet: bool,
    pub(super) statistics: bool,
    /// Worker threads, already clamped.
    pub(in crate::cli) jobs: usize,
    /// Codes of the rules that run, for SARIF's rule list.
    pub enabled: Vec<&'static str>,
    pub fix: FixOptions,
    /// What the files are compared with (`--since`, or `diff`'s OLD), for the summary.
    pub compared_with: Option<Against>,
    /// `--baseline`, `--write-baseline` or the configuration's `baseline`.
    pub(super) baseline: Option<BaselineRun>,
    /// With `--fix`: the directories it may write in (`write::roots_of`).
    pub(super) fix_roots: Vec<PathBuf>,
}

/// What a run compares the files with.
pub(in crate::cli) enum Against {
    /// `check --since REV`: each file's version at the revision, as the user wrote it.
    Revision(String),
    /// `diff OLD NEW`: OLD, as shown.
    File(String),
}

/// The run's configuration file: `--config`'s, none with `--no-config`, else the current
/// directory's nearest.
pub(super) fn run_config_path(args: &CheckArgs) -> Option<PathBuf> {
    if args.rules.no_config {
        None
    } else if let Some(path) = &args.rules.config {
        Some(path.clone())
    } else {
        std::env::current_dir()
            .ok()
            .and_then(|dir| config::discover(&dir, config::home_dir().as_deref()))
    }
}

/// Merges the command line over the configuration file.
pub(in crate::cli) fn configure(args: &CheckArgs) -> Result<(Settings, Options), ConfigError> {
    let config_path = run_config_path(args);
    let resolved = match &config_path {
        Some(path) => config::load_chain(path, names())?,
        None => Resolved::default(),
    };
    let config = &resolved.file;
    let config_origin = |key: &str| {
        resolved
            .origins
            .get(key)
            .map_or_else(String::new, |p| p.display().to_string())
    };
    let cli = |option: &str, message: String| ConfigError {
        origin: format!("--{option}"),
        key: None,
        message,
    };
    let max_file_size = match (args.max_file_size, &config.max_file_size) {
        (Some(size), _) => size,
        (None, Some(size)) => size.bytes().map_err(|e| ConfigError {
            origin: config_origin("max-file-size"),
            key: Some("max-file-size".to_owned()),
            message: e.to_string(),
        })?,
        (None, None) => discover::DEFAULT_MAX_FILE_SIZE,
    };
    let parameters = read_parameters(args)?;
    let settings = config::settings_for(&args.overrides(), &resolved, parameters, names())?;
    let configured_baseline = config.baseline.as_deref().and_then(|name| {
        let origin = resolved.origins.get("baseline")?;
        Some((name, origin.as_path()))
    });
    let baseline = crate::cli::baseline::open(args, configured_baseline, max_file_size)?;
    let fail_level = args
        .report
        .fail_level()
        .map(FailLevel::from)
        .or(config.fail_level)
        .unwrap_or_default();
    // Each origin's globs are a set of their own, so an error names where the glob came from.
    let force_exclude =
        !args.no_force_exclude && (args.force_exclude || config.force_exclude.unwrap_or(false));
    let exclude = vec![
        glob_set(&args.exclude, |message| cli("exclude", message))?,
        glob_set(config.exclude.as_deref().unwrap_or_default(), |message| {
            ConfigError {
                origin: config_origin("exclude"),
                key: Some("exclude".to_owned()),
                message,
            }
        })?,
    ];
    let format = args.report.format.unwrap_or(OutputFormat::Pretty);
    let color = colour(
        args.report.color,
        |name| std::env::var_os(name),
        args.report.output_file.is_none() && std::io::stdout().is_terminal(),
    );
    if args.jobs == Some(0) {
        return Err(cli("jobs", "must be at least 1".to_owned()));
    }
    let jobs = clamp_jobs(args.jobs);
    let enabled = kmslint_core::rules::RULES
        .iter()
        .map(|r| r.code)
        .filter(|code| settings.rules.enabled(code))
        .collect();
    Ok((
        settings,
        Options {
            format,
            fail_level,
            exclude,
            follow_links: args.follow_links,
            max_file_size,
            ignore_files: !args.no_ignore,
            force_exclude,
            show_files: args.show_files,
            verbose: args.verbose,
            config: config_path,
            config_stacks: deployment::table::stacks(resolved.stacks()),
            color,
            output_file: args.report.output_file.clone(),
            quiet: args.report.quiet,
            statistics: args.report.statistics,
            jobs,
            enabled,
            fix: FixOptions {
                mode: if args.diff {
                    FixMode::Diff
                } else if !args.no_fix && (args.fix || config.fix.unwrap_or(false)) {
                    FixMode::Apply
                } else {
                    FixMode::Report
                },
                unsafe_fixes: !args.no_unsafe_fixes
                    && (args.unsafe_fixes || config.unsafe_fixes.unwrap_or(false)),
            },
            compared_with: None,
            baseline,
            fix_roots: Vec::new(),
        },
    ))
}

/// Whether pretty output is coloured. `--color always|never` decides; with `auto`,
/// `FORCE_COLOR` or `CLICOLOR_FORCE` set to anything but empty or `0` turns colour on (CI logs
/// that show colours), then `NO_COLOR` set non-empty turns it off, then `TERM=dumb` does, and
/// otherwise it is on when the report goes to a terminal.
fn colour(
    choice: ColorChoice,
    env: impl Fn(&str) -> Option<std::ffi::OsString>,
    terminal: bool,
) -> bool {
    let set = |name: &str| env(name).is_some_and(|v| !v.is_empty() && v != "0");
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto if set("FORCE_COLOR") || set("CLICOLOR_FORCE") => true,
        ColorChoice::Auto if env("NO_COLOR").is_some_and(|v| !v.is_empty()) => false,
        ColorChoice::Auto if env("TERM").is_some_and(|v| v == "dumb") => false,
        ColorChoice::Auto => terminal,
    }
}

/// The globs of one origin (`--exclude`, or the configuration's `exclude`) as one set.
///
/// Written as users mean them (as ruff reads its `exclude`): a trailing `/` is dropped, a
/// glob without `/` (`cdk.out`, `*.generated.json`) is a name, matched at any depth, and a
/// leading `./` anchors it (`./cdk.out`: only the one here); a directory matched is skipped
/// with all it holds.
fn glob_set(
    globs: &[String],
    fail: impl Fn(String) -> ConfigError,
) -> Result<GlobSet, ConfigError> {
    config::check_globs(globs).map_err(|e| fail(e.to_string()))?;
    let mut set = GlobSetBuilder::new();
    for glob in globs {
        let bad = |e: globset::Error| fail(format!("`{}`: {}", lookup::abbreviate(glob), e.kind()));
        let mut pattern = glob.as_str();
        let anchored = pattern.starts_with("./");
        while let Some(rest) = pattern.strip_prefix("./") {
            pattern = rest.trim_start_matches('/');
        }
        let pattern = match pattern.trim_end_matches('/') {
            "" => pattern,
            trimmed => trimmed,
        };
        set.add(Glob::new(pattern).map_err(bad)?);
        if !anchored && !pattern.contains('/') && !pattern.starts_with("**") {
            set.add(Glob::new(&format!("**/{pattern}")).map_err(bad)?);
        }
    }
    set.build().map_err(|e| fail(e.to_string()))
}

/// Worker threads: `--jobs`, at most four per core (more only costs time and memory to
/// create, with a note saying so), or one per core by default.
fn clamp_jobs(jobs: Option<usize>) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let most = cores.saturating_mul(4).max(1);
    match jobs {
        Some(n) if n > most => {
            eprintln!(
                "kmslint: warning: --jobs {n} is more than 4 per core ({cores} available): using {most}"
            );
            most
        }
        Some(n) => n.max(1),
        None => cores.max(1),
    }
}

/// `--parameters-file`, then each `--parameter KEY=VALUE` over it.
fn read_parameters(args: &CheckArgs) -> Result<HashMap<String, String>, ConfigError> {
    let mut parameters = HashMap::new();
    if let Some(path) = &args.stack.parameters_file {
        parameters.extend(config::read_parameters_file(path)?);
    }
    for pair in &args.stack.parameters {
        let (key, value) = pair
            .split_once('=')
            .filter(|(k, _)| !k.is_empty())
            .ok_or_else(|| ConfigError {
                origin: "--parameter".to_owned(),
                key: None,
                message: format!("`{}` is not KEY=VALUE", lookup::abbreviate(pair)),
            })?;
        parameters.insert(key.to_owned(), value.to_owned());
    }
    Ok(parameters)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_follows_the_flag_then_the_environment() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                vars.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| std::ffi::OsString::from(v))
            }
        };
        let auto = ColorChoice::Auto;
        assert!(colour(auto, env(&[]), true));
        assert!(!colour(auto, env(&[]), false));
        assert!(!colour(auto, env(&[("TERM", "dumb")]), true));
        assert!(!colour(auto, env(&[("NO_COLOR", "1")]), true));
        assert!(colour(auto, env(&[("NO_COLOR", "")]), true));
        assert!(colour(
            auto,
            env(&[("FORCE_COLOR", "1"), ("NO_COLOR", "1")]),
            false
        ));
        assert!(colour(
            auto,
            env(&[("CLICOLOR_FORCE", "1"), ("TERM", "dumb")]),
            false
        ));
        assert!(!colour(auto, env(&[("FORCE_COLOR", "0")]), false));
        assert!(!colour(auto, env(&[("CLICOLOR_FORCE", "")]), false));
        let forced = env(&[("FORCE_COLOR", "1")]);
        assert!(!colour(ColorChoice::Never, forced, true));
        assert!(colour(
            ColorChoice::Always,
            env(&[("NO_COLOR", "1"), ("TERM", "dumb")]),
            false
        ));
    }
}
