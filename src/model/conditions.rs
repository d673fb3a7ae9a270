//! Which combinations of template conditions can hold at once.
//!
//! Conditions are formulas over `Fn::Equals` tests. A test whose sides are known is a
//! constant; one on a parameter or an unknown pseudo parameter is a free variable (the
//! deployer decides), except that one parameter cannot equal two different strings at once.
//! Enumerating the variables' values gives every scenario the deployer can produce, so
//! `IsProd` and `IsNotProd: !Not [Condition: IsProd]` are never both true.

use std::collections::HashMap;

use crate::source::Node;

use super::value::{Env, Resolver, Scenario, Val};

#[derive(Clone, Debug)]
enum Formula {
    Const(bool),
    Atom(usize),
    Not(Box<Formula>),
    And(Vec<Formula>),
    Or(Vec<Formula>),
}

impl Formula {
    fn eval(&self, atoms: &[bool]) -> bool {
        match self {
            Formula::Const(b) => *b,
            Formula::Atom(i) => atoms[*i],
            Formula::Not(f) => !f.eval(atoms),
            Formula::And(fs) => fs.iter().all(|f| f.eval(atoms)),
            Formula::Or(fs) => fs.iter().any(|f| f.eval(atoms)),
        }
    }

    fn atoms(&self, out: &mut Vec<usize>) {
        match self {
            Formula::Const(_) => {}
            Formula::Atom(i) => {
                if !out.contains(i) {
                    out.push(*i);
                }
            }
            Formula::Not(f) => f.atoms(out),
            Formula::And(fs) | Formula::Or(fs) => fs.iter().for_each(|f| f.atoms(out)),
        }
    }
}

/// An `Fn::Equals` test that is not decided: which value it compares, when it compares
/// a variable with a literal (for "a parameter has one value").
#[derive(Clone, Debug)]
struct Atom {
    key: String,
    variable: Option<(String, String)>,
}

pub struct Conditions<'t> {
    formulas: HashMap<&'t str, Formula>,
    atoms: Vec<Atom>,
}

/// Enumerating more variables than this is refused: 2^12 scenarios is the most a question is
/// checked in, and past it the caller says that it did not check rather than guess.
pub const MAX_ATOMS: usize = 12;

/// The conditions asked about vary over more free variables than [`MAX_ATOMS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TooManyConditions {
    pub variables: usize,
}

impl<'t> Conditions<'t> {
    pub fn new(env: &Env<'t>) -> Conditions<'t> {
        let mut conditions = Conditions {
            formulas: HashMap::new(),
            atoms: Vec::new(),
        };
        let Some(template) = env.template else {
            return conditions;
        };
        let resolver = Resolver::for_conditions(env);
        for &(name, _, _) in &template.conditions {
            let mut visiting = Vec::new();
            let formula = conditions.formula_of(name, env, &resolver, &mut visiting);
            conditions.formulas.insert(name, formula);
        }
        conditions
    }

    fn formula_of(
        &mut self,
        name: &'t str,
        env: &Env<'t>,
        resolver: &Resolver<'_, 't>,
        visiting: &mut Vec<&'t str>,
    ) -> Formula {
        if let Some(f) = self.formulas.get(name) {
            return f.clone();
        }
        let definition = env.template.and_then(|t| t.condition(name));
        match definition {
            Some(node) if !visiting.contains(&name) => {
                visiting.push(name);
                let f = self.build(node, env, resolver, visiting, 0);
                visiting.pop();
                f
            }
            // Undefined (KMS003 reports it) or circular: free.
            _ => self.atom(format!("condition:{name}"), None),
        }
    }

    fn build(
        &mut self,
        node: &'t Node<'t>,
        env: &Env<'t>,
        resolver: &Resolver<'_, 't>,
        visiting: &mut Vec<&'t str>,
        depth: usize,
    ) -> Formula {
        let Some((function, _, arg)) = node.intrinsic().filter(|_| depth < 32) else {
            return self.atom(format!("node:{}", node.span.start), None);
        };
        let args = arg.as_seq().unwrap_or_default();
        match function {
            "Fn::Equals" if args.len() == 2 => self.equals(&args[0], &args[1], resolver),
            "Fn::Not" if args.len() == 1 => Formula::Not(Box::new(self.build(
                &args[0],
                env,
                resolver,
                visiting,
                depth + 1,
            ))),
            "Fn::And" | "Fn::Or" => {
                let parts = args
                    .iter()
                    .map(|a| self.build(a, env, resolver, visiting, depth + 1))
                    .collect();
                if function == "Fn::And" {
                    Formula::And(parts)
                } else {
                    Formula::Or(parts)
                }
            }
            "Condition" => match arg.as_str() {
                Some(name) => self.formula_of(name, env, resolver, visiting),
                None => self.atom(format!("node:{}", node.span.start), None),
            },
            _ => self.atom(format!("node:{}", node.span.start), None),
        }
    }

    fn equals(&mut self, a: &'t Node<'t>, b: &'t Node<'t>, resolver: &Resolver<'_, 't>) -> Formula {
        let side = |node| {
            let alts = resolver.resolve(node);
            match alts.as_slice() {
                [alt] => match &alt.val {
                    Val::Text(text) => Some(text.clone()),
                    _ => None,
                },
                _ => None,
            }
        };
        let (Some(left), Some(right)) = (side(a), side(b)) else {
            return self.atom(format!("eq:{}:{}", a.span.start, b.span.start), None);
        };
        if let (Some(l), Some(r)) = (left.literal(), right.literal()) {
            return Formula::Const(l == r);
        }
        let (l, r) = (left.display(), right.display());
        let variable = match (left.literal(), right.literal()) {
            (None, Some(lit)) if left.only_hole().is_some() => Some((l.clone(), lit.to_owned())),
            (Some(lit), None) if right.only_hole().is_some() => Some((r.clone(), lit.to_owned())),
            _ => None,
        };
        let key = if l <= r {
            format!("eq:{l}={r}")
        } else {
            format!("eq:{r}={l}")
        };
        self.atom(key, variable)
    }

    fn atom(&mut self, key: String, variable: Option<(String, String)>) -> Formula {
        if let Some(i) = self.atoms.iter().position(|a| a.key == key) {
            return Formula::Atom(i);
        }
        self.atoms.push(Atom { key, variable });
        Formula::Atom(self.atoms.len() - 1)
    }

    fn formula(&self, name: &str) -> Formula {
        self.formulas
            .get(name)
            .cloned()
            .unwrap_or(Formula::Const(true))
    }

    /// Every combination of values of `names` a deployment can produce, or how many free
    /// variables they have when that is more than [`MAX_ATOMS`].
    pub fn scenarios(
        &self,
        names: &[&'t str],
    ) -> Result<Vec<Vec<(&'t str, bool)>>, TooManyConditions> {
        if names.is_empty() {
            return Ok(vec![Vec::new()]);
        }
        // Undefined names are free: give them their own variables.
        let mut formulas = Vec::new();
        let mut extra = 0;
        for name in names {
            match self.formulas.get(name) {
                Some(f) => formulas.push(f.clone()),
                None => {
                    formulas.push(Formula::Atom(self.atoms.len() + extra));
                    extra += 1;
                }
            }
        }
        let mut used = Vec::new();
        formulas.iter().for_each(|f| f.atoms(&mut used));
        if used.len() > MAX_ATOMS {
            return Err(TooManyConditions {
                variables: used.len(),
            });
        }
        let mut values = vec![false; self.atoms.len() + extra];
        let mut distinct = std::collections::HashSet::new();
        let mut seen: Vec<Vec<(&'t str, bool)>> = Vec::new();
        for bits in 0u32..(1 << used.len()) {
            for (i, &atom) in used.iter().enumerate() {
                values[atom] = bits & (1 << i) != 0;
            }
            if !self.consistent(&used, &values) {
                continue;
            }
            let scenario: Vec<(&'t str, bool)> = names
                .iter()
                .zip(&formulas)
                .map(|(&n, f)| (n, f.eval(&values)))
                .collect();
            if distinct.insert(scenario.iter().map(|&(_, v)| v).collect::<Vec<bool>>()) {
                seen.push(scenario);
            }
        }
        Ok(seen)
    }

    /// Whether the conditions can have these values together.
    pub fn satisfiable(&self, assignment: &Scenario<'t>) -> bool {
        let names: Vec<&'t str> = assignment.iter().map(|&(n, _)| n).collect();
        // Too many variables to tell: they may well hold together.
        self.scenarios(&names).map_or(true, |all| {
            all.iter()
                .any(|s| s.iter().zip(assignment).all(|(a, b)| a.1 == b.1))
        })
    }

    /// Whether two resources, created under conditions `a` and `b`, can exist together.
    pub fn can_coexist(&self, a: Option<&'t str>, b: Option<&'t str>) -> bool {
        match (a, b) {
            (Some(a), Some(b)) if a != b => self.satisfiable(&[(a, true), (b, true)]),
            (Some(a), _) | (_, Some(a)) => !matches!(self.formula(a), Formula::Const(false)),
            _ => true,
        }
    }

    /// One variable cannot equal two different literals at once.
    fn consistent(&self, used: &[usize], values: &[bool]) -> bool {
        let mut fixed: Vec<(&str, &str)> = Vec::new();
        for &i in used {
            let Some(atom) = self.atoms.get(i) else {
                continue;
            };
            if !values[i] {
                continue;
            }
            if let Some((var, lit)) = &atom.variable {
                if fixed.iter().any(|(v, l)| v == var && l != lit) {
                    return false;
                }
                fixed.push((var, lit));
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;
    use crate::model::template::Template;
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

    fn check(settings: Settings, f: impl FnOnce(&Conditions)) {
        let root = yaml::load(TEMPLATE).root.unwrap();
        let template = Template::new(&root);
        let env = Env::new(Some(&template), &settings);
        f(&Conditions::new(&env));
    }

    #[test]
    fn related_conditions_are_never_combined_impossibly() {
        check(Settings::default(), |c| {
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
        let settings = Settings {
            region: Some("us-east-1".into()),
            ..Settings::default()
        };
        check(settings, |c| {
            assert!(!c.satisfiable(&[("InEu", true)]));
        });
    }
}
