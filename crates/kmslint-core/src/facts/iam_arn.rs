//! The one reading of what an IAM or STS ARN's resource part names (`root`, `role/PATH/NAME`,
//! `assumed-role/ROLE/SESSION`, …), shared by key-policy principals (`model::principal`) and
//! the deployer (`deployer`). It sits with the facts, below both: the configuration checks
//! the deployer and may not import the model. Forms: IAM User Guide, "IAM identifiers"
//! (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns)
//! and "AWS JSON policy elements: Principal"
//! (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html).
//!
//! Which forms each caller accepts (a role without a name, a session without its role) is
//! the caller's: a key policy's principal and a deployer ARN are checked differently.

/// The kind of IAM identity an ARN's resource part starts with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IamResourceKind {
    /// `iam` `root`: the account.
    Root,
    /// `iam` `role/[PATH/]NAME`.
    Role,
    /// `iam` `user/[PATH/]NAME`.
    User,
    /// `iam` `group/…`, which is no principal.
    Group,
    /// `sts` `assumed-role/ROLE/SESSION`.
    AssumedRole,
    /// `sts` `federated-user/NAME`.
    FederatedUser,
}

/// An IAM or STS ARN's resource part, split at its first `/`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct IamResource<'a> {
    pub(crate) kind: IamResourceKind,
    /// What follows the first `/`; `None` when there is no `/`.
    pub(crate) rest: Option<&'a str>,
}

impl<'a> IamResource<'a> {
    /// The name of a role or user, without its path (the text after the last `/`).
    pub(crate) fn name(&self) -> &'a str {
        self.rest
            .unwrap_or_default()
            .rsplit('/')
            .next()
            .unwrap_or_default()
    }

    /// An assumed role's role and session (`None` when no `/` follows the role).
    pub(crate) fn role_and_session(&self) -> (&'a str, Option<&'a str>) {
        let rest = self.rest.unwrap_or_default();
        match rest.split_once('/') {
            Some((role, session)) => (role, Some(session)),
            None => (rest, None),
        }
    }
}

/// What the resource part of an ARN of `service` names; `None` for any other service or
/// resource kind.
pub(crate) fn iam_resource<'a>(service: &str, resource: &'a str) -> Option<IamResource<'a>> {
    let (word, rest) = match resource.split_once('/') {
        Some((word, rest)) => (word, Some(rest)),
        None => (resource, None),
    };
    let kind = match (service, word) {
        ("iam", "root") => IamResourceKind::Root,
        ("iam", "role") => IamResourceKind::Role,
        ("iam", "user") => IamResourceKind::User,
        ("iam", "group") => IamResourceKind::Group,
        ("sts", "assumed-role") => IamResourceKind::AssumedRole,
        ("sts", "federated-user") => IamResourceKind::FederatedUser,
        _ => return None,
    };
    Some(IamResource { kind, rest })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_names_and_sessions() {
        let r = |s, res| iam_resource(s, res);
        assert_eq!(
            r("iam", "root").map(|r| (r.kind, r.rest)),
            Some((IamResourceKind::Root, None))
        );
        let role = r("iam", "role/ops/Deployer");
        assert_eq!(
            role.map(|r| (r.kind, r.name())),
            Some((IamResourceKind::Role, "Deployer"))
        );
        let session = r("sts", "assumed-role/Admin/me/x");
        assert_eq!(
            session.map(|r| r.role_and_session()),
            Some(("Admin", Some("me/x")))
        );
        assert_eq!(
            r("sts", "assumed-role/Admin").map(|r| r.role_and_session()),
            Some(("Admin", None))
        );
        assert_eq!(r("iam", "assumed-role/Admin/me"), None);
        assert_eq!(r("s3", "root"), None);
    }
}
