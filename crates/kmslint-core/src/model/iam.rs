//! IAM grants of the template on its keys: which IAM policies (`AWS::IAM::Policy`,
//! `AWS::IAM::ManagedPolicy`, the inline `Policies` of roles and users) allow `kms:` actions
//! on which key of the template, and to whom. Read once per file (see `consumers`).

use std::collections::HashMap;

use crate::facts::resources::{KEY, REPLICA_KEY};
use crate::source::{Node, Span};

use super::arn::{self, ArnShape};
use super::principal::{IamKind, IamPrincipal, Name, Principal, Slot};
use super::template::{Resource, Template};
use super::value::{Hole, Resolver, Text};

/// An `Allow` of `kms:` actions on a key in an IAM policy of the template.
pub(crate) struct Grant<'t> {
    /// The resource that holds the policy.
    pub policy: &'t str,
    /// The `Resource` value that names the key.
    pub span: Span,
    /// The action patterns as written (`kms:Decrypt`, `kms:*`, `*`).
    pub actions: Vec<String>,
    pub principals: Vec<Grantee>,
    pub when: Vec<(&'t str, bool)>,
}

#[derive(Clone)]
pub(crate) struct Grantee {
    pub principal: Principal,
    pub describe: String,
}

/// The IAM grants of a template on keys: of the template, by logical ID, and of other
/// stacks of the deployment (reached through a link), by index in `model::links::Links::keys`.
#[derive(Default)]
pub(crate) struct Grants<'t> {
    pub own: HashMap<&'t str, Vec<Grant<'t>>>,
    pub linked: HashMap<usize, Vec<Grant<'t>>>,
}

/// Which key an IAM `Resource` names.
enum GrantedKey<'t> {
    Own(&'t str),
    Linked(usize),
}

/// Every IAM grant in the template on a key of the template or of another stack, by key.
pub(crate) fn grants<'t>(template: &Template<'t>, resolver: &Resolver<'_, 't>) -> Grants<'t> {
    let mut out = Grants::default();
    // Roles and users by the managed policies they attach, read once.
    let mut attaching: HashMap<&str, Vec<Grantee>> = HashMap::new();
    for resource in &template.resources {
        let Some(kind @ ("AWS::IAM::Role" | "AWS::IAM::User")) = resource.type_name else {
            continue;
        };
        for item in resource
            .property("ManagedPolicyArns")
            .and_then(Node::as_seq)
            .unwrap_or_default()
        {
            if let Some(policy) = item.get("Ref").and_then(Node::as_str) {
                attaching
                    .entry(policy)
                    .or_default()
                    .push(of_template(resource.name, kind));
            }
        }
    }
    for resource in &template.resources {
        let Some(properties) = resource.properties else {
            continue;
        };
        match resource.type_name {
            Some("AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy") => {
                let mut principals = attached_to(template, resolver, properties);
                if resource.type_name == Some("AWS::IAM::ManagedPolicy") {
                    principals.extend(attaching.get(resource.name).into_iter().flatten().cloned());
                }
                if let Some(document) = properties.get("PolicyDocument") {
                    read_document(
                        template,
                        resolver,
                        resource,
                        document,
                        &principals,
                        &mut out,
                    );
                }
            }
            Some(kind @ ("AWS::IAM::Role" | "AWS::IAM::User")) => {
                let principals = vec![of_template(resource.name, kind)];
                for policy in properties
                    .get("Policies")
                    .and_then(Node::as_seq)
                    .unwrap_or_default()
                {
                    if let Some(document) = policy.get("PolicyDocument") {
                        read_document(
                            template,
                            resolver,
                            resource,
                            document,
                            &principals,
                            &mut out,
                        );
                    }
                }
            }
            _ => {}
        }
    }
    out
}

fn of_template(name: &str, kind: &str) -> Grantee {
    let what = if kind == "AWS::IAM::User" {
        "user"
    } else {
        "role"
    };
    Grantee {
        principal: Principal::TemplateResource(name.to_owned()),
        describe: format!("{what} `{name}`"),
    }
}

/// The roles and users a policy's `Roles` and `Users` name.
fn attached_to<'t>(
    template: &Template<'t>,
    resolver: &Resolver<'_, 't>,
    properties: &'t Node<'t>,
) -> Vec<Grantee> {
    let mut out = Vec::new();
    for (property, kind) in [("Roles", "AWS::IAM::Role"), ("Users", "AWS::IAM::User")] {
        for item in properties
            .get(property)
            .and_then(Node::as_seq)
            .unwrap_or_default()
        {
            for alt in resolver.resolve(item) {
                let Some(text) = alt.text_value() else {
                    continue;
                };
                if let Some(Hole::Ref(name)) = text.only_hole() {
                    if template.resource(name).and_then(|r| r.type_name) == Some(kind) {
                        out.push(of_template(name, kind));
                    }
                } else if let Some(name) =
                    text.literal().filter(|n| !n.is_empty() && !n.contains(':'))
                {
                    let name = Name::Known(name.to_owned());
                    let (iam_kind, what) = if kind == "AWS::IAM::User" {
                        (IamKind::User(name), "user")
                    } else {
                        (IamKind::Role(name), "role")
                    };
                    out.push(Grantee {
                        principal: Principal::Iam(IamPrincipal {
                            partition: Slot::Stack,
                            account: Slot::Stack,
                            kind: iam_kind,
                        }),
                        describe: format!("{what} `{}`", text.literal().unwrap_or_default()),
                    });
                }
            }
        }
    }
    out
}

fn read_document<'t>(
    template: &Template<'t>,
    resolver: &Resolver<'_, 't>,
    resource: &Resource<'t>,
    document: &'t Node<'t>,
    principals: &[Grantee],
    out: &mut Grants<'t>,
) {
    if principals.is_empty() {
        return;
    }
    let Some(statements) = document.get("Statement") else {
        return;
    };
    for statement in statements.one_or_many() {
        if statement.get("Effect").and_then(Node::as_str) != Some("Allow")
            || statement.get("NotAction").is_some()
        {
            continue;
        }
        let Some(actions) = literal_list(statement.get("Action")) else {
            continue;
        };
        let actions: Vec<String> = actions
            .into_iter()
            .filter(|a| a == "*" || a.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("kms:")))
            .collect();
        if actions.is_empty() {
            continue;
        }
        let Some(resources) = statement.get("Resource") else {
            continue;
        };
        for item in resources.one_or_many() {
            for alt in resolver.resolve(item) {
                let Some(text) = alt.text_value() else {
                    continue;
                };
                let Some(key) = key_named(template, text) else {
                    continue;
                };
                let grant = Grant {
                    policy: resource.name,
                    span: alt.span,
                    actions: actions.clone(),
                    principals: principals.to_vec(),
                    when: alt.when.clone(),
                };
                match key {
                    GrantedKey::Own(name) => out.own.entry(name).or_default().push(grant),
                    GrantedKey::Linked(key) => out.linked.entry(key).or_default().push(grant),
                }
            }
        }
    }
}

/// The strings of a string-or-list, when every one is a literal.
fn literal_list(node: Option<&Node<'_>>) -> Option<Vec<String>> {
    let node = node?;
    match node.as_seq() {
        Some(items) => items
            .iter()
            .map(|i| i.as_str().map(str::to_owned))
            .collect(),
        None => node.as_str().map(|s| vec![s.to_owned()]),
    }
}

/// The key an IAM `Resource` value is the ARN of, if it is one: of the template, or of another
/// stack through a link.
fn key_named<'t>(template: &Template<'t>, text: &Text<'t>) -> Option<GrantedKey<'t>> {
    let is_key = |name: &'t str| {
        matches!(
            template.resource(name).and_then(|r| r.type_name),
            Some(KEY | REPLICA_KEY)
        )
        .then_some(GrantedKey::Own(name))
    };
    if let Some(hole) = text.only_hole() {
        return match hole {
            Hole::GetAtt(name, "Arn") => is_key(name),
            Hole::Linked(key) => Some(GrantedKey::Linked(*key)),
            _ => None,
        };
    }
    let ArnShape::Arn(parsed) = arn::parse(text) else {
        return None;
    };
    if parsed.service.literal() != Some("kms") || parsed.resource_prefix != "key/" {
        return None;
    }
    let holes = text.resource_holes();
    match holes.as_slice() {
        [Hole::Ref(name) | Hole::GetAtt(name, "KeyId")] => is_key(name),
        _ => None,
    }
}
