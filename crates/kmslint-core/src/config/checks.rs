//! Checks of single values the configuration file and the command line share (a Region, an
//! account ID, `exclude` globs, the length of a rule list), each failing with a [`ValueError`].

use std::fmt;

use crate::facts::regions;
use crate::lookup;

/// The most entries a rule list (`select`, `extend-select`, …) or `[severity]` may have, in
/// one file and across an `extend` chain: every rule's code and name fit several times over.
/// Each directory's configuration matches its lists against every rule, so a list of a
/// hundred thousand entries in a configuration that a thousand others extend would cost that
/// many times over.
pub(crate) const MAX_LIST: usize = 256;

pub(super) fn check_list_length(len: usize) -> Result<(), ValueError> {
    if len > MAX_LIST {
        Err(ValueError::TooManyEntries(len))
    } else {
        Ok(())
    }
}

/// The most `exclude` globs one origin (the configuration, or the command line) may give.
pub(crate) const MAX_GLOBS: usize = 256;
/// The longest glob, in bytes.
pub(crate) const MAX_GLOB_LENGTH: usize = 256;
/// The most wildcards (`*`, `**`, `?`, `[`, `{`) in one glob.
pub(crate) const MAX_GLOB_WILDCARDS: usize = 16;

/// Bounds the work of compiling `exclude` globs: globset compiles them all into one regular
/// expression whose size grows with the wildcards, so 20,000 globs of `*?*?…` would take
/// gigabytes. Real lists are a handful of globs with a wildcard or two.
pub fn check_globs(globs: &[String]) -> Result<(), ValueError> {
    if globs.len() > MAX_GLOBS {
        return Err(ValueError::TooManyGlobs(globs.len()));
    }
    for glob in globs {
        let shown = || lookup::abbreviate(glob).into_owned();
        if glob.len() > MAX_GLOB_LENGTH {
            return Err(ValueError::GlobTooLong(shown()));
        }
        let wildcards = glob
            .replace("**", "*")
            .matches(['*', '?', '[', '{'])
            .count();
        if wildcards > MAX_GLOB_WILDCARDS {
            return Err(ValueError::TooManyWildcards {
                glob: shown(),
                wildcards,
            });
        }
    }
    Ok(())
}

/// A Region where KMS is available.
pub fn check_region(region: &str) -> Result<(), ValueError> {
    if regions::partition_of_region(region).is_some() {
        return Ok(());
    }
    let known = regions::PARTITIONS
        .iter()
        .flat_map(|p| p.regions.iter().copied());
    let shown = lookup::abbreviate(region).into_owned();
    let suggestion = lookup::did_you_mean(region, known);
    Err(ValueError::UnknownRegion {
        region: shown,
        suggestion,
    })
}

/// A 12-digit account ID.
pub fn check_account(account: &str) -> Result<(), ValueError> {
    if crate::facts::is_account_id(account) {
        Ok(())
    } else {
        Err(ValueError::NotAnAccount(
            lookup::abbreviate(account).into_owned(),
        ))
    }
}

/// Why a value is refused. The texts it holds are abbreviated as messages quote them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ValueError {
    /// A rule list or `[severity]` with this many entries, over [`MAX_LIST`].
    TooManyEntries(usize),
    /// This many `exclude` globs, over [`MAX_GLOBS`].
    TooManyGlobs(usize),
    /// A glob longer than [`MAX_GLOB_LENGTH`].
    GlobTooLong(String),
    /// A glob with more than [`MAX_GLOB_WILDCARDS`] wildcards.
    TooManyWildcards { glob: String, wildcards: usize },
    /// Not a Region where KMS is available, and the nearest one when one is close.
    UnknownRegion {
        region: String,
        suggestion: Option<&'static str>,
    },
    /// Not a 12-digit account ID.
    NotAnAccount(String),
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValueError::TooManyEntries(len) => write!(
                f,
                "{len} entries: at most {MAX_LIST} may be given (there are not that many rules)"
            ),
            ValueError::TooManyGlobs(len) => {
                write!(f, "{len} globs: at most {MAX_GLOBS} may be given")
            }
            ValueError::GlobTooLong(glob) => {
                write!(f, "`{glob}` is longer than {MAX_GLOB_LENGTH} bytes")
            }
            ValueError::TooManyWildcards { glob, wildcards } => write!(
                f,
                "`{glob}` has {wildcards} wildcards: at most {MAX_GLOB_WILDCARDS} may be in one glob"
            ),
            ValueError::UnknownRegion {
                region,
                suggestion: Some(c),
            } => write!(
                f,
                "`{region}` is not a Region where KMS is available; did you mean `{c}`?"
            ),
            ValueError::UnknownRegion {
                region,
                suggestion: None,
            } => write!(f, "`{region}` is not a Region where KMS is available"),
            ValueError::NotAnAccount(account) => {
                write!(f, "`{account}` is not a 12-digit account ID")
            }
        }
    }
}

impl std::error::Error for ValueError {}
