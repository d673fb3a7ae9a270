//! Deployments: stacks linted as one (docs/deployments.md). A deployment is read from a CDK
//! cloud assembly ([`assembly`]) or a `[[stacks]]` table ([`table`]); each stack's template
//! is linted with the stack's Region, account, deployer and parameter values, and with the
//! links between the stacks (`Fn::ImportValue`, SSM, cross-Region references, nested
//! stacks), which `crate::link` makes.
//!
//! Plain data: the command line, the language server and a `[[stacks]]` table in the
//! configuration can all produce and read it.

pub mod assembly;
pub mod table;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::Settings;

/// One stack of a deployment: a template deployed once, to one Region of one account.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
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
    /// Parameters given another stack's output (a `[[stacks]]` table's `{ stack, output }`):
    /// the stack's name and the output's.
    pub linked_parameters: BTreeMap<String, (String, String)>,
    /// The principal that deploys the stack (a CDK stack's CloudFormation execution role),
    /// when known: KMS204 decides for it, as with `--deployer-arn`.
    pub deployer: Option<String>,
    /// For a nested stack, the index of its parent in [`Deployment::stacks`].
    pub nested_in: Option<usize>,
}

impl Stack {
    /// The settings this stack's template is linted with: `base` (its directory's
    /// configuration under the command line's or the editor's settings) with the stack's
    /// Region, account and deployer over it, and its parameter values added. A deployment's
    /// stacks may be in several Regions, which no one `--region` can say
    /// (docs/deployments.md); a Region or account the stack leaves unknown (CDK's
    /// `unknown-region`) keeps `base`'s. The command line and the language server both lint a
    /// stack's template with these.
    pub fn settings(&self, base: &Settings) -> Settings {
        let mut settings = base.clone();
        if self.region.is_some() {
            settings.region.clone_from(&self.region);
        }
        if self.account.is_some() {
            settings.account.clone_from(&self.account);
        }
        if self.deployer.is_some() {
            settings.deployer_arn.clone_from(&self.deployer);
        }
        if !self.parameters.is_empty() {
            let mut parameters = (*settings.parameters).clone();
            parameters.extend(self.parameters.clone());
            settings.parameters = Arc::new(parameters);
        }
        settings
    }
}

/// `path` resolved (links followed, `.` and `..` gone), or as given when it cannot be (a
/// file not there): how a stack's template is matched to a file, so that a link and another
/// spelling of the path are the same template.
pub fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn stack(region: Option<&str>, parameters: &[(&str, &str)]) -> Stack {
        Stack {
            name: "keys".to_owned(),
            template: PathBuf::from("keys.yaml"),
            region: region.map(str::to_owned),
            account: None,
            parameters: parameters
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            linked_parameters: BTreeMap::new(),
            deployer: None,
            nested_in: None,
        }
    }

    #[test]
    fn a_stack_is_over_its_base_where_it_knows() {
        let base = Settings {
            region: Some("us-east-1".to_owned()),
            account: Some("111122223333".to_owned()),
            parameters: Arc::new(HashMap::from([("Env".to_owned(), "dev".to_owned())])),
            ..Settings::default()
        };
        let settings = stack(Some("eu-west-1"), &[("Env", "prod"), ("Size", "2")]).settings(&base);
        assert_eq!(settings.region.as_deref(), Some("eu-west-1"));
        // Unknown in the stack: the base's stays.
        assert_eq!(settings.account.as_deref(), Some("111122223333"));
        assert_eq!(
            settings.parameters.get("Env").map(String::as_str),
            Some("prod")
        );
        assert_eq!(settings.parameters.len(), 2);
        assert_eq!(stack(None, &[]).settings(&base), base);
    }
}
