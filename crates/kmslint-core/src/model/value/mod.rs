//! What a template value can be, seen through intrinsic functions (DESIGN "values are
//! abstract").
//!
//! A node resolves to alternatives: every value it could take, each with the place it is
//! written (so a finding can point at a parameter's `AllowedValues` entry) and the condition
//! branches that lead to it. A string alternative may have holes, parts known only by kind
//! (the stack's account, a parameter without a value, a resource's ARN), so a rule can still
//! ask "is this certainly a key ARN?" of `arn:${AWS::Partition}:kms:…`.
//!
//! Strings with holes are in `text`, resolution in `resolve` (and `Fn::Sub` in `sub`), how a
//! value reads as a boolean in `boolish`; this file has the alternatives and what resolution
//! knows about the deployment.

mod boolish;
mod resolve;
mod sub;
mod text;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

pub(crate) use boolish::Boolish;
pub(crate) use resolve::{CROSS_REGION_READER, MAX_DEPTH, Resolver};
pub(crate) use resolve::{Cut, watch_cuts};
pub(crate) use sub::literal_head;
pub(crate) use sub::sub_variables;
pub(crate) use text::{Hole, MESSAGE_WIDTH, Part, Text, abbreviate};

use crate::facts::regions::{self, Partition};
use crate::source::{Node, Span, Style, Value};

use super::links::StackLinks;
use super::template::Template;

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Val<'t> {
    Text(Text<'t>),
    /// A literal list or mapping, for the caller to read.
    Node(&'t Node<'t>),
    /// `Ref: AWS::NoValue`: the property or list item is removed.
    NoValue,
    Unknown,
}

/// A parameter an alternative comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ParamUse<'t> {
    pub name: &'t str,
    /// The `Ref` or `${}` that uses it.
    pub site: Span,
    /// Given with `--parameter`/`--parameters-file` rather than read from the template.
    pub from_command_line: bool,
}

/// One value a node can take.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Alt<'t> {
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
    pub(super) fn new(val: Val<'t>, node: &'t Node<'t>) -> Alt<'t> {
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

    pub(super) fn unknown(node: &'t Node<'t>) -> Alt<'t> {
        Alt {
            val: Val::Unknown,
            span: node.span,
            node: None,
            param: None,
            when: Vec::new(),
        }
    }

    pub(super) fn text(text: Text<'t>, node: &'t Node<'t>) -> Alt<'t> {
        Alt {
            val: Val::Text(text),
            span: node.span,
            node: None,
            param: None,
            when: Vec::new(),
        }
    }

    /// A value written nowhere in the file: one a rule makes to ask a question of it (is
    /// `logs.amazonaws.com` a principal that covers this one?).
    pub(crate) fn detached(text: Text<'t>) -> Alt<'t> {
        Alt {
            val: Val::Text(text),
            span: Span::default(),
            node: None,
            param: None,
            when: Vec::new(),
        }
    }

    pub(crate) fn text_value(&self) -> Option<&Text<'t>> {
        match &self.val {
            Val::Text(t) => Some(t),
            _ => None,
        }
    }

    /// About how many bytes a copy of the value costs ([`Text::weight`]).
    pub(crate) fn weight(&self) -> usize {
        match &self.val {
            Val::Text(t) => t.weight(),
            _ => 1,
        }
    }

    /// The whole string, when known.
    pub(crate) fn as_str(&self) -> Option<&str> {
        self.text_value()?.literal()
    }

    /// The literal scalar's style, if the value is written as one.
    pub(crate) fn style(&self) -> Option<Style> {
        self.node.and_then(|n| n.scalar()).map(|s| s.style)
    }

    /// An integer value, written as a number or a numeric string; one too large for `i64`
    /// is `i64::MAX` (or `i64::MIN`), out of every range.
    pub(crate) fn as_int(&self) -> Option<i64> {
        parse_whole(self.as_str()?)
    }

    /// A condition note for messages: "when `IsProd` is true".
    pub(crate) fn when_note(&self) -> Option<String> {
        describe_when(&self.when)
    }
}

/// A whole number, written with optional sign and spaces around; one with too many digits
/// for `i64` saturates (it is a whole number, just out of range).
pub(crate) fn parse_whole(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(value) = s.parse::<i64>() {
        return Some(value);
    }
    let (negative, digits) = match s.strip_prefix('-') {
        Some(digits) => (true, digits),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(if negative { i64::MIN } else { i64::MAX })
}

/// "when `A` is true and `B` is false", or nothing for no conditions.
pub(crate) fn describe_when(when: &[(&str, bool)]) -> Option<String> {
    if when.is_empty() {
        return None;
    }
    let parts: Vec<String> = when
        .iter()
        .map(|(name, value)| format!("`{name}` is {value}"))
        .collect();
    Some(format!("when {}", parts.join(" and ")))
}

/// Whether condition branches can all be taken at once (no condition is both true and false).
pub(crate) fn consistent(sets: &[&[(&str, bool)]]) -> bool {
    let mut seen: Vec<(&str, bool)> = Vec::new();
    for set in sets {
        for &(name, value) in *set {
            match seen.iter().find(|(n, _)| *n == name) {
                Some(&(_, v)) if v != value => return false,
                Some(_) => {}
                None => seen.push((name, value)),
            }
        }
    }
    true
}

/// The conditions of several settings together, for a message: "when `A` is true".
pub(crate) fn merged_when<'t>(sets: &[&[(&'t str, bool)]]) -> Vec<(&'t str, bool)> {
    let mut merged: Vec<(&'t str, bool)> = Vec::new();
    for set in sets {
        for &(name, value) in *set {
            if !merged.iter().any(|(n, _)| *n == name) {
                merged.push((name, value));
            }
        }
    }
    merged
}

/// Alternatives past this many collapse to one unknown: combinations of `Fn::If`s multiply.
const MAX_ALTERNATIVES: usize = 32;

/// A resolved string heavier than this ([`Text::weight`], about its length in bytes) is a
/// hole: `Fn::Sub` and `Fn::Join` of values that are themselves joins can double in length
/// with every level.
pub(crate) const MAX_TEXT_WEIGHT: usize = 64 * 1024;

/// Work units resolution may spend on a file, whatever its size, and per byte of it. A unit
/// is one node resolved or about 16 bytes of text copied; when they are spent, values are
/// unknown, which rules read as "not known, stay silent".
const BUDGET_BASE: usize = 4_000_000;
const BUDGET_PER_BYTE: usize = 64;

/// What resolution knows about the deployment: the template, and the Region, account and
/// parameter values the command line or configuration gave.
pub(crate) struct Env<'t> {
    pub template: Option<&'t Template<'t>>,
    pub region: Option<&'t str>,
    pub account: Option<&'t str>,
    /// The Region's partition.
    pub partition: Option<&'static Partition>,
    /// Stack parameter values, which override Default and AllowedValues.
    pub parameters: &'t HashMap<String, String>,
    /// What the stack's template reaches of the other stacks of its deployment.
    pub links: Option<&'t StackLinks>,
    /// Work units resolution has left for this file (shared by every resolver of the file,
    /// which rules run on several threads).
    budget: AtomicUsize,
}

/// Where the stack is deployed, as far as the command line or configuration says: the Region,
/// the account and parameter values. Plain values, so the model does not read settings.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Deployment<'t> {
    pub region: Option<&'t str>,
    pub account: Option<&'t str>,
    /// Stack parameter values, which override Default and AllowedValues.
    pub parameters: &'t HashMap<String, String>,
    /// What the stack's template reaches of the other stacks of its deployment.
    pub links: Option<&'t StackLinks>,
}

#[cfg(test)]
impl Deployment<'static> {
    /// Nothing known about the deployment (the model's tests).
    pub(crate) fn nowhere() -> Deployment<'static> {
        static NONE: std::sync::LazyLock<HashMap<String, String>> =
            std::sync::LazyLock::new(HashMap::new);
        Deployment {
            region: None,
            account: None,
            parameters: &NONE,
            links: None,
        }
    }
}

impl<'t> Env<'t> {
    pub(crate) fn new(template: Option<&'t Template<'t>>, deployment: Deployment<'t>) -> Env<'t> {
        let Deployment {
            region,
            account,
            parameters,
            links,
        } = deployment;
        let size = template.map_or(0, |t| t.root.span.range().len());
        Env {
            budget: AtomicUsize::new(
                BUDGET_BASE.saturating_add(size.saturating_mul(BUDGET_PER_BYTE)),
            ),
            template,
            region,
            account,
            partition: region.and_then(regions::partition_of_region),
            parameters,
            links,
        }
    }
}

impl Env<'_> {
    /// Takes `units` from the file's budget; false when it is spent.
    pub(crate) fn spend(&self, units: usize) -> bool {
        self.budget
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                left.checked_sub(units)
            })
            .is_ok()
    }
}

/// Condition values fixed for one scenario; conditions not listed may take either value.
pub(crate) type Scenario<'t> = [(&'t str, bool)];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Node;
    use crate::source::yaml;

    #[test]
    fn conditions_agree_unless_one_is_both_true_and_false() {
        assert!(consistent(&[&[("A", true)], &[("B", false)], &[]]));
        assert!(consistent(&[&[("A", true)], &[("A", true)]]));
        assert!(!consistent(&[&[("A", true)], &[("B", true), ("A", false)]]));
    }

    fn with_template<R>(
        text: &str,
        deployment: Deployment<'_>,
        f: impl FnOnce(&Resolver, &Node) -> R,
    ) -> R {
        let loaded = yaml::load(text);
        let root = loaded.root.unwrap();
        let template = Template::new(&root);
        let env = Env::new(Some(&template), deployment);
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
    fn huge_whole_numbers_saturate() {
        assert_eq!(parse_whole(" 42 "), Some(42));
        assert_eq!(parse_whole(&"9".repeat(100)), Some(i64::MAX));
        assert_eq!(
            parse_whole(&format!("-{}", "9".repeat(100))),
            Some(i64::MIN)
        );
        assert_eq!(parse_whole("12a"), None);
        assert_eq!(parse_whole("-"), None);
    }

    #[test]
    fn resolves_intrinsics_to_alternatives() {
        with_template(TEMPLATE, Deployment::nowhere(), |r, root| {
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
        let parameters = [("Other".to_owned(), "given".to_owned())].into();
        let deployment = Deployment {
            region: Some("eu-west-1"),
            account: Some("111122223333"),
            parameters: &parameters,
            links: None,
        };
        with_template(TEMPLATE, deployment, |r, root| {
            let v = root.get("Resources").unwrap().get("V").unwrap();
            let get = |k| shown(&r.resolve(v.get(k).unwrap()));
            assert_eq!(get("A"), ["arn:aws:kms:eu-west-1:111122223333:key/${Key}"]);
            assert_eq!(get("F"), ["arn:aws:kms:eu-west-1:111122223333:key/mrk-1"]);
            assert_eq!(get("D"), ["a:${Key.Arn}:given"]);
        });
    }

    #[test]
    fn parameter_alternatives_point_at_their_values() {
        with_template(TEMPLATE, Deployment::nowhere(), |r, root| {
            let v = root.get("Resources").unwrap().get("V").unwrap();
            let alts = r.resolve(v.get("B").unwrap());
            let text = TEMPLATE;
            assert_eq!(&text[alts[1].span.range()], "HMAC_256");
            assert_eq!(alts[1].param.as_ref().unwrap().name, "Spec");
        });
    }
}
