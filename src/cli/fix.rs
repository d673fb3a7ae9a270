//! `check --fix` and `--diff`: which fixes apply, writing fixed files, and the diff shown
//! instead of writing.

use kmslint_core::fix::Applicability;
use kmslint_core::render::visible;

/// What `check` does with fixes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum FixMode {
    /// Report findings; fixes are only shown.
    Report,
    /// `--fix`: write the fixed files (stdin: print the fixed text), report what is left.
    Apply,
    /// `--diff`: print what `--fix` would change; write nothing.
    Diff,
}

/// The fix settings of one run.
#[derive(Clone, Copy, Debug)]
pub(super) struct FixOptions {
    pub mode: FixMode,
    /// `--unsafe-fixes`: unsafe fixes are applied and counted as fixable.
    pub unsafe_fixes: bool,
}

impl FixOptions {
    /// The least sure fix that is applied.
    pub(crate) fn least(self) -> Applicability {
        if self.unsafe_fixes {
            Applicability::Unsafe
        } else {
            Applicability::Safe
        }
    }
}

/// A unified diff of one file, `a/NAME` to `b/NAME` as git prints them; empty when the texts
/// are equal.
pub(super) fn unified_diff(name: &str, before: &str, after: &str) -> String {
    if before == after {
        return String::new();
    }
    let name = visible(name);
    similar::TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(3)
        .header(&side("a", &name), &side("b", &name))
        .to_string()
}

/// `a/templates/key.yaml` as git names a side; an absolute path stays as it is.
fn side(prefix: &str, name: &str) -> String {
    if name.starts_with('/') {
        name.to_owned()
    } else {
        format!("{prefix}/{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diffs_name_both_sides_and_are_empty_without_change() {
        let diff = unified_diff("t.yaml", "a: 1\nb: 2\n", "a: 1\nb: 3\n");
        assert!(diff.starts_with("--- a/t.yaml\n+++ b/t.yaml\n@@"), "{diff}");
        assert!(diff.contains("-b: 2\n+b: 3\n"), "{diff}");
        assert_eq!(unified_diff("t.yaml", "x", "x"), "");
    }
}
