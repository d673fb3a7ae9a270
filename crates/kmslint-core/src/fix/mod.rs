//! Fixes: writing the text edits a finding offers, and applying them.
//!
//! A fix is ruff's: a title, an [`Applicability`] and edits (a byte range of the file and its
//! replacement); those types are plain data of the finding, in [`crate::diagnostic`], so
//! that a finding does not depend on the code that writes or applies its fix. Rules build
//! edits with [`edit::Editor`], which writes them the way the file is written (quoting,
//! indentation, line endings, escapes of a policy held in a string); [`apply`] applies the
//! fixes of one pass that do not overlap.

pub(crate) mod edit;

use std::collections::BTreeMap;

pub use crate::diagnostic::{Applicability, Edit, Fix};
use crate::diagnostic::{Diagnostic, conflict};

/// The result of one pass of [`apply`].
pub struct Applied {
    pub text: String,
    /// The codes of the findings fixed, one per fix applied.
    pub fixed: Vec<&'static str>,
    /// The edits made, in file order (spans in the text before).
    pub edits: Vec<Edit>,
}

/// Applies the fixes at least as sure as `least` to `text`, in file order, skipping a fix
/// that overlaps one already taken (the next pass, after re-linting, gets it if it still
/// applies). `None` when no fix applies.
pub fn apply(text: &str, diagnostics: &[Diagnostic], least: Applicability) -> Option<Applied> {
    let mut fixes: Vec<(&'static str, &Fix)> = diagnostics
        .iter()
        .filter_map(|d| Some((d.code, d.fix.as_ref()?)))
        .filter(|(_, fix)| {
            fix.applicability >= least && fix.applicability > Applicability::DisplayOnly
        })
        .collect();
    fixes.sort_by_key(|(_, fix)| (fix.edits[0].span.start, fix.edits[0].span.end));
    // The edits taken so far, disjoint, by (start, end): a candidate is checked against the
    // few that can touch it, so a file with thousands of fixes stays linear.
    let mut taken: BTreeMap<(u32, u32), &Edit> = BTreeMap::new();
    let mut fixed = Vec::new();
    for (code, fix) in fixes {
        let in_bounds = fix.edits.iter().all(|e| {
            e.span.end as usize <= text.len()
                && text.is_char_boundary(e.span.start as usize)
                && text.is_char_boundary(e.span.end as usize)
        });
        let clashes = fix.edits.iter().any(|e| {
            taken
                .range(..=(e.span.end, u32::MAX))
                .rev()
                .take_while(|(_, t)| t.span.end >= e.span.start)
                .any(|(_, t)| conflict(e, t))
        });
        if in_bounds && !clashes {
            taken.extend(fix.edits.iter().map(|e| ((e.span.start, e.span.end), e)));
            fixed.push(code);
        }
    }
    if taken.is_empty() {
        return None;
    }
    let taken: Vec<&Edit> = taken.into_values().collect();
    let mut out = String::with_capacity(text.len() + 64);
    let mut at = 0;
    for edit in &taken {
        out.push_str(&text[at..edit.span.start as usize]);
        out.push_str(&edit.replacement);
        at = edit.span.end as usize;
    }
    out.push_str(&text[at..]);
    let edits = taken.into_iter().cloned().collect();
    Some(Applied {
        text: out,
        fixed,
        edits,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Severity;
    use crate::source::{Position, Span};

    fn finding(
        code: &'static str,
        applicability: Applicability,
        edits: &[(u32, u32, &str)],
    ) -> Diagnostic {
        Diagnostic {
            code,
            name: "x",
            severity: Severity::Warning,
            message: String::new(),
            span: Span::default(),
            resource: None,
            pointer: String::new(),
            stable_pointer: String::new(),
            help: None,
            related: Vec::new(),
            fix: Fix::new(
                "t",
                applicability,
                edits
                    .iter()
                    .map(|&(s, e, r)| Some(Edit::new(Span::new(s as usize, e as usize), r))),
            ),
            start: Position::default(),
            end: Position::default(),
        }
    }

    #[test]
    fn applies_in_order_and_skips_overlaps_and_unsure_fixes() {
        let text = "abcdefgh";
        let findings = [
            finding("A", Applicability::Safe, &[(6, 8, "GH")]),
            finding("B", Applicability::Safe, &[(0, 1, "A"), (2, 3, "C")]),
            finding("C", Applicability::Safe, &[(2, 4, "overlaps B")]),
            finding("D", Applicability::Unsafe, &[(4, 4, "+")]),
            finding("E", Applicability::DisplayOnly, &[(5, 5, "!")]),
        ];
        let safe = apply(text, &findings, Applicability::Safe).unwrap();
        assert_eq!(safe.text, "AbCdefGH");
        assert_eq!(safe.fixed, ["B", "A"]);
        let all = apply(text, &findings, Applicability::Unsafe).unwrap();
        assert_eq!(all.text, "AbCd+efGH");
        assert!(apply(text, &findings[4..], Applicability::DisplayOnly).is_none());
    }

    #[test]
    fn a_fix_with_overlapping_or_missing_edits_is_none() {
        let span = Span::new(1, 3);
        assert!(
            Fix::new(
                "t",
                Applicability::Safe,
                [
                    Some(Edit::new(span, "a")),
                    Some(Edit::new(Span::new(2, 4), "b"))
                ]
            )
            .is_none()
        );
        assert!(Fix::new("t", Applicability::Safe, [Some(Edit::new(span, "a")), None]).is_none());
        assert!(Fix::new("t", Applicability::Safe, []).is_none());
    }
}
