//! KMS504 retention-removed: a key or replica key of both versions loses its protection
//! against deletion: `DeletionPolicy: Retain` (or `RetainExceptOnCreate`) or
//! `UpdateReplacePolicy: Retain` removed or replaced by `Delete`, or `PendingWindowInDays`
//! lowered (fewer days to cancel a deletion, docs/facts/kms.md#deletion-window: 7–30, default 30).
//!
//! `Retain` → `RetainExceptOnCreate` is not reported: for a key that exists, both keep it.
//! A value read through a parameter whose value this file does not know gives no finding.

use crate::diagnostic::Severity;
use crate::facts::resources::{KEY, REPLICA_KEY};
use crate::model::Resource;
use crate::model::value::{Val, consistent, describe_when, merged_when};
use crate::source::{Node, Span};

use super::change::{Retention, at_or_name};
use super::{ChangeContext, Context, FixAvailability, Reporter, Rule, RuleInfo, RuleKind};

/// What `kmslint rules` lists of the rule: its summary and documentation are in
/// `rules/KMS504.md`, whose front matter must agree with this.
pub(crate) const RULE: RuleInfo = RuleInfo {
    code: "KMS504",
    name: "retention-removed",
    severity: Severity::Warning,
    also: &[],
    fix: FixAvailability::Never,
    default: true,
    kind: RuleKind::Change,
};

pub(crate) struct RetentionRemoved;

/// The waiting period of a key whose `PendingWindowInDays` is not set
/// (docs/facts/kms.md#deletion-window).
const DEFAULT_PENDING_WINDOW: i64 = 30;

impl Rule for RetentionRemoved {
    fn check_change(&self, cx: &ChangeContext<'_, '_, '_>, out: &mut Reporter) {
        for (type_name, what) in [(KEY, "key"), (REPLICA_KEY, "replica key")] {
            for (old, new) in cx.matching.kept(type_name) {
                for (attribute, when_lost) in [
                    (
                        "DeletionPolicy",
                        "is removed from the template or the stack is deleted",
                    ),
                    ("UpdateReplacePolicy", "is replaced by an update"),
                ] {
                    // No update replaces an `AWS::KMS::Key`: it has no create-only property
                    // (docs/facts/cloudformation.md#immutable-key-properties), so its
                    // `UpdateReplacePolicy` never acts.
                    if attribute == "UpdateReplacePolicy" && type_name == KEY {
                        continue;
                    }
                    let Retention::Kept = Retention::of(cx.old, old, attribute, false) else {
                        continue;
                    };
                    // As the old version writes it (`Retain`, `RetainExceptOnCreate`).
                    let was = old
                        .attribute(attribute)
                        .and_then(|n| n.as_str())
                        .unwrap_or("Retain");
                    let Retention::Lost { at, when } = Retention::of(cx.new, new, attribute, false)
                    else {
                        continue;
                    };
                    let name = new.name;
                    let now = match &at {
                        Some(alt) => format!("is now `{}`", alt.as_str().unwrap_or_default()),
                        None => "is removed".to_owned(),
                    };
                    let when = when.map_or_else(String::new, |w| format!(" ({w})"));
                    let diagnostic = out
                        .report(
                            at_or_name(at.as_ref().map(|a| a.span), new),
                            format!(
                                "`{attribute}: {was}` of {what} `{name}` {now}{when}: when `{name}` {when_lost}, CloudFormation schedules the key's deletion"
                            ),
                        )
                        .with_resource(name)
                        .with_help(format!("keep `{attribute}: {was}` on `{name}`"));
                    let old_at = old.attribute(attribute).map_or(old.name_span, |n| n.span);
                    cx.related_old(
                        diagnostic,
                        old_at,
                        format!("`{attribute}` retained it in the old version"),
                    );
                }
                // The waiting period is used only when CloudFormation deletes the key, which a
                // retained key never is.
                if !matches!(
                    Retention::of(cx.new, new, "DeletionPolicy", false),
                    Retention::Kept
                ) {
                    pending_window(cx, old, new, what, out);
                }
            }
        }
    }
}

/// `PendingWindowInDays` lowered.
fn pending_window<'o, 'n>(
    cx: &ChangeContext<'_, 'o, 'n>,
    old: &Resource<'o>,
    new: &Resource<'n>,
    what: &str,
    out: &mut Reporter,
) {
    const PROPERTY: &str = "PendingWindowInDays";
    let (Some(before), Some(after)) = (
        days(cx.old, old.property(PROPERTY)),
        days(cx.new, new.property(PROPERTY)),
    ) else {
        return;
    };
    let mut pairs = 0;
    let mut lowered = Vec::new();
    for (a, a_span, a_when) in &before {
        for (b, b_span, b_when) in &after {
            if !consistent(&[a_when, b_when]) {
                continue;
            }
            let when = merged_when(&[a_when, b_when]);
            pairs += 1;
            if b < a {
                lowered.push((*a, *a_span, *b, *b_span, when));
            }
        }
    }
    let Some((a, a_span, b, b_span, when)) = lowered.first() else {
        return;
    };
    let when = if lowered.len() < pairs {
        describe_when(when).map_or_else(String::new, |w| format!(" ({w})"))
    } else {
        String::new()
    };
    let name = new.name;
    let was = if a_span.is_none() {
        format!("{a} (not set)")
    } else {
        a.to_string()
    };
    let diagnostic = out
        .report(
            at_or_name(*b_span, new),
            format!(
                "`{PROPERTY}` of {what} `{name}` is lowered from {was} to {b}{when}: a deletion of the key can be cancelled for {b} days only"
            ),
        )
        .with_resource(name)
        .with_help(format!("keep `{PROPERTY}` at {a} or more"));
    cx.related_old(
        diagnostic,
        at_or_name(*a_span, old),
        format!("`{PROPERTY}` was {was} in the old version"),
    );
}

type Days<'t> = Vec<(i64, Option<Span>, Vec<(&'t str, bool)>)>;

/// The values `PendingWindowInDays` can take, when all are known.
fn days<'t>(version: &Context<'_, 't>, node: Option<&'t Node<'t>>) -> Option<Days<'t>> {
    let Some(node) = node else {
        return Some(vec![(DEFAULT_PENDING_WINDOW, None, Vec::new())]);
    };
    version
        .resolver()
        .resolve(node)
        .iter()
        .filter(|alt| version.conditions.satisfiable(&alt.when))
        .map(|alt| {
            if alt.param.as_ref().is_some_and(|p| !p.from_command_line) {
                return None;
            }
            // An `AWS::NoValue` branch leaves the default.
            if alt.val == Val::NoValue {
                return Some((DEFAULT_PENDING_WINDOW, None, alt.when.clone()));
            }
            Some((alt.as_int()?, Some(alt.span), alt.when.clone()))
        })
        .collect()
}
