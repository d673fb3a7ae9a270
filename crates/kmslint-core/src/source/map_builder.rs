//! A mapping's entries as a loader builds them: duplicate keys reported, the last definition
//! kept, in linear time. Shared by the YAML and JSON loaders.

use std::borrow::Cow;
use std::collections::HashMap;

use super::tree::Entry;
use super::{LoadProblem, ProblemKind};

/// Builds a map's entries, reporting duplicate keys and keeping the last definition.
///
/// Linear in the number of keys, duplicates or not: a replaced entry leaves a hole that
/// [`MapBuilder::finish`] closes in one pass, so the entries keep their source order (the last
/// definition of a key where it was written) without moving the rest on every duplicate.
#[derive(Default)]
pub(crate) struct MapBuilder<'a> {
    /// `None` where an entry was replaced by a later definition of its key.
    slots: Vec<Option<Entry<'a>>>,
    /// Entries in `slots` that are still there.
    live: usize,
    /// Key to slot, built only for large maps, where a linear search per key would be
    /// quadratic.
    index: Option<HashMap<Cow<'a, str>, usize>>,
}

const INDEX_THRESHOLD: usize = 16;

impl<'a> MapBuilder<'a> {
    pub(crate) fn insert(&mut self, entry: Entry<'a>, problems: &mut Vec<LoadProblem>) {
        let existing = match &self.index {
            Some(index) => index.get(entry.key.as_ref()).copied(),
            None => self
                .slots
                .iter()
                .position(|slot| slot.as_ref().is_some_and(|e| e.key == entry.key)),
        };
        if let Some(first) = existing.and_then(|at| self.slots[at].take()) {
            problems.push(LoadProblem {
                kind: ProblemKind::DuplicateKey,
                span: entry.key_span,
                message: format!("`{}` is defined twice in this mapping", entry.key),
                first: Some(first.key_span),
            });
            self.live -= 1;
        }
        let at = self.slots.len();
        if let Some(index) = &mut self.index {
            index.insert(entry.key.clone(), at);
        }
        super::push(&mut self.slots, Some(entry));
        self.live += 1;
        if self.index.is_none() && self.slots.len() > INDEX_THRESHOLD {
            self.index = Some(
                self.slots
                    .iter()
                    .enumerate()
                    .filter_map(|(i, slot)| Some((slot.as_ref()?.key.clone(), i)))
                    .collect(),
            );
        }
    }

    /// The last entry added.
    pub(crate) fn last(&self) -> Option<&Entry<'a>> {
        self.slots.last().and_then(Option::as_ref)
    }

    /// The entries, in source order, with no spare capacity (see [`super::fit`]). A large
    /// map reuses the slots' memory rather than being copied into a second allocation.
    pub(crate) fn finish(self) -> Vec<Entry<'a>> {
        drop(self.index);
        // `filter_map` is collected in place (`Option<Entry>` and `Entry` have one size);
        // `flatten` is not, and would build a second, doubling vector.
        #[allow(clippy::filter_map_identity)]
        let entries: Vec<Entry<'a>> = self.slots.into_iter().filter_map(|slot| slot).collect();
        super::fit(entries)
    }
}
