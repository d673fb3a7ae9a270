//! A CloudFormation template seen through its sections: resources and parameters (indexed by
//! logical ID), conditions and mappings; outputs are read from the tree where needed.

use std::collections::HashMap;

use crate::source::tree::{Visit, Walk};
use crate::source::{Node, Span};

pub(crate) struct Template<'t> {
    pub root: &'t Node<'t>,
    pub resources: Vec<Resource<'t>>,
    pub parameters: Vec<Parameter<'t>>,
    /// Condition names with their key span and definition.
    pub conditions: Vec<(&'t str, Span, &'t Node<'t>)>,
    pub mappings: Option<&'t Node<'t>>,
    /// A `Transform` (SAM, a macro) can add resources and parameters this template does not
    /// show, so rules about names that point at nothing stay quiet when there is one.
    pub has_transform: bool,
    resource_index: HashMap<&'t str, usize>,
    /// Resources by type, in file order: rules ask "the log groups", per key policy.
    type_index: HashMap<&'t str, Vec<usize>>,
    parameter_index: HashMap<&'t str, usize>,
    /// The first definition of each condition name.
    condition_index: HashMap<&'t str, usize>,
}

pub(crate) struct Resource<'t> {
    pub name: &'t str,
    pub name_span: Span,
    pub node: &'t Node<'t>,
    pub type_name: Option<&'t str>,
    pub properties: Option<&'t Node<'t>>,
    /// The resource's `Condition`, when it is only created under one.
    pub condition: Option<&'t str>,
}

pub(crate) struct Parameter<'t> {
    pub name: &'t str,
    pub type_name: Option<&'t str>,
    pub default: Option<&'t Node<'t>>,
    pub allowed_values: Option<&'t [Node<'t>]>,
}

impl<'t> Template<'t> {
    /// The root is a template when it has `Resources` or `AWSTemplateFormatVersion`
    /// (docs/commands.md).
    pub(crate) fn is_template(root: &Node<'_>) -> bool {
        root.get("Resources").is_some() || root.get("AWSTemplateFormatVersion").is_some()
    }

    pub(crate) fn new(root: &'t Node<'t>) -> Template<'t> {
        let resources: Vec<Resource<'t>> = root
            .get("Resources")
            .and_then(Node::as_map)
            .unwrap_or_default()
            .iter()
            .map(|entry| Resource {
                name: entry.key.as_ref(),
                name_span: entry.key_span,
                node: &entry.value,
                type_name: entry.value.get("Type").and_then(Node::as_str),
                properties: entry.value.get("Properties"),
                condition: entry.value.get("Condition").and_then(Node::as_str),
            })
            .collect();
        let parameters: Vec<Parameter<'t>> = root
            .get("Parameters")
            .and_then(Node::as_map)
            .unwrap_or_default()
            .iter()
            .map(|entry| Parameter {
                name: entry.key.as_ref(),
                type_name: entry.value.get("Type").and_then(Node::as_str),
                default: entry.value.get("Default"),
                allowed_values: entry.value.get("AllowedValues").and_then(Node::as_seq),
            })
            .collect();
        let conditions: Vec<(&'t str, Span, &'t Node<'t>)> = root
            .get("Conditions")
            .and_then(Node::as_map)
            .unwrap_or_default()
            .iter()
            .map(|entry| (entry.key.as_ref(), entry.key_span, &entry.value))
            .collect();
        let has_transform = root.get("Transform").is_some() || contains_fn_transform(root, 0);
        let mut condition_index = HashMap::new();
        for (i, &(name, _, _)) in conditions.iter().enumerate() {
            condition_index.entry(name).or_insert(i);
        }
        let mut type_index: HashMap<&'t str, Vec<usize>> = HashMap::new();
        for (i, r) in resources.iter().enumerate() {
            if let Some(t) = r.type_name {
                type_index.entry(t).or_default().push(i);
            }
        }
        Template {
            root,
            condition_index,
            type_index,
            resource_index: resources
                .iter()
                .enumerate()
                .map(|(i, r)| (r.name, i))
                .collect(),
            parameter_index: parameters
                .iter()
                .enumerate()
                .map(|(i, p)| (p.name, i))
                .collect(),
            resources,
            parameters,
            conditions,
            mappings: root.get("Mappings"),
            has_transform,
        }
    }

    pub(crate) fn resource(&self, name: &str) -> Option<&Resource<'t>> {
        self.resource_index.get(name).map(|&i| &self.resources[i])
    }

    pub(crate) fn parameter(&self, name: &str) -> Option<&Parameter<'t>> {
        self.parameter_index.get(name).map(|&i| &self.parameters[i])
    }

    pub(crate) fn condition(&self, name: &str) -> Option<&'t Node<'t>> {
        self.condition_index
            .get(name)
            .map(|&i| self.conditions[i].2)
    }

    pub(crate) fn resources_of_type<'s>(
        &'s self,
        type_name: &'s str,
    ) -> impl Iterator<Item = &'s Resource<'t>> + 's {
        self.type_index
            .get(type_name)
            .into_iter()
            .flatten()
            .map(|&i| &self.resources[i])
    }
}

impl<'t> Resource<'t> {
    pub(crate) fn property(&self, name: &str) -> Option<&'t Node<'t>> {
        self.properties?.get(name)
    }

    pub(crate) fn property_entry(&self, name: &str) -> Option<&'t crate::source::Entry<'t>> {
        self.properties?.entry(name)
    }

    /// A resource attribute such as `DeletionPolicy`.
    pub(crate) fn attribute(&self, name: &str) -> Option<&'t Node<'t>> {
        self.node.get(name)
    }

    /// The entries of `DependsOn`, written as one name or a list of names.
    pub(crate) fn depends_on(&self) -> Vec<&'t Node<'t>> {
        match self.attribute("DependsOn") {
            None => Vec::new(),
            Some(node) => node
                .as_seq()
                .map_or_else(|| vec![node], |s| s.iter().collect()),
        }
    }
}

/// `Fn::Transform` anywhere (an `AWS::Include` or macro) can rewrite the template. Only the
/// top levels are searched; transforms sit in resources or properties.
pub(crate) fn contains_fn_transform(node: &Node<'_>, depth: usize) -> bool {
    !node.walk(&mut |visit, below| match visit {
        Visit::Node(_) if depth + below > 4 => Walk::Over,
        Visit::Entry(e) if e.key == "Fn::Transform" => Walk::Stop,
        _ => Walk::Into,
    })
}
