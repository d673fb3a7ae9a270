//! KMS214 principal-propagation: the key policy names an IAM role or user that the same
//! template creates. KMS requires every principal to "exist and be visible to KMS"
//! (kms-facts §7.4); a role created seconds earlier may not be visible yet (IAM is eventually
//! consistent), and CreateKey then fails with `MalformedPolicyDocumentException`. CloudFormation
//! orders the creation (the `!GetAtt` is a dependency) but does not wait for propagation.

use crate::model::principal::Principal;

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
