//! Suppressions (README.md#suppressions): `# kmslint: ignore CODE[,CODE]` comments in YAML, and
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

use crate::config::Settings;
use crate::diagnostic::Diagnostic;
use crate::fix::{Applicability, Edit, Fix};
use crate::lookup;
use crate::rules::{self, Reporter, RuleEntry};
use crate::source::{Entry, Format, LineIndex, Node, Span, Style, Value};

/// The code of the rule this module reports.
pub const UNUSED: &str = "KMS006";
/// The code of invalid suppressions.
pub const INVALID: &str = "KMS007";

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
pub fn apply(
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
    metadata(text, format, root, &mut suppressions, &mut invalid);
    // Most files have no suppression: index lines only when there may be one. Any spelling
    // of the marker is looked at, so that `# KMSLint ignore` is reported rather than ignored.
    let has_comments = format == Format::Yaml && mentions_marker(text);
    if suppressions.is_empty() && invalid.is_empty() && !has_comments {
        return diagnostics;
    }
    let lines = LineIndex::new(text);
    if has_comments {
        comments(text, root, &lines, &mut suppressions, &mut invalid);
    }
    unknown_codes(&suppressions, &mut invalid);
    if !invalid.is_empty()
        && settings.rules.enabled(INVALID)
        && let Some(meta) = rules::meta(INVALID)
    {
        let mut out = Reporter::new(meta);
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

    if settings.rules.enabled(UNUSED)
        && let Some(meta) = rules::meta(UNUSED)
    {
        let mut out = Reporter::new(meta);
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
                    rule.meta().name
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
        if code == UNUSED {
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

/// `# kmslint: ignore …` comments, and comments that try to be one.
fn comments(
    text: &str,
    root: &Node<'_>,
    lines: &LineIndex,
    out: &mut Vec<Suppression>,
    invalid: &mut Vec<Invalid>,
) {
    let mut scalars = Vec::new();
    scalar_spans(root, &mut scalars);
    scalars.sort_by_key(|s| s.start);
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
    let bytes = line.as_bytes();
    (0..bytes.len()).find(|&i| bytes[i] == b'#' && (i == 0 || matches!(bytes[i - 1], b' ' | b'\t')))
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
    let comment = comment_start(comment)
        .filter(|&i| i > 0)
        .map_or(comment, |i| &comment[..i]);
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
/// resource it is, when it is one.
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

fn scalar_spans(node: &Node<'_>, out: &mut Vec<Span>) {
    match &node.value {
        Value::Scalar(_) => out.push(node.span),
        Value::Seq(items) => items.iter().for_each(|item| scalar_spans(item, out)),
        Value::Map(entries) => {
            for entry in entries {
                out.push(entry.key_span);
                scalar_spans(&entry.value, out);
            }
        }
        Value::Invalid => {}
    }
}

/// Whether `offset` is inside one of the spans (sorted by start; they do not overlap).
fn inside_any(spans: &[Span], offset: usize) -> bool {
    let i = spans.partition_point(|s| (s.start as usize) <= offset);
    i > 0 && offset < spans[i - 1].end as usize
}

/// `Metadata: {kmslint: {ignore: [...]}}` on the template and on each resource.
fn metadata(
    text: &str,
    format: Format,
    root: &Node<'_>,
    out: &mut Vec<Suppression>,
    invalid: &mut Vec<Invalid>,
) {
    let cx = Meta {
        text,
        json: format == Format::Json,
    };
    if let Some(codes) = root
        .entry("Metadata")
        .and_then(|m| ignore_list(&cx, m, 0, invalid))
    {
        out.push(Suppression {
            scope: Scope::File,
            kind: "metadata entry",
            codes,
            removal: metadata_removal(text, root, 0),
        });
    }
    let Some(resources) = root.get("Resources").and_then(Node::as_map) else {
        return;
    };
    for entry in resources {
        if let Some(codes) = entry
            .value
            .entry("Metadata")
            .and_then(|m| ignore_list(&cx, m, entry.key_span.end, invalid))
        {
            out.push(Suppression {
                scope: Scope::Span(
                    entry.key_span.cover(entry.value.span),
                    Some(entry.key.to_string()),
                ),
                kind: "metadata entry",
                codes,
                removal: metadata_removal(text, &entry.value, entry.key_span.end),
            });
        }
    }
}

/// What writing metadata fixes needs to know of the file.
struct Meta<'t> {
    text: &'t str,
    json: bool,
}

/// The codes under `kmslint: {ignore: …}` of a `Metadata` mapping: a list or one string.
/// What is meant as one but has another shape is added to `invalid`.
/// `after` is where the owner's key ends: an entry written before it, or a value before its
/// key, is an alias of text elsewhere, which no fix may edit.
fn ignore_list(
    cx: &Meta<'_>,
    metadata: &Entry<'_>,
    after: u32,
    invalid: &mut Vec<Invalid>,
) -> Option<Vec<Code>> {
    let in_place = in_place(metadata, after);
    let entries = metadata.value.as_map()?;
    let mut codes = Vec::new();
    for entry in entries {
        let in_place = in_place && self::in_place(entry, metadata.key_span.end);
        if entry.key.as_ref() == MARKER_WORD {
            codes.extend(kmslint_entry(cx, entry, in_place, invalid));
        } else if entry.key.eq_ignore_ascii_case(MARKER_WORD) {
            // The key in lower case, keeping its quotes, when that makes a valid suppression
            // and no `kmslint` key is there already.
            let written = &cx.text[entry.key_span.range()];
            let fix = (written
                .trim_matches(['"', '\''])
                .eq_ignore_ascii_case(MARKER_WORD)
                && !entries.iter().any(|e| e.key.as_ref() == MARKER_WORD)
                && valid_kmslint(&entry.value)
                && in_place)
                .then(|| Edit::new(entry.key_span, written.to_ascii_lowercase()));
            invalid.push(Invalid {
                span: entry.key_span,
                message: format!(
                    "metadata keys are case-sensitive: `{}` is not `kmslint`, so this suppresses nothing; did you mean `kmslint`?",
                    entry.key
                ),
                help: "write `kmslint: {ignore: [CODE]}`".to_owned(),
                fix: Fix::new("Rename the key to `kmslint`", Applicability::Unsafe, [fix]),
            });
        }
    }
    (!codes.is_empty()).then_some(codes)
}

/// The codes of the value of a `kmslint` metadata key: `{ignore: [KMS104]}`.
fn kmslint_entry(
    cx: &Meta<'_>,
    kmslint: &Entry<'_>,
    in_place: bool,
    invalid: &mut Vec<Invalid>,
) -> Vec<Code> {
    let node = &kmslint.value;
    let Some(entries) = node.as_map() else {
        let listed = listed_codes(node);
        // A flow list or a one-line string goes under `ignore` as written.
        let written = &cx.text[node.span.range()];
        let inline = written.starts_with('[')
            || node
                .scalar()
                .is_some_and(|s| !matches!(s.style, Style::Literal | Style::Folded))
                && !written.contains(['\n', '\r']);
        let key = if cx.json { "\"ignore\"" } else { DIRECTIVE };
        let fix = (inline && valid_list(node) && in_place)
            .then(|| Edit::new(node.span, format!("{{{key}: {written}}}")));
        invalid.push(Invalid {
            span: node.span,
            message: format!(
                "`kmslint` takes a mapping with `ignore`, so this suppresses nothing; did you mean `kmslint: {{ignore: [{listed}]}}`?"
            ),
            help: "put the codes under `ignore`".to_owned(),
            fix: Fix::new("Put the codes under `ignore`", Applicability::Unsafe, [fix]),
        });
        return Vec::new();
    };
    let mut codes = Vec::new();
    for entry in entries {
        let in_place = in_place && self::in_place(entry, kmslint.key_span.end);
        if entry.key.as_ref() != DIRECTIVE {
            let near = lookup::did_you_mean(&entry.key, [DIRECTIVE]).is_some();
            let message = if near {
                format!(
                    "`{}` is not a kmslint metadata key, so this suppresses nothing; did you mean `ignore`?",
                    entry.key
                )
            } else {
                format!(
                    "`{}` is not a kmslint metadata key (the only one is `ignore`), so this suppresses nothing",
                    entry.key
                )
            };
            // The near miss renamed, keeping its quotes, when it is the only key and its
            // value is a valid list.
            let fix =
                (near && entries.len() == 1 && valid_list(&entry.value) && in_place).then(|| {
                    let quote = match cx.text.as_bytes().get(entry.key_span.start as usize) {
                        Some(b'"') => "\"",
                        Some(b'\'') => "'",
                        _ => "",
                    };
                    Edit::new(entry.key_span, format!("{quote}{DIRECTIVE}{quote}"))
                });
            invalid.push(Invalid {
                span: entry.key_span,
                message,
                help: "write `kmslint: {ignore: [CODE]}`".to_owned(),
                fix: Fix::new("Rename the key to `ignore`", Applicability::Unsafe, [fix]),
            });
            continue;
        }
        let ignore = &entry.value;
        let items: Vec<&Node<'_>> = match &ignore.value {
            Value::Seq(items) => items.iter().collect(),
            Value::Scalar(_) => vec![ignore],
            _ => {
                invalid.push(Invalid {
                    span: ignore.span,
                    message: format!(
                        "`ignore` takes a list of codes, so this suppresses nothing; did you mean `ignore: [{}]`?",
                        listed_codes(ignore)
                    ),
                    help: "write the codes as a list: `ignore: [KMS104, KMS105]`".to_owned(),
                    // `{KMS104: false}` may not mean to suppress: the values make it a guess.
                    fix: None,
                });
                continue;
            }
        };
        let flow = cx.text.as_bytes().get(ignore.span.start as usize) == Some(&b'[');
        let spans: Vec<Span> = items.iter().map(|i| i.span).collect();
        for (i, item) in items.iter().enumerate() {
            match item.scalar() {
                Some(scalar) => {
                    let mut code = Code::new(Some(scalar.text.trim().to_owned()), item.span);
                    code.removal = match ignore.value {
                        _ if !in_place => None,
                        Value::Seq(_) if items.len() > 1 && flow => separated_removal(&spans, i),
                        Value::Seq(_) if items.len() > 1 => line_removal(cx.text, item.span, true),
                        _ => None,
                    };
                    codes.push(code);
                }
                None => invalid.push(Invalid {
                    span: item.span,
                    message: "a code in `ignore` must be a string, so this suppresses nothing"
                        .to_owned(),
                    help: "write a rule code such as `KMS104`, or a rule name".to_owned(),
                    fix: None,
                }),
            }
        }
    }
    codes
}

/// Whether `entry` is written where it is read: after `after` (where its parent's key
/// ends), with its value after its key. An alias (`ignore: *codes`) has the spans of the
/// anchored text elsewhere, which a fix must not edit.
fn in_place(entry: &Entry<'_>, after: u32) -> bool {
    entry.key_span.start >= after && entry.value.span.start >= entry.key_span.end
}

/// Whether `node`, as the value of `kmslint`, is a valid suppression of existing rules.
fn valid_kmslint(node: &Node<'_>) -> bool {
    match node.as_map() {
        Some([entry]) => entry.key.as_ref() == DIRECTIVE && valid_list(&entry.value),
        _ => false,
    }
}

/// Whether `node`, as the value of `ignore`, names existing rules only: a code or a
/// non-empty list of them.
fn valid_list(node: &Node<'_>) -> bool {
    let known = |n: &Node<'_>| {
        n.scalar()
            .is_some_and(|s| rules::find(s.text.trim()).is_some())
    };
    match &node.value {
        Value::Scalar(_) => known(node),
        Value::Seq(items) => !items.is_empty() && items.iter().all(known),
        _ => false,
    }
}

/// The edit that removes the `ignore` entry of `owner`'s `Metadata.kmslint`, with the
/// `kmslint` and `Metadata` entries it leaves empty; none when a key is there twice, an item
/// is not a string, or the entry cannot be removed cleanly.
fn metadata_removal(text: &str, owner: &Node<'_>, after: u32) -> Option<Edit> {
    fn only(map: &Node<'_>, key: &str) -> Option<usize> {
        let mut found = map
            .as_map()?
            .iter()
            .enumerate()
            .filter(|(_, e)| e.key.as_ref() == key);
        let (first, _) = found.next()?;
        found.next().is_none().then_some(first)
    }
    let m = only(owner, "Metadata")?;
    let metadata = &owner.as_map()?[m].value;
    let k = only(metadata, MARKER_WORD)?;
    let kmslint = &metadata.as_map()?[k].value;
    let i = only(kmslint, DIRECTIVE)?;
    let ignore = &kmslint.as_map()?[i].value;
    let strings = match &ignore.value {
        Value::Scalar(_) => true,
        Value::Seq(items) => items.iter().all(|item| item.scalar().is_some()),
        _ => false,
    };
    if !strings {
        return None;
    }
    let levels = [(owner, m), (metadata, k), (kmslint, i)];
    let mut after = after;
    for (map, i) in levels {
        let entry = &map.as_map()?[i];
        if !in_place(entry, after) {
            return None;
        }
        after = entry.key_span.end;
    }
    let mut level = levels.len() - 1;
    while level > 0 && levels[level].0.as_map()?.len() == 1 {
        level -= 1;
    }
    let (map, i) = levels[level];
    let entries = map.as_map()?;
    if text.as_bytes().get(map.span.start as usize) == Some(&b'{') {
        // Flow: the entry with the comma before it (the first, with the comma after it).
        // Found by the commas in the text rather than by the neighbours' spans: a key with no
        // value (`{"a", "b": 1}`) has an empty value placed oddly.
        let end = entries[i].key_span.cover(entries[i].value.span).end as usize;
        let start = entries[i].key_span.start as usize;
        if i == 0 {
            let next = entries.get(1)?.key_span.start as usize;
            return text[end..next]
                .contains(',')
                .then(|| Edit::new(Span::new(start, next), ""));
        }
        let comma = text[..start].rfind(',')?;
        if comma < entries[i - 1].key_span.start as usize {
            return None;
        }
        return Some(Edit::new(Span::new(comma, end), ""));
    }
    line_removal(
        text,
        entries[i].key_span.cover(entries[i].value.span),
        false,
    )
}

/// Removes the lines that `span` (an entry or item of block YAML) is written on, with their
/// line break: only when nothing but blanks (and, for a list item, its `-`) comes before it
/// on its first line, and nothing but a comment after it on its last.
fn line_removal(text: &str, span: Span, item: bool) -> Option<Edit> {
    let (start, end) = (span.start as usize, span.end as usize);
    let line_start = text[..start].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let before = text[line_start..start].trim_start_matches([' ', '\t']);
    let clean_start = if item {
        before
            .strip_prefix('-')
            .is_some_and(|b| !b.is_empty() && b.trim_start_matches([' ', '\t']).is_empty())
            && !text[start..end].contains(['\n', '\r'])
    } else {
        before.is_empty()
    };
    if !clean_start {
        return None;
    }
    let line_end = text[end..]
        .find(['\n', '\r'])
        .map_or(text.len(), |i| end + i);
    let after = &text[end..line_end];
    let rest = after.trim_start_matches([' ', '\t']);
    if !(rest.is_empty() || rest.starts_with('#') && rest.len() < after.len()) {
        return None;
    }
    let next = if text[line_end..].starts_with("\r\n") {
        line_end + 2
    } else {
        (line_end + 1).min(text.len())
    };
    Some(Edit::new(Span::new(line_start, next), ""))
}

/// The codes a node of the wrong shape seems to list (its scalars, or a mapping's keys), for
/// the suggestion: `[KMS104]` as `KMS104`, `{KMS104: true}` as `KMS104`.
fn listed_codes(node: &Node<'_>) -> String {
    let words: Vec<String> = match &node.value {
        Value::Scalar(s) => vec![s.text.trim().to_owned()],
        Value::Seq(items) => items
            .iter()
            .filter_map(|i| Some(i.scalar()?.text.trim().to_owned()))
            .collect(),
        Value::Map(entries) => entries
            .iter()
            .filter(|e| e.key.as_ref() != DIRECTIVE)
            .map(|e| e.key.to_string())
            .collect(),
        Value::Invalid => Vec::new(),
    };
    if words.is_empty() {
        "CODE".to_owned()
    } else {
        words.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::mentions_marker;

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
