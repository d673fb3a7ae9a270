//! KMS609 iam-grant-not-delegated: an IAM policy of the template allows `kms:` actions on a key
//! of the template whose key policy gives IAM no say: "To use an IAM policy to allow access
//! to a KMS key, the key policy must explicitly allow it" (KMS Developer Guide,
//! key-policy-default; consumers.md). The key policy must allow the account principal
//! (`arn:…:root` or the account ID: "enable IAM policies") or name the role or user itself.
//!
//! IAM policies read: `AWS::IAM::Policy` and `AWS::IAM::ManagedPolicy` (`PolicyDocument`,
//! for their `Roles` and `Users`, and for roles and users of the template that attach the
//! managed policy through `ManagedPolicyArns: [!Ref Policy]`), and the inline `Policies` of
//! `AWS::IAM::Role` and `AWS::IAM::User`. Groups are not followed (their members are not
//! known here). The key is named by `Resource: !GetAtt Key.Arn` or an ARN built around the
//! key (`…:key/${Key}`); `Resource: "*"` means every key and is not reported, nor is an alias
//! ARN (it does not authorise the key).
//!
//! The question "may this role call the action on the key?" goes through the key policy
//! model (`KeyPolicy::access`) for each action the IAM statement allows (wildcards expanded
//! over KMS's key actions), with the role as `Principal::TemplateResource`: the account
//! principal of the stack covers it, `!GetAtt Role.Arn` names it, and a literal role ARN may
//! be it (a generated name is not known). It is reported only when no action can be
//! allowed; a key policy with conditions or values not known here, or an explicit deny, is
//! left alone. A role named by a literal name is asked about as that role of the stack's
//! account.

use crate::facts::actions::KMS_ACTIONS;
use crate::facts::resources::{KEY, REPLICA_KEY};
use crate::model::arn::{self, ArnShape};
use crate::model::policy::{Verdict, glob_match};
use crate::model::principal::{IamKind, IamPrincipal, Name, Principal, Slot};
use crate::model::template::{Resource, Template};
use crate::model::value::{Hole, Resolver, describe_when};
use crate::source::{Node, Span};

use super::common::join;
use super::{Context, PolicyCheck, PolicyScope, Reporter, Rule};

pub struct IamGrantNotDelegated;

impl Rule for IamGrantNotDelegated {
    fn policy_scope(&self) -> PolicyScope {
        PolicyScope::Policy(|items| (0..items.len()).collect())
    }

    fn check_policy(&self, cx: &Context<'_, '_>, policy: &PolicyCheck<'_, '_>, out: &mut Reporter) {
        let (Some(template), Some((key_name, key_type))) = (cx.template, policy.source.resource) else {
            return;
        };
        if !matches!(key_type, KEY | REPLICA_KEY) || policy.policy.incomplete || policy.policy.partial && policy.policy.statements.is_empty() {
            return;
        }
        let deployment = cx.deployment();
        let resolver = cx.resolver();
        for grant in grants(template, &resolver, key_name) {
            let actions: Vec<String> = KMS_ACTIONS
                .iter()
                .filter(|a| a.on_key)
                .map(|a| format!("kms:{}", a.name))
                .filter(|a| grant.actions.iter().any(|p| glob_match(p, a)))
                .collect();
            if actions.is_empty() {
                continue;
            }
            for who in &grant.principals {
                let none = actions.iter().all(|action| {
                    policy.policy.access(crate::model::principal::Requester::Named(&who.principal), action, &deployment).verdict
                        == Verdict::NotAllowed
                });
                if !none {
                    continue;
                }
                let written: Vec<String> = grant.actions.iter().map(|a| format!("`{a}`")).collect();
                let mut message = format!(
                    "`{}` allows {} {} on key `{key_name}`, but the key policy of `{key_name}` neither lets IAM policies grant access (no statement for the account principal) nor names {}: the permission has no effect",
                    grant.policy,
                    who.describe,
                    join(&written),
                    who.describe
                );
                if let Some(note) = describe_when(&grant.when) {
                    message = format!("{message} ({note})");
                }
                let diagnostic = out.report(grant.span, message);
                diagnostic.with_resource(grant.policy).with_help(format!(
                    "add a statement to the key policy of `{key_name}` that allows the account principal (`arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:root`) or {} these actions",
                    who.describe
                ));
                if let Some(entry) = policy.policy.statement_entry {
                    diagnostic.with_related(entry.key_span, format!("the key policy of `{key_name}`"));
                }
            }
        }
    }
}

/// An `Allow` of `kms:` actions on the key in an IAM policy of the template.
struct Grant<'t> {
    /// The resource that holds the policy.
    policy: &'t str,
    /// The `Resource` value that names the key.
    span: Span,
    /// The action patterns as written (`kms:Decrypt`, `kms:*`, `*`).
    actions: Vec<String>,
    principals: Vec<Grantee>,
    when: Vec<(&'t str, bool)>,
}

struct Grantee {
    principal: Principal,
    describe: String,
}

/// Every IAM grant in the template on the key `key`.
fn grants<'t>(template: &Template<'t>, resolver: &Resolver<'_, 't>, key: &str) -> Vec<Grant<'t>> {
    let mut out = Vec::new();
    for resource in &template.resources {
        let Some(properties) = resource.properties else {
            continue;
        };
        match resource.type_name {
            Some("AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy") => {
                let mut principals = attached_to(template, resolver, properties);
                if resource.type_name == Some("AWS::IAM::ManagedPolicy") {
                    principals.extend(attaching(template, resource.name));
                }
                if let Some(document) = properties.get("PolicyDocument") {
                    read_document(template, resolver, resource, document, key, &principals, &mut out);
                }
            }
            Some(kind @ ("AWS::IAM::Role" | "AWS::IAM::User")) => {
                let principals = vec![of_template(resource.name, kind)];
                for policy in properties.get("Policies").and_then(Node::as_seq).unwrap_or_default() {
                    if let Some(document) = policy.get("PolicyDocument") {
                        read_document(template, resolver, resource, document, key, &principals, &mut out);
                    }
                }
            }
            _ => {}
        }
    }
    out
}

fn of_template(name: &str, kind: &str) -> Grantee {
    let what = if kind == "AWS::IAM::User" { "user" } else { "role" };
    Grantee {
        principal: Principal::TemplateResource(name.to_owned()),
        describe: format!("{what} `{name}`"),
    }
}

/// The roles and users a policy's `Roles` and `Users` name.
fn attached_to<'t>(template: &Template<'t>, resolver: &Resolver<'_, 't>, properties: &'t Node<'t>) -> Vec<Grantee> {
    let mut out = Vec::new();
    for (property, kind) in [("Roles", "AWS::IAM::Role"), ("Users", "AWS::IAM::User")] {
        for item in properties.get(property).and_then(Node::as_seq).unwrap_or_default() {
            for alt in resolver.resolve(item) {
                let Some(text) = alt.text_value() else {
                    continue;
                };
                if let Some(Hole::Ref(name)) = text.only_hole() {
                    if template.resource(name).and_then(|r| r.type_name) == Some(kind) {
                        out.push(of_template(name, kind));
                    }
                } else if let Some(name) = text.literal().filter(|n| !n.is_empty() && !n.contains(':')) {
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

/// Roles and users of the template whose `ManagedPolicyArns` has `!Ref policy`.
fn attaching(template: &Template<'_>, policy: &str) -> Vec<Grantee> {
    let mut out = Vec::new();
    for resource in &template.resources {
        let Some(kind @ ("AWS::IAM::Role" | "AWS::IAM::User")) = resource.type_name else {
            continue;
        };
        let attached = resource
            .property("ManagedPolicyArns")
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .any(|item| item.get("Ref").and_then(Node::as_str) == Some(policy));
        if attached {
            out.push(of_template(resource.name, kind));
        }
    }
    out
}

fn read_document<'t>(
    template: &Template<'t>,
    resolver: &Resolver<'_, 't>,
    resource: &Resource<'t>,
    document: &'t Node<'t>,
    key: &str,
    principals: &[Grantee],
    out: &mut Vec<Grant<'t>>,
) {
    if principals.is_empty() {
        return;
    }
    let statements: Vec<&'t Node<'t>> = match document.get("Statement") {
        Some(s) => match s.as_seq() {
            Some(items) => items.iter().collect(),
            None => vec![s],
        },
        None => return,
    };
    for statement in statements {
        if statement.get("Effect").and_then(Node::as_str) != Some("Allow") || statement.get("NotAction").is_some() {
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
        let items: Vec<&'t Node<'t>> = match statement.get("Resource") {
            Some(r) => match r.as_seq() {
                Some(items) => items.iter().collect(),
                None => vec![r],
            },
            None => continue,
        };
        for item in items {
            for alt in resolver.resolve(item) {
                let Some(text) = alt.text_value() else {
                    continue;
                };
                if names_key(template, text, key) {
                    out.push(Grant {
                        policy: resource.name,
                        span: alt.span,
                        actions: actions.clone(),
                        principals: principals
                            .iter()
                            .map(|g| Grantee {
                                principal: g.principal.clone(),
                                describe: g.describe.clone(),
                            })
                            .collect(),
                        when: alt.when.clone(),
                    });
                }
            }
        }
    }
}

/// The strings of a string-or-list, when every one is a literal.
fn literal_list(node: Option<&Node<'_>>) -> Option<Vec<String>> {
    let node = node?;
    match node.as_seq() {
        Some(items) => items.iter().map(|i| i.as_str().map(str::to_owned)).collect(),
        None => node.as_str().map(|s| vec![s.to_owned()]),
    }
}

/// Whether an IAM `Resource` value is the ARN of the key `key` of the template.
fn names_key(template: &Template<'_>, text: &crate::model::value::Text<'_>, key: &str) -> bool {
    let is_key = |name: &str| name == key && template.resource(name).is_some();
    if let Some(hole) = text.only_hole() {
        return matches!(hole, Hole::GetAtt(name, "Arn") if is_key(name));
    }
    let ArnShape::Arn(parsed) = arn::parse(text) else {
        return false;
    };
    if parsed.service.literal() != Some("kms") || parsed.resource_prefix != "key/" {
        return false;
    }
    let holes: Vec<&Hole<'_>> = text
        .parts
        .iter()
        .filter_map(|p| match p {
            crate::model::value::Part::Hole(h) if !h.is_pseudo() => Some(h),
            _ => None,
        })
        .collect();
    matches!(holes.as_slice(), [Hole::Ref(name) | Hole::GetAtt(name, "KeyId")] if is_key(name))
}
