//! KMS103 rotation-unsupported: `EnableKeyRotation: true` on a key that cannot rotate, and
//! `RotationPeriodInDays` on a key whose rotation is off (a warning: it is ignored).
//!
//! Only symmetric encryption keys (`SYMMETRIC_DEFAULT`) whose key material KMS generated
//! (`Origin: AWS_KMS`) rotate automatically; the CloudFormation handler rejects
//! `EnableKeyRotation: true` on any other KeySpec and on `Origin: EXTERNAL`
//! (`docs/facts/kms.md#rotation`). The handler sends RotationPeriodInDays only inside the
//! EnableKeyRotation call, so without rotation it does nothing. Origins CloudFormation does not
//! accept (`AWS_CLOUDHSM`, `EXTERNAL_KEY_STORE`) are KMS004's finding and count as unknown here.

use crate::diagnostic::Severity;
use crate::facts::key_specs::{self, DEFAULT_KEY_SPEC, ORIGINS};
use crate::facts::resources::KEY;
use crate::model::Resource;
use crate::model::value::{Resolver, consistent, describe_when, merged_when};

use super::common::resources;
use super::key_config::{Setting, defaults, readable, report_setting, settings};
use super::{Context, FixAvailability, Reporter, Rule, RuleInfo, RuleKind};

/// What `kmslint rules` lists of the rule: its summary and documentation are in
/// `rules/KMS103.md`, whose front matter must agree with this.
pub(crate) const RULE: RuleInfo = RuleInfo {
    code: "KMS103",
    name: "rotation-unsupported",
    severity: Severity::Error,
    also: &[Severity::Warning],
    fix: FixAvailability::Never,
    default: true,
    kind: RuleKind::File,
};

pub(crate) struct RotationUnsupported;

impl Rule for RotationUnsupported {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Reporter) {
        let resolver = cx.resolver();
        let enable = cx.snippet("`EnableKeyRotation: true`", "`\"EnableKeyRotation\": true`");
        for key in resources(cx, KEY).filter(|k| readable(k)) {
            let specs = settings(&resolver, key, "KeySpec", defaults::KEY_SPEC);
            let origins = settings(&resolver, key, "Origin", defaults::ORIGIN);
            let rotations = settings(
                &resolver,
                key,
                "EnableKeyRotation",
                defaults::ENABLE_KEY_ROTATION,
            );
            let key_settings = KeySettings {
                specs: &specs,
                origins: &origins,
            };
            for rotation in rotations
                .iter()
                .filter(|r| r.is_written() && r.flag() == Some(true))
            {
                rotation_on(key, rotation, &key_settings, enable, out);
            }
            period_ignored(&resolver, key, &rotations, &key_settings, enable, out);
        }
    }
}

struct KeySettings<'s, 't> {
    specs: &'s [Setting<'t>],
    origins: &'s [Setting<'t>],
}

/// Why a (KeySpec, Origin) pair cannot rotate, `None` when it can or is not known.
enum Reason<'s, 't> {
    Spec(&'static key_specs::KeySpec, &'s Setting<'t>),
    Origin(&'s Setting<'t>),
}

fn reason<'s, 't>(spec: &'s Setting<'t>, origin: &'s Setting<'t>) -> Option<Reason<'s, 't>> {
    let spec_value = key_specs::key_spec(spec.text()?)?;
    let origin_value = origin.text().filter(|o| ORIGINS.contains(o))?;
    if key_specs::can_rotate(spec_value.name, origin_value) {
        return None;
    }
    Some(if spec_value.name != DEFAULT_KEY_SPEC {
        Reason::Spec(spec_value, spec)
    } else {
        Reason::Origin(origin)
    })
}

/// The reasons every (KeySpec, Origin) pair that goes with `when` cannot rotate, or `None`
/// when some pair can (or is not known).
fn cannot_rotate<'s, 't>(
    when: &[(&'t str, bool)],
    key: &KeySettings<'s, 't>,
) -> Option<Vec<Reason<'s, 't>>> {
    let mut reasons = Vec::new();
    for spec in key.specs {
        for origin in key.origins {
            if !consistent(&[when, &spec.when, &origin.when]) {
                continue;
            }
            reasons.push(reason(spec, origin)?);
        }
    }
    (!reasons.is_empty()).then_some(reasons)
}

/// `enable` is `EnableKeyRotation: true` in the file's syntax.
fn rotation_on<'t>(
    key: &Resource<'_>,
    rotation: &Setting<'t>,
    key_settings: &KeySettings<'_, 't>,
    enable: &str,
    out: &mut Reporter,
) {
    let Some(reasons) = cannot_rotate(&rotation.when, key_settings) else {
        return;
    };
    let (what, related) = match &reasons[0] {
        Reason::Spec(spec, setting) => (
            format!("{} (KeySpec `{}`)", spec.family.describe(), spec.name),
            setting.alt.as_ref().map(|a| {
                (
                    a.span,
                    format!("KeySpec is `{}` here", spec.name),
                    a.when.clone(),
                )
            }),
        ),
        Reason::Origin(setting) => (
            "a key with imported key material (Origin `EXTERNAL`)".to_owned(),
            setting.alt.as_ref().map(|a| {
                (
                    a.span,
                    "Origin is `EXTERNAL` here".to_owned(),
                    a.when.clone(),
                )
            }),
        ),
    };
    // A single failing pair may hold only under its own conditions; several fail together.
    let other_when = match (&related, reasons.len()) {
        (Some(r), 1) => r.2.clone(),
        _ => Vec::new(),
    };
    let diagnostic = report_setting(
        out,
        key,
        rotation,
        &other_when,
        format!(
            "automatic key rotation is not supported on {what}; CloudFormation rejects {enable}"
        ),
    );
    diagnostic.with_help(
        "remove `EnableKeyRotation` (or set it to false): KMS rotates only symmetric encryption keys whose key material it generated",
    );
    if let Some((span, message, _)) = related {
        diagnostic.with_related(span, message);
    }
}

/// `RotationPeriodInDays` with rotation certainly off.
fn period_ignored<'t>(
    resolver: &Resolver<'_, 't>,
    key: &Resource<'t>,
    rotations: &[Setting<'t>],
    key_settings: &KeySettings<'_, 't>,
    enable: &str,
    out: &mut Reporter,
) {
    let Some(entry) = key.property_entry("RotationPeriodInDays") else {
        return;
    };
    let periods = settings(resolver, key, "RotationPeriodInDays", "");
    for period in periods.iter().filter(|p| p.is_written()) {
        let partners: Vec<&Setting<'_>> = rotations
            .iter()
            .filter(|r| consistent(&[&period.when, &r.when]))
            .collect();
        if partners.is_empty() || !partners.iter().all(|r| r.flag() == Some(false)) {
            continue;
        }
        let off = partners[0];
        let how = if off.is_written() {
            "`EnableKeyRotation` is false"
        } else {
            "`EnableKeyRotation` is not set"
        };
        let mut message =
            format!("`RotationPeriodInDays` has no effect: automatic rotation is off ({how})");
        if let Some(note) = describe_when(&merged_when(&[&period.when, &off.when])) {
            message = format!("{message} ({note})");
        }
        let help = if cannot_rotate(&period.when, key_settings).is_some() {
            "remove `RotationPeriodInDays`: this key cannot rotate automatically".to_owned()
        } else {
            format!(
                "set {enable} to rotate the key on this schedule, or remove `RotationPeriodInDays`"
            )
        };
        let diagnostic = out.report(entry.key_span, message);
        diagnostic
            .with_resource(key.name)
            .with_severity(Severity::Warning)
            .with_help(help);
        if let Some(alt) = &off.alt {
            diagnostic.with_related(alt.span, "rotation is turned off here");
        }
        return;
    }
}
