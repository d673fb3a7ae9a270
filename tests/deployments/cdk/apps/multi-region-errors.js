// Case multi-region-errors: replicas that CloudFormation cannot create, each because of the stack
// their primary is in. All in account 111111111111.
//   NotMulti (us-east-1)     a key without MultiRegion, replicated by a stack of eu-west-1    (KMS301)
//   Primary  (us-east-1)     a multi-Region primary key
//   SameRegion (us-east-1)   a replica of it in the primary's own Region (a same-Region,
//                            strong reference: Export / Fn::ImportValue)                      (KMS302)
//   DupA, DupB (ap-southeast-2) two stacks that each replicate it in one Region               (KMS303)
'use strict';
const cdk = require('aws-cdk-lib');
const kms = require('aws-cdk-lib/aws-kms');
const { ACCOUNT_A, rootStatementJson } = require('./common');

const app = new cdk.App();
const policy = { Version: '2012-10-17', Statement: [rootStatementJson()] };
const at = (region) => ({ env: { account: ACCOUNT_A, region }, crossRegionReferences: true });

class KeyStack extends cdk.Stack {
  constructor(scope, id, multiRegion, props) {
    super(scope, id, props);
    this.key = new kms.CfnKey(this, 'Key', { multiRegion, enableKeyRotation: true, keyPolicy: policy });
    this.key.applyRemovalPolicy(cdk.RemovalPolicy.RETAIN);
  }
}

class ReplicaStack extends cdk.Stack {
  constructor(scope, id, primary, props) {
    super(scope, id, props);
    const r = new kms.CfnReplicaKey(this, 'Replica', { primaryKeyArn: primary.key.attrArn, keyPolicy: policy });
    r.applyRemovalPolicy(cdk.RemovalPolicy.RETAIN);
  }
}

const notMulti = new KeyStack(app, 'NotMulti', false, at('us-east-1'));
new ReplicaStack(app, 'NotMultiReplica', notMulti, at('eu-west-1'));
const primary = new KeyStack(app, 'Primary', true, at('us-east-1'));
new ReplicaStack(app, 'SameRegion', primary, at('us-east-1'));
new ReplicaStack(app, 'DupA', primary, at('ap-southeast-2'));
new ReplicaStack(app, 'DupB', primary, at('ap-southeast-2'));
app.synth();
