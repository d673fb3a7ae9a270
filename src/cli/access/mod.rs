//! `kmslint access PATH...`: who can do what with each key of the templates and key policy
//! files found (docs/access.md). With `--principal P --action A`, whether its key policy lets
//! P call A, and why; without, the matrix of its principals and capabilities (`matrix`). It
//! reports; it does not judge: exit 0, or 2 when the question or a file cannot be read.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;

mod matrix;

use kmslint_core::Settings;
use kmslint_core::access::{self, Answer, Matrix, Question, RequestContext, Unanswered};
use kmslint_core::render::visible;
use kmslint_core::source::read::decode;
use rayon::prelude::*;
use serde_json::{Value, json};

use super::args::{AccessArgs, AccessFormat, CheckArgs, RuleArgs};
use super::check;
use super::{EXIT_CLEAN, EXIT_FAILURE, error};
use crate::discover::{self, describe_io};

pub(crate) fn run(args: AccessArgs) -> u8 {
    // The configuration and the stack options are read as `check` reads them.
    let check_args = CheckArgs {
        paths: args.paths.clone(),
        rules: RuleArgs {
            config: args.config.clone(),
            no_config: args.no_config,
            ..RuleArgs::default()
        },
        stack: args.stack.clone(),
        ..CheckArgs::default()
    };
    let (settings, mut options) = match check::configure(&check_args) {
        Ok(configured) => configured,
        Err(err) => {
            error(err);
            return EXIT_FAILURE;
        }
    };
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let mut found = check::discover_inputs(&paths, &options);
    // The threads `check` lints on, with room for the loaders' recursion: the files are read
    // and answered for there, each on a thread, in the order found.
    let pool = check::thread_pool(options.jobs);
    let pool = pool.as_ref();
    // A template a deployment declares is answered for as its stack (each instance of it).
    let (all, which) =
        match check::settings_with_stacks(&check_args, &mut found, settings, &mut options, pool) {
            Ok(per_file) => per_file,
            Err(err) => {
                error(err);
                return EXIT_FAILURE;
            }
        };
    let mut context = RequestContext::default();
    for pair in &args.context {
        if let Err(why) = context.add(pair) {
            error(format!("--context {why}"));
            return EXIT_FAILURE;
        }
    }
    let mut failed = !found.errors.is_empty();
    for e in &found.errors {
        error(format!("{}: {}", visible(&e.path), e.message));
    }
    let (texts, unread) = read_all(pool, &found.inputs, &which, options.max_file_size);
    failed |= unread;
    let files = Files {
        pool,
        texts: &texts,
        settings: &all,
    };
    let written = match (&args.principal, &args.action) {
        (Some(principal), Some(action)) => {
            let question = Question {
                principal,
                action,
                key: args.key.as_deref(),
                context: &context,
            };
            let answers = match files.answers(&question) {
                Ok(answers) => answers,
                Err(why) => {
                    error(why);
                    return EXIT_FAILURE;
                }
            };
            match args.format {
                AccessFormat::Pretty => write_pretty(&answers),
                AccessFormat::Markdown => write_markdown(&answers),
                AccessFormat::Json => write_json(&answers),
            }
        }
        _ if args.since.is_some() => {
            let rev = args.since.as_deref().unwrap_or_default();
            let since = Since {
                rev,
                inputs: &found.inputs,
                limit: options.max_file_size,
            };
            let changes = match since.changes(&files, args.key.as_deref(), &context) {
                Ok(changes) => changes,
                Err(why) => {
                    error(why);
                    return EXIT_FAILURE;
                }
            };
            match args.format {
                AccessFormat::Pretty => matrix::write_changes_pretty(rev, &changes),
                AccessFormat::Markdown => matrix::write_changes_markdown(rev, &changes),
                AccessFormat::Json => matrix::write_changes_json(&changes),
            }
        }
        _ => {
            let matrices = files.matrices(args.key.as_deref(), &context);
            match args.format {
                AccessFormat::Pretty => matrix::write_pretty(&matrices),
                AccessFormat::Markdown => matrix::write_markdown(&matrices),
                AccessFormat::Json => matrix::write_json(&matrices),
            }
        }
    };
    if let Err(e) = written {
        error(format!("cannot write the answers: {e}"));
        return EXIT_FAILURE;
    }
    if failed { EXIT_FAILURE } else { EXIT_CLEAN }
}

/// `access --since REV`: the revision, and the files to compare with their versions there
/// (each at most `limit` bytes).
struct Since<'s> {
    rev: &'s str,
    inputs: &'s [discover::Input],
    limit: u64,
}

impl Since<'_> {
    /// The matrix's changes: each file's matrices now, against those of its version at the
    /// revision (none when the file is new there).
    fn changes(
        &self,
        files: &Files<'_>,
        key: Option<&str>,
        context: &RequestContext,
    ) -> Result<Vec<matrix::Change>, String> {
        let (rev, inputs, limit) = (self.rev, self.inputs, self.limit);
        let repository = super::since::Repository::open(rev)?;
        let requests = inputs.iter().map(|i| repository.request(&i.path)).collect();
        // Each compared file's text at the revision (empty when the file is new there).
        let mut old_texts: HashMap<&str, String> = HashMap::new();
        for (input, old) in inputs.iter().zip(repository.old_versions(requests, limit)?) {
            match old {
                Ok(super::since::Old::Text(text)) => {
                    old_texts.entry(&input.name).or_insert(text);
                }
                Ok(super::since::Old::Absent) => {
                    old_texts.entry(&input.name).or_default();
                }
                Ok(super::since::Old::NotCompared(why)) | Err(why) => eprintln!(
                    "kmslint: warning: {} was not compared with {}: {why}",
                    visible(&input.name),
                    visible(rev)
                ),
            }
        }
        // Both sides of the compared files only, each answered for on the pool.
        let (mut old_files, mut new_files) = (Vec::new(), Vec::new());
        for (name, text, at) in files.texts {
            if let Some(old) = old_texts.get(name.as_str()) {
                old_files.push((name.clone(), old.clone(), *at));
                new_files.push((name.clone(), text.clone(), *at));
            }
        }
        let before = files.with(&old_files).matrices(key, context);
        let now = files.with(&new_files).matrices(key, context);
        Ok(matrix::changes(&before, &now))
    }
}

/// Each input's name, text and settings index, read on the pool; and whether one could not
/// be read (said on stderr). A file that is not text is not a template or key policy either.
fn read_all(
    pool: Option<&rayon::ThreadPool>,
    inputs: &[discover::Input],
    which: &[usize],
    limit: u64,
) -> (Vec<(String, String, usize)>, bool) {
    let read: Vec<_> = check::on_pool(pool, || {
        let each: Vec<_> = inputs.iter().zip(which).collect();
        each.par_iter()
            .map(|(input, at)| {
                (
                    *input,
                    **at,
                    discover::read_file(&input.path, limit).map(decode),
                )
            })
            .collect()
    });
    let mut texts = Vec::new();
    let mut failed = false;
    for (input, at, read) in read {
        match read {
            Ok(decoded) if decoded.problem.is_some() => {}
            Ok(decoded) => texts.push((input.name.clone(), decoded.text, at)),
            Err(e) => {
                error(format!("{}: {}", visible(&input.name), describe_io(&e)));
                failed = true;
            }
        }
    }
    (texts, failed)
}

/// The files read, answered for on the pool, in the order found.
struct Files<'f> {
    pool: Option<&'f rayon::ThreadPool>,
    /// Each file's name, text and index in `settings`.
    texts: &'f [(String, String, usize)],
    settings: &'f [Settings],
}

impl<'f> Files<'f> {
    /// Other texts with the same pool and settings.
    fn with<'g>(&self, texts: &'g [(String, String, usize)]) -> Files<'g>
    where
        'f: 'g,
    {
        Files { texts, ..*self }
    }

    /// The answers for each key of each file; when there are none because the principal is
    /// none, why. (A logical ID names a role of some templates only: asked of the others, it
    /// is no principal.)
    fn answers(&self, question: &Question<'_>) -> Result<Vec<(String, Answer)>, String> {
        let each: Vec<_> = check::on_pool(self.pool, || {
            self.texts
                .par_iter()
                .map(|(name, text, at)| {
                    (
                        name,
                        access::answer(name, text, &self.settings[*at], question),
                    )
                })
                .collect()
        });
        let mut answers = Vec::new();
        let mut unknown_principal = None;
        for (name, found) in each {
            match found {
                Ok(found) => answers.extend(found.into_iter().map(|a| (name.clone(), a))),
                Err(Unanswered::Principal(why)) => {
                    unknown_principal.get_or_insert(why);
                }
                Err(Unanswered::NotAPolicy) => {}
            }
        }
        match unknown_principal {
            Some(why) if answers.is_empty() => Err(why),
            _ => Ok(answers),
        }
    }

    /// The matrix of each key of each file.
    fn matrices(&self, key: Option<&str>, context: &RequestContext) -> Vec<(String, Matrix)> {
        let each: Vec<_> = check::on_pool(self.pool, || {
            self.texts
                .par_iter()
                .map(|(name, text, at)| {
                    (
                        name,
                        access::matrix(name, text, &self.settings[*at], key, context),
                    )
                })
                .collect()
        });
        let mut matrices = Vec::new();
        for (name, found) in each {
            if let Ok(found) = found {
                matrices.extend(found.into_iter().map(|m| (name.clone(), m)));
            }
        }
        matrices
    }
}

/// A block per key: the verdict, what it depends on, and the statements that decide it.
fn write_pretty(answers: &[(String, Answer)]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    if answers.is_empty() {
        return writeln!(out, "No key policy found.");
    }
    for (path, answer) in answers {
        writeln!(
            out,
            "{}: key `{}`{}: {} calling {}: {}",
            visible(path),
            visible(&answer.key),
            matrix::in_stack(answer.stack.as_deref()),
            visible(&answer.principal),
            answer.action,
            answer.verdict.as_str()
        )?;
        for condition in &answer.conditions {
            writeln!(out, "  - {}", visible(condition))?;
        }
        for statement in &answer.statements {
            let name = statement.sid.as_deref().map_or_else(
                || format!("statement {}", statement.index + 1),
                |sid| format!("`{}`", visible(sid)),
            );
            writeln!(
                out,
                "  = {}:{}: {} ({})",
                visible(path),
                statement.line,
                name,
                statement.effect
            )?;
        }
    }
    Ok(())
}

/// A table of the answers, for a pull request comment.
fn write_markdown(answers: &[(String, Answer)]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "| key | principal | action | verdict | depends on |")?;
    writeln!(out, "|---|---|---|---|---|")?;
    for (path, answer) in answers {
        writeln!(
            out,
            "| `{}` ({}{}) | `{}` | `{}` | {} | {} |",
            matrix::cell_text(&answer.key),
            matrix::cell_text(path),
            matrix::cell_text(&matrix::in_stack(answer.stack.as_deref())),
            matrix::cell_text(&answer.principal),
            answer.action,
            answer.verdict.as_str(),
            matrix::cell_text(&answer.conditions.join("; "))
        )?;
    }
    Ok(())
}

/// `{"answers": [...]}`, the shape docs/access.md gives.
fn write_json(answers: &[(String, Answer)]) -> std::io::Result<()> {
    let answers: Vec<Value> = answers
        .iter()
        .map(|(path, answer)| {
            let answer_json = json!({
                "key": answer.key,
                "path": path,
                "principal": answer.principal,
                "action": answer.action,
                "verdict": answer.verdict.as_str(),
                "conditions": answer.conditions,
                "statements": answer.statements.iter().map(|s| json!({
                    "sid": s.sid,
                    "index": s.index,
                    "path": path,
                    "line": s.line,
                    "effect": s.effect,
                })).collect::<Vec<_>>(),
            });
            matrix::with_stack(answer_json, answer.stack.as_deref())
        })
        .collect();
    // As `check`'s JSON: a `##[` in a value cannot become a CI runner's command.
    kmslint_core::render::write_json(
        &mut std::io::stdout().lock(),
        &json!({ "answers": answers }),
    )
}
