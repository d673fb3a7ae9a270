// Case multi-region: two multi-Region primary keys in us-east-1 and their replicas in stacks of
// eu-west-1 and ap-southeast-2, each replica getting its primary's ARN through a cross-Region
// reference. Each replica has its own key policy; the log group of each replica stack uses the
// replica of its Region.
'use strict';
const cdk = require('aws-cdk-lib');
const kms = require('aws-cdk-lib/aws-kms');
const logs = require('aws-cdk-lib/aws-logs');
const { ACCOUNT_A, rootStatementJson, logsStatementJson } = require('./common');

const app = new cdk.App();

class PrimaryStack extends cdk.Stack {
  constructor(scope, id, props) {
    super(scope, id, props);
    const policy = { Version: '2012-10-17', Statement: [rootStatementJson(), logsStatementJson()] };
    this.orders = new kms.CfnKey(this, 'OrdersPrimary', { multiRegion: true, enableKeyRotation: true, keyPolicy: policy });
    this.audit = new kms.CfnKey(this, 'AuditPrimary', { multiRegion: true, enableKeyRotation: true, keyPolicy: policy });
    for (const k of [this.orders, this.audit]) k.applyRemovalPolicy(cdk.RemovalPolicy.RETAIN);
  }
}

// letLogsIn: whether the replicas' key policies have the CloudWatch Logs statement (the primary's
// does; a replica's policy is its own).
class ReplicaStack extends cdk.Stack {
  constructor(scope, id, primaries, letLogsIn, props) {
    super(scope, id, props);
    const statements = letLogsIn ? [rootStatementJson(), logsStatementJson()] : [rootStatementJson()];
    const policy = { Version: '2012-10-17', Statement: statements };
    const orders = new kms.CfnReplicaKey(this, 'OrdersReplica', { primaryKeyArn: primaries.orders.attrArn, keyPolicy: policy });
    const audit = new kms.CfnReplicaKey(this, 'AuditReplica', { primaryKeyArn: primaries.audit.attrArn, keyPolicy: policy });
    for (const k of [orders, audit]) k.applyRemovalPolicy(cdk.RemovalPolicy.RETAIN);
    new logs.CfnLogGroup(this, 'OrdersLogs', { kmsKeyId: orders.attrArn, retentionInDays: 30 });
  }
}

const primaries = new PrimaryStack(app, 'Primary', {
  env: { account: ACCOUNT_A, region: 'us-east-1' },
  crossRegionReferences: true,
});
new ReplicaStack(app, 'ReplicasEu', primaries, false, {
  env: { account: ACCOUNT_A, region: 'eu-west-1' },
  crossRegionReferences: true,
});
new ReplicaStack(app, 'ReplicasAp', primaries, true, {
  env: { account: ACCOUNT_A, region: 'ap-southeast-2' },
  crossRegionReferences: true,
});
app.synth();
