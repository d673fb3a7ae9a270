//! kmslint: a linter for AWS KMS keys in CloudFormation templates and for KMS key policies.
//!
//! This package is the command line (`cli`, with `discover`, the directory walk); the
//! linting is `kmslint-core`'s and the language server `kmslint-server`'s. Both are
//! re-exported here, so `kmslint::lint_bytes`, `kmslint::rules` and `kmslint::server::run`
//! read as they did before the split.

pub use kmslint_core::*;
pub use kmslint_server as server;

pub mod cli;
pub mod discover;
pub mod write;
