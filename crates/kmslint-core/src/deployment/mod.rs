//! Deployments: stacks linted as one (issue 24, docs/deployments.md). Today a deployment is
//! read from a CDK cloud assembly ([`assembly`]) or a `[[stacks]]` table ([`table`]); each
//! stack's template is linted with the stack's Region, account and parameter values. Links between stacks (`Fn::ImportValue`,
//! SSM, cross-Region references) are not read yet.
//!
//! Plain data: the command line, the language server and a `[[stacks]]` table in the
//! configuration can all produce and read it.

pub mod assembly;
pub mod table;

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

/// One stack of a deployment: a template deployed once, to one Region of one account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stack {
    /// The stack's name (`AWS::StackName`): CDK's `stackName`, else the artifact's ID; for a
    /// nested stack, `<parent>/<logical ID of its AWS::CloudFormation::Stack resource>`.
    pub name: String,
    /// The template's file, as found (the assembly's directory joined with its name).
    pub template: PathBuf,
    /// The Region, when known (CDK's `unknown-region` is not).
    pub region: Option<String>,
    /// The account, when known (CDK's `unknown-account` is not).
    pub account: Option<String>,
    /// Parameter values given to the stack: for a nested stack, the literal (string) values
    /// of its resource's `Parameters`.
    pub parameters: BTreeMap<String, String>,
    /// For a nested stack, the index of its parent in [`Deployment::stacks`].
    pub nested_in: Option<usize>,
}

/// Stacks linted as one deployment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Deployment {
    /// Where the deployment is declared: the assembly's `manifest.json` (or a configuration
    /// file).
    pub source: PathBuf,
    /// Its stacks, parents before their nested stacks.
    pub stacks: Vec<Stack>,
}

/// What could not be read of a deployment: the file it is about, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeploymentError {
    pub path: PathBuf,
    pub message: String,
}

impl fmt::Display for DeploymentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

impl std::error::Error for DeploymentError {}
