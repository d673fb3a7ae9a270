//! KMS502 key-deleted: a key or replica key of the old version is gone from the new one, or is
//! there under another logical ID, and its `DeletionPolicy` was not `Retain`: CloudFormation
//! deletes the resource it no longer sees, which for a key means scheduling its deletion; when
//! the waiting period ends, whatever was encrypted under the key cannot be decrypted.
//!
//! Decisions:
//! - A rename is a new key of the same type with the same properties (compared as data) under a
//!   logical ID the old version did not have; the finding says so, at the new ID. Anything
//!   else gone is reported at the new version's `Resources`.
//! - The old version's `DeletionPolicy` is what counts: it is what the deployed stack holds
//!   when CloudFormation deletes the resource. `RetainExceptOnCreate` keeps an existing key.
//!   A value this file does not know (a parameter) gives no finding; `Fn::If` a labelled one.
//! - A logical ID whose type changed is not a deletion: CloudFormation rejects the update.
//! - When the new version has a transform that can add resources (a macro, `AWS::Include`),
//!   a key missing from it may still be there after the transform: nothing is reported.
//! - In change review of a deployment, the stacks that read the key through what the old
//!   version offered (an export, an SSM parameter) are named, with where they read it.

use crate::diagnostic::Severity;
use crate::facts::resources::{KEY, REPLICA_KEY};
use crate::model::Resource;
use crate::model::change::Fate;
use crate::model::links::{Offer, Offered, Reader, StackLinks, offered};
use crate::source::Span;

use super::change::{Retention, may_add_resources};
use super::common::{readers_of, reading_stacks, related_readers};
use super::{ChangeContext, FixAvailability, Reporter, Rule, RuleInfo, RuleKind};

/// What `kmslint rules` lists of the rule: its summary and documentation are in
/// `rules/KMS502.md`, whose front matter must agree with this.
pub(crate) const RULE: RuleInfo = RuleInfo {
    code: "KMS502",
    name: "key-deleted",
    severity: Severity::Error,
    also: &[],
    fix: FixAvailability::Never,
    default: true,
    kind: RuleKind::Change,
};

pub(crate) struct KeyDeleted;

impl Rule for KeyDeleted {
    fn check_change(&self, cx: &ChangeContext<'_, '_, '_>, out: &mut Reporter) {
        let (Some(old_template), Some(new_template)) = (cx.old.template, cx.new.template) else {
            return;
        };
        if may_add_resources(new_template.root) {
            return;
        }
        // A removed key is reported at the new version's `Resources`, or its start.
        let resources_at = new_template
            .root
            .entry("Resources")
            .map_or(Span::new(0, 0), |e| e.key_span);
        // What the old version offered other stacks, read only in a deployment (change review
        // knows who reads it).
        let links = cx.new.links();
        let offers = links.map_or_else(Vec::new, |_| offered(old_template, &cx.old.resolver()));
        for (type_name, what) in [(KEY, "key"), (REPLICA_KEY, "replica key")] {
            for old in old_template.resources_of_type(type_name) {
                let fate = cx.matching.fate(old);
                let (at, renamed_to) = match fate {
                    Fate::Kept(new) => {
                        newly_conditional(cx, old, new, what, out);
                        continue;
                    }
                    Fate::TypeChanged => continue,
                    Fate::Renamed(new) => (new.name_span, Some(new.name)),
                    Fate::Removed => (resources_at, None),
                };
                let (lost_at, when) = match Retention::of(cx.old, old, "DeletionPolicy", false) {
                    Retention::Kept | Retention::Unknown => continue,
                    Retention::Lost { at, when } => (at, when),
                };
                let name = old.name;
                let when = when.map_or_else(String::new, |w| format!(" ({w})"));
                let conditional = old.condition.map_or_else(String::new, |c| {
                    format!(" (if it exists: it is created only under `Condition: {c}`)")
                });
                let consequence = if type_name == KEY {
                    "its deletion is scheduled, and data encrypted under it cannot be decrypted once the waiting period ends"
                } else {
                    "its deletion is scheduled, and what uses it in this Region loses its key (the primary and the other replicas keep the key material)"
                };
                let mut message = match renamed_to {
                    Some(new_name) => format!(
                        "{what} `{name}` is renamed to `{new_name}` (same type and properties){when}{conditional}: CloudFormation creates a new {what} `{new_name}` and deletes `{name}`: {consequence}"
                    ),
                    None => format!(
                        "{what} `{name}` is removed from the template{when}{conditional}: CloudFormation deletes it; {consequence}"
                    ),
                };
                let read =
                    links.and_then(|links| Some((links, read_elsewhere(links, &offers, name)?)));
                if let Some((links, (readers, via))) = &read {
                    let who = reading_stacks(links, readers);
                    message.push_str(&format!("; stack {who} of the deployment uses it ({via})"));
                }
                let help = match renamed_to {
                    Some(_) => format!(
                        "keep the logical ID `{name}`, or rename it with CloudFormation stack refactoring, which keeps the key; or first deploy `DeletionPolicy: Retain` on `{name}`, then remove it and import the key under the new ID"
                    ),
                    None => format!(
                        "to keep the key, first deploy `DeletionPolicy: Retain` (and `UpdateReplacePolicy: Retain`) on `{name}`, then remove it"
                    ),
                };
                let diagnostic = out.report(at, message).with_resource(name).with_help(help);
                cx.related_old(
                    diagnostic,
                    old.name_span,
                    format!("`{name}` in the old version"),
                );
                if let Some(alt) = lost_at {
                    cx.related_old(
                        diagnostic,
                        alt.span,
                        "its `DeletionPolicy` does not retain it",
                    );
                }
                if let Some((links, (readers, _))) = &read {
                    related_readers(diagnostic, links, readers);
                }
            }
        }
    }
}

/// The places of other stacks that read key `name` through what the old version offered of
/// it (an export, an SSM parameter), and the first such name ("export `keys-KeyArn`").
fn read_elsewhere<'l>(
    links: &'l StackLinks,
    offers: &[Offered],
    name: &str,
) -> Option<(Vec<&'l Reader>, String)> {
    let mut via = None;
    let mut readers = Vec::new();
    for offer in offers.iter().filter(|o| o.key == name) {
        let found = readers_of(links, &offer.offer);
        if found.is_empty() {
            continue;
        }
        via.get_or_insert_with(|| match &offer.offer {
            Offer::Export(export) => format!("export `{export}`"),
            Offer::Ssm { name, .. } => format!("SSM parameter `{name}`"),
            Offer::Output(output) => format!("output `{output}`"),
        });
        readers.extend(found);
    }
    Some((readers, via?))
}

/// A key of both versions that the new one creates only under a `Condition` the old one did
/// not have: when the condition is false, CloudFormation deletes the key. Reported unless the
/// conditions (with the parameters given) make it certainly true.
fn newly_conditional<'o, 'n>(
    cx: &ChangeContext<'_, 'o, 'n>,
    old: &Resource<'o>,
    new: &Resource<'n>,
    what: &str,
    out: &mut Reporter,
) {
    let Some(condition) = new.condition else {
        return;
    };
    if old.condition == Some(condition) || !cx.new.conditions.satisfiable(&[(condition, false)]) {
        return;
    }
    // Whether the old or the new version's DeletionPolicy applies to a resource whose
    // condition turns false is not documented: both must let the key go.
    if !matches!(
        Retention::of(cx.new, new, "DeletionPolicy", false),
        Retention::Lost { .. }
    ) {
        return;
    }
    let (lost_at, when) = match Retention::of(cx.old, old, "DeletionPolicy", false) {
        Retention::Kept | Retention::Unknown => return,
        Retention::Lost { at, when } => (at, when),
    };
    let name = new.name;
    let when = when.map_or_else(String::new, |w| format!(", {w}"));
    let at = new
        .node
        .entry("Condition")
        .map_or(new.name_span, |e| e.value.span);
    let diagnostic = out
        .report(
            at,
            format!(
                "{what} `{name}` is now created only under `Condition: {condition}`: when `{condition}` is false{when}, CloudFormation deletes the {what} that exists and its deletion is scheduled"
            ),
        )
        .with_resource(name)
        .with_help(format!(
            "first deploy `DeletionPolicy: Retain` on `{name}` if the key may go, or keep it unconditional"
        ));
    let old_at = old
        .node
        .entry("Condition")
        .map_or(old.name_span, |e| e.value.span);
    cx.related_old(
        diagnostic,
        old_at,
        match old.condition {
            Some(c) => format!("created under `Condition: {c}` in the old version"),
            None => "created unconditionally in the old version".to_owned(),
        },
    );
    if let Some(alt) = lost_at {
        cx.related_old(
            diagnostic,
            alt.span,
            "its `DeletionPolicy` does not retain it",
        );
    }
}
