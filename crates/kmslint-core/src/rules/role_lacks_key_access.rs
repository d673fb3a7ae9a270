//! KMS613 role-lacks-key-access: a Lambda function's execution role reads an encrypted queue
//! or stream through an event source mapping, or sends to an encrypted queue or topic (its
//! dead-letter queue, an asynchronous invocation's destination), and neither the role's IAM
//! policies nor the key policy let it use the key (rules/KMS613.md): the messages are not read
//! or not delivered. Only roles whose every policy the template holds are judged: a role of the
//! template with a generated name (SAM's execution roles always), whose managed policies are
//! the template's or AWS managed policies whose content is known.

use std::collections::HashMap;

use crate::diagnostic::Severity;
use crate::facts::consumers::{ENCRYPTED_TARGETS, PUBLISH_ACTIONS, READ_ACTIONS, ROLE_USES};
use crate::model::Resource;
use crate::model::access::{RequestContext, Verdict, ask_over};
use crate::model::consumers::{KeyTarget, values_at};
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

/// The property naming the key of an encrypted stream: a function reads streams, not only
/// the topics and queues of [`ENCRYPTED_TARGETS`].
const ENCRYPTED_STREAM: (&str, &str) = ("AWS::Kinesis::Stream", "StreamEncryption.KeyId");

/// An encrypted queue, topic or stream of the template, and its key of the template.
struct Encrypted<'t> {
    key: &'t str,
    noun: &'static str,
}

/// A function's role that reads or sends to an encrypted queue, topic or stream.
struct Use<'t> {
    function: &'t str,
    role: &'t str,
    target: &'t str,
    /// Where the function names it.
    at: &'t Node<'t>,
    reads: bool,
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
        };
        // By key, so that each key's policy is built once however many functions use it.
        let mut by_key: HashMap<&str, Vec<Use<'_>>> = HashMap::new();
        for role_use in ROLE_USES {
            for resource in template.resources_of_type(role_use.resource_type) {
                let function = match role_use.function {
                    None => Some(resource),
                    Some(property) => resource
                        .property(property)
                        .and_then(|f| lookup.resource_named(f))
                        .filter(|f| f.type_name == Some("AWS::Lambda::Function")),
                };
                let Some((function, role)) =
                    function.and_then(|f| Some((f.name, lookup.role_of(f)?)))
                else {
                    continue;
                };
                let targets = resource.properties.map(|p| values_at(p, role_use.target));
                for at in targets.into_iter().flatten() {
                    let Some(target) = lookup.resource_named(at) else {
                        continue;
                    };
                    if let Some(Encrypted { key, .. }) = encrypted.get(target.name) {
                        by_key.entry(key).or_default().push(Use {
                            function,
                            role,
                            target: target.name,
                            at,
                            reads: role_use.reads,
                        });
                    }
                }
            }
        }
        for (key, uses) in by_key {
            let Some(key_resource) = template.resource(key) else {
                continue;
            };
            let access = KeyAccess::of(cx, key_resource);
            let context = RequestContext::default();
            let askers = access.askers(&context);
            for role_use in uses {
                let who = Principal::TemplateResource(role_use.role.to_owned());
                let needs = if role_use.reads {
                    READ_ACTIONS
                } else {
                    PUBLISH_ACTIONS
                };
                let missing: Vec<&str> = needs
                    .iter()
                    .copied()
                    .filter(|action| {
                        let said = ask_over(&askers, &|asker| asker.ask(&who, action));
                        matches!(said.verdict, Verdict::NotAllowed | Verdict::Denied)
                    })
                    .collect();
                if !missing.is_empty() {
                    report(&role_use, &encrypted[role_use.target], &missing, out);
                }
            }
        }
    }
}

fn report(role_use: &Use<'_>, encrypted: &Encrypted<'_>, missing: &[&str], out: &mut Reporter) {
    let Use {
        function,
        role,
        target,
        ..
    } = role_use;
    let verb = if role_use.reads { "reads" } else { "sends to" };
    let message = format!(
        "function `{function}` {verb} {} `{target}`, encrypted with key `{}`, but its role `{role}` may not call {} on the key: neither the role's IAM policies nor the key policy allow it",
        encrypted.noun,
        encrypted.key,
        missing.join(", ")
    );
    // SAM's `KMSDecryptPolicy` allows `kms:Decrypt` alone; no policy template allows both
    // what sending needs.
    let sam = if missing == ["kms:Decrypt"] {
        "SAM: the `KMSDecryptPolicy` policy template"
    } else {
        "SAM: a statement in `Policies`"
    };
    out.report(role_use.at.span, message)
        .with_resource(function)
        .with_help(format!(
            "allow {} on the key's ARN in the role's policies ({sam}), with a key policy that lets IAM policies grant access",
            missing.join(" and ")
        ));
}

/// The template's queues, topics and streams encrypted with one of its keys, by logical ID.
fn encrypted_targets<'t>(cx: &Context<'_, 't>) -> HashMap<&'t str, Encrypted<'t>> {
    let mut out = HashMap::new();
    for &(resource_type, path) in ENCRYPTED_TARGETS.iter().chain([&ENCRYPTED_STREAM]) {
        let noun = match resource_type {
            "AWS::SNS::Topic" => "topic",
            "AWS::SQS::Queue" => "queue",
            _ => "stream",
        };
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
}

impl<'a, 't> Lookup<'_, 'a, 't> {
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
