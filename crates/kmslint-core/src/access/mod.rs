//! Who can do what with a key (`kmslint access`, docs/access.md): the key policy engine's
//! answer to one question, a principal and an action, for each key of a file.
//!
//! The answer is the engine's ([`KeyPolicy::access`]), said as the reader needs it:
//! - `allowed`: a statement that names the principal allows the action, without conditions,
//!   and no deny can apply;
//! - `conditional`: it is allowed only if something holds that this file does not decide: a
//!   statement's conditions, a value not known here (a parameter, an import, an `Fn::If`
//!   branch), a deny that may apply, or the principal's IAM policies, when the only statements
//!   that allow it name the principal's account (the account principal lets the account's IAM
//!   policies grant access; Key policies in AWS KMS, "Allows access to the AWS account and
//!   enables IAM policies");
//! - `denied`: a deny certainly applies (an explicit deny wins over any allow);
//! - `not-allowed`: nothing allows it.
//!
//! The engine never guesses: where it cannot decide, the answer is `conditional`.

mod context;

pub use context::RequestContext;

use crate::config::Settings;
use crate::facts::resources::{KEY, REPLICA_KEY};
use crate::model::policy::{Access, Statement, Verdict as EngineVerdict};

use crate::model::principal::{
    self, Coverage, Deployment as PolicyDeployment, IamKind, Principal, Requester, Slot,
};
use crate::model::value::{Deployment, Env, Resolver};
use crate::model::{self, DocumentKind, KeyPolicy, Template};
use crate::source::{self, LineIndex};
use context::Decided;

/// The question: may `principal` call `action` on the keys of a file (only `key`, when given).
pub struct Question<'q> {
    /// As on the command line: an IAM ARN, an account ID, a service principal, `*`, or the
    /// logical ID of an `AWS::IAM::Role` or `AWS::IAM::User` of the template.
    pub principal: &'q str,
    /// `kms:Decrypt`; the `kms:` prefix may be left out.
    pub action: &'q str,
    /// A key's logical ID.
    pub key: Option<&'q str>,
    /// What the request has: the conditions on these keys are evaluated.
    pub context: &'q RequestContext,
}

/// The answer for one key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// The key's logical ID; for a key policy file, the policy's name or `key policy`.
    pub key: String,
    pub principal: String,
    pub action: String,
    pub verdict: Verdict,
    /// What must hold for a `conditional` answer, each in a sentence.
    pub conditions: Vec<String>,
    /// The statements that decide it: those that allow it, or the denies.
    pub statements: Vec<Deciding>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    Conditional,
    Denied,
    NotAllowed,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Allowed => "allowed",
            Verdict::Conditional => "conditional",
            Verdict::Denied => "denied",
            Verdict::NotAllowed => "not-allowed",
        }
    }
}

/// A statement that decides an answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deciding {
    pub sid: Option<String>,
    /// Its place in `Statement`, from 0.
    pub index: usize,
    /// Its line in the file, from 1.
    pub line: u32,
    pub effect: &'static str,
}

/// Why a question cannot be asked of a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unanswered {
    /// The principal is none of the forms [`Question::principal`] takes; why.
    Principal(String),
    /// The file is not a template or a key policy, or does not parse.
    NotAPolicy,
}

/// The answers for each key of the file `name` (its `text`), as it is deployed with
/// `settings` (Region, account, parameter values, links).
pub fn answer(
    name: &str,
    text: &str,
    settings: &Settings,
    question: &Question<'_>,
) -> Result<Vec<Answer>, Unanswered> {
    let action = if question.action.contains(':') {
        question.action.to_owned()
    } else {
        format!("kms:{}", question.action)
    };
    let mut answers = Vec::new();
    let mut unknown = None;
    each_key(
        name,
        text,
        settings,
        question.key,
        question.context,
        &mut |key| {
            let who = match requester(question.principal, key.template) {
                Ok(who) => who,
                Err(why) => {
                    unknown.get_or_insert(why);
                    return;
                }
            };
            let said = key.ask(&who, &action);
            answers.push(Answer {
                key: key.name.to_owned(),
                principal: question.principal.to_owned(),
                action: action.clone(),
                verdict: said.verdict,
                conditions: said.conditions,
                statements: said.statements,
            });
        },
    )?;
    match unknown {
        Some(why) => Err(why),
        None => Ok(answers),
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
    fn actions(self, usage: Option<&str>) -> &'static [&'static str] {
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

/// Who may do what with one key: a row per principal its policy names (and, when the policy
/// lets its account's IAM policies grant access, one for the account's other principals).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Matrix {
    pub key: String,
    pub rows: Vec<Row>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// The principal as the policy writes it, or what the row stands for.
    pub principal: String,
    /// A cell per [`Capability::ALL`], in that order.
    pub cells: Vec<Cell>,
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

/// The matrix of each key of the file `name` (its `text`), deployed with `settings`.
pub fn matrix(
    name: &str,
    text: &str,
    settings: &Settings,
    key: Option<&str>,
    context: &RequestContext,
) -> Result<Vec<Matrix>, Unanswered> {
    let mut out = Vec::new();
    each_key(name, text, settings, key, context, &mut |key| {
        out.push(key.matrix());
    })?;
    Ok(out)
}

/// One key of a file, with what answers about it are made from.
struct KeyView<'a, 't> {
    name: &'a str,
    /// `None` for a key created without `KeyPolicy`: it has the default key policy.
    policy: Option<&'a KeyPolicy<'t>>,
    /// `KeyUsage` when written as a literal (the default is `ENCRYPT_DECRYPT`).
    usage: Option<&'a str>,
    template: Option<&'a Template<'t>>,
    deployment: &'a PolicyDeployment<'a>,
    account: Option<&'a str>,
    lines: &'a LineIndex,
    text: &'a str,
    context: &'a RequestContext,
}

/// Calls `visit` with each key of the file (only `key`, when given).
fn each_key(
    name: &str,
    text: &str,
    settings: &Settings,
    key: Option<&str>,
    context: &RequestContext,
    visit: &mut dyn FnMut(&KeyView<'_, '_>),
) -> Result<(), Unanswered> {
    let (_, loaded) = source::load_file(name, text);
    let root = loaded.root.as_ref().ok_or(Unanswered::NotAPolicy)?;
    let kind = match DocumentKind::of(root) {
        Some(kind @ (DocumentKind::Template | DocumentKind::KeyPolicy)) => kind,
        _ => return Err(Unanswered::NotAPolicy),
    };
    let template = (kind == DocumentKind::Template).then(|| Template::new(root));
    let embedded = match &template {
        Some(_) => model::embedded_policies(text, root),
        None => Vec::new(),
    };
    let env = Env::new(
        template.as_ref(),
        Deployment {
            region: settings.region.as_deref(),
            account: settings.account.as_deref(),
            parameters: &settings.parameters,
            links: settings.links.as_ref().map(|l| &*l.0),
        },
    );
    let resolver = Resolver::new(&env);
    let deployment = PolicyDeployment {
        account: env.account,
        partition: env.partition.map(|p| p.name),
        region: env.region,
    };
    let resource_type = |n: &str| template.as_ref()?.resource(n)?.type_name;
    let lines = LineIndex::new(text);
    let usage_of = |name: &str| {
        let resource = template.as_ref()?.resource(name)?;
        resource.property("KeyUsage")?.as_str()
    };
    for source in &model::policy_sources(root, kind, template.as_ref(), &embedded) {
        let name = match source.resource {
            Some((name, KEY | REPLICA_KEY)) => name,
            Some(_) => continue,
            None => "key policy",
        };
        if key.is_some_and(|wanted| wanted != name) {
            continue;
        }
        let policy = KeyPolicy::build(source, &resolver, &resource_type, None);
        visit(&KeyView {
            name,
            policy: Some(&policy),
            usage: usage_of(name),
            template: template.as_ref(),
            deployment: &deployment,
            account: env.account,
            lines: &lines,
            text,
            context,
        });
    }
    // A key created without `KeyPolicy` gets the default key policy, whose one statement
    // lets the key's account's IAM policies grant access (AWS::KMS::Key `KeyPolicy`,
    // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-kms-key.html;
    // Default key policy,
    // https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html).
    let keys_without_policy = template.iter().flat_map(|t| t.resources_of_type(KEY));
    for resource in keys_without_policy.filter(|r| r.property("KeyPolicy").is_none()) {
        if key.is_some_and(|wanted| wanted != resource.name) {
            continue;
        }
        visit(&KeyView {
            name: resource.name,
            policy: None,
            usage: usage_of(resource.name),
            template: template.as_ref(),
            deployment: &deployment,
            account: env.account,
            lines: &lines,
            text,
            context,
        });
    }
    Ok(())
}

/// A verdict with what it depends on and the statements that decide it.
struct Said {
    verdict: Verdict,
    conditions: Vec<String>,
    statements: Vec<Deciding>,
}

impl KeyView<'_, '_> {
    /// The key's matrix: its principals' rows, each cell from the answers for the
    /// capability's actions.
    fn matrix(&self) -> Matrix {
        let mut rows = Vec::new();
        for (label, who) in self.principals() {
            let cells = Capability::ALL
                .iter()
                .map(|capability| {
                    let actions = capability.actions(self.usage);
                    let said: Vec<Said> = actions
                        .iter()
                        .map(|action| match &who {
                            Some(principal) => self.ask(principal, action),
                            None => self.ask_unnamed(action),
                        })
                        .collect();
                    cell(actions, &said)
                })
                .collect();
            rows.push(Row {
                principal: label,
                cells,
            });
        }
        Matrix {
            key: self.name.to_owned(),
            rows,
        }
    }

    /// The principals the policy names, each once, as written; then, when a statement names
    /// an account principal that may be the key's own account, the account's other
    /// principals (`None`), which the account's IAM policies may let in.
    fn principals(&self) -> Vec<(String, Option<Principal>)> {
        let Some(policy) = self.policy else {
            let account = self.account.unwrap_or("the key's account");
            return vec![(
                format!("any principal of {account} (by its IAM policies)"),
                None,
            )];
        };
        let mut out: Vec<(String, Option<Principal>)> = Vec::new();
        let mut delegates = false;
        for statement in &policy.statements {
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
                    if !out.iter().any(|(l, _)| *l == label) {
                        out.push((label, Some(principal.clone())));
                    }
                }
            }
        }
        if delegates {
            let account = self.account.unwrap_or("the key's account");
            out.push((
                format!("any other principal of {account} (by its IAM policies)"),
                None,
            ));
        }
        out
    }

    /// The answer for a principal of the key's account that no statement names.
    fn ask_unnamed(&self, action: &str) -> Said {
        match self.policy {
            Some(policy) => self.ask_as(policy, Requester::Unnamed, action),
            None => {
                let (verdict, conditions) = default_policy_unnamed();
                Said {
                    verdict,
                    conditions,
                    statements: Vec::new(),
                }
            }
        }
    }

    /// The answer for `who` (a principal as [`requester`] reads it) calling `action`.
    fn ask(&self, who: &Principal, action: &str) -> Said {
        let Some(policy) = self.policy else {
            let (verdict, conditions) = default_policy(who, self.account);
            return Said {
                verdict,
                conditions,
                statements: Vec::new(),
            };
        };
        // A role or user of the template created without a name has the one CloudFormation
        // generates, which a literal ARN can name only if it has that shape.
        let requester = match who {
            Principal::TemplateResource(id) if generated_name(self.template, id) => {
                Requester::Generated {
                    resource: id,
                    user: self
                        .template
                        .and_then(|t| t.resource(id))
                        .and_then(|r| r.type_name)
                        == Some("AWS::IAM::User"),
                }
            }
            principal => Requester::Named(principal),
        };
        self.ask_as(policy, requester, action)
    }

    fn ask_as(&self, policy: &KeyPolicy<'_>, requester: Requester<'_>, action: &str) -> Said {
        let access = policy.access(requester, action, self.deployment);
        let deciding = |indexes: &[usize]| -> Vec<Deciding> {
            indexes
                .iter()
                .map(|&i| {
                    let statement = &policy.statements[i];
                    let at = statement.node.span.start as usize;
                    Deciding {
                        sid: statement
                            .sid
                            .as_ref()
                            .and_then(|s| s.as_str())
                            .map(str::to_owned),
                        index: i,
                        line: self.lines.position(self.text, at).line,
                        effect: match statement.effect() {
                            Some("Deny") => "Deny",
                            _ => "Allow",
                        },
                    }
                })
                .collect()
        };
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
                match reasons.outcome(&access) {
                    Outcome::Allowed(by) => (Verdict::Allowed, Vec::new(), deciding(&by)),
                    Outcome::Denied(by) => (Verdict::Denied, Vec::new(), deciding(&by)),
                    Outcome::NotAllowed => (Verdict::NotAllowed, Vec::new(), Vec::new()),
                    Outcome::Conditional(conditions, by) => {
                        (Verdict::Conditional, conditions, deciding(&by))
                    }
                }
            }
        };
        Said {
            verdict,
            conditions,
            statements,
        }
    }
}

/// A cell from the answers for a capability's `actions` (`said`, in the same order).
fn cell(actions: &'static [&'static str], said: &[Said]) -> Cell {
    let rank = |v: Verdict| match v {
        Verdict::Allowed => 3,
        Verdict::Conditional => 2,
        Verdict::Denied => 1,
        Verdict::NotAllowed => 0,
    };
    let best = said
        .iter()
        .map(|s| s.verdict)
        .max_by_key(|v| rank(*v))
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
fn default_policy(who: &Principal, key_account: Option<&str>) -> (Verdict, Vec<String>) {
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
        (Some(true), true) => (Verdict::Allowed, Vec::new()),
        (Some(true), false) => (
            Verdict::Conditional,
            vec![format!(
                "{DEFAULT} allows it if the principal's IAM policies allow it (it lets the account's IAM policies grant access)"
            )],
        ),
        (Some(false), _) => (Verdict::NotAllowed, Vec::new()),
        (None, _) => (
            Verdict::Conditional,
            vec![format!(
                "{DEFAULT} allows it if the principal is in the key's account and its IAM policies allow it (give the key's account with --account)"
            )],
        ),
    }
}

/// The requester `text` names: a role or user of the template by logical ID, else a
/// principal as the command line writes it.
fn requester(text: &str, template: Option<&Template<'_>>) -> Result<Principal, Unanswered> {
    let resource = template.and_then(|t| t.resource(text));
    if let Some(resource) = resource {
        return match resource.type_name {
            Some("AWS::IAM::Role" | "AWS::IAM::User") => {
                Ok(Principal::TemplateResource(text.to_owned()))
            }
            other => Err(Unanswered::Principal(format!(
                "`{text}` is a resource of type {} in this template, not a role or user",
                other.unwrap_or("unknown")
            ))),
        };
    }
    match principal::of_text(text) {
        Principal::Invalid(why) => Err(Unanswered::Principal(format!(
            "`{text}` is not a principal: {why}"
        ))),
        Principal::Unknown | Principal::Other => Err(Unanswered::Principal(format!(
            "`{text}` is not a principal kmslint answers for (an IAM ARN, an account ID, a service principal, `*`, or a role or user of the template)"
        ))),
        principal => Ok(principal),
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
}

impl Reasons<'_, '_, '_> {
    /// The answer, with what must hold, each in a sentence that says how it bears: "statement
    /// `S` allows it if …" (any one such suffices), "unless statement `D` applies …" (each must
    /// not).
    fn outcome(&self, access: &Access) -> Outcome {
        let mut allows_if = Vec::new();
        let mut certain = Vec::new();
        let mut deciding = Vec::new();
        for &i in &access.grants {
            let statement = &self.policy.statements[i];
            let label = label(statement, i);
            let named = statement.names_directly(self.who, self.deployment);
            let (held, open) = self.held(statement);
            if held == Decided::False {
                continue;
            }
            deciding.push(i);
            if named == Coverage::No {
                // Only through its account principal: the account's IAM policies decide.
                allows_if.push(format!(
                    "{label} allows it if the principal's IAM policies allow it (it lets the account's IAM policies grant access)"
                ));
                continue;
            }
            let action = statement.covers_action(self.action);
            let resource = statement.covers_resource(self.deployment);
            if named == Coverage::Yes
                && action == Coverage::Yes
                && resource == Coverage::Yes
                && held == Decided::True
            {
                certain.push(i);
                continue;
            }
            let mut ifs = Vec::new();
            if named == Coverage::Maybe {
                ifs.push(
                    "it names this principal (a value not known here decides: a parameter, or the key's account or partition, which --account and --region give)"
                        .to_owned(),
                );
            }
            if action == Coverage::Maybe {
                ifs.push("it names this action (a value not known here decides)".to_owned());
            }
            if resource == Coverage::Maybe {
                ifs.push(
                    "its `Resource` names this key (the key's ARN is not known here)".to_owned(),
                );
            }
            ifs.extend(open);
            allows_if.push(format!("{label} allows it if {}", ifs.join(", and ")));
        }
        let mut unless = Vec::new();
        for &i in &access.maybe_denies {
            let statement = &self.policy.statements[i];
            let (held, open) = self.held(statement);
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
                return Outcome::Denied(vec![i]);
            }
            deciding.push(i);
            let when = if open.is_empty() {
                "for a value not known here".to_owned()
            } else {
                format!("if {}", open.join(", and "))
            };
            unless.push(format!("unless {} denies it ({when})", label(statement, i)));
        }
        if self.policy.incomplete {
            unless.push("unless the parts of the policy not known here deny it".to_owned());
        }
        if let Some(elsewhere) = self.other_account() {
            // Access from another account needs the principal's IAM policies too.
            for &i in &certain {
                let label = label(&self.policy.statements[i], i);
                allows_if.push(format!("{label} allows it if {elsewhere}"));
            }
            certain.clear();
        }
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
        let mut conditions = if certain.is_empty() {
            allows_if
        } else {
            Vec::new()
        };
        conditions.extend(unless);
        Outcome::Conditional(conditions, deciding)
    }

    /// What the context decides of a statement's conditions, and its clauses still open, in
    /// words.
    fn held(&self, statement: &Statement<'_>) -> (Decided, Vec<String>) {
        match &statement.condition {
            None => (Decided::True, Vec::new()),
            Some(block) if block.incomplete => (
                Decided::Open,
                vec!["its conditions hold (some are not known here)".to_owned()],
            ),
            Some(block) => {
                let (held, open) = context::block(self.context, block);
                (held, open.into_iter().map(clause).collect())
            }
        }
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

/// A condition clause in words: "`StringEquals` `kms:ViaService` is `ec2.…` or `rds.…`".
fn clause(clause: &crate::model::policy::Clause<'_>) -> String {
    let values: Vec<String> = clause
        .values
        .iter()
        .map(|v| match v.as_str() {
            Some(value) => format!("`{value}`"),
            None => "a value not known here".to_owned(),
        })
        .collect();
    format!(
        "`{}` `{}` is {}",
        clause.operator_name,
        clause.key,
        values.join(" or ")
    )
}

/// A statement as answers name it: "statement `Sid`", or "statement 2" (from 1).
fn label(statement: &Statement<'_>, index: usize) -> String {
    match statement.sid.as_ref().and_then(|s| s.as_str()) {
        Some(sid) => format!("statement `{sid}`"),
        None => format!("statement {}", index + 1),
    }
}
