//! Resolution: every value a node can take through `Ref`, `Fn::GetAtt`, `Fn::Join`,
//! `Fn::Select`, `Fn::If` and `Fn::FindInMap` (`Fn::Sub` is in `sub.rs`), given what is known
//! about the deployment.

use std::cell::RefCell;
use std::collections::HashMap;

use crate::facts::pseudo::Pseudo;
use crate::source::{Node, Span, Value};

use super::super::conditions::{Constraints, VariableConstraint};
use super::super::links::StackLinks;
use super::super::template::Parameter;
use super::{
    Alt, Env, Hole, MAX_ALTERNATIVES, MAX_TEXT_WEIGHT, ParamUse, Part, Scenario, Text, Val,
};

/// Intrinsic functions nested deeper than this are not resolved: their value is unknown, and
/// the place is noted (see [`watch_cuts`]) so that what did not read it says so.
pub(crate) const MAX_DEPTH: usize = 32;

thread_local! {
    /// The first place resolution on this thread was cut at [`MAX_DEPTH`] since the innermost
    /// [`watch_cuts`] began. Per thread: a rule runs on one thread, and rules run in parallel.
    static CUT: RefCell<Vec<Cut>> = const { RefCell::new(Vec::new()) };
}

/// A place resolution was cut at [`MAX_DEPTH`], in the file of one [`Env`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct Cut {
    pub span: Span,
    /// The address of the file's [`Env`] (see [`Cut::in_file`]).
    env: usize,
}

impl Cut {
    /// Whether the cut was in the file `env` is about (a change compares two files).
    pub(crate) fn in_file(&self, env: &Env<'_>) -> bool {
        self.env == std::ptr::from_ref(env).addr()
    }
}

/// Keeps the first cut in each file (a change resolves two).
fn note_cut(at: Cut) {
    CUT.with(|cuts| {
        let mut cuts = cuts.borrow_mut();
        if !cuts.iter().any(|c| c.env == at.env) {
            cuts.push(at);
        }
    });
}

/// Runs `f`, and says where, if anywhere, a resolution it made was cut at [`MAX_DEPTH`]: a
/// value nested that deep is unknown, and a rule that stays silent about it has not checked
/// it.
pub(crate) fn watch_cuts<R>(f: impl FnOnce() -> R) -> (R, Vec<Cut>) {
    let outer = CUT.with(|cuts| cuts.take());
    let result = f();
    let inner = CUT.with(|cuts| cuts.replace(outer));
    inner.iter().copied().for_each(note_cut);
    (result, inner)
}

pub(crate) struct Resolver<'e, 't> {
    env: &'e Env<'t>,
    scenario: &'e Scenario<'t>,
    /// Read parameters' Default and AllowedValues. Off when evaluating conditions: the
    /// deployer chooses parameter values, so a condition on one can go either way.
    use_parameter_values: bool,
    /// What the scenario's conditions say of parameters' values (see
    /// [`Conditions::constraints`](crate::model::conditions::Conditions::constraints)).
    constraints: Option<&'e Constraints>,
}

/// Where a resolution is: how deep, and what each intrinsic function node it has met
/// resolved to, by the node's address, so that a value many others use (a `Fn::Sub`
/// variable, a mapping entry) is resolved once per resolution.
#[derive(Clone, Copy)]
pub(super) struct Walk<'c, 't> {
    level: usize,
    cache: &'c RefCell<HashMap<usize, Vec<Alt<'t>>>>,
}

impl<'c, 't> Walk<'c, 't> {
    pub(super) fn start(cache: &'c RefCell<HashMap<usize, Vec<Alt<'t>>>>) -> Walk<'c, 't> {
        Walk { level: 0, cache }
    }

    pub(super) fn deeper(self) -> Walk<'c, 't> {
        Walk {
            level: self.level + 1,
            ..self
        }
    }
}

impl<'e, 't> Resolver<'e, 't> {
    /// Where the stack is deployed, as far as it is known.
    pub(crate) fn env(&self) -> &'e Env<'t> {
        self.env
    }

    pub(crate) fn new(env: &'e Env<'t>) -> Resolver<'e, 't> {
        Resolver {
            env,
            scenario: &[],
            use_parameter_values: true,
            constraints: None,
        }
    }

    pub(crate) fn with_scenario(env: &'e Env<'t>, scenario: &'e Scenario<'t>) -> Resolver<'e, 't> {
        Resolver {
            env,
            scenario,
            use_parameter_values: true,
            constraints: None,
        }
    }

    /// Reads parameters as `constraints`, what the scenario's conditions say of them, allow.
    pub(crate) fn constrained(self, constraints: &'e Constraints) -> Resolver<'e, 't> {
        Resolver {
            constraints: (!constraints.is_empty()).then_some(constraints),
            ..self
        }
    }

    pub(crate) fn for_conditions(env: &'e Env<'t>) -> Resolver<'e, 't> {
        Resolver {
            env,
            scenario: &[],
            use_parameter_values: false,
            constraints: None,
        }
    }

    /// Every value `node` can take.
    pub(crate) fn resolve(&self, node: &'t Node<'t>) -> Vec<Alt<'t>> {
        let cache = RefCell::default();
        self.resolve_depth(node, Walk::start(&cache))
    }

    pub(super) fn resolve_depth(&self, node: &'t Node<'t>, depth: Walk<'_, 't>) -> Vec<Alt<'t>> {
        if depth.level > MAX_DEPTH {
            note_cut(Cut {
                span: node.span,
                env: std::ptr::from_ref(self.env).addr(),
            });
            return vec![Alt::unknown(node)];
        }
        if !self.env.spend(1) {
            return vec![Alt::unknown(node)];
        }
        match &node.value {
            Value::Scalar(s) => {
                let text = match self.linked_ssm(&s.text) {
                    Some(key) => Text::hole(Hole::Linked(key)),
                    None => Text::lit(s.text.as_ref()),
                };
                vec![Alt::new(Val::Text(text), node)]
            }
            Value::Seq(_) => vec![Alt::new(Val::Node(node), node)],
            Value::Invalid => vec![Alt::unknown(node)],
            Value::Map(_) => match node.intrinsic() {
                Some((name, key_span, arg)) => {
                    let key = std::ptr::from_ref(node) as usize;
                    if let Some(alts) = depth.cache.borrow().get(&key) {
                        // A copy costs what its text weighs.
                        let weight: usize = alts.iter().map(Alt::weight).sum();
                        if !self.env.spend(weight / 16) {
                            return vec![Alt::unknown(node)];
                        }
                        return alts.clone();
                    }
                    let alts = self.intrinsic(node, name, key_span, arg, depth);
                    depth.cache.borrow_mut().insert(key, alts.clone());
                    alts
                }
                None => vec![Alt::new(Val::Node(node), node)],
            },
        }
    }

    /// Spends work units from the file's budget; false when it is spent.
    pub(super) fn spend(&self, units: usize) -> bool {
        self.env.spend(units)
    }

    fn intrinsic(
        &self,
        node: &'t Node<'t>,
        name: &'t str,
        key_span: Span,
        arg: &'t Node<'t>,
        depth: Walk<'_, 't>,
    ) -> Vec<Alt<'t>> {
        match name {
            "Ref" => match arg.as_str() {
                Some(target) => self.reference(node, target, key_span.cover(arg.span)),
                None => vec![Alt::unknown(node)],
            },
            "Fn::GetAtt" => match get_att_parts(arg) {
                Some((resource, attribute)) => {
                    let hole = match self.cross_region_import(resource, attribute) {
                        Some(key) => Hole::Linked(key),
                        None => Hole::GetAtt(resource, attribute),
                    };
                    vec![Alt::text(Text::hole(hole), node)]
                }
                None => vec![Alt::unknown(node)],
            },
            "Fn::Sub" => self.sub(node, arg, depth),
            "Fn::Join" => self.join(node, arg, depth),
            "Fn::Select" => self.select(node, arg, depth),
            "Fn::If" => self.if_(node, arg, depth),
            "Fn::FindInMap" => self.find_in_map(node, arg, depth),
            "Fn::ImportValue" => {
                let hole = match self.one_literal(arg, depth) {
                    Some(name) => self.links().and_then(|l| l.import(&name)),
                    None => None,
                }
                .map_or(Hole::Import, Hole::Linked);
                vec![Alt::text(Text::hole(hole), node)]
            }
            "Fn::GetStackOutput" => {
                let hole = self
                    .stack_output(arg, depth)
                    .map_or(Hole::Unknown, Hole::Linked);
                vec![Alt::text(Text::hole(hole), node)]
            }
            _ => vec![Alt::unknown(node)],
        }
    }

    /// `Ref` or `${Name}`: a pseudo parameter, a parameter or a resource.
    pub(super) fn reference(
        &self,
        node: &'t Node<'t>,
        target: &'t str,
        site: Span,
    ) -> Vec<Alt<'t>> {
        if let Some(text) = self.pseudo(target) {
            return match text {
                Some(text) => vec![Alt::text(text, node)],
                None => vec![Alt {
                    val: Val::NoValue,
                    ..Alt::unknown(node)
                }],
            };
        }
        let template = self.env.template;
        if let Some(param) = template.and_then(|t| t.parameter(target)) {
            return self.parameter(node, param, site);
        }
        if template.and_then(|t| t.resource(target)).is_some() {
            return vec![Alt::text(Text::hole(Hole::Ref(target)), node)];
        }
        vec![Alt::unknown(node)]
    }

    /// A pseudo parameter's value: `Some(text)`, or `Some(None)` for `AWS::NoValue`.
    fn pseudo(&self, name: &'t str) -> Option<Option<Text<'t>>> {
        let env = self.env;
        let known = |value: Option<&'t str>, hole| {
            Some(Some(value.map_or_else(|| Text::hole(hole), Text::lit)))
        };
        match Pseudo::from_name(name)? {
            Pseudo::NoValue => Some(None),
            Pseudo::Region => known(env.region, Hole::Region),
            Pseudo::AccountId => known(env.account, Hole::AccountId),
            Pseudo::Partition => known(env.partition.map(|p| p.name), Hole::Partition),
            Pseudo::UrlSuffix => known(env.partition.map(|p| p.dns_suffix), Hole::UrlSuffix),
            Pseudo::StackName if env.links.is_some() => {
                let name = env.links.map(|l| l.label().name.as_str());
                Some(Some(
                    name.map_or_else(|| Text::hole(Hole::Stack), Text::lit),
                ))
            }
            Pseudo::StackName | Pseudo::StackId | Pseudo::NotificationArns => {
                Some(Some(Text::hole(Hole::Stack)))
            }
        }
    }

    fn parameter(&self, node: &'t Node<'t>, param: &Parameter<'t>, site: Span) -> Vec<Alt<'t>> {
        let name = param.name;
        if let Some(value) = self.env.parameters.get(name) {
            return vec![Alt {
                param: Some(ParamUse {
                    name,
                    site,
                    from_command_line: true,
                }),
                ..Alt::text(Text::lit(value.clone()), node)
            }];
        }
        if let Some(key) = self.linked_parameter(param) {
            return vec![Alt::text(Text::hole(Hole::Linked(key)), node)];
        }
        let hole = || vec![Alt::text(Text::hole(Hole::Param(name)), node)];
        // SSM parameter types hold the parameter's name, not its value; AWS-specific types
        // (AWS::EC2::KeyPair::KeyName…) are fine as strings but rarely matter here.
        let plain = matches!(
            param.type_name,
            Some("String" | "Number" | "CommaDelimitedList" | "List<Number>") | None
        );
        if !self.use_parameter_values || !plain {
            return hole();
        }
        // An empty string is the usual "not provided" placeholder (`Default: ""` with a
        // condition on it), not a value anyone deploys with.
        let placeholder = |n: &&'t Node<'t>| n.as_str() == Some("");
        let values: Vec<&'t Node<'t>> = match (param.allowed_values, param.default) {
            (Some(allowed), _) if !allowed.is_empty() => {
                allowed.iter().filter(|n| !placeholder(n)).collect()
            }
            (_, Some(default)) => [default].into_iter().filter(|n| !placeholder(n)).collect(),
            _ => Vec::new(),
        };
        // The scenario's conditions can rule values out (`HasX: !Not [!Equals [!Ref X, "-"]]`
        // true: `X` is not its default `-`), or fix the value (`IsProd: !Equals [!Ref Env,
        // prod]` true: `Env` is `prod`, whatever its default).
        let constraint = self
            .constraints
            .and_then(|c| c.of(&Text::hole(Hole::Param(name)).display()));
        let values: Vec<&'t Node<'t>> = match constraint {
            Some(constraint) => {
                let permitted: Vec<&'t Node<'t>> = values
                    .into_iter()
                    .filter(|n| n.as_str().is_none_or(|v| constraint.permits(v)))
                    .collect();
                if permitted.is_empty()
                    && let VariableConstraint::OneOf(fixed) = constraint
                    && let [value] = fixed.as_slice()
                {
                    return vec![Alt {
                        param: Some(ParamUse {
                            name,
                            site,
                            from_command_line: false,
                        }),
                        ..Alt::text(Text::lit(value.clone()), node)
                    }];
                }
                permitted
            }
            None => values,
        };
        if values.is_empty() {
            return hole();
        }
        values
            .into_iter()
            .map(|value| {
                let val = match value.as_str() {
                    Some(s) => Val::Text(Text::lit(s)),
                    None => Val::Unknown,
                };
                Alt {
                    param: Some(ParamUse {
                        name,
                        site,
                        from_command_line: false,
                    }),
                    ..Alt::new(val, value)
                }
            })
            .collect()
    }

    /// `Fn::Join: [delimiter, [items]]`.
    fn join(&self, node: &'t Node<'t>, arg: &'t Node<'t>, depth: Walk<'_, 't>) -> Vec<Alt<'t>> {
        let Some([delimiter, list]) = arg.as_seq().and_then(|s| <&[_; 2]>::try_from(s).ok()) else {
            return vec![Alt::unknown(node)];
        };
        let (Some(delimiter), Some(items)) = (delimiter.as_str(), list.as_seq()) else {
            return vec![Alt::unknown(node)];
        };
        let mut result = Concat::new(node);
        let mut first = true;
        for item in items {
            let mut options = self.resolve_depth(item, depth.deeper());
            // A NoValue item disappears from the list; an item that may or may not be there
            // makes the delimiters uncertain, which only matters for exact text.
            if options.iter().any(|a| a.val == Val::NoValue) {
                if options.iter().all(|a| a.val == Val::NoValue) {
                    continue;
                }
                return vec![Alt::unknown(node)];
            }
            if !first
                && !delimiter.is_empty()
                && !result.push(self, &[Alt::text(Text::lit(delimiter), node)], node)
            {
                return vec![Alt::unknown(node)];
            }
            first = false;
            options.retain(|a| a.val != Val::NoValue);
            if !result.push(self, &options, node) {
                return vec![Alt::unknown(node)];
            }
        }
        let mut result = result.alts;
        hide_dynamic_references(&mut result);
        result
    }

    /// `Fn::Select: [index, list]` over a literal list or `Fn::Split` of a literal string.
    fn select(&self, node: &'t Node<'t>, arg: &'t Node<'t>, depth: Walk<'_, 't>) -> Vec<Alt<'t>> {
        let Some([index, list]) = arg.as_seq().and_then(|s| <&[_; 2]>::try_from(s).ok()) else {
            return vec![Alt::unknown(node)];
        };
        let Some(index) = index.as_str().and_then(|i| i.trim().parse::<usize>().ok()) else {
            return vec![Alt::unknown(node)];
        };
        if let Some(items) = list.as_seq() {
            return match items.get(index) {
                Some(item) => self.resolve_depth(item, depth.deeper()),
                None => vec![Alt::unknown(node)],
            };
        }
        if let Some(("Fn::Split", _, split)) = list.intrinsic()
            && let Some([delimiter, source]) =
                split.as_seq().and_then(|s| <&[_; 2]>::try_from(s).ok())
            && let (Some(delimiter), Some(source)) = (delimiter.as_str(), source.as_str())
            && !delimiter.is_empty()
            && let Some(part) = source.split(delimiter).nth(index)
        {
            return vec![Alt::text(Text::lit(part.to_owned()), node)];
        }
        vec![Alt::unknown(node)]
    }

    /// `Fn::If: [condition, then, else]`: the branch the scenario fixes, or both.
    fn if_(&self, node: &'t Node<'t>, arg: &'t Node<'t>, depth: Walk<'_, 't>) -> Vec<Alt<'t>> {
        let Some([condition, then, otherwise]) =
            arg.as_seq().and_then(|s| <&[_; 3]>::try_from(s).ok())
        else {
            return vec![Alt::unknown(node)];
        };
        let Some(condition) = condition.as_str() else {
            return vec![Alt::unknown(node)];
        };
        let fixed = self
            .scenario
            .iter()
            .find(|(name, _)| *name == condition)
            .map(|&(_, value)| value);
        let mut result = Vec::new();
        for (branch, value) in [(then, true), (otherwise, false)] {
            if fixed.is_some_and(|f| f != value) {
                continue;
            }
            for mut alt in self.resolve_depth(branch, depth.deeper()) {
                if fixed.is_none() {
                    if alt.when.iter().any(|&(n, v)| n == condition && v != value) {
                        continue;
                    }
                    if !alt.when.iter().any(|&(n, _)| n == condition) {
                        alt.when.insert(0, (condition, value));
                    }
                }
                result.push(alt);
            }
        }
        if result.len() > MAX_ALTERNATIVES {
            return vec![Alt::unknown(node)];
        }
        result
    }

    /// `Fn::FindInMap: [map, top key, second key]` with keys that resolve to literals.
    fn find_in_map(
        &self,
        node: &'t Node<'t>,
        arg: &'t Node<'t>,
        depth: Walk<'_, 't>,
    ) -> Vec<Alt<'t>> {
        let mappings = self.env.template.and_then(|t| t.mappings);
        let (Some(mappings), Some(items)) = (mappings, arg.as_seq()) else {
            return vec![Alt::unknown(node)];
        };
        if items.len() < 3 {
            return vec![Alt::unknown(node)];
        }
        let key = |item: &'t Node<'t>| {
            let alts = self.resolve_depth(item, depth.deeper());
            match alts.as_slice() {
                [alt] => alt.as_str().map(str::to_owned),
                _ => None,
            }
        };
        let (Some(map), Some(top), Some(second)) = (key(&items[0]), key(&items[1]), key(&items[2]))
        else {
            return vec![Alt::unknown(node)];
        };
        match mappings
            .get(&map)
            .and_then(|m| m.get(&top))
            .and_then(|m| m.get(&second))
        {
            Some(value) => self.resolve_depth(value, depth.deeper()),
            None => vec![Alt::unknown(node)],
        }
    }
}

/// `["Res", "Attr"]` or `"Res.Attr"`.
pub(crate) fn get_att_parts<'t>(arg: &'t Node<'t>) -> Option<(&'t str, &'t str)> {
    match &arg.value {
        Value::Seq(items) => match items.as_slice() {
            [resource, attribute] => Some((resource.as_str()?, attribute.as_str()?)),
            _ => None,
        },
        Value::Scalar(s) => s.text.split_once('.'),
        _ => None,
    }
}

/// Links to other stacks of the deployment (docs/deployments.md, "Links between stacks"):
/// each gives the linked key a value reaches, or nothing (the value stays what it is
/// without the deployment: unknown).
impl<'t> Resolver<'_, 't> {
    fn links(&self) -> Option<&'t StackLinks> {
        self.env.links
    }

    /// The one literal string `node` resolves to.
    fn one_literal(&self, node: &'t Node<'t>, depth: Walk<'_, 't>) -> Option<String> {
        match self.resolve_depth(node, depth.deeper()).as_slice() {
            [alt] => alt.as_str().map(str::to_owned),
            _ => None,
        }
    }

    /// `Fn::GetStackOutput: {StackName, OutputName, Region}` (CDK's weak references): the
    /// output of a stack of the same account, in `Region` or the stack's own.
    fn stack_output(&self, arg: &'t Node<'t>, depth: Walk<'_, 't>) -> Option<usize> {
        let links = self.links()?;
        let field = |name: &str| arg.get(name).and_then(|n| self.one_literal(n, depth));
        let stack = field("StackName")?;
        let output = field("OutputName")?;
        let region = match arg.get("Region") {
            Some(node) => Some(self.one_literal(node, depth)?),
            None => None,
        };
        links.output(&stack, region.as_deref(), &output)
    }

    /// A whole string that is one `{{resolve:ssm:NAME}}` (or `…:NAME:VERSION`) dynamic
    /// reference to an SSM parameter of the deployment holding a key.
    fn linked_ssm(&self, text: &str) -> Option<usize> {
        let links = self.links()?;
        links.ssm(super::super::links::ssm_reference(text)?)
    }

    /// `Fn::GetAtt` of a CDK cross-Region export reader (`Custom::CrossRegionExportReader`):
    /// the attribute is the name of the SSM parameter the writer of the producing stack put
    /// in this stack's Region.
    fn cross_region_import(&self, resource: &str, attribute: &str) -> Option<usize> {
        let links = self.links()?;
        let reader = self.env.template?.resource(resource)?;
        if reader.type_name != Some(CROSS_REGION_READER) {
            return None;
        }
        links.ssm(attribute)
    }

    /// A parameter given a linked key: by the deployment (a table's `{ stack, output }`, a
    /// nested stack's parent), or as the name of an SSM parameter
    /// (`AWS::SSM::Parameter::Value<String>` with a default) that holds one. A value given on
    /// the command line wins, as it does over a default.
    fn linked_parameter(&self, param: &Parameter<'t>) -> Option<usize> {
        let links = self.links()?;
        if let Some(key) = links.parameter(param.name) {
            return Some(key);
        }
        let ssm_type = param
            .type_name
            .is_some_and(|t| t.starts_with("AWS::SSM::Parameter::Value<"));
        if !ssm_type {
            return None;
        }
        links.ssm(param.default?.as_str()?)
    }
}

/// CDK's reader of values exported across Regions.
pub(crate) const CROSS_REGION_READER: &str = "Custom::CrossRegionExportReader";

/// Alternatives built by concatenation, with a bound on the weight of their text, so that
/// checking the [`MAX_TEXT_WEIGHT`] costs no more than the copies do.
pub(super) struct Concat<'t> {
    pub alts: Vec<Alt<'t>>,
    /// At least the heaviest alternative's [`Text::weight`].
    bound: usize,
}

impl<'t> Concat<'t> {
    pub(crate) fn new(node: &'t Node<'t>) -> Concat<'t> {
        Concat {
            alts: vec![Alt::text(Text::default(), node)],
            bound: 0,
        }
    }

    /// Appends every suffix to every alternative; false when the result is unknown (too many
    /// alternatives, or the budget is spent). A text heavier than [`MAX_TEXT_WEIGHT`] becomes
    /// a hole.
    pub(crate) fn push(
        &mut self,
        resolver: &Resolver<'_, 't>,
        suffixes: &[Alt<'t>],
        node: &'t Node<'t>,
    ) -> bool {
        let heaviest = suffixes.iter().map(Alt::weight).max().unwrap_or(0);
        let copies = self.alts.len().max(1) * suffixes.len().max(1);
        if !resolver.spend(1 + copies.saturating_mul(heaviest) / 16) {
            return false;
        }
        self.alts = concat(std::mem::take(&mut self.alts), suffixes, node);
        if self.alts.is_empty() {
            return false;
        }
        self.bound = self.bound.saturating_add(heaviest);
        if self.bound > MAX_TEXT_WEIGHT {
            if !resolver.spend(self.bound / 16) {
                return false;
            }
            self.bound = 0;
            for alt in &mut self.alts {
                if let Val::Text(text) = &mut alt.val {
                    let weight = text.weight();
                    if weight > MAX_TEXT_WEIGHT {
                        *text = Text::hole(Hole::Unknown);
                    } else {
                        self.bound = self.bound.max(weight);
                    }
                }
            }
        }
        true
    }
}

/// Every combination of a prefix alternative with a suffix alternative.
pub(super) fn concat<'t>(
    mut prefixes: Vec<Alt<'t>>,
    suffixes: &[Alt<'t>],
    node: &'t Node<'t>,
) -> Vec<Alt<'t>> {
    // The common case, one value followed by one value with no condition or parameter of its
    // own, extends the value in place; the general loop below gives the same result.
    if let ([prefix], [suffix]) = (prefixes.as_mut_slice(), suffixes)
        && suffix.when.is_empty()
        && suffix.param.is_none()
    {
        match (&mut prefix.val, &suffix.val) {
            (Val::Text(a), Val::Text(b)) => a.append(b.clone()),
            (Val::Text(a), _) => a.push(Part::Hole(Hole::Unknown)),
            (val, _) => *val = Val::Text(Text::hole(Hole::Unknown)),
        }
        if prefix.param.is_none() {
            prefix.span = node.span;
        }
        prefix.node = None;
        return prefixes;
    }
    let single_prefix = prefixes.len() == 1;
    let mut out = Vec::with_capacity(prefixes.len() * suffixes.len());
    for mut prefix in prefixes {
        for (i, suffix) in suffixes.iter().enumerate() {
            let Some(when) = merge_when(&prefix.when, &suffix.when) else {
                continue;
            };
            // The last suffix can take the prefix's text instead of a copy: the common case
            // (one prefix, one suffix) then never clones.
            let last = i + 1 == suffixes.len();
            let text = match (&mut prefix.val, &suffix.val) {
                (Val::Text(a), Val::Text(b)) => {
                    let mut text = if last { std::mem::take(a) } else { a.clone() };
                    text.append(b.clone());
                    text
                }
                (Val::Text(a), _) => {
                    let mut text = if last { std::mem::take(a) } else { a.clone() };
                    text.push(Part::Hole(Hole::Unknown));
                    text
                }
                _ => Text::hole(Hole::Unknown),
            };
            // A single alternative coming from a parameter keeps the parameter as its origin.
            let param = prefix.param.clone().or_else(|| suffix.param.clone());
            let span = match (&prefix.param, &suffix.param) {
                (None, Some(_)) if single_prefix => suffix.span,
                (Some(_), None) => prefix.span,
                _ => node.span,
            };
            out.push(Alt {
                val: Val::Text(text),
                span,
                node: None,
                param,
                when,
            });
            if out.len() > MAX_ALTERNATIVES {
                return Vec::new();
            }
        }
    }
    out
}

fn merge_when<'t>(a: &[(&'t str, bool)], b: &[(&'t str, bool)]) -> Option<Vec<(&'t str, bool)>> {
    let mut merged = a.to_vec();
    for &(name, value) in b {
        match merged.iter().find(|(n, _)| *n == name) {
            Some(&(_, v)) if v != value => return None,
            Some(_) => {}
            None => merged.push((name, value)),
        }
    }
    Some(merged)
}

/// Makes every dynamic reference in the alternatives' text a hole, also one that spans
/// `${}` variables (see [`Text::hide_dynamic_references`]).
pub(super) fn hide_dynamic_references(alts: &mut [Alt<'_>]) {
    for alt in alts {
        if let Val::Text(text) = &mut alt.val {
            *text = std::mem::take(text).hide_dynamic_references();
        }
    }
}
