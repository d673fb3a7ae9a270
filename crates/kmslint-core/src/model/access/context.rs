//! A request context (`kmslint access --context KEY=VALUE`): the condition clauses on the keys
//! it supplies are evaluated as IAM evaluates them (IAM JSON policy elements: Condition
//! operators,
//! https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html;
//! multivalued keys and set operators,
//! https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html).
//! A clause on a key the context does not supply stays a condition, `…IfExists` too: the
//! context says what a request has, not everything it lacks. Date, binary and IP address
//! operators, and a multivalued key without `ForAnyValue`/`ForAllValues`, stay conditions.

use std::collections::BTreeMap;

use crate::facts::conditions::{OperatorKind, SetQualifier};
use crate::model::policy::{Clause, ConditionBlock};

/// The request's condition keys and their values (a key given several times is multivalued).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestContext {
    /// By key, lowercased: condition key names are not case-sensitive.
    values: BTreeMap<String, Vec<String>>,
}

impl RequestContext {
    /// Adds `KEY=VALUE`; an error says why it is not one.
    pub fn add(&mut self, pair: &str) -> Result<(), String> {
        let Some((key, value)) = pair.split_once('=') else {
            return Err(format!("`{pair}` is not KEY=VALUE"));
        };
        let key = key.trim();
        if key.is_empty() {
            return Err(format!("`{pair}` has no key before `=`"));
        }
        self.values
            .entry(key.to_ascii_lowercase())
            .or_default()
            .push(value.to_owned());
        Ok(())
    }

    fn get(&self, key: &str) -> Option<&[String]> {
        self.values
            .get(&key.to_ascii_lowercase())
            .map(Vec::as_slice)
    }
}

/// What the context decides of a condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Decided {
    True,
    False,
    Open,
}

/// A condition block: false when a clause the context decides is false; true when the context
/// decides every clause true; else open, with the clauses still open.
pub(super) fn block<'b, 't>(
    context: &RequestContext,
    block: &'b ConditionBlock<'t>,
) -> (Decided, Vec<&'b Clause<'t>>) {
    if block.incomplete {
        return (Decided::Open, block.clauses.iter().collect());
    }
    let mut open = Vec::new();
    for clause in &block.clauses {
        match decide(context, clause) {
            Decided::False => return (Decided::False, Vec::new()),
            Decided::True => {}
            Decided::Open => open.push(clause),
        }
    }
    let decided = if open.is_empty() {
        Decided::True
    } else {
        Decided::Open
    };
    (decided, open)
}

fn decide(context: &RequestContext, clause: &Clause<'_>) -> Decided {
    let (Ok(operator), Some(values)) = (&clause.operator, context.get(clause.key)) else {
        return Decided::Open;
    };
    let Some(policy) = clause
        .values
        .iter()
        .map(|v| v.as_str())
        .collect::<Option<Vec<&str>>>()
    else {
        return Decided::Open;
    };
    let negated = operator.negated();
    let one = |value: &str| -> Option<bool> {
        let matched = match operator.kind {
            OperatorKind::String => {
                let ignore_case = operator.base.ends_with("IgnoreCase");
                let like = operator.base.contains("Like");
                policy.iter().any(|p| match (like, ignore_case) {
                    (true, _) => glob(p, value),
                    (false, true) => p.eq_ignore_ascii_case(value),
                    (false, false) => *p == value,
                })
            }
            OperatorKind::Arn => policy.iter().any(|p| arn_like(p, value)),
            OperatorKind::Bool => policy.iter().any(|p| p.eq_ignore_ascii_case(value)),
            OperatorKind::Numeric => {
                let value: f64 = value.trim().parse().ok()?;
                let mut any = false;
                for p in &policy {
                    let p: f64 = p.trim().parse().ok()?;
                    any |= match operator.base.trim_start_matches("Numeric") {
                        "Equals" | "NotEquals" => value == p,
                        "LessThan" => value < p,
                        "LessThanEquals" => value <= p,
                        "GreaterThan" => value > p,
                        "GreaterThanEquals" => value >= p,
                        _ => return None,
                    };
                }
                any
            }
            // The key is there: `Null: true` does not hold, `Null: false` does.
            OperatorKind::Null => {
                return Some(policy.iter().any(|p| p.eq_ignore_ascii_case("false")));
            }
            OperatorKind::Date | OperatorKind::Binary | OperatorKind::Ip => return None,
        };
        Some(matched != negated)
    };
    let results: Option<Vec<bool>> = values.iter().map(|v| one(v)).collect();
    let Some(results) = results else {
        return Decided::Open;
    };
    let holds = match (operator.set, results.as_slice()) {
        (None, [single]) => *single,
        (None, _) => return Decided::Open,
        (Some(SetQualifier::ForAnyValue), results) => results.iter().any(|r| *r),
        (Some(SetQualifier::ForAllValues), results) => results.iter().all(|r| *r),
    };
    if holds { Decided::True } else { Decided::False }
}

/// `value` matches `pattern`, where `*` is any run of characters and `?` any one (the
/// `…Like` operators; case-sensitive).
fn glob(pattern: &str, value: &str) -> bool {
    let (p, v): (Vec<char>, Vec<char>) = (pattern.chars().collect(), value.chars().collect());
    // Linear, with one backtracking point: the last `*` seen.
    let (mut i, mut j, mut star, mut from) = (0, 0, None, 0);
    while j < v.len() {
        if i < p.len() && (p[i] == '?' || p[i] == v[j]) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == '*' {
            star = Some(i);
            from = j;
            i += 1;
        } else if let Some(s) = star {
            i = s + 1;
            from += 1;
            j = from;
        } else {
            return false;
        }
    }
    p[i..].iter().all(|c| *c == '*')
}

/// `ArnLike` and `ArnEquals`: each of the ARN's six colon-separated parts matches the
/// pattern's part (wildcards do not cross a colon, except in the last part).
fn arn_like(pattern: &str, value: &str) -> bool {
    let (p, v): (Vec<&str>, Vec<&str>) = (
        pattern.splitn(6, ':').collect(),
        value.splitn(6, ':').collect(),
    );
    p.len() == v.len() && p.iter().zip(&v).all(|(p, v)| glob(p, v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_as_iam_likes_do() {
        assert!(glob("ec2.*.amazonaws.com", "ec2.us-east-1.amazonaws.com"));
        assert!(glob("a?c", "abc"));
        assert!(!glob("a?c", "ac"));
        assert!(glob("*", ""));
        assert!(!glob("Abc", "abc"));
        assert!(arn_like(
            "arn:aws:logs:*:111122223333:log-group:*",
            "arn:aws:logs:eu-west-1:111122223333:log-group:app:stream"
        ));
        assert!(!arn_like(
            "arn:aws:logs:*:111122223333:*",
            "arn:aws:logs:eu-west-1:444455556666:log-group:x"
        ));
    }

    #[test]
    fn a_context_is_key_value_pairs_whose_keys_ignore_case() {
        let mut context = RequestContext::default();
        context.add("aws:SourceAccount=111122223333").unwrap();
        context.add("kms:EncryptionContextKeys=a").unwrap();
        context.add("KMS:EncryptionContextKeys=b").unwrap();
        assert_eq!(
            context.get("AWS:SOURCEACCOUNT"),
            Some(&["111122223333".to_owned()][..])
        );
        assert_eq!(
            context
                .get("kms:encryptioncontextkeys")
                .map(<[String]>::len),
            Some(2)
        );
        assert!(context.add("novalue").is_err());
        assert!(context.add("=x").is_err());
    }
}
