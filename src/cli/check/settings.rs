//! Each file's settings (those of its directory's nearest configuration file), and
//! `--show-settings`, which shows them with their origins.

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use kmslint_core::config::{self, ConfigError, Origin, Resolved, Settings};
use kmslint_core::deployment::{self, Stack, assembly, canonical};
use kmslint_core::link::{DeploymentLinks, StackAt, StackFile, Templates, Trees};
use kmslint_core::paths::RealPaths;
use kmslint_core::render::visible;
use kmslint_core::rules::names;

use super::lint::Preread;
use super::options::{self, Options};
use crate::cli::args::CheckArgs;
use crate::cli::baseline::Mode as BaselineMode;
use crate::cli::fix::FixMode;
use crate::cli::{EXIT_CLEAN, EXIT_FAILURE, error};
use crate::discover;

/// The settings of every file found, and of stdin after them, and the stacks to link.
pub(super) struct PerFile {
    /// All the settings, the run's first (see [`settings_by_dir`]).
    pub all: Vec<Settings>,
    /// The index in `all` of each input's settings.
    pub which: Vec<usize>,
    /// The stacks of the run's deployments: each input's stack, and the other stacks of its
    /// deployment (read for what they offer other stacks, not linted), in the deployments'
    /// order (the table's, the manifest's), which decides which of two replicas KMS303
    /// reports.
    pub stacks: Vec<StackFile>,
}

/// Each input's settings (its directory's configuration), and its stack when a deployment
/// declares its template (an enclosing assembly, a `[[stacks]]` table).
pub(super) fn settings_of_inputs(
    args: &CheckArgs,
    found: &mut discover::Discovered,
    settings: Settings,
    options: &mut Options,
) -> Result<PerFile, ConfigError> {
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
    let mut table = Vec::new();
    let (all, which) = settings_by_dir(args, &dirs, settings, options, &mut table)?;
    let mut others = enclosing_assemblies(&mut found.inputs, options.max_file_size);
    others.extend(table.iter().cloned());
    declared_stacks(&mut found.inputs, table);
    Ok(PerFile {
        all,
        which,
        stacks: stack_files(&found.inputs, others),
    })
}

/// The stacks to link: `others`, then the inputs' own; none when no input is a stack.
fn stack_files(inputs: &[discover::Input], others: Vec<Stack>) -> Vec<StackFile> {
    if inputs.iter().all(|i| i.stack.is_none()) {
        return Vec::new();
    }
    // A template is shown as the input that names it (by its path as given: a stack's
    // template is the table's or the manifest's path for both).
    let named: HashMap<&std::ffi::OsStr, &str> = inputs
        .iter()
        .filter_map(|i| Some((i.stack.as_ref()?.template.as_os_str(), i.name.as_str())))
        .collect();
    let cwd = std::env::current_dir().ok();
    let canonical_cwd = cwd.as_deref().and_then(|c| std::fs::canonicalize(c).ok());
    let shown = |stack: &Stack| match named.get(stack.template.as_os_str()) {
        Some(name) => (*name).to_owned(),
        None => discover::shown_path(&stack.template, cwd.as_deref(), canonical_cwd.as_deref())
            .to_string_lossy()
            .into_owned(),
    };
    let inputs_stacks = inputs.iter().filter_map(|i| i.stack.clone());
    others
        .into_iter()
        .chain(inputs_stacks)
        .map(|stack| StackFile {
            shown: shown(&stack),
            stack,
            text: None,
        })
        .collect()
}

/// Links the stacks of `templates` (docs/deployments.md, "Links between stacks"): each
/// input that is a stack gets its settings with the links ([`with_stacks`]), and its
/// template as read and parsed for them, for its lint. In change review (`review`), every
/// template is read for what it reads of other stacks (KMS508).
pub(super) fn link_inputs<'t>(
    inputs: &mut [discover::Input],
    (templates, trees): (&'t Templates, &'t Trees<'t>),
    review: bool,
    per_file: &mut PerFile,
) -> Vec<Option<Preread<'t>>> {
    if templates.is_empty() {
        return vec![None; inputs.len()];
    }
    let found: Vec<Option<StackAt>> = inputs
        .iter()
        .map(|input| templates.find(input.stack.as_ref()?))
        .collect();
    let links = templates.link(trees, review);
    with_stacks(inputs, &found, &links, per_file);
    found
        .into_iter()
        .map(|at| {
            let (text, tree) = templates.of(trees, at?)?;
            Some(Preread { text, tree })
        })
        .collect()
}

/// Each input's settings as `check` lints it with (for `access`): its directory's
/// configuration, and its stack's Region, account, parameter values and links when a
/// deployment declares its template. The settings, and the index of each input's.
pub(in crate::cli) fn settings_with_stacks(
    args: &CheckArgs,
    found: &mut discover::Discovered,
    settings: Settings,
    options: &mut Options,
    pool: Option<&rayon::ThreadPool>,
) -> Result<(Vec<Settings>, Vec<usize>), ConfigError> {
    let mut per_file = settings_of_inputs(args, found, settings, options)?;
    let stacks = std::mem::take(&mut per_file.stacks);
    let templates = super::on_pool(pool, || {
        kmslint_core::link::read(stacks, options.max_file_size)
    });
    let trees = super::on_pool(pool, || templates.parse(false));
    super::on_pool(pool, || {
        link_inputs(
            &mut found.inputs,
            (&templates, &trees),
            false,
            &mut per_file,
        );
    });
    Ok((per_file.all, per_file.which))
}

/// Gives each template named on the command line that is a stack of the cloud assembly it is
/// in its stack, as when the assembly is named (docs/deployments.md): `kmslint check
/// cdk.out/App.template.json` lints it with App's Region, as the editor does. Each assembly
/// is read once.
fn enclosing_assemblies(inputs: &mut [discover::Input], limit: u64) -> Vec<Stack> {
    // Each assembly's stacks in its manifest's order, and by template; assemblies in the
    // order they are first met.
    let mut read: HashMap<PathBuf, (Vec<Stack>, HashMap<PathBuf, usize>)> = HashMap::new();
    let mut order: Vec<PathBuf> = Vec::new();
    for input in inputs
        .iter_mut()
        .filter(|i| i.explicit && i.stack.is_none())
    {
        let file = canonical(&input.path);
        for dir in assembly::enclosing_dirs(&file) {
            let (stacks, by_template) = read.entry(dir.to_path_buf()).or_insert_with(|| {
                order.push(dir.to_path_buf());
                let stacks = assembly::stacks(dir, limit);
                let mut by_template = HashMap::new();
                for (i, stack) in stacks.iter().enumerate() {
                    by_template.entry(canonical(&stack.template)).or_insert(i);
                }
                (stacks, by_template)
            });
            if let Some(&i) = by_template.get(&file) {
                input.stack = Some(stacks[i].clone());
                break;
            }
        }
    }
    order
        .iter()
        .filter_map(|dir| read.remove(dir))
        .flat_map(|(stacks, _)| stacks)
        .collect()
}

/// Gives each input that a `[[stacks]]` table declares (and no assembly already placed) its
/// stack: a declared template is linted with its stack's Region, account and parameters,
/// whether it was named or walked (docs/configuration.md, "Stacks"). Matched by the file
/// itself, so `./infra/keys.yaml` and a link to it are the same template.
fn declared_stacks(inputs: &mut [discover::Input], table: Vec<Stack>) {
    if table.is_empty() {
        return;
    }
    // The nearest configuration's table comes first: a farther one naming the same template
    // does not replace it.
    let paths = RealPaths::default();
    let mut by_template = HashMap::new();
    for stack in table {
        by_template
            .entry(paths.resolve_or_same(&stack.template))
            .or_insert(stack);
    }
    for input in inputs.iter_mut().filter(|i| i.stack.is_none()) {
        if let Some(stack) = by_template.get(&paths.resolve_or_same(&input.path)) {
            input.stack = Some(stack.clone());
        }
    }
}

/// A stack's template is linted with its directory's settings and the stack's Region,
/// account, parameter values and links over them ([`DeploymentLinks::settings`], which the
/// language server uses too). One settings per stack. Each input's stack is then the one its
/// findings are reported with ([`DeploymentLinks::shown`]: a stack of several Regions has
/// none). `found` is which of the stacks linked each input is.
fn with_stacks(
    inputs: &mut [discover::Input],
    found: &[Option<StackAt>],
    links: &DeploymentLinks,
    per_file: &mut PerFile,
) {
    let mut made: HashMap<(usize, StackAt), usize> = HashMap::new();
    let each = inputs.iter_mut().zip(found).zip(per_file.which.iter_mut());
    for ((input, &found), at) in each {
        let Some(stack) = &input.stack else {
            continue;
        };
        let made_at = found.map(|found| (*at, found));
        if let Some(&i) = made_at.and_then(|key| made.get(&key)) {
            *at = i;
        } else {
            let settings = links.settings(found, stack, &per_file.all[*at]);
            per_file.all.push(settings);
            *at = per_file.all.len() - 1;
            if let Some(key) = made_at {
                made.insert(key, *at);
            }
        }
        if let Some(found) = found {
            input.stack_regions = links.instance_regions(found);
            input.stack = Some(links.shown(found, stack));
        }
    }
}

/// The settings of each directory's nearest configuration file (below the repository's root
/// or home, as for the current directory), loaded once per file: all the settings, and the
/// index of each directory's. The settings of the current directory are the first. With
/// `--config` or `--no-config`, every file has those. Adds the rules any of them runs to
/// `options.enabled`, for SARIF's rule list. The stacks their `[[stacks]]` tables declare
/// are added to `table`, the nearest configurations' first.
pub(in crate::cli) fn settings_by_dir(
    args: &CheckArgs,
    dirs: &[PathBuf],
    root: Settings,
    options: &mut Options,
    table: &mut Vec<Stack>,
) -> Result<(Vec<Settings>, Vec<usize>), ConfigError> {
    let mut all = vec![root];
    if args.rules.no_config {
        return Ok((all, vec![0; dirs.len()]));
    }
    if args.rules.config.is_some() {
        table.extend(options.config_stacks.iter().cloned());
        return Ok((all, vec![0; dirs.len()]));
    }
    let cwd = std::env::current_dir().unwrap_or_default();
    let home = config::home_dir();
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
                table.extend(deployment::table::stacks(resolved.stacks()));
                let settings = config::settings_for(
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
    // The run's own configuration (the current directory's, whose settings are the first) is
    // not loaded above; its table, read with it, comes last, as the farthest.
    table.extend(options.config_stacks.iter().cloned());
    options.enabled.sort_unstable();
    Ok((all, which))
}

/// `--show-settings`: the settings linting each PATH uses (no PATH: a file in the current
/// directory), then the run's own settings (the current directory's configuration and the
/// command line decide them for every file). Each on a line `key = value  # origin`, the
/// origin exact: a configuration file and its key, an option, or `default`.
pub(super) fn show_settings(args: &CheckArgs, root: &Settings, options: &Options) -> u8 {
    let mut out = String::new();
    let targets: Vec<Option<&Path>> = if args.paths.is_empty() {
        vec![None]
    } else {
        args.paths
            .iter()
            .map(|p| match (p.as_os_str() == "-", &args.stdin_filename) {
                (true, Some(name)) => Some(Path::new(name.as_str())),
                (true, None) => None,
                (false, _) => Some(p.as_path()),
            })
            .collect()
    };
    let run = options::run_config_path(args);
    let resolved = match run.as_deref().map(|p| config::load_chain(p, names())) {
        Some(Ok(resolved)) => resolved,
        Some(Err(err)) => {
            error(err);
            return EXIT_FAILURE;
        }
        None => Resolved::default(),
    };
    for target in targets {
        if let Err(err) =
            push_file_settings(&mut out, args, target, &resolved, options.max_file_size)
        {
            error(err);
            return EXIT_FAILURE;
        }
    }
    out.push_str("Settings of the whole run\n");
    push_configuration(&mut out, args, &resolved, "the current directory");
    push_run_settings(&mut out, args, &resolved, root, options);
    crate::cli::written(io::stdout().lock().write_all(out.as_bytes()), EXIT_CLEAN)
}

/// One setting's line: `  key = value  # origin`, as the user may copy it into a
/// configuration file (no padding: a long value does not push every origin to the right).
fn push_line(out: &mut String, key: &str, value: &str, origin: &Origin) {
    let origin = match origin {
        Origin::Default => "default".to_owned(),
        Origin::Flag(flag) => flag.clone(),
        Origin::Key(path, key) => format!("{} key {key}", shown_path(path)),
        Origin::Derived(from) => format!("from {from}"),
    };
    push_text(out, key, value, &origin);
}

/// [`push_line`] with the origin in words.
fn push_text(out: &mut String, key: &str, value: &str, origin: &str) {
    out.push_str(&format!(
        "  {} = {}  # {}\n",
        visible(key),
        visible(value),
        visible(origin)
    ));
}

/// A path as the user knows it: relative to the current directory (`b/.kmslint.toml`,
/// `../.kmslint.toml`) when they share a directory other than the root, else as it is.
fn shown_path(path: &Path) -> String {
    let cwd = canonical(&std::env::current_dir().unwrap_or_default());
    let absolute = canonical(&cwd.join(path));
    let shares_more_than_the_root = cwd
        .ancestors()
        .find(|dir| absolute.starts_with(dir))
        .is_some_and(|dir| dir.parent().is_some());
    if shares_more_than_the_root && absolute != cwd {
        crate::cli::baseline::relative(&cwd, &absolute)
    } else {
        path.display().to_string()
    }
}

/// The configuration file line: the file (and those it extends), and why it is the one.
fn push_configuration(out: &mut String, args: &CheckArgs, resolved: &Resolved, place: &str) {
    let value = match resolved.chain.split_first() {
        Some((first, rest)) => {
            let mut value = shown_path(first);
            for parent in rest {
                value.push_str(&format!(", extending {}", shown_path(parent)));
            }
            value
        }
        None => "none".to_owned(),
    };
    let origin = if args.rules.no_config {
        "--no-config".to_owned()
    } else if args.rules.config.is_some() {
        "--config".to_owned()
    } else if resolved.chain.is_empty() {
        format!("no .kmslint.toml in {place} or above it, up to the repository's root")
    } else {
        format!("the nearest .kmslint.toml to {place}")
    };
    push_text(out, "configuration file", &value, &origin);
}

/// The settings of the file at `target` (`None`: one in the current directory): those of
/// its directory's nearest configuration file, with the command line over them; for a cloud
/// assembly, then its stacks.
fn push_file_settings(
    out: &mut String,
    args: &CheckArgs,
    target: Option<&Path>,
    run: &Resolved,
    max_file_size: u64,
) -> Result<(), ConfigError> {
    let cwd = std::env::current_dir().unwrap_or_default();
    // A directory named is where its files' configuration is looked for; a file's, its own.
    let dir = match target {
        Some(path) if cwd.join(path).is_dir() => cwd.join(path),
        Some(path) => cwd.join(path.parent().unwrap_or(Path::new(""))),
        None => cwd,
    };
    let config_path = if args.rules.no_config {
        None
    } else if let Some(path) = &args.rules.config {
        Some(path.clone())
    } else {
        config::discover(&canonical(&dir), config::home_dir().as_deref())
    };
    let resolved = match &config_path {
        Some(path) => config::load_chain(path, names())?,
        None => Resolved::default(),
    };
    let shown = config::shown_settings(&args.overrides(), &resolved, names())?;
    let place = match target {
        Some(path) => visible(&path.display().to_string()).into_owned(),
        None => "the current directory".to_owned(),
    };
    out.push_str(&format!("Settings for {place}\n"));
    push_configuration(out, args, &resolved, &place);
    for setting in &shown {
        push_line(out, &setting.key, &setting.value, &setting.origin);
    }
    push_unused_run_keys(out, &resolved, run);
    if let Some(dir) = target.filter(|p| p.is_dir()) {
        push_stacks(out, dir, max_file_size);
    }
    Ok(())
}

/// For a CDK cloud assembly: each stack's template, Region and account, which are over the
/// `region` and `account` above for that template (docs/deployments.md).
fn push_stacks(out: &mut String, dir: &Path, max_file_size: u64) {
    if !assembly::is_assembly(dir, max_file_size) {
        return;
    }
    let (deployment, _) = assembly::read(dir, max_file_size);
    let origin = format!("cloud assembly {}", shown_path(&deployment.source));
    // In the shape a `[[stacks]]` table's stack is shown in: what is unknown is left out.
    for stack in &deployment.stacks {
        let mut value = format!("{{ template = {:?}", shown_path(&stack.template));
        let known = [
            ("region", &stack.region),
            ("account", &stack.account),
            ("deployer-arn", &stack.deployer),
        ];
        for (key, known) in known {
            if let Some(known) = known {
                value.push_str(&format!(", {key} = {known:?}"));
            }
        }
        if !stack.parameters.is_empty() {
            let names: Vec<&String> = stack.parameters.keys().collect();
            value.push_str(&format!(", parameters = {names:?}"));
        }
        value.push_str(" }");
        push_text(out, &format!("stack {}", stack.name), &value, &origin);
    }
}

/// The keys of a file's configuration that only the run's configuration decides (the
/// current directory's: see [`push_run_settings`]), when the file's is another one: shown,
/// and said to be unused, since a `.kmslint.toml` in a subdirectory cannot set them. A key
/// the run's configuration has from the same file is not: it is used, and shown with the run.
fn push_unused_run_keys(out: &mut String, resolved: &Resolved, run: &Resolved) {
    let config = &resolved.file;
    let size = config.max_file_size.as_ref().map(|size| match size {
        config::SizeValue::Bytes(n) => n.to_string(),
        config::SizeValue::Text(text) => format!("{text:?}"),
    });
    let level = config
        .fail_level
        .map(|l| format!("{:?}", format!("{l:?}").to_ascii_lowercase()));
    let set = [
        ("fail-level", level),
        ("exclude", config.exclude.as_ref().map(|g| format!("{g:?}"))),
        ("force-exclude", config.force_exclude.map(|b| b.to_string())),
        ("max-file-size", size),
        ("fix", config.fix.map(|b| b.to_string())),
        ("unsafe-fixes", config.unsafe_fixes.map(|b| b.to_string())),
        (
            "baseline",
            config.baseline.as_ref().map(|b| format!("{b:?}")),
        ),
    ];
    for (key, value) in set {
        let (Some(value), Some(path)) = (value, resolved.origins.get(key)) else {
            continue;
        };
        if run.origins.get(key).map(|p| canonical(p)) == Some(canonical(path)) {
            continue;
        }
        let value = format!(
            "{value} (not used: the current directory's configuration decides it for the whole run)"
        );
        push_line(out, key, &value, &Origin::Key(path.clone(), key.to_owned()));
    }
}

/// The settings of the whole run: the current directory's configuration (`resolved`) or the
/// command line decide them for every file.
fn push_run_settings(
    out: &mut String,
    args: &CheckArgs,
    resolved: &Resolved,
    root: &Settings,
    options: &Options,
) {
    let config = &resolved.file;
    let from_file = |key: &str| resolved.origin_of(key);
    let flag = |flag: &str| Origin::Flag(flag.to_owned());
    let fail_level = if args.report.exit_zero {
        flag("--exit-zero")
    } else if args.report.fail_level.is_some() {
        flag("--fail-level")
    } else {
        from_file("fail-level")
    };
    let level = format!("{:?}", options.fail_level).to_ascii_lowercase();
    push_line(out, "fail-level", &format!("{level:?}"), &fail_level);
    // Both sets of globs apply: the command line's add to the configuration's.
    if let Some(globs) = &config.exclude {
        push_line(out, "exclude", &format!("{globs:?}"), &from_file("exclude"));
    }
    if !args.exclude.is_empty() {
        push_line(
            out,
            "exclude",
            &format!("{:?}", args.exclude),
            &flag("--exclude"),
        );
    }
    if config.exclude.is_none() && args.exclude.is_empty() {
        push_line(out, "exclude", "[]", &Origin::Default);
    }
    let force_exclude = if args.no_force_exclude {
        flag("--no-force-exclude")
    } else if args.force_exclude {
        flag("--force-exclude")
    } else {
        from_file("force-exclude")
    };
    push_line(
        out,
        "force-exclude",
        &options.force_exclude.to_string(),
        &force_exclude,
    );
    let max_file_size = if args.max_file_size.is_some() {
        flag("--max-file-size")
    } else {
        from_file("max-file-size")
    };
    push_line(
        out,
        "max-file-size",
        &options.max_file_size.to_string(),
        &max_file_size,
    );
    let fix = if args.diff {
        flag("--diff")
    } else if args.no_fix {
        flag("--no-fix")
    } else if args.fix {
        flag("--fix")
    } else {
        from_file("fix")
    };
    let fixing = options.fix.mode == FixMode::Apply;
    push_line(out, "fix", &fixing.to_string(), &fix);
    let unsafe_fixes = if args.no_unsafe_fixes {
        flag("--no-unsafe-fixes")
    } else if args.unsafe_fixes {
        flag("--unsafe-fixes")
    } else {
        from_file("unsafe-fixes")
    };
    push_line(
        out,
        "unsafe-fixes",
        &options.fix.unsafe_fixes.to_string(),
        &unsafe_fixes,
    );
    push_baseline(out, args, options, &from_file("baseline"));
    if let Some(rev) = &args.since {
        push_line(out, "since", &format!("{rev:?}"), &flag("--since"));
    }
    push_parameters(out, args, root);
}

/// The baseline a run filters by (or writes), and what named it.
fn push_baseline(out: &mut String, args: &CheckArgs, options: &Options, configured: &Origin) {
    let quoted = |p: &Path| format!("{:?}", shown_path(p));
    let (value, origin) = match &options.baseline {
        Some(run) if matches!(run.mode, BaselineMode::Write) => (
            format!("none (writing {})", quoted(&run.file)),
            Origin::Flag("--write-baseline".to_owned()),
        ),
        Some(run) if args.baseline.is_some() => {
            (quoted(&run.file), Origin::Flag("--baseline".to_owned()))
        }
        Some(run) => (quoted(&run.file), configured.clone()),
        None if args.no_baseline => ("none".to_owned(), Origin::Flag("--no-baseline".to_owned())),
        None => ("none".to_owned(), Origin::Default),
    };
    push_line(out, "baseline", &value, &origin);
}

/// The stack parameter values given: each `--parameter`'s, or the `--parameters-file`'s
/// under them (`options::read_parameters`).
fn push_parameters(out: &mut String, args: &CheckArgs, root: &Settings) {
    let mut given: Vec<_> = root.parameters.iter().collect();
    given.sort();
    for (key, value) in given {
        let flagged = args
            .stack
            .parameters
            .iter()
            .any(|pair| pair.split_once('=').is_some_and(|(k, _)| k == key));
        let origin = match &args.stack.parameters_file {
            Some(file) if !flagged => format!("--parameters-file {}", shown_path(file)),
            _ => "--parameter".to_owned(),
        };
        push_text(
            out,
            &format!("parameter {key}"),
            &format!("{value:?}"),
            &origin,
        );
    }
}
