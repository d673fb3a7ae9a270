//! KMS505 consumer-key-changed: TODO.

use super::{ChangeContext, Reporter, Rule};

pub struct ConsumerKeyChanged;

impl Rule for ConsumerKeyChanged {
    fn check_change(&self, _cx: &ChangeContext<'_, '_, '_>, _out: &mut Reporter) {}
}
