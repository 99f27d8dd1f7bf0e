/**
 * The few named errors the handlers raise. SDK failures are wrapped with `cause`, so a log line says what we
 * were doing and still carries what AWS answered.
 */

/** The event a handler received is not what its contract allows. `field` names the offending input. */
export class InvalidInputError extends Error {
  public readonly field: string;

  constructor(field: string, message: string) {
    super(message);
    this.name = 'InvalidInputError';
    this.field = field;
  }
}

/** A handler's environment (set by the construct) is missing a variable or holds a value it cannot use. */
export class ConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigurationError';
  }
}

/** A call to an AWS service failed; `cause` is the SDK's error. */
export class DependencyError extends Error {
  public readonly service: string;
  public readonly region: string | undefined;

  constructor(service: string, operation: string, region: string | undefined, cause: unknown) {
    super(`${service} ${operation}${region ? ` in ${region}` : ''} failed: ${describe(cause)}`, { cause });
    this.name = 'DependencyError';
    this.service = service;
    this.region = region;
  }
}

/** A short description of anything thrown, for messages. */
export function describe(error: unknown): string {
  if (error instanceof Error) {
    return `${error.name}: ${error.message}`;
  }

  return String(error);
}
