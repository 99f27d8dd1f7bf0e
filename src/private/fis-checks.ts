import { Duration, Token } from 'aws-cdk-lib';

/**
 * Limits of the FIS actions used by FisChaosSuite (FIS action reference and API reference), checked before any
 * resource exists. Private: the construct documents them on its props.
 */
export const FIS_LIMITS = {
  minInvocationPercent: 1,
  maxInvocationPercent: 100,
  maxStartupDelayMs: 900_000,
  maxDurationSeconds: 12 * 60 * 60,
  maxStopConditions: 5,
  maxTargetArns: 5,
} as const;

/** Throws unless `value` is a whole number within `[min, max]`; a token is skipped. */
export function checkWholeNumber(field: string, value: number, min: number, max: number): void {
  if (Token.isUnresolved(value)) {
    return;
  }
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`FisChaosSuite: ${field} must be a whole number from ${min} to ${max}, got ${value}`);
  }
}

/** Throws unless `duration` is positive, a whole number of seconds and at most 12 hours. Returns it as ISO 8601. */
export function checkExperimentDuration(field: string, duration: Duration): string {
  const millis = duration.toMilliseconds({ integral: false });
  const max = FIS_LIMITS.maxDurationSeconds;
  if (millis <= 0 || millis % 1000 !== 0 || millis / 1000 > max) {
    throw new Error(
      `FisChaosSuite: ${field} must be a whole number of seconds, more than 0 and at most 12 hours (${max} s), `
      + `got ${duration.toHumanString()}`,
    );
  }

  return duration.toIsoString();
}

/** Throws unless `delay` is a whole number of milliseconds within the action's range. Returns it in ms. */
export function checkStartupDelay(field: string, delay: Duration): number {
  const millis = delay.toMilliseconds({ integral: false });
  checkWholeNumber(`${field} (in milliseconds)`, millis, 0, FIS_LIMITS.maxStartupDelayMs);

  return millis;
}

/** True when both values are resolved and differ. */
export function differsWhenResolved(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && !Token.isUnresolved(a) && !Token.isUnresolved(b) && a !== b;
}
