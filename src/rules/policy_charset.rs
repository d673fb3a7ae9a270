//! KMS201 policy-charset: a character KMS does not accept anywhere in a key policy.
//!
//! KMS accepts tab, line feed, carriage return and U+0020–U+00FF (PutKeyPolicy `Policy`
//! pattern; kms-facts.md §7.2). U+007F–U+009F are inside that range but are control
//! characters, not printable text, and are reported too. The check reads the policy as KMS
//! receives it: the decoded text of a string policy, every key and value of an object
//! policy (CloudFormation sends non-ASCII characters as they are, so a `\u2019` escape in a
//! JSON template still arrives as `’`).

use crate::model::PolicyForm;
use crate::source::scalar_map::ScalarMap;
use crate::source::{Node, Span, Value};

use super::{Context, Reporter, Rule};

pub struct PolicyCharset;

/// Findings per policy beyond this are summarised in the last one.
const MAX_PER_POLICY: usize = 20;

impl Rule for PolicyCharset {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Reporter) {
        for source in cx.policies {
            let mut found: Vec<(Span, char)> = Vec::new();
            match (source.form, source.text_node) {
                (PolicyForm::JsonString | PolicyForm::SubString, Some(node)) => {
                    let text = node.as_str().unwrap_or_default();
                    if let Some(map) = bad_chars(text).next().and_then(|_| ScalarMap::new(cx.text, node)) {
                        for (at, c) in bad_chars(text) {
                            found.push((map.span(at, at + c.len_utf8()), c));
                        }
                    }
                }
                _ => walk(cx.text, source.root, &mut found, 0),
            }
            let total = found.len();
            for (i, (span, c)) in found.into_iter().take(MAX_PER_POLICY).enumerate() {
                let mut message = format!("{} is not allowed in a key policy", describe(c));
                if i + 1 == MAX_PER_POLICY && total > MAX_PER_POLICY {
                    message.push_str(&format!(
                        " ({} more characters like it in this policy are not shown)",
                        total - MAX_PER_POLICY
                    ));
                }
                let diagnostic = out.report(span, message);
                if let Some((_, name)) = source.resource {
                    diagnostic.with_resource(name);
                }
                diagnostic.with_help(match replacement(c) {
                    Some(r) => format!("replace it with `{r}`; KMS accepts only tab, line breaks and characters U+0020 to U+00FF"),
                    None => "remove it; KMS accepts only tab, line breaks and characters U+0020 to U+00FF".to_owned(),
                });
            }
        }
    }
}

pub fn allowed(c: char) -> bool {
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

/// Every key and scalar of an object policy (both branches of every `Fn::If`).
fn walk(file: &str, node: &Node<'_>, found: &mut Vec<(Span, char)>, depth: usize) {
    if depth > 64 {
        return;
    }
    match &node.value {
        Value::Scalar(scalar) => {
            if bad_chars(&scalar.text).next().is_some()
                && let Some(map) = ScalarMap::new(file, node)
            {
                for (at, c) in bad_chars(&scalar.text) {
                    found.push((map.span(at, at + c.len_utf8()), c));
                }
            }
        }
        Value::Seq(items) => items.iter().for_each(|i| walk(file, i, found, depth + 1)),
        Value::Map(entries) => {
            for entry in entries {
                if bad_chars(&entry.key).next().is_some() {
                    let map = ScalarMap::for_key(file, entry.key_span, &entry.key);
                    for (at, c) in bad_chars(&entry.key) {
                        found.push((map.span(at, at + c.len_utf8()), c));
                    }
                }
                walk(file, &entry.value, found, depth + 1);
            }
        }
        Value::Invalid => {}
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
