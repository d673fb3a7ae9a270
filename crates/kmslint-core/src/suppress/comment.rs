//! Suppression comments in YAML: reading `# kmslint: ignore CODE[,CODE]` (and comments that
//! try to be one) into suppressions with their scopes, and writing one for a finding.

use crate::fix::{Applicability, Edit, Fix};
use crate::lookup;
use crate::rules;
use crate::source::tree::{Visit, Walk};
use crate::source::{Format, LineIndex, Node, Span, Value};

use super::{Code, DIRECTIVE, Invalid, MARKER, MARKER_WORD, Scope, Suppression, separated_removal};

/// `# kmslint: ignore …` comments, and comments that try to be one.
pub(super) fn comments(
    text: &str,
    root: &Node<'_>,
    lines: &LineIndex,
    out: &mut Vec<Suppression>,
    invalid: &mut Vec<Invalid>,
) {
    let scalars = sorted_scalar_spans(root);
    for line in 0..lines.line_count() {
        let line_text = lines.line_text(text, line);
        let Some(hash) = comment_start(line_text) else {
            continue;
        };
        let offset = lines.line_start(line) + hash;
        if inside_any(&scalars, offset) {
            continue;
        }
        let comment = &line_text[hash + 1..];
        let mut codes = match parse_comment(comment, offset + 1) {
            Parsed::None => continue,
            Parsed::Invalid(bad) => {
                invalid.push(bad);
                continue;
            }
            Parsed::Codes(codes) => codes,
        };
        let alone = line_text[..hash].trim().is_empty();
        let scope = if alone {
            next_node(text, root, lines, line)
        } else {
            Scope::Line(line)
        };
        let start = lines.line_start(line);
        // A second comment after the suppression (`# kmslint: ignore KMS104 # see X`) stays.
        let second = comment_start(comment)
            .filter(|&i| i > 0)
            .map(|i| offset + 1 + i);
        let removal = match second {
            Some(second) => Span::new(offset, second),
            // Alone on its line: the line and its line break.
            None if alone => Span::new(start, lines.line_start(line + 1).min(text.len())),
            // After a value: the comment and the blanks before it.
            None => Span::new(
                start + line_text[..hash].trim_end_matches([' ', '\t']).len(),
                start + line_text.len(),
            ),
        };
        let spans: Vec<Span> = codes.iter().map(|c| c.span).collect();
        if codes.iter().all(|c| c.code.is_some()) {
            for (i, code) in codes.iter_mut().enumerate() {
                code.removal = separated_removal(&spans, i);
            }
        }
        out.push(Suppression {
            scope,
            kind: "comment",
            codes,
            removal: Some(Edit::new(removal, "")),
        });
    }
}

/// Where a YAML comment could start on a line: a `#` at the start or after whitespace.
fn comment_start(line: &str) -> Option<usize> {
    comment_starts(line).next()
}

/// Every place on a line where a comment could start, in order.
fn comment_starts(line: &str) -> impl Iterator<Item = usize> + '_ {
    let bytes = line.as_bytes();
    (0..bytes.len())
        .filter(|&i| bytes[i] == b'#' && (i == 0 || matches!(bytes[i - 1], b' ' | b'\t')))
}

/// A comment without a second comment that follows it on its line
/// (`kmslint: ignore KMS104 ` in `# kmslint: ignore KMS104 # see X`, after the first `#`).
fn own_part(comment: &str) -> &str {
    comment_start(comment)
        .filter(|&i| i > 0)
        .map_or(comment, |i| &comment[..i])
}

/// The comment that suppresses `code`.
pub(super) fn suppression_comment(code: &str) -> String {
    format!("# {MARKER} {DIRECTIVE} {code}")
}

/// The edit that suppresses `code` on the line of `offset` in a YAML file (JSON has no
/// comments): a suppression comment at the line's end, `code` added to the suppression there,
/// or a suppression put before another comment there. `None` on a blank line, a comment
/// line, or a line that ends inside a scalar (a block scalar's line, where a comment would be
/// text). `root` is the file's tree, whose scalars say where a `#` is text.
pub fn ignore_on_line(
    text: &str,
    format: Format,
    root: &Node<'_>,
    lines: &LineIndex,
    offset: usize,
    code: &str,
) -> Option<Edit> {
    if format != Format::Yaml {
        return None;
    }
    let line = lines.line_of(offset);
    let start = lines.line_start(line);
    let line_text = lines.line_text(text, line);
    let end = start + line_text.len();
    let scalars = sorted_scalar_spans(root);
    // A comment cannot go on a line that ends inside a scalar, or on the last line of one
    // that started above (in a block scalar it would be text).
    let continued = scalars
        .iter()
        .any(|s| (s.start as usize) < start && end <= s.end as usize);
    if line_text.trim().is_empty() || inside_any(&scalars, end) || continued {
        return None;
    }
    let Some(hash) = comment_starts(line_text).find(|&i| !inside_any(&scalars, start + i)) else {
        return Some(Edit::new(
            Span::empty(end),
            format!("  {}", suppression_comment(code)),
        ));
    };
    if line_text[..hash].trim().is_empty() {
        // A comment line: nothing there to suppress on it.
        return None;
    }
    let comment = &line_text[hash + 1..];
    match parse_comment(comment, start + hash + 1) {
        // Add the code to the suppression already there (a blanket one has none to add to).
        Parsed::Codes(codes) if codes.iter().any(|c| c.code.is_some()) => {
            let at = start + hash + 1 + own_part(comment).trim_end().len();
            Some(Edit::new(Span::empty(at), format!(", {code}")))
        }
        // Another comment: the suppression goes first, the comment stays after it.
        _ => Some(Edit::new(
            Span::empty(start + hash),
            format!("{} ", suppression_comment(code)),
        )),
    }
}

/// What a comment is.
enum Parsed {
    /// Not a kmslint comment.
    None,
    /// A suppression of these codes.
    Codes(Vec<Code>),
    /// Meant as a suppression, but not one.
    Invalid(Invalid),
}

/// The codes of `kmslint: ignore KMS104, KMS105` (after the `#`), with their spans; an
/// [`Invalid`] for a comment that starts with the marker (in any case, with or without its
/// colon when `ignore` or a near miss follows) but is not a suppression.
fn parse_comment(comment: &str, offset: usize) -> Parsed {
    // A second comment on the line (`# kmslint: ignroe KMS104 # see X`) is not part of it.
    let comment = own_part(comment);
    let trimmed = comment.trim_start();
    let begin = offset + (comment.len() - trimmed.len());
    let whole = Span::new(begin, offset + comment.trim_end().len());
    // Where the `#` is.
    let hash = offset - 1;
    let Some(rest) = trimmed.strip_prefix(MARKER) else {
        return misspelt_marker(trimmed, whole, hash);
    };
    let rest = rest.trim_start();
    let word_end = rest
        .find(|c: char| c.is_whitespace() || matches!(c, ',' | ':' | '='))
        .unwrap_or(rest.len());
    let (word, after) = rest.split_at(word_end);
    if word != DIRECTIVE {
        // Only a near miss of `ignore` is certainly meant as it: `disable` may not be.
        let fix = lookup::did_you_mean(word, [DIRECTIVE])
            .and_then(|_| comment_fix(hash, whole.end as usize, &suggestion(after)));
        let message = if word.is_empty() {
            "this `# kmslint:` comment has no `ignore`, so it suppresses nothing".to_owned()
        } else {
            match lookup::did_you_mean(word, [DIRECTIVE]) {
                Some(_) => format!(
                    "`{word}` is not a kmslint directive, so this comment suppresses nothing; did you mean `ignore`?"
                ),
                None => format!(
                    "`{word}` is not a kmslint directive (the only one is `ignore`), so this comment suppresses nothing"
                ),
            }
        };
        return Parsed::Invalid(Invalid {
            span: whole,
            message,
            help: format!("write `{}`", suggestion(after)),
            fix,
        });
    }
    if after.starts_with([':', '=']) {
        return Parsed::Invalid(Invalid {
            span: whole,
            message: format!(
                "`ignore{}` is not the form of a suppression, so this comment suppresses nothing; did you mean `{}`?",
                &after[..1],
                suggestion(after)
            ),
            help: "codes follow `ignore` after a space, separated by commas".to_owned(),
            fix: comment_fix(hash, whole.end as usize, &suggestion(after)),
        });
    }
    let args_offset = offset + (comment.len() - after.len());
    Parsed::Codes(codes_of(after, args_offset, whole))
}

/// A comment that starts with the marker's word spelt otherwise (`KMSLint:`, `kmslint ignore`)
/// is an invalid suppression; any other comment is none.
fn misspelt_marker(trimmed: &str, whole: Span, hash: usize) -> Parsed {
    let Some(head) = trimmed.get(..MARKER_WORD.len()) else {
        return Parsed::None;
    };
    if !head.eq_ignore_ascii_case(MARKER_WORD) {
        return Parsed::None;
    }
    let rest = &trimmed[MARKER_WORD.len()..];
    let (colon, rest) = match rest.strip_prefix(':') {
        Some(rest) => (true, rest),
        None => (false, rest),
    };
    let word = rest.split_whitespace().next().unwrap_or_default();
    let word = word.trim_end_matches([':', '=', ',']);
    // Without the colon, only a word that is (nearly) `ignore` shows the comment was meant
    // as a suppression: `# kmslint is run in CI` is a comment.
    if !colon && lookup::did_you_mean(word, [DIRECTIVE]).is_none() {
        return Parsed::None;
    }
    let suggestion = suggestion(rest.trim_start().get(word.len()..).unwrap_or_default());
    // `# KMSLint: disable KMS104` says something other than `ignore`: no certain fix.
    let fix = lookup::did_you_mean(word, [DIRECTIVE])
        .and_then(|_| comment_fix(hash, whole.end as usize, &suggestion));
    Parsed::Invalid(Invalid {
        span: whole,
        message: format!(
            "`{}` is not how a suppression starts, so this comment suppresses nothing; did you mean `{suggestion}`?",
            trimmed.trim_end()
        ),
        help: "a suppression starts `# kmslint: ignore`, in lower case".to_owned(),
        fix,
    })
}

/// The fix of a comment that is nearly a suppression: the comment, from its `#` to `end`
/// (a second comment after it stays), becomes `suggestion`; none unless that is a valid
/// suppression of rules that exist. Unsafe: it starts suppressing findings.
fn comment_fix(hash: usize, end: usize, suggestion: &str) -> Option<Fix> {
    let valid = match parse_comment(suggestion.strip_prefix('#')?, hash + 1) {
        Parsed::Codes(codes) => codes.iter().all(|c| c.code.is_none() || c.rule.is_some()),
        _ => false,
    };
    if !valid {
        return None;
    }
    Fix::new(
        format!("Replace with `{suggestion}`"),
        Applicability::Unsafe,
        [Some(Edit::new(Span::new(hash, end), suggestion))],
    )
}

/// The suppression a near miss meant, from what follows its directive word (`: KMS104`).
fn suggestion(after_word: &str) -> String {
    let codes = after_word
        .trim_start_matches([':', '=', ' ', '\t'])
        .trim_end();
    format!("# kmslint: ignore {codes}").trim_end().to_owned()
}

/// The codes after `ignore`: separated by commas or spaces. The first word is always taken
/// as a code; after it, words that name a rule, and words right after a comma that look like
/// a code (`KMS1O4`, reported as unknown), are codes too. The first other word starts a
/// free-text reason: `# kmslint: ignore KMS104 rotated by the vendor, see the runbook`.
/// No code: one that stands for every rule, spanning the whole comment.
fn codes_of(args: &str, args_offset: usize, whole: Span) -> Vec<Code> {
    let mut codes = Vec::new();
    let mut after_comma = false;
    let mut word_start = None;
    for (i, c) in args
        .char_indices()
        .chain(std::iter::once((args.len(), ' ')))
    {
        if c != ',' && !c.is_whitespace() {
            word_start.get_or_insert(i);
            continue;
        }
        if let Some(start) = word_start.take() {
            let word = &args[start..i];
            let looks_like_code =
                word.len() > 3 && word.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("KMS"));
            let is_code =
                codes.is_empty() || rules::find(word).is_some() || (after_comma && looks_like_code);
            if !is_code {
                break;
            }
            let begin = args_offset + start;
            codes.push(Code::new(
                Some(word.to_owned()),
                Span::new(begin, begin + word.len()),
            ));
            after_comma = false;
        }
        if c == ',' {
            after_comma = true;
        }
    }
    if codes.is_empty() {
        codes.push(Code::new(None, whole));
    }
    codes
}

/// The scope of a comment alone on its line: the outermost node that starts on the next
/// line with content (a mapping entry with its value, or a sequence item), or that line.
fn next_node(text: &str, root: &Node<'_>, lines: &LineIndex, line: usize) -> Scope {
    let Some(next) = (line + 1..lines.line_count()).find(|&l| {
        let t = lines.line_text(text, l).trim_start();
        !t.is_empty() && !t.starts_with('#')
    }) else {
        return Scope::Line(line + 1);
    };
    match outermost_on_line(root, lines, next, None) {
        Some((span, resource)) => Scope::Span(span, resource),
        None => Scope::Line(next),
    }
}

/// The outermost entry (key and value) or sequence item that starts on `line`, and the
/// resource it is, when it is one. (Not `Node::walk`: it follows the one path to the line.)
fn outermost_on_line(
    node: &Node<'_>,
    lines: &LineIndex,
    line: usize,
    parent: Option<&str>,
) -> Option<(Span, Option<String>)> {
    match &node.value {
        Value::Map(entries) => {
            for entry in entries {
                let whole = entry.key_span.cover(entry.value.span);
                if lines.line_of(entry.key_span.start as usize) == line {
                    let resource = (parent == Some("Resources")).then(|| entry.key.to_string());
                    return Some((whole, resource));
                }
                if whole.start as usize <= lines.line_start(line)
                    && lines.line_start(line) < whole.end as usize
                {
                    return outermost_on_line(&entry.value, lines, line, Some(&entry.key));
                }
            }
            None
        }
        Value::Seq(items) => {
            for item in items {
                if lines.line_of(item.span.start as usize) == line {
                    return Some((item.span, None));
                }
                if item.span.start as usize <= lines.line_start(line)
                    && lines.line_start(line) < item.span.end as usize
                {
                    return outermost_on_line(item, lines, line, None);
                }
            }
            None
        }
        _ => None,
    }
}

/// The spans of every scalar and key, sorted by start: where a `#` is text, not a comment.
fn sorted_scalar_spans(root: &Node<'_>) -> Vec<Span> {
    let mut spans = Vec::new();
    root.walk(&mut |visit, _| {
        match visit {
            Visit::Node(node) if node.scalar().is_some() => spans.push(node.span),
            Visit::Entry(entry) => spans.push(entry.key_span),
            Visit::Node(_) => {}
        }
        Walk::Into
    });
    spans.sort_by_key(|s| s.start);
    spans
}

/// Whether `offset` is inside one of the spans (sorted by start; they do not overlap).
fn inside_any(spans: &[Span], offset: usize) -> bool {
    let i = spans.partition_point(|s| (s.start as usize) <= offset);
    i > 0 && offset < spans[i - 1].end as usize
}
