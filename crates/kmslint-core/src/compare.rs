//! The change comparison (`kmslint diff`, `check --since`): a file's previous version, and
//! running the change rules (KMS5xx) on the two versions together.

use crate::config::Settings;
use crate::context::with_context;
use crate::diagnostic::Diagnostic;
use crate::model::{self, DocumentKind, Template};
use crate::rules;
use crate::source::{self, LineIndex, ProblemKind};

/// The version of a file its findings are compared with (`kmslint diff`, `check --since`):
/// the change rules (KMS5xx) run only when there is one.
#[derive(Clone, Copy, Debug)]
pub enum Previous<'a> {
    /// No comparison asked for.
    NotCompared,
    /// Compared with a revision at which the file did not exist: everything in it is new.
    Absent,
    /// The file's text at the old revision, and the name to show for it (`keys.yaml` at
    /// `origin/main`).
    Text { name: &'a str, text: &'a str },
}

/// What came of comparing a file with its previous version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Comparison {
    NotCompared,
    /// The file did not exist in the previous version.
    Absent,
    Compared,
    /// The previous version could not be compared, and why (it does not parse, or is not a
    /// template): the change rules did not run, and the command line says so.
    Failed(String),
}

/// Runs the change rules on the file and its previous version, when there is one to compare
/// with and a change rule is on.
pub(crate) fn compare(
    new: &rules::Context<'_, '_>,
    new_needs: &[rules::Unmet],
    previous: &Previous<'_>,
    settings: &Settings,
) -> (Comparison, Vec<Diagnostic>) {
    let (old_name, old_text) = match *previous {
        Previous::NotCompared => return (Comparison::NotCompared, Vec::new()),
        Previous::Absent => return (Comparison::Absent, Vec::new()),
        Previous::Text { name, text } => (name, text),
    };
    if new.template.is_none() {
        // A key policy file has no resources to match: its changes are not checked.
        return (Comparison::NotCompared, Vec::new());
    }
    // Most files of a pull request did not change: the same text has no change to find, and
    // is not parsed a second time.
    if old_text == new.text {
        return (Comparison::Compared, Vec::new());
    }
    let (old_format, loaded) = source::load_file(old_name, old_text);
    let old_root = match loaded.root.as_ref() {
        Some(root)
            if loaded
                .problems
                .iter()
                .all(|p| p.kind != ProblemKind::Syntax) =>
        {
            root
        }
        _ => {
            let why = loaded
                .problems
                .first()
                .map_or("it is empty".to_owned(), |p| {
                    let at = LineIndex::new(old_text).position(old_text, p.span.start as usize);
                    format!("it does not parse (line {}: {})", at.line, p.message)
                });
            return (
                Comparison::Failed(format!("{old_name} was not compared: {why}")),
                Vec::new(),
            );
        }
    };
    if DocumentKind::of(old_root) != Some(DocumentKind::Template) {
        return (
            Comparison::Failed(format!(
                "{old_name} was not compared: it is not a CloudFormation template"
            )),
            Vec::new(),
        );
    }
    // The old version of a SAM template is compared as SAM expands it, as the new one is.
    let expanded = model::sam::expand(old_root);
    let old_root = expanded.as_ref().unwrap_or(old_root);
    let embedded = model::embedded_policies(old_text, old_root);
    let template = Template::new(old_root);
    let changes = with_context(
        old_text,
        old_format,
        DocumentKind::Template,
        Some(&template),
        old_root,
        &embedded,
        None,
        &loaded.problems,
        settings,
        |old| rules::run_change(old_name, old, new, new_needs),
    );
    (Comparison::Compared, changes)
}
