//! Who a principal in a key policy is, as a structured value, and whether one principal
//! element covers a given principal the way IAM matches them.
//!
//! Forms and rules: IAM User Guide "AWS JSON policy elements: Principal" and the KMS guide's
//! key policy pages, as summarised in `docs/facts/iam.md#principals`.

use super::arn::{self, ArnShape, Field};
use super::value::{Alt, Hole, Part, Text, Val};
use crate::facts::iam_arn::{self, IamResourceKind};

/// A part of a principal (partition, account, Region) as far as it is known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Slot {
    /// A literal value.
    Known(String),
    /// A pseudo parameter: the stack's own account, partition or Region.
    Stack,
    /// Not known here. Holes written the same way (the same parameter) have the same value.
    Hole(String),
}

/// A role, user or session name, or a hole in its place (`role/${RoleName}`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Name {
    Known(String),
    /// Not known here; the text is how it is written, and two holes written the same way
    /// are the same value.
    Hole(String),
}

impl Name {
    fn as_written(&self) -> &str {
        match self {
            Name::Known(s) | Name::Hole(s) => s,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Principal {
    /// `"*"` or `{"AWS": "*"}`: anyone, in any account.
    Everyone,
    Iam(IamPrincipal),
    /// `{"Service": "logs.amazonaws.com"}`.
    Service(ServicePrincipal),
    /// `{"Federated": …}` or `{"CanonicalUser": …}`: valid IAM grammar, not used by KMS.
    Other,
    /// A role or user created in this template (`!GetAtt Role.Arn`).
    TemplateResource(String),
    /// The value is not known (a parameter without a value, an import).
    Unknown,
    /// Not a valid principal; the reason reads "… is not a valid principal: <reason>".
    Invalid(String),
}

/// An IAM principal: an account, or a role, user or session in one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct IamPrincipal {
    pub partition: Slot,
    pub account: Slot,
    pub kind: IamKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum IamKind {
    /// The account principal: a 12-digit ID or `arn:…:iam::ID:root`. It lets the account's
    /// IAM policies grant access, so it covers every principal of the account.
    Account,
    Role(Name),
    User(Name),
    /// `arn:…:sts::ID:assumed-role/ROLE/SESSION`: one session of a role.
    AssumedRole {
        role: Name,
        session: Name,
    },
    FederatedUser(Name),
}

/// A service principal, `SERVICE[.REGION].amazonaws.com` (or another AWS DNS suffix).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ServicePrincipal {
    /// `logs` in `logs.eu-west-1.amazonaws.com`; a hole for a principal whose structure is
    /// hidden by a parameter (then it is the whole principal as written, with no suffix).
    pub service: Name,
    /// `None` for the global form (`logs.amazonaws.com`).
    pub region: Option<Slot>,
    /// `amazonaws.com`, `amazonaws.com.cn`, …
    pub suffix: String,
}

/// Whether one thing certainly, certainly not, or perhaps covers another. Used for
/// principals (does a principal element name this principal?) and actions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Coverage {
    Yes,
    No,
    Maybe,
}

impl Coverage {
    pub(crate) fn from_bool(b: bool) -> Coverage {
        if b { Coverage::Yes } else { Coverage::No }
    }

    /// Both hold.
    pub(crate) fn and(self, other: Coverage) -> Coverage {
        match (self, other) {
            (Coverage::No, _) | (_, Coverage::No) => Coverage::No,
            (Coverage::Yes, Coverage::Yes) => Coverage::Yes,
            _ => Coverage::Maybe,
        }
    }

    /// Either holds.
    pub(crate) fn or(self, other: Coverage) -> Coverage {
        match (self, other) {
            (Coverage::Yes, _) | (_, Coverage::Yes) => Coverage::Yes,
            (Coverage::No, Coverage::No) => Coverage::No,
            _ => Coverage::Maybe,
        }
    }
}

impl std::ops::Not for Coverage {
    type Output = Coverage;

    fn not(self) -> Coverage {
        match self {
            Coverage::Yes => Coverage::No,
            Coverage::No => Coverage::Yes,
            Coverage::Maybe => Coverage::Maybe,
        }
    }
}

/// What is known of the deployment: the stack's account, partition and Region, when the
/// command line or configuration gives them.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Deployment<'a> {
    pub account: Option<&'a str>,
    pub partition: Option<&'a str>,
    pub region: Option<&'a str>,
}

/// A principal that a question is asked about: "may it call this action?".
#[derive(Clone, Copy, Debug)]
pub(crate) enum Requester<'a> {
    /// A principal of the stack's account that no principal element of the policy names by
    /// ARN: how an unknown deployer looks to the policy.
    Unnamed,
    Named(&'a Principal),
    /// A role (or, with `user`, a user) of this template created without `RoleName`
    /// (`UserName`), by logical ID: CloudFormation names it `{stack}-{logicalId}-{random}`,
    /// cut to 64 characters ("If you don't specify a name, AWS CloudFormation generates a
    /// unique physical ID", AWS::IAM::Role `RoleName`,
    /// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-iam-role.html),
    /// so a literal role ARN names it only if its name can have that shape.
    Generated {
        resource: &'a str,
        user: bool,
    },
    /// A role or user of this template with a literal name, by logical ID and as its ARN
    /// (`principal`) names it: a statement may name it either way.
    Known {
        resource: &'a str,
        principal: &'a Principal,
    },
}

impl Slot {
    /// Whether two slots hold the same value; `stack` is the stack's own value when known.
    pub(crate) fn same(&self, other: &Slot, stack: Option<&str>) -> Coverage {
        match (self, other) {
            (Slot::Known(a), Slot::Known(b)) => Coverage::from_bool(a == b),
            (Slot::Stack, Slot::Stack) => Coverage::Yes,
            (Slot::Stack, Slot::Known(k)) | (Slot::Known(k), Slot::Stack) => {
                stack.map_or(Coverage::Maybe, |s| Coverage::from_bool(s == k))
            }
            (Slot::Hole(a), Slot::Hole(b)) if a == b => Coverage::Yes,
            _ => Coverage::Maybe,
        }
    }

    /// Whether the value can be the stack's own.
    pub(crate) fn could_be_stack(&self, stack: Option<&str>) -> bool {
        self.same(&Slot::Stack, stack) != Coverage::No
    }

    fn describe(&self, what: &str) -> String {
        match self {
            Slot::Known(v) => format!("{what} {v}"),
            Slot::Stack => format!("the stack's {what}"),
            Slot::Hole(_) => format!("an {what} not known here"),
        }
    }
}

impl Name {
    /// IAM role and user names are unique without regard to case (IAM User Guide, "IAM
    /// identifiers"), so `role/admin` and `role/Admin` are one role.
    fn same(&self, other: &Name) -> Coverage {
        match (self, other) {
            (Name::Known(a), Name::Known(b)) => Coverage::from_bool(a.eq_ignore_ascii_case(b)),
            (Name::Hole(a), Name::Hole(b)) if a == b => Coverage::Yes,
            _ => Coverage::Maybe,
        }
    }
}

impl Principal {
    /// Whether this principal element (in a `Principal` or `NotPrincipal`) names `who`.
    pub(crate) fn covers(&self, who: Requester<'_>, deployment: &Deployment<'_>) -> Coverage {
        match (self, who) {
            (Principal::Everyone, _) => Coverage::Yes,
            // A value not known here, or one KMS rejects (perhaps a placeholder filled in
            // before use): it may be anyone.
            (Principal::Unknown | Principal::Invalid(_), _) => Coverage::Maybe,
            (_, Requester::Named(Principal::Unknown | Principal::Invalid(_))) => Coverage::Maybe,
            (_, Requester::Generated { resource, user }) => {
                self.covers_generated(resource, user, deployment)
            }
            (Principal::TemplateResource(name), Requester::Known { resource, .. }) => {
                Coverage::from_bool(name == resource)
            }
            (_, Requester::Known { principal, .. }) => {
                self.covers(Requester::Named(principal), deployment)
            }
            (Principal::Iam(p), Requester::Unnamed) => match p.kind {
                IamKind::Account => p
                    .partition
                    .same(&Slot::Stack, deployment.partition)
                    .and(p.account.same(&Slot::Stack, deployment.account)),
                // The unnamed principal is, by definition, none of the named ones.
                _ => Coverage::No,
            },
            (Principal::Iam(p), Requester::Named(Principal::Iam(q))) => p.covers_iam(q, deployment),
            (Principal::Service(p), Requester::Named(Principal::Service(q))) => {
                p.same(q, deployment)
            }
            (Principal::TemplateResource(a), Requester::Named(Principal::TemplateResource(b))) => {
                Coverage::from_bool(a == b)
            }
            // A role or user of this template is in the stack's account, which the account
            // principal covers whole.
            (Principal::Iam(q), Requester::Named(Principal::TemplateResource(_)))
                if q.kind == IamKind::Account =>
            {
                q.partition
                    .same(&Slot::Stack, deployment.partition)
                    .and(q.account.same(&Slot::Stack, deployment.account))
            }
            // A role of this template could be the one a literal ARN names.
            (Principal::TemplateResource(_), Requester::Named(Principal::Iam(q)))
            | (Principal::Iam(q), Requester::Named(Principal::TemplateResource(_))) => {
                match q.kind {
                    IamKind::Role(_) | IamKind::User(_) | IamKind::AssumedRole { .. } => {
                        Coverage::Maybe
                    }
                    IamKind::Account | IamKind::FederatedUser(_) => Coverage::No,
                }
            }
            _ => Coverage::No,
        }
    }

    /// Whether this principal element names a role (`user`: a user) of the template whose
    /// name CloudFormation generates (see [`Requester::Generated`]).
    fn covers_generated(
        &self,
        resource: &str,
        user: bool,
        deployment: &Deployment<'_>,
    ) -> Coverage {
        match self {
            Principal::Everyone => Coverage::Yes,
            Principal::Unknown | Principal::Invalid(_) => Coverage::Maybe,
            Principal::TemplateResource(name) => Coverage::from_bool(name == resource),
            Principal::Iam(q) => {
                let same_account = q
                    .partition
                    .same(&Slot::Stack, deployment.partition)
                    .and(q.account.same(&Slot::Stack, deployment.account));
                let name = match (&q.kind, user) {
                    (IamKind::Account, _) => return same_account,
                    (IamKind::Role(name) | IamKind::AssumedRole { role: name, .. }, false)
                    | (IamKind::User(name), true) => name,
                    _ => return Coverage::No,
                };
                same_account.and(could_be_generated(name))
            }
            Principal::Service(_) | Principal::Other => Coverage::No,
        }
    }

    /// A short description for messages: "role `Admin`", "the account principal of …".
    pub(crate) fn describe(&self) -> String {
        match self {
            Principal::Everyone => "everyone (`*`)".into(),
            Principal::Iam(p) => p.describe(),
            Principal::Service(s) => format!("service `{}`", s.display()),
            Principal::Other => "a federated or canonical-user principal".into(),
            Principal::TemplateResource(r) => format!("`{r}` from this template"),
            Principal::Unknown => "a principal not known here".into(),
            Principal::Invalid(_) => "an invalid principal".into(),
        }
    }
}

/// Whether a role or user name can be one CloudFormation generates: `{stack}-{logicalId}-`
/// then a random suffix of capital letters and digits (`MyStack-AppRole-1ABCDEFGHIJK`). A
/// name not known here (`${AWS::StackName}-…`, a parameter) may be.
fn could_be_generated(name: &Name) -> Coverage {
    match name {
        Name::Hole(_) => Coverage::Maybe,
        Name::Known(name) => {
            let suffix = name.rsplit_once('-').map(|(_, s)| s);
            let random = suffix.is_some_and(|s| {
                s.len() >= 8
                    && s.bytes()
                        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            });
            if random && name.len() <= 64 {
                Coverage::Maybe
            } else {
                Coverage::No
            }
        }
    }
}

impl IamPrincipal {
    /// IAM's matching: the account principal covers every principal of its account; a role
    /// covers the role and its sessions; a session, user or federated user covers itself.
    /// A role's path takes no part: role names are unique in an account whatever the path.
    fn covers_iam(&self, who: &IamPrincipal, deployment: &Deployment<'_>) -> Coverage {
        let same_account = self
            .partition
            .same(&who.partition, deployment.partition)
            .and(self.account.same(&who.account, deployment.account));
        let same_kind = match (&self.kind, &who.kind) {
            (IamKind::Account, _) => Coverage::Yes,
            (IamKind::Role(a), IamKind::Role(b)) => a.same(b),
            (IamKind::Role(a), IamKind::AssumedRole { role: b, .. }) => a.same(b),
            (IamKind::User(a), IamKind::User(b)) => a.same(b),
            (
                IamKind::AssumedRole {
                    role: a,
                    session: s,
                },
                IamKind::AssumedRole {
                    role: b,
                    session: t,
                },
            ) => a.same(b).and(s.same(t)),
            // One session of the role, which may or may not be the role's session at hand.
            (IamKind::AssumedRole { role: a, .. }, IamKind::Role(b)) => match a.same(b) {
                Coverage::No => Coverage::No,
                _ => Coverage::Maybe,
            },
            (IamKind::FederatedUser(a), IamKind::FederatedUser(b)) => a.same(b),
            _ => Coverage::No,
        };
        same_account.and(same_kind)
    }

    fn describe(&self) -> String {
        // A placeholder (`ROLE_NAME`) or an import says nothing worth quoting.
        let named = |what: &str, name: &Name| match name {
            Name::Hole(s) if s.contains("${…}") => format!("an IAM {what}"),
            _ => format!("{what} `{}`", name.as_written()),
        };
        match &self.kind {
            IamKind::Account => format!(
                "the account principal of {}",
                self.account.describe("account")
            ),
            IamKind::Role(name) => named("role", name),
            IamKind::User(name) => named("user", name),
            IamKind::AssumedRole { role, .. } => format!("a session of {}", named("role", role)),
            IamKind::FederatedUser(_) => "a federated user".into(),
        }
    }
}

impl ServicePrincipal {
    fn same(&self, other: &ServicePrincipal, deployment: &Deployment<'_>) -> Coverage {
        if let (Name::Hole(_), _) | (_, Name::Hole(_)) = (&self.service, &other.service) {
            return self.service.same(&other.service);
        }
        if self.service != other.service || self.suffix != other.suffix {
            return Coverage::No;
        }
        match (&self.region, &other.region) {
            (None, None) => Coverage::Yes,
            (Some(a), Some(b)) => a.same(b, deployment.region),
            _ => Coverage::No,
        }
    }

    /// The principal as written, pseudo parameters shown as `${AWS::Region}`.
    pub(crate) fn display(&self) -> String {
        let service = match &self.service {
            Name::Known(s) => s,
            Name::Hole(written) => return written.clone(),
        };
        match &self.region {
            None => format!("{service}.{}", self.suffix),
            Some(Slot::Known(r) | Slot::Hole(r)) => format!("{service}.{r}.{}", self.suffix),
            Some(Slot::Stack) => format!("{service}.${{AWS::Region}}.{}", self.suffix),
        }
    }
}

/// A principal as a person writes it on the command line (`kmslint access --principal`): `*`,
/// a service principal (`logs.eu-west-1.amazonaws.com`), or what an `AWS` principal element
/// takes (an account ID, an IAM ARN).
pub(crate) fn of_text(text: &str) -> Principal {
    let value = Text::lit(text.to_owned());
    if text == "*" {
        Principal::Everyone
    } else if text.contains(".amazonaws.com") {
        classify_service(&value)
    } else {
        classify_aws(&value, &|_| None)
    }
}

/// Classifies one value of a principal element. `kind` is the key it is under (`AWS`,
/// `Service`, …) or `*` for the bare string form; `resource_type` looks up a template
/// resource's type for `!GetAtt X.Arn` / `!Ref X`.
pub(crate) fn classify<'t>(
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

/// An ARN field as a slot: `${AWS::AccountId}` and `${AWS::Partition}` are the stack's.
fn slot(field: &Field<'_>, text: &Text<'_>) -> Slot {
    match field {
        Field::Lit(s) => Slot::Known(s.clone()),
        Field::Hole(Hole::AccountId | Hole::Partition | Hole::Region) => Slot::Stack,
        Field::Hole(h) => Slot::Hole(Text::hole(h.clone()).display()),
        Field::Mixed => Slot::Hole(text.display()),
    }
}

/// What an `AWS` principal value names: an account, a role, a user, a session, a service-linked
/// role, a reference to a template resource, or a value kmslint cannot know.
///
/// One function on purpose: a single cascade of cases tried in order (a value that is one
/// reference, a bare account ID, then an ARN read field by field: service, partition, account,
/// resource); the order is the logic, and it reads best in one place.
fn classify_aws<'t>(text: &Text<'t>, resource_type: &dyn Fn(&str) -> Option<&'t str>) -> Principal {
    let account_principal = |account: Slot| {
        Principal::Iam(IamPrincipal {
            partition: Slot::Stack,
            account,
            kind: IamKind::Account,
        })
    };
    if let Some(hole) = text.only_hole() {
        return match hole {
            Hole::AccountId => account_principal(Slot::Stack),
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
                account_principal(Slot::Known(s.to_owned()))
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
        Field::Lit(id) if !arn::is_account_id(id) => {
            return Principal::Invalid(format!("`{id}` in the ARN is not a 12-digit account ID"));
        }
        field => slot(field, text),
    };
    let iam = |kind: IamKind| {
        Principal::Iam(IamPrincipal {
            partition: slot(&arn.partition, text),
            account: account.clone(),
            kind,
        })
    };
    let resource = match &arn.resource {
        Field::Lit(r) => r.clone(),
        _ => {
            // `role/${Name}`: the kind is known from the prefix even if the name is not.
            // The hole is named by the whole ARN as written, so `role/${A}` and `role/${B}`
            // are different principals and the same text is the same one.
            let prefix = arn.resource_prefix.as_str();
            let display = text.display();
            let name = Name::Hole(
                display
                    .rfind(prefix)
                    .filter(|_| !prefix.is_empty())
                    .map_or(display.as_str(), |at| &display[at + prefix.len()..])
                    .to_owned(),
            );
            return match prefix.split('/').next() {
                Some("role") => iam(IamKind::Role(name)),
                Some("user") => iam(IamKind::User(name)),
                Some("assumed-role") => iam(IamKind::AssumedRole {
                    role: name,
                    session: Name::Hole(display.clone()),
                }),
                _ => Principal::Unknown,
            };
        }
    };
    if resource.contains('*') || resource.contains('?') {
        return Principal::Invalid(
            "wildcards are not allowed inside a principal ARN; use `\"*\"` with an `aws:PrincipalArn` condition".into(),
        );
    }
    let not_one =
        || Principal::Invalid(format!("`{resource}` is not a role, user, root or session"));
    let Some(named) = iam_arn::iam_resource(service, &resource) else {
        return not_one();
    };
    let rest = named.rest.unwrap_or_default();
    let last = || Name::Known(named.name().to_owned());
    match named.kind {
        IamResourceKind::Root if rest.is_empty() => iam(IamKind::Account),
        IamResourceKind::Role if !named.name().is_empty() => iam(IamKind::Role(last())),
        IamResourceKind::User if !named.name().is_empty() => iam(IamKind::User(last())),
        IamResourceKind::Group => Principal::Invalid("an IAM group cannot be a principal".into()),
        IamResourceKind::AssumedRole => match named.role_and_session() {
            (role, Some(session)) if !role.is_empty() && !session.is_empty() => {
                iam(IamKind::AssumedRole {
                    role: Name::Known(role.to_owned()),
                    session: Name::Known(session.to_owned()),
                })
            }
            _ => Principal::Invalid("an assumed-role ARN is `assumed-role/ROLE/SESSION`".into()),
        },
        IamResourceKind::FederatedUser if !rest.is_empty() => {
            iam(IamKind::FederatedUser(Name::Known(rest.to_owned())))
        }
        _ => not_one(),
    }
}

/// The DNS suffixes of AWS service principals (`….amazonaws.com.cn` in China).
const SERVICE_SUFFIXES: &[&str] = &["amazonaws.com.cn", "amazonaws.com", "amazon.com"];

/// Service principals are DNS-like names ending in an AWS domain (`logs.amazonaws.com`,
/// `logs.eu-west-1.amazonaws.com`, `logs.${AWS::Region}.amazonaws.com`).
fn classify_service(text: &Text<'_>) -> Principal {
    let Some(s) = text.literal() else {
        return classify_service_with_holes(text);
    };
    if s == "*" {
        return Principal::Everyone;
    }
    let valid_chars = s
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-');
    match split_service(s) {
        Some((service, region, suffix)) if valid_chars => Principal::Service(ServicePrincipal {
            service: Name::Known(service.to_owned()),
            region: region.map(|r| Slot::Known(r.to_owned())),
            suffix: suffix.to_owned(),
        }),
        _ => Principal::Invalid("it is not a service principal (like `logs.amazonaws.com`)".into()),
    }
}

/// `SERVICE[.REGION].SUFFIX` split into its parts.
fn split_service(s: &str) -> Option<(&str, Option<&str>, &str)> {
    let suffix = SERVICE_SUFFIXES.iter().find(|x| {
        s.strip_suffix(**x)
            .is_some_and(|head| head.ends_with('.') && head.len() > 1)
    })?;
    let head = &s[..s.len() - suffix.len() - 1];
    if head.starts_with('.') || head.is_empty() {
        return None;
    }
    Some(match head.split_once('.') {
        Some((service, region)) => (service, Some(region), suffix),
        None => (head, None, suffix),
    })
}

/// `logs.${AWS::Region}.amazonaws.com`: the Region is the stack's. Other holes leave the
/// service unknown, though still a service.
fn classify_service_with_holes(text: &Text<'_>) -> Principal {
    let display = text.display();
    if display.contains(char::is_whitespace) {
        return Principal::Invalid("it is not a service principal".into());
    }
    if let [
        Part::Lit(service),
        Part::Hole(Hole::Region),
        Part::Lit(rest),
    ] = text.parts.as_slice()
        && let Some(service) = service.strip_suffix('.')
        && let Some(suffix) = rest.strip_prefix('.')
        && SERVICE_SUFFIXES.contains(&suffix)
        && !service.is_empty()
        && !service.contains('.')
    {
        return Principal::Service(ServicePrincipal {
            service: Name::Known(service.to_owned()),
            region: Some(Slot::Stack),
            suffix: suffix.to_owned(),
        });
    }
    if let [Part::Lit(service), Part::Hole(Hole::UrlSuffix)] = text.parts.as_slice()
        && let Some(service) = service.strip_suffix('.')
        && !service.is_empty()
    {
        // `logs.${AWS::URLSuffix}`: the stack partition's suffix.
        let (service, region) = match service.split_once('.') {
            Some((s, r)) => (s, Some(Slot::Known(r.to_owned()))),
            None => (service, None),
        };
        return Principal::Service(ServicePrincipal {
            service: Name::Known(service.to_owned()),
            region,
            suffix: "${AWS::URLSuffix}".to_owned(),
        });
    }
    // Some service, though not known which.
    Principal::Service(ServicePrincipal {
        service: Name::Hole(display),
        region: None,
        suffix: String::new(),
    })
}

#[cfg(test)]
mod tests;
