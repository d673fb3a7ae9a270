//! KMS201 policy-charset: a character KMS does not accept anywhere in a key policy.
//!
//! KMS accepts tab, line feed, carriage return and U+0020–U+00FF (PutKeyPolicy `Policy`
//! pattern; docs/facts/kms.md#key-policy-characters). U+007F–U+009F are inside that range but are
//! control characters, not printable text, and are reported too. The check reads the policy as KMS
//! receives it: the decoded text of a string policy, every key and value of an object policy
//! (CloudFormation sends non-ASCII characters as they are, so a `\u2019` escape in a JSON template
//! still arrives as `’`).

use crate::diagnostic::Severity;
use crate::fix::{Applicability, Fix};
use crate::model::PolicyForm;
use crate::source::scalar_map::ScalarMap;
use crate::source::{Format, Node, Span, Style, Value};

use super::{Context, FixAvailability, Reporter, Rule, RuleInfo, RuleKind};

/// What `kmslint rules` lists of the rule: its summary and documentation are in
/// `rules/KMS201.md`, whose front matter must agree with this.
pub(crate) const RULE: RuleInfo = RuleInfo {
    code: "KMS201",
    name: "policy-charset",
    severity: Severity::Error,
    also: &[],
    fix: FixAvailability::Sometimes,
    default: true,
    kind: RuleKind::File,
};

pub(crate) struct PolicyCharset;

/// Findings per policy beyond this are summarised in the last one.
const MAX_PER_POLICY: usize = 20;

/// A character found, and how its replacement is written when it can be.
struct Found {
    span: Span,
    c: char,
    /// The style of the string it is in, whether it starts that string's content, and how
    /// sure the fix is; `None` when the string is not one a fix may touch.
    place: Option<(Style, bool, Applicability)>,
}

/// A string of a policy written as JSON text, with where it is in the file.
struct Region {
    span: Span,
    /// How sure a fix inside it is; `None` for no fix.
    sure: Option<Applicability>,
}

impl Rule for PolicyCharset {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Reporter) {
        for source in cx.policies {
            let mut found: Vec<Found> = Vec::new();
            match (source.form, source.text_node) {
                (PolicyForm::JsonString | PolicyForm::SubString, Some(node)) => {
                    let text = node.as_str().unwrap_or_default();
                    if let Some(map) = bad_chars(text)
                        .next()
                        .and_then(|_| ScalarMap::new(cx.text, node))
                    {
                        let mut regions = Vec::new();
                        strings(source.root, &mut Vec::new(), &mut regions, 0);
                        for (at, c) in bad_chars(text) {
                            let span = map.span(at, at + c.len_utf8());
                            // Characters outside the policy's strings (a curly quote used as
                            // a JSON quote) get no fix: what the JSON meant is a guess.
                            let place = regions
                                .iter()
                                .find(|r| r.span.contains(span))
                                .and_then(|r| Some((Style::JsonString, false, r.sure?)));
                            found.push(Found { span, c, place });
                        }
                    }
                }
                _ => {
                    let walk = Walk {
                        file: cx.text,
                        format: cx.format,
                    };
                    walk.node(source.root, &mut Vec::new(), &mut found, 0);
                }
            }
            let total = found.len();
            for (i, f) in found.into_iter().take(MAX_PER_POLICY).enumerate() {
                let c = f.c;
                let mut message = format!("{} is not allowed in a key policy", describe(c));
                if i + 1 == MAX_PER_POLICY && total > MAX_PER_POLICY {
                    message.push_str(&format!(
                        " ({} more characters like it in this policy are not shown)",
                        total - MAX_PER_POLICY
                    ));
                }
                let fix = replacement(c)
                    .zip(f.place)
                    .and_then(|(r, (style, at_start, sure))| {
                        Fix::new(
                            format!("Replace {} with `{r}`", describe(c)),
                            sure,
                            [cx.editor.replace_chars(f.span, style, at_start, r)],
                        )
                    });
                let diagnostic = out.report(f.span, message);
                if let Some((_, name)) = source.resource {
                    diagnostic.with_resource(name);
                }
                diagnostic.with_help(match replacement(c) {
                    Some(r) => format!("replace it with `{r}`; KMS accepts only tab, line breaks and characters U+0020 to U+00FF"),
                    None => "remove it; KMS accepts only tab, line breaks and characters U+0020 to U+00FF".to_owned(),
                });
                diagnostic.with_fix(fix);
            }
        }
    }
}

pub(crate) fn allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{7E}' | '\u{A0}'..='\u{FF}')
}

fn bad_chars(text: &str) -> impl Iterator<Item = (usize, char)> + '_ {
    // Nearly every policy string is printable ASCII; a byte check settles that quickly.
    let ascii = text
        .bytes()
        .all(|b| matches!(b, b'\t' | b'\n' | b'\r' | 0x20..=0x7E));
    let text = if ascii { "" } else { text };
    text.char_indices().filter(|&(_, c)| !allowed(c))
}

/// How sure a fix is of a value at `path` (the element keys that lead to it, without
/// `Fn::If` and the like). `Sid`, `Id` and `Version` are names and dates that nothing matches
/// against a request: replacing a character there is safe. Anywhere else (an action, a
/// principal, a resource, a condition key or value) the value is compared with a request, and
/// the typographic character might be what the author meant to match: unsafe.
fn sure_at(path: &[&str]) -> Applicability {
    match path {
        ["Statement", "Sid"] | ["Id"] | ["Version"] => Applicability::Safe,
        _ => Applicability::Unsafe,
    }
}

/// Which parts of an intrinsic function's argument a fix may rewrite: the branches of
/// `Fn::If`, the text of `Fn::Sub`, the delimiter and items of `Fn::Join`. Names of
/// conditions, parameters, resources and mapping keys are references, not text.
fn intrinsic_part_fixable(function: &str, index: Option<usize>) -> bool {
    match (function, index) {
        ("Fn::If", Some(i)) => i > 0,
        ("Fn::Sub", None | Some(0)) | ("Fn::Join", _) => true,
        _ => false,
    }
}

/// Every string of a policy parsed from JSON text, with how sure a fix inside it is. (Not
/// `Node::walk`: the path of keys is pushed before an entry's value and popped after it.)
fn strings<'t>(node: &'t Node<'t>, path: &mut Vec<&'t str>, out: &mut Vec<Region>, depth: usize) {
    if depth > 64 {
        return;
    }
    match &node.value {
        Value::Scalar(_) => out.push(Region {
            span: node.span,
            sure: Some(sure_at(path)),
        }),
        Value::Seq(items) => items.iter().for_each(|i| strings(i, path, out, depth + 1)),
        Value::Map(entries) => {
            for entry in entries {
                out.push(Region {
                    span: entry.key_span,
                    sure: Some(Applicability::Unsafe),
                });
                path.push(&entry.key);
                strings(&entry.value, path, out, depth + 1);
                path.pop();
            }
        }
        Value::Invalid => {}
    }
}

/// Every key and scalar of an object policy (both branches of every `Fn::If`).
struct Walk<'f> {
    file: &'f str,
    format: Format,
}

impl Walk<'_> {
    fn node<'t>(
        &self,
        node: &'t Node<'t>,
        path: &mut Vec<&'t str>,
        found: &mut Vec<Found>,
        depth: usize,
    ) {
        self.node_in(node, path, true, found, depth);
    }

    /// `fixable`: false inside a part of an intrinsic function that names something. (Not
    /// `Node::walk`: `fixable` and the path hold for one subtree and are restored after it.)
    fn node_in<'t>(
        &self,
        node: &'t Node<'t>,
        path: &mut Vec<&'t str>,
        fixable: bool,
        found: &mut Vec<Found>,
        depth: usize,
    ) {
        if depth > 64 {
            return;
        }
        match &node.value {
            Value::Scalar(scalar) => {
                if bad_chars(&scalar.text).next().is_some()
                    && let Some(map) = ScalarMap::new(self.file, node)
                {
                    let sure = fixable.then(|| sure_at(path));
                    self.push(&scalar.text, &map, node.span, scalar.style, sure, found);
                }
            }
            Value::Seq(items) => items
                .iter()
                .for_each(|i| self.node_in(i, path, fixable, found, depth + 1)),
            Value::Map(entries) => {
                if let (Some(("Fn::If" | "Fn::Sub" | "Fn::Join", _, _)), [entry]) =
                    (node.intrinsic(), entries.as_slice())
                {
                    let function = entry.key.as_ref();
                    match &entry.value.value {
                        Value::Seq(items) => {
                            for (i, item) in items.iter().enumerate() {
                                let ok = fixable && intrinsic_part_fixable(function, Some(i));
                                self.node_in(item, path, ok, found, depth + 1);
                            }
                        }
                        _ => {
                            let ok = fixable && intrinsic_part_fixable(function, None);
                            self.node_in(&entry.value, path, ok, found, depth + 1);
                        }
                    }
                    return;
                }
                let intrinsic = node.intrinsic().is_some();
                for entry in entries {
                    if bad_chars(&entry.key).next().is_some() {
                        let map = ScalarMap::for_key(self.file, entry.key_span, &entry.key);
                        let style = self.key_style(entry.key_span);
                        let sure = (fixable && !intrinsic).then_some(Applicability::Unsafe);
                        self.push(&entry.key, &map, entry.key_span, style, sure, found);
                    }
                    path.push(&entry.key);
                    self.node_in(&entry.value, path, fixable && !intrinsic, found, depth + 1);
                    path.pop();
                }
            }
            Value::Invalid => {}
        }
    }

    fn push(
        &self,
        text: &str,
        map: &ScalarMap,
        whole: Span,
        style: Style,
        sure: Option<Applicability>,
        found: &mut Vec<Found>,
    ) {
        for (at, c) in bad_chars(text) {
            let span = map.span(at, at + c.len_utf8());
            let next = text[at + c.len_utf8()..].chars().next();
            let prev = text[..at].chars().next_back();
            // A space written plain must not end the scalar, start a comment or a
            // `key: value`; the other replacements are checked by the editor.
            let plain_space_risk = style == Style::Plain
                && replacement(c) == Some(" ")
                && (prev.is_none_or(|p| p == ':') || next.is_none_or(|n| n == '#'));
            let place = sure
                .filter(|_| !plain_space_risk)
                .map(|sure| (style, span.start == whole.start, sure));
            found.push(Found { span, c, place });
        }
    }

    /// How a mapping key is written, as the editor reads it.
    fn key_style(&self, span: Span) -> Style {
        if self.format == Format::Json {
            return Style::JsonString;
        }
        match self.file.as_bytes().get(span.start as usize) {
            Some(b'"') => Style::DoubleQuoted,
            Some(b'\'') => Style::SingleQuoted,
            _ => Style::Plain,
        }
    }
}

/// "`’` (U+2019, right single quotation mark)".
fn describe(c: char) -> String {
    let code = format!("U+{:04X}", c as u32);
    let name = match c {
        '\u{2018}' => Some("left single quotation mark"),
        '\u{2019}' => Some("right single quotation mark"),
        '\u{201C}' => Some("left double quotation mark"),
        '\u{201D}' => Some("right double quotation mark"),
        '\u{2013}' => Some("en dash"),
        '\u{2014}' => Some("em dash"),
        '\u{2212}' => Some("minus sign"),
        '\u{2026}' => Some("horizontal ellipsis"),
        '\u{200B}' => Some("zero width space"),
        '\u{FEFF}' => Some("zero width no-break space"),
        '\u{2022}' => Some("bullet"),
        _ => None,
    };
    let shown = if c.is_control() || matches!(c, '\u{200B}' | '\u{FEFF}') {
        String::new()
    } else {
        format!("`{c}` ")
    };
    match name {
        Some(name) => format!("{shown}({code}, {name})"),
        None if c.is_control() => format!("control character {code}"),
        None => format!("{shown}({code})"),
    }
}

/// The ASCII a typographic character stands for.
fn replacement(c: char) -> Option<&'static str> {
    match c {
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{2032}' => Some("'"),
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{2033}' => Some("\""),
        '\u{2010}' | '\u{2011}' | '\u{2013}' | '\u{2014}' | '\u{2212}' => Some("-"),
        '\u{2026}' => Some("..."),
        '\u{2022}' => Some("*"),
        '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}' => Some(" "),
        _ => None,
    }
}
