//! Generates the benchmark inputs, deterministically (a fixed-seed generator, no clock):
//!
//! - `repo/`: 5,000 templates mixing YAML and JSON, small hand-written-sized ones and
//!   CDK-sized ones, about half with KMS resources (keys with policies, replicas, aliases)
//!   and half without (buckets, queues, roles);
//! - `large-1mb.yaml` and `large-10mb.json`: single templates of about 1 MB and 10 MB with
//!   many keys and policies.
//!
//! `cargo run --release --example generate_templates -- OUT_DIR`

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

#[path = "common/rng.rs"]
mod rng;
use rng::Rng;

/// One KMS key with a policy, as YAML, indented for `Resources:`.
fn yaml_key(out: &mut String, i: usize, rng: &mut Rng) {
    let rotation = if rng.below(4) == 0 { "false" } else { "true" };
    let _ = write!(
        out,
        "  Key{i}:
    Type: AWS::KMS::Key
    DeletionPolicy: Retain
    UpdateReplacePolicy: Retain
    Properties:
      Description: Key number {i} for the benchmark
      EnableKeyRotation: {rotation}
      MultiRegion: true
      KeyPolicy:
        Version: '2012-10-17'
        Statement:
          - Sid: Enable IAM User Permissions
            Effect: Allow
            Principal:
              AWS: !Sub 'arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:root'
            Action: 'kms:*'
            Resource: '*'
          - Sid: Allow use of the key
            Effect: Allow
            Principal:
              AWS: arn:aws:iam::111122223333:role/App{i}
            Action: [kms:Encrypt, kms:Decrypt, 'kms:ReEncrypt*', 'kms:GenerateDataKey*', kms:DescribeKey]
            Resource: '*'
            Condition:
              StringEquals:
                kms:ViaService: !Sub 's3.${{AWS::Region}}.amazonaws.com'
                kms:CallerAccount: !Ref AWS::AccountId
      Tags:
        - Key: team
          Value: team-{team}
  Alias{i}:
    Type: AWS::KMS::Alias
    Properties:
      AliasName: alias/bench/key-{i}
      TargetKeyId: !Ref Key{i}
",
        team = rng.below(20)
    );
}

/// A non-KMS resource, as YAML.
fn yaml_other(out: &mut String, i: usize, rng: &mut Rng) {
    match rng.below(3) {
        0 => {
            let _ = write!(
                out,
                "  Bucket{i}:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub 'bench-${{AWS::AccountId}}-{i}'
      VersioningConfiguration:
        Status: Enabled
"
            );
        }
        1 => {
            let _ = write!(
                out,
                "  Queue{i}:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 60
      KmsMasterKeyId: alias/aws/sqs
"
            );
        }
        _ => {
            let _ = write!(
                out,
                "  Role{i}:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: {{Service: lambda.amazonaws.com}}
            Action: sts:AssumeRole
      Path: /bench/
"
            );
        }
    }
}

fn yaml_template(resources: usize, kms: bool, rng: &mut Rng) -> String {
    let mut out = String::from(
        "AWSTemplateFormatVersion: '2010-09-09'\nDescription: generated for kmslint benchmarks\nParameters:\n  Env:\n    Type: String\n    Default: prod\nResources:\n",
    );
    for i in 0..resources {
        if kms && (i % 3 == 0) {
            yaml_key(&mut out, i, rng);
        } else {
            yaml_other(&mut out, i, rng);
        }
    }
    out
}

/// The same shapes as JSON, as CDK writes them (two-space indentation, long logical IDs).
fn json_template(resources: usize, kms: bool, rng: &mut Rng) -> String {
    let mut entries = Vec::new();
    for i in 0..resources {
        let id = format!("BenchStackConstruct{i}{:08X}", rng.below(u32::MAX as u64));
        let body = if kms && i % 3 == 0 {
            format!(
                r#"{{"Type":"AWS::KMS::Key","Properties":{{"EnableKeyRotation":true,"KeyPolicy":{{"Version":"2012-10-17","Statement":[{{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{{"AWS":{{"Fn::Join":["",["arn:",{{"Ref":"AWS::Partition"}},":iam::",{{"Ref":"AWS::AccountId"}},":root"]]}}}},"Action":"kms:*","Resource":"*"}},{{"Effect":"Allow","Principal":{{"Service":"logs.amazonaws.com"}},"Action":["kms:Encrypt*","kms:Decrypt*","kms:GenerateDataKey*","kms:Describe*"],"Resource":"*","Condition":{{"ArnLike":{{"kms:EncryptionContext:aws:logs:arn":{{"Fn::Sub":"arn:${{AWS::Partition}}:logs:${{AWS::Region}}:${{AWS::AccountId}}:*"}}}}}}}}]}}}},"UpdateReplacePolicy":"Retain","DeletionPolicy":"Retain","Metadata":{{"aws:cdk:path":"BenchStack/Key{i}/Resource"}}}}"#
            )
        } else {
            format!(
                r#"{{"Type":"AWS::SQS::Queue","Properties":{{"VisibilityTimeout":{},"KmsMasterKeyId":"alias/aws/sqs"}},"UpdateReplacePolicy":"Delete","DeletionPolicy":"Delete","Metadata":{{"aws:cdk:path":"BenchStack/Queue{i}/Resource"}}}}"#,
                30 + rng.below(300)
            )
        };
        entries.push(format!("\"{id}\":{body}"));
    }
    // Pretty-print lightly, as CDK does: one resource per line is enough for the loaders.
    format!(
        "{{\n  \"Resources\": {{\n    {}\n  }},\n  \"Parameters\": {{\"BootstrapVersion\": {{\"Type\": \"AWS::SSM::Parameter::Value<String>\", \"Default\": \"/cdk-bootstrap/hnb659fds/version\"}}}}\n}}\n",
        entries.join(",\n    ")
    )
}

fn main() {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "target/bench-inputs".into());
    let out = Path::new(&out);
    let repo = out.join("repo");
    fs::create_dir_all(&repo).expect("create the output directory");
    let mut rng = Rng(0x5EED_CAFE_F00D_D00D);
    for i in 0..5_000 {
        let kms = i % 2 == 0;
        // One in ten is CDK-sized (100–300 resources); the rest are small (3–15).
        let resources = if i % 10 == 0 {
            100 + rng.below(200) as usize
        } else {
            3 + rng.below(12) as usize
        };
        let dir = repo.join(format!("service-{:03}", i / 50));
        fs::create_dir_all(&dir).expect("create a service directory");
        if i % 3 == 0 {
            let text = json_template(resources, kms, &mut rng);
            fs::write(dir.join(format!("stack-{i}.template.json")), text).expect("write");
        } else {
            let text = yaml_template(resources, kms, &mut rng);
            fs::write(dir.join(format!("stack-{i}.yaml")), text).expect("write");
        }
    }
    let mut large = String::new();
    let mut n = 10;
    while large.len() < 1_000_000 {
        large = yaml_template(n, true, &mut rng);
        n += n / 2;
    }
    fs::write(out.join("large-1mb.yaml"), &large).expect("write");
    let mut n = 1000;
    let mut large = String::new();
    while large.len() < 10_000_000 {
        large = json_template(n, true, &mut rng);
        n += n / 2;
    }
    fs::write(out.join("large-10mb.json"), &large).expect("write");
    println!("wrote {}", out.display());
}
