//! KMS613 role-lacks-key-access: a Lambda function's execution role reads an encrypted queue
//! or stream through an event source mapping, or sends to an encrypted queue or topic (its
//! dead-letter queue, an asynchronous invocation's destination), and neither the role's IAM
//! policies nor the key policy let it use the key (rules/KMS613.md): the messages are not read
//! or not delivered. Only roles whose every policy the template holds are judged: a role of the
//! template with a generated name (SAM's execution roles always), whose managed policies are
//! the template's or AWS managed policies whose content is known.

use std::collections::HashMap;

use crate::diagnostic::Severity;
use crate::model::Resource;
use crate::model::access::{RequestContext, Verdict, ask_over};
use crate::model::consumers::KeyTarget;
use crate::model::iam;
use crate::model::principal::Principal;
use crate::model::value::{Hole, Resolver};
use crate::source::Node;

use super::key_access::KeyAccess;
use super::{Context, FixAvailability, Reporter, Rule, RuleInfo, RuleKind};

/// What `kmslint rules` lists of the rule: its summary and documentation are in
/// `rules/KMS613.md`, whose front matter must agree with this.
pub(crate) const RULE: RuleInfo = RuleInfo {
    code: "KMS613",
    name: "role-lacks-key-access",
    severity: Severity::Warning,
    also: &[],
    fix: FixAvailability::Never,
    default: true,
    kind: RuleKind::File,
};

pub(crate) struct RoleLacksKeyAccess;

/// What reading an encrypted queue or stream needs of its key (SQS Developer Guide, Key
/// management; Kinesis Data Streams Developer Guide, Permissions to use user-generated KMS
/// keys; Lambda Developer Guide, Using Lambda with Amazon SQS: execution role permissions).
const READ: &[&str] = &["kms:Decrypt"];
/// What sending to an encrypted queue or topic needs (SQS and SNS Developer Guides, Key
/// management).
const SEND: &[&str] = &["kms:GenerateDataKey", "kms:Decrypt"];

/// An encrypted queue, topic or stream of the template, and its key of the template.
struct Encrypted<'t> {
    key: &'t str,
    noun: &'static str,
}

impl Rule for RoleLacksKeyAccess {
    fn reads_consumers(&self) -> bool {
        true
    }

    fn check(&self, cx: &Context<'_, '_>, out: &mut Reporter) {
        let Some(template) = cx.template else {
            return;
        };
        let encrypted = encrypted_targets(cx);
        if encrypted.is_empty() {
            return;
        }
        let resolver = cx.resolver();
        let lookup = Lookup {
            cx,
            resolver: &resolver,
            encrypted: &encrypted,
        };
        for resource in &template.resources {
            match resource.type_name {
                Some("AWS::Lambda::EventSourceMapping") => {
                    let function = resource.property("FunctionName");
                    if let Some(source) = resource.property_entry("EventSourceArn") {
                        lookup.check(function, &source.value, READ, "reads", out);
                    }
                }
                Some("AWS::Lambda::Function") => {
                    if let Some(target) = resource
                        .property("DeadLetterConfig")
                        .and_then(|d| d.get("TargetArn"))
                    {
                        lookup.check_own(resource, target, out);
                    }
                }
                Some("AWS::Lambda::EventInvokeConfig") => {
                    let function = resource.property("FunctionName");
                    for on in ["OnSuccess", "OnFailure"] {
                        if let Some(target) = resource
                            .property("DestinationConfig")
                            .and_then(|d| d.get(on))
                            .and_then(|d| d.get("Destination"))
                        {
                            lookup.check(function, target, SEND, "sends to", out);
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

/// The template's queues, topics and streams encrypted with one of its keys, by logical ID.
fn encrypted_targets<'t>(cx: &Context<'_, 't>) -> HashMap<&'t str, Encrypted<'t>> {
    let mut out = HashMap::new();
    for (resource_type, path, noun) in [
        ("AWS::SQS::Queue", "KmsMasterKeyId", "queue"),
        ("AWS::SNS::Topic", "KmsMasterKeyId", "topic"),
        ("AWS::Kinesis::Stream", "StreamEncryption.KeyId", "stream"),
    ] {
        for used in &cx.key_uses(resource_type, path).all {
            // Only a key every alternative names, under no condition.
            if let KeyTarget::Key { name, .. } = used.target
                && used.when.is_empty()
                && used.consumer_condition.is_none()
            {
                out.insert(used.consumer, Encrypted { key: name, noun });
            }
        }
    }
    out
}

struct Lookup<'l, 'a, 't> {
    cx: &'l Context<'a, 't>,
    resolver: &'l Resolver<'a, 't>,
    encrypted: &'l HashMap<&'t str, Encrypted<'t>>,
}

impl<'a, 't> Lookup<'_, 'a, 't> {
    /// A function's own dead-letter queue or topic.
    fn check_own(&self, function: &Resource<'t>, target: &'t Node<'t>, out: &mut Reporter) {
        let Some(role) = self.role_of(function) else {
            return;
        };
        self.check_role(function.name, role, target, SEND, "sends to", out);
    }

    /// The function `function` names (`Ref`, `Fn::GetAtt … Arn`) using what `target` names.
    fn check(
        &self,
        function: Option<&'t Node<'t>>,
        target: &'t Node<'t>,
        actions: &[&str],
        verb: &str,
        out: &mut Reporter,
    ) {
        let Some(function) = function.and_then(|f| self.resource_named(f)) else {
            return;
        };
        if function.type_name != Some("AWS::Lambda::Function") {
            return;
        }
        let Some(role) = self.role_of(function) else {
            return;
        };
        self.check_role(function.name, role, target, actions, verb, out);
    }

    fn check_role(
        &self,
        function: &str,
        role: &'t str,
        target: &'t Node<'t>,
        actions: &[&str],
        verb: &str,
        out: &mut Reporter,
    ) {
        let Some(target_resource) = self.resource_named(target) else {
            return;
        };
        let Some(encrypted) = self.encrypted.get(target_resource.name) else {
            return;
        };
        let Some(key) = self.cx.template.and_then(|t| t.resource(encrypted.key)) else {
            return;
        };
        let access = KeyAccess::of(self.cx, key);
        let context = RequestContext::default();
        let askers = access.askers(&context);
        let who = Principal::TemplateResource(role.to_owned());
        let missing: Vec<&str> = actions
            .iter()
            .copied()
            .filter(|action| {
                let said = ask_over(&askers, &|asker| asker.ask(&who, action));
                matches!(said.verdict, Verdict::NotAllowed | Verdict::Denied)
            })
            .collect();
        if missing.is_empty() {
            return;
        }
        let message = format!(
            "function `{function}` {verb} {} `{}`, encrypted with key `{}`, but its role `{role}` may not call {} on the key: neither the role's IAM policies nor the key policy allow it",
            encrypted.noun,
            target_resource.name,
            encrypted.key,
            missing.join(", ")
        );
        let at = target.span;
        // SAM's `KMSDecryptPolicy` allows `kms:Decrypt` alone; no policy template allows both
        // what sending needs.
        let sam = if missing == ["kms:Decrypt"] {
            "SAM: the `KMSDecryptPolicy` policy template"
        } else {
            "SAM: a statement in `Policies`"
        };
        out.report(at, message)
            .with_resource(function)
            .with_help(format!(
                "allow {} on the key's ARN in the role's policies ({sam}), with a key policy that lets IAM policies grant access",
                missing.join(" and ")
            ));
    }

    /// The template's resource a value names, as `Ref`, `Fn::GetAtt … Arn` or a `Sub` of
    /// either alone.
    fn resource_named(&self, node: &'t Node<'t>) -> Option<&'a Resource<'t>> {
        let template = self.cx.template?;
        let alts = self.resolver.resolve(node);
        let [alt] = alts.as_slice() else {
            return None;
        };
        match alt.text_value()?.only_hole()? {
            Hole::Ref(name) | Hole::GetAtt(name, "Arn") => template.resource(name),
            _ => None,
        }
    }

    /// The execution role of `function`, when it is a role of the template whose every policy
    /// the template holds.
    fn role_of(&self, function: &Resource<'t>) -> Option<&'t str> {
        let role = self.resource_named(function.property("Role")?)?;
        (role.type_name == Some("AWS::IAM::Role") && self.all_policies_known(role))
            .then_some(role.name)
    }

    /// Whether the template holds every policy of `role`: its name is generated (no other
    /// template can attach a policy to it by name), and each managed policy it attaches is the
    /// template's or an AWS managed policy whose `kms:` actions are known.
    fn all_policies_known(&self, role: &Resource<'t>) -> bool {
        if role.property("RoleName").is_some() {
            return false;
        }
        let managed = role
            .property("ManagedPolicyArns")
            .and_then(Node::as_seq)
            .unwrap_or_default();
        managed.iter().all(|item| {
            item.get("Ref").is_some()
                || self
                    .resolver
                    .resolve(item)
                    .iter()
                    .all(|alt| alt.text_value().is_some_and(iam::known_aws_managed))
        })
    }
}
