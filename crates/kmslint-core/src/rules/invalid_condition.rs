//! KMS213 invalid-condition: a condition KMS rejects or that cannot match — an unknown
//! operator (names are case-sensitive), `IfExists` on `Null`, an unknown `kms:` condition
//! key, or a value of the wrong type for its operator (`Bool` with `yes`, `NumericLessThan`
//! with text, `IpAddress` with a host name, a date that is not ISO 8601 or epoch seconds),
//! and operators of one type used on keys of another (`Bool` on `kms:CallerAccount`).
//!
//! Keys of other namespaces (`aws:`, service keys) are not checked for existence: the global
//! key list grows, and an unknown one there is only a dead condition. An unquoted YAML 1.1
//! `yes`/`no` under `Bool` or `Null` is not reported: CloudFormation reads it as a boolean, so
//! IAM receives `true`/`false`. Facts: docs/facts/iam.md#condition-operators,
//! docs/facts/kms.md#condition-keys.

use crate::diagnostic::Severity;
use crate::facts::conditions::{self, KMS_KEYS, KeyType, OPERATORS, OperatorError, OperatorKind};
use crate::model::value::Boolish;

use super::common::did_you_mean;
use super::{Context, FixAvailability, PolicyCheck, Reporter, Rule, RuleInfo, RuleKind};

/// What `kmslint rules` lists of the rule: its summary and documentation are in
/// `rules/KMS213.md`, whose front matter must agree with this.
pub(crate) const RULE: RuleInfo = RuleInfo {
    code: "KMS213",
    name: "invalid-condition",
    severity: Severity::Error,
    also: &[],
    fix: FixAvailability::Never,
    default: true,
    kind: RuleKind::File,
};

pub(crate) struct InvalidCondition;

impl Rule for InvalidCondition {
    fn checks_policies(&self) -> bool {
        true
    }

    fn check_policy(&self, _cx: &Context<'_, '_>, check: &PolicyCheck<'_, '_>, out: &mut Reporter) {
        for statement in &check.policy.statements {
            let Some(block) = &statement.condition else {
                continue;
            };
            let mut reported_operators = Vec::new();
            for clause in &block.clauses {
                let operator = match &clause.operator {
                    Ok(op) => op,
                    Err(error) => {
                        if !reported_operators.contains(&clause.operator_span) {
                            reported_operators.push(clause.operator_span);
                            report_operator(clause.operator_name, clause.operator_span, error, out);
                        }
                        continue;
                    }
                };
                let key_type = conditions::key_type(clause.key);
                if conditions::is_kms_key(clause.key) && key_type.is_none() {
                    let kms_names = KMS_KEYS.iter().map(|(name, _)| *name);
                    let diagnostic = out.report(
                        clause.key_span,
                        format!("`{}` is not a KMS condition key", clause.key),
                    );
                    if let Some(near) = did_you_mean(clause.key, kms_names) {
                        diagnostic.with_help(format!("did you mean `{near}`?"));
                    }
                    continue;
                }
                if let Some(key_type) = key_type
                    && !compatible(operator.kind, key_type)
                {
                    out.report(
                        clause.operator_span,
                        format!(
                            "`{}` compares {}, but `{}` is {}",
                            clause.operator_name,
                            describe_kind(operator.kind),
                            clause.key,
                            key_type.describe()
                        ),
                    );
                    continue;
                }
                for item in &clause.values {
                    for alt in &item.alts {
                        let Some(value) = alt.as_str() else {
                            continue;
                        };
                        // A plain YAML 1.1 `yes`/`no` reaches IAM as `true`/`false`:
                        // CloudFormation reads it as a boolean.
                        if matches!(operator.kind, OperatorKind::Bool | OperatorKind::Null)
                            && matches!(alt.as_bool(), Boolish::Ambiguous(_))
                        {
                            continue;
                        }
                        if let Some(expected) = wrong_value(operator.kind, value) {
                            out.report(
                                alt.span,
                                format!(
                                    "`{value}` is not {expected}, which `{}` compares",
                                    clause.operator_name
                                ),
                            );
                        }
                    }
                }
            }
        }
    }
}

fn report_operator(
    name: &str,
    span: crate::source::Span,
    error: &OperatorError,
    out: &mut Reporter,
) {
    match error {
        OperatorError::IfExistsOnNull => {
            out.report(
                span,
                "`NullIfExists` is not an operator: `Null` already tests whether the key exists",
            )
            .with_help("use `Null`");
        }
        OperatorError::Unknown => {
            let base = name
                .strip_prefix("ForAllValues:")
                .or_else(|| name.strip_prefix("ForAnyValue:"))
                .unwrap_or(name);
            let diagnostic = out.report(span, format!("`{name}` is not a condition operator"));
            let near = did_you_mean(base, OPERATORS.iter().map(|(op, _)| *op)).or_else(|| {
                OPERATORS
                    .iter()
                    .map(|(op, _)| *op)
                    .find(|op| op.eq_ignore_ascii_case(base))
            });
            if let Some(near) = near {
                diagnostic.with_help(format!(
                    "did you mean `{near}`? Operator names are case-sensitive"
                ));
            }
        }
    }
}

/// Whether an operator of `kind` can compare a key of `key`.
fn compatible(kind: OperatorKind, key: KeyType) -> bool {
    match kind {
        // String operators work on every key as text; `Null` on every key.
        OperatorKind::String | OperatorKind::Null => true,
        OperatorKind::Arn => matches!(key, KeyType::Arn | KeyType::String | KeyType::ArrayOfString),
        OperatorKind::Bool => key == KeyType::Bool,
        OperatorKind::Numeric => key == KeyType::Numeric,
        OperatorKind::Date => key == KeyType::Date,
        OperatorKind::Ip => key == KeyType::Ip,
        OperatorKind::Binary => true,
    }
}

fn describe_kind(kind: OperatorKind) -> &'static str {
    match kind {
        OperatorKind::String => "strings",
        OperatorKind::Numeric => "numbers",
        OperatorKind::Date => "dates",
        OperatorKind::Bool => "booleans",
        OperatorKind::Binary => "binary values",
        OperatorKind::Ip => "IP addresses",
        OperatorKind::Arn => "ARNs",
        OperatorKind::Null => "presence",
    }
}

/// What a value should have been, when it is wrong for the operator.
fn wrong_value(kind: OperatorKind, value: &str) -> Option<&'static str> {
    let ok = match kind {
        OperatorKind::Bool | OperatorKind::Null => {
            value.eq_ignore_ascii_case("true") || value.eq_ignore_ascii_case("false")
        }
        OperatorKind::Numeric => value.trim().parse::<f64>().is_ok(),
        OperatorKind::Date => is_date(value),
        OperatorKind::Ip => is_ip_or_cidr(value),
        _ => true,
    };
    if ok {
        return None;
    }
    Some(match kind {
        OperatorKind::Bool | OperatorKind::Null => "`true` or `false`",
        OperatorKind::Numeric => "a number",
        OperatorKind::Date => "a date (ISO 8601 or epoch seconds)",
        _ => "an IP address or CIDR block",
    })
}

/// ISO 8601 (`2026-01-31`, `2026-01-31T12:00:00Z`, …) or epoch seconds.
fn is_date(value: &str) -> bool {
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return true;
    }
    let bytes = value.as_bytes();
    bytes.len() >= 10
        && bytes[..4].iter().all(u8::is_ascii_digit)
        && bytes[4] == b'-'
        && bytes[5..7].iter().all(u8::is_ascii_digit)
        && bytes[7] == b'-'
        && bytes[8..10].iter().all(u8::is_ascii_digit)
        && value[10..]
            .bytes()
            .all(|b| b.is_ascii_digit() || b"T:.+-Z".contains(&b))
}

fn is_ip_or_cidr(value: &str) -> bool {
    let (address, prefix) = value.split_once('/').unwrap_or((value, ""));
    let address_ok = address.parse::<std::net::IpAddr>().is_ok();
    let prefix_ok = prefix.is_empty()
        || prefix
            .parse::<u8>()
            .is_ok_and(|p| p <= if address.contains(':') { 128 } else { 32 });
    address_ok && prefix_ok
}
