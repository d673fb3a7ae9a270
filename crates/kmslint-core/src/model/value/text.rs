//! Strings with holes: text known in part, the rest known only by kind (the stack's Region, a
//! parameter without a value, a resource's ARN, a dynamic reference).

use std::borrow::Cow;

use crate::facts::pseudo::Pseudo;

/// The longest value a message quotes whole: a line.
pub(crate) const MESSAGE_WIDTH: usize = 80;

/// `s` as a message quotes it: whole when it fits on a line ([`MESSAGE_WIDTH`] characters),
/// else its start and end around `…`, so that a huge value in a file never makes a huge
/// message.
pub(crate) fn abbreviate(s: &str) -> Cow<'_, str> {
    let keep = (MESSAGE_WIDTH - 1) / 2;
    let count = s.chars().take(MESSAGE_WIDTH + 1).count();
    if count <= MESSAGE_WIDTH {
        return Cow::Borrowed(s);
    }
    let head_end = s.char_indices().nth(keep).map_or(s.len(), |(i, _)| i);
    let tail_start = s
        .char_indices()
        .rev()
        .nth(keep - 1)
        .map_or(0, |(i, _)| i)
        .max(head_end);
    Cow::Owned(format!("{}…{}", &s[..head_end], &s[tail_start..]))
}

/// A part of a string known only by kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Hole<'t> {
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
    /// A key of another stack of the deployment, reached through a link (by index in
    /// `model::links::Links::keys`).
    Linked(usize),
    Unknown,
}

impl Hole<'_> {
    /// Pseudo parameters stand for one ARN field each and never contain a colon.
    pub(crate) fn is_pseudo(&self) -> bool {
        matches!(
            self,
            Hole::Partition | Hole::Region | Hole::AccountId | Hole::UrlSuffix
        )
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Part<'t> {
    Lit(Cow<'t, str>),
    Hole(Hole<'t>),
}

/// A string, possibly with holes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Text<'t> {
    pub parts: Vec<Part<'t>>,
}

impl<'t> Text<'t> {
    /// Literal text. A dynamic reference (`{{resolve:ssm:/path}}`) inside it is a hole:
    /// CloudFormation replaces it with a value from SSM or Secrets Manager at deploy time.
    pub(crate) fn lit(s: impl Into<Cow<'t, str>>) -> Text<'t> {
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
    pub(crate) fn hide_dynamic_references(self) -> Text<'t> {
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

    pub(crate) fn hole(hole: Hole<'t>) -> Text<'t> {
        Text {
            parts: vec![Part::Hole(hole)],
        }
    }

    /// The whole string when it has no holes.
    pub(crate) fn literal(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [] => Some(""),
            [Part::Lit(s)] => Some(s),
            _ => None,
        }
    }

    /// The hole when the string is nothing but one hole (`!GetAtt Key.Arn`).
    pub(crate) fn only_hole(&self) -> Option<&Hole<'t>> {
        match self.parts.as_slice() {
            [Part::Hole(h)] => Some(h),
            _ => None,
        }
    }

    /// The holes other than pseudo parameters: in `arn:${AWS::Partition}:kms:…:key/${Key}`,
    /// the `Ref` of `Key`.
    pub(crate) fn resource_holes(&self) -> Vec<&Hole<'t>> {
        self.parts
            .iter()
            .filter_map(|p| match p {
                Part::Hole(h) if !h.is_pseudo() => Some(h),
                _ => None,
            })
            .collect()
    }

    pub(crate) fn push(&mut self, part: Part<'t>) {
        match (self.parts.last_mut(), part) {
            (_, Part::Lit(s)) if s.is_empty() => {}
            (Some(Part::Lit(last)), Part::Lit(s)) => last.to_mut().push_str(&s),
            (_, part) => self.parts.push(part),
        }
    }

    pub(crate) fn append(&mut self, other: Text<'t>) {
        for part in other.parts {
            self.push(part);
        }
    }

    /// The known text up to the first hole.
    pub(crate) fn literal_prefix(&self) -> &str {
        match self.parts.first() {
            Some(Part::Lit(s)) => s,
            _ => "",
        }
    }

    /// The string for a message: [`Text::display`], abbreviated past a line.
    pub(crate) fn display_short(&self) -> String {
        abbreviate(&self.display()).into_owned()
    }

    /// About how many bytes the string takes: its known text, and a few for each hole.
    pub(crate) fn weight(&self) -> usize {
        self.parts
            .iter()
            .map(|p| match p {
                Part::Lit(s) => s.len(),
                Part::Hole(_) => 8,
            })
            .sum()
    }

    /// The string as written in a message, holes shown as `${…}`.
    pub(crate) fn display(&self) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Lit(s) => out.push_str(s),
                Part::Hole(h) => out.push_str(&match h {
                    Hole::Partition => format!("${{{}}}", Pseudo::Partition.name()),
                    Hole::Region => format!("${{{}}}", Pseudo::Region.name()),
                    Hole::AccountId => format!("${{{}}}", Pseudo::AccountId.name()),
                    Hole::UrlSuffix => format!("${{{}}}", Pseudo::UrlSuffix.name()),
                    Hole::Stack => format!("${{{}}}", Pseudo::StackName.name()),
                    Hole::Param(p) | Hole::Ref(p) => format!("${{{p}}}"),
                    Hole::GetAtt(r, a) => format!("${{{r}.{a}}}"),
                    Hole::Import | Hole::Linked(_) | Hole::Unknown => "${…}".to_owned(),
                }),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_are_abbreviated_for_messages() {
        assert_eq!(abbreviate("short"), "short");
        let long = "a".repeat(50) + &"é".repeat(50);
        let shown = abbreviate(&long);
        assert_eq!(shown.chars().count(), MESSAGE_WIDTH - 1);
        assert!(shown.starts_with("aaa") && shown.ends_with("éé") && shown.contains('…'));
        assert_eq!(abbreviate(&"x".repeat(80)).len(), 80);
    }
}
