//! KMS605 consumer-region-mismatch: a key in the wrong Region for its consumer.
//!
//! - A consumer of the allow-list (`facts::key_consumers`) that needs a key in the stack's
//!   Region names a literal key ARN of another Region. The stack's Region is `--region`.
//!   Without it, two such consumers of the stack that can exist together and name literal
//!   key ARNs of different Regions cannot both be right (a stack is in one Region): the later
//!   one is reported, with the earlier as related location. Other literal ARNs (of other
//!   services) are not taken as evidence of the stack's Region: stacks name resources of
//!   other Regions on purpose.
//! - A Route 53 key-signing key whose literal key ARN is not in us-east-1.
//! - With `--region`, an `Allow` to a Regional service principal of another Region
//!   (`logs.eu-west-1.amazonaws.com` in a key deployed to us-east-1): the CloudWatch Logs
//!   principal "must be in the same AWS Region where the key is stored" (docs/facts/consumers.md),
//!   and a key is usable from its own Region.
//!
//! Not reported: consumers that use a key across Regions by design (Secrets Manager
//! `ReplicaRegions[].KmsKeyId`, EFS replication destinations), ARNs built with
//! `${AWS::Region}` or with a Region not known here, keys of the template (in the stack's
//! Region by construction), and a replica key's PrimaryKeyArn (KMS302's business).

use crate::diagnostic::Severity;
use crate::facts::key_consumers::{KeyConsumer, Region};
use crate::facts::regions;
use crate::model::consumers::{KeyTarget, KeyUse};
use crate::model::principal::{Principal, Slot};

use super::common::related_key;
use super::key_use::{describe, possible, uses};
use super::{Context, FixAvailability, PolicyCheck, Reporter, Rule, RuleInfo, RuleKind};

/// What `kmslint rules` lists of the rule: its summary and documentation are in
/// `rules/KMS605.md`, whose front matter must agree with this.
pub(crate) const RULE: RuleInfo = RuleInfo {
    code: "KMS605",
    name: "consumer-region-mismatch",
    severity: Severity::Error,
    also: &[],
    fix: FixAvailability::Never,
    default: true,
    kind: RuleKind::File,
};

pub(crate) struct ConsumerRegionMismatch;

impl Rule for ConsumerRegionMismatch {
    fn reads_consumers(&self) -> bool {
        true
    }

    fn check(&self, cx: &Context<'_, '_>, out: &mut Reporter) {
        linked(cx, out);
        let stack = cx.deployment().region;
        let mut literal: Vec<(&KeyConsumer, KeyUse<'_>, String)> = uses(cx)
            .into_iter()
            .filter_map(|(consumer, key_use)| {
                let KeyTarget::Arn {
                    region: Some(region),
                } = &key_use.target
                else {
                    return None;
                };
                let region = region.clone();
                regions::looks_like_region(&region).then_some((consumer, key_use, region))
            })
            .collect();
        // In the order they are written: the first one is the reference.
        literal.sort_by_key(|(_, key_use, _)| key_use.span.start);
        let mut first: Option<(&KeyUse<'_>, &str)> = None;
        for (consumer, key_use, region) in &literal {
            match consumer.region {
                Region::Fixed(needed) if region != needed => {
                    report(
                        out,
                        key_use,
                        format!(
                            "{} names a key in `{region}`; Route 53 DNSSEC needs its key in `{needed}`",
                            describe(key_use)
                        ),
                        format!("use a key created in `{needed}`"),
                    );
                }
                Region::Stack => match stack {
                    Some(stack) if region != stack => {
                        report(
                            out,
                            key_use,
                            format!(
                                "{} names a key in `{region}`, but this stack is deployed to `{stack}`; {} needs a key in its own Region",
                                describe(key_use),
                                consumer.resource_type
                            ),
                            format!(
                                "use a key in `{stack}` (a multi-Region replica there, or a key of this stack)"
                            ),
                        );
                    }
                    Some(_) => {}
                    None => match first {
                        None => first = Some((key_use, region)),
                        Some((earlier, earlier_region))
                            if earlier_region != region
                                && possible(cx, key_use, &both(earlier)) =>
                        {
                            report(
                                out,
                                key_use,
                                format!(
                                    "{} names a key in `{region}`, but {} names one in `{earlier_region}`; a stack is deployed to one Region and both need a key in theirs, so one of the two is in the wrong Region",
                                    describe(key_use),
                                    describe(earlier)
                                ),
                                "use keys of the stack's Region, or pass the key ARNs as parameters".to_owned(),
                            )
                            .with_related(earlier.span, format!("`{}` names a key in `{earlier_region}` here", earlier.consumer));
                        }
                        Some(_) => {}
                    },
                },
                _ => {}
            }
        }
    }

    fn checks_policies(&self) -> bool {
        true
    }

    fn check_policy(&self, cx: &Context<'_, '_>, policy: &PolicyCheck<'_, '_>, out: &mut Reporter) {
        let Some(stack) = cx.deployment().region else {
            return;
        };
        for statement in &policy.policy.statements {
            if statement.effect() != Some("Allow") {
                continue;
            }
            let Some(principals) = &statement.principal else {
                continue;
            };
            for item in &principals.items {
                for (alt, principal) in &item.principals {
                    let Principal::Service(service) = principal else {
                        continue;
                    };
                    let Some(Slot::Known(region)) = &service.region else {
                        continue;
                    };
                    if region == stack || !regions::looks_like_region(region) {
                        continue;
                    }
                    let name = service.display();
                    out.report(
                        alt.span,
                        format!(
                            "service principal `{name}` is for `{region}`, but this key is created in `{stack}`: the service uses keys of its own Region, so this statement grants nothing it can use"
                        ),
                    )
                    .with_help(format!(
                        "name the principal of the key's Region (`{}`), or `${{AWS::Region}}` in a `Fn::Sub`",
                        name.replace(region.as_str(), stack)
                    ));
                }
            }
        }
    }
}

/// The conditions of a use and its consumer, as `also` for [`possible`].
fn both<'t>(key_use: &KeyUse<'t>) -> Vec<(&'t str, bool)> {
    let mut all = key_use.when.clone();
    all.extend(key_use.consumer_condition.map(|c| (c, true)));
    all
}

fn report<'o>(
    out: &'o mut Reporter,
    key_use: &KeyUse<'_>,
    message: String,
    help: String,
) -> &'o mut crate::diagnostic::Diagnostic {
    let message = match crate::model::value::describe_when(&key_use.when) {
        Some(note) => format!("{message} ({note})"),
        None => message,
    };
    out.report(key_use.span, message)
        .with_resource(key_use.consumer)
        .with_help(help)
}

/// Consumers that need a key of their stack's Region and use a key of another stack of the
/// deployment deployed to another Region (through CDK's cross-Region references, or
/// `Fn::GetStackOutput` with a `Region`).
fn linked(cx: &Context<'_, '_>, out: &mut Reporter) {
    let Some(links) = cx.links() else {
        return;
    };
    let Some(here) = &links.label().region else {
        return;
    };
    for (consumer, key_use) in uses(cx) {
        let KeyTarget::Linked(key) = key_use.target else {
            continue;
        };
        let key = links.key(key);
        let stack = links.stack_of(key);
        let Some(there) = &stack.region else {
            continue;
        };
        let needed = match consumer.region {
            Region::Stack => here,
            Region::Fixed(needed) => needed,
            _ => continue,
        };
        if there == needed {
            continue;
        }
        let name = &key.logical_id;
        let diagnostic = report(
            out,
            &key_use,
            format!(
                "{} names key `{name}` of stack {}, which is deployed to `{there}`, but {} needs a key in `{needed}`",
                describe(&key_use),
                stack.name,
                consumer.resource_type
            ),
            format!(
                "use a key in `{needed}` (a multi-Region replica there, or a key of a stack deployed there)"
            ),
        );
        related_key(diagnostic, links, key);
    }
}
