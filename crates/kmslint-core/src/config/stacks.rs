//! `[[stacks]]` in `.kmslint.toml` (docs/configuration.md#stacks-stacks): the stacks of a
//! deployment of hand-written templates, each a template with its Regions, accounts and
//! parameter values, which may be another stack's output. Read from the file's text with
//! positions (serde's view of the file keeps none), and checked whole: every error is a
//! configuration error at its line.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use toml::Spanned;
use toml::de::DeValue;

use crate::lookup;
use crate::paths::RealPaths;
use crate::source::{self, read};

use super::ConfigError;
use super::checks::{check_account, check_region};
use super::file::line_of;
use super::parameters::read_parameters_file;
use super::resolve::{Unbounded, file_inside, normalize_path, repository_of};

/// One stack of `[[stacks]]`, checked: its name is unique in the file, its template a file
/// inside the configuration's repository, its Regions and accounts well formed, and each
/// parameter that takes an output names a declared stack, in no cycle, with that output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StackDecl {
    /// The stack's name (`AWS::StackName`).
    pub name: String,
    /// The template: the configuration file's directory joined with `template`, normalized
    /// (as the configuration file's path was given, not resolved to an absolute one).
    pub template: PathBuf,
    /// `region`, or each of `regions` (one stack instance per Region); empty when not given
    /// (the Region is unknown).
    pub regions: Vec<String>,
    /// `account`, or each of `accounts`; empty when not given.
    pub accounts: Vec<String>,
    /// `parameters-file`'s values, with `parameters` over them.
    pub parameters: BTreeMap<String, ParamValue>,
    /// `deployer-arn`: the principal that deploys the stack (KMS204 decides for it).
    pub deployer_arn: Option<String>,
}

/// A parameter's value in `[[stacks]]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParamValue {
    /// A value as given (numbers and booleans as TOML writes them).
    Value(String),
    /// `{ stack = "keys", output = "PrimaryKeyArn" }`: another stack's output.
    Output { stack: String, output: String },
}

/// The keys of a `[[stacks]]` table.
const KEYS: [&str; 9] = [
    "name",
    "template",
    "region",
    "regions",
    "account",
    "accounts",
    "deployer-arn",
    "parameters",
    "parameters-file",
];

/// The longest stack name, and what it may hold: "can contain only alphanumeric characters
/// (case-sensitive) and hyphens. It must start with an alphabetic character and can't be
/// longer than 128 characters" (CreateStack's StackName,
/// https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html).
const MAX_STACK_NAME: usize = 128;

/// Errors at a byte of the configuration file at `path`: the file and line, and the key
/// (`stacks.KEY`, or `stacks` for an empty one).
struct At<'a> {
    path: &'a Path,
    text: &'a str,
    /// The files the table names, resolved (a table names hundreds in a few directories).
    paths: RealPaths,
}

impl At<'_> {
    fn error(&self, at: usize, key: &str, message: String) -> ConfigError {
        let line = line_of(self.text, at.min(self.text.len()));
        ConfigError {
            origin: format!("{}:{line}", self.path.display()),
            key: Some(if key.is_empty() {
                "stacks".to_owned()
            } else {
                format!("stacks.{key}")
            }),
            message,
        }
    }
}

/// A stack as read, before the checks across stacks: each value with where it was written.
struct Read {
    name: String,
    at: usize,
    decl: StackDecl,
    /// Each parameter that takes an output: its name, and where its `stack` and `output` are.
    outputs: Vec<(String, usize, usize)>,
}

/// The checked `[[stacks]]` (`value`, as written) of the configuration file at `path` whose
/// text is `text`. `stacks = []` is an empty table, which a nearer file may give to drop the
/// stacks of one it extends.
pub(super) fn read(
    path: &Path,
    text: &str,
    value: &Spanned<DeValue<'_>>,
) -> Result<Vec<StackDecl>, ConfigError> {
    let at = At {
        path,
        text,
        paths: RealPaths::default(),
    };
    let DeValue::Array(tables) = value.get_ref() else {
        return Err(at.error(
            value.span().start,
            "",
            "must be a list of tables (`[[stacks]]`)".to_owned(),
        ));
    };
    let dir = path.parent().unwrap_or(Path::new(""));
    let real_dir = std::fs::canonicalize(if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    })
    .map_err(|e| ConfigError {
        origin: path.display().to_string(),
        key: Some("stacks".to_owned()),
        message: format!("its directory: {}", read::describe_io(&e)),
    })?;
    let root = repository_of(&real_dir);
    let mut stacks: Vec<Read> = Vec::with_capacity(tables.len());
    let mut names: HashMap<String, usize> = HashMap::new();
    for table in tables.iter() {
        let stack = read_stack(&at, table, dir, &real_dir, &root)?;
        if let Some(&first) = names.get(&stack.name) {
            let line = line_of(text, stacks[first].at);
            return Err(at.error(
                stack.at,
                "name",
                format!(
                    "`{}` is declared twice (first at line {line}): a stack's name is unique",
                    lookup::abbreviate(&stack.name)
                ),
            ));
        }
        names.insert(stack.name.clone(), stacks.len());
        stacks.push(stack);
    }
    check_references(&at, &stacks, &names)?;
    check_cycles(&at, &stacks, &names)?;
    check_outputs(&at, &stacks, &names)?;
    Ok(stacks.into_iter().map(|s| s.decl).collect())
}

/// `; did you mean `…`?` when one of `candidates` is near `word`, else nothing: the end of an
/// error's message.
fn near_miss<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> String {
    lookup::did_you_mean(word, candidates)
        .map(|k| format!("; did you mean `{k}`?"))
        .unwrap_or_default()
}

/// One `[[stacks]]` table, its own values checked.
fn read_stack(
    at: &At<'_>,
    table: &Spanned<DeValue<'_>>,
    dir: &Path,
    real_dir: &Path,
    root: &Path,
) -> Result<Read, ConfigError> {
    let start = table.span().start;
    let DeValue::Table(entries) = table.get_ref() else {
        return Err(at.error(start, "", "each stack is a table (`[[stacks]]`)".to_owned()));
    };
    let mut values: BTreeMap<&str, &Spanned<DeValue<'_>>> = BTreeMap::new();
    for (key, value) in entries.iter() {
        let key_text = key.get_ref().as_ref();
        match KEYS.iter().find(|k| **k == key_text) {
            Some(known) => {
                values.insert(known, value);
            }
            None => {
                let hint = near_miss(key_text, KEYS);
                return Err(at.error(
                    key.span().start,
                    &lookup::abbreviate(key_text),
                    format!(
                        "unknown key (a stack has {}){hint}",
                        KEYS.map(|k| format!("`{k}`")).join(", ")
                    ),
                ));
            }
        }
    }
    let string = |key: &str| -> Result<Option<(String, usize)>, ConfigError> {
        values
            .get(key)
            .map(|v| match v.get_ref() {
                DeValue::String(s) => Ok((s.to_string(), v.span().start)),
                _ => Err(at.error(v.span().start, key, "must be a string".to_owned())),
            })
            .transpose()
    };
    let Some((name, name_at)) = string("name")? else {
        return Err(at.error(start, "name", "every stack needs a `name`".to_owned()));
    };
    check_stack_name(&name).map_err(|m| at.error(name_at, "name", m))?;
    let Some((template, template_at)) = string("template")? else {
        return Err(at.error(
            start,
            "template",
            format!("stack `{}` needs a `template`", lookup::abbreviate(&name)),
        ));
    };
    let template = bounded_file(&at.paths, dir, real_dir, root, &template)
        .map_err(|m| at.error(template_at, "template", m))?;
    let regions = one_or_many(at, &values, "region", "regions", |r| {
        check_region(r).map_err(|e| e.to_string())
    })?;
    let accounts = one_or_many(at, &values, "account", "accounts", |a| {
        check_account(a).map_err(|e| e.to_string())
    })?;
    let deployer_arn = match string("deployer-arn")? {
        Some((arn, arn_at)) => {
            crate::deployer::Deployer::parse(&arn)
                .map_err(|e| at.error(arn_at, "deployer-arn", e.to_string()))?;
            Some(arn)
        }
        None => None,
    };
    let mut parameters = BTreeMap::new();
    if let Some((file, file_at)) = string("parameters-file")? {
        let file = bounded_file(&at.paths, dir, real_dir, root, &file)
            .map_err(|m| at.error(file_at, "parameters-file", m))?;
        let read = read_parameters_file(&file).map_err(|e| {
            at.error(
                file_at,
                "parameters-file",
                format!("{}: {}", e.origin, e.message),
            )
        })?;
        parameters.extend(read.into_iter().map(|(k, v)| (k, ParamValue::Value(v))));
    }
    let mut outputs = Vec::new();
    if let Some(given) = values.get("parameters") {
        let DeValue::Table(given) = given.get_ref() else {
            return Err(at.error(
                given.span().start,
                "parameters",
                "must be a table of parameter values (`parameters = { Env = \"prod\" }`)"
                    .to_owned(),
            ));
        };
        for (key, value) in given.iter() {
            let key = key.get_ref().to_string();
            let (param, output) = parameter(at, &key, value)?;
            if let Some(output) = output {
                outputs.push((key.clone(), output.0, output.1));
            }
            parameters.insert(key, param);
        }
    }
    Ok(Read {
        name: name.clone(),
        at: name_at,
        decl: StackDecl {
            name,
            template,
            regions,
            accounts,
            parameters,
            deployer_arn,
        },
        outputs,
    })
}

/// A stack's name as CloudFormation takes it (see [`MAX_STACK_NAME`]).
fn check_stack_name(name: &str) -> Result<(), String> {
    let shown = lookup::abbreviate(name);
    if name.is_empty() {
        return Err("must not be empty".to_owned());
    }
    if name.len() > MAX_STACK_NAME {
        return Err(format!(
            "`{shown}` is longer than {MAX_STACK_NAME} characters, the most a stack's name may have"
        ));
    }
    let letter_first = name.starts_with(|c: char| c.is_ascii_alphabetic());
    if !letter_first || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(format!(
            "`{shown}` is not a stack name: letters, digits and hyphens, starting with a letter"
        ));
    }
    Ok(())
}

/// `single` or `plural` (not both), each value checked by `check`: the values, none when
/// neither is given. A value given twice in the list is an error, as it would make two stack
/// instances that are one.
fn one_or_many(
    at: &At<'_>,
    values: &BTreeMap<&str, &Spanned<DeValue<'_>>>,
    single: &str,
    plural: &str,
    check: impl Fn(&str) -> Result<(), String>,
) -> Result<Vec<String>, ConfigError> {
    match (values.get(single), values.get(plural)) {
        (Some(_), Some(both)) => Err(at.error(
            both.span().start,
            plural,
            format!("give `{single}` or `{plural}`, not both"),
        )),
        (Some(one), None) => match one.get_ref() {
            DeValue::String(s) => {
                check(s).map_err(|m| at.error(one.span().start, single, m))?;
                Ok(vec![s.to_string()])
            }
            _ => Err(at.error(one.span().start, single, "must be a string".to_owned())),
        },
        (None, Some(many)) => {
            let DeValue::Array(items) = many.get_ref() else {
                return Err(at.error(
                    many.span().start,
                    plural,
                    "must be a list of strings".to_owned(),
                ));
            };
            if items.is_empty() {
                return Err(at.error(
                    many.span().start,
                    plural,
                    format!("names none: leave `{plural}` out when it is not known"),
                ));
            }
            let mut list: Vec<String> = Vec::with_capacity(items.len());
            let mut seen = std::collections::HashSet::new();
            for item in items.iter() {
                let DeValue::String(s) = item.get_ref() else {
                    return Err(at.error(
                        item.span().start,
                        plural,
                        "must be a list of strings".to_owned(),
                    ));
                };
                check(s).map_err(|m| at.error(item.span().start, plural, m))?;
                if !seen.insert(s.as_ref()) {
                    return Err(at.error(
                        item.span().start,
                        plural,
                        format!("`{}` is given twice", lookup::abbreviate(s)),
                    ));
                }
                list.push(s.to_string());
            }
            Ok(list)
        }
        (None, None) => Ok(Vec::new()),
    }
}

/// One entry of `parameters`: its value, and for `{ stack, output }` where the two are written.
#[allow(clippy::type_complexity)]
fn parameter(
    at: &At<'_>,
    key: &str,
    value: &Spanned<DeValue<'_>>,
) -> Result<(ParamValue, Option<(usize, usize)>), ConfigError> {
    let shown_key = format!("parameters.{}", lookup::abbreviate(key));
    let fail = |at_byte: usize, message: String| at.error(at_byte, &shown_key, message);
    // A parameter's logical ID is alphanumeric (Parameters, "Syntax",
    // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html).
    if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(fail(
            value.span().start,
            format!(
                "`{}` is not a parameter name: a template's parameters are named with letters and digits",
                lookup::abbreviate(key)
            ),
        ));
    }
    match value.get_ref() {
        DeValue::String(s) => Ok((ParamValue::Value(s.to_string()), None)),
        DeValue::Integer(i) => Ok((ParamValue::Value(i.as_str().to_owned()), None)),
        DeValue::Float(f) => Ok((ParamValue::Value(f.as_str().to_owned()), None)),
        DeValue::Boolean(b) => Ok((ParamValue::Value(b.to_string()), None)),
        DeValue::Table(reference) => {
            let mut stack = None;
            let mut output = None;
            for (k, v) in reference.iter() {
                let slot = match k.get_ref().as_ref() {
                    "stack" => &mut stack,
                    "output" => &mut output,
                    other => {
                        let hint = near_miss(other, ["stack", "output"]);
                        return Err(fail(
                            k.span().start,
                            format!(
                                "unknown key `{}`: another stack's output is `{{ stack = \"…\", output = \"…\" }}`{hint}",
                                lookup::abbreviate(other)
                            ),
                        ));
                    }
                };
                match v.get_ref() {
                    DeValue::String(s) if !s.is_empty() => {
                        *slot = Some((s.to_string(), v.span().start));
                    }
                    _ => {
                        return Err(fail(
                            v.span().start,
                            format!("`{}` must be a non-empty string", k.get_ref()),
                        ));
                    }
                }
            }
            match (stack, output) {
                (Some((stack, stack_at)), Some((output, output_at))) => Ok((
                    ParamValue::Output { stack, output },
                    Some((stack_at, output_at)),
                )),
                _ => Err(fail(
                    value.span().start,
                    "another stack's output is `{ stack = \"…\", output = \"…\" }`, with both"
                        .to_owned(),
                )),
            }
        }
        DeValue::Array(_) | DeValue::Datetime(_) => Err(fail(
            value.span().start,
            "must be a string, a number, a boolean or `{ stack = \"…\", output = \"…\" }` (a list parameter is one string, \"a,b\")".to_owned(),
        )),
    }
}

/// The file `written` names, relative to the configuration's directory `dir` (`real_dir`
/// without links), when it is a file inside `root`, the configuration's repository: as for
/// `extend`, a configuration in a repository one reviews must not make kmslint read the
/// reviewer's other files. Checked as written before anything is read, then with links
/// resolved.
fn bounded_file(
    paths: &RealPaths,
    dir: &Path,
    real_dir: &Path,
    root: &Path,
    written: &str,
) -> Result<PathBuf, String> {
    let shown = lookup::abbreviate(written);
    if written.trim().is_empty() {
        return Err("must name a file".to_owned());
    }
    let outside = || {
        format!(
            "`{shown}` is outside the repository ({}): a stack's files must be in it",
            root.display()
        )
    };
    let target = normalize_path(&dir.join(written));
    let real = real_dir.join(written);
    match file_inside(paths, &normalize_path(&real), &real, |p| {
        p.starts_with(root)
    }) {
        Ok(()) => Ok(target),
        Err(Unbounded::Outside) => Err(outside()),
        Err(Unbounded::NotAFile) => Err(format!(
            "`{shown}` is not a file (looked for {})",
            target.display()
        )),
    }
}

/// Each stack named by an output parameter is declared.
fn check_references(
    at: &At<'_>,
    stacks: &[Read],
    names: &HashMap<String, usize>,
) -> Result<(), ConfigError> {
    for stack in stacks {
        for (key, stack_at, _) in &stack.outputs {
            let ParamValue::Output { stack: named, .. } = &stack.decl.parameters[key] else {
                continue;
            };
            if names.contains_key(named) {
                continue;
            }
            let hint = near_miss(named, stacks.iter().map(|s| s.name.as_str()));
            return Err(at.error(
                *stack_at,
                &format!("parameters.{}", lookup::abbreviate(key)),
                format!(
                    "no stack is named `{}` in this file{hint}",
                    lookup::abbreviate(named)
                ),
            ));
        }
    }
    Ok(())
}

/// No stack takes an output of itself, or of a stack that (through others) takes one of it:
/// a stack's outputs exist only once it is deployed, after the stacks it takes outputs from.
/// A depth-first walk, each stack and each reference visited once.
fn check_cycles(
    at: &At<'_>,
    stacks: &[Read],
    names: &HashMap<String, usize>,
) -> Result<(), ConfigError> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    let edges: Vec<Vec<(usize, &str, usize)>> = stacks
        .iter()
        .map(|s| {
            s.outputs
                .iter()
                .filter_map(|(key, stack_at, _)| match &s.decl.parameters[key] {
                    ParamValue::Output { stack, .. } => {
                        names.get(stack).map(|&to| (to, key.as_str(), *stack_at))
                    }
                    ParamValue::Value(_) => None,
                })
                .collect()
        })
        .collect();
    let mut mark = vec![Mark::New; stacks.len()];
    for start in 0..stacks.len() {
        if mark[start] != Mark::New {
            continue;
        }
        // The path walked: each stack and the index of its next reference to follow.
        let mut path: Vec<(usize, usize)> = vec![(start, 0)];
        mark[start] = Mark::Open;
        while let Some(&mut (node, ref mut next)) = path.last_mut() {
            let Some(&(to, key, stack_at)) = edges[node].get(*next) else {
                mark[node] = Mark::Done;
                path.pop();
                continue;
            };
            *next += 1;
            match mark[to] {
                Mark::New => {
                    mark[to] = Mark::Open;
                    path.push((to, 0));
                }
                Mark::Open => {
                    let from = path.iter().position(|&(n, _)| n == to).unwrap_or(0);
                    let cycle = shown_cycle(
                        path[from..]
                            .iter()
                            .map(|&(n, _)| stacks[n].name.as_str())
                            .collect(),
                    );
                    return Err(at.error(
                        stack_at,
                        &format!("parameters.{}", lookup::abbreviate(key)),
                        format!(
                            "outputs taken in a cycle: {} (a stack's outputs exist only after the stacks it takes outputs from are deployed)",
                            cycle
                        ),
                    ));
                }
                Mark::Done => {}
            }
        }
    }
    Ok(())
}

/// The most stacks of a cycle a message names: the first ones, then how many there are.
const SHOWN_CYCLE: usize = 6;

/// A cycle of stacks as a message shows it, `a → b → a`, the names abbreviated and a long
/// cycle cut short: `a → b → c → d → e → f → … (7000 stacks) → a`.
fn shown_cycle(names: Vec<&str>) -> String {
    let mut shown: Vec<String> = names
        .iter()
        .take(SHOWN_CYCLE)
        .map(|n| lookup::abbreviate(n).into_owned())
        .collect();
    if names.len() > SHOWN_CYCLE {
        shown.push(format!("… ({} stacks)", names.len()));
    }
    shown.push(lookup::abbreviate(names[0]).into_owned());
    shown.join(" → ")
}

/// Each output a parameter takes is in its stack's template's `Outputs`. Each template is
/// read once, however many parameters and stacks name it, and its outputs kept sorted.
fn check_outputs(
    at: &At<'_>,
    stacks: &[Read],
    names: &HashMap<String, usize>,
) -> Result<(), ConfigError> {
    let mut outputs_of: HashMap<&Path, Option<Vec<String>>> = HashMap::new();
    for stack in stacks {
        for (key, stack_at, output_at) in &stack.outputs {
            let ParamValue::Output {
                stack: named,
                output,
            } = &stack.decl.parameters[key]
            else {
                continue;
            };
            let Some(&i) = names.get(named) else {
                continue;
            };
            let shown_key = format!("parameters.{}", lookup::abbreviate(key));
            let template = &stacks[i].decl.template;
            let outputs = match outputs_of.get(template.as_path()) {
                Some(outputs) => outputs,
                None => {
                    let read = template_outputs(template).map_err(|m| {
                        at.error(
                            *stack_at,
                            &shown_key,
                            format!(
                                "the template of stack `{}` ({}): {m}",
                                lookup::abbreviate(named),
                                template.display()
                            ),
                        )
                    })?;
                    outputs_of.entry(template).or_insert(read)
                }
            };
            // `None`: a transform or `Fn::ForEach` may make outputs the text does not show.
            let Some(outputs) = outputs else { continue };
            if outputs.binary_search(output).is_ok() {
                continue;
            }
            let hint = near_miss(output, outputs.iter().map(String::as_str));
            return Err(at.error(
                *output_at,
                &shown_key,
                format!(
                    "stack `{}` has no output `{}` ({} has no such key in `Outputs`){hint}",
                    lookup::abbreviate(named),
                    lookup::abbreviate(output),
                    template.display()
                ),
            ));
        }
    }
    Ok(())
}

/// The keys of the template's `Outputs`, read with the loader linting uses; `None` when the
/// template may have outputs its text does not list: a key of `Outputs` that is a function
/// (`Fn::ForEach::…`, `Fn::Transform`), or a `Transform` that runs a macro, which may add
/// outputs (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-macros.html).
/// The error is a phrase: why the template could not be read.
fn template_outputs(template: &Path) -> Result<Option<Vec<String>>, String> {
    let bytes = read::read_file(template, read::DEFAULT_MAX_FILE_SIZE)
        .map_err(|e| read::describe_io(&e))?;
    let decoded = read::decode(bytes);
    if let Some(problem) = decoded.problem {
        return Err(problem.message);
    }
    let name = template.display().to_string();
    let (_, loaded) = source::load_file(&name, &decoded.text);
    let Some(root) = loaded.root else {
        let why = loaded
            .problems
            .first()
            .map_or_else(|| "it is empty".to_owned(), |p| p.message.clone());
        return Err(format!(
            "does not parse, so its outputs are not known: {why}"
        ));
    };
    // Transforms CloudFormation itself runs that add no output a template names.
    const PLAIN: [&str; 2] = ["AWS::Serverless-2016-10-31", "AWS::LanguageExtensions"];
    let macro_run = root.get("Transform").is_some_and(|t| {
        t.one_or_many()
            .iter()
            .any(|t| t.as_str().is_none_or(|name| !PLAIN.contains(&name)))
    });
    let Some(outputs) = root.get("Outputs") else {
        return Ok(if macro_run { None } else { Some(Vec::new()) });
    };
    let Some(entries) = outputs.as_map() else {
        return Ok(None);
    };
    if macro_run || entries.iter().any(|e| e.key.starts_with("Fn::")) {
        return Ok(None);
    }
    let mut keys: Vec<String> = entries.iter().map(|e| e.key.to_string()).collect();
    keys.sort_unstable();
    Ok(Some(keys))
}

/// A stack for `--show-settings`, on one line as TOML writes an inline table: its template
/// relative to `config`, the file that declares it, its Regions and accounts, and the names
/// of its parameters (their values may be long; the file has them).
pub(super) fn shown(stack: &StackDecl, config: Option<&PathBuf>) -> String {
    let dir = config.and_then(|c| c.parent()).map(normalize_path);
    let template = dir
        .as_deref()
        .and_then(|dir| stack.template.strip_prefix(dir).ok())
        .unwrap_or(&stack.template);
    let mut shown = format!("{{ template = {:?}", template.display().to_string());
    for (single, plural, list) in [
        ("region", "regions", &stack.regions),
        ("account", "accounts", &stack.accounts),
    ] {
        match list.as_slice() {
            [] => {}
            [one] => shown.push_str(&format!(", {single} = {one:?}")),
            many => shown.push_str(&format!(", {plural} = {many:?}")),
        }
    }
    if let Some(arn) = &stack.deployer_arn {
        shown.push_str(&format!(", deployer-arn = {arn:?}"));
    }
    if !stack.parameters.is_empty() {
        let names: Vec<&String> = stack.parameters.keys().collect();
        shown.push_str(&format!(", parameters = {names:?}"));
    }
    shown.push_str(" }");
    shown
}
