//! KMS214 principal-propagation: the key policy names an IAM role or user that the same
//! template creates. KMS requires every principal to "exist and be visible to KMS"
//! (kms-facts §7.4); a role created seconds earlier may not be visible yet (IAM is eventually
//! consistent), and CreateKey then fails with `MalformedPolicyDocumentException`. CloudFormation
//! orders the creation (the `!GetAtt` is a dependency) but does not wait for propagation.
//!
//! Not reported when the key waits for the role: its `DependsOn` names a wait condition or a
//! custom resource (a delay function, the usual workaround) that itself refers to the role,
//! so the key is created after the role and after the delay.

use crate::model::principal::Principal;

use crate::source::{Node, Value};

use super::{Context, PolicyCheck, Reporter, Rule};

pub struct PrincipalPropagation;

impl Rule for PrincipalPropagation {
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
                            diagnostic.with_related(resource.name_span, format!("`{name}` is created here"));
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
    let Some(depends_on) = template.resource(key).and_then(|r| r.node.get("DependsOn")) else {
        return false;
    };
    let names: Vec<&str> = match &depends_on.value {
        Value::Seq(items) => items.iter().filter_map(scalar_text).collect(),
        _ => scalar_text(depends_on).into_iter().collect(),
    };
    names.into_iter().any(|name| {
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

fn scalar_text<'n>(node: &'n Node<'_>) -> Option<&'n str> {
    node.scalar().map(|s| s.text.as_ref())
}

/// Whether a node refers to `name`: `Ref`, `Fn::GetAtt` (`name.Arn` or a list), `DependsOn`,
/// or `${name}`/`${name.Arn}` in `Fn::Sub`.
fn mentions(node: &Node<'_>, name: &str) -> bool {
    match &node.value {
        Value::Scalar(s) => {
            let text = s.text.as_ref();
            text == name
                || text.strip_prefix(name).is_some_and(|rest| rest.starts_with('.'))
                || text.contains(&format!("${{{name}}}"))
                || text.contains(&format!("${{{name}."))
        }
        Value::Seq(items) => items.iter().any(|item| mentions(item, name)),
        Value::Map(entries) => entries.iter().any(|e| mentions(&e.value, name)),
        Value::Invalid => false,
    }
}
