//! The key uses the consumer rules (KMS603, KMS604, KMS605) check: every value of every
//! property of the allow-list `facts::key_consumers`, with the conditions that lead to it.

use crate::facts::key_consumers::{self, KeyConsumer};
use crate::model::Conditions;
use crate::model::consumers::{ConsumerIndex, KeyUse};

use super::Context;
use crate::model::value::consistent;

/// Every value of every consumer property, in file order, with the consumer it belongs to,
/// that can be taken (its `Fn::If` branches and the consumer's `Condition` can hold together).
/// Worked out once per file, with the index ([`possible_uses`]): KMS603, KMS604 and KMS605
/// all read it.
pub(crate) fn uses<'t>(cx: &Context<'_, 't>) -> Vec<(&'static KeyConsumer, KeyUse<'t>)> {
    cx.consumers.possible_uses.clone()
}

/// What [`uses`] returns, from the file's consumer index and conditions.
pub(crate) fn possible_uses<'t>(
    index: &ConsumerIndex<'t>,
    conditions: &Conditions<'t>,
) -> Vec<(&'static KeyConsumer, KeyUse<'t>)> {
    let mut out = Vec::new();
    if index.is_empty() {
        return out;
    }
    // The table's entries for the types the template has, in the table's order: a template
    // has few of the table's types, and looking each of them up would cost more than the rest.
    let mut picked: Vec<usize> = index
        .types()
        .flat_map(|t| key_consumers::indexes_of_type(t).iter().copied())
        .collect();
    picked.sort_unstable();
    picked.dedup();
    let table = key_consumers::table();
    for consumer in picked.into_iter().map(|i| &table[i]) {
        for key_use in &index.uses(consumer.resource_type, consumer.path).all {
            if possible_with(conditions, key_use, &[]) {
                out.push((consumer, key_use.clone()));
            }
        }
    }
    // In file order, whatever the table's order: messages name consumers as the file does.
    out.sort_by_key(|(_, key_use)| key_use.span.start);
    out
}

/// Whether `key_use` can be taken together with the conditions `also` (those of a key's
/// setting, or of another use), and with the consumer's `Condition`.
pub(crate) fn possible<'t>(
    cx: &Context<'_, 't>,
    key_use: &KeyUse<'t>,
    also: &[(&'t str, bool)],
) -> bool {
    possible_with(cx.conditions, key_use, also)
}

fn possible_with<'t>(
    conditions: &Conditions<'t>,
    key_use: &KeyUse<'t>,
    also: &[(&'t str, bool)],
) -> bool {
    let mut all: Vec<(&'t str, bool)> = key_use.when.clone();
    all.extend_from_slice(also);
    if let Some(condition) = key_use.consumer_condition {
        all.push((condition, true));
    }
    if !consistent(&[&all]) {
        return false;
    }
    all.sort_unstable();
    all.dedup();
    conditions.satisfiable(&all)
}

/// How a consumer is named in messages: "`Logs` (KmsKeyId)".
pub(crate) fn describe(key_use: &KeyUse<'_>) -> String {
    format!("`{}` ({})", key_use.consumer, key_use.property)
}
