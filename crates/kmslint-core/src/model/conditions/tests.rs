//! The condition model's unit tests: scenarios, implications, limits.

use super::*;
use crate::model::template::Template;
use crate::model::value::Deployment;
use crate::source::yaml;

const TEMPLATE: &str = "
Parameters:
  Env: {Type: String}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Equals [!Ref Env, dev]
  NotProd: !Not [Condition: IsProd]
  InEu: !Equals [!Ref 'AWS::Region', eu-west-1]
  Never: !Equals [a, b]
  ProdInEu: !And [Condition: IsProd, Condition: InEu]
Resources: {}
";

fn check(deployment: Deployment<'_>, f: impl FnOnce(&Conditions)) {
    let root = yaml::load(TEMPLATE).root.unwrap();
    let template = Template::new(&root);
    let env = Env::new(Some(&template), deployment);
    f(&Conditions::new(&env));
}

#[test]
fn related_conditions_are_never_combined_impossibly() {
    check(Deployment::nowhere(), |c| {
        assert!(!c.satisfiable(&[("IsProd", true), ("NotProd", true)]));
        assert!(!c.satisfiable(&[("IsProd", true), ("IsDev", true)]));
        assert!(c.satisfiable(&[("IsProd", false), ("IsDev", false)]));
        assert!(c.satisfiable(&[("ProdInEu", true)]));
        assert!(!c.satisfiable(&[("ProdInEu", true), ("InEu", false)]));
        assert!(!c.can_coexist(Some("IsProd"), Some("NotProd")));
        assert!(!c.can_coexist(Some("Never"), None));
        assert_eq!(c.scenarios(&["IsProd", "NotProd"]).map(|s| s.len()), Ok(2));
    });
}

#[test]
fn a_known_region_decides_region_conditions() {
    let deployment = Deployment {
        region: Some("us-east-1"),
        ..Deployment::nowhere()
    };
    check(deployment, |c| {
        assert!(!c.satisfiable(&[("InEu", true)]));
    });
}

fn with_conditions(text: &str, f: impl FnOnce(&Conditions)) {
    let root = yaml::load(text).root.unwrap();
    let template = Template::new(&root);
    let env = Env::new(Some(&template), Deployment::nowhere());
    f(&Conditions::new(&env));
}

fn doubling(levels: usize) -> String {
    let mut text = String::from("Parameters: {E: {Type: String}}\nConditions:\n");
    text.push_str("  C0: !Equals [!Ref E, x]\n");
    for i in 1..=levels {
        let p = i - 1;
        text.push_str(&format!(
            "  C{i}: !And [Condition: C{p}, Condition: C{p}]\n"
        ));
    }
    text + "Resources: {}\n"
}

fn chain(length: usize, reverse: bool) -> String {
    let mut lines: Vec<String> = (1..=length)
        .map(|i| format!("  C{i}: !Not [Condition: C{}]", i - 1))
        .collect();
    lines.insert(0, "  C0: !Equals [!Ref E, x]".into());
    if reverse {
        lines.reverse();
    }
    format!(
        "Parameters: {{E: {{Type: String}}}}\nConditions:\n{}\nResources: {{}}\n",
        lines.join("\n")
    )
}

#[test]
fn a_shared_condition_is_built_once() {
    with_conditions(&doubling(10), |c| {
        // Ten levels of doubling written out are 1024 tests; shared, eleven formulas.
        assert!(c.nodes.len() < 40, "{} nodes", c.nodes.len());
        assert_eq!(c.atoms.len(), 1);
        assert!(c.problems().is_empty());
        assert!(!c.satisfiable(&[("C10", true), ("C0", false)]));
        assert_eq!(c.scenarios(&["C10", "C3"]).map(|s| s.len()), Ok(2));
    });
}

#[test]
fn a_condition_too_large_written_out_is_free_and_reported() {
    with_conditions(&doubling(28), |c| {
        let problems = c.problems();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].name, "C17");
        assert_eq!(problems[0].limit, ConditionLimit::TooLarge);
        // C16 is still read; C17 and the conditions built on it are free.
        assert!(!c.satisfiable(&[("C16", true), ("C0", false)]));
        assert!(c.satisfiable(&[("C28", true), ("C0", false)]));
    });
}

#[test]
fn long_chains_are_cut_at_the_depth_limit_in_either_order() {
    for reverse in [false, true] {
        with_conditions(&chain(3000, reverse), |c| {
            let problems = c.problems();
            assert_eq!(problems.len(), 1, "reverse: {reverse}");
            assert_eq!(problems[0].limit, ConditionLimit::TooDeep);
            assert_eq!(problems[0].name, format!("C{MAX_CONDITION_DEPTH}"));
            // Within the limit, `Not` of `Not` is the same condition.
            assert!(!c.satisfiable(&[("C2", true), ("C0", false)]));
            assert!(!c.satisfiable(&[("C1", true), ("C0", true)]));
            assert!(c.satisfiable(&[("C2999", true)]));
        });
    }
    with_conditions(&chain(MAX_CONDITION_DEPTH - 1, true), |c| {
        assert!(c.problems().is_empty());
        // An even number of `Not`s from C0, and C1 is one.
        let last = format!("C{}", MAX_CONDITION_DEPTH - 2);
        assert!(!c.satisfiable(&[(last.as_str(), true), ("C1", true)]));
    });
}

#[test]
fn a_scenario_constrains_the_parameters_its_conditions_test() {
    let text = "Parameters: {X: {Type: String}, E: {Type: String}}
Conditions:
  HasX: !Not [!Equals [!Ref X, '-']]
  IsProd: !Equals [!Ref E, prod]
  IsDev: !Equals [!Ref E, dev]
  ProdOrDev: !Or [Condition: IsProd, Condition: IsDev]
  ProdWithX: !And [Condition: IsProd, Condition: HasX]
Resources: {}
";
    use VariableConstraint::{NoneOf, OneOf};
    with_conditions(text, |c| {
        let of = |scenario: &[(&str, bool)], var: &str| c.constraints(scenario).of(var).cloned();
        assert_eq!(
            of(&[("HasX", true)], "${X}"),
            Some(NoneOf(vec!["-".into()]))
        );
        assert_eq!(
            of(&[("HasX", false)], "${X}"),
            Some(OneOf(vec!["-".into()]))
        );
        assert_eq!(of(&[("HasX", true)], "${E}"), None);
        assert_eq!(
            of(&[("ProdOrDev", true)], "${E}"),
            Some(OneOf(vec!["prod".into(), "dev".into()]))
        );
        assert_eq!(
            of(&[("ProdOrDev", false)], "${E}"),
            Some(NoneOf(vec!["prod".into(), "dev".into()]))
        );
        assert_eq!(
            of(&[("ProdWithX", true)], "${X}"),
            Some(NoneOf(vec!["-".into()]))
        );
        assert_eq!(
            of(&[("ProdWithX", true)], "${E}"),
            Some(OneOf(vec!["prod".into()]))
        );
        // And false: either test may be the false one, so nothing is known.
        assert_eq!(of(&[("ProdWithX", false)], "${E}"), None);
        assert_eq!(
            of(&[("IsProd", false), ("IsDev", false)], "${E}"),
            Some(NoneOf(vec!["prod".into(), "dev".into()]))
        );
        assert!(c.constraints(&[]).is_empty());
    });
}

#[test]
fn a_cycle_is_free_not_endless() {
    let text = "Parameters: {E: {Type: String}}
Conditions:
  A: !And [Condition: B, !Equals [!Ref E, x]]
  B: !Not [Condition: A]
  C: !Or [Condition: C]
Resources: {}
";
    with_conditions(text, |c| {
        assert!(c.problems().is_empty());
        assert!(c.scenarios(&["A", "B", "C"]).is_ok());
    });
}
