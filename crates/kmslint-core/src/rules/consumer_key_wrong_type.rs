//! KMS603 consumer-key-wrong-type: a consumer of the allow-list (`facts::key_consumers`) uses
//! a key of the template that cannot do what it needs. Encryption consumers need a symmetric
//! encryption key (`SYMMETRIC_DEFAULT`, `ENCRYPT_DECRYPT`): "integrated services use only
//! symmetric encryption KMS keys", and HMAC keys cannot encrypt
//! (docs/facts/consumers.md#symmetric-keys-only). A Route 53 key-signing key needs `ECC_NIST_P256`
//! / `SIGN_VERIFY`, in us-east-1 (checked against `--region`; the key of the template is in the
//! stack's Region).
//!
//! Only keys of the template, through `Ref`, `Fn::GetAtt`, a `Fn::Sub` around one, or an
//! alias of the template. A ReplicaKey has its primary's spec (not followed here); a
//! parameter, an import or a literal ARN names a key not known here. A KeySpec or KeyUsage
//! taken from a template parameter is the deployer's choice and is not reported (one given
//! on the command line is).

use std::collections::HashSet;

use crate::diagnostic::Severity;
use crate::facts::key_consumers::{KeyConsumer, Kind, Region};
use crate::facts::key_specs::{self, DEFAULT_KEY_SPEC, DEFAULT_KEY_USAGE};
use crate::facts::resources::KEY;
use crate::model::consumers::{KeyTarget, KeyUse};
use crate::model::value::{describe_when, merged_when};

use super::common::related_key;
use super::key_config::{Setting, defaults, readable, settings};
use super::key_use::{describe, possible, uses};
use super::{Context, FixAvailability, Reporter, Rule, RuleInfo, RuleKind};

/// What `kmslint rules` lists of the rule: its summary and documentation are in
/// `rules/KMS603.md`, whose front matter must agree with this.
pub(crate) const RULE: RuleInfo = RuleInfo {
    code: "KMS603",
    name: "consumer-key-wrong-type",
    severity: Severity::Error,
    also: &[],
    fix: FixAvailability::Never,
    default: true,
    kind: RuleKind::File,
};

pub(crate) struct ConsumerKeyWrongType;

const SIGN_SPEC: &str = "ECC_NIST_P256";
const SIGN_USAGE: &str = "SIGN_VERIFY";

impl Rule for ConsumerKeyWrongType {
    fn reads_consumers(&self) -> bool {
        true
    }

    fn check(&self, cx: &Context<'_, '_>, out: &mut Reporter) {
        let Some(template) = cx.template else {
            return;
        };
        linked(cx, out);
        let resolver = cx.resolver();
        let mut seen: HashSet<(crate::source::Span, String)> = HashSet::new();
        for (consumer, key_use) in uses(cx) {
            let KeyTarget::Key { name, alias } = key_use.target else {
                continue;
            };
            let Some(key) = template.resource(name) else {
                continue;
            };
            if key.type_name != Some(KEY) || !readable(key) {
                continue;
            }
            let (want_spec, want_usage) = match consumer.kind {
                Kind::Encrypt => (DEFAULT_KEY_SPEC, DEFAULT_KEY_USAGE),
                Kind::Sign => (SIGN_SPEC, SIGN_USAGE),
            };
            let specs = settings(&resolver, key, "KeySpec", defaults::KEY_SPEC);
            let usages = settings(&resolver, key, "KeyUsage", defaults::KEY_USAGE);
            let key_condition: Vec<(&str, bool)> =
                key.condition.map(|c| (c, true)).into_iter().collect();
            for spec in &specs {
                for usage in &usages {
                    let when = merged_when(&[&key_use.when, &spec.when, &usage.when]);
                    let mut also = when.clone();
                    also.extend_from_slice(&key_condition);
                    if !possible(cx, &key_use, &also) {
                        continue;
                    }
                    let spec_value = known(spec);
                    let usage_value = known(usage);
                    let wrong_spec = spec_value.filter(|s| *s != want_spec);
                    let wrong_usage = usage_value.filter(|u| *u != want_usage);
                    if wrong_spec.is_none() && wrong_usage.is_none() {
                        continue;
                    }
                    let what = match (spec_value, usage_value) {
                        (Some(s), Some(u)) => {
                            format!("{} (KeySpec `{s}`, KeyUsage `{u}`)", family(s))
                        }
                        (Some(s), None) => format!("{} (KeySpec `{s}`)", family(s)),
                        (None, Some(u)) => format!("a key with KeyUsage `{u}`"),
                        (None, None) => continue,
                    };
                    let through = alias.map_or(String::new(), |a| format!(" through alias `{a}`"));
                    let needs = needs(consumer);
                    let message = with_note(
                        format!(
                            "{} uses key `{name}`{through}, {what}; {needs}",
                            describe(&key_use)
                        ),
                        &when,
                    );
                    if !seen.insert((key_use.span, message.clone())) {
                        continue;
                    }
                    let diagnostic = out.report(key_use.span, message);
                    diagnostic.with_resource(key_use.consumer).with_help(match consumer.kind {
                        Kind::Encrypt => format!(
                            "use a symmetric encryption key here (leave KeySpec and KeyUsage out of `{name}`, or create another key for it)"
                        ),
                        Kind::Sign => format!(
                            "create the key with KeySpec `{SIGN_SPEC}` and KeyUsage `{SIGN_USAGE}` in us-east-1"
                        ),
                    });
                    let site = [
                        (spec, wrong_spec, "KeySpec"),
                        (usage, wrong_usage, "KeyUsage"),
                    ];
                    for (setting, wrong, property) in site {
                        if let (Some(value), Some(alt)) = (wrong, &setting.alt) {
                            diagnostic.with_related(
                                alt.span,
                                format!("`{name}` has {property} `{value}` here"),
                            );
                        }
                    }
                    if wrong_spec.is_some() && spec.alt.is_none() {
                        diagnostic.with_related(
                            key.name_span,
                            format!("`{name}` has no KeySpec, so it is `{DEFAULT_KEY_SPEC}`"),
                        );
                    }
                }
            }
            if let (Region::Fixed(needed), Some(stack)) = (consumer.region, cx.deployment().region)
                && needed != stack
            {
                region_mismatch(&key_use, name, needed, stack, key.name_span, out);
            }
        }
    }
}

/// Consumers whose key is a key of another stack of the deployment with a literal KeySpec or
/// KeyUsage the consumer cannot use (docs/deployments.md).
fn linked(cx: &Context<'_, '_>, out: &mut Reporter) {
    let Some(links) = cx.links() else {
        return;
    };
    for (consumer, key_use) in uses(cx) {
        let KeyTarget::Linked(index) = key_use.target else {
            continue;
        };
        let key = links.key(index);
        let (want_spec, want_usage) = match consumer.kind {
            Kind::Encrypt => (DEFAULT_KEY_SPEC, DEFAULT_KEY_USAGE),
            Kind::Sign => (SIGN_SPEC, SIGN_USAGE),
        };
        let (Some(spec), Some(usage)) = (key.spec.as_deref(), key.usage.as_deref()) else {
            continue;
        };
        if spec == want_spec && usage == want_usage {
            continue;
        }
        let name = &key.logical_id;
        let stack = links.stack_of(key);
        let needs = needs(consumer);
        let message = with_note(
            format!(
                "{} uses key `{name}` ({stack}), {} (KeySpec `{spec}`, KeyUsage `{usage}`); {needs}",
                describe(&key_use),
                family(spec)
            ),
            &key_use.when,
        );
        let diagnostic = out
            .report(key_use.span, message)
            .with_resource(key_use.consumer)
            .with_help("use a key of the right type here, from this stack or another");
        related_key(diagnostic, links, key);
    }
}

/// What the consumer does with its key, and the key type that needs.
fn needs(consumer: &KeyConsumer) -> String {
    match consumer.kind {
        Kind::Encrypt => format!(
            "{} encrypts with the key, which needs a symmetric encryption key (KeySpec `{DEFAULT_KEY_SPEC}`, KeyUsage `{DEFAULT_KEY_USAGE}`)",
            consumer.resource_type
        ),
        Kind::Sign => format!(
            "Route 53 DNSSEC signs with the key, which needs KeySpec `{SIGN_SPEC}` and KeyUsage `{SIGN_USAGE}`"
        ),
    }
}

/// The value of a setting when known and not a template parameter's (the deployer picks
/// those).
fn known<'s>(setting: &'s Setting<'_>) -> Option<&'s str> {
    match &setting.alt {
        Some(alt) if alt.param.as_ref().is_some_and(|p| !p.from_command_line) => None,
        _ => setting.text(),
    }
}

/// "an HMAC key", "an RSA key", … for a KeySpec; "a key" for one not known to kmslint.
fn family(spec: &str) -> &'static str {
    key_specs::key_spec(spec).map_or("a key", |s| s.family.describe())
}

fn with_note(message: String, when: &[(&str, bool)]) -> String {
    match describe_when(when) {
        Some(note) => format!("{message} ({note})"),
        None => message,
    }
}

fn region_mismatch(
    key_use: &KeyUse<'_>,
    name: &str,
    needed: &str,
    stack: &str,
    key_span: crate::source::Span,
    out: &mut Reporter,
) {
    let message = with_note(
        format!(
            "{} uses key `{name}`, which this stack creates in `{stack}`; Route 53 DNSSEC needs its key in `{needed}`",
            describe(key_use)
        ),
        &key_use.when,
    );
    out.report(key_use.span, message)
        .with_resource(key_use.consumer)
        .with_related(key_span, format!("`{name}` is created in `{stack}`"))
        .with_help(format!(
            "create the key in a stack deployed to `{needed}` and pass its ARN here"
        ));
}
