//! Suppressions (docs/suppressions.md): `# kmslint: ignore CODE[,CODE]` comments in YAML, and
//! `Metadata: {kmslint: {ignore: [...]}}` on a resource or on the template. Each finding is
//! claimed by the narrowest suppression that covers it; a suppression that claims nothing is
//! reported as KMS006 unused-suppression, and one that is not a valid suppression (a
//! misspelt `ignore`, `ignore:`, a metadata key other than `ignore`, a list where the mapping
//! belongs, a code that names no rule) as KMS007 invalid-suppression.
//!
//! KMS007 findings are made here, once, while suppressions are read, and join the other
//! rules' findings before suppressions claim them: like any finding they can be selected,
//! ignored, given a severity and suppressed.
//!
//! Comments are found by scanning the text, not by the YAML parser (which drops them): a `#`
//! counts only at the start of a line or after a space or tab, and never inside a scalar or a
//! key the parser saw, so `Sid: "a # b"` and block scalars are not comments. JSON has no
//! comments; JSON templates use the metadata forms.

//!
//! The language server's "ignore" code actions ask this module for their edits
//! ([`ignore_on_line`], [`ignore_for_resource`]), so that what it writes is what is read here.

mod comment;
mod metadata;

use crate::config::Settings;
use crate::diagnostic::Diagnostic;
use crate::fix::{Applicability, Edit, Fix};
use crate::lookup;
use crate::rules::{
    self, INVALID_SUPPRESSION as INVALID, Reporter, RuleEntry, UNUSED_SUPPRESSION as UNUSED,
};
use crate::source::{Format, LineIndex, Node, Span};

pub use comment::ignore_on_line;
pub use metadata::ignore_for_resource;

/// Something written as a suppression that is not one: where, what, and the help.
struct Invalid {
    span: Span,
    message: String,
    help: String,
    /// The valid suppression meant, where it is certain (unsafe: it starts suppressing).
    fix: Option<Fix>,
}

/// Removes suppressed findings and adds KMS006 for suppressions that suppressed nothing.
/// `compared` says whether the change rules ran (the file was compared with a previous
/// version): a suppression of one of them is not stale when they did not.
pub(crate) fn apply(
    text: &str,
    format: Format,
    root: &Node<'_>,
    mut diagnostics: Vec<Diagnostic>,
    settings: &Settings,
    compared: bool,
) -> Vec<Diagnostic> {
    let ran = |code: &str| settings.rules.enabled(code) && (compared || !rules::is_change(code));
    let mut suppressions = Vec::new();
    let mut invalid = Vec::new();
    metadata::metadata(text, format, root, &mut suppressions, &mut invalid);
    // Most files have no suppression: index lines only when there may be one. Any spelling
    // of the marker is looked at, so that `# KMSLint ignore` is reported rather than ignored.
    let has_comments = format == Format::Yaml && mentions_marker(text);
    if suppressions.is_empty() && invalid.is_empty() && !has_comments {
        return diagnostics;
    }
    let lines = LineIndex::new(text);
    if has_comments {
        comment::comments(text, root, &lines, &mut suppressions, &mut invalid);
    }
    unknown_codes(&suppressions, &mut invalid);
    if !invalid.is_empty() && settings.rules.enabled(INVALID.code) {
        let mut out = Reporter::new(&INVALID);
        for bad in invalid {
            out.report(bad.span, bad.message)
                .with_help(bad.help)
                .with_fix(bad.fix);
        }
        let mut found = out.into_diagnostics();
        rules::finish(settings, &mut found);
        diagnostics.extend(found);
    }
    if suppressions.is_empty() {
        return diagnostics;
    }
    // Narrowest first: a line comment before a block comment, before resource and then
    // template metadata.
    suppressions.sort_by_key(|s| s.scope.width());

    let mut kept = Vec::with_capacity(diagnostics.len());
    for diagnostic in diagnostics {
        let line = lines.line_of(diagnostic.span.start as usize);
        let claimed = suppressions.iter_mut().find_map(|s| {
            if !s.scope.covers(&diagnostic, line) {
                return None;
            }
            s.codes.iter_mut().find(|c| c.matches(diagnostic.code))
        });
        match claimed {
            Some(code) => code.used = true,
            None => kept.push(diagnostic),
        }
    }

    if settings.rules.enabled(UNUSED.code) {
        let mut out = Reporter::new(&UNUSED);
        for suppression in &suppressions {
            for code in suppression.codes.iter().filter(|c| !c.used) {
                report_unused(&mut out, suppression, code, &ran);
            }
        }
        let mut unused = out.into_diagnostics();
        rules::finish(settings, &mut unused);
        kept.extend(unused);
    }
    kept
}

fn report_unused(
    out: &mut Reporter,
    suppression: &Suppression,
    code: &Code,
    ran: &dyn Fn(&str) -> bool,
) {
    if code.code.is_none() {
        // A blanket suppression may hide findings of rules this run does not have on.
        let applicability = if rules::RULES.iter().all(|r| ran(r.code)) {
            Applicability::Safe
        } else {
            Applicability::Unsafe
        };
        out.report(
            code.span,
            format!(
                "this `kmslint: ignore` {} suppresses no finding",
                suppression.kind
            ),
        )
        .with_help("remove it")
        .with_fix(Fix::new(
            "Remove the unused suppression",
            applicability,
            [suppression.removal.clone()],
        ));
        return;
    }
    match code.rule {
        // A code that names no rule is KMS007 invalid-suppression.
        None => {}
        // A rule that did not run cannot have findings to suppress: not a stale suppression.
        Some(rule) if !ran(rule.code) => {}
        Some(rule) => {
            out.report(
                code.span,
                format!(
                    "this {} suppresses {} ({}), which has no finding here",
                    suppression.kind,
                    rule.code,
                    // The declaration: `meta()` would read every rule's documentation.
                    rule.info.name
                ),
            )
            .with_help("remove it, so that it does not hide a future finding")
            .with_fix(unused_fix(suppression, code, ran));
        }
    }
}

/// The fix of an unused code: remove the whole suppression when every code of it is reported
/// unused, else remove just this code. Safe: what is removed suppresses nothing in this run,
/// and a code of a rule that is not on is never reported.
fn unused_fix(suppression: &Suppression, code: &Code, ran: &dyn Fn(&str) -> bool) -> Option<Fix> {
    let reported =
        |c: &Code| !c.used && (c.code.is_none() || c.rule.is_some_and(|rule| ran(rule.code)));
    // (Where the whole cannot be removed cleanly, a code of several still can.)
    if suppression.codes.iter().all(reported) && suppression.removal.is_some() {
        return Fix::new(
            "Remove the unused suppression",
            Applicability::Safe,
            [suppression.removal.clone()],
        );
    }
    Fix::new(
        format!(
            "Remove `{}` from the suppression",
            code.code.as_deref().unwrap_or_default()
        ),
        Applicability::Safe,
        [code.removal.clone()],
    )
}

struct Suppression {
    scope: Scope,
    /// "comment" or "metadata entry", for messages.
    kind: &'static str,
    codes: Vec<Code>,
    /// The edit that removes the whole suppression, where it can be written cleanly.
    removal: Option<Edit>,
}

/// One code of a suppression (`code: None` when the comment names none: every rule).
struct Code {
    code: Option<String>,
    /// The rule `code` names, looked up once.
    rule: Option<&'static RuleEntry>,
    span: Span,
    used: bool,
    /// The edit that removes this code and leaves the other codes of its suppression.
    removal: Option<Edit>,
}

impl Code {
    fn new(code: Option<String>, span: Span) -> Code {
        Code {
            rule: code.as_deref().and_then(rules::find),
            code,
            span,
            used: false,
            removal: None,
        }
    }

    fn matches(&self, code: &str) -> bool {
        // KMS006 is never suppressed by a suppression: that would hide stale ones.
        if code == UNUSED.code {
            return false;
        }
        self.code.is_none() || self.rule.is_some_and(|rule| rule.code == code)
    }
}

enum Scope {
    /// Findings that start on this 0-based line.
    Line(usize),
    /// Findings inside this span (a node and its key), and the findings of a resource.
    Span(Span, Option<String>),
    /// The whole file.
    File,
}

impl Scope {
    fn covers(&self, diagnostic: &Diagnostic, line: usize) -> bool {
        match self {
            Scope::Line(l) => *l == line,
            Scope::Span(span, resource) => {
                span.contains(diagnostic.span)
                    || resource.is_some() && diagnostic.resource == *resource
            }
            Scope::File => true,
        }
    }

    fn width(&self) -> (u8, u32) {
        match self {
            Scope::Line(_) => (0, 0),
            Scope::Span(span, _) => (1, span.len() as u32),
            Scope::File => (2, 0),
        }
    }
}

const MARKER: &str = "kmslint:";
/// The marker's word, in any case, for finding misspelt suppressions.
const MARKER_WORD: &str = "kmslint";
const DIRECTIVE: &str = "ignore";

/// Whether the marker word appears anywhere, in any case. Every file is searched, so the
/// search jumps from one `k`/`K` to the next rather than comparing at every byte.
fn mentions_marker(text: &str) -> bool {
    let bytes = text.as_bytes();
    let (first, word) = (MARKER_WORD.as_bytes()[0], MARKER_WORD.as_bytes());
    memchr::memchr2_iter(first, first.to_ascii_uppercase(), bytes).any(|i| {
        bytes
            .get(i..i + word.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(word))
    })
}

/// Removes item `i` of a list of several (spans in order) with one separator next to it:
/// the one before it, or for the first item the one after.
fn separated_removal(spans: &[Span], i: usize) -> Option<Edit> {
    if spans.len() < 2 {
        return None;
    }
    let span = if i == 0 {
        Span::new(spans[0].start as usize, spans[1].start as usize)
    } else {
        Span::new(spans[i - 1].end as usize, spans.get(i)?.end as usize)
    };
    Some(Edit::new(span, ""))
}

/// KMS007 for each code of a suppression that names no rule.
fn unknown_codes(suppressions: &[Suppression], invalid: &mut Vec<Invalid>) {
    for code in suppressions.iter().flat_map(|s| &s.codes) {
        let (Some(wanted), None) = (&code.code, code.rule) else {
            continue;
        };
        let prefix = lookup::select(rules::names(), std::slice::from_ref(wanted)).is_ok();
        let message = match lookup::suggest_rule(rules::names(), wanted) {
            _ if prefix => format!(
                "`{wanted}` is a prefix of codes, which a suppression does not take, so this suppresses nothing"
            ),
            Some(near) => format!(
                "`{wanted}` is not a kmslint rule, so this suppresses nothing; did you mean `{near}`?"
            ),
            None => format!("`{wanted}` is not a kmslint rule, so this suppresses nothing"),
        };
        let help = if prefix {
            "name each rule: a whole code such as `KMS104`, or a rule name"
        } else {
            "write a rule code such as `KMS104`; `kmslint rules` lists them"
        };
        invalid.push(Invalid {
            span: code.span,
            message,
            help: help.to_owned(),
            // The nearest rule is a guess, not a certainty: no fix.
            fix: None,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::{ignore_for_resource, ignore_on_line, mentions_marker};
    use crate::source::{self, LineIndex};

    /// `text` with the edit that suppresses KMS104 on the line of `at`, if there is one.
    fn on_line(text: &str, at: &str) -> Option<String> {
        let (format, loaded) = source::load_file("t.yaml", text);
        let root = loaded.root.as_ref()?;
        let offset = text.find(at)?;
        let edit = ignore_on_line(text, format, root, &LineIndex::new(text), offset, "KMS104")?;
        let span = edit.span.range();
        Some(format!(
            "{}{}{}",
            &text[..span.start],
            edit.replacement,
            &text[span.end..]
        ))
    }

    #[test]
    fn a_line_suppression_is_written_as_it_is_read() {
        // (the file, where the finding starts, the file suppressed)
        let cases = [
            (
                "A:\n  B: 1\n",
                "B",
                "A:\n  B: 1  # kmslint: ignore KMS104\n",
            ),
            (
                "A:\n  B: 1 # kmslint: ignore KMS105 # why\n",
                "B",
                "A:\n  B: 1 # kmslint: ignore KMS105, KMS104 # why\n",
            ),
            // A tab after `ignore` is still the suppression the core reads.
            (
                "A:\n  B: 1 # kmslint: ignore\tKMS105\n",
                "B",
                "A:\n  B: 1 # kmslint: ignore\tKMS105, KMS104\n",
            ),
            (
                "A:\n  B: 1 # why\n",
                "B",
                "A:\n  B: 1 # kmslint: ignore KMS104 # why\n",
            ),
            // A `#` in a quoted scalar is text, not a comment.
            (
                "A:\n  B: \"a # b\"\n",
                "B",
                "A:\n  B: \"a # b\"  # kmslint: ignore KMS104\n",
            ),
        ];
        for (text, at, suppressed) in cases {
            assert_eq!(on_line(text, at).as_deref(), Some(suppressed), "{text:?}");
        }
        assert_eq!(on_line("A:\n  B: |\n    x\n    y\n", "x"), None);
        assert_eq!(on_line("# only a comment\nA: 1\n", "only"), None);
    }

    #[test]
    fn a_resource_suppression_is_a_comment_in_yaml_and_metadata_in_json() {
        let edit = |name: &str, text: &str| {
            let (format, loaded) = source::load_file(name, text);
            let root = loaded.root?;
            ignore_for_resource(text, format, &root, "Key", "KMS104")
                .map(|e| (e.span.start, e.replacement))
        };
        let yaml = "Resources:\n  Key:\n    Type: AWS::KMS::Key\n";
        assert_eq!(
            edit("t.yaml", yaml),
            Some((11, "  # kmslint: ignore KMS104\n".to_owned()))
        );
        let json = r#"{"Resources": {"Key": {"Type": "AWS::KMS::Key"}}}"#;
        assert!(edit("t.json", json).is_some_and(|(_, e)| e.contains("\"ignore\"")));
    }

    #[test]
    fn the_marker_is_found_in_any_case_anywhere() {
        assert!(mentions_marker("Key: 1 # KmSlInt: ignore KMS104"));
        assert!(mentions_marker("kmslint"));
        assert!(mentions_marker("é kkmslint é"));
        assert!(!mentions_marker("kmslin"));
        assert!(!mentions_marker("Key: kms:Decrypt # k m s lint"));
        assert!(!mentions_marker(""));
    }
}
