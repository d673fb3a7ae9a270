//! A key policy as statements, principals, actions and conditions, each with its span.
//!
//! The same view is built from a policy object in a template, a policy written as a JSON
//! string (parsed and mapped back onto the file, see `embedded`), and a key policy file.
//! `Fn::If` inside a policy is resolved per scenario: the policy rules run once for every
//! combination of the conditions that bear on what they check (see `rules::check_policy`).

use crate::facts::conditions::{self, Operator, OperatorError};
use crate::source::{Entry, Node, Span, Value};

pub(crate) use super::principal::Coverage;
use super::principal::{self, Deployment, IamKind, Principal, Requester};
use super::value::{Alt, Hole, Part, Resolver, Text, Val};
use regex::Regex;
use std::borrow::Cow;
use std::sync::LazyLock;

/// How a policy is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PolicyForm {
    /// A mapping in the template.
    Object,
    /// A string holding JSON.
    JsonString,
    /// `Fn::Sub` over a string holding JSON: every string in it is a Sub template.
    SubString,
    /// A key policy file.
    File,
}

/// Where a key policy comes from.
pub(crate) struct PolicySource<'t> {
    /// The policy document (a mapping), with spans in the file.
    pub root: &'t Node<'t>,
    pub form: PolicyForm,
    /// The resource that has the policy, and its type.
    pub resource: Option<(&'t str, &'t str)>,
    /// The string scalar holding the JSON, for string forms.
    pub text_node: Option<&'t Node<'t>>,
    /// `Fn::Sub` variables for the `SubString` form.
    pub sub_vars: Option<&'t [Entry<'t>]>,
    /// The conditions its `Fn::If`s use, and where.
    pub conditions: super::PolicyConditions<'t>,
}

pub(crate) struct KeyPolicy<'t> {
    pub root: &'t Node<'t>,
    pub version: Option<Field<'t>>,
    /// The `Statement` entry as written.
    pub statement_entry: Option<&'t Entry<'t>>,
    pub statements: Vec<Statement<'t>>,
    /// Some statements could not be read (`Statement: !Ref X`).
    pub incomplete: bool,
    /// A `Statement` that is a string, or items of its list that are: KMS rejects them.
    pub not_mappings: Vec<Span>,
    /// Only some statements were built (see [`KeyPolicy::build`]'s `only`): checks of the
    /// policy as a whole (is `Statement` empty?) do not apply.
    pub partial: bool,
}

/// A single-valued element (`Version`, `Sid`, `Effect`).
pub(crate) struct Field<'t> {
    pub entry: &'t Entry<'t>,
    pub alts: Vec<Alt<'t>>,
}

impl Field<'_> {
    /// The value when it is one known string.
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self.alts.as_slice() {
            [alt] => alt.as_str(),
            _ => None,
        }
    }
}

pub(crate) struct Statement<'t> {
    pub node: &'t Node<'t>,
    pub entries: &'t [Entry<'t>],
    pub sid: Option<Field<'t>>,
    pub effect: Option<Field<'t>>,
    pub principal: Option<Principals<'t>>,
    pub not_principal: Option<Principals<'t>>,
    pub action: Option<Values<'t>>,
    pub not_action: Option<Values<'t>>,
    pub resource: Option<Values<'t>>,
    pub not_resource: Option<Values<'t>>,
    pub condition: Option<ConditionBlock<'t>>,
}

/// A string or a list of strings.
pub(crate) struct Values<'t> {
    pub entry: &'t Entry<'t>,
    pub items: Vec<Item<'t>>,
    /// Part of the value could not be read.
    pub incomplete: bool,
}

pub(crate) struct Item<'t> {
    pub alts: Vec<Alt<'t>>,
}

impl Item<'_> {
    /// The item's text when it is one known string.
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self.alts.as_slice() {
            [alt] => alt.as_str(),
            _ => None,
        }
    }
}

pub(crate) struct Principals<'t> {
    pub entry: &'t Entry<'t>,
    pub items: Vec<PrincipalItem<'t>>,
    pub incomplete: bool,
}

impl Principals<'_> {
    /// Every value every item can take.
    pub(crate) fn all(&self) -> impl Iterator<Item = &Principal> {
        self.items
            .iter()
            .flat_map(|item| item.principals.iter().map(|(_, p)| p))
    }
}

pub(crate) struct PrincipalItem<'t> {
    /// `AWS`, `Service`, `Federated`, `CanonicalUser`, or `*` for the bare string form.
    pub kind: &'t str,
    /// The key the kind is written as (the principal element itself for the string form).
    pub kind_span: Span,
    /// Each value the item can take, classified.
    pub principals: Vec<(Alt<'t>, Principal)>,
}

pub(crate) struct ConditionBlock<'t> {
    pub entry: &'t Entry<'t>,
    pub clauses: Vec<Clause<'t>>,
    /// The block is not a mapping of mappings, or part of it is an intrinsic function.
    pub incomplete: bool,
}

pub(crate) struct Clause<'t> {
    pub operator_name: &'t str,
    pub operator_span: Span,
    pub operator: Result<Operator, OperatorError>,
    pub key: &'t str,
    pub key_span: Span,
    pub values: Vec<Item<'t>>,
}

impl<'t> ConditionBlock<'t> {
    /// The `Condition` of an IAM policy statement of the template, read as a key policy's.
    pub(crate) fn read(entry: &'t Entry<'t>, resolver: &Resolver<'_, 't>) -> ConditionBlock<'t> {
        let reader = Reader {
            resolver,
            sub_vars: None,
            sub: false,
            placeholders: false,
        };
        reader.conditions(entry)
    }
}

impl<'t> PolicySource<'t> {
    /// The JSON text as written, for string forms (what KMS receives, before `Fn::Sub`).
    pub(crate) fn text(&self) -> Option<&'t str> {
        self.text_node?.as_str()
    }
}

impl<'t> KeyPolicy<'t> {
    /// Builds the policy as `resolver`'s scenario makes it. `only`, when given, lists the
    /// items of the `Statement` list to build (by index); the others are left out, for
    /// questions they do not bear on.
    pub(crate) fn build(
        source: &PolicySource<'t>,
        resolver: &Resolver<'_, 't>,
        resource_type: &dyn Fn(&str) -> Option<&'t str>,
        only: Option<&[usize]>,
    ) -> KeyPolicy<'t> {
        let reader = Reader {
            resolver,
            sub_vars: source.sub_vars,
            // A policy file's `${name}` is a placeholder of whatever templating produced
            // it (Terraform's templatefile, say) or an IAM policy variable: unknown here.
            sub: matches!(source.form, PolicyForm::SubString | PolicyForm::File),
            placeholders: source.form == PolicyForm::File,
        };
        // `KeyPolicy: !If [...]` picks a document per scenario.
        let root = match reader.structure(source.root) {
            Structure::Node(node) if node.as_map().is_some() => node,
            _ => {
                return KeyPolicy {
                    root: source.root,
                    version: None,
                    statement_entry: None,
                    statements: Vec::new(),
                    incomplete: true,
                    not_mappings: Vec::new(),
                    partial: only.is_some(),
                };
            }
        };
        let version = root.entry("Version").map(|e| reader.field(e));
        let statement_entry = root.entry("Statement");
        let mut statements = Vec::new();
        let mut incomplete = false;
        let mut not_mappings = Vec::new();
        if let Some(entry) = statement_entry {
            match reader.structure(&entry.value) {
                Structure::Node(node) => match &node.value {
                    Value::Map(_) => {
                        statements.push(reader.statement(node, resource_type));
                    }
                    Value::Seq(items) => {
                        for (i, item) in items.iter().enumerate() {
                            if only.is_some_and(|only| !only.contains(&i)) {
                                continue;
                            }
                            match reader.structure(item) {
                                Structure::Node(s) if s.as_map().is_some() => {
                                    statements.push(reader.statement(s, resource_type));
                                }
                                Structure::Node(s) if s.scalar().is_some() => {
                                    incomplete = true;
                                    not_mappings.push(s.span);
                                }
                                Structure::Absent => {}
                                _ => incomplete = true,
                            }
                        }
                    }
                    Value::Scalar(_) => {
                        incomplete = true;
                        not_mappings.push(node.span);
                    }
                    _ => incomplete = true,
                },
                Structure::Absent => {}
                Structure::Unknown(_) => incomplete = true,
            }
        }
        KeyPolicy {
            root,
            version,
            statement_entry,
            statements,
            incomplete,
            not_mappings,
            partial: only.is_some(),
        }
    }

    /// May `who` call `action` on the key under this policy? IAM's evaluation within a key
    /// policy: an explicit deny wins, else an allow grants, else it is not allowed. Each
    /// statement is matched with `Principal`/`NotPrincipal` and `Action`/`NotAction`, with
    /// wildcards and case as IAM has them; a statement KMS would reject (an invalid
    /// `Effect`, no `Principal`, no `Resource`) takes no part, and is named in the answer
    /// when it would otherwise have granted the action.
    pub(crate) fn access(
        &self,
        who: Requester<'_>,
        action: &str,
        deployment: &Deployment<'_>,
    ) -> Access {
        let mut access = Access::default();
        let mut certain_grant = false;
        let mut uncertain = self.incomplete;
        for (i, statement) in self.statements.iter().enumerate() {
            let covers = statement.covers_action(action);
            if covers == Coverage::No {
                continue;
            }
            if let Some(defect) = statement.defect() {
                let allow = statement
                    .effect
                    .as_ref()
                    .is_none_or(|e| e.as_str().is_some_and(|s| s.eq_ignore_ascii_case("allow")));
                // Without a principal it would apply to whoever it was meant for.
                if allow
                    && (defect == Defect::Principal
                        || statement.applies_to(who, deployment) != Coverage::No)
                {
                    access.defective.push((i, defect));
                }
                continue;
            }
            let applies = statement.applies_to(who, deployment);
            let resource = statement.covers_resource(deployment);
            if applies == Coverage::No || resource == Coverage::No {
                continue;
            }
            let certain = covers == Coverage::Yes
                && applies == Coverage::Yes
                && resource == Coverage::Yes
                && !statement.has_condition();
            match statement.effect() {
                Some("Allow") => {
                    access.grants.push(i);
                    certain_grant |= certain;
                }
                Some("Deny") if certain => access.denies.push(i),
                Some("Deny") => {
                    access.maybe_denies.push(i);
                    uncertain = true;
                }
                // An effect not known here.
                _ => uncertain = true,
            }
        }
        access.verdict = if !access.denies.is_empty() {
            Verdict::Denied
        } else if certain_grant && !uncertain {
            Verdict::Allowed
        } else if uncertain || !access.grants.is_empty() {
            Verdict::Possibly
        } else {
            Verdict::NotAllowed
        };
        access
    }
}

/// The answer to [`KeyPolicy::access`], with the statements that decide it (indexes into
/// `statements`).
#[derive(Debug, Default)]
pub(crate) struct Access {
    pub verdict: Verdict,
    /// `Allow` statements that grant the action, certainly or perhaps.
    pub grants: Vec<usize>,
    /// `Deny` statements that certainly take it away.
    pub denies: Vec<usize>,
    /// `Deny` statements that may take it away (under conditions, or for values not known).
    pub maybe_denies: Vec<usize>,
    /// Statements KMS rejects that would grant the action if they were valid.
    pub defective: Vec<(usize, Defect)>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// An allow certainly applies and no deny can.
    Allowed,
    /// It depends on conditions, `Fn::If` branches or values not known here.
    Possibly,
    /// A deny certainly applies.
    Denied,
    /// No statement allows it.
    #[default]
    NotAllowed,
}

/// Why KMS rejects a statement (KMS206 and KMS203 report it), so that it grants nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Defect {
    /// `Effect` is missing or is not exactly `Allow` or `Deny` (`allow`).
    Effect,
    /// Neither `Principal` nor `NotPrincipal`, or an empty one.
    Principal,
    /// Neither `Action` nor `NotAction`.
    Action,
    /// Neither `Resource` nor `NotResource` (rejected since 18 August 2025).
    Resource,
}

enum Structure<'t> {
    Node(&'t Node<'t>),
    /// Removed by `AWS::NoValue` in this scenario.
    Absent,
    /// Not one node: the alternatives the intrinsic function resolved to, kept so that
    /// readers of strings need not resolve it again.
    Unknown(Vec<Alt<'t>>),
}

struct Reader<'r, 'e, 't> {
    resolver: &'r Resolver<'e, 't>,
    sub_vars: Option<&'t [Entry<'t>]>,
    sub: bool,
    /// Key policy files are often templates for other tools: `ACCOUNT_ID`, `<role-name>`,
    /// `{{account}}` and `{account}` in them are placeholders, values not known here.
    placeholders: bool,
}

impl<'t> Reader<'_, '_, 't> {
    /// A node that holds structure (a statement, a list, a principal mapping) after `Fn::If`.
    fn structure(&self, node: &'t Node<'t>) -> Structure<'t> {
        if node.intrinsic().is_none() {
            return Structure::Node(node);
        }
        let alts = self.resolver.resolve(node);
        match alts.as_slice() {
            [alt] => match (&alt.val, alt.node) {
                (Val::NoValue, _) => Structure::Absent,
                (Val::Node(n), _) => Structure::Node(n),
                (Val::Text(_), Some(n)) => Structure::Node(n),
                _ => Structure::Unknown(alts),
            },
            _ => Structure::Unknown(alts),
        }
    }

    fn resolve(&self, node: &'t Node<'t>) -> Vec<Alt<'t>> {
        let alts = if self.sub && node.scalar().is_some() {
            self.resolver.resolve_sub_string(node, self.sub_vars)
        } else {
            self.resolver.resolve(node)
        };
        self.with_placeholders(alts)
    }

    /// In key policy files, placeholders in the resolved text become holes.
    fn with_placeholders(&self, mut alts: Vec<Alt<'t>>) -> Vec<Alt<'t>> {
        if self.placeholders {
            for alt in &mut alts {
                if let Val::Text(text) = &mut alt.val {
                    *text = placeholder_holes(std::mem::take(text));
                }
            }
        }
        alts
    }

    fn field(&self, entry: &'t Entry<'t>) -> Field<'t> {
        Field {
            entry,
            alts: self.resolve(&entry.value),
        }
    }

    fn statement(
        &self,
        node: &'t Node<'t>,
        resource_type: &dyn Fn(&str) -> Option<&'t str>,
    ) -> Statement<'t> {
        let entries = node.as_map().unwrap_or_default();
        let entry = |name: &str| entries.iter().find(|e| e.key == name);
        Statement {
            node,
            entries,
            sid: entry("Sid").map(|e| self.field(e)),
            effect: entry("Effect").map(|e| self.field(e)),
            principal: entry("Principal").map(|e| self.principals(e, resource_type)),
            not_principal: entry("NotPrincipal").map(|e| self.principals(e, resource_type)),
            action: entry("Action").map(|e| self.values(e)),
            not_action: entry("NotAction").map(|e| self.values(e)),
            resource: entry("Resource").map(|e| self.values(e)),
            not_resource: entry("NotResource").map(|e| self.values(e)),
            condition: entry("Condition").map(|e| self.conditions(e)),
        }
    }

    fn values(&self, entry: &'t Entry<'t>) -> Values<'t> {
        let (items, incomplete) = self.items(&entry.value);
        Values {
            entry,
            items,
            incomplete,
        }
    }

    /// The items of a string-or-list value.
    fn items(&self, node: &'t Node<'t>) -> (Vec<Item<'t>>, bool) {
        let mut items = Vec::new();
        let mut incomplete = false;
        match self.structure(node) {
            Structure::Node(n) => match &n.value {
                Value::Seq(list) => {
                    for item in list {
                        let mut alts = self.resolve(item);
                        alts.retain(|a| a.val != Val::NoValue);
                        if alts.iter().any(|a| matches!(a.val, Val::Unknown)) {
                            incomplete = true;
                        }
                        if !alts.is_empty() {
                            items.push(Item { alts });
                        }
                    }
                }
                _ => {
                    let alts = self.resolve(n);
                    if alts.iter().any(|a| matches!(a.val, Val::Unknown)) {
                        incomplete = true;
                    }
                    items.push(Item { alts });
                }
            },
            Structure::Absent => {}
            // An intrinsic function that is not a list: `!Sub 'arn:…'`, `!If` over strings.
            Structure::Unknown(resolved) => {
                let mut alts = Vec::new();
                for alt in self.with_placeholders(resolved) {
                    match alt.val {
                        Val::Text(_) => alts.push(alt),
                        Val::NoValue => {}
                        Val::Node(_) | Val::Unknown => incomplete = true,
                    }
                }
                if !alts.is_empty() {
                    items.push(Item { alts });
                }
            }
        }
        (items, incomplete)
    }

    fn principals(
        &self,
        entry: &'t Entry<'t>,
        resource_type: &dyn Fn(&str) -> Option<&'t str>,
    ) -> Principals<'t> {
        let mut items = Vec::new();
        let mut incomplete = false;
        let classify_all = |kind: &'t str, kind_span: Span, item: Item<'t>| PrincipalItem {
            kind,
            kind_span,
            principals: item
                .alts
                .into_iter()
                .map(|alt| {
                    let p = principal::classify(kind, &alt, resource_type);
                    (alt, p)
                })
                .collect(),
        };
        match self.structure(&entry.value) {
            Structure::Node(node) => match &node.value {
                Value::Map(kinds) => {
                    for kind in kinds {
                        let (values, partial) = self.items(&kind.value);
                        incomplete |= partial;
                        items.extend(
                            values
                                .into_iter()
                                .map(|v| classify_all(&kind.key, kind.key_span, v)),
                        );
                    }
                }
                Value::Scalar(s) if s.text == "*" => {
                    items.push(PrincipalItem {
                        kind: "*",
                        kind_span: entry.key_span,
                        principals: self
                            .resolve(node)
                            .into_iter()
                            .map(|a| (a, Principal::Everyone))
                            .collect(),
                    });
                }
                _ => {
                    let (values, partial) = self.items(node);
                    incomplete |= partial;
                    items.extend(values.into_iter().map(|v| PrincipalItem {
                        kind: "*",
                        kind_span: entry.key_span,
                        principals: v
                            .alts
                            .into_iter()
                            .map(|a| {
                                let p = if a.as_str() == Some("*") {
                                    Principal::Everyone
                                } else {
                                    Principal::Invalid(
                                        "a principal other than `\"*\"` goes under a key such as `AWS` or `Service`".into(),
                                    )
                                };
                                (a, p)
                            })
                            .collect(),
                    }));
                }
            },
            Structure::Absent => {}
            Structure::Unknown(_) => incomplete = true,
        }
        Principals {
            entry,
            items,
            incomplete,
        }
    }

    fn conditions(&self, entry: &'t Entry<'t>) -> ConditionBlock<'t> {
        let mut clauses = Vec::new();
        let mut incomplete = false;
        match self.structure(&entry.value) {
            Structure::Node(node) => match node.as_map() {
                Some(operators) => {
                    for op in operators {
                        let Structure::Node(keys) = self.structure(&op.value) else {
                            incomplete = true;
                            continue;
                        };
                        let Some(keys) = keys.as_map() else {
                            incomplete = true;
                            continue;
                        };
                        for key in keys {
                            let (values, partial) = self.items(&key.value);
                            incomplete |= partial;
                            clauses.push(Clause {
                                operator_name: &op.key,
                                operator_span: op.key_span,
                                operator: conditions::parse_operator(&op.key),
                                key: &key.key,
                                key_span: key.key_span,
                                values,
                            });
                        }
                    }
                }
                None => incomplete = true,
            },
            Structure::Absent => {}
            Structure::Unknown(_) => incomplete = true,
        }
        ConditionBlock {
            entry,
            clauses,
            incomplete,
        }
    }
}

static PLACEHOLDER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"<[A-Za-z0-9_ .:-]+>|\{\{[^{}]*\}\}|\{[A-Za-z_]+\}|\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b",
    )
    .expect("valid regex")
});

/// `text` with every placeholder turned into an unknown hole.
fn placeholder_holes(text: Text<'_>) -> Text<'_> {
    let mut out = Text::default();
    for part in text.parts {
        let Part::Lit(s) = part else {
            out.push(part);
            continue;
        };
        let mut at = 0;
        for found in PLACEHOLDER.find_iter(&s) {
            out.push(Part::Lit(Cow::Owned(s[at..found.start()].to_owned())));
            out.push(Part::Hole(Hole::Unknown));
            at = found.end();
        }
        if at == 0 {
            out.push(Part::Lit(s));
        } else {
            out.push(Part::Lit(Cow::Owned(s[at..].to_owned())));
        }
    }
    out
}

impl<'t> Statement<'t> {
    /// `Allow` or `Deny` when the effect is known.
    pub(crate) fn effect(&self) -> Option<&str> {
        self.effect.as_ref()?.as_str()
    }

    pub(crate) fn is_allow(&self) -> bool {
        self.effect() == Some("Allow")
    }

    pub(crate) fn has_condition(&self) -> bool {
        self.condition.is_some()
    }

    /// Whether the statement's `Principal` names `who` other than as a principal of an
    /// account principal it names: an account principal lets that account's IAM policies
    /// decide (Key policies in AWS KMS, "Allows access to the AWS account and enables IAM
    /// policies", https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-root-enable-iam),
    /// unless `who` is the account principal itself. A `NotPrincipal` names whom it does.
    pub(crate) fn names_directly(
        &self,
        who: Requester<'_>,
        deployment: &Deployment<'_>,
    ) -> Coverage {
        let Some(principals) = &self.principal else {
            return self.applies_to(who, deployment);
        };
        let who_is_an_account =
            matches!(who, Requester::Named(Principal::Iam(p)) if p.kind == IamKind::Account);
        let start = if principals.incomplete {
            Coverage::Maybe
        } else {
            Coverage::No
        };
        principals
            .all()
            .filter(|p| {
                who_is_an_account || !matches!(p, Principal::Iam(p) if p.kind == IamKind::Account)
            })
            .fold(start, |c, principal| {
                c.or(principal.covers(who, deployment))
            })
    }

    /// Whether the statement's `Principal` (or `NotPrincipal`) covers `who`.
    pub(crate) fn applies_to(&self, who: Requester<'_>, deployment: &Deployment<'_>) -> Coverage {
        let named = |p: &Principals<'_>| {
            let start = if p.incomplete {
                Coverage::Maybe
            } else {
                Coverage::No
            };
            p.all().fold(start, |c, principal| {
                c.or(principal.covers(who, deployment))
            })
        };
        match (&self.principal, &self.not_principal) {
            (Some(p), _) => named(p),
            (None, Some(np)) => !named(np),
            (None, None) => Coverage::No,
        }
    }

    /// Why KMS rejects the statement, if it does, among the elements access depends on.
    pub(crate) fn defect(&self) -> Option<Defect> {
        let empty = |p: &Option<Principals<'_>>| {
            p.as_ref()
                .is_none_or(|p| p.items.is_empty() && !p.incomplete)
        };
        if !matches!(self.effect(), Some("Allow" | "Deny"))
            && self.effect.as_ref().is_none_or(|e| e.as_str().is_some())
        {
            Some(Defect::Effect)
        } else if empty(&self.principal) && empty(&self.not_principal) {
            Some(Defect::Principal)
        } else if self.action.is_none() && self.not_action.is_none() {
            Some(Defect::Action)
        } else if self.resource.is_none() && self.not_resource.is_none() {
            Some(Defect::Resource)
        } else {
            None
        }
    }

    /// Whether the statement applies to the key whose policy it is, through `Resource` or
    /// `NotResource`. In a key policy `*` means this key; an ARN names this key only if it can
    /// be its ARN: a KMS key ARN (or pattern) of the key's Region and account, where the key's
    /// ID is not known here (Key policies in AWS KMS, "Resource",
    /// https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html).
    pub(crate) fn covers_resource(&self, deployment: &Deployment<'_>) -> Coverage {
        if let Some(values) = &self.resource {
            return resource_coverage(values, deployment);
        }
        if let Some(values) = &self.not_resource {
            return !resource_coverage(values, deployment);
        }
        Coverage::No
    }

    /// Whether the statement applies to `action` (`kms:PutKeyPolicy`), through `Action` or
    /// `NotAction`, with IAM's case-insensitive `*`/`?` wildcards.
    pub(crate) fn covers_action(&self, action: &str) -> Coverage {
        if let Some(values) = &self.action {
            return match pattern_coverage(values, action) {
                Coverage::No if values.incomplete => Coverage::Maybe,
                c => c,
            };
        }
        if let Some(values) = &self.not_action {
            return match pattern_coverage(values, action) {
                Coverage::Yes => Coverage::No,
                Coverage::No if values.incomplete => Coverage::Maybe,
                Coverage::No => Coverage::Yes,
                Coverage::Maybe => Coverage::Maybe,
            };
        }
        Coverage::No
    }

    /// The span to point at for the statement as a whole: its `Sid` or its first key.
    pub(crate) fn label_span(&self) -> Span {
        self.sid
            .as_ref()
            .map(|s| s.entry.value.span)
            .or_else(|| self.entries.first().map(|e| e.key_span))
            .unwrap_or(self.node.span)
    }

    /// "statement `Sid`" or "this statement", for messages.
    pub(crate) fn describe(&self) -> String {
        match self.sid.as_ref().and_then(Field::as_str) {
            Some(sid) if !sid.is_empty() => format!("statement `{sid}`"),
            _ => "this statement".into(),
        }
    }
}

fn pattern_coverage(values: &Values<'_>, action: &str) -> Coverage {
    let mut maybe = false;
    for item in &values.items {
        for alt in &item.alts {
            match alt.as_str() {
                Some(pattern) if glob_match(pattern, action) => return Coverage::Yes,
                Some(_) => {}
                None => maybe = true,
            }
        }
    }
    if maybe { Coverage::Maybe } else { Coverage::No }
}

/// Whether one of `values` (a `Resource` element) can name the key: see
/// [`Statement::covers_resource`].
fn resource_coverage(values: &Values<'_>, deployment: &Deployment<'_>) -> Coverage {
    let mut found = if values.incomplete {
        Coverage::Maybe
    } else {
        Coverage::No
    };
    for alt in values.items.iter().flat_map(|item| &item.alts) {
        let written = match alt.as_str() {
            Some(written) => Cow::Borrowed(written),
            None => match alt.text_value().and_then(stack_fields_as_wildcards) {
                Some(written) => Cow::Owned(written),
                None => {
                    found = found.or(Coverage::Maybe);
                    continue;
                }
            },
        };
        found = found.or(arn_names_key(&written, deployment));
        if found == Coverage::Yes {
            break;
        }
    }
    found
}

/// A `Resource` value whose only holes are the stack's partition, Region and account, with
/// them as `*`: a key policy's key is in its stack's (`arn:${AWS::Partition}:kms:${AWS::Region}:
/// ${AWS::AccountId}:key/*` names it).
fn stack_fields_as_wildcards(text: &Text<'_>) -> Option<String> {
    let mut out = String::new();
    for part in &text.parts {
        match part {
            Part::Lit(s) => out.push_str(s),
            Part::Hole(Hole::Partition | Hole::Region | Hole::AccountId) => out.push('*'),
            Part::Hole(_) => return None,
        }
    }
    Some(out)
}

/// Whether a `Resource` value names the key: `*` does; a KMS key ARN whose Region and account
/// can be the key's may (its key ID is not known here), and does when it leaves the ID to
/// a wildcard.
fn arn_names_key(written: &str, deployment: &Deployment<'_>) -> Coverage {
    if written == "*" {
        return Coverage::Yes;
    }
    let parts: Vec<&str> = written.splitn(6, ':').collect();
    let [arn, _partition, service, region, account, resource] = parts.as_slice() else {
        return Coverage::No;
    };
    if *arn != "arn" || !glob_match(service, "kms") {
        return Coverage::No;
    }
    let known = |pattern: &str, value: Option<&str>| match value {
        _ if pattern == "*" => Coverage::Yes,
        Some(value) => Coverage::from_bool(glob_match(pattern, value)),
        None => Coverage::Maybe,
    };
    let place = known(region, deployment.region).and(known(account, deployment.account));
    let key = if *resource == "*" || (resource.ends_with('*') && glob_match(resource, "key/")) {
        // Any key ID: `key/*`.
        Coverage::Yes
    } else if resource.starts_with('*')
        || resource
            .get(..4)
            .is_some_and(|k| k.eq_ignore_ascii_case("key/"))
    {
        // Some key IDs, perhaps this key's.
        Coverage::Maybe
    } else {
        Coverage::No
    };
    place.and(key)
}

/// IAM wildcard matching: `*` any run, `?` one character, ASCII case-insensitive.
pub(crate) fn glob_match(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi].eq_ignore_ascii_case(&t[ti])) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&b| b == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_matching_is_iams() {
        assert!(glob_match("kms:*", "kms:PutKeyPolicy"));
        assert!(glob_match("KMS:PUTKEYPOLICY", "kms:PutKeyPolicy"));
        assert!(glob_match("kms:PutKey?olicy", "kms:PutKeyPolicy"));
        assert!(glob_match("kms:Put*", "kms:PutKeyPolicy"));
        assert!(glob_match("*", "kms:PutKeyPolicy"));
        assert!(glob_match("kms:*Key*", "kms:PutKeyPolicy"));
        assert!(!glob_match("kms:Get*", "kms:PutKeyPolicy"));
        assert!(!glob_match("kms:PutKeyPolicyX", "kms:PutKeyPolicy"));
        assert!(!glob_match("kms:PutKey", "kms:PutKeyPolicy"));
    }
}
