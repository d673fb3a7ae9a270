//! KMS104 rotation-disabled: a symmetric encryption key (KeySpec `SYMMETRIC_DEFAULT`, KeyUsage
//! `ENCRYPT_DECRYPT`) whose material KMS generated (Origin `AWS_KMS`) without
//! `EnableKeyRotation: true` (docs/facts/kms.md#rotation).
//!
//! Never on a key that cannot rotate: the rule speaks only when every KeySpec, KeyUsage and
//! Origin the key can have (with the rotation value's conditions) make it a rotatable key.
//! ReplicaKeys take rotation from their primary and have no such property, so they are not
//! checked. A rotation parameter whose AllowedValues also offer `true` is the deployer's
//! choice, not a finding.

use crate::diagnostic::Severity;
use crate::facts::key_specs::{DEFAULT_KEY_SPEC, DEFAULT_KEY_USAGE};
use crate::facts::resources::KEY;
use crate::model::Resource;

use crate::fix::edit::{Fragment, Place};
use crate::fix::{Applicability, Fix};

use super::common::{resources, written_at};
use super::key_config::{Setting, defaults, readable, report_setting, settings};
use super::{Context, FixAvailability, Reporter, Rule, RuleInfo, RuleKind};
use crate::model::value::consistent;

/// What `kmslint rules` lists of the rule: its summary and documentation are in
/// `rules/KMS104.md`, whose front matter must agree with this.
pub(crate) const RULE: RuleInfo = RuleInfo {
    code: "KMS104",
    name: "rotation-disabled",
    severity: Severity::Warning,
    also: &[],
    fix: FixAvailability::Sometimes,
    default: true,
    kind: RuleKind::File,
};

pub(crate) struct RotationDisabled;

impl Rule for RotationDisabled {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Reporter) {
        let resolver = cx.resolver();
        for key in resources(cx, KEY).filter(|k| readable(k)) {
            let specs = settings(&resolver, key, "KeySpec", defaults::KEY_SPEC);
            let usages = settings(&resolver, key, "KeyUsage", defaults::KEY_USAGE);
            let origins = settings(&resolver, key, "Origin", defaults::ORIGIN);
            let rotations = settings(
                &resolver,
                key,
                "EnableKeyRotation",
                defaults::ENABLE_KEY_ROTATION,
            );
            for rotation in &rotations {
                if rotation.flag() != Some(false) || chosen_by_deployer(rotation, &rotations) {
                    continue;
                }
                let rotatable = |s: &[Setting<'_>], value: &str| {
                    let partners: Vec<&Setting<'_>> = s
                        .iter()
                        .filter(|x| consistent(&[&rotation.when, &x.when]))
                        .collect();
                    !partners.is_empty() && partners.iter().all(|x| x.text() == Some(value))
                };
                if rotatable(&specs, DEFAULT_KEY_SPEC)
                    && rotatable(&usages, DEFAULT_KEY_USAGE)
                    && rotatable(&origins, defaults::ORIGIN)
                {
                    report(cx, key, rotation, out);
                }
            }
        }
    }
}

/// A value from a parameter that can also be true: the deployer decides.
fn chosen_by_deployer(rotation: &Setting<'_>, all: &[Setting<'_>]) -> bool {
    let Some(param) = rotation.alt.as_ref().and_then(|a| a.param.as_ref()) else {
        return false;
    };
    all.iter().any(|other| {
        other.flag() == Some(true)
            && other
                .alt
                .as_ref()
                .and_then(|a| a.param.as_ref())
                .is_some_and(|p| p.name == param.name)
    })
}

const WHY: &str = "KMS then rotates the key material every year (or every `RotationPeriodInDays`) and keeps the old material to decrypt existing data";

fn report(cx: &Context<'_, '_>, key: &Resource<'_>, rotation: &Setting<'_>, out: &mut Reporter) {
    let name = key.name;
    let enable = cx.snippet("`EnableKeyRotation: true`", "`\"EnableKeyRotation\": true`");
    match (&rotation.alt, rotation.site) {
        (Some(alt), _) => {
            let help = match &alt.param {
                Some(p) if !p.from_command_line => {
                    format!("make parameter `{}` default to `true`: {WHY}", p.name)
                }
                _ => format!("set {enable}: {WHY}"),
            };
            report_setting(
                out,
                key,
                rotation,
                &[],
                format!(
                    "automatic key rotation is turned off on symmetric encryption key `{name}`"
                ),
            )
            .with_help(help)
            .with_fix(fix(cx, key, rotation));
        }
        (None, Some(_)) => {
            report_setting(
                out,
                key,
                rotation,
                &[],
                format!("`EnableKeyRotation` is removed, so symmetric encryption key `{name}` never rotates its key material"),
            )
            .with_help(format!("use `true` instead of `AWS::NoValue`: {WHY}"));
        }
        (None, None) => {
            report_setting(
                out,
                key,
                rotation,
                &[],
                format!("symmetric encryption key `{name}` does not rotate its key material: `EnableKeyRotation` is not set"),
            )
            .with_help(format!("add {enable}: {WHY}"))
            .with_fix(fix(cx, key, rotation));
        }
    }
}

/// `EnableKeyRotation: true`: the literal `false` replaced, or the property added (with
/// `Properties` when the key has none). Unsafe: it changes the deployed key (rotation starts,
/// and it costs). A value from a parameter, a mapping or an `Fn::If` branch, or a property
/// removed with `AWS::NoValue`, gets none.
pub(crate) fn fix(cx: &Context<'_, '_>, key: &Resource<'_>, rotation: &Setting<'_>) -> Option<Fix> {
    if !rotation.when.is_empty() {
        return None;
    }
    let edit = match (&rotation.alt, rotation.site) {
        (Some(alt), _) => cx
            .editor
            .replace_raw(written_at(alt, key.property("EnableKeyRotation")?)?, "true"),
        (None, Some(_)) => None,
        (None, None) => set_property(cx, key, "EnableKeyRotation"),
    };
    Fix::new(
        "Set `EnableKeyRotation: true`",
        Applicability::Unsafe,
        [edit],
    )
}

/// Adds `name: true` to a resource's properties, adding `Properties` when it has none.
pub(crate) fn set_property(
    cx: &Context<'_, '_>,
    resource: &Resource<'_>,
    name: &str,
) -> Option<crate::fix::Edit> {
    match resource.properties {
        Some(properties) => {
            cx.editor
                .insert_entry(properties, Place::Last, name, Fragment::Bool(true))
        }
        None => cx.editor.insert_entry(
            resource.node,
            Place::Last,
            "Properties",
            Fragment::Map(vec![(name, Fragment::Bool(true))]),
        ),
    }
}
