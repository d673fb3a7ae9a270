//! `Fn::Sub`: the one parser of its `${Name}` syntax, and its resolution.

use crate::source::{Entry, Node, Span, Value};

use std::collections::HashMap;

use super::resolve::{Concat, Walk, hide_dynamic_references};
use super::{Alt, Hole, Resolver, Text, Val};

/// A piece of an `Fn::Sub` string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Piece<'s> {
    /// Text as written, up to the next `${`.
    Lit(&'s str),
    /// `${!Text}`, which stands for the literal `${Text}`: the text after the `!`.
    Escaped(&'s str),
    /// `${Name}`: the name's byte offset in the string, and the name.
    Var(usize, &'s str),
    /// A `${` that no `}` closes: the rest of the string from it. Always the last piece.
    Unterminated(&'s str),
}

/// Splits an `Fn::Sub` string into literal text, escapes and `${Name}` variables.
pub(crate) fn pieces(s: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = s[from..].find("${").map(|i| i + from) {
        if at > from {
            out.push(Piece::Lit(&s[from..at]));
        }
        let start = at + 2;
        let Some(len) = s[start..].find('}') else {
            out.push(Piece::Unterminated(&s[at..]));
            return out;
        };
        let name = &s[start..start + len];
        out.push(match name.strip_prefix('!') {
            Some(escaped) => Piece::Escaped(escaped),
            // Spaces around a name do not count: `${ Name }` is `${Name}`. AWS's Fn::Sub page
            // does not say so; cfn-lint strips them (aws-cloudformation/cfn-lint#236).
            None => {
                let trimmed = name.trim_start_matches(' ');
                Piece::Var(
                    start + name.len() - trimmed.len(),
                    trimmed.trim_end_matches(' '),
                )
            }
        });
        from = start + len + 1;
    }
    if from < s.len() {
        out.push(Piece::Lit(&s[from..]));
    }
    out
}

/// The literal text an `Fn::Sub` string starts with, before its first `${` (a variable or
/// an escape).
pub(crate) fn literal_head(s: &str) -> &str {
    match pieces(s).first() {
        Some(Piece::Lit(head)) => head,
        _ => "",
    }
}

/// Variables an `Fn::Sub` string uses, with their byte offsets in the string (for KMS003),
/// up to an unterminated `${`.
pub(crate) fn sub_variables(s: &str) -> Vec<(usize, &str)> {
    pieces(s)
        .into_iter()
        .filter_map(|piece| match piece {
            Piece::Var(at, name) => Some((at, name)),
            _ => None,
        })
        .collect()
}

impl<'t> Resolver<'_, 't> {
    /// `Fn::Sub`: a string, or `[string, {Var: value}]`.
    pub(super) fn sub(
        &self,
        node: &'t Node<'t>,
        arg: &'t Node<'t>,
        depth: Walk<'_, 't>,
    ) -> Vec<Alt<'t>> {
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
    pub(crate) fn resolve_sub_string(
        &self,
        node: &'t Node<'t>,
        vars: Option<&'t [Entry<'t>]>,
    ) -> Vec<Alt<'t>> {
        match node.as_str() {
            Some(text) if text.contains("${") => {
                let cache = std::cell::RefCell::default();
                self.sub_text(node, text, vars, node.span, Walk::start(&cache))
            }
            _ => self.resolve(node),
        }
    }

    fn sub_text(
        &self,
        node: &'t Node<'t>,
        template: &'t str,
        vars: Option<&'t [Entry<'t>]>,
        site: Span,
        depth: Walk<'_, 't>,
    ) -> Vec<Alt<'t>> {
        let pieces = pieces(template);
        if pieces.iter().any(|p| matches!(p, Piece::Unterminated(_))) {
            return vec![Alt::unknown(node)];
        }
        let mut result = Concat::new(node);
        // The variable map by name, the first entry of a name winning as a linear search's.
        let mut bound_vars: HashMap<&str, &'t Node<'t>> = HashMap::new();
        for entry in vars.unwrap_or_default() {
            bound_vars.entry(entry.key.as_ref()).or_insert(&entry.value);
        }
        // Literal text and `${!Escaped}` pieces between two variables make one literal.
        let mut literal = String::new();
        for piece in pieces {
            let options: Vec<Alt<'t>> = match piece {
                Piece::Lit(s) => {
                    literal.push_str(s);
                    continue;
                }
                Piece::Escaped(s) => {
                    literal.push_str("${");
                    literal.push_str(s);
                    literal.push('}');
                    continue;
                }
                Piece::Unterminated(_) => continue,
                Piece::Var(_, name) => {
                    if !literal.is_empty() {
                        let text = Text::lit(std::mem::take(&mut literal));
                        if !result.push(self, &[Alt::text(text, node)], node) {
                            return vec![Alt::unknown(node)];
                        }
                    }
                    match bound_vars.get(name) {
                        Some(value) => self.resolve_depth(value, depth.deeper()),
                        None => self.sub_variable(node, site, name),
                    }
                }
            };
            if !result.push(self, &options, node) {
                return vec![Alt::unknown(node)];
            }
        }
        if !literal.is_empty() && !result.push(self, &[Alt::text(Text::lit(literal), node)], node) {
            return vec![Alt::unknown(node)];
        }
        let mut result = result.alts;
        hide_dynamic_references(&mut result);
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sub_variables_are_found_with_offsets() {
        assert_eq!(
            sub_variables("a${X}b${!Y}${Z.Arn}"),
            [(3, "X"), (13, "Z.Arn")]
        );
        assert_eq!(sub_variables("${A}${B"), [(2, "A")]);
        // Spaces around a name are not part of it; the offset is the name's.
        assert_eq!(
            sub_variables("${ Key }-${Key.Arn  }"),
            [(3, "Key"), (11, "Key.Arn")]
        );
    }

    #[test]
    fn pieces_keep_text_escapes_and_unterminated_rest() {
        assert_eq!(
            pieces("a${!B}c${D}${E"),
            [
                Piece::Lit("a"),
                Piece::Escaped("B"),
                Piece::Lit("c"),
                Piece::Var(9, "D"),
                Piece::Unterminated("${E"),
            ]
        );
    }

    #[test]
    fn the_literal_head_ends_at_the_first_variable_or_escape() {
        for (sub, head) in [
            ("key-${AWS::Region}", "key-"),
            ("a${!B}c", "a"),
            ("${X}-key", ""),
            ("plain", "plain"),
            ("open${", "open"),
        ] {
            assert_eq!(literal_head(sub), head, "{sub}");
        }
    }
}
