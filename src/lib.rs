//! kmslint: a linter for AWS KMS keys in CloudFormation templates and for KMS key policies.
//!
//! This package is the command line (`cli`, with `discover`, the directory walk, and
//! `write`, replacing fixed files); the linting is `kmslint-core`'s and the language server
//! `kmslint-server`'s, which the code here names as such (`kmslint_core::config`), so that
//! `crate::` always means this package.

pub mod cli;
pub mod discover;
pub mod write;
