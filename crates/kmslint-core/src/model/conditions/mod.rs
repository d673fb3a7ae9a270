//! Which combinations of template conditions can hold at once.
//!
//! Conditions are formulas over `Fn::Equals` tests. A test whose sides are known is a
//! constant; one on a parameter or an unknown pseudo parameter is a free variable (the
//! deployer decides), except that one parameter cannot equal two different strings at once.
//! Enumerating the variables' values gives every scenario the deployer can produce, so
//! `IsProd` and `IsNotProd: !Not [Condition: IsProd]` are never both true.
//!
//! A template is untrusted input, and conditions build on each other: `C2: !And [Condition:
//! C1, Condition: C1]` doubles with every level when written out. So formulas are a graph of
//! indexes in which a condition's formula is built once and shared by name, and every walk
//! over it is iterative. A condition whose chain of references is deeper than
//! [`MAX_CONDITION_DEPTH`], or whose formula written out would have more than
//! [`MAX_FORMULA_SIZE`] tests, is not read: it becomes a free variable, and
//! [`Conditions::problems`] says so (KMS003 reports it).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use crate::source::{Node, Span};

use super::value::{Env, Resolver, Scenario, Val};

/// One node of the formula graph; children are indexes into [`Conditions::nodes`].
#[derive(Clone, Debug, PartialEq)]
enum Formula {
    Const(bool),
    Atom(usize),
    Not(usize),
    And(Vec<usize>),
    Or(Vec<usize>),
    /// `Condition: Name`: the formula of condition number `.0` (an index into
    /// [`Conditions::roots`]).
    Cond(usize),
}

impl Formula {
    fn children(&self) -> &[usize] {
        match self {
            Formula::Not(c) => std::slice::from_ref(c),
            Formula::And(cs) | Formula::Or(cs) => cs,
            _ => &[],
        }
    }
}

/// An `Fn::Equals` test that is not decided: which value it compares, when it compares
/// a variable with a literal (for "a parameter has one value").
#[derive(Clone, Debug)]
struct Atom {
    variable: Option<(String, String)>,
}

/// Why a condition was not read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ConditionLimit {
    /// Its chain of `Condition` references is longer than [`MAX_CONDITION_DEPTH`].
    TooDeep,
    /// Written out, it would have more than [`MAX_FORMULA_SIZE`] tests.
    TooLarge,
}

/// A condition that was not read because it is too deep or too large.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ConditionProblem<'t> {
    pub name: &'t str,
    /// The condition's name where it is defined.
    pub span: Span,
    pub limit: ConditionLimit,
}

pub(crate) struct Conditions<'t> {
    nodes: Vec<Formula>,
    /// Condition names, in template order, with their number.
    index: HashMap<&'t str, usize>,
    /// Each condition's formula (a node), by number.
    roots: Vec<usize>,
    atoms: Vec<Atom>,
    atom_index: HashMap<String, usize>,
    problems: Vec<ConditionProblem<'t>>,
    /// What [`Conditions::satisfiable`] found for each list of names it was asked about: the
    /// combinations of their values a deployment can produce (`None`: too many variables to
    /// tell). Rules ask it once per scenario and per resource, always of the same names.
    combinations: Mutex<Combinations>,
    /// Statement models the policy rules may still build for this file, in all their
    /// scenarios together (see [`Conditions::spend`]).
    budget: AtomicUsize,
    /// What each condition being true, and false, says of the values of the variables its
    /// tests compare (see [`Conditions::constraints`]), worked out on first use.
    implications: OnceLock<Implications>,
}

mod constraints;
#[cfg(test)]
mod tests;

use constraints::{Constraint, Implications, Implied, join, meet};
pub(crate) use constraints::{Constraints, VariableConstraint};

/// The cache of [`Conditions::combinations`], and how many values it holds. Names are kept
/// by number (and undefined ones as written), not borrowed: a borrow would tie the cache,
/// and so every caller, to the template's lifetime exactly.
#[derive(Default)]
struct Combinations {
    by_names: HashMap<Vec<NameKey>, Option<Known>>,
    values: usize,
}

/// The value vectors a list of names can take.
type Known = Arc<HashSet<Vec<bool>>>;

#[derive(Clone, PartialEq, Eq, Hash)]
enum NameKey {
    Defined(usize),
    Undefined(Box<str>),
}

/// The most condition values the cache of combinations holds; past it, it starts over, so
/// memory stays bounded whatever rules ask.
const MAX_CACHED_VALUES: usize = 1 << 22;

/// Statement models the policy rules may build for a file, in every scenario of every
/// question, whatever its size, and per byte of it: past them, the questions left are
/// reported as not checked, as a question with too many scenarios is, so a template of many
/// conditional keys costs time in proportion to its size.
const BUDGET_BASE: usize = 1 << 16;
const BUDGET_PER_BYTE: usize = 1;

/// Enumerating more variables than this is refused: 2^12 scenarios is the most a question is
/// checked in, and past it the caller says that it did not check rather than guess.
pub(crate) const MAX_ATOMS: usize = 12;

/// The longest chain of conditions built on conditions that is read.
pub(crate) const MAX_CONDITION_DEPTH: usize = 64;

/// The most tests a condition's formula, written out with every referenced condition
/// expanded, may have.
pub(crate) const MAX_FORMULA_SIZE: u64 = 100_000;

/// Nesting of `Fn::And`/`Fn::Or`/`Fn::Not` inside one condition's definition.
const MAX_NESTING: usize = 32;

/// The conditions asked about vary over more free variables than [`MAX_ATOMS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TooManyConditions {
    pub variables: usize,
}

/// One step of a question's evaluation: a node's value from earlier steps' values.
enum Step {
    Const(bool),
    Atom(usize),
    Not(usize),
    And(Vec<usize>),
    Or(Vec<usize>),
    Same(usize),
}

impl<'t> Conditions<'t> {
    pub(crate) fn new(env: &Env<'t>) -> Conditions<'t> {
        let mut c = Conditions {
            nodes: Vec::new(),
            index: HashMap::new(),
            roots: Vec::new(),
            atoms: Vec::new(),
            atom_index: HashMap::new(),
            problems: Vec::new(),
            combinations: Mutex::default(),
            budget: AtomicUsize::new(BUDGET_BASE),
            implications: OnceLock::new(),
        };
        let Some(template) = env.template else {
            return c;
        };
        let size = template.root.span.range().len();
        c.budget =
            AtomicUsize::new(BUDGET_BASE.saturating_add(size.saturating_mul(BUDGET_PER_BYTE)));
        // The first definition of a name is the one read (a duplicate is a load problem).
        let mut definitions: Vec<(&'t str, Span, &'t Node<'t>)> = Vec::new();
        for &(name, span, node) in &template.conditions {
            if !c.index.contains_key(name) {
                c.index.insert(name, definitions.len());
                definitions.push((name, span, node));
            }
        }
        let resolver = Resolver::for_conditions(env);
        for &(_, _, node) in &definitions {
            let root = c.build(node, &resolver, 0);
            c.roots.push(root);
        }
        c.link(&definitions);
        c
    }

    fn push(&mut self, formula: Formula) -> usize {
        self.nodes.push(formula);
        self.nodes.len() - 1
    }

    /// One condition's definition; `Condition: Name` becomes a link to the name's formula.
    /// (Not `Node::walk`: each formula is built from its parts' formulas, bottom-up.)
    fn build(&mut self, node: &'t Node<'t>, resolver: &Resolver<'_, 't>, depth: usize) -> usize {
        let Some((function, _, arg)) = node.intrinsic().filter(|_| depth < MAX_NESTING) else {
            return self.atom(format!("node:{}", node.span.start), None);
        };
        let args = arg.as_seq().unwrap_or_default();
        match function {
            "Fn::Equals" if args.len() == 2 => self.equals(&args[0], &args[1], resolver),
            "Fn::Not" if args.len() == 1 => {
                let inner = self.build(&args[0], resolver, depth + 1);
                self.push(Formula::Not(inner))
            }
            "Fn::And" | "Fn::Or" => {
                let parts = args
                    .iter()
                    .map(|a| self.build(a, resolver, depth + 1))
                    .collect();
                self.push(if function == "Fn::And" {
                    Formula::And(parts)
                } else {
                    Formula::Or(parts)
                })
            }
            "Condition" => match arg.as_str() {
                Some(name) => match self.index.get(name) {
                    Some(&number) => self.push(Formula::Cond(number)),
                    // Undefined (KMS003 reports it): free.
                    None => self.atom(format!("condition:{name}"), None),
                },
                None => self.atom(format!("node:{}", node.span.start), None),
            },
            _ => self.atom(format!("node:{}", node.span.start), None),
        }
    }

    /// The `Condition` links of one condition's own definition, and how many tests it has.
    fn links_of(&self, root: usize) -> (Vec<usize>, u64) {
        let mut links = Vec::new();
        let mut tests = 0u64;
        let mut stack = vec![root];
        while let Some(n) = stack.pop() {
            match &self.nodes[n] {
                Formula::Cond(_) => links.push(n),
                Formula::Const(_) | Formula::Atom(_) => tests += 1,
                f => stack.extend(f.children().iter().rev()),
            }
        }
        (links, tests)
    }

    /// Walks the conditions' references without recursion: a reference back into a chain
    /// being followed (a cycle) is a free variable, and a condition too deep or too large is
    /// one too, reported once where the limit is crossed.
    fn link(&mut self, definitions: &[(&'t str, Span, &'t Node<'t>)]) {
        const NEW: u8 = 0;
        const OPEN: u8 = 1;
        const DONE: u8 = 2;
        let count = definitions.len();
        let mut state = vec![NEW; count];
        let mut depth = vec![0usize; count];
        let mut size = vec![0u64; count];
        let mut blocked = vec![false; count];
        let mut links: Vec<Vec<usize>> = vec![Vec::new(); count];
        let mut tests = vec![0u64; count];
        for start in 0..count {
            if state[start] != NEW {
                continue;
            }
            // (condition, how many of its links are followed)
            let mut stack = vec![(start, 0usize)];
            state[start] = OPEN;
            (links[start], tests[start]) = self.links_of(self.roots[start]);
            while let Some(&mut (current, ref mut next)) = stack.last_mut() {
                if let Some(&link) = links[current].get(*next) {
                    *next += 1;
                    let Formula::Cond(target) = self.nodes[link] else {
                        continue;
                    };
                    match state[target] {
                        NEW => {
                            state[target] = OPEN;
                            (links[target], tests[target]) = self.links_of(self.roots[target]);
                            stack.push((target, 0));
                        }
                        OPEN => {
                            let key = format!("condition:{}", definitions[target].0);
                            let atom = self.atom_number(key, None);
                            self.nodes[link] = Formula::Atom(atom);
                        }
                        _ => {}
                    }
                    continue;
                }
                stack.pop();
                state[current] = DONE;
                let mut d = 1;
                let mut s = tests[current];
                let mut tainted = false;
                for &link in &links[current] {
                    if let Formula::Cond(target) = self.nodes[link] {
                        tainted |= blocked[target];
                        d = d.max(depth[target] + 1);
                        s = s.saturating_add(size[target]);
                    }
                }
                (depth[current], size[current]) = (d, s);
                let limit = if tainted {
                    None
                } else if d > MAX_CONDITION_DEPTH {
                    Some(ConditionLimit::TooDeep)
                } else if s > MAX_FORMULA_SIZE {
                    Some(ConditionLimit::TooLarge)
                } else {
                    continue;
                };
                blocked[current] = true;
                let (name, span, _) = definitions[current];
                if let Some(limit) = limit {
                    self.problems.push(ConditionProblem { name, span, limit });
                }
                let atom = self.atom(format!("condition:{name}"), None);
                self.roots[current] = atom;
            }
        }
        self.problems.sort_by_key(|p| p.span.start);
    }

    fn equals(&mut self, a: &'t Node<'t>, b: &'t Node<'t>, resolver: &Resolver<'_, 't>) -> usize {
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
            return self.push(Formula::Const(l == r));
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

    fn atom_number(&mut self, key: String, variable: Option<(String, String)>) -> usize {
        if let Some(&i) = self.atom_index.get(&key) {
            return i;
        }
        self.atom_index.insert(key, self.atoms.len());
        self.atoms.push(Atom { variable });
        self.atoms.len() - 1
    }

    /// A node for a free variable.
    fn atom(&mut self, key: String, variable: Option<(String, String)>) -> usize {
        let number = self.atom_number(key, variable);
        self.push(Formula::Atom(number))
    }

    /// Conditions that were not read because they are too deep or too large.
    pub(crate) fn problems(&self) -> &[ConditionProblem<'t>] {
        &self.problems
    }

    /// The node a condition's formula starts at, past links.
    fn root(&self, name: &str) -> Option<usize> {
        let mut node = self.roots[*self.index.get(name)?];
        // Links never form a cycle (see `link`), and every condition is linked once.
        for _ in 0..=self.roots.len() {
            match self.nodes[node] {
                Formula::Cond(target) => node = self.roots[target],
                _ => return Some(node),
            }
        }
        Some(node)
    }

    /// The steps that evaluate `roots`, children before parents, each node once, without
    /// recursion; and the step of each root.
    fn program(&self, roots: &[usize]) -> (Vec<Step>, Vec<usize>) {
        let mut steps = Vec::new();
        let mut step_of: HashMap<usize, usize> = HashMap::new();
        let mut root_steps = Vec::new();
        for &root in roots {
            // (node, children pushed)
            let mut stack = vec![(root, false)];
            while let Some((node, expanded)) = stack.pop() {
                if step_of.contains_key(&node) {
                    continue;
                }
                let formula = &self.nodes[node];
                let children: &[usize] = match formula {
                    Formula::Cond(target) => std::slice::from_ref(&self.roots[*target]),
                    f => f.children(),
                };
                if !expanded {
                    stack.push((node, true));
                    // Left to right, so variables are numbered in the order they are written.
                    stack.extend(children.iter().rev().map(|&c| (c, false)));
                    continue;
                }
                let at = |c: &usize| step_of[c];
                let step = match formula {
                    Formula::Const(b) => Step::Const(*b),
                    Formula::Atom(a) => Step::Atom(*a),
                    Formula::Not(c) => Step::Not(at(c)),
                    Formula::And(cs) => Step::And(cs.iter().map(at).collect()),
                    Formula::Or(cs) => Step::Or(cs.iter().map(at).collect()),
                    Formula::Cond(target) => Step::Same(at(&self.roots[*target])),
                };
                step_of.insert(node, steps.len());
                steps.push(step);
            }
            root_steps.push(step_of[&root]);
        }
        (steps, root_steps)
    }

    /// Every combination of values of `names` a deployment can produce, or how many free
    /// variables they have when that is more than [`MAX_ATOMS`].
    pub(crate) fn scenarios(
        &self,
        names: &[&'t str],
    ) -> Result<Vec<Vec<(&'t str, bool)>>, TooManyConditions> {
        if names.is_empty() {
            return Ok(vec![Vec::new()]);
        }
        let mut roots = Vec::new();
        // Undefined names are free: give them their own variables.
        let mut extra = 0;
        let mut free = Vec::new();
        for name in names {
            match self.index.get(name) {
                Some(&number) => roots.push(self.roots[number]),
                None => {
                    free.push(roots.len());
                    roots.push(usize::MAX);
                }
            }
        }
        let (mut steps, mut root_steps) = {
            let defined: Vec<usize> = roots.iter().copied().filter(|&r| r != usize::MAX).collect();
            let (steps, defined_steps) = self.program(&defined);
            let mut defined_steps = defined_steps.into_iter();
            let root_steps: Vec<usize> = roots
                .iter()
                .map(|&r| {
                    if r == usize::MAX {
                        usize::MAX
                    } else {
                        defined_steps.next().unwrap_or(0)
                    }
                })
                .collect();
            (steps, root_steps)
        };
        for i in free {
            root_steps[i] = steps.len();
            steps.push(Step::Atom(self.atoms.len() + extra));
            extra += 1;
        }
        // Variables in the order they are written, each once: a name's reachable steps, in
        // step order (children before parents, left to right).
        let mut used: Vec<usize> = Vec::new();
        for &root in &root_steps {
            let mut reach = vec![false; root + 1];
            reach[root] = true;
            for s in (0..=root).rev() {
                if !reach[s] {
                    continue;
                }
                match &steps[s] {
                    Step::Not(c) | Step::Same(c) => reach[*c] = true,
                    Step::And(cs) | Step::Or(cs) => cs.iter().for_each(|&c| reach[c] = true),
                    Step::Const(_) | Step::Atom(_) => {}
                }
            }
            for (s, _) in reach.iter().enumerate().filter(|(_, r)| **r) {
                if let Step::Atom(a) = steps[s]
                    && !used.contains(&a)
                {
                    used.push(a);
                }
            }
        }
        if used.len() > MAX_ATOMS {
            return Err(TooManyConditions {
                variables: used.len(),
            });
        }
        let mut atom_values = vec![false; self.atoms.len() + extra];
        let mut values = vec![false; steps.len()];
        let mut distinct = std::collections::HashSet::new();
        let mut seen: Vec<Vec<(&'t str, bool)>> = Vec::new();
        for bits in 0u32..(1 << used.len()) {
            for (i, &atom) in used.iter().enumerate() {
                atom_values[atom] = bits & (1 << i) != 0;
            }
            if !self.consistent(&used, &atom_values) {
                continue;
            }
            for (s, step) in steps.iter().enumerate() {
                values[s] = match step {
                    Step::Const(b) => *b,
                    Step::Atom(a) => atom_values[*a],
                    Step::Not(c) => !values[*c],
                    Step::Same(c) => values[*c],
                    Step::And(cs) => cs.iter().all(|&c| values[c]),
                    Step::Or(cs) => cs.iter().any(|&c| values[c]),
                };
            }
            let scenario: Vec<(&'t str, bool)> = names
                .iter()
                .zip(&root_steps)
                .map(|(&n, &r)| (n, values[r]))
                .collect();
            if distinct.insert(scenario.iter().map(|&(_, v)| v).collect::<Vec<bool>>()) {
                seen.push(scenario);
            }
        }
        Ok(seen)
    }

    /// What the conditions of `scenario` say of the values of the variables their tests
    /// compare with literals: `HasX: !Not [!Equals [!Ref X, "-"]]` true says that `X` is not
    /// `-`, `IsProd: !Equals [!Ref Env, prod]` true that `Env` is `prod`, through `Fn::Not`,
    /// `Fn::And`, `Fn::Or` and `Condition`. The resolver reads parameters through it, so a
    /// default the scenario rules out is not read as the value.
    pub(crate) fn constraints(&self, scenario: &Scenario<'_>) -> Constraints {
        if scenario.is_empty() {
            return Constraints::default();
        }
        let implications = self.implications.get_or_init(|| self.implications());
        let Implications {
            by_condition,
            variables,
            literals,
        } = implications;
        let mut all: Implied = Vec::new();
        for &(name, value) in scenario {
            let Some(&number) = self.index.get(name) else {
                continue;
            };
            let Some((when_true, when_false)) = by_condition.get(number) else {
                continue;
            };
            all = meet(&all, if value { when_true } else { when_false });
        }
        let names = |values: &[usize]| -> Vec<String> {
            values
                .iter()
                .filter_map(|&l| literals.get(l).cloned())
                .collect()
        };
        let by_variable = all
            .into_iter()
            .filter_map(|(variable, constraint)| {
                let name = variables.get(variable)?.clone();
                let constraint = match constraint {
                    // An impossible scenario is never enumerated; say nothing rather than
                    // that no value fits.
                    Constraint::OneOf(values) if values.is_empty() => return None,
                    Constraint::OneOf(values) => VariableConstraint::OneOf(names(&values)),
                    Constraint::NoneOf(values) => VariableConstraint::NoneOf(names(&values)),
                };
                Some((name, constraint))
            })
            .collect();
        Constraints { by_variable }
    }

    /// Each condition's [`Implied`] when true and when false, in one pass over the formula
    /// graph (children before parents, each node once, without recursion).
    fn implications(&self) -> Implications {
        let (steps, root_steps) = self.program(&self.roots);
        let mut variable_of: HashMap<&str, usize> = HashMap::new();
        let mut literal_of: HashMap<&str, usize> = HashMap::new();
        let atom_implied: Vec<Option<(usize, usize)>> = self
            .atoms
            .iter()
            .map(|atom| {
                let (variable, literal) = atom.variable.as_ref()?;
                let next = variable_of.len();
                let v = *variable_of.entry(variable.as_str()).or_insert(next);
                let next = literal_of.len();
                let l = *literal_of.entry(literal.as_str()).or_insert(next);
                Some((v, l))
            })
            .collect();
        let mut values: Vec<(Implied, Implied)> = Vec::with_capacity(steps.len());
        for step in &steps {
            let value = match step {
                Step::Const(_) => (Vec::new(), Vec::new()),
                Step::Atom(a) => match atom_implied.get(*a).copied().flatten() {
                    Some((v, l)) => (
                        vec![(v, Constraint::OneOf(vec![l]))],
                        vec![(v, Constraint::NoneOf(vec![l]))],
                    ),
                    None => (Vec::new(), Vec::new()),
                },
                Step::Not(c) => {
                    let (t, f) = &values[*c];
                    (f.clone(), t.clone())
                }
                Step::Same(c) => values[*c].clone(),
                Step::And(cs) | Step::Or(cs) => {
                    let and = matches!(step, Step::And(_));
                    let mut parts = cs.iter().map(|&c| &values[c]);
                    match parts.next() {
                        None => (Vec::new(), Vec::new()),
                        Some(first) => {
                            let (mut t, mut f) = first.clone();
                            for (pt, pf) in parts {
                                if and {
                                    (t, f) = (meet(&t, pt), join(&f, pf));
                                } else {
                                    (t, f) = (join(&t, pt), meet(&f, pf));
                                }
                            }
                            (t, f)
                        }
                    }
                }
            };
            values.push(value);
        }
        let by_condition = root_steps
            .iter()
            .map(|&s| values.get(s).cloned().unwrap_or_default())
            .collect();
        let named = |index: HashMap<&str, usize>| {
            let mut names: Vec<(usize, String)> =
                index.into_iter().map(|(n, i)| (i, n.to_owned())).collect();
            names.sort_unstable();
            names.into_iter().map(|(_, n)| n).collect()
        };
        Implications {
            by_condition,
            variables: named(variable_of),
            literals: named(literal_of),
        }
    }

    /// Whether the conditions can have these values together.
    pub(crate) fn satisfiable(&self, assignment: &Scenario<'t>) -> bool {
        let names: Vec<&'t str> = assignment.iter().map(|&(n, _)| n).collect();
        let values: Vec<bool> = assignment.iter().map(|&(_, v)| v).collect();
        // Too many variables to tell: they may well hold together.
        self.combinations(&names)
            .is_none_or(|all| all.contains(&values))
    }

    /// The combinations of values of `names` a deployment can produce ([`Self::scenarios`]),
    /// enumerated once per list of names: a rule asks whether each resource fits each
    /// scenario of a key policy, thousands of times the same names.
    fn combinations(&self, names: &[&'t str]) -> Option<Known> {
        let key: Vec<NameKey> = names
            .iter()
            .map(|name| match self.index.get(name) {
                Some(&number) => NameKey::Defined(number),
                None => NameKey::Undefined((*name).into()),
            })
            .collect();
        if let Ok(cache) = self.combinations.lock()
            && let Some(found) = cache.by_names.get(&key)
        {
            return found.clone();
        }
        let found = self.scenarios(names).ok().map(|all| {
            Arc::new(
                all.into_iter()
                    .map(|s| s.into_iter().map(|(_, v)| v).collect())
                    .collect::<HashSet<Vec<bool>>>(),
            )
        });
        if let Ok(mut cache) = self.combinations.lock() {
            let size = names.len() * found.as_ref().map_or(1, |f| f.len());
            if cache.values.saturating_add(size) > MAX_CACHED_VALUES {
                *cache = Combinations::default();
            }
            cache.values += size;
            cache.by_names.insert(key, found.clone());
        }
        found
    }

    /// Takes `builds` statement models from the file's budget for policy questions; false,
    /// taking nothing, when fewer are left.
    pub(crate) fn spend(&self, builds: usize) -> bool {
        self.budget
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                left.checked_sub(builds)
            })
            .is_ok()
    }

    /// Whether two resources, created under conditions `a` and `b`, can exist together.
    pub(crate) fn can_coexist(&self, a: Option<&'t str>, b: Option<&'t str>) -> bool {
        match (a, b) {
            (Some(a), Some(b)) if a != b => self.satisfiable(&[(a, true), (b, true)]),
            (Some(a), _) | (_, Some(a)) => self
                .root(a)
                .is_none_or(|n| self.nodes[n] != Formula::Const(false)),
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
