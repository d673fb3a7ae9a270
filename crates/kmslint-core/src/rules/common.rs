//! Helpers several rules share.

use crate::diagnostic::Diagnostic;
use crate::model::links::{LinkedKey, Offer, Place, Reader, StackLinks};
use crate::model::value::Alt;
use crate::model::{DocumentKind, PolicyForm, PolicySource, Resource};
use crate::source::{Entry, Format, Node, Value};

use super::{Context, Reporter};

pub(crate) use crate::lookup::did_you_mean;

/// A value as a message quotes it: abbreviated (start…end) when longer than a line.
pub(crate) fn short(value: &str) -> std::borrow::Cow<'_, str> {
    crate::model::value::abbreviate(value)
}

/// "a", "a and b", "a, b and c".
pub(crate) fn join<S: AsRef<str>>(parts: &[S]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.as_ref().to_owned(),
        [init @ .., last] => {
            let init: Vec<&str> = init.iter().map(AsRef::as_ref).collect();
            format!("{} and {}", init.join(", "), last.as_ref())
        }
    }
}

/// A `Statement` item as written, in each of its `Fn::If` branches: `visit` gets the entries
/// of every mapping it can be (a branch that is not a mapping, such as `!Ref AWS::NoValue`
/// or a string, is not visited; a one-key intrinsic function other than `Fn::If` is).
/// Stops, and returns true, as soon as `visit` does. (Not `Node::walk`: it follows only
/// `Fn::If` branches, not a whole tree.)
pub(crate) fn any_statement_branch<'a>(
    item: &'a Node<'_>,
    visit: &mut impl FnMut(&'a [Entry<'a>]) -> bool,
) -> bool {
    let Value::Map(entries) = &item.value else {
        return false;
    };
    match entries.as_slice() {
        [e] if e.key == "Fn::If" => e.value.as_seq().is_some_and(|b| {
            b.iter()
                .skip(1)
                .any(|branch| any_statement_branch(branch, visit))
        }),
        _ => visit(entries),
    }
}

/// How the snippets in a finding's message and help are written, so that they can be pasted
/// into the file: `EnableKeyRotation: true` and `!Sub` in a YAML template, `"EnableKeyRotation":
/// true` and `{"Fn::Sub": …}` in a JSON template, plain policy JSON (no CloudFormation
/// functions, literal ARNs such as `arn:aws:iam::111122223333:root`) in a key policy file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Syntax {
    YamlTemplate,
    JsonTemplate,
    /// Plain policy JSON: a key policy file, or a key policy written as a JSON string in a
    /// template, where CloudFormation functions cannot be used.
    PolicyJson,
}

impl Syntax {
    /// The snippet for this syntax.
    pub(crate) fn pick<T>(self, yaml: T, json: T, policy: T) -> T {
        match self {
            Syntax::YamlTemplate => yaml,
            Syntax::JsonTemplate => json,
            Syntax::PolicyJson => policy,
        }
    }

    /// `yaml` in a YAML template, `json` otherwise: for snippets without CloudFormation
    /// functions, which read the same in a JSON template and in plain policy JSON.
    pub(crate) fn snippet<T>(self, yaml: T, json: T) -> T {
        match self {
            Syntax::YamlTemplate => yaml,
            Syntax::JsonTemplate | Syntax::PolicyJson => json,
        }
    }
}

impl Context<'_, '_> {
    /// The syntax of the file. A key policy file gets plain policy JSON whatever its format.
    pub(crate) fn syntax(&self) -> Syntax {
        match (self.kind, self.format) {
            (Some(DocumentKind::KeyPolicy), _) => Syntax::PolicyJson,
            (_, Format::Json) => Syntax::JsonTemplate,
            (_, Format::Yaml) => Syntax::YamlTemplate,
        }
    }

    /// The syntax for snippets inside one key policy: the file's, except that a policy written
    /// as a JSON string (even inside `Fn::Sub`) takes plain policy JSON.
    pub(crate) fn policy_syntax(&self, source: &PolicySource<'_>) -> Syntax {
        match source.form {
            PolicyForm::Object => self.syntax(),
            PolicyForm::JsonString | PolicyForm::SubString | PolicyForm::File => Syntax::PolicyJson,
        }
    }

    /// `yaml` in a YAML template, `json` in a JSON template and in a key policy file: for
    /// snippets without CloudFormation functions (`Version`, `Resource: "*"`, properties).
    pub(crate) fn snippet<T>(&self, yaml: T, json: T) -> T {
        self.syntax().snippet(yaml, json)
    }

    /// Whether the file is a key policy file rather than a template (no stack, no
    /// CloudFormation functions).
    pub(crate) fn is_policy_file(&self) -> bool {
        self.kind == Some(DocumentKind::KeyPolicy)
    }
}

/// Reports a finding about one value a property can take. The finding points at the value as
/// written: the literal, or the parameter's `Default`/`AllowedValues` entry (with the place the
/// parameter is used as a related location). A value from an `Fn::If` branch names the
/// condition; a value given on the command line says so.
pub(crate) fn report_value<'o>(
    out: &'o mut Reporter,
    resource: &Resource<'_>,
    alt: &Alt<'_>,
    message: impl Into<String>,
) -> &'o mut Diagnostic {
    let mut message = message.into();
    if let Some(note) = alt.when_note() {
        message = format!("{message} ({note})");
    }
    if let Some(param) = alt.param.as_ref().filter(|p| p.from_command_line) {
        message = format!(
            "{message} (parameter `{}` as given on the command line)",
            param.name
        );
    }
    let diagnostic = out.report(alt.span, message);
    diagnostic.with_resource(resource.name);
    if let Some(param) = alt.param.as_ref().filter(|p| !p.from_command_line) {
        diagnostic.with_related(
            param.site,
            format!("parameter `{}` is used here", param.name),
        );
    }
    diagnostic
}

impl<'a> Context<'a, '_> {
    /// What the stack's template reaches of the other stacks of its deployment, when it is
    /// a stack's.
    pub(crate) fn links(&self) -> Option<&'a StackLinks> {
        self.env.links
    }
}

/// What other stacks of the deployment read of what a version of this template offers (its
/// exports and SSM parameters; outputs read by name are not known): known in change review.
pub(crate) fn readers_of<'l>(links: &'l StackLinks, offer: &Offer) -> Vec<&'l Reader> {
    match offer {
        Offer::Export(name) => links.export_readers(name),
        Offer::Ssm { region, name } => links.ssm_readers(region.as_deref(), name),
        Offer::Output(_) => Vec::new(),
    }
}

/// Readers named in a message; more are counted.
const READERS_NAMED: usize = 3;

/// The stacks `readers` are in, for a message: "app, billing and 2 more".
pub(crate) fn reading_stacks(links: &StackLinks, readers: &[&Reader]) -> String {
    let mut stacks: Vec<usize> = readers.iter().map(|r| r.stack).collect();
    stacks.sort_unstable();
    stacks.dedup();
    let names: Vec<&str> = stacks
        .iter()
        .take(READERS_NAMED)
        .map(|&s| links.links.stacks[s].name.as_str())
        .collect();
    let mut who = names.join(", ");
    if stacks.len() > READERS_NAMED {
        who.push_str(&format!(" and {} more", stacks.len() - READERS_NAMED));
    }
    who
}

/// Adds the first of `readers` to a finding: "read here (stack app, eu-west-1)".
pub(crate) fn related_readers(
    diagnostic: &mut Diagnostic,
    links: &StackLinks,
    readers: &[&Reader],
) {
    for Reader { stack, at } in readers.iter().take(READERS_NAMED) {
        related_linked(
            diagnostic,
            at,
            format!("read here ({})", links.links.stacks[*stack]),
        );
    }
}

/// Adds a place in another file of the deployment to a finding.
pub(crate) fn related_linked(diagnostic: &mut Diagnostic, place: &Place, message: String) {
    diagnostic.with_related_located(&place.path, place.span, place.start, place.end, message);
}

/// Adds where a key of another stack is created to a finding: "`Key` is created here (stack
/// keys, eu-west-1)".
pub(crate) fn related_key(diagnostic: &mut Diagnostic, links: &StackLinks, key: &LinkedKey) {
    let message = format!(
        "`{}` is created here ({})",
        key.logical_id,
        links.stack_of(key)
    );
    related_linked(diagnostic, &key.at, message);
}

/// Adds the policy of a key of another stack (the key, when it has none) to a finding: "the
/// key policy of `Key` (stack keys, eu-west-1)".
pub(crate) fn related_key_policy(diagnostic: &mut Diagnostic, links: &StackLinks, key: &LinkedKey) {
    let message = format!(
        "the key policy of `{}` ({})",
        key.logical_id,
        links.stack_of(key)
    );
    related_linked(diagnostic, key.policy.as_ref().unwrap_or(&key.at), message);
}

/// The resources of the given type.
pub(crate) fn resources<'a, 't>(
    cx: &'a Context<'a, 't>,
    type_name: &'static str,
) -> impl Iterator<Item = &'a Resource<'t>> + 'a {
    cx.template
        .into_iter()
        .flat_map(move |t| t.resources_of_type(type_name))
}

/// What a ReplicaKey's `PrimaryKeyArn` value refers to.
pub(crate) enum PrimaryTarget<'a, 't> {
    /// A resource of this template, through `Ref` (`attribute` None) or `Fn::GetAtt`.
    InTemplate {
        resource: &'a Resource<'t>,
        attribute: Option<&'t str>,
    },
    /// An ARN (possibly with holes).
    Arn(crate::model::arn::Arn<'t>),
    /// A key of another stack of the deployment (by index in `model::links::Links::keys`).
    Linked(usize),
    /// Certainly not an ARN (a key ID, an alias name).
    NotArn(String),
    Unknown,
}

/// Every value of a ReplicaKey's `PrimaryKeyArn`, with what it refers to.
pub(crate) fn primary_targets<'a, 't>(
    cx: &'a Context<'a, 't>,
    replica: &Resource<'t>,
) -> Vec<(Alt<'t>, PrimaryTarget<'a, 't>)> {
    use crate::model::arn::{self, ArnShape};
    use crate::model::value::Hole;
    let Some(node) = replica.property("PrimaryKeyArn") else {
        return Vec::new();
    };
    cx.resolver()
        .resolve(node)
        .into_iter()
        .map(|alt| {
            let target = match alt.text_value() {
                None => PrimaryTarget::Unknown,
                Some(text) => match text.only_hole() {
                    Some(&Hole::Linked(key)) => PrimaryTarget::Linked(key),
                    Some(&Hole::Ref(name)) | Some(&Hole::GetAtt(name, _)) => {
                        let attribute = match text.only_hole() {
                            Some(&Hole::GetAtt(_, a)) => Some(a),
                            _ => None,
                        };
                        match cx.template.and_then(|t| t.resource(name)) {
                            Some(resource) => PrimaryTarget::InTemplate {
                                resource,
                                attribute,
                            },
                            None => PrimaryTarget::Unknown,
                        }
                    }
                    _ => match arn::parse(text) {
                        ArnShape::Arn(arn) => PrimaryTarget::Arn(arn),
                        ArnShape::NotArn => PrimaryTarget::NotArn(text.display()),
                        ArnShape::Unknown => PrimaryTarget::Unknown,
                    },
                },
            };
            (alt, target)
        })
        .collect()
}

/// The scalar an alternative is written as, when it is written right at `site` (the
/// property's or attribute's own value): not a parameter's Default or AllowedValues entry, not
/// a mapping's value and not an `Fn::If` branch. A fix may rewrite that node and nothing else.
pub(crate) fn written_at<'t>(alt: &Alt<'t>, site: &Node<'_>) -> Option<&'t Node<'t>> {
    let node = alt.node?;
    (alt.param.is_none()
        && alt.when.is_empty()
        && node.span == site.span
        && node.scalar().is_some())
    .then_some(node)
}

/// The scalar a value is written as inside the key policy `source`, when a fix may rewrite it:
/// a literal of the policy itself (one in an `Fn::If` branch too: it is seen whole, and is
/// the same in every scenario), written as the value it is. Not a parameter's `Default` or
/// `AllowedValues` entry, a mapping's value, a command-line value, or text that `Fn::Sub`
/// or `Fn::Join` made: rewriting those would change other uses of them, or could not be done
/// in one place.
pub(crate) fn policy_literal<'t>(alt: &Alt<'t>, source: &PolicySource<'t>) -> Option<&'t Node<'t>> {
    let node = alt.node?;
    let written = node.as_str()?;
    (alt.param.is_none()
        && node.span == alt.span
        && source.root.span.contains(node.span)
        && alt.as_str() == Some(written))
    .then_some(node)
}
