//! `kmslint diff OLD NEW`: a change review of one template. NEW is linted against OLD, and
//! only what the change rules (KMS5xx) find is reported, with KMS001 when NEW does not parse:
//! the other findings were there before the change, or are `check`'s to report (`check
//! --since REV` gives both).
//!
//! Nothing compared is a failure (exit 2), not a clean result: the user asked for exactly this
//! comparison, so an OLD that cannot be read or parsed, or a NEW that is not a template, must
//! not pass for "no unsafe change".

use std::path::Path;

use super::args::{CheckArgs, DiffArgs};
use super::check::{self, Against, Linted};
use super::fix::FixMode;
use super::{EXIT_FAILURE, error};
use crate::discover::{self, describe_io};
use kmslint_core::render::visible;
use kmslint_core::rules::{RULES, RuleKind, is_change, kind};
use kmslint_core::source::read::decode;
use kmslint_core::{Comparison, DocumentKind, Outcome, Previous, Settings};

/// Whether `code` is one of the change rules, which compare two versions, or the rule that
/// reports a NEW that does not parse; every other rule is off.
fn kept_on(code: &str) -> bool {
    matches!(kind(code), Some(RuleKind::Change | RuleKind::Parse))
}

pub(crate) fn run(args: DiffArgs) -> u8 {
    let dash = |p: &Path| p.as_os_str() == "-";
    if dash(&args.old) && dash(&args.new) {
        error("OLD and NEW cannot both be `-`: stdin holds only one of them");
        return EXIT_FAILURE;
    }
    // `check`'s options are built as `check` builds them, so both read the command line and
    // the configuration alike.
    let check_args = CheckArgs {
        paths: vec![args.new.clone()],
        report: args.report,
        rules: args.rules,
        stack: args.stack,
        max_file_size: args.max_file_size,
        ..CheckArgs::default()
    };
    let (settings, mut options) = match check::configure(&check_args) {
        Ok(configured) => configured,
        Err(err) => {
            error(err);
            return EXIT_FAILURE;
        }
    };
    // `fix = true` in the configuration is for `check`: a diff writes nothing.
    options.fix.mode = FixMode::Report;
    let stdin_name = args.stdin_filename.as_deref().unwrap_or("-");
    let shown = |path: &Path| {
        if dash(path) {
            stdin_name.to_owned()
        } else {
            shown_name(path)
        }
    };
    let (old_name, new_name) = (shown(&args.old), shown(&args.new));
    // NEW is linted with the settings of its nearest configuration file, as `check` would.
    let new_dir = if dash(&args.new) {
        Path::new(stdin_name).parent()
    } else {
        args.new.parent()
    }
    .unwrap_or(Path::new(""))
    .to_path_buf();
    let settings = match check::settings_by_dir(
        &check_args,
        &[new_dir],
        settings,
        &mut options,
        &mut Vec::new(),
    ) {
        Ok((all, which)) => all[which.first().copied().unwrap_or(0)].clone(),
        Err(err) => {
            error(err);
            return EXIT_FAILURE;
        }
    };
    let settings = only_change_rules(settings, &mut options);
    if !options.enabled.iter().any(|code| is_change(code)) {
        eprintln!(
            "kmslint: warning: no change rule (KMS5xx) is selected, so `diff` can find nothing"
        );
    }
    options.compared_with = Some(Against::File(old_name.clone()));
    let Some(mut out) = check::open_output(&options) else {
        return EXIT_FAILURE;
    };
    let old_text = match read(&args.old, options.max_file_size) {
        Ok(bytes) => {
            let decoded = decode(bytes);
            if let Some(problem) = decoded.problem {
                error(format!(
                    "{} was not compared: it cannot be read as text ({})",
                    old_name, problem.message
                ));
                return EXIT_FAILURE;
            }
            decoded.text
        }
        Err(message) => {
            error(format!("{old_name}: {message}"));
            return EXIT_FAILURE;
        }
    };
    let new_bytes = match read(&args.new, options.max_file_size) {
        Ok(bytes) => bytes,
        Err(message) => {
            error(format!("{new_name}: {message}"));
            return EXIT_FAILURE;
        }
    };
    let previous = Previous::Text {
        name: &old_name,
        text: &old_text,
    };
    let linted = check::lint_bytes_to_result(
        options.fix.mode,
        &new_name,
        new_bytes,
        &settings,
        &options,
        &previous,
        None,
    );
    drop(old_text);
    if let Err(message) = compared(&linted, &new_name, &old_name) {
        error(message);
        return EXIT_FAILURE;
    }
    let results = [linted];
    let summary = check::summarize(&results, options.fix);
    let written = check::print_output(&mut out, &results, &[], &summary, &options);
    drop(out);
    super::written(
        written,
        check::exit_status(&results, options.fail_level, false),
    )
}

/// Ok when there is a report to print: NEW was compared with OLD, or NEW does not parse
/// (KMS001 is the report, with a note). Otherwise why nothing was compared.
fn compared(linted: &Linted, new_name: &str, old_name: &str) -> Result<(), String> {
    match (&linted.comparison, &linted.outcome) {
        (Comparison::Compared | Comparison::Absent, _) => Ok(()),
        (Comparison::Failed(message), _) => Err(message.clone()),
        // A file read past its syntax error is linted but not compared (KMS001 says why).
        (Comparison::NotCompared, Some(outcome))
            if *outcome == Outcome::Unparsable
                || linted.diagnostics.iter().any(|d| d.code == "KMS001") =>
        {
            eprintln!(
                "kmslint: note: {} does not parse, so it was not compared with {}",
                visible(new_name),
                visible(old_name)
            );
            Ok(())
        }
        (Comparison::NotCompared, Some(Outcome::Linted(DocumentKind::KeyPolicy))) => Err(format!(
            "{new_name} was not compared: it is a key policy, and `diff` compares CloudFormation templates"
        )),
        (Comparison::NotCompared, Some(Outcome::Skipped(why))) => {
            Err(format!("{new_name} was not compared: {why}"))
        }
        (Comparison::NotCompared, _) => Err(format!("{new_name} was not compared")),
    }
}

/// The settings with every rule off but the change rules and KMS001 (the user's selection
/// still applies within them), and SARIF's rule list to match.
fn only_change_rules(mut settings: Settings, options: &mut check::Options) -> Settings {
    let off = RULES
        .iter()
        .map(|rule| rule.code)
        .filter(|code| !kept_on(code));
    settings.rules.disabled.extend(off);
    options.enabled.retain(|code| kept_on(code));
    settings
}

/// OLD or NEW's bytes: a file (within the size limit), or stdin for `-`.
fn read(path: &Path, max_size: u64) -> Result<Vec<u8>, String> {
    if path.as_os_str() == "-" {
        discover::read_bounded(std::io::stdin().lock(), 0, max_size)
            .map_err(|e| format!("cannot read stdin: {}", describe_io(&e)))
    } else {
        discover::read_file(path, max_size).map_err(|e| format!("cannot read: {}", describe_io(&e)))
    }
}

/// A path as `check` names it: relative to the current directory when inside it.
fn shown_name(path: &Path) -> String {
    let cwd = std::env::current_dir().ok();
    let canonical_cwd = cwd.as_deref().and_then(|c| std::fs::canonicalize(c).ok());
    discover::shown_path(path, cwd.as_deref(), canonical_cwd.as_deref())
        .to_string_lossy()
        .into_owned()
}
