/**
 * The heartbeat's settings, read from the environment the construct writes (HEARTBEAT_ENV in
 * src/private/handler-contract.ts).
 */
import { AttributeValue } from '@aws-sdk/client-dynamodb';
import { DEFAULTS, HEARTBEAT_ENV } from '../../src/private/handler-contract';
import { integer, oneOf, optionalString, requiredString } from '../shared/environment';
import { ConfigurationError } from '../shared/errors';

/** Key attribute types of DynamoDB. */
export type KeyType = 'S' | 'N' | 'B';

const KEY_TYPES: readonly KeyType[] = ['S', 'N', 'B'];

/** How long one scheduled run beats when the construct does not say (longer than its one-minute schedule). */
export const DEFAULT_HEARTBEAT_RUN_MS = 70_000;

/** Everything one heartbeat run needs to know. */
export interface HeartbeatConfig {
  readonly tableName: string;
  readonly primaryRegion: string;
  readonly replicaRegions: readonly string[];
  /** The heartbeat item's key, typed for DynamoDB. */
  readonly key: Record<string, AttributeValue>;
  readonly intervalMs: number;
  readonly runMs: number;
  readonly sdkTimeoutMs: number;
  readonly sdkMaxAttempts: number;
}

function keyValue(variable: string, value: string, type: KeyType): AttributeValue {
  switch (type) {
    case 'S':
      return { S: value };
    case 'N':
      if (value.trim() === '' || !Number.isFinite(Number(value))) {
        throw new ConfigurationError(`environment variable ${variable} must be a number for a key of type N, got ${JSON.stringify(value)}`);
      }

      return { N: value };
    case 'B':
      return { B: Buffer.from(value, 'utf8') };
  }
}

/** Reads the heartbeat's settings from `env`. */
export function readHeartbeatConfig(env: NodeJS.ProcessEnv): HeartbeatConfig {
  const partitionKey = requiredString(env, HEARTBEAT_ENV.partitionKey);
  const partitionKeyType = oneOf(env, HEARTBEAT_ENV.partitionKeyType, KEY_TYPES, 'S');
  const partitionValue = optionalString(env, HEARTBEAT_ENV.heartbeatPartitionValue) ?? DEFAULTS.heartbeatPartitionValue;
  const key: Record<string, AttributeValue> = {
    [partitionKey]: keyValue(HEARTBEAT_ENV.heartbeatPartitionValue, partitionValue, partitionKeyType),
  };
  const sortKey = optionalString(env, HEARTBEAT_ENV.sortKey);
  if (sortKey !== undefined) {
    const sortKeyType = oneOf(env, HEARTBEAT_ENV.sortKeyType, KEY_TYPES, 'S');
    const sortValue = optionalString(env, HEARTBEAT_ENV.heartbeatSortValue) ?? partitionValue;
    key[sortKey] = keyValue(HEARTBEAT_ENV.heartbeatSortValue, sortValue, sortKeyType);
  }
  const replicaRegions = requiredString(env, HEARTBEAT_ENV.replicaRegions)
    .split(',').map((region) => region.trim()).filter((region) => region !== '');
  const intervalMs = integer(env, HEARTBEAT_ENV.heartbeatIntervalMs, DEFAULTS.heartbeatIntervalMs);
  if (intervalMs < 1) {
    throw new ConfigurationError(`environment variable ${HEARTBEAT_ENV.heartbeatIntervalMs} must be at least 1, got ${intervalMs}`);
  }

  return {
    tableName: requiredString(env, HEARTBEAT_ENV.tableName),
    primaryRegion: requiredString(env, HEARTBEAT_ENV.primaryRegion),
    replicaRegions,
    key,
    intervalMs,
    runMs: integer(env, HEARTBEAT_ENV.runDurationMs, DEFAULT_HEARTBEAT_RUN_MS),
    sdkTimeoutMs: integer(env, HEARTBEAT_ENV.sdkTimeoutMs, DEFAULTS.sdkTimeoutMs),
    sdkMaxAttempts: Math.max(1, integer(env, HEARTBEAT_ENV.sdkMaxAttempts, DEFAULTS.sdkMaxAttempts)),
  };
}
