// Shared by the apps: the environments and the key policy statement that lets CloudWatch Logs
// use a key (the one rules/KMS601.md's "Use instead" shows, from the CloudWatch Logs guide).
'use strict';
const iam = require('aws-cdk-lib/aws-iam');

const ACCOUNT_A = '111111111111';
const ACCOUNT_B = '222222222222';

// The statement of the CloudWatch Logs guide: the Regional logs principal, the key's usual
// actions, and the encryption-context condition naming log groups of the account and Region.
// `region` is the Region written into the principal and the condition; undefined means the
// stack's own (`${AWS::Region}` through Stack.of(scope).region).
function allowLogs(stack, region) {
  const r = region ?? stack.region;
  return new iam.PolicyStatement({
    sid: 'Allow CloudWatch Logs',
    principals: [new iam.ServicePrincipal(`logs.${r}.amazonaws.com`)],
    actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
    resources: ['*'],
    conditions: {
      ArnLike: {
        'kms:EncryptionContext:aws:logs:arn': `arn:${stack.partition}:logs:${r}:${stack.account}:log-group:*`,
      },
    },
  });
}

// The "enable IAM policies" statement CDK's default key policy is made of, for the key
// policies written by hand (CfnKey, CfnReplicaKey).
function rootStatementJson() {
  return {
    Sid: 'Enable IAM policies',
    Effect: 'Allow',
    Principal: { AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' } },
    Action: 'kms:*',
    Resource: '*',
  };
}

// The same Logs statement as JSON, for CfnKey / CfnReplicaKey key policies. `principalRegion`
// undefined: the global principal logs.amazonaws.com (which KMS601 accepts).
function logsStatementJson(principalRegion) {
  return {
    Sid: 'Allow CloudWatch Logs',
    Effect: 'Allow',
    Principal: { Service: principalRegion ? `logs.${principalRegion}.amazonaws.com` : 'logs.amazonaws.com' },
    Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
    Resource: '*',
    Condition: {
      ArnLike: {
        'kms:EncryptionContext:aws:logs:arn': { 'Fn::Sub': 'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*' },
      },
    },
  };
}

module.exports = { ACCOUNT_A, ACCOUNT_B, allowLogs, rootStatementJson, logsStatementJson };
