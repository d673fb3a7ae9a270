// Case nested-stacks: one top-level stack with two nested stacks, one holding the keys and one
// holding their consumers. CDK passes a key's ARN out of the Keys nested stack as an Output,
// through the parent (Fn::GetAtt Keys.Outputs.…) and into the Consumers nested stack as a
// Parameter. Each nested stack's template is a file asset of the assembly.
'use strict';
const cdk = require('aws-cdk-lib');
const kms = require('aws-cdk-lib/aws-kms');
const logs = require('aws-cdk-lib/aws-logs');
const { ACCOUNT_A, allowLogs } = require('./common');

const app = new cdk.App();

class KeysNested extends cdk.NestedStack {
  constructor(scope, id, props) {
    super(scope, id, props);
    this.defaultPolicyKey = new kms.Key(this, 'DefaultPolicyKey', { enableKeyRotation: true });
    this.logsKey = new kms.Key(this, 'LogsKey', { enableKeyRotation: true });
    this.logsKey.addToResourcePolicy(allowLogs(this));
  }
}

class ConsumersNested extends cdk.NestedStack {
  constructor(scope, id, keys, props) {
    super(scope, id, props);
    new logs.LogGroup(this, 'AuditLogs', { encryptionKey: keys.defaultPolicyKey });
    new logs.LogGroup(this, 'AppLogs', { encryptionKey: keys.logsKey });
  }
}

const parent = new cdk.Stack(app, 'Platform', { env: { account: ACCOUNT_A, region: 'eu-west-1' } });
const keys = new KeysNested(parent, 'Keys');
new ConsumersNested(parent, 'Consumers', keys);
app.synth();
