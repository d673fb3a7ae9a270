//! KMS611 service-linked-role-principal: a key policy names a service-linked role
//! (`arn:…:iam::ACCOUNT:role/aws-service-role/SERVICE/NAME`) that the template does not
//! create before the key. A service-linked role exists only once the service has first used
//! it, or an `AWS::IAM::ServiceLinkedRole` has created it; until then KMS rejects the policy
//! for "invalid principals" (docs/facts/iam.md#service-linked-roles). Most accounts have the common
//! ones already, so this is a warning.
//!
//! The template creates the role before the key when it has an `AWS::IAM::ServiceLinkedRole`
//! whose `AWSServiceName` is the role's service and the key depends on it (`DependsOn`, or a
//! `Ref` to it in the key's properties). An `AWS::IAM::ServiceLinkedRole` of that service the
//! key does not depend on is reported too: CloudFormation may create the key first.
//!
//! Not reported: roles of another account (the template cannot create them), roles whose
//! service is not written out, and key policy files (no stack creates anything for them).

use crate::diagnostic::Severity;
use crate::model::principal::Principal;
use crate::model::template::Resource;
use crate::source::tree::{Visit, Walk};
use crate::source::{Entry, Node, Value};

use super::{Context, FixAvailability, PolicyCheck, Reporter, Rule, RuleInfo, RuleKind};

/// What `kmslint rules` lists of the rule: its summary and documentation are in
/// `rules/KMS611.md`, whose front matter must agree with this.
pub(crate) const RULE: RuleInfo = RuleInfo {
    code: "KMS611",
    name: "service-linked-role-principal",
    severity: Severity::Warning,
    also: &[],
    fix: FixAvailability::Never,
    default: true,
    kind: RuleKind::File,
};

pub(crate) struct ServiceLinkedRolePrincipal;

const SLR: &str = "AWS::IAM::ServiceLinkedRole";
const PATH: &str = "role/aws-service-role/";

impl Rule for ServiceLinkedRolePrincipal {
    fn checks_policies(&self) -> bool {
        true
    }

    fn check_policy(&self, cx: &Context<'_, '_>, policy: &PolicyCheck<'_, '_>, out: &mut Reporter) {
        let (Some(template), Some((key_name, _))) = (cx.template, policy.source.resource) else {
            return;
        };
        let Some(key) = template.resource(key_name) else {
            return;
        };
        let deployment = cx.deployment();
        for statement in &policy.policy.statements {
            let principals = statement.principal.iter().chain(&statement.not_principal);
            for item in principals.flat_map(|p| &p.items) {
                if item.kind != "AWS" {
                    continue;
                }
                for (alt, principal) in &item.principals {
                    let Principal::Iam(iam) = principal else {
                        continue;
                    };
                    if !iam.account.could_be_stack(deployment.account) {
                        continue;
                    }
                    let Some(text) = alt.text_value() else {
                        continue;
                    };
                    let display = text.display();
                    let Some(rest) = display.find(PATH).map(|at| &display[at + PATH.len()..])
                    else {
                        continue;
                    };
                    let Some((service, _)) = rest.split_once('/') else {
                        continue;
                    };
                    if service.contains("${") || service.contains('…') || service.is_empty() {
                        continue;
                    }
                    let creators: Vec<&Resource<'_>> = template
                        .resources_of_type(SLR)
                        .filter(|r| {
                            r.property("AWSServiceName")
                                .and_then(Node::as_str)
                                .is_some_and(|s| s.eq_ignore_ascii_case(service))
                        })
                        .collect();
                    if creators.iter().any(|r| depends_on(key, r.name)) {
                        continue;
                    }
                    let diagnostic = match creators.first() {
                        None => out
                            .report(
                                alt.span,
                                format!(
                                    "the key policy names the service-linked role of `{service}`, which this template does not create: until the service has used it in the account, the role does not exist and KMS rejects the policy (invalid principal)"
                                ),
                            )
                            .with_help(format!(
                                "create it in the template (`{SLR}` with `AWSServiceName: {service}`) and make `{key_name}` depend on it, or make sure it exists in every account the stack is deployed to"
                            )),
                        Some(creator) => out
                            .report(
                                alt.span,
                                format!(
                                    "the key policy names the service-linked role of `{service}`, which `{}` creates, but `{key_name}` does not depend on it: CloudFormation may create the key first, and KMS rejects a policy naming a role that does not exist yet",
                                    creator.name
                                ),
                            )
                            .with_related(creator.name_span, format!("`{}` creates the role", creator.name))
                            .with_help(format!("add `DependsOn: {}` to `{key_name}`", creator.name)),
                    };
                    diagnostic.with_resource(key_name);
                }
            }
        }
    }
}

/// Whether `key` depends on the resource `name`: `DependsOn`, or a `Ref`, `Fn::GetAtt` or
/// `${name}` in its properties.
fn depends_on(key: &Resource<'_>, name: &str) -> bool {
    key.depends_on().iter().any(|n| n.as_str() == Some(name))
        || key.properties.is_some_and(|p| refers_to(p, name))
}

fn refers_to(node: &Node<'_>, name: &str) -> bool {
    !node.walk(&mut |visit, depth| match visit {
        Visit::Node(_) if depth > 64 => Walk::Over,
        Visit::Entry(e) if refers_directly(e, name) => Walk::Stop,
        _ => Walk::Into,
    })
}

/// Whether an entry is `Ref: name`, `Fn::GetAtt` of `name`, or `Fn::Sub` with `${name}` or
/// `${name.…}`.
fn refers_directly(e: &Entry<'_>, name: &str) -> bool {
    match e.key.as_ref() {
        "Ref" => e.value.as_str() == Some(name),
        "Fn::GetAtt" => match &e.value.value {
            Value::Seq(items) => items.first().and_then(Node::as_str) == Some(name),
            _ => e
                .value
                .as_str()
                .is_some_and(|s| s.split('.').next() == Some(name)),
        },
        "Fn::Sub" => {
            let text = match &e.value.value {
                Value::Seq(items) => items.first().and_then(Node::as_str),
                _ => e.value.as_str(),
            };
            text.is_some_and(|t| {
                t.contains(&format!("${{{name}}}")) || t.contains(&format!("${{{name}."))
            })
        }
        _ => false,
    }
}
