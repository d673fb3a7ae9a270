//! SAM templates (`Transform: AWS::Serverless-2016-10-31`) seen as the CloudFormation they
//! become (docs/sam.md): each `AWS::Serverless::Function` is a Lambda function, the execution
//! role SAM generates for it (`<Function>Role`, unless it names a `Role`), the event source
//! mappings, rules and invoke configuration of its events and destinations; each
//! `AWS::Serverless::SimpleTable` a DynamoDB table; `Globals` merged into them first, as SAM
//! merges them. Every node of the expansion is a copy of the SAM source it comes from, with its
//! place, so the rules run unchanged and report at the SAM source; a node SAM makes up (the
//! role's type, a `Ref` to the function) has the place of what it is made from.
//!
//! What SAM does is read from its translator, aws-sam-translator 1.115 (Apache-2.0,
//! https://github.com/aws/serverless-application-model: `samtranslator/model/sam_resources.py`,
//! `samtranslator/plugins/globals/globals.py`, `samtranslator/model/eventsources/pull.py`,
//! `samtranslator/policy_templates_data/policy_templates.json`) and the AWS SAM specification
//! (https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-specification.html).

mod function;
mod globals;
mod policies;

use std::borrow::Cow;

use crate::source::{Entry, Node, Scalar, Span, Style, Value};

/// SAM's transform.
const SAM: &str = "AWS::Serverless-2016-10-31";

/// Whether `root` is a SAM template: its `Transform` is SAM's or a list that has it.
pub(crate) fn is_sam(root: &Node<'_>) -> bool {
    root.get("Transform").is_some_and(|transform| {
        transform
            .one_or_many()
            .iter()
            .any(|t| t.as_str() == Some(SAM))
    })
}

/// The template `root` as SAM expands it, when it is a SAM template with serverless
/// resources; `None` otherwise (the template is read as it is).
pub(crate) fn expand<'a>(root: &Node<'a>) -> Option<Node<'a>> {
    if !is_sam(root) {
        return None;
    }
    let resources = root.get("Resources")?.as_map()?;
    if !resources
        .iter()
        .any(|r| serverless_type(&r.value).is_some())
    {
        return None;
    }
    let globals = globals::Globals::of(root);
    let mut expanded: Vec<Entry<'a>> = Vec::with_capacity(resources.len());
    for entry in resources {
        match serverless_type(&entry.value) {
            Some("AWS::Serverless::Function") => {
                let merged = globals.merged("Function", &entry.value);
                function::expand(entry, &merged, &mut expanded);
            }
            Some("AWS::Serverless::SimpleTable") => {
                let merged = globals.merged("SimpleTable", &entry.value);
                expanded.push(simple_table(entry, &merged));
            }
            _ => expanded.push(entry.clone()),
        }
    }
    // The rest of the template as it is (`Globals` too: it is where an inherited value is
    // written), with the resources replaced.
    let Value::Map(sections) = &root.value else {
        return None;
    };
    // Keys are unique (the loader keeps the last of a duplicate), so `Resources` is met once.
    let sections = sections
        .iter()
        .map(|section| match section.key.as_ref() {
            "Resources" => Entry {
                key: section.key.clone(),
                key_span: section.key_span,
                value: Node {
                    span: section.value.span,
                    value: Value::Map(std::mem::take(&mut expanded)),
                },
            },
            _ => section.clone(),
        })
        .collect();
    Some(Node {
        span: root.span,
        value: Value::Map(sections),
    })
}

/// SAM's own parts of a template as written: its serverless resources and `Globals`, for what
/// the expansion's findings need of the source.
pub(crate) struct SamSource {
    /// Each serverless resource: its logical ID, where the ID is, and its whole definition.
    resources: Vec<(String, Span, Span)>,
    globals: Option<Span>,
    /// Each resource SAM makes that the source does not name: its logical ID, what it is, and
    /// the place it is made of (an event, a function, its `EventInvokeConfig`).
    made: Vec<(String, &'static str, Span)>,
}

impl SamSource {
    /// `root` as written, and `expanded` as SAM makes it ([`expand`]).
    pub(crate) fn of(root: &Node<'_>, expanded: &Node<'_>) -> SamSource {
        let written = root
            .get("Resources")
            .and_then(Node::as_map)
            .unwrap_or_default();
        let resources = written
            .iter()
            .filter(|r| serverless_type(&r.value).is_some())
            .map(|r| (r.key.to_string(), r.key_span, r.value.span))
            .collect();
        let made = expanded
            .get("Resources")
            .and_then(Node::as_map)
            .unwrap_or_default()
            .iter()
            .filter(|r| !written.iter().any(|w| w.key == r.key))
            .filter_map(|r| {
                let kind = r.value.get("Type")?;
                let what = match kind.as_str()? {
                    "AWS::IAM::Role" => "the execution role",
                    "AWS::Lambda::EventSourceMapping" => "the event source mapping",
                    "AWS::SNS::Subscription" => "the subscription",
                    "AWS::Events::Rule" => "the EventBridge rule",
                    "AWS::Lambda::EventInvokeConfig" => "the invoke configuration",
                    _ => "the resource",
                };
                // A made-up node has the place of what it is made of.
                Some((r.key.to_string(), what, kind.span))
            })
            .collect();
        SamSource {
            resources,
            globals: root.entry("Globals").map(|g| g.value.span),
            made,
        }
    }

    /// For a finding about `resource`, a resource SAM makes that the source does not name:
    /// where it is made of, and what to say there.
    pub(crate) fn made_of(&self, span: Span, resource: &str) -> Option<(Span, String)> {
        let (name, what, at) = self.made.iter().find(|(name, ..)| name == resource)?;
        (*at != span).then(|| (*at, format!("`{name}` is {what} SAM makes of this")))
    }

    /// Whether an edit of `span` is inside what SAM expands. A fix is written into the SAM
    /// source, and one that edits there could be aimed at a node SAM makes up: such fixes are
    /// not offered.
    pub(crate) fn expands(&self, span: Span) -> bool {
        let overlaps = |part: &Span| span.start < part.end && part.start <= span.end;
        self.resources.iter().any(|(_, _, at)| overlaps(at)) || self.globals.iter().any(overlaps)
    }

    /// For a finding at `span` in `Globals` about `resource`, the resource that inherits the
    /// value: where its logical ID is, and what to say there.
    pub(crate) fn inheritor(&self, span: Span, resource: &str) -> Option<(Span, String)> {
        let globals = self.globals?;
        if span.start < globals.start || span.end > globals.end {
            return None;
        }
        let (name, at, _) = self.resources.iter().find(|(name, ..)| name == resource)?;
        Some((*at, format!("`{name}` inherits this value from `Globals`")))
    }
}

/// A resource's type when it is one of SAM's.
fn serverless_type<'n>(resource: &'n Node<'_>) -> Option<&'n str> {
    resource
        .get("Type")
        .and_then(Node::as_str)
        .filter(|t| t.starts_with("AWS::Serverless::"))
}

/// `AWS::Serverless::SimpleTable` is a DynamoDB table with one hash key; its `SSESpecification`
/// is the table's (AWS::Serverless::SimpleTable,
/// https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-simpletable.html).
fn simple_table<'a>(entry: &Entry<'a>, merged: &Node<'a>) -> Entry<'a> {
    let at = entry.key_span;
    let mut properties = Vec::new();
    if let Some(sse) = merged.entry("SSESpecification") {
        properties.push(sse.clone());
    }
    if let Some(name) = merged.entry("TableName") {
        properties.push(name.clone());
    }
    resource(entry, "AWS::DynamoDB::Table", at, properties)
}

/// A resource `entry` becomes in the expansion, of type `type_name`, with `properties`: its
/// `Condition`, `DependsOn` and `Metadata` (where suppressions are) are its SAM resource's.
fn resource<'a>(
    entry: &Entry<'a>,
    type_name: &'static str,
    at: Span,
    properties: Vec<Entry<'a>>,
) -> Entry<'a> {
    derived(entry, entry.key.clone(), type_name, at, properties)
}

/// A resource SAM makes for the SAM resource `from`, named `name`.
fn derived<'a>(
    from: &Entry<'a>,
    name: Cow<'a, str>,
    type_name: &'static str,
    at: Span,
    properties: Vec<Entry<'a>>,
) -> Entry<'a> {
    let mut fields = vec![entry("Type", at, text(type_name, at))];
    for kept in ["Condition", "DependsOn", "Metadata"] {
        if let Some(attribute) = from.value.entry(kept) {
            fields.push(attribute.clone());
        }
    }
    fields.push(entry("Properties", at, map(at, properties)));
    Entry {
        key: name,
        key_span: from.key_span,
        value: map(from.value.span, fields),
    }
}

/// A made-up scalar, at `at`.
fn text<'a>(value: impl Into<Cow<'a, str>>, at: Span) -> Node<'a> {
    Node {
        span: at,
        value: Value::Scalar(Scalar {
            text: value.into(),
            style: Style::Plain,
        }),
    }
}

fn map<'a>(at: Span, entries: Vec<Entry<'a>>) -> Node<'a> {
    Node {
        span: at,
        value: Value::Map(entries),
    }
}

fn seq<'a>(at: Span, items: Vec<Node<'a>>) -> Node<'a> {
    Node {
        span: at,
        value: Value::Seq(items),
    }
}

fn entry<'a>(key: &'static str, at: Span, value: Node<'a>) -> Entry<'a> {
    Entry {
        key: Cow::Borrowed(key),
        key_span: at,
        value,
    }
}

/// `{"Ref": name}`, at `at`.
fn reference<'a>(name: impl Into<Cow<'a, str>>, at: Span) -> Node<'a> {
    map(at, vec![entry("Ref", at, text(name, at))])
}

/// `{"Fn::GetAtt": [name, attribute]}`, at `at`.
fn get_att<'a>(name: impl Into<Cow<'a, str>>, attribute: &'static str, at: Span) -> Node<'a> {
    map(
        at,
        vec![entry(
            "Fn::GetAtt",
            at,
            seq(at, vec![text(name, at), text(attribute, at)]),
        )],
    )
}

#[cfg(test)]
mod tests;
