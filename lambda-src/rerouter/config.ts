/**
 * The rerouter's settings, read from the environment the construct writes (REROUTER_ENV in
 * src/private/handler-contract.ts). A missing or malformed value is a ConfigurationError naming the variable.
 */
import { DEFAULTS, INSUFFICIENT_DATA_POLICIES, REROUTER_ENV } from '../../src/private/handler-contract';
import { integer, oneOf, optionalString, positiveInteger, requiredString } from '../shared/environment';
import { ConfigurationError } from '../shared/errors';
import { InsufficientDataPolicy, RoutingConfig } from '../shared/routing-state';

/** Everything one rerouter needs to know. */
export interface RerouterConfig extends RoutingConfig {
  /** The routing parameter this rerouter alone writes. */
  readonly parameterName: string;
  /** The region of the parameter (the function's own region). */
  readonly region: string;
  readonly insufficientDataPolicy: InsufficientDataPolicy;
  /** Attempts of one parameter call (read or write) before the invocation fails. */
  readonly writeMaxAttempts: number;
  /** The first backoff delay; each retry doubles it, with jitter. */
  readonly writeBaseDelayMs: number;
  /** Timeout of one SDK attempt. */
  readonly sdkTimeoutMs: number;
}

/** The shape of a CloudWatch alarm ARN: arn:<partition>:cloudwatch:<region>:<account>:alarm:<name>. */
const ALARM_ARN = /^arn:[a-z-]+:cloudwatch:([a-z0-9-]+):\d{12}:alarm:.+$/;

/** The region of a CloudWatch alarm ARN, or `undefined` when `arn` is not one. */
export function alarmRegion(arn: string): string | undefined {
  return ALARM_ARN.exec(arn)?.[1];
}

/** The name of a CloudWatch alarm from its ARN (everything after `:alarm:`). */
export function alarmNameOf(arn: string): string {
  const marker = ':alarm:';

  return arn.slice(arn.indexOf(marker) + marker.length);
}

function alarmArns(env: NodeJS.ProcessEnv): string[] {
  const name = REROUTER_ENV.alarmArns;
  const raw = requiredString(env, name);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new ConfigurationError(
      `environment variable ${name} must be a JSON array of alarm ARNs, got ${JSON.stringify(raw)}`);
  }
  if (!Array.isArray(value) || value.some((arn) => typeof arn !== 'string' || alarmRegion(arn) === undefined)) {
    throw new ConfigurationError(
      `environment variable ${name} must be a JSON array of CloudWatch alarm ARNs, got ${JSON.stringify(raw)}`);
  }

  return value as string[];
}

/** Reads the rerouter's settings from `env`. */
export function readRerouterConfig(env: NodeJS.ProcessEnv): RerouterConfig {
  const region = optionalString(env, 'AWS_REGION') ?? optionalString(env, 'AWS_DEFAULT_REGION');
  if (region === undefined) {
    throw new ConfigurationError('environment variable AWS_REGION is required');
  }
  const writeMaxAttempts = positiveInteger(env, REROUTER_ENV.writeMaxAttempts, DEFAULTS.rerouterWriteMaxAttempts);

  return {
    parameterName: requiredString(env, REROUTER_ENV.routingParameterName),
    region,
    alarmArns: alarmArns(env),
    insufficientDataPolicy: oneOf(env, REROUTER_ENV.insufficientDataPolicy, INSUFFICIENT_DATA_POLICIES, 'keep'),
    writeMaxAttempts,
    writeBaseDelayMs: integer(env, REROUTER_ENV.writeBaseDelayMs, DEFAULTS.rerouterWriteBaseDelayMs),
    sdkTimeoutMs: integer(env, REROUTER_ENV.sdkTimeoutMs, DEFAULTS.sdkTimeoutMs),
  };
}
