/**
 * A local Lambda invoker: it runs a handler the way Lambda runs asynchronous (SNS) events, with reserved concurrency,
 * throttling that is retried later, error retries and an on-failure list. `npx jest test/local-aws/invoker.test.ts`
 * exercises it.
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

/** A Lambda handler in its promise form. */
export type LocalHandler<E = unknown> = (event: E, context: Context) => Promise<unknown>;

/** Options of a local invoker. */
export interface LocalInvokerOptions {
  /**
   * The function name in the context and ARN.
   * @default 'local-function'
   */
  readonly functionName?: string;
  /**
   * At most this many invocations run at once; an event beyond it is throttled.
   * @default - unreserved: no limit
   */
  readonly reservedConcurrency?: number;
  /**
   * Retries of an asynchronous event whose handler failed (Lambda allows 0 to 2).
   * @default 2
   */
  readonly maxRetries?: number;
  /**
   * Wait before each retry after an error, in milliseconds (Lambda waits about 1 then 2 minutes; shortened here).
   * @default [1000, 2000]
   */
  readonly retryDelaysMs?: readonly number[];
  /**
   * Wait before trying a throttled asynchronous event again, in milliseconds.
   * @default 100
   */
  readonly throttleRetryDelayMs?: number;
  /**
   * How long an asynchronous event may wait through throttles before it goes to the on-failure list, in milliseconds
   * (Lambda keeps it up to 6 hours).
   * @default 21600000
   */
  readonly maxEventAgeMs?: number;
  /**
   * The timeout reported by `context.getRemainingTimeInMillis()`, in milliseconds (not enforced).
   * @default 30000
   */
  readonly timeoutMs?: number;
}

/** An asynchronous event that failed for good. */
export interface DeadLetter<E = unknown> {
  readonly event: E;
  readonly requestId: string;
  /** Handler runs made (0 when it expired while throttled). */
  readonly attempts: number;
  readonly error: unknown;
  readonly reason: 'RetriesExhausted' | 'EventAgeExceeded';
}

/** Thrown by `invokeSync` when reserved concurrency is used up (Lambda answers 429). */
export class TooManyRequestsError extends Error {
  constructor(functionName: string, reservedConcurrency: number) {
    super(`Rate Exceeded: ${functionName} already runs ${reservedConcurrency} invocations (reserved concurrency)`);
    this.name = 'TooManyRequestsException';
  }
}

/** Runs a handler like Lambda. */
export class LocalInvoker<E = unknown> {
  /** Asynchronous events that failed for good, in order. */
  readonly deadLetters: Array<DeadLetter<E>> = [];
  private readonly functionName: string;
  private readonly maxRetries: number;
  private readonly retryDelaysMs: readonly number[];
  private readonly throttleRetryDelayMs: number;
  private readonly maxEventAgeMs: number;
  private readonly timeoutMs: number;
  private readonly reservedConcurrency: number | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  private idleWaiters: Array<() => void> = [];
  private running = 0;
  private stopped = false;
  private pending = 0;
  private counts = { invocations: 0, throttles: 0, errors: 0, maxInFlight: 0 };

  constructor(private readonly handler: LocalHandler<E>, options: LocalInvokerOptions = {}) {
    this.functionName = options.functionName ?? 'local-function';
    this.maxRetries = options.maxRetries ?? 2;
    this.retryDelaysMs = options.retryDelaysMs ?? [1000, 2000];
    this.throttleRetryDelayMs = options.throttleRetryDelayMs ?? 100;
    this.maxEventAgeMs = options.maxEventAgeMs ?? 21_600_000;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.reservedConcurrency = options.reservedConcurrency;
    if (this.reservedConcurrency !== undefined && !(Number.isInteger(this.reservedConcurrency)
      && this.reservedConcurrency >= 1)) {
      throw new Error(`LocalInvoker reservedConcurrency: got ${this.reservedConcurrency}; `
        + 'allowed: a whole number from 1 (0 would never run the function)');
    }
    if (!(Number.isInteger(this.maxRetries) && this.maxRetries >= 0 && this.maxRetries <= 2)) {
      throw new Error(`LocalInvoker maxRetries: got ${this.maxRetries}; allowed: 0, 1 or 2`);
    }
  }

  /** Handler runs started. */
  get invocations(): number {
    return this.counts.invocations;
  }

  /** Times an event (async) or a call (sync) was refused for lack of concurrency. */
  get throttles(): number {
    return this.counts.throttles;
  }

  /** Handler runs that threw. */
  get errors(): number {
    return this.counts.errors;
  }

  /** The most handler runs seen at once. */
  get maxInFlight(): number {
    return this.counts.maxInFlight;
  }

  /** Handler runs in progress. */
  get inFlight(): number {
    return this.running;
  }

  /**
   * Queues an event as Lambda's asynchronous invoke does (SNS uses it) and returns at once.
   * @returns the request id, kept across retries
   */
  invokeAsync(event: E): string {
    const requestId = randomUUID();
    this.pending += 1;
    this.attempt(event, requestId, 0, Date.now());

    return requestId;
  }

  /** Runs the handler directly (RequestResponse); throws TooManyRequestsException when concurrency is used up. */
  async invokeSync(event: E): Promise<unknown> {
    if (!this.hasCapacity()) {
      this.counts.throttles += 1;
      throw new TooManyRequestsError(this.functionName, this.reservedConcurrency!);
    }

    return this.run(event, randomUUID());
  }

  /** Resolves when no asynchronous event is queued, waiting or running. */
  async whenIdle(): Promise<void> {
    if (this.pending === 0) {
      return;
    }
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** Drops every waiting retry and every later one (those events are lost); `whenIdle` then waits for running ones. */
  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) {
      clearTimeout(timer);
    }
    this.timers.clear();
    this.pending = this.running;
    this.settle(0);
  }

  private hasCapacity(): boolean {
    return this.reservedConcurrency === undefined || this.running < this.reservedConcurrency;
  }

  private later(delayMs: number, action: () => void): void {
    if (this.stopped) {
      this.settle(1);

      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      action();
    }, delayMs);
    this.timers.add(timer);
  }

  private attempt(event: E, requestId: string, attempts: number, firstSeenAt: number): void {
    if (!this.hasCapacity()) {
      this.counts.throttles += 1;
      if (Date.now() - firstSeenAt + this.throttleRetryDelayMs > this.maxEventAgeMs) {
        const error = new Error('event age exceeded while throttled');
        this.deadLetters.push({ event, requestId, attempts, error, reason: 'EventAgeExceeded' });
        this.settle(1);

        return;
      }
      this.later(this.throttleRetryDelayMs, () => this.attempt(event, requestId, attempts, firstSeenAt));

      return;
    }
    this.run(event, requestId).then(
      () => this.settle(1),
      (error: unknown) => {
        if (attempts < this.maxRetries) {
          const delayMs = this.retryDelaysMs[Math.min(attempts, this.retryDelaysMs.length - 1)] ?? 0;
          this.later(delayMs, () => this.attempt(event, requestId, attempts + 1, firstSeenAt));

          return;
        }
        this.deadLetters.push({ event, requestId, attempts: attempts + 1, error, reason: 'RetriesExhausted' });
        this.settle(1);
      },
    );
  }

  private async run(event: E, requestId: string): Promise<unknown> {
    this.running += 1;
    this.counts.invocations += 1;
    this.counts.maxInFlight = Math.max(this.counts.maxInFlight, this.running);
    const deadline = Date.now() + this.timeoutMs;
    try {
      return await this.handler(event, this.context(requestId, deadline));
    } catch (error) {
      this.counts.errors += 1;
      throw error;
    } finally {
      this.running -= 1;
    }
  }

  private settle(finished: number): void {
    this.pending = Math.max(0, this.pending - finished);
    if (this.pending === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      waiters.forEach((resolve) => resolve());
    }
  }

  private context(requestId: string, deadline: number): Context {
    const functionName = this.functionName;
    const unsupported = (): never => {
      throw new Error('The local Lambda context supports promise handlers only (done/fail/succeed are deprecated)');
    };

    return {
      callbackWaitsForEmptyEventLoop: true,
      functionName,
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:us-east-1:111111111111:function:${functionName}`,
      memoryLimitInMB: '128',
      awsRequestId: requestId,
      logGroupName: `/aws/lambda/${functionName}`,
      logStreamName: `local/[$LATEST]${requestId.replace(/-/g, '')}`,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: unsupported,
      fail: unsupported,
      succeed: unsupported,
    };
  }
}
