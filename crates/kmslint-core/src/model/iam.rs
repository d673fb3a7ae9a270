//! IAM grants of the template on its keys: which IAM statements (of `AWS::IAM::Policy`,
//! `AWS::IAM::ManagedPolicy`, the inline `Policies` of roles, users and groups, and the AWS
//! managed policies of [`AWS_MANAGED`] attached by ARN) allow or deny `kms:` actions on which
//! key (one of the template, of another stack, or any key), and to whom: a group's statements
//! are its members'. Read once per file (see `consumers`).

use std::collections::HashMap;

use crate::facts::resources::{KEY, REPLICA_KEY};
use crate::source::{Node, Span};

use super::arn::{self, ArnShape, Field};
use super::policy::{ConditionBlock, glob_match};
use super::principal::{IamKind, IamPrincipal, Name, Principal, Slot};
use super::template::{Resource, Template};
use super::value::{Hole, Resolver, Text};

/// A statement of an IAM policy of the template that bears on `kms:` actions on a key: an
/// `Allow` or a `Deny` of `kms:` actions (or of all actions but some, `NotAction`).
pub(crate) struct Grant<'t> {
    /// The resource that holds the policy, or the name of the AWS managed policy.
    pub policy: &'t str,
    pub kind: PolicyKind,
    /// The statement's `Sid`, or its place in `Statement` (from 0).
    pub sid: Option<&'t str>,
    pub index: usize,
    /// The `Resource` value that names the key (the ARN, for an AWS managed policy).
    pub span: Span,
    /// The action patterns as written (`kms:Decrypt`, `kms:*`, `*`): with `not_action`, the
    /// actions it leaves out.
    pub actions: Vec<String>,
    pub not_action: bool,
    pub deny: bool,
    pub principals: Vec<Grantee>,
    pub when: Vec<(&'t str, bool)>,
    /// The statement's `Condition`, read as a key policy's is.
    pub condition: Option<ConditionBlock<'t>>,
    /// Why it may not cover the key: `NotResource`, or a `Resource` pattern whose Region or
    /// account is not the stack's. `None` when it certainly covers it.
    pub resource_doubt: Option<&'static str>,
}

impl Grant<'_> {
    /// An `Allow` of the actions it lists, the grants KMS609 checks the key policy lets in.
    pub(crate) fn allows_listed(&self) -> bool {
        !self.deny && !self.not_action
    }

    pub(crate) fn covers_action(&self, action: &str) -> bool {
        self.actions.iter().any(|a| glob_match(a, action)) != self.not_action
    }

    /// The statement as answers name it.
    pub(crate) fn describe(&self) -> String {
        let policy = match self.kind {
            PolicyKind::Resource => format!("the IAM policy `{}`", self.policy),
            PolicyKind::Inline => format!("an inline policy of `{}`", self.policy),
            PolicyKind::AwsManaged => {
                return format!("the AWS managed policy `{}`", self.policy);
            }
        };
        match self.sid {
            Some(sid) => format!("statement `{sid}` of {policy}"),
            None => format!("statement {} of {policy}", self.index + 1),
        }
    }
}

/// Where an IAM statement is.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum PolicyKind {
    /// An `AWS::IAM::Policy` or `AWS::IAM::ManagedPolicy`.
    Resource,
    /// The `Policies` of a role, user or group.
    Inline,
    /// An AWS managed policy attached by ARN, read from [`AWS_MANAGED`].
    AwsManaged,
}

#[derive(Clone)]
pub(crate) struct Grantee {
    pub principal: Principal,
    pub describe: String,
}

/// The IAM grants of a template on keys: of the template, by logical ID, and of other
/// stacks of the deployment (reached through a link), by index in `model::links::Links::keys`;
/// and those whose `Resource` may be any key (`*`, `arn:…:key/*`, `NotResource`).
#[derive(Default)]
pub(crate) struct Grants<'t> {
    pub own: HashMap<&'t str, Vec<Grant<'t>>>,
    pub linked: HashMap<usize, Vec<Grant<'t>>>,
    pub any: Vec<Grant<'t>>,
}

impl<'t> Grants<'t> {
    /// The grants that may bear on the template's key `key`.
    pub(crate) fn on(&self, key: &str) -> Vec<&Grant<'t>> {
        self.own
            .get(key)
            .into_iter()
            .flatten()
            .chain(&self.any)
            .collect()
    }
}

/// Which key an IAM `Resource` names.
enum GrantedKey<'t> {
    Own(&'t str),
    Linked(usize),
    /// Any key, or perhaps any key (with the doubt).
    Any(Option<&'static str>),
}

/// AWS managed policies that allow `kms:` actions on every key, by name, with the `kms:`
/// actions they allow (AWS managed policy reference,
/// https://docs.aws.amazon.com/aws-managed-policy/latest/reference/policy-list.html).
/// `AdministratorAccess` allows `*` on `*`
/// (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AdministratorAccess.html);
/// `PowerUserAccess` allows every action but `iam:*`, `organizations:*` and `account:*` on `*`,
/// so every `kms:` action
/// (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/PowerUserAccess.html);
/// `AWSKeyManagementServicePowerUser` allows creating keys and aliases, describing, reading,
/// listing and tagging
/// (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSKeyManagementServicePowerUser.html).
const AWS_MANAGED: &[(&str, &[&str])] = &[
    ("AdministratorAccess", &["*"]),
    ("PowerUserAccess", &["kms:*"]),
    (
        "AWSKeyManagementServicePowerUser",
        &[
            "kms:CreateAlias",
            "kms:CreateKey",
            "kms:DeleteAlias",
            "kms:Describe*",
            "kms:GenerateRandom",
            "kms:Get*",
            "kms:List*",
            "kms:TagResource",
            "kms:UntagResource",
        ],
    ),
];

/// AWS managed policies that allow no `kms:` action, by name (with their path): those Lambda's
/// execution roles are given, SAM's generated ones included (AWS managed policy reference,
/// https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaBasicExecutionRole.html
/// and the pages of the same place for the others: CloudWatch Logs; SQS, Kinesis and DynamoDB
/// stream reading; EC2 network interfaces; X-Ray). The SQS Developer Guide's "add the
/// `kms:Decrypt` permission to your Lambda execution role" for an encrypted queue says the
/// same of the SQS one.
const NO_KMS: &[&str] = &[
    "service-role/AWSLambdaBasicExecutionRole",
    "service-role/AWSLambdaSQSQueueExecutionRole",
    "service-role/AWSLambdaKinesisExecutionRole",
    "service-role/AWSLambdaDynamoDBExecutionRole",
    "service-role/AWSLambdaVPCAccessExecutionRole",
    "AWSXrayWriteOnlyAccess",
];

const ROLE: &str = "AWS::IAM::Role";
const USER: &str = "AWS::IAM::User";
const GROUP: &str = "AWS::IAM::Group";

/// Every IAM grant in the template on a key of the template or of another stack, by key.
pub(crate) fn grants<'t>(template: &Template<'t>, resolver: &Resolver<'_, 't>) -> Grants<'t> {
    let mut out = Grants::default();
    let members = group_members(template, resolver);
    let holders = |resource: &Resource<'t>, kind: &str| -> Vec<Grantee> {
        if kind == GROUP {
            members.get(resource.name).cloned().unwrap_or_default()
        } else {
            vec![of_template(resource.name, kind)]
        }
    };
    // Roles, users and groups by the managed policies they attach, read once.
    let mut attaching: HashMap<&str, Vec<Grantee>> = HashMap::new();
    for resource in &template.resources {
        let Some(kind @ (ROLE | USER | GROUP)) = resource.type_name else {
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
                    .extend(holders(resource, kind));
            } else {
                aws_managed(resolver, item, &holders(resource, kind), &mut out);
            }
        }
    }
    for resource in &template.resources {
        let Some(properties) = resource.properties else {
            continue;
        };
        match resource.type_name {
            Some("AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy") => {
                let mut principals = attached_to(template, resolver, properties, &members);
                if resource.type_name == Some("AWS::IAM::ManagedPolicy") {
                    principals.extend(attaching.get(resource.name).into_iter().flatten().cloned());
                }
                if let Some(document) = properties.get("PolicyDocument") {
                    read_document(
                        template,
                        resolver,
                        resource,
                        document,
                        PolicyKind::Resource,
                        &principals,
                        &mut out,
                    );
                }
            }
            Some(kind @ (ROLE | USER | GROUP)) => {
                let principals = holders(resource, kind);
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
                            PolicyKind::Inline,
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

/// An AWS managed policy of [`AWS_MANAGED`] a `ManagedPolicyArns` item names
/// (`arn:aws:iam::aws:policy/AdministratorAccess`, with `${AWS::Partition}` or not).
fn aws_managed<'t>(
    resolver: &Resolver<'_, 't>,
    item: &'t Node<'t>,
    holders: &[Grantee],
    out: &mut Grants<'t>,
) {
    if holders.is_empty() {
        return;
    }
    for alt in resolver.resolve(item) {
        let Some(text) = alt.text_value() else {
            continue;
        };
        let Some(name) = aws_managed_name(text) else {
            continue;
        };
        let Some((name, actions)) = AWS_MANAGED.iter().find(|(n, _)| *n == name) else {
            continue;
        };
        out.any.push(Grant {
            policy: name,
            kind: PolicyKind::AwsManaged,
            sid: None,
            index: 0,
            span: alt.span,
            actions: actions.iter().map(|a| (*a).to_owned()).collect(),
            not_action: false,
            deny: false,
            principals: holders.to_vec(),
            when: alt.when.clone(),
            condition: None,
            resource_doubt: None,
        });
    }
}

/// Whether `arn` is an AWS managed policy whose `kms:` actions kmslint knows ([`AWS_MANAGED`],
/// [`NO_KMS`]).
pub(crate) fn known_aws_managed(arn: &Text<'_>) -> bool {
    aws_managed_name(arn).is_some_and(|name| {
        NO_KMS.contains(&name.as_str()) || AWS_MANAGED.iter().any(|(known, _)| *known == name)
    })
}

/// The name (with its path) of the AWS managed policy `arn` is the ARN of:
/// `arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole`, any partition.
fn aws_managed_name(arn: &Text<'_>) -> Option<String> {
    let ArnShape::Arn(parsed) = arn::parse(arn) else {
        return None;
    };
    if parsed.service.literal() != Some("iam") || parsed.account.literal() != Some("aws") {
        return None;
    }
    let name = parsed.resource.literal()?.strip_prefix("policy/")?;
    Some(name.to_owned())
}

fn of_template(name: &str, kind: &str) -> Grantee {
    let what = if kind == USER { "user" } else { "role" };
    Grantee {
        principal: Principal::TemplateResource(name.to_owned()),
        describe: format!("{what} `{name}`"),
    }
}

/// The users of the template in each group of the template, by the group's logical ID: from
/// users' `Groups` and from `AWS::IAM::UserToGroupAddition`. A group is not a principal
/// (IAM identifiers,
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html); its policies
/// are its members'.
fn group_members<'t>(
    template: &Template<'t>,
    resolver: &Resolver<'_, 't>,
) -> HashMap<&'t str, Vec<Grantee>> {
    let named =
        |kind, name_property, node| resources_named(template, resolver, kind, name_property, node);
    let mut members: HashMap<&'t str, Vec<Grantee>> = HashMap::new();
    let mut add = |group: &'t str, user: &'t str| {
        let list = members.entry(group).or_default();
        let grantee = Grantee {
            principal: Principal::TemplateResource(user.to_owned()),
            describe: format!("user `{user}` (in group `{group}`)"),
        };
        if !list.iter().any(|g| g.principal == grantee.principal) {
            list.push(grantee);
        }
    };
    for user in template.resources_of_type(USER) {
        for item in user
            .property("Groups")
            .and_then(Node::as_seq)
            .unwrap_or_default()
        {
            for group in named(GROUP, "GroupName", item) {
                add(group, user.name);
            }
        }
    }
    for addition in template.resources_of_type("AWS::IAM::UserToGroupAddition") {
        let Some(group) = addition.property("GroupName") else {
            continue;
        };
        let groups = named(GROUP, "GroupName", group);
        for item in addition
            .property("Users")
            .and_then(Node::as_seq)
            .unwrap_or_default()
        {
            for user in named(USER, "UserName", item) {
                for &group in &groups {
                    add(group, user);
                }
            }
        }
    }
    members
}

/// The resources of type `kind` a value names: by `Ref`, or by the name their `name_property`
/// gives them (`GroupName`, `UserName`).
fn resources_named<'t>(
    template: &Template<'t>,
    resolver: &Resolver<'_, 't>,
    kind: &str,
    name_property: &str,
    node: &'t Node<'t>,
) -> Vec<&'t str> {
    let mut out = Vec::new();
    for alt in resolver.resolve(node) {
        let Some(text) = alt.text_value() else {
            continue;
        };
        if let Some(Hole::Ref(name)) = text.only_hole() {
            if template.resource(name).and_then(|r| r.type_name) == Some(kind) {
                out.push(*name);
            }
        } else if let Some(literal) = text.literal() {
            out.extend(
                template
                    .resources_of_type(kind)
                    .filter(|r| r.property(name_property).and_then(Node::as_str) == Some(literal))
                    .map(|r| r.name),
            );
        }
    }
    out
}

/// The roles and users a policy's `Roles` and `Users` name, and the users of the groups its
/// `Groups` names.
fn attached_to<'t>(
    template: &Template<'t>,
    resolver: &Resolver<'_, 't>,
    properties: &'t Node<'t>,
    members: &HashMap<&'t str, Vec<Grantee>>,
) -> Vec<Grantee> {
    let mut out = Vec::new();
    for item in properties
        .get("Groups")
        .and_then(Node::as_seq)
        .unwrap_or_default()
    {
        for group in resources_named(template, resolver, GROUP, "GroupName", item) {
            out.extend(members.get(group).into_iter().flatten().cloned());
        }
    }
    for (property, kind) in [("Roles", ROLE), ("Users", USER)] {
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
                    let (iam_kind, what) = if kind == USER {
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
    kind: PolicyKind,
    principals: &[Grantee],
    out: &mut Grants<'t>,
) {
    if principals.is_empty() {
        return;
    }
    let Some(statements) = document.get("Statement") else {
        return;
    };
    for (index, statement) in statements.one_or_many().iter().enumerate() {
        let deny = match statement.get("Effect").and_then(Node::as_str) {
            Some("Allow") => false,
            Some("Deny") => true,
            _ => continue,
        };
        let (written, not_action) = match (statement.get("Action"), statement.get("NotAction")) {
            (Some(actions), None) => (actions, false),
            (None, Some(actions)) => (actions, true),
            _ => continue,
        };
        let Some(mut actions) = literal_list(Some(written)) else {
            continue;
        };
        if !not_action {
            actions
                .retain(|a| a == "*" || a.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("kms:")));
            if actions.is_empty() {
                continue;
            }
        }
        let grant = |span, when: &[(&'t str, bool)], resource_doubt| Grant {
            policy: resource.name,
            kind,
            sid: statement.get("Sid").and_then(Node::as_str),
            index,
            span,
            actions: actions.clone(),
            not_action,
            deny,
            principals: principals.to_vec(),
            when: when.to_vec(),
            condition: statement
                .entry("Condition")
                .map(|e| ConditionBlock::read(e, resolver)),
            resource_doubt,
        };
        if let Some(excluded) = statement.entry("NotResource") {
            // All resources but those it lists: this key, unless one of them may name it.
            let doubt = (!names_no_key(resolver, &excluded.value))
                .then_some("its `NotResource` does not name this key");
            out.any.push(grant(excluded.key_span, &[], doubt));
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
                let Some(key) = key_named(template, resolver, text) else {
                    continue;
                };
                match key {
                    GrantedKey::Own(name) => out
                        .own
                        .entry(name)
                        .or_default()
                        .push(grant(alt.span, &alt.when, None)),
                    GrantedKey::Linked(key) => out
                        .linked
                        .entry(key)
                        .or_default()
                        .push(grant(alt.span, &alt.when, None)),
                    GrantedKey::Any(doubt) => out.any.push(grant(alt.span, &alt.when, doubt)),
                }
            }
        }
    }
}

/// Whether a `NotResource` value certainly names no KMS key: each value is the ARN of another
/// service's resource (`arn:aws:s3:::bucket/*`).
fn names_no_key<'t>(resolver: &Resolver<'_, 't>, value: &'t Node<'t>) -> bool {
    value.one_or_many().iter().all(|item| {
        resolver.resolve(item).iter().all(|alt| {
            alt.text_value().is_some_and(|text| match arn::parse(text) {
                ArnShape::Arn(parsed) => parsed
                    .service
                    .literal()
                    .is_some_and(|service| !service.contains('*') && service != "kms"),
                _ => false,
            })
        })
    })
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
fn key_named<'t>(
    template: &Template<'t>,
    resolver: &Resolver<'_, 't>,
    text: &Text<'t>,
) -> Option<GrantedKey<'t>> {
    let is_key = |name: &'t str| {
        matches!(
            template.resource(name).and_then(|r| r.type_name),
            Some(KEY | REPLICA_KEY)
        )
        .then_some(GrantedKey::Own(name))
    };
    if text.literal() == Some("*") {
        return Some(GrantedKey::Any(None));
    }
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
    // A literal ARN's prefix is its whole resource part.
    if parsed.service.literal() != Some("kms") || !parsed.resource_prefix.starts_with("key/") {
        return None;
    }
    if parsed.resource.literal() == Some("key/*") {
        // Every key of a Region and account: certainly this key's when they are `*` or the
        // stack's own.
        let env = resolver.env();
        let stack_or_any = |field: &Field<'_>, own: Hole<'_>, known: Option<&str>| match field {
            Field::Lit(s) => s == "*" || known == Some(s.as_str()),
            Field::Hole(h) => *h == own,
            Field::Mixed => false,
        };
        let certain = stack_or_any(&parsed.region, Hole::Region, env.region)
            && stack_or_any(&parsed.account, Hole::AccountId, env.account);
        return Some(GrantedKey::Any((!certain).then_some(
            "its `Resource` names this key's Region and account (a value not known here decides)",
        )));
    }
    let holes = text.resource_holes();
    match holes.as_slice() {
        [Hole::Ref(name) | Hole::GetAtt(name, "KeyId")] => is_key(name),
        _ => None,
    }
}
