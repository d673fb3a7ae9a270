//! The principal that deploys the stack (`--deployer-arn`, `deployer-arn`): one validating
//! parser, which the configuration uses to check the option and the lockout rule to decide.
//! It sits below both, since the configuration may not import the model; what an ARN names
//! is read by `facts::iam_arn`, as for key-policy principals.

use crate::facts::iam_arn::IamResourceKind;

/// An IAM root, role or user, or an assumed role (taken as its role).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deployer {
    pub(crate) arn: String,
    pub(crate) partition: String,
    pub(crate) account: String,
    pub(crate) kind: DeployerKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum DeployerKind {
    Root,
    /// The role's name, without its path.
    Role(String),
    /// The user's name, without its path.
    User(String),
}

/// Why a deployer ARN is refused, with the ARN as shown (abbreviated when long).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeployerError {
    TooLong(String),
    NotIam(String),
}

impl std::fmt::Display for DeployerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DeployerError::TooLong(arn) => {
                write!(
                    f,
                    "`{arn}` is longer than {MAX_ARN} characters: not an IAM ARN"
                )
            }
            DeployerError::NotIam(arn) => write!(
                f,
                "`{arn}` is not an IAM role, user, root or assumed-role ARN (like `arn:aws:iam::111122223333:role/deployer`)"
            ),
        }
    }
}

impl std::error::Error for DeployerError {}

/// The longest deployer ARN accepted, in bytes: IAM's longest path and name, with room.
const MAX_ARN: usize = 2048;

impl Deployer {
    /// `arn:PARTITION:iam::ACCOUNT:root`, `…:role/[PATH/]NAME`, `…:user/[PATH/]NAME` or
    /// `arn:PARTITION:sts::ACCOUNT:assumed-role/NAME/SESSION`; the error says what was expected.
    pub fn parse(arn: &str) -> Result<Deployer, DeployerError> {
        // IAM paths have at most 512 characters and role names 64
        // (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html): a
        // longer ARN names no principal, and would be copied into every directory's settings.
        if arn.len() > MAX_ARN {
            return Err(DeployerError::TooLong(
                crate::lookup::abbreviate(arn).into_owned(),
            ));
        }
        Deployer::parts(arn)
            .ok_or_else(|| DeployerError::NotIam(crate::lookup::abbreviate(arn).into_owned()))
    }

    fn parts(arn: &str) -> Option<Deployer> {
        let [partition, service, "", account, resource] = crate::facts::arn_fields(arn)? else {
            return None;
        };
        let named = crate::facts::iam_arn::iam_resource(service, resource)?;
        // A deployer's role or user may be written without a name after the `/`, and an
        // assumed role without its session; `root` takes no `/`.
        let kind = match (named.kind, named.rest) {
            (IamResourceKind::Root, None) => DeployerKind::Root,
            (IamResourceKind::Role, Some(_)) => DeployerKind::Role(named.name().to_owned()),
            (IamResourceKind::User, Some(_)) => DeployerKind::User(named.name().to_owned()),
            (IamResourceKind::AssumedRole, Some(_)) => {
                DeployerKind::Role(named.role_and_session().0.to_owned())
            }
            _ => return None,
        };
        Some(Deployer {
            arn: arn.to_owned(),
            partition: partition.to_owned(),
            account: account.to_owned(),
            kind,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_roots_roles_users_and_assumed_roles() {
        let kind = |arn: &str| Deployer::parse(arn).map(|d| d.kind);
        assert_eq!(
            kind("arn:aws:iam::111122223333:root"),
            Ok(DeployerKind::Root)
        );
        assert_eq!(
            kind("arn:aws:iam::111122223333:role/ops/Deployer"),
            Ok(DeployerKind::Role("Deployer".into()))
        );
        assert_eq!(
            kind("arn:aws-cn:iam::111122223333:user/ci"),
            Ok(DeployerKind::User("ci".into()))
        );
        assert_eq!(
            kind("arn:aws:sts::111122223333:assumed-role/Deployer/session"),
            Ok(DeployerKind::Role("Deployer".into()))
        );
        let deployer = Deployer::parse("arn:aws:iam::111122223333:root").unwrap();
        assert_eq!(deployer.account, "111122223333");
    }

    #[test]
    fn refuses_other_principals() {
        for arn in [
            "arn:aws:iam::111122223333:group/admins",
            "arn:aws:iam:eu-west-1:111122223333:role/x",
            "arn:aws:iam::111122223333:role",
            "arn:aws:s3:::bucket",
            "role/x",
        ] {
            assert!(Deployer::parse(arn).is_err(), "{arn}");
        }
    }
}
