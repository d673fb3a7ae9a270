//! SAM's `Globals`: properties every resource of a type gets unless it says otherwise
//! (Globals section of the AWS SAM template,
//! https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-specification-template-anatomy-globals.html;
//! the merge is `GlobalProperties` of aws-sam-translator's `plugins/globals/globals.py`).
//! A value merged in keeps its place in `Globals`, so a finding about it is reported there.

use crate::source::{Entry, Node, Value};

/// The properties `Globals` may give, by section. Only those that bear on keys are merged
/// here: the rest change nothing kmslint reads.
const MERGED: &[(&str, &[&str])] = &[
    (
        "Function",
        &[
            "DeadLetterQueue",
            "Environment",
            "EventInvokeConfig",
            "KmsKeyArn",
            "SourceKMSKeyArn",
            "CodeUri",
            "Tags",
        ],
    ),
    ("SimpleTable", &["SSESpecification"]),
];

pub(super) struct Globals<'n, 'a> {
    sections: &'n [Entry<'a>],
}

impl<'n, 'a> Globals<'n, 'a> {
    pub(super) fn of(root: &'n Node<'a>) -> Globals<'n, 'a> {
        Globals {
            sections: root
                .get("Globals")
                .and_then(Node::as_map)
                .unwrap_or_default(),
        }
    }

    /// The `Properties` of `resource` with its section's globals merged in.
    pub(super) fn merged(&self, section: &str, resource: &Node<'a>) -> Node<'a> {
        let local = resource.get("Properties");
        let mut merged: Node<'a> = match local {
            Some(properties) if properties.as_map().is_some() => properties.clone(),
            _ => Node {
                span: resource.span,
                value: Value::Map(Vec::new()),
            },
        };
        let names = MERGED
            .iter()
            .find(|(name, _)| *name == section)
            .map_or(&[][..], |(_, names)| names);
        let global = self
            .sections
            .iter()
            .find(|s| s.key == section)
            .and_then(|s| s.value.as_map())
            .unwrap_or_default();
        let Value::Map(entries) = &mut merged.value else {
            return merged;
        };
        for given in global.iter().filter(|g| names.contains(&g.key.as_ref())) {
            match entries.iter_mut().find(|e| e.key == given.key) {
                Some(local) => local.value = merge(&given.value, &local.value),
                None => entries.push(given.clone()),
            }
        }
        merged
    }
}

/// SAM's merge of a global value with a resource's: two mappings merge key by key, two lists
/// are the global items then the resource's, and anything else (an intrinsic function too,
/// which resolves to a single value) is the resource's.
fn merge<'a>(global: &Node<'a>, local: &Node<'a>) -> Node<'a> {
    let mapping = |n: &Node<'_>| n.as_map().is_some() && n.intrinsic().is_none();
    match (&global.value, &local.value) {
        (Value::Map(globals), Value::Map(locals)) if mapping(global) && mapping(local) => {
            let mut entries = globals.clone();
            for entry in locals {
                match entries.iter_mut().find(|e| e.key == entry.key) {
                    Some(both) => both.value = merge(&both.value, &entry.value),
                    None => entries.push(entry.clone()),
                }
            }
            Node {
                span: local.span,
                value: Value::Map(entries),
            }
        }
        (Value::Seq(globals), Value::Seq(locals)) => Node {
            span: local.span,
            value: Value::Seq(globals.iter().chain(locals).cloned().collect()),
        },
        _ => local.clone(),
    }
}
