//! What an AWS::KMS::Key is configured as: the values its KeySpec, KeyUsage, Origin and
//! EnableKeyRotation can take, with the defaults KMS applies when one is left out. Shared by
//! KMS102 (spec and usage), KMS103 and KMS104 (rotation).
//!
//! A property resolves to settings, one per value it can take (an `Fn::If` branch, a
//! parameter's Default or AllowedValues entry). Settings of different properties combine only
//! when their conditions agree: `KeySpec: !If [IsHmac, HMAC_256, …]` and
//! `KeyUsage: !If [IsHmac, GENERATE_VERIFY_MAC, …]` never pair HMAC_256 with the other usage.

use crate::diagnostic::Diagnostic;
use crate::model::Resource;
use crate::model::value::{Alt, Boolish, Resolver, Val, describe_when, merged_when};
use crate::source::Span;

use super::Reporter;
use super::common::report_value;

/// One value a key property can take.
pub(crate) struct Setting<'t> {
    /// The value as written; `None` when the property is left out (or removed with
    /// `AWS::NoValue`), so the default applies.
    pub alt: Option<Alt<'t>>,
    /// The value KMS uses when the property is left out.
    pub default: &'static str,
    /// Condition branches that lead to this value.
    pub when: Vec<(&'t str, bool)>,
    /// Where the value is decided: the value (or the `Fn::If` that removes it) when written,
    /// nothing when the property is absent.
    pub site: Option<Span>,
}

impl<'t> Setting<'t> {
    /// The value as a string, `None` when it is not known (an unknown parameter, a list…).
    pub(crate) fn text(&self) -> Option<&str> {
        match &self.alt {
            None => Some(self.default),
            Some(alt) => alt.as_str(),
        }
    }

    /// The value as a boolean: `true`/`false` in any case, the YAML 1.1 words as the YAML 1.1
    /// parser CloudFormation uses reads them, `None` when unknown or not a boolean.
    pub(crate) fn flag(&self) -> Option<bool> {
        match &self.alt {
            None => Some(self.default == "true"),
            Some(alt) => match alt.as_bool() {
                Boolish::True | Boolish::Ambiguous(true) => Some(true),
                Boolish::False | Boolish::Ambiguous(false) => Some(false),
                Boolish::NotBool | Boolish::Unknown => None,
            },
        }
    }

    /// Whether the property is written (not left to its default).
    pub(crate) fn is_written(&self) -> bool {
        self.alt.is_some()
    }
}

/// Every value of `name` on `resource`, or its default when it is not written.
pub(crate) fn settings<'t>(
    resolver: &Resolver<'_, 't>,
    resource: &Resource<'t>,
    name: &str,
    default: &'static str,
) -> Vec<Setting<'t>> {
    let Some(node) = resource.property(name) else {
        return vec![Setting {
            alt: None,
            default,
            when: Vec::new(),
            site: None,
        }];
    };
    resolver
        .resolve(node)
        .into_iter()
        .map(|alt| {
            let when = alt.when.clone();
            let site = Some(alt.span);
            let alt = (alt.val != Val::NoValue).then_some(alt);
            Setting {
                alt,
                default,
                when,
                site,
            }
        })
        .collect()
}

/// Whether the rules can read the key's properties one by one: `Properties` is absent (every
/// property takes its default) or a plain mapping, not `Properties: !If […]`.
pub(crate) fn readable(resource: &Resource<'_>) -> bool {
    match resource.properties {
        None => true,
        Some(p) => (p.as_map().is_some() && p.intrinsic().is_none()) || p.is_null(),
    }
}

/// Reports a finding at a setting: at its value as written (through [`report_value`], so a
/// parameter's value is pointed at), at the `Fn::If` that removes it, or at the resource's
/// logical ID when the property is not written. `when` adds the conditions of the other
/// settings the finding depends on.
pub(crate) fn report_setting<'o, 't>(
    out: &'o mut Reporter,
    resource: &Resource<'_>,
    setting: &Setting<'t>,
    when: &[(&'t str, bool)],
    message: impl Into<String>,
) -> &'o mut Diagnostic {
    let merged = merged_when(&[&setting.when, when]);
    match &setting.alt {
        Some(alt) => {
            let mut alt = alt.clone();
            alt.when = merged;
            report_value(out, resource, &alt, message)
        }
        None => {
            let mut message = message.into();
            if let Some(note) = describe_when(&merged) {
                message = format!("{message} ({note})");
            }
            let diagnostic = out.report(setting.site.unwrap_or(resource.name_span), message);
            diagnostic.with_resource(resource.name);
            diagnostic
        }
    }
}

/// The key's defaults when a property is left out (docs/facts/cloudformation.md#key-defaults: the
/// handler's `setDefaults`).
pub(crate) mod defaults {
    pub(crate) const KEY_SPEC: &str = crate::facts::key_specs::DEFAULT_KEY_SPEC;
    pub(crate) const KEY_USAGE: &str = crate::facts::key_specs::DEFAULT_KEY_USAGE;
    pub(crate) const ORIGIN: &str = "AWS_KMS";
    pub(crate) const ENABLE_KEY_ROTATION: &str = "false";
    pub(crate) const MULTI_REGION: &str = "false";
}
