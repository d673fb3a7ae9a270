//! KMS211 overly-broad-grant: `kms:*` or `*` (or an `Allow` with `NotAction`) granted to a
//! principal other than the account principal. Every KMS permission includes deleting the
//! key (`kms:ScheduleKeyDeletion`), changing its policy and decrypting everything under it;
//! the KMS guide grants the account principal `kms:*` and gives roles the actions they need.
//!
//! Not reported: the stack's own account principal (the default key policy), principals whose
//! value is not known, everyone (`*`, which KMS210 reports when it is unrestricted), and a
//! literal account ID unless `--account` says it is another account.

use crate::facts::actions::KMS_ACTIONS;
use crate::model::policy::{Statement, glob_match};
use crate::model::principal::{Account, Principal};
use crate::source::Span;

use super::{Context, PolicyCheck, Reporter, Rule};

pub struct OverlyBroadGrant;

impl Rule for OverlyBroadGrant {
    fn check_policy(&self, cx: &Context<'_, '_>, check: &PolicyCheck<'_, '_>, out: &mut Reporter) {
        for statement in &check.policy.statements {
            if !statement.is_allow() {
                continue;
            }
            let Some((action_span, what)) = broad(statement) else {
                continue;
            };
            let Some(principals) = &statement.principal else {
                continue;
            };
            for item in &principals.items {
                for (alt, principal) in &item.principals {
                    if !is_specific(principal, cx.settings.account.as_deref()) {
                        continue;
                    }
                    out.report(
                        alt.span,
                        format!(
                            "{} grants {what} to {}: that includes deleting the key, changing its policy and decrypting with it",
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

/// The statement's actions when they amount to every KMS action.
fn broad(statement: &Statement<'_>) -> Option<(Span, String)> {
    if let Some(values) = &statement.action {
        for item in &values.items {
            for alt in &item.alts {
                let Some(pattern) = alt.as_str() else {
                    continue;
                };
                if covers_every_action(pattern) {
                    return Some((alt.span, format!("`{pattern}`")));
                }
            }
        }
        return None;
    }
    let values = statement.not_action.as_ref()?;
    Some((
        values.entry.key_span,
        "every action but those in `NotAction`".to_owned(),
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
        Principal::Role { .. }
        | Principal::User { .. }
        | Principal::AssumedRole { .. }
        | Principal::FederatedUser { .. }
        | Principal::Service(_)
        | Principal::TemplateResource(_) => true,
        Principal::Account(Account::Id(id)) => stack_account.is_some_and(|a| a != id),
        _ => false,
    }
}
