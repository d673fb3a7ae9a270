//! The stacks a `[[stacks]]` table declares (docs/configuration.md, "Stacks"), as the
//! [`Stack`]s a deployment is linted with.

use std::collections::BTreeMap;

use crate::config::{ParamValue, StackDecl};

use super::Stack;

/// Each declared stack, linted with its Region and account when it names one of each.
///
/// A stack deployed to several Regions (`regions`) or accounts is linted once, with the
/// Region (or account) unknown, as a template in no stack is: rules that need it stay
/// silent rather than judge one instance for all. A parameter given another stack's output
/// (`{ stack, output }`) is linked (`crate::link`) when that output is a key, and unknown
/// otherwise, as a parameter without a value is.
pub fn stacks(decls: &[StackDecl]) -> Vec<Stack> {
    decls
        .iter()
        .map(|decl| Stack {
            name: decl.name.clone(),
            template: decl.template.clone(),
            region: only(&decl.regions),
            account: only(&decl.accounts),
            parameters: decl
                .parameters
                .iter()
                .filter_map(|(name, value)| match value {
                    ParamValue::Value(value) => Some((name.clone(), value.clone())),
                    ParamValue::Output { .. } => None,
                })
                .collect::<BTreeMap<_, _>>(),
            linked_parameters: decl
                .parameters
                .iter()
                .filter_map(|(name, value)| match value {
                    ParamValue::Output { stack, output } => {
                        Some((name.clone(), (stack.clone(), output.clone())))
                    }
                    ParamValue::Value(_) => None,
                })
                .collect(),
            nested_in: None,
        })
        .collect()
}

/// The one value of a list, if it has exactly one.
fn only(values: &[String]) -> Option<String> {
    match values {
        [one] => Some(one.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn decl(regions: &[&str], parameters: &[(&str, ParamValue)]) -> StackDecl {
        StackDecl {
            name: "keys".to_owned(),
            template: PathBuf::from("infra/keys.yaml"),
            regions: regions.iter().map(|r| (*r).to_owned()).collect(),
            accounts: vec!["111122223333".to_owned()],
            parameters: parameters
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
        }
    }

    #[test]
    fn one_region_is_known_several_are_not() {
        let [one] = stacks(&[decl(&["eu-west-1"], &[])]).try_into().unwrap();
        assert_eq!(one.region.as_deref(), Some("eu-west-1"));
        assert_eq!(one.account.as_deref(), Some("111122223333"));
        let [several] = stacks(&[decl(&["eu-west-1", "us-east-1"], &[])])
            .try_into()
            .unwrap();
        assert_eq!(several.region, None);
    }

    #[test]
    fn outputs_of_other_stacks_stay_unknown() {
        let parameters = [
            ("Env", ParamValue::Value("prod".to_owned())),
            (
                "PrimaryKeyArn",
                ParamValue::Output {
                    stack: "primary".to_owned(),
                    output: "KeyArn".to_owned(),
                },
            ),
        ];
        let [stack] = stacks(&[decl(&[], &parameters)]).try_into().unwrap();
        assert_eq!(
            stack.parameters,
            BTreeMap::from([("Env".to_owned(), "prod".to_owned())])
        );
    }
}
