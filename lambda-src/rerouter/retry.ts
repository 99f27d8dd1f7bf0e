/**
 * Retrying a parameter call that was throttled or failed on the server side, with jittered exponential backoff
 * within a fixed number of attempts. PutParameter allows only a few calls a second per account and region.
 */

/** The retry budget of one call. */
export interface RetryBudget {
  /** Attempts in total, the first included (1 means no retry). */
  readonly maxAttempts: number;
  /** The backoff before the second attempt; it doubles for each further attempt. */
  readonly baseDelayMs: number;
}

/** How to wait and where randomness comes from (replaced in tests). */
export interface RetryTools {
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
}

/** Waits with a timer, and jitters with Math.random. */
export const REAL_RETRY_TOOLS: RetryTools = {
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

const RETRYABLE_NAMES = new Set([
  'ThrottlingException',
  'TooManyUpdates',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'InternalServerError',
  'InternalServerErrorException',
  'ServiceUnavailable',
  'TimeoutError',
]);

const RETRYABLE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT']);

/** Whether an SDK error is worth another attempt: throttling, a 5xx answer, a timeout or a dropped connection. */
export function isRetryable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) {
    return false;
  }
  const fields = error as {
    name?: unknown; code?: unknown; $fault?: unknown; $metadata?: { httpStatusCode?: unknown };
  };
  const status = fields.$metadata?.httpStatusCode;

  return (typeof fields.name === 'string' && RETRYABLE_NAMES.has(fields.name))
    || (typeof fields.code === 'string' && RETRYABLE_CODES.has(fields.code))
    || fields.$fault === 'server'
    || (typeof status === 'number' && status >= 500);
}

/**
 * The backoff after failed attempt `attempt` (1-based): half of base * 2^(attempt - 1) plus a random part of the
 * other half ("equal jitter"), so concurrent callers spread out but never retry at once.
 */
export function backoffDelayMs(attempt: number, baseDelayMs: number, random: () => number): number {
  const ceiling = baseDelayMs * 2 ** (attempt - 1);

  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * Runs `call` until it succeeds, fails with an error that is not retryable, or `budget.maxAttempts` attempts failed;
 * then throws the last error. `onRetry` hears each retry.
 */
export async function withRetry<T>(call: () => Promise<T>, budget: RetryBudget, tools: RetryTools = REAL_RETRY_TOOLS,
  onRetry?: (attempt: number, delayMs: number, error: unknown) => void): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= budget.maxAttempts || !isRetryable(error)) {
        throw error;
      }
      const delayMs = backoffDelayMs(attempt, budget.baseDelayMs, tools.random);
      onRetry?.(attempt, delayMs, error);
      await tools.sleep(delayMs);
    }
  }
}
