/**
 * The complete system in two stacks: the primary-region stack (the global table, its heartbeat, lag alarms and lag
 * topic) and the replica-region stack (the reader, its routing parameter, the rerouter, the three FIS experiments
 * on that replica and that reader, their stop conditions, and the dashboard). The two stacks meet through literal
 * names (the table name, the lag alarm and topic names built from it), never through a cross-region import.
 *
 * The classes and `buildApp` are exported so tests and the local chaos lab synthesize the very same stacks in-process.
 * Run from examples/app: `AWS_EC2_METADATA_DISABLED=true npx cdk synth` (see main.ts).
 */
import { App, CfnOutput, Duration, Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as fis from 'aws-cdk-lib/aws-fis';
import { Construct, IConstruct } from 'constructs';
import { fillPlaceholders, NAG_ACKNOWLEDGEMENTS, NagAcknowledgement } from './nag-acknowledgements';
import { ExampleSettings, settingsFromContext } from './settings';
import {
  FisChaosSuite,
  ReplicationRerouter,
  ResilienceDashboard,
  ResilientGlobalTable,
  RoutingReason,
  StalenessAwareReader,
} from '../../src';

/** The names of the stack outputs the chaos harness relies on. */
export const OUTPUT_NAMES = [
  'TableName',
  'PrimaryRegion',
  'ReplicaRegion',
  'ReaderFunctionName',
  'RoutingParameterName',
  'PauseExperimentTemplateId',
  'DelayExperimentTemplateId',
  'ErrorExperimentTemplateId',
  'DashboardName',
] as const;

/** Properties of the primary-region stack. */
export interface PrimaryStackProps extends StackProps {
  /** The settings of the deployment. */
  readonly settings: ExampleSettings;
}

/** The primary (write) region: the global table with its replica, the heartbeat, the lag alarm and its topic. */
export class PrimaryStack extends Stack {
  /** The global table. */
  public readonly table: ResilientGlobalTable;

  constructor(scope: Construct, id: string, props: PrimaryStackProps) {
    super(scope, id, props);
    const settings = props.settings;

    this.table = new ResilientGlobalTable(this, 'Orders', {
      tableName: settings.tableName,
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      replicaRegions: [settings.replicaRegion],
      lagAlarmThreshold: settings.lagAlarmThreshold,
    });

    new CfnOutput(this, 'TableName', { value: settings.tableName, description: 'The global table, in every region' });
    new CfnOutput(this, 'PrimaryRegion', { value: settings.primaryRegion, description: 'Where every write goes' });
    new CfnOutput(this, 'ReplicaRegion', { value: settings.replicaRegion, description: 'Where the reader reads' });
  }
}

/** Properties of the replica-region stack. */
export interface ReplicaStackProps extends StackProps {
  /** The settings of the deployment. */
  readonly settings: ExampleSettings;

  /** The table of the primary stack; only its literal names and settings are used here. */
  readonly table: ResilientGlobalTable;
}

/** The alarms that stop the experiments; none of them is driven by the fault of the experiment it stops. */
export interface StopConditionAlarms {
  /** Failed reader invocations (AWS/Lambda Errors): what callers see. Stops the pause and the delay. */
  readonly readerErrors: cloudwatch.Alarm;

  /** Reads whose strongly consistent primary read failed (`Fallbacks`, reason `primary_error_fallback`). */
  readonly primaryReadFailures: cloudwatch.Alarm;
}

/**
 * The replica region: the reader, the rerouter with its routing parameter, the experiments (pause of this replica,
 * delay and errors of this reader) with their stop conditions, and the dashboard.
 */
export class ReplicaStack extends Stack {
  /** The reader function's construct. */
  public readonly reader: StalenessAwareReader;

  /** The rerouter and its routing parameter. */
  public readonly rerouter: ReplicationRerouter;

  /** The FIS experiments. */
  public readonly chaos: FisChaosSuite;

  /** Pauses replication to this region's replica. */
  public readonly pauseExperiment: fis.CfnExperimentTemplate;

  /** Delays the reader's invocations. */
  public readonly delayExperiment: fis.CfnExperimentTemplate;

  /** Fails the reader's invocations. */
  public readonly errorExperiment: fis.CfnExperimentTemplate;

  /** The stop condition alarms. */
  public readonly stopConditions: StopConditionAlarms;

  /** The dashboard. */
  public readonly dashboard: ResilienceDashboard;

  constructor(scope: Construct, id: string, props: ReplicaStackProps) {
    super(scope, id, props);
    const { settings, table } = props;
    const region = settings.replicaRegion;

    this.rerouter = new ReplicationRerouter(this, 'Rerouter', { table });
    this.reader = new StalenessAwareReader(this, 'Reader', {
      table,
      routing: this.rerouter,
      readerName: settings.readerName,
      maxStaleness: settings.maxStaleness,
      timeout: settings.readerTimeout,
    });

    this.stopConditions = {
      readerErrors: new cloudwatch.Alarm(this, 'StopOnReaderErrors', {
        alarmName: `${settings.tableName}-${region}-stop-reader-errors`,
        alarmDescription: `Stops a chaos experiment: reader ${settings.readerName} invocations fail (what callers `
          + 'see). Neither a replication pause nor a startup delay shorter than the timeout makes them fail.',
        metric: this.reader.metricErrors({ period: Duration.minutes(1), statistic: cloudwatch.Stats.SUM }),
        threshold: settings.stopReaderErrorsPerMinute,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 2,
        datapointsToAlarm: 2,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      primaryReadFailures: new cloudwatch.Alarm(this, 'StopOnPrimaryReadFailures', {
        alarmName: `${settings.tableName}-${region}-stop-primary-read-failures`,
        alarmDescription: `Stops a chaos experiment: the primary region ${settings.primaryRegion} fails the reader's `
          + 'strongly consistent reads, so fallbacks are no longer safe. No experiment here touches the primary.',
        metric: this.reader.metricFallbacks(RoutingReason.PRIMARY_ERROR_FALLBACK, { period: Duration.minutes(1) }),
        threshold: settings.stopPrimaryReadFailuresPerMinute,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 2,
        datapointsToAlarm: 2,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    };

    this.chaos = new FisChaosSuite(this, 'Chaos', { lambdaFaults: true });
    // The pause drives fallbacks, detections and rerouting: it may stop only on what it cannot cause.
    this.pauseExperiment = this.chaos.addReplicationPause('PauseReplication', {
      table,
      replicaRegion: region,
      duration: settings.pauseDuration,
      stopConditionAlarms: [this.stopConditions.readerErrors, this.stopConditions.primaryReadFailures],
    });
    // The delay makes reads slow, not failed (the reader's timeout exceeds the delay).
    this.delayExperiment = this.chaos.addInvocationDelay('DelayReader', {
      functions: [this.reader.function],
      startupDelay: settings.startupDelay,
      duration: settings.delayDuration,
      stopConditionAlarms: [this.stopConditions.readerErrors, this.stopConditions.primaryReadFailures],
    });
    // The error experiment drives reader errors, so it never stops on them.
    this.errorExperiment = this.chaos.addInvocationError('FailReader', {
      functions: [this.reader.function],
      duration: settings.errorDuration,
      stopConditionAlarms: [this.stopConditions.primaryReadFailures],
    });

    this.dashboard = new ResilienceDashboard(this, 'Dashboard', {
      table,
      readers: [this.reader],
      rerouters: [this.rerouter],
      dashboardName: settings.dashboardName,
    });

    const outputs: Record<(typeof OUTPUT_NAMES)[number], string> = {
      TableName: settings.tableName,
      PrimaryRegion: settings.primaryRegion,
      ReplicaRegion: region,
      ReaderFunctionName: this.reader.function.functionName,
      RoutingParameterName: this.rerouter.parameterName,
      PauseExperimentTemplateId: this.pauseExperiment.ref,
      DelayExperimentTemplateId: this.delayExperiment.ref,
      ErrorExperimentTemplateId: this.errorExperiment.ref,
      DashboardName: this.dashboard.dashboardName,
    };
    for (const [name, value] of Object.entries(outputs)) {
      new CfnOutput(this, name, { value });
    }
  }
}

/** The two stacks of one deployment. */
export interface ExampleApp {
  readonly app: App;
  readonly settings: ExampleSettings;
  readonly primary: PrimaryStack;
  readonly replica: ReplicaStack;
}

/** Options of `buildApp`. */
export interface BuildAppOptions {
  /**
   * Whether to record the cdk-nag acknowledgements of `NAG_ACKNOWLEDGEMENTS` on their constructs.
   *
   * @default true
   */
  readonly acknowledge?: boolean;
}

/**
 * Adds both stacks to `app`, configured from its context. The replica stack depends on the primary stack, so
 * `cdk deploy --all` deploys the primary first.
 */
export function buildApp(app: App = new App(), options: BuildAppOptions = {}): ExampleApp {
  const settings = settingsFromContext(app.node);

  const primary = new PrimaryStack(app, 'Primary', {
    stackName: settings.primaryStackName,
    description: `Resilient global table ${settings.tableName}: the primary (write) region`,
    env: { account: settings.account, region: settings.primaryRegion },
    settings,
  });
  const replica = new ReplicaStack(app, 'Replica', {
    stackName: settings.replicaStackName,
    description: `Resilient global table ${settings.tableName}: reader, rerouter and experiments in `
      + settings.replicaRegion,
    env: { account: settings.account, region: settings.replicaRegion },
    settings,
    table: primary.table,
  });
  replica.addStackDependency(primary, 'the reader and rerouter use the table, lag alarm and lag topic of the primary');

  if (options.acknowledge ?? true) {
    acknowledge({ primary, replica }, settings, NAG_ACKNOWLEDGEMENTS);
  }

  return { app, settings, primary, replica };
}

/** Records each acknowledgement on the construct it names; a path that names nothing throws. */
function acknowledge(
  stacks: { primary: Stack; replica: Stack },
  settings: ExampleSettings,
  acknowledgements: readonly NagAcknowledgement[],
): void {
  for (const ack of acknowledgements) {
    const path = fillPlaceholders(ack.path, settings);
    const construct = path.split('/').reduce<IConstruct>((scope, id) => scope.node.findChild(id), stacks[ack.stack]);
    Validations.of(construct).acknowledge({ id: fillPlaceholders(ack.id, settings), reason: ack.reason });
  }
}
