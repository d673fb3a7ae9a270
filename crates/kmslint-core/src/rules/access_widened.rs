//! KMS507 access-widened: the new key policy lets a principal do something with the key that
//! the old one did not (the offline `CheckNoNewAccess` of IAM Access Analyzer). The policy
//! engine answers both versions (`crate::model::access`, the matrix of `kmslint access`): for
//! each principal the new policy names, and the account's other principals, each capability
//! (administer, use, grant, read) is compared, and a gain is reported.
//!
//! Decisions:
//! - A gain is a cell that goes from nothing (`not-allowed` or `denied`) to `conditional` or
//!   `allowed`; or a cell that was `conditional` and now has a new way in, a statement whose
//!   conditions no way before implied (`Way::implies`: what kmslint cannot tell and the
//!   principal's IAM policies are left out, so that a principal rewritten with
//!   `${AWS::Partition}` is no gain). Narrowed access is KMS506's business when a consumer of
//!   the template needs it, else not reported.
//! - An error when the gain is public (`*`, allowed with no condition) or goes to a principal
//!   of another account than the stack's; else a warning.
//! - Only keys in both versions whose key policy changed are compared; a new key's policy is
//!   the policy rules' business (KMS210, KMS211). The template's roles and users are compared
//!   with the IAM policies the template gives them, but a change to those alone is not looked at.
//! - The finding is at the statement of the new version that gives the first action gained,
//!   with the old key policy as a related location.

use crate::diagnostic::Severity;
use crate::facts::resources::{KEY, REPLICA_KEY};
use crate::model::Resource;
use crate::model::access::{
    Asker, Capability, Cell, RequestContext, Verdict, Way, ask_over, cells_over, principals_over,
};
use crate::model::principal::{Principal, Slot};
use crate::source::Span;

use super::key_access::KeyAccess;
use super::{ChangeContext, FixAvailability, Reporter, Rule, RuleInfo, RuleKind};

/// What `kmslint rules` lists of the rule: its summary and documentation are in
/// `rules/KMS507.md`, whose front matter must agree with this.
pub(crate) const RULE: RuleInfo = RuleInfo {
    code: "KMS507",
    name: "access-widened",
    severity: Severity::Warning,
    also: &[Severity::Error],
    fix: FixAvailability::Never,
    default: true,
    kind: RuleKind::Change,
};

pub(crate) struct AccessWidened;

impl Rule for AccessWidened {
    /// The template's IAM policies are read with the consumers: what a role of the template
    /// may do through them is part of the comparison.
    fn reads_consumers(&self) -> bool {
        true
    }

    fn check_change(&self, cx: &ChangeContext<'_, '_, '_>, out: &mut Reporter) {
        if cx.old.template.is_none() || cx.new.template.is_none() {
            return;
        }
        let pairs: Vec<_> = [KEY, REPLICA_KEY]
            .into_iter()
            .flat_map(|t| cx.matching.kept(t))
            .filter(|(old, new)| !cx.matching.same_policy(old, new))
            .collect();
        for (old, new) in pairs {
            compare_key(cx, old, new, out);
        }
    }
}

fn compare_key(
    cx: &ChangeContext<'_, '_, '_>,
    old_key: &Resource<'_>,
    new_key: &Resource<'_>,
    out: &mut Reporter,
) {
    let context = RequestContext::default();
    let old = KeyAccess::of(cx.old, old_key);
    let new = KeyAccess::of(cx.new, new_key);
    let (before, after) = (old.askers(&context), new.askers(&context));
    // The principals the new version names in any scenario, each once.
    let mut principals = principals_over(&after);
    // Anyone first: what anyone gains, every other principal gains too, at the same statement,
    // and it is said once, for anyone.
    principals.sort_by_key(|(_, who)| match who {
        Some(Principal::Everyone) => 0,
        Some(_) => 1,
        None => 2,
    });
    let mut public: Vec<(Capability, Span)> = Vec::new();
    let mut gains: Vec<(Gain, Vec<String>)> = Vec::new();
    for (label, who) in principals {
        let was = cells_over(&before, who.as_ref());
        let now = cells_over(&after, who.as_ref());
        for ((capability, was), now) in Capability::ALL.iter().zip(&was).zip(&now) {
            // From nothing to something. A `conditional` that becomes `allowed` may be the same
            // access said with more certainty (a principal whose partition is now written
            // `${AWS::Partition}`), so it is not reported.
            // Or `conditional` before and now, with a new way in: a condition no way before
            // implied (the widdix case: anyone could already decrypt through one service, and
            // now through S3 too).
            let (at, how) = if was.verdict.rank() == 0 && now.verdict.rank() > 0 {
                // At the statement that gives the first action gained, in a scenario that
                // gives it.
                let statement = now.actions.first().and_then(|action| {
                    after.iter().find_map(|asker| {
                        let said = match &who {
                            Some(principal) => asker.ask(principal, action),
                            None => asker.ask_unnamed(action),
                        };
                        Some(said.statements.first()?.label)
                    })
                });
                (statement.unwrap_or(new_key.name_span), None)
            } else if was.verdict == Verdict::Conditional && now.verdict.rank() > 0 {
                let actions = capability.actions(new.usage);
                let Some(new) = new_way(&before, &after, who.as_ref(), actions) else {
                    continue;
                };
                (new.way.at.unwrap_or(new_key.name_span), Some(new))
            } else {
                continue;
            };
            let severity = if gain_is_outside(who.as_ref(), now, cx.new.env.account) {
                Severity::Error
            } else {
                Severity::Warning
            };
            match &who {
                Some(Principal::Everyone) => public.push((*capability, at)),
                _ if public.contains(&(*capability, at)) => continue,
                _ => {}
            }
            let gain = Gain {
                at,
                how,
                capability: *capability,
                severity,
                was: shown(was),
                now: shown(now),
                actions: now.actions.join(", "),
            };
            match gains.iter_mut().find(|(g, _)| *g == gain) {
                Some((_, labels)) => labels.push(label.clone()),
                None => gains.push((gain, vec![label.clone()])),
            }
        }
    }
    let old_policy = old_key
        .property_entry("KeyPolicy")
        .map_or(old_key.name_span, |e| e.key_span);
    for (gain, labels) in gains {
        report(cx, &gain, &labels, new_key.name, old_policy, out);
    }
}

/// What principals gain at one statement: one finding for all of them (a statement that
/// names the service principals of twelve Regions gives one).
#[derive(PartialEq, Eq)]
struct Gain {
    at: Span,
    /// For a new way in to a capability that was already `conditional`.
    how: Option<NewWay>,
    capability: Capability,
    severity: Severity,
    was: &'static str,
    now: &'static str,
    actions: String,
}

/// Principals named in a message; more are counted.
const NAMED: usize = 3;

fn report(
    cx: &ChangeContext<'_, '_, '_>,
    gain: &Gain,
    labels: &[String],
    key: &str,
    old_policy: Span,
    out: &mut Reporter,
) {
    let mut who: Vec<String> = labels
        .iter()
        .take(NAMED)
        .map(|l| format!("`{l}`"))
        .collect();
    if labels.len() > NAMED {
        who.push(format!("{} more", labels.len() - NAMED));
    }
    let who = match who.as_slice() {
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
        [] => return,
    };
    let message = match &gain.how {
        None => format!(
            "{who} can now {} key `{key}` ({} before, {} now: {})",
            gain.capability.as_str(),
            gain.was,
            gain.now,
            gain.actions
        ),
        Some(new) => {
            let needs: Vec<&str> = new.way.ifs.iter().map(|n| n.text.as_str()).collect();
            let how = match (needs.as_slice(), new.in_some_builds) {
                ([], false) => "with no condition".to_owned(),
                ([], true) => "in some combinations of the template's `Conditions`".to_owned(),
                (needs, false) => format!("if {}", needs.join(", and ")),
                (needs, true) => format!(
                    "if {} (in some combinations of the template's `Conditions`)",
                    needs.join(", and ")
                ),
            };
            format!(
                "{who} can now {} key `{key}` in a new way ({} before, {} now: {}): {how}",
                gain.capability.as_str(),
                gain.was,
                gain.now,
                gain.actions,
            )
        }
    };
    let help = match gain.severity {
        Severity::Error => {
            "make sure this access is meant: it reaches anyone, or another account; scope the statement (a condition, named principals) if it is not"
        }
        _ => "make sure this access is meant; `kmslint access` shows who can do what with the key",
    };
    let diagnostic = out
        .report(gain.at, message)
        .with_severity(gain.severity)
        .with_resource(key)
        .with_help(help);
    cx.related_old(diagnostic, old_policy, "the key policy before");
}

/// A way in that no way before implies.
#[derive(PartialEq, Eq)]
struct NewWay {
    way: Way,
    /// Only some builds of the policy (combinations of the template's conditions) give it.
    in_some_builds: bool,
}

/// A way `who` may now call one of `actions` that no way before implies, if there is one (a
/// way before implies one now when all it needs is within what the one now needs).
fn new_way(
    before: &[Asker<'_, '_>],
    after: &[Asker<'_, '_>],
    who: Option<&Principal>,
    actions: &[&str],
) -> Option<NewWay> {
    for action in actions {
        let ask = |asker: &Asker<'_, '_>| match who {
            Some(principal) => asker.ask(principal, action),
            None => asker.ask_unnamed(action),
        };
        let was = ask_over(before, &ask);
        let now: Vec<Vec<Way>> = after.iter().map(|asker| ask(asker).ways).collect();
        let new = now
            .iter()
            .flatten()
            .find(|way| !was.ways.iter().any(|old| old.implies(way)));
        if let Some(way) = new {
            return Some(NewWay {
                way: way.clone(),
                in_some_builds: now.iter().any(|ways| !ways.contains(way)),
            });
        }
    }
    None
}

fn shown(cell: &Cell) -> &'static str {
    match cell.verdict {
        Verdict::NotAllowed => "nothing",
        verdict => verdict.as_str(),
    }
}

/// Whether a gain is public (anyone, with no condition) or goes to a principal of another
/// account than the stack's (`account`).
fn gain_is_outside(who: Option<&Principal>, now: &Cell, account: Option<&str>) -> bool {
    match who {
        Some(Principal::Everyone) => now.verdict == Verdict::Allowed,
        Some(Principal::Iam(p)) => matches!(
            (&p.account, account),
            (Slot::Known(theirs), Some(ours)) if theirs != ours
        ),
        _ => false,
    }
}
