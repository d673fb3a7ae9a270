//! Each file's settings (those of its directory's nearest configuration file), and
//! `--show-settings`, which shows them with their origins.

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use kmslint_core::config::{self, ConfigError, Resolved, Settings};
use kmslint_core::render::visible;
use kmslint_core::rules::names;

use super::options::Options;
use crate::cli::args::CheckArgs;
use crate::cli::baseline::Mode as BaselineMode;
use crate::cli::fix::FixMode;
use crate::cli::{EXIT_CLEAN, EXIT_FAILURE, error};
use crate::discover;

/// The settings of every file found, and of stdin after them: all the settings (the run's
/// first), and the index of each input's (see [`settings_by_dir`]).
pub(super) fn settings_of_inputs(
    args: &CheckArgs,
    found: &discover::Discovered,
    settings: Settings,
    options: &mut Options,
) -> Result<(Vec<Settings>, Vec<usize>), ConfigError> {
    let stdin_dir = args.stdin_filename.as_deref().map(|name| {
        Path::new(name)
            .parent()
            .unwrap_or(Path::new(""))
            .to_path_buf()
    });
    let dirs: Vec<PathBuf> = found
        .inputs
        .iter()
        .map(|i| i.path.parent().unwrap_or(Path::new("")).to_path_buf())
        .chain(stdin_dir)
        .collect();
    settings_by_dir(args, &dirs, settings, options)
}

/// The settings of each directory's nearest configuration file (below the repository's root
/// or home, as for the current directory), loaded once per file: all the settings, and the
/// index of each directory's. The settings of the current directory are the first. With
/// `--config` or `--no-config`, every file has those. Adds the rules any of them runs to
/// `options.enabled`, for SARIF's rule list.
pub(in crate::cli) fn settings_by_dir(
    args: &CheckArgs,
    dirs: &[PathBuf],
    root: Settings,
    options: &mut Options,
) -> Result<(Vec<Settings>, Vec<usize>), ConfigError> {
    let mut all = vec![root];
    if args.rules.config.is_some() || args.rules.no_config {
        return Ok((all, vec![0; dirs.len()]));
    }
    let cwd = std::env::current_dir().unwrap_or_default();
    let home = config::home_dir();
    let canonical = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let mut by_config: HashMap<Option<PathBuf>, usize> = HashMap::new();
    by_config.insert(options.config.as_deref().map(canonical), 0);
    let mut by_dir: HashMap<&Path, usize> = HashMap::new();
    let mut which = Vec::with_capacity(dirs.len());
    // Configurations that extend a common one read it once.
    let mut loader = config::Loader::default();
    for dir in dirs {
        if let Some(&i) = by_dir.get(dir.as_path()) {
            which.push(i);
            continue;
        }
        let found = config::discover(&canonical(&cwd.join(dir)), home.as_deref());
        let key = found.as_deref().map(canonical);
        let i = match by_config.get(&key) {
            Some(&i) => i,
            None => {
                let resolved = match &found {
                    Some(path) => loader.load_chain(path, names())?,
                    None => Resolved::default(),
                };
                let (settings, _) = config::settings_for(
                    &args.overrides(),
                    &resolved,
                    all[0].parameters.clone(),
                    names(),
                )?;
                for rule in kmslint_core::rules::RULES {
                    if settings.rules.enabled(rule.code) && !options.enabled.contains(&rule.code) {
                        options.enabled.push(rule.code);
                    }
                }
                all.push(settings);
                by_config.insert(key, all.len() - 1);
                all.len() - 1
            }
        };
        by_dir.insert(dir, i);
        which.push(i);
    }
    options.enabled.sort_unstable();
    Ok((all, which))
}

/// `--show-settings FILE`: the settings linting FILE uses, each with its origin (a
/// configuration file, an option, or the default), and the run's own settings.
pub(super) fn show_settings(
    args: &CheckArgs,
    file: &Path,
    root: &Settings,
    options: &Options,
) -> u8 {
    let config_path = if args.rules.no_config {
        None
    } else if let Some(path) = &args.rules.config {
        Some(path.clone())
    } else {
        let cwd = std::env::current_dir().unwrap_or_default();
        let dir = cwd.join(file.parent().unwrap_or(Path::new("")));
        let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
        config::discover(&dir, config::home_dir().as_deref())
    };
    let resolved = match &config_path {
        Some(path) => match config::load_chain(path, names()) {
            Ok(resolved) => resolved,
            Err(err) => {
                error(err);
                return EXIT_FAILURE;
            }
        },
        None => Resolved::default(),
    };
    let shown = match config::settings_for(
        &args.overrides(),
        &resolved,
        root.parameters.clone(),
        names(),
    ) {
        Ok((_, mut shown)) => {
            shown.extend(config::shown_parameters(&root.parameters));
            shown
        }
        Err(err) => {
            error(err);
            return EXIT_FAILURE;
        }
    };
    let mut out = String::new();
    let name = |p: &Path| visible(&p.display().to_string()).to_string();
    out.push_str(&format!("Settings for {}\n", name(file)));
    match resolved.chain.split_first() {
        Some((first, rest)) => {
            out.push_str(&format!("configuration file: {}", name(first)));
            for parent in rest {
                out.push_str(&format!(", extending {}", name(parent)));
            }
            out.push('\n');
        }
        None => out.push_str("configuration file: none\n"),
    }
    let width = shown
        .iter()
        .map(|(k, v, _)| k.len() + v.len())
        .max()
        .unwrap_or(0);
    for (key, value, origin) in &shown {
        let pad = width - key.len() - value.len();
        out.push_str(&format!(
            "  {key} = {}{}  # {}\n",
            visible(value),
            " ".repeat(pad),
            visible(origin)
        ));
    }
    push_run_settings(&mut out, args, options);
    crate::cli::written(io::stdout().lock().write_all(out.as_bytes()), EXIT_CLEAN)
}

/// The settings of the whole run under `--show-settings`: those the current directory's
/// configuration or the command line decide for every file.
fn push_run_settings(out: &mut String, args: &CheckArgs, options: &Options) {
    let name = |p: &Path| visible(&p.display().to_string()).to_string();
    let run_origin = |key: &str, cli: bool| {
        if cli {
            format!("--{key}")
        } else {
            match &options.config {
                Some(path) => format!("{} or default", name(path)),
                None => "default".to_owned(),
            }
        }
    };
    out.push_str("for the whole run (from the current directory's configuration):\n");
    out.push_str(&format!(
        "  fail-level = {}  # {}\n",
        format!("{:?}", options.fail_level).to_ascii_lowercase(),
        if args.report.exit_zero {
            "--exit-zero".to_owned()
        } else {
            run_origin("fail-level", args.report.fail_level.is_some())
        }
    ));
    out.push_str(&format!(
        "  max-file-size = {}  # {}\n",
        options.max_file_size,
        run_origin("max-file-size", args.max_file_size.is_some())
    ));
    out.push_str(&format!(
        "  fix = {}  # {}\n",
        options.fix.mode == FixMode::Apply,
        run_origin("fix", args.fix || args.no_fix)
    ));
    out.push_str(&format!(
        "  unsafe-fixes = {}  # {}\n",
        options.fix.unsafe_fixes,
        run_origin("unsafe-fixes", args.unsafe_fixes || args.no_unsafe_fixes)
    ));
    if let Some(rev) = &args.since {
        out.push_str(&format!("  since = {}  # --since\n", visible(rev)));
    }
    let (baseline, origin) = match &options.baseline {
        Some(run) if matches!(run.mode, BaselineMode::Write) => (
            format!("none (writing {})", name(&run.file)),
            "--write-baseline".to_owned(),
        ),
        Some(run) => (
            format!("{:?}", name(&run.file)),
            if args.baseline.is_some() {
                "--baseline".to_owned()
            } else {
                run_origin("baseline", false)
            },
        ),
        None if args.no_baseline => ("none".to_owned(), "--no-baseline".to_owned()),
        None => ("none".to_owned(), "default".to_owned()),
    };
    out.push_str(&format!("  baseline = {baseline}  # {origin}\n"));
}
