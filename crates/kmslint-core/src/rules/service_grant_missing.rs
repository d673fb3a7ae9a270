//! KMS601 service-grant-missing: a resource of the template hands a key of the template to an
//! AWS service that calls KMS as itself (a service principal, or the Auto Scaling
//! service-linked role), and the key's policy does not let it (`facts::consumers`,
//! `docs/facts/consumers.md`).
//!
//! A policy rule: for the key policy of key K, in each scenario of its conditions, it finds
//! the consumers in [`SERVICE_GRANTS`] whose key property names K, and the topics and queues
//! encrypted with K that an AWS service of the template publishes to ([`publications`]), and
//! asks [`KeyPolicy::access`] for each action the service needs. `NotAllowed` or `Denied` is a
//! missing action; `Possibly` (a condition, a value not known here) is not.
//!
//! Decisions:
//! - A service principal counts in any of its written forms: global (`logs.amazonaws.com`),
//!   with the stack's or a literal Region, with the `.cn` suffix or `${AWS::URLSuffix}`.
//!   CloudWatch Logs documents `logs.<region>.amazonaws.com`; whether the global form works
//!   is not confirmed (docs/facts/consumers.md#cloudwatch-logs), so it is not reported.
//! - The account-root statement never reaches a service principal (the engine already says
//!   so); for the Auto Scaling service-linked role, an IAM role of the account, the engine
//!   says the account principal covers it, yet the role's own policy grants no KMS use, so
//!   grants through the account principal (or a role of the template, which cannot be the
//!   service-linked role) do not count.
//! - A launch template is a consumer only when an Auto Scaling group of the template uses it
//!   (`LaunchTemplate` or `MixedInstancesPolicy…LaunchTemplateSpecification`, by `Ref` or
//!   `Fn::GetAtt`) and names no `ServiceLinkedRoleARN` of its own (another role, not judged).
//! - The consumer's (and publisher's) `Fn::If` branches and `Condition`s must agree with the
//!   policy's scenario; a key chosen by the consumer's `Fn::If` is labelled with that branch.
//!
//! A finding reports a [`Need`] (its words are there): KMS506 compares them between versions.

use std::cell::RefCell;
use std::collections::HashMap;

use crate::diagnostic::Severity;
use crate::facts::consumers::{
    ENCRYPTED_TARGETS, Failure, Grantee, PUBLISH_ACTIONS, PUBLISHERS, SERVICE_GRANTS, ServiceGrant,
};
use crate::facts::resources::{KEY, REPLICA_KEY};
use crate::model::KeyPolicy;
use crate::model::consumers::{KeyTarget, KeyUse, Publication, values_at};
use crate::model::links::{LinkedKey, StackLinks};
use crate::model::policy::Verdict;
use crate::model::principal::{
    Coverage, Deployment, IamKind, IamPrincipal, Principal, Requester, classify,
};
use crate::model::value::{Alt, Hole, Part, Text};
use crate::source::Span;

use super::common::related_key_policy;
use super::need::{Lack, Need, owned_conditions};
use super::{
    Context, FixAvailability, PolicyCheck, PolicyScope, Reporter, Rule, RuleInfo, RuleKind,
};

/// What `kmslint rules` lists of the rule: its summary and documentation are in
/// `rules/KMS601.md`, whose front matter must agree with this.
pub(crate) const RULE: RuleInfo = RuleInfo {
    code: "KMS601",
    name: "service-grant-missing",
    severity: Severity::Error,
    also: &[Severity::Warning],
    fix: FixAvailability::Never,
    default: true,
    kind: RuleKind::File,
};

pub(crate) struct ServiceGrantMissing;

/// Whether condition values can hold together with the policy's scenario.
type Fits<'a> = dyn Fn(&[(&str, bool)]) -> bool + 'a;

const AUTO_SCALING_GROUP: &str = "AWS::AutoScaling::AutoScalingGroup";

impl Rule for ServiceGrantMissing {
    fn reads_consumers(&self) -> bool {
        true
    }

    fn checks_policies(&self) -> bool {
        true
    }

    /// Consumers whose key is a key of another stack of the deployment: the key policy was
    /// asked KMS601's question in the key's own stack (its Region and account) when the
    /// links were made ([`missing_service_grants`]).
    fn check(&self, cx: &Context<'_, '_>, out: &mut Reporter) {
        let Some(links) = cx.links() else {
            return;
        };
        for (index, grant) in SERVICE_GRANTS.iter().enumerate() {
            if !matches!(grant.grantee, Grantee::Service { .. }) {
                continue;
            }
            for key_use in &cx.key_uses(grant.resource_type, grant.property).all {
                let KeyTarget::Linked(linked) = key_use.target else {
                    continue;
                };
                let key = links.key(linked);
                // A key of another Region is KMS605's finding: no key policy could fix it.
                if !links.same_region(key) {
                    continue;
                }
                let Some((_, missing)) = key.missing_grants.iter().find(|(g, _)| *g == index)
                else {
                    continue;
                };
                if !super::key_use::possible(cx, key_use, &[]) {
                    continue;
                }
                let lack = Lack::Grant {
                    grant,
                    alias: None,
                    missing: missing.clone(),
                    group: None,
                };
                let need = linked_need(links, key, key_use, lack);
                let diagnostic = out
                    .report_need(key_use.span, need, false)
                    .with_severity(severity(grant))
                    .with_resource(key_use.consumer);
                related_key_policy(diagnostic, links, key);
            }
        }
        linked_publishers(cx, links, out);
    }

    fn check_policy(&self, cx: &Context<'_, '_>, check: &PolicyCheck<'_, '_>, out: &mut Reporter) {
        let Some((key, KEY | REPLICA_KEY)) = check.source.resource else {
            return;
        };
        let Some(template) = cx.template else {
            return;
        };
        let key_condition = template.resource(key).and_then(|r| r.condition);
        let policy_at = check
            .policy
            .statement_entry
            .map_or(check.source.root.span, |e| e.key_span);
        let deployment = cx.deployment();
        // Answered once per set of conditions in this scenario: the consumers of a key mostly
        // share theirs (none, or the same `Condition`).
        let answers: RefCell<HashMap<Vec<(String, bool)>, bool>> = RefCell::default();
        let fits = |extra: &[(&str, bool)]| {
            let key: Vec<(String, bool)> = extra.iter().map(|&(n, v)| (n.to_owned(), v)).collect();
            if let Some(&known) = answers.borrow().get(&key) {
                return known;
            }
            let mut assignment: Vec<(&str, bool)> = check.scenario.to_vec();
            assignment.extend_from_slice(extra);
            if let Some(c) = key_condition {
                assignment.push((c, true));
            }
            let answer = cx.conditions.satisfiable(&assignment);
            answers.borrow_mut().insert(key, answer);
            answer
        };

        for grant in SERVICE_GRANTS {
            if template
                .resources_of_type(grant.resource_type)
                .next()
                .is_none()
            {
                continue;
            }
            // What the key policy denies the grantee, asked once in this scenario for all the
            // consumers of the key that need it (ten log groups ask the same question).
            let mut asked: Option<Vec<&'static str>> = None;
            for key_use in cx.key_uses(grant.resource_type, grant.property).of_key(key) {
                let mut when = key_use.when.clone();
                when.extend(key_use.consumer_condition.map(|c| (c, true)));
                let group = match grant.grantee {
                    Grantee::AutoScalingRole => {
                        let groups = auto_scaling_groups(cx, key_use.consumer);
                        match groups.into_iter().find(|(_, w)| {
                            let mut all = when.clone();
                            all.extend_from_slice(w);
                            fits(&all)
                        }) {
                            Some((group, _)) => Some(group),
                            None => continue,
                        }
                    }
                    Grantee::Service { .. } => None,
                };
                if !fits(&when) {
                    continue;
                }
                let missing = asked.get_or_insert_with(|| {
                    let requesters = match grant.grantee {
                        Grantee::Service { name, .. } => service_principals(name),
                        Grantee::AutoScalingRole => vec![auto_scaling_role()],
                    };
                    let is_role = grant.grantee == Grantee::AutoScalingRole;
                    missing_actions(
                        check.policy,
                        &requesters,
                        is_role,
                        grant.actions,
                        &deployment,
                    )
                });
                if missing.is_empty() {
                    continue;
                }
                let need = Need {
                    key: key.to_owned(),
                    key_stack: None,
                    needer: key_use.consumer.to_owned(),
                    lack: Lack::Grant {
                        grant,
                        alias: alias(key_use),
                        missing: missing.clone(),
                        group: group.map(str::to_owned),
                    },
                    when: owned_conditions(&key_use.when),
                    scenarios: Vec::new(),
                };
                out.report_need(key_use.span, need, true)
                    .with_severity(severity(grant))
                    .with_resource(key_use.consumer)
                    .with_related(policy_at, format!("the key policy of `{key}`"));
            }
        }

        self.check_publishers(cx, check, key, policy_at, &deployment, &fits, out);
    }

    /// Every statement may grant a service or take its right away.
    fn policy_scope(&self) -> PolicyScope {
        PolicyScope::Policy(|items| (0..items.len()).collect())
    }
}

impl ServiceGrantMissing {
    #[allow(clippy::too_many_arguments)]
    fn check_publishers(
        &self,
        cx: &Context<'_, '_>,
        check: &PolicyCheck<'_, '_>,
        key: &str,
        policy_at: Span,
        deployment: &Deployment<'_>,
        fits: &Fits<'_>,
        out: &mut Reporter,
    ) {
        let all = cx.publications();
        if all.is_empty() {
            return;
        }
        // What the key policy denies each service, asked once in this scenario.
        let mut asked: Vec<(&str, Vec<&'static str>)> = Vec::new();
        for &(target_type, property) in crate::facts::consumers::ENCRYPTED_TARGETS {
            for key_use in cx.key_uses(target_type, property).of_key(key) {
                let mut when = key_use.when.clone();
                when.extend(key_use.consumer_condition.map(|c| (c, true)));
                // The publishers of this target, by service, that can exist with it here.
                let mut services: Vec<(&str, Vec<&Publication<'_>>)> = Vec::new();
                for publication in all.iter().filter(|p| p.target == key_use.consumer) {
                    let mut both = when.clone();
                    both.extend_from_slice(&publication.when);
                    both.extend(publication.publisher_condition.map(|c| (c, true)));
                    if !fits(&both) {
                        continue;
                    }
                    match services.iter_mut().find(|(s, _)| *s == publication.service) {
                        Some((_, list)) => list.push(publication),
                        None => services.push((publication.service, vec![publication])),
                    }
                }
                for (service, publishers) in services {
                    let at = match asked.iter().position(|(s, _)| *s == service) {
                        Some(at) => at,
                        None => {
                            let requesters = service_principals(service);
                            let missing = missing_actions(
                                check.policy,
                                &requesters,
                                false,
                                PUBLISH_ACTIONS,
                                deployment,
                            );
                            asked.push((service, missing));
                            asked.len() - 1
                        }
                    };
                    let missing = &asked[at].1;
                    if missing.is_empty() {
                        continue;
                    }
                    let lack = Lack::Publish {
                        target_type,
                        alias: alias(key_use),
                        senders: senders(&publishers),
                        service,
                        missing: missing.clone(),
                    };
                    let need = Need {
                        key: key.to_owned(),
                        key_stack: None,
                        needer: key_use.consumer.to_owned(),
                        lack,
                        when: owned_conditions(&key_use.when),
                        scenarios: Vec::new(),
                    };
                    let diagnostic = report_publish(out, key_use, need, &publishers, true);
                    diagnostic.with_related(policy_at, format!("the key policy of `{key}`"));
                }
            }
        }
    }
}

/// What a consumer of the template lacks on a key of another stack.
fn linked_need(links: &StackLinks, key: &LinkedKey, key_use: &KeyUse<'_>, lack: Lack) -> Need {
    Need {
        key: key.logical_id.clone(),
        key_stack: Some(links.stack_of(key).to_string()),
        needer: key_use.consumer.to_owned(),
        lack,
        when: owned_conditions(&key_use.when),
        scenarios: Vec::new(),
    }
}

/// Topics and queues of the template encrypted with a key of another stack, that an AWS
/// service of the template sends to: the key's policy must let the service in (asked in the
/// key's stack, [`missing_publish_grants`]).
fn linked_publishers(cx: &Context<'_, '_>, links: &StackLinks, out: &mut Reporter) {
    let all = cx.publications();
    if all.is_empty() {
        return;
    }
    for &(target_type, property) in ENCRYPTED_TARGETS {
        for key_use in &cx.key_uses(target_type, property).all {
            let KeyTarget::Linked(linked) = key_use.target else {
                continue;
            };
            let key = links.key(linked);
            if !links.same_region(key) {
                continue;
            }
            for (service, missing) in &key.missing_publish {
                let publishers: Vec<&Publication<'_>> = all
                    .iter()
                    .filter(|p| p.target == key_use.consumer && p.service == *service)
                    .filter(|p| {
                        let mut also = p.when.clone();
                        also.extend(p.publisher_condition.map(|c| (c, true)));
                        super::key_use::possible(cx, key_use, &also)
                    })
                    .collect();
                if publishers.is_empty() {
                    continue;
                }
                let lack = Lack::Publish {
                    target_type,
                    alias: None,
                    senders: senders(&publishers),
                    service,
                    missing: missing.clone(),
                };
                let need = linked_need(links, key, key_use, lack);
                let diagnostic = report_publish(out, key_use, need, &publishers, false);
                related_key_policy(diagnostic, links, key);
            }
        }
    }
}

/// The publishers as a message names them, each once.
fn senders(publishers: &[&Publication<'_>]) -> Vec<String> {
    let mut senders: Vec<String> = Vec::new();
    for p in publishers {
        let name = p.sender();
        if !senders.contains(&name) {
            senders.push(name);
        }
    }
    senders
}

/// Reports a topic or queue whose key does not let the services that send to it in (a
/// warning: the stack deploys), with each publisher as a related location.
fn report_publish<'o>(
    out: &'o mut Reporter,
    key_use: &KeyUse<'_>,
    need: Need,
    publishers: &[&Publication<'_>],
    shows_statements: bool,
) -> &'o mut crate::diagnostic::Diagnostic {
    let diagnostic = out
        .report_need(key_use.span, need, shows_statements)
        .with_resource(key_use.consumer)
        .with_severity(Severity::Warning);
    for p in publishers {
        diagnostic.with_related(p.span, p.label());
    }
    diagnostic
}

/// A warning when the service fails silently or the grant it needs is not certain; an error
/// otherwise.
fn severity(grant: &ServiceGrant) -> Severity {
    if grant.failure == Failure::Silent || grant.uncertain {
        Severity::Warning
    } else {
        Severity::Error
    }
}

/// KMS601's question about a key that other stacks of the deployment use, asked in the
/// key's own stack when the links are made (`crate::link`): for each service grant (by
/// index in [`SERVICE_GRANTS`]) whose consumer type is `present` in the deployment, the
/// actions `policy` certainly does not let the service call.
pub(crate) fn missing_service_grants(
    policy: &KeyPolicy<'_>,
    deployment: &Deployment<'_>,
    present: &dyn Fn(&str) -> bool,
) -> Vec<(usize, Vec<&'static str>)> {
    // Each service's principals are built once, and each of its actions asked once: the
    // grants of one service share most of their actions.
    let mut principals: HashMap<&str, Vec<Principal>> = HashMap::new();
    let mut allowed: HashMap<(&str, &str), bool> = HashMap::new();
    SERVICE_GRANTS
        .iter()
        .enumerate()
        .filter_map(|(i, grant)| {
            let Grantee::Service { name, .. } = grant.grantee else {
                return None;
            };
            if !present(grant.resource_type) {
                return None;
            }
            let missing: Vec<&'static str> = grant
                .actions
                .iter()
                .copied()
                .filter(|&action| {
                    !*allowed.entry((name, action)).or_insert_with(|| {
                        let who = principals
                            .entry(name)
                            .or_insert_with(|| service_principals(name));
                        missing_actions(policy, who, false, &[action], deployment).is_empty()
                    })
                })
                .collect();
            (!missing.is_empty()).then_some((i, missing))
        })
        .collect()
}

/// KMS601's question about publishing to a topic or queue encrypted with a key that other
/// stacks use, asked in the key's stack when the links are made: for each publishing service
/// (`cloudwatch`, `events`, `s3`, `sns`) with a publisher type `present` in the deployment,
/// the [`PUBLISH_ACTIONS`] `policy` certainly does not let it call.
pub(crate) fn missing_publish_grants(
    policy: &KeyPolicy<'_>,
    deployment: &Deployment<'_>,
    present: &dyn Fn(&str) -> bool,
) -> Vec<(&'static str, Vec<&'static str>)> {
    let mut services: Vec<&'static str> = PUBLISHERS
        .iter()
        .filter(|p| present(p.resource_type))
        .map(|p| p.service)
        .collect();
    services.sort_unstable();
    services.dedup();
    services
        .into_iter()
        .filter_map(|service| {
            let who = service_principals(service);
            let missing = missing_actions(policy, &who, false, PUBLISH_ACTIONS, deployment);
            (!missing.is_empty()).then_some((service, missing))
        })
        .collect()
}

/// The actions none of `requesters` may call. For the Auto Scaling role (`role`), a grant
/// that reaches it only through the account principal or a role of the template does not
/// count.
fn missing_actions(
    policy: &KeyPolicy<'_>,
    requesters: &[Principal],
    role: bool,
    actions: &[&'static str],
    deployment: &Deployment<'_>,
) -> Vec<&'static str> {
    let unknown_effect = policy
        .statements
        .iter()
        .any(|s| s.effect.is_some() && s.effect().is_none());
    actions
        .iter()
        .copied()
        .filter(|action| {
            !requesters.iter().any(|who| {
                let access = policy.access(Requester::Named(who), action, deployment);
                match access.verdict {
                    Verdict::NotAllowed | Verdict::Denied => false,
                    Verdict::Allowed | Verdict::Possibly if !role => true,
                    Verdict::Allowed | Verdict::Possibly => {
                        policy.incomplete
                            || unknown_effect
                            || access
                                .grants
                                .iter()
                                .any(|&i| names_directly(&policy.statements[i], who, deployment))
                    }
                }
            })
        })
        .collect()
}

/// Whether a statement names `who` other than through an account principal or a role of the
/// template.
fn names_directly(
    statement: &crate::model::policy::Statement<'_>,
    who: &Principal,
    deployment: &Deployment<'_>,
) -> bool {
    let Some(principals) = &statement.principal else {
        // `NotPrincipal`: reaches it by leaving it out.
        return true;
    };
    principals.incomplete
        || principals.all().any(|p| {
            !matches!(
                p,
                Principal::Iam(IamPrincipal {
                    kind: IamKind::Account,
                    ..
                }) | Principal::TemplateResource(_)
            ) && p.covers(Requester::Named(who), deployment) != Coverage::No
        })
}

/// The forms a key policy may name service `name` in, each parsed as the policy's own
/// principals are: global and with the stack's Region, with each AWS DNS suffix.
fn service_principals(name: &str) -> Vec<Principal> {
    let mut texts = Vec::new();
    for suffix in ["amazonaws.com", "amazonaws.com.cn"] {
        texts.push(Text::lit(format!("{name}.{suffix}")));
        texts.push(Text {
            parts: vec![
                Part::Lit(format!("{name}.").into()),
                Part::Hole(Hole::Region),
                Part::Lit(format!(".{suffix}").into()),
            ],
        });
    }
    texts.push(Text {
        parts: vec![
            Part::Lit(format!("{name}.").into()),
            Part::Hole(Hole::UrlSuffix),
        ],
    });
    texts
        .into_iter()
        .map(|t| classify("Service", &Alt::detached(t), &|_| None))
        .collect()
}

/// `arn:${AWS::Partition}:iam::${AWS::AccountId}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`.
fn auto_scaling_role() -> Principal {
    let text = Text {
        parts: vec![
            Part::Lit("arn:".into()),
            Part::Hole(Hole::Partition),
            Part::Lit(":iam::".into()),
            Part::Hole(Hole::AccountId),
            Part::Lit(
                ":role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"
                    .into(),
            ),
        ],
    };
    classify("AWS", &Alt::detached(text), &|_| None)
}

/// The Auto Scaling groups of the template that launch from `launch_template`, with the
/// conditions under which they do; a group with its own `ServiceLinkedRoleARN` is left out.
fn auto_scaling_groups<'t>(
    cx: &Context<'_, 't>,
    launch_template: &str,
) -> Vec<(&'t str, Vec<(&'t str, bool)>)> {
    const PATHS: &[&str] = &[
        "LaunchTemplate.LaunchTemplateId",
        "LaunchTemplate.LaunchTemplateName",
        "MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification.LaunchTemplateId",
        "MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification.LaunchTemplateName",
    ];
    let Some(template) = cx.template else {
        return Vec::new();
    };
    let resolver = cx.resolver();
    let mut out = Vec::new();
    for group in template.resources_of_type(AUTO_SCALING_GROUP) {
        let Some(properties) = group.properties else {
            continue;
        };
        if properties.get("ServiceLinkedRoleARN").is_some() {
            continue;
        }
        for path in PATHS {
            for node in values_at(properties, path) {
                for alt in resolver.resolve(node) {
                    if let Some(Hole::Ref(name) | Hole::GetAtt(name, _)) =
                        alt.text_value().and_then(Text::only_hole)
                        && *name == launch_template
                    {
                        let mut when = alt.when.clone();
                        when.extend(group.condition.map(|c| (c, true)));
                        out.push((group.name, when));
                    }
                }
            }
        }
    }
    out
}

/// The alias the consumer names the key by, if it does.
fn alias(key_use: &KeyUse<'_>) -> Option<String> {
    match key_use.target {
        KeyTarget::Key {
            alias: Some(alias), ..
        } => Some(alias.to_owned()),
        _ => None,
    }
}
