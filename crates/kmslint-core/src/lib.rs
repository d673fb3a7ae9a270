//! kmslint: a linter for AWS KMS keys in CloudFormation templates and for KMS key policies.
//!
//! This crate is the linting core, without a command line: no argument parsing, no directory
//! walk, no language server (those are the `kmslint` and `kmslint-server` crates).
//!
//! Data flows one way: `source` (read, decode, parse into a located tree) → `model`
//! (template and key policy views, value resolution) → `rules` → [`Diagnostic`]s →
//! `suppress` → `render`. `pipeline` drives one file through it ([`lint_source`] is the seam
//! tests use), `context` builds what rules read, `compare` adds the change rules for a
//! previous version, `fix_loop` is `--fix`; the command line adds discovery, parallelism over
//! files and output.
//!
//! Layers, each module using only modules of the layers before it (`use crate::` edges;
//! `scripts/module-graph.py` prints them and fails on a cycle):
//! 1. `facts` (tables about AWS), `lookup` (rules by name, suggestions) and `paths` (resolving
//!    file names) use no other module;
//! 2. `source` (uses `lookup`) and `deployer` (`facts`, `lookup`);
//! 3. `diagnostic` (a finding, and its fix as plain data) and `pointer` use `source`; `model`
//!    uses `source` and `facts`, and takes the deployment (Region, account, parameter values)
//!    as plain values, not the settings;
//! 4. `fix` (writing and applying edits) uses `diagnostic`, `model` and `source`;
//! 5. `config` (uses `deployer`, `diagnostic`, `facts`, `lookup`, `source`; it is handed the
//!    rules' names, and never reads the registry);
//! 6. `deployment` (stacks linted as one: a CDK cloud assembly or a `[[stacks]]` table read
//!    as plain data; uses `config` to check Regions and accounts and for the table's
//!    declarations, and `source` to read bounded);
//! 7. `rules` (the registry, the rule context and the rules) uses all of the above;
//! 8. `suppress` and `baseline`;
//! 9. `context`, `compare`, `render` (which reads [`Previous`]), `link` (the links between a
//!    deployment's stacks, made before its templates are linted), `pipeline`, `fix_loop`
//!    and `access` (who can do what with a key: `kmslint access`), each using the layers
//!    before and the modules before it in this list.

// What the command line, the language server, the tests, the examples and the fuzz targets
// use is public; the rest is crate-private, so the compiler reports what nothing uses (and
// the `unreachable_pub` lint, on for the workspace, what is `pub` but cannot be reached).
pub mod access;
pub mod baseline;
mod compare;
pub mod config;
mod context;
pub mod deployer;
pub mod deployment;
pub mod diagnostic;
pub(crate) mod facts;
pub mod fix;
mod fix_loop;
pub mod link;
pub mod lookup;
pub(crate) mod model;
pub mod paths;
mod pipeline;
pub(crate) mod pointer;
pub mod render;
pub mod rules;
pub mod source;
pub mod suppress;

pub use compare::{Comparison, Previous};
pub use config::Settings;
pub use diagnostic::{Diagnostic, Severity};
pub use fix_loop::{FixedFile, fix_bytes, fix_text};
pub use model::DocumentKind;
pub use pipeline::{
    FileReport, Outcome, lint_against, lint_bytes, lint_loaded, lint_source, lint_text,
};
