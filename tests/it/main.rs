//! The integration tests, one binary: each module was a test binary of its own, and each
//! linked the whole tool (33 links for one change). One binary links once. The fixture
//! harness (`tests/fixtures.rs`) stays apart: it is `harness = false`, with a trial per
//! fixture file (libtest-mimic), which libtest's `#[test]` functions here cannot share.
//!
//! Run one module's tests with `cargo test --test it cli_diff::` (a filter on the path).

mod common;

// The hang generators of `examples/generate_hangs.rs`, which hostile_model and many_conditions
// both run: declared once, as a module loaded twice is two copies of it.
#[allow(dead_code)]
#[path = "../../examples/generate_hangs.rs"]
mod hangs;

mod access;
mod access_simulator;
mod change;
mod cli;
mod cli_baseline;
mod cli_config;
mod cli_diff;
mod cli_fix;
mod cli_gitlab;
mod cli_junit;
mod cli_kinds;
mod cli_output;
mod cli_settings;
mod cli_since;
mod cli_walk;
mod consumer_properties;
mod corpus;
mod corpus_consumers;
mod corpus_history;
mod corpus_metadata;
mod deployments;
mod doc_commands;
mod docs_site;
mod fix_inputs;
mod fix_properties;
mod hostile_config;
mod hostile_model;
mod hostile_output;
mod hostile_source;
mod hostile_walk;
mod large_files;
mod linked;
mod loader;
mod many_conditions;
mod mutations;
mod pre_commit;
mod recovery;
mod renderers;
mod replicas;
mod robustness;
mod rule_docs;
mod sam_corpus;
mod sam_oracle;
mod sarif;
mod server;
mod suppressions;
mod via_services;
