//! Facts about KMS and CloudFormation, as tables (and the shape of an account ID). Each file
//! names its sources; the reference material is `../shared/reference/kms-facts.md` and the
//! data beside it.

pub mod actions;
pub mod conditions;
pub mod consumers;
pub mod key_consumers;
pub mod key_specs;
pub mod pseudo;
pub mod regions;
pub mod resources;

/// An AWS account ID: twelve digits.
pub fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// The fields of an ARN written out in full, after `arn:`: partition, service, Region, account
/// and resource (which keeps any further colons). `None` when it is not `arn:` and five fields.
pub fn arn_fields(s: &str) -> Option<[&str; 5]> {
    let mut fields = s.splitn(6, ':');
    if fields.next() != Some("arn") {
        return None;
    }
    let fields = [
        fields.next()?,
        fields.next()?,
        fields.next()?,
        fields.next()?,
        fields.next()?,
    ];
    Some(fields)
}
