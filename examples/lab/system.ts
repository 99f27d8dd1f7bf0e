/**
 * The system the lab runs, synthesized from the real constructs: a primary stack (the global table, heartbeat and
 * lag alarms) and a replica stack (reader, rerouter, detection alarm). The lab reads every alarm's settings and every
 * function's environment from these templates, so it runs what would deploy.
 *
 * Run by the lab (`npx projen lab`); not a separate entry point.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { ReplicationRerouter } from '../../src/replication-rerouter';
import { ResilientGlobalTable } from '../../src/resilient-global-table';
import { StalenessAwareReader, StalenessMode } from '../../src/staleness-aware-reader';

/** The lab's account id: any 12 digits work, nothing leaves the machine. */
export const LAB_ACCOUNT = '111111111111';

export interface LabSystemOptions {
  readonly tableName: string;
  readonly primaryRegion: string;
  readonly replicaRegion: string;
  readonly stalenessMode: StalenessMode;
  /** Synthesize the lag alarm's subscription (false: only the detection alarm drives routing). */
  readonly withLagAlarm: boolean;
}

/** What the lab takes from the synthesized templates. */
export interface LabSystem {
  readonly primaryTemplate: Record<string, any>;
  readonly replicaTemplate: Record<string, any>;
  readonly tableName: string;
  readonly parameterName: string;
  readonly lagAlarmName: string;
  readonly lagAlarmArn: string;
  readonly detectionAlarmName: string;
  readonly detectionAlarmArn: string;
  readonly partitionKey: string;
  readonly sortKey: string;
  readonly heartbeatEnv: Record<string, string>;
  readonly readerEnv: Record<string, string>;
  readonly rerouterEnv: Record<string, string>;
  readonly settings: {
    readonly maxStalenessMs: number;
    readonly routingMaxAgeMs: number;
    readonly breakerLeaseMs: number;
    readonly heartbeatIntervalMs: number;
    readonly watermarkMaxAgeMs: number;
    readonly holdDownMs: number;
    readonly detectionPeriodMs: number;
    readonly lagAlarmPeriodMs: number;
  };
}

/** Synthesizes the two stacks and extracts what the lab needs. */
export function synthesizeLabSystem(options: LabSystemOptions): LabSystem {
  const app = new App({ outdir: undefined });
  const primary = new Stack(app, 'LabPrimary', { env: { account: LAB_ACCOUNT, region: options.primaryRegion } });
  const replica = new Stack(app, 'LabReplica', { env: { account: LAB_ACCOUNT, region: options.replicaRegion } });

  const table = new ResilientGlobalTable(primary, 'Table', {
    tableName: options.tableName,
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
    replicaRegions: [options.replicaRegion],
  });
  const rerouter = new ReplicationRerouter(replica, 'Rerouter', { table });
  const reader = new StalenessAwareReader(replica, 'Reader', {
    table,
    routing: rerouter,
    stalenessMode: options.stalenessMode,
  });

  const assembly = app.synth();
  const primaryTemplate = assembly.getStackByName(primary.stackName).template;
  const replicaTemplate = assembly.getStackByName(replica.stackName).template;
  const detectionAlarmName = resourceProperty(replicaTemplate, 'AWS::CloudWatch::Alarm', (p) =>
    JSON.stringify(p.Metrics ?? p.MetricName ?? '').includes('StaleDetections'), 'AlarmName');
  const readerEnv = functionEnvironment(replicaTemplate, (env) => env.READER_NAME !== undefined);
  const settings = {
    maxStalenessMs: Number(readerEnv.MAX_STALENESS_MS),
    routingMaxAgeMs: Number(readerEnv.ROUTING_MAX_AGE_MS),
    breakerLeaseMs: Number(readerEnv.BREAKER_LEASE_MS),
    heartbeatIntervalMs: table.heartbeatInterval.toMilliseconds(),
    watermarkMaxAgeMs: Number(readerEnv.WATERMARK_MAX_AGE_MS),
    holdDownMs: alarmRangeMs(replicaTemplate, detectionAlarmName),
    detectionPeriodMs: alarmPeriodMs(replicaTemplate, detectionAlarmName),
    lagAlarmPeriodMs: alarmPeriodMs(primaryTemplate, table.lagAlarmName(options.replicaRegion)),
  };

  return {
    primaryTemplate,
    replicaTemplate,
    tableName: options.tableName,
    parameterName: rerouter.parameterName,
    lagAlarmName: table.lagAlarmName(options.replicaRegion),
    lagAlarmArn: `arn:aws:cloudwatch:${options.primaryRegion}:${LAB_ACCOUNT}:alarm:${table.lagAlarmName(options.replicaRegion)}`,
    detectionAlarmName,
    detectionAlarmArn: `arn:aws:cloudwatch:${options.replicaRegion}:${LAB_ACCOUNT}:alarm:${detectionAlarmName}`,
    partitionKey: 'pk',
    sortKey: 'sk',
    heartbeatEnv: functionEnvironment(primaryTemplate, (env) => env.HEARTBEAT_RUN_MS !== undefined),
    readerEnv,
    rerouterEnv: functionEnvironment(replicaTemplate, (env) => env.ROUTING_ALARM_ARNS !== undefined),
    settings: { ...settings, holdDownMs: settings.holdDownMs },
  };
  void reader;
  void Duration;
}

function resources(template: Record<string, any>, type: string): Array<Record<string, any>> {
  return Object.values(template.Resources ?? {})
    .filter((r: any) => r.Type === type)
    .map((r: any) => r.Properties ?? {});
}

function resourceProperty(template: Record<string, any>, type: string, match: (p: Record<string, any>) => boolean,
  property: string): string {
  const found = resources(template, type).find(match);
  if (!found || typeof found[property] !== 'string') {
    throw new Error(`lab: no ${type} with a literal ${property} matched in the synthesized template`);
  }

  return found[property];
}

/** A function's environment variables whose values are literals (tokens are left out: the lab sets its own). */
function functionEnvironment(template: Record<string, any>, match: (env: Record<string, unknown>) => boolean):
Record<string, string> {
  const fn = resources(template, 'AWS::Lambda::Function')
    .find((p) => match(p.Environment?.Variables ?? {}));
  if (!fn) {
    throw new Error('lab: a function the lab needs is missing from the synthesized template');
  }
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(fn.Environment.Variables as Record<string, unknown>)) {
    if (typeof value === 'string') {
      env[name] = value;
    }
  }

  return env;
}

function alarmByName(template: Record<string, any>, name: string): Record<string, any> {
  const alarm = resources(template, 'AWS::CloudWatch::Alarm').find((p) => p.AlarmName === name);
  if (!alarm) {
    throw new Error(`lab: alarm ${name} is missing from the synthesized template`);
  }

  return alarm;
}

function alarmPeriodMs(template: Record<string, any>, name: string): number {
  const alarm = alarmByName(template, name);
  const period = alarm.Period ?? (alarm.Metrics as Array<any> | undefined)
    ?.find((m) => m.MetricStat)?.MetricStat.Period;

  return Number(period) * 1000;
}

function alarmRangeMs(template: Record<string, any>, name: string): number {
  return alarmPeriodMs(template, name) * Number(alarmByName(template, name).EvaluationPeriods);
}
