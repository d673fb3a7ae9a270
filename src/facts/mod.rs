//! Facts about KMS and CloudFormation, as tables. Each file names its sources; the reference
//! material is `../shared/reference/kms-facts.md` and the data beside it.

pub mod actions;
pub mod conditions;
pub mod key_specs;
pub mod pseudo;
pub mod regions;
pub mod resources;

/// An AWS account ID: twelve digits.
pub fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}
