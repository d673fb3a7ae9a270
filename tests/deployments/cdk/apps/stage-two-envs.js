// Case stage-two-envs: one Stage (a key stack and a consumer stack) instantiated twice, in two
// accounts and Regions. Each Stage is a nested cloud assembly (assembly-Prod/, assembly-Dr/)
// with its own manifest. The key policy's Logs statement was written for Prod's Region
// (logs.eu-west-1.amazonaws.com, hard-coded): right in Prod, wrong in Dr (us-east-2).
'use strict';
const cdk = require('aws-cdk-lib');
const kms = require('aws-cdk-lib/aws-kms');
const logs = require('aws-cdk-lib/aws-logs');
const { ACCOUNT_A, ACCOUNT_B, allowLogs } = require('./common');

const app = new cdk.App();

class KeysStack extends cdk.Stack {
  constructor(scope, id, props) {
    super(scope, id, props);
    this.key = new kms.Key(this, 'LogsKey', { enableKeyRotation: true });
    this.key.addToResourcePolicy(allowLogs(this, 'eu-west-1'));
  }
}

class ServiceStack extends cdk.Stack {
  constructor(scope, id, keys, props) {
    super(scope, id, props);
    new logs.LogGroup(this, 'ServiceLogs', { encryptionKey: keys.key });
  }
}

class ServiceStage extends cdk.Stage {
  constructor(scope, id, props) {
    super(scope, id, props);
    const keys = new KeysStack(this, 'Keys');
    new ServiceStack(this, 'Service', keys);
  }
}

new ServiceStage(app, 'Prod', { env: { account: ACCOUNT_A, region: 'eu-west-1' } });
new ServiceStage(app, 'Dr', { env: { account: ACCOUNT_B, region: 'us-east-2' } });
app.synth();
