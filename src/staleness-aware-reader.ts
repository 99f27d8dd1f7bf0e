import { Annotations, Duration, Names, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { HandlerFunctionOptions } from './handler-function-options';
import { handlerFunctionProps } from './private/function-settings';
import { DEFAULTS, DIMENSIONS, METRIC_NAMESPACE, METRICS, READER_ENV } from './private/handler-contract';
import {
  checkDurationBetween,
  checkFunctionSettings,
  checkIntegerBetween,
  checkLiteralAsciiName,
  describeDuration,
  FunctionSettings,
  requireConcreteRegion,
} from './private/validation';
import { ResilientGlobalTable } from './resilient-global-table';
import { IRoutingParameter, ReadLocation } from './routing-parameter';

/** How the reader decides that a replica copy is stale. */
export enum StalenessMode {
  /**
   * Evidence: the caller's freshness token, the replica watermark (heartbeat), and a verification read of the
   * primary when an old item has no watermark. An old but unchanged item is served from the replica.
   */
  EVIDENCE = 'evidence',
  /**
   * The reference design's rule: an item older than `maxStaleness` counts as stale. Beware: a quiet item is old
   * without being stale, so this sends its reads to the primary and can escalate the whole fleet for nothing.
   */
  ITEM_AGE = 'item-age',
  /** No staleness checks at all: a negative control for experiments, never for production. */
  NONE = 'none',
}

/** Why a read was served the way it was (the `routingReason` of a result, the `Reason` of `Fallbacks`). */
export enum RoutingReason {
  /** Served from the replica. */
  REPLICA = 'replica',
  /** The routing parameter sends every reader to the primary. */
  ROUTING_PRIMARY = 'routing_primary',
  /** This container's breaker is open after a detection. */
  BREAKER_OPEN = 'breaker_open',
  /** The replica copy was older than the caller's freshness token. */
  TOKEN_FALLBACK = 'token_fallback',
  /** The replica was found behind by more than `maxStaleness`. */
  STALE_DATA = 'stale_data',
  /** The replica lacked the item. */
  REPLICA_MISS_FALLBACK = 'replica_miss_fallback',
  /** The replica read failed. */
  REPLICA_ERROR_FALLBACK = 'replica_error_fallback',
  /** The primary read failed and the replica answered (possibly stale). */
  PRIMARY_ERROR_FALLBACK = 'primary_error_fallback',
  /** A half-open breaker probed the replica. */
  PROBE = 'probe',
  /** The item was old and no watermark was available: one strongly consistent read of the primary decided. */
  VERIFICATION = 'verification',
}

/** Log levels of the handler (Powertools logger). */
const READER_LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'] as const;

/** The smallest staleness bound: the replication metrics and the heartbeat work in whole seconds. */
const MIN_MAX_STALENESS = Duration.seconds(1);

/** The largest duration any reader setting accepts. */
const MAX_READER_DURATION = Duration.hours(1);

/** The reader function's timeout when `timeout` is unset. */
const DEFAULT_READER_TIMEOUT = Duration.seconds(10);

/** The period of `Reads` and `Fallbacks` unless overridden. */
const DEFAULT_READER_METRIC_PERIOD = Duration.minutes(1);

/** The period of `StaleDetections` unless overridden (high resolution). */
const DEFAULT_DETECTION_METRIC_PERIOD = Duration.seconds(10);

/** The most attempts one SDK call of the reader may make. */
const READER_MAX_SDK_ATTEMPTS = 10;

/** SDK calls a single read can make one after another (routing, replica item, watermark, primary item). */
const SEQUENTIAL_SDK_CALLS = 4;

/**
 * Properties of a `StalenessAwareReader`. The function settings (`sdkTimeout`, `timeout`, `memorySize`,
 * `logRetention`, `architecture`) come from `HandlerFunctionOptions`; the reader's `timeout` defaults to 10 seconds.
 */
export interface StalenessAwareReaderProps extends HandlerFunctionOptions {
  /** The global table to read; the reader's stack must be in one of its replica regions. */
  readonly table: ResilientGlobalTable;

  /**
   * The routing parameter the reader follows, in the reader's region: a `ReplicationRerouter`, or
   * `RoutingParameter.fromParameterName(...)`.
   */
  readonly routing: IRoutingParameter;

  /**
   * The value of the `Reader` metric dimension and the reader's name in logs (1 to 255 characters).
   *
   * @default - a unique id derived from the construct path
   */
  readonly readerName?: string;

  /**
   * How far behind the primary a replica copy may be before it counts as stale (at least 1 second).
   *
   * @default Duration.seconds(10)
   */
  readonly maxStaleness?: Duration;

  /**
   * How long a container keeps the routing parameter's value before reading it again.
   *
   * @default Duration.seconds(5)
   */
  readonly routingCacheMaxAge?: Duration;

  /**
   * How long a container reads the primary after a detection before it probes the replica again.
   *
   * @default Duration.seconds(30)
   */
  readonly breakerLease?: Duration;

  /**
   * How staleness is decided.
   *
   * @default StalenessMode.EVIDENCE
   */
  readonly stalenessMode?: StalenessMode;

  /**
   * How long a container keeps the replica watermark (the heartbeat item) before reading it again.
   *
   * @default Duration.seconds(1)
   */
  readonly watermarkCacheMaxAge?: Duration;

  /**
   * Attempts of each SDK call, the first one included (1 to 10).
   *
   * @default 2
   */
  readonly sdkMaxAttempts?: number;

  /**
   * Log level of the handler: TRACE, DEBUG, INFO, WARN, ERROR, CRITICAL or SILENT. The handler filters its own
   * lines; the platform never does, so the metric (EMF) lines always reach CloudWatch.
   *
   * @default 'INFO'
   */
  readonly logLevel?: string;

  /**
   * Percentage of invocations that log at DEBUG regardless of `logLevel` (per-read lines are DEBUG), 0 to 100.
   *
   * @default 1
   */
  readonly debugLogSamplePercent?: number;
}

/**
 * A reader function that serves items from the replica in its own region, notices when that replica is behind,
 * answers from the primary then, and emits the `StaleDetections` metric that the `ReplicationRerouter`'s alarm
 * watches. Deploy it in a stack whose region is one of the table's replica regions.
 *
 * Its role may only read: `dynamodb:GetItem` on the replica table in its region and on the primary table (and their
 * indexes), `ssm:GetParameter` on the routing parameter, and writing to its own log group. It never writes the
 * routing parameter and publishes metrics through its logs (EMF).
 */
export class StalenessAwareReader extends Construct {
  /** The reader function (handler `index.handler`, runtime Node.js 22). */
  public readonly function: lambda.Function;

  /** The execution role of the function. */
  public readonly role: iam.IRole;

  /** The log group of the function. */
  public readonly logGroup: logs.LogGroup;

  /** The value of the `Reader` metric dimension. */
  public readonly readerName: string;

  /** The region whose replica the reader reads (its stack's region). */
  public readonly region: string;

  constructor(scope: Construct, id: string, props: StalenessAwareReaderProps) {
    super(scope, id);

    const region = requireConcreteRegion(this, 'StalenessAwareReader');
    checkReplicaRegion(region, props.table);
    checkRoutingRegion(region, props.routing);
    const settings = readerSettings(this, props);
    this.region = region;
    this.readerName = settings.readerName;

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Reader ${settings.readerName} of table ${props.table.tableName} in ${region}`,
    });
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: settings.fn.logRetention,
    });

    this.function = new lambda.Function(this, 'Function', {
      description: `Staleness-aware reader of table ${props.table.tableName} in ${region}`,
      ...handlerFunctionProps('reader', settings.fn),
      role: this.role,
      logGroup: this.logGroup,
      environment: readerEnvironment(props, settings),
    });

    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ReadReplicaAndPrimary',
      actions: ['dynamodb:GetItem'],
      resources: [region, props.table.primaryRegion].flatMap((r) => {
        const arn = props.table.tableArn(r);

        return [arn, `${arn}/index/*`];
      }),
    }));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ReadRoutingParameter',
      actions: ['ssm:GetParameter'],
      resources: [props.routing.parameterArn],
    }));
    this.logGroup.grantWrite(this.role);
  }

  /**
   * Reads served from one location (`Reads`, dimensions `Reader` and `ReadFrom`).
   *
   * @param readFrom where the reads were served from
   * @param props overrides
   * @default - Sum over 1 minute
   */
  public metricReads(readFrom: ReadLocation, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.readerMetric(METRICS.reads, { [DIMENSIONS.readFrom]: readFrom }, DEFAULT_READER_METRIC_PERIOD, props);
  }

  /**
   * Reads of this reader that found the replica behind by more than `maxStaleness` (`StaleDetections`, dimension
   * `Reader`; high resolution). The rerouter's alarm watches the same metric summed over the routing parameter.
   *
   * @param props overrides
   * @default - Sum over 10 seconds
   */
  public metricStaleDetections(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.readerMetric(METRICS.staleDetections, {}, DEFAULT_DETECTION_METRIC_PERIOD, props);
  }

  /**
   * Reads answered from the primary, or unchecked, for one reason (`Fallbacks`, dimensions `Reader` and `Reason`).
   *
   * @param reason the routing reason
   * @param props overrides
   * @default - Sum over 1 minute
   */
  public metricFallbacks(reason: RoutingReason, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.readerMetric(METRICS.fallbacks, { [DIMENSIONS.reason]: reason }, DEFAULT_READER_METRIC_PERIOD, props);
  }

  /**
   * Invocations of the reader function that failed (`AWS/Lambda` `Errors`).
   *
   * @param props overrides
   * @default - Sum over 5 minutes
   */
  public metricErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.function.metricErrors(props);
  }

  private readerMetric(
    metricName: string,
    dimensions: Record<string, string>,
    period: Duration,
    props?: cloudwatch.MetricOptions,
  ): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: METRIC_NAMESPACE,
      metricName,
      statistic: cloudwatch.Stats.SUM,
      ...props,
      // After the spread: an override given as `period: undefined` keeps the default instead of erasing it.
      period: props?.period ?? period,
      dimensionsMap: { [DIMENSIONS.reader]: this.readerName, ...dimensions, ...props?.dimensionsMap },
    });
  }
}

/** The checked settings of one reader, in the units the handler reads. */
interface ReaderSettings {
  readonly readerName: string;
  readonly maxStalenessMs: number;
  readonly routingMaxAgeMs: number;
  readonly breakerLeaseMs: number;
  readonly watermarkMaxAgeMs: number;
  readonly sdkTimeoutMs: number;
  readonly sdkMaxAttempts: number;
  readonly fn: FunctionSettings;
  readonly logLevel: string;
  readonly debugLogSamplePercent: number;
}

function checkReplicaRegion(region: string, table: ResilientGlobalTable): void {
  if (!table.replicaRegions.includes(region)) {
    throw new Error(`StalenessAwareReader must be in one of the replica regions of table ${table.tableName} `
      + `(${table.replicaRegions.join(', ')}), got a stack in region ${region}`
      + (region === table.primaryRegion ? ' (the primary region: read the table directly there)' : ''));
  }
}

function checkRoutingRegion(region: string, routing: IRoutingParameter): void {
  if (Token.isUnresolved(routing.parameterName)) {
    return;
  }
  const parameterRegion = routing.parameterArn.split(':')[3];
  if (parameterRegion !== undefined && !Token.isUnresolved(parameterRegion) && parameterRegion !== region) {
    throw new Error(`routing must be a parameter in the reader's region ${region}, got ${routing.parameterName} `
      + `in region ${parameterRegion}`);
  }
}

function readerSettings(scope: Construct, props: StalenessAwareReaderProps): ReaderSettings {
  const millisecond = Duration.millis(1);
  const maxStaleness = props.maxStaleness ?? Duration.millis(DEFAULTS.maxStalenessMs);
  const routingCacheMaxAge = props.routingCacheMaxAge ?? Duration.millis(DEFAULTS.routingMaxAgeMs);
  const watermarkCacheMaxAge = props.watermarkCacheMaxAge ?? Duration.millis(DEFAULTS.watermarkMaxAgeMs);
  const sdkMaxAttempts = props.sdkMaxAttempts ?? DEFAULTS.sdkMaxAttempts;
  const debugLogSamplePercent = props.debugLogSamplePercent ?? 1;
  const readerName = props.readerName ?? Names.uniqueId(scope);

  checkLiteralAsciiName('readerName', readerName, READER_NAME_MAX_LENGTH,
    'it names a metric dimension at synth time');
  const maxStalenessMs = checkDurationBetween('maxStaleness', maxStaleness, MIN_MAX_STALENESS, MAX_READER_DURATION);
  const routingMaxAgeMs = checkDurationBetween('routingCacheMaxAge', routingCacheMaxAge,
    millisecond, MAX_READER_DURATION);
  const breakerLease = props.breakerLease ?? Duration.millis(DEFAULTS.breakerLeaseMs);
  const breakerLeaseMs = checkDurationBetween('breakerLease', breakerLease, millisecond, MAX_READER_DURATION);
  const watermarkMaxAgeMs = checkDurationBetween('watermarkCacheMaxAge', watermarkCacheMaxAge,
    millisecond, MAX_READER_DURATION);
  const fn = checkFunctionSettings(props, DEFAULT_READER_TIMEOUT);
  const { sdkTimeoutMs, timeout, timeoutMs } = fn;
  checkIntegerBetween('sdkMaxAttempts', sdkMaxAttempts, 1, READER_MAX_SDK_ATTEMPTS);
  checkSamplePercent(debugLogSamplePercent);
  const logLevel = checkLogLevel(props.logLevel ?? 'INFO');

  if (routingMaxAgeMs !== undefined && watermarkMaxAgeMs !== undefined && maxStalenessMs !== undefined
    && routingMaxAgeMs + watermarkMaxAgeMs > maxStalenessMs) {
    Annotations.of(scope).addWarningV2('resilient-global-table:reader-cache-exceeds-staleness',
      `routingCacheMaxAge (${describeDuration(routingCacheMaxAge)}) plus watermarkCacheMaxAge `
      + `(${describeDuration(watermarkCacheMaxAge)}) exceed maxStaleness (${describeDuration(maxStaleness)}): `
      + 'a reader may serve a replica that is further behind than maxStaleness before it notices');
  }
  if (sdkTimeoutMs !== undefined && timeoutMs !== undefined
    && SEQUENTIAL_SDK_CALLS * sdkTimeoutMs * sdkMaxAttempts > timeoutMs) {
    Annotations.of(scope).addWarningV2('resilient-global-table:reader-sdk-budget-exceeds-timeout',
      `${SEQUENTIAL_SDK_CALLS} SDK calls in a row at sdkTimeout ${describeDuration(Duration.millis(sdkTimeoutMs))} `
      + `x sdkMaxAttempts ${sdkMaxAttempts} can outlast the function timeout (${describeDuration(timeout)})`);
  }

  return {
    readerName,
    maxStalenessMs: maxStalenessMs ?? DEFAULTS.maxStalenessMs,
    routingMaxAgeMs: routingMaxAgeMs ?? DEFAULTS.routingMaxAgeMs,
    breakerLeaseMs: breakerLeaseMs ?? DEFAULTS.breakerLeaseMs,
    watermarkMaxAgeMs: watermarkMaxAgeMs ?? DEFAULTS.watermarkMaxAgeMs,
    sdkTimeoutMs: sdkTimeoutMs ?? DEFAULTS.sdkTimeoutMs,
    sdkMaxAttempts,
    fn,
    logLevel,
    debugLogSamplePercent,
  };
}

/** CloudWatch dimension values have at most 1024 characters; reader names are kept far shorter. */
const READER_NAME_MAX_LENGTH = 255;

function checkSamplePercent(value: number): void {
  if (Token.isUnresolved(value)) {
    return;
  }
  if (!Number.isFinite(value) || value < 0 || value > 100) {
    throw new Error(`debugLogSamplePercent must be a number from 0 to 100, got ${value}`);
  }
}

function checkLogLevel(value: string): string {
  const level = value.toUpperCase();
  if (!(READER_LOG_LEVELS as readonly string[]).includes(level)) {
    throw new Error(`logLevel must be one of ${READER_LOG_LEVELS.join(', ')}, got ${JSON.stringify(value)}`);
  }

  return level;
}

function readerEnvironment(props: StalenessAwareReaderProps, settings: ReaderSettings): Record<string, string> {
  const table = props.table;
  const env: Record<string, string> = {
    [READER_ENV.tableName]: table.tableName,
    [READER_ENV.primaryRegion]: table.primaryRegion,
    [READER_ENV.partitionKey]: table.partitionKey.name,
    [READER_ENV.partitionKeyType]: table.partitionKey.type,
    [READER_ENV.routingParameterName]: props.routing.parameterName,
    [READER_ENV.readerName]: settings.readerName,
    [READER_ENV.maxStalenessMs]: String(settings.maxStalenessMs),
    [READER_ENV.routingMaxAgeMs]: String(settings.routingMaxAgeMs),
    [READER_ENV.breakerLeaseMs]: String(settings.breakerLeaseMs),
    [READER_ENV.stalenessMode]: props.stalenessMode ?? StalenessMode.EVIDENCE,
    [READER_ENV.watermarkMaxAgeMs]: String(settings.watermarkMaxAgeMs),
    [READER_ENV.sdkTimeoutMs]: String(settings.sdkTimeoutMs),
    [READER_ENV.sdkMaxAttempts]: String(settings.sdkMaxAttempts),
    POWERTOOLS_SERVICE_NAME: 'resilient-global-table-reader',
    POWERTOOLS_METRICS_NAMESPACE: METRIC_NAMESPACE,
    LOG_LEVEL: settings.logLevel,
    POWERTOOLS_LOGGER_SAMPLE_RATE: String(settings.debugLogSamplePercent / 100),
  };
  if (table.sortKey) {
    env[READER_ENV.sortKey] = table.sortKey.name;
    env[READER_ENV.sortKeyType] = table.sortKey.type;
  }
  if (table.heartbeatEnabled) {
    env[READER_ENV.heartbeatPartitionValue] = table.heartbeatPartitionValue;
    env[READER_ENV.heartbeatIntervalMs] = String(table.heartbeatInterval.toMilliseconds());
    if (table.heartbeatSortValue !== undefined) {
      env[READER_ENV.heartbeatSortValue] = table.heartbeatSortValue;
    }
  }

  return env;
}
