//! KMS003 invalid-reference: `Ref`, `Fn::GetAtt`, `Fn::Sub` variables, `DependsOn` and
//! condition names that point at nothing, and `Fn::GetAtt` attributes a KMS resource does
//! not have, where kmslint reads them: KMS resources, the key properties of the resources
//! that use keys, the IAM statements that grant `kms:` actions, and the conditions these
//! use. References elsewhere are cfn-lint's to check: templates that a build step merges
//! from fragments refer to names of other fragments everywhere.
//!
//! A template with a `Transform`, `Fn::Transform` or rain's `Rain::` constructs is skipped:
//! SAM, macros and preprocessors add resources and parameters that only exist after they
//! run.

use std::collections::HashSet;

use crate::diagnostic::Severity;
use crate::facts::pseudo::{PSEUDO_PARAMETERS, Pseudo};
use crate::facts::resources;
use crate::model::Template;
use crate::model::conditions::{ConditionLimit, MAX_CONDITION_DEPTH, MAX_FORMULA_SIZE};
use crate::model::consumers::values_at;
use crate::model::value::sub_variables;
use crate::source::scalar_map::ScalarMap;
use crate::source::tree::{Visit, Walk};
use crate::source::{Node, Span, Value};

use super::common::{did_you_mean, short};
use super::{Context, FixAvailability, Reporter, Rule, RuleInfo, RuleKind, consumer_paths};

/// What `kmslint rules` lists of the rule: its summary and documentation are in
/// `rules/KMS003.md`, whose front matter must agree with this.
pub(crate) const RULE: RuleInfo = RuleInfo {
    code: "KMS003",
    name: "invalid-reference",
    severity: Severity::Error,
    also: &[],
    fix: FixAvailability::Never,
    default: true,
    kind: RuleKind::File,
};

pub(crate) struct InvalidReference;

impl Rule for InvalidReference {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Reporter) {
        let Some(template) = cx.template else {
            return;
        };
        // Conditions kmslint does not read: a transform does not make them smaller.
        for problem in cx.conditions.problems() {
            let (what, help) = match problem.limit {
                ConditionLimit::TooDeep => (
                    format!("is built on a chain of more than {MAX_CONDITION_DEPTH} conditions"),
                    "kmslint reads it as unknown; write it with fewer levels of `Condition`",
                ),
                ConditionLimit::TooLarge => (
                    format!(
                        "has more than {MAX_FORMULA_SIZE} tests when its conditions are written out"
                    ),
                    "kmslint reads it as unknown; write it with fewer nested `Condition` references",
                ),
            };
            let name = short(problem.name);
            out.report(problem.span, format!("condition `{name}` {what}"))
                .with_help(help);
        }
        if template.has_transform || preprocessed(template.root) {
            return;
        }
        // A module (`Org::Service::Name::MODULE`) brings resources named after it: `Module.Res`
        // or `ModuleRes` (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/module-ref-resources.html).
        let modules: Vec<&str> = template
            .resources
            .iter()
            .filter(|r| r.type_name.is_some_and(|t| t.ends_with("::MODULE")))
            .map(|r| r.name)
            .collect();
        let mut walker = Walker {
            text: cx.text,
            template,
            modules,
            conditions: Vec::new(),
            kms_attributes_only: false,
            reported: HashSet::new(),
            out,
        };
        let consumers: Vec<(&str, &str)> = consumer_paths().collect();
        for resource in &template.resources {
            let Some(type_name) = resource.type_name else {
                continue;
            };
            if type_name.starts_with("AWS::KMS::") {
                walker.resource_attributes(resource);
                for attribute in ["Properties", "CreationPolicy", "UpdatePolicy"] {
                    if let Some(node) = resource.node.get(attribute) {
                        walker.visit(node, 0);
                    }
                }
                continue;
            }
            let Some(properties) = resource.properties else {
                continue;
            };
            let mut read: Vec<&Node<'_>> = Vec::new();
            for &(consumer, path) in &consumers {
                if consumer == type_name {
                    read.extend(values_at(properties, path));
                }
            }
            read.extend(kms_statements(type_name, properties));
            if read.is_empty() {
                continue;
            }
            if let Some(condition) = resource.node.get("Condition") {
                walker.condition_name(condition);
            }
            for node in read {
                walker.visit(node, 0);
            }
        }
        // The conditions what was read uses, and those they are built on.
        let mut done: HashSet<String> = HashSet::new();
        while let Some(name) = walker.conditions.pop() {
            if let Some(definition) = template.condition(&name)
                && done.insert(name)
            {
                walker.visit(definition, 0);
            }
        }
        // Everywhere else, attributes of the KMS resources.
        walker.kms_attributes_only = true;
        for resource in &template.resources {
            if resource
                .type_name
                .is_some_and(|t| t.starts_with("AWS::KMS::"))
            {
                continue;
            }
            for attribute in ["Properties", "CreationPolicy", "UpdatePolicy"] {
                if let Some(node) = resource.node.get(attribute) {
                    walker.visit(node, 0);
                }
            }
        }
        if let Some(outputs) = template.root.get("Outputs").and_then(Node::as_map) {
            for output in outputs {
                walker.visit(&output.value, 0);
            }
        }
    }
}

/// Whether the template uses constructs a preprocessor replaces before CloudFormation sees
/// it: rain's `Rain::Embed`, `Rain::Module`… and `Rain` section, or `Fn::Transform` deeper
/// than [`Template::has_transform`] looks.
fn preprocessed(root: &Node<'_>) -> bool {
    !root.walk(&mut |visit, depth| match visit {
        Visit::Node(_) if depth > 100 => Walk::Over,
        Visit::Entry(e)
            if e.key.starts_with("Rain::")
                || e.key == "Fn::Transform"
                || (depth == 0 && e.key == "Rain") =>
        {
            Walk::Stop
        }
        _ => Walk::Into,
    })
}

/// The statements of an IAM resource's policies that can grant `kms:` actions (the IAM
/// grants the rules read), and the roles and users a policy is attached to.
fn kms_statements<'t>(type_name: &str, properties: &'t Node<'t>) -> Vec<&'t Node<'t>> {
    let documents: Vec<&'t Node<'t>> = match type_name {
        "AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy" => {
            properties.get("PolicyDocument").into_iter().collect()
        }
        "AWS::IAM::Role" | "AWS::IAM::User" | "AWS::IAM::Group" => properties
            .get("Policies")
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(|p| p.get("PolicyDocument"))
            .collect(),
        _ => return Vec::new(),
    };
    let mut out = Vec::new();
    for document in documents {
        let Some(statements) = document.get("Statement") else {
            continue;
        };
        for statement in statements.one_or_many() {
            let kms = statement
                .get("Action")
                .map(Node::one_or_many)
                .unwrap_or_default()
                .iter()
                .filter_map(Node::as_str)
                .any(|a| a == "*" || a.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("kms:")));
            if kms {
                out.push(statement);
            }
        }
    }
    if !out.is_empty() && type_name.ends_with("Policy") {
        out.extend(
            ["Roles", "Users", "Groups"]
                .iter()
                .filter_map(|p| properties.get(p)),
        );
    }
    out
}

enum Attribute<'t> {
    Known,
    NoResource,
    /// The resource's type has attributes, and this is not one of them.
    Unknown {
        type_name: &'t str,
        valid: &'static [&'static str],
    },
}

struct Walker<'a, 'r, 't> {
    text: &'a str,
    template: &'a Template<'t>,
    /// The logical IDs of the template's modules.
    modules: Vec<&'t str>,
    /// Conditions named by what was read, to read in turn.
    conditions: Vec<String>,
    /// Outside what kmslint reads: only attributes a KMS resource does not have are
    /// reported (`!GetAtt Key.KeyArn` anywhere is about a key).
    kms_attributes_only: bool,
    /// Where attributes were reported, so that a place read twice is reported once.
    reported: HashSet<Span>,
    out: &'r mut Reporter,
}

impl<'t> Walker<'_, '_, 't> {
    /// A KMS resource's `Condition` and `DependsOn`.
    fn resource_attributes(&mut self, resource: &crate::model::template::Resource<'t>) {
        if let Some(condition) = resource.node.get("Condition") {
            self.condition_name(condition);
        }
        for name in resource.depends_on() {
            self.resource_name(name, "DependsOn");
        }
    }

    /// Whether `name` is a resource of one of the template's modules: `Module.Res` or
    /// `ModuleRes`.
    fn in_module(&self, name: &str) -> bool {
        self.modules.iter().any(|module| {
            name.strip_prefix(module)
                .is_some_and(|rest| !rest.is_empty() && rest != ".")
        })
    }

    /// The references below `node`; an intrinsic function's argument is read as the function
    /// says (`Fn::If`'s condition name, `Fn::Sub`'s string and variables).
    fn visit(&mut self, node: &Node<'_>, depth: usize) {
        node.walk(&mut |visit, below| match visit {
            Visit::Node(_) if depth + below > 100 => Walk::Over,
            Visit::Node(n) => match n.intrinsic() {
                Some((name, _, arg)) => {
                    self.intrinsic(name, arg, depth + below);
                    Walk::Over
                }
                None => Walk::Into,
            },
            Visit::Entry(_) => Walk::Into,
        });
    }

    fn intrinsic(&mut self, name: &str, arg: &Node<'_>, depth: usize) {
        match name {
            "Ref" => {
                if let Some(target) = arg.as_str() {
                    self.reference(target, arg.span, "Ref");
                }
            }
            "Fn::GetAtt" => self.get_att(arg),
            "Fn::Sub" => {
                let (string, vars) = match &arg.value {
                    Value::Scalar(_) => (arg, None),
                    Value::Seq(items) if items.len() == 2 => (&items[0], Some(&items[1])),
                    _ => return self.visit(arg, depth + 1),
                };
                self.sub(string, vars);
                if let Some(vars) = vars {
                    self.visit(vars, depth + 1);
                }
            }
            "Fn::If" => {
                if let Some(items) = arg.as_seq() {
                    if let Some(first) = items.first() {
                        self.condition_name(first);
                    }
                    items.iter().skip(1).for_each(|i| self.visit(i, depth + 1));
                }
            }
            "Condition" => self.condition_name(arg),
            _ => self.visit(arg, depth + 1),
        }
    }

    /// Whether `Ref` (or a `${name}` without a dot) names a pseudo parameter, a parameter or
    /// a resource.
    fn known_reference(&self, target: &str) -> bool {
        Pseudo::from_name(target).is_some()
            || self.template.parameter(target).is_some()
            || self.template.resource(target).is_some()
            || self.in_module(target)
    }

    fn reference(&mut self, target: &str, span: Span, function: &str) {
        if self.kms_attributes_only || self.known_reference(target) {
            return;
        }
        let message = if target.starts_with("AWS::") {
            format!("`{target}` is not a pseudo parameter")
        } else {
            format!("{function} `{target}` is not a parameter or resource of this template")
        };
        let candidates = self
            .template
            .parameters
            .iter()
            .map(|p| p.name)
            .chain(self.template.resources.iter().map(|r| r.name))
            .chain(PSEUDO_PARAMETERS.iter().map(|&(name, _)| name));
        let help = did_you_mean(target, candidates).map(|c| format!("did you mean `{c}`?"));
        let diagnostic = self.out.report(span, message);
        if let Some(help) = help {
            diagnostic.with_help(help);
        }
    }

    fn get_att(&mut self, arg: &Node<'_>) {
        let (resource_node, attribute) = match &arg.value {
            Value::Seq(items) if items.len() == 2 => (&items[0], Some(&items[1])),
            Value::Scalar(s) if s.text.contains('.') => (arg, None),
            _ => return,
        };
        let Some(resource_name) = resource_node.as_str() else {
            return;
        };
        let (resource_name, attribute_text, attribute_span) = match attribute {
            Some(node) => match node.as_str() {
                Some(a) => (resource_name, a, node.span),
                // An attribute chosen by `Ref` or another function.
                None => (resource_name, "", node.span),
            },
            None => match resource_name.split_once('.') {
                Some((r, a)) => (r, a, arg.span),
                None => return,
            },
        };
        self.attribute(
            resource_name,
            resource_node.span,
            attribute_text,
            attribute_span,
        );
    }

    /// `Res.Attr` in `Fn::GetAtt` or `${Res.Attr}` in `Fn::Sub`.
    /// What `Res.Attr` refers to.
    fn check_attribute(&self, resource_name: &str, attribute: &str) -> Attribute<'t> {
        let Some(resource) = self.template.resource(resource_name) else {
            if self.in_module(resource_name) {
                return Attribute::Known;
            }
            return Attribute::NoResource;
        };
        let Some(type_name) = resource.type_name else {
            return Attribute::Known;
        };
        match resources::attributes(type_name) {
            Some(valid) if !attribute.is_empty() && !valid.contains(&attribute) => {
                Attribute::Unknown { type_name, valid }
            }
            _ => Attribute::Known,
        }
    }

    fn attribute(
        &mut self,
        resource_name: &str,
        resource_span: Span,
        attribute: &str,
        attribute_span: Span,
    ) {
        let (type_name, valid) = match self.check_attribute(resource_name, attribute) {
            Attribute::Known => return,
            Attribute::Unknown { type_name, valid } => (type_name, valid),
            Attribute::NoResource if self.kms_attributes_only => return,
            Attribute::NoResource => {
                let message = if self.template.parameter(resource_name).is_some() {
                    format!(
                        "`{resource_name}` is a parameter; Fn::GetAtt reads attributes of resources"
                    )
                } else {
                    format!("Fn::GetAtt `{resource_name}` is not a resource of this template")
                };
                let candidates = self.template.resources.iter().map(|r| r.name);
                let help =
                    did_you_mean(resource_name, candidates).map(|c| format!("did you mean `{c}`?"));
                let diagnostic = self.out.report(resource_span, message);
                if let Some(help) = help {
                    diagnostic.with_help(help);
                }
                return;
            }
        };
        let message = if valid.is_empty() {
            format!("`{type_name}` has no attributes for Fn::GetAtt; use `Ref` for the alias name")
        } else {
            format!(
                "`{type_name}` has no attribute `{attribute}`; it has {}",
                valid
                    .iter()
                    .map(|a| format!("`{a}`"))
                    .collect::<Vec<_>>()
                    .join(" and ")
            )
        };
        if !self.reported.insert(attribute_span) {
            return;
        }
        let help =
            did_you_mean(attribute, valid.iter().copied()).map(|c| format!("did you mean `{c}`?"));
        let diagnostic = self.out.report(attribute_span, message);
        if let Some(help) = help {
            diagnostic.with_help(help);
        }
    }

    fn sub(&mut self, string: &Node<'_>, vars: Option<&Node<'_>>) {
        let Some(text) = string.as_str() else {
            return;
        };
        let variables = sub_variables(text);
        if variables.is_empty() {
            return;
        }
        // Mapping the string's characters to the file is only needed to report; most
        // variables are fine.
        let mut map = None;
        // The variable map's names, looked up once each: a Sub can have very many.
        let bound: std::collections::HashSet<&str> = vars
            .and_then(Node::as_map)
            .unwrap_or_default()
            .iter()
            .map(|e| e.key.as_ref())
            .collect();
        for (offset, name) in variables {
            if bound.contains(name) || self.valid_sub_variable(name) {
                continue;
            }
            let map = map.get_or_insert_with(|| ScalarMap::new(self.text, string));
            let span = map
                .as_ref()
                .map_or(string.span, |m| m.span(offset, offset + name.len()));
            match name.split_once('.') {
                Some((resource, attribute)) if !name.starts_with("AWS::") => {
                    let resource_span = map
                        .as_ref()
                        .map_or(string.span, |m| m.span(offset, offset + resource.len()));
                    self.attribute(resource, resource_span, attribute, span);
                }
                _ => self.reference(name, span, "Fn::Sub variable"),
            }
        }
    }

    /// Whether `${name}` certainly refers to something, without building a message.
    fn valid_sub_variable(&self, name: &str) -> bool {
        match name.split_once('.') {
            Some((resource, attribute)) if !name.starts_with("AWS::") => {
                matches!(self.check_attribute(resource, attribute), Attribute::Known)
            }
            _ => self.known_reference(name),
        }
    }

    fn condition_name(&mut self, node: &Node<'_>) {
        let Some(name) = node.as_str() else {
            return;
        };
        if self.kms_attributes_only {
            return;
        }
        if self.template.condition(name).is_some() {
            self.conditions.push(name.to_owned());
            return;
        }
        let candidates = self.template.conditions.iter().map(|&(n, _, _)| n);
        let help = did_you_mean(name, candidates).map(|c| format!("did you mean `{c}`?"));
        let diagnostic = self.out.report(
            node.span,
            format!("condition `{name}` is not defined in `Conditions`"),
        );
        if let Some(help) = help {
            diagnostic.with_help(help);
        }
    }

    fn resource_name(&mut self, node: &Node<'_>, attribute: &str) {
        let Some(name) = node.as_str() else {
            return;
        };
        if self.template.resource(name).is_some() || self.in_module(name) {
            return;
        }
        let candidates = self.template.resources.iter().map(|r| r.name);
        let help = did_you_mean(name, candidates).map(|c| format!("did you mean `{c}`?"));
        let diagnostic = self.out.report(
            node.span,
            format!("{attribute} `{name}` is not a resource of this template"),
        );
        if let Some(help) = help {
            diagnostic.with_help(help);
        }
    }
}
