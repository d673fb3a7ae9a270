//! The stacks a `[[stacks]]` table declares (docs/configuration.md, "Stacks"), as the
//! [`Stack`]s a deployment is linted with.

use std::collections::BTreeMap;

use crate::config::{ParamValue, StackDecl};

use super::Stack;

/// Each declared stack, once per instance: per Region of `regions` and account of
/// `accounts` (a StackSet's stack instances), each linted with its Region and account
/// (`crate::link` merges what the instances of one template find). A stack that names no
/// Region (or account) has one instance with it unknown. A parameter given another stack's
/// output (`{ stack, output }`) is linked (`crate::link`) when that output is a key, and
/// unknown otherwise, as a parameter without a value is.
pub fn stacks(decls: &[StackDecl]) -> Vec<Stack> {
    let mut out = Vec::new();
    for decl in decls {
        let parameters: BTreeMap<String, String> = decl
            .parameters
            .iter()
            .filter_map(|(name, value)| match value {
                ParamValue::Value(value) => Some((name.clone(), value.clone())),
                ParamValue::Output { .. } => None,
            })
            .collect();
        let linked_parameters: BTreeMap<String, (String, String)> = decl
            .parameters
            .iter()
            .filter_map(|(name, value)| match value {
                ParamValue::Output { stack, output } => {
                    Some((name.clone(), (stack.clone(), output.clone())))
                }
                ParamValue::Value(_) => None,
            })
            .collect();
        for account in each(&decl.accounts) {
            for region in each(&decl.regions) {
                out.push(Stack {
                    name: decl.name.clone(),
                    template: decl.template.clone(),
                    region: region.clone(),
                    account: account.clone(),
                    parameters: parameters.clone(),
                    linked_parameters: linked_parameters.clone(),
                    deployer: decl.deployer_arn.clone(),
                    nested_in: None,
                });
            }
        }
    }
    out
}

/// Each value of a list, or one unknown value for an empty list.
fn each(values: &[String]) -> Vec<Option<String>> {
    if values.is_empty() {
        return vec![None];
    }
    values.iter().cloned().map(Some).collect()
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
            deployer_arn: None,
        }
    }

    #[test]
    fn each_region_is_an_instance() {
        let [one] = stacks(&[decl(&["eu-west-1"], &[])]).try_into().unwrap();
        assert_eq!(one.region.as_deref(), Some("eu-west-1"));
        assert_eq!(one.account.as_deref(), Some("111122223333"));
        let [a, b] = stacks(&[decl(&["eu-west-1", "us-east-1"], &[])])
            .try_into()
            .unwrap();
        assert_eq!(a.region.as_deref(), Some("eu-west-1"));
        assert_eq!(b.region.as_deref(), Some("us-east-1"));
        assert_eq!((a.name, a.template), (b.name, b.template));
        let [unknown] = stacks(&[decl(&[], &[])]).try_into().unwrap();
        assert_eq!(unknown.region, None);
    }

    #[test]
    fn outputs_of_other_stacks_are_linked_parameters() {
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
        assert_eq!(
            stack.linked_parameters,
            BTreeMap::from([(
                "PrimaryKeyArn".to_owned(),
                ("primary".to_owned(), "KeyArn".to_owned())
            )])
        );
    }
}
