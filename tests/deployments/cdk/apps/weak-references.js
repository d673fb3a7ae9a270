// Case weak-references: key-and-app's two log groups with the cross-stack references that
// `cdk init` projects of aws-cdk-lib 2.254.0 and later get ("@aws-cdk/core:defaultCrossStackReferences":
// "weak" in their cdk.json): no Export or Fn::ImportValue, but Fn::GetStackOutput, which reads
// the producer's Output directly. Also across Regions (no SSM writer/reader custom resources).
'use strict';
const cdk = require('aws-cdk-lib');
const kms = require('aws-cdk-lib/aws-kms');
const logs = require('aws-cdk-lib/aws-logs');
const { ACCOUNT_A, allowLogs } = require('./common');

const app = new cdk.App();

class SecurityStack extends cdk.Stack {
  constructor(scope, id, props) {
    super(scope, id, props);
    this.defaultPolicyKey = new kms.Key(this, 'DefaultPolicyKey', { enableKeyRotation: true });
    this.logsKey = new kms.Key(this, 'LogsKey', { enableKeyRotation: true });
    this.logsKey.addToResourcePolicy(allowLogs(this));
  }
}

class AppStack extends cdk.Stack {
  constructor(scope, id, security, props) {
    super(scope, id, props);
    cdk.CrossStackReferences.of(this).consume(cdk.ReferenceStrength.WEAK);
    new logs.LogGroup(this, 'AuditLogs', { encryptionKey: security.defaultPolicyKey });
    new logs.LogGroup(this, 'AppLogs', { encryptionKey: security.logsKey });
  }
}

const security = new SecurityStack(app, 'Security', { env: { account: ACCOUNT_A, region: 'eu-west-1' } });
new AppStack(app, 'App', security, { env: { account: ACCOUNT_A, region: 'eu-west-1' } });
// The same consumer in another Region: a weak reference across Regions (the key is in eu-west-1,
// so this log group cannot use it: KMS605).
new AppStack(app, 'AppUs', security, { env: { account: ACCOUNT_A, region: 'us-east-1' } });
app.synth();
