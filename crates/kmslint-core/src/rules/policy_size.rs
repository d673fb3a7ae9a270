//! KMS202 policy-size: a key policy over KMS's 32,768-byte quota (warning above 90 %).
//!
//! The size is that of the policy as KMS receives it (docs/facts/kms.md#key-policy-size):
//! CloudFormation sends an object policy as compact JSON, and a string policy as written; both are
//! counted in UTF-8 bytes. Values hidden by intrinsic functions count as their shortest possible
//! text (an account ID is always 12 digits), so an error is certain and an estimate says "at
//! least".

use crate::diagnostic::Severity;
use crate::facts::pseudo::Pseudo;
use crate::facts::resources::limits::POLICY_BYTES;
use crate::model::value::{Hole, Part, Resolver, Val};
use crate::model::{PolicyForm, PolicySource};
use crate::source::tree::{Visit, Walk};
use crate::source::{Node, Span, Style, Value};

use super::{Context, FixAvailability, Reporter, Rule, RuleInfo, RuleKind};

/// What `kmslint rules` lists of the rule: its summary and documentation are in
/// `rules/KMS202.md`, whose front matter must agree with this.
pub(crate) const RULE: RuleInfo = RuleInfo {
    code: "KMS202",
    name: "policy-size",
    severity: Severity::Error,
    also: &[Severity::Warning],
    fix: FixAvailability::Never,
    default: true,
    kind: RuleKind::File,
};

pub(crate) struct PolicySize;

impl Rule for PolicySize {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Reporter) {
        let resolver = cx.resolver();
        for source in cx.policies {
            let (bytes, exact) = size(cx.text, source, &resolver);
            let warn_at = POLICY_BYTES * 9 / 10;
            if bytes <= warn_at {
                continue;
            }
            let at_least = if exact { "" } else { "at least " };
            let shape = match source.form {
                PolicyForm::Object => " as compact JSON",
                _ => "",
            };
            let (message, severity) = if bytes > POLICY_BYTES {
                (
                    format!(
                        "the key policy is {at_least}{} bytes{shape}, over KMS's limit of {} bytes",
                        group(bytes),
                        group(POLICY_BYTES)
                    ),
                    Severity::Error,
                )
            } else {
                (
                    format!(
                        "the key policy is {at_least}{} bytes{shape}, {}% of KMS's limit of {} bytes",
                        group(bytes),
                        bytes * 100 / POLICY_BYTES,
                        group(POLICY_BYTES)
                    ),
                    Severity::Warning,
                )
            };
            let diagnostic = out.report(span_of(cx, source), message);
            diagnostic.with_severity(severity).with_help(
                "merge statements that share a principal, use wildcards such as `kms:Get*`, or grant access through IAM policies instead",
            );
            if let Some((name, _)) = source.resource {
                diagnostic.with_resource(name);
            }
        }
    }
}

/// The property key `KeyPolicy` in a template, the document's first key in a policy file.
fn span_of(cx: &Context<'_, '_>, source: &PolicySource<'_>) -> Span {
    if let Some((name, _)) = source.resource
        && let Some(entry) = cx
            .template
            .and_then(|t| t.resource(name))
            .and_then(|r| r.property_entry("KeyPolicy"))
    {
        return entry.key_span;
    }
    source
        .root
        .as_map()
        .and_then(|m| m.first())
        .map_or(source.root.span, |e| e.key_span)
}

/// The policy's size in bytes and whether it is exact.
fn size(file: &str, source: &PolicySource<'_>, resolver: &Resolver<'_, '_>) -> (usize, bool) {
    match source.form {
        PolicyForm::File => {
            // A file of several named policies: each is sent on its own.
            let own = &file[source.root.span.range()];
            if own.len() >= file.trim().len() {
                (file.len(), true)
            } else {
                (own.len(), false)
            }
        }
        PolicyForm::JsonString => (source.text().unwrap_or_default().len(), true),
        PolicyForm::SubString => {
            let text = source.text().unwrap_or_default();
            let variables = crate::model::value::sub_variables(text);
            let placeholders: usize = variables.iter().map(|(_, v)| v.len() + 3).sum();
            let minimum: usize = variables.iter().map(|(_, v)| pseudo_min(v)).sum();
            (text.len() - placeholders + minimum, variables.is_empty())
        }
        PolicyForm::Object => {
            let mut size = Size {
                bytes: 0,
                exact: true,
            };
            size.node(source.root, resolver, 0);
            (size.bytes, size.exact)
        }
    }
}

/// The shortest text a `${Name}` can stand for.
fn pseudo_min(name: &str) -> usize {
    Pseudo::from_name(name).map_or(0, Pseudo::min_len)
}

/// The shortest text of `!Sub 'arn:${AWS::Partition}:…'` whose variables are all pseudo
/// parameters or resource attributes, without resolving it: policies are full of these, and
/// this runs for every one. `None` when a variable may be a parameter with a value.
fn plain_sub_size(node: &Node<'_>) -> Option<usize> {
    let ("Fn::Sub", _, arg) = node.intrinsic()? else {
        return None;
    };
    let text = arg.as_str()?;
    let variables = crate::model::value::sub_variables(text);
    // `${!Literal}` is written without its `!`. Counted in the raw text, not with `value::sub`'s
    // pieces: an unclosed `${!x` (no escape to them) loses its `!` too, keeping this a lower bound.
    let mut bytes = quoted_len(text) - text.matches("${!").count();
    for (_, name) in &variables {
        if name.starts_with("AWS::") {
            bytes = bytes - (name.len() + 3) + pseudo_min(name);
        } else if name.contains('.') {
            bytes -= name.len() + 3;
        } else {
            return None;
        }
    }
    Some(bytes)
}

struct Size {
    bytes: usize,
    exact: bool,
}

impl Size {
    /// Adds the compact JSON of `node` (`depth` deep in the policy) to the size.
    fn node(&mut self, node: &Node<'_>, resolver: &Resolver<'_, '_>, depth: usize) {
        node.walk(&mut |visit, below| {
            let node = match visit {
                Visit::Entry(entry) => {
                    self.bytes += quoted_len(&entry.key) + 1;
                    return Walk::Into;
                }
                Visit::Node(node) => node,
            };
            if depth + below > 64 {
                self.exact = false;
                return Walk::Over;
            }
            if node.intrinsic().is_some() {
                self.intrinsic(node, resolver, depth + below);
                return Walk::Over;
            }
            match &node.value {
                Value::Map(entries) => self.bytes += 2 + entries.len().saturating_sub(1),
                Value::Seq(items) => self.bytes += 2 + items.len().saturating_sub(1),
                Value::Scalar(s) => {
                    let bare = matches!(
                        s.style,
                        Style::JsonNumber | Style::JsonBool | Style::JsonNull
                    ) || s.style == Style::Plain && is_bare_yaml(&s.text);
                    self.bytes += if bare {
                        s.text.len()
                    } else {
                        quoted_len(&s.text)
                    };
                }
                Value::Invalid => self.exact = false,
            }
            Walk::Into
        });
    }

    /// The shortest thing an intrinsic function can produce.
    fn intrinsic(&mut self, node: &Node<'_>, resolver: &Resolver<'_, '_>, depth: usize) {
        if let Some(bytes) = plain_sub_size(node) {
            self.bytes += bytes;
            self.exact = false;
            return;
        }
        let alts = resolver.resolve(node);
        let mut best: Option<(usize, bool)> = None;
        for alt in &alts {
            let (bytes, exact) = match &alt.val {
                Val::Text(text) => {
                    let mut bytes = 2;
                    let mut exact = true;
                    for part in &text.parts {
                        match part {
                            Part::Lit(s) => bytes += quoted_len(s) - 2,
                            Part::Hole(hole) => {
                                exact = false;
                                bytes += match hole {
                                    Hole::AccountId => 12,
                                    Hole::Region => 9,
                                    Hole::Partition => 3,
                                    Hole::UrlSuffix => 13,
                                    _ => 0,
                                };
                            }
                        }
                    }
                    (bytes, exact)
                }
                Val::Node(inner) => {
                    let mut size = Size {
                        bytes: 0,
                        exact: true,
                    };
                    size.node(inner, resolver, depth + 1);
                    (size.bytes, size.exact)
                }
                Val::NoValue | Val::Unknown => (0, false),
            };
            best = Some(match best {
                Some((b, e)) if b <= bytes => (b, e && alts.len() == 1),
                _ => (bytes, exact && alts.len() == 1),
            });
        }
        let (bytes, exact) = best.unwrap_or((0, false));
        self.bytes += bytes;
        self.exact &= exact;
    }
}

/// YAML plain scalars that become JSON numbers or booleans.
fn is_bare_yaml(text: &str) -> bool {
    // Only text that starts like a number (or `inf`/`nan`) can parse as one.
    let numeric_start = text
        .bytes()
        .next()
        .is_some_and(|b| matches!(b, b'0'..=b'9' | b'+' | b'.' | b'i' | b'I' | b'n' | b'N'));
    matches!(text, "true" | "false" | "null")
        || (numeric_start && text.parse::<f64>().is_ok() && !text.contains(['-', '_']))
}

/// The length of `s` as a JSON string with quotes and escapes (Jackson escapes `"`, `\` and
/// control characters; other characters are written as UTF-8).
fn quoted_len(s: &str) -> usize {
    // By bytes: every escaped character is ASCII, and any other character counts as its
    // UTF-8 bytes, one each.
    2 + s
        .bytes()
        .map(|b| match b {
            b'"' | b'\\' | b'\n' | b'\r' | b'\t' | 0x08 | 0x0C => 2,
            0..0x20 => 6,
            _ => 1,
        })
        .sum::<usize>()
}

/// 33120 → "33,120".
fn group(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
