//! What a resource of the template needs on a key of the template and the key's policy does
//! not give ([`Need`]), as one typed answer: KMS601 (a service the resource hands the key to)
//! and KMS609 (an IAM policy the key policy gives no say) find it and report it in the words
//! written here; KMS506 compares the answers found on two versions of a template (never
//! their messages) and quotes them in the same words.

use crate::facts::consumers::{Grantee, ServiceGrant};
use crate::model::value::describe_when;
use crate::source::Span;

use super::common::join;

/// A permission a resource of the template needs on a key of the template, that the key
/// policy does not give (in the scenarios [`Need::scenarios`] names, or all).
///
/// Two needs are the same need when everything their findings say is the same: KMS506
/// compares them between two versions of a template.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Need {
    /// The key, by logical ID.
    pub key: String,
    /// The stack the key is in, when it is another stack of the deployment than the
    /// needer's: "stack keys, eu-west-1".
    pub key_stack: Option<String>,
    /// The resource that needs the permission: the consumer, or the resource that holds the
    /// IAM policy.
    pub needer: String,
    pub lack: Lack,
    /// The `Fn::If` branches of the needer's value that lead to the need.
    pub when: Vec<(String, bool)>,
    /// The conditions that tell the key policy's scenarios that leave the need unmet from
    /// those that meet it, when some do: the scenario engine's label (`rules::scenarios`).
    pub scenarios: Vec<(String, bool)>,
}

/// Who may not do what with the key.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Lack {
    /// KMS601: the needer hands the key to the service (or the Auto Scaling service-linked
    /// role) of `grant`, which may not call `missing`. `group` is the Auto Scaling group that
    /// launches from the needer, a launch template.
    Grant {
        grant: &'static ServiceGrant,
        alias: Option<String>,
        missing: Vec<&'static str>,
        group: Option<String>,
    },
    /// KMS601: the needer is a topic or queue (of `target_type`) encrypted with the key that
    /// `senders` of the template send to, and `service` may not call `missing`.
    Publish {
        target_type: &'static str,
        alias: Option<String>,
        senders: Vec<String>,
        service: &'static str,
        missing: Vec<&'static str>,
    },
    /// KMS609: the needer's IAM policy allows `who` the `actions` (as written) on the key, and
    /// the key policy neither lets IAM policies grant access nor names `who`. `generated`:
    /// the role or user whose name CloudFormation generates, when the key policy names roles
    /// or users (none of which can be it).
    Delegation {
        who: String,
        actions: Vec<String>,
        generated: Option<String>,
    },
}

/// A need as a finding reports it: the need, where the finding is, and whether it shows
/// the key policy's `Statement` (KMS609 has none to show in a key policy without one).
#[derive(Clone, Debug)]
pub(crate) struct Unmet {
    pub need: Need,
    /// Where the finding is: in the needer.
    pub at: Span,
    pub shows_statements: bool,
}

impl Need {
    /// Who may not do what: the first sentence of the finding.
    pub(crate) fn sentence(&self) -> String {
        let Need { needer, .. } = self;
        let key = self.key_named();
        match &self.lack {
            Lack::Grant {
                grant,
                alias,
                missing,
                ..
            } => format!(
                "{} `{needer}` uses key {key}{}, but the key policy does not let {} call {}",
                consumer_noun(grant.resource_type),
                via_alias(alias.as_deref()),
                grantee(grant.grantee),
                missing.join(", "),
            ),
            Lack::Publish {
                target_type,
                alias,
                senders,
                service,
                missing,
            } => format!(
                "{} `{needer}` is encrypted with key {key}{} and {} sends to it, but the key policy does not let `{service}.amazonaws.com` call {}",
                target_noun(target_type),
                via_alias(alias.as_deref()),
                join(senders),
                missing.join(", "),
            ),
            Lack::Delegation { who, actions, .. } => {
                let written: Vec<String> = actions.iter().map(|a| format!("`{a}`")).collect();
                format!(
                    "`{needer}` allows {who} {} on key {key}, but the key policy of {key} neither lets IAM policies grant access (no statement for the account principal) nor names {who}: the permission has no effect",
                    join(&written),
                )
            }
        }
    }

    /// The finding's message: [`Need::sentence`], what follows from it, and the conditions.
    pub(crate) fn message(&self) -> String {
        let mut message = self.sentence();
        match &self.lack {
            Lack::Grant { grant, group, .. } => {
                message.push_str("; ");
                message.push_str(&consequence(grant.resource_type, group.as_deref()));
            }
            Lack::Publish { service, .. } => {
                message.push_str("; ");
                message.push_str(publish_consequence(service));
            }
            Lack::Delegation {
                generated: Some(resource),
                ..
            } => message.push_str(&format!(
                "; its name is generated by CloudFormation (`{{stack}}-{resource}-{{random}}`), which no role or user ARN of the key policy can be"
            )),
            Lack::Delegation {
                generated: None, ..
            } => {}
        }
        message.push_str(&self.conditions());
        message
    }

    /// The conditions of the need, as the finding ends with them: "(when `A` is true)", for
    /// the needer's value and then for the key policy's scenarios.
    pub(crate) fn conditions(&self) -> String {
        let mut out = String::new();
        for conditions in [&self.when, &self.scenarios] {
            let conditions: Vec<(&str, bool)> =
                conditions.iter().map(|(c, v)| (c.as_str(), *v)).collect();
            if let Some(note) = describe_when(&conditions) {
                out.push_str(&format!(" ({note})"));
            }
        }
        out
    }

    /// The key as messages name it: "`Key`", or "`Key` (stack keys, eu-west-1)" for a key of
    /// another stack.
    fn key_named(&self) -> String {
        match &self.key_stack {
            Some(stack) => format!("`{}` ({stack})", self.key),
            None => format!("`{}`", self.key),
        }
    }

    /// What to add to the key policy.
    pub(crate) fn help(&self) -> String {
        let key = self.key_named();
        match &self.lack {
            Lack::Grant { grant, missing, .. } => format!(
                "add a statement to the key policy of {key} that allows {} to call {} ({})",
                grantee(grant.grantee),
                missing.join(", "),
                grant.source
            ),
            Lack::Publish {
                service, missing, ..
            } => format!(
                "add a statement to the key policy of {key} that allows `{service}.amazonaws.com` to call {} (with an `aws:SourceArn` condition naming the sender)",
                missing.join(", ")
            ),
            Lack::Delegation { who, .. } => format!(
                "add a statement to the key policy of {key} that allows the account principal (`arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:root`) or {who} these actions"
            ),
        }
    }
}

/// Conditions as a need keeps them: "`A` is true" as `("A", true)`.
pub(crate) fn owned_conditions(conditions: &[(&str, bool)]) -> Vec<(String, bool)> {
    conditions.iter().map(|&(c, v)| (c.to_owned(), v)).collect()
}

/// Who the key policy must let call the actions, as messages name it.
fn grantee(grantee: Grantee) -> String {
    match grantee {
        // The form AWS documents.
        Grantee::Service {
            name,
            regional: true,
        } => format!("`{name}.${{AWS::Region}}.amazonaws.com`"),
        Grantee::Service {
            name,
            regional: false,
        } => format!("`{name}.amazonaws.com`"),
        Grantee::AutoScalingRole => {
            "the Auto Scaling service-linked role `AWSServiceRoleForAutoScaling`".into()
        }
    }
}

fn via_alias(alias: Option<&str>) -> String {
    alias.map_or_else(String::new, |alias| format!(" (through alias `{alias}`)"))
}

/// What the consumer is called.
fn consumer_noun(resource_type: &str) -> &'static str {
    match resource_type {
        "AWS::Logs::LogGroup" => "log group",
        "AWS::CloudTrail::Trail" => "trail",
        "AWS::CloudTrail::EventDataStore" => "event data store",
        "AWS::Events::EventBus" => "event bus",
        "AWS::SES::ReceiptRule" => "receipt rule",
        "AWS::EC2::LaunchTemplate" => "launch template",
        "AWS::S3Tables::TableBucket" => "table bucket",
        _ => "resource",
    }
}

/// What goes wrong when the consumer's service may not use the key.
fn consequence(resource_type: &str, group: Option<&str>) -> String {
    match resource_type {
        "AWS::Logs::LogGroup" => {
            "CloudWatch Logs rejects the key and the stack fails to create the log group".into()
        }
        "AWS::CloudTrail::Trail" => {
            "CloudTrail rejects the key and the stack fails to create the trail".into()
        }
        "AWS::CloudTrail::EventDataStore" => {
            "CloudTrail rejects the key and the stack fails to create the event data store".into()
        }
        "AWS::Events::EventBus" => {
            "EventBridge rejects the key and the stack fails to create the event bus".into()
        }
        "AWS::SES::ReceiptRule" => {
            "the stack deploys, and the S3 action fails for every mail received".into()
        }
        "AWS::EC2::LaunchTemplate" => format!(
            "the stack deploys, and the instances Auto Scaling group `{}` launches with the encrypted volume fail to start",
            group.unwrap_or_default()
        ),
        "AWS::S3Tables::TableBucket" => {
            "S3 Tables maintenance (compaction, snapshot expiry) cannot use the key".into()
        }
        _ => "the service cannot use the key".into(),
    }
}

fn target_noun(resource_type: &str) -> &'static str {
    match resource_type {
        "AWS::SNS::Topic" => "topic",
        _ => "queue",
    }
}

fn publish_consequence(service: &str) -> &'static str {
    match service {
        "cloudwatch" => {
            "the stack deploys, and the alarm's notifications are dropped when it fires"
        }
        "events" => "the stack deploys, and EventBridge fails to deliver the rule's events",
        "s3" => "S3 cannot deliver the bucket's event notifications",
        _ => "the stack deploys, and SNS fails to deliver the topic's messages to the queue",
    }
}
