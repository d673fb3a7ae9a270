//! A change between two versions of a template, on the model: which resource of the old
//! version is which of the new one, and whether a value certainly changed.
//!
//! Reordering, reformatting, comments and YAML ↔ JSON are not changes: resources are matched
//! by logical ID and compared as data (a key policy written as a JSON string is compared as
//! the JSON it holds). A value changed only when it certainly did: two different literals,
//! a reference to a resource this update creates, two different resources of the stack. A
//! parameter's value is not known on an update (the stack keeps the value it was given), so
//! a value read through a parameter is compared only when the command line gives it.

use std::collections::{HashMap, HashSet};

use crate::facts::resources::{KEY, REPLICA_KEY};
use crate::model::EmbeddedPolicy;
use crate::model::conditions::Conditions;
use crate::model::template::{Resource, Template};
use crate::model::value::{
    Alt, Env, Hole, Part, Resolver, Text, Val, consistent, describe_when, merged_when,
};
use crate::source::{Node, Span, Value};

/// What became of a resource of the old version.
pub(crate) enum Fate<'a, 'n> {
    /// The same logical ID and type.
    Kept(&'a Resource<'n>),
    /// Gone under its ID, and a new resource of the same type and the same properties has
    /// appeared under another: a rename.
    Renamed(&'a Resource<'n>),
    /// The same logical ID with another type: CloudFormation rejects the update.
    TypeChanged,
    Removed,
}

/// One version of the template, as the comparison reads it.
pub(crate) struct Version<'a, 't> {
    pub template: &'t Template<'t>,
    pub embedded: &'t [EmbeddedPolicy<'t>],
    pub env: &'a Env<'t>,
    pub conditions: &'a Conditions<'t>,
}

pub(crate) struct Matching<'a, 'o, 'n> {
    pub old: &'o Template<'o>,
    pub new: &'n Template<'n>,
    old_embedded: &'o [EmbeddedPolicy<'o>],
    new_embedded: &'n [EmbeddedPolicy<'n>],
    old_env: &'a Env<'o>,
    new_env: &'a Env<'n>,
    old_conditions: &'a Conditions<'o>,
    new_conditions: &'a Conditions<'n>,
    /// Old keys gone under their ID, with the index of the new resource they became.
    renamed: HashMap<&'o str, usize>,
}

/// The most nesting [`same_node`] follows; deeper trees are taken as different.
const MAX_DEPTH: usize = 128;

impl<'a, 'o, 'n> Matching<'a, 'o, 'n> {
    pub(crate) fn new(old: Version<'a, 'o>, new: Version<'a, 'n>) -> Matching<'a, 'o, 'n> {
        let (old_embedded, new_embedded) = (old.embedded, new.embedded);
        let mut matching = Matching {
            old: old.template,
            new: new.template,
            old_embedded,
            new_embedded,
            old_env: old.env,
            new_env: new.env,
            old_conditions: old.conditions,
            new_conditions: new.conditions,
            renamed: HashMap::new(),
        };
        let (old, new) = (old.template, new.template);
        // Renames are looked for among keys only: what a rename costs is the key's deletion.
        // Each new key is the rename of at most one old key, the first in file order.
        let mut taken: HashSet<usize> = HashSet::new();
        for type_name in [KEY, REPLICA_KEY] {
            let mut added: HashMap<u64, Vec<usize>> = HashMap::new();
            for (i, r) in new.resources.iter().enumerate() {
                if r.type_name == Some(type_name) && old.resource(r.name).is_none() {
                    added
                        .entry(fingerprint(r, new_embedded))
                        .or_default()
                        .push(i);
                }
            }
            if added.is_empty() {
                continue;
            }
            // The first candidate not taken yet, per bucket: renamed keys with the same
            // properties are paired in file order without rescanning the taken ones.
            let mut first_free: HashMap<u64, usize> = HashMap::new();
            for gone in old.resources_of_type(type_name) {
                if new.resource(gone.name).is_some() {
                    continue;
                }
                let print = fingerprint(gone, old_embedded);
                let Some(candidates) = added.get(&print) else {
                    continue;
                };
                let start = first_free.entry(print).or_default();
                // Properties with the same fingerprint are the same but for pathological
                // input (nesting too deep to compare): a few candidates are enough.
                let twin = candidates[*start..]
                    .iter()
                    .copied()
                    .filter(|i| !taken.contains(i))
                    .take(8)
                    .find(|&i| matching.same_properties(gone, &new.resources[i]));
                if let Some(i) = twin {
                    taken.insert(i);
                    matching.renamed.insert(gone.name, i);
                    while candidates.get(*start).is_some_and(|c| taken.contains(c)) {
                        *start += 1;
                    }
                }
            }
        }
        matching
    }

    /// What became of the old resource `old`.
    pub(crate) fn fate(&self, old: &Resource<'o>) -> Fate<'_, 'n> {
        if let Some(new) = self.new.resource(old.name) {
            return if new.type_name == old.type_name {
                Fate::Kept(new)
            } else {
                Fate::TypeChanged
            };
        }
        match self.renamed.get(old.name) {
            Some(&i) => Fate::Renamed(&self.new.resources[i]),
            None => Fate::Removed,
        }
    }

    /// The old resources of `type_name` with the same logical ID and type in the new version.
    pub(crate) fn kept<'s>(
        &'s self,
        type_name: &'s str,
    ) -> impl Iterator<Item = (&'s Resource<'o>, &'s Resource<'n>)> + 's {
        self.old.resources_of_type(type_name).filter_map(|old| {
            let new = self.new.resource(old.name)?;
            (new.type_name == old.type_name).then_some((old, new))
        })
    }

    /// Whether the new version's resource `name` is created by this update: the old version
    /// has no resource of that ID and type.
    pub(crate) fn is_created(&self, name: &str) -> bool {
        match (self.new.resource(name), self.old.resource(name)) {
            (Some(new), Some(old)) => new.type_name != old.type_name,
            (Some(_), None) => true,
            (None, _) => false,
        }
    }

    /// Whether `name` is a resource of both versions (same ID and type).
    fn is_kept(&self, name: &str) -> bool {
        matches!(
            (self.old.resource(name), self.new.resource(name)),
            (Some(old), Some(new)) if old.type_name == new.type_name
        )
    }

    /// Whether two resources have the same properties, as data.
    pub(crate) fn same_properties(&self, old: &Resource<'o>, new: &Resource<'n>) -> bool {
        let (Some(a), Some(b)) = (old.properties, new.properties) else {
            return old.properties.is_none() && new.properties.is_none();
        };
        let (Some(entries), Some(others)) = (a.as_map(), b.as_map()) else {
            return same_node(a, b, 0);
        };
        let others: HashMap<&str, &Node<'n>> =
            others.iter().map(|e| (e.key.as_ref(), &e.value)).collect();
        entries.len() == others.len()
            && entries
                .iter()
                .all(|entry| match others.get(entry.key.as_ref()) {
                    None => false,
                    Some(_) if entry.key == "KeyPolicy" => self.same_policy(old, new),
                    Some(other) => same_node(&entry.value, other, 0),
                })
    }

    /// Whether two resources' key policies are the same document, whether written as
    /// mappings or as JSON strings.
    pub(crate) fn same_policy(&self, old: &Resource<'o>, new: &Resource<'n>) -> bool {
        match (
            policy_root(old, self.old_embedded),
            policy_root(new, self.new_embedded),
        ) {
            (None, None) => true,
            (Some(a), Some(b)) => same_node(a, b, 0),
            _ => false,
        }
    }

    /// How a value certainly changed between the two versions, if it did. `default` is the
    /// value an absent property has (`KeySpec`: `SYMMETRIC_DEFAULT`); without one, setting a
    /// property that was not set (or the reverse) is a change. `fold` brings literals to one
    /// spelling before they are compared (`True` and `true`).
    pub(crate) fn value_change(
        &self,
        old: Option<&'o Node<'o>>,
        new: Option<&'n Node<'n>>,
        default: Option<&str>,
        fold: fn(&str) -> String,
    ) -> Option<ValueChange> {
        if let (Some(a), Some(b)) = (old, new)
            && same_node(a, b, 0)
        {
            return None;
        }
        let old_alts = old.map_or_else(Vec::new, |n| Resolver::new(self.old_env).resolve(n));
        let new_alts = new.map_or_else(Vec::new, |n| Resolver::new(self.new_env).resolve(n));
        // Branches the conditions rule out (a parameter given on the command line decides
        // them) are not values the property can take.
        let old_values: Vec<Known<'_, 'o>> = values(&old_alts, old.is_none())
            .into_iter()
            .filter(|k| self.old_conditions.satisfiable(k.when()))
            .collect();
        let new_values: Vec<Known<'_, 'n>> = values(&new_alts, new.is_none())
            .into_iter()
            .filter(|k| self.new_conditions.satisfiable(k.when()))
            .collect();
        let mut pairs = 0;
        let mut differing = Vec::new();
        for a in &old_values {
            for b in &new_values {
                if !consistent(&[a.when(), b.when()]) {
                    continue;
                }
                let when = merged_when(&[a.when(), b.when()]);
                pairs += 1;
                if self.differ(a, b, default, fold) {
                    differing.push((a, b, when));
                }
            }
        }
        let (a, b, when) = differing.first()?;
        let show = |known: &Known<'_, '_>| match known {
            Known::Absent(..) => match default {
                Some(default) => format!("`{default}` (not set)"),
                None => "not set".to_owned(),
            },
            Known::Value(alt) => match alt.text_value() {
                Some(text) => match text.only_hole() {
                    Some(Hole::Import) => "an imported value (`Fn::ImportValue`)".to_owned(),
                    Some(Hole::Linked(_)) => "a key of another stack".to_owned(),
                    Some(Hole::Param(name)) => format!("the value of parameter `{name}`"),
                    Some(Hole::Unknown) => "a value not known here".to_owned(),
                    _ => format!("`{}`", text.display_short()),
                },
                None => "a value".to_owned(),
            },
        };
        Some(ValueChange {
            old_set: matches!(a, Known::Value(_)),
            new_set: matches!(b, Known::Value(_)),
            old_span: a.span(),
            new_span: b.span(),
            old: show(a),
            new: show(b),
            when: if differing.len() < pairs || pairs == 0 {
                describe_when(when)
            } else {
                None
            },
            same_resource: match (a, b) {
                (Known::Value(a), Known::Value(b)) => {
                    let name = |alt: &Alt<'_>| match alt.text_value()?.only_hole()? {
                        Hole::Ref(name) | Hole::GetAtt(name, _) => Some(name.to_string()),
                        _ => None,
                    };
                    name(a).is_some() && name(a) == name(b)
                }
                _ => false,
            },
        })
    }

    fn differ(
        &self,
        a: &Known<'_, 'o>,
        b: &Known<'_, 'n>,
        default: Option<&str>,
        fold: fn(&str) -> String,
    ) -> bool {
        let default = default.map(Text::lit);
        let a = match (a, &default) {
            (Known::Absent(..), Some(d)) => Some(d),
            (Known::Absent(..), None) => None,
            (Known::Value(alt), _) => alt.text_value(),
        };
        let b = match (b, &default) {
            (Known::Absent(..), Some(d)) => Some(d),
            (Known::Absent(..), None) => None,
            (Known::Value(alt), _) => alt.text_value(),
        };
        match (a, b) {
            (None, None) => false,
            // Set where it was not (or the reverse): a change, whatever the value set (an
            // import or a parameter is some string, and `AWS::NoValue` is not set).
            (Some(_), None) | (None, Some(_)) => true,
            (Some(a), Some(b)) => self.texts_differ(a, b, fold),
        }
    }

    /// `Fn::GetAtt Key.KeyId` of a key is its `Ref`: the same text.
    fn normal<'x>(&self, text: &Text<'x>) -> Text<'x> {
        let is_key = |name: &str| {
            [self.old.resource(name), self.new.resource(name)]
                .into_iter()
                .flatten()
                .any(|r| matches!(r.type_name, Some(KEY | REPLICA_KEY)))
        };
        Text {
            parts: text
                .parts
                .iter()
                .map(|p| match p {
                    Part::Hole(Hole::GetAtt(name, "KeyId")) if is_key(name) => {
                        Part::Hole(Hole::Ref(name))
                    }
                    other => other.clone(),
                })
                .collect(),
        }
    }

    /// Whether two strings certainly differ, whatever the values their holes stand for.
    fn texts_differ(&self, a: &Text<'_>, b: &Text<'_>, fold: fn(&str) -> String) -> bool {
        let (a, b) = (&self.normal(a), &self.normal(b));
        if same_text(a, b) || uncertain(a) || uncertain(b) {
            return false;
        }
        if let (Some(a), Some(b)) = (a.literal(), b.literal()) {
            return fold(a) != fold(b);
        }
        // Known text before the first hole (or after the last) that cannot be the same.
        let (pa, pb) = (a.literal_prefix(), b.literal_prefix());
        if !pa.starts_with(pb) && !pb.starts_with(pa) {
            return true;
        }
        let (sa, sb) = (literal_suffix(a), literal_suffix(b));
        if !sa.ends_with(sb) && !sb.ends_with(sa) {
            return true;
        }
        let resource = |t: &Text<'_>| match t.only_hole() {
            Some(Hole::Ref(name)) => Some((name.to_string(), None)),
            Some(Hole::GetAtt(name, attribute)) => {
                Some((name.to_string(), Some(attribute.to_string())))
            }
            _ => None,
        };
        match (resource(a), resource(b)) {
            (Some((x, xa)), Some((y, ya))) => {
                // A resource this update creates has a new physical ID; two resources of the
                // stack have different ones; the same resource's ID and ARN differ as text.
                self.is_created(&y)
                    || (x == y && xa != ya)
                    || (x != y && self.is_kept(&x) && self.is_kept(&y))
            }
            // A literal may be the ID of a resource that already exists, but not of one this
            // update creates.
            (None, Some((y, _))) => a.literal().is_some() && self.is_created(&y),
            _ => false,
        }
    }
}

/// A resource's `KeyPolicy` as data: the JSON a string holds, parsed, or the mapping.
fn policy_root<'t>(
    resource: &Resource<'t>,
    embedded: &'t [EmbeddedPolicy<'t>],
) -> Option<&'t Node<'t>> {
    match embedded.iter().find(|e| e.resource == resource.name) {
        Some(e) => e.loaded.root.as_ref(),
        None => resource.property("KeyPolicy"),
    }
}

/// A hash of a resource's properties as data, the same for resources [`Matching::same_properties`]
/// finds equal: renames are looked for only among keys with the same one, so that a template
/// of many renamed keys is not compared pair by pair.
fn fingerprint<'t>(resource: &Resource<'t>, embedded: &'t [EmbeddedPolicy<'t>]) -> u64 {
    use std::hash::{Hash, Hasher};
    // Not `Node::walk`: the hash folds each node's children bottom-up, which a visit cannot.
    fn node_hash(node: &Node<'_>, depth: usize) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        match &node.value {
            _ if depth > MAX_DEPTH => 0u8.hash(&mut h),
            Value::Scalar(s) => (1u8, s.text.as_ref()).hash(&mut h),
            Value::Seq(items) => {
                2u8.hash(&mut h);
                for item in items {
                    node_hash(item, depth + 1).hash(&mut h);
                }
            }
            Value::Map(entries) => {
                // In any order: a sum of the entries' hashes.
                let sum = entries.iter().fold(0u64, |sum, e| {
                    let mut eh = std::collections::hash_map::DefaultHasher::new();
                    (e.key.as_ref(), node_hash(&e.value, depth + 1)).hash(&mut eh);
                    sum.wrapping_add(eh.finish())
                });
                (3u8, sum).hash(&mut h);
            }
            Value::Invalid => 4u8.hash(&mut h),
        }
        h.finish()
    }
    let Some(properties) = resource.properties else {
        return 0;
    };
    let Some(entries) = properties.as_map() else {
        return node_hash(properties, 0);
    };
    entries.iter().fold(0u64, |sum, e| {
        let mut eh = std::collections::hash_map::DefaultHasher::new();
        let value = if e.key == "KeyPolicy" {
            policy_root(resource, embedded).map_or(0, |p| node_hash(p, 1))
        } else {
            node_hash(&e.value, 1)
        };
        (e.key.as_ref(), value).hash(&mut eh);
        sum.wrapping_add(eh.finish())
    })
}

/// One value of a property that certainly changed.
pub(crate) struct ValueChange {
    /// Whether the old and the new version set the value (else: not written, or `AWS::NoValue`).
    pub old_set: bool,
    pub new_set: bool,
    /// Where the old and new values are written (none when not set).
    pub old_span: Option<Span>,
    pub new_span: Option<Span>,
    /// The values for a message, in backquotes, or "not set".
    pub old: String,
    pub new: String,
    /// The `Fn::If` conditions under which it changed, when not under all.
    pub when: Option<String>,
    /// Both values name the same resource of the stack, in two forms (its ID and its ARN):
    /// the same thing, yet another text.
    pub same_resource: bool,
}

impl ValueChange {
    /// " (when `IsProd` is true)", or nothing.
    pub(crate) fn when_note(&self) -> String {
        self.when
            .as_ref()
            .map_or_else(String::new, |w| format!(" ({w})"))
    }
}

/// A value a property can take that this file knows: not set (not written, or an
/// `AWS::NoValue` branch, under its conditions), or an alternative.
enum Known<'a, 't> {
    /// Not set: its conditions, and the `AWS::NoValue` that says so, if written.
    Absent(&'a [(&'t str, bool)], Option<Span>),
    Value(&'a Alt<'t>),
}

impl<'t> Known<'_, 't> {
    fn when(&self) -> &[(&'t str, bool)] {
        match self {
            Known::Absent(when, _) => when,
            Known::Value(alt) => &alt.when,
        }
    }

    fn span(&self) -> Option<Span> {
        match self {
            Known::Absent(_, at) => *at,
            Known::Value(alt) => Some(alt.span),
        }
    }
}

/// The alternatives of a value that can be compared: read through a parameter only when the
/// command line gives its value (the stack keeps a parameter's value on an update, whatever
/// the template's `Default`).
fn values<'a, 't>(alts: &'a [Alt<'t>], absent: bool) -> Vec<Known<'a, 't>> {
    if absent {
        return vec![Known::Absent(&[], None)];
    }
    alts.iter()
        .filter(|alt| alt.param.as_ref().is_none_or(|p| p.from_command_line))
        .filter_map(|alt| match &alt.val {
            Val::Text(_) => Some(Known::Value(alt)),
            Val::NoValue => Some(Known::Absent(&alt.when, Some(alt.span))),
            Val::Node(_) | Val::Unknown => None,
        })
        .collect()
}

/// Holes whose value a template alone does not give: a parameter without a known value, a
/// stack name, an import, anything unresolved.
fn uncertain(text: &Text<'_>) -> bool {
    text.parts.iter().any(|p| {
        matches!(
            p,
            Part::Hole(
                Hole::Param(_) | Hole::Stack | Hole::Import | Hole::Linked(_) | Hole::Unknown
            )
        )
    })
}

fn same_text(a: &Text<'_>, b: &Text<'_>) -> bool {
    a.parts.len() == b.parts.len()
        && a.parts.iter().zip(&b.parts).all(|(x, y)| match (x, y) {
            (Part::Lit(x), Part::Lit(y)) => x == y,
            (Part::Hole(x), Part::Hole(y)) => same_hole(x, y),
            _ => false,
        })
}

fn same_hole(a: &Hole<'_>, b: &Hole<'_>) -> bool {
    match (a, b) {
        (Hole::Param(x), Hole::Param(y)) | (Hole::Ref(x), Hole::Ref(y)) => x == y,
        (Hole::GetAtt(x, xa), Hole::GetAtt(y, ya)) => x == y && xa == ya,
        (Hole::Partition, Hole::Partition)
        | (Hole::Region, Hole::Region)
        | (Hole::AccountId, Hole::AccountId)
        | (Hole::UrlSuffix, Hole::UrlSuffix) => true,
        _ => false,
    }
}

/// The known text after the last hole.
fn literal_suffix<'a>(text: &'a Text<'_>) -> &'a str {
    match text.parts.last() {
        Some(Part::Lit(s)) if text.parts.len() > 1 => s,
        _ => "",
    }
}

/// Whether two nodes hold the same data: mappings with the same keys in any order, lists item
/// by item, scalars with the same text whatever their quoting.
// Not `Node::walk`: it goes down two trees in step.
pub(crate) fn same_node(a: &Node<'_>, b: &Node<'_>, depth: usize) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    match (&a.value, &b.value) {
        (Value::Scalar(x), Value::Scalar(y)) => x.text == y.text,
        (Value::Seq(x), Value::Seq(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_node(x, y, depth + 1))
        }
        (Value::Map(x), Value::Map(y)) => {
            if x.len() != y.len() {
                return false;
            }
            // Big mappings (`Resources`) are looked up by key; small ones scanned.
            if x.len() > 8 {
                let index: HashMap<&str, &Node<'_>> =
                    y.iter().map(|e| (e.key.as_ref(), &e.value)).collect();
                x.iter().all(|e| {
                    index
                        .get(e.key.as_ref())
                        .is_some_and(|other| same_node(&e.value, other, depth + 1))
                })
            } else {
                x.iter().all(|e| {
                    y.iter()
                        .any(|o| o.key == e.key && same_node(&e.value, &o.value, depth + 1))
                })
            }
        }
        _ => false,
    }
}
