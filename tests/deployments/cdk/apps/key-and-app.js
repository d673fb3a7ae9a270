// Case key-and-app: a Security stack holds the keys, an App stack in the same environment uses
// them through CDK's strong cross-stack references (an Export in Security, Fn::ImportValue in App).
'use strict';
const cdk = require('aws-cdk-lib');
const kms = require('aws-cdk-lib/aws-kms');
const logs = require('aws-cdk-lib/aws-logs');
const sns = require('aws-cdk-lib/aws-sns');
const { ACCOUNT_A, allowLogs } = require('./common');

const app = new cdk.App();
const env = { account: ACCOUNT_A, region: 'eu-west-1' };

class SecurityStack extends cdk.Stack {
  constructor(scope, id, props) {
    super(scope, id, props);
    // CDK's default key policy: only the account principal (kms:*); CloudWatch Logs is not let in.
    this.defaultPolicyKey = new kms.Key(this, 'DefaultPolicyKey', { enableKeyRotation: true });
    // The same, plus the CloudWatch Logs statement of the Logs guide.
    this.logsKey = new kms.Key(this, 'LogsKey', { enableKeyRotation: true });
    this.logsKey.addToResourcePolicy(allowLogs(this));
    // A key created disabled, used by a topic of the App stack.
    this.disabledKey = new kms.Key(this, 'DisabledKey', { enableKeyRotation: true, enabled: false });
  }
}

class AppStack extends cdk.Stack {
  constructor(scope, id, security, props) {
    super(scope, id, props);
    new logs.LogGroup(this, 'AuditLogs', { encryptionKey: security.defaultPolicyKey });
    new logs.LogGroup(this, 'AppLogs', { encryptionKey: security.logsKey });
    new sns.Topic(this, 'Alerts', { masterKey: security.disabledKey });
  }
}

const security = new SecurityStack(app, 'Security', { env });
new AppStack(app, 'App', security, { env });
app.synth();
