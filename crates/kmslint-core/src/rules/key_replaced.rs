//! KMS503 key-replaced: TODO.

use super::{ChangeContext, Reporter, Rule};

pub struct KeyReplaced;

impl Rule for KeyReplaced {
    fn check_change(&self, _cx: &ChangeContext<'_, '_, '_>, _out: &mut Reporter) {}
}
