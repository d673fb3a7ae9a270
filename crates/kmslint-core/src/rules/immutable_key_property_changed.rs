//! KMS501 immutable-key-property-changed: TODO.

use super::{ChangeContext, Reporter, Rule};

pub struct ImmutableKeyPropertyChanged;

impl Rule for ImmutableKeyPropertyChanged {
    fn check_change(&self, _cx: &ChangeContext<'_, '_, '_>, _out: &mut Reporter) {}
}
