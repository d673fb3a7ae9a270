//! Reading past a YAML syntax error, so that the rest of the file is still linted (issue 23
//! §3). saphyr-parser stops at the first error; the error's line, and the lines indented under
//! it, are blanked (every byte but the line breaks becomes a space, so every offset stays
//! where it was) and the text is parsed again. What the file says elsewhere is read as
//! written; what the blanked lines said is missing from the tree, never replaced.
//!
//! The reading is kept only when it is sound: a block mapping or sequence may run across a
//! blanked line (an entry of it is missing), but no scalar, key or flow collection may, since
//! its value would be made of text on both sides of a hole (an unclosed quote that the next
//! quote closes, a flow collection whose entries were blanked, a block scalar). Otherwise,
//! and when the error is at the end of the text or on a blank line (an unclosed quote or
//! bracket usually ends there), nothing is recovered and the file gets its KMS001 only.

use super::lenient::rebase;
use super::*;
use crate::source::tree::{Visit, Walk};

/// At most this many lines (each with the lines under it) are blanked in one file, each
/// costing one more parse: a file with a few typos is linted, and loading a file stays within
/// a small constant number of parses.
pub(super) const MAX_BLANKED: usize = 4;

/// A tree for `text`, whose load stopped at `failed`'s last problem with no tree, or `None`
/// when none can be read soundly. Its problems are the errors at each blanked line (the first
/// being `failed`'s) and the problems of the final parse.
pub(super) fn recover<'a>(text: &'a str, failed: &Loaded<'_>) -> Option<Loaded<'a>> {
    let first = failed.problems.last().filter(|p| can_blank_at(p))?;
    let mut errors = vec![first.clone()];
    let mut holes: Vec<(usize, usize)> = Vec::new();
    let mut bytes = text.as_bytes().to_vec();
    let mut at = first.span.start as usize;
    for _ in 0..MAX_BLANKED {
        let hole = subtree_lines(text, at)?;
        if holes
            .iter()
            .any(|&(start, end)| start <= hole.0 && hole.0 < end)
        {
            // The same line again: blanking did not move the error.
            return None;
        }
        for byte in &mut bytes[hole.0..hole.1] {
            if !matches!(*byte, b'\n' | b'\r') {
                *byte = b' ';
            }
        }
        holes.push(hole);
        // Whole lines were blanked, so every character boundary is where it was.
        let blanked = String::from_utf8(bytes).ok()?;
        let loaded = load_strict(&blanked);
        if loaded.root.is_some() {
            return sound(text, loaded, &holes, errors);
        }
        let next = loaded.problems.last().filter(|p| can_blank_at(p))?.clone();
        at = next.span.start as usize;
        errors.push(next);
        bytes = blanked.into_bytes();
    }
    None
}

/// The errors that blanking can get past: the parser's, not the loader's own limits (size,
/// nesting), nor the end of the text.
fn can_blank_at(problem: &LoadProblem) -> bool {
    problem.kind == ProblemKind::Syntax && problem.message.starts_with("invalid YAML: ")
}

/// The line holding byte `at`, with the lines after it that are blank or indented more than
/// it (what it holds, in block style), as a byte range from the line's start to the end of
/// its last line; `None` when the line is blank, which is nothing to remove.
fn subtree_lines(text: &str, at: usize) -> Option<(usize, usize)> {
    let at = at.min(text.len());
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line_end = |from: usize| text[from..].find('\n').map_or(text.len(), |i| from + i);
    let indent = |line: &str| line.len() - line.trim_start_matches([' ', '\t']).len();
    let blank = |line: &str| line.trim().is_empty();
    let mut end = line_end(start);
    let first = &text[start..end];
    if blank(first) {
        return None;
    }
    let own = indent(first);
    while end < text.len() {
        let next_end = line_end(end + 1);
        let line = &text[end + 1..next_end];
        if !blank(line) && indent(line) <= own {
            break;
        }
        end = next_end;
    }
    Some((start, end))
}

/// The tree of the blanked text, on `text`, if nothing in it but block collections runs
/// across a hole.
fn sound<'a>(
    text: &'a str,
    loaded: Loaded<'_>,
    holes: &[(usize, usize)],
    errors: Vec<LoadProblem>,
) -> Option<Loaded<'a>> {
    let crosses = |span: Span| {
        holes
            .iter()
            .any(|&(start, end)| (span.start as usize) < end && start < span.end as usize)
    };
    let flow = |node: &Node<'_>| {
        matches!(
            text.as_bytes().get(node.span.start as usize),
            Some(b'{' | b'[')
        )
    };
    let whole = |node: &Node<'_>| {
        node.walk(&mut |visit, _| match visit {
            // Nothing below a node that misses every hole can cross one.
            Visit::Node(node) if !crosses(node.span) => Walk::Over,
            Visit::Node(node) => match node.value {
                Value::Map(_) | Value::Seq(_) if !flow(node) => Walk::Into,
                _ => Walk::Stop,
            },
            Visit::Entry(entry) if crosses(entry.key_span) => Walk::Stop,
            Visit::Entry(_) => Walk::Into,
        })
    };
    if !loaded.root.iter().chain(&loaded.more).all(whole) {
        return None;
    }
    let same = |span: Span| span;
    let root = loaded.root.map(|node| rebase(node, text, &same));
    let more = loaded
        .more
        .into_iter()
        .map(|node| rebase(node, text, &same))
        .collect();
    let mut problems = errors;
    problems.extend(loaded.problems);
    problems.sort_by_key(|p| p.span.start);
    Some(Loaded {
        root,
        problems,
        more,
        recovered: true,
    })
}
