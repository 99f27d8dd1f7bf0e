/**
 * Adding resilient reads to an app that already exists, with thresholds tighter than the defaults: two existing
 * stacks (a write-side service in us-west-2 and a read-side service in ap-southeast-2), each with its own operations
 * topic, gain the global table and the staleness-aware reader. No chaos experiments: this is a production shape.
 *
 * In your own app, after `npm install cdk-resilient-global-table`, import from 'cdk-resilient-global-table'
 * instead of '../../src' (this file imports the repository's sources so it runs before the package is built).
 *
 * Run from examples/existing-app: `AWS_EC2_METADATA_DISABLED=true npx cdk synth`
 */
import { App, Duration, Stack, StackProps } from 'aws-cdk-lib';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import {
  ReplicationRerouter,
  ResilienceDashboard,
  ResilientGlobalTable,
  StalenessAwareReader,
} from '../../src';

/** The table name both stacks use: the literal that joins them. */
const TABLE_NAME = 'customer-profiles';

/** The write side, as it existed: a stack with an operations topic. Now it also owns the global table. */
export class ProfilesWriteStack extends Stack {
  /** The operations topic the team already pages from. */
  public readonly opsTopic: sns.Topic;

  /** The global table, added to the existing stack. */
  public readonly table: ResilientGlobalTable;

  constructor(scope: Construct, id: string, props: StackProps) {
    super(scope, id, props);
    this.opsTopic = new sns.Topic(this, 'OpsTopic', { enforceSSL: true });

    this.table = new ResilientGlobalTable(this, 'Profiles', {
      tableName: TABLE_NAME,
      partitionKey: { name: 'customerId', type: dynamodb.AttributeType.STRING },
      replicaRegions: ['ap-southeast-2'],
      // Tighter than the defaults: a beat every second, alarm on 3 s of lag in 2 of 3 minutes.
      heartbeat: { interval: Duration.seconds(1) },
      lagAlarmThreshold: Duration.seconds(3),
      lagAlarmEvaluationPeriods: 3,
      lagAlarmDatapointsToAlarm: 2,
      deadLetterQueueAlarmActions: [new cloudwatchActions.SnsAction(this.opsTopic)],
    });
  }
}

/** Properties of the read side. */
export interface ProfilesReadStackProps extends StackProps {
  /** The write side's table; only its literal names cross the regions. */
  readonly table: ResilientGlobalTable;
}

/** The read side, as it existed: a stack with its own operations topic. Now it reads the local replica. */
export class ProfilesReadStack extends Stack {
  /** The reader callers invoke. */
  public readonly reader: StalenessAwareReader;

  constructor(scope: Construct, id: string, props: ProfilesReadStackProps) {
    super(scope, id, props);
    const opsTopic = new sns.Topic(this, 'OpsTopic', { enforceSSL: true });

    const rerouter = new ReplicationRerouter(this, 'Rerouter', {
      table: props.table,
      // Escalate the fleet after 2 periods of 30 s with detections; hold it on the primary for 60 s after the last.
      detectionAlarmPeriod: Duration.seconds(30),
      detectionDatapointsToAlarm: 2,
      holdDown: Duration.seconds(60),
    });
    rerouter.deadLetterQueueAlarm.addAlarmAction(new cloudwatchActions.SnsAction(opsTopic));

    this.reader = new StalenessAwareReader(this, 'Reader', {
      table: props.table,
      routing: rerouter,
      readerName: 'profiles-reader',
      // Profiles may be at most 5 s behind; look at the routing value every 2 s; probe the replica after 20 s.
      maxStaleness: Duration.seconds(5),
      routingCacheMaxAge: Duration.seconds(2),
      breakerLease: Duration.seconds(20),
    });

    new ResilienceDashboard(this, 'Dashboard', {
      table: props.table,
      readers: [this.reader],
      rerouters: [rerouter],
      dashboardName: 'customer-profiles-reads',
    });
  }
}

/** The existing app with both stacks; exported so a test can synthesize it. */
export function buildExistingApp(app: App = new App()): { write: ProfilesWriteStack; read: ProfilesReadStack } {
  const account = app.node.tryGetContext('account');
  const write = new ProfilesWriteStack(app, 'ProfilesWrite', { env: { account, region: 'us-west-2' } });
  const read = new ProfilesReadStack(app, 'ProfilesRead', {
    env: { account, region: 'ap-southeast-2' },
    table: write.table,
  });
  read.addStackDependency(write, 'the reader uses the table and lag alarm of the write side');

  return { write, read };
}

if (require.main === module) {
  const app = new App();
  buildExistingApp(app);
  app.synth();
}
