//! KMS607 invalid-via-service: a `kms:ViaService` value that no request can carry. Values are
//! `<service>.<region>.amazonaws.com`, with the `.amazonaws.com` suffix in every partition
//! (KMS Developer Guide, kms:ViaService; docs/facts/kms.md#viaservice). Reported: a value without a
//! Region (`s3.amazonaws.com`, the service principal's form), a Region that does not exist, a value
//! of another shape (`amazonaws.com.cn`, an ARN), and with `--region` a Region other than the
//! stack's. A service name not in `facts::via_services` (every service name of AWS's SDK data,
//! generated from botocore's endpoint data) is a warning, with a "did you mean".
//!
//! Wildcards (`StringLike`: `*.eu-west-1.amazonaws.com`, `ec2.*.amazonaws.com`) and values
//! with parts not known here (a parameter; `${AWS::Region}` when `--region` is not given) are
//! reported only when no valid value can match them: the pattern is tried against
//! `<service>.<region>.amazonaws.com` for every Region and every known service (and the
//! service the pattern itself names).

use crate::diagnostic::Severity;
use crate::facts::conditions::OperatorKind;
use crate::facts::conditions::strip_prefix_ignore_case;
use crate::facts::regions::{PARTITIONS, looks_like_region, partition_of_region};
use crate::facts::via_services::{VIA_SERVICES, is_known};
use crate::model::policy::glob_match;
use crate::model::value::{Hole, Part, Text};

use super::common::did_you_mean;
use super::{Context, FixAvailability, PolicyCheck, Reporter, Rule, RuleInfo, RuleKind};

/// What `kmslint rules` lists of the rule: its summary and documentation are in
/// `rules/KMS607.md`, whose front matter must agree with this.
pub(crate) const RULE: RuleInfo = RuleInfo {
    code: "KMS607",
    name: "invalid-via-service",
    severity: Severity::Error,
    also: &[Severity::Warning],
    fix: FixAvailability::Never,
    default: true,
    kind: RuleKind::File,
};

pub(crate) struct InvalidViaService;

const SUFFIX: &str = ".amazonaws.com";

#[derive(Debug, PartialEq)]
enum Problem {
    NoRegion(String),
    UnknownRegion(String),
    NotRegion(String),
    Swapped,
    OtherRegion(String, String),
    /// Only values of other Regions match the pattern.
    PatternOtherRegion(String),
    ChinaSuffix,
    Shape,
    UnknownService(String),
    NotService(String),
}

impl Rule for InvalidViaService {
    fn checks_policies(&self) -> bool {
        true
    }

    fn check_policy(&self, cx: &Context<'_, '_>, check: &PolicyCheck<'_, '_>, out: &mut Reporter) {
        let region = cx.deployment().region;
        for statement in &check.policy.statements {
            let Some(block) = &statement.condition else {
                continue;
            };
            for clause in &block.clauses {
                if !clause.key.eq_ignore_ascii_case("kms:ViaService")
                    || !clause
                        .operator
                        .as_ref()
                        .is_ok_and(|op| op.kind == OperatorKind::String)
                {
                    continue;
                }
                for item in &clause.values {
                    for alt in &item.alts {
                        let Some(text) = alt.text_value() else {
                            continue;
                        };
                        // A parameter's allowed values are not tied to the `Fn::If` branch
                        // the value sits in (`HasService: !Not [!Equals [!Ref Service, X]]`
                        // rules some out), so only values from the command line are judged.
                        if alt.param.as_ref().is_some_and(|p| !p.from_command_line) {
                            continue;
                        }
                        let Some(problem) = problem(text, region) else {
                            continue;
                        };
                        let shown = text.display();
                        let (message, help) = describe(&shown, &problem);
                        let mut message = message;
                        if let Some(note) = alt.when_note() {
                            message = format!("{message} ({note})");
                        }
                        let diagnostic = out.report(alt.span, message);
                        if let Some(help) = help {
                            diagnostic.with_help(help);
                        }
                        if matches!(problem, Problem::UnknownService(_)) {
                            diagnostic.with_severity(Severity::Warning);
                        }
                    }
                }
            }
        }
    }
}

/// What is wrong with one value, as far as can be told.
fn problem(text: &Text<'_>, region: Option<&str>) -> Option<Problem> {
    if let Some(value) = text.literal()
        && !value.contains(['*', '?'])
    {
        return literal_problem(value, region);
    }
    // A pattern: holes match anything, except the stack's Region when it is known.
    let mut pattern = String::new();
    for part in &text.parts {
        match part {
            Part::Lit(s) => pattern.push_str(s),
            Part::Hole(Hole::Region) => pattern.push_str(region.unwrap_or("*")),
            Part::Hole(_) => pattern.push('*'),
        }
    }
    pattern_problem(&pattern, region).or_else(|| {
        // A literal first label is the service, whatever follows.
        let first = match text.parts.first() {
            Some(Part::Lit(s)) => s.split_once('.').map(|(service, _)| service)?,
            _ => return None,
        };
        (!first.contains(['*', '?'])).then(|| service_problem(first))?
    })
}

fn literal_problem(value: &str, region: Option<&str>) -> Option<Problem> {
    let Some(head) = value.strip_suffix(SUFFIX) else {
        return Some(if value.ends_with(".amazonaws.com.cn") {
            Problem::ChinaSuffix
        } else {
            Problem::Shape
        });
    };
    let labels: Vec<&str> = head.split('.').collect();
    let (service, value_region) = match labels.as_slice() {
        [service] if !service.is_empty() && !looks_like_region(service) => {
            return Some(
                service_problem(service).unwrap_or_else(|| Problem::NoRegion((*service).into())),
            );
        }
        [service, rest @ ..] if !rest.is_empty() => (*service, rest.join(".")),
        _ => return Some(Problem::Shape),
    };
    if partition_of_region(&value_region).is_none() {
        return Some(
            if looks_like_region(service) && !looks_like_region(&value_region) {
                Problem::Swapped
            } else if looks_like_region(&value_region) {
                Problem::UnknownRegion(value_region)
            } else {
                Problem::NotRegion(value_region)
            },
        );
    }
    if let Some(problem) = service_problem(service) {
        return Some(problem);
    }
    match region {
        Some(stack) if stack != value_region && partition_of_region(stack).is_some() => {
            Some(Problem::OtherRegion(value_region, stack.to_owned()))
        }
        _ => None,
    }
}

fn service_problem(service: &str) -> Option<Problem> {
    if service.is_empty()
        || !service
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        || looks_like_region(service)
    {
        return Some(Problem::NotService(service.to_owned()));
    }
    (!is_known(service)).then(|| Problem::UnknownService(service.to_owned()))
}

fn pattern_problem(pattern: &str, region: Option<&str>) -> Option<Problem> {
    // The pattern's own first label, its wildcards filled in, stands for a service not known
    // here.
    let own = pattern
        .split('.')
        .next()
        .unwrap_or("")
        .replace(['*', '?'], "x");
    // Only services that agree with the pattern's literal start can match it (service names
    // have no dots), which keeps a pattern from being tried against all the table's names.
    // `glob_match` ignores letter case, so the comparison does too.
    let literal = pattern[..pattern.find(['*', '?']).unwrap_or(pattern.len())].to_ascii_lowercase();
    // `literal` is a prefix of `service.`, or `service.` a prefix of it; compared in place,
    // since every pattern meets every name of the table here.
    let could_match = |s: &&str| {
        let (name, start) = (s.as_bytes(), literal.as_bytes());
        if start.len() <= name.len() {
            name[..start.len()].eq_ignore_ascii_case(start)
        } else {
            start[..name.len()].eq_ignore_ascii_case(name) && start[name.len()] == b'.'
        }
    };
    let services: Vec<&str> = VIA_SERVICES
        .iter()
        .copied()
        .chain((!own.is_empty()).then_some(own.as_str()))
        .filter(could_match)
        .collect();
    let matches_in = |r: &str| {
        services
            .iter()
            .any(|s| glob_match(pattern, &format!("{s}.{r}{SUFFIX}")))
    };
    let all_regions = || PARTITIONS.iter().flat_map(|p| p.regions.iter().copied());
    if let Some(stack) = region.filter(|r| partition_of_region(r).is_some()) {
        if matches_in(stack) {
            return None;
        }
        if all_regions().any(matches_in) {
            return Some(Problem::PatternOtherRegion(stack.to_owned()));
        }
    } else if all_regions().any(matches_in) {
        return None;
    }
    if services
        .iter()
        .any(|s| glob_match(pattern, &format!("{s}{SUFFIX}")))
    {
        let service = pattern.split('.').next().unwrap_or("").to_owned();
        return Some(Problem::NoRegion(service));
    }
    if strip_prefix_ignore_case(pattern, "arn:").is_some() || !pattern.contains('.') {
        return Some(Problem::Shape);
    }
    Some(Problem::Shape)
}

fn describe(value: &str, problem: &Problem) -> (String, Option<String>) {
    let form = "values are `<service>.<region>.amazonaws.com`";
    match problem {
        Problem::NoRegion(service) => (
            format!("`kms:ViaService` value `{value}` has no Region, so no request matches it: {form}"),
            Some(format!(
                "write the Region the key is in: `{service}.${{AWS::Region}}.amazonaws.com` in a template, `{service}.us-east-1.amazonaws.com` in a policy file"
            )),
        ),
        Problem::UnknownRegion(r) => (
            format!("`kms:ViaService` value `{value}` names `{r}`, which is not an AWS Region"),
            None,
        ),
        Problem::NotRegion(r) => (
            format!("`kms:ViaService` value `{value}` has `{r}` where the Region goes: {form}"),
            None,
        ),
        Problem::Swapped => (
            format!("`kms:ViaService` value `{value}` has the Region before the service: {form}"),
            None,
        ),
        Problem::OtherRegion(r, stack) => (
            format!(
                "`kms:ViaService` value `{value}` is for Region {r}, but the stack deploys to {stack}: services call KMS in the key's Region"
            ),
            Some(format!("use `{stack}`, or `${{AWS::Region}}` in a template")),
        ),
        Problem::PatternOtherRegion(stack) => (
            format!(
                "`kms:ViaService` value `{value}` matches only Regions other than {stack}, where the stack deploys: services call KMS in the key's Region"
            ),
            None,
        ),
        Problem::ChinaSuffix => (
            format!(
                "`kms:ViaService` value `{value}` ends in `.amazonaws.com.cn`: kms:ViaService values use the `.amazonaws.com` suffix in every partition"
            ),
            None,
        ),
        Problem::Shape => (
            format!("`kms:ViaService` value `{value}` cannot match any request: {form}"),
            None,
        ),
        Problem::NotService(s) => (
            format!("`kms:ViaService` value `{value}` has `{s}` where the service goes: {form}"),
            None,
        ),
        Problem::UnknownService(s) => (
            format!(
                "`kms:ViaService` value `{value}` names `{s}`, which is not the name of an AWS service (AWS's SDK endpoint data)"
            ),
            Some(match did_you_mean(s, VIA_SERVICES.iter().copied()) {
                Some(near) => format!("did you mean `{near}`?"),
                None => "check the service name against the kms:ViaService table of the KMS Developer Guide and the service's encryption documentation".to_owned(),
            }),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(s: &str, region: Option<&str>) -> Option<Problem> {
        problem(&Text::lit(s.to_owned()), region)
    }

    #[test]
    fn literal_values() {
        assert_eq!(lit("s3.eu-west-1.amazonaws.com", None), None);
        assert_eq!(
            lit("s3.amazonaws.com", None),
            Some(Problem::NoRegion("s3".into()))
        );
        assert_eq!(
            lit("s3.eu-west-9.amazonaws.com", None),
            Some(Problem::UnknownRegion("eu-west-9".into()))
        );
        assert_eq!(
            lit("eu-west-1.s3.amazonaws.com", None),
            Some(Problem::Swapped)
        );
        assert_eq!(
            lit("s3.us-east-1.amazonaws.com", Some("eu-west-1")),
            Some(Problem::OtherRegion("us-east-1".into(), "eu-west-1".into()))
        );
        assert_eq!(
            lit("secretmanager.eu-west-1.amazonaws.com", None),
            Some(Problem::UnknownService("secretmanager".into()))
        );
        assert_eq!(
            lit("s3.cn-north-1.amazonaws.com.cn", None),
            Some(Problem::ChinaSuffix)
        );
    }

    #[test]
    fn patterns_match_some_valid_value() {
        assert_eq!(lit("*.eu-west-1.amazonaws.com", Some("eu-west-1")), None);
        assert_eq!(lit("ec2.*.amazonaws.com", None), None);
        assert_eq!(lit("*", Some("eu-west-1")), None);
        assert_eq!(lit("newservice*.eu-west-1.amazonaws.com", None), None);
        assert_eq!(
            lit("*.us-east-1.amazonaws.com", Some("eu-west-1")),
            Some(Problem::PatternOtherRegion("eu-west-1".into()))
        );
        assert_eq!(
            lit("s3*.amazonaws.com", None),
            None,
            "`*` also matches the Region"
        );
        assert_eq!(lit("ec2.*.amazonaws.con", None), Some(Problem::Shape));
        assert_eq!(lit("sso.*.amazonaws.com", None), None);
        assert_eq!(
            lit("identitystore.*.amazonaws.com", Some("eu-west-1")),
            None
        );
        assert_eq!(
            lit("s3.amazonaws.co*", None),
            Some(Problem::NoRegion("s3".into()))
        );
    }
}
