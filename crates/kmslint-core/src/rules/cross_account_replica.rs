//! KMS305 cross-account-replica: a ReplicaKey whose PrimaryKeyArn names another account than
//! the one the stack is deployed to. ReplicateKey cannot create a replica in another account
//! (docs/facts/kms.md#multi-region-keys), so the replica fails to create.
//!
//! The stack's account is known from `--account`, or else from the template itself, but only
//! from literal ARNs that AWS requires to be in the stack's account: the key ARN an
//! unconditional `AWS::KMS::Alias` targets (an alias and its key are always in the same
//! account and Region; CreateAlias). Accounts named in key policies do not count: a policy
//! routinely grants other accounts. When such ARNs disagree, the account is not known. An ARN
//! built with `${AWS::AccountId}` is in the stack's account by construction.

use crate::diagnostic::Severity;
use crate::facts::resources::{ALIAS, REPLICA_KEY};
use crate::model::arn::{self, ArnShape, Field, is_account_id};
use crate::source::Span;

use super::common::{PrimaryTarget, primary_targets, related_key, report_value, resources};
use super::{Context, FixAvailability, Reporter, Rule, RuleInfo, RuleKind};

/// What `kmslint rules` lists of the rule: its summary and documentation are in
/// `rules/KMS305.md`, whose front matter must agree with this.
pub(crate) const RULE: RuleInfo = RuleInfo {
    code: "KMS305",
    name: "cross-account-replica",
    severity: Severity::Error,
    also: &[],
    fix: FixAvailability::Never,
    default: true,
    kind: RuleKind::File,
};

pub(crate) struct CrossAccountReplica;

/// The account the stack is deployed to, and how we know.
struct StackAccount {
    id: String,
    /// How we know, for the message.
    source: String,
    /// The alias target that shows it, when it was not given on the command line.
    evidence: Option<(Span, String)>,
}

impl Rule for CrossAccountReplica {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Reporter) {
        if resources(cx, REPLICA_KEY).next().is_none() {
            return;
        }
        let Some(stack) = stack_account(cx) else {
            return;
        };
        for replica in resources(cx, REPLICA_KEY) {
            for (alt, target) in primary_targets(cx, replica) {
                let arn = match target {
                    PrimaryTarget::Arn(arn) => arn,
                    PrimaryTarget::Linked(key) => {
                        linked(cx, out, replica, &alt, key, &stack);
                        continue;
                    }
                    _ => continue,
                };
                // A malformed account is KMS304's finding; `${AWS::AccountId}` is the stack's.
                let Field::Lit(account) = &arn.account else {
                    continue;
                };
                if !is_account_id(account) || *account == stack.id {
                    continue;
                }
                let diagnostic = report_value(
                    out,
                    replica,
                    &alt,
                    format!(
                        "the primary key is in account `{account}`, but the stack is deployed to account `{}` ({}); a key can only be replicated within its own account",
                        stack.id, stack.source
                    ),
                );
                diagnostic.with_help(format!(
                    "deploy the replica from a stack in account `{account}`, or replicate a multi-Region key of account `{}`",
                    stack.id
                ));
                if let Some((span, message)) = &stack.evidence {
                    diagnostic.with_related(*span, message.clone());
                }
            }
        }
    }
}

fn stack_account(cx: &Context<'_, '_>) -> Option<StackAccount> {
    if let Some(id) = cx.env.account {
        return Some(StackAccount {
            id: id.to_owned(),
            source: match cx.links() {
                Some(links) if links.label().account.is_some() => {
                    format!("the account of {}", links.label())
                }
                _ => "`--account`".to_owned(),
            },
            evidence: None,
        });
    }
    let resolver = cx.resolver();
    let mut found: Vec<(String, Span, &str)> = Vec::new();
    for alias in resources(cx, ALIAS) {
        if alias.condition.is_some() {
            continue;
        }
        let Some(target) = alias.property("TargetKeyId") else {
            continue;
        };
        for alt in resolver.resolve(target) {
            // Only what the template itself says, whatever the parameters and conditions.
            if alt.param.is_some() || !alt.when.is_empty() {
                continue;
            }
            let Some(text) = alt.text_value() else {
                continue;
            };
            let ArnShape::Arn(arn) = arn::parse(text) else {
                continue;
            };
            let is_key =
                arn.service.literal() == Some("kms") && arn.resource_prefix.starts_with("key/");
            if let (true, Field::Lit(account)) = (is_key, &arn.account)
                && is_account_id(account)
            {
                found.push((account.clone(), alt.span, alias.name));
            }
        }
    }
    let (first, span, alias) = found.first()?;
    if found.iter().any(|(account, _, _)| account != first) {
        return None;
    }
    Some(StackAccount {
        id: first.clone(),
        source: format!("see alias `{alias}`"),
        evidence: Some((
            *span,
            format!(
                "alias `{alias}` targets a key in account `{first}`; an alias is always in its key's account, so the stack is deployed there"
            ),
        )),
    })
}

/// A primary in another stack of the deployment, deployed to another account.
fn linked(
    cx: &Context<'_, '_>,
    out: &mut Reporter,
    replica: &crate::model::Resource<'_>,
    alt: &crate::model::value::Alt<'_>,
    key: usize,
    stack: &StackAccount,
) {
    let Some(links) = cx.links() else {
        return;
    };
    let key = links.key(key);
    let other = links.stack_of(key);
    let Some(account) = other.account.as_deref() else {
        return;
    };
    if account == stack.id {
        return;
    }
    let name = &key.logical_id;
    let diagnostic = report_value(
        out,
        replica,
        alt,
        format!(
            "PrimaryKeyArn refers to `{name}` of stack {}, in account `{account}`, but this stack is deployed to account `{}`; a key can only be replicated within its own account",
            other.name, stack.id
        ),
    )
    .with_help(format!(
        "deploy the replica from a stack in account `{account}`, or replicate a multi-Region key of account `{}`",
        stack.id
    ));
    related_key(diagnostic, links, key);
}
