/**
 * Prop checks shared by the constructs. Each check throws an Error that names the prop, shows the value received
 * and says what is allowed; a value that is an unresolved token is skipped (it is known only at deploy time).
 * Call them at the start of a constructor, before any resource exists.
 */
import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { IConstruct } from 'constructs';
import { HandlerFunctionOptions } from '../handler-function-options';
import { DEFAULTS } from './handler-contract';

/** DynamoDB table names: 3 to 255 characters of a-z, A-Z, 0-9, `_`, `-` and `.`. */
export const TABLE_NAME_MIN_LENGTH = 3;

/** The longest DynamoDB table name. */
export const TABLE_NAME_MAX_LENGTH = 255;

/** Characters DynamoDB allows in a table name. */
export const TABLE_NAME_PATTERN = /^[a-zA-Z0-9_.-]+$/;

/** The shape of an AWS region name (`eu-central-1`, `us-gov-west-1`, `cn-north-1`). */
export const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/** Lambda's smallest memory size in MiB. */
export const LAMBDA_MIN_MEMORY_MIB = 128;

/** Lambda's largest memory size in MiB. */
export const LAMBDA_MAX_MEMORY_MIB = 10240;

/** Lambda's shortest timeout we accept (Lambda counts timeouts in whole seconds). */
export const LAMBDA_MIN_TIMEOUT = Duration.seconds(1);

/** Lambda's longest timeout. */
export const LAMBDA_MAX_TIMEOUT = Duration.minutes(15);

/** The shortest timeout of one SDK call attempt. */
export const SDK_MIN_TIMEOUT = Duration.millis(1);

/** The memory of a handler function when `memorySize` is unset, in MiB. */
export const DEFAULT_HANDLER_MEMORY_MIB = 256;

/** Shows a duration in a message: its own unit, and milliseconds when that differs. */
export function describeDuration(value: Duration): string {
  if (value.isUnresolved()) {
    return '<token>';
  }
  const ms = value.toMilliseconds();
  const own = value.toHumanString();

  return own === `${ms} millis` ? `${ms} ms` : `${own} (${ms} ms)`;
}

/**
 * Requires `min <= value <= max` and returns the value in milliseconds, or `undefined` when the value is an
 * unresolved token.
 */
export function checkDurationBetween(prop: string, value: Duration, min: Duration, max: Duration): number | undefined {
  if (value.isUnresolved()) {
    return undefined;
  }
  const ms = value.toMilliseconds();
  if (ms < min.toMilliseconds() || ms > max.toMilliseconds()) {
    throw new Error(`${prop} must be between ${describeDuration(min)} and ${describeDuration(max)}, `
      + `got ${describeDuration(value)}`);
  }

  return ms;
}

/**
 * Requires a whole number of `unit` (for example a period in whole minutes) and returns the value in
 * milliseconds, or `undefined` when the value is an unresolved token.
 */
export function checkDurationMultipleOf(prop: string, value: Duration, unit: Duration): number | undefined {
  if (value.isUnresolved()) {
    return undefined;
  }
  const ms = value.toMilliseconds();
  if (ms % unit.toMilliseconds() !== 0) {
    throw new Error(`${prop} must be a whole multiple of ${describeDuration(unit)}, got ${describeDuration(value)}`);
  }

  return ms;
}

/** Requires an integer with `min <= value <= max` (tokens are skipped). */
export function checkIntegerBetween(prop: string, value: number, min: number, max: number): void {
  if (Token.isUnresolved(value)) {
    return;
  }
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${prop} must be an integer from ${min} to ${max}, got ${value}`);
  }
}

/** Requires a string that is not empty (tokens are skipped). */
export function checkNonEmptyString(prop: string, value: string): void {
  if (Token.isUnresolved(value)) {
    return;
  }
  if (value.length === 0) {
    throw new Error(`${prop} must be a non-empty string, got ""`);
  }
}

/** Requires a valid DynamoDB table name (tokens are skipped). */
export function checkTableName(prop: string, value: string): void {
  if (Token.isUnresolved(value)) {
    return;
  }
  const lengthOk = value.length >= TABLE_NAME_MIN_LENGTH && value.length <= TABLE_NAME_MAX_LENGTH;
  if (!lengthOk || !TABLE_NAME_PATTERN.test(value)) {
    throw new Error(`${prop} must be ${TABLE_NAME_MIN_LENGTH} to ${TABLE_NAME_MAX_LENGTH} characters of a-z, A-Z, 0-9, `
      + `'_', '-' and '.', got ${JSON.stringify(value)}`);
  }
}

/**
 * Requires a literal name of 1 to `maxLength` printable ASCII characters. A token is refused (not skipped):
 * `literalReason` says what the name is used for at synth time, and is quoted in the error.
 */
export function checkLiteralAsciiName(prop: string, value: string, maxLength: number, literalReason: string): void {
  if (Token.isUnresolved(value)) {
    throw new Error(`${prop} must be a literal string (${literalReason}), got a token (${value})`);
  }
  if (value.length < 1 || value.length > maxLength || !/^[\x20-\x7e]+$/.test(value)) {
    throw new Error(`${prop} must be 1 to ${maxLength} printable ASCII characters, got ${JSON.stringify(value)}`);
  }
}

/**
 * Requires a literal region name: regions name physical resources and ARNs that other stacks use, so a token is
 * refused here.
 */
export function checkRegionName(prop: string, value: string): void {
  if (Token.isUnresolved(value)) {
    throw new Error(`${prop} must be a literal region name such as 'eu-central-1', got a token (${value})`);
  }
  if (!REGION_PATTERN.test(value)) {
    throw new Error(`${prop} must be a region name such as 'eu-central-1', got ${JSON.stringify(value)}`);
  }
}

/**
 * Returns the region of the stack that holds `scope`, and refuses a region-agnostic stack (`env.region` unset),
 * whose region is only known at deploy time.
 */
export function requireConcreteRegion(scope: IConstruct, constructName: string): string {
  const stack = Stack.of(scope);
  if (Token.isUnresolved(stack.region)) {
    throw new Error(`${constructName} needs a stack with a concrete region (set env.region on stack `
      + `'${stack.stackName}'), got a region-agnostic stack (region ${stack.region})`);
  }

  return stack.region;
}

/** The checked settings of a handler function (`HandlerFunctionOptions` with its defaults applied). */
export interface FunctionSettings {
  /** The SDK call timeout in milliseconds, or `undefined` when `sdkTimeout` is an unresolved token. */
  readonly sdkTimeoutMs?: number;
  /** The function timeout. */
  readonly timeout: Duration;
  /** The function timeout in milliseconds, or `undefined` when it is an unresolved token. */
  readonly timeoutMs?: number;
  /** The memory in MiB. */
  readonly memorySize: number;
  /** The retention of the function's log group. */
  readonly logRetention: logs.RetentionDays;
  /** The instruction set of the function. */
  readonly architecture: lambda.Architecture;
}

/**
 * Checks the function settings of a handler construct and applies their defaults: `sdkTimeout` 1 millisecond to
 * 15 minutes (default `DEFAULTS.sdkTimeoutMs`), `timeout` whole seconds from 1 second to 15 minutes (default
 * `defaultTimeout`), `memorySize` an integer from 128 to 10240 MiB (default 256), log retention one month and ARM.
 */
export function checkFunctionSettings(options: HandlerFunctionOptions, defaultTimeout: Duration): FunctionSettings {
  const sdkTimeout = options.sdkTimeout ?? Duration.millis(DEFAULTS.sdkTimeoutMs);
  const sdkTimeoutMs = checkDurationBetween('sdkTimeout', sdkTimeout, SDK_MIN_TIMEOUT, LAMBDA_MAX_TIMEOUT);
  const timeout = options.timeout ?? defaultTimeout;
  const timeoutMs = checkDurationBetween('timeout', timeout, LAMBDA_MIN_TIMEOUT, LAMBDA_MAX_TIMEOUT);
  checkDurationMultipleOf('timeout', timeout, Duration.seconds(1));
  const memorySize = options.memorySize ?? DEFAULT_HANDLER_MEMORY_MIB;
  checkIntegerBetween('memorySize', memorySize, LAMBDA_MIN_MEMORY_MIB, LAMBDA_MAX_MEMORY_MIB);

  return {
    sdkTimeoutMs,
    timeout,
    timeoutMs,
    memorySize,
    logRetention: options.logRetention ?? logs.RetentionDays.ONE_MONTH,
    architecture: options.architecture ?? lambda.Architecture.ARM_64,
  };
}
