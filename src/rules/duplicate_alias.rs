//! KMS403 duplicate-alias: two `AWS::KMS::Alias` resources of one template with the same
//! `AliasName`. A template deploys to one account and Region, where an alias name is unique
//! (CreateAlias: `AlreadyExistsException`), so the second alias fails.
//!
//! Names are compared as resolved, so `!Sub 'alias/${AWS::StackName}-data'` and
//! `!Join ['', [alias/, !Ref AWS::StackName, -data]]` are the same name, as are two uses of
//! one parameter. Parts that are unknown and not tied to one value (an import, an unknown
//! function) make a name incomparable. Names are compared case-sensitively. Two aliases that
//! cannot exist together — resource `Condition`s, or `Fn::If` branches, that no deployment can
//! make true at once (`Conditions::satisfiable`) — are not duplicates.

use crate::facts::resources::ALIAS;
use crate::model::Resource;
use crate::model::value::{Alt, Hole, Part, Val, describe_when};
use crate::source::Node;

use super::common::resources;
use super::{Context, Reporter, Rule};

pub struct DuplicateAlias;

/// One name an alias can take, with where it is written.
struct Name<'a, 't> {
    text: String,
    alias: &'a Resource<'t>,
    node: &'t Node<'t>,
    alt: Alt<'t>,
}

impl Rule for DuplicateAlias {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Reporter) {
        let resolver = cx.resolver();
        let mut seen: Vec<Name<'_, '_>> = Vec::new();
        for alias in resources(cx, ALIAS) {
            let Some(node) = alias.property("AliasName") else {
                continue;
            };
            let names: Vec<Name<'_, '_>> = resolver
                .resolve(node)
                .into_iter()
                .filter_map(|alt| {
                    Some(Name {
                        text: comparable(&alt)?,
                        alias,
                        node,
                        alt,
                    })
                })
                .collect();
            let clash = names.iter().find_map(|name| {
                seen.iter()
                    .find(|first| first.text == name.text && coexist(cx, first, name))
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
                for w in created.chain(first.alt.when.iter().copied()).chain(name.alt.when.iter().copied()) {
                    if !when.contains(&w) {
                        when.push(w);
                    }
                }
                if let Some(note) = describe_when(&when) {
                    message = format!("{message} ({note})");
                }
                out.report(name.node.span, message)
                    .with_resource(alias.name)
                    .with_related(
                        first.node.span,
                        format!("`{}` takes the name here", first.alias.name),
                    )
                    .with_help("give each alias its own name; a key can have several aliases, but each name only one key");
            }
            seen.extend(names);
        }
    }
}

/// The name as text when every part of it is fixed for one deployment.
fn comparable(alt: &Alt<'_>) -> Option<String> {
    let Val::Text(text) = &alt.val else {
        return None;
    };
    let fixed = text.parts.iter().all(|part| match part {
        Part::Lit(_) => true,
        Part::Hole(hole) => !matches!(hole, Hole::Import | Hole::Unknown),
    });
    fixed.then(|| text.display())
}

/// Whether both aliases can be created, with these names, in one deployment.
fn coexist(cx: &Context<'_, '_>, a: &Name<'_, '_>, b: &Name<'_, '_>) -> bool {
    let mut assignment: Vec<(&str, bool)> = Vec::new();
    let conditions = [a.alias.condition, b.alias.condition];
    let required = conditions.iter().flatten().map(|&c| (c, true));
    for (name, value) in required.chain(a.alt.when.iter().copied()).chain(b.alt.when.iter().copied()) {
        match assignment.iter().find(|(n, _)| *n == name) {
            Some(&(_, v)) if v != value => return false,
            Some(_) => {}
            None => assignment.push((name, value)),
        }
    }
    cx.conditions.satisfiable(&assignment)
}
