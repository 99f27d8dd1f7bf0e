import { Annotations, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { HandlerFunctionOptions } from './handler-function-options';
import { handlerFunctionProps } from './private/function-settings';
import { DEFAULTS, DIMENSIONS, METRIC_NAMESPACE, METRICS, REROUTER_ENV } from './private/handler-contract';
import { ALARM_NAME_MAX_LENGTH, cloudWatchAlarmArn, fitName } from './private/names';
import {
  checkDurationBetween,
  checkDurationMultipleOf,
  checkFunctionSettings,
  checkIntegerBetween,
  checkLiteralAsciiName,
  describeDuration,
  FunctionSettings,
  requireConcreteRegion,
} from './private/validation';
import { ResilientGlobalTable } from './resilient-global-table';
import { IRoutingParameter, ReadLocation, RoutingParameter } from './routing-parameter';

/** What the rerouter does with an alarm's `INSUFFICIENT_DATA` state. */
export enum InsufficientDataPolicy {
  /** Keep that alarm's last known state (a fresh alarm counts as `OK`). */
  KEEP = 'keep',
  /** Treat it as `ALARM`: readers go to the primary while the alarm has no data. */
  ALARM = 'alarm',
  /** Treat it as `OK`. */
  OK = 'ok',
}

/** The value the routing parameter is created with: automatic routing, reading the replica. */
const ROUTING_PARAMETER_INITIAL_VALUE = 'replica';

/** The stale-detection alarm's default period. */
const DEFAULT_DETECTION_PERIOD = Duration.seconds(10);

/** Periods CloudWatch allows below one minute (high-resolution alarms). */
const HIGH_RESOLUTION_PERIODS_S = [10, 30];

/** The longest time an alarm may look back (evaluation periods times period). */
const MAX_ALARM_RANGE = Duration.days(1);

/** The longest reconcile interval. */
const MAX_RECONCILE_INTERVAL = Duration.days(1);

/** The rerouter function's timeout when `timeout` is unset. */
const DEFAULT_REROUTER_TIMEOUT = Duration.seconds(30);

/** The period of `RoutingChanges` unless overridden. */
const DEFAULT_ROUTING_CHANGES_PERIOD = Duration.minutes(1);

/** The most reserved concurrency the rerouter may have; more than 1 lets duplicate notifications race. */
const MAX_RESERVED_CONCURRENCY = 1000;

/**
 * Properties of a `ReplicationRerouter`. The function settings (`sdkTimeout`, `timeout`, `memorySize`,
 * `logRetention`, `architecture`) come from `HandlerFunctionOptions`; the rerouter's `timeout` defaults to
 * 30 seconds.
 */
export interface ReplicationRerouterProps extends HandlerFunctionOptions {
  /** The global table; the rerouter's stack must be in one of its replica regions. */
  readonly table: ResilientGlobalTable;

  /**
   * Name of the routing parameter, in this region. It is created with the value `replica` at the first deploy and
   * never overwritten or deleted by CloudFormation afterwards: a value (a pin included) survives a stack update, and
   * a stack delete and re-create.
   *
   * @default `/resilient-global-table/<tableName>/routing`
   */
  readonly parameterName?: string;

  /**
   * Physical name of the stale-detection alarm (1 to 255 characters).
   *
   * @default - the parameter name without its leading `/`, `/` replaced by `-`, followed by `-stale-detections`
   */
  readonly detectionAlarmName?: string;

  /**
   * Period of the stale-detection alarm: 10 seconds, 30 seconds or a whole number of minutes. Periods under a
   * minute make it a high-resolution alarm, which costs more (see the README).
   *
   * @default Duration.seconds(10)
   */
  readonly detectionAlarmPeriod?: Duration;

  /**
   * Periods with detections, within the evaluation periods, that put the stale-detection alarm in `ALARM`.
   *
   * @default 1
   */
  readonly detectionDatapointsToAlarm?: number;

  /**
   * Detections summed over the parameter's readers within one period that count as a breaching period.
   *
   * @default 1
   */
  readonly detectionThreshold?: number;

  /**
   * How long the stale-detection alarm stays in `ALARM` after the last detection, so the fleet does not flap:
   * the evaluation periods are `ceil(holdDown / detectionAlarmPeriod)`.
   *
   * @default Duration.seconds(35) (the readers' default breaker lease plus their routing cache age)
   */
  readonly holdDown?: Duration;

  /**
   * What the rerouter does with an alarm's `INSUFFICIENT_DATA` state.
   *
   * @default InsufficientDataPolicy.KEEP
   */
  readonly insufficientDataPolicy?: InsufficientDataPolicy;

  /**
   * Reserved concurrency of the rerouter. SNS may deliver a notification twice, as concurrent invocations, and
   * PutParameter has no conditional write, so more than 1 lets them race.
   *
   * @default 1
   */
  readonly reservedConcurrency?: number;

  /**
   * How often a scheduled reconcile reads the configured alarms' states and repairs the routing parameter
   * (whole minutes, 1 minute to 1 day).
   *
   * @default Duration.minutes(5)
   */
  readonly reconcileInterval?: Duration;
}

/**
 * Moves every reader of a table in one region between the replica and the primary. It owns the routing parameter
 * (in this region), the stale-detection alarm on the readers' `StaleDetections` summed over that parameter, the
 * alarm's encrypted topic, and the rerouter function, the parameter's only writer. The function hears the
 * stale-detection alarm and the table's lag alarm for this region (through the lag topic in the primary region),
 * and a scheduled reconcile. Failed invocations land in a dead-letter queue with an alarm.
 */
export class ReplicationRerouter extends Construct implements IRoutingParameter {
  /** The routing parameter's name. */
  public readonly parameterName: string;

  /** The routing parameter's exact ARN. */
  public readonly parameterArn: string;

  /** The rerouter function (handler `index.handler`, runtime Node.js 22). */
  public readonly function: lambda.Function;

  /** The execution role of the function. */
  public readonly role: iam.IRole;

  /** The alarm on the readers' detections summed over the routing parameter. */
  public readonly detectionAlarm: cloudwatch.Alarm;

  /** The topic the stale-detection alarm notifies (ALARM, OK and INSUFFICIENT_DATA), KMS-encrypted. */
  public readonly detectionTopic: sns.Topic;

  /**
   * The key that encrypts the detection topic (rotated yearly). It is destroyed with the stack, like the table's lag
   * topic key: it encrypts only the topic's messages, SNS keeps none once the topic is gone, and the dead-letter
   * queue uses its own SQS-managed key, so nothing it protects outlives the topic. KMS still waits its pending
   * window (30 days) before deleting it.
   */
  public readonly detectionTopicKey: kms.Key;

  /** Where failed invocations of the function (and undeliverable detection notifications) go. */
  public readonly deadLetterQueue: sqs.Queue;

  /** Alarm on messages in the dead-letter queue: a lost notification may leave readers on the primary. */
  public readonly deadLetterQueueAlarm: cloudwatch.Alarm;

  /** The schedule of the reconcile. */
  public readonly reconcileRule: events.Rule;

  /** The ARNs of the alarms the rerouter follows: the stale-detection alarm, then the table's lag alarm. */
  public readonly routingAlarmArns: string[];

  /** The region of the routing parameter and of the readers it steers. */
  public readonly region: string;

  private readonly detectionPeriod: Duration;

  constructor(scope: Construct, id: string, props: ReplicationRerouterProps) {
    super(scope, id);

    const region = requireConcreteRegion(this, 'ReplicationRerouter');
    const table = props.table;
    if (!table.replicaRegions.includes(region)) {
      throw new Error(`ReplicationRerouter must be in one of the replica regions of table ${table.tableName} `
        + `(${table.replicaRegions.join(', ')}), got a stack in region ${region}`);
    }
    const settings = rerouterSettings(props);
    if (settings.reservedConcurrency > 1) {
      Annotations.of(this).addWarningV2('resilient-global-table:rerouter-concurrency',
        `reservedConcurrency is ${settings.reservedConcurrency}: duplicate or reordered notifications may then be `
        + 'applied concurrently, and the last PutParameter wins (1 serializes them)');
    }
    this.region = region;
    this.detectionPeriod = settings.detectionPeriod;
    this.parameterName = settings.parameterName;
    this.parameterArn = RoutingParameter.arnOf(this, settings.parameterName);
    const detectionAlarmArn = cloudWatchAlarmArn(this, region, settings.detectionAlarmName);
    this.routingAlarmArns = [detectionAlarmArn, table.lagAlarmArn(region)];

    new cr.AwsCustomResource(this, 'CreateParameter', {
      resourceType: 'Custom::RoutingParameter',
      onCreate: {
        service: 'SSM',
        action: 'putParameter',
        parameters: {
          Name: this.parameterName,
          Value: ROUTING_PARAMETER_INITIAL_VALUE,
          Type: 'String',
          Overwrite: false,
        },
        physicalResourceId: cr.PhysicalResourceId.of(this.parameterName),
        ignoreErrorCodesMatching: 'ParameterAlreadyExists',
      },
      policy: cr.AwsCustomResourcePolicy.fromStatements([new iam.PolicyStatement({
        actions: ['ssm:PutParameter'],
        resources: [this.parameterArn],
      })]),
      installLatestAwsSdk: false,
    });

    this.detectionTopicKey = new kms.Key(this, 'DetectionTopicKey', {
      description: `Encrypts the stale-detection topic of ${this.parameterName}`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.detectionTopicKey.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowCloudWatchAlarmsToPublish',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
    }));
    this.detectionTopic = new sns.Topic(this, 'DetectionTopic', {
      masterKey: this.detectionTopicKey,
      enforceSSL: true,
    });
    this.detectionTopic.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowDetectionAlarmToPublish',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [this.detectionTopic.topicArn],
      conditions: {
        StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
        ArnLike: { 'aws:SourceArn': detectionAlarmArn },
      },
    }));

    this.detectionAlarm = new cloudwatch.Alarm(this, 'DetectionAlarm', {
      alarmName: settings.detectionAlarmName,
      alarmDescription: `Readers of ${this.parameterName} found the replica in ${region} behind the primary`,
      metric: this.metricStaleDetections(),
      threshold: settings.detectionThreshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: settings.evaluationPeriods,
      datapointsToAlarm: settings.datapointsToAlarm,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const notify = new cloudwatchActions.SnsAction(this.detectionTopic);
    this.detectionAlarm.addAlarmAction(notify);
    this.detectionAlarm.addOkAction(notify);
    this.detectionAlarm.addInsufficientDataAction(notify);

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.deadLetterQueueAlarm = new cloudwatch.Alarm(this, 'DeadLetterQueueAlarm', {
      alarmDescription: `Routing notifications for ${this.parameterName} were lost: `
        + 'readers may stay on the wrong region',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Rerouter of ${this.parameterName} in ${region}`,
    });
    const logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: settings.fn.logRetention,
    });
    this.function = new lambda.Function(this, 'Function', {
      description: `Routes the readers of ${this.parameterName} between the replica and the primary`,
      ...handlerFunctionProps('rerouter', settings.fn),
      reservedConcurrentExecutions: settings.reservedConcurrency,
      role: this.role,
      logGroup,
      deadLetterQueue: this.deadLetterQueue,
      environment: {
        [REROUTER_ENV.routingParameterName]: this.parameterName,
        [REROUTER_ENV.alarmArns]: Stack.of(this).toJsonString(this.routingAlarmArns),
        [REROUTER_ENV.insufficientDataPolicy]: props.insufficientDataPolicy ?? InsufficientDataPolicy.KEEP,
        [REROUTER_ENV.writeMaxAttempts]: String(DEFAULTS.rerouterWriteMaxAttempts),
        [REROUTER_ENV.writeBaseDelayMs]: String(DEFAULTS.rerouterWriteBaseDelayMs),
        [REROUTER_ENV.sdkTimeoutMs]: String(settings.sdkTimeoutMs),
        POWERTOOLS_SERVICE_NAME: 'resilient-global-table-rerouter',
        POWERTOOLS_METRICS_NAMESPACE: METRIC_NAMESPACE,
        LOG_LEVEL: 'INFO',
      },
    });

    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ReadAndWriteRoutingParameter',
      actions: ['ssm:GetParameter', 'ssm:PutParameter'],
      resources: [this.parameterArn],
    }));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'DescribeRoutingAlarms',
      actions: ['cloudwatch:DescribeAlarms'],
      resources: this.routingAlarmArns,
    }));
    logGroup.grantWrite(this.role);

    this.detectionTopic.addSubscription(new subscriptions.LambdaSubscription(this.function, {
      deadLetterQueue: this.deadLetterQueue,
    }));
    const lagTopic = sns.Topic.fromTopicArn(this, 'LagAlarmTopic', table.lagAlarmTopicArn(region));
    const lagDeadLetterQueue = sqs.Queue.fromQueueArn(this, 'LagAlarmDeadLetterQueue',
      table.lagAlarmDeadLetterQueueArn(region));
    lagTopic.addSubscription(new subscriptions.LambdaSubscription(this.function, {
      deadLetterQueue: lagDeadLetterQueue,
    }));

    this.reconcileRule = new events.Rule(this, 'ReconcileSchedule', {
      description: `Reconciles ${this.parameterName} with the states of its alarms`,
      schedule: events.Schedule.rate(settings.reconcileInterval),
      targets: [new targets.LambdaFunction(this.function)],
    });
  }

  /**
   * Lets `grantee` read the routing parameter: `ssm:GetParameter` on its exact ARN.
   *
   * @param grantee the principal to grant
   */
  public grantRead(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions: ['ssm:GetParameter'], resourceArns: [this.parameterArn] });
  }

  /**
   * Detections of all readers of this parameter (`StaleDetections`, dimension `Parameter`), which the
   * stale-detection alarm watches.
   *
   * @param props overrides
   * @default - Sum over the detection alarm period (10 seconds unless set)
   */
  public metricStaleDetections(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: METRIC_NAMESPACE,
      metricName: METRICS.staleDetections,
      statistic: cloudwatch.Stats.SUM,
      ...props,
      // After the spread: an override given as `period: undefined` keeps the default instead of erasing it.
      period: props?.period ?? this.detectionPeriod,
      dimensionsMap: { [DIMENSIONS.parameter]: this.parameterName, ...props?.dimensionsMap },
    });
  }

  /**
   * Writes of the routing parameter that changed the effective mode to `mode` (`RoutingChanges`, dimensions
   * `Parameter` and `Mode`).
   *
   * @param mode the mode the routing changed to
   * @param props overrides
   * @default - Sum over 1 minute
   */
  public metricRoutingChanges(mode: ReadLocation, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: METRIC_NAMESPACE,
      metricName: METRICS.routingChanges,
      statistic: cloudwatch.Stats.SUM,
      ...props,
      period: props?.period ?? DEFAULT_ROUTING_CHANGES_PERIOD,
      dimensionsMap: { [DIMENSIONS.parameter]: this.parameterName, [DIMENSIONS.mode]: mode, ...props?.dimensionsMap },
    });
  }

}

/** The checked settings of one rerouter. */
interface RerouterSettings {
  readonly parameterName: string;
  readonly detectionAlarmName: string;
  readonly detectionPeriod: Duration;
  readonly detectionThreshold: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly reservedConcurrency: number;
  readonly reconcileInterval: Duration;
  readonly sdkTimeoutMs: number;
  readonly fn: FunctionSettings;
}

function rerouterSettings(props: ReplicationRerouterProps): RerouterSettings {
  const parameterName = props.parameterName ?? RoutingParameter.defaultName(props.table.tableName);
  RoutingParameter.checkName('parameterName', parameterName);
  const detectionAlarmName = props.detectionAlarmName ?? defaultDetectionAlarmName(parameterName);
  checkLiteralAsciiName('detectionAlarmName', detectionAlarmName, ALARM_NAME_MAX_LENGTH,
    'the ARN of the alarm is built from it');

  const detectionPeriod = props.detectionAlarmPeriod ?? DEFAULT_DETECTION_PERIOD;
  const periodMs = checkDetectionPeriod(detectionPeriod);
  const holdDown = props.holdDown ?? Duration.millis(DEFAULTS.breakerLeaseMs + DEFAULTS.routingMaxAgeMs);
  const holdDownMs = checkDurationBetween('holdDown', holdDown, Duration.millis(1), MAX_ALARM_RANGE);
  const evaluationPeriods = Math.ceil((holdDownMs ?? 0) / periodMs);
  const datapointsToAlarm = props.detectionDatapointsToAlarm ?? 1;
  checkIntegerBetween('detectionDatapointsToAlarm', datapointsToAlarm, 1, Math.max(1, evaluationPeriods));
  if (evaluationPeriods * periodMs > MAX_ALARM_RANGE.toMilliseconds()) {
    throw new Error(`holdDown (${describeDuration(holdDown)}) must cover at most one day of detectionAlarmPeriod `
      + `(${describeDuration(detectionPeriod)}) periods, got ${evaluationPeriods} periods`);
  }
  const detectionThreshold = props.detectionThreshold ?? 1;
  checkPositiveNumber('detectionThreshold', detectionThreshold);

  const reservedConcurrency = props.reservedConcurrency ?? 1;
  checkIntegerBetween('reservedConcurrency', reservedConcurrency, 1, MAX_RESERVED_CONCURRENCY);
  const reconcileInterval = props.reconcileInterval ?? Duration.minutes(5);
  checkDurationBetween('reconcileInterval', reconcileInterval, Duration.minutes(1), MAX_RECONCILE_INTERVAL);
  checkDurationMultipleOf('reconcileInterval', reconcileInterval, Duration.minutes(1));
  const fn = checkFunctionSettings(props, DEFAULT_REROUTER_TIMEOUT);

  return {
    parameterName,
    detectionAlarmName,
    detectionPeriod,
    detectionThreshold,
    evaluationPeriods,
    datapointsToAlarm,
    reservedConcurrency,
    reconcileInterval,
    sdkTimeoutMs: fn.sdkTimeoutMs ?? DEFAULTS.sdkTimeoutMs,
    fn,
  };
}

function defaultDetectionAlarmName(parameterName: string): string {
  return fitName(`${parameterName.replace(/^\//, '').replace(/\//g, '-')}-stale-detections`, ALARM_NAME_MAX_LENGTH);
}

function checkDetectionPeriod(value: Duration): number {
  if (value.isUnresolved()) {
    throw new Error(`detectionAlarmPeriod must be a literal duration, got a token (${value})`);
  }
  const ms = value.toMilliseconds();
  const allowed = ms % 60_000 === 0 ? ms > 0 : HIGH_RESOLUTION_PERIODS_S.map((s) => s * 1000).includes(ms);
  if (!allowed || ms > MAX_ALARM_RANGE.toMilliseconds()) {
    throw new Error('detectionAlarmPeriod must be 10 seconds, 30 seconds or a whole number of minutes up to one day, '
      + `got ${describeDuration(value)}`);
  }

  return ms;
}

function checkPositiveNumber(prop: string, value: number): void {
  if (Token.isUnresolved(value)) {
    return;
  }
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(`${prop} must be a number greater than 0, got ${value}`);
  }
}
