/**
 * Reading a handler's environment (written by the constructs, see src/private/handler-contract.ts). A missing or
 * malformed required value is a ConfigurationError that names the variable.
 */
import { ConfigurationError } from './errors';

/** A required string variable. */
export function requiredString(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (value === undefined || value === '') {
    throw new ConfigurationError(`environment variable ${name} is required`);
  }

  return value;
}

/** An optional string variable; `undefined` when unset or empty. */
export function optionalString(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name];

  return value === undefined || value === '' ? undefined : value;
}

/** A non-negative integer variable, or `fallback` when unset. */
export function integer(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = optionalString(env, name);
  if (raw === undefined) {
    return fallback;
  }
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new ConfigurationError(`environment variable ${name} must be a non-negative integer, got ${JSON.stringify(raw)}`);
  }

  return value;
}

/** A variable whose value must be one of `allowed`, or `fallback` when unset. */
export function oneOf<T extends string>(env: NodeJS.ProcessEnv, name: string, allowed: readonly T[], fallback: T): T {
  const raw = optionalString(env, name);
  if (raw === undefined) {
    return fallback;
  }
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigurationError(`environment variable ${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(raw)}`);
  }

  return raw as T;
}

/** An integer variable of at least 1, or `fallback` when unset; 0 is a ConfigurationError naming the variable. */
export function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = integer(env, name, fallback);
  if (value < 1) {
    throw new ConfigurationError(`environment variable ${name} must be at least 1, got ${value}`);
  }

  return value;
}
