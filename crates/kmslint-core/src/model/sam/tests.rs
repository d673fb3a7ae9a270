use crate::source::{Node, yaml};

use super::expand;

/// The expansion of `text`, as (logical ID, type) pairs.
fn resources(root: &Node<'_>) -> Vec<(String, String)> {
    root.get("Resources")
        .and_then(Node::as_map)
        .unwrap_or_default()
        .iter()
        .map(|r| {
            (
                r.key.to_string(),
                r.value
                    .get("Type")
                    .and_then(Node::as_str)
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect()
}

const FUNCTION: &str = "\
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    KmsKeyArn: !GetAtt Key.Arn
    Runtime: python3.12
Resources:
  Key:
    Type: AWS::KMS::Key
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Policies:
        - AWSLambdaExecute
        - KMSDecryptPolicy:
            KeyId: !Ref Key
        - Statement:
            - Effect: Allow
              Action: s3:GetObject
              Resource: '*'
      Events:
        Jobs:
          Type: SQS
          Properties:
            Queue: !GetAtt Queue.Arn
        Nightly:
          Type: Schedule
          Properties:
            Schedule: rate(1 day)
";

#[test]
fn a_function_is_the_resources_sam_makes_of_it() {
    let loaded = yaml::load(FUNCTION);
    let root = loaded.root.unwrap();
    let expanded = expand(&root).expect("a SAM template with a function");
    assert_eq!(
        resources(&expanded),
        [
            ("Key", "AWS::KMS::Key"),
            ("Worker", "AWS::Lambda::Function"),
            ("WorkerRole", "AWS::IAM::Role"),
            ("WorkerJobs", "AWS::Lambda::EventSourceMapping"),
        ]
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
    );
    let function = expanded.get("Resources").unwrap().get("Worker").unwrap();
    let properties = function.get("Properties").unwrap();
    // The global `KmsKeyArn`, at its place in `Globals`.
    let key = properties.get("KmsKeyArn").unwrap();
    assert_eq!(
        &FUNCTION[key.span.start as usize..][..18],
        "!GetAtt Key.Arn\n  "
    );
    assert!(
        properties
            .get("Role")
            .and_then(|r| r.get("Fn::GetAtt"))
            .is_some()
    );
    let role = expanded
        .get("Resources")
        .unwrap()
        .get("WorkerRole")
        .unwrap();
    let role = role.get("Properties").unwrap();
    let policies = role.get("Policies").and_then(Node::as_seq).unwrap();
    assert_eq!(policies.len(), 2, "the policy template and the document");
    let names: Vec<&str> = policies
        .iter()
        .filter_map(|p| p.get("PolicyName").and_then(Node::as_str))
        .collect();
    assert_eq!(names, ["WorkerRolePolicy1", "WorkerRolePolicy2"]);
    let managed = role
        .get("ManagedPolicyArns")
        .and_then(Node::as_seq)
        .unwrap();
    assert_eq!(
        managed[0].as_str(),
        Some("arn:aws:iam::aws:policy/AWSLambdaExecute")
    );
}

#[test]
fn a_template_without_serverless_resources_is_read_as_it_is() {
    for text in [
        "Resources:\n  Key:\n    Type: AWS::KMS::Key\n",
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Key:\n    Type: AWS::KMS::Key\n",
    ] {
        let loaded = yaml::load(text);
        assert!(expand(&loaded.root.unwrap()).is_none(), "{text}");
    }
}

#[test]
fn a_resource_overrides_a_global_and_lists_are_joined() {
    let text = "\
Transform: [AWS::Serverless-2016-10-31]
Globals:
  Function:
    KmsKeyArn: global
    Environment: {Variables: {A: global, B: global}}
  SimpleTable:
    SSESpecification: {SSEEnabled: true}
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      KmsKeyArn: local
      Role: arn:aws:iam::111122223333:role/given
      Environment: {Variables: {B: local}}
  Table:
    Type: AWS::Serverless::SimpleTable
";
    let loaded = yaml::load(text);
    let expanded = expand(&loaded.root.unwrap()).unwrap();
    assert_eq!(
        resources(&expanded),
        [
            ("Fn".to_owned(), "AWS::Lambda::Function".to_owned()),
            ("Table".to_owned(), "AWS::DynamoDB::Table".to_owned()),
        ],
        "a function with a Role has no generated role"
    );
    let resources = expanded.get("Resources").unwrap();
    let function = resources.get("Fn").unwrap().get("Properties").unwrap();
    assert_eq!(
        function.get("KmsKeyArn").and_then(Node::as_str),
        Some("local")
    );
    let variables = function
        .get("Environment")
        .unwrap()
        .get("Variables")
        .unwrap();
    assert_eq!(variables.get("A").and_then(Node::as_str), Some("global"));
    assert_eq!(variables.get("B").and_then(Node::as_str), Some("local"));
    let table = resources.get("Table").unwrap().get("Properties").unwrap();
    assert!(table.get("SSESpecification").is_some());
}
