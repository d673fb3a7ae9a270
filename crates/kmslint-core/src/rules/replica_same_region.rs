//! KMS302 replica-same-region: a ReplicaKey whose primary is in the stack's own Region. A
//! replica must be in a different Region from its primary (ReplicateKey docs). A `Ref` or
//! `Fn::GetAtt` to a key in the same template is in the same Region by construction, as is
//! an ARN built with `${AWS::Region}`; a literal Region is compared with `--region`.

use crate::diagnostic::Severity;
use crate::facts::resources::REPLICA_KEY;
use crate::model::arn::Field;
use crate::model::value::Hole;

use super::common::{PrimaryTarget, primary_targets, related_key, report_value, resources};
use super::{Context, FixAvailability, Reporter, Rule, RuleInfo, RuleKind};

/// What `kmslint rules` lists of the rule: its summary and documentation are in
/// `rules/KMS302.md`, whose front matter must agree with this.
pub(crate) const RULE: RuleInfo = RuleInfo {
    code: "KMS302",
    name: "replica-same-region",
    severity: Severity::Error,
    also: &[],
    fix: FixAvailability::Never,
    default: true,
    kind: RuleKind::File,
};

pub(crate) struct ReplicaSameRegion;

const HELP: &str = "create the replica in a stack deployed to another Region, and pass the primary key's ARN to it as a parameter";

impl Rule for ReplicaSameRegion {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Reporter) {
        for replica in resources(cx, REPLICA_KEY) {
            for (alt, target) in primary_targets(cx, replica) {
                match target {
                    PrimaryTarget::InTemplate { resource, .. }
                        if resource
                            .type_name
                            .is_some_and(|t| t.starts_with("AWS::KMS::")) =>
                    {
                        let name = resource.name;
                        report_value(
                            out,
                            replica,
                            &alt,
                            format!("PrimaryKeyArn refers to `{name}` in this template, which is in the stack's own Region; a replica must be in another Region than its primary"),
                        )
                        .with_related(resource.name_span, format!("`{name}` is created in the same stack"))
                        .with_help(HELP);
                    }
                    PrimaryTarget::Linked(key) => {
                        let Some(links) = cx.links() else {
                            continue;
                        };
                        let key = links.key(key);
                        let stack = links.stack_of(key);
                        let (Some(here), Some(there)) = (&links.label().region, &stack.region)
                        else {
                            continue;
                        };
                        if here != there {
                            continue;
                        }
                        let name = &key.logical_id;
                        let diagnostic = report_value(
                            out,
                            replica,
                            &alt,
                            format!("PrimaryKeyArn refers to `{name}` of stack {}, which is in `{there}`, the Region this stack is deployed to; a replica must be in another Region than its primary", stack.name),
                        )
                        .with_help(HELP);
                        related_key(diagnostic, links, key);
                    }
                    PrimaryTarget::Arn(arn) => {
                        let message = match (&arn.region, cx.settings.region.as_deref()) {
                            (Field::Hole(Hole::Region), _) => {
                                "the primary key's ARN uses `${AWS::Region}`, the stack's own Region; a replica must be in another Region than its primary".to_owned()
                            }
                            (Field::Lit(region), Some(stack)) if region == stack => {
                                format!("the primary key is in `{region}`, the Region this stack is deployed to; a replica must be in another Region than its primary")
                            }
                            _ => continue,
                        };
                        report_value(out, replica, &alt, message).with_help(HELP);
                    }
                    _ => {}
                }
            }
        }
    }
}
