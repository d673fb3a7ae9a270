//! A CDK cloud assembly (`cdk.out`) read as a [`Deployment`]: its `manifest.json`'s stack
//! artifacts with their environments, its nested assemblies (stages) and the nested stacks
//! whose templates are assets in it. The manifest's format is CDK's cloud assembly schema
//! (<https://github.com/aws/aws-cdk-cli/tree/main/packages/%40aws-cdk/cloud-assembly-schema>):
//! `artifacts` maps IDs to `{type, environment, properties}`.
//!
//! An assembly may come from a pull request: every file it names must be inside its
//! directory (no absolute path, no `..`, no link leading out), every file is read bounded, and
//! nested assemblies and nested stacks are followed to a bounded depth, each at most once.

use std::collections::{BTreeMap, HashSet};
use std::path::{Component, Path, PathBuf};

use serde::Deserialize;

use super::{Deployment, DeploymentError, Stack, canonical};
use crate::config::{check_account, check_region};
use crate::source::read::{describe_io, read_file};

/// The assembly's manifest, in its directory.
pub const MANIFEST: &str = "manifest.json";

/// The file holding the assembly's schema version, beside the manifest: CDK writes it in
/// every assembly it synthesizes.
const VERSION_FILE: &str = "cdk.out";

/// How deep nested assemblies (stages in stages) and nested stacks (in nested stacks) are
/// followed. CDK apps rarely go past two; the bound is for hostile input.
const MAX_DEPTH: usize = 16;

const STACK: &str = "aws:cloudformation:stack";
const NESTED_ASSEMBLY: &str = "cdk:cloud-assembly";

#[derive(Deserialize)]
struct Manifest {
    #[serde(default)]
    artifacts: BTreeMap<String, Artifact>,
}

#[derive(Deserialize)]
struct Artifact {
    #[serde(rename = "type")]
    kind: String,
    environment: Option<String>,
    #[serde(default)]
    properties: Properties,
}

/// The properties read, of stacks (`templateFile`, `stackName`,
/// `cloudFormationExecutionRoleArn`) and nested assemblies
/// (`directoryName`); other artifacts' are ignored.
#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Properties {
    template_file: Option<String>,
    stack_name: Option<String>,
    directory_name: Option<String>,
    /// The role CloudFormation assumes to deploy the stack (CDK's bootstrap
    /// `cfn-exec-role`): the principal that creates the stack's keys.
    cloud_formation_execution_role_arn: Option<String>,
}

/// The execution role's ARN with the environment's placeholders (`${AWS::Partition}`,
/// `${AWS::AccountId}`, `${AWS::Region}`) filled in: the deployer KMS204 checks key policies
/// against, as `--deployer-arn` would give it. Nothing when a placeholder stays (an
/// environment-agnostic stack) or the ARN is not a role's or user's.
fn deployer_arn(arn: &str, account: Option<&str>, region: Option<&str>) -> Option<String> {
    let partition = region.and_then(crate::facts::regions::partition_of_region);
    let mut arn = arn.to_owned();
    for (placeholder, value) in [
        ("${AWS::Partition}", partition.map(|p| p.name)),
        ("${AWS::AccountId}", account),
        ("${AWS::Region}", region),
    ] {
        if let Some(value) = value {
            arn = arn.replace(placeholder, value);
        }
    }
    (!arn.contains("${") && crate::deployer::Deployer::parse(&arn).is_ok()).then_some(arn)
}

/// How many directories, a file's and those above it, may hold the assembly it is a template
/// of: a template is in its assembly's directory (`cdk.out/App.template.json`) or a stage's
/// (`cdk.out/assembly-Prod/…`, an assembly too). The bound keeps the search a few `stat`s.
const ENCLOSING_LEVELS: usize = 4;

/// The directories that may hold the assembly `file` (a resolved path) is a template of,
/// nearest first: its own and those above it, at most [`ENCLOSING_LEVELS`], and none above
/// the repository's root (an assembly there is another project's).
pub fn enclosing_dirs(file: &Path) -> impl Iterator<Item = &Path> {
    let mut past_root = false;
    file.ancestors()
        .skip(1)
        .take(ENCLOSING_LEVELS)
        .take_while(move |dir| {
            let keep = !past_root;
            past_root = past_root || dir.join(".git").exists();
            keep
        })
}

/// Whether `dir` holds a cloud assembly: a `manifest.json` beside CDK's `cdk.out` version
/// file, or one whose `version` is a string and whose `artifacts` include a stack or a nested
/// assembly. A `manifest.json` of anything else (a browser extension's, a web app's) is not.
pub fn is_assembly(dir: &Path, limit: u64) -> bool {
    let manifest = dir.join(MANIFEST);
    if !manifest.is_file() {
        return false;
    }
    if dir.join(VERSION_FILE).is_file() {
        return true;
    }
    let Ok(bytes) = read_file(&manifest, limit) else {
        return false;
    };
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return false;
    };
    value
        .get("version")
        .is_some_and(serde_json::Value::is_string)
        && value
            .get("artifacts")
            .and_then(serde_json::Value::as_object)
            .is_some_and(|artifacts| {
                artifacts.values().any(|a| {
                    matches!(
                        a.get("type").and_then(serde_json::Value::as_str),
                        Some(STACK | NESTED_ASSEMBLY)
                    )
                })
            })
}

/// The stacks of the assembly in `dir`, in the manifest's order, each file read at most
/// `limit` bytes: none when `dir` holds no assembly ([`is_assembly`]). What cannot be read of
/// it is left out: `kmslint check` on the assembly says what and why. How the command line
/// and the language server find the stack of a template named alone.
pub fn stacks(dir: &Path, limit: u64) -> Vec<Stack> {
    if !is_assembly(dir, limit) {
        return Vec::new();
    }
    read(dir, limit).0.stacks
}

/// Reads the assembly in `dir`, each file at most `limit` bytes: the deployment, with what
/// could not be read of it. A manifest that cannot be read leaves the deployment (or that
/// nested assembly) without stacks; a stack whose template is missing or outside the
/// assembly is left out. Either way the error says which file and why.
pub fn read(dir: &Path, limit: u64) -> (Deployment, Vec<DeploymentError>) {
    let mut reader = Reader {
        root: canonical(dir),
        limit,
        deployment: Deployment {
            source: dir.join(MANIFEST),
            stacks: Vec::new(),
        },
        errors: Vec::new(),
        assemblies: HashSet::new(),
        templates: HashSet::new(),
    };
    reader.assembly(dir, 0);
    (reader.deployment, reader.errors)
}

struct Reader {
    /// The top assembly's directory, resolved: nothing outside it is read.
    root: PathBuf,
    limit: u64,
    deployment: Deployment,
    errors: Vec<DeploymentError>,
    /// Assemblies and templates already read (resolved paths): each once, so that a loop
    /// ends and no file is linted twice.
    assemblies: HashSet<PathBuf>,
    templates: HashSet<PathBuf>,
}

impl Reader {
    fn error(&mut self, path: &Path, message: impl Into<String>) {
        self.errors.push(DeploymentError {
            path: path.to_path_buf(),
            message: message.into(),
        });
    }

    /// Reads the assembly in `dir` (`depth` assemblies below the top one).
    fn assembly(&mut self, dir: &Path, depth: usize) {
        let manifest_path = dir.join(MANIFEST);
        if !self.assemblies.insert(canonical(dir)) {
            return self.error(&manifest_path, "this assembly is nested in itself");
        }
        let manifest: Manifest = match read_file(&manifest_path, self.limit) {
            Err(err) => return self.error(&manifest_path, describe_io(&err)),
            Ok(bytes) => match serde_json::from_slice(&bytes) {
                Ok(manifest) => manifest,
                Err(err) => {
                    return self.error(
                        &manifest_path,
                        format!("not a cloud assembly manifest: {err}"),
                    );
                }
            },
        };
        for (id, artifact) in manifest.artifacts {
            match artifact.kind.as_str() {
                STACK => self.stack(dir, &manifest_path, id, artifact, depth),
                NESTED_ASSEMBLY => {
                    let Some(name) = artifact.properties.directory_name else {
                        self.error(
                            &manifest_path,
                            format!("nested assembly `{id}` has no directoryName"),
                        );
                        continue;
                    };
                    if depth + 1 >= MAX_DEPTH {
                        self.error(
                            &manifest_path,
                            format!("nested assemblies deeper than {MAX_DEPTH} are not read"),
                        );
                        continue;
                    }
                    match self.inside(dir, &name) {
                        Ok(nested) => self.assembly(&nested, depth + 1),
                        Err(why) => {
                            self.error(&manifest_path, format!("nested assembly `{id}`: {why}"))
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// A stack artifact: its template, its environment, then its nested stacks.
    fn stack(&mut self, dir: &Path, manifest: &Path, id: String, artifact: Artifact, depth: usize) {
        let Some(file) = artifact.properties.template_file else {
            return self.error(manifest, format!("stack `{id}` has no templateFile"));
        };
        let template = match self.inside(dir, &file) {
            Ok(template) => template,
            Err(why) => return self.error(manifest, format!("stack `{id}`: {why}")),
        };
        let (account, region) = match environment(artifact.environment.as_deref()) {
            Ok(env) => env,
            Err(why) => return self.error(manifest, format!("stack `{id}`: {why}")),
        };
        let name = artifact.properties.stack_name.unwrap_or(id);
        let deployer = artifact
            .properties
            .cloud_formation_execution_role_arn
            .and_then(|arn| deployer_arn(&arn, account.as_deref(), region.as_deref()));
        let stack = Stack {
            name,
            template,
            region,
            account,
            parameters: BTreeMap::new(),
            linked_parameters: BTreeMap::new(),
            deployer,
            nested_in: None,
        };
        self.add(dir, stack, depth);
    }

    /// Adds a stack (unless its template is one already read) and its nested stacks, whose
    /// templates are assets in `dir`.
    fn add(&mut self, dir: &Path, stack: Stack, depth: usize) {
        if !self.templates.insert(canonical(&stack.template)) {
            return;
        }
        let template = stack.template.clone();
        let parent = self.deployment.stacks.len();
        self.deployment.stacks.push(stack);
        // A template that cannot be read or parsed is linted all the same (and KMS001 says
        // why); it just has no nested stacks to find.
        let Ok(bytes) = read_file(&template, self.limit) else {
            return;
        };
        let Ok(value) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
            return;
        };
        let Some(resources) = value
            .get("Resources")
            .and_then(serde_json::Value::as_object)
        else {
            return;
        };
        for (logical_id, resource) in resources {
            let Some(asset) = nested_template(resource) else {
                continue;
            };
            if depth + 1 >= MAX_DEPTH {
                self.error(
                    &template,
                    format!("nested stacks deeper than {MAX_DEPTH} are not read"),
                );
                return;
            }
            let nested = match self.inside(dir, asset) {
                Ok(nested) => nested,
                Err(why) => {
                    self.error(&template, format!("nested stack `{logical_id}`: {why}"));
                    continue;
                }
            };
            let parent_stack = &self.deployment.stacks[parent];
            let stack = Stack {
                name: format!("{}/{logical_id}", parent_stack.name),
                template: nested,
                region: parent_stack.region.clone(),
                account: parent_stack.account.clone(),
                parameters: literal_parameters(resource),
                linked_parameters: BTreeMap::new(),
                // Nested stacks are created by the parent's stack operation, with its role.
                deployer: parent_stack.deployer.clone(),
                nested_in: Some(parent),
            };
            self.add(dir, stack, depth + 1);
        }
    }

    /// `name`, a path the assembly in `dir` gives, if it names a file or directory inside
    /// the top assembly: relative, without `..`, and not through a link leading out.
    fn inside(&self, dir: &Path, name: &str) -> Result<PathBuf, String> {
        let relative = Path::new(name);
        let plain = relative
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
        if name.is_empty() || !plain {
            return Err(format!(
                "`{name}` is not a path inside the assembly (absolute, or with `..`)"
            ));
        }
        let path = dir.join(relative);
        match std::fs::canonicalize(&path) {
            Err(err) => Err(format!("`{name}`: {}", describe_io(&err))),
            Ok(real) if !real.starts_with(&self.root) => Err(format!(
                "`{name}` leads outside the assembly (through a symbolic link)"
            )),
            Ok(_) => Ok(path),
        }
    }
}

/// The template of a nested stack CDK made: an `AWS::CloudFormation::Stack` whose
/// `Metadata."aws:asset:path"` names the template's file in the assembly (its `TemplateURL`
/// is the S3 URL the file is published to).
fn nested_template(resource: &serde_json::Value) -> Option<&str> {
    if resource.get("Type")?.as_str()? != "AWS::CloudFormation::Stack" {
        return None;
    }
    resource.get("Metadata")?.get("aws:asset:path")?.as_str()
}

/// The `Parameters` of a nested stack's resource whose values are literal strings (those
/// from `Fn::GetAtt` or `Ref` are links between stacks: `crate::link` reads them).
fn literal_parameters(resource: &serde_json::Value) -> BTreeMap<String, String> {
    resource
        .get("Properties")
        .and_then(|p| p.get("Parameters"))
        .and_then(serde_json::Value::as_object)
        .map(|parameters| {
            parameters
                .iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

/// A stack's environment, `aws://ACCOUNT/REGION`: the account and the Region, each `None`
/// when CDK wrote `unknown-account` or `unknown-region` (an environment-agnostic stack).
fn environment(env: Option<&str>) -> Result<(Option<String>, Option<String>), String> {
    let Some(env) = env else {
        return Ok((None, None));
    };
    let Some((account, region)) = env
        .strip_prefix("aws://")
        .and_then(|rest| rest.split_once('/'))
    else {
        return Err(format!("environment `{env}` is not aws://ACCOUNT/REGION"));
    };
    let account = match account {
        "unknown-account" => None,
        account => {
            check_account(account).map_err(|e| format!("environment `{env}`: {e}"))?;
            Some(account.to_owned())
        }
    };
    let region = match region {
        "unknown-region" => None,
        region => {
            check_region(region).map_err(|e| format!("environment `{env}`: {e}"))?;
            Some(region.to_owned())
        }
    };
    Ok((account, region))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The real assemblies of `tests/deployments/cdk/out` (their README describes them).
    fn real(case: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/deployments/cdk/out")
            .join(case)
    }

    #[test]
    fn stages_give_their_stacks_environments() {
        let dir = real("stage-two-envs");
        assert!(is_assembly(&dir, 1 << 24));
        let (deployment, errors) = read(&dir, 1 << 24);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(deployment.source, dir.join(MANIFEST));
        let stacks: Vec<_> = deployment
            .stacks
            .iter()
            .map(|s| {
                (
                    s.name.as_str(),
                    s.region.as_deref(),
                    s.account.as_deref(),
                    s.template.strip_prefix(&dir).unwrap().to_str().unwrap(),
                )
            })
            .collect();
        // Artifacts in ID order: `assembly-Dr` before `assembly-Prod`.
        assert_eq!(
            stacks,
            [
                (
                    "Dr-Keys",
                    Some("us-east-2"),
                    Some("222222222222"),
                    "assembly-Dr/DrKeysC8FA8E01.template.json"
                ),
                (
                    "Dr-Service",
                    Some("us-east-2"),
                    Some("222222222222"),
                    "assembly-Dr/DrService56B26745.template.json"
                ),
                (
                    "Prod-Keys",
                    Some("eu-west-1"),
                    Some("111111111111"),
                    "assembly-Prod/ProdKeys76E19F6C.template.json"
                ),
                (
                    "Prod-Service",
                    Some("eu-west-1"),
                    Some("111111111111"),
                    "assembly-Prod/ProdServiceC810982D.template.json"
                ),
            ]
        );
    }

    #[test]
    fn nested_stacks_follow_their_parent() {
        let dir = real("nested-stacks");
        let (deployment, errors) = read(&dir, 1 << 24);
        assert!(errors.is_empty(), "{errors:?}");
        let names: Vec<_> = deployment
            .stacks
            .iter()
            .map(|s| (s.name.as_str(), s.nested_in))
            .collect();
        assert_eq!(
            names,
            [
                ("Platform", None),
                (
                    "Platform/ConsumersNestedStackConsumersNestedStackResource53BC7278",
                    Some(0)
                ),
                (
                    "Platform/KeysNestedStackKeysNestedStackResourceCEE997F3",
                    Some(0)
                ),
            ]
        );
        assert!(
            deployment
                .stacks
                .iter()
                .all(|s| s.region.as_deref() == Some("eu-west-1"))
        );
        // Its parameters come from the Keys stack's outputs (`Fn::GetAtt`): none is literal.
        assert!(deployment.stacks[1].parameters.is_empty());
    }

    #[test]
    fn environments() {
        assert_eq!(
            environment(Some("aws://111111111111/eu-west-1")),
            Ok((Some("111111111111".into()), Some("eu-west-1".into())))
        );
        assert_eq!(
            environment(Some("aws://unknown-account/unknown-region")),
            Ok((None, None))
        );
        assert_eq!(environment(None), Ok((None, None)));
        assert!(environment(Some("aws://111111111111")).is_err());
        assert!(environment(Some("aws://111/eu-west-1")).is_err());
        assert!(environment(Some("aws://111111111111/eu-west-9")).is_err());
    }
}
