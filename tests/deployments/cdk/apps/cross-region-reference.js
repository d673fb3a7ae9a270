// Case cross-region-reference: a key in eu-west-1 used from a stack in us-east-1 through CDK's
// cross-Region references (crossRegionReferences: true). CDK writes the key's ARN to an SSM
// parameter in us-east-1 from the producer (an ExportWriter custom resource) and the consumer
// reads it back (an ExportReader custom resource, Fn::GetAtt on it).
'use strict';
const cdk = require('aws-cdk-lib');
const iam = require('aws-cdk-lib/aws-iam');
const kms = require('aws-cdk-lib/aws-kms');
const logs = require('aws-cdk-lib/aws-logs');
const { ACCOUNT_A, allowLogs } = require('./common');

const app = new cdk.App();

class KeysStack extends cdk.Stack {
  constructor(scope, id, props) {
    super(scope, id, props);
    // A key that lets CloudWatch Logs of eu-west-1 in: of no use to a log group of us-east-1.
    this.key = new kms.Key(this, 'SharedKey', { enableKeyRotation: true });
    this.key.addToResourcePolicy(allowLogs(this));
  }
}

class ConsumerStack extends cdk.Stack {
  constructor(scope, id, keys, props) {
    super(scope, id, props);
    // A log group of us-east-1 with the eu-west-1 key: Logs needs a key of its own Region.
    new logs.LogGroup(this, 'RemoteKeyLogs', { encryptionKey: keys.key });
    // A role of us-east-1 allowed to decrypt with the eu-west-1 key: IAM is global, and the
    // key policy's account statement lets IAM policies grant it. Written as a plain statement
    // (key.grantDecrypt would also touch the key policy across Regions).
    const role = new iam.Role(this, 'ReaderRole', { assumedBy: new iam.AccountRootPrincipal() });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [keys.key.keyArn] }));
  }
}

const keys = new KeysStack(app, 'Keys', {
  env: { account: ACCOUNT_A, region: 'eu-west-1' },
  crossRegionReferences: true,
});
new ConsumerStack(app, 'Consumer', keys, {
  env: { account: ACCOUNT_A, region: 'us-east-1' },
  crossRegionReferences: true,
});
app.synth();
