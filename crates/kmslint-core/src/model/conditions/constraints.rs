//! What a condition's value says of parameters and pseudo parameters (`IsProd` true says
//! `Env` is `prod`), and the sets of literals a variable can take: the constraint algebra the
//! condition model uses, kept apart from the formula graph.

/// Each condition's [`Implied`] when true and when false, by number, and the names of the
/// variables and literals they refer to by number.
#[derive(Default)]
pub(super) struct Implications {
    pub(super) by_condition: Vec<(Implied, Implied)>,
    pub(super) variables: Vec<String>,
    pub(super) literals: Vec<String>,
}

/// What a condition's value says of variables (parameters, pseudo parameters), by variable
/// number (see [`Conditions::variables`]), in order: `IsProd: !Equals [!Ref Env, prod]` true
/// says `Env` is `prod`, false that it is not. Sound, not complete: what is not listed is
/// not known, and each list is kept short ([`MAX_IMPLIED`]) by forgetting, never guessing.
pub(super) type Implied = Vec<(usize, Constraint)>;

/// The values one variable can have: one of these literals, or none of them (literal
/// numbers, sorted).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Constraint {
    OneOf(Vec<usize>),
    NoneOf(Vec<usize>),
}

/// The most variables one condition's implications name, and literals one constraint lists.
const MAX_IMPLIED: usize = 16;

/// What the conditions of a scenario say of the values of parameters and pseudo parameters:
/// under `HasX: !Not [!Equals [!Ref X, "-"]]` true, `X` is not `-`. Variables are named as a
/// value with holes displays (`${X}`, `${AWS::Region}`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Constraints {
    pub(super) by_variable: Vec<(String, VariableConstraint)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum VariableConstraint {
    /// The variable is one of these literals.
    OneOf(Vec<String>),
    /// The variable is none of these literals.
    NoneOf(Vec<String>),
}

impl Constraints {
    pub(crate) fn is_empty(&self) -> bool {
        self.by_variable.is_empty()
    }

    /// What the scenario says of the variable `name` (`${X}`).
    pub(crate) fn of(&self, name: &str) -> Option<&VariableConstraint> {
        self.by_variable
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, c)| c)
    }
}

impl VariableConstraint {
    /// Whether the variable can be `value`.
    pub(crate) fn permits(&self, value: &str) -> bool {
        match self {
            VariableConstraint::OneOf(values) => values.iter().any(|v| v == value),
            VariableConstraint::NoneOf(values) => !values.iter().any(|v| v == value),
        }
    }
}

pub(super) fn union(a: &[usize], b: &[usize]) -> Vec<usize> {
    let mut out: Vec<usize> = a.iter().chain(b).copied().collect();
    out.sort_unstable();
    out.dedup();
    out
}

pub(super) fn intersection(a: &[usize], b: &[usize]) -> Vec<usize> {
    a.iter().copied().filter(|x| b.contains(x)).collect()
}

pub(super) fn difference(a: &[usize], b: &[usize]) -> Vec<usize> {
    a.iter().copied().filter(|x| !b.contains(x)).collect()
}

impl Constraint {
    /// Both hold; `None` when that says nothing (never: a meet only narrows).
    fn meet(&self, other: &Constraint) -> Option<Constraint> {
        use Constraint::{NoneOf, OneOf};
        let c = match (self, other) {
            (OneOf(a), OneOf(b)) => OneOf(intersection(a, b)),
            (OneOf(a), NoneOf(b)) | (NoneOf(b), OneOf(a)) => OneOf(difference(a, b)),
            (NoneOf(a), NoneOf(b)) => {
                let mut all = union(a, b);
                // Forgetting excluded values only says less.
                all.truncate(MAX_IMPLIED);
                NoneOf(all)
            }
        };
        Some(c)
    }

    /// One of them holds; `None` when that says nothing.
    fn join(&self, other: &Constraint) -> Option<Constraint> {
        use Constraint::{NoneOf, OneOf};
        let c = match (self, other) {
            (OneOf(a), OneOf(b)) => OneOf(union(a, b)),
            (OneOf(a), NoneOf(b)) | (NoneOf(b), OneOf(a)) => NoneOf(difference(b, a)),
            (NoneOf(a), NoneOf(b)) => NoneOf(intersection(a, b)),
        };
        match &c {
            OneOf(v) if v.len() > MAX_IMPLIED => None,
            NoneOf(v) if v.is_empty() => None,
            _ => Some(c),
        }
    }
}

/// Both hold: every variable either names, narrowed where both do.
pub(super) fn meet(a: &Implied, b: &Implied) -> Implied {
    let mut out = a.clone();
    for (variable, constraint) in b {
        match out.iter_mut().find(|(v, _)| v == variable) {
            Some((_, mine)) => {
                if let Some(c) = mine.meet(constraint) {
                    *mine = c;
                }
            }
            None => out.push((*variable, constraint.clone())),
        }
    }
    out.truncate(MAX_IMPLIED);
    out
}

/// One of them holds: only the variables both name, widened.
pub(super) fn join(a: &Implied, b: &Implied) -> Implied {
    a.iter()
        .filter_map(|(variable, mine)| {
            let (_, theirs) = b.iter().find(|(v, _)| v == variable)?;
            Some((*variable, mine.join(theirs)?))
        })
        .collect()
}
