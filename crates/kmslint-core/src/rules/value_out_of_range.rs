//! KMS101 value-out-of-range: Description over 8,192 characters, PendingWindowInDays outside
//! 7–30, RotationPeriodInDays outside 90–2560, PrimaryKeyArn over 256 characters. Numbers
//! written as strings count too.

use crate::diagnostic::Severity;
use crate::facts::resources::{KEY, REPLICA_KEY, limits};
use crate::model::Resource;
use crate::model::value::Resolver;

use super::common::short;

use super::common::{report_value, resources};
use super::{Context, FixAvailability, Reporter, Rule, RuleInfo, RuleKind};

/// What `kmslint rules` lists of the rule: its summary and documentation are in
/// `rules/KMS101.md`, whose front matter must agree with this.
pub(crate) const RULE: RuleInfo = RuleInfo {
    code: "KMS101",
    name: "value-out-of-range",
    severity: Severity::Error,
    also: &[],
    fix: FixAvailability::Never,
    default: true,
    kind: RuleKind::File,
};

pub(crate) struct ValueOutOfRange;

impl Rule for ValueOutOfRange {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Reporter) {
        let resolver = cx.resolver();
        for type_name in [KEY, REPLICA_KEY] {
            for resource in resources(cx, type_name) {
                length(
                    resource,
                    "Description",
                    limits::DESCRIPTION_MAX,
                    &resolver,
                    out,
                );
                range(
                    resource,
                    "PendingWindowInDays",
                    limits::PENDING_WINDOW,
                    &resolver,
                    out,
                );
                if type_name == KEY {
                    range(
                        resource,
                        "RotationPeriodInDays",
                        limits::ROTATION_PERIOD,
                        &resolver,
                        out,
                    );
                } else {
                    length(
                        resource,
                        "PrimaryKeyArn",
                        limits::PRIMARY_KEY_ARN_MAX,
                        &resolver,
                        out,
                    );
                }
            }
        }
    }
}

fn length(
    resource: &Resource<'_>,
    name: &str,
    max: usize,
    resolver: &Resolver<'_, '_>,
    out: &mut Reporter,
) {
    let Some(node) = resource.property(name) else {
        return;
    };
    for alt in resolver.resolve(node) {
        let Some(text) = alt.as_str() else {
            continue;
        };
        let count = text.chars().count();
        if count > max {
            report_value(
                out,
                resource,
                &alt,
                format!("`{name}` is {count} characters long; the limit is {max}"),
            );
        }
    }
}

fn range(
    resource: &Resource<'_>,
    name: &str,
    (min, max): (i64, i64),
    resolver: &Resolver<'_, '_>,
    out: &mut Reporter,
) {
    let Some(node) = resource.property(name) else {
        return;
    };
    for alt in resolver.resolve(node) {
        let Some(value) = alt.as_int() else {
            continue;
        };
        if value < min || value > max {
            let nearest = value.clamp(min, max);
            // As written (a number too large for 64 bits is out of range too), abbreviated.
            let written = alt
                .as_str()
                .map_or_else(|| value.to_string(), |s| short(s.trim()).into_owned());
            report_value(
                out,
                resource,
                &alt,
                format!("`{name}` is {written}; it must be from {min} to {max}"),
            )
            .with_help(format!(
                "use a value from {min} to {max}, such as {nearest}"
            ));
        }
    }
}
