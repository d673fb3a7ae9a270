//! Key specs, the key usages each allows, and which keys can rotate.
//!
//! Source: botocore @ 0e6e2404 (2026-08-07) KMS `CreateKey` documentation of `KeySpec` and
//! `KeyUsage`, and the CloudFormation schema for AWS::KMS::Key (cfn-lint data 2026-06-15), as
//! summarised in `docs/facts/kms.md` (key specs and usages, rotation, origin).

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Family {
    Symmetric,
    Hmac,
    Rsa,
    EccNist,
    EccSecg,
    Ed25519,
    MlDsa,
    Sm2,
}

impl Family {
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Family::Symmetric => "a symmetric encryption key",
            Family::Hmac => "an HMAC key",
            Family::Rsa => "an RSA key",
            Family::EccNist => "a NIST elliptic curve key",
            Family::EccSecg => "a secp256k1 key",
            Family::Ed25519 => "an Ed25519 key",
            Family::MlDsa => "an ML-DSA key",
            Family::Sm2 => "an SM2 key",
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) struct KeySpec {
    pub name: &'static str,
    pub family: Family,
    /// The KeyUsage values KMS accepts with this spec.
    pub usages: &'static [&'static str],
    /// KMS requires KeyUsage to be given (the default ENCRYPT_DECRYPT is not valid).
    pub usage_required: bool,
}

const ENCRYPT: &str = "ENCRYPT_DECRYPT";
const SIGN: &str = "SIGN_VERIFY";
const MAC: &str = "GENERATE_VERIFY_MAC";
const AGREE: &str = "KEY_AGREEMENT";

/// Every KeyUsage CloudFormation accepts.
pub(crate) const KEY_USAGES: &[&str] = &[ENCRYPT, SIGN, MAC, AGREE];

/// The default when KeySpec is omitted.
pub(crate) const DEFAULT_KEY_SPEC: &str = "SYMMETRIC_DEFAULT";
pub(crate) const DEFAULT_KEY_USAGE: &str = ENCRYPT;

macro_rules! spec {
    ($name:literal, $family:ident, [$($usage:expr),*], $required:literal) => {
        KeySpec { name: $name, family: Family::$family, usages: &[$($usage),*], usage_required: $required }
    };
}

pub(crate) const KEY_SPECS: &[KeySpec] = &[
    spec!("SYMMETRIC_DEFAULT", Symmetric, [ENCRYPT], false),
    spec!("RSA_2048", Rsa, [ENCRYPT, SIGN], false),
    spec!("RSA_3072", Rsa, [ENCRYPT, SIGN], false),
    spec!("RSA_4096", Rsa, [ENCRYPT, SIGN], false),
    spec!("ECC_NIST_P256", EccNist, [SIGN, AGREE], true),
    spec!("ECC_NIST_P384", EccNist, [SIGN, AGREE], true),
    spec!("ECC_NIST_P521", EccNist, [SIGN, AGREE], true),
    spec!("ECC_SECG_P256K1", EccSecg, [SIGN], true),
    spec!("ECC_NIST_EDWARDS25519", Ed25519, [SIGN], true),
    spec!("HMAC_224", Hmac, [MAC], true),
    spec!("HMAC_256", Hmac, [MAC], true),
    spec!("HMAC_384", Hmac, [MAC], true),
    spec!("HMAC_512", Hmac, [MAC], true),
    spec!("SM2", Sm2, [ENCRYPT, SIGN, AGREE], false),
    spec!("ML_DSA_44", MlDsa, [SIGN], true),
    spec!("ML_DSA_65", MlDsa, [SIGN], true),
    spec!("ML_DSA_87", MlDsa, [SIGN], true),
];

pub(crate) fn key_spec(name: &str) -> Option<&'static KeySpec> {
    KEY_SPECS.iter().find(|s| s.name == name)
}

/// Origins CloudFormation accepts for AWS::KMS::Key (the API also has AWS_CLOUDHSM and
/// EXTERNAL_KEY_STORE, which CloudFormation does not support).
pub(crate) const ORIGINS: &[&str] = &["AWS_KMS", "EXTERNAL"];

/// Automatic rotation needs a symmetric encryption key whose material KMS generated
/// (EnableKeyRotation doc; the CloudFormation handler rejects anything else).
pub(crate) fn can_rotate(key_spec: &str, origin: &str) -> bool {
    key_spec == DEFAULT_KEY_SPEC && origin == "AWS_KMS"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seventeen_specs_each_with_a_valid_usage() {
        assert_eq!(KEY_SPECS.len(), 17);
        for spec in KEY_SPECS {
            assert!(!spec.usages.is_empty());
            assert!(spec.usages.iter().all(|u| KEY_USAGES.contains(u)));
            // The default usage is valid exactly when the usage need not be given.
            assert_eq!(
                !spec.usages.contains(&DEFAULT_KEY_USAGE),
                spec.usage_required,
                "{}",
                spec.name
            );
        }
    }
}
