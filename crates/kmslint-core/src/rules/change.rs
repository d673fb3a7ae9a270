//! What the change rules (KMS5xx) share: how a version of a resource says it keeps its key
//! when CloudFormation would delete it.

use crate::model::Resource;
use crate::model::value::{Alt, Resolver};
use crate::source::{Node, Span};

use super::Context;

/// What a `DeletionPolicy` or `UpdateReplacePolicy` attribute says of one resource.
pub(crate) enum Retention<'t> {
    /// Every value it can take keeps the resource.
    Kept,
    /// It can let the resource go: the value that does (none when the attribute is not
    /// written, CloudFormation's default being `Delete`), and the `Fn::If` conditions under
    /// which it does, when only under some.
    Lost {
        at: Option<Alt<'t>>,
        when: Option<String>,
    },
    /// A value this file does not know (a parameter, an unresolved function).
    Unknown,
}

impl<'t> Retention<'t> {
    /// Reads `attribute` of `resource`. `Retain` keeps a resource for both attributes, and
    /// `Snapshot` for `UpdateReplacePolicy` of a resource that has snapshots (`snapshots`);
    /// for `DeletionPolicy`, `RetainExceptOnCreate` keeps a resource that already exists
    /// (it deletes only what a failed stack creation made).
    pub(crate) fn of(
        version: &Context<'_, 't>,
        resource: &Resource<'t>,
        attribute: &str,
        snapshots: bool,
    ) -> Retention<'t> {
        let Some(node) = resource.attribute(attribute) else {
            return Retention::Lost {
                at: None,
                when: None,
            };
        };
        let keeps = |value: &str| {
            value == "Retain"
                || (attribute == "DeletionPolicy" && value == "RetainExceptOnCreate")
                || (snapshots && value == "Snapshot")
        };
        // Branches the conditions rule out (given parameters decide them) do not count.
        let alts: Vec<Alt<'t>> = Resolver::new(version.env)
            .resolve(node)
            .into_iter()
            .filter(|a| version.conditions.satisfiable(&a.when))
            .collect();
        if alts.is_empty()
            || alts.iter().any(|a| {
                a.as_str().is_none() || a.param.as_ref().is_some_and(|p| !p.from_command_line)
            })
        {
            return Retention::Unknown;
        }
        match alts.iter().find(|a| !a.as_str().is_some_and(keeps)) {
            None => Retention::Kept,
            Some(lost) => Retention::Lost {
                at: Some(lost.clone()),
                when: if alts.iter().any(|a| a.as_str().is_some_and(keeps)) {
                    lost.when_note()
                } else {
                    None
                },
            },
        }
    }
}

/// Whether the template has a transform that can add resources it does not show (a macro,
/// `AWS::Include`): a resource missing from it may still be created by that transform.
/// CloudFormation's own transforms that do not bring back the resources written here (SAM,
/// language extensions) do not count.
pub(crate) fn may_add_resources(root: &Node<'_>) -> bool {
    const KNOWN: &[&str] = &[
        "AWS::Serverless-2016-10-31",
        "AWS::LanguageExtensions",
        "AWS::SecretsManager-2020-07-23",
        "AWS::SecretsManager-2024-09-16",
        "AWS::CodeDeployBlueGreen",
    ];
    let declared = match root.get("Transform") {
        None => false,
        Some(node) => match node.as_seq() {
            Some(items) => items
                .iter()
                .any(|i| !i.as_str().is_some_and(|t| KNOWN.contains(&t))),
            None => !node.as_str().is_some_and(|t| KNOWN.contains(&t)),
        },
    };
    declared || crate::model::template::contains_fn_transform(root, 0)
}

/// Where to report about a resource's attribute or property in the new version: the value
/// when written, else the resource's logical ID.
pub(crate) fn at_or_name(span: Option<Span>, resource: &Resource<'_>) -> Span {
    span.unwrap_or(resource.name_span)
}
