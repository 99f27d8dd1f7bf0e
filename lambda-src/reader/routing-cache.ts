/**
 * The routing value, cached per container so reads never call SSM each time: one GetParameter per `maxAgeMs` at
 * most. "Not found" is cached like a value. A failed or throttled read keeps the last known value (at a cold start:
 * none, which means automatic) and is retried after another `maxAgeMs`, so the parameter store being down or
 * throttled never fails a user read.
 */
import type { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';

/** Where a routing value came from. */
export type RoutingValueSource = 'cache' | 'fetched' | 'not-found' | 'last-known';

/** A routing value: the raw parameter value, or undefined (absent, or never read). */
export interface RoutingValue {
  readonly raw: string | undefined;
  readonly source: RoutingValueSource;
  /** The error of this call's failed fetch, when it failed. */
  readonly error?: unknown;
}

function isNotFound(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 4; depth++) {
    if (current.name === 'ParameterNotFound' || current.name === 'ParameterNotFoundError') {
      return true;
    }
    current = current.cause;
  }

  return false;
}

/** The cache of one routing parameter. */
export class RoutingCache {
  private value: string | undefined;
  private fetchedAtMs: number | undefined;

  /**
   * @param provider the Powertools SSM provider (its own client)
   * @param name the parameter name
   * @param maxAgeMs how long a value (or a failure) is kept before the next GetParameter
   * @param clock epoch ms
   */
  constructor(private readonly provider: SSMProvider, private readonly name: string,
    private readonly maxAgeMs: number, private readonly clock: () => number) {}

  /** The routing value; never throws. `forceRefresh` skips the cache. */
  public async get(forceRefresh = false): Promise<RoutingValue> {
    const now = this.clock();
    if (!forceRefresh && this.fetchedAtMs !== undefined && now - this.fetchedAtMs < this.maxAgeMs) {
      return { raw: this.value, source: 'cache' };
    }
    this.fetchedAtMs = now;
    try {
      const raw = await this.provider.get(this.name, { maxAge: this.maxAgeMs / 1000, forceFetch: true });
      this.value = typeof raw === 'string' ? raw : undefined;

      return { raw: this.value, source: 'fetched' };
    } catch (error) {
      if (isNotFound(error)) {
        this.value = undefined;

        return { raw: undefined, source: 'not-found' };
      }

      return { raw: this.value, source: 'last-known', error };
    }
  }
}
