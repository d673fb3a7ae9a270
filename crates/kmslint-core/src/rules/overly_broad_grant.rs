//! KMS211 overly-broad-grant: `kms:*` or `*` (or an `Allow` with `NotAction`) granted to a
//! principal other than the account principal. Every KMS permission includes deleting the
//! key (`kms:ScheduleKeyDeletion`), changing its policy and decrypting everything under it;
//! the KMS guide grants the account principal `kms:*` and gives roles the actions they need.
//!
//! Not reported: the stack's own account principal (the default key policy), principals whose
//! value is not known, everyone (`*`, which KMS210 reports when it is unrestricted), and a
//! literal account ID unless `--account` says it is another account. A `NotAction` counts only
//! while it leaves at least one of deleting the key, changing its policy and decrypting
//! allowed (`NotAction: kms:*` grants nothing of KMS), and the message names what it leaves.

use crate::diagnostic::Severity;
use crate::facts::actions::KMS_ACTIONS;
use crate::model::policy::{Statement, glob_match};
use crate::model::principal::{IamKind, Principal, Slot};
use crate::source::Span;

use super::common::join;
use super::{Context, FixAvailability, PolicyCheck, Reporter, Rule, RuleInfo, RuleKind};

/// What `kmslint rules` lists of the rule: its summary and documentation are in
/// `rules/KMS211.md`, whose front matter must agree with this.
pub(crate) const RULE: RuleInfo = RuleInfo {
    code: "KMS211",
    name: "overly-broad-grant",
    severity: Severity::Warning,
    also: &[],
    fix: FixAvailability::Never,
    default: true,
    kind: RuleKind::File,
};

pub(crate) struct OverlyBroadGrant;

impl Rule for OverlyBroadGrant {
    fn checks_policies(&self) -> bool {
        true
    }

    fn check_policy(&self, cx: &Context<'_, '_>, check: &PolicyCheck<'_, '_>, out: &mut Reporter) {
        for statement in &check.policy.statements {
            if !statement.is_allow() {
                continue;
            }
            let Some((action_span, what, consequences)) = broad(statement) else {
                continue;
            };
            let Some(principals) = &statement.principal else {
                continue;
            };
            for item in &principals.items {
                for (alt, principal) in &item.principals {
                    if !is_specific(principal, cx.env.account) {
                        continue;
                    }
                    out.report(
                        alt.span,
                        format!(
                            "{} grants {what} to {}: that includes {consequences}",
                            statement.describe(),
                            principal.describe()
                        ),
                    )
                    .with_related(action_span, "all KMS actions are granted here")
                    .with_help("grant only the actions this principal needs, such as `kms:Decrypt` and `kms:GenerateDataKey*`");
                }
            }
        }
    }
}

/// What granting one of the key's most dangerous actions lets a principal do.
const DANGEROUS: &[(&str, &str)] = &[
    ("ScheduleKeyDeletion", "deleting the key"),
    ("PutKeyPolicy", "changing its policy"),
    ("Decrypt", "decrypting with it"),
];

/// The statement's actions when they amount to every KMS action (or every one but a few that
/// leaves dangerous ones allowed), how to name them, and what they include.
fn broad(statement: &Statement<'_>) -> Option<(Span, String, String)> {
    if let Some(values) = &statement.action {
        for item in &values.items {
            for alt in &item.alts {
                let Some(pattern) = alt.as_str() else {
                    continue;
                };
                if covers_every_action(pattern) {
                    let all = DANGEROUS.iter().map(|(_, what)| *what).collect::<Vec<_>>();
                    return Some((alt.span, format!("`{pattern}`"), join(&all)));
                }
            }
        }
        return None;
    }
    let values = statement.not_action.as_ref()?;
    if values.incomplete {
        return None;
    }
    let excluded = |name: &str| {
        values.items.iter().any(|item| {
            item.alts.iter().any(|alt| {
                alt.as_str()
                    .is_none_or(|pattern| glob_match(pattern, &format!("kms:{name}")))
            })
        })
    };
    let left: Vec<&str> = DANGEROUS
        .iter()
        .filter(|(name, _)| !excluded(name))
        .map(|(_, what)| *what)
        .collect();
    if left.is_empty() {
        return None;
    }
    Some((
        values.entry.key_span,
        "every action but those in `NotAction`".to_owned(),
        join(&left),
    ))
}

/// Whether an action pattern matches every KMS action (`*`, `kms:*`, `KMS:*`, `*:*`, …).
fn covers_every_action(pattern: &str) -> bool {
    match pattern.split_once(':') {
        // Matching the name part alone saves building `kms:Name` for every action; this runs
        // for every action of every statement.
        Some((service, name)) => {
            glob_match(service, "kms")
                && (name.bytes().all(|b| b == b'*')
                    || KMS_ACTIONS.iter().all(|a| glob_match(name, a.name)))
        }
        None => KMS_ACTIONS
            .iter()
            .all(|a| glob_match(pattern, &format!("kms:{}", a.name))),
    }
}

fn is_specific(principal: &Principal, stack_account: Option<&str>) -> bool {
    match principal {
        Principal::Iam(p) => match (&p.kind, &p.account) {
            (IamKind::Account, Slot::Known(id)) => stack_account.is_some_and(|a| a != id),
            (IamKind::Account, _) => false,
            _ => true,
        },
        Principal::Service(_) | Principal::TemplateResource(_) => true,
        _ => false,
    }
}
