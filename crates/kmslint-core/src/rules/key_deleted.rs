//! KMS502 key-deleted: TODO.

use super::{ChangeContext, Reporter, Rule};

pub struct KeyDeleted;

impl Rule for KeyDeleted {
    fn check_change(&self, _cx: &ChangeContext<'_, '_, '_>, _out: &mut Reporter) {}
}
