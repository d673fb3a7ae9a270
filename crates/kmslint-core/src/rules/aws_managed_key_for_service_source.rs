//! KMS602 aws-managed-key-for-service-source: a topic or queue encrypted with the AWS managed
//! key of its service (`alias/aws/sns`, `alias/aws/sqs`) that an AWS service of the template
//! sends to, or a secret encrypted with `alias/aws/secretsmanager` (named, or by default)
//! that a resource policy of the template shares with another account. The policies of AWS
//! managed keys cannot be changed, and they allow neither
//! (docs/facts/consumers.md#aws-managed-keys).
//!
//! Publishers are those of [`publications`]: alarm actions, EventBridge rule targets (and
//! their dead-letter queues), S3 notifications, SNS subscriptions of queues, naming a topic
//! or queue of the template by `Ref`/`Fn::GetAtt`. Another account is an account principal
//! or an IAM ARN whose account ID is written out (and is not `--account`); an account not
//! known here, `"*"` and `${AWS::AccountId}` are not reported.

use crate::diagnostic::Severity;
use crate::facts::consumers::ENCRYPTED_TARGETS;
use crate::model::Resource;
use crate::model::consumers::KeyTarget;
use crate::model::policy::glob_match;
use crate::model::principal::{Principal, Slot, classify};
use crate::model::value::{Hole, Text, describe_when};
use crate::source::{Node, Value};

use super::{Context, FixAvailability, Reporter, Rule, RuleInfo, RuleKind};

/// What `kmslint rules` lists of the rule: its summary and documentation are in
/// `rules/KMS602.md`, whose front matter must agree with this.
pub(crate) const RULE: RuleInfo = RuleInfo {
    code: "KMS602",
    name: "aws-managed-key-for-service-source",
    severity: Severity::Warning,
    also: &[],
    fix: FixAvailability::Never,
    default: true,
    kind: RuleKind::File,
};

pub(crate) struct AwsManagedKeyForServiceSource;

const SECRET: &str = "AWS::SecretsManager::Secret";
const RESOURCE_POLICY: &str = "AWS::SecretsManager::ResourcePolicy";

impl Rule for AwsManagedKeyForServiceSource {
    fn reads_consumers(&self) -> bool {
        true
    }

    fn check(&self, cx: &Context<'_, '_>, out: &mut Reporter) {
        let Some(template) = cx.template else {
            return;
        };
        publishing(cx, out);
        for policy in template.resources_of_type(RESOURCE_POLICY) {
            shared_secret(cx, policy, out);
        }
    }
}

fn publishing(cx: &Context<'_, '_>, out: &mut Reporter) {
    let all = cx.publications();
    if all.is_empty() {
        return;
    }
    for (target_type, property) in ENCRYPTED_TARGETS {
        let managed = match *target_type {
            "AWS::SNS::Topic" => "alias/aws/sns",
            _ => "alias/aws/sqs",
        };
        for key_use in &cx.key_uses(target_type, property).all {
            if !matches!(&key_use.target, KeyTarget::AwsManaged(alias) if alias == managed) {
                continue;
            }
            let mut when = key_use.when.clone();
            when.extend(key_use.consumer_condition.map(|c| (c, true)));
            let publishers: Vec<_> = all
                .iter()
                .filter(|p| p.target == key_use.consumer)
                .filter(|p| {
                    let mut both = when.clone();
                    both.extend_from_slice(&p.when);
                    both.extend(p.publisher_condition.map(|c| (c, true)));
                    cx.conditions.satisfiable(&both)
                })
                .collect();
            if publishers.is_empty() {
                continue;
            }
            let mut services: Vec<String> = Vec::new();
            for p in &publishers {
                let service = format!("`{}.amazonaws.com`", p.service);
                if !services.contains(&service) {
                    services.push(service);
                }
            }
            let noun = if *target_type == "AWS::SNS::Topic" {
                "topic"
            } else {
                "queue"
            };
            let mut senders: Vec<String> = Vec::new();
            for p in &publishers {
                let sender = p.sender();
                if !senders.contains(&sender) {
                    senders.push(sender);
                }
            }
            let senders = match senders.as_slice() {
                [one] => format!("{one} sends"),
                [init @ .., last] => format!("{} and {last} send", init.join(", ")),
                [] => String::new(),
            };
            let mut message = format!(
                "{noun} `{}` is encrypted with the AWS managed key `{managed}`, whose policy cannot let {} use it: what {senders} to it is never delivered",
                key_use.consumer,
                services.join(" or "),
            );
            if let Some(note) = describe_when(&key_use.when) {
                message = format!("{message} ({note})");
            }
            let diagnostic = out
                .report(key_use.span, message)
                .with_resource(key_use.consumer)
                .with_help(format!(
                    "encrypt the {noun} with a customer managed key whose policy allows {} to call kms:GenerateDataKey and kms:Decrypt",
                    services.join(" and ")
                ));
            for p in &publishers {
                diagnostic.with_related(p.span, p.label());
            }
        }
    }
}

/// A resource policy of the template that lets another account read a secret of the
/// template encrypted with `aws/secretsmanager`.
fn shared_secret(cx: &Context<'_, '_>, policy: &Resource<'_>, out: &mut Reporter) {
    let Some(template) = cx.template else {
        return;
    };
    let resolver = cx.resolver();
    let Some(secret_id) = policy.property("SecretId") else {
        return;
    };
    let alts = resolver.resolve(secret_id);
    let [alt] = alts.as_slice() else {
        return;
    };
    let Some(Hole::Ref(name)) = alt.text_value().and_then(Text::only_hole) else {
        return;
    };
    let Some(secret) = template
        .resource(name)
        .filter(|r| r.type_name == Some(SECRET))
    else {
        return;
    };
    if !cx
        .conditions
        .can_coexist(secret.condition, policy.condition)
    {
        return;
    }
    let accounts = other_accounts(cx, policy);
    let Some(account) = accounts.first() else {
        return;
    };
    let shared = format!(
        "resource policy `{}` lets account {account} read it, and {}",
        policy.name,
        "another account cannot use the AWS managed key `aws/secretsmanager`: GetSecretValue from that account fails"
    );
    let help = "encrypt the secret with a customer managed key (`KmsKeyId`) whose policy lets the other account call kms:Decrypt";
    match secret.property("KmsKeyId") {
        None => {
            out.report(
                secret.name_span,
                format!(
                    "secret `{}` has no `KmsKeyId`, so it is encrypted with the AWS managed key `aws/secretsmanager`; {shared}",
                    secret.name
                ),
            )
            .with_resource(secret.name)
            .with_related(policy.name_span, "the resource policy")
            .with_help(help);
        }
        Some(_) => {
            for key_use in &cx.key_uses(SECRET, "KmsKeyId").all {
                if key_use.consumer != secret.name
                    || key_use.target != KeyTarget::AwsManaged("alias/aws/secretsmanager".into())
                {
                    continue;
                }
                let mut message = format!(
                    "secret `{}` is encrypted with the AWS managed key `alias/aws/secretsmanager`; {shared}",
                    secret.name
                );
                if let Some(note) = describe_when(&key_use.when) {
                    message = format!("{message} ({note})");
                }
                out.report(key_use.span, message)
                    .with_resource(secret.name)
                    .with_related(policy.name_span, "the resource policy")
                    .with_help(help);
            }
        }
    }
}

/// The accounts, written out and not the stack's, that an `Allow` statement of the policy
/// (as a literal mapping) lets call `secretsmanager:GetSecretValue`.
fn other_accounts(cx: &Context<'_, '_>, policy: &Resource<'_>) -> Vec<String> {
    let mut out = Vec::new();
    let Some(document) = policy.property("ResourcePolicy") else {
        return out;
    };
    let statements: Vec<&Node<'_>> = match document.get("Statement").map(|n| &n.value) {
        Some(Value::Seq(items)) => items.iter().collect(),
        Some(Value::Map(_)) => document.get("Statement").into_iter().collect(),
        _ => return out,
    };
    let resolver = cx.resolver();
    let stack = cx.env.account;
    for statement in statements {
        if statement.get("Effect").and_then(Node::as_str) != Some("Allow")
            || statement.get("Condition").is_some()
        {
            continue;
        }
        let actions: Vec<&str> = match statement.get("Action").map(|n| &n.value) {
            Some(Value::Seq(items)) => items.iter().filter_map(Node::as_str).collect(),
            Some(_) => statement
                .get("Action")
                .and_then(Node::as_str)
                .into_iter()
                .collect(),
            None => continue,
        };
        if !actions
            .iter()
            .any(|a| glob_match(a, "secretsmanager:GetSecretValue"))
        {
            continue;
        }
        let Some(aws) = statement.get("Principal").and_then(|p| p.get("AWS")) else {
            continue;
        };
        let values: Vec<&Node<'_>> = match &aws.value {
            Value::Seq(items) => items.iter().collect(),
            _ => vec![aws],
        };
        for value in values {
            for alt in resolver.resolve(value) {
                if let Principal::Iam(iam) = classify("AWS", &alt, &|n| cx.resource_type(n))
                    && let Slot::Known(account) = &iam.account
                    && stack != Some(account.as_str())
                    && !out.contains(account)
                {
                    out.push(account.clone());
                }
            }
        }
    }
    out
}
