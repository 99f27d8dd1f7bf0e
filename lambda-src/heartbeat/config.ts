/**
 * The heartbeat's settings, read from the environment the construct writes (HEARTBEAT_ENV in
 * src/private/handler-contract.ts).
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { DEFAULTS, HEARTBEAT_ENV } from '../../src/private/handler-contract';
import { integer, positiveInteger, requiredString } from '../shared/environment';
import { readHeartbeatKey, readKeySchema } from '../shared/key';

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

/** Reads the heartbeat's settings from `env`. */
export function readHeartbeatConfig(env: NodeJS.ProcessEnv): HeartbeatConfig {
  const schema = readKeySchema(env, HEARTBEAT_ENV);
  const key = readHeartbeatKey(env, schema, HEARTBEAT_ENV, DEFAULTS.heartbeatPartitionValue);
  const replicaRegions = requiredString(env, HEARTBEAT_ENV.replicaRegions)
    .split(',').map((region) => region.trim()).filter((region) => region !== '');
  const intervalMs = positiveInteger(env, HEARTBEAT_ENV.heartbeatIntervalMs, DEFAULTS.heartbeatIntervalMs);

  return {
    tableName: requiredString(env, HEARTBEAT_ENV.tableName),
    primaryRegion: requiredString(env, HEARTBEAT_ENV.primaryRegion),
    replicaRegions,
    key,
    intervalMs,
    runMs: integer(env, HEARTBEAT_ENV.runDurationMs, DEFAULTS.heartbeatRunMs),
    sdkTimeoutMs: integer(env, HEARTBEAT_ENV.sdkTimeoutMs, DEFAULTS.sdkTimeoutMs),
    sdkMaxAttempts: Math.max(1, integer(env, HEARTBEAT_ENV.sdkMaxAttempts, DEFAULTS.sdkMaxAttempts)),
  };
}
