#!/usr/bin/env python3
"""Write data/consumer-properties.tsv: the resource properties that name a KMS key.

Usage:
    scripts/consumer-properties.py SCHEMAS --commit SHA [-o data/consumer-properties.tsv]

SCHEMAS is one of cfn-lint's (aws-cloudformation/cfn-lint, MIT-0) schema folders, checked out at
SHA:
  * `src/cfnlint/data/schemas` as it is from December 2025 to June 2026: `providers/us_east_1.py`
    maps each resource type to a hash, the schema is `resources/<hash>.json`;
  * or a folder of one JSON schema per resource type, as `providers/us_east_1/` was before that.
(After June 2026 cfn-lint downloads its schemas instead of keeping them; 28d30d8b is the last
commit that has them.) For example:

    git --git-dir=<cfn-lint> archive 28d30d8b034f223dfa07e16638b29c78fab0d54d \\
        src/cfnlint/data/schemas/resources src/cfnlint/data/schemas/providers/us_east_1.py \\
        | tar -x -C /tmp/cfn
    scripts/consumer-properties.py /tmp/cfn/src/cfnlint/data/schemas \\
        --commit 28d30d8b034f223dfa07e16638b29c78fab0d54d

A row is written for every property that carries `"format": "AWS::KMS::Key.Arn"`,
`"AWS::KMS::Key.Id"` or `"AWS::KMS::Alias.AliasName"`, itself or in its `anyOf`/`oneOf`/`allOf`
branches; the path is dotted from Properties, `[]` marks list items and `$ref`s into
`definitions` are followed. Read-only properties (attributes such as a key's own `Arn`) are left
out: they are outputs, not keys the resource is given. Then the rows in HAND below are added
for the properties the schemas do not tag (docs/facts/consumers.md names them).

Python 3 and the standard library only. After changing the TSV, regenerate the Rust table:
    cargo run --example generate_consumer_properties
"""

import argparse
import json
import os
import re
import sys

KMS_FORMATS = ("AWS::KMS::Key.Arn", "AWS::KMS::Key.Id", "AWS::KMS::Alias.AliasName")

# Properties that may legitimately name a key that is not a symmetric encryption key: signing,
# HMAC, certificate authorities, or key references that are not a service encrypting data.
# Matched against "Type.path"; everything else the schemas tag is an integrated service
# encrypting data, which takes symmetric encryption keys only (KMS Developer Guide, concepts).
OTHER = {
    # A replica or an alias may point at any kind of key.
    "AWS::KMS::Alias.TargetKeyId": "an alias may name any key, asymmetric and HMAC too",
    "AWS::KMS::ReplicaKey.PrimaryKeyArn": "a multi-Region primary key may be asymmetric or HMAC",
}
SIGN = {
    "AWS::Route53::KeySigningKey.KeyManagementServiceArn": "DNSSEC signing: ECC_NIST_P256 SIGN_VERIFY",
}
# Patterns for property names that suggest signing or tokens rather than encryption.
OTHER_PATTERNS = re.compile(r"(?i)sign|hmac|jwt|token|certificateauthority")

# A key's or alias's own identity, not a reference to a key: left out.
SELF = {("AWS::KMS::Alias", "AliasName")}

ALL = "|".join(KMS_FORMATS)
ARN = "AWS::KMS::Key.Arn"

# (type, path, formats, kind, create_only, reason). Formats and create-only are from the
# CloudFormation resource reference pages (the property's description and "Update requires").
HAND = [
    ("AWS::KMS::Alias", "TargetKeyId", "AWS::KMS::Key.Arn|AWS::KMS::Key.Id", "other", False,
     "schema has no format tag; key ID or ARN of any key, asymmetric and HMAC too"),
    ("AWS::KMS::ReplicaKey", "PrimaryKeyArn", ARN, "other", True,
     "schema has no format tag; the primary of a multi-Region key of any spec"),
    ("AWS::Events::EventBus", "KmsKeyIdentifier", ALL, "encrypt", False,
     "schema has no format tag; ARN, key ID, alias ARN or alias name (EventBus reference)"),
    ("AWS::EKS::Cluster", "EncryptionConfig[].Provider.KeyArn", ARN, "encrypt", True,
     "schema has no format tag; the key's ARN; EncryptionConfig is create-only"),
    ("AWS::Backup::BackupVault", "EncryptionKeyArn", ARN, "encrypt", True,
     "schema has no format tag; the key's ARN; replacement on change"),
    ("AWS::ECR::Repository", "EncryptionConfiguration.KmsKey", ALL, "encrypt", True,
     "schema has no format tag; ARN, key ID or alias; replacement on change"),
    ("AWS::ECR::RepositoryCreationTemplate", "EncryptionConfiguration.KmsKey", ALL, "encrypt", False,
     "schema has no format tag; same shape as AWS::ECR::Repository"),
    ("AWS::KinesisFirehose::DeliveryStream", "DeliveryStreamEncryptionConfigurationInput.KeyARN",
     ARN, "encrypt", False, "schema has no format tag; CUSTOMER_MANAGED_CMK key ARN"),
    ("AWS::KinesisFirehose::DeliveryStream",
     "ExtendedS3DestinationConfiguration.EncryptionConfiguration.KMSEncryptionConfig.AWSKMSKeyARN",
     ARN, "encrypt", False, "schema has no format tag; S3 destination key ARN"),
    ("AWS::KinesisFirehose::DeliveryStream",
     "S3DestinationConfiguration.EncryptionConfiguration.KMSEncryptionConfig.AWSKMSKeyARN",
     ARN, "encrypt", False, "schema has no format tag; S3 destination key ARN"),
    ("AWS::MSK::Cluster", "EncryptionInfo.EncryptionAtRest.DataVolumeKMSKeyId", ALL, "encrypt",
     False, "schema has no format tag; key ARN or ID for data at rest"),
    ("AWS::Lambda::Function", "Code.SourceKMSKeyArn", ARN, "encrypt", False,
     "consumers.md: lambda.amazonaws.com needs kms:GenerateDataKey and kms:Decrypt"),
    ("AWS::Logs::LogGroup", "KmsKeyId", ARN, "encrypt", False,
     "consumers.md: CloudWatch Logs needs logs.<region>.amazonaws.com in the key policy"),
    ("AWS::CloudTrail::Trail", "KMSKeyId", ALL, "encrypt", False,
     "consumers.md: cloudtrail.amazonaws.com needs kms:GenerateDataKey*"),
    ("AWS::CloudTrail::EventDataStore", "KmsKeyId", ALL, "encrypt", False,
     "consumers.md: cloudtrail.amazonaws.com needs kms:GenerateDataKey and kms:Decrypt"),
    ("AWS::SNS::Topic", "KmsMasterKeyId", ALL, "encrypt", False,
     "consumers.md: publishing services need kms:GenerateDataKey* and kms:Decrypt"),
    ("AWS::SQS::Queue", "KmsMasterKeyId", ALL, "encrypt", False,
     "consumers.md: sending services need kms:GenerateDataKey and kms:Decrypt"),
    ("AWS::SES::ReceiptRule", "Rule.Actions[].S3Action.KmsKeyArn", ARN, "encrypt", False,
     "consumers.md: ses.amazonaws.com needs kms:Encrypt and kms:GenerateDataKey*"),
    ("AWS::EC2::LaunchTemplate", "LaunchTemplateData.BlockDeviceMappings[].Ebs.KmsKeyId", ALL,
     "encrypt", False, "consumers.md: the Auto Scaling service-linked role needs the key"),
    ("AWS::S3Tables::TableBucket", "EncryptionConfiguration.KMSKeyArn", ARN, "encrypt", False,
     "consumers.md: maintenance.s3tables.amazonaws.com needs the key"),
    ("AWS::Route53::KeySigningKey", "KeyManagementServiceArn", ARN, "sign", True,
     "consumers.md: DNSSEC signing key, ECC_NIST_P256 SIGN_VERIFY in us-east-1"),
    ("AWS::RDS::DBInstance", "MasterUserSecret.KmsKeyId", ALL, "encrypt", False,
     "consumers.md: the Secrets Manager secret for the master password"),
    ("AWS::RDS::DBCluster", "MasterUserSecret.KmsKeyId", ALL, "encrypt", False,
     "consumers.md: the Secrets Manager secret for the master password"),
    ("AWS::RDS::DBInstance", "KmsKeyId", ALL, "encrypt", True, "consumers.md: storage encryption"),
    ("AWS::RDS::DBCluster", "KmsKeyId", ALL, "encrypt", True, "consumers.md: storage encryption"),
    ("AWS::RDS::DBInstance", "PerformanceInsightsKMSKeyId", ALL, "encrypt", False,
     "consumers.md: Performance Insights"),
    ("AWS::RDS::DBCluster", "PerformanceInsightsKmsKeyId", ALL, "encrypt", False,
     "consumers.md: Performance Insights"),
    ("AWS::S3::Bucket",
     "BucketEncryption.ServerSideEncryptionConfiguration[].ServerSideEncryptionByDefault.KMSMasterKeyID",
     ALL, "encrypt", False, "consumers.md: S3 supports only symmetric keys"),
    ("AWS::EC2::Volume", "KmsKeyId", ALL, "encrypt", False, "consumers.md: EBS"),
    ("AWS::EC2::Instance", "BlockDeviceMappings[].Ebs.KmsKeyId", ALL, "encrypt", False,
     "consumers.md: EBS"),
    ("AWS::DynamoDB::Table", "SSESpecification.KMSMasterKeyId", ALL, "encrypt", False,
     "consumers.md: DynamoDB"),
    ("AWS::SecretsManager::Secret", "KmsKeyId", ALL, "encrypt", False, "consumers.md"),
    ("AWS::Lambda::Function", "KmsKeyArn", ARN, "encrypt", False, "consumers.md"),
    ("AWS::Kinesis::Stream", "StreamEncryption.KeyId", ALL, "encrypt", False, "consumers.md"),
    ("AWS::EFS::FileSystem", "KmsKeyId", ALL, "encrypt", True, "consumers.md"),
]

HEADER = ("resource_type", "path", "formats", "kind", "create_only", "source", "comment")


def load_schemas(root):
    """Yield every (typeName, schema) for us-east-1 under root (either layout)."""
    mapping = os.path.join(root, "providers", "us_east_1.py")
    if os.path.isfile(mapping):
        text = open(mapping, encoding="utf-8").read()
        pairs = re.findall(r'^\s*"([^"]+)":\s*"([0-9a-f]+)",?\s*$', text, re.M)
        if not pairs:
            sys.exit(f"no type-to-hash mapping found in {mapping}")
        for type_name, digest in pairs:
            path = os.path.join(root, "resources", digest + ".json")
            with open(path, encoding="utf-8") as f:
                yield type_name, json.load(f)
        return
    names = sorted(n for n in os.listdir(root) if n.endswith(".json"))
    if not names:
        sys.exit(f"{root}: neither providers/us_east_1.py nor *.json schemas")
    for name in names:
        with open(os.path.join(root, name), encoding="utf-8") as f:
            schema = json.load(f)
        if "typeName" in schema:
            yield schema["typeName"], schema


def resolve(schema, node):
    """Follow a local `$ref` (#/definitions/X) to its definition."""
    seen = set()
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if ref in seen or not ref.startswith("#/"):
            return node, None
        seen.add(ref)
        target = schema
        for part in ref[2:].split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        node = target
    return node, None


def formats_of(schema, node, depth=0):
    """The KMS formats a property schema accepts, itself or through its composite branches."""
    node, _ = resolve(schema, node)
    found = []
    if not isinstance(node, dict) or depth > 5:
        return found
    fmt = node.get("format")
    if isinstance(fmt, str):
        for part in fmt.split("|"):
            if part in KMS_FORMATS and part not in found:
                found.append(part)
    for key in ("anyOf", "oneOf", "allOf"):
        for branch in node.get(key, []) or []:
            for part in formats_of(schema, branch, depth + 1):
                if part not in found:
                    found.append(part)
    return found


def walk(schema, node, path, refs, out, every=None):
    """Record (path, formats) for every tagged property below node, and every path in `every`;
    refs guards against cycles."""
    if isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if ref in refs:
            return
        refs = refs | {ref}
    node, _ = resolve(schema, node)
    if not isinstance(node, dict):
        return
    for name, child in sorted((node.get("properties") or {}).items()):
        child_path = f"{path}.{name}" if path else name
        if every is not None:
            every.add(child_path)
        found = formats_of(schema, child)
        if found:
            out.setdefault(child_path, [])
            out[child_path] += [f for f in found if f not in out[child_path]]
        walk(schema, child, child_path, refs, out, every)
    if "items" in node:
        walk(schema, node["items"], path + "[]", refs, out, every)
    for key in ("anyOf", "oneOf", "allOf"):
        for branch in node.get(key, []) or []:
            walk(schema, branch, path, refs, out, every)
    for child in (node.get("patternProperties") or {}).values():
        walk(schema, child, path + ".*", refs, out, every)


def pointer_to_path(pointer):
    """/properties/A/B -> A.B (createOnly and readOnly use JSON pointers)."""
    parts = [p for p in pointer.split("/") if p and p not in ("properties", "*")]
    return ".".join(parts)


def top(path):
    return re.split(r"[.\[]", path, maxsplit=1)[0]


def kind_for(type_name, path):
    key = f"{type_name}.{path}"
    if key in SIGN:
        return "sign"
    if key in OTHER or OTHER_PATTERNS.search(path.split(".")[-1]) or type_name.startswith(
        "AWS::ACMPCA::"
    ):
        return "other"
    return "encrypt"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("schemas", help="cfn-lint schemas folder (see the module docstring)")
    parser.add_argument("--commit", required=True, help="the cfn-lint commit the folder is from")
    parser.add_argument("-o", "--output", default="data/consumer-properties.tsv")
    args = parser.parse_args()

    rows = {}
    types_seen = set()
    paths = {}  # type -> (every property path, create-only paths)
    for type_name, schema in load_schemas(args.schemas):
        found = {}
        every = set()
        walk(schema, {"properties": schema.get("properties", {})}, "", frozenset(), found, every)
        read_only = {pointer_to_path(p) for p in schema.get("readOnlyProperties", [])}
        create_only = {pointer_to_path(p) for p in schema.get("createOnlyProperties", [])}
        paths[type_name] = (every, create_only)
        for path, formats in found.items():
            plain = path.replace("[]", "")
            if plain in read_only:
                continue
            if (type_name, path) in SELF:
                continue
            types_seen.add(type_name)
            formats = [f for f in KMS_FORMATS if f in formats]
            co = plain in create_only or top(path) in create_only
            rows[(type_name, path)] = (
                "|".join(formats), kind_for(type_name, path), co, f"cfn-lint {args.commit[:12]}",
                OTHER.get(f"{type_name}.{path}") or SIGN.get(f"{type_name}.{path}") or "",
            )
    from_schemas = len(rows)
    hand = 0
    for type_name, path, formats, kind, co, reason in HAND:
        if (type_name, path) in rows:
            continue
        if type_name in paths:
            every, create_only = paths[type_name]
            if path not in every:
                sys.exit(f"hand row {type_name} {path}: no such property in the schema")
            plain = path.replace("[]", "")
            schema_co = plain in create_only or top(path) in create_only
            if schema_co != co:
                sys.exit(f"hand row {type_name} {path}: create_only is {schema_co} in the schema")
        else:
            print(f"warning: no schema for {type_name}; hand row kept as written", file=sys.stderr)
        if not reason.startswith("schema has no format tag"):
            reason = "schema has no format tag; " + reason
        rows[(type_name, path)] = (formats, kind, co, "hand", reason)
        hand += 1

    with open(args.output, "w", encoding="utf-8", newline="\n") as f:
        f.write(
            "# Generated by scripts/consumer-properties.py from aws-cloudformation/cfn-lint "
            f"{args.commit} (src/cfnlint/data/schemas, us-east-1; licence MIT-0) plus rows marked hand; "
            "regenerate the Rust table after editing: cargo run --example "
            "generate_consumer_properties\n"
        )
        f.write("\t".join(HEADER) + "\n")
        for (type_name, path), (formats, kind, co, source, comment) in sorted(rows.items()):
            f.write("\t".join(
                [type_name, path, formats, kind, "true" if co else "false", source, comment]
            ) + "\n")
    print(
        f"{from_schemas} rows from cfn-lint in {len(types_seen)} types, {hand} hand rows",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
