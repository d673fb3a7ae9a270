//! Per service, the condition keys its own guide documents for scoping the KMS requests it
//! makes for a customer (what KMS606, service-principal-unscoped, recommends). Each row names
//! its page.

/// What a service's guide documents about scoping its KMS requests in a key policy.
pub(crate) struct ServiceScope {
    /// The service principal's first label (`logs` in `logs.eu-west-1.amazonaws.com`).
    pub service: &'static str,
    /// The condition keys the guide names for its requests, to recommend.
    pub keys: &'static [&'static str],
    /// The guide's page.
    pub source: &'static str,
}

/// Per service, the condition keys its documentation names for its KMS requests. A service
/// not listed is recommended the confused-deputy keys, with the IAM User Guide's page.
pub(crate) const SERVICE_SCOPES: &[ServiceScope] = &[
    // CloudWatch Logs: "kms:EncryptionContext:aws:logs:arn" under ArnEquals/ArnLike.
    ServiceScope {
        service: "logs",
        keys: &["kms:EncryptionContext:aws:logs:arn"],
        source: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html",
    },
    // CloudTrail trails: aws:SourceArn recommended, aws:SourceAccount supported, and the
    // example's kms:EncryptionContext:aws:cloudtrail:arn.
    ServiceScope {
        service: "cloudtrail",
        keys: &[
            "aws:SourceArn",
            "aws:SourceAccount",
            "kms:EncryptionContext:aws:cloudtrail:arn",
        ],
        source: "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html",
    },
    // EventBridge event buses: "add an aws:SourceArn, aws:sourceAccount, or
    // kms:EncryptionContext:aws:events:event-bus:arn condition key"; archives use the same
    // encryption context (encryption-archives.html).
    ServiceScope {
        service: "events",
        keys: &[
            "aws:SourceArn",
            "aws:SourceAccount",
            "kms:EncryptionContext:aws:events:event-bus:arn",
        ],
        source: "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-encryption-key-policy.html",
    },
    // Event sources that publish to encrypted topics (CloudWatch alarms, S3 notifications)
    // and send to encrypted queues (S3, SNS): the SNS and SQS guides' key policy statements
    // for AWS services use aws:SourceArn and aws:SourceAccount.
    ServiceScope {
        service: "cloudwatch",
        keys: &["aws:SourceArn", "aws:SourceAccount"],
        source: "https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html",
    },
    ServiceScope {
        service: "s3",
        keys: &["aws:SourceArn", "aws:SourceAccount"],
        source: "https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html",
    },
    ServiceScope {
        service: "sns",
        keys: &["aws:SourceArn", "aws:SourceAccount"],
        source: "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html",
    },
    // Amazon SES receipt rules: the example's kms:EncryptionContext:aws:ses:source-account
    // (with rule-name and message-id).
    ServiceScope {
        service: "ses",
        keys: &["kms:EncryptionContext:aws:ses:source-account"],
        source: "https://docs.aws.amazon.com/kms/latest/developerguide/services-ses.html",
    },
];

/// Recommended for services not in [`SERVICE_SCOPES`].
pub(crate) const GENERIC: ServiceScope = ServiceScope {
    service: "",
    keys: &["aws:SourceArn", "aws:SourceAccount"],
    source: "https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html",
};
