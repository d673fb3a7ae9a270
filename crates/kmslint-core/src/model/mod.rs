//! Views over the located tree: the template's sections, values seen through intrinsic
//! functions, condition scenarios, and key policies.
//!
//! Built in stages because later views borrow earlier ones: the tree, then key policies
//! written as JSON strings ([`embedded_policies`]), then the [`Template`], the resolution
//! [`value::Env`], [`Conditions`], and finally the [`policy_sources`].

pub(crate) mod access;
pub(crate) mod arn;
pub(crate) mod change;
pub(crate) mod conditions;
pub(crate) mod consumers;
pub(crate) mod iam;
pub(crate) mod kind;
pub(crate) mod links;
pub(crate) mod policy;
pub(crate) mod principal;
pub(crate) mod sam;
pub(crate) mod template;
pub(crate) mod value;

pub(crate) use conditions::Conditions;
pub(crate) use policy::{KeyPolicy, PolicyForm, PolicySource};
pub(crate) use template::{Resource, Template};

use crate::facts::resources::{KEY, REPLICA_KEY};
use crate::source::scalar_map::ScalarMap;
use crate::source::tree::{Visit, Walk};
use crate::source::{Entry, LoadProblem, Loaded, Node, Value, json};

/// What a file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocumentKind {
    Template,
    KeyPolicy,
    /// A policy document with statements of a key policy and statements of another kind
    /// (docs/commands.md): not read as a key policy, only to say so (KMS008).
    MixedPolicy,
}

/// What a file's top level makes it, and for a policy document that is not a key policy, why.
pub(crate) enum Reading {
    Kind(DocumentKind),
    /// A mixed policy document: why it is not read as a key policy.
    Mixed(kind::MixedPolicy),
    /// Not a file kmslint lints, and why (said with `--verbose`).
    Skipped(String),
    /// No top-level `Resources`, `AWSTemplateFormatVersion` or `Statement`.
    Neither,
}

impl DocumentKind {
    /// A template has `Resources` or `AWSTemplateFormatVersion`; a key policy file has
    /// `Statement` (or is a file of named policies) and statements that act on KMS (docs/commands.md).
    pub(crate) fn of(root: &Node<'_>) -> Option<DocumentKind> {
        match Reading::of(root) {
            Reading::Kind(kind) => Some(kind),
            Reading::Mixed(_) => Some(DocumentKind::MixedPolicy),
            Reading::Skipped(_) | Reading::Neither => None,
        }
    }
}

impl Reading {
    pub(crate) fn of(root: &Node<'_>) -> Reading {
        if Template::is_template(root) {
            return Reading::Kind(DocumentKind::Template);
        }
        let documents = policy_documents(root);
        if documents.is_empty() {
            return Reading::Neither;
        }
        match kind::read_policy(&documents) {
            kind::PolicyReading::KeyPolicy => Reading::Kind(DocumentKind::KeyPolicy),
            kind::PolicyReading::Other(why) => Reading::Skipped(why),
            kind::PolicyReading::Mixed(mixed) => Reading::Mixed(mixed),
        }
    }
}

/// The policy documents of a file: itself when it has a top-level `Statement`, else its named
/// policies (none when it is neither).
fn policy_documents<'t>(root: &'t Node<'t>) -> Vec<&'t Node<'t>> {
    if root.get("Statement").is_some() {
        vec![root]
    } else {
        named_policies(root)
    }
}

/// A key policy written as a string of JSON in a template, parsed.
pub(crate) struct EmbeddedPolicy<'t> {
    pub resource: &'t str,
    /// The `KeyPolicy` value: the string itself, or the `Fn::Sub` around it.
    pub host: &'t Node<'t>,
    /// The string scalar that holds the JSON.
    pub text_node: &'t Node<'t>,
    pub form: PolicyForm,
    pub sub_vars: Option<&'t [Entry<'t>]>,
    /// The parsed JSON, its spans and problems mapped onto the file.
    pub loaded: Loaded<'t>,
}

/// Parses every `KeyPolicy` of a Key or ReplicaKey that is written as a JSON string.
pub(crate) fn embedded_policies<'t>(file: &str, root: &'t Node<'t>) -> Vec<EmbeddedPolicy<'t>> {
    let mut out = Vec::new();
    let Some(resources) = root.get("Resources").and_then(Node::as_map) else {
        return out;
    };
    for resource in resources {
        let Some(KEY | REPLICA_KEY) = resource.value.get("Type").and_then(Node::as_str) else {
            continue;
        };
        let Some(host) = resource
            .value
            .get("Properties")
            .and_then(|p| p.get("KeyPolicy"))
        else {
            continue;
        };
        let (text_node, form, sub_vars) = match (&host.value, host.intrinsic()) {
            (Value::Scalar(_), _) => (host, PolicyForm::JsonString, None),
            (_, Some(("Fn::Sub", _, arg))) => match &arg.value {
                Value::Scalar(_) => (arg, PolicyForm::SubString, None),
                Value::Seq(items) if items.len() == 2 && items[0].scalar().is_some() => {
                    (&items[0], PolicyForm::SubString, items[1].as_map())
                }
                _ => continue,
            },
            _ => continue,
        };
        let Some(text) = text_node.as_str() else {
            continue;
        };
        let mut loaded = json::load_strict(text);
        if let Some(map) = ScalarMap::new(file, text_node) {
            if let Some(root) = &mut loaded.root {
                map.remap(root);
            }
            loaded
                .problems
                .iter_mut()
                .for_each(|p| map.remap_problem(p));
        }
        out.push(EmbeddedPolicy {
            resource: &resource.key,
            host,
            text_node,
            form,
            sub_vars,
            loaded,
        });
    }
    out
}

/// Every key policy in the document: the file itself when it is a key policy, or the
/// `KeyPolicy` of every Key and ReplicaKey.
pub(crate) fn policy_sources<'t>(
    root: &'t Node<'t>,
    kind: DocumentKind,
    template: Option<&Template<'t>>,
    embedded: &'t [EmbeddedPolicy<'t>],
) -> Vec<PolicySource<'t>> {
    let with_scenarios = |mut source: PolicySource<'t>| {
        source.conditions = PolicyConditions::of(source.root);
        source
    };
    if kind == DocumentKind::KeyPolicy {
        return policy_documents(root)
            .into_iter()
            .map(|document| {
                with_scenarios(PolicySource {
                    root: document,
                    form: PolicyForm::File,
                    resource: None,
                    text_node: None,
                    sub_vars: None,
                    conditions: PolicyConditions::default(),
                })
            })
            .collect();
    }
    let Some(template) = template else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for resource in &template.resources {
        let Some(resource_type @ (KEY | REPLICA_KEY)) = resource.type_name else {
            continue;
        };
        let Some(host) = resource.property("KeyPolicy") else {
            continue;
        };
        let source = match embedded.iter().find(|e| std::ptr::eq(e.host, host)) {
            Some(e) => match &e.loaded.root {
                Some(root) if root.as_map().is_some() => PolicySource {
                    root,
                    form: e.form,
                    resource: Some((resource.name, resource_type)),
                    text_node: Some(e.text_node),
                    sub_vars: e.sub_vars,
                    conditions: PolicyConditions::default(),
                },
                _ => continue,
            },
            None if host.scalar().is_none() => PolicySource {
                root: host,
                form: PolicyForm::Object,
                resource: Some((resource.name, resource_type)),
                text_node: None,
                sub_vars: None,
                conditions: PolicyConditions::default(),
            },
            None => continue,
        };
        out.push(with_scenarios(source));
    }
    out
}

/// A file of named key policies, `{"name": {"Version": …, "Statement": …}, …}`, as tools
/// that create keys keep them: its policies, or none if any value is not one.
fn named_policies<'t>(root: &'t Node<'t>) -> Vec<&'t Node<'t>> {
    let Some(entries) = root.as_map() else {
        return Vec::new();
    };
    let policies: Vec<&'t Node<'t>> = entries
        .iter()
        .map(|e| &e.value)
        .filter(|v| v.get("Statement").is_some())
        .collect();
    if policies.len() == entries.len() {
        policies
    } else {
        Vec::new()
    }
}

/// Names of the conditions `Fn::If`s inside `node` use, in order of appearance.
/// The `Fn::If` conditions a key policy uses: outside its statements, and in each item of
/// its `Statement` list. Questions about some statements enumerate only their conditions.
#[derive(Debug, Default)]
pub(crate) struct PolicyConditions<'t> {
    /// Outside the items of the `Statement` list (all of them when it is not a list).
    pub document: Vec<&'t str>,
    /// By index in the `Statement` list.
    pub statements: Vec<Vec<&'t str>>,
}

impl<'t> PolicyConditions<'t> {
    fn of(root: &'t Node<'t>) -> PolicyConditions<'t> {
        let mut out = PolicyConditions::default();
        let Some(entries) = root.as_map() else {
            collect_if_conditions(root, &mut out.document, 0);
            return out;
        };
        for entry in entries {
            match entry.value.as_seq() {
                Some(items) if entry.key == "Statement" => {
                    out.statements = items
                        .iter()
                        .map(|item| {
                            let mut names = Vec::new();
                            collect_if_conditions(item, &mut names, 1);
                            names
                        })
                        .collect();
                }
                _ => collect_if_conditions(&entry.value, &mut out.document, 1),
            }
        }
        out
    }

    /// The conditions a question about `statements` (indexes) depends on, in first-use
    /// order, without repeats.
    pub(crate) fn for_statements(&self, statements: &[usize]) -> Vec<&'t str> {
        let mut names = self.document.clone();
        for &i in statements {
            for &name in self.statements.get(i).into_iter().flatten() {
                if !names.contains(&name) {
                    names.push(name);
                }
            }
        }
        names
    }
}

fn collect_if_conditions<'t>(node: &'t Node<'t>, names: &mut Vec<&'t str>, depth: usize) {
    node.walk(&mut |visit, below| match visit {
        Visit::Node(_) if depth + below > 64 => Walk::Over,
        Visit::Entry(entry) => {
            if entry.key == "Fn::If"
                && let Some(name) = entry
                    .value
                    .as_seq()
                    .and_then(|s| s.first())
                    .and_then(Node::as_str)
                && !names.contains(&name)
            {
                names.push(name);
            }
            Walk::Into
        }
        Visit::Node(_) => Walk::Into,
    });
}

/// Load problems of embedded policies, with the resource they belong to.
pub(crate) fn embedded_problems<'a, 't>(
    embedded: &'a [EmbeddedPolicy<'t>],
) -> impl Iterator<Item = (&'a EmbeddedPolicy<'t>, &'a LoadProblem)> {
    embedded
        .iter()
        .flat_map(|e| e.loaded.problems.iter().map(move |p| (e, p)))
}
