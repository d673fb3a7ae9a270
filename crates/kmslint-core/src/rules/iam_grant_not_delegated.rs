//! KMS609 iam-grant-not-delegated: an IAM policy of the template allows `kms:` actions on a key
//! of the template whose key policy gives IAM no say: "To use an IAM policy to allow access
//! to a KMS key, the key policy must explicitly allow it" (KMS Developer Guide,
//! key-policy-default; docs/facts/iam.md#identity-and-resource-policies). The key policy must allow
//! the account principal (`arn:…:root` or the account ID: "enable IAM policies") or name the role
//! or user itself.
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
//! be it when the role has a `RoleName`. A role created without `RoleName` (a user without
//! `UserName`) gets the name CloudFormation generates, `{stack}-{logicalId}-{random}` cut to
//! 64 characters (AWS::IAM::Role `RoleName`,
//! https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-iam-role.html;
//! AWS::IAM::User `UserName`), so it is asked about as `Requester::Generated`: a literal ARN
//! names it only if its name can have that shape (a random suffix of capitals and digits);
//! one built with `!Sub` around `${AWS::StackName}` or a parameter may. It is reported only
//! when no action can be allowed; a key policy with conditions or values not known here, or
//! an explicit deny, is left alone. A role named by a literal name is asked about as that
//! role of the stack's account.
//!
//! A finding reports a [`Need`] (its words are there): KMS506 compares them between versions.

use std::collections::HashMap;

use crate::diagnostic::Severity;
use crate::facts::actions::KMS_ACTIONS;
use crate::facts::resources::{KEY, REPLICA_KEY};
use crate::model::policy::{Verdict, glob_match};
use crate::model::principal::{Principal, Requester};

use super::common::related_key_policy;
use super::need::{Lack, Need, owned_conditions};
use super::{
    Context, FixAvailability, PolicyCheck, PolicyScope, Reporter, Rule, RuleInfo, RuleKind,
};

/// What `kmslint rules` lists of the rule: its summary and documentation are in
/// `rules/KMS609.md`, whose front matter must agree with this.
pub(crate) const RULE: RuleInfo = RuleInfo {
    code: "KMS609",
    name: "iam-grant-not-delegated",
    severity: Severity::Warning,
    also: &[],
    fix: FixAvailability::Never,
    default: true,
    kind: RuleKind::File,
};

pub(crate) struct IamGrantNotDelegated;

impl Rule for IamGrantNotDelegated {
    fn reads_consumers(&self) -> bool {
        true
    }

    fn policy_scope(&self) -> PolicyScope {
        PolicyScope::Policy(|items| (0..items.len()).collect())
    }

    fn checks_policies(&self) -> bool {
        true
    }

    /// IAM policies on keys of other stacks (docs/deployments.md).
    fn check(&self, cx: &Context<'_, '_>, out: &mut Reporter) {
        linked(cx, out);
    }

    fn check_policy(&self, cx: &Context<'_, '_>, policy: &PolicyCheck<'_, '_>, out: &mut Reporter) {
        let (Some(_), Some((key_name, key_type))) = (cx.template, policy.source.resource) else {
            return;
        };
        if !matches!(key_type, KEY | REPLICA_KEY)
            || policy.policy.incomplete
            || policy.policy.partial && policy.policy.statements.is_empty()
        {
            return;
        }
        let deployment = cx.deployment();
        for grant in cx
            .consumers
            .iam_grants
            .own
            .get(key_name)
            .into_iter()
            .flatten()
            .filter(|g| g.allows_listed())
        {
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
                let requester =
                    generated_name(cx, &who.principal).unwrap_or(Requester::Named(&who.principal));
                let none = actions.iter().all(|action| {
                    policy.policy.access(requester, action, &deployment).verdict
                        == Verdict::NotAllowed
                });
                if !none {
                    continue;
                }
                let generated = match requester {
                    Requester::Generated { resource, .. }
                        if names_roles_or_users(policy.policy) =>
                    {
                        Some(resource.to_owned())
                    }
                    _ => None,
                };
                let need = Need {
                    key: key_name.to_owned(),
                    key_stack: None,
                    needer: grant.policy.to_owned(),
                    lack: Lack::Delegation {
                        who: who.describe.clone(),
                        actions: grant.actions.clone(),
                        generated,
                    },
                    when: owned_conditions(&grant.when),
                    scenarios: Vec::new(),
                };
                let statement_entry = policy.policy.statement_entry;
                let diagnostic = out.report_need(grant.span, need, statement_entry.is_some());
                diagnostic.with_resource(grant.policy);
                if let Some(entry) = statement_entry {
                    diagnostic
                        .with_related(entry.key_span, format!("the key policy of `{key_name}`"));
                }
            }
        }
    }
}

/// A role or user of the template created without a name of its own (`RoleName`,
/// `UserName`): CloudFormation generates its name.
fn generated_name<'p>(cx: &Context<'_, '_>, principal: &'p Principal) -> Option<Requester<'p>> {
    let Principal::TemplateResource(name) = principal else {
        return None;
    };
    let resource = cx.template?.resource(name)?;
    let (property, user) = match resource.type_name? {
        "AWS::IAM::Role" => ("RoleName", false),
        "AWS::IAM::User" => ("UserName", true),
        _ => return None,
    };
    resource
        .property(property)
        .is_none()
        .then_some(Requester::Generated {
            resource: name,
            user,
        })
}

/// Whether a principal of the key policy is a role, user or session ARN.
/// The key actions (`kms:` and their name), by their bit in an action mask: the index in
/// [`KMS_ACTIONS`], which has fewer than 64.
const _: () = assert!(KMS_ACTIONS.len() <= 64);
static ON_KEY_ACTIONS: std::sync::LazyLock<Vec<(u64, String)>> = std::sync::LazyLock::new(|| {
    KMS_ACTIONS
        .iter()
        .enumerate()
        .filter(|(_, a)| a.on_key)
        .map(|(i, a)| (1u64 << i, format!("kms:{}", a.name)))
        .collect()
});

/// The key actions `patterns` (an IAM statement's `Action`) cover, as a mask.
fn actions_mask(patterns: &[String]) -> u64 {
    ON_KEY_ACTIONS
        .iter()
        .filter(|(_, action)| patterns.iter().any(|p| glob_match(p, action)))
        .fold(0, |mask, (bit, _)| mask | bit)
}

/// KMS609's question about a key that other stacks' IAM policies may grant, asked in the
/// key's stack when the links are made (`crate::link`): the key actions the policy certainly
/// lets no IAM policy of the account grant (it allows the account principal none of them,
/// and names no role or user that could be the granted one), as a mask
/// ([`ON_KEY_ACTIONS`]). Nothing when the policy is not known whole, or names roles or users
/// (a role of another stack may be one of them).
pub(crate) fn undelegated_actions(
    policy: &crate::model::policy::KeyPolicy<'_>,
    deployment: &crate::model::principal::Deployment<'_>,
) -> Option<u64> {
    if policy.incomplete || names_roles_or_users(policy) {
        return None;
    }
    Some(
        ON_KEY_ACTIONS
            .iter()
            .filter(|(_, action)| {
                policy
                    .access(Requester::Unnamed, action, deployment)
                    .verdict
                    == Verdict::NotAllowed
            })
            .fold(0, |mask, (bit, _)| mask | bit),
    )
}

/// IAM policies of the template that allow actions on a key of another stack of the
/// deployment in the same account, whose policy (read in its own stack) lets IAM policies
/// grant none of them and names no role or user.
fn linked(cx: &Context<'_, '_>, out: &mut Reporter) {
    let Some(links) = cx.links() else {
        return;
    };
    let here = links.label().account.as_deref();
    // Most statements allow the same few actions: their masks are worked out once.
    let mut masks: HashMap<&[String], u64> = HashMap::new();
    for (&index, grants) in &cx.consumers.iam_grants.linked {
        let key = links.key(index);
        let stack = links.stack_of(key);
        let (Some(here), Some(there)) = (here, stack.account.as_deref()) else {
            continue;
        };
        let Some(closed) = key.iam_undelegated else {
            continue;
        };
        if here != there {
            continue;
        }
        for grant in grants.iter().filter(|g| g.allows_listed()) {
            let actions = *masks
                .entry(grant.actions.as_slice())
                .or_insert_with(|| actions_mask(&grant.actions));
            if actions == 0 || actions & !closed != 0 {
                continue;
            }
            for who in &grant.principals {
                let need = Need {
                    key: key.logical_id.clone(),
                    key_stack: Some(stack.to_string()),
                    needer: grant.policy.to_owned(),
                    lack: Lack::Delegation {
                        who: who.describe.clone(),
                        actions: grant.actions.clone(),
                        generated: None,
                    },
                    when: owned_conditions(&grant.when),
                    scenarios: Vec::new(),
                };
                let diagnostic = out.report_need(grant.span, need, false);
                diagnostic.with_resource(grant.policy);
                related_key_policy(diagnostic, links, key);
            }
        }
    }
}

fn names_roles_or_users(policy: &crate::model::policy::KeyPolicy<'_>) -> bool {
    use crate::model::principal::IamKind;
    policy
        .statements
        .iter()
        .filter_map(|s| s.principal.as_ref())
        .flat_map(|p| p.all())
        .any(|p| matches!(p, Principal::Iam(q) if !matches!(q.kind, IamKind::Account)))
}
