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

use crate::config::Settings;
use crate::facts::resources::{KEY, REPLICA_KEY};
use crate::model::policy::{Access, Statement, Verdict as EngineVerdict};
use crate::model::principal::{
    self, Coverage, Deployment as PolicyDeployment, IamKind, Principal, Requester, Slot,
};
use crate::model::value::{Deployment, Env, Resolver};
use crate::model::{self, DocumentKind, KeyPolicy, Template};
use crate::source::{self, LineIndex};

/// The question: may `principal` call `action` on the keys of a file (only `key`, when given).
pub struct Question<'q> {
    /// As on the command line: an IAM ARN, an account ID, a service principal, `*`, or the
    /// logical ID of an `AWS::IAM::Role` or `AWS::IAM::User` of the template.
    pub principal: &'q str,
    /// `kms:Decrypt`; the `kms:` prefix may be left out.
    pub action: &'q str,
    /// A key's logical ID.
    pub key: Option<&'q str>,
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
    let action = if question.action.contains(':') {
        question.action.to_owned()
    } else {
        format!("kms:{}", question.action)
    };
    let resource_type = |n: &str| template.as_ref()?.resource(n)?.type_name;
    let who = requester(question.principal, template.as_ref())?;
    let lines = LineIndex::new(text);
    let mut answers = Vec::new();
    let sources = model::policy_sources(root, kind, template.as_ref(), &embedded);
    for source in &sources {
        let key = match source.resource {
            Some((name, KEY | REPLICA_KEY)) => name,
            Some(_) => continue,
            None => "key policy",
        };
        if question.key.is_some_and(|wanted| wanted != key) {
            continue;
        }
        let policy = KeyPolicy::build(source, &resolver, &resource_type, None);
        // A role or user of the template created without a name has the one CloudFormation
        // generates, which a literal ARN can name only if it has that shape.
        let requester = match &who {
            Principal::TemplateResource(id) if generated_name(template.as_ref(), id) => {
                Requester::Generated {
                    resource: id,
                    user: template
                        .as_ref()
                        .and_then(|t| t.resource(id))
                        .and_then(|r| r.type_name)
                        == Some("AWS::IAM::User"),
                }
            }
            principal => Requester::Named(principal),
        };
        let access = policy.access(requester, &action, &deployment);
        let deciding = |indexes: &[usize]| -> Vec<Deciding> {
            indexes
                .iter()
                .map(|&i| {
                    let statement = &policy.statements[i];
                    let line = lines
                        .position(text, statement.node.span.start as usize)
                        .line;
                    Deciding {
                        sid: statement
                            .sid
                            .as_ref()
                            .and_then(|s| s.as_str())
                            .map(str::to_owned),
                        index: i,
                        line,
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
                let said = Said {
                    policy: &policy,
                    who: requester,
                    action: &action,
                    deployment: &deployment,
                };
                let said = said.conditions(&access);
                match said.certain {
                    Some(by) => (Verdict::Allowed, Vec::new(), deciding(&by)),
                    None => {
                        let mut indexes = access.grants.clone();
                        indexes.extend(&access.maybe_denies);
                        (Verdict::Conditional, said.conditions, deciding(&indexes))
                    }
                }
            }
        };
        answers.push(Answer {
            key: key.to_owned(),
            principal: question.principal.to_owned(),
            action: action.clone(),
            verdict,
            conditions,
            statements,
        });
    }
    // A key created without `KeyPolicy` gets the default key policy, whose one statement
    // lets the key's account's IAM policies grant access (AWS::KMS::Key `KeyPolicy`,
    // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-kms-key.html;
    // Default key policy,
    // https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html).
    let keys_without_policy = template.iter().flat_map(|t| t.resources_of_type(KEY));
    for resource in keys_without_policy.filter(|r| r.property("KeyPolicy").is_none()) {
        if question.key.is_some_and(|wanted| wanted != resource.name) {
            continue;
        }
        let (verdict, conditions) = default_policy(&who, env.account);
        answers.push(Answer {
            key: resource.name.to_owned(),
            principal: question.principal.to_owned(),
            action: action.clone(),
            verdict,
            conditions,
            statements: Vec::new(),
        });
    }
    Ok(answers)
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
struct Said<'p, 't, 'd> {
    policy: &'p KeyPolicy<'t>,
    who: Requester<'p>,
    action: &'p str,
    deployment: &'p PolicyDeployment<'d>,
}

impl Said<'_, '_, '_> {
    /// The statements that certainly allow it when nothing can take it away, and otherwise
    /// what must hold, each in a sentence that says how it bears: "statement `S` allows it
    /// if …" (any one such suffices), "unless statement `D` applies …" (each must not).
    fn conditions(&self, access: &Access) -> Allowing {
        let mut allows_if = Vec::new();
        let mut certain = Vec::new();
        for &i in &access.grants {
            let statement = &self.policy.statements[i];
            let label = label(statement, i);
            let named = statement.names_directly(self.who, self.deployment);
            if named == Coverage::No {
                // Only through its account principal: the account's IAM policies decide.
                allows_if.push(format!(
                    "{label} allows it if the principal's IAM policies allow it (it lets the account's IAM policies grant access)"
                ));
                continue;
            }
            let action = statement.covers_action(self.action);
            if named == Coverage::Yes && action == Coverage::Yes && !statement.has_condition() {
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
            match &statement.condition {
                Some(block) if !block.incomplete => ifs.extend(block.clauses.iter().map(clause)),
                Some(_) => ifs.push("its conditions hold (some are not known here)".to_owned()),
                None => {}
            }
            allows_if.push(format!("{label} allows it if {}", ifs.join(", and ")));
        }
        let mut unless = Vec::new();
        for &i in &access.maybe_denies {
            unless.push(format!(
                "unless {} applies (it denies it under conditions, or for a value not known here)",
                label(&self.policy.statements[i], i)
            ));
        }
        if self.policy.incomplete {
            unless.push("unless the parts of the policy not known here deny it".to_owned());
        }
        if let Some(elsewhere) = self.other_account() {
            // Access from another account needs the principal's IAM policies too.
            if !certain.is_empty() {
                for &i in &certain {
                    let label = label(&self.policy.statements[i], i);
                    allows_if.push(format!("{label} allows it if {elsewhere}"));
                }
                certain.clear();
            }
        }
        if !certain.is_empty() && unless.is_empty() {
            return Allowing {
                certain: Some(certain),
                conditions: Vec::new(),
            };
        }
        let mut conditions = if certain.is_empty() {
            allows_if
        } else {
            Vec::new()
        };
        conditions.extend(unless);
        Allowing {
            certain: None,
            conditions,
        }
    }
}

impl Said<'_, '_, '_> {
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

/// What an allowing answer depends on ([`Said::conditions`]).
struct Allowing {
    /// The statements that allow it certainly, when nothing can take it away.
    certain: Option<Vec<usize>>,
    conditions: Vec<String>,
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
