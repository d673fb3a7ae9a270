//! A change between two versions of a template, on the model: which resource of the old
//! version is which of the new one. Reordering, reformatting, comments and YAML ↔ JSON are not
//! changes: resources are matched by logical ID, and values compared as data.

use crate::model::EmbeddedPolicy;
use crate::model::template::Template;

pub struct Matching<'o, 'n> {
    pub old: &'o Template<'o>,
    pub new: &'n Template<'n>,
}

impl<'o, 'n> Matching<'o, 'n> {
    pub fn new(
        old: &'o Template<'o>,
        new: &'n Template<'n>,
        _old_embedded: &'o [EmbeddedPolicy<'o>],
        _new_embedded: &'n [EmbeddedPolicy<'n>],
    ) -> Matching<'o, 'n> {
        Matching { old, new }
    }
}
