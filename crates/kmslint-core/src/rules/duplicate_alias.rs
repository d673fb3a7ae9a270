//! KMS403 duplicate-alias: two `AWS::KMS::Alias` resources of one template with the same
//! `AliasName`. A template deploys to one account and Region, where an alias name is unique
//! (CreateAlias: `AlreadyExistsException`), so the second alias fails.
//!
//! Names are compared as resolved, so `!Sub 'alias/${AWS::StackName}-data'` and
//! `!Join ['', [alias/, !Ref AWS::StackName, -data]]` are the same name, as are two uses of
//! one parameter. Parts that are unknown and not tied to one value (an import, an unknown
//! function) make a name incomparable. Names are compared case-sensitively. Two aliases that
//! cannot exist together — resource `Condition`s, or `Fn::If` branches, that no deployment can
//! make true at once (`Conditions::satisfiable`) — are not duplicates. Nor are names that two
//! different parameters pick among their `AllowedValues`: the deployer can choose them apart.
//! A value of one parameter that clashes with a fixed name, or one parameter naming two
//! aliases alike, is reported, with the parameter's value as a related location.

use std::collections::HashMap;

use crate::diagnostic::Severity;
use crate::facts::resources::ALIAS;
use crate::model::Resource;
use crate::model::value::{Alt, Hole, Part, Val, describe_when};
use crate::source::Node;

use super::common::resources;
use super::{Context, FixAvailability, Reporter, Rule, RuleInfo, RuleKind};

/// What `kmslint rules` lists of the rule: its summary and documentation are in
/// `rules/KMS403.md`, whose front matter must agree with this.
pub(crate) const RULE: RuleInfo = RuleInfo {
    code: "KMS403",
    name: "duplicate-alias",
    severity: Severity::Error,
    also: &[],
    fix: FixAvailability::Never,
    default: true,
    kind: RuleKind::File,
};

pub(crate) struct DuplicateAlias;

/// One name an alias can take, with where it is written.
struct Name<'a, 't> {
    text: String,
    alias: &'a Resource<'t>,
    node: &'t Node<'t>,
    alt: Alt<'t>,
    /// The parameter whose value picks this name among several, if any.
    choice: Option<&'t str>,
}

impl Rule for DuplicateAlias {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Reporter) {
        let resolver = cx.resolver();
        // Names seen so far, by their text: templates with hundreds of aliases stay linear.
        let mut seen: HashMap<String, Vec<Name<'_, '_>>> = HashMap::new();
        for alias in resources(cx, ALIAS) {
            let Some(node) = alias.property("AliasName") else {
                continue;
            };
            let alts = resolver.resolve(node);
            let names: Vec<Name<'_, '_>> = alts
                .iter()
                .filter_map(|alt| {
                    let choice = param_of(alt).filter(|&p| {
                        alts.iter()
                            .filter(|other| param_of(other) == Some(p))
                            .count()
                            > 1
                    });
                    Some(Name {
                        text: comparable(alt)?,
                        alias,
                        node,
                        alt: alt.clone(),
                        choice,
                    })
                })
                .collect();
            let clash = names.iter().find_map(|name| {
                seen.get(&name.text)?
                    .iter()
                    .find(|first| coexist(cx, first, name))
                    .map(|first| (first, name))
            });
            if let Some((first, name)) = clash {
                let mut message = format!(
                    "the alias name `{}` is already used by `{}`; an alias name must be unique in an account and Region",
                    name.text, first.alias.name
                );
                // Say under which conditions both exist, when that is not always.
                let mut when: Vec<(&str, bool)> = Vec::new();
                let created = [first.alias.condition, alias.condition];
                let created = created.iter().flatten().map(|&c| (c, true));
                for w in created
                    .chain(first.alt.when.iter().copied())
                    .chain(name.alt.when.iter().copied())
                {
                    if !when.contains(&w) {
                        when.push(w);
                    }
                }
                if let Some(note) = describe_when(&when) {
                    message = format!("{message} ({note})");
                }
                let diagnostic = out.report(name.node.span, message);
                diagnostic
                    .with_resource(alias.name)
                    .with_related(
                        first.node.span,
                        format!("`{}` takes the name here", first.alias.name),
                    )
                    .with_help("give each alias its own name; a key can have several aliases, but each name only one key");
                match (first.choice, name.choice) {
                    (Some(p), Some(q)) if p == q && first.alt.span == name.alt.span => {
                        diagnostic.with_related(
                            name.alt.span,
                            format!("both get this name when parameter `{p}` has this value"),
                        );
                    }
                    _ => {
                        for side in [first, name] {
                            if let Some(param) = side.choice {
                                diagnostic.with_related(
                                    side.alt.span,
                                    format!("`{}` gets this name when parameter `{param}` has this value", side.alias.name),
                                );
                            }
                        }
                    }
                }
            }
            for name in names {
                seen.entry(name.text.clone()).or_default().push(name);
            }
        }
    }
}

fn param_of<'t>(alt: &Alt<'t>) -> Option<&'t str> {
    alt.param.as_ref().map(|p| p.name)
}

/// The name as text when every part of it is fixed for one deployment.
fn comparable(alt: &Alt<'_>) -> Option<String> {
    let Val::Text(text) = &alt.val else {
        return None;
    };
    let fixed = text.parts.iter().all(|part| match part {
        Part::Lit(_) => true,
        Part::Hole(hole) => !matches!(hole, Hole::Import | Hole::Linked(_) | Hole::Unknown),
    });
    fixed.then(|| text.display())
}

/// Whether both aliases are certainly created, with these names, in some deployment. Names
/// picked by two different parameters' values are not: the deployer can pick others.
fn coexist(cx: &Context<'_, '_>, a: &Name<'_, '_>, b: &Name<'_, '_>) -> bool {
    if let (Some(p), Some(q)) = (a.choice, b.choice)
        && p != q
    {
        return false;
    }
    let mut assignment: Vec<(&str, bool)> = Vec::new();
    let conditions = [a.alias.condition, b.alias.condition];
    let required = conditions.iter().flatten().map(|&c| (c, true));
    for (name, value) in required
        .chain(a.alt.when.iter().copied())
        .chain(b.alt.when.iter().copied())
    {
        match assignment.iter().find(|(n, _)| *n == name) {
            Some(&(_, v)) if v != value => return false,
            Some(_) => {}
            None => assignment.push((name, value)),
        }
    }
    cx.conditions.satisfiable(&assignment)
}
