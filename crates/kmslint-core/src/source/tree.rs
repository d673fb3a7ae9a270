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
    pub fn scalar(&self) -> Option<&Scalar<'a>> {
        match &self.value {
            Value::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// The text of a scalar, whatever its style.
    pub fn as_str(&self) -> Option<&str> {
        self.scalar().map(|s| s.text.as_ref())
    }

    pub fn as_map(&self) -> Option<&[Entry<'a>]> {
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

    pub fn entry(&self, key: &str) -> Option<&Entry<'a>> {
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

impl Node<'_> {
    /// The same tree owning its text.
    pub fn into_owned(self) -> Node<'static> {
        Node {
            span: self.span,
            value: match self.value {
                Value::Scalar(s) => Value::Scalar(Scalar {
                    text: Cow::Owned(s.text.into_owned()),
                    style: s.style,
                }),
                Value::Seq(items) => Value::Seq(items.into_iter().map(Node::into_owned).collect()),
                Value::Map(entries) => Value::Map(
                    entries
                        .into_iter()
                        .map(|e| Entry {
                            key: Cow::Owned(e.key.into_owned()),
                            key_span: e.key_span,
                            value: e.value.into_owned(),
                        })
                        .collect(),
                ),
                Value::Invalid => Value::Invalid,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
