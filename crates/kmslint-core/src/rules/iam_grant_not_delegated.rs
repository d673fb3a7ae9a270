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
use crate::model::policy::{Verdict, glob_match};
use crate::model::value::describe_when;

use super::common::join;
use super::{Context, PolicyCheck, PolicyScope, Reporter, Rule};

pub struct IamGrantNotDelegated;

impl Rule for IamGrantNotDelegated {
    fn reads_consumers(&self) -> bool {
        true
    }

    fn policy_scope(&self) -> PolicyScope {
        PolicyScope::Policy(|items| (0..items.len()).collect())
    }

    fn check_policy(&self, cx: &Context<'_, '_>, policy: &PolicyCheck<'_, '_>, out: &mut Reporter) {
        let (Some(_), Some((key_name, key_type))) = (cx.template, policy.source.resource) else {
            return;
        };
        if !matches!(key_type, KEY | REPLICA_KEY) || policy.policy.incomplete || policy.policy.partial && policy.policy.statements.is_empty() {
            return;
        }
        let deployment = cx.deployment();
        for grant in cx.consumers.iam_grants.get(key_name).into_iter().flatten() {
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

