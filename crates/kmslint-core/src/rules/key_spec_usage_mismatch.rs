//! KMS102 key-spec-usage-mismatch: a KeyUsage the KeySpec does not allow, a KeySpec whose
//! usage must be given (the default ENCRYPT_DECRYPT is not valid for it) without KeyUsage,
//! and SM2 outside the China partition when the Region is known
//! (docs/facts/kms.md#key-specs-and-usages).
//!
//! Both properties may take several values (parameters, `Fn::If`). A usage is reported when
//! it is wrong with every KeySpec it can be combined with, a KeySpec when it is wrong with
//! every usage; a parameter whose values the deployer combines freely (KeySpec and KeyUsage
//! both offered as choices) is reported only for the choices that can never work.

use crate::diagnostic::Severity;
use crate::facts::key_specs::{self, KEY_USAGES, KeySpec};
use crate::facts::regions;
use crate::facts::resources::KEY;
use crate::model::Resource;

use super::common::{Syntax, resources};
use super::key_config::{Setting, defaults, readable, report_setting, settings};
use super::{Context, FixAvailability, Reporter, Rule, RuleInfo, RuleKind};
use crate::model::value::consistent;

/// What `kmslint rules` lists of the rule: its summary and documentation are in
/// `rules/KMS102.md`, whose front matter must agree with this.
pub(crate) const RULE: RuleInfo = RuleInfo {
    code: "KMS102",
    name: "key-spec-usage-mismatch",
    severity: Severity::Error,
    also: &[],
    fix: FixAvailability::Never,
    default: true,
    kind: RuleKind::File,
};

pub(crate) struct KeySpecUsageMismatch;

impl Rule for KeySpecUsageMismatch {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Reporter) {
        let resolver = cx.resolver();
        for key in resources(cx, KEY).filter(|k| readable(k)) {
            let specs = settings(&resolver, key, "KeySpec", defaults::KEY_SPEC);
            let usages = settings(&resolver, key, "KeyUsage", defaults::KEY_USAGE);
            check_pairs(cx.syntax(), key, &specs, &usages, out);
            check_partition(cx, key, &specs, out);
        }
    }
}

/// The spec a setting names, when it is a known KeySpec.
fn spec_of(setting: &Setting<'_>) -> Option<&'static KeySpec> {
    setting.text().and_then(key_specs::key_spec)
}

/// The usage a setting names, when it is a known KeyUsage.
fn usage_of<'s>(setting: &'s Setting<'_>) -> Option<&'s str> {
    setting.text().filter(|u| KEY_USAGES.contains(u))
}

fn check_pairs(
    syntax: Syntax,
    key: &Resource<'_>,
    specs: &[Setting<'_>],
    usages: &[Setting<'_>],
    out: &mut Reporter,
) {
    // Whether a spec and a usage can be taken together, and whether the pair is certainly
    // invalid (both known, and the spec does not allow the usage).
    let together = |s: &Setting<'_>, u: &Setting<'_>| consistent(&[&s.when, &u.when]);
    let invalid = |s: &Setting<'_>, u: &Setting<'_>| match (spec_of(s), usage_of(u)) {
        (Some(spec), Some(usage)) => !spec.usages.contains(&usage),
        _ => false,
    };
    let mut spec_done = vec![false; specs.len()];
    let mut usage_done = vec![false; usages.len()];

    // A usage that no KeySpec of this key allows.
    for (ui, usage) in usages.iter().enumerate() {
        let partners: Vec<usize> = (0..specs.len())
            .filter(|&si| together(&specs[si], usage))
            .collect();
        if partners.is_empty() || !partners.iter().all(|&si| invalid(&specs[si], usage)) {
            continue;
        }
        if usage.is_written() {
            let spec = &specs[partners[0]];
            usage_not_allowed(syntax, key, usage, spec, out);
            usage_done[ui] = true;
        } else {
            // No KeyUsage: the default ENCRYPT_DECRYPT is wrong for every spec it meets.
            for &si in &partners {
                usage_required(syntax, key, &specs[si], usage, out);
                spec_done[si] = true;
            }
        }
    }

    // A KeySpec that allows none of the usages this key can have.
    for (si, spec) in specs.iter().enumerate() {
        if spec_done[si] {
            continue;
        }
        let partners: Vec<usize> = (0..usages.len())
            .filter(|&ui| together(spec, &usages[ui]))
            .collect();
        if partners.is_empty()
            || !partners.iter().all(|&ui| invalid(spec, &usages[ui]))
            || partners.iter().any(|&ui| usage_done[ui])
        {
            continue;
        }
        let usage = &usages[partners[0]];
        if usage.is_written() {
            spec_not_allowing(key, spec, usage, out);
        } else {
            usage_required(syntax, key, spec, usage, out);
        }
    }
}

/// "use `X`" or "use one of `X`, `Y`".
/// `KeyUsage: X` in the file's syntax, in backquotes.
fn key_usage(syntax: Syntax, usage: &str) -> String {
    syntax.snippet(
        format!("`KeyUsage: {usage}`"),
        format!("`\"KeyUsage\": \"{usage}\"`"),
    )
}

fn use_one_of(syntax: Syntax, spec: &KeySpec) -> String {
    match spec.usages {
        [only] => format!("use {}", key_usage(syntax, only)),
        many => format!(
            "use one of {}",
            many.iter()
                .map(|u| format!("`{u}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn allowed_list(spec: &KeySpec) -> String {
    let list: Vec<String> = spec.usages.iter().map(|u| format!("`{u}`")).collect();
    match list.as_slice() {
        [only] => format!("only {only}"),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
        [] => "no usage".to_owned(),
    }
}

fn usage_not_allowed(
    syntax: Syntax,
    key: &Resource<'_>,
    usage: &Setting<'_>,
    spec_setting: &Setting<'_>,
    out: &mut Reporter,
) {
    let (Some(spec), Some(value)) = (spec_of(spec_setting), usage_of(usage)) else {
        return;
    };
    let spec_note = if spec_setting.is_written() {
        format!("KeySpec `{}`", spec.name)
    } else {
        format!("KeySpec is not set, so it is `{}`", spec.name)
    };
    let diagnostic = report_setting(
        out,
        key,
        usage,
        &spec_setting.when,
        format!(
            "KeyUsage `{value}` is not valid for {} ({spec_note}), which allows {}",
            spec.family.describe(),
            allowed_list(spec)
        ),
    );
    let from_parameter = usage.alt.as_ref().is_some_and(|a| a.param.is_some());
    diagnostic.with_help(if from_parameter {
        format!("remove `{value}` from the parameter's values")
    } else {
        format!(
            "{}, or a KeySpec that allows `{value}`",
            use_one_of(syntax, spec)
        )
    });
    if let Some(alt) = &spec_setting.alt {
        diagnostic.with_related(alt.span, format!("KeySpec is `{}` here", spec.name));
    }
}

fn spec_not_allowing(
    key: &Resource<'_>,
    spec_setting: &Setting<'_>,
    usage: &Setting<'_>,
    out: &mut Reporter,
) {
    let (Some(spec), Some(value)) = (spec_of(spec_setting), usage_of(usage)) else {
        return;
    };
    let diagnostic = report_setting(
        out,
        key,
        spec_setting,
        &usage.when,
        format!(
            "KeySpec `{}` does not allow KeyUsage `{value}`: {} allows {}",
            spec.name,
            spec.family.describe(),
            allowed_list(spec)
        ),
    );
    let from_parameter = spec_setting.alt.as_ref().is_some_and(|a| a.param.is_some());
    diagnostic.with_help(if from_parameter {
        format!(
            "remove `{}` from the parameter's values, or change KeyUsage",
            spec.name
        )
    } else {
        format!(
            "use a KeySpec that allows `{value}`, or change KeyUsage to {}",
            allowed_list(spec).trim_start_matches("only ")
        )
    });
    if let Some(alt) = &usage.alt {
        diagnostic.with_related(alt.span, format!("KeyUsage is `{value}` here"));
    }
}

fn usage_required(
    syntax: Syntax,
    key: &Resource<'_>,
    spec_setting: &Setting<'_>,
    usage: &Setting<'_>,
    out: &mut Reporter,
) {
    let Some(spec) = spec_of(spec_setting) else {
        return;
    };
    let removed = usage.site.is_some();
    let diagnostic = report_setting(
        out,
        key,
        spec_setting,
        &usage.when,
        format!(
            "KeySpec `{}` needs an explicit KeyUsage: the default `{}` is not valid for {}",
            spec.name,
            defaults::KEY_USAGE,
            spec.family.describe()
        ),
    );
    diagnostic.with_help(match spec.usages {
        [only] => format!("add {}", key_usage(syntax, only)),
        _ => format!("add `KeyUsage` with {}", allowed_list(spec)),
    });
    if removed && let Some(site) = usage.site {
        diagnostic.with_related(site, "KeyUsage is removed here");
    }
}

/// SM2 keys exist only in the China Regions (docs/facts/kms.md#key-specs-and-usages).
fn check_partition(
    cx: &Context<'_, '_>,
    key: &Resource<'_>,
    specs: &[Setting<'_>],
    out: &mut Reporter,
) {
    let (Some(region), Some(partition)) = (cx.env.region, cx.env.partition) else {
        return;
    };
    if partition.name == "aws-cn" {
        return;
    }
    let china = regions::partition("aws-cn").map_or(String::new(), |p| p.regions.join(", "));
    for spec in specs
        .iter()
        .filter(|s| s.is_written() && s.text() == Some("SM2"))
    {
        report_setting(
            out,
            key,
            spec,
            &[],
            format!(
                "SM2 keys are available only in the China Regions ({china}); this stack is deployed to `{region}` (partition `{}`)",
                partition.name
            ),
        )
        .with_help("use an RSA or NIST elliptic curve KeySpec outside China");
    }
}
