//! What a template value can be, seen through intrinsic functions (DESIGN "values are
//! abstract").
//!
//! A node resolves to alternatives: every value it could take, each with the place it is
//! written (so a finding can point at a parameter's `AllowedValues` entry) and the condition
//! branches that lead to it. A string alternative may have holes, parts known only by kind
//! (the stack's account, a parameter without a value, a resource's ARN), so a rule can still
//! ask "is this certainly a key ARN?" of `arn:${AWS::Partition}:kms:…`.

use std::borrow::Cow;

use crate::config::Settings;
use crate::facts::regions::{self, Partition};
use crate::source::{Entry, Node, Span, Style, Value};

use super::template::Template;

/// A part of a string known only by kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Hole<'t> {
    Partition,
    Region,
    AccountId,
    UrlSuffix,
    /// `AWS::StackName`, `AWS::StackId` and similar: some string.
    Stack,
    /// A parameter whose value is not known.
    Param(&'t str),
    /// `Ref` to a resource: its physical ID.
    Ref(&'t str),
    /// `Fn::GetAtt`: a resource's attribute.
    GetAtt(&'t str, &'t str),
    /// `Fn::ImportValue`: an export from another stack in the same Region.
    Import,
    Unknown,
}

impl Hole<'_> {
    /// Pseudo parameters stand for one ARN field each and never contain a colon.
    pub fn is_pseudo(&self) -> bool {
        matches!(
            self,
            Hole::Partition | Hole::Region | Hole::AccountId | Hole::UrlSuffix
        )
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Part<'t> {
    Lit(Cow<'t, str>),
    Hole(Hole<'t>),
}

/// A string, possibly with holes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Text<'t> {
    pub parts: Vec<Part<'t>>,
}

impl<'t> Text<'t> {
    /// Literal text. A dynamic reference (`{{resolve:ssm:/path}}`) inside it is a hole:
    /// CloudFormation replaces it with a value from SSM or Secrets Manager at deploy time.
    pub fn lit(s: impl Into<Cow<'t, str>>) -> Text<'t> {
        let s = s.into();
        // The byte search is a fast memchr; most strings have no brace at all.
        if !s.as_bytes().contains(&b'{') || !s.contains("{{resolve:") {
            return Text {
                parts: vec![Part::Lit(s)],
            };
        }
        let piece = |range: std::ops::Range<usize>| -> Cow<'t, str> {
            match &s {
                Cow::Borrowed(b) => Cow::Borrowed(&b[range]),
                Cow::Owned(o) => Cow::Owned(o[range].to_owned()),
            }
        };
        let mut text = Text::default();
        let mut at = 0;
        while let Some(start) = s[at..].find("{{resolve:").map(|i| i + at) {
            let Some(end) = s[start..].find("}}").map(|i| i + start + 2) else {
                break;
            };
            if start > at {
                text.push(Part::Lit(piece(at..start)));
            }
            text.push(Part::Hole(Hole::Unknown));
            at = end;
        }
        if at < s.len() {
            text.push(Part::Lit(piece(at..s.len())));
        }
        text
    }

    /// The text with every dynamic reference made a hole, also one that spans `${}`
    /// variables (`!Sub '{{resolve:ssm:/app/${Env}/role}}'`).
    pub fn hide_dynamic_references(self) -> Text<'t> {
        let has_reference = self.parts.iter().any(|p| match p {
            Part::Lit(s) => s.as_bytes().contains(&b'{') && s.contains("{{resolve:"),
            Part::Hole(_) => false,
        });
        if !has_reference {
            return self;
        }
        let mut out = Text::default();
        let mut inside = false;
        for part in self.parts {
            let Part::Lit(s) = part else {
                if !inside {
                    out.push(part);
                }
                continue;
            };
            let mut rest: &str = &s;
            loop {
                if inside {
                    match rest.find("}}") {
                        Some(end) => {
                            rest = &rest[end + 2..];
                            inside = false;
                        }
                        None => break,
                    }
                } else {
                    match rest.find("{{resolve:") {
                        Some(start) => {
                            out.push(Part::Lit(Cow::Owned(rest[..start].to_owned())));
                            out.push(Part::Hole(Hole::Unknown));
                            rest = &rest[start..];
                            inside = true;
                        }
                        None => {
                            out.push(Part::Lit(Cow::Owned(rest.to_owned())));
                            break;
                        }
                    }
                }
            }
        }
        out
    }

    pub fn hole(hole: Hole<'t>) -> Text<'t> {
        Text {
            parts: vec![Part::Hole(hole)],
        }
    }

    /// The whole string when it has no holes.
    pub fn literal(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [] => Some(""),
            [Part::Lit(s)] => Some(s),
            _ => None,
        }
    }

    /// The hole when the string is nothing but one hole (`!GetAtt Key.Arn`).
    pub fn only_hole(&self) -> Option<&Hole<'t>> {
        match self.parts.as_slice() {
            [Part::Hole(h)] => Some(h),
            _ => None,
        }
    }

    pub fn push(&mut self, part: Part<'t>) {
        match (self.parts.last_mut(), part) {
            (_, Part::Lit(s)) if s.is_empty() => {}
            (Some(Part::Lit(last)), Part::Lit(s)) => last.to_mut().push_str(&s),
            (_, part) => self.parts.push(part),
        }
    }

    pub fn append(&mut self, other: Text<'t>) {
        for part in other.parts {
            self.push(part);
        }
    }

    /// The known text up to the first hole.
    pub fn literal_prefix(&self) -> &str {
        match self.parts.first() {
            Some(Part::Lit(s)) => s,
            _ => "",
        }
    }

    /// The string as written in a message, holes shown as `${…}`.
    pub fn display(&self) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Lit(s) => out.push_str(s),
                Part::Hole(h) => out.push_str(&match h {
                    Hole::Partition => "${AWS::Partition}".to_owned(),
                    Hole::Region => "${AWS::Region}".to_owned(),
                    Hole::AccountId => "${AWS::AccountId}".to_owned(),
                    Hole::UrlSuffix => "${AWS::URLSuffix}".to_owned(),
                    Hole::Stack => "${AWS::StackName}".to_owned(),
                    Hole::Param(p) | Hole::Ref(p) => format!("${{{p}}}"),
                    Hole::GetAtt(r, a) => format!("${{{r}.{a}}}"),
                    Hole::Import | Hole::Unknown => "${…}".to_owned(),
                }),
            }
        }
        out
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Val<'t> {
    Text(Text<'t>),
    /// A literal list or mapping, for the caller to read.
    Node(&'t Node<'t>),
    /// `Ref: AWS::NoValue`: the property or list item is removed.
    NoValue,
    Unknown,
}

/// A parameter an alternative comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamUse<'t> {
    pub name: &'t str,
    /// The `Ref` or `${}` that uses it.
    pub site: Span,
    /// Given with `--parameter`/`--parameters-file` rather than read from the template.
    pub from_command_line: bool,
}

/// One value a node can take.
#[derive(Clone, Debug, PartialEq)]
pub struct Alt<'t> {
    pub val: Val<'t>,
    /// Where the value is written: the literal, a parameter's Default or AllowedValues entry,
    /// or (for values from the command line and holes) the node that was resolved.
    pub span: Span,
    /// The literal scalar or collection, when there is one, for its style.
    pub node: Option<&'t Node<'t>>,
    pub param: Option<ParamUse<'t>>,
    /// Condition branches taken: `(name, value)` pairs, consistent.
    pub when: Vec<(&'t str, bool)>,
}

impl<'t> Alt<'t> {
    fn new(val: Val<'t>, node: &'t Node<'t>) -> Alt<'t> {
        let literal = matches!(
            (&val, &node.value),
            (Val::Text(_), Value::Scalar(_)) | (Val::Node(_), _)
        );
        Alt {
            val,
            span: node.span,
            node: literal.then_some(node),
            param: None,
            when: Vec::new(),
        }
    }

    fn unknown(node: &'t Node<'t>) -> Alt<'t> {
        Alt {
            val: Val::Unknown,
            span: node.span,
            node: None,
            param: None,
            when: Vec::new(),
        }
    }

    fn text(text: Text<'t>, node: &'t Node<'t>) -> Alt<'t> {
        Alt {
            val: Val::Text(text),
            span: node.span,
            node: None,
            param: None,
            when: Vec::new(),
        }
    }

    pub fn text_value(&self) -> Option<&Text<'t>> {
        match &self.val {
            Val::Text(t) => Some(t),
            _ => None,
        }
    }

    /// The whole string, when known.
    pub fn as_str(&self) -> Option<&str> {
        self.text_value()?.literal()
    }

    /// The literal scalar's style, if the value is written as one.
    pub fn style(&self) -> Option<Style> {
        self.node.and_then(|n| n.scalar()).map(|s| s.style)
    }

    /// A condition note for messages: "when `IsProd` is true".
    pub fn when_note(&self) -> Option<String> {
        describe_when(&self.when)
    }
}

/// "when `A` is true and `B` is false", or nothing for no conditions.
pub fn describe_when(when: &[(&str, bool)]) -> Option<String> {
    if when.is_empty() {
        return None;
    }
    let parts: Vec<String> = when
        .iter()
        .map(|(name, value)| format!("`{name}` is {value}"))
        .collect();
    Some(format!("when {}", parts.join(" and ")))
}

/// Alternatives past this many collapse to one unknown: combinations of `Fn::If`s multiply.
const MAX_ALTERNATIVES: usize = 32;

/// What resolution knows about the deployment: the template, and what the command line said.
pub struct Env<'t> {
    pub template: Option<&'t Template<'t>>,
    pub region: Option<&'t str>,
    pub account: Option<&'t str>,
    pub partition: Option<&'static Partition>,
    pub settings: &'t Settings,
}

impl<'t> Env<'t> {
    pub fn new(template: Option<&'t Template<'t>>, settings: &'t Settings) -> Env<'t> {
        let region = settings.region.as_deref();
        Env {
            template,
            region,
            account: settings.account.as_deref(),
            partition: region.and_then(regions::partition_of_region),
            settings,
        }
    }
}

/// Condition values fixed for one scenario; conditions not listed may take either value.
pub type Scenario<'t> = [(&'t str, bool)];

pub struct Resolver<'e, 't> {
    env: &'e Env<'t>,
    scenario: &'e Scenario<'t>,
    /// Read parameters' Default and AllowedValues. Off when evaluating conditions: the
    /// deployer chooses parameter values, so a condition on one can go either way.
    use_parameter_values: bool,
}

impl<'e, 't> Resolver<'e, 't> {
    pub fn new(env: &'e Env<'t>) -> Resolver<'e, 't> {
        Resolver {
            env,
            scenario: &[],
            use_parameter_values: true,
        }
    }

    pub fn with_scenario(env: &'e Env<'t>, scenario: &'e Scenario<'t>) -> Resolver<'e, 't> {
        Resolver {
            env,
            scenario,
            use_parameter_values: true,
        }
    }

    pub(crate) fn for_conditions(env: &'e Env<'t>) -> Resolver<'e, 't> {
        Resolver {
            env,
            scenario: &[],
            use_parameter_values: false,
        }
    }

    /// Every value `node` can take.
    pub fn resolve(&self, node: &'t Node<'t>) -> Vec<Alt<'t>> {
        self.resolve_depth(node, 0)
    }

    fn resolve_depth(&self, node: &'t Node<'t>, depth: usize) -> Vec<Alt<'t>> {
        if depth > 32 {
            return vec![Alt::unknown(node)];
        }
        match &node.value {
            Value::Scalar(s) => vec![Alt::new(Val::Text(Text::lit(s.text.as_ref())), node)],
            Value::Seq(_) => vec![Alt::new(Val::Node(node), node)],
            Value::Invalid => vec![Alt::unknown(node)],
            Value::Map(_) => match node.intrinsic() {
                Some((name, key_span, arg)) => self.intrinsic(node, name, key_span, arg, depth),
                None => vec![Alt::new(Val::Node(node), node)],
            },
        }
    }

    fn intrinsic(
        &self,
        node: &'t Node<'t>,
        name: &'t str,
        key_span: Span,
        arg: &'t Node<'t>,
        depth: usize,
    ) -> Vec<Alt<'t>> {
        match name {
            "Ref" => match arg.as_str() {
                Some(target) => self.reference(node, target, key_span.cover(arg.span)),
                None => vec![Alt::unknown(node)],
            },
            "Fn::GetAtt" => match get_att_parts(arg) {
                Some((resource, attribute)) => {
                    vec![Alt::text(
                        Text::hole(Hole::GetAtt(resource, attribute)),
                        node,
                    )]
                }
                None => vec![Alt::unknown(node)],
            },
            "Fn::Sub" => self.sub(node, arg, depth),
            "Fn::Join" => self.join(node, arg, depth),
            "Fn::Select" => self.select(node, arg, depth),
            "Fn::If" => self.if_(node, arg, depth),
            "Fn::FindInMap" => self.find_in_map(node, arg, depth),
            "Fn::ImportValue" => vec![Alt::text(Text::hole(Hole::Import), node)],
            _ => vec![Alt::unknown(node)],
        }
    }

    /// `Ref` or `${Name}`: a pseudo parameter, a parameter or a resource.
    fn reference(&self, node: &'t Node<'t>, target: &'t str, site: Span) -> Vec<Alt<'t>> {
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
        match name {
            "AWS::NoValue" => Some(None),
            "AWS::Region" => known(env.region, Hole::Region),
            "AWS::AccountId" => known(env.account, Hole::AccountId),
            "AWS::Partition" => known(env.partition.map(|p| p.name), Hole::Partition),
            "AWS::URLSuffix" => known(env.partition.map(|p| p.dns_suffix), Hole::UrlSuffix),
            "AWS::StackName" | "AWS::StackId" | "AWS::NotificationARNs" => {
                Some(Some(Text::hole(Hole::Stack)))
            }
            _ => None,
        }
    }

    fn parameter(
        &self,
        node: &'t Node<'t>,
        param: &super::template::Parameter<'t>,
        site: Span,
    ) -> Vec<Alt<'t>> {
        let name = param.name;
        if let Some(value) = self.env.settings.parameters.get(name) {
            return vec![Alt {
                param: Some(ParamUse {
                    name,
                    site,
                    from_command_line: true,
                }),
                ..Alt::text(Text::lit(value.clone()), node)
            }];
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

    /// `Fn::Sub`: a string, or `[string, {Var: value}]`.
    fn sub(&self, node: &'t Node<'t>, arg: &'t Node<'t>, depth: usize) -> Vec<Alt<'t>> {
        let (template, vars) = match &arg.value {
            Value::Scalar(s) => (s.text.as_ref(), None),
            Value::Seq(items) => match items.as_slice() {
                [t, vars] => match t.as_str() {
                    Some(s) => (s, vars.as_map()),
                    None => return vec![Alt::unknown(node)],
                },
                _ => return vec![Alt::unknown(node)],
            },
            _ => return vec![Alt::unknown(node)],
        };
        self.sub_text(node, template, vars, arg.span, depth)
    }

    /// A string inside a policy written as `Fn::Sub` over JSON text: the string is itself a
    /// Sub template.
    pub fn resolve_sub_string(
        &self,
        node: &'t Node<'t>,
        vars: Option<&'t [Entry<'t>]>,
    ) -> Vec<Alt<'t>> {
        match node.as_str() {
            Some(text) if text.contains("${") => self.sub_text(node, text, vars, node.span, 0),
            _ => self.resolve(node),
        }
    }

    fn sub_text(
        &self,
        node: &'t Node<'t>,
        template: &'t str,
        vars: Option<&'t [Entry<'t>]>,
        site: Span,
        depth: usize,
    ) -> Vec<Alt<'t>> {
        let Some(pieces) = parse_sub(template) else {
            return vec![Alt::unknown(node)];
        };
        let mut result = vec![Alt::text(Text::default(), node)];
        for piece in pieces {
            let options: Vec<Alt<'t>> = match piece {
                SubPiece::Lit(s) => vec![Alt::text(Text::lit(s), node)],
                SubPiece::Var(name) => {
                    let bound = vars.and_then(|v| v.iter().find(|e| e.key == name));
                    match bound {
                        Some(entry) => self.resolve_depth(&entry.value, depth + 1),
                        None => self.sub_variable(node, site, name),
                    }
                }
            };
            result = concat(result, &options, node);
            if result.is_empty() {
                return vec![Alt::unknown(node)];
            }
        }
        for alt in &mut result {
            if let Val::Text(text) = &mut alt.val {
                *text = std::mem::take(text).hide_dynamic_references();
            }
        }
        result
    }

    fn sub_variable(&self, node: &'t Node<'t>, site: Span, name: &'t str) -> Vec<Alt<'t>> {
        if let Some((resource, attribute)) = name.split_once('.')
            && !name.starts_with("AWS::")
        {
            return vec![Alt::text(
                Text::hole(Hole::GetAtt(resource, attribute)),
                node,
            )];
        }
        let mut alts = self.reference(node, name, site);
        for alt in &mut alts {
            if alt.val == Val::NoValue {
                alt.val = Val::Unknown;
            }
        }
        alts
    }

    /// `Fn::Join: [delimiter, [items]]`.
    fn join(&self, node: &'t Node<'t>, arg: &'t Node<'t>, depth: usize) -> Vec<Alt<'t>> {
        let Some([delimiter, list]) = arg.as_seq().and_then(|s| <&[_; 2]>::try_from(s).ok()) else {
            return vec![Alt::unknown(node)];
        };
        let (Some(delimiter), Some(items)) = (delimiter.as_str(), list.as_seq()) else {
            return vec![Alt::unknown(node)];
        };
        let mut result = vec![Alt::text(Text::default(), node)];
        let mut first = true;
        for item in items {
            let mut options = self.resolve_depth(item, depth + 1);
            // A NoValue item disappears from the list; an item that may or may not be there
            // makes the delimiters uncertain, which only matters for exact text.
            if options.iter().any(|a| a.val == Val::NoValue) {
                if options.iter().all(|a| a.val == Val::NoValue) {
                    continue;
                }
                return vec![Alt::unknown(node)];
            }
            if !first && !delimiter.is_empty() {
                result = concat(result, &[Alt::text(Text::lit(delimiter), node)], node);
            }
            first = false;
            options.retain(|a| a.val != Val::NoValue);
            result = concat(result, &options, node);
            if result.is_empty() {
                return vec![Alt::unknown(node)];
            }
        }
        for alt in &mut result {
            if let Val::Text(text) = &mut alt.val {
                *text = std::mem::take(text).hide_dynamic_references();
            }
        }
        result
    }

    /// `Fn::Select: [index, list]` over a literal list or `Fn::Split` of a literal string.
    fn select(&self, node: &'t Node<'t>, arg: &'t Node<'t>, depth: usize) -> Vec<Alt<'t>> {
        let Some([index, list]) = arg.as_seq().and_then(|s| <&[_; 2]>::try_from(s).ok()) else {
            return vec![Alt::unknown(node)];
        };
        let Some(index) = index.as_str().and_then(|i| i.trim().parse::<usize>().ok()) else {
            return vec![Alt::unknown(node)];
        };
        if let Some(items) = list.as_seq() {
            return match items.get(index) {
                Some(item) => self.resolve_depth(item, depth + 1),
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
    fn if_(&self, node: &'t Node<'t>, arg: &'t Node<'t>, depth: usize) -> Vec<Alt<'t>> {
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
            for mut alt in self.resolve_depth(branch, depth + 1) {
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
    fn find_in_map(&self, node: &'t Node<'t>, arg: &'t Node<'t>, depth: usize) -> Vec<Alt<'t>> {
        let mappings = self.env.template.and_then(|t| t.mappings);
        let (Some(mappings), Some(items)) = (mappings, arg.as_seq()) else {
            return vec![Alt::unknown(node)];
        };
        if items.len() < 3 {
            return vec![Alt::unknown(node)];
        }
        let key = |item: &'t Node<'t>| {
            let alts = self.resolve_depth(item, depth + 1);
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
            Some(value) => self.resolve_depth(value, depth + 1),
            None => vec![Alt::unknown(node)],
        }
    }
}

/// `["Res", "Attr"]` or `"Res.Attr"`.
pub fn get_att_parts<'t>(arg: &'t Node<'t>) -> Option<(&'t str, &'t str)> {
    match &arg.value {
        Value::Seq(items) => match items.as_slice() {
            [resource, attribute] => Some((resource.as_str()?, attribute.as_str()?)),
            _ => None,
        },
        Value::Scalar(s) => s.text.split_once('.'),
        _ => None,
    }
}

/// Every combination of a prefix alternative with a suffix alternative.
fn concat<'t>(
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

enum SubPiece<'t> {
    Lit(Cow<'t, str>),
    Var(&'t str),
}

/// Splits an `Fn::Sub` string into literal text and `${Name}` variables; `${!Text}` is the
/// literal `${Text}`. `None` for an unterminated `${`.
fn parse_sub(s: &str) -> Option<Vec<SubPiece<'_>>> {
    let mut pieces = Vec::new();
    let mut rest = s;
    let mut literal = String::new();
    while let Some(at) = rest.find("${") {
        literal.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        let end = after.find('}')?;
        let name = &after[..end];
        if let Some(escaped) = name.strip_prefix('!') {
            literal.push_str("${");
            literal.push_str(escaped);
            literal.push('}');
        } else {
            if !literal.is_empty() {
                pieces.push(SubPiece::Lit(Cow::Owned(std::mem::take(&mut literal))));
            }
            pieces.push(SubPiece::Var(name));
        }
        rest = &after[end + 1..];
    }
    literal.push_str(rest);
    if !literal.is_empty() {
        pieces.push(SubPiece::Lit(Cow::Owned(literal)));
    }
    Some(pieces)
}

/// Variables an `Fn::Sub` string uses, with their byte offsets in the string (for KMS003).
pub fn sub_variables(s: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = s[from..].find("${") {
        let start = from + at + 2;
        let Some(end) = s[start..].find('}') else {
            break;
        };
        let name = &s[start..start + end];
        if !name.starts_with('!') {
            out.push((start, name));
        }
        from = start + end + 1;
    }
    out
}

/// How a value reads as a boolean property.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Boolish {
    True,
    False,
    /// YAML 1.1's `yes`/`no`/`on`/`off`/`y`/`n`: a boolean to some parsers, a string to others.
    Ambiguous(bool),
    /// Not a boolean at all (`"maybe"`, a list).
    NotBool,
    Unknown,
}

impl Alt<'_> {
    pub fn as_bool(&self) -> Boolish {
        let text = match &self.val {
            Val::Text(t) => match t.literal() {
                Some(s) => s,
                None => return Boolish::Unknown,
            },
            Val::Node(_) => return Boolish::NotBool,
            Val::NoValue | Val::Unknown => return Boolish::Unknown,
        };
        let plain = matches!(self.style(), Some(Style::Plain));
        match text {
            "true" | "True" | "TRUE" => Boolish::True,
            "false" | "False" | "FALSE" => Boolish::False,
            // CloudFormation converts the strings "true"/"false" in any case.
            t if t.eq_ignore_ascii_case("true") => Boolish::True,
            t if t.eq_ignore_ascii_case("false") => Boolish::False,
            "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "y" | "Y" if plain => {
                Boolish::Ambiguous(true)
            }
            "no" | "No" | "NO" | "off" | "Off" | "OFF" | "n" | "N" if plain => {
                Boolish::Ambiguous(false)
            }
            _ => Boolish::NotBool,
        }
    }

    /// An integer value, written as a number or a numeric string.
    pub fn as_int(&self) -> Option<i64> {
        self.as_str()?.trim().parse().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::yaml;

    fn with_template<R>(
        text: &str,
        settings: Settings,
        f: impl FnOnce(&Resolver, &Node) -> R,
    ) -> R {
        let loaded = yaml::load(text);
        let root = loaded.root.unwrap();
        let template = Template::new(&root);
        let env = Env::new(Some(&template), &settings);
        let resolver = Resolver::new(&env);
        f(&resolver, &root)
    }

    fn shown(alts: &[Alt]) -> Vec<String> {
        alts.iter()
            .map(|a| match &a.val {
                Val::Text(t) => t.display(),
                Val::Node(_) => "<node>".into(),
                Val::NoValue => "<novalue>".into(),
                Val::Unknown => "<unknown>".into(),
            })
            .collect()
    }

    const TEMPLATE: &str = "
Parameters:
  Spec: {Type: String, AllowedValues: [SYMMETRIC_DEFAULT, HMAC_256], Default: SYMMETRIC_DEFAULT}
  Days: {Type: Number, Default: 10}
  Other: {Type: String}
  Ssm: {Type: 'AWS::SSM::Parameter::Value<String>', Default: /my/param}
Mappings:
  M: {eu-west-1: {Arn: 'arn:aws:kms:eu-west-1:111122223333:key/mrk-1'}}
Resources:
  Key: {Type: AWS::KMS::Key}
  V:
    A: !Sub 'arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/${Key}'
    B: !Ref Spec
    C: !If [Cond, !Ref Days, !Ref AWS::NoValue]
    D: !Join [':', [a, !GetAtt Key.Arn, !Ref Other]]
    E: !Select [1, !Split [',', 'x,y,z']]
    F: !FindInMap [M, !Ref AWS::Region, Arn]
    G: !Ref Ssm
    H: !Sub ['${X}-${!Lit}', {X: !If [C2, a, b]}]
";

    #[test]
    fn resolves_intrinsics_to_alternatives() {
        with_template(TEMPLATE, Settings::default(), |r, root| {
            let v = root.get("Resources").unwrap().get("V").unwrap();
            let get = |k| shown(&r.resolve(v.get(k).unwrap()));
            assert_eq!(
                get("A"),
                ["arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/${Key}"]
            );
            assert_eq!(get("B"), ["SYMMETRIC_DEFAULT", "HMAC_256"]);
            assert_eq!(get("C"), ["10", "<novalue>"]);
            assert_eq!(get("D"), ["a:${Key.Arn}:${Other}"]);
            assert_eq!(get("E"), ["y"]);
            assert_eq!(get("F"), ["<unknown>"]);
            assert_eq!(get("G"), ["${Ssm}"]);
            assert_eq!(get("H"), ["a-${Lit}", "b-${Lit}"]);
            let h = r.resolve(v.get("H").unwrap());
            assert_eq!(h[0].when, [("C2", true)]);
        });
    }

    #[test]
    fn command_line_values_fill_pseudo_parameters_and_parameters() {
        let settings = Settings {
            region: Some("eu-west-1".into()),
            account: Some("111122223333".into()),
            parameters: [("Other".to_owned(), "given".to_owned())].into(),
            ..Settings::default()
        };
        with_template(TEMPLATE, settings, |r, root| {
            let v = root.get("Resources").unwrap().get("V").unwrap();
            let get = |k| shown(&r.resolve(v.get(k).unwrap()));
            assert_eq!(get("A"), ["arn:aws:kms:eu-west-1:111122223333:key/${Key}"]);
            assert_eq!(get("F"), ["arn:aws:kms:eu-west-1:111122223333:key/mrk-1"]);
            assert_eq!(get("D"), ["a:${Key.Arn}:given"]);
        });
    }

    #[test]
    fn parameter_alternatives_point_at_their_values() {
        with_template(TEMPLATE, Settings::default(), |r, root| {
            let v = root.get("Resources").unwrap().get("V").unwrap();
            let alts = r.resolve(v.get("B").unwrap());
            let text = TEMPLATE;
            assert_eq!(&text[alts[1].span.range()], "HMAC_256");
            assert_eq!(alts[1].param.as_ref().unwrap().name, "Spec");
        });
    }

    #[test]
    fn sub_variables_are_found_with_offsets() {
        assert_eq!(
            sub_variables("a${X}b${!Y}${Z.Arn}"),
            [(3, "X"), (13, "Z.Arn")]
        );
    }
}
