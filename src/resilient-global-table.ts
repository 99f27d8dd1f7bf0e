import { Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { HANDLER_ENTRY, handlerCode } from './private/assets';
import { DEFAULTS, DIMENSIONS, HEARTBEAT_ENV, METRIC_NAMESPACE, METRICS } from './private/handler-contract';
import * as names from './private/names';
import {
  checkDurationBetween,
  checkDurationMultipleOf,
  checkIntegerBetween,
  checkNonEmptyString,
  checkRegionName,
  checkTableName,
  requireConcreteRegion,
} from './private/validation';

/** The heartbeat function's timeout: longer than one run. */
const HEARTBEAT_TIMEOUT = Duration.seconds(90);

/** How often the heartbeat function is started. */
const HEARTBEAT_SCHEDULE = Duration.minutes(1);

/** The heartbeat function's memory. */
const HEARTBEAT_MEMORY_MB = 128;

/** Heartbeat interval bounds: at least 1 s, at most half the readers' default staleness bound. */
const HEARTBEAT_INTERVAL_MIN = Duration.seconds(1);
const HEARTBEAT_INTERVAL_MAX = Duration.millis(DEFAULTS.maxStalenessMs / 2);

/** Lag alarm bounds. */
const LAG_THRESHOLD_MIN = Duration.seconds(1);
const LAG_THRESHOLD_MAX = Duration.hours(1);
const LAG_PERIOD_UNIT = Duration.minutes(1);
const LAG_PERIOD_MAX = Duration.days(1);
const ALARM_EVALUATION_RANGE_MAX_SECONDS = 86_400;

/** Defaults of the lag alarm. */
const DEFAULT_LAG_THRESHOLD = Duration.seconds(5);
const DEFAULT_LAG_PERIOD = Duration.minutes(1);
const DEFAULT_LAG_EVALUATION_PERIODS = 2;

/** How long a failed lag notification stays in its dead-letter queue. */
const DEAD_LETTER_RETENTION = Duration.days(14);

/** The name of this construct in error messages. */
const CONSTRUCT_NAME = 'ResilientGlobalTable';

/**
 * The replication heartbeat: a small writer that puts one item in the primary table every interval. Each replica's
 * copy of it tells how far behind that replica is (the readers' watermark and the `ObservedReplicaLag` metric), and
 * its writes make `ReplicationLatency` flow even when the table is idle, so a paused replication shows as missing
 * latency.
 *
 * The heartbeat item lives in the table: it appears in DynamoDB streams, exports and backups, and consumers that scan
 * the table see it.
 */
export interface HeartbeatOptions {
  /**
   * Whether the heartbeat runs.
   *
   * @default true
   */
  readonly enabled?: boolean;

  /**
   * Time between two heartbeat writes. At least 1 second and at most half the readers' default staleness bound
   * (10 s), so a replica that falls behind by more than the bound is seen between two beats.
   *
   * @default Duration.seconds(2)
   */
  readonly interval?: Duration;

  /**
   * Partition key value of the heartbeat item. Must be a valid value of the partition key's type (a numeric string
   * for a Number key).
   *
   * @default '__rgt_heartbeat__'
   */
  readonly partitionValue?: string;

  /**
   * Sort key value of the heartbeat item; used only when the table has a sort key.
   *
   * @default - the partition value
   */
  readonly sortValue?: string;

  /**
   * How long the heartbeat function's logs are kept.
   *
   * @default logs.RetentionDays.TWO_WEEKS
   */
  readonly logRetention?: logs.RetentionDays;
}

/** Properties of a ResilientGlobalTable. */
export interface ResilientGlobalTableProps {
  /**
   * The table's physical name, the same in every region; other regions' stacks reference the table by this
   * literal. 3 to 255 characters of a-z, A-Z, 0-9, `_`, `-` and `.`.
   */
  readonly tableName: string;

  /** The partition key attribute. */
  readonly partitionKey: dynamodb.Attribute;

  /**
   * The sort key attribute.
   *
   * @default - no sort key
   */
  readonly sortKey?: dynamodb.Attribute;

  /**
   * The replica regions: at least one, none equal to the stack's region (the primary, which holds the table
   * itself). The stack must have a concrete region.
   */
  readonly replicaRegions: string[];

  /**
   * How reads and writes are billed.
   *
   * @default dynamodb.Billing.onDemand()
   */
  readonly billing?: dynamodb.Billing;

  /**
   * What happens to the table and its replicas when they leave the stack.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Whether point-in-time recovery is on for the table and its replicas.
   *
   * @default true
   */
  readonly pointInTimeRecovery?: boolean;

  /**
   * The replication heartbeat.
   *
   * @default - enabled, with the defaults of HeartbeatOptions
   */
  readonly heartbeat?: HeartbeatOptions;

  /**
   * Replication lag above which a replica region's lag alarm breaches (compared in milliseconds). From 1 second to
   * 1 hour.
   *
   * @default Duration.seconds(5)
   */
  readonly lagAlarmThreshold?: Duration;

  /**
   * Period of the lag alarms. A whole number of minutes (`ReplicationLatency` is a one-minute metric), at most
   * one day.
   *
   * @default Duration.minutes(1)
   */
  readonly lagAlarmPeriod?: Duration;

  /**
   * Number of periods a lag alarm evaluates. Period times evaluation periods may not exceed one day. With the
   * defaults a pause alarms about two to three minutes after it starts; each reader's own breaker covers that gap.
   *
   * @default 2
   */
  readonly lagAlarmEvaluationPeriods?: number;

  /**
   * Number of breaching periods within the evaluation periods that put a lag alarm in ALARM. Requiring more than
   * one tolerates a single late `ReplicationLatency` datapoint.
   *
   * @default - the number of evaluation periods
   */
  readonly lagAlarmDatapointsToAlarm?: number;

  /**
   * Actions of the alarms on the lag topics' dead-letter queues (a notification that could not be delivered to a
   * reader region's rerouter).
   *
   * @default - no actions; the alarms are reachable with `lagAlarmDeadLetterQueueAlarm(region)`
   */
  readonly deadLetterQueueAlarmActions?: cloudwatch.IAlarmAction[];
}

/** What one receiving region's lag alarm is made of. */
interface LagAlarmParts {
  readonly alarm: cloudwatch.Alarm;
  readonly topic: sns.Topic;
  readonly deadLetterQueue: sqs.Queue;
  readonly deadLetterQueueAlarm: cloudwatch.Alarm;
}

/**
 * A DynamoDB global table (TableV2) with replicas, written in one primary region (the stack's region) and read
 * anywhere. Besides the table it owns, in the primary region: grants that name the replica ARNs, the replication
 * heartbeat, the replication metrics, and one lag alarm per replica region with its SNS topic (KMS-encrypted) and
 * the dead-letter queue of that region's subscription.
 *
 * Precondition: every write goes to the primary region. Only then is a strongly consistent read in the primary the
 * latest version.
 *
 * The table, alarms, topics and queues have physical names, so stacks in other regions reference them by literal
 * ARNs (`tableArn`, `lagAlarmArn`, `lagAlarmTopicArn`, `lagAlarmDeadLetterQueueArn`) without cross-region imports.
 */
export class ResilientGlobalTable extends Construct {
  /** The underlying TableV2 (its own grants cover only the primary table). */
  public readonly table: dynamodb.TableV2;

  /** The table's physical name, the same in every region. */
  public readonly tableName: string;

  /** The primary region: the stack's region, where every write goes. */
  public readonly primaryRegion: string;

  /** The replica regions. */
  public readonly replicaRegions: string[];

  /** The partition key attribute. */
  public readonly partitionKey: dynamodb.Attribute;

  /** The sort key attribute, if the table has one. */
  public readonly sortKey?: dynamodb.Attribute;

  /** Whether the replication heartbeat runs. */
  public readonly heartbeatEnabled: boolean;

  /** Time between two heartbeat writes. */
  public readonly heartbeatInterval: Duration;

  /** Partition key value of the heartbeat item. */
  public readonly heartbeatPartitionValue: string;

  /** Sort key value of the heartbeat item, when the table has a sort key. */
  public readonly heartbeatSortValue?: string;

  /** The heartbeat function, when the heartbeat runs. */
  public readonly heartbeatFunction?: lambda.IFunction;

  /** The lag alarms' threshold. */
  public readonly lagAlarmThreshold: Duration;

  /** The lag alarms' period. */
  public readonly lagAlarmPeriod: Duration;

  /** The KMS key that encrypts the lag topics. */
  public readonly lagTopicKey: kms.IKey;

  private readonly lagAlarms = new Map<string, LagAlarmParts>();

  constructor(scope: Construct, id: string, props: ResilientGlobalTableProps) {
    super(scope, id);

    // Validate everything before any resource exists.
    const primaryRegion = requireConcreteRegion(this, CONSTRUCT_NAME);
    checkTableName('tableName', props.tableName);
    checkNonEmptyString('partitionKey.name', props.partitionKey.name);
    if (props.sortKey) {
      checkNonEmptyString('sortKey.name', props.sortKey.name);
    }
    validateReplicaRegions(props.replicaRegions, primaryRegion);
    const heartbeat = resolveHeartbeat(props.heartbeat ?? {}, props.partitionKey, props.sortKey);
    const thresholdMs = checkDurationBetween('lagAlarmThreshold', props.lagAlarmThreshold ?? DEFAULT_LAG_THRESHOLD,
      LAG_THRESHOLD_MIN, LAG_THRESHOLD_MAX) ?? DEFAULT_LAG_THRESHOLD.toMilliseconds();
    const period = props.lagAlarmPeriod ?? DEFAULT_LAG_PERIOD;
    checkDurationBetween('lagAlarmPeriod', period, LAG_PERIOD_UNIT, LAG_PERIOD_MAX);
    checkDurationMultipleOf('lagAlarmPeriod', period, LAG_PERIOD_UNIT);
    const evaluationPeriods = props.lagAlarmEvaluationPeriods ?? DEFAULT_LAG_EVALUATION_PERIODS;
    checkIntegerBetween('lagAlarmEvaluationPeriods', evaluationPeriods, 1,
      Math.floor(ALARM_EVALUATION_RANGE_MAX_SECONDS / period.toSeconds()));
    const datapointsToAlarm = props.lagAlarmDatapointsToAlarm ?? evaluationPeriods;
    checkIntegerBetween('lagAlarmDatapointsToAlarm', datapointsToAlarm, 1, evaluationPeriods);

    this.tableName = props.tableName;
    this.primaryRegion = primaryRegion;
    this.replicaRegions = [...props.replicaRegions];
    this.partitionKey = props.partitionKey;
    this.sortKey = props.sortKey;
    this.heartbeatEnabled = heartbeat.enabled;
    this.heartbeatInterval = heartbeat.interval;
    this.heartbeatPartitionValue = heartbeat.partitionValue;
    this.heartbeatSortValue = heartbeat.sortValue;
    this.lagAlarmThreshold = props.lagAlarmThreshold ?? DEFAULT_LAG_THRESHOLD;
    this.lagAlarmPeriod = period;

    // The table and its replicas.
    const pointInTimeRecoveryEnabled = props.pointInTimeRecovery ?? true;
    this.table = new dynamodb.TableV2(this, 'Table', {
      tableName: props.tableName,
      partitionKey: props.partitionKey,
      sortKey: props.sortKey,
      billing: props.billing ?? dynamodb.Billing.onDemand(),
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled },
      replicas: this.replicaRegions.map((region) => ({ region })),
    });

    // The heartbeat writer.
    if (heartbeat.enabled) {
      this.heartbeatFunction = this.createHeartbeat(heartbeat.logRetention);
    }

    // The lag alarms, one topic and one dead-letter queue per receiving region, all encrypted with one key.
    this.lagTopicKey = this.createLagTopicKey();
    for (const region of this.replicaRegions) {
      this.lagAlarms.set(region, this.createLagAlarm(region, {
        thresholdMs,
        period,
        evaluationPeriods,
        datapointsToAlarm,
        deadLetterQueueAlarmActions: props.deadLetterQueueAlarmActions ?? [],
      }));
    }
  }

  /**
   * The ARN of the table in one region, built from literals (the stack's partition and account pseudo values), so
   * any stack can use it without a cross-stack reference.
   *
   * @param region the primary region or one of the replica regions
   */
  public tableArn(region: string): string {
    this.requireTableRegion('region', region);

    return names.dynamoDbTableArn(this, region, this.tableName);
  }

  /**
   * Grants reading the replica table in one region and its indexes: `dynamodb:GetItem`, `dynamodb:BatchGetItem`,
   * `dynamodb:Query` and `dynamodb:DescribeTable` on `arn:<partition>:dynamodb:<region>:<account>:table/<name>` and
   * `.../index/*`. TableV2's own grants name only the primary table, so a reader in a replica region needs this.
   *
   * @param grantee the principal to grant
   * @param region the region whose table copy is read (a replica region, or the primary region)
   */
  public grantReplicaRead(grantee: iam.IGrantable, region: string): iam.Grant {
    const arn = this.tableArn(region);

    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:DescribeTable'],
      resourceArns: [arn, `${arn}/index/*`],
    });
  }

  /**
   * Grants the strongly consistent read of the primary table (the fallback read): `dynamodb:GetItem`,
   * `dynamodb:BatchGetItem` and `dynamodb:Query` on the primary region's table ARN and `.../index/*` (indexes are
   * listed for completeness; global secondary indexes do not serve consistent reads).
   *
   * @param grantee the principal to grant
   */
  public grantPrimaryConsistentRead(grantee: iam.IGrantable): iam.Grant {
    const arn = this.tableArn(this.primaryRegion);

    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'],
      resourceArns: [arn, `${arn}/index/*`],
    });
  }

  /**
   * DynamoDB's `ReplicationLatency` (namespace `AWS/DynamoDB`, dimensions `TableName` and `ReceivingRegion`,
   * milliseconds): the time an update in the primary takes to appear in the receiving region. It is emitted in the
   * source (primary) region, and only while writes replicate: an idle or paused table has no datapoints.
   *
   * @param receivingRegion one of the replica regions
   * @param props overrides; the default statistic is Maximum and the default period 1 minute
   */
  public metricReplicationLatency(receivingRegion: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    this.requireReplicaRegion('receivingRegion', receivingRegion);

    return new cloudwatch.Metric({
      namespace: 'AWS/DynamoDB',
      metricName: 'ReplicationLatency',
      dimensionsMap: { TableName: this.tableName, ReceivingRegion: receivingRegion },
      statistic: cloudwatch.Stats.MAXIMUM,
      ...props,
      period: props?.period ?? Duration.minutes(1),
      region: props?.region ?? this.primaryRegion,
    });
  }

  /**
   * The heartbeat's `ObservedReplicaLag` (namespace `ResilientGlobalTable`, dimensions `TableName` and
   * `ReceivingRegion`, milliseconds): how old the receiving region's copy of the heartbeat item is, measured by the
   * heartbeat function in the primary region. Present only while the heartbeat runs.
   *
   * @param receivingRegion one of the replica regions
   * @param props overrides; the default statistic is Maximum and the default period 1 minute
   */
  public metricObservedReplicaLag(receivingRegion: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    this.requireReplicaRegion('receivingRegion', receivingRegion);

    return new cloudwatch.Metric({
      namespace: METRIC_NAMESPACE,
      metricName: METRICS.observedReplicaLag,
      dimensionsMap: { [DIMENSIONS.tableName]: this.tableName, [DIMENSIONS.receivingRegion]: receivingRegion },
      statistic: cloudwatch.Stats.MAXIMUM,
      ...props,
      period: props?.period ?? Duration.minutes(1),
      region: props?.region ?? this.primaryRegion,
    });
  }

  /**
   * The heartbeat's `HeartbeatWrites` (namespace `ResilientGlobalTable`, dimension `TableName`, count): heartbeat
   * items written to the primary table. Present only while the heartbeat runs.
   *
   * @param props overrides; the default statistic is Sum and the default period 1 minute
   */
  public metricHeartbeatWrites(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: METRIC_NAMESPACE,
      metricName: METRICS.heartbeatWrites,
      dimensionsMap: { [DIMENSIONS.tableName]: this.tableName },
      statistic: cloudwatch.Stats.SUM,
      ...props,
      period: props?.period ?? Duration.minutes(1),
      region: props?.region ?? this.primaryRegion,
    });
  }

  /**
   * The lag alarm of one receiving region (in the primary region).
   *
   * With the heartbeat it is a metric-math alarm that breaches when the maximum `ReplicationLatency` or
   * `ObservedReplicaLag` of a period exceeds the threshold, or when heartbeat writes were made in a period but no
   * `ReplicationLatency` arrived (replication paused). A stalled heartbeat writer (no writes, no latency) alarms
   * nothing. Without the heartbeat it is a plain alarm on `ReplicationLatency`, and an idle or paused table looks
   * the same (missing data, not breaching): a pause may then go unseen by this alarm.
   *
   * Missing data is not breaching. Every state (ALARM, OK, INSUFFICIENT_DATA) notifies the region's lag topic.
   *
   * @param receivingRegion one of the replica regions
   */
  public lagAlarm(receivingRegion: string): cloudwatch.IAlarm {
    return this.lagAlarmParts(receivingRegion).alarm;
  }

  /**
   * The physical name of one receiving region's lag alarm, `<tableName>-replication-lag-<region>`.
   *
   * @param receivingRegion one of the replica regions
   */
  public lagAlarmName(receivingRegion: string): string {
    this.requireReplicaRegion('receivingRegion', receivingRegion);

    return names.lagAlarmName(this.tableName, receivingRegion);
  }

  /**
   * The ARN of one receiving region's lag alarm, `arn:<partition>:cloudwatch:<primary>:<account>:alarm:<name>`,
   * built from literals.
   *
   * @param receivingRegion one of the replica regions
   */
  public lagAlarmArn(receivingRegion: string): string {
    return names.cloudWatchAlarmArn(this, this.primaryRegion, this.lagAlarmName(receivingRegion));
  }

  /**
   * The lag topic of one receiving region (in the primary region). A rerouter in that region subscribes to it by
   * `lagAlarmTopicArn`.
   *
   * @param receivingRegion one of the replica regions
   */
  public lagAlarmTopic(receivingRegion: string): sns.ITopic {
    return this.lagAlarmParts(receivingRegion).topic;
  }

  /**
   * The ARN of one receiving region's lag topic, `arn:<partition>:sns:<primary>:<account>:<name>`, built from
   * literals.
   *
   * @param receivingRegion one of the replica regions
   */
  public lagAlarmTopicArn(receivingRegion: string): string {
    this.requireReplicaRegion('receivingRegion', receivingRegion);

    return names.snsTopicArn(this, this.primaryRegion, names.lagTopicName(this.tableName, receivingRegion));
  }

  /**
   * The dead-letter queue for the receiving region's subscription to its lag topic (SQS, in the primary region,
   * SSE-SQS encrypted, TLS only; the topic may send to it).
   *
   * @param receivingRegion one of the replica regions
   */
  public lagAlarmDeadLetterQueue(receivingRegion: string): sqs.IQueue {
    return this.lagAlarmParts(receivingRegion).deadLetterQueue;
  }

  /**
   * The ARN of the receiving region's subscription dead-letter queue, `arn:<partition>:sqs:<primary>:<account>:<name>`,
   * built from literals.
   *
   * @param receivingRegion one of the replica regions
   */
  public lagAlarmDeadLetterQueueArn(receivingRegion: string): string {
    this.requireReplicaRegion('receivingRegion', receivingRegion);

    return names.sqsQueueArn(this, this.primaryRegion, names.lagDeadLetterQueueName(this.tableName, receivingRegion));
  }

  /**
   * The alarm on the receiving region's subscription dead-letter queue: `ApproximateNumberOfMessagesVisible`
   * Maximum >= 1 over 1 minute, missing data not breaching. Its actions are `deadLetterQueueAlarmActions`.
   *
   * @param receivingRegion one of the replica regions
   */
  public lagAlarmDeadLetterQueueAlarm(receivingRegion: string): cloudwatch.IAlarm {
    return this.lagAlarmParts(receivingRegion).deadLetterQueueAlarm;
  }

  private lagAlarmParts(receivingRegion: string): LagAlarmParts {
    this.requireReplicaRegion('receivingRegion', receivingRegion);

    return this.lagAlarms.get(receivingRegion)!;
  }

  private requireReplicaRegion(prop: string, region: string): void {
    if (!this.replicaRegions.includes(region)) {
      throw new Error(`${prop} must be one of the replica regions of table '${this.tableName}' `
        + `(${this.replicaRegions.join(', ')}), got ${JSON.stringify(region)}`);
    }
  }

  private requireTableRegion(prop: string, region: string): void {
    if (region !== this.primaryRegion && !this.replicaRegions.includes(region)) {
      throw new Error(`${prop} must be the primary region or a replica region of table '${this.tableName}' `
        + `(${[this.primaryRegion, ...this.replicaRegions].join(', ')}), got ${JSON.stringify(region)}`);
    }
  }

  private createHeartbeat(logRetention: logs.RetentionDays): lambda.Function {
    const logGroup = new logs.LogGroup(this, 'HeartbeatLogs', {
      retention: logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(this, 'HeartbeatRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Writes the replication heartbeat of table ${this.tableName} and reads its replicas' copies`,
    });
    const onlyHeartbeatItem = {
      'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [this.heartbeatPartitionValue] },
    };
    role.addToPolicy(new iam.PolicyStatement({
      actions: ['dynamodb:PutItem'],
      resources: [this.tableArn(this.primaryRegion)],
      conditions: onlyHeartbeatItem,
    }));
    role.addToPolicy(new iam.PolicyStatement({
      actions: ['dynamodb:GetItem'],
      resources: this.replicaRegions.map((region) => this.tableArn(region)),
      conditions: onlyHeartbeatItem,
    }));
    role.addToPolicy(new iam.PolicyStatement({
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [logGroup.logGroupArn],
    }));

    const environment: Record<string, string> = {
      [HEARTBEAT_ENV.tableName]: this.tableName,
      [HEARTBEAT_ENV.primaryRegion]: this.primaryRegion,
      [HEARTBEAT_ENV.replicaRegions]: this.replicaRegions.join(','),
      [HEARTBEAT_ENV.partitionKey]: this.partitionKey.name,
      [HEARTBEAT_ENV.partitionKeyType]: this.partitionKey.type,
      [HEARTBEAT_ENV.heartbeatPartitionValue]: this.heartbeatPartitionValue,
      [HEARTBEAT_ENV.heartbeatIntervalMs]: String(this.heartbeatInterval.toMilliseconds()),
      [HEARTBEAT_ENV.runDurationMs]: String(DEFAULTS.heartbeatRunMs),
      [HEARTBEAT_ENV.sdkTimeoutMs]: String(DEFAULTS.sdkTimeoutMs),
      [HEARTBEAT_ENV.sdkMaxAttempts]: String(DEFAULTS.sdkMaxAttempts),
    };
    if (this.sortKey && this.heartbeatSortValue !== undefined) {
      environment[HEARTBEAT_ENV.sortKey] = this.sortKey.name;
      environment[HEARTBEAT_ENV.sortKeyType] = this.sortKey.type;
      environment[HEARTBEAT_ENV.heartbeatSortValue] = this.heartbeatSortValue;
    }

    const fn = new lambda.Function(this, 'Heartbeat', {
      description: `Replication heartbeat: one write every ${this.heartbeatInterval.toMilliseconds()} ms, `
        + `${DEFAULTS.heartbeatRunMs} ms per run`,
      code: handlerCode('heartbeat'),
      handler: HANDLER_ENTRY,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: HEARTBEAT_MEMORY_MB,
      timeout: HEARTBEAT_TIMEOUT,
      retryAttempts: 0,
      role,
      logGroup,
      environment,
    });
    fn.node.addDependency(role);

    new events.Rule(this, 'HeartbeatSchedule', {
      description: `Starts the replication heartbeat of table ${this.tableName} every minute (runs overlap)`,
      schedule: events.Schedule.rate(HEARTBEAT_SCHEDULE),
      targets: [new eventsTargets.LambdaFunction(fn, { retryAttempts: 2, maxEventAge: Duration.minutes(1) })],
    });

    return fn;
  }

  private createLagTopicKey(): kms.Key {
    const key = new kms.Key(this, 'LagTopicKey', {
      description: `Encrypts the replication lag topics of table ${this.tableName}`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    key.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowCloudWatchAlarmsToUseTheKey',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
    }));

    return key;
  }

  private createLagAlarm(region: string, settings: LagAlarmSettings): LagAlarmParts {
    const account = Stack.of(this).account;
    const alarmName = this.lagAlarmName(region);
    const alarmArn = this.lagAlarmArn(region);

    const topic = new sns.Topic(this, `LagTopic-${region}`, {
      topicName: names.lagTopicName(this.tableName, region),
      displayName: `Replication lag to ${region}`,
      masterKey: this.lagTopicKey,
      enforceSSL: true,
    });
    topic.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowCloudWatchAlarmToPublish',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: {
        StringEquals: { 'aws:SourceAccount': account },
        ArnLike: { 'aws:SourceArn': alarmArn },
      },
    }));
    topic.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowAccountToSubscribe',
      principals: [new iam.AccountRootPrincipal()],
      actions: ['sns:Subscribe'],
      resources: [topic.topicArn],
    }));

    const deadLetterQueue = new sqs.Queue(this, `LagDeadLetterQueue-${region}`, {
      queueName: names.lagDeadLetterQueueName(this.tableName, region),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: DEAD_LETTER_RETENTION,
    });
    deadLetterQueue.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowLagTopicToDeadLetter',
      principals: [new iam.ServicePrincipal('sns.amazonaws.com')],
      actions: ['sqs:SendMessage'],
      resources: [deadLetterQueue.queueArn],
      conditions: { ArnEquals: { 'aws:SourceArn': topic.topicArn } },
    }));
    const deadLetterQueueAlarm = new cloudwatch.Alarm(this, `LagDeadLetterQueueAlarm-${region}`, {
      alarmDescription: `Lag notifications of table ${this.tableName} for ${region} could not be delivered`,
      metric: deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        statistic: cloudwatch.Stats.MAXIMUM,
        period: Duration.minutes(1),
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    deadLetterQueueAlarm.addAlarmAction(...settings.deadLetterQueueAlarmActions);

    const alarm = new cloudwatch.Alarm(this, `LagAlarm-${region}`, {
      alarmName,
      alarmDescription: `Replication of table ${this.tableName} from ${this.primaryRegion} to ${region} lags by more `
        + `than ${settings.thresholdMs} ms${this.heartbeatEnabled ? ', or heartbeat writes are not replicating' : ''}`,
      metric: this.lagAlarmMetric(region, settings),
      threshold: settings.thresholdMs,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: settings.evaluationPeriods,
      datapointsToAlarm: settings.datapointsToAlarm,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const action = new cloudwatchActions.SnsAction(topic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    alarm.addInsufficientDataAction(action);

    return { alarm, topic, deadLetterQueue, deadLetterQueueAlarm };
  }

  private lagAlarmMetric(region: string, settings: LagAlarmSettings): cloudwatch.IMetric {
    const latency = this.metricReplicationLatency(region, { period: settings.period });
    if (!this.heartbeatEnabled) {
      return latency;
    }

    return new cloudwatch.MathExpression({
      expression: lagExpression(settings.thresholdMs),
      usingMetrics: {
        m_lat: latency,
        m_hb: this.metricHeartbeatWrites({ period: settings.period }),
        m_obs: this.metricObservedReplicaLag(region, { period: settings.period }),
      },
      period: settings.period,
      label: `Replication lag to ${region} (ms; threshold + 1 when heartbeats do not replicate)`,
    });
  }
}

/** Settings of the lag alarms, after validation. */
interface LagAlarmSettings {
  readonly thresholdMs: number;
  readonly period: Duration;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly deadLetterQueueAlarmActions: cloudwatch.IAlarmAction[];
}

/**
 * The lag alarm's expression: threshold + 1 when heartbeat writes were made but no `ReplicationLatency` arrived
 * (m_lat missing, filled with -1), else the larger of the latency and the observed lag (missing counts as 0).
 */
function lagExpression(thresholdMs: number): string {
  return `IF(FILL(m_hb, 0) > 0 AND FILL(m_lat, -1) < 0, ${thresholdMs + 1}, MAX([FILL(m_lat, 0), FILL(m_obs, 0)]))`;
}

/** The heartbeat options after defaults and validation. */
interface ResolvedHeartbeat {
  readonly enabled: boolean;
  readonly interval: Duration;
  readonly partitionValue: string;
  readonly sortValue?: string;
  readonly logRetention: logs.RetentionDays;
}

function validateReplicaRegions(replicaRegions: string[], primaryRegion: string): void {
  if (replicaRegions.length === 0) {
    throw new Error('replicaRegions must list at least one region other than the primary region '
      + `${primaryRegion}, got []`);
  }
  const seen = new Set<string>();
  for (const [index, region] of replicaRegions.entries()) {
    checkRegionName(`replicaRegions[${index}]`, region);
    if (region === primaryRegion) {
      throw new Error(`replicaRegions[${index}] is ${region}, the primary region (the stack's region, which holds `
        + 'the table itself); list only the other regions');
    }
    if (seen.has(region)) {
      throw new Error(`replicaRegions[${index}] repeats ${region}; list each region once, got `
        + JSON.stringify(replicaRegions));
    }
    seen.add(region);
  }
}

function resolveHeartbeat(
  options: HeartbeatOptions,
  partitionKey: dynamodb.Attribute,
  sortKey: dynamodb.Attribute | undefined,
): ResolvedHeartbeat {
  const enabled = options.enabled ?? true;
  const interval = options.interval ?? Duration.millis(DEFAULTS.heartbeatIntervalMs);
  const partitionValue = options.partitionValue ?? DEFAULTS.heartbeatPartitionValue;
  const sortValue = sortKey ? options.sortValue ?? partitionValue : undefined;
  const logRetention = options.logRetention ?? logs.RetentionDays.TWO_WEEKS;
  if (!enabled) {
    return { enabled, interval, partitionValue, sortValue, logRetention };
  }

  if (interval.isUnresolved()) {
    throw new Error(`heartbeat.interval must be a literal duration, got ${interval.toString()}`);
  }
  checkDurationBetween('heartbeat.interval', interval, HEARTBEAT_INTERVAL_MIN, HEARTBEAT_INTERVAL_MAX);
  checkKeyValue('heartbeat.partitionValue', partitionValue, partitionKey);
  if (sortKey && sortValue !== undefined) {
    checkKeyValue('heartbeat.sortValue', sortValue, sortKey);
  }

  return { enabled, interval, partitionValue, sortValue, logRetention };
}

/** The heartbeat item's key values must fit the key's type; Binary keys are not supported by the heartbeat. */
function checkKeyValue(prop: string, value: string, key: dynamodb.Attribute): void {
  if (Token.isUnresolved(value)) {
    throw new Error(`${prop} must be a literal value, got a token (${value})`);
  }
  checkNonEmptyString(prop, value);
  if (key.type === dynamodb.AttributeType.NUMBER && !Number.isFinite(Number(value))) {
    throw new Error(`${prop} must be a numeric string because key '${key.name}' is a Number, `
      + `got ${JSON.stringify(value)}`);
  }
  if (key.type === dynamodb.AttributeType.BINARY) {
    throw new Error(`${prop}: the heartbeat supports String and Number keys, and key '${key.name}' is Binary; `
      + 'set heartbeat.enabled to false');
  }
}
