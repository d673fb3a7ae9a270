//! KMS504 retention-removed: TODO.

use super::{ChangeContext, Reporter, Rule};

pub struct RetentionRemoved;

impl Rule for RetentionRemoved {
    fn check_change(&self, _cx: &ChangeContext<'_, '_, '_>, _out: &mut Reporter) {}
}
