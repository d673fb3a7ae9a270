//! Who a principal in a key policy is.
//!
//! Forms and rules: IAM User Guide "AWS JSON policy elements: Principal" and the KMS guide's
//! key policy pages, as summarised in `reference/kms-facts.md` §7.4.

use super::arn::{self, ArnShape, Field};
use super::value::{Alt, Hole, Text, Val};

/// An AWS account as a principal or as the owner of one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Account {
    /// A literal 12-digit account ID.
    Id(String),
    /// `${AWS::AccountId}`: the account the stack is deployed to.
    Stack,
    Unknown,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principal {
    /// `"*"` or `{"AWS": "*"}`: anyone, in any account.
    Everyone,
    /// The account principal: a 12-digit ID or `arn:…:iam::ID:root`. It lets the account's
    /// IAM policies grant access.
    Account(Account),
    Role {
        account: Account,
        name: String,
    },
    User {
        account: Account,
        name: String,
    },
    AssumedRole {
        account: Account,
        role: String,
    },
    FederatedUser {
        account: Account,
    },
    /// `{"Service": "logs.amazonaws.com"}`.
    Service(String),
    /// `{"Federated": …}` or `{"CanonicalUser": …}`: valid IAM grammar, not used by KMS.
    Other,
    /// A role or user created in this template (`!GetAtt Role.Arn`).
    TemplateResource(String),
    /// The value is not known (a parameter without a value, an import).
    Unknown,
    /// Not a valid principal; the reason reads "… is not a valid principal: <reason>".
    Invalid(String),
}

impl Principal {
    /// The account the principal belongs to, if it has one.
    pub fn account(&self) -> Option<&Account> {
        match self {
            Principal::Account(a)
            | Principal::Role { account: a, .. }
            | Principal::User { account: a, .. }
            | Principal::AssumedRole { account: a, .. }
            | Principal::FederatedUser { account: a } => Some(a),
            _ => None,
        }
    }

    pub fn describe(&self) -> String {
        let account = |a: &Account| match a {
            Account::Id(id) => format!("account {id}"),
            Account::Stack => "the stack's account".into(),
            Account::Unknown => "an account not known here".into(),
        };
        match self {
            Principal::Everyone => "everyone (`*`)".into(),
            Principal::Account(a) => format!("the account principal of {}", account(a)),
            // `…` is a name not known here (`role/${RoleName}`).
            Principal::Role { name, .. } if name == "…" => "an IAM role".into(),
            Principal::User { name, .. } if name == "…" => "an IAM user".into(),
            Principal::AssumedRole { role, .. } if role == "…" => {
                "sessions of an IAM role".into()
            }
            Principal::Role { name, .. } => format!("role `{name}`"),
            Principal::User { name, .. } => format!("user `{name}`"),
            Principal::AssumedRole { role, .. } => format!("sessions of role `{role}`"),
            Principal::FederatedUser { .. } => "a federated user".into(),
            Principal::Service(s) => format!("service `{s}`"),
            Principal::Other => "a federated or canonical-user principal".into(),
            Principal::TemplateResource(r) => format!("`{r}` from this template"),
            Principal::Unknown => "a principal not known here".into(),
            Principal::Invalid(_) => "an invalid principal".into(),
        }
    }
}

/// Classifies one value of a principal element. `kind` is the key it is under (`AWS`,
/// `Service`, …) or `*` for the bare string form; `resource_type` looks up a template
/// resource's type for `!GetAtt X.Arn` / `!Ref X`.
pub fn classify<'t>(
    kind: &str,
    alt: &Alt<'t>,
    resource_type: &dyn Fn(&str) -> Option<&'t str>,
) -> Principal {
    let text = match &alt.val {
        Val::Text(t) => t,
        Val::Node(_) => {
            return Principal::Invalid("a principal value is a string or a list of strings".into());
        }
        Val::NoValue | Val::Unknown => return Principal::Unknown,
    };
    match kind {
        "AWS" => classify_aws(text, resource_type),
        "Service" => classify_service(text),
        "Federated" | "CanonicalUser" => Principal::Other,
        _ => Principal::Invalid(format!(
            "`{kind}` is not a principal type (use AWS, Service, Federated or CanonicalUser)"
        )),
    }
}

fn classify_aws<'t>(text: &Text<'t>, resource_type: &dyn Fn(&str) -> Option<&'t str>) -> Principal {
    if let Some(hole) = text.only_hole() {
        return match hole {
            Hole::AccountId => Principal::Account(Account::Stack),
            Hole::GetAtt(r, _) | Hole::Ref(r) => match resource_type(r) {
                Some("AWS::IAM::Role" | "AWS::IAM::User") => {
                    Principal::TemplateResource((*r).to_owned())
                }
                Some("AWS::IAM::Group") => {
                    Principal::Invalid("an IAM group cannot be a principal".into())
                }
                _ => Principal::Unknown,
            },
            _ => Principal::Unknown,
        };
    }
    if let Some(s) = text.literal() {
        if s == "*" {
            return Principal::Everyone;
        }
        if s.bytes().all(|b| b.is_ascii_digit()) {
            return if arn::is_account_id(s) {
                Principal::Account(Account::Id(s.to_owned()))
            } else {
                Principal::Invalid("it is not a 12-digit account ID".into())
            };
        }
    }
    let arn = match arn::parse(text) {
        ArnShape::Arn(arn) => arn,
        ArnShape::Unknown => return Principal::Unknown,
        ArnShape::NotArn => {
            return Principal::Invalid("it is neither an account ID nor an IAM ARN".into());
        }
    };
    let service = match &arn.service {
        Field::Lit(s) => s.as_str(),
        _ => return Principal::Unknown,
    };
    if !matches!(service, "iam" | "sts") {
        return Principal::Invalid(format!(
            "it is an `{service}` ARN; principals are IAM ARNs (`arn:…:iam::…` or `arn:…:sts::…`)"
        ));
    }
    if let Field::Lit(partition) = &arn.partition
        && crate::facts::regions::partition(partition).is_none()
    {
        return Principal::Invalid(format!("`{partition}` is not an AWS partition"));
    }
    let account = match &arn.account {
        Field::Lit(id) if arn::is_account_id(id) => Account::Id(id.clone()),
        Field::Lit(id) => {
            return Principal::Invalid(format!("`{id}` in the ARN is not a 12-digit account ID"));
        }
        Field::Hole(Hole::AccountId) => Account::Stack,
        _ => Account::Unknown,
    };
    let resource = match &arn.resource {
        Field::Lit(r) => r.clone(),
        _ => {
            // `role/${Name}`: the kind is known from the prefix even if the name is not.
            let prefix = arn.resource_prefix.as_str();
            return match prefix.split('/').next() {
                Some("role") => Principal::Role {
                    account,
                    name: "…".into(),
                },
                Some("user") => Principal::User {
                    account,
                    name: "…".into(),
                },
                Some("assumed-role") => Principal::AssumedRole {
                    account,
                    role: "…".into(),
                },
                _ => Principal::Unknown,
            };
        }
    };
    if resource.contains('*') || resource.contains('?') {
        return Principal::Invalid(
            "wildcards are not allowed inside a principal ARN; use `\"*\"` with an `aws:PrincipalArn` condition".into(),
        );
    }
    let (kind, rest) = resource.split_once('/').unwrap_or((resource.as_str(), ""));
    let last = rest.rsplit('/').next().unwrap_or("").to_owned();
    match (service, kind) {
        ("iam", "root") if rest.is_empty() => Principal::Account(account),
        ("iam", "role") if !last.is_empty() => Principal::Role {
            account,
            name: last,
        },
        ("iam", "user") if !last.is_empty() => Principal::User {
            account,
            name: last,
        },
        ("iam", "group") => Principal::Invalid("an IAM group cannot be a principal".into()),
        ("sts", "assumed-role") => match rest.split_once('/') {
            Some((role, session)) if !role.is_empty() && !session.is_empty() => {
                Principal::AssumedRole {
                    account,
                    role: role.to_owned(),
                }
            }
            _ => Principal::Invalid("an assumed-role ARN is `assumed-role/ROLE/SESSION`".into()),
        },
        ("sts", "federated-user") if !rest.is_empty() => Principal::FederatedUser { account },
        _ => Principal::Invalid(format!("`{resource}` is not a role, user, root or session")),
    }
}

/// Service principals are DNS-like names ending in an AWS domain (`logs.amazonaws.com`,
/// `logs.eu-west-1.amazonaws.com`, `….amazonaws.com.cn` in China).
fn classify_service(text: &Text<'_>) -> Principal {
    let Some(s) = text.literal() else {
        // `logs.${AWS::Region}.amazonaws.com` and the like.
        let display = text.display();
        return if display.contains(char::is_whitespace) {
            Principal::Invalid("it is not a service principal".into())
        } else {
            Principal::Service(display)
        };
    };
    let valid_chars = s
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-');
    let suffix = s.ends_with(".amazonaws.com")
        || s.ends_with(".amazonaws.com.cn")
        || s.ends_with(".amazon.com");
    if s == "*" {
        Principal::Everyone
    } else if valid_chars && suffix && !s.starts_with('.') {
        Principal::Service(s.to_owned())
    } else {
        Principal::Invalid("it is not a service principal (like `logs.amazonaws.com`)".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::value::Part;
    use crate::source::Span;

    fn alt(text: Text<'static>) -> Alt<'static> {
        Alt {
            val: Val::Text(text),
            span: Span::default(),
            node: None,
            param: None,
            when: Vec::new(),
        }
    }

    fn aws(s: &str) -> Principal {
        classify("AWS", &alt(Text::lit(s.to_owned())), &|_| None)
    }

    #[test]
    fn classifies_aws_principals() {
        assert_eq!(aws("*"), Principal::Everyone);
        assert_eq!(
            aws("111122223333"),
            Principal::Account(Account::Id("111122223333".into()))
        );
        assert_eq!(
            aws("arn:aws:iam::111122223333:root"),
            Principal::Account(Account::Id("111122223333".into()))
        );
        assert_eq!(
            aws("arn:aws:iam::111122223333:role/path/Admin"),
            Principal::Role {
                account: Account::Id("111122223333".into()),
                name: "Admin".into()
            }
        );
        assert_eq!(
            aws("arn:aws:sts::111122223333:assumed-role/Admin/me"),
            Principal::AssumedRole {
                account: Account::Id("111122223333".into()),
                role: "Admin".into()
            }
        );
        assert!(matches!(aws("123456789"), Principal::Invalid(_)));
        assert!(matches!(
            aws("arn:aws:iam::111122223333:group/Admins"),
            Principal::Invalid(_)
        ));
        assert!(matches!(
            aws("arn:aws:iam::111122223333:role/*"),
            Principal::Invalid(_)
        ));
        assert!(matches!(aws("arn:aws:s3:::bucket"), Principal::Invalid(_)));
    }

    #[test]
    fn holes_keep_what_is_known() {
        let root = Text {
            parts: vec![
                Part::Lit("arn:".into()),
                Part::Hole(Hole::Partition),
                Part::Lit(":iam::".into()),
                Part::Hole(Hole::AccountId),
                Part::Lit(":root".into()),
            ],
        };
        assert_eq!(
            classify("AWS", &alt(root), &|_| None),
            Principal::Account(Account::Stack)
        );
        let role = Text::hole(Hole::GetAtt("R", "Arn"));
        assert_eq!(
            classify("AWS", &alt(role), &|_| Some("AWS::IAM::Role")),
            Principal::TemplateResource("R".into())
        );
        assert_eq!(
            classify("AWS", &alt(Text::hole(Hole::Param("P"))), &|_| None),
            Principal::Unknown
        );
    }

    #[test]
    fn classifies_service_principals() {
        let service = |s: &str| classify("Service", &alt(Text::lit(s.to_owned())), &|_| None);
        assert_eq!(
            service("logs.amazonaws.com"),
            Principal::Service("logs.amazonaws.com".into())
        );
        assert!(matches!(service("Logs"), Principal::Invalid(_)));
        assert!(matches!(
            service("arn:aws:iam::1:root"),
            Principal::Invalid(_)
        ));
        assert!(matches!(
            classify("Everyone", &alt(Text::lit("x")), &|_| None),
            Principal::Invalid(_)
        ));
    }
}
