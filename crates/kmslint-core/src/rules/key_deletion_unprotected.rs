//! KMS105 key-deletion-unprotected: a Key or ReplicaKey without `DeletionPolicy: Retain` and
//! `UpdateReplacePolicy: Retain`. Removing the resource from the stack, deleting the stack or
//! replacing the resource schedules the key for deletion; once the waiting period
//! (PendingWindowInDays, 7–30 days) ends, everything encrypted under it is unreadable, and a
//! signing, HMAC or key agreement key can no longer do its work: the message says which.
//!
//! `RetainExceptOnCreate` protects as well as `Retain` for DeletionPolicy (it deletes only a
//! key created by a stack operation that failed and rolled back). `Snapshot` is not supported
//! for KMS keys, and an explicit `Delete` is as unprotected as no policy at all. Values
//! CloudFormation does not accept are left to other checks; a parameter that also offers `Retain` is the deployer's choice.

use crate::diagnostic::Severity;
use crate::facts::key_specs::{self, Family};
use crate::facts::resources::{KEY, REPLICA_KEY};
use crate::model::Resource;
use crate::model::value::{Alt, Resolver};

use crate::fix::edit::{Fragment, Place};
use crate::fix::{Applicability, Edit, Fix};

use super::common::{report_value, resources, written_at};
use super::key_config::{defaults, readable, settings};
use super::{Context, FixAvailability, Reporter, Rule, RuleInfo, RuleKind};

/// What `kmslint rules` lists of the rule: its summary and documentation are in
/// `rules/KMS105.md`, whose front matter must agree with this.
pub(crate) const RULE: RuleInfo = RuleInfo {
    code: "KMS105",
    name: "key-deletion-unprotected",
    severity: Severity::Warning,
    also: &[],
    fix: FixAvailability::Sometimes,
    default: true,
    kind: RuleKind::File,
};

pub(crate) struct KeyDeletionUnprotected;

impl Rule for KeyDeletionUnprotected {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Reporter) {
        let resolver = cx.resolver();
        for type_name in [KEY, REPLICA_KEY] {
            for resource in resources(cx, type_name) {
                check(cx, &resolver, resource, type_name, out);
            }
        }
    }
}

/// What one of the two attributes says.
enum Policy<'t> {
    Missing,
    Protected,
    /// `Delete` or `Snapshot` (the value as written).
    Unprotected(Alt<'t>),
    Unknown,
}

fn policy<'t>(resolver: &Resolver<'_, 't>, resource: &Resource<'t>, attribute: &str) -> Policy<'t> {
    let Some(node) = resource.attribute(attribute) else {
        return Policy::Missing;
    };
    let protected = |value: &str| {
        value == "Retain" || (attribute == "DeletionPolicy" && value == "RetainExceptOnCreate")
    };
    let alts = resolver.resolve(node);
    let offers_retain = |param: &str| {
        alts.iter().any(|a| {
            a.param.as_ref().is_some_and(|p| p.name == param) && a.as_str().is_some_and(protected)
        })
    };
    let unprotected = alts.iter().find(|a| {
        matches!(a.as_str(), Some("Delete" | "Snapshot"))
            && !a
                .param
                .as_ref()
                .is_some_and(|p| !p.from_command_line && offers_retain(p.name))
    });
    if let Some(alt) = unprotected {
        return Policy::Unprotected(alt.clone());
    }
    if !alts.is_empty() && alts.iter().all(|a| a.as_str().is_some_and(protected)) {
        Policy::Protected
    } else {
        Policy::Unknown
    }
}

/// Checks one key or replica: its `DeletionPolicy` and `UpdateReplacePolicy`, alone and
/// together, each case with its own finding, help and fix.
///
/// One function on purpose: the cases share what was read of the resource (both policies in
/// every `Fn::If` branch, how the file writes them, where a fix goes) and are one decision
/// over the two values.
fn check<'t>(
    cx: &Context<'_, 't>,
    resolver: &Resolver<'_, 't>,
    resource: &Resource<'t>,
    type_name: &str,
    out: &mut Reporter,
) {
    let deletion = policy(resolver, resource, "DeletionPolicy");
    let replace = policy(resolver, resource, "UpdateReplacePolicy");
    let name = resource.name;
    let what = if type_name == KEY {
        "key"
    } else {
        "replica key"
    };
    // `DeletionPolicy: Retain` as the file writes it, in backquotes.
    let line = |attribute: &str, value: &str| {
        cx.snippet(
            format!("`{attribute}: {value}`"),
            format!("`\"{attribute}\": \"{value}\"`"),
        )
    };
    let fix_replace = matches!(replace, Policy::Missing | Policy::Unprotected(_));
    let loss = if type_name == KEY {
        format!(
            "removing it or deleting the stack schedules the key for deletion, and {}",
            lost(resolver, resource)
        )
    } else {
        // A replica shares its key material with the primary: the data is not lost, but
        // this Region can no longer decrypt it locally.
        "removing it or deleting the stack schedules the replica for deletion, and data encrypted in this Region can then only be decrypted with the primary key or another replica in another Region"
            .to_owned()
    };
    let replaced = "if an update replaces it, the old key is scheduled for deletion";

    let fix = fix(cx, resource, &deletion, &replace);
    match (&deletion, &replace) {
        (Policy::Unprotected(alt), _) => {
            let message = if alt.as_str() == Some("Snapshot") {
                format!(
                    "KMS keys have no snapshots: {} does not keep {what} `{name}`; {loss}",
                    line("DeletionPolicy", "Snapshot")
                )
            } else {
                format!(
                    "{} on {what} `{name}`: {loss}",
                    line("DeletionPolicy", "Delete")
                )
            };
            let mut help = format!("use {}", line("DeletionPolicy", "Retain"));
            if fix_replace {
                help = format!("{help}, and add {}", line("UpdateReplacePolicy", "Retain"));
            }
            report_value(out, resource, alt, message)
                .with_help(help)
                .with_fix(fix);
        }
        (Policy::Missing, _) if fix_replace => {
            out.report(
                resource.name_span,
                format!(
                    "{what} `{name}` has no {} or {}: {loss}",
                    line("DeletionPolicy", "Retain"),
                    line("UpdateReplacePolicy", "Retain")
                ),
            )
            .with_resource(name)
            .with_help(format!(
                "add {} and {} to `{name}`",
                line("DeletionPolicy", "Retain"),
                line("UpdateReplacePolicy", "Retain")
            ))
            .with_fix(fix);
        }
        (Policy::Missing, _) => {
            out.report(
                resource.name_span,
                format!(
                    "{what} `{name}` has no {}: {loss}",
                    line("DeletionPolicy", "Retain")
                ),
            )
            .with_resource(name)
            .with_help(format!(
                "add {} to `{name}`",
                line("DeletionPolicy", "Retain")
            ))
            .with_fix(fix);
        }
        (_, Policy::Unprotected(alt)) => {
            let value = alt.as_str().unwrap_or_default();
            report_value(
                out,
                resource,
                alt,
                format!(
                    "{} on {what} `{name}`: {replaced}",
                    line("UpdateReplacePolicy", value)
                ),
            )
            .with_help(format!("use {}", line("UpdateReplacePolicy", "Retain")))
            .with_fix(fix);
        }
        (_, Policy::Missing) => {
            out.report(
                resource.name_span,
                format!(
                    "{what} `{name}` has no {}: {replaced}",
                    line("UpdateReplacePolicy", "Retain")
                ),
            )
            .with_resource(name)
            .with_help(format!(
                "add {} to `{name}`",
                line("UpdateReplacePolicy", "Retain")
            ))
            .with_fix(fix);
        }
        _ => {}
    }
}

/// What deleting the key loses, for the usages its `KeyUsage` can take (AWS KMS Developer
/// Guide, "Deleting AWS KMS keys": after deletion nothing can be done with the key, and
/// "Key spec reference" for what each usage does). A usage that is not known here may be
/// `ENCRYPT_DECRYPT`, and losing data is the worst case, so it reads as encryption.
fn lost(resolver: &Resolver<'_, '_>, key: &Resource<'_>) -> String {
    const DATA: &str = "the data encrypted under it is lost";
    if !readable(key) {
        return DATA.to_owned();
    }
    let asymmetric = || {
        settings(resolver, key, "KeySpec", defaults::KEY_SPEC)
            .iter()
            .all(|s| {
                s.text()
                    .and_then(key_specs::key_spec)
                    .is_some_and(|spec| spec.family != Family::Symmetric)
            })
    };
    let mut phrases: Vec<&str> = Vec::new();
    for usage in settings(resolver, key, "KeyUsage", defaults::KEY_USAGE) {
        let phrase = match usage.text() {
            Some("SIGN_VERIFY") => "signatures can no longer be made or verified with it",
            Some("GENERATE_VERIFY_MAC") => "MACs can no longer be generated or verified with it",
            Some("KEY_AGREEMENT") => "shared secrets can no longer be derived with it",
            Some("ENCRYPT_DECRYPT") if asymmetric() => {
                "the data encrypted under it or with its exported public key can no longer be decrypted"
            }
            _ => return DATA.to_owned(),
        };
        if !phrases.contains(&phrase) {
            phrases.push(phrase);
        }
    }
    match phrases.as_slice() {
        [] => DATA.to_owned(),
        [one] => (*one).to_owned(),
        many => format!("depending on its KeyUsage, {}", many.join(", or ")),
    }
}

/// Sets both attributes to `Retain`: the missing ones added together after the resource's
/// last entry (safe: nothing the author wrote changes), an explicit literal `Delete` or
/// `Snapshot` replaced (unsafe: it was their stated choice). A value from a parameter or an
/// `Fn::If` branch gets no fix, nor does a finding one part of which cannot be fixed.
fn fix(
    cx: &Context<'_, '_>,
    resource: &Resource<'_>,
    deletion: &Policy<'_>,
    replace: &Policy<'_>,
) -> Option<Fix> {
    let mut missing = Vec::new();
    let mut edits: Vec<Option<Edit>> = Vec::new();
    let mut applicability = Applicability::Safe;
    for (attribute, policy) in [
        ("DeletionPolicy", deletion),
        ("UpdateReplacePolicy", replace),
    ] {
        match policy {
            Policy::Missing => missing.push((attribute, Fragment::Str("Retain"))),
            Policy::Unprotected(alt) => {
                let node = written_at(alt, resource.attribute(attribute)?)?;
                edits.push(cx.editor.replace_scalar(node, "Retain"));
                applicability = Applicability::Unsafe;
            }
            Policy::Protected | Policy::Unknown => {}
        }
    }
    let title = match missing.as_slice() {
        [] => "Use `Retain`".to_owned(),
        [(one, _)] if edits.is_empty() => format!("Add `{one}: Retain`"),
        [_, _] => "Add `DeletionPolicy: Retain` and `UpdateReplacePolicy: Retain`".to_owned(),
        [(one, _)] => format!("Use `Retain` and add `{one}: Retain`"),
        _ => return None,
    };
    if !missing.is_empty() {
        edits.push(
            cx.editor
                .insert_entries(resource.node, Place::Last, missing),
        );
    }
    Fix::new(title, applicability, edits)
}
