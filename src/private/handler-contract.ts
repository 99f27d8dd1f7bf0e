/**
 * The contract between the constructs (src/) and the handlers (lambda-src/): environment variable names, the
 * metric vocabulary and the defaults both sides rely on. lambda-src imports this file by relative path, so a
 * name is written once. It is private: nothing here is part of the jsii API.
 */

/** CloudWatch namespace of every metric the library emits. */
export const METRIC_NAMESPACE = 'ResilientGlobalTable';

/** Metric names (see DESIGN.md, Metrics). */
export const METRICS = {
  reads: 'Reads',
  staleDetections: 'StaleDetections',
  fallbacks: 'Fallbacks',
  observedReplicaLag: 'ObservedReplicaLag',
  heartbeatWrites: 'HeartbeatWrites',
  routingChanges: 'RoutingChanges',
} as const;

/** Dimension names. */
export const DIMENSIONS = {
  reader: 'Reader',
  readFrom: 'ReadFrom',
  reason: 'Reason',
  parameter: 'Parameter',
  tableName: 'TableName',
  receivingRegion: 'ReceivingRegion',
  mode: 'Mode',
} as const;

/** The item convention. */
export const ITEM = {
  writtenAt: 'written_at',
  version: 'version',
} as const;

/** Defaults shared by the constructs and the handlers (milliseconds unless the name says otherwise). */
export const DEFAULTS = {
  maxStalenessMs: 10_000,
  routingMaxAgeMs: 5_000,
  breakerLeaseMs: 30_000,
  heartbeatIntervalMs: 2_000,
  watermarkMaxAgeMs: 1_000,
  sdkTimeoutMs: 1_000,
  sdkMaxAttempts: 2,
  heartbeatPartitionValue: '__rgt_heartbeat__',
  rerouterWriteMaxAttempts: 6,
  rerouterWriteBaseDelayMs: 100,
  /** How long one scheduled heartbeat run keeps beating: longer than its 1-minute schedule, so runs overlap. */
  heartbeatRunMs: 70_000,
} as const;

/** Staleness evidence modes of the reader. `none` turns staleness checks off (a negative control only). */
export const STALENESS_MODES = ['evidence', 'item-age', 'none'] as const;

/** Policies for an alarm's INSUFFICIENT_DATA state in the rerouter. */
export const INSUFFICIENT_DATA_POLICIES = ['keep', 'alarm', 'ok'] as const;

/** Environment of the reader function. Optional variables fall back to DEFAULTS. */
export const READER_ENV = {
  tableName: 'TABLE_NAME',
  primaryRegion: 'PRIMARY_REGION',
  partitionKey: 'PARTITION_KEY',
  partitionKeyType: 'PARTITION_KEY_TYPE', // S | N | B
  sortKey: 'SORT_KEY', // optional
  sortKeyType: 'SORT_KEY_TYPE', // optional
  routingParameterName: 'ROUTING_PARAMETER_NAME',
  readerName: 'READER_NAME', // the `Reader` metric dimension
  maxStalenessMs: 'MAX_STALENESS_MS',
  routingMaxAgeMs: 'ROUTING_MAX_AGE_MS',
  breakerLeaseMs: 'BREAKER_LEASE_MS',
  stalenessMode: 'STALENESS_MODE', // one of STALENESS_MODES
  heartbeatPartitionValue: 'HEARTBEAT_PARTITION_VALUE', // absent: no heartbeat, no watermark
  heartbeatSortValue: 'HEARTBEAT_SORT_VALUE', // when the table has a sort key
  heartbeatIntervalMs: 'HEARTBEAT_INTERVAL_MS',
  watermarkMaxAgeMs: 'WATERMARK_MAX_AGE_MS',
  sdkTimeoutMs: 'SDK_TIMEOUT_MS',
  sdkMaxAttempts: 'SDK_MAX_ATTEMPTS',
} as const;

/** Environment of the heartbeat function. */
export const HEARTBEAT_ENV = {
  tableName: 'TABLE_NAME',
  primaryRegion: 'PRIMARY_REGION',
  replicaRegions: 'REPLICA_REGIONS', // comma separated
  partitionKey: 'PARTITION_KEY',
  partitionKeyType: 'PARTITION_KEY_TYPE',
  sortKey: 'SORT_KEY',
  sortKeyType: 'SORT_KEY_TYPE',
  heartbeatPartitionValue: 'HEARTBEAT_PARTITION_VALUE',
  heartbeatSortValue: 'HEARTBEAT_SORT_VALUE',
  heartbeatIntervalMs: 'HEARTBEAT_INTERVAL_MS',
  runDurationMs: 'HEARTBEAT_RUN_MS', // how long one scheduled invocation keeps beating
  sdkTimeoutMs: 'SDK_TIMEOUT_MS',
  sdkMaxAttempts: 'SDK_MAX_ATTEMPTS',
} as const;

/** Environment of the rerouter function. */
export const REROUTER_ENV = {
  routingParameterName: 'ROUTING_PARAMETER_NAME',
  alarmArns: 'ROUTING_ALARM_ARNS', // JSON array of the configured alarm ARNs
  insufficientDataPolicy: 'INSUFFICIENT_DATA_POLICY', // one of INSUFFICIENT_DATA_POLICIES
  writeMaxAttempts: 'WRITE_MAX_ATTEMPTS',
  writeBaseDelayMs: 'WRITE_BASE_DELAY_MS',
  sdkTimeoutMs: 'SDK_TIMEOUT_MS',
} as const;
