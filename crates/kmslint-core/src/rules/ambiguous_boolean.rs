//! KMS005 ambiguous-boolean: a YAML 1.1 boolean word (`yes`, `no`, `on`, `off`, `y`, `n`,
//! in the three spellings YAML 1.1 knows: `yes`, `Yes`, `YES`) written as a plain scalar where
//! a KMS resource expects a boolean or a string.
//!
//! CloudFormation parses YAML 1.1, where these words are booleans; YAML 1.2 tools (and most
//! editors, formatters and converters) read them as strings. On a boolean property
//! (`EnableKeyRotation: yes`) the template means different things to different tools; on a
//! string property (`Description: no`, a tag value `off`) CloudFormation stores `false`.
//!
//! Division of labour with KMS004 (invalid-property): KMS004 reports what is certainly wrong,
//! such as the quoted string `'yes'` for a boolean, which every parser reads as a string that
//! CloudFormation rejects; it stays silent on the plain words, which are this rule's. String
//! properties with an enumeration (KeySpec, KeyUsage, Origin) are left to KMS004 too, since
//! `no` is not one of their values however it is read. So one spelling is never reported by
//! both rules.

use crate::diagnostic::Severity;
use crate::facts::resources::{self, Kind, Property};
use crate::model::Resource;
use crate::model::value::{Alt, Boolish, Resolver, Val};
use crate::source::Node;

use crate::fix::edit::Editor;
use crate::fix::{Applicability, Fix};

use super::common::report_value;
use super::{Context, FixAvailability, Reporter, Rule, RuleInfo, RuleKind};

/// What `kmslint rules` lists of the rule: its summary and documentation are in
/// `rules/KMS005.md`, whose front matter must agree with this.
pub(crate) const RULE: RuleInfo = RuleInfo {
    code: "KMS005",
    name: "ambiguous-boolean",
    severity: Severity::Warning,
    also: &[],
    fix: FixAvailability::Sometimes,
    default: true,
    kind: RuleKind::File,
};

pub(crate) struct AmbiguousBoolean;

impl Rule for AmbiguousBoolean {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Reporter) {
        let editor = cx.editor;
        let Some(template) = cx.template else {
            return;
        };
        let resolver = cx.resolver();
        for resource in &template.resources {
            let Some(schema) = resource.type_name.and_then(resources::properties) else {
                continue;
            };
            let Some(entries) = resource.properties.and_then(Node::as_map) else {
                continue;
            };
            for entry in entries {
                let Some(property) = schema.iter().find(|p| p.name == entry.key) else {
                    continue;
                };
                match property.kind {
                    Kind::Boolean | Kind::String if property.values.is_none() => {
                        for alt in resolver.resolve(&entry.value) {
                            check_alt(
                                editor,
                                resource,
                                &entry.value,
                                &alt,
                                &Target::Property(property),
                                out,
                            );
                        }
                    }
                    Kind::Tags => check_tags(editor, &resolver, resource, &entry.value, out),
                    _ => {}
                }
            }
        }
    }
}

enum Target<'p> {
    Property(&'p Property),
    TagKey,
    TagValue,
}

fn check_tags<'t>(
    editor: &Editor<'_>,
    resolver: &Resolver<'_, 't>,
    resource: &Resource<'_>,
    tags: &'t Node<'t>,
    out: &mut Reporter,
) {
    for list in resolver.resolve(tags) {
        let Val::Node(list) = list.val else {
            continue;
        };
        for item in list.as_seq().unwrap_or_default() {
            for tag in resolver.resolve(item) {
                let Val::Node(tag) = tag.val else {
                    continue;
                };
                for (field, target) in [("Key", Target::TagKey), ("Value", Target::TagValue)] {
                    if let Some(node) = tag.get(field) {
                        for alt in resolver.resolve(node) {
                            check_alt(editor, resource, node, &alt, &target, out);
                        }
                    }
                }
            }
        }
    }
}

fn check_alt(
    editor: &Editor<'_>,
    resource: &Resource<'_>,
    site: &Node<'_>,
    alt: &Alt<'_>,
    target: &Target<'_>,
    out: &mut Reporter,
) {
    let Boolish::Ambiguous(value) = alt.as_bool() else {
        return;
    };
    let word = alt.as_str().unwrap_or_default();
    let boolean = matches!(target, Target::Property(p) if p.kind == Kind::Boolean);
    let fix = fix(editor, site, alt, word, value, boolean);
    let (message, help) = match target {
        Target::Property(property) if property.kind == Kind::Boolean => (
            format!(
                "`{word}` means {value} in YAML 1.1, which CloudFormation follows, but is the string \"{word}\" in YAML 1.2: tools disagree on `{}`",
                property.name
            ),
            format!("write `{value}`"),
        ),
        _ => {
            let what = match target {
                Target::Property(property) => format!("`{}`", property.name),
                Target::TagKey => "this tag key".to_owned(),
                Target::TagValue => "this tag value".to_owned(),
            };
            (
                format!(
                    "plain `{word}` is the boolean {value} in YAML 1.1, which CloudFormation follows: {what} becomes \"{value}\", not \"{word}\""
                ),
                format!("quote it: `'{word}'`"),
            )
        }
    };
    report_value(out, resource, alt, message)
        .with_help(help)
        .with_fix(fix);
}

/// `true`/`false` where a boolean is expected: safe, CloudFormation reads that already and
/// now every tool does. The word quoted where text is: unsafe, the stored value changes from
/// "true"/"false" to the word the author wrote. Only a word written inside the property itself (its own value, or a branch
/// of an `Fn::If` there); a parameter's Default or AllowedValues and a mapping's value may be
/// used elsewhere too, and get none.
fn fix(
    editor: &Editor<'_>,
    site: &Node<'_>,
    alt: &Alt<'_>,
    word: &str,
    value: bool,
    boolean: bool,
) -> Option<Fix> {
    let node = alt
        .node
        .filter(|n| alt.param.is_none() && site.span.contains(n.span))?;
    if boolean {
        let token = if value { "true" } else { "false" };
        Fix::new(
            format!("Replace `{word}` with `{token}`"),
            Applicability::Safe,
            [editor.replace_raw(node, token)],
        )
    } else {
        // CloudFormation stores "false" today: quoting makes it store the word written,
        // which changes the deployed value.
        Fix::new(
            format!("Quote `{word}`"),
            Applicability::Unsafe,
            [editor.replace_scalar(node, word)],
        )
    }
}
