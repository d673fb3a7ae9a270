//! KMS204 policy-lockout: KMS's lockout safety check rejects a key policy that does not let
//! the calling principal (the stack's deployer) call `kms:PutKeyPolicy` afterwards.
//!
//! Without `--deployer-arn` the deployer is unknown, so the rule asks whether anyone who could
//! be the deployer keeps the right after `Deny` statements: the account principal (whose IAM
//! policies then decide), everyone, or a principal hidden behind a parameter. If nobody does,
//! that is an error; if only specific roles or users do, a warning names them, since
//! deploying as anyone else fails. With `--deployer-arn` the rule decides for that principal.
//! A `Deny` or a grant with a `Condition` is uncertain and never makes a finding by itself.

use crate::diagnostic::Severity;
use crate::facts::resources::KEY;
use crate::model::arn::{self, ArnShape, Field};
use crate::model::policy::{Coverage, KeyPolicy, Principals, Statement};
use crate::model::principal::{Account, Principal};
use crate::model::value::{Boolish, Text};
use crate::source::Span;

use super::{Context, PolicyCheck, Reporter, Rule};

pub struct PolicyLockout;

const PUT_KEY_POLICY: &str = "kms:PutKeyPolicy";

impl Rule for PolicyLockout {
    fn check_policy(&self, cx: &Context<'_, '_>, check: &PolicyCheck<'_, '_>, out: &mut Reporter) {
        let policy = check.policy;
        if policy.incomplete || policy.statements.is_empty() || bypassed(cx, check) {
            return;
        }
        // A statement whose effect is not known could be a grant or a deny.
        if policy
            .statements
            .iter()
            .any(|s| s.effect().is_none() && s.covers_action(PUT_KEY_POLICY) != Coverage::No)
        {
            return;
        }
        let at = anchor(policy);
        match cx.settings.deployer_arn.as_deref().and_then(Deployer::parse) {
            Some(deployer) => exact(cx, policy, &deployer, at, out),
            None => any_deployer(cx, policy, at, out),
        }
    }
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

/// Who a grant reaches, for a deployer that is not known.
#[derive(Clone, Debug, PartialEq)]
enum Reach {
    /// Anyone in the deployer's account (the account principal, `*`, `NotPrincipal`), or a
    /// principal whose value is not known.
    Anyone,
    /// One IAM role or user; the deployer may or may not be it.
    Specific(String),
}

struct Grant<'s, 't> {
    reach: Reach,
    statement: &'s Statement<'t>,
}

fn any_deployer(cx: &Context<'_, '_>, policy: &KeyPolicy<'_>, at: Span, out: &mut Reporter) {
    let stack_account = cx.settings.account.as_deref();
    let mut grants: Vec<Grant<'_, '_>> = Vec::new();
    for statement in policy.statements.iter().filter(|s| s.is_allow()) {
        if statement.covers_action(PUT_KEY_POLICY) == Coverage::No {
            continue;
        }
        if statement.not_principal.is_some() {
            grants.push(Grant { reach: Reach::Anyone, statement });
            continue;
        }
        for principal in principals(statement.principal.as_ref()) {
            if let Some(reach) = reach_of(principal, stack_account) {
                grants.push(Grant { reach, statement });
            }
        }
        if statement.principal.as_ref().is_some_and(|p| p.incomplete) {
            grants.push(Grant { reach: Reach::Anyone, statement });
        }
    }
    let mut killed_by: Option<&Statement<'_>> = None;
    for deny in policy.statements.iter().filter(|s| certain_deny(s)) {
        if let Some(exempt) = &deny.not_principal {
            // Everyone except the listed principals.
            let kept: Vec<Reach> = principals(Some(exempt))
                .filter_map(|p| reach_of(p, stack_account))
                .collect();
            let before = grants.len();
            grants.retain(|g| kept.contains(&g.reach));
            if grants.len() < before {
                killed_by = Some(deny);
            }
            continue;
        }
        for principal in principals(deny.principal.as_ref()) {
            match reach_of(principal, stack_account) {
                Some(Reach::Anyone) if denies_everyone(principal, stack_account) => {
                    if !grants.is_empty() {
                        killed_by = Some(deny);
                    }
                    grants.clear();
                }
                Some(reach @ Reach::Specific(_)) => {
                    let before = grants.len();
                    grants.retain(|g| g.reach != reach);
                    if grants.len() < before {
                        killed_by = Some(deny);
                    }
                }
                _ => {}
            }
        }
    }
    if grants.iter().any(|g| g.reach == Reach::Anyone) {
        return;
    }
    if !grants.is_empty() {
        let mut names: Vec<&str> = grants
            .iter()
            .filter_map(|g| match &g.reach {
                Reach::Specific(name) => Some(name.as_str()),
                Reach::Anyone => None,
            })
            .collect();
        names.sort_unstable();
        names.dedup();
        let who = names.join(", ");
        let diagnostic = out.report(
            at,
            format!("only {who} may call kms:PutKeyPolicy; deploying this stack as any other principal fails KMS's lockout safety check"),
        );
        diagnostic
            .with_severity(Severity::Warning)
            .with_help("pass `--deployer-arn` to check the principal that deploys the stack, or also grant kms:PutKeyPolicy to the account principal");
        let mut seen = Vec::new();
        for grant in &grants {
            if !seen.contains(&grant.statement.node.span) {
                seen.push(grant.statement.node.span);
                diagnostic.with_related(grant.statement.label_span(), "grants kms:PutKeyPolicy here");
            }
        }
        return;
    }
    report_lockout(
        out,
        policy,
        at,
        killed_by,
        "every principal that could deploy this stack",
        "no principal that could deploy this stack is allowed kms:PutKeyPolicy",
    );
}

/// A deny to `*` or to the stack's own account principal reaches every deployer.
fn denies_everyone(principal: &Principal, stack_account: Option<&str>) -> bool {
    match principal {
        Principal::Everyone => true,
        Principal::Account(Account::Stack) => true,
        Principal::Account(Account::Id(id)) => stack_account == Some(id.as_str()),
        _ => false,
    }
}

/// `who` is denied by `killed_by`; `not_allowed` says nobody is allowed.
fn report_lockout(
    out: &mut Reporter,
    policy: &KeyPolicy<'_>,
    at: Span,
    killed_by: Option<&Statement<'_>>,
    who: &str,
    not_allowed: &str,
) {
    let diagnostic = match killed_by {
        Some(deny) => {
            let d = out.report(
                at,
                format!("{} denies kms:PutKeyPolicy to {who}, so KMS's lockout safety check rejects this policy", deny.describe()),
            );
            d.with_related(deny.label_span(), "this statement denies kms:PutKeyPolicy; narrow its principal or its actions");
            d
        }
        None => {
            let d = out.report(
                at,
                format!("{not_allowed}, so KMS's lockout safety check rejects this policy"),
            );
            if let Some(statement) = closest_grant(policy) {
                d.with_related(statement.label_span(), "add kms:PutKeyPolicy (or kms:*) to this statement");
            }
            d
        }
    };
    diagnostic.with_help(
        "keep a statement that allows `kms:*` to the account principal `arn:${AWS::Partition}:iam::${AWS::AccountId}:root`, as the default key policy does",
    );
}

/// The statement that would most naturally carry the missing grant: the first `Allow` to an
/// IAM principal, else the first statement.
fn closest_grant<'s, 't>(policy: &'s KeyPolicy<'t>) -> Option<&'s Statement<'t>> {
    policy
        .statements
        .iter()
        .find(|s| {
            s.is_allow()
                && principals(s.principal.as_ref()).any(|p| {
                    matches!(
                        p,
                        Principal::Account(_) | Principal::Role { .. } | Principal::User { .. } | Principal::Everyone
                    )
                })
        })
        .or_else(|| policy.statements.first())
}

/// A `Deny` that certainly applies to kms:PutKeyPolicy: no condition, the action covered.
fn certain_deny(statement: &Statement<'_>) -> bool {
    statement.is_deny()
        && !statement.has_condition()
        && statement.covers_action(PUT_KEY_POLICY) == Coverage::Yes
}

fn principals<'a>(principals: Option<&'a Principals<'_>>) -> impl Iterator<Item = &'a Principal> {
    principals
        .into_iter()
        .flat_map(|p| p.items.iter())
        .flat_map(|item| item.principals.iter().map(|(_, p)| p))
}

/// Whether `account` can be the deployer's, which is the stack's.
fn could_be_stack(account: &Account, stack_account: Option<&str>) -> bool {
    match (account, stack_account) {
        (Account::Id(id), Some(stack)) => id == stack,
        _ => true,
    }
}

fn reach_of(principal: &Principal, stack_account: Option<&str>) -> Option<Reach> {
    match principal {
        Principal::Everyone | Principal::Unknown => Some(Reach::Anyone),
        Principal::Account(a) => could_be_stack(a, stack_account).then_some(Reach::Anyone),
        Principal::Role { account, name } => {
            could_be_stack(account, stack_account).then(|| Reach::Specific(format!("role `{name}`")))
        }
        Principal::User { account, name } => {
            could_be_stack(account, stack_account).then(|| Reach::Specific(format!("user `{name}`")))
        }
        Principal::AssumedRole { account, role } => could_be_stack(account, stack_account)
            .then(|| Reach::Specific(format!("a session of role `{role}`"))),
        Principal::FederatedUser { account } => could_be_stack(account, stack_account)
            .then(|| Reach::Specific("a federated user".to_owned())),
        // Created by this very stack, so not the one deploying it; services and others do
        // not deploy stacks.
        Principal::TemplateResource(_) | Principal::Service(_) | Principal::Other => None,
        // KMS rejects it as written (KMS209); what it was meant to be is unknown, and it may
        // be a placeholder that is filled in before use (`ACCOUNT_ID`).
        Principal::Invalid(_) => Some(Reach::Anyone),
    }
}

/// The principal given with `--deployer-arn`.
struct Deployer {
    arn: String,
    account: String,
    kind: DeployerKind,
}

enum DeployerKind {
    Root,
    Role(String),
    User(String),
}

impl Deployer {
    fn parse(arn: &str) -> Option<Deployer> {
        let text = Text::lit(arn);
        let ArnShape::Arn(parsed) = arn::parse(&text) else {
            return None;
        };
        let (Field::Lit(service), Field::Lit(account), Field::Lit(resource)) =
            (&parsed.service, &parsed.account, &parsed.resource)
        else {
            return None;
        };
        let name = |rest: &str| rest.rsplit('/').next().unwrap_or_default().to_owned();
        let kind = match (service.as_str(), resource.split_once('/')) {
            ("iam", None) if resource == "root" => DeployerKind::Root,
            ("iam", Some(("role", rest))) => DeployerKind::Role(name(rest)),
            ("iam", Some(("user", rest))) => DeployerKind::User(name(rest)),
            ("sts", Some(("assumed-role", rest))) => {
                DeployerKind::Role(rest.split('/').next().unwrap_or_default().to_owned())
            }
            _ => return None,
        };
        Some(Deployer {
            arn: arn.to_owned(),
            account: account.clone(),
            kind,
        })
    }

    /// Whether a principal element names the deployer: `Some(true)`, `Some(false)`, or
    /// `None` when it cannot be told.
    fn matches(&self, principal: &Principal, stack_account: Option<&str>) -> Option<bool> {
        let account = |a: &Account| match a {
            Account::Id(id) => Some(*id == self.account),
            // The deployer deploys into the stack's account.
            Account::Stack => Some(stack_account.is_none_or(|s| s == self.account)),
            Account::Unknown => None,
        };
        let same = |a: &Account, wanted: &str, actual: Option<&String>| {
            if wanted == "…" {
                return account(a).and_then(|ok| if ok { None } else { Some(false) });
            }
            Some(account(a)? && actual.is_some_and(|n| n == wanted))
        };
        match principal {
            Principal::Everyone => Some(true),
            Principal::Unknown => None,
            Principal::Account(a) => account(a),
            Principal::Role { account: a, name } => same(a, name, self.role()),
            Principal::AssumedRole { account: a, role } => match same(a, role, self.role()) {
                // A session ARN names one session, which may or may not be the deployer's.
                Some(true) => None,
                other => other,
            },
            Principal::User { account: a, name } => same(a, name, self.user()),
            Principal::FederatedUser { .. }
            | Principal::TemplateResource(_)
            | Principal::Service(_)
            | Principal::Other
            | Principal::Invalid(_) => Some(false),
        }
    }

    fn role(&self) -> Option<&String> {
        match &self.kind {
            DeployerKind::Role(name) => Some(name),
            _ => None,
        }
    }

    fn user(&self) -> Option<&String> {
        match &self.kind {
            DeployerKind::User(name) => Some(name),
            DeployerKind::Root | DeployerKind::Role(_) => None,
        }
    }
}

/// With `--deployer-arn`: is that principal allowed kms:PutKeyPolicy after denies?
fn exact(cx: &Context<'_, '_>, policy: &KeyPolicy<'_>, deployer: &Deployer, at: Span, out: &mut Reporter) {
    let stack_account = cx.settings.account.as_deref();
    // `Some(true)`: names the deployer; `None`: cannot tell.
    let names = |p: Option<&Principals<'_>>| -> Option<bool> {
        let p = p?;
        let mut result = Some(false);
        for principal in principals(Some(p)) {
            match deployer.matches(principal, stack_account) {
                Some(true) => return Some(true),
                None => result = None,
                Some(false) => {}
            }
        }
        if p.incomplete && result == Some(false) { None } else { result }
    };
    let applies = |s: &Statement<'_>| -> Option<bool> {
        match (&s.principal, &s.not_principal) {
            (Some(p), _) => names(Some(p)),
            (None, Some(np)) => names(Some(np)).map(|listed| !listed),
            (None, None) => Some(false),
        }
    };
    if let Some(deny) = policy
        .statements
        .iter()
        .find(|s| certain_deny(s) && applies(s) == Some(true))
    {
        let who = format!("the deployer `{}`", deployer.arn);
        let not_allowed = format!("{who} is not allowed kms:PutKeyPolicy");
        return report_lockout(out, policy, at, Some(deny), &who, &not_allowed);
    }
    let granted = policy.statements.iter().any(|s| {
        s.is_allow() && s.covers_action(PUT_KEY_POLICY) != Coverage::No && applies(s) != Some(false)
    });
    if !granted {
        let who = format!("the deployer `{}`", deployer.arn);
        let not_allowed = format!("{who} is not allowed kms:PutKeyPolicy");
        report_lockout(out, policy, at, None, &who, &not_allowed);
    }
}
