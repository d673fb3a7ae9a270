//! Who may do what with a key, from its key policy: the policy engine's answers
//! ([`KeyPolicy::access`]) said as a reader needs them (docs/access.md):
//! - `allowed`: a statement that names the principal allows the action, without conditions,
//!   and no deny can apply;
//! - `conditional`: it is allowed only if something holds that the file does not decide: a
//!   statement's conditions, a value not known here (a parameter, an import, an `Fn::If`
//!   branch, the key's ID for a statement whose `Resource` is a key ARN), a deny that may
//!   apply, or the principal's IAM policies, when the only statements that allow it name the
//!   principal's account (the account principal lets the account's IAM policies grant access;
//!   Default key policy, "Allows access to the AWS account and enables IAM policies");
//! - `denied`: a deny certainly applies (an explicit deny wins over any allow);
//! - `not-allowed`: nothing allows it.
//!
//! A role or user of the template has exactly the IAM policies the template gives it that bear
//! on the key ([`Asker::iam`]), evaluated with the key policy; a policy with `Fn::If` is asked
//! in each combination of the template's conditions ([`builds`], [`ask_over`], [`cells_over`]).
//! Each answer says how it is allowed ([`Way`]), for KMS507 to compare two versions' ways.
//!
//! The engine never guesses: where it cannot decide, the answer is `conditional`. `kmslint
//! access` asks it of files (`crate::access`); KMS507 compares its answers for two versions.

mod context;

use std::collections::HashSet;

pub use context::RequestContext;

use super::PolicySource;
use super::conditions::Conditions;
use super::iam::Grant;
use super::policy::{Access, Clause, ConditionBlock, Statement, Verdict as EngineVerdict};
use super::principal::{
    Coverage, Deployment as PolicyDeployment, IamKind, IamPrincipal, Name, Principal, Requester,
    Slot,
};
use super::value::{Env, Resolver};
use super::{KeyPolicy, Template};
use crate::source::Span;
use context::Decided;

/// Whether a principal may call an action on the key (the module's list says when each is
/// given).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    Conditional,
    Denied,
    NotAllowed,
}

impl Verdict {
    /// How much it lets through: `allowed` more than `conditional`, and either more than
    /// nothing (`denied` or `not-allowed`).
    pub fn rank(self) -> u8 {
        match self {
            Verdict::Allowed => 2,
            Verdict::Conditional => 1,
            Verdict::Denied | Verdict::NotAllowed => 0,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Allowed => "allowed",
            Verdict::Conditional => "conditional",
            Verdict::Denied => "denied",
            Verdict::NotAllowed => "not-allowed",
        }
    }
}

/// What a principal may do with a key, by capability: each capability is a set of actions
/// (AWS KMS permissions reference,
/// https://docs.aws.amazon.com/kms/latest/developerguide/kms-api-permissions-reference.html).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Capability {
    /// Change or destroy the key: its policy, its state, its deletion, its rotation, its tags.
    Administer,
    /// The cryptographic operations of the key's usage (encrypt and decrypt, sign and verify,
    /// MAC, or key agreement).
    Use,
    /// Hand the key out: create, retire and revoke grants.
    Grant,
    /// Read about the key: describe it, read its policy, rotation status, tags, grants and
    /// public key.
    Read,
}

impl Capability {
    pub const ALL: [Capability; 4] = [
        Capability::Administer,
        Capability::Use,
        Capability::Grant,
        Capability::Read,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Capability::Administer => "administer",
            Capability::Use => "use",
            Capability::Grant => "grant",
            Capability::Read => "read",
        }
    }

    /// The actions of the capability, for a key of `usage` (`KeyUsage`; `None` when not known).
    pub(crate) fn actions(self, usage: Option<&str>) -> &'static [&'static str] {
        match self {
            Capability::Administer => &[
                "kms:PutKeyPolicy",
                "kms:ScheduleKeyDeletion",
                "kms:CancelKeyDeletion",
                "kms:DisableKey",
                "kms:EnableKey",
                "kms:UpdateKeyDescription",
                "kms:EnableKeyRotation",
                "kms:DisableKeyRotation",
                "kms:RotateKeyOnDemand",
                "kms:TagResource",
                "kms:UntagResource",
            ],
            Capability::Use => match usage {
                Some("SIGN_VERIFY") => &["kms:Sign", "kms:Verify"],
                Some("GENERATE_VERIFY_MAC") => &["kms:GenerateMac", "kms:VerifyMac"],
                Some("KEY_AGREEMENT") => &["kms:DeriveSharedSecret"],
                _ => &[
                    "kms:Encrypt",
                    "kms:Decrypt",
                    "kms:ReEncryptFrom",
                    "kms:ReEncryptTo",
                    "kms:GenerateDataKey",
                    "kms:GenerateDataKeyWithoutPlaintext",
                ],
            },
            Capability::Grant => &["kms:CreateGrant", "kms:RetireGrant", "kms:RevokeGrant"],
            Capability::Read => &[
                "kms:DescribeKey",
                "kms:GetKeyPolicy",
                "kms:GetKeyRotationStatus",
                "kms:GetPublicKey",
                "kms:ListGrants",
                "kms:ListResourceTags",
            ],
        }
    }
}

/// What a principal may do of one capability: the most it may do of the capability's actions
/// (`allowed` if one action is allowed), and whether that holds for every action of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cell {
    pub verdict: Verdict,
    /// The verdict holds for some of the capability's actions, not all.
    pub partial: bool,
    /// The actions it holds for.
    pub actions: Vec<&'static str>,
    /// For a conditional cell, what it depends on (of its actions, without repeats).
    pub conditions: Vec<String>,
}

/// One key's policy (`None`: the default key policy, for a key created without one), as
/// answers are asked of it.
pub(crate) struct Asker<'a, 't> {
    pub policy: Option<&'a KeyPolicy<'t>>,
    /// `KeyUsage` when written as a literal (the default is `ENCRYPT_DECRYPT`).
    pub usage: Option<&'a str>,
    pub template: Option<&'a Template<'t>>,
    pub deployment: &'a PolicyDeployment<'a>,
    /// The key's account, when known.
    pub account: Option<&'a str>,
    pub context: &'a RequestContext,
    /// The template's IAM statements that may bear on this key (allows and denies, on its ARN
    /// or on any key): a role or user of the template has exactly these (issue 25: "a role or
    /// user of the template has exactly the identity policies the template gives it").
    pub iam: &'a [&'a Grant<'t>],
}

/// What a principal's IAM policies say of an action on the key.
#[derive(Default)]
struct IamSays {
    /// A deny certainly applies.
    denied: bool,
    /// An allow certainly applies.
    allowed: bool,
    /// Allows that apply if these hold, each in a sentence.
    allows_if: Vec<String>,
    /// Denies that may apply, each in a sentence ("unless …").
    unless: Vec<String>,
    /// The ways its allows give.
    ways: Vec<Way>,
}

/// A statement that decides an answer, as plain data (the policy it is in may be one of
/// several builds, one per combination of the template's conditions).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct StatementRef {
    pub sid: Option<String>,
    /// Its place in `Statement` as written, from 0.
    pub index: usize,
    /// Where the statement starts, and its `Sid` (or first key), to point at.
    pub start: u32,
    pub label: Span,
    pub deny: bool,
}

/// One way an action is allowed, of several any one of which suffices: what must hold for it
/// (nothing: it certainly is), and where the statement that allows it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Way {
    /// The key policy statement's label, or the IAM statement's `Resource`.
    pub at: Option<Span>,
    /// What must hold (naming no statement: the same condition is the same need in two
    /// versions of a policy).
    pub ifs: Vec<Need>,
}

impl Way {
    /// Whether this way in lets in whatever `other` does: all it needs is within what `other`
    /// needs.
    pub(crate) fn implies(&self, other: &Way) -> bool {
        self.ifs
            .iter()
            .all(|need| need.not_compared || other.ifs.iter().any(|theirs| need.within(theirs)))
    }
}

/// One thing that must hold for a way of access.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Need {
    /// In words.
    pub text: String,
    /// For a condition clause: its operator and key (lowercased: keys are not case-sensitive),
    /// and whether one of its values is not known here (so that it may be any value).
    pub clause: Option<(String, String, bool)>,
    /// Left out when two ways are compared ([`Way::implies`]): what kmslint cannot tell
    /// (whether a statement names this principal, action or key), and the principal's IAM
    /// policies (a key policy that lets the account in already covers each principal of the
    /// account, as IAM Access Analyzer's `CheckNoNewAccess` compares resource policies).
    pub not_compared: bool,
}

impl Need {
    fn said(text: impl Into<String>) -> Need {
        Need {
            text: text.into(),
            clause: None,
            not_compared: false,
        }
    }

    fn not_compared(text: &str) -> Need {
        Need {
            not_compared: true,
            ..Need::said(text)
        }
    }

    /// Whether `self` asks no more than `other`: the same need, or the same clause with a
    /// value not known on either side (which may be the other's).
    fn within(&self, other: &Need) -> bool {
        match (&self.clause, &other.clause) {
            (Some((op, key, open)), Some((other_op, other_key, other_open)))
                if *open || *other_open =>
            {
                op == other_op && key == other_key
            }
            _ => self == other,
        }
    }
}

/// Needs in words, joined: "…, and …".
fn words(needs: &[Need]) -> String {
    let texts: Vec<&str> = needs.iter().map(|n| n.text.as_str()).collect();
    texts.join(", and ")
}

/// A verdict with what it depends on and the statements that decide it.
pub(crate) struct Said {
    pub verdict: Verdict,
    pub conditions: Vec<String>,
    /// The statements that decide it.
    pub statements: Vec<StatementRef>,
    /// The ways it is allowed, for an `allowed` or `conditional` answer.
    pub ways: Vec<Way>,
    /// `conditional` exactly on the principal's IAM policies: the key policy allows it only
    /// through the principal's account, with no other condition and no deny that may apply.
    pub by_iam: bool,
}

impl Asker<'_, '_> {
    /// A principal's cells, one per [`Capability::ALL`]: `who`, or with `None` a principal of
    /// the key's account that no statement names.
    pub(crate) fn cells(&self, who: Option<&Principal>) -> Vec<Cell> {
        Capability::ALL
            .iter()
            .map(|capability| {
                let actions = capability.actions(self.usage);
                let said: Vec<Said> = actions
                    .iter()
                    .map(|action| match who {
                        Some(principal) => self.ask(principal, action),
                        None => self.ask_unnamed(action),
                    })
                    .collect();
                cell(actions, &said)
            })
            .collect()
    }

    /// The principals the policy names, each once, as written; then the roles and users of the
    /// template whose IAM policies allow actions on the key; then, when the policy names an
    /// account principal that may be the key's own account (the default key policy does), the
    /// account's other principals (`None`), which the account's IAM policies may let in.
    pub(crate) fn principals(&self) -> Vec<(String, Option<Principal>)> {
        let mut out: Vec<(String, Option<Principal>)> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        // The default key policy names only the key's account.
        let mut delegates = self.policy.is_none();
        for statement in self.policy.iter().flat_map(|p| &p.statements) {
            for item in statement.principal.iter().flat_map(|p| &p.items) {
                for (alt, principal) in &item.principals {
                    let label = match principal {
                        Principal::TemplateResource(id) => format!("{id} (of this template)"),
                        _ => alt
                            .text_value()
                            .map_or_else(|| principal.describe(), |t| t.display()),
                    };
                    if let Principal::Iam(p) = principal
                        && p.kind == IamKind::Account
                        && p.account.same(&Slot::Stack, self.account) != Coverage::No
                    {
                        delegates = true;
                    }
                    if matches!(
                        principal,
                        Principal::Unknown | Principal::Invalid(_) | Principal::Other
                    ) {
                        continue;
                    }
                    if seen.insert(label.clone()) {
                        out.push((label, Some(principal.clone())));
                    }
                }
            }
        }
        // The roles and users of the template whose IAM policies allow actions on the key.
        for grant in self.iam.iter().filter(|g| !g.deny) {
            for grantee in &grant.principals {
                if let Principal::TemplateResource(id) = &grantee.principal {
                    let label = format!("{id} (of this template)");
                    if seen.insert(label.clone()) {
                        out.push((label, Some(grantee.principal.clone())));
                    }
                }
            }
        }
        if delegates {
            let account = self.account.unwrap_or("the key's account");
            let other = if self.policy.is_some() || !out.is_empty() {
                "other "
            } else {
                ""
            };
            out.push((
                format!("any {other}principal of {account} (by its IAM policies)"),
                None,
            ));
        }
        out
    }

    /// The answer for a principal of the key's account that no statement names.
    pub(crate) fn ask_unnamed(&self, action: &str) -> Said {
        match self.policy {
            Some(policy) => self.ask_as(policy, Requester::Unnamed, action),
            None => {
                let (verdict, conditions) = default_policy_unnamed();
                Said {
                    verdict,
                    conditions,
                    statements: Vec::new(),
                    ways: vec![Way {
                        at: None,
                        ifs: vec![Need::not_compared(BY_IAM)],
                    }],
                    by_iam: true,
                }
            }
        }
    }

    /// The answer for `who` calling `action`. A role or user of the template has exactly the
    /// IAM policies the template gives it, and both its IAM policies and the key policy are
    /// evaluated, as IAM does within one account: an explicit deny in either wins; else the key
    /// policy's allow suffices, and its account principal's lets the IAM policies' allow in
    /// (Policy evaluation logic,
    /// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html;
    /// Key policies in AWS KMS,
    /// https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html).
    pub(crate) fn ask(&self, who: &Principal, action: &str) -> Said {
        let mut said = self.ask_key_policy(who, action);
        if !matches!(who, Principal::TemplateResource(_)) || said.verdict == Verdict::Denied {
            return said;
        }
        let iam = self.ask_iam(who, action);
        if iam.denied {
            return Said {
                verdict: Verdict::Denied,
                conditions: Vec::new(),
                statements: Vec::new(),
                ways: Vec::new(),
                by_iam: false,
            };
        }
        if said.by_iam {
            said.by_iam = false;
            if !iam.allowed && iam.allows_if.is_empty() {
                said.verdict = Verdict::NotAllowed;
                said.conditions.clear();
                said.statements.clear();
                said.ways.clear();
                return said;
            }
            said.ways = iam.ways;
            said.conditions = if iam.allowed {
                Vec::new()
            } else {
                iam.allows_if
            };
            said.verdict = if said.conditions.is_empty() {
                Verdict::Allowed
            } else {
                Verdict::Conditional
            };
        }
        if !iam.unless.is_empty() && said.verdict.rank() > 0 {
            said.verdict = Verdict::Conditional;
            said.conditions.extend(iam.unless);
        }
        said
    }

    /// What the template's IAM policies say of `who`, a role or user of the template, calling
    /// `action` on the key.
    fn ask_iam(&self, who: &Principal, action: &str) -> IamSays {
        let mut says = IamSays::default();
        let bearing = self.iam.iter().filter(|g| {
            g.principals.iter().any(|p| p.principal == *who) && g.covers_action(action)
        });
        for grant in bearing {
            let (held, mut ifs) = held(self.context, grant.condition.as_ref());
            if held == Decided::False {
                continue;
            }
            ifs.extend(grant.resource_doubt.map(Need::not_compared));
            ifs.extend(
                grant
                    .when
                    .iter()
                    .map(|(c, v)| Need::said(format!("`{c}` is {v}"))),
            );
            if !grant.deny {
                says.ways.push(Way {
                    at: Some(grant.span),
                    ifs: ifs.clone(),
                });
            }
            if grant.deny {
                if ifs.is_empty() {
                    says.denied = true;
                } else {
                    says.unless.push(format!(
                        "unless {} denies it (if {})",
                        grant.describe(),
                        words(&ifs)
                    ));
                }
            } else if ifs.is_empty() {
                says.allowed = true;
            } else {
                says.allows_if
                    .push(format!("{} allows it if {}", grant.describe(), words(&ifs)));
            }
        }
        says
    }

    /// What the key policy alone says for `who` calling `action`.
    fn ask_key_policy(&self, who: &Principal, action: &str) -> Said {
        let Some(policy) = self.policy else {
            let (verdict, conditions, by_iam) = default_policy(who, self.account);
            let ways = match verdict {
                Verdict::Allowed => vec![Way {
                    at: None,
                    ifs: Vec::new(),
                }],
                Verdict::Conditional => vec![Way {
                    at: None,
                    ifs: conditions.iter().map(Need::said).collect(),
                }],
                _ => Vec::new(),
            };
            return Said {
                verdict,
                conditions,
                statements: Vec::new(),
                ways,
                by_iam,
            };
        };
        // A role or user of the template created without a name has the one CloudFormation
        // generates, which a literal ARN can name only if it has that shape; one with a
        // literal name is named by its ARN too.
        let named = match who {
            Principal::TemplateResource(id) => named_in_template(self.template, id),
            _ => None,
        };
        let requester = match (who, &named) {
            (Principal::TemplateResource(id), Some(principal)) => Requester::Known {
                resource: id,
                principal,
            },
            (Principal::TemplateResource(id), None) if generated_name(self.template, id) => {
                Requester::Generated {
                    resource: id,
                    user: self
                        .template
                        .and_then(|t| t.resource(id))
                        .and_then(|r| r.type_name)
                        == Some("AWS::IAM::User"),
                }
            }
            (principal, _) => Requester::Named(principal),
        };
        self.ask_as(policy, requester, action)
    }

    fn ask_as(&self, policy: &KeyPolicy<'_>, requester: Requester<'_>, action: &str) -> Said {
        let access = policy.access(requester, action, self.deployment);
        let deciding = |indexes: &[usize]| -> Vec<StatementRef> {
            indexes
                .iter()
                .map(|&i| {
                    let statement = &policy.statements[i];
                    StatementRef {
                        sid: statement
                            .sid
                            .as_ref()
                            .and_then(|s| s.as_str())
                            .map(str::to_owned),
                        index: written_index(policy, statement),
                        start: statement.node.span.start,
                        label: statement.label_span(),
                        deny: statement.effect() == Some("Deny"),
                    }
                })
                .collect()
        };
        let mut by_iam = false;
        let mut ways = Vec::new();
        let (verdict, conditions, statements) = match access.verdict {
            EngineVerdict::Denied => (Verdict::Denied, Vec::new(), deciding(&access.denies)),
            EngineVerdict::NotAllowed => (Verdict::NotAllowed, Vec::new(), Vec::new()),
            EngineVerdict::Allowed | EngineVerdict::Possibly => {
                let reasons = Reasons {
                    policy,
                    who: requester,
                    action,
                    deployment: self.deployment,
                    context: self.context,
                };
                let mut each = Vec::new();
                let outcome = reasons.outcome(&access, &mut each);
                ways = each
                    .into_iter()
                    .map(|(i, ifs)| Way {
                        at: Some(policy.statements[i].label_span()),
                        ifs,
                    })
                    .collect();
                match outcome {
                    Outcome::Allowed(by) => (Verdict::Allowed, Vec::new(), deciding(&by)),
                    Outcome::Denied(by) => (Verdict::Denied, Vec::new(), deciding(&by)),
                    Outcome::NotAllowed => (Verdict::NotAllowed, Vec::new(), Vec::new()),
                    Outcome::Conditional(conditions, by) => {
                        (Verdict::Conditional, conditions, deciding(&by))
                    }
                    Outcome::ByIam(conditions, by) => {
                        by_iam = true;
                        (Verdict::Conditional, conditions, deciding(&by))
                    }
                }
            }
        };
        if verdict.rank() == 0 {
            ways.clear();
        }
        Said {
            verdict,
            conditions,
            statements,
            ways,
            by_iam,
        }
    }
}

/// A statement's place in the policy's `Statement` list as written: the one of the item
/// that holds it (a build leaves out the items `Fn::If` removes, so its own index may differ).
fn written_index(policy: &KeyPolicy<'_>, statement: &Statement<'_>) -> usize {
    let at = statement.node.span.start;
    let items = policy
        .root
        .entry("Statement")
        .and_then(|e| e.value.as_seq());
    items
        .and_then(|items| {
            items.iter().position(|item| {
                item.span.start <= at && at < item.span.end.max(item.span.start + 1)
            })
        })
        .unwrap_or_default()
}

/// Scenarios past this many are not enumerated: the policy is built once, its `Fn::If`s
/// unknown, so that its answers are `conditional`.
const MAX_SCENARIOS: usize = 64;

/// The policy of `source` built in each combination of the template's conditions its
/// `Fn::If`s use (once when it uses none, or too many).
pub(crate) fn builds<'t>(
    source: &PolicySource<'t>,
    env: &Env<'t>,
    conditions: &Conditions<'t>,
    resource_type: &dyn Fn(&str) -> Option<&'t str>,
) -> Vec<KeyPolicy<'t>> {
    let all: Vec<usize> = (0..source.conditions.statements.len()).collect();
    let names = source.conditions.for_statements(&all);
    match conditions.scenarios(&names) {
        Ok(scenarios) if scenarios.len() <= MAX_SCENARIOS => scenarios
            .iter()
            .map(|scenario| {
                let resolver = Resolver::with_scenario(env, scenario);
                KeyPolicy::build(source, &resolver, resource_type, None)
            })
            .collect(),
        _ => vec![KeyPolicy::build(
            source,
            &Resolver::new(env),
            resource_type,
            None,
        )],
    }
}

/// A way of access through the principal's account: its IAM policies must allow it.
const BY_IAM: &str = "the principal's IAM policies allow it";

/// What the template's conditions add to an answer that differs between their combinations.
const BY_CONDITIONS: &str =
    "the template's `Conditions` decide it (it differs between their combinations)";

/// The principals any of several builds of a policy names ([`Asker::principals`]), each once,
/// in the order first met, and the account's other principals last.
pub(crate) fn principals_over(askers: &[Asker<'_, '_>]) -> Vec<(String, Option<Principal>)> {
    let mut seen = HashSet::new();
    let mut out: Vec<(String, Option<Principal>)> = askers
        .iter()
        .flat_map(Asker::principals)
        .filter(|(label, _)| seen.insert(label.clone()))
        .collect();
    out.sort_by_key(|(_, who)| who.is_none());
    out
}

/// The answer over several builds of a policy (one per combination of the template's
/// conditions): the same in all, or `conditional` on the template's conditions.
pub(crate) fn ask_over(askers: &[Asker<'_, '_>], ask: &dyn Fn(&Asker<'_, '_>) -> Said) -> Said {
    let mut each = askers.iter().map(ask);
    let Some(mut first) = each.next() else {
        return Said {
            verdict: Verdict::NotAllowed,
            conditions: Vec::new(),
            statements: Vec::new(),
            ways: Vec::new(),
            by_iam: false,
        };
    };
    let mut same = true;
    for said in each {
        same &= said.verdict == first.verdict;
        first.by_iam &= said.by_iam;
        if said.verdict.rank() > first.verdict.rank() {
            first.verdict = said.verdict;
        }
        for condition in said.conditions {
            if !first.conditions.contains(&condition) {
                first.conditions.push(condition);
            }
        }
        for statement in said.statements {
            if !first.statements.contains(&statement) {
                first.statements.push(statement);
            }
        }
        for way in said.ways {
            if !first.ways.contains(&way) {
                first.ways.push(way);
            }
        }
    }
    if !same {
        if first.verdict == Verdict::Allowed || first.verdict == Verdict::Denied {
            first.verdict = Verdict::Conditional;
        }
        first.conditions.push(BY_CONDITIONS.to_owned());
        first.by_iam = false;
    }
    first
}

/// A principal's cells over several builds of a policy: a cell the same in all, or
/// `conditional` on the template's conditions (with the actions of its best build).
pub(crate) fn cells_over(askers: &[Asker<'_, '_>], who: Option<&Principal>) -> Vec<Cell> {
    let each: Vec<Vec<Cell>> = askers.iter().map(|a| a.cells(who)).collect();
    (0..Capability::ALL.len())
        .map(|c| {
            let mut cells = each.iter().map(|cells| &cells[c]);
            let Some(first) = cells.next() else {
                return Cell {
                    verdict: Verdict::NotAllowed,
                    partial: false,
                    actions: Vec::new(),
                    conditions: Vec::new(),
                };
            };
            let mut best = first.clone();
            let mut same = true;
            for cell in cells {
                same &= cell.verdict == best.verdict;
                if cell.verdict.rank() > best.verdict.rank() {
                    best = cell.clone();
                }
            }
            if !same {
                if best.verdict == Verdict::Allowed {
                    best.verdict = Verdict::Conditional;
                }
                if best.verdict == Verdict::Conditional {
                    best.conditions.push(BY_CONDITIONS.to_owned());
                }
            }
            best
        })
        .collect()
}

/// A cell from the answers for a capability's `actions` (`said`, in the same order).
fn cell(actions: &'static [&'static str], said: &[Said]) -> Cell {
    // As [`Verdict::rank`], and a deny before nothing: a cell shows that it is denied.
    let order = |v: Verdict| (v.rank(), v == Verdict::Denied);
    let best = said
        .iter()
        .map(|s| s.verdict)
        .max_by_key(|v| order(*v))
        .unwrap_or(Verdict::NotAllowed);
    let holding: Vec<usize> = (0..said.len())
        .filter(|&i| said[i].verdict == best)
        .collect();
    let mut conditions: Vec<String> = Vec::new();
    if best == Verdict::Conditional {
        for &i in &holding {
            for condition in &said[i].conditions {
                if !conditions.contains(condition) {
                    conditions.push(condition.clone());
                }
            }
        }
    }
    Cell {
        verdict: best,
        partial: holding.len() < said.len(),
        actions: holding.iter().map(|&i| actions[i]).collect(),
        conditions,
    }
}

/// The default key policy's answer for a principal of the key's account that it does not
/// name: its IAM policies decide.
fn default_policy_unnamed() -> (Verdict, Vec<String>) {
    (
        Verdict::Conditional,
        vec![
            "the default key policy (the template gives none) allows it if the principal's IAM policies allow it (it lets the account's IAM policies grant access)"
                .to_owned(),
        ],
    )
}

/// The answer of the default key policy, which allows the key's account principal every
/// action and so lets the account's IAM policies grant access (for any action: its statement
/// allows `kms:*`).
fn default_policy(who: &Principal, key_account: Option<&str>) -> (Verdict, Vec<String>, bool) {
    const DEFAULT: &str = "the default key policy (the template gives none)";
    let in_account = |account: &Slot| match (account, key_account) {
        (Slot::Known(theirs), Some(key)) => Some(theirs == key),
        (Slot::Stack, _) => Some(true),
        _ => None,
    };
    let (same, is_account) = match who {
        Principal::Iam(p) => (in_account(&p.account), p.kind == IamKind::Account),
        // A role or user of the template is in the stack's account.
        Principal::TemplateResource(_) => (Some(true), false),
        _ => (Some(false), false),
    };
    match (same, is_account) {
        (Some(true), true) => (Verdict::Allowed, Vec::new(), false),
        (Some(true), false) => (
            Verdict::Conditional,
            vec![format!(
                "{DEFAULT} allows it if the principal's IAM policies allow it (it lets the account's IAM policies grant access)"
            )],
            true,
        ),
        (Some(false), _) => (Verdict::NotAllowed, Vec::new(), false),
        (None, _) => (
            Verdict::Conditional,
            vec![format!(
                "{DEFAULT} allows it if the principal is in the key's account and its IAM policies allow it (give the key's account with --account)"
            )],
            false,
        ),
    }
}

/// What an allowing answer depends on.
struct Reasons<'p, 't, 'd> {
    policy: &'p KeyPolicy<'t>,
    who: Requester<'p>,
    action: &'p str,
    deployment: &'p PolicyDeployment<'d>,
    context: &'p RequestContext,
}

/// An answer the engine found allowed or possible, once the context and what the engine does
/// not say are taken into account, with the statements that decide it.
enum Outcome {
    Allowed(Vec<usize>),
    /// What must hold, each in a sentence, and the statements that may allow or deny it.
    Conditional(Vec<String>, Vec<usize>),
    Denied(Vec<usize>),
    NotAllowed,
    /// Allowed exactly when the principal's IAM policies allow it (the sentences say through
    /// which statements).
    ByIam(Vec<String>, Vec<usize>),
}

impl Reasons<'_, '_, '_> {
    /// The answer, with what must hold, each in a sentence that says how it bears: "statement
    /// `S` allows it if …" (any one such suffices), "unless statement `D` applies …" (each must
    /// not); and the ways each statement allows it, added to `ways`.
    fn outcome(&self, access: &Access, ways: &mut Vec<(usize, Vec<Need>)>) -> Outcome {
        let mut allows_if = Vec::new();
        let mut certain = Vec::new();
        let mut deciding = Vec::new();
        // Whether every way it is allowed is through the principal's account.
        let mut only_by_iam = true;
        for &i in &access.grants {
            let statement = &self.policy.statements[i];
            let named = statement.names_directly(self.who, self.deployment);
            let (held, open) = held(self.context, statement.condition.as_ref());
            if held == Decided::False {
                continue;
            }
            deciding.push(i);
            let action = statement.covers_action(self.action);
            let resource = statement.covers_resource(self.deployment);
            if named == Coverage::No {
                // Only through its account principal: the account's IAM policies decide, and
                // whatever else the statement needs.
                let mut ifs = doubts(named, action, resource);
                ifs.extend(open);
                let also = if ifs.is_empty() {
                    String::new()
                } else {
                    only_by_iam = false;
                    format!(", and {}", words(&ifs))
                };
                ways.push((
                    i,
                    std::iter::once(Need::not_compared(BY_IAM))
                        .chain(ifs)
                        .collect(),
                ));
                allows_if.push(format!(
                    "{} allows it if the principal's IAM policies allow it (it lets the account's IAM policies grant access){also}",
                    label(statement, i)
                ));
                continue;
            }
            if named == Coverage::Yes
                && action == Coverage::Yes
                && resource == Coverage::Yes
                && held == Decided::True
            {
                certain.push(i);
                continue;
            }
            let mut ifs = doubts(named, action, resource);
            ifs.extend(open);
            allows_if.push(format!(
                "{} allows it if {}",
                label(statement, i),
                words(&ifs)
            ));
            ways.push((i, ifs));
            only_by_iam = false;
        }
        let mut unless = match self.unless(access, &mut deciding) {
            Ok(unless) => unless,
            Err(denying) => return Outcome::Denied(vec![denying]),
        };
        if self.policy.incomplete {
            unless.push("unless the parts of the policy not known here deny it".to_owned());
        }
        if let Some(elsewhere) = self.other_account() {
            // Access from another account needs the principal's IAM policies too.
            for &i in &certain {
                let label = label(&self.policy.statements[i], i);
                allows_if.push(format!("{label} allows it if {elsewhere}"));
                ways.push((i, vec![Need::said(elsewhere.clone())]));
                only_by_iam = false;
            }
            certain.clear();
        }
        ways.extend(certain.iter().map(|&i| (i, Vec::new())));
        if certain.is_empty() && allows_if.is_empty() {
            // The context ruled out every statement that could allow it; or the engine was
            // unsure for a reason no statement gives (an effect not known here).
            return if access.grants.is_empty() {
                let mut conditions =
                    vec!["a statement whose effect is not known here allows it".to_owned()];
                conditions.extend(unless);
                Outcome::Conditional(conditions, deciding)
            } else {
                Outcome::NotAllowed
            };
        }
        if !certain.is_empty() && unless.is_empty() {
            return Outcome::Allowed(certain);
        }
        if certain.is_empty() && unless.is_empty() && only_by_iam {
            return Outcome::ByIam(allows_if, deciding);
        }
        let mut conditions = if certain.is_empty() {
            allows_if
        } else {
            Vec::new()
        };
        conditions.extend(unless);
        Outcome::Conditional(conditions, deciding)
    }

    /// The denies that may apply, each in a sentence ("unless statement `D` denies it …"),
    /// added to `deciding`; or the deny that certainly applies once the context is known.
    fn unless(&self, access: &Access, deciding: &mut Vec<usize>) -> Result<Vec<String>, usize> {
        let mut unless = Vec::new();
        for &i in &access.maybe_denies {
            let statement = &self.policy.statements[i];
            let (held, open) = held(self.context, statement.condition.as_ref());
            if held == Decided::False {
                continue;
            }
            let named = statement.applies_to(self.who, self.deployment);
            let action = statement.covers_action(self.action);
            let resource = statement.covers_resource(self.deployment);
            if held == Decided::True
                && named == Coverage::Yes
                && action == Coverage::Yes
                && resource == Coverage::Yes
            {
                return Err(i);
            }
            deciding.push(i);
            let when = if open.is_empty() {
                "for a value not known here".to_owned()
            } else {
                format!("if {}", words(&open))
            };
            unless.push(format!("unless {} denies it ({when})", label(statement, i)));
        }
        Ok(unless)
    }
}

impl Reasons<'_, '_, '_> {
    /// When the requester is a role, user or session of an account that is not the key's (or
    /// may not be), what else it needs: a key policy that names a principal of another account
    /// lets it use the key only if that account's IAM policies allow it too (Allowing users in
    /// other accounts to use a KMS key,
    /// https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-modifying-external-accounts.html).
    fn other_account(&self) -> Option<String> {
        let Requester::Named(Principal::Iam(principal)) = self.who else {
            return None;
        };
        if principal.kind == IamKind::Account {
            return None;
        }
        match (&principal.account, self.deployment.account) {
            (Slot::Known(theirs), Some(key)) if theirs == key => None,
            (Slot::Known(theirs), Some(_)) => Some(format!(
                "the IAM policies of account {theirs} allow it too (access from another account needs both)"
            )),
            (Slot::Known(theirs), None) => Some(format!(
                "the key is in account {theirs}, or that account's IAM policies allow it too (access from another account needs both; give the key's account with --account)"
            )),
            _ => None,
        }
    }
}

/// A role or user of `template` with a literal `RoleName` (`UserName`), as its ARN names it:
/// in the stack's partition and account (AWS::IAM::Role `RoleName`,
/// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-iam-role.html).
fn named_in_template(template: Option<&Template<'_>>, id: &str) -> Option<Principal> {
    let resource = template?.resource(id)?;
    let (property, user) = match resource.type_name? {
        "AWS::IAM::Role" => ("RoleName", false),
        "AWS::IAM::User" => ("UserName", true),
        _ => return None,
    };
    let name = Name::Known(resource.property(property)?.as_str()?.to_owned());
    Some(Principal::Iam(IamPrincipal {
        partition: Slot::Stack,
        account: Slot::Stack,
        kind: if user {
            IamKind::User(name)
        } else {
            IamKind::Role(name)
        },
    }))
}

/// Whether `id` is a role or user of `template` created without a name (`RoleName`,
/// `UserName`), whose name CloudFormation generates.
fn generated_name(template: Option<&Template<'_>>, id: &str) -> bool {
    let Some(resource) = template.and_then(|t| t.resource(id)) else {
        return false;
    };
    match resource.type_name {
        Some("AWS::IAM::Role") => resource.property("RoleName").is_none(),
        Some("AWS::IAM::User") => resource.property("UserName").is_none(),
        _ => false,
    }
}

/// What kmslint cannot tell of a statement that may allow an action: whether it names the
/// principal, the action, the key.
fn doubts(named: Coverage, action: Coverage, resource: Coverage) -> Vec<Need> {
    let mut out = Vec::new();
    if named == Coverage::Maybe {
        out.push(Need::not_compared(
            "it names this principal (a value not known here decides: a parameter, or the key's account or partition, which --account and --region give)",
        ));
    }
    if action == Coverage::Maybe {
        out.push(Need::not_compared(
            "it names this action (a value not known here decides)",
        ));
    }
    if resource == Coverage::Maybe {
        out.push(Need::not_compared(
            "its `Resource` names this key (the key's ARN is not known here)",
        ));
    }
    out
}

/// What the context decides of a statement's conditions, and its clauses still open, in
/// words.
fn held(context: &RequestContext, condition: Option<&ConditionBlock<'_>>) -> (Decided, Vec<Need>) {
    match condition {
        None => (Decided::True, Vec::new()),
        Some(block) if block.incomplete => (
            Decided::Open,
            vec![Need::said("its conditions hold (some are not known here)")],
        ),
        Some(block) => {
            let (held, open) = context::block(context, block);
            (held, open.into_iter().map(clause).collect())
        }
    }
}

/// A condition clause as a need, in words: "`StringEquals` `kms:ViaService` is `ec2.…` or
/// `rds.…`".
fn clause(clause: &Clause<'_>) -> Need {
    let values: Vec<String> = clause
        .values
        .iter()
        .map(|v| match v.as_str() {
            Some(value) => format!("`{value}`"),
            None => "a value not known here".to_owned(),
        })
        .collect();
    Need {
        text: format!(
            "`{}` `{}` is {}",
            clause.operator_name,
            clause.key,
            values.join(" or ")
        ),
        clause: Some((
            clause.operator_name.to_owned(),
            clause.key.to_ascii_lowercase(),
            clause.values.iter().any(|v| v.as_str().is_none()),
        )),
        not_compared: false,
    }
}

/// A statement as answers name it: "statement `Sid`", or "statement 2" (from 1).
fn label(statement: &Statement<'_>, index: usize) -> String {
    match statement.sid.as_ref().and_then(|s| s.as_str()) {
        Some(sid) => format!("statement `{sid}`"),
        None => format!("statement {}", index + 1),
    }
}
