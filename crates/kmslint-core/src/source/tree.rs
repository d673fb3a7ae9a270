//! The located tree both loaders build: YAML and JSON look the same from here on.
//!
//! Scalars keep their text as written (after unquoting) and their style; what they mean
//! (a boolean, a number, a YAML 1.1 `yes`) is decided by the model. Short-form tags are
//! already long forms here: `!Sub x` is the map `{"Fn::Sub": x}` whose key span is the tag.

use std::borrow::Cow;

use super::Span;

#[derive(Clone, Debug, PartialEq)]
pub struct Node<'a> {
    pub span: Span,
    pub value: Value<'a>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value<'a> {
    Scalar(Scalar<'a>),
    Seq(Vec<Node<'a>>),
    /// Keys are unique: a duplicate replaces the earlier entry (and is reported by the loader),
    /// as CloudFormation's own parsers keep the last one.
    Map(Vec<Entry<'a>>),
    /// Something the loader reported and could not represent (a YAML alias, a complex key).
    Invalid,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Scalar<'a> {
    pub text: Cow<'a, str>,
    pub style: Style,
}

/// How a scalar was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
    JsonString,
    JsonNumber,
    JsonBool,
    JsonNull,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Entry<'a> {
    pub key: Cow<'a, str>,
    pub key_span: Span,
    pub value: Node<'a>,
}

impl<'a> Node<'a> {
    pub(crate) fn scalar(&self) -> Option<&Scalar<'a>> {
        match &self.value {
            Value::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// The text of a scalar, whatever its style.
    pub fn as_str(&self) -> Option<&str> {
        self.scalar().map(|s| s.text.as_ref())
    }

    pub(crate) fn as_map(&self) -> Option<&[Entry<'a>]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node<'a>]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// The items of a list, or the node itself as a list of one (IAM's "string or list").
    pub(crate) fn one_or_many(&self) -> &[Node<'a>] {
        match &self.value {
            Value::Seq(items) => items,
            _ => std::slice::from_ref(self),
        }
    }

    pub(crate) fn entry(&self, key: &str) -> Option<&Entry<'a>> {
        self.as_map()?.iter().find(|e| e.key == key)
    }

    pub fn get(&self, key: &str) -> Option<&Node<'a>> {
        self.entry(key).map(|e| &e.value)
    }

    /// A map with exactly one entry whose key is an intrinsic function name (`Ref`,
    /// `Condition` or `Fn::…`): the function's name, its key span and its argument.
    pub(crate) fn intrinsic(&self) -> Option<(&str, Span, &Node<'a>)> {
        match self.as_map()? {
            [e] if e.key == "Ref" || e.key == "Condition" || e.key.starts_with("Fn::") => {
                Some((e.key.as_ref(), e.key_span, &e.value))
            }
            _ => None,
        }
    }

    pub(crate) fn is_null(&self) -> bool {
        match &self.value {
            Value::Scalar(s) => match s.style {
                Style::JsonNull => true,
                Style::Plain => matches!(s.text.as_ref(), "" | "~" | "null" | "Null" | "NULL"),
                _ => false,
            },
            _ => false,
        }
    }

    /// What kind of value this is, for messages: "a string", "a list", …
    pub(crate) fn kind_name(&self) -> &'static str {
        match &self.value {
            Value::Scalar(s) => match s.style {
                Style::JsonNumber => "a number",
                Style::JsonBool => "a boolean",
                Style::JsonNull => "null",
                _ if self.is_null() => "null",
                _ => "a string",
            },
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
            Value::Invalid => "an invalid value",
        }
    }
}

/// What a [`Node::walk`] does after a visit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Walk {
    /// Go on into what is below (a node's items or entries, an entry's value).
    Into,
    /// Go on, but not below this.
    Over,
    /// End the walk.
    Stop,
}

/// One visit of a [`Node::walk`]: a node, or a mapping's entry (its key) before its value.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Visit<'n, 'a> {
    Node(&'n Node<'a>),
    Entry(&'n Entry<'a>),
}

impl<'a> Node<'a> {
    /// Visits this node and everything below it in document order, with the depth of each
    /// node (this one: 0; an entry has its mapping's depth): a mapping's entries each come
    /// just before their value. `f` says whether to go below what it visited, or to stop;
    /// the answer is `false` when it stopped. A walk never goes deeper than the loaders'
    /// nesting limit ([`super::MAX_DEPTH`]), which no loaded tree passes, so the bound
    /// only matters for trees built otherwise. Walks that cut earlier do it in `f`.
    pub(crate) fn walk<'n>(&'n self, f: &mut dyn FnMut(Visit<'n, 'a>, usize) -> Walk) -> bool {
        self.walk_at(0, f)
    }

    fn walk_at<'n>(
        &'n self,
        depth: usize,
        f: &mut dyn FnMut(Visit<'n, 'a>, usize) -> Walk,
    ) -> bool {
        if depth > super::MAX_DEPTH {
            return true;
        }
        match f(Visit::Node(self), depth) {
            Walk::Into => {}
            Walk::Over => return true,
            Walk::Stop => return false,
        }
        match &self.value {
            Value::Map(entries) => {
                for entry in entries {
                    match f(Visit::Entry(entry), depth) {
                        Walk::Into => {}
                        Walk::Over => continue,
                        Walk::Stop => return false,
                    }
                    if !entry.value.walk_at(depth + 1, f) {
                        return false;
                    }
                }
                true
            }
            Value::Seq(items) => items.iter().all(|item| item.walk_at(depth + 1, f)),
            Value::Scalar(_) | Value::Invalid => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_walk_visits_in_document_order_and_can_skip_and_stop() {
        let scalar = |text: &'static str, at: usize| Node {
            span: Span::new(at, at + 1),
            value: Value::Scalar(Scalar {
                text: Cow::Borrowed(text),
                style: Style::Plain,
            }),
        };
        let entry = |key: &'static str, at: usize, value: Node<'static>| Entry {
            key: Cow::Borrowed(key),
            key_span: Span::new(at, at + 1),
            value,
        };
        let list = Node {
            span: Span::new(4, 9),
            value: Value::Seq(vec![scalar("c", 5), scalar("d", 7)]),
        };
        let root = Node {
            span: Span::new(0, 9),
            value: Value::Map(vec![entry("a", 0, scalar("b", 2)), entry("l", 3, list)]),
        };
        let mut seen = Vec::new();
        let done = root.walk(&mut |visit, depth| {
            match visit {
                Visit::Node(n) => seen.push(format!("{}@{depth}", n.as_str().unwrap_or("+"))),
                Visit::Entry(e) => seen.push(format!("{}:", e.key)),
            }
            Walk::Into
        });
        assert!(done);
        assert_eq!(seen, ["+@0", "a:", "b@1", "l:", "+@1", "c@2", "d@2"]);
        let mut seen = Vec::new();
        let done = root.walk(&mut |visit, _| match visit {
            Visit::Entry(e) if e.key == "a" => Walk::Over,
            Visit::Node(n) if n.as_str() == Some("c") => Walk::Stop,
            Visit::Node(n) => {
                seen.extend(n.as_str());
                Walk::Into
            }
            Visit::Entry(_) => Walk::Into,
        });
        assert!(!done);
        assert!(seen.is_empty(), "{seen:?}");
    }

    /// A node's size is most of what a large file's tree costs: a flow list of one-character
    /// scalars is a node every two bytes. Keep it from growing unnoticed.
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn nodes_stay_small() {
        assert_eq!(size_of::<Span>(), 8);
        assert_eq!(size_of::<Node<'_>>(), 40);
        assert_eq!(size_of::<Entry<'_>>(), 72);
    }
}
