//! Who can do what with a key (`kmslint access`, docs/access.md): for each key of a file, the
//! answer to one question (a principal, an action), or the matrix of its principals and
//! capabilities, from the policy engine's answers (`crate::model::access`).

pub use crate::model::access::{Capability, Cell, RequestContext, Verdict};

use crate::config::Settings;
use crate::facts::resources::{KEY, REPLICA_KEY};
use crate::model::access::Asker;
use crate::model::principal::{self, Deployment as PolicyDeployment, Principal};
use crate::model::value::{Deployment, Env};
use crate::model::{self, DocumentKind, Template};
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
    /// What the request has: the conditions on these keys are evaluated.
    pub context: &'q RequestContext,
}

/// The answer for one key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// The key's logical ID; for a key policy file, `key policy`.
    pub key: String,
    /// The stack instance answered for, when a deployment deploys the file (a template
    /// deployed several times is answered once per instance).
    pub stack: Option<String>,
    pub principal: String,
    pub action: String,
    pub verdict: Verdict,
    /// What must hold for a `conditional` answer, each in a sentence.
    pub conditions: Vec<String>,
    /// The statements that decide it: those that allow it, or the denies.
    pub statements: Vec<Deciding>,
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
        &mut |key, stack| {
            let who = match requester(
                question.principal,
                key.askers.first().and_then(|a| a.template),
            ) {
                Ok(who) => who,
                Err(why) => {
                    unknown.get_or_insert(why);
                    return;
                }
            };
            let (verdict, conditions, statements) = key.ask(&who, &action);
            answers.push(Answer {
                key: key.name.to_owned(),
                stack: stack.map(str::to_owned),
                principal: question.principal.to_owned(),
                action: action.clone(),
                verdict,
                conditions,
                statements,
            });
        },
    )?;
    match unknown {
        Some(why) => Err(why),
        None => Ok(answers),
    }
}

/// Who may do what with one key: a row per principal its policy names (and, when the policy
/// lets its account's IAM policies grant access, one for the account's other principals).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Matrix {
    pub key: String,
    /// As [`Answer::stack`].
    pub stack: Option<String>,
    pub rows: Vec<Row>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// The principal as the policy writes it, or what the row stands for.
    pub principal: String,
    /// A cell per [`Capability::ALL`], in that order.
    pub cells: Vec<Cell>,
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
    each_key(name, text, settings, key, context, &mut |key, stack| {
        out.push(key.matrix(stack));
    })?;
    Ok(out)
}

/// One key of a file, with what answers about it are made from.
struct KeyView<'a, 't> {
    name: &'a str,
    /// One per combination of the template's conditions the policy's `Fn::If`s use.
    askers: &'a [Asker<'a, 't>],
    lines: &'a LineIndex,
    text: &'a str,
}

/// Calls `visit` with each key of the file (only `key`, when given), in each stack instance
/// the file is deployed as (with the instance's label).
fn each_key(
    name: &str,
    text: &str,
    settings: &Settings,
    key: Option<&str>,
    context: &RequestContext,
    visit: &mut dyn FnMut(&KeyView<'_, '_>, Option<&str>),
) -> Result<(), Unanswered> {
    let (_, loaded) = source::load_file(name, text);
    let root = loaded.root.as_ref().ok_or(Unanswered::NotAPolicy)?;
    let kind = match DocumentKind::of(root) {
        Some(kind @ (DocumentKind::Template | DocumentKind::KeyPolicy)) => kind,
        _ => return Err(Unanswered::NotAPolicy),
    };
    // A SAM template is answered for as SAM expands it: its functions' generated roles.
    let expanded = match kind {
        DocumentKind::Template => model::sam::expand(root),
        _ => None,
    };
    let root = expanded.as_ref().unwrap_or(root);
    let template = (kind == DocumentKind::Template).then(|| Template::new(root));
    let embedded = match &template {
        Some(_) => model::embedded_policies(text, root),
        None => Vec::new(),
    };
    let file = File {
        text,
        root,
        kind,
        template: template.as_ref(),
        embedded: &embedded,
        lines: LineIndex::new(text),
    };
    for (stack, settings) in crate::link::each_instance(settings) {
        file.each_key(&settings, key, context, &mut |view| {
            visit(view, stack.as_deref())
        });
    }
    Ok(())
}

/// A file read as a template or key policy.
struct File<'f, 't> {
    text: &'f str,
    root: &'t source::Node<'t>,
    kind: DocumentKind,
    template: Option<&'f Template<'t>>,
    embedded: &'f [model::EmbeddedPolicy<'t>],
    lines: LineIndex,
}

impl File<'_, '_> {
    /// Calls `visit` with each key of the file (only `key`, when given), deployed with
    /// `settings`.
    fn each_key(
        &self,
        settings: &Settings,
        key: Option<&str>,
        context: &RequestContext,
        visit: &mut dyn FnMut(&KeyView<'_, '_>),
    ) {
        let template = self.template;
        let env = Env::new(
            template,
            Deployment {
                region: settings.region.as_deref(),
                account: settings.account.as_deref(),
                parameters: &settings.parameters,
                links: settings.links.as_ref().map(|l| &*l.0),
            },
        );
        let conditions = model::Conditions::new(&env);
        let iam = template
            .map(|t| model::iam::grants(t, &model::value::Resolver::new(&env)))
            .unwrap_or_default();
        let deployment = PolicyDeployment {
            account: env.account,
            partition: env.partition.map(|p| p.name),
            region: env.region,
        };
        let resource_type = |n: &str| template?.resource(n)?.type_name;
        let usage_of = |name: &str| {
            let resource = template?.resource(name)?;
            resource.property("KeyUsage")?.as_str()
        };
        let sources = model::policy_sources(self.root, self.kind, template, self.embedded);
        for source in &sources {
            let name = match source.resource {
                Some((name, KEY | REPLICA_KEY)) => name,
                Some(_) => continue,
                None => "key policy",
            };
            if key.is_some_and(|wanted| wanted != name) {
                continue;
            }
            let builds = model::access::builds(source, &env, &conditions, &resource_type);
            let grants = iam.on(name);
            let askers: Vec<Asker<'_, '_>> = builds
                .iter()
                .map(|policy| Asker {
                    policy: Some(policy),
                    usage: usage_of(name),
                    template,
                    deployment: &deployment,
                    account: env.account,
                    context,
                    iam: &grants,
                })
                .collect();
            visit(&KeyView {
                name,
                askers: &askers,
                lines: &self.lines,
                text: self.text,
            });
        }
        // A key created without `KeyPolicy` gets the default key policy, whose one statement
        // lets the key's account's IAM policies grant access (AWS::KMS::Key `KeyPolicy`,
        // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-kms-key.html;
        // Default key policy,
        // https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html).
        let keys_without_policy = template.into_iter().flat_map(|t| t.resources_of_type(KEY));
        for resource in keys_without_policy.filter(|r| r.property("KeyPolicy").is_none()) {
            if key.is_some_and(|wanted| wanted != resource.name) {
                continue;
            }
            let grants = iam.on(resource.name);
            let default = [Asker {
                policy: None,
                usage: usage_of(resource.name),
                template,
                deployment: &deployment,
                account: env.account,
                context,
                iam: &grants,
            }];
            visit(&KeyView {
                name: resource.name,
                askers: &default,
                lines: &self.lines,
                text: self.text,
            });
        }
    }
}

impl KeyView<'_, '_> {
    /// The key's matrix: the rows of the principals its policy names (in any combination of
    /// the template's conditions), each cell from the answers for the capability's actions.
    fn matrix(&self, stack: Option<&str>) -> Matrix {
        let rows = model::access::principals_over(self.askers)
            .into_iter()
            .map(|(principal, who)| Row {
                cells: model::access::cells_over(self.askers, who.as_ref()),
                principal,
            })
            .collect();
        Matrix {
            key: self.name.to_owned(),
            stack: stack.map(str::to_owned),
            rows,
        }
    }

    /// The answer for `who` (a principal as [`requester`] reads it) calling `action`.
    fn ask(&self, who: &Principal, action: &str) -> (Verdict, Vec<String>, Vec<Deciding>) {
        let said = model::access::ask_over(self.askers, &|asker| asker.ask(who, action));
        let deciding = said
            .statements
            .iter()
            .map(|statement| Deciding {
                sid: statement.sid.clone(),
                index: statement.index,
                line: self
                    .lines
                    .position(self.text, statement.start as usize)
                    .line,
                effect: if statement.deny { "Deny" } else { "Allow" },
            })
            .collect();
        (said.verdict, said.conditions, deciding)
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
