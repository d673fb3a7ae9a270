//! Suppressions in metadata, `Metadata: {kmslint: {ignore: [...]}}` on the template and on
//! each resource: reading them (and entries meant as one), their removal edits, and the edit
//! that suppresses a code for a resource.

use crate::fix::edit::{Editor, Fragment, Place};
use crate::fix::{Applicability, Edit, Fix};
use crate::lookup;
use crate::rules;
use crate::source::{Entry, Format, Node, Span, Style, Value};

use super::comment::suppression_comment;
use super::{Code, DIRECTIVE, Invalid, MARKER_WORD, Scope, Suppression, separated_removal};

/// `Metadata: {kmslint: {ignore: [...]}}` on the template and on each resource.
pub(super) fn metadata(
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

/// The edit that suppresses `code` for the resource `name`: in YAML, a suppression comment
/// alone on the line above the resource's key (which covers the resource); in JSON, `code`
/// added to the resource's `Metadata.kmslint.ignore`, creating what is missing of it. `None`
/// when there is no such resource or its metadata has another shape.
pub fn ignore_for_resource(
    text: &str,
    format: Format,
    root: &Node<'_>,
    name: &str,
    code: &str,
) -> Option<Edit> {
    let resources = root.get("Resources")?.as_map()?;
    let entry = resources.iter().find(|e| e.key.as_ref() == name)?;
    if format == Format::Yaml {
        let key = entry.key_span.start as usize;
        let line_start = text[..key].rfind(['\n', '\r']).map_or(0, |i| i + 1);
        let indent = &text[line_start..key];
        if !indent.chars().all(|c| c == ' ' || c == '\t') {
            return None;
        }
        let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
        return Some(Edit::new(
            Span::empty(line_start),
            format!("{indent}{}{eol}", suppression_comment(code)),
        ));
    }
    let editor = Editor::new(text, format, &[]);
    let resource = &entry.value;
    resource.as_map()?;
    let Some(metadata) = resource.entry("Metadata") else {
        return editor.insert_entry(
            resource,
            Place::Last,
            "Metadata",
            Fragment::Map(vec![(
                MARKER_WORD,
                Fragment::Map(vec![(DIRECTIVE, Fragment::Str(code))]),
            )]),
        );
    };
    metadata.value.as_map()?;
    let Some(kmslint) = metadata.value.entry(MARKER_WORD) else {
        return editor.insert_entry(
            &metadata.value,
            Place::Last,
            MARKER_WORD,
            Fragment::Map(vec![(DIRECTIVE, Fragment::Str(code))]),
        );
    };
    kmslint.value.as_map()?;
    match kmslint.value.entry(DIRECTIVE) {
        None => editor.insert_entry(&kmslint.value, Place::Last, DIRECTIVE, Fragment::Str(code)),
        Some(ignore) => editor.append_item(&ignore.value, code),
    }
}
