//! ARNs whose parts may be holes: `arn:${AWS::Partition}:kms:${AWS::Region}:…`.
//!
//! A string is split at its literal colons. Holes are assumed to stay inside one field: true
//! for pseudo parameters, and for parameters and attributes as templates use them (an account
//! ID, a role name). A string that is nothing but an unknown hole is not split at all.

use super::value::{Hole, Part, Text};

/// One field of an ARN.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Field<'t> {
    Lit(String),
    /// Exactly one hole (`${AWS::Region}`).
    Hole(Hole<'t>),
    /// A mix of text and holes.
    Mixed,
}

impl Field<'_> {
    pub(crate) fn literal(&self) -> Option<&str> {
        match self {
            Field::Lit(s) => Some(s),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Arn<'t> {
    pub partition: Field<'t>,
    pub service: Field<'t>,
    pub region: Field<'t>,
    pub account: Field<'t>,
    /// Everything after the fifth colon (may itself contain colons).
    pub resource: Field<'t>,
    /// The resource part's known prefix (`key/` in `key/${KeyId}`).
    pub resource_prefix: String,
}

// Short-lived: built and matched right away.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ArnShape<'t> {
    Arn(Arn<'t>),
    /// Certainly not an ARN: its known start is not `arn:` or it has too few fields.
    NotArn,
    /// Could be anything.
    Unknown,
}

pub(crate) fn parse<'t>(text: &Text<'t>) -> ArnShape<'t> {
    if text
        .only_hole()
        .is_some_and(|h| !matches!(h, Hole::Partition | Hole::Region | Hole::AccountId))
    {
        return ArnShape::Unknown;
    }
    if let Some(literal) = text.literal() {
        return parse_literal(literal);
    }
    // Never empty: starts with one field and only grows.
    let mut fields: Vec<Vec<Part<'t>>> = vec![Vec::new()];
    for part in &text.parts {
        match part {
            Part::Lit(s) => {
                for (i, piece) in s.split(':').enumerate() {
                    if i > 0 {
                        if fields.len() < 6 {
                            fields.push(Vec::new());
                        } else {
                            // The resource part keeps its colons.
                            push_lit(last(&mut fields), ":");
                        }
                    }
                    push_lit(last(&mut fields), piece);
                }
            }
            Part::Hole(h) => last(&mut fields).push(Part::Hole(h.clone())),
        }
    }
    let field = |parts: &[Part<'t>]| -> Field<'t> {
        match parts {
            [] => Field::Lit(String::new()),
            [Part::Lit(s)] => Field::Lit(s.to_string()),
            [Part::Hole(h)] => Field::Hole(h.clone()),
            _ => Field::Mixed,
        }
    };
    let starts_with_arn = match fields.first().map(Vec::as_slice) {
        Some([Part::Lit(s)]) => s == "arn",
        _ => false,
    };
    if !starts_with_arn {
        // Known text before any hole that already disagrees with `arn:` is certainly not one.
        let prefix = text.literal_prefix();
        return if text.literal().is_some()
            || !"arn:".starts_with(prefix) && !prefix.starts_with("arn:")
        {
            ArnShape::NotArn
        } else {
            ArnShape::Unknown
        };
    }
    if fields.len() < 6 {
        let trailing_hole = matches!(
            fields.last().and_then(|f| f.last()),
            Some(Part::Hole(h)) if !h.is_pseudo()
        );
        return if trailing_hole {
            ArnShape::Unknown
        } else {
            ArnShape::NotArn
        };
    }
    let resource_prefix = match fields[5].first() {
        Some(Part::Lit(s)) => s.to_string(),
        _ => String::new(),
    };
    ArnShape::Arn(Arn {
        partition: field(&fields[1]),
        service: field(&fields[2]),
        region: field(&fields[3]),
        account: field(&fields[4]),
        resource: field(&fields[5]),
        resource_prefix,
    })
}

/// `parse` for text without holes, the common case, without building parts per field.
fn parse_literal<'t>(s: &str) -> ArnShape<'t> {
    let Some([partition, service, region, account, resource]) = crate::facts::arn_fields(s) else {
        return ArnShape::NotArn;
    };
    let lit = |f: &str| Field::Lit(f.to_owned());
    ArnShape::Arn(Arn {
        partition: lit(partition),
        service: lit(service),
        region: lit(region),
        account: lit(account),
        resource: lit(resource),
        resource_prefix: resource.to_owned(),
    })
}

fn last<'v, 't>(fields: &'v mut Vec<Vec<Part<'t>>>) -> &'v mut Vec<Part<'t>> {
    if fields.is_empty() {
        fields.push(Vec::new());
    }
    let at = fields.len() - 1;
    &mut fields[at]
}

fn push_lit<'t>(field: &mut Vec<Part<'t>>, s: &str) {
    if s.is_empty() {
        return;
    }
    match field.last_mut() {
        Some(Part::Lit(last)) => last.to_mut().push_str(s),
        _ => field.push(Part::Lit(s.to_owned().into())),
    }
}

pub(crate) use crate::facts::is_account_id;

#[cfg(test)]
mod tests {
    use super::*;

    fn text(parts: Vec<Part<'static>>) -> Text<'static> {
        Text { parts }
    }

    #[test]
    fn splits_literal_arns() {
        let t = Text::lit("arn:aws:kms:eu-west-1:111122223333:key/mrk-1:x");
        let ArnShape::Arn(arn) = parse(&t) else {
            panic!()
        };
        assert_eq!(arn.partition, Field::Lit("aws".into()));
        assert_eq!(arn.region, Field::Lit("eu-west-1".into()));
        assert_eq!(arn.account, Field::Lit("111122223333".into()));
        assert_eq!(arn.resource, Field::Lit("key/mrk-1:x".into()));
    }

    #[test]
    fn keeps_pseudo_holes_as_fields() {
        let t = text(vec![
            Part::Lit("arn:".into()),
            Part::Hole(Hole::Partition),
            Part::Lit(":iam::".into()),
            Part::Hole(Hole::AccountId),
            Part::Lit(":root".into()),
        ]);
        let ArnShape::Arn(arn) = parse(&t) else {
            panic!()
        };
        assert_eq!(arn.partition, Field::Hole(Hole::Partition));
        assert_eq!(arn.region, Field::Lit(String::new()));
        assert_eq!(arn.account, Field::Hole(Hole::AccountId));
        assert_eq!(arn.resource, Field::Lit("root".into()));
    }

    #[test]
    fn knows_what_is_not_an_arn_and_what_is_unknown() {
        assert_eq!(parse(&Text::lit("alias/x")), ArnShape::NotArn);
        assert_eq!(parse(&Text::lit("arn:aws:kms")), ArnShape::NotArn);
        assert_eq!(parse(&Text::hole(Hole::Param("P"))), ArnShape::Unknown);
        let t = text(vec![
            Part::Lit("arn:aws:kms:".into()),
            Part::Hole(Hole::Param("Rest")),
        ]);
        assert_eq!(parse(&t), ArnShape::Unknown);
    }
}
