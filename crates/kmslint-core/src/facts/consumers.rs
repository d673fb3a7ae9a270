//! What the services that use a key need of it (`docs/facts/consumers.md`).
//!
//! Services named here need the key policy itself to let a service principal (or a
//! service-linked role) use the key: an account-root "enable IAM policies" statement does not,
//! since a service principal is no IAM identity of the account. Other consumers (S3, EBS, RDS,
//! DynamoDB, …) work through the caller's permissions and need no such statement.
//!
//! Checked against AWS's documentation and deliberately not rows here:
//! - S3 server access logging (`logging.s3.amazonaws.com`) into a bucket whose default
//!   encryption is a customer managed key: the S3 User Guide ("Enabling Amazon S3 server access
//!   logging", <https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html>)
//!   says default encryption of the destination bucket may only be SSE-S3 and that default
//!   SSE-KMS "is not supported"; it documents no key-policy statement that would make it work,
//!   so there is no grant to ask for.
//! - CloudWatch Logs with the global `logs.amazonaws.com` principal: the guide's key policy
//!   names `logs.<region>.amazonaws.com` and says nothing against the global form, which AWS's
//!   own sample templates use for a log group's key (aws-cloudformation-templates,
//!   `CloudFormation/StackSets/log-setup-management.yaml`); KMS601 accepts either form.

/// Who the key policy must allow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Grantee {
    /// A service principal: `logs` for `logs.<region>.amazonaws.com` when `regional`.
    Service { name: &'static str, regional: bool },
    /// The EC2 Auto Scaling service-linked role
    /// (`arn:<partition>:iam::<account>:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`).
    AutoScalingRole,
}

/// What happens without the grant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Failure {
    /// The stack fails to create or update the consumer.
    Deploy,
    /// The stack deploys, and the service fails at run time without a sound (an alarm fires
    /// and nothing is delivered).
    Silent,
}

/// A consumer that needs a grant in the key policy.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct ServiceGrant {
    pub resource_type: &'static str,
    /// The property naming the key, dotted from `Properties`, `[]` for list items.
    pub property: &'static str,
    pub grantee: Grantee,
    /// Each must be allowed (IAM wildcards allowed in the policy, not here).
    pub actions: &'static [&'static str],
    pub failure: Failure,
    /// Marked unconfirmed in docs/facts/consumers.md: at most a warning.
    pub uncertain: bool,
    /// Where AWS says so.
    pub source: &'static str,
}

/// docs/facts/consumers.md#services-that-need-a-grant. The SNS and SQS rows apply
/// only when an AWS service publishes to the topic or queue: see [`PUBLISHERS`].
pub(crate) static SERVICE_GRANTS: &[ServiceGrant] = &[
    ServiceGrant {
        resource_type: "AWS::Logs::LogGroup",
        property: "KmsKeyId",
        grantee: Grantee::Service {
            name: "logs",
            regional: true,
        },
        // The guide's statement allows `kms:Encrypt*`, `kms:Decrypt*`, `kms:ReEncrypt*`,
        // `kms:GenerateDataKey*` and `kms:Describe*`; only what Logs calls to write and read
        // is required here, so a narrower working policy is not an error.
        actions: &["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"],
        failure: Failure::Deploy,
        uncertain: false,
        // The guide names `logs.<region>.amazonaws.com`; the global form is accepted too (above).
        source: "CloudWatch Logs User Guide, Encrypt log data in CloudWatch Logs using AWS KMS",
    },
    ServiceGrant {
        resource_type: "AWS::Lambda::Function",
        property: "Code.SourceKMSKeyArn",
        grantee: Grantee::Service {
            name: "lambda",
            regional: false,
        },
        // Lambda adds no grant for the .zip package's key (as it does for `KmsKeyArn`).
        actions: &["kms:GenerateDataKey", "kms:Decrypt"],
        failure: Failure::Deploy,
        uncertain: false,
        source: "Lambda Developer Guide, Encrypting Lambda .zip deployment packages",
    },
    ServiceGrant {
        resource_type: "AWS::CloudTrail::Trail",
        property: "KMSKeyId",
        grantee: Grantee::Service {
            name: "cloudtrail",
            regional: false,
        },
        actions: &["kms:GenerateDataKey", "kms:DescribeKey"],
        failure: Failure::Deploy,
        uncertain: false,
        source: "CloudTrail User Guide, Configure AWS KMS key policies for CloudTrail",
    },
    ServiceGrant {
        resource_type: "AWS::CloudTrail::EventDataStore",
        property: "KmsKeyId",
        grantee: Grantee::Service {
            name: "cloudtrail",
            regional: false,
        },
        actions: &["kms:GenerateDataKey", "kms:Decrypt"],
        failure: Failure::Deploy,
        uncertain: false,
        source: "CloudTrail User Guide, Configure AWS KMS key policies for CloudTrail",
    },
    ServiceGrant {
        resource_type: "AWS::Events::EventBus",
        property: "KmsKeyIdentifier",
        grantee: Grantee::Service {
            name: "events",
            regional: false,
        },
        actions: &["kms:DescribeKey", "kms:GenerateDataKey", "kms:Decrypt"],
        failure: Failure::Deploy,
        uncertain: false,
        source: "EventBridge User Guide, Key policy for event bus encryption",
    },
    ServiceGrant {
        resource_type: "AWS::SES::ReceiptRule",
        property: "Rule.Actions[].S3Action.KmsKeyArn",
        grantee: Grantee::Service {
            name: "ses",
            regional: false,
        },
        actions: &["kms:Encrypt", "kms:GenerateDataKey"],
        failure: Failure::Silent,
        uncertain: false,
        source: "KMS Developer Guide, How Amazon SES uses AWS KMS",
    },
    ServiceGrant {
        resource_type: "AWS::EC2::LaunchTemplate",
        property: "LaunchTemplateData.BlockDeviceMappings[].Ebs.KmsKeyId",
        grantee: Grantee::AutoScalingRole,
        // The guide's two statements: `kms:Encrypt`, `kms:Decrypt`, `kms:ReEncrypt*`,
        // `kms:GenerateDataKey*`, `kms:DescribeKey`, and `kms:CreateGrant` (with
        // `kms:GrantIsForAWSResource`); what EBS calls for an encrypted volume is required.
        actions: &[
            "kms:Decrypt",
            "kms:GenerateDataKeyWithoutPlaintext",
            "kms:ReEncryptFrom",
            "kms:DescribeKey",
            "kms:CreateGrant",
        ],
        failure: Failure::Silent,
        uncertain: false,
        source: "EC2 Auto Scaling User Guide, Required AWS KMS key policy for use with encrypted volumes",
    },
    ServiceGrant {
        resource_type: "AWS::S3Tables::TableBucket",
        property: "EncryptionConfiguration.KMSKeyArn",
        grantee: Grantee::Service {
            name: "maintenance.s3tables",
            regional: false,
        },
        actions: &["kms:GenerateDataKey", "kms:Decrypt"],
        failure: Failure::Deploy,
        uncertain: true,
        source: "S3 User Guide, Permission requirements for S3 Tables SSE-KMS encryption",
    },
];

/// An AWS service that publishes to a topic or queue a property of another resource names.
pub(crate) struct Publisher {
    pub resource_type: &'static str,
    /// The property naming the topic or queue (dotted, `[]` for list items).
    pub property: &'static str,
    /// The publishing service: `cloudwatch` for `cloudwatch.amazonaws.com`.
    pub service: &'static str,
    /// For subscriptions: the `Protocol` the item beside the property must have (`sqs`), so
    /// that the endpoint is a queue SNS sends to.
    pub protocol: Option<&'static str>,
}

const fn publisher(
    resource_type: &'static str,
    property: &'static str,
    service: &'static str,
) -> Publisher {
    Publisher {
        resource_type,
        property,
        service,
        protocol: None,
    }
}

/// The AWS services that publish to an encrypted topic or queue and so need
/// `kms:GenerateDataKey*` and `kms:Decrypt` in its key policy
/// (docs/facts/consumers.md#sns-topics-and-sqs-queues). An EventBridge target's dead-letter
/// queue is sent to by EventBridge as the target is.
pub(crate) static PUBLISHERS: &[Publisher] = &[
    publisher("AWS::CloudWatch::Alarm", "AlarmActions[]", "cloudwatch"),
    publisher("AWS::CloudWatch::Alarm", "OKActions[]", "cloudwatch"),
    publisher(
        "AWS::CloudWatch::Alarm",
        "InsufficientDataActions[]",
        "cloudwatch",
    ),
    publisher(
        "AWS::CloudWatch::CompositeAlarm",
        "AlarmActions[]",
        "cloudwatch",
    ),
    publisher(
        "AWS::CloudWatch::CompositeAlarm",
        "OKActions[]",
        "cloudwatch",
    ),
    publisher(
        "AWS::CloudWatch::CompositeAlarm",
        "InsufficientDataActions[]",
        "cloudwatch",
    ),
    publisher("AWS::Events::Rule", "Targets[].Arn", "events"),
    publisher(
        "AWS::Events::Rule",
        "Targets[].DeadLetterConfig.Arn",
        "events",
    ),
    publisher(
        "AWS::S3::Bucket",
        "NotificationConfiguration.TopicConfigurations[].Topic",
        "s3",
    ),
    publisher(
        "AWS::S3::Bucket",
        "NotificationConfiguration.QueueConfigurations[].Queue",
        "s3",
    ),
    Publisher {
        resource_type: "AWS::SNS::Subscription",
        property: "Endpoint",
        service: "sns",
        protocol: Some("sqs"),
    },
    Publisher {
        resource_type: "AWS::SNS::Topic",
        property: "Subscription[].Endpoint",
        service: "sns",
        protocol: Some("sqs"),
    },
];

/// What a topic or queue needs its key to allow a publishing service
/// (docs/facts/consumers.md#sns-topics-and-sqs-queues: SNS and SQS Developer Guides, Key
/// management).
pub(crate) static PUBLISH_ACTIONS: &[&str] = &["kms:GenerateDataKey", "kms:Decrypt"];

/// What reading an encrypted queue or stream needs of its key: `kms:Decrypt` (SQS Developer
/// Guide, Configuring an Amazon SQS queue to trigger an AWS Lambda function: "add the
/// `kms:Decrypt` permission to your Lambda execution role"; Kinesis Data Streams Developer
/// Guide, Permissions to use user-generated KMS keys). Sending needs [`PUBLISH_ACTIONS`].
pub(crate) static READ_ACTIONS: &[&str] = &["kms:Decrypt"];

/// Where a Lambda function's execution role reads or sends to a queue, topic or stream
/// (KMS613, rules/KMS613.md).
pub(crate) struct RoleUse {
    pub resource_type: &'static str,
    /// The property naming the function; `None` when the resource is the function.
    pub function: Option<&'static str>,
    /// The property naming the queue, topic or stream, dotted from `Properties`.
    pub target: &'static str,
    /// Reads (else sends to) it.
    pub reads: bool,
}

pub(crate) static ROLE_USES: &[RoleUse] = &[
    RoleUse {
        resource_type: "AWS::Lambda::EventSourceMapping",
        function: Some("FunctionName"),
        target: "EventSourceArn",
        reads: true,
    },
    RoleUse {
        resource_type: "AWS::Lambda::Function",
        function: None,
        target: "DeadLetterConfig.TargetArn",
        reads: false,
    },
    RoleUse {
        resource_type: "AWS::Lambda::EventInvokeConfig",
        function: Some("FunctionName"),
        target: "DestinationConfig.OnSuccess.Destination",
        reads: false,
    },
    RoleUse {
        resource_type: "AWS::Lambda::EventInvokeConfig",
        function: Some("FunctionName"),
        target: "DestinationConfig.OnFailure.Destination",
        reads: false,
    },
];

/// The property naming the key of a topic or queue.
pub(crate) static ENCRYPTED_TARGETS: &[(&str, &str)] = &[
    ("AWS::SNS::Topic", "KmsMasterKeyId"),
    ("AWS::SQS::Queue", "KmsMasterKeyId"),
];

/// What a resource that sends to a topic or queue is called in messages.
pub(crate) fn publisher_noun(resource_type: &str) -> &'static str {
    match resource_type {
        "AWS::CloudWatch::Alarm" => "alarm",
        "AWS::CloudWatch::CompositeAlarm" => "composite alarm",
        "AWS::Events::Rule" => "EventBridge rule",
        "AWS::S3::Bucket" => "bucket",
        "AWS::SNS::Subscription" => "subscription",
        "AWS::SNS::Topic" => "topic",
        _ => "resource",
    }
}
