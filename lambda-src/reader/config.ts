/**
 * The reader's settings, read once per container from the environment the construct writes (names and defaults in
 * src/private/handler-contract.ts).
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { DEFAULTS, READER_ENV, STALENESS_MODES } from '../../src/private/handler-contract';
import { integer, oneOf, optionalString, requiredString } from '../shared/environment';
import { type KeySchema, readHeartbeatKey, readKeySchema } from '../shared/key';
import type { StalenessMode } from '../shared/staleness';

/** Everything the reader needs from its environment. */
export interface ReaderConfig {
  readonly tableName: string;
  /** The reader's own region (the replica it reads). */
  readonly region: string;
  readonly primaryRegion: string;
  readonly keySchema: KeySchema;
  readonly routingParameterName: string;
  readonly readerName: string;
  readonly maxStalenessMs: number;
  readonly routingMaxAgeMs: number;
  readonly breakerLeaseMs: number;
  readonly mode: StalenessMode;
  /** The heartbeat item's key, when the heartbeat is enabled. */
  readonly heartbeatKey?: Record<string, AttributeValue>;
  readonly heartbeatIntervalMs: number;
  readonly watermarkMaxAgeMs: number;
  readonly sdkTimeoutMs: number;
  readonly sdkMaxAttempts: number;
}

/** Reads the reader's configuration; a missing or malformed value is a ConfigurationError naming the variable. */
export function readerConfig(env: NodeJS.ProcessEnv): ReaderConfig {
  const keySchema = readKeySchema(env, READER_ENV);

  return {
    tableName: requiredString(env, READER_ENV.tableName),
    region: requiredString(env, 'AWS_REGION'),
    primaryRegion: requiredString(env, READER_ENV.primaryRegion),
    keySchema,
    routingParameterName: requiredString(env, READER_ENV.routingParameterName),
    readerName: optionalString(env, READER_ENV.readerName)
      ?? optionalString(env, 'AWS_LAMBDA_FUNCTION_NAME') ?? 'reader',
    maxStalenessMs: integer(env, READER_ENV.maxStalenessMs, DEFAULTS.maxStalenessMs),
    routingMaxAgeMs: integer(env, READER_ENV.routingMaxAgeMs, DEFAULTS.routingMaxAgeMs),
    breakerLeaseMs: integer(env, READER_ENV.breakerLeaseMs, DEFAULTS.breakerLeaseMs),
    mode: oneOf(env, READER_ENV.stalenessMode, STALENESS_MODES, 'evidence'),
    heartbeatKey: readHeartbeatKey(env, keySchema, READER_ENV),
    heartbeatIntervalMs: integer(env, READER_ENV.heartbeatIntervalMs, DEFAULTS.heartbeatIntervalMs),
    watermarkMaxAgeMs: integer(env, READER_ENV.watermarkMaxAgeMs, DEFAULTS.watermarkMaxAgeMs),
    sdkTimeoutMs: integer(env, READER_ENV.sdkTimeoutMs, DEFAULTS.sdkTimeoutMs),
    sdkMaxAttempts: Math.max(1, integer(env, READER_ENV.sdkMaxAttempts, DEFAULTS.sdkMaxAttempts)),
  };
}
