//! KMS204 policy-lockout: KMS's lockout safety check rejects a key policy that does not let
//! the calling principal (the stack's deployer) call `kms:PutKeyPolicy` afterwards.
//!
//! The rule asks the policy engine ([`KeyPolicy::access`]). Without `--deployer-arn` the
//! deployer is not known, so it asks for two kinds of principal: a principal of the stack's
//! account that the policy does not name (the account principal or `"*"` reaches it), and
//! each role, user or session that an `Allow` names. If the unnamed principal keeps the right,
//! or perhaps keeps it (a condition, a value not known here), there is no finding; if only
//! named ones do, a warning names them; if none does, an error names every cause at once:
//! the denies that take the right away, and the statements that would grant it were they
//! valid, or the statement to add it to. With `--deployer-arn` it asks for that principal.

use crate::deployer::{Deployer, DeployerKind};
use crate::diagnostic::Severity;
use crate::facts::resources::KEY;
use crate::fix::{Applicability, Fix};
use crate::model::PolicySource;
use crate::model::policy::{Access, Coverage, Defect, KeyPolicy, PolicyForm, Statement, Verdict};
use crate::model::principal::{
    Deployment, IamKind, IamPrincipal, Name, Principal, Requester, Slot,
};
use crate::model::value::Boolish;
use crate::source::{Node, Span, Value};

use super::common::{Syntax, any_statement_branch, join};
use super::{
    Context, FixAvailability, PolicyCheck, PolicyScope, Reporter, Rule, RuleInfo, RuleKind,
};

/// What `kmslint rules` lists of the rule: its summary and documentation are in
/// `rules/KMS204.md`, whose front matter must agree with this.
pub(crate) const RULE: RuleInfo = RuleInfo {
    code: "KMS204",
    name: "policy-lockout",
    severity: Severity::Error,
    also: &[Severity::Warning],
    fix: FixAvailability::Sometimes,
    default: true,
    kind: RuleKind::File,
};

pub(crate) struct PolicyLockout;

const PUT_KEY_POLICY: &str = "kms:PutKeyPolicy";

impl Rule for PolicyLockout {
    fn checks_policies(&self) -> bool {
        true
    }

    fn check_policy(&self, cx: &Context<'_, '_>, check: &PolicyCheck<'_, '_>, out: &mut Reporter) {
        let policy = check.policy;
        if !has_statements(check) || bypassed(cx, check) {
            return;
        }
        let words = Words::new(cx, check.source);
        let at = anchor(policy);
        let mut deployment = cx.deployment();
        let arn = cx.settings.deployer_arn.as_deref();
        match arn.and_then(|arn| Some((arn, deployer(arn)?))) {
            Some((arn, deployer)) => {
                // The deployer deploys into its own account and partition, unless told
                // otherwise.
                if let Principal::Iam(iam) = &deployer {
                    if let Slot::Known(account) = &iam.account {
                        deployment.account = deployment.account.or(Some(account));
                    }
                    if let Slot::Known(partition) = &iam.partition {
                        deployment.partition = deployment.partition.or(Some(partition));
                    }
                }
                exact(policy, arn, &deployer, &deployment, &words, at, out);
            }
            None => any_deployer(policy, &deployment, &words, at, out),
        }
    }

    /// Only statements that may be about kms:PutKeyPolicy decide a lockout.
    fn policy_scope(&self) -> PolicyScope {
        PolicyScope::Policy(|items| {
            (0..items.len())
                .filter(|&i| may_mention_put_key_policy(&items[i]))
                .collect()
        })
    }
}

/// Whether a `Statement` item, as written and in any `Fn::If` branch, may allow or deny
/// kms:PutKeyPolicy: its `Action` matches it or is not known here, or it has `NotAction`.
fn may_mention_put_key_policy(item: &Node<'_>) -> bool {
    fn action_may_match(node: &Node<'_>) -> bool {
        match &node.value {
            Value::Scalar(s) => {
                s.text.contains("${") || crate::model::policy::glob_match(&s.text, PUT_KEY_POLICY)
            }
            Value::Seq(items) => items.iter().any(action_may_match),
            Value::Map(entries) => entries.iter().any(|e| {
                e.key != "Fn::If"
                    || e.value
                        .as_seq()
                        .is_some_and(|b| b.iter().skip(1).any(action_may_match))
            }),
            _ => true,
        }
    }
    any_statement_branch(item, &mut |entries| match entries {
        // The branch that removes the statement.
        [e] if e.key == "Ref" && e.value.as_str() == Some("AWS::NoValue") => false,
        // A statement from a parameter, an import, …: not known here.
        [e] if e.key == "Ref" || e.key.starts_with("Fn::") => true,
        _ => entries.iter().any(|e| match e.key.as_ref() {
            "NotAction" => true,
            "Action" => action_may_match(&e.value),
            _ => false,
        }),
    })
}

/// A policy with no statement at all is KMS206's to report.
fn has_statements(check: &PolicyCheck<'_, '_>) -> bool {
    if !check.policy.statements.is_empty() {
        return true;
    }
    // Built with only the statements about kms:PutKeyPolicy: none is a lockout, if there
    // are other statements.
    check.policy.partial
        && check
            .policy
            .statement_entry
            .is_some_and(|e| e.value.as_seq().is_some_and(|items| !items.is_empty()))
}

/// `BypassPolicyLockoutSafetyCheck: true` turns the check off (KMS205 reports that).
fn bypassed(cx: &Context<'_, '_>, check: &PolicyCheck<'_, '_>) -> bool {
    let Some((name, KEY)) = check.source.resource else {
        return false;
    };
    let Some(node) = cx
        .template
        .and_then(|t| t.resource(name))
        .and_then(|r| r.property("BypassPolicyLockoutSafetyCheck"))
    else {
        return false;
    };
    cx.resolver()
        .resolve(node)
        .iter()
        .any(|alt| !matches!(alt.as_bool(), Boolish::False | Boolish::Ambiguous(false)))
}

/// Where the finding goes: the `Statement` key.
fn anchor(policy: &KeyPolicy<'_>) -> Span {
    policy
        .statement_entry
        .map_or(policy.root.span, |e| e.key_span)
}

/// The principal `--deployer-arn` names (the configuration has checked it), as the policy
/// engine sees it: a session counts as its role.
fn deployer(arn: &str) -> Option<Principal> {
    let deployer = Deployer::parse(arn).ok()?;
    let kind = match deployer.kind {
        DeployerKind::Root => IamKind::Account,
        DeployerKind::Role(name) => IamKind::Role(Name::Known(name)),
        DeployerKind::User(name) => IamKind::User(Name::Known(name)),
    };
    Some(Principal::Iam(IamPrincipal {
        partition: Slot::Known(deployer.partition),
        account: Slot::Known(deployer.account),
        kind,
    }))
}

/// The words for who applies the policy: a stack's deployer, or for a key policy file
/// whoever creates the key or puts the policy.
struct Words<'a, 't> {
    /// Where the policy is and how to write edits to it, for the fix.
    cx: &'a Context<'a, 't>,
    source: &'a PolicySource<'t>,
    everyone: &'static str,
    nobody: &'static str,
    as_other: &'static str,
    the_caller: &'static str,
    /// How to write the account principal where the fix goes.
    account_principal: &'static str,
}

impl<'a, 't> Words<'a, 't> {
    fn new(cx: &'a Context<'a, 't>, source: &'a PolicySource<'t>) -> Words<'a, 't> {
        let (everyone, nobody, as_other, the_caller) = if cx.is_policy_file() {
            (
                "every principal that could apply this policy",
                "no principal that could apply this policy",
                "applying this policy as any other principal",
                "the principal that creates the key or puts the policy",
            )
        } else {
            (
                "every principal that could deploy this stack",
                "no principal that could deploy this stack",
                "deploying this stack as any other principal",
                "the principal that deploys the stack",
            )
        };
        let account_principal = match source.form {
            // Nothing substitutes `${…}` in a policy file or a plain JSON string.
            PolicyForm::File | PolicyForm::JsonString => {
                "`arn:aws:iam::111122223333:root` (with your account ID)"
            }
            PolicyForm::SubString => "`arn:${AWS::Partition}:iam::${AWS::AccountId}:root`",
            PolicyForm::Object if cx.syntax() == Syntax::JsonTemplate => {
                "`{\"Fn::Sub\": \"arn:${AWS::Partition}:iam::${AWS::AccountId}:root\"}`"
            }
            PolicyForm::Object => "`!Sub arn:${AWS::Partition}:iam::${AWS::AccountId}:root`",
        };
        Words {
            cx,
            source,
            everyone,
            nobody,
            as_other,
            the_caller,
            account_principal,
        }
    }

    fn help(&self) -> String {
        format!(
            "keep a statement that allows `kms:*` to the account principal {}, as the default key policy does",
            self.account_principal
        )
    }
}

/// Without `--deployer-arn`.
fn any_deployer(
    policy: &KeyPolicy<'_>,
    deployment: &Deployment<'_>,
    words: &Words<'_, '_>,
    at: Span,
    out: &mut Reporter,
) {
    let unnamed = policy.access(Requester::Unnamed, PUT_KEY_POLICY, deployment);
    if matches!(unnamed.verdict, Verdict::Allowed | Verdict::Possibly) {
        return;
    }
    let mut keepers: Vec<(&Principal, Access)> = Vec::new();
    let mut named_denied: Vec<(&Principal, Access)> = Vec::new();
    for candidate in named_grantees(policy, deployment) {
        let access = policy.access(Requester::Named(candidate), PUT_KEY_POLICY, deployment);
        match access.verdict {
            Verdict::Allowed | Verdict::Possibly => keepers.push((candidate, access)),
            Verdict::Denied => named_denied.push((candidate, access)),
            Verdict::NotAllowed => {}
        }
    }
    if !keepers.is_empty() {
        let mut names: Vec<String> = keepers.iter().map(|(p, _)| p.describe()).collect();
        names.sort_unstable();
        names.dedup();
        let diagnostic = out.report(
            at,
            format!(
                "only {} may call kms:PutKeyPolicy; {} fails KMS's lockout safety check",
                names.join(", "),
                words.as_other
            ),
        );
        diagnostic.with_severity(Severity::Warning).with_help(format!(
            "pass `--deployer-arn` to check {}, or also grant kms:PutKeyPolicy to the account principal",
            words.the_caller
        ));
        let mut grants: Vec<usize> = keepers.iter().flat_map(|(_, a)| a.grants.clone()).collect();
        grants.sort_unstable();
        grants.dedup();
        for i in grants {
            diagnostic.with_related(
                policy.statements[i].label_span(),
                "grants kms:PutKeyPolicy here",
            );
        }
        return;
    }
    // Locked out. The causes: denies that reach everyone, denies that reach the principals
    // named by grants, and grants that are missing or invalid.
    let mut lockout = Lockout::new(&unnamed);
    lockout.everyone = words.everyone.to_owned();
    lockout.not_allowed = format!("{} is allowed kms:PutKeyPolicy", words.nobody);
    lockout.not_kept = format!("{} keeps kms:PutKeyPolicy", words.nobody);
    for (who, access) in &named_denied {
        lockout.granted = true;
        for &deny in &access.denies {
            if !unnamed.denies.contains(&deny) {
                lockout.deny_named(deny, who.describe());
            }
        }
    }
    lockout.report(policy, at, words, out);
}

/// The roles, users and sessions that `Allow` statements about kms:PutKeyPolicy name, which
/// could be the deployer (in the stack's account, and not created by this stack).
fn named_grantees<'p>(
    policy: &'p KeyPolicy<'_>,
    deployment: &Deployment<'_>,
) -> Vec<&'p Principal> {
    let mut out: Vec<&Principal> = Vec::new();
    for statement in policy.statements.iter().filter(|s| s.is_allow()) {
        if statement.covers_action(PUT_KEY_POLICY) == Coverage::No {
            continue;
        }
        for principal in statement.principal.iter().flat_map(|p| p.all()) {
            let Principal::Iam(iam) = principal else {
                continue;
            };
            if iam.kind != IamKind::Account
                && iam.account.could_be_stack(deployment.account)
                && iam.partition.could_be_stack(deployment.partition)
                && !out.contains(&principal)
            {
                out.push(principal);
            }
        }
    }
    out
}

/// With `--deployer-arn`: is that principal allowed kms:PutKeyPolicy after denies?
fn exact(
    policy: &KeyPolicy<'_>,
    arn: &str,
    deployer: &Principal,
    deployment: &Deployment<'_>,
    words: &Words<'_, '_>,
    at: Span,
    out: &mut Reporter,
) {
    let access = policy.access(Requester::Named(deployer), PUT_KEY_POLICY, deployment);
    if matches!(access.verdict, Verdict::Allowed | Verdict::Possibly) {
        return;
    }
    let mut lockout = Lockout::new(&access);
    lockout.everyone = format!("the deployer `{arn}`");
    lockout.not_allowed = format!("the deployer `{arn}` is not allowed kms:PutKeyPolicy");
    lockout.not_kept = format!("the deployer `{arn}` does not keep kms:PutKeyPolicy");
    lockout.report(policy, at, words, out);
}

/// Every cause of one lockout, reported as one finding so that fixing one cause does not
/// reveal another.
struct Lockout {
    /// Denies that reach every principal asked about.
    denies_everyone: Vec<usize>,
    /// Denies that reach only named principals, and whom.
    denies_named: Vec<(usize, Vec<String>)>,
    /// Some statement grants the right, before denies.
    granted: bool,
    /// Statements that would grant it if KMS accepted them.
    defective: Vec<(usize, Defect)>,
    /// Who `denies_everyone` reaches, in words.
    everyone: String,
    /// "no principal that … is allowed kms:PutKeyPolicy".
    not_allowed: String,
    /// "no principal that … keeps kms:PutKeyPolicy".
    not_kept: String,
}

impl Lockout {
    fn new(access: &Access) -> Lockout {
        Lockout {
            denies_everyone: access.denies.clone(),
            denies_named: Vec::new(),
            granted: !access.grants.is_empty(),
            defective: access.defective.clone(),
            everyone: String::new(),
            not_allowed: String::new(),
            not_kept: String::new(),
        }
    }

    fn deny_named(&mut self, deny: usize, who: String) {
        match self.denies_named.iter_mut().find(|(d, _)| *d == deny) {
            Some((_, whom)) if !whom.contains(&who) => whom.push(who),
            Some(_) => {}
            None => self.denies_named.push((deny, vec![who])),
        }
    }

    fn report(&self, policy: &KeyPolicy<'_>, at: Span, words: &Words<'_, '_>, out: &mut Reporter) {
        let statements = &policy.statements;
        let describe = |indexes: &[usize]| -> String {
            let names: Vec<String> = indexes.iter().map(|&i| statements[i].describe()).collect();
            join(&names)
        };
        let message = if !self.denies_everyone.is_empty() {
            let also = if self.granted {
                ""
            } else {
                ", and no statement allows it to them"
            };
            format!(
                "{} {} kms:PutKeyPolicy to {}{also}, so KMS's lockout safety check rejects this policy",
                describe(&self.denies_everyone),
                if self.denies_everyone.len() == 1 {
                    "denies"
                } else {
                    "deny"
                },
                self.everyone
            )
        } else if !self.denies_named.is_empty() {
            let parts: Vec<String> = self
                .denies_named
                .iter()
                .map(|(deny, whom)| {
                    format!(
                        "{} denies it to {}",
                        statements[*deny].describe(),
                        join(whom)
                    )
                })
                .collect();
            let denied: usize = self.denies_named.iter().map(|(_, whom)| whom.len()).sum();
            format!(
                "{} ({}, the only {} allowed it), so KMS's lockout safety check rejects this policy",
                self.not_kept,
                join(&parts),
                if denied == 1 {
                    "principal"
                } else {
                    "principals"
                }
            )
        } else if !self.defective.is_empty() {
            format!(
                "{}: the statements that would allow it are invalid, so KMS's lockout safety check rejects this policy",
                self.not_allowed
            )
        } else {
            format!(
                "{}, so KMS's lockout safety check rejects this policy",
                self.not_allowed
            )
        };
        let diagnostic = out.report(at, message);
        for &deny in self
            .denies_everyone
            .iter()
            .chain(self.denies_named.iter().map(|(d, _)| d))
        {
            diagnostic.with_related(
                statements[deny].label_span(),
                "this statement denies kms:PutKeyPolicy; narrow its principal or its actions",
            );
        }
        for &(i, defect) in &self.defective {
            let (span, label) = defect_label(&statements[i], defect);
            diagnostic.with_related(span, label);
        }
        if !self.granted
            && self.defective.is_empty()
            && let Some(statement) = closest_grant(policy)
        {
            diagnostic.with_related(
                statement.label_span(),
                "add kms:PutKeyPolicy (or kms:*) to this statement",
            );
            // Adding the grant ends the lockout only when nothing denies it.
            if self.denies_everyone.is_empty() && self.denies_named.is_empty() {
                diagnostic.with_fix(grant_fix(statement, words));
            }
        }
        diagnostic.with_help(words.help());
    }
}

/// Adds kms:PutKeyPolicy to the `Action` of the statement [`closest_grant`] picks.
///
/// Granting a permission is a security decision, so the fix is never safe. When every
/// principal of the statement is an account principal (`arn:…:iam::111122223333:root`) it
/// is unsafe: the account then delegates the right through IAM policies, as the default key
/// policy's `kms:*` for the account does, which is what KMS expects. To a role, a user or
/// anyone else it is display-only: whether that principal should administer the key is for a
/// person to decide. No fix for a statement with `NotAction`, one whose `Action` is not
/// written in the policy (a parameter, `Fn::If`), or one that a condition may leave out or
/// put after another candidate (the fix must be the same in every scenario).
fn grant_fix(statement: &Statement<'_>, words: &Words<'_, '_>) -> Option<Fix> {
    let source = words.source;
    let action = statement.action.as_ref()?;
    let node = &action.entry.value;
    if statement.not_action.is_some()
        || !statement.is_allow()
        || statement.covers_action(PUT_KEY_POLICY) != Coverage::No
        || node.intrinsic().is_some()
        || !source.root.span.contains(node.span)
        || !unconditional_up_to(source, statement.node)
    {
        return None;
    }
    let mut principals = statement.principal.iter().flat_map(|p| p.all()).peekable();
    principals.peek()?;
    let deployment = words.cx.deployment();
    let root = principals.all(|p| {
        matches!(p, Principal::Iam(iam) if iam.kind == IamKind::Account
            && iam.account.could_be_stack(deployment.account))
    });
    let applicability = if root {
        Applicability::Unsafe
    } else {
        Applicability::DisplayOnly
    };
    Fix::new(
        format!(
            "Add `{PUT_KEY_POLICY}` to the `Action` of {}",
            statement.describe()
        ),
        applicability,
        [words.cx.editor.append_item(node, PUT_KEY_POLICY)],
    )
}

/// Whether the statement is an item of the `Statement` list as written (not an `Fn::If`
/// branch) and neither it nor any item before it uses a condition: then it is the same
/// statement, at the same place, in every scenario.
fn unconditional_up_to(source: &PolicySource<'_>, node: &Node<'_>) -> bool {
    let Some(statement) = source.root.get("Statement") else {
        return false;
    };
    match statement.as_seq() {
        Some(items) => items
            .iter()
            .position(|item| std::ptr::eq(item, node))
            .is_some_and(|i| {
                source
                    .conditions
                    .statements
                    .iter()
                    .take(i + 1)
                    .all(Vec::is_empty)
            }),
        None => std::ptr::eq(statement, node) && source.conditions.document.is_empty(),
    }
}

/// Where a statement is invalid, and what it would do if it were not.
fn defect_label(statement: &Statement<'_>, defect: Defect) -> (Span, String) {
    let who = statement.describe();
    let who = who
        .strip_prefix("this statement")
        .map_or(who.clone(), |_| "this statement".into());
    match defect {
        Defect::Effect => match &statement.effect {
            Some(effect) => (
                effect.entry.value.span,
                format!(
                    "{who} would keep kms:PutKeyPolicy if its `Effect` were `Allow`{}",
                    effect
                        .as_str()
                        .map(|e| format!(" (it is `{e}`: KMS rejects the policy)"))
                        .unwrap_or_default()
                ),
            ),
            None => (
                statement.label_span(),
                format!("{who} would keep kms:PutKeyPolicy if it had `Effect: Allow`"),
            ),
        },
        Defect::Principal => (
            statement.label_span(),
            format!("{who} would keep kms:PutKeyPolicy if it named a principal"),
        ),
        Defect::Action => (
            statement.label_span(),
            format!("{who} would keep kms:PutKeyPolicy if it had an `Action`"),
        ),
        Defect::Resource => (
            statement.label_span(),
            format!(
                "{who} would keep kms:PutKeyPolicy if it had `Resource: \"*\"` (KMS rejects a statement without one)"
            ),
        ),
    }
}

/// The statement that would most naturally carry the missing grant: the first `Allow` to an
/// IAM principal, else the first statement.
fn closest_grant<'s, 't>(policy: &'s KeyPolicy<'t>) -> Option<&'s Statement<'t>> {
    policy
        .statements
        .iter()
        .find(|s| {
            s.is_allow()
                && s.principal
                    .iter()
                    .flat_map(|p| p.all())
                    .any(|p| matches!(p, Principal::Iam(_) | Principal::Everyone))
        })
        .or_else(|| policy.statements.first())
}
