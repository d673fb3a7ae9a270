//! KMS214 principal-propagation: the key policy names an IAM role or user that the same
//! template creates. KMS requires every principal to "exist and be visible to KMS"
//! (docs/facts/iam.md#eventual-consistency); a role created seconds earlier may not be visible yet
//! (IAM is eventually consistent), and CreateKey then fails with
//! `MalformedPolicyDocumentException`. CloudFormation orders the creation (the `!GetAtt` is a
//! dependency) but does not wait for propagation.
//!
//! Not reported when the key waits for the role: its `DependsOn` names a wait condition or a
//! custom resource (a delay function, the usual workaround) that itself refers to the role,
//! so the key is created after the role and after the delay.

use crate::diagnostic::Severity;
use crate::model::principal::Principal;

use crate::model::value::sub_variables;
use crate::source::Node;
use crate::source::tree::{Visit, Walk};

use super::{Context, FixAvailability, PolicyCheck, Reporter, Rule, RuleInfo, RuleKind};

/// What `kmslint rules` lists of the rule: its summary and documentation are in
/// `rules/KMS214.md`, whose front matter must agree with this.
pub(crate) const RULE: RuleInfo = RuleInfo {
    code: "KMS214",
    name: "principal-propagation",
    severity: Severity::Warning,
    also: &[],
    fix: FixAvailability::Never,
    default: true,
    kind: RuleKind::File,
};

pub(crate) struct PrincipalPropagation;

impl Rule for PrincipalPropagation {
    fn checks_policies(&self) -> bool {
        true
    }

    fn check_policy(&self, cx: &Context<'_, '_>, check: &PolicyCheck<'_, '_>, out: &mut Reporter) {
        for statement in &check.policy.statements {
            for principals in [&statement.principal, &statement.not_principal]
                .into_iter()
                .flatten()
            {
                for item in &principals.items {
                    for (alt, principal) in &item.principals {
                        let Principal::TemplateResource(name) = principal else {
                            continue;
                        };
                        if waits_for(cx, check.source.resource.map(|(key, _)| key), name) {
                            continue;
                        }
                        let kind = match cx.resource_type(name) {
                            Some("AWS::IAM::User") => "IAM user",
                            _ => "IAM role",
                        };
                        let diagnostic = out.report(
                            alt.span,
                            format!(
                                "{} names the {kind} `{name}` created in this template: KMS may reject the policy while the new {kind} is not yet visible to it",
                                statement.describe()
                            ),
                        );
                        diagnostic.with_help(
                            "grant the account principal in the key policy and give the role access with an IAM policy, or create the role in an earlier stack",
                        );
                        if let Some(resource) = cx.template.and_then(|t| t.resource(name)) {
                            diagnostic.with_related(
                                resource.name_span,
                                format!("`{name}` is created here"),
                            );
                        }
                    }
                }
            }
        }
    }
}

/// Whether the key depends on a wait condition or custom resource that refers to `role`.
fn waits_for(cx: &Context<'_, '_>, key: Option<&str>, role: &str) -> bool {
    let (Some(template), Some(key)) = (cx.template, key) else {
        return false;
    };
    let Some(key) = template.resource(key) else {
        return false;
    };
    key.depends_on()
        .into_iter()
        .filter_map(Node::as_str)
        .any(|name| {
            let Some(delay) = template.resource(name) else {
                return false;
            };
            let delays = delay.type_name.is_some_and(|t| {
                t == "AWS::CloudFormation::WaitCondition"
                    || t == "AWS::CloudFormation::CustomResource"
                    || t.starts_with("Custom::")
            });
            delays && mentions(delay.node, role)
        })
}

/// Whether a node refers to `name`: `Ref`, `Fn::GetAtt` (`name.Arn` or a list), `DependsOn`,
/// or `${name}`/`${name.Arn}` in `Fn::Sub`.
fn mentions(node: &Node<'_>, name: &str) -> bool {
    let names_it = |s: &str| s == name || s.split_once('.').is_some_and(|(r, _)| r == name);
    !node.walk(&mut |visit, _| match visit {
        Visit::Node(n)
            if n.as_str().is_some_and(|text| {
                names_it(text)
                    || sub_variables(text)
                        .into_iter()
                        .any(|(_, var)| names_it(var))
            }) =>
        {
            Walk::Stop
        }
        _ => Walk::Into,
    })
}
