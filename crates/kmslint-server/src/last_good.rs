//! While a document does not parse, its diagnostics stay those of the last text that did
//! (issue 23 §3; as rust-analyzer and ruff's server keep them while typing): that text's
//! findings are mapped onto the current text through the lines the edits left alone, and
//! published with the current text's syntax problems (KMS001) and, on the changed lines,
//! the findings of the loader's recovered reading when there is one ([`keep`]).
//!
//! The changed region is the lines between the longest common prefix and the longest common
//! suffix of lines of the two texts, found in linear time: the lines that compare equal are
//! the prefix and the suffix themselves, and the comparison that ends each stops at its
//! first difference (the suffix is bounded so that no line is in both). A finding wholly in
//! the prefix keeps its place, one wholly in the suffix moves by the difference in length
//! (the lines before it gained or lost that many bytes, and its own line is byte for byte
//! the same, so its columns stay), and one that touches a changed line is dropped: its line
//! changed, and what it said may no longer hold.
//!
//! Mapped findings carry no fix: a fix is an edit of the old text, and the core offers none
//! while a file has a syntax error (its reading can tip with the next keystroke). Only their
//! spans are mapped: the server places diagnostics by span, never by the precomputed
//! `start`/`end` positions.

use kmslint_core::diagnostic::{Diagnostic, Related};
use kmslint_core::rules::{RuleKind, kind};
use kmslint_core::source::{self, LineIndex, ProblemKind, Span};
use kmslint_core::{FileReport, Outcome, Settings};

/// The last analysis of a document's text that had no syntax problem, and that text: one
/// more text and its findings per open document (and those findings again, placed in the
/// current text: `Lint::kept`), held only while the current text does not parse (a text
/// that parses is its own last good analysis).
pub(super) struct LastGood {
    pub text: String,
    pub diagnostics: Vec<Diagnostic>,
    /// The settings it was made under: under others, its findings may be ones the
    /// configuration now turns off, and it is not shown.
    pub settings: Settings,
}

/// Whether a finding is a syntax problem (KMS001, the core's `Parse` rule).
pub(super) fn is_syntax(d: &Diagnostic) -> bool {
    kind(d.code) == Some(RuleKind::Parse)
}

/// Whether the text `report` is the lint of has a syntax problem: it was unparsable, or was
/// linted from the loader's recovered reading of it (its KMS001 findings say so), or was
/// skipped and does not parse (a skipped file gets no KMS001, so it is loaded again; skipping
/// is the cheap case). A text whose KMS001 findings the configuration turns off counts as
/// parsing when it was linted: its recovered reading is what the user chose to see.
pub(super) fn has_syntax_problem(name: &str, text: &str, report: &FileReport) -> bool {
    match report.outcome {
        Outcome::Unparsable => true,
        Outcome::Linted(_) => report.diagnostics.iter().any(is_syntax),
        Outcome::Skipped(_) => source::load_file(name, text)
            .1
            .problems
            .iter()
            .any(|p| p.kind == ProblemKind::Syntax),
    }
}

/// Splits what is shown for a text with a syntax problem whose lint found `current`, when
/// `good` is the last analysis of a text that parsed: `current` keeps its syntax problems and
/// its findings on lines changed since `good.text` (from the loader's recovered reading, when
/// there is one: the freshest word on what was edited), and the findings of `good` on the
/// lines left alone are returned, placed in `text`. So a region the edits did not touch keeps
/// its findings while the file does not parse, whatever the recovered reading makes of it
/// from one keystroke to the next; and a syntax error kept on purpose (an anchor, a JSON
/// comment) does not freeze the findings of the lines edited after it.
pub(super) fn keep(good: &LastGood, text: &str, current: &mut Vec<Diagnostic>) -> Vec<Diagnostic> {
    let moved = Moved::between(&good.text, text);
    current.retain(|d| is_syntax(d) || moved.changed_in_new(d.span));
    map(good, &moved)
}

/// The findings of `good` that lie wholly on lines `moved` found unchanged, with their
/// spans in the new text and without fixes. A related place on a changed line is left
/// out (the finding stays).
fn map(good: &LastGood, moved: &Moved) -> Vec<Diagnostic> {
    good.diagnostics
        .iter()
        .filter_map(|d| {
            let span = moved.span(d.span)?;
            let related: Vec<Related> = d
                .related
                .iter()
                .filter_map(|r| match r.path {
                    // In another file (an old version): not in this text.
                    Some(_) => Some(r.clone()),
                    None => Some(Related {
                        span: moved.span(r.span)?,
                        ..r.clone()
                    }),
                })
                .collect();
            let mut d = d.clone();
            d.span = span;
            d.related = related;
            d.fix = None;
            Some(d)
        })
        .collect()
}

/// How the lines of an old text moved in a new one.
struct Moved {
    /// The old text's lines (the core's: `\n`, `\r\n` and a lone `\r` end one).
    lines: LineIndex,
    /// The new text's lines.
    new_lines: LineIndex,
    /// Lines `..prefix` of the old text are the new text's first lines.
    prefix: usize,
    /// Lines `suffix..` of the old text are the new text's last lines.
    suffix: usize,
    /// Lines `new_suffix..` of the new text are those.
    new_suffix: usize,
    /// The new text's length less the old one's: how far the suffix moved.
    delta: i64,
}

impl Moved {
    fn between(old: &str, new: &str) -> Moved {
        let (a, b) = (LineIndex::new(old), LineIndex::new(new));
        // Each line with its break (up to the next line's start, which past the last line is
        // beyond the text): a line that gained or lost one changed.
        fn line<'t>(text: &'t str, lines: &LineIndex, k: usize) -> &'t [u8] {
            &text.as_bytes()[lines.line_start(k)..lines.line_start(k + 1).min(text.len())]
        }
        let same = |ka: usize, kb: usize| line(old, &a, ka) == line(new, &b, kb);
        let (na, nb) = (a.line_count(), b.line_count());
        let mut prefix = 0;
        while prefix < na.min(nb) && same(prefix, prefix) {
            prefix += 1;
        }
        let mut common_suffix = 0;
        while common_suffix < na.min(nb) - prefix
            && same(na - 1 - common_suffix, nb - 1 - common_suffix)
        {
            common_suffix += 1;
        }
        Moved {
            lines: a,
            new_lines: b,
            prefix,
            suffix: na - common_suffix,
            new_suffix: nb - common_suffix,
            delta: new.len() as i64 - old.len() as i64,
        }
    }

    /// Where `span` of the old text is in the new one, when its lines did not change.
    fn span(&self, span: Span) -> Option<Span> {
        let (start, end) = (span.start as usize, span.end as usize);
        let (first, last) = lines_of(&self.lines, span);
        if last < self.prefix {
            return Some(span);
        }
        if first >= self.suffix {
            let at = |offset: usize| usize::try_from(offset as i64 + self.delta).ok();
            return Some(Span::new(at(start)?, at(end)?));
        }
        None
    }

    /// Whether `span` of the new text touches a line changed from the old one.
    fn changed_in_new(&self, span: Span) -> bool {
        let (first, last) = lines_of(&self.new_lines, span);
        last >= self.prefix && first < self.new_suffix
    }
}

/// The first and last lines `span` touches: an empty span is on its start's line, another
/// ends on its last byte's.
fn lines_of(lines: &LineIndex, span: Span) -> (usize, usize) {
    let (start, end) = (span.start as usize, span.end as usize);
    let first = lines.line_of(start);
    (first, lines.line_of(end.saturating_sub(1).max(start)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text of `span` of `old`, and where it went in `new`.
    fn mapped(old: &str, new: &str, needle: &str) -> Option<String> {
        let start = old.find(needle).expect("the needle");
        let span = Span::new(start, start + needle.len());
        let moved = Moved::between(old, new).span(span)?;
        Some(new[moved.start as usize..moved.end as usize].to_owned())
    }

    #[test]
    fn findings_before_the_edit_stay_after_it_move_and_on_it_are_dropped() {
        let old = "a: 1\nb: 2\nc: 3\nd: 4\n";
        let new = "a: 1\nb: \"2\nx: 9\nc: 3\nd: 4\n";
        assert_eq!(mapped(old, new, "a: 1").as_deref(), Some("a: 1"));
        assert_eq!(mapped(old, new, "b: 2"), None);
        assert_eq!(mapped(old, new, "c: 3").as_deref(), Some("c: 3"));
        assert_eq!(mapped(old, new, "d: 4\n").as_deref(), Some("d: 4\n"));
        // Across the changed line: dropped.
        assert_eq!(mapped(old, new, "1\nb"), None);
        assert_eq!(mapped(old, new, "2\nc"), None);
        // Lines removed: the suffix moves up.
        let new = "a: 1\nd: 4\n";
        assert_eq!(mapped(old, new, "d: 4").as_deref(), Some("d: 4"));
        assert_eq!(mapped(old, new, "c: 3"), None);
    }

    #[test]
    fn empty_spans_and_the_ends_of_the_text() {
        let old = "a: 1\nb: 2\n";
        let new = "a: 1\nb: [\n";
        let at = |offset: usize| Moved::between(old, new).span(Span::new(offset, offset));
        assert_eq!(at(0), Some(Span::new(0, 0)));
        // The start of the changed line.
        assert_eq!(at(5), None);
        // The end of the text: the empty line after the last break did not change.
        assert_eq!(at(old.len()), Some(Span::new(new.len(), new.len())));
        // Without a last line break, the last line changed and so did its end.
        let at =
            |offset| Moved::between("a: 1\nb: 2", "a: 1\nb: [").span(Span::new(offset, offset));
        assert_eq!(at(10), None);
        assert_eq!(at(4), Some(Span::new(4, 4)));
    }

    #[test]
    fn lines_end_where_the_core_ends_them_and_a_changed_break_changes_its_line() {
        // A lone `\r` ends a line, as in the core's positions.
        let old = "a: 1\rb: 2\rc: 3\r";
        let new = "a: 1\rb: [\rc: 3\r";
        assert_eq!(mapped(old, new, "a: 1").as_deref(), Some("a: 1"));
        assert_eq!(mapped(old, new, "b: 2"), None);
        assert_eq!(mapped(old, new, "c: 3").as_deref(), Some("c: 3"));
        // `\n` becoming `\r\n`: the line changed.
        assert_eq!(mapped("a: 1\nb: 2\n", "a: 1\r\nb: 2\n", "a: 1"), None);
    }

    #[test]
    fn syntax_problems_are_found_in_each_outcome() {
        let broken = |name: &str, text: &str| {
            let report = kmslint_core::lint_text(name, text, &kmslint_core::Settings::default());
            has_syntax_problem(name, text, &report)
        };
        // Linted, unparsable, linted from a recovered reading (an anchor).
        assert!(!broken(
            "t.yaml",
            "Resources:\n  K:\n    Type: AWS::KMS::Key\n"
        ));
        assert!(broken("t.yaml", "Resources: [\n"));
        assert!(broken(
            "t.yaml",
            "Resources:\n  K: &a\n    Type: AWS::KMS::Key\n"
        ));
        // Skipped: a file that is no template, parsing or not.
        assert!(!broken("values.yaml", "replicas: 3\n"));
        assert!(broken("values.yaml", "replicas: [\n"));
    }

    #[test]
    fn the_changed_lines_of_the_new_text() {
        let moved = Moved::between("a\nb\nc\n", "a\nB\nB2\nc\n");
        let changed = |start: usize, end: usize| moved.changed_in_new(Span::new(start, end));
        assert!(!changed(0, 1));
        assert!(changed(2, 3));
        assert!(changed(4, 6));
        assert!(changed(0, 3));
        assert!(!changed(7, 8));
    }

    #[test]
    fn repeated_lines_are_not_counted_twice() {
        // The common prefix and suffix overlap in the old text's middle: bounded so that
        // each line is in one of them.
        let old = "x\nx\nx\n";
        let new = "x\nx\n";
        let moved = Moved::between(old, new);
        assert!(
            moved.prefix <= moved.suffix,
            "{} {}",
            moved.prefix,
            moved.suffix
        );
        assert_eq!(mapped(old, new, "x\nx\nx"), None);
        // Identical texts: everything stays.
        assert_eq!(mapped(old, old, "x\nx\nx\n").as_deref(), Some(old));
    }
}
