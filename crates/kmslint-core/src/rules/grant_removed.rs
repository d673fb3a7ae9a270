//! KMS506 grant-removed: TODO.

use super::{ChangeContext, Reporter, Rule};

pub struct GrantRemoved;

impl Rule for GrantRemoved {
    fn check_change(&self, _cx: &ChangeContext<'_, '_, '_>, _out: &mut Reporter) {}
}
